"""hft-core: order books, matching, risk, the backtest engine, market-data loaders and the `hft` command.

The names below are the public API. The plugin contract (`Pattern`, `Parameter`, `hookimpl`) and the strategy
API are imported eagerly and cost no numpy; the numeric parts load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from hft_core.__about__ import __version__
from hft_core.errors import ConfigError, DataError, HftError, OffGridError, PluginError, UnknownPatternError
from hft_core.hookspecs import hookimpl
from hft_core.patterns import Parameter, Pattern
from hft_core.strategy import BookView, Context, Fill, OrderUpdate, Strategy, Trade

if TYPE_CHECKING:
    from hft_core.engine import BacktestResult, backtest
    from hft_core.instruments import FeeSchedule, Instrument
    from hft_core.risk import RiskLimits

__all__ = [
    "BacktestResult",
    "BookView",
    "ConfigError",
    "Context",
    "DataError",
    "FeeSchedule",
    "Fill",
    "HftError",
    "Instrument",
    "OffGridError",
    "OrderUpdate",
    "Parameter",
    "Pattern",
    "PluginError",
    "RiskLimits",
    "Strategy",
    "Trade",
    "UnknownPatternError",
    "__version__",
    "backtest",
    "hookimpl",
]

# Public names that live in numeric modules, loaded on first attribute access (PEP 562).
_LAZY = {
    "BacktestResult": "hft_core.engine",
    "RiskLimits": "hft_core.risk",
    "backtest": "hft_core.engine",
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
