"""The risk gate at its edges, written against the mutants scripts/mutation.py left alive in `hft_core.risk`
(issue #18): every limit at exactly its value and one past it, on both sides, for new orders and modifies; the
codes of `RiskReason`; the gate's state before anything was reported."""

from __future__ import annotations

import pytest
from hft_core.errors import ConfigError
from hft_core.events import BUY, SELL
from hft_core.instruments import Instrument
from hft_core.risk import ACCEPTED, RiskDecision, RiskGate, RiskLimits, RiskReason, RiskStateError

SPOT = Instrument("SPOT", tick_size=0.01)  # 100 ticks x 1 lot = 1.0 notional
NONE = (0, 0, 0)


def _new(gate: RiskGate, *, side: int = BUY, price: int = 100, qty: int = 1, exposure: tuple[int, int, int] = NONE,
         open_orders: int = 0, ts: int = 0, order_id: int = 1) -> RiskDecision | None:  # fmt: skip
    return gate.refusal(order_id, 0, side, price, qty, exposure=exposure, open_orders=open_orders, ts=ts)


def _modify(gate: RiskGate, *, side: int = BUY, leaves: int = 1, price: int = 100, qty: int = 1,
            exposure: tuple[int, int, int] = NONE, ts: int = 0) -> RiskDecision | None:  # fmt: skip
    return gate.modify_refusal(1, 0, side, leaves, price, qty, exposure=exposure, ts=ts)


def _why(gate: RiskGate) -> str | None:
    """(read through a call: the gate's state changes under the checker's narrowing)"""
    return gate.kill_reason


def _killed(gate: RiskGate) -> bool:
    return gate.killed


def _checks(gate: RiskGate) -> bool:
    return gate.checks_orders


def _reason(decision: RiskDecision | None) -> RiskReason | None:
    return None if decision is None else decision.reason


def test_the_reason_codes_are_distinct_and_stable() -> None:
    """The codes are an IntEnum's public values (written as numbers by anything that stores them)."""
    assert {reason.name: int(reason) for reason in RiskReason} == {
        "INVALID_ORDER": 1,
        "DUPLICATE_ORDER_ID": 2,
        "UNKNOWN_ORDER": 3,
        "UNKNOWN_INSTRUMENT": 4,
        "MAX_ORDER_QTY": 5,
        "MAX_NOTIONAL": 6,
        "MAX_POSITION": 7,
        "MAX_OPEN_ORDERS": 8,
        "ORDER_RATE": 9,
        "KILL_SWITCH": 10,
    }


def test_a_new_gate_has_no_pnl_and_no_kill_switch() -> None:
    gate = RiskGate(RiskLimits(max_loss=5.0))
    assert gate.pnl == 0.0 and not gate.killed and gate.kill_reason is None
    assert gate.update_pnl(-4.999) is ACCEPTED and gate.pnl == -4.999 and not gate.killed
    decision = gate.update_pnl(-5.0)  # at exactly -max_loss the switch trips
    assert not decision and decision.reason is RiskReason.KILL_SWITCH and decision.cancel_all
    reason = _why(gate)
    assert _killed(gate) and reason is not None and "loss limit" in reason
    assert gate.update_pnl(100.0).reason is RiskReason.KILL_SWITCH, "a recovery does not release it"
    gate.trip_kill_switch("by hand")
    assert "loss limit" in str(_why(gate)), "the first reason stays"
    gate.reset_kill_switch()
    assert not _killed(gate) and _why(gate) is None
    assert gate.update_pnl(-5.0).reason is RiskReason.KILL_SWITCH


def test_no_max_loss_never_trips() -> None:
    gate = RiskGate(RiskLimits(max_order_qty=1))
    assert gate.update_pnl(-1e12) is ACCEPTED and not gate.killed
    hand = RiskGate(RiskLimits())
    decision = hand.trip_kill_switch("stop")
    assert decision.reason is RiskReason.KILL_SWITCH and decision.cancel_all and hand.kill_reason == "stop"
    assert "stop" in decision.message


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_position": -1},
        {"max_order_qty": True},
        {"max_open_orders": 1.0},
        {"max_orders_per_window": -1},
        {"max_notional": -0.01},
        {"max_loss": float("inf")},
        {"max_loss": float("nan")},
        {"rate_window_ns": 0},
        {"rate_window_ns": True},
        {"rate_window_ns": 1.0},
    ],
)
def test_limits_out_of_range_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        RiskLimits(**kwargs)  # type: ignore[arg-type]


def test_zero_limits_and_a_one_ns_window_are_accepted() -> None:
    limits = RiskLimits(0, 0, 0.0, 0, 0, 1, 0.0)
    assert (limits.max_position, limits.max_order_qty, limits.rate_window_ns, limits.max_loss) == (0, 0, 1, 0.0)
    assert RiskLimits().rate_window_ns == 1_000_000_000


def test_max_order_qty_at_and_past_the_limit() -> None:
    gate = RiskGate(RiskLimits(max_order_qty=3))
    assert _new(gate, qty=3) is None
    assert _reason(_new(gate, qty=4)) is RiskReason.MAX_ORDER_QTY
    assert _modify(gate, qty=3) is None
    assert _reason(_modify(gate, qty=4)) is RiskReason.MAX_ORDER_QTY


def test_max_notional_at_and_past_the_limit_and_an_unknown_instrument() -> None:
    gate = RiskGate(RiskLimits(max_notional=3.0), {0: SPOT})
    assert _new(gate, qty=3) is None  # 100 ticks x 0.01 x 3 lots = 3.0
    assert _reason(_new(gate, qty=4)) is RiskReason.MAX_NOTIONAL
    assert _reason(_new(gate, price=101, qty=3)) is RiskReason.MAX_NOTIONAL
    assert _new(gate, side=SELL, price=-100, qty=3) is None, "the notional's size, not its sign"
    assert _reason(_modify(gate, qty=4)) is RiskReason.MAX_NOTIONAL
    unknown = RiskGate(RiskLimits(max_notional=3.0))
    assert _reason(_new(unknown)) is RiskReason.UNKNOWN_INSTRUMENT


@pytest.mark.parametrize("side", [BUY, SELL])
def test_max_position_at_and_past_the_limit_on_both_sides(side: int) -> None:
    gate = RiskGate(RiskLimits(max_position=5))
    # position 2 toward the side, 1 lot open on that side, 1 lot open on the other (which does not count)
    exposure = (2, 1, 1) if side == BUY else (-2, 1, 1)
    assert _new(gate, side=side, qty=2, exposure=exposure) is None  # worst case 5
    refusal = _new(gate, side=side, qty=3, exposure=exposure)
    assert _reason(refusal) is RiskReason.MAX_POSITION
    assert refusal is not None and ("-6" if side == SELL else "reach 6") in refusal.message
    # a modify counts only what it adds to the open lots
    assert _modify(gate, side=side, leaves=1, qty=3, exposure=exposure) is None
    assert _reason(_modify(gate, side=side, leaves=1, qty=4, exposure=exposure)) is RiskReason.MAX_POSITION
    # an order that reduces the position passes however far past the limit it is
    other = SELL if side == BUY else BUY
    assert _new(gate, side=other, qty=2, exposure=(9, 0, 0) if side == BUY else (-9, 0, 0)) is None
    assert _modify(gate, side=side, leaves=4, qty=1, exposure=(9, 9, 9) if side == BUY else (-9, 9, 9)) is None


def test_max_open_orders_at_and_past_the_limit() -> None:
    gate = RiskGate(RiskLimits(max_open_orders=2))
    assert _new(gate, open_orders=1) is None
    assert _reason(_new(gate, open_orders=2)) is RiskReason.MAX_OPEN_ORDERS


def test_the_rate_window_drops_orders_exactly_one_window_old() -> None:
    gate = RiskGate(RiskLimits(max_orders_per_window=2, rate_window_ns=100))
    assert _new(gate, ts=0) is None
    assert _modify(gate, ts=10) is None, "a modify counts in the window"
    assert _reason(_new(gate, ts=99)) is RiskReason.ORDER_RATE
    assert _reason(_modify(gate, ts=99)) is RiskReason.ORDER_RATE
    assert _new(gate, ts=100) is None, "the order at 0 is out of the window (0, 100]"
    assert _reason(_new(gate, ts=100)) is RiskReason.ORDER_RATE
    with pytest.raises(RiskStateError, match="before the previous"):
        _new(gate, ts=99)
    refused_first = RiskGate(RiskLimits(max_orders_per_window=1, max_order_qty=1, rate_window_ns=100))
    assert _reason(_new(refused_first, qty=2, ts=0)) is RiskReason.MAX_ORDER_QTY
    assert _new(refused_first, ts=1) is None, "a refused order is not counted"


def test_invalid_orders_and_modifies() -> None:
    gate = RiskGate(RiskLimits(max_order_qty=10))
    for side, qty in ((0, 1), (2, 1), (BUY, 0), (SELL, -1)):
        assert _reason(_new(gate, side=side, qty=qty)) is RiskReason.INVALID_ORDER
    assert _new(gate, side=SELL, qty=1) is None
    assert _reason(_modify(gate, qty=0)) is RiskReason.INVALID_ORDER
    assert _modify(gate, qty=1) is None


def test_the_gate_checks_orders_only_while_a_limit_or_the_kill_switch_applies() -> None:
    gate = RiskGate(RiskLimits(max_loss=1.0, rate_window_ns=5))
    assert not _checks(gate)
    gate.update_pnl(-1.0)
    assert _checks(gate)
    gate.reset_kill_switch()
    assert not _checks(gate)


def test_a_modify_that_adds_no_lots_passes_the_position_limit_even_past_it() -> None:
    """A reprice (same size) or a shrink adds nothing a fill could take further: only added lots are checked."""
    gate = RiskGate(RiskLimits(max_position=5))
    over = (7, 2, 2)
    assert _modify(gate, side=BUY, leaves=2, qty=2, price=101, exposure=over) is None
    assert _modify(gate, side=SELL, leaves=2, qty=2, price=99, exposure=(-7, 2, 2)) is None
    assert _reason(_modify(gate, side=BUY, leaves=2, qty=3, exposure=over)) is RiskReason.MAX_POSITION
