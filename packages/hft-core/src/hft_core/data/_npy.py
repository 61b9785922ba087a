"""``.npy`` arrays inside ``.npz`` archives read without zipfile's copies: where a stored (uncompressed) member's
bytes begin, and the ``.npy`` header in front of an array's data. Used by the events file's memory map
(`hft_core.data.eventfile.map_events`) and the hftbacktest reader's chunked stream."""

from __future__ import annotations

import zipfile
from typing import IO, Any

import numpy as np

__all__ = ["read_npy_header", "stored_member_start"]

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
