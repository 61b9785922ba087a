"""An exchange-side price–time priority matching engine for one instrument.

Integers only: prices in ticks, quantities in lots, timestamps in nanoseconds. The engine assigns order ids,
matches incoming orders against the resting book (best price first, then arrival order), and records what a real
venue would send: private executions and order-status updates for the participants concerned, and the public
feed (L2 depth with absolute level quantities, trades, optionally L3 order messages) as `EVENT_DTYPE` rows for
everyone else. Nothing is sent anywhere; callers collect it with `MatchingEngine.drain`.

Book layout, chosen for speed in plain Python: per side a dict from price to `_Level` (a FIFO deque of orders
plus the level's total) and a sorted list of integer keys whose last element is the best price. The key is
``side * price``, so the best bid and the best ask both sit at the end, where an incoming order consumes them.
Cancelled orders are marked dead (``leaves == 0``) and skipped when they reach the front of their queue, which
keeps a cancel O(1); a level's deque is compacted when dead entries dominate it.

Emitted records are held as exact tuples of ints until `drain` turns them into `Execution` / `OrderUpdate`
records: CPython's garbage collector stops tracking such tuples, whereas NamedTuples (and tuples holding enum
members) stay tracked and make every collection slower the more output is pending. Public-feed rows are flatter
still (see `hft_core.matching.feed`).
"""

from __future__ import annotations

import operator
from bisect import bisect_left, insort
from collections import deque
from typing import SupportsIndex

from hft_core.events import BUY, SELL, EventKind
from hft_core.matching.feed import flat_rows_to_events, tags_by_side
from hft_core.matching.orders import (
    Execution,
    MatchingOutput,
    OrderInfo,
    OrderReason,
    OrderStatus,
    OrderType,
    OrderUpdate,
    PostOnlyMode,
    StpMode,
    UnknownOrderError,
)

__all__ = ["MatchingEngine"]

# Plain-int aliases, read several times per order: a module global is cheaper than an enum-class attribute, and
# the raw records must hold plain ints (see the module docstring).
_LIMIT = int(OrderType.LIMIT)
_MARKET = int(OrderType.MARKET)
_FOK = int(OrderType.FOK)
_POST_ONLY = int(OrderType.POST_ONLY)
_ACCEPTED = int(OrderStatus.ACCEPTED)
_REJECTED = int(OrderStatus.REJECTED)
_CANCELLED = int(OrderStatus.CANCELLED)
_PARTIALLY_FILLED = int(OrderStatus.PARTIALLY_FILLED)
_FILLED = int(OrderStatus.FILLED)
_EXPIRED = int(OrderStatus.EXPIRED)
_MODIFIED = int(OrderStatus.MODIFIED)
_NO_REASON = int(OrderReason.NONE)
_SELF_TRADE = int(OrderReason.SELF_TRADE)
_REQUESTED = int(OrderReason.REQUESTED)
_FOK_UNFILLABLE = int(OrderReason.FOK_UNFILLABLE)
_IOC_REMAINDER = int(OrderReason.IOC_REMAINDER)
_STP_NONE = int(StpMode.NONE)
_STP_CANCEL_NEWEST = int(StpMode.CANCEL_NEWEST)
_STP_CANCEL_OLDEST = int(StpMode.CANCEL_OLDEST)
_SIDES = frozenset((BUY, SELL))
_VALID_ORDER_TYPES = frozenset(int(order_type) for order_type in OrderType)
_STATUS_BY_CODE = {int(status): status for status in OrderStatus}
_REASON_BY_CODE = {int(reason): reason for reason in OrderReason}

_PRICE_CEILING = 2**62
"""Default upper price band: far above any real tick count, and still inside int64 for the event rows."""

_COMPACT_SLACK = 16
"""A level's deque is rebuilt when it holds more than ``2 * live + _COMPACT_SLACK`` entries."""

_RawUpdate = tuple[int, int, int, int, int, int, int, int, int, int, int]
_RawExecution = tuple[int, int, int, int, int, int, int, int, int]


class _Order:
    """A resting or in-flight order; ``leaves == 0`` marks a dead queue entry."""

    __slots__ = ("cancelled", "filled", "leaves", "order_id", "order_type", "owner", "price", "qty", "side", "ts")

    def __init__(self, order_id: int, owner: int, side: int, price: int, qty: int, order_type: int, ts: int) -> None:
        self.order_id = order_id
        self.owner = owner
        self.side = side
        self.price = price
        self.qty = qty
        self.leaves = qty
        self.filled = 0
        self.cancelled = 0
        self.order_type = order_type
        self.ts = ts

    def raw_update(self, status: int, reason: int, ts: int) -> _RawUpdate:
        return (
            ts, self.order_id, self.owner, self.side, self.price, status, reason,
            self.qty, self.leaves, self.filled, self.cancelled,
        )  # fmt: skip


class _Level:
    """One price level: FIFO queue (possibly holding dead entries), total open quantity, live order count."""

    __slots__ = ("live", "orders", "qty")

    def __init__(self) -> None:
        self.qty = 0
        self.live = 0
        self.orders: deque[_Order] = deque()


class _BookSide:
    """The levels of one side and their sorted keys (``side * price``; best at the end)."""

    __slots__ = ("keys", "levels")

    def __init__(self) -> None:
        self.levels: dict[int, _Level] = {}
        self.keys: list[int] = []


class MatchingEngine:
    """Price–time priority matching for one instrument.

    Orders are submitted with `submit` (or `submit_market`), changed with `modify` and removed with `cancel`;
    each call returns at once and records its consequences, which `drain` hands over. Invalid requests are not
    exceptions but ``REJECTED`` updates with an `OrderReason`, as a venue would answer.

    ``stp`` chooses self-trade prevention between orders of the same ``owner``; ``post_only`` what a crossing
    post-only order does; ``min_price``/``max_price`` the accepted price band in ticks; ``l3_feed`` adds
    order-by-order ``ADD``/``CANCEL``/``MODIFY``/``FILL`` rows to the public feed (a priority-losing modify
    appears as ``CANCEL`` then ``ADD`` of the same order id). Prices and quantities must be integers (numpy
    integers take a slower path; floats and bools are rejected); owners and timestamps are expected to be ints.
    """

    __slots__ = (
        "_add_tag",
        "_asks",
        "_bids",
        "_cancel_tag",
        "_depth_tag",
        "_executions",
        "_fill_tag",
        "_l3_feed",
        "_market_data",
        "_max_price",
        "_min_price",
        "_modify_tag",
        "_next_order_id",
        "_next_trade_id",
        "_orders",
        "_post_only",
        "_stp",
        "_trade_tag",
        "_updates",
        "instrument_id",
    )

    def __init__(
        self,
        instrument_id: int = 0,
        *,
        stp: StpMode = StpMode.CANCEL_NEWEST,
        post_only: PostOnlyMode = PostOnlyMode.REJECT,
        min_price: int = 1,
        max_price: int | None = None,
        l3_feed: bool = False,
        first_order_id: int = 1,
    ) -> None:
        max_price = _PRICE_CEILING if max_price is None else max_price
        if min_price > max_price:
            raise ValueError(f"min_price {min_price} is above max_price {max_price}")
        if min_price < -_PRICE_CEILING or max_price > _PRICE_CEILING:
            raise ValueError(f"price band must lie within ±{_PRICE_CEILING} ticks")
        if not -(2**31) <= instrument_id < 2**31:
            raise ValueError(f"instrument_id must fit in int32, got {instrument_id}")
        self.instrument_id = instrument_id
        self._stp = int(StpMode(stp))
        self._post_only = PostOnlyMode(post_only)
        self._min_price = min_price
        self._max_price = max_price
        self._l3_feed = l3_feed
        self._next_order_id = first_order_id
        self._next_trade_id = 1
        self._bids = _BookSide()
        self._asks = _BookSide()
        self._orders: dict[int, _Order] = {}
        self._executions: list[_RawExecution] = []
        self._updates: list[_RawUpdate] = []
        self._market_data: list[int] = []
        self._depth_tag = tags_by_side(instrument_id, EventKind.DEPTH)
        self._trade_tag = tags_by_side(instrument_id, EventKind.TRADE)
        self._add_tag = tags_by_side(instrument_id, EventKind.ADD)
        self._cancel_tag = tags_by_side(instrument_id, EventKind.CANCEL)
        self._modify_tag = tags_by_side(instrument_id, EventKind.MODIFY)
        self._fill_tag = tags_by_side(instrument_id, EventKind.FILL)

    @property
    def stp(self) -> StpMode:
        """The self-trade prevention mode."""
        return StpMode(self._stp)

    @property
    def post_only_mode(self) -> PostOnlyMode:
        """What a crossing post-only order does."""
        return self._post_only

    # -- order entry ----------------------------------------------------------------------------------------
    def submit(
        self,
        side: int,
        price: int,
        qty: int,
        *,
        owner: int = 0,
        order_type: OrderType = OrderType.LIMIT,
        ts: int = 0,
    ) -> int:
        """Enter a new order; returns its id (also for a rejected order, so the rejection can be matched up).

        ``side`` is `hft_core.events.BUY` or ``SELL``; ``price`` is ignored for ``MARKET`` orders. Integer
        prices and quantities of other types (numpy integers) are accepted on a slower path; anything else
        (floats, bools) is rejected as ``INVALID_PRICE`` / ``INVALID_QTY``.
        """
        order_id = self._next_order_id
        self._next_order_id = order_id + 1
        if (
            order_type == _LIMIT
            and side in _SIDES
            and type(qty) is int
            and type(price) is int
            and qty > 0
            and self._min_price <= price <= self._max_price
        ):
            order = _Order(order_id, owner, side, price, qty, _LIMIT, ts)
            self._updates.append((ts, order_id, owner, side, price, _ACCEPTED, _NO_REASON, qty, qty, 0, 0))
            opposite_keys = self._asks.keys if side == BUY else self._bids.keys
            if opposite_keys and opposite_keys[-1] >= -side * price:
                self._settle_limit_taker(order, self._take(order, -side * price), 0)
            else:
                self._rest(order)
            return order_id
        self._submit_other(order_id, side, price, qty, owner, order_type, ts)
        return order_id

    def submit_market(self, side: int, qty: int, *, owner: int = 0, ts: int = 0) -> int:
        """Enter a market order (`submit` with ``order_type=MARKET``); returns its id."""
        return self.submit(side, 0, qty, owner=owner, order_type=OrderType.MARKET, ts=ts)

    def cancel(self, order_id: int, *, ts: int = 0, owner: int | None = None) -> bool:
        """Cancel a resting order; ``owner``, when given, must be the order's owner. True if it was cancelled."""
        order = self._orders.get(order_id)
        if order is None:
            self._reject_request(order_id, None, owner, OrderReason.UNKNOWN_ORDER, ts)
            return False
        if owner is not None and owner != order.owner:
            self._reject_request(order_id, None, owner, OrderReason.NOT_OWNER, ts)
            return False
        order.cancelled += self._unlink(order, ts)
        self._updates.append(order.raw_update(_CANCELLED, _REQUESTED, ts))
        return True

    def cancel_all(self, owner: int, *, ts: int = 0) -> int:
        """Cancel every resting order of ``owner`` (e.g. on a kill switch); returns how many were cancelled."""
        mine = [order_id for order_id, order in self._orders.items() if order.owner == owner]
        for order_id in mine:
            self.cancel(order_id, ts=ts)
        return len(mine)

    def modify(
        self,
        order_id: int,
        *,
        qty: int | None = None,
        price: int | None = None,
        ts: int = 0,
        owner: int | None = None,
    ) -> bool:
        """Change a resting order's open quantity (``qty`` = new leaves) and/or price; True if accepted.

        A pure size decrease keeps the order's queue position. A price change or a size increase sends it to
        the back of the queue at its (new) price, and a new price that crosses the book matches like a new
        limit order (a post-only order is rejected or slid instead, per the engine's `PostOnlyMode`).
        """
        order = self._orders.get(order_id)
        if order is None:
            self._reject_request(order_id, None, owner, OrderReason.UNKNOWN_ORDER, ts)
            return False
        if owner is not None and owner != order.owner:
            self._reject_request(order_id, None, owner, OrderReason.NOT_OWNER, ts)
            return False
        new_leaves = order.leaves if qty is None else _as_int(qty)
        new_price = order.price if price is None else _as_int(price)
        if new_leaves is None or new_leaves <= 0:
            self._reject_request(order_id, order, owner, OrderReason.INVALID_QTY, ts)
            return False
        if new_price is None or not self._min_price <= new_price <= self._max_price:
            self._reject_request(order_id, order, owner, OrderReason.INVALID_PRICE, ts)
            return False
        side = order.side
        if new_price == order.price and new_leaves <= order.leaves:
            self._reduce_in_place(order, new_leaves, ts)
            return True

        opposite_keys = self._asks.keys if side == BUY else self._bids.keys
        crosses = bool(opposite_keys) and opposite_keys[-1] >= -side * new_price
        if crosses and order.order_type == _POST_ONLY:
            slid = self._slide_post_only(side, opposite_keys)
            if slid is None:
                self._reject_request(order_id, order, owner, OrderReason.POST_ONLY_WOULD_CROSS, ts)
                return False
            new_price, crosses = slid, False

        old_leaves = self._unlink(order, ts)
        replacement = _Order(order_id, order.owner, side, new_price, order.qty, order.order_type, ts)
        replacement.qty = order.qty + max(0, new_leaves - old_leaves)
        replacement.leaves = new_leaves
        replacement.filled = order.filled
        replacement.cancelled = order.cancelled + max(0, old_leaves - new_leaves)
        self._updates.append(replacement.raw_update(_MODIFIED, _NO_REASON, ts))
        if crosses:
            filled_before = replacement.filled
            self._settle_limit_taker(replacement, self._take(replacement, -side * new_price), filled_before)
        else:
            self._rest(replacement)
        return True

    # -- output ---------------------------------------------------------------------------------------------
    def drain(self) -> MatchingOutput:
        """Hand over everything emitted since the previous drain (and forget it here)."""
        raw_executions, self._executions = self._executions, []
        raw_updates, self._updates = self._updates, []
        flat_rows, self._market_data = self._market_data, []
        # tuple.__new__ skips the NamedTuples' Python-level constructors: half the cost for thousands of records.
        new_record = tuple.__new__
        executions = [new_record(Execution, raw) for raw in raw_executions]
        statuses = _STATUS_BY_CODE
        reasons = _REASON_BY_CODE
        updates = [
            new_record(
                OrderUpdate,
                (ts, oid, owner, side, price, statuses[status], reasons[reason], qty, leaves, filled, cancelled),
            )
            for ts, oid, owner, side, price, status, reason, qty, leaves, filled, cancelled in raw_updates
        ]
        return MatchingOutput(executions, updates, flat_rows_to_events(flat_rows))

    # -- read-only queries ----------------------------------------------------------------------------------
    def best_bid(self) -> int | None:
        """The highest resting bid price, or None when there are no bids."""
        keys = self._bids.keys
        return keys[-1] if keys else None

    def best_ask(self) -> int | None:
        """The lowest resting ask price, or None when there are no asks."""
        keys = self._asks.keys
        return -keys[-1] if keys else None

    def level_qty(self, side: int, price: int) -> int:
        """Total open quantity resting at ``price`` on ``side`` (0 if no level there)."""
        level = self._book(side).levels.get(price)
        return 0 if level is None else level.qty

    def depth(self, side: int, max_levels: int | None = None) -> list[tuple[int, int]]:
        """``(price, qty)`` per level on ``side``, best first, at most ``max_levels`` of them."""
        book = self._book(side)
        keys = book.keys
        count = len(keys) if max_levels is None else max(0, min(max_levels, len(keys)))
        result = []
        for index in range(len(keys) - 1, len(keys) - 1 - count, -1):
            price = side * keys[index]
            result.append((price, book.levels[price].qty))
        return result

    def order(self, order_id: int) -> OrderInfo | None:
        """A snapshot of resting order ``order_id``, or None when it is not resting."""
        order = self._orders.get(order_id)
        return None if order is None else _info(order)

    def open_orders(self, owner: int | None = None) -> list[OrderInfo]:
        """Snapshots of all resting orders (of ``owner`` if given), in order-id order."""
        orders = sorted(self._orders.values(), key=lambda order: order.order_id)
        return [_info(order) for order in orders if owner is None or order.owner == owner]

    def queue(self, side: int, price: int) -> list[OrderInfo]:
        """The live orders at one level, front of the queue first."""
        level = self._book(side).levels.get(price)
        return [] if level is None else [_info(order) for order in level.orders if order.leaves]

    def queue_ahead(self, order_id: int) -> int:
        """Open quantity ahead of ``order_id`` in its level's queue; `UnknownOrderError` if it is not resting."""
        order = self._orders.get(order_id)
        if order is None:
            raise UnknownOrderError(f"order {order_id} is not resting in the book")
        ahead = 0
        for queued in self._book(order.side).levels[order.price].orders:
            if queued is order:
                return ahead
            ahead += queued.leaves
        raise AssertionError(f"resting order {order_id} missing from its level queue")  # pragma: no cover

    @property
    def open_order_count(self) -> int:
        """How many orders are resting."""
        return len(self._orders)

    @property
    def next_order_id(self) -> int:
        """The id the next `submit` will get (so a pre-trade check can be keyed by it)."""
        return self._next_order_id

    # -- internals ------------------------------------------------------------------------------------------
    def _book(self, side: int) -> _BookSide:
        if side == BUY:
            return self._bids
        if side == SELL:
            return self._asks
        raise ValueError(f"side must be BUY (1) or SELL (-1), got {side!r}")

    def _submit_other(
        self, order_id: int, side: int, price: int, qty: int, owner: int, order_type: int, ts: int
    ) -> None:
        """Validate and dispatch everything but an in-band plain limit order of Python ints."""
        side_value = _as_int(side)
        qty_value = _as_int(qty)
        price_value = 0 if order_type == _MARKET else _as_int(price)
        rejected = (order_id, owner, side_value or 0, price_value or 0, qty_value or 0)
        if side_value not in _SIDES:
            self._reject_new(*rejected, OrderReason.INVALID_SIDE, ts)
            return
        if qty_value is None or qty_value <= 0:
            self._reject_new(*rejected, OrderReason.INVALID_QTY, ts)
            return
        if order_type not in _VALID_ORDER_TYPES:
            self._reject_new(*rejected, OrderReason.INVALID_ORDER_TYPE, ts)
            return
        if price_value is None or (order_type != _MARKET and not self._min_price <= price_value <= self._max_price):
            self._reject_new(*rejected, OrderReason.INVALID_PRICE, ts)
            return
        side, qty, price = side_value, qty_value, price_value
        opposite_keys = self._asks.keys if side == BUY else self._bids.keys
        if order_type == _POST_ONLY and opposite_keys and opposite_keys[-1] >= -side * price:
            slid = self._slide_post_only(side, opposite_keys)
            if slid is None:
                self._reject_new(*rejected, OrderReason.POST_ONLY_WOULD_CROSS, ts)
                return
            price = slid

        order = _Order(order_id, owner, side, price, qty, int(order_type), ts)
        self._updates.append((ts, order_id, owner, side, price, _ACCEPTED, _NO_REASON, qty, qty, 0, 0))
        if order_type == _LIMIT:
            self._settle_limit_taker(order, self._take(order, -side * price), 0)
        elif order_type == _POST_ONLY:
            self._rest(order)
        elif order_type == _FOK and self._fillable_qty(side, -side * price, owner, qty) < qty:
            order.cancelled, order.leaves = qty, 0
            self._updates.append(order.raw_update(_EXPIRED, _FOK_UNFILLABLE, ts))
        else:
            threshold = -_PRICE_CEILING - 1 if order_type == _MARKET else -side * price
            self._settle_immediate(order, self._take(order, threshold))

    def _slide_post_only(self, side: int, opposite_keys: list[int]) -> int | None:
        """The price a crossing post-only order slides to, or None when it must be rejected instead."""
        if self._post_only != PostOnlyMode.SLIDE:
            return None
        best_opposite = -side * opposite_keys[-1]
        slid = best_opposite - side
        return slid if self._min_price <= slid <= self._max_price else None

    def _rest(self, order: _Order) -> None:
        """Append ``order`` to the back of its level's queue."""
        side = order.side
        price = order.price
        book = self._bids if side == BUY else self._asks
        level = book.levels.get(price)
        if level is None:
            level = book.levels[price] = _Level()
            key = side * price
            keys = book.keys
            if not keys or key > keys[-1]:
                keys.append(key)
            else:
                insort(keys, key)
        level.orders.append(order)
        level.qty += order.leaves
        level.live += 1
        self._orders[order.order_id] = order
        ts = order.ts
        if self._l3_feed:
            self._market_data.extend((ts, ts, price, order.leaves, order.order_id, self._add_tag[side]))
        self._market_data.extend((ts, ts, price, level.qty, 0, self._depth_tag[side]))

    def _unlink(self, order: _Order, ts: int) -> int:
        """Take a resting order out of the book (marking it dead); returns the open quantity it had."""
        leaves = order.leaves
        order.leaves = 0
        side = order.side
        price = order.price
        book = self._bids if side == BUY else self._asks
        level = book.levels[price]
        level.qty -= leaves
        level.live -= 1
        del self._orders[order.order_id]
        if level.live:
            if len(level.orders) > 2 * level.live + _COMPACT_SLACK:
                level.orders = deque(queued for queued in level.orders if queued.leaves)
        else:
            del book.levels[price]
            key = side * price
            keys = book.keys
            if keys[-1] == key:
                keys.pop()
            else:
                del keys[bisect_left(keys, key)]
        if self._l3_feed:
            self._market_data.extend((ts, ts, price, leaves, order.order_id, self._cancel_tag[side]))
        self._market_data.extend((ts, ts, price, level.qty, 0, self._depth_tag[side]))
        return leaves

    def _reduce_in_place(self, order: _Order, new_leaves: int, ts: int) -> None:
        """A size decrease (or no-op) at an unchanged price: the order keeps its queue position."""
        reduction = order.leaves - new_leaves
        if reduction:
            side = order.side
            price = order.price
            level = (self._bids if side == BUY else self._asks).levels[price]
            level.qty -= reduction
            order.leaves = new_leaves
            order.cancelled += reduction
            if self._l3_feed:
                self._market_data.extend((ts, ts, price, new_leaves, order.order_id, self._modify_tag[side]))
            self._market_data.extend((ts, ts, price, level.qty, 0, self._depth_tag[side]))
        self._updates.append(order.raw_update(_MODIFIED, _NO_REASON, ts))

    def _take(self, taker: _Order, threshold: int) -> bool:
        """Match ``taker`` against the opposite side while its best key is at least ``threshold``.

        Returns True when self-trade prevention stopped the taker (its remainder must then be cancelled).
        """
        side = taker.side
        book = self._asks if side == BUY else self._bids
        keys = book.keys
        levels = book.levels
        ts = taker.ts
        owner = taker.owner
        taker_id = taker.order_id
        stp = self._stp
        l3_feed = self._l3_feed
        orders_by_id = self._orders
        executions = self._executions
        updates = self._updates
        market_data = self._market_data
        trade_tag = self._trade_tag[side]
        maker_depth_tag = self._depth_tag[-side]
        trade_id = self._next_trade_id
        remaining = taker.leaves
        stopped_by_stp = False
        while remaining and keys and keys[-1] >= threshold:
            price = -side * keys[-1]
            level = levels[price]
            queue = level.orders
            qty_before = level.qty
            while True:
                maker = queue[0]
                maker_leaves = maker.leaves
                if not maker_leaves:
                    queue.popleft()
                    continue
                if stp and maker.owner == owner:
                    if stp != _STP_CANCEL_NEWEST:
                        queue.popleft()
                        maker.leaves = 0
                        maker.cancelled += maker_leaves
                        level.qty -= maker_leaves
                        level.live -= 1
                        del orders_by_id[maker.order_id]
                        updates.append(maker.raw_update(_CANCELLED, _SELF_TRADE, ts))
                        if l3_feed:
                            market_data.extend((ts, ts, price, maker_leaves, maker.order_id, self._cancel_tag[-side]))
                    if stp != _STP_CANCEL_OLDEST:
                        stopped_by_stp = True
                        break
                    if not level.live:
                        break
                    continue
                fill = remaining if remaining < maker_leaves else maker_leaves
                remaining -= fill
                maker_leaves -= fill
                maker.leaves = maker_leaves
                maker.filled += fill
                level.qty -= fill
                maker_id = maker.order_id
                executions.append((ts, trade_id, price, fill, side, maker_id, maker.owner, taker_id, owner))
                trade_id += 1
                market_data.extend((ts, ts, price, fill, 0, trade_tag))
                if l3_feed:
                    market_data.extend((ts, ts, price, fill, maker_id, self._fill_tag[-side]))
                if maker_leaves:
                    updates.append(maker.raw_update(_PARTIALLY_FILLED, _NO_REASON, ts))
                    break
                queue.popleft()
                level.live -= 1
                del orders_by_id[maker_id]
                updates.append(maker.raw_update(_FILLED, _NO_REASON, ts))
                if not remaining or not level.live:
                    break
            if level.qty != qty_before:
                market_data.extend((ts, ts, price, level.qty, 0, maker_depth_tag))
            if not level.live:
                del levels[price]
                keys.pop()
            if stopped_by_stp:
                break
        self._next_trade_id = trade_id
        taker.filled += taker.leaves - remaining
        taker.leaves = remaining
        return stopped_by_stp

    def _settle_limit_taker(self, order: _Order, stopped_by_stp: bool, filled_before: int) -> None:
        """After matching a limit order: rest its remainder, or report it filled or cancelled by STP."""
        if stopped_by_stp:
            order.cancelled += order.leaves
            order.leaves = 0
            self._updates.append(order.raw_update(_CANCELLED, _SELF_TRADE, order.ts))
        elif order.leaves:
            if order.filled != filled_before:
                self._updates.append(order.raw_update(_PARTIALLY_FILLED, _NO_REASON, order.ts))
            self._rest(order)
        else:
            self._updates.append(order.raw_update(_FILLED, _NO_REASON, order.ts))

    def _settle_immediate(self, order: _Order, stopped_by_stp: bool) -> None:
        """After matching a market/IOC/FOK order: it is filled, or its remainder expires (or STP cancels it)."""
        if stopped_by_stp:
            order.cancelled += order.leaves
            order.leaves = 0
            self._updates.append(order.raw_update(_CANCELLED, _SELF_TRADE, order.ts))
        elif order.leaves:
            order.cancelled += order.leaves
            order.leaves = 0
            self._updates.append(order.raw_update(_EXPIRED, _IOC_REMAINDER, order.ts))
        else:
            self._updates.append(order.raw_update(_FILLED, _NO_REASON, order.ts))

    def _fillable_qty(self, side: int, threshold: int, owner: int, wanted: int) -> int:
        """How much an immediate order could fill at keys >= ``threshold``, honouring self-trade prevention.

        Stops counting once ``wanted`` is reached.
        """
        book = self._asks if side == BUY else self._bids
        stp = self._stp
        total = 0
        for key in reversed(book.keys):
            if key < threshold:
                break
            level = book.levels[-side * key]
            if stp == _STP_NONE:
                total += level.qty
            else:
                for queued in level.orders:
                    if not queued.leaves:
                        continue
                    if queued.owner == owner:
                        if stp != _STP_CANCEL_OLDEST:
                            return total
                        continue
                    total += queued.leaves
                    if total >= wanted:
                        return total
            if total >= wanted:
                return total
        return total

    def _reject_new(
        self, order_id: int, owner: int, side: int, price: int, qty: int, reason: OrderReason, ts: int
    ) -> None:
        self._updates.append((ts, order_id, owner, side, price, _REJECTED, int(reason), qty, 0, 0, 0))

    def _reject_request(
        self, order_id: int, order: _Order | None, requester: int | None, reason: OrderReason, ts: int
    ) -> None:
        """Reject a cancel or modify: with the live order's unchanged state, or with zeros when the requester
        may not see it (unknown id, or someone else's order)."""
        if order is not None:
            self._updates.append(order.raw_update(_REJECTED, int(reason), ts))
            return
        owner = -1 if requester is None else requester
        self._updates.append((ts, order_id, owner, 0, 0, _REJECTED, int(reason), 0, 0, 0, 0))


def _as_int(value: object) -> int | None:
    """``value`` as a Python int when it is an integer of any kind except bool, else None."""
    if type(value) is int:
        return value
    if isinstance(value, bool) or not isinstance(value, SupportsIndex):
        return None
    return operator.index(value)


def _info(order: _Order) -> OrderInfo:
    return OrderInfo(
        order.order_id, order.owner, order.side, order.price, OrderType(order.order_type),
        order.qty, order.leaves, order.filled, order.cancelled, order.ts,
    )  # fmt: skip
