"""The simulated market venue: matching engines, background participants and the strategy, on one event clock.

`SimulatedVenue` implements `hft_core.venues.Venue` as a discrete-event simulation. Each *market* is one
instrument on one venue (the same symbol on a fast and a slow venue is two markets, two indexes in
`SimulatedVenue.instruments`), with its own `MatchingEngine` and its own background participants. A priority
queue holds every pending action (a participant waking up, a message reaching a gateway, a message being
processed, a report or market data reaching the strategy) keyed by time and then by scheduling order, so the same
seed replays the same event sequence exactly.

Latency. The strategy is one more participant (owner `STRATEGY_OWNER`). Its request sent at local time ``t``
reaches its venue's gateway at ``t + entry_ns``; the engine's responses to it are seen at processing time
``+ response_ns``; public market data stamped ``exch_ts`` is seen at ``exch_ts + feed_ns`` (`StrategyLatency`,
per venue). Each may carry a seeded jitter (a `Latency` distribution, drawn per message on an order-keeping
`Link`). Background participants add their own latency to the messages they send; the latency racers
(`hft_core.venues.simulated.racers`) have a feed link from the lead market and an order link to their own, each a
`Latency`, and see the lead's best prices through `_Market.observe_top`.

Message rate. Each venue's gateway serves messages one at a time, ``message_service_ns`` each, in arrival order
(a single-server FIFO queue): a burst from anyone delays everyone's later messages on that venue (what quote
stuffing exploits). 0 turns the model off: messages are processed the moment they arrive.

Message log. `SimulatedVenue.record_messages` (before `SimulatedVenue.start`) keeps one row per message the
engines process, whoever sent it (`MESSAGE_DTYPE`: send, gateway-arrival and processing times, owner, operation,
order, what it traded or cancelled, and the book's touch after it), for race analytics; `SimulatedVenue.messages`
returns it. A venue that does not record runs exactly as before (nothing is drawn or reordered by the log).

Python runs per simulated market event here (the replay venue is the fast path); the hot paths avoid allocation
beyond the matching engine's own records.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from hft_core.book.l2 import L2Book
from hft_core.events import BUY, SELL, EventKind, Events, empty_events
from hft_core.instruments import Instrument
from hft_core.matching import (
    Execution,
    MatchingEngine,
    MatchingOutput,
    OrderReason,
    OrderStatus,
    OrderType,
    OrderUpdate,
    StpMode,
)
from hft_core.venues.base import Advance, PublicTrade, Report, TopOfBook, TriggerSpec, TriggerState, Watch
from hft_core.venues.simulated.fair import FairValuePaths, StreamedFairValues
from hft_core.venues.simulated.latency import JITTER_KINDS, Latency, LatencyKind, Link
from hft_core.venues.simulated.market import (
    OP_CANCEL,
    OP_MODIFY,
    OP_STRATEGY_CANCEL,
    OP_STRATEGY_MODIFY,
    OP_STRATEGY_SUBMIT,
    OP_SUBMIT,
    Handler,
    Message,
    TopObserver,
)
from hft_core.venues.simulated.participants import Participant, ParticipantSpec

__all__ = [
    "DEFAULT_START_NS",
    "MESSAGE_DTYPE",
    "STRATEGY_OWNER",
    "GatewayStats",
    "MarketSpec",
    "ParticipantStats",
    "SimulatedVenue",
    "StrategyLatency",
    "VenueSpec",
]

DEFAULT_START_NS = 1_704_205_800_000_000_000
"""2024-01-02 14:30:00 UTC (a US equity open): simulated timestamps look like real ones."""

STRATEGY_OWNER = 1
"""The strategy's owner id in the matching engines; background participants get 2, 3, ... in market order."""

_NS_PER_S = 1_000_000_000
_TRADE = np.uint8(EventKind.TRADE)
_ACCEPTED = OrderStatus.ACCEPTED
_MODIFIED = OrderStatus.MODIFIED
_REJECTED = OrderStatus.REJECTED
_FILLED = OrderStatus.FILLED
_PARTIALLY_FILLED = OrderStatus.PARTIALLY_FILLED
_NO_REASON = OrderReason.NONE

MESSAGE_DTYPE = np.dtype(
    [
        ("ts", np.int64),
        ("arrival_ts", np.int64),
        ("sent_ts", np.int64),
        ("market", np.int32),
        ("owner", np.int32),
        ("op", np.int8),
        ("order_type", np.int8),
        ("side", np.int8),
        ("price", np.int64),
        ("qty", np.int64),
        ("order_id", np.int64),
        ("touch", np.int64),
        ("filled", np.int64),
        ("filled_value", np.int64),
        ("cancelled", np.int64),
        ("bid", np.int64),
        ("ask", np.int64),
    ]
)
"""One processed message of `SimulatedVenue.messages` (times in ns, prices in ticks, sizes in lots).

``ts`` is when the engine processed it, ``arrival_ts`` when it reached the venue's gateway (earlier only when the
gateway queues), ``sent_ts`` when its sender sent it (the opening book's orders: at the start). ``op`` is 1
submit, 2 cancel, 3 modify (the strategy's requests included, as the same codes), ``order_type`` an `OrderType`
(-1 for a cancel).
``side`` and ``price`` are the order's (for a cancel or modify, of the order it names, when the log saw it
rest in the book; else 0: a cancel of an order that never rested names no level); ``order_id`` is the engine's
id (a submit's new order, or the order a cancel names; 0 unknown).
``touch`` is the best opposite price just before a submit (the price a market order meets; -1: none or not a
submit). ``filled`` and ``filled_value`` (Σ price × lots) are what the message traded as taker, ``cancelled`` the
lots a cancel removed (0: it failed, the order was gone). ``bid``/``ask`` are the market's best prices just after
(-1: none)."""


@dataclass(frozen=True, slots=True)
class StrategyLatency:
    """The strategy's latencies to one venue, in ns: request entry, response back, and market-data feed.

    Each is a base plus an optional jitter (``*_jitter_ns``, the jitter's mean, shaped by ``jitter_kind``; see
    `hft_core.venues.simulated.latency.Latency`). With no jitter (the default) every latency is the constant
    base and no random number is drawn. Jittered links keep their messages in order (`Link`).
    """

    entry_ns: int = 20_000
    response_ns: int = 20_000
    feed_ns: int = 50_000
    entry_jitter_ns: int = 0
    response_jitter_ns: int = 0
    feed_jitter_ns: int = 0
    jitter_kind: LatencyKind = "exponential"

    def __post_init__(self) -> None:
        for name in ("entry_ns", "response_ns", "feed_ns", "entry_jitter_ns", "response_jitter_ns", "feed_jitter_ns"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"latency {name} must be an integer >= 0 ns, got {value!r}")
        if self.jitter_kind not in JITTER_KINDS:
            raise ValueError(f"jitter_kind must be one of {', '.join(JITTER_KINDS)}, got {self.jitter_kind!r}")

    @property
    def entry(self) -> Latency:
        """Request sent -> at the venue's gateway."""
        return Latency(self.entry_ns, self.entry_jitter_ns, self.jitter_kind)

    @property
    def response(self) -> Latency:
        """Processed by the engine -> report seen by the strategy."""
        return Latency(self.response_ns, self.response_jitter_ns, self.jitter_kind)

    @property
    def feed(self) -> Latency:
        """Public market data stamped at exchange time -> seen by the strategy."""
        return Latency(self.feed_ns, self.feed_jitter_ns, self.jitter_kind)


@dataclass(frozen=True, slots=True)
class VenueSpec:
    """One venue: its name (matched by `Instrument.venue`), the strategy's latencies to it, and its gateway's
    per-message service time (``message_service_ns``; 0 = no message-rate model)."""

    name: str
    latency: StrategyLatency = field(default_factory=StrategyLatency)
    message_service_ns: int = 0

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("venue name must not be empty")
        if not isinstance(self.message_service_ns, int) or self.message_service_ns < 0:
            raise ValueError(
                f"venue {self.name!r}: message_service_ns must be an integer >= 0, got {self.message_service_ns!r}"
            )


@dataclass(frozen=True, slots=True)
class MarketSpec:
    """One market: an instrument on a venue (``instrument.venue`` names a `VenueSpec`) and its participants.

    ``fair_value`` picks the path of `FairValuePaths` its participants believe in, and ``fair_delay_ns`` how stale
    their view of it is (a slow venue's participants update late: the stale quotes latency arbitrage picks off).
    """

    instrument: Instrument
    participants: tuple[ParticipantSpec, ...]
    fair_value: int = 0
    fair_delay_ns: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.fair_delay_ns, int) or self.fair_delay_ns < 0:
            raise ValueError(
                f"{self.instrument.symbol}: fair_delay_ns must be an integer >= 0, got {self.fair_delay_ns!r}"
            )


@dataclass(slots=True)
class ParticipantStats:
    """What one participant (or the strategy) did: messages sent, lots and value bought and sold, gateway queueing."""

    owner: int
    kind: str
    instrument: int
    messages: int = 0
    bought: int = 0
    sold: int = 0
    queue_wait_ns: int = 0
    max_queue_wait_ns: int = 0
    bought_value: int = 0
    """Sum of price (ticks) × lots over everything bought: with ``sold_value`` and a mark, the participant's PnL."""
    sold_value: int = 0


@dataclass(slots=True)
class GatewayStats:
    """One venue gateway's message-rate record: messages served, how many waited, total and longest wait (ns)."""

    venue: str
    service_ns: int
    messages: int = 0
    delayed_messages: int = 0
    total_wait_ns: int = 0
    max_wait_ns: int = 0


class _StrategyOrder:
    """The venue's record of one live strategy order (to translate engine records into `Report`s)."""

    __slots__ = ("leaves", "order_id", "price", "side")

    def __init__(self, order_id: int, side: int, price: int) -> None:
        self.order_id = order_id
        self.side = side
        self.price = price
        self.leaves = 0


class _Gateway:
    """One venue's gateway (its message queue) and the strategy's three links to it."""

    __slots__ = ("busy_until", "entry", "feed", "latency", "response", "stats")

    def __init__(self, spec: VenueSpec, rng: random.Random) -> None:
        self.latency = spec.latency
        self.entry = Link(spec.latency.entry, rng)
        self.response = Link(spec.latency.response, rng)
        self.feed = Link(spec.latency.feed, rng)
        self.busy_until = 0
        self.stats = GatewayStats(spec.name, spec.message_service_ns)


class _Market:
    """One instrument on one venue: engine, gateway, fair value, and the strategy's order translation."""

    __slots__ = (
        "_clock",
        "_fair_chunk_points",
        "_fair_first",
        "_fair_kept",
        "_fair_last_point",
        "_fair_origin",
        "_fair_path",
        "_fair_size",
        "_fair_source",
        "_fair_step_ns",
        "_fair_ticks",
        "_feed",
        "_gateway",
        "_peers",
        "_response",
        "_service_ns",
        "_stats",
        "_top",
        "engine",
        "index",
        "instrument",
        "log",
        "observers",
        "strategy_engine_ids",
        "strategy_ids_seen",
        "strategy_orders",
        "tape",
    )

    def __init__(
        self,
        index: int,
        spec: MarketSpec,
        gateway: _Gateway,
        fair_values: FairValuePaths | StreamedFairValues,
        fair_origin: int,
        clock: _Clock,
        stats: list[ParticipantStats],
        record: bool,
        peers: list[_Market],
    ) -> None:
        self.index = index
        self.instrument = spec.instrument
        self.engine = MatchingEngine(index, stp=StpMode.CANCEL_NEWEST)
        self._gateway = gateway
        self._service_ns = gateway.stats.service_ns
        self._feed = gateway.feed
        self._response = gateway.response
        self._peers = peers
        self._top: tuple[int | None, int | None] = (None, None)
        self.observers: list[TopObserver] = []
        # The fair path in ticks, a chunk at a time (one chunk: the whole path, for `FairValuePaths`): the chunk
        # last read is ``_fair_ticks`` from point ``_fair_first``; the last few read stay in ``_fair_kept``.
        self._fair_source = fair_values
        self._fair_path = spec.fair_value
        self._fair_step_ns = fair_values.step_ns
        self._fair_origin = fair_origin
        self._fair_last_point = fair_values.n_points - 1
        self._fair_chunk_points = fair_values.chunk_points
        self._fair_kept: dict[int, list[float]] = {}
        self._fair_ticks: list[float] = []
        self._fair_first = 0
        self._fair_size = 0
        self._clock = clock
        self._stats = stats
        self.strategy_orders: dict[int, _StrategyOrder] = {}
        self.strategy_engine_ids: dict[int, int] = {}
        self.strategy_ids_seen: set[int] = set()
        self.tape: list[Events] | None = [] if record else None
        self.log: _MessageLog | None = None

    # -- MarketAccess -------------------------------------------------------------------------------------------
    def fair_ticks(self, t: int) -> float:
        within = (t - self._fair_origin) // self._fair_step_ns - self._fair_first
        if 0 <= within < self._fair_size:
            return self._fair_ticks[within]
        return self._fair_chunk_ticks((t - self._fair_origin) // self._fair_step_ns)

    _FAIR_CHUNKS_KEPT = 4
    """Chunks of ticks a market keeps: reads now, 1 ns before, a fair-delayed view and an informed taker's look
    ahead may each straddle a chunk boundary without recomputing."""

    def _fair_chunk_ticks(self, point: int) -> float:
        """`fair_ticks` at ``point`` (clamped to the path) when it lies outside the chunk last read."""
        point = min(max(point, 0), self._fair_last_point)
        index = point // self._fair_chunk_points
        kept = self._fair_kept
        ticks = kept.get(index)
        if ticks is None:
            tick_size = self.instrument.tick_size
            source = self._fair_source
            if isinstance(source, FairValuePaths):
                ticks = (source.prices[self._fair_path] / tick_size).tolist()
            else:
                ticks = (source.chunk(self._fair_path, index) / tick_size).tolist()
            kept[index] = ticks
            while len(kept) > self._FAIR_CHUNKS_KEPT:
                del kept[next(iter(kept))]
        self._fair_ticks = ticks
        self._fair_first = index * self._fair_chunk_points
        self._fair_size = len(ticks)
        return ticks[point - self._fair_first]

    def next_fair_change(self, t: int) -> int:
        """The first time after ``t`` at which `fair_ticks` moves to the path's next point (`FairValueClock`)."""
        point = (t - self._fair_origin) // self._fair_step_ns
        return self._fair_origin + max(point + 1, 0) * self._fair_step_ns

    def schedule(self, t: int, handler: Handler, arg: Any = None) -> None:
        self._clock.push(t, handler, arg)

    def observe_top(self, index: int, observer: TopObserver) -> None:
        """Call ``observer(t, best_bid, best_ask)`` at exchange time ``t`` whenever market ``index``'s best prices
        change (the observer adds its own feed latency before acting on it)."""
        if not 0 <= index < len(self._peers):
            raise ValueError(f"market index {index} out of range (0..{len(self._peers) - 1})")
        peer = self._peers[index]
        if not peer.observers:
            peer._top = (peer.engine.best_bid(), peer.engine.best_ask())
        peer.observers.append(observer)

    def send(self, t: int, message: Message) -> None:
        clock = self._clock
        if self.log is not None and message.sent_ns < 0:
            message = message._replace(sent_ns=clock.now)
        if t > clock.now:
            clock.push(t, self._arrive, message)
        elif clock.opening:
            self._execute(t, message)
        else:
            self._arrive(t, message)

    # -- gateway and engine -------------------------------------------------------------------------------------
    def _arrive(self, t: int, message: Message) -> None:
        service = self._service_ns
        if not service:
            self._execute(t, message)
            return
        gateway = self._gateway
        start = gateway.busy_until if gateway.busy_until > t else t
        done = start + service
        gateway.busy_until = done
        wait = start - t
        if wait:
            record = gateway.stats
            record.delayed_messages += 1
            record.total_wait_ns += wait
            record.max_wait_ns = max(record.max_wait_ns, wait)
            sender = self._stats[message.owner]
            sender.queue_wait_ns += wait
            sender.max_queue_wait_ns = max(sender.max_queue_wait_ns, wait)
        if self.log is not None:
            message = message._replace(arrived_ns=t)
        self._clock.push(done, self._execute, message)

    def _execute(self, t: int, message: Message) -> None:
        engine = self.engine
        op = message.op
        log = self.log
        noted = log.before(self, t, message) if log is not None else None
        self._stats[message.owner].messages += 1
        self._gateway.stats.messages += 1
        rejections: list[Report] | None = None
        reply_at = -1
        if op == OP_SUBMIT:
            order_id = engine.submit(
                message.side, message.price, message.qty, owner=message.owner, order_type=message.order_type, ts=t
            )
            if message.on_entered is not None:
                message.on_entered(t, order_id)
        elif op == OP_CANCEL:
            engine.cancel(message.order_id, ts=t, owner=message.owner)
        elif op == OP_MODIFY:
            engine.modify(message.order_id, qty=message.qty, price=message.price, ts=t, owner=message.owner)
        else:
            reply_at = self._response.arrival(t)
            rejections = self._execute_strategy(t, message, reply_at)
        output = engine.drain()
        rows = output.market_data
        clock = self._clock
        if len(rows):
            if clock.opening:
                rows["local_ts"] = t
                clock.views[self.index].apply(rows)
            else:
                seen_at = self._feed.arrival(t)
                rows["local_ts"] = seen_at
                clock.push(seen_at, clock.deliver_feed, (self.index, rows))
            if self.tape is not None:
                self.tape.append(rows)
            if self.observers:
                top = (engine.best_bid(), engine.best_ask())
                if top != self._top:
                    self._top = top
                    for observer in self.observers:
                        observer(t, top[0], top[1])
        strategy_involved = op >= OP_STRATEGY_SUBMIT
        if output.executions:
            strategy_involved = self._count_executions(output.executions) or strategy_involved
        if strategy_involved:
            if reply_at < 0:
                reply_at = self._response.arrival(t)
            reports = self._strategy_reports(reply_at, output)
            if rejections:
                reports.extend(rejections)
            if reports:
                clock.push(reply_at, clock.deliver_reports, reports)
        if noted is not None:
            assert log is not None
            log.after(self, noted, output.executions)

    def _count_executions(self, executions: list[Execution]) -> bool:
        """Add each fill to its maker's and taker's traded volume; True when the strategy is on either side."""
        stats = self._stats
        strategy_involved = False
        for execution in executions:
            qty = execution.qty
            value = qty * execution.price
            taker = stats[execution.taker_owner]
            maker = stats[execution.maker_owner]
            if execution.aggressor_side == BUY:
                taker.bought += qty
                taker.bought_value += value
                maker.sold += qty
                maker.sold_value += value
            else:
                taker.sold += qty
                taker.sold_value += value
                maker.bought += qty
                maker.bought_value += value
            if execution.taker_owner == STRATEGY_OWNER or execution.maker_owner == STRATEGY_OWNER:
                strategy_involved = True
        return strategy_involved

    def _execute_strategy(self, t: int, message: Message, reply_at: int) -> list[Report]:
        """Apply one strategy request, translating its order id; an unknown id is answered here, not by the engine."""
        engine = self.engine
        if message.op == OP_STRATEGY_SUBMIT:
            engine_id = engine.submit(
                message.side, message.price, message.qty, owner=STRATEGY_OWNER, order_type=message.order_type, ts=t
            )
            self.strategy_orders[engine_id] = _StrategyOrder(message.order_id, message.side, message.price)
            self.strategy_engine_ids[message.order_id] = engine_id
            return []
        live_id = self.strategy_engine_ids.get(message.order_id)
        if live_id is None:
            return [Report(reply_at, self.index, message.order_id, _REJECTED, OrderReason.UNKNOWN_ORDER, 0, 0, 0)]
        if message.op == OP_STRATEGY_CANCEL:
            engine.cancel(live_id, ts=t, owner=STRATEGY_OWNER)
        else:
            engine.modify(live_id, qty=message.qty, price=message.price, ts=t, owner=STRATEGY_OWNER)
        return []

    def _strategy_reports(self, ts: int, output: MatchingOutput) -> list[Report]:
        """The strategy's `Report`s for one processed message, in the order it would learn them.

        Within one message the engine emits acceptances and modifications before any fill, and expiries or
        self-trade cancels after them; fills are reported one per execution (the engine's own fill statuses are
        summaries of those and are dropped), with ``leaves`` tracked here.
        """
        orders = self.strategy_orders
        index = self.index
        reports: list[Report] = []
        closing: list[tuple[_StrategyOrder, OrderUpdate]] = []
        touched: list[int] = []
        for update in output.updates:
            if update.owner != STRATEGY_OWNER:
                continue
            status = update.status
            if status in (_FILLED, _PARTIALLY_FILLED):
                continue
            order = orders.get(update.order_id)
            if order is None:
                continue
            touched.append(update.order_id)
            if status in (_ACCEPTED, _MODIFIED, _REJECTED):
                order.price = update.price
                order.leaves = update.leaves
                reports.append(
                    Report(ts, index, order.order_id, status, update.reason, order.side, update.price, update.leaves)
                )
            else:
                closing.append((order, update))
        for execution in output.executions:
            if execution.maker_owner == STRATEGY_OWNER:
                engine_id, maker = execution.maker_order_id, True
            elif execution.taker_owner == STRATEGY_OWNER:
                engine_id, maker = execution.taker_order_id, False
            else:
                continue
            order = orders[engine_id]
            touched.append(engine_id)
            order.leaves -= execution.qty
            status = _FILLED if order.leaves == 0 else _PARTIALLY_FILLED
            reports.append(
                Report(
                    ts,
                    index,
                    order.order_id,
                    status,
                    _NO_REASON,
                    order.side,
                    order.price,
                    order.leaves,
                    execution.qty,
                    execution.price,
                    maker,
                )
            )
        for order, update in closing:
            order.leaves = update.leaves
            reports.append(
                Report(ts, index, order.order_id, update.status, update.reason, order.side, update.price, update.leaves)
            )
        for engine_id in touched:
            order_done = orders.get(engine_id)
            if order_done is not None and order_done.leaves == 0:
                del orders[engine_id]
                del self.strategy_engine_ids[order_done.order_id]
        return reports


class _MessageLog:
    """The rows of `SimulatedVenue.messages`, noted around each message an engine processes (`MESSAGE_DTYPE`)."""

    __slots__ = ("orders", "rows", "strategy_ids")

    def __init__(self) -> None:
        self.rows: list[tuple[int, ...]] = []
        self.orders: dict[tuple[int, int], tuple[int, int]] = {}
        """(market, engine order id) -> (side, price) of every order that rested while logging."""
        self.strategy_ids: dict[tuple[int, int], int] = {}
        """(market, the strategy's order id) -> engine order id."""

    def before(self, market: _Market, t: int, message: Message) -> tuple[int, ...]:
        """What the row needs from before the engine acts: operation, order, touch, open lots of a named order."""
        engine = market.engine
        op = message.op
        strategy = op >= OP_STRATEGY_SUBMIT
        code = op - 3 if strategy else op
        arrival = message.arrived_ns if message.arrived_ns >= 0 else t
        sent = message.sent_ns if message.sent_ns >= 0 else -1
        if code == OP_SUBMIT:
            order_id = engine.next_order_id
            side, price = message.side, message.price
            best = engine.best_ask() if side == BUY else engine.best_bid()
            if strategy:
                self.strategy_ids[(market.index, message.order_id)] = order_id
            touch = -1 if best is None else best
            return (
                t,
                arrival,
                sent,
                message.owner,
                code,
                int(message.order_type),
                side,
                price,
                message.qty,
                order_id,
                touch,
                0,
            )
        order_id = self.strategy_ids.get((market.index, message.order_id), 0) if strategy else message.order_id
        side, price = self.orders.get((market.index, order_id), (0, 0))
        info = engine.order(order_id) if order_id else None
        leaves = 0 if info is None else info.leaves
        return (t, arrival, sent, message.owner, code, -1, side, price, message.qty, order_id, -1, leaves)

    def after(self, market: _Market, noted: tuple[int, ...], executions: list[Execution]) -> None:
        """Append the row: what the message traded as taker or cancelled, and the touch after it."""
        t, arrival, sent, owner, code, order_type, side, price, qty, order_id, touch, leaves = noted
        filled = value = cancelled = 0
        if code == OP_SUBMIT:
            for execution in executions:
                if execution.taker_order_id == order_id:
                    filled += execution.qty
                    value += execution.qty * execution.price
            if market.engine.order(order_id) is not None:  # it rests: a later cancel names its level
                self.orders[(market.index, order_id)] = (side, price)
        elif code == OP_CANCEL and leaves and market.engine.order(order_id) is None:
            cancelled = leaves
        engine = market.engine
        bid, ask = engine.best_bid(), engine.best_ask()
        self.rows.append(
            (
                t,
                arrival,
                sent,
                market.index,
                owner,
                code,
                order_type,
                side,
                price,
                qty,
                order_id,
                touch,
                filled,
                value,
                cancelled,
                -1 if bid is None else bid,
                -1 if ask is None else ask,
            )
        )


class _Clock:
    """The event queue and the strategy-facing state `SimulatedVenue.advance` fills while it runs."""

    __slots__ = (
        "_counter",
        "dirty",
        "fired",
        "heap",
        "limit",
        "now",
        "opening",
        "reports",
        "trades",
        "triggers",
        "views",
        "watch",
    )

    def __init__(self, n_markets: int) -> None:
        self.heap: list[tuple[int, int, Handler, Any]] = []
        self._counter = itertools.count()
        self.now = 0
        self.limit = 0
        self.opening = False
        self.watch = Watch()
        self.views = [L2Book() for _ in range(n_markets)]
        self.dirty = [False] * n_markets
        self.reports: list[Report] = []
        self.trades: list[PublicTrade] = []
        self.triggers: list[TriggerState | None] = [None] * n_markets
        self.fired = [0] * n_markets

    def top(self, index: int) -> TopOfBook:
        view = self.views[index]
        bid, ask = view.best_bid(), view.best_ask()
        return TopOfBook(
            None if bid is None else bid[0],
            0 if bid is None else bid[1],
            None if ask is None else ask[0],
            0 if ask is None else ask[1],
        )

    def push(self, t: int, handler: Handler, arg: Any) -> None:
        heapq.heappush(self.heap, (t, next(self._counter), handler, arg))

    def deliver_feed(self, t: int, payload: tuple[int, Events]) -> None:
        """Market data reaches the strategy: update its book view and note watched changes and trades."""
        index, rows = payload
        view = self.views[index]
        bid_before, ask_before = view.best_bid(), view.best_ask()
        view.apply(rows)
        watch = self.watch
        if view.best_bid() != bid_before or view.best_ask() != ask_before:
            self.dirty[index] = True
            if index < len(watch.book) and watch.book[index]:
                book_from = watch.book_from
                self.limit = t if t >= book_from else min(self.limit, book_from)
        trigger = self.triggers[index]
        if trigger is not None:
            # (a feed message is one update of the view: the trigger sees the book after it, and each trade in it)
            top = self.top(index)
            fired = trigger.on_row(top)
            for price in rows["price"][rows["kind"] == _TRADE].tolist():
                fired |= trigger.on_row(top, price)
            if fired:
                self.fired[index] |= fired
                self.limit = t
        if index < len(watch.trades) and watch.trades[index]:
            trade_rows = rows[rows["kind"] == _TRADE]
            if len(trade_rows):
                for price, qty, side in zip(
                    trade_rows["price"].tolist(), trade_rows["qty"].tolist(), trade_rows["side"].tolist(), strict=True
                ):
                    self.trades.append(PublicTrade(t, index, price, qty, side))
                self.limit = t

    def deliver_reports(self, t: int, reports: list[Report]) -> None:
        """Reports reach the strategy: every report stops `SimulatedVenue.advance`."""
        self.reports.extend(reports)
        self.limit = t
        triggers = self.triggers
        for report in reports:
            trigger = triggers[report.instrument]
            if trigger is not None:
                top = self.top(report.instrument)
                self.fired[report.instrument] |= trigger.on_report(top, report.status, report.fill_qty)


class SimulatedVenue:
    """A simulated market (see the module docstring) implementing `hft_core.venues.Venue`.

    ``markets`` are the tradable instruments (their order is the instrument index), ``venues`` the venues they
    trade on, ``fair_values`` the paths their participants anchor to. ``seed`` fixes every random draw;
    ``duration_s`` is the market time the run lasts (`progress` is elapsed / duration). ``record`` keeps the
    public feed, stamped with the strategy's view times, for `recorded_market_data`.
    """

    def __init__(
        self,
        markets: Sequence[MarketSpec],
        venues: Sequence[VenueSpec],
        fair_values: FairValuePaths | StreamedFairValues,
        *,
        seed: int,
        duration_s: float,
        start_ns: int = DEFAULT_START_NS,
        name: str = "simulated",
        record: bool = False,
    ) -> None:
        if not markets:
            raise ValueError("a simulated venue needs at least one market")
        if not math.isfinite(duration_s) or duration_s <= 0:
            raise ValueError(f"duration_s must be finite and > 0, got {duration_s!r}")
        if not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
        gateways: dict[str, _Gateway] = {}
        # The strategy's latency draws (jittered links only) come from its own stream, [seed, STRATEGY_OWNER].
        strategy_rng = random.Random(_participant_seed(seed, STRATEGY_OWNER))
        for venue_spec in venues:
            if venue_spec.name in gateways:
                raise ValueError(f"venue {venue_spec.name!r} is listed twice")
            gateways[venue_spec.name] = _Gateway(venue_spec, strategy_rng)
        self._name = name
        self._seed = seed
        self._start = start_ns
        self._duration_ns = round(duration_s * _NS_PER_S)
        self._end = start_ns + self._duration_ns
        self._gateways = gateways
        self._clock = _Clock(len(markets))
        self._clock.now = start_ns
        self._started = False
        self._stats: list[ParticipantStats] = [
            ParticipantStats(0, "none", -1),
            ParticipantStats(STRATEGY_OWNER, "strategy", -1),
        ]
        self._markets: list[_Market] = []
        self._agents: list[Participant] = []
        for index, spec in enumerate(markets):
            gateway = gateways.get(spec.instrument.venue)
            if gateway is None:
                raise ValueError(
                    f"market {index} ({spec.instrument.symbol}) trades on venue {spec.instrument.venue!r}, "
                    f"which is not among the venues {sorted(gateways)}"
                )
            if not 0 <= spec.fair_value < fair_values.n_paths:
                raise ValueError(
                    f"market {index} ({spec.instrument.symbol}) follows fair-value path {spec.fair_value}, "
                    f"but there are {fair_values.n_paths}"
                )
            market = _Market(
                index,
                spec,
                gateway,
                fair_values,
                start_ns + spec.fair_delay_ns,
                self._clock,
                self._stats,
                record,
                self._markets,
            )
            self._markets.append(market)
            for participant in spec.participants:
                owner = len(self._stats)
                self._stats.append(ParticipantStats(owner, participant.kind, index))
                agent = participant.create(market, owner, random.Random(_participant_seed(seed, owner)))
                self._agents.append(agent)
        self._instruments = tuple(spec.instrument for spec in markets)

    # -- the Venue protocol -----------------------------------------------------------------------------------
    @property
    def instruments(self) -> tuple[Instrument, ...]:
        """One per market; two venues trading one symbol are two instruments (differing in ``venue``)."""
        return self._instruments

    @property
    def name(self) -> str:
        return self._name

    @property
    def simulated(self) -> bool:
        return True

    def start(self) -> int:
        """Seed the books (the strategy sees them at once, as a snapshot) and start the participants' clocks."""
        if self._started:
            raise RuntimeError("the simulated venue has already started")
        self._started = True
        clock = self._clock
        # Orders placed at the start form the opening book: they skip the gateway queue, and the strategy's views
        # receive them at once (a snapshot on connect) rather than after the feed latency.
        clock.opening = True
        for agent in self._agents:
            agent.start(self._start, self._end)
        clock.opening = False
        return self._start

    def advance(self, until: int, watch: Watch) -> Advance:
        """Run to local time ``until`` or stop at the first watched event before it (see `hft_core.venues.base`).

        Stops at local time ``T`` when, at ``T``: a report on one of the strategy's orders arrives; a public trade
        of an instrument with ``watch.trades[i]`` arrives; or the top of book of an instrument with
        ``watch.book[i]`` has changed since the strategy was last told and ``T >= watch.book_from`` (a change
        during the throttle is reported at ``book_from``). Everything visible at ``T`` is processed and returned.
        """
        if not self._started:
            raise RuntimeError("call start() before advance()")
        clock = self._clock
        if until < clock.now:
            raise ValueError(f"advance(until={until}) is before the venue's current time {clock.now}")
        clock.watch = watch
        limit = min(until, self._end)
        n_markets = len(self._markets)
        watched_dirty = any(clock.dirty[i] and i < len(watch.book) and watch.book[i] for i in range(n_markets))
        if watched_dirty:
            limit = min(limit, max(watch.book_from, clock.now))
        clock.limit = max(limit, clock.now)
        heap = clock.heap
        pop = heapq.heappop
        while heap and heap[0][0] <= clock.limit:
            t, _, handler, arg = pop(heap)
            clock.now = t
            handler(t, arg)
        now = clock.limit
        clock.now = now
        book_changed = tuple(
            i
            for i in range(min(n_markets, len(watch.book)))
            if watch.book[i] and clock.dirty[i] and now >= watch.book_from
        )
        for i in book_changed:
            clock.dirty[i] = False
        reports, clock.reports = clock.reports, []
        trades, clock.trades = clock.trades, []
        triggered: tuple[tuple[int, int], ...] = ()
        if any(clock.fired):
            triggered = tuple((i, bits) for i, bits in enumerate(clock.fired) if bits)
            for i, _ in triggered:
                trigger = clock.triggers[i]
                assert trigger is not None
                trigger.woke(clock.top(i))
            clock.fired = [0] * n_markets
        return Advance(now, reports, trades, book_changed, now >= self._end, None, triggered)

    def set_trigger(self, instrument: int, spec: TriggerSpec | None) -> None:
        """Wake the strategy when ``spec`` fires for ``instrument`` (None: never): evaluated (`TriggerState`) after
        each feed message of the instrument reaches the strategy (and each trade in it) and at each report."""
        index = self._check_instrument(instrument)
        clock = self._clock
        clock.triggers[index] = None if spec is None else TriggerState(spec, clock.top(index))
        clock.fired[index] = 0

    def submit(
        self, now: int, instrument: int, order_id: int, side: int, order_type: OrderType, price: int, qty: int
    ) -> None:
        """Send a new order; it reaches the engine at ``now + entry_ns`` (plus any gateway queueing)."""
        market = self._strategy_market(now, instrument)
        if order_id in market.strategy_ids_seen:
            raise ValueError(f"order id {order_id} was already used on instrument {instrument}")
        market.strategy_ids_seen.add(order_id)
        message = Message(OP_STRATEGY_SUBMIT, STRATEGY_OWNER, side, OrderType(order_type), price, qty, order_id)
        self._send_strategy(market, now, message)

    def acknowledged(self, order_id: int) -> bool:
        """Always False: this venue always reports, ACCEPTED reports included, whatever `Watch.acks` says."""
        return False

    def cancel(self, now: int, instrument: int, order_id: int) -> None:
        """Ask to cancel; CANCELLED follows, or REJECTED (``UNKNOWN_ORDER``) if the order is no longer open."""
        market = self._strategy_market(now, instrument)
        self._send_strategy(market, now, Message(OP_STRATEGY_CANCEL, STRATEGY_OWNER, order_id=order_id))

    def modify(self, now: int, instrument: int, order_id: int, price: int, qty: int) -> None:
        """Ask to change an order's price and open quantity (``qty`` = new leaves), per `MatchingEngine.modify`."""
        market = self._strategy_market(now, instrument)
        message = Message(OP_STRATEGY_MODIFY, STRATEGY_OWNER, price=price, qty=qty, order_id=order_id)
        self._send_strategy(market, now, message)

    def top(self, instrument: int) -> TopOfBook:
        """The top of book as the strategy sees it now (the exchange's, ``feed_ns`` ago)."""
        return self._clock.top(self._check_instrument(instrument))

    def depth(self, instrument: int, side: int, levels: int) -> list[tuple[int, int]]:
        """Up to ``levels`` (price, qty) of ``side`` as the strategy sees it, best first."""
        if side != BUY and side != SELL:
            raise ValueError(f"side must be BUY (1) or SELL (-1), got {side!r}")
        prices, quantities = self._clock.views[self._check_instrument(instrument)].depth(side, max(levels, 0))
        return list(zip(prices.tolist(), quantities.tolist(), strict=True))

    def progress(self) -> float:
        return min(max((self._clock.now - self._start) / self._duration_ns, 0.0), 1.0)

    # -- beyond the protocol: inspection for research and tests -------------------------------------------------
    @property
    def now(self) -> int:
        """The simulation's current time (ns): where the last `advance` stopped."""
        return self._clock.now

    @property
    def start_ns(self) -> int:
        """The local time the run starts at."""
        return self._start

    @property
    def end_ns(self) -> int:
        """The local time the run finishes at (start + duration)."""
        return self._end

    @property
    def seed(self) -> int:
        return self._seed

    def exchange_engine(self, instrument: int) -> MatchingEngine:
        """The exchange-side matching engine of a market, for inspection only (changing it breaks the run)."""
        return self._markets[self._check_instrument(instrument)].engine

    def fair_price(self, instrument: int) -> float:
        """The fair value of a market now, in price units, as its participants see it."""
        market = self._markets[self._check_instrument(instrument)]
        return market.fair_ticks(self._clock.now) * market.instrument.tick_size

    def participant_stats(self) -> tuple[ParticipantStats, ...]:
        """Copies of every participant's record (the strategy first), in owner-id order."""
        return tuple(replace(stats) for stats in self._stats[1:])

    def gateway_stats(self, venue: str) -> GatewayStats:
        """A copy of the message-rate record of ``venue``'s gateway."""
        gateway = self._gateways.get(venue)
        if gateway is None:
            raise ValueError(f"unknown venue {venue!r}; venues: {sorted(self._gateways)}")
        return replace(gateway.stats)

    def recorded_market_data(self) -> Events:
        """The public feed of every market so far, ``local_ts`` = when the strategy sees it, sorted by ``local_ts``.

        Only with ``record=True``; rows of one market keep their exchange order. Padding bytes are zero, so equal
        feeds are equal byte for byte.
        """
        chunks: list[Events] = []
        for market in self._markets:
            if market.tape is None:
                raise RuntimeError("construct the venue with record=True to keep its market data")
            chunks.extend(market.tape)
        if not chunks:
            return empty_events()
        rows = np.concatenate(chunks)
        # A fresh zeroed array filled field by field: EVENT_DTYPE is aligned, and the engine's rows may carry
        # uninitialised padding bytes that would make equal tapes differ byte-wise.
        ordered = empty_events(len(rows))
        ordered[:] = rows[np.argsort(rows["local_ts"], kind="stable")]
        return ordered

    def record_messages(self) -> None:
        """Keep a log of every message the engines process from now on (`messages`); call before `start`."""
        if self._started:
            raise RuntimeError("record_messages() must be called before start()")
        log = _MessageLog()
        for market in self._markets:
            market.log = log

    def messages(self) -> npt.NDArray[np.void]:
        """Every message processed so far, in processing order (`MESSAGE_DTYPE`; only after `record_messages`)."""
        log = self._markets[0].log
        if log is None:
            raise RuntimeError("call record_messages() before start() to keep the venue's message log")
        return np.array(log.rows, dtype=MESSAGE_DTYPE) if log.rows else np.zeros(0, dtype=MESSAGE_DTYPE)

    # -- internals ----------------------------------------------------------------------------------------------
    def _check_instrument(self, instrument: int) -> int:
        if not 0 <= instrument < len(self._markets):
            raise ValueError(f"instrument index {instrument} out of range (0..{len(self._markets) - 1})")
        return instrument

    def _strategy_market(self, now: int, instrument: int) -> _Market:
        if not self._started:
            raise RuntimeError("call start() before sending orders")
        if now < self._clock.now:
            raise ValueError(f"a request at local time {now} is before the venue's current time {self._clock.now}")
        return self._markets[self._check_instrument(instrument)]

    def _send_strategy(self, market: _Market, now: int, message: Message) -> None:
        if market.log is not None:
            message = message._replace(sent_ns=now)
        self._clock.push(market._gateway.entry.arrival(now), market._arrive, message)


def _participant_seed(seed: int, owner: int) -> int:
    """An independent 128-bit seed for one participant's stream, from the run seed and its owner id."""
    state = np.random.SeedSequence([seed, owner]).generate_state(4, np.uint32)
    return int.from_bytes(state.tobytes(), "little")
