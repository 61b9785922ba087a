"""Latency geometry of the simulated market: latency distributions, order-keeping links, jittered strategy links,
and the latency racers (a maker on the lagging venue, snipers) watching the lead venue."""

from __future__ import annotations

import random
import statistics

import pytest
from hft_core.events import BUY
from hft_core.matching import OrderType
from hft_core.scenarios import BUILTIN_SCENARIOS
from hft_core.venues.base import Watch
from hft_core.venues.simulated import (
    LaggingMaker,
    Latency,
    Link,
    LiquidityProvider,
    NoiseTaker,
    ParticipantStats,
    SimulatedVenue,
    Sniper,
    StrategyLatency,
    build_two_venue_market,
)

US = 1_000


def test_constant_latency_draws_nothing() -> None:
    rng = random.Random(1)
    state = rng.getstate()
    assert Latency(70 * US).draw(rng) == 70 * US
    assert Latency(70 * US, 5 * US, "constant").draw(rng) == 70 * US
    assert rng.getstate() == state


@pytest.mark.parametrize("kind", ["exponential", "uniform", "lognormal"])
def test_jitter_shapes_have_the_stated_mean_and_never_go_below_the_base(kind: str) -> None:
    latency = Latency(100 * US, 40 * US, kind)  # type: ignore[arg-type]
    rng = random.Random(7)
    draws = [latency.draw(rng) for _ in range(20_000)]
    assert min(draws) >= 100 * US
    assert statistics.fmean(draws) == pytest.approx(latency.mean_ns, rel=0.05)
    if kind == "uniform":
        assert max(draws) <= 180 * US


def test_a_link_keeps_messages_in_order_and_is_reproducible() -> None:
    def arrivals(seed: int) -> list[int]:
        link = Link(Latency(10 * US, 50 * US), random.Random(seed))
        return [link.arrival(t * US) for t in range(0, 2_000, 3)]

    first = arrivals(3)
    assert first == sorted(first)
    assert first == arrivals(3)
    assert first != arrivals(4)


def test_bad_latencies_are_refused() -> None:
    with pytest.raises(ValueError, match="base_ns"):
        Latency(-1)
    with pytest.raises(ValueError, match="kind"):
        Latency(1, 1, "gamma")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="random stream"):
        Link(Latency(1, 1), None)
    with pytest.raises(ValueError, match="feed_jitter_ns"):
        StrategyLatency(feed_jitter_ns=-5)


def _two_venue_values(**overrides: object) -> dict[str, object]:
    scenario = next(s for s in BUILTIN_SCENARIOS if s.name == "two-venues")
    config = scenario.resolve(overrides)
    return {spec.name: getattr(config, spec.name) for spec in config.knobs()}


def _ioc_round_trip_ns(jitter_ns: int, seed: int) -> list[int]:
    """Send IOC buys far below the book to the slow venue; return how long each report took to come back."""
    values = _two_venue_values(slow_latency_jitter_ns=jitter_ns)
    venue = build_two_venue_market(seed, 5.0, values)
    now = venue.start()
    delays = []
    for order_id in range(1, 30):
        venue.submit(now, 1, order_id, BUY, OrderType.IOC, 1, 1)
        step = venue.advance(venue.end_ns, Watch())
        assert step.reports
        delays.append(step.now - now)
        now = step.now + 1
    return delays


def test_jittered_strategy_latency_is_seeded_and_at_least_the_base() -> None:
    base = 300 * US + 300 * US  # slow venue: entry + response
    constant = _ioc_round_trip_ns(0, seed=1)
    assert set(constant) == {base}
    jittered = _ioc_round_trip_ns(100 * US, seed=1)
    assert min(jittered) >= base and len(set(jittered)) > 10
    assert statistics.fmean(jittered) == pytest.approx(base + 200 * US, rel=0.35)
    assert jittered == _ioc_round_trip_ns(100 * US, seed=1)


def _race(sniper_latencies_ns: tuple[int, ...], maker_latency_ns: int, seed: int = 1) -> list[ParticipantStats]:
    def lat(ns: int) -> Latency:
        return Latency(ns // 2, ns // 10)

    slow = (
        LiquidityProvider(order_rate=10.0, half_spread_ticks=2.0, fair_weight=0.5),
        NoiseTaker(rate=1.0),
        LaggingMaker(
            half_spread_ticks=0.5, size=5, feed_latency=lat(maker_latency_ns), order_latency=lat(maker_latency_ns)
        ),
        *(
            Sniper(threshold_ticks=0.5, size=5, feed_latency=lat(ns), order_latency=lat(ns))
            for ns in sniper_latencies_ns
        ),
    )
    venue: SimulatedVenue = build_two_venue_market(seed, 120.0, _two_venue_values(), slow_participants=slow)
    venue.start()
    venue.advance(venue.end_ns, Watch())
    return [stats for stats in venue.participant_stats() if stats.instrument == 1]


def _pnl(stats: ParticipantStats, mark_ticks: float = 10_000.0) -> float:
    return stats.sold_value - stats.bought_value + (stats.bought - stats.sold) * mark_ticks


def test_the_fastest_sniper_wins_the_races() -> None:
    stats = _race((20 * US, 100 * US, 500 * US), maker_latency_ns=200 * US)
    snipers = [s for s in stats if s.kind == "sniper"]
    volumes = [s.bought + s.sold for s in snipers]
    assert volumes[0] > volumes[1] >= volumes[2]
    assert volumes[0] >= 10


def test_a_slower_maker_is_picked_off_more() -> None:
    def sniped(maker_latency_ns: int) -> int:
        stats = _race((20 * US, 100 * US), maker_latency_ns)
        return sum(s.bought + s.sold for s in stats if s.kind == "sniper")

    # Slower than both snipers, the maker loses every race; faster than both, it pulls its stale quotes first.
    assert sniped(10 * US) < sniped(200 * US) <= sniped(2_000 * US)


def test_racers_need_a_venue_that_can_observe_the_lead() -> None:
    class Plain:
        pass

    with pytest.raises(TypeError, match="observe_top"):
        Sniper().create(Plain(), 5, random.Random(1))  # type: ignore[arg-type]
