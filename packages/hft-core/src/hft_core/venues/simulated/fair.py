"""Latent fair values: the price paths the simulated market's participants believe in.

A `FairValuePaths` holds one or more price paths sampled every ``step_ns`` from the start of the run; a market
reads its path as a step function. `gbm_fair_values` samples independent geometric Brownian motions exactly
(``ln S`` has i.i.d. ``N(−σ²Δ/2, σ²Δ)`` increments, Black & Scholes 1973). It is written out here rather than
taken from `hft_core.flow.paths`, whose import pulls in numba and scipy and would double the wall time of a
default ``hft run``; richer paths (cointegrated baskets, jumps) come from `hft_core.flow` in the scenarios that
need them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["FairValuePaths", "gbm_fair_values"]

_NS_PER_S = 1_000_000_000


@dataclass(frozen=True, slots=True, eq=False)
class FairValuePaths:
    """Fair-value price paths (quote currency), shape ``(n_paths, n_points)``, one point every ``step_ns``.

    Point ``k`` holds from ``k·step_ns`` after the start of the run until the next point; past the last point the
    last value holds.
    """

    prices: npt.NDArray[np.float64]
    step_ns: int

    def __post_init__(self) -> None:
        prices = np.asarray(self.prices, dtype=np.float64)
        if prices.ndim != 2 or prices.shape[1] < 1:
            raise ValueError(f"fair-value prices must have shape (n_paths, n_points), got {prices.shape}")
        if not np.all(np.isfinite(prices)) or np.any(prices <= 0):
            raise ValueError("fair-value prices must be finite and > 0")
        if not isinstance(self.step_ns, int) or self.step_ns <= 0:
            raise ValueError(f"step_ns must be a positive integer, got {self.step_ns!r}")
        prices.flags.writeable = False
        object.__setattr__(self, "prices", prices)

    @property
    def n_paths(self) -> int:
        """How many paths there are."""
        return int(self.prices.shape[0])

    @property
    def span_ns(self) -> int:
        """The time from the start to the last point."""
        return (int(self.prices.shape[1]) - 1) * self.step_ns

    def price_at(self, path: int, offset_ns: int) -> float:
        """The fair price of ``path`` at ``offset_ns`` after the start (clamped to the sampled span)."""
        point = min(max(offset_ns // self.step_ns, 0), int(self.prices.shape[1]) - 1)
        return float(self.prices[path, point])


def gbm_fair_values(
    start_prices: float | Sequence[float],
    volatility: float,
    duration_s: float,
    *,
    step_ns: int = 10_000_000,
    seed: int | np.random.SeedSequence | None = None,
) -> FairValuePaths:
    """Independent driftless GBM fair values, one per start price, covering ``duration_s`` seconds.

    ``volatility`` is σ per square-root second (relative): ``1e-4`` moves a price of 100 by about one cent,
    one tick of 0.01, per √s.
    """
    starts = np.atleast_1d(np.asarray(start_prices, dtype=np.float64))
    if starts.ndim != 1 or not np.all(np.isfinite(starts)) or np.any(starts <= 0):
        raise ValueError(f"start prices must be finite and > 0, got {start_prices!r}")
    if not math.isfinite(volatility) or volatility < 0:
        raise ValueError(f"volatility must be finite and >= 0, got {volatility!r}")
    if not math.isfinite(duration_s) or duration_s <= 0:
        raise ValueError(f"duration_s must be finite and > 0, got {duration_s!r}")
    if not isinstance(step_ns, int) or step_ns <= 0:
        raise ValueError(f"step_ns must be a positive integer, got {step_ns!r}")
    n_steps = math.ceil(duration_s * _NS_PER_S / step_ns) + 1
    dt = step_ns / _NS_PER_S
    shocks = np.random.default_rng(seed).standard_normal((starts.size, n_steps))
    log_steps = -0.5 * volatility**2 * dt + volatility * math.sqrt(dt) * shocks
    log_paths = np.zeros((starts.size, n_steps + 1))
    np.cumsum(log_steps, axis=1, out=log_paths[:, 1:])
    return FairValuePaths(starts[:, None] * np.exp(log_paths), step_ns)
