"""The hft-leadlag command: bad input exits 2 with one line; the restated trade kind matches hft-core's."""

from __future__ import annotations

from pathlib import Path

import pytest
from hft_latency_arb import cli

DATA = Path("/work/shared/data/binance-2024-08-08")


def test_trade_kind_matches_hft_core() -> None:
    from hft_core.events import EventKind

    assert int(EventKind.TRADE) == cli.TRADE_KIND


def test_a_missing_file_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([str(tmp_path / "a.gz"), str(tmp_path / "b.gz")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("hft-leadlag:") and "\n" not in err


@pytest.mark.skipif(not DATA.is_dir(), reason="shared Binance captures not present")
def test_a_grid_finer_than_the_captures_milliseconds_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    spot, perp = DATA / "spot_btcusdt_20240808.gz", DATA / "usdm_btcusdt_20240808.gz"
    assert cli.main([str(spot), str(perp), "--step-ms", "0.1", "--max-lag-ms", "1"]) == 2
    assert "finer than the timestamps' resolution" in capsys.readouterr().err
