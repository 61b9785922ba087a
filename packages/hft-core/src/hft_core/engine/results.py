"""What a backtest returns and writes: orders, fills and equity as DataFrames, plus a stats dict.

In the run directory they become ``orders.parquet``, ``fills.parquet``, ``equity.parquet``, ``summary.json``
and ``log.txt``. Nothing in them depends on wall-clock time, so equal inputs give byte-identical files.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from hft_core.rundir import atomic_write_bytes, atomic_write_text

__all__ = ["EQUITY_COLUMNS", "FILL_COLUMNS", "ORDER_COLUMNS", "BacktestResult", "frame_from_rows"]

ORDER_COLUMNS = (
    "order_id",
    "ts",
    "done_ts",
    "instrument",
    "side",
    "order_type",
    "price",
    "qty",
    "status",
    "reason",
    "filled_qty",
)
"""``done_ts``: when the order reached its final state (filled, cancelled, rejected, expired); -1 while open."""
FILL_COLUMNS = ("ts", "instrument", "order_id", "side", "price", "qty", "fee", "maker", "position", "pnl")
"""``position`` and ``pnl``: the account just after the fill, PnL marked to market at the mids (fees included) when
the engine books the fill: as its report arrives for a strategy that overrides ``on_fill`` or ``on_order``, else at
the strategy's next decision (such a strategy learns of its reports in batches, and the venue need not stop)."""
EQUITY_COLUMNS = ("ts", "instrument", "mid", "position", "pnl")


def frame_from_rows(rows: list[tuple[Any, ...]], columns: tuple[str, ...]) -> pd.DataFrame:
    """A DataFrame from row tuples, with the given columns (also when there are no rows)."""
    return pd.DataFrame.from_records(rows, columns=list(columns))


@dataclass
class BacktestResult:
    """A finished (or interrupted) run: DataFrames for analysis, ``stats`` for the summary."""

    orders: pd.DataFrame
    fills: pd.DataFrame
    equity: pd.DataFrame
    stats: dict[str, Any]
    logs: list[str] = field(default_factory=list)

    @classmethod
    def from_rows(
        cls,
        orders: list[tuple[Any, ...]],
        fills: list[tuple[Any, ...]],
        equity: list[tuple[Any, ...]],
        stats: dict[str, Any],
        logs: list[str],
    ) -> BacktestResult:
        """Build the DataFrames from the engine's row lists (columns as in the ``*_COLUMNS`` tuples)."""
        return cls(
            orders=frame_from_rows(orders, ORDER_COLUMNS),
            fills=frame_from_rows(fills, FILL_COLUMNS),
            equity=frame_from_rows(equity, EQUITY_COLUMNS),
            stats=stats,
            logs=list(logs),
        )

    def write(self, directory: Path) -> list[Path]:
        """Write every output into ``directory`` atomically; returns the files written."""
        written = []
        for name, frame in (("orders", self.orders), ("fills", self.fills), ("equity", self.equity)):
            buffer = io.BytesIO()
            frame.to_parquet(buffer, index=False, engine="pyarrow", compression="zstd")
            path = directory / f"{name}.parquet"
            atomic_write_bytes(path, buffer.getvalue())
            written.append(path)
        summary = directory / "summary.json"
        atomic_write_text(summary, json.dumps(self.stats, indent=2, sort_keys=True) + "\n")
        log = directory / "log.txt"
        atomic_write_text(log, "".join(line + "\n" for line in self.logs))
        return [*written, summary, log]
