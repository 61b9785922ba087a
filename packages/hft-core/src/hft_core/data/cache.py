"""A disk cache of converted market data, so parsing a raw capture happens once.

An entry is an events ``.npz`` (see `hft_core.data.eventfile`) named after the source and a key that hashes the
source's content (BLAKE2b over the bytes, ~1 GB/s: a few ms for a day's capture), the format, the loader options
(the instrument included) and the cache/file versions. Any change to the source's bytes or the options therefore
misses and reconverts, even an edit that keeps the file's size and modification time. An entry that
fails to load or whose digest does not match is logged, deleted and rebuilt: the cache is never trusted blindly.

The cache lives in ``$HFT_CACHE_DIR``, else ``$XDG_CACHE_HOME/hft-patterns/data``, else
``~/.cache/hft-patterns/data``.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hft_core.data.eventfile import EVENTS_FILE_VERSION, load_events_npz, save_events_npz
from hft_core.errors import DataError
from hft_core.events import Events

__all__ = [
    "CACHE_VERSION",
    "CachedEvents",
    "cache_key",
    "cache_path_for",
    "clear_cache",
    "content_digest",
    "default_cache_dir",
    "load_cached",
]

log = logging.getLogger(__name__)

CACHE_VERSION = 2
"""Bumped when a loader's output changes for the same input, so old entries stop matching.

2: keyed on content; stats carry the stream checks (``book_checks``)."""

_HASH_BLOCK = 1 << 20

Loader = Callable[[], tuple[Events, Mapping[str, Any]]]
"""Produces the events and the loader's stats (JSON-able) on a cache miss."""


@dataclass(frozen=True, slots=True)
class CachedEvents:
    """Events from the cache or a fresh load, with the loader's stats and where the entry lives."""

    events: Events
    stats: dict[str, Any]
    hit: bool
    path: Path


def default_cache_dir() -> Path:
    """``$HFT_CACHE_DIR``, else ``$XDG_CACHE_HOME/hft-patterns/data``, else ``~/.cache/hft-patterns/data``."""
    explicit = os.environ.get("HFT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "hft-patterns" / "data"


def _canonical(value: Any) -> Any:
    """A JSON-stable form of option values (dataclasses such as `Instrument`, paths, enums, tuples)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # (private fields are derived from the public ones, like an instrument's decimal scales)
        public = {k: v for k, v in dataclasses.asdict(value).items() if not k.startswith("_")}
        return {"__type__": type(value).__name__, **{k: _canonical(v) for k, v in public.items()}}
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda item: str(item[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, enum.Enum):
        return _canonical(value.value)
    if isinstance(value, os.PathLike):
        return str(Path(value).resolve())
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def content_digest(source: str | os.PathLike[str]) -> str:
    """BLAKE2b of the file's bytes (hex); `DataError` if it cannot be read."""
    digest = hashlib.blake2b(digest_size=20)
    try:
        with Path(source).open("rb") as handle:
            while block := handle.read(_HASH_BLOCK):
                digest.update(block)
    except FileNotFoundError as exc:
        raise DataError("file not found", path=str(source)) from exc
    except OSError as exc:
        raise DataError(f"cannot read the file: {exc}", path=str(source)) from exc
    return digest.hexdigest()


def cache_key(source: str | os.PathLike[str], format_name: str, options: Mapping[str, Any]) -> str:
    """The hex key of ``source`` converted by ``format_name`` with ``options`` (see the module doc)."""
    payload = {
        "content": content_digest(source),
        "format": format_name,
        "options": _canonical(options),
        "cache_version": CACHE_VERSION,
        "file_version": EVENTS_FILE_VERSION,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]


def cache_path_for(
    source: str | os.PathLike[str],
    format_name: str,
    options: Mapping[str, Any],
    cache_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Where the cache entry for this source, format and options lives (whether or not it exists)."""
    directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(source).name)[:80]
    return directory / f"{readable}.{format_name}.{cache_key(source, format_name, options)}.npz"


def load_cached(
    source: str | os.PathLike[str],
    format_name: str,
    loader: Loader,
    *,
    options: Mapping[str, Any] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    refresh: bool = False,
) -> CachedEvents:
    """The events of ``source``: from the cache when a valid entry exists, else from ``loader`` (then cached).

    ``options`` must describe everything that changes the loader's output (they are part of the key).
    ``refresh`` ignores any existing entry and rewrites it.
    """
    options = dict(options or {})
    entry = cache_path_for(source, format_name, options, cache_dir)
    if entry.exists() and not refresh:
        try:
            events, meta = load_events_npz(entry)
        except DataError as exc:
            log.warning("discarding damaged cache entry %s: %s", entry, exc)
            entry.unlink(missing_ok=True)
        else:
            if meta.get("key") == entry.stem.rsplit(".", 1)[-1]:
                stats = meta.get("stats")
                return CachedEvents(events, stats if isinstance(stats, dict) else {}, True, entry)
            log.warning("discarding cache entry %s: its recorded key does not match", entry)
            entry.unlink(missing_ok=True)

    events, stats = loader()
    meta = {
        "key": entry.stem.rsplit(".", 1)[-1],
        "source": str(Path(source).resolve()),
        "format": format_name,
        "options": _canonical(options),
        "stats": _canonical(dict(stats)),
    }
    try:
        save_events_npz(entry, events, meta)
    except OSError as exc:
        # A read-only or full cache directory must not fail the load itself.
        log.warning("could not write cache entry %s: %s", entry, exc)
    return CachedEvents(events, dict(meta["stats"]), False, entry)


def clear_cache(cache_dir: str | os.PathLike[str] | None = None) -> int:
    """Delete every cache entry (and leftover partial writes) in ``cache_dir``; returns how many files went."""
    directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    if not directory.is_dir():
        return 0
    removed = 0
    for path in directory.iterdir():
        if path.is_file() and (path.suffix == ".npz" or path.name.endswith(".partial.npz")):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
