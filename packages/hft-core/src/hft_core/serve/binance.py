# ruff: noqa: N803  (the parameters keep Binance's names: the OpenAPI schema documents them as Binance does)
"""The Binance-compatible dialect of `hft serve`: Binance's spot REST API and streams over every mock exchange.

A bot written against Binance points its base URL at ``http://HOST:PORT/{exchange}`` (its stream URL at
``ws://HOST:PORT/{exchange}``) and finds, for that mock exchange's markets:

- market data: ``GET /api/v3/ping``, ``/time``, ``/exchangeInfo``, ``/depth`` (with ``lastUpdateId``),
  ``/ticker/bookTicker``, ``/trades``;
- order entry, signed as Binance signs (HMAC-SHA256 of the query string, then the form body if any, keyed by the
  secret; the key in ``X-MBX-APIKEY``; ``timestamp`` and ``recvWindow``): ``POST``/``GET``/``DELETE
  /api/v3/order``, ``GET /api/v3/openOrders``, ``/account`` (balances), ``/myTrades``; and a listen key for the
  user-data stream (``POST``/``PUT``/``DELETE /api/v3/userDataStream``, key only);
- streams at ``/ws/<stream>[/<stream>...]`` (raw) and ``/stream?streams=a/b`` (combined: ``{"stream", "data"}``),
  or ``/ws`` with ``{"method": "SUBSCRIBE", "params": [...], "id": n}``: ``<symbol>@depth`` and
  ``<symbol>@depth@100ms`` (diff depth with first and last update ids ``U``/``u``), ``<symbol>@trade``,
  ``<symbol>@bookTicker``, and a listen key (``executionReport`` events of that key's orders).

Errors are Binance's: a JSON ``{"code": -1121, "msg": "Invalid symbol."}`` with Binance's HTTP status (400 for a
bad request, 401 for a bad key, 429 for the rate limit, 503 after the session).

**Update ids.** `DepthFeed` numbers every change of a price level, per symbol: after each step of the market it
compares the book (up to `FEED_LEVELS` levels a side, as ``/depth`` serves it) with the last one and gives the
changed levels the next ids, so a diff event carries ``U`` = its first id and ``u`` = its last, and ``/depth``'s
``lastUpdateId`` is the id its book is as of. A client that buffers the stream, fetches ``/depth``, drops updates
with ``u <= lastUpdateId`` and applies the rest (Binance's procedure; `hft_core.data.binance` follows it) holds
the server's book. Data times (``E``, ``T``, ``time``) are market time in ms (the simulated market's clock, which
runs at ``--speed``); ``serverTime`` and the signed ``timestamp`` are the wall clock.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import json
import secrets
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Header, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse

from hft_core.events import BUY, SELL
from hft_core.serve.auth import AuthError, RateLimiter, verify
from hft_core.serve.market import OPEN_STATUSES, FillRecord, MockExchange, MockMarket, OrderError, OrderRecord

__all__ = ["BinanceError", "DepthFeed", "add_binance_routes", "binance_order_json", "execution_report"]

FEED_LEVELS = 1000
"""Levels a side the diff-depth feed tracks and ``/depth`` serves at most."""

FEED_HISTORY = 4096
"""Diff events kept per symbol: a stream that falls further behind than this sees a gap (and must resync)."""

STREAM_TICK_S = 0.01
LISTEN_KEY_TTL_S = 3600.0
MAX_DEPTH_LIMIT = 5000
MAX_TRADES_LIMIT = 1000
_NS_PER_MS = 1_000_000

TYPES_IN = {"LIMIT", "MARKET", "LIMIT_MAKER"}
TIME_IN_FORCE = {"GTC": "limit", "IOC": "ioc", "FOK": "fok"}
TYPE_OUT = {
    "limit": ("LIMIT", "GTC"),
    "ioc": ("LIMIT", "IOC"),
    "fok": ("LIMIT", "FOK"),
    "post_only": ("LIMIT_MAKER", "GTC"),
    "market": ("MARKET", "GTC"),
}
STATUS_OUT = {
    "pending": "NEW",
    "open": "NEW",
    "partially_filled": "PARTIALLY_FILLED",
    "filled": "FILLED",
    "cancelled": "CANCELED",
    "rejected": "REJECTED",
    "expired": "EXPIRED",
}
EXEC_TYPE = {"pending": "NEW", "open": "NEW", "cancelled": "CANCELED", "rejected": "REJECTED", "expired": "EXPIRED"}


class BinanceError(Exception):
    """A refusal in Binance's words: HTTP ``status``, Binance ``code`` and ``msg``."""

    def __init__(self, status: int, code: int, msg: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(msg)
        self.status = status
        self.code = code
        self.msg = msg
        self.headers = dict(headers or {})


def _fmt(value: float) -> str:
    return f"{value:.8f}"


def _ms(ns: int) -> int:
    return ns // _NS_PER_MS


# -- the diff-depth feed ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DepthDiff:
    """One step's changed levels (ticks → lots, 0 = removed) and their update ids ``first_id..last_id``."""

    first_id: int
    last_id: int
    ts_ns: int
    bids: dict[int, int]
    asks: dict[int, int]


class DepthFeed:
    """The numbered changes of one market's book (see the module docstring); refreshed after each market sync."""

    def __init__(self, market: MockMarket) -> None:
        self.market = market
        self.update_id = 0
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        self.history: deque[DepthDiff] = deque(maxlen=FEED_HISTORY)
        self.refresh()

    def refresh(self) -> None:
        venue = self.market.venue
        bids = dict(venue.depth(0, BUY, FEED_LEVELS))
        asks = dict(venue.depth(0, SELL, FEED_LEVELS))
        changed_bids = _changes(self.bids, bids)
        changed_asks = _changes(self.asks, asks)
        count = len(changed_bids) + len(changed_asks)
        if not count:
            return
        first = self.update_id + 1
        self.update_id += count
        self.bids, self.asks = bids, asks
        self.history.append(DepthDiff(first, self.update_id, self.market.now, changed_bids, changed_asks))

    def since(self, last_id: int) -> DepthDiff | None:
        """The changes after update id ``last_id``, merged into one event (the newest size of each level wins);
        None when there are none. Its ``first_id`` is above ``last_id + 1`` when the history no longer reaches back
        (the client sees the gap)."""
        if self.update_id <= last_id:
            return None
        diffs = [d for d in self.history if d.last_id > last_id]
        if not diffs:
            return None
        bids: dict[int, int] = {}
        asks: dict[int, int] = {}
        for diff in diffs:
            bids.update(diff.bids)
            asks.update(diff.asks)
        return DepthDiff(diffs[0].first_id, diffs[-1].last_id, diffs[-1].ts_ns, bids, asks)

    def snapshot(self, limit: int) -> dict[str, Any]:
        inst = self.market.instrument
        bids = sorted(self.bids.items(), reverse=True)[:limit]
        asks = sorted(self.asks.items())[:limit]
        return {
            "lastUpdateId": self.update_id,
            "bids": [[_fmt(inst.ticks_to_price(p)), _fmt(inst.lots_to_qty(q))] for p, q in bids],
            "asks": [[_fmt(inst.ticks_to_price(p)), _fmt(inst.lots_to_qty(q))] for p, q in asks],
        }

    def event(self, diff: DepthDiff) -> dict[str, Any]:
        inst = self.market.instrument

        def levels(changes: dict[int, int], reverse: bool) -> list[list[str]]:
            return [
                [_fmt(inst.ticks_to_price(p)), _fmt(inst.lots_to_qty(q))]
                for p, q in sorted(changes.items(), reverse=reverse)
            ]

        return {
            "e": "depthUpdate",
            "E": _ms(diff.ts_ns),
            "s": self.market.spec.symbol,
            "U": diff.first_id,
            "u": diff.last_id,
            "b": levels(diff.bids, True),
            "a": levels(diff.asks, False),
        }


def _changes(old: dict[int, int], new: dict[int, int]) -> dict[int, int]:
    out = {p: q for p, q in new.items() if old.get(p) != q}
    out.update({p: 0 for p in old if p not in new})
    return out


def depth_feed(market: MockMarket) -> DepthFeed:
    """The market's diff-depth feed, started (and hooked to its syncs) on first use."""
    feed: DepthFeed | None = getattr(market, "_binance_feed", None)
    if feed is None:
        feed = DepthFeed(market)
        market._binance_feed = feed  # type: ignore[attr-defined]
        market.sync_hooks.append(feed.refresh)
    return feed


# -- JSON in Binance's shapes -----------------------------------------------------------------------------------
def binance_order_json(market: MockMarket, record: OrderRecord) -> dict[str, Any]:
    """``GET /api/v3/order``'s object for ``record``."""
    inst = market.instrument
    order_type, tif = TYPE_OUT[record.order_type]
    price = 0.0 if record.order_type == "market" else inst.ticks_to_price(record.price)
    return {
        "symbol": record.symbol,
        "orderId": record.order_id,
        "orderListId": -1,
        "clientOrderId": record.client_order_id,
        "price": _fmt(price),
        "origQty": _fmt(inst.lots_to_qty(record.qty)),
        "executedQty": _fmt(inst.lots_to_qty(record.filled)),
        "cummulativeQuoteQty": _fmt(record.notional_ticks_lots * inst.tick_size * inst.lot_size),
        "status": STATUS_OUT[record.status],
        "timeInForce": tif,
        "type": order_type,
        "side": "BUY" if record.side == BUY else "SELL",
        "stopPrice": _fmt(0.0),
        "icebergQty": _fmt(0.0),
        "time": _ms(record.created_ns),
        "updateTime": _ms(record.updated_ns),
        "isWorking": record.status in OPEN_STATUSES,
        "workingTime": _ms(record.created_ns),
        "origQuoteOrderQty": _fmt(0.0),
        "selfTradePreventionMode": "NONE",
    }


def _trade_json(market: MockMarket, fill: FillRecord) -> dict[str, Any]:
    inst = market.instrument
    notional = inst.notional(fill.price, fill.qty)
    return {
        "symbol": fill.symbol,
        "id": fill.fill_id,
        "orderId": fill.order_id,
        "orderListId": -1,
        "price": _fmt(inst.ticks_to_price(fill.price)),
        "qty": _fmt(inst.lots_to_qty(fill.qty)),
        "quoteQty": _fmt(notional),
        "commission": _fmt(inst.fees.fee(notional, maker=fill.maker)),
        "commissionAsset": market.spec.quote,
        "time": _ms(fill.ts_ns),
        "isBuyer": fill.side == BUY,
        "isMaker": fill.maker,
        "isBestMatch": True,
    }


def execution_report(order: Mapping[str, Any], fill: Mapping[str, Any] | None, quote: str) -> dict[str, Any]:
    """A user-data ``executionReport`` from the seed-style stream's ``order`` event (and the ``fill`` event just
    before it, for a trade)."""
    order_type, tif = TYPE_OUT[order["order_type"]]
    filled = float(order["filled_qty"])
    avg = order["avg_price"] or 0.0
    return {
        "e": "executionReport",
        "E": _ms(int(order["updated_ts"])),
        "s": order["symbol"],
        "c": order["client_order_id"],
        "S": order["side"].upper(),
        "o": order_type,
        "f": tif,
        "q": _fmt(float(order["qty"])),
        "p": _fmt(float(order["price"] or 0.0)),
        "P": _fmt(0.0),
        "F": _fmt(0.0),
        "g": -1,
        "C": "",
        "x": "TRADE" if fill is not None else EXEC_TYPE.get(order["status"], "NEW"),
        "X": STATUS_OUT[order["status"]],
        "r": "NONE" if not order["reason"] else order["reason"].upper(),
        "i": order["order_id"],
        "l": _fmt(float(fill["qty"]) if fill else 0.0),
        "z": _fmt(filled),
        "L": _fmt(float(fill["price"]) if fill else 0.0),
        "n": _fmt(float(fill["fee"]) if fill else 0.0),
        "N": quote if fill else None,
        "T": _ms(int(fill["ts"] if fill else order["updated_ts"])),
        "t": int(fill["fill_id"]) if fill else -1,
        "I": 0,
        "w": order["status"] in OPEN_STATUSES,
        "m": bool(fill["maker"]) if fill else False,
        "M": False,
        "O": _ms(int(order["created_ts"])),
        "Z": _fmt(filled * float(avg)),
        "Y": _fmt(float(fill["qty"]) * float(fill["price"]) if fill else 0.0),
        "Q": _fmt(0.0),
        "V": "NONE",
    }


def balances(exchange: MockExchange, key: str) -> dict[str, tuple[float, float]]:
    """``asset → (free, locked)`` of ``key``: the exchange's starting balances moved by all the key's fills (fees
    paid in the quote asset; running totals, `MockExchange.holdings_of`, so fills no longer kept still count), less
    what its open orders hold (a buy's price × open qty of quote, a sell's open qty)."""
    total = dict(exchange.holdings_of(key))
    locked: dict[str, float] = {}
    for record in exchange.orders.values():
        if record.key != key or record.status not in OPEN_STATUSES or record.order_type == "market":
            continue
        market = exchange.markets[record.symbol]
        inst = market.instrument
        leaves = record.qty - record.filled
        if record.side == BUY:
            asset, amount = market.spec.quote, inst.notional(record.price, leaves)
        else:
            asset, amount = market.spec.base, inst.lots_to_qty(leaves)
        locked[asset] = locked.get(asset, 0.0) + amount
    return {asset: (amount - locked.get(asset, 0.0), locked.get(asset, 0.0)) for asset, amount in total.items()}


# -- the routes -------------------------------------------------------------------------------------------------
ParamText = Annotated[str | None, Query()]
MbxKey = Annotated[str | None, Header(alias="X-MBX-APIKEY", description="the API key")]


def add_binance_routes(
    app: FastAPI,
    exchanges: Mapping[str, MockExchange],
    keys: Mapping[str, str],
    limiter: RateLimiter,
    rate: float,
    generation: Callable[[], int],
    metrics: Any = None,
) -> None:
    """Serve the dialect under ``/{exchange}`` of ``app`` (see the module docstring)."""
    listen_keys: dict[str, tuple[str, str, float]] = {}  # listen key -> (exchange, API key, monotonic expiry)

    @app.exception_handler(BinanceError)
    async def binance_error(_: Request, exc: BinanceError) -> JSONResponse:
        return JSONResponse({"code": exc.code, "msg": exc.msg}, status_code=exc.status, headers=exc.headers)

    def exchange_of(name: str) -> MockExchange:
        exchange = exchanges.get(name.lower())
        if exchange is None:
            raise BinanceError(404, -1000, f"unknown exchange {name!r}; exchanges: {sorted(exchanges)}")
        return exchange

    def market_of(exchange: MockExchange, symbol: str | None) -> MockMarket:
        if not symbol:
            raise BinanceError(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.")
        try:
            market = exchange.market(symbol)
        except KeyError:
            raise BinanceError(400, -1121, "Invalid symbol.") from None
        market.sync()
        depth_feed(market)
        return market

    async def params_of(request: Request) -> tuple[dict[str, str], str]:
        """The request's parameters (query string, then a form body) and the raw body."""
        body = ""
        if request.method in ("POST", "PUT", "DELETE"):
            raw = await request.body()
            if raw and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                body = raw.decode("latin-1")
        query = request.scope["query_string"].decode("latin-1")
        params = dict(parse_qsl(query, keep_blank_values=True))
        params.update(parse_qsl(body, keep_blank_values=True))
        return params, body

    async def signed(request: Request, api_key: str | None) -> tuple[str, dict[str, str]]:
        params, body = await params_of(request)
        try:
            key = verify(keys, api_key, request.scope["query_string"].decode("latin-1"), body=body)
        except AuthError as exc:
            status = 401 if exc.code in (-2014, -2015) else 400
            message = f"{_AUTH_MESSAGES.get(exc.code, exc.message)} ({exc.message})"
            raise BinanceError(status, exc.code, message) from None
        wait = limiter.take(key)
        if wait > 0:
            raise BinanceError(
                429, -1003, f"Too many requests; the limit is {rate:g} requests/s per key.", limiter.retry_after(wait)
            )
        return key, params

    def integer(params: Mapping[str, str], name: str, default: int | None, low: int, high: int) -> int | None:
        raw = params.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise BinanceError(
                400, -1100, f"Illegal characters found in parameter '{name}'; legal range is '^[0-9]{{1,20}}$'."
            ) from None
        if not low <= value <= high:
            raise BinanceError(
                400, -1100 if value < low else -1130, f"Invalid value for '{name}': {value} is outside {low}..{high}."
            )
        return value

    def number(params: Mapping[str, str], name: str) -> float | None:
        raw = params.get(name)
        if raw is None or raw == "":
            return None
        try:
            value = float(raw)
        except ValueError:
            raise BinanceError(400, -1100, f"Illegal characters found in parameter '{name}'.") from None
        if not 0 < value < 1e15:
            raise BinanceError(400, -1013, f"Invalid {name}.")
        return value

    def required(params: Mapping[str, str], name: str) -> str:
        value = params.get(name)
        if not value:
            raise BinanceError(400, -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")
        return value

    def find_order(
        exchange: MockExchange, market: MockMarket, key: str, params: Mapping[str, str], code: int
    ) -> OrderRecord:
        order_id = integer(params, "orderId", None, 1, 2**62)
        client_id = params.get("origClientOrderId") or None
        if order_id is None and client_id is None:
            raise BinanceError(
                400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"
            )
        message = "Unknown order sent." if code == -2011 else "Order does not exist."
        try:
            record = exchange.find(key, order_id=order_id, client_order_id=None if order_id else client_id)
        except OrderError:
            raise BinanceError(400, code, message) from None
        if record.symbol != market.spec.symbol or (client_id is not None and record.client_order_id != client_id):
            raise BinanceError(400, code, message)
        return record

    # -- market data ------------------------------------------------------------------------------------------
    @app.get("/{exchange}/api/v3/ping", summary="Binance dialect: connectivity", tags=["binance"])
    async def ping(exchange: str) -> dict[str, Any]:
        exchange_of(exchange)
        return {}

    @app.get("/{exchange}/api/v3/time", summary="Binance dialect: the server's wall clock (ms)", tags=["binance"])
    async def server_time(exchange: str) -> dict[str, Any]:
        exchange_of(exchange)
        return {"serverTime": int(time.time() * 1000)}

    @app.get("/{exchange}/api/v3/exchangeInfo", summary="Binance dialect: symbols, filters, limits", tags=["binance"])
    async def exchange_info(exchange: str, symbol: ParamText = None, symbols: ParamText = None) -> dict[str, Any]:
        ex = exchange_of(exchange)
        specs = list(ex.spec.symbols)
        wanted: list[str] | None = None
        if symbol:
            wanted = [symbol.upper()]
        elif symbols:
            try:
                listed = json.loads(symbols)
            except ValueError:
                raise BinanceError(400, -1100, "Illegal characters found in parameter 'symbols'.") from None
            if not isinstance(listed, list) or not all(isinstance(s, str) for s in listed):
                raise BinanceError(400, -1100, "Parameter 'symbols' must be a JSON list of symbols.")
            wanted = [s.upper() for s in listed]
        if wanted is not None:
            if any(ex.spec.symbol(s) is None for s in wanted):
                raise BinanceError(400, -1121, "Invalid symbol.")
            specs = [s for s in specs if s.symbol in wanted]
        return {
            "timezone": "UTC",
            "serverTime": int(time.time() * 1000),
            "rateLimits": [
                {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 1, "limit": int(rate)},
            ],
            "exchangeFilters": [],
            "symbols": [
                {
                    "symbol": s.symbol,
                    "status": "TRADING",
                    "baseAsset": s.base,
                    "baseAssetPrecision": 8,
                    "quoteAsset": s.quote,
                    "quotePrecision": 8,
                    "quoteAssetPrecision": 8,
                    "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"],
                    "icebergAllowed": False,
                    "ocoAllowed": False,
                    "isSpotTradingAllowed": True,
                    "isMarginTradingAllowed": False,
                    "filters": [
                        {
                            "filterType": "PRICE_FILTER",
                            "minPrice": _fmt(s.tick_size),
                            "maxPrice": _fmt(1e9),
                            "tickSize": _fmt(s.tick_size),
                        },
                        {
                            "filterType": "LOT_SIZE",
                            "minQty": _fmt(s.lot_size),
                            "maxQty": _fmt(9e6),
                            "stepSize": _fmt(s.lot_size),
                        },
                        {
                            "filterType": "MARKET_LOT_SIZE",
                            "minQty": _fmt(s.lot_size),
                            "maxQty": _fmt(9e6),
                            "stepSize": _fmt(s.lot_size),
                        },
                    ],
                    "permissions": ["SPOT"],
                    "defaultSelfTradePreventionMode": "NONE",
                    "allowedSelfTradePreventionModes": ["NONE"],
                    "makerCommission": _fmt(ex.spec.maker_fee),
                    "takerCommission": _fmt(ex.spec.taker_fee),
                }
                for s in specs
            ],
        }

    @app.get("/{exchange}/api/v3/depth", summary="Binance dialect: order book with lastUpdateId", tags=["binance"])
    async def depth(
        exchange: str, request: Request, symbol: ParamText = None, limit: ParamText = None
    ) -> dict[str, Any]:
        params, _ = await params_of(request)
        market = market_of(exchange_of(exchange), params.get("symbol"))
        levels = integer(params, "limit", 100, 1, MAX_DEPTH_LIMIT)
        assert levels is not None
        return depth_feed(market).snapshot(levels)

    @app.get("/{exchange}/api/v3/ticker/bookTicker", summary="Binance dialect: best bid and ask", tags=["binance"])
    async def book_ticker(exchange: str, symbol: ParamText = None) -> Any:
        ex = exchange_of(exchange)
        names = [symbol] if symbol else [s.symbol for s in ex.spec.symbols]
        out = [_book_ticker(market_of(ex, name)) for name in names]
        return out[0] if symbol else out

    @app.get("/{exchange}/api/v3/trades", summary="Binance dialect: recent public trades", tags=["binance"])
    async def trades(exchange: str, request: Request, symbol: ParamText = None, limit: ParamText = None) -> list[Any]:
        params, _ = await params_of(request)
        market = market_of(exchange_of(exchange), params.get("symbol"))
        n = integer(params, "limit", 500, 1, MAX_TRADES_LIMIT)
        assert n is not None
        return [_public_trade(market, row) for row in list(market.trades)[-n:]]

    # -- order entry (signed) ---------------------------------------------------------------------------------
    @app.post("/{exchange}/api/v3/order", summary="Binance dialect: new order (signed)", tags=["binance"])
    async def new_order(
        exchange: str,
        request: Request,
        symbol: ParamText = None,
        side: ParamText = None,
        type: ParamText = None,
        timeInForce: ParamText = None,
        quantity: ParamText = None,
        price: ParamText = None,
        newClientOrderId: ParamText = None,
        newOrderRespType: ParamText = None,
        recvWindow: ParamText = None,
        timestamp: ParamText = None,
        signature: ParamText = None,
        x_mbx_apikey: MbxKey = None,
    ) -> JSONResponse:
        key, params = await signed(request, x_mbx_apikey)
        ex = exchange_of(exchange)
        market = market_of(ex, params.get("symbol"))
        side_in = required(params, "side").upper()
        if side_in not in ("BUY", "SELL"):
            raise BinanceError(400, -1117, "Invalid side.")
        type_in = required(params, "type").upper()
        if type_in not in TYPES_IN:
            raise BinanceError(400, -1116, "Invalid orderType.")
        if params.get("quoteOrderQty"):
            raise BinanceError(
                400, -1106, "Parameter 'quoteOrderQty' sent when not required (not supported by the mock)."
            )
        qty = number(params, "quantity")
        if qty is None:
            raise BinanceError(400, -1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.")
        price_in = number(params, "price")
        if type_in == "LIMIT":
            tif = required(params, "timeInForce").upper()
            if tif not in TIME_IN_FORCE:
                raise BinanceError(400, -1115, "Invalid timeInForce.")
            order_type = TIME_IN_FORCE[tif]
        elif type_in == "LIMIT_MAKER":
            order_type = "post_only"
        else:
            order_type = "market"
            if price_in is not None:
                raise BinanceError(400, -1106, "Parameter 'price' sent when not required.")
        if order_type != "market" and price_in is None:
            raise BinanceError(400, -1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed.")
        client_id = params.get("newClientOrderId") or f"mock-{secrets.token_hex(8)}"
        if not (1 <= len(client_id) <= 36 and all(c.isalnum() or c in "-_." for c in client_id)):
            raise BinanceError(
                400,
                -1100,
                "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[a-zA-Z0-9-_.]{1,36}$'.",
            )
        if (key, client_id) in ex.by_client:
            raise BinanceError(400, -2010, "Duplicate order sent.")
        if ex.spec.balances:
            _check_balance(ex, market, key, side_in, order_type, qty, price_in)
        fills_before = ex.fill_count
        try:
            record, _ = market.create(key, client_id, side_in.lower(), order_type, price_in, qty)
        except OrderError as exc:
            if exc.status == 503:
                raise BinanceError(503, -1016, f"This service is no longer available. ({exc})") from None
            filt = "PRICE_FILTER" if "price" in str(exc).lower() else "LOT_SIZE"
            raise BinanceError(400, -1013, f"Filter failure: {filt} ({exc})") from None
        if record.status == "rejected":
            why = (
                "Order would immediately match and take."
                if order_type == "post_only"
                else f"Order rejected: {record.reason}."
            )
            raise BinanceError(400, -2010, why)
        inst = market.instrument
        answer: dict[str, Any] = {
            "symbol": record.symbol,
            "orderId": record.order_id,
            "orderListId": -1,
            "clientOrderId": record.client_order_id,
            "transactTime": _ms(record.created_ns),
        }
        resp_type = (params.get("newOrderRespType") or "FULL").upper()
        if resp_type in ("RESULT", "FULL"):
            full = binance_order_json(market, record)
            for name in ("time", "updateTime", "isWorking", "stopPrice", "icebergQty", "origQuoteOrderQty"):
                full.pop(name)
            answer.update(full)
        if resp_type == "FULL":
            answer["fills"] = [
                {
                    "price": _fmt(inst.ticks_to_price(f.price)),
                    "qty": _fmt(inst.lots_to_qty(f.qty)),
                    "commission": _fmt(inst.fees.fee(inst.notional(f.price, f.qty), maker=f.maker)),
                    "commissionAsset": market.spec.quote,
                    "tradeId": f.fill_id,
                }
                for f in ex.fills_after(fills_before)
                if f.order_id == record.order_id
            ]
        return JSONResponse(answer)

    @app.get("/{exchange}/api/v3/order", summary="Binance dialect: query an order (signed)", tags=["binance"])
    async def query_order(
        exchange: str,
        request: Request,
        symbol: ParamText = None,
        orderId: ParamText = None,
        origClientOrderId: ParamText = None,
        recvWindow: ParamText = None,
        timestamp: ParamText = None,
        signature: ParamText = None,
        x_mbx_apikey: MbxKey = None,
    ) -> dict[str, Any]:
        key, params = await signed(request, x_mbx_apikey)
        ex = exchange_of(exchange)
        market = market_of(ex, params.get("symbol"))
        return binance_order_json(market, find_order(ex, market, key, params, -2013))

    @app.delete("/{exchange}/api/v3/order", summary="Binance dialect: cancel an order (signed)", tags=["binance"])
    async def cancel_order(
        exchange: str,
        request: Request,
        symbol: ParamText = None,
        orderId: ParamText = None,
        origClientOrderId: ParamText = None,
        recvWindow: ParamText = None,
        timestamp: ParamText = None,
        signature: ParamText = None,
        x_mbx_apikey: MbxKey = None,
    ) -> dict[str, Any]:
        key, params = await signed(request, x_mbx_apikey)
        ex = exchange_of(exchange)
        market = market_of(ex, params.get("symbol"))
        record = find_order(ex, market, key, params, -2011)
        if record.status not in OPEN_STATUSES:
            raise BinanceError(400, -2011, "Unknown order sent.")
        try:
            market.cancel(record)
        except OrderError as exc:  # pragma: no cover - cancel raises only for a closed session, checked above
            raise BinanceError(503, -1016, str(exc)) from None
        answer = binance_order_json(market, record)
        for name in ("time", "updateTime", "isWorking", "stopPrice", "icebergQty", "origQuoteOrderQty", "workingTime"):
            answer.pop(name)
        answer["origClientOrderId"] = record.client_order_id
        answer["transactTime"] = _ms(record.updated_ns)
        return answer

    @app.get("/{exchange}/api/v3/openOrders", summary="Binance dialect: open orders (signed)", tags=["binance"])
    async def open_orders(
        exchange: str,
        request: Request,
        symbol: ParamText = None,
        recvWindow: ParamText = None,
        timestamp: ParamText = None,
        signature: ParamText = None,
        x_mbx_apikey: MbxKey = None,
    ) -> list[dict[str, Any]]:
        key, params = await signed(request, x_mbx_apikey)
        ex = exchange_of(exchange)
        wanted = market_of(ex, params["symbol"]).spec.symbol if params.get("symbol") else None
        ex.sync()
        return [
            binance_order_json(ex.markets[r.symbol], r)
            for r in ex.orders.values()
            if r.key == key and r.status in OPEN_STATUSES and wanted in (None, r.symbol)
        ]

    @app.get("/{exchange}/api/v3/account", summary="Binance dialect: balances (signed)", tags=["binance"])
    async def account(
        exchange: str,
        request: Request,
        recvWindow: ParamText = None,
        timestamp: ParamText = None,
        signature: ParamText = None,
        x_mbx_apikey: MbxKey = None,
    ) -> dict[str, Any]:
        key, _ = await signed(request, x_mbx_apikey)
        ex = exchange_of(exchange)
        ex.sync()
        maker, taker = round(ex.spec.maker_fee * 10_000), round(ex.spec.taker_fee * 10_000)
        return {
            "makerCommission": maker,
            "takerCommission": taker,
            "buyerCommission": 0,
            "sellerCommission": 0,
            "commissionRates": {
                "maker": _fmt(ex.spec.maker_fee),
                "taker": _fmt(ex.spec.taker_fee),
                "buyer": _fmt(0.0),
                "seller": _fmt(0.0),
            },
            "canTrade": True,
            "canWithdraw": False,
            "canDeposit": False,
            "brokered": False,
            "requireSelfTradePrevention": False,
            "preventSor": False,
            "updateTime": int(time.time() * 1000),
            "accountType": "SPOT",
            "balances": [
                {"asset": asset, "free": _fmt(free), "locked": _fmt(held)}
                for asset, (free, held) in sorted(balances(ex, key).items())
            ],
            "permissions": ["SPOT"],
            "uid": 0,
        }

    @app.get("/{exchange}/api/v3/myTrades", summary="Binance dialect: the key's trades (signed)", tags=["binance"])
    async def my_trades(
        exchange: str,
        request: Request,
        symbol: ParamText = None,
        orderId: ParamText = None,
        fromId: ParamText = None,
        limit: ParamText = None,
        recvWindow: ParamText = None,
        timestamp: ParamText = None,
        signature: ParamText = None,
        x_mbx_apikey: MbxKey = None,
    ) -> list[dict[str, Any]]:
        key, params = await signed(request, x_mbx_apikey)
        ex = exchange_of(exchange)
        market = market_of(ex, params.get("symbol"))
        order_id = integer(params, "orderId", None, 1, 2**62)
        from_id = integer(params, "fromId", None, 0, 2**62)
        n = integer(params, "limit", 500, 1, 1000)
        assert n is not None
        out = [
            _trade_json(market, f)
            for f in ex.fills_after(max((from_id or 0) - 1, 0))
            if f.key == key and f.symbol == market.spec.symbol and order_id in (None, f.order_id)
        ]
        return out[:n] if from_id is not None else out[-n:]  # Binance: from fromId up, else the most recent

    # -- user-data stream listen keys -------------------------------------------------------------------------
    def api_key_only(api_key: str | None) -> str:
        if not api_key:
            raise BinanceError(401, -2014, "API-key format invalid.")
        if api_key not in keys:
            raise BinanceError(401, -2015, "Invalid API-key, IP, or permissions for action.")
        return api_key

    @app.post("/{exchange}/api/v3/userDataStream", summary="Binance dialect: a listen key", tags=["binance"])
    async def new_listen_key(exchange: str, x_mbx_apikey: MbxKey = None) -> dict[str, Any]:
        ex = exchange_of(exchange)
        key = api_key_only(x_mbx_apikey)
        for listen, (name, owner, _) in listen_keys.items():  # Binance answers the key's open listen key again
            if name == ex.spec.name and owner == key:
                listen_keys[listen] = (name, owner, time.monotonic() + LISTEN_KEY_TTL_S)
                return {"listenKey": listen}
        listen = secrets.token_urlsafe(45)[:60]
        listen_keys[listen] = (ex.spec.name, key, time.monotonic() + LISTEN_KEY_TTL_S)
        return {"listenKey": listen}

    def owned_listen_key(exchange: str, api_key: str | None, listen: str | None) -> str:
        ex = exchange_of(exchange)
        key = api_key_only(api_key)
        entry = listen_keys.get(listen or "")
        if entry is None or entry[0] != ex.spec.name or entry[1] != key:
            raise BinanceError(400, -1125, "This listenKey does not exist.")
        assert listen is not None
        return listen

    @app.put("/{exchange}/api/v3/userDataStream", summary="Binance dialect: keep a listen key alive", tags=["binance"])
    async def keep_listen_key(
        exchange: str, listenKey: ParamText = None, x_mbx_apikey: MbxKey = None
    ) -> dict[str, Any]:
        listen = owned_listen_key(exchange, x_mbx_apikey, listenKey)
        name, owner, _ = listen_keys[listen]
        listen_keys[listen] = (name, owner, time.monotonic() + LISTEN_KEY_TTL_S)
        return {}

    @app.delete("/{exchange}/api/v3/userDataStream", summary="Binance dialect: close a listen key", tags=["binance"])
    async def close_listen_key(
        exchange: str, listenKey: ParamText = None, x_mbx_apikey: MbxKey = None
    ) -> dict[str, Any]:
        listen_keys.pop(owned_listen_key(exchange, x_mbx_apikey, listenKey), None)
        return {}

    # -- streams ----------------------------------------------------------------------------------------------
    def listen_owner(exchange: MockExchange, name: str) -> str | None:
        entry = listen_keys.get(name)
        if entry is None or entry[0] != exchange.spec.name or entry[2] < time.monotonic():
            return None
        return entry[1]

    async def serve_streams(websocket: WebSocket, exchange: str, names: list[str], combined: bool) -> None:
        if metrics is None:
            await run_streams(websocket, exchange, names, combined)
            return
        gauge = metrics.ws_connections.labels("binance")
        gauge.inc()
        try:
            await run_streams(websocket, exchange, names, combined)
        finally:
            gauge.dec()

    async def run_streams(websocket: WebSocket, exchange: str, names: list[str], combined: bool) -> None:
        await websocket.accept()
        ex = exchanges.get(exchange.lower())
        if ex is None:
            await _close(websocket, 1008, f"unknown exchange {exchange!r}")
            return
        streams: dict[str, _Stream] = {}
        replies: list[dict[str, Any]] = []

        def add(name: str) -> str | None:
            stream = _open_stream(ex, name, listen_owner)
            if isinstance(stream, str):
                return stream
            streams[name] = stream
            return None

        for name in names:
            problem = add(name)
            if problem is not None:
                await _close(websocket, 1008, problem)
                return

        async def read() -> None:
            while True:
                text = await websocket.receive_text()
                try:
                    request = json.loads(text)
                    method, ident = request["method"], request.get("id")
                    params = request.get("params", [])
                    if not isinstance(params, list):
                        raise TypeError("params must be a list")
                except (ValueError, KeyError, TypeError) as exc:
                    replies.append({"error": {"code": 2, "msg": f"Invalid request: {exc}"}, "id": None})
                    continue
                if method == "SUBSCRIBE":
                    problems = [p for p in (add(str(n)) for n in params if str(n) not in streams) if p]
                    replies.append(
                        {"error": {"code": 2, "msg": problems[0]}, "id": ident}
                        if problems
                        else {"result": None, "id": ident}
                    )
                elif method == "UNSUBSCRIBE":
                    for n in params:
                        gone = streams.pop(str(n), None)
                        if gone is not None:
                            gone.close()
                    replies.append({"result": None, "id": ident})
                elif method == "LIST_SUBSCRIPTIONS":
                    replies.append({"result": sorted(streams), "id": ident})
                else:
                    replies.append(
                        {"error": {"code": 2, "msg": f"Invalid request: unknown method {method!r}"}, "id": ident}
                    )

        reader = asyncio.create_task(read())
        start = generation()
        try:
            while generation() == start and not reader.done():
                while replies:
                    await websocket.send_text(json.dumps(replies.pop(0)))
                for name, stream in list(streams.items()):
                    for data in stream.poll():
                        if data is None:
                            await _close(websocket, 1013, "slow consumer: reconnect")
                            return
                        await websocket.send_text(json.dumps({"stream": name, "data": data} if combined else data))
                        if metrics is not None:
                            metrics.ws_messages.labels("binance").inc()
                await asyncio.sleep(STREAM_TICK_S)
            if generation() != start:
                await _close(websocket, 1012, "server restarting the stream")
        except (WebSocketDisconnect, RuntimeError, OSError):
            return
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError, OSError):
                await reader
            for stream in streams.values():
                stream.close()

    @app.websocket("/{exchange}/ws")
    async def ws_subscribe(websocket: WebSocket, exchange: str) -> None:
        await serve_streams(websocket, exchange, [], combined=False)

    @app.websocket("/{exchange}/ws/{streams:path}")
    async def ws_raw(websocket: WebSocket, exchange: str, streams: str) -> None:
        await serve_streams(websocket, exchange, [s for s in streams.split("/") if s], combined=False)

    @app.websocket("/{exchange}/stream")
    async def ws_combined(websocket: WebSocket, exchange: str) -> None:
        names = [s for s in websocket.query_params.get("streams", "").split("/") if s]
        await serve_streams(websocket, exchange, names, combined=True)


_AUTH_MESSAGES = {
    -2014: "API-key format invalid.",
    -2015: "Invalid API-key, IP, or permissions for action.",
    -1022: "Signature for this request is not valid.",
    -1021: "Timestamp for this request is outside of the recvWindow.",
    -1102: "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.",
    -1131: "recvWindow must be less than 60000.",
}


def _check_balance(
    exchange: MockExchange, market: MockMarket, key: str, side: str, order_type: str, qty: float, price: float | None
) -> None:
    free = balances(exchange, key)
    if side == "BUY":
        if price is None:  # a market buy: priced at the best ask (or the last price)
            top = market.venue.top(0)
            ticks = top.ask_price if top.ask_price is not None else market.last_price
            price = 0.0 if ticks is None else market.instrument.ticks_to_price(ticks)
        need, asset = qty * price * (1 + max(market.exchange.spec.taker_fee, 0.0)), market.spec.quote
    else:
        need, asset = qty, market.spec.base
    if free.get(asset, (0.0, 0.0))[0] + 1e-9 < need:
        raise BinanceError(400, -2010, "Account has insufficient balance for requested action.")


def _book_ticker(market: MockMarket) -> dict[str, Any]:
    feed = depth_feed(market)
    inst = market.instrument
    bid = max(feed.bids.items(), default=(0, 0))
    ask = min(feed.asks.items(), default=(0, 0))
    return {
        "symbol": market.spec.symbol,
        "bidPrice": _fmt(inst.ticks_to_price(bid[0])),
        "bidQty": _fmt(inst.lots_to_qty(bid[1])),
        "askPrice": _fmt(inst.ticks_to_price(ask[0])),
        "askQty": _fmt(inst.lots_to_qty(ask[1])),
    }


def _public_trade(market: MockMarket, row: tuple[int, int, int, int, int]) -> dict[str, Any]:
    trade_id, ts, price, qty, side = row
    inst = market.instrument
    return {
        "id": trade_id,
        "price": _fmt(inst.ticks_to_price(price)),
        "qty": _fmt(inst.lots_to_qty(qty)),
        "quoteQty": _fmt(inst.notional(price, qty)),
        "time": _ms(ts),
        "isBuyerMaker": side == SELL,
        "isBestMatch": True,
    }


# -- stream sources ---------------------------------------------------------------------------------------------
class _Stream(abc.ABC):
    """One subscribed stream: `poll` returns what is due now (None in the list: close, the consumer is too slow)."""

    @abc.abstractmethod
    def poll(self) -> list[dict[str, Any] | None]:
        """The messages due now."""

    def close(self) -> None:
        return None


class _DepthStream(_Stream):
    def __init__(self, market: MockMarket, interval_s: float) -> None:
        self.feed = depth_feed(market)
        self.interval_s = interval_s
        self.last_id = self.feed.update_id
        self.next_at = time.monotonic() + interval_s

    def poll(self) -> list[dict[str, Any] | None]:
        now = time.monotonic()
        if now < self.next_at:
            return []
        self.next_at = max(self.next_at + self.interval_s, now)
        diff = self.feed.since(self.last_id)
        if diff is None:
            return []
        self.last_id = diff.last_id
        return [self.feed.event(diff)]


class _TradeStream(_Stream):
    def __init__(self, market: MockMarket) -> None:
        self.market = market
        self.last_id = market.trades[-1][0] if market.trades else 0

    def poll(self) -> list[dict[str, Any] | None]:
        market = self.market
        if not market.trades or market.trades[-1][0] <= self.last_id:
            return []
        inst = market.instrument
        out: list[dict[str, Any] | None] = []
        for trade_id, ts, price, qty, side in market.trades:
            if trade_id <= self.last_id:
                continue
            out.append(
                {
                    "e": "trade",
                    "E": _ms(ts),
                    "s": market.spec.symbol,
                    "t": trade_id,
                    "p": _fmt(inst.ticks_to_price(price)),
                    "q": _fmt(inst.lots_to_qty(qty)),
                    "T": _ms(ts),
                    "m": side == SELL,
                    "M": True,
                }
            )
            self.last_id = trade_id
        return out


class _BookTickerStream(_Stream):
    def __init__(self, market: MockMarket) -> None:
        self.market = market
        self.feed = depth_feed(market)
        self.last: dict[str, Any] | None = None

    def poll(self) -> list[dict[str, Any] | None]:
        ticker = _book_ticker(self.market)
        if ticker == self.last:
            return []
        self.last = ticker
        return [
            {
                "u": self.feed.update_id,
                "s": ticker["symbol"],
                "b": ticker["bidPrice"],
                "B": ticker["bidQty"],
                "a": ticker["askPrice"],
                "A": ticker["askQty"],
            }
        ]


class _UserStream(_Stream):
    def __init__(self, exchange: MockExchange, key: str) -> None:
        self.exchange = exchange
        self.key = key
        self.queue = exchange.subscribe(key)
        self.fills: dict[int, dict[str, Any]] = {}

    def poll(self) -> list[dict[str, Any] | None]:
        out: list[dict[str, Any] | None] = []
        while not self.queue.empty():
            event = self.queue.get_nowait()
            if event is None:
                out.append(None)
                break
            if event.get("type") == "fill":
                self.fills[int(event["order_id"])] = event
                continue
            fill = self.fills.pop(int(event["order_id"]), None)
            if fill is None and event["status"] in ("partially_filled", "filled"):
                continue  # a state already reported with its trade
            market = self.exchange.markets[event["symbol"]]
            out.append(execution_report(event, fill, market.spec.quote))
        return out

    def close(self) -> None:
        self.exchange.unsubscribe(self.key, self.queue)


def _open_stream(
    exchange: MockExchange, name: str, listen_owner: Callable[[MockExchange, str], str | None]
) -> _Stream | str:
    """The stream called ``name`` (Binance's stream names), or why there is none."""
    owner = listen_owner(exchange, name)
    if owner is not None:
        return _UserStream(exchange, owner)
    symbol, _, kind = name.partition("@")
    try:
        market = exchange.market(symbol)
    except KeyError:
        return f"Invalid stream {name!r}: unknown symbol or listen key"
    market.sync()
    if kind == "depth":
        return _DepthStream(market, 1.0)
    if kind == "depth@100ms":
        return _DepthStream(market, 0.1)
    if kind == "trade":
        return _TradeStream(market)
    if kind == "bookTicker":
        return _BookTickerStream(market)
    return (
        f"Invalid stream {name!r}: this mock streams <symbol>@depth, @depth@100ms, @trade, @bookTicker and listen keys"
    )


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        await websocket.close(code, reason[:120])
