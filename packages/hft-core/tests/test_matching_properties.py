"""Property tests of the matching engine: it must agree, message for message, with a naive reference matcher.

The reference (below) keeps resting orders in one flat list and scans it for the best counterparty every time: no
levels, no sorted keys, no lazy deletion. It states the engine's documented semantics as plainly as possible —
price–time priority, order types, post-only modes, modify priority rules, self-trade prevention and the update
conventions — so random order streams can be compared execution by execution and update by update. On top of
that agreement the tests check invariants that need no reference: the book is never crossed, quantity is
conserved per order and in total, self-trade prevention never lets an owner trade with itself, and the public
L2 and L3 feeds rebuild the engine's book.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hft_core.events import BUY, SELL, EventKind, Events
from hft_core.matching import (
    MatchingEngine,
    MatchingOutput,
    OrderReason,
    OrderStatus,
    OrderType,
    PostOnlyMode,
    StpMode,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

UpdateTuple = tuple[int, int, int, int, int, int, int, int, int, int, int]
ExecutionTuple = tuple[int, int, int, int, int, int, int, int, int]


@dataclass
class RefOrder:
    order_id: int
    owner: int
    side: int
    price: int
    order_type: int
    qty: int
    leaves: int
    filled: int
    cancelled: int
    ts: int
    seq: int

    def update(self, ts: int, status: OrderStatus, reason: OrderReason = OrderReason.NONE) -> UpdateTuple:
        return (
            ts,
            self.order_id,
            self.owner,
            self.side,
            self.price,
            int(status),
            int(reason),
            self.qty,
            self.leaves,
            self.filled,
            self.cancelled,
        )

    def info(self) -> tuple[int, ...]:
        return (
            self.order_id,
            self.owner,
            self.side,
            self.price,
            self.order_type,
            self.qty,
            self.leaves,
            self.filled,
            self.cancelled,
            self.ts,
        )


class ReferenceMatcher:
    def __init__(
        self,
        *,
        stp: StpMode = StpMode.CANCEL_NEWEST,
        post_only: PostOnlyMode = PostOnlyMode.REJECT,
        min_price: int = 1,
        max_price: int = 2**62,
    ) -> None:
        self.stp = stp
        self.post_only = post_only
        self.min_price = min_price
        self.max_price = max_price
        self.resting: list[RefOrder] = []
        self.next_order_id = 1
        self.next_trade_id = 1
        self.next_seq = 0
        self.executions: list[ExecutionTuple] = []
        self.updates: list[UpdateTuple] = []

    # -- queries ----------------------------------------------------------------------------------------------
    def best(self, side: int) -> RefOrder | None:
        """The resting order with priority on ``side``: best price, then earliest sequence."""
        candidates = [order for order in self.resting if order.side == side]
        if not candidates:
            return None
        return min(candidates, key=lambda order: (-side * order.price, order.seq))

    def best_price(self, side: int) -> int | None:
        order = self.best(side)
        return None if order is None else order.price

    def depth(self, side: int) -> list[tuple[int, int]]:
        totals: dict[int, int] = {}
        for order in self.resting:
            if order.side == side:
                totals[order.price] = totals.get(order.price, 0) + order.leaves
        return sorted(totals.items(), key=lambda item: -side * item[0])

    def queue(self, side: int, price: int) -> list[int]:
        orders = [order for order in self.resting if order.side == side and order.price == price]
        return [order.order_id for order in sorted(orders, key=lambda order: order.seq)]

    def open_orders(self) -> list[tuple[int, ...]]:
        return [order.info() for order in sorted(self.resting, key=lambda order: order.order_id)]

    def find(self, order_id: int) -> RefOrder | None:
        for order in self.resting:
            if order.order_id == order_id:
                return order
        return None

    # -- requests ---------------------------------------------------------------------------------------------
    def submit(self, side: int, price: int, qty: int, owner: int, order_type: int, ts: int) -> int:
        order_id = self.next_order_id
        self.next_order_id += 1
        if order_type == OrderType.MARKET:
            price = 0
        reason = None
        if side not in (1, -1):
            reason = OrderReason.INVALID_SIDE
        elif qty <= 0:
            reason = OrderReason.INVALID_QTY
        elif order_type not in set(OrderType):
            reason = OrderReason.INVALID_ORDER_TYPE
        elif order_type != OrderType.MARKET and not self.min_price <= price <= self.max_price:
            reason = OrderReason.INVALID_PRICE
        elif order_type == OrderType.POST_ONLY and self._would_cross(side, price):
            slid = self._slid_price(side)
            if slid is None:
                reason = OrderReason.POST_ONLY_WOULD_CROSS
            else:
                price = slid
        if reason is not None:
            self.updates.append((ts, order_id, owner, side, price, OrderStatus.REJECTED, reason, qty, 0, 0, 0))
            return order_id

        order = RefOrder(order_id, owner, side, price, int(order_type), qty, qty, 0, 0, ts, self._seq())
        self.updates.append(order.update(ts, OrderStatus.ACCEPTED))
        if order_type in (OrderType.LIMIT,):
            stopped = self._match(order, price, ts)
            self._settle_limit(order, stopped, 0, ts)
        elif order_type == OrderType.POST_ONLY:
            self.resting.append(order)
        elif order_type == OrderType.FOK and not self._fok_fillable(order, ts):
            order.cancelled, order.leaves = qty, 0
            self.updates.append(order.update(ts, OrderStatus.EXPIRED, OrderReason.FOK_UNFILLABLE))
        else:
            limit = None if order_type == OrderType.MARKET else price
            stopped = self._match(order, limit, ts)
            if stopped:
                order.cancelled += order.leaves
                order.leaves = 0
                self.updates.append(order.update(ts, OrderStatus.CANCELLED, OrderReason.SELF_TRADE))
            elif order.leaves:
                order.cancelled += order.leaves
                order.leaves = 0
                self.updates.append(order.update(ts, OrderStatus.EXPIRED, OrderReason.IOC_REMAINDER))
            else:
                self.updates.append(order.update(ts, OrderStatus.FILLED))
        return order_id

    def cancel(self, order_id: int, ts: int, owner: int | None = None) -> bool:
        order = self.find(order_id)
        if order is None or (owner is not None and owner != order.owner):
            reason = OrderReason.UNKNOWN_ORDER if order is None else OrderReason.NOT_OWNER
            requester = -1 if owner is None else owner
            self.updates.append((ts, order_id, requester, 0, 0, OrderStatus.REJECTED, reason, 0, 0, 0, 0))
            return False
        self.resting.remove(order)
        order.cancelled += order.leaves
        order.leaves = 0
        self.updates.append(order.update(ts, OrderStatus.CANCELLED, OrderReason.REQUESTED))
        return True

    def modify(self, order_id: int, qty: int | None, price: int | None, ts: int, owner: int | None = None) -> bool:
        order = self.find(order_id)
        if order is None or (owner is not None and owner != order.owner):
            reason = OrderReason.UNKNOWN_ORDER if order is None else OrderReason.NOT_OWNER
            requester = -1 if owner is None else owner
            self.updates.append((ts, order_id, requester, 0, 0, OrderStatus.REJECTED, reason, 0, 0, 0, 0))
            return False
        new_leaves = order.leaves if qty is None else qty
        new_price = order.price if price is None else price
        if new_leaves <= 0:
            self.updates.append(order.update(ts, OrderStatus.REJECTED, OrderReason.INVALID_QTY))
            return False
        if not self.min_price <= new_price <= self.max_price:
            self.updates.append(order.update(ts, OrderStatus.REJECTED, OrderReason.INVALID_PRICE))
            return False
        if new_price == order.price and new_leaves <= order.leaves:
            order.cancelled += order.leaves - new_leaves
            order.leaves = new_leaves
            self.updates.append(order.update(ts, OrderStatus.MODIFIED))
            return True
        crosses = self._would_cross(order.side, new_price)
        if crosses and order.order_type == OrderType.POST_ONLY:
            slid = self._slid_price(order.side)
            if slid is None:
                self.updates.append(order.update(ts, OrderStatus.REJECTED, OrderReason.POST_ONLY_WOULD_CROSS))
                return False
            new_price, crosses = slid, False
        self.resting.remove(order)
        if new_leaves > order.leaves:
            order.qty += new_leaves - order.leaves
        else:
            order.cancelled += order.leaves - new_leaves
        order.leaves = new_leaves
        order.price = new_price
        order.ts = ts
        order.seq = self._seq()
        self.updates.append(order.update(ts, OrderStatus.MODIFIED))
        if crosses:
            filled_before = order.filled
            stopped = self._match(order, new_price, ts)
            self._settle_limit(order, stopped, filled_before, ts)
        else:
            self.resting.append(order)
        return True

    # -- internals --------------------------------------------------------------------------------------------
    def _seq(self) -> int:
        self.next_seq += 1
        return self.next_seq

    def _would_cross(self, side: int, price: int) -> bool:
        opposite = self.best_price(-side)
        return opposite is not None and (price - opposite) * side >= 0

    def _slid_price(self, side: int) -> int | None:
        if self.post_only != PostOnlyMode.SLIDE:
            return None
        opposite = self.best_price(-side)
        assert opposite is not None
        slid = opposite - side
        return slid if self.min_price <= slid <= self.max_price else None

    def _match(self, taker: RefOrder, limit: int | None, ts: int) -> bool:
        """Fill ``taker`` against the book; True if self-trade prevention stopped it."""
        while taker.leaves:
            maker = self.best(-taker.side)
            if maker is None or (limit is not None and (limit - maker.price) * taker.side < 0):
                return False
            if self.stp != StpMode.NONE and maker.owner == taker.owner:
                if self.stp in (StpMode.CANCEL_OLDEST, StpMode.CANCEL_BOTH):
                    self.resting.remove(maker)
                    maker.cancelled += maker.leaves
                    maker.leaves = 0
                    self.updates.append(maker.update(ts, OrderStatus.CANCELLED, OrderReason.SELF_TRADE))
                if self.stp in (StpMode.CANCEL_NEWEST, StpMode.CANCEL_BOTH):
                    return True
                continue
            fill = min(taker.leaves, maker.leaves)
            taker.leaves -= fill
            taker.filled += fill
            maker.leaves -= fill
            maker.filled += fill
            self.executions.append(
                (
                    ts,
                    self.next_trade_id,
                    maker.price,
                    fill,
                    taker.side,
                    maker.order_id,
                    maker.owner,
                    taker.order_id,
                    taker.owner,
                )
            )
            self.next_trade_id += 1
            if maker.leaves:
                self.updates.append(maker.update(ts, OrderStatus.PARTIALLY_FILLED))
            else:
                self.resting.remove(maker)
                self.updates.append(maker.update(ts, OrderStatus.FILLED))
        return False

    def _fok_fillable(self, order: RefOrder, ts: int) -> bool:
        """Try the fill on a throw-away copy of the whole matcher."""
        trial = copy.deepcopy(self)
        trial_order = copy.deepcopy(order)
        stopped = trial._match(trial_order, order.price, ts)
        return not stopped and trial_order.leaves == 0

    def _settle_limit(self, order: RefOrder, stopped: bool, filled_before: int, ts: int) -> None:
        if stopped:
            order.cancelled += order.leaves
            order.leaves = 0
            self.updates.append(order.update(ts, OrderStatus.CANCELLED, OrderReason.SELF_TRADE))
        elif order.leaves:
            if order.filled != filled_before:
                self.updates.append(order.update(ts, OrderStatus.PARTIALLY_FILLED))
            self.resting.append(order)
        else:
            self.updates.append(order.update(ts, OrderStatus.FILLED))


# -- driving both matchers ---------------------------------------------------------------------------------------

Op = tuple[Any, ...]
MAX_PRICE = 200


class Harness:
    """Feeds the same requests to the engine and the reference and checks them against each other."""

    def __init__(self, stp: StpMode, post_only: PostOnlyMode, l3_feed: bool, instrument_id: int = 7) -> None:
        self.engine = MatchingEngine(
            instrument_id, stp=stp, post_only=post_only, l3_feed=l3_feed, min_price=1, max_price=MAX_PRICE
        )
        self.reference = ReferenceMatcher(stp=stp, post_only=post_only, min_price=1, max_price=MAX_PRICE)
        self.stp = stp
        self.l3_feed = l3_feed
        self.instrument_id = instrument_id
        self.feed_l2: dict[int, dict[int, int]] = {BUY: {}, SELL: {}}
        self.feed_l3: dict[int, list[int]] = {}  # order id -> [side, price, qty, arrival]
        self.feed_arrivals = 0
        self.final_state: dict[int, tuple[int, int, int, int]] = {}  # order id -> (qty, leaves, filled, cancelled)
        self.submitted_qty = 0
        self.qty_increases = 0
        self.executed_qty = 0
        self.clock = 1_000

    def apply(self, op: Op) -> None:
        self.clock += 17
        ts = self.clock
        executions_before = len(self.reference.executions)
        updates_before = len(self.reference.updates)
        kind = op[0]
        if kind == "submit":
            _, side, price, qty, owner, order_type = op
            got = self.engine.submit(side, price, qty, owner=owner, order_type=order_type, ts=ts)
            want: int | bool = self.reference.submit(side, price, qty, owner, order_type, ts)
        elif kind == "cancel":
            _, order_id, owner = op
            got = self.engine.cancel(order_id, ts=ts, owner=owner)
            want = self.reference.cancel(order_id, ts, owner)
        else:
            _, order_id, qty, price, owner = op
            got = self.engine.modify(order_id, qty=qty, price=price, ts=ts, owner=owner)
            want = self.reference.modify(order_id, qty, price, ts, owner)
        assert got == want, op
        output = self.engine.drain()
        assert [tuple(e) for e in output.executions] == self.reference.executions[executions_before:], op
        assert [tuple(u) for u in output.updates] == self.reference.updates[updates_before:], op
        self._check_invariants(output, ts)

    def _check_invariants(self, output: MatchingOutput, ts: int) -> None:
        engine = self.engine
        best_bid, best_ask = engine.best_bid(), engine.best_ask()
        assert best_bid == self.reference.best_price(BUY)
        assert best_ask == self.reference.best_price(SELL)
        if best_bid is not None and best_ask is not None:
            assert best_bid < best_ask, "book crossed after matching"
        for side in (BUY, SELL):
            assert engine.depth(side) == self.reference.depth(side)

        for execution in output.executions:
            assert execution.qty > 0
            self.executed_qty += execution.qty
            if self.stp != StpMode.NONE:
                assert execution.maker_owner != execution.taker_owner, "self-trade got through"
        for update in output.updates:
            if update.status == OrderStatus.REJECTED:
                if update.reason in (OrderReason.UNKNOWN_ORDER, OrderReason.NOT_OWNER):
                    assert (update.qty, update.leaves, update.filled, update.cancelled) == (0, 0, 0, 0)
                elif update.order_id not in self.final_state:
                    assert (update.leaves, update.filled, update.cancelled) == (0, 0, 0)
                continue
            assert update.qty == update.leaves + update.filled + update.cancelled, update
            if update.status == OrderStatus.ACCEPTED:
                self.submitted_qty += update.qty
            else:
                previous_qty = self.final_state[update.order_id][0]
                assert update.qty >= previous_qty
                self.qty_increases += update.qty - previous_qty
            self.final_state[update.order_id] = (update.qty, update.leaves, update.filled, update.cancelled)

        self._check_feed(output.market_data, output, ts)

    def _check_feed(self, rows: Events, output: MatchingOutput, ts: int) -> None:
        assert rows.dtype.names is not None and "kind" in rows.dtype.names
        assert np.all(rows["exch_ts"] == ts) and np.all(rows["local_ts"] == ts)
        assert np.all(rows["instrument"] == self.instrument_id)
        trades = [
            (int(row["price"]), int(row["qty"]), int(row["side"])) for row in rows if row["kind"] == EventKind.TRADE
        ]
        assert trades == [(e.price, e.qty, e.aggressor_side) for e in output.executions]
        for row in rows:
            kind, side, price, qty = int(row["kind"]), int(row["side"]), int(row["price"]), int(row["qty"])
            order_id = int(row["order_id"])
            if kind == EventKind.DEPTH:
                assert order_id == 0
                if qty:
                    self.feed_l2[side][price] = qty
                else:
                    self.feed_l2[side].pop(price, None)
            elif kind == EventKind.ADD:
                assert order_id not in self.feed_l3
                self.feed_arrivals += 1
                self.feed_l3[order_id] = [side, price, qty, self.feed_arrivals]
            elif kind in (EventKind.CANCEL, EventKind.FILL):
                entry = self.feed_l3[order_id]
                assert entry[0] == side and entry[1] == price and 0 < qty <= entry[2]
                entry[2] -= qty
                if not entry[2]:
                    del self.feed_l3[order_id]
            elif kind == EventKind.MODIFY:
                entry = self.feed_l3[order_id]
                assert 0 < qty < entry[2]
                entry[2] = qty
            else:
                assert kind == EventKind.TRADE, kind
        for side in (BUY, SELL):
            assert sorted(self.feed_l2[side].items()) == sorted(self.engine.depth(side))
        if self.l3_feed:
            resting = {info.order_id: [info.side, info.price, info.leaves] for info in self.engine.open_orders()}
            assert {oid: entry[:3] for oid, entry in self.feed_l3.items()} == resting

    def check_final(self) -> None:
        engine, reference = self.engine, self.reference
        assert [tuple(info) for info in engine.open_orders()] == reference.open_orders()
        for side in (BUY, SELL):
            for price, _ in engine.depth(side):
                queue_ids = [info.order_id for info in engine.queue(side, price)]
                assert queue_ids == reference.queue(side, price)
                ahead = 0
                for info in engine.queue(side, price):
                    assert engine.queue_ahead(info.order_id) == ahead
                    ahead += info.leaves
                if self.l3_feed:
                    by_arrival = sorted(
                        (entry[3], oid) for oid, entry in self.feed_l3.items() if entry[0] == side and entry[1] == price
                    )
                    assert [oid for _, oid in by_arrival] == queue_ids
        # Conservation, from three independent sources: what was sent in, the book, the executions.
        resting_qty = sum(qty for side in (BUY, SELL) for _, qty in engine.depth(side))
        filled = sum(state[2] for state in self.final_state.values())
        cancelled = sum(state[3] for state in self.final_state.values())
        leaves = sum(state[1] for state in self.final_state.values())
        assert leaves == resting_qty
        assert filled == 2 * self.executed_qty
        assert self.submitted_qty + self.qty_increases == resting_qty + filled + cancelled
        for info in engine.open_orders():
            assert self.final_state[info.order_id] == (info.qty, info.leaves, info.filled, info.cancelled)


# -- strategies --------------------------------------------------------------------------------------------------

order_ids = st.integers(min_value=1, max_value=45)
maybe_owner = st.one_of(st.none(), st.none(), st.none(), st.integers(1, 3))
sides = st.sampled_from([BUY, SELL])
prices = st.integers(94, 106)
submits = st.tuples(
    st.just("submit"),
    sides,
    prices,
    st.integers(1, 6),
    st.integers(1, 3),
    st.sampled_from([OrderType.LIMIT] * 4 + [OrderType.MARKET, OrderType.IOC, OrderType.FOK, OrderType.POST_ONLY] * 1),
)
bad_submits = st.tuples(
    st.just("submit"),
    st.sampled_from([BUY, SELL, 0, 2]),
    st.sampled_from([-5, 0, 1, 100, MAX_PRICE, MAX_PRICE + 1]),
    st.sampled_from([-1, 0, 1, 3]),
    st.integers(1, 3),
    st.sampled_from([*OrderType, 0, 9]),
)
cancels = st.tuples(st.just("cancel"), order_ids, maybe_owner)
modifies = st.tuples(
    st.just("modify"),
    order_ids,
    st.one_of(st.none(), st.integers(-1, 8)),
    st.one_of(st.none(), prices),
    maybe_owner,
)
streams = st.lists(
    st.one_of(submits, submits, submits, submits, cancels, modifies, bad_submits), min_size=1, max_size=45
)
configs = st.tuples(st.sampled_from(list(StpMode)), st.sampled_from(list(PostOnlyMode)), st.booleans())

PROPERTY_SETTINGS = settings(
    max_examples=250, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(config=configs, ops=streams)
def test_engine_agrees_with_reference_on_random_streams(
    config: tuple[StpMode, PostOnlyMode, bool], ops: list[Op]
) -> None:
    harness = Harness(*config)
    for op in ops:
        harness.apply(op)
    harness.check_final()


@PROPERTY_SETTINGS
@given(ops=st.lists(submits, min_size=1, max_size=40), data=st.data())
def test_modify_keeps_priority_only_on_a_pure_size_decrease(ops: list[Op], data: st.DataObject) -> None:
    engine = MatchingEngine(stp=StpMode.NONE)
    for _, side, price, qty, owner, order_type in ops:
        engine.submit(side, price, qty, owner=owner, order_type=order_type)
    resting = engine.open_orders()
    if not resting:
        return
    target = data.draw(st.sampled_from(resting))
    queue_before = [info.order_id for info in engine.queue(target.side, target.price)]
    ahead_before = engine.queue_ahead(target.order_id)
    change = data.draw(st.sampled_from(["decrease", "same", "increase", "reprice"]))
    if change in ("decrease", "same"):
        new_qty = data.draw(st.integers(1, target.leaves))
        assert engine.modify(target.order_id, qty=new_qty)
        assert [info.order_id for info in engine.queue(target.side, target.price)] == queue_before
        assert engine.queue_ahead(target.order_id) == ahead_before
        assert engine.level_qty(target.side, target.price) == sum(
            info.leaves for info in engine.queue(target.side, target.price)
        )
    elif change == "increase":
        assert engine.modify(target.order_id, qty=target.leaves + data.draw(st.integers(1, 5)))
        queue_after = [info.order_id for info in engine.queue(target.side, target.price)]
        assert queue_after == [oid for oid in queue_before if oid != target.order_id] + [target.order_id]
    else:
        # Move away from the opposite side so the order rests at the new price, behind everyone there.
        new_price = target.price - target.side * data.draw(st.integers(1, 3))
        others = [info.order_id for info in engine.queue(target.side, new_price)]
        assert engine.modify(target.order_id, price=new_price)
        assert [info.order_id for info in engine.queue(target.side, new_price)] == [*others, target.order_id]
        assert target.order_id not in [info.order_id for info in engine.queue(target.side, target.price)]


def _random_stream(rng: np.random.Generator, n_ops: int) -> list[Op]:
    """A longer stream than hypothesis builds, with a book deep enough for multi-level sweeps."""
    ops: list[Op] = []
    types = [OrderType.LIMIT] * 6 + [OrderType.MARKET, OrderType.IOC, OrderType.FOK, OrderType.POST_ONLY]
    next_id = 1
    for _ in range(n_ops):
        draw = rng.random()
        if draw < 0.25 and next_id > 1:
            ops.append(("cancel", int(rng.integers(max(1, next_id - 60), next_id)), None))
        elif draw < 0.33 and next_id > 1:
            qty = None if rng.random() < 0.3 else int(rng.integers(1, 12))
            price = None if rng.random() < 0.5 else int(rng.integers(90, 111))
            ops.append(("modify", int(rng.integers(max(1, next_id - 60), next_id)), qty, price, None))
        else:
            side = int(rng.choice([BUY, SELL]))
            order_type = types[int(rng.integers(len(types)))]
            # Passive orders sit around 100 on their own side; some reach through it.
            price = 100 - side * int(rng.integers(-3, 10))
            ops.append(("submit", side, price, int(rng.integers(1, 15)), int(rng.integers(1, 6)), order_type))
            next_id += 1
    return ops


@pytest.mark.slow
@pytest.mark.parametrize("stp", list(StpMode))
@pytest.mark.parametrize("post_only", list(PostOnlyMode))
def test_engine_agrees_with_reference_on_long_seeded_streams(stp: StpMode, post_only: PostOnlyMode) -> None:
    rng = np.random.default_rng(1000 + 10 * int(stp) + int(post_only))
    harness = Harness(stp, post_only, l3_feed=True)
    for op in _random_stream(rng, 1500):
        harness.apply(op)
    harness.check_final()
    assert len(harness.reference.executions) > 100  # the stream really did trade
