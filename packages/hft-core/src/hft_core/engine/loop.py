"""The engine: drives one strategy against one venue, per decision, and records what happened.

Python runs only when the strategy has something to decide: a timer fires, one of its orders changes, a
watched top of book changes (throttled), a subscribed trade prints or an item of the run's text feed is received
(`hft_core.text`: delivered to ``on_text`` at its receipt time, never before; a run without text, or a strategy
without ``on_text``, never stops for text). Between those moments the venue advances
the market in its own compiled or vectorized code. Every order passes the pre-trade risk gate
(`hft_core.risk.RiskGate`, against the blotter's open exposure); every report is settled into the blotter's arrays
by the compiled settlement (`hft_core.engine.blotter`, `hft_core.engine._settle`), the run's only books; PnL is
valued in the run's numeraire (`hft_core.engine.accounts`). Equity is sampled on a fixed market-time grid for the
stats and plots.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import math
import threading
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from hft_core.engine import _settle
from hft_core.engine import stats as run_stats
from hft_core.engine._columns import labels
from hft_core.engine.accounts import Accounts
from hft_core.engine.blotter import Blotter
from hft_core.engine.book_view import VenueBookView
from hft_core.engine.results import (
    EQUITY_COLUMNS,
    BacktestResult,
    RecordJournal,
    SeriesRecorder,
    coded_round_trips_frame,
    with_time,
)
from hft_core.errors import HftError
from hft_core.events import BUY, SELL
from hft_core.gate import check_strategy_may_run
from hft_core.instruments import Instrument, Rounding
from hft_core.matching.orders import OrderReason, OrderStatus, OrderType
from hft_core.risk import RiskGate, RiskLimits
from hft_core.strategy import (
    Fill,
    OrderState,
    OrderUpdate,
    Side,
    Strategy,
    TimeInForce,
    Trade,
    Trigger,
    TriggerFired,
)
from hft_core.strategy import OrderStatus as UpdateStatus
from hft_core.venues.base import REPORT_ROW_SIZE, PublicTrade, TriggerSpec, Venue, Watch

if TYPE_CHECKING:
    from hft_core.text.items import TextFeed

__all__ = ["STOP", "Engine", "FillEvent", "StopRequest"]

_NS = 1_000_000_000
_floor, _isfinite = math.floor, math.isfinite
_FOREVER = 2**62
_TIF_TYPES: dict[str, OrderType] = {
    "gtc": OrderType.LIMIT,
    "ioc": OrderType.IOC,
    "fok": OrderType.FOK,
    "post-only": OrderType.POST_ONLY,
}
_REASON_NAMES = {reason: reason.name.lower() for reason in OrderReason}
_OUT_FILL, _OUT_UPDATE = _settle.OUT_FILL, _settle.OUT_UPDATE
_STATUS_NAMES: dict[int, UpdateStatus] = {
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


class StopRequest:
    """A request to stop the running engine at its next safe point, made by a signal handler
    (`hft_core.runs.interrupt_on_signals`) and honoured by `Engine` once per loop turn.

    A handler cannot stop the engine where Python happens to be (inside a venue's book update, a blotter append or
    a settlement) without leaving a torn record behind, so it only calls `request`: while an engine is in its loop
    (``armed``) the exception is kept in ``pending``, and the loop raises it at the start of its next turn, between
    two venue advances, when the books, the blotter and the equity samples agree. While a run's record is being
    written (``holding``, `hold`) a request is kept in ``held`` and raised when the writing is done. Otherwise
    (outside the loop, or a second signal while the run is already stopping) `request` returns False and the
    handler raises at once.
    """

    __slots__ = ("armed", "held", "holding", "pending", "stopping")

    def __init__(self) -> None:
        self.armed = 0
        """How many engines are inside their loop (nested runs: a strategy running a backtest)."""
        self.pending: BaseException | None = None
        self.stopping = False
        self.holding = 0
        self.held: BaseException | None = None

    def request(self, exc: BaseException) -> bool:
        """Keep ``exc`` for the loop's next safe point or the end of a write (True), or say it must be raised
        now (False)."""
        if self.holding:
            if self.held is None:
                self.held = exc
            return True
        if self.armed and self.pending is None and not self.stopping:
            self.pending = exc
            return True
        self.stopping = True
        return False

    def take(self) -> BaseException:
        """The pending exception, now being raised: the run is stopping (a further request raises at once)."""
        exc, self.pending = self.pending, None
        assert exc is not None
        self.stopping = True
        return exc

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Keep signals' requests back while inside (a record being written), then raise the first one kept.

        Done here rather than with the thread's signal mask: a process-directed signal goes to any thread that
        does not block it (pyarrow's and numba's pools among them), and its handler then runs in the main thread
        anyway."""
        self.holding += 1
        try:
            yield
        finally:
            self.holding -= 1
        if not self.holding and self.held is not None:
            exc, self.held = self.held, None
            self.stopping = True
            raise exc

    def reset(self) -> None:
        """Forget any request (a new run, or the end of the handlers' scope)."""
        self.pending = self.held = None
        self.stopping = False


STOP = StopRequest()
"""The process's stop request (signals are per process: one is enough)."""


def _slot_setters(cls: type[Any]) -> tuple[Callable[[Any, Any], None], ...]:
    """The setters of frozen, slotted dataclass ``cls``'s fields, in field order: the slots' own descriptors, which
    skip the frozen class's ``__setattr__``."""
    return tuple(cls.__dict__[field.name].__set__ for field in dataclasses.fields(cls))


# An update, a fill or a trade is built once per report heard: setting the slots directly costs about half of the
# generated ``__init__``, which sets each frozen field through ``object.__setattr__`` by name. Equal to the class's
# own constructor (the classes have no ``__post_init__``; a test compares); a field added to a class fails here.
_new = object.__new__
_U_TS, _U_INSTRUMENT, _U_ORDER_ID, _U_STATUS, _U_REASON, _U_REMAINING = _slot_setters(OrderUpdate)
_F_TS, _F_INSTRUMENT, _F_ORDER_ID, _F_SIDE, _F_PRICE, _F_QTY, _F_FEE, _F_MAKER = _slot_setters(Fill)
_T_TS, _T_INSTRUMENT, _T_PRICE, _T_QTY, _T_SIDE = _slot_setters(Trade)


def _order_update(
    ts: int, instrument: str, order_id: int, status: UpdateStatus, reason: str | None, remaining_qty: float
) -> OrderUpdate:
    """``OrderUpdate(ts, instrument, order_id, status, reason, remaining_qty)``, made faster (above)."""
    update: OrderUpdate = _new(OrderUpdate)
    _U_TS(update, ts)
    _U_INSTRUMENT(update, instrument)
    _U_ORDER_ID(update, order_id)
    _U_STATUS(update, status)
    _U_REASON(update, reason)
    _U_REMAINING(update, remaining_qty)
    return update


def _fill(
    ts: int, instrument: str, order_id: int, side: Side, price: float, qty: float, fee: float, maker: bool
) -> Fill:
    """``Fill(ts, instrument, order_id, side, price, qty, fee, maker)``, made faster (above)."""
    fill: Fill = _new(Fill)
    _F_TS(fill, ts)
    _F_INSTRUMENT(fill, instrument)
    _F_ORDER_ID(fill, order_id)
    _F_SIDE(fill, side)
    _F_PRICE(fill, price)
    _F_QTY(fill, qty)
    _F_FEE(fill, fee)
    _F_MAKER(fill, maker)
    return fill


def _trade(ts: int, instrument: str, price: float, qty: float, side: Side | None) -> Trade:
    """``Trade(ts, instrument, price, qty, side)``, made faster (above)."""
    trade: Trade = _new(Trade)
    _T_TS(trade, ts)
    _T_INSTRUMENT(trade, instrument)
    _T_PRICE(trade, price)
    _T_QTY(trade, qty)
    _T_SIDE(trade, side)
    return trade


_SO_TS, _SO_DONE_TS, _SO_INST, _SO_SIDE = _settle.SO_TS, _settle.SO_DONE_TS, _settle.SO_INST, _settle.SO_SIDE
_SO_TYPE, _SO_STATUS, _SS_REJECTED = _settle.SO_TYPE, _settle.SO_STATUS, _settle.SS_REJECTED
_SL_INST, _SL_SIDE = _settle.SL_INST, _settle.SL_SIDE

_PYTHON_DECISIONS = ("on_book", "on_trade", "on_fill", "on_order", "on_timer", "on_text", "on_trigger")
"""The hooks a compiled strategy's numba hook replaces (`Engine._loop_compiled` refuses a strategy defining one)."""


def _overrides(strategy: Strategy, hook: str) -> bool:
    return getattr(type(strategy), hook) is not getattr(Strategy, hook)


def _lots(inst: Instrument, qty: float) -> int:
    """A strategy's size in whole lots (rounded down); 0 for a size that is not a positive number."""
    return _floor(qty / inst.lot_size + 1e-9) if qty > 0 and _isfinite(qty) else 0


def _ticks(inst: Instrument, side: int, price: float) -> int:
    """A strategy's limit price in ticks, on the passive side of the grid (a buy never pays more than asked);
    -1 for a price that is not a positive number."""
    return inst.price_to_ticks(price, "down" if side == BUY else "up") if price > 0 and _isfinite(price) else -1


def _invalid_terms(inst: Instrument, qty: float | None, price: float | None, lots: int, ticks: int) -> str:
    """Why an order's (or a modify's) size ``lots`` or price ``ticks`` is refused: one message for both paths."""
    if lots <= 0:
        return f"invalid size {qty!r}: below one lot of {inst.lot_size}"
    if lots >= _FOREVER:
        return f"invalid size {qty!r}: beyond 2^62 lots"
    if ticks >= _FOREVER:
        return f"invalid price {price!r}: beyond 2^62 ticks"
    return f"invalid price {price!r}"


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
        numeraire: str | None = None,
        text: TextFeed | None = None,
        on_log: Callable[[int, str], None] | None = None,
    ) -> None:
        if sample_interval_s <= 0 or not math.isfinite(sample_interval_s):
            raise ValueError(f"sample_interval_s must be positive, got {sample_interval_s}")
        if duration_s is not None and (duration_s <= 0 or not math.isfinite(duration_s)):
            raise ValueError(f"duration_s must be positive, got {duration_s}")
        # gated or simulator-only strategies: decided from the strategy's classes and the venue's type (hft_core.gate)
        check_strategy_may_run(strategy, venue, venue.name)
        self.strategy = strategy
        self.venue = venue
        self.instruments = venue.instruments
        self._symbols = tuple(i.symbol for i in self.instruments)
        self._index = {s: n for n, s in enumerate(self._symbols)}
        by_index = dict(enumerate(self.instruments))
        limits = risk if risk is not None else strategy.risk_limits(self.instruments)
        self.blotter = Blotter(self.instruments)
        # balances per asset and PnL in one currency (default: the first instrument's quote currency)
        self.accounts = Accounts(self.instruments, numeraire)
        # the gate's limits, rate window and kill switch; the account state it checks against is the blotter's
        self.risk = RiskGate(limits or RiskLimits(), by_index)
        self._venue_submit = venue.submit
        self._max_loss = self.risk.limits.max_loss
        self._duration_ns = None if duration_s is None else int(duration_s * _NS)
        self._sample_ns = int(sample_interval_s * _NS)
        self._on_progress = on_progress
        self._on_fill_listener = on_fill
        self._on_log = on_log
        self.now = 0
        self._local_reports: list[list[int]] = []
        self._refused_modifies: list[tuple[int, int, int, str]] = []  # (ts, instrument, order id, reason), to tell
        self._timer_ns: int | None = None
        self._next_timer = _FOREVER
        self._start: int | None = None
        self._watch_book = [False] * len(self.instruments)
        self._watch_trades = [False] * len(self.instruments)
        self._throttle_ns = 0
        self._book_from = 0
        self._watch: Watch | None = None  # rebuilt when a subscription or the book throttle changes
        self._last_mid: list[float] = [math.nan] * len(self.instruments)
        # the equity samples, a row per instrument per sample (`EQUITY_COLUMNS`), as columns of machine numbers
        self._equity_at: array[int] = array("q")
        self._equity_instrument: array[int] = array("q")
        self._equity_mid: array[float] = array("d")
        self._equity_position: array[float] = array("d")
        self._equity_pnl: array[float] = array("d")
        self._equity_ts: list[int] = []
        self._equity_total: list[float] = []
        self._logs: list[str] = []
        self.series = SeriesRecorder()  # what the strategy records with `ctx.record`
        self._wants_order_updates = _overrides(strategy, "on_order")
        self._wants_fills = _overrides(strategy, "on_fill")
        # A strategy that reacts to neither fills nor order updates learns of them at its next decision, so
        # the venue need not stop for each one (a third of all stops in a typical quoting replay).
        self._wants_reports = self._wants_order_updates or self._wants_fills
        # ... and reports nobody hears of one at a time are settled a batch at a time, straight into the blotter.
        self._settle_quietly = not self._wants_reports and on_fill is None
        # Without `on_order`, acknowledgements (half of all reports) only turn "sent" into "accepted": the venue may
        # leave them out, and `_settle_acknowledgements` asks it about the orders still open at the end.
        self._views = [VenueBookView(venue, n, inst) for n, inst in enumerate(self.instruments)]
        self.context = _EngineContext(self)
        # the text feed: items in delivery order, the next one's index; woken for only if the strategy listens
        self._text = text
        self._hears_text = text is not None and _overrides(strategy, "on_text")
        self._text_next = 0
        self._text_before_start = 0
        # the run directory's journal (`journal_into`), if any: fills and equity samples not yet appended from here
        self._journal: RecordJournal | None = None
        self._journaled_fills = 0
        self._journaled_samples = 0

    def journal_into(self, journal: RecordJournal) -> None:
        """Append the run's fills and equity samples to ``journal`` as it goes, every ``journal.every_samples``
        equity samples (before `run`; what the run returns is the same with or without a journal)."""
        self._journal = journal

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
        if self._on_log is not None:
            self._on_log(self.now, message)

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

    def set_trigger(self, index: int, trigger: Trigger | None) -> None:
        """Have the venue evaluate ``trigger`` for instrument ``index`` (`hft_core.venues.base.TriggerVenue`)."""
        setter = getattr(self.venue, "set_trigger", None)
        if setter is None:
            raise HftError(
                f"{self.venue.name} does not evaluate triggers (the replay venue and the simulated market do): "
                "use set_timer or subscribe instead"
            )
        setter(index, None if trigger is None else trigger_spec(trigger, self.instruments[index]))

    def send(self, side: int, qty: float, price: float | None, index: int, tif: TimeInForce) -> int:
        """Risk-check and send a new order; returns its id (a rejection arrives via ``on_order``)."""
        inst = self.instruments[index]
        # `_lots` and `_ticks`, inlined: this runs for every order
        lots = _floor(qty / inst.lot_size + 1e-9) if qty > 0 and _isfinite(qty) else 0
        if price is None:
            order_type = OrderType.MARKET
            ticks = 0
        else:
            tif_type = _TIF_TYPES.get(tif)
            if tif_type is None:
                raise ValueError(f"unknown time in force {tif!r}; expected gtc, ioc, fok or post-only")
            order_type = tif_type
            rounding: Rounding = "down" if side == BUY else "up"
            ticks = inst.price_to_ticks(price, rounding) if price > 0 and _isfinite(price) else -1
        now = self.now
        blotter = self.blotter
        valid = 0 < lots < _FOREVER and (0 < ticks < _FOREVER or price is None)
        if valid and not self.risk.checks_orders:
            order_id = blotter.add_open(now, index, side, order_type, ticks, lots)
            self._venue_submit(now, index, order_id, side, order_type, ticks, lots)
            return order_id
        order_id = blotter.add(now, index, side, order_type, ticks, lots)
        if not valid:
            return self._reject_invalid(order_id, qty, price, lots, ticks)
        if self.risk.checks_orders:
            refusal = self.risk.refusal(
                order_id,
                index,
                side,
                ticks or self._far_touch(index, side),
                lots,
                exposure=blotter.exposure(index),
                open_orders=blotter.risk_open_count,
                ts=now,
            )
            if refusal is not None:
                code = refusal.reason.name.lower() if refusal.reason is not None else "refused"
                return self._reject_locally(order_id, f"risk {code}: {refusal.message}")
        blotter.open(order_id)
        self.venue.submit(now, index, order_id, side, order_type, ticks, lots)
        return order_id

    def _reject_invalid(self, order_id: int, qty: float, price: float | None, lots: int, ticks: int) -> int:
        inst = self.instruments[self.blotter.order(order_id)[0]]
        return self._reject_locally(order_id, _invalid_terms(inst, qty, price, lots, ticks))

    def cancel(self, order_id: int) -> None:
        instrument = self.blotter.open_instrument(order_id)
        if instrument >= 0:
            self.venue.cancel(self.now, instrument, order_id)

    def cancel_all(self, index: int | None) -> None:
        indices = range(len(self.instruments)) if index is None else (index,)
        for i in indices:
            for order_id in self.blotter.open_orders(i, len(self.instruments)):
                self.venue.cancel(self.now, i, order_id)

    def modify(self, order_id: int, price: float | None, qty: float | None) -> None:
        blotter = self.blotter
        instrument = blotter.open_instrument(order_id)
        if instrument < 0:
            return
        _, side, price_now, qty_now, filled, risk_leaves = blotter.order(order_id)
        inst = self.instruments[instrument]
        # the same checks as a new order's (`send`): a refused modify leaves the order as it stands
        ticks = price_now if price is None else _ticks(inst, side, price)
        lots = qty_now - filled if qty is None else _lots(inst, qty)
        if not (0 < lots < _FOREVER and 0 < ticks < _FOREVER):
            why = f"modify refused: {_invalid_terms(inst, qty, price, lots, ticks)}"
            self.log(f"order {order_id}: {why}")
            self._refused_modifies.append((self.now, instrument, order_id, why))
            return
        if risk_leaves <= 0:
            self.log(f"modify of order {order_id} refused by risk: order {order_id} is not open")
            return
        refusal = self.risk.modify_refusal(
            order_id, instrument, side, risk_leaves, ticks, lots, exposure=blotter.exposure(instrument), ts=self.now
        )
        if refusal is not None:
            self.log(f"modify of order {order_id} refused by risk: {refusal.message}")
            return
        blotter.modify_sent(order_id, lots)
        self.venue.modify(self.now, instrument, order_id, ticks, lots)

    def position(self, index: int) -> float:
        return self.instruments[index].lots_to_qty(self.blotter.position(index))

    def order_status(self, order_id: int) -> OrderState | None:
        """`hft_core.strategy.Context.order_status`: the blotter's status, and for an order it still has as sent,
        the venue's word on whether the acknowledgement it left out (`Watch.acks`) has come back by now."""
        blotter = self.blotter
        if not isinstance(order_id, int) or not 0 < order_id <= len(blotter):
            return None
        status = blotter.status(order_id)
        if status == "sent":
            acknowledged = getattr(self.venue, "acknowledged", None)
            if acknowledged is not None and acknowledged(order_id):
                return "accepted"
        return cast(OrderState, status)

    def pnl(self) -> float:
        return self._pnl_at(self._update_mids())

    def _update_mids(self) -> list[float]:
        """The mid (ticks) of each instrument now, or its last one while a side is empty (NaN before any)."""
        top = self.venue.top
        last_mid = self._last_mid
        for index in range(len(last_mid)):
            bid, _, ask, _ = top(index)
            if bid is not None and ask is not None:
                last_mid[index] = (bid + ask) * 0.5
        return last_mid

    def _mids_for_fills(self) -> list[float]:
        """`_update_mids`, as a list of its own (the blotter keeps it)."""
        return self._update_mids().copy()

    def _pnl_at(self, mids: list[float]) -> float:
        """Mark-to-market PnL at ``mids`` in the run's numeraire, fees included (`Accounts.pnl`)."""
        return self.accounts.pnl(self.blotter, mids)

    def _far_touch(self, index: int, side: int) -> int:
        """The price a market order could reach, for the notional limit: the opposite best."""
        top = self.venue.top(index)
        price = top.ask_price if side == BUY else top.bid_price
        return price if price is not None else 1

    # -- internals ------------------------------------------------------------------------------------------
    def _reject_locally(self, order_id: int, reason: str) -> int:
        blotter = self.blotter
        blotter.reject(order_id, reason)
        instrument, side, price, _, _, _ = blotter.order(order_id)
        self._local_reports.append([self.now, instrument, order_id, OrderStatus.REJECTED, 0, side, price, 0, 0, 0, 0])
        return order_id

    def _side_name(self, side: int) -> Side:
        return "buy" if side == BUY else "sell"

    def _handle_reports(self, rows: npt.NDArray[np.int64]) -> None:
        """Settle a batch of reports; a strategy or listener that hears of each is told of them one at a time."""
        blotter = self.blotter
        settle, mids, refused = blotter.settle, self._mids_for_fills, self._refused_request
        if self._settle_quietly:
            settle(rows, mids, refused)
            return
        wants_updates = self._wants_order_updates
        for at, row in enumerate(rows.tolist()):
            outcome = settle(rows, mids, refused, at, at + 1)
            if outcome == _OUT_FILL:
                self._tell_fill()
            elif outcome == _OUT_UPDATE and wants_updates:
                ts, instrument, order_id, status, _, _, _, leaves = row[:8]
                self._tell_order(ts, instrument, order_id, _STATUS_NAMES[status], blotter.reason(order_id), leaves)

    def _refused_request(self, row: list[int]) -> None:
        """The venue refused a modify of a live order (a rejection that leaves quantity open): the order stands as
        the venue has it (the blotter has set it and the risk gate's count back); logged and told."""
        ts, instrument, order_id, _, reason, _, _, leaves = row[:8]
        why = f"modify refused by the venue: {_REASON_NAMES[OrderReason(reason)]}"
        self.log(f"order {order_id}: {why}")
        if self._wants_order_updates:
            _, _, _, _, filled, _ = self.blotter.order(order_id)
            standing: UpdateStatus = "partially-filled" if filled else "accepted"
            self._tell_order(ts, instrument, order_id, standing, why, leaves)

    def _tell_order(
        self, ts: int, instrument: int, order_id: int, status: UpdateStatus, reason: str | None, leaves: int
    ) -> None:
        """The strategy's `on_order`, with the update in its float units."""
        inst = self.instruments[instrument]
        self.strategy.on_order(
            self.context, _order_update(ts, inst.symbol, order_id, status, reason, inst.lots_to_qty(leaves))
        )

    def _tell_fill(self, at: int = -1) -> None:
        """The fill just settled (or fill number ``at``), to the fill listener and the strategy's `on_fill`."""
        (ts, index, order_id, side, price, qty, maker, lots, _), fee = self.blotter.fill(at)
        inst = self.instruments[index]
        fill = _fill(
            ts,
            inst.symbol,
            order_id,
            "buy" if side == BUY else "sell",
            inst.ticks_to_price(price),
            inst.lots_to_qty(qty),
            fee,
            maker != 0,
        )
        if self._on_fill_listener is not None:
            pnl = self._pnl_at(self._last_mid)  # (marked when the batch settled: the market stands still meanwhile)
            cash = self.accounts.cash(self.blotter, self._last_mid)
            self._on_fill_listener(FillEvent(fill, inst.lots_to_qty(lots), cash, pnl))
        if self._wants_fills:
            self.strategy.on_fill(self.context, fill)

    def _deliver_text(self, now: int) -> int:
        """Hand the strategy every text item received by ``now``, in order; the next item's time (or never)."""
        assert self._text is not None
        times, items = self._text.times, self._text.items
        on_text, context = self.strategy.on_text, self.context
        index = self._text_next
        while index < len(times) and times[index] <= now:
            self._text_next = index + 1
            on_text(context, items[index])
            index += 1
        return times[index] if index < len(times) else _FOREVER

    def _text_stats(self) -> dict[str, Any]:
        """The ``text`` stats: the feed's source, its items, how many were delivered (at the start, for those
        received before it), how many came at or after the end; ``ignored`` for a strategy without ``on_text``."""
        assert self._text is not None
        feed = self._text
        found: dict[str, Any] = {"source": feed.name, "items": len(feed)}
        if self._hears_text:
            found |= {
                "delivered": self._text_next,
                "before_start": self._text_before_start,
                "after_end": len(feed) - self._text_next,
            }
        else:
            found |= {"delivered": 0, "ignored": len(feed)}
        if feed.latency_ns:
            found["feed_latency_ms"] = feed.latency_ns / 1e6
        return found | feed.stats

    def _sample(self) -> None:
        total = 0.0
        mids = self._update_mids()
        pnls = self.accounts.instrument_pnls(self.blotter, mids)  # (in the numeraire)
        for index, inst in enumerate(self.instruments):
            mark = mids[index]
            pnl = pnls[index]
            total += pnl
            mid = mark * inst.tick_size if math.isfinite(mark) else math.nan
            self._equity_at.append(self.now)
            self._equity_instrument.append(index)
            self._equity_mid.append(mid)
            self._equity_position.append(self.position(index))
            self._equity_pnl.append(pnl)
        self._equity_ts.append(self.now)
        self._equity_total.append(total)
        journal = self._journal
        if journal is not None and len(self._equity_ts) - self._journaled_samples >= journal.every_samples:
            self._append_journal(journal)

    def _append_journal(self, journal: RecordJournal) -> None:
        """Append the fills and equity samples recorded since the last append to the run's journal."""
        fills = self.blotter.fill_count
        if fills > self._journaled_fills:
            journal.append("fills", self.blotter.fill_columns(self._journaled_fills, fills))
            self._journaled_fills = fills
        columns = self._equity_columns(self._journaled_samples * len(self.instruments))
        columns["instrument"] = np.array(self._symbols, dtype=object)[columns["instrument"]]
        journal.append("equity", columns)
        self._journaled_samples = len(self._equity_ts)

    def _equity_columns(self, first: int = 0) -> dict[str, Any]:
        """The equity rows from row ``first`` on as `EQUITY_COLUMNS`, ``instrument`` as each row's instrument index
        (copies: the samples may go on)."""
        return {
            "ts": np.array(self._equity_at[first:], dtype=np.int64),
            "instrument": np.array(self._equity_instrument[first:], dtype=np.int64),
            "mid": np.array(self._equity_mid[first:], dtype=np.float64),
            "position": np.array(self._equity_position[first:], dtype=np.float64),
            "pnl": np.array(self._equity_pnl[first:], dtype=np.float64),
        }

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
                _trade(trade.ts, inst.symbol, inst.ticks_to_price(trade.price), inst.lots_to_qty(trade.qty), side),
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

    def _stop_here(self) -> None:
        """Raise the stop a signal asked for (`STOP`): called at a safe point, between loop turns."""
        raise STOP.take()

    def _run(self) -> BacktestResult:
        self.now = start = self._start = self.venue.start()
        end = _FOREVER if self._duration_ns is None else start + self._duration_ns
        next_sample = start
        self.strategy.on_start(self.context)
        next_text = _FOREVER
        if self._hears_text:
            assert self._text is not None
            self._text_before_start = bisect_left(self._text.times, start)
            next_text = self._deliver_text(start)
        # (signal handlers run in the main thread: an engine in another thread is not theirs to stop)
        stop = STOP if threading.current_thread() is threading.main_thread() else StopRequest()
        stop.armed += 1
        try:
            if getattr(self.strategy, "compiled_hook", None) is not None:
                self._loop_compiled(start, end, next_sample, next_text, stop)
            else:
                self._loop(start, end, next_sample, next_text, stop)
        finally:
            stop.armed -= 1
        if stop.pending is not None:  # (asked for during the last turn: the run stops before its final records)
            self._stop_here()
        self.strategy.on_stop(self.context)
        while self._local_reports or self._refused_modifies:
            self._settle_local_reports()
        self._sample()
        self._check_a_book_formed()
        if self._on_progress is not None:
            self._on_progress(1.0)
        return self._result(start)

    def _loop(self, start: int, end: int, next_sample: int, next_text: int, stop: StopRequest) -> None:
        """The decision loop: one venue advance and what it brought per turn, a stop request honoured between
        turns (the only place a signal stops a run: see `StopRequest`)."""
        last_progress = -1.0
        finished = False
        # bound once: this loop turns once per decision
        advance_venue = self.venue.advance
        on_timer = self.strategy.on_timer
        on_trigger = self.strategy.on_trigger
        symbols = self._symbols
        context = self.context
        checks_loss = self._max_loss is not None
        on_progress = self._on_progress
        settle_quietly = self._settle_quietly
        settle = self.blotter.settle
        mids_for_fills = self._mids_for_fills
        refused_request = self._refused_request
        between_turns = self._between_turns
        while not finished:
            next_sample = between_turns(next_sample, end, stop)
            if next_sample < 0:
                break
            watch = self._watch
            if watch is None or watch.book_from != self._book_from:
                watch = self._watch = Watch(
                    tuple(self._watch_book),
                    tuple(self._watch_trades),
                    self._book_from,
                    reports=self._wants_reports,
                    acks=self._wants_order_updates,
                    rows=True,
                )
            now, reports, trades, book_changed, finished, rows, triggered = advance_venue(
                min(self._next_timer, next_sample, end, next_text), watch
            )
            self.now = now
            if rows is not None and settle_quietly:
                settle(rows, mids_for_fills, refused_request)
            elif rows is not None or reports:
                self._handle_reports(rows if rows is not None else _as_rows(reports))
            if trades or book_changed:
                self._dispatch_market(trades, book_changed)
            if triggered:
                for index, bits in triggered:
                    on_trigger(context, symbols[index], _fired(bits))
            if now >= next_text and now < end:  # (an item received at the end comes too late to act on)
                next_text = self._deliver_text(now)
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

    def _loop_compiled(self, start: int, end: int, next_sample: int, next_text: int, stop: StopRequest) -> None:
        """`_loop` for a strategy whose decisions are a numba hook (`hft_core.compiled`): the venue's compiled driver
        runs the turns (advance, settlement, the hook at each timer tick and trigger) between two equity samples,
        in the same order `_loop` does; Python runs the samples, the bounds and the services."""
        strategy: Any = self.strategy
        factory = getattr(self.venue, "compiled_driver", None)
        if factory is None:
            raise HftError(
                f"{self.venue.name} cannot run a compiled strategy: its hook runs inside the replay venue's compiled "
                "code (run it on recorded data, or write the strategy in Python)"
            )
        subscribed = any(self._watch_book) or any(self._watch_trades)
        refusals = [
            what
            for what, applies in (
                ("risk limits (its orders skip the risk gate)", self.risk.checks_orders or self._max_loss is not None),
                ("subscriptions (it wakes on its timer and triggers)", subscribed),
                ("a text feed", self._hears_text),
            )
            if applies
        ]
        if refusals:
            raise HftError(f"a compiled strategy runs without {' and '.join(refusals)}: remove them from the run")
        ignored = [hook for hook in _PYTHON_DECISIONS if _overrides(strategy, hook)]
        if ignored:
            raise HftError(
                f"{type(strategy).__name__} defines {', '.join(ignored)}, which a compiled strategy never calls: its "
                "hook makes the decisions (on_start and on_stop run in Python)"
            )
        driver = factory(self.blotter, strategy.compiled_hook, strategy.state, self._timer_ns, self._next_timer)
        blotter = self.blotter
        mids_for_fills, refused_request = self._mids_for_fills, self._refused_request

        def settle(rows: npt.NDArray[np.int64]) -> None:
            blotter.settle(rows, mids_for_fills, refused_request)

        last_progress = -1.0
        finished = False
        fills_told = blotter.fill_count
        tells_fills = self._on_fill_listener is not None
        try:
            while not finished:
                next_sample = self._between_turns(next_sample, end, stop)
                if next_sample < 0:
                    break
                finished = driver.run(
                    min(next_sample, end, next_text), self._last_mid, settle, refused_request, mids_for_fills
                )
                self.now = driver.now
                if tells_fills:
                    for at in range(fills_told, blotter.fill_count):
                        self._tell_fill(at)
                    fills_told = blotter.fill_count
                if self._on_progress is not None:
                    duration = self._duration_ns
                    done = self.venue.progress() if duration is None else (self.now - start) / duration
                    if done - last_progress >= 0.005:
                        last_progress = done
                        self._on_progress(min(1.0, done))
        finally:
            driver.close()
            if self._timer_ns is not None:
                self._next_timer = driver.next_timer
            strategy.decisions = driver.decisions

    def _between_turns(self, next_sample: int, end: int, stop: StopRequest) -> int:
        """What each turn of the loop starts with: a stop asked for, the engine's own reports, the equity sample when
        due. Returns the next sample's time, or -1 when the run has reached ``end``."""
        if stop.pending is not None:
            self._stop_here()
        while self._local_reports or self._refused_modifies:
            self._settle_local_reports()
        now = self.now
        if now >= next_sample:
            self._sample()
            next_sample += self._sample_ns * max(1, (now - next_sample) // self._sample_ns + 1)
        return -1 if now >= end else next_sample

    def _check_a_book_formed(self) -> None:
        """A market that never showed a bid and an ask (checked at every equity sample) gave the strategy nothing
        to trade on: an error, not an empty run marked complete (e.g. a price of 1e300 or a tick of 1e-300)."""
        never = [symbol for symbol, mid in zip(self._symbols, self._last_mid, strict=True) if math.isnan(mid)]
        if never:
            raise HftError(
                f"the market never formed a book: {', '.join(never)} had no bid and ask at any sample of the run "
                f"on {self.venue.name} (check the market's price, tick_size and liquidity, or the data)"
            )

    def partial_result(self) -> BacktestResult | None:
        """What the run has recorded so far (for an interrupted run), or None if it never started.

        A signal interrupts whatever Python was running, possibly the venue halfway through updating a book: the
        closing equity sample reads the venue, so one that fails is left out (the samples taken before stand)."""
        if self._start is None:
            return None
        with contextlib.suppress(Exception):  # (the venue may be mid-update; what was recorded before is intact)
            self._sample()
        return self._result(self._start)

    def _settle_acknowledgements(self) -> None:
        """Mark "accepted" the open orders whose acknowledgement the venue left out (`Watch.acks`) but had sent."""
        # A venue written before `acknowledged` joined the protocol reports every acceptance: nothing to settle
        # (and a long run must not fail at its very end for want of the method).
        acknowledged = getattr(self.venue, "acknowledged", None)
        if acknowledged is None:
            return
        blotter = self.blotter
        for order_id in blotter.open_orders(None, len(self.instruments)):
            if blotter.status(order_id) == "sent" and acknowledged(order_id):
                blotter.set_status(order_id, "accepted")

    def _settle_local_reports(self) -> None:
        pending, self._local_reports = self._local_reports, []
        if pending:
            self._handle_reports(_as_rows(pending))
        refused, self._refused_modifies = self._refused_modifies, []
        for ts, instrument, order_id, why in refused:
            if self._wants_order_updates and self.blotter.open_instrument(order_id) >= 0:
                _, _, _, qty_now, filled, _ = self.blotter.order(order_id)
                standing: UpdateStatus = "partially-filled" if filled else "accepted"
                self._tell_order(ts, instrument, order_id, standing, why, qty_now - filled)

    def _result(self, start: int) -> BacktestResult:
        """The run's frames and stats (definitions: `hft_core.engine.stats`)."""
        self._settle_acknowledgements()
        blotter = self.blotter
        blotter.compact()  # (the tables' unused room goes before the frames are made beside them)
        fills = with_time(blotter.fills_table())
        n_fills = blotter.fill_count
        fill_instruments = blotter.fills_i[:n_fills, _SL_INST]
        fill_sides = blotter.fills_i[:n_fills, _SL_SIDE]
        multipliers = [inst.multiplier for inst in self.instruments]
        trips = coded_round_trips_frame(fills, self._symbols, fill_instruments, fill_sides, multipliers)
        sampled = self._equity_columns()
        sampled_instruments = sampled["instrument"]
        sampled["instrument"] = labels(self._symbols, sampled_instruments)
        equity = with_time(pd.DataFrame(sampled, columns=list(EQUITY_COLUMNS), copy=False))
        del sampled
        accepted, filled_orders, rejected = blotter.order_counts()
        # the orders' codes, read from the blotter: the table's string columns cost a conversion per use (tens of ms
        # for a quoting run's orders); each is the code its label was made from
        codes = blotter.orders[: len(blotter)]
        status = codes[:, _SO_STATUS]
        rejected_rows = np.flatnonzero(status == _SS_REJECTED)
        resting = np.isin(codes[:, _SO_TYPE], run_stats.RESTING_ORDER_TYPES) & (status != _SS_REJECTED)
        qty = fills["qty"].to_numpy(dtype=np.float64)
        price = fills["price"].to_numpy(dtype=np.float64)
        max_inventory = max(map(abs, self._equity_position), default=0.0)
        if n_fills:
            max_inventory = max(max_inventory, float(np.abs(fills["position"].to_numpy(dtype=np.float64)).max()))
        fees_paid, rebates, fees_net = run_stats.fee_totals(fills["fee"].to_numpy(dtype=np.float64))
        sharpe_1min, minutes = run_stats.sampled_sharpe(self._equity_ts, self._equity_total, 60 * _NS)
        sharpe_1d, days = run_stats.sampled_sharpe(self._equity_ts, self._equity_total, 86_400 * _NS)
        stats: dict[str, Any] = {
            # PnL and costs
            "pnl": round(self._equity_total[-1], 10) if self._equity_total else 0.0,
            "fees_paid": round(fees_paid, 10),
            "rebates_received": round(rebates, 10),
            "fees_net": round(fees_net, 10),
            "max_drawdown": round(run_stats.max_drawdown(self._equity_total), 10),
            "sharpe_1min": None if sharpe_1min is None else round(sharpe_1min, 6),
            "sharpe_1min_samples": minutes,
            "sharpe_1d_annualised": None if sharpe_1d is None else round(sharpe_1d * math.sqrt(365), 6),
            "sharpe_1d_samples": days,
            "round_trips": run_stats.round_trip_summary(
                trips["pnl"].to_numpy(dtype=np.float64), trips["holding_s"].to_numpy(dtype=np.float64)
            ),
            # execution quality
            "fills": n_fills,
            "volume": round(run_stats.sequential_sum(qty), 10),
            "notional": round(run_stats.sequential_sum(price * qty), 6),
            "orders": len(blotter),
            "rejected": rejected,
            "rejected_by_reason": run_stats.reason_counts([blotter.reason(row + 1) for row in rejected_rows.tolist()]),
            "fill_ratio": round(filled_orders / accepted, 6) if accepted else 0.0,
            "order_to_trade": round(len(blotter) / n_fills, 6) if n_fills else None,
            # (instruments as the engine's indices: no Python string per fill)
            **run_stats.fill_quality(
                fills["ts"].to_numpy(dtype=np.int64),
                fill_instruments,
                fill_sides,
                price,
                qty,
                np.array(multipliers, dtype=np.float64)[fill_instruments],
                equity["ts"].to_numpy(dtype=np.int64),
                sampled_instruments,
                equity["mid"].to_numpy(dtype=np.float64),
            ),
            # inventory and risk
            "max_inventory": max_inventory,
            "final_position": {s: self.position(i) for i, s in enumerate(self._symbols)},
            "quote_uptime": run_stats.coded_quote_uptimes(
                self._symbols,
                codes[:, _SO_INST],
                codes[:, _SO_TS],
                codes[:, _SO_DONE_TS],
                codes[:, _SO_SIDE],
                resting,
                start,
                self.now,
            ),
            "kill_switch": self.risk.killed,
            # the run
            "duration_s": (self.now - start) / _NS,
            "venue": self.venue.name,
        }
        stats.update(self.accounts.stats(blotter))  # numeraire, balances per asset, conversion paths
        if self._text is not None:
            stats["text"] = self._text_stats()
        # The orders' frame last, as no stat reads it: a long run's peak memory is at its making, and the stats'
        # scratch arrays come and go before it.
        orders = with_time(blotter.orders_table())
        return BacktestResult(orders, fills, equity, stats, list(self._logs), trips, self.series.frame())


_FIRED: dict[int, TriggerFired] = {}


def _fired(bits: int) -> TriggerFired:
    """``bits`` as a `TriggerFired` (made once per combination: the flag's constructor is slow)."""
    fired = _FIRED.get(bits)
    if fired is None:
        fired = _FIRED[bits] = TriggerFired(bits)
    return fired


def trigger_spec(trigger: Trigger, inst: Instrument) -> TriggerSpec:
    """``trigger`` on ``inst``'s grid, in the venue's integer units: a level is met exactly when the float condition
    is (a mid of ``bid + ask`` half ticks is >= ``mid_above`` once ``bid + ask`` >= the price in half ticks rounded
    up; a size is below ``best_qty_below`` when its lots are below it in lots, rounded up)."""

    def half_ticks(price: float, rounding: Rounding) -> int:
        return inst.price_to_ticks(2 * price, rounding)  # (twice the price in ticks: the mid's half ticks)

    return TriggerSpec(
        int(trigger.conditions),
        mid_ticks=trigger.mid_ticks,
        microprice_ticks=float(trigger.microprice_ticks),
        mid_above=half_ticks(trigger.mid_above, "up") if trigger.mid_above is not None else 0,
        mid_below=half_ticks(trigger.mid_below, "down") if trigger.mid_below is not None else 0,
        best_qty_below=math.ceil(trigger.best_qty_below / inst.lot_size - 1e-9) if trigger.best_qty_below else 0,
        imbalance=float(trigger.imbalance or 0.0),
        trade_above=inst.price_to_ticks(trigger.trade_above, "up") if trigger.trade_above is not None else 0,
        trade_below=inst.price_to_ticks(trigger.trade_below, "down") if trigger.trade_below is not None else 0,
    )


def _as_rows(reports: Sequence[Sequence[int]]) -> npt.NDArray[np.int64]:
    """Reports as report rows: a venue's `Report` objects (if it delivers no rows itself), or the engine's own."""
    return np.array(reports, dtype=np.int64).reshape(len(reports), REPORT_ROW_SIZE)


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
        # `Engine.cancel`, inlined: a call less for every cancel
        engine = self._engine
        instrument = engine.blotter.open_instrument(order_id)
        if instrument >= 0:
            engine.venue.cancel(engine.now, instrument, order_id)

    def cancel_all(self, instrument: str | None = None) -> None:
        self._engine.cancel_all(None if instrument is None else self._engine.instrument_index(instrument))

    def modify(self, order_id: int, *, price: float | None = None, qty: float | None = None) -> None:
        self._engine.modify(order_id, price, qty)

    def open_orders(self, instrument: str | None = None) -> list[int]:
        engine = self._engine
        index = None if instrument is None else engine.instrument_index(instrument)
        return engine.blotter.open_orders(index, len(engine.instruments))

    def order_status(self, order_id: int) -> OrderState | None:
        return self._engine.order_status(order_id)

    def set_timer(self, interval_s: float) -> None:
        self._engine.set_timer(interval_s)

    def subscribe(self, instrument: str | None = None, *, trades: bool = False, throttle_s: float = 0.0) -> None:
        self._engine.subscribe(self._engine.instrument_index(instrument), trades, throttle_s)

    def set_trigger(self, trigger: Trigger | None, instrument: str | None = None) -> None:
        self._engine.set_trigger(self._engine.instrument_index(instrument), trigger)

    def log(self, message: str) -> None:
        self._engine.log(message)

    def record(self, name: str, value: float) -> None:
        engine = self._engine
        engine.series.record(engine.now, name, value)
