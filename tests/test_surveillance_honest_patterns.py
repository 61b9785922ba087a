"""Every shipped honest pattern, on its default market and on recorded data, is flagged by no detector (#18).

docs/surveillance.md promises that honest trading flags nothing; this holds the detectors to it over the patterns
users actually run (before the momentum-ignition burst window was tightened to 0.2 s, statarb-pairs' 250 ms
rebalances and news-algo's headline trades were flagged as ignition).
"""

from __future__ import annotations

from typing import Any

import pytest
from hft_core import backtest, execute_run, resolve_run, surveil
from hft_core.data.samples import shared_data_path

pytestmark = pytest.mark.slow

SIMULATED: dict[str, tuple[float, dict[str, Any]]] = {
    "passive-mm": (120.0, {}),
    "statarb-pairs": (300.0, {}),
    "statarb-pca": (120.0, {}),
    "triangular-arb": (120.0, {}),
    "latency-arb": (60.0, {}),
    "latency-arb-maker": (60.0, {}),
    "news-algo": (300.0, {}),
    "index-arb": (120.0, {}),
    "etf-arb": (120.0, {}),
}


@pytest.mark.parametrize("name", sorted(SIMULATED))
def test_honest_pattern_on_its_market_is_not_flagged(name: str) -> None:
    duration, config = SIMULATED[name]
    result = backtest(name, config=config, seed=1, duration_s=duration)
    assert len(result.fills) > 0, f"{name} did not trade: nothing for the detectors to look at"
    assert surveil(result) == []


@pytest.mark.parametrize(
    ("name", "files", "assignments"),
    [
        ("passive-mm", ("usdm_btcusdt_20240808.gz",), ["half_spread=1.0", "size=0.01", "inv_limit=0.1"]),
        # 0.01 BTC a leg (the default 10 lots of spot is a hedge of 0 perp lots); without fees, so that it trades
        (
            "statarb-pairs",
            ("spot_btcusdt_20240808.gz", "usdm_btcusdt_20240808.gz"),
            ["qty=0.01", "venue.fee_tier=zero"],
        ),
    ],
)
def test_honest_pattern_on_recorded_data_is_not_flagged(name: str, files: tuple[str, ...], assignments: Any) -> None:
    data = shared_data_path("binance-2024-08-08")
    spec = resolve_run(name, data=[data / f for f in files], assignments=assignments)
    result, _ = execute_run(spec, write=False)
    assert len(result.fills) > 0
    assert surveil(result) == []
