# ruff: noqa: N803, N806  (the maths keeps the paper's names: X, T, N, R, Q, P, M)
"""Basket execution: Almgren–Chriss closed form, a multi-asset LQ/Riccati policy, TWAP, immediate sweep.

Units follow Almgren & Chriss (2000), "Optimal execution of portfolio transactions", J. Risk 3(2): holdings in
shares, prices in currency per share, time in the caller's unit (the paper's days). ``x[k]`` is what is still to
be traded after period ``k`` (``x[0] = X``, ``x[N] = 0``), ``n[k] = x[k-1] - x[k]`` the trade in period ``k``,
``tau = T / N``. With linear permanent impact ``gamma`` (price moves ``gamma`` per share traded), temporary impact
``h(v) = eps·sgn(v) + eta·v`` at trading rate ``v = n / tau`` and arithmetic Brownian prices of volatility
``sigma``:

- expected cost  E = ½·gamma·X² + eps·Σ|n_k| + (eta_tilde / tau)·Σ n_k²,  eta_tilde = eta − gamma·tau/2;
- variance       V = sigma²·tau·Σ_{k=1..N} x_k²;
- the minimiser of E + lambda·V is x_j = X·sinh(kappa·(T − t_j)) / sinh(kappa·T), where kappa solves
  (2/tau²)·(cosh(kappa·tau) − 1) = lambda·sigma² / eta_tilde; sweeping lambda traces the efficient frontier.

The multi-asset policy (`riccati_policy`) is the discrete LQ problem the paper's section 5 and Bergault, Drissi &
Guéant (SSRN 4319255) pose for a basket: state ``x_k`` (shares still to trade, one per name), control ``v_k``,
``x_{k+1} = x_k − v_k``, stage cost ``v_kᵀ(H/tau)v_k + x_{k+1}ᵀ Q x_{k+1}`` with ``Q = lambda·tau·C +
rho·tau·T_b`` (``C`` the covariance per unit time, ``T_b`` the tracking penalty on holding a mix that is not the
basket's) and ``x_N = 0``. Its value is quadratic, ``x_kᵀ P_k x_k``, from the backward recursion
``M = Q + P_{k+1}``, ``K_k = (R + M)⁻¹M``, ``P_k = R·K_k`` with ``R = H/tau`` and ``P_{N−1} = R``; the policy is the
feedback ``v_k = K_k x_k``. Prices are Gaussian and do not enter the dynamics of ``x``, so the certainty-equivalent
(LQG) policy is this feedback and its expected cost is ``x_0ᵀP_0x_0`` plus the permanent-impact constant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "ACParams",
    "ACSolution",
    "ExecutionMethod",
    "LQProblem",
    "LQSolution",
    "almgren_chriss",
    "efficient_frontier",
    "lq_schedule_costs",
    "riccati_policy",
    "schedule",
    "simulate_costs",
    "sweep_schedule",
    "tracking_matrix",
    "twap_schedule",
]

FloatArray = npt.NDArray[np.float64]
ExecutionMethod = Literal["lqg", "almgren-chriss", "twap", "sweep"]


@dataclass(frozen=True)
class ACParams:
    """One stock's liquidation problem in the paper's notation (Table 1 of the paper gives a worked set)."""

    X: float
    """Shares to trade (sell when positive)."""
    T: float
    """Horizon."""
    N: int
    """Number of periods."""
    sigma: float
    """Price volatility per √time (currency per share)."""
    gamma: float
    """Permanent impact (currency per share, per share traded)."""
    eta: float
    """Temporary impact (currency per share, per share per unit time)."""
    eps: float = 0.0
    """Fixed temporary cost per share (half the spread plus fees)."""

    def __post_init__(self) -> None:
        if self.N < 1 or not self.T > 0:
            raise ValueError(f"need N >= 1 and T > 0, got N={self.N}, T={self.T}")
        if self.eta_tilde <= 0:
            raise ValueError(f"eta - gamma*tau/2 must be > 0 (got {self.eta_tilde:g}): take more periods")

    @property
    def tau(self) -> float:
        return self.T / self.N

    @property
    def eta_tilde(self) -> float:
        return self.eta - 0.5 * self.gamma * self.tau


@dataclass(frozen=True)
class ACSolution:
    """The optimal trajectory for one risk aversion and its expected cost and variance."""

    kappa: float
    holdings: FloatArray
    """x_0..x_N."""
    trades: FloatArray
    """n_1..n_N."""
    expected_cost: float
    variance: float

    @property
    def half_life(self) -> float:
        """1/kappa, the paper's "half-life" of the trade (infinite for the risk-neutral straight line)."""
        return math.inf if self.kappa == 0 else 1.0 / self.kappa


def _cost_moments(params: ACParams, holdings: FloatArray) -> tuple[float, float]:
    trades = -np.diff(holdings)
    expected = (
        0.5 * params.gamma * params.X**2
        + params.eps * float(np.abs(trades).sum())
        + params.eta_tilde / params.tau * float((trades**2).sum())
    )
    variance = params.sigma**2 * params.tau * float((holdings[1:] ** 2).sum())
    return expected, variance


def almgren_chriss(params: ACParams, risk_aversion: float) -> ACSolution:
    """The paper's closed-form optimal trajectory for ``risk_aversion`` = lambda >= 0 (0: the straight line)."""
    if not risk_aversion >= 0:
        raise ValueError(f"risk aversion must be >= 0, got {risk_aversion}")
    tau, N = params.tau, params.N
    times = np.arange(N + 1, dtype=np.float64) * tau
    kappa_tilde_sq = risk_aversion * params.sigma**2 / params.eta_tilde
    kappa = math.acosh(1.0 + 0.5 * kappa_tilde_sq * tau * tau) / tau
    if kappa * params.T < 1e-12:
        holdings = params.X * (1.0 - times / params.T)
        kappa = 0.0
    elif kappa * params.T > 700:  # sinh overflows: the trade is all but done in the first period
        holdings = params.X * np.exp(-kappa * times)
        holdings[-1] = 0.0
    else:
        holdings = params.X * np.sinh(kappa * (params.T - times)) / math.sinh(kappa * params.T)
    holdings[0] = params.X
    holdings[-1] = 0.0
    expected, variance = _cost_moments(params, holdings)
    return ACSolution(kappa, holdings, -np.diff(holdings), expected, variance)


def efficient_frontier(params: ACParams, risk_aversions: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """(V, E) of the optimal trajectory at each lambda: the paper's efficient frontier, one point per lambda."""
    lambdas = np.asarray(risk_aversions, dtype=np.float64)
    points = [almgren_chriss(params, float(lam)) for lam in lambdas]
    return np.array([p.variance for p in points]), np.array([p.expected_cost for p in points])


def tracking_matrix(weights: npt.ArrayLike, covariance: npt.ArrayLike) -> FloatArray:
    """The tracking penalty's matrix: xᵀT_b x is the variance of what ``x`` holds beyond its basket-proportional
    part (``x`` projected, in the covariance's metric, off the basket ``weights``)."""
    w = np.asarray(weights, dtype=np.float64)
    cov = np.asarray(covariance, dtype=np.float64)
    m = w.size
    denom = float(w @ cov @ w)
    if denom <= 0:
        raise ValueError("the basket weights have zero variance under the covariance")
    projector = np.eye(m) - np.outer(w, w @ cov) / denom  # x - w·(wᵀCx)/(wᵀCw)
    return projector.T @ cov @ projector


@dataclass(frozen=True)
class LQProblem:
    """The multi-asset execution problem (see the module docstring)."""

    x0: FloatArray
    """Shares to trade per name."""
    T: float
    N: int
    covariance: FloatArray
    """Price covariance per unit time (currency² per share² per time)."""
    eta: FloatArray
    """Temporary impact per name (diagonal H)."""
    risk_aversion: float
    tracking: float = 0.0
    """rho: weight of the tracking penalty."""
    weights: FloatArray | None = None
    """The basket the holdings should stay proportional to (default: ``x0``)."""

    @property
    def tau(self) -> float:
        return self.T / self.N

    def stage_matrices(self) -> tuple[FloatArray, FloatArray]:
        """(R, Q): control cost H/tau and state cost lambda·tau·C + rho·tau·T_b."""
        tau = self.tau
        R = np.diag(np.asarray(self.eta, dtype=np.float64)) / tau
        Q = self.risk_aversion * tau * np.asarray(self.covariance, dtype=np.float64)
        if self.tracking:
            w = self.x0 if self.weights is None else self.weights
            Q = Q + self.tracking * tau * tracking_matrix(w, self.covariance)
        return R, Q


@dataclass(frozen=True)
class LQSolution:
    """Gains ``K[k]`` (v_k = K[k] x_k) and value matrices ``P[k]`` (cost-to-go x_kᵀP[k]x_k), k = 0..N-1."""

    gains: FloatArray
    values: FloatArray

    def trajectory(self, x0: npt.ArrayLike) -> FloatArray:
        """Holdings x_0..x_N (rows) under the feedback policy."""
        x = np.asarray(x0, dtype=np.float64)
        rows = [x]
        for gain in self.gains:
            x = x - gain @ x
            rows.append(x)
        return np.array(rows)


def riccati_policy(problem: LQProblem) -> LQSolution:
    """Solve the LQ problem by the backward Riccati recursion (module docstring)."""
    R, Q = problem.stage_matrices()
    m, N = R.shape[0], problem.N
    gains = np.empty((N, m, m))
    values = np.empty((N, m, m))
    gains[N - 1] = np.eye(m)  # the last period trades what is left: x_N = 0
    values[N - 1] = R
    for k in range(N - 2, -1, -1):
        M = Q + values[k + 1]
        gain = np.linalg.solve(R + M, M)
        gains[k] = gain
        P = R @ gain
        values[k] = 0.5 * (P + P.T)
    return LQSolution(gains, values)


def lq_schedule_costs(problem: LQProblem, holdings: FloatArray) -> float:
    """The LQ objective Σ v_kᵀRv_k + Σ_{k<N} x_{k+1}ᵀQx_{k+1} of a holdings path (x_0..x_N rows)."""
    R, Q = problem.stage_matrices()
    trades = -np.diff(holdings, axis=0)
    control = float(np.einsum("ki,ij,kj->", trades, R, trades))
    state = float(np.einsum("ki,ij,kj->", holdings[1:], Q, holdings[1:]))
    return control + state


def twap_schedule(x0: npt.ArrayLike, N: int) -> FloatArray:
    """Holdings x_0..x_N of a straight line: the same trade each period."""
    x = np.asarray(x0, dtype=np.float64)
    return np.outer(1.0 - np.arange(N + 1) / N, x)


def sweep_schedule(x0: npt.ArrayLike, N: int) -> FloatArray:
    """Holdings of an immediate sweep: everything in the first period."""
    x = np.asarray(x0, dtype=np.float64)
    rows = np.zeros((N + 1, x.size))
    rows[0] = x
    return rows


def schedule(
    method: ExecutionMethod,
    x0: npt.ArrayLike,
    N: int,
    T: float,
    covariance: npt.ArrayLike,
    eta: npt.ArrayLike,
    risk_aversion: float,
    tracking: float = 0.0,
) -> FloatArray:
    """Holdings x_0..x_N for one execution method on a basket (rows: periods, columns: names).

    ``almgren-chriss`` runs the one-asset closed form per name with that name's variance (no cross terms),
    ``lqg`` the Riccati policy with the full covariance and the tracking penalty.
    """
    x = np.asarray(x0, dtype=np.float64)
    cov = np.asarray(covariance, dtype=np.float64)
    impact = np.asarray(eta, dtype=np.float64)
    if method == "twap":
        return twap_schedule(x, N)
    if method == "sweep":
        return sweep_schedule(x, N)
    if method == "almgren-chriss":
        columns = []
        for i in range(x.size):
            if x[i] == 0:
                columns.append(np.zeros(N + 1))
                continue
            params = ACParams(abs(float(x[i])), T, N, math.sqrt(max(cov[i, i], 0.0)), 0.0, float(impact[i]))
            columns.append(math.copysign(1.0, float(x[i])) * almgren_chriss(params, risk_aversion).holdings)
        return np.array(columns).T
    if method == "lqg":
        problem = LQProblem(x, T, N, cov, impact, risk_aversion, tracking)
        return riccati_policy(problem).trajectory(x)
    raise ValueError(f"unknown execution method {method!r}")


def simulate_costs(
    holdings: FloatArray,
    T: float,
    covariance: npt.ArrayLike,
    eta: npt.ArrayLike,
    n_paths: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Implementation shortfall of a holdings path (x_0..x_N rows) on ``n_paths`` simulated price paths.

    Prices follow correlated arithmetic Brownian motion; each period's trade pays temporary impact
    ``eta·n/tau`` per share, and the shares still held carry the period's price move (the paper's cost model
    without permanent impact, which adds the same constant to every schedule).
    """
    cov = np.asarray(covariance, dtype=np.float64)
    impact = np.asarray(eta, dtype=np.float64)
    N = holdings.shape[0] - 1
    tau = T / N
    trades = -np.diff(holdings, axis=0)
    impact_cost = float((impact * trades**2).sum() / tau)
    chol = np.linalg.cholesky(cov * tau + 1e-300 * np.eye(cov.shape[0]))
    shocks = rng.standard_normal((n_paths, N, cov.shape[0])) @ chol.T  # price moves per period
    # Selling x: a price fall on the shares still held after period k costs x_k·ΔS_{k+1} (sign as the paper).
    risk = -np.einsum("pki,ki->p", shocks, holdings[1:])
    total: FloatArray = impact_cost + risk
    return total
