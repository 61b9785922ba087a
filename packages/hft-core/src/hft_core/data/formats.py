"""The source formats hft-core can load, by name, with guessing and optional caching.

This is what ``hft data convert SRC --format F`` and the replay venues go through: a name maps to a loader that
turns a path (plus an `Instrument` where the format needs one) into events and the loader's stats. Other modules
add formats with `register_format`.
"""

from __future__ import annotations

import gzip
import os
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hft_core.data._checks import StreamChecker, sync_problem
from hft_core.data.binance import BinanceCaptureReader
from hft_core.data.cache import CachedEvents, content_digest, load_cached
from hft_core.data.eventfile import is_events_npz, load_events
from hft_core.data.hftbacktest_npz import HftbacktestStats, iter_hftbacktest_npz
from hft_core.data.l3file import looks_like_l3_csv
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
    "lobster_orderbook_path",
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
    events, meta = load_events(path, check=False)  # (the stream checks run the value checks over every chunk)
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


def lobster_orderbook_path(message_path: Path, options: Mapping[str, Any]) -> Path | None:
    """The orderbook file of a LOBSTER message file: ``options["orderbook"]`` when given (``None`` or ``""``: the
    messages alone), else the file beside it whose name has ``orderbook`` for ``message`` (a `DataError` when
    missing: without it the book before the first message is unknown)."""
    if "orderbook" in options:
        named = options["orderbook"]
        if not named:
            return None
        path = Path(named)
        if not path.is_file():
            raise DataError("LOBSTER orderbook file not found", path=str(path))
        return path
    if "_message_" not in message_path.name:
        raise DataError(
            "cannot find the orderbook file of a message file not named TICKER_DATE_START_END_message_LEVEL.csv; "
            "name it (--orderbook FILE)",
            path=str(message_path),
        )
    beside = message_path.with_name(message_path.name.replace("_message_", "_orderbook_"))
    if not beside.is_file():
        raise DataError(
            f"the orderbook file {beside.name} is not beside the message file; name it (--orderbook FILE) or pass "
            "--orderbook '' to replay the messages alone",
            path=str(message_path),
        )
    return beside


def _open_lobster(
    path: Path, instrument: Instrument | None, options: Mapping[str, Any]
) -> tuple[Iterator[Events], Callable[[], Any]]:
    from hft_core.data.lobster import iter_lobster_event_chunks

    opts = dict(options)
    orderbook = lobster_orderbook_path(path, opts)
    opts.pop("orderbook", None)
    tick = instrument.tick_size if instrument is not None else 0.01
    if instrument is not None and instrument.lot_size != 1.0:
        raise ConfigError(f"LOBSTER sizes are shares: the lot must be one share, got {instrument.lot_size}")
    stats: dict[str, Any] = {"orderbook": str(orderbook) if orderbook else None, "messages": 0, "reveals": 0}

    def chunks() -> Iterator[Events]:
        for chunk in iter_lobster_event_chunks(path, orderbook_path=orderbook, tick_size=tick, **opts):
            stats["messages"] += len(chunk.message_end)
            stats["reveals"] += chunk.reveals
            stats["seed_events"] = stats.get("seed_events", 0) + chunk.seed_events
            yield chunk.events

    return chunks(), lambda: stats


register_format(
    SourceFormat(
        "lobster",
        "LOBSTER message file (TICKER_DATE_START_END_message_N.csv) with its orderbook file: an L3 market",
        needs_instrument=False,
        open=_open_lobster,
    )
)


def _open_l3(
    path: Path, instrument: Instrument | None, options: Mapping[str, Any]
) -> tuple[Iterator[Events], Callable[[], Any]]:
    from hft_core.data.l3file import L3FileReader

    if instrument is None:
        raise ConfigError("the l3 format needs an instrument (tick and lot size)")
    reader = L3FileReader(path, instrument, **options)
    return reader.chunks(), lambda: _stats_of(reader.stats)


register_format(
    SourceFormat(
        "l3",
        "order-by-order CSV or Parquet: time, order id, side, price, size, action (add/modify/cancel/trade)",
        needs_instrument=True,
        open=_open_l3,
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


_LOBSTER_MESSAGE = re.compile(r"^.+_\d{4}-\d{2}-\d{2}_\d+_\d+_message_\d+\.csv$")


def _looks_like_lobster_messages(head: bytes) -> bool:
    """Six numeric columns (time, type 1-7, id, size, price, direction 1/-1), after an optional header row."""
    lines = [line.strip() for line in head.split(b"\n")[:-1] if line.strip()][:6]
    if lines and lines[0][:1].isalpha():
        lines = lines[1:]
    if not lines:
        return False
    for line in lines:
        cells = line.split(b",")
        if len(cells) != 6 or cells[1].strip() not in {b"1", b"2", b"3", b"4", b"5", b"6", b"7"}:
            return False
        if cells[5].strip() not in (b"1", b"-1"):
            return False
        try:
            [float(cell) for cell in cells]
        except ValueError:
            return False
    return True


def _parquet_format(source: Path) -> str:
    """``events`` for our own Parquet files, ``l3`` for an order-by-order layout (by the column names)."""
    import pyarrow.parquet as pq

    try:
        names = list(pq.read_schema(source).names)
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read the Parquet schema: {exc}", path=str(source)) from None
    if {"exch_ts", "local_ts", "kind"} <= set(names):
        return "events"
    if looks_like_l3_csv(",".join(names).encode()):
        return "l3"
    shown = ", ".join(names[:12]) + (f", ... ({len(names)} in all)" if len(names) > 12 else "")
    raise DataError(
        f"a Parquet file with neither our events columns nor an L3 layout (columns: {shown})", path=str(source)
    )


def guess_format(path: str | os.PathLike[str]) -> str:
    """The format name of ``path`` from its content; `DataError` when no registered format fits."""
    source = Path(path)
    if not source.is_file():
        raise DataError("file not found", path=str(source))
    if source.suffix.lower() in (".parquet", ".pq"):
        return _parquet_format(source)
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
    if _LOBSTER_MESSAGE.match(source.name) or _looks_like_lobster_messages(head):
        return "lobster"
    if looks_like_l3_csv(head):
        return "l3"
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
        if source_format.name == "lobster":  # the orderbook file is an input too: key on its content as well
            orderbook = lobster_orderbook_path(source, loader_options)
            key_options["orderbook_content"] = content_digest(orderbook) if orderbook is not None else None
        loaded = load_cached(source, source_format.name, load, options=key_options, cache_dir=cache_dir)
    checks = loaded.stats.get("book_checks")
    problem = sync_problem(checks if isinstance(checks, Mapping) else {}, loaded.stats)
    if problem is not None and not allow_unsynced:
        raise _unsynced_error(source, problem)
    return loaded
