"""What `hft realism` and `hft calibrate` measure: a data file, or the market of a run directory.

- **A data file** in any format the loaders read (`hft_core.data.formats`: Binance captures, Tardis CSV,
  hftbacktest npz, LOBSTER, events files) is loaded as ``hft run --data`` loads it (`load_recorded`), and
  must hold one instrument.
- **A run directory** (``hft run`` output) of a simulated market is run again from its ``config.toml`` with
  the market's ``record`` knob on, which changes no draw: the same seed gives the same market and the same fills,
  and the public feed the strategy traded against is kept. The re-run must reproduce the run's ``fills.parquet``
  (count and prices), or the directory is refused rather than described by another market. A replay run's
  directory is its data file(s) and its own fills. Either way the markout curve is that of the run's own passive
  fills.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hft_core.errors import HftError
from hft_core.events import BUY, SELL, Events
from hft_core.instruments import Instrument
from hft_core.realism.facts import OwnFills

__all__ = ["MarketSource", "RealismInputError", "load_market_source"]


class RealismInputError(HftError):
    """An input `hft realism` or `hft calibrate` cannot measure: the message names it and why."""

    exit_code = 2


@dataclass(frozen=True)
class MarketSource:
    """One instrument's market data, its grid, the strategy's own fills if any, and where it came from."""

    events: Events
    instrument: Instrument
    label: str
    kind: str
    """``data`` (a file), ``simulated run`` or ``replay run``."""
    fills: OwnFills | None = None


def load_market_source(path: str | Path, *, instrument: str | None = None) -> MarketSource:
    """The market in ``path`` (a data file or a run directory; see the module docstring).

    ``instrument`` picks one instrument of a run over several (by symbol; default the first). Anything that
    cannot be measured is a `RealismInputError` naming the path and the problem.
    """
    source = Path(path)
    if source.is_dir():
        return _run_directory(source, instrument)
    if not source.is_file():
        raise RealismInputError(f"{source}: no such file or run directory")
    events, grid = _load_one(source)
    return MarketSource(events, grid, source.name, "data")


def _load_one(path: Path) -> tuple[Events, Instrument]:
    """One file's events and instrument, as `hft_core.venues.recorded.load_recorded` reads it (which renumbers
    instruments by file, so a file of several would pass unseen there)."""
    from hft_core.data.formats import guess_format, load_source
    from hft_core.data.instrument_spec import resolve_source_instrument

    format_name = guess_format(path)
    chosen = resolve_source_instrument(path, format_name, None)
    loaded = load_source(path, format_name, instrument=None if format_name == "events" else chosen.instrument)
    return _one_instrument(loaded.events, path), chosen.instrument


def _load_files(paths: list[Path]) -> tuple[Events, tuple[Instrument, ...]]:
    from hft_core.venues.recorded import load_recorded

    return load_recorded(paths)


def _one_instrument(events: Events, source: Path) -> Events:
    ids = np.unique(events["instrument"]) if len(events) else np.array([], dtype=np.int32)
    if len(ids) > 1:
        raise RealismInputError(
            f"{source}: holds {len(ids)} instruments (ids {', '.join(str(int(i)) for i in ids[:5])}); "
            "measure one at a time (convert each with 'hft data convert')"
        )
    return events


def _run_directory(run_dir: Path, symbol: str | None) -> MarketSource:
    from hft_core.report import load_run

    if not (run_dir / "config.toml").is_file():
        raise RealismInputError(f"{run_dir}: not a run directory (no config.toml)")
    run = load_run(run_dir)
    pattern = run.meta.get("pattern") or _pattern_from_config(run_dir)
    data = run.meta.get("data")
    if data:
        events, instruments = _load_files([Path(p) for p in data])
        index = _pick(instruments, symbol, run_dir)
        return MarketSource(
            events[events["instrument"] == index],
            instruments[index],
            run_dir.name,
            "replay run",
            _fills(run.fills, instruments[index], run_dir),
        )
    events, instruments, rerun_fills = _rerun(run_dir, pattern)
    index = _pick(instruments, symbol, run_dir)
    recorded = run.fills
    if len(rerun_fills) != len(recorded) or not np.array_equal(
        rerun_fills["price"].to_numpy(dtype=float), recorded["price"].to_numpy(dtype=float)
    ):
        raise RealismInputError(
            f"{run_dir}: running it again from config.toml gave {len(rerun_fills)} fills where fills.parquet has "
            f"{len(recorded)}: the installed packages no longer reproduce this run, so its market cannot be measured"
        )
    return MarketSource(
        events[events["instrument"] == index],
        instruments[index],
        run_dir.name,
        "simulated run",
        _fills(recorded, instruments[index], run_dir),
    )


def _pattern_from_config(run_dir: Path) -> str:
    from hft_core.config import load_toml

    run_table = load_toml(run_dir / "config.toml").get("run", {})
    pattern = run_table.get("pattern") if isinstance(run_table, dict) else None
    if not isinstance(pattern, str):
        raise RealismInputError(f"{run_dir}: config.toml has no [run] pattern")
    return pattern


def _rerun(run_dir: Path, pattern: str) -> tuple[Events, tuple[Instrument, ...], pd.DataFrame]:
    """Run the directory's config again with the market recording its feed: (feed, instruments, fills frame)."""
    from hft_core.engine.loop import Engine
    from hft_core.runs import resolve_run
    from hft_core.scenarios import DEFAULT_DURATION_S
    from hft_core.venues.simulated import SimulatedVenue

    spec = resolve_run(pattern, config_file=run_dir / "config.toml")
    if spec.scenario_config is None or spec.scenario is None:
        raise RealismInputError(f"{run_dir}: neither a simulated market nor a replay of data files")
    names = {knob.name for knob in spec.scenario_config.knobs()}
    if "record" not in names:
        raise RealismInputError(
            f"{run_dir}: market {spec.scenario.name!r} has no 'record' knob, so its feed cannot be kept"
        )
    recording = spec.scenario_config.updated({"record": True})
    venue = spec.scenario.venue(spec.seed, spec.duration_s or DEFAULT_DURATION_S, recording)
    if not isinstance(venue, SimulatedVenue):
        raise RealismInputError(f"{run_dir}: market {spec.scenario.name!r} is not a SimulatedVenue")
    engine = Engine(spec.build_strategy(), venue, numeraire=spec.numeraire, text=spec.text_feed(venue))
    result = engine.run()
    return venue.recorded_market_data(), venue.instruments, result.fills


def _pick(instruments: tuple[Instrument, ...], symbol: str | None, run_dir: Path) -> int:
    if symbol is None:
        return 0
    for index, instrument in enumerate(instruments):
        if instrument.symbol == symbol:
            return index
    known = ", ".join(i.symbol for i in instruments)
    raise RealismInputError(f"{run_dir}: no instrument {symbol!r} in this run (it has {known})")


def _fills(frame: pd.DataFrame, instrument: Instrument, run_dir: Path) -> OwnFills:
    """The run's fills of ``instrument`` in ticks and lots (``ts`` is the time the fill was reported)."""
    mine = frame[frame["instrument"] == instrument.symbol] if "instrument" in frame else frame
    side = np.array([BUY if value in ("buy", BUY) else SELL for value in mine["side"].tolist()], dtype=np.int64)
    return OwnFills(
        ts=mine["ts"].to_numpy(dtype=np.int64),
        side=side,
        price=mine["price"].to_numpy(dtype=np.float64) / instrument.tick_size,
        qty=mine["qty"].to_numpy(dtype=np.float64) / instrument.lot_size,
        maker=mine["maker"].to_numpy(dtype=bool),
    )
