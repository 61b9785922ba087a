"""Price paths of `hft_core.flow.paths`: exact moments, correlation, cointegration, tick walks, input checks.

Tolerances are multiples of the sampling standard error of each statistic, so a wrong drift, variance
correction, correlation factor or OU discretisation fails while seeded sampling noise does not.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hft_core.flow import (
    cointegrated_paths,
    correlated_gbm_paths,
    gbm_paths,
    merton_jump_paths,
    ou_paths,
    tick_random_walk,
    time_grid,
)

FloatArray = npt.NDArray[np.float64]

# MacKinnon (2010) response surface, two variables with a constant, 5% (REFERENCES.md, statistical arbitrage).
MACKINNON_5PCT = (-3.33613, -6.1101, -6.823)


def _engle_granger_statistic(y: FloatArray, x: FloatArray) -> tuple[float, float]:
    """(hedge ratio, Dickey–Fuller t-statistic of the OLS residual), no lags: the Engle–Granger test."""
    design = np.column_stack([np.ones_like(x), x])
    coefficients, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ coefficients
    change, lagged = np.diff(residual), residual[:-1]
    gamma = float(lagged @ change) / float(lagged @ lagged)
    innovations = change - gamma * lagged
    se = math.sqrt(float(innovations @ innovations) / (change.size - 1) / float(lagged @ lagged))
    return float(coefficients[1]), gamma / se


def _mackinnon_critical(n: int) -> float:
    b_inf, b1, b2 = MACKINNON_5PCT
    return b_inf + b1 / n + b2 / n**2


def test_time_grid_spans_horizon() -> None:
    grid = time_grid(2.0, 4)
    np.testing.assert_allclose(grid, [0.0, 0.5, 1.0, 1.5, 2.0])


def test_gbm_log_returns_have_exact_mean_and_variance() -> None:
    s0, drift, vol, horizon, n_steps = 100.0, 0.3, 0.4, 1.0, 50
    paths = gbm_paths(s0, drift, vol, horizon, n_steps, n_paths=2000, seed=11)
    assert paths.shape == (2000, n_steps + 1)
    np.testing.assert_allclose(paths[:, 0], s0)
    returns = np.diff(np.log(paths), axis=1).reshape(-1)
    dt = horizon / n_steps
    expected_mean, expected_var = (drift - 0.5 * vol**2) * dt, vol**2 * dt
    n = returns.size
    assert abs(returns.mean() - expected_mean) < 5 * math.sqrt(expected_var / n)
    assert abs(returns.var(ddof=1) - expected_var) < 5 * expected_var * math.sqrt(2 / (n - 1))
    # E[S_T] = s0·e^{μT}: the Itô correction −σ²/2 is what makes the price mean right.
    terminal = paths[:, -1]
    assert abs(terminal.mean() - s0 * math.exp(drift * horizon)) < 5 * terminal.std() / math.sqrt(terminal.size)


def test_same_seed_same_paths_and_generator_advances() -> None:
    a = gbm_paths(1.0, 0.0, 0.2, 1.0, 10, n_paths=3, seed=5)
    b = gbm_paths(1.0, 0.0, 0.2, 1.0, 10, n_paths=3, seed=5)
    np.testing.assert_array_equal(a, b)
    rng = np.random.default_rng(5)
    first = gbm_paths(1.0, 0.0, 0.2, 1.0, 10, n_paths=3, seed=rng)
    second = gbm_paths(1.0, 0.0, 0.2, 1.0, 10, n_paths=3, seed=rng)
    np.testing.assert_array_equal(first, a)
    assert not np.array_equal(first, second)


def test_zero_volatility_gbm_is_deterministic_growth() -> None:
    paths = gbm_paths(50.0, 0.1, 0.0, 2.0, 4, seed=0)
    np.testing.assert_allclose(paths[0], 50.0 * np.exp(0.1 * time_grid(2.0, 4)))


def test_merton_log_returns_match_jump_diffusion_moments() -> None:
    s0, drift, vol, lam, m_j, s_j = 100.0, 0.05, 0.2, 20.0, -0.02, 0.05
    horizon, n_steps, n_paths = 1.0, 100, 2000
    paths = merton_jump_paths(s0, drift, vol, lam, m_j, s_j, horizon, n_steps, n_paths=n_paths, seed=3)
    returns = np.diff(np.log(paths), axis=1).reshape(-1)
    dt = horizon / n_steps
    kappa = math.exp(m_j + 0.5 * s_j**2) - 1
    expected_mean = (drift - 0.5 * vol**2 - lam * kappa) * dt + lam * dt * m_j
    expected_var = vol**2 * dt + lam * dt * (s_j**2 + m_j**2)
    n = returns.size
    assert abs(returns.mean() - expected_mean) < 5 * math.sqrt(expected_var / n)
    # The variance of a sample variance needs the fourth moment; jumps make the law fat-tailed.
    fourth = float(np.mean((returns - returns.mean()) ** 4))
    assert abs(returns.var(ddof=1) - expected_var) < 5 * math.sqrt((fourth - expected_var**2) / n)
    excess_kurtosis = fourth / returns.var() ** 2 - 3
    assert excess_kurtosis > 1.0, "jumps must fatten the tails"
    terminal = paths[:, -1]
    assert abs(terminal.mean() - s0 * math.exp(drift * horizon)) < 5 * terminal.std() / math.sqrt(n_paths)


def test_merton_without_jumps_has_gbm_moments() -> None:
    paths = merton_jump_paths(1.0, 0.1, 0.3, 0.0, 0.5, 0.5, 1.0, 20, n_paths=3000, seed=8)
    returns = np.diff(np.log(paths), axis=1).reshape(-1)
    dt = 1.0 / 20
    assert abs(returns.var(ddof=1) - 0.09 * dt) < 5 * 0.09 * dt * math.sqrt(2 / returns.size)


def test_correlated_gbm_reproduces_correlation_and_volatilities() -> None:
    correlation = np.array([[1.0, 0.7, -0.3], [0.7, 1.0, 0.1], [-0.3, 0.1, 1.0]])
    vols = np.array([0.2, 0.5, 0.1])
    paths = correlated_gbm_paths([10.0, 20.0, 30.0], 0.0, vols, correlation, 1.0, 200, n_paths=200, seed=21)
    assert paths.shape == (200, 201, 3)
    np.testing.assert_allclose(paths[:, 0, :], np.broadcast_to([10.0, 20.0, 30.0], (200, 3)))
    increments = np.diff(np.log(paths), axis=1).reshape(-1, 3)
    n = increments.shape[0]
    sample = np.corrcoef(increments, rowvar=False)
    tolerance = 5 * (1 - correlation**2) / math.sqrt(n) + 1e-12
    assert np.all(np.abs(sample - correlation) <= tolerance), sample
    realised_vol = increments.std(axis=0, ddof=1) * math.sqrt(200)
    assert np.all(np.abs(realised_vol - vols) < 5 * vols / math.sqrt(2 * n))


def test_perfect_correlation_is_accepted_and_exact() -> None:
    # Singular (PSD, not PD): Cholesky fails, the eigen-factor must take over.
    paths = correlated_gbm_paths([1.0, 1.0], 0.0, [0.2, 0.4], [[1.0, 1.0], [1.0, 1.0]], 1.0, 50, seed=2)
    increments = np.diff(np.log(paths[0]), axis=0)
    centred = increments - increments.mean(axis=0)
    np.testing.assert_allclose(centred[:, 1], 2.0 * centred[:, 0], atol=1e-12)


def test_ou_paths_match_exact_transition_moments() -> None:
    start, mean, kappa, vol, horizon = 5.0, 1.0, 2.0, 0.8, 1.5
    # Coarse steps (κΔ = 0.5): an Euler scheme would be visibly wrong here, the exact one is not.
    paths = ou_paths(start, mean, kappa, vol, horizon, 6, n_paths=20_000, seed=4)
    terminal = paths[:, -1]
    expected_mean = mean + (start - mean) * math.exp(-kappa * horizon)
    expected_var = vol**2 * (1 - math.exp(-2 * kappa * horizon)) / (2 * kappa)
    n = terminal.size
    assert abs(terminal.mean() - expected_mean) < 5 * math.sqrt(expected_var / n)
    assert abs(terminal.var(ddof=1) - expected_var) < 5 * expected_var * math.sqrt(2 / (n - 1))


def test_ou_without_mean_reversion_is_brownian() -> None:
    paths = ou_paths(0.0, 3.0, 0.0, 1.0, 1.0, 10, n_paths=4000, seed=6)
    terminal = paths[:, -1]
    assert abs(terminal.mean()) < 5 / math.sqrt(terminal.size)
    assert abs(terminal.var(ddof=1) - 1.0) < 5 * math.sqrt(2 / terminal.size)


def test_cointegrated_pair_has_stationary_spread_and_recovers_hedge_ratio() -> None:
    n_steps, horizon, kappa = 5000, 20.0, 25.0
    pair = cointegrated_paths(100.0, 0.05, 0.3, 1.5, kappa, 0.1, horizon, n_steps, intercept=-2.0, seed=17)
    log_x, log_y = np.log(pair.legs[0, :, 0]), np.log(pair.target[0])
    np.testing.assert_allclose(log_y, -2.0 + 1.5 * log_x + pair.spread[0], atol=1e-9)
    hedge, statistic = _engle_granger_statistic(log_y, log_x)
    assert abs(hedge - 1.5) < 0.05
    assert statistic < _mackinnon_critical(n_steps + 1), statistic
    # AR(1) of the spread: b = e^{−κΔ} < 1, far from a unit root.
    spread = pair.spread[0]
    lagged, current = spread[:-1] - spread.mean(), spread[1:] - spread.mean()
    b = float(lagged @ current) / float(lagged @ lagged)
    se = math.sqrt((1 - b**2) / lagged.size)
    assert abs(b - math.exp(-kappa * horizon / n_steps)) < 4 * se
    assert (1 - b) / se > 10


def test_independent_random_walks_fail_the_cointegration_test() -> None:
    # Negative control for the check above: a spurious regression of two independent GBMs is not cointegrated.
    paths = correlated_gbm_paths([100.0, 50.0], 0.0, 0.3, np.eye(2), 20.0, 5000, seed=17)
    _, statistic = _engle_granger_statistic(np.log(paths[0, :, 1]), np.log(paths[0, :, 0]))
    assert statistic > _mackinnon_critical(5001)


def test_cointegrated_basket_shapes_and_identity() -> None:
    basket = cointegrated_paths(
        [10.0, 20.0],
        [0.0, 0.1],
        [0.2, 0.3],
        [0.5, 0.25],
        5.0,
        0.05,
        1.0,
        100,
        leg_correlation=[[1.0, 0.5], [0.5, 1.0]],
        spread_mean=0.3,
        spread_start=1.0,
        n_paths=4,
        seed=1,
    )
    assert basket.legs.shape == (4, 101, 2)
    assert basket.target.shape == basket.spread.shape == (4, 101)
    np.testing.assert_allclose(basket.spread[:, 0], 1.0)
    reconstructed = np.log(basket.legs) @ np.array([0.5, 0.25]) + basket.spread
    np.testing.assert_allclose(np.log(basket.target), reconstructed, atol=1e-9)


def test_tick_random_walk_moves_on_the_integer_grid_with_given_probabilities() -> None:
    walk = tick_random_walk(10_000, 20_000, n_paths=5, up_probability=0.3, down_probability=0.2, step_ticks=2, seed=9)
    assert walk.dtype == np.int64
    assert walk.shape == (5, 20_001)
    assert np.all(walk[:, 0] == 10_000)
    moves = np.diff(walk, axis=1).reshape(-1)
    assert set(np.unique(moves).tolist()) == {-2, 0, 2}
    n = moves.size
    for value, probability in ((2, 0.3), (-2, 0.2), (0, 0.5)):
        frequency = float(np.mean(moves == value))
        assert abs(frequency - probability) < 5 * math.sqrt(probability * (1 - probability) / n)


def test_symmetric_tick_walk_has_variance_per_step_of_one_tick_squared() -> None:
    walk = tick_random_walk(0, 400, n_paths=5000, seed=10)
    terminal = walk[:, -1].astype(np.float64)
    assert abs(terminal.var(ddof=1) / 400 - 1.0) < 5 * math.sqrt(2 / terminal.size)


BAD_INPUTS: list[tuple[Callable[[], Any], str]] = [
    (lambda: gbm_paths(100.0, 0.0, -0.1, 1.0, 10), "volatility must be >= 0"),
    (lambda: gbm_paths(-1.0, 0.0, 0.1, 1.0, 10), "s0 must be > 0"),
    (lambda: gbm_paths(1.0, 0.0, 0.1, 0.0, 10), "horizon must be > 0"),
    (lambda: gbm_paths(1.0, 0.0, 0.1, 1.0, 0), "n_steps must be >= 1"),
    (lambda: gbm_paths(1.0, 0.0, 0.1, 1.0, 10, n_paths=0), "n_paths must be >= 1"),
    (lambda: gbm_paths(1.0, math.nan, 0.1, 1.0, 10), "drift must be finite"),
    (lambda: gbm_paths(1.0, 0.0, 0.1, 1.0, 2.5), "n_steps must be an integer"),  # type: ignore[arg-type]
    (lambda: merton_jump_paths(1.0, 0.0, 0.1, -1.0, 0.0, 0.1, 1.0, 10), "jump_intensity must be >= 0"),
    (lambda: merton_jump_paths(1.0, 0.0, 0.1, 1.0, 0.0, -0.1, 1.0, 10), "jump_std must be >= 0"),
    (
        lambda: correlated_gbm_paths([1.0, 1.0], 0.0, 0.1, [[1.0, 0.9], [0.9, 1.0], [0.0, 0.0]], 1.0, 10),
        "must be a scalar or a 2×2 matrix",
    ),
    (
        lambda: correlated_gbm_paths(
            [1.0, 1.0, 1.0], 0.0, 0.1, [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]], 1.0, 10
        ),
        "not positive semi-definite",
    ),
    (lambda: correlated_gbm_paths([1.0, 1.0], 0.0, 0.1, [[1.0, 0.5], [0.4, 1.0]], 1.0, 10), "symmetric"),
    (lambda: correlated_gbm_paths([1.0, 1.0], 0.0, 0.1, [[2.0, 0.5], [0.5, 1.0]], 1.0, 10), "unit diagonal"),
    (lambda: correlated_gbm_paths([1.0, 1.0], 0.0, [0.1, -0.1], np.eye(2), 1.0, 10), "volatility must be >= 0"),
    (lambda: correlated_gbm_paths([1.0, 1.0], [0.0, 0.1, 0.2], 0.1, np.eye(2), 1.0, 10), "drift must have length 2"),
    (lambda: ou_paths(0.0, 0.0, -1.0, 0.1, 1.0, 10), "mean_reversion must be >= 0"),
    (lambda: cointegrated_paths(1.0, 0.0, 0.1, 1.0, 0.0, 0.1, 1.0, 10), "spread_mean_reversion must be > 0"),
    (lambda: cointegrated_paths(1.0, 0.0, 0.1, [1.0, 2.0], 1.0, 0.1, 1.0, 10), "hedge_ratios must have length 1"),
    (lambda: tick_random_walk(100, 10, up_probability=0.7, down_probability=0.5), "must be <= 1"),
    (lambda: tick_random_walk(100, 10, up_probability=1.5), "probability in \\[0, 1\\]"),
    (lambda: tick_random_walk(100, 10, step_ticks=0), "step_ticks must be >= 1"),
]


@pytest.mark.parametrize(("call", "message"), BAD_INPUTS)
def test_bad_inputs_raise_clear_value_errors(call: Callable[[], Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
