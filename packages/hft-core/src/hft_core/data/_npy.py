"""Reading ``.npy``/``.npz`` files: what their damage raises, named once (`read_errors_as`), and, without
zipfile's copies, where a stored (uncompressed) member's bytes begin and the ``.npy`` header in front of an array's
data. Used by the events files (`hft_core.data.eventfile`) and the hftbacktest reader."""

from __future__ import annotations

import contextlib
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Any

import numpy as np

from hft_core.errors import DataError

__all__ = ["UNREADABLE", "read_errors_as", "read_npy_header", "stored_member_start"]

UNREADABLE = (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError, NotImplementedError, zlib.error)
"""What numpy and zipfile raise on a damaged ``.npy``/``.npz`` file (a damaged zip directory can name a compression
method zipfile does not know: ``NotImplementedError``)."""


@contextlib.contextmanager
def read_errors_as(text: str, damaged: str) -> Iterator[None]:
    """Inside, a missing file is `DataError` "file not found" and a damaged one `DataError` "<damaged>: <why>", both
    naming ``text``; a `DataError` raised inside passes as it is."""
    try:
        yield
    except DataError:
        raise
    except FileNotFoundError as exc:
        raise DataError("file not found", path=text) from exc
    except UNREADABLE as exc:
        raise DataError(f"{damaged}: {exc}", path=text) from exc


_LOCAL_HEADER = 30
"""Bytes of a zip local file header before its name and extra field."""


def stored_member_start(raw: IO[bytes], info: zipfile.ZipInfo) -> int:
    """The offset in ``raw`` (the archive file) where member ``info``'s data begins, from its local header; ``raw``
    is left there. `zipfile.BadZipFile` where no local header is found."""
    raw.seek(info.header_offset)
    header = raw.read(_LOCAL_HEADER)
    if len(header) != _LOCAL_HEADER or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local file header for {info.filename!r}")
    name_length = int.from_bytes(header[26:28], "little")
    extra_length = int.from_bytes(header[28:30], "little")
    start = info.header_offset + _LOCAL_HEADER + name_length + extra_length
    raw.seek(start)
    return start


def read_npy_header(handle: Any) -> tuple[tuple[int, ...], bool, np.dtype[Any]] | None:
    """(shape, Fortran order, dtype) of the ``.npy`` header at ``handle``'s position, which is left at the array's
    data; None for a format version other than 1.0 and 2.0."""
    version = np.lib.format.read_magic(handle)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(handle)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(handle)
    return None
