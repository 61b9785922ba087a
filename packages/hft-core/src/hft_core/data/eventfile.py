"""Our own event files: ``.npz`` (numpy) or ``.parquet``, each carrying metadata, written atomically.

An events file holds one `EVENT_DTYPE` array plus a JSON metadata object (source, loader options, loader stats).
Both forms record a BLAKE2 digest of the event columns *and* the metadata, so a damaged or edited file (a
changed tick size in the recorded instrument rescales every price) is detected on read (`DataError`), never
trusted; on read the events' values are checked too (`hft_core.data._checks.check_values`: kinds, sides, prices
and sizes in range, timestamps, local time order). Writes go to a temporary file beside the target and are
renamed over it only when complete, so an error or interruption leaves any existing file untouched.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hft_core.data._checks import check_values
from hft_core.data._npy import UNREADABLE, read_errors_as, read_npy_header, stored_member_start
from hft_core.errors import DataError
from hft_core.events import EVENT_DTYPE, Events

__all__ = [
    "EVENTS_FILE_VERSION",
    "atomic_output",
    "events_digest",
    "is_events_npz",
    "load_events",
    "load_events_npz",
    "load_events_parquet",
    "map_events",
    "record_digest",
    "save_events",
    "save_events_npz",
    "save_events_parquet",
]

EVENTS_FILE_VERSION = 2
"""Bumped when the layout of our events files changes; older files are then refused (and caches rebuilt).

2: the digest covers the metadata too (version 1 files could have their recorded instrument edited unnoticed)."""

_EVENTS_KEY = "events"
_META_KEY = "meta"


@contextlib.contextmanager
def atomic_output(target: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside ``target``; renamed onto ``target`` only if the block completes."""
    destination = Path(target)
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".partial" + destination.suffix, dir=destination.parent
    )
    os.close(handle)
    temporary_path = Path(temporary)
    try:
        yield temporary_path
        temporary_path.replace(destination)
    finally:
        temporary_path.unlink(missing_ok=True)


def events_digest(events: Events) -> str:
    """BLAKE2b digest of the event fields, column by column (padding bytes are not data and not preserved)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(str(EVENT_DTYPE.descr).encode())
    for name in EVENT_DTYPE.names or ():
        digest.update(np.ascontiguousarray(events[name]).tobytes())
    return digest.hexdigest()


def _canonical_meta(meta: Mapping[str, Any]) -> dict[str, Any]:
    """``meta`` as it reads back from JSON (non-JSON values as strings), so digests agree before and after."""
    loaded = json.loads(json.dumps(dict(meta), sort_keys=True, default=str))
    return loaded if isinstance(loaded, dict) else {}


def record_digest(events: Events, meta: Mapping[str, Any]) -> str:
    """BLAKE2b digest of the event columns and the (JSON) metadata together: what an events file records."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(events_digest(events).encode())
    digest.update(json.dumps(meta, sort_keys=True).encode())
    return digest.hexdigest()


def _check_events(events: Events) -> Events:
    if events.dtype != EVENT_DTYPE:
        raise TypeError(f"expected an EVENT_DTYPE array, got dtype {events.dtype}")
    return events


def save_events_npz(
    target: str | os.PathLike[str], events: Events, meta: Mapping[str, Any] | None = None, *, compress: bool = False
) -> Path:
    """Write ``events`` and ``meta`` to ``target`` (``.npz``) atomically; returns the path written."""
    _check_events(events)
    canonical = _canonical_meta(meta or {})
    record = {
        "version": EVENTS_FILE_VERSION,
        "rows": len(events),
        "digest": record_digest(events, canonical),
        "meta": canonical,
    }
    meta_bytes = np.frombuffer(json.dumps(record, sort_keys=True).encode(), dtype=np.uint8)
    destination = Path(target)
    with atomic_output(destination) as temporary, temporary.open("wb") as handle:
        saver = np.savez_compressed if compress else np.savez
        saver(handle, events=events, meta=meta_bytes)
    return destination


def is_events_npz(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a zip archive holding our ``events`` and ``meta`` members."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (OSError, zipfile.BadZipFile, NotImplementedError):
        return False
    return {f"{_EVENTS_KEY}.npy", f"{_META_KEY}.npy"} <= names


def load_events_npz(path: str | os.PathLike[str], *, check: bool = True) -> tuple[Events, dict[str, Any]]:
    """Events and metadata from an events ``.npz``; `DataError` if it is damaged, foreign or outdated.

    ``check=False`` leaves out the value checks (`check_values`) for a caller that runs them itself over the
    same rows (the stream checks of `hft_core.data.formats`); the digest is always verified."""
    source = Path(path)
    text = str(source)
    with read_errors_as(text, "damaged events file"), np.load(source, allow_pickle=False) as archive:
        if _EVENTS_KEY not in archive.files or _META_KEY not in archive.files:
            raise DataError(f"not an events file (members: {', '.join(archive.files) or 'none'})", path=text)
        events = archive[_EVENTS_KEY]
        meta_bytes: npt.NDArray[np.uint8] = archive[_META_KEY]
    record, meta = _file_record(meta_bytes.tobytes(), text, _META_KEY)
    if events.dtype != EVENT_DTYPE:
        raise DataError(f"events have dtype {events.dtype}, expected {EVENT_DTYPE}", path=text, field=_EVENTS_KEY)
    if len(events) != record.get("rows") or record_digest(events, meta) != record.get("digest"):
        raise DataError(
            "events or metadata do not match their recorded digest: the file is damaged or was edited",
            path=text,
            field=_EVENTS_KEY,
        )
    # np.load's dtype equals EVENT_DTYPE but lacks its "aligned" flag; compiled code must see the real one
    events = events.view(EVENT_DTYPE)
    if check:
        check_values(events, path=text)
    return events, meta


_DIGEST_ROWS = 1 << 20
"""Rows read at a time when a mapped events file's digest is checked (48 MiB)."""


def map_events(path: str | os.PathLike[str]) -> tuple[Events, dict[str, Any]]:
    """Events and metadata of an events file, the events as a read-only memory map where the file allows it.

    An ``.npz`` whose events are stored uncompressed (`save_events_npz`'s default) is mapped, so a replay of it
    streams from the file (`hft_core.venues.replay.ReplayVenue` gives each chunk's pages back as it goes); its
    recorded digest is checked by reading the file a block at a time, which leaves nothing resident. A compressed
    ``.npz`` or a ``.parquet`` file is loaded (`load_events`). Neither runs the value checks (`check_values`): the
    caller runs them over the rows it streams. `DataError` as `load_events_npz`.
    """
    source = Path(path)
    text = str(source)
    if source.suffix.lower() != ".npz":
        return load_events(source, check=False)
    try:
        with zipfile.ZipFile(source) as archive:
            member = archive.getinfo(f"{_EVENTS_KEY}.npy")
            stored = member.compress_type == zipfile.ZIP_STORED
            meta_bytes = archive.read(f"{_META_KEY}.npy") if stored else b""
        if not stored:
            return load_events_npz(source, check=False)
        with source.open("rb") as handle:
            stored_member_start(handle, member)
            header = read_npy_header(handle)
            if header is None:
                return load_events_npz(source, check=False)
            shape, fortran, dtype = header
            offset = handle.tell()
    except DataError:
        raise
    except FileNotFoundError as exc:
        raise DataError("file not found", path=text) from exc
    except UNREADABLE:
        return load_events_npz(source, check=False)  # (which names the damage)
    meta_array = np.load(io.BytesIO(meta_bytes), allow_pickle=False)
    record, meta = _file_record(np.asarray(meta_array, dtype=np.uint8).tobytes(), text, _META_KEY)
    if dtype != EVENT_DTYPE or fortran or len(shape) != 1:
        raise DataError(f"events have dtype {dtype}, expected {EVENT_DTYPE}", path=text, field=_EVENTS_KEY)
    rows = int(shape[0])
    if rows != record.get("rows") or offset + rows * EVENT_DTYPE.itemsize > source.stat().st_size:
        raise DataError(
            "events or metadata do not match their recorded digest: the file is damaged or was edited",
            path=text,
            field=_EVENTS_KEY,
        )
    if _file_record_digest(source, offset, rows, meta) != record.get("digest"):
        raise DataError(
            "events or metadata do not match their recorded digest: the file is damaged or was edited",
            path=text,
            field=_EVENTS_KEY,
        )
    if rows == 0:
        return np.zeros(0, dtype=EVENT_DTYPE), meta
    mapped = np.memmap(source, dtype=EVENT_DTYPE, mode="r", offset=offset, shape=(rows,))
    return mapped, meta


def _file_record_digest(source: Path, offset: int, rows: int, meta: Mapping[str, Any]) -> str:
    """`record_digest` of ``rows`` events stored at ``offset`` in ``source``, read a block at a time (one pass per
    column: the digest takes the columns one after the other)."""
    column_digest = hashlib.blake2b(digest_size=16)
    column_digest.update(str(EVENT_DTYPE.descr).encode())
    block = np.empty(min(rows, _DIGEST_ROWS), dtype=EVENT_DTYPE)
    with source.open("rb", buffering=0) as handle:
        for name in EVENT_DTYPE.names or ():
            handle.seek(offset)
            for first in range(0, rows, block.size):
                part = block[: min(block.size, rows - first)]
                view = part.view(np.uint8).data
                done = 0
                while done < len(view):
                    got = handle.readinto(view[done:])
                    if not got:
                        raise OSError("the file ended inside its events")
                    done += got
                column_digest.update(np.ascontiguousarray(part[name]).tobytes())
    digest = hashlib.blake2b(digest_size=16)
    digest.update(column_digest.hexdigest().encode())
    digest.update(json.dumps(meta, sort_keys=True).encode())
    return digest.hexdigest()


def _file_record(raw: bytes, text: str, field: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """An events file's stored record (version, rows, digest, meta) and its ``meta``, from the JSON bytes kept in
    ``field``: `DataError` when they do not decode, are of another version, or hold no ``meta`` object."""
    try:
        record = json.loads(raw.decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"damaged events file metadata: {exc}", path=text, field=field) from exc
    _check_version(record, text)
    meta = record.get("meta")
    if not isinstance(meta, dict):
        raise DataError("damaged events file metadata: 'meta' is not an object", path=text, field=field)
    return record, meta


def _check_version(record: Any, text: str) -> None:
    if not isinstance(record, dict) or record.get("version") != EVENTS_FILE_VERSION:
        found = record.get("version") if isinstance(record, dict) else None
        raise DataError(
            f"events file version {found!r} is not the supported {EVENTS_FILE_VERSION}; convert the source "
            "again with 'hft data convert'",
            path=text,
            field="version",
        )


def save_events_parquet(target: str | os.PathLike[str], events: Events, meta: Mapping[str, Any] | None = None) -> Path:
    """Write ``events`` as a Parquet table (one column per field; ``meta`` as schema metadata), atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    _check_events(events)
    table = pa.table({name: np.ascontiguousarray(events[name]) for name in EVENT_DTYPE.names or ()})
    canonical = _canonical_meta(meta or {})
    record = {"version": EVENTS_FILE_VERSION, "digest": record_digest(events, canonical), "meta": canonical}
    table = table.replace_schema_metadata({b"hft_events": json.dumps(record, sort_keys=True).encode()})
    destination = Path(target)
    with atomic_output(destination) as temporary:
        pq.write_table(table, temporary)
    return destination


def load_events_parquet(path: str | os.PathLike[str], *, check: bool = True) -> tuple[Events, dict[str, Any]]:
    """Events and metadata from a Parquet file with our columns (metadata is optional); ``check`` as for
    `load_events_npz`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = Path(path)
    text = str(source)
    try:
        table = pq.read_table(source)
        column_names = table.column_names
        schema_metadata = table.schema.metadata or {}
    except FileNotFoundError as exc:
        raise DataError("file not found", path=text) from exc
    except (OSError, pa.ArrowException, UnicodeDecodeError) as exc:
        raise DataError(f"damaged or unreadable Parquet file: {exc}", path=text) from exc
    names = EVENT_DTYPE.names or ()
    missing = [name for name in names if name not in column_names]
    if missing:
        raise DataError(f"missing column(s) {', '.join(missing)}", path=text, field=missing[0])
    events = np.zeros(table.num_rows, dtype=EVENT_DTYPE)
    for name in names:
        column = table.column(name)
        if column.null_count:
            raise DataError(f"{column.null_count} null value(s)", path=text, field=name)
        values = column.to_numpy()
        if not np.can_cast(values.dtype, EVENT_DTYPE[name], casting="safe"):
            raise DataError(f"column type {values.dtype} does not fit {EVENT_DTYPE[name]}", path=text, field=name)
        events[name] = values
    raw_meta = schema_metadata.get(b"hft_events")
    meta: dict[str, Any] = {}
    if raw_meta:
        record, meta = _file_record(raw_meta, text, "hft_events")
        if record_digest(events, meta) != record.get("digest"):
            raise DataError(
                "events or metadata do not match their recorded digest: the file is damaged or was edited",
                path=text,
                field="hft_events",
            )
    if check:
        check_values(events, path=text)
    return events, meta


def save_events(target: str | os.PathLike[str], events: Events, meta: Mapping[str, Any] | None = None) -> Path:
    """Write an events file; the suffix picks the form (``.npz`` or ``.parquet``)."""
    suffix = Path(target).suffix.lower()
    if suffix == ".npz":
        return save_events_npz(target, events, meta)
    if suffix in (".parquet", ".pq"):
        return save_events_parquet(target, events, meta)
    raise DataError(f"unknown events file type {suffix!r}: use .npz or .parquet", path=str(target))


def load_events(path: str | os.PathLike[str], *, check: bool = True) -> tuple[Events, dict[str, Any]]:
    """Read an events file written by `save_events` (or any Parquet file with our columns); ``check`` as for
    `load_events_npz`."""
    suffix = Path(path).suffix.lower()
    if suffix in (".parquet", ".pq"):
        return load_events_parquet(path, check=check)
    return load_events_npz(path, check=check)


def load_events_meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    """An events file's metadata alone (its recorded instrument, ...), without reading the events.

    Not verified against the digest here: that needs the events, and `load_events` checks both together when the
    file is loaded (so a replay that takes its instrument from here still refuses an edited file)."""
    source = Path(path)
    text = str(source)
    if source.suffix.lower() in (".parquet", ".pq"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            raw = (pq.read_schema(source).metadata or {}).get(b"hft_events")
        except FileNotFoundError as exc:
            raise DataError("file not found", path=text) from exc
        except (OSError, pa.ArrowException) as exc:
            raise DataError(f"damaged or unreadable Parquet file: {exc}", path=text) from exc
        if not raw:
            return {}
        field = "hft_events"
    else:
        with read_errors_as(text, "damaged events file"), np.load(source, allow_pickle=False) as archive:
            if _META_KEY not in archive.files:
                raise DataError(f"not an events file (members: {', '.join(archive.files) or 'none'})", path=text)
            raw = archive[_META_KEY].tobytes()
        field = _META_KEY
    return _file_record(raw, text, field)[1]
