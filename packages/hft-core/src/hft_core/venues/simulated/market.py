"""What a background participant sees of its market: the exchange book, the latent fair value and the clock.

Participants and the simulated venue meet here, so neither imports the other's internals. A participant reads the
matching engine's book directly (what it acts on may already be stale by the time its message arrives: that is its
latency), asks for the fair value its market believes in, schedules its own wake-ups and sends `Message` records
that reach the venue's gateway at the time it names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

from hft_core.matching import MatchingEngine, OrderType

__all__ = [
    "OP_CANCEL",
    "OP_MODIFY",
    "OP_STRATEGY_CANCEL",
    "OP_STRATEGY_MODIFY",
    "OP_STRATEGY_SUBMIT",
    "OP_SUBMIT",
    "EntryCallback",
    "Handler",
    "MarketAccess",
    "Message",
    "TopObserver",
    "VenueMarketAccess",
]

OP_SUBMIT = 1
OP_CANCEL = 2
OP_MODIFY = 3
OP_STRATEGY_SUBMIT = 4
OP_STRATEGY_CANCEL = 5
OP_STRATEGY_MODIFY = 6

Handler = Callable[[int, Any], None]
"""A scheduled callback: called with the exchange time (ns) it was scheduled for and the argument given."""

TopObserver = Callable[[int, "int | None", "int | None"], None]
"""Told of a market's new best prices: ``(exchange time ns, best bid ticks or None, best ask ticks or None)``."""

EntryCallback = Callable[[int, int], None]
"""Called when the matching engine has processed a submit: ``(exchange time ns, engine order id)``."""


class Message(NamedTuple):
    """One request to a venue's matching engine (the fields an operation does not use stay 0).

    ``order_id`` is the engine's order id for background participants (cancel, modify) and the strategy's own
    order id for the ``OP_STRATEGY_*`` operations, which the venue translates. ``on_entered`` (submits only) lets
    a participant learn the engine id of its new order, e.g. to schedule its cancellation. ``sent_ns`` and
    ``arrived_ns`` (-1 = not noted) are filled in by a venue that keeps a message log
    (`SimulatedVenue.record_messages`): when the sender sent it and when it reached the gateway.
    """

    op: int
    owner: int
    side: int = 0
    order_type: OrderType = OrderType.LIMIT
    price: int = 0
    qty: int = 0
    order_id: int = 0
    on_entered: EntryCallback | None = None
    sent_ns: int = -1
    arrived_ns: int = -1


class MarketAccess(Protocol):
    """One market (an instrument on a venue) as its background participants use it."""

    @property
    def index(self) -> int:
        """The market's instrument index in the venue (`SimulatedVenue.instruments`)."""
        ...

    @property
    def engine(self) -> MatchingEngine:
        """The exchange-side book; participants only query it (best prices, depth, their orders)."""
        ...

    def fair_ticks(self, t: int) -> float:
        """The latent fair value in (fractional) ticks as this market's participants believe it at time ``t``."""
        ...

    def schedule(self, t: int, handler: Handler, arg: Any = None) -> None:
        """Call ``handler(t, arg)`` at exchange time ``t`` (ties run in scheduling order)."""
        ...

    def send(self, t: int, message: Message) -> None:
        """``message`` reaches the venue's gateway at time ``t`` (the sender adds its own latency to ``t``)."""
        ...


class VenueMarketAccess(MarketAccess, Protocol):
    """A market that also lets its participants watch another market of the same venue (a lead venue's prices)."""

    def observe_top(self, index: int, observer: TopObserver) -> None:
        """Call ``observer(t, best_bid, best_ask)`` at exchange time ``t`` whenever market ``index``'s best prices
        change; what the observer does with it (after its own feed latency) is its business."""
        ...
