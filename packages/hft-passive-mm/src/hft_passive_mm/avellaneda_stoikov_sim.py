"""The Monte Carlo experiment of Avellaneda & Stoikov (2008), "High-frequency trading in a limit order book",
Quantitative Finance 8(3), 217–224 (its numerical simulations), run through this package's own quoting code.

Set-up (the paper's): ``s0 = 100``, ``T = 1``, ``σ = 2``, ``dt = 0.005`` (200 steps), ``k = 1.5``, ``A = 140``,
1000 paths. Two strategies are compared for each risk aversion γ:

* ``inventory`` — quotes ``r ∓ spread/2`` with the reservation price ``r = s - q·γ·σ²·(T - t)`` and the optimal
  spread ``γ·σ²·(T - t) + (2/γ)·ln(1 + γ/k)`` (`hft_passive_mm.quoting.avellaneda_stoikov`);
* ``symmetric`` — quotes ``s ∓ spread/2`` with the constant time-averaged spread ``γ·σ²·T/2 + (2/γ)·ln(1 + γ/k)``.

Conventions — the paper states the set-up but not every detail; the choices below are the ones that reproduce
its table (see docs/passive-mm.md):

1. At step ``i`` (``t = i·dt``, ``i = 0 … 199``) the quotes are computed from the current mid ``s_i`` and
   inventory ``q_i``; then fills are drawn against those quotes and that same mid; then the mid moves,
   ``s_{i+1} = s_i ± σ·√dt`` with probability ½ each.
2. Each side is filled independently with probability ``min(1, A·exp(-k·δ)·dt)``, δ the quote's distance from
   the mid (``δb = s - bid``, ``δa = ask - s``; a quote through the mid has δ < 0 and fills with probability
   capped at 1). Both sides may fill in the same step. Every fill is one unit at the quoted price.
3. Inventory is unbounded; profit is marked to the final mid: ``profit = cash_T + q_T·s_T``.
4. Both strategies see the same mid path and the same uniform draws for their fills (common random numbers),
   so their difference is not blurred by independent noise.
5. The reported "spread" is the paper's column: the time average ``(1/T)∫₀ᵀ (δa + δb) dt`` of the quoted
   spread, which is ``γσ²T/2 + (2/γ)ln(1 + γ/k)`` for both strategies. The average of the spread actually quoted
   on the 200-step grid is reported separately: for the inventory strategy it exceeds the continuous average by
   ``γσ²·dt/2`` (0.01 at γ = 1), because the grid starts at t = 0 and stops at T - dt.

Statistics over paths use the sample standard deviation (ddof = 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hft_passive_mm.quoting.avellaneda_stoikov import optimal_spread, reservation_price, time_averaged_spread
from hft_passive_mm.quoting.base import require_positive

__all__ = [
    "STRATEGIES",
    "ASSimulationSetup",
    "StrategyOutcome",
    "format_outcomes",
    "main",
    "simulate_avellaneda_stoikov",
]

FloatArray = npt.NDArray[np.float64]

STRATEGIES = ("inventory", "symmetric")
"""The two strategies of the paper's experiment, in the order its tables list them."""


@dataclass(frozen=True, slots=True)
class ASSimulationSetup:
    """The experiment's market; defaults are the paper's values."""

    initial_mid: float = 100.0
    horizon: float = 1.0
    sigma: float = 2.0
    dt: float = 0.005
    k: float = 1.5
    A: float = 140.0
    n_paths: int = 1000

    def __post_init__(self) -> None:
        require_positive("initial_mid", self.initial_mid)
        require_positive("horizon", self.horizon)
        require_positive("sigma", self.sigma)
        require_positive("dt", self.dt)
        require_positive("k", self.k)
        require_positive("A", self.A)
        if isinstance(self.n_paths, bool) or not isinstance(self.n_paths, int) or self.n_paths < 2:
            raise ValueError(f"n_paths must be an integer >= 2, got {self.n_paths!r}")
        if self.dt > self.horizon:
            raise ValueError(f"dt ({self.dt!r}) must not exceed the horizon ({self.horizon!r})")

    @property
    def n_steps(self) -> int:
        """Number of decision steps, ``round(T / dt)``."""
        return round(self.horizon / self.dt)


@dataclass(frozen=True, slots=True, eq=False)
class StrategyOutcome:
    """One strategy's results for one γ: the paper's table row, plus the per-path values behind it.

    Attributes:
        strategy: ``"inventory"`` or ``"symmetric"``.
        gamma: the risk aversion γ.
        spread: the paper's "spread" column, ``(1/T)∫₀ᵀ (δa + δb) dt`` (module docstring, convention 5).
        mean_quoted_spread: the spread actually quoted, averaged over the decision grid.
        profits: per-path ``cash_T + q_T·s_T``.
        final_inventories: per-path ``q_T``.
    """

    strategy: str
    gamma: float
    spread: float
    mean_quoted_spread: float
    profits: FloatArray
    final_inventories: FloatArray

    @property
    def n_paths(self) -> int:
        """Number of simulated paths."""
        return int(self.profits.size)

    @property
    def mean_profit(self) -> float:
        """Mean of `profits` (the paper's "profit")."""
        return float(self.profits.mean())

    @property
    def std_profit(self) -> float:
        """Sample standard deviation of `profits` (the paper's "std(profit)")."""
        return float(self.profits.std(ddof=1))

    @property
    def mean_final_inventory(self) -> float:
        """Mean of `final_inventories` (the paper's "final q")."""
        return float(self.final_inventories.mean())

    @property
    def std_final_inventory(self) -> float:
        """Sample standard deviation of `final_inventories` (the paper's "std(final q)")."""
        return float(self.final_inventories.std(ddof=1))

    @property
    def profit_standard_error(self) -> float:
        """Standard error of `mean_profit`, ``std_profit / √n_paths``."""
        return self.std_profit / math.sqrt(self.n_paths)

    @property
    def inventory_standard_error(self) -> float:
        """Standard error of `mean_final_inventory`."""
        return self.std_final_inventory / math.sqrt(self.n_paths)


def simulate_avellaneda_stoikov(
    gamma: float, *, seed: int, setup: ASSimulationSetup | None = None
) -> dict[str, StrategyOutcome]:
    """Run the paper's experiment for risk aversion *gamma*; returns outcomes keyed by strategy name.

    All paths of both strategies advance together as numpy vectors, one decision step at a time (memory is
    O(paths)). *seed* seeds a `numpy.random.Generator`; the result is a deterministic function of
    ``(gamma, seed, setup)``.
    """
    require_positive("gamma", gamma)
    market = setup if setup is not None else ASSimulationSetup()
    n_steps, n_paths = market.n_steps, market.n_paths
    rng = np.random.default_rng(seed)
    mid_step = market.sigma * math.sqrt(market.dt)
    average_spread = time_averaged_spread(market.horizon, gamma=gamma, sigma=market.sigma, k=market.k)

    # One row per strategy (STRATEGIES order); every row sees the same mid path and the same fill draws.
    n_strategies = len(STRATEGIES)
    mid = np.full(n_paths, market.initial_mid)
    inventory = np.zeros((n_strategies, n_paths))
    cash = np.zeros((n_strategies, n_paths))
    quoted_spread_sum = np.zeros(n_strategies)
    for step in range(n_steps):
        time_left = market.horizon - step * market.dt
        centre = np.empty((n_strategies, n_paths))
        spread = np.empty((n_strategies, 1))
        centre[0] = reservation_price(mid, inventory[0], time_left, gamma=gamma, sigma=market.sigma)
        spread[0] = optimal_spread(time_left, gamma=gamma, sigma=market.sigma, k=market.k)
        centre[1] = mid
        spread[1] = average_spread
        quoted_spread_sum += spread[:, 0]
        bid = centre - 0.5 * spread
        ask = centre + 0.5 * spread
        bid_fill_probability = np.minimum(1.0, market.A * market.dt * np.exp(-market.k * (mid - bid)))
        ask_fill_probability = np.minimum(1.0, market.A * market.dt * np.exp(-market.k * (ask - mid)))
        bid_draw = rng.random(n_paths)
        ask_draw = rng.random(n_paths)
        bought = bid_draw < bid_fill_probability
        sold = ask_draw < ask_fill_probability
        inventory += bought
        inventory -= sold
        cash += np.where(sold, ask, 0.0) - np.where(bought, bid, 0.0)
        mid = mid + np.where(rng.random(n_paths) < 0.5, -mid_step, mid_step)
    profits = cash + inventory * mid
    return {
        strategy: StrategyOutcome(
            strategy=strategy,
            gamma=gamma,
            spread=average_spread,
            mean_quoted_spread=float(quoted_spread_sum[row] / n_steps),
            profits=profits[row].copy(),
            final_inventories=inventory[row].copy(),
        )
        for row, strategy in enumerate(STRATEGIES)
    }


def format_outcomes(outcomes: list[StrategyOutcome]) -> str:
    """The outcomes as a Markdown table in the paper's column order."""
    lines = [
        "| γ | strategy | spread | profit | std profit | q | std q |",
        "|---|---|---|---|---|---|---|",
    ]
    lines.extend(
        f"| {row.gamma:g} | {row.strategy} | {row.spread:.2f} | {row.mean_profit:.1f} | {row.std_profit:.1f} "
        f"| {row.mean_final_inventory:.2f} | {row.std_final_inventory:.1f} |"
        for row in outcomes
    )
    return "\n".join(lines)


def main(seed: int = 2008) -> None:
    """Print the reproduced table for the paper's three risk aversions (``python -m`` entry point)."""
    rows = [outcome for gamma in (0.1, 0.01, 1.0) for outcome in simulate_avellaneda_stoikov(gamma, seed=seed).values()]
    print(format_outcomes(rows))


if __name__ == "__main__":
    main()
