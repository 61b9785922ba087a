"""Synthetic markets: seeded price paths and order-flow point processes, with calibration to data.

- `hft_core.flow.paths`: GBM, Merton jump-diffusion, correlated GBM, OU, cointegrated baskets, tick-grid walks.
- `hft_core.flow.poisson`: homogeneous and piecewise-constant-rate Poisson event times.
- `hft_core.flow.hawkes`: exponential-kernel Hawkes processes (univariate and multivariate): exact simulation,
  intensity, compensator, time-rescaling residuals, log-likelihood.
- `hft_core.flow.calibration`: Hawkes MLE with standard errors, time-rescaling KS test, Poisson/GBM/OU fits.

Every simulator takes ``seed`` (an int, a SeedSequence or a `numpy.random.Generator`); the same seed gives the
same output. Formulas and references: ``docs/flow.md``.
"""

from __future__ import annotations

from hft_core.flow._checks import SeedLike
from hft_core.flow.calibration import (
    GbmFit,
    HawkesFit,
    KsResult,
    MultivariateHawkesFit,
    OuFit,
    RateFit,
    fit_gbm,
    fit_hawkes,
    fit_multivariate_hawkes,
    fit_ou,
    fit_poisson_rate,
    time_rescaling_ks,
)
from hft_core.flow.hawkes import DEFAULT_MAX_EVENTS, MarkedEvents, MultivariateHawkes, UnivariateHawkes
from hft_core.flow.paths import (
    CointegratedPaths,
    cointegrated_paths,
    correlated_gbm_paths,
    gbm_paths,
    merton_jump_paths,
    ou_paths,
    tick_random_walk,
    time_grid,
)
from hft_core.flow.poisson import PiecewiseConstantRate, poisson_event_times

__all__ = [
    "DEFAULT_MAX_EVENTS",
    "CointegratedPaths",
    "GbmFit",
    "HawkesFit",
    "KsResult",
    "MarkedEvents",
    "MultivariateHawkes",
    "MultivariateHawkesFit",
    "OuFit",
    "PiecewiseConstantRate",
    "RateFit",
    "SeedLike",
    "UnivariateHawkes",
    "cointegrated_paths",
    "correlated_gbm_paths",
    "fit_gbm",
    "fit_hawkes",
    "fit_multivariate_hawkes",
    "fit_ou",
    "fit_poisson_rate",
    "gbm_paths",
    "merton_jump_paths",
    "ou_paths",
    "poisson_event_times",
    "tick_random_walk",
    "time_grid",
    "time_rescaling_ks",
]
