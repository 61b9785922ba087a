"""A latency model per instrument in the replay venue (#19): each instrument its own link, links independent.

A request on a fast link may reach its exchange before an earlier one on a slow link, and a report on it may
overtake the slow link's; on one link nothing overtakes. The compiled kernel and the plain reference must agree,
and one model for every instrument must be exactly what it was before (a single ordered session).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hft_core.events import BUY, SELL, EventKind, Events
from hft_core.matching.orders import OrderReason, OrderStatus, OrderType
from hft_core.venues.base import Report, Watch
from hft_core.venues.replay import (
    ClippedNormal,
    ConstantLatency,
    LatencyModel,
    Lognormal,
    RecordedLatency,
    ReplayVenue,
    SampledLatency,
    _kernel,
    latency,
)
from hft_core.venues.replay._reference import ReferenceReplayVenue
from hft_core.venues.replay._scenarios import INSTRUMENTS, drive, events, random_actions, random_l2_stream

FAST = ConstantLatency(entry_ns=10, response_ns=5)
SLOW = ConstantLatency(entry_ns=1_000, response_ns=700)


def _two_books() -> Events:
    """Both instruments quoted 99/101 (instrument 1 on ticks 199/201) from t=0, then quiet until t=10,000."""
    return events(
        [
            (0, 0, EventKind.DEPTH, BUY, 99, 5, 0, 0),
            (0, 0, EventKind.DEPTH, SELL, 101, 5, 0, 0),
            (0, 0, EventKind.DEPTH, BUY, 199, 5, 0, 1),
            (0, 0, EventKind.DEPTH, SELL, 201, 5, 0, 1),
            (10_000, 10_000, EventKind.DEPTH, BUY, 98, 1, 0, 0),
        ]
    )


def _reports_of(venue: ReplayVenue | ReferenceReplayVenue, sends: list[tuple[int, int, int]]) -> list[Report]:
    """Send an IOC buy at the ask for each (time, instrument, order id), then collect every report to the end."""
    venue.start()
    reports: list[Report] = []
    watch = Watch((False, False), (False, False), 0)
    for at, instrument, order_id in sends:
        while venue.now < at:
            reports += venue.advance(at, watch).reports
        venue.submit(at, instrument, order_id, 1, OrderType.IOC, 101 if instrument == 0 else 201, 1)
    while True:
        step = venue.advance(venue.now + 1_000, watch)
        reports += step.reports
        if step.finished:
            return reports


@pytest.mark.parametrize("implementation", [ReplayVenue, ReferenceReplayVenue])
def test_a_fast_link_overtakes_a_slow_one_and_one_link_keeps_its_order(implementation: type[ReplayVenue]) -> None:
    venue = implementation(_two_books(), INSTRUMENTS, latency=(FAST, SLOW))
    reports = _reports_of(venue, [(100, 1, 1), (101, 0, 2), (102, 1, 3), (1_200, 0, 4)])
    arrivals = [(r.order_id, r.ts, r.status) for r in reports]
    # order 2 (fast) reaches its exchange at 111 and is back at 116, long before order 1 (sent first, slow): at
    # 100 + 1,000 + 700; order 3 follows order 1 on the slow link. Order 4 reaches the exchange at 1,210, after
    # orders 1 and 3 did (1,100 and 1,102), and its reports still come back first (1,215)
    assert arrivals == [
        (2, 116, OrderStatus.ACCEPTED),
        (2, 116, OrderStatus.FILLED),
        (4, 1_215, OrderStatus.ACCEPTED),
        (4, 1_215, OrderStatus.FILLED),
        (1, 1_800, OrderStatus.ACCEPTED),
        (1, 1_800, OrderStatus.FILLED),
        (3, 1_802, OrderStatus.ACCEPTED),
        (3, 1_802, OrderStatus.FILLED),
    ]
    # one model for both instruments: one link, everything in the order sent
    shared = _reports_of(implementation(_two_books(), INSTRUMENTS, latency=SLOW), [(100, 1, 1), (101, 0, 2)])
    assert [(r.order_id, r.ts) for r in shared][::2] == [(1, 1_800), (2, 1_801)]


@pytest.mark.parametrize("implementation", [ReplayVenue, ReferenceReplayVenue])
def test_a_link_never_lets_a_request_overtake_while_the_other_link_does(implementation: type[ReplayVenue]) -> None:
    # instrument 0's entry latency falls from 500 to 0 ns at t=150: its second request, sent at 200, would arrive
    # at 200 before the first (sent at 100, arriving at 600), so it is held to 600; instrument 1's link is its own
    falling = RecordedLatency(np.array([100, 150]), np.array([500, 0]), np.array([0, 0]), "step")
    venue = implementation(_two_books(), INSTRUMENTS, latency=(falling, ConstantLatency(0, 0)))
    reports = _reports_of(venue, [(100, 0, 1), (200, 0, 2), (201, 1, 3)])
    assert [(r.order_id, r.ts) for r in reports][::2] == [(3, 201), (1, 600), (2, 600)]


@pytest.mark.parametrize("implementation", [ReplayVenue, ReferenceReplayVenue])
def test_requests_pass_a_slower_link_across_the_rings_wrap_and_growth(implementation: type[ReplayVenue]) -> None:
    """Bursts of cancels of unknown orders (each answered REJECTED) on both links, 1,200 ns apart: the slow link's
    requests (1,000 ns there) are still in flight when the next burst's fast ones pass them, while the request
    ring's head moves round it and a burst of 100 outgrows its 64 rows. Every reject comes back at its own link's
    round trip (15 ns or 1,700 ns; no two at one time), so the reports are the sends sorted by that time."""
    venue = implementation(_two_books(), INSTRUMENTS, latency=(FAST, SLOW))
    venue.start()
    watch = Watch((False, False), (False, False), 0)
    reports: list[Report] = []
    expected: list[tuple[int, int]] = []
    order_id = 0
    for burst, size in enumerate([10, 30, 100, 20, 50, 40]):
        for j in range(size):
            at = 100 + 1_200 * burst + j
            while venue.now < at:
                reports += venue.advance(at, watch).reports
            instrument = order_id % 2
            venue.cancel(at, instrument, order_id)
            expected.append((at + (15 if instrument == 0 else 1_700), order_id))
            order_id += 1
    while not (step := venue.advance(venue.now + 1_000, watch)).finished:
        reports += step.reports
    reports += step.reports
    assert {(r.status, r.reason) for r in reports} == {(OrderStatus.REJECTED, OrderReason.UNKNOWN_ORDER)}
    assert [(r.ts, r.order_id) for r in reports] == sorted(expected)


def test_equal_constant_links_are_the_shared_model_exactly() -> None:
    """With equal constant latencies nothing could overtake anyway: a model per instrument changes nothing."""
    rng = np.random.default_rng(19)
    data = random_l2_stream(rng, 600, 2)
    actions = random_actions(rng, 60, 2)
    model = ConstantLatency(7, 13)
    shared = drive(ReplayVenue(data, INSTRUMENTS, latency=model), actions, 2)
    assert drive(ReplayVenue(data, INSTRUMENTS, latency=(model, model)), actions, 2) == shared


@pytest.mark.parametrize("seed", range(6))
def test_sampled_links_refill_their_own_draws_like_the_reference(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of 5 draws: the kernel runs out of a link's response draws every few happenings, on either link."""
    monkeypatch.setattr(latency, "SAMPLE_BLOCK", 5)
    rng = np.random.default_rng(seed)
    data = random_l2_stream(rng, 800, 2)
    actions = random_actions(rng, 80, 2)
    models: tuple[LatencyModel, ...] = (
        SampledLatency(Lognormal(4.0, 0.9), ClippedNormal(6.0, 5.0), seed),
        SampledLatency(Lognormal(60.0, 0.5), Lognormal(40.0, 0.7), seed, stream=1),
    )
    kernel = drive(ReplayVenue(data, INSTRUMENTS, latency=models, chunk_size=97), actions, 2)
    assert kernel == drive(ReferenceReplayVenue(data, INSTRUMENTS, latency=models), actions, 2)


def test_streams_make_independent_draws_and_stream_zero_is_the_old_seeding() -> None:
    model = SampledLatency(Lognormal(1_000.0, 0.5), Lognormal(1_000.0, 0.5), seed=3)
    sampler = model.sampler()
    draws = [sampler.entry(0) for _ in range(3)]
    old = np.random.default_rng([3, 0]).lognormal(np.log(1_000.0), 0.5, latency.SAMPLE_BLOCK)
    assert draws == [int(x) for x in np.rint(old[:3])]
    other = dataclasses.replace(model, stream=1).sampler()
    assert [other.entry(0) for _ in range(3)] != draws
    with pytest.raises(ValueError, match="stream"):
        SampledLatency(Lognormal(1.0, 0.1), Lognormal(1.0, 0.1), stream=-1)


def test_a_model_per_instrument_needs_one_per_instrument() -> None:
    with pytest.raises(ValueError, match="3 models for 2 instrument"):
        ReplayVenue(_two_books(), INSTRUMENTS, latency=(FAST, SLOW, FAST))
    with pytest.raises(ValueError, match="3 models for 2 instrument"):
        ReferenceReplayVenue(_two_books(), INSTRUMENTS, latency=[FAST, SLOW, FAST])
    with pytest.raises(TypeError, match=r"latency\[1\]"):
        ReplayVenue(_two_books(), INSTRUMENTS, latency=(FAST, 5))  # type: ignore[arg-type]


def test_the_kernel_restates_the_recorded_latency_mode() -> None:
    assert _kernel.LAT_RECORDED == latency.MODE_RECORDED
