"""The backtest engine: the loop, the strategy's context, results and stats."""

from __future__ import annotations

from hft_core.engine.api import backtest
from hft_core.engine.loop import Engine, FillEvent
from hft_core.engine.results import BacktestResult

__all__ = ["BacktestResult", "Engine", "FillEvent", "backtest"]
