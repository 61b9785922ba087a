"""A test for each mutant the sampled mutation run of issue #18 left alive: each would have let a broken gate,
matcher, statistic or boundary through the whole suite."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hft_core import Context, RiskLimits, Strategy, create_scenario
from hft_core.engine import Engine
from hft_core.engine._reference import ReferenceLedger, ReferenceRiskGate
from hft_core.engine.blotter import SettleError
from hft_core.engine.stats import max_drawdown, sampled_sharpe
from hft_core.events import BUY, SELL
from hft_core.instruments import FeeSchedule, Instrument
from hft_core.matching import MatchingEngine, OrderReason, OrderStatus, OrderType
from hft_core.risk import RiskGate, RiskReason, RiskStateError

INSTRUMENT = Instrument("SIM", tick_size=0.01, lot_size=1.0)
MINUTE = 60_000_000_000


# -- risk ---------------------------------------------------------------------------------------------------------
def test_the_kill_switch_refuses_a_modify() -> None:
    """The path the engine calls for a modify (`modify_refusal`) must honour the kill switch, with or without
    other limits."""
    for limits in (RiskLimits(max_loss=10.0), RiskLimits(max_loss=10.0, max_position=100, max_order_qty=50)):
        gate = RiskGate(limits, {0: INSTRUMENT})
        exposure = (0, 1, 0)
        assert gate.modify_refusal(1, 0, BUY, 1, 100, 2, exposure=exposure, ts=0) is None
        gate.update_pnl(-10.0)
        refusal = gate.modify_refusal(1, 0, BUY, 1, 100, 2, exposure=exposure, ts=1)
        assert refusal is not None and refusal.reason is RiskReason.KILL_SWITCH and refusal.cancel_all
        shrink = gate.modify_refusal(1, 0, BUY, 2, 100, 1, exposure=exposure, ts=2)
        assert shrink is not None and shrink.reason is RiskReason.KILL_SWITCH


@pytest.mark.parametrize(
    "limits",
    [
        RiskLimits(max_order_qty=2),
        RiskLimits(max_notional=1.0),
        RiskLimits(max_position=2),
        RiskLimits(max_open_orders=2),
        RiskLimits(max_orders_per_window=2),
    ],
    ids=["max_order_qty", "max_notional", "max_position", "max_open_orders", "max_orders_per_window"],
)
def test_any_one_limit_alone_makes_the_gate_check_orders(limits: RiskLimits) -> None:
    assert RiskGate(limits, {0: INSTRUMENT}).checks_orders
    assert not RiskGate(RiskLimits(max_loss=5.0)).checks_orders
    killed = RiskGate(RiskLimits())
    killed.trip_kill_switch("by hand")
    assert killed.checks_orders


def test_the_engine_enforces_max_order_qty_when_it_is_the_only_limit() -> None:
    class Big(Strategy):
        def on_start(self, ctx: Context) -> None:
            ctx.set_timer(0.1)

        def on_timer(self, ctx: Context) -> None:
            if not ctx.open_orders():
                mid = ctx.book().mid
                if mid is not None:
                    ctx.buy(5, round(mid * 0.9, 2))
                    ctx.buy(2, round(mid * 0.9, 2))

    venue = create_scenario("single-instrument", seed=2, duration_s=1.0)
    result = Engine(Big(), venue, risk=RiskLimits(max_order_qty=2)).run()
    orders = result.orders
    big = orders[orders["qty"] == 5.0]
    assert len(big) >= 1 and set(big["status"]) == {"rejected"}
    assert all("max_order_qty" in str(reason) for reason in big["reason"])
    assert "accepted" in set(orders[orders["qty"] == 2.0]["status"])


# -- matching -----------------------------------------------------------------------------------------------------
def test_a_crossing_order_of_numpy_integers_fills_at_the_makers_price_only_through_its_limit() -> None:
    """The numpy-integer path (`_submit_other`): a sell limit at 95 against bids at 100 and 90 takes the 100 only,
    at 100, and rests the remainder at 95."""
    for as_int in (np.int64, np.int32, int):
        engine = MatchingEngine()
        engine.submit(BUY, 100, 3, owner=1)
        engine.submit(BUY, 90, 3, owner=1)
        engine.drain()
        order_id = engine.submit(SELL, as_int(95), as_int(5), owner=2, order_type=OrderType.LIMIT)  # type: ignore[arg-type]
        out = engine.drain()
        assert [(e.price, e.qty, e.taker_order_id) for e in out.executions] == [(100, 3, order_id)], as_int
        mine = [u for u in out.updates if u.order_id == order_id]
        assert mine[-1].status is OrderStatus.PARTIALLY_FILLED and mine[-1].leaves == 2, mine
        assert engine.best_ask() == 95 and engine.best_bid() == 90


def test_a_one_price_band_accepts_that_price_and_a_modify_to_the_maximum_is_accepted() -> None:
    engine = MatchingEngine(min_price=100, max_price=100)
    accepted = engine.submit(BUY, 100, 1)
    refused = engine.submit(BUY, 101, 1)
    updates = {u.order_id: u for u in engine.drain().updates}
    assert updates[accepted].status is OrderStatus.ACCEPTED
    assert updates[refused].status is OrderStatus.REJECTED and updates[refused].reason is OrderReason.INVALID_PRICE
    banded = MatchingEngine(min_price=1, max_price=200)
    order = banded.submit(BUY, 150, 2)
    banded.drain()
    assert banded.modify(order, price=200) is True
    assert banded.modify(order, price=201) is False
    assert banded.best_bid() == 200


# -- fees and fills -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rate", [1.0, -1.0, math.nan, math.inf])
def test_a_fee_rate_of_plus_or_minus_one_is_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="within"):
        FeeSchedule(maker=rate)
    with pytest.raises(ValueError, match="within"):
        FeeSchedule(taker=rate)


def test_fee_rates_just_inside_the_bounds_are_accepted() -> None:
    fees = FeeSchedule(maker=-0.999, taker=0.999)
    assert fees.fee(100.0, maker=True) == pytest.approx(-99.9)
    assert fees.fee(-100.0, maker=False) == pytest.approx(99.9)


def test_a_zero_quantity_fill_is_refused_by_the_ledger_and_the_risk_reference() -> None:
    ledger = ReferenceLedger({0: INSTRUMENT})
    with pytest.raises(SettleError, match="positive integer"):
        ledger.on_fill(0, BUY, 100, 0, maker=True)
    ledger.on_fill(0, BUY, 100, 1, maker=True)  # one lot is fine
    gate = ReferenceRiskGate(RiskLimits(), {0: INSTRUMENT})
    assert gate.check_new(1, 0, BUY, 100, 2, ts=0)
    with pytest.raises(RiskStateError, match="fill of 0"):
        gate.on_fill(1, 0)
    gate.on_fill(1, 2)


# -- statistics ---------------------------------------------------------------------------------------------------
def test_max_drawdown_is_the_largest_peak_to_trough_fall_as_a_positive_number() -> None:
    assert max_drawdown([0.0, 5.0, 2.0, 7.0, 1.0, 3.0]) == 6.0
    assert max_drawdown([0.0, 1.0, 2.0]) == 0.0
    assert max_drawdown([3.0, -4.0]) == 7.0
    assert max_drawdown([]) == 0.0


def test_sampled_sharpe_is_the_mean_over_the_std_of_the_changes() -> None:
    changes = np.array([1.0, -0.5, 2.0, 0.5] * 10)
    pnl = np.concatenate([[0.0], np.cumsum(changes)])
    ts = np.arange(len(pnl), dtype=np.int64) * MINUTE
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NaN or divide warnings on the way
        value, samples = sampled_sharpe(ts, pnl, MINUTE)
        assert samples == 40
        assert value == pytest.approx(changes.mean() / changes.std(ddof=1))
        assert value == pytest.approx(0.75 / float(np.std(changes, ddof=1)))
        # a losing curve has the opposite sign
        negative, _ = sampled_sharpe(ts, -pnl, MINUTE)
        assert value is not None and negative == pytest.approx(-value)
        # below 30 changes, or a constant curve: None, with the count, and still no warning
        assert sampled_sharpe(ts[:20], pnl[:20], MINUTE) == (None, 19)
        assert sampled_sharpe(ts, np.zeros(len(ts)), MINUTE) == (None, 40)
        assert sampled_sharpe(ts[:1], pnl[:1], MINUTE) == (None, 0)
