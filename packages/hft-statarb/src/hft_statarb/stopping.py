"""Optimal stopping with path signatures (Bayer, Hager, Riedel & Schoenmakers 2023).

For a non-Markovian process — here fractional Brownian motion B^H — the decision to stop at time t depends
on the whole path so far. Bayer, Hager, Riedel & Schoenmakers, "Optimal stopping with signatures", Ann. Appl.
Probab. 33(1), 238–273 (2023), encode that path by the truncated signature of the time-augmented path
``t ↦ (t, X_t)`` (all iterated integrals up to level N; for a piecewise-linear path it follows from Chen's
identity ``S(0, t_{k+1}) = S(0, t_k) ⊗ exp(ΔX_k)``) and approximate continuation values by *linear*
functionals of it.

This module:

* simulates fBM exactly on a grid (`simulate_fbm`, Cholesky or Davies & Harte (1987) circulant embedding
  of fractional Gaussian noise);
* computes truncated signatures (`path_signature`, and a vectorised running version over many paths);
* fits a stopping rule by Longstaff & Schwartz (2001) regression of realised future payoffs on signature
  features, backwards over the exercise dates (`fit_signature_stopping`);
* evaluates a rule on *fresh* paths (`evaluate_stopping_rule`): any rule is an admissible stopping time,
  so its mean payoff is a lower bound of the optimal value up to Monte Carlo error.

Reference problem: ``sup_τ E[B^H_τ]`` over stopping times on the grid ``t_k = k/100``, k = 0..100. At H = 1/2
B is a martingale and every stopping rule gives exactly 0; for H < 1/2 increments are negatively
correlated and the value is positive (≈ 0.37–0.39 at H = 0.3 in the authors' setting).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from hft_statarb.errors import StatArbError

__all__ = [
    "FbmMethod",
    "SignatureStoppingRule",
    "StoppingValue",
    "evaluate_stopping_rule",
    "fbm_increment_autocovariance",
    "fit_signature_stopping",
    "path_signature",
    "signature_feature_count",
    "simulate_fbm",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
FbmMethod = Literal["davies-harte", "cholesky"]
Payoff = Callable[[FloatArray], FloatArray]


def _require_hurst(hurst: float) -> float:
    if not (math.isfinite(hurst) and 0.0 < hurst < 1.0):
        raise StatArbError(f"Hurst index must lie in (0, 1), got {hurst!r}")
    return float(hurst)


def fbm_increment_autocovariance(hurst: float, n_lags: int) -> FloatArray:
    """Autocovariance γ(0..n_lags−1) of unit-step fractional Gaussian noise.

    ``γ(k) = ½(|k+1|^{2H} − 2|k|^{2H} + |k−1|^{2H})``; increments over a step Δ scale by Δ^{2H}.
    """
    h2 = 2.0 * _require_hurst(hurst)
    lags = np.arange(n_lags, dtype=np.float64)
    return 0.5 * (np.abs(lags + 1) ** h2 - 2.0 * np.abs(lags) ** h2 + np.abs(lags - 1) ** h2)


def simulate_fbm(
    hurst: float,
    *,
    n_paths: int,
    n_steps: int,
    rng: np.random.Generator,
    horizon: float = 1.0,
    method: FbmMethod = "davies-harte",
) -> FloatArray:
    """Exact fBM samples on ``k·horizon/n_steps``, k = 0..n_steps; shape ``(n_paths, n_steps + 1)``, B_0 = 0.

    ``cholesky`` factors the n × n noise covariance (O(n³) once); ``davies-harte`` embeds it in a 2n
    circulant whose eigenvalues come from one FFT and draws two independent paths per complex FFT
    (O(n log n) per path). Both are exact in distribution.
    """
    _require_hurst(hurst)
    if n_paths < 1 or n_steps < 1:
        raise StatArbError(f"n_paths and n_steps must be >= 1, got {n_paths} and {n_steps}")
    if not (math.isfinite(horizon) and horizon > 0):
        raise StatArbError(f"horizon must be positive, got {horizon!r}")
    gamma = fbm_increment_autocovariance(hurst, n_steps + 1)
    scale = (horizon / n_steps) ** hurst
    if method == "cholesky":
        lag_index = np.abs(np.subtract.outer(np.arange(n_steps), np.arange(n_steps)))
        factor = np.linalg.cholesky(gamma[lag_index])
        noise = rng.standard_normal((n_paths, n_steps)) @ factor.T
    elif method == "davies-harte":
        size = 2 * n_steps
        first_row = np.concatenate([gamma[: n_steps + 1], gamma[n_steps - 1 : 0 : -1]])
        eigenvalues = np.fft.fft(first_row).real
        if eigenvalues.min() < -1e-10 * eigenvalues.max():
            raise StatArbError(f"circulant embedding is not positive semi-definite for H = {hurst}")
        amplitude = np.sqrt(np.maximum(eigenvalues, 0.0) / size)
        n_pairs = (n_paths + 1) // 2
        complex_normals = rng.standard_normal((n_pairs, size)) + 1j * rng.standard_normal((n_pairs, size))
        transformed = np.fft.fft(amplitude * complex_normals, axis=1)[:, :n_steps]
        noise = np.concatenate([transformed.real, transformed.imag], axis=0)[:n_paths]
    else:
        raise StatArbError(f"unknown fBM method {method!r}; use 'davies-harte' or 'cholesky'")
    paths = np.zeros((n_paths, n_steps + 1))
    paths[:, 1:] = np.cumsum(noise * scale, axis=1)
    return paths


# -- signatures ------------------------------------------------------------------------------------------------


def signature_feature_count(dimension: int, level: int) -> int:
    """Number of signature terms up to ``level`` including the constant 1: Σ_{k=0..N} d^k."""
    return sum(dimension**k for k in range(level + 1))


def _times_increment(tensor: FloatArray, increments: FloatArray, divisor: float) -> FloatArray:
    """``tensor ⊗ increment / divisor`` for (M, d^k) tensors and (M, d) increments, flattened to (M, d^{k+1})."""
    product = tensor[:, :, None] * (increments[:, None, :] / divisor)
    return product.reshape(tensor.shape[0], -1)


def _chen_step(levels: list[FloatArray], increments: FloatArray) -> list[FloatArray]:
    """Signature levels 1..N of the path extended by one straight segment with the given increments.

    Level n of ``S ⊗ exp(Δ)`` is ``Σ_k S_k ⊗ Δ^{⊗(n−k)}/(n−k)!``, evaluated by Horner's scheme:
    ``T_0 = 1``, ``T_j = S_j + T_{j−1} ⊗ Δ/(n − j + 1)``, level n = T_n.
    """
    updated = []
    for n in range(1, len(levels) + 1):
        horner = increments / float(n)
        for j in range(1, n):
            horner = _times_increment(levels[j - 1] + horner, increments, float(n - j))
        updated.append(levels[n - 1] + horner)
    return updated


def _flatten(levels: list[FloatArray]) -> FloatArray:
    """[1, level 1, …, level N] as one (M, features) array."""
    return np.concatenate([np.ones((levels[0].shape[0], 1)), *levels], axis=1)


def _require_level(level: int) -> None:
    if not 1 <= level <= 8:
        raise StatArbError(f"signature level must be between 1 and 8, got {level}")


def path_signature(path: npt.ArrayLike, level: int) -> FloatArray:
    """Truncated signature of a piecewise-linear path given as (n_points, d) samples.

    Returns ``[1, S¹, S², …, S^N]`` flattened, word (i₁, …, i_k) at offset ``Σ_j i_j·d^{k−j}`` within level k.
    """
    _require_level(level)
    points = np.asarray(path, dtype=np.float64)
    if points.ndim != 2 or points.shape[0] < 2:
        raise StatArbError(f"path must be (n_points >= 2, d) samples, got shape {points.shape}")
    if not np.all(np.isfinite(points)):
        raise StatArbError("path contains NaN or infinite values")
    dimension = points.shape[1]
    levels = [np.zeros((1, dimension**k)) for k in range(1, level + 1)]
    for step in np.diff(points, axis=0):
        levels = _chen_step(levels, step[None, :])
    return np.asarray(_flatten(levels)[0], dtype=np.float64)


def _time_augmented_increments(paths: FloatArray, times: FloatArray, index: int) -> FloatArray:
    """(M, 2) increments of (t, X_t) over [t_index, t_index+1]."""
    return np.column_stack(
        [np.full(paths.shape[0], times[index + 1] - times[index]), paths[:, index + 1] - paths[:, index]]
    )


# -- Longstaff–Schwartz on signatures ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignatureStoppingRule:
    """Stop at the first date k < last where ``payoff_k ≥ ⟨coefficients[k], signature of (t, X) up to t_k⟩``.

    At the last date the rule always stops.
    """

    level: int
    times: FloatArray
    """Exercise dates t_0 < … < t_K, the sampling grid of the paths."""
    coefficients: FloatArray
    """(K, features): continuation-value regression at dates t_0..t_{K−1}."""
    feature_mean: FloatArray
    """Standardisation applied to features before the regression (constant column excluded)."""
    feature_scale: FloatArray

    def continuation(self, index: int, features: FloatArray) -> FloatArray:
        """Estimated continuation values at date ``index`` from raw signature features."""
        standardized = (features - self.feature_mean) / self.feature_scale
        return np.asarray(standardized @ self.coefficients[index], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class StoppingValue:
    """Monte Carlo value of a stopping rule on independent paths."""

    mean: float
    stderr: float
    n_paths: int
    mean_stopping_time: float
    stopping_indices: IntArray

    @property
    def confidence_interval(self) -> tuple[float, float]:
        """Normal 95 % interval."""
        return self.mean - 1.96 * self.stderr, self.mean + 1.96 * self.stderr


def _validated_paths(paths: npt.ArrayLike, times: npt.ArrayLike | None) -> tuple[FloatArray, FloatArray]:
    values = np.asarray(paths, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] < 2:
        raise StatArbError(f"paths must be (n_paths, n_dates >= 2), got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise StatArbError("paths contain NaN or infinite values")
    grid = np.linspace(0.0, 1.0, values.shape[1]) if times is None else np.asarray(times, dtype=np.float64)
    if grid.shape != (values.shape[1],):
        raise StatArbError(f"times must have one entry per date ({values.shape[1]}), got shape {grid.shape}")
    if not np.all(np.isfinite(grid)) or np.any(np.diff(grid) <= 0):
        raise StatArbError("times must be finite and strictly increasing")
    return values, grid


def _payoffs(paths: FloatArray, payoff: Payoff | None) -> FloatArray:
    if payoff is None:
        return paths
    values = np.asarray(payoff(paths), dtype=np.float64)
    if values.shape != paths.shape:
        raise StatArbError(f"payoff must return one value per path and date {paths.shape}, got {values.shape}")
    return values


def fit_signature_stopping(
    paths: npt.ArrayLike,
    *,
    level: int = 4,
    times: npt.ArrayLike | None = None,
    payoff: Payoff | None = None,
    ridge: float = 1e-8,
) -> SignatureStoppingRule:
    """Longstaff–Schwartz with linear signature features, trained on ``paths`` (n_paths, K + 1).

    Going back from t_{K−1} to t_0, the realised payoff of the current rule is regressed on the standardised
    signature (levels 0..``level``) of ``(t, X)`` up to each date; the rule stops where the immediate payoff
    is at least the fitted continuation value. ``payoff`` maps paths to per-date payoffs (default: the path
    value itself, the fBM reference problem). ``times`` defaults to an even grid on [0, 1]. ``ridge`` is a
    small Tikhonov term relative to the mean diagonal of the normal equations, for ill-conditioned high
    levels. Signatures are rolled backwards with ``S(0, t_k) = S(0, t_{k+1}) ⊗ exp(−ΔX_k)`` so memory stays
    O(n_paths × features).
    """
    _require_level(level)
    values, grid = _validated_paths(paths, times)
    if not (math.isfinite(ridge) and ridge >= 0):
        raise StatArbError(f"ridge must be >= 0, got {ridge!r}")
    n_paths, n_dates = values.shape
    n_features = signature_feature_count(2, level)
    if n_paths < 2 * n_features:
        raise StatArbError(
            f"too few training paths ({n_paths}) for {n_features} signature features; use at least {2 * n_features}"
        )
    payoffs = _payoffs(values, payoff)

    # Forward pass: the full-path signature (and feature scaling from all dates, sampled every date).
    levels = [np.zeros((n_paths, 2**k)) for k in range(1, level + 1)]
    total = np.zeros(n_features)
    total_sq = np.zeros(n_features)
    for index in range(n_dates - 1):
        levels = _chen_step(levels, _time_augmented_increments(values, grid, index))
        flat = _flatten(levels)
        total += flat.sum(axis=0)
        total_sq += (flat * flat).sum(axis=0)
    count = n_paths * (n_dates - 1)
    feature_mean = total / count
    feature_scale = np.sqrt(np.maximum(total_sq / count - feature_mean**2, 0.0))
    feature_mean[0] = 0.0
    feature_scale[0] = 1.0
    feature_scale = np.where(feature_scale > 1e-300, feature_scale, 1.0)

    coefficients = np.zeros((n_dates - 1, n_features))
    realised = payoffs[:, -1].copy()
    for index in range(n_dates - 2, -1, -1):
        # Roll the signature back from t_{index+1} to t_index.
        backward = -_time_augmented_increments(values, grid, index)
        levels = _chen_step(levels, backward)
        design = (_flatten(levels) - feature_mean) / feature_scale
        gram = design.T @ design
        regularisation = ridge * float(np.trace(gram)) / n_features
        solution = np.linalg.solve(gram + regularisation * np.eye(n_features), design.T @ realised)
        coefficients[index] = solution
        stop = payoffs[:, index] >= design @ solution
        realised = np.where(stop, payoffs[:, index], realised)
    return SignatureStoppingRule(
        level=level,
        times=grid,
        coefficients=coefficients,
        feature_mean=feature_mean,
        feature_scale=feature_scale,
    )


def evaluate_stopping_rule(
    rule: SignatureStoppingRule, paths: npt.ArrayLike, *, payoff: Payoff | None = None
) -> StoppingValue:
    """Apply ``rule`` to (fresh) ``paths`` sampled on ``rule.times``; mean payoff ± standard error.

    On paths independent of the training set this is an unbiased estimate of the rule's value, hence a
    lower bound of the optimal stopping value up to Monte Carlo error.
    """
    values, grid = _validated_paths(paths, rule.times)
    payoffs = _payoffs(values, payoff)
    n_paths, n_dates = values.shape
    stopped_at = np.full(n_paths, n_dates - 1, dtype=np.int64)
    active = np.ones(n_paths, dtype=bool)
    levels = [np.zeros((n_paths, 2**k)) for k in range(1, rule.level + 1)]
    for index in range(n_dates - 1):
        if index > 0:
            levels = _chen_step(levels, _time_augmented_increments(values, grid, index - 1))
        stop = active & (payoffs[:, index] >= rule.continuation(index, _flatten(levels)))
        stopped_at[stop] = index
        active &= ~stop
        if not active.any():
            break
    realised = payoffs[np.arange(n_paths), stopped_at]
    return StoppingValue(
        mean=float(realised.mean()),
        stderr=float(realised.std(ddof=1) / math.sqrt(n_paths)) if n_paths > 1 else math.nan,
        n_paths=n_paths,
        mean_stopping_time=float(grid[stopped_at].mean()),
        stopping_indices=stopped_at,
    )
