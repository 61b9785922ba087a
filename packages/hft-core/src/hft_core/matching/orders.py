"""The matching engine's vocabulary: order types, statuses, reasons, and the records it emits.

Everything here is integer-valued (price ticks, quantity lots, nanosecond timestamps) and cheap to create, because
the engine emits one record per state change on its hot path. Enums are ``IntEnum`` so records stay plain
integers when written to arrays or files.
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

import numpy as np

from hft_core.errors import HftError
from hft_core.events import EventKind, Events

__all__ = [
    "Execution",
    "MatchingOutput",
    "OrderInfo",
    "OrderReason",
    "OrderStatus",
    "OrderType",
    "OrderUpdate",
    "PostOnlyMode",
    "StpMode",
    "UnknownOrderError",
]


class UnknownOrderError(HftError, LookupError):
    """A query named an order id that is not resting in the book (never existed, or already done)."""


class OrderType(IntEnum):
    """How an incoming order interacts with the book."""

    LIMIT = 1
    """Good till cancelled: matches what it can at its price or better, rests the remainder."""
    MARKET = 2
    """No price: matches against the best prices until filled or the book side is empty; the rest expires."""
    IOC = 3
    """Immediate or cancel: a limit order whose unfilled remainder expires instead of resting."""
    FOK = 4
    """Fill or kill: fills completely at its price or better right away, or expires without trading at all."""
    POST_ONLY = 5
    """A limit order that must not take liquidity; see `PostOnlyMode` for what happens when it would."""


class OrderStatus(IntEnum):
    """The state change an `OrderUpdate` reports."""

    ACCEPTED = 1
    REJECTED = 2
    CANCELLED = 3
    PARTIALLY_FILLED = 4
    FILLED = 5
    EXPIRED = 6
    MODIFIED = 7


class OrderReason(IntEnum):
    """Why an order was rejected, cancelled or expired (``NONE`` for ordinary updates)."""

    NONE = 0
    INVALID_SIDE = 1
    INVALID_QTY = 2
    INVALID_PRICE = 3
    INVALID_ORDER_TYPE = 4
    UNKNOWN_ORDER = 5
    NOT_OWNER = 6
    POST_ONLY_WOULD_CROSS = 7
    FOK_UNFILLABLE = 8
    IOC_REMAINDER = 9
    SELF_TRADE = 10
    REQUESTED = 11
    """Cancelled because its owner asked."""


class PostOnlyMode(IntEnum):
    """What the engine does with a post-only order whose price would cross the opposite best."""

    REJECT = 1
    SLIDE = 2
    """Re-price it one tick inside the opposite best (the best price at which it still rests)."""


class StpMode(IntEnum):
    """Self-trade prevention: what happens when an incoming order would match a resting order of its owner."""

    NONE = 0
    """No prevention: an owner may trade with itself."""
    CANCEL_NEWEST = 1
    """The incoming order's remaining quantity is cancelled; fills it already made stand."""
    CANCEL_OLDEST = 2
    """The resting order is cancelled and matching continues down the book."""
    CANCEL_BOTH = 3
    """Both the resting order and the incoming order's remainder are cancelled."""


class Execution(NamedTuple):
    """One fill between a resting (maker) and an incoming (taker) order."""

    ts: int
    trade_id: int
    price: int
    qty: int
    aggressor_side: int
    maker_order_id: int
    maker_owner: int
    taker_order_id: int
    taker_owner: int


class OrderUpdate(NamedTuple):
    """A change of one order's state, addressed to its owner.

    For every update of an accepted order ``qty == leaves + filled + cancelled``: ``qty`` is the total quantity
    the order has had (grown by size-increasing modifies), ``leaves`` what is still open, ``filled`` what traded
    and ``cancelled`` what was removed without trading (cancels, expiry, self-trade prevention, size-decreasing
    modifies). A rejected new order carries its requested ``qty`` and zeros; a rejected cancel or modify of a
    live order carries that order's unchanged state.
    """

    ts: int
    order_id: int
    owner: int
    side: int
    price: int
    status: OrderStatus
    reason: OrderReason
    qty: int
    leaves: int
    filled: int
    cancelled: int


class OrderInfo(NamedTuple):
    """A read-only snapshot of a resting order."""

    order_id: int
    owner: int
    side: int
    price: int
    order_type: OrderType
    qty: int
    leaves: int
    filled: int
    cancelled: int
    ts: int
    """When the order last gained its queue position (entry, or a priority-losing modify)."""


class MatchingOutput(NamedTuple):
    """What the engine emitted since the last drain.

    ``executions`` and ``updates`` are private to the participants concerned; ``market_data`` is the public
    feed as `hft_core.events.EVENT_DTYPE` rows (``DEPTH`` with the level's absolute quantity after the change,
    ``TRADE`` with the aggressor's side, and with an L3 feed ``ADD``/``CANCEL``/``MODIFY``/``FILL``), with
    ``local_ts`` equal to ``exch_ts``: receivers add their own latency.
    """

    executions: list[Execution]
    updates: list[OrderUpdate]
    market_data: Events

    @property
    def is_empty(self) -> bool:
        """Whether nothing at all was emitted."""
        return not self.executions and not self.updates and len(self.market_data) == 0

    def trades(self) -> Events:
        """The public ``TRADE`` rows only."""
        rows: Events = self.market_data[self.market_data["kind"] == np.uint8(EventKind.TRADE)]
        return rows
