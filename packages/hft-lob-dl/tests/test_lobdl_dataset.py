"""Snapshots from events, labels, the leak-free split, normalisation on the training span, the memory map, and the
FI-2010 reader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hft_core.events import EVENT_DTYPE
from hft_lob_dl.book import snapshots_from_events, synthetic_snapshots
from hft_lob_dl.dataset import build_dataset, leaking_samples, smoothed_labels, time_split
from hft_lob_dl.errors import LobDataError
from hft_lob_dl.fi2010 import read_fi2010

DEPTH, TRADE, CLEAR, ADD, CANCEL, FILL = 1, 2, 3, 5, 6, 8


def _events(rows: list[tuple[int, int, int, int, int]]) -> np.ndarray:
    """(local_ts, kind, side, price, qty) rows as hft-core events of instrument 0."""
    out = np.zeros(len(rows), EVENT_DTYPE)
    for i, (ts, kind, side, price, qty) in enumerate(rows):
        out[i] = (ts, ts, price, qty, i if kind >= ADD else 0, 0, kind, side)
    return out


def test_event_time_snapshots_track_the_top_levels_and_pad_thin_sides() -> None:
    events = _events(
        [
            (10, DEPTH, 1, 100, 5),
            (10, DEPTH, 1, 99, 7),
            (10, DEPTH, -1, 102, 3),
            (20, DEPTH, -1, 101, 4),  # new best ask
            (30, TRADE, 1, 101, 1),  # trades do not change the book
            (40, DEPTH, 1, 100, 0),  # best bid level removed
        ]
    )
    snaps = snapshots_from_events(events, levels=3)
    assert snaps.ts.tolist() == [10, 20, 40]
    assert snaps.ask_px.tolist() == [[102, 103, 104], [101, 102, 103], [101, 102, 103]]
    assert snaps.ask_qty.tolist() == [[3, 0, 0], [4, 3, 0], [4, 3, 0]]
    assert snaps.bid_px.tolist() == [[100, 99, 98], [100, 99, 98], [99, 98, 97]]
    assert snaps.bid_qty.tolist() == [[5, 7, 0], [5, 7, 0], [7, 0, 0]]


def test_clock_time_snapshots_show_the_book_as_of_each_instant() -> None:
    ms = 1_000_000
    events = _events(
        [(0, DEPTH, 1, 100, 5), (0, DEPTH, -1, 101, 5), (250 * ms, DEPTH, 1, 100, 9), (260 * ms, CLEAR, -1, 0, 0)]
    )
    events = np.concatenate([events, _events([(300 * ms, DEPTH, -1, 102, 1), (1000 * ms, DEPTH, 1, 100, 1)])])
    snaps = snapshots_from_events(events, levels=1, sampling="clock", interval_ms=100)
    # 100 ms and 200 ms: first book; 300 ms: the ask side was cleared at 260 ms and refilled at exactly 300 ms
    assert snaps.ts.tolist() == [k * 100 * ms for k in range(1, 10)]
    assert snaps.bid_qty[:, 0].tolist() == [5, 5] + [9] * 7
    assert snaps.ask_px[:, 0].tolist() == [101, 101] + [102] * 7


def test_l3_only_sources_are_aggregated_by_price() -> None:
    events = _events(
        [
            (1, ADD, 1, 100, 5),
            (1, ADD, 1, 100, 2),
            (1, ADD, -1, 101, 4),
            (2, CANCEL, 1, 100, 5),
            (3, FILL, -1, 101, 4),
            (3, ADD, -1, 103, 1),
        ]
    )
    snaps = snapshots_from_events(events, levels=2)
    assert snaps.bid_qty[:, 0].tolist() == [7, 2, 2]
    assert snaps.ask_px[:, 0].tolist() == [101, 101, 103]


def test_a_file_without_depth_levels_is_refused_by_name() -> None:
    trades = _events([(1, TRADE, 1, 100, 1), (2, TRADE, -1, 100, 1)])
    with pytest.raises(LobDataError, match=r"trades\.npz: no order-book depth levels") as caught:
        snapshots_from_events(trades, source="trades.npz")
    assert caught.value.exit_code == 2


def test_labels_forward_and_smoothed() -> None:
    mid = np.array([100, 100, 101, 102, 102, 101, 100, 100, 100], dtype=np.float64)
    forward = smoothed_labels(mid, 2, 0.0, "forward")
    smoothed = smoothed_labels(mid, 2, 0.0, "smoothed")
    # t=1: next two mids 101, 102 vs 100 now -> up; smoothed: mean(101,102) vs mean(100,100) -> up
    assert forward.tolist() == [-1, 2, 2, 0, 0, 0, 1, -1, -1]
    assert smoothed.tolist() == [-1, 2, 2, 1, 0, 0, 0, -1, -1]
    # a threshold above the relative moves makes everything stationary
    assert set(smoothed_labels(mid, 2, 0.05)[1:7].tolist()) == {1}


def test_time_split_is_ordered_with_a_gap_and_a_shuffled_split_leaks() -> None:
    window, horizon = 10, 5
    ends = np.arange(window - 1, 2000 - horizon)
    split = time_split(ends, window=window, horizon=horizon)
    assert split.train[-1] < split.val[0] < split.val[-1] < split.test[0]
    assert split.val[0] - split.train[-1] >= window + horizon
    assert split.test[0] - split.val[-1] >= window + horizon
    assert leaking_samples(split.train, split.val, window=window, horizon=horizon) == 0
    assert leaking_samples(split.train, split.test, window=window, horizon=horizon) == 0
    shuffled = np.random.default_rng(0).permutation(ends)
    n = len(shuffled)
    train, test = shuffled[: int(0.7 * n)], shuffled[int(0.85 * n) :]
    assert leaking_samples(train, test, window=window, horizon=horizon) > 0.9 * len(test)
    # one snapshot less of gap and the boundary samples share a row
    assert leaking_samples(np.array([100]), np.array([100 + window + horizon - 1]), window=window, horizon=horizon) == 1
    assert leaking_samples(np.array([100]), np.array([100 + window + horizon]), window=window, horizon=horizon) == 0


def test_normalisation_is_fitted_on_the_training_span_only() -> None:
    snaps = synthetic_snapshots(3000, seed=1)
    data = build_dataset(snaps, window=20, horizon=10, threshold=0.0)
    later = data.split.train[-1] + 1
    changed = snaps.slice(0, len(snaps))
    changed.ask_qty[later:] *= 100  # the future changes beyond recognition
    changed.bid_qty[later:] *= 100
    again = build_dataset(changed, window=20, horizon=10, threshold=0.0)
    assert again.normaliser == data.normaliser
    windows = data.windows(data.split.train)
    assert abs(float(windows.mean())) < 0.5 and 0.5 < float(windows.std()) < 2.0


def test_memory_mapped_features_equal_in_memory_ones(tmp_path: Path) -> None:
    snaps = synthetic_snapshots(2000, seed=2)
    in_memory = build_dataset(snaps, window=20, horizon=10)
    mapped = build_dataset(snaps, window=20, horizon=10, directory=tmp_path)
    assert isinstance(mapped.features, np.memmap)
    assert (tmp_path / "features.f32").stat().st_size == len(snaps) * 40 * 4
    ends = mapped.split.test[:50]
    assert np.array_equal(mapped.windows(ends), in_memory.windows(ends))
    assert mapped.windows(ends).shape == (50, 20, 40)


def test_too_little_data_for_window_and_horizon_is_a_specific_error() -> None:
    snaps = synthetic_snapshots(150, seed=3)
    with pytest.raises(LobDataError, match=r"short\.npz: 150 snapshots are too few for window 100 \+ horizon 20"):
        build_dataset(snaps, window=100, horizon=20, source="short.npz")


def _fi2010_matrix(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    matrix = rng.normal(size=(149, n))
    for level in range(10):
        matrix[4 * level] = 0.5 + 0.01 * level + rng.normal(0, 1e-3, n)  # ask price
        matrix[4 * level + 2] = 0.49 - 0.01 * level + rng.normal(0, 1e-3, n)  # bid price
        matrix[4 * level + 1] = rng.random(n)
        matrix[4 * level + 3] = rng.random(n)
    matrix[144:] = rng.integers(1, 4, size=(5, n))
    return matrix


def test_fi2010_reader_on_a_file_of_that_layout(tmp_path: Path) -> None:
    matrix = _fi2010_matrix(400, 4)
    path = tmp_path / "Train_Dst_NoAuction_ZScore_CF_1.txt"
    np.savetxt(path, matrix, fmt="%.8e")
    fi = read_fi2010(path)
    assert len(fi.snapshots) == 400 and fi.snapshots.levels == 10
    assert fi.snapshots.ask_px[7, 3] == round(matrix[12, 7] * 10_000)
    assert fi.snapshots.bid_qty[9, 0] == round(matrix[3, 9] * 10_000)
    assert sorted(fi.labels) == [10, 20, 30, 50, 100]
    published = matrix[144 + 4].astype(int)  # horizon 100: 1 up, 2 stationary, 3 down
    assert (fi.labels[100] == np.array([-1, 2, 1, 0])[published]).all()
    data = build_dataset(fi.snapshots, window=20, horizon=10, given_labels=fi.labels[10])
    assert (data.labels == fi.labels[10]).all()
    assert len(data.split.test) > 0


def test_fi2010_reader_names_a_wrong_layout(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    np.savetxt(path, np.ones((40, 5)))
    with pytest.raises(LobDataError, match=r"bad\.txt: FI-2010 files have 149 rows .* this one has 40 rows"):
        read_fi2010(path)
    labels = _fi2010_matrix(10, 1)
    labels[146, 3] = 7
    np.savetxt(path, labels)
    with pytest.raises(LobDataError, match=r"bad\.txt:147: label 7\.0 at event 4 is not 1, 2 or 3"):
        read_fi2010(path)
