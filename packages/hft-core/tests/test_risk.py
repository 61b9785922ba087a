"""The pre-trade risk gate: each limit, the kill switch, state tracking, and a property test that no breaching
order ever gets through (and no compliant one is refused) on random order/fill/cancel/PnL streams."""

from __future__ import annotations

from typing import Any

import pytest
from hft_core.errors import ConfigError
from hft_core.events import BUY, SELL
from hft_core.instruments import Instrument
from hft_core.risk import ACCEPTED, RiskDecision, RiskGate, RiskLimits, RiskReason, RiskStateError
from hypothesis import given, settings
from hypothesis import strategies as st

FUT = Instrument("FUT", tick_size=0.25, multiplier=50.0)  # one lot at 4000.00 = 16000 ticks is 200000.0 notional
SPOT = Instrument("SPOT", tick_size=0.01)
INSTRUMENTS = {1: FUT, 2: SPOT}


def test_default_limits_accept_anything_well_formed() -> None:
    gate = RiskGate(RiskLimits())
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


def test_invalid_and_duplicate_orders_are_refused() -> None:
    gate = RiskGate(RiskLimits())
    assert gate.check_new(1, 1, 0, 100, 1, ts=0).reason == RiskReason.INVALID_ORDER
    assert gate.check_new(1, 1, BUY, 100, 0, ts=0).reason == RiskReason.INVALID_ORDER
    assert gate.check_new(1, 1, BUY, 100, 1, ts=0)
    assert gate.check_new(1, 1, SELL, 100, 1, ts=0).reason == RiskReason.DUPLICATE_ORDER_ID


def test_max_order_qty() -> None:
    gate = RiskGate(RiskLimits(max_order_qty=5))
    assert gate.check_new(1, 1, BUY, 100, 5, ts=0)
    decision = gate.check_new(2, 1, BUY, 100, 6, ts=0)
    assert not decision and decision.reason == RiskReason.MAX_ORDER_QTY and "6" in decision.message
    assert not decision.cancel_all


def test_max_notional_uses_the_instrument_multiplier() -> None:
    gate = RiskGate(RiskLimits(max_notional=500_000.0), INSTRUMENTS)
    assert gate.check_new(1, 1, BUY, 16_000, 2, ts=0)  # 2 × 4000.00 × 50 = 400000
    assert gate.check_new(2, 1, BUY, 16_000, 3, ts=0).reason == RiskReason.MAX_NOTIONAL  # 600000
    assert gate.check_new(3, 2, BUY, 10_000, 3, ts=0)  # 3 × 100.00
    assert gate.check_new(4, 7, BUY, 1, 1, ts=0).reason == RiskReason.UNKNOWN_INSTRUMENT


def test_position_limit_counts_open_orders_on_the_same_side() -> None:
    gate = RiskGate(RiskLimits(max_position=10))
    gate.set_position(1, 3)
    assert gate.check_new(1, 1, BUY, 100, 6, ts=0)  # worst case 9
    decision = gate.check_new(2, 1, BUY, 100, 2, ts=0)  # worst case 11
    assert decision.reason == RiskReason.MAX_POSITION and "11" in decision.message
    assert gate.check_new(3, 1, BUY, 100, 1, ts=0)  # exactly 10
    assert gate.check_new(4, 1, SELL, 100, 13, ts=0)  # short worst case 3 - 13 = -10
    assert gate.check_new(5, 1, SELL, 100, 1, ts=0).reason == RiskReason.MAX_POSITION
    assert gate.check_new(6, 2, BUY, 100, 10, ts=0)  # another instrument has its own limit
    assert gate.worst_case_positions(1) == (10, -10)


def test_reducing_orders_pass_even_when_the_position_is_over_the_limit() -> None:
    gate = RiskGate(RiskLimits(max_position=10))
    gate.set_position(1, 15)
    assert gate.check_new(1, 1, BUY, 100, 1, ts=0).reason == RiskReason.MAX_POSITION
    assert gate.check_new(2, 1, SELL, 100, 5, ts=0)


def test_max_open_orders_frees_up_when_orders_close() -> None:
    gate = RiskGate(RiskLimits(max_open_orders=2))
    assert gate.check_new(1, 1, BUY, 100, 1, ts=0) and gate.check_new(2, 1, BUY, 100, 1, ts=0)
    assert gate.check_new(3, 1, BUY, 100, 1, ts=0).reason == RiskReason.MAX_OPEN_ORDERS
    gate.on_order_closed(1)
    gate.on_order_closed(1)  # idempotent
    assert gate.check_new(3, 1, BUY, 100, 1, ts=0)
    gate.on_fill(2, 1)  # a complete fill closes the order too
    assert gate.open_order_count == 1 and gate.position(1) == 1


def test_order_rate_is_a_rolling_window() -> None:
    gate = RiskGate(RiskLimits(max_orders_per_window=3, rate_window_ns=1_000))
    for order_id, ts in enumerate((0, 10, 500), start=1):
        assert gate.check_new(order_id, 1, BUY, 100, 1, ts=ts)
    assert gate.check_new(4, 1, BUY, 100, 1, ts=999).reason == RiskReason.ORDER_RATE
    assert gate.check_modify(1, qty=2, ts=999).reason == RiskReason.ORDER_RATE
    assert gate.check_new(4, 1, BUY, 100, 1, ts=1_000)  # the order at 0 has left the window
    assert gate.check_new(5, 1, BUY, 100, 1, ts=1_009).reason == RiskReason.ORDER_RATE
    assert gate.check_new(5, 1, BUY, 100, 1, ts=1_010)
    with pytest.raises(RiskStateError, match="before"):
        gate.check_new(6, 1, BUY, 100, 1, ts=5)


def test_loss_limit_trips_the_kill_switch_until_reset() -> None:
    gate = RiskGate(RiskLimits(max_loss=1_000.0))
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


def test_kill_switch_can_be_tripped_by_hand() -> None:
    gate = RiskGate(RiskLimits())
    decision = gate.trip_kill_switch("operator stop")
    assert decision.cancel_all and "operator stop" in decision.message
    assert gate.check_new(1, 1, BUY, 100, 1, ts=0).reason == RiskReason.KILL_SWITCH


def test_modify_is_checked_on_its_new_size_and_price() -> None:
    gate = RiskGate(RiskLimits(max_position=10, max_order_qty=8, max_notional=10.0), {1: SPOT})
    assert gate.check_new(1, 1, BUY, 100, 6, ts=0)  # 6 × 1.00
    assert gate.check_modify(99, qty=1, ts=1).reason == RiskReason.UNKNOWN_ORDER
    assert gate.check_modify(1, qty=0, ts=1).reason == RiskReason.INVALID_ORDER
    assert gate.check_modify(1, qty=9, ts=1).reason == RiskReason.MAX_ORDER_QTY
    assert gate.check_modify(1, price=200, ts=1).reason == RiskReason.MAX_NOTIONAL  # 6 × 2.00
    assert gate.check_new(2, 1, BUY, 100, 4, ts=1)  # worst case 10
    assert gate.check_modify(1, qty=7, ts=2).reason == RiskReason.MAX_POSITION
    assert gate.check_modify(1, qty=2, ts=2)  # a decrease always fits
    assert gate.worst_case_positions(1) == (6, 0)
    assert gate.check_modify(2, qty=8, ts=3)
    assert gate.worst_case_positions(1) == (10, 0)


def test_fills_move_quantity_from_open_to_position() -> None:
    gate = RiskGate(RiskLimits())
    gate.check_new(1, 1, SELL, 100, 5, ts=0)
    gate.on_fill(1, 2)
    assert gate.position(1) == -2 and gate.worst_case_positions(1) == (-2, -5)
    with pytest.raises(RiskStateError, match="4"):
        gate.on_fill(1, 4)
    with pytest.raises(RiskStateError, match="does not know"):
        gate.on_fill(2, 1)
    gate.on_fill(1, 3)
    assert gate.open_order_ids() == [] and gate.position(1) == -5


def test_sync_order_restores_the_venues_view_after_a_refused_modify() -> None:
    gate = RiskGate(RiskLimits(max_position=10))
    assert gate.check_new(1, 1, BUY, 100, 8, ts=0)
    assert gate.check_modify(1, qty=2, ts=1)  # the gate applies the decrease at once...
    assert gate.check_new(2, 1, BUY, 100, 8, ts=2)  # ...which frees room
    gate.on_order_closed(2)
    gate.sync_order(1, leaves=8, price=100)  # ...but the venue refused the modify: 8 are still open
    assert gate.worst_case_positions(1) == (8, 0)
    assert gate.check_new(3, 1, BUY, 100, 8, ts=3).reason == RiskReason.MAX_POSITION
    gate.sync_order(1, leaves=0)
    assert gate.open_order_ids() == []
    with pytest.raises(RiskStateError, match="does not know"):
        gate.sync_order(1, leaves=1)
    gate.check_new(4, 1, BUY, 100, 1, ts=4)
    with pytest.raises(RiskStateError, match="negative"):
        gate.sync_order(4, leaves=-1)


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
        st.tuples(st.just("modify"), st.integers(0, 20), st.integers(-1, 9), st.one_of(st.none(), st.integers(1, 6))),
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

    def check_invariants(self, gate: RiskGate) -> None:
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


@settings(max_examples=300, deadline=None, derandomize=True)
@given(limits=LIMIT_SETS, actions=ACTIONS)
def test_gate_lets_through_exactly_the_orders_that_breach_nothing(limits: RiskLimits, actions: list[Any]) -> None:
    gate = RiskGate(limits, INSTRUMENTS)
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
            _, index, offset, new_qty = action
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
                model.open[order_id] = [instrument, side, new_price, qty]
                model.accepted_ts.append(ts)
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
