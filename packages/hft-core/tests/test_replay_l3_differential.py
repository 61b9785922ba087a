"""The replay venue against the L3 book on random L3 streams: one semantics everywhere (issue #17).

Streams include adds that cross the book, zero prices, prices far from the book, cancels of 0 lots (the whole
order), duplicate ids, fills and modifies. After every event the venue's book (compiled kernel and its plain
reference) must show the L3 book's best bid and ask; where the L3 book refuses an event, the venue refuses it
too (a `DataError`), never later and never by silently dropping levels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hft_core.book import NO_ASK_PRICE, NO_BID_PRICE, BookError, L3Book, L3Replay
from hft_core.errors import DataError
from hft_core.events import BUY, SELL, EventKind, Events
from hft_core.venues.base import Watch
from hft_core.venues.replay import ReplayVenue
from hft_core.venues.replay._reference import ReferenceReplayVenue
from hft_core.venues.replay._scenarios import INSTRUMENTS, events
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MID = 100_000
STEP_NS = 1_000

ACTIONS = ("add", "add", "add", "cross", "zero", "far", "cancel", "cancel0", "fill", "modify", "dup", "trade")


@st.composite
def l3_streams(draw: Any) -> Events:
    n = draw(st.integers(1, 30))
    rows: list[tuple[int, ...]] = []
    live: dict[int, tuple[int, int, int]] = {}  # id -> (side, price, qty), as the stream intends it
    next_id = 1
    for step in range(n):
        t = (step + 1) * STEP_NS
        action = draw(st.sampled_from(ACTIONS))
        side = draw(st.sampled_from((BUY, SELL)))
        if action in ("cancel", "cancel0", "fill", "modify", "dup") and not live:
            action = "add"
        if action in ("add", "cross", "zero", "far"):
            if action == "add":
                price = MID - draw(st.integers(1, 6)) if side == BUY else MID + draw(st.integers(0, 5))
            elif action == "cross":
                price = MID + draw(st.integers(0, 6)) if side == BUY else MID - draw(st.integers(1, 6))
            elif action == "zero":
                price = draw(st.sampled_from((0, -1)))
            else:
                price = MID - 50_000 if side == BUY else MID + 50_000
            qty = draw(st.integers(1, 5))
            rows.append((t, t, EventKind.ADD, side, price, qty, next_id))
            live[next_id] = (side, price, qty)
            next_id += 1
            continue
        if action == "trade":
            rows.append((t, t, EventKind.TRADE, side, MID, 1, 0))
            continue
        order_id = draw(st.sampled_from(sorted(live)))
        o_side, o_price, o_qty = live[order_id]
        o_price = max(o_price, 1)
        if action == "dup":
            rows.append((t, t, EventKind.ADD, o_side, o_price, 1, order_id))
        elif action == "cancel0":
            rows.append((t, t, EventKind.CANCEL, o_side, o_price, 0, order_id))
            del live[order_id]
        elif action in ("cancel", "fill"):
            cut = draw(st.integers(1, o_qty))
            kind = EventKind.CANCEL if action == "cancel" else EventKind.FILL
            rows.append((t, t, kind, o_side, o_price, cut, order_id))
            if cut == o_qty:
                del live[order_id]
            else:
                live[order_id] = (o_side, o_price, o_qty - cut)
        else:
            new_price = o_price + draw(st.integers(-3, 3))
            new_qty = draw(st.integers(1, 6))
            rows.append((t, t, EventKind.MODIFY, o_side, max(new_price, 1), new_qty, order_id))
            live[order_id] = (o_side, max(new_price, 1), new_qty)
    return events(rows)


def _book_tops(data: Events) -> tuple[list[tuple[Any, ...]], int | None, type[BookError] | None]:
    """The L3 book's top after each event, and the index and type of the first event it refuses."""
    book = L3Book()
    tops: list[tuple[Any, ...]] = []
    for index in range(len(data)):
        try:
            book.apply(data[index : index + 1])
        except BookError as error:
            return tops, index, type(error)
        bid, ask = book.best_bid(), book.best_ask()
        tops.append((*(bid or (None, 0)), *(ask or (None, 0))))
    return tops, None, None


def _venue_tops(venue: Any, data: Events) -> tuple[list[tuple[Any, ...]], int | None]:
    """The venue's (local) top after each event, and the index of the event at which it raised (-1: at start)."""
    tops: list[tuple[Any, ...]] = []
    try:
        venue.start()
    except DataError:
        return tops, -1
    for index in range(len(data)):
        try:
            venue.advance(int(data["local_ts"][index]), Watch())
        except DataError:
            return tops, index
        tops.append(tuple(venue.top(0)))
    return tops, None


def _venue(kind: str, data: Events) -> Any:
    try:
        if kind == "kernel":
            return ReplayVenue(data, INSTRUMENTS[:1])
        return ReferenceReplayVenue(data, INSTRUMENTS[:1])
    except DataError:
        return None


@pytest.mark.parametrize("kind", ["kernel", "reference"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(data=l3_streams())
def test_replay_venue_shows_the_l3_book(kind: str, data: Events) -> None:
    expected, refused_at, error = _book_tops(data)
    bad_values = np.flatnonzero((data["price"] <= 0) & (data["kind"] != EventKind.CLEAR))
    venue = _venue(kind, data)
    if venue is None:
        # refused as the data was handed over: only for rows bad on their values alone
        assert len(bad_values)
        return
    tops, raised_at = _venue_tops(venue, data)
    assert tops == expected[: len(tops)]
    if refused_at is None:
        assert raised_at is None
        assert len(tops) == len(data)
        return
    assert raised_at is not None, f"the L3 book refuses event {refused_at} ({error}); the venue took it"
    if len(bad_values):
        # rows with a price <= 0 are refused when their chunk is loaded, before any of it is replayed
        assert refused_at <= bad_values[0] and raised_at <= bad_values[0]
    else:
        assert raised_at == refused_at


def test_crossing_add_is_refused_not_dropped() -> None:
    data = events(
        [
            (1, 1, EventKind.ADD, BUY, 99, 5, 1),
            (2, 2, EventKind.ADD, SELL, 101, 5, 2),
            (3, 3, EventKind.ADD, BUY, 102, 1, 3),  # crosses the ask at 101
        ]
    )
    for venue in (ReplayVenue(data, INSTRUMENTS[:1]), ReferenceReplayVenue(data, INSTRUMENTS[:1])):
        venue.start()
        venue.advance(2, Watch())
        assert tuple(venue.top(0)) == (99, 5, 101, 5)
        with pytest.raises(DataError, match="crosses the opposite best"):
            venue.advance(3, Watch())


def test_price_zero_ask_is_refused() -> None:
    data = events([(1, 1, EventKind.ADD, BUY, 99, 5, 1), (2, 2, EventKind.ADD, SELL, 0, 5, 2)])
    with pytest.raises(DataError, match="price"):
        venue = ReplayVenue(data, INSTRUMENTS[:1])
        venue.start()
        venue.advance(2, Watch())


def test_cancel_of_zero_lots_removes_the_whole_order() -> None:
    data = events(
        [
            (1, 1, EventKind.ADD, BUY, 99, 5, 1),
            (2, 2, EventKind.ADD, BUY, 99, 3, 2),
            (3, 3, EventKind.CANCEL, BUY, 99, 0, 1),
        ]
    )
    for venue in (ReplayVenue(data, INSTRUMENTS[:1]), ReferenceReplayVenue(data, INSTRUMENTS[:1])):
        venue.start()
        venue.advance(3, Watch())
        assert tuple(venue.top(0)) == (99, 3, None, 0)
    book = L3Book()
    book.apply(data)
    assert book.best_bid() == (99, 3) and 1 not in book
    assert np.array_equal(data["qty"], [5, 3, 0])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(data=l3_streams())
def test_compiled_l3_book_agrees_with_l3_book(data: Events) -> None:
    expected, refused_at, error = _book_tops(data)
    try:
        tops = L3Replay().run(data)
    except BookError as raised:
        assert (raised.event_index, type(raised)) == (refused_at, error)
        return
    assert refused_at is None
    shown = [
        (
            None if b == NO_BID_PRICE else b,
            bq,
            None if a == NO_ASK_PRICE else a,
            aq,
        )
        for b, bq, a, aq in zip(
            tops.bid_price.tolist(), tops.bid_qty.tolist(), tops.ask_price.tolist(), tops.ask_qty.tolist(), strict=True
        )
    ]
    assert shown == expected


def test_order_map_is_sized_by_the_orders_live_not_by_every_id_seen() -> None:
    """A long L3 stream of short-lived orders (each added, then cancelled) keeps the venue's order map as small as
    the few orders live at once: deleted ids leave marks in the hash table until it is rebuilt, and rebuilding it
    at twice the size each time grew it with every order ever seen (the map of 200,000 orders came to 2^20 slots)."""
    rows: list[tuple[int, ...]] = [(1, 1, EventKind.ADD, SELL, MID + 50, 1, 1)]  # (an ask: the book has two sides)
    for n in range(200_000):
        t = 10 + 2 * n
        rows.append((t, t, EventKind.ADD, BUY, MID - 1 - n % 7, 3, 2 + n))
        rows.append((t + 1, t + 1, EventKind.CANCEL, BUY, MID - 1 - n % 7, 0, 2 + n))
    venue = ReplayVenue(events(rows), INSTRUMENTS)
    venue.start()
    venue.advance(2**62, Watch())
    assert venue.events_processed == len(rows)
    assert venue._hkeys.shape[1] <= 4096
