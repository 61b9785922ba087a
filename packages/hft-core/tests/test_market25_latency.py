"""Issue #25: on the calibrated market latency costs a passive maker, through who trades with it.

The informed takers react to each fair-value move (``informed_react_*``): they take every quote the move left
stale, each after its own delay. These tests check that mechanism message by message, that it draws nothing
when it is off, and that passive-mm's PnL and markouts get worse as its latency grows (benchmarks/latency_cost.py
has the docs' table).
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hft_core import backtest, create_scenario
from hft_core.events import BUY
from hft_core.matching import OrderType
from hft_core.venues.base import Watch
from hft_core.venues.simulated import SimulatedVenue
from hft_core.venues.simulated.informed import FairValueClock, InformedTaker
from hft_core.venues.simulated.venue import DEFAULT_START_NS

MARKET_FILE = Path(__file__).resolve().parents[1] / "src/hft_core/calibration/binance_btcusdt_perp.toml"


def _knobs(**overrides: Any) -> dict[str, Any]:
    scenario: dict[str, Any] = tomllib.loads(MARKET_FILE.read_text())["scenario"]
    return scenario | overrides


def _run(seconds: float, **overrides: Any) -> SimulatedVenue:
    venue = create_scenario("single-instrument", seed=3, duration_s=seconds, **_knobs(**overrides))
    assert isinstance(venue, SimulatedVenue)
    venue.record_messages()
    venue.start()
    venue.advance(venue.end_ns, Watch())
    return venue


def test_the_calibrated_market_has_reacting_informed_takers() -> None:
    knobs = _knobs()
    assert knobs["informed_share"] > 0 and knobs["informed_react_probability"] == 1.0
    assert knobs["informed_react_latency_ns"] > 0 and knobs["informed_react_jitter_ns"] > 0


def test_reactions_are_iocs_sent_at_fair_value_changes_and_priced_at_the_new_fair_value() -> None:
    """Every IOC of the informed taker is sent at a step of the fair value, arrives at least the reaction latency
    later, is limited to the new fair value rounded in its favour, and together they trade."""
    venue = _run(20.0)
    knobs = _knobs()
    step = int(knobs["fair_step_ms"]) * 1_000_000
    informed = [s.owner for s in venue.participant_stats() if s.kind == InformedTaker.kind]
    assert len(informed) == 1
    log = venue.messages()
    iocs = log[(log["owner"] == informed[0]) & (log["order_type"] == int(OrderType.IOC))]
    assert len(iocs) > 5
    start = DEFAULT_START_NS
    assert np.all((iocs["sent_ts"] - start) % step == 0)
    assert np.all(iocs["arrival_ts"] - iocs["sent_ts"] >= knobs["informed_react_latency_ns"])
    market = venue._markets[0]
    for row in iocs:
        fair = market.fair_ticks(int(row["sent_ts"]))
        before = market.fair_ticks(int(row["sent_ts"]) - 1)
        if int(row["side"]) == BUY:
            assert fair > before and int(row["price"]) == math.floor(fair)
        else:
            assert fair < before and int(row["price"]) == math.ceil(fair)
    assert int(iocs["filled"].sum()) > 0


def test_reactions_off_send_no_iocs_and_their_other_knobs_change_nothing() -> None:
    off = _run(10.0, informed_react_probability=0.0)
    other = _run(10.0, informed_react_probability=0.0, informed_react_latency_ns=7, informed_react_jitter_ns=9)
    informed = next(s.owner for s in off.participant_stats() if s.kind == InformedTaker.kind)
    log = off.messages()
    assert not np.any((log["owner"] == informed) & (log["order_type"] == int(OrderType.IOC)))
    assert log.tobytes() == other.messages().tobytes()


def test_the_simulated_markets_tell_when_the_fair_value_changes() -> None:
    venue = create_scenario("single-instrument", seed=1, duration_s=5.0, fair_step_ms=250)
    assert isinstance(venue, SimulatedVenue)
    market = venue._markets[0]
    assert isinstance(market, FairValueClock)
    start = DEFAULT_START_NS
    assert market.next_fair_change(start) == start + 250_000_000
    assert market.next_fair_change(start + 249_999_999) == start + 250_000_000
    assert market.next_fair_change(start + 250_000_000) == start + 500_000_000
    assert market.next_fair_change(start - 5) == start


def test_informed_taker_refuses_bad_reaction_knobs() -> None:
    with pytest.raises(ValueError, match="react_probability"):
        InformedTaker(react_probability=1.5)
    with pytest.raises(ValueError, match="react_jitter_ns"):
        InformedTaker(react_jitter_ns=-1)


def _passive_mm(latency_ms: int, seeds: range, seconds: float) -> tuple[float, float, float, float]:
    """passive-mm's default knobs on the calibrated market, pooled over seeds: mean PnL per run, PnL per fill, and
    the fill-weighted 1 s and 10 s markouts (bp)."""
    ns = latency_ms * 1_000_000
    knobs = _knobs(entry_latency_ns=ns, response_latency_ns=ns, feed_latency_ns=ns)
    fills, pnl = 0, 0.0
    sums, counts = {"1s": 0.0, "10s": 0.0}, {"1s": 0, "10s": 0}
    for seed in seeds:
        stats = backtest("passive-mm", seed=seed, duration_s=seconds, **knobs).stats
        fills += stats["fills"]
        pnl += stats["pnl"]
        for key in sums:
            markout = stats["markouts"][key]
            sums[key] += markout["mean_bp"] * markout["fills"]
            counts[key] += markout["fills"]
    return pnl / len(seeds), pnl / fills, sums["1s"] / counts["1s"], sums["10s"] / counts["10s"]


@pytest.mark.slow
def test_a_slower_passive_maker_loses_more_on_the_calibrated_market() -> None:
    """0, 20 and 50 ms each way, three seeds of 60 s: its markouts at 1 s and 10 s are adverse and grow more so
    with its latency, and its mean PnL and PnL per fill fall (docs/simulated-market.md has 0–50 ms, 4 seeds)."""
    pytest.importorskip("hft_passive_mm")
    rows = [_passive_mm(latency, range(1, 4), 60.0) for latency in (0, 20, 50)]
    for column in range(4):
        values = [row[column] for row in rows]
        assert values[0] < 0
        assert values[0] > values[1] > values[2], (column, rows)
