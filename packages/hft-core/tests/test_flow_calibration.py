"""Calibration: Hawkes MLE recovers the simulating parameters within its own standard errors, the standard errors
are calibrated, the fit is a maximum; Poisson, GBM and OU fits recover their parameters; bad inputs raise."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest
from hft_core.flow import (
    MarkedEvents,
    MultivariateHawkes,
    UnivariateHawkes,
    fit_gbm,
    fit_hawkes,
    fit_multivariate_hawkes,
    fit_ou,
    gbm_paths,
    ou_paths,
    time_rescaling_ks,
)

FloatArray = npt.NDArray[np.float64]

SEEDS = (0, 1, 2, 3, 4)
TRUE = UnivariateHawkes(mu=0.5, alpha=0.8, beta=1.2)
HORIZON = 2000.0
TRUE_BIVARIATE = MultivariateHawkes([0.3, 0.2], [[0.6, 0.3], [0.2, 0.5]], 1.5)


def _z_scores(fit_model: UnivariateHawkes, se: tuple[float, float, float]) -> FloatArray:
    """(estimate − truth)/SE for (μ, α, β)."""
    estimate = np.array([fit_model.mu, fit_model.alpha, fit_model.beta])
    truth = np.array([TRUE.mu, TRUE.alpha, TRUE.beta])
    z: FloatArray = (estimate - truth) / np.array(se)
    return z


def test_univariate_mle_recovers_parameters_within_three_standard_errors() -> None:
    for seed in SEEDS:
        times = TRUE.simulate(HORIZON, seed=seed)
        fit = fit_hawkes(times, HORIZON)
        assert fit.converged
        assert fit.n_events == times.size
        z = _z_scores(fit.model, (fit.mu_se, fit.alpha_se, fit.beta_se))
        assert np.all(np.abs(z) < 3), (seed, fit, z)
        # The standard errors are of the size asymptotic theory gives for ~3000 events, not inflated.
        assert fit.mu_se < 0.1 and fit.alpha_se < 0.1 and fit.beta_se < 0.2
        assert abs(fit.model.branching_ratio - TRUE.branching_ratio) < 3 * fit.branching_ratio_se


def test_fit_is_a_maximum_and_reports_its_log_likelihood() -> None:
    times = TRUE.simulate(HORIZON, seed=42)
    fit = fit_hawkes(times, HORIZON)
    assert fit.log_likelihood == pytest.approx(fit.model.log_likelihood(times, HORIZON))
    assert fit.log_likelihood >= TRUE.log_likelihood(times, HORIZON)
    for scale in (0.98, 1.02):
        for nudged in (
            UnivariateHawkes(fit.model.mu * scale, fit.model.alpha, fit.model.beta),
            UnivariateHawkes(fit.model.mu, fit.model.alpha * scale, fit.model.beta),
            UnivariateHawkes(fit.model.mu, fit.model.alpha, fit.model.beta * scale),
        ):
            assert nudged.log_likelihood(times, HORIZON) < fit.log_likelihood
    # The covariance is symmetric positive definite, and the fitted model passes time-rescaling.
    np.testing.assert_allclose(fit.covariance, fit.covariance.T, rtol=1e-6)
    assert np.all(np.linalg.eigvalsh(fit.covariance) > 0)
    assert time_rescaling_ks(fit.model.rescaled_intervals(times)).pvalue > 0.01


def test_fit_from_a_single_far_start_still_converges() -> None:
    times = TRUE.simulate(HORIZON, seed=5)
    default = fit_hawkes(times, HORIZON)
    far = fit_hawkes(times, HORIZON, initial=[UnivariateHawkes(5.0, 0.1, 50.0)])
    assert far.log_likelihood == pytest.approx(default.log_likelihood, abs=1e-6)
    assert far.model.beta == pytest.approx(default.model.beta, rel=1e-4)


@pytest.mark.slow
def test_univariate_standard_errors_are_calibrated() -> None:
    # Across 48 independent paths the z-scores (estimate − truth)/SE should look standard normal: a standard
    # deviation near 1 (too small = inflated SEs, too large = optimistic SEs). The sample SD of 48 values has an
    # SD of about 0.1; pooling μ, α and β tightens it further (they are correlated within a path).
    z = np.array(
        [
            _z_scores(fit.model, (fit.mu_se, fit.alpha_se, fit.beta_se))
            for fit in (fit_hawkes(TRUE.simulate(1000.0, seed=1000 + s), 1000.0) for s in range(48))
        ]
    )
    per_parameter = z.std(axis=0, ddof=1)
    assert np.all((per_parameter > 0.6) & (per_parameter < 1.5)), per_parameter
    pooled = z.std(ddof=1)
    assert 0.7 < pooled < 1.35, pooled
    assert np.all(np.abs(z.mean(axis=0)) < 0.5), z.mean(axis=0)


def test_multivariate_mle_recovers_parameters_within_three_standard_errors() -> None:
    for seed in SEEDS[:3]:
        events = TRUE_BIVARIATE.simulate(3000.0, seed=seed)
        fit = fit_multivariate_hawkes(events)
        assert fit.converged and fit.shared_decay
        assert fit.model.is_stationary
        assert fit.parameter_names == ("mu[0]", "mu[1]", "alpha[0,0]", "alpha[0,1]", "alpha[1,0]", "alpha[1,1]", "beta")
        assert np.all(np.abs(fit.model.mu - TRUE_BIVARIATE.mu) < 3 * fit.mu_se), (seed, fit)
        assert np.all(np.abs(fit.model.alpha - TRUE_BIVARIATE.alpha) < 3 * fit.alpha_se), (seed, fit)
        assert np.all(np.abs(fit.model.beta - TRUE_BIVARIATE.beta) < 3 * fit.beta_se), (seed, fit)
        assert fit.log_likelihood >= TRUE_BIVARIATE.log_likelihood(events)
        np.testing.assert_allclose(fit.model.stationary_intensity, events.counts() / events.horizon, rtol=0.05)


@pytest.mark.slow
def test_multivariate_mle_with_per_pair_decays() -> None:
    truth = MultivariateHawkes([0.4, 0.3], [[0.8, 0.4], [0.9, 0.3]], [[2.0, 1.0], [3.0, 1.5]])
    events = truth.simulate(4000.0, seed=7)
    fit = fit_multivariate_hawkes(events, shared_decay=False)
    assert fit.converged and not fit.shared_decay
    assert len(fit.parameter_names) == 2 + 4 + 4
    for estimate, se, value in (
        (fit.model.mu, fit.mu_se, truth.mu),
        (fit.model.alpha, fit.alpha_se, truth.alpha),
        (fit.model.beta, fit.beta_se, truth.beta),
    ):
        assert np.all(np.isfinite(se))
        assert np.all(np.abs(estimate - value) < 3 * se), (estimate, se, value)


def test_multivariate_fit_without_cross_excitation_handles_the_boundary() -> None:
    truth = MultivariateHawkes([0.5, 0.5], [[0.5, 0.0], [0.0, 0.5]], 1.0)
    fit = fit_multivariate_hawkes(truth.simulate(3000.0, seed=3))
    assert fit.converged
    assert np.all(np.abs(np.diag(fit.model.alpha) - 0.5) < 3 * np.diag(fit.alpha_se))
    for i, j in ((0, 1), (1, 0)):
        at_boundary = fit.model.alpha[i, j] / fit.model.beta[i, j] < 1e-6
        # On the boundary the observed information says nothing: NaN, never a made-up number.
        assert np.isnan(fit.alpha_se[i, j]) if at_boundary else fit.model.alpha[i, j] < 3 * fit.alpha_se[i, j]
    assert np.all(np.isfinite(fit.mu_se)) and np.isfinite(fit.beta_se[0, 0])


def test_multivariate_fit_matches_univariate_fit_in_one_dimension() -> None:
    times = TRUE.simulate(HORIZON, seed=3)
    single = fit_hawkes(times, HORIZON)
    multi = fit_multivariate_hawkes(MarkedEvents(times, np.zeros(times.size, dtype=np.int64), 1, HORIZON))
    assert multi.log_likelihood == pytest.approx(single.log_likelihood, abs=1e-6)
    assert multi.model.alpha[0, 0] == pytest.approx(single.model.alpha, rel=1e-4)
    assert multi.alpha_se[0, 0] == pytest.approx(single.alpha_se, rel=1e-3)


def test_hawkes_fits_reject_too_little_data() -> None:
    with pytest.raises(ValueError, match="at least 10 events"):
        fit_hawkes([0.1, 0.5, 0.9], 1.0)
    with pytest.raises(ValueError, match="events in every dimension"):
        fit_multivariate_hawkes(MarkedEvents(np.linspace(0.1, 0.9, 30), np.zeros(30, dtype=np.int64), 2, 1.0))
    events = TRUE_BIVARIATE.simulate(500.0, seed=0)
    with pytest.raises(ValueError, match="initial model has 1 dimensions"):
        fit_multivariate_hawkes(events, initial=[TRUE.as_multivariate()])
    with pytest.raises(ValueError, match="at least one starting model"):
        fit_hawkes(TRUE.simulate(100.0, seed=0), 100.0, initial=[])


def test_fit_gbm_recovers_drift_and_volatility() -> None:
    paths = gbm_paths(100.0, 0.2, 0.3, 10.0, 2500, n_paths=20, seed=31)
    fit = fit_gbm(paths, 10.0 / 2500)
    assert fit.n_returns == 20 * 2500
    assert abs(fit.volatility - 0.3) < 3 * fit.volatility_se
    assert abs(fit.drift - 0.2) < 3 * fit.drift_se
    assert fit.volatility_se == pytest.approx(0.3 / math.sqrt(2 * 50_000), rel=0.05)


def test_fit_ou_recovers_ar1_parameters() -> None:
    kappa, mean, vol, dt = 3.0, 2.0, 0.5, 0.01
    series = ou_paths(mean, mean, kappa, vol, 20_000 * dt, 20_000, seed=32)[0]
    fit = fit_ou(series, dt)
    assert abs(fit.ar_coefficient - math.exp(-kappa * dt)) < 3 * fit.ar_coefficient_se
    assert fit.mean_reversion == pytest.approx(kappa, rel=0.25)
    assert fit.volatility == pytest.approx(vol, rel=0.02)
    assert fit.equilibrium_std == pytest.approx(vol / math.sqrt(2 * kappa), rel=0.15)
    assert fit.half_life == pytest.approx(math.log(2) / fit.mean_reversion)
    assert abs(fit.mean_level - mean) < 0.15


def test_fit_ou_rejects_a_series_without_mean_reversion() -> None:
    with pytest.raises(ValueError, match="no mean reversion"):
        fit_ou(np.arange(100.0) ** 1.5, 1.0)
    with pytest.raises(ValueError, match="constant"):
        fit_ou(np.ones(10), 1.0)
    with pytest.raises(ValueError, match="prices must be finite and > 0"):
        fit_gbm([1.0, -1.0, 2.0], 1.0)
