"""The compiled replay kernel and the plain-Python reference agree on everything observable.

Random L2 and L3 streams, random order scripts (every order type, cancels, modifies, bad requests), every queue and
latency model, random chunking or one array replayed in place, acknowledgements reported or left out: both
implementations must give the same reports (fill for fill, same timestamps), public trades, book-change notices,
stops, `acknowledged` answers and strategy-visible books, step by step.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hft_core.events import BUY, SELL, EventKind, iter_chunks
from hft_core.matching.orders import OrderType
from hft_core.venues.base import Watch
from hft_core.venues.replay import (
    ClippedNormal,
    ConstantLatency,
    Empirical,
    L3FifoQueue,
    LatencyModel,
    Lognormal,
    LogProbQueue,
    Power3ProbQueue,
    PowerProbQueue,
    QueueModel,
    RecordedLatency,
    ReplayVenue,
    RiskAverseQueue,
    SampledLatency,
)
from hft_core.venues.replay._kernel import PASS_BLOCK
from hft_core.venues.replay._reference import ReferenceReplayVenue
from hft_core.venues.replay._scenarios import (
    INSTRUMENTS,
    Action,
    assert_same_steps,
    drive,
    drive_both,
    events,
    random_actions,
    random_l2_stream,
    random_l3_stream,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

QUEUES: list[QueueModel] = [
    RiskAverseQueue(),
    PowerProbQueue(2.0),
    PowerProbQueue(0.7),
    LogProbQueue(),
    Power3ProbQueue(3.0),
    PowerProbQueue(2.0, arithmetic="hftbacktest"),
    PowerProbQueue(0.7, arithmetic="hftbacktest"),  # a negative front to a fractional power: NaN, as in hftbacktest
    LogProbQueue(arithmetic="hftbacktest"),
    Power3ProbQueue(3.0, arithmetic="hftbacktest"),
]
"""Every L2 queue model; the last four are the probabilistic ones with hftbacktest's arithmetic."""
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def latency_model(kind: int, seed: int, instruments: int = 1) -> LatencyModel | tuple[LatencyModel, ...]:
    """Kinds 0-3: one model for every instrument (constant, two sampled, recorded); 4 and 5: a model per instrument
    (independent links): a fast and a slow constant link, or each instrument a different kind (its own draws)."""
    if kind == 4:
        return tuple(ConstantLatency(seed % 5 + 60 * i, seed % 7 + 45 * i) for i in range(instruments))
    if kind == 5:
        return tuple(_stream(_one_model((seed + i) % 4, seed + i), i) for i in range(instruments))
    return _one_model(kind, seed)


def _one_model(kind: int, seed: int) -> LatencyModel:
    """Kinds 0-3 of `latency_model`."""
    if kind == 0:
        return ConstantLatency(seed % 17, seed % 23)
    if kind == 1:
        return SampledLatency(Lognormal(8.0, 0.8), ClippedNormal(10.0, 6.0), seed)
    if kind == 2:
        return SampledLatency(Empirical(np.array([0, 3, 40])), Lognormal(5.0, 1.5, floor_ns=2), seed)
    times = np.array([0, 1_500, 3_000, 9_000])
    return RecordedLatency(times, np.array([5, 30, 2, 9]), np.array([1, 25, 7, 0]), "step" if seed % 2 else "linear")


def _stream(model: LatencyModel, stream: int) -> LatencyModel:
    return dataclasses.replace(model, stream=stream) if isinstance(model, SampledLatency) else model


ACKS = st.sampled_from(["on", "off", "mixed"])
"""`Watch.acks` in a script: always on, always off, or switched at random between waits."""
REPORTS = ACKS
"""`Watch.reports` in a script, likewise."""


def with_acks(actions: list[Action], acks: str, seed: int, reports: str = "on") -> list[Action]:
    """``actions`` with their `Action.acks` and `Action.reports` set per ``acks`` and ``reports`` (rngs of their
    own: the script itself is unchanged)."""

    def flags(mode: str, stream: int) -> list[bool]:
        on = np.random.default_rng([seed, stream]).random(len(actions)) < 0.5
        return [mode == "on" or (mode == "mixed" and bool(f)) for f in on]

    return [
        dataclasses.replace(a, acks=ack, reports=report)
        for a, ack, report in zip(actions, flags(acks, 1), flags(reports, 2), strict=True)
    ]


both, assert_same = drive_both, assert_same_steps


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    instruments=st.integers(1, 2),
    queue=st.sampled_from(QUEUES),
    latency=st.integers(0, 5),
    partial=st.booleans(),
    chunk=st.one_of(st.none(), st.integers(1, 120)),
    acks=ACKS,
    reports=REPORTS,
)
def test_l2_kernel_matches_reference(
    seed: int,
    instruments: int,
    queue: QueueModel,
    latency: int,
    partial: bool,
    chunk: int | None,
    acks: str,
    reports: str,
) -> None:
    rng = np.random.default_rng(seed)
    data = random_l2_stream(rng, 250, instruments)
    actions = with_acks(random_actions(rng, 35, instruments), acks, seed, reports)
    kernel, reference = both(
        data, instruments, actions, chunk, queue_model=queue, latency=latency_model(latency, seed, instruments),
        partial_fills=partial,
    )  # fmt: skip
    assert_same(kernel, reference)


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    queue=st.sampled_from(
        [L3FifoQueue(), RiskAverseQueue(), PowerProbQueue(2.0), PowerProbQueue(2.0, arithmetic="hftbacktest")]
    ),
    partial=st.booleans(),
    chunk=st.one_of(st.none(), st.integers(1, 120)),
    acks=ACKS,
    reports=REPORTS,
)
def test_l3_kernel_matches_reference(
    seed: int, queue: QueueModel, partial: bool, chunk: int | None, acks: str, reports: str
) -> None:
    rng = np.random.default_rng(seed)
    data = random_l3_stream(rng, 250)
    actions = with_acks(random_actions(rng, 35), acks, seed, reports)
    kernel, reference = both(
        data, 1, actions, chunk, queue_model=queue, latency=latency_model(0, seed), partial_fills=partial
    )
    assert_same(kernel, reference)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    instruments=st.integers(1, 2),
    queue=st.sampled_from(QUEUES),
    latency=st.integers(0, 5),
    partial=st.booleans(),
    chunk=st.sampled_from([7, 100, 513, 5_000, None]),
    span=st.sampled_from([256, 1 << 20]),
    watched=st.sampled_from([0.0, 0.2, 1.0]),
    acks=ACKS,
    reports=REPORTS,
)
def test_long_l2_runs_match_reference(
    seed: int,
    instruments: int,
    queue: QueueModel,
    latency: int,
    partial: bool,
    chunk: int | None,
    span: int,
    watched: float,
    acks: str,
    reports: str,
) -> None:
    """Long streams, mostly unwatched: the kernel's fast runs of market rows (hundreds of rows between stops, both
    sides in blocks, fills and public trades inside them, chunk ends and book growth in the middle of them, levels
    beyond a small book span) must still agree with the reference."""
    rng = np.random.default_rng(seed)
    data = random_l2_stream(rng, 2_000, instruments)
    jump = int(rng.choice([0, 40, 3_000, 1_000_000]))
    data["price"][int(rng.integers(0, len(data))) :] += jump  # the market moves away: growth, or levels ignored
    actions = [
        a if rng.random() < watched else dataclasses.replace(a, wait=a.wait * 20, watch_book=False, watch_trades=False)
        for a in random_actions(rng, 40, instruments)
    ]
    kernel, reference = both(
        data, instruments, with_acks(actions, acks, seed, reports), chunk, queue_model=queue,
        latency=latency_model(latency, seed, instruments), partial_fills=partial, book_span_ticks=span,
    )  # fmt: skip
    assert_same(kernel, reference)


@pytest.mark.parametrize("seed", range(3))
def test_runs_longer_than_a_block_match_reference(seed: int) -> None:
    """Unwatched stretches several of the kernel's blocks of rows long (its exchange side runs a block ahead)."""
    rng = np.random.default_rng(seed)
    data = random_l2_stream(rng, 3 * PASS_BLOCK + 123)
    data = data[data["kind"] != EventKind.CLEAR]  # (a CLEAR row ends a run)
    chunk = int(rng.integers(PASS_BLOCK // 2, 3 * PASS_BLOCK))

    def script(venue: ReplayVenue | ReferenceReplayVenue) -> list[object]:
        log: list[object] = []
        now = venue.start()
        venue.submit(now, 0, 1, BUY, OrderType.LIMIT, 90, 3)
        venue.submit(now, 0, 2, SELL, OrderType.POST_ONLY, 102, 2)
        while True:
            advance = venue.advance(now + 100_000, Watch())
            log.append((advance, venue.top(0), venue.depth(0, BUY, 5), venue.exchange_depth(0, SELL, 5)))
            now = advance.now
            if advance.finished:
                return log

    kernel = script(ReplayVenue(iter_chunks(data, chunk), INSTRUMENTS[:1], queue_model=PowerProbQueue(2.0)))
    assert_same(kernel, script(ReferenceReplayVenue(data, INSTRUMENTS[:1], queue_model=PowerProbQueue(2.0))))


def test_rows_at_the_throttle_end_stop_there() -> None:
    """A top change waits for the throttle; rows at exactly its end change the top and change it back. The first of
    them stops the run there (the top then equals the one last reported, so nothing is flagged as changed)."""
    data = events(
        [
            (100, 100, EventKind.DEPTH, BUY, 99, 5),
            (100, 100, EventKind.DEPTH, SELL, 101, 5),
            (110, 120, EventKind.DEPTH, BUY, 99, 6),  # during the throttle
            (140, 150, EventKind.DEPTH, BUY, 99, 7),  # at its end...
            (140, 150, EventKind.DEPTH, BUY, 99, 5),  # ...and back
            (200, 300, EventKind.DEPTH, SELL, 101, 4),
        ]
    )

    def script(venue: ReplayVenue | ReferenceReplayVenue) -> list[object]:
        now = venue.start()
        first = venue.advance(now + 1_000, Watch((True,), (), 0))
        second = venue.advance(first.now + 1_000, Watch((True,), (), first.now + 50))
        rest = venue.advance(second.now + 1_000, Watch((True,), (), second.now))
        return [first, second, rest, venue.top(0)]

    kernel = script(ReplayVenue(data, INSTRUMENTS[:1]))
    assert_same(kernel, script(ReferenceReplayVenue(data, INSTRUMENTS[:1])))
    assert [getattr(a, "now", None) for a in kernel[:3]] == [100, 150, 300]


def test_levels_too_far_from_the_centre_inside_a_wide_segment_are_ignored() -> None:
    """With a span of 8 ticks the book's segment (10 ticks) is wider than half the span: a level inside it can still
    be too far from the centre to keep."""
    data = events(
        [
            (0, 5, EventKind.DEPTH, BUY, 100, 5),  # the segment is [95, 105)
            (1, 6, EventKind.DEPTH, SELL, 102, 5),  # centre 101
            (2, 7, EventKind.DEPTH, BUY, 96, 3),  # 5 ticks from it: ignored
            (3, 8, EventKind.DEPTH, SELL, 104, 1),
            (4, 9, EventKind.DEPTH, BUY, 95, 2),  # ignored
            (5, 10, EventKind.DEPTH, SELL, 105, 4),  # outside the segment, 4 ticks from the centre: it grows
            (6, 11, EventKind.DEPTH, BUY, 99, 1),
        ]
    )

    def script(venue: ReplayVenue | ReferenceReplayVenue) -> list[object]:
        venue.start()
        log: list[object] = [venue.advance(8, Watch())]
        log.append((venue.depth(0, BUY, 5), venue.depth(0, SELL, 5), venue.exchange_depth(0, BUY, 5)))
        log.append(venue.advance(100, Watch()))
        log.append((venue.depth(0, BUY, 5), venue.depth(0, SELL, 5), venue.exchange_depth(0, SELL, 5)))
        return log

    venue = ReplayVenue(data, INSTRUMENTS[:1], book_span_ticks=8)
    kernel = script(venue)
    assert_same(kernel, script(ReferenceReplayVenue(data, INSTRUMENTS[:1], book_span_ticks=8)))
    assert kernel[3] == ([(100, 5), (99, 1)], [(102, 5), (104, 1), (105, 4)], [(102, 5), (104, 1), (105, 4)])
    assert venue.ignored_levels == 4  # twice in each book


def test_random_scripts_exercise_every_outcome() -> None:
    """The random scripts above are not vacuous: across a few seeds they produce every kind of report."""
    seen = set()
    for seed in range(12):
        rng = np.random.default_rng(seed)
        data = random_l2_stream(rng, 250)
        log = drive(ReplayVenue(data, INSTRUMENTS[:1], queue_model=QUEUES[seed % 5]), random_actions(rng, 35))
        for item in log:
            for report in getattr(item, "reports", []):
                seen.add((report.status.name, report.maker))
    assert {
        ("ACCEPTED", False),
        ("REJECTED", False),
        ("CANCELLED", False),
        ("MODIFIED", False),
        ("EXPIRED", False),
        ("FILLED", True),
        ("FILLED", False),
        ("PARTIALLY_FILLED", True),
        ("PARTIALLY_FILLED", False),
    } <= seen


@pytest.mark.slow
@pytest.mark.parametrize("stop_on_reports", [True, False])
def test_capacity_growth_matches_reference(stop_on_reports: bool) -> None:
    """Thousands of orders in flight, long sweeps, thousands of L3 orders and public trades in one wake-up: every
    buffer of the compiled venue must grow (orders, requests, reports, outputs, L3 table, book segment, latency
    draws) without changing a single answer. Without stops for reports, thousands come out of one wake-up."""
    rows: list[tuple[int, ...]] = []
    us = 1_000
    for n in range(3_000):
        rows.append((n * us, n * us, EventKind.ADD, BUY, 10_000 - n % 50, 1 + n % 4, n + 1))
        rows.append((n * us, n * us, EventKind.ADD, SELL, 10_001 + n % 50, 1 + n % 3, 100_000 + n))
    for n in range(1_500):
        # all seen at once: one wake-up with more public trades than the output buffer holds
        rows.append(((5_000 + n) * us, 6_500 * us, EventKind.TRADE, SELL, 10_000 - n % 3, 1))
    for n in range(0, 3_000, 2):
        rows.append(((7_000 + n) * us, (7_000 + n) * us, EventKind.FILL, BUY, 10_000 - n % 50, 1, n + 1))
        rows.append(((7_000 + n) * us, (7_000 + n) * us, EventKind.CANCEL, SELL, 10_001 + n % 50, 1, 100_000 + n))
    rows.append((20_000 * us, 20_000 * us, EventKind.ADD, SELL, 14_500, 1, 999_999))  # far above: the segment grows
    data = events(rows)
    latency = SampledLatency(Lognormal(50_000.0, 0.3), Lognormal(40_000.0, 0.3), 1)
    options = {"queue_model": L3FifoQueue(), "latency": latency}

    def script(venue: ReplayVenue | ReferenceReplayVenue) -> list[object]:
        log: list[object] = []
        now = venue.start()
        for order_id in range(1, 4_501):
            venue.submit(now, 0, order_id, BUY if order_id % 2 else SELL, OrderType.LIMIT, 10_000 + order_id % 3, 1)
        venue.submit(now, 0, 10_000, BUY, OrderType.MARKET, 0, 10_000)
        while True:
            advance = venue.advance(now + 3_000_000, Watch((True,), (True,), 0, reports=stop_on_reports))
            log.append(advance)
            log.append((venue.top(0), venue.depth(0, BUY, 3), venue.depth(0, SELL, 3)))
            now = advance.now
            if advance.finished:
                return log

    kernel = script(ReplayVenue(iter_chunks(data, 333), INSTRUMENTS[:1], **options))  # type: ignore[arg-type]
    reference = script(ReferenceReplayVenue(data, INSTRUMENTS[:1], **options))  # type: ignore[arg-type]
    assert_same(kernel, reference)
    reports = sum(len(getattr(item, "reports", [])) for item in kernel)
    trades = max(len(getattr(item, "trades", [])) for item in kernel)
    assert reports > 7_000 and trades > 1_024
    if not stop_on_reports:  # more reports at one stop than the output buffer holds
        assert max(len(getattr(item, "reports", [])) for item in kernel) > 1_024
