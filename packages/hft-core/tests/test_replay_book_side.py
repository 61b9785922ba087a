"""`book_side` reads the levels asked for, best first, whatever the gaps: checked against a full scan."""

from __future__ import annotations

import numpy as np
from hft_core.venues.replay import _kernel as k
from hft_core.venues.replay.venue import book_side
from hypothesis import given, settings
from hypothesis import strategies as st


def _book(bids: list[int], asks: list[int], base: int) -> tuple[np.ndarray, np.ndarray]:
    cap = len(bids)
    levels = np.array([*bids, *asks], dtype=np.int64)
    meta = np.zeros((2, 1, k.M_SIZE), dtype=np.int64)
    nonzero_bids, nonzero_asks = np.flatnonzero(bids), np.flatnonzero(asks)
    meta[k.EXCH_BOOK, 0, k.M_BASE] = base
    meta[k.EXCH_BOOK, 0, k.M_CAP] = cap
    meta[k.EXCH_BOOK, 0, k.M_OFF_BID] = 0
    meta[k.EXCH_BOOK, 0, k.M_OFF_ASK] = cap
    meta[k.EXCH_BOOK, 0, k.M_BEST_BID] = base + int(nonzero_bids[-1]) if len(nonzero_bids) else k.NO_BID
    meta[k.EXCH_BOOK, 0, k.M_BEST_ASK] = base + int(nonzero_asks[0]) if len(nonzero_asks) else k.NO_ASK
    meta[k.EXCH_BOOK, 0, k.M_LEVELS_BID] = len(nonzero_bids)
    meta[k.EXCH_BOOK, 0, k.M_LEVELS_ASK] = len(nonzero_asks)
    return levels, meta


def _full_scan(sizes: list[int], base: int, side: int, count: int) -> list[tuple[int, int]]:
    rows = [(base + i, q) for i, q in enumerate(sizes) if q]
    return sorted(rows, reverse=side > 0)[:count]


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=1, max_value=400).flatmap(
        lambda cap: st.tuples(
            st.lists(st.sampled_from([0, 0, 0, 0, 0, 0, 1, 7]), min_size=cap, max_size=cap),
            st.lists(st.sampled_from([0, 0, 0, 0, 0, 0, 2, 5]), min_size=cap, max_size=cap),
        )
    ),
    st.integers(min_value=0, max_value=60),
    st.integers(min_value=-1000, max_value=1000),
)
def test_book_side_equals_a_full_scan(sides: tuple[list[int], list[int]], count: int, base: int) -> None:
    bids, asks = sides
    levels, meta = _book(bids, asks, base)
    assert book_side(levels, meta, k.EXCH_BOOK, 0, 1, count) == _full_scan(bids, base, 1, count)
    assert book_side(levels, meta, k.EXCH_BOOK, 0, -1, count) == _full_scan(asks, base, -1, count)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=1, max_value=300).flatmap(
        lambda cap: st.tuples(
            st.lists(st.sampled_from([0] * 30 + [1, 9]), min_size=cap, max_size=cap),
            st.integers(min_value=-1, max_value=cap),
        )
    ),
    st.integers(min_value=0, max_value=5),
    st.integers(min_value=-1000, max_value=1000),
)
def test_scans_find_the_next_level_as_one_by_one(side: tuple[list[int], int], off: int, base: int) -> None:
    """`_scan_down_blocks`/`_scan_up_blocks` (slot by slot near the start, then in blocks) find what the plain scans
    find, from any start, across gaps longer than a block and in sides that are empty."""
    sizes, idx = side
    levels = np.array([7] * off + sizes + [7] * 3, dtype=np.int64)  # (levels outside the segment must not count)
    cap = len(sizes)
    below = [i for i in range(min(idx, cap - 1), -1, -1) if sizes[i] > 0]
    above = [i for i in range(max(idx, 0), cap) if sizes[i] > 0]
    down, up = min(idx, cap - 1), max(idx, 0)
    for scan_down, scan_up in ((k._scan_down, k._scan_up), (k._scan_down_blocks, k._scan_up_blocks)):
        assert scan_down(levels, off, down, base) == (base + below[0] if below else k.NO_BID)
        assert scan_up(levels, off, up, cap, base) == (base + above[0] if above else k.NO_ASK)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=200).flatmap(
        lambda cap: st.tuples(
            st.lists(st.sampled_from([0, 0, 0, 0, 3]), min_size=cap, max_size=cap),
            st.lists(st.sampled_from([0, 0, 0, 0, 4]), min_size=cap, max_size=cap),
        )
    ),
    st.sampled_from([-1, 0, 1]),
)
def test_clear_empties_the_side_it_names(sides: tuple[list[int], list[int]], side: int) -> None:
    """`_clear` zeroes only the slots up to the best bid (from the best ask): the rest of a side is already empty."""
    bids, asks = sides
    # a consistent book: no bid at or above the best ask
    asks_at = np.flatnonzero(asks)
    if len(asks_at):
        bids = [q if i < asks_at[0] else 0 for i, q in enumerate(bids)]
    levels, meta = _book(bids, asks, 100)
    best_bid, best_ask = meta[k.EXCH_BOOK, 0, k.M_BEST_BID], meta[k.EXCH_BOOK, 0, k.M_BEST_ASK]
    k._clear(levels, meta, k.EXCH_BOOK, 0, side)
    cap = len(bids)
    assert list(levels[:cap]) == ([0] * cap if side >= 0 else bids)
    assert list(levels[cap:]) == ([0] * cap if side <= 0 else asks)
    assert meta[k.EXCH_BOOK, 0, k.M_BEST_BID] == (k.NO_BID if side >= 0 else best_bid)
    assert meta[k.EXCH_BOOK, 0, k.M_BEST_ASK] == (k.NO_ASK if side <= 0 else best_ask)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["store", "store", "store", "clear", "uncounted"]), st.sampled_from([-1, 0, 1])
        ).flatmap(
            lambda op: st.tuples(st.just(op[0]), st.just(op[1]), st.integers(0, 39), st.sampled_from([0, 0, 2, 5]))
        ),
        max_size=80,
    )
)
def test_stores_keep_the_level_counts_and_best_prices(ops: list[tuple[str, int, int, int]]) -> None:
    """`_store` and `_clear` keep each side's level count (`M_LEVELS_BID`/`M_LEVELS_ASK`), and the best prices it
    lets them find without a scan, equal to a recount; a count marked unknown (as the L2 runs leave it) stays
    unknown until a CLEAR, the best prices right all along."""
    cap, base = 40, 500
    levels, meta = _book([0] * cap, [0] * cap, base)
    known = {k.M_LEVELS_BID: True, k.M_LEVELS_ASK: True}
    for op, side, idx, q in ops:
        if op == "store" and side != 0:
            k._store(levels, meta, k.EXCH_BOOK, 0, side, base + idx, q)
        elif op == "clear":
            k._clear(levels, meta, k.EXCH_BOOK, 0, side)
            known[k.M_LEVELS_BID] |= side >= 0
            known[k.M_LEVELS_ASK] |= side <= 0
        elif op == "uncounted" and side != 0:
            field = k.M_LEVELS_BID if side > 0 else k.M_LEVELS_ASK
            meta[k.EXCH_BOOK, 0, field] = k.LEVELS_UNKNOWN
            known[field] = False
        bids, asks = np.flatnonzero(levels[:cap]), np.flatnonzero(levels[cap:])
        assert meta[k.EXCH_BOOK, 0, k.M_BEST_BID] == (base + bids[-1] if len(bids) else k.NO_BID)
        assert meta[k.EXCH_BOOK, 0, k.M_BEST_ASK] == (base + asks[0] if len(asks) else k.NO_ASK)
        for field, counted in ((k.M_LEVELS_BID, bids), (k.M_LEVELS_ASK, asks)):
            assert meta[k.EXCH_BOOK, 0, field] == (len(counted) if known[field] else k.LEVELS_UNKNOWN)
