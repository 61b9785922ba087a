"""Order handling of the replay venue on hand-built streams: latency, takers, post-only, modify, cancel, watching.

Each scenario runs on the compiled venue and on the plain reference; expected reports are derived in comments.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import numba
import numpy as np
import pytest
from hft_core.errors import DataError
from hft_core.events import BUY, EVENT_DTYPE, SELL, EventKind, Events
from hft_core.matching.orders import OrderReason, OrderStatus, OrderType
from hft_core.venues.base import PublicTrade, Report, Watch
from hft_core.venues.replay import ConstantLatency, ReplayVenue, RiskAverseQueue, local_clock_offset
from hft_core.venues.replay._reference import ReferenceReplayVenue
from hft_core.venues.replay._scenarios import INSTRUMENTS, events, random_l2_stream
from hft_core.venues.replay.venue import _FINISHED_IDS_KEPT, validate_chunk

IMPLEMENTATIONS = [ReplayVenue, ReferenceReplayVenue]
D, T, CLEAR, SNAP = EventKind.DEPTH, EventKind.TRADE, EventKind.CLEAR, EventKind.SNAPSHOT
BOOK = [(0, 0, D, BUY, 100, 5), (0, 0, D, BUY, 99, 4), (0, 0, D, SELL, 101, 2), (0, 0, D, SELL, 102, 3)]
NOTHING = Watch()


def make(
    venue_class: type, rows: Sequence[tuple[int, ...]], entry: int = 0, response: int = 0, **options: object
) -> ReplayVenue | ReferenceReplayVenue:
    """A started venue that has processed everything at its first timestamp (the opening book)."""
    venue: ReplayVenue | ReferenceReplayVenue = venue_class(
        events(rows), INSTRUMENTS[:1], latency=ConstantLatency(entry, response), **options
    )
    venue.advance(venue.start(), NOTHING)
    return venue


def advance_to(venue: ReplayVenue | ReferenceReplayVenue, t: int) -> list[Report]:
    """Advance to local time ``t`` exactly, through any early stops; returns the reports on the way."""
    reports: list[Report] = []
    while True:
        advance = venue.advance(t, NOTHING)
        reports.extend(advance.reports)
        if advance.now == t or advance.finished:
            return reports


def all_reports(venue: ReplayVenue | ReferenceReplayVenue, now: int) -> list[Report]:
    reports: list[Report] = []
    while True:
        advance = venue.advance(now + 1_000, NOTHING)
        reports.extend(advance.reports)
        now = advance.now
        if advance.finished:
            return reports


def summary(reports: list[Report]) -> list[tuple[int, OrderStatus, OrderReason, int, int, int]]:
    return [(r.ts, r.status, r.reason, r.fill_qty, r.fill_price, r.leaves) for r in reports]


# -- latency -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_order_reaches_the_exchange_after_the_entry_latency(venue_class: type) -> None:
    rows = [
        (0, 0, D, SELL, 101, 5),
        (14, 14, T, SELL, 100, 1),  # a seller at 100 before our bid can be there (it arrives at 15)
        (15, 15, T, SELL, 100, 1),  # same exchange time as our arrival: the order is in the book first
        (40, 40, D, SELL, 101, 6),
    ]
    venue = make(venue_class, rows, entry=5, response=7)
    now = venue.advance(10, NOTHING).now
    venue.submit(now, 0, 1, BUY, OrderType.LIMIT, 100, 1)
    assert summary(all_reports(venue, now)) == [
        (22, OrderStatus.ACCEPTED, OrderReason.NONE, 0, 0, 1),  # accepted at 15, heard at 15 + 7
        (22, OrderStatus.FILLED, OrderReason.NONE, 1, 100, 0),  # the trade at 15, heard at 22 as well
    ]


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_taker_matches_the_exchange_book_not_the_strategys_view(venue_class: type) -> None:
    rows = [
        (0, 0, D, SELL, 101, 5),
        (0, 0, D, BUY, 100, 5),
        # the exchange shrinks the ask to 2 at 12; the strategy will only see that at 30 (feed latency)
        (12, 30, D, SELL, 101, 2),
        (50, 50, D, BUY, 100, 4),
    ]
    venue = make(venue_class, rows, entry=5, response=0)
    now = venue.advance(10, NOTHING).now
    assert venue.top(0).ask_qty == 5  # what the strategy sees when it decides
    venue.submit(now, 0, 1, BUY, OrderType.IOC, 101, 5)
    assert summary(all_reports(venue, now)) == [
        (15, OrderStatus.ACCEPTED, OrderReason.NONE, 0, 0, 5),
        (15, OrderStatus.PARTIALLY_FILLED, OrderReason.NONE, 2, 101, 3),  # only 2 were there at 15
        (15, OrderStatus.EXPIRED, OrderReason.IOC_REMAINDER, 0, 0, 0),
    ]


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_requests_and_responses_keep_their_order(venue_class: type) -> None:
    venue = make(venue_class, [*BOOK, (100, 100, D, BUY, 98, 1)], entry=3, response=2)
    venue.submit(0, 0, 1, BUY, OrderType.LIMIT, 98, 1)
    venue.cancel(0, 0, 1)
    reports = all_reports(venue, 0)
    # the cancel cannot overtake the order it cancels
    assert [(r.ts, r.status) for r in reports] == [(5, OrderStatus.ACCEPTED), (5, OrderStatus.CANCELLED)]


# -- order types ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_post_only_that_would_cross_is_rejected(venue_class: type) -> None:
    venue = make(venue_class, [*BOOK, (100, 100, D, BUY, 98, 1)])
    venue.submit(0, 0, 1, BUY, OrderType.POST_ONLY, 101, 1)
    venue.submit(0, 0, 2, BUY, OrderType.POST_ONLY, 100, 1)
    venue.submit(0, 0, 3, SELL, OrderType.POST_ONLY, 100, 1)
    assert [(r.order_id, r.status, r.reason) for r in all_reports(venue, 0)] == [
        (1, OrderStatus.REJECTED, OrderReason.POST_ONLY_WOULD_CROSS),
        (2, OrderStatus.ACCEPTED, OrderReason.NONE),
        (3, OrderStatus.REJECTED, OrderReason.POST_ONLY_WOULD_CROSS),
    ]


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_ioc_fok_and_market_orders_sweep_the_recorded_depth(venue_class: type) -> None:
    venue = make(venue_class, [*BOOK, (100, 100, D, BUY, 98, 1)])
    venue.submit(0, 0, 1, BUY, OrderType.IOC, 102, 10)  # 2 @ 101, 3 @ 102, 5 expire
    venue.submit(0, 0, 2, BUY, OrderType.FOK, 102, 10)  # only 5 available up to 102: nothing trades
    venue.submit(0, 0, 3, BUY, OrderType.FOK, 102, 4)  # the same liquidity again (no market impact)
    venue.submit(0, 0, 4, SELL, OrderType.MARKET, 0, 11)  # 5 @ 100, 4 @ 99, the rest expires
    venue.submit(0, 0, 5, SELL, OrderType.LIMIT, 100, 7)  # 5 @ 100 as taker, 2 rest at 100
    got = [(r.order_id, r.status, r.fill_qty, r.fill_price, r.maker) for r in all_reports(venue, 0)]
    assert got == [
        (1, OrderStatus.ACCEPTED, 0, 0, False),
        (1, OrderStatus.PARTIALLY_FILLED, 2, 101, False),
        (1, OrderStatus.PARTIALLY_FILLED, 3, 102, False),
        (1, OrderStatus.EXPIRED, 0, 0, False),
        (2, OrderStatus.ACCEPTED, 0, 0, False),
        (2, OrderStatus.EXPIRED, 0, 0, False),
        (3, OrderStatus.ACCEPTED, 0, 0, False),
        (3, OrderStatus.PARTIALLY_FILLED, 2, 101, False),
        (3, OrderStatus.FILLED, 2, 102, False),
        (4, OrderStatus.ACCEPTED, 0, 0, False),
        (4, OrderStatus.PARTIALLY_FILLED, 5, 100, False),
        (4, OrderStatus.PARTIALLY_FILLED, 4, 99, False),
        (4, OrderStatus.EXPIRED, 0, 0, False),
        (5, OrderStatus.ACCEPTED, 0, 0, False),
        (5, OrderStatus.PARTIALLY_FILLED, 5, 100, False),
    ]
    assert venue.exchange_depth(0, BUY, 2) == [(100, 5), (99, 4)]  # the recorded book is untouched


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_invalid_orders_are_rejected_with_a_reason(venue_class: type) -> None:
    venue = make(venue_class, [*BOOK, (100, 100, D, BUY, 98, 1)])
    venue.submit(0, 0, 1, 0, OrderType.LIMIT, 100, 1)
    venue.submit(0, 0, 2, BUY, OrderType.LIMIT, 100, 0)
    venue.submit(0, 0, 3, BUY, cast(OrderType, 99), 100, 1)  # an order type code no venue knows
    assert [(r.order_id, r.status, r.reason) for r in all_reports(venue, 0)] == [
        (1, OrderStatus.REJECTED, OrderReason.INVALID_SIDE),
        (2, OrderStatus.REJECTED, OrderReason.INVALID_QTY),
        (3, OrderStatus.REJECTED, OrderReason.INVALID_ORDER_TYPE),
    ]


# -- modify and cancel -------------------------------------------------------------------------------------------
MODIFY_ROWS = [
    *BOOK,
    (20, 20, D, BUY, 100, 9),  # 4 more join behind us at 100: level 9, our queue ahead stays 5
    (40, 40, T, SELL, 100, 7),  # 7 trade at 100
    (60, 60, D, SELL, 103, 1),
]


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
@pytest.mark.parametrize(
    ("new_price", "new_qty", "expected_fill"),
    [
        (100, 2, 2),  # size down keeps the place (5 ahead): 7 traded reach us by 2
        (100, 3, 2),  # unchanged size: nothing changes either
        (100, 4, 0),  # size up goes to the back (9 ahead): the 7 don't reach us
        (99, 3, 0),  # a new price is a new place: behind the 4 at 99, no trade there
    ],
)
def test_modify_keeps_priority_only_on_a_size_decrease(
    venue_class: type, new_price: int, new_qty: int, expected_fill: int
) -> None:
    venue = make(venue_class, MODIFY_ROWS)
    venue.submit(0, 0, 1, BUY, OrderType.LIMIT, 100, 3)
    advance_to(venue, 30)
    venue.modify(30, 0, 1, new_price, new_qty)
    reports = all_reports(venue, 30)
    modified = [r for r in reports if r.status == OrderStatus.MODIFIED]
    assert [(r.price, r.leaves) for r in modified] == [(new_price, new_qty)]
    assert sum(r.fill_qty for r in reports) == expected_fill


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_modify_rejections_leave_the_order_alone(venue_class: type) -> None:
    venue = make(venue_class, MODIFY_ROWS)
    venue.submit(0, 0, 1, BUY, OrderType.POST_ONLY, 100, 3)
    advance_to(venue, 30)
    venue.modify(30, 0, 1, 101, 3)  # would cross the 101 ask
    venue.modify(30, 0, 1, 100, 0)
    venue.modify(30, 0, 77, 100, 1)  # no such order
    reports = all_reports(venue, 30)
    assert [(r.order_id, r.status, r.reason, r.price, r.leaves) for r in reports[:3]] == [
        (1, OrderStatus.REJECTED, OrderReason.POST_ONLY_WOULD_CROSS, 100, 3),
        (1, OrderStatus.REJECTED, OrderReason.INVALID_QTY, 100, 3),
        (77, OrderStatus.REJECTED, OrderReason.UNKNOWN_ORDER, 0, 0),
    ]
    assert sum(r.fill_qty for r in reports) == 2  # still 5 ahead at 100: the 7 traded reach it by 2


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_modify_of_a_limit_order_into_the_book_takes_liquidity(venue_class: type) -> None:
    venue = make(venue_class, MODIFY_ROWS)
    venue.submit(0, 0, 1, BUY, OrderType.LIMIT, 100, 3)
    advance_to(venue, 30)
    venue.modify(30, 0, 1, 101, 3)
    got = [(r.status, r.fill_qty, r.fill_price, r.maker, r.leaves) for r in all_reports(venue, 30)]
    assert got[:2] == [(OrderStatus.MODIFIED, 0, 0, False, 3), (OrderStatus.PARTIALLY_FILLED, 2, 101, False, 1)]


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_cancel_then_cancel_again(venue_class: type) -> None:
    venue = make(venue_class, MODIFY_ROWS, entry=1, response=1)
    venue.submit(0, 0, 1, BUY, OrderType.LIMIT, 98, 3)
    assert [(r.ts, r.status) for r in advance_to(venue, 10)] == [(2, OrderStatus.ACCEPTED)]
    venue.cancel(10, 0, 1)
    advance = venue.advance(15, NOTHING)
    assert [(r.status, r.reason, r.ts) for r in advance.reports] == [(OrderStatus.CANCELLED, OrderReason.REQUESTED, 12)]
    venue.cancel(advance.now, 0, 1)
    assert [(r.status, r.reason) for r in all_reports(venue, advance.now)] == [
        (OrderStatus.REJECTED, OrderReason.UNKNOWN_ORDER)
    ]


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_finished_orders_leave_nothing_behind(venue_class: type) -> None:
    """Orders by the thousand come and go, their slots reused (the last freed first): an id whose order finished is
    unknown to a cancel even while a new order sits where it sat, and it can be used again."""
    venue = make(venue_class, [*BOOK, (10**6, 10**6, D, BUY, 98, 1)], entry=1, response=1)
    now = 0
    for order_id in range(1, 5001):
        venue.submit(now, 0, order_id, BUY, OrderType.LIMIT, 97, 1)
        venue.cancel(now, 0, order_id)
        now += 10
        assert [(r.order_id, r.status) for r in advance_to(venue, now)] == [
            (order_id, OrderStatus.ACCEPTED),
            (order_id, OrderStatus.CANCELLED),
        ]
    venue.submit(now, 0, 9000, BUY, OrderType.LIMIT, 97, 1)  # (in order 5000's slot)
    venue.cancel(now, 0, 5000)
    venue.submit(now, 0, 4999, SELL, OrderType.LIMIT, 103, 2)
    now += 10
    assert [(r.order_id, r.status, r.reason) for r in advance_to(venue, now)] == [
        (9000, OrderStatus.ACCEPTED, OrderReason.NONE),
        (5000, OrderStatus.REJECTED, OrderReason.UNKNOWN_ORDER),
        (4999, OrderStatus.ACCEPTED, OrderReason.NONE),
    ]
    venue.cancel(now, 0, 4999)
    venue.cancel(now, 0, 9000)
    assert [(r.order_id, r.status, r.side, r.price) for r in advance_to(venue, now + 10)] == [
        (4999, OrderStatus.CANCELLED, SELL, 103),
        (9000, OrderStatus.CANCELLED, BUY, 97),
    ]
    if isinstance(venue, ReplayVenue):  # the finished orders' ids are dropped now and then
        assert len(venue._live) <= _FINISHED_IDS_KEPT + 2


def test_engine_level_misuse_raises() -> None:
    venue = make(ReplayVenue, [*BOOK, (100, 100, D, BUY, 98, 1)])
    venue.submit(0, 0, 1, BUY, OrderType.LIMIT, 98, 1)
    with pytest.raises(ValueError, match="already in use"):
        venue.submit(0, 0, 1, BUY, OrderType.LIMIT, 98, 1)
    with pytest.raises(ValueError, match="out of range"):
        venue.submit(0, 5, 2, BUY, OrderType.LIMIT, 98, 1)
    with pytest.raises(ValueError, match="beyond the grid's range"):
        venue.submit(0, 0, 2, BUY, OrderType.LIMIT, 2**63, 1)
    venue.submit(0, 0, 2, BUY, OrderType.LIMIT, 97, 1)  # the refused order took no id or slot
    advance_to(venue, 50)
    with pytest.raises(ValueError, match="before the venue's current time"):
        venue.cancel(10, 0, 1)
    with pytest.raises(ValueError, match="before the venue's current time"):
        venue.advance(10, NOTHING)


# -- what makes advance stop ------------------------------------------------------------------------------------
WATCH_ROWS = [
    *BOOK,
    (10, 12, D, BUY, 98, 7),  # below the top: not a top-of-book change
    (20, 22, D, BUY, 100, 6),  # top bid size changes
    (30, 32, T, SELL, 100, 1),
    (40, 42, D, SELL, 101, 1),  # top ask size changes
    (50, 52, D, SELL, 101, 3),  # ... again, 10 ns later
    (70, 72, D, BUY, 99, 1),
]


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_watched_book_changes_and_trades_stop_the_venue(venue_class: type) -> None:
    venue = make(venue_class, WATCH_ROWS)
    first = venue.advance(1_000, Watch((True,), (False,), 0))
    assert (first.now, first.book_changed) == (0, (0,))  # the opening book is news
    second = venue.advance(1_000, Watch((True,), (True,), 0))
    assert (second.now, second.book_changed) == (22, (0,))  # the level at 98 (seen at 12) is not the top
    third = venue.advance(1_000, Watch((True,), (True,), 0))
    assert (third.now, third.trades, third.book_changed) == (32, [PublicTrade(32, 0, 100, 1, SELL)], ())
    # throttled: the ask changes at 42 and 52, but the strategy asked not to hear before 60
    fourth = venue.advance(1_000, Watch((True,), (False,), 60))
    assert (fourth.now, fourth.book_changed) == (60, (0,))
    assert venue.top(0).ask_qty == 3
    fifth = venue.advance(65, Watch((True,), (True,), 60))
    assert (fifth.now, fifth.reports, fifth.trades, fifth.book_changed, fifth.finished) == (65, [], [], (), False)
    last = venue.advance(1_000, Watch((True,), (True,), 60))
    assert (last.now, last.finished) == (72, True)


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_the_strategy_sees_events_at_their_local_time(venue_class: type) -> None:
    venue = make(venue_class, WATCH_ROWS)
    venue.advance(21, NOTHING)
    assert venue.top(0).bid_qty == 5  # changed at the exchange at 20, seen at 22
    venue.advance(22, NOTHING)
    assert venue.top(0).bid_qty == 6
    assert venue.depth(0, BUY, 5) == [(100, 6), (99, 4), (98, 7)]
    assert venue.depth(0, SELL, 1) == [(101, 2)]


# -- data ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_snapshot_resync_replaces_the_book(venue_class: type) -> None:
    rows = [*BOOK, (10, 10, CLEAR, 0, 0, 0), (10, 10, SNAP, BUY, 90, 1), (10, 10, SNAP, SELL, 95, 2)]
    venue = make(venue_class, rows)
    venue.advance(100, NOTHING)
    assert (venue.depth(0, BUY, 5), venue.depth(0, SELL, 5)) == ([(90, 1)], [(95, 2)])


@pytest.mark.parametrize("venue_class", IMPLEMENTATIONS)
def test_negative_feed_latency_is_refused_with_a_hint(venue_class: type) -> None:
    rows = [(0, 0, D, BUY, 100, 1), (1_000, 400, D, BUY, 100, 2)]
    with pytest.raises(DataError, match=r"row 1: local_ts=400 .*local_offset_ns"):
        venue = make(venue_class, rows)
        venue.advance(10_000, NOTHING)
    offset = local_clock_offset(events(rows), min_feed_latency_ns=5)
    assert offset == 605
    venue = make(venue_class, rows, local_offset_ns=offset)
    assert venue.now == 605  # the first row, stamped 0 locally, is seen at 0 + 605
    venue.advance(1_004, NOTHING)
    assert venue.top(0).bid_qty == 1
    venue.advance(1_005, NOTHING)  # the second: 400 + 605, its feed latency now the minimum 5 ns
    assert venue.top(0).bid_qty == 2


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ((0, 0, D, BUY, 100, 1, 0, 3), "instrument=3"),
        ((0, 0, 9, BUY, 100, 1), "kind=9"),
        ((0, 0, D, 0, 100, 1), "side=0 a book row"),
        ((0, 0, D, BUY, 100, -1), "qty=-1"),
    ],
)
def test_bad_rows_are_named(row: tuple[int, ...], message: str) -> None:
    venue = ReplayVenue(events([(0, 0, D, BUY, 100, 1), row]), INSTRUMENTS[:1])
    with pytest.raises(DataError, match=rf"row 1: {message}"):
        venue.start()


def test_streamed_chunks_equal_one_array() -> None:
    rng = np.random.default_rng(3)
    rows = []
    for n in range(400):
        side = int(rng.choice([BUY, SELL]))
        rows.append(
            (
                n * 10,
                n * 10 + int(rng.integers(0, 25)),
                D,
                side,
                100 - side * int(rng.integers(0, 4)),
                int(rng.integers(0, 9)),
            )
        )
        if n % 7 == 0:
            rows.append((n * 10 + 1, n * 10 + 30, T, -side, 100 - side, 2))
    data = events(rows)
    whole = replay_log(ReplayVenue(data, INSTRUMENTS[:1], queue_model=RiskAverseQueue()), step=37, taker=False)
    for size in (1, 2, 7, 64):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        venue = ReplayVenue(iter(chunks), INSTRUMENTS[:1], queue_model=RiskAverseQueue())
        assert replay_log(venue, step=37, taker=False) == whole


def replay_log(venue: ReplayVenue, step: int = 500, taker: bool = True) -> list[object]:
    """Two resting orders (and a taker) on ``venue``, advancing ``step`` ns at a time and watching the book and trades
    to the end: every stop and top."""
    now = venue.start()
    venue.submit(now, 0, 1, BUY, OrderType.LIMIT, 99, 50)
    venue.submit(now, 0, 2, SELL, OrderType.LIMIT, 101, 50)
    if taker:
        venue.submit(now, 0, 3, BUY, OrderType.IOC, 102, 3)
    out: list[object] = []
    while True:
        advance = venue.advance(now + step, Watch((True,), (True,), 0))
        out.append((advance, venue.top(0)))
        now = advance.now
        if advance.finished:
            return out


@pytest.mark.parametrize("kind", ["read-only", "strided", "memmap", "clock offset"])
def test_one_array_is_replayed_as_given_and_never_changed(kind: str, tmp_path: Path) -> None:
    """One array is read in place (a strided one is first made contiguous; a memory map or a clock offset streams
    it through the window): the same replay as the same rows in chunks, and the caller's array is left as it was."""
    data = random_l2_stream(np.random.default_rng(7), 50_000)
    original = data.copy()
    offset = 1_000 if kind == "clock offset" else 0
    given: Events = data
    if kind == "read-only":
        data.flags.writeable = False
    elif kind == "strided":
        spaced = np.zeros(2 * len(data), dtype=EVENT_DTYPE)
        spaced[::2] = data
        given = spaced[::2]
    elif kind == "memmap":
        np.save(tmp_path / "events.npy", data)
        given = np.load(tmp_path / "events.npy", mmap_mode="r")
    chunks = [original[i : i + 4_096] for i in range(0, len(original), 4_096)]
    expected = replay_log(ReplayVenue(chunks, INSTRUMENTS[:1], local_offset_ns=offset))
    assert len(expected) > 1_000
    venue = ReplayVenue(given, INSTRUMENTS[:1], chunk_size=4_096, local_offset_ns=offset)
    assert replay_log(venue) == expected
    in_place = kind in ("read-only", "strided")
    assert (len(venue._buf) == len(data)) is in_place  # streamed: a window of about one chunk
    assert all(np.array_equal(given[name], original[name]) for name in EVENT_DTYPE.names or ())
    if kind == "read-only":
        venue = ReplayVenue(given, INSTRUMENTS[:1])
        tracemalloc.start()
        venue.start()
        while not venue.advance(venue.now + 10**9, Watch()).finished:
            pass
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < given.nbytes // 4  # not copied (streamed, its window would copy it: it is one default chunk)


@pytest.mark.parametrize("bad_row", [10, 150])
def test_bad_rows_of_one_array_are_named_by_their_row_in_it(bad_row: int) -> None:
    """One array is checked a chunk at a time as the replay reaches it, like a stream: `start` checks the first."""
    data = random_l2_stream(np.random.default_rng(8), 300)
    data["qty"][bad_row] = -1
    venue = ReplayVenue(data, INSTRUMENTS[:1], chunk_size=64)
    with pytest.raises(DataError, match=rf"row {bad_row}: qty=-1"):
        venue.start()
        while not venue.advance(venue.now + 10**9, NOTHING).finished:
            pass
    if bad_row > 128:  # the replay went through the two good chunks, up to the bad one
        assert 64 < venue.events_processed <= 128


def test_chunks_read_back_by_np_load_reach_the_kernel_as_event_dtype_itself(tmp_path: Path) -> None:
    """`np.load` returns a dtype equal to EVENT_DTYPE but without its aligned flag; numba types it apart, and
    caches array types by dtype equality, so such a chunk must be relabelled before the kernel sees it."""
    data = events([(0, 0, D, BUY, 100, 5), (10, 10, D, SELL, 101, 2), (20, 20, T, BUY, 101, 1)])
    np.save(tmp_path / "events.npy", data)
    loaded = np.load(tmp_path / "events.npy")
    assert loaded.dtype == EVENT_DTYPE and not loaded.dtype.isalignedstruct
    checked = validate_chunk(loaded, 1, 0)
    assert checked.dtype is EVENT_DTYPE
    assert numba.typeof(checked) == numba.typeof(data)  # type: ignore[no-untyped-call]
    assert np.shares_memory(checked, loaded)  # relabelled, not copied
    unpadded = np.concatenate([data[["exch_ts", "local_ts"]], data[["exch_ts", "local_ts"]]])
    with pytest.raises(DataError, match="expected events of dtype EVENT_DTYPE"):
        validate_chunk(unpadded, 1, 0)
    reports = all_reports(make_from(loaded), 0)
    assert reports == all_reports(make_from(data), 0)


def make_from(data: Events) -> ReplayVenue:
    venue = ReplayVenue(data, INSTRUMENTS[:1])
    now = venue.start()
    venue.submit(now, 0, 1, BUY, OrderType.LIMIT, 101, 1)
    return venue


def test_far_levels_are_ignored_and_the_book_grows_to_fit() -> None:
    rows = [
        (0, 0, D, BUY, 1_000_000, 5),
        (0, 0, D, SELL, 1_000_001, 5),
        (1, 1, D, SELL, 1_000_001 + 3_000_000, 1),  # 3M ticks away: beyond half the 2**20 span, ignored
        (2, 2, D, SELL, 1_000_001 + 100_000, 1),  # 100k ticks away: kept, the segment grows
        (3, 3, D, BUY, 1_000_000 - 200_000, 2),
    ]
    venue = make(ReplayVenue, rows)
    assert isinstance(venue, ReplayVenue)
    venue.advance(10, NOTHING)
    assert venue.depth(0, SELL, 5) == [(1_000_001, 5), (1_100_001, 1)]
    assert venue.depth(0, BUY, 5) == [(1_000_000, 5), (800_000, 2)]
    assert venue.ignored_levels == 2  # once in the exchange book, once in the strategy's view
