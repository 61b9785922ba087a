"""Issue #25: a run's summary states which market its result comes from, and its run directory records it.

The built-in market is named by its scenario (``simulated:single-instrument``, no label: not calibrated); a
calibrated one adds its ``market_label``: the capture it was fitted to and the calibration file.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from hft_core.cli._main import main

MARKET_FILE = Path(__file__).resolve().parents[1] / "src/hft_core/calibration/binance_btcusdt_perp.toml"
CALIBRATED = (
    "simulated:single-instrument [calibrated to usdm_btcusdt_20240808.gz (BTCUSDT, 344 s) "
    "by hft_core/calibration/binance_btcusdt_perp.toml]"
)


def _run(out: Path, *args: str) -> None:
    pytest.importorskip("hft_passive_mm")
    with pytest.raises(SystemExit) as done:
        main(["run", "passive-mm", "--duration", "3", "--out", str(out), *args])
    assert int(done.value.code or 0) == 0


def _recorded(out: Path) -> tuple[str, str, str]:
    """(summary.json's venue, run.json's scenario, config.toml's market_label)."""
    summary = json.loads((out / "summary.json").read_text())
    run = json.loads((out / "run.json").read_text())
    config = tomllib.loads((out / "config.toml").read_text())
    return str(summary["venue"]), str(run["scenario"]), str(config["scenario"]["market_label"])


def test_the_default_market_is_named_by_its_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(tmp_path / "run")
    assert "simulated:single-instrument" in capsys.readouterr().out
    assert _recorded(tmp_path / "run") == ("simulated:single-instrument", "single-instrument", "")


def test_the_calibrated_market_names_its_capture_and_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(tmp_path / "run", "--config", str(MARKET_FILE))
    # The table may wrap (and fold) the long name: compare without the layout's spaces and borders.
    printed = "".join(capsys.readouterr().out.replace("│", "").split())
    assert "".join(CALIBRATED.split()) in printed
    label = CALIBRATED.split(" [", 1)[1].rstrip("]")
    assert _recorded(tmp_path / "run") == (CALIBRATED, "single-instrument", label)
