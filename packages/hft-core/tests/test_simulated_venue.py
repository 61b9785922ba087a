"""The simulated venue's mechanics: determinism, latency, the advance() stopping rules, order translation,
the message-rate model, and a book that never crosses."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hft_core import create_scenario
from hft_core.book.l2 import L2Book
from hft_core.events import BUY, SELL, EventKind, Events
from hft_core.instruments import Instrument
from hft_core.matching import OrderReason, OrderStatus, OrderType
from hft_core.venues.base import Advance, Report, TopOfBook, Watch
from hft_core.venues.simulated import (
    STRATEGY_OWNER,
    LiquidityProvider,
    MarketSpec,
    NoiseTaker,
    SimulatedVenue,
    StrategyLatency,
    VenueSpec,
    gbm_fair_values,
)


def simulated_market(name: str, **arguments: Any) -> SimulatedVenue:
    """A built-in scenario by name (`hft_core.create_scenario`), as the simulated venue it is."""
    venue = create_scenario(name, **arguments)
    assert isinstance(venue, SimulatedVenue)
    return venue


SECOND = 1_000_000_000
MS = 1_000_000


def run_to(venue: SimulatedVenue, until: int, watch: Watch | None = None) -> list[Advance]:
    """Advance until ``until`` is reached, collecting every stop."""
    stops = []
    while True:
        step = venue.advance(until, watch or Watch())
        stops.append(step)
        if step.now >= until or step.finished:
            return stops


def reports_of(stops: list[Advance]) -> list[Report]:
    return [report for stop in stops for report in stop.reports]


class QuotingStrategy:
    """A minimal passive quoter: one lot at each best price, cancelled when the best price moves away."""

    def __init__(self, venue: SimulatedVenue) -> None:
        self.venue = venue
        self.next_id = 0
        self.live: dict[int, int | None] = {BUY: None, SELL: None}
        self.quoted: dict[int, int] = {}
        self.cancelling: set[int] = set()
        self.position = 0
        self.fills = 0
        self.reports: list[Report] = []

    def on_stop(self, step: Advance) -> None:
        venue = self.venue
        for report in step.reports:
            self.reports.append(report)
            if report.fill_qty:
                self.fills += 1
                self.position += report.side * report.fill_qty
            if report.leaves == 0 and report.status not in (OrderStatus.ACCEPTED, OrderStatus.MODIFIED):
                for side in (BUY, SELL):
                    if self.live[side] == report.order_id:
                        self.live[side] = None
        top = venue.top(0)
        for side, price in ((BUY, top.bid_price), (SELL, top.ask_price)):
            if price is None:
                continue
            order_id = self.live[side]
            if order_id is not None:
                if self.quoted[order_id] != price and order_id not in self.cancelling:
                    venue.cancel(step.now, 0, order_id)
                    self.cancelling.add(order_id)
            elif abs(self.position + side) <= 20:
                self.next_id += 1
                venue.submit(step.now, 0, self.next_id, side, OrderType.LIMIT, price, 1)
                self.live[side] = self.next_id
                self.quoted[self.next_id] = price

    def run(self, throttle_ns: int = 50 * MS) -> list[Advance]:
        venue = self.venue
        now = venue.start()
        stops = []
        while True:
            step = venue.advance(now + SECOND, Watch(book=(True,), book_from=now + throttle_ns))
            stops.append(step)
            now = step.now
            if step.finished:
                return stops
            self.on_stop(step)


def small_venue(
    seed: int = 3,
    *,
    latency: StrategyLatency | None = None,
    service_ns: int = 0,
    duration_s: float = 30.0,
    noise_rate: float = 2.0,
) -> SimulatedVenue:
    """One instrument with liquidity providers and noise takers only, recording its feed."""
    market = MarketSpec(
        Instrument("SIM", 0.01), (LiquidityProvider(), NoiseTaker(rate=noise_rate)), fair_value=0, fair_delay_ns=0
    )
    venue = VenueSpec("sim", latency or StrategyLatency(), service_ns)
    fair = gbm_fair_values(100.0, 1e-4, duration_s + 1, seed=seed)
    return SimulatedVenue([market], [venue], fair, seed=seed, duration_s=duration_s, record=True)


def top_groups(tape: Events) -> list[tuple[int, tuple[int | None, int, int | None, int]]]:
    """The strategy's top of book after each distinct local time of the tape, replayed through an L2 book."""
    book = L2Book()
    result = []
    times = tape["local_ts"]
    boundaries = np.flatnonzero(np.diff(times)) + 1
    for chunk in np.split(tape, boundaries):
        book.apply(chunk)
        bid, ask = book.best_bid(), book.best_ask()
        top = (
            None if bid is None else bid[0],
            0 if bid is None else bid[1],
            None if ask is None else ask[0],
            0 if ask is None else ask[1],
        )
        result.append((int(chunk["local_ts"][0]), top))
    return result


# -- protocol basics ------------------------------------------------------------------------------------------
def test_protocol_properties_and_opening_book() -> None:
    venue = simulated_market("single-instrument", seed=1, duration_s=10.0)
    assert venue.simulated is True
    assert venue.name == "simulated:single-instrument"
    assert [instrument.symbol for instrument in venue.instruments] == ["SIM"]
    start = venue.start()
    assert start == venue.start_ns and venue.progress() == 0.0
    top = venue.top(0)
    assert top.bid_price is not None and top.ask_price is not None
    assert 9_900 < top.bid_price < top.ask_price < 10_100
    assert 8 <= len(venue.depth(0, BUY, 100)) <= 30
    assert 8 <= len(venue.depth(0, SELL, 100)) <= 30
    assert venue.depth(0, SELL, 3) == venue.depth(0, SELL, 100)[:3]
    half = venue.advance(start + 5 * SECOND, Watch())
    assert half.now == start + 5 * SECOND and not half.finished
    assert venue.progress() == pytest.approx(0.5)
    end = venue.advance(start + 60 * SECOND, Watch())
    assert end.now == venue.end_ns and end.finished and venue.progress() == 1.0


def test_misuse_is_refused() -> None:
    venue = simulated_market("single-instrument", seed=1, duration_s=5.0)
    with pytest.raises(RuntimeError, match="start"):
        venue.advance(0, Watch())
    with pytest.raises(RuntimeError, match="start"):
        venue.submit(0, 0, 1, BUY, OrderType.LIMIT, 100, 1)
    start = venue.start()
    with pytest.raises(RuntimeError, match="already started"):
        venue.start()
    venue.advance(start + SECOND, Watch())
    with pytest.raises(ValueError, match="before the venue's current time"):
        venue.advance(start, Watch())
    with pytest.raises(ValueError, match="before the venue's current time"):
        venue.submit(start, 0, 1, BUY, OrderType.LIMIT, 100, 1)
    with pytest.raises(ValueError, match="out of range"):
        venue.top(1)
    venue.submit(start + SECOND, 0, 1, BUY, OrderType.LIMIT, 100, 1)
    with pytest.raises(ValueError, match="already used"):
        venue.submit(start + SECOND, 0, 1, BUY, OrderType.LIMIT, 100, 1)


def test_specs_validate_their_inputs() -> None:
    with pytest.raises(ValueError, match="entry_ns"):
        StrategyLatency(entry_ns=-1)
    with pytest.raises(ValueError, match="message_service_ns"):
        VenueSpec("sim", message_service_ns=-5)
    fair = gbm_fair_values(100.0, 1e-4, 10.0, seed=1)
    market = MarketSpec(Instrument("SIM", 0.01, venue="elsewhere"), (LiquidityProvider(),))
    with pytest.raises(ValueError, match="not among the venues"):
        SimulatedVenue([market], [VenueSpec("sim")], fair, seed=1, duration_s=5.0)
    market = MarketSpec(Instrument("SIM", 0.01), (LiquidityProvider(),), fair_value=2)
    with pytest.raises(ValueError, match="fair-value path 2"):
        SimulatedVenue([market], [VenueSpec("sim")], fair, seed=1, duration_s=5.0)
    with pytest.raises(ValueError, match="duration_s"):
        SimulatedVenue([market], [VenueSpec("sim")], fair, seed=1, duration_s=0.0)


# -- determinism ----------------------------------------------------------------------------------------------
def _scripted_run(seed: int) -> tuple[Events, list[Report]]:
    venue = simulated_market("reactive", seed=seed, duration_s=20.0, record=True)
    strategy = QuotingStrategy(venue)
    strategy.run()
    return venue.recorded_market_data(), strategy.reports


def test_same_seed_gives_identical_market_data_and_reports() -> None:
    tape_a, reports_a = _scripted_run(11)
    tape_b, reports_b = _scripted_run(11)
    assert len(tape_a) > 1_000 and len(reports_a) > 10
    assert tape_a.tobytes() == tape_b.tobytes()
    assert reports_a == reports_b
    tape_c, _ = _scripted_run(12)
    assert tape_c.tobytes() != tape_a.tobytes()


# -- the book ---------------------------------------------------------------------------------------------------
def test_book_never_crosses_and_the_view_replays_from_the_tape() -> None:
    venue = simulated_market("reactive", seed=5, duration_s=60.0, record=True)
    strategy = QuotingStrategy(venue)
    now = venue.start()
    checked = 0
    while True:
        step = venue.advance(now + SECOND, Watch(book=(True,), book_from=now + 20 * MS))
        now = step.now
        engine = venue.exchange_engine(0)
        best_bid, best_ask = engine.best_bid(), engine.best_ask()
        assert best_bid is not None and best_ask is not None and best_bid < best_ask
        view = venue.top(0)
        assert view.bid_price is not None and view.ask_price is not None and view.bid_price < view.ask_price
        checked += 1
        if step.finished:
            break
        strategy.on_stop(step)
    assert checked > 500 and strategy.fills > 5
    tape = venue.recorded_market_data()
    replay = L2Book(on_crossed="error")
    replay.apply(tape)  # raises CrossedBookError on any crossed state, row by row
    bid, ask = replay.best_bid(), replay.best_ask()
    assert bid is not None and ask is not None
    assert venue.top(0) == TopOfBook(bid[0], bid[1], ask[0], ask[1])


# -- latency --------------------------------------------------------------------------------------------------
def test_orders_trade_after_entry_latency_and_reports_return_after_response_latency() -> None:
    latency = StrategyLatency(entry_ns=30_000, response_ns=70_000, feed_ns=110_000)
    venue = small_venue(latency=latency)
    start = venue.start()
    sent_at = run_to(venue, start + 2 * SECOND)[-1].now
    best_ask = venue.exchange_engine(0).best_ask()
    assert best_ask is not None
    venue.submit(sent_at, 0, 7, BUY, OrderType.LIMIT, best_ask + 5, 3)
    step = venue.advance(start + 10 * SECOND, Watch())
    assert step.now == sent_at + latency.entry_ns + latency.response_ns
    assert step.reports[0].status == OrderStatus.ACCEPTED
    fills = [report for report in step.reports if report.fill_qty]
    assert sum(report.fill_qty for report in fills) == 3 and fills[-1].status == OrderStatus.FILLED
    assert all(report.ts == step.now and report.order_id == 7 and not report.maker for report in step.reports)
    run_to(venue, start + 3 * SECOND)
    trades = venue.recorded_market_data()
    trades = trades[(trades["kind"] == EventKind.TRADE) & (trades["exch_ts"] >= sent_at)]
    # The first trade after sending is ours, at the engine exactly entry latency later, seen feed latency after.
    assert int(trades["exch_ts"][0]) == sent_at + latency.entry_ns
    assert int(trades["local_ts"][0]) == sent_at + latency.entry_ns + latency.feed_ns
    assert int(trades["side"][0]) == BUY


def test_strategy_sees_the_exchange_book_exactly_feed_latency_late() -> None:
    feed_ns = 40 * MS
    venue = small_venue(latency=StrategyLatency(feed_ns=feed_ns), noise_rate=5.0)
    start = venue.start()
    lagged = 0
    for k in range(1, 120):
        probe = start + k * 97 * MS
        run_to(venue, probe)
        engine = venue.exchange_engine(0)
        best_bid, best_ask = engine.best_bid(), engine.best_ask()
        assert best_bid is not None and best_ask is not None
        exchange_then = TopOfBook(best_bid, engine.level_qty(BUY, best_bid), best_ask, engine.level_qty(SELL, best_ask))
        run_to(venue, probe + feed_ns)
        assert venue.top(0) == exchange_then
        best_bid, best_ask = engine.best_bid(), engine.best_ask()
        assert best_bid is not None and best_ask is not None
        exchange_now = TopOfBook(best_bid, engine.level_qty(BUY, best_bid), best_ask, engine.level_qty(SELL, best_ask))
        lagged += exchange_now != exchange_then
    assert lagged > 10  # the exchange moved on meanwhile: the view really lags


# -- advance() stopping rules -----------------------------------------------------------------------------------
def test_advance_stops_exactly_at_each_watched_trade() -> None:
    venue = small_venue(seed=8, noise_rate=3.0)
    start = venue.start()
    stops = run_to(venue, start + 10 * SECOND, Watch(trades=(True,)))
    tape = venue.recorded_market_data()
    trade_rows = tape[tape["kind"] == EventKind.TRADE]
    trade_times = sorted(t for t in set(trade_rows["local_ts"].tolist()) if t <= start + 10 * SECOND)
    assert len(trade_times) > 15
    assert [stop.now for stop in stops if stop.trades] == trade_times
    assert all(stop.now == start + 10 * SECOND for stop in stops if not stop.trades)
    for stop in stops:
        at_stop = trade_rows[trade_rows["local_ts"] == stop.now]
        assert [(trade.price, trade.qty, trade.side) for trade in stop.trades] == list(
            zip(at_stop["price"].tolist(), at_stop["qty"].tolist(), at_stop["side"].tolist(), strict=True)
        )
        assert all(trade.ts == stop.now and trade.instrument == 0 for trade in stop.trades)


def test_unwatched_events_do_not_stop_advance() -> None:
    venue = small_venue(seed=8, noise_rate=3.0)
    start = venue.start()
    step = venue.advance(start + 10 * SECOND, Watch(book=(False,), trades=(False,)))
    assert step == Advance(start + 10 * SECOND, [], [], (), False)


def test_advance_stops_at_watched_book_changes_no_earlier_than_book_from() -> None:
    venue = small_venue(seed=9)
    start = venue.start()
    now = start
    stops: list[tuple[int, int]] = []  # (requested book_from, stop time)
    throttle = 30 * MS
    while now < start + 8 * SECOND:
        book_from = now + throttle
        step = venue.advance(start + 8 * SECOND, Watch(book=(True,), book_from=book_from))
        stops.append((book_from, step.now))
        assert step.book_changed in ((0,), ()) and not step.reports
        if step.now < start + 8 * SECOND:
            assert step.book_changed == (0,)
        now = step.now
    groups = top_groups(venue.recorded_market_data())
    change_times = [t for (t, top), (_, before) in zip(groups[1:], groups, strict=False) if top != before]
    previous = start
    for book_from, stop in stops[:-1]:
        first_change = next(t for t in change_times if t > previous)
        assert stop == max(first_change, book_from)
        previous = stop
    assert len(stops) > 100


def test_book_change_inside_the_throttle_is_reported_at_book_from() -> None:
    venue = small_venue(seed=9)
    start = venue.start()
    horizon = start + 3 * SECOND
    # A long throttle: some change surely happens before it ends, so the stop lands exactly on book_from.
    step = venue.advance(horizon, Watch(book=(True,), book_from=start + 2 * SECOND))
    assert step.now == start + 2 * SECOND and step.book_changed == (0,)
    # Once told, nothing is pending: an unwatched advance and a fresh throttle behave normally.
    step = venue.advance(start + 2 * SECOND + 1, Watch(book=(True,), book_from=start + 2 * SECOND + 1))
    assert step.now == start + 2 * SECOND + 1


# -- order translation ----------------------------------------------------------------------------------------------
def test_cancel_modify_and_unknown_ids_report_in_order() -> None:
    latency = StrategyLatency(entry_ns=10_000, response_ns=10_000, feed_ns=10_000)
    venue = small_venue(latency=latency)
    start = venue.start()
    now = start
    best_bid = venue.top(0).bid_price
    assert best_bid is not None
    far = best_bid - 40
    venue.submit(now, 0, 1, BUY, OrderType.LIMIT, far, 5)
    venue.modify(now, 0, 1, far, 3)
    venue.modify(now, 0, 1, far - 1, 4)
    venue.cancel(now, 0, 1)
    venue.cancel(now, 0, 99)
    step = venue.advance(start + SECOND, Watch())
    assert step.now == start + 20_000
    summary = [(r.order_id, r.status, r.reason, r.price, r.leaves) for r in step.reports]
    assert summary == [
        (1, OrderStatus.ACCEPTED, OrderReason.NONE, far, 5),
        (1, OrderStatus.MODIFIED, OrderReason.NONE, far, 3),
        (1, OrderStatus.MODIFIED, OrderReason.NONE, far - 1, 4),
        (1, OrderStatus.CANCELLED, OrderReason.REQUESTED, far - 1, 0),
        (99, OrderStatus.REJECTED, OrderReason.UNKNOWN_ORDER, 0, 0),
    ]
    venue.cancel(step.now, 0, 1)  # already cancelled: unknown now
    step = venue.advance(start + SECOND, Watch())
    assert [(r.order_id, r.status, r.reason) for r in step.reports] == [
        (1, OrderStatus.REJECTED, OrderReason.UNKNOWN_ORDER)
    ]


def test_resting_order_fills_as_maker_and_ioc_remainder_expires() -> None:
    venue = small_venue(seed=4, noise_rate=5.0)
    start = venue.start()
    top = venue.top(0)
    assert top.bid_price is not None and top.ask_price is not None
    venue.submit(start, 0, 1, SELL, OrderType.IOC, top.bid_price, 10_000)
    step = venue.advance(start + SECOND, Watch())
    statuses = [r.status for r in step.reports]
    assert statuses[0] == OrderStatus.ACCEPTED and statuses[-1] == OrderStatus.EXPIRED
    filled = sum(r.fill_qty for r in step.reports)
    assert 0 < filled < 10_000 and step.reports[-1].leaves == 0
    assert all(r.fill_price == top.bid_price for r in step.reports if r.fill_qty)
    leaves = [r.leaves for r in step.reports if r.fill_qty]
    assert leaves == sorted(leaves, reverse=True) and leaves[-1] == 10_000 - filled
    # Join the best bid with one lot and wait for the noise takers to reach it.
    now = run_to(venue, start + 2 * SECOND)[-1].now
    bid = venue.top(0).bid_price
    assert bid is not None
    venue.submit(now, 0, 2, BUY, OrderType.LIMIT, bid, 1)
    reports = reports_of(run_to(venue, start + 29 * SECOND))
    fills = [r for r in reports if r.order_id == 2 and r.fill_qty]
    cancelled = [r for r in reports if r.order_id == 2 and r.status == OrderStatus.CANCELLED]
    assert not cancelled and len(fills) == 1
    assert fills[0].maker and fills[0].status == OrderStatus.FILLED and fills[0].fill_price == bid
    stats = venue.participant_stats()
    assert stats[0].owner == STRATEGY_OWNER and stats[0].bought == 1 and stats[0].sold == filled


# -- message-rate model ---------------------------------------------------------------------------------------------
def _burst_run(burst: int, service_ns: int) -> tuple[SimulatedVenue, list[Report], int]:
    latency = StrategyLatency(entry_ns=10_000, response_ns=10_000, feed_ns=10_000)
    venue = small_venue(seed=6, latency=latency, service_ns=service_ns, duration_s=5.0)
    start = venue.start()
    sent_at = run_to(venue, start + SECOND)[-1].now
    bid = venue.top(0).bid_price
    assert bid is not None
    for order_id in range(burst):
        venue.submit(sent_at, 0, order_id, BUY, OrderType.LIMIT, bid - 50, 1)
    reports = reports_of(run_to(venue, start + 2 * SECOND))
    return venue, reports, sent_at


def test_message_burst_queues_at_the_gateway_and_delays_everyone() -> None:
    service = 50_000
    venue, reports, sent_at = _burst_run(1_000, service)
    accepted = [r.ts for r in reports if r.status == OrderStatus.ACCEPTED]
    assert len(accepted) == 1_000
    # One message per service time, in order: the k-th ack is k service times after the first.
    assert np.all(np.diff(accepted) == service)
    assert accepted[0] >= sent_at + 10_000 + service + 10_000
    assert accepted[-1] >= sent_at + 10_000 + 1_000 * service + 10_000
    stats = {s.kind: s for s in venue.participant_stats()}
    liquidity = stats["liquidity-provider"]
    assert liquidity.max_queue_wait_ns > 100 * service  # stuck behind the burst
    gateway = venue.gateway_stats("sim")
    assert gateway.max_wait_ns >= 999 * service and gateway.delayed_messages >= 999
    # Without the burst the same market barely queues.
    quiet, _, _ = _burst_run(1, service)
    quiet_stats = {s.kind: s for s in quiet.participant_stats()}
    assert quiet_stats["liquidity-provider"].max_queue_wait_ns < 10 * service
    with pytest.raises(ValueError, match="unknown venue"):
        venue.gateway_stats("nowhere")


def test_without_the_message_rate_model_a_burst_is_processed_at_once() -> None:
    _, reports, sent_at = _burst_run(400, 0)
    accepted = {r.ts for r in reports if r.status == OrderStatus.ACCEPTED}
    assert accepted == {sent_at + 20_000}
