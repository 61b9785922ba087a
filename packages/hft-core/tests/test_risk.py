"""The pre-trade risk gate: each limit, the kill switch, the open-order bookkeeping, and a property test that no
breaching order ever gets through (and no compliant one is refused) on random order/modify/fill/cancel/PnL streams.

Each test runs twice: on `EngineBooks`, the engine's own path (`RiskGate.refusal`/`modify_refusal` against the
state of a `Blotter`, the venue's answers settled into it as report rows, as `Engine.send`/`Engine.modify` and the
settlement do), and on `ReferenceRiskGate`, the plain-Python reference the settlement is tested against."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hft_core.engine import _settle
from hft_core.engine._reference import ReferenceRiskGate
from hft_core.engine.blotter import Blotter
from hft_core.errors import ConfigError
from hft_core.events import BUY, SELL
from hft_core.instruments import Instrument
from hft_core.matching.orders import OrderReason, OrderStatus, OrderType
from hft_core.risk import ACCEPTED, RiskDecision, RiskGate, RiskLimits, RiskReason, RiskStateError
from hypothesis import given, settings
from hypothesis import strategies as st

FUT = Instrument("FUT", tick_size=0.25, multiplier=50.0)  # one lot at 4000.00 = 16000 ticks is 200000.0 notional
SPOT = Instrument("SPOT", tick_size=0.01)
INSTRUMENTS = {1: FUT, 2: SPOT}
_FILLER = Instrument("FILLER", tick_size=0.01)


class EngineBooks:
    """The engine's order path without a venue: the running `RiskGate` checks against a `Blotter`'s state; fills,
    closes and the venue's answers to modifies are settled into the blotter as report rows. Instrument ids 0-9;
    the test's order ids map to the blotter's (which numbers orders itself)."""

    def __init__(self, limits: RiskLimits, instruments: dict[int, Instrument] | None = None) -> None:
        self.gate = RiskGate(limits, instruments)
        self.blotter = Blotter([(instruments or {}).get(i, _FILLER) for i in range(10)])
        self._ids: dict[int, int] = {}
        self._ts = 0

    def check_new(self, order_id: int, instrument_id: int, side: int, price: int, qty: int, *, ts: int) -> RiskDecision:
        blotter = self.blotter
        refusal = self.gate.refusal(
            order_id,
            instrument_id,
            side,
            price,
            qty,
            exposure=blotter.exposure(instrument_id),
            open_orders=blotter.risk_open_count,
            ts=ts,
        )
        row_id = blotter.add(ts, instrument_id, side, OrderType.LIMIT, price, qty)
        if refusal is not None:
            blotter.reject(row_id, refusal.message)
            return refusal
        blotter.open(row_id)
        self._ids[order_id] = row_id
        return ACCEPTED

    def check_modify(self, order_id: int, *, qty: int | None = None, price: int | None = None, ts: int) -> RiskDecision:
        row_id = self._ids.get(order_id, 0)
        if self.blotter.open_instrument(row_id) < 0:
            return RiskDecision(False, RiskReason.UNKNOWN_ORDER, f"order {order_id} is not open")
        instrument, side, price_now, _, _, risk_leaves = self.blotter.order(row_id)
        new_qty = risk_leaves if qty is None else qty
        new_price = price_now if price is None else price
        exposure = self.blotter.exposure(instrument)
        refusal = self.gate.modify_refusal(
            order_id, instrument, side, risk_leaves, new_price, new_qty, exposure=exposure, ts=ts
        )
        if refusal is not None:
            return refusal
        self.blotter.modify_sent(row_id, new_qty)
        return ACCEPTED

    def _settle(self, order_id: int, status: int, leaves: int, fill_qty: int = 0, price: int | None = None) -> None:
        row_id = self._ids[order_id]
        instrument, side, price_now, _, _, _ = self.blotter.order(row_id)
        price = price_now if price is None else price
        self._ts += 1
        row = [self._ts, instrument, row_id, status, OrderReason.NONE, side, price, leaves, fill_qty, price, 1]
        self.blotter.settle(np.array([row], dtype=np.int64), lambda: [float("nan")] * 10, lambda row: None)

    def on_fill(self, order_id: int, qty: int) -> None:
        leaves = self.blotter.order(self._ids[order_id])[5] - qty
        self._settle(order_id, OrderStatus.FILLED if leaves == 0 else OrderStatus.PARTIALLY_FILLED, leaves, qty)

    def on_order_closed(self, order_id: int) -> None:
        self._settle(order_id, OrderStatus.CANCELLED, 0)

    def on_modify_answer(self, order_id: int, *, leaves: int, price: int) -> None:
        """The venue's answer: MODIFIED when ``leaves``/``price`` is what was asked, else a refusal."""
        self._settle(order_id, OrderStatus.MODIFIED, leaves, price=price)

    def refuse_modify(self, order_id: int, *, leaves: int, price: int) -> None:
        self._settle(order_id, OrderStatus.REJECTED, leaves, price=price)

    def set_position(self, instrument_id: int, lots: int) -> None:
        self.blotter.inst_i[instrument_id, _settle.SI_POSITION] = lots  # (start of day: the engine starts flat)

    def position(self, instrument_id: int) -> int:
        return self.blotter.position(instrument_id)

    def worst_case_positions(self, instrument_id: int) -> tuple[int, int]:
        return self.blotter.worst_case_positions(instrument_id)

    def open_order_ids(self) -> list[int]:
        open_rows = set(self.blotter.open_orders(None, 10))
        return [order_id for order_id, row_id in self._ids.items() if row_id in open_rows]

    @property
    def open_order_count(self) -> int:
        return self.blotter.risk_open_count

    def update_pnl(self, total_pnl: float) -> RiskDecision:
        return self.gate.update_pnl(total_pnl)

    def trip_kill_switch(self, reason: str) -> RiskDecision:
        return self.gate.trip_kill_switch(reason)

    def reset_kill_switch(self) -> None:
        self.gate.reset_kill_switch()

    @property
    def killed(self) -> bool:
        return self.gate.killed

    @property
    def kill_reason(self) -> str | None:
        return self.gate.kill_reason

    @property
    def pnl(self) -> float:
        return self.gate.pnl


class _ReferenceBooks(ReferenceRiskGate):
    def refuse_modify(self, order_id: int, *, leaves: int, price: int) -> None:
        self.on_modify_answer(order_id, leaves=leaves, price=price)


Books = EngineBooks | _ReferenceBooks
BOOKS = pytest.mark.parametrize("books", [EngineBooks, _ReferenceBooks], ids=["engine", "reference"])


@BOOKS
def test_default_limits_accept_anything_well_formed(books: type[Books]) -> None:
    gate = books(RiskLimits())
    decision = gate.check_new(1, instrument_id=9, side=BUY, price=100, qty=10**9, ts=0)
    assert decision is ACCEPTED and decision and decision.reason is None
    assert gate.open_order_ids() == [1] and gate.worst_case_positions(9) == (10**9, 0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_position": -1},
        {"max_order_qty": 2.5},
        {"max_open_orders": True},
        {"max_notional": float("inf")},
        {"max_loss": -5.0},
        {"rate_window_ns": 0},
    ],
)
def test_limits_are_validated(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        RiskLimits(**kwargs)


@BOOKS
def test_invalid_orders_are_refused(books: type[Books]) -> None:
    gate = books(RiskLimits())
    assert gate.check_new(1, 1, 0, 100, 1, ts=0).reason == RiskReason.INVALID_ORDER
    assert gate.check_new(1, 1, BUY, 100, 0, ts=0).reason == RiskReason.INVALID_ORDER
    assert gate.check_new(1, 1, BUY, 100, 1, ts=0)


def test_the_reference_gate_refuses_a_duplicate_order_id() -> None:
    gate = ReferenceRiskGate(RiskLimits())  # (the engine numbers its orders itself)
    assert gate.check_new(1, 1, BUY, 100, 1, ts=0)
    assert gate.check_new(1, 1, SELL, 100, 1, ts=0).reason == RiskReason.DUPLICATE_ORDER_ID


@BOOKS
def test_max_order_qty(books: type[Books]) -> None:
    gate = books(RiskLimits(max_order_qty=5))
    assert gate.check_new(1, 1, BUY, 100, 5, ts=0)
    decision = gate.check_new(2, 1, BUY, 100, 6, ts=0)
    assert not decision and decision.reason == RiskReason.MAX_ORDER_QTY and "6" in decision.message
    assert not decision.cancel_all


@BOOKS
def test_max_notional_uses_the_instrument_multiplier(books: type[Books]) -> None:
    gate = books(RiskLimits(max_notional=500_000.0), INSTRUMENTS)
    assert gate.check_new(1, 1, BUY, 16_000, 2, ts=0)  # 2 × 4000.00 × 50 = 400000
    assert gate.check_new(2, 1, BUY, 16_000, 3, ts=0).reason == RiskReason.MAX_NOTIONAL  # 600000
    assert gate.check_new(3, 2, BUY, 10_000, 3, ts=0)  # 3 × 100.00
    assert gate.check_new(4, 7, BUY, 1, 1, ts=0).reason == RiskReason.UNKNOWN_INSTRUMENT


@BOOKS
def test_position_limit_counts_open_orders_on_the_same_side(books: type[Books]) -> None:
    gate = books(RiskLimits(max_position=10))
    gate.set_position(1, 3)
    assert gate.check_new(1, 1, BUY, 100, 6, ts=0)  # worst case 9
    decision = gate.check_new(2, 1, BUY, 100, 2, ts=0)  # worst case 11
    assert decision.reason == RiskReason.MAX_POSITION and "11" in decision.message
    assert gate.check_new(3, 1, BUY, 100, 1, ts=0)  # exactly 10
    assert gate.check_new(4, 1, SELL, 100, 13, ts=0)  # short worst case 3 - 13 = -10
    assert gate.check_new(5, 1, SELL, 100, 1, ts=0).reason == RiskReason.MAX_POSITION
    assert gate.check_new(6, 2, BUY, 100, 10, ts=0)  # another instrument has its own limit
    assert gate.worst_case_positions(1) == (10, -10)


@BOOKS
def test_reducing_orders_pass_even_when_the_position_is_over_the_limit(books: type[Books]) -> None:
    gate = books(RiskLimits(max_position=10))
    gate.set_position(1, 15)
    assert gate.check_new(1, 1, BUY, 100, 1, ts=0).reason == RiskReason.MAX_POSITION
    assert gate.check_new(2, 1, SELL, 100, 5, ts=0)


@BOOKS
def test_max_open_orders_frees_up_when_orders_close(books: type[Books]) -> None:
    gate = books(RiskLimits(max_open_orders=2))
    assert gate.check_new(1, 1, BUY, 100, 1, ts=0) and gate.check_new(2, 1, BUY, 100, 1, ts=0)
    assert gate.check_new(3, 1, BUY, 100, 1, ts=0).reason == RiskReason.MAX_OPEN_ORDERS
    gate.on_order_closed(1)
    gate.on_order_closed(1)  # idempotent
    assert gate.check_new(3, 1, BUY, 100, 1, ts=0)
    gate.on_fill(2, 1)  # a complete fill closes the order too
    assert gate.open_order_count == 1 and gate.position(1) == 1


@BOOKS
def test_order_rate_is_a_rolling_window(books: type[Books]) -> None:
    gate = books(RiskLimits(max_orders_per_window=3, rate_window_ns=1_000))
    for order_id, ts in enumerate((0, 10, 500), start=1):
        assert gate.check_new(order_id, 1, BUY, 100, 1, ts=ts)
    assert gate.check_new(4, 1, BUY, 100, 1, ts=999).reason == RiskReason.ORDER_RATE
    assert gate.check_modify(1, qty=2, ts=999).reason == RiskReason.ORDER_RATE
    assert gate.check_new(4, 1, BUY, 100, 1, ts=1_000)  # the order at 0 has left the window
    assert gate.check_new(5, 1, BUY, 100, 1, ts=1_009).reason == RiskReason.ORDER_RATE
    assert gate.check_new(5, 1, BUY, 100, 1, ts=1_010)
    with pytest.raises(RiskStateError, match="before"):
        gate.check_new(6, 1, BUY, 100, 1, ts=5)


@BOOKS
def test_loss_limit_trips_the_kill_switch_until_reset(books: type[Books]) -> None:
    gate = books(RiskLimits(max_loss=1_000.0))
    assert gate.check_new(1, 1, BUY, 100, 1, ts=0)
    assert gate.update_pnl(-999.0) is ACCEPTED
    tripped = gate.update_pnl(-1_000.0)
    assert not tripped and tripped.reason == RiskReason.KILL_SWITCH and tripped.cancel_all
    assert gate.kill_reason is not None and "loss" in gate.kill_reason
    assert gate.open_order_ids() == [1]  # what the caller must cancel
    refused = gate.check_new(2, 1, SELL, 100, 1, ts=1)
    assert refused.reason == RiskReason.KILL_SWITCH and refused.cancel_all
    assert gate.check_modify(1, qty=1, ts=1).reason == RiskReason.KILL_SWITCH
    assert not gate.update_pnl(500.0)  # recovering does not release it
    gate.reset_kill_switch()
    assert not gate.killed and gate.check_new(2, 1, SELL, 100, 1, ts=2)
    assert gate.pnl == 500.0


@BOOKS
def test_kill_switch_can_be_tripped_by_hand(books: type[Books]) -> None:
    gate = books(RiskLimits())
    decision = gate.trip_kill_switch("operator stop")
    assert decision.cancel_all and "operator stop" in decision.message
    assert gate.check_new(1, 1, BUY, 100, 1, ts=0).reason == RiskReason.KILL_SWITCH


@BOOKS
def test_modify_is_checked_on_its_new_size_and_price(books: type[Books]) -> None:
    gate = books(RiskLimits(max_position=10, max_order_qty=8, max_notional=10.0), {1: SPOT})
    assert gate.check_new(1, 1, BUY, 100, 6, ts=0)  # 6 × 1.00
    assert gate.check_modify(99, qty=1, ts=1).reason == RiskReason.UNKNOWN_ORDER
    assert gate.check_modify(1, qty=0, ts=1).reason == RiskReason.INVALID_ORDER
    assert gate.check_modify(1, qty=9, ts=1).reason == RiskReason.MAX_ORDER_QTY
    assert gate.check_modify(1, price=200, ts=1).reason == RiskReason.MAX_NOTIONAL  # 6 × 2.00
    assert gate.check_new(2, 1, BUY, 100, 4, ts=1)  # worst case 10
    assert gate.check_modify(1, qty=7, ts=2).reason == RiskReason.MAX_POSITION
    assert gate.check_modify(1, qty=2, ts=2)  # a decrease always fits...
    assert gate.worst_case_positions(1) == (10, 0)  # ...and counts once the venue confirms it
    gate.on_modify_answer(1, leaves=2, price=100)
    assert gate.worst_case_positions(1) == (6, 0)
    assert gate.check_modify(2, qty=8, ts=3)
    assert gate.worst_case_positions(1) == (10, 0)


@BOOKS
def test_fills_move_quantity_from_open_to_position(books: type[Books]) -> None:
    gate = books(RiskLimits())
    gate.check_new(1, 1, SELL, 100, 5, ts=0)
    gate.on_fill(1, 2)
    assert gate.position(1) == -2 and gate.worst_case_positions(1) == (-2, -5)
    with pytest.raises(RiskStateError, match="4"):
        gate.on_fill(1, 4)
    if isinstance(gate, ReferenceRiskGate):  # (the blotter skips reports on orders it never sent: test_blotter)
        with pytest.raises(RiskStateError, match="does not know"):
            gate.on_fill(2, 1)
    gate.on_fill(1, 3)
    assert gate.open_order_ids() == [] and gate.position(1) == -5


@BOOKS
def test_a_modify_counts_its_decrease_when_the_venue_confirms_it_and_a_refusal_keeps_the_venues_view(
    books: type[Books],
) -> None:
    gate = books(RiskLimits(max_position=10))
    assert gate.check_new(1, 1, BUY, 100, 8, ts=0)
    assert gate.check_modify(1, qty=2, ts=1)  # a decrease is not counted before the venue confirms it...
    assert gate.check_new(2, 1, BUY, 100, 8, ts=2).reason == RiskReason.MAX_POSITION  # ...fills may be on the way
    gate.refuse_modify(1, leaves=8, price=100)  # the venue refused it: 8 still open
    assert gate.worst_case_positions(1) == (8, 0)
    assert gate.check_modify(1, qty=2, ts=3) and gate.check_modify(1, qty=5, ts=4)  # two in flight
    gate.on_modify_answer(1, leaves=2, price=100)  # the first answered; the second may still make it 5
    assert gate.worst_case_positions(1) == (8, 0)
    gate.on_modify_answer(1, leaves=5, price=100)  # the last answered: the venue's 5
    assert gate.worst_case_positions(1) == (5, 0)
    assert gate.check_modify(1, qty=9, ts=5)  # an increase counts at once
    assert gate.worst_case_positions(1) == (9, 0)
    gate.refuse_modify(1, leaves=5, price=100)
    assert gate.worst_case_positions(1) == (5, 0) and gate.check_new(3, 1, BUY, 100, 5, ts=6)


def test_decisions_are_truthy_only_when_accepted() -> None:
    assert ACCEPTED and not RiskDecision(False, RiskReason.MAX_POSITION, "no")


# -- property: nothing that breaches a limit gets through --------------------------------------------------------

LIMIT_SETS = st.builds(
    RiskLimits,
    max_position=st.one_of(st.none(), st.integers(0, 12)),
    max_order_qty=st.one_of(st.none(), st.integers(1, 8)),
    max_notional=st.one_of(st.none(), st.floats(5.0, 60.0)),
    max_open_orders=st.one_of(st.none(), st.integers(0, 6)),
    max_orders_per_window=st.one_of(st.none(), st.integers(1, 5)),
    rate_window_ns=st.integers(1, 50),
    max_loss=st.one_of(st.none(), st.floats(1.0, 100.0)),
)
ACTIONS = st.lists(
    st.one_of(
        st.tuples(
            st.just("new"), st.sampled_from([1, 2]), st.sampled_from([BUY, SELL]), st.integers(1, 6), st.integers(-1, 9)
        ),
        st.tuples(
            st.just("modify"),
            st.integers(0, 20),
            st.integers(-1, 9),
            st.one_of(st.none(), st.integers(1, 6)),
            st.booleans(),  # whether the venue accepts it (answered at once)
        ),
        st.tuples(st.just("fill"), st.integers(0, 20), st.integers(1, 9)),
        st.tuples(st.just("close"), st.integers(0, 20)),
        st.tuples(st.just("pnl"), st.floats(-150.0, 50.0)),
        st.tuples(st.just("reset")),
        st.tuples(st.just("wait"), st.integers(1, 60)),
    ),
    max_size=80,
)


class GateModel:
    """The account as the test sees it, built only from what the gate accepted and what the test filled."""

    def __init__(self, limits: RiskLimits) -> None:
        self.limits = limits
        self.open: dict[int, list[int]] = {}  # id -> [instrument, side, price, leaves]
        self.position = {1: 0, 2: 0}
        self.accepted_ts: list[int] = []
        self.killed = False

    def breaches(self, instrument: int, side: int, price: int, qty: int, extra: int, ts: int) -> set[RiskReason]:
        """Limits an order (or a modify adding ``extra`` open lots) would break; empty when it is fine."""
        limits, found = self.limits, set()
        if limits.max_order_qty is not None and qty > limits.max_order_qty:
            found.add(RiskReason.MAX_ORDER_QTY)
        if limits.max_notional is not None and INSTRUMENTS[instrument].notional(price, qty) > limits.max_notional:
            found.add(RiskReason.MAX_NOTIONAL)
        if limits.max_position is not None and extra > 0:
            same_side = sum(o[3] for o in self.open.values() if o[0] == instrument and o[1] == side)
            worst = self.position[instrument] + side * (same_side + extra)
            if side * worst > limits.max_position:
                found.add(RiskReason.MAX_POSITION)
        if limits.max_orders_per_window is not None:
            in_window = [t for t in self.accepted_ts if t > ts - limits.rate_window_ns]
            if len(in_window) >= limits.max_orders_per_window:
                found.add(RiskReason.ORDER_RATE)
        return found

    def check_invariants(self, gate: Books) -> None:
        limits = self.limits
        for instrument in (1, 2):
            buys = sum(o[3] for o in self.open.values() if o[0] == instrument and o[1] == BUY)
            sells = sum(o[3] for o in self.open.values() if o[0] == instrument and o[1] == SELL)
            long_worst, short_worst = self.position[instrument] + buys, self.position[instrument] - sells
            assert gate.worst_case_positions(instrument) == (long_worst, short_worst)
            assert gate.position(instrument) == self.position[instrument]
            if limits.max_position is not None:
                assert long_worst <= limits.max_position and short_worst >= -limits.max_position
        if limits.max_open_orders is not None:
            assert len(self.open) <= limits.max_open_orders
        if limits.max_orders_per_window is not None:
            for t in self.accepted_ts:
                in_window = [u for u in self.accepted_ts if t - limits.rate_window_ns < u <= t]
                assert len(in_window) <= limits.max_orders_per_window
        assert sorted(gate.open_order_ids()) == sorted(self.open)
        assert gate.killed == self.killed


@BOOKS
@settings(max_examples=300, deadline=None, derandomize=True)
@given(limits=LIMIT_SETS, actions=ACTIONS)
def test_gate_lets_through_exactly_the_orders_that_breach_nothing(
    books: type[Books], limits: RiskLimits, actions: list[Any]
) -> None:
    gate = books(limits, INSTRUMENTS)
    model = GateModel(limits)
    ts = 0
    next_id = 1
    for action in actions:
        kind = action[0]
        if kind == "new":
            _, instrument, side, qty, offset = action
            price = 1_000 + offset * 100  # SPOT: 10.00 .. 19.00 per lot; FUT: 250.00 × 50 per lot and up
            order_id, next_id = next_id, next_id + 1
            found = set() if model.killed else model.breaches(instrument, side, price, qty, qty, ts)
            if limits.max_open_orders is not None and len(model.open) >= limits.max_open_orders:
                found.add(RiskReason.MAX_OPEN_ORDERS)
            decision = gate.check_new(order_id, instrument, side, price, qty, ts=ts)
            if model.killed:
                assert decision.reason == RiskReason.KILL_SWITCH and decision.cancel_all
            elif found:
                assert not decision and decision.reason in found, (found, decision)
            else:
                assert decision, decision
                model.open[order_id] = [instrument, side, price, qty]
                model.accepted_ts.append(ts)
        elif kind == "modify" and model.open:
            _, index, offset, new_qty, venue_accepts = action
            order_id = sorted(model.open)[index % len(model.open)]
            instrument, side, price, leaves = model.open[order_id]
            new_price = 1_000 + offset * 100
            qty = leaves if new_qty is None else new_qty
            found = set() if model.killed else model.breaches(instrument, side, new_price, qty, qty - leaves, ts)
            decision = gate.check_modify(order_id, qty=new_qty, price=new_price, ts=ts)
            if model.killed:
                assert decision.reason == RiskReason.KILL_SWITCH
            elif found:
                assert not decision and decision.reason in found, (found, decision)
            else:
                assert decision, decision
                model.accepted_ts.append(ts)
                if venue_accepts:
                    gate.on_modify_answer(order_id, leaves=qty, price=new_price)
                    model.open[order_id] = [instrument, side, new_price, qty]
                else:
                    gate.refuse_modify(order_id, leaves=leaves, price=price)
        elif kind == "fill" and model.open:
            _, index, qty = action
            order_id = sorted(model.open)[index % len(model.open)]
            order = model.open[order_id]
            qty = min(qty, order[3])
            gate.on_fill(order_id, qty)
            order[3] -= qty
            model.position[order[0]] += order[1] * qty
            if not order[3]:
                del model.open[order_id]
        elif kind == "close" and model.open:
            order_id = sorted(model.open)[action[1] % len(model.open)]
            gate.on_order_closed(order_id)
            del model.open[order_id]
        elif kind == "pnl":
            decision = gate.update_pnl(action[1])
            if limits.max_loss is not None and action[1] <= -limits.max_loss:
                model.killed = True
            assert bool(decision) == (not model.killed) and decision.cancel_all == model.killed
        elif kind == "reset":
            gate.reset_kill_switch()
            model.killed = False
        elif kind == "wait":
            ts += action[1]
        model.check_invariants(gate)
