"""The live venue against hft serve on 127.0.0.1: the same strategy and Engine as on the simulated market, and the
faults a network brings (#23). After each fault the client's book is one the server sent (same market time, same
levels) and every fill of the server's records reached the engine exactly once.

Each test is bounded: servers on free ports, stopped at the end; every wait has a deadline.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
import httpx
from hft_core.engine.loop import Engine
from hft_core.events import BUY
from hft_core.matching.orders import OrderType
from hft_core.runs import create_scenario
from hft_core.serve.app import ServeConfig
from hft_core.serve.exchanges import load_exchanges
from hft_core.serve.market import MockExchange
from hft_core.serve.server import BackgroundServer, free_port
from hft_core.strategy import Context, Fill, Strategy
from hft_core.venues.base import Watch
from hft_core.venues.live import LiveVenue, live_venue
from hft_core.venues.replay.venue import ReplayVenue
from hft_core.venues.simulated.venue import SimulatedVenue

KEY, SECRET = "tester", "tester-secret"
SYMBOL = "ETHUSDT"


class Quoter(Strategy):
    """Takes once, then keeps one bid and one ask a few ticks outside the touch, renewed on a timer."""

    def __init__(self) -> None:
        self.fills: list[Fill] = []
        self.rounds = 0

    def on_start(self, ctx: Context) -> None:
        ctx.subscribe()
        ctx.set_timer(0.1)

    def on_timer(self, ctx: Context) -> None:
        book = ctx.book()
        bid, ask = book.best_bid, book.best_ask
        if bid is None or ask is None:
            return
        spec = ctx.instrument_spec()
        qty = 10 * spec.lot_size
        self.rounds += 1
        if self.rounds == 1:
            ctx.buy(qty)  # a market order: at least one fill
            return
        ctx.cancel_all()
        ctx.buy(qty, round(bid - 3 * spec.tick_size, 10))
        ctx.sell(qty, round(ask + 3 * spec.tick_size, 10))

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        self.fills.append(fill)


def wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


@pytest.fixture
def server() -> Iterator[BackgroundServer]:
    config = ServeConfig(load_exchanges(), seed=5, speed=5.0, session_s=3600.0, keys={KEY: SECRET}, faults=True)
    with BackgroundServer(config) as running:
        yield running


def records(server: BackgroundServer) -> MockExchange:
    found: MockExchange = server.app.state.exchanges["binance"]
    return found


def connect(server: BackgroundServer, **options: object) -> LiveVenue:
    defaults: dict[str, object] = {
        "interval_ms": 20,
        "heartbeat_timeout_s": 0.5,
        "backoff_s": 0.02,
        "max_backoff_s": 0.2,
    }
    defaults.update(options)
    return live_venue(f"ws://127.0.0.1:{server.port}/binance/{SYMBOL}", api_key=KEY, secret=SECRET, **defaults)


def book_is_one_the_server_sent(server: BackgroundServer, venue: LiveVenue) -> bool:
    ts, bids, asks = venue.book_snapshot(0)
    inst = venue.instruments[0]
    for sent in reversed(records(server).markets[SYMBOL].sent):
        if sent["ts"] == ts and len(sent["bids"]) == len(bids) and len(sent["asks"]) == len(asks):
            theirs = (
                [(inst.price_to_ticks(p), inst.qty_to_lots(q)) for p, q in sent["bids"]],
                [(inst.price_to_ticks(p), inst.qty_to_lots(q)) for p, q in sent["asks"]],
            )
            if theirs == (bids, asks):
                return True
    return False


def fills_match_the_servers(server: BackgroundServer, venue: LiveVenue, engine_fills: int, engine_qty: float) -> None:
    mine = [f for f in records(server).fills if f.client_order_id.startswith(f"{venue.session}-")]
    inst = venue.instruments[0]
    assert engine_fills == len(mine)
    assert engine_qty == pytest.approx(sum(inst.lots_to_qty(f.qty) for f in mine))


def inject(server: BackgroundServer, kind: str, **params: int) -> None:
    response = httpx.post(f"{server.url}/admin/faults", params={"kind": kind, **params}, timeout=5)
    assert response.status_code == 200, response.text


def test_the_same_strategy_runs_on_the_simulated_market_on_replay_and_on_hft_serve(server: BackgroundServer) -> None:
    simulated = Quoter()
    sim_result = Engine(simulated, create_scenario("single-instrument", seed=1, duration_s=3.0)).run()
    assert simulated.rounds > 5 and sim_result.stats["fills"] >= 1

    # replay: the same market's feed, recorded, replayed with the replay venue's own matching
    recorder = create_scenario("single-instrument", seed=1, duration_s=3.0, record=True)
    assert isinstance(recorder, SimulatedVenue)
    recorder.start()
    recorder.advance(recorder.end_ns, Watch())
    replayed = Quoter()
    replay_result = Engine(replayed, ReplayVenue(recorder.recorded_market_data(), recorder.instruments)).run()
    assert replayed.rounds > 5 and replay_result.stats["fills"] == len(replayed.fills) >= 1

    live = Quoter()
    with connect(server) as venue:
        result = Engine(live, venue, duration_s=1.5).run()
        time.sleep(0.3)  # the last cancels' answers (the server's records are read below)
    assert live.rounds > 5
    assert result.stats["fills"] == len(live.fills) >= 1
    fills_match_the_servers(server, venue, len(live.fills), sum(f.qty for f in live.fills))
    assert not venue._thread.is_alive()


@pytest.mark.parametrize(
    ("kind", "counter"),
    [("drop", "gaps"), ("duplicate", "duplicates"), ("reorder", "gaps"), ("malformed", "malformed")],
)
def test_a_bad_frame_is_noticed_and_the_book_is_the_servers_again(
    server: BackgroundServer, kind: str, counter: str
) -> None:
    with connect(server) as venue:
        venue.start()
        wait_for(lambda: venue.stats.frames >= 3)
        resyncs = venue.stats.resyncs
        inject(server, kind, count=2)
        wait_for(lambda: getattr(venue.stats, counter) >= 1)
        if kind in ("drop", "reorder"):
            wait_for(lambda: venue.stats.resyncs > resyncs)
        frames = venue.stats.frames
        wait_for(lambda: venue.stats.frames >= frames + 3)
        wait_for(lambda: book_is_one_the_server_sent(server, venue), 2.0)
        assert venue.stats.connects == 2  # the book stream and the user stream, never reconnected


def test_a_heartbeat_stall_reconnects(server: BackgroundServer) -> None:
    with connect(server) as venue:
        venue.start()
        wait_for(lambda: venue.stats.frames >= 2)
        inject(server, "stall", ms=1200)
        wait_for(lambda: venue.stats.heartbeat_timeouts >= 1, 3.0)
        frames = venue.stats.frames
        wait_for(lambda: venue.stats.frames >= frames + 3, 5.0)
        assert venue.stats.connects >= 3
        wait_for(lambda: book_is_one_the_server_sent(server, venue), 2.0)


class QuoterThatStops(Quoter):
    """`Quoter` for ``trade_s`` seconds of the run, then nothing open: no fill can come after the run ends."""

    def __init__(self, trade_s: float) -> None:
        super().__init__()
        self.trade_ns = int(trade_s * 1e9)
        self.started: int | None = None

    def on_timer(self, ctx: Context) -> None:
        self.started = ctx.now if self.started is None else self.started
        if ctx.now - self.started < self.trade_ns:
            super().on_timer(ctx)
        elif ctx.open_orders():
            ctx.cancel_all()


def test_fills_while_the_streams_are_down_are_reconciled_once(server: BackgroundServer) -> None:
    # Quotes for 2 s, with every stream disconnected at 0.6 s and 1.4 s; the run lasts 4 s, so the reconnects,
    # their reconciles and the final cancels all happen inside it, however busy the machine is.
    strategy = QuoterThatStops(trade_s=2.0)
    with connect(server) as venue:
        engine = Engine(strategy, venue, duration_s=4.0)
        timers = [__import__("threading").Timer(delay, inject, (server, "disconnect")) for delay in (0.6, 1.4)]
        for timer in timers:
            timer.start()
        result = engine.run()
        for timer in timers:
            timer.join()
        wait_for(lambda: venue.stats.disconnects >= 2 and venue.stats.reconciles >= 3, 5.0)
    assert venue.stats.disconnects >= 2 and venue.stats.reconciles >= 3
    assert result.stats["fills"] == len(strategy.fills) >= 1
    fills_match_the_servers(server, venue, len(strategy.fills), sum(f.qty for f in strategy.fills))


@pytest.mark.slow
def test_the_server_killed_and_restarted() -> None:
    port = free_port()
    command = [str(Path(sys.executable).with_name("hft")), "serve", "--port", str(port), "--key", f"{KEY}:{SECRET}",
               "--speed", "5", "--session", "3600", "--log-level", "warning"]  # fmt: skip

    def launch() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    return process
            except httpx.HTTPError:
                time.sleep(0.1)
        process.kill()
        raise AssertionError("hft serve did not start")

    first = launch()
    second: subprocess.Popen[bytes] | None = None
    try:
        url = f"ws://127.0.0.1:{port}/binance/{SYMBOL}"
        with live_venue(url, api_key=KEY, secret=SECRET, interval_ms=20, heartbeat_timeout_s=0.5, backoff_s=0.05,
                        max_backoff_s=0.3) as venue:  # fmt: skip
            venue.start()
            inst = venue.instruments[0]
            bid = venue.top(0).bid_price
            assert bid is not None
            venue.submit(time.time_ns(), 0, 1, BUY, OrderType.LIMIT, bid - 50, 10)  # a resting buy
            wait_for(lambda: any(r.order_id == 1 for r in venue._reports))
            ts_before = venue.book_snapshot(0)[0]
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)
            time.sleep(0.5)
            second = launch()
            wait_for(lambda: venue.stats.server_restarts == 1, 10.0)
            wait_for(lambda: venue.book_snapshot(0)[0] != ts_before and venue.stats.resyncs >= 2, 10.0)
            # the new server has none of the old one's orders: the client reports its order cancelled
            statuses = [r.status.name for r in venue._reports if r.order_id == 1]
            assert statuses == ["ACCEPTED", "CANCELLED"]
            snapshot = httpx.get(f"http://127.0.0.1:{port}/api/binance/orderbook/{SYMBOL}", timeout=5).json()
            assert snapshot["ts"] >= venue.book_snapshot(0)[0] - 5 * 10**9
            assert inst.symbol == SYMBOL

            def book_is_the_new_servers() -> bool:
                """The client's book, level for level, is a snapshot the restarted server answers now (it
                holds whenever the book did not change within the client's last frame interval)."""
                fresh = httpx.get(f"http://127.0.0.1:{port}/api/binance/orderbook/{SYMBOL}", timeout=5).json()
                _, bids, asks = venue.book_snapshot(0)
                theirs = (
                    [(inst.price_to_ticks(p), inst.qty_to_lots(q)) for p, q in fresh["bids"]],
                    [(inst.price_to_ticks(p), inst.qty_to_lots(q)) for p, q in fresh["asks"]],
                )
                return theirs == (bids, asks)

            wait_for(book_is_the_new_servers, 10.0)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(10)
