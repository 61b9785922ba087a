"""Latency racers: the participants of a lead–lag market, each with its own latency to each venue.

A lead venue's price is driven by the fair value (its liquidity providers and value trader see it at once); a
lagging venue trades the same instrument. The two participants here live on the lagging venue and watch the lead:

- `LaggingMaker` quotes the lagging venue around the lead's mid and requotes when the lead moves, but only
  ``feed_latency`` (lead → maker) plus ``order_latency`` (maker → lagging venue) later. Until its cancel and new
  quote arrive, its old quote is stale.
- `Sniper` watches the same lead prices with its own ``feed_latency`` and, when a resting quote on the lagging
  venue is off the lead's mid by at least ``threshold_ticks``, sends an immediate-or-cancel order at that
  quote's price, arriving ``order_latency`` later. Several snipers with different latencies race each other and
  the maker's cancel: the first message processed wins, the others' IOCs expire (or take what is left).

Every latency is a `hft_core.venues.simulated.latency.Latency` (a base and a seeded jitter), drawn on an
order-keeping `Link` from the racer's own random stream. Racers read their own market's book directly at decision
time, as every background participant does (what they act on may be stale by the time their message arrives:
that is their latency). They see the lead only through `VenueMarketAccess.observe_top`, delayed by their feed
link. All prices are integer ticks, sizes integer lots, times integer ns.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import ClassVar, cast

from hft_core.events import BUY, SELL
from hft_core.matching import OrderType
from hft_core.venues.simulated.latency import Latency, Link
from hft_core.venues.simulated.market import (
    OP_CANCEL,
    OP_SUBMIT,
    EntryCallback,
    MarketAccess,
    Message,
    VenueMarketAccess,
)
from hft_core.venues.simulated.participants import Participant, ParticipantSpec

__all__ = ["LaggingMaker", "Sniper"]

_NS_PER_S = 1_000_000_000
_POST_ONLY = OrderType.POST_ONLY
_IOC = OrderType.IOC


def _check(kind: str, condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(f"{kind}: {message}")


def _lead_mid2(bid: int | None, ask: int | None) -> int | None:
    """The lead's mid, doubled (bid + ask) so it stays an integer; None without both sides."""
    if bid is None or ask is None:
        return None
    return bid + ask


def _venue_access(market: MarketAccess, kind: str) -> VenueMarketAccess:
    if not hasattr(market, "observe_top"):
        raise TypeError(f"{kind} needs a market that can observe another one (observe_top)")
    return cast(VenueMarketAccess, market)


# -- the maker on the lagging venue -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LaggingMaker(ParticipantSpec):
    """Quotes the lagging venue around the lead's mid; requotes after its own latency when the lead moves.

    Its bid is ``floor(m − half_spread_ticks)`` and its ask ``ceil(m + half_spread_ticks)`` for the lead's mid
    ``m`` (in ticks) as it last saw it, ``size`` lots each. It learns of a new lead mid ``feed_latency`` after the
    lead's engine printed it; if either target price changed, or one of its quotes is gone (traded), it sends a
    cancel of the old quote and a new one, which reach the lagging venue ``order_latency`` later. Before the lead
    has shown both sides it quotes around its own market's fair value. Its quotes are post-only: one that would
    cross its own market's book on arrival (a slower participant's stale quote) is refused, not traded, and the
    maker quotes again on the next lead move it sees (a maker makes; taking is the snipers' part).
    """

    kind: ClassVar[str] = "lagging-maker"
    lead: int = 0
    half_spread_ticks: float = 1.0
    size: int = 10
    feed_latency: Latency = field(default_factory=lambda: Latency(100_000))
    order_latency: Latency = field(default_factory=lambda: Latency(100_000))

    def __post_init__(self) -> None:
        _check(
            self.kind, isinstance(self.lead, int) and self.lead >= 0, f"lead must be a market index, got {self.lead!r}"
        )
        _check(
            self.kind,
            math.isfinite(self.half_spread_ticks) and self.half_spread_ticks >= 0,
            f"half_spread_ticks must be a finite number >= 0, got {self.half_spread_ticks!r}",
        )
        _check(
            self.kind, isinstance(self.size, int) and self.size >= 1, f"size must be an integer >= 1, got {self.size!r}"
        )
        for name in ("feed_latency", "order_latency"):
            _check(self.kind, isinstance(getattr(self, name), Latency), f"{name} must be a Latency")

    def create(self, market: MarketAccess, owner: int, rng: random.Random) -> Participant:
        return _LaggingMakerAgent(self, _venue_access(market, self.kind), owner, rng)


class _LaggingMakerAgent:
    __slots__ = ("_ask", "_bid", "_feed", "_generation", "_market", "_orders", "_owner", "_rng", "_spec", "_targets")

    def __init__(self, spec: LaggingMaker, market: VenueMarketAccess, owner: int, rng: random.Random) -> None:
        self._spec = spec
        self._market = market
        self._owner = owner
        self._rng = rng
        self._feed = Link(spec.feed_latency, rng)
        self._orders = Link(spec.order_latency, rng)
        self._bid = 0  # engine ids of its current quotes (0 = none, or not entered yet)
        self._ask = 0
        self._generation = 0  # one per quoting round; a quote entered after a newer round is cancelled at once
        self._targets: tuple[int, int] = (0, 0)

    def start(self, t0: int, end: int) -> None:
        market = self._market
        market.observe_top(self._spec.lead, self._lead_moved)
        fair2 = round(2.0 * market.fair_ticks(t0))
        self._quote(t0, fair2, opening=True)

    def _lead_moved(self, t: int, bid: int | None, ask: int | None) -> None:
        mid2 = _lead_mid2(bid, ask)
        if mid2 is not None:
            self._market.schedule(self._feed.arrival(t), self._seen, mid2)

    def _seen(self, t: int, mid2: int) -> None:
        self._quote(t, mid2, opening=False)

    def _quote(self, t: int, mid2: int, *, opening: bool) -> None:
        spec = self._spec
        mid = 0.5 * mid2
        targets = (math.floor(mid - spec.half_spread_ticks), math.ceil(mid + spec.half_spread_ticks))
        engine = self._market.engine
        bid_live = self._bid != 0 and engine.order(self._bid) is not None
        ask_live = self._ask != 0 and engine.order(self._ask) is not None
        if targets == self._targets and bid_live and ask_live:
            return
        self._targets = targets
        self._generation += 1
        generation = self._generation
        arrival = t if opening else self._orders.arrival(t)
        send = self._market.send
        owner = self._owner
        for order_id in (self._bid, self._ask):
            if order_id:
                send(arrival, Message(OP_CANCEL, owner, order_id=order_id))
        self._bid = self._ask = 0

        def entered(side: int) -> EntryCallback:
            def callback(t_entered: int, engine_order_id: int) -> None:
                if generation != self._generation:  # superseded while in flight: pull it
                    self._market.send(
                        self._orders.arrival(t_entered), Message(OP_CANCEL, owner, order_id=engine_order_id)
                    )
                elif side == BUY:
                    self._bid = engine_order_id
                else:
                    self._ask = engine_order_id

            return callback

        if targets[0] >= 1:
            send(arrival, Message(OP_SUBMIT, owner, BUY, _POST_ONLY, targets[0], spec.size, 0, entered(BUY)))
        send(arrival, Message(OP_SUBMIT, owner, SELL, _POST_ONLY, targets[1], spec.size, 0, entered(SELL)))


# -- the sniper ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Sniper(ParticipantSpec):
    """Takes quotes on its (lagging) market that the lead's mid has left behind, racing anyone else who saw it.

    On each lead mid it sees (``feed_latency`` after the lead printed it), it compares the lagging market's best
    ask and bid with the lead's mid ``m``: when ``ask <= m − threshold_ticks`` it sends an IOC buy limited to that
    ask, for up to ``size`` lots (no more than the level showed), and symmetrically sells a bid at or above
    ``m + threshold_ticks``. The order reaches the venue ``order_latency`` later. It fires at most once per lead
    mid it sees, and never twice at the same (side, price) within ``cooldown_ns``.
    """

    kind: ClassVar[str] = "sniper"
    lead: int = 0
    threshold_ticks: float = 1.0
    size: int = 10
    feed_latency: Latency = field(default_factory=lambda: Latency(50_000))
    order_latency: Latency = field(default_factory=lambda: Latency(50_000))
    cooldown_ns: int = 1_000_000

    def __post_init__(self) -> None:
        _check(
            self.kind, isinstance(self.lead, int) and self.lead >= 0, f"lead must be a market index, got {self.lead!r}"
        )
        _check(
            self.kind,
            math.isfinite(self.threshold_ticks) and self.threshold_ticks > 0,
            f"threshold_ticks must be a finite number > 0, got {self.threshold_ticks!r}",
        )
        _check(
            self.kind, isinstance(self.size, int) and self.size >= 1, f"size must be an integer >= 1, got {self.size!r}"
        )
        _check(
            self.kind,
            isinstance(self.cooldown_ns, int) and self.cooldown_ns >= 0,
            f"cooldown_ns must be an integer >= 0, got {self.cooldown_ns!r}",
        )
        for name in ("feed_latency", "order_latency"):
            _check(self.kind, isinstance(getattr(self, name), Latency), f"{name} must be a Latency")

    def create(self, market: MarketAccess, owner: int, rng: random.Random) -> Participant:
        return _SniperAgent(self, _venue_access(market, self.kind), owner, rng)


class _SniperAgent:
    __slots__ = ("_feed", "_last_shot", "_market", "_orders", "_owner", "_rng", "_spec", "_threshold2")

    def __init__(self, spec: Sniper, market: VenueMarketAccess, owner: int, rng: random.Random) -> None:
        self._spec = spec
        self._market = market
        self._owner = owner
        self._rng = rng
        self._feed = Link(spec.feed_latency, rng)
        self._orders = Link(spec.order_latency, rng)
        self._threshold2 = 2.0 * spec.threshold_ticks
        self._last_shot: dict[tuple[int, int], int] = {}

    def start(self, t0: int, end: int) -> None:
        self._market.observe_top(self._spec.lead, self._lead_moved)

    def _lead_moved(self, t: int, bid: int | None, ask: int | None) -> None:
        mid2 = _lead_mid2(bid, ask)
        if mid2 is not None:
            self._market.schedule(self._feed.arrival(t), self._seen, mid2)

    def _seen(self, t: int, mid2: int) -> None:
        engine = self._market.engine
        best_ask = engine.best_ask()
        if best_ask is not None and mid2 - 2 * best_ask >= self._threshold2:
            self._shoot(t, BUY, best_ask, engine.level_qty(SELL, best_ask))
            return
        best_bid = engine.best_bid()
        if best_bid is not None and 2 * best_bid - mid2 >= self._threshold2:
            self._shoot(t, SELL, best_bid, engine.level_qty(BUY, best_bid))

    def _shoot(self, t: int, side: int, price: int, shown: int) -> None:
        key = (side, price)
        last = self._last_shot.get(key)
        if last is not None and t - last < self._spec.cooldown_ns:
            return
        self._last_shot[key] = t
        if len(self._last_shot) > 64:  # keep only recent shots
            horizon = t - self._spec.cooldown_ns
            self._last_shot = {k: v for k, v in self._last_shot.items() if v >= horizon}
        qty = min(self._spec.size, shown)
        if qty < 1:
            return
        self._market.send(self._orders.arrival(t), Message(OP_SUBMIT, self._owner, side, _IOC, price, qty))
