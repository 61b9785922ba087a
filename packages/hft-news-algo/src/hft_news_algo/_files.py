"""Reading the small CSV files the user names (word lists, alias tables): regular files of bounded size only."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hft_core import ConfigError

__all__ = ["MAX_TABLE_BYTES", "read_csv_rows"]

MAX_TABLE_BYTES = 64 * 1024 * 1024
"""Far above a word list's size (the Loughran–McDonald master dictionary is about 9 MB)."""


def read_csv_rows(path: Path, what: str) -> list[list[str]]:
    """Every row of the CSV at ``path``; a device, pipe, directory, oversized or non-UTF-8 file is a `ConfigError`
    naming ``what`` (e.g. ``word list``): /dev/zero must not hang a run."""
    if not path.is_file():
        kind = "no such file" if not path.exists() else "not a regular file"
        raise ConfigError(f"{what} {path}: {kind}")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_TABLE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{what} {path}: cannot read it: {exc.strerror or exc}") from None
    if len(data) > MAX_TABLE_BYTES:
        raise ConfigError(f"{what} {path}: larger than {MAX_TABLE_BYTES // 2**20} MiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{what} {path}: not UTF-8 text: {exc}") from None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ConfigError(f"{what} {path}: malformed CSV: {exc}") from None
