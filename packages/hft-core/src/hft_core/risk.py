"""The pre-trade risk gate that sits between every strategy and every venue.

`RiskGate` checks each new order and each modify against `RiskLimits` and its own view of the account — open
orders, position, recent order timestamps and the latest PnL — and answers with a `RiskDecision`: accepted, or
rejected with a machine-readable `RiskReason` and a message a person can read. Position limits are checked on
the worst case, as if every open order on the same side filled, so no sequence of accepted orders can ever take
the position past its limit. A loss beyond ``max_loss`` trips a kill switch: every open order must then be
cancelled (the decision says so) and every new order or modify is refused until `RiskGate.reset_kill_switch`.

The gate counts an accepted order as open at once and applies an accepted modify at once; the caller reports
what happens afterwards with `RiskGate.on_fill`, `RiskGate.on_order_closed` (cancelled, expired, or rejected by
the venue) and `RiskGate.sync_order` (a modify the venue refused).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

from hft_core.errors import ConfigError, HftError
from hft_core.events import BUY, SELL
from hft_core.instruments import Instrument

__all__ = ["ACCEPTED", "RiskDecision", "RiskGate", "RiskLimits", "RiskReason", "RiskStateError"]


class RiskReason(IntEnum):
    """Why the gate refused an order."""

    INVALID_ORDER = 1
    """Non-positive quantity, or a side other than BUY/SELL."""
    DUPLICATE_ORDER_ID = 2
    UNKNOWN_ORDER = 3
    """A modify of an order the gate does not know as open."""
    UNKNOWN_INSTRUMENT = 4
    """A notional limit is set but the order's instrument was not given to the gate."""
    MAX_ORDER_QTY = 5
    MAX_NOTIONAL = 6
    MAX_POSITION = 7
    MAX_OPEN_ORDERS = 8
    ORDER_RATE = 9
    KILL_SWITCH = 10


class RiskStateError(HftError, ValueError):
    """The gate was told something inconsistent with what it knows (a fill for an unknown order, an overfill)."""


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """Pre-trade limits; ``None`` disables a limit.

    - ``max_position``: largest absolute position per instrument in lots, counting all open orders on the
      order's side as filled (worst case);
    - ``max_order_qty``: largest single order (or modified order) in lots;
    - ``max_notional``: largest single order's notional, price × size × multiplier in quote currency;
    - ``max_open_orders``: most orders open at once, across instruments;
    - ``max_orders_per_window`` / ``rate_window_ns``: most new orders plus modifies accepted in any rolling
      window of that many nanoseconds (cancels are never limited: they only reduce risk);
    - ``max_loss``: the kill switch trips when total PnL falls to ``-max_loss`` or below (quote currency).
    """

    max_position: int | None = None
    max_order_qty: int | None = None
    max_notional: float | None = None
    max_open_orders: int | None = None
    max_orders_per_window: int | None = None
    rate_window_ns: int = 1_000_000_000
    max_loss: float | None = None

    def __post_init__(self) -> None:
        for name in ("max_position", "max_order_qty", "max_open_orders", "max_orders_per_window"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ConfigError(f"risk limit {name} must be a non-negative integer or None, got {value!r}")
        for name in ("max_notional", "max_loss"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise ConfigError(f"risk limit {name} must be a non-negative finite number or None, got {value!r}")
        if (
            isinstance(self.rate_window_ns, bool)
            or not isinstance(self.rate_window_ns, int)
            or self.rate_window_ns <= 0
        ):
            raise ConfigError(f"rate_window_ns must be a positive integer, got {self.rate_window_ns!r}")


@dataclass(frozen=True, slots=True)
class RiskDecision:
    """The gate's answer. Truthy when accepted.

    ``cancel_all`` is set while the kill switch is engaged: the caller must cancel every open order
    (`RiskGate.open_order_ids`).
    """

    accepted: bool
    reason: RiskReason | None
    message: str
    cancel_all: bool = False

    def __bool__(self) -> bool:
        return self.accepted


ACCEPTED = RiskDecision(True, None, "accepted")
"""The decision for every accepted order."""


class _OpenOrder:
    __slots__ = ("instrument_id", "leaves", "price", "side")

    def __init__(self, instrument_id: int, side: int, price: int, leaves: int) -> None:
        self.instrument_id = instrument_id
        self.side = side
        self.price = price
        self.leaves = leaves


class _Exposure:
    """Per instrument: position and the open quantity on each side."""

    __slots__ = ("open_buy", "open_sell", "position")

    def __init__(self) -> None:
        self.position = 0
        self.open_buy = 0
        self.open_sell = 0


class RiskGate:
    """Checks orders against `RiskLimits` and tracks the state those checks need.

    ``instruments`` (by instrument id) is needed only for the notional limit.
    """

    def __init__(self, limits: RiskLimits, instruments: Mapping[int, Instrument] | None = None) -> None:
        self.limits = limits
        self._instruments = dict(instruments or {})
        self._orders: dict[int, _OpenOrder] = {}
        self._exposure: dict[int, _Exposure] = {}
        self._recent: deque[int] = deque()
        self._pnl = 0.0
        self._kill_reason: str | None = None

    # -- checks -----------------------------------------------------------------------------------------------
    def check_new(self, order_id: int, instrument_id: int, side: int, price: int, qty: int, *, ts: int) -> RiskDecision:
        """Check a new order; if accepted it counts as open from now on.

        For a market order pass the price it could reach (e.g. the far touch plus a protection margin): it
        is used for the notional limit.
        """
        if self._kill_reason is None and side in (BUY, SELL) and qty > 0 and order_id in self._orders:
            return _reject(RiskReason.DUPLICATE_ORDER_ID, f"order id {order_id} is already open")
        exposure = self._exposure_of(instrument_id)
        refusal = self.refusal(
            order_id,
            instrument_id,
            side,
            price,
            qty,
            exposure=(exposure.position, exposure.open_buy, exposure.open_sell),
            open_orders=len(self._orders),
            ts=ts,
        )
        if refusal is not None:
            return refusal
        self._orders[order_id] = _OpenOrder(instrument_id, side, price, qty)
        if side == BUY:
            exposure.open_buy += qty
        else:
            exposure.open_sell += qty
        return ACCEPTED

    @property
    def checks_orders(self) -> bool:
        """False while no limit applies to new orders and the kill switch is off: `refusal` would pass anything."""
        limits = self.limits
        return self._kill_reason is not None or not (
            limits.max_order_qty is None
            and limits.max_notional is None
            and limits.max_position is None
            and limits.max_open_orders is None
            and limits.max_orders_per_window is None
        )

    def refusal(
        self,
        order_id: int,
        instrument_id: int,
        side: int,
        price: int,
        qty: int,
        *,
        exposure: tuple[int, int, int],
        open_orders: int,
        ts: int,
    ) -> RiskDecision | None:
        """`check_new`'s limits against account state the caller keeps itself (the engine keeps it in arrays):
        ``exposure`` = (position, open buy lots, open sell lots) of the instrument, ``open_orders`` across all.

        Returns the refusal, or None when the order passes; a passing order is counted in the rate window (the
        caller records it as open). Ids are the caller's to keep unique.
        """
        if self._kill_reason is not None:
            return self._kill_decision()
        if side not in (BUY, SELL) or qty <= 0:
            return _reject(RiskReason.INVALID_ORDER, f"order {order_id}: side {side} / qty {qty} is not an order")
        limits = self.limits
        # (each check is skipped outright when its limit is off: this runs for every order of a backtest)
        if limits.max_order_qty is not None or limits.max_notional is not None:
            refusal = self._check_size(order_id, instrument_id, price, qty)
            if refusal is not None:
                return refusal
        if limits.max_position is not None:
            refusal = self._check_position(order_id, side, qty, exposure)
            if refusal is not None:
                return refusal
        if limits.max_open_orders is not None and open_orders >= limits.max_open_orders:
            return _reject(
                RiskReason.MAX_OPEN_ORDERS,
                f"order {order_id}: {open_orders} orders already open, limit {limits.max_open_orders}",
            )
        if limits.max_orders_per_window is not None:
            refusal = self._check_rate(order_id, ts)
            if refusal is not None:
                return refusal
            self._recent.append(ts)
        return None

    def check_modify(self, order_id: int, *, qty: int | None = None, price: int | None = None, ts: int) -> RiskDecision:
        """Check a modify of open order ``order_id`` (``qty`` = new open quantity); if accepted it takes effect."""
        if self._kill_reason is not None:
            return self._kill_decision()
        order = self._orders.get(order_id)
        if order is None:
            return _reject(RiskReason.UNKNOWN_ORDER, f"order {order_id} is not open")
        new_qty = order.leaves if qty is None else qty
        new_price = order.price if price is None else price
        exposure = self._exposure_of(order.instrument_id)
        refusal = self.modify_refusal(
            order_id,
            order.instrument_id,
            order.side,
            order.leaves,
            new_price,
            new_qty,
            exposure=(exposure.position, exposure.open_buy, exposure.open_sell),
            ts=ts,
        )
        if refusal is not None:
            return refusal
        self._adjust_open(order, new_qty - order.leaves)
        order.leaves = new_qty
        order.price = new_price
        return ACCEPTED

    def modify_refusal(
        self,
        order_id: int,
        instrument_id: int,
        side: int,
        leaves: int,
        price: int,
        qty: int,
        *,
        exposure: tuple[int, int, int],
        ts: int,
    ) -> RiskDecision | None:
        """`check_modify`'s limits for an order the caller keeps (``leaves`` open now; new ``price`` and ``qty``)
        against its ``exposure`` (position, open buy lots, open sell lots). None when it passes (then counted in the
        rate window)."""
        if self._kill_reason is not None:
            return self._kill_decision()
        if qty <= 0:
            return _reject(RiskReason.INVALID_ORDER, f"order {order_id}: new qty {qty} is not positive")
        refusal = self._check_size(order_id, instrument_id, price, qty)
        if refusal is not None:
            return refusal
        refusal = self._check_position(order_id, side, qty - leaves, exposure)
        if refusal is not None:
            return refusal
        if self.limits.max_orders_per_window is not None:
            refusal = self._check_rate(order_id, ts)
            if refusal is not None:
                return refusal
            self._recent.append(ts)
        return None

    # -- state updates ----------------------------------------------------------------------------------------
    def on_fill(self, order_id: int, qty: int) -> None:
        """``qty`` lots of open order ``order_id`` filled: they move from open to position."""
        order = self._orders.get(order_id)
        if order is None:
            raise RiskStateError(f"fill for order {order_id}, which the risk gate does not know as open")
        if qty <= 0 or qty > order.leaves:
            raise RiskStateError(f"fill of {qty} for order {order_id} with {order.leaves} open")
        exposure = self._exposure_of(order.instrument_id)
        if order.side == BUY:
            exposure.open_buy -= qty
        else:
            exposure.open_sell -= qty
        order.leaves -= qty
        exposure.position += order.side * qty
        if not order.leaves:
            del self._orders[order_id]

    def on_order_closed(self, order_id: int) -> None:
        """Order ``order_id`` is no longer open (cancelled, expired, or rejected by the venue); unknown ids are
        ignored, so this is safe to call for every terminal order update."""
        order = self._orders.pop(order_id, None)
        if order is not None:
            self._adjust_open(order, -order.leaves)

    def sync_order(self, order_id: int, *, leaves: int, price: int | None = None) -> None:
        """Set an open order's quantity (and price) to what the venue reports, e.g. after the venue rejected a
        modify the gate had accepted; ``leaves == 0`` closes it. Fills must still go through `on_fill`."""
        order = self._orders.get(order_id)
        if order is None:
            raise RiskStateError(f"cannot sync order {order_id}: the risk gate does not know it as open")
        if leaves < 0:
            raise RiskStateError(f"cannot sync order {order_id} to negative open quantity {leaves}")
        if leaves == 0:
            self.on_order_closed(order_id)
            return
        self._adjust_open(order, leaves - order.leaves)
        order.leaves = leaves
        if price is not None:
            order.price = price

    def set_position(self, instrument_id: int, lots: int) -> None:
        """Overwrite the position (start-of-day or reconciliation)."""
        self._exposure_of(instrument_id).position = lots

    def update_pnl(self, total_pnl: float) -> RiskDecision:
        """Report the account's total PnL (quote currency); trips the kill switch past ``max_loss``."""
        self._pnl = total_pnl
        limit = self.limits.max_loss
        if self._kill_reason is None and limit is not None and total_pnl <= -limit:
            self._kill_reason = f"loss limit breached: PnL {total_pnl:.2f} <= -{limit:.2f}"
        return self._kill_decision() if self._kill_reason is not None else ACCEPTED

    def trip_kill_switch(self, reason: str) -> RiskDecision:
        """Engage the kill switch by hand."""
        if self._kill_reason is None:
            self._kill_reason = reason
        return self._kill_decision()

    def reset_kill_switch(self) -> None:
        """Release the kill switch (a deliberate human action; the PnL that tripped it is not re-checked)."""
        self._kill_reason = None

    # -- queries ----------------------------------------------------------------------------------------------
    @property
    def killed(self) -> bool:
        """Whether the kill switch is engaged."""
        return self._kill_reason is not None

    @property
    def kill_reason(self) -> str | None:
        """Why the kill switch is engaged, or None."""
        return self._kill_reason

    @property
    def pnl(self) -> float:
        """The last PnL reported with `update_pnl`."""
        return self._pnl

    def position(self, instrument_id: int) -> int:
        """Current position in lots, from fills (and `set_position`)."""
        exposure = self._exposure.get(instrument_id)
        return 0 if exposure is None else exposure.position

    def worst_case_positions(self, instrument_id: int) -> tuple[int, int]:
        """(position if every open buy filled, position if every open sell filled)."""
        exposure = self._exposure.get(instrument_id)
        if exposure is None:
            return 0, 0
        return exposure.position + exposure.open_buy, exposure.position - exposure.open_sell

    def open_order_ids(self) -> list[int]:
        """Ids of every order the gate counts as open, oldest first."""
        return list(self._orders)

    @property
    def open_order_count(self) -> int:
        return len(self._orders)

    # -- internals --------------------------------------------------------------------------------------------
    def _exposure_of(self, instrument_id: int) -> _Exposure:
        exposure = self._exposure.get(instrument_id)
        if exposure is None:
            exposure = self._exposure[instrument_id] = _Exposure()
        return exposure

    def _adjust_open(self, order: _OpenOrder, delta: int) -> None:
        exposure = self._exposure_of(order.instrument_id)
        if order.side == BUY:
            exposure.open_buy += delta
        else:
            exposure.open_sell += delta

    def _check_size(self, order_id: int, instrument_id: int, price: int, qty: int) -> RiskDecision | None:
        limits = self.limits
        if limits.max_order_qty is not None and qty > limits.max_order_qty:
            return _reject(
                RiskReason.MAX_ORDER_QTY, f"order {order_id}: qty {qty} exceeds max order qty {limits.max_order_qty}"
            )
        if limits.max_notional is not None:
            instrument = self._instruments.get(instrument_id)
            if instrument is None:
                return _reject(
                    RiskReason.UNKNOWN_INSTRUMENT,
                    f"order {order_id}: instrument {instrument_id} unknown to the risk gate (needed for notional)",
                )
            notional = abs(instrument.notional(price, qty))
            if notional > limits.max_notional:
                return _reject(
                    RiskReason.MAX_NOTIONAL,
                    f"order {order_id}: notional {notional:.2f} exceeds max notional {limits.max_notional:.2f}",
                )
        return None

    def _check_position(
        self, order_id: int, side: int, added: int, exposure: tuple[int, int, int]
    ) -> RiskDecision | None:
        """Reject when ``added`` more open lots on ``side`` could take the position past its limit."""
        limit = self.limits.max_position
        if limit is None or added <= 0:
            return None
        position, open_buy, open_sell = exposure
        if side == BUY:
            worst = position + open_buy + added
            if worst > limit:
                return _reject(
                    RiskReason.MAX_POSITION,
                    f"order {order_id}: position could reach {worst} if all buys fill, limit {limit}",
                )
        else:
            worst = position - open_sell - added
            if worst < -limit:
                return _reject(
                    RiskReason.MAX_POSITION,
                    f"order {order_id}: position could reach {worst} if all sells fill, limit -{limit}",
                )
        return None

    def _check_rate(self, order_id: int, ts: int) -> RiskDecision | None:
        limit = self.limits.max_orders_per_window
        if limit is None:
            return None
        recent = self._recent
        if recent and ts < recent[-1]:
            raise RiskStateError(f"order {order_id}: timestamp {ts} is before the previous order's {recent[-1]}")
        window_start = ts - self.limits.rate_window_ns
        while recent and recent[0] <= window_start:
            recent.popleft()
        if len(recent) >= limit:
            return _reject(
                RiskReason.ORDER_RATE,
                f"order {order_id}: {len(recent)} orders in the last {self.limits.rate_window_ns} ns, limit {limit}",
            )
        return None

    def _kill_decision(self) -> RiskDecision:
        return RiskDecision(False, RiskReason.KILL_SWITCH, f"kill switch engaged: {self._kill_reason}", True)


def _reject(reason: RiskReason, message: str) -> RiskDecision:
    return RiskDecision(False, reason, message)
