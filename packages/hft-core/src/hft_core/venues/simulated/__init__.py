"""The simulated market: matching engines, reactive background participants and latency, behind the venue protocol.

`SimulatedVenue` is the embedded default market of ``hft run`` and the stage for studies where the market's
reaction is the point (spoofing, momentum ignition, quote stuffing, latency races: `Latency`, `LaggingMaker`,
`Sniper`). Named, parameterised markets
are declared in `hft_core.scenarios` (`hft_core.create_scenario` builds one by name).
``docs/simulated-market.md`` describes the participants, the latency and message-rate models, the scenarios and
the measured speed.
"""

from __future__ import annotations

from hft_core.venues.simulated.fair import FairValuePaths, check_fair_path, gbm_fair_values
from hft_core.venues.simulated.latency import JITTER_KINDS, Latency, LatencyKind, Link
from hft_core.venues.simulated.market import MarketAccess, Message, TopObserver, VenueMarketAccess
from hft_core.venues.simulated.participants import (
    ImbalanceFollower,
    LiquidityProvider,
    MomentumFollower,
    NoiseTaker,
    Participant,
    ParticipantSpec,
    ValueTrader,
)
from hft_core.venues.simulated.racers import LaggingMaker, Sniper
from hft_core.venues.simulated.scenarios import (
    build_two_venue_market,
    fair_step_ns,
    fair_value_seed,
    market_participants,
    strategy_latency,
)
from hft_core.venues.simulated.venue import (
    DEFAULT_START_NS,
    STRATEGY_OWNER,
    GatewayStats,
    MarketSpec,
    ParticipantStats,
    SimulatedVenue,
    StrategyLatency,
    VenueSpec,
)

__all__ = [
    "DEFAULT_START_NS",
    "JITTER_KINDS",
    "STRATEGY_OWNER",
    "FairValuePaths",
    "GatewayStats",
    "ImbalanceFollower",
    "LaggingMaker",
    "Latency",
    "LatencyKind",
    "Link",
    "LiquidityProvider",
    "MarketAccess",
    "MarketSpec",
    "Message",
    "MomentumFollower",
    "NoiseTaker",
    "Participant",
    "ParticipantSpec",
    "ParticipantStats",
    "SimulatedVenue",
    "Sniper",
    "StrategyLatency",
    "TopObserver",
    "ValueTrader",
    "VenueMarketAccess",
    "VenueSpec",
    "build_two_venue_market",
    "check_fair_path",
    "fair_step_ns",
    "fair_value_seed",
    "gbm_fair_values",
    "market_participants",
    "strategy_latency",
]
