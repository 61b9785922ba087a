"""Random strategies whose modifies and cancels cross fills in flight, on both venues (issue #18's stress suite).

A seeded strategy sends limit orders at and through the touch, and at every decision (a short timer, and each of
its fills) modifies a random open order (its size up or down, its price by a few ticks), cancels one, or
modifies or cancels the order that has just filled, while the venue's latency keeps earlier fills, modifies and
cancels in flight (the replay venue on L2 and on L3 streams: both kernels; and the simulated market). The run
must end without an error, and the books must agree with the fills: every order's filled size is the sum of its
fills and never above its size, each instrument's position is the sum of its signed fills, and an order is open
at the end only if it is neither filled, cancelled nor rejected.
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from hft_core.engine.loop import Engine
from hft_core.engine.results import BacktestResult
from hft_core.runs import create_scenario
from hft_core.strategy import Context, Fill, Strategy
from hft_core.venues.replay import ConstantLatency, ReplayVenue, RiskAverseQueue
from hft_core.venues.replay._scenarios import INSTRUMENTS, random_l2_stream, random_l3_stream

FINAL = ("filled", "cancelled", "rejected", "expired")


class Churning(Strategy):
    """Orders, modifies and cancels at random, reacting to its own fills while others are in flight."""

    def __init__(self, seed: int, interval_s: float, lot: float, tick: float) -> None:
        self.rng = random.Random(seed)
        self.interval_s, self.lot, self.tick = interval_s, lot, tick
        self.actions = {"order": 0, "modify": 0, "cancel": 0, "modify-filled": 0, "cancel-filled": 0}

    def on_start(self, ctx: Context) -> None:
        ctx.set_timer(self.interval_s)

    def on_timer(self, ctx: Context) -> None:
        rng = self.rng
        top = ctx.book()
        bid, ask = top.best_bid, top.best_ask
        if bid is None or ask is None:
            return
        roll = rng.random()
        open_ids = ctx.open_orders()
        if roll < 0.4 or not open_ids:
            qty = self.lot * rng.randint(1, 5)
            if rng.random() < 0.5:
                ctx.buy(qty, bid + self.tick * rng.randint(-2, 2))
            else:
                ctx.sell(qty, ask + self.tick * rng.randint(-2, 2))
            self.actions["order"] += 1
        elif roll < 0.75:
            self._modify(ctx, rng.choice(open_ids), bid, ask)
            self.actions["modify"] += 1
        else:
            ctx.cancel(rng.choice(open_ids))
            self.actions["cancel"] += 1

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        rng = self.rng
        top = ctx.book()
        if rng.random() < 0.5 and top.best_bid is not None and top.best_ask is not None:
            self._modify(ctx, fill.order_id, top.best_bid, top.best_ask)  # (an order no longer open: ignored)
            self.actions["modify-filled"] += 1
        elif rng.random() < 0.5:
            ctx.cancel(fill.order_id)
            self.actions["cancel-filled"] += 1

    def _modify(self, ctx: Context, order_id: int, bid: float, ask: float) -> None:
        rng = self.rng
        qty = self.lot * rng.randint(1, 6)  # smaller or larger than what is left, or than what has filled
        if rng.random() < 0.5:
            ctx.modify(order_id, qty=qty)
        else:
            mid = (bid + ask) / 2
            ctx.modify(order_id, price=mid + self.tick * rng.randint(-3, 3), qty=qty)


def _check_books(result: BacktestResult, label: str) -> None:
    orders, fills = result.orders, result.fills
    assert len(orders) > 50 and len(fills) > 10, (label, len(orders), len(fills))
    by_order = fills.groupby("order_id")["qty"].sum()
    filled = orders.set_index("order_id")["filled_qty"]
    np.testing.assert_allclose(by_order.to_numpy(), filled.loc[by_order.index].to_numpy(), err_msg=label)
    assert (filled.drop(by_order.index) == 0).all(), label
    assert (orders["filled_qty"] <= orders["qty"] + 1e-9).all(), (label, orders[orders["filled_qty"] > orders["qty"]])
    signed = fills["qty"].where(fills["side"] == "buy", -fills["qty"])
    for symbol, position in result.stats["final_position"].items():
        total = float(signed[fills["instrument"] == symbol].sum())
        assert total == pytest.approx(position, abs=1e-9), (label, symbol, total, position)
    done = orders["done_ts"] >= 0
    assert orders.loc[done, "status"].isin(FINAL).all(), (label, orders.loc[done, "status"].value_counts())
    assert not orders.loc[~done, "status"].isin(FINAL).any(), label


@pytest.mark.parametrize(("seed", "book"), [(1, "L2"), (2, "L2"), (3, "L3"), (4, "L3")])
def test_churn_on_the_replay_venue(seed: int, book: str) -> None:
    rng = np.random.default_rng(seed)
    stream = random_l2_stream(rng, 12_000) if book == "L2" else random_l3_stream(rng, 12_000)
    for partial_fills in (True, False):
        venue = ReplayVenue(
            stream,
            INSTRUMENTS[:1],
            latency=ConstantLatency(15, 10),
            queue_model=RiskAverseQueue(),
            partial_fills=partial_fills,
        )
        strategy = Churning(seed, interval_s=40e-9, lot=1.0, tick=0.01)
        result = Engine(strategy, venue).run()
        _check_books(result, f"replay {book} seed {seed} partial_fills={partial_fills}")
        assert strategy.actions["modify"] > 20 and strategy.actions["cancel-filled"] > 0, strategy.actions


@pytest.mark.parametrize("seed", [1, 2])
def test_churn_on_the_simulated_market(seed: int) -> None:
    venue = create_scenario("single-instrument", seed=seed, duration_s=120.0)
    inst = venue.instruments[0]
    strategy = Churning(seed, interval_s=0.05, lot=inst.lot_size, tick=inst.tick_size)
    result = Engine(strategy, venue, duration_s=120.0).run()
    _check_books(result, f"simulated seed {seed}")
    assert strategy.actions["modify"] > 100 and strategy.actions["modify-filled"] > 0, strategy.actions
    assert isinstance(result.orders, pd.DataFrame)
