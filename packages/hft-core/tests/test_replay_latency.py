"""Order latency models of the replay venue: their values, their seeds, and what they do to orders."""

from __future__ import annotations

import numpy as np
import pytest
from hft_core.events import BUY, SELL, EventKind
from hft_core.matching.orders import OrderStatus, OrderType
from hft_core.venues.base import Watch
from hft_core.venues.replay import (
    ClippedNormal,
    ConstantLatency,
    Empirical,
    Lognormal,
    RecordedLatency,
    ReplayVenue,
    SampledLatency,
)
from hft_core.venues.replay._reference import ReferenceReplayVenue
from hft_core.venues.replay._scenarios import INSTRUMENTS, events


def test_recorded_latency_interpolates_and_steps() -> None:
    rows = [(1_000, 100, 10), (2_000, 300, 30), (4_000, 200, 20)]
    linear = RecordedLatency.from_rows(rows).sampler()
    assert [linear.entry(t) for t in (0, 1_000, 1_500, 2_000, 3_000, 9_999)] == [100, 100, 200, 300, 250, 200]
    assert [linear.response(t) for t in (1_250, 3_999)] == [15, 21]  # 10 + 20·0.25; 30 − 9.995 truncated to 21
    step = RecordedLatency.from_rows(rows, "step").sampler()
    assert [step.entry(t) for t in (999, 1_999, 2_000, 3_999, 4_000)] == [100, 100, 300, 300, 200]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([(1, 5, 5), (1, 5, 5)], "strictly increasing"),
        ([(1, -5, 5)], ">= 0"),
        ([(1, 5)], "rows of"),
    ],
)
def test_recorded_latency_checks_its_table(rows: list[tuple[int, ...]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RecordedLatency.from_rows(rows)


def test_sampled_latency_is_seeded_and_respects_its_floor() -> None:
    model = SampledLatency(Lognormal(1_000_000.0, 0.5, floor_ns=400_000), ClippedNormal(500.0, 900.0), seed=4)
    first, second = model.sampler(), model.sampler()
    entries = [first.entry(0) for _ in range(5_000)]
    assert entries == [second.entry(0) for _ in range(5_000)]
    assert min(entries) >= 400_000
    assert 900_000 < float(np.median(entries)) < 1_100_000
    responses = [first.response(0) for _ in range(6_000)]  # past one block of draws
    assert min(responses) == 0  # clipped at 0 ns
    other = SampledLatency(Lognormal(1_000_000.0, 0.5), ClippedNormal(500.0, 900.0), seed=5).sampler()
    assert [other.entry(0) for _ in range(5)] != entries[:5]


def test_empirical_latency_resamples_its_values() -> None:
    sampler = SampledLatency(Empirical(np.array([7, 70, 700])), Empirical(np.array([1])), seed=0).sampler()
    draws = {sampler.entry(0) for _ in range(200)}
    assert draws == {7, 70, 700}
    with pytest.raises(ValueError, match="non-empty"):
        Empirical(np.array([], dtype=np.int64))


def test_constant_latency_must_be_non_negative() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        ConstantLatency(-1, 0)


@pytest.mark.parametrize("venue_class", [ReplayVenue, ReferenceReplayVenue])
def test_recorded_latency_drives_arrivals_in_order(venue_class: type) -> None:
    # entry latency 50 ns for requests sent at 0, 0 ns for requests sent from 10 on (stepped): a cancel sent at 10
    # would arrive at 10, before the order it cancels (sent at 0, arriving at 50): it is held until 50 instead.
    data = events(
        [
            (0, 0, EventKind.DEPTH, BUY, 100, 5),
            (0, 0, EventKind.DEPTH, SELL, 101, 5),
            (40, 40, EventKind.TRADE, SELL, 99, 1),
            (500, 500, EventKind.DEPTH, SELL, 101, 6),
        ]
    )
    latency = RecordedLatency.from_rows([(0, 50, 3), (10, 0, 3)], "step")
    venue = venue_class(data, INSTRUMENTS[:1], latency=latency)
    venue.advance(venue.start(), Watch())
    venue.submit(0, 0, 1, BUY, OrderType.LIMIT, 100, 2)
    venue.advance(10, Watch())
    venue.cancel(10, 0, 1)
    reports = []
    now = 10
    while True:
        advance = venue.advance(now + 1_000, Watch())
        reports.extend(advance.reports)
        now = advance.now
        if advance.finished:
            break
    # the trade through 100 at 40 came before the order arrived (50): no fill; accepted then cancelled at 50
    assert [(r.ts, r.status) for r in reports] == [(53, OrderStatus.ACCEPTED), (53, OrderStatus.CANCELLED)]
