"""Guéant, Lehalle & Fernandez-Tapia (2013): the exact matrix-exponential solution and its approximation.

Paper's parameters (its figures 1-3): σ = 0.3 tick·s^-1/2, A = 0.9 s^-1, k = 0.3 tick^-1, γ = 0.01 tick^-1,
T = 600 s; the inventory bound Q = 30 is ours (the paper does not print its Q). ω ≈ 0.068 tick there.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest
from hft_passive_mm.quoting import (
    GLFT,
    GLFTApprox,
    MarketState,
    glft_alpha_eta,
    glft_approx_offsets,
    glft_log_value_functions,
    glft_matrix,
    glft_offsets,
    glft_omega,
)
from scipy.integrate import solve_ivp  # type: ignore[import-untyped, unused-ignore]

PAPER = {"gamma": 0.01, "sigma": 0.3, "A": 0.9, "k": 0.3}
# The harder case of the paper's figures 4-5 (right panels): more volatility, less flow.
PAPER_HARD = {"gamma": 0.01, "sigma": 1.0, "A": 0.2, "k": 0.3}
HORIZON = 600.0
Q = 30
INVENTORIES = np.arange(-Q, Q + 1)


def exact_at_start(market: dict[str, float]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    return glft_offsets(HORIZON, max_inventory=Q, **market)


def approx_all(market: dict[str, float]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    pairs = [glft_approx_offsets(float(q), **market) for q in INVENTORIES]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


def test_alpha_eta_omega_by_hand() -> None:
    alpha, eta = glft_alpha_eta(**PAPER)
    assert alpha == pytest.approx(0.3 * 0.01 * 0.09 / 2, rel=1e-12)
    # η = A·(1 + γ/k)^-(1 + k/γ) = 0.9 · (31/30)^-31
    assert eta == pytest.approx(0.9 * (31 / 30) ** -31, rel=1e-12)
    # ω = sqrt(σ²γ/(2kA)·(1 + γ/k)^(1 + k/γ)) = (1/k)·sqrt(α/η)
    assert glft_omega(**PAPER) == pytest.approx(math.sqrt(alpha / eta) / 0.3, rel=1e-12)
    assert glft_omega(**PAPER) == pytest.approx(0.0679, abs=5e-5)


def test_matrix_is_the_tridiagonal_of_the_ode() -> None:
    matrix = glft_matrix(0.5, 2.0, 2)
    expected = np.array(
        [
            [0.5 * 4, -2.0, 0, 0, 0],
            [-2.0, 0.5 * 1, -2.0, 0, 0],
            [0, -2.0, 0.0, -2.0, 0],
            [0, 0, -2.0, 0.5 * 1, -2.0],
            [0, 0, 0, -2.0, 0.5 * 4],
        ]
    )
    np.testing.assert_array_equal(matrix, expected)


def test_terminal_condition_and_myopic_quotes_at_the_horizon() -> None:
    alpha, eta = glft_alpha_eta(**PAPER)
    np.testing.assert_array_equal(glft_log_value_functions(0.0, alpha=alpha, eta=eta, max_inventory=Q), 0.0)
    bid, ask = glft_offsets(0.0, max_inventory=Q, **PAPER)
    myopic = math.log1p(0.01 / 0.3) / 0.01
    np.testing.assert_allclose(bid[:-1], myopic, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ask[1:], myopic, rtol=0, atol=1e-12)


@pytest.mark.parametrize("tau", [1.0, 60.0, 300.0, HORIZON])
def test_value_functions_solve_the_ode(tau: float) -> None:
    # d ln v_q / dt = α q² - η (v_{q-1} + v_{q+1}) / v_q, with t = T - τ; derivative by central differences.
    alpha, eta = glft_alpha_eta(**PAPER)
    step = 1e-3

    def log_v(at: float) -> npt.NDArray[np.float64]:
        return glft_log_value_functions(at, alpha=alpha, eta=eta, max_inventory=Q)

    log_values = log_v(tau)
    d_log_v_dt = -(log_v(tau + step) - log_v(tau - step)) / (2 * step)
    neighbours = np.zeros_like(log_values)
    neighbours[:-1] += np.exp(log_values[1:] - log_values[:-1])
    neighbours[1:] += np.exp(log_values[:-1] - log_values[1:])
    right_hand_side = alpha * INVENTORIES**2 - eta * neighbours
    scale = alpha * Q**2 + 2 * eta  # a bound on |M|, so the check is relative
    assert np.max(np.abs(d_log_v_dt - right_hand_side)) <= 1e-7 * scale


def test_matrix_exponential_agrees_with_an_ode_integrator() -> None:
    alpha, eta = glft_alpha_eta(**PAPER)
    matrix = glft_matrix(alpha, eta, Q)
    lowest = float(np.linalg.eigvalsh(matrix)[0])
    shifted = matrix - lowest * np.eye(2 * Q + 1)
    # w(τ) = exp(-(M - λ₀)τ)·1 integrated backwards from the horizon, independently of scipy's expm.
    solution = solve_ivp(
        lambda _, w: -shifted @ w, (0.0, HORIZON), np.ones(2 * Q + 1), method="DOP853", rtol=1e-12, atol=1e-14
    )
    log_w = np.log(solution.y[:, -1])
    expected = glft_log_value_functions(HORIZON, alpha=alpha, eta=eta, max_inventory=Q) + lowest * HORIZON
    np.testing.assert_allclose(log_w, expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize("tau", [0.5, 30.0, HORIZON])
def test_exact_quotes_are_symmetric(tau: float) -> None:
    bid, ask = glft_offsets(tau, max_inventory=Q, **PAPER)
    # δb(q) = δa(-q): reversing the ask array maps q to -q
    np.testing.assert_allclose(bid, ask[::-1], rtol=0, atol=1e-9)
    assert math.isinf(bid[-1]) and math.isinf(ask[0])  # no bid at Q, no ask at -Q


def test_long_horizon_limit_is_the_ground_state_of_m() -> None:
    # GLFT (2013), Theorem 2: as T → ∞, δb(0, q) → (1/γ)ln(1 + γ/k) + (1/k)ln(f_q / f_{q+1}) with f the
    # eigenvector of M's smallest eigenvalue. Computed here with numpy's dense eigensolver.
    alpha, eta = glft_alpha_eta(**PAPER)
    _, vectors = np.linalg.eigh(glft_matrix(alpha, eta, Q))
    ground = np.abs(vectors[:, 0])
    myopic = math.log1p(0.01 / 0.3) / 0.01
    limit_bid = myopic + np.log(ground[:-1] / ground[1:]) / 0.3
    bid, _ = glft_offsets(5_000.0, max_inventory=Q, **PAPER)
    np.testing.assert_allclose(bid[:-1], limit_bid, rtol=0, atol=1e-8)


def test_as_quotes_are_the_short_horizon_expansion() -> None:
    # GLFT (2013), footnote: the Avellaneda–Stoikov quotes are the Taylor expansion near T,
    # δb ≈ (1/γ)ln(1 + γ/k) + (1 + 2q)/2 · γσ²(T - t), away from the inventory bounds.
    tau = 1e-3
    bid, ask = glft_offsets(tau, max_inventory=Q, **PAPER)
    myopic = math.log1p(0.01 / 0.3) / 0.01
    interior = slice(1, -2)  # q = -Q+1 … Q-2: neither q nor q+1 sits on a bound
    slope = 0.01 * 0.3**2 * tau
    np.testing.assert_allclose(
        bid[interior] - myopic, (1 + 2 * INVENTORIES[interior]) / 2 * slope, rtol=1e-2, atol=1e-9
    )
    interior_ask = slice(2, -1)
    np.testing.assert_allclose(
        ask[interior_ask] - myopic, (1 - 2 * INVENTORIES[interior_ask]) / 2 * slope, rtol=1e-2, atol=1e-9
    )


def test_approximation_agrees_with_exact_near_zero_inventory() -> None:
    # Paper's parameters, t = 0, T = 600 s: within 3 % of ω (≈ 0.002 tick) for |q| ≤ 10 (measured: 2.2 %).
    omega = glft_omega(**PAPER)
    exact_bid, exact_ask = exact_at_start(PAPER)
    approx_bid, approx_ask = approx_all(PAPER)
    near = np.abs(INVENTORIES) <= 10
    assert np.max(np.abs(exact_bid[near] - approx_bid[near])) <= 0.03 * omega
    assert np.max(np.abs(exact_ask[near] - approx_ask[near])) <= 0.03 * omega
    exact_spread = exact_bid[near] + exact_ask[near]
    approx_spread = approx_bid[near] + approx_ask[near]
    assert np.max(np.abs(exact_spread - approx_spread)) <= 0.03 * omega


def test_approximation_breaks_down_at_the_inventory_bound() -> None:
    # The exact quote at q = -Q is pulled in by the bound; the closed form does not know Q (off by > 5 ω).
    omega = glft_omega(**PAPER)
    exact_bid, exact_ask = exact_at_start(PAPER)
    approx_bid, approx_ask = approx_all(PAPER)
    assert abs(exact_bid[0] - approx_bid[0]) > 5 * omega
    assert abs(exact_ask[-1] - approx_ask[-1]) > 5 * omega


def test_approximation_in_the_papers_harder_case() -> None:
    # σ = 1, A = 0.2: good near q = 0 (within 5 % of ω for |q| ≤ 1), off by more than ω/2 by |q| = 10.
    omega = glft_omega(**PAPER_HARD)
    exact_bid, _ = exact_at_start(PAPER_HARD)
    approx_bid, _ = approx_all(PAPER_HARD)
    error = np.abs(exact_bid - approx_bid)
    assert np.max(error[np.abs(INVENTORIES) <= 1]) <= 0.05 * omega
    assert error[INVENTORIES == 10][0] > 0.5 * omega
    assert error[INVENTORIES == -10][0] > 0.2 * omega


def test_glft_quote_uses_the_exact_offsets() -> None:
    model = GLFT(horizon=HORIZON, max_inventory=Q, **PAPER)
    bid, ask = glft_offsets(HORIZON - 100.0, max_inventory=Q, **PAPER)
    quote = model.quote(MarketState(mid=1000.0, inventory=3.0, time=100.0))
    assert quote.bid == pytest.approx(1000.0 - bid[3 + Q], abs=1e-12)
    assert quote.ask == pytest.approx(1000.0 + ask[3 + Q], abs=1e-12)


def test_glft_bounds() -> None:
    model = GLFT(max_inventory=5, horizon=60.0, **PAPER)
    at_top = model.quote(MarketState(mid=100.0, inventory=5.0))
    assert at_top.bid is None and at_top.ask is not None
    at_bottom = model.quote(MarketState(mid=100.0, inventory=-5.0))
    assert at_bottom.ask is None and at_bottom.bid is not None
    beyond = model.quote(MarketState(mid=100.0, inventory=8.0))
    assert beyond == at_top  # beyond the bound: only the reducing side, at the bound's price
    assert model.quote(MarketState(mid=100.0, inventory=1.2)) == model.quote(MarketState(mid=100.0, inventory=1.0))


def test_glft_approx_quote_and_bounds() -> None:
    model = GLFTApprox(max_inventory=5, **PAPER)
    bid_offset, ask_offset = glft_approx_offsets(2.0, **PAPER)
    quote = model.quote(MarketState(mid=100.0, inventory=2.0, time=1e9))  # time is ignored
    assert quote.bid == pytest.approx(100.0 - bid_offset)
    assert quote.ask == pytest.approx(100.0 + ask_offset)
    assert quote.spread == pytest.approx(2 * math.log1p(0.01 / 0.3) / 0.01 + glft_omega(**PAPER))
    assert model.quote(MarketState(mid=100.0, inventory=5.0)).bid is None
    assert model.quote(MarketState(mid=100.0, inventory=-5.0)).ask is None


def test_glft_time_past_horizon_is_an_error() -> None:
    with pytest.raises(ValueError, match="past the horizon"):
        GLFT(horizon=10.0).quote(MarketState(mid=100.0, time=11.0))


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"gamma": 0.0}, "gamma must be > 0"),
        ({"k": -0.3}, "k must be > 0"),
        ({"A": 0.0}, "A must be > 0"),
        ({"sigma": float("nan")}, "sigma must be a finite number"),
        ({"horizon": -1.0}, "horizon must be > 0"),
        ({"max_inventory": 0}, "max_inventory must be an integer >= 1"),
        ({"max_inventory": 2.5}, "max_inventory must be an integer >= 1"),
    ],
)
def test_glft_parameter_validation(parameters: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GLFT(**parameters)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"gamma": -1.0}, "gamma must be > 0"),
        ({"k": 0.0}, "k must be > 0"),
        ({"max_inventory": -3}, "max_inventory must be an integer >= 1"),
    ],
)
def test_glft_approx_parameter_validation(parameters: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GLFTApprox(**parameters)  # type: ignore[arg-type]


def test_negative_time_to_horizon_is_an_error() -> None:
    alpha, eta = glft_alpha_eta(**PAPER)
    with pytest.raises(ValueError, match="time_to_horizon must be finite and >= 0"):
        glft_log_value_functions(-1.0, alpha=alpha, eta=eta, max_inventory=Q)
