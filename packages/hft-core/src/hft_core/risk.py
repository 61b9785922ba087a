"""The pre-trade risk gate that sits between every strategy and every venue.

`RiskGate` holds the limits (`RiskLimits`), the rolling order-rate window and the kill switch. It keeps no account
state of its own: the engine keeps open orders, positions and open exposure in its blotter
(`hft_core.engine.blotter`, settled by the compiled `hft_core.engine._settle`) and asks `RiskGate.refusal` about
each new order and `RiskGate.modify_refusal` about each modify with that state; the answer is a refusal
(`RiskDecision` with a machine-readable `RiskReason` and a message a person can read) or None. Position limits are
checked on the worst case, as if every open order on the same side filled, so no sequence of accepted orders can
take the position past its limit. A loss beyond ``max_loss`` (`RiskGate.update_pnl`, in the run's numeraire)
trips a kill switch: every open order must then be cancelled and every new order or modify is refused until
`RiskGate.reset_kill_switch`.

How the blotter counts a modify: its increase at once, its decrease only when the venue confirms it; the venue's
answer (modified, or refused) sets the count to the venue's open quantity (`hft_core.engine._settle.O_RISK_LEAVES`).
`hft_core.engine._reference.ReferenceRiskGate` is the plain-Python reference of that bookkeeping, which the tests
settle against the compiled one.
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
    """The books were told something inconsistent with what they know (a fill for an order not open, an overfill,
    an order timestamp before the previous one)."""


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
    - ``max_loss``: the kill switch trips when total PnL falls to ``-max_loss`` or below (in the run's numeraire,
      `hft_core.engine.accounts`).
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

    ``cancel_all`` is set while the kill switch is engaged: the caller must cancel every open order.
    """

    accepted: bool
    reason: RiskReason | None
    message: str
    cancel_all: bool = False

    def __bool__(self) -> bool:
        return self.accepted


ACCEPTED = RiskDecision(True, None, "accepted")
"""The decision for every accepted order."""


class RiskGate:
    """Checks orders against ``limits`` given the account state the caller keeps; owns the rate window and the kill
    switch.

    ``instruments`` (by instrument id) is needed only for the notional limit.
    """

    def __init__(self, limits: RiskLimits, instruments: Mapping[int, Instrument] | None = None) -> None:
        self.limits = limits
        self._instruments = dict(instruments or {})
        self._recent: deque[int] = deque()
        self._pnl = 0.0
        self._kill_reason: str | None = None

    # -- checks -----------------------------------------------------------------------------------------------
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
        """Whether a new order may go out, given account state the caller keeps (the engine's blotter):
        ``exposure`` = (position, open buy lots, open sell lots) of the instrument, ``open_orders`` across all.

        For a market order pass the price it could reach (e.g. the far touch): it is used for the notional limit.
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
        """Whether a modify of an order the caller keeps may go out: ``leaves`` lots counted open now, new ``price``
        and ``qty`` (new open lots), against its instrument's ``exposure`` (position, open buy lots, open sell lots).
        None when it passes (then counted in the rate window)."""
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

    # -- PnL and the kill switch ----------------------------------------------------------------------------
    def update_pnl(self, total_pnl: float) -> RiskDecision:
        """Report the account's total PnL (the run's numeraire); trips the kill switch past ``max_loss``."""
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

    # -- internals --------------------------------------------------------------------------------------------
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
