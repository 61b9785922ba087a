"""Background participants of the simulated market: who trades against the strategy, and how they react.

Each participant type is a frozen spec (its documented parameters) whose `ParticipantSpec.create` builds the
running agent for one market, with its own owner id and its own seeded random stream, so one participant's
draws never shift another's: two runs that differ only in what the strategy does differ only through how the
participants *react* to it.

- `LiquidityProvider`: zero-intelligence limit orders (Poisson arrivals, geometric distance from the fair value,
  exponential lifetimes), kept passive; with the defaults the book holds 10–20 levels a side.
- `NoiseTaker`: market orders of random side, Poisson or self-exciting Hawkes arrivals (`hft_core.flow`).
- `ImbalanceFollower`: trades or quotes in the direction of the top-N book imbalance (what a spoofer exploits).
- `MomentumFollower`: chases recent mid-price moves (what momentum ignition exploits).
- `ValueTrader`: takes quotes that stray from the fair value by an edge, anchoring the price to it.
- `QuotingMaker`: keeps one quote a side at the fair value's touch and moves it as the fair value moves (the
  fast, requoting liquidity of a tick-small market such as a crypto perpetual).

All prices are integer ticks and sizes integer lots; times are integer nanoseconds. Only ``random.Random.random``
is drawn from (its sequence for a given seed is stable across Python versions); the distributions are built here.
"""

from __future__ import annotations

import heapq
import math
import random
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np
import numpy.typing as npt

from hft_core.events import BUY, SELL
from hft_core.matching import OrderInfo, OrderType
from hft_core.venues.simulated.market import OP_CANCEL, OP_MODIFY, OP_SUBMIT, MarketAccess, Message

__all__ = [
    "ImbalanceFollower",
    "LiquidityProvider",
    "MomentumFollower",
    "NoiseTaker",
    "Participant",
    "ParticipantSpec",
    "QuotingMaker",
    "ValueTrader",
    "hawkes_arrivals",
]

_NS_PER_S = 1_000_000_000
_LIMIT = OrderType.LIMIT
_MARKET = OrderType.MARKET
_IOC = OrderType.IOC


class Participant(Protocol):
    """A running background participant."""

    def start(self, t0: int, end: int) -> None:
        """Place any initial orders at ``t0`` and schedule the first wake-up; ``end`` is when the run stops."""
        ...


class ParticipantSpec(ABC):
    """The parameters of one background participant; `create` builds its running agent."""

    kind: ClassVar[str]
    """A short name for reports (``liquidity-provider``, ``noise-taker``, ...)."""

    @abstractmethod
    def create(self, market: MarketAccess, owner: int, rng: random.Random) -> Participant:
        """The agent trading on ``market`` as ``owner``, drawing its randomness from ``rng`` only."""


# -- random draws from uniforms -----------------------------------------------------------------------------------
def _waiting_ns(rng: random.Random, rate_per_s: float) -> int:
    """An exponential waiting time of rate ``rate_per_s``, in whole ns (at least 1, so the clock moves)."""
    return 1 + int(-math.log(1.0 - rng.random()) / rate_per_s * _NS_PER_S)


def _geometric(rng: random.Random, mean: float) -> int:
    """A geometric count on 0, 1, 2, ... with the given mean (``P(N >= k) = q**k``, ``q = mean / (1 + mean)``)."""
    if mean <= 0.0:
        return 0
    return int(math.log(1.0 - rng.random()) / math.log(mean / (1.0 + mean)))


def _uniform_int(rng: random.Random, low: int, high: int) -> int:
    """An integer uniform on ``[low, high]``."""
    return low + int(rng.random() * (high - low + 1))


def _standard_normal(rng: random.Random) -> float:
    """A standard normal draw from two uniforms (Box–Muller, the cosine half)."""
    return math.sqrt(-2.0 * math.log(1.0 - rng.random())) * math.cos(2.0 * math.pi * rng.random())


def _order_size(rng: random.Random, size_min: int, size_max: int, median: float, log_sd: float) -> int:
    """An order size in lots: uniform on ``[size_min, size_max]`` when ``log_sd`` is 0, else lognormal with the
    given ``median`` and log-standard-deviation, rounded and clipped to ``[size_min, size_max]``."""
    if log_sd <= 0.0:
        return _uniform_int(rng, size_min, size_max)
    size = round(median * math.exp(log_sd * _standard_normal(rng)))
    return size_min if size < size_min else size_max if size > size_max else size


def _check_size_law(kind: str, size_median: float, size_log_sd: float) -> None:
    _check_rate(kind, "size_log_sd", size_log_sd, allow_zero=True)
    if size_log_sd > 0.0:
        _check_rate(kind, "size_median", size_median)


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count, as the number of unit-rate arrivals in ``[0, mean)`` (fine for means up to thousands)."""
    count = 0
    elapsed = -math.log(1.0 - rng.random())
    while elapsed < mean:
        count += 1
        elapsed -= math.log(1.0 - rng.random())
    return count


# -- validation -----------------------------------------------------------------------------------------------
def _require(condition: bool, kind: str, message: str) -> None:
    if not condition:
        raise ValueError(f"{kind}: {message}")


def _check_sizes(kind: str, size_min: int, size_max: int) -> None:
    _require(isinstance(size_min, int) and size_min >= 1, kind, f"size_min must be an integer >= 1, got {size_min!r}")
    _require(
        isinstance(size_max, int) and size_max >= size_min,
        kind,
        f"size_max must be an integer >= size_min ({size_min}), got {size_max!r}",
    )


def _check_rate(kind: str, name: str, value: float, *, allow_zero: bool = False) -> None:
    ok = math.isfinite(value) and (value >= 0.0 if allow_zero else value > 0.0)
    _require(ok, kind, f"{name} must be a finite number {'>= 0' if allow_zero else '> 0'}, got {value!r}")


def _check_latency(kind: str, latency_ns: int) -> None:
    _require(
        isinstance(latency_ns, int) and latency_ns >= 0, kind, f"latency_ns must be an integer >= 0, got {latency_ns!r}"
    )


# -- liquidity provider -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LiquidityProvider(ParticipantSpec):
    """Zero-intelligence passive liquidity around the fair value.

    New limit orders arrive as a Poisson process of ``order_rate`` per second on each side, reaching the venue
    directly (the arrival process is the venue-side one, so no latency applies). A bid's price is
    ``ceil(f - half_spread_ticks) - 1 - d`` and an ask's ``floor(f + half_spread_ticks) + 1 + d`` for the fair
    value ``f`` in ticks and ``d`` geometric on 0, 1, 2, ... with mean ``distance_mean_ticks``; an order that would
    cross the current opposite best is placed one tick behind it instead, so the provider never takes liquidity.
    With ``fair_weight`` below 1, ``f`` is replaced by ``w·fair + (1 − w)·mid`` (the current exchange mid): the
    provider partly follows the market, so aggressive flow has a lasting price impact that decays as the fair
    value reasserts itself (``w = 1`` anchors strictly to the fair value and impact vanishes at once).
    Sizes are uniform on ``[size_min, size_max]`` lots. Each order is cancelled after an exponential lifetime of
    mean ``lifetime_mean_s`` unless it traded away first.

    With ``seed_book`` the book starts in its stationary state: ``Poisson(order_rate · lifetime_mean_s)`` orders a
    side, each with a fresh lifetime (exponential lifetimes are memoryless, so no warm-up is needed).

    With ``cancel_stale`` the provider also pulls quotes the reference has moved through, as real makers do when
    the price moves faster than their orders expire: at each of its arrivals it cancels its asks at or below the
    reference and its bids at or above it (kept in a price heap per side, so this costs O(log n) per order).
    """

    kind: ClassVar[str] = "liquidity-provider"
    order_rate: float = 20.0
    distance_mean_ticks: float = 4.0
    half_spread_ticks: float = 0.0
    size_min: int = 1
    size_max: int = 10
    lifetime_mean_s: float = 4.0
    fair_weight: float = 1.0
    seed_book: bool = True
    cancel_stale: bool = False

    def __post_init__(self) -> None:
        _check_rate(self.kind, "order_rate", self.order_rate)
        _require(0.0 <= self.fair_weight <= 1.0, self.kind, f"fair_weight must lie in [0, 1], got {self.fair_weight!r}")
        _check_rate(self.kind, "distance_mean_ticks", self.distance_mean_ticks, allow_zero=True)
        _check_rate(self.kind, "half_spread_ticks", self.half_spread_ticks, allow_zero=True)
        _check_rate(self.kind, "lifetime_mean_s", self.lifetime_mean_s)
        _check_sizes(self.kind, self.size_min, self.size_max)

    def create(self, market: MarketAccess, owner: int, rng: random.Random) -> Participant:
        return _LiquidityProviderAgent(self, market, owner, rng)


class _LiquidityProviderAgent:
    __slots__ = ("_asks", "_bids", "_cancel_rate", "_market", "_owner", "_rng", "_spec")

    def __init__(self, spec: LiquidityProvider, market: MarketAccess, owner: int, rng: random.Random) -> None:
        self._spec = spec
        self._market = market
        self._owner = owner
        self._rng = rng
        self._cancel_rate = 1.0 / spec.lifetime_mean_s
        # With cancel_stale: (−price, order id) of its bids and (price, order id) of its asks, lowest first.
        self._bids: list[tuple[int, int]] = []
        self._asks: list[tuple[int, int]] = []

    def start(self, t0: int, end: int) -> None:
        spec = self._spec
        if spec.seed_book:
            for side in (BUY, SELL):
                for _ in range(_poisson(self._rng, spec.order_rate * spec.lifetime_mean_s)):
                    self._place(t0, side)
        self._market.schedule(t0 + _waiting_ns(self._rng, 2.0 * spec.order_rate), self._arrive)

    def _arrive(self, t: int, _: Any) -> None:
        if self._spec.cancel_stale:
            self._cancel_stale(t)
        self._place(t, BUY if self._rng.random() < 0.5 else SELL)
        self._market.schedule(t + _waiting_ns(self._rng, 2.0 * self._spec.order_rate), self._arrive)

    def _reference(self, t: int) -> float:
        """``w·fair + (1 − w)·mid`` in ticks (the fair value alone while a side of the book is empty)."""
        engine = self._market.engine
        reference = self._market.fair_ticks(t)
        weight = self._spec.fair_weight
        if weight < 1.0:
            best_bid, best_ask = engine.best_bid(), engine.best_ask()
            if best_bid is not None and best_ask is not None:
                reference += (1.0 - weight) * (0.5 * (best_bid + best_ask) - reference)
        return reference

    def _cancel_stale(self, t: int) -> None:
        reference = self._reference(t)
        engine = self._market.engine
        asks, bids = self._asks, self._bids
        while asks and asks[0][0] <= reference:
            _, order_id = heapq.heappop(asks)
            if engine.order(order_id) is not None:
                self._market.send(t, Message(OP_CANCEL, self._owner, order_id=order_id))
        while bids and -bids[0][0] >= reference:
            _, order_id = heapq.heappop(bids)
            if engine.order(order_id) is not None:
                self._market.send(t, Message(OP_CANCEL, self._owner, order_id=order_id))

    def _place(self, t: int, side: int) -> None:
        spec = self._spec
        rng = self._rng
        market = self._market
        engine = market.engine
        best_bid, best_ask = engine.best_bid(), engine.best_ask()
        reference = market.fair_ticks(t)
        if spec.fair_weight < 1.0 and best_bid is not None and best_ask is not None:
            reference += (1.0 - spec.fair_weight) * (0.5 * (best_bid + best_ask) - reference)
        distance = _geometric(rng, spec.distance_mean_ticks)
        qty = _uniform_int(rng, spec.size_min, spec.size_max)
        if side == BUY:
            price = math.ceil(reference - spec.half_spread_ticks) - 1 - distance
            if best_ask is not None and price >= best_ask:
                price = best_ask - 1
        else:
            price = math.floor(reference + spec.half_spread_ticks) + 1 + distance
            if best_bid is not None and price <= best_bid:
                price = best_bid + 1
        if price < 1:
            return
        market.send(t, Message(OP_SUBMIT, self._owner, side, _LIMIT, price, qty, 0, self._entered))

    def _entered(self, t: int, engine_order_id: int) -> None:
        self._market.schedule(t + _waiting_ns(self._rng, self._cancel_rate), self._cancel, engine_order_id)
        if self._spec.cancel_stale:
            order = self._market.engine.order(engine_order_id)
            if order is not None:
                if order.side == BUY:
                    heapq.heappush(self._bids, (-order.price, engine_order_id))
                else:
                    heapq.heappush(self._asks, (order.price, engine_order_id))

    def _cancel(self, t: int, engine_order_id: int) -> None:
        if self._market.engine.order(engine_order_id) is not None:
            self._market.send(t, Message(OP_CANCEL, self._owner, order_id=engine_order_id))


# -- noise taker ------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class NoiseTaker(ParticipantSpec):
    """Uninformed market orders: ``rate`` per second in all, buys with probability ``buy_probability``.

    With ``hawkes_branching`` = 0 the arrivals are Poisson. Above 0 each side is a self-exciting Hawkes process
    (`hft_core.flow.MultivariateHawkes`, kernel ``α·e^{−βt}`` with ``β = hawkes_decay`` per second and
    ``α = hawkes_branching·β``), its baseline scaled so the mean rate is still ``rate``: orders come in clusters,
    as real market-order flow does. ``hawkes_cross`` is the part of the branching ratio by which an order excites
    the *other* side (0: a buy triggers only buys, so clusters are one-sided and trade signs strongly
    autocorrelated; 0.5: a cluster's sides are mixed). The Hawkes path is simulated up front for the whole run.
    Sizes are uniform on ``[size_min, size_max]`` lots, or, with ``size_log_sd`` > 0, lognormal with median
    ``size_median`` and that log-standard-deviation, clipped to ``[size_min, size_max]`` (real taker sizes are
    heavy-tailed).
    """

    kind: ClassVar[str] = "noise-taker"
    rate: float = 1.0
    buy_probability: float = 0.5
    size_min: int = 1
    size_max: int = 10
    hawkes_branching: float = 0.0
    hawkes_decay: float = 20.0
    hawkes_cross: float = 0.0
    size_median: float = 0.0
    size_log_sd: float = 0.0

    def __post_init__(self) -> None:
        _check_rate(self.kind, "rate", self.rate)
        _check_size_law(self.kind, self.size_median, self.size_log_sd)
        _require(
            0.0 <= self.buy_probability <= 1.0,
            self.kind,
            f"buy_probability must lie in [0, 1], got {self.buy_probability!r}",
        )
        _require(
            0.0 <= self.hawkes_branching < 1.0,
            self.kind,
            f"hawkes_branching must lie in [0, 1) (a stationary process), got {self.hawkes_branching!r}",
        )
        _check_rate(self.kind, "hawkes_decay", self.hawkes_decay)
        _require(
            0.0 <= self.hawkes_cross <= 1.0, self.kind, f"hawkes_cross must lie in [0, 1], got {self.hawkes_cross!r}"
        )
        _check_sizes(self.kind, self.size_min, self.size_max)

    def create(self, market: MarketAccess, owner: int, rng: random.Random) -> Participant:
        return _NoiseTakerAgent(self, market, owner, rng)


def hawkes_arrivals(
    spec: NoiseTaker, rng: random.Random, t0: int, end: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """A Hawkes noise taker's whole arrival path, from one draw of ``rng``: offsets from ``t0`` (ns) and sides.

    The compiled simulated market (`hft_core.venues.simulated.compiled`) takes the same path as the agent here.
    """
    # Imported here: hft_core.flow pulls in numba and scipy, which the default (Poisson) market does not need.
    from hft_core.flow.hawkes import MultivariateHawkes

    beta = spec.hawkes_decay
    baseline = spec.rate * (1.0 - spec.hawkes_branching)
    own = spec.hawkes_branching * (1.0 - spec.hawkes_cross) * beta
    other = spec.hawkes_branching * spec.hawkes_cross * beta
    model = MultivariateHawkes(
        [baseline * spec.buy_probability, baseline * (1.0 - spec.buy_probability)],
        np.array([[own, other], [other, own]]),
        beta,
    )
    horizon_s = max((end - t0) / _NS_PER_S, 1e-9)
    events = model.simulate(horizon_s, seed=int(rng.random() * 2**53))
    offsets = (events.times * _NS_PER_S).astype(np.int64)
    sides = np.where(events.marks == 0, BUY, SELL).astype(np.int64)
    return offsets, sides


class _NoiseTakerAgent:
    __slots__ = ("_market", "_owner", "_rng", "_spec")

    def __init__(self, spec: NoiseTaker, market: MarketAccess, owner: int, rng: random.Random) -> None:
        self._spec = spec
        self._market = market
        self._owner = owner
        self._rng = rng

    def start(self, t0: int, end: int) -> None:
        spec = self._spec
        if spec.hawkes_branching == 0.0:
            self._market.schedule(t0 + _waiting_ns(self._rng, spec.rate), self._poisson_arrival)
            return
        offsets, sides = hawkes_arrivals(spec, self._rng, t0, end)
        arrivals = deque(zip(offsets.tolist(), sides.tolist(), strict=True))
        if arrivals:
            offset, _ = arrivals[0]
            self._market.schedule(t0 + 1 + offset, self._hawkes_arrival, (t0, arrivals))

    def _poisson_arrival(self, t: int, _: Any) -> None:
        spec = self._spec
        side = BUY if self._rng.random() < spec.buy_probability else SELL
        self._send(t, side)
        self._market.schedule(t + _waiting_ns(self._rng, spec.rate), self._poisson_arrival)

    def _hawkes_arrival(self, t: int, state: tuple[int, deque[tuple[int, int]]]) -> None:
        t0, arrivals = state
        _, side = arrivals.popleft()
        self._send(t, side)
        if arrivals:
            offset, _ = arrivals[0]
            self._market.schedule(max(t, t0 + 1 + offset), self._hawkes_arrival, state)

    def _send(self, t: int, side: int) -> None:
        spec = self._spec
        qty = _order_size(self._rng, spec.size_min, spec.size_max, spec.size_median, spec.size_log_sd)
        self._market.send(t, Message(OP_SUBMIT, self._owner, side, _MARKET, 0, qty))


# -- imbalance follower -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ImbalanceFollower(ParticipantSpec):
    """Trades in the direction of the order-book imbalance.

    It looks at the book at Poisson times (``look_rate`` per second) and computes
    ``I = (B − A) / (B + A)`` over the quantities ``B``, ``A`` of the best ``levels`` bid and ask levels. When
    ``|I| >= threshold`` it buys (``I > 0``) or sells, then stays quiet for ``cooldown_s``: with probability
    ``take_probability`` a market order, otherwise a passive limit order at the touch of its side (one tick
    inside when the spread is wider than a tick), cancelled after ``quote_lifetime_s``. Its order reaches the
    venue ``latency_ns`` after the look, acting on what it saw then. Sizes are uniform on
    ``[size_min, size_max]`` lots. A large resting order of the strategy moves ``I`` exactly as anyone else's.
    """

    kind: ClassVar[str] = "imbalance-follower"
    look_rate: float = 5.0
    levels: int = 5
    threshold: float = 0.5
    take_probability: float = 0.5
    size_min: int = 1
    size_max: int = 5
    latency_ns: int = 200_000
    cooldown_s: float = 1.0
    quote_lifetime_s: float = 1.0

    def __post_init__(self) -> None:
        _check_rate(self.kind, "look_rate", self.look_rate)
        _require(
            isinstance(self.levels, int) and self.levels >= 1,
            self.kind,
            f"levels must be an integer >= 1, got {self.levels!r}",
        )
        _require(0.0 < self.threshold <= 1.0, self.kind, f"threshold must lie in (0, 1], got {self.threshold!r}")
        _require(
            0.0 <= self.take_probability <= 1.0,
            self.kind,
            f"take_probability must lie in [0, 1], got {self.take_probability!r}",
        )
        _check_sizes(self.kind, self.size_min, self.size_max)
        _check_latency(self.kind, self.latency_ns)
        _check_rate(self.kind, "cooldown_s", self.cooldown_s, allow_zero=True)
        _check_rate(self.kind, "quote_lifetime_s", self.quote_lifetime_s)

    def create(self, market: MarketAccess, owner: int, rng: random.Random) -> Participant:
        return _ImbalanceFollowerAgent(self, market, owner, rng)


class _ImbalanceFollowerAgent:
    __slots__ = ("_cooldown_ns", "_lifetime_ns", "_market", "_owner", "_quiet_until", "_rng", "_spec")

    def __init__(self, spec: ImbalanceFollower, market: MarketAccess, owner: int, rng: random.Random) -> None:
        self._spec = spec
        self._market = market
        self._owner = owner
        self._rng = rng
        self._quiet_until = 0
        self._cooldown_ns = int(spec.cooldown_s * _NS_PER_S)
        self._lifetime_ns = max(1, int(spec.quote_lifetime_s * _NS_PER_S))

    def start(self, t0: int, end: int) -> None:
        self._market.schedule(t0 + _waiting_ns(self._rng, self._spec.look_rate), self._look)

    def _look(self, t: int, _: Any) -> None:
        spec = self._spec
        market = self._market
        market.schedule(t + _waiting_ns(self._rng, spec.look_rate), self._look)
        if t < self._quiet_until:
            return
        engine = market.engine
        bid_qty = sum(qty for _, qty in engine.depth(BUY, spec.levels))
        ask_qty = sum(qty for _, qty in engine.depth(SELL, spec.levels))
        total = bid_qty + ask_qty
        if total == 0:
            return
        imbalance = (bid_qty - ask_qty) / total
        if imbalance >= spec.threshold:
            side = BUY
        elif imbalance <= -spec.threshold:
            side = SELL
        else:
            return
        self._quiet_until = t + self._cooldown_ns
        qty = _uniform_int(self._rng, spec.size_min, spec.size_max)
        arrival = t + spec.latency_ns
        if self._rng.random() < spec.take_probability:
            market.send(arrival, Message(OP_SUBMIT, self._owner, side, _MARKET, 0, qty))
            return
        best_bid, best_ask = engine.best_bid(), engine.best_ask()
        if best_bid is None or best_ask is None:
            return
        inside = 1 if best_ask - best_bid > 1 else 0
        price = best_bid + inside if side == BUY else best_ask - inside
        market.send(arrival, Message(OP_SUBMIT, self._owner, side, _LIMIT, price, qty, 0, self._entered))

    def _entered(self, t: int, engine_order_id: int) -> None:
        self._market.schedule(t + self._lifetime_ns, self._cancel, engine_order_id)

    def _cancel(self, t: int, engine_order_id: int) -> None:
        if self._market.engine.order(engine_order_id) is not None:
            self._market.send(t, Message(OP_CANCEL, self._owner, order_id=engine_order_id))


# -- momentum follower ------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MomentumFollower(ParticipantSpec):
    """Chases recent price moves with market orders.

    It looks at the mid price at Poisson times (``look_rate`` per second), remembering what it saw; when the mid
    has moved by at least ``threshold_ticks`` since its oldest look within the last ``lookback_s``, it sends a
    market order in the direction of the move (reaching the venue ``latency_ns`` later), then stays quiet for
    ``cooldown_s``. Sizes are uniform on ``[size_min, size_max]`` lots.
    """

    kind: ClassVar[str] = "momentum-follower"
    look_rate: float = 5.0
    lookback_s: float = 1.0
    threshold_ticks: float = 3.0
    size_min: int = 1
    size_max: int = 5
    latency_ns: int = 500_000
    cooldown_s: float = 1.0

    def __post_init__(self) -> None:
        _check_rate(self.kind, "look_rate", self.look_rate)
        _check_rate(self.kind, "lookback_s", self.lookback_s)
        _check_rate(self.kind, "threshold_ticks", self.threshold_ticks)
        _check_sizes(self.kind, self.size_min, self.size_max)
        _check_latency(self.kind, self.latency_ns)
        _check_rate(self.kind, "cooldown_s", self.cooldown_s, allow_zero=True)

    def create(self, market: MarketAccess, owner: int, rng: random.Random) -> Participant:
        return _MomentumFollowerAgent(self, market, owner, rng)


class _MomentumFollowerAgent:
    __slots__ = (
        "_cooldown_ns",
        "_history",
        "_lookback_ns",
        "_market",
        "_owner",
        "_quiet_until",
        "_rng",
        "_spec",
        "_threshold",
    )

    def __init__(self, spec: MomentumFollower, market: MarketAccess, owner: int, rng: random.Random) -> None:
        self._spec = spec
        self._market = market
        self._owner = owner
        self._rng = rng
        self._quiet_until = 0
        self._cooldown_ns = int(spec.cooldown_s * _NS_PER_S)
        self._lookback_ns = int(spec.lookback_s * _NS_PER_S)
        # Mids are kept doubled (bid + ask) so they stay integers; the threshold is doubled to match.
        self._threshold = 2.0 * spec.threshold_ticks
        self._history: deque[tuple[int, int]] = deque()

    def start(self, t0: int, end: int) -> None:
        self._market.schedule(t0 + _waiting_ns(self._rng, self._spec.look_rate), self._look)

    def _look(self, t: int, _: Any) -> None:
        spec = self._spec
        market = self._market
        market.schedule(t + _waiting_ns(self._rng, spec.look_rate), self._look)
        engine = market.engine
        best_bid, best_ask = engine.best_bid(), engine.best_ask()
        if best_bid is None or best_ask is None:
            return
        doubled_mid = best_bid + best_ask
        history = self._history
        horizon = t - self._lookback_ns
        while history and history[0][0] < horizon:
            history.popleft()
        reference = history[0][1] if history else doubled_mid
        history.append((t, doubled_mid))
        if t < self._quiet_until:
            return
        move = doubled_mid - reference
        if move >= self._threshold:
            side = BUY
        elif move <= -self._threshold:
            side = SELL
        else:
            return
        self._quiet_until = t + self._cooldown_ns
        qty = _uniform_int(self._rng, spec.size_min, spec.size_max)
        market.send(t + spec.latency_ns, Message(OP_SUBMIT, self._owner, side, _MARKET, 0, qty))


# -- value trader -----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ValueTrader(ParticipantSpec):
    """The anchor: takes quotes that are mispriced against the fair value.

    At Poisson times (``look_rate`` per second) it compares the touch with its fair value ``f`` (in ticks): if the
    best ask is at or below ``f − edge_ticks`` it sends an immediate-or-cancel buy limited to
    ``floor(f − edge_ticks)``, and symmetrically sells down to ``ceil(f + edge_ticks)`` when the best bid is at or
    above ``f + edge_ticks``. It therefore only takes mispriced liquidity, pulling the traded price back to the
    fair value after anyone pushed it away. Orders reach the venue ``latency_ns`` after the look; sizes are
    uniform on ``[size_min, size_max]`` lots.
    """

    kind: ClassVar[str] = "value-trader"
    look_rate: float = 5.0
    edge_ticks: float = 1.0
    size_min: int = 1
    size_max: int = 10
    latency_ns: int = 100_000

    def __post_init__(self) -> None:
        _check_rate(self.kind, "look_rate", self.look_rate)
        _check_rate(self.kind, "edge_ticks", self.edge_ticks, allow_zero=True)
        _check_sizes(self.kind, self.size_min, self.size_max)
        _check_latency(self.kind, self.latency_ns)

    def create(self, market: MarketAccess, owner: int, rng: random.Random) -> Participant:
        return _ValueTraderAgent(self, market, owner, rng)


class _ValueTraderAgent:
    __slots__ = ("_market", "_owner", "_rng", "_spec")

    def __init__(self, spec: ValueTrader, market: MarketAccess, owner: int, rng: random.Random) -> None:
        self._spec = spec
        self._market = market
        self._owner = owner
        self._rng = rng

    def start(self, t0: int, end: int) -> None:
        self._market.schedule(t0 + _waiting_ns(self._rng, self._spec.look_rate), self._look)

    def _look(self, t: int, _: Any) -> None:
        spec = self._spec
        market = self._market
        market.schedule(t + _waiting_ns(self._rng, spec.look_rate), self._look)
        fair = market.fair_ticks(t)
        engine = market.engine
        best_ask = engine.best_ask()
        if best_ask is not None and best_ask <= fair - spec.edge_ticks:
            side, limit = BUY, math.floor(fair - spec.edge_ticks)
        else:
            best_bid = engine.best_bid()
            if best_bid is None or best_bid < fair + spec.edge_ticks:
                return
            side, limit = SELL, math.ceil(fair + spec.edge_ticks)
        qty = _uniform_int(self._rng, spec.size_min, spec.size_max)
        market.send(t + spec.latency_ns, Message(OP_SUBMIT, self._owner, side, _IOC, limit, qty))


# -- quoting maker ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class QuotingMaker(ParticipantSpec):
    """A market maker that keeps one quote a side around the fair value and moves it when the fair value moves.

    At Poisson check times (``requote_rate`` per second) it computes its quotes from the fair value ``f`` in
    ticks: bid ``floor(f − half_spread_ticks)``, ask ``ceil(f + half_spread_ticks)`` (at least one tick above the
    bid), each kept behind the opposite best so it never takes. A quote whose price differs is moved (a modify:
    to the back of the new level's queue) and refilled to ``size`` lots; a quote that traded away is replaced.
    Its messages reach the venue ``latency_ns`` after the check. Between checks its quotes go stale as the fair
    value moves, and the value trader and the informed taker pick them off: the adverse selection a real maker
    lives with, larger for a slower maker.
    """

    kind: ClassVar[str] = "quoting-maker"
    requote_rate: float = 100.0
    size: int = 10
    half_spread_ticks: float = 0.0
    latency_ns: int = 0

    def __post_init__(self) -> None:
        _check_rate(self.kind, "requote_rate", self.requote_rate)
        _require(
            isinstance(self.size, int) and self.size >= 1, self.kind, f"size must be an integer >= 1, got {self.size!r}"
        )
        _check_rate(self.kind, "half_spread_ticks", self.half_spread_ticks, allow_zero=True)
        _check_latency(self.kind, self.latency_ns)

    def create(self, market: MarketAccess, owner: int, rng: random.Random) -> Participant:
        return _QuotingMakerAgent(self, market, owner, rng)


_PENDING = -1
"""A quote id while its submit is on the way to the engine."""


class _QuotingMakerAgent:
    __slots__ = ("_ids", "_market", "_owner", "_rng", "_spec")

    def __init__(self, spec: QuotingMaker, market: MarketAccess, owner: int, rng: random.Random) -> None:
        self._spec = spec
        self._market = market
        self._owner = owner
        self._rng = rng
        self._ids: dict[int, int | None] = {BUY: None, SELL: None}

    def start(self, t0: int, end: int) -> None:
        self._requote(t0)
        self._market.schedule(t0 + _waiting_ns(self._rng, self._spec.requote_rate), self._check)

    def _check(self, t: int, _: Any) -> None:
        self._market.schedule(t + _waiting_ns(self._rng, self._spec.requote_rate), self._check)
        self._requote(t)

    def _requote(self, t: int) -> None:
        spec = self._spec
        market = self._market
        engine = market.engine
        fair = market.fair_ticks(t)
        bid = math.floor(fair - spec.half_spread_ticks)
        targets = {BUY: bid, SELL: max(math.ceil(fair + spec.half_spread_ticks), bid + 1)}
        quotes = {side: self._quote(side) for side in (BUY, SELL)}
        # Move the quote that goes away from the other first, so the two never meet on the way.
        ask_quote = quotes[SELL]
        order = (SELL, BUY) if ask_quote is not None and targets[SELL] > ask_quote.price else (BUY, SELL)
        arrival = t + spec.latency_ns
        for side in order:
            if self._ids[side] == _PENDING:
                continue
            # Stay passive: never at or through the opposite best as it stands now.
            if side == BUY:
                best = engine.best_ask()
                price = targets[BUY] if best is None else min(targets[BUY], best - 1)
            else:
                best = engine.best_bid()
                price = targets[SELL] if best is None else max(targets[SELL], best + 1)
            quote = quotes[side]
            if price < 1 or (quote is not None and quote.price == price):
                continue
            if quote is None:
                self._ids[side] = _PENDING
                entered = self._entered_bid if side == BUY else self._entered_ask
                market.send(arrival, Message(OP_SUBMIT, self._owner, side, _LIMIT, price, spec.size, 0, entered))
            else:
                market.send(
                    arrival, Message(OP_MODIFY, self._owner, price=price, qty=spec.size, order_id=quote.order_id)
                )

    def _quote(self, side: int) -> OrderInfo | None:
        """Its resting quote on ``side`` (None when there is none, or while one is on its way)."""
        order_id = self._ids[side]
        if order_id is None or order_id == _PENDING:
            return None
        return self._market.engine.order(order_id)

    def _entered_bid(self, t: int, engine_order_id: int) -> None:
        self._ids[BUY] = engine_order_id

    def _entered_ask(self, t: int, engine_order_id: int) -> None:
        self._ids[SELL] = engine_order_id
