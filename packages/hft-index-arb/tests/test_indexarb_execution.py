"""Execution maths: Almgren–Chriss against the 2000 paper's worked example, Riccati against brute-force DP,
and the LQG policy's realised cost against its own prediction and against TWAP."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hft_index_arb.execution import (
    ACParams,
    ExecutionMethod,
    LQProblem,
    almgren_chriss,
    efficient_frontier,
    lq_schedule_costs,
    riccati_policy,
    schedule,
    simulate_costs,
    twap_schedule,
)

# Almgren & Chriss (2000), Table 1: S0 = 50, X = 10^6 shares, T = 5 days in N = 5 periods, sigma = 0.95
# ($/share)/day^½ (30% a year), eps = 1/16 (half the 1/8 spread), gamma = 2.5e-7, eta = 2.5e-6; lambda_u = 1e-6.
PAPER = ACParams(X=1e6, T=5.0, N=5, sigma=0.95, gamma=2.5e-7, eta=2.5e-6, eps=0.0625)


def test_the_papers_example_kappa_and_half_life() -> None:
    # Section 4.1: "for the optimal strategy, kappa ~ 0.6/day, so kappa*T ~ 3".
    solution = almgren_chriss(PAPER, 1e-6)
    assert solution.kappa == pytest.approx(0.6, abs=0.01)
    assert solution.kappa * PAPER.T == pytest.approx(3.0, abs=0.05)
    assert solution.half_life == pytest.approx(1 / solution.kappa)
    assert solution.holdings[0] == PAPER.X and solution.holdings[-1] == 0
    assert np.all(np.diff(solution.holdings) < 0)  # sells every day, front-loaded
    assert solution.trades[0] > solution.trades[-1]


def test_the_papers_example_naive_strategy_cost() -> None:
    # lambda = 0 is the straight line: E = ½γX² + εX + η̃X²/T = 125,000 + 62,500 + 475,000 = $662,500.
    naive = almgren_chriss(PAPER, 0.0)
    assert naive.kappa == 0
    np.testing.assert_allclose(naive.holdings, [1e6, 8e5, 6e5, 4e5, 2e5, 0])
    assert naive.expected_cost == pytest.approx(662_500.0)
    assert naive.variance == pytest.approx(0.95**2 * (0.64 + 0.36 + 0.16 + 0.04 + 0.0) * 1e12)


def test_closed_form_is_the_minimiser_of_the_mean_variance_objective() -> None:
    # Stationarity of E + lambda*V in x_1..x_{N-1} is a tridiagonal linear system: solve it independently.
    lam = 1e-6
    p = PAPER
    n = p.N - 1
    a = 2 * p.eta_tilde / p.tau**2
    A = np.diag(np.full(n, 2 * a + 2 * lam * p.sigma**2)) - a * (np.eye(n, k=1) + np.eye(n, k=-1))
    b = np.zeros(n)
    b[0] = a * p.X
    interior = np.linalg.solve(A, b)
    np.testing.assert_allclose(almgren_chriss(p, lam).holdings[1:-1], interior, rtol=1e-9)


def test_efficient_frontier_trades_variance_for_cost() -> None:
    V, E = efficient_frontier(PAPER, [0.0, 2e-7, 1e-6, 2e-6, 1e-5])
    assert np.all(np.diff(V) < 0) and np.all(np.diff(E) > 0)
    # The frontier is convex: its slope -dE/dV, which is lambda at the optimum, grows along it.
    slopes = -np.diff(E) / np.diff(V)
    assert np.all(np.diff(slopes) > 0)


def _problem(tracking: float = 0.0) -> LQProblem:
    cov = np.array([[0.04, 0.018], [0.018, 0.09]])
    return LQProblem(
        x0=np.array([10.0, 8.0]),
        T=3.0,
        N=3,
        covariance=cov,
        eta=np.array([0.05, 0.08]),
        risk_aversion=2.0,
        tracking=tracking,
    )


@pytest.mark.parametrize("tracking", [0.0, 3.0])
def test_riccati_matches_brute_force_dynamic_programming(tracking: float) -> None:
    problem = _problem(tracking)
    solution = riccati_policy(problem)
    path = solution.trajectory(problem.x0)
    best = lq_schedule_costs(problem, path)
    # The cost-to-go matrix prices its own trajectory.
    assert float(problem.x0 @ solution.values[0] @ problem.x0) == pytest.approx(best, rel=1e-10)
    # Brute force: every path whose intermediate holdings lie on a 0.25-share grid (x_3 = 0), all 41^4 of them.
    grid = np.arange(0.0, 10.25, 0.25)
    R, Q = problem.stage_matrices()
    states = np.array(list(itertools.product(grid, grid)))
    states = states[states[:, 1] <= 8.0]
    # Backward DP over the grid: value of being at state s after period 2, then after period 1.
    last = np.einsum("si,ij,sj->s", states, R, states)  # trade everything left in period 3
    step = states[:, None, :] - states[None, :, :]  # from s (after period 1) to s' (after period 2)
    cost12 = np.einsum("abi,ij,abj->ab", step, R, step) + np.einsum("bi,ij,bj->b", states, Q, states)[None, :]
    value1 = (cost12 + last[None, :]).min(axis=1)
    first = problem.x0[None, :] - states
    total = np.einsum("si,ij,sj->s", first, R, first) + np.einsum("si,ij,sj->s", states, Q, states) + value1
    grid_best = float(total.min())
    assert best <= grid_best + 1e-9  # nothing on the grid beats the Riccati policy ...
    assert grid_best - best < 0.01 * best  # ... and the grid's best comes close to it
    chosen = states[int(total.argmin())]
    np.testing.assert_allclose(chosen, path[1], atol=0.25)


def test_lqg_cost_is_within_monte_carlo_error_of_its_prediction_and_beats_twap() -> None:
    rng = np.random.default_rng(11)
    m = 5
    vols = np.linspace(0.3, 0.6, m)
    corr = 0.4 + 0.6 * np.eye(m)
    cov = corr * np.outer(vols, vols)
    eta = np.linspace(0.002, 0.006, m)
    x0 = np.full(m, 100.0)
    lam, N, T = 0.5, 10, 1.0
    problem = LQProblem(x0, T, N, cov, eta, lam)
    lqg = riccati_policy(problem).trajectory(x0)
    twap = twap_schedule(x0, N)
    paths = 20_000

    def objective(holdings: np.ndarray) -> tuple[float, float, float, float]:
        costs = simulate_costs(holdings, T, cov, eta, paths, rng)
        predicted_mean = float(np.sum(eta * np.diff(holdings, axis=0) ** 2) / problem.tau)
        predicted_var = float(problem.tau * np.einsum("ki,ij,kj->", holdings[1:], cov, holdings[1:]))
        return float(costs.mean()), float(costs.var()), predicted_mean, predicted_var

    mean, var, pred_mean, pred_var = objective(lqg)
    assert abs(mean - pred_mean) < 4 * math.sqrt(pred_var / paths)
    assert var == pytest.approx(pred_var, rel=0.05)
    # The policy's own objective E + lambda*V equals the Riccati value.
    assert pred_mean + lam * pred_var == pytest.approx(lq_schedule_costs(problem, lqg), rel=1e-9)
    t_mean, t_var, _, _ = objective(twap)
    assert mean + lam * var < t_mean + lam * t_var
    assert var < t_var and mean > t_mean  # it pays more impact to carry less risk


def test_schedules_start_at_the_order_and_end_flat() -> None:
    cov = np.diag([0.04, 0.09])
    x0 = np.array([30.0, -20.0])
    methods: tuple[ExecutionMethod, ...] = ("lqg", "almgren-chriss", "twap", "sweep")
    for method in methods:
        path = schedule(method, x0, 6, 1.0, cov, [0.01, 0.02], 1.0, tracking=0.5)
        np.testing.assert_allclose(path[0], x0)
        np.testing.assert_allclose(path[-1], 0.0, atol=1e-9)
    with pytest.raises(ValueError, match="risk aversion"):
        almgren_chriss(PAPER, -1.0)
