"""L3 rows inside the replay kernel's runs of market rows agree with the plain-Python reference (#16).

The kernel applies L3 rows (ADD/CANCEL/MODIFY/FILL) and CLEAR rows in runs of their own between the L2 runs
(`_pass_l3` in `_passes`, for one instrument or several), or one at a time in the general step (while something is
watched or a trigger is set), with our resting orders at the levels they touch. These streams are LOBSTER-like:
L3 messages of a changing set of orders and, now and then, a side re-snapshotted (a CLEAR of the side, then
SNAPSHOT levels), over one or two instruments, long enough to cross the kernel's blocks of rows; the strategy's
orders sit at the touch.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hft_core.events import BUY, SELL, EventKind, Events, iter_chunks
from hft_core.matching.orders import OrderType
from hft_core.venues.base import Watch
from hft_core.venues.replay import ConstantLatency, L3FifoQueue, PowerProbQueue, ReplayVenue, SampledLatency
from hft_core.venues.replay._kernel import PASS_BLOCK
from hft_core.venues.replay._reference import ReferenceReplayVenue
from hft_core.venues.replay._scenarios import (
    INSTRUMENTS,
    assert_kernel_agrees,
    events,
    random_actions,
    with_triggers,
)
from hft_core.venues.replay.latency import ClippedNormal, Lognormal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def lobster_like_stream(rng: np.random.Generator, n: int, instruments: int = 1) -> Events:
    """L3 messages of live orders (bids 96-99, asks 100-103: never crossed), trades, and re-snapshots of a side
    (CLEAR of it, then SNAPSHOT levels on it), which leave the orders the side held known to later messages."""
    rows: list[tuple[int, ...]] = []
    exch = 1_000
    live: list[dict[int, tuple[int, int, int]]] = [{} for _ in range(instruments)]
    next_id = 1
    for _ in range(n):
        exch += int(rng.choice([0, 0, 1, 5, 20]))
        local = exch + int(rng.integers(0, 30))
        i = int(rng.integers(0, instruments))
        orders = live[i]
        u = rng.random()
        if u < 0.04:
            side = int(rng.choice([-1, 1]))
            rows.append((exch, local, EventKind.CLEAR, side, 0, 0, 0, i))
            for price in sorted({int(p) for p in rng.integers(0, 4, size=int(rng.integers(1, 4)))}):
                level = 99 - price if side > 0 else 100 + price
                rows.append((exch, local, EventKind.SNAPSHOT, side, level, int(rng.integers(1, 9)), 0, i))
            continue
        if u < 0.45 or not orders:
            side = int(rng.choice([-1, 1]))
            price = (99 if side > 0 else 100) - side * int(rng.integers(0, 4))
            qty = int(rng.integers(1, 6))
            rows.append((exch, local, EventKind.ADD, side, price, qty, next_id, i))
            orders[next_id] = (side, price, qty)
            next_id += 1
            continue
        order_id = int(rng.choice(list(orders)))
        side, price, qty = orders[order_id]
        if u < 0.65:
            cut = int(rng.integers(0, qty + 1))  # 0: the whole order
            rows.append((exch, local, EventKind.CANCEL, side, price, cut, order_id, i))
            cut = cut or qty
        elif u < 0.82:
            cut = int(rng.integers(1, qty + 1))
            rows.append((exch, local, EventKind.FILL, side, price, cut, order_id, i))
        elif u < 0.93:
            new_price = price + int(rng.choice([0, 0, -1, 1]))
            new_price = min(new_price, 99) if side > 0 else max(new_price, 100)
            new_qty = int(rng.integers(1, 7))
            rows.append((exch, local, EventKind.MODIFY, side, new_price, new_qty, order_id, i))
            orders[order_id] = (side, new_price, new_qty)
            continue
        else:
            trade_side = int(rng.choice([-1, 0, 1]))
            rows.append((exch, local, EventKind.TRADE, trade_side, price, int(rng.integers(1, 4)), 0, i))
            continue
        if cut >= qty:
            del orders[order_id]
        else:
            orders[order_id] = (side, price, qty - cut)
    return events(rows)


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    instruments=st.integers(1, 2),
    fifo=st.booleans(),
    chunk=st.one_of(st.none(), st.integers(1, 700)),
    watched=st.sampled_from([0.0, 0.3]),
    triggers=st.booleans(),
    sampled=st.booleans(),
)
def test_l3_runs_match_reference(
    seed: int, instruments: int, fifo: bool, chunk: int | None, watched: float, triggers: bool, sampled: bool
) -> None:
    """Mostly unwatched waits over long LOBSTER-like streams: L3 and CLEAR rows inside the runs, our orders
    filled, queued and cancelled there; with books or trades watched or triggers set, the merged runs."""
    rng = np.random.default_rng(seed)
    data = lobster_like_stream(rng, 1_500, instruments)
    actions = [
        a if rng.random() < watched else dataclasses.replace(a, wait=a.wait * 10, watch_book=False, watch_trades=False)
        for a in random_actions(rng, 40, instruments)
    ]
    if triggers:
        actions = with_triggers(actions, seed, 0.3)
    latency = SampledLatency(Lognormal(8.0, 0.8), ClippedNormal(10.0, 6.0), seed) if sampled else ConstantLatency(5, 7)
    queue = L3FifoQueue() if fifo else PowerProbQueue(2.0)
    assert_kernel_agrees(
        data, instruments, actions, chunk, queue_model=queue, latency=latency, partial_fills=bool(seed % 2)
    )


@pytest.mark.parametrize("instruments", [1, 2])
def test_l3_runs_longer_than_a_block_match_reference(instruments: int) -> None:
    """One wait over several of the kernel's blocks of L3 rows, with orders resting at the touch on both sides."""
    rng = np.random.default_rng(instruments)
    data = lobster_like_stream(rng, 3 * PASS_BLOCK + 77, instruments)

    def script(venue: ReplayVenue | ReferenceReplayVenue) -> list[object]:
        log: list[object] = []
        now = venue.start()
        order_id = 0
        for i in range(instruments):
            for side, price in ((BUY, 99), (SELL, 100), (BUY, 98), (SELL, 101)):
                order_id += 1
                venue.submit(now, i, order_id, side, OrderType.LIMIT, price, 4)
        while True:
            advance = venue.advance(now + 50_000, Watch())
            log.append((advance, venue.top(0), venue.depth(0, BUY, 5), venue.exchange_depth(0, SELL, 5)))
            now = advance.now
            if advance.finished:
                return log

    options = {"queue_model": L3FifoQueue(), "latency": ConstantLatency(3, 3)}
    kernel = script(ReplayVenue(iter_chunks(data, PASS_BLOCK + 5), INSTRUMENTS[:instruments], **options))  # type: ignore[arg-type]
    reference = script(ReferenceReplayVenue(data, INSTRUMENTS[:instruments], **options))  # type: ignore[arg-type]
    assert kernel == reference
    fills = sum(r.fill_qty > 0 for a in kernel for r in a[0].reports)  # type: ignore[index]
    assert fills > 0  # the orders at the touch were reached inside the runs


def test_lobster_day_opening_matches_reference() -> None:
    """The opening of the LOBSTER AMZN sample (seed, reveals, residual cancels of unknown orders) with a random
    order script near its touch, when the sample is available."""
    from hft_core.data.lobster import read_lobster_events
    from hft_core.data.samples import shared_data_path

    try:
        directory = shared_data_path("lobster-amzn-2012-06-21-l1")
    except FileNotFoundError:
        pytest.skip("the LOBSTER sample is not available")
    stem = "AMZN_2012-06-21_34200000_57600000"
    day = read_lobster_events(
        directory / f"{stem}_message_1.csv", orderbook_path=directory / f"{stem}_orderbook_1.csv", tick_size=0.005
    )[:6_000]
    # 10 ns from one timestamp to the next (rows at one time stay together), the script's waits in those units
    day["exch_ts"] = 1_000 + 10 * np.cumsum(np.diff(day["exch_ts"], prepend=day["exch_ts"][0]) > 0)
    day["local_ts"] = day["exch_ts"] + 3
    mid = int(day["price"][1] + day["price"][2]) // 2  # the seed's best bid and ask
    rng = np.random.default_rng(16)
    actions = [dataclasses.replace(a, price=a.price - 100 + mid, watch_book=False) for a in random_actions(rng, 80)]
    assert_kernel_agrees(day, 1, actions, 1_000, queue_model=L3FifoQueue(), latency=ConstantLatency(20, 20))
