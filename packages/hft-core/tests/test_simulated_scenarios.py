"""Named scenarios: each builds and runs, overrides are checked, and each has the structure its name promises."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hft_core import create_scenario
from hft_core.errors import ConfigError
from hft_core.events import BUY, SELL
from hft_core.knobs import markdown_table
from hft_core.markets import MarketConfig, PairMarketConfig, TwoVenueMarketConfig
from hft_core.matching import OrderStatus, OrderType
from hft_core.plugins import PluginHost
from hft_core.scenarios import BUILTIN_SCENARIOS, DEFAULT_SCENARIO, Scenario
from hft_core.venues.base import Venue, Watch
from hft_core.venues.simulated import SimulatedVenue


def simulated_market(name: str, **arguments: Any) -> SimulatedVenue:
    """A built-in scenario by name (`hft_core.create_scenario`), as the simulated venue it is."""
    venue = create_scenario(name, **arguments)
    assert isinstance(venue, SimulatedVenue)
    return venue


SECOND = 1_000_000_000
MS = 1_000_000

EXPECTED_MARKETS = {
    "single-instrument": [("SIM", "sim")],
    "btcusdt-perp": [("SIM", "sim")],
    "cointegrated-pair": [("SIMA", "sim"), ("SIMB", "sim")],
    "two-venues": [("SIM", "fast"), ("SIM", "slow")],
    "reactive": [("SIM", "sim")],
}


def advance_to(venue: SimulatedVenue, until: int) -> None:
    while venue.advance(until, Watch()).now < until:
        pass


def get_scenario(name: str) -> Scenario:
    return next(scenario for scenario in BUILTIN_SCENARIOS if scenario.name == name)


def test_registry_lists_the_scenarios() -> None:
    assert sorted(s.name for s in BUILTIN_SCENARIOS) == sorted(EXPECTED_MARKETS)
    assert DEFAULT_SCENARIO == "single-instrument"
    assert list(PluginHost(discover=False).scenarios()) == [s.name for s in BUILTIN_SCENARIOS]


@pytest.mark.parametrize("name", sorted(EXPECTED_MARKETS))
def test_every_scenario_builds_and_runs(name: str) -> None:
    scenario = get_scenario(name)
    assert scenario.summary and all(spec.help for spec in scenario.knobs())
    venue: Venue = scenario(seed=3, duration_s=5.0)
    assert isinstance(venue, SimulatedVenue)
    label = scenario.base().to_dict().get("market_label", "")
    assert venue.name == f"simulated:{name}" + (f" [{label}]" if label else "") and venue.simulated
    assert [(i.symbol, i.venue) for i in venue.instruments] == EXPECTED_MARKETS[name]
    start = venue.start()
    for index in range(len(venue.instruments)):
        top = venue.top(index)
        assert top.bid_price is not None and top.ask_price is not None and top.bid_price < top.ask_price
    step = venue.advance(start + 60 * SECOND, Watch())
    assert step.finished and step.now == start + 5 * SECOND and venue.progress() == 1.0
    traded = sum(stats.bought for stats in venue.participant_stats())
    assert traded > 0


def test_unknown_scenario_and_unknown_keys_are_config_errors() -> None:
    with pytest.raises(ConfigError, match=r"unknown market scenario 'nope'.*single-instrument"):
        simulated_market("nope", seed=1)
    with pytest.raises(ConfigError, match=r"unknown key 'lp_rate'.*did you mean 'lp_order_rate'"):
        simulated_market("single-instrument", seed=1, lp_rate=3.0)
    with pytest.raises(ConfigError, match="slow_feed_latency_ns"):
        simulated_market("single-instrument", seed=1, slow_feed_latency_ns=3)  # a two-venues key only


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lp_size_max": 2.5}, "'lp_size_max' expects int, got float 2.5"),
        ({"price": True}, "'price' expects float, got bool True"),
        ({"price": float("inf")}, "'price' must be a finite number"),
        ({"record": 1}, "'record' expects bool, got int 1"),
        ({"lp_order_rate": -1.0}, "'lp_order_rate' must be > 0, got -1.0"),
        ({"lp_size_min": 5, "lp_size_max": 2}, r"lp_size_min \(5\) must be <= lp_size_max \(2\)"),
        ({"fair_step_ms": 0}, "'fair_step_ms' must be >= 1, got 0"),
        ({"entry_latency_ns": -1}, "'entry_latency_ns' must be >= 0, got -1"),
        ({"tick_size": 0.0}, "'tick_size' must be >= 1e-09, got 0.0"),
    ],
)
def test_bad_override_values_are_config_errors(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        simulated_market("single-instrument", seed=1, duration_s=1.0, **overrides)


def test_seed_and_duration_are_checked() -> None:
    with pytest.raises(ConfigError, match="seed"):
        simulated_market("single-instrument", seed=-1)
    with pytest.raises(ConfigError, match="duration_s"):
        simulated_market("single-instrument", seed=1, duration_s=0.0)


def test_overrides_reach_the_market() -> None:
    scenario = get_scenario("single-instrument")
    resolved = scenario.resolve({"price": 50, "tick_size": 0.05})
    assert resolved.price == 50.0 and isinstance(resolved.price, float)  # type: ignore[attr-defined]
    venue = scenario(seed=2, duration_s=5.0, price=50, tick_size=0.05, entry_latency_ns=123_000, noise_rate=0.0)
    assert isinstance(venue, SimulatedVenue)
    instrument = venue.instruments[0]
    assert instrument.tick_size == 0.05 and instrument.fees.taker == pytest.approx(0.00003)
    start = venue.start()
    top = venue.top(0)
    assert top.bid_price is not None and 980 < top.bid_price < 1_020  # 50.00 / 0.05 = 1000 ticks
    assert all(stats.kind != "noise-taker" for stats in venue.participant_stats())
    venue.submit(start, 0, 1, BUY, OrderType.LIMIT, top.bid_price - 30, 1)
    step = venue.advance(start + SECOND, Watch())
    assert step.now == start + 123_000 + 20_000 and step.reports[0].status == OrderStatus.ACCEPTED


def test_default_scenario_gives_a_passive_quoter_plenty_of_fills_quickly() -> None:
    began = time.perf_counter()
    venue = simulated_market(DEFAULT_SCENARIO, seed=4)
    now = venue.start()
    next_id, fills, position = 0, 0, 0
    live: dict[int, int | None] = {BUY: None, SELL: None}
    quoted: dict[int, int] = {}
    cancelling: set[int] = set()
    while True:
        step = venue.advance(now + SECOND, Watch(book=(True,), book_from=now + 50 * MS))
        now = step.now
        if step.finished:
            break
        for report in step.reports:
            if report.fill_qty:
                fills += 1
                position += report.side * report.fill_qty
            if report.leaves == 0 and report.status not in (OrderStatus.ACCEPTED, OrderStatus.MODIFIED):
                live = {side: None if order == report.order_id else order for side, order in live.items()}
        top = venue.top(0)
        for side, price in ((BUY, top.bid_price), (SELL, top.ask_price)):
            order_id = live[side]
            if price is None:
                continue
            if order_id is None and abs(position + side) <= 20:
                next_id += 1
                venue.submit(now, 0, next_id, side, OrderType.LIMIT, price, 1)
                live[side], quoted[next_id] = next_id, price
            elif order_id is not None and quoted[order_id] != price and order_id not in cancelling:
                venue.cancel(now, 0, order_id)
                cancelling.add(order_id)
    elapsed = time.perf_counter() - began
    assert 30 <= fills <= 2_000
    assert elapsed < 30.0  # about half a second on a laptop; generous for slow CI machines


def test_cointegrated_pair_fair_values_share_a_stationary_spread() -> None:
    venue = simulated_market("cointegrated-pair", seed=5, duration_s=300.0, volatility=1e-3, spread_std=0.001)
    start = venue.start()
    log_a, log_b, mid_ratio = [], [], []
    for k in range(1, 301):
        advance_to(venue, start + k * SECOND)
        log_a.append(math.log(venue.fair_price(0)))
        log_b.append(math.log(venue.fair_price(1)))
        engine_a, engine_b = venue.exchange_engine(0), venue.exchange_engine(1)
        mid_a = (engine_a.best_bid() or 0) + (engine_a.best_ask() or 0)
        mid_b = (engine_b.best_bid() or 0) + (engine_b.best_ask() or 0)
        mid_ratio.append(mid_b / mid_a)
    spread = np.array(log_b) - np.array(log_a) - math.log(50.0 / 100.0)
    assert np.std(spread) < 0.003 and abs(np.mean(spread)) < 0.003
    assert np.std(log_a) > 3 * np.std(spread)  # the legs wander; their spread does not
    assert np.mean(mid_ratio) == pytest.approx(0.5, rel=0.01)


def test_two_venues_slow_participants_see_fair_value_late_and_latencies_differ() -> None:
    delay = 40 * MS
    venue = simulated_market("two-venues", seed=6, duration_s=20.0, volatility=1e-3, slow_fair_delay_ns=delay)
    start = venue.start()
    for k in range(1, 30):
        probe = start + k * 311 * MS
        advance_to(venue, probe)
        fast_then = venue.fair_price(0)
        advance_to(venue, probe + delay)
        assert venue.fair_price(1) == fast_then
    now = venue.now
    for index in (0, 1):
        bid = venue.top(index).bid_price
        assert bid is not None
        venue.submit(now, index, 1, BUY, OrderType.LIMIT, bid - 30, 1)
    first = venue.advance(now + SECOND, Watch())
    second = venue.advance(now + SECOND, Watch())
    assert (first.now, [r.instrument for r in first.reports]) == (now + 20_000, [0])
    assert (second.now, [r.instrument for r in second.reports]) == (now + 600_000, [1])


def test_docs_tables_are_the_declared_market_knobs() -> None:
    """docs/simulated-market.md shows the tables `markdown_table` derives from the declarations."""
    docs = (Path(__file__).resolve().parents[3] / "docs" / "simulated-market.md").read_text()
    base = {spec.name for spec in MarketConfig.knobs()}
    assert markdown_table(MarketConfig.knobs()) in docs
    for extended in (PairMarketConfig, TwoVenueMarketConfig):
        assert markdown_table([spec for spec in extended.knobs() if spec.name not in base]) in docs


def test_the_calibrated_scenario_is_the_shipped_calibration_file() -> None:
    """``btcusdt-perp``'s defaults are the [scenario] table of the file ``hft calibrate`` wrote, every knob of it,
    and its venue's name says which capture and which file the market comes from."""
    import tomllib

    file = Path(__file__).resolve().parents[1] / "src/hft_core/calibration/binance_btcusdt_perp.toml"
    table = tomllib.loads(file.read_text())["scenario"]
    perp = get_scenario("btcusdt-perp")
    assert dict(perp.defaults) == table
    assert {spec.name: spec.default for spec in perp.knobs()} | table == {
        spec.name: spec.default for spec in perp.knobs()
    }
    assert perp.base() == MarketConfig().updated(table)
    venue = simulated_market("btcusdt-perp", seed=1, duration_s=1.0)
    assert venue.name == f"simulated:btcusdt-perp [{table['market_label']}]"
    assert "usdm_btcusdt_20240808" in venue.name and "binance_btcusdt_perp.toml" in venue.name
    assert venue.instruments[0].tick_size == table["tick_size"] and venue.instruments[0].lot_size == table["lot_size"]
    assert venue.instruments[0].fees.maker == table["maker_fee"]


def test_scenario_defaults_are_knob_values() -> None:
    reactive = get_scenario("reactive")
    assert {spec.name: spec.default for spec in reactive.knobs()}["imbalance_look_rate"] == 50.0
    assert reactive.base() == MarketConfig().updated(reactive.defaults)
