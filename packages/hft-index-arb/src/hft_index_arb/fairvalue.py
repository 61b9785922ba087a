"""Fair value of a future (or an ETF) against its basket, and the no-arbitrage band around it.

Cost of carry (continuous dividend yield ``q``, discrete dividends ``D_i`` paid at ``t_i`` before expiry)::

    F* = (S − Σ D_i·e^(−r·t_i))·e^((r − q)·T)

The band (see ../shared/REFERENCES.md, "Index / futures–cash arbitrage") widens it by what each side of the trade
costs to put on::

    lower = (S − c_s)·e^((r_l − q)·T) − PVD_l − c_f        upper = (S + c_s)·e^((r_b − q)·T) − PVD_b + c_f

with ``r_b = r + financing spread`` (borrowing to buy the basket), ``r_l = r − financing spread`` (lending the
proceeds of selling it), ``c_s`` the basket's cost per index unit (every constituent swept at the size to trade,
`sweep_cost`, plus fees) and ``c_f`` the other leg's (its own sweep plus fee, plus the financing of its margin:
``margin · F · spread · T``). Inside the band no trade pays after all costs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from hft_core import ConfigError

__all__ = ["Band", "Carry", "band", "fair_future", "sweep_cost"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Carry:
    """What carrying the basket to expiry earns and costs (rates are continuous, per year; times in years)."""

    rate: float
    dividend_yield: float = 0.0
    expiry: float = 0.0
    dividends: tuple[tuple[float, float], ...] = ()
    """(time in years, amount per index unit) of each discrete dividend."""
    financing_spread: float = 0.0
    margin: float = 0.0
    """Initial margin of the derivative leg as a share of its notional, financed at the spread."""

    def __post_init__(self) -> None:
        if not math.isfinite(self.expiry) or self.expiry < 0:
            raise ConfigError(f"time to expiry must be a finite number >= 0 years, got {self.expiry!r}")
        for name in ("rate", "dividend_yield", "financing_spread", "margin"):
            value = getattr(self, name)
            if not math.isfinite(value):
                raise ConfigError(f"carry {name} must be finite, got {value!r}")
        if self.financing_spread < 0 or self.margin < 0:
            raise ConfigError("carry financing_spread and margin must be >= 0")
        for when, amount in self.dividends:
            if not (math.isfinite(when) and math.isfinite(amount)) or when < 0:
                raise ConfigError(f"a dividend needs a time >= 0 and a finite amount, got ({when!r}, {amount!r})")

    def pv_dividends(self, rate: float) -> float:
        """Present value, at ``rate``, of the discrete dividends paid before expiry."""
        return sum(amount * math.exp(-rate * when) for when, amount in self.dividends if when <= self.expiry)


def fair_future(spot: float, carry: Carry) -> float:
    """F* = (S − PV(discrete dividends))·e^((r − q)·T)."""
    return (spot - carry.pv_dividends(carry.rate)) * math.exp((carry.rate - carry.dividend_yield) * carry.expiry)


@dataclass(frozen=True)
class Band:
    """The fair value and the no-arbitrage band around it (prices of the derivative leg)."""

    fair: float
    lower: float
    upper: float

    def position_of(self, price: float) -> int:
        """+1 above the band (sell the derivative, buy the basket), −1 below it, 0 inside."""
        return 1 if price > self.upper else -1 if price < self.lower else 0


def sweep_cost(prices: FloatArray, quantities: FloatArray, size: npt.ArrayLike, mid: npt.ArrayLike) -> FloatArray:
    """Per name, what sweeping ``size`` through one side of the book costs beyond the mid, in currency.

    ``prices`` and ``quantities`` are (names × levels), best level first (asks for a buy, bids for a sell). A book
    too thin for the size costs infinity (the trade cannot be done at any price the book shows).
    """
    want = np.asarray(size, dtype=np.float64)
    mids = np.asarray(mid, dtype=np.float64)
    cum = np.cumsum(quantities, axis=1)
    before = cum - quantities
    take = np.clip(want[:, None] - before, 0.0, quantities)
    paid = (take * np.abs(prices - mids[:, None])).sum(axis=1)
    short = cum[:, -1] < want - 1e-9 if cum.shape[1] else want > 0
    return np.where(short, np.inf, paid)


def band(
    spot: float,
    carry: Carry,
    *,
    basket_cost: float,
    leg_cost: float,
    ratio: float = 1.0,
) -> Band:
    """The band for a derivative worth ``ratio`` index units per unit (module docstring).

    ``basket_cost`` and ``leg_cost`` are per index unit, in currency: half-spread at size (from `sweep_cost`) plus
    fees. For an ETF, give ``carry`` with ``expiry=0`` (creation and redemption deliver at once): the band is then
    the basket's and the ETF's costs around the basket's value.
    """
    if not ratio > 0:
        raise ConfigError(f"the derivative must be worth a positive number of index units, got {ratio!r}")
    if not (math.isfinite(basket_cost) and math.isfinite(leg_cost)):
        raise ConfigError("the books are too thin for the size to trade: no band")
    t, q, r, s = carry.expiry, carry.dividend_yield, carry.rate, carry.financing_spread
    fair = fair_future(spot, carry)
    margin_cost = carry.margin * fair * s * t
    lower = (spot - basket_cost - carry.pv_dividends(r - s)) * math.exp((r - s - q) * t) - leg_cost - margin_cost
    upper = (spot + basket_cost - carry.pv_dividends(r + s)) * math.exp((r + s - q) * t) + leg_cost + margin_cost
    return Band(fair * ratio, lower * ratio, upper * ratio)
