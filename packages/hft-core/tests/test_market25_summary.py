"""Issue #25: a run's summary states which market its result comes from, and its run directory records it.

A simulated market is named by its scenario (``simulated:NAME``); a calibrated one adds its ``market_label``: the
capture it was fitted to and the calibration file. passive-mm's default market is the shipped calibration
(``btcusdt-perp``), so its default run says so; without a label only the scenario's name is left.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from hft_core.cli._main import main

MARKET_FILE = Path(__file__).resolve().parents[1] / "src/hft_core/calibration/binance_btcusdt_perp.toml"
CALIBRATED = (
    "simulated:btcusdt-perp [calibrated to usdm_btcusdt_20240808.gz (BTCUSDT, 344 s) "
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


def _printed(capsys: pytest.CaptureFixture[str]) -> str:
    """The run's output without the layout's spaces and borders (the table may wrap and fold a long name)."""
    return "".join(capsys.readouterr().out.replace("│", "").split())


@pytest.mark.parametrize("args", [(), ("--config", str(MARKET_FILE))], ids=["default", "calibration-file"])
def test_the_calibrated_market_names_its_capture_and_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    """The default run and a run given the calibration file itself trade the same market and both say so."""
    _run(tmp_path / "run", *args)
    assert "".join(CALIBRATED.split()) in _printed(capsys)
    label = CALIBRATED.split(" [", 1)[1].rstrip("]")
    assert label == tomllib.loads(MARKET_FILE.read_text())["scenario"]["market_label"]
    assert _recorded(tmp_path / "run") == (CALIBRATED, "btcusdt-perp", label)


def test_a_market_without_a_label_is_named_by_its_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(tmp_path / "run", "--set", "scenario.market_label=")
    printed = _printed(capsys)
    assert "simulated:btcusdt-perp" in printed and "calibratedto" not in printed
    assert _recorded(tmp_path / "run") == ("simulated:btcusdt-perp", "btcusdt-perp", "")
