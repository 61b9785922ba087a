"""Price discovery between two prices of one asset: Hasbrouck information shares and Gonzalo–Granger component
shares from a vector error-correction model (VECM).

**Sampling.** Both log prices are sampled on a common grid (every ``interval_ns`` over their overlap, the last
price at or before each grid time), so the VECM sees synchronous observations.

**VECM.** With ``z = p₁ − p₂`` (cointegrating vector (1, −1): the same asset), each price change is regressed by
OLS on a constant, ``z`` one step back and ``lags`` lags of both price changes::

    Δpₜ = c + α zₜ₋₁ + Σᵢ Γᵢ Δpₜ₋ᵢ + eₜ,     Ω = Cov(e)

**Gonzalo–Granger (1995).** The common (permanent) factor is ``α⊥' p`` with ``α⊥ ∝ (α₂, −α₁)``; the component
shares are ``α⊥`` normalised to sum to one. A price that does not adjust to the other (αᵢ = 0) has share 1.

**Hasbrouck (1995).** The permanent innovation is ``ψ e`` with ``ψ ∝ α⊥'`` (the common row of the VECM's long-run
impact matrix, up to a scalar that cancels); price j's information share is the part of ``Var(ψ e) = ψ Ω ψ'``
attributed to it after a Cholesky factorisation of Ω. With correlated residuals that depends on which price comes
first, so both orders are computed: each price's share lies between a lower and an upper bound (its share when
ordered last and first).

**Intervals.** A moving-block bootstrap over the regression's rows (blocks of ``block_s``): blocks are drawn with
replacement, the VECM is re-estimated and the shares recomputed; percentile intervals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hft_latency_arb.leadlag import FloatArray, IntArray, LeadLagError, _prepare

__all__ = ["PriceDiscovery", "price_discovery", "sample_on_grid", "vecm_shares"]

MIN_ROWS = 50
"""Fewest grid rows (after lags) a VECM is estimated from."""


def sample_on_grid(times: IntArray, log_prices: FloatArray, grid: IntArray) -> FloatArray:
    """The last log price at or before each grid time (the grid starts inside the series)."""
    index = np.searchsorted(times, grid, side="right") - 1
    if np.any(index < 0):
        raise LeadLagError("the sampling grid starts before a series' first observation")
    return np.asarray(log_prices[index], dtype=np.float64)


def _design(prices: FloatArray, lags: int) -> tuple[FloatArray, FloatArray]:
    """Regressors [1, z_{t-1}, Δp_{t-1..t-lags}] and targets Δp_t from a (T, 2) array of log prices."""
    dp = np.diff(prices, axis=0)
    z = prices[:-1, 0] - prices[:-1, 1]
    rows = len(dp) - lags
    columns = [np.ones(rows), z[lags:]]
    for i in range(1, lags + 1):
        columns.extend((dp[lags - i : len(dp) - i, 0], dp[lags - i : len(dp) - i, 1]))
    return np.column_stack(columns), dp[lags:]


def vecm_shares(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """(α, Ω, Gonzalo–Granger shares, Hasbrouck lower bounds, upper bounds) from the VECM's regressors and targets."""
    coefficients, *_ = np.linalg.lstsq(x, y, rcond=None)
    residuals = y - x @ coefficients
    alpha = coefficients[1]
    omega = np.cov(residuals, rowvar=False)
    # Singular, or singular but for rounding (a series and its copy: Cholesky fails on some processors and not on
    # others, where the rounding leaves a last digit of independence): shares are not defined either way.
    scale = math.sqrt(max(float(omega[0, 0] * omega[1, 1]), 0.0))
    if not scale > 0 or abs(float(omega[0, 1])) >= scale * (1 - 1e-9):
        raise np.linalg.LinAlgError("the innovations' covariance matrix is singular")
    perpendicular = np.array([alpha[1], -alpha[0]])
    total = float(perpendicular.sum())
    gg = perpendicular / total if total != 0 else np.full(2, np.nan)
    psi = perpendicular
    variance = float(psi @ omega @ psi)
    shares = np.empty((2, 2))  # (ordering, price)
    for order, permutation in enumerate(((0, 1), (1, 0))):
        p = list(permutation)
        factor = np.linalg.cholesky(omega[np.ix_(p, p)])
        contribution = (psi[p] @ factor) ** 2 / variance if variance > 0 else np.full(2, np.nan)
        shares[order, p] = contribution
    return alpha, omega, gg, shares.min(axis=0), shares.max(axis=0)


@dataclass(frozen=True)
class PriceDiscovery:
    """Information and component shares of the first and second price, with bootstrap percentile intervals."""

    interval_ns: int
    lags: int
    rows: int
    alpha: tuple[float, float]
    gonzalo_granger: tuple[float, float]
    hasbrouck_lower: tuple[float, float]
    hasbrouck_upper: tuple[float, float]
    gonzalo_granger_ci: tuple[float, float]
    hasbrouck_lower_ci: tuple[float, float]
    hasbrouck_upper_ci: tuple[float, float]
    confidence: float

    def summary(self) -> dict[str, object]:
        """A JSON-ready summary (intervals are the first price's; the second's are one minus them)."""
        return {
            "interval_ms": self.interval_ns / 1e6,
            "vecm_lags": self.lags,
            "rows": self.rows,
            "alpha": list(self.alpha),
            "gonzalo_granger_share": list(self.gonzalo_granger),
            "hasbrouck_share_bounds": [
                [self.hasbrouck_lower[0], self.hasbrouck_upper[0]],
                [self.hasbrouck_lower[1], self.hasbrouck_upper[1]],
            ],
            "first_ci": {
                "gonzalo_granger": list(self.gonzalo_granger_ci),
                "hasbrouck_lower": list(self.hasbrouck_lower_ci),
                "hasbrouck_upper": list(self.hasbrouck_upper_ci),
            },
            "confidence": self.confidence,
        }


def price_discovery(
    times_x: npt.ArrayLike,
    prices_x: npt.ArrayLike,
    times_y: npt.ArrayLike,
    prices_y: npt.ArrayLike,
    *,
    interval_ns: int = 100_000_000,
    lags: int = 5,
    block_s: float = 10.0,
    n_boot: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
) -> PriceDiscovery:
    """Hasbrouck and Gonzalo–Granger shares of X and Y (see the module docstring).

    Raises `LeadLagError` for series that do not overlap, too short an overlap for the grid and lags, a grid step
    of zero or below the timestamps' resolution, prices that never move on the grid, or innovations so correlated
    that their covariance is singular (a series and its copy).
    """
    if isinstance(lags, bool) or not isinstance(lags, int) or not 1 <= lags <= 100:
        raise LeadLagError(f"VECM lags must be an integer in [1, 100], got {lags!r}")
    if not 0 < confidence < 1:
        raise LeadLagError(f"confidence must lie in (0, 1), got {confidence}")
    if interval_ns <= 0:
        raise LeadLagError(f"sampling interval must be > 0 ns, got {interval_ns}")
    tx, px = _prepare(times_x, prices_x, "first series")
    ty, py = _prepare(times_y, prices_y, "second series")
    start, end = max(int(tx[0]), int(ty[0])), min(int(tx[-1]), int(ty[-1]))
    if end <= start:
        raise LeadLagError("the series do not overlap in time")
    grid = np.arange(start, end + 1, interval_ns, dtype=np.int64)
    if len(grid) - 1 - lags < MIN_ROWS:
        raise LeadLagError(
            f"the overlap ({(end - start) / 1e9:.3g} s) holds {len(grid)} points of a {interval_ns / 1e6:g} ms grid: "
            f"a VECM with {lags} lags needs at least {MIN_ROWS + lags + 1}"
        )
    prices = np.column_stack((sample_on_grid(tx, px, grid), sample_on_grid(ty, py, grid)))
    if np.any(np.ptp(prices, axis=0) == 0):
        raise LeadLagError("a price never changes on the sampling grid: no price discovery to share")
    x, y = _design(prices, lags)
    try:
        alpha, _, gg, lower, upper = vecm_shares(x, y)
    except np.linalg.LinAlgError:
        raise LeadLagError(
            "the two prices' VECM innovations are perfectly correlated on the sampling grid (one series a copy of "
            "the other, or a too coarse --interval-ms): information shares are not defined"
        ) from None
    rows_per_block = min(max(int(block_s * 1e9 // interval_ns), 1), len(y))
    n_blocks = max(len(y) // rows_per_block, 1)
    rng = np.random.default_rng(seed)
    draws = np.full((n_boot, 3), np.nan)
    for b in range(n_boot):
        starts = rng.integers(0, len(y) - rows_per_block + 1, n_blocks)
        pick = (starts[:, None] + np.arange(rows_per_block)[None, :]).ravel()
        try:
            _, _, gg_b, lower_b, upper_b = vecm_shares(x[pick], y[pick])
        except np.linalg.LinAlgError:
            continue  # a degenerate resample (e.g. no price change in it): left out of the interval
        draws[b] = (gg_b[0], lower_b[0], upper_b[0])
    tail = (1.0 - confidence) / 2.0

    def interval(column: int) -> tuple[float, float]:
        values = draws[:, column][np.isfinite(draws[:, column])]
        if len(values) == 0:
            return (float("nan"), float("nan"))
        low, high = np.quantile(values, [tail, 1.0 - tail])
        return (float(low), float(high))

    def pair(values: FloatArray) -> tuple[float, float]:
        return (float(values[0]), float(values[1]))

    return PriceDiscovery(
        interval_ns=int(interval_ns),
        lags=lags,
        rows=len(y),
        alpha=pair(alpha),
        gonzalo_granger=pair(gg),
        hasbrouck_lower=pair(lower),
        hasbrouck_upper=pair(upper),
        gonzalo_granger_ci=interval(0),
        hasbrouck_lower_ci=interval(1),
        hasbrouck_upper_ci=interval(2),
        confidence=confidence,
    )
