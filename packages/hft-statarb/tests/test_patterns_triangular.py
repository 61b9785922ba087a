"""triangular-arb on the triangle market: it fires only cycles that pay after fees, and their fills prove it."""

from __future__ import annotations

import pandas as pd
import pytest
from hft_core import BacktestResult, ConfigError, backtest
from hft_statarb.config import TriangularConfig
from hft_statarb.plugin import TRIANGLE
from hft_statarb.strategies.triangular import TriangularArbitrageur, _cycle_paths, cycle_rate_from_fills

SEED = 2
DURATION_S = 120.0
TAKER_FEE = 0.0001  # the triangle scenario's default


def _run(config: TriangularConfig | None = None, **overrides: object) -> tuple[TriangularArbitrageur, BacktestResult]:
    strategy = TriangularArbitrageur(config)
    return strategy, backtest(strategy, venue=TRIANGLE(SEED, DURATION_S, **overrides))


@pytest.fixture(scope="module")
def default_run() -> tuple[TriangularArbitrageur, BacktestResult]:
    return _run()


def _average_prices(fills: pd.DataFrame, order_ids: tuple[int, int, int]) -> list[float] | None:
    prices = []
    for order_id in order_ids:
        leg = fills[fills["order_id"] == order_id]
        if leg.empty:
            return None
        prices.append(float((leg["price"] * leg["qty"]).sum() / leg["qty"].sum()))
    return prices


def test_fires_cycles_and_every_filled_cycle_pays_after_fees(
    default_run: tuple[TriangularArbitrageur, BacktestResult],
) -> None:
    strategy, result = default_run
    assert result.stats["orders"] > 0 and result.stats["rejected"] == 0
    assert len(strategy.cycles) >= 10
    rates = []
    for cycle in strategy.cycles:
        assert cycle.top_of_book_rate > 1.0 + 1e-4  # min_edge_bp = 1 on the screen
        assert cycle.planned_profit > 0 and cycle.planned_rate > 1.0
        prices = _average_prices(result.fills, cycle.order_ids)
        if prices is not None:
            rates.append(cycle_rate_from_fills(cycle.sides, prices, [TAKER_FEE] * 3))
    assert len(rates) >= 0.8 * len(strategy.cycles)
    assert min(rates) > 1.0


def test_fills_respect_the_planned_limits(default_run: tuple[TriangularArbitrageur, BacktestResult]) -> None:
    strategy, result = default_run
    fills = result.fills.set_index("order_id")
    checked = 0
    for cycle in strategy.cycles:
        for order_id, side, limit in zip(cycle.order_ids, cycle.sides, cycle.limit_prices, strict=True):
            if order_id not in fills.index:
                continue
            prices = fills.loc[[order_id], "price"]
            assert (prices <= limit + 1e-12).all() if side == "buy" else (prices >= limit - 1e-12).all()
            checked += 1
    assert checked >= len(strategy.cycles)


def test_makes_money_in_the_start_currency(default_run: tuple[TriangularArbitrageur, BacktestResult]) -> None:
    strategy, result = default_run
    marked = [line for line in result.logs if "marked PnL" in line]
    assert len(marked) == 1
    assert float(marked[0].split("marked PnL ")[1].split()[0]) > 0
    assert abs(strategy.balances["BTC"]) < 0.001 and abs(strategy.balances["ETH"]) < 0.01  # unwound


def test_no_cycle_fires_when_fees_eat_the_mispricing() -> None:
    strategy, result = _run(taker_fee=0.002)
    assert strategy.checks > 1000
    assert strategy.cycles == [] and result.stats["orders"] == 0


@pytest.mark.parametrize(
    ("symbols", "message"),
    [
        (("BTC/USDT", "ETH/USDT"), "exactly three books"),
        (("BTCUSDT", "ETH/USDT", "ETH/BTC"), "BASE/QUOTE symbols"),
        (("BTC/USDT", "ETH/USDT", "SOL/USDT"), "do not form a triangle"),
    ],
)
def test_books_that_are_not_a_triangle_are_refused(symbols: tuple[str, ...], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _cycle_paths(symbols, "USDT")


def test_start_currency_must_be_traded() -> None:
    with pytest.raises(ConfigError, match="start_currency 'EUR' is not traded"):
        _cycle_paths(("BTC/USDT", "ETH/USDT", "ETH/BTC"), "EUR")
