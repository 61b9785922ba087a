"""The compiled L3 replay against the plain-Python L3Book, event for event: AMZN day and random streams."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from hft_core.book import (
    NO_ASK_PRICE,
    NO_BID_PRICE,
    BookError,
    L3Book,
    L3Replay,
    TopOfBook,
    UnknownOrderPolicy,
    reference_top_of_book,
    replay_top_of_book,
)
from hft_core.data.lobster import read_lobster_events
from hft_core.data.samples import shared_data_path
from hft_core.events import BUY, EVENT_DTYPE, SELL, EventKind, Events
from hypothesis import given, settings
from hypothesis import strategies as st

SAMPLE = "lobster-amzn-2012-06-21-l1"
STEM = "AMZN_2012-06-21_34200000_57600000"


def sample_dir() -> Path:
    """The LOBSTER AMZN sample in the shared data."""
    return shared_data_path(SAMPLE)


def events(rows: list[tuple[int, int, int, int, int]]) -> Events:
    """Events from (kind, side, price, qty, order_id) rows."""
    out = np.zeros(len(rows), dtype=EVENT_DTYPE)
    if rows:
        kind, side, price, qty, order_id = (np.array(column) for column in zip(*rows, strict=True))
        out["kind"], out["side"], out["price"], out["qty"], out["order_id"] = kind, side, price, qty, order_id
    return out


def run_both(
    chunks: list[Events], *, unknown_orders: UnknownOrderPolicy, allow_crossed: bool, capacity: int = 1
) -> tuple[L3Book, L3Replay, tuple[type, int] | None]:
    """Replay chunks through both books, asserting equal tops and errors; returns the books and the error."""
    reference = L3Book(allow_crossed=allow_crossed)
    compiled = L3Replay(
        unknown_orders=unknown_orders,
        allow_crossed=allow_crossed,
        order_capacity=capacity,
        level_capacity=capacity,
    )
    for chunk in chunks:
        expected_error = actual_error = None
        try:
            expected = reference_top_of_book(chunk, book=reference, unknown_orders=unknown_orders)
        except BookError as error:
            assert error.event_index is not None
            expected_error = (type(error), error.event_index)
        try:
            actual = compiled.run(chunk)
        except BookError as error:
            assert error.event_index is not None
            actual_error = (type(error), error.event_index)
        assert actual_error == expected_error
        if expected_error is not None:
            return reference, compiled, expected_error
        assert actual.first_difference(expected) is None
    return reference, compiled, None


def assert_same_book(reference: L3Book, compiled: L3Replay) -> None:
    for side in (BUY, SELL):
        assert compiled.levels(side) == reference.levels(side)
        for level in reference.levels(side):
            assert compiled.orders_at(side, level.price) == reference.orders_at(side, level.price)
    assert len(compiled) == len(reference)
    assert compiled.unexplained_qty == reference.unexplained_qty
    assert compiled.unexplained_events == reference.unexplained_events


def test_small_stream_by_hand() -> None:
    stream = events(
        [
            (EventKind.ADD, BUY, 100, 5, 1),
            (EventKind.ADD, BUY, 100, 3, 2),
            (EventKind.ADD, SELL, 102, 4, 3),
            (EventKind.FILL, BUY, 100, 5, 1),
            (EventKind.MODIFY, SELL, 101, 6, 3),
            (EventKind.CANCEL, BUY, 100, 3, 2),
        ]
    )
    top = replay_top_of_book(stream)
    assert top.bid_price.tolist() == [100, 100, 100, 100, 100, NO_BID_PRICE]
    assert top.bid_qty.tolist() == [5, 8, 8, 3, 3, 0]
    assert top.ask_price.tolist() == [NO_ASK_PRICE, NO_ASK_PRICE, 102, 102, 101, 101]
    assert top.ask_qty.tolist() == [0, 0, 4, 4, 6, 6]


def test_book_state_persists_across_chunks_and_can_be_inspected() -> None:
    replay = L3Replay(order_capacity=2, level_capacity=1)
    replay.run(events([(EventKind.ADD, BUY, 100, 5, 1), (EventKind.ADD, BUY, 99, 1, 2)]))
    top = replay.run(events([(EventKind.ADD, BUY, 100, 2, 3), (EventKind.ADD, SELL, 105, 1, 4)]))
    assert top.bid_qty.tolist() == [7, 7]
    assert replay.best_bid() == (100, 7) and replay.best_ask() == (105, 1)
    assert [o.order_id for o in replay.orders_at(BUY, 100)] == [1, 3]
    order = replay.get(2)
    assert order is not None and (order.price, order.qty) == (99, 1)
    assert replay.get(77) is None
    assert len(replay) == 4


@pytest.mark.parametrize(
    ("rows", "error", "message"),
    [
        ([(EventKind.CANCEL, BUY, 100, 1, 5)], "UnknownOrderError", "cannot cancel order 5"),
        ([(EventKind.ADD, BUY, 100, 1, 5), (EventKind.ADD, BUY, 99, 1, 5)], "DuplicateOrderError", "order 5"),
        ([(EventKind.ADD, BUY, 100, 0, 5)], "InvalidQuantityError", "positive, got 0"),
        ([(EventKind.ADD, BUY, 100, 2, 5), (EventKind.FILL, BUY, 100, 3, 5)], "ExcessQuantityError", "only 2"),
        ([(EventKind.ADD, SELL, 100, 2, 5), (EventKind.ADD, BUY, 100, 3, 6)], "CrossedBookError", "crosses"),
        ([(EventKind.ADD, 3, 100, 2, 5)], "BookError", "side must be BUY"),
        ([(42, BUY, 100, 2, 5)], "BookError", "unknown event kind 42"),
    ],
)
def test_errors_match_the_reference(rows: list[tuple[int, int, int, int, int]], error: str, message: str) -> None:
    with pytest.raises(BookError, match=message) as caught:
        replay_top_of_book(events(rows))
    assert type(caught.value).__name__ == error
    assert caught.value.event_index == len(rows) - 1
    run_both([events(rows)], unknown_orders="error", allow_crossed=False)


def test_hash_table_under_churn_matches_reference() -> None:
    """Tens of thousands of adds and removals with scattered ids, from a tiny initial capacity."""
    rng = np.random.default_rng(20240621)
    rows: list[tuple[int, int, int, int, int]] = []
    live: dict[int, tuple[int, int, int]] = {}
    ids = rng.choice(np.arange(-(2**62), 2**62, 2**40), size=30_000, replace=False)
    next_id = 0
    for _ in range(30_000):
        if live and rng.random() < 0.45:
            order_id = list(live)[int(rng.integers(len(live)))]
            side, price, qty = live[order_id]
            amount = int(rng.integers(1, qty + 1))
            rows.append((int(rng.choice([EventKind.CANCEL, EventKind.FILL])), side, price, amount, order_id))
            if amount == qty:
                del live[order_id]
            else:
                live[order_id] = (side, price, qty - amount)
        else:
            side = int(rng.choice([BUY, SELL]))
            price = int(rng.integers(900, 1000) if side == BUY else rng.integers(1000, 1100))
            qty = int(rng.integers(1, 50))
            order_id = int(ids[next_id])
            next_id += 1
            rows.append((EventKind.ADD, side, price, qty, order_id))
            live[order_id] = (side, price, qty)
    stream = events(rows)
    reference, compiled, error = run_both([stream], unknown_orders="error", allow_crossed=False)
    assert error is None
    assert_same_book(reference, compiled)
    assert len(compiled) == len(live)


def test_amzn_day_identical_to_reference() -> None:
    directory = sample_dir()
    for sync in ("reveal", "seed"):
        stream = read_lobster_events(
            directory / f"{STEM}_message_1.csv",
            orderbook_path=directory / f"{STEM}_orderbook_1.csv",
            orderbook_sync=sync,
            tick_size=0.005,
        )
        chunks = [stream[i : i + 20_000] for i in range(0, len(stream), 20_000)]
        reference, compiled, error = run_both(chunks, unknown_orders="residual", allow_crossed=sync == "seed")
        assert error is None
        assert_same_book(reference, compiled)
        whole = L3Replay(unknown_orders="residual", allow_crossed=sync == "seed").run(stream)
        assert (
            whole.first_difference(
                reference_top_of_book(stream, unknown_orders="residual", book=L3Book(allow_crossed=sync == "seed"))
            )
            is None
        )


Row = tuple[int, int, int, int, int]


Choose = Callable[[Sequence[int]], int]
"""Picks one of the options: hypothesis's draw (shrinkable) or a seeded numpy generator (fast, long streams)."""


def generate_stream(
    choose: Choose, steps: int, unknown_orders: UnknownOrderPolicy, *, faults: bool = True
) -> list[Row]:
    """Valid L3 traffic -- adds, partial and full cancels and fills, modifies, level updates, snapshots, clears,
    trades and (with the residual policy) cancels of orders from before the stream -- and, with ``faults``, a
    few invalid events mixed in: duplicate ids, over-cancels, crossing prices, bad sides, kinds and sizes."""

    def rarely(one_in: int) -> bool:
        return faults and bool(choose([0] * (one_in - 1) + [1]))  # 0 first: what hypothesis shrinks towards

    live: dict[int, tuple[int, int, int]] = {}  # what the generator believes rests: id -> (side, price, qty)
    rows: list[Row] = []
    next_id = 1
    for _ in range(steps):
        choice = ("add",) * 6 + ("remove",) * 5 + ("modify", "level", "snapshot", "clear", "trade")
        action = "anything" if rarely(40) else choice[choose(range(len(choice)))]
        side = choose([BUY, SELL])
        # Bids mostly at 90..100 and asks at 101..111; the rare overlap tests crossing.
        price = choose(range(99, 103)) if rarely(50) else choose(range(90, 101) if side == BUY else range(101, 112))
        if action == "add":
            order_id = choose(range(1, next_id + 1)) if rarely(40) else next_id
            next_id += 1
            qty = choose(range(1, 10))
            rows.append((EventKind.ADD, side, price, qty, order_id))
            live.setdefault(order_id, (side, price, qty))
        elif action in ("remove", "modify") and live:
            order_id = choose(sorted(live))
            order_side, order_price, qty = live[order_id]
            if action == "modify":
                new_qty = choose(range(1, 10))
                new_price = price if side == order_side and choose([0, 1]) else order_price
                rows.append((EventKind.MODIFY, order_side, new_price, new_qty, order_id))
                live[order_id] = (order_side, new_price, new_qty)
            else:
                amount = choose(range(1, qty + 2 if rarely(30) else qty + 1))
                rows.append((choose([EventKind.CANCEL, EventKind.FILL]), order_side, order_price, amount, order_id))
                if amount >= qty:
                    del live[order_id]
                else:
                    live[order_id] = (order_side, order_price, qty - amount)
        elif action == "remove" and (unknown_orders == "residual" or rarely(20)):
            # an order the stream never added: valid with unknown_orders="residual"
            rows.append((EventKind.CANCEL, side, price, choose(range(1, 6)), 10_000 + next_id))
            next_id += 1
        elif action in ("level", "snapshot"):
            attributed = sum(q for s_, p_, q in live.values() if (s_, p_) == (side, price))
            kind = EventKind.DEPTH if action == "level" else EventKind.SNAPSHOT
            rows.append((kind, side, price, attributed + choose(range(7)), 0))
        elif action == "clear":
            cleared = choose([0, BUY, SELL])
            rows.append((EventKind.CLEAR, cleared, 0, 0, 0))
            live = {i: o for i, o in live.items() if cleared not in (0, o[0])}
        elif action in ("trade", "remove", "modify"):
            rows.append((EventKind.TRADE, side, price, choose(range(1, 6)), 0))
        else:
            any_kind = choose(range(10))
            rows.append((any_kind, choose(range(-2, 3)), choose(range(95, 107)), choose(range(-1, 5)), next_id - 1))
    return rows


@st.composite
def mixed_streams(draw: st.DrawFn) -> tuple[UnknownOrderPolicy, list[Row]]:
    unknown_orders: UnknownOrderPolicy = draw(st.sampled_from(["error", "residual"]))

    def choose(options: Sequence[int]) -> int:
        return draw(st.sampled_from(options))

    return unknown_orders, generate_stream(choose, draw(st.integers(0, 60)), unknown_orders)


def check_stream(
    rows: list[Row], unknown_orders: UnknownOrderPolicy, allow_crossed: bool, cuts: Sequence[int]
) -> tuple[type, int] | None:
    stream = events(rows)
    bounds = [0, *sorted(c for c in cuts if c < len(stream)), len(stream)]
    chunks = [stream[a:b] for a, b in itertools.pairwise(bounds)]
    reference, compiled, error = run_both(chunks, unknown_orders=unknown_orders, allow_crossed=allow_crossed)
    assert_same_book(reference, compiled)
    return error


@settings(max_examples=120, deadline=None, derandomize=True)
@given(mixed_streams(), st.booleans(), st.lists(st.integers(1, 60), max_size=3))
def test_random_streams_identical_to_reference(
    policy_and_rows: tuple[UnknownOrderPolicy, list[Row]], allow_crossed: bool, cuts: list[int]
) -> None:
    """Valid and invalid events alike: same tops, same error class at the same event, same final book."""
    unknown_orders, rows = policy_and_rows
    check_stream(rows, unknown_orders, allow_crossed, cuts)


def test_long_seeded_streams_identical_to_reference() -> None:
    """Longer streams from fixed seeds: deep books, many levels created and emptied, growth from capacity 1."""
    errors = set()
    for seed in range(40):
        rng = np.random.default_rng(seed)
        choose = functools.partial(_choose_with, rng)
        unknown_orders: UnknownOrderPolicy = "residual" if seed % 2 else "error"
        faults = seed % 3 == 0
        rows = generate_stream(choose, 1500, unknown_orders, faults=faults)
        cuts = sorted(int(c) for c in rng.integers(1, 1500, size=4))
        error = check_stream(rows, unknown_orders, seed % 4 == 3, cuts)
        assert faults or error is None
        errors.add(None if error is None else error[0].__name__)
    assert None in errors and len(errors) >= 4  # both clean replays and several error kinds were exercised


def _choose_with(rng: np.random.Generator, options: Sequence[int]) -> int:
    return int(options[int(rng.integers(len(options)))])


def test_top_of_book_helpers() -> None:
    a = replay_top_of_book(events([(EventKind.ADD, BUY, 100, 1, 1), (EventKind.ADD, BUY, 101, 1, 2)]))
    b = TopOfBook(a.bid_price.copy(), a.bid_qty.copy(), a.ask_price.copy(), a.ask_qty.copy())
    assert a.first_difference(b) is None
    b.bid_qty[1] = 9
    assert a.first_difference(b) == 1
    joined = TopOfBook.concat([a, a])
    assert len(joined) == 4 and joined.first_difference(a) == 2
    assert len(TopOfBook.concat([])) == 0
