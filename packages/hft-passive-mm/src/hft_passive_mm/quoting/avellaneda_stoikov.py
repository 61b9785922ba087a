"""``avellaneda-stoikov``: the optimal quotes of Avellaneda & Stoikov (2008), "High-frequency trading in a
limit order book", Quantitative Finance 8(3), 217–224.

The mid follows ``dS = σ dW``; a quote at distance δ from the mid is filled at rate ``λ(δ) = A·exp(-k·δ)``;
the market maker maximises ``E[-exp(-γ·(X_T + q_T·S_T))]``. The paper's approximate solution (from an
expansion of its value function in q) is

    reservation price   r(s, q, t) = s - q·γ·σ²·(T - t)
    total spread        δa + δb   = γ·σ²·(T - t) + (2/γ)·ln(1 + γ/k)

with the bid and ask placed symmetrically around r. ``A`` does not enter the quotes (only the fill rate).
Time is measured in the unit σ and the horizon T are quoted in. Guéant, Lehalle & Fernandez-Tapia (2013)
show these are the Taylor expansion of the exact quotes near T (see `hft_passive_mm.quoting.glft`).

The functions take numpy arrays for the mid and inventory, so the paper's simulation
(`hft_passive_mm.avellaneda_stoikov_sim`) runs all paths through this same code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, TypeVar

import numpy as np
import numpy.typing as npt

from hft_passive_mm.quoting.base import MarketState, Quote, require_positive, time_to_horizon

__all__ = [
    "AvellanedaStoikov",
    "optimal_spread",
    "reservation_price",
    "time_averaged_spread",
]

FloatArray = npt.NDArray[np.float64]
PriceLike = TypeVar("PriceLike", float, FloatArray)


def reservation_price(
    mid: PriceLike, inventory: PriceLike, time_to_horizon: float, *, gamma: float, sigma: float
) -> PriceLike:
    """``r = s - q·γ·σ²·(T - t)`` (Avellaneda & Stoikov 2008); element-wise on arrays."""
    return mid - inventory * (gamma * sigma * sigma * time_to_horizon)


def optimal_spread(time_to_horizon: float, *, gamma: float, sigma: float, k: float) -> float:
    """``δa + δb = γ·σ²·(T - t) + (2/γ)·ln(1 + γ/k)`` (Avellaneda & Stoikov 2008)."""
    return gamma * sigma * sigma * time_to_horizon + (2.0 / gamma) * math.log1p(gamma / k)


def time_averaged_spread(horizon: float, *, gamma: float, sigma: float, k: float) -> float:
    """``(1/T)∫₀ᵀ (δa + δb) dt = γ·σ²·T/2 + (2/γ)·ln(1 + γ/k)``.

    The spread the paper's "symmetric" benchmark quotes, and the "spread" column of its results tables
    for both strategies.
    """
    return optimal_spread(0.5 * horizon, gamma=gamma, sigma=sigma, k=k)


@dataclass(frozen=True, slots=True)
class AvellanedaStoikov:
    """Quote ``r ∓ spread/2`` around the Avellaneda–Stoikov reservation price (module docstring).

    Attributes:
        gamma: risk aversion γ, per price unit (> 0).
        sigma: mid-price volatility σ, price units per sqrt(time unit) (> 0).
        k: decay of the fill intensity with distance, per price unit (> 0).
        horizon: the trading horizon T in time units (> 0); ``state.time`` must lie in [0, T].

    Defaults are the paper's simulation parameters (γ = 0.1, σ = 2, k = 1.5, T = 1).
    """

    name: ClassVar[str] = "avellaneda-stoikov"

    gamma: float = 0.1
    sigma: float = 2.0
    k: float = 1.5
    horizon: float = 1.0

    def __post_init__(self) -> None:
        require_positive("gamma", self.gamma)
        require_positive("sigma", self.sigma)
        require_positive("k", self.k)
        require_positive("horizon", self.horizon)

    def quote(self, state: MarketState) -> Quote:
        """Bid ``r - spread/2`` and ask ``r + spread/2`` for ``state`` (mid, inventory, time)."""
        tau = time_to_horizon(state.time, self.horizon)
        centre = reservation_price(state.mid, state.inventory, tau, gamma=self.gamma, sigma=self.sigma)
        half = 0.5 * optimal_spread(tau, gamma=self.gamma, sigma=self.sigma, k=self.k)
        return Quote(bid=centre - half, ask=centre + half)
