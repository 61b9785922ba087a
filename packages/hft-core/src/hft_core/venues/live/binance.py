"""The live venue speaking Binance's spot dialect: ``binance+ws[s]://HOST[:PORT][/PREFIX]/SYMBOL[,SYMBOL...]``.

`BinanceLiveVenue` is `LiveVenue` (its threads, wall-clock time, order bookkeeping, reconnection with backoff,
reconciliation, idempotent creates) with the dialect's pieces in place of the seed-style API's:

- **Market data**: per symbol a `hft_core.venues.live.paper.BinanceFeed` (the diff-depth stream
  ``<symbol>@depth@100ms`` and ``<symbol>@trade``, a REST ``/api/v3/depth`` snapshot after every (re)connect and every
  break in the update ids, its own reconnection) read by hft-core's Binance loader (`LiveCaptureReader`: buffer,
  snapshot, ``U``/``u`` checks, a cleared book until the resync). The venue's book is the loader's book, published
  after each whole message and only while it is in sync, cut to ``depth`` levels a side.
- **Orders**: signed ``POST``/``DELETE``/``GET /api/v3/order`` (HMAC-SHA256 of the query, the key in
  ``X-MBX-APIKEY``, ``timestamp`` and ``recvWindow``), ``newClientOrderId`` = ``<session>-<id>``. Binance refuses a
  second order under a client id (-2010 "Duplicate order sent."): a retried create that meets it queries the order
  instead, so a retry never makes a second order and never loses the first's answer.
- **Reports**: the user-data stream of a listen key (``POST /api/v3/userDataStream``, kept alive with ``PUT`` every
  ``keepalive_s``): ``executionReport`` events, a trade's fill id ``t`` reported once. The stream has no sequence
  numbers and no heartbeat: WebSocket pings every ``heartbeat_timeout_s`` watch it, and every (re)connection is
  followed by a reconciliation: ``GET /api/v3/myTrades`` per symbol from the last trade id seen (trade ids are per
  symbol on Binance), ``GET /api/v3/openOrders``, and ``GET /api/v3/order`` for every order believed open that is
  not listed.

Restarts: Binance names no server instance, but ``hft serve`` answers ``/health`` at its root with one; where that
answers, a restarted server is handled as on the seed-style API (open orders reported cancelled, trade ids read
from the start again). Not given: a modify (refused, as on the seed-style API), and public trades to the strategy
(the trade stream feeds the loader only). Fees are taken in the quote asset (``commission``
of ``myTrades`` and ``n`` of a report are counted as quote).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from hft_core.errors import ConfigError, HftError
from hft_core.events import BUY, SELL, EventKind
from hft_core.instruments import Instrument
from hft_core.matching.orders import OrderReason, OrderType
from hft_core.venues.live import BINANCE_SCHEMES
from hft_core.venues.live.paper import BinanceFeed, LiveCaptureReader, PaperEndpoints, feed_instrument, parse_paper_url
from hft_core.venues.live.venue import LiveVenue, _Order

__all__ = ["BinanceLiveVenue", "parse_binance_url"]

_STATUS_IN = {
    "NEW": "open",
    "PENDING_NEW": "open",
    "PARTIALLY_FILLED": "partially_filled",
    "PENDING_CANCEL": "open",
    "FILLED": "filled",
    "CANCELED": "cancelled",
    "REJECTED": "rejected",
    "EXPIRED": "expired",
    "EXPIRED_IN_MATCH": "expired",
}
_TIME_IN_FORCE = {OrderType.LIMIT: "GTC", OrderType.IOC: "IOC", OrderType.FOK: "FOK"}


def parse_binance_url(url: str, rest_url: str | None = None) -> tuple[PaperEndpoints, ...]:
    """``binance+ws[s]://HOST[:PORT][/PREFIX]/SYM1[,SYM2...]`` → each symbol's stream base, REST base and symbol
    (`parse_paper_url`'s rules: the REST base is ``http[s]://`` of the same host and prefix, ``https://api.binance.com``
    for Binance's own stream hosts, or ``rest_url``)."""
    if not isinstance(url, str) or not url.startswith(BINANCE_SCHEMES):
        raise ConfigError(f"a Binance-dialect venue URL is binance+ws[s]://HOST[:PORT][/PREFIX]/SYMBOL, got {url!r}")
    parts = urlsplit(url[len("binance+") :])
    prefix, _, symbols = parts.path.rstrip("/").rpartition("/")
    names = symbols.split(",")
    if not parts.netloc or not all(names):
        raise ConfigError(
            f"venue URL {url!r}: expected binance+ws://HOST:PORT[/PREFIX]/SYMBOL[,SYMBOL...] "
            "(e.g. binance+ws://127.0.0.1:8000/binance/ETHUSDT)"
        )
    return tuple(parse_paper_url(f"{parts.scheme}://{parts.netloc}{prefix}/{name}", rest_url) for name in names)


@dataclass(slots=True)
class _FeedBook:
    """The loader's book of one symbol as its events arrive (on the feed's reading thread)."""

    bids: dict[int, int] = field(default_factory=dict)
    asks: dict[int, int] = field(default_factory=dict)
    ts: int = -1
    synced: bool = False
    changed: bool = False
    seen: dict[str, int] = field(default_factory=dict)
    """The feed's and loader's counters as last added to the venue's `LiveStats`."""


class _BookReader(LiveCaptureReader):
    """The loader over a feed, calling ``between`` whenever it is about to read the next message: every event of
    the messages before it has then been handed out."""

    def __init__(self, feed: BinanceFeed, instrument: Instrument, between: Callable[[_BookReader], None]) -> None:
        super().__init__(feed, instrument)
        self._between = between

    def _lines(self) -> Iterator[tuple[int, bytes]]:
        lines = super()._lines()
        while True:
            self._between(self)
            try:
                item = next(lines)
            except StopIteration:
                return
            yield item


class BinanceLiveVenue(LiveVenue):
    """A `LiveVenue` trading through Binance's spot dialect (see the module docstring). Build it with
    `hft_core.venues.live.live_venue` and a ``binance+ws://`` URL."""

    _key_header = "X-MBX-APIKEY"

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        secret: str | None = None,
        recv_window_ms: int = 5000,
        keepalive_s: float = 1800.0,
        rest_url: str | None = None,
        **options: Any,
    ) -> None:
        if not 0 < recv_window_ms <= 60_000:
            raise ConfigError(f"recv_window_ms must be within 1..60000, got {recv_window_ms}")
        if not keepalive_s > 0:
            raise ConfigError(f"keepalive_s must be positive, got {keepalive_s}")
        self._rest_url = rest_url
        self._signed_extra = {"recvWindow": recv_window_ms}
        self._keepalive_s = keepalive_s
        self._feeds: list[BinanceFeed] = []
        self._client_ids: dict[tuple[str, int], str | None] = {}
        self._listen_key: str | None = None
        self.keepalives = 0
        """Listen-key keepalives the server accepted."""
        heartbeat = float(options.get("heartbeat_timeout_s", 2.0))
        self._user_ping_s = max(heartbeat, 0.2)
        super().__init__(url, api_key=api_key, secret=secret, **options)
        self._feed_books = [_FeedBook() for _ in self.symbols]

    # -- where and what -----------------------------------------------------------------------------------------
    def _parse_url(self, url: str) -> tuple[str, str, str, tuple[str, ...]]:
        self._endpoints = parse_binance_url(url, self._rest_url)
        first = self._endpoints[0]
        exchange = first.stream_url.split("://", 1)[1].partition("/")[2].rstrip("/").rpartition("/")[2]
        return first.stream_url, first.rest_url, exchange or "binance", tuple(e.symbol for e in self._endpoints)

    async def _load_instruments(self) -> tuple[Instrument, ...]:
        import httpx

        self._http = httpx.AsyncClient(base_url=self._http_base, timeout=self._rest_timeout_s)
        out = []
        for endpoints in self._endpoints:
            instrument = await asyncio.to_thread(feed_instrument, endpoints, self._rest_timeout_s)
            out.append(replace(instrument, venue=self.exchange))
        await self._probe_instance()
        if self._api_key is not None:
            for index, symbol in enumerate(self.symbols):  # checks the key; trades before this session are not its
                response = await self._signed("GET", "/api/v3/myTrades", {"symbol": symbol, "limit": 1})
                if response is None:
                    raise HftError(f"cannot reach {self._http_base} (GET /api/v3/myTrades)")
                if response.status_code != 200:
                    raise ConfigError(f"{self.url}: the API key or secret was refused: {_error_text(response)}")
                self._max_fill_ids[index] = max((int(t["id"]) for t in response.json()), default=0)
        return tuple(out)

    async def _probe_instance(self) -> None:
        """``hft serve`` answers ``/health`` at its root with its ``instance`` (Binance does not): where it does, a
        restarted server is noticed as on the seed-style API; elsewhere `_restarted` is always False."""
        import httpx

        parts = urlsplit(self._http_base)
        self._health_url = f"{parts.scheme}://{parts.netloc}/health"
        try:
            answer = await self._http.get(self._health_url)
            instance = answer.json().get("instance") if answer.status_code == 200 else None
        except (httpx.HTTPError, ValueError, AttributeError):
            instance = None
        if not isinstance(instance, str):
            self._health_url = None
        self._instance = instance if isinstance(instance, str) else None

    # -- market data --------------------------------------------------------------------------------------------
    async def _book_stream(self, index: int) -> None:
        if self._stopping:
            return
        feed = BinanceFeed(
            self._endpoints[index],
            connect_timeout_s=self._connect_timeout_s,
            heartbeat_timeout_s=self._heartbeat_s,
            backoff_s=self._backoff_s,
            max_backoff_s=self._max_backoff_s,
        )
        self._feeds.append(feed)
        reader = _BookReader(feed, self._instruments[index], lambda read: self._publish(index, feed, read))
        feed.start()
        await asyncio.to_thread(self._consume, index, reader)

    def _consume(self, index: int, reader: _BookReader) -> None:
        """Apply the loader's events to the symbol's book (the feed's reading thread)."""
        state = self._feed_books[index]
        for chunk in reader.chunks():
            for kind, side, price, qty, ts in zip(
                chunk["kind"].tolist(), chunk["side"].tolist(), chunk["price"].tolist(), chunk["qty"].tolist(),
                chunk["exch_ts"].tolist(), strict=True,
            ):  # fmt: skip
                if kind == EventKind.CLEAR:
                    for cleared in (BUY, SELL) if side == 0 else (side,):
                        (state.bids if cleared == BUY else state.asks).clear()
                    state.synced = False
                elif kind in (EventKind.DEPTH, EventKind.SNAPSHOT):
                    levels = state.bids if side == BUY else state.asks
                    if qty:
                        levels[price] = qty
                    else:
                        levels.pop(price, None)
                    state.synced = state.synced or kind == EventKind.SNAPSHOT
                    state.ts = max(state.ts, ts)
                    state.changed = True

    def _publish(self, index: int, feed: BinanceFeed, reader: _BookReader) -> None:
        """The symbol's book as of the last whole message, if in sync; the feed's counts into `LiveStats`."""
        state = self._feed_books[index]
        counts = {
            "frames": reader.stats.depth_applied,
            "gaps": reader.stats.gaps,
            "resyncs": reader.stats.snapshots_used,
            "stale": reader.stats.stale_dropped,
            "connects": feed.stats.connects,
            "disconnects": feed.stats.errors,
        }
        book = self._books[index]
        with self._cond:
            for name, value in counts.items():
                setattr(self.stats, name, getattr(self.stats, name) + value - state.seen.get(name, 0))
            state.seen = counts
            if not (state.synced and state.changed):
                return
            state.changed = False
            bids = heapq.nlargest(self._depth, state.bids.items())
            asks = heapq.nsmallest(self._depth, state.asks.items())
            top_before = (book.bids[:1], book.asks[:1])
            book.bids, book.asks, book.ts = bids, asks, state.ts
            if (bids[:1], asks[:1]) != top_before:
                book.dirty = True
            book.ready = True
            self._cond.notify_all()

    def close(self) -> None:
        for feed in self._feeds:
            feed.stop(0)
        super().close()
        for feed in self._feeds:
            feed.stop()

    # -- orders -------------------------------------------------------------------------------------------------
    def _create_request(self, order: _Order) -> tuple[str, dict[str, object]]:
        inst = self._instruments[order.instrument]
        params: dict[str, object] = {
            "symbol": inst.symbol,
            "side": "BUY" if order.side == BUY else "SELL",
            "quantity": _decimal(inst.lots_to_qty(order.qty)),
            "newClientOrderId": self.client_order_id(order.order_id),
            "newOrderRespType": "RESULT",
        }
        if order.order_type == OrderType.MARKET:
            params["type"] = "MARKET"
        elif order.order_type == OrderType.POST_ONLY:
            params["type"] = "LIMIT_MAKER"
        else:
            params["type"] = "LIMIT"
            params["timeInForce"] = _TIME_IN_FORCE[order.order_type]
        if order.order_type != OrderType.MARKET:
            params["price"] = _decimal(inst.ticks_to_price(order.price))
        return "/api/v3/order", params

    def _order_request(self, order: _Order) -> tuple[str, dict[str, object]]:
        params = {"symbol": self.symbols[order.instrument], "origClientOrderId": self.client_order_id(order.order_id)}
        return "/api/v3/order", dict(params)

    def _order_event(self, answer: Mapping[str, Any]) -> Mapping[str, Any]:
        client = str(answer.get("origClientOrderId") or answer.get("clientOrderId") or "")
        if "orderId" in answer and "symbol" in answer:
            self._client_ids[(str(answer["symbol"]), int(answer["orderId"]))] = client
        return {
            "client_order_id": client,
            "status": _STATUS_IN.get(str(answer.get("status")), "open"),
            "reason": None,
            "filled_qty": float(answer.get("executedQty", 0.0)),
        }

    def _refusal(self, response: Any) -> OrderReason | None:
        code, message = _error(response)
        if code == -2010 and message.startswith("Duplicate order"):
            return None
        if code == -2010 and "match and take" in message:
            return OrderReason.POST_ONLY_WOULD_CROSS
        if code == -1013:
            return OrderReason.INVALID_PRICE if "PRICE" in message else OrderReason.INVALID_QTY
        if code in (-1117, -1116, -1115):
            return OrderReason.INVALID_ORDER_TYPE if code != -1117 else OrderReason.INVALID_SIDE
        return OrderReason.NONE

    def _unknown(self, response: Any) -> bool:
        return bool(response.status_code == 400 and _error(response)[0] == -2013)

    # -- reconciliation -----------------------------------------------------------------------------------------
    async def _restarted(self) -> bool | None:
        restarted = await super()._restarted()
        if restarted:
            self._client_ids.clear()  # the new server numbers its orders from 1 again
        return restarted

    async def _fills_since(self) -> list[Mapping[str, Any]] | None:
        out: list[Mapping[str, Any]] = []
        for index, symbol in enumerate(self.symbols):
            from_id = self._max_fill_ids[index] + 1
            while True:
                response = await self._signed(
                    "GET", "/api/v3/myTrades", {"symbol": symbol, "fromId": from_id, "limit": 1000}
                )
                if response is None or response.status_code != 200:
                    return None
                trades = response.json()
                for trade in trades:
                    client = await self._client_id_of(symbol, int(trade["orderId"]))
                    if client is not None:
                        out.append(
                            {
                                "fill_id": int(trade["id"]),
                                "client_order_id": client,
                                "qty": float(trade["qty"]),
                                "price": float(trade["price"]),
                                "fee": float(trade["commission"]),
                                "maker": bool(trade["isMaker"]),
                            }
                        )
                if len(trades) < 1000:
                    break
                from_id = max(int(t["id"]) for t in trades) + 1
        return out

    async def _client_id_of(self, symbol: str, exchange_order_id: int) -> str | None:
        """The client order id of the server's order ``exchange_order_id`` (asked once; None if it cannot say)."""
        known = (symbol, exchange_order_id)
        if known not in self._client_ids:
            answer = await self._signed("GET", "/api/v3/order", {"symbol": symbol, "orderId": exchange_order_id})
            if answer is None or answer.status_code != 200:
                return None
            self._order_event(answer.json())
        return self._client_ids.get(known)

    async def _open_orders(self) -> list[Mapping[str, Any]] | None:
        response = await self._signed("GET", "/api/v3/openOrders", {})
        if response is None or response.status_code != 200:
            return None
        return [self._order_event(o) for o in response.json() if o.get("symbol") in self.symbols]

    # -- the user-data stream -----------------------------------------------------------------------------------
    async def _user_stream_url(self) -> str:
        assert self._api_key is not None
        response = await self._http.post("/api/v3/userDataStream", headers={self._key_header: self._api_key})
        if response.status_code in (401, 403):
            raise ConfigError(f"{self.url}: the API key or secret was refused: {_error_text(response)}")
        if response.status_code != 200:
            raise OSError(f"no listen key: {_error_text(response)}")
        self._listen_key = str(response.json()["listenKey"])
        return f"{self._ws_base}/ws/{self._listen_key}"

    def _user_silence_s(self) -> float | None:
        return None

    async def _on_user_connected(self) -> None:
        await self._reconcile()  # what happened before this connection; what follows arrives on it

    async def _on_user_event(self, event: Mapping[str, Any]) -> bool:
        kind = event.get("e")
        if kind == "listenKeyExpired":
            raise OSError("the listen key expired")
        if kind != "executionReport":
            return False  # balance and account updates: the fills say it all
        try:
            client = str(event.get("C") or event["c"])
            self._client_ids[(str(event["s"]), int(event["i"]))] = client
            if event["x"] == "TRADE":
                fill = {
                    "fill_id": int(event["t"]),
                    "client_order_id": client,
                    "qty": float(event["l"]),
                    "price": float(event["L"]),
                    "fee": float(event["n"]),
                    "maker": bool(event["m"]),
                }
            order = {
                "client_order_id": client,
                "status": _STATUS_IN[str(event["X"])],
                "reason": event.get("r"),
                "filled_qty": float(event["z"]),
            }
        except (KeyError, TypeError, ValueError):
            self.stats.malformed += 1
            return False
        if event["x"] == "TRADE":
            self._on_fill(fill)
        self._on_order(order)
        return True

    def _background(self) -> list[Any]:
        return [self._keepalive()]

    async def _keepalive(self) -> None:
        """Keep the listen key alive (Binance drops one after 60 minutes without)."""
        import httpx

        assert self._api_key is not None
        while not self._stopping:
            await asyncio.sleep(self._keepalive_s)
            if self._listen_key is None:
                continue
            with contextlib.suppress(httpx.HTTPError):
                response = await self._http.put(
                    "/api/v3/userDataStream",
                    params={"listenKey": self._listen_key},
                    headers={self._key_header: self._api_key},
                )
                if response.status_code == 200:
                    self.keepalives += 1


def _decimal(value: float) -> str:
    """A price or size as Binance wants it: plain decimal notation, no exponent."""
    return format(Decimal(repr(value)), "f")


def _error(response: Any) -> tuple[int, str]:
    """A Binance error answer's code and message ((0, text) when it is not one)."""
    try:
        body = response.json()
        return int(body["code"]), str(body["msg"])
    except (ValueError, KeyError, TypeError):
        return 0, str(response.text)[:200]


def _error_text(response: Any) -> str:
    code, message = _error(response)
    return f"{response.status_code} {message}" + (f" (code {code})" if code else "")
