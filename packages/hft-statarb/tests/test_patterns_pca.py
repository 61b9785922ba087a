"""statarb-pca on the factor-universe market: it trades single names and its hedge removes factor exposure."""

from __future__ import annotations

import numpy as np
import pytest
from hft_core import BacktestResult, ConfigError, backtest
from hft_statarb.config import PcaConfig
from hft_statarb.plugin import FACTOR_UNIVERSE
from hft_statarb.scenarios import factor_universe_loadings
from hft_statarb.strategies.pca import PcaResidualTrader

SEED = 1
DURATION_S = 200.0
N_NAMES = 8


def _run(config: PcaConfig) -> tuple[PcaResidualTrader, BacktestResult]:
    strategy = PcaResidualTrader(config)
    return strategy, backtest(strategy, venue=FACTOR_UNIVERSE(SEED, DURATION_S, n_names=N_NAMES))


@pytest.fixture(scope="module")
def hedged() -> tuple[PcaResidualTrader, BacktestResult]:
    return _run(PcaConfig())


@pytest.fixture(scope="module")
def unhedged() -> tuple[PcaResidualTrader, BacktestResult]:
    return _run(PcaConfig(hedge_factors=False))


def _relative_exposure(result: BacktestResult) -> float:
    """Mean |true market-factor exposure| of the held dollar book over its mean gross dollars."""
    equity = result.equity.assign(dollars=result.equity["position"] * result.equity["mid"])
    book = equity.pivot_table(index="ts", columns="instrument", values="dollars").fillna(0.0)
    _, loadings = factor_universe_loadings(SEED, N_NAMES)
    dollars = book[[f"S{i + 1:02d}" for i in range(N_NAMES)]].to_numpy()
    gross = np.abs(dollars).sum(axis=1)
    held = gross > 0
    return float(np.abs(dollars[held] @ loadings[:, 0]).mean() / gross[held].mean())


def test_trades_single_names_on_their_s_scores(hedged: tuple[PcaResidualTrader, BacktestResult]) -> None:
    strategy, result = hedged
    assert result.stats["orders"] > 0 and result.stats["rejected"] == 0
    assert strategy.entries >= 10
    assert strategy.fits >= DURATION_S - strategy.config.warmup_s - 2
    traded = set(result.fills["instrument"])
    assert len(traded) >= N_NAMES // 2
    changes = [line for line in result.logs if "signal" in line and "-> +1" in line]
    # A long entry happens only below the open-long threshold (Avellaneda–Lee: s < −1.25).
    assert changes and all(float(line.split("s=")[1].split()[0]) < -1.25 for line in changes)


def test_factor_hedge_cuts_the_books_market_exposure(
    hedged: tuple[PcaResidualTrader, BacktestResult], unhedged: tuple[PcaResidualTrader, BacktestResult]
) -> None:
    hedged_exposure = _relative_exposure(hedged[1])
    unhedged_exposure = _relative_exposure(unhedged[1])
    assert hedged_exposure < 0.6 * unhedged_exposure
    assert hedged[0].last_factor_exposure < 1e-6


def test_more_factors_than_names_is_a_config_error() -> None:
    strategy = PcaResidualTrader(PcaConfig(n_factors=3))
    with pytest.raises(ConfigError, match="needs more than 3 instruments"):
        backtest(strategy, venue=FACTOR_UNIVERSE(SEED, 5.0, n_names=3))
