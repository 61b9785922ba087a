"""Triggers through the engine: ``ctx.set_trigger`` wakes ``on_trigger`` exactly where the same condition, checked in
Python at every top-of-book change, would have acted - same orders, same fills - on the replay venue and on the
simulated market, and far less often."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hft_core import Context, Instrument, Strategy
from hft_core.engine import Engine
from hft_core.engine.loop import trigger_spec
from hft_core.errors import HftError
from hft_core.strategy import Trigger, TriggerFired
from hft_core.venues.base import T_BEST_QTY, T_MID, T_MID_ABOVE, T_MID_BELOW, T_TRADE_ABOVE, T_TRADE_BELOW, Venue
from hft_core.venues.replay import ConstantLatency, PowerProbQueue, ReplayVenue
from hft_core.venues.replay._scenarios import random_l2_stream

INSTRUMENT = Instrument("R", tick_size=0.01, lot_size=1.0)


class _Chaser:
    """Quotes one lot either side of the mid whenever the mid moved by at least ``ticks`` ticks since it last did."""

    ticks = 1

    def __init__(self) -> None:
        self.decisions: list[int] = []
        self.ref: float | None = None

    def quote(self, ctx: Context) -> None:
        book = ctx.book()
        if book.best_bid is None or book.best_ask is None:
            return
        self.decisions.append(ctx.now)
        self.ref = book.mid
        ctx.cancel_all()
        ctx.buy(1, book.best_bid - 0.01, tif="post-only")
        ctx.sell(1, book.best_ask + 0.01, tif="post-only")


class TriggeredChaser(_Chaser, Strategy):
    def on_start(self, ctx: Context) -> None:
        ctx.set_trigger(Trigger(mid_ticks=self.ticks))

    def on_trigger(self, ctx: Context, instrument: str, fired: TriggerFired) -> None:
        assert instrument == ctx.instruments[0] and fired & TriggerFired.MID
        self.quote(ctx)


class PythonChaser(_Chaser, Strategy):
    """The same condition, checked in Python at every top-of-book change."""

    def on_start(self, ctx: Context) -> None:
        ctx.subscribe()
        book = ctx.book()
        self.ref = book.mid

    def on_book(self, ctx: Context, instrument: str) -> None:
        mid = ctx.book().mid
        if mid is None:
            return
        if self.ref is None:
            self.ref = mid
        elif abs(mid - self.ref) >= self.ticks * 0.01 - 1e-9:
            self.quote(ctx)


def _replay(seed: int) -> ReplayVenue:
    rng = np.random.default_rng(seed)
    data = random_l2_stream(rng, 3_000)
    # one row per local time: Python checking at each top-of-book change sees each row's book, as the trigger does
    data["exch_ts"] = 1_000 + 10 * np.arange(len(data))
    data["local_ts"] = data["exch_ts"] + 5
    return ReplayVenue(
        data, [INSTRUMENT], latency=ConstantLatency(7, 9), queue_model=PowerProbQueue(2.0), partial_fills=False
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_trigger_acts_where_python_checking_every_change_would(seed: int) -> None:
    python, triggered = PythonChaser(), TriggeredChaser()
    slow = Engine(python, _replay(seed)).run()
    fast = Engine(triggered, _replay(seed)).run()
    assert triggered.decisions == python.decisions and len(triggered.decisions) > 10
    assert fast.orders.equals(slow.orders) and len(fast.fills) > 0
    # (a fill's ``pnl`` is marked when the engine books it: at the next stop, which differs between the two)
    assert fast.fills.drop(columns="pnl").equals(slow.fills.drop(columns="pnl"))
    assert fast.equity.equals(slow.equity)


def test_on_the_simulated_market_too() -> None:
    from hft_core.runs import create_scenario

    def venue() -> Venue:
        return create_scenario("single-instrument", seed=5, duration_s=60)

    python, triggered = PythonChaser(), TriggeredChaser()
    slow = Engine(python, venue()).run()
    fast = Engine(triggered, venue()).run()
    assert triggered.decisions == python.decisions and len(triggered.decisions) >= 5
    assert fast.fills.drop(columns="pnl").equals(slow.fills.drop(columns="pnl"))


def test_a_venue_without_triggers_says_so() -> None:
    class NoTriggers(ReplayVenue):
        set_trigger = None  # type: ignore[assignment]

    class Wants(Strategy):
        def on_start(self, ctx: Context) -> None:
            ctx.set_trigger(Trigger(fills=True))

    rng = np.random.default_rng(0)
    with pytest.raises(HftError, match="does not evaluate triggers"):
        Engine(Wants(), NoTriggers(random_l2_stream(rng, 50), [INSTRUMENT])).run()


def test_trigger_levels_land_on_the_grid_where_the_float_condition_holds() -> None:
    inst = Instrument("X", tick_size=0.5, lot_size=0.1)
    spec = trigger_spec(
        Trigger(mid_above=100.2, mid_below=99.9, best_qty_below=0.25, trade_above=100.2, trade_below=99.9), inst
    )
    assert spec.flags == T_MID_ABOVE | T_MID_BELOW | T_BEST_QTY | T_TRADE_ABOVE | T_TRADE_BELOW
    # mid >= 100.2 <=> (bid + ask) * 0.25 >= 100.2 <=> bid + ask >= 400.8 half ticks, i.e. >= 401
    assert (spec.mid_above, spec.mid_below) == (401, 399)
    assert spec.best_qty_below == 3  # 0.2 (2 lots) < 0.25 but 0.3 (3 lots) is not
    assert (spec.trade_above, spec.trade_below) == (201, 199)
    assert trigger_spec(Trigger(mid_ticks=2), inst).flags == T_MID


def test_combining_triggers() -> None:
    both = Trigger(mid_ticks=3, fills=True) | Trigger(mid_ticks=1, trade_above=5.0)
    assert both == Trigger(mid_ticks=1, trade_above=5.0, fills=True)
    assert both.conditions == TriggerFired.MID | TriggerFired.TRADE_ABOVE | TriggerFired.FILL
    with pytest.raises(ValueError, match="cannot combine"):
        _ = Trigger(mid_above=1.0) | Trigger(mid_above=2.0)
    with pytest.raises(ValueError, match="at least one condition"):
        Trigger()
    with pytest.raises(ValueError, match="imbalance"):
        Trigger(imbalance=1.5)
    assert not math.isnan(trigger_spec(Trigger(imbalance=0.5), INSTRUMENT).imbalance)
