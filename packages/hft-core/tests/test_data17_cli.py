"""From the CLI alone, as a new user: `hft data info` and `hft run passive-mm --data` on a Binance capture of a
symbol outside the bundled table (the shared spot capture with its symbol rewritten) and on LOBSTER files (#17)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hft_core.data.samples import shared_data_path

HftCli = Callable[[list[str]], tuple[int, str, str]]
"""The root conftest's ``hft_cli`` fixture: ``hft`` in-process, as (exit code, stdout, stderr)."""

pytestmark = pytest.mark.slow

SPOT = "binance-2024-08-08/spot_btcusdt_20240808.gz"
LOBSTER = "lobster-amzn-2012-06-21-l1/AMZN_2012-06-21_34200000_57600000_message_1.csv"


def _origins(run_dir: Path) -> dict[str, str]:
    summary = json.loads((run_dir / "summary.json").read_text())
    origins: dict[str, str] = summary["instrument_origins"]
    return origins


def test_a_binance_symbol_outside_the_table(tmp_path: Path, hft_cli: HftCli) -> None:
    text = gzip.decompress(shared_data_path(SPOT).read_bytes()).decode()
    capture = tmp_path / "spot_qqqusdt_20240808.gz"
    capture.write_bytes(gzip.compress(text.replace("BTCUSDT", "QQQUSDT").replace("btcusdt", "qqqusdt").encode()))

    code, out, err = hft_cli(["data", "info", str(capture)])
    assert code == 0, err
    assert "instrument   QQQUSDT (binance): tick 0.01, lot 1e-06 (id 0)" in out
    assert "grid from    inferred: tick 0.01 inferred from" in out

    run_dir = tmp_path / "run"
    code, out, err = hft_cli(
        ["run", "passive-mm", "--data", str(capture), "--duration", "120", "-q", "-o", str(run_dir)]
    )
    assert code == 0, err
    assert _origins(run_dir)[capture.name].startswith("inferred: tick 0.01 inferred from")


def test_lobster_files(tmp_path: Path, hft_cli: HftCli) -> None:
    messages = shared_data_path(LOBSTER)
    code, out, err = hft_cli(["data", "info", str(messages)])
    assert code == 0, err
    assert "instrument   AMZN (nasdaq): tick 0.005, lot 1.0 (id 0)" in out

    run_dir = tmp_path / "run"
    code, out, err = hft_cli(
        ["run", "passive-mm", "--data", str(messages), "--duration", "600", "-q", "-o", str(run_dir)]
    )
    assert code == 0, err
    assert _origins(run_dir)[messages.name].startswith("LOBSTER: symbol from the file name; tick 0.005")
