"""Converted-data cache and events files: hits, misses on change, damaged entries rebuilt, atomic writes."""

from __future__ import annotations

import logging
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hft_core.data.cache import cache_path_for, clear_cache, default_cache_dir, load_cached
from hft_core.data.eventfile import (
    load_events,
    load_events_npz,
    save_events,
    save_events_npz,
    save_events_parquet,
)
from hft_core.errors import DataError
from hft_core.events import EVENT_DTYPE, EventKind, Events, empty_events
from hft_core.instruments import Instrument


def _events(count: int = 50) -> Events:
    events = empty_events(count)
    events["exch_ts"] = np.arange(count) * 1_000 + 5
    events["local_ts"] = np.arange(count) * 1_000 + 9
    events["price"] = 10_000 + np.arange(count) % 7
    events["qty"] = 1 + np.arange(count) % 3
    events["kind"] = EventKind.DEPTH
    events["side"] = np.where(np.arange(count) % 2, 1, -1)
    return events


class _CountingLoader:
    def __init__(self, events: Events) -> None:
        self.events = events
        self.calls = 0

    def __call__(self) -> tuple[Events, Mapping[str, Any]]:
        self.calls += 1
        return self.events, {"gaps": 1, "gap_positions": [{"line": 3}]}


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "capture.txt"
    path.write_text("raw data\n")
    return path


def test_second_load_is_a_hit_with_the_same_events_and_stats(source: Path, tmp_path: Path) -> None:
    loader = _CountingLoader(_events())
    first = load_cached(source, "demo", loader, options={"chunk": 5}, cache_dir=tmp_path / "cache")
    second = load_cached(source, "demo", loader, options={"chunk": 5}, cache_dir=tmp_path / "cache")
    assert (first.hit, second.hit, loader.calls) == (False, True, 1)
    assert np.array_equal(second.events, loader.events)
    assert second.stats == {"gaps": 1, "gap_positions": [{"line": 3}]}
    assert second.path == first.path and first.path.parent == tmp_path / "cache"


def test_source_change_or_other_options_miss(source: Path, tmp_path: Path) -> None:
    loader = _CountingLoader(_events())
    cache = tmp_path / "cache"
    instrument = Instrument("X", 0.01, 1)
    load_cached(source, "demo", loader, options={"instrument": instrument}, cache_dir=cache)
    load_cached(source, "demo", loader, options={"instrument": Instrument("X", 0.5, 1)}, cache_dir=cache)
    load_cached(source, "other", loader, options={"instrument": instrument}, cache_dir=cache)
    assert loader.calls == 3
    source.write_text("raw data, appended\n")
    assert not load_cached(source, "demo", loader, options={"instrument": instrument}, cache_dir=cache).hit
    stat = source.stat()
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    # keyed on content: a touch that changes no byte still hits
    assert load_cached(source, "demo", loader, options={"instrument": instrument}, cache_dir=cache).hit


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip-event-bytes", "foreign"])
def test_damaged_entry_is_detected_and_rebuilt(
    source: Path, tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    loader = _CountingLoader(_events())
    cache = tmp_path / "cache"
    entry = load_cached(source, "demo", loader, cache_dir=cache).path
    content = entry.read_bytes()
    if damage == "truncate":
        entry.write_bytes(content[: len(content) // 2])
    elif damage == "garbage":
        entry.write_bytes(b"not a zip at all")
    elif damage == "flip-event-bytes":
        # Rewrite the archive with one changed event but the old metadata (its digest no longer matches).
        with np.load(entry) as archive:
            events, meta = archive["events"].copy(), archive["meta"].copy()
        events["qty"][7] += 1
        with entry.open("wb") as handle:
            np.savez(handle, events=events, meta=meta)
    else:
        np.savez(entry, data=np.zeros(3))
    with caplog.at_level(logging.WARNING, logger="hft_core.data.cache"):
        again = load_cached(source, "demo", loader, cache_dir=cache)
    assert (again.hit, loader.calls) == (False, 2)
    assert "discarding damaged cache entry" in caplog.text
    assert np.array_equal(load_events_npz(entry)[0], loader.events)


def test_loaded_events_carry_event_dtype_itself(tmp_path: Path) -> None:
    # np.load alone would give an equal dtype without the aligned flag, which compiled code types apart
    path = save_events_npz(tmp_path / "events.npz", _events())
    events, _ = load_events_npz(path)
    assert events.dtype is EVENT_DTYPE and np.array_equal(events, _events())


def test_cache_dir_from_environment_and_clearing(source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HFT_CACHE_DIR", str(tmp_path / "env-cache"))
    assert default_cache_dir() == tmp_path / "env-cache"
    loader = _CountingLoader(_events())
    entry = load_cached(source, "demo", loader).path
    assert entry == cache_path_for(source, "demo", {}) and entry.exists()
    assert clear_cache() == 1 and not entry.exists()


def test_unwritable_cache_still_returns_the_events(source: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    loaded = load_cached(source, "demo", _CountingLoader(_events()), cache_dir=blocker)
    assert not loaded.hit and len(loaded.events) == 50


# -- events files -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".npz", ".parquet"])
def test_events_file_round_trip(tmp_path: Path, suffix: str) -> None:
    events = _events()
    path = save_events(tmp_path / f"events{suffix}", events, {"source": "x", "stats": {"gaps": 2}})
    loaded, meta = load_events(path)
    assert np.array_equal(loaded, events)
    assert meta == {"source": "x", "stats": {"gaps": 2}}


def test_failed_write_leaves_the_existing_file_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "events.npz"
    save_events_npz(target, _events(10))
    before = target.read_bytes()

    def broken_savez(handle: Any, **arrays: Any) -> None:
        handle.write(b"PK half written")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        save_events_npz(target, _events(20))
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["events.npz"], "no partial file may remain"


def test_parquet_with_missing_column_or_nulls(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "foreign.parquet"
    pq.write_table(pa.table({"exch_ts": [1, 2]}), path)
    with pytest.raises(DataError, match="missing column") as error:
        load_events(path)
    assert error.value.field == "local_ts"
    good = save_events_parquet(tmp_path / "good.parquet", _events(3))
    table = pq.read_table(good)
    table = table.set_column(table.column_names.index("qty"), "qty", pa.array([1, None, 3], type=pa.int64()))
    pq.write_table(table, path)
    with pytest.raises(DataError, match="null") as error:
        load_events(path)
    assert error.value.field == "qty"


def test_npz_without_our_members_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    np.savez(path, data=np.zeros(2))
    with pytest.raises(DataError, match="not an events file"):
        load_events_npz(path)
    assert zipfile.is_zipfile(path)
