"""hft serve: signed, idempotent order entry, key isolation, rate limits and the user stream (#23).

Servers on 127.0.0.1 (free ports, background threads); every request and stream read has a timeout.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("fastapi")
import httpx
from hft_core.serve.app import ServeConfig
from hft_core.serve.auth import sign, signed_query
from hft_core.serve.exchanges import load_exchanges
from hft_core.serve.market import MockExchange
from hft_core.serve.server import BackgroundServer
from websockets.sync.client import connect

TIMEOUT = 5.0
KEYS = {"alice": "alice-secret", "bob": "bob-secret"}


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    config = ServeConfig(load_exchanges(), seed=3, speed=10.0, session_s=3600.0, keys=KEYS, rate=1000.0, burst=1000)
    with BackgroundServer(config) as running:
        yield running


@pytest.fixture(scope="module")
def http(server: BackgroundServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=TIMEOUT) as client:
        yield client


def call(http: httpx.Client, method: str, path: str, key: str, **params: Any) -> httpx.Response:
    query = signed_query(KEYS[key], params)
    return http.request(method, f"{path}?{query}", headers={"X-API-KEY": key})


@pytest.fixture(scope="module")
def records(server: BackgroundServer) -> MockExchange:
    """The server's own records of the binance mock (what the API must agree with)."""
    found: MockExchange = server.app.state.exchanges["binance"]
    return found


def far_bid(http: httpx.Client) -> float:
    """A buy price well under the market: the order rests."""
    book = http.get("/api/binance/orderbook/ETHUSDT").json()
    return round(float(book["bids"][0][0]) * 0.9, 2)


def test_unsigned_wrongly_signed_and_stale_requests_are_refused(http: httpx.Client, records: MockExchange) -> None:
    params = {"symbol": "ETHUSDT", "side": "buy", "qty": 0.01, "price": 1000.0, "client_order_id": "refused-1"}
    good = signed_query(KEYS["alice"], params)
    unsigned = good.rsplit("&signature=", 1)[0]
    cases = {
        "no key": http.post(f"/api/binance/order?{good}"),
        "unknown key": http.post(f"/api/binance/order?{good}", headers={"X-API-KEY": "mallory"}),
        "unsigned": http.post(f"/api/binance/order?{unsigned}", headers={"X-API-KEY": "alice"}),
        "bob's key, alice's signature": http.post(f"/api/binance/order?{good}", headers={"X-API-KEY": "bob"}),
        "tampered": http.post(
            f"/api/binance/order?{good.replace('qty=0.01', 'qty=9')}", headers={"X-API-KEY": "alice"}
        ),
        "stale": http.post(
            f"/api/binance/order?{signed_query(KEYS['alice'], params, timestamp_ms=int(time.time() * 1000) - 60_000)}",
            headers={"X-API-KEY": "alice"},
        ),
        "from the future": http.post(
            f"/api/binance/order?{signed_query(KEYS['alice'], params, timestamp_ms=int(time.time() * 1000) + 60_000)}",
            headers={"X-API-KEY": "alice"},
        ),
    }
    for what, response in cases.items():
        assert response.status_code == 401, (what, response.text)
        assert response.json()["detail"], what
    assert all(r.client_order_id != "refused-1" for r in records.orders.values())


def test_a_retried_create_never_makes_two_orders(http: httpx.Client, records: MockExchange) -> None:
    price = far_bid(http)
    first = call(http, "POST", "/api/binance/order", "alice", symbol="ETHUSDT", side="buy", qty=0.01, price=price,
                 client_order_id="idem-1")  # fmt: skip
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "open"
    again = call(http, "POST", "/api/binance/order", "alice", symbol="ETHUSDT", side="buy", qty=0.01, price=price,
                 client_order_id="idem-1")  # fmt: skip
    assert again.status_code == 200
    assert again.json()["order_id"] == first.json()["order_id"]
    assert [r.key for r in records.orders.values() if r.client_order_id == "idem-1"] == ["alice"]
    clash = call(http, "POST", "/api/binance/order", "alice", symbol="ETHUSDT", side="sell", qty=0.01, price=price,
                 client_order_id="idem-1")  # fmt: skip
    assert clash.status_code == 409
    # the same client id under another key is another order
    bobs = call(http, "POST", "/api/binance/order", "bob", symbol="ETHUSDT", side="buy", qty=0.01, price=price,
                client_order_id="idem-1")  # fmt: skip
    assert bobs.status_code == 201 and bobs.json()["order_id"] != first.json()["order_id"]


def test_query_and_cancel_and_one_key_cannot_touch_anothers_orders(http: httpx.Client, records: MockExchange) -> None:
    price = far_bid(http)
    placed = call(http, "POST", "/api/binance/order", "alice", symbol="ETHUSDT", side="buy", qty=0.02, price=price,
                  client_order_id="iso-1").json()  # fmt: skip
    order_id = placed["order_id"]
    by_cid = call(http, "GET", "/api/binance/order", "alice", symbol="ETHUSDT", client_order_id="iso-1").json()
    by_id = call(http, "GET", "/api/binance/order", "alice", symbol="ETHUSDT", order_id=order_id).json()
    assert by_cid == by_id and by_id["status"] == "open" and by_id["qty"] == 0.02
    # bob sees nothing of it, and cannot cancel it
    assert call(http, "GET", "/api/binance/order", "bob", symbol="ETHUSDT", order_id=order_id).status_code == 404
    assert call(http, "DELETE", "/api/binance/order", "bob", symbol="ETHUSDT", order_id=order_id).status_code == 404
    bob_open = call(http, "GET", "/api/binance/open_orders", "bob").json()
    assert order_id not in {o["order_id"] for o in bob_open}
    assert order_id in {o["order_id"] for o in call(http, "GET", "/api/binance/open_orders", "alice").json()}
    assert records.orders[order_id].status == "open"
    cancelled = call(http, "DELETE", "/api/binance/order", "alice", symbol="ETHUSDT", client_order_id="iso-1")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    twice = call(http, "DELETE", "/api/binance/order", "alice", symbol="ETHUSDT", client_order_id="iso-1")
    assert twice.status_code == 200 and twice.json()["status"] == "cancelled"
    assert order_id not in {o["order_id"] for o in call(http, "GET", "/api/binance/open_orders", "alice").json()}


def test_bad_orders_are_4xx_with_a_message(http: httpx.Client) -> None:
    cases = [
        ({"side": "buy", "qty": 0.01, "price": 1000.005}, 400, "not a multiple of 0.01"),
        ({"side": "buy", "qty": 0.000001, "price": 1000.0}, 400, "not a multiple of 0.0001"),
        ({"side": "hold", "qty": 0.01, "price": 1000.0}, 422, "buy"),
        ({"side": "buy", "qty": -1, "price": 1000.0}, 422, "greater than 0"),
        ({"side": "buy", "qty": 0.01}, 400, "needs a price"),
        ({"side": "buy", "qty": 0.01, "price": 1000.0, "type": "market"}, 400, "no price"),
    ]
    for n, (params, status, words) in enumerate(cases):
        response = call(http, "POST", "/api/binance/order", "alice", symbol="ETHUSDT", client_order_id=f"bad-{n}",
                        **params)  # fmt: skip
        assert response.status_code == status, (params, response.text)
        assert words in response.text, (params, response.text)
    assert call(http, "GET", "/api/binance/order", "alice", symbol="ETHUSDT").status_code == 400
    assert call(http, "GET", "/api/binance/order", "alice", symbol="NOPE", order_id=1).status_code == 404


def test_fills_reach_the_user_stream_and_the_fills_endpoint(
    server: BackgroundServer, http: httpx.Client, records: MockExchange
) -> None:
    query = signed_query(KEYS["alice"], {"api_key": "alice"})
    with connect(f"ws://127.0.0.1:{server.port}/ws/user/binance?{query}", open_timeout=TIMEOUT) as ws:
        hello = json.loads(ws.recv(timeout=TIMEOUT))
        assert hello["type"] == "subscribed"
        before = len(call(http, "GET", "/api/binance/fills", "alice").json())
        taken = call(http, "POST", "/api/binance/order", "alice", symbol="ETHUSDT", side="buy", qty=0.001,
                     type="market", client_order_id="take-1").json()  # fmt: skip
        assert taken["status"] == "filled" and taken["filled_qty"] == 0.001
        events: list[dict[str, Any]] = []
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and not any(e.get("status") == "filled" for e in events):
            event = json.loads(ws.recv(timeout=TIMEOUT))
            if event["type"] != "heartbeat":
                events.append(event)
    mine = [e for e in events if e.get("client_order_id") == "take-1"]
    assert {e["type"] for e in mine} == {"order", "fill"}
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    fills = call(http, "GET", "/api/binance/fills", "alice").json()
    new = fills[before:]
    assert sum(f["qty"] for f in new if f["client_order_id"] == "take-1") == pytest.approx(0.001)
    assert [f["fill_id"] for f in mine if f["type"] == "fill"] == [f["fill_id"] for f in new]
    last = fills[-1]["fill_id"]
    assert call(http, "GET", "/api/binance/fills", "alice", from_id=last).json() == []
    server_side = {f.fill_id: f for f in records.fills}
    assert all(server_side[f["fill_id"]].key == "alice" for f in new)
    # bob's fills do not include alice's
    assert not any(f["client_order_id"] == "take-1" for f in call(http, "GET", "/api/binance/fills", "bob").json())


def test_user_stream_refuses_a_bad_signature(server: BackgroundServer) -> None:
    query = signed_query("wrong-secret", {"api_key": "alice"})
    with connect(f"ws://127.0.0.1:{server.port}/ws/user/binance?{query}", open_timeout=TIMEOUT) as ws:
        message = json.loads(ws.recv(timeout=TIMEOUT))
        assert message["type"] == "error" and "signature" in message["message"]


def test_rate_limit_answers_429_with_retry_after() -> None:
    config = ServeConfig(load_exchanges(), seed=1, keys=KEYS, rate=1.0, burst=3)
    with BackgroundServer(config) as running, httpx.Client(base_url=running.url, timeout=TIMEOUT) as client:
        codes = [call(client, "GET", "/api/binance/open_orders", "alice").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = call(client, "GET", "/api/binance/open_orders", "alice")
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        assert "rate limit" in limited.text
        # per key: bob is not limited by alice's requests
        assert call(client, "GET", "/api/binance/open_orders", "bob").status_code == 200


def test_signature_is_hmac_sha256_of_the_query() -> None:
    # the example of Binance's API documentation (SIGNED endpoint security)
    secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
    query = (
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
    )
    assert sign(secret, query) == "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
