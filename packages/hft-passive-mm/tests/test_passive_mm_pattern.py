"""The passive-mm pattern: its declared parameters, the shipped Config.toml and building each model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hft_core import ConfigError, backtest
from hft_core.config import load_toml, resolve_config
from hft_passive_mm.plugin import PASSIVE_MM
from hft_passive_mm.strategy import PassiveMarketMaker

CONFIG = Path(__file__).resolve().parents[1] / "Config.toml"


def test_config_toml_lists_every_parameter_at_its_default() -> None:
    values = load_toml(CONFIG)
    assert set(values) == {p.name for p in PASSIVE_MM.parameters}
    assert resolve_config(PASSIVE_MM, file_values=values, file_label=str(CONFIG)) == PASSIVE_MM.defaults()


def test_original_pattern_defaults() -> None:
    defaults = PASSIVE_MM.defaults()
    assert (defaults["half_spread"], defaults["size"], defaults["inv_limit"]) == (0.25, 1.0, 10.0)
    assert (defaults["inv_spread_mult"], defaults["tick_ms"], defaults["model"]) == (2.0, 50, "inventory-skew")


@pytest.mark.parametrize("model", ["inventory-skew", "avellaneda-stoikov", "glft", "glft-approx", "imbalance-skew"])
def test_every_model_builds_from_the_pattern_parameters(model: str) -> None:
    params = resolve_config(PASSIVE_MM, assignments=[f"model={model}", "sigma=0.05"])
    strategy = PassiveMarketMaker.from_params(params)
    assert strategy.model.name == model


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("model=garch", "'model' must be one of"),
        ("tick_ms=0", "'tick_ms' must be >= 1"),
        ("half_spread=wide", "'half_spread' expects float, got 'wide'"),
        ("gama=0.1", "did you mean 'gamma'"),
    ],
)
def test_bad_settings_are_specific(assignment: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_config(PASSIVE_MM, assignments=[assignment])


def test_inventory_limit_below_size_is_rejected() -> None:
    params = resolve_config(PASSIVE_MM, assignments=["inv_limit=0.5", "size=1"])
    with pytest.raises(ValueError, match="inv_limit"):
        PassiveMarketMaker.from_params(params)


@pytest.mark.parametrize("seed", [3, 7])
def test_quotes_follow_the_market_not_the_strategys_own_orders(seed: int) -> None:
    """On the simulated market a side of the book sometimes holds only our quote. The models quote around the
    others' mid, so Avellaneda-Stoikov with its σ estimated online stays at the market (quoting around the book's
    mid, it chased its own quote up to ten-digit prices, and background market orders filled it there)."""
    params = resolve_config(PASSIVE_MM, assignments=["model=avellaneda-stoikov", "gamma=0.1"])
    strategy = PASSIVE_MM.strategy_factory(dict(params))
    market: dict[str, Any] = dict(PASSIVE_MM.scenario_params)  # (its thin book: sides often empty but for us)
    result = backtest(strategy, scenario=PASSIVE_MM.default_scenario, seed=seed, **market)
    prices = result.fills["price"]
    assert len(prices) > 100
    assert prices.between(90, 110).all() and result.equity["mid"].between(90, 110).all()
