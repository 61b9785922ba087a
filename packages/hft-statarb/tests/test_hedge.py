"""OLS and Kalman hedge ratios: recovery of known coefficients and bad-input errors."""

from __future__ import annotations

import numpy as np
import pytest
from hft_statarb.errors import StatArbError
from hft_statarb.hedge import kalman_hedge_ratio, ols_hedge_ratio


def _static_pair(
    seed: int, n: int = 2000, beta: float = 1.5, alpha: float = 2.0, noise: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = 100.0 + np.cumsum(rng.standard_normal(n))
    y = alpha + beta * x + noise * rng.standard_normal(n)
    return x, y


def test_ols_recovers_exact_line_and_reports_residuals() -> None:
    x = np.linspace(1.0, 10.0, 50)
    y = 3.0 - 0.5 * x + np.where(np.arange(50) % 2 == 0, 0.1, -0.1)
    fit = ols_hedge_ratio(y, x)
    assert fit.beta == pytest.approx(-0.5, abs=1e-2)
    assert fit.alpha == pytest.approx(3.0, abs=5e-2)
    np.testing.assert_allclose(fit.spread, y - fit.alpha - fit.beta * x)
    assert abs(fit.spread.mean()) < 1e-12
    assert 0.99 < fit.r_squared < 1.0


def test_ols_beta_within_three_standard_errors() -> None:
    x, y = _static_pair(seed=11)
    fit = ols_hedge_ratio(y, x)
    assert abs(fit.beta - 1.5) < 3 * fit.beta_stderr
    assert fit.residual_std == pytest.approx(0.5, rel=0.05)


def test_kalman_converges_to_true_static_beta() -> None:
    x, y = _static_pair(seed=3)
    path = kalman_hedge_ratio(y, x, delta=1e-7)
    # Late in the sample the filtered β sits on the truth; early on it is still learning.
    assert abs(path.beta[-1] - 1.5) < 0.01
    assert np.max(np.abs(path.beta[-500:] - 1.5)) < 0.02
    assert abs(path.alpha[-1] - 2.0) < 1.0
    assert abs(path.beta[-1] - 1.5) < abs(path.beta[10] - 1.5)
    # The estimated observation noise matches the simulated 0.5 standard deviation.
    assert np.sqrt(path.observation_variance) == pytest.approx(0.5, rel=0.25)


def test_kalman_zscore_is_standard_normal_when_the_model_is_right() -> None:
    x, y = _static_pair(seed=5)
    path = kalman_hedge_ratio(y, x, delta=1e-7, observation_variance=0.25)
    z = path.zscore[200:]
    assert abs(z.mean()) < 0.1
    assert z.std() == pytest.approx(1.0, abs=0.06)
    assert np.all(path.spread_std > 0)


def test_kalman_tracks_a_change_in_beta_that_ols_averages_away() -> None:
    rng = np.random.default_rng(8)
    n = 3000
    x = 50.0 + np.cumsum(rng.standard_normal(n))
    beta = np.where(np.arange(n) < n // 2, 1.0, 2.0)
    y = beta * x + 0.2 * rng.standard_normal(n)
    path = kalman_hedge_ratio(y, x, delta=1e-4, observation_variance=0.04)
    assert abs(path.beta[n // 2 - 1] - 1.0) < 0.05
    assert abs(path.beta[-1] - 2.0) < 0.05
    static = ols_hedge_ratio(y, x).beta
    assert abs(static - 1.0) > 0.1
    assert abs(static - 2.0) > 0.1


@pytest.mark.parametrize(
    ("y", "x", "message"),
    [
        ([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0], "different lengths"),
        ([1.0, np.nan, 3.0, 4.0], [1.0, 2.0, 3.0, 5.0], "NaN at index 1"),
        ([1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 2.0, 2.0], "constant"),
        ([1.0, 2.0], [1.0, 3.0], "too few observations"),
        ([1.0, 2.0, np.inf, 4.0], [1.0, 2.0, 3.0, 5.0], "infinite value at index 2"),
    ],
)
def test_bad_input_is_a_specific_error(y: list[float], x: list[float], message: str) -> None:
    with pytest.raises(StatArbError, match=message):
        ols_hedge_ratio(y, x)
    with pytest.raises(StatArbError, match=message):
        kalman_hedge_ratio(y, x, observation_variance=1.0)


def test_kalman_parameter_errors() -> None:
    x, y = _static_pair(seed=1, n=100)
    with pytest.raises(StatArbError, match="delta"):
        kalman_hedge_ratio(y, x, delta=1.0)
    with pytest.raises(StatArbError, match="observation_variance"):
        kalman_hedge_ratio(y, x, observation_variance=-1.0)
    # A warm-up longer than the series uses the whole series.
    assert kalman_hedge_ratio(y, x, warmup=1000).observation_variance == pytest.approx(
        ols_hedge_ratio(y, x).residual_std ** 2
    )
    with pytest.raises(ValueError, match="warmup"):  # StatArbError is a ValueError
        kalman_hedge_ratio(y, x, warmup=2)
