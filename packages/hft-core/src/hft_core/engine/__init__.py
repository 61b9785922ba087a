"""The backtest engine: the loop, the strategy's context, results and stats.

The engine knows venues and strategies, nothing of plugins: `hft_core.runs` resolves patterns and scenarios by
name (``backtest``, ``hft run``) and hands the engine a strategy and a venue.
"""

from __future__ import annotations

from hft_core.engine.loop import Engine, FillEvent
from hft_core.engine.results import BacktestResult

__all__ = ["BacktestResult", "Engine", "FillEvent"]
