"""The simulated market: matching engines, reactive background participants and latency, behind the venue protocol.

`SimulatedVenue` is the embedded default market of ``hft run`` and the stage for studies where the market's
reaction is the point (spoofing, momentum ignition, quote stuffing, latency races). Named, parameterised markets
come from `hft_core.venues.simulated.scenarios` (`create_scenario`). ``docs/simulated-market.md`` describes the
participants, the latency and message-rate models, the scenarios and the measured speed.
"""

from __future__ import annotations

from hft_core.venues.simulated.fair import FairValuePaths, gbm_fair_values
from hft_core.venues.simulated.market import MarketAccess, Message
from hft_core.venues.simulated.participants import (
    ImbalanceFollower,
    LiquidityProvider,
    MomentumFollower,
    NoiseTaker,
    Participant,
    ParticipantSpec,
    ValueTrader,
)
from hft_core.venues.simulated.scenarios import (
    DEFAULT_DURATION_S,
    DEFAULT_SCENARIO,
    SCENARIOS,
    Scenario,
    ScenarioParameter,
    ScenarioValue,
    create_scenario,
    fair_step_ns,
    fair_value_seed,
    get_scenario,
    scenario_names,
    strategy_latency,
    with_defaults,
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
    "DEFAULT_DURATION_S",
    "DEFAULT_SCENARIO",
    "DEFAULT_START_NS",
    "SCENARIOS",
    "STRATEGY_OWNER",
    "FairValuePaths",
    "GatewayStats",
    "ImbalanceFollower",
    "LiquidityProvider",
    "MarketAccess",
    "MarketSpec",
    "Message",
    "MomentumFollower",
    "NoiseTaker",
    "Participant",
    "ParticipantSpec",
    "ParticipantStats",
    "Scenario",
    "ScenarioParameter",
    "ScenarioValue",
    "SimulatedVenue",
    "StrategyLatency",
    "ValueTrader",
    "VenueSpec",
    "create_scenario",
    "fair_step_ns",
    "fair_value_seed",
    "gbm_fair_values",
    "get_scenario",
    "scenario_names",
    "strategy_latency",
    "with_defaults",
]
