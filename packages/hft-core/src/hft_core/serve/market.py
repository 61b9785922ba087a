"""One mock exchange: a simulated market per symbol, run in wall-clock time, and the users' orders and fills.

Each symbol is hft-core's ``single-instrument`` simulated market (`hft_core.create_scenario`) with the exchange
file's grids, fees, start price and knobs, seeded from the server seed, the exchange and the symbol (so the same
seed gives the same market path, in market time, whatever else runs). Market time follows the wall clock:
``start + (wall - wall at start) × speed``. `MockMarket.sync` runs the simulation up to that time; the server calls
it before answering anything and from a background task every few milliseconds, so the market moves whether or
not anyone asks.

Users' orders go into the market's matching engine as the simulated venue's strategy orders (`SimulatedVenue.submit`,
with the scenario's entry and response latencies in market time), one venue order id per server order; the server
keeps which API key owns which order, and the client order ids. Because the simulated venue has a single strategy
owner, two keys' orders that would cross each other are cancelled by the engine's self-trade prevention rather than
matched (a documented limit of this mock, docs/live.md).

Records are kept for a while, not for ever (`MockExchange.forget`): an order stays queryable for `RETENTION_S`
wall-clock seconds after it closed (filled, cancelled, rejected, expired), and a fill for as long after it happened;
beyond that, or beyond the newest `MAX_CLOSED` of them, they are forgotten, as real venues archive old orders: a
query of a forgotten order answers "unknown order" (404; the Binance dialect's -2013), its client order id may be
used again, and ``fills?from_id=`` starts from the oldest fill kept. Open orders are never forgotten. The
retention covers a client's retried creates (idempotent by client order id) and the reconciliation a reconnecting
client does (fills since its last fill id, the state of the orders it believed open). The balances of the Binance
dialect are running totals, so forgetting fills does not change them.

Everything here runs on the server's event-loop thread: no locks.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hft_core.errors import HftError, OffGridError
from hft_core.events import BUY, SELL
from hft_core.instruments import Instrument
from hft_core.markets import MarketConfig
from hft_core.matching.orders import OrderReason, OrderStatus, OrderType
from hft_core.serve.exchanges import ExchangeSpec, SymbolSpec
from hft_core.venues.base import Report, Watch
from hft_core.venues.simulated.venue import SimulatedVenue

__all__ = [
    "FillRecord",
    "MarketClosedError",
    "MockExchange",
    "MockMarket",
    "OrderError",
    "OrderRecord",
    "Subscriber",
]

_NS_PER_S = 1_000_000_000
_NS_PER_MS = 1_000_000
TRADE_HISTORY = 1000
"""Public trades kept per symbol for ``mock_trades`` (the most ``n`` may ask for)."""

BOOK_HISTORY = 512
"""Book snapshots kept per symbol (`MockMarket.sent`)."""

RETENTION_S = 120.0
"""Wall-clock seconds a closed order and a fill stay in the records (`MockExchange.forget`)."""

MAX_CLOSED = 10_000
"""At most this many closed orders, and this many fills, are kept per exchange, however recent."""

SIDES: dict[str, int] = {"buy": BUY, "sell": SELL}
SIDE_NAMES: dict[int, str] = {BUY: "buy", SELL: "sell"}
ORDER_TYPES: dict[str, OrderType] = {
    "limit": OrderType.LIMIT,
    "market": OrderType.MARKET,
    "ioc": OrderType.IOC,
    "fok": OrderType.FOK,
    "post_only": OrderType.POST_ONLY,
}
STATUS_NAMES: dict[OrderStatus, str] = {
    OrderStatus.ACCEPTED: "open",
    OrderStatus.MODIFIED: "open",
    OrderStatus.PARTIALLY_FILLED: "partially_filled",
    OrderStatus.FILLED: "filled",
    OrderStatus.CANCELLED: "cancelled",
    OrderStatus.REJECTED: "rejected",
    OrderStatus.EXPIRED: "expired",
}
OPEN_STATUSES = frozenset({"pending", "open", "partially_filled"})


class OrderError(HftError):
    """A refused order request; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class MarketClosedError(OrderError):
    """The market's session (``hft serve --session``) is over."""

    def __init__(self, symbol: str) -> None:
        super().__init__(503, f"the {symbol} market session is over: restart hft serve for a new one")


@dataclass(slots=True)
class OrderRecord:
    """The server's record of one user order: prices in ticks, quantities in lots (`MockMarket.order_json`)."""

    order_id: int
    key: str
    client_order_id: str
    symbol: str
    side: int
    order_type: str
    price: int
    qty: int
    filled: int = 0
    status: str = "pending"
    reason: str = ""
    created_ns: int = 0
    updated_ns: int = 0
    notional_ticks_lots: int = 0


@dataclass(frozen=True, slots=True)
class FillRecord:
    """One fill of a user order; ``fill_id`` increases across the whole exchange (reconciliation reads from an id)."""

    fill_id: int
    order_id: int
    key: str
    client_order_id: str
    symbol: str
    side: int
    price: int
    qty: int
    maker: bool
    ts_ns: int


Subscriber = Callable[[dict[str, Any]], None]


class MockMarket:
    """One symbol's simulated market in wall-clock time (see the module docstring)."""

    def __init__(
        self,
        exchange: MockExchange,
        spec: SymbolSpec,
        *,
        seed: int,
        speed: float,
        session_s: float,
        clock: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        from hft_core.runs import create_scenario  # the plugin host and numpy: only once a market is used

        self.exchange = exchange
        self.spec = spec
        knobs: dict[str, Any] = {
            "price": spec.price,
            "tick_size": spec.tick_size,
            "lot_size": spec.lot_size,
            "maker_fee": exchange.spec.maker_fee,
            "taker_fee": exchange.spec.taker_fee,
            "fair_step_ms": 100,
        }
        knobs.update(spec.market)
        self.seed = seed
        venue = create_scenario("single-instrument", seed=seed, duration_s=session_s, **knobs)
        if not isinstance(venue, SimulatedVenue):  # pragma: no cover - the built-in market is always simulated
            raise TypeError(f"single-instrument built {type(venue).__name__}, not a SimulatedVenue")
        self.venue = venue
        # a request's round trip in market time: answers carry the outcome of the order they placed
        self._round_trip_ns = int(knobs.get("entry_latency_ns", MarketConfig.entry_latency_ns)) + int(
            knobs.get("response_latency_ns", MarketConfig.response_latency_ns)
        )
        sim = self.venue.instruments[0]
        self.instrument = Instrument(
            spec.symbol,
            sim.tick_size,
            sim.lot_size,
            venue=exchange.spec.name,
            fees=sim.fees,
            base=spec.base,
            quote=spec.quote,
        )
        self._speed = speed
        self._clock = clock
        self._start_ns = self.venue.start()
        self._wall0 = clock()
        self._end_ns = self._start_ns + round(session_s * _NS_PER_S)
        self._watch = Watch(book=(True,), trades=(True,), reports=True, acks=True)
        self.trades: deque[tuple[int, int, int, int, int]] = deque(maxlen=TRADE_HISTORY)
        self._trade_id = 0
        self.volume_lots = 0
        self.last_price: int | None = None
        self.orders: dict[int, OrderRecord] = {}
        self.sent: deque[dict[str, Any]] = deque(maxlen=BOOK_HISTORY)
        """The last book snapshots answered or streamed, newest last: the record a client's book is checked against."""
        self.sync_hooks: list[Callable[[], None]] = []
        """Called after every `sync` (the Binance dialect's diff-depth feed numbers the book's changes there)."""

    # -- time ---------------------------------------------------------------------------------------------------
    @property
    def now(self) -> int:
        """Market time (ns) the simulation has reached."""
        return self.venue.now

    @property
    def closed(self) -> bool:
        return self.now >= self._end_ns

    def target(self) -> int:
        """The market time the wall clock says it is now."""
        return min(self._start_ns + int((self._clock() - self._wall0) * self._speed), self._end_ns)

    def sync(self) -> None:
        """Run the simulation to the wall clock's market time, recording public trades and users' reports, and
        forget the exchange's records that are past their retention."""
        self._run_to(self.target())
        for hook in self.sync_hooks:
            hook()
        self.exchange.forget()

    def _run_to(self, until: int) -> None:
        venue = self.venue
        guard = 0
        while self.now < until and guard < 1_000_000:
            guard += 1
            advance = venue.advance(until, self._watch)
            for trade in advance.trades:
                self._trade_id += 1
                self.trades.append((self._trade_id, trade.ts, trade.price, trade.qty, trade.side))
                self.volume_lots += trade.qty
                self.last_price = trade.price
            for report in advance.reports:
                self._on_report(report)
            if advance.finished:
                break

    # -- market data --------------------------------------------------------------------------------------------
    def book(self, depth: int) -> dict[str, Any]:
        """An L2 snapshot of ``depth`` levels a side, prices and sizes in units, ``ts`` = market time (ns)."""
        inst = self.instrument
        bids = self.venue.depth(0, BUY, depth)
        asks = self.venue.depth(0, SELL, depth)
        snapshot = {
            "symbol": self.spec.symbol,
            "ts": self.now,
            "bids": [[inst.ticks_to_price(p), inst.lots_to_qty(q)] for p, q in bids],
            "asks": [[inst.ticks_to_price(p), inst.lots_to_qty(q)] for p, q in asks],
        }
        self.sent.append(snapshot)
        return snapshot

    def ticker(self) -> dict[str, Any]:
        inst = self.instrument
        top = self.venue.top(0)
        return {
            "symbol": self.spec.symbol,
            "ts": self.now,
            "bid": None if top.bid_price is None else inst.ticks_to_price(top.bid_price),
            "bid_qty": inst.lots_to_qty(top.bid_qty),
            "ask": None if top.ask_price is None else inst.ticks_to_price(top.ask_price),
            "ask_qty": inst.lots_to_qty(top.ask_qty),
            "last": None if self.last_price is None else inst.ticks_to_price(self.last_price),
            "volume": inst.lots_to_qty(self.volume_lots),
        }

    def recent_trades(self, n: int) -> list[dict[str, Any]]:
        inst = self.instrument
        rows = list(self.trades)[-n:] if n > 0 else []
        return [
            {
                "id": trade_id,
                "ts": ts,
                "price": inst.ticks_to_price(price),
                "qty": inst.lots_to_qty(qty),
                "side": SIDE_NAMES.get(side, "unknown"),
            }
            for trade_id, ts, price, qty, side in rows
        ]

    # -- orders -------------------------------------------------------------------------------------------------
    def create(
        self, key: str, client_order_id: str, side: str, order_type: str, price: float | None, qty: float
    ) -> tuple[OrderRecord, bool]:
        """Place an order, or return the key's existing order with that client id (``False``: not new)."""
        self.sync()
        existing = self.exchange.by_client.get((key, client_order_id))
        if existing is not None:
            record = self.exchange.orders[existing]
            if record.symbol != self.spec.symbol or SIDE_NAMES[record.side] != side or record.order_type != order_type:
                raise OrderError(
                    409, f"client_order_id {client_order_id!r} is already used by a different order ({record.order_id})"
                )
            return record, False
        if self.closed:
            raise MarketClosedError(self.spec.symbol)
        if side not in SIDES:
            raise OrderError(400, f"side must be one of {sorted(SIDES)}, got {side!r}")
        if order_type not in ORDER_TYPES:
            raise OrderError(400, f"type must be one of {sorted(ORDER_TYPES)}, got {order_type!r}")
        inst = self.instrument
        try:
            lots = inst.qty_to_lots(qty)
            if order_type == "market":
                if price is not None:
                    raise OrderError(400, "a market order takes no price")
                ticks = 0
            else:
                if price is None:
                    raise OrderError(400, f"a {order_type} order needs a price")
                ticks = inst.price_to_ticks(price)
        except OffGridError as exc:
            raise OrderError(400, str(exc)) from exc
        if lots <= 0:
            raise OrderError(400, f"qty must be positive, got {qty}")
        if order_type != "market" and ticks <= 0:
            raise OrderError(400, f"price must be positive, got {price}")
        record = self.exchange.new_order(key, client_order_id, self.spec.symbol, SIDES[side], order_type, ticks, lots)
        record.created_ns = record.updated_ns = self.now
        self.orders[record.order_id] = record
        self.venue.submit(self.now, 0, record.order_id, record.side, ORDER_TYPES[order_type], ticks, lots)
        self._settle_request()
        return record, True

    def cancel(self, record: OrderRecord) -> OrderRecord:
        """Ask to cancel an order (idempotent: a closed order is returned as it is)."""
        self.sync()
        if record.status in OPEN_STATUSES and not self.closed:
            self.venue.cancel(self.now, 0, record.order_id)
            self._settle_request()
        return record

    def _settle_request(self) -> None:
        """Run the market just past the request's round trip, so the answer carries its outcome."""
        self._run_to(min(self.now + self._round_trip_ns + 1, self._end_ns))

    def _on_report(self, report: Report) -> None:
        record = self.orders.get(report.order_id)
        if record is None:
            return
        status = report.status
        was_open = record.status in OPEN_STATUSES
        record.updated_ns = report.ts
        if report.fill_qty > 0:
            record.filled += report.fill_qty
            record.notional_ticks_lots += report.fill_qty * report.fill_price
            fill = self.exchange.new_fill(record, report.fill_price, report.fill_qty, report.maker, report.ts)
            self._hold(fill)
            record.status = "filled" if report.leaves == 0 else "partially_filled"
            self.exchange.publish(record.key, self.fill_json(fill))
        elif status in (OrderStatus.ACCEPTED, OrderStatus.MODIFIED):
            record.status = "partially_filled" if record.filled else "open"
        else:
            record.status = STATUS_NAMES.get(status, "open")
            if report.reason != OrderReason.NONE:
                record.reason = report.reason.name.lower()
        if was_open and record.status not in OPEN_STATUSES:
            self.exchange.order_closed(record)
        self.exchange.publish(record.key, self.order_json(record, event="order"))

    def _hold(self, fill: FillRecord) -> None:
        """Move the key's running balances by ``fill`` (the base asset by its size, the quote asset by its notional
        and fee): the Binance dialect's account reads them (`MockExchange.holdings`)."""
        inst, spec = self.instrument, self.spec
        totals = self.exchange.holdings_of(fill.key)
        notional = inst.notional(fill.price, fill.qty)
        fee = inst.fees.fee(notional, maker=fill.maker)
        sign = 1.0 if fill.side == BUY else -1.0
        totals[spec.base] += sign * inst.lots_to_qty(fill.qty)
        totals[spec.quote] -= sign * notional + fee

    # -- JSON ---------------------------------------------------------------------------------------------------
    def order_json(self, record: OrderRecord, event: str | None = None) -> dict[str, Any]:
        inst = self.instrument
        out: dict[str, Any] = {} if event is None else {"type": event}
        out.update(
            {
                "exchange": self.exchange.spec.name,
                "symbol": record.symbol,
                "order_id": record.order_id,
                "client_order_id": record.client_order_id,
                "side": SIDE_NAMES[record.side],
                "order_type": record.order_type,
                "price": None if record.order_type == "market" else inst.ticks_to_price(record.price),
                "qty": inst.lots_to_qty(record.qty),
                "filled_qty": inst.lots_to_qty(record.filled),
                "avg_price": (
                    round(record.notional_ticks_lots / record.filled * inst.tick_size, 12) if record.filled else None
                ),
                "status": record.status,
                "reason": record.reason,
                "created_ts": record.created_ns,
                "updated_ts": record.updated_ns,
            }
        )
        return out

    def fill_json(self, fill: FillRecord) -> dict[str, Any]:
        inst = self.instrument
        notional = inst.notional(fill.price, fill.qty)
        return {
            "type": "fill",
            "exchange": self.exchange.spec.name,
            "symbol": fill.symbol,
            "fill_id": fill.fill_id,
            "order_id": fill.order_id,
            "client_order_id": fill.client_order_id,
            "side": SIDE_NAMES[fill.side],
            "price": inst.ticks_to_price(fill.price),
            "qty": inst.lots_to_qty(fill.qty),
            "maker": fill.maker,
            "fee": inst.fees.fee(notional, maker=fill.maker),
            "ts": fill.ts_ns,
        }


class MockExchange:
    """A mock exchange: its markets (built on first use), the users' orders and fills, and their streams."""

    def __init__(
        self,
        spec: ExchangeSpec,
        *,
        seed: int,
        speed: float = 1.0,
        session_s: float = 86_400.0,
        clock: Callable[[], int] = time.monotonic_ns,
        queue_size: int = 10_000,
        retention_s: float = RETENTION_S,
        max_closed: int = MAX_CLOSED,
    ) -> None:
        if not retention_s >= 0 or max_closed < 0:
            raise ValueError(f"retention_s and max_closed must be >= 0, got {retention_s} and {max_closed}")
        self.spec = spec
        self.seed = seed
        self.speed = speed
        self.session_s = session_s
        self._clock = clock
        self.markets: dict[str, MockMarket] = {}
        self.orders: dict[int, OrderRecord] = {}
        """The orders kept: every open order, and the closed ones still within their retention."""
        self.by_client: dict[tuple[str, str], int] = {}
        self.fills: list[FillRecord] = []
        """The fills kept, oldest first: fill ids ``fills_forgotten + 1`` on, without a hole (`fills_after`)."""
        self.fills_forgotten = 0
        self.orders_forgotten = 0
        self.retention_s = retention_s
        self.max_closed = max_closed
        self.holdings: dict[str, dict[str, float]] = {}
        """Per key, every asset's start balance moved by all the key's fills (`MockMarket._hold`)."""
        self._closed: deque[tuple[int, int]] = deque()
        """(clock at closing, order id) of the closed orders kept, oldest first."""
        self._fill_clock: deque[int] = deque()
        """The clock at each kept fill, parallel to `fills`."""
        self._next_order = 0
        self.subscribers: dict[str, list[asyncio.Queue[dict[str, Any] | None]]] = {}
        self.user_seq: dict[str, int] = {}
        self.queue_size = queue_size
        self.slow_consumers = 0
        """User-stream queues dropped because they filled up (`publish`)."""
        self.book_frames_dropped = 0
        """Book-stream frames dropped, oldest first, for clients that were not reading (`hft_core.serve.app`)."""

    def market(self, symbol: str) -> MockMarket:
        """The market of ``symbol`` (case-insensitive), started on first use; KeyError if not listed."""
        spec = self.spec.symbol(symbol)
        if spec is None:
            raise KeyError(symbol)
        market = self.markets.get(spec.symbol)
        if market is None:
            seed = zlib.crc32(f"{self.seed}:{self.spec.name}:{spec.symbol}".encode()) & 0x7FFFFFFF
            market = MockMarket(self, spec, seed=seed, speed=self.speed, session_s=self.session_s, clock=self._clock)
            self.markets[spec.symbol] = market
        return market

    def sync(self) -> None:
        for market in self.markets.values():
            market.sync()

    def new_order(
        self, key: str, client_order_id: str, symbol: str, side: int, order_type: str, price: int, qty: int
    ) -> OrderRecord:
        self._next_order += 1
        record = OrderRecord(self._next_order, key, client_order_id, symbol, side, order_type, price, qty)
        self.orders[record.order_id] = record
        self.by_client[(key, client_order_id)] = record.order_id
        return record

    def new_fill(self, record: OrderRecord, price: int, qty: int, maker: bool, ts: int) -> FillRecord:
        fill = FillRecord(
            self.fill_count + 1, record.order_id, record.key, record.client_order_id, record.symbol, record.side,
            price, qty, maker, ts,
        )  # fmt: skip
        self.fills.append(fill)
        self._fill_clock.append(self._clock())
        return fill

    @property
    def order_count(self) -> int:
        """Orders placed since the exchange started (kept or forgotten)."""
        return self._next_order

    @property
    def fill_count(self) -> int:
        """Fills since the exchange started (kept or forgotten): the last fill id."""
        return self.fills_forgotten + len(self.fills)

    def fills_after(self, from_id: int) -> list[FillRecord]:
        """The kept fills with ``fill_id > from_id``, oldest first."""
        return self.fills[max(from_id - self.fills_forgotten, 0) :]

    def holdings_of(self, key: str) -> dict[str, float]:
        """``key``'s running balances (created at the exchange's start balances, every listed asset present)."""
        totals = self.holdings.get(key)
        if totals is None:
            totals = dict(self.spec.balances)
            for spec in self.spec.symbols:
                totals.setdefault(spec.base, 0.0)
                totals.setdefault(spec.quote, 0.0)
            self.holdings[key] = totals
        return totals

    def order_closed(self, record: OrderRecord) -> None:
        """``record`` has just closed: it is kept for `retention_s` from now (`forget`)."""
        self._closed.append((self._clock(), record.order_id))

    def forget(self) -> None:
        """Drop the closed orders and the fills older than `retention_s`, and the oldest beyond `max_closed` of
        each (see the module docstring)."""
        horizon = self._clock() - round(self.retention_s * _NS_PER_S)
        closed = self._closed
        while closed and (closed[0][0] <= horizon or len(closed) > self.max_closed):
            _, order_id = closed.popleft()
            record = self.orders.pop(order_id, None)
            if record is None:
                continue
            self.orders_forgotten += 1
            market = self.markets.get(record.symbol)
            if market is not None:
                market.orders.pop(order_id, None)
            client = (record.key, record.client_order_id)
            if self.by_client.get(client) == order_id:
                del self.by_client[client]
        stamps = self._fill_clock
        old = 0
        while stamps and (stamps[0] <= horizon or len(stamps) > self.max_closed):
            stamps.popleft()
            old += 1
        if old:
            del self.fills[:old]
            self.fills_forgotten += old

    def find(self, key: str, *, order_id: int | None = None, client_order_id: str | None = None) -> OrderRecord:
        """The key's order by server id or client id; 404 when it does not exist *or belongs to another key*
        (a key cannot learn that another key's order exists)."""
        if order_id is None and client_order_id is not None:
            order_id = self.by_client.get((key, client_order_id))
        record = None if order_id is None else self.orders.get(order_id)
        if record is None or record.key != key:
            raise OrderError(404, "unknown order")
        return record

    # -- user streams -------------------------------------------------------------------------------------------
    def subscribe(self, key: str) -> asyncio.Queue[dict[str, Any] | None]:
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(self.queue_size)
        self.subscribers.setdefault(key, []).append(queue)
        return queue

    def unsubscribe(self, key: str, queue: asyncio.Queue[dict[str, Any] | None]) -> None:
        queues = self.subscribers.get(key, [])
        if queue in queues:
            queues.remove(queue)

    def publish(self, key: str, event: dict[str, Any]) -> None:
        """Queue ``event`` (with the key's next sequence number) to every stream of ``key``; a stream whose
        queue is full is a slow consumer: it gets None (close) and is dropped, and must reconcile on reconnect."""
        seq = self.user_seq.get(key, 0) + 1
        self.user_seq[key] = seq
        event["seq"] = seq
        for queue in list(self.subscribers.get(key, [])):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                self.slow_consumers += 1
                self.unsubscribe(key, queue)
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(None)
