"""The ASGI application of `hft serve`: market data, order entry and streams of the mock exchanges.

Endpoints (docs/live.md has the full account; ``/openapi.json`` the schema):

- ``GET /health``; ``GET /api/exchanges``; ``GET /api/{exchange}/info`` (symbols, grids, fees);
  ``GET /api/{exchange}/ticker``; ``GET /api/{exchange}/orderbook/{symbol}?depth=20&latency_ms=0``;
  ``GET /api/{exchange}/mock_trades/{symbol}?n=100``;
- signed (`hft_core.serve.auth`): ``POST``/``DELETE``/``GET /api/{exchange}/order``,
  ``GET /api/{exchange}/open_orders``, ``GET /api/{exchange}/fills?from_id=``;
- WebSockets: ``/ws/orderbook/{exchange}/{symbol}?depth=20&interval_ms=100`` (an L2 snapshot every interval,
  numbered ``seq`` 1, 2, ... per connection: the frames double as heartbeats) and ``/ws/user/{exchange}`` (signed:
  the key's order updates and fills, numbered ``seq`` per key, and a heartbeat every second);
- the Binance-compatible dialect under ``/{exchange}/api/v3/...``, ``/{exchange}/ws`` and ``/{exchange}/stream``
  (`hft_core.serve.binance`).

Bad input is answered 4xx with a message (FastAPI's 422 for a parameter out of its declared range); a refused
WebSocket is accepted, sent ``{"type": "error", "message": ...}`` and closed with code 1008.

With ``faults=True`` (tests and demos only, never the default) ``POST /admin/faults`` injects the faults a live
client must survive into the book streams: a dropped frame (a ``seq`` gap), a duplicated frame, two frames swapped,
a malformed frame, a stall (no frames, no heartbeats) and a disconnect of every stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Header, HTTPException, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse

from hft_core.serve.auth import AuthError, RateLimiter, verify
from hft_core.serve.exchanges import ExchangeSpec
from hft_core.serve.market import MAX_CLOSED, RETENTION_S, MockExchange, MockMarket, OrderError

__all__ = ["Faults", "ServeConfig", "create_app"]

MAX_DEPTH = 1000
MAX_LATENCY_MS = 10_000
MAX_TRADES = 1000
SYNC_INTERVAL_S = 0.01
USER_HEARTBEAT_S = 1.0
SEND_QUEUE = 64
"""Book frames a book stream holds for a client that is not reading (`ServeConfig.send_queue`)."""


@dataclass(frozen=True, slots=True)
class ServeConfig:
    """What `create_app` serves: the exchanges, the seed, the market speed (1.0 = wall clock), the session length
    in market seconds, the API keys (key → secret), the per-key order rate limit, whether faults may be injected,
    how long closed orders and fills are kept (`hft_core.serve.market.MockExchange.forget`), and how many book
    frames a book stream holds for a client that does not read (the oldest is dropped beyond that: the client
    sees a ``seq`` gap)."""

    exchanges: Mapping[str, ExchangeSpec]
    seed: int = 0
    speed: float = 1.0
    session_s: float = 86_400.0
    keys: Mapping[str, str] = field(default_factory=dict)
    rate: float = 50.0
    burst: int = 100
    faults: bool = False
    retention_s: float = RETENTION_S
    max_closed: int = MAX_CLOSED
    send_queue: int = SEND_QUEUE

    def __post_init__(self) -> None:
        if not self.exchanges:
            raise ValueError("no exchanges to serve")
        if not 0 <= self.retention_s <= 7 * 86_400:
            raise ValueError(f"retention_s must be within [0, 604800], got {self.retention_s}")
        if not 0 <= self.max_closed <= 10_000_000:
            raise ValueError(f"max_closed must be within [0, 10000000], got {self.max_closed}")
        if not 1 <= self.send_queue <= 100_000:
            raise ValueError(f"send_queue must be within [1, 100000], got {self.send_queue}")
        if not 0 < self.speed <= 1000:
            raise ValueError(f"speed must be within (0, 1000], got {self.speed}")
        if not 0 < self.session_s <= 7 * 86_400:
            raise ValueError(f"session_s must be within (0, 604800], got {self.session_s}")


@dataclass(slots=True)
class Faults:
    """Faults pending for the book streams (see the module docstring); each count is taken by the next frames sent."""

    drop: int = 0
    duplicate: int = 0
    reorder: int = 0
    malformed: int = 0
    stall_until: float = 0.0
    generation: int = 0
    """Bumped by a disconnect: every stream opened in an earlier generation closes."""


ApiKey = Annotated[str | None, Header(alias="X-API-KEY", description="the API key")]
Timestamp = Annotated[int | None, Query(description="ms since the Unix epoch (checked by the signature)")]
Signature = Annotated[str | None, Query(description="hex HMAC-SHA256 of the query string before it, last")]
RecvWindow = Annotated[int, Query(alias="recvWindow", ge=1, le=60_000)]
FaultKind = Literal["drop", "duplicate", "reorder", "malformed", "stall", "disconnect"]


def create_app(config: ServeConfig) -> FastAPI:
    """The application serving ``config``'s mock exchanges."""
    exchanges = {
        name: MockExchange(
            spec,
            seed=config.seed,
            speed=config.speed,
            session_s=config.session_s,
            retention_s=config.retention_s,
            max_closed=config.max_closed,
        )
        for name, spec in config.exchanges.items()
    }
    limiter = RateLimiter(config.rate, config.burst)
    faults = Faults()
    # Tells a reconnecting client whether it reached the same server: a restarted one has none of its orders and
    # numbers fills from 1 again.
    instance = secrets.token_hex(8)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async def keep_time() -> None:
            while True:
                for exchange in exchanges.values():
                    exchange.sync()
                await asyncio.sleep(SYNC_INTERVAL_S)

        app.state.loop = asyncio.get_running_loop()  # tests reach the server's records on its own thread
        task = asyncio.create_task(keep_time())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(
        title="hft serve",
        summary="Mock exchanges on hft-core's simulated market: REST and WebSocket market data and order entry.",
        version=_version(),
        lifespan=lifespan,
    )
    app.state.exchanges = exchanges
    app.state.faults = faults
    metrics = _metrics(exchanges)
    app.state.metrics = metrics
    if metrics is not None:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
        from starlette.responses import Response

        @app.middleware("http")
        async def count_requests(request: Request, call_next: Any) -> Any:
            started = time.perf_counter()
            response = await call_next(request)
            route = getattr(request.scope.get("route"), "path", "unmatched")
            metrics.observe_request(request.method, route, response.status_code, time.perf_counter() - started)
            return response

        @app.get("/metrics", summary="Prometheus metrics (hft_core.serve.metrics)", include_in_schema=False)
        async def prometheus() -> Response:
            return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # -- helpers ------------------------------------------------------------------------------------------------
    def exchange_of(name: str) -> MockExchange:
        exchange = exchanges.get(name.lower())
        if exchange is None:
            raise HTTPException(404, f"unknown exchange {name!r}; exchanges: {sorted(exchanges)}")
        return exchange

    def market_of(exchange: MockExchange, symbol: str) -> MockMarket:
        try:
            market = exchange.market(symbol)
        except KeyError:
            listed = [s.symbol for s in exchange.spec.symbols]
            raise HTTPException(404, f"unknown symbol {symbol!r} on {exchange.spec.name}; symbols: {listed}") from None
        market.sync()
        return market

    def authenticate(request: Request, api_key: str | None) -> str:
        try:
            key = verify(config.keys, api_key, request.scope["query_string"].decode("latin-1"))
        except AuthError as exc:
            raise HTTPException(exc.status, exc.message) from None
        wait = limiter.take(key)
        if wait > 0:
            raise HTTPException(429, f"rate limit: {config.rate:g} requests/s per key", RateLimiter.retry_after(wait))
        return key

    def order_answer(market: MockMarket, call: Any) -> Any:
        try:
            return call()
        except OrderError as exc:
            raise HTTPException(exc.status, str(exc)) from None

    # -- market data --------------------------------------------------------------------------------------------
    @app.get("/health", summary="Liveness and what is served")
    async def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "instance": instance,
            "exchanges": sorted(exchanges),
            "seed": config.seed,
            "speed": config.speed,
            "time_ms": int(time.time() * 1000),
        }

    @app.get("/api/exchanges", summary="The exchanges served and their symbols")
    async def list_exchanges() -> list[dict[str, Any]]:
        return [
            {"exchange": name, "summary": ex.spec.summary, "symbols": [s.symbol for s in ex.spec.symbols]}
            for name, ex in sorted(exchanges.items())
        ]

    @app.get("/api/{exchange}/info", summary="Symbols with their grids and the fee tier")
    async def info(exchange: str) -> dict[str, Any]:
        ex = exchange_of(exchange)
        return {
            "exchange": ex.spec.name,
            "maker_fee": ex.spec.maker_fee,
            "taker_fee": ex.spec.taker_fee,
            "symbols": [
                {
                    "symbol": s.symbol,
                    "base": s.base,
                    "quote": s.quote,
                    "tick_size": s.tick_size,
                    "lot_size": s.lot_size,
                }
                for s in ex.spec.symbols
            ],
        }

    @app.get("/api/{exchange}/ticker", summary="Best bid and ask, last price and volume of every symbol")
    async def ticker(exchange: str) -> list[dict[str, Any]]:
        ex = exchange_of(exchange)
        return [market_of(ex, s.symbol).ticker() for s in ex.spec.symbols]

    @app.get("/api/{exchange}/orderbook/{symbol}", summary="An L2 snapshot, with optional injected latency")
    async def orderbook(
        exchange: str,
        symbol: str,
        depth: Annotated[int, Query(ge=1, le=MAX_DEPTH, description="levels per side")] = 20,
        latency_ms: Annotated[int, Query(ge=0, le=MAX_LATENCY_MS, description="delay before answering")] = 0,
    ) -> dict[str, Any]:
        market = market_of(exchange_of(exchange), symbol)
        if latency_ms:
            await asyncio.sleep(latency_ms / 1000)
            market.sync()
        return {"exchange": market.exchange.spec.name, **market.book(depth)}

    @app.get("/api/{exchange}/mock_trades/{symbol}", summary="The most recent public trades")
    async def mock_trades(
        exchange: str, symbol: str, n: Annotated[int, Query(ge=1, le=MAX_TRADES, description="how many")] = 100
    ) -> list[dict[str, Any]]:
        return market_of(exchange_of(exchange), symbol).recent_trades(n)

    # -- order entry (signed) -----------------------------------------------------------------------------------

    @app.post("/api/{exchange}/order", summary="Place an order (idempotent by client_order_id)", status_code=201)
    async def create_order(
        request: Request,
        exchange: str,
        symbol: str,
        side: Literal["buy", "sell"],
        client_order_id: Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")],
        qty: Annotated[float, Query(gt=0, le=1e12)],
        type: Literal["limit", "market", "ioc", "fok", "post_only"] = "limit",
        price: Annotated[float | None, Query(gt=0, le=1e12)] = None,
        recv_window: RecvWindow = 5000,
        timestamp: Timestamp = None,
        signature: Signature = None,
        x_api_key: ApiKey = None,
    ) -> JSONResponse:
        key = authenticate(request, x_api_key)
        market = market_of(exchange_of(exchange), symbol)
        record, new = order_answer(market, lambda: market.create(key, client_order_id, side, type, price, qty))
        return JSONResponse(market.order_json(record), status_code=201 if new else 200)

    @app.delete("/api/{exchange}/order", summary="Cancel an order by order_id or client_order_id (idempotent)")
    async def cancel_order(
        request: Request,
        exchange: str,
        symbol: str,
        order_id: Annotated[int | None, Query(ge=1)] = None,
        client_order_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
        recv_window: RecvWindow = 5000,
        timestamp: Timestamp = None,
        signature: Signature = None,
        x_api_key: ApiKey = None,
    ) -> dict[str, Any]:
        key = authenticate(request, x_api_key)
        ex = exchange_of(exchange)
        market = market_of(ex, symbol)
        record = order_answer(market, lambda: lookup(ex, key, order_id, client_order_id, market))
        return market.order_json(order_answer(market, lambda: market.cancel(record)))

    @app.get("/api/{exchange}/order", summary="One order by order_id or client_order_id")
    async def query_order(
        request: Request,
        exchange: str,
        symbol: str,
        order_id: Annotated[int | None, Query(ge=1)] = None,
        client_order_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
        recv_window: RecvWindow = 5000,
        timestamp: Timestamp = None,
        signature: Signature = None,
        x_api_key: ApiKey = None,
    ) -> dict[str, Any]:
        key = authenticate(request, x_api_key)
        ex = exchange_of(exchange)
        market = market_of(ex, symbol)
        return market.order_json(order_answer(market, lambda: lookup(ex, key, order_id, client_order_id, market)))

    @app.get("/api/{exchange}/open_orders", summary="The key's open orders (all symbols, or one)")
    async def open_orders(
        request: Request,
        exchange: str,
        symbol: str | None = None,
        recv_window: RecvWindow = 5000,
        timestamp: Timestamp = None,
        signature: Signature = None,
        x_api_key: ApiKey = None,
    ) -> list[dict[str, Any]]:
        key = authenticate(request, x_api_key)
        ex = exchange_of(exchange)
        wanted = None if symbol is None else market_of(ex, symbol).spec.symbol
        ex.sync()
        return [
            ex.markets[r.symbol].order_json(r)
            for r in ex.orders.values()
            if r.key == key and r.status in ("pending", "open", "partially_filled") and wanted in (None, r.symbol)
        ]

    @app.get("/api/{exchange}/fills", summary="The key's fills with fill_id > from_id, oldest first")
    async def fills(
        request: Request,
        exchange: str,
        from_id: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
        recv_window: RecvWindow = 5000,
        timestamp: Timestamp = None,
        signature: Signature = None,
        x_api_key: ApiKey = None,
    ) -> list[dict[str, Any]]:
        key = authenticate(request, x_api_key)
        ex = exchange_of(exchange)
        ex.sync()
        out = []
        for fill in ex.fills_after(from_id):
            if fill.key == key:
                out.append(ex.markets[fill.symbol].fill_json(fill))
                if len(out) >= limit:
                    break
        return out

    def lookup(
        ex: MockExchange, key: str, order_id: int | None, client_order_id: str | None, market: MockMarket
    ) -> Any:
        if (order_id is None) == (client_order_id is None):
            raise OrderError(400, "give exactly one of order_id and client_order_id")
        record = ex.find(key, order_id=order_id, client_order_id=client_order_id)
        if record.symbol != market.spec.symbol:
            raise OrderError(404, "unknown order")
        return record

    # -- fault injection (tests) --------------------------------------------------------------------------------
    if config.faults:

        @app.post("/admin/faults", summary="Inject a fault into the book streams (only with --faults)")
        async def inject(
            kind: FaultKind,
            count: Annotated[int, Query(ge=1, le=1000)] = 1,
            ms: Annotated[int, Query(ge=1, le=60_000)] = 1000,
        ) -> dict[str, Any]:
            if kind == "stall":
                faults.stall_until = time.monotonic() + ms / 1000
            elif kind == "disconnect":
                faults.generation += 1
            else:
                setattr(faults, kind, getattr(faults, kind) + count)
            return {"injected": kind, "count": count}

    # -- streams ------------------------------------------------------------------------------------------------
    async def send(websocket: WebSocket, stream: str, text: str) -> None:
        await websocket.send_text(text)
        _sent(metrics, stream)

    @app.websocket("/ws/orderbook/{exchange}/{symbol}")
    async def ws_orderbook_counted(websocket: WebSocket, exchange: str, symbol: str) -> None:
        with _connected(metrics, "book"):
            await ws_orderbook(websocket, exchange, symbol)

    @app.websocket("/ws/user/{exchange}")
    async def ws_user_counted(websocket: WebSocket, exchange: str) -> None:
        with _connected(metrics, "user"):
            await ws_user(websocket, exchange)

    async def ws_orderbook(websocket: WebSocket, exchange: str, symbol: str) -> None:
        await websocket.accept()
        try:
            ex = exchange_of(exchange)
            market = market_of(ex, symbol)
            depth = _int_param(websocket, "depth", 20, 1, MAX_DEPTH)
            interval_ms = _int_param(websocket, "interval_ms", 100, 10, 60_000)
        except HTTPException as exc:
            await _refuse(websocket, str(exc.detail))
            return
        generation = faults.generation
        held: str | None = None
        seq = 0
        period = interval_ms / 1000
        next_at = time.monotonic()
        outbox = _Outbox(websocket, config.send_queue, lambda: _sent(metrics, "book"), ex)
        try:
            while faults.generation == generation:
                outbox.check()
                if time.monotonic() < faults.stall_until:
                    await asyncio.sleep(period)
                    next_at = time.monotonic()
                    continue
                market.sync()
                seq += 1
                frame = {"type": "book", "exchange": ex.spec.name, "seq": seq, **market.book(depth)}
                frame["sent_ns"] = time.time_ns()  # the wall clock at sending: a client measures delivery latency
                text = json.dumps(frame)
                if faults.drop:
                    faults.drop -= 1
                elif faults.malformed:
                    faults.malformed -= 1
                    outbox.put(text[: len(text) // 2])
                elif faults.reorder and held is None:
                    faults.reorder -= 1
                    held = text
                else:
                    outbox.put(text)
                    if held is not None:
                        outbox.put(held)
                        held = None
                    if faults.duplicate:
                        faults.duplicate -= 1
                        outbox.put(text)
                # on a fixed cadence (a frame's own cost does not stretch the interval); late, start afresh
                next_at += period
                delay = next_at - time.monotonic()
                if delay < -period:
                    next_at, delay = time.monotonic(), 0.0
                await asyncio.sleep(max(delay, 0.0))
            await outbox.stop()
            await websocket.close(1012, "server restarting the stream")
        except (WebSocketDisconnect, RuntimeError, OSError):
            return
        finally:
            await outbox.stop()

    async def ws_user(websocket: WebSocket, exchange: str) -> None:
        await websocket.accept()
        try:
            ex = exchange_of(exchange)
            key = verify(
                config.keys, websocket.query_params.get("api_key"), websocket.scope["query_string"].decode("latin-1")
            )
        except HTTPException as exc:
            await _refuse(websocket, str(exc.detail))
            return
        except AuthError as exc:
            await _refuse(websocket, exc.message)
            return
        queue = ex.subscribe(key)
        generation = faults.generation
        try:
            await send(websocket, "user", json.dumps({"type": "subscribed", "seq": ex.user_seq.get(key, 0)}))
            while faults.generation == generation:
                try:
                    event = await asyncio.wait_for(queue.get(), USER_HEARTBEAT_S)
                except TimeoutError:
                    await send(websocket, "user", json.dumps({"type": "heartbeat", "seq": ex.user_seq.get(key, 0)}))
                    continue
                if event is None:
                    await websocket.close(1013, "slow consumer: reconnect and reconcile")
                    return
                await send(websocket, "user", json.dumps(event))
            await websocket.close(1012, "server restarting the stream")
        except (WebSocketDisconnect, RuntimeError, OSError):
            return
        finally:
            ex.unsubscribe(key, queue)

    from hft_core.serve.binance import add_binance_routes

    add_binance_routes(app, exchanges, config.keys, limiter, config.rate, lambda: faults.generation, metrics)
    return app


class _Outbox:
    """A book stream's frames on their way to one client: a queue of at most ``limit`` frames, sent by a task of
    its own, so a client that does not read holds up only its own frames. The server's memory for it is bounded
    (``limit`` frames, and the transport's write buffer, beyond whose high-water mark uvicorn's send waits): when
    the queue is full the oldest frame is dropped (counted in the exchange's ``book_frames_dropped``), and the
    client, reading again, finds a ``seq`` gap and resyncs from a snapshot (docs/live.md, the fault model)."""

    def __init__(self, websocket: WebSocket, limit: int, on_sent: Any, exchange: MockExchange) -> None:
        self._websocket = websocket
        self._limit = limit
        self._on_sent = on_sent
        self._exchange = exchange
        self._frames: deque[str] = deque()
        self._ready = asyncio.Event()
        self._task = asyncio.create_task(self._send_all())

    def put(self, text: str) -> None:
        self._frames.append(text)
        while len(self._frames) > self._limit:
            self._frames.popleft()
            self._exchange.book_frames_dropped += 1
        self._ready.set()

    def check(self) -> None:
        """Raise the sender's error (the client went away) in the stream's task."""
        if self._task.done() and not self._task.cancelled():
            error = self._task.exception()
            if error is not None:
                raise error
            raise RuntimeError("the book stream's sender stopped")

    async def stop(self) -> None:
        """Send what is queued while the client reads (a close follows it), then stop the sender."""
        if not self._task.done():
            self._frames.append("")  # the end
            self._ready.set()
            with contextlib.suppress(TimeoutError, asyncio.CancelledError, WebSocketDisconnect, RuntimeError, OSError):
                await asyncio.wait_for(asyncio.shield(self._task), 1.0)
        if not self._task.done():
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError, OSError):
            await self._task

    async def _send_all(self) -> None:
        frames = self._frames
        while True:
            while not frames:
                self._ready.clear()
                await self._ready.wait()
            text = frames.popleft()
            if not text:
                return
            await self._websocket.send_text(text)
            self._on_sent()


def _metrics(exchanges: Mapping[str, MockExchange]) -> Any:
    """The application's `ServeMetrics`, or None without prometheus-client (then there is no ``/metrics``)."""
    try:
        from hft_core.serve.metrics import ServeMetrics
    except ImportError:
        return None
    return ServeMetrics(exchanges)


def _sent(metrics: Any, stream: str) -> None:
    if metrics is not None:
        metrics.ws_messages.labels(stream).inc()


@contextlib.contextmanager
def _connected(metrics: Any, stream: str) -> Iterator[None]:
    if metrics is None:
        yield
        return
    gauge = metrics.ws_connections.labels(stream)
    gauge.inc()
    try:
        yield
    finally:
        gauge.dec()


def _int_param(websocket: WebSocket, name: str, default: int, low: int, high: int) -> int:
    raw = websocket.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPException(422, f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise HTTPException(422, f"{name} must be within {low}..{high}, got {value}")
    return value


async def _refuse(websocket: WebSocket, message: str) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        await websocket.send_text(json.dumps({"type": "error", "message": message}))
        await websocket.close(1008, message[:120])


def _version() -> str:
    from hft_core.__about__ import __version__

    return __version__
