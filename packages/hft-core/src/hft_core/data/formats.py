"""The source formats hft-core can load, by name, with guessing and optional caching.

This is what ``hft data convert SRC --format F`` and the replay venues go through: a name maps to a loader that
turns a path (plus an `Instrument` where the format needs one) into events and the loader's stats. Other modules
add formats with `register_format`.
"""

from __future__ import annotations

import gzip
import os
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hft_core.data._checks import StreamChecker, sync_problem
from hft_core.data.binance import BinanceCaptureReader
from hft_core.data.cache import CachedEvents, load_cached
from hft_core.data.eventfile import is_events_npz, load_events
from hft_core.data.hftbacktest_npz import HftbacktestStats, iter_hftbacktest_npz
from hft_core.data.tardis import TardisReader
from hft_core.errors import ConfigError, DataError
from hft_core.events import Events, concat_chunks, iter_chunks
from hft_core.instruments import Instrument

__all__ = [
    "SourceFormat",
    "available_formats",
    "guess_format",
    "iter_source",
    "load_source",
    "register_format",
]

ChunkSource = Callable[[Path, "Instrument | None", Mapping[str, Any]], tuple[Iterator[Events], Callable[[], Any]]]
"""Opens a source: returns its chunk iterator and a callable giving the loader stats (valid once exhausted)."""


@dataclass(frozen=True, slots=True)
class SourceFormat:
    """A named input format: how to open it and whether it needs an instrument for the tick/lot grid."""

    name: str
    description: str
    needs_instrument: bool
    open: ChunkSource


_FORMATS: dict[str, SourceFormat] = {}


def register_format(source_format: SourceFormat, *, replace: bool = False) -> None:
    """Make ``source_format`` loadable by name (an existing name needs ``replace=True``)."""
    if source_format.name in _FORMATS and not replace:
        raise ValueError(f"format {source_format.name!r} is already registered")
    _FORMATS[source_format.name] = source_format


def available_formats() -> dict[str, SourceFormat]:
    """The registered formats by name."""
    return dict(_FORMATS)


def _stats_of(stats: Any) -> Any:
    return stats.to_dict() if hasattr(stats, "to_dict") else stats


def _open_binance(
    path: Path, instrument: Instrument | None, options: Mapping[str, Any]
) -> tuple[Iterator[Events], Callable[[], Any]]:
    reader = BinanceCaptureReader(path, instrument, **options)
    return reader.chunks(), lambda: _stats_of(reader.stats)


def _open_tardis(
    path: Path, instrument: Instrument | None, options: Mapping[str, Any]
) -> tuple[Iterator[Events], Callable[[], Any]]:
    if instrument is None:
        raise ConfigError("the tardis format needs an instrument (tick and lot size)")
    reader = TardisReader(path, instrument, **options)
    return reader.chunks(), lambda: _stats_of(reader.stats)


def _open_hftbacktest(
    path: Path, instrument: Instrument | None, options: Mapping[str, Any]
) -> tuple[Iterator[Events], Callable[[], Any]]:
    if instrument is None:
        raise ConfigError("the hftbacktest format needs an instrument (tick and lot size)")
    stats = HftbacktestStats()
    return iter_hftbacktest_npz(path, instrument, stats=stats, **options), lambda: stats.to_dict()


def _open_events(
    path: Path, instrument: Instrument | None, options: Mapping[str, Any]
) -> tuple[Iterator[Events], Callable[[], Any]]:
    events, meta = load_events(path)
    chunk_size = int(options.get("chunk_size", 65_536))
    stats = meta.get("stats", {})
    return iter_chunks(events, chunk_size), lambda: stats


register_format(
    SourceFormat(
        "binance",
        "Binance raw capture: '<local ns> <json>' lines (gzip or plain), depth synced by update id",
        needs_instrument=False,
        open=_open_binance,
    )
)
register_format(
    SourceFormat(
        "tardis",
        "Tardis.dev CSV: incremental_book_L2, trades, book_snapshot_N or quotes (plain or .gz)",
        needs_instrument=True,
        open=_open_tardis,
    )
)
register_format(
    SourceFormat(
        "hftbacktest",
        "hftbacktest 2.x event array (.npz member 'data', or .npy)",
        needs_instrument=True,
        open=_open_hftbacktest,
    )
)
register_format(
    SourceFormat(
        "events",
        "hft-core events file (.npz or .parquet) as written by `hft data convert`",
        needs_instrument=False,
        open=_open_events,
    )
)


def guess_format(path: str | os.PathLike[str]) -> str:
    """The format name of ``path`` from its content; `DataError` when no registered format fits."""
    source = Path(path)
    if not source.is_file():
        raise DataError("file not found", path=str(source))
    if source.suffix.lower() in (".parquet", ".pq"):
        return "events"
    if zipfile.is_zipfile(source):
        if is_events_npz(source):
            return "events"
        return "hftbacktest"
    if source.suffix.lower() == ".npy":
        return "hftbacktest"
    with source.open("rb") as handle:
        magic = handle.read(2)
    try:
        if magic == b"\x1f\x8b":
            with gzip.open(source, "rb") as handle:
                head = handle.read(4096)
        else:
            with source.open("rb") as handle:
                head = handle.read(4096)
    except (OSError, EOFError) as exc:
        raise DataError(f"cannot read the start of the file: {exc}", path=str(source)) from exc
    first_line = head.split(b"\n", 1)[0]
    prefix, _, rest = first_line.partition(b" ")
    if prefix.isdigit() and rest.lstrip().startswith(b"{"):
        return "binance"
    if first_line.startswith(b"exchange,symbol,timestamp,local_timestamp"):
        return "tardis"
    raise DataError(
        "cannot tell the format from the content; pass one of: " + ", ".join(sorted(_FORMATS)), path=str(source)
    )


def _unsynced_error(source: Path, problem: str) -> DataError:
    return DataError(
        f"{problem}; a replay of it would trade against a frozen or empty book. Pass allow_unsynced=True "
        "(--allow-unsynced) to load it anyway",
        path=str(source),
        field="book",
    )


def _with_checks(stats: Any, checker: StreamChecker) -> dict[str, Any]:
    record = dict(stats) if isinstance(stats, Mapping) else ({"stats": stats} if stats is not None else {})
    record["book_checks"] = checker.stats.to_dict()
    return record


def _resolve(path: str | os.PathLike[str], format_name: str | None) -> tuple[Path, SourceFormat]:
    source = Path(path)
    name = format_name or guess_format(source)
    try:
        return source, _FORMATS[name]
    except KeyError:
        raise ConfigError(f"unknown data format {name!r}; known: {', '.join(sorted(_FORMATS))}") from None


def iter_source(
    path: str | os.PathLike[str],
    format_name: str | None = None,
    *,
    instrument: Instrument | None = None,
    options: Mapping[str, Any] | None = None,
    allow_unsynced: bool = False,
) -> tuple[Iterator[Events], Callable[[], Any]]:
    """Chunks of a source (format guessed when not given) and a callable for the loader's stats.

    Every chunk passes the stream checks (`hft_core.data._checks`); their counters are in the stats under
    ``book_checks``. A stream whose book never synced or never moved ends in a `DataError` unless
    ``allow_unsynced``.
    """
    source, source_format = _resolve(path, format_name)
    chunks, stats = source_format.open(source, instrument, dict(options or {}))
    checker = StreamChecker(str(source))

    def checked() -> Iterator[Events]:
        yield from checker.wrap(chunks)
        problem = sync_problem(checker.stats.to_dict(), _with_checks(stats(), checker))
        if problem is not None and not allow_unsynced:
            raise _unsynced_error(source, problem)

    return checked(), lambda: _with_checks(stats(), checker)


def load_source(
    path: str | os.PathLike[str],
    format_name: str | None = None,
    *,
    instrument: Instrument | None = None,
    options: Mapping[str, Any] | None = None,
    use_cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    allow_unsynced: bool = False,
) -> CachedEvents:
    """All events of a source, through the cache unless ``use_cache=False`` (events files are never cached).

    The events pass the stream checks (see `iter_source`; counters under ``book_checks`` in the stats, cached
    with the entry). A book that never synced or never moved is a `DataError` unless ``allow_unsynced``.
    """
    source, source_format = _resolve(path, format_name)
    loader_options = dict(options or {})

    def load() -> tuple[Events, Mapping[str, Any]]:
        chunks, stats = source_format.open(source, instrument, loader_options)
        checker = StreamChecker(str(source))
        events = concat_chunks(checker.wrap(chunks))
        return events, _with_checks(stats(), checker)

    if not use_cache or source_format.name == "events":
        events, stats = load()
        loaded = CachedEvents(events, dict(stats), False, source)
    else:
        key_options = {**loader_options, "instrument": instrument}
        loaded = load_cached(source, source_format.name, load, options=key_options, cache_dir=cache_dir)
    checks = loaded.stats.get("book_checks")
    problem = sync_problem(checks if isinstance(checks, Mapping) else {}, loaded.stats)
    if problem is not None and not allow_unsynced:
        raise _unsynced_error(source, problem)
    return loaded
