"""The columnar market-data event format shared by every loader and every replay.

One numpy structured dtype, `EVENT_DTYPE`; loaders yield arrays of it in chunks and venues consume them. Prices
are integer ticks and sizes integer lots of the event's instrument (see `hft_core.instruments`); timestamps are
integer nanoseconds since the Unix epoch, both as stamped by the exchange and as received locally (their
difference is the feed latency).

Semantics by kind:

- ``DEPTH``: the L2 level at ``price`` on ``side`` now holds ``qty`` lots (absolute; 0 removes the level).
- ``TRADE``: a trade of ``qty`` lots at ``price``; ``side`` is the aggressor's side (0 when unknown).
- ``CLEAR``: forget the book on ``side`` (0 = both sides); a snapshot follows as ``SNAPSHOT`` rows.
- ``SNAPSHOT``: like ``DEPTH``, but part of a full-book snapshot that begins with ``CLEAR``.
- ``ADD`` / ``CANCEL`` / ``MODIFY`` / ``FILL``: L3 (order-by-order) messages on ``order_id``; ``qty`` is the order's
  added, cancelled, new or executed quantity respectively.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import IntEnum

import numpy as np
import numpy.typing as npt

__all__ = [
    "BUY",
    "EVENT_DTYPE",
    "SELL",
    "EventKind",
    "Events",
    "concat_chunks",
    "empty_events",
    "iter_chunks",
]

BUY = 1
SELL = -1

EVENT_DTYPE = np.dtype(
    [
        ("exch_ts", np.int64),
        ("local_ts", np.int64),
        ("price", np.int64),
        ("qty", np.int64),
        ("order_id", np.int64),
        ("instrument", np.int32),
        ("kind", np.uint8),
        ("side", np.int8),
    ],
    align=True,
)

Events = npt.NDArray[np.void]
"""An array of `EVENT_DTYPE` records."""


class EventKind(IntEnum):
    """The ``kind`` column's codes."""

    DEPTH = 1
    TRADE = 2
    CLEAR = 3
    SNAPSHOT = 4
    ADD = 5
    CANCEL = 6
    MODIFY = 7
    FILL = 8


def empty_events(n: int = 0) -> Events:
    """A zero-filled event array of length ``n``."""
    return np.zeros(n, dtype=EVENT_DTYPE)


def iter_chunks(events: Events, chunk_size: int) -> Iterator[Events]:
    """Views of ``events`` of at most ``chunk_size`` rows, in order (no copies)."""
    if chunk_size <= 0:
        raise ValueError(f"chunk_size must be positive, got {chunk_size}")
    for start in range(0, len(events), chunk_size):
        yield events[start : start + chunk_size]


def concat_chunks(chunks: Iterable[Events]) -> Events:
    """One array from a stream of chunks (for small data and tests; replays stay chunked)."""
    parts = list(chunks)
    if not parts:
        return empty_events()
    return np.concatenate(parts).astype(EVENT_DTYPE, copy=False)
