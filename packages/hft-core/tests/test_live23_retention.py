"""hft serve forgets closed orders and old fills after a bounded retention (#23: flat memory over a long session):
under a stream of orders the order table stays bounded, by age and by count; a forgotten order answers "unknown
order" (404; the Binance dialect's -2013 / -2011) and its client order id is free again; orders within the
retention still answer retried creates idempotently; fill ids stay contiguous and ``from_id`` queries start from
the oldest fill kept; balances, being running totals, do not change when fills are forgotten.

The first tests drive one exchange in-process on a fake clock (no sockets, no sleeps); the last serves it on
127.0.0.1 (a free port) with a small count bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("fastapi")
import httpx
from hft_core.serve.app import ServeConfig
from hft_core.serve.auth import signed_query
from hft_core.serve.binance import balances
from hft_core.serve.exchanges import load_exchanges
from hft_core.serve.market import OPEN_STATUSES, MockExchange, MockMarket, OrderError
from hft_core.serve.server import BackgroundServer

KEY, SECRET = "keeper", "keeper-secret"
HftCli = Callable[[list[str]], tuple[int, str, str]]
SYMBOL = "ETHUSDT"
STEP_NS = 100_000_000
"""The fake clock moves 0.1 s per order."""


class FakeClock:
    def __init__(self) -> None:
        self.ns = 1_000_000_000

    def __call__(self) -> int:
        return self.ns


def exchange_on(clock: FakeClock, **options: Any) -> MockExchange:
    return MockExchange(load_exchanges()["binance"], seed=4, speed=1.0, session_s=3600.0, clock=clock, **options)


def drain(queue: asyncio.Queue[dict[str, Any] | None], into: list[dict[str, Any]]) -> None:
    while not queue.empty():
        event = queue.get_nowait()
        assert event is not None, "the test's own subscription was dropped as a slow consumer"
        into.append(event)


def place(market: MockMarket, n: int) -> None:
    """Order ``n`` of the stream: every fourth a market buy (it fills), the others a bid far under the market,
    cancelled at once."""
    lot = market.instrument.lot_size
    if n % 4 == 0:
        market.create(KEY, f"o-{n}", "buy", "market", None, 10 * lot)
        return
    bid = market.venue.top(0).bid_price
    assert bid is not None
    price = market.instrument.ticks_to_price(bid - 200)
    record, new = market.create(KEY, f"o-{n}", "buy", "limit", price, 10 * lot)
    assert new and record.status == "open"
    market.cancel(record)
    assert record.status == "cancelled"


def test_closed_orders_and_fills_are_forgotten_after_the_retention() -> None:
    clock = FakeClock()
    exchange = exchange_on(clock, retention_s=5.0)
    market = exchange.market(SYMBOL)
    events: list[dict[str, Any]] = []
    queue = exchange.subscribe(KEY)
    bound = round(5.0 / (STEP_NS / 1e9)) + 2  # closed in the last 5 s (one per step), and the one just placed
    most = 0
    for n in range(400):
        clock.ns += STEP_NS
        place(market, n)
        market.sync()
        drain(queue, events)
        most = max(most, len(exchange.orders))
        assert len(exchange.orders) <= bound
        assert len(market.orders) == len(exchange.orders)
        assert len(exchange.by_client) == len(exchange.orders)
    assert exchange.order_count == 400 and exchange.orders_forgotten == 400 - len(exchange.orders)
    assert most >= bound - 3  # the bound is the retention, not something smaller

    # a long-closed order is gone: "unknown order", and its client order id may be used again
    with pytest.raises(OrderError) as gone:
        exchange.find(KEY, client_order_id="o-1")
    assert gone.value.status == 404
    with pytest.raises(OrderError):
        exchange.find(KEY, order_id=2)
    # a recently closed one is still there, and a retried create answers it (idempotent within the retention)
    recent = exchange.find(KEY, client_order_id="o-398")
    assert recent.status == "cancelled"
    lot = market.instrument.lot_size
    again, new = market.create(KEY, "o-398", "buy", "limit", market.instrument.ticks_to_price(recent.price), 10 * lot)
    assert again is recent and not new
    reused, new = market.create(KEY, "o-1", "buy", "market", None, 10 * lot)
    assert new and reused.order_id == 401

    # fills: ids contiguous from the oldest kept, all of them were published, balances count the forgotten ones
    drain(queue, events)
    fills = [e for e in events if e["type"] == "fill"]
    assert [f["fill_id"] for f in fills] == list(range(1, exchange.fill_count + 1))
    assert exchange.fills_forgotten > 0
    kept = [f.fill_id for f in exchange.fills]
    assert kept == list(range(exchange.fills_forgotten + 1, exchange.fill_count + 1))
    middle = kept[len(kept) // 2]
    assert [f.fill_id for f in exchange.fills_after(middle)] == kept[kept.index(middle) + 1 :]
    assert [f.fill_id for f in exchange.fills_after(0)] == kept
    start = exchange.spec.balances
    eth = start["ETH"] + sum(f["qty"] if f["side"] == "buy" else -f["qty"] for f in fills)
    usdt = start["USDT"] - sum(
        (f["price"] * f["qty"] if f["side"] == "buy" else -f["price"] * f["qty"]) + f["fee"] for f in fills
    )
    free = balances(exchange, KEY)
    assert free["ETH"][0] == pytest.approx(eth, rel=1e-12)
    assert free["USDT"][0] == pytest.approx(usdt, rel=1e-12)


def test_the_order_table_is_bounded_by_count_however_recent() -> None:
    clock = FakeClock()  # never moves: everything is recent
    exchange = exchange_on(clock, max_closed=20)
    market = exchange.market(SYMBOL)
    for n in range(1, 121):
        place(market, n)
        market.sync()
        closed = [r for r in exchange.orders.values() if r.status not in OPEN_STATUSES]
        assert len(closed) <= 20 and len(exchange.fills) <= 20
    assert exchange.orders_forgotten == 100 and exchange.order_count == 120
    assert exchange.find(KEY, client_order_id="o-120").status == "filled"
    assert exchange.find(KEY, client_order_id="o-119").status == "cancelled"
    with pytest.raises(OrderError):
        exchange.find(KEY, client_order_id="o-100")


def test_open_orders_are_never_forgotten() -> None:
    clock = FakeClock()
    exchange = exchange_on(clock, retention_s=0.0, max_closed=0)
    market = exchange.market(SYMBOL)
    bid = market.venue.top(0).bid_price
    assert bid is not None
    resting, _ = market.create(KEY, "rest", "buy", "limit", market.instrument.ticks_to_price(bid - 200), 0.01)
    for n in range(1, 30):
        clock.ns += STEP_NS
        place(market, n)
        market.sync()
    assert list(exchange.orders) == [resting.order_id] and resting.status == "open"
    assert exchange.find(KEY, client_order_id="rest") is resting


@pytest.fixture
def server() -> Iterator[BackgroundServer]:
    config = ServeConfig(
        load_exchanges(), seed=6, speed=5.0, session_s=3600.0, keys={KEY: SECRET}, rate=10_000.0, burst=10_000,
        max_closed=5,
    )  # fmt: skip
    with BackgroundServer(config) as running:
        yield running


def test_hft_serve_answers_a_forgotten_order_as_unknown_in_both_apis(server: BackgroundServer) -> None:
    exchange: MockExchange = server.app.state.exchanges["binance"]
    with httpx.Client(base_url=server.url, timeout=5.0) as http:

        def call(method: str, path: str, **params: Any) -> httpx.Response:
            header = "X-MBX-APIKEY" if path.startswith("/binance/") else "X-API-KEY"
            return http.request(method, f"{path}?{signed_query(SECRET, params)}", headers={header: KEY})

        bid = float(http.get(f"/api/binance/orderbook/{SYMBOL}").json()["bids"][0][0])
        order = {"symbol": SYMBOL, "side": "buy", "qty": 0.01, "price": round(bid * 0.9, 2)}
        ids = []
        for n in range(12):
            created = call("POST", "/api/binance/order", client_order_id=f"h-{n}", **order)
            assert created.status_code == 201, created.text
            ids.append(created.json()["order_id"])
            cancelled = call("DELETE", "/api/binance/order", symbol=SYMBOL, client_order_id=f"h-{n}")
            assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
            assert len(exchange.orders) <= 6
        gone = call("GET", "/api/binance/order", symbol=SYMBOL, client_order_id="h-0")
        assert gone.status_code == 404 and "unknown order" in gone.text
        binance = call("GET", "/binance/api/v3/order", symbol=SYMBOL, orderId=ids[0])
        assert binance.status_code == 400 and binance.json() == {"code": -2013, "msg": "Order does not exist."}
        binance = call("DELETE", "/binance/api/v3/order", symbol=SYMBOL, origClientOrderId="h-0")
        assert binance.status_code == 400 and binance.json()["code"] == -2011
        kept = call("GET", "/api/binance/order", symbol=SYMBOL, client_order_id="h-11")
        assert kept.status_code == 200 and kept.json()["status"] == "cancelled"
        retried = call("POST", "/api/binance/order", client_order_id="h-11", **order)
        assert retried.status_code == 200 and retried.json()["order_id"] == ids[-1]  # idempotent: no new order
        metrics = http.get("/metrics").text
    assert 'hft_serve_orders_total{exchange="binance"} 12.0' in metrics
    assert 'hft_serve_orders_kept{exchange="binance"} 5.0' in metrics


def test_a_live_venue_stops_when_an_order_it_missed_closing_is_forgotten(
    server: BackgroundServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client away longer than the retention cannot know whether its order filled: the venue says so and the run
    stops, instead of reporting the order cancelled (a guess that would be silently wrong had it filled)."""
    import time

    from hft_core.errors import HftError
    from hft_core.events import BUY
    from hft_core.matching.orders import OrderType
    from hft_core.venues.live import live_venue

    url = f"ws://127.0.0.1:{server.port}/binance/{SYMBOL}"
    with (
        live_venue(url, api_key=KEY, secret=SECRET, interval_ms=20) as venue,
        httpx.Client(base_url=server.url, timeout=5.0) as http,
    ):

        def call(method: str, path: str, **params: Any) -> httpx.Response:
            return http.request(method, f"{path}?{signed_query(SECRET, params)}", headers={"X-API-KEY": KEY})

        venue.start()
        bid = venue.top(0).bid_price
        assert bid is not None
        venue.submit(time.time_ns(), 0, 1, BUY, OrderType.LIMIT, bid - 50, 10)  # rests far below the touch
        deadline = time.monotonic() + 10
        while not any(r.order_id == 1 and r.status.name == "ACCEPTED" for r in venue._reports):
            assert time.monotonic() < deadline, "the order was not accepted in time"
            time.sleep(0.02)
        # the venue misses what happens next (as over a dropped user stream): the order is cancelled on the server,
        # then pushed out of its records by later closed orders (max_closed=5)
        monkeypatch.setattr(venue, "_on_order", lambda event: None)
        cancelled = call("DELETE", "/api/binance/order", symbol=SYMBOL, client_order_id=venue.client_order_id(1))
        assert cancelled.status_code == 200, cancelled.text
        order = {
            "symbol": SYMBOL,
            "side": "buy",
            "qty": 0.01,
            "price": round(venue.instruments[0].ticks_to_price(bid) * 0.9, 2),
        }
        for n in range(6):
            assert call("POST", "/api/binance/order", client_order_id=f"later-{n}", **order).status_code == 201
            assert call("DELETE", "/api/binance/order", symbol=SYMBOL, client_order_id=f"later-{n}").status_code == 200
        gone = call("GET", "/api/binance/order", symbol=SYMBOL, client_order_id=venue.client_order_id(1))
        assert gone.status_code == 404
        monkeypatch.undo()
        with pytest.raises(HftError, match=r"unknown to the server.*cannot be reconciled"):
            asyncio.run_coroutine_threadsafe(venue._reconcile(), venue._loop).result(10)
        assert [r.status.name for r in venue._reports if r.order_id == 1] == ["ACCEPTED"]  # never reported cancelled


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [("--retention", "-1", "retention_s must be within"), ("--send-queue", "0", "send_queue must be within")],
)
def test_hft_serve_refuses_limits_out_of_range(hft_cli: HftCli, option: str, value: str, message: str) -> None:
    code, _out, err = hft_cli(["serve", "--port", "1", option, value])
    assert code == 2 and message in err and "Traceback" not in err
