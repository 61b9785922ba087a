"""``Watch.reports=False``: the replay stops less often but returns exactly the same reports, in order.

``Watch.acks=False``: the same reports minus the ACCEPTED ones, which `acknowledged` stands in for."""

from __future__ import annotations

import numpy as np
import pytest
from hft_core import Context, Instrument, Strategy
from hft_core.engine import Engine
from hft_core.events import BUY, SELL, EventKind
from hft_core.matching.orders import OrderStatus, OrderType
from hft_core.strategy import Fill
from hft_core.venues.base import Report, Watch
from hft_core.venues.replay import (
    ClippedNormal,
    ConstantLatency,
    Empirical,
    LatencyModel,
    Lognormal,
    PowerProbQueue,
    RecordedLatency,
    ReplayVenue,
    SampledLatency,
)
from hft_core.venues.replay._reference import ReferenceReplayVenue
from hft_core.venues.replay._scenarios import INSTRUMENTS, Action, events, random_actions, random_l2_stream

INSTRUMENT = Instrument("R", tick_size=0.01, lot_size=1.0)


class Quoter(Strategy):
    """Joins both sides every 50 ms; never looks at fills or order updates."""

    def on_start(self, ctx: Context) -> None:
        ctx.set_timer(0.05)

    def on_timer(self, ctx: Context) -> None:
        ctx.cancel_all()
        book = ctx.book()
        if book.best_bid is not None and book.best_ask is not None:
            ctx.buy(1, book.best_bid, tif="post-only")
            ctx.sell(1, book.best_ask, tif="post-only")


class ListeningQuoter(Quoter):
    """The same decisions, but it asks to hear of every fill as it happens."""

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        pass


class CountingVenue(ReplayVenue):
    stops = 0

    def advance(self, until, watch):  # type: ignore[no-untyped-def]
        self.stops += 1
        return super().advance(until, watch)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_deferred_reports_change_when_not_what(seed: int) -> None:
    stream = random_l2_stream(np.random.default_rng(seed), 20_000)
    for column in ("exch_ts", "local_ts"):  # stretch ~255 µs of random flow to ~5 s of market time
        stream[column] = (stream[column] - stream["exch_ts"][0]) * 20_000
    outcomes = []
    for strategy in (Quoter(), ListeningQuoter()):
        venue = CountingVenue(
            stream.copy(), [INSTRUMENT], latency=ConstantLatency(1_000_000, 1_000_000), queue_model=PowerProbQueue()
        )
        result = Engine(strategy, venue).run()
        outcomes.append((venue.stops, result))
    (quiet_stops, quiet), (listening_stops, listening) = outcomes
    assert len(quiet.fills) > 0
    assert quiet_stops < listening_stops
    # Fills are the same executions (the same orders at the same prices and exchange-driven times) ...
    columns = ["ts", "order_id", "side", "price", "qty"]
    assert quiet.fills[columns].equals(listening.fills[columns])
    assert quiet.orders[["order_id", "status", "filled_qty"]].equals(
        listening.orders[["order_id", "status", "filled_qty"]]
    )


# -- Watch.acks=False: ACCEPTED reports left out, `acknowledged` instead ------------------------------------------
IMPLEMENTATIONS = [ReplayVenue, ReferenceReplayVenue]
D, T = EventKind.DEPTH, EventKind.TRADE
DONE = (OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.EXPIRED)


def advance_to(venue: ReplayVenue | ReferenceReplayVenue, t: int, watch: Watch) -> list[Report]:
    """Advance to local time ``t`` exactly, through any early stops (each must carry a report: nothing else is
    watched); returns the reports on the way."""
    reports: list[Report] = []
    while True:
        advance = venue.advance(t, watch)
        assert advance.reports or advance.now == t or advance.finished, "a stop with nothing to tell"
        reports.extend(advance.reports)
        if advance.now == t or advance.finished:
            return reports


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_acknowledged_from_the_would_be_delivery_until_the_last_report(venue_class: type) -> None:
    rows = [
        (0, 0, D, BUY, 100, 5),
        (0, 0, D, BUY, 99, 4),
        (0, 0, D, SELL, 101, 2),
        (30, 30, T, SELL, 99, 1),  # through our bid at 100 (filled at 30, heard at 37); at our bid at 99: queue
        (200, 200, D, SELL, 101, 3),
    ]
    quiet = Watch(acks=False)
    venue = venue_class(events(rows), INSTRUMENTS[:1], latency=ConstantLatency(5, 7))
    venue.advance(venue.start(), quiet)
    venue.submit(10, 0, 1, BUY, OrderType.POST_ONLY, 100, 1)  # accepted at 15: its report would arrive at 22
    venue.submit(10, 0, 2, BUY, OrderType.LIMIT, 99, 1)
    venue.submit(10, 0, 3, BUY, OrderType.POST_ONLY, 101, 1)  # would cross: rejected, never acknowledged

    def acknowledged() -> list[bool]:
        return [venue.acknowledged(order_id) for order_id in (1, 2, 3, 4)]

    assert [(r.order_id, r.status) for r in advance_to(venue, 21, quiet)] == []
    assert acknowledged() == [False, False, False, False]
    assert [(r.ts, r.order_id, r.status) for r in advance_to(venue, 22, quiet)] == [(22, 3, OrderStatus.REJECTED)]
    assert acknowledged() == [True, True, False, False]
    assert [(r.ts, r.order_id, r.status) for r in advance_to(venue, 40, quiet)] == [(37, 1, OrderStatus.FILLED)]
    assert acknowledged() == [False, True, False, False]  # order 1's fill told its fate
    venue.cancel(40, 0, 2)
    assert advance_to(venue, 51, quiet) == []
    assert acknowledged() == [False, True, False, False]
    assert [(r.ts, r.order_id, r.status) for r in advance_to(venue, 52, quiet)] == [(52, 2, OrderStatus.CANCELLED)]
    assert acknowledged() == [False, False, False, False]

    reported = venue_class(events(rows), INSTRUMENTS[:1], latency=ConstantLatency(5, 7))
    reported.advance(reported.start(), Watch())
    reported.submit(10, 0, 1, BUY, OrderType.POST_ONLY, 100, 1)
    reported.submit(10, 0, 2, BUY, OrderType.LIMIT, 99, 1)
    assert [(r.ts, r.order_id, r.status) for r in advance_to(reported, 30, Watch())] == [
        (22, 1, OrderStatus.ACCEPTED),
        (22, 2, OrderStatus.ACCEPTED),
    ]
    assert not reported.acknowledged(1) and not reported.acknowledged(2)  # reported: nothing left to tell


LATENCIES = [
    ConstantLatency(4, 9),
    # response draws with a wide spread: later responses are often held back behind earlier ones
    SampledLatency(Lognormal(8.0, 0.8), ClippedNormal(10.0, 8.0), seed=3),
    SampledLatency(Empirical(np.array([0, 3, 40])), Lognormal(5.0, 1.5, floor_ns=2), seed=4),
    RecordedLatency(np.array([0, 1_500, 3_000]), np.array([5, 30, 2]), np.array([1, 25, 7]), "linear"),
]


def script(
    venue: ReplayVenue | ReferenceReplayVenue, actions: list[Action], watch: Watch
) -> tuple[list[Report], list[list[bool]], list[int]]:
    """Run ``actions`` at fixed local times (`advance_to` each action's time, through stops), so every watch gives the
    same timeline; returns the reports, `acknowledged` of every order submitted so far at each of those times, and
    the times."""
    reports: list[Report] = []
    acknowledged: list[list[bool]] = []
    times: list[int] = []
    submitted: list[int] = []
    now = venue.start()
    for action in [*actions, Action(wait=5_000, kind="none")]:
        now += action.wait
        reports += advance_to(venue, now, watch)
        acknowledged.append([venue.acknowledged(order_id) for order_id in submitted])
        times.append(now)
        if action.kind == "submit":
            venue.submit(now, 0, action.order_id, action.side, action.order_type, action.price, action.qty)
            submitted.append(action.order_id)
        elif action.kind == "cancel":
            venue.cancel(now, 0, action.order_id)
        elif action.kind == "modify":
            venue.modify(now, 0, action.order_id, action.price, action.qty)
    return reports, acknowledged, times


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
@pytest.mark.parametrize("latency", LATENCIES, ids=["constant", "lognormal", "empirical", "recorded"])
@pytest.mark.parametrize("seed", [5, 6])
def test_left_out_acks_change_no_other_report(venue_class: type, latency: LatencyModel, seed: int) -> None:
    """With acks off the reports are the same minus exactly the ACCEPTED ones (same times, fills, order: the left-out
    reports still draw their response latency), and `acknowledged` turns True exactly when the ACCEPTED report
    would have arrived, until the order's last report arrives."""
    rng = np.random.default_rng(seed)
    data = random_l2_stream(rng, 400)
    actions = random_actions(rng, 60)
    runs = {
        (reports, acks): script(
            venue_class(data, INSTRUMENTS[:1], latency=latency, queue_model=PowerProbQueue(2.0)),
            actions,
            Watch(reports=reports, acks=acks),
        )
        for reports in (True, False)
        for acks in (True, False)
    }
    with_acks, acked, times = runs[True, True]
    accepted = [r for r in with_acks if r.status == OrderStatus.ACCEPTED]
    assert len(accepted) > 20 and sum(r.fill_qty > 0 for r in with_acks) > 10
    assert {r.ts for r in accepted} & {r.ts for r in with_acks if r.fill_qty > 0}  # acks sharing a fill's response
    assert runs[False, True] == runs[True, True]
    assert not any(any(row) for row in acked)
    without, acknowledged, _ = runs[True, False]
    assert runs[False, False] == runs[True, False]
    assert without == [r for r in with_acks if r.status != OrderStatus.ACCEPTED]

    accepted_at = {r.order_id: r.ts for r in accepted}
    closed_at = {r.order_id: r.ts for r in with_acks if r.status in DONE}
    submitted = [a.order_id for a in actions if a.kind == "submit"]
    expected = [
        [
            accepted_at.get(order_id, now + 1) <= now < closed_at.get(order_id, now + 1)
            for order_id in submitted[: len(row)]
        ]
        for row, now in zip(acknowledged, times, strict=True)
    ]
    assert acknowledged == expected
    assert sum(map(sum, acknowledged)) > 10


@pytest.mark.parametrize("seed", [5, 6])
def test_report_rows_are_the_reports(seed: int) -> None:
    """``Watch.rows``: the same reports as rows, valid until the next advance, also when one advance hands over more
    reports than the kernel's output holds (1,024: here 1,500 orders are refused at once)."""
    rng = np.random.default_rng(seed)
    data = random_l2_stream(rng, 400)
    actions = random_actions(rng, 60)

    def run(rows: bool) -> list[tuple[int, ...]]:
        venue = ReplayVenue(data, INSTRUMENTS[:1], latency=ConstantLatency(5, 7), queue_model=PowerProbQueue(2.0))
        watch = Watch(reports=False, rows=rows)
        now = venue.start()
        for order_id in range(10_000, 11_500):
            venue.submit(now, 0, order_id, BUY, OrderType.POST_ONLY, 10**6, 1)  # crosses the book: refused
        seen: list[tuple[int, ...]] = []
        for action in [*actions, Action(wait=5_000, kind="none")]:
            now += action.wait
            while True:
                advance = venue.advance(now, watch)
                if rows:
                    assert advance.reports == []
                    if advance.report_rows is not None:
                        seen.extend(tuple(row) for row in advance.report_rows.tolist())
                else:
                    assert advance.report_rows is None
                    seen.extend(tuple(report) for report in advance.reports)
                if advance.now == now or advance.finished:
                    break
            if action.kind == "submit":
                venue.submit(now, 0, action.order_id, action.side, action.order_type, action.price, action.qty)
            elif action.kind == "cancel":
                venue.cancel(now, 0, action.order_id)
            elif action.kind == "modify":
                venue.modify(now, 0, action.order_id, action.price, action.qty)
        return seen

    as_reports = run(rows=False)
    assert len(as_reports) > 1_540 and sum(report[8] > 0 for report in as_reports) > 5  # (fills too)
    assert run(rows=True) == as_reports  # (the enums and the maker flag equal their ints)
