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
