"""hftbacktest .npz <-> events: flags, replay-order invariants, round trips and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hft_core.data.hftbacktest_npz import (
    BUY_EVENT,
    DEPTH_BBO_EVENT,
    DEPTH_CLEAR_EVENT,
    DEPTH_EVENT,
    DEPTH_SNAPSHOT_EVENT,
    EXCH_EVENT,
    HFTBACKTEST_EVENT_DTYPE,
    LOCAL_EVENT,
    SELL_EVENT,
    TRADE_EVENT,
    read_hftbacktest_npz,
    to_hftbacktest,
    write_hftbacktest_npz,
)
from hft_core.data.samples import shared_data_path as _sample_dir
from hft_core.errors import DataError
from hft_core.events import BUY, SELL, EventKind, Events, empty_events
from hft_core.instruments import Instrument

INSTRUMENT = Instrument("BTCUSDT", tick_size=0.1, lot_size=0.001)


def _events(rows: list[tuple[int, int, int, int, int, int, int]]) -> Events:
    """Rows of (exch_ts, local_ts, kind, side, price ticks, qty lots, order_id)."""
    events = empty_events(len(rows))
    for index, (exch, local, kind, side, price, qty, order_id) in enumerate(rows):
        events[index] = (exch, local, price, qty, order_id, 0, kind, side)
    return events


SAMPLE = _events(
    [
        (100, 150, EventKind.CLEAR, 0, 0, 0, 0),
        (100, 150, EventKind.SNAPSHOT, BUY, 600_000, 1_500, 0),
        (100, 150, EventKind.SNAPSHOT, SELL, 600_010, 2_000, 0),
        (120, 160, EventKind.DEPTH, BUY, 600_001, 7, 0),
        (110, 170, EventKind.TRADE, SELL, 600_000, 3, 42),  # exchange time runs backwards here
        (130, 180, EventKind.DEPTH, SELL, 600_010, 0, 0),
        (140, 190, EventKind.CLEAR, BUY, 0, 0, 0),
        (150, 200, EventKind.ADD, BUY, 599_990, 5, 9),
        (151, 201, EventKind.CANCEL, BUY, 599_990, 0, 9),
    ]
)


def test_flags_and_values_follow_hftbacktest_conventions() -> None:
    data = to_hftbacktest(SAMPLE, INSTRUMENT)
    assert data.dtype == HFTBACKTEST_EVENT_DTYPE and data.dtype.itemsize == 64
    both = EXCH_EVENT | LOCAL_EVENT
    first = data[:4]
    assert first["ev"].tolist() == [
        DEPTH_CLEAR_EVENT | both,  # a side-less clear clears both sides in hftbacktest
        DEPTH_SNAPSHOT_EVENT | BUY_EVENT | both,
        DEPTH_SNAPSHOT_EVENT | SELL_EVENT | both,
        DEPTH_EVENT | BUY_EVENT | LOCAL_EVENT,  # exch 120 > the trade's 110 that follows
    ]
    assert first["px"].tolist()[1:] == [60000.0, 60001.0, 60000.1]
    assert first["qty"].tolist()[1:] == [1.5, 2.0, 0.007]
    trade = data[(data["ev"] & 0xFF) == TRADE_EVENT]
    assert trade["ev"].tolist() == [TRADE_EVENT | SELL_EVENT | LOCAL_EVENT, TRADE_EVENT | SELL_EVENT | EXCH_EVENT]
    assert trade["order_id"].tolist() == [42, 42]
    side_clear = data[((data["ev"] & 0xFF) == DEPTH_CLEAR_EVENT) & ((data["ev"] & BUY_EVENT) != 0)]
    assert side_clear["px"].tolist() == [60000.0]  # the deepest bid in the data: clears the whole side


def test_output_satisfies_hftbacktest_event_order_validation() -> None:
    data = to_hftbacktest(SAMPLE, INSTRUMENT)
    exchange_rows = (data["ev"] & EXCH_EVENT) != 0
    local_rows = (data["ev"] & LOCAL_EVENT) != 0
    assert (np.diff(data["exch_ts"][exchange_rows]) >= 0).all()
    assert (np.diff(data["local_ts"][local_rows]) >= 0).all()
    assert local_rows.sum() == len(SAMPLE) and exchange_rows.sum() == len(SAMPLE)
    assert (exchange_rows & ~local_rows).sum() == 2  # the depth row at 120 and the trade at 110 are split


def test_round_trip_through_a_file(tmp_path: Path) -> None:
    path = write_hftbacktest_npz(SAMPLE, INSTRUMENT, tmp_path / "sample.npz")
    with np.load(path) as archive:
        assert archive.files == ["data"]
    events, stats = read_hftbacktest_npz(path, INSTRUMENT)
    assert np.array_equal(events, SAMPLE)
    assert (stats.rows, stats.events, stats.exchange_only_dropped) == (11, 9, 2)


def test_round_trip_of_a_real_capture(tmp_path: Path) -> None:
    from hft_core.data.binance import binance_instrument, read_binance_capture

    source = _sample_dir("binance-2024-08-08") / "spot_btcusdt_20240808.gz"
    instrument = binance_instrument("spot", "BTCUSDT")
    events, _ = read_binance_capture(source, instrument)
    path = write_hftbacktest_npz(events, instrument, tmp_path / "spot.npz", compress=False)
    back, stats = read_hftbacktest_npz(path, instrument, chunk_size=50_000)
    assert np.array_equal(back, events)
    assert stats.exchange_only_dropped == stats.rows - len(events) > 0


def _raw(rows: list[tuple[int, int, int, float, float]]) -> np.ndarray:
    """Rows of (ev, exch_ts, local_ts, px, qty) as hftbacktest would store them."""
    data = np.zeros(len(rows), dtype=HFTBACKTEST_EVENT_DTYPE)
    for index, (ev, exch, local, px, qty) in enumerate(rows):
        data[index] = (ev, exch, local, px, qty, 0, 0, 0.0)
    return data


def test_reads_an_array_written_like_hftbacktests_converters(tmp_path: Path) -> None:
    both = EXCH_EVENT | LOCAL_EVENT
    data = _raw(
        [
            (DEPTH_CLEAR_EVENT | BUY_EVENT | both, 10, 20, 59_000.0, 0.0),  # "clear up to" price: ignored
            (DEPTH_SNAPSHOT_EVENT | BUY_EVENT | both, 10, 20, 60_000.0, 1.5),
            (TRADE_EVENT | BUY_EVENT | EXCH_EVENT, 15, 40, 60_000.1, 0.25),  # exchange-only copy
            (DEPTH_EVENT | SELL_EVENT | both, 30, 30, 60_000.2, 0.004),
            (TRADE_EVENT | BUY_EVENT | LOCAL_EVENT, 15, 40, 60_000.1, 0.25),
        ]
    )
    path = tmp_path / "hbt.npz"
    np.savez_compressed(path, data=data)
    events, stats = read_hftbacktest_npz(path, INSTRUMENT)
    assert events["kind"].tolist() == [EventKind.CLEAR, EventKind.SNAPSHOT, EventKind.DEPTH, EventKind.TRADE]
    assert events["side"].tolist() == [BUY, BUY, SELL, BUY]
    assert events["price"].tolist() == [0, 600_000, 600_002, 600_001]
    assert events["qty"].tolist() == [0, 1_500, 4, 250]
    assert stats.exchange_only_dropped == 1


def test_unsupported_event_types(tmp_path: Path) -> None:
    data = _raw(
        [
            (DEPTH_BBO_EVENT | BUY_EVENT | EXCH_EVENT | LOCAL_EVENT, 10, 20, 60_000.0, 1.0),
            (100 | EXCH_EVENT | LOCAL_EVENT, 11, 21, 1.0, 0.0),
            (DEPTH_EVENT | BUY_EVENT | EXCH_EVENT | LOCAL_EVENT, 12, 22, 60_000.0, 1.0),
        ]
    )
    path = tmp_path / "bbo.npz"
    np.savez(path, data=data)
    with pytest.raises(DataError, match=r"row 0: event type 5 \(DEPTH_BBO_EVENT\)") as error:
        read_hftbacktest_npz(path, INSTRUMENT)
    assert (error.value.path, error.value.field) == (str(path), "ev")
    events, stats = read_hftbacktest_npz(path, INSTRUMENT, unsupported="skip")
    assert len(events) == 1 and stats.unsupported_skipped == {"DEPTH_BBO_EVENT": 1, "type 100": 1}


@pytest.mark.parametrize(
    ("px", "qty", "field", "match"),
    [
        (np.nan, 1.0, "px (row 0)", "not a finite number"),
        (60_000.0, -1.0, "qty (row 0)", "negative"),
        (60_000.05, 1.0, "px (row 0)", "tick size"),
        (60_000.0, np.nan, "qty (row 0)", "not a finite number"),
    ],
)
def test_bad_values(tmp_path: Path, px: float, qty: float, field: str, match: str) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, data=_raw([(DEPTH_EVENT | BUY_EVENT | EXCH_EVENT | LOCAL_EVENT, 1, 2, px, qty)]))
    with pytest.raises(DataError, match=match) as error:
        read_hftbacktest_npz(path, INSTRUMENT)
    assert error.value.field == field


def test_damaged_and_foreign_files(tmp_path: Path) -> None:
    good = write_hftbacktest_npz(SAMPLE, INSTRUMENT, tmp_path / "good.npz")
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(good.read_bytes()[:-40])
    with pytest.raises(DataError, match="damaged or unreadable"):
        read_hftbacktest_npz(damaged, INSTRUMENT)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, data=np.zeros(3, dtype=[("a", "f8")]))
    with pytest.raises(DataError, match="missing field") as error:
        read_hftbacktest_npz(foreign, INSTRUMENT)
    assert error.value.field == "ev"
    backwards = tmp_path / "backwards.npz"
    both = EXCH_EVENT | LOCAL_EVENT
    depth = DEPTH_EVENT | BUY_EVENT | both
    np.savez(backwards, data=_raw([(depth, 1, 5, 1.0, 1.0), (depth, 2, 4, 1.0, 1.0)]))
    with pytest.raises(DataError, match="row 1: local timestamp 4 is earlier"):
        read_hftbacktest_npz(backwards, INSTRUMENT)
    sideless = tmp_path / "sideless.npz"
    np.savez(sideless, data=_raw([(DEPTH_EVENT | both, 1, 5, 1.0, 1.0)]))
    with pytest.raises(DataError, match="needs a side") as error:
        read_hftbacktest_npz(sideless, INSTRUMENT)
    assert error.value.field == "ev (row 0)"


def test_mixed_instruments_are_refused() -> None:
    events = SAMPLE.copy()
    events["instrument"][0] = 3
    with pytest.raises(DataError, match="one asset"):
        to_hftbacktest(events, INSTRUMENT)
