"""The live venue speaking the Binance dialect (``binance+ws://``) against hft serve on 127.0.0.1 (#23): the same
strategy trades through signed ``/api/v3/order`` and the listen-key stream; its fills are the server's records
exactly; a fill made while the user stream is down is reconciled once; a bad key is one line and exit 2.

Each test is bounded: servers on free ports, stopped at the end; every wait has a deadline.
"""

from __future__ import annotations

import asyncio
import json
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
from hft_core import ConfigError, resolve_run
from hft_core.cli import main
from hft_core.engine.loop import Engine
from hft_core.events import BUY
from hft_core.matching.orders import OrderStatus, OrderType
from hft_core.runs import create_scenario
from hft_core.serve.app import ServeConfig
from hft_core.serve.auth import signed_query
from hft_core.serve.exchanges import load_exchanges
from hft_core.serve.market import MockExchange
from hft_core.serve.server import BackgroundServer, free_port
from hft_core.strategy import Context, Fill, Strategy
from hft_core.venues.live import LiveVenue, live_venue
from hft_core.venues.live.binance import BinanceLiveVenue, parse_binance_url

KEY, SECRET = "binancer", "binancer-secret"
SYMBOL = "ETHUSDT"


class Taker(Strategy):
    """A market buy, then a marketable limit buy (fills as a taker), then a bid and an ask a few ticks outside the
    touch, cancelled and renewed on a timer."""

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
            ctx.buy(qty)
        elif self.rounds == 2:
            ctx.buy(qty, round(ask + 2 * spec.tick_size, 10))
        else:
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
    config = ServeConfig(load_exchanges(), seed=7, speed=5.0, session_s=3600.0, keys={KEY: SECRET}, faults=True)
    with BackgroundServer(config) as running:
        yield running


def records(server: BackgroundServer) -> MockExchange:
    found: MockExchange = server.app.state.exchanges["binance"]
    return found


def url_of(server: BackgroundServer) -> str:
    return f"binance+ws://127.0.0.1:{server.port}/binance/{SYMBOL}"


def connect(server: BackgroundServer, **options: object) -> LiveVenue:
    defaults: dict[str, object] = {"heartbeat_timeout_s": 0.5, "backoff_s": 0.02, "max_backoff_s": 0.2}
    defaults.update(options)
    return live_venue(url_of(server), api_key=KEY, secret=SECRET, **defaults)


def the_fills_are_the_servers(server: BackgroundServer, venue: LiveVenue, strategy: Taker) -> None:
    """Every fill of the session on the server reached the venue and the strategy once, with its id, price, size
    and fee."""
    inst = venue.instruments[0]
    theirs = [f for f in records(server).fills if f.client_order_id.startswith(f"{venue.session}-")]
    assert sorted((f.fill_id, f.client_order_id, f.price, f.qty, f.maker) for f in theirs) == sorted(
        (f.fill_id, venue.client_order_id(f.order_id), f.price, f.qty, f.maker) for f in venue.fills
    )
    fees = {f.fill_id: inst.fees.fee(inst.notional(f.price, f.qty), maker=f.maker) for f in theirs}
    for fill in venue.fills:
        assert fill.fee == pytest.approx(fees[fill.fill_id], abs=1e-8)
    assert sorted(
        (f.order_id, f.price, f.qty, round(f.fee, 8), f.maker) for f in strategy.fills
    ) == sorted(
        (int(f.client_order_id.rpartition("-")[2]), inst.ticks_to_price(f.price), inst.lots_to_qty(f.qty),
         round(fees[f.fill_id], 8), f.maker)
        for f in theirs
    )  # fmt: skip


def test_parse_binance_url() -> None:
    (one,) = parse_binance_url("binance+ws://127.0.0.1:8000/binance/ethusdt")
    assert (one.stream_url, one.rest_url, one.symbol) == ("ws://127.0.0.1:8000/binance", "http://127.0.0.1:8000/binance",
                                                          "ETHUSDT")  # fmt: skip
    real = parse_binance_url("binance+wss://stream.binance.com:9443/BTCUSDT,ETHUSDT")
    assert [e.symbol for e in real] == ["BTCUSDT", "ETHUSDT"] and real[0].rest_url == "https://api.binance.com"
    for bad in ("ws://127.0.0.1:8000/binance/ETHUSDT", "binance+ws:///ETHUSDT", "binance+ws://h:1/a/ETH,"):
        with pytest.raises(ConfigError):
            parse_binance_url(bad)
    spec = resolve_run("passive-mm", venue_url="binance+ws://127.0.0.1:9/binance/ETHUSDT", duration_s=5.0)
    assert spec.venue_url == "binance+ws://127.0.0.1:9/binance/ETHUSDT"


def test_a_strategy_trades_through_the_binance_dialect(server: BackgroundServer) -> None:
    simulated = Taker()  # the same class on the simulated market first (this also warms the engine up)
    assert Engine(simulated, create_scenario("single-instrument", seed=1, duration_s=2.0)).run().stats["fills"] >= 2
    strategy = Taker()
    with connect(server, keepalive_s=0.3) as venue:
        assert isinstance(venue, BinanceLiveVenue)
        result = Engine(strategy, venue, duration_s=2.0).run()
        time.sleep(0.3)  # the last cancels' answers (the server's records are read below)
    assert strategy.rounds > 5 and venue.stats.resyncs >= 1 and venue.stats.frames > 0
    assert isinstance(venue, BinanceLiveVenue) and venue.keepalives >= 1
    orders = [o for o in records(server).orders.values() if o.client_order_id.startswith(f"{venue.session}-")]
    kinds = {(o.order_type, o.status) for o in orders}
    assert ("market", "filled") in kinds and ("limit", "filled") in kinds and ("limit", "cancelled") in kinds
    assert result.stats["fills"] == len(strategy.fills) == len(venue.fills) >= 2
    the_fills_are_the_servers(server, venue, strategy)
    assert not venue._thread.is_alive()


def test_a_fill_while_the_user_stream_is_down_is_reconciled_once(server: BackgroundServer) -> None:
    metrics_port = free_port()
    with connect(server, backoff_s=0.6, max_backoff_s=0.6, metrics_port=metrics_port) as venue:
        venue.start()
        reconciles = venue.stats.reconciles
        assert reconciles == 1
        venue.submit(time.time_ns(), 0, 1, BUY, OrderType.MARKET, 0, 10)  # a fill reported on the stream
        wait_for(lambda: len(venue.fills) == 1)
        disconnects = venue.stats.disconnects
        response = httpx.post(f"{server.url}/admin/faults", params={"kind": "disconnect"}, timeout=5)
        assert response.status_code == 200, response.text
        wait_for(lambda: venue.stats.disconnects > disconnects, 2.0)
        wait_for(lambda: not records(server).subscribers.get(KEY), 0.25)  # the user stream is down (0.3-0.9 s)
        venue.submit(time.time_ns(), 0, 2, BUY, OrderType.MARKET, 0, 20)
        wait_for(lambda: any(o.client_order_id == venue.client_order_id(2) for o in records(server).orders.values()))
        wait_for(lambda: len(venue.fills) >= 2 and venue.stats.reconciles == reconciles + 1, 5.0)
        time.sleep(0.3)
        reports = [(r.order_id, r.status) for r in venue._reports]
        scraped = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text.splitlines()
    assert f'hft_live_position{{symbol="{SYMBOL}"}} 0.003' in scraped and "hft_live_reconciles_total 2.0" in scraped
    assert reports.count((2, OrderStatus.FILLED)) == 1 and reports.count((1, OrderStatus.FILLED)) == 1
    theirs = [f for f in records(server).fills if f.client_order_id.startswith(f"{venue.session}-")]
    assert sorted((f.fill_id, f.price, f.qty) for f in theirs) == sorted(
        (f.fill_id, f.price, f.qty) for f in venue.fills
    )
    assert sum(f.qty for f in venue.fills) == venue.positions[0] == 30


def test_a_retried_create_never_makes_a_second_order(server: BackgroundServer) -> None:
    with connect(server) as venue:
        venue.start()
        bid = venue.top(0).bid_price
        assert bid is not None
        venue.submit(time.time_ns(), 0, 1, BUY, OrderType.LIMIT, bid - 20, 10)
        wait_for(lambda: any(r.order_id == 1 for r in venue._reports))
        # the create again, as after a lost answer: Binance says -2010 "Duplicate order sent.", the venue asks
        asyncio.run_coroutine_threadsafe(venue._create(1), venue._loop).result(5)
        venue.cancel(time.time_ns(), 0, 1)
        wait_for(lambda: any(r.status == OrderStatus.CANCELLED for r in venue._reports))
        statuses = [r.status for r in venue._reports if r.order_id == 1]
    mine = [o for o in records(server).orders.values() if o.client_order_id == venue.client_order_id(1)]
    assert len(mine) == 1 and mine[0].status == "cancelled"
    assert statuses == [OrderStatus.ACCEPTED, OrderStatus.CANCELLED]


def test_my_trades_are_the_most_recent_unless_from_id_says(server: BackgroundServer) -> None:
    with connect(server) as venue:
        venue.start()
        for order_id in (1, 2, 3):
            venue.submit(time.time_ns(), 0, order_id, BUY, OrderType.MARKET, 0, 10)
        wait_for(lambda: len(venue.fills) == 3)
    ids = sorted(f.fill_id for f in venue.fills)

    def trades(**params: object) -> list[int]:
        query = signed_query(SECRET, {"symbol": SYMBOL, **params})
        answer = httpx.get(f"{server.url}/binance/api/v3/myTrades?{query}", headers={"X-MBX-APIKEY": KEY}, timeout=5)
        assert answer.status_code == 200, answer.text
        return [int(t["id"]) for t in answer.json()]

    assert trades(limit=1) == ids[-1:] and trades(limit=2) == ids[-2:] and trades() == ids
    assert trades(fromId=ids[0], limit=1) == ids[:1] and trades(fromId=ids[1]) == ids[1:]


def test_a_bad_key_is_one_line_and_exit_2(
    server: BackgroundServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ConfigError, match="the API key or secret was refused: 400 Signature"):
        live_venue(url_of(server), api_key=KEY, secret="not-the-secret")
    monkeypatch.setenv("HFT_API_KEY", "nobody")
    monkeypatch.setenv("HFT_API_SECRET", SECRET)
    with pytest.raises(SystemExit) as stop:
        main(["run", "passive-mm", "--venue", url_of(server), "--duration", "2", "-o", str(tmp_path / "r"), "-q"])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert (
        err.startswith("error: ")
        and "the API key or secret was refused: 401 Invalid API-key" in err
        and "\n" not in err
    )


def test_hft_run_trades_through_the_binance_dialect(
    server: BackgroundServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HFT_API_KEY", KEY)
    monkeypatch.setenv("HFT_API_SECRET", SECRET)
    out = tmp_path / "live"
    try:
        main(["run", "passive-mm", "--venue", url_of(server), "--duration", "3", "--set", "tick_ms=100", "-o",
              str(out), "-q"])  # fmt: skip
    except SystemExit as stop:
        assert stop.code in (0, None), capsys.readouterr().err
    meta = json.loads((out / "run.json").read_text())
    assert meta["status"] == "complete" and meta["venue_url"] == url_of(server)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["orders"] > 0 and summary["venue"] == f"live:{url_of(server)}"
    placed = list(records(server).orders.values())
    assert len(placed) == summary["orders"] and all(o.key == KEY for o in placed)


@pytest.mark.slow
def test_the_server_killed_and_restarted_under_a_binance_dialect_venue() -> None:
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
        url = f"binance+ws://127.0.0.1:{port}/binance/{SYMBOL}"
        with live_venue(url, api_key=KEY, secret=SECRET, heartbeat_timeout_s=0.5, backoff_s=0.05,
                        max_backoff_s=0.3) as venue:  # fmt: skip
            venue.start()
            bid = venue.top(0).bid_price
            assert bid is not None
            venue.submit(time.time_ns(), 0, 1, BUY, OrderType.MARKET, 0, 10)  # fill id 1 on the first server
            venue.submit(time.time_ns(), 0, 2, BUY, OrderType.LIMIT, bid - 50, 10)  # a resting buy
            wait_for(lambda: len(venue.fills) == 1 and any(r.order_id == 2 for r in venue._reports))
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)
            time.sleep(0.5)
            second = launch()
            wait_for(lambda: venue.stats.server_restarts == 1, 10.0)
            # the new server has none of the old one's orders: the client reports its order cancelled
            wait_for(lambda: [r.status for r in venue._reports if r.order_id == 2][-1] == OrderStatus.CANCELLED)
            wait_for(lambda: venue.stats.resyncs >= 2, 10.0)
            venue.submit(time.time_ns(), 0, 3, BUY, OrderType.MARKET, 0, 20)  # fill id 1 again, on the new server
            wait_for(lambda: len(venue.fills) == 2, 5.0)
            assert [(f.fill_id, f.order_id, f.qty) for f in venue.fills] == [(1, 1, 10), (1, 3, 20)]
            assert [r.status for r in venue._reports if r.order_id == 2] == [OrderStatus.ACCEPTED,
                                                                             OrderStatus.CANCELLED]  # fmt: skip
            inst = venue.instruments[0]

            def book_is_the_new_servers() -> bool:
                """The client's book (its 20 levels a side), level for level, is the restarted server's /depth
                now (it holds whenever the book did not change within the stream's last 100 ms)."""
                depth = httpx.get(f"http://127.0.0.1:{port}/binance/api/v3/depth",
                                  params={"symbol": SYMBOL, "limit": 20}, timeout=5).json()  # fmt: skip
                _, bids, asks = venue.book_snapshot(0)
                theirs = (
                    [(inst.price_to_ticks(float(p)), inst.qty_to_lots(float(q))) for p, q in depth["bids"]],
                    [(inst.price_to_ticks(float(p)), inst.qty_to_lots(float(q))) for p, q in depth["asks"]],
                )
                return theirs == (bids, asks)

            wait_for(book_is_the_new_servers, 10.0)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(10)
