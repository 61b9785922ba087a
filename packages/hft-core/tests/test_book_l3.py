"""L3Book: FIFO queues, order messages, unattributed lots, errors, and properties over random order streams."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hft_core.book import (
    BookError,
    CrossedBookError,
    DuplicateOrderError,
    ExcessQuantityError,
    InvalidQuantityError,
    L3Book,
    L3Level,
    L3Order,
    UnknownOrderError,
)
from hft_core.events import BUY, EVENT_DTYPE, SELL, EventKind, Events
from hypothesis import given, settings
from hypothesis import strategies as st


def events(*rows: tuple[EventKind, int, int, int, int]) -> Events:
    """Events from (kind, side, price, qty, order_id) rows."""
    out = np.zeros(len(rows), dtype=EVENT_DTYPE)
    for i, (kind, side, price, qty, order_id) in enumerate(rows):
        out[i]["kind"], out[i]["side"], out[i]["price"] = kind, side, price
        out[i]["qty"], out[i]["order_id"] = qty, order_id
    return out


@pytest.fixture
def book() -> L3Book:
    b = L3Book()
    b.add(1, BUY, 100, 5)
    b.add(2, BUY, 100, 3)
    b.add(3, BUY, 99, 4)
    b.add(4, SELL, 102, 6)
    return b


def test_fifo_queue_and_queue_position(book: L3Book) -> None:
    assert [o.order_id for o in book.orders_at(BUY, 100)] == [1, 2]
    assert book.queue_position(1) == 0
    assert book.queue_position(2) == 5
    book.add(5, BUY, 100, 2)
    assert book.queue_position(5) == 8
    assert book.execute(1, 5) == 0  # the head fills first and leaves
    assert book.queue_position(2) == 0
    assert book.queue_position(5) == 3


def test_lookup_and_level_view(book: L3Book) -> None:
    assert book.order(3) == L3Order(3, BUY, 99, 4)
    assert book.get(42) is None
    assert 4 in book and 42 not in book
    assert len(book) == 4
    assert book.levels(BUY) == [L3Level(100, 8, 2), L3Level(99, 4, 1)]
    assert book.levels(BUY, depth=1) == [L3Level(100, 8, 2)]
    assert book.levels(SELL) == [L3Level(102, 6, 1)]
    assert book.best_bid() == (100, 8) and book.best_ask() == (102, 6)
    l2 = book.to_l2()
    assert l2.depth(BUY)[1].tolist() == [8, 4]
    assert l2.best_ask() == (102, 6)


def test_partial_and_full_removals(book: L3Book) -> None:
    assert book.reduce(1, 2) == 3  # partial cancel keeps the place in the queue
    assert book.queue_position(2) == 3
    assert book.execute(2, 1) == 2
    assert book.cancel(1) == 3
    assert book.cancel(2) == 2
    assert book.best_bid() == (99, 4)
    assert book.reduce(3, 4) == 0  # cancelling exactly what remains removes the order
    assert book.best_bid() is None and 3 not in book


@pytest.mark.parametrize(
    ("action", "error", "message"),
    [
        (lambda b: b.cancel(9), UnknownOrderError, "cannot cancel order 9: no such order"),
        (lambda b: b.execute(9, 1), UnknownOrderError, "cannot execute order 9"),
        (lambda b: b.order(9), UnknownOrderError, "order 9"),
        (lambda b: b.queue_position(9), UnknownOrderError, "order 9"),
        (lambda b: b.add(1, BUY, 98, 1), DuplicateOrderError, "order 1 is already in the book"),
        (lambda b: b.add(7, BUY, 98, 0), InvalidQuantityError, "qty must be positive, got 0"),
        (lambda b: b.add(7, SELL, 103, -2), InvalidQuantityError, "got -2"),
        (lambda b: b.reduce(1, 0), InvalidQuantityError, "got 0"),
        (lambda b: b.reduce(1, 6), ExcessQuantityError, "cannot cancel 6 lots of order 1: only 5 remain"),
        (lambda b: b.execute(4, 7), ExcessQuantityError, "cannot execute 7 lots of order 4: only 6 remain"),
        (lambda b: b.add(7, BUY, 102, 1), CrossedBookError, "bid at 102 crosses the best ask at 102"),
        (lambda b: b.add(7, SELL, 100, 1), CrossedBookError, "ask at 100 crosses the best bid at 100"),
        (lambda b: b.modify(3, 103, 1), CrossedBookError, "crosses the best ask"),
        (lambda b: b.add(7, 2, 98, 1), BookError, "side must be BUY"),
        (lambda b: b.set_level(BUY, 100, 7), ExcessQuantityError, "attributed orders there already hold 8"),
        (lambda b: b.set_level(BUY, 100, -1), InvalidQuantityError, ">= 0"),
    ],
)
def test_errors_are_specific_and_leave_the_book_unchanged(
    book: L3Book, action: object, error: type[Exception], message: str
) -> None:
    before = (book.levels(BUY), book.levels(SELL), [book.order(i) for i in (1, 2, 3, 4)])
    with pytest.raises(error, match=message):
        action(book)  # type: ignore[operator]
    assert (book.levels(BUY), book.levels(SELL), [book.order(i) for i in (1, 2, 3, 4)]) == before


def test_modify_keeps_priority_only_for_a_same_price_decrease(book: L3Book) -> None:
    book.modify(1, 100, 2)
    assert [o.order_id for o in book.orders_at(BUY, 100)] == [1, 2]
    assert book.order(1).qty == 2
    book.modify(1, 100, 4)  # size up: to the back
    assert [o.order_id for o in book.orders_at(BUY, 100)] == [2, 1]
    book.modify(2, 101, 3)  # new price: a new level
    assert book.best_bid() == (101, 3)
    assert book.levels(BUY)[1] == L3Level(100, 4, 1)


def test_allow_crossed_switches_the_check_off() -> None:
    book = L3Book(allow_crossed=True)
    book.add(1, SELL, 100, 1)
    book.add(2, BUY, 101, 1)
    assert book.best_bid() == (101, 1) and book.best_ask() == (100, 1)


def test_unattributed_lots_sit_ahead_of_every_order() -> None:
    book = L3Book()
    book.set_level(BUY, 100, 10)  # e.g. a snapshot: 10 lots, orders unknown
    book.add(1, BUY, 100, 2)
    assert book.levels(BUY) == [L3Level(100, 12, 1, unattributed=10)]
    assert book.queue_position(1) == 10
    assert book.remove_unattributed(BUY, 100, 4) == 0
    assert book.queue_position(1) == 6
    assert book.remove_unattributed(BUY, 100, 9) == 3  # only 6 were there
    assert (book.unexplained_qty, book.unexplained_events) == (3, 1)
    assert book.levels(BUY) == [L3Level(100, 2, 1, unattributed=0)]
    book.set_level(BUY, 100, 5)  # the level now holds 5: 2 known + 3 unattributed
    assert book.levels(BUY) == [L3Level(100, 5, 1, unattributed=3)]
    book.cancel(1)
    book.set_level(BUY, 100, 0)
    assert book.best_bid() is None


def test_apply_with_unknown_order_policies() -> None:
    stream = events(
        (EventKind.CLEAR, 0, 0, 0, 0),
        (EventKind.SNAPSHOT, BUY, 100, 10, 0),
        (EventKind.SNAPSHOT, SELL, 101, 4, 0),
        (EventKind.ADD, BUY, 100, 3, 7),
        (EventKind.FILL, BUY, 100, 6, 99),  # an order from before the snapshot
        (EventKind.TRADE, SELL, 100, 6, 0),
        (EventKind.CANCEL, BUY, 100, 3, 7),
    )
    book = L3Book()
    book.apply(stream, unknown_orders="residual")
    assert book.levels(BUY) == [L3Level(100, 4, 0, unattributed=4)]
    assert book.best_ask() == (101, 4)
    strict = L3Book()
    with pytest.raises(UnknownOrderError, match="event 4: cannot execute order 99") as caught:
        strict.apply(stream)
    assert caught.value.event_index == 4
    with pytest.raises(ValueError, match="unknown_orders"):
        strict.apply(stream, unknown_orders="ignore")  # type: ignore[arg-type]


def test_clear_forgets_orders_of_that_side(book: L3Book) -> None:
    book.clear(BUY)
    assert book.best_bid() is None and 1 not in book and 4 in book
    book.clear()
    assert len(book) == 0 and book.best_ask() is None


# -- properties over random valid streams ------------------------------------------------------------------


@dataclass
class Model:
    """Brute-force bookkeeping: the live orders with the sequence number that sets their priority."""

    orders: dict[int, tuple[int, int, int, int]]  # id -> (side, price, qty, sequence)
    sequence: int = 0
    added: int = 0
    removed: int = 0


@st.composite
def order_streams(draw: st.DrawFn) -> list[tuple[str, int, int, int, int]]:
    """Valid (op, order_id, side, price, qty) operations; bids in 90..100, asks in 101..111 (never crossed)."""
    live: dict[int, tuple[int, int, int]] = {}
    next_id = 1
    ops: list[tuple[str, int, int, int, int]] = []
    for _ in range(draw(st.integers(1, 120))):
        choice = draw(st.sampled_from(["add", "add", "cancel", "reduce", "execute", "modify"]))
        if choice == "add" or not live:
            side = draw(st.sampled_from([BUY, SELL]))
            price = draw(st.integers(90, 100) if side == BUY else st.integers(101, 111))
            qty = draw(st.integers(1, 9))
            ops.append(("add", next_id, side, price, qty))
            live[next_id] = (side, price, qty)
            next_id += 1
            continue
        order_id = draw(st.sampled_from(sorted(live)))
        side, price, qty = live[order_id]
        if choice == "cancel":
            ops.append(("cancel", order_id, side, price, qty))
            del live[order_id]
        elif choice in ("reduce", "execute"):
            amount = draw(st.integers(1, qty))
            ops.append((choice, order_id, side, price, amount))
            if amount == qty:
                del live[order_id]
            else:
                live[order_id] = (side, price, qty - amount)
        else:
            new_price = draw(st.integers(90, 100) if side == BUY else st.integers(101, 111))
            new_qty = draw(st.integers(1, 9))
            ops.append(("modify", order_id, side, new_price, new_qty))
            live[order_id] = (side, new_price, new_qty)
    return ops


def apply_to_model(model: Model, op: tuple[str, int, int, int, int]) -> None:
    action, order_id, side, price, qty = op
    if action == "add":
        model.sequence += 1
        model.orders[order_id] = (side, price, qty, model.sequence)
        model.added += qty
        return
    old_side, old_price, old_qty, sequence = model.orders[order_id]
    if action == "cancel":
        del model.orders[order_id]
        model.removed += old_qty
    elif action in ("reduce", "execute"):
        model.removed += qty
        if qty == old_qty:
            del model.orders[order_id]
        else:
            model.orders[order_id] = (old_side, old_price, old_qty - qty, sequence)
    else:
        keeps_priority = price == old_price and qty <= old_qty
        if not keeps_priority:
            model.sequence += 1
            sequence = model.sequence
        model.added += max(qty - old_qty, 0)
        model.removed += max(old_qty - qty, 0)
        model.orders[order_id] = (old_side, price, qty, sequence)


def apply_to_book(book: L3Book, op: tuple[str, int, int, int, int]) -> None:
    action, order_id, side, price, qty = op
    if action == "add":
        book.add(order_id, side, price, qty)
    elif action == "cancel":
        book.cancel(order_id)
    elif action == "reduce":
        book.reduce(order_id, qty)
    elif action == "execute":
        book.execute(order_id, qty)
    else:
        book.modify(order_id, price, qty)


def assert_book_matches_model(book: L3Book, model: Model) -> None:
    for side in (BUY, SELL):
        expected: dict[int, list[tuple[int, int, int]]] = {}
        for order_id, (order_side, price, qty, sequence) in model.orders.items():
            if order_side == side:
                expected.setdefault(price, []).append((sequence, order_id, qty))
        prices = sorted(expected, reverse=side == BUY)
        assert book.levels(side) == [L3Level(p, sum(q for _, _, q in expected[p]), len(expected[p])) for p in prices]
        for price in prices:
            fifo = sorted(expected[price])
            assert [(o.order_id, o.qty) for o in book.orders_at(side, price)] == [(i, q) for _, i, q in fifo]
            ahead = 0
            for _, order_id, qty in fifo:
                assert book.queue_position(order_id) == ahead
                ahead += qty


@settings(max_examples=100, deadline=None, derandomize=True)
@given(order_streams())
def test_random_streams_match_brute_force_fifo_and_conserve_quantity(
    ops: list[tuple[str, int, int, int, int]],
) -> None:
    book = L3Book()
    model = Model({})
    for step, op in enumerate(ops):
        apply_to_book(book, op)
        apply_to_model(model, op)
        if step % 10 == 0:
            assert_book_matches_model(book, model)
    assert_book_matches_model(book, model)
    resting = sum(level.qty for side in (BUY, SELL) for level in book.levels(side))
    assert resting == model.added - model.removed
    assert len(book) == len(model.orders)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(order_streams())
def test_event_chunks_equal_method_calls(ops: list[tuple[str, int, int, int, int]]) -> None:
    kinds = {
        "add": EventKind.ADD,
        "cancel": EventKind.CANCEL,
        "reduce": EventKind.CANCEL,
        "execute": EventKind.FILL,
        "modify": EventKind.MODIFY,
    }
    by_methods = L3Book()
    for op in ops:
        apply_to_book(by_methods, op)
    by_events = L3Book()
    by_events.apply(events(*((kinds[a], side, price, qty, oid) for a, oid, side, price, qty in ops)))
    for side in (BUY, SELL):
        assert by_events.levels(side) == by_methods.levels(side)
        for level in by_methods.levels(side):
            assert by_events.orders_at(side, level.price) == by_methods.orders_at(side, level.price)
