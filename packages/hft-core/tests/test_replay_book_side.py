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
