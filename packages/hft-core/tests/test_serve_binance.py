"""hft serve's Binance dialect (#23): Binance's own client library against the mock, Binance's errors, and a
capture of the mock's streams loaded by hft-core's Binance loader (its synchroniser) into the server's book.

Servers on 127.0.0.1 (free ports, background threads); every request and stream read has a timeout.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("binance.spot")
import httpx
from binance.error import ClientError  # type: ignore[import-untyped]
from binance.spot import Spot  # type: ignore[import-untyped]
from binance.websocket.spot.websocket_stream import SpotWebsocketStreamClient  # type: ignore[import-untyped]
from hft_core.book.l2 import L2Book
from hft_core.data.binance import read_binance_capture
from hft_core.events import BUY, SELL
from hft_core.instruments import Instrument
from hft_core.serve.app import ServeConfig
from hft_core.serve.auth import signed_query
from hft_core.serve.exchanges import load_exchanges
from hft_core.serve.market import MockExchange
from hft_core.serve.server import BackgroundServer
from websockets.sync.client import connect

TIMEOUT = 5.0
KEYS = {"alice": "alice-secret", "bob": "bob-secret"}


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    config = ServeConfig(load_exchanges(), seed=5, speed=10.0, session_s=3600.0, keys=KEYS, rate=1000.0, burst=1000)
    with BackgroundServer(config) as running:
        yield running


def spot(server: BackgroundServer, key: str = "alice", secret: str | None = None) -> Any:
    return Spot(
        api_key=key, api_secret=KEYS.get(key, "x") if secret is None else secret, base_url=f"{server.url}/binance",
        timeout=TIMEOUT,
    )  # fmt: skip


def wait_for(predicate: Any, what: str, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_binance_connector_loads_info_reads_the_book_trades_and_sees_its_fills(server: BackgroundServer) -> None:
    client = spot(server)
    info = client.exchange_info(symbol="ETHUSDT")
    (symbol,) = info["symbols"]
    filters = {f["filterType"]: f for f in symbol["filters"]}
    assert (symbol["baseAsset"], symbol["quoteAsset"]) == ("ETH", "USDT")
    assert float(filters["PRICE_FILTER"]["tickSize"]) == 0.01
    assert float(filters["LOT_SIZE"]["stepSize"]) == 0.0001

    book = client.depth("ETHUSDT", limit=5)
    assert book["lastUpdateId"] > 0 and len(book["bids"]) == 5 and len(book["asks"]) == 5
    assert float(book["bids"][0][0]) < float(book["asks"][0][0])
    assert [float(b[0]) for b in book["bids"]] == sorted((float(b[0]) for b in book["bids"]), reverse=True)
    ticker = client.book_ticker("ETHUSDT")
    assert float(ticker["bidPrice"]) < float(ticker["askPrice"])
    wait_for(lambda: len(client.trades("ETHUSDT", limit=5)) > 0, "a public trade")
    start = {b["asset"]: float(b["free"]) for b in client.account()["balances"]}
    assert start["ETH"] == 200.0 and start["USDT"] == 1_000_000.0

    # the user-data stream through the library's own WebSocket client and a listen key
    events: list[dict[str, Any]] = []
    lock = threading.Lock()

    def on_message(_: Any, message: str) -> None:
        with lock:
            events.append(json.loads(message))

    listen_key = client.new_listen_key()["listenKey"]
    stream = SpotWebsocketStreamClient(stream_url=f"ws://127.0.0.1:{server.port}/binance", on_message=on_message)
    try:
        stream.user_data(listen_key=listen_key, id=1)
        wait_for(lambda: any(e.get("id") == 1 for e in list(events)), "the SUBSCRIBE answer")

        bid = float(client.book_ticker("ETHUSDT")["bidPrice"])
        resting = client.new_order(
            symbol="ETHUSDT", side="BUY", type="LIMIT", timeInForce="GTC", quantity=0.01,
            price=round(bid * 0.9, 2), newClientOrderId="rest-1",
        )  # fmt: skip
        assert resting["status"] == "NEW" and resting["clientOrderId"] == "rest-1" and resting["fills"] == []
        assert client.get_order("ETHUSDT", orderId=resting["orderId"])["status"] == "NEW"
        assert [o["orderId"] for o in client.get_open_orders("ETHUSDT")] == [resting["orderId"]]
        locked = {b["asset"]: float(b["locked"]) for b in client.account()["balances"]}
        assert locked["USDT"] == pytest.approx(0.01 * round(bid * 0.9, 2))
        cancelled = client.cancel_order("ETHUSDT", origClientOrderId="rest-1")
        assert cancelled["status"] == "CANCELED" and cancelled["orderId"] == resting["orderId"]
        assert client.get_order("ETHUSDT", orderId=resting["orderId"])["status"] == "CANCELED"
        assert client.get_open_orders("ETHUSDT") == []
        with pytest.raises(ClientError) as twice:
            client.cancel_order("ETHUSDT", orderId=resting["orderId"])
        assert (twice.value.status_code, twice.value.error_code) == (400, -2011)

        bought = client.new_order(symbol="ETHUSDT", side="BUY", type="MARKET", quantity=0.05)
        assert bought["status"] == "FILLED" and float(bought["executedQty"]) == 0.05
        fill_ids = {f["tradeId"] for f in bought["fills"]}
        assert fill_ids and sum(float(f["qty"]) for f in bought["fills"]) == pytest.approx(0.05)
        mine = client.my_trades("ETHUSDT")
        assert {t["id"] for t in mine} == fill_ids and all(t["isBuyer"] for t in mine)
        paid = sum(float(t["quoteQty"]) + float(t["commission"]) for t in mine)
        after = {b["asset"]: float(b["free"]) for b in client.account()["balances"]}
        assert after["ETH"] == pytest.approx(start["ETH"] + 0.05)
        assert after["USDT"] == pytest.approx(start["USDT"] - paid)

        def reports() -> list[dict[str, Any]]:
            with lock:
                return [e for e in events if e.get("e") == "executionReport"]

        wait_for(lambda: {r["t"] for r in reports() if r["x"] == "TRADE"} == fill_ids, "the fills' execution reports")
        by_order = [(r["c"], r["x"], r["X"]) for r in reports() if r["i"] == resting["orderId"]]
        assert by_order == [("rest-1", "NEW", "NEW"), ("rest-1", "CANCELED", "CANCELED")]
        trades = [r for r in reports() if r["x"] == "TRADE"]
        assert trades[-1]["X"] == "FILLED" and float(trades[-1]["z"]) == pytest.approx(0.05)
        assert sum(float(r["l"]) for r in trades) == pytest.approx(0.05)
    finally:
        stream.stop()
    client.close_listen_key(listen_key)


def test_binance_errors_have_binance_codes(server: BackgroundServer) -> None:
    def code(call: Any) -> tuple[int, int]:
        with pytest.raises(ClientError) as refused:
            call()
        return refused.value.status_code, refused.value.error_code

    alice = spot(server)
    order = {"symbol": "ETHUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": 0.01}
    assert code(lambda: spot(server, secret="wrong").new_order(**order, price=1000.0)) == (400, -1022)
    assert code(lambda: spot(server, key="mallory").new_order(**order, price=1000.0)) == (401, -2015)
    assert code(lambda: alice.depth("NOPEUSDT")) == (400, -1121)
    assert code(lambda: alice.new_order(**order, price=1000.001)) == (400, -1013)
    assert code(lambda: alice.new_order(**{**order, "quantity": 0.00001}, price=1000.0)) == (400, -1013)
    assert code(lambda: alice.new_order(**{**order, "side": "HOLD"}, price=1000.0)) == (400, -1117)
    assert code(lambda: alice.new_order(**{**order, "timeInForce": "GTX"}, price=1000.0)) == (400, -1115)
    assert code(lambda: alice.new_order(**order)) == (400, -1102)
    assert code(lambda: alice.new_order(**{**order, "quantity": 1000.0}, price=2000.0)) == (400, -2010)  # 2M USDT
    first = alice.new_order(**order, price=1000.0, newClientOrderId="dup-1")
    assert code(lambda: alice.new_order(**order, price=1000.0, newClientOrderId="dup-1")) == (400, -2010)
    # another key's order does not exist for bob
    assert code(lambda: spot(server, key="bob").get_order("ETHUSDT", orderId=first["orderId"])) == (400, -2013)
    assert code(lambda: spot(server, key="bob").cancel_order("ETHUSDT", orderId=first["orderId"])) == (400, -2011)
    alice.cancel_order("ETHUSDT", orderId=first["orderId"])

    # a replay: a correctly signed request whose timestamp is older than its recvWindow
    with httpx.Client(base_url=server.url, timeout=TIMEOUT) as http:
        stale = signed_query(
            KEYS["alice"], {"symbol": "ETHUSDT", "recvWindow": 5000}, timestamp_ms=int(time.time() * 1000) - 10_000
        )
        answer = http.get(f"/binance/api/v3/openOrders?{stale}", headers={"X-MBX-APIKEY": "alice"})
        assert answer.status_code == 400 and answer.json()["code"] == -1021
        # a form body, as python-binance sends a POST: the signature covers query + body
        body = signed_query(KEYS["alice"], {**order, "price": 1000.0, "newClientOrderId": "form-1"})
        placed = http.post(
            "/binance/api/v3/order", content=body,
            headers={"X-MBX-APIKEY": "alice", "Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        assert placed.status_code == 200 and placed.json()["clientOrderId"] == "form-1", placed.text
        alice.cancel_order("ETHUSDT", origClientOrderId="form-1")


def test_a_capture_of_the_mock_loads_with_the_binance_loader_into_the_servers_book(tmp_path: Path) -> None:
    """Record the diff-depth and trade streams and a REST snapshot as hftbacktest's collector does, until the
    market's session ends (the book then stands still), and load it: the loader's book is the server's."""
    config = ServeConfig(load_exchanges(), seed=9, speed=4.0, session_s=8.0, keys=KEYS)
    capture = tmp_path / "btcusdt.txt"
    lines: list[str] = []
    last_ns = 0

    def record(text: str) -> None:
        nonlocal last_ns
        last_ns = max(time.time_ns(), last_ns)
        lines.append(f"{last_ns} {text}")

    with BackgroundServer(config) as server, httpx.Client(base_url=server.url, timeout=TIMEOUT) as http:
        http.get("/binance/api/v3/depth", params={"symbol": "BTCUSDT"}).raise_for_status()  # the market starts
        url = f"ws://127.0.0.1:{server.port}/binance/stream?streams=btcusdt@depth@100ms/btcusdt@trade"
        depth_messages = trade_messages = 0
        with connect(url, open_timeout=TIMEOUT) as ws:
            deadline = time.monotonic() + 8.0 / 4.0 + 1.5
            snapshot_taken = False
            while time.monotonic() < deadline:
                try:
                    text = str(ws.recv(timeout=0.5))
                except TimeoutError:
                    continue
                record(text)
                stream = json.loads(text)["stream"]
                depth_messages += stream.endswith("@depth@100ms")
                trade_messages += stream.endswith("@trade")
                if not snapshot_taken and depth_messages:
                    snapshot = http.get("/binance/api/v3/depth", params={"symbol": "BTCUSDT", "limit": 1000})
                    record(snapshot.text)
                    snapshot_taken = True
        final = http.get("/binance/api/v3/depth", params={"symbol": "BTCUSDT", "limit": 1000}).json()
        records: MockExchange = server.app.state.exchanges["binance"]
        assert records.markets["BTCUSDT"].closed
    capture.write_text("\n".join(lines) + "\n")
    assert depth_messages > 5 and trade_messages > 0

    instrument = Instrument("BTCUSDT", 0.01, 0.00001)
    events, stats = read_binance_capture(capture, instrument)
    assert stats.snapshots_used == 1 and stats.gaps == 0 and stats.synced_at_end
    assert stats.depth_applied >= 1 and stats.trades == trade_messages
    last_u = max(json.loads(line.split(" ", 1)[1])["data"].get("u", 0) for line in lines if '"stream"' in line)
    assert last_u == final["lastUpdateId"]
    # One diff message may raise a bid to a price before it removes the ask there (the mock, like Binance, sends
    # both sides' changes in one message): applied row by row the book is crossed for an instant, so the replay
    # lets the newest level win, as the replay venue and the stream checks do.
    book = L2Book(on_crossed="repair")
    book.apply(events)
    for side, levels in ((BUY, final["bids"]), (SELL, final["asks"])):
        prices, qtys = book.depth(side)
        expected = [(instrument.price_to_ticks(float(p)), instrument.qty_to_lots(float(q))) for p, q in levels]
        assert list(zip(prices.tolist(), qtys.tolist(), strict=True)) == expected
