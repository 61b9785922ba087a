"""The ``latency-race`` market: hft-core's two-venue market with latency racers on the lagging venue.

The lead venue (``fast``, index 0, symbol ``SIM@fast``) keeps the participants the market knobs describe,
anchored to the fair value at once. The lagging venue (``slow``, index 1, ``SIM@slow``) keeps them too (seeing
the fair value ``slow_fair_delay_ns`` late) and adds a `LaggingMaker` at ``race_maker_half_spread_ticks`` around
the lead's mid and ``snipers`` `Sniper`s, the k-th with one-way latency ``sniper_latency_ns ·
sniper_latency_step^k`` each way. Every racer's latency is a base with an exponential jitter of mean
``race_jitter`` × base, drawn from its own seeded stream.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hft_core import (
    LaggingMaker,
    Latency,
    NoiseTaker,
    ParticipantSpec,
    SimulatedVenue,
    Sniper,
    build_two_venue_market,
    market_participants,
)

__all__ = ["build_latency_race", "maker_race", "racer_latency"]


def racer_latency(base_ns: int, jitter_share: float) -> Latency:
    """A racer's one-way latency: ``base_ns`` plus an exponential jitter of mean ``jitter_share · base_ns``."""
    return Latency(int(base_ns), round(base_ns * jitter_share), "exponential")


def build_latency_race(seed: int, duration_s: float, v: Mapping[str, Any]) -> SimulatedVenue:
    """``latency-race``: see the module docstring."""
    jitter = float(v["race_jitter"])
    maker_latency = racer_latency(int(v["race_maker_latency_ns"]), jitter)
    racers: list[ParticipantSpec] = [
        LaggingMaker(
            lead=0,
            half_spread_ticks=float(v["race_maker_half_spread_ticks"]),
            size=int(v["race_maker_size"]),
            feed_latency=maker_latency,
            order_latency=maker_latency,
        )
    ]
    base = float(v["sniper_latency_ns"])
    for k in range(int(v["snipers"])):
        latency = racer_latency(round(base * float(v["sniper_latency_step"]) ** k), jitter)
        racers.append(
            Sniper(
                lead=0,
                threshold_ticks=float(v["sniper_threshold_ticks"]),
                size=int(v["sniper_size"]),
                feed_latency=latency,
                order_latency=latency,
            )
        )
    slow = (*market_participants(v), *racers)
    return build_two_venue_market(seed, duration_s, v, slow_participants=slow, name="latency-race", venue_symbols=True)


def maker_race(
    seed: int,
    duration_s: float,
    maker_latency_ns: int,
    *,
    sniper_latencies_ns: tuple[int, ...] = (20_000, 24_000, 29_000),
    jitter: float = 0.5,
    volatility: float = 6e-4,
) -> SimulatedVenue:
    """The race between one maker and its snipers alone: the ``latency-race`` market's defaults, except that the
    lagging venue holds only a `LaggingMaker` (20 lots a side), the snipers (up to 100 lots each) and a noise taker
    (one market order a second), so every quote that can go stale is the maker's.

    With ``jitter`` (exponential, mean ``jitter`` × base, on every racer leg) the race is won in distribution: the
    share the maker loses grows smoothly as its latency passes the snipers'. The lead's fair value moves with
    ``volatility`` (about 20 lead ticks a minute at the default), for enough races in a short run.
    """
    from hft_latency_arb.config import LatencyRaceConfig

    values = dict(LatencyRaceConfig().to_dict(), volatility=volatility)
    maker = racer_latency(maker_latency_ns, jitter)
    slow: tuple[ParticipantSpec, ...] = (
        NoiseTaker(rate=1.0),
        LaggingMaker(half_spread_ticks=0.5, size=20, feed_latency=maker, order_latency=maker),
        *(
            Sniper(
                threshold_ticks=0.5,
                size=100,
                feed_latency=racer_latency(ns, jitter),
                order_latency=racer_latency(ns, jitter),
            )
            for ns in sniper_latencies_ns
        ),
    )
    return build_two_venue_market(
        seed, duration_s, values, slow_participants=slow, name="maker-race", venue_symbols=True
    )
