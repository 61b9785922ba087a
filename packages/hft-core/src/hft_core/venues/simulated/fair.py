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

__all__ = ["MAX_FAIR_POINTS", "FairValuePaths", "check_fair_path", "gbm_fair_values"]

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
    check_fair_path(duration_s, step_ns, starts.size)
    n_steps = math.ceil(duration_s * _NS_PER_S / step_ns) + 1
    dt = step_ns / _NS_PER_S
    drift, scale = -0.5 * volatility**2 * dt, volatility * math.sqrt(dt)
    # One array, worked in place (the paths are the memory a long run needs): the same draws in the same order as
    # one ``standard_normal((paths, steps))`` call, and the same operations, so the values are those of
    # ``starts · exp(cumsum(drift + scale · shocks))`` bit for bit.
    rng = np.random.default_rng(seed)
    paths = np.zeros((starts.size, n_steps + 1))
    for row, start in zip(paths, starts, strict=True):
        steps = row[1:]
        rng.standard_normal(out=steps)
        steps *= scale
        steps += drift
        np.cumsum(steps, out=steps)
        np.exp(row, out=row)
        row *= start
    return FairValuePaths(paths, step_ns)


MAX_FAIR_POINTS = 2**25
"""The most fair-value points a simulated market holds (all its paths together): 256 MiB of float64, e.g. one
instrument for 3.9 days of market time at the default 10 ms step. The paths are drawn up front, so a longer run
is refused before it starts rather than running out of memory."""


def check_fair_path(duration_s: float, step_ns: int, n_paths: int = 1) -> None:
    """Refuse (``ValueError``, shown as one line) fair-value paths over `MAX_FAIR_POINTS` for ``duration_s``."""
    points = n_paths * (duration_s * _NS_PER_S / step_ns + 2)
    if points > MAX_FAIR_POINTS:
        longest_s = (MAX_FAIR_POINTS / n_paths - 2) * step_ns / _NS_PER_S
        raise ValueError(
            f"a duration of {duration_s:g} s needs {points:.3g} fair-value points ({points * 8 / 2**30:.3g} GiB) "
            f"at a {step_ns / 1e6:g} ms step for {n_paths} path(s); the simulated market holds at most "
            f"{MAX_FAIR_POINTS:,} ({longest_s:,.0f} s at this step): shorten --duration or raise "
            "scenario.fair_step_ms"
        )
