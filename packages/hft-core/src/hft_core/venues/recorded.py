"""Replay venues built from data files: what ``hft run --data`` and ``backtest(data=...)`` use.

One file replays one instrument; several files (``--data spot.gz --data perp.gz``) replay together, merged by
local receive time, instrument ``i`` being the ``i``-th file. Each file's grid comes from
`hft_core.data.instrument_spec.instrument_for_source`. A capture whose local clock runs behind the exchange's
(negative feed latency) is shifted so that its smallest feed latency is zero, and the shift is reported.
Files are loaded through the conversion cache, so a second replay of the same file starts at once. The venue's
costs (fees, latency, queue model, partial fills) come from a `ReplayConfig` (``--set venue.KEY=VALUE``); the
instrument's grid can be given (`GridOverrides`: ``--symbol/--tick-size/--lot-size``) where the file's own or the
inferred one is wrong.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from hft_core.data.formats import guess_format, load_source
from hft_core.data.instrument_spec import GridOverrides, resolve_source_instrument
from hft_core.errors import ConfigError
from hft_core.events import Events
from hft_core.instruments import Instrument
from hft_core.venues.replay import ConstantLatency, LatencyModel, QueueModel, ReplayVenue
from hft_core.venues.replay.config import ReplayConfig
from hft_core.venues.replay.venue import local_clock_offset

__all__ = ["DEFAULT_REPLAY_LATENCY", "load_recorded", "replay_from_paths"]

DEFAULT_REPLAY_LATENCY = ConstantLatency(entry_ns=1_000_000, response_ns=1_000_000)
"""1 ms each way: a co-located-but-not-special order path (`ReplayConfig`'s default)."""


def load_recorded(
    paths: Sequence[str | os.PathLike[str]],
    *,
    allow_unsynced: bool = False,
    checks: dict[str, dict[str, Any]] | None = None,
    overrides: GridOverrides | None = None,
    origins: dict[str, str] | None = None,
) -> tuple[Events, tuple[Instrument, ...]]:
    """Every file's events, instrument ``i`` = file ``i``, merged by local time (each file's order kept).

    A file whose book never synced or never moved is a `DataError` unless ``allow_unsynced``: a replay of it
    would trade against a frozen or empty book. ``checks``, when given, receives each file's book-check counters
    (the counted repairs of docs/data-formats.md, e.g. ``crossed_updates``) by file name. ``overrides`` replace
    the grid of the (single) file; ``origins``, when given, receives where each file's instrument came from.
    """
    if not paths:
        raise ConfigError("give at least one data file")
    if overrides is not None and overrides.given and len(paths) > 1:
        raise ConfigError(
            "--symbol/--tick-size/--lot-size describe one --data file; convert each file with its grid first "
            "('hft data convert FILE --out F.npz --tick-size ...') and replay the converted files"
        )
    parts = []
    instruments: list[Instrument] = []
    for index, raw in enumerate(paths):
        path = Path(raw)
        if not path.is_file():
            raise ConfigError(f"--data {path}: no such file")
        format_name = guess_format(path)
        chosen = resolve_source_instrument(path, format_name, overrides)
        instrument = chosen.instrument
        if origins is not None:
            origins[path.name] = chosen.origin
        loaded = load_source(
            path,
            format_name,
            instrument=None if format_name == "events" else instrument,
            allow_unsynced=allow_unsynced,
        )
        events = loaded.events
        if checks is not None:
            checks[path.name] = dict(loaded.stats.get("book_checks") or {})
        if instrument.symbol in (i.symbol for i in instruments):
            # Strategies address instruments by symbol: spot and perp of one pair must stay apart.
            instrument = replace(instrument, symbol=f"{instrument.symbol}@{instrument.venue}")
        instruments.append(instrument)
        events = events.copy()
        events["instrument"] = index
        parts.append(events)
    if len(parts) == 1:
        return parts[0], tuple(instruments)
    merged = np.concatenate(parts)
    order = np.argsort(merged["local_ts"], kind="stable")
    return merged[order], tuple(instruments)


def replay_from_paths(
    paths: Sequence[str | os.PathLike[str]],
    *,
    latency: LatencyModel | None = None,
    queue_model: QueueModel | None = None,
    partial_fills: bool | None = None,
    allow_unsynced: bool = False,
    replay: ReplayConfig | None = None,
    seed: int = 0,
    overrides: GridOverrides | None = None,
) -> ReplayVenue:
    """A `ReplayVenue` over the files in ``paths`` (see the module doc for merging and clock correction).

    ``replay`` (default `ReplayConfig()`: each instrument's standard fee tier, 1 ms each way, risk-averse queue,
    partial fills) sets the venue's costs; its drawn latencies are seeded by ``seed``. ``latency``,
    ``queue_model`` and ``partial_fills``, when given, replace the config's. ``overrides`` set the grid of a
    single file. The venue's ``data_checks`` holds each file's book-check counters (counted repairs), and
    ``instrument_origins`` where each file's instrument came from, for the run's summary.
    """
    config = replay if replay is not None else ReplayConfig()
    checks: dict[str, dict[str, Any]] = {}
    origins: dict[str, str] = {}
    events, instruments = load_recorded(
        paths, allow_unsynced=allow_unsynced, checks=checks, overrides=overrides, origins=origins
    )
    instruments = tuple(replace(instrument, fees=config.fees(instrument)) for instrument in instruments)
    offset = local_clock_offset(events)
    # The events are this function's own copy: shifted here, the venue replays them in place (with a
    # `local_offset_ns` it would stream a second copy through its window).
    events["local_ts"] += offset
    label = "+".join(Path(p).name for p in paths)
    notes = [f"local clock +{offset / 1e6:.3f} ms"] if offset else []
    if latency is None and queue_model is None and partial_fills is None:
        notes.append(config.describe(instruments))
    venue = ReplayVenue(
        events,
        instruments,
        latency=latency if latency is not None else config.latency_model(seed),
        queue_model=queue_model if queue_model is not None else config.queue_model(),
        partial_fills=partial_fills if partial_fills is not None else config.partial_fills,
        name=f"replay:{label}" + (f" ({'; '.join(notes)})" if notes else ""),
    )
    venue.data_checks = checks
    venue.instrument_origins = origins
    venue.clock_offset_ns = offset
    return venue
