"""Replay venues built from data files: what ``hft run --data`` and ``backtest(data=...)`` use.

One file replays one instrument; several files (``--data spot.gz --data perp.gz``) replay together, merged by
local receive time, instrument ``i`` being the ``i``-th file. Each file's grid comes from
`hft_core.data.instrument_spec.instrument_for_source`. A capture whose local clock runs behind the exchange's
(negative feed latency) is shifted so that its smallest feed latency is zero, and the shift is reported.
Files are loaded through the conversion cache, so a second replay of the same file starts at once.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from hft_core.data.formats import guess_format, load_source
from hft_core.data.instrument_spec import instrument_for_source
from hft_core.errors import ConfigError
from hft_core.events import Events
from hft_core.instruments import Instrument
from hft_core.venues.replay import ConstantLatency, LatencyModel, QueueModel, ReplayVenue, RiskAverseQueue
from hft_core.venues.replay.venue import local_clock_offset

__all__ = ["DEFAULT_REPLAY_LATENCY", "load_recorded", "replay_from_paths"]

DEFAULT_REPLAY_LATENCY = ConstantLatency(entry_ns=1_000_000, response_ns=1_000_000)
"""1 ms each way: a co-located-but-not-special order path."""


def load_recorded(
    paths: Sequence[str | os.PathLike[str]],
    *,
    allow_unsynced: bool = False,
    checks: dict[str, dict[str, Any]] | None = None,
) -> tuple[Events, tuple[Instrument, ...]]:
    """Every file's events, instrument ``i`` = file ``i``, merged by local time (each file's order kept).

    A file whose book never synced or never moved is a `DataError` unless ``allow_unsynced``: a replay of it
    would trade against a frozen or empty book. ``checks``, when given, receives each file's book-check counters
    (the counted repairs of docs/data-formats.md, e.g. ``crossed_updates``) by file name.
    """
    if not paths:
        raise ConfigError("give at least one data file")
    parts = []
    instruments: list[Instrument] = []
    for index, raw in enumerate(paths):
        path = Path(raw)
        if not path.is_file():
            raise ConfigError(f"--data {path}: no such file")
        format_name = guess_format(path)
        instrument = instrument_for_source(path, format_name)
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
    partial_fills: bool = True,
    allow_unsynced: bool = False,
) -> ReplayVenue:
    """A `ReplayVenue` over the files in ``paths`` (see the module doc for merging and clock correction).

    The venue's ``data_checks`` holds each file's book-check counters (counted repairs), for the run's summary.
    """
    checks: dict[str, dict[str, Any]] = {}
    events, instruments = load_recorded(paths, allow_unsynced=allow_unsynced, checks=checks)
    offset = local_clock_offset(events)
    # The events are this function's own copy: shifted here, the venue replays them in place (with a
    # `local_offset_ns` it would stream a second copy through its window).
    events["local_ts"] += offset
    label = "+".join(Path(p).name for p in paths)
    venue = ReplayVenue(
        events,
        instruments,
        latency=latency if latency is not None else DEFAULT_REPLAY_LATENCY,
        queue_model=queue_model if queue_model is not None else RiskAverseQueue(),
        partial_fills=partial_fills,
        name=f"replay:{label}" + (f" (local clock +{offset / 1e6:.3f} ms)" if offset else ""),
    )
    venue.data_checks = checks
    return venue
