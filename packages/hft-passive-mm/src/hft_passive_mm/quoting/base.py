"""The interface every quoting model shares: market state in, a two-sided quote out.

A quoting model is the pure decision rule of a market maker: given the mid price, the signed inventory, the
time elapsed in the trading horizon and (optionally) book features, it returns where to rest the bid and the
ask. Prices are floats; the strategy rounds them onto the instrument's tick grid. A side may be withheld
(``None``) when quoting it would breach an inventory bound.

Keeping the models behind one `QuotingModel` protocol lets a strategy pick one by name
(see `hft_passive_mm.quoting.make_quoting_model`) without knowing its mathematics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

__all__ = [
    "MarketState",
    "Quote",
    "QuotingModel",
    "require_finite",
    "require_non_negative",
    "require_positive",
    "time_to_horizon",
]


def require_finite(name: str, value: float) -> float:
    """Return ``float(value)``; raise ValueError naming *name* when it is NaN or infinite."""
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return number


def require_positive(name: str, value: float) -> float:
    """Return ``float(value)``; raise ValueError naming *name* unless it is finite and > 0."""
    number = require_finite(name, value)
    if number <= 0.0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return number


def require_non_negative(name: str, value: float) -> float:
    """Return ``float(value)``; raise ValueError naming *name* unless it is finite and >= 0."""
    number = require_finite(name, value)
    if number < 0.0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return number


def time_to_horizon(time: float, horizon: float) -> float:
    """``T - t`` for a model with horizon *horizon*; ValueError unless ``0 <= time <= horizon``."""
    elapsed = require_non_negative("time", time)
    if elapsed > horizon:
        raise ValueError(
            f"time {time!r} is past the horizon T = {horizon!r}; restart the horizon (e.g. use time modulo T)"
        )
    return horizon - elapsed


@dataclass(frozen=True, slots=True)
class MarketState:
    """What a quoting model sees at one decision.

    Attributes:
        mid: the reference (mid) price, in price units.
        inventory: signed position, in units of the quote size (long > 0).
        time: time elapsed since the start of the trading horizon, in the models' time unit (the unit in
            which their volatility and arrival rates are quoted). Models without a horizon ignore it.
        imbalance: top-of-book volume imbalance in [-1, 1] (see
            `hft_passive_mm.quoting.imbalance_skew.order_book_imbalance`); ``None`` when not computed.
    """

    mid: float
    inventory: float = 0.0
    time: float = 0.0
    imbalance: float | None = None

    def __post_init__(self) -> None:
        require_finite("mid", self.mid)
        require_finite("inventory", self.inventory)
        require_non_negative("time", self.time)
        if self.imbalance is not None:
            imbalance = require_finite("imbalance", self.imbalance)
            if not -1.0 <= imbalance <= 1.0:
                raise ValueError(f"imbalance must lie in [-1, 1], got {self.imbalance!r}")


@dataclass(frozen=True, slots=True)
class Quote:
    """A two-sided quote in float prices; ``None`` on a side means "do not quote that side"."""

    bid: float | None
    ask: float | None

    @property
    def spread(self) -> float | None:
        """``ask - bid``, or ``None`` when either side is withheld."""
        if self.bid is None or self.ask is None:
            return None
        return self.ask - self.bid


@runtime_checkable
class QuotingModel(Protocol):
    """A market-making decision rule: `quote` maps a `MarketState` to a `Quote`.

    ``name`` is the registry key a strategy selects the model by (``"avellaneda-stoikov"``, ...).
    Implementations validate their parameters on construction and raise ValueError with the offending name.
    """

    name: ClassVar[str]

    def quote(self, state: MarketState) -> Quote:
        """The bid and ask to rest for *state*."""
        ...
