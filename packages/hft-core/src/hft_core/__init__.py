"""hft-core: order books, matching, risk, the backtest engine, market-data loaders and the `hft` command.

The names below are the public API: a pattern package needs nothing else. The plugin contract (`Pattern`,
`Scenario`, `Config`, `Knob`, `Distance`, `Size`, `hookimpl`), the built-in market knobs (`markets`) and the
strategy API are imported eagerly and cost no numpy; the numeric parts load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hft_core import markets
from hft_core.__about__ import __version__
from hft_core.errors import ConfigError, DataError, HftError, OffGridError, PluginError, UnknownPatternError
from hft_core.gate import require_educational
from hft_core.hookspecs import hookimpl
from hft_core.knobs import Config, Distance, Knob, KnobSpec, Size, markdown_table
from hft_core.lazy import lazy_attributes
from hft_core.markets import MarketConfig
from hft_core.patterns import Pattern
from hft_core.plugins import PluginHost
from hft_core.scenarios import DEFAULT_DURATION_S, Scenario
from hft_core.strategy import BookView, Context, Fill, OrderUpdate, Side, Strategy, Trade, Trigger, TriggerFired
from hft_core.text.items import TextFeed, TextItem

if TYPE_CHECKING:
    from hft_core.engine import BacktestResult
    from hft_core.events import BUY, SELL
    from hft_core.instruments import FeeSchedule, Instrument
    from hft_core.matching import sweep
    from hft_core.matching.orders import OrderReason, OrderStatus, OrderType
    from hft_core.risk import RiskLimits
    from hft_core.runs import RunSpec, backtest, create_scenario, execute_run, resolve_run
    from hft_core.surveillance import DetectionScore, EpisodeKind, score_detections, surveil
    from hft_core.text.loaders import TextSource, load_text
    from hft_core.venues.base import Advance, PublicTrade, Report, TopOfBook, Venue, Watch
    from hft_core.venues.recorded import load_recorded
    from hft_core.venues.simulated import (
        FairValuePaths,
        LaggingMaker,
        Latency,
        LiquidityProvider,
        MarketSpec,
        NoiseTaker,
        ParticipantSpec,
        SimulatedVenue,
        Sniper,
        ValueTrader,
        VenueSpec,
        build_two_venue_market,
        check_fair_path,
        fair_step_ns,
        fair_value_seed,
        market_participants,
        strategy_latency,
    )

__all__ = [
    "BUY",
    "DEFAULT_DURATION_S",
    "SELL",
    "Advance",
    "BacktestResult",
    "BookView",
    "Config",
    "ConfigError",
    "Context",
    "DataError",
    "DetectionScore",
    "Distance",
    "EpisodeKind",
    "FairValuePaths",
    "FeeSchedule",
    "Fill",
    "HftError",
    "Instrument",
    "Knob",
    "KnobSpec",
    "LaggingMaker",
    "Latency",
    "LiquidityProvider",
    "MarketConfig",
    "MarketSpec",
    "NoiseTaker",
    "OffGridError",
    "OrderReason",
    "OrderStatus",
    "OrderType",
    "OrderUpdate",
    "ParticipantSpec",
    "Pattern",
    "PluginError",
    "PluginHost",
    "PublicTrade",
    "Report",
    "RiskLimits",
    "RunSpec",
    "Scenario",
    "Side",
    "SimulatedVenue",
    "Size",
    "Sniper",
    "Strategy",
    "TextFeed",
    "TextItem",
    "TextSource",
    "TopOfBook",
    "Trade",
    "Trigger",
    "TriggerFired",
    "UnknownPatternError",
    "ValueTrader",
    "Venue",
    "VenueSpec",
    "Watch",
    "__version__",
    "backtest",
    "build_two_venue_market",
    "check_fair_path",
    "create_scenario",
    "execute_run",
    "fair_step_ns",
    "fair_value_seed",
    "hookimpl",
    "lazy_attributes",
    "load_recorded",
    "load_text",
    "markdown_table",
    "market_participants",
    "markets",
    "require_educational",
    "resolve_run",
    "score_detections",
    "strategy_latency",
    "surveil",
    "sweep",
]

# Public names that live in numeric modules, loaded on first attribute access (PEP 562).
_LAZY = {
    "BacktestResult": "hft_core.engine",
    "RiskLimits": "hft_core.risk",
    "RunSpec": "hft_core.runs",
    "backtest": "hft_core.runs",
    "create_scenario": "hft_core.runs",
    "execute_run": "hft_core.runs",
    "resolve_run": "hft_core.runs",
    "FeeSchedule": "hft_core.instruments",
    "Instrument": "hft_core.instruments",
    "OrderReason": "hft_core.matching.orders",
    "OrderStatus": "hft_core.matching.orders",
    "OrderType": "hft_core.matching.orders",
    **dict.fromkeys(("Advance", "PublicTrade", "Report", "TopOfBook", "Venue", "Watch"), "hft_core.venues.base"),
    "BUY": "hft_core.events",
    "SELL": "hft_core.events",
    "sweep": "hft_core.matching",
    "load_recorded": "hft_core.venues.recorded",
    "DetectionScore": "hft_core.surveillance",
    "EpisodeKind": "hft_core.surveillance",
    "score_detections": "hft_core.surveillance",
    "surveil": "hft_core.surveillance",
    "TextSource": "hft_core.text.loaders",
    "load_text": "hft_core.text.loaders",
    **dict.fromkeys(
        (
            "FairValuePaths",
            "LaggingMaker",
            "Latency",
            "LiquidityProvider",
            "MarketSpec",
            "NoiseTaker",
            "ParticipantSpec",
            "SimulatedVenue",
            "Sniper",
            "ValueTrader",
            "VenueSpec",
            "build_two_venue_market",
            "check_fair_path",
            "fair_step_ns",
            "fair_value_seed",
            "market_participants",
            "strategy_latency",
        ),
        "hft_core.venues.simulated",
    ),
}


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
