"""hft-latency-arb's patterns and market: registration, knob checks, runs like hft run, docs tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from hft_core import ConfigError
from hft_core.knobs import markdown_table
from hft_core.plugins import PluginHost
from hft_core.runs import execute_run, resolve_run
from hft_latency_arb import plugin
from hft_latency_arb.config import LatencyArbConfig, LatencyArbMakerConfig, LatencyRaceConfig

DOCS = Path(__file__).resolve().parents[3] / "docs" / "latency-arb.md"


def _host() -> PluginHost:
    return PluginHost(discover=False, extra=[("hft-latency-arb", plugin)])


def test_knobs_are_checked() -> None:
    with pytest.raises(ConfigError, match="lead"):
        LatencyArbConfig(lead=1, lag=1)
    with pytest.raises(ConfigError, match="max_position"):
        LatencyArbMakerConfig.knobs()  # the class is valid ...
        LatencyArbMakerConfig().updated({"size": "60lots"})  # ... a size above the cap is not


def test_scenario_params_exist_on_the_market() -> None:
    host = _host()
    for pattern in (plugin.LATENCY_ARB, plugin.LATENCY_ARB_MAKER):
        host.scenario(pattern.default_scenario).resolve(pattern.scenario_params)


@pytest.mark.parametrize("name", ["latency-arb", "latency-arb-maker"])
def test_a_run_is_deterministic_and_trades_on_the_lagging_venue(name: str) -> None:
    def run() -> tuple[str, dict[str, float]]:
        spec = resolve_run(name, seed=3, duration_s=30.0, host=_host())
        result, _ = execute_run(spec, write=False)
        return result.fills.to_csv(), result.stats["final_position"]

    fills, positions = run()
    assert fills == run()[0]
    assert "SIM@slow" in fills
    assert set(positions) == {"SIM@fast", "SIM@slow"}


def test_docs_tables_match_the_declarations() -> None:
    docs = DOCS.read_text()
    assert markdown_table(LatencyArbConfig.knobs()) in docs
    assert markdown_table(LatencyArbMakerConfig.knobs()) in docs
    base = {spec.name for spec in LatencyRaceConfig.__mro__[1]().knobs()}  # TwoVenueMarketConfig
    assert markdown_table([s for s in LatencyRaceConfig.knobs() if s.name not in base]) in docs


@pytest.mark.slow
def test_latency_arb_replays_two_recorded_venues() -> None:
    from hft_core.data.samples import shared_data_path

    data = shared_data_path("binance-2024-08-08")
    perp, spot = data / "usdm_btcusdt_20240808.gz", data / "spot_btcusdt_20240808.gz"
    # the perpetual leads spot by about 14 ms (docs/latency-arb.md): lead = instrument 0, the lagging spot = 1
    spec = resolve_run("latency-arb", data=[perp, spot], assignments=["venue.fee_tier=zero"], host=_host())
    result, _ = execute_run(spec, write=False)
    assert result.stats["venue"].startswith("replay:")
    assert set(result.stats["final_position"]) == {"BTCUSDT", "BTCUSDT@binance"}
    assert len(result.fills) > 0 and set(result.fills["instrument"]) == {"BTCUSDT@binance"}
