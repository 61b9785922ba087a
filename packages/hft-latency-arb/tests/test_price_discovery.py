"""Hasbrouck and Gonzalo-Granger shares recover known price-discovery structures on simulated pairs."""

from __future__ import annotations

import numpy as np
import pytest
from hft_latency_arb.discovery import price_discovery, vecm_shares
from hft_latency_arb.leadlag import LeadLagError

STEP = 100_000_000
T0 = 10**18


def _times(n: int) -> np.ndarray:
    return T0 + np.arange(n, dtype=np.int64) * STEP


def test_a_pure_follower_has_no_share() -> None:
    rng = np.random.default_rng(7)
    n = 6000
    efficient = np.cumsum(rng.normal(0.0, 1e-4, n))
    follower = np.empty(n)
    follower[0] = efficient[0]
    for i in range(1, n):  # adjusts to the leader's last price; its own noise is transitory
        follower[i] = follower[i - 1] + 0.3 * (efficient[i - 1] - follower[i - 1]) + rng.normal(0.0, 5e-5)
    t = _times(n)
    result = price_discovery(t, 100 * np.exp(efficient), t, 100 * np.exp(follower), n_boot=40)
    assert result.hasbrouck_lower[0] > 0.99 and result.hasbrouck_upper[1] < 0.01
    assert result.gonzalo_granger[0] > 0.9
    assert result.alpha[1] == pytest.approx(0.3, abs=0.03) and abs(result.alpha[0]) < 0.03
    # the order of the two series does not matter beyond swapping the answers
    swapped = price_discovery(t, 100 * np.exp(follower), t, 100 * np.exp(efficient), n_boot=0)
    assert swapped.hasbrouck_lower[1] == pytest.approx(result.hasbrouck_lower[0])
    assert swapped.gonzalo_granger[1] == pytest.approx(result.gonzalo_granger[0])


def test_two_equal_noisy_prices_share_equally() -> None:
    rng = np.random.default_rng(11)
    n = 6000
    efficient = np.cumsum(rng.normal(0.0, 1e-4, n))
    a, b = efficient + rng.normal(0.0, 3e-4, n), efficient + rng.normal(0.0, 3e-4, n)
    t = _times(n)
    result = price_discovery(t, 100 * np.exp(a), t, 100 * np.exp(b), n_boot=40, seed=3)
    assert result.gonzalo_granger[0] == pytest.approx(0.5, abs=0.05)
    low, high = result.hasbrouck_lower[0], result.hasbrouck_upper[0]
    assert low < 0.5 < high
    assert result.gonzalo_granger_ci[0] < 0.5 < result.gonzalo_granger_ci[1]


def test_shares_are_exact_on_a_noiseless_design() -> None:
    # Regressors and targets built from known alpha and residuals: the estimates are what was put in.
    rng = np.random.default_rng(5)
    rows = 400
    z = rng.normal(size=rows)
    residuals = rng.normal(size=(rows, 2)) * [1.0, 2.0]
    alpha = np.array([-0.2, 0.6])
    x = np.column_stack((np.ones(rows), z))
    estimated, omega, gg, lower, upper = vecm_shares(x, np.outer(z, alpha) + residuals)
    assert estimated == pytest.approx(alpha, abs=0.25)
    assert gg.sum() == pytest.approx(1.0)
    assert gg[0] == pytest.approx(estimated[1] / (estimated[1] - estimated[0]))
    assert lower + upper[::-1] == pytest.approx([1.0, 1.0])
    assert omega.shape == (2, 2)


def test_bad_input_is_named() -> None:
    t = _times(40)
    prices = 100 + np.arange(40) * 0.01
    with pytest.raises(LeadLagError, match="VECM lags"):
        price_discovery(t, prices, t, prices, lags=0)
    with pytest.raises(LeadLagError, match="needs at least"):
        price_discovery(t, prices, t, prices, lags=5)
    with pytest.raises(LeadLagError, match="do not overlap"):
        price_discovery(t, prices, t + 10**12, prices)
    flat = np.full(1000, 100.0)
    flat[::2] = 100.5  # moves on every observation but, sampled on a grid of 2 steps, never
    with pytest.raises(LeadLagError, match="never changes on the sampling grid"):
        price_discovery(_times(1000), flat, _times(1000), flat, interval_ns=2 * STEP)
