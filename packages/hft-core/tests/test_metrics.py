"""Prometheus metrics of `hft serve` and of a live run (#23), scraped over HTTP on 127.0.0.1.

Every read and stream has a timeout; the live run lasts two seconds of wall-clock time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("prometheus_client")
import httpx
from hft_core.engine.loop import Engine
from hft_core.serve.app import ServeConfig
from hft_core.serve.auth import signed_query
from hft_core.serve.exchanges import load_exchanges
from hft_core.serve.server import BackgroundServer, free_port
from hft_core.strategy import Context, Strategy
from hft_core.venues.live import live_venue
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import connect

KEYS = {"alice": "alice-secret"}
TIMEOUT = 5.0


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of ``url``'s metrics, by name and sorted labels."""
    text = httpx.get(url, timeout=TIMEOUT).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    config = ServeConfig(load_exchanges(), seed=2, speed=10.0, session_s=3600.0, keys=KEYS, rate=1000.0, burst=1000)
    with BackgroundServer(config) as running:
        yield running


def test_hft_serve_counts_messages_connections_requests_and_order_round_trips(server: BackgroundServer) -> None:
    metrics_url = f"{server.url}/metrics"
    before = scrape(metrics_url)
    book_key = ("hft_serve_ws_messages_total", (("stream", "book"),))
    with connect(
        f"ws://127.0.0.1:{server.port}/ws/orderbook/binance/ETHUSDT?interval_ms=20", open_timeout=TIMEOUT
    ) as ws:
        received = sum(1 for _ in range(5) if ws.recv(timeout=TIMEOUT))
        during = scrape(metrics_url)
    assert during[("hft_serve_ws_connections", (("stream", "book"),))] == 1
    assert during[book_key] - before.get(book_key, 0.0) >= received

    with httpx.Client(base_url=server.url, timeout=TIMEOUT) as http:
        bid = float(http.get("/api/binance/orderbook/ETHUSDT").json()["bids"][0][0])
        order = {"symbol": "ETHUSDT", "side": "buy", "qty": 0.01, "price": round(bid * 0.9, 2), "client_order_id": "m1"}
        created = http.post(f"/api/binance/order?{signed_query(KEYS['alice'], order)}", headers={"X-API-KEY": "alice"})
        assert created.status_code == 201
        cancel = {"symbol": "ETHUSDT", "client_order_id": "m1"}
        http.delete(f"/api/binance/order?{signed_query(KEYS['alice'], cancel)}", headers={"X-API-KEY": "alice"})
        http.get("/api/binance/orderbook/NOPE")
    deadline = time.monotonic() + TIMEOUT
    after = scrape(metrics_url)
    while after[("hft_serve_ws_connections", (("stream", "book"),))] != 0 and time.monotonic() < deadline:
        time.sleep(0.05)
        after = scrape(metrics_url)
    assert after[("hft_serve_ws_connections", (("stream", "book"),))] == 0
    records = server.app.state.exchanges["binance"]
    assert after[("hft_serve_orders_total", (("exchange", "binance"),))] == len(records.orders) == 1
    assert after[("hft_serve_open_orders", (("exchange", "binance"),))] == 0
    for action in ("create", "cancel"):
        labels = (("action", action), ("api", "seed"))
        assert after[("hft_serve_order_round_trip_seconds_count", labels)] == 1
        assert 0 < after[("hft_serve_order_round_trip_seconds_sum", labels)] < TIMEOUT
    route = "/api/{exchange}/order"
    assert after[("hft_serve_http_requests_total", (("method", "POST"), ("route", route), ("status", "201")))] == 1
    nope = (("method", "GET"), ("route", "/api/{exchange}/orderbook/{symbol}"), ("status", "404"))
    assert after[("hft_serve_http_requests_total", nope)] == 1


class BuyOnce(Strategy):
    """One market buy, then one resting bid far from the touch."""

    def __init__(self) -> None:
        self.sent = 0

    def on_start(self, ctx: Context) -> None:
        ctx.subscribe()
        ctx.set_timer(0.2)

    def on_timer(self, ctx: Context) -> None:
        book = ctx.book()
        if self.sent or book.best_bid is None:
            return
        lot = ctx.instrument_spec().lot_size
        ctx.buy(10 * lot)
        ctx.buy(10 * lot, round(book.best_bid * 0.9, 2))
        self.sent = 2


def test_a_live_run_serves_its_metrics(server: BackgroundServer, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    monkeypatch.setenv("HFT_METRICS_PORT", str(port))
    venue = live_venue(f"ws://127.0.0.1:{server.port}/binance/ETHUSDT", api_key="alice", secret=KEYS["alice"])
    try:
        result = Engine(BuyOnce(), venue, duration_s=2.0).run()
        samples = scrape(f"http://127.0.0.1:{port}/metrics")
        frames = venue.stats.frames
    finally:
        venue.close()
    assert 0 < samples[("hft_live_frames_total", ())] <= frames
    assert samples[("hft_live_connects_total", ())] >= 1 and samples[("hft_live_gaps_total", ())] == 0
    assert samples[("hft_live_order_round_trip_seconds_count", ())] == 2
    assert 0 < samples[("hft_live_order_round_trip_seconds_sum", ())] < 2 * TIMEOUT
    bought = float(result.fills["qty"].sum())
    assert bought > 0 and samples[("hft_live_position", (("symbol", "ETHUSDT"),))] == pytest.approx(bought)
    pnl = samples[("hft_live_pnl", (("symbol", "ETHUSDT"),))]
    assert math.isfinite(pnl) and pnl == pytest.approx(float(result.stats["pnl"]), abs=0.01)
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=1.0)  # closed with the venue
