"""Informed takers, the quoting maker, stale-quote cancels and the noise takers' size law and cross-excitation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hft_core import create_scenario
from hft_core.errors import ConfigError
from hft_core.realism import stylized_facts, taker_orders
from hft_core.venues.base import Watch
from hft_core.venues.simulated import NoiseTaker, SimulatedVenue
from hft_core.venues.simulated.informed import InformedTaker
from hft_core.venues.simulated.participants import LiquidityProvider, QuotingMaker
from hft_core.venues.simulated.scenarios import market_participants

# A quiet market of zero-intelligence liquidity and takers only, with a fair value that moves several ticks a
# second, so what informed flow does to makers is not hidden by the reactive participants.
PLAIN: dict[str, Any] = {
    "volatility": 5e-4,
    "imbalance_look_rate": 0.0,
    "momentum_look_rate": 0.0,
    "value_look_rate": 0.0,
    "lp_fair_weight": 1.0,
    "lp_cancel_stale": True,
    "noise_rate": 4.0,
    "record": True,
}


def run_market(seed: int, duration_s: float = 60.0, **knobs: Any) -> SimulatedVenue:
    venue = create_scenario("single-instrument", seed=seed, duration_s=duration_s, **knobs)
    assert isinstance(venue, SimulatedVenue)
    venue.start()
    venue.advance(venue.end_ns, Watch())
    return venue


def test_informed_taker_checks_its_parameters() -> None:
    with pytest.raises(ValueError, match="rate"):
        InformedTaker(rate=0.0)
    with pytest.raises(ValueError, match="horizon_s"):
        InformedTaker(horizon_s=0.0)
    with pytest.raises(ValueError, match="horizon_s"):
        InformedTaker(horizon_s=4000.0)
    with pytest.raises(ValueError, match="size_median"):
        InformedTaker(size_log_sd=1.0, size_median=0.0)
    with pytest.raises(ValueError, match="hawkes_cross"):
        NoiseTaker(hawkes_branching=0.5, hawkes_cross=1.5)
    with pytest.raises(ValueError, match="requote_rate"):
        QuotingMaker(requote_rate=0.0)


def test_informed_share_sets_the_informed_rate_and_keeps_the_others_in_place() -> None:
    values = {"noise_rate": 3.0, "informed_share": 0.25, "informed_horizon_s": 2.0, "noise_size_max": 7}
    participants = market_participants(values)
    assert [p.kind for p in participants] == ["liquidity-provider", "noise-taker", "informed-taker"]
    informed = participants[-1]
    assert isinstance(informed, InformedTaker)
    # A quarter of all taker orders: informed / (noise + informed) = 1 / 4.
    assert informed.rate == pytest.approx(1.0)
    assert informed.horizon_s == 2.0 and informed.size_max == 7
    assert [p.kind for p in market_participants(values | {"informed_share": 0.0})] == [
        "liquidity-provider",
        "noise-taker",
    ]


def test_market_knobs_refuse_a_median_outside_the_size_range() -> None:
    with pytest.raises(ConfigError, match="noise_size_median"):
        create_scenario("single-instrument", seed=1, duration_s=1.0, noise_size_log_sd=1.0, noise_size_median=50.0)
    with pytest.raises(ConfigError, match="informed_share"):
        create_scenario("single-instrument", seed=1, duration_s=1.0, informed_share=0.99)


def test_the_new_participants_replay_byte_for_byte() -> None:
    knobs = PLAIN | {
        "informed_share": 0.3,
        "mm_requote_rate": 50.0,
        "mm_size": 5,
        "noise_hawkes_branching": 0.4,
        "noise_hawkes_cross": 0.5,
        "noise_size_log_sd": 1.0,
        "noise_size_median": 3.0,
    }
    first = run_market(5, 20.0, **knobs).recorded_market_data()
    again = run_market(5, 20.0, **knobs).recorded_market_data()
    other = run_market(6, 20.0, **knobs).recorded_market_data()
    assert first.tobytes() == again.tobytes()
    assert first.tobytes() != other.tobytes()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_informed_flow_makes_passive_fills_adverse(seed: int) -> None:
    """Trades at the touch seen from the passive side: the same market with half its takers informed has worse
    1 s and 10 s markouts than with none, and a negative 10 s markout."""
    plain = run_market(seed, **PLAIN)
    informed = run_market(seed, **PLAIN, informed_share=0.5, informed_horizon_s=2.0)
    before = stylized_facts(plain.recorded_market_data(), plain.instruments[0]).markout_ticks
    after = stylized_facts(informed.recorded_market_data(), informed.instruments[0]).markout_ticks
    assert after["1s"] < before["1s"]
    assert after["10s"] < before["10s"]
    assert after["10s"] < 0


def test_informed_takers_trade_ahead_of_the_fair_value() -> None:
    """Their buys are followed by a rising fair value and their sells by a falling one: their PnL marked at the
    end is positive per lot, while the noise takers' is not."""
    venue = run_market(3, 120.0, **PLAIN, informed_share=0.5, informed_horizon_s=2.0)
    mark = venue.fair_price(0) / venue.instruments[0].tick_size
    per_lot = {}
    for stats in venue.participant_stats():
        lots = stats.bought + stats.sold
        if lots:
            per_lot[stats.kind] = (stats.sold_value - stats.bought_value + (stats.bought - stats.sold) * mark) / lots
    assert per_lot["informed-taker"] > 0.5
    assert per_lot["informed-taker"] > per_lot["noise-taker"]


def test_lognormal_sizes_have_the_median_asked_for() -> None:
    deep = PLAIN | {"lp_size_min": 100, "lp_size_max": 400}  # a deep book, so no order outgrows it
    venue = run_market(2, 120.0, **deep, noise_size_max=10_000, noise_size_median=40.0, noise_size_log_sd=1.5)
    _, _, sizes = taker_orders(venue.recorded_market_data())
    assert len(sizes) > 300
    assert 30 <= np.median(sizes) <= 55
    assert np.std(np.log(sizes)) == pytest.approx(1.5, abs=0.3)


def test_cross_excitation_mixes_the_sides_of_a_cluster() -> None:
    """With the branching ratio spent on the same side, clusters are one-sided and trade signs persist; with
    half of it exciting the other side, far less so."""
    hawkes = PLAIN | {"noise_rate": 8.0, "noise_hawkes_branching": 0.7, "noise_hawkes_decay": 5.0}
    acf = []
    for cross in (0.0, 0.5):
        venue = run_market(4, 120.0, **hawkes, noise_hawkes_cross=cross)
        acf.append(stylized_facts(venue.recorded_market_data(), venue.instruments[0]).sign_autocorrelation["1"])
    assert acf[0] > 0.3
    assert acf[1] < acf[0] - 0.2


def test_the_quoting_maker_keeps_a_one_tick_spread_without_taking() -> None:
    """A fast fair value (3 ticks/√s) and slow liquidity: the requoting maker keeps the touch one tick wide most of
    the time, where without it the spread is several ticks; it only ever trades as a maker."""
    fast = PLAIN | {"volatility": 3e-4, "lp_order_rate": 5.0, "noise_rate": 2.0}
    without = run_market(7, 60.0, **fast)
    quoted = run_market(7, 60.0, **fast, mm_requote_rate=100.0, mm_size=5)
    spread_without = stylized_facts(without.recorded_market_data(), without.instruments[0]).spread_mean_ticks
    facts = stylized_facts(quoted.recorded_market_data(), quoted.instruments[0])
    assert facts.spread_one_tick_share > 0.8
    assert facts.spread_mean_ticks < spread_without - 0.5
    maker = next(s for s in quoted.participant_stats() if s.kind == "quoting-maker")
    assert maker.bought + maker.sold > 0
    # With no takers at all, nothing trades: the maker's moves never cross anyone's quotes.
    quiet = run_market(7, 60.0, **(fast | {"noise_rate": 0.0}), mm_requote_rate=100.0, mm_size=5)
    assert all(s.bought + s.sold == 0 for s in quiet.participant_stats())
    assert any(s.kind == "quoting-maker" and s.messages > 100 for s in quiet.participant_stats())


def test_stale_quotes_are_pulled_when_the_fair_value_passes_them() -> None:
    """With cancel_stale the liquidity provider never leaves a bid above or an ask below the fair value for long:
    the mid stays near it, where without cancels stale quotes pin the mid behind a fast-moving fair value."""
    distances = []
    for cancel in (False, True):
        spec = LiquidityProvider(order_rate=20.0, lifetime_mean_s=10.0, cancel_stale=cancel)
        assert spec.cancel_stale is cancel
        venue = create_scenario(
            "single-instrument",
            seed=8,
            duration_s=60.0,
            **(PLAIN | {"volatility": 5e-4, "lp_lifetime_s": 10.0, "lp_cancel_stale": cancel}),
        )
        assert isinstance(venue, SimulatedVenue)
        now = venue.start()
        gaps = []
        for _ in range(60):
            now += 1_000_000_000
            venue.advance(now, Watch())
            engine = venue.exchange_engine(0)
            bid, ask = engine.best_bid(), engine.best_ask()
            if bid is not None and ask is not None:
                gaps.append(abs(0.5 * (bid + ask) - venue.fair_price(0) / venue.instruments[0].tick_size))
        distances.append(float(np.mean(gaps)))
    assert distances[1] < distances[0]
