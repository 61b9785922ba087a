"""``glft`` and ``glft-approx``: the optimal quotes of Guéant, Lehalle & Fernandez-Tapia (2013), "Dealing with
the inventory risk: a solution to the market making problem", Mathematics and Financial Economics 7(4),
477–507 (arXiv:1105.3115).

Same market as Avellaneda & Stoikov (2008) — mid ``dS = σ dW``, fills at rate ``A·exp(-k·δ)``, CARA utility
with risk aversion γ over a horizon T — but with the inventory bounded, ``q ∈ {-Q, …, Q}`` (no bid is posted
at ``q = Q``, no ask at ``q = -Q``). The HJB system then reduces to the linear ODEs (their Proposition 1)

    v̇_q(t) = α·q²·v_q(t) - η·(v_{q-1}(t) + v_{q+1}(t)),   v_q(T) = 1,   v_{±(Q+1)} ≡ 0,
    α = k·γ·σ²/2,   η = A·(1 + γ/k)^-(1 + k/γ),

whose solution is ``v(t) = exp(-M·(T - t))·1`` for the symmetric tridiagonal ``M`` with diagonal ``α·q²`` and
off-diagonals ``-η`` (their Proposition 2). The optimal distances of the quotes from the mid are (Theorem 1)

    δb(t, q) = (1/k)·ln(v_q / v_{q+1}) + (1/γ)·ln(1 + γ/k),   q ≠ Q
    δa(t, q) = (1/k)·ln(v_q / v_{q-1}) + (1/γ)·ln(1 + γ/k),   q ≠ -Q.

``glft`` evaluates these exactly with ``scipy.linalg.expm``. To keep ``exp(-M·τ)`` finite for long horizons the
exponential is taken of ``M - λ_min·I`` (λ_min the smallest eigenvalue of M) and the shift is added back in
log space: only ratios of the ``v_q`` enter the quotes.

``glft-approx`` is the paper's closed-form approximation of the long-horizon (T → ∞) quotes, obtained by
replacing the ground state of M with a Gaussian (their section "Asymptotic behavior and approximation of
the optimal quotes"):

    ω  = sqrt(σ²·γ / (2·k·A) · (1 + γ/k)^(1 + k/γ))
    δb ≈ (1/γ)·ln(1 + γ/k) + (2q + 1)/2·ω,   δa ≈ (1/γ)·ln(1 + γ/k) - (2q - 1)/2·ω,
    spread ψ ≈ (2/γ)·ln(1 + γ/k) + ω.

It is accurate for small |q| and far from T. The exact quotes bend away from it near the bounds (at q = -Q,
where no ask may be posted, the exact bid is much closer to the mid) and converge to the myopic
``(1/γ)·ln(1 + γ/k)`` as t → T; the approximation sees neither. docs/passive-mm.md gives the numbers.

Units: γ and k per price unit, σ in price units per sqrt(time unit), A per time unit. The defaults are the
paper's worked example (σ = 0.3 tick·s^-1/2, A = 0.9 s^-1, k = 0.3 tick^-1, γ = 0.01 tick^-1, T = 600 s),
i.e. prices in ticks and time in seconds. Inventory is counted in quote sizes and rounded to an integer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from hft_passive_mm.quoting.base import MarketState, Quote, require_positive, time_to_horizon

__all__ = [
    "GLFT",
    "GLFTApprox",
    "glft_alpha_eta",
    "glft_approx_offsets",
    "glft_log_value_functions",
    "glft_matrix",
    "glft_offsets",
    "glft_omega",
]

FloatArray = npt.NDArray[np.float64]


def _validate_market(gamma: float, sigma: float, arrival_rate: float, k: float) -> None:
    require_positive("gamma", gamma)
    require_positive("sigma", sigma)
    require_positive("A", arrival_rate)
    require_positive("k", k)


def _validate_max_inventory(max_inventory: int) -> None:
    if isinstance(max_inventory, bool) or not isinstance(max_inventory, int) or max_inventory < 1:
        raise ValueError(f"max_inventory must be an integer >= 1, got {max_inventory!r}")


def glft_alpha_eta(*, gamma: float, sigma: float, A: float, k: float) -> tuple[float, float]:  # noqa: N803
    """``α = k·γ·σ²/2`` and ``η = A·(1 + γ/k)^-(1 + k/γ)`` of the GLFT ODE system."""
    _validate_market(gamma, sigma, A, k)
    alpha = 0.5 * k * gamma * sigma * sigma
    eta = A * math.exp(-(1.0 + k / gamma) * math.log1p(gamma / k))
    return alpha, eta


def glft_matrix(alpha: float, eta: float, max_inventory: int) -> FloatArray:
    """The ``(2Q+1)×(2Q+1)`` matrix M with ``v̇ = M·v``; row/column ``i`` is inventory ``q = i - Q``."""
    _validate_max_inventory(max_inventory)
    inventories = np.arange(-max_inventory, max_inventory + 1, dtype=np.float64)
    off_diagonal = np.full(2 * max_inventory, -eta)
    matrix: FloatArray = np.diag(alpha * inventories**2) + np.diag(off_diagonal, 1) + np.diag(off_diagonal, -1)
    return matrix


def glft_log_value_functions(time_to_horizon: float, *, alpha: float, eta: float, max_inventory: int) -> FloatArray:
    """``ln v_q(t)`` for ``q = -Q … Q``, where ``v(t) = exp(-M·(T - t))·1`` solves the GLFT ODEs exactly.

    Computed as ``ln(exp(-(M - λ_min·I)·τ)·1) - λ_min·τ`` so that no intermediate overflows however long the
    horizon ``τ = T - t``.
    """
    # Imported here: scipy.linalg costs ~0.3 s to import and only this model needs it.
    from scipy.linalg import eigvalsh_tridiagonal, expm  # type: ignore[import-untyped, unused-ignore]

    _validate_max_inventory(max_inventory)
    tau = float(time_to_horizon)
    if not math.isfinite(tau) or tau < 0.0:
        raise ValueError(f"time_to_horizon must be finite and >= 0, got {time_to_horizon!r}")
    inventories = np.arange(-max_inventory, max_inventory + 1, dtype=np.float64)
    diagonal = alpha * inventories**2
    off_diagonal = np.full(2 * max_inventory, -eta)
    lowest = float(eigvalsh_tridiagonal(diagonal, off_diagonal, select="i", select_range=(0, 0))[0])
    shifted = glft_matrix(alpha, eta, max_inventory) - lowest * np.eye(2 * max_inventory + 1)
    propagator = np.asarray(expm(-tau * shifted), dtype=np.float64)
    scaled = propagator @ np.ones(2 * max_inventory + 1)
    log_values: FloatArray = np.log(scaled) - lowest * tau
    return log_values


def glft_offsets(
    time_to_horizon: float,
    *,
    gamma: float,
    sigma: float,
    A: float,  # noqa: N803
    k: float,
    max_inventory: int,
) -> tuple[FloatArray, FloatArray]:
    """Exact optimal ``(δb(q), δa(q))`` for ``q = -Q … Q`` (GLFT 2013, Theorem 1).

    ``δb`` is ``+inf`` at ``q = Q`` (no bid) and ``δa`` is ``+inf`` at ``q = -Q`` (no ask).
    """
    alpha, eta = glft_alpha_eta(gamma=gamma, sigma=sigma, A=A, k=k)
    log_v = glft_log_value_functions(time_to_horizon, alpha=alpha, eta=eta, max_inventory=max_inventory)
    myopic = math.log1p(gamma / k) / gamma
    bid: FloatArray = np.full(log_v.shape, np.inf)
    ask: FloatArray = np.full(log_v.shape, np.inf)
    bid[:-1] = (log_v[:-1] - log_v[1:]) / k + myopic
    ask[1:] = (log_v[1:] - log_v[:-1]) / k + myopic
    return bid, ask


def glft_omega(*, gamma: float, sigma: float, A: float, k: float) -> float:  # noqa: N803
    """``ω = sqrt(σ²γ/(2kA)·(1 + γ/k)^(1 + k/γ))``, the inventory slope of the GLFT approximation."""
    _validate_market(gamma, sigma, A, k)
    return math.sqrt(sigma * sigma * gamma / (2.0 * k * A) * math.exp((1.0 + k / gamma) * math.log1p(gamma / k)))


def glft_approx_offsets(
    inventory: float,
    *,
    gamma: float,
    sigma: float,
    A: float,  # noqa: N803
    k: float,
) -> tuple[float, float]:
    """The closed-form ``(δb(q), δa(q))`` of GLFT (2013), ignoring inventory bounds."""
    omega = glft_omega(gamma=gamma, sigma=sigma, A=A, k=k)
    myopic = math.log1p(gamma / k) / gamma
    return myopic + (2.0 * inventory + 1.0) / 2.0 * omega, myopic - (2.0 * inventory - 1.0) / 2.0 * omega


def _bounded_inventory(inventory: float, max_inventory: int) -> tuple[int, bool, bool]:
    """Round *inventory* and clamp it to ``[-Q, Q]``; also say whether a bid and an ask may be posted."""
    rounded = round(inventory)
    clamped = max(-max_inventory, min(max_inventory, rounded))
    return clamped, rounded < max_inventory, rounded > -max_inventory


@dataclass(frozen=True, slots=True)
class GLFT:
    """Exact GLFT quotes from the matrix-exponential solution (module docstring).

    Attributes:
        gamma: risk aversion γ per price unit (> 0).
        sigma: volatility σ, price units per sqrt(time unit) (> 0).
        A: fill intensity at zero distance, per time unit (> 0).
        k: intensity decay per price unit (> 0).
        horizon: trading horizon T in time units (> 0); ``state.time`` must lie in [0, T].
        max_inventory: the inventory bound Q (integer >= 1): no bid at ``q >= Q``, no ask at ``q <= -Q``.
            Beyond the bound only the reducing side is quoted, at the bound's price.
    """

    name: ClassVar[str] = "glft"

    gamma: float = 0.01
    sigma: float = 0.3
    A: float = 0.9
    k: float = 0.3
    horizon: float = 600.0
    max_inventory: int = 30

    def __post_init__(self) -> None:
        _validate_market(self.gamma, self.sigma, self.A, self.k)
        _validate_max_inventory(self.max_inventory)
        require_positive("horizon", self.horizon)

    def offsets(self, time: float) -> tuple[FloatArray, FloatArray]:
        """``(δb(q), δa(q))`` for ``q = -Q … Q`` at elapsed *time* (``+inf`` where a side is not quoted)."""
        tau = time_to_horizon(time, self.horizon)
        return glft_offsets(
            tau, gamma=self.gamma, sigma=self.sigma, A=self.A, k=self.k, max_inventory=self.max_inventory
        )

    def quote(self, state: MarketState) -> Quote:
        """Bid ``s - δb(t, q)`` and ask ``s + δa(t, q)`` for the rounded, bounded inventory q."""
        q, may_bid, may_ask = _bounded_inventory(state.inventory, self.max_inventory)
        bid_offsets, ask_offsets = self.offsets(state.time)
        index = q + self.max_inventory
        return Quote(
            bid=state.mid - float(bid_offsets[index]) if may_bid else None,
            ask=state.mid + float(ask_offsets[index]) if may_ask else None,
        )


@dataclass(frozen=True, slots=True)
class GLFTApprox:
    """GLFT's closed-form asymptotic quotes (module docstring); no horizon, ``state.time`` is ignored.

    Attributes are those of `GLFT` without ``horizon``; ``max_inventory`` bounds the inventory the same way.
    """

    name: ClassVar[str] = "glft-approx"

    gamma: float = 0.01
    sigma: float = 0.3
    A: float = 0.9
    k: float = 0.3
    max_inventory: int = 30

    def __post_init__(self) -> None:
        _validate_market(self.gamma, self.sigma, self.A, self.k)
        _validate_max_inventory(self.max_inventory)

    def quote(self, state: MarketState) -> Quote:
        """Bid ``s - δb(q)`` and ask ``s + δa(q)`` from the closed form, for the rounded, bounded q."""
        q, may_bid, may_ask = _bounded_inventory(state.inventory, self.max_inventory)
        bid_offset, ask_offset = glft_approx_offsets(q, gamma=self.gamma, sigma=self.sigma, A=self.A, k=self.k)
        return Quote(
            bid=state.mid - bid_offset if may_bid else None,
            ask=state.mid + ask_offset if may_ask else None,
        )
