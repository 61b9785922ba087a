"""Compiled L3 replay: an order-by-order book advanced over whole event chunks in numba, top of book per event.

`L3Replay` keeps its book between `L3Replay.run` calls, so a day streams through it chunk by chunk with flat
memory; it grows its arrays as the number of live orders and levels grows. The semantics are those of
`hft_core.book.L3Book` (see `hft_core.book.l3`), and `hft_core.book.reference_top_of_book` is the plain-Python
reference it is tested against, event for event.

numba is imported on first use, so importing `hft_core.book` stays cheap.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

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
from hft_core.book.l2 import check_side
from hft_core.book.l3 import L3Level, L3Order, TopOfBook, UnknownOrderPolicy
from hft_core.events import BUY, EventKind, Events

__all__ = ["L3Replay", "replay_top_of_book"]

_Int64Array = npt.NDArray[np.int64]
_ACTIONS = {int(EventKind.CANCEL): "cancel", int(EventKind.FILL): "execute", int(EventKind.MODIFY): "modify"}


def _kernel() -> ModuleType:
    from hft_core.book import _l3_kernel

    return _l3_kernel


class L3Replay:
    """A compiled L3 book that replays event chunks and records the best bid and ask after every event.

    ``unknown_orders`` and ``allow_crossed`` mean what they mean for `L3Book.apply` / `L3Book`. The initial
    capacities only size the first allocation; they grow as needed.
    """

    def __init__(
        self,
        *,
        unknown_orders: UnknownOrderPolicy = "error",
        allow_crossed: bool = False,
        order_capacity: int = 1024,
        level_capacity: int = 64,
    ) -> None:
        if unknown_orders not in ("error", "residual"):
            raise ValueError(f"unknown_orders must be 'error' or 'residual', got {unknown_orders!r}")
        if order_capacity < 1 or level_capacity < 1:
            raise ValueError("order_capacity and level_capacity must be positive")
        self.unknown_orders: UnknownOrderPolicy = unknown_orders
        self.allow_crossed = allow_crossed
        k = _kernel()
        self._state = np.zeros(k.STATE_SIZE, dtype=np.int64)
        self._orders = _empty_orders(0, order_capacity)
        self._state[k.FREE_TOP] = order_capacity
        self._hash = np.full(k.hash_capacity_for(order_capacity), -1, dtype=np.int64)
        self._levels = _empty_levels(level_capacity)
        self._n_levels = np.zeros(2, dtype=np.int64)

    # -- replay ---------------------------------------------------------------------------------------------
    def run(self, events: Events) -> TopOfBook:
        """Apply a chunk; returns the top of book after each of its events.

        On an invalid event this raises the same `BookError` subclass as `L3Book.apply` would, with
        ``event_index`` set; the book then holds the state after the events before it.
        """
        k = _kernel()
        n = len(events)
        columns = (
            np.ascontiguousarray(events["kind"]),
            np.ascontiguousarray(events["side"]),
            np.ascontiguousarray(events["price"]),
            np.ascontiguousarray(events["qty"]),
            np.ascontiguousarray(events["order_id"]),
        )
        top = TopOfBook(
            np.empty(n, dtype=np.int64),
            np.empty(n, dtype=np.int64),
            np.empty(n, dtype=np.int64),
            np.empty(n, dtype=np.int64),
        )
        state = self._state
        state[k.POSITION] = 0
        state[k.ERROR_CODE] = 0
        state[k.IN_SNAPSHOT] = 0  # a snapshot never continues across calls (one that failed mid-way included)
        while True:
            status = k.run_chunk(
                *columns,
                top.bid_price,
                top.bid_qty,
                top.ask_price,
                top.ask_qty,
                *self._orders,
                self._hash,
                *self._levels,
                self._n_levels,
                state,
                self.unknown_orders == "residual",
                self.allow_crossed,
            )
            if status == k.DONE:
                return top
            if status == k.GROW_ORDERS:
                self._grow_orders()
            elif status == k.GROW_LEVELS:
                self._grow_levels()
            else:
                index = int(state[k.POSITION])
                raise at_event(self._error(int(state[k.ERROR_CODE]), events[index], int(state[k.AUX])), index)

    # -- state ----------------------------------------------------------------------------------------------
    @property
    def unexplained_qty(self) -> int:
        """Lots that unknown-order cancels/fills asked for beyond the unattributed lots (residual policy)."""
        return int(self._state[_kernel().UNEXPLAINED_QTY])

    @property
    def unexplained_events(self) -> int:
        """Number of events that contributed to ``unexplained_qty``."""
        return int(self._state[_kernel().UNEXPLAINED_EVENTS])

    def __len__(self) -> int:
        """Number of attributed orders resting."""
        return int(self._state[_kernel().LIVE_ORDERS])

    def best_bid(self) -> tuple[int, int] | None:
        """``(price, total lots)`` of the best bid, or None."""
        levels = self.levels(BUY, 1)
        return (levels[0].price, levels[0].qty) if levels else None

    def best_ask(self) -> tuple[int, int] | None:
        """``(price, total lots)`` of the best ask, or None."""
        levels = self.levels(-BUY, 1)
        return (levels[0].price, levels[0].qty) if levels else None

    def levels(self, side: int, depth: int | None = None) -> list[L3Level]:
        """The L2 view of ``side``, best first (same as `L3Book.levels`)."""
        row = 0 if check_side(side) == BUY else 1
        key, qty, count, _head, _tail, unattributed = self._levels
        n = int(self._n_levels[row])
        order = range(n - 1, -1, -1) if depth is None else range(n - 1, max(n - 1 - depth, -1), -1)
        sign = 1 if row == 0 else -1
        return [
            L3Level(sign * int(key[row, j]), int(qty[row, j]), int(count[row, j]), int(unattributed[row, j]))
            for j in order
        ]

    def get(self, order_id: int) -> L3Order | None:
        """The order with this id, or None (a linear scan: for inspection, not for hot loops)."""
        o_id, o_side, o_price, o_qty, *_ = self._orders
        found = np.flatnonzero((o_id == order_id) & (o_qty > 0))
        if not len(found):
            return None
        slot = int(found[0])
        return L3Order(order_id, int(o_side[slot]), int(o_price[slot]), int(o_qty[slot]))

    def orders_at(self, side: int, price: int) -> list[L3Order]:
        """The attributed orders at ``price`` on ``side``, first in the queue first."""
        row = 0 if check_side(side) == BUY else 1
        key, _qty, _count, head, _tail, _unattributed = self._levels
        wanted = price if row == 0 else -price
        n = int(self._n_levels[row])
        matches = np.flatnonzero(key[row, :n] == wanted)
        if not len(matches):
            return []
        o_id, o_side, o_price, o_qty, _prev, o_next, _free = self._orders
        result = []
        slot = int(head[row, int(matches[0])])
        while slot >= 0:
            result.append(L3Order(int(o_id[slot]), int(o_side[slot]), int(o_price[slot]), int(o_qty[slot])))
            slot = int(o_next[slot])
        return result

    # -- internals ------------------------------------------------------------------------------------------
    def _grow_orders(self) -> None:
        k = _kernel()
        old = self._orders
        capacity = len(old[0])
        grown = _empty_orders(capacity, 2 * capacity)
        for new_column, old_column in zip(grown[:-1], old[:-1], strict=True):
            new_column[:capacity] = old_column
        free_top = int(self._state[k.FREE_TOP])
        new_free = grown[-1]
        new_free[:capacity] = np.arange(2 * capacity - 1, capacity - 1, -1)
        new_free[capacity : capacity + free_top] = old[-1][:free_top]
        self._state[k.FREE_TOP] = capacity + free_top
        self._orders = grown
        self._hash = np.full(k.hash_capacity_for(2 * capacity), -1, dtype=np.int64)
        k.rehash(self._hash, grown[0], grown[3], 2 * capacity)

    def _grow_levels(self) -> None:
        old = self._levels
        capacity = old[0].shape[1]
        grown = _empty_levels(2 * capacity)
        for new_column, old_column in zip(grown, old, strict=True):
            new_column[:, :capacity] = old_column
        self._levels = grown

    def _error(self, code: int, event: Any, aux: int) -> BookError:
        k = _kernel()
        order_id, side, price, qty = int(event["order_id"]), int(event["side"]), int(event["price"]), int(event["qty"])
        kind = int(event["kind"])
        action = _ACTIONS.get(kind, "add")
        if code == k.ERR_BAD_SIDE:
            allowed = "0 (both), BUY (1) or SELL (-1)" if kind == EventKind.CLEAR else "BUY (1) or SELL (-1)"
            return BookError(f"side must be {allowed}, got {side}")
        if code == k.ERR_BAD_QTY:
            if kind in (EventKind.DEPTH, EventKind.SNAPSHOT):
                return InvalidQuantityError(f"level qty must be >= 0, got {qty} at price {price}")
            return InvalidQuantityError(f"{action} of order {order_id}: qty must be positive, got {qty}")
        if code == k.ERR_DUPLICATE:
            return DuplicateOrderError(f"order {order_id} is already in the book")
        if code == k.ERR_UNKNOWN:
            return UnknownOrderError(f"cannot {action} order {order_id}: no such order in the book")
        if code == k.ERR_EXCESS:
            return ExcessQuantityError(f"cannot {action} {qty} lots of order {order_id}: only {aux} remain")
        if code == k.ERR_LEVEL_EXCESS:
            return ExcessQuantityError(
                f"level update to {qty} lots at {price}: attributed orders there already hold {aux}"
            )
        if code == k.ERR_CROSSED:
            return CrossedBookError(f"{'bid' if side == BUY else 'ask'} at {price} crosses the opposite best at {aux}")
        if code == k.ERR_BAD_PRICE:
            return InvalidPriceError(f"price must be positive, got {price}")
        if code == k.ERR_CROSSED_SNAPSHOT:
            return CrossedBookError(f"snapshot leaves the book crossed: best ask {aux} is at or below the best bid")
        return BookError(f"unknown event kind {kind}")


def replay_top_of_book(
    events: Events, *, unknown_orders: UnknownOrderPolicy = "error", allow_crossed: bool = False
) -> TopOfBook:
    """Best bid and ask after each event of ``events``, replayed from an empty book by the compiled kernel."""
    return L3Replay(unknown_orders=unknown_orders, allow_crossed=allow_crossed).run(events)


def _empty_orders(used: int, capacity: int) -> tuple[_Int64Array, ...]:
    """Order columns (id, side, price, qty, prev, next) and the free-slot stack, all slots free when used=0."""
    columns = tuple(np.zeros(capacity, dtype=np.int64) for _ in range(6))
    free = np.arange(capacity - 1, -1, -1, dtype=np.int64) if used == 0 else np.zeros(capacity, dtype=np.int64)
    return (*columns, free)


def _empty_levels(capacity: int) -> tuple[_Int64Array, ...]:
    """Level columns (key, qty, count, head, tail, unattributed), one row per side."""
    return tuple(np.zeros((2, capacity), dtype=np.int64) for _ in range(6))
