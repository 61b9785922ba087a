"""PCA residual statistical arbitrage over a universe (Avellaneda & Lee 2010).

Over an estimation window of returns R (T bars × N names):

1. standardise each name's returns, take the correlation matrix and its k leading eigenvectors v⁽ʲ⁾;
2. eigenportfolio j holds ``Q_{j,i} = v⁽ʲ⁾_i/σ_i`` (dollars per unit of capital in name i); its return is the
   factor ``F_j = Σ_i Q_{j,i} R_i``;
3. regress each name on the factors, ``R_i = β_{i0} + Σ_j β_{ij} F_j + ε_i``; the cumulative residual
   ``X_i(t) = Σ_{s≤t} ε_i(s)`` is modelled as OU;
4. AR(1) on X_i gives κ_i, m_i, σ_eq,i (`hft_statarb.ou`), and the s-score ``s_i = (X_i(T) − m_i)/σ_eq,i``
   (X_i(T) = 0 because the regression has an intercept). Avellaneda & Lee centre the means across names,
   ``m_i − mean(m)``, which `pca_residual_s_scores` does by default;
5. trade only names with κ_i > 252/30 per year (``dt = 1/252``: mean reversion within ~30 trading days).

Avellaneda, M. & Lee, J.-H. (2010), "Statistical arbitrage in the US equities market", Quantitative Finance
10(7), 761–782 (k = 15 factors, 252-day correlation window, 60-day residual window in the paper).
`hedge_against_factors` removes a position's exposure to the k factors by trading the eigenportfolios.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hft_statarb._validation import as_finite_matrix, require_finite_positive
from hft_statarb.errors import StatArbError
from hft_statarb.ou import MIN_OU_OBSERVATIONS
from hft_statarb.signals import AVELLANEDA_LEE_MIN_KAPPA

__all__ = [
    "PcaFactorModel",
    "ResidualSScores",
    "fit_pca_factor_model",
    "hedge_against_factors",
    "pca_residual_s_scores",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class PcaFactorModel:
    """k-factor PCA model of a return window; N names, T bars."""

    eigenvalues: FloatArray
    """(k,) leading eigenvalues of the correlation matrix, descending."""
    explained_variance_ratio: FloatArray
    """(k,) eigenvalue / N: share of standardised variance each factor explains."""
    eigenvectors: FloatArray
    """(N, k) unit eigenvectors; signs fixed so that each column sums to ≥ 0."""
    eigenportfolio_weights: FloatArray
    """(k, N) Q: dollars held in each name per eigenportfolio, ``v_i/σ_i``."""
    factor_returns: FloatArray
    """(W, k) eigenportfolio returns ``R Qᵀ`` over the regression window (W = T unless restricted)."""
    betas: FloatArray
    """(N, k) factor loadings from the per-name regressions."""
    intercepts: FloatArray
    """(N,) regression intercepts β_{i0}: residual drift per bar."""
    residuals: FloatArray
    """(W, N) regression residuals ε over the regression window."""
    return_std: FloatArray
    """(N,) standard deviation of each name's returns over the window."""


def fit_pca_factor_model(
    returns: npt.ArrayLike,
    n_factors: int,
    *,
    fit_intercept: bool = True,
    regression_window: int | None = None,
) -> PcaFactorModel:
    """Fit the eigenportfolio factor model to a (T × N) return window.

    The correlation matrix uses all T bars; the per-name regressions use the last ``regression_window`` bars
    (all of them if None; the paper uses 252 and 60). ``fit_intercept`` keeps the per-name drift β_{i0} in the
    regression (the paper's choice); without it the drift stays in the residuals and ``intercepts`` is zero.
    """
    matrix = as_finite_matrix(returns, "returns", min_rows=MIN_OU_OBSERVATIONS, min_columns=2)
    n_bars, n_names = matrix.shape
    if not 1 <= n_factors < n_names:
        raise StatArbError(f"n_factors must be between 1 and the number of names − 1 ({n_names - 1}), got {n_factors}")
    window = n_bars if regression_window is None else regression_window
    if not MIN_OU_OBSERVATIONS <= window <= n_bars:
        raise StatArbError(
            f"regression_window must be between {MIN_OU_OBSERVATIONS} and the {n_bars} bars given, got {window}"
        )
    if n_factors + 3 > window:
        raise StatArbError(
            f"too few observations: a {window}-bar regression cannot support {n_factors} factors and a constant"
        )
    std = matrix.std(axis=0, ddof=1)
    flat = np.flatnonzero(std <= 1e-12 * np.maximum(np.abs(matrix).max(axis=0), 1e-300))
    if flat.size:
        raise StatArbError(f"returns: column {int(flat[0])} is constant; its correlation is undefined")
    standardized = (matrix - matrix.mean(axis=0)) / std
    correlation = standardized.T @ standardized / (n_bars - 1)
    eigenvalues, eigenvectors = np.linalg.eigh(correlation)
    order = np.argsort(eigenvalues)[::-1][:n_factors]
    leading_values = eigenvalues[order]
    leading_vectors = eigenvectors[:, order]
    signs = np.where(leading_vectors.sum(axis=0) < 0, -1.0, 1.0)
    leading_vectors = leading_vectors * signs
    weights = (leading_vectors / std[:, None]).T
    recent = matrix[n_bars - window :]
    factors = recent @ weights.T
    design = np.column_stack([np.ones(window), factors]) if fit_intercept else factors
    coefficients, *_ = np.linalg.lstsq(design, recent, rcond=None)
    residuals = recent - design @ coefficients
    if not fit_intercept:
        coefficients = np.vstack([np.zeros(n_names), coefficients])
    return PcaFactorModel(
        eigenvalues=leading_values,
        explained_variance_ratio=leading_values / n_names,
        eigenvectors=leading_vectors,
        eigenportfolio_weights=weights,
        factor_returns=factors,
        betas=coefficients[1:].T.copy(),
        intercepts=coefficients[0].copy(),
        residuals=residuals,
        return_std=std,
    )


@dataclass(frozen=True, slots=True)
class ResidualSScores:
    """Per-name OU fit of the cumulative residual and the resulting s-score (arrays of length N).

    Names whose AR(1) slope is outside (0, 1) have NaN κ, m, σ_eq, s-score and are neither mean-reverting
    nor tradeable.
    """

    kappa: FloatArray
    """Mean-reversion speed in the time unit of ``dt`` (per year for daily bars with dt = 1/252)."""
    mean: FloatArray
    """OU mean m of the cumulative residual (after centring, if requested)."""
    sigma_eq: FloatArray
    s_score: FloatArray
    ar_slope: FloatArray
    drift: FloatArray
    """Residual drift β_{i0}/dt per unit time, for `hft_statarb.signals.modified_s_score`."""
    mean_reverting: BoolArray
    """AR(1) slope in (0, 1)."""
    tradeable: BoolArray
    """Mean-reverting and κ > ``min_kappa``."""
    model: PcaFactorModel

    @property
    def half_life(self) -> FloatArray:
        """ln 2/κ per name (NaN where not mean-reverting)."""
        return math.log(2.0) / self.kappa


def pca_residual_s_scores(
    returns: npt.ArrayLike,
    *,
    n_factors: int = 15,
    dt: float = 1.0 / 252.0,
    min_kappa: float = AVELLANEDA_LEE_MIN_KAPPA,
    center_means: bool = True,
    fit_intercept: bool = True,
    regression_window: int | None = None,
) -> ResidualSScores:
    """Avellaneda–Lee s-scores at the end of a (T × N) return window.

    ``dt`` is the bar length in the unit κ is wanted in (1/252: daily bars, κ per year, so the default
    ``min_kappa = 252/30`` is the paper's filter). ``n_factors`` defaults to the paper's 15 and must be
    below N. The OU fit uses the residuals of the last ``regression_window`` bars (the paper: 60 of 252).
    Names are centred over the *tradeable* names when ``center_means`` (random-walk-like names have
    meaningless means).

    ``fit_intercept=True`` is the paper's regression: the residuals then sum to zero, X(T) = 0 and
    ``s = −m/σ_eq``, where m ≈ the window average of X. Because the intercept equals the average residual
    return, it absorbs the net move of the OU component over the window, so the score mixes the deviation at
    the *start* of the window with the one at the end. ``fit_intercept=False`` keeps X(T) − X(0) equal to
    the net residual move and the score tracks the current deviation, at the cost of leaving any genuine
    drift in X (docs/statarb.md has the measured difference).
    """
    step = require_finite_positive(dt, "dt")
    threshold = require_finite_positive(min_kappa, "min_kappa")
    model = fit_pca_factor_model(returns, n_factors, fit_intercept=fit_intercept, regression_window=regression_window)
    cumulative = np.cumsum(model.residuals, axis=0)
    current, following = cumulative[:-1], cumulative[1:]
    current_centered = current - current.mean(axis=0)
    following_centered = following - following.mean(axis=0)
    sxx = np.einsum("tn,tn->n", current_centered, current_centered)
    slope = np.einsum("tn,tn->n", current_centered, following_centered) / np.where(sxx > 0, sxx, np.nan)
    intercept = following.mean(axis=0) - slope * current.mean(axis=0)
    innovations = following - intercept - slope * current
    innovation_var = np.einsum("tn,tn->n", innovations, innovations) / (innovations.shape[0] - 2)
    mean_reverting = np.asarray((slope > 0) & (slope < 1) & (innovation_var > 0))
    safe_slope = np.where(mean_reverting, slope, np.nan)
    kappa = -np.log(safe_slope) / step
    ou_mean = intercept / (1.0 - safe_slope)
    sigma_eq = np.sqrt(innovation_var / (1.0 - safe_slope * safe_slope))
    tradeable = np.asarray(mean_reverting & (np.nan_to_num(kappa, nan=-math.inf) > threshold))
    if center_means and tradeable.any():
        ou_mean = ou_mean - float(np.mean(ou_mean[tradeable]))
    s_scores = (cumulative[-1] - ou_mean) / sigma_eq
    return ResidualSScores(
        kappa=kappa,
        mean=ou_mean,
        sigma_eq=sigma_eq,
        s_score=s_scores,
        ar_slope=slope,
        drift=model.intercepts / step,
        mean_reverting=mean_reverting,
        tradeable=tradeable,
        model=model,
    )


def hedge_against_factors(positions: npt.ArrayLike, model: PcaFactorModel) -> FloatArray:
    """Dollar positions plus the eigenportfolio trades that make their factor exposure zero.

    A position h (dollars per name) has exposure ``e_j = Σ_i h_i β_{ij}`` to factor j; holding ``−e_j`` of
    eigenportfolio j (dollars ``−e_j·Q_{j,i}`` in name i) cancels it, because the in-sample loadings of the
    eigenportfolios on the factors are the identity. Returns the hedged dollar vector (length N).
    """
    holdings = np.asarray(positions, dtype=np.float64)
    n_names = model.betas.shape[0]
    if holdings.shape != (n_names,):
        raise StatArbError(f"positions: expected a vector of {n_names} dollar amounts, got shape {holdings.shape}")
    if not np.all(np.isfinite(holdings)):
        raise StatArbError("positions: contains NaN or infinite values")
    exposure = model.betas.T @ holdings
    return np.asarray(holdings - model.eigenportfolio_weights.T @ exposure, dtype=np.float64)
