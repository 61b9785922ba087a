"""Worked examples of the matching engine: each order type, cancel/modify, self-trade prevention, rejections,
the public feed, and the flat feed buffer's conversion to `EVENT_DTYPE`."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from hft_core.events import BUY, EVENT_DTYPE, SELL, EventKind
from hft_core.matching import (
    MatchingEngine,
    OrderReason,
    OrderStatus,
    OrderType,
    OrderUpdate,
    PostOnlyMode,
    StpMode,
    UnknownOrderError,
)
from hft_core.matching import feed as feed_module

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "matching_orders.py"


def statuses(updates: list[OrderUpdate]) -> list[tuple[int, OrderStatus, OrderReason]]:
    return [(u.order_id, u.status, u.reason) for u in updates]


def book_with_asks() -> tuple[MatchingEngine, list[int]]:
    """Asks: 101 x5 (owner 1), 101 x3 (owner 2), 102 x4 (owner 3); bids: 99 x2 (owner 4)."""
    engine = MatchingEngine(instrument_id=3)
    ids = [
        engine.submit(SELL, 101, 5, owner=1, ts=10),
        engine.submit(SELL, 101, 3, owner=2, ts=11),
        engine.submit(SELL, 102, 4, owner=3, ts=12),
        engine.submit(BUY, 99, 2, owner=4, ts=13),
    ]
    engine.drain()
    return engine, ids


def test_resting_orders_build_the_book_and_publish_depth() -> None:
    engine = MatchingEngine(instrument_id=3)
    first = engine.submit(BUY, 99, 2, owner=1, ts=5)
    second = engine.submit(BUY, 99, 3, owner=2, ts=6)
    engine.submit(SELL, 101, 4, owner=1, ts=7)
    assert (first, second) == (1, 2)
    assert engine.best_bid() == 99 and engine.best_ask() == 101
    assert engine.depth(BUY) == [(99, 5)] and engine.level_qty(SELL, 101) == 4
    assert engine.queue_ahead(second) == 2 and engine.queue_ahead(first) == 0
    output = engine.drain()
    assert statuses(output.updates) == [(i, OrderStatus.ACCEPTED, OrderReason.NONE) for i in (1, 2, 3)]
    rows = output.market_data
    assert rows.dtype == EVENT_DTYPE
    assert rows["kind"].tolist() == [EventKind.DEPTH] * 3
    assert list(zip(rows["side"].tolist(), rows["price"].tolist(), rows["qty"].tolist(), strict=True)) == [
        (BUY, 99, 2),
        (BUY, 99, 5),
        (SELL, 101, 4),
    ]
    assert rows["exch_ts"].tolist() == [5, 6, 7] and rows["local_ts"].tolist() == [5, 6, 7]
    assert set(rows["instrument"].tolist()) == {3} and set(rows["order_id"].tolist()) == {0}
    assert engine.drain().is_empty


def test_crossing_limit_fills_in_price_time_priority_and_rests_the_remainder() -> None:
    engine, (a, b, c, _) = book_with_asks()
    taker = engine.submit(BUY, 102, 15, owner=9, ts=20)
    output = engine.drain()
    fills = [(e.maker_order_id, e.price, e.qty, e.aggressor_side, e.taker_order_id) for e in output.executions]
    assert fills == [(a, 101, 5, BUY, taker), (b, 101, 3, BUY, taker), (c, 102, 4, BUY, taker)]
    assert [e.trade_id for e in output.executions] == [1, 2, 3]
    assert statuses(output.updates) == [
        (taker, OrderStatus.ACCEPTED, OrderReason.NONE),
        (a, OrderStatus.FILLED, OrderReason.NONE),
        (b, OrderStatus.FILLED, OrderReason.NONE),
        (c, OrderStatus.FILLED, OrderReason.NONE),
        (taker, OrderStatus.PARTIALLY_FILLED, OrderReason.NONE),
    ]
    last = output.updates[-1]
    assert (last.qty, last.leaves, last.filled, last.cancelled) == (15, 3, 12, 0)
    assert engine.best_ask() is None and engine.depth(BUY) == [(102, 3), (99, 2)]
    trades = output.trades()
    assert trades["price"].tolist() == [101, 101, 102] and set(trades["side"].tolist()) == {BUY}


def test_partial_fill_of_a_maker_reports_its_remaining_leaves() -> None:
    engine, (a, _, _, _) = book_with_asks()
    engine.submit(BUY, 101, 2, owner=9)
    maker_update = engine.drain().updates[1]
    assert (maker_update.order_id, maker_update.status) == (a, OrderStatus.PARTIALLY_FILLED)
    assert (maker_update.leaves, maker_update.filled) == (3, 2)
    assert engine.queue_ahead(a) == 0 and engine.level_qty(SELL, 101) == 6


def test_market_order_sweeps_levels_and_its_remainder_expires() -> None:
    engine, _ = book_with_asks()
    taker = engine.submit_market(BUY, 20, owner=9)
    output = engine.drain()
    assert sum(e.qty for e in output.executions) == 12
    final = output.updates[-1]
    assert (final.order_id, final.status, final.reason) == (taker, OrderStatus.EXPIRED, OrderReason.IOC_REMAINDER)
    assert (final.price, final.leaves, final.filled, final.cancelled) == (0, 0, 12, 8)
    assert engine.best_ask() is None and engine.order(taker) is None


def test_market_order_on_an_empty_side_expires_untouched() -> None:
    engine = MatchingEngine()
    taker = engine.submit_market(SELL, 3)
    assert statuses(engine.drain().updates) == [
        (taker, OrderStatus.ACCEPTED, OrderReason.NONE),
        (taker, OrderStatus.EXPIRED, OrderReason.IOC_REMAINDER),
    ]


def test_ioc_fills_what_it_can_at_its_limit_and_never_rests() -> None:
    engine, _ = book_with_asks()
    taker = engine.submit(BUY, 101, 10, owner=9, order_type=OrderType.IOC)
    output = engine.drain()
    assert [e.price for e in output.executions] == [101, 101]
    assert output.updates[-1].status == OrderStatus.EXPIRED and output.updates[-1].cancelled == 2
    assert engine.order(taker) is None and engine.best_ask() == 102 and engine.best_bid() == 99


def test_fok_trades_all_or_nothing() -> None:
    engine, _ = book_with_asks()
    killed = engine.submit(BUY, 101, 9, owner=9, order_type=OrderType.FOK)
    output = engine.drain()
    assert output.executions == [] and len(output.market_data) == 0
    assert statuses(output.updates)[-1] == (killed, OrderStatus.EXPIRED, OrderReason.FOK_UNFILLABLE)
    assert engine.depth(SELL) == [(101, 8), (102, 4)]
    filled = engine.submit(BUY, 102, 9, owner=9, order_type=OrderType.FOK)
    output = engine.drain()
    assert sum(e.qty for e in output.executions) == 9
    assert statuses(output.updates)[-1] == (filled, OrderStatus.FILLED, OrderReason.NONE)


def test_fok_counts_only_liquidity_reachable_past_self_trade_prevention() -> None:
    engine = MatchingEngine(stp=StpMode.CANCEL_NEWEST)
    engine.submit(SELL, 101, 5, owner=1)
    engine.submit(SELL, 101, 5, owner=2)  # behind owner 1's own order: unreachable for owner 1
    engine.drain()
    killed = engine.submit(BUY, 101, 5, owner=1, order_type=OrderType.FOK)
    assert engine.drain().updates[-1].reason == OrderReason.FOK_UNFILLABLE and killed
    oldest = MatchingEngine(stp=StpMode.CANCEL_OLDEST)
    own = oldest.submit(SELL, 101, 5, owner=1)
    oldest.submit(SELL, 101, 5, owner=2)
    oldest.drain()
    oldest.submit(BUY, 101, 5, owner=1, order_type=OrderType.FOK)
    output = oldest.drain()
    assert [(e.maker_owner, e.qty) for e in output.executions] == [(2, 5)]
    assert (own, OrderStatus.CANCELLED, OrderReason.SELF_TRADE) in statuses(output.updates)


def test_post_only_is_rejected_when_it_would_cross() -> None:
    engine, _ = book_with_asks()
    order_id = engine.submit(BUY, 101, 1, owner=9, order_type=OrderType.POST_ONLY)
    assert statuses(engine.drain().updates) == [(order_id, OrderStatus.REJECTED, OrderReason.POST_ONLY_WOULD_CROSS)]
    resting = engine.submit(BUY, 100, 1, owner=9, order_type=OrderType.POST_ONLY)
    assert engine.order(resting) is not None and engine.best_bid() == 100


def test_post_only_slides_to_one_tick_inside_the_opposite_best() -> None:
    engine = MatchingEngine(post_only=PostOnlyMode.SLIDE)
    engine.submit(SELL, 101, 5, owner=1)
    engine.submit(BUY, 99, 5, owner=1)
    bid = engine.submit(BUY, 105, 2, owner=2, order_type=OrderType.POST_ONLY)
    ask = engine.submit(SELL, 90, 2, owner=3, order_type=OrderType.POST_ONLY)
    output = engine.drain()
    assert output.executions == []
    bid_info, ask_info = engine.order(bid), engine.order(ask)
    assert bid_info is not None and bid_info.price == 100
    # The sell slid to one tick above the best bid, which by then was the slid buy at 100.
    assert ask_info is not None and ask_info.price == 101 and engine.depth(SELL) == [(101, 7)]
    assert output.updates[2].price == 100  # the ACCEPTED update carries the slid price


def test_post_only_slide_outside_the_price_band_is_rejected() -> None:
    engine = MatchingEngine(post_only=PostOnlyMode.SLIDE, min_price=100)
    engine.submit(SELL, 100, 1, owner=1)
    order_id = engine.submit(BUY, 100, 1, owner=2, order_type=OrderType.POST_ONLY)
    update = engine.drain().updates[-1]
    assert (update.order_id, update.status, update.reason) == (
        order_id,
        OrderStatus.REJECTED,
        OrderReason.POST_ONLY_WOULD_CROSS,
    )
    assert engine.order(order_id) is None


def test_cancel_removes_the_order_and_publishes_the_level() -> None:
    engine, (a, b, _, _) = book_with_asks()
    assert engine.cancel(a, ts=30)
    output = engine.drain()
    update = output.updates[0]
    assert (update.status, update.reason, update.leaves, update.cancelled) == (
        OrderStatus.CANCELLED,
        OrderReason.REQUESTED,
        0,
        5,
    )
    row = output.market_data[0]
    assert (row["kind"], row["side"], row["price"], row["qty"]) == (EventKind.DEPTH, SELL, 101, 3)
    assert engine.queue_ahead(b) == 0 and engine.order(a) is None


def test_cancel_of_unknown_or_foreign_orders_is_rejected() -> None:
    engine, (a, _, _, _) = book_with_asks()
    assert not engine.cancel(999, owner=7)
    assert not engine.cancel(a, owner=2)  # owner 1's order
    assert engine.cancel(a, owner=1)
    assert not engine.cancel(a)  # already gone
    updates = engine.drain().updates
    assert [(u.status, u.reason, u.owner) for u in updates] == [
        (OrderStatus.REJECTED, OrderReason.UNKNOWN_ORDER, 7),
        (OrderStatus.REJECTED, OrderReason.NOT_OWNER, 2),
        (OrderStatus.CANCELLED, OrderReason.REQUESTED, 1),
        (OrderStatus.REJECTED, OrderReason.UNKNOWN_ORDER, -1),
    ]
    assert (updates[1].qty, updates[1].price) == (0, 0)  # nothing about someone else's order leaks


def test_cancel_all_cancels_only_that_owners_orders() -> None:
    engine, _ = book_with_asks()
    engine.submit(SELL, 103, 1, owner=1)
    assert engine.cancel_all(1) == 2
    assert [info.owner for info in engine.open_orders()] == [2, 3, 4]
    assert engine.open_orders(owner=1) == [] and engine.open_order_count == 3


def test_modify_size_decrease_keeps_priority_and_increase_loses_it() -> None:
    engine, (a, b, _, _) = book_with_asks()
    assert engine.modify(a, qty=2, ts=40)
    assert engine.queue_ahead(b) == 2 and engine.level_qty(SELL, 101) == 5
    update = engine.drain().updates[0]
    assert (update.status, update.qty, update.leaves, update.cancelled) == (OrderStatus.MODIFIED, 5, 2, 3)
    assert engine.modify(a, qty=4, ts=41)
    assert engine.queue_ahead(a) == 3 and engine.queue_ahead(b) == 0
    info = engine.order(a)
    assert info is not None and (info.qty, info.leaves, info.cancelled, info.ts) == (7, 4, 3, 41)


def test_modify_price_change_loses_priority_and_can_cross() -> None:
    engine, (a, b, _, bid) = book_with_asks()
    assert engine.modify(bid, price=101, qty=4, ts=50)
    output = engine.drain()
    assert [(e.maker_order_id, e.qty, e.taker_order_id) for e in output.executions] == [(a, 4, bid)]
    assert statuses(output.updates) == [
        (bid, OrderStatus.MODIFIED, OrderReason.NONE),
        (a, OrderStatus.PARTIALLY_FILLED, OrderReason.NONE),
        (bid, OrderStatus.FILLED, OrderReason.NONE),
    ]
    assert engine.best_bid() is None
    assert engine.modify(a, price=102, ts=51)
    assert engine.queue_ahead(a) == 4 and engine.queue_ahead(b) == 0


def test_modify_rejections() -> None:
    engine, (a, _, _, _) = book_with_asks()
    assert not engine.modify(999, qty=1)
    assert not engine.modify(a, qty=0)
    assert not engine.modify(a, qty=-3)
    assert not engine.modify(a, price=0)
    assert not engine.modify(a, qty=1, owner=4)
    reasons = [u.reason for u in engine.drain().updates]
    assert reasons == [
        OrderReason.UNKNOWN_ORDER,
        OrderReason.INVALID_QTY,
        OrderReason.INVALID_QTY,
        OrderReason.INVALID_PRICE,
        OrderReason.NOT_OWNER,
    ]
    info = engine.order(a)
    assert info is not None and (info.price, info.leaves) == (101, 5)


def test_post_only_modify_that_would_cross_is_rejected_or_slid() -> None:
    for mode, expected_price in ((PostOnlyMode.REJECT, 99), (PostOnlyMode.SLIDE, 100)):
        engine = MatchingEngine(post_only=mode)
        engine.submit(SELL, 101, 5, owner=1)
        order_id = engine.submit(BUY, 99, 5, owner=2, order_type=OrderType.POST_ONLY)
        accepted = engine.modify(order_id, price=103)
        assert accepted == (mode == PostOnlyMode.SLIDE)
        info = engine.order(order_id)
        assert info is not None and info.price == expected_price
        assert engine.drain().executions == []


@pytest.mark.parametrize(
    ("mode", "maker_cancelled", "taker_status", "trades_with_other"),
    [
        (StpMode.NONE, False, OrderStatus.FILLED, False),
        (StpMode.CANCEL_NEWEST, False, OrderStatus.CANCELLED, False),
        (StpMode.CANCEL_OLDEST, True, OrderStatus.PARTIALLY_FILLED, True),
        (StpMode.CANCEL_BOTH, True, OrderStatus.CANCELLED, False),
    ],
)
def test_self_trade_prevention_modes(
    mode: StpMode, maker_cancelled: bool, taker_status: OrderStatus, trades_with_other: bool
) -> None:
    engine = MatchingEngine(stp=mode)
    own = engine.submit(SELL, 101, 3, owner=1)
    other = engine.submit(SELL, 101, 2, owner=2)
    engine.drain()
    taker = engine.submit(BUY, 101, 3, owner=1)
    output = engine.drain()
    maker_owners = [e.maker_owner for e in output.executions]
    if mode == StpMode.NONE:
        assert maker_owners == [1]
    else:
        assert 1 not in maker_owners
    assert (other in [e.maker_order_id for e in output.executions]) == trades_with_other
    assert ((own, OrderStatus.CANCELLED, OrderReason.SELF_TRADE) in statuses(output.updates)) == maker_cancelled
    taker_final = [u for u in output.updates if u.order_id == taker][-1]
    assert taker_final.status == taker_status
    if taker_status == OrderStatus.CANCELLED:
        assert taker_final.reason == OrderReason.SELF_TRADE and engine.order(taker) is None
    if mode == StpMode.CANCEL_OLDEST:
        info = engine.order(taker)  # filled 2 against owner 2, rests 1 where its own order used to be
        assert info is not None and (info.filled, info.leaves) == (2, 1) and engine.best_bid() == 101


def test_self_trade_prevention_keeps_fills_made_before_it_triggers() -> None:
    engine = MatchingEngine(stp=StpMode.CANCEL_NEWEST)
    engine.submit(SELL, 101, 2, owner=2)
    engine.submit(SELL, 102, 2, owner=1)
    engine.drain()
    taker = engine.submit(BUY, 103, 5, owner=1)
    output = engine.drain()
    assert [(e.maker_owner, e.qty) for e in output.executions] == [(2, 2)]
    final = output.updates[-1]
    assert (final.order_id, final.status, final.filled, final.cancelled) == (
        taker,
        OrderStatus.CANCELLED,
        2,
        3,
    )
    assert engine.depth(SELL) == [(102, 2)]


@pytest.mark.parametrize(
    ("side", "price", "qty", "order_type", "reason"),
    [
        (0, 100, 1, OrderType.LIMIT, OrderReason.INVALID_SIDE),
        (BUY, 100, 0, OrderType.LIMIT, OrderReason.INVALID_QTY),
        (SELL, 100, -4, OrderType.IOC, OrderReason.INVALID_QTY),
        (SELL, 100, -4, OrderType.MARKET, OrderReason.INVALID_QTY),
        (BUY, 0, 1, OrderType.LIMIT, OrderReason.INVALID_PRICE),
        (BUY, 1001, 1, OrderType.FOK, OrderReason.INVALID_PRICE),
        (BUY, 100, 1, 42, OrderReason.INVALID_ORDER_TYPE),
    ],
)
def test_invalid_orders_are_rejected_with_a_specific_reason(
    side: int, price: int, qty: int, order_type: OrderType, reason: OrderReason
) -> None:
    engine = MatchingEngine(max_price=1000)
    order_id = engine.submit(side, price, qty, owner=5, order_type=order_type, ts=9)
    output = engine.drain()
    assert len(output.updates) == 1 and len(output.market_data) == 0
    update = output.updates[0]
    assert (update.order_id, update.owner, update.status, update.reason, update.ts) == (
        order_id,
        5,
        OrderStatus.REJECTED,
        reason,
        9,
    )
    assert engine.open_order_count == 0


def test_numpy_integers_are_accepted_and_floats_and_bools_rejected() -> None:
    engine = MatchingEngine()
    assert engine.next_order_id == 1
    resting = engine.submit(np.int8(SELL), np.int64(101), np.int32(4), owner=1)  # type: ignore[arg-type]
    info = engine.order(resting)
    assert info is not None and (info.side, info.price, info.qty) == (SELL, 101, 4)
    assert type(info.price) is int and type(info.qty) is int
    float_qty = engine.submit(BUY, 101, 1.0, owner=2)  # type: ignore[arg-type]
    float_price = engine.submit(BUY, 100.5, 1, owner=2)  # type: ignore[arg-type]
    bool_qty = engine.submit(BUY, 100, True, owner=2)
    assert not engine.modify(resting, qty=2.0)  # type: ignore[arg-type]
    assert engine.modify(resting, qty=np.int64(3))  # type: ignore[arg-type]
    updates = engine.drain().updates
    assert [(u.order_id, u.status, u.reason) for u in updates[1:]] == [
        (float_qty, OrderStatus.REJECTED, OrderReason.INVALID_QTY),
        (float_price, OrderStatus.REJECTED, OrderReason.INVALID_PRICE),
        (bool_qty, OrderStatus.REJECTED, OrderReason.INVALID_QTY),
        (resting, OrderStatus.REJECTED, OrderReason.INVALID_QTY),
        (resting, OrderStatus.MODIFIED, OrderReason.NONE),
    ]
    assert engine.next_order_id == 5 and engine.level_qty(SELL, 101) == 3


def test_market_orders_ignore_the_price_band() -> None:
    engine = MatchingEngine(max_price=1000)
    engine.submit(SELL, 101, 1, owner=1)
    engine.submit(BUY, 5000, 1, owner=2, order_type=OrderType.MARKET)
    assert [e.qty for e in engine.drain().executions] == [1]


def test_engine_configuration_is_validated() -> None:
    with pytest.raises(ValueError, match="above max_price"):
        MatchingEngine(min_price=10, max_price=5)
    with pytest.raises(ValueError, match="int32"):
        MatchingEngine(2**40)
    with pytest.raises(ValueError, match="side"):
        MatchingEngine().depth(3)


def test_queue_ahead_of_an_order_not_resting_raises() -> None:
    engine = MatchingEngine()
    with pytest.raises(UnknownOrderError, match="17"):
        engine.queue_ahead(17)


def test_many_cancels_behind_the_queue_front_compact_the_level() -> None:
    engine = MatchingEngine()
    front = engine.submit(SELL, 101, 1, owner=1)
    ids = [engine.submit(SELL, 101, 1, owner=2) for _ in range(500)]
    for order_id in ids[:-1]:
        assert engine.cancel(order_id)
    survivor = ids[-1]
    assert engine.queue_ahead(survivor) == 1 and engine.level_qty(SELL, 101) == 2
    assert [info.order_id for info in engine.queue(SELL, 101)] == [front, survivor]
    engine.drain()
    engine.submit(BUY, 101, 2, owner=3)
    assert [e.maker_order_id for e in engine.drain().executions] == [front, survivor]
    assert engine.best_ask() is None


def test_levels_far_from_the_touch_are_inserted_and_removed_in_order() -> None:
    engine = MatchingEngine()
    prices = [105, 101, 110, 103, 101, 120, 102]
    ids = [engine.submit(SELL, price, 1) for price in prices]
    assert [price for price, _ in engine.depth(SELL)] == [101, 102, 103, 105, 110, 120]
    engine.cancel(ids[3])  # 103, a middle level
    engine.cancel(ids[5])  # 120, the worst level
    assert [price for price, _ in engine.depth(SELL, max_levels=10)] == [101, 102, 105, 110]
    assert engine.depth(SELL, max_levels=2) == [(101, 2), (102, 1)]
    assert engine.depth(BUY) == []


def test_l3_feed_reports_order_level_messages() -> None:
    engine = MatchingEngine(l3_feed=True, instrument_id=2)
    maker = engine.submit(SELL, 101, 5, owner=1)
    engine.modify(maker, qty=4)
    engine.submit(BUY, 101, 1, owner=2)
    engine.modify(maker, price=102)
    rows = engine.drain().market_data
    l3 = [
        (int(row["kind"]), int(row["order_id"]), int(row["price"]), int(row["qty"]))
        for row in rows
        if row["kind"] != EventKind.DEPTH and row["kind"] != EventKind.TRADE
    ]
    assert l3 == [
        (EventKind.ADD, maker, 101, 5),
        (EventKind.MODIFY, maker, 101, 4),
        (EventKind.FILL, maker, 101, 1),
        (EventKind.CANCEL, maker, 101, 3),
        (EventKind.ADD, maker, 102, 3),
    ]


def test_flat_feed_fast_path_matches_column_decoding() -> None:
    rng = np.random.default_rng(5)
    flat: list[int] = []
    expected = np.zeros(50, dtype=EVENT_DTYPE)
    for index in range(50):
        instrument = int(rng.integers(-(2**31), 2**31))
        kind = int(rng.integers(0, 256))
        side = int(rng.choice([-1, 0, 1]))
        values = [int(v) for v in rng.integers(-(2**62), 2**62, size=5)]
        flat.extend([*values, feed_module.pack_tag(instrument, kind, side)])
        expected[index] = (*values, instrument, kind, side)
    fast = feed_module.flat_rows_to_events(flat)
    decoded = feed_module._decode_columns(np.array(flat, dtype=np.int64).reshape(-1, feed_module.ROW_WIDTH))
    assert fast.dtype == EVENT_DTYPE and decoded.dtype == EVENT_DTYPE
    for name in EVENT_DTYPE.names or ():
        np.testing.assert_array_equal(fast[name], expected[name])
        np.testing.assert_array_equal(decoded[name], expected[name])
    assert len(feed_module.flat_rows_to_events([])) == 0
    with pytest.raises(ValueError, match="multiple"):
        feed_module.flat_rows_to_events([1, 2, 3])


def test_benchmark_script_runs_a_small_workload() -> None:
    spec = importlib.util.spec_from_file_location("matching_orders_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        workload = module.make_workload(3_000, seed=1)
        assert len(workload.messages) == 3_000
        assert workload.submits and workload.cancels
        result = module.run_once(workload, drain_every=500, l3_feed=True)
        assert result.executions > 0 and result.updates >= workload.submits
        again = module.run_once(module.make_workload(3_000, seed=1), drain_every=500, l3_feed=True)
        assert (again.executions, again.updates, again.market_data_rows) == (
            result.executions,
            result.updates,
            result.market_data_rows,
        )
    finally:
        del sys.modules[spec.name]
