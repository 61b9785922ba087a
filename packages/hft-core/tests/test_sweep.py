"""The depth-aware sweep: worked examples, input validation, and agreement with the matching engine."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hft_core.events import BUY, SELL
from hft_core.matching import LevelFill, MatchingEngine, OrderType, SweepInputError, sweep, sweep_arrays
from hypothesis import given, settings
from hypothesis import strategies as st

ASKS = [(101, 5), (102, 3), (104, 10)]
BIDS = [(99, 4), (98, 6), (95, 1)]


def test_buy_walks_the_asks_level_by_level() -> None:
    result = sweep(ASKS, 10)
    assert result.fills == (LevelFill(101, 5), LevelFill(102, 3), LevelFill(104, 2))
    assert (result.requested, result.filled, result.unfilled) == (10, 10, 0)
    assert result.cost == 101 * 5 + 102 * 3 + 104 * 2 == 1019
    assert result.average_price == pytest.approx(101.9)
    assert result.worst_price == 104 and result.fully_filled


def test_sell_walks_the_bids_and_reports_what_it_could_not_fill() -> None:
    result = sweep(BIDS, 20, side=SELL)
    assert result.filled == 11 and result.unfilled == 9 and not result.fully_filled
    assert result.cost == 99 * 4 + 98 * 6 + 95 == 1079
    assert result.average_price == pytest.approx(1079 / 11)


def test_limit_price_stops_the_sweep_at_worse_levels() -> None:
    assert sweep(ASKS, 10, side=BUY, limit_price=102).fills == (LevelFill(101, 5), LevelFill(102, 3))
    assert sweep(BIDS, 10, side=SELL, limit_price=99).filled == 4
    nothing = sweep(ASKS, 3, side=BUY, limit_price=100)
    assert nothing.filled == 0 and nothing.cost == 0 and math.isnan(nothing.average_price)
    assert nothing.worst_price is None


def test_array_inputs_give_the_same_result() -> None:
    as_pairs = sweep(ASKS, 9)
    assert sweep(np.array(ASKS, dtype=np.int64), 9) == as_pairs
    assert sweep(np.array(ASKS, dtype=np.int32), 9) == as_pairs
    prices, sizes = zip(*ASKS, strict=True)
    assert sweep_arrays(np.array(prices), np.array(sizes), 9, side=BUY) == as_pairs
    assert sweep_arrays(list(prices), list(sizes), 9) == as_pairs


def test_empty_book_fills_nothing() -> None:
    result = sweep([], 5)
    assert result.filled == 0 and result.unfilled == 5 and result.fills == ()
    assert sweep_arrays([], [], 5, side=SELL).unfilled == 5


def test_single_level_needs_no_direction() -> None:
    assert sweep([(100, 2)], 5).fills == (LevelFill(100, 2),)


@pytest.mark.parametrize(
    ("levels", "kwargs", "message"),
    [
        ([(101, 5), (101, 3)], {}, "strictly"),
        ([(101, 5), (102, 3), (101, 1)], {}, "level 2"),
        ([(101, 5), (102, 3)], {"side": SELL}, "bids must strictly fall"),
        ([(99, 5), (98, 3)], {"side": BUY}, "asks must strictly rise"),
        ([(101, 0)], {}, "non-positive size"),
        ([(101, 5), (102, -1)], {}, "level 1"),
        ([(101.5, 5)], {}, "price must be an integer"),
        ([(101, 2.0)], {}, "qty must be an integer"),
        ([(101, True)], {}, "qty must be an integer"),
        ([(101,)], {}, "not a .price, qty. pair"),
        ([(101, 5)], {"limit_price": 101}, "needs side"),
        ([(101, 5)], {"side": 2}, "side must be"),
    ],
)
def test_malformed_levels_are_rejected(levels: list[tuple[object, ...]], kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(SweepInputError, match=message):
        sweep(levels, 3, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("qty", [0, -2, 1.5, True])
def test_quantity_must_be_a_positive_integer(qty: object) -> None:
    with pytest.raises(SweepInputError, match="qty"):
        sweep(ASKS, qty)  # type: ignore[arg-type]


def test_malformed_arrays_are_rejected() -> None:
    with pytest.raises(SweepInputError, match="shape"):
        sweep(np.zeros((3, 3), dtype=np.int64), 1)
    with pytest.raises(SweepInputError, match="integer"):
        sweep(np.array([[101.0, 5.0]]), 1)
    with pytest.raises(SweepInputError, match="levels"):
        sweep_arrays([101, 102], [5], 1)
    with pytest.raises(SweepInputError, match="integers"):
        sweep_arrays([101.5], [5], 1)  # type: ignore[list-item]
    with pytest.raises(SweepInputError, match="one-dimensional"):
        sweep_arrays([[101]], [[5]], 1)  # type: ignore[list-item]


@st.composite
def books(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]]]:
    side = draw(st.sampled_from([BUY, SELL]))
    start = draw(st.integers(50, 150))
    gaps = draw(st.lists(st.integers(1, 4), max_size=8))
    prices = [start]
    for gap in gaps:
        prices.append(prices[-1] + side * gap)  # asks rise for a buyer, bids fall for a seller
    sizes = draw(st.lists(st.integers(1, 20), min_size=len(prices), max_size=len(prices)))
    return side, list(zip(prices, sizes, strict=True))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(book=books(), qty=st.integers(1, 120))
def test_sweep_is_consistent_and_matches_the_engine(book: tuple[int, list[tuple[int, int]]], qty: int) -> None:
    side, levels = book
    result = sweep(levels, qty, side=side)
    total = sum(size for _, size in levels)
    assert result.filled == min(qty, total) and result.filled + result.unfilled == qty
    assert result.cost == sum(fill.price * fill.qty for fill in result.fills)
    assert all(fill.qty == size for fill, (_, size) in zip(result.fills[:-1], levels, strict=False))
    if result.filled:
        prices = [fill.price for fill in result.fills]
        assert min(prices) <= result.average_price <= max(prices)

    # The same depth resting in a matching engine, hit by a market order, fills identically.
    engine = MatchingEngine(min_price=1)
    for price, size in levels:
        engine.submit(-side, price, size, owner=1)
    engine.drain()
    engine.submit(side, 0, qty, owner=2, order_type=OrderType.MARKET)
    per_level: dict[int, int] = {}
    for execution in engine.drain().executions:
        per_level[execution.price] = per_level.get(execution.price, 0) + execution.qty
    assert tuple(LevelFill(price, size) for price, size in per_level.items()) == result.fills
