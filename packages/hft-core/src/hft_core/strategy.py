"""The strategy API: a small Python class whose hooks the engine calls per decision, never per market event.

A strategy subclasses `Strategy` and overrides the hooks it needs. It acts through the `Context` the engine
passes in. The same class runs unchanged on the replay venue and on the simulated market.

The engine calls:

- ``on_start(ctx)`` once, before any event — set timers and subscriptions here;
- ``on_timer(ctx)`` every ``ctx.set_timer`` interval (market time);
- ``on_book(ctx, instrument)`` when the top of book of a subscribed instrument changes (``ctx.subscribe``),
  at most once per ``throttle_ns``;
- ``on_trade(ctx, trade)`` for public trades of a subscribed instrument;
- ``on_fill(ctx, fill)`` for each of the strategy's own fills;
- ``on_order(ctx, update)`` for acks, rejects (with the risk gate's or venue's reason) and cancels;
- ``on_text(ctx, item)`` for each item of the run's text feed (`hft_core.text`), at its receipt time, never before;
- ``on_trigger(ctx, instrument, fired)`` when a `Trigger` set with ``ctx.set_trigger`` fires: the venue evaluates it
  at every market event in its own compiled (or plain) code, and Python runs only when it fires;
- ``on_stop(ctx)`` once, at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntFlag
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol

if TYPE_CHECKING:
    from hft_core.instruments import Instrument
    from hft_core.risk import RiskLimits
    from hft_core.text.items import TextItem

__all__ = [
    "BookView",
    "Context",
    "Fill",
    "OrderState",
    "OrderStatus",
    "OrderUpdate",
    "Side",
    "Strategy",
    "TimeInForce",
    "Trade",
    "Trigger",
    "TriggerFired",
]

Side = Literal["buy", "sell"]
TimeInForce = Literal["gtc", "ioc", "fok", "post-only"]
OrderStatus = Literal["accepted", "rejected", "cancelled", "filled", "partially-filled", "expired"]
OrderState = Literal["sent", "accepted", "partially-filled", "filled", "cancelled", "expired", "rejected"]
"""Where one of the strategy's orders stands (`Context.order_status`): ``sent`` until its acknowledgement has come
back, then an `OrderStatus`."""


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution of the strategy's own order, in float units at the edge."""

    ts: int
    instrument: str
    order_id: int
    side: Side
    price: float
    qty: float
    fee: float
    maker: bool


@dataclass(frozen=True, slots=True)
class Trade:
    """A public trade on a subscribed instrument; ``side`` is the aggressor's side when known."""

    ts: int
    instrument: str
    price: float
    qty: float
    side: Side | None


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """A change in one of the strategy's orders; ``reason`` is set on rejections and explains them.

    A modify the venue refuses leaves the order as it was: its update keeps the order's status ("accepted" or
    "partially-filled") and gives the refusal as ``reason`` ("modify refused by the venue: ...").
    """

    ts: int
    instrument: str
    order_id: int
    status: OrderStatus
    reason: str | None = None
    remaining_qty: float = 0.0


class TriggerFired(IntFlag):
    """Which conditions of a `Trigger` fired (``on_trigger``'s ``fired``); several may fire at one event."""

    MID = 1
    MICROPRICE = 2
    MID_ABOVE = 4
    MID_BELOW = 8
    BEST_QTY = 16
    IMBALANCE = 32
    TRADE_ABOVE = 64
    TRADE_BELOW = 128
    FILL = 256
    REJECT = 512


@dataclass(frozen=True, slots=True)
class Trigger:
    """When a strategy wants to wake for one instrument (`Context.set_trigger`); the conditions set are OR-ed.

    The venue evaluates the trigger after every market event of the instrument as the strategy sees it (after feed
    latency), in its own code (the replay venue's compiled kernel), and calls ``on_trigger`` at the first one where
    a condition fires, with every condition that fired there (everything else at that time is applied first).
    Triggers are not throttled. The reference of ``mid_ticks`` and ``microprice_ticks`` is the book as the strategy
    saw it when the trigger was set or last fired.

    - ``mid_ticks``: the mid moved by at least this many ticks since the trigger last fired (or was set);
    - ``microprice_ticks``: the microprice (the size-weighted mid of the best levels) moved by at least this much;
    - ``mid_above`` / ``mid_below``: the mid became >= / <= this price (a level crossed: it fires again only after
      the mid has been on the other side);
    - ``best_qty_below``: the best bid's or ask's size became smaller than this (an empty side counts 0);
    - ``imbalance``: |bid size − ask size| / (bid size + ask size) at the best levels became >= this (in (0, 1]);
    - ``trade_above`` / ``trade_below``: a public trade printed at or above / at or below this price;
    - ``fills`` / ``rejects``: a report of a fill / a rejection of one of the strategy's orders of this instrument.

    ``a | b`` is a trigger with both's conditions (the smaller of two move thresholds; other conditions set in both
    must agree). Prices and sizes are floats, put on the instrument's grid when the trigger is set.
    """

    mid_ticks: int = 0
    microprice_ticks: float = 0.0
    mid_above: float | None = None
    mid_below: float | None = None
    best_qty_below: float | None = None
    imbalance: float | None = None
    trade_above: float | None = None
    trade_below: float | None = None
    fills: bool = False
    rejects: bool = False

    def __post_init__(self) -> None:
        if self.mid_ticks < 0 or self.microprice_ticks < 0:
            raise ValueError("mid_ticks and microprice_ticks must be >= 0 (0: not a condition)")
        if self.imbalance is not None and not 0 < self.imbalance <= 1:
            raise ValueError(f"imbalance must lie in (0, 1], got {self.imbalance}")
        if not self.conditions:
            raise ValueError("a trigger needs at least one condition")

    @property
    def conditions(self) -> TriggerFired:
        """The conditions this trigger sets."""
        set_ = TriggerFired(0)
        for name, flag in _CONDITIONS:
            value = getattr(self, name)
            if value is not None and value is not False and value != 0:
                set_ |= flag
        return set_

    def __or__(self, other: Trigger) -> Trigger:
        merged: dict[str, object] = {}
        for field in fields(self):
            mine, theirs = getattr(self, field.name), getattr(other, field.name)
            if field.name in ("mid_ticks", "microprice_ticks"):
                merged[field.name] = min((v for v in (mine, theirs) if v), default=0)
            elif field.name in ("fills", "rejects"):
                merged[field.name] = mine or theirs
            elif mine is not None and theirs is not None and mine != theirs:
                raise ValueError(f"cannot combine triggers with {field.name}={mine!r} and {field.name}={theirs!r}")
            else:
                merged[field.name] = mine if mine is not None else theirs
        return Trigger(**merged)  # type: ignore[arg-type]


_CONDITIONS = (
    ("mid_ticks", TriggerFired.MID),
    ("microprice_ticks", TriggerFired.MICROPRICE),
    ("mid_above", TriggerFired.MID_ABOVE),
    ("mid_below", TriggerFired.MID_BELOW),
    ("best_qty_below", TriggerFired.BEST_QTY),
    ("imbalance", TriggerFired.IMBALANCE),
    ("trade_above", TriggerFired.TRADE_ABOVE),
    ("trade_below", TriggerFired.TRADE_BELOW),
    ("fills", TriggerFired.FILL),
    ("rejects", TriggerFired.REJECT),
)


class BookView(Protocol):
    """A read-only view of an instrument's book as the strategy currently sees it (after feed latency)."""

    @property
    def best_bid(self) -> float | None: ...
    @property
    def best_ask(self) -> float | None: ...
    @property
    def best_bid_qty(self) -> float: ...
    @property
    def best_ask_qty(self) -> float: ...
    @property
    def mid(self) -> float | None: ...
    @property
    def spread(self) -> float | None: ...
    def depth(self, side: str, levels: int = 5) -> list[tuple[float, float]]:
        """Up to ``levels`` (price, size) pairs of ``side`` ("bid" or "ask"), best first."""
        ...

    def imbalance(self, levels: int = 1) -> float:
        """(bid volume − ask volume) / (bid + ask volume) over the top ``levels``, in [−1, 1]; 0 when empty."""
        ...


class Context(Protocol):
    """What a strategy can see and do. Prices and sizes are floats here; the engine puts them on the grid."""

    @property
    def now(self) -> int:
        """Current market time in ns since the epoch."""
        ...

    @property
    def instruments(self) -> tuple[str, ...]:
        """The symbols available in this run; the first is the default for calls that omit ``instrument``."""
        ...

    def instrument_spec(self, instrument: str | None = None) -> Instrument:
        """Tick size, lot size, multiplier and fees of an instrument."""
        ...

    def book(self, instrument: str | None = None) -> BookView: ...
    def position(self, instrument: str | None = None) -> float: ...
    def pnl(self) -> float:
        """Total mark-to-market PnL so far, fees included."""
        ...

    def buy(
        self, qty: float, price: float | None = None, *, instrument: str | None = None, tif: TimeInForce = "gtc"
    ) -> int:
        """Send a buy order (``price=None`` = market); returns its order id. Outcome arrives via ``on_order``."""
        ...

    def sell(
        self, qty: float, price: float | None = None, *, instrument: str | None = None, tif: TimeInForce = "gtc"
    ) -> int: ...
    def cancel(self, order_id: int) -> None: ...
    def cancel_all(self, instrument: str | None = None) -> None: ...
    def modify(self, order_id: int, *, price: float | None = None, qty: float | None = None) -> None: ...
    def open_orders(self, instrument: str | None = None) -> list[int]: ...
    def order_status(self, order_id: int) -> OrderState | None:
        """Where order ``order_id`` stands now, as the strategy would know it from its reports: ``sent`` until the
        venue's acknowledgement has come back (an order still ``sent`` may not be resting yet), then ``accepted``,
        ``partially-filled``, ``filled``, ``cancelled``, ``expired`` or ``rejected``; None for an id this run never
        gave. It costs no ``on_order`` call per report: a strategy that only needs to skip its unacknowledged
        orders can ask here instead of hearing every report."""
        ...

    def set_timer(self, interval_s: float) -> None:
        """Call ``on_timer`` every ``interval_s`` seconds of market time (replaces any earlier timer)."""
        ...

    def subscribe(self, instrument: str | None = None, *, trades: bool = False, throttle_s: float = 0.0) -> None:
        """Call ``on_book`` on top-of-book changes (at most once per ``throttle_s``) and optionally ``on_trade``."""
        ...

    def set_trigger(self, trigger: Trigger | None, instrument: str | None = None) -> None:
        """Call ``on_trigger`` whenever ``trigger`` fires for ``instrument`` (None: stop); replaces the instrument's
        earlier trigger. Its references and edges start from the book as it stands now."""
        ...

    def log(self, message: str) -> None: ...
    def record(self, name: str, value: float) -> None:
        """Record ``value`` of the series ``name`` at ``now`` (the run's ``series.parquet``, drawn by ``hft report``).

        ``name``: an identifier of at most 32 characters (letters, digits, ``_``), optionally ``group.part``:
        the report draws the series of one group (the part before the dot) in one panel. At most 32 distinct names
        a run; a bad name, a 33rd name or a value that is not a finite number raises `ValueError`.
        """
        ...


class Strategy:
    """Base class: every hook is a no-op, so a strategy overrides only what it uses."""

    simulator_only: ClassVar[bool] = False
    """True for strategies that must never trade anywhere but the simulated market (the engine enforces it)."""

    def risk_limits(self, instruments: tuple[Instrument, ...]) -> RiskLimits | None:
        """The pre-trade limits this strategy wants (in lots of ``instruments``), or None for none.

        Called once before ``on_start``; limits passed to the engine explicitly take precedence.
        """
        return None

    def on_start(self, ctx: Context) -> None:
        """Called once before the first event."""

    def on_book(self, ctx: Context, instrument: str) -> None:
        """Called when a subscribed instrument's top of book changes."""

    def on_trade(self, ctx: Context, trade: Trade) -> None:
        """Called for public trades of a subscribed instrument (``subscribe(trades=True)``)."""

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        """Called for each fill of the strategy's own orders."""

    def on_order(self, ctx: Context, update: OrderUpdate) -> None:
        """Called when one of the strategy's orders is accepted, rejected, cancelled or expires."""

    def on_timer(self, ctx: Context) -> None:
        """Called every timer interval set with ``ctx.set_timer``."""

    def on_text(self, ctx: Context, item: TextItem) -> None:
        """Called for each item of the run's text feed at its receipt time (``ctx.now == item.received_ns``, or
        later for an item received before the run started). Only a strategy that overrides it is woken for text."""

    def on_trigger(self, ctx: Context, instrument: str, fired: TriggerFired) -> None:
        """Called when the `Trigger` set for ``instrument`` (``ctx.set_trigger``) fires; ``fired``: which conditions."""

    def on_stop(self, ctx: Context) -> None:
        """Called once after the last event."""
