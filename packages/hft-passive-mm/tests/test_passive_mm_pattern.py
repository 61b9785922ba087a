"""The passive-mm pattern: its knobs, the shipped Config.toml and docs table, building each model, sane scale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hft_core import ConfigError, Distance, Size, backtest
from hft_core.config import load_toml
from hft_core.data.samples import shared_data_path
from hft_core.knobs import markdown_table
from hft_passive_mm.config import PassiveMMConfig
from hft_passive_mm.plugin import PASSIVE_MM
from hft_passive_mm.strategy import PassiveMarketMaker

PACKAGE = Path(__file__).resolve().parents[1]
CONFIG = PACKAGE / "Config.toml"
DOCS = PACKAGE.parents[1] / "docs" / "passive-mm.md"
GENERIC_MARKET: dict[str, Any] = {
    "tick_size": 0.05,
    "volatility": 4e-4,
    "lp_half_spread_ticks": 1.0,
    "lp_distance_ticks": 2.0,
    "lp_order_rate": 5.0,
    "lp_size_max": 3,
    "noise_rate": 3.0,
    "noise_size_max": 20,
}
"""A generic ``single-instrument`` market near 100 where quotes a few ticks from the mid trade (passive-mm's
default market before the calibrated ``btcusdt-perp``): a 0.05 tick, a thinner book and larger takers."""


def _hft(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "hft_core", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_config_toml_is_the_generated_starting_config() -> None:
    """Config.toml is `hft info passive-mm --toml`, so it cannot drift from the knobs it lists."""
    assert CONFIG.read_text() == _hft("info", "passive-mm", "--toml")
    assert PassiveMMConfig().updated(load_toml(CONFIG), source=str(CONFIG)) == PassiveMMConfig()


def test_docs_table_is_the_generated_one() -> None:
    assert markdown_table(PassiveMMConfig.knobs()) in DOCS.read_text()


def test_defaults_are_scale_free() -> None:
    defaults = PassiveMMConfig()
    assert (defaults.half_spread, defaults.size, defaults.inv_limit) == (
        Distance(5, "ticks"),
        Size(1, "lots"),
        Size(10, "lots"),
    )
    assert (defaults.inv_spread_mult, defaults.tick_ms, defaults.model) == (2.0, 50, "inventory-skew")


@pytest.mark.parametrize("model", ["inventory-skew", "avellaneda-stoikov", "glft", "glft-approx", "imbalance-skew"])
def test_every_model_builds_from_the_pattern_config(model: str) -> None:
    config = PassiveMMConfig().updated(assignments=[f"model={model}", "sigma=0.05"])
    strategy = PASSIVE_MM.build(config)
    assert isinstance(strategy, PassiveMarketMaker)
    result = backtest(strategy, duration_s=2.0, tick_size=0.05)
    assert strategy.model(100.0).name == model and result.stats["orders"] > 0


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("model=garch", "'model' must be one of"),
        ("tick_ms=0", "'tick_ms' must be >= 1, got 0"),
        ("half_spread=wide", "'half_spread' expected a price distance"),
        ("size=0", "'size' must be > 0, got 0.0"),
        ("gamma=0", "'gamma' must be > 0, got 0.0"),
        ("gama=0.1", "did you mean 'gamma'"),
    ],
)
def test_bad_settings_are_specific(assignment: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        PassiveMMConfig().updated(assignments=[assignment])


def test_inventory_limit_below_size_is_rejected() -> None:
    with pytest.raises(ConfigError, match=r"inv_limit \(0.5\) must be >= size \(1\)"):
        PassiveMMConfig().updated(assignments=["inv_limit=0.5", "size=1"])
    # in different units the check needs the instrument: it happens before the run starts
    mixed = PassiveMMConfig().updated(assignments=["inv_limit=0.5", "size=1lots"])
    with pytest.raises(ConfigError, match=r"inv_limit \(0.5 = 0.5\) must be >= size \(1lots = 1\) on SIM"):
        backtest(PassiveMarketMaker(mixed), duration_s=1.0)


@pytest.mark.parametrize("seed", [3, 7])
def test_quotes_follow_the_market_not_the_strategys_own_orders(seed: int) -> None:
    """On the simulated market a side of the book sometimes holds only our quote. The models quote around the
    others' mid, so Avellaneda-Stoikov with its σ estimated online stays at the market (quoting around the book's
    mid, it chased its own quote up to ten-digit prices, and background market orders filled it there). On a
    generic market near 100, where γ = 0.1 per price unit makes a spread of a few ticks."""
    config = PassiveMMConfig().updated({"model": "avellaneda-stoikov", "gamma": 0.1})
    result = backtest(PASSIVE_MM.build(config), scenario="single-instrument", seed=seed, **GENERIC_MARKET)
    prices = result.fills["price"]
    assert len(prices) > 100
    assert prices.between(90, 110).all() and result.equity["mid"].between(90, 110).all()


@pytest.mark.slow
def test_defaults_replayed_on_the_binance_perp_stay_small() -> None:
    """The defaults on BTCUSDT (tick 0.1 USDT, lot 0.001 BTC): 1 lot a quote, at most 10 lots of inventory,
    quotes 5 ticks from the mid — not the multi-BTC position plain-unit defaults built in seconds."""
    capture = shared_data_path("binance-2024-08-08/usdm_btcusdt_20240808.gz")
    result = backtest("passive-mm", data=capture, duration_s=60.0)
    assert result.stats["fills"] > 0
    assert set(result.fills["qty"].round(9)) == {0.001}
    assert result.fills["position"].abs().max() <= 0.010 + 1e-12
    prices = result.orders["price"].to_numpy()
    mids = result.equity["mid"]
    assert abs(float(prices.mean()) - float(mids.mean())) < 50  # quoting near the market, in USDT


def test_a_zero_half_spread_is_refused_by_the_knob_not_by_the_model() -> None:
    # (it passed the knob's >= 0 and then the model raised a bare ValueError: a traceback at `hft run`)
    with pytest.raises(ConfigError, match="'half_spread' must be > 0"):
        PassiveMMConfig().updated({"half_spread": "0ticks"})
