"""Hawkes processes: the O(n) recursions against brute force, numba against the plain reference, exact
simulation by time-rescaling and event rates, stationarity and input checks.

Statistical tests use fixed seeds chosen before looking at results and state their level: each time-rescaling
KS test must not reject Exp(1) at 1%, and the same paths under a wrong model must be rejected, so the tests can
fail.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest
from hft_core.flow import MarkedEvents, MultivariateHawkes, UnivariateHawkes, _kernels, time_rescaling_ks

FloatArray = npt.NDArray[np.float64]

KS_LEVEL = 0.01
SEEDS = (0, 1, 2, 3, 4)
UNIVARIATE = UnivariateHawkes(mu=0.5, alpha=0.8, beta=1.2)  # branching ratio 2/3, stationary rate 1.5
BIVARIATE_SHARED = MultivariateHawkes([0.3, 0.2], [[0.6, 0.3], [0.2, 0.5]], 1.5)
BIVARIATE_PER_PAIR = MultivariateHawkes([0.4, 0.1], [[0.6, 0.3], [1.0, 0.5]], [[1.5, 3.0], [4.0, 2.0]])


# -- independent reference implementations (O(n²), straight from the definitions) ---------------------------------
def brute_force_loglik(events: MarkedEvents, mu: FloatArray, alpha: FloatArray, beta: FloatArray) -> float:
    t, m, horizon = events.times, events.marks, events.horizon
    lag = t[:, None] - t[None, :]
    before = lag > 0
    a, b = alpha[m[:, None], m[None, :]], beta[m[:, None], m[None, :]]
    kernel = np.where(before, a * np.exp(-b * np.where(before, lag, 0.0)), 0.0)
    intensities = mu[m] + kernel.sum(axis=1)
    compensator = mu.sum() * horizon
    for i in range(mu.size):
        compensator += np.sum(alpha[i, m] / beta[i, m] * (1 - np.exp(-beta[i, m] * (horizon - t))))
    return float(np.sum(np.log(intensities)) - compensator)


def references_md_univariate_loglik(times: FloatArray, horizon: float, mu: float, alpha: float, beta: float) -> float:
    """The formula as printed in REFERENCES.md (Order flow), term by term."""
    recursion = 0.0
    log_terms = 0.0
    for k, t in enumerate(times):
        if k > 0:
            recursion = math.exp(-beta * (t - times[k - 1])) * (1 + recursion)
        log_terms += math.log(mu + alpha * recursion)
    tail = sum(1 - math.exp(-beta * (horizon - t)) for t in times)
    return -mu * horizon - alpha / beta * tail + log_terms


def brute_force_intensity(events: MarkedEvents, model: MultivariateHawkes, at: FloatArray) -> FloatArray:
    out = np.tile(model.mu, (at.size, 1))
    for q, t in enumerate(at):
        past = events.times < t
        for i in range(model.dim):
            a, b = model.alpha[i, events.marks[past]], model.beta[i, events.marks[past]]
            out[q, i] += np.sum(a * np.exp(-b * (t - events.times[past])))
    return out


def _random_events(seed: int, n: int, dim: int, horizon: float) -> MarkedEvents:
    rng = np.random.default_rng(seed)
    return MarkedEvents(np.sort(rng.random(n)) * horizon, rng.integers(0, dim, n), dim, horizon)


# -- likelihood -----------------------------------------------------------------------------------------------------
def test_univariate_loglik_equals_brute_force_and_references_formula() -> None:
    times = UNIVARIATE.simulate(300.0, seed=7)
    assert times.size > 200
    fast = UNIVARIATE.log_likelihood(times, 300.0)
    events = MarkedEvents(times, np.zeros(times.size, dtype=np.int64), 1, 300.0)
    params = (np.array([0.5]), np.array([[0.8]]), np.array([[1.2]]))
    assert fast == pytest.approx(brute_force_loglik(events, *params), rel=1e-10)
    assert fast == pytest.approx(references_md_univariate_loglik(times, 300.0, 0.5, 0.8, 1.2), rel=1e-10)


@pytest.mark.parametrize("model", [BIVARIATE_SHARED, BIVARIATE_PER_PAIR], ids=["shared-beta", "per-pair-beta"])
def test_multivariate_loglik_equals_brute_force(model: MultivariateHawkes) -> None:
    events = model.simulate(200.0, seed=8)
    assert len(events) > 150
    expected = brute_force_loglik(events, np.array(model.mu), np.array(model.alpha), np.array(model.beta))
    assert model.log_likelihood(events) == pytest.approx(expected, rel=1e-10)


def test_loglik_with_tied_and_boundary_times_uses_left_limits() -> None:
    # Simultaneous events do not excite each other; events at 0 and at the horizon are allowed.
    events = MarkedEvents([0.0, 0.5, 0.5, 0.5, 1.2, 2.0, 2.0], [0, 1, 0, 1, 1, 0, 1], 2, 2.0)
    model = BIVARIATE_PER_PAIR
    expected = brute_force_loglik(events, np.array(model.mu), np.array(model.alpha), np.array(model.beta))
    assert model.log_likelihood(events) == pytest.approx(expected, rel=1e-12)


def test_empty_path_loglik_is_minus_baseline_mass() -> None:
    assert UNIVARIATE.log_likelihood([], 10.0) == pytest.approx(-5.0)


def test_analytic_gradient_matches_finite_differences() -> None:
    model = BIVARIATE_PER_PAIR
    events = model.simulate(100.0, seed=9)
    _, grad_mu, grad_alpha, grad_beta = model.log_likelihood_and_gradient(events)
    analytic = np.concatenate([grad_mu, grad_alpha.ravel(), grad_beta.ravel()])
    base = np.concatenate([model.mu, model.alpha.ravel(), model.beta.ravel()])

    def loglik(flat: FloatArray) -> float:
        return MultivariateHawkes(flat[:2], flat[2:6].reshape(2, 2), flat[6:].reshape(2, 2)).log_likelihood(events)

    numeric = np.empty_like(base)
    for k in range(base.size):
        step = 1e-6 * base[k]
        up, down = base.copy(), base.copy()
        up[k] += step
        down[k] -= step
        numeric[k] = (loglik(up) - loglik(down)) / (2 * step)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)


# -- compiled kernels against the plain-Python reference ------------------------------------------------------------
def test_compiled_kernels_agree_with_python_reference() -> None:
    model = BIVARIATE_PER_PAIR
    events = _random_events(10, 400, 2, 50.0)
    args = (events.times, events.marks, 50.0, np.array(model.mu), np.array(model.alpha), np.array(model.beta))
    for compiled, reference in zip(_kernels.loglik_grad(*args), _kernels.loglik_grad_py(*args), strict=True):
        np.testing.assert_allclose(np.asarray(compiled), np.asarray(reference), rtol=1e-12)
    query = np.sort(np.random.default_rng(11).random(100)) * 55.0
    state_args = (events.times, events.marks, np.array(model.beta), query)
    for compiled, reference in zip(_kernels.state_at(*state_args), _kernels.state_at_py(*state_args), strict=True):
        np.testing.assert_allclose(compiled, reference, rtol=1e-12)


def test_compiled_simulation_agrees_with_reference_and_is_block_invariant() -> None:
    model = BIVARIATE_PER_PAIR
    params = (np.array(model.mu), np.array(model.alpha), np.array(model.beta))
    uniforms = np.random.default_rng(12).random((600, 6))

    def run(kernel: object, blocks: list[FloatArray]) -> tuple[FloatArray, npt.NDArray[np.int64]]:
        excitation, t = np.zeros((2, 2)), 0.0
        times, marks = [], []
        for block in blocks:
            out_t, out_m = np.empty(block.shape[0]), np.empty(block.shape[0], dtype=np.int64)
            written, t, finished = kernel(*params, 100.0, t, excitation, np.ascontiguousarray(block), out_t, out_m)  # type: ignore[operator]
            times.append(out_t[:written])
            marks.append(out_m[:written])
            if finished:
                break
        return np.concatenate(times), np.concatenate(marks)

    compiled_t, compiled_m = run(_kernels.simulate_block, [uniforms])
    reference_t, reference_m = run(_kernels.simulate_block_py, [uniforms])
    split_t, split_m = run(_kernels.simulate_block, [uniforms[:123], uniforms[123:]])
    assert compiled_t.size > 50
    np.testing.assert_allclose(compiled_t, reference_t, rtol=1e-12)
    np.testing.assert_array_equal(compiled_m, reference_m)
    np.testing.assert_array_equal(compiled_t, split_t)
    np.testing.assert_array_equal(compiled_m, split_m)


# -- intensity and compensator --------------------------------------------------------------------------------------
def test_intensity_is_the_left_limit_and_matches_brute_force() -> None:
    model = BIVARIATE_PER_PAIR
    events = model.simulate(30.0, seed=13)
    query = np.concatenate([np.random.default_rng(14).random(50) * 31.0, events.times[:5]])
    np.testing.assert_allclose(model.intensity(events, query), brute_force_intensity(events, model, query), rtol=1e-12)
    # Just after an event of dimension j, λ_i jumps by α_ij.
    t0, j = events.times[0], events.marks[0]
    jump = model.intensity(events, [t0 + 1e-12])[0] - model.intensity(events, [t0])[0]
    np.testing.assert_allclose(jump, model.alpha[:, j], rtol=1e-6)


def test_compensator_is_the_integral_of_the_intensity() -> None:
    model = BIVARIATE_PER_PAIR
    events = model.simulate(20.0, seed=15)
    grid = np.linspace(0.0, 20.0, 400_001)
    values = model.intensity(events, grid)
    trapezoid = np.concatenate(
        [np.zeros((1, 2)), np.cumsum((values[1:] + values[:-1]) / 2 * np.diff(grid)[:, None], axis=0)]
    )
    checkpoints = np.array([0, 100_000, 250_000, 400_000])
    np.testing.assert_allclose(
        model.compensator(events, grid[checkpoints]), trapezoid[checkpoints], rtol=1e-4, atol=1e-9
    )


def test_univariate_compensator_closed_form_and_rescaled_intervals_sum() -> None:
    times = UNIVARIATE.simulate(50.0, seed=16)
    at = np.array([0.0, 10.0, 50.0])
    expected = [0.5 * t + 0.8 / 1.2 * np.sum(1 - np.exp(-1.2 * (t - times[times < t]))) for t in at]
    np.testing.assert_allclose(UNIVARIATE.compensator(times, at), expected, rtol=1e-12)
    intervals = UNIVARIATE.rescaled_intervals(times)
    assert intervals.size == times.size
    assert np.sum(intervals) == pytest.approx(UNIVARIATE.compensator(times, [times[-1]])[0], rel=1e-12)


# -- exact simulation: time-rescaling and event rates ---------------------------------------------------------------
def test_univariate_simulation_passes_time_rescaling_across_seeds() -> None:
    poisson_same_rate = UnivariateHawkes(UNIVARIATE.stationary_intensity, 0.0, 1.0)
    wrong_decay = UnivariateHawkes(0.5, 0.8 * 3, 1.2 * 3)  # same branching ratio and mean rate, 3× faster decay
    pooled = []
    for seed in SEEDS:
        times = UNIVARIATE.simulate(2000.0, seed=seed)
        intervals = UNIVARIATE.rescaled_intervals(times)
        pooled.append(intervals)
        result = time_rescaling_ks(intervals)
        assert result.pvalue > KS_LEVEL, (seed, result)
        # The test has power: the same events under a Poisson or a wrong-decay model are rejected.
        assert time_rescaling_ks(poisson_same_rate.rescaled_intervals(times)).pvalue < 1e-6
        assert time_rescaling_ks(wrong_decay.rescaled_intervals(times)).pvalue < KS_LEVEL
    # All seeds together (~15 000 intervals): more power against a slightly wrong simulator.
    pooled_result = time_rescaling_ks(np.concatenate(pooled))
    assert pooled_result.pvalue > KS_LEVEL, pooled_result


@pytest.mark.parametrize("model", [BIVARIATE_SHARED, BIVARIATE_PER_PAIR], ids=["shared-beta", "per-pair-beta"])
def test_multivariate_simulation_passes_time_rescaling_across_seeds(model: MultivariateHawkes) -> None:
    poisson_same_rates = MultivariateHawkes(model.stationary_intensity, 0.0, 1.0)
    for seed in SEEDS[:3]:
        events = model.simulate(3000.0, seed=seed)
        for dimension, intervals in enumerate(model.rescaled_intervals(events)):
            result = time_rescaling_ks(intervals)
            assert result.pvalue > KS_LEVEL, (seed, dimension, result)
        # Power: the same events under independent Poisson flows with the right mean rates are rejected.
        for intervals in poisson_same_rates.rescaled_intervals(events):
            assert time_rescaling_ks(intervals).pvalue < 1e-6


def test_univariate_event_rate_matches_stationary_mean() -> None:
    horizon = 4000.0
    rates = np.array([UNIVARIATE.simulate(horizon, seed=100 + s).size / horizon for s in SEEDS])
    mean = UNIVARIATE.stationary_intensity
    assert mean == pytest.approx(0.5 / (1 - 0.8 / 1.2))
    # Asymptotic Var N(T) = T·μ/(1 − α/β)³ (Hawkes 1971); pooled over the seeds.
    sd = math.sqrt(UNIVARIATE.mu / (1 - UNIVARIATE.branching_ratio) ** 3 / horizon / len(SEEDS))
    assert abs(rates.mean() - mean) < 4 * sd, (rates, mean, sd)


def test_multivariate_event_rates_match_stationary_mean() -> None:
    model, horizon = BIVARIATE_SHARED, 4000.0
    rates = np.array([model.simulate(horizon, seed=200 + s).counts() / horizon for s in SEEDS])
    stationary = model.stationary_intensity
    np.testing.assert_allclose(stationary, np.linalg.solve(np.eye(2) - model.alpha / model.beta, model.mu))
    inverse = np.linalg.inv(np.eye(2) - model.branching_matrix)
    covariance = inverse @ np.diag(stationary) @ inverse.T / horizon / len(SEEDS)
    assert np.all(np.abs(rates.mean(axis=0) - stationary) < 4 * np.sqrt(np.diag(covariance))), rates


def test_simulation_is_seeded() -> None:
    a = BIVARIATE_SHARED.simulate(100.0, seed=3)
    b = BIVARIATE_SHARED.simulate(100.0, seed=3)
    c = BIVARIATE_SHARED.simulate(100.0, seed=4)
    np.testing.assert_array_equal(a.times, b.times)
    np.testing.assert_array_equal(a.marks, b.marks)
    assert not np.array_equal(a.times, c.times)
    assert np.all(np.diff(a.times) > 0) and a.times[-1] <= 100.0


def test_pure_poisson_special_case() -> None:
    times = UnivariateHawkes(2.0, 0.0, 1.0).simulate(5000.0, seed=5)
    assert abs(times.size - 10_000) < 4 * 100
    assert time_rescaling_ks(np.diff(times, prepend=0.0) * 2.0).pvalue > KS_LEVEL


# -- stationarity, parameters, containers ---------------------------------------------------------------------------
def test_stationarity_checks() -> None:
    assert UNIVARIATE.is_stationary and UNIVARIATE.branching_ratio == pytest.approx(2 / 3)
    critical = UnivariateHawkes(1.0, 2.0, 2.0)
    assert not critical.is_stationary
    with pytest.raises(ValueError, match=r"not stationary: branching ratio alpha/beta = 2/2 = 1 >= 1"):
        _ = critical.stationary_intensity
    assert BIVARIATE_SHARED.spectral_radius == pytest.approx(0.5333333333)
    explosive = MultivariateHawkes([0.1, 0.1], [[0.5, 1.0], [1.0, 0.5]], 1.0)  # ρ(G) = 1.5
    assert explosive.spectral_radius == pytest.approx(1.5)
    with pytest.raises(ValueError, match=r"spectral radius .* is 1.5 >= 1"):
        _ = explosive.stationary_intensity
    with pytest.raises(ValueError, match="passed max_events=1000"):
        explosive.simulate(1000.0, seed=0, max_events=1000)


def test_tick_parametrisation_round_trip() -> None:
    baseline, adjacency, decays = BIVARIATE_PER_PAIR.to_tick_parameters()
    np.testing.assert_allclose(adjacency, BIVARIATE_PER_PAIR.alpha / BIVARIATE_PER_PAIR.beta)
    back = MultivariateHawkes.from_tick_parameters(baseline, adjacency, decays)
    np.testing.assert_allclose(back.alpha, BIVARIATE_PER_PAIR.alpha)
    round_trip = UnivariateHawkes.from_tick_parameters(*UNIVARIATE.to_tick_parameters())
    assert (round_trip.mu, round_trip.alpha, round_trip.beta) == pytest.approx((0.5, 0.8, 1.2), rel=1e-15)
    assert UNIVARIATE.to_tick_parameters()[1] == pytest.approx(2 / 3)


def test_marked_events_merge_and_split() -> None:
    events = MarkedEvents.from_per_dimension([[0.5, 2.0], [1.0], []], 3.0)
    np.testing.assert_array_equal(events.times, [0.5, 1.0, 2.0])
    np.testing.assert_array_equal(events.marks, [0, 1, 0])
    np.testing.assert_array_equal(events.counts(), [2, 1, 0])
    np.testing.assert_array_equal(events.times_of(0), [0.5, 2.0])
    assert len(events) == 3
    with pytest.raises(ValueError, match="assignment destination is read-only"):
        events.times[0] = 9.0


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: UnivariateHawkes(0.0, 0.5, 1.0), "mu must be > 0"),
        (lambda: UnivariateHawkes(1.0, -0.5, 1.0), "alpha must be >= 0"),
        (lambda: UnivariateHawkes(1.0, 0.5, 0.0), "beta must be > 0"),
        (lambda: UnivariateHawkes(math.nan, 0.5, 1.0), "mu must be finite"),
        (lambda: MultivariateHawkes([0.1, 0.1], [[0.5, 0.1]], 1.0), "alpha must be a scalar or a 2×2 matrix"),
        (lambda: MultivariateHawkes([0.1, -0.1], 0.1, 1.0), "mu must be >= 0"),
        (lambda: MultivariateHawkes([0.1, 0.1], [[0.5, -0.1], [0.0, 0.1]], 1.0), "alpha must be >= 0"),
        (lambda: MultivariateHawkes([0.1, 0.1], 0.1, [[1.0, 0.0], [1.0, 1.0]]), "beta must be > 0"),
        (lambda: MarkedEvents([0.2, 0.1], [0, 0], 1, 1.0), "sorted"),
        (lambda: MarkedEvents([0.1, 0.2], [0, 2], 2, 1.0), "marks must lie in 0..1"),
        (lambda: MarkedEvents([0.1, 0.2], [0], 1, 1.0), "marks must have the shape"),
        (lambda: MarkedEvents([0.1, 1.5], [0, 0], 1, 1.0), "lie in \\[0, horizon=1.0\\]"),
        (lambda: UNIVARIATE.simulate(-1.0), "horizon must be > 0"),
        (lambda: UNIVARIATE.log_likelihood([0.5, 0.2], 1.0), "sorted"),
        (lambda: BIVARIATE_SHARED.log_likelihood(MarkedEvents([0.1], [0], 1, 1.0)), "1 dimensions but the model has 2"),
    ],
)
def test_bad_inputs_raise(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()  # type: ignore[operator]
