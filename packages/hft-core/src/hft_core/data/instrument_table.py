"""The bundled table of Binance instruments (tick, lot, multiplier, standard fee tier), and its override.

``binance_instruments.csv`` beside this module holds the rows, with their source and date in its header. A CSV
with the same columns named by ``$HFT_INSTRUMENTS`` replaces rows of the same market and symbol (or adds rows).
Symbols in neither have their grid inferred from the capture (`hft_core.data.grids`) and get their market's
standard fee tier (`STANDARD_FEES`).
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from hft_core.errors import ConfigError
from hft_core.instruments import FeeSchedule, Instrument

__all__ = [
    "INSTRUMENTS_ENV",
    "MARKET_VENUES",
    "STANDARD_FEES",
    "TABLE_DATE",
    "TableRow",
    "binance_table",
    "table_instrument",
]

Market = Literal["spot", "usdm", "coinm"]

INSTRUMENTS_ENV = "HFT_INSTRUMENTS"
"""Environment variable naming a CSV whose rows replace (or add to) the bundled table's."""

TABLE_DATE = "2024-08"
"""The date of the captures the BTC rows were checked against; the other rows' sources and their dates are listed
row by row in the CSV's header (checked 2026-12-07)."""

MARKET_VENUES: dict[str, str] = {"spot": "binance", "usdm": "binance-usdm", "coinm": "binance-coinm"}
"""The venue name an instrument of each Binance market carries."""

STANDARD_FEES: dict[str, FeeSchedule] = {
    "spot": FeeSchedule(maker=0.001, taker=0.001),
    "usdm": FeeSchedule(maker=0.0002, taker=0.0005),
    "coinm": FeeSchedule(maker=0.0002, taker=0.0005),
}
"""Binance's standard (VIP 0, no BNB discount) fee tier per market, as of `TABLE_DATE` (COIN-M's not confirmed by
a public source: see the CSV's header)."""

_COLUMNS = ("market", "symbol", "tick_size", "lot_size", "multiplier", "maker_fee", "taker_fee")


@dataclass(frozen=True, slots=True)
class TableRow:
    """One instrument of the table and where its row came from (``bundled`` or the override file's path)."""

    market: str
    instrument: Instrument
    source: str


def _rows(text: str, source: str) -> dict[tuple[str, str], TableRow]:
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    if reader.fieldnames is None or tuple(name.strip() for name in reader.fieldnames) != _COLUMNS:
        raise ConfigError(f"{source}: an instrument table needs the columns {', '.join(_COLUMNS)}")
    rows: dict[tuple[str, str], TableRow] = {}
    for number, record in enumerate(reader, start=2):
        try:
            market = record["market"].strip()
            if market not in MARKET_VENUES:
                raise ValueError(f"market must be one of {', '.join(MARKET_VENUES)}, got {market!r}")
            symbol = record["symbol"].strip().upper()
            instrument = Instrument(
                symbol,
                tick_size=float(record["tick_size"]),
                lot_size=float(record["lot_size"]),
                venue=MARKET_VENUES[market],
                multiplier=float(record["multiplier"]),
                fees=FeeSchedule(maker=float(record["maker_fee"]), taker=float(record["taker_fee"])),
            )
        except (ValueError, TypeError, AttributeError) as exc:
            raise ConfigError(f"{source}: row {number} (not counting comments): {exc}") from None
        rows[(market, symbol)] = TableRow(market, instrument, source)
    return rows


def binance_table() -> dict[tuple[str, str], TableRow]:
    """The table by ``(market, SYMBOL)``: the bundled rows, then those of ``$HFT_INSTRUMENTS`` over them."""
    text = resources.files("hft_core.data").joinpath("binance_instruments.csv").read_text(encoding="utf-8")
    rows = _rows(text, "bundled")
    override = os.environ.get(INSTRUMENTS_ENV)
    if override:
        path = Path(override)
        try:
            rows.update(_rows(path.read_text(encoding="utf-8"), str(path)))
        except OSError as exc:
            raise ConfigError(f"${INSTRUMENTS_ENV}={override}: cannot read the instrument table: {exc}") from None
    return rows


def table_instrument(market: str, symbol: str) -> TableRow | None:
    """The table's row for ``symbol`` on Binance ``market``, if it has one."""
    return binance_table().get((market, symbol.upper()))
