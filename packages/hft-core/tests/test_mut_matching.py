"""The matching engine at its edges, written against the mutants scripts/mutation.py left alive in
`hft_core.matching.engine` (issue #18): the defaults a caller relies on, the price band and instrument-id bounds at
exactly their limits, the numpy-integer path for every order type, and the feed rows of each operation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hft_core.events import BUY, SELL, EventKind
from hft_core.matching import MatchingEngine, OrderReason, OrderStatus, OrderType, PostOnlyMode, StpMode

CEILING = 2**62


def test_defaults_owner_zero_time_zero_ids_from_one() -> None:
    defaults = MatchingEngine()
    assert defaults.instrument_id == 0 and defaults.stp is StpMode.CANCEL_NEWEST
    assert defaults.post_only_mode is PostOnlyMode.REJECT and defaults.next_order_id == 1
    engine = MatchingEngine(stp=StpMode.NONE)  # (both orders are owner 0's)
    maker = engine.submit(SELL, 100, 2)
    taker = engine.submit_market(BUY, 1)
    assert (maker, taker) == (1, 2) and engine.next_order_id == 3
    out = engine.drain()
    assert [(e.ts, e.trade_id, e.maker_owner, e.taker_owner) for e in out.executions] == [(0, 1, 0, 0)]
    assert {(u.ts, u.owner) for u in out.updates} == {(0, 0)}
    assert set(out.market_data["exch_ts"].tolist()) == {0}
    assert engine.cancel(maker) and engine.drain().updates[0].ts == 0
    assert not engine.cancel(maker) and engine.drain().updates[0].ts == 0
    own = defaults.submit(SELL, 100, 1)
    defaults.submit(BUY, 100, 1)
    assert not defaults.drain().executions and defaults.cancel_all(0) == 1 and defaults.order(own) is None
    later = MatchingEngine(first_order_id=7)
    assert later.submit(BUY, 1, 1) == 7 and later.next_order_id == 8
    assert later.modify(7, qty=2) and later.drain().updates[-1].ts == 0


def test_trade_ids_count_up_across_calls() -> None:
    engine = MatchingEngine()
    for price in (100, 101, 102):
        engine.submit(SELL, price, 1, owner=1)
    engine.submit(BUY, 101, 2, owner=2, ts=5)
    engine.submit(BUY, 102, 1, owner=2, ts=6)
    assert [(e.trade_id, e.price, e.ts) for e in engine.drain().executions] == [(1, 100, 5), (2, 101, 5), (3, 102, 6)]


def test_the_instrument_id_must_fit_in_int32() -> None:
    assert MatchingEngine(instrument_id=2**31 - 1).instrument_id == 2**31 - 1
    assert MatchingEngine(instrument_id=-(2**31)).instrument_id == -(2**31)
    for bad in (2**31, -(2**31) - 1):
        with pytest.raises(ValueError, match="int32"):
            MatchingEngine(instrument_id=bad)


def test_the_price_band_at_its_limits() -> None:
    MatchingEngine(min_price=-CEILING, max_price=CEILING)
    MatchingEngine(min_price=5, max_price=5)
    with pytest.raises(ValueError, match="above"):
        MatchingEngine(min_price=6, max_price=5)
    for band in ({"max_price": CEILING + 1}, {"min_price": -CEILING - 1}):
        with pytest.raises(ValueError, match="within"):
            MatchingEngine(**band)  # type: ignore[arg-type]
    engine = MatchingEngine()  # default band [1, 2**62]
    ok, high, low = engine.submit(BUY, CEILING, 1), engine.submit(BUY, CEILING + 1, 1), engine.submit(BUY, 0, 1)
    status = {u.order_id: (u.status, u.reason) for u in engine.drain().updates}
    assert status[ok] == (OrderStatus.ACCEPTED, OrderReason.NONE)
    assert status[high] == status[low] == (OrderStatus.REJECTED, OrderReason.INVALID_PRICE)
    assert engine.modify(ok, price=1) and not engine.modify(ok, price=0)


@pytest.mark.parametrize("side", [BUY, SELL])
def test_a_market_order_reaches_the_far_end_of_the_widest_band(side: int) -> None:
    engine = MatchingEngine(min_price=-CEILING, max_price=CEILING)
    far = -CEILING if side == SELL else CEILING  # the worst price a maker can rest at, for this taker
    engine.submit(-side, far, 2, owner=1)
    engine.submit_market(side, 1, owner=2)
    assert [(e.price, e.qty) for e in engine.drain().executions] == [(far, 1)]


@pytest.mark.parametrize("as_int", [np.int64, np.int16, np.uint8])
def test_every_order_type_takes_the_numpy_integer_path(as_int: type) -> None:
    def book() -> MatchingEngine:
        engine = MatchingEngine(post_only=PostOnlyMode.SLIDE)
        engine.submit(SELL, 101, 2, owner=1)
        engine.submit(SELL, 102, 2, owner=1)
        engine.drain()
        return engine

    n = as_int
    engine = book()
    engine.submit(n(BUY) if as_int is not np.uint8 else BUY, n(101), n(3), owner=2, order_type=OrderType.IOC)
    out = engine.drain()
    assert [(e.price, e.qty) for e in out.executions] == [(101, 2)]
    assert (out.updates[-1].status, out.updates[-1].reason) == (OrderStatus.EXPIRED, OrderReason.IOC_REMAINDER)
    engine = book()
    engine.submit(BUY, n(102), n(5), owner=2, order_type=OrderType.FOK)
    out = engine.drain()
    assert not out.executions and out.updates[-1].reason is OrderReason.FOK_UNFILLABLE
    engine.submit(BUY, n(102), n(4), owner=2, order_type=OrderType.FOK)
    out = engine.drain()
    assert [e.qty for e in out.executions] == [2, 2] and out.updates[-1].status is OrderStatus.FILLED
    engine = book()
    order = engine.submit(BUY, n(101), n(1), owner=2, order_type=OrderType.POST_ONLY)
    assert engine.order(order) is not None and engine.best_bid() == 100, "slid one tick inside the ask"
    engine.submit(SELL, 0, n(1), owner=3, order_type=OrderType.MARKET)
    out = engine.drain()
    assert [(e.price, e.maker_order_id) for e in out.executions] == [(100, order)]


def test_fok_for_exactly_the_reachable_quantity_fills_and_one_more_expires() -> None:
    for stp in (StpMode.NONE, StpMode.CANCEL_NEWEST, StpMode.CANCEL_OLDEST):
        engine = MatchingEngine(stp=stp)
        engine.submit(SELL, 100, 2, owner=1)
        engine.submit(SELL, 101, 3, owner=1)
        engine.submit(SELL, 102, 9, owner=1)
        engine.drain()
        engine.submit(BUY, 101, 6, owner=2, order_type=OrderType.FOK)
        assert engine.drain().updates[-1].reason is OrderReason.FOK_UNFILLABLE, stp
        engine.submit(BUY, 101, 5, owner=2, order_type=OrderType.FOK)
        out = engine.drain()
        assert [e.qty for e in out.executions] == [2, 3] and out.updates[-1].status is OrderStatus.FILLED, stp
        assert engine.best_ask() == 102


def test_depth_levels_best_first_and_bounded() -> None:
    engine = MatchingEngine()
    for price, qty in ((100, 1), (98, 2), (99, 3)):
        engine.submit(BUY, price, qty)
    for price, qty in ((103, 4), (101, 5)):
        engine.submit(SELL, price, qty)
    assert engine.depth(BUY) == [(100, 1), (99, 3), (98, 2)]
    assert engine.depth(SELL) == [(101, 5), (103, 4)]
    assert engine.depth(BUY, 2) == [(100, 1), (99, 3)]
    assert engine.depth(BUY, 0) == [] and engine.depth(SELL, -1) == []
    assert engine.depth(SELL, 9) == [(101, 5), (103, 4)]
    assert (engine.best_bid(), engine.best_ask()) == (100, 101)
    assert engine.level_qty(BUY, 99) == 3 and engine.level_qty(SELL, 99) == 0
    with pytest.raises(ValueError, match="side"):
        engine.depth(0)
    assert engine.open_order_count == 5
    assert [o.price for o in engine.open_orders()] == [100, 98, 99, 103, 101]


def test_queue_ahead_counts_the_open_lots_in_front() -> None:
    engine = MatchingEngine()
    first, second, third = (engine.submit(BUY, 100, qty, owner=k) for k, qty in ((1, 2), (2, 3), (3, 4)))
    assert [engine.queue_ahead(k) for k in (first, second, third)] == [0, 2, 5]
    engine.modify(first, qty=1)
    assert engine.queue_ahead(third) == 4
    engine.cancel(second)
    assert engine.queue_ahead(third) == 1
    assert [o.order_id for o in engine.queue(BUY, 100)] == [first, third] and engine.queue(SELL, 100) == []


def test_modify_to_the_same_state_is_accepted_and_changes_nothing() -> None:
    engine = MatchingEngine(l3_feed=True)
    order = engine.submit(BUY, 100, 3)
    engine.drain()
    assert engine.modify(order)
    out = engine.drain()
    assert [(u.status, u.leaves, u.cancelled) for u in out.updates] == [(OrderStatus.MODIFIED, 3, 0)]
    assert len(out.market_data) == 0
    assert engine.modify(order, qty=1, ts=4)
    out = engine.drain()
    assert [(int(k), int(q)) for k, q in zip(out.market_data["kind"], out.market_data["qty"], strict=True)] == [
        (int(EventKind.MODIFY), 1),
        (int(EventKind.DEPTH), 1),
    ]
    assert out.updates[-1].cancelled == 2 and out.updates[-1].qty == 3


def test_a_growing_modify_counts_the_growth_in_qty_and_a_shrinking_reprice_in_cancelled() -> None:
    engine = MatchingEngine()
    order = engine.submit(BUY, 100, 3)
    assert engine.modify(order, qty=5)
    assert engine.modify(order, qty=2, price=99)
    updates = engine.drain().updates
    assert [(u.qty, u.leaves, u.filled, u.cancelled, u.price) for u in updates[1:]] == [
        (5, 5, 0, 0, 100),
        (5, 2, 0, 3, 99),
    ]


def test_self_trade_prevention_oldest_cancels_every_own_maker_at_a_level() -> None:
    engine = MatchingEngine(stp=StpMode.CANCEL_OLDEST)
    own = [engine.submit(SELL, 100, 1, owner=1) for _ in range(2)]
    other = engine.submit(SELL, 100, 1, owner=2)
    engine.submit(SELL, 101, 1, owner=1)
    engine.drain()
    engine.submit(BUY, 101, 3, owner=1)
    out = engine.drain()
    assert [e.maker_order_id for e in out.executions] == [other]
    cancelled = [u.order_id for u in out.updates if u.reason is OrderReason.SELF_TRADE]
    assert cancelled[:2] == own and len(cancelled) == 3
    assert engine.best_ask() is None and engine.best_bid() == 101


def test_every_update_conserves_quantity_on_the_fast_and_the_numpy_paths() -> None:
    """``qty == leaves + filled + cancelled`` for every update of an accepted order, from its first (accepted,
    nothing filled or cancelled) to its last."""
    kinds: tuple[Callable[[int], Any], ...] = (int, np.int64)
    for as_int in kinds:
        engine = MatchingEngine(stp=StpMode.CANCEL_OLDEST)
        ids = [engine.submit(SELL, as_int(price), as_int(3), owner=owner) for price, owner in ((101, 1), (102, 2))]
        ids.append(engine.submit(BUY, as_int(100), as_int(4), owner=3))
        ids.append(engine.submit(BUY, as_int(102), as_int(5), owner=4))
        engine.modify(ids[2], qty=6, price=99)
        engine.submit(SELL, as_int(99), as_int(2), owner=3, order_type=OrderType.IOC)
        engine.cancel(ids[2])
        updates = engine.drain().updates
        accepted = [u for u in updates if u.status is OrderStatus.ACCEPTED]
        assert len(accepted) == 5, as_int
        assert all((u.leaves, u.filled, u.cancelled) == (u.qty, 0, 0) for u in accepted), accepted
        assert all(u.qty == u.leaves + u.filled + u.cancelled for u in updates), updates
        assert [u.status for u in updates if u.order_id == ids[3]][-1] is OrderStatus.FILLED
