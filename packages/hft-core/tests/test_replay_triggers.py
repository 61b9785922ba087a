"""Compiled triggers: the replay kernel, the plain-Python reference and `TriggerState` agree on when a strategy wakes.

Random L2/L3 streams and order scripts with random triggers (every condition, combined at random, set and cleared
between waits) give the same stops, fired bits, reports and books in both implementations; small hand-written
streams pin each condition's meaning.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hft_core.events import EventKind, Events
from hft_core.matching.orders import OrderType
from hft_core.venues.base import (
    T_BEST_QTY,
    T_FILL,
    T_IMBALANCE,
    T_MICROPRICE,
    T_MID,
    T_MID_ABOVE,
    T_MID_BELOW,
    T_REJECT,
    T_TRADE_ABOVE,
    T_TRADE_BELOW,
    TriggerSpec,
    Watch,
)
from hft_core.venues.replay import (
    ClippedNormal,
    ConstantLatency,
    Lognormal,
    PowerProbQueue,
    ReplayVenue,
    RiskAverseQueue,
    SampledLatency,
)
from hft_core.venues.replay._reference import ReferenceReplayVenue
from hft_core.venues.replay._scenarios import (
    INSTRUMENTS,
    assert_kernel_agrees,
    events,
    random_actions,
    random_l2_stream,
    random_l3_stream,
    with_triggers,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
D, T = EventKind.DEPTH, EventKind.TRADE


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    instruments=st.integers(1, 2),
    chunk=st.one_of(st.none(), st.integers(1, 120)),
    quiet=st.booleans(),
    reports=st.booleans(),
)
def test_l2_triggers_match_reference(
    seed: int, instruments: int, chunk: int | None, quiet: bool, reports: bool
) -> None:
    rng = np.random.default_rng(seed)
    data = random_l2_stream(rng, 400, instruments)
    actions = random_actions(rng, 30, instruments)
    if quiet:  # nothing else watched: only triggers (and reports, if asked) stop the waits
        actions = [dataclasses.replace(a, wait=a.wait * 10, watch_book=False, watch_trades=False) for a in actions]
    actions = [dataclasses.replace(a, reports=reports, acks=reports) for a in with_triggers(actions, seed, 0.4)]
    assert_kernel_agrees(
        data, instruments, actions, chunk, queue_model=PowerProbQueue(2.0), latency=ConstantLatency(seed % 17, 5),
        partial_fills=bool(seed % 2),
    )  # fmt: skip


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), chunk=st.one_of(st.none(), st.integers(1, 120)))
def test_l3_triggers_match_reference(seed: int, chunk: int | None) -> None:
    rng = np.random.default_rng(seed)
    data = random_l3_stream(rng, 300)
    actions = with_triggers(random_actions(rng, 30), seed, 0.4)
    assert_kernel_agrees(data, 1, actions, chunk, queue_model=RiskAverseQueue(), latency=ConstantLatency(3, 4))


def _book(*extra: tuple[int, ...]) -> Events:
    """Bid 99 x 5, ask 101 x 5 at t=10, then ``extra`` rows."""
    return events([(10, 10, D, 1, 99, 5), (10, 10, D, -1, 101, 5), *extra])


@pytest.mark.parametrize("implementation", [ReplayVenue, ReferenceReplayVenue])
@pytest.mark.parametrize(
    ("spec", "rows", "stop", "bits"),
    [
        # the mid (100) moves half a tick, then a whole tick (the ask goes from 101 to 102): fires at the second
        (
            TriggerSpec(T_MID, mid_ticks=1),
            [(20, 20, D, 1, 100, 3), (30, 30, D, -1, 102, 5), (31, 31, D, -1, 101, 0)],
            31,
            T_MID,
        ),
        (TriggerSpec(T_MID, mid_ticks=2), [(20, 20, D, -1, 103, 5), (30, 30, D, -1, 101, 0)], None, 0),
        # microprice: 100 with equal sizes; a bid of 5 against an ask of 1 puts it at 100.67
        (TriggerSpec(T_MICROPRICE, microprice_ticks=0.5), [(20, 20, D, -1, 101, 1)], 20, T_MICROPRICE),
        (TriggerSpec(T_MICROPRICE, microprice_ticks=0.7), [(20, 20, D, -1, 101, 1)], None, 0),
        (
            TriggerSpec(T_MID_ABOVE, mid_above=2 * 101),
            [(20, 20, D, -1, 103, 4), (30, 30, D, -1, 101, 0)],
            30,
            T_MID_ABOVE,
        ),
        (TriggerSpec(T_MID_BELOW, mid_below=2 * 99 + 1), [(20, 20, D, -1, 100, 1)], 20, T_MID_BELOW),
        (TriggerSpec(T_BEST_QTY, best_qty_below=3), [(20, 20, D, 1, 99, 4), (30, 30, D, 1, 99, 2)], 30, T_BEST_QTY),
        (TriggerSpec(T_IMBALANCE, imbalance=0.5), [(20, 20, D, 1, 99, 14), (30, 30, D, 1, 99, 16)], 30, T_IMBALANCE),
        (
            TriggerSpec(T_TRADE_ABOVE, trade_above=101),
            [(20, 20, T, 1, 100, 1), (30, 30, T, 1, 101, 1)],
            30,
            T_TRADE_ABOVE,
        ),
        (TriggerSpec(T_TRADE_BELOW, trade_below=98), [(20, 20, T, -1, 99, 1)], None, 0),
        # combined: whichever comes first, with every condition met at that row
        (
            TriggerSpec(T_MID | T_BEST_QTY, mid_ticks=1, best_qty_below=2),
            [(20, 20, D, 1, 99, 3), (30, 30, D, -1, 103, 1), (31, 31, D, -1, 101, 0)],
            31,
            T_MID | T_BEST_QTY,
        ),
    ],
)
def test_each_condition_stops_where_it_first_holds(
    implementation: type[ReplayVenue], spec: TriggerSpec, rows: list[tuple[int, ...]], stop: int | None, bits: int
) -> None:
    venue = implementation(_book(*rows, (1_000, 1_000, D, 1, 50, 1)), INSTRUMENTS[:1])
    now = venue.start()
    venue.advance(now, Watch())  # the opening book (both rows at t=10)
    venue.set_trigger(0, spec)
    advance = venue.advance(500, Watch())
    if stop is None:
        assert advance.now == 500 and advance.triggered == ()
    else:
        assert advance.now == stop and advance.triggered == ((0, bits),)


@pytest.mark.parametrize("implementation", [ReplayVenue, ReferenceReplayVenue])
def test_an_edge_fires_once_until_it_stops_holding(implementation: type[ReplayVenue]) -> None:
    rows = [(20, 20, D, 1, 99, 2), (30, 30, D, 1, 99, 1), (40, 40, D, 1, 99, 6), (50, 50, D, 1, 99, 2)]
    venue = implementation(_book(*rows, (1_000, 1_000, D, 1, 50, 1)), INSTRUMENTS[:1])
    venue.start()
    venue.advance(10, Watch())
    venue.set_trigger(0, TriggerSpec(T_BEST_QTY, best_qty_below=3))
    stops = []
    now = 10
    while now < 500:
        advance = venue.advance(500, Watch())
        now = advance.now
        stops.append((now, advance.triggered))
    assert stops == [(20, ((0, T_BEST_QTY),)), (50, ((0, T_BEST_QTY),)), (500, ())]


@pytest.mark.parametrize("implementation", [ReplayVenue, ReferenceReplayVenue])
def test_fills_and_rejects_wake_without_stopping_for_other_reports(implementation: type[ReplayVenue]) -> None:
    rows = [(50, 50, T, -1, 99, 9)]  # a seller through our bid at 99 (risk-averse: we are behind 5 lots)
    venue = implementation(
        _book(*rows, (1_000, 1_000, D, 1, 50, 1)), INSTRUMENTS[:1], latency=ConstantLatency(5, 5), partial_fills=True
    )
    venue.start()
    venue.advance(10, Watch())
    venue.set_trigger(0, TriggerSpec(T_FILL | T_REJECT))
    venue.submit(10, 0, 1, 1, OrderType.LIMIT, 99, 2)  # accepted at 15, reported at 20: no wake
    venue.submit(10, 0, 2, -1, OrderType.POST_ONLY, 99, 1)  # would cross: rejected, reported at 20
    first = venue.advance(500, Watch(reports=False))
    assert (first.now, first.triggered) == (20, ((0, T_REJECT),))
    second = venue.advance(500, Watch(reports=False))
    assert (second.now, second.triggered) == (55, ((0, T_FILL),))  # the trade at 50, its report 5 ns later
    assert second.report_rows is None and [r.fill_qty for r in second.reports] == [2]


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    chunk=st.one_of(st.none(), st.integers(1, 120)),
    response=st.sampled_from([0, 1, 6, 40]),
    reports=st.booleans(),
    sampled=st.booleans(),
    squeeze=st.sampled_from([1, 16]),
)
def test_trigger_blocks_match_reference(
    seed: int, chunk: int | None, response: int, reports: bool, sampled: bool, squeeze: int
) -> None:
    """One instrument, a trigger on most waits and nothing watched: the kernel's runs of rows for a trigger (the local
    side first, `_kernel._trigger_passes`), with reports as happenings (``reports``: up to the least response latency
    ahead, 0 when sampled) or handed over at each stop, orders resting and in flight, every wait's bound a timer;
    ``squeeze`` divides every time, so that rows, reports and requests often fall on the same or the next ns."""
    rng = np.random.default_rng(seed)
    data = random_l2_stream(rng, 400)
    data["exch_ts"] //= squeeze
    data["local_ts"] //= squeeze
    actions = [
        dataclasses.replace(
            a, wait=a.wait * 10 // squeeze, watch_book=False, watch_trades=False, reports=reports, acks=reports
        )
        for a in with_triggers(random_actions(rng, 30), seed, 0.8)
    ]
    latency: ConstantLatency | SampledLatency = ConstantLatency(seed % 17, response)
    if sampled:
        latency = SampledLatency(Lognormal(8.0, 0.8), ClippedNormal(10.0, 8.0), seed=seed % 5)
    assert_kernel_agrees(
        data, 1, actions, chunk, queue_model=PowerProbQueue(2.0), latency=latency, partial_fills=bool(seed % 2)
    )


@pytest.mark.parametrize("implementation", [ReplayVenue, ReferenceReplayVenue])
def test_the_exchange_side_stops_at_the_firing(implementation: type[ReplayVenue]) -> None:
    """A firing ends the call at its row's time: an exchange row one nanosecond later is not applied yet."""
    rows = [(20, 30, T, 1, 101, 1), (31, 40, D, 1, 98, 7), (32, 50, D, 1, 97, 3)]
    venue = implementation(_book(*rows, (1_000, 1_000, D, 1, 50, 1)), INSTRUMENTS[:1])
    venue.start()
    venue.advance(10, Watch())
    venue.set_trigger(0, TriggerSpec(T_TRADE_ABOVE, trade_above=101))
    advance = venue.advance(500, Watch())
    assert (advance.now, advance.triggered) == (30, ((0, T_TRADE_ABOVE),))
    assert venue.exchange_depth(0, 1, 5) == [(99, 5)]
    advance = venue.advance(35, Watch())
    assert (advance.now, venue.exchange_depth(0, 1, 5)) == (35, [(99, 5), (98, 7), (97, 3)])
    assert venue.depth(0, 1, 5) == [(99, 5)]


@pytest.mark.parametrize("implementation", [ReplayVenue, ReferenceReplayVenue])
def test_the_local_side_stops_short_of_a_report_it_cannot_know_yet(implementation: type[ReplayVenue]) -> None:
    """Reports as happenings (`Watch.reports`), a response latency of 10: the fill at exchange time 50 is reported
    at 60, where the call stops, so the local rows up to 60 are applied and the one at 61 is not."""
    rows = [
        (50, 52, T, -1, 99, 9),  # a seller through our bid at 99 (risk-averse: 5 lots ahead of us)
        (51, 59, D, -1, 101, 4),
        (51, 60, D, -1, 101, 3),
        (51, 61, D, -1, 101, 2),
    ]
    venue = implementation(
        _book(*rows, (1_000, 1_000, D, 1, 50, 1)), INSTRUMENTS[:1], latency=ConstantLatency(5, 10), partial_fills=True
    )
    venue.start()
    venue.advance(10, Watch())
    venue.set_trigger(0, TriggerSpec(T_MID, mid_ticks=5))  # (never fires: the runs of rows for a trigger)
    venue.submit(10, 0, 1, 1, OrderType.LIMIT, 99, 2)
    advance = venue.advance(500, Watch(reports=True, acks=False))
    assert advance.now == 60 and [r.fill_qty for r in advance.reports] == [2]
    assert venue.depth(0, -1, 1) == [(101, 3)]
