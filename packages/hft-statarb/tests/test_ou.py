"""OU calibration: parameter recovery on exact simulated paths, MLE vs AR(1), errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hft_statarb.errors import NotMeanRevertingError, StatArbError
from hft_statarb.ou import fit_ou_ar1, fit_ou_mle, ou_half_life, simulate_ou

KAPPA, MEAN, SIGMA, DT = 50.0, 0.3, 0.4, 1.0 / 252.0  # per year; half-life ≈ 3.5 trading days


def test_exact_simulation_has_the_ou_moments() -> None:
    paths = simulate_ou(KAPPA, MEAN, SIGMA, dt=DT, n_steps=50, rng=np.random.default_rng(0), n_paths=20_000)
    sigma_eq = SIGMA / math.sqrt(2 * KAPPA)
    # Stationary start: mean m and s.d. σ_eq at every date (s.e. of the mean ≈ σ_eq/141).
    assert paths[:, -1].mean() == pytest.approx(MEAN, abs=4 * sigma_eq / math.sqrt(20_000))
    assert paths[:, -1].std() == pytest.approx(sigma_eq, rel=0.03)
    # Lag-one autocorrelation e^{−κΔt}.
    lag_one = np.corrcoef(paths[:, 10], paths[:, 11])[0, 1]
    assert lag_one == pytest.approx(math.exp(-KAPPA * DT), abs=0.01)


def test_ar1_and_mle_recover_parameters_within_three_standard_errors() -> None:
    path = simulate_ou(KAPPA, MEAN, SIGMA, dt=DT, n_steps=5000, rng=np.random.default_rng(1))[0]
    mle = fit_ou_mle(path, dt=DT)
    ar1 = fit_ou_ar1(path, dt=DT)
    for estimate, truth, stderr in (
        (mle.kappa, KAPPA, mle.kappa_stderr),
        (mle.mean, MEAN, mle.mean_stderr),
        (mle.sigma, SIGMA, mle.sigma_stderr),
    ):
        assert abs(estimate - truth) < 3 * stderr
    # Stated tolerances in relative terms at this sample size: κ ±15 %, σ ±3 %, m ±0.01 (≈ 5 s.e.).
    assert ar1.kappa == pytest.approx(KAPPA, rel=0.15)
    assert ar1.sigma == pytest.approx(SIGMA, rel=0.03)
    assert ar1.mean == pytest.approx(MEAN, abs=0.01)
    assert ar1.half_life == pytest.approx(math.log(2) / ar1.kappa)
    assert ar1.sigma_eq == pytest.approx(SIGMA / math.sqrt(2 * KAPPA), rel=0.1)


@pytest.mark.slow
def test_mle_standard_errors_are_calibrated_over_many_paths() -> None:
    z_scores = []
    for seed in range(40):
        path = simulate_ou(KAPPA, MEAN, SIGMA, dt=DT, n_steps=3000, rng=np.random.default_rng(100 + seed))[0]
        fit = fit_ou_mle(path, dt=DT)
        z_scores.append(
            [
                (fit.kappa - KAPPA) / fit.kappa_stderr,
                (fit.mean - MEAN) / fit.mean_stderr,
                (fit.sigma - SIGMA) / fit.sigma_stderr,
            ]
        )
    z = np.array(z_scores)
    # Mean z within ±3/√40 ≈ ±0.5 of 0 (κ carries a small upward finite-sample bias); s.d. near 1.
    assert np.all(np.abs(z.mean(axis=0)) < 0.5)
    assert np.all((z.std(axis=0) > 0.6) & (z.std(axis=0) < 1.4))
    assert np.abs(z).max() < 4.5


def test_mle_equals_closed_form_ar1_for_equal_spacing() -> None:
    path = simulate_ou(KAPPA, MEAN, SIGMA, dt=DT, n_steps=1000, rng=np.random.default_rng(2))[0]
    mle = fit_ou_mle(path, dt=DT)
    ar1 = fit_ou_ar1(path, dt=DT)
    assert mle.kappa == pytest.approx(ar1.kappa, rel=1e-6)
    assert mle.mean == pytest.approx(ar1.mean, rel=1e-6)
    # The MLE innovation variance divides by n, OLS by n − 2.
    assert mle.residual_variance == pytest.approx(ar1.residual_variance * (ar1.nobs - 2) / ar1.nobs, rel=1e-6)


def test_mle_with_irregular_timestamps() -> None:
    rng = np.random.default_rng(3)
    n = 4000
    times = np.cumsum(rng.exponential(DT, n))
    values = np.empty(n)
    values[0] = MEAN
    for i in range(1, n):
        h = times[i] - times[i - 1]
        decay = math.exp(-KAPPA * h)
        values[i] = (
            MEAN
            + (values[i - 1] - MEAN) * decay
            + SIGMA * math.sqrt((1 - decay**2) / (2 * KAPPA)) * rng.standard_normal()
        )
    fit = fit_ou_mle(values, times=times)
    assert abs(fit.kappa - KAPPA) < 3 * fit.kappa_stderr
    assert abs(fit.sigma - SIGMA) < 3 * fit.sigma_stderr
    assert abs(fit.mean - MEAN) < 3 * fit.mean_stderr
    with_initial = fit_ou_mle(values, times=times, include_initial=True)
    assert with_initial.kappa == pytest.approx(fit.kappa, rel=0.02)


def test_explosive_series_is_rejected_as_not_mean_reverting() -> None:
    # Note: a pure random walk usually gives b slightly *below* 1 (the AR(1) slope is biased down), i.e. a
    # slow OU; test for a unit root first. An explosive series gives b > 1.
    rng = np.random.default_rng(4)
    growing = np.exp(0.01 * np.arange(500) + 0.001 * rng.standard_normal(500))
    with pytest.raises(NotMeanRevertingError, match="no mean reversion"):
        fit_ou_ar1(growing)
    with pytest.raises(NotMeanRevertingError, match="no mean reversion"):
        fit_ou_mle(growing, dt=1.0)


def test_alternating_series_has_no_ou_representation() -> None:
    rng = np.random.default_rng(5)
    values = np.where(np.arange(200) % 2 == 0, 1.0, -1.0) + 0.1 * rng.standard_normal(200)
    with pytest.raises(NotMeanRevertingError, match="≤ 0"):
        fit_ou_ar1(values)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (np.full(50, 2.0), "constant"),
        (np.r_[np.arange(20.0), np.nan], "NaN at index 20"),
        (np.arange(5.0), "too few observations"),
        (np.ones((10, 2)), "1-D"),
    ],
)
def test_bad_series(values: np.ndarray, message: str) -> None:
    with pytest.raises(StatArbError, match=message):
        fit_ou_ar1(values)
    with pytest.raises(StatArbError, match=message):
        fit_ou_mle(values, dt=1.0)


def test_argument_errors() -> None:
    path = simulate_ou(5.0, 0.0, 1.0, dt=0.01, n_steps=100, rng=np.random.default_rng(6))[0]
    with pytest.raises(StatArbError, match="exactly one of dt"):
        fit_ou_mle(path)
    with pytest.raises(StatArbError, match="exactly one of dt"):
        fit_ou_mle(path, dt=0.01, times=np.arange(101.0))
    with pytest.raises(StatArbError, match="different lengths"):
        fit_ou_mle(path, times=np.arange(50.0))
    with pytest.raises(StatArbError, match="strictly increasing"):
        fit_ou_mle(path, times=np.r_[np.arange(50.0), np.arange(51.0)])
    with pytest.raises(StatArbError, match="dt must be a positive"):
        fit_ou_ar1(path, dt=0.0)
    with pytest.raises(StatArbError, match="kappa must be a positive"):
        ou_half_life(-1.0)
    with pytest.raises(StatArbError, match="n_steps and n_paths"):
        simulate_ou(1.0, 0.0, 1.0, dt=0.1, n_steps=0, rng=np.random.default_rng(0))
    assert ou_half_life(math.log(2)) == pytest.approx(1.0)


def test_recovers_parameters_from_the_hft_core_simulator() -> None:
    # An independent simulator (hft_core.flow, written separately) as a cross-check of fit and simulation.
    from hft_core.flow import ou_paths

    path = ou_paths(MEAN, MEAN, KAPPA, SIGMA, 5000 * DT, 5000, seed=12)[0]
    fit = fit_ou_mle(path, dt=DT)
    assert abs(fit.kappa - KAPPA) < 3 * fit.kappa_stderr
    assert abs(fit.mean - MEAN) < 3 * fit.mean_stderr
    assert abs(fit.sigma - SIGMA) < 3 * fit.sigma_stderr
