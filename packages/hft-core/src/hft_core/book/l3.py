"""Order-by-order (L3) book: every resting order with its id, FIFO (price-time priority) within a price level.

Besides attributed orders a level may hold *unattributed* lots: quantity known to rest at the price (from a
snapshot or an aggregated level update) without the orders behind it. This is what a replay needs when its
feed starts mid-day or only covers part of the book (LOBSTER's level-N files, see `hft_core.data.lobster`).
Unattributed lots sit at the front of the level's queue: they were there before any order the book has seen
arrive, so under FIFO they are ahead of all of them.

Semantics of `L3Book.apply` per event kind (the compiled `hft_core.book.L3Replay` implements exactly the same):

- ``ADD``: a new order at the back of its level. Duplicate id, bad side, non-positive qty or (unless
  ``allow_crossed``) a price at or through the opposite best are errors.
- Every row but ``CLEAR`` needs a price > 0 (`InvalidPriceError`).
- ``CANCEL`` / ``FILL``: remove ``qty`` lots from the order (it leaves the book at 0); more than it holds is an
  error. A ``CANCEL`` of 0 lots removes the whole order (with ``unknown_orders="residual"`` and an id the book
  never saw, nothing is removed and it counts in ``unexplained_events``). The book's own record of the order's
  side and price is authoritative. An unknown id is an error, or with ``unknown_orders="residual"`` the lots are
  taken from the unattributed lots at the event's side and price; any shortfall is counted in
  `L3Book.unexplained_qty` / ``unexplained_events``, never hidden.
- ``MODIFY``: the order now holds ``qty`` at ``price``; it keeps its priority only when the price is unchanged
  and the size does not grow.
- ``DEPTH`` / ``SNAPSHOT``: the level now holds ``qty`` lots in total; the unattributed part becomes ``qty``
  minus the attributed orders' lots (an error if they alone exceed it). ``SNAPSHOT`` defers the crossing check
  to the end of the snapshot (the first event that is neither ``CLEAR`` nor ``SNAPSHOT``, or the chunk's end).
- ``CLEAR``: forget ``side`` (0 = both), orders and unattributed lots alike.
- ``TRADE``: no change (executions of resting orders come as ``FILL``).

Every failing call leaves the book exactly as it was before that call (or event).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from hft_core.book.errors import (
    BookError,
    CrossedBookError,
    DuplicateOrderError,
    ExcessQuantityError,
    InvalidPriceError,
    InvalidQuantityError,
    UnknownOrderError,
    at_event,
)
from hft_core.book.l2 import L2Book, check_side
from hft_core.events import BUY, SELL, EventKind, Events

__all__ = [
    "NO_ASK_PRICE",
    "NO_BID_PRICE",
    "L3Book",
    "L3Level",
    "L3Order",
    "TopOfBook",
    "UnknownOrderPolicy",
    "reference_top_of_book",
]

UnknownOrderPolicy = Literal["error", "residual"]
"""What a cancel or fill of an order id the book does not hold does: raise, or use unattributed lots."""

NO_BID_PRICE = int(np.iinfo(np.int64).min)
"""The bid price recorded in a `TopOfBook` when there are no bids (its quantity is 0)."""
NO_ASK_PRICE = int(np.iinfo(np.int64).max)
"""The ask price recorded in a `TopOfBook` when there are no asks (its quantity is 0)."""


@dataclass(frozen=True, slots=True)
class L3Order:
    """A resting order as the book holds it now (``qty`` is what remains)."""

    order_id: int
    side: int
    price: int
    qty: int


@dataclass(frozen=True, slots=True)
class L3Level:
    """One price level seen as L2: total lots, number of attributed orders, and the unattributed lots."""

    price: int
    qty: int
    order_count: int
    unattributed: int = 0


@dataclass(frozen=True, slots=True, eq=False)
class TopOfBook:
    """Best bid and ask after each event of a replay, as parallel int64 arrays.

    An empty side records `NO_BID_PRICE` / `NO_ASK_PRICE` with quantity 0.
    """

    bid_price: npt.NDArray[np.int64]
    bid_qty: npt.NDArray[np.int64]
    ask_price: npt.NDArray[np.int64]
    ask_qty: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.bid_price)

    def first_difference(self, other: TopOfBook) -> int | None:
        """Index of the first event where the two records differ (None when identical)."""
        if len(self) != len(other):
            return min(len(self), len(other))
        same = (
            (self.bid_price == other.bid_price)
            & (self.bid_qty == other.bid_qty)
            & (self.ask_price == other.ask_price)
            & (self.ask_qty == other.ask_qty)
        )
        mismatched = np.flatnonzero(~same)
        return int(mismatched[0]) if len(mismatched) else None

    @staticmethod
    def concat(parts: list[TopOfBook]) -> TopOfBook:
        """One record from the records of consecutive chunks."""
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return TopOfBook(empty, empty.copy(), empty.copy(), empty.copy())
        return TopOfBook(
            np.concatenate([p.bid_price for p in parts]),
            np.concatenate([p.bid_qty for p in parts]),
            np.concatenate([p.ask_price for p in parts]),
            np.concatenate([p.ask_qty for p in parts]),
        )


class _Order:
    __slots__ = ("order_id", "price", "qty", "side")

    def __init__(self, order_id: int, side: int, price: int, qty: int) -> None:
        self.order_id = order_id
        self.side = side
        self.price = price
        self.qty = qty


class _Level:
    __slots__ = ("orders", "price", "qty", "unattributed")

    def __init__(self, price: int) -> None:
        self.price = price
        self.qty = 0
        self.unattributed = 0
        self.orders: dict[int, _Order] = {}  # insertion order is time priority


class L3Book:
    """An order-by-order book for one instrument (prices in ticks, sizes in lots).

    ``allow_crossed=True`` turns off the crossing checks, for replaying feeds known to be incomplete.
    """

    __slots__ = ("_levels", "_orders", "_prices", "allow_crossed", "unexplained_events", "unexplained_qty")

    def __init__(self, *, allow_crossed: bool = False) -> None:
        self.allow_crossed = allow_crossed
        self.unexplained_qty = 0
        """Lots that unknown-order cancels/fills asked for beyond the unattributed lots (residual policy)."""
        self.unexplained_events = 0
        """Number of events that contributed to ``unexplained_qty``."""
        self._orders: dict[int, _Order] = {}
        self._levels: dict[int, dict[int, _Level]] = {BUY: {}, SELL: {}}
        self._prices: dict[int, list[int]] = {BUY: [], SELL: []}  # ascending on both sides

    # -- order messages -------------------------------------------------------------------------------------
    def add(self, order_id: int, side: int, price: int, qty: int) -> None:
        """Rest a new order at the back of the queue at ``price``."""
        check_side(side)
        _check_price(price)
        _check_positive(qty, f"add of order {order_id}")
        if order_id in self._orders:
            raise DuplicateOrderError(f"order {order_id} is already in the book")
        self._check_would_not_cross(side, price, f"add of order {order_id}")
        self._append(_Order(order_id, side, price, qty))

    def cancel(self, order_id: int) -> int:
        """Remove the whole order; returns the lots it still had."""
        order = self._known(order_id, "cancel")
        remaining = order.qty
        self._take(order, remaining)
        return remaining

    def reduce(self, order_id: int, qty: int) -> int:
        """Cancel ``qty`` lots of the order (partial cancel; keeps priority); returns the lots left."""
        return self._remove_qty(order_id, qty, "cancel")

    def execute(self, order_id: int, qty: int) -> int:
        """Execute ``qty`` lots of the resting order (partial or full); returns the lots left."""
        return self._remove_qty(order_id, qty, "execute")

    def modify(self, order_id: int, price: int, qty: int) -> None:
        """Change the order to ``qty`` lots at ``price``; priority is lost on a price change or size increase."""
        _check_price(price)
        _check_positive(qty, f"modify of order {order_id}")
        order = self._known(order_id, "modify")
        if price == order.price and qty <= order.qty:
            self._take(order, order.qty - qty)
            return
        if price != order.price:
            self._check_would_not_cross(order.side, price, f"modify of order {order_id}")
        self._take(order, order.qty)
        self._append(_Order(order_id, order.side, price, qty))

    # -- aggregated updates ---------------------------------------------------------------------------------
    def set_level(self, side: int, price: int, qty: int) -> None:
        """The level at ``price`` now holds ``qty`` lots; the part not in attributed orders is unattributed."""
        self._set_level(side, price, qty, check_crossing=True)

    def clear(self, side: int = 0) -> None:
        """Forget ``side`` (0 = both): its orders and unattributed lots."""
        for cleared in (BUY, SELL) if side == 0 else (check_side(side),):
            for level in self._levels[cleared].values():
                for order_id in level.orders:
                    del self._orders[order_id]
            self._levels[cleared].clear()
            self._prices[cleared].clear()

    def remove_unattributed(self, side: int, price: int, qty: int) -> int:
        """Take ``qty`` lots from the unattributed lots at ``price``; returns the lots it could not cover.

        This is how a feed's cancel or execution of an order the book never saw is booked; the shortfall is
        also added to ``unexplained_qty``.
        """
        check_side(side)
        _check_positive(qty, f"removal of unattributed lots at {price}")
        level = self._levels[side].get(price)
        taken = min(qty, level.unattributed) if level is not None else 0
        if level is not None and taken:
            level.unattributed -= taken
            level.qty -= taken
            if level.qty == 0:
                self._drop_level(side, price)
        shortfall = qty - taken
        if shortfall:
            self.unexplained_qty += shortfall
            self.unexplained_events += 1
        return shortfall

    # -- event chunks ---------------------------------------------------------------------------------------
    def apply(self, events: Events, *, unknown_orders: UnknownOrderPolicy = "error") -> None:
        """Apply a chunk of `EVENT_DTYPE` events in order (semantics in the module docstring).

        An error carries the failing event's index in ``event_index``; the events before it stay applied.
        """
        for _ in self._replay(events, unknown_orders):
            pass

    # -- queries --------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        """Number of attributed orders resting."""
        return len(self._orders)

    def __contains__(self, order_id: object) -> bool:
        return order_id in self._orders

    def get(self, order_id: int) -> L3Order | None:
        """The order with this id, or None."""
        order = self._orders.get(order_id)
        return None if order is None else _view(order)

    def order(self, order_id: int) -> L3Order:
        """The order with this id (`UnknownOrderError` when absent)."""
        return _view(self._known(order_id, "look up"))

    def queue_position(self, order_id: int) -> int:
        """Lots ahead of the order in its level's queue (unattributed lots included)."""
        order = self._known(order_id, "find the queue position of")
        level = self._levels[order.side][order.price]
        ahead = level.unattributed
        for other in level.orders.values():
            if other is order:
                return ahead
            ahead += other.qty
        raise AssertionError(f"order {order_id} missing from its level")  # pragma: no cover

    def orders_at(self, side: int, price: int) -> list[L3Order]:
        """The attributed orders at ``price`` on ``side``, first in the queue first."""
        level = self._levels[check_side(side)].get(price)
        return [] if level is None else [_view(order) for order in level.orders.values()]

    def best_bid(self) -> tuple[int, int] | None:
        """``(price, total lots)`` of the best bid, or None."""
        prices = self._prices[BUY]
        return (prices[-1], self._levels[BUY][prices[-1]].qty) if prices else None

    def best_ask(self) -> tuple[int, int] | None:
        """``(price, total lots)`` of the best ask, or None."""
        prices = self._prices[SELL]
        return (prices[0], self._levels[SELL][prices[0]].qty) if prices else None

    def levels(self, side: int, depth: int | None = None) -> list[L3Level]:
        """The L2 view of ``side``: its best ``depth`` levels (all when None), best first."""
        prices = self._prices[check_side(side)]
        ordered = prices[::-1] if side == BUY else prices
        if depth is not None:
            ordered = ordered[: max(depth, 0)]
        side_levels = self._levels[side]
        return [
            L3Level(p, side_levels[p].qty, len(side_levels[p].orders), side_levels[p].unattributed) for p in ordered
        ]

    def to_l2(self) -> L2Book:
        """An `L2Book` holding this book's aggregated levels."""
        book = L2Book()
        book.load_snapshot(
            bids=[(level.price, level.qty) for level in self.levels(BUY)],
            asks=[(level.price, level.qty) for level in self.levels(SELL)],
        )
        return book

    def __repr__(self) -> str:
        return f"L3Book(orders={len(self._orders)}, bid={self.best_bid()}, ask={self.best_ask()})"

    # -- internals ------------------------------------------------------------------------------------------
    def _replay(self, events: Events, unknown_orders: UnknownOrderPolicy) -> Iterator[int]:
        """Apply ``events`` one by one, yielding each event's index once it is applied."""
        if unknown_orders not in ("error", "residual"):
            raise ValueError(f"unknown_orders must be 'error' or 'residual', got {unknown_orders!r}")
        residual = unknown_orders == "residual"
        kinds = events["kind"].tolist()
        sides = events["side"].tolist()
        prices = events["price"].tolist()
        qtys = events["qty"].tolist()
        order_ids = events["order_id"].tolist()
        in_snapshot = False
        index = 0
        try:
            for index, kind in enumerate(kinds):
                if in_snapshot and kind != EventKind.SNAPSHOT and kind != EventKind.CLEAR:
                    self._check_not_crossed()
                    in_snapshot = False
                side, price, qty, order_id = sides[index], prices[index], qtys[index], order_ids[index]
                if kind != EventKind.CLEAR:
                    _check_price(price)
                if kind == EventKind.ADD:
                    self.add(order_id, side, price, qty)
                elif kind == EventKind.CANCEL or kind == EventKind.FILL:
                    action = "cancel" if kind == EventKind.CANCEL else "execute"
                    if kind == EventKind.CANCEL and qty == 0:
                        # a cancel of 0 lots is of the whole order (docs/data-formats.md)
                        if residual and order_id not in self._orders:
                            self.unexplained_events += 1
                        else:
                            self.cancel(order_id)
                        yield index
                        continue
                    _check_positive(qty, f"{action} of order {order_id}")
                    if residual and order_id not in self._orders:
                        self.remove_unattributed(side, price, qty)
                    else:
                        self._remove_qty(order_id, qty, action)
                elif kind == EventKind.MODIFY:
                    self.modify(order_id, price, qty)
                elif kind == EventKind.DEPTH:
                    self._set_level(side, price, qty, check_crossing=True)
                elif kind == EventKind.SNAPSHOT:
                    self._set_level(side, price, qty, check_crossing=False)
                    in_snapshot = True
                elif kind == EventKind.CLEAR:
                    self.clear(side)
                    in_snapshot = True
                elif kind != EventKind.TRADE:
                    raise BookError(f"unknown event kind {kind}")
                yield index
            if in_snapshot:
                self._check_not_crossed()
        except BookError as error:
            raise at_event(error, index) from None

    def _known(self, order_id: int, action: str) -> _Order:
        order = self._orders.get(order_id)
        if order is None:
            raise UnknownOrderError(f"cannot {action} order {order_id}: no such order in the book")
        return order

    def _remove_qty(self, order_id: int, qty: int, action: str) -> int:
        _check_positive(qty, f"{action} of order {order_id}")
        order = self._known(order_id, action)
        if qty > order.qty:
            raise ExcessQuantityError(f"cannot {action} {qty} lots of order {order_id}: only {order.qty} remain")
        self._take(order, qty)
        return order.qty

    def _append(self, order: _Order) -> None:
        side_levels = self._levels[order.side]
        level = side_levels.get(order.price)
        if level is None:
            level = side_levels[order.price] = _Level(order.price)
            insort(self._prices[order.side], order.price)
        level.orders[order.order_id] = order
        level.qty += order.qty
        self._orders[order.order_id] = order

    def _take(self, order: _Order, qty: int) -> None:
        """Remove ``qty`` (<= its remaining) lots from a resting order, and the order itself at zero."""
        level = self._levels[order.side][order.price]
        order.qty -= qty
        level.qty -= qty
        if order.qty == 0:
            del level.orders[order.order_id]
            del self._orders[order.order_id]
            if level.qty == 0:
                self._drop_level(order.side, order.price)

    def _drop_level(self, side: int, price: int) -> None:
        del self._levels[side][price]
        prices = self._prices[side]
        del prices[bisect_left(prices, price)]

    def _set_level(self, side: int, price: int, qty: int, *, check_crossing: bool) -> None:
        check_side(side)
        if qty < 0:
            raise InvalidQuantityError(f"level qty must be >= 0, got {qty} at price {price}")
        level = self._levels[side].get(price)
        attributed = 0 if level is None else level.qty - level.unattributed
        if attributed > qty:
            raise ExcessQuantityError(
                f"level update to {qty} lots at {price}: attributed orders there already hold {attributed}"
            )
        if check_crossing and qty > 0:
            self._check_would_not_cross(side, price, "level update")
        if level is None:
            if qty == 0:
                return
            level = self._levels[side][price] = _Level(price)
            insort(self._prices[side], price)
        level.unattributed = qty - attributed
        level.qty = qty
        if qty == 0:
            self._drop_level(side, price)

    def _check_would_not_cross(self, side: int, price: int, what: str) -> None:
        if self.allow_crossed:
            return
        if side == BUY:
            ask = self.best_ask()
            if ask is not None and price >= ask[0]:
                raise CrossedBookError(f"{what}: bid at {price} crosses the best ask at {ask[0]}")
        else:
            bid = self.best_bid()
            if bid is not None and price <= bid[0]:
                raise CrossedBookError(f"{what}: ask at {price} crosses the best bid at {bid[0]}")

    def _check_not_crossed(self) -> None:
        if self.allow_crossed:
            return
        bid, ask = self.best_bid(), self.best_ask()
        if bid is not None and ask is not None and bid[0] >= ask[0]:
            raise CrossedBookError(f"snapshot leaves the book crossed: best bid {bid[0]} >= best ask {ask[0]}")


def reference_top_of_book(
    events: Events,
    *,
    book: L3Book | None = None,
    unknown_orders: UnknownOrderPolicy = "error",
) -> TopOfBook:
    """Best bid and ask after each event, replayed through a plain-Python `L3Book`.

    The reference for the compiled `hft_core.book.L3Replay`; pass ``book`` to continue from its state.
    """
    book = L3Book() if book is None else book
    n = len(events)
    bid_price = np.full(n, NO_BID_PRICE, dtype=np.int64)
    bid_qty = np.zeros(n, dtype=np.int64)
    ask_price = np.full(n, NO_ASK_PRICE, dtype=np.int64)
    ask_qty = np.zeros(n, dtype=np.int64)
    for index in book._replay(events, unknown_orders):
        bid = book.best_bid()
        if bid is not None:
            bid_price[index], bid_qty[index] = bid
        ask = book.best_ask()
        if ask is not None:
            ask_price[index], ask_qty[index] = ask
    return TopOfBook(bid_price, bid_qty, ask_price, ask_qty)


def _check_price(price: int) -> None:
    if price <= 0:
        raise InvalidPriceError(f"price must be positive, got {price}")


def _check_positive(qty: int, what: str) -> None:
    if qty <= 0:
        raise InvalidQuantityError(f"{what}: qty must be positive, got {qty}")


def _view(order: _Order) -> L3Order:
    return L3Order(order.order_id, order.side, order.price, order.qty)
