"""L2Book: level updates, snapshots, derived quantities, crossed-book handling and event chunks."""

from __future__ import annotations

import numpy as np
import pytest
from hft_core.book import BookError, CrossedBookError, InvalidQuantityError, L2Book
from hft_core.events import BUY, EVENT_DTYPE, SELL, EventKind, Events
from hypothesis import given, settings
from hypothesis import strategies as st


def events(*rows: tuple[EventKind, int, int, int]) -> Events:
    """Events from (kind, side, price, qty) rows."""
    out = np.zeros(len(rows), dtype=EVENT_DTYPE)
    for i, (kind, side, price, qty) in enumerate(rows):
        out[i]["kind"], out[i]["side"], out[i]["price"], out[i]["qty"] = kind, side, price, qty
    return out


@pytest.fixture
def book() -> L2Book:
    b = L2Book()
    b.load_snapshot(bids=[(100, 5), (99, 7), (97, 1)], asks=[(102, 3), (103, 4)])
    return b


def test_best_levels_and_derived_prices(book: L2Book) -> None:
    assert book.best_bid() == (100, 5)
    assert book.best_ask() == (102, 3)
    assert book.spread() == 2
    assert book.mid() == 101.0
    # (100·3 + 102·5) / 8: leans towards the ask, the thinner side
    assert book.microprice() == pytest.approx(101.25)
    assert book.imbalance() == pytest.approx((5 - 3) / 8)
    assert book.imbalance(levels=2) == pytest.approx((12 - 7) / 19)
    assert book.qty_at(BUY, 99) == 7
    assert book.qty_at(SELL, 99) == 0
    assert book.level_count(BUY) == 3


def test_depth_is_best_first_and_truncated(book: L2Book) -> None:
    prices, qtys = book.depth(BUY, 2)
    assert prices.tolist() == [100, 99] and qtys.tolist() == [5, 7]
    prices, qtys = book.depth(SELL)
    assert prices.tolist() == [102, 103] and qtys.tolist() == [3, 4]
    assert prices.dtype == np.int64
    assert book.depth(SELL, 0)[0].tolist() == []
    with pytest.raises(ValueError, match="non-negative"):
        book.depth(SELL, -1)


def test_update_sets_absolute_qty_and_zero_removes(book: L2Book) -> None:
    book.update(BUY, 99, 2)
    assert book.qty_at(BUY, 99) == 2
    book.update(BUY, 100, 0)
    assert book.best_bid() == (99, 2)
    book.update(BUY, 50, 0)  # removing an absent level is a no-op
    book.update(SELL, 101, 9)
    assert book.best_ask() == (101, 9)


def test_empty_book_answers_none() -> None:
    book = L2Book()
    assert book.best_bid() is None and book.best_ask() is None
    assert book.mid() is None and book.microprice() is None and book.spread() is None
    assert book.imbalance() is None
    book.update(BUY, 10, 4)
    assert book.imbalance(3) == 1.0
    assert book.mid() is None


def test_crossing_update_is_an_error_and_changes_nothing(book: L2Book) -> None:
    with pytest.raises(CrossedBookError, match="bid update at 102 crosses the best ask at 102"):
        book.update(BUY, 102, 1)
    with pytest.raises(CrossedBookError, match="ask update at 99 crosses the best bid at 100"):
        book.update(SELL, 99, 1)
    assert book.best_bid() == (100, 5) and book.best_ask() == (102, 3)


def test_repair_policy_lets_the_newest_update_win() -> None:
    book = L2Book(on_crossed="repair")
    book.load_snapshot(bids=[(100, 5), (99, 7)], asks=[(102, 3), (103, 4), (105, 1)])
    book.update(BUY, 103, 2)
    assert book.best_bid() == (103, 2)
    assert book.best_ask() == (105, 1)
    assert book.repaired_levels == 2
    book.update(SELL, 99, 6)
    assert book.best_bid() is None
    assert book.repaired_levels == 2 + 3


def test_snapshot_replaces_only_given_sides(book: L2Book) -> None:
    book.load_snapshot(asks=np.array([[104, 1], [110, 2]]))
    assert book.best_ask() == (104, 1)
    assert book.best_bid() == (100, 5)
    book.load_snapshot(bids=[])
    assert book.best_bid() is None


@pytest.mark.parametrize(
    ("bids", "asks", "error", "message"),
    [
        ([(100, 1)], [(100, 1)], CrossedBookError, "best bid 100 >= best ask 100"),
        ([(100, 1), (100, 2)], [], BookError, "price 100 twice on the bid side"),
        ([(100, 0)], [], InvalidQuantityError, "non-positive qty 0"),
        (np.array([1, 2, 3]), [], BookError, r"shape \(n, 2\)"),
    ],
)
def test_bad_snapshot_is_rejected_atomically(
    book: L2Book, bids: object, asks: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        book.load_snapshot(bids=bids, asks=asks)  # type: ignore[arg-type]
    assert book.best_bid() == (100, 5) and book.best_ask() == (102, 3)


def test_bad_side_and_negative_qty(book: L2Book) -> None:
    with pytest.raises(BookError, match="side must be BUY"):
        book.update(0, 100, 1)
    with pytest.raises(InvalidQuantityError, match=">= 0"):
        book.update(BUY, 100, -1)
    with pytest.raises(ValueError, match="on_crossed"):
        L2Book(on_crossed="ignore")  # type: ignore[arg-type]


def test_clear_one_side_or_both(book: L2Book) -> None:
    book.clear(SELL)
    assert book.best_ask() is None and book.best_bid() == (100, 5)
    book.clear()
    assert book.best_bid() is None


def test_apply_event_chunk() -> None:
    book = L2Book()
    book.apply(
        events(
            (EventKind.CLEAR, 0, 0, 0),
            (EventKind.SNAPSHOT, BUY, 100, 5),
            (EventKind.SNAPSHOT, SELL, 101, 2),
            (EventKind.DEPTH, BUY, 99, 4),
            (EventKind.TRADE, SELL, 100, 3),
            (EventKind.DEPTH, BUY, 100, 2),
            (EventKind.DEPTH, SELL, 101, 0),
        )
    )
    assert book.best_bid() == (100, 2)
    assert book.best_ask() is None


def test_snapshot_crossing_is_checked_when_the_snapshot_ends() -> None:
    book = L2Book()
    book.load_snapshot(bids=[(100, 1)], asks=[(101, 1)])
    # Bids are re-snapshotted above the old ask, then the asks: crossed only mid-snapshot, so accepted.
    book.apply(
        events(
            (EventKind.CLEAR, BUY, 0, 0),
            (EventKind.SNAPSHOT, BUY, 105, 1),
            (EventKind.CLEAR, SELL, 0, 0),
            (EventKind.SNAPSHOT, SELL, 106, 1),
            (EventKind.DEPTH, BUY, 104, 1),
        )
    )
    assert book.best_bid() == (105, 1) and book.best_ask() == (106, 1)
    with pytest.raises(CrossedBookError, match="event 2: snapshot leaves the book crossed") as caught:
        book.apply(
            events(
                (EventKind.CLEAR, SELL, 0, 0),
                (EventKind.SNAPSHOT, SELL, 104, 1),
                (EventKind.TRADE, SELL, 104, 1),
            )
        )
    assert caught.value.event_index == 2


def test_apply_names_the_failing_event_and_keeps_earlier_ones() -> None:
    book = L2Book()
    with pytest.raises(BookError, match="event 1: L2Book cannot apply ADD") as caught:
        book.apply(events((EventKind.DEPTH, BUY, 100, 1), (EventKind.ADD, BUY, 100, 1)))
    assert caught.value.event_index == 1
    assert book.best_bid() == (100, 1)
    with pytest.raises(CrossedBookError) as crossed:
        book.apply(events((EventKind.DEPTH, SELL, 101, 1), (EventKind.DEPTH, SELL, 100, 1)))
    assert crossed.value.event_index == 1
    with pytest.raises(BookError, match="unknown kind 99"):
        book.apply(events((99, BUY, 1, 1)))  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from([BUY, SELL]), st.integers(90, 110), st.integers(0, 5)), max_size=80))
def test_repaired_updates_match_a_brute_force_model(updates: list[tuple[int, int, int]]) -> None:
    book = L2Book(on_crossed="repair")
    model: dict[int, dict[int, int]] = {BUY: {}, SELL: {}}
    for side, price, qty in updates:
        book.update(side, price, qty)
        model[side].pop(price, None)
        if qty:
            model[side][price] = qty
            other = model[-side]
            for crossed in [p for p in other if (p <= price if side == BUY else p >= price)]:
                del other[crossed]
        assert not book.is_crossed()
    for side, reverse in ((BUY, True), (SELL, False)):
        prices, qtys = book.depth(side)
        expected = sorted(model[side].items(), reverse=reverse)
        assert list(zip(prices.tolist(), qtys.tolist(), strict=True)) == expected
