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
- ``on_stop(ctx)`` once, at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol

if TYPE_CHECKING:
    from hft_core.instruments import Instrument
    from hft_core.risk import RiskLimits
    from hft_core.text.items import TextItem

__all__ = [
    "BookView",
    "Context",
    "Fill",
    "OrderStatus",
    "OrderUpdate",
    "Side",
    "Strategy",
    "TimeInForce",
    "Trade",
]

Side = Literal["buy", "sell"]
TimeInForce = Literal["gtc", "ioc", "fok", "post-only"]
OrderStatus = Literal["accepted", "rejected", "cancelled", "filled", "partially-filled", "expired"]


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
    def set_timer(self, interval_s: float) -> None:
        """Call ``on_timer`` every ``interval_s`` seconds of market time (replaces any earlier timer)."""
        ...

    def subscribe(self, instrument: str | None = None, *, trades: bool = False, throttle_s: float = 0.0) -> None:
        """Call ``on_book`` on top-of-book changes (at most once per ``throttle_s``) and optionally ``on_trade``."""
        ...

    def log(self, message: str) -> None: ...


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

    def on_stop(self, ctx: Context) -> None:
        """Called once after the last event."""
