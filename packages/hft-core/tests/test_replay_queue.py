"""Queue-position models of the replay venue, pinned on tiny hand-built streams (compiled kernel and reference).

Every scenario runs on both implementations; the expected fills are worked out by hand in the comments.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import pytest
from hft_core.events import BUY, SELL, EventKind
from hft_core.matching.orders import OrderStatus, OrderType
from hft_core.venues.base import Report, Watch
from hft_core.venues.replay import (
    ConstantLatency,
    L3FifoQueue,
    LogProbQueue,
    Power3ProbQueue,
    PowerProbQueue,
    QueueModel,
    ReplayVenue,
    RiskAverseQueue,
    _kernel,
)
from hft_core.venues.replay._reference import ReferenceReplayVenue
from hft_core.venues.replay._scenarios import INSTRUMENTS, events

IMPLEMENTATIONS = [ReplayVenue, ReferenceReplayVenue]
HBT: Final = "hftbacktest"
PARTIAL = OrderStatus.PARTIALLY_FILLED
FILLED = OrderStatus.FILLED
D, T, A, C, F, M = EventKind.DEPTH, EventKind.TRADE, EventKind.ADD, EventKind.CANCEL, EventKind.FILL, EventKind.MODIFY


def run_one_order(
    venue_class: type,
    rows: Sequence[tuple[int, ...]],
    *,
    queue_model: QueueModel,
    partial_fills: bool,
    qty: int,
    price: int = 100,
    side: int = BUY,
    send_at: int = 10,
) -> list[Report]:
    """Send one limit order at local ``send_at`` (zero latency) and return every report until the data ends."""
    venue = venue_class(
        events(rows), INSTRUMENTS[:1], latency=ConstantLatency(0, 0), queue_model=queue_model,
        partial_fills=partial_fills,
    )  # fmt: skip
    venue.start()
    advance = venue.advance(send_at, Watch())
    venue.submit(advance.now, 0, 1, side, OrderType.LIMIT, price, qty)
    reports: list[Report] = []
    while not advance.finished:
        advance = venue.advance(advance.now + 1_000, Watch())
        reports.extend(advance.reports)
    return reports


def fills(reports: list[Report]) -> list[tuple[int, int, OrderStatus]]:
    return [(r.ts, r.fill_qty, r.status) for r in reports if r.fill_qty]


# -- the formulas, by hand ---------------------------------------------------------------------------------------
def test_front_after_decrease_by_hand() -> None:
    # Level 30 -> 20 with 10 ahead of us (20 behind): the 10 lots that left were cancelled somewhere.
    # power n=2: p = 20² / (20² + 10²) = 0.8 of it from behind; front = 10 − 0.2·10 + min(20 − 8, 0) = 8
    assert PowerProbQueue(2.0).front_after_decrease(10.0, 30.0, 20.0) == pytest.approx(8.0)
    # log: p = ln 21 / (ln 21 + ln 11)
    p = math.log(21) / (math.log(21) + math.log(11))
    assert LogProbQueue().front_after_decrease(10.0, 30.0, 20.0) == pytest.approx(10 - (1 - p) * 10)
    # power3 n=3: p = 1 − (10/30)³ = 26/27
    assert Power3ProbQueue(3.0).front_after_decrease(10.0, 30.0, 20.0) == pytest.approx(10 - 10 / 27)
    # risk-averse: cancellations are behind us; only the cap at the level's size applies
    assert RiskAverseQueue().front_after_decrease(10.0, 30.0, 20.0) == 10.0
    assert RiskAverseQueue().front_after_decrease(10.0, 30.0, 4.0) == 4.0
    # nothing behind us: whatever left was ahead (p = 0); the estimate never exceeds the level
    assert PowerProbQueue(2.0).front_after_decrease(10.0, 10.0, 6.0) == pytest.approx(6.0)
    # more left than stood behind: the excess comes out of the front (min(back − p·chg, 0) term)
    # front 2, back 8, chg 9: p = 64/68; 2 − (4/68)·9 + (8 − (64/68)·9) = 1
    assert PowerProbQueue(2.0).front_after_decrease(2.0, 10.0, 1.0) == pytest.approx(1.0)
    # an increase never moves us: newcomers queue behind
    assert PowerProbQueue(2.0).front_after_decrease(5.0, 10.0, 25.0) == 5.0


def test_power_two_squares_exactly() -> None:
    # pow(x, 2.0) is one ulp off for this x (about one value in a thousand); the product is the exactly rounded square
    back, front = 993.6293129383679, 12.0
    if back * back == back**2.0:
        pytest.skip("this platform's pow() rounds this square exactly: nothing to tell apart")
    exact = back * back / (back * back + front * front)
    assert PowerProbQueue(2.0).probability_behind(front, back) == exact
    assert _kernel._probability_behind(_kernel.Q_POWER, 2.0, front, back) == exact  # the compiled model alike
    # other exponents keep pow
    assert PowerProbQueue(3.0).probability_behind(front, back) == back**3.0 / (back**3.0 + front**3.0)


@pytest.mark.parametrize("bad", [0.0, -1.0, math.inf, math.nan])
def test_exponent_must_be_positive(bad: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        PowerProbQueue(bad)
    with pytest.raises(ValueError, match="positive"):
        Power3ProbQueue(bad)


# -- risk-averse: queue ahead 5, trade 3 -> no fill, trade 4 more -> fill -----------------------------------------
RISK_AVERSE_ROWS = [
    (0, 0, D, BUY, 100, 5),
    (0, 0, D, SELL, 101, 5),
    # our buy 3 @ 100 arrives at 10 behind the 5 lots there
    (20, 20, T, SELL, 100, 3),  # 3 of the 5 ahead trade away: 2 ahead
    (21, 21, D, BUY, 100, 2),  # the depth update that trade causes: not a cancellation, queue unchanged
    (25, 25, T, BUY, 100, 9),  # a buyer lifting an ask at 100 is not our side: nothing
    (30, 30, T, SELL, 100, 4),  # 4 > 2 ahead: the trade reaches us with 2 lots to spare
    (31, 31, D, BUY, 100, 0),
]


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_risk_averse_trades_work_through_the_queue(venue_class: type) -> None:
    partial = run_one_order(venue_class, RISK_AVERSE_ROWS, queue_model=RiskAverseQueue(), partial_fills=True, qty=3)
    # partial fills on: the 2 lots beyond the queue fill 2 of our 3
    assert fills(partial) == [(30, 2, OrderStatus.PARTIALLY_FILLED)]
    whole = run_one_order(venue_class, RISK_AVERSE_ROWS, queue_model=RiskAverseQueue(), partial_fills=False, qty=3)
    # no partial fills: the first trade that gets past the queue fills the whole order
    assert fills(whole) == [(30, 3, OrderStatus.FILLED)]


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_a_trade_equal_to_the_queue_ahead_does_not_reach_us(venue_class: type) -> None:
    rows = [(0, 0, D, BUY, 100, 5), (0, 0, D, SELL, 101, 5), (20, 20, T, SELL, 100, 5), (40, 40, D, SELL, 101, 6)]
    reports = run_one_order(venue_class, rows, queue_model=RiskAverseQueue(), partial_fills=False, qty=1)
    assert fills(reports) == []


# -- the probabilistic models on one stream where they disagree ---------------------------------------------------
PROB_ROWS = [
    (0, 0, D, BUY, 100, 10),
    (0, 0, D, SELL, 101, 5),
    # our buy 5 @ 100 arrives at 10: 10 lots ahead, none behind
    (20, 20, D, BUY, 100, 30),  # 20 join behind us
    (30, 30, D, BUY, 100, 20),  # 10 cancelled: ahead becomes 10 (risk-averse), 8 (power 2), 5.594 (log), 9.63 (power3)
    (40, 40, T, SELL, 100, 9),  # 9 trade at our price
    (50, 50, T, SELL, 100, 1),  # then 1 more
]


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
@pytest.mark.parametrize(
    ("model", "partial", "expected"),
    [
        # ahead 10: 9 leave 1 ahead, the next 1 equals it: no fill at all
        (RiskAverseQueue(), True, []),
        # ahead 8: the 9-lot trade gets 1 lot past the queue
        (PowerProbQueue(2.0), True, [(40, 1, OrderStatus.PARTIALLY_FILLED), (50, 1, OrderStatus.PARTIALLY_FILLED)]),
        (PowerProbQueue(2.0), False, [(40, 5, OrderStatus.FILLED)]),
        # ahead 5.594: 3.406 lots get past, floor 3; then ahead 0 and the 1-lot trade fills 1 more
        (LogProbQueue(), True, [(40, 3, OrderStatus.PARTIALLY_FILLED), (50, 1, OrderStatus.PARTIALLY_FILLED)]),
        # ahead 9.63: the 9 leave 0.63 ahead; the last lot gets 0.37 past: less than a lot with partial fills,
        # the whole order without
        (Power3ProbQueue(3.0), True, []),
        (Power3ProbQueue(3.0), False, [(50, 5, OrderStatus.FILLED)]),
    ],
)
def test_probability_models_pinned(
    venue_class: type, model: QueueModel, partial: bool, expected: list[tuple[int, int, OrderStatus]]
) -> None:
    reports = run_one_order(venue_class, PROB_ROWS, queue_model=model, partial_fills=partial, qty=5)
    assert fills(reports) == expected


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_depth_decrease_that_a_trade_explains_is_not_a_cancellation(venue_class: type) -> None:
    rows = [
        (0, 0, D, BUY, 100, 10),
        (0, 0, D, SELL, 101, 5),
        (20, 20, D, BUY, 100, 30),
        (30, 30, T, SELL, 100, 4),  # ahead 10 -> 6
        (31, 31, D, BUY, 100, 26),  # exactly the traded lots: power model must not also move us for it
        (40, 40, T, SELL, 100, 6),  # 6 = ahead: still no fill
        (50, 50, T, SELL, 100, 1),  # now past the queue
    ]
    reports = run_one_order(venue_class, rows, queue_model=PowerProbQueue(2.0), partial_fills=True, qty=2)
    assert fills(reports) == [(50, 1, OrderStatus.PARTIALLY_FILLED)]


# -- hftbacktest's arithmetic (formulas in tests/test_queue_hbt_arithmetic.py) ---------------------------------
@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
@pytest.mark.parametrize(
    ("model", "partial", "expected"),
    [
        # PROB_ROWS (tests/test_replay_queue.py): front 10, 20 join, 10 cancel; then trades of 9 and 1.
        # power 2: front 8; the 9 leave it at −1: 1 lot, front 0; the 1 more: 1 lot (as clamped)
        (PowerProbQueue(2.0, arithmetic=HBT), True, [(40, 1, PARTIAL), (50, 1, PARTIAL)]),
        (PowerProbQueue(2.0, arithmetic=HBT), False, [(40, 5, OrderStatus.FILLED)]),
        # log: front 5.594; −3.406 after the 9: round 3 lots, front 0; then −1: 1 lot (as clamped)
        (LogProbQueue(arithmetic=HBT), True, [(40, 3, PARTIAL), (50, 1, PARTIAL)]),
        # power3: front 9.63; 0.63 after the 9, −0.37 after the 1: round(0.37) = 0, no fill with or without
        # partial fills (the clamped arithmetic fills the whole order at 50 without partial fills)
        (Power3ProbQueue(3.0, arithmetic=HBT), True, []),
        (Power3ProbQueue(3.0, arithmetic=HBT), False, []),
    ],
)  # fmt: skip
def test_hftbacktest_arithmetic_pinned(
    venue_class: type, model: QueueModel, partial: bool, expected: list[tuple[int, int, OrderStatus]]
) -> None:
    reports = run_one_order(venue_class, PROB_ROWS, queue_model=model, partial_fills=partial, qty=5)
    assert fills(reports) == expected


TRADE_THEN_CANCEL_ROWS = [
    (0, 0, D, BUY, 100, 10),
    (0, 0, D, SELL, 101, 5),
    # our buy 3 @ 100 arrives at 10: front 10
    (20, 20, D, BUY, 100, 30),  # 20 join behind
    (30, 30, T, SELL, 100, 4),  # front 6
    (31, 31, D, BUY, 100, 20),  # 4 traded, 6 cancelled: hftbacktest front 5.647, clamped 5.505
    (40, 40, T, SELL, 100, 6),  # hftbacktest −0.353: round(0.353) = 0, no fill; clamped: 6 > 5.505, 0.495 past
    (50, 50, T, SELL, 100, 1),  # hftbacktest −1.353: 1 lot
]


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_trades_then_a_cancellation(venue_class: type) -> None:
    def run(model: QueueModel, partial: bool) -> list[tuple[int, int, OrderStatus]]:
        return fills(
            run_one_order(venue_class, TRADE_THEN_CANCEL_ROWS, queue_model=model, partial_fills=partial, qty=3)
        )

    hbt, clamped = PowerProbQueue(2.0, arithmetic=HBT), PowerProbQueue(2.0)
    assert run(hbt, True) == [(50, 1, OrderStatus.PARTIALLY_FILLED)]
    assert run(hbt, False) == [(50, 3, OrderStatus.FILLED)]
    # the clamped arithmetic: less than a lot past the front fills nothing with partial fills (int(0.495) = 0) but
    # the whole order without them, and the front is then 0, so the next lot fills one
    assert run(clamped, True) == [(50, 1, OrderStatus.PARTIALLY_FILLED)]
    assert run(clamped, False) == [(40, 3, OrderStatus.FILLED)]


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_half_a_lot_past_the_front_fills_one(venue_class: type) -> None:
    rows = [
        (0, 0, D, BUY, 100, 10),
        (0, 0, D, SELL, 101, 5),
        # our buy 3 @ 100 at 10: front 10
        (20, 20, D, BUY, 100, 30),  # 20 join behind
        (30, 30, D, BUY, 100, 21),  # 9 cancel: p = 0.8 (power 2), front 10 − 0.2·9 = 8.2 in both arithmetics
        (40, 40, T, SELL, 100, 9),  # 0.8 past the front: hftbacktest round(0.8) = 1 lot; clamped int(0.8) = 0
    ]

    def run(model: QueueModel, partial: bool) -> list[tuple[int, int, OrderStatus]]:
        return fills(run_one_order(venue_class, rows, queue_model=model, partial_fills=partial, qty=3))

    assert run(PowerProbQueue(2.0, arithmetic=HBT), True) == [(40, 1, PARTIAL)]
    assert run(PowerProbQueue(2.0), True) == []
    # without partial fills both fill the whole order (the clamped: any trade past the front)
    assert run(PowerProbQueue(2.0, arithmetic=HBT), False) == run(PowerProbQueue(2.0), False) == [(40, 3, FILLED)]


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_a_fill_puts_the_front_back_at_zero(venue_class: type) -> None:
    rows = [
        (0, 0, D, BUY, 100, 5),
        (0, 0, D, SELL, 101, 5),
        # our buy 4 @ 100 at 10: front 5
        (20, 20, T, SELL, 100, 7),  # front −2: 2 lots (min(2, 7, 4)); front 0
        (21, 21, D, BUY, 100, 0),  # chg = 5 − 0 − 7 < 0: front min(0, 0) = 0
        (30, 30, D, BUY, 100, 4),  # an increase: front 0
        (40, 40, T, SELL, 100, 1),  # front −1: 1 lot; front 0
        (50, 50, T, SELL, 100, 5),  # front −5: min(5, 5, 1) = 1: filled
    ]
    reports = run_one_order(venue_class, rows, queue_model=LogProbQueue(arithmetic=HBT), partial_fills=True, qty=4)
    assert fills(reports) == [(20, 2, PARTIAL), (40, 1, PARTIAL), (50, 1, FILLED)]


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_l3_fills_work_through_the_same_arithmetic(venue_class: type) -> None:
    # a FILL row of an L3 stream is a trade at its price for the L2 models
    rows = [
        (0, 0, A, BUY, 100, 3, 1),
        (1, 1, A, SELL, 101, 5, 2),
        # our buy 2 @ 100 at 10: front 3
        (20, 20, A, BUY, 100, 4, 3),  # behind us (chg < 0: front 3)
        (30, 30, F, BUY, 100, 2, 1),  # front 1
        (40, 40, F, BUY, 100, 2, 3),  # front −1: 1 lot
    ]
    model = PowerProbQueue(2.0, arithmetic=HBT)
    reports = run_one_order(venue_class, rows, queue_model=model, partial_fills=True, qty=2)
    assert fills(reports) == [(40, 1, PARTIAL)]


# -- price moves through the order --------------------------------------------------------------------------------
@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_trade_through_our_price_fills_everything(venue_class: type) -> None:
    rows = [(0, 0, D, BUY, 100, 50), (0, 0, D, SELL, 101, 5), (20, 20, T, SELL, 99, 1), (30, 30, D, SELL, 101, 1)]
    reports = run_one_order(venue_class, rows, queue_model=RiskAverseQueue(), partial_fills=True, qty=7)
    # a seller printed below our bid: it would have traded with us first, whatever the queue (50 lots) ahead
    assert fills(reports) == [(20, 7, OrderStatus.FILLED)]
    assert all(r.maker for r in reports if r.fill_qty)


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_opposite_side_crossing_our_price_fills_us(venue_class: type) -> None:
    rows = [
        (0, 0, D, BUY, 100, 50),
        (0, 0, D, SELL, 102, 5),
        (20, 20, D, SELL, 102, 0),  # removing liquidity above us changes nothing for our bid
        (25, 25, D, SELL, 103, 4),
        (30, 30, D, SELL, 100, 3),  # an ask appears at our bid's price: it would have matched us
    ]
    reports = run_one_order(venue_class, rows, queue_model=RiskAverseQueue(), partial_fills=True, qty=7)
    assert fills(reports) == [(30, 7, OrderStatus.FILLED)]
    filled = next(r for r in reports if r.fill_qty)
    assert (filled.fill_price, filled.maker) == (100, True)


# -- L3 FIFO ------------------------------------------------------------------------------------------------------
L3_ROWS = [
    (0, 0, A, BUY, 100, 3, 1),  # order 1: 3 lots
    (1, 1, A, BUY, 100, 2, 2),  # order 2: 2 lots
    (2, 2, A, SELL, 101, 5, 3),
    # our buy 4 @ 100 arrives at 10: behind orders 1 and 2 (5 lots)
    (20, 20, A, BUY, 100, 4, 4),  # order 4 queues behind us
    (30, 30, C, BUY, 100, 4, 4),  # ...and leaves: not ahead of us, no change (ahead 5)
    (40, 40, C, BUY, 100, 1, 1),  # order 1 cancels 1 lot: ahead 4
    (50, 50, A, BUY, 100, 6, 5),  # order 5 behind us
    (60, 60, F, BUY, 100, 2, 1),  # order 1 executes its last 2 lots: ahead 2
    (70, 70, M, BUY, 100, 1, 2),  # order 2 shrinks to 1 lot (keeps its place): ahead 1
    (80, 80, F, BUY, 100, 1, 2),  # order 2 executes: ahead 0
    (90, 90, F, BUY, 100, 3, 5),  # order 5, behind us, executes 3 lots: the seller would have hit us first
]


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_l3_fifo_tracks_the_exact_orders_ahead(venue_class: type) -> None:
    partial = run_one_order(venue_class, L3_ROWS, queue_model=L3FifoQueue(), partial_fills=True, qty=4)
    assert fills(partial) == [(90, 3, OrderStatus.PARTIALLY_FILLED)]
    whole = run_one_order(venue_class, L3_ROWS, queue_model=L3FifoQueue(), partial_fills=False, qty=4)
    assert fills(whole) == [(90, 4, OrderStatus.FILLED)]
    # the same L3 stream under an L2 model: order 4's cancel at 30 (after a 4-lot add) looks like a cancellation
    # the risk-averse model puts behind us, so the fills differ from exact FIFO only through the estimate
    risk = run_one_order(venue_class, L3_ROWS, queue_model=RiskAverseQueue(), partial_fills=True, qty=4)
    assert fills(risk) != fills(partial)


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_l3_fifo_modify_that_grows_loses_priority(venue_class: type) -> None:
    rows = [
        (0, 0, A, BUY, 100, 3, 1),
        (1, 1, A, SELL, 101, 5, 3),
        # we arrive at 10 behind order 1 (3 lots)
        (20, 20, M, BUY, 100, 5, 1),  # order 1 grows: it goes to the back, behind us: ahead 0
        (30, 30, F, BUY, 100, 1, 1),  # so its execution means the seller passed us
    ]
    reports = run_one_order(venue_class, rows, queue_model=L3FifoQueue(), partial_fills=True, qty=2)
    assert fills(reports) == [(30, 1, OrderStatus.PARTIALLY_FILLED)]


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_l3_book_levels_follow_the_orders(venue_class: type) -> None:
    venue = venue_class(events(L3_ROWS), INSTRUMENTS[:1])
    venue.start()
    venue.advance(25, Watch())
    assert venue.depth(0, BUY, 3) == [(100, 9)]  # orders 1, 2 and 4
    venue.advance(75, Watch())
    assert venue.depth(0, BUY, 3) == [(100, 7)]  # order 2 (1 lot) and order 5 (6 lots)
    assert venue.top(0).ask_price == 101
