"""The engine: drives one strategy against one venue, per decision, and records what happened.

Python runs only when the strategy has something to decide: a timer fires, one of its orders changes, a
watched top of book changes (throttled) or a subscribed trade prints. Between those moments the venue advances
the market in its own compiled or vectorized code. Every order passes the pre-trade risk gate; every fill goes
through the ledger. Equity is sampled on a fixed market-time grid for the stats and plots.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hft_core.engine.book_view import VenueBookView
from hft_core.engine.journal import OrderJournal, fill_table
from hft_core.engine.results import EQUITY_COLUMNS, BacktestResult, frame_from_rows
from hft_core.engine.stats import max_drawdown, sharpe_ratio
from hft_core.errors import ConfigError
from hft_core.events import BUY, SELL
from hft_core.instruments import Instrument, Rounding
from hft_core.ledger import Ledger
from hft_core.matching.orders import OrderReason, OrderStatus, OrderType
from hft_core.risk import RiskGate, RiskLimits
from hft_core.strategy import Fill, OrderUpdate, Side, Strategy, TimeInForce, Trade
from hft_core.strategy import OrderStatus as UpdateStatus
from hft_core.venues.base import PublicTrade, Report, Venue, Watch

__all__ = ["Engine", "FillEvent"]

_NS = 1_000_000_000
_FOREVER = 2**62
_NO_REASON = OrderReason.NONE
_MODIFIED = OrderStatus.MODIFIED
_REJECTED = OrderStatus.REJECTED
_CLOSED = frozenset((OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REJECTED))
_TIF_TYPES: dict[str, OrderType] = {
    "gtc": OrderType.LIMIT,
    "ioc": OrderType.IOC,
    "fok": OrderType.FOK,
    "post-only": OrderType.POST_ONLY,
}
_REASON_NAMES = {reason: reason.name.lower() for reason in OrderReason}
_STATUS_NAMES: dict[OrderStatus, UpdateStatus] = {
    OrderStatus.ACCEPTED: "accepted",
    OrderStatus.REJECTED: "rejected",
    OrderStatus.CANCELLED: "cancelled",
    OrderStatus.PARTIALLY_FILLED: "partially-filled",
    OrderStatus.FILLED: "filled",
    OrderStatus.EXPIRED: "expired",
    OrderStatus.MODIFIED: "accepted",
}


@dataclass(frozen=True, slots=True)
class FillEvent:
    """A fill with the account state right after it, for live console output."""

    fill: Fill
    position: float
    cash: float
    pnl: float


def _overrides(strategy: Strategy, hook: str) -> bool:
    return getattr(type(strategy), hook) is not getattr(Strategy, hook)


class Engine:
    """Runs ``strategy`` on ``venue`` until the data ends or ``duration_s`` of market time has passed."""

    def __init__(
        self,
        strategy: Strategy,
        venue: Venue,
        *,
        risk: RiskLimits | None = None,
        duration_s: float | None = None,
        sample_interval_s: float = 1.0,
        on_progress: Callable[[float], None] | None = None,
        on_fill: Callable[[FillEvent], None] | None = None,
    ) -> None:
        if sample_interval_s <= 0 or not math.isfinite(sample_interval_s):
            raise ValueError(f"sample_interval_s must be positive, got {sample_interval_s}")
        if duration_s is not None and (duration_s <= 0 or not math.isfinite(duration_s)):
            raise ValueError(f"duration_s must be positive, got {duration_s}")
        if strategy.simulator_only and not venue.simulated:
            raise ConfigError(
                f"{type(strategy).__name__} is simulator-only: it runs on the simulated market, not on {venue.name}"
            )
        self.strategy = strategy
        self.venue = venue
        self.instruments = venue.instruments
        self._symbols = tuple(i.symbol for i in self.instruments)
        self._index = {s: n for n, s in enumerate(self._symbols)}
        by_index = dict(enumerate(self.instruments))
        limits = risk if risk is not None else strategy.risk_limits(self.instruments)
        self.ledger = Ledger(by_index)
        self.risk = RiskGate(limits or RiskLimits(), by_index)
        self._max_loss = self.risk.limits.max_loss
        self._value_per_ticklot = [i.tick_size * i.lot_size * i.multiplier for i in self.instruments]
        self._duration_ns = None if duration_s is None else int(duration_s * _NS)
        self._sample_ns = int(sample_interval_s * _NS)
        self._on_progress = on_progress
        self._on_fill_listener = on_fill
        self.now = 0
        self._journal = OrderJournal()
        self._open: list[set[int]] = [set() for _ in self.instruments]
        self._local_reports: list[Report] = []
        self._timer_ns: int | None = None
        self._next_timer = _FOREVER
        self._start: int | None = None
        self._watch_book = [False] * len(self.instruments)
        self._watch_trades = [False] * len(self.instruments)
        self._throttle_ns = 0
        self._book_from = 0
        self._watch: Watch | None = None  # rebuilt when a subscription or the book throttle changes
        self._fill_marks: list[float | None] | None = None
        self._last_mid: list[float] = [math.nan] * len(self.instruments)
        self._fill_rows: list[tuple[Any, ...]] = []
        self._equity_rows: list[tuple[Any, ...]] = []
        self._equity_ts: list[int] = []
        self._equity_total: list[float] = []
        self._logs: list[str] = []
        self._wants_order_updates = _overrides(strategy, "on_order")
        self._wants_fills = _overrides(strategy, "on_fill")
        # A strategy that reacts to neither fills nor order updates learns of them at its next decision, so
        # the venue need not stop for each one (a third of all stops in a typical quoting replay).
        self._wants_reports = self._wants_order_updates or self._wants_fills
        # Without `on_order`, acknowledgements (half of all reports) only turn "sent" into "accepted": the venue may
        # leave them out, and `_settle_acknowledgements` asks it about the orders still open at the end.
        self._views = [VenueBookView(venue, n, inst) for n, inst in enumerate(self.instruments)]
        self.context = _EngineContext(self)

    # -- helpers used by the context ------------------------------------------------------------------------
    def instrument_index(self, instrument: str | None) -> int:
        if instrument is None:
            return 0
        index = self._index.get(instrument)
        if index is None:
            raise ValueError(f"unknown instrument {instrument!r}; this run has {', '.join(self._symbols)}")
        return index

    def log(self, message: str) -> None:
        self._logs.append(f"{self.now} {message}")

    def set_timer(self, interval_s: float) -> None:
        if not interval_s > 0 or not math.isfinite(interval_s):
            raise ValueError(f"timer interval must be a positive number of seconds, got {interval_s}")
        self._timer_ns = max(1, round(interval_s * _NS))
        self._next_timer = self.now + self._timer_ns

    def subscribe(self, index: int, trades: bool, throttle_s: float) -> None:
        if throttle_s < 0 or not math.isfinite(throttle_s):
            raise ValueError(f"throttle_s must be >= 0, got {throttle_s}")
        self._watch_book[index] = True
        self._watch_trades[index] = self._watch_trades[index] or trades
        self._throttle_ns = int(throttle_s * _NS)
        self._watch = None

    def send(self, side: int, qty: float, price: float | None, index: int, tif: TimeInForce) -> int:
        """Risk-check and send a new order; returns its id (a rejection arrives via ``on_order``)."""
        inst = self.instruments[index]
        order_type = OrderType.MARKET if price is None else _TIF_TYPES.get(tif)
        if order_type is None:
            raise ValueError(f"unknown time in force {tif!r}; expected gtc, ioc, fok or post-only")
        lots = math.floor(qty / inst.lot_size + 1e-9) if qty > 0 and math.isfinite(qty) else 0
        if price is None:
            ticks = 0
        elif not math.isfinite(price) or price <= 0:
            ticks = -1
        else:
            # Off-grid prices go to the passive side of the grid: a buy never pays more than asked.
            ticks = inst.price_to_ticks(price, "down" if side == BUY else "up")
        now = self.now
        journal = self._journal
        order_id = journal.add(now, index, side, order_type, ticks, lots)
        if not (0 < lots < _FOREVER and (0 < ticks < _FOREVER or price is None)):
            return self._reject_invalid(order_id, qty, price)
        decision = self.risk.check_new(order_id, index, side, ticks or self._far_touch(index, side), lots, ts=now)
        if not decision.accepted:
            code = decision.reason.name.lower() if decision.reason is not None else "refused"
            return self._reject_locally(order_id, f"risk {code}: {decision.message}")
        self._open[index].add(order_id)
        journal.status[order_id - 1] = "sent"
        self.venue.submit(now, index, order_id, side, order_type, ticks, lots)
        return order_id

    def _reject_invalid(self, order_id: int, qty: float, price: float | None) -> int:
        row = order_id - 1
        lots = self._journal.qty[row]
        if lots <= 0:
            lot = self.instruments[self._journal.instrument[row]].lot_size
            return self._reject_locally(order_id, f"invalid size {qty!r}: below one lot of {lot}")
        if lots >= _FOREVER:
            return self._reject_locally(order_id, f"invalid size {qty!r}: beyond 2^62 lots")
        if self._journal.price[row] >= _FOREVER:
            return self._reject_locally(order_id, f"invalid price {price!r}: beyond 2^62 ticks")
        return self._reject_locally(order_id, f"invalid price {price!r}")

    def cancel(self, order_id: int) -> None:
        row = order_id - 1
        if 0 <= row < len(self._journal):
            instrument = self._journal.instrument[row]
            if order_id in self._open[instrument]:
                self.venue.cancel(self.now, instrument, order_id)

    def cancel_all(self, index: int | None) -> None:
        indices = range(len(self.instruments)) if index is None else (index,)
        for i in indices:
            for order_id in sorted(self._open[i]):
                self.venue.cancel(self.now, i, order_id)

    def modify(self, order_id: int, price: float | None, qty: float | None) -> None:
        journal = self._journal
        row = order_id - 1
        if not 0 <= row < len(journal) or order_id not in self._open[journal.instrument[row]]:
            return
        instrument = journal.instrument[row]
        inst = self.instruments[instrument]
        passive: Rounding = "down" if journal.side[row] == BUY else "up"
        ticks = journal.price[row] if price is None else inst.price_to_ticks(price, passive)
        lots = journal.qty[row] - journal.filled[row] if qty is None else math.floor(qty / inst.lot_size + 1e-9)
        if lots <= 0 or ticks <= 0:
            raise ValueError(f"modify of order {order_id}: price and size must stay positive")
        if lots >= _FOREVER or ticks >= _FOREVER:
            raise ValueError(f"modify of order {order_id}: price or size beyond 2^62 ticks or lots")
        decision = self.risk.check_modify(order_id, qty=lots, price=ticks, ts=self.now)
        if not decision:
            self.log(f"modify of order {order_id} refused by risk: {decision.message}")
            return
        self.venue.modify(self.now, instrument, order_id, ticks, lots)

    def open_orders(self, index: int | None) -> list[int]:
        if index is not None:
            return sorted(self._open[index])
        if len(self._open) == 1:
            return sorted(self._open[0])
        return sorted(o for s in self._open for o in s)

    def position(self, index: int) -> float:
        return self.instruments[index].lots_to_qty(self.ledger.position(index))

    def pnl(self) -> float:
        return self._pnl_at(self._set_marks())

    def _set_marks(self) -> list[float | None]:
        """Mark the ledger at each mid's whole tick; returns the fraction of a tick left over (None: no mid yet)."""
        # (runs at every batch of fills: the mids are read here rather than through a helper per instrument)
        fractions: list[float | None] = []
        top = self.venue.top
        last_mid = self._last_mid
        mark_ledger = self.ledger.mark
        for index in range(len(last_mid)):
            bid, _, ask, _ = top(index)
            if bid is not None and ask is not None:
                last_mid[index] = (bid + ask) * 0.5
            mark = last_mid[index]
            if math.isfinite(mark):
                whole = math.floor(mark)
                mark_ledger(index, whole)
                fractions.append(mark - whole)
            else:
                fractions.append(None)
        return fractions

    def _pnl_at(self, fractions: list[float | None]) -> float:
        total = 0.0
        for index, fraction in enumerate(fractions):
            total += self._instrument_pnl(index, fraction)
        return total

    def _instrument_pnl(self, index: int, fraction: float | None) -> float:
        """Mark-to-market PnL at the mid, fees included: the ledger's (marked at whole ticks) plus the fraction."""
        pnl = self.ledger.total_pnl(index)
        if fraction is None:
            return pnl
        return pnl + self.ledger.position(index) * fraction * self._value_per_ticklot[index]

    def _far_touch(self, index: int, side: int) -> int:
        """The price a market order could reach, for the notional limit: the opposite best."""
        top = self.venue.top(index)
        price = top.ask_price if side == BUY else top.bid_price
        return price if price is not None else 1

    # -- internals ------------------------------------------------------------------------------------------
    def _reject_locally(self, order_id: int, reason: str) -> int:
        journal = self._journal
        row = order_id - 1
        journal.status[row] = "rejected"
        journal.reason[row] = reason
        self._local_reports.append(
            Report(
                self.now,
                journal.instrument[row],
                order_id,
                OrderStatus.REJECTED,
                OrderReason.NONE,
                journal.side[row],
                journal.price[row],
                0,
            )
        )
        return order_id

    def _side_name(self, side: int) -> Side:
        return "buy" if side == BUY else "sell"

    def _handle_reports(self, reports: list[Report]) -> None:
        journal = self._journal
        statuses = journal.status
        done_ts = journal.done_ts
        known = len(journal)
        open_orders = self._open
        order_closed = self.risk.on_order_closed
        self._fill_marks = None  # marked afresh at this batch's first fill
        for report in reports:
            ts, instrument, order_id, status, reason, _, price, leaves, fill_qty, _, _ = report
            row = order_id - 1
            if not 0 <= row < known or (done_ts[row] >= 0 and fill_qty == 0):
                # Unknown, or already finished: a late reply (say, to a cancel that crossed the final fill) must
                # not rewrite a filled order as rejected.
                continue
            if fill_qty > 0:
                self._book_fill(row, report)
            if status in _CLOSED:
                if status == _REJECTED and leaves > 0:
                    self._refused_request(row, report)
                    continue
                open_orders[instrument].discard(order_id)
                order_closed(order_id)
                statuses[row] = _STATUS_NAMES[status]
                done_ts[row] = ts
                if reason != _NO_REASON and not journal.reason[row]:
                    journal.reason[row] = _REASON_NAMES[reason]
            elif status == _MODIFIED:
                journal.price[row] = price
                journal.qty[row] = journal.filled[row] + leaves
            elif statuses[row] == "sent" or statuses[row] == "pending":
                statuses[row] = _STATUS_NAMES[status]
            if self._wants_order_updates and fill_qty == 0:
                self._tell_order(ts, instrument, order_id, _STATUS_NAMES[status], journal.reason[row] or None, leaves)

    def _refused_request(self, row: int, report: Report) -> None:
        """The venue refused a modify of a live order (a rejection that leaves quantity open): the order stands as
        the venue has it. The risk gate, which counted the modify when it was sent, is set back to that."""
        ts, instrument, order_id, _, reason, _, price, leaves, _, _, _ = report
        journal = self._journal
        journal.price[row] = price
        journal.qty[row] = journal.filled[row] + leaves
        self.risk.sync_order(order_id, leaves=leaves, price=price)
        why = f"modify refused by the venue: {_REASON_NAMES[reason]}"
        self.log(f"order {order_id}: {why}")
        if self._wants_order_updates:
            standing: UpdateStatus = "partially-filled" if journal.filled[row] else "accepted"
            self._tell_order(ts, instrument, order_id, standing, why, leaves)

    def _tell_order(
        self, ts: int, instrument: int, order_id: int, status: UpdateStatus, reason: str | None, leaves: int
    ) -> None:
        """The strategy's `on_order`, with the update in its float units."""
        inst = self.instruments[instrument]
        self.strategy.on_order(
            self.context,
            OrderUpdate(
                ts=ts,
                instrument=inst.symbol,
                order_id=order_id,
                status=status,
                reason=reason,
                remaining_qty=inst.lots_to_qty(leaves),
            ),
        )

    def _book_fill(self, row: int, report: Report) -> None:
        """Ledger, risk gate and the fills table; then the listeners, if any."""
        ts, index, order_id, _, _, side, _, _, qty, price, maker = report
        self._journal.filled[row] += qty
        ledger = self.ledger
        fee = ledger.on_fill(index, side, price, qty, maker=maker)
        self.risk.on_fill(order_id, qty)
        lots = ledger.position(index)
        marks = self._fill_marks
        if marks is None:  # the market stands still during a batch of reports: marked once
            marks = self._fill_marks = self._set_marks()
        pnl = self._pnl_at(marks)
        # integers as the venue gave them; `_result` converts whole columns at the end
        self._fill_rows.append((ts, index, order_id, side, price, qty, fee, maker, lots, pnl))
        if self._on_fill_listener is None and not self._wants_fills:
            return
        inst = self.instruments[index]
        fill = Fill(
            ts=ts,
            instrument=inst.symbol,
            order_id=order_id,
            side=self._side_name(side),
            price=inst.ticks_to_price(price),
            qty=inst.lots_to_qty(qty),
            fee=fee,
            maker=maker,
        )
        if self._on_fill_listener is not None:
            self._on_fill_listener(FillEvent(fill, inst.lots_to_qty(lots), ledger.cash, pnl))
        if self._wants_fills:
            self.strategy.on_fill(self.context, fill)

    def _sample(self) -> None:
        total = 0.0
        fractions = self._set_marks()
        for index, inst in enumerate(self.instruments):
            mark = self._last_mid[index]
            pnl = self._instrument_pnl(index, fractions[index])
            total += pnl
            mid = mark * inst.tick_size if math.isfinite(mark) else math.nan
            self._equity_rows.append((self.now, inst.symbol, mid, self.position(index), pnl))
        self._equity_ts.append(self.now)
        self._equity_total.append(total)

    def _check_kill_switch(self) -> None:
        if self._max_loss is None:
            return
        was_killed = self.risk.killed
        decision = self.risk.update_pnl(self.pnl())
        if decision.cancel_all and not was_killed:
            self.log(f"kill switch: {self.risk.kill_reason}; cancelling all orders")
            self.cancel_all(None)

    def _dispatch_market(self, trades: list[PublicTrade], book_changed: tuple[int, ...]) -> None:
        """Tell the strategy of public trades and top-of-book changes it subscribed to."""
        for trade in trades:
            inst = self.instruments[trade.instrument]
            side: Side | None = None if trade.side == 0 else self._side_name(trade.side)
            self.strategy.on_trade(
                self.context,
                Trade(trade.ts, inst.symbol, inst.ticks_to_price(trade.price), inst.lots_to_qty(trade.qty), side),
            )
        if book_changed:
            for index in book_changed:
                self.strategy.on_book(self.context, self._symbols[index])
            self._book_from = self.now + self._throttle_ns

    def run(self) -> BacktestResult:
        """Run to the end of the data (or ``duration_s``) and return the results."""
        # What is alive before the run (modules, data, the venue) outlives it. Kept out of the collector's full
        # passes, which otherwise rescan it again and again as orders and fills pile up (a fifth of the Python
        # time of a long replay). A caller's own freeze is left in place.
        unfreeze = gc.get_freeze_count() == 0
        gc.freeze()
        try:
            return self._run()
        finally:
            if unfreeze:
                gc.unfreeze()

    def _run(self) -> BacktestResult:
        self.now = start = self._start = self.venue.start()
        end = _FOREVER if self._duration_ns is None else start + self._duration_ns
        next_sample = start
        self.strategy.on_start(self.context)
        last_progress = -1.0
        finished = False
        # bound once: this loop turns once per decision
        advance_venue = self.venue.advance
        on_timer = self.strategy.on_timer
        context = self.context
        checks_loss = self._max_loss is not None
        on_progress = self._on_progress
        while not finished:
            while self._local_reports:
                pending, self._local_reports = self._local_reports, []
                self._handle_reports(pending)
            now = self.now
            if now >= next_sample:
                self._sample()
                next_sample += self._sample_ns * max(1, (now - next_sample) // self._sample_ns + 1)
            if now >= end:
                break
            watch = self._watch
            if watch is None or watch.book_from != self._book_from:
                watch = self._watch = Watch(
                    tuple(self._watch_book),
                    tuple(self._watch_trades),
                    self._book_from,
                    reports=self._wants_reports,
                    acks=self._wants_order_updates,
                )
            now, reports, trades, book_changed, finished = advance_venue(min(self._next_timer, next_sample, end), watch)
            self.now = now
            if reports:
                self._handle_reports(reports)
            if trades or book_changed:
                self._dispatch_market(trades, book_changed)
            if now >= self._next_timer and self._timer_ns is not None:  # (a handler may have reset the timer)
                on_timer(context)
                missed = (self.now - self._next_timer) // self._timer_ns
                self._next_timer += self._timer_ns * (missed + 1)
            if checks_loss:
                self._check_kill_switch()
            if on_progress is not None:
                done = self.venue.progress() if self._duration_ns is None else (self.now - start) / self._duration_ns
                if done - last_progress >= 0.005:
                    last_progress = done
                    on_progress(min(1.0, done))
        self.strategy.on_stop(self.context)
        while self._local_reports:
            pending, self._local_reports = self._local_reports, []
            self._handle_reports(pending)
        self._sample()
        if self._on_progress is not None:
            self._on_progress(1.0)
        return self._result(start)

    def partial_result(self) -> BacktestResult | None:
        """What the run has recorded so far (for an interrupted run), or None if it never started."""
        if self._start is None:
            return None
        self._sample()
        return self._result(self._start)

    def _settle_acknowledgements(self) -> None:
        """Mark "accepted" the open orders whose acknowledgement the venue left out (`Watch.acks`) but had sent."""
        # A venue written before `acknowledged` joined the protocol reports every acceptance: nothing to settle
        # (and a long run must not fail at its very end for want of the method).
        acknowledged = getattr(self.venue, "acknowledged", None)
        if acknowledged is None:
            return
        statuses = self._journal.status
        for open_ids in self._open:
            for order_id in open_ids:
                if statuses[order_id - 1] == "sent" and acknowledged(order_id):
                    statuses[order_id - 1] = "accepted"

    def _result(self, start: int) -> BacktestResult:
        self._settle_acknowledgements()
        journal = self._journal
        orders = journal.table(self.instruments)
        fills = fill_table(self._fill_rows, self.instruments)
        accepted = journal.accepted_count()
        filled_orders = journal.filled_count()
        n_fills = len(self._fill_rows)
        qty = fills["qty"].tolist()
        price = fills["price"].tolist()
        max_inventory = max((abs(row[3]) for row in self._equity_rows), default=0.0)
        max_inventory = max([max_inventory, *(abs(p) for p in fills["position"].tolist())])
        stats: dict[str, Any] = {
            "pnl": round(self._equity_total[-1], 10) if self._equity_total else 0.0,
            "fills": n_fills,
            "volume": round(sum(qty), 10),
            "notional": round(sum(p * q for p, q in zip(price, qty, strict=True)), 6),
            "fees": round(sum(row[6] for row in self._fill_rows), 10),
            "max_inventory": max_inventory,
            "final_position": {s: self.position(i) for i, s in enumerate(self._symbols)},
            "sharpe": round(sharpe_ratio(self._equity_ts, self._equity_total), 6),
            "max_drawdown": round(max_drawdown(self._equity_total), 10),
            "orders": len(journal),
            "rejected": journal.status.count("rejected"),
            "fill_ratio": round(filled_orders / accepted, 6) if accepted else 0.0,
            "order_to_trade": round(len(journal) / n_fills, 6) if n_fills else None,
            "duration_s": (self.now - start) / _NS,
            "kill_switch": self.risk.killed,
            "venue": self.venue.name,
        }
        equity = frame_from_rows(self._equity_rows, EQUITY_COLUMNS)
        return BacktestResult(orders, fills, equity, stats, list(self._logs))


class _EngineContext:
    """The `hft_core.strategy.Context` a strategy receives; a thin facade over the engine."""

    __slots__ = ("_engine",)

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def now(self) -> int:
        return self._engine.now

    @property
    def instruments(self) -> tuple[str, ...]:
        return self._engine._symbols

    def instrument_spec(self, instrument: str | None = None) -> Instrument:
        return self._engine.instruments[self._engine.instrument_index(instrument)]

    def book(self, instrument: str | None = None) -> VenueBookView:
        engine = self._engine
        return engine._views[0 if instrument is None else engine.instrument_index(instrument)]

    def position(self, instrument: str | None = None) -> float:
        engine = self._engine
        return engine.position(0 if instrument is None else engine.instrument_index(instrument))

    def pnl(self) -> float:
        return self._engine.pnl()

    def buy(
        self, qty: float, price: float | None = None, *, instrument: str | None = None, tif: TimeInForce = "gtc"
    ) -> int:
        engine = self._engine
        return engine.send(BUY, qty, price, 0 if instrument is None else engine.instrument_index(instrument), tif)

    def sell(
        self, qty: float, price: float | None = None, *, instrument: str | None = None, tif: TimeInForce = "gtc"
    ) -> int:
        engine = self._engine
        return engine.send(SELL, qty, price, 0 if instrument is None else engine.instrument_index(instrument), tif)

    def cancel(self, order_id: int) -> None:
        self._engine.cancel(order_id)

    def cancel_all(self, instrument: str | None = None) -> None:
        self._engine.cancel_all(None if instrument is None else self._engine.instrument_index(instrument))

    def modify(self, order_id: int, *, price: float | None = None, qty: float | None = None) -> None:
        self._engine.modify(order_id, price, qty)

    def open_orders(self, instrument: str | None = None) -> list[int]:
        return self._engine.open_orders(None if instrument is None else self._engine.instrument_index(instrument))

    def set_timer(self, interval_s: float) -> None:
        self._engine.set_timer(interval_s)

    def subscribe(self, instrument: str | None = None, *, trades: bool = False, throttle_s: float = 0.0) -> None:
        self._engine.subscribe(self._engine.instrument_index(instrument), trades, throttle_s)

    def log(self, message: str) -> None:
        self._engine.log(message)
