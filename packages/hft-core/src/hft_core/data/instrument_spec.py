"""Which instrument (tick, lot, multiplier, fees) a data source describes, and how events files record it.

Replaying a file needs its grid. Binance captures name their symbol: the bundled instrument table gives its grid,
else the grid is inferred from the capture's own prices and sizes; events files written by ``hft data convert``
carry the instrument in their metadata (``instrument_spec``); LOBSTER files name their ticker and trade in cents
and shares; Tardis CSVs and hftbacktest arrays carry prices as floats only, so their grid must be given
(``--symbol/--tick-size/--lot-size``, `GridOverrides`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from hft_core.data.binance import detect_binance_capture
from hft_core.data.eventfile import load_events_meta
from hft_core.errors import ConfigError, DataError
from hft_core.instruments import FeeSchedule, Instrument

__all__ = [
    "SPEC_KEY",
    "GridOverrides",
    "SourceInstrument",
    "instrument_for_source",
    "instrument_from_dict",
    "instrument_to_dict",
    "resolve_source_instrument",
]

SPEC_KEY = "instrument_spec"


def instrument_to_dict(instrument: Instrument) -> dict[str, Any]:
    """A JSON-ready description of ``instrument``."""
    return {
        "symbol": instrument.symbol,
        "venue": instrument.venue,
        "tick_size": instrument.tick_size,
        "lot_size": instrument.lot_size,
        "multiplier": instrument.multiplier,
        "maker_fee": instrument.fees.maker,
        "taker_fee": instrument.fees.taker,
    }


def instrument_from_dict(spec: Mapping[str, Any], *, source: str = "instrument spec") -> Instrument:
    """The inverse of `instrument_to_dict`, with a `DataError` naming the bad field."""
    try:
        return Instrument(
            symbol=str(spec["symbol"]),
            venue=str(spec.get("venue", "replay")),
            tick_size=float(spec["tick_size"]),
            lot_size=float(spec["lot_size"]),
            multiplier=float(spec.get("multiplier", 1.0)),
            fees=FeeSchedule(maker=float(spec.get("maker_fee", 0.0)), taker=float(spec.get("taker_fee", 0.0))),
        )
    except KeyError as missing:
        raise DataError(f"instrument spec lacks {missing.args[0]!r}", path=source, field=str(missing.args[0])) from None
    except (TypeError, ValueError) as exc:
        raise DataError(f"invalid instrument spec: {exc}", path=source, field=SPEC_KEY) from None


@dataclass(frozen=True, slots=True)
class GridOverrides:
    """What ``--symbol``, ``--tick-size`` and ``--lot-size`` say (each optional): they replace what the source
    says or what would be inferred from it."""

    symbol: str | None = None
    tick_size: float | None = None
    lot_size: float | None = None

    def __post_init__(self) -> None:
        if self.symbol is not None and not self.symbol.strip():
            raise ConfigError("--symbol must not be empty")
        for name in ("tick_size", "lot_size"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0
            ):
                raise ConfigError(f"--{name.replace('_', '-')} must be a positive number, got {value!r}")

    @property
    def given(self) -> bool:
        """Whether any of the three is set."""
        return self.symbol is not None or self.tick_size is not None or self.lot_size is not None

    def to_dict(self) -> dict[str, str | float]:
        """The options that are set, by name (as the ``[run]`` table records them)."""
        found = {"symbol": self.symbol, "tick_size": self.tick_size, "lot_size": self.lot_size}
        return {key: value for key, value in found.items() if value is not None}

    def describe(self) -> str:
        """E.g. ``--tick-size 0.01 --lot-size 0.001``."""
        return " ".join(f"--{key.replace('_', '-')} {value}" for key, value in self.to_dict().items())


@dataclass(frozen=True, slots=True)
class SourceInstrument:
    """A source's instrument and where it came from (``origin``: the table, inferred with its evidence, recorded,
    given, or the format's convention)."""

    instrument: Instrument
    origin: str


def resolve_source_instrument(
    path: str | os.PathLike[str], format_name: str, overrides: GridOverrides | None = None
) -> SourceInstrument:
    """The instrument ``path`` is replayed or converted with: ``overrides`` over what the source says.

    - ``binance``: the bundled table's row for the capture's market and symbol (`instrument_table`), else a grid
      inferred from every price and size in the capture (`hft_core.data.grids`); ``--symbol`` must match the
      capture's.
    - ``events``: the instrument recorded in the file; its prices are integer ticks of that grid, so only the
      symbol may be overridden.
    - ``lobster``: the ticker of the file name, tick 0.01 $ (``--tick-size 0.005`` for days with half-cent
      hidden executions), lot one share.
    - ``l3``: ``--symbol`` (else the file name's stem), ``--tick-size`` and ``--lot-size`` where given, else the
      grid inferred from every price and size in the file (`hft_core.data.l3file.infer_l3_grid`).
    - ``tardis``: ``--symbol`` (else the file's ``symbol`` column, when it holds one symbol), ``--tick-size`` and
      ``--lot-size`` where given, else inferred exactly from every price and amount in the file.
    - ``hftbacktest`` arrays carry float prices and sizes only: ``--symbol`` (else the file name's stem),
      ``--tick-size`` and ``--lot-size`` where given, else the grid inferred exactly from the shortest decimal form
      of every price and size its loader converts (`hft_core.data.hftbacktest_npz.infer_hftbacktest_grid`).
    """
    source = Path(path)
    given = overrides or GridOverrides()
    if format_name == "binance":
        return _binance_instrument(source, given)
    if format_name == "events":
        return _events_instrument(source, given)
    if format_name == "lobster":
        return _lobster_instrument(source, given)
    if format_name == "l3":
        return _l3_instrument(source, given)
    if format_name == "tardis":
        return _tardis_instrument(source, given)
    if format_name == "hftbacktest":
        return _hftbacktest_instrument(source, given)
    if given.symbol is None or given.tick_size is None or given.lot_size is None:
        raise ConfigError(
            f"{source}: {format_name} data carries no symbol or tick/lot grid; give --symbol, --tick-size and "
            "--lot-size (on 'hft data' commands and on 'hft run --data')"
        )
    try:
        instrument = Instrument(given.symbol, tick_size=given.tick_size, lot_size=given.lot_size, venue="replay")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return SourceInstrument(instrument, f"given: {given.describe()}")


def instrument_for_source(
    path: str | os.PathLike[str], format_name: str, overrides: GridOverrides | None = None
) -> Instrument:
    """The instrument a source file describes (`resolve_source_instrument` without the origin)."""
    return resolve_source_instrument(path, format_name, overrides).instrument


def _with_grid(found: SourceInstrument, given: GridOverrides) -> SourceInstrument:
    changes: dict[str, Any] = {
        key: value for key, value in (("tick_size", given.tick_size), ("lot_size", given.lot_size)) if value is not None
    }
    if not changes:
        return found
    try:
        instrument = replace(found.instrument, **changes)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return SourceInstrument(instrument, f"given: {given.describe()}; otherwise {found.origin}")


def _binance_instrument(source: Path, given: GridOverrides) -> SourceInstrument:
    from hft_core.data.binance import binance_capture_instrument
    from hft_core.data.instrument_table import MARKET_VENUES, STANDARD_FEES, table_instrument

    market, symbol = detect_binance_capture(source)
    if given.symbol is not None and given.symbol.upper() != symbol.upper():
        raise ConfigError(f"{source}: --symbol {given.symbol} does not match the capture's symbol {symbol!r}")
    if given.tick_size is not None and given.lot_size is not None:
        # Both given: nothing to infer; the table still knows the multiplier and fees where it has the symbol.
        row = table_instrument(market, symbol)
        if row is not None:
            return _with_grid(SourceInstrument(row.instrument, "instrument table"), given)
        try:
            instrument = Instrument(
                symbol.upper(),
                tick_size=given.tick_size,
                lot_size=given.lot_size,
                venue=MARKET_VENUES[market],
                fees=STANDARD_FEES[market],
            )
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        return SourceInstrument(instrument, f"given: {given.describe()}; fees: Binance {market} standard tier")
    return _with_grid(SourceInstrument(*binance_capture_instrument(source)), given)


def _events_instrument(source: Path, given: GridOverrides) -> SourceInstrument:
    meta = load_events_meta(source)
    spec = meta.get(SPEC_KEY)
    if not isinstance(spec, Mapping):
        if given.symbol is not None and given.tick_size is not None and given.lot_size is not None:
            instrument = Instrument(given.symbol, tick_size=given.tick_size, lot_size=given.lot_size, venue="replay")
            return SourceInstrument(instrument, f"given: {given.describe()}")
        raise ConfigError(
            f"{source}: this events file does not record its instrument; give --symbol, --tick-size and "
            "--lot-size, or convert the source again with 'hft data convert SRC --out FILE'"
        )
    instrument = instrument_from_dict(spec, source=str(source))
    for key in ("tick_size", "lot_size"):
        value = getattr(given, key)
        if value is not None and not math.isclose(value, getattr(instrument, key), rel_tol=1e-12):
            raise ConfigError(
                f"{source}: its prices and sizes are integers on the recorded grid ({key} "
                f"{getattr(instrument, key)!r}); --{key.replace('_', '-')} {value} would rescale them. "
                "Convert the source again with the grid you want"
            )
    if given.symbol is not None:
        instrument = replace(instrument, symbol=given.symbol, base="", quote="")
    return SourceInstrument(instrument, "recorded in the events file")


def _tardis_instrument(source: Path, given: GridOverrides) -> SourceInstrument:
    from hft_core.data.grids import infer_csv_grid

    if given.symbol is not None and given.tick_size is not None and given.lot_size is not None:
        try:
            instrument = Instrument(given.symbol, tick_size=given.tick_size, lot_size=given.lot_size, venue="replay")
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        return SourceInstrument(instrument, f"given: {given.describe()}")
    grid, symbols = infer_csv_grid(source)
    symbol = given.symbol
    if symbol is None:
        if len(symbols) != 1:
            found = ", ".join(symbols) if symbols else "none"
            raise ConfigError(f"{source}: the file's symbol column holds {found}; give --symbol")
        symbol = symbols[0]
    tick = grid.tick.step if given.tick_size is None else given.tick_size
    lot = grid.lot.step if given.lot_size is None else given.lot_size
    try:
        instrument = Instrument(symbol, tick_size=tick, lot_size=lot, venue="replay")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    parts = [f"symbol {'given' if given.symbol else 'from the file'}"]
    if given.tick_size is None:
        parts.append(grid.tick.describe("tick", "prices"))
    if given.lot_size is None:
        parts.append(grid.lot.describe("lot", "amounts"))
    if given.given:
        parts.append(f"given: {given.describe()}")
    return SourceInstrument(instrument, "Tardis: " + "; ".join(parts))


def _hftbacktest_instrument(source: Path, given: GridOverrides) -> SourceInstrument:
    from hft_core.data.hftbacktest_npz import infer_hftbacktest_grid

    symbol = given.symbol or source.name.split(".")[0].upper()
    parts = [f"symbol {'given' if given.symbol else 'from the file name'}"]
    tick, lot = given.tick_size, given.lot_size
    if tick is None or lot is None:
        grid = infer_hftbacktest_grid(source)
        if tick is None:
            tick = grid.tick.step
            parts.append(grid.tick.describe("tick", "prices"))
        if lot is None:
            lot = grid.lot.step
            parts.append(grid.lot.describe("lot", "sizes"))
    if given.tick_size is not None or given.lot_size is not None:
        parts.append(f"given: {given.describe()}")
    try:
        instrument = Instrument(symbol, tick_size=tick, lot_size=lot, venue="replay")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return SourceInstrument(instrument, "hftbacktest array: " + "; ".join(parts))


def _l3_instrument(source: Path, given: GridOverrides) -> SourceInstrument:
    from hft_core.data.l3file import infer_l3_grid

    symbol = given.symbol or source.name.split(".")[0].upper()
    named = "given" if given.symbol else "the file name's stem"
    tick, lot, origin = given.tick_size, given.lot_size, f"given: {given.describe()}"
    if tick is None or lot is None:
        inferred_tick, inferred_lot, evidence = infer_l3_grid(source)
        tick = inferred_tick if tick is None else tick
        lot = inferred_lot if lot is None else lot
        origin = f"{evidence}" + (f"; given: {given.describe()}" if given.tick_size or given.lot_size else "")
    try:
        instrument = Instrument(symbol, tick_size=tick, lot_size=lot, venue="replay")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return SourceInstrument(instrument, f"L3 file: symbol {named}; {origin}")


def _lobster_instrument(source: Path, given: GridOverrides) -> SourceInstrument:
    from hft_core.data.lobster import parse_lobster_filename

    if given.lot_size is not None and given.lot_size != 1:
        raise ConfigError(f"{source}: LOBSTER sizes are shares: the lot is one share, not {given.lot_size}")
    symbol = given.symbol
    if symbol is None:
        try:
            symbol = parse_lobster_filename(source).ticker
        except DataError:
            raise ConfigError(f"{source}: not a LOBSTER file name, so no ticker: give --symbol") from None
    if given.tick_size is not None:
        tick, tick_origin = given.tick_size, f"tick {given.tick_size!r} given"
    else:
        tick, tick_origin = lobster_tick(source)
    try:
        instrument = Instrument(symbol, tick_size=tick, lot_size=1.0, venue="nasdaq", quote="USD")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    named = "given" if given.symbol is not None else "from the file name"
    return SourceInstrument(instrument, f"LOBSTER: symbol {named}; {tick_origin}; lot 1 share")


def lobster_tick(message_path: Path) -> tuple[float, str]:
    """The tick of a LOBSTER message file: NASDAQ's cent, or the finer grid its prices need (hidden executions
    print at half-cent midpoints), inferred exactly from every price in the file (`hft_core.data.grids`)."""
    from hft_core.data.grids import infer_step
    from hft_core.data.lobster import MessageType, read_lobster_messages

    messages = read_lobster_messages(message_path)
    prices = messages["price"][messages["type"] != MessageType.HALT]
    distinct = np.unique(prices[prices > 0])
    # gcd of the cent (100 in LOBSTER's 1/10000 $ units) and every price: a divisor of the cent
    found = infer_step([str(value) for value in (100, *distinct.tolist())], total=len(prices))
    if found is None:
        return 0.01, "tick 0.01 (no priced message)"
    tick = float(f"{round(found.step)}e-4")
    if tick == 0.01:
        return tick, f"tick 0.01 (every one of {len(prices):,} prices is on the cent)"
    return tick, f"tick {tick!r} inferred from {len(prices):,} prices ({len(distinct):,} distinct; gcd with the cent)"
