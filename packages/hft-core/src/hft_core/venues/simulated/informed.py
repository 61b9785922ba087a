"""Informed (toxic) order flow: market orders that know where the fair value is going.

An `InformedTaker` arrives at Poisson times and sends a market order in the direction of the fair value
``horizon_s`` ahead, measured against the mid it sees now: it buys when ``fair(t + horizon) > mid(t)`` and sells
otherwise. The fair value is the market's latent path (`hft_core.venues.simulated.fair`), which every other
participant follows only as it unfolds, so whoever sells to an informed buyer is, on average, followed by a
rising mid: passive fills carry adverse selection, and a maker who requotes late is picked off by the value
trader as well. In the built-in markets its rate is set from ``informed_share``, the share of all taker market
orders it sends (`hft_core.venues.simulated.scenarios.market_participants`).

The expected adverse move after one informed order, in ticks, is about ``σ·√(2/π)·min(τ, h)/√h`` at markout
horizon ``τ`` for a fair-value volatility ``σ`` ticks per √s and horizon ``h``: it grows linearly up to the
horizon and stays flat after it, which is how `hft_core.calibration` reads the horizon off a markout curve.

With ``react_probability`` > 0 it also reacts to the fair value's moves, the way fast participants pick off stale
quotes: at each change of the fair value (the path's step boundaries, `FairValueClock`) it decides, with that
probability, to take all the liquidity left behind, and its IOC order reaches the venue ``react_latency_ns`` plus an
exponential delay of mean ``react_jitter_ns`` later (a crowd of takers of varied speed). The order buys after a rise
(sells after a fall), limited to the new fair value rounded in its favour, so it takes only quotes that are still
priced at or through it: those whose makers have not yet moved them. A maker who sees the move later keeps its
quotes stale longer, so more of its fills are these: latency costs a maker through who trades with it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

from hft_core.events import BUY, SELL
from hft_core.matching import OrderType
from hft_core.venues.simulated.market import OP_SUBMIT, MarketAccess, Message
from hft_core.venues.simulated.participants import (
    Participant,
    ParticipantSpec,
    _check_latency,
    _check_rate,
    _check_size_law,
    _check_sizes,
    _order_size,
    _require,
    _waiting_ns,
)

__all__ = ["FairValueClock", "InformedTaker"]

_NS_PER_S = 1_000_000_000
_MAX_HORIZON_S = 3600.0
_IOC = OrderType.IOC


@runtime_checkable
class FairValueClock(Protocol):
    """A market that tells when its fair value next changes (`SimulatedVenue`'s markets do)."""

    def next_fair_change(self, t: int) -> int:
        """The first exchange time after ``t`` at which the fair value participants see may change."""
        ...


@dataclass(frozen=True, slots=True)
class InformedTaker(ParticipantSpec):
    """Market orders that trade ahead of the fair value's moves.

    At Poisson times (``rate`` per second) it compares the fair value ``horizon_s`` seconds ahead with the current
    mid (the fair value now when a side of the book is empty) and sends a market order that way: a buy when the
    future fair value is above, a sell otherwise. The order reaches the venue ``latency_ns`` after the decision.
    Sizes follow the noise taker's law: uniform on ``[size_min, size_max]`` lots, or lognormal with median
    ``size_median`` and log-sd ``size_log_sd`` (when > 0), clipped to that range.

    With ``react_probability`` > 0, at each change of the fair value it sends, with that probability, an IOC order
    in the direction of the change limited to the new fair value (floor for a buy, ceiling for a sell), for all the
    opposite side's quantity it sees at or through that limit at the change (none: no order); it arrives
    ``react_latency_ns`` plus an exponential delay of mean ``react_jitter_ns`` after the change (the module doc).
    The market must then be a `FairValueClock`.
    """

    kind: ClassVar[str] = "informed-taker"
    rate: float = 0.25
    horizon_s: float = 5.0
    size_min: int = 1
    size_max: int = 10
    size_median: float = 0.0
    size_log_sd: float = 0.0
    latency_ns: int = 0
    react_probability: float = 0.0
    react_latency_ns: int = 1_000_000
    react_jitter_ns: int = 0

    def __post_init__(self) -> None:
        _check_rate(self.kind, "rate", self.rate)
        _require(
            math.isfinite(self.horizon_s) and 0.0 < self.horizon_s <= _MAX_HORIZON_S,
            self.kind,
            f"horizon_s must lie in (0, {_MAX_HORIZON_S:g}], got {self.horizon_s!r}",
        )
        _check_sizes(self.kind, self.size_min, self.size_max)
        _check_size_law(self.kind, self.size_median, self.size_log_sd)
        _check_latency(self.kind, self.latency_ns)
        _require(
            math.isfinite(self.react_probability) and 0.0 <= self.react_probability <= 1.0,
            self.kind,
            f"react_probability must lie in [0, 1], got {self.react_probability!r}",
        )
        for name in ("react_latency_ns", "react_jitter_ns"):
            value = getattr(self, name)
            _require(isinstance(value, int) and value >= 0, self.kind, f"{name} must be an integer >= 0, got {value!r}")

    def create(self, market: MarketAccess, owner: int, rng: random.Random) -> Participant:
        return _InformedTakerAgent(self, market, owner, rng)


class _InformedTakerAgent:
    __slots__ = ("_horizon_ns", "_market", "_owner", "_rng", "_spec")

    def __init__(self, spec: InformedTaker, market: MarketAccess, owner: int, rng: random.Random) -> None:
        self._spec = spec
        self._market = market
        self._owner = owner
        self._rng = rng
        self._horizon_ns = max(1, round(spec.horizon_s * _NS_PER_S))

    def start(self, t0: int, end: int) -> None:
        self._market.schedule(t0 + _waiting_ns(self._rng, self._spec.rate), self._arrive)
        if self._spec.react_probability > 0:
            market = self._market
            if not isinstance(market, FairValueClock):
                raise ValueError(f"{self._spec.kind}: react_probability needs a market that is a FairValueClock")
            market.schedule(market.next_fair_change(t0), self._react, market)

    def _react(self, t: int, clock: FairValueClock) -> None:
        """A change of the fair value: perhaps take what it left mispriced (see the class doc)."""
        spec = self._spec
        market = self._market
        market.schedule(clock.next_fair_change(t), self._react, clock)
        before, after = market.fair_ticks(t - 1), market.fair_ticks(t)
        if after == before or self._rng.random() >= spec.react_probability:
            return
        if after > before:
            side, limit = BUY, math.floor(after)
            stale = sum(qty for price, qty in market.engine.depth(SELL) if price <= limit)
        else:
            side, limit = SELL, math.ceil(after)
            stale = sum(qty for price, qty in market.engine.depth(BUY) if price >= limit)
        if stale == 0:
            return
        delay = spec.react_latency_ns
        if spec.react_jitter_ns > 0:
            delay += int(-math.log(1.0 - self._rng.random()) * spec.react_jitter_ns)
        market.send(t + delay, Message(OP_SUBMIT, self._owner, side, _IOC, limit, stale))

    def _arrive(self, t: int, _: Any) -> None:
        spec = self._spec
        market = self._market
        market.schedule(t + _waiting_ns(self._rng, spec.rate), self._arrive)
        engine = market.engine
        best_bid, best_ask = engine.best_bid(), engine.best_ask()
        now = market.fair_ticks(t) if best_bid is None or best_ask is None else 0.5 * (best_bid + best_ask)
        side = BUY if market.fair_ticks(t + self._horizon_ns) > now else SELL
        qty = _order_size(self._rng, spec.size_min, spec.size_max, spec.size_median, spec.size_log_sd)
        market.send(t + spec.latency_ns, Message(OP_SUBMIT, self._owner, side, OrderType.MARKET, 0, qty))
