"""Exchange-side matching: a price–time priority engine for one instrument, and the depth-aware L2 sweep.

`MatchingEngine` is what a venue runs (order entry, self-trade prevention, executions, status updates and the
public L2/trade feed); `sweep` estimates a market order's fills from a depth snapshot when there is no engine.
"""

from __future__ import annotations

from hft_core.matching.engine import MatchingEngine
from hft_core.matching.orders import (
    Execution,
    MatchingOutput,
    OrderInfo,
    OrderReason,
    OrderStatus,
    OrderType,
    OrderUpdate,
    PostOnlyMode,
    StpMode,
    UnknownOrderError,
)
from hft_core.matching.sweep import LevelFill, SweepInputError, SweepResult, sweep, sweep_arrays

__all__ = [
    "Execution",
    "LevelFill",
    "MatchingEngine",
    "MatchingOutput",
    "OrderInfo",
    "OrderReason",
    "OrderStatus",
    "OrderType",
    "OrderUpdate",
    "PostOnlyMode",
    "StpMode",
    "SweepInputError",
    "SweepResult",
    "UnknownOrderError",
    "sweep",
    "sweep_arrays",
]
