"""The hftbacktest loader reads a chunk at a time: same events, stats, grid and errors as converting the whole array."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hft_core.data.grids import infer_float_grid
from hft_core.data.hftbacktest_npz import (
    EXCH_EVENT,
    HFTBACKTEST_EVENT_DTYPE,
    LOCAL_EVENT,
    HftbacktestStats,
    from_hftbacktest,
    infer_hftbacktest_grid,
    iter_hftbacktest_npz,
    load_hftbacktest_array,
    read_hftbacktest_npz,
    to_hftbacktest,
)
from hft_core.errors import DataError
from hft_core.events import BUY, SELL, EventKind, empty_events
from hft_core.instruments import Instrument

INSTRUMENT = Instrument("SYN", tick_size=0.01, lot_size=0.001)


def _array(n: int = 700, seed: int = 3) -> np.ndarray:
    """An hftbacktest array with clears, trades, depth rows and exchange-only copies (exchange time jitters)."""
    rng = np.random.default_rng(seed)
    events = empty_events(n)
    local = 1_000 + np.cumsum(rng.integers(1, 50, n))
    events["local_ts"] = local
    events["exch_ts"] = local - rng.integers(0, 80, n)
    kinds = rng.choice([int(EventKind.DEPTH), int(EventKind.TRADE), int(EventKind.CLEAR)], n, p=[0.8, 0.15, 0.05])
    events["kind"] = kinds
    events["side"] = np.where(rng.random(n) < 0.5, BUY, SELL)
    events["price"] = np.where(kinds == int(EventKind.CLEAR), 0, 100_000 + rng.integers(-50, 50, n))
    events["qty"] = np.where(kinds == int(EventKind.CLEAR), 0, rng.integers(1, 9_000, n))
    data = to_hftbacktest(events, INSTRUMENT)
    flags = data["ev"]
    assert ((flags & EXCH_EVENT != 0) & (flags & LOCAL_EVENT == 0)).any()  # copies to drop are there
    return data


def _whole(data: np.ndarray) -> tuple[np.ndarray, HftbacktestStats]:
    stats = HftbacktestStats()
    return from_hftbacktest(data, INSTRUMENT, stats=stats), stats


def _write(kind: str, directory: Path, data: np.ndarray) -> Path:
    if kind == "npy":
        path = directory / "x.npy"
        np.save(path, data)
    else:
        path = directory / "x.npz"
        if kind == "other-name":
            np.savez(path, events=data)
        elif kind == "compressed":
            np.savez_compressed(path, data=data)
        else:
            np.savez(path, data=data)
    return path


@pytest.mark.parametrize("kind", ["stored", "compressed", "npy", "other-name"])
@pytest.mark.parametrize("chunk_size", [1, 7, 256, 100_000])
def test_chunked_read_equals_whole_array_conversion(tmp_path: Path, kind: str, chunk_size: int) -> None:
    data = _array()
    path = _write(kind, tmp_path, data)
    expected, expected_stats = _whole(data)
    events, stats = read_hftbacktest_npz(path, INSTRUMENT, chunk_size=chunk_size)
    assert events.dtype == expected.dtype and events.flags.owndata and events.flags.c_contiguous
    assert events.tobytes() == expected.tobytes()
    assert stats == expected_stats and stats.exchange_only_dropped > 0
    chunks = list(iter_hftbacktest_npz(path, INSTRUMENT, chunk_size=chunk_size))
    assert np.array_equal(np.concatenate(chunks), expected)  # (concatenate leaves the padding bytes unset)
    assert all(len(chunk) <= chunk_size for chunk in chunks)


def test_fields_in_another_order_and_wider_types_read_by_name(tmp_path: Path) -> None:
    data = _array(200)
    names = list(HFTBACKTEST_EVENT_DTYPE.names or ())[::-1]
    layout = np.dtype([(name, np.int32 if name == "ival" else HFTBACKTEST_EVENT_DTYPE[name]) for name in names])
    shuffled = np.zeros(len(data), dtype=layout)
    for name in names:
        shuffled[name] = data[name]
    path = tmp_path / "x.npz"
    np.savez(path, data=shuffled)
    events, _ = read_hftbacktest_npz(path, INSTRUMENT, chunk_size=33)
    assert events.tobytes() == _whole(data)[0].tobytes()


def test_empty_array_and_unknown_layout(tmp_path: Path) -> None:
    np.savez(tmp_path / "empty.npz", data=np.zeros(0, dtype=HFTBACKTEST_EVENT_DTYPE))
    events, stats = read_hftbacktest_npz(tmp_path / "empty.npz", INSTRUMENT)
    assert len(events) == 0 and stats.rows == 0
    np.savez(tmp_path / "foreign.npz", data=np.zeros(3, dtype=[("ev", np.uint64), ("px", np.float64)]))
    with pytest.raises(DataError, match="missing field"):
        read_hftbacktest_npz(tmp_path / "foreign.npz", INSTRUMENT)


@pytest.mark.parametrize("kind", ["npy", "stored"])
def test_array_cut_short_is_a_damaged_file(tmp_path: Path, kind: str) -> None:
    path = _write(kind, tmp_path, _array())
    content = path.read_bytes()
    if kind == "npy":
        path.write_bytes(content[:-1000])
    else:  # flip bytes inside the stored member's data: the zip's CRC check catches it at the member's end
        middle = len(content) // 2
        flipped = bytes(255 - b for b in content[middle : middle + 8])
        path.write_bytes(content[:middle] + flipped + content[middle + 8 :])
    with pytest.raises(DataError, match="damaged or unreadable"):
        read_hftbacktest_npz(path, INSTRUMENT, chunk_size=64)


def test_inferred_grid_matches_inference_over_the_whole_array(tmp_path: Path) -> None:
    data = _array(3_000)
    path = _write("stored", tmp_path, data)
    flags = data["ev"]
    kept = data[((flags & EXCH_EVENT == 0) | (flags & LOCAL_EVENT != 0)) & ((flags & 0xFF) != 3)]
    expected = infer_float_grid(kept["px"], kept["qty"], path=str(path), hint="h")
    assert infer_hftbacktest_grid(path) == expected
    assert expected.tick.step == 0.01 and expected.lot.step == 0.001
    assert np.array_equal(load_hftbacktest_array(path), data)
