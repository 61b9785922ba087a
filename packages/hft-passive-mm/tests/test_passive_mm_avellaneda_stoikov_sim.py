"""Reproduce the results table of Avellaneda & Stoikov (2008), Quantitative Finance 8(3), numerical simulations.

Published values: the journal version's table (as transcribed in the project's references). Two checks:

* at the paper's own sample size (1000 paths, seed pinned a priori to 2008), each published number is
  compared with tolerances that allow for the paper's Monte Carlo error: mean profit within 3 standard errors
  plus the half-unit of rounding, standard deviations within 10 %, spread equal to 2 decimals;
* with 20 000 paths our statistics are close to their expectations, and every published number must then be
  a plausible 1000-path draw: within 3 sampling standard errors *of a 1000-path statistic* (standard error of
  a standard deviation from the sample kurtosis, delta method) plus the rounding half-unit.

The second check does not depend on the seed: across 40 seeds the worst published number sat 2.2 such
standard errors away (the symmetric strategy's std(profit), which the paper prints 5-7 % below the model's
expectation at γ = 0.1 and 0.01). At 1000 paths that gap makes the 10 % check fail for 14-19 % of seeds;
seed 2008 is not one of them.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest
from hft_passive_mm.avellaneda_stoikov_sim import (
    STRATEGIES,
    ASSimulationSetup,
    StrategyOutcome,
    format_outcomes,
    simulate_avellaneda_stoikov,
)

GAMMAS = (0.1, 0.01, 1.0)

# (γ, strategy) -> (spread, mean profit, std profit, mean final q, std final q), journal version.
PUBLISHED: dict[tuple[float, str], tuple[float, float, float, float, float]] = {
    (0.1, "inventory"): (1.49, 65.0, 6.6, 0.08, 2.9),
    (0.1, "symmetric"): (1.49, 68.4, 12.7, 0.26, 8.4),
    (0.01, "inventory"): (1.35, 68.6, 8.7, 0.12, 5.1),
    (0.01, "symmetric"): (1.35, 68.8, 12.8, 0.09, 8.7),
    (1.0, "inventory"): (3.02, 31.4, 5.0, 0.02, 1.7),
    (1.0, "symmetric"): (3.02, 44.0, 11.0, 0.00, 5.1),
}
ONE_DECIMAL_ROUNDING = 0.05
TWO_DECIMAL_ROUNDING = 0.005
PAPER_PATHS = 1000


def _std_standard_error(sample: npt.NDArray[np.float64], n: int) -> float:
    """Sampling standard error of the standard deviation of *n* draws from the distribution of *sample*."""
    centred = sample - sample.mean()
    variance = float(np.mean(centred**2))
    kurtosis = float(np.mean(centred**4)) / variance**2
    return math.sqrt(variance * (kurtosis - 1.0) / (4.0 * n))


@pytest.fixture(scope="module")
def paper_size_runs() -> dict[tuple[float, str], StrategyOutcome]:
    return {
        (gamma, strategy): outcome
        for gamma in GAMMAS
        for strategy, outcome in simulate_avellaneda_stoikov(gamma, seed=2008).items()
    }


@pytest.fixture(scope="module")
def large_runs() -> dict[tuple[float, str], StrategyOutcome]:
    setup = ASSimulationSetup(n_paths=20_000)
    return {
        (gamma, strategy): outcome
        for gamma in GAMMAS
        for strategy, outcome in simulate_avellaneda_stoikov(gamma, seed=11, setup=setup).items()
    }


@pytest.mark.parametrize("key", list(PUBLISHED))
def test_reproduces_journal_table_at_paper_sample_size(
    paper_size_runs: dict[tuple[float, str], StrategyOutcome], key: tuple[float, str]
) -> None:
    spread, profit, std_profit, final_q, std_q = PUBLISHED[key]
    outcome = paper_size_runs[key]
    assert outcome.n_paths == PAPER_PATHS
    assert round(outcome.spread, 2) == spread
    assert abs(outcome.mean_profit - profit) <= 3 * outcome.profit_standard_error + ONE_DECIMAL_ROUNDING
    assert outcome.std_profit == pytest.approx(std_profit, rel=0.10)
    assert abs(outcome.mean_final_inventory - final_q) <= (3 * outcome.inventory_standard_error + TWO_DECIMAL_ROUNDING)
    assert outcome.std_final_inventory == pytest.approx(std_q, rel=0.10)


@pytest.mark.parametrize("key", list(PUBLISHED))
def test_published_numbers_are_plausible_1000_path_draws(
    large_runs: dict[tuple[float, str], StrategyOutcome], key: tuple[float, str]
) -> None:
    _, profit, std_profit, final_q, std_q = PUBLISHED[key]
    outcome = large_runs[key]
    n = PAPER_PATHS
    assert abs(outcome.mean_profit - profit) <= 3 * outcome.std_profit / math.sqrt(n) + ONE_DECIMAL_ROUNDING
    assert abs(outcome.std_profit - std_profit) <= (3 * _std_standard_error(outcome.profits, n) + ONE_DECIMAL_ROUNDING)
    assert abs(outcome.mean_final_inventory - final_q) <= (
        3 * outcome.std_final_inventory / math.sqrt(n) + TWO_DECIMAL_ROUNDING
    )
    assert abs(outcome.std_final_inventory - std_q) <= (
        3 * _std_standard_error(outcome.final_inventories, n) + ONE_DECIMAL_ROUNDING
    )


@pytest.mark.parametrize("gamma", GAMMAS)
def test_symmetric_mean_profit_matches_its_closed_form(
    large_runs: dict[tuple[float, str], StrategyOutcome], gamma: float
) -> None:
    # The mid is a martingale independent of the fills, so E[Σ q·ΔS] = 0 and the expected profit is the
    # expected spread capture: steps · 2 · P(fill) · δ with δ = spread/2 on each side.
    setup = ASSimulationSetup()
    half_spread = 0.5 * (gamma * setup.sigma**2 * setup.horizon / 2 + (2 / gamma) * math.log(1 + gamma / setup.k))
    fill_probability = setup.A * math.exp(-setup.k * half_spread) * setup.dt
    expected = setup.n_steps * 2 * fill_probability * half_spread
    outcome = large_runs[(gamma, "symmetric")]
    assert abs(outcome.mean_profit - expected) <= 3 * outcome.profit_standard_error
    # ... and the paper's printed value is within its own 1000-path error of that expectation.
    published = PUBLISHED[(gamma, "symmetric")][1]
    assert abs(published - expected) <= 3 * outcome.std_profit / math.sqrt(PAPER_PATHS) + ONE_DECIMAL_ROUNDING


@pytest.mark.parametrize("gamma", GAMMAS)
def test_spread_column_is_the_continuous_time_average(
    paper_size_runs: dict[tuple[float, str], StrategyOutcome], gamma: float
) -> None:
    setup = ASSimulationSetup()
    inventory = paper_size_runs[(gamma, "inventory")]
    symmetric = paper_size_runs[(gamma, "symmetric")]
    assert inventory.spread == symmetric.spread
    assert symmetric.mean_quoted_spread == pytest.approx(symmetric.spread, abs=1e-12)
    # The 200-step grid t = 0, dt, …, T - dt over-weights the early, wider spreads by γσ²dt/2.
    grid_excess = gamma * setup.sigma**2 * setup.dt / 2
    assert inventory.mean_quoted_spread - inventory.spread == pytest.approx(grid_excess, abs=1e-12)


def test_grid_average_would_misprint_the_gamma_one_spread(
    paper_size_runs: dict[tuple[float, str], StrategyOutcome],
) -> None:
    # Why the spread column is read as the continuous average: at γ = 1 the grid average rounds to 3.03.
    outcome = paper_size_runs[(1.0, "inventory")]
    assert round(outcome.mean_quoted_spread, 2) == 3.03
    assert round(outcome.spread, 2) == PUBLISHED[(1.0, "inventory")][0] == 3.02


@pytest.mark.parametrize("gamma", GAMMAS)
def test_inventory_strategy_trades_profit_for_lower_risk(
    large_runs: dict[tuple[float, str], StrategyOutcome], gamma: float
) -> None:
    inventory = large_runs[(gamma, "inventory")]
    symmetric = large_runs[(gamma, "symmetric")]
    assert inventory.std_profit < symmetric.std_profit
    assert inventory.std_final_inventory < symmetric.std_final_inventory
    assert inventory.mean_profit < symmetric.mean_profit


def test_same_seed_same_paths_and_different_seed_different_paths() -> None:
    setup = ASSimulationSetup(n_paths=50)
    first = simulate_avellaneda_stoikov(0.1, seed=3, setup=setup)
    again = simulate_avellaneda_stoikov(0.1, seed=3, setup=setup)
    other = simulate_avellaneda_stoikov(0.1, seed=4, setup=setup)
    for strategy in STRATEGIES:
        np.testing.assert_array_equal(first[strategy].profits, again[strategy].profits)
        np.testing.assert_array_equal(first[strategy].final_inventories, again[strategy].final_inventories)
        assert not np.array_equal(first[strategy].profits, other[strategy].profits)


def test_no_fills_means_zero_profit_and_inventory() -> None:
    setup = ASSimulationSetup(A=1e-12, n_paths=100)
    for outcome in simulate_avellaneda_stoikov(0.1, seed=5, setup=setup).values():
        np.testing.assert_array_equal(outcome.final_inventories, 0.0)
        np.testing.assert_array_equal(outcome.profits, 0.0)


def test_both_sides_fill_in_one_step_one_unit_each_at_the_quoted_prices() -> None:
    # With A·dt·exp(-k·δ) far above 1 both quotes fill at every step: inventory never moves, and each step
    # earns exactly the quoted spread (one unit bought at the bid, one sold at the ask), whatever the mid does.
    setup = ASSimulationSetup(A=1e6, n_paths=20)
    for outcome in simulate_avellaneda_stoikov(0.1, seed=6, setup=setup).values():
        np.testing.assert_array_equal(outcome.final_inventories, 0.0)
        np.testing.assert_allclose(outcome.profits, setup.n_steps * outcome.mean_quoted_spread, rtol=1e-12)


def test_format_outcomes_renders_the_paper_columns(
    paper_size_runs: dict[tuple[float, str], StrategyOutcome],
) -> None:
    table = format_outcomes([paper_size_runs[(0.1, "inventory")]])
    header, _, row = table.splitlines()
    assert header == "| γ | strategy | spread | profit | std profit | q | std q |"
    assert row.startswith("| 0.1 | inventory | 1.49 |")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sigma": 0.0}, "sigma must be > 0"),
        ({"k": -1.0}, "k must be > 0"),
        ({"A": float("nan")}, "A must be a finite number"),
        ({"dt": 2.0}, "must not exceed the horizon"),
        ({"n_paths": 1}, "n_paths must be an integer >= 2"),
    ],
)
def test_setup_validation(change: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ASSimulationSetup(**change)  # type: ignore[arg-type]


def test_gamma_must_be_positive() -> None:
    with pytest.raises(ValueError, match="gamma must be > 0"):
        simulate_avellaneda_stoikov(0.0, seed=1)
