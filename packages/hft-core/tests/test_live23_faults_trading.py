"""Each book-stream fault of #23 while a strategy trades through the live venue: dropped frames (a ``seq`` gap),
duplicated, out-of-order and malformed frames, and a heartbeat stall. After each, the client's book is one the
server sent, and against the server's records no order or fill is lost or duplicated: every order the engine
placed is on the server once (by client order id) and closed, and every fill of the server's records reached the
engine exactly once.

One server on 127.0.0.1 (a free port) for the module; the fault is injected once the strategy has quoted a few
times; every wait is bounded. Marked slow (about 20 s): `test_live_venue.py` has the same faults without trading.

A slow consumer of the live venue's own reader, last: the venue's event loop stops reading while the strategy keeps
trading. The server holds at most ``send_queue`` frames for it and drops the oldest (never buffering without bound);
the venue, reading again, finds the ``seq`` gap and resyncs from a snapshot, so its book is one the server sent, and
every fill of the server's records reaches the engine once. A small kernel send buffer at the server (``SO_SNDBUF``
4 kB) makes the path fill in about 3 s (the client's kernel receive buffer, about 200 frames, then the server's
64 kB write buffer) instead of the megabytes a loopback connection otherwise grows to. That test has a server of
its own.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator

import pytest

pytest.importorskip("fastapi")
import httpx
from hft_core.engine.loop import Engine
from hft_core.runs import create_scenario
from hft_core.serve.app import ServeConfig
from hft_core.serve.auth import signed_query
from hft_core.serve.exchanges import load_exchanges
from hft_core.serve.market import OPEN_STATUSES, MockExchange
from hft_core.serve.server import BackgroundServer
from hft_core.strategy import Context, Fill, Strategy
from hft_core.venues.live import LiveVenue, live_venue

KEY, SECRET = "faulty", "faulty-secret"
SYMBOL = "ETHUSDT"


class QuoteThenStop(Strategy):
    """A market buy, then a bid and an ask ``ticks_out`` ticks outside the touch renewed every 0.1 s, for
    ``trade_s`` seconds; then it cancels until nothing is open (so no fill can land after the run)."""

    def __init__(self, trade_s: float, ticks_out: int = 2) -> None:
        self.trade_ns = int(trade_s * 1e9)
        self.ticks_out = ticks_out
        self.fills: list[Fill] = []
        self.rounds = 0
        self.started: int | None = None

    def on_start(self, ctx: Context) -> None:
        ctx.subscribe()
        ctx.set_timer(0.1)

    def on_timer(self, ctx: Context) -> None:
        self.started = ctx.now if self.started is None else self.started
        if ctx.now - self.started >= self.trade_ns:
            if ctx.open_orders():
                ctx.cancel_all()
            return
        book = ctx.book()
        bid, ask = book.best_bid, book.best_ask
        if bid is None or ask is None:
            return
        spec = ctx.instrument_spec()
        qty = 10 * spec.lot_size
        self.rounds += 1
        if self.rounds == 1:
            ctx.buy(qty)
            return
        ctx.cancel_all()
        ctx.buy(qty, round(bid - self.ticks_out * spec.tick_size, 10))
        ctx.sell(qty, round(ask + self.ticks_out * spec.tick_size, 10))

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        self.fills.append(fill)


def wait_for(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    config = ServeConfig(
        load_exchanges(), seed=21, speed=5.0, session_s=3600.0, keys={KEY: SECRET}, rate=10_000.0, burst=10_000,
        faults=True,
    )  # fmt: skip
    # the engine's first orders in this process compile its kernels (seconds, which the first test would spend
    # with its timers held up): a short simulated run first
    Engine(QuoteThenStop(trade_s=0.5), create_scenario("single-instrument", seed=1, duration_s=1.0)).run()
    with BackgroundServer(config) as running:
        # the market built and its first order matched
        query = signed_query(SECRET, {"symbol": SYMBOL, "side": "buy", "type": "market", "qty": 0.01,
                                      "client_order_id": "warm-up"})  # fmt: skip
        response = httpx.post(f"{running.url}/api/binance/order?{query}", headers={"X-API-KEY": KEY}, timeout=30.0)
        assert response.status_code == 201, response.text
        yield running


def none_open(exchange: MockExchange, prefix: str) -> bool:
    """No order whose client id starts with ``prefix`` (a venue session's) is open on the server."""
    return not any(
        r.status in OPEN_STATUSES for r in list(exchange.orders.values()) if r.client_order_id.startswith(prefix)
    )


def book_is_one_the_server_sent(exchange: MockExchange, venue: LiveVenue) -> bool:
    ts, bids, asks = venue.book_snapshot(0)
    inst = venue.instruments[0]
    for sent in reversed(exchange.markets[SYMBOL].sent):
        if sent["ts"] == ts:
            theirs = (
                [(inst.price_to_ticks(p), inst.qty_to_lots(q)) for p, q in sent["bids"]],
                [(inst.price_to_ticks(p), inst.qty_to_lots(q)) for p, q in sent["asks"]],
            )
            if theirs == (bids, asks):
                return True
    return False


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "params", "counter"),
    [
        ("drop", {"count": 3}, "gaps"),
        ("duplicate", {"count": 3}, "duplicates"),
        ("reorder", {"count": 2}, "gaps"),
        ("malformed", {"count": 3}, "malformed"),
        ("stall", {"ms": 900}, "heartbeat_timeouts"),
    ],
)
def test_a_book_fault_while_trading_loses_and_duplicates_nothing(
    server: BackgroundServer, kind: str, params: dict[str, int], counter: str
) -> None:
    exchange: MockExchange = server.app.state.exchanges["binance"]
    strategy = QuoteThenStop(trade_s=1.0)
    injected: list[object] = []

    def inject_when_quoting() -> None:
        if not wait_for(lambda: strategy.rounds >= 3, 15.0):
            injected.append("the strategy did not quote")
            return
        try:
            response = httpx.post(f"{server.url}/admin/faults", params={"kind": kind, **params}, timeout=10.0)
            injected.append(response.status_code)
        except httpx.HTTPError as exc:
            injected.append(exc)

    with live_venue(
        f"ws://127.0.0.1:{server.port}/binance/{SYMBOL}", api_key=KEY, secret=SECRET, interval_ms=20,
        heartbeat_timeout_s=0.5, backoff_s=0.02, max_backoff_s=0.2,
    ) as venue:  # fmt: skip
        injector = threading.Thread(target=inject_when_quoting, daemon=True)
        injector.start()
        result = Engine(strategy, venue, duration_s=2.6).run()
        injector.join(15.0)
        assert injected == [200], (injected, strategy.rounds, venue.stats)
        assert getattr(venue.stats, counter) >= 1, venue.stats
        mine = f"{venue.session}-"
        assert wait_for(lambda: none_open(exchange, mine), 5.0)
        assert wait_for(lambda: book_is_one_the_server_sent(exchange, venue), 2.0)
        placed = sorted(r.client_order_id for r in exchange.orders.values() if r.client_order_id.startswith(mine))
        engine_orders = sorted(venue.client_order_id(order_id) for order_id in venue._orders)
    assert placed == engine_orders  # every order once on the server, none it does not know
    fills = [f for f in exchange.fills if f.client_order_id.startswith(mine)]
    assert strategy.rounds > 5 and result.stats["fills"] == len(strategy.fills) == len(fills) >= 1
    assert sorted(f.fill_id for f in venue.fills) == [f.fill_id for f in fills]
    inst = venue.instruments[0]
    assert sum(f.qty for f in strategy.fills) == pytest.approx(sum(inst.lots_to_qty(f.qty) for f in fills))


SEND_QUEUE = 4


class Stall:
    """Stops the venue's event loop (its sockets' only reader) once it has read a few frames, until the server has
    dropped a frame for it (at most ``limit_s``)."""

    def __init__(self, venue: LiveVenue, exchange: MockExchange, limit_s: float) -> None:
        self.venue, self.exchange, self.limit_s = venue, exchange, limit_s
        self.released = threading.Event()
        self.dropped_while_stalled = False
        self.frames_before = 0
        self.thread = threading.Thread(target=self._run, name="stall", daemon=True)

    def _run(self) -> None:
        if not wait_for(lambda: self.venue.stats.frames >= 5, 5.0):
            return

        async def stop_reading() -> None:
            self.released.wait(self.limit_s + 1.0)  # blocks the loop: nothing is read, nothing is sent

        self.frames_before = self.venue.stats.frames
        asyncio.run_coroutine_threadsafe(stop_reading(), self.venue._loop)
        self.dropped_while_stalled = wait_for(lambda: self.exchange.book_frames_dropped > 0, self.limit_s)
        self.released.set()


def test_a_live_venue_that_stops_reading_resyncs_after_a_gap_and_misses_no_fill() -> None:
    config = ServeConfig(
        load_exchanges(), seed=11, speed=5.0, session_s=3600.0, keys={KEY: SECRET}, rate=10_000.0, burst=10_000,
        send_queue=SEND_QUEUE,
    )  # fmt: skip
    with BackgroundServer(config, send_buffer_bytes=4096) as server:
        exchange: MockExchange = server.app.state.exchanges["binance"]
        strategy = QuoteThenStop(trade_s=2.0, ticks_out=3)
        with live_venue(
            f"ws://127.0.0.1:{server.port}/binance/{SYMBOL}", api_key=KEY, secret=SECRET, interval_ms=10,
            heartbeat_timeout_s=10.0, backoff_s=0.02, max_backoff_s=0.2,
        ) as venue:  # fmt: skip
            stall = Stall(venue, exchange, limit_s=6.0)
            stall.thread.start()
            result = Engine(strategy, venue, duration_s=8.0).run()
            stall.released.set()
            stall.thread.join(5.0)
            gaps_after_stall = venue.stats.gaps
            mine = f"{venue.session}-"
            settled = wait_for(lambda: none_open(exchange, mine), 5.0)
            assert stall.dropped_while_stalled, "the server never dropped a frame for the stalled reader"
            assert settled, "orders of the run still open on the server"
            # the server kept at most its queue: it dropped frames rather than hold them all
            assert exchange.book_frames_dropped >= 1
            # the venue noticed what it missed and resynced, without reconnecting (book and user stream: 2)
            assert gaps_after_stall >= 1 and venue.stats.resyncs >= 2, (venue.stats, exchange.book_frames_dropped)
            assert venue.stats.connects == 2 and venue.stats.heartbeat_timeouts == 0
            assert wait_for(lambda: book_is_one_the_server_sent(exchange, venue), 2.0)
            metrics = httpx.get(f"{server.url}/metrics", timeout=5.0).text
            assert f'hft_serve_book_frames_dropped_total{{exchange="binance"}} {exchange.book_frames_dropped}.0' in (
                metrics
            )
        fills = [f for f in exchange.fills if f.client_order_id.startswith(mine)]
        inst = venue.instruments[0]
        assert strategy.rounds > 5 and result.stats["fills"] == len(strategy.fills) == len(fills) >= 1
        assert sorted(f.fill_id for f in venue.fills) == [f.fill_id for f in fills]  # each once
        assert sum(f.qty for f in strategy.fills) == pytest.approx(sum(inst.lots_to_qty(f.qty) for f in fills))
