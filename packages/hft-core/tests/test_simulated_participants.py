"""Background participants: the book they keep, the flow they send, and how they react to the strategy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hft_core import create_scenario
from hft_core.events import BUY, SELL, EventKind
from hft_core.instruments import Instrument
from hft_core.matching import OrderType
from hft_core.venues.base import Watch
from hft_core.venues.simulated import (
    ImbalanceFollower,
    LiquidityProvider,
    MarketSpec,
    MomentumFollower,
    NoiseTaker,
    ParticipantStats,
    SimulatedVenue,
    ValueTrader,
    VenueSpec,
    gbm_fair_values,
)


def simulated_market(name: str, **arguments: Any) -> SimulatedVenue:
    """A built-in scenario by name (`hft_core.create_scenario`), as the simulated venue it is."""
    venue = create_scenario(name, **arguments)
    assert isinstance(venue, SimulatedVenue)
    return venue


SECOND = 1_000_000_000


def advance_to(venue: SimulatedVenue, until: int) -> None:
    while venue.advance(until, Watch()).now < until:
        pass


def stats_of(venue: SimulatedVenue, kind: str) -> ParticipantStats:
    return next(stats for stats in venue.participant_stats() if stats.kind == kind)


# -- liquidity and anchoring -----------------------------------------------------------------------------------
def test_default_market_keeps_a_populated_book_anchored_to_fair_value() -> None:
    venue = simulated_market("single-instrument", seed=21, duration_s=120.0)
    start = venue.start()
    levels, spreads, deviations = [], [], []
    for k in range(1, 241):
        advance_to(venue, start + k * SECOND // 2)
        engine = venue.exchange_engine(0)
        best_bid, best_ask = engine.best_bid(), engine.best_ask()
        assert best_bid is not None and best_ask is not None
        levels.append((len(engine.depth(BUY)), len(engine.depth(SELL))))
        spreads.append(best_ask - best_bid)
        deviations.append((best_bid + best_ask) / 2 - venue.fair_price(0) / 0.01)
    level_counts = np.array(levels)
    assert level_counts.min() >= 6
    assert 10 <= level_counts.mean() <= 22
    assert 1.0 <= np.mean(spreads) <= 2.0
    assert np.mean(np.abs(deviations)) < 2.5  # the mid tracks the fair value to a couple of ticks


def test_without_the_value_trader_and_anchor_the_price_wanders_further() -> None:
    """The anchor is what keeps the mid near fair value: take it away and the deviation grows."""

    def mean_deviation(fair_weight: float, value_look_rate: float) -> float:
        venue = simulated_market(
            "single-instrument",
            seed=22,
            duration_s=120.0,
            lp_fair_weight=fair_weight,
            value_look_rate=value_look_rate,
            noise_rate=3.0,
        )
        start = venue.start()
        deviations = []
        for k in range(1, 121):
            advance_to(venue, start + k * SECOND)
            engine = venue.exchange_engine(0)
            best_bid, best_ask = engine.best_bid(), engine.best_ask()
            assert best_bid is not None and best_ask is not None
            deviations.append(abs((best_bid + best_ask) / 2 - venue.fair_price(0) / 0.01))
        return float(np.mean(deviations))

    assert mean_deviation(0.0, 0.0) > 2 * mean_deviation(0.5, 5.0)


# -- noise flow -------------------------------------------------------------------------------------------------
def _noise_arrivals(branching: float, seed: int) -> np.ndarray:
    """Times (s) of the noise takers' market orders: the distinct exchange times of trades in an LP-only book."""
    duration = 400.0
    market = MarketSpec(
        Instrument("SIM", 0.01),
        (LiquidityProvider(), NoiseTaker(rate=2.0, size_max=3, hawkes_branching=branching, hawkes_decay=5.0)),
    )
    fair = gbm_fair_values(100.0, 1e-4, duration + 1, seed=seed)
    venue = SimulatedVenue([market], [VenueSpec("sim")], fair, seed=seed, duration_s=duration, record=True)
    start = venue.start()
    advance_to(venue, venue.end_ns)
    tape = venue.recorded_market_data()
    trade_times = np.unique(tape["exch_ts"][tape["kind"] == EventKind.TRADE])
    return (trade_times - start) / SECOND


def test_poisson_noise_has_the_requested_rate_and_exponential_gaps() -> None:
    arrivals = _noise_arrivals(0.0, seed=31)
    assert len(arrivals) == pytest.approx(800, rel=0.12)
    gaps = np.diff(arrivals)
    assert np.std(gaps) / np.mean(gaps) == pytest.approx(1.0, abs=0.12)


def test_hawkes_noise_is_clustered_at_the_same_mean_rate() -> None:
    arrivals = _noise_arrivals(0.7, seed=31)
    assert len(arrivals) == pytest.approx(800, rel=0.3)
    gaps = np.diff(arrivals)
    assert np.std(gaps) / np.mean(gaps) > 1.3  # over-dispersed: bursts and lulls


# -- reactions to the strategy ---------------------------------------------------------------------------------
def _follower_flow(seed: int, kind: str, action: str | None, window_s: float) -> tuple[int, int]:
    """(bought, sold) by the ``kind`` follower in ``window_s`` after the strategy's action at t = 3 s."""
    venue = simulated_market("reactive", seed=seed, duration_s=3.0 + window_s + 1.0)
    start = venue.start()
    acted_at = start + 3 * SECOND
    advance_to(venue, acted_at)
    before = stats_of(venue, kind)
    if action == "large-bid":
        bid = venue.top(0).bid_price
        assert bid is not None
        venue.submit(acted_at, 0, 1, BUY, OrderType.LIMIT, bid, 300)
    elif action == "buy-burst":
        for order_id in range(10):
            venue.submit(acted_at, 0, order_id, BUY, OrderType.MARKET, 0, 20)
    advance_to(venue, acted_at + int(window_s * SECOND))
    after = stats_of(venue, kind)
    return after.bought - before.bought, after.sold - before.sold


def test_imbalance_followers_buy_into_a_large_resting_bid() -> None:
    seeds = range(6)
    control = [_follower_flow(seed, "imbalance-follower", None, 4.0) for seed in seeds]
    treated = [_follower_flow(seed, "imbalance-follower", "large-bid", 4.0) for seed in seeds]
    control_net = np.mean([bought - sold for bought, sold in control])
    treated_net = np.mean([bought - sold for bought, sold in treated])
    assert treated_net > control_net + 50
    assert sum(bought > 0 for bought, _ in treated) >= 4  # not one lucky seed


def test_momentum_followers_chase_an_aggressive_buy_burst() -> None:
    seeds = range(8)
    control = [_follower_flow(seed, "momentum-follower", None, 1.0) for seed in seeds]
    treated = [_follower_flow(seed, "momentum-follower", "buy-burst", 1.0) for seed in seeds]
    assert sum(bought for bought, _ in treated) > sum(bought for bought, _ in control) + 40
    assert sum(bought for bought, _ in treated) > 3 * sum(sold for _, sold in treated)
    assert sum(bought > 0 for bought, _ in treated) >= 4


# -- parameter validation -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: LiquidityProvider(order_rate=0.0), "order_rate"),
        (lambda: LiquidityProvider(size_min=5, size_max=2), "size_max"),
        (lambda: LiquidityProvider(fair_weight=1.5), "fair_weight"),
        (lambda: NoiseTaker(hawkes_branching=1.0), "stationary"),
        (lambda: NoiseTaker(buy_probability=-0.1), "buy_probability"),
        (lambda: ImbalanceFollower(threshold=0.0), "threshold"),
        (lambda: ImbalanceFollower(levels=0), "levels"),
        (lambda: MomentumFollower(latency_ns=-1), "latency_ns"),
        (lambda: MomentumFollower(lookback_s=float("nan")), "lookback_s"),
        (lambda: ValueTrader(look_rate=-2.0), "look_rate"),
    ],
)
def test_participant_parameters_are_checked(factory: object, message: str) -> None:
    assert callable(factory)
    with pytest.raises(ValueError, match=message):
        factory()
