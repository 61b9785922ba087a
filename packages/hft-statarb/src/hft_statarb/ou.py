"""Ornstein–Uhlenbeck calibration: AR(1) regression and exact Gaussian maximum likelihood.

The OU process ``dX = κ(m − X)dt + σ dW`` sampled every Δt is exactly an AR(1):
``X_{n+1} = a + b·X_n + ζ_n`` with ``b = e^{−κΔt}``, ``a = m(1 − b)`` and
``Var ζ = σ²(1 − e^{−2κΔt})/(2κ)``. Inverting: ``κ = −ln(b)/Δt``, ``m = a/(1 − b)``,
``σ_eq = √(Var ζ/(1 − b²)) = σ/√(2κ)``, half-life ``ln 2/κ`` (Avellaneda & Lee 2010, Quant. Finance 10(7),
appendix; Uhlenbeck & Ornstein 1930 for the transition law).

Units: κ is per unit of the time in which Δt is given. With daily bars and ``dt=1/252`` κ is per year and
the half-life is in years; with ``dt=1`` both are in bars.

`fit_ou_ar1` is the OLS regression (residual variance with n − 2 degrees of freedom). `fit_ou_mle`
maximises the exact transition likelihood (equal or irregular spacing, optionally with the stationary law of
the first observation), profiling m and σ out in closed form, and reports standard errors from the observed
information. `simulate_ou` draws exact OU paths (no discretisation error).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hft_statarb._validation import as_finite_series, require_finite_positive, require_not_constant
from hft_statarb.errors import NotMeanRevertingError, StatArbError

__all__ = [
    "MIN_OU_OBSERVATIONS",
    "OuFit",
    "fit_ou_ar1",
    "fit_ou_mle",
    "ou_half_life",
    "simulate_ou",
]

FloatArray = npt.NDArray[np.float64]

MIN_OU_OBSERVATIONS = 10
"""Fewer points than this give AR(1) estimates too noisy to call a calibration; they are refused."""


@dataclass(frozen=True, slots=True)
class OuFit:
    """Calibrated OU parameters; κ and half-life are in the time unit of ``dt``."""

    kappa: float
    """Mean-reversion speed κ (per unit time)."""
    mean: float
    """Long-run mean m."""
    sigma: float
    """Diffusion coefficient σ (per √unit time)."""
    sigma_eq: float
    """Stationary standard deviation σ/√(2κ)."""
    dt: float
    """Sampling interval (the median one for irregular timestamps)."""
    ar_intercept: float
    ar_slope: float
    """AR(1) coefficient b = e^{−κΔt}."""
    residual_variance: float
    """Var ζ of the one-step innovation at spacing ``dt``."""
    nobs: int
    """Number of transitions used."""
    method: str
    """``"ar1"`` or ``"mle"``."""
    kappa_stderr: float = math.nan
    mean_stderr: float = math.nan
    sigma_stderr: float = math.nan

    @property
    def half_life(self) -> float:
        """Time for an expected deviation from m to halve, ln 2/κ."""
        return ou_half_life(self.kappa)

    def s_score(self, value: float | FloatArray) -> float | FloatArray:
        """Deviation from the mean in stationary standard deviations, ``(X − m)/σ_eq``."""
        return (value - self.mean) / self.sigma_eq


def ou_half_life(kappa: float) -> float:
    """ln 2/κ for κ > 0."""
    return math.log(2.0) / require_finite_positive(kappa, "kappa")


def _ar1_regression(values: FloatArray) -> tuple[float, float, FloatArray]:
    """OLS of X_{n+1} on (1, X_n): intercept, slope and residuals."""
    current, following = values[:-1], values[1:]
    current_centered = current - current.mean()
    sxx = float(current_centered @ current_centered)
    if sxx == 0.0:
        raise StatArbError("series is constant over its first n − 1 points; no AR(1) can be fitted")
    slope = float(current_centered @ (following - following.mean())) / sxx
    intercept = float(following.mean() - slope * current.mean())
    return intercept, slope, following - intercept - slope * current


def _require_mean_reverting(slope: float) -> None:
    if slope >= 1.0:
        raise NotMeanRevertingError(
            f"AR(1) slope b = {slope:.6g} ≥ 1: the series shows no mean reversion (κ = −ln b/Δt ≤ 0)"
        )
    if slope <= 0.0:
        raise NotMeanRevertingError(
            f"AR(1) slope b = {slope:.6g} ≤ 0: reversion is faster than the sampling interval or the series "
            "oscillates; no OU process has this autocorrelation — sample more often"
        )


def _parameters_from_ar1(intercept: float, slope: float, innovation_var: float, dt: float) -> tuple[float, ...]:
    kappa = -math.log(slope) / dt
    mean = intercept / (1.0 - slope)
    sigma_eq = math.sqrt(innovation_var / (1.0 - slope * slope))
    sigma = sigma_eq * math.sqrt(2.0 * kappa)
    return kappa, mean, sigma, sigma_eq


def fit_ou_ar1(values: npt.ArrayLike, *, dt: float = 1.0) -> OuFit:
    """OU parameters from the OLS AR(1) fit of equally spaced ``values`` (spacing ``dt``).

    Raises `NotMeanRevertingError` when the slope b is not in (0, 1).
    """
    series = as_finite_series(values, "values", min_length=MIN_OU_OBSERVATIONS)
    require_not_constant(series, "values")
    step = require_finite_positive(dt, "dt")
    intercept, slope, residuals = _ar1_regression(series)
    _require_mean_reverting(slope)
    innovation_var = float(residuals @ residuals) / (residuals.size - 2)
    if innovation_var <= 0.0:
        raise StatArbError("AR(1) fits the series exactly (zero innovation variance); it is not an OU path")
    kappa, mean, sigma, sigma_eq = _parameters_from_ar1(intercept, slope, innovation_var, step)
    return OuFit(
        kappa=kappa,
        mean=mean,
        sigma=sigma,
        sigma_eq=sigma_eq,
        dt=step,
        ar_intercept=intercept,
        ar_slope=slope,
        residual_variance=innovation_var,
        nobs=residuals.size,
        method="ar1",
    )


def _negative_log_likelihood(
    kappa: float, mean: float, sigma: float, series: FloatArray, steps: FloatArray, include_initial: bool
) -> float:
    """−log L of the exact OU transition law (plus the stationary first point if asked)."""
    if kappa <= 0 or sigma <= 0:
        return math.inf
    decay = np.exp(-kappa * steps)
    variance = sigma * sigma * (-np.expm1(-2.0 * kappa * steps)) / (2.0 * kappa)
    deviation = series[1:] - mean - (series[:-1] - mean) * decay
    total = 0.5 * float(np.sum(np.log(2.0 * math.pi * variance) + deviation * deviation / variance))
    if include_initial:
        stationary_var = sigma * sigma / (2.0 * kappa)
        first = float(series[0]) - mean
        total += 0.5 * (math.log(2.0 * math.pi * stationary_var) + first * first / stationary_var)
    return total


def _profile(
    log_kappa: float, series: FloatArray, steps: FloatArray, include_initial: bool
) -> tuple[float, float, float]:
    """(−log L, m̂(κ), σ̂(κ)): for fixed κ the likelihood is maximised over m and σ in closed form.

    With ``c_i = (1 − e^{−2κh_i})/(2κ)`` the transition variance is σ²c_i, so m̂ is a weighted least-squares
    mean (weights 1/c_i on regressor 1 − e^{−κh_i}; the stationary first point adds weight 2κ on regressor 1)
    and σ̂² is the weighted mean squared deviation.
    """
    kappa = math.exp(log_kappa)
    decay = np.exp(-kappa * steps)
    unit_variance = -np.expm1(-2.0 * kappa * steps) / (2.0 * kappa)
    weights = 1.0 / unit_variance
    regressor = 1.0 - decay
    response = series[1:] - series[:-1] * decay
    numerator = float(np.sum(weights * regressor * response))
    denominator = float(np.sum(weights * regressor * regressor))
    count = steps.size
    if include_initial:
        numerator += 2.0 * kappa * float(series[0])
        denominator += 2.0 * kappa
        count += 1
    mean = numerator / denominator
    residual = response - mean * regressor
    weighted_ssr = float(np.sum(weights * residual * residual))
    if include_initial:
        weighted_ssr += 2.0 * kappa * (float(series[0]) - mean) ** 2
    sigma = math.sqrt(weighted_ssr / count)
    return _negative_log_likelihood(kappa, mean, sigma, series, steps, include_initial), mean, sigma


_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


def _maximise_profile(start_log_kappa: float, series: FloatArray, steps: FloatArray, include_initial: bool) -> float:
    """log κ maximising the profile likelihood: a grid over ±4 around the start, then golden section."""
    grid = start_log_kappa + np.linspace(-4.0, 4.0, 81)
    values = [_profile(float(g), series, steps, include_initial)[0] for g in grid]
    best = int(np.nanargmin(values))
    if best in (0, grid.size - 1):
        raise StatArbError(
            "OU likelihood has no interior maximum in κ (checked a factor e^4 either side of the AR(1) estimate)"
        )
    low, high = float(grid[best - 1]), float(grid[best + 1])
    inner_low = high - _GOLDEN * (high - low)
    inner_high = low + _GOLDEN * (high - low)
    value_low = _profile(inner_low, series, steps, include_initial)[0]
    value_high = _profile(inner_high, series, steps, include_initial)[0]
    while high - low > 1e-10:
        if value_low < value_high:
            high, inner_high, value_high = inner_high, inner_low, value_low
            inner_low = high - _GOLDEN * (high - low)
            value_low = _profile(inner_low, series, steps, include_initial)[0]
        else:
            low, inner_low, value_low = inner_low, inner_high, value_high
            inner_high = low + _GOLDEN * (high - low)
            value_high = _profile(inner_high, series, steps, include_initial)[0]
    return 0.5 * (low + high)


def _numerical_hessian(function: Callable[[FloatArray], float], point: FloatArray, steps: FloatArray) -> FloatArray:
    """Central-difference Hessian of ``function`` at ``point`` with per-coordinate ``steps``."""
    size = point.size
    hessian = np.empty((size, size))
    for i in range(size):
        for j in range(i, size):
            shifted = []
            for sign_i, sign_j in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                probe = point.copy()
                probe[i] += sign_i * steps[i]
                probe[j] += sign_j * steps[j]
                shifted.append(function(probe))
            value = (shifted[0] - shifted[1] - shifted[2] + shifted[3]) / (4.0 * steps[i] * steps[j])
            hessian[i, j] = hessian[j, i] = value
    return hessian


def fit_ou_mle(
    values: npt.ArrayLike,
    *,
    dt: float | None = None,
    times: npt.ArrayLike | None = None,
    include_initial: bool = False,
) -> OuFit:
    """Exact Gaussian maximum-likelihood OU fit, with standard errors.

    Give either ``dt`` (equal spacing) or ``times`` (strictly increasing timestamps, same length as
    ``values``). The likelihood is the product of exact transition densities
    ``X_{t+h} | X_t ~ N(m + (X_t − m)e^{−κh}, σ²(1 − e^{−2κh})/(2κ))``; with ``include_initial`` the first
    observation also contributes its stationary density N(m, σ²/(2κ)). m and σ are profiled out in closed
    form and the one-dimensional profile likelihood in κ is maximised numerically (for equal spacing without
    the initial term this reproduces the AR(1) fit with Var ζ = SSR/n). Standard errors are √diag of the
    inverse observed information (numerical Hessian in (κ, m, σ)).
    """
    series = as_finite_series(values, "values", min_length=MIN_OU_OBSERVATIONS)
    require_not_constant(series, "values")
    if (dt is None) == (times is None):
        raise StatArbError("give exactly one of dt (equal spacing) or times (timestamps)")
    if times is not None:
        stamps = as_finite_series(times, "times", min_length=MIN_OU_OBSERVATIONS)
        if stamps.size != series.size:
            raise StatArbError(f"values and times: series have different lengths ({series.size} vs {stamps.size})")
        steps = np.diff(stamps)
        if np.any(steps <= 0):
            first = int(np.flatnonzero(steps <= 0)[0])
            raise StatArbError(f"times must be strictly increasing; times[{first + 1}] <= times[{first}]")
        step = float(np.median(steps))
    else:
        step = require_finite_positive(float(dt) if dt is not None else math.nan, "dt")
        steps = np.full(series.size - 1, step)

    # Starting point: the AR(1) fit at the median spacing (also rejects non-mean-reverting data).
    _, slope, residuals = _ar1_regression(series)
    _require_mean_reverting(slope)
    if float(residuals @ residuals) <= 0.0:
        raise StatArbError("AR(1) fits the series exactly (zero innovation variance); it is not an OU path")
    log_kappa = _maximise_profile(math.log(-math.log(slope) / step), series, steps, include_initial)
    _, mean, sigma = _profile(log_kappa, series, steps, include_initial)
    kappa = math.exp(log_kappa)

    def objective(natural: FloatArray) -> float:
        return _negative_log_likelihood(
            float(natural[0]), float(natural[1]), float(natural[2]), series, steps, include_initial
        )

    # Steps on each parameter's own scale: κ and σ relative, m relative to the stationary deviation.
    sigma_eq = sigma / math.sqrt(2.0 * kappa)
    hessian_steps = 1e-4 * np.array([kappa, sigma_eq, sigma])
    information = _numerical_hessian(objective, np.array([kappa, mean, sigma]), hessian_steps)
    try:
        variances = np.diag(np.linalg.inv(information))
    except np.linalg.LinAlgError:
        variances = np.full(3, math.nan)
    kappa_se, mean_se, sigma_se = (math.sqrt(v) if v > 0 else math.nan for v in variances)
    slope = math.exp(-kappa * step)
    return OuFit(
        kappa=kappa,
        mean=mean,
        sigma=sigma,
        sigma_eq=sigma_eq,
        dt=step,
        ar_intercept=mean * (1.0 - slope),
        ar_slope=slope,
        residual_variance=sigma * sigma * (-math.expm1(-2.0 * kappa * step)) / (2.0 * kappa),
        nobs=series.size - 1,
        method="mle",
        kappa_stderr=kappa_se,
        mean_stderr=mean_se,
        sigma_stderr=sigma_se,
    )


def simulate_ou(
    kappa: float,
    mean: float,
    sigma: float,
    *,
    dt: float,
    n_steps: int,
    rng: np.random.Generator,
    n_paths: int = 1,
    x0: float | None = None,
) -> FloatArray:
    """Exact OU paths, shape ``(n_paths, n_steps + 1)``; ``x0=None`` starts from the stationary law."""
    rate = require_finite_positive(kappa, "kappa")
    vol = require_finite_positive(sigma, "sigma")
    step = require_finite_positive(dt, "dt")
    if n_steps < 1 or n_paths < 1:
        raise StatArbError(f"n_steps and n_paths must be >= 1, got {n_steps} and {n_paths}")
    if not math.isfinite(mean):
        raise StatArbError(f"mean must be finite, got {mean!r}")
    decay = math.exp(-rate * step)
    innovation_std = vol * math.sqrt(-math.expm1(-2.0 * rate * step) / (2.0 * rate))
    paths = np.empty((n_paths, n_steps + 1))
    if x0 is None:
        paths[:, 0] = mean + vol / math.sqrt(2.0 * rate) * rng.standard_normal(n_paths)
    else:
        paths[:, 0] = x0
    shocks = innovation_std * rng.standard_normal((n_paths, n_steps))
    for n in range(n_steps):
        paths[:, n + 1] = mean + (paths[:, n] - mean) * decay + shocks[:, n]
    return paths
