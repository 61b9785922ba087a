"""What is in an event stream or file, and conversion between formats (behind ``hft data info|convert``).

`summarize` walks chunks once (memory stays flat) and returns a typed `EventSummary`: rows per kind,
instruments, time span, timestamp order violations, the largest silences in local time, feed latency and the
loader's own statistics (sequence gaps, resyncs, ...). `convert` loads any registered source format and writes
an events file (``.npz``/``.parquet``) or an hftbacktest ``.npz``, atomically.
"""

from __future__ import annotations

import dataclasses
import heapq
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from hft_core.data.eventfile import save_events
from hft_core.data.formats import guess_format, iter_source, load_source
from hft_core.data.hftbacktest_npz import write_hftbacktest_npz
from hft_core.data.instrument_spec import (
    SPEC_KEY,
    GridOverrides,
    SourceInstrument,
    instrument_to_dict,
    resolve_source_instrument,
)
from hft_core.errors import ConfigError
from hft_core.events import EVENT_DTYPE, EventKind, Events
from hft_core.instruments import Instrument

__all__ = [
    "ClockOffset",
    "ConvertResult",
    "EventSummary",
    "OutputKind",
    "TimeGap",
    "convert",
    "describe_file",
    "summarize",
]

OutputKind = Literal["events", "hftbacktest"]

_NS_PER_S = 1_000_000_000


@dataclass(frozen=True, slots=True)
class TimeGap:
    """A silence in local time: no event between ``start_ns`` and ``end_ns`` (``row`` is the event after it)."""

    row: int
    start_ns: int
    end_ns: int

    @property
    def seconds(self) -> float:
        """Length of the silence in seconds."""
        return (self.end_ns - self.start_ns) / _NS_PER_S


@dataclass(frozen=True, slots=True)
class EventSummary:
    """A summary of an event stream: counts, span, order, gaps, latency and the loader's statistics."""

    rows: int
    counts: dict[str, int]
    instruments: tuple[int, ...]
    first_local_ns: int | None
    last_local_ns: int | None
    first_exch_ns: int | None
    last_exch_ns: int | None
    local_out_of_order: int
    exch_out_of_order: int
    largest_local_gaps: tuple[TimeGap, ...]
    latency_ns_min: int | None
    latency_ns_mean: float | None
    latency_ns_max: int | None
    loader_stats: dict[str, Any] = field(default_factory=dict)
    source: str | None = None
    format: str | None = None
    instrument: dict[str, Any] | None = None
    """The grid the prices and sizes are in (symbol, venue, tick_size, lot_size, multiplier), where known: given,
    recorded in an events file, or Binance's built-in grid for the capture's symbol."""

    @property
    def span_seconds(self) -> float:
        """Local-time span from the first to the last event."""
        if self.first_local_ns is None or self.last_local_ns is None:
            return 0.0
        return (self.last_local_ns - self.first_local_ns) / _NS_PER_S

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form (for ``--json`` output)."""
        record = asdict(self)
        record["span_seconds"] = self.span_seconds
        return record

    def to_text(self) -> str:
        """A human-readable multi-line report."""
        lines = []
        if self.source:
            lines.append(f"source       {self.source}" + (f" ({self.format})" if self.format else ""))
        lines.append(f"rows         {self.rows:,}")
        lines.append("kinds        " + (", ".join(f"{k} {v:,}" for k, v in self.counts.items() if v) or "-"))
        if self.instrument is not None:
            spec = self.instrument
            ids = ", ".join(str(i) for i in self.instruments) or "-"
            lines.append(
                f"instrument   {spec.get('symbol')} ({spec.get('venue')}): tick {spec.get('tick_size')!r}, "
                f"lot {spec.get('lot_size')!r}"
                + (f", multiplier {spec.get('multiplier')!r}" if spec.get("multiplier", 1.0) != 1.0 else "")
                + f" (id {ids})"
            )
            if spec.get("maker_fee") or spec.get("taker_fee"):
                maker, taker = spec.get("maker_fee", 0.0) * 1e4, spec.get("taker_fee", 0.0) * 1e4
                lines.append(f"fees         maker {maker:g} bp, taker {taker:g} bp")
            if spec.get("origin"):
                lines.append(f"grid from    {spec['origin']}")
        else:
            ids = ", ".join(str(i) for i in self.instruments) or "-"
            lines.append(f"instruments  {ids} (tick and lot unknown: pass --symbol, --tick-size and --lot-size)")
        if self.first_local_ns is not None and self.last_local_ns is not None:
            lines.append(
                f"local time   {_iso(self.first_local_ns)} .. {_iso(self.last_local_ns)} ({self.span_seconds:.3f} s)"
            )
        if self.first_exch_ns is not None and self.last_exch_ns is not None:
            lines.append(f"exch time    {_iso(self.first_exch_ns)} .. {_iso(self.last_exch_ns)}")
        lines.append(
            f"order        local backwards {self.local_out_of_order:,}, exch backwards {self.exch_out_of_order:,}"
        )
        if self.latency_ns_mean is not None:
            lines.append(
                f"latency      local - exch: min {_ms(self.latency_ns_min)}, mean {_ms(self.latency_ns_mean)}, "
                f"max {_ms(self.latency_ns_max)}"
            )
        if self.latency_ns_min is not None and self.latency_ns_min < 0:
            lines.append(
                f"clock        local clock behind the exchange's: local - exch reaches {_ms(self.latency_ns_min)}; "
                f"replays and conversions add {_ms(-self.latency_ns_min)} to local time (--clock-offset none: as is)"
            )
        if self.largest_local_gaps:
            gaps = ", ".join(f"{gap.seconds:.3f} s before row {gap.row:,}" for gap in self.largest_local_gaps)
            lines.append(f"local gaps   {gaps}")
        for key, value in self.loader_stats.items():
            if key == "gap_positions" and isinstance(value, list):
                shown = ", ".join(f"line {g.get('line')}" for g in value[:5] if isinstance(g, dict))
                lines.append(f"loader       {key}: {len(value)}" + (f" ({shown})" if shown else ""))
            elif value not in (0, {}, [], "", None, False):
                lines.append(f"loader       {key}: {value}")
        return "\n".join(lines)


def _iso(ns: int) -> str:
    return str(np.datetime64(ns, "ns"))


def _ms(ns: float | None) -> str:
    return "-" if ns is None else f"{ns / 1e6:.3f} ms"


class _Accumulator:
    def __init__(self, top_gaps: int) -> None:
        self.top_gaps = top_gaps
        self.rows = 0
        self.kind_counts = np.zeros(256, dtype=np.int64)
        self.instruments: set[int] = set()
        self.first_local: int | None = None
        self.last_local: int | None = None
        self.first_exch: int | None = None
        self.last_exch: int | None = None
        self.min_exch: int | None = None
        self.max_exch: int | None = None
        self.local_backwards = 0
        self.exch_backwards = 0
        self.gaps: list[tuple[int, int, int, int]] = []  # heap of (length, row, start, end)
        self.latency_min: int | None = None
        self.latency_max: int | None = None
        self.latency_sum = 0.0

    def add(self, chunk: Events) -> None:
        if chunk.dtype != EVENT_DTYPE:
            raise TypeError(f"expected an EVENT_DTYPE array, got dtype {chunk.dtype}")
        n = len(chunk)
        if not n:
            return
        local = chunk["local_ts"]
        exch = chunk["exch_ts"]
        self.kind_counts += np.bincount(chunk["kind"], minlength=256)
        self.instruments.update(int(i) for i in np.unique(chunk["instrument"]))
        local_steps = np.diff(local) if self.last_local is None else np.diff(local, prepend=self.last_local)
        exch_steps = np.diff(exch) if self.last_exch is None else np.diff(exch, prepend=self.last_exch)
        self.local_backwards += int((local_steps < 0).sum())
        self.exch_backwards += int((exch_steps < 0).sum())
        if self.top_gaps > 0 and len(local_steps):
            offset = 1 if self.last_local is None else 0  # local_steps[i] ends at chunk row i + offset
            take = min(self.top_gaps, len(local_steps))
            candidates = np.argpartition(local_steps, -take)[-take:]
            for index in candidates.tolist():
                length = int(local_steps[index])
                row = self.rows + index + offset
                item = (length, row, int(local[index + offset]) - length, int(local[index + offset]))
                if len(self.gaps) < self.top_gaps:
                    heapq.heappush(self.gaps, item)
                elif item > self.gaps[0]:
                    heapq.heapreplace(self.gaps, item)
        if self.first_local is None:
            self.first_local = int(local[0])
            self.first_exch = int(exch[0])
        self.last_local = int(local[-1])
        self.last_exch = int(exch[-1])
        latency = local - exch
        low, high = int(latency.min()), int(latency.max())
        self.latency_min = low if self.latency_min is None else min(self.latency_min, low)
        self.latency_max = high if self.latency_max is None else max(self.latency_max, high)
        self.latency_sum += float(latency.sum(dtype=np.float64))
        self.rows += n

    def summary(self, loader_stats: Mapping[str, Any] | None, source: str | None, fmt: str | None) -> EventSummary:
        counts = {kind.name: int(self.kind_counts[kind]) for kind in EventKind}
        unknown = int(self.kind_counts.sum()) - sum(counts.values())
        if unknown:
            counts["UNKNOWN"] = unknown
        gaps = tuple(TimeGap(row, start, end) for _, row, start, end in sorted(self.gaps, key=lambda g: (-g[0], g[1])))
        return EventSummary(
            rows=self.rows,
            counts=counts,
            instruments=tuple(sorted(self.instruments)),
            first_local_ns=self.first_local,
            last_local_ns=self.last_local,
            first_exch_ns=self.first_exch,
            last_exch_ns=self.last_exch,
            local_out_of_order=self.local_backwards,
            exch_out_of_order=self.exch_backwards,
            largest_local_gaps=gaps,
            latency_ns_min=self.latency_min,
            latency_ns_mean=self.latency_sum / self.rows if self.rows else None,
            latency_ns_max=self.latency_max,
            loader_stats=dict(loader_stats or {}),
            source=source,
            format=fmt,
        )


def summarize(
    events: Events | Iterable[Events],
    *,
    top_gaps: int = 5,
    loader_stats: Mapping[str, Any] | None = None,
    source: str | None = None,
    format_name: str | None = None,
) -> EventSummary:
    """Summary of an event array or of a stream of chunks (consumed once)."""
    accumulator = _Accumulator(top_gaps)
    if isinstance(events, np.ndarray):
        accumulator.add(events)
    else:
        for chunk in events:
            accumulator.add(chunk)
    return accumulator.summary(loader_stats, source, format_name)


def describe_file(
    path: str | os.PathLike[str],
    format_name: str | None = None,
    *,
    instrument: Instrument | None = None,
    overrides: GridOverrides | None = None,
    options: Mapping[str, Any] | None = None,
    top_gaps: int = 5,
    allow_unsynced: bool = False,
) -> EventSummary:
    """Summary of any loadable file: an events file directly, a raw source by streaming it through its loader.

    The instrument is ``instrument`` when given, else the one the source names, records or shows
    (`resolve_source_instrument`, with ``overrides`` from ``--symbol/--tick-size/--lot-size``); the summary says
    where its grid came from. A book that never synced or never moved is a `DataError` unless ``allow_unsynced``
    (see `iter_source`).
    """
    name = format_name or guess_format(path)
    chosen = _source_instrument(path, name, instrument, overrides)
    grid = None if chosen is None or name == "events" else chosen.instrument
    chunks, stats = iter_source(path, name, instrument=grid, options=options, allow_unsynced=allow_unsynced)
    summary = summarize(chunks, top_gaps=top_gaps, source=str(path), format_name=name)
    loader_stats = stats()
    described = None
    if chosen is not None:
        described = instrument_to_dict(chosen.instrument) | {"origin": chosen.origin}
    return dataclasses.replace(
        summary,
        loader_stats=dict(loader_stats) if isinstance(loader_stats, Mapping) else {},
        instrument=described,
    )


def _source_instrument(
    path: str | os.PathLike[str], format_name: str, instrument: Instrument | None, overrides: GridOverrides | None
) -> SourceInstrument | None:
    """The instrument of ``path``: the one given, else the one the source names, records or shows; None for an
    events file converted without a grid (it loads without one)."""
    if instrument is not None:
        return SourceInstrument(instrument, "given")
    try:
        return resolve_source_instrument(path, format_name, overrides)
    except ConfigError:
        if format_name == "events" and not (overrides and overrides.given):
            return None
        raise


@dataclass(frozen=True, slots=True)
class ConvertResult:
    """What `convert` wrote."""

    output: Path
    output_kind: OutputKind
    rows: int
    summary: EventSummary
    clock_offset_ns: int = 0
    """What was added to every local timestamp (see `ClockOffset`)."""


ClockOffset = Literal["auto", "none"] | int
"""How `convert` treats a capture whose local clock runs behind the exchange's: ``"auto"`` adds the offset
estimated from the data (`hft_core.venues.replay.local_clock_offset`: the smallest shift that leaves no event
received before it was sent), ``"none"`` keeps local time as recorded, an int adds that many ns."""


def convert(
    source: str | os.PathLike[str],
    format_name: str | None,
    output: str | os.PathLike[str],
    *,
    instrument: Instrument | None = None,
    overrides: GridOverrides | None = None,
    options: Mapping[str, Any] | None = None,
    output_kind: OutputKind | None = None,
    overwrite: bool = False,
    use_cache: bool = False,
    allow_unsynced: bool = False,
    clock_offset: ClockOffset = "auto",
) -> ConvertResult:
    """Load ``source`` (format guessed when ``None``) and write it to ``output`` atomically.

    ``output_kind`` defaults from the name: ``*.parquet`` or ``*.npz`` -> our events file, unless ``events``/
    ``hftbacktest`` is given. The instrument is ``instrument``, else the source's (`resolve_source_instrument`,
    with ``overrides``); it is recorded in an events file. ``clock_offset`` (`ClockOffset`) corrects a local
    clock that runs behind the exchange's, so hftbacktest is not handed a market seen before it happened; the
    shift applied is in the result and the file's metadata (``clock_offset_ns``). An existing ``output`` is
    replaced only with ``overwrite=True``; on any error it is left as it was. A book that never synced or never
    moved is a `DataError` unless ``allow_unsynced``.
    """
    from hft_core.venues.replay.venue import local_clock_offset

    target = Path(output)
    if target.exists() and not overwrite:
        raise ConfigError(f"{target} exists; pass overwrite=True (--force) to replace it")
    kind: OutputKind = output_kind or "events"
    if kind not in ("events", "hftbacktest"):
        raise ConfigError(f"output kind must be 'events' or 'hftbacktest', got {kind!r}")
    if kind == "hftbacktest" and target.suffix.lower() != ".npz":
        raise ConfigError(f"hftbacktest output must be a .npz file, got {target.name!r}")
    if Path(source).resolve() == target.resolve():
        raise ConfigError("the output would overwrite the source; choose another path")
    if not (clock_offset in ("auto", "none") or (type(clock_offset) is int and clock_offset >= 0)):
        raise ConfigError(f"clock offset must be 'auto', 'none' or a number of ns >= 0, got {clock_offset!r}")

    name = format_name or guess_format(source)
    chosen = _source_instrument(source, name, instrument, overrides)
    grid = None if chosen is None or name == "events" else chosen.instrument
    loaded = load_source(
        source, name, instrument=grid, options=options, use_cache=use_cache, allow_unsynced=allow_unsynced
    )
    events = loaded.events
    shift = local_clock_offset(events) if clock_offset == "auto" else 0 if clock_offset == "none" else clock_offset
    if shift:
        events = events.copy()
        events["local_ts"] += shift
    stats = dict(loaded.stats) | {"clock_offset_ns": shift}
    meta = {
        "source": str(Path(source).resolve()),
        "format": name,
        "options": {k: repr(v) for k, v in (options or {}).items()},
        "instrument": repr(instrument) if instrument is not None else None,
        "stats": stats,
        "clock_offset_ns": shift,
    }
    if chosen is not None:
        meta[SPEC_KEY] = instrument_to_dict(chosen.instrument)
        meta["instrument_origin"] = chosen.origin
    if kind == "hftbacktest":
        if chosen is None:
            raise ConfigError("writing hftbacktest output needs the instrument's tick and lot size: give them")
        write_hftbacktest_npz(events, chosen.instrument, target)
    else:
        save_events(target, events, meta)
    summary = summarize(events, loader_stats=stats, source=str(source), format_name=name)
    if chosen is not None:
        summary = dataclasses.replace(
            summary, instrument=instrument_to_dict(chosen.instrument) | {"origin": chosen.origin}
        )
    return ConvertResult(target, kind, len(events), summary, shift)
