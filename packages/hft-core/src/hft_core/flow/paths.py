"""Seeded price paths for synthetic markets: GBM, Merton jump-diffusion, correlated and cointegrated baskets,
Ornstein–Uhlenbeck spreads and integer tick-grid random walks.

Every continuous path is sampled from its exact transition law on the time grid (no Euler error):

- GBM: ``ln S_{t+Δ} − ln S_t = (μ − σ²/2)Δ + σ√Δ·Z`` (Black & Scholes 1973).
- Merton (1976) jump-diffusion: the same plus ``Σ_{k≤N} Y_k`` with ``N ~ Poisson(λΔ)`` and
  ``Y_k ~ N(m_J, s_J²)``; the drift is compensated by ``λκ``, ``κ = e^{m_J + s_J²/2} − 1``, so that
  ``E[S_t] = S_0·e^{μt}`` as in GBM.
- Correlated GBM: ``Z = L·ε`` with ``L·Lᵀ`` the correlation matrix (Cholesky).
- OU: ``X_{t+Δ} = m + (X_t − m)e^{−κΔ} + σ·√((1 − e^{−2κΔ})/(2κ))·Z`` (exact; see e.g. Glasserman 2004, §3.3).
- Cointegrated basket: ``ln Y = c + Σ_k b_k·ln X_k + S`` with the legs ``X`` correlated GBM and the spread ``S`` an
  OU process, so ``ln Y`` and ``ln X`` are I(1) while the Engle–Granger residual ``S`` is stationary.

Arrays are shaped ``(n_paths, n_steps + 1[, n_assets])``; column 0 is the starting value, column ``k`` the value
at ``time_grid(horizon, n_steps)[k]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.signal import lfilter  # type: ignore[import-untyped, unused-ignore]

from hft_core.flow._checks import (
    FloatArray,
    IntArray,
    SeedLike,
    as_float_vector,
    as_generator,
    correlation_factor,
    require_count,
    require_finite,
    require_nonnegative,
    require_positive,
    require_probability,
)

__all__ = [
    "CointegratedPaths",
    "cointegrated_paths",
    "correlated_gbm_paths",
    "gbm_paths",
    "merton_jump_paths",
    "ou_paths",
    "tick_random_walk",
    "time_grid",
]


def time_grid(horizon: float, n_steps: int) -> FloatArray:
    """The ``n_steps + 1`` equally spaced times ``0, Δ, …, horizon`` that every path here is sampled on."""
    horizon = require_positive("horizon", horizon)
    n_steps = require_count("n_steps", n_steps)
    return np.linspace(0.0, horizon, n_steps + 1)


def _grid_step(horizon: float, n_steps: int, n_paths: int) -> float:
    require_positive("horizon", horizon)
    require_count("n_steps", n_steps)
    require_count("n_paths", n_paths)
    return float(horizon) / int(n_steps)


def _prepend_zero_and_cumsum(increments: FloatArray) -> FloatArray:
    """Cumulative sums along axis 1 with a leading zero row: increments -> path offsets from the start."""
    shape = list(increments.shape)
    shape[1] += 1
    out = np.zeros(shape, dtype=np.float64)
    np.cumsum(increments, axis=1, out=out[:, 1:])
    return out


def gbm_paths(
    s0: float,
    drift: float,
    volatility: float,
    horizon: float,
    n_steps: int,
    *,
    n_paths: int = 1,
    seed: SeedLike = None,
) -> FloatArray:
    """Geometric Brownian motion ``dS = μS dt + σS dW``, sampled exactly; shape ``(n_paths, n_steps + 1)``.

    ``drift`` (μ) and ``volatility`` (σ) are per unit of ``horizon``'s time unit; ``E[S_t] = s0·e^{μt}``.
    """
    s0 = require_positive("s0", s0)
    drift = require_finite("drift", drift)
    volatility = require_nonnegative("volatility", volatility)
    dt = _grid_step(horizon, n_steps, n_paths)
    rng = as_generator(seed)
    shocks = rng.standard_normal((n_paths, n_steps))
    log_increments = (drift - 0.5 * volatility**2) * dt + volatility * math.sqrt(dt) * shocks
    paths: FloatArray = s0 * np.exp(_prepend_zero_and_cumsum(log_increments))
    return paths


def merton_jump_paths(
    s0: float,
    drift: float,
    volatility: float,
    jump_intensity: float,
    jump_mean: float,
    jump_std: float,
    horizon: float,
    n_steps: int,
    *,
    n_paths: int = 1,
    seed: SeedLike = None,
) -> FloatArray:
    """Merton (1976) jump-diffusion, sampled exactly on the grid; shape ``(n_paths, n_steps + 1)``.

    Jumps arrive as a Poisson process of rate ``jump_intensity`` (λ); each multiplies the price by ``e^Y`` with
    ``Y ~ N(jump_mean, jump_std²)``. The diffusion drift is compensated so ``E[S_t] = s0·e^{drift·t}``.
    Per step, the log return has mean ``(μ − σ²/2 − λκ)Δ + λΔ·m_J`` and variance ``σ²Δ + λΔ(s_J² + m_J²)``.
    """
    s0 = require_positive("s0", s0)
    drift = require_finite("drift", drift)
    volatility = require_nonnegative("volatility", volatility)
    jump_intensity = require_nonnegative("jump_intensity", jump_intensity)
    jump_mean = require_finite("jump_mean", jump_mean)
    jump_std = require_nonnegative("jump_std", jump_std)
    dt = _grid_step(horizon, n_steps, n_paths)
    rng = as_generator(seed)
    mean_jump_return = math.expm1(jump_mean + 0.5 * jump_std**2)
    diffusion = rng.standard_normal((n_paths, n_steps))
    jump_counts = rng.poisson(jump_intensity * dt, size=(n_paths, n_steps))
    jump_shocks = rng.standard_normal((n_paths, n_steps))
    # The sum of N i.i.d. N(m, s²) draws is N(N·m, N·s²): exact, with one normal per step.
    jump_sums = jump_counts * jump_mean + np.sqrt(jump_counts) * jump_std * jump_shocks
    log_increments = (
        (drift - 0.5 * volatility**2 - jump_intensity * mean_jump_return) * dt
        + volatility * math.sqrt(dt) * diffusion
        + jump_sums
    )
    paths: FloatArray = s0 * np.exp(_prepend_zero_and_cumsum(log_increments))
    return paths


def _correlated_log_paths(
    s0: npt.ArrayLike,
    drift: npt.ArrayLike,
    volatility: npt.ArrayLike,
    correlation: npt.ArrayLike | None,
    horizon: float,
    n_steps: int,
    n_paths: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Log prices of correlated GBMs, shape ``(n_paths, n_steps + 1, n_assets)``, after validating inputs."""
    start = as_float_vector("s0", s0)
    n_assets = start.shape[0]
    drifts = as_float_vector("drift", drift, length=n_assets)
    vols = as_float_vector("volatility", volatility, length=n_assets)
    if np.any(start <= 0):
        raise ValueError(f"s0 must be > 0 for every asset, got {start}")
    if np.any(vols < 0):
        raise ValueError(f"volatility must be >= 0 for every asset, got {vols}")
    factor = np.eye(n_assets) if correlation is None else correlation_factor(correlation, dim=n_assets)
    dt = _grid_step(horizon, n_steps, n_paths)
    shocks = rng.standard_normal((n_paths, n_steps, n_assets)) @ factor.T
    log_increments = (drifts - 0.5 * vols**2) * dt + vols * math.sqrt(dt) * shocks
    log_paths: FloatArray = np.log(start) + _prepend_zero_and_cumsum(log_increments)
    return log_paths


def correlated_gbm_paths(
    s0: npt.ArrayLike,
    drift: npt.ArrayLike,
    volatility: npt.ArrayLike,
    correlation: npt.ArrayLike,
    horizon: float,
    n_steps: int,
    *,
    n_paths: int = 1,
    seed: SeedLike = None,
) -> FloatArray:
    """Correlated GBMs, shape ``(n_paths, n_steps + 1, n_assets)``.

    ``s0``, ``drift`` and ``volatility`` are per asset (a scalar ``drift``/``volatility`` applies to all);
    ``correlation`` is the ``n_assets × n_assets`` correlation of the Brownian motions, which must be symmetric
    with a unit diagonal and positive semi-definite.
    """
    log_paths = _correlated_log_paths(s0, drift, volatility, correlation, horizon, n_steps, n_paths, as_generator(seed))
    paths: FloatArray = np.exp(log_paths)
    return paths


def _ou_deviation_paths(
    start_deviation: float,
    mean_reversion: float,
    volatility: float,
    dt: float,
    n_steps: int,
    n_paths: int,
    rng: np.random.Generator,
) -> FloatArray:
    """OU deviations from the mean level, shape ``(n_paths, n_steps + 1)``, by the exact AR(1) recursion."""
    if mean_reversion > 0:
        ar_coefficient = math.exp(-mean_reversion * dt)
        shock_std = volatility * math.sqrt(-math.expm1(-2.0 * mean_reversion * dt) / (2.0 * mean_reversion))
    else:  # κ = 0: the OU process degenerates to a Brownian motion.
        ar_coefficient = 1.0
        shock_std = volatility * math.sqrt(dt)
    shocks = shock_std * rng.standard_normal((n_paths, n_steps))
    initial_state = np.full((n_paths, 1), ar_coefficient * start_deviation)
    # lfilter runs d_k = b·d_{k−1} + e_k along each row in compiled code.
    filtered, _ = lfilter([1.0], [1.0, -ar_coefficient], shocks, axis=1, zi=initial_state)
    out = np.empty((n_paths, n_steps + 1), dtype=np.float64)
    out[:, 0] = start_deviation
    out[:, 1:] = filtered
    return out


def ou_paths(
    start: float,
    mean_level: float,
    mean_reversion: float,
    volatility: float,
    horizon: float,
    n_steps: int,
    *,
    n_paths: int = 1,
    seed: SeedLike = None,
) -> FloatArray:
    """Ornstein–Uhlenbeck ``dX = κ(m − X)dt + σ dW``, exact discretisation; shape ``(n_paths, n_steps + 1)``.

    ``mean_reversion`` is κ (half-life ``ln 2/κ``); the stationary law is ``N(m, σ²/(2κ))``.
    """
    start = require_finite("start", start)
    mean_level = require_finite("mean_level", mean_level)
    mean_reversion = require_nonnegative("mean_reversion", mean_reversion)
    volatility = require_nonnegative("volatility", volatility)
    dt = _grid_step(horizon, n_steps, n_paths)
    deviations = _ou_deviation_paths(
        start - mean_level, mean_reversion, volatility, dt, n_steps, n_paths, as_generator(seed)
    )
    return mean_level + deviations


@dataclass(frozen=True, slots=True, eq=False)
class CointegratedPaths:
    """Prices of a cointegrated basket: ``ln target = intercept + Σ_k hedge_ratios[k]·ln legs[..., k] + spread``.

    ``legs``: ``(n_paths, n_steps + 1, n_legs)`` GBM prices; ``target`` and ``spread``: ``(n_paths, n_steps + 1)``.
    """

    legs: FloatArray
    target: FloatArray
    spread: FloatArray
    hedge_ratios: FloatArray
    intercept: float


def cointegrated_paths(
    leg_s0: npt.ArrayLike,
    leg_drift: npt.ArrayLike,
    leg_volatility: npt.ArrayLike,
    hedge_ratios: npt.ArrayLike,
    spread_mean_reversion: float,
    spread_volatility: float,
    horizon: float,
    n_steps: int,
    *,
    leg_correlation: npt.ArrayLike | None = None,
    intercept: float = 0.0,
    spread_mean: float = 0.0,
    spread_start: float | None = None,
    n_paths: int = 1,
    seed: SeedLike = None,
) -> CointegratedPaths:
    """A pair (one leg) or basket cointegrated in logs: the target tracks ``Σ b_k·ln X_k`` up to an OU spread.

    The legs are (optionally correlated) GBMs; the spread is an OU process with mean ``spread_mean``, reversion
    speed ``spread_mean_reversion`` (> 0, else it is not cointegrated) and ``spread_volatility``, started at
    ``spread_start`` (default: its mean). The spread is independent of the legs.
    """
    rng = as_generator(seed)
    log_legs = _correlated_log_paths(leg_s0, leg_drift, leg_volatility, leg_correlation, horizon, n_steps, n_paths, rng)
    ratios = as_float_vector("hedge_ratios", hedge_ratios, length=log_legs.shape[2])
    intercept = require_finite("intercept", intercept)
    kappa = require_positive("spread_mean_reversion", spread_mean_reversion)
    spread_volatility = require_nonnegative("spread_volatility", spread_volatility)
    spread_mean = require_finite("spread_mean", spread_mean)
    start = spread_mean if spread_start is None else require_finite("spread_start", spread_start)
    dt = float(horizon) / n_steps
    spread = spread_mean + _ou_deviation_paths(start - spread_mean, kappa, spread_volatility, dt, n_steps, n_paths, rng)
    log_target = intercept + log_legs @ ratios + spread
    return CointegratedPaths(
        legs=np.exp(log_legs),
        target=np.exp(log_target),
        spread=spread,
        hedge_ratios=ratios,
        intercept=intercept,
    )


def tick_random_walk(
    start_tick: int,
    n_steps: int,
    *,
    n_paths: int = 1,
    up_probability: float = 0.5,
    down_probability: float = 0.5,
    step_ticks: int = 1,
    seed: SeedLike = None,
) -> IntArray:
    """An arithmetic random walk on the integer tick grid, for the mid price of a simulated book.

    Each step moves ``+step_ticks`` with ``up_probability``, ``−step_ticks`` with ``down_probability`` and stays
    otherwise (Avellaneda & Stoikov 2008 use ±σ√Δ with probability ½ each). Returns int64 ticks, shape
    ``(n_paths, n_steps + 1)``. The walk is unbounded: pick ``start_tick`` far from zero for long runs.
    """
    start = require_count("start_tick", start_tick, minimum=-(2**62))
    n_steps = require_count("n_steps", n_steps)
    n_paths = require_count("n_paths", n_paths)
    step = require_count("step_ticks", step_ticks)
    p_up = require_probability("up_probability", up_probability)
    p_down = require_probability("down_probability", down_probability)
    if p_up + p_down > 1.0 + 1e-12:
        raise ValueError(f"up_probability + down_probability must be <= 1, got {p_up} + {p_down}")
    uniforms = as_generator(seed).random((n_paths, n_steps))
    moves = np.where(uniforms < p_up, step, np.where(uniforms < p_up + p_down, -step, 0)).astype(np.int64)
    out = np.empty((n_paths, n_steps + 1), dtype=np.int64)
    out[:, 0] = start
    np.cumsum(moves, axis=1, out=out[:, 1:])
    out[:, 1:] += start
    return out
