"""The knobs of hft-latency-arb's patterns and of its ``latency-race`` market: one typed declaration each.

This module imports no numeric code: ``hft info latency-arb`` reads it without loading a strategy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from hft_core import Config, Distance, Knob, Size
from hft_core.markets import TwoVenueMarketConfig

__all__ = ["LatencyArbConfig", "LatencyArbMakerConfig", "LatencyRaceConfig"]

_MAX_LATENCY_NS = 10_000_000_000

LeadIndex = Annotated[int, Knob("Instrument index of the lead venue (the one that moves first).", ge=0)]
LagIndex = Annotated[int, Knob("Instrument index of the lagging venue (where stale quotes rest).", ge=0)]


def _check_venues(lead: int, lag: int) -> None:
    if lead == lag:
        raise ValueError(f"lead ({lead}) and lag ({lag}) must be different instruments")


@dataclass(frozen=True)
class LatencyArbConfig(Config):
    """Snipe the lagging venue's quotes when the lead's mid has moved past them by fees + a threshold."""

    lead: LeadIndex = 0
    lag: LagIndex = 1
    threshold: Annotated[
        Distance, Knob("Edge beyond taker fees (and the hedge's fees) a stale quote must offer.", ge=0)
    ] = Distance(0.1, "ticks")
    size: Annotated[Size, Knob("Largest order per snipe (never more than the stale level shows).", gt=0)] = Size(
        5, "lots"
    )
    max_position: Annotated[Size, Knob("Position cap on the lagging venue.", gt=0)] = Size(50, "lots")
    hedge: Annotated[
        bool,
        Knob(
            "Hedge each fill with an IOC on the lead at its touch (edges then count from it). Off by default: a "
            "race is worth about half a tick, which the lead's half spread would take back."
        ),
    ] = False
    unwind_edge: Annotated[
        Distance,
        Knob(
            "Without a hedge: flatten with an IOC on the lagging venue once its touch is this close to the lead mid.",
            ge=0,
        ),
    ] = Distance(1, "ticks")

    def validate(self) -> None:
        _check_venues(self.lead, self.lag)
        if self.size.unit == self.max_position.unit and self.max_position.amount < self.size.amount:
            raise ValueError(f"max_position ({self.max_position}) must be >= size ({self.size})")


@dataclass(frozen=True)
class LatencyArbMakerConfig(Config):
    """Quote the lagging venue around the lead's mid and pull or move the quotes whenever the lead moves."""

    lead: LeadIndex = 0
    lag: LagIndex = 1
    half_spread: Annotated[Distance, Knob("Quote distance from the lead's mid (rounded away from it).", ge=0)] = (
        Distance(1, "ticks")
    )
    size: Annotated[Size, Knob("Size of each quote.", gt=0)] = Size(5, "lots")
    max_position: Annotated[Size, Knob("Position cap: no quote on a side that could pass it.", gt=0)] = Size(50, "lots")
    skew: Annotated[Distance, Knob("Quote shift against inventory per max_position held (inventory skew).", ge=0)] = (
        Distance(2, "ticks")
    )

    def validate(self) -> None:
        _check_venues(self.lead, self.lag)
        if self.size.unit == self.max_position.unit and self.max_position.amount < self.size.amount:
            raise ValueError(f"max_position ({self.max_position}) must be >= size ({self.size})")


@dataclass(frozen=True)
class LatencyRaceConfig(TwoVenueMarketConfig):
    """hft-core's two-venue market (lead ``fast``, index 0; lagging ``slow``, index 1) with latency racers on the
    lagging venue: one lagging maker and ``snipers`` snipers, every latency a base and a seeded jitter."""

    race_maker_latency_ns: Annotated[
        int,
        Knob(
            "lagging maker: one-way latency each way (lead feed -> maker, maker -> venue)",
            unit="ns",
            ge=0,
            le=_MAX_LATENCY_NS,
        ),
    ] = 200_000
    race_maker_half_spread_ticks: Annotated[
        float, Knob("lagging maker: quote distance from the lead's mid", unit="ticks", ge=0, le=1e4)
    ] = 0.5
    race_maker_size: Annotated[int, Knob("lagging maker: lots per quote", unit="lots", ge=1, le=1_000_000)] = 20
    snipers: Annotated[int, Knob("number of background snipers on the lagging venue (0 = none)", ge=0, le=100)] = 3
    sniper_latency_ns: Annotated[
        int, Knob("fastest sniper's one-way latency each way", unit="ns", ge=0, le=_MAX_LATENCY_NS)
    ] = 20_000
    sniper_latency_step: Annotated[
        float, Knob("each further sniper's latency is this many times the previous one's", ge=1, le=100)
    ] = 1.2
    sniper_threshold_ticks: Annotated[
        float, Knob("snipers: stale edge against the lead's mid that makes them fire", unit="ticks", gt=0, le=1e4)
    ] = 0.5
    sniper_size: Annotated[int, Knob("snipers: largest order", unit="lots", ge=1, le=1_000_000)] = 100
    race_jitter: Annotated[
        float, Knob("racers' jitter as a share of their base latency (exponential, seeded)", ge=0, le=10)
    ] = 0.05
