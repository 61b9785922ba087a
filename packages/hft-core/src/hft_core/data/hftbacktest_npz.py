"""hftbacktest (2.x) event arrays <-> our events, so the same workload can feed both engines.

hftbacktest stores feed data as a numpy structured array (usually ``np.savez_compressed(path, data=array)``) of
its 64-byte ``Event`` record: ``ev`` (u64 flags), ``exch_ts``, ``local_ts`` (i64 ns), ``px``, ``qty`` (f64),
``order_id`` (u64), ``ival`` (i64), ``fval`` (f64). The low byte of ``ev`` is the event type; high bits say which
processor sees the row (``EXCH_EVENT``, ``LOCAL_EVENT``) and the side (``BUY_EVENT``, ``SELL_EVENT``). Constants
follow hftbacktest 2.x (``hftbacktest/src/types.rs`` and ``py-hftbacktest/hftbacktest/types.py``).

Reading keeps the rows the local processor sees (plus unflagged raw rows) and drops exchange-only copies, which
hftbacktest adds when exchange time runs backwards relative to local time. Writing does the reverse: rows whose
exchange time keeps order get both flags, the others a local row plus an exchange-only copy placed in
exchange-time order, which is what hftbacktest's ``validate_event_order`` requires.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from hft_core.data._builder import DEFAULT_CHUNK_SIZE, Column, build_events
from hft_core.data._checks import MAX_TIMESTAMP_NS
from hft_core.data._distinct import distinct_positive
from hft_core.data._npy import read_errors_as, read_npy_header, stored_member_start
from hft_core.data.eventfile import atomic_output
from hft_core.data.grids import InferredGrid, infer_float_grid
from hft_core.errors import ConfigError, DataError
from hft_core.events import BUY, EVENT_DTYPE, SELL, EventKind, Events, empty_events
from hft_core.instruments import Instrument, Rounding

__all__ = [
    "ADD_ORDER_EVENT",
    "BUY_EVENT",
    "CANCEL_ORDER_EVENT",
    "DEPTH_BBO_EVENT",
    "DEPTH_CLEAR_EVENT",
    "DEPTH_EVENT",
    "DEPTH_SNAPSHOT_EVENT",
    "EXCH_EVENT",
    "FILL_EVENT",
    "HFTBACKTEST_EVENT_DTYPE",
    "LOCAL_EVENT",
    "MODIFY_ORDER_EVENT",
    "SELL_EVENT",
    "TRADE_EVENT",
    "HftbacktestStats",
    "from_hftbacktest",
    "infer_hftbacktest_grid",
    "iter_hftbacktest_npz",
    "load_hftbacktest_array",
    "read_hftbacktest_npz",
    "to_hftbacktest",
    "write_hftbacktest_npz",
]

EXCH_EVENT = 1 << 31
LOCAL_EVENT = 1 << 30
BUY_EVENT = 1 << 29
SELL_EVENT = 1 << 28

DEPTH_EVENT = 1
TRADE_EVENT = 2
DEPTH_CLEAR_EVENT = 3
DEPTH_SNAPSHOT_EVENT = 4
DEPTH_BBO_EVENT = 5
ADD_ORDER_EVENT = 10
CANCEL_ORDER_EVENT = 11
MODIFY_ORDER_EVENT = 12
FILL_EVENT = 13

HFTBACKTEST_EVENT_DTYPE = np.dtype(
    [
        ("ev", np.uint64),
        ("exch_ts", np.int64),
        ("local_ts", np.int64),
        ("px", np.float64),
        ("qty", np.float64),
        ("order_id", np.uint64),
        ("ival", np.int64),
        ("fval", np.float64),
    ],
    align=True,
)

_TYPE_MASK = 0xFF
_OUR_KIND_BY_TYPE = {
    DEPTH_EVENT: EventKind.DEPTH,
    TRADE_EVENT: EventKind.TRADE,
    DEPTH_CLEAR_EVENT: EventKind.CLEAR,
    DEPTH_SNAPSHOT_EVENT: EventKind.SNAPSHOT,
    ADD_ORDER_EVENT: EventKind.ADD,
    CANCEL_ORDER_EVENT: EventKind.CANCEL,
    MODIFY_ORDER_EVENT: EventKind.MODIFY,
    FILL_EVENT: EventKind.FILL,
}
_TYPE_BY_OUR_KIND = {int(kind): event_type for event_type, kind in _OUR_KIND_BY_TYPE.items()}
# lookup tables over the 256 values of the event type byte: supported or not, and our kind
_KNOWN_BY_TYPE = np.zeros(_TYPE_MASK + 1, dtype=bool)
_KNOWN_BY_TYPE[list(_OUR_KIND_BY_TYPE)] = True
_OUR_KIND_BY_CODE = np.zeros(_TYPE_MASK + 1, dtype=np.uint8)
_OUR_KIND_BY_CODE[list(_OUR_KIND_BY_TYPE)] = [int(kind) for kind in _OUR_KIND_BY_TYPE.values()]
_TYPE_NAMES = {
    DEPTH_BBO_EVENT: "DEPTH_BBO_EVENT",
}


@dataclass(slots=True)
class HftbacktestStats:
    """What reading an hftbacktest array kept and dropped."""

    rows: int = 0
    events: int = 0
    exchange_only_dropped: int = 0
    unsupported_skipped: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form."""
        return asdict(self)


def load_hftbacktest_array(path: str | os.PathLike[str]) -> npt.NDArray[np.void]:
    """The event array of an hftbacktest ``.npz`` (member ``data``, or its only member) or ``.npy`` file."""
    source = Path(path)
    text = str(source)
    with read_errors_as(text, "damaged or unreadable array file"):
        loaded = np.load(source, allow_pickle=False)
        if isinstance(loaded, np.lib.npyio.NpzFile):
            with loaded:
                names = loaded.files
                if "data" in names:
                    array = loaded["data"]
                elif len(names) == 1:
                    array = loaded[names[0]]
                else:
                    raise DataError(
                        f"expected a 'data' member, found {', '.join(names) or 'none'}", path=text, field="data"
                    )
        else:
            array = np.asarray(loaded)
    return _by_field_name(array, text)


def _by_field_name(array: npt.NDArray[Any], text: str) -> npt.NDArray[np.void]:
    """``array`` as `HFTBACKTEST_EVENT_DTYPE`, field by field *by name* (numpy's structured casts go by position,
    which would swap ``px`` and ``qty`` in a file that stores them in the other order). A field the record does
    not have, a missing field, or a type that does not convert without loss is an unknown layout: `DataError`.
    """
    expected = HFTBACKTEST_EVENT_DTYPE.names or ()
    present = array.dtype.names or ()
    missing = [name for name in expected if name not in present]
    if array.ndim != 1 or not present or missing:
        raise DataError(
            "not an hftbacktest event array "
            + (
                f"(missing field(s) {', '.join(missing)})"
                if present and missing
                else f"(dtype {array.dtype}, shape {array.shape})"
            ),
            path=text,
            field=missing[0] if present and missing else None,
        )
    unknown = [name for name in present if name not in expected]
    if unknown:
        raise DataError(
            f"unknown layout: field(s) {', '.join(unknown)} are not in hftbacktest's event record "
            f"({', '.join(expected)})",
            path=text,
            field=unknown[0],
        )
    out = np.zeros(len(array), dtype=HFTBACKTEST_EVENT_DTYPE)
    for name in expected:
        column = array[name]
        target = HFTBACKTEST_EVENT_DTYPE[name]
        if column.ndim != 1 or not np.can_cast(column.dtype, target, casting="safe"):
            raise DataError(
                f"unknown layout: field {name} has type {array.dtype[name]}, which does not convert to {target} "
                "without loss",
                path=text,
                field=name,
            )
        out[name] = column
    return out


def infer_hftbacktest_grid(path: str | os.PathLike[str]) -> InferredGrid:
    """Tick and lot of an hftbacktest file, inferred from the prices and sizes its loader converts: the rows the
    local processor sees (exchange-only copies dropped) of every supported type but clears (`grids`).

    The file is read a chunk at a time; only each chunk's distinct usable prices and sizes are kept."""
    source = Path(path)
    priced_types = np.array([code for code, kind in _OUR_KIND_BY_TYPE.items() if kind != EventKind.CLEAR])
    distinct: tuple[list[npt.NDArray[np.float64]], list[npt.NDArray[np.float64]]] = ([], [])
    totals = [0, 0]
    for _, _, data in _raw_chunks(source, DEFAULT_CHUNK_SIZE):  # chunks small enough to sort in cache
        flags = data["ev"]
        exchange_only = (flags & np.uint64(EXCH_EVENT) != 0) & (flags & np.uint64(LOCAL_EVENT) == 0)
        event_type = (flags & np.uint64(_TYPE_MASK)).astype(np.int64)
        keep = np.isin(event_type, priced_types) & ~exchange_only
        for index, name in enumerate(("px", "qty")):
            values = data[name][keep]
            usable = values[np.isfinite(values) & (values > 0)]
            totals[index] += len(usable)
            seen = distinct[index]
            seen.append(distinct_positive(usable))
            if len(seen) >= 16:
                seen[:] = [distinct_positive(np.concatenate(seen))]
    prices, sizes = (distinct_positive(np.concatenate(seen)) if seen else np.zeros(0) for seen in distinct)
    return infer_float_grid(
        prices, sizes, path=str(source), hint="pass --tick-size and --lot-size", totals=(totals[0], totals[1])
    )


def from_hftbacktest(
    data: npt.NDArray[np.void],
    instrument: Instrument,
    *,
    instrument_id: int = 0,
    price_rounding: Rounding = "exact",
    qty_rounding: Rounding = "exact",
    unsupported: Literal["error", "skip"] = "error",
    path: str = "<array>",
    stats: HftbacktestStats | None = None,
    row_offset: int = 0,
) -> Events:
    """hftbacktest rows -> our events (exchange-only copies dropped).

    Event types without an equivalent in our format (``DEPTH_BBO_EVENT``, user-defined types >= 100) are a
    `DataError` unless ``unsupported="skip"``, which drops and counts them. A clear's ``px`` (hftbacktest's
    "clear up to" price) is not kept: our ``CLEAR`` forgets the whole side, and in hftbacktest's own converters
    a full snapshot always follows. Errors name the row (0-based, plus ``row_offset``) in the reason.
    """
    if unsupported not in ("error", "skip"):
        raise ConfigError(f"unsupported must be 'error' or 'skip', got {unsupported!r}")
    stats = stats if stats is not None else HftbacktestStats()
    if data.dtype != HFTBACKTEST_EVENT_DTYPE:
        data = _by_field_name(data, path)
    ev = np.ascontiguousarray(data["ev"])
    stats.rows += len(data)
    exchange_only = (ev & np.uint64(EXCH_EVENT) != 0) & (ev & np.uint64(LOCAL_EVENT) == 0)
    dropped = int(exchange_only.sum())
    stats.exchange_only_dropped += dropped
    # source row of each kept row; None while every row is kept (the usual case: no index array, no copy)
    kept_rows: npt.NDArray[np.intp] | None = None
    if dropped:
        kept_rows = np.flatnonzero(~exchange_only)
        data = data[kept_rows]
        ev = ev[kept_rows]

    def source_row(index: int) -> int:
        return row_offset + (index if kept_rows is None else int(kept_rows[index]))

    event_type = (ev & np.uint64(_TYPE_MASK)).astype(np.intp)
    known = _KNOWN_BY_TYPE[event_type]
    if not known.all():
        if unsupported == "error":
            index = int(np.argmax(~known))
            code = int(event_type[index])
            raise DataError(
                f"row {source_row(index)}: event type {code} "
                f"({_TYPE_NAMES.get(code, 'user-defined' if code >= 100 else 'unknown')}) has no equivalent "
                "in hft events; pass unsupported='skip' to drop such rows",
                path=path,
                field="ev",
            )
        for code, count in zip(*np.unique(event_type[~known], return_counts=True), strict=True):
            name = _TYPE_NAMES.get(int(code), f"type {int(code)}")
            stats.unsupported_skipped[name] = stats.unsupported_skipped.get(name, 0) + int(count)
        kept = np.flatnonzero(known)
        kept_rows = kept if kept_rows is None else kept_rows[kept]
        data = data[kept]
        ev = ev[kept]
        event_type = event_type[kept]

    kind = _OUR_KIND_BY_CODE[event_type]
    is_buy = ev & np.uint64(BUY_EVENT) != 0
    is_sell = ev & np.uint64(SELL_EVENT) != 0
    both_sides = is_buy & is_sell
    if both_sides.any():
        index = int(np.argmax(both_sides))
        raise DataError(
            f"row {source_row(index)}: both BUY_EVENT and SELL_EVENT are set",
            path=path,
            field="ev",
        )
    side = is_buy.view(np.int8) - is_sell.view(np.int8)
    exch_ts = np.ascontiguousarray(data["exch_ts"])
    local_ts = np.ascontiguousarray(data["local_ts"])
    for name, stamps in (("exch_ts", exch_ts), ("local_ts", local_ts)):
        out_of_range = (stamps < 0) | (stamps >= MAX_TIMESTAMP_NS)
        if out_of_range.any():
            index = int(np.argmax(out_of_range))
            raise DataError(
                f"row {source_row(index)}: {name} {int(stamps[index])} is outside [0, 2**62) ns",
                path=path,
                field=name,
            )
    backwards = np.flatnonzero(local_ts[1:] < local_ts[:-1])
    if len(backwards):
        index = int(backwards[0]) + 1
        raise DataError(
            f"row {source_row(index)}: local timestamp {int(local_ts[index])} is earlier than "
            f"the previous row's {int(local_ts[index - 1])}",
            path=path,
            field="local_ts",
        )
    order_id = np.ascontiguousarray(data["order_id"])
    too_large = order_id > np.uint64(np.iinfo(np.int64).max)
    if too_large.any():
        index = int(np.argmax(too_large))
        raise DataError(
            f"row {source_row(index)}: order id {int(order_id[index])} exceeds int64",
            path=path,
            field="order_id",
        )
    is_clear = kind == int(EventKind.CLEAR)

    def locate(row: int, which: Column) -> tuple[int | None, str | None]:
        # Rows have no lines; the row number goes in the field so the error still points at it.
        name = {"price": "px", "qty": "qty", "side": "ev"}[which]
        return None, f"{name} (row {source_row(row)})"

    events = build_events(
        kind=kind,
        side=side,
        price=np.where(is_clear, 0.0, data["px"]),
        qty=np.where(is_clear, 0.0, data["qty"]),
        exch_ts=exch_ts,
        local_ts=local_ts,
        order_id=order_id.view(np.int64),
        instrument=instrument,
        instrument_id=instrument_id,
        price_rounding=price_rounding,
        qty_rounding=qty_rounding,
        path=path,
        locate=locate,
    )
    stats.events += len(events)
    return events


def _raw_chunks(path: Path, chunk_size: int) -> Iterator[tuple[int, int, npt.NDArray[np.void]]]:
    """``(first row, rows in the file, rows)`` of an hftbacktest file as `HFTBACKTEST_EVENT_DTYPE` chunks, read a
    chunk at a time from the ``.npy`` or the ``.npz`` member (stored or deflated) without holding the whole array;
    a layout this reader does not stream (not one structured array, an unusual format version) goes through
    `load_hftbacktest_array`, which gives the same rows or the same error. Each chunk is a fresh array."""
    stream = _open_stream(path)
    if stream is None:
        data = load_hftbacktest_array(path)
        for start in range(0, len(data), chunk_size):
            yield start, len(data), data[start : start + chunk_size]
        return
    handle, closers, dtype, count = stream
    text = str(path)
    try:
        if count == 0:
            yield 0, 0, _by_field_name(np.zeros(0, dtype=dtype), text)
            return
        for start in range(0, count, chunk_size):
            rows = min(chunk_size, count - start)
            buffer = np.empty(rows, dtype=dtype)
            try:
                got = handle.readinto(buffer.view(np.uint8))
                if got != rows * dtype.itemsize:
                    raise EOFError(f"the array ends after {start + got // dtype.itemsize} of {count} rows")
                if start + rows == count:
                    handle.read(1)  # reaches the member's end, where zipfile checks its CRC
            except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
                raise DataError(f"damaged or unreadable array file: {exc}", path=text) from exc
            yield start, count, buffer if dtype == HFTBACKTEST_EVENT_DTYPE else _by_field_name(buffer, text)
    finally:
        for closer in reversed(closers):
            closer.close()


def _open_stream(path: Path) -> tuple[Any, list[Any], np.dtype[Any], int] | None:
    """The open array data of ``path`` positioned after its ``.npy`` header, the handles to close, its dtype and
    row count; None where `load_hftbacktest_array` should read the file instead (it reports every error)."""
    closers: list[Any] = []
    try:
        raw = path.open("rb")
        closers.append(raw)
        magic = raw.read(6)
        raw.seek(0)
        if magic[:4] == b"PK\x03\x04":
            archive = zipfile.ZipFile(raw)
            closers.append(archive)
            names = archive.namelist()
            arrays = [name for name in names if name.endswith(".npy")]
            if "data.npy" in names:
                member = "data.npy"
            elif len(names) == 1 and arrays:
                member = arrays[0]
            else:
                raise ValueError("no single array member")
            info = archive.getinfo(member)
            if info.compress_type == zipfile.ZIP_STORED and not info.flag_bits & 1:
                handle: Any = _StoredMember(raw, info)
            else:
                handle = archive.open(member)
                closers.append(handle)
        elif magic == b"\x93NUMPY":
            handle = raw
        else:
            raise ValueError("not an .npy or .npz file")
        header = read_npy_header(handle)
        if header is None:
            raise ValueError("an .npy format version other than 1.0 and 2.0")
        shape, fortran_order, dtype = header
        if len(shape) != 1 or fortran_order or dtype.names is None or dtype.hasobject:
            raise ValueError("not one structured array")
        return handle, closers, dtype, int(shape[0])
    except Exception:  # whatever went wrong, the whole-file reader reports it as it always has
        for closer in reversed(closers):
            closer.close()
        return None


class _StoredMember:
    """An uncompressed zip member read straight from the archive file (no intermediate ``bytes`` per read, as
    zipfile's reader makes), its CRC-32 checked as zipfile does once the last byte is read."""

    def __init__(self, raw: Any, info: zipfile.ZipInfo) -> None:
        stored_member_start(raw, info)
        self._raw = raw
        self._name = info.filename
        self._left = info.file_size
        self._expected_crc = info.CRC
        self._crc = 0

    def _counted(self, data: memoryview | bytes) -> None:
        self._crc = zlib.crc32(data, self._crc)
        self._left -= len(data)
        if self._left == 0 and self._crc != self._expected_crc:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {self._name!r}")

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that are left when negative)."""
        data = self._raw.read(self._left if size < 0 else min(size, self._left))
        self._counted(data)
        return bytes(data)

    def readinto(self, target: Any) -> int:
        """Fills ``target`` (a writable buffer) as far as the member goes; the byte count read."""
        view = memoryview(target).cast("B")[: self._left]
        got = int(self._raw.readinto(view))
        self._counted(view[:got])
        return got


def iter_hftbacktest_npz(
    path: str | os.PathLike[str],
    instrument: Instrument,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    stats: HftbacktestStats | None = None,
    **options: Any,
) -> Iterator[Events]:
    """Our event chunks from an hftbacktest file, read and converted a chunk at a time."""
    for _, events in _converted_chunks(path, instrument, chunk_size, stats, options):
        yield events


def _converted_chunks(
    path: str | os.PathLike[str],
    instrument: Instrument,
    chunk_size: int,
    stats: HftbacktestStats | None,
    options: dict[str, Any],
) -> Iterator[tuple[int, Events]]:
    """``(rows in the file, events)`` per non-empty converted chunk."""
    if chunk_size <= 0:
        raise ConfigError(f"chunk_size must be positive, got {chunk_size}")
    stats = stats if stats is not None else HftbacktestStats()
    for start, total, data in _raw_chunks(Path(path), chunk_size):
        events = from_hftbacktest(data, instrument, path=str(path), stats=stats, row_offset=start, **options)
        if len(events):
            yield total, events


def read_hftbacktest_npz(
    path: str | os.PathLike[str], instrument: Instrument, *, chunk_size: int = DEFAULT_CHUNK_SIZE, **options: Any
) -> tuple[Events, HftbacktestStats]:
    """All our events from an hftbacktest file and what was kept or dropped.

    Chunks are converted into one array sized for every row of the file, then shrunk in place to the events
    kept, so the converted events are never held twice."""
    stats = HftbacktestStats()
    whole: Events | None = None
    filled = 0
    for total, events in _converted_chunks(path, instrument, chunk_size, stats, options):
        if whole is None:
            whole = np.zeros(total, dtype=EVENT_DTYPE)
        whole[filled : filled + len(events)] = events
        filled += len(events)
    if whole is None:
        return empty_events(), stats
    if filled < len(whole):
        whole.resize(filled, refcheck=False)
    return whole, stats


def _step_decimals(step: float) -> int:
    for places in range(13):
        if abs(round(step, places) - step) <= step * 1e-9:
            return places
    return 12


def to_hftbacktest(events: Events, instrument: Instrument) -> npt.NDArray[np.void]:
    """Our events (one instrument) -> an hftbacktest event array with EXCH/LOCAL flags set for replay.

    Events are ordered by local time (stably). A side-less ``CLEAR`` becomes a side-less ``DEPTH_CLEAR_EVENT``
    (hftbacktest clears both sides); a one-sided ``CLEAR`` gets the deepest price of that side in the data as
    its "clear up to" price, so the whole side is cleared.
    """
    if events.dtype != EVENT_DTYPE:
        raise TypeError(f"expected an EVENT_DTYPE array, got dtype {events.dtype}")
    instruments = np.unique(events["instrument"])
    if len(instruments) > 1:
        raise DataError(
            f"hftbacktest files hold one asset; these events mix instruments {instruments.tolist()}",
            field="instrument",
        )
    ordered = events[np.argsort(events["local_ts"], kind="stable")]
    count = len(ordered)
    kind = ordered["kind"].astype(np.int64)
    side = ordered["side"]

    event_type = np.zeros(count, dtype=np.uint64)
    for our_kind, hbt_type in _TYPE_BY_OUR_KIND.items():
        event_type[kind == our_kind] = hbt_type
    unknown = event_type == 0
    if unknown.any():
        index = int(np.argmax(unknown))
        raise DataError(f"row {index}: event kind {int(kind[index])} has no hftbacktest equivalent", field="kind")
    flags = event_type | np.where(side == BUY, np.uint64(BUY_EVENT), np.uint64(0))
    flags |= np.where(side == SELL, np.uint64(SELL_EVENT), np.uint64(0))

    price_decimals = _step_decimals(instrument.tick_size)
    px = np.round(ordered["price"] * instrument.tick_size, price_decimals)
    qty = np.round(ordered["qty"] * instrument.lot_size, _step_decimals(instrument.lot_size))
    is_clear = kind == int(EventKind.CLEAR)
    book_rows = (kind == int(EventKind.DEPTH)) | (kind == int(EventKind.SNAPSHOT))
    bids = ordered["price"][book_rows & (side == BUY)]
    asks = ordered["price"][book_rows & (side == SELL)]
    deepest_bid = round(int(bids.min()) * instrument.tick_size, price_decimals) if len(bids) else 0.0
    deepest_ask = round(int(asks.max()) * instrument.tick_size, price_decimals) if len(asks) else 0.0
    px[is_clear] = 0.0
    px[is_clear & (side == BUY)] = deepest_bid
    px[is_clear & (side == SELL)] = deepest_ask

    # Rows whose exchange time is in order with every row before and after them can serve both processors.
    exch_ts = ordered["exch_ts"]
    if count:
        max_before = np.concatenate(([np.iinfo(np.int64).min], np.maximum.accumulate(exch_ts)[:-1]))
        min_after = np.concatenate((np.minimum.accumulate(exch_ts[::-1])[::-1][1:], [np.iinfo(np.int64).max]))
        in_order = (exch_ts >= max_before) & (exch_ts <= min_after)
    else:
        in_order = np.zeros(0, dtype=bool)
    copies = np.flatnonzero(~in_order)
    anchors = np.flatnonzero(in_order)
    # Each exchange-only copy goes just before the first both-flag row with a later exchange time.
    following = np.searchsorted(exch_ts[anchors], exch_ts[copies], side="right")
    copy_key = np.where(following < len(anchors), 2 * anchors[np.minimum(following, len(anchors) - 1)] - 1, 2 * count)

    sources = np.concatenate((np.arange(count), copies))
    keys = np.concatenate((2 * np.arange(count), copy_key))
    secondary = np.concatenate((np.zeros(count, dtype=np.int64), exch_ts[copies]))
    order = np.lexsort((sources, secondary, keys))
    sources = sources[order]
    is_copy = np.concatenate((np.zeros(count, dtype=bool), np.ones(len(copies), dtype=bool)))[order]

    out = np.zeros(len(sources), dtype=HFTBACKTEST_EVENT_DTYPE)
    processor = np.where(
        is_copy,
        np.uint64(EXCH_EVENT),
        np.where(in_order[sources], np.uint64(EXCH_EVENT | LOCAL_EVENT), np.uint64(LOCAL_EVENT)),
    )
    out["ev"] = flags[sources] | processor
    out["exch_ts"] = exch_ts[sources]
    out["local_ts"] = ordered["local_ts"][sources]
    out["px"] = px[sources]
    out["qty"] = qty[sources]
    out["order_id"] = ordered["order_id"][sources].astype(np.uint64)
    return out


def write_hftbacktest_npz(
    events: Events, instrument: Instrument, target: str | os.PathLike[str], *, compress: bool = True
) -> Path:
    """Write ``events`` as an hftbacktest ``.npz`` (member ``data``) atomically; returns the path written."""
    data = to_hftbacktest(events, instrument)
    destination = Path(target)
    with atomic_output(destination) as temporary, temporary.open("wb") as handle:
        (np.savez_compressed if compress else np.savez)(handle, data=data)
    return destination
