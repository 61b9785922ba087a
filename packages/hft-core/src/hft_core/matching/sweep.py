"""Depth-aware sweep: what a market (or marketable limit) order fills when it walks a snapshot of L2 levels.

For places that have a depth snapshot but no matching engine: a replay venue filling a market order against
recorded depth, pre-trade cost and slippage estimates. Integer ticks and lots in; the cost comes back as an
exact integer in tick·lots and the average price as float ticks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from hft_core.errors import HftError
from hft_core.events import BUY, SELL

__all__ = ["LevelFill", "Levels", "SweepInputError", "SweepResult", "sweep", "sweep_arrays"]

Levels = Sequence[tuple[int, int]] | npt.NDArray[np.integer]
"""``(price_ticks, qty_lots)`` pairs best first: a sequence of pairs or an integer array of shape (n, 2)."""


class SweepInputError(HftError, ValueError):
    """The levels or the quantity handed to a sweep are malformed (says which level and why)."""


class LevelFill(NamedTuple):
    """The part of a sweep filled at one price level."""

    price: int
    qty: int


@dataclass(frozen=True, slots=True)
class SweepResult:
    """The outcome of sweeping ``requested`` lots over a book side.

    ``cost`` is Σ price × qty over the fills in tick·lots (exact); ``average_price`` is ``cost / filled`` in
    ticks, NaN when nothing filled.
    """

    requested: int
    filled: int
    unfilled: int
    average_price: float
    cost: int
    fills: tuple[LevelFill, ...]

    @property
    def worst_price(self) -> int | None:
        """The last (least favourable) price reached, or None when nothing filled."""
        return self.fills[-1].price if self.fills else None

    @property
    def fully_filled(self) -> bool:
        """Whether the whole request filled."""
        return self.unfilled == 0


def sweep(levels: Levels, qty: int, *, side: int | None = None, limit_price: int | None = None) -> SweepResult:
    """Fill ``qty`` lots against ``levels`` (best first), level by level, until filled or out of depth.

    ``side`` is the sweeping order's side: `BUY` walks asks, which must rise strictly; `SELL` walks bids, which
    must fall strictly. Without it the direction is taken from the levels (any strictly monotonic order).
    ``limit_price`` (needs ``side``) stops the sweep at levels worse than it, as for a marketable limit order.
    Raises `SweepInputError` for a non-positive ``qty``, non-integer values, non-positive level sizes, or
    prices that are not strictly monotonic in the expected direction.
    """
    prices, sizes = _split_levels(levels)
    return _sweep(prices, sizes, qty, side, limit_price)


def sweep_arrays(
    prices: Sequence[int] | npt.NDArray[np.integer],
    sizes: Sequence[int] | npt.NDArray[np.integer],
    qty: int,
    *,
    side: int | None = None,
    limit_price: int | None = None,
) -> SweepResult:
    """`sweep` over levels given as two parallel columns (prices, sizes), best first."""
    price_list = _int_column(prices, "prices")
    size_list = _int_column(sizes, "sizes")
    if len(price_list) != len(size_list):
        raise SweepInputError(f"prices has {len(price_list)} levels but sizes has {len(size_list)}")
    return _sweep(price_list, size_list, qty, side, limit_price)


def _sweep(prices: list[int], sizes: list[int], qty: int, side: int | None, limit_price: int | None) -> SweepResult:
    if isinstance(qty, bool) or not isinstance(qty, int | np.integer):
        raise SweepInputError(f"qty must be an integer number of lots, got {qty!r}")
    qty = int(qty)
    if qty <= 0:
        raise SweepInputError(f"qty must be positive, got {qty}")
    if side is not None and side not in (BUY, SELL):
        raise SweepInputError(f"side must be BUY (1) or SELL (-1), got {side!r}")
    if limit_price is not None and side is None:
        raise SweepInputError("limit_price needs side, to know which prices are worse")
    _check_levels(prices, sizes, side)

    fills: list[LevelFill] = []
    remaining = qty
    cost = 0
    for price, size in zip(prices, sizes, strict=True):
        if not remaining:
            break
        if limit_price is not None and side is not None and (price - limit_price) * side > 0:
            break
        take = size if size < remaining else remaining
        fills.append(LevelFill(price, take))
        cost += price * take
        remaining -= take
    filled = qty - remaining
    average_price = cost / filled if filled else math.nan
    return SweepResult(qty, filled, remaining, average_price, cost, tuple(fills))


def _check_levels(prices: list[int], sizes: list[int], side: int | None) -> None:
    for index, size in enumerate(sizes):
        if size <= 0:
            raise SweepInputError(f"level {index} (price {prices[index]}) has non-positive size {size}")
    if len(prices) < 2:
        return
    direction = side if side is not None else (1 if prices[1] > prices[0] else -1)
    book_side = "asks" if direction == BUY else "bids"
    order_word = "rise" if direction == BUY else "fall"
    for index in range(1, len(prices)):
        if (prices[index] - prices[index - 1]) * direction <= 0:
            raise SweepInputError(
                f"levels are not best-first: {book_side} must strictly {order_word}, but level {index} has "
                f"price {prices[index]} after {prices[index - 1]}"
            )


def _split_levels(levels: Levels) -> tuple[list[int], list[int]]:
    if isinstance(levels, np.ndarray):
        if levels.ndim != 2 or levels.shape[1] != 2:
            raise SweepInputError(f"levels array must have shape (n, 2), got {levels.shape}")
        if not np.issubdtype(levels.dtype, np.integer):
            raise SweepInputError(f"levels must be integer ticks and lots, got dtype {levels.dtype}")
        return [int(p) for p in levels[:, 0].tolist()], [int(q) for q in levels[:, 1].tolist()]
    prices: list[int] = []
    sizes: list[int] = []
    for index, level in enumerate(levels):
        try:
            price, size = level
        except (TypeError, ValueError):
            raise SweepInputError(f"level {index} is not a (price, qty) pair: {level!r}") from None
        for name, value in (("price", price), ("qty", size)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise SweepInputError(f"level {index}: {name} must be an integer, got {value!r}")
        prices.append(int(price))
        sizes.append(int(size))
    return prices, sizes


def _int_column(values: Sequence[int] | npt.NDArray[np.integer], name: str) -> list[int]:
    array = np.asarray(values)
    if array.ndim != 1:
        raise SweepInputError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise SweepInputError(f"{name} must be integers, got dtype {array.dtype}")
    return [int(value) for value in array.tolist()]
