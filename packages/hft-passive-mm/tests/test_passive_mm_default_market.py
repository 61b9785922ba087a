"""Issue #25 on passive-mm's default market: the market ``hft run passive-mm`` trades does not flatter it.

Whatever that market is, a passive maker there is adversely selected (its 1 s and 10 s markouts are negative) and
a slower one more so, and its PnL falls as its latency grows, pooled over seeds. Each run is resolved as
``hft run passive-mm`` resolves it, with only the strategy's latencies set.
"""

from __future__ import annotations

from typing import Any

import pytest
from hft_core import backtest
from hft_core.runs import resolve_run
from hft_passive_mm.plugin import PASSIVE_MM

SEEDS = range(1, 6)
SECONDS = 120.0


def _at_latency(latency_ms: int) -> tuple[float, float, float]:
    """passive-mm's defaults on its default market, its latency ``latency_ms`` each way, pooled over `SEEDS`:
    mean PnL per run and the fill-weighted 1 s and 10 s markouts (bp)."""
    ns = latency_ms * 1_000_000
    latencies: dict[str, Any] = {"entry_latency_ns": ns, "response_latency_ns": ns, "feed_latency_ns": ns}
    pnl = 0.0
    sums, counts = {"1s": 0.0, "10s": 0.0}, {"1s": 0, "10s": 0}
    for seed in SEEDS:
        stats = backtest("passive-mm", seed=seed, duration_s=SECONDS, **latencies).stats
        pnl += stats["pnl"]
        for key in sums:
            markout = stats["markouts"][key]
            sums[key] += markout["mean_bp"] * markout["fills"]
            counts[key] += markout["fills"]
    assert counts["1s"] > 20 * len(SEEDS), f"too few fills at {latency_ms} ms to tell: {counts}"
    return pnl / len(SEEDS), sums["1s"] / counts["1s"], sums["10s"] / counts["10s"]


def test_the_default_market_is_the_calibrated_one() -> None:
    spec = resolve_run("passive-mm")
    assert spec.scenario is not None and spec.scenario.name == PASSIVE_MM.default_scenario == "btcusdt-perp"
    assert "calibrated to" in spec.build_venue().name


@pytest.mark.slow
def test_a_slower_maker_is_picked_off_more_and_earns_less_on_the_default_market() -> None:
    """1 ms (the market's own), 20 ms and 50 ms each way, five seeds of 120 s each (15-20 s)."""
    rows = {latency: _at_latency(latency) for latency in (1, 20, 50)}
    pnl, markout_1s, markout_10s = (tuple(row[column] for row in rows.values()) for column in range(3))
    assert markout_1s[0] < 0 and markout_10s[0] < 0, rows
    assert markout_1s[0] > markout_1s[1] > markout_1s[2], rows
    assert markout_10s[0] > markout_10s[1] > markout_10s[2], rows
    assert pnl[0] > pnl[1] > pnl[2], rows
