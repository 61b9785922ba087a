"""Which instrument (tick, lot, multiplier, fees) a data source describes, and how events files record it.

Replaying a file needs its grid. Binance captures name their symbol, so the built-in grid is used; events
files written by ``hft data convert`` carry the instrument in their metadata (``instrument_spec``); Tardis
CSVs and hftbacktest arrays carry prices as floats only, so their grid must be given when converting.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hft_core.data.binance import binance_instrument, detect_binance_capture
from hft_core.data.eventfile import load_events
from hft_core.errors import ConfigError, DataError
from hft_core.instruments import FeeSchedule, Instrument

__all__ = ["SPEC_KEY", "instrument_for_source", "instrument_from_dict", "instrument_to_dict"]

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


def instrument_for_source(path: str | os.PathLike[str], format_name: str) -> Instrument:
    """The instrument a source file describes, or a `ConfigError` saying how to provide one."""
    source = Path(path)
    if format_name == "binance":
        return binance_instrument(*detect_binance_capture(source))
    if format_name == "events":
        _, meta = load_events(source)
        spec = meta.get(SPEC_KEY)
        if isinstance(spec, Mapping):
            return instrument_from_dict(spec, source=str(source))
        raise ConfigError(
            f"{source}: this events file does not record its instrument; convert the source again with "
            "'hft data convert SRC --out FILE --symbol S --tick-size T --lot-size L'"
        )
    raise ConfigError(
        f"{source}: {format_name} data carries no tick/lot grid; convert it first with "
        "'hft data convert SRC --out FILE.npz --symbol S --tick-size T --lot-size L' and replay FILE.npz"
    )
