"""Hedge ratios for a pair: static OLS and a Kalman-filter (time-varying) estimate.

The spread of a pair is ``y − (α + β·x)``. OLS gives one (α, β) for the whole sample — the first step of
Engle & Granger (1987). The Kalman filter treats (β, α) as a random walk observed through
``y_t = α_t + β_t·x_t + ε_t`` and gives a causal estimate at every step, the forecast error (the tradable
spread) and its predicted standard deviation (Chan 2013, *Algorithmic Trading*, ch. 3; Montana, Triantafyllopoulos
& Tsagaris 2009 for the ``δ/(1−δ)`` state-noise parametrisation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hft_statarb._validation import (
    as_finite_series,
    require_finite_positive,
    require_not_constant,
    require_same_length,
)
from hft_statarb.errors import StatArbError

__all__ = ["KalmanHedge", "OlsHedge", "kalman_hedge_ratio", "ols_hedge_ratio"]

FloatArray = npt.NDArray[np.float64]

MIN_OLS_OBSERVATIONS = 3
"""OLS of y on (1, x) needs three points for a residual variance with one degree of freedom."""


@dataclass(frozen=True, slots=True)
class OlsHedge:
    """Static hedge ``y ≈ alpha + beta·x`` fitted by ordinary least squares."""

    beta: float
    alpha: float
    beta_stderr: float
    """Conventional (homoskedastic, iid) standard error; not valid inference for non-stationary series."""
    residual_std: float
    r_squared: float
    spread: FloatArray
    """Residuals ``y − alpha − beta·x``, one per observation."""


def ols_hedge_ratio(y: npt.ArrayLike, x: npt.ArrayLike) -> OlsHedge:
    """Regress ``y`` on a constant and ``x``; the slope is the hedge ratio (units of x per unit of y)."""
    y_values = as_finite_series(y, "y", min_length=MIN_OLS_OBSERVATIONS)
    x_values = as_finite_series(x, "x", min_length=MIN_OLS_OBSERVATIONS)
    require_same_length(y_values, x_values, "y and x")
    require_not_constant(x_values, "x")
    x_centered = x_values - x_values.mean()
    y_centered = y_values - y_values.mean()
    sxx = float(x_centered @ x_centered)
    beta = float(x_centered @ y_centered) / sxx
    alpha = float(y_values.mean() - beta * x_values.mean())
    spread = y_values - alpha - beta * x_values
    n = y_values.size
    ssr = float(spread @ spread)
    residual_var = ssr / (n - 2) if n > 2 else math.nan
    syy = float(y_centered @ y_centered)
    r_squared = 1.0 - ssr / syy if syy > 0 else 1.0
    return OlsHedge(
        beta=beta,
        alpha=alpha,
        beta_stderr=math.sqrt(residual_var / sxx),
        residual_std=math.sqrt(residual_var),
        r_squared=r_squared,
        spread=spread,
    )


@dataclass(frozen=True, slots=True)
class KalmanHedge:
    """Filtered hedge path; every array has one entry per observation and uses data up to that time only."""

    beta: FloatArray
    """Posterior mean of β after observation t."""
    alpha: FloatArray
    """Posterior mean of α after observation t."""
    spread: FloatArray
    """One-step forecast error ``y_t − (α_{t|t−1} + β_{t|t−1}·x_t)``: the spread traded by the strategy."""
    spread_std: FloatArray
    """Predicted standard deviation of that forecast error, ``√(H P_{t|t−1} Hᵀ + R)``."""
    observation_variance: float
    """The R actually used (given, or estimated on the warm-up window)."""

    @property
    def zscore(self) -> FloatArray:
        """Spread in units of its predicted standard deviation (≈ N(0, 1) when the model fits)."""
        return self.spread / self.spread_std


def kalman_hedge_ratio(
    y: npt.ArrayLike,
    x: npt.ArrayLike,
    *,
    delta: float = 1e-4,
    observation_variance: float | None = None,
    warmup: int = 50,
    initial_state: tuple[float, float] = (0.0, 0.0),
    initial_variance: float = 1e6,
) -> KalmanHedge:
    """Kalman-filter hedge ratio for ``y_t = α_t + β_t·x_t + ε_t`` with (β, α) a random walk.

    State noise covariance is ``Q = δ/(1−δ)·I``: ``delta`` → 0 gives a static regression (recursive least
    squares), larger values let β move faster. ``observation_variance`` R is in squared units of y; if omitted
    it is the OLS residual variance over the first ``warmup`` observations (the whole series if shorter), so
    only those observations' spreads are in-sample. The state starts at ``initial_state`` = (β, α) with a
    diffuse covariance ``initial_variance·I``.
    """
    y_values = as_finite_series(y, "y", min_length=MIN_OLS_OBSERVATIONS)
    x_values = as_finite_series(x, "x", min_length=MIN_OLS_OBSERVATIONS)
    require_same_length(y_values, x_values, "y and x")
    require_not_constant(x_values, "x")
    if not (math.isfinite(delta) and 0.0 <= delta < 1.0):
        raise StatArbError(f"delta must lie in [0, 1), got {delta!r}")
    require_finite_positive(initial_variance, "initial_variance")
    if observation_variance is None:
        if warmup < MIN_OLS_OBSERVATIONS:
            raise StatArbError(f"warmup must be at least {MIN_OLS_OBSERVATIONS} observations, got {warmup}")
        window = min(warmup, y_values.size)
        if np.ptp(x_values[:window]) == 0:
            raise StatArbError(f"x is constant over the first {window} observations; give observation_variance")
        warm = ols_hedge_ratio(y_values[:window], x_values[:window])
        obs_var = max(warm.residual_std**2, 1e-12 * max(float(np.var(y_values[:window])), 1.0))
    else:
        obs_var = require_finite_positive(observation_variance, "observation_variance")

    state_noise = delta / (1.0 - delta)
    beta_mean, alpha_mean = (float(v) for v in initial_state)
    # Covariance of (β, α), kept as its three distinct entries for speed.
    p_bb, p_ba, p_aa = float(initial_variance), 0.0, float(initial_variance)

    n = y_values.size
    betas = np.empty(n)
    alphas = np.empty(n)
    spreads = np.empty(n)
    spread_stds = np.empty(n)
    for t in range(n):
        xt = float(x_values[t])
        p_bb += state_noise
        p_aa += state_noise
        forecast_error = float(y_values[t]) - (beta_mean * xt + alpha_mean)
        ph_b = p_bb * xt + p_ba  # P Hᵀ with H = (x_t, 1)
        ph_a = p_ba * xt + p_aa
        innovation_var = ph_b * xt + ph_a + obs_var
        gain_b = ph_b / innovation_var
        gain_a = ph_a / innovation_var
        beta_mean += gain_b * forecast_error
        alpha_mean += gain_a * forecast_error
        # Joseph-free update P ← P − K (H P); symmetric by construction.
        p_bb -= gain_b * ph_b
        p_ba -= gain_b * ph_a
        p_aa -= gain_a * ph_a
        betas[t] = beta_mean
        alphas[t] = alpha_mean
        spreads[t] = forecast_error
        spread_stds[t] = math.sqrt(innovation_var)
    return KalmanHedge(beta=betas, alpha=alphas, spread=spreads, spread_std=spread_stds, observation_variance=obs_var)
