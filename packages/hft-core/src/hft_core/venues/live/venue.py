"""The live venue: the `Venue` protocol over a network connection to an exchange (``hft serve``'s seed-style API).

Threads. An asyncio event loop runs on a background thread and owns every socket: one order-book WebSocket per
instrument, one user stream (order updates and fills) and an HTTP client for snapshots and order entry. The engine's
thread only reads and writes the shared state below under one lock (`threading.Condition`); the loop wakes it.

Time. Local time is the wall clock (`time.time_ns`). `LiveVenue.advance` waits in wall-clock time until ``until``
or until something watched arrives (a report on one of the strategy's orders; a change of a watched top of book, not
before ``watch.book_from``), whichever comes first. There is no exchange-side latency model: what the network and
the exchange take is the latency.

Faults. Each stream reconnects with exponential backoff and full jitter (``backoff_s × 2^attempt``, capped at
``max_backoff_s``, times a uniform draw in [0.5, 1.5)); a stream silent for ``heartbeat_timeout_s`` is dropped and
reconnected. Book frames carry a per-connection ``seq``: a duplicate or an older frame is dropped, a jump (a lost
frame) makes the client fetch a REST snapshot before applying further frames; a malformed frame is counted and
skipped; frames older than the book the client holds never replace it (a reader that fell behind finds the server
dropped frames for it: the jump resyncs it, and the stale frames still buffered are then dropped). After every
(re)connection of the user stream,
and whenever its ``seq`` jumps, the client reconciles: fills since the last fill id it saw, the open orders, and the
final state of every order it believed open. A server that restarted (another ``instance`` in ``/health``) has none
of the client's orders: those are reported cancelled, and fill ids count from the start again.

Dialects. This class speaks ``hft serve``'s seed-style API; the methods under "the dialect" (URL, instruments, book
stream, order requests and answers, fills and open orders for reconciliation, the user stream's URL and messages)
are what another API replaces (`hft_core.venues.live.binance.BinanceLiveVenue`, Binance's spot dialect), while the
threads, reconnection, reconciliation and order bookkeeping here are shared.

Orders. Each engine order id becomes the client order id ``<session>-<id>``; a create is retried on a network error
with the same id, and the server's idempotency makes a retried create never a second order. Fills are reported only
from the server's fill records (each fill id once), so a fill is never lost or reported twice; one cancel of an order is
on its way at a time (a strategy that cancels on every timer while the loop is held up queues one, not one per
timer); a terminal update
(cancelled, expired) waits for the fills the server says came before it. ``modify`` is not in the seed-style API: it
is refused (a REJECTED report that leaves the order standing, as the engine expects of a refused modify).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from hft_core.errors import ConfigError, HftError
from hft_core.events import BUY, SELL
from hft_core.instruments import FeeSchedule, Instrument
from hft_core.matching.orders import OrderReason, OrderStatus, OrderType
from hft_core.venues.base import Advance, Report, TopOfBook, Watch

__all__ = ["LiveFill", "LiveStats", "LiveVenue", "parse_live_url"]

_ORDER_TYPES = {
    OrderType.LIMIT: "limit",
    OrderType.MARKET: "market",
    OrderType.IOC: "ioc",
    OrderType.FOK: "fok",
    OrderType.POST_ONLY: "post_only",
}
_TERMINAL = {"cancelled": OrderStatus.CANCELLED, "expired": OrderStatus.EXPIRED, "rejected": OrderStatus.REJECTED}


def parse_live_url(url: str) -> tuple[str, str, str, tuple[str, ...]]:
    """``ws://host:port/EXCHANGE/SYM1[,SYM2...]`` → (ws base, http base, exchange, symbols)."""
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.netloc:
        raise ConfigError(f"live venue URL {url!r}: expected ws://HOST:PORT/EXCHANGE/SYMBOL[,SYMBOL...]")
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) != 2 or not all(segments[1].split(",")):
        raise ConfigError(f"live venue URL {url!r}: the path must be /EXCHANGE/SYMBOL[,SYMBOL...]")
    http = "https" if parts.scheme == "wss" else "http"
    symbols = tuple(s.upper() for s in segments[1].split(","))
    return f"{parts.scheme}://{parts.netloc}", f"{http}://{parts.netloc}", segments[0].lower(), symbols


@dataclass(slots=True)
class LiveStats:
    """What the connection went through: counts since the venue started."""

    connects: int = 0
    disconnects: int = 0
    frames: int = 0
    gaps: int = 0
    duplicates: int = 0
    stale: int = 0
    malformed: int = 0
    resyncs: int = 0
    reconciles: int = 0
    server_restarts: int = 0
    heartbeat_timeouts: int = 0
    order_retries: int = 0


@dataclass(frozen=True, slots=True)
class LiveFill:
    """One fill reported to the engine: the server's fill id, the engine's order id, ticks, lots, the fee (quote)."""

    fill_id: int
    instrument: int
    order_id: int
    side: int
    price: int
    qty: int
    fee: float
    maker: bool


@dataclass(slots=True)
class _Book:
    bids: list[tuple[int, int]] = field(default_factory=list)
    asks: list[tuple[int, int]] = field(default_factory=list)
    ts: int = -1
    dirty: bool = False
    ready: bool = False


@dataclass(slots=True)
class _Order:
    order_id: int
    instrument: int
    side: int
    price: int
    qty: int
    order_type: OrderType = OrderType.LIMIT
    filled: int = 0
    acked: bool = False
    done: bool = False
    created: bool = False
    """The server answered the create (or reported the order): an order it then does not know was lost."""
    deferred: tuple[OrderStatus, OrderReason, int] | None = None
    """A terminal update waiting for the fills before it: (status, reason, the server's filled lots)."""
    sent_ns: int = 0
    """`time.perf_counter_ns` when it was submitted: its round trip ends with its first report from the server."""
    cancelling: bool = False
    """A cancel of it is on its way: another is not sent until it is answered (a strategy that cancels on every
    timer while the loop is held up would otherwise queue one request per order per timer)."""


class LiveVenue:
    """A `Venue` trading on an exchange over the network (see the module docstring). Build it with `live_venue`."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        secret: str | None = None,
        depth: int = 20,
        interval_ms: int = 100,
        heartbeat_timeout_s: float = 2.0,
        backoff_s: float = 0.05,
        max_backoff_s: float = 2.0,
        connect_timeout_s: float = 5.0,
        rest_timeout_s: float = 5.0,
        session: str | None = None,
        metrics_port: int | None = None,
        metrics_host: str = "127.0.0.1",
    ) -> None:
        self.url = url
        self._ws_base, self._http_base, self.exchange, self.symbols = self._parse_url(url)
        if (api_key is None) != (secret is None):
            raise ConfigError("give both api_key and secret, or neither (market data only)")
        self._api_key = api_key
        self._secret = secret
        self._depth = depth
        self._interval_ms = interval_ms
        self._heartbeat_s = heartbeat_timeout_s
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s
        self._connect_timeout_s = connect_timeout_s
        self._rest_timeout_s = rest_timeout_s
        self.session = session or secrets.token_hex(4)
        self.stats = LiveStats()
        self.on_round_trip: Callable[[float], None] | None = None
        """Called with each order's round trip (seconds from `submit` to the server's first report of it)."""
        self.positions: list[int] = []
        """Each instrument's position (lots) from the fills reported so far."""
        self.cash: list[float] = []
        """Each instrument's cash flow (quote currency, fees included) from the fills reported so far."""
        self._metrics_address = None if metrics_port is None else (metrics_host, metrics_port)
        self.metrics: Any = None
        """The `LiveMetrics` served on ``metrics_port`` (Prometheus), once started."""
        self._cond = threading.Condition()
        self._books = [_Book() for _ in self.symbols]
        self._orders: dict[int, _Order] = {}
        self._reports: list[Report] = []
        self._seen_fills: set[tuple[int, int]] = set()
        self._max_fill_id = 0
        self._max_fill_ids = [0] * len(self.symbols)
        """Per instrument, the highest fill id of this session's fills (a dialect whose ids are per symbol)."""
        self.fills: list[LiveFill] = []
        """Every fill reported to the engine, in order, as the server recorded it."""
        self._instance: str | None = None
        self._user_seq = 0
        self._user_synced = False
        self._now = 0
        self._stopping = False
        self._error: BaseException | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run_loop, name=f"live-venue:{url}", daemon=True)
        self._thread.start()
        self._instruments: tuple[Instrument, ...] = self._call(
            self._load_instruments(), connect_timeout_s + rest_timeout_s
        )
        self.positions = [0] * len(self._instruments)
        self.cash = [0.0] * len(self._instruments)
        self._started = False

    # -- the Venue protocol -----------------------------------------------------------------------------------
    @property
    def instruments(self) -> tuple[Instrument, ...]:
        return self._instruments

    @property
    def name(self) -> str:
        return f"live:{self.url}"

    @property
    def simulated(self) -> bool:
        return False

    def start(self) -> int:
        """Open the streams and wait (up to ``connect_timeout_s``) for every instrument's first book."""
        if self._started:
            raise RuntimeError("the live venue has already started")
        self._started = True
        if self._metrics_address is not None:
            from hft_core.venues.live.metrics import LiveMetrics

            self.metrics = LiveMetrics(self).serve(self._metrics_address[1], self._metrics_address[0])
        asyncio.run_coroutine_threadsafe(self._main(), self._loop)
        deadline = time.monotonic() + self._connect_timeout_s
        with self._cond:
            while not all(book.ready for book in self._books):
                self._raise_error()
                left = deadline - time.monotonic()
                if left <= 0:
                    raise HftError(f"no order book from {self.url} within {self._connect_timeout_s:g} s")
                self._cond.wait(left)
            for book in self._books:
                book.dirty = False
        self._now = time.time_ns()
        return self._now

    def advance(self, until: int, watch: Watch) -> Advance:
        """Wait in wall-clock time until ``until`` or the first watched arrival (see the module docstring)."""
        with self._cond:
            while True:
                self._raise_error()
                now = max(time.time_ns(), self._now)
                changed = tuple(
                    i
                    for i, book in enumerate(self._books)
                    if book.dirty and i < len(watch.book) and watch.book[i] and now >= watch.book_from
                )
                if (self._reports and watch.reports) or changed or now >= until:
                    break
                wake = until
                if any(b.dirty and i < len(watch.book) and watch.book[i] for i, b in enumerate(self._books)):
                    wake = min(wake, watch.book_from)
                self._cond.wait(max(wake - now, 0) / 1e9)
            for i in changed:
                self._books[i].dirty = False
            reports, self._reports = self._reports, []
            self._now = now
        return Advance(now, reports, [], changed, False)

    def submit(
        self, now: int, instrument: int, order_id: int, side: int, order_type: OrderType, price: int, qty: int
    ) -> None:
        """Send a create (client order id ``<session>-<order_id>``) without waiting; reports follow."""
        self._check(instrument)
        with self._cond:
            if order_id in self._orders:
                raise ValueError(f"order id {order_id} was already used")
            self._orders[order_id] = _Order(
                order_id, instrument, side, price, qty, OrderType(order_type), sent_ns=time.perf_counter_ns()
            )
        asyncio.run_coroutine_threadsafe(self._create(order_id), self._loop)

    def acknowledged(self, order_id: int) -> bool:
        """Always False: every acceptance is reported."""
        return False

    def cancel(self, now: int, instrument: int, order_id: int) -> None:
        """Send a cancel without waiting, unless one of this order is already on its way."""
        self._check(instrument)
        with self._cond:
            order = self._orders.get(order_id)
            if order is not None and not order.done:
                if order.cancelling:
                    return
                order.cancelling = True
        asyncio.run_coroutine_threadsafe(self._cancel(order_id), self._loop)

    def modify(self, now: int, instrument: int, order_id: int, price: int, qty: int) -> None:
        """Refused: neither dialect has a modify here (cancel and place a new order instead)."""
        self._check(instrument)
        with self._cond:
            order = self._orders.get(order_id)
            if order is None or order.done:
                self._reports.append(
                    Report(
                        time.time_ns(), instrument, order_id, OrderStatus.REJECTED, OrderReason.UNKNOWN_ORDER, 0, 0, 0
                    )
                )
            else:
                leaves = order.qty - order.filled
                self._reports.append(
                    Report(time.time_ns(), instrument, order_id, OrderStatus.REJECTED, OrderReason.INVALID_ORDER_TYPE,
                           order.side, order.price, leaves)
                )  # fmt: skip
            self._cond.notify_all()

    def top(self, instrument: int) -> TopOfBook:
        book = self._books[self._check(instrument)]
        with self._cond:
            bid = book.bids[0] if book.bids else None
            ask = book.asks[0] if book.asks else None
        return TopOfBook(
            None if bid is None else bid[0], 0 if bid is None else bid[1],
            None if ask is None else ask[0], 0 if ask is None else ask[1],
        )  # fmt: skip

    def depth(self, instrument: int, side: int, levels: int) -> list[tuple[int, int]]:
        if side not in (BUY, SELL):
            raise ValueError(f"side must be BUY (1) or SELL (-1), got {side!r}")
        book = self._books[self._check(instrument)]
        with self._cond:
            return list((book.bids if side == BUY else book.asks)[: max(levels, 0)])

    def progress(self) -> float:
        """0: a live venue has no end (the engine's ``duration_s`` ends the run)."""
        return 0.0

    # -- beyond the protocol ----------------------------------------------------------------------------------
    def book_snapshot(self, instrument: int) -> tuple[int, list[tuple[int, int]], list[tuple[int, int]]]:
        """The client's book of ``instrument``: (server market time of it, bids, asks), in ticks and lots."""
        book = self._books[self._check(instrument)]
        with self._cond:
            return book.ts, list(book.bids), list(book.asks)

    def client_order_id(self, order_id: int) -> str:
        return f"{self.session}-{order_id}"

    def close(self) -> None:
        """Close the streams and stop the event loop's thread."""
        if self._stopping:
            return
        self._stopping = True
        if self.metrics is not None:
            self.metrics.close()

        async def shutdown() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self._http is not None:
                await self._http.aclose()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def __enter__(self) -> LiveVenue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the event loop's side ----------------------------------------------------------------------------------
    _http: Any = None

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()
        self._loop.close()

    def _call(self, coro: Any, timeout: float) -> Any:
        try:
            return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)
        except HftError:
            self.close()
            raise
        except Exception as exc:
            self.close()
            raise HftError(f"cannot reach {self.url}: {exc!r}") from exc

    def _raise_error(self) -> None:
        if self._error is not None:
            raise HftError(f"live venue {self.url}: {self._error}") from self._error

    def _check(self, instrument: int) -> int:
        if not 0 <= instrument < len(self.symbols):
            raise ValueError(f"instrument index {instrument} out of range (0..{len(self.symbols) - 1})")
        return instrument

    async def _load_instruments(self) -> tuple[Instrument, ...]:
        import httpx

        self._http = httpx.AsyncClient(base_url=self._http_base, timeout=self._rest_timeout_s)
        health = (await self._http.get("/health")).json()
        self._instance = health.get("instance")
        response = await self._http.get(f"/api/{self.exchange}/info")
        if response.status_code != 200:
            raise HftError(f"{self.url}: {response.status_code} {response.text}")
        info = response.json()
        listed = {row["symbol"]: row for row in info["symbols"]}
        fees = FeeSchedule(maker=float(info["maker_fee"]), taker=float(info["taker_fee"]))
        out = []
        for symbol in self.symbols:
            row = listed.get(symbol)
            if row is None:
                raise ConfigError(f"{self.url}: {self.exchange} lists no {symbol}; it lists {sorted(listed)}")
            out.append(
                Instrument(symbol, float(row["tick_size"]), float(row["lot_size"]), venue=self.exchange, fees=fees,
                           base=row["base"], quote=row["quote"])
            )  # fmt: skip
        return tuple(out)

    async def _main(self) -> None:
        tasks = [asyncio.create_task(self._book_stream(i)) for i in range(len(self.symbols))]
        if self._api_key is not None:
            tasks.append(asyncio.create_task(self._user_stream()))
            tasks.extend(asyncio.create_task(coro) for coro in self._background())
        try:
            await asyncio.gather(*tasks)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # a refused stream (bad symbol, bad key): the engine's next call raises it
            with self._cond:
                self._error = exc
                self._cond.notify_all()

    def _backoff(self, attempt: int) -> float:
        return float(min(self._max_backoff_s, self._backoff_s * 2**attempt) * (0.5 + random.random()))

    # -- market data --------------------------------------------------------------------------------------------
    async def _book_stream(self, index: int) -> None:
        import websockets

        url = (
            f"{self._ws_base}/ws/orderbook/{self.exchange}/{self.symbols[index]}"
            f"?depth={self._depth}&interval_ms={self._interval_ms}"
        )
        attempt = 0
        while not self._stopping:
            try:
                async with await self._open_book_stream(url) as ws:
                    self.stats.connects += 1
                    await self._resync(index)
                    last_seq = 0
                    while True:
                        try:
                            raw = await asyncio.wait_for(ws.recv(), self._heartbeat_s)
                        except TimeoutError:
                            self.stats.heartbeat_timeouts += 1
                            break
                        frame = _parse(raw)
                        if frame is None or frame.get("type") not in ("book", "error"):
                            self.stats.malformed += 1
                            continue
                        if frame["type"] == "error":
                            raise HftError(f"{url}: {frame.get('message')}")
                        seq = frame["seq"]
                        if seq <= last_seq:
                            self.stats.duplicates += 1
                            continue
                        if last_seq and seq != last_seq + 1:
                            self.stats.gaps += 1
                            await self._resync(index)
                        last_seq = seq
                        self.stats.frames += 1
                        self._apply_book(index, frame)
                        attempt = 0
            except (OSError, TimeoutError, websockets.ConnectionClosed, websockets.InvalidHandshake):
                pass
            self.stats.disconnects += 1
            await asyncio.sleep(self._backoff(attempt))
            attempt += 1

    async def _open_book_stream(self, url: str) -> Any:
        """The book stream's connection, without permessage-deflate: each full-book frame would be deflated by the
        server and inflated here, and a reader that falls behind would find its backlog counted in compressed bytes
        (a thousand frames in the server's 64 kB write buffer) instead of dropped at the server's queue, which is
        bounded in frames (a ``seq`` gap: a resync)."""
        import websockets

        return await websockets.connect(url, open_timeout=self._connect_timeout_s, close_timeout=1, compression=None)

    async def _resync(self, index: int) -> None:
        response = await self._http.get(
            f"/api/{self.exchange}/orderbook/{self.symbols[index]}", params={"depth": self._depth}
        )
        if response.status_code == 200:
            snapshot = _parse(response.text)
            if snapshot is not None:
                self.stats.resyncs += 1
                self._apply_book(index, snapshot)

    def _apply_book(self, index: int, frame: Mapping[str, Any]) -> None:
        try:
            ts = int(frame["ts"])
            inst = self._instruments[index]
            bids = [(inst.price_to_ticks(p, "nearest"), inst.qty_to_lots(q, "nearest")) for p, q in frame["bids"]]
            asks = [(inst.price_to_ticks(p, "nearest"), inst.qty_to_lots(q, "nearest")) for p, q in frame["asks"]]
        except (KeyError, TypeError, ValueError):
            self.stats.malformed += 1
            return
        book = self._books[index]
        with self._cond:
            if ts < book.ts:
                self.stats.stale += 1
                return
            top_before = (book.bids[:1], book.asks[:1])
            book.bids, book.asks, book.ts = bids, asks, ts
            if (bids[:1], asks[:1]) != top_before:
                book.dirty = True
            book.ready = True
            self._cond.notify_all()

    # -- orders -------------------------------------------------------------------------------------------------
    async def _signed(self, method: str, path: str, params: Mapping[str, object]) -> Any:
        """A signed request, retried on network errors and 429 (bounded); returns the httpx response."""
        import httpx

        from hft_core.serve.auth import signed_query

        assert self._api_key is not None and self._secret is not None
        for attempt in range(8):
            query = signed_query(self._secret, {**params, **self._signed_extra})
            try:
                response = await self._http.request(
                    method, f"{path}?{query}", headers={self._key_header: self._api_key}
                )
            except httpx.HTTPError:
                self.stats.order_retries += 1
                await asyncio.sleep(self._backoff(attempt))
                continue
            if response.status_code == 429:
                self.stats.order_retries += 1
                wait_ms = response.headers.get("Retry-After-Ms")
                if wait_ms is None:
                    wait_ms = str(int(response.headers.get("Retry-After", "1")) * 1000)
                await asyncio.sleep(int(wait_ms) / 1000)
                continue
            return response
        return None

    # -- the dialect: what differs between the seed-style API and another (`hft_core.venues.live.binance`) -------
    def _parse_url(self, url: str) -> tuple[str, str, str, tuple[str, ...]]:
        """The venue URL → (stream base, REST base, exchange, symbols)."""
        return parse_live_url(url)

    _key_header = "X-API-KEY"
    """The header carrying the API key of a signed request."""
    _signed_extra: Mapping[str, object] = {}
    """Parameters added to every signed request (before ``timestamp``)."""

    def _create_request(self, order: _Order) -> tuple[str, dict[str, object]]:
        """The path and parameters of the create of ``order`` (a POST)."""
        inst = self._instruments[order.instrument]
        params: dict[str, object] = {
            "symbol": inst.symbol,
            "side": "buy" if order.side == BUY else "sell",
            "type": _ORDER_TYPES[order.order_type],
            "qty": repr(inst.lots_to_qty(order.qty)),
            "client_order_id": self.client_order_id(order.order_id),
        }
        if order.order_type != OrderType.MARKET:
            params["price"] = repr(inst.ticks_to_price(order.price))
        return f"/api/{self.exchange}/order", params

    def _order_request(self, order: _Order) -> tuple[str, dict[str, object]]:
        """The path and parameters naming ``order`` (a query's GET, a cancel's DELETE)."""
        params = {"symbol": self.symbols[order.instrument], "client_order_id": self.client_order_id(order.order_id)}
        return f"/api/{self.exchange}/order", dict(params)

    def _order_event(self, answer: Mapping[str, Any]) -> Mapping[str, Any]:
        """An order from the server in the seed-style shape `_on_order` reads (``client_order_id``, ``status``,
        ``reason``, ``filled_qty``)."""
        return answer

    def _refusal(self, response: Any) -> OrderReason | None:
        """Why the server refused a create; None when it already holds the order (a retried create)."""
        return _refusal_reason(response.text)

    def _unknown(self, response: Any) -> bool:
        """The answer to an order query says the server has no such order."""
        return bool(response.status_code == 404)

    _health_url: str | None = "/health"
    """Where the server says which ``instance`` it is (None: it does not say, so a restart goes unnoticed)."""

    async def _restarted(self) -> bool | None:
        """Whether the server restarted since it was last asked (another ``instance``); None if unreachable."""
        import httpx

        if self._health_url is None:
            return False
        try:
            health = (await self._http.get(self._health_url)).json()
        except (httpx.HTTPError, ValueError):
            return None
        if health.get("instance") == self._instance:
            return False
        self._instance = health.get("instance")
        return True

    async def _fills_since(self) -> list[Mapping[str, Any]] | None:
        """The session's fills after the last fill id seen (seed-style shape: `_on_fill`); None if unreachable."""
        out: list[Mapping[str, Any]] = []
        from_id = self._max_fill_id
        while True:
            response = await self._signed("GET", f"/api/{self.exchange}/fills", {"from_id": from_id})
            if response is None or response.status_code != 200:
                return None
            fills = response.json()
            out.extend(fills)
            if len(fills) < 1000:
                return out
            from_id = max(int(f["fill_id"]) for f in fills)

    async def _open_orders(self) -> list[Mapping[str, Any]] | None:
        """The key's open orders (seed-style shape: `_on_order`); None if unreachable."""
        response = await self._signed("GET", f"/api/{self.exchange}/open_orders", {})
        if response is None or response.status_code != 200:
            return None
        return list(response.json())

    async def _user_stream_url(self) -> str:
        """The URL of the user stream, fetched or signed anew for each connection."""
        from hft_core.serve.auth import signed_query

        assert self._api_key is not None and self._secret is not None
        return f"{self._ws_base}/ws/user/{self.exchange}?{signed_query(self._secret, {'api_key': self._api_key})}"

    _user_ping_s: float | None = 20.0
    """WebSocket pings of the user stream (the protocol's; the seed-style stream also sends heartbeats)."""

    def _user_silence_s(self) -> float | None:
        """Seconds of silence after which the user stream is dropped (None: never; pings watch it)."""
        return max(self._heartbeat_s, 1.5)

    async def _on_user_connected(self) -> None:
        """Called at each (re)connection of the user stream: the seed-style stream reconciles at ``subscribed``."""
        self._user_synced = False

    async def _on_user_event(self, event: Mapping[str, Any]) -> bool:
        """One message of the user stream; True when it shows a healthy, synced stream (the backoff resets)."""
        if not isinstance(event.get("seq"), int):
            self.stats.malformed += 1
            return False
        kind = event.get("type")
        if kind == "error":
            raise HftError(f"user stream of {self.exchange}: {event.get('message')}")
        if kind == "subscribed":
            self._user_seq = event["seq"]
            await self._reconcile()
            self._user_synced = True
            return True
        if not self._user_synced:
            return False
        seq = event["seq"]
        if kind == "heartbeat":
            if seq > self._user_seq:
                self.stats.gaps += 1
                await self._reconcile()
                self._user_seq = seq
            return False
        if seq <= self._user_seq:
            self.stats.duplicates += 1
            return False
        if seq != self._user_seq + 1:
            self.stats.gaps += 1
            await self._reconcile()
        self._user_seq = seq
        if kind == "fill":
            self._on_fill(event)
        elif kind == "order":
            self._on_order(event)
        return False

    def _background(self) -> list[Any]:
        """Coroutines run beside the streams (a listen key's keepalive)."""
        return []

    async def _create(self, order_id: int) -> None:
        order = self._orders[order_id]
        response = await self._signed("POST", *self._create_request(order))
        if response is None:
            return  # unreachable for now: the reconciliation after the reconnect settles it
        if response.status_code in (200, 201):
            self._on_order(self._order_event(response.json()))
            return
        reason = self._refusal(response)
        if reason is None:  # the server has it (a retried create whose first answer was lost): its state
            answer = await self._signed("GET", *self._order_request(order))
            if answer is not None and answer.status_code == 200:
                self._on_order(self._order_event(answer.json()))
        else:
            with self._cond:
                self._round_trip(order)
                order.done = True
                self._reports.append(
                    Report(time.time_ns(), order.instrument, order_id, OrderStatus.REJECTED, reason, order.side,
                           order.price, 0)
                )  # fmt: skip
                self._cond.notify_all()

    async def _cancel(self, order_id: int) -> None:
        order = self._orders.get(order_id)
        if order is None or order.done:
            instrument = 0 if order is None else order.instrument
            with self._cond:
                self._reports.append(
                    Report(
                        time.time_ns(), instrument, order_id, OrderStatus.REJECTED, OrderReason.UNKNOWN_ORDER, 0, 0, 0
                    )
                )
                self._cond.notify_all()
            return
        try:
            response = await self._signed("DELETE", *self._order_request(order))
        finally:
            with self._cond:
                order.cancelling = False
        if response is not None and response.status_code == 200:
            self._on_order(self._order_event(response.json()))

    def _local_id(self, client_order_id: str) -> int | None:
        prefix, _, number = client_order_id.rpartition("-")
        if prefix != self.session or not number.isdigit():
            return None  # another session's order (or another client's)
        return int(number)

    def _on_order(self, event: Mapping[str, Any]) -> None:
        """An order's state from the server (stream, REST answer or reconciliation): report what is new."""
        order_id = self._local_id(str(event.get("client_order_id", "")))
        if order_id is None:
            return
        with self._cond:
            order = self._orders.get(order_id)
            if order is None or order.done:
                return
            order.created = True
            inst = self._instruments[order.instrument]
            status = event.get("status")
            now = time.time_ns()
            self._round_trip(order)
            if not order.acked and status != "rejected":
                order.acked = True
                self._reports.append(
                    Report(now, order.instrument, order_id, OrderStatus.ACCEPTED, OrderReason.NONE, order.side,
                           order.price, order.qty - order.filled)
                )  # fmt: skip
            if status in _TERMINAL:
                reason = _reason(event.get("reason"))
                server_filled = _lots(inst, event.get("filled_qty"))
                order.deferred = (_TERMINAL[status], reason, server_filled)
                self._settle_deferred(order, now)
            self._cond.notify_all()

    def _round_trip(self, order: _Order) -> None:
        """The order's round trip ends (once) with the first word of it from the server."""
        if order.sent_ns:
            elapsed = (time.perf_counter_ns() - order.sent_ns) / 1e9
            order.sent_ns = 0
            if self.on_round_trip is not None:
                self.on_round_trip(elapsed)

    def _settle_deferred(self, order: _Order, now: int) -> None:
        if order.deferred is None or order.done:
            return
        status, reason, server_filled = order.deferred
        if order.filled < server_filled:
            return  # its fills first: they are on their way (stream) or fetched by the next reconciliation
        order.done = True
        order.deferred = None
        leaves = 0
        self._reports.append(
            Report(now, order.instrument, order.order_id, status, reason, order.side, order.price, leaves)
        )

    def _on_fill(self, event: Mapping[str, Any]) -> None:
        """A fill record from the server: reported once per fill id."""
        order_id = self._local_id(str(event.get("client_order_id", "")))
        fill_id = int(event["fill_id"])
        with self._cond:
            self._max_fill_id = max(self._max_fill_id, fill_id)
            order = None if order_id is None else self._orders.get(order_id)
            if order is None or order.done or (order.instrument, fill_id) in self._seen_fills:
                return
            order_id = order.order_id
            self._seen_fills.add((order.instrument, fill_id))
            self._max_fill_ids[order.instrument] = max(self._max_fill_ids[order.instrument], fill_id)
            inst = self._instruments[order.instrument]
            qty = inst.qty_to_lots(float(event["qty"]), "nearest")
            price = inst.price_to_ticks(float(event["price"]), "nearest")
            now = time.time_ns()
            order.created = True
            self._round_trip(order)
            self.positions[order.instrument] += qty if order.side == BUY else -qty
            notional = inst.notional(price, qty)
            fee = float(event.get("fee", 0.0))
            self.cash[order.instrument] -= (notional if order.side == BUY else -notional) + fee
            self.fills.append(
                LiveFill(fill_id, order.instrument, order_id, order.side, price, qty, fee, bool(event.get("maker")))
            )
            if not order.acked:
                order.acked = True
                self._reports.append(
                    Report(now, order.instrument, order_id, OrderStatus.ACCEPTED, OrderReason.NONE, order.side,
                           order.price, order.qty - order.filled)
                )  # fmt: skip
            order.filled += qty
            leaves = max(order.qty - order.filled, 0)
            status = OrderStatus.FILLED if leaves == 0 else OrderStatus.PARTIALLY_FILLED
            self._reports.append(
                Report(now, order.instrument, order_id, status, OrderReason.NONE, order.side, order.price, leaves,
                       qty, price, bool(event.get("maker")))
            )  # fmt: skip
            if leaves == 0:
                order.done = True
            self._settle_deferred(order, now)
            self._cond.notify_all()

    # -- the user stream and reconciliation ---------------------------------------------------------------------
    async def _user_stream(self) -> None:
        import httpx
        import websockets

        attempt = 0
        while not self._stopping:
            try:
                url = await self._user_stream_url()
                async with websockets.connect(
                    url,
                    open_timeout=self._connect_timeout_s,
                    close_timeout=1,
                    ping_interval=self._user_ping_s,
                    ping_timeout=self._user_ping_s,
                ) as ws:
                    self.stats.connects += 1
                    await self._on_user_connected()
                    silence = self._user_silence_s()
                    while True:
                        try:
                            raw = await asyncio.wait_for(ws.recv(), silence)
                        except TimeoutError:
                            self.stats.heartbeat_timeouts += 1
                            break
                        event = _parse(raw)
                        if event is None:
                            self.stats.malformed += 1
                            continue
                        if await self._on_user_event(event):
                            attempt = 0
            except (OSError, TimeoutError, httpx.HTTPError, websockets.ConnectionClosed, websockets.InvalidHandshake):
                pass
            self.stats.disconnects += 1
            await asyncio.sleep(self._backoff(attempt))
            attempt += 1

    async def _reconcile(self) -> None:
        """Fills since the last fill id, open orders, and the final state of every order believed open."""
        self.stats.reconciles += 1
        restarted = await self._restarted()
        if restarted is None:
            return
        if restarted:
            self.stats.server_restarts += 1
            with self._cond:
                self._max_fill_id = 0
                self._max_fill_ids = [0] * len(self.symbols)
                self._seen_fills.clear()
                now = time.time_ns()
                for order in self._orders.values():
                    if order.created and not order.done:
                        order.done = True
                        self._reports.append(
                            Report(now, order.instrument, order.order_id, OrderStatus.CANCELLED, OrderReason.NONE,
                                   order.side, order.price, 0)
                        )  # fmt: skip
                self._cond.notify_all()
        fills = await self._fills_since()
        if fills is None:
            return
        for fill in fills:
            self._on_fill(fill)
        listed = await self._open_orders()
        if listed is None:
            return
        open_ids = set()
        for event in listed:
            self._on_order(event)
            open_ids.add(event.get("client_order_id"))
        with self._cond:
            believed = [
                o for o in self._orders.values() if not o.done and self.client_order_id(o.order_id) not in open_ids
            ]
        for order in believed:
            # what the server had said of it *before* asking: its create may be answered while the query is in flight
            # (the create sent, not yet processed when the query was), and that answer must not make "unknown" read
            # as "forgotten"
            created = order.created
            answer = await self._signed("GET", *self._order_request(order))
            if answer is not None and answer.status_code == 200:
                self._on_order(self._order_event(answer.json()))
            elif answer is not None and self._unknown(answer) and not created:
                await self._create(order.order_id)  # not on the server yet: send it (again: same client id, idempotent)
            elif answer is not None and self._unknown(answer):
                # It closed while we were away, longer ago than the server keeps records: whether it filled (and
                # how much) cannot be known any more. Reporting it cancelled would be a guess; the run stops.
                raise HftError(
                    f"order {self.client_order_id(order.order_id)} is unknown to the server: it closed longer ago "
                    "than the server keeps closed orders, so its fills cannot be reconciled (the run stops rather "
                    "than guess; see docs/live.md, Retention)"
                )


def _parse(raw: str | bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except (ValueError, TypeError):
        return None
    return value if isinstance(value, dict) else None


def _lots(inst: Instrument, qty: object) -> int:
    """A size from the server in lots (0 for none)."""
    value = float(qty) if isinstance(qty, int | float) else 0.0
    return inst.qty_to_lots(value, "nearest") if value > 0 else 0


def _reason(name: object) -> OrderReason:
    if isinstance(name, str) and name:
        with contextlib.suppress(KeyError):
            return OrderReason[name.upper()]
    return OrderReason.NONE


def _refusal_reason(text: str) -> OrderReason:
    lowered = text.lower()
    if "price" in lowered:
        return OrderReason.INVALID_PRICE
    if "qty" in lowered:
        return OrderReason.INVALID_QTY
    return OrderReason.NONE
