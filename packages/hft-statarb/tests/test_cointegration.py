"""Engle–Granger: MacKinnon critical values and p-values, ADF lag selection, size and power."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hft_statarb.cointegration import (
    adf_statistic,
    engle_granger,
    mackinnon_critical_value,
    mackinnon_pvalue,
    schwert_max_lags,
)
from hft_statarb.errors import StatArbError

# MacKinnon (2010) Table 2, N = 2, constant, typed in from docs/REFERENCES — independent of the module's table.
REFERENCE_BETAS = {
    0.01: (-3.89644, -10.9519, -33.527),
    0.05: (-3.33613, -6.1101, -6.823),
    0.10: (-3.04445, -4.2412, -2.720),
}
# The same values worked out by hand: C(T) = β∞ + β1/T + β2/T².
HAND_COMPUTED = {
    (0.01, 100): -4.0093117,
    (0.05, 100): -3.3979133,
    (0.10, 100): -3.087134,
    (0.01, 250): -3.94078403,
    (0.05, 250): -3.360679568,
    (0.10, 250): -3.06145832,
}


@pytest.mark.parametrize("level", [0.01, 0.05, 0.10])
@pytest.mark.parametrize("nobs", [100, 250, None])
def test_critical_values_follow_the_response_surface(level: float, nobs: int | None) -> None:
    beta_inf, beta_1, beta_2 = REFERENCE_BETAS[level]
    expected = beta_inf if nobs is None else beta_inf + beta_1 / nobs + beta_2 / nobs**2
    assert mackinnon_critical_value(level, nobs) == pytest.approx(expected, abs=1e-12)
    if nobs is not None:
        assert mackinnon_critical_value(level, nobs) == pytest.approx(HAND_COMPUTED[(level, nobs)], abs=1e-8)
    assert mackinnon_critical_value(level, math.inf) == beta_inf


def test_critical_value_errors() -> None:
    with pytest.raises(StatArbError, match="no MacKinnon"):
        mackinnon_critical_value(0.025, 100)
    with pytest.raises(StatArbError, match="nobs"):
        mackinnon_critical_value(0.05, 0)


@pytest.mark.parametrize("level", [0.01, 0.05, 0.10])
def test_pvalue_surface_agrees_with_the_independent_2010_critical_values(level: float) -> None:
    # The 1994 p-value surface and the 2010 asymptotic critical values come from different simulation studies;
    # evaluated at β∞ the p-value must give back the level. Wrong coefficients would miss by far more.
    assert mackinnon_pvalue(REFERENCE_BETAS[level][0]) == pytest.approx(level, abs=5e-4)


def test_pvalue_is_monotone_and_saturates() -> None:
    taus = np.linspace(-19.5, 1.5, 2001)
    pvalues = np.array([mackinnon_pvalue(t) for t in taus])
    assert np.all(np.diff(pvalues) >= 0)
    assert mackinnon_pvalue(-20.0) == 0.0
    assert mackinnon_pvalue(1.0) == 1.0
    assert 0.0 < mackinnon_pvalue(-3.0) < 0.2 < mackinnon_pvalue(-2.0) < 1.0
    # Continuity across the switch between the two polynomials at τ* = −2.62.
    assert abs(mackinnon_pvalue(-2.62 + 1e-9) - mackinnon_pvalue(-2.62 - 1e-9)) < 2e-3
    with pytest.raises(StatArbError, match="NaN"):
        mackinnon_pvalue(math.nan)


def _random_walk_pair(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.standard_normal(n)), np.cumsum(rng.standard_normal(n))


def _cointegrated_pair(seed: int, n: int, phi: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = 50.0 + np.cumsum(rng.standard_normal(n))
    shocks = rng.standard_normal(n)
    spread = np.empty(n)
    spread[0] = shocks[0]
    for t in range(1, n):
        spread[t] = phi * spread[t - 1] + shocks[t]
    return 2.0 + 1.5 * x + spread, x


@pytest.mark.slow
def test_critical_values_match_a_simulated_null() -> None:
    # 3000 independent random-walk pairs, T = 100, DF regression without lags (the setting of the tables).
    taus = np.array([engle_granger(*_random_walk_pair(10_000 + s, 100), lags=0).statistic for s in range(3000)])
    simulated = np.quantile(taus, [0.01, 0.05, 0.10])
    tabulated = [mackinnon_critical_value(level, 99) for level in (0.01, 0.05, 0.10)]
    # Monte Carlo s.e. of these quantiles at 3000 draws is ≈ 0.06 (1 %) and ≈ 0.03 (5 %, 10 %).
    assert simulated[0] == pytest.approx(tabulated[0], abs=0.2)
    assert simulated[1] == pytest.approx(tabulated[1], abs=0.1)
    assert simulated[2] == pytest.approx(tabulated[2], abs=0.1)


@pytest.mark.slow
def test_size_and_power_at_five_percent() -> None:
    n_trials = 200
    false_rejections = sum(
        engle_granger(*_random_walk_pair(seed, 250)).is_cointegrated(0.05) for seed in range(n_trials)
    )
    detections = sum(
        engle_granger(*_cointegrated_pair(seed, 250, phi=0.85)).is_cointegrated(0.05) for seed in range(n_trials)
    )
    # Size: binomial(200, 0.05) has s.d. 1.5 %; [1 %, 10 %] is about ±3 s.d.
    assert 0.01 <= false_rejections / n_trials <= 0.10
    # Power for an AR(0.85) spread (half-life ≈ 4 bars) over 250 bars.
    assert detections / n_trials > 0.90


def test_cointegrated_pair_is_detected_with_a_small_pvalue() -> None:
    y, x = _cointegrated_pair(seed=42, n=500, phi=0.7)
    result = engle_granger(y, x)
    assert result.is_cointegrated(0.01)
    assert result.pvalue < 0.01
    assert result.hedge.beta == pytest.approx(1.5, abs=0.1)
    assert set(result.critical_values) == {0.01, 0.05, 0.10}
    assert result.critical_values[0.05] == mackinnon_critical_value(0.05, result.nobs)


def test_independent_random_walks_are_not_cointegrated() -> None:
    result = engle_granger(*_random_walk_pair(seed=7, n=500))
    assert not result.is_cointegrated(0.10)
    assert result.pvalue > 0.10


def test_aic_selects_lags_for_autocorrelated_differences() -> None:
    rng = np.random.default_rng(9)
    n = 1000
    shocks = rng.standard_normal(n)
    diffs = np.empty(n)
    diffs[0] = shocks[0]
    for t in range(1, n):
        diffs[t] = 0.6 * diffs[t - 1] + shocks[t]  # unit root with AR(1) differences: one lag needed
    result = adf_statistic(np.cumsum(diffs))
    assert result.lag_selection == "aic"
    assert 1 <= result.lags <= schwert_max_lags(n)
    assert adf_statistic(np.cumsum(diffs), lags=0).lags == 0
    assert schwert_max_lags(100) == 12
    assert schwert_max_lags(250) == 15


def test_fixed_lags_reduce_the_regression_sample() -> None:
    y, x = _cointegrated_pair(seed=1, n=300, phi=0.8)
    assert engle_granger(y, x, lags=0).nobs == 299
    assert engle_granger(y, x, lags=4).nobs == 295


@pytest.mark.parametrize(
    ("y", "x", "message"),
    [
        (np.arange(30.0), np.arange(31.0), "different lengths"),
        (np.r_[np.nan, np.arange(29.0)], np.arange(30.0) ** 1.5, "NaN at index 0"),
        (np.arange(30.0), np.full(30, 4.0), "x: series is constant"),
        (np.full(30, 4.0), np.arange(30.0), "y: series is constant"),
        (np.arange(10.0), np.arange(10.0) ** 2, "too few observations"),
        (3.0 + 2.0 * np.arange(30.0) ** 1.5, np.arange(30.0) ** 1.5, "exact linear function"),
    ],
)
def test_bad_input(y: np.ndarray, x: np.ndarray, message: str) -> None:
    with pytest.raises(StatArbError, match=message):
        engle_granger(y, x)


def test_lag_argument_errors() -> None:
    y, x = _cointegrated_pair(seed=2, n=40, phi=0.5)
    with pytest.raises(StatArbError, match="lags must be >= 0"):
        engle_granger(y, x, lags=-1)
    with pytest.raises(StatArbError, match="too few observations"):
        engle_granger(y, x, lags=30)
    with pytest.raises(StatArbError, match="max_lags=30 is too large"):
        engle_granger(y, x, max_lags=30)


@pytest.mark.slow
def test_detects_log_pairs_from_the_hft_core_simulator() -> None:
    # hft_core.flow.cointegrated_paths (an independent simulator): ln Y = 0.8·ln X + OU spread with half-life
    # ≈ 3 days over one year of daily data; and ln X against an independent GBM.
    from hft_core.flow import cointegrated_paths, gbm_paths

    pairs = cointegrated_paths(
        [100.0], [0.05], [0.3], [0.8], spread_mean_reversion=60.0, spread_volatility=0.15,
        horizon=1.0, n_steps=252, n_paths=60, seed=2024,
    )  # fmt: skip
    others = gbm_paths(50.0, 0.05, 0.3, 1.0, 252, n_paths=60, seed=2025)
    detected = false_alarms = 0
    for i in range(60):
        log_x = np.log(pairs.legs[i, :, 0])
        detected += engle_granger(np.log(pairs.target[i]), log_x).is_cointegrated(0.05)
        false_alarms += engle_granger(np.log(others[i]), log_x).is_cointegrated(0.05)
    assert detected / 60 > 0.9
    assert false_alarms / 60 <= 0.15  # binomial(60, 0.05): P(X > 9) < 0.2 %
