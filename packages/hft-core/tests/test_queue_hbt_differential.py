"""The replay venue with hftbacktest's queue arithmetic against hftbacktest 2.4.4 itself, on random streams.

Optional: runs only where hftbacktest is installed (``uv pip install --no-deps hftbacktest==2.4.4``, as for the
benchmarks); the hand-pinned formulas in tests/test_queue_hbt_arithmetic.py always run. Each stream keeps one
resting buy at the best bid while its level grows, shrinks and trades (sellers at its price, now and then one
through it); both engines see the same events (converted by `hft_core.data.hftbacktest_npz.to_hftbacktest`) with
zero order latency, and the lots our order has filled after every event must be equal, model by model, with
and without partial fills.
"""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import numpy as np
import pytest
from hft_core.data.hftbacktest_npz import to_hftbacktest
from hft_core.events import BUY, SELL, EventKind, Events
from hft_core.matching.orders import OrderType
from hft_core.venues.base import Watch
from hft_core.venues.replay import (
    ConstantLatency,
    LogProbQueue,
    Power3ProbQueue,
    PowerProbQueue,
    QueueModel,
    ReplayVenue,
)
from hft_core.venues.replay._scenarios import INSTRUMENTS, events

hftbacktest: Any = pytest.importorskip("hftbacktest")

STEP = 1_000
"""Events come every STEP ns; the order is sent, and positions are read, half a step after one."""
PRICE = 100
D, T = EventKind.DEPTH, EventKind.TRADE


def random_stream(rng: np.random.Generator, n: int) -> tuple[Events, int]:
    """A stream around a bid level at PRICE: adds, cancels and trades there; returns it and our order's size."""
    level = int(rng.integers(1, 40))
    rows: list[tuple[int, ...]] = [(STEP, STEP, D, BUY, PRICE, level), (STEP, STEP, D, SELL, PRICE + 1, 50)]
    for k in range(2, n + 2):
        t = k * STEP
        u = rng.random()
        if u < 0.35 and level > 0:
            traded = int(rng.integers(1, min(level, 4) + 1))  # small: the queue passes zero lot by lot
            rows.append((t, t, T, SELL, PRICE, traded))
            if rng.random() < 0.7:  # the update the trade causes, sometimes with more adds or cancels in it
                level = max(level - traded + int(rng.integers(-3, 4)), 0)
                rows.append((t, t, D, BUY, PRICE, level))
        elif u < 0.97:
            level = max(level + int(rng.integers(-12, 14)), 0)
            rows.append((t, t, D, BUY, PRICE, level))
        else:
            rows.append((t, t, T, SELL, PRICE - 1, 1))  # through our price
    last = (n + 3) * STEP
    rows.append((last, last, D, SELL, PRICE + 2, 1))
    return events(rows), int(rng.integers(1, 8))


def ours(data: Events, model: QueueModel, partial: bool, qty: int) -> list[int]:
    venue = ReplayVenue(data, INSTRUMENTS[:1], latency=ConstantLatency(0, 0), queue_model=model, partial_fills=partial)
    venue.start()
    advance = venue.advance(STEP + STEP // 2, Watch())
    venue.submit(advance.now, 0, 1, BUY, OrderType.LIMIT, PRICE, qty)
    position, positions = 0, []
    until = advance.now
    while not advance.finished:
        until += STEP
        while not advance.finished and advance.now < until:  # (an advance stops at each report)
            advance = venue.advance(until, Watch())
            position += sum(r.fill_qty for r in advance.reports)
        positions.append(position)
    return positions


def theirs(data: Events, model: QueueModel, partial: bool, qty: int, steps: int) -> list[int]:
    instrument = INSTRUMENTS[0]
    feed = to_hftbacktest(data, instrument)  # (hftbacktest reads this array's memory: keep it referenced here)
    asset = (
        hftbacktest.BacktestAsset()
        .data([feed])
        .linear_asset(1.0)
        .constant_order_latency(0, 0)
        .tick_size(instrument.tick_size)
        .lot_size(instrument.lot_size)
        .trading_value_fee_model(0.0, 0.0)
    )
    if isinstance(model, PowerProbQueue):
        asset = asset.power_prob_queue_model(model.n)
    elif isinstance(model, Power3ProbQueue):
        asset = asset.power_prob_queue_model3(model.n)
    else:
        asset = asset.log_prob_queue_model()
    asset = asset.partial_fill_exchange() if partial else asset.no_partial_fill_exchange()
    hbt = hftbacktest.HashMapMarketDepthBacktest([asset])
    try:
        hbt.elapse(STEP // 2)  # its clock starts at the first event (STEP)
        lot = instrument.lot_size
        hbt.submit_buy_order(0, 1, PRICE * instrument.tick_size, qty * lot, hftbacktest.GTC, hftbacktest.LIMIT, False)
        executed = []
        for _ in range(steps):
            hbt.elapse(STEP)
            # (the order's own leaves: hftbacktest's position(0) kept only the last of several partial fills here)
            executed.append(qty - round(hbt.orders(0).get(1).leaves_qty / lot))
        return executed
    finally:
        hbt.close()


MODELS: list[QueueModel] = [
    PowerProbQueue(2.0, arithmetic="hftbacktest"),
    PowerProbQueue(3.0, arithmetic="hftbacktest"),
    LogProbQueue(arithmetic="hftbacktest"),
    Power3ProbQueue(3.0, arithmetic="hftbacktest"),
]


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{type(m).__name__}-{m.exponent:g}")
def test_fills_equal_hftbacktest(model: QueueModel) -> None:
    diverged = 0
    for seed in range(30):
        rng = np.random.default_rng(seed)
        data, qty = random_stream(rng, 60)
        for partial in (True, False):
            mine = ours(data, model, partial, qty)
            assert mine == theirs(data, model, partial, qty, len(mine)), (seed, partial)
            clamped = ours(data, dataclasses.replace(cast(Any, model), arithmetic="clamped"), partial, qty)
            diverged += clamped != mine
    # the streams are not vacuous: the clamped arithmetic fills differently on some of them
    assert diverged > 0
