"""The engine's record of every order a strategy sent, kept a column at a time, and the orders and fills tables.

Order ids are 1, 2, 3, ... in sending order, so an order's row is its id − 1. A backtest sends tens of thousands of
orders, and a record per order (an object, then a row tuple, then a DataFrame row) cost microseconds each; here
numeric columns are `array.array`s (appends and updates cost tens of nanoseconds, and the final table reads them
without copying), statuses and reasons are lists of strings. Prices and sizes are plain lists: an order rejected for
an absurd price may carry a count beyond 64 bits.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from hft_core.engine.results import FILL_COLUMNS, ORDER_COLUMNS, frame_from_rows
from hft_core.events import BUY
from hft_core.instruments import Instrument
from hft_core.matching.orders import OrderType

__all__ = ["OrderJournal", "fill_table", "grid_to_floats", "side_names"]

_TYPE_NAMES = np.array(
    [next((t.name.lower() for t in OrderType if t == code), "") for code in range(max(OrderType) + 1)], dtype=object
)
"""Order type names by code."""
_NOT_ACCEPTED = frozenset(("rejected", "sent", "pending"))


class OrderJournal:
    """Every order of one run: when and what was sent, and what became of it."""

    __slots__ = ("done_ts", "filled", "instrument", "order_type", "price", "qty", "reason", "side", "status", "ts")

    def __init__(self) -> None:
        self.ts = array("q")
        self.done_ts = array("q")
        """When the order reached its final state; -1 while it is open."""
        self.instrument = array("q")
        self.side = array("q")
        self.order_type = array("q")
        self.filled = array("q")
        self.price: list[int] = []
        """Ticks as sent (0 for a market order); updated by modifies."""
        self.qty: list[int] = []
        """Lots: filled + open."""
        self.status: list[str] = []
        self.reason: list[str] = []

    def __len__(self) -> int:
        return len(self.ts)

    def add(self, ts: int, instrument: int, side: int, order_type: OrderType, price: int, qty: int) -> int:
        """Record a new order (status ``pending``); returns its id."""
        self.ts.append(ts)
        self.done_ts.append(-1)
        self.instrument.append(instrument)
        self.side.append(side)
        self.order_type.append(order_type)
        self.filled.append(0)
        self.price.append(price)
        self.qty.append(qty)
        self.status.append("pending")
        self.reason.append("")
        return len(self.ts)

    def accepted_count(self) -> int:
        """Orders the venue accepted (whatever became of them afterwards)."""
        return sum(1 for status in self.status if status not in _NOT_ACCEPTED)

    def filled_count(self) -> int:
        """Orders with at least one fill."""
        return int(np.count_nonzero(np.frombuffer(self.filled, dtype=np.int64)))

    def table(self, instruments: tuple[Instrument, ...]) -> pd.DataFrame:
        """The orders DataFrame (columns `hft_core.engine.results.ORDER_COLUMNS`)."""
        if not self.ts:
            return frame_from_rows([], ORDER_COLUMNS)
        codes = np.frombuffer(self.instrument, dtype=np.int64)
        return pd.DataFrame(
            {
                "order_id": np.arange(1, len(self.ts) + 1, dtype=np.int64),
                "ts": np.frombuffer(self.ts, dtype=np.int64).copy(),
                "done_ts": np.frombuffer(self.done_ts, dtype=np.int64).copy(),
                "instrument": _symbols(instruments)[codes],
                "side": side_names(self.side),
                "order_type": _TYPE_NAMES[np.frombuffer(self.order_type, dtype=np.int64)],
                "price": grid_to_floats(codes, self.price, instruments, prices=True, absent=math.nan),
                "qty": grid_to_floats(codes, self.qty, instruments, prices=False, absent=0.0),
                "status": np.array(self.status, dtype=object),
                "reason": np.array(self.reason, dtype=object),
                "filled_qty": grid_to_floats(codes, self.filled, instruments, prices=False),
            },
            columns=list(ORDER_COLUMNS),
        )


def grid_to_floats(
    codes: npt.NDArray[np.int64],
    values: Sequence[int],
    instruments: tuple[Instrument, ...],
    *,
    prices: bool,
    absent: float | None = None,
) -> npt.NDArray[np.float64]:
    """Tick (``prices``) or lot counts as floats by each row's instrument; ``absent`` where a count is <= 0."""
    try:
        counts = np.array(values, dtype=np.int64)
    except OverflowError:  # a count beyond int64 (an absurd order the engine rejected): one at a time
        return np.array(
            [
                absent
                if absent is not None and v <= 0
                else (instruments[c].ticks_to_price(v) if prices else instruments[c].lots_to_qty(v))
                for c, v in zip(codes.tolist(), values, strict=True)
            ],
            dtype=np.float64,
        )
    out = np.empty(len(counts), dtype=np.float64)
    for index, inst in enumerate(instruments):
        rows = slice(None) if len(instruments) == 1 else codes == index
        out[rows] = inst.ticks_to_prices(counts[rows]) if prices else inst.lots_to_qtys(counts[rows])
    if absent is not None:
        out[counts <= 0] = absent
    return out


def side_names(sides: Sequence[int]) -> npt.NDArray[np.object_]:
    """``"buy"``/``"sell"`` for each side code."""
    names: npt.NDArray[np.object_] = np.where(np.array(sides, dtype=np.int64) == BUY, "buy", "sell").astype(object)
    return names


def fill_table(rows: list[tuple[Any, ...]], instruments: tuple[Instrument, ...]) -> pd.DataFrame:
    """The fills DataFrame from the engine's fill rows (ts, instrument index, order id, side, price ticks, lots,
    fee, maker, position lots, PnL)."""
    if not rows:
        return frame_from_rows([], FILL_COLUMNS)
    ts, codes, ids, sides, prices, qtys, fees, makers, lots, pnls = zip(*rows, strict=True)
    code = np.array(codes, dtype=np.int64)
    return pd.DataFrame(
        {
            "ts": np.array(ts, dtype=np.int64),
            "instrument": _symbols(instruments)[code],
            "order_id": np.array(ids, dtype=np.int64),
            "side": side_names(sides),
            "price": grid_to_floats(code, prices, instruments, prices=True),
            "qty": grid_to_floats(code, qtys, instruments, prices=False),
            "fee": np.array(fees, dtype=np.float64),
            "maker": np.array(makers, dtype=bool),
            "position": grid_to_floats(code, lots, instruments, prices=False),
            "pnl": np.array(pnls, dtype=np.float64),
        },
        columns=list(FILL_COLUMNS),
    )


def _symbols(instruments: tuple[Instrument, ...]) -> npt.NDArray[np.object_]:
    return np.array([inst.symbol for inst in instruments], dtype=object)
