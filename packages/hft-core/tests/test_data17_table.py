"""The bundled Binance instrument table names a source for every row it keeps (#17).

The CSV's header lists, row by row, where each grid and fee tier was confirmed; a row added without one fails here.
"""

from __future__ import annotations

from importlib import resources

from hft_core.data.instrument_table import binance_table


def test_every_bundled_row_has_a_source_in_the_header() -> None:
    text = resources.files("hft_core.data").joinpath("binance_instruments.csv").read_text(encoding="utf-8")
    header = " ".join(line.lstrip("# ") for line in text.splitlines() if line.startswith("#"))
    assert "checked 2026-12-07" in header
    header = header.split("- removed")[0]  # (the rows named after it are the ones taken out)
    for (market, symbol), row in binance_table().items():
        if row.source != "bundled":
            continue
        if symbol.startswith("BTC"):
            assert "the three BTC rows" in header, symbol
        else:
            # "- usdm ETHUSDT, BNBUSDT, ...: <source>" or "- spot ETHUSDT (tick 0.01), ...: <source>"
            line = next((part for part in header.split("- ") if part.startswith(f"{market} ")), "")
            assert symbol in line, f"{market} {symbol} has no source line"
