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
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from hft_core.data._checks import StreamChecker, sync_problem
from hft_core.data.eventfile import map_events
from hft_core.data.formats import _unsynced_error, _with_checks, guess_format, load_source
from hft_core.data.instrument_spec import GridOverrides, resolve_source_instrument
from hft_core.errors import ConfigError
from hft_core.events import Events, iter_chunks
from hft_core.instruments import Instrument
from hft_core.venues.replay import ConstantLatency, LatencyModel, QueueModel, ReplayVenue
from hft_core.venues.replay.config import ReplayConfig
from hft_core.venues.replay.venue import DEFAULT_CHUNK_SIZE, _release_behind, local_clock_offset

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


def _stream_events_file(
    path: Path,
    allow_unsynced: bool,
    checks: dict[str, dict[str, Any]],
    overrides: GridOverrides | None,
    origins: dict[str, str],
) -> tuple[Events | Iterator[Events], int, int, Instrument]:
    """One events file for a replay without loading it: its rows (the file's memory map, or chunks of it with the
    instrument field set to 0 where the file's is not), how many, the local clock's shift (for the venue's
    ``local_offset_ns``) and the instrument. The stream checks and the clock's smallest feed latency are found in one
    pass over the map, which gives each chunk's pages back behind it, as the replay will."""
    chosen = resolve_source_instrument(path, "events", overrides)
    origins[path.name] = chosen.origin
    events, meta = map_events(path)
    checker = StreamChecker(str(path))
    smallest: int | None = None
    other_instrument = False
    for chunk in checker.wrap(_chunks(events, _CHECK_CHUNK)):
        if len(chunk):
            low = int((chunk["local_ts"] - chunk["exch_ts"]).min())
            smallest = low if smallest is None else min(smallest, low)
            other_instrument = other_instrument or bool(chunk["instrument"].any())
    stats = _with_checks(meta.get("stats", {}), checker)
    checks[path.name] = dict(stats["book_checks"])
    problem = sync_problem(stats["book_checks"], stats)
    if problem is not None and not allow_unsynced:
        raise _unsynced_error(path, problem)
    offset = 0 if smallest is None else max(0, -smallest)
    data: Events | Iterator[Events] = _as_instrument_zero(events) if other_instrument else events
    return data, len(events), offset, chosen.instrument


_CHECK_CHUNK = 65_536
"""Rows per chunk of the stream checks (as `hft_core.data.formats` loads an events file)."""


def _chunks(events: Events, size: int = DEFAULT_CHUNK_SIZE) -> Iterator[Events]:
    """``events`` ``size`` rows at a time, a memory map's pages given back behind each chunk."""
    if isinstance(events, np.memmap):
        return _release_behind(events, size)
    return iter_chunks(events, size)


def _as_instrument_zero(events: Events) -> Iterator[Events]:
    """Copies of ``events``' chunks with the instrument field 0 (the only instrument of a one-file replay)."""
    for chunk in _chunks(events):
        own = chunk.copy()
        own["instrument"] = 0
        yield own


def replay_from_paths(
    paths: Sequence[str | os.PathLike[str]],
    *,
    latency: LatencyModel | Sequence[LatencyModel] | None = None,
    queue_model: QueueModel | None = None,
    partial_fills: bool | None = None,
    allow_unsynced: bool = False,
    replay: ReplayConfig | None = None,
    seed: int = 0,
    overrides: GridOverrides | None = None,
) -> ReplayVenue:
    """A `ReplayVenue` over the files in ``paths`` (see the module doc for merging and clock correction).

    ``replay`` (default `ReplayConfig()`: each instrument's standard fee tier, 1 ms each way, risk-averse queue,
    partial fills) sets the venue's costs; its drawn latencies are seeded by ``seed``, and its ``*_by_data``
    latencies give file ``i`` (instrument ``i``) a latency link of its own. ``latency`` (one model, or one per
    file), ``queue_model`` and ``partial_fills``, when given, replace the config's. ``overrides`` set the grid of a
    single file. The venue's ``data_checks`` holds each file's book-check counters (counted repairs), and
    ``instrument_origins`` where each file's instrument came from, for the run's summary.
    """
    config = replay if replay is not None else ReplayConfig()
    # (before any file is read: a per-file latency list of the wrong length is refused at once)
    models = latency if latency is not None else config.latency_model(seed, len(paths))
    checks: dict[str, dict[str, Any]] = {}
    origins: dict[str, str] = {}
    data: Events | Iterator[Events]
    total: int | None = None
    if len(paths) == 1 and Path(paths[0]).is_file() and guess_format(Path(paths[0])) == "events":
        data, total, offset, instrument = _stream_events_file(
            Path(paths[0]), allow_unsynced, checks, overrides, origins
        )
        instruments: tuple[Instrument, ...] = (instrument,)
        local_offset = offset
    else:
        events, instruments = load_recorded(
            paths, allow_unsynced=allow_unsynced, checks=checks, overrides=overrides, origins=origins
        )
        offset = local_clock_offset(events)
        # The events are this function's own copy: shifted here, the venue replays them in place (with a
        # `local_offset_ns` it would stream a second copy through its window).
        events["local_ts"] += offset
        data, local_offset = events, 0
    instruments = tuple(replace(instrument, fees=config.fees(instrument)) for instrument in instruments)
    label = "+".join(Path(p).name for p in paths)
    notes = [f"local clock +{offset / 1e6:.3f} ms"] if offset else []
    if latency is None and queue_model is None and partial_fills is None:
        notes.append(config.describe(instruments))
    venue = ReplayVenue(
        data,
        instruments,
        local_offset_ns=local_offset,
        total_events=total,
        latency=models,
        queue_model=queue_model if queue_model is not None else config.queue_model(),
        partial_fills=partial_fills if partial_fills is not None else config.partial_fills,
        name=f"replay:{label}" + (f" ({'; '.join(notes)})" if notes else ""),
    )
    venue.data_checks = checks
    venue.instrument_origins = origins
    venue.clock_offset_ns = offset
    return venue
