"""hft-core: order books, matching, risk, the backtest engine, market-data loaders and the `hft` command.

The names below are the public API: a pattern package needs nothing else. The plugin contract (`Pattern`,
`Scenario`, `Config`, `Knob`, `Distance`, `Size`, `hookimpl`), the built-in market knobs (`markets`) and the
strategy API are imported eagerly and cost no numpy; the numeric parts load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from hft_core import markets
from hft_core.__about__ import __version__
from hft_core.errors import ConfigError, DataError, HftError, OffGridError, PluginError, UnknownPatternError
from hft_core.hookspecs import hookimpl
from hft_core.knobs import Config, Distance, Knob, Size
from hft_core.markets import MarketConfig
from hft_core.patterns import Pattern
from hft_core.scenarios import DEFAULT_DURATION_S, Scenario
from hft_core.strategy import BookView, Context, Fill, OrderUpdate, Strategy, Trade

if TYPE_CHECKING:
    from hft_core.engine import BacktestResult
    from hft_core.instruments import FeeSchedule, Instrument
    from hft_core.risk import RiskLimits
    from hft_core.runs import RunSpec, backtest, create_scenario, execute_run, resolve_run

__all__ = [
    "DEFAULT_DURATION_S",
    "BacktestResult",
    "BookView",
    "Config",
    "ConfigError",
    "Context",
    "DataError",
    "Distance",
    "FeeSchedule",
    "Fill",
    "HftError",
    "Instrument",
    "Knob",
    "MarketConfig",
    "OffGridError",
    "OrderUpdate",
    "Pattern",
    "PluginError",
    "RiskLimits",
    "RunSpec",
    "Scenario",
    "Size",
    "Strategy",
    "Trade",
    "UnknownPatternError",
    "__version__",
    "backtest",
    "create_scenario",
    "execute_run",
    "hookimpl",
    "markets",
    "resolve_run",
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
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hft_core' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
