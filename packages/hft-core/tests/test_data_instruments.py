"""Instruments from the data: the bundled Binance table, grids inferred from a capture, CLI overrides (#17)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hft_core.cli._data import data_app
from hft_core.data.binance import binance_capture_instrument
from hft_core.data.grids import infer_binance_grid, infer_step
from hft_core.data.instrument_spec import GridOverrides, resolve_source_instrument
from hft_core.data.instrument_table import INSTRUMENTS_ENV, binance_table, table_instrument
from hft_core.data.samples import shared_data_path
from hft_core.errors import ConfigError, DataError
from typer.testing import CliRunner

T0 = 1_700_000_000_000_000_000


def _capture(path: Path, symbol: str = "XYZUSDT") -> Path:
    """A spot capture of ``symbol``: a snapshot, diffs on a 0.005 tick and a 0.25 lot, two trades."""
    messages: list[dict[str, object]] = [
        {"lastUpdateId": 100, "bids": [["10.005", "5.25"], ["10.000", "0.5"]], "asks": [["10.020", "3.00"]]},
        {"e": "depthUpdate", "E": 1, "s": symbol, "U": 101, "u": 101, "b": [["10.010", "1.75"]], "a": []},
        {"e": "depthUpdate", "E": 2, "s": symbol, "U": 102, "u": 103, "b": [], "a": [["10.015", "0.25"]]},
        {"e": "trade", "E": 3, "T": 3, "s": symbol, "t": 1, "p": "10.015", "q": "0.25", "m": False, "M": True},
        {"e": "trade", "E": 4, "T": 4, "s": symbol, "t": 2, "p": "10.010", "q": "1.00", "m": True, "M": True},
        {"e": "markPriceUpdate", "E": 5, "s": symbol, "p": "10.01234567"},  # not a book price: ignored
    ]
    path.write_text("".join(f"{T0 + i * 1_000_000} {json.dumps(m)}\n" for i, m in enumerate(messages)))
    return path


def test_infer_step_is_exact_on_decimal_text() -> None:
    found = infer_step(["61837.63000000", "61837.62", "0.00000000", "61800.1"])
    assert found is not None and found.step == 0.01 and found.distinct == 3
    assert infer_step(["0.30", "0.20"]).step == pytest.approx(0.1)  # type: ignore[union-attr]
    assert infer_step(["1000", "2500"]).step == 500.0  # type: ignore[union-attr]
    assert infer_step(["0", "0.000"]) is None
    with pytest.raises(ValueError, match="not a plain decimal"):
        infer_step(["1e-5"])


def test_a_symbol_outside_the_table_gets_its_grid_inferred_with_the_evidence(tmp_path: Path) -> None:
    source = _capture(tmp_path / "xyz.txt")
    assert table_instrument("spot", "XYZUSDT") is None
    instrument, origin = binance_capture_instrument(source)
    assert (instrument.symbol, instrument.tick_size, instrument.lot_size) == ("XYZUSDT", 0.005, 0.25)
    assert instrument.fees.maker == 0.001 and instrument.fees.taker == 0.001  # Binance spot standard tier
    assert origin.startswith("inferred: tick 0.005 inferred from 7 prices (5 distinct")
    assert "lot 0.25 inferred from 7 sizes (6 distinct" in origin


def test_the_bundled_table_knows_the_shared_captures_and_an_override_file_replaces_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = binance_table()
    assert table[("usdm", "BTCUSDT")].instrument.tick_size == 0.1
    assert table[("coinm", "BTCUSD_PERP")].instrument.multiplier == 100.0
    override = tmp_path / "mine.csv"
    override.write_text(
        "# my VIP 3 fees\nmarket,symbol,tick_size,lot_size,multiplier,maker_fee,taker_fee\n"
        "usdm,BTCUSDT,0.1,0.001,1,0.00012,0.00032\n"
    )
    monkeypatch.setenv(INSTRUMENTS_ENV, str(override))
    row = table_instrument("usdm", "btcusdt")
    assert row is not None and row.instrument.fees.maker == 0.00012 and row.source == str(override)
    override.write_text("market,symbol,tick_size\nusdm,BTCUSDT,0.1\n")
    with pytest.raises(ConfigError, match="needs the columns"):
        binance_table()
    override.write_text("market,symbol,tick_size,lot_size,multiplier,maker_fee,taker_fee\nusdm,X,0,1,1,0,0\n")
    with pytest.raises(ConfigError, match=r"row 2.*tick_size must be a positive"):
        binance_table()


@pytest.mark.parametrize(
    ("name", "tick", "lot"),
    [
        ("spot_btcusdt_20240808.gz", 0.01, 1e-6),
        ("usdm_btcusdt_20240808.gz", 0.1, 0.001),
        ("cm_btcusd_perp_20240808.gz", 0.1, 1.0),
    ],
)
def test_grids_inferred_from_the_shared_captures_agree_with_the_table(name: str, tick: float, lot: float) -> None:
    path = shared_data_path("binance-2024-08-08") / name
    grid = infer_binance_grid(path)
    assert (grid.tick.step, grid.lot.step) == (tick, lot)
    # The table's grid is the exchange's: the inferred one is a multiple of it (spot sizes: 1e-6 of 1e-8).
    row = resolve_source_instrument(path, "binance").instrument
    assert round(grid.tick.step / row.tick_size, 6).is_integer() and round(grid.lot.step / row.lot_size, 6).is_integer()


def test_overrides_replace_the_grid_and_a_wrong_lot_is_off_the_grid(tmp_path: Path) -> None:
    source = _capture(tmp_path / "xyz.txt")
    given = resolve_source_instrument(source, "binance", GridOverrides(lot_size=0.05))
    assert (given.instrument.tick_size, given.instrument.lot_size) == (0.005, 0.05)
    assert given.origin.startswith("given: --lot-size 0.05; otherwise inferred")
    with pytest.raises(ConfigError, match="does not match the capture's symbol 'XYZUSDT'"):
        resolve_source_instrument(source, "binance", GridOverrides(symbol="ABCUSDT"))
    shown = CliRunner().invoke(data_app, ["info", str(source), "--lot-size", "1"])
    assert shown.exit_code == 1
    assert isinstance(shown.exception, DataError)
    message = str(shown.exception)
    assert "size 5.25 is off the grid: not a multiple of the lot size 1.0 of XYZUSDT" in message
    assert "rounds to 0" not in message


def test_hft_data_info_and_convert_work_on_a_symbol_outside_the_table(tmp_path: Path) -> None:
    source = _capture(tmp_path / "xyz.txt")
    shown = CliRunner().invoke(data_app, ["info", str(source)])
    assert shown.exit_code == 0, shown.output
    assert "instrument   XYZUSDT (binance): tick 0.005, lot 0.25 (id 0)" in shown.output
    assert "grid from    inferred: tick 0.005 inferred from 7 prices" in shown.output
    assert "fees         maker 10 bp, taker 10 bp" in shown.output
    out = tmp_path / "xyz.npz"
    converted = CliRunner().invoke(data_app, ["convert", str(source), "--out", str(out), "--tick-size", "0.001"])
    assert converted.exit_code == 0, converted.output
    recorded = resolve_source_instrument(out, "events")
    assert (recorded.instrument.tick_size, recorded.instrument.lot_size) == (0.001, 0.25)
    with pytest.raises(ConfigError, match="would rescale them"):
        resolve_source_instrument(out, "events", GridOverrides(tick_size=0.005))


def test_tardis_files_need_no_options_when_their_grid_shows(tmp_path: Path) -> None:
    quotes = tmp_path / "q.csv"
    quotes.write_text(
        "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount\n"
        "x,BTC-USD,1588291201099000,1588291201234268,5494,8629.3,8629.2,806\n"
        "x,BTC-USD,1588291201133000,1588291201454126,5493,8629.35,8629.2,800\n"
    )
    chosen = resolve_source_instrument(quotes, "tardis")
    assert (chosen.instrument.symbol, chosen.instrument.tick_size, chosen.instrument.lot_size) == ("BTC-USD", 0.05, 1.0)
    assert "tick 0.05 inferred from 4 prices" in chosen.origin
    given = resolve_source_instrument(quotes, "tardis", GridOverrides(tick_size=0.01))
    assert given.instrument.tick_size == 0.01 and "given" in given.origin
    one_price = tmp_path / "t.csv"
    one_price.write_text(
        "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
        "b,XBTUSD,1583020803145000,1583020803307160,a,sell,8531.5,2152\n"
        "b,XBTUSD,1583020803276000,1583020803336743,b,sell,8531.5,1\n"
    )
    with pytest.raises(DataError, match="only one distinct non-zero price"):
        resolve_source_instrument(one_price, "tardis")
    assert resolve_source_instrument(one_price, "tardis", GridOverrides("XBTUSD", 0.5, 1.0)).instrument.tick_size == 0.5
    mixed = tmp_path / "m.csv"
    mixed.write_text(quotes.read_text() + "x,ETH-USD,1588291201233000,1588291201454126,1,200.1,200.0,2\n")
    with pytest.raises(ConfigError, match="holds BTC-USD, ETH-USD; give --symbol"):
        resolve_source_instrument(mixed, "tardis")
