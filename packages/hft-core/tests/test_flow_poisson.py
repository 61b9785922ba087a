"""Poisson order flow: counts, exponential gaps, piecewise-constant rates and their compensator."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hft_core.flow import PiecewiseConstantRate, fit_poisson_rate, poisson_event_times, time_rescaling_ks

KS_LEVEL = 0.01


def test_homogeneous_times_are_sorted_in_range_with_exponential_gaps() -> None:
    rate, horizon = 4.0, 1000.0
    times = poisson_event_times(rate, horizon, seed=1)
    assert np.all(np.diff(times) >= 0)
    assert times[0] >= 0 and times[-1] < horizon
    assert abs(times.size - rate * horizon) < 4 * math.sqrt(rate * horizon)
    result = time_rescaling_ks(np.diff(times, prepend=0.0) * rate)
    assert result.pvalue > KS_LEVEL, result


def test_counts_are_poisson_dispersed() -> None:
    rng = np.random.default_rng(2)
    counts = np.array([poisson_event_times(3.0, 2.0, seed=rng).size for _ in range(3000)])
    mean, var = counts.mean(), counts.var(ddof=1)
    assert abs(mean - 6.0) < 5 * math.sqrt(6.0 / counts.size)
    # Var of a sample variance of Poisson(λ) counts ≈ (λ + 2λ²)/n.
    assert abs(var - 6.0) < 5 * math.sqrt((6.0 + 2 * 36.0) / counts.size)


def test_zero_rate_gives_no_events() -> None:
    assert poisson_event_times(0.0, 10.0, seed=0).size == 0


def test_piecewise_rate_and_compensator_values() -> None:
    profile = PiecewiseConstantRate([0.0, 1.0, 3.0, 4.0], [2.0, 0.5, 5.0])
    assert profile.horizon == 4.0
    np.testing.assert_allclose(profile.rate_at([0.0, 0.99, 1.0, 2.5, 3.5, 4.0, -1.0]), [2, 2, 0.5, 0.5, 5, 0, 0])
    np.testing.assert_allclose(
        profile.compensator([0.0, 0.5, 1.0, 2.0, 3.0, 3.5, 4.0, 9.0]), [0, 1, 2, 2.5, 3, 5.5, 8, 8]
    )


def test_piecewise_counts_per_segment_and_time_rescaling() -> None:
    profile = PiecewiseConstantRate([0.0, 100.0, 300.0, 400.0], [8.0, 1.0, 12.0])
    times = profile.simulate(seed=5)
    assert np.all(np.diff(times) >= 0)
    counts = np.histogram(times, bins=profile.breakpoints)[0]
    expected = profile.rates * np.diff(profile.breakpoints)
    assert np.all(np.abs(counts - expected) < 4 * np.sqrt(expected)), counts
    result = time_rescaling_ks(np.diff(profile.compensator(times), prepend=0.0))
    assert result.pvalue > KS_LEVEL, result
    # Negative control: the same events rescaled as if the rate were flat at its average are rejected.
    flat = times * (expected.sum() / profile.horizon)
    assert time_rescaling_ks(np.diff(flat, prepend=0.0)).pvalue < 1e-6


def test_fit_poisson_rate_recovers_rate_within_standard_errors() -> None:
    times = poisson_event_times(7.0, 500.0, seed=3)
    fit = fit_poisson_rate(times, 500.0)
    assert fit.n_events == times.size
    assert abs(fit.rate - 7.0) < 3 * fit.std_error
    assert fit.std_error == pytest.approx(math.sqrt(times.size) / 500.0)


@pytest.mark.parametrize(
    ("breakpoints", "rates", "message"),
    [
        ([0.0, 1.0, 0.5], [1.0, 1.0], "strictly increasing"),
        ([0.5, 1.0], [1.0], "must start at 0"),
        ([0.0, 1.0], [1.0, 2.0], "one entry per segment"),
        ([0.0, 1.0], [-1.0], "rates must be >= 0"),
        ([0.0], [], "at least 2 times"),
        ([0.0, math.inf], [1.0], "finite"),
    ],
)
def test_bad_piecewise_profiles_raise(breakpoints: list[float], rates: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PiecewiseConstantRate(breakpoints, rates)


def test_bad_homogeneous_inputs_raise() -> None:
    with pytest.raises(ValueError, match="rate must be >= 0"):
        poisson_event_times(-1.0, 1.0)
    with pytest.raises(ValueError, match="horizon must be > 0"):
        poisson_event_times(1.0, -1.0)
    with pytest.raises(ValueError, match="sorted"):
        fit_poisson_rate([0.3, 0.1], 1.0)
    with pytest.raises(ValueError, match="lie in"):
        fit_poisson_rate([0.3, 1.5], 1.0)
