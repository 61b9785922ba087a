"""A plain-Python statement of the replay venue's state machine, for testing the compiled kernel against.

`ReferenceReplayVenue` has `ReplayVenue`'s constructor and `Venue` methods, and implements the same rules (see
docs/replay.md) with dictionaries, lists and objects instead of flat arrays, one market event at a time. It holds
all the data in memory and is slow; it exists so the tests can ask both implementations the same questions and
demand the same answers, report for report.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from hft_core.errors import DataError
from hft_core.events import EventKind, Events, iter_chunks
from hft_core.instruments import Instrument
from hft_core.matching.orders import OrderReason, OrderStatus, OrderType
from hft_core.venues.base import Advance, PublicTrade, Report, TopOfBook, TriggerSpec, TriggerState, Watch
from hft_core.venues.replay.latency import ConstantLatency, LatencyModel, latency_links
from hft_core.venues.replay.queue import L3FifoQueue, QueueModel, RiskAverseQueue, hftbacktest_fill_lots
from hft_core.venues.replay.venue import DEFAULT_BOOK_SPAN_TICKS, DEFAULT_CHUNK_SIZE, validate_chunk

__all__ = ["ReferenceReplayVenue"]

_MAX_SWEEP_LEVELS = 1000


@dataclass(slots=True)
class _Book:
    bids: dict[int, int] = field(default_factory=dict)
    asks: dict[int, int] = field(default_factory=dict)

    def best_bid(self) -> int | None:
        return max(self.bids) if self.bids else None

    def best_ask(self) -> int | None:
        return min(self.asks) if self.asks else None

    def side(self, side: int) -> dict[int, int]:
        return self.bids if side > 0 else self.asks

    def get(self, side: int, price: int) -> int:
        return self.side(side).get(price, 0)

    def keeps(self, price: int, qty: int, half_span: int) -> bool:
        """A positive level further than ``half_span`` ticks from the book's centre is not kept."""
        if qty <= 0:
            return True
        bid, ask = self.best_bid(), self.best_ask()
        if bid is not None:
            centre = (bid + ask) // 2 if ask is not None else bid
        elif ask is not None:
            centre = ask
        else:
            centre = price
        return abs(price - centre) <= half_span

    def put(self, side: int, price: int, qty: int) -> None:
        """Set a level; a positive level removes every opposite level it crosses."""
        levels = self.side(side)
        if qty > 0:
            levels[price] = qty
            other = self.side(-side)
            crossed = [p for p in other if (p <= price if side > 0 else p >= price)]
            for p in crossed:
                del other[p]
        else:
            levels.pop(price, None)

    def top(self) -> tuple[int | None, int, int | None, int]:
        bid, ask = self.best_bid(), self.best_ask()
        return (bid, self.bids[bid] if bid is not None else 0, ask, self.asks[ask] if ask is not None else 0)


@dataclass(slots=True)
class _Order:
    order_id: int
    instrument: int
    side: int
    price: int
    leaves: int
    order_type: int
    resting: bool = False
    done: bool = False
    seq: int = 0
    ahead: float = 0.0
    traded: float = 0.0
    ack_ts: int | None = None
    """When its left-out ACCEPTED report would have reached the strategy (`Watch.acks`); None if reported."""
    closed: bool = False
    """Its last (terminal) report has reached the strategy."""


@dataclass(slots=True)
class _L3Order:
    side: int
    price: int
    qty: int
    seq: int


@dataclass(slots=True)
class _Request:
    arrival: int
    sent: int
    """Its number in the order of sending (ties between links' arrivals go to the earlier sent)."""
    kind: str
    order_id: int
    instrument: int
    price: int
    qty: int
    order: _Order | None


class ReferenceReplayVenue:
    """The replay venue, slowly and plainly (see the module doc); same constructor as `ReplayVenue`."""

    def __init__(
        self,
        data: Events | Iterable[Events],
        instruments: Sequence[Instrument],
        *,
        latency: LatencyModel | Sequence[LatencyModel] | None = None,
        queue_model: QueueModel | None = None,
        partial_fills: bool = True,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        local_offset_ns: int = 0,
        book_span_ticks: int = DEFAULT_BOOK_SPAN_TICKS,
        total_events: int | None = None,
        name: str = "replay-reference",
    ) -> None:
        self._instruments = tuple(instruments)
        self._name = name
        self.queue_model = queue_model if queue_model is not None else RiskAverseQueue()
        self.partial_fills = partial_fills
        self._half_span = book_span_ticks // 2
        given = tuple(latency) if isinstance(latency, Sequence) else latency if latency is not None else None
        links = latency_links(given if given is not None else ConstantLatency(), len(self._instruments))
        self._samplers = [model.sampler() for model in links]
        self._link = [0 if len(links) == 1 else i for i in range(len(self._instruments))]
        """The link of each instrument: the one model's for all, or its own."""
        chunks = iter_chunks(data, chunk_size) if isinstance(data, np.ndarray) else data
        self._rows: list[tuple[int, int, int, int, int, int, int, int]] = []
        first_row = 0
        for chunk in chunks:
            chunk = validate_chunk(chunk, len(self._instruments), first_row, local_offset_ns)
            first_row += len(chunk)
            for exch_ts, local_ts, price, qty, order_id, inst, kind, side in chunk.tolist():
                self._rows.append((exch_ts, local_ts + local_offset_ns, price, qty, order_id, inst, kind, side))
        n = len(self._instruments)
        self._exch = [_Book() for _ in range(n)]
        self._local = [_Book() for _ in range(n)]
        self._l3: tuple[dict[int, _L3Order], dict[int, _L3Order]] = ({}, {})
        self._ex_pos = 0
        self._lo_pos = 0
        self._ex_time: int | None = None
        self._lo_time: int | None = None
        self._now = 0
        self._seq = 0
        self._orders: dict[int, _Order] = {}
        self._active: list[_Order] = []
        # Per link: the requests on their way to the exchange, and the reports on their way back as (time, number
        # in the order emitted, report, the order it closes), each in order; the next is the earliest link head.
        self._requests: list[deque[_Request]] = [deque() for _ in links]
        self._last_arrival: list[int | None] = [None] * len(links)
        self._sent = 0
        self._in_flight: list[deque[tuple[int, int, Report, _Order | None]]] = [deque() for _ in links]
        self._emitted = 0
        self._acks = True
        self._last_delivery: list[int | None] = [None] * len(links)
        self._delivery: int | None = None
        self._seen: list[tuple[int | None, int, int | None, int]] = [(None, 0, None, 0)] * n
        self._finished = False
        self._events_done = 0
        self._triggers: list[TriggerState | None] = [None] * n
        self._fired = [0] * n

    # -- Venue protocol ------------------------------------------------------------------------------------------
    @property
    def instruments(self) -> tuple[Instrument, ...]:
        return self._instruments

    @property
    def name(self) -> str:
        return self._name

    @property
    def simulated(self) -> bool:
        return False

    @property
    def now(self) -> int:
        return self._now

    def start(self) -> int:
        self._now = self._rows[0][1] if self._rows else 0
        return self._now

    def top(self, instrument: int) -> TopOfBook:
        return TopOfBook(*self._local[instrument].top())

    def depth(self, instrument: int, side: int, levels: int) -> list[tuple[int, int]]:
        book = self._local[instrument].side(side)
        prices = sorted(book, reverse=side > 0)[:levels]
        return [(p, book[p]) for p in prices]

    def exchange_depth(self, instrument: int, side: int, levels: int) -> list[tuple[int, int]]:
        book = self._exch[instrument].side(side)
        prices = sorted(book, reverse=side > 0)[:levels]
        return [(p, book[p]) for p in prices]

    def progress(self) -> float:
        return 1.0 if self._finished else self._events_done / max(1, len(self._rows))

    def submit(
        self, now: int, instrument: int, order_id: int, side: int, order_type: OrderType, price: int, qty: int
    ) -> None:
        order = _Order(order_id, instrument, side, price, qty, int(order_type))
        self._orders[order_id] = order
        self._send(now, "submit", order_id, instrument, price, qty, order)

    def acknowledged(self, order_id: int) -> bool:
        order = self._orders.get(order_id)
        if order is None or order.closed or order.ack_ts is None:
            return False
        return order.ack_ts <= self._now

    def cancel(self, now: int, instrument: int, order_id: int) -> None:
        self._send(now, "cancel", order_id, instrument, 0, 0, self._orders.get(order_id))

    def modify(self, now: int, instrument: int, order_id: int, price: int, qty: int) -> None:
        self._send(now, "modify", order_id, instrument, price, qty, self._orders.get(order_id))

    def _send(
        self, now: int, kind: str, order_id: int, instrument: int, price: int, qty: int, order: _Order | None
    ) -> None:
        link = self._link[instrument]
        arrival = now + self._samplers[link].entry(now)
        last = self._last_arrival[link]
        if last is not None and arrival < last:
            arrival = last
        self._last_arrival[link] = arrival
        self._sent += 1
        self._requests[link].append(_Request(arrival, self._sent, kind, order_id, instrument, price, qty, order))

    def set_trigger(self, instrument: int, spec: TriggerSpec | None) -> None:
        """`ReplayVenue.set_trigger`: the trigger's rules as `TriggerState` states them."""
        self._triggers[instrument] = None if spec is None else TriggerState(spec, self._local[instrument].top())
        self._fired[instrument] = 0

    def _trigger_fired(self, instrument: int, bits: int, t: int, stop_at: int | None) -> int | None:
        """Note ``bits`` fired for ``instrument`` at ``t``; the stop time that follows."""
        if not bits:
            return stop_at
        self._fired[instrument] |= bits
        return t if stop_at is None else stop_at

    # -- the loop ------------------------------------------------------------------------------------------------
    def advance(self, until: int, watch: Watch) -> Advance:
        if self._finished:
            return Advance(self._now, [], [], (), True)
        n = len(self._instruments)
        watch_book = [i < len(watch.book) and watch.book[i] for i in range(n)]
        watch_trades = [i < len(watch.trades) and watch.trades[i] for i in range(n)]
        self._acks = watch.acks
        reports: list[Report] = []
        trades: list[PublicTrade] = []
        stop_at: int | None = None
        pending = any(watch_book[i] and self._local[i].top() != self._seen[i] for i in range(n))
        while True:
            limit = until if stop_at is None or stop_at > until else stop_at
            candidates: list[tuple[int, int]] = []
            request = min((q[0] for q in self._requests if q), key=lambda r: (r.arrival, r.sent), default=None)
            if request is not None:
                candidates.append((request.arrival, 1))
            if self._ex_pos < len(self._rows):
                exch_ts = self._rows[self._ex_pos][0]
                candidates.append((exch_ts if self._ex_time is None else max(exch_ts, self._ex_time), 2))
            due = min((q for q in self._in_flight if q), key=lambda q: q[0][:2], default=None)
            if due is not None:
                candidates.append((due[0][0], 3))
            data_done = self._lo_pos >= len(self._rows)
            if not data_done:
                local_ts = self._rows[self._lo_pos][1]
                candidates.append((local_ts if self._lo_time is None else max(local_ts, self._lo_time), 4))
            if pending:
                candidates.append((max(watch.book_from, self._now), 5))
            t, what = min(candidates) if candidates else (math.inf, 0)
            last_local = self._lo_time if self._lo_time is not None else -math.inf
            if data_done and t > last_local:
                self._finished = True
                end = last_local if stop_at is None else stop_at
                return self._result(int(max(end, self._now)), watch, watch_book, reports, trades)
            if t > limit:
                return self._result(int(limit), watch, watch_book, reports, trades)
            t = int(t)
            self._now = t
            if what == 1:
                self._delivery = None
                assert request is not None
                self._requests[self._link[request.instrument]].popleft()
                self._arrival(request, t)
            elif what == 2:
                self._delivery = None
                self._exchange_event(self._rows[self._ex_pos], t)
                self._ex_time = t
                self._ex_pos += 1
            elif what == 3:
                assert due is not None
                _, _, report, closes = due.popleft()
                reports.append(report)
                if closes is not None:
                    closes.closed = True
                if stop_at is None and watch.reports:
                    stop_at = t
                trigger = self._triggers[report.instrument]
                if trigger is not None:
                    top = self._local[report.instrument].top()
                    bits = trigger.on_report(top, report.status, report.fill_qty)
                    stop_at = self._trigger_fired(report.instrument, bits, t, stop_at)
            elif what == 4:
                row = self._rows[self._lo_pos]
                printed = self._local_event(row)
                self._lo_time = t
                self._lo_pos += 1
                self._events_done += 1
                i = row[5]
                if printed is not None and watch_trades[i]:
                    trades.append(PublicTrade(t, i, *printed))
                    if stop_at is None:
                        stop_at = t
                trigger = self._triggers[i]
                if trigger is not None:
                    bits = trigger.on_row(self._local[i].top(), None if printed is None else printed[0])
                    stop_at = self._trigger_fired(i, bits, t, stop_at)
                if watch_book[i] and self._local[i].top() != self._seen[i]:
                    if t >= watch.book_from:
                        if stop_at is None:
                            stop_at = t
                    else:
                        pending = True
            else:
                pending = False
                if stop_at is None and any(watch_book[i] and self._local[i].top() != self._seen[i] for i in range(n)):
                    stop_at = t

    def _result(
        self, now: int, watch: Watch, watch_book: list[bool], reports: list[Report], trades: list[PublicTrade]
    ) -> Advance:
        self._now = now
        changed = []
        for i, watched in enumerate(watch_book):
            top = self._local[i].top()
            if watched and now >= watch.book_from and top != self._seen[i]:
                changed.append(i)
                self._seen[i] = top
        triggered = tuple((i, bits) for i, bits in enumerate(self._fired) if bits)
        for i, _ in triggered:
            trigger = self._triggers[i]
            assert trigger is not None
            trigger.woke(self._local[i].top())
        self._fired = [0] * len(self._fired)
        return Advance(now, reports, trades, tuple(changed), self._finished, None, triggered)

    # -- reports -------------------------------------------------------------------------------------------------
    def _emit(
        self,
        t: int,
        order: _Order | None,
        status: OrderStatus,
        *,
        reason: OrderReason = OrderReason.NONE,
        request: _Request | None = None,
        leaves: int | None = None,
        fill_qty: int = 0,
        fill_price: int = 0,
        maker: bool = False,
        terminal: bool = False,
    ) -> None:
        concerned = order if order is not None else request
        assert concerned is not None
        delivery = self._delivery_time(t, concerned.instrument)
        if order is not None:
            report = Report(
                delivery,
                order.instrument,
                order.order_id,
                status,
                reason,
                order.side,
                order.price,
                order.leaves if leaves is None else leaves,
                fill_qty,
                fill_price,
                maker,
            )
        else:
            assert request is not None
            report = Report(delivery, request.instrument, request.order_id, status, reason, 0, 0, 0)
        self._emitted += 1
        link = self._link[report.instrument]
        self._in_flight[link].append((delivery, self._emitted, report, order if terminal else None))

    def _delivery_time(self, t: int, instrument: int) -> int:
        """When the reports of the happening at exchange time ``t`` (on ``instrument``) reach the strategy (one
        response per happening, never before an earlier one on its link)."""
        if self._delivery is None:
            link = self._link[instrument]
            delivery = t + self._samplers[link].response(t)
            last = self._last_delivery[link]
            if last is not None and delivery < last:
                delivery = last
            self._last_delivery[link] = self._delivery = delivery
        return self._delivery

    def _fill(self, order: _Order, qty: int, price: int, maker: bool, t: int) -> None:
        order.leaves -= qty
        done = order.leaves == 0
        if done:
            order.done = True
            order.resting = False
        self._emit(
            t,
            order,
            OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED,
            fill_qty=qty,
            fill_price=price,
            maker=maker,
            terminal=done,
        )

    # -- requests at the exchange --------------------------------------------------------------------------------
    def _crosses(self, instrument: int, side: int, price: int) -> bool:
        book = self._exch[instrument]
        if side > 0:
            ask = book.best_ask()
            return ask is not None and ask <= price
        bid = book.best_bid()
        return bid is not None and bid >= price

    def _opposite_levels(self, order: _Order, limit: int | None) -> list[tuple[int, int]]:
        book = self._exch[order.instrument].side(-order.side)
        prices = sorted(book, reverse=order.side < 0)
        if limit is not None:
            prices = [p for p in prices if (p <= limit if order.side > 0 else p >= limit)]
        return [(p, book[p]) for p in prices[:_MAX_SWEEP_LEVELS]]

    def _sweep(self, order: _Order, limit: int | None, t: int) -> None:
        for price, qty in self._opposite_levels(order, limit):
            if order.leaves == 0:
                break
            self._fill(order, min(qty, order.leaves), price, False, t)

    def _rest(self, order: _Order) -> None:
        order.resting = True
        order.seq = self._seq
        self._seq += 1
        order.ahead = float(self._exch[order.instrument].get(order.side, order.price))
        order.traded = 0.0
        self._active.append(order)

    def _arrival(self, request: _Request, t: int) -> None:
        order = request.order
        if request.kind == "submit":
            assert order is not None
            self._new_order(order, t)
            return
        if order is None or not order.resting:
            self._emit(t, None, OrderStatus.REJECTED, reason=OrderReason.UNKNOWN_ORDER, request=request)
            return
        if request.kind == "cancel":
            order.resting = False
            order.done = True
            self._active.remove(order)
            self._emit(t, order, OrderStatus.CANCELLED, reason=OrderReason.REQUESTED, leaves=0, terminal=True)
            return
        if request.qty <= 0:
            self._emit(t, order, OrderStatus.REJECTED, reason=OrderReason.INVALID_QTY)
            return
        crosses = self._crosses(order.instrument, order.side, request.price)
        if crosses and order.order_type == OrderType.POST_ONLY:
            self._emit(t, order, OrderStatus.REJECTED, reason=OrderReason.POST_ONLY_WOULD_CROSS)
            return
        loses_priority = crosses or request.price != order.price or request.qty > order.leaves
        order.price = request.price
        order.leaves = request.qty
        self._emit(t, order, OrderStatus.MODIFIED)
        if loses_priority:
            self._active.remove(order)
            order.resting = False
            if crosses:
                self._sweep(order, order.price, t)
            if order.leaves > 0:
                self._rest(order)

    def _new_order(self, order: _Order, t: int) -> None:
        reason = OrderReason.NONE
        if order.side not in (1, -1):
            reason = OrderReason.INVALID_SIDE
        elif order.leaves <= 0:
            reason = OrderReason.INVALID_QTY
        elif order.order_type not in (1, 2, 3, 4, 5):
            reason = OrderReason.INVALID_ORDER_TYPE
        elif order.order_type == OrderType.POST_ONLY and self._crosses(order.instrument, order.side, order.price):
            reason = OrderReason.POST_ONLY_WOULD_CROSS
        if reason != OrderReason.NONE:
            order.done = True
            self._emit(t, order, OrderStatus.REJECTED, reason=reason, leaves=0, terminal=True)
            return
        if self._acks:
            self._emit(t, order, OrderStatus.ACCEPTED)
        else:
            # left out, but timed (and its latency drawn) as if sent
            order.ack_ts = self._delivery_time(t, order.instrument)
        kind = order.order_type
        if kind in (OrderType.LIMIT, OrderType.POST_ONLY):
            if kind == OrderType.LIMIT and self._crosses(order.instrument, order.side, order.price):
                self._sweep(order, order.price, t)
            if order.leaves > 0:
                self._rest(order)
            return
        limit = None if kind == OrderType.MARKET else order.price
        if kind == OrderType.FOK:
            available = 0
            for _, qty in self._opposite_levels(order, limit):
                if available >= order.leaves:
                    break
                available += qty
            if available < order.leaves:
                order.done = True
                self._emit(t, order, OrderStatus.EXPIRED, reason=OrderReason.FOK_UNFILLABLE, leaves=0, terminal=True)
                return
        self._sweep(order, limit, t)
        if order.leaves > 0:
            order.done = True
            self._emit(t, order, OrderStatus.EXPIRED, reason=OrderReason.IOC_REMAINDER, leaves=0, terminal=True)

    # -- market events at the exchange ---------------------------------------------------------------------------
    def _ours(self, instrument: int) -> list[_Order]:
        return [o for o in self._active if o.instrument == instrument and o.resting]

    def _drop_done(self) -> None:
        self._active = [o for o in self._active if o.resting]

    def _depth_changed(self, instrument: int, side: int, price: int, prev: int, new: int, t: int) -> None:
        for order in self._ours(instrument):
            if not order.resting:
                continue
            if order.side == side:
                if order.price == price:
                    self._move_queue(order, prev, new)
            elif new > 0 and (price <= order.price if order.side > 0 else price >= order.price):
                self._fill(order, order.leaves, order.price, True, t)
        self._drop_done()

    def _move_queue(self, order: _Order, prev: int, new: int) -> None:
        model = self.queue_model
        if model.hftbacktest_arithmetic:
            order.ahead = model.front_after_depth_hftbacktest(order.ahead, order.traded, prev, new)
        elif isinstance(model, (RiskAverseQueue, L3FifoQueue)):
            order.ahead = model.front_after_decrease(order.ahead, prev, new)
        else:
            order.ahead = model.front_after_decrease(order.ahead, prev - order.traded, new)
        order.traded = 0.0

    def _traded(self, instrument: int, aggressor: int, price: int, qty: int, l3_seq: int | None, t: int) -> None:
        l3_model = isinstance(self.queue_model, L3FifoQueue)
        for order in self._ours(instrument):
            if not order.resting or (aggressor != 0 and aggressor != -order.side):
                continue
            if price < order.price if order.side > 0 else price > order.price:
                self._fill(order, order.leaves, order.price, True, t)
            elif price == order.price:
                if l3_model:
                    if l3_seq is None:
                        continue
                    if l3_seq < order.seq:
                        order.ahead = max(order.ahead - qty, 0.0)
                    else:
                        self._reached(order, qty, t)
                elif self.queue_model.hftbacktest_arithmetic:
                    order.traded += qty
                    order.ahead -= qty
                    reached = hftbacktest_fill_lots(order.ahead)
                    if reached > 0.0:
                        order.ahead = 0.0
                        self._reached(order, qty if reached >= qty else int(reached), t)
                else:
                    order.traded += qty
                    if qty > order.ahead:
                        executed = int(qty - order.ahead)
                        order.ahead = 0.0
                        self._reached(order, executed, t)
                    else:
                        order.ahead -= qty
        self._drop_done()

    def _reached(self, order: _Order, executed: int, t: int) -> None:
        qty = min(executed, order.leaves) if self.partial_fills else order.leaves
        if qty > 0:
            self._fill(order, qty, order.price, True, t)

    def _exchange_event(self, row: tuple[int, int, int, int, int, int, int, int], t: int) -> None:
        _, _, price, qty, order_id, i, kind, side = row
        book = self._exch[i]
        if kind in (EventKind.DEPTH, EventKind.SNAPSHOT):
            if not book.keeps(price, qty, self._half_span):
                return
            prev = book.get(side, price)
            book.put(side, price, qty)
            self._depth_changed(i, side, price, prev, qty, t)
        elif kind == EventKind.TRADE:
            self._traded(i, side, price, qty, None, t)
        elif kind == EventKind.CLEAR:
            if side >= 0:
                book.bids.clear()
            if side <= 0:
                book.asks.clear()
        else:
            changes, l3_side, l3_seq, removed = self._apply_l3(0, book, kind, side, price, qty, order_id)
            if kind == EventKind.FILL:
                self._traded(i, -l3_side, changes[0][0], removed, l3_seq, t)
            elif isinstance(self.queue_model, L3FifoQueue) and kind in (EventKind.CANCEL, EventKind.MODIFY) and removed:
                at = changes[0][0]
                for order in self._ours(i):
                    if order.side == l3_side and order.price == at and l3_seq < order.seq:
                        order.ahead = max(order.ahead - removed, 0.0)
            for at, prev, new in changes:
                self._depth_changed(i, l3_side, at, prev, new, t)

    def _apply_l3(
        self, which: int, book: _Book, kind: int, side: int, price: int, qty: int, order_id: int
    ) -> tuple[list[tuple[int, int, int]], int, int, int]:
        """Update the order map and levels; returns (level changes (price, before, after), side, priority, removed)."""
        orders = self._l3[which]
        known = orders.get(order_id)
        if known is not None and kind == EventKind.ADD:
            raise DataError(f"add of order {order_id}, which is already in the book", field="order_id")
        if known is None and kind in (EventKind.ADD, EventKind.MODIFY):
            _refuse_crossing(book, order_id, side, price, "add" if kind == EventKind.ADD else "modify")
            seq = self._seq
            if which == 0:
                self._seq += 1
            orders[order_id] = _L3Order(side, price, qty, seq)
            prev = book.get(side, price)
            if not book.keeps(price, prev + qty, self._half_span):
                return [], side, seq, 0
            book.put(side, price, prev + qty)
            return [(price, prev, prev + qty)], side, seq, 0
        if kind in (EventKind.CANCEL, EventKind.FILL):
            if known is not None:
                # a cancel of 0 lots is of the whole order (docs/data-formats.md)
                removed = known.qty if qty == 0 and kind == EventKind.CANCEL else min(qty, known.qty)
                known.qty -= removed
                if known.qty <= 0:
                    del orders[order_id]
                at_side, at, seq = known.side, known.price, known.seq
            else:
                removed, at_side, at, seq = qty, side, price, -1
            prev = book.get(at_side, at)
            new = max(prev - removed, 0)
            book.put(at_side, at, new)
            return [(at, prev, new)], at_side, seq, removed
        assert known is not None
        old_price, old_qty, seq = known.price, known.qty, known.seq
        if price != old_price:
            _refuse_crossing(book, order_id, known.side, price, "modify")
        lost = price != old_price or qty > old_qty
        removed = old_qty if lost else old_qty - qty
        o_side = known.side
        if price == old_price:
            prev = book.get(o_side, price)
            kept = max(prev - old_qty, 0)
            keep_new = book.keeps(price, kept + qty, self._half_span)
        else:
            keep_new = book.keeps(price, book.get(o_side, price) + qty, self._half_span)
        known.price, known.qty = price, qty
        if lost:
            known.seq = self._seq
            if which == 0:
                self._seq += 1
        if price == old_price:
            prev = book.get(o_side, price)
            kept = max(prev - old_qty, 0)
            after = kept + qty if keep_new else kept
            book.put(o_side, price, after)
            return [(price, prev, after)], o_side, seq, removed
        prev1 = book.get(o_side, old_price)
        new1 = max(prev1 - old_qty, 0)
        book.put(o_side, old_price, new1)
        if not keep_new:
            return [(old_price, prev1, new1)], o_side, seq, removed
        prev2 = book.get(o_side, price)
        book.put(o_side, price, prev2 + qty)
        return [(old_price, prev1, new1), (price, prev2, prev2 + qty)], o_side, seq, removed

    # -- market events as the strategy sees them -----------------------------------------------------------------
    def _local_event(self, row: tuple[int, int, int, int, int, int, int, int]) -> tuple[int, int, int] | None:
        """Apply one event to the strategy's view; returns (price, qty, aggressor side) when it is a trade print."""
        _, _, price, qty, order_id, i, kind, side = row
        book = self._local[i]
        if kind in (EventKind.DEPTH, EventKind.SNAPSHOT):
            if book.keeps(price, qty, self._half_span):
                book.put(side, price, qty)
        elif kind == EventKind.TRADE:
            return (price, qty, side)
        elif kind == EventKind.CLEAR:
            if side >= 0:
                book.bids.clear()
            if side <= 0:
                book.asks.clear()
        else:
            changes, l3_side, _, removed = self._apply_l3(1, book, kind, side, price, qty, order_id)
            if kind == EventKind.FILL:
                return (changes[0][0], removed, -l3_side)
        return None


def _refuse_crossing(book: _Book, order_id: int, side: int, price: int, action: str) -> None:
    """The kernel's ``BAD_CROSSING``: an L3 order at or through the opposite best is a `DataError`."""
    best = book.best_ask() if side > 0 else book.best_bid()
    if best is not None and (price >= best if side > 0 else price <= best):
        raise DataError(
            f"{action} of order {order_id} at {price} crosses the opposite best; an L3 feed never shows a crossed "
            "book (the same row is a CrossedBookError in hft_core.book.L3Book)",
            field="price",
        )
