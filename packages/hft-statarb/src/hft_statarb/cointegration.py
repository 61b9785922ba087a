"""Engle–Granger cointegration test for a pair, with MacKinnon critical values and p-values.

Step 1 regresses ``y`` on a constant and ``x`` (OLS, `hft_statarb.hedge.ols_hedge_ratio`); step 2 runs an
augmented Dickey–Fuller regression without deterministic terms on the residuals,
``Δe_t = ρ·e_{t−1} + Σ_{i=1..p} γ_i·Δe_{t−i} + u_t``, and the statistic is the t-ratio of ρ (Engle & Granger
1987). Residuals of an estimated regression need their own critical values, not Dickey–Fuller's:

* critical values: MacKinnon (2010), "Critical values for cointegration tests", Queen's Economics Department
  Working Paper 1227, Table 2 (N = 2 series, constant): ``C(T) = β∞ + β1/T + β2/T²``;
* p-values: MacKinnon (1994), "Approximate asymptotic distribution functions for unit-root and cointegration
  tests", J. Business & Economic Statistics 12(2), 167–176, the τ_c response surface for N = 2:
  ``p = Φ(γ0 + γ1·τ + γ2·τ² [+ γ3·τ³])``, one polynomial for the lower tail and one for the upper part. It is an
  *asymptotic* p-value (no 1/T terms); the tests check it against the independent 2010 asymptotic critical
  values (p(β∞) = 1 %, 5 %, 10 % to three decimals). For a finite-sample decision use the critical values,
  which include the 1/T terms.

Lag selection: a fixed ``lags``, or (default) the AIC over ``0..max_lags`` on a common estimation sample,
then a refit with the chosen order on all usable observations; ``max_lags`` defaults to Schwert's
``⌊12·(T/100)^{1/4}⌋``. T in ``C(T)`` is the number of observations in the final ADF regression.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from hft_statarb._limits import MIN_COINTEGRATION_OBSERVATIONS
from hft_statarb._validation import as_finite_series, require_not_constant, require_same_length
from hft_statarb.errors import StatArbError
from hft_statarb.hedge import OlsHedge, ols_hedge_ratio

__all__ = [
    "MACKINNON_1994_TAU_C_N2",
    "MACKINNON_2010_N2_CONSTANT",
    "MIN_COINTEGRATION_OBSERVATIONS",
    "AdfResult",
    "EngleGrangerResult",
    "MacKinnonTauSurface",
    "adf_statistic",
    "engle_granger",
    "mackinnon_critical_value",
    "mackinnon_pvalue",
    "schwert_max_lags",
]

FloatArray = npt.NDArray[np.float64]

MACKINNON_2010_N2_CONSTANT: Mapping[float, tuple[float, float, float]] = MappingProxyType(
    {
        0.01: (-3.89644, -10.9519, -33.527),
        0.05: (-3.33613, -6.1101, -6.823),
        0.10: (-3.04445, -4.2412, -2.720),
    }
)
"""MacKinnon (2010) Table 2, N = 2, constant: level → (β∞, β1, β2) of ``C(T) = β∞ + β1/T + β2/T²``."""


@dataclass(frozen=True, slots=True)
class MacKinnonTauSurface:
    """MacKinnon (1994) asymptotic p-value surface for one (N, deterministic terms) case."""

    tau_min: float
    """Below this the p-value is 0 to the surface's precision."""
    tau_star: float
    """Switch point between the lower-tail (quadratic) and upper (cubic) polynomials."""
    tau_max: float
    """Above this the p-value is 1."""
    lower_tail: tuple[float, float, float]
    upper: tuple[float, float, float, float]


MACKINNON_1994_TAU_C_N2 = MacKinnonTauSurface(
    tau_min=-18.86,
    tau_star=-2.62,
    tau_max=0.92,
    lower_tail=(2.92, 1.5012, 0.039796),
    upper=(2.1945, 0.64695, -0.29198, -0.042377),
)
"""MacKinnon (1994) τ_c, N = 2 (Engle–Granger, two series, constant): polynomial coefficients γ0..γ3 in τ."""


def mackinnon_critical_value(level: float, nobs: float | None = None) -> float:
    """Engle–Granger critical value at ``level`` (0.01, 0.05 or 0.10) for ``nobs`` observations.

    ``nobs=None`` (or ``math.inf``) gives the asymptotic value β∞.
    """
    coefficients = None
    for known_level, betas in MACKINNON_2010_N2_CONSTANT.items():
        if math.isclose(level, known_level, rel_tol=0.0, abs_tol=1e-12):
            coefficients = betas
    if coefficients is None:
        raise StatArbError(
            f"no MacKinnon (2010) critical value at level {level!r}; available: {sorted(MACKINNON_2010_N2_CONSTANT)}"
        )
    beta_inf, beta_1, beta_2 = coefficients
    if nobs is None or math.isinf(nobs):
        return beta_inf
    if not (math.isfinite(nobs) and nobs > 0):
        raise StatArbError(f"nobs must be a positive number of observations, got {nobs!r}")
    return beta_inf + beta_1 / nobs + beta_2 / nobs**2


def mackinnon_pvalue(statistic: float) -> float:
    """Asymptotic p-value of an Engle–Granger τ statistic (two series, constant), MacKinnon (1994)."""
    tau = float(statistic)
    if math.isnan(tau):
        raise StatArbError("statistic is NaN")
    surface = MACKINNON_1994_TAU_C_N2
    if tau > surface.tau_max:
        return 1.0
    if tau < surface.tau_min:
        return 0.0
    if tau <= surface.tau_star:
        g0, g1, g2 = surface.lower_tail
        z = g0 + tau * (g1 + tau * g2)
    else:
        c0, c1, c2, c3 = surface.upper
        z = c0 + tau * (c1 + tau * (c2 + tau * c3))
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def schwert_max_lags(nobs: int) -> int:
    """Schwert (1989) rule ``⌊12·(T/100)^{1/4}⌋`` for the largest ADF lag considered."""
    return int(12.0 * (nobs / 100.0) ** 0.25)


@dataclass(frozen=True, slots=True)
class AdfResult:
    """Augmented Dickey–Fuller regression ``Δe_t = [c +] ρ·e_{t−1} + Σ γ_i·Δe_{t−i} + u_t``."""

    statistic: float
    """t-ratio of ρ: the τ statistic."""
    rho: float
    lags: int
    nobs: int
    """Observations in the final regression."""
    lag_selection: str
    """``"fixed"`` or ``"aic"``."""


def _adf_design(levels: FloatArray, lags: int, first_target: int, constant: bool) -> tuple[FloatArray, FloatArray]:
    """Regressors and target of the ADF regression using differences from index ``first_target`` on."""
    diffs = np.diff(levels)
    target = diffs[first_target:]
    columns = [levels[first_target:-1]]
    columns.extend(diffs[first_target - lag : diffs.size - lag] for lag in range(1, lags + 1))
    if constant:
        columns.append(np.ones(target.size))
    return np.column_stack(columns), target


def _ols_t_first(design: FloatArray, target: FloatArray) -> tuple[float, float, float]:
    """(coefficient, t-ratio, SSR) of the first regressor."""
    q, r = np.linalg.qr(design)
    try:
        coefficients = np.linalg.solve(r, q.T @ target)
        r_inv = np.linalg.solve(r, np.eye(r.shape[0]))
    except np.linalg.LinAlgError as exc:
        raise StatArbError("ADF regressors are collinear; the series is (piecewise) deterministic") from exc
    residuals = target - design @ coefficients
    ssr = float(residuals @ residuals)
    dof = design.shape[0] - design.shape[1]
    variance_first = ssr / dof * float(r_inv[0] @ r_inv[0])
    coefficient = float(coefficients[0])
    if variance_first <= 0:
        raise StatArbError("ADF regression has a perfect fit; the series is deterministic")
    return coefficient, coefficient / math.sqrt(variance_first), ssr


def adf_statistic(
    series: npt.ArrayLike,
    *,
    lags: int | None = None,
    max_lags: int | None = None,
    constant: bool = False,
) -> AdfResult:
    """ADF τ statistic of ``series``; ``lags=None`` selects the order by AIC over ``0..max_lags``.

    ``constant=False`` is the regression Engle–Granger runs on OLS residuals (which already have mean zero).
    Only the statistic is returned: critical values depend on what produced the series (see
    `engle_granger`).
    """
    levels = as_finite_series(series, "series", min_length=MIN_COINTEGRATION_OBSERVATIONS)
    require_not_constant(levels, "series")
    n_diffs = levels.size - 1
    extra = 2 if constant else 1
    if lags is not None:
        if lags < 0:
            raise StatArbError(f"lags must be >= 0, got {lags}")
        if n_diffs - lags - (lags + extra) < 5:
            raise StatArbError(f"too few observations ({levels.size}) for an ADF regression with {lags} lags")
        design, target = _adf_design(levels, lags, lags, constant)
        rho, tau, _ = _ols_t_first(design, target)
        return AdfResult(statistic=tau, rho=rho, lags=lags, nobs=target.size, lag_selection="fixed")

    upper = schwert_max_lags(levels.size) if max_lags is None else max_lags
    if upper < 0:
        raise StatArbError(f"max_lags must be >= 0, got {max_lags}")
    # Keep at least 5 residual degrees of freedom in the largest model.
    feasible = (n_diffs - extra - 5) // 2
    if max_lags is not None and upper > feasible:
        raise StatArbError(f"max_lags={max_lags} is too large for {levels.size} observations (at most {feasible})")
    upper = min(upper, feasible)
    best_lags, best_aic = 0, math.inf
    for candidate in range(upper + 1):
        design, target = _adf_design(levels, candidate, upper, constant)
        _, _, ssr = _ols_t_first(design, target)
        aic = target.size * math.log(ssr / target.size) + 2.0 * design.shape[1]
        if aic < best_aic:
            best_lags, best_aic = candidate, aic
    design, target = _adf_design(levels, best_lags, best_lags, constant)
    rho, tau, _ = _ols_t_first(design, target)
    return AdfResult(statistic=tau, rho=rho, lags=best_lags, nobs=target.size, lag_selection="aic")


@dataclass(frozen=True, slots=True)
class EngleGrangerResult:
    """Outcome of `engle_granger`: H0 = no cointegration (unit root in the residual)."""

    statistic: float
    pvalue: float
    """Asymptotic MacKinnon (1994) p-value."""
    critical_values: Mapping[float, float]
    """MacKinnon (2010) finite-sample critical values at T = ``nobs``: level → C(T)."""
    lags: int
    nobs: int
    lag_selection: str
    hedge: OlsHedge
    """The cointegrating regression ``y = alpha + beta·x + e``."""

    def is_cointegrated(self, level: float = 0.05) -> bool:
        """Reject the unit-root null at ``level`` using the finite-sample critical value."""
        return self.statistic < mackinnon_critical_value(level, self.nobs)


def engle_granger(
    y: npt.ArrayLike,
    x: npt.ArrayLike,
    *,
    lags: int | None = None,
    max_lags: int | None = None,
) -> EngleGrangerResult:
    """Engle–Granger two-step test of ``y`` and ``x`` (regression of y on a constant and x).

    The test is not symmetric: swapping y and x changes the statistic slightly. Lags as in `adf_statistic`.
    """
    y_values = as_finite_series(y, "y", min_length=MIN_COINTEGRATION_OBSERVATIONS)
    x_values = as_finite_series(x, "x", min_length=MIN_COINTEGRATION_OBSERVATIONS)
    require_same_length(y_values, x_values, "y and x")
    require_not_constant(y_values, "y")
    require_not_constant(x_values, "x")
    hedge = ols_hedge_ratio(y_values, x_values)
    if hedge.r_squared > 1.0 - 1e-12:
        raise StatArbError("y is an exact linear function of x (R² = 1); there is no spread to test")
    adf = adf_statistic(hedge.spread, lags=lags, max_lags=max_lags, constant=False)
    critical = MappingProxyType(
        {level: mackinnon_critical_value(level, adf.nobs) for level in MACKINNON_2010_N2_CONSTANT}
    )
    return EngleGrangerResult(
        statistic=adf.statistic,
        pvalue=mackinnon_pvalue(adf.statistic),
        critical_values=critical,
        lags=adf.lags,
        nobs=adf.nobs,
        lag_selection=adf.lag_selection,
        hedge=hedge,
    )
