"""hft serve: market data over REST and WebSocket, bad input, the exchange files, the OpenAPI schema (#23).

One server on 127.0.0.1 (a free port, a background thread) for the module; every request has a timeout.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
import httpx
from hft_core.errors import ConfigError
from hft_core.serve.app import ServeConfig
from hft_core.serve.exchanges import load_exchanges
from hft_core.serve.server import BackgroundServer
from websockets.sync.client import connect

TIMEOUT = 5.0


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    with BackgroundServer(ServeConfig(load_exchanges(), seed=7, speed=20.0, session_s=3600.0)) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: BackgroundServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=TIMEOUT) as http:
        yield http


def test_health_and_exchanges(client: httpx.Client) -> None:
    health = client.get("/health").json()
    assert health["status"] == "ok"
    assert {"binance", "kraken", "coinmarketcap"} <= set(health["exchanges"])
    listed = {row["exchange"]: row["symbols"] for row in client.get("/api/exchanges").json()}
    assert "BTCUSDT" in listed["binance"]
    info = client.get("/api/binance/info").json()
    btc = next(s for s in info["symbols"] if s["symbol"] == "BTCUSDT")
    assert (btc["tick_size"], btc["lot_size"], info["taker_fee"]) == (0.01, 0.00001, 0.001)


def test_ticker_has_a_two_sided_market_for_every_symbol(client: httpx.Client) -> None:
    rows = client.get("/api/kraken/ticker").json()
    assert [row["symbol"] for row in rows] == ["XBTUSD", "ETHUSD"]
    for row in rows:
        assert row["bid"] is not None and row["ask"] is not None
        assert row["bid"] < row["ask"]


def test_orderbook_snapshot_depth_and_order(client: httpx.Client) -> None:
    book = client.get("/api/binance/orderbook/ethusdt", params={"depth": 5}).json()
    assert book["symbol"] == "ETHUSDT" and book["exchange"] == "binance"
    assert 1 <= len(book["bids"]) <= 5 and 1 <= len(book["asks"]) <= 5
    bids = [price for price, _ in book["bids"]]
    asks = [price for price, _ in book["asks"]]
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks)
    assert bids[0] < asks[0]
    assert all(qty > 0 for _, qty in book["bids"] + book["asks"])


def test_market_time_moves_with_the_wall_clock(client: httpx.Client) -> None:
    first = client.get("/api/binance/orderbook/BTCUSDT").json()["ts"]
    time.sleep(0.2)
    second = client.get("/api/binance/orderbook/BTCUSDT").json()["ts"]
    # speed 20: 0.2 s of wall time is about 4 s of market time
    assert 2e9 < second - first < 20e9


def test_injected_latency_delays_the_answer(client: httpx.Client) -> None:
    started = time.monotonic()
    assert client.get("/api/binance/orderbook/BTCUSDT", params={"latency_ms": 250}).status_code == 200
    assert time.monotonic() - started >= 0.25


def test_mock_trades(client: httpx.Client) -> None:
    time.sleep(0.3)
    trades = client.get("/api/binance/mock_trades/ETHUSDT", params={"n": 3}).json()
    assert 1 <= len(trades) <= 3
    ids = [t["id"] for t in trades]
    assert ids == sorted(ids)
    assert {t["side"] for t in trades} <= {"buy", "sell", "unknown"}


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("/api/nasdaq/ticker", {}, 404, "unknown exchange"),
        ("/api/binance/orderbook/DOGEUSDT", {}, 404, "unknown symbol"),
        ("/api/binance/orderbook/BTCUSDT", {"depth": 0}, 422, "greater than or equal to 1"),
        ("/api/binance/orderbook/BTCUSDT", {"depth": 10**9}, 422, "less than or equal to 1000"),
        ("/api/binance/orderbook/BTCUSDT", {"depth": "x"}, 422, "integer"),
        ("/api/binance/orderbook/BTCUSDT", {"latency_ms": -1}, 422, "greater than or equal to 0"),
        ("/api/binance/orderbook/BTCUSDT", {"latency_ms": 10**9}, 422, "less than or equal to"),
        ("/api/binance/mock_trades/BTCUSDT", {"n": "abc"}, 422, "integer"),
        ("/api/binance/mock_trades/BTCUSDT", {"n": 0}, 422, "greater than or equal to 1"),
        ("/api/binance/mock_trades/BTCUSDT", {"n": 10**9}, 422, "less than or equal to"),
        ("/api/binance/mock_trades/NOPE", {"n": 5}, 404, "unknown symbol"),
    ],
)
def test_bad_input_is_a_4xx_with_a_message(
    client: httpx.Client, path: str, params: dict[str, str | int], status: int, words: str
) -> None:
    started = time.monotonic()
    response = client.get(path, params=params)
    assert time.monotonic() - started < 2.0
    assert response.status_code == status
    assert words in response.text


def test_openapi_schema_lists_the_endpoints(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    for path in (
        "/health",
        "/api/{exchange}/ticker",
        "/api/{exchange}/orderbook/{symbol}",
        "/api/{exchange}/mock_trades/{symbol}",
        "/api/{exchange}/order",
    ):
        assert path in schema["paths"], path
    depth = next(
        p for p in schema["paths"]["/api/{exchange}/orderbook/{symbol}"]["get"]["parameters"] if p["name"] == "depth"
    )
    assert depth["schema"]["maximum"] == 1000


def test_orderbook_stream_numbers_its_frames(server: BackgroundServer) -> None:
    url = f"ws://127.0.0.1:{server.port}/ws/orderbook/binance/BTCUSDT?depth=3&interval_ms=20"
    with connect(url, open_timeout=TIMEOUT, close_timeout=1) as ws:
        frames = [json.loads(ws.recv(timeout=TIMEOUT)) for _ in range(4)]
    assert [f["seq"] for f in frames] == [1, 2, 3, 4]
    assert all(f["type"] == "book" and len(f["bids"]) <= 3 and len(f["asks"]) <= 3 for f in frames)
    assert [f["ts"] for f in frames] == sorted(f["ts"] for f in frames)


def test_orderbook_stream_keeps_its_cadence_and_stamps_its_frames(server: BackgroundServer) -> None:
    url = f"ws://127.0.0.1:{server.port}/ws/orderbook/binance/BTCUSDT?depth=1&interval_ms=20"
    with connect(url, open_timeout=TIMEOUT, close_timeout=1) as ws:
        stamps = []
        for _ in range(26):
            frame = json.loads(ws.recv(timeout=TIMEOUT))
            stamps.append((frame["sent_ns"], time.time_ns()))
    assert all(0 <= arrived - sent < 1_000_000_000 for sent, arrived in stamps)  # the server's wall clock
    mean_interval_ms = (stamps[-1][0] - stamps[0][0]) / 25 / 1e6
    assert 18.0 < mean_interval_ms < 24.0


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/ws/orderbook/binance/NOPE", "unknown symbol"),
        ("/ws/orderbook/nasdaq/BTCUSDT", "unknown exchange"),
        ("/ws/orderbook/binance/BTCUSDT?depth=0", "depth must be within"),
        ("/ws/orderbook/binance/BTCUSDT?depth=1000000000", "depth must be within"),
        ("/ws/orderbook/binance/BTCUSDT?interval_ms=abc", "interval_ms must be an integer"),
    ],
)
def test_bad_stream_request_is_refused_with_a_message(server: BackgroundServer, path: str, words: str) -> None:
    with connect(f"ws://127.0.0.1:{server.port}{path}", open_timeout=TIMEOUT, close_timeout=1) as ws:
        message = json.loads(ws.recv(timeout=TIMEOUT))
        assert message["type"] == "error" and words in message["message"]
        with pytest.raises(Exception, match="1008"):
            ws.recv(timeout=TIMEOUT)


def test_a_new_exchange_is_a_new_file(tmp_path: Path) -> None:
    (tmp_path / "acme.toml").write_text(
        'name = "acme"\nmaker_fee = 0.0\ntaker_fee = 0.0005\n'
        '[[symbols]]\nsymbol = "ABCUSD"\nbase = "ABC"\nquote = "USD"\ntick_size = 0.5\nlot_size = 1.0\nprice = 500.0\n',
        encoding="utf-8",
    )
    exchanges = load_exchanges([tmp_path])
    assert {"binance", "kraken", "coinmarketcap", "acme"} <= set(exchanges)
    acme = exchanges["acme"]
    assert acme.symbol("abcusd") is not None and acme.taker_fee == 0.0005


def test_a_bad_exchange_file_names_the_field(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(
        'name = "bad"\nmaker_fee = 0.0\ntaker_fee = 0.0\n[[symbols]]\nsymbol = "X"\nbase = "X"\nquote = "USD"\n'
        "tick_size = -1\nlot_size = 1\nprice = 5\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"bad\.toml: symbols\[0\]: 'tick_size' must be a positive"):
        load_exchanges([tmp_path])
