"""Reading events files without wasted passes: the metadata alone, chunks joined back as a view, digest still kept."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hft_core.data.eventfile import load_events, load_events_meta, save_events
from hft_core.errors import DataError
from hft_core.events import EVENT_DTYPE, EventKind, concat_chunks, empty_events, iter_chunks
from hft_core.venues.recorded import load_recorded

T0 = 1_700_000_000_000_000_000


def _events(n: int = 1000) -> np.ndarray:
    events = empty_events(n)
    events["exch_ts"] = events["local_ts"] = T0 + np.arange(n) * 1_000
    events["kind"] = EventKind.DEPTH
    events["side"] = np.where(np.arange(n) % 2, 1, -1)
    events["price"] = np.where(events["side"] > 0, 100 - np.arange(n) % 5, 110 + np.arange(n) % 5)
    events["qty"] = 1 + np.arange(n) % 7
    return events


def test_consecutive_chunks_join_back_as_a_view_and_others_as_a_copy() -> None:
    events = _events()
    joined = concat_chunks(iter_chunks(events, 64))
    assert np.shares_memory(joined, events) and np.array_equal(joined, events)
    assert joined.dtype == EVENT_DTYPE and joined.dtype.isalignedstruct
    parts = list(iter_chunks(events, 64))
    shuffled = concat_chunks([parts[1], parts[0], *parts[2:]])
    assert not np.shares_memory(shuffled, events)
    assert np.array_equal(shuffled, np.concatenate([parts[1], parts[0], *parts[2:]]))
    gap = concat_chunks([parts[0], parts[2]])
    assert not np.shares_memory(gap, events) and len(gap) == 128


@pytest.mark.parametrize("suffix", [".npz", ".parquet"])
def test_the_metadata_alone_is_the_files(tmp_path: Path, suffix: str) -> None:
    path = save_events(tmp_path / f"e{suffix}", _events(), {"instrument": {"symbol": "XYZ"}, "n": 3})
    assert load_events_meta(path) == load_events(path)[1] == {"instrument": {"symbol": "XYZ"}, "n": 3}


def test_an_edited_file_is_still_refused_when_its_instrument_came_from_the_metadata(tmp_path: Path) -> None:
    from hft_core.data.instrument_spec import SPEC_KEY

    spec = {"symbol": "XYZ", "tick_size": 0.01, "lot_size": 1.0}
    path = save_events(tmp_path / "e.npz", _events(), {SPEC_KEY: spec})
    with zipfile.ZipFile(path) as archive:
        assert set(archive.namelist()) == {"events.npy", "meta.npy"}
    # rewrite the metadata member with another tick size (every price rescaled if it were believed)
    meta = np.load(path)["meta"]
    record = json.loads(meta.tobytes().decode())
    record["meta"][SPEC_KEY]["tick_size"] = 0.1
    edited = np.frombuffer(json.dumps(record, sort_keys=True).encode(), dtype=np.uint8)
    target = tmp_path / "edited.npz"
    np.savez(target, events=np.load(path)["events"], meta=edited)
    assert load_events_meta(target)[SPEC_KEY]["tick_size"] == 0.1
    with pytest.raises(DataError, match="do not match their recorded digest"):
        load_recorded([target])
