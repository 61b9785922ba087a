"""The plain-Python reference implementation of the engine's books of account, kept to test the compiled
settlement against (`hft_core.engine._settle`, through `hft_core.engine.blotter.Blotter`). No run uses it.

The engine settles every report from a venue in one compiled call per batch, into arrays. What that call does per
report is written here once more, plainly, from three parts: `ReferenceLedger` (fills → positions, cash, fees and
PnL per instrument, exact average-cost accounting), `ReferenceRiskGate` (the open orders and exposure the running
`hft_core.risk.RiskGate` checks its limits against) and `ReferenceSettlement` (the order journal that routes each
report row to both). The tests settle random report streams both ways and compare positions, exposures, cash,
fees (bit for bit), statuses and each fill's PnL.

Ledger conventions: cash flows are integers in tick·lots (price ticks × lots) and the cost basis of an open
position an exact fraction of tick·lots, converted into quote currency only at the edge (× tick size × lot size ×
multiplier), so realized + unrealized PnL equals cash flow + position × mark exactly, whatever the order of fills.
Average cost: a fill that adds to a position moves the average entry price; one that reduces it realizes (fill
price − average) × lots and leaves the average unchanged; one that goes through zero closes the old position and
opens the remainder at the fill price. ``realized_pnl`` and ``unrealized_pnl`` are gross of fees, ``total_pnl`` is
net; fees are fractions of notional (`FeeSchedule`; negative = rebate), kept in currency. Amounts are each
instrument's quote currency; the engine converts them into the run's numeraire (`hft_core.engine.accounts`).

Risk bookkeeping: an accepted order counts as open at once; a modify counts its increase at once and its decrease
only when the venue answers (`ReferenceRiskGate.on_modify_answer`), which sets the count to the venue's open
quantity once no other modify of that order is in flight.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import numpy.typing as npt

from hft_core.engine.blotter import SettleError
from hft_core.events import BUY, SELL
from hft_core.instruments import Instrument
from hft_core.matching.orders import OrderReason, OrderStatus
from hft_core.risk import ACCEPTED, RiskDecision, RiskGate, RiskLimits, RiskReason, RiskStateError

if TYPE_CHECKING:
    import pandas as pd

    from hft_core.matching import Execution

__all__ = [
    "LedgerHistory",
    "PositionSummary",
    "ReferenceLedger",
    "ReferenceRiskGate",
    "ReferenceSettlement",
]


# -- the ledger -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PositionSummary:
    """One instrument's state in the reference ledger; money in quote currency, prices in ticks."""

    instrument_id: int
    position: int
    average_price: float | None
    """Average entry price of the open position in ticks (None when flat)."""
    mark: int | None
    """The price unrealized PnL is measured at: the last mark, else the last fill price."""
    realized_pnl: float
    unrealized_pnl: float
    fees: float
    maker_fees: float
    taker_fees: float
    total_pnl: float
    traded_lots: int
    fills: int


class LedgerHistory(NamedTuple):
    """The series recorded by `ReferenceLedger.record`, one row per call; ``positions``/``marks`` have one column per
    instrument, in ``instrument_ids`` order (a mark is NaN before the instrument has one)."""

    ts: npt.NDArray[np.int64]
    equity: npt.NDArray[np.float64]
    total_pnl: npt.NDArray[np.float64]
    realized_pnl: npt.NDArray[np.float64]
    unrealized_pnl: npt.NDArray[np.float64]
    fees: npt.NDArray[np.float64]
    cash: npt.NDArray[np.float64]
    positions: npt.NDArray[np.int64]
    marks: npt.NDArray[np.float64]
    instrument_ids: tuple[int, ...]


class _Position:
    """Exact per-instrument accounting state."""

    __slots__ = (
        "average_den",
        "average_num",
        "cash_flow",
        "fills",
        "last_fill_price",
        "maker_fees",
        "mark",
        "position",
        "taker_fees",
        "traded_lots",
    )

    def __init__(self) -> None:
        self.position = 0
        self.cash_flow = 0  # Σ −side × price × lots over fills, in tick·lots
        # The open position's average entry price in ticks, exactly: average_num / average_den in lowest terms.
        # (Plain ints rather than a Fraction: a fill is booked several times faster.)
        self.average_num = 0
        self.average_den = 1
        self.mark: int | None = None
        self.last_fill_price: int | None = None
        self.maker_fees = 0.0
        self.taker_fees = 0.0
        self.traded_lots = 0
        self.fills = 0

    def fill(self, side: int, price: int, qty: int) -> None:
        position = self.position
        if position == 0:
            self.average_num, self.average_den = price, 1
            self.position = side * qty
        elif (position > 0) == (side == BUY):
            # adding: the new average weighs the old one by the old size
            size = abs(position)
            num = self.average_num * size + price * qty * self.average_den
            den = self.average_den * (size + qty)
            common = math.gcd(num, den)
            self.average_num, self.average_den = num // common, den // common
            self.position = position + side * qty
        elif qty < abs(position):
            self.position = position + side * qty  # reducing leaves the average where it was
        else:
            # closing, and opening the rest (if any) the other way at the fill price
            self.position = position + side * qty
            self.average_num, self.average_den = (price, 1) if self.position else (0, 1)
        self.cash_flow -= side * price * qty
        self.last_fill_price = price
        self.traded_lots += qty
        self.fills += 1

    @property
    def basis(self) -> int | Fraction:
        """The open position's cost at its average entry price, tick·lots (negative when short)."""
        if self.average_den == 1:
            return self.average_num * self.position
        return Fraction(self.average_num * self.position, self.average_den)

    def mark_price(self) -> int | None:
        return self.mark if self.mark is not None else self.last_fill_price

    def realized_ticklots(self) -> int | Fraction:
        return self.cash_flow + self.basis

    def unrealized_ticklots(self) -> int | Fraction:
        mark = self.mark_price()
        if mark is None or self.position == 0:
            return 0
        return self.position * mark - self.basis

    def total_ticklots(self) -> int:
        """Cash flow + position × mark: exact, and equal to realized + unrealized."""
        mark = self.mark_price()
        return self.cash_flow + (self.position * mark if mark is not None else 0)


class ReferenceLedger:
    """Positions, cash, fees and PnL over the instruments in ``instruments`` (keyed by instrument id), in each
    instrument's quote currency."""

    def __init__(self, instruments: Mapping[int, Instrument], *, initial_cash: float = 0.0) -> None:
        if not instruments:
            raise SettleError("a ledger needs at least one instrument")
        self.instruments = dict(instruments)
        self.initial_cash = float(initial_cash)
        self._positions = {instrument_id: _Position() for instrument_id in self.instruments}
        self._value_per_ticklot = {
            instrument_id: instrument.tick_size * instrument.lot_size * instrument.multiplier
            for instrument_id, instrument in self.instruments.items()
        }
        self._history: list[tuple[int, float, float, float, float, float, float]] = []
        self._history_positions: list[list[int]] = []
        self._history_marks: list[list[float]] = []

    # -- booking ----------------------------------------------------------------------------------------------
    def on_fill(self, instrument_id: int, side: int, price: int, qty: int, *, maker: bool) -> float:
        """Book a fill of ``qty`` lots at ``price`` ticks; returns the fee charged (negative = rebate)."""
        state = self._position_of(instrument_id)
        if side not in (BUY, SELL):
            raise SettleError(f"fill side must be BUY (1) or SELL (-1), got {side!r}")
        if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
            raise SettleError(f"fill quantity must be a positive integer number of lots, got {qty!r}")
        instrument = self.instruments[instrument_id]
        # FeeSchedule.fee(Instrument.notional(...)), inlined with the same float operations
        notional = price * qty * instrument.tick_size * instrument.lot_size * instrument.multiplier
        fee = abs(notional) * (instrument.fees.maker if maker else instrument.fees.taker)
        state.fill(side, int(price), qty)
        if maker:
            state.maker_fees += fee
        else:
            state.taker_fees += fee
        return fee

    def on_execution(self, execution: Execution, *, owner: int, instrument_id: int) -> float:
        """Book ``owner``'s side(s) of a matching-engine execution; returns the fee charged."""
        fee = 0.0
        booked = False
        if execution.maker_owner == owner:
            fee += self.on_fill(instrument_id, -execution.aggressor_side, execution.price, execution.qty, maker=True)
            booked = True
        if execution.taker_owner == owner:
            fee += self.on_fill(instrument_id, execution.aggressor_side, execution.price, execution.qty, maker=False)
            booked = True
        if not booked:
            raise SettleError(f"execution {execution.trade_id} does not involve owner {owner}")
        return fee

    def mark(self, instrument_id: int, price: int) -> None:
        """Set the price (ticks) unrealized PnL is measured at, e.g. the mid or the last trade."""
        self._position_of(instrument_id).mark = int(price)

    def mark_all(self, prices: Mapping[int, int]) -> None:
        """`mark` several instruments at once."""
        for instrument_id, price in prices.items():
            self.mark(instrument_id, price)

    # -- queries ----------------------------------------------------------------------------------------------
    def position(self, instrument_id: int) -> int:
        """Position in lots (negative = short)."""
        state = self._positions.get(instrument_id)  # (asked at every fill and decision: no extra call)
        return state.position if state is not None else self._position_of(instrument_id).position

    def average_price(self, instrument_id: int) -> float | None:
        """Average entry price of the open position in ticks, or None when flat."""
        state = self._position_of(instrument_id)
        return state.average_num / state.average_den if state.position else None

    def realized_pnl(self, instrument_id: int | None = None) -> float:
        """Realized trading PnL, gross of fees (one instrument, or all)."""
        return self._sum(instrument_id, lambda state: state.realized_ticklots())

    def unrealized_pnl(self, instrument_id: int | None = None) -> float:
        """Open positions at their marks minus their cost basis, gross of fees."""
        return self._sum(instrument_id, lambda state: state.unrealized_ticklots())

    def fees(self, instrument_id: int | None = None) -> float:
        """Fees paid (negative when rebates outweigh them)."""
        ids = self._ids(instrument_id)
        return sum(self._positions[i].maker_fees + self._positions[i].taker_fees for i in ids)

    def total_pnl(self, instrument_id: int | None = None) -> float:
        """Realized + unrealized − fees."""
        if instrument_id is not None:
            # the engine asks this after every fill: one instrument without the generic summing machinery
            state = self._positions.get(instrument_id) or self._position_of(instrument_id)
            mark = state.mark if state.mark is not None else state.last_fill_price  # total_ticklots(), inlined
            ticklots = state.cash_flow + (state.position * mark if mark is not None else 0)
            return float(ticklots) * self._value_per_ticklot[instrument_id] - (state.maker_fees + state.taker_fees)
        return self._sum(None, lambda state: state.total_ticklots()) - self.fees(None)

    @property
    def cash(self) -> float:
        """Initial cash + proceeds of sells − cost of buys − fees."""
        return self.initial_cash + self._sum(None, lambda state: state.cash_flow) - self.fees()

    @property
    def equity(self) -> float:
        """Cash + every position valued at its mark."""
        return self.initial_cash + self.total_pnl()

    def summary(self, instrument_id: int) -> PositionSummary:
        """Everything about one instrument's position."""
        state = self._position_of(instrument_id)
        value = self._value_per_ticklot[instrument_id]
        fees = state.maker_fees + state.taker_fees
        return PositionSummary(
            instrument_id=instrument_id,
            position=state.position,
            average_price=self.average_price(instrument_id),
            mark=state.mark_price(),
            realized_pnl=float(state.realized_ticklots()) * value,
            unrealized_pnl=float(state.unrealized_ticklots()) * value,
            fees=fees,
            maker_fees=state.maker_fees,
            taker_fees=state.taker_fees,
            total_pnl=state.total_ticklots() * value - fees,
            traded_lots=state.traded_lots,
            fills=state.fills,
        )

    # -- series -----------------------------------------------------------------------------------------------
    def record(self, ts: int, marks: Mapping[int, int] | None = None) -> None:
        """Mark (optionally) and append one row of equity, PnL and inventory at time ``ts``."""
        if marks:
            self.mark_all(marks)
        self._history.append(
            (
                int(ts),
                self.equity,
                self.total_pnl(),
                self.realized_pnl(),
                self.unrealized_pnl(),
                self.fees(),
                self.cash,
            )
        )
        states = [self._positions[i] for i in self.instruments]
        self._history_positions.append([state.position for state in states])
        self._history_marks.append(
            [float("nan") if (mark := state.mark_price()) is None else float(mark) for state in states]
        )

    def history(self) -> LedgerHistory:
        """The recorded series as arrays."""
        ids = tuple(self.instruments)
        rows = self._history
        columns = list(zip(*rows, strict=True)) if rows else [()] * 7
        return LedgerHistory(
            ts=np.asarray(columns[0], dtype=np.int64),
            equity=np.asarray(columns[1], dtype=np.float64),
            total_pnl=np.asarray(columns[2], dtype=np.float64),
            realized_pnl=np.asarray(columns[3], dtype=np.float64),
            unrealized_pnl=np.asarray(columns[4], dtype=np.float64),
            fees=np.asarray(columns[5], dtype=np.float64),
            cash=np.asarray(columns[6], dtype=np.float64),
            positions=np.asarray(self._history_positions, dtype=np.int64).reshape(len(rows), len(ids)),
            marks=np.asarray(self._history_marks, dtype=np.float64).reshape(len(rows), len(ids)),
            instrument_ids=ids,
        )

    def history_frame(self) -> pd.DataFrame:
        """The recorded series as a DataFrame indexed by ``ts``, with ``position_<id>``/``mark_<id>`` columns."""
        import pandas as pd

        history = self.history()
        data: dict[str, npt.NDArray[np.generic]] = {
            "equity": history.equity,
            "total_pnl": history.total_pnl,
            "realized_pnl": history.realized_pnl,
            "unrealized_pnl": history.unrealized_pnl,
            "fees": history.fees,
            "cash": history.cash,
        }
        for column, instrument_id in enumerate(history.instrument_ids):
            data[f"position_{instrument_id}"] = history.positions[:, column]
            data[f"mark_{instrument_id}"] = history.marks[:, column]
        return pd.DataFrame(data, index=pd.Index(history.ts, name="ts"))

    # -- internals --------------------------------------------------------------------------------------------
    def _position_of(self, instrument_id: int) -> _Position:
        state = self._positions.get(instrument_id)
        if state is None:
            raise SettleError(f"instrument {instrument_id} is not in this ledger (known: {sorted(self._positions)})")
        return state

    def _ids(self, instrument_id: int | None) -> list[int]:
        if instrument_id is None:
            return list(self._positions)
        self._position_of(instrument_id)
        return [instrument_id]

    def _sum(self, instrument_id: int | None, ticklots: Callable[[_Position], Fraction | int]) -> float:
        """Σ over instruments of a tick·lot amount converted to currency (exact until the final float)."""
        return sum(float(ticklots(self._positions[i])) * self._value_per_ticklot[i] for i in self._ids(instrument_id))


# -- the risk gate's bookkeeping ------------------------------------------------------------------------------------
class _OpenOrder:
    __slots__ = ("instrument_id", "leaves", "modifying", "price", "side")

    def __init__(self, instrument_id: int, side: int, price: int, leaves: int) -> None:
        self.instrument_id = instrument_id
        self.side = side
        self.price = price
        self.leaves = leaves
        self.modifying = 0  # modifies sent and not yet answered


class _Exposure:
    """Per instrument: position and the open quantity on each side."""

    __slots__ = ("open_buy", "open_sell", "position")

    def __init__(self) -> None:
        self.position = 0
        self.open_buy = 0
        self.open_sell = 0


class ReferenceRiskGate(RiskGate):
    """`RiskGate` with the account state the engine keeps in its blotter: open orders, positions, open exposure."""

    def __init__(self, limits: RiskLimits, instruments: Mapping[int, Instrument] | None = None) -> None:
        super().__init__(limits, instruments)
        self._orders: dict[int, _OpenOrder] = {}
        self._exposure: dict[int, _Exposure] = {}

    def check_new(self, order_id: int, instrument_id: int, side: int, price: int, qty: int, *, ts: int) -> RiskDecision:
        """`RiskGate.refusal` against this state; an accepted order counts as open from now on."""
        if not self.killed and side in (BUY, SELL) and qty > 0 and order_id in self._orders:
            return RiskDecision(False, RiskReason.DUPLICATE_ORDER_ID, f"order id {order_id} is already open")
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

    def check_modify(self, order_id: int, *, qty: int | None = None, price: int | None = None, ts: int) -> RiskDecision:
        """`RiskGate.modify_refusal` against this state (``qty`` = new open quantity); if accepted the modify is in
        flight: its increase counts at once, its decrease when the venue answers (`on_modify_answer`)."""
        if self.killed:
            return self._kill_decision()
        order = self._orders.get(order_id)
        if order is None:
            return RiskDecision(False, RiskReason.UNKNOWN_ORDER, f"order {order_id} is not open")
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
        if new_qty > order.leaves:
            self._adjust_open(order, new_qty - order.leaves)
            order.leaves = new_qty
        order.price = new_price
        order.modifying += 1
        return ACCEPTED

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

    def on_modify_answer(self, order_id: int, *, leaves: int, price: int) -> None:
        """The venue answered a modify of ``order_id`` (modified it, or refused) and has ``leaves`` lots open at
        ``price``: the count becomes the venue's once no other modify is in flight, and never falls below it."""
        order = self._orders.get(order_id)
        if order is None:
            raise RiskStateError(f"cannot sync order {order_id}: the risk gate does not know it as open")
        if leaves <= 0:
            raise RiskStateError(f"cannot sync order {order_id} to open quantity {leaves}")
        if order.modifying > 0:
            order.modifying -= 1
        target = leaves if order.modifying == 0 else max(order.leaves, leaves)
        self._adjust_open(order, target - order.leaves)
        order.leaves = target
        order.price = price

    def set_position(self, instrument_id: int, lots: int) -> None:
        """Overwrite the position (start-of-day or reconciliation)."""
        self._exposure_of(instrument_id).position = lots

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


# -- the order journal ------------------------------------------------------------------------------------------------
_FINAL = {OrderStatus.FILLED: "filled", OrderStatus.CANCELLED: "cancelled", OrderStatus.EXPIRED: "expired"}
_ENDING = (OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REJECTED)


class ReferenceSettlement:
    """What `Blotter.settle` does per report row, in Python: `ReferenceRiskGate`, `ReferenceLedger` and a journal
    of each order's price, size, fills, status, reason and done time."""

    def __init__(self, instruments: Sequence[Instrument]) -> None:
        self.instruments = tuple(instruments)
        by_index = dict(enumerate(self.instruments))
        self.risk = ReferenceRiskGate(RiskLimits(), by_index)
        self.ledger = ReferenceLedger(by_index)
        self.orders: dict[int, dict[str, int | str]] = {}
        self.open: set[int] = set()
        self.fills: list[tuple[int, ...]] = []
        """(ts, instrument, order id, side, price, qty, maker, position after) per fill."""
        self.fees: list[float] = []
        self.pnls: list[float] = []
        """The account's PnL right after each fill, at the mids of its batch."""
        self.refused: list[int] = []
        """Ids of the orders whose modify the venue refused, in report order."""

    def send(self, order_id: int, instrument: int, side: int, price: int, qty: int) -> None:
        """A new order the risk gate accepted: open from now on."""
        decision = self.risk.check_new(order_id, instrument, side, price, qty, ts=0)
        if not decision:
            raise RiskStateError(f"order {order_id}: {decision.message}")
        self.orders[order_id] = {"price": price, "qty": qty, "filled": 0, "status": "sent", "done": -1, "reason": ""}
        self.open.add(order_id)

    def modify(self, order_id: int, qty: int) -> None:
        """A modify to ``qty`` open lots, sent to the venue (the orders table changes only with the venue's answer)."""
        decision = self.risk.check_modify(order_id, qty=qty, ts=0)
        if not decision:
            raise RiskStateError(f"order {order_id}: {decision.message}")

    def settle(self, rows: Sequence[Sequence[int]], mids: Sequence[float]) -> None:
        """Settle report rows (`hft_core.venues.base.Report`'s fields); ``mids`` (ticks, NaN: none yet) mark the
        batch's fills."""
        for ts, inst, oid, status, reason, side, price, leaves, fill_qty, fill_price, maker in rows:
            order = self.orders.get(oid)
            if order is None or (order["done"] != -1 and fill_qty == 0):
                continue
            if fill_qty:
                self.risk.on_fill(oid, fill_qty)
                order["filled"] = int(order["filled"]) + fill_qty
                fee = self.ledger.on_fill(inst, side, fill_price, fill_qty, maker=bool(maker))
                self.fills.append((ts, inst, oid, side, fill_price, fill_qty, maker, self.ledger.position(inst)))
                self.fees.append(fee)
                self.pnls.append(self.pnl(mids))
            if status in _ENDING:
                if status == OrderStatus.REJECTED and leaves > 0:
                    order["price"], order["qty"] = price, int(order["filled"]) + leaves
                    self.risk.on_modify_answer(oid, leaves=leaves, price=price)
                    self.refused.append(oid)
                    continue
                self.open.discard(oid)
                self.risk.on_order_closed(oid)
                order["status"] = _FINAL.get(OrderStatus(status), "rejected")
                order["done"] = ts
                if reason and not order["reason"]:
                    order["reason"] = OrderReason(reason).name.lower()
            elif status == OrderStatus.MODIFIED:
                order["price"], order["qty"] = price, int(order["filled"]) + leaves
                self.risk.on_modify_answer(oid, leaves=leaves, price=price)
            elif order["status"] == "sent":
                order["status"] = "partially-filled" if status == OrderStatus.PARTIALLY_FILLED else "accepted"

    def pnl(self, mids: Sequence[float]) -> float:
        """The account's PnL (each instrument's quote currency, added) at ``mids``: marked at the mid's whole tick,
        plus the position times the fraction left over (`Blotter.instrument_pnl`)."""
        total = 0.0
        for index, mid in enumerate(mids):
            if math.isfinite(mid):
                whole = math.floor(mid)
                self.ledger.mark(index, whole)
                inst = self.instruments[index]
                value = inst.tick_size * inst.lot_size * inst.multiplier
                total += self.ledger.total_pnl(index) + self.ledger.position(index) * (mid - whole) * value
            else:
                total += self.ledger.total_pnl(index)
        return total
