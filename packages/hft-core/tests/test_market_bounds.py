"""Bounded by design (issue #18): every market knob has a physically sensible range, a duration the simulated
market cannot hold is refused before it starts, the fair-value paths take one array's memory, and a market that
never formed a book is an error rather than an empty run marked complete."""

from __future__ import annotations

import json
import math
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hft_core import Strategy, create_scenario
from hft_core.cli._main import main
from hft_core.engine import Engine
from hft_core.errors import ConfigError, HftError
from hft_core.knobs import KnobSpec
from hft_core.markets import MAX_PRICE_TICKS, MarketConfig, PairMarketConfig, TwoVenueMarketConfig
from hft_core.venues.simulated.fair import MAX_FAIR_POINTS, check_fair_path, gbm_fair_values


def _numeric(config: type[MarketConfig]) -> list[KnobSpec]:
    return [spec for spec in config.knobs() if spec.kind in (int, float)]


@pytest.mark.parametrize("config", [MarketConfig, PairMarketConfig, TwoVenueMarketConfig])
def test_every_numeric_market_knob_is_bounded_on_both_sides(config: type[MarketConfig]) -> None:
    for spec in _numeric(config):
        knob = spec.knob
        assert knob.le is not None or knob.lt is not None, f"{spec.name} has no upper bound"
        assert knob.ge is not None or knob.gt is not None, f"{spec.name} has no lower bound"
        upper = knob.le if knob.le is not None else knob.lt
        assert upper is not None and math.isfinite(upper) and upper <= 1e10, spec.name


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"price": 1e300}, "'price' must be <= 1000000000"),
        ({"tick_size": 1e-300}, "'tick_size' must be >= 1e-09"),
        ({"lp_order_rate": 1e9}, "'lp_order_rate' must be <= 100000"),
        ({"noise_rate": 1e9}, "'noise_rate' must be <= 100000"),
        ({"entry_latency_ns": 10**15}, "'entry_latency_ns' must be <="),
        ({"maker_fee": 0.5}, "'maker_fee' must be <= 0.1"),
        ({"price": 0.05}, r"price \(0.05\) is 5 ticks of tick_size 0.01: a book needs between 10"),
        ({"price": 1e9, "tick_size": 1e-9}, r"a book needs between 10 and 1e\+12 ticks"),
    ],
)
def test_values_that_meant_unbounded_work_or_an_empty_market_are_refused(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        create_scenario("single-instrument", seed=1, duration_s=1.0, **overrides)


def test_the_price_in_ticks_keeps_float64_prices_exact() -> None:
    assert MAX_PRICE_TICKS * 100 < 2**53  # room for the fair path to wander a hundredfold


def test_the_second_price_of_a_pair_is_checked_too() -> None:
    with pytest.raises(ConfigError, match=r"price_b \(0.01\) is 1 ticks"):
        create_scenario("cointegrated-pair", seed=1, duration_s=1.0, price_b=0.01)


def test_a_duration_beyond_the_fair_path_is_refused_up_front_with_what_fits() -> None:
    with pytest.raises(ConfigError, match=r"a duration of 2e\+06 s needs 2e\+08 fair-value points.*335,544 s"):
        create_scenario("single-instrument", seed=1, duration_s=2e6)
    with pytest.raises(ConfigError, match="fair-value points"):
        create_scenario("cointegrated-pair", seed=1, duration_s=2e6)
    # a coarser fair-value step fits the same duration
    check_fair_path(2e6, 100_000_000)
    with pytest.raises(ValueError, match=r"raise scenario\.fair_step_ms"):
        check_fair_path(2e6, 10_000_000)
    longest_s = (MAX_FAIR_POINTS - 2) * 0.01
    check_fair_path(longest_s, 10_000_000)


def _gbm_as_one_formula(starts: list[float], vol: float, duration_s: float, step_ns: int, seed: int) -> np.ndarray:
    """The fair-value paths as the closed formula writes them (several temporary arrays)."""
    begin = np.asarray(starts)
    n_steps = math.ceil(duration_s * 1e9 / step_ns) + 1
    dt = step_ns / 1e9
    shocks = np.random.default_rng(seed).standard_normal((begin.size, n_steps))
    log_paths = np.zeros((begin.size, n_steps + 1))
    np.cumsum(-0.5 * vol**2 * dt + vol * math.sqrt(dt) * shocks, axis=1, out=log_paths[:, 1:])
    return np.asarray(begin[:, None] * np.exp(log_paths))


@pytest.mark.parametrize("starts", [[100.0], [100.0, 50.0, 0.3]])
def test_fair_paths_are_built_in_place_with_the_formulas_values(starts: list[float]) -> None:
    expected = _gbm_as_one_formula(starts, 4e-4, 120.0, 10_000_000, 7)
    tracemalloc.start()
    try:
        paths = gbm_fair_values(starts, 4e-4, 120.0, step_ns=10_000_000, seed=7)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert np.array_equal(paths.prices, expected)  # bit for bit: runs keep their values
    assert peak < 1.25 * paths.prices.nbytes  # one array, not five


def test_a_market_that_never_formed_a_book_is_an_error() -> None:
    empty = create_scenario(
        "single-instrument", seed=1, duration_s=3.0, lp_order_rate=1e-6, lp_lifetime_s=1e-3, noise_rate=0.0
    )
    with pytest.raises(HftError, match="the market never formed a book: SIM had no bid and ask"):
        Engine(Strategy(), empty).run()


def test_hft_run_on_a_market_without_a_book_ends_partial_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HFT_DEBUG", raising=False)
    out = tmp_path / "run"
    settings = ["scenario.lp_order_rate=1e-6", "scenario.lp_lifetime_s=0.001", "scenario.noise_rate=0"]
    # passive-mm's default market (btcusdt-perp) also has a quoting maker at the touch: switch it off too.
    settings += ["scenario.mm_requote_rate=0"]
    with pytest.raises(SystemExit) as exited:
        main(["run", "passive-mm", "--duration", "3", "-q", "--out", str(out), "--set", *settings])
    assert exited.value.code != 0
    err = capsys.readouterr().err
    assert "never formed a book" in err and "Traceback" not in err
    meta = json.loads((out / "run.json").read_text())
    assert meta["status"] == "partial" and "never formed a book" in meta["reason"]
