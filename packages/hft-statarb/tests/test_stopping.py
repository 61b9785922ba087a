"""Signature optimal stopping: fBM simulation, signatures, and the B^H reference problem."""

from __future__ import annotations

import numpy as np
import pytest
from hft_statarb.errors import StatArbError
from hft_statarb.stopping import (
    evaluate_stopping_rule,
    fbm_increment_autocovariance,
    fit_signature_stopping,
    path_signature,
    signature_feature_count,
    simulate_fbm,
)


def _fbm_covariance(times: np.ndarray, hurst: float) -> np.ndarray:
    s, t = np.meshgrid(times, times, indexing="ij")
    covariance: np.ndarray = 0.5 * (s ** (2 * hurst) + t ** (2 * hurst) - np.abs(t - s) ** (2 * hurst))
    return covariance


@pytest.mark.parametrize("method", ["cholesky", "davies-harte"])
@pytest.mark.parametrize("hurst", [0.3, 0.5, 0.8])
def test_fbm_has_the_fractional_covariance(method: str, hurst: float) -> None:
    paths = simulate_fbm(
        hurst,
        n_paths=20_001,
        n_steps=16,
        rng=np.random.default_rng(1),
        method=method,  # type: ignore[arg-type]
    )
    assert paths.shape == (20_001, 17)
    assert np.all(paths[:, 0] == 0.0)
    times = np.linspace(0.0, 1.0, 17)[1:]
    empirical = np.cov(paths[:, 1:], rowvar=False)
    # Entries are at most 1; their Monte Carlo s.e. at 20 000 paths is below 0.01.
    np.testing.assert_allclose(empirical, _fbm_covariance(times, hurst), atol=0.04)


def test_fbm_increment_autocovariance() -> None:
    np.testing.assert_allclose(fbm_increment_autocovariance(0.5, 4), [1.0, 0.0, 0.0, 0.0], atol=1e-15)
    gamma = fbm_increment_autocovariance(0.3, 3)
    assert gamma[0] == 1.0
    assert gamma[1] == pytest.approx(0.5 * (2**0.6 - 2))  # negative: anti-persistent increments
    with pytest.raises(StatArbError, match="Hurst"):
        fbm_increment_autocovariance(1.0, 3)


def test_signature_of_a_straight_line_is_the_tensor_exponential() -> None:
    increment = np.array([0.3, -0.7])
    signature = path_signature(np.array([[0.0, 0.0], increment]), level=3)
    expected = np.concatenate(
        [
            [1.0],
            increment,
            np.outer(increment, increment).ravel() / 2,
            np.einsum("i,j,k->ijk", increment, increment, increment).ravel() / 6,
        ]
    )
    np.testing.assert_allclose(signature, expected, atol=1e-15)
    assert signature.size == signature_feature_count(2, 3) == 15


def test_signature_identities() -> None:
    # Lévy area of the path right-then-up: level-2 terms (12) − (21) = 1.
    corner = path_signature(np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]), level=2)
    s11, s12, s21, s22 = corner[3:7]
    assert (s11, s12, s21, s22) == pytest.approx((0.5, 1.0, 0.0, 0.5))
    # Subdividing a segment does not change the signature (Chen's identity / reparametrisation).
    rng = np.random.default_rng(0)
    path = np.cumsum(rng.standard_normal((6, 3)), axis=0)
    refined = np.vstack([path[:3], (path[2] + path[3]) / 2, path[3:]])
    np.testing.assert_allclose(path_signature(path, 4), path_signature(refined, 4), atol=1e-12)
    # Level-2 symmetric part is the product of level-1 increments: S^{ij} + S^{ji} = Δ^i Δ^j.
    signature = path_signature(path, 2)
    level_one, level_two = signature[1:4], signature[4:13].reshape(3, 3)
    np.testing.assert_allclose(level_two + level_two.T, np.outer(level_one, level_one), atol=1e-12)


def test_rolling_the_signature_backwards_recovers_the_earlier_signature() -> None:
    # fit_signature_stopping relies on S(0, t_k) = S(0, t_{k+1}) ⊗ exp(−ΔX_k) staying accurate over 100 steps.
    from hft_statarb.stopping import _chen_step

    increments = np.random.default_rng(4).standard_normal((100, 5, 2)) * 0.1
    levels = [np.zeros((5, 2**k)) for k in range(1, 6)]
    history = []
    for step in increments:
        history.append(levels)
        levels = _chen_step(levels, step)
    for index in range(99, -1, -1):
        levels = _chen_step(levels, -increments[index])
        if index in (0, 50, 99):
            for rolled, forward in zip(levels, history[index], strict=True):
                np.testing.assert_allclose(rolled, forward, atol=1e-10)


@pytest.mark.slow
def test_brownian_motion_value_is_zero() -> None:
    # H = 1/2: B is a martingale, so every stopping rule has value exactly 0.
    train = simulate_fbm(0.5, n_paths=20_000, n_steps=100, rng=np.random.default_rng(10))
    rule = fit_signature_stopping(train, level=3)
    value = evaluate_stopping_rule(rule, simulate_fbm(0.5, n_paths=20_000, n_steps=100, rng=np.random.default_rng(11)))
    assert abs(value.mean) < 3 * value.stderr
    assert 0.003 < value.stderr < 0.01


@pytest.mark.slow
def test_rough_fbm_value_is_clearly_positive() -> None:
    # H = 0.3: the published value is ≈ 0.37–0.39; level 3 with 20 000 paths measures ≈ 0.355 ± 0.006.
    train = simulate_fbm(0.3, n_paths=20_000, n_steps=100, rng=np.random.default_rng(20))
    rule = fit_signature_stopping(train, level=3)
    value = evaluate_stopping_rule(rule, simulate_fbm(0.3, n_paths=20_000, n_steps=100, rng=np.random.default_rng(21)))
    assert value.mean > 0.30
    assert value.mean > 20 * value.stderr
    # A lower bound: it cannot beat the best published estimates by more than Monte Carlo error.
    assert value.mean < 0.39 + 3 * value.stderr
    assert 0.0 < value.mean_stopping_time < 1.0
    low, high = value.confidence_interval
    assert low < value.mean < high


def test_custom_payoff_and_time_grid() -> None:
    paths = simulate_fbm(0.4, n_paths=400, n_steps=10, rng=np.random.default_rng(3), horizon=2.0)
    times = np.linspace(0.0, 2.0, 11)
    rule = fit_signature_stopping(paths, level=2, times=times, payoff=np.zeros_like)
    value = evaluate_stopping_rule(rule, paths, payoff=np.zeros_like)
    assert value.mean == 0.0
    # With a zero payoff, stopping at once is optimal (0 >= fitted continuation 0 up to rounding).
    assert value.mean_stopping_time < 2.0


def test_bad_input() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(StatArbError, match="Hurst"):
        simulate_fbm(0.0, n_paths=10, n_steps=10, rng=rng)
    with pytest.raises(StatArbError, match="unknown fBM method"):
        simulate_fbm(0.3, n_paths=10, n_steps=10, rng=rng, method="euler")  # type: ignore[arg-type]
    with pytest.raises(StatArbError, match="n_paths and n_steps"):
        simulate_fbm(0.3, n_paths=0, n_steps=10, rng=rng)
    paths = simulate_fbm(0.3, n_paths=50, n_steps=10, rng=rng)
    with pytest.raises(StatArbError, match="too few training paths"):
        fit_signature_stopping(paths, level=5)  # 63 features need at least 126 paths
    with pytest.raises(StatArbError, match="level"):
        fit_signature_stopping(paths, level=0)
    with pytest.raises(StatArbError, match="times must have one entry per date"):
        fit_signature_stopping(paths, level=1, times=np.linspace(0, 1, 5))
    with pytest.raises(StatArbError, match="strictly increasing"):
        fit_signature_stopping(paths, level=1, times=np.zeros(11))
    with pytest.raises(StatArbError, match="NaN"):
        fit_signature_stopping(np.full((50, 11), np.nan), level=1)
    with pytest.raises(StatArbError, match="shape"):
        path_signature(np.zeros(3), level=2)
    rule = fit_signature_stopping(paths, level=1)
    with pytest.raises(StatArbError, match="payoff must return"):
        evaluate_stopping_rule(rule, paths, payoff=lambda p: p[:, :3])
