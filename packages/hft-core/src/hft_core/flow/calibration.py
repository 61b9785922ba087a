"""Calibration of the synthetic-market models to data: Hawkes MLE with standard errors, time-rescaling
goodness of fit, Poisson rates, GBM and OU parameters.

Hawkes MLE maximises the exact log-likelihood of `hft_core.flow.hawkes` (O(n) recursion with closed-form gradient,
Ozaki 1979) with BFGS from several starting points, on an unconstrained reparametrisation:

- univariate: ``θ = (ln μ, logit(α/β), ln β)`` keeps μ > 0 and 0 < α < β (stationary) for every θ;
- multivariate: ``θ = (ln μ_i, ln α_ij, ln β)`` keeps every parameter positive; stationarity (ρ(α/β) < 1) is not
  imposed, so an explosive fit shows up as ``fit.model.is_stationary == False``.

Standard errors come from the observed information: the Hessian of ℓ in the natural parameters (μ, α, β) at the
optimum, by central differences of the analytic gradient, inverted (asymptotic MLE theory for stationary point
processes, Ogata 1978). Parameters stuck at a bound (an α_ij estimated as 0) get NaN standard errors.

Goodness of fit: under the fitted model the compensator increments are i.i.d. Exp(1) (time-rescaling theorem,
Brown et al. 2002); `time_rescaling_ks` runs the Kolmogorov–Smirnov test.

OU from an AR(1) fit ``X_{n+1} = a + b·X_n + ζ`` (REFERENCES.md): ``κ = −ln(b)/Δt``, ``m = a/(1 − b)``,
``σ_eq = √(Var ζ/(1 − b²))``, ``σ = σ_eq·√(2κ)``, half-life ``ln 2/κ``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize, stats  # type: ignore[import-untyped, unused-ignore]

from hft_core.flow import _kernels
from hft_core.flow._checks import FloatArray, as_event_times, require_positive
from hft_core.flow.hawkes import MarkedEvents, MultivariateHawkes, UnivariateHawkes

__all__ = [
    "GbmFit",
    "HawkesFit",
    "KsResult",
    "MultivariateHawkesFit",
    "OuFit",
    "RateFit",
    "fit_gbm",
    "fit_hawkes",
    "fit_multivariate_hawkes",
    "fit_ou",
    "fit_poisson_rate",
    "time_rescaling_ks",
]

MIN_EVENTS_TO_FIT = 10
"""Fewer events than this carry too little information for a Hawkes MLE; the fit refuses."""

# The optimiser works on log/logit scales clipped to ±_THETA_BOUND: e^{−30} ≈ 1e-13 is "zero" for a rate.
_THETA_BOUND = 30.0
# An estimate below this fraction of its natural scale (μ_i vs the event rate, α_ij/β_ij vs 1) is at the boundary.
_BOUNDARY_FRACTION = 1e-6
# Largest |∂(−ℓ/n)/∂θ| accepted as an optimum when BFGS reports a line-search precision loss.
_CONVERGED_GRADIENT = 1e-6
# Relative step of the central differences that build the Hessian from the analytic gradient.
_HESSIAN_STEP = 1e-5
# Starting points: branching ratios and decay rates (as multiples of the mean event rate) tried by the MLE.
_START_BRANCHING = (0.2, 0.5, 0.8)
_START_DECAY_PER_RATE = (0.3, 3.0, 30.0)


# -- goodness of fit ------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class KsResult:
    """Kolmogorov–Smirnov test of intervals against Exp(1): a small ``pvalue`` rejects the model."""

    statistic: float
    pvalue: float
    n: int


def time_rescaling_ks(intervals: npt.ArrayLike) -> KsResult:
    """KS test of compensator increments (``model.rescaled_intervals(...)``) against the Exp(1) law."""
    values = np.asarray(intervals, dtype=np.float64).reshape(-1)
    if values.size == 0:
        raise ValueError("time_rescaling_ks needs at least one interval")
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError("intervals must be finite and >= 0")
    result = stats.kstest(values, "expon")
    return KsResult(statistic=float(result.statistic), pvalue=float(result.pvalue), n=int(values.size))


# -- shared MLE machinery -------------------------------------------------------------------------------------------
def _observed_information_inverse(
    gradient: Callable[[FloatArray], FloatArray], at: FloatArray, free: npt.NDArray[np.bool_]
) -> FloatArray:
    """Inverse of ``−∂²ℓ`` over the ``free`` parameters (central differences of ``gradient``); NaN elsewhere.

    Returns the full-size covariance matrix; rows/columns of fixed parameters, or all of it when the information
    matrix is not positive definite (no interior maximum), are NaN.
    """
    size = at.size
    covariance = np.full((size, size), np.nan)
    index = np.flatnonzero(free)
    if index.size == 0:
        return covariance
    hessian = np.empty((index.size, index.size))
    for column, k in enumerate(index):
        step = _HESSIAN_STEP * max(abs(float(at[k])), 1e-12)
        forward, backward = at.copy(), at.copy()
        forward[k] += step
        backward[k] -= step
        hessian[:, column] = (gradient(forward)[index] - gradient(backward)[index]) / (2.0 * step)
    information = -0.5 * (hessian + hessian.T)
    try:
        np.linalg.cholesky(information)
    except np.linalg.LinAlgError:
        return covariance
    covariance[np.ix_(index, index)] = np.linalg.inv(information)
    return covariance


def _std_errors(covariance: FloatArray) -> FloatArray:
    diagonal = np.diag(covariance)
    return np.where(diagonal >= 0, np.sqrt(np.abs(diagonal)), np.nan)


def _minimise(
    objective: Callable[[FloatArray], tuple[float, FloatArray]], starts: Sequence[FloatArray]
) -> tuple[FloatArray, bool]:
    """Best BFGS optimum over ``starts``, and whether that run converged.

    θ is clipped to ±_THETA_BOUND inside the objective (flat outside the box, zero gradient there), which keeps
    exp(θ) finite without a bounded method. BFGS rather than L-BFGS-B: with a handful of parameters it is as fast,
    and it does not call into a multithreaded BLAS, which slows L-BFGS-B down tenfold on a busy machine.
    """

    def clipped(theta: FloatArray) -> tuple[float, FloatArray]:
        inside = np.abs(theta) <= _THETA_BOUND
        value, gradient = objective(np.clip(theta, -_THETA_BOUND, _THETA_BOUND))
        return value, np.where(inside, gradient, 0.0)

    if not starts:
        raise ValueError("initial must hold at least one starting model")
    best: optimize.OptimizeResult | None = None
    for start in starts:
        result = optimize.minimize(
            clipped,
            np.clip(start, -_THETA_BOUND, _THETA_BOUND),
            jac=True,
            method="BFGS",
            options={"maxiter": 2000, "gtol": 1e-8},
        )
        if np.isfinite(result.fun) and (best is None or result.fun < best.fun):
            best = result
    if best is None:
        raise ValueError("Hawkes MLE failed: the log-likelihood was not finite at any starting point")
    # BFGS also stops with "precision loss" when the line search cannot improve ℓ in the last digits; with a
    # vanishing gradient that is an optimum all the same.
    converged = bool(best.success) or float(np.max(np.abs(best.jac))) < _CONVERGED_GRADIENT
    return np.clip(np.asarray(best.x, dtype=np.float64), -_THETA_BOUND, _THETA_BOUND), converged


def _loglik_grad(
    events: MarkedEvents, mu: FloatArray, alpha: FloatArray, beta: FloatArray
) -> tuple[float, FloatArray, FloatArray, FloatArray]:
    value, grad_mu, grad_alpha, grad_beta = _kernels.loglik_grad(
        events.times, events.marks, events.horizon, mu, alpha, beta
    )
    return float(value), grad_mu, grad_alpha, grad_beta


# -- univariate Hawkes ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, eq=False)
class HawkesFit:
    """A univariate Hawkes MLE: the fitted model, standard errors and the maximised log-likelihood.

    ``covariance`` is the inverse observed information in the order (μ, α, β); NaN if ℓ has no interior
    maximum (then the standard errors are NaN too).
    """

    model: UnivariateHawkes
    mu_se: float
    alpha_se: float
    beta_se: float
    covariance: FloatArray
    log_likelihood: float
    n_events: int
    horizon: float
    converged: bool

    @property
    def branching_ratio_se(self) -> float:
        """Standard error of α/β by the delta method."""
        alpha, beta = self.model.alpha, self.model.beta
        direction = np.array([0.0, 1.0 / beta, -alpha / beta**2])
        return float(np.sqrt(direction @ self.covariance @ direction))


def _univariate_natural(theta: FloatArray) -> tuple[float, float, float, float]:
    """θ = (ln μ, logit g, ln β) -> (μ, α, β, g) with g = α/β."""
    mu = math.exp(theta[0])
    branching = 1.0 / (1.0 + math.exp(-theta[1]))
    beta = math.exp(theta[2])
    return mu, branching * beta, beta, branching


def fit_hawkes(
    event_times: npt.ArrayLike,
    horizon: float,
    *,
    initial: Sequence[UnivariateHawkes] | None = None,
) -> HawkesFit:
    """Maximum-likelihood fit of a univariate exponential Hawkes process to event times on ``[0, horizon]``.

    Starts from each model in ``initial`` (default: a grid of branching ratios 0.2/0.5/0.8 × decays 0.3/3/30
    times the mean event rate) and keeps the best optimum. Times should be in a unit where the decay is of order
    1 to 10⁴ (seconds for most order flow).
    """
    horizon = require_positive("horizon", horizon)
    times = as_event_times(event_times, horizon)
    if times.size < MIN_EVENTS_TO_FIT:
        raise ValueError(f"fit_hawkes needs at least {MIN_EVENTS_TO_FIT} events, got {times.size}")
    events = MarkedEvents(times, np.zeros(times.size, dtype=np.int64), 1, horizon)
    scale = float(times.size)

    def negative_loglik(theta: FloatArray) -> tuple[float, FloatArray]:
        mu, alpha, beta, branching = _univariate_natural(theta)
        value, grad_mu, grad_alpha, grad_beta = _loglik_grad(
            events, np.array([mu]), np.array([[alpha]]), np.array([[beta]])
        )
        if not math.isfinite(value):
            return math.inf, np.zeros(3)
        d_theta = np.array(
            [
                grad_mu[0] * mu,
                grad_alpha[0, 0] * beta * branching * (1.0 - branching),
                grad_alpha[0, 0] * alpha + grad_beta[0, 0] * beta,
            ]
        )
        return -value / scale, -d_theta / scale

    if initial is None:
        rate = times.size / horizon
        initial = [
            UnivariateHawkes(rate * (1.0 - g), g * d * rate, d * rate)
            for g in _START_BRANCHING
            for d in _START_DECAY_PER_RATE
        ]
    starts = [
        np.array([math.log(m.mu), _logit(min(max(m.branching_ratio, 1e-6), 1 - 1e-6)), math.log(m.beta)])
        for m in initial
    ]
    theta, converged = _minimise(negative_loglik, starts)
    mu, alpha, beta, _ = _univariate_natural(theta)
    model = UnivariateHawkes(mu, alpha, beta)

    def gradient(natural: FloatArray) -> FloatArray:
        _, grad_mu, grad_alpha, grad_beta = _loglik_grad(
            events, natural[:1].copy(), natural[1:2].reshape(1, 1).copy(), natural[2:3].reshape(1, 1).copy()
        )
        return np.array([grad_mu[0], grad_alpha[0, 0], grad_beta[0, 0]])

    natural = np.array([mu, alpha, beta])
    covariance = _observed_information_inverse(gradient, natural, np.ones(3, dtype=bool))
    se = _std_errors(covariance)
    return HawkesFit(
        model=model,
        mu_se=float(se[0]),
        alpha_se=float(se[1]),
        beta_se=float(se[2]),
        covariance=covariance,
        log_likelihood=model.log_likelihood(times, horizon),
        n_events=int(times.size),
        horizon=horizon,
        converged=converged,
    )


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


# -- multivariate Hawkes --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, eq=False)
class MultivariateHawkesFit:
    """A multivariate Hawkes MLE: fitted model, standard errors shaped like its parameters, the covariance of
    the free parameters (ordered as ``parameter_names``) and the maximised log-likelihood."""

    model: MultivariateHawkes
    mu_se: FloatArray
    alpha_se: FloatArray
    beta_se: FloatArray
    covariance: FloatArray
    parameter_names: tuple[str, ...]
    log_likelihood: float
    n_events: int
    converged: bool
    shared_decay: bool


def fit_multivariate_hawkes(
    events: MarkedEvents,
    *,
    shared_decay: bool = True,
    initial: Sequence[MultivariateHawkes] | None = None,
) -> MultivariateHawkesFit:
    """Maximum-likelihood fit of a D-dimensional exponential Hawkes process (μ_i, α_ij, and β).

    ``shared_decay=True`` fits one β for every kernel (D + D² + 1 parameters, the usual choice, better
    identified); ``False`` fits a β_ij per kernel. Starts from each model in ``initial`` (default: a grid of
    spectral radii 0.2/0.5/0.8 × decays 0.3/3/30 times the mean per-dimension event rate). Stationarity is not
    imposed: check ``fit.model.is_stationary``.
    """
    if not isinstance(events, MarkedEvents):
        raise ValueError(f"events must be MarkedEvents, got {type(events).__name__}")
    dim = events.dim
    counts = events.counts()
    if len(events) < MIN_EVENTS_TO_FIT * dim or np.any(counts == 0):
        raise ValueError(
            f"fit_multivariate_hawkes needs events in every dimension and at least {MIN_EVENTS_TO_FIT} per "
            f"dimension on average, got counts {counts.tolist()}"
        )
    n_beta = 1 if shared_decay else dim * dim
    n_params = dim + dim * dim + n_beta
    scale = float(len(events))

    def natural_from_theta(theta: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        mu = np.exp(theta[:dim])
        alpha = np.exp(theta[dim : dim + dim * dim]).reshape(dim, dim)
        beta = np.broadcast_to(np.exp(theta[dim + dim * dim :]), (dim * dim,)).reshape(dim, dim).copy()
        return mu, alpha, beta

    def flat_gradient(
        grad_mu: FloatArray, grad_alpha: FloatArray, grad_beta: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        beta_part = np.array([grad_beta.sum()]) if shared_decay else grad_beta.reshape(-1)
        return grad_mu, grad_alpha.reshape(-1), beta_part

    def negative_loglik(theta: FloatArray) -> tuple[float, FloatArray]:
        mu, alpha, beta = natural_from_theta(theta)
        value, grad_mu, grad_alpha, grad_beta = _loglik_grad(events, mu, alpha, beta)
        if not math.isfinite(value):
            return math.inf, np.zeros(n_params)
        g_mu, g_alpha, g_beta = flat_gradient(grad_mu, grad_alpha, grad_beta)
        beta_values = beta[:1, :1].reshape(-1) if shared_decay else beta.reshape(-1)
        d_theta = np.concatenate([g_mu * mu, g_alpha * alpha.reshape(-1), g_beta * beta_values])
        return -value / scale, -d_theta / scale

    if initial is None:
        rates = counts / events.horizon
        mean_rate = float(rates.mean())
        initial = [
            MultivariateHawkes(rates * (1.0 - g), np.full((dim, dim), g * d * mean_rate / dim), d * mean_rate)
            for g in _START_BRANCHING
            for d in _START_DECAY_PER_RATE
        ]
    starts = []
    for model in initial:
        if model.dim != dim:
            raise ValueError(f"initial model has {model.dim} dimensions, events have {dim}")
        beta_start = np.array([model.beta.mean()]) if shared_decay else model.beta.reshape(-1)
        starts.append(
            np.log(
                np.concatenate([np.maximum(model.mu, 1e-12), np.maximum(model.alpha.reshape(-1), 1e-12), beta_start])
            )
        )
    theta, converged = _minimise(negative_loglik, starts)
    mu, alpha, beta = natural_from_theta(theta)
    model = MultivariateHawkes(mu, alpha, beta)

    def gradient(natural: FloatArray) -> FloatArray:
        mu_, alpha_ = natural[:dim].copy(), natural[dim : dim + dim * dim].reshape(dim, dim).copy()
        beta_ = np.broadcast_to(natural[dim + dim * dim :], (dim * dim,)).reshape(dim, dim).copy()
        _, grad_mu, grad_alpha, grad_beta = _loglik_grad(events, mu_, alpha_, beta_)
        return np.concatenate(flat_gradient(grad_mu, grad_alpha, grad_beta))

    beta_values = beta[:1, :1].reshape(-1) if shared_decay else beta.reshape(-1)
    natural = np.concatenate([mu, alpha.reshape(-1), beta_values])
    # A baseline or a branching ratio driven to ~0 sits on the boundary of the parameter space, where the
    # observed information says nothing about its uncertainty: hold it fixed (NaN standard error).
    at_boundary = np.concatenate(
        [mu < _BOUNDARY_FRACTION * counts / events.horizon, model.branching_matrix.reshape(-1) < _BOUNDARY_FRACTION]
    )
    free = np.concatenate([~at_boundary, np.ones(n_beta, dtype=bool)])
    covariance = _observed_information_inverse(gradient, natural, free)
    se = _std_errors(covariance)
    beta_se = np.full((dim, dim), se[-1]) if shared_decay else se[dim + dim * dim :].reshape(dim, dim)
    names = [f"mu[{i}]" for i in range(dim)] + [f"alpha[{i},{j}]" for i in range(dim) for j in range(dim)]
    names += ["beta"] if shared_decay else [f"beta[{i},{j}]" for i in range(dim) for j in range(dim)]
    return MultivariateHawkesFit(
        model=model,
        mu_se=se[:dim],
        alpha_se=se[dim : dim + dim * dim].reshape(dim, dim),
        beta_se=beta_se,
        covariance=covariance,
        parameter_names=tuple(names),
        log_likelihood=model.log_likelihood(events),
        n_events=len(events),
        converged=converged,
        shared_decay=shared_decay,
    )


# -- Poisson, GBM, OU -----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RateFit:
    """A Poisson rate MLE ``n/T`` with its standard error ``√n/T``."""

    rate: float
    std_error: float
    n_events: int
    horizon: float


def fit_poisson_rate(event_times: npt.ArrayLike, horizon: float) -> RateFit:
    """MLE of a homogeneous Poisson rate from the events on ``[0, horizon]``."""
    horizon = require_positive("horizon", horizon)
    n = int(as_event_times(event_times, horizon).size)
    return RateFit(rate=n / horizon, std_error=math.sqrt(n) / horizon, n_events=n, horizon=horizon)


@dataclass(frozen=True, slots=True)
class GbmFit:
    """GBM drift μ and volatility σ (per time unit of ``dt``) with asymptotic standard errors."""

    drift: float
    volatility: float
    drift_se: float
    volatility_se: float
    n_returns: int


def fit_gbm(prices: npt.ArrayLike, dt: float) -> GbmFit:
    """MLE of GBM parameters from prices sampled every ``dt`` (1-D, or 2-D with paths along axis 0).

    Log returns r are i.i.d. N((μ − σ²/2)Δ, σ²Δ): ``σ̂² = s²(r)/Δ``, ``μ̂ = r̄/Δ + σ̂²/2``.
    """
    dt = require_positive("dt", dt)
    values = np.asarray(prices, dtype=np.float64)
    if values.ndim not in (1, 2) or values.shape[-1] < 3:
        raise ValueError(f"prices must be 1-D or 2-D with at least 3 samples per path, got shape {values.shape}")
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError("prices must be finite and > 0")
    returns = np.diff(np.log(values), axis=-1).reshape(-1)
    n = int(returns.size)
    variance = float(np.var(returns, ddof=1)) / dt
    volatility = math.sqrt(variance)
    drift = float(np.mean(returns)) / dt + 0.5 * variance
    drift_se = math.sqrt(variance / (n * dt) + variance**2 / (2.0 * n))
    return GbmFit(
        drift=drift,
        volatility=volatility,
        drift_se=drift_se,
        volatility_se=volatility / math.sqrt(2.0 * n),
        n_returns=n,
    )


@dataclass(frozen=True, slots=True)
class OuFit:
    """OU parameters from an AR(1) regression (see the module docstring); ``volatility`` is the diffusion σ."""

    mean_level: float
    mean_reversion: float
    volatility: float
    equilibrium_std: float
    half_life: float
    ar_coefficient: float
    ar_coefficient_se: float
    ar_intercept: float


def fit_ou(values: npt.ArrayLike, dt: float) -> OuFit:
    """Fit ``dX = κ(m − X)dt + σ dW`` to one series sampled every ``dt`` (exact AR(1) discretisation, OLS)."""
    dt = require_positive("dt", dt)
    series = np.asarray(values, dtype=np.float64)
    if series.ndim != 1 or series.size < 4:
        raise ValueError(f"values must be a 1-D series of at least 4 points, got shape {series.shape}")
    if not np.all(np.isfinite(series)):
        raise ValueError("values must be finite")
    x, y = series[:-1], series[1:]
    x_centred = x - x.mean()
    sxx = float(x_centred @ x_centred)
    if sxx == 0.0:
        raise ValueError("values are constant: no AR(1) fit")
    b = float(x_centred @ (y - y.mean())) / sxx
    a = float(y.mean()) - b * float(x.mean())
    residuals = y - a - b * x
    residual_variance = float(residuals @ residuals) / (x.size - 2)
    if not 0.0 < b < 1.0:
        raise ValueError(f"no mean reversion: AR(1) coefficient b = {b:.6g} is not in (0, 1)")
    kappa = -math.log(b) / dt
    equilibrium_std = math.sqrt(residual_variance / (1.0 - b * b))
    return OuFit(
        mean_level=a / (1.0 - b),
        mean_reversion=kappa,
        volatility=equilibrium_std * math.sqrt(2.0 * kappa),
        equilibrium_std=equilibrium_std,
        half_life=math.log(2.0) / kappa,
        ar_coefficient=b,
        ar_coefficient_se=math.sqrt(residual_variance / sxx),
        ar_intercept=a,
    )
