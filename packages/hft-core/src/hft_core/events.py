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
    """One array from a stream of chunks (for small data and tests; replays stay chunked).

    Chunks that are consecutive slices of one array (`iter_chunks` over it) give back a view of that array, not
    a copy."""
    parts = list(chunks)
    if not parts:
        return empty_events()
    whole = _joined_view(parts)
    if whole is not None:
        return whole
    return np.concatenate(parts).astype(EVENT_DTYPE, copy=False)


def _joined_view(parts: list[Events]) -> Events | None:
    """The view of their common base array that ``parts`` tile end to end, in order; None when they do not."""
    base = parts[0].base
    if not isinstance(base, np.ndarray) or base.dtype != parts[0].dtype or base.ndim != 1:
        return None
    itemsize = base.itemsize
    start_address = base.__array_interface__["data"][0]
    address = parts[0].__array_interface__["data"][0]
    if (address - start_address) % itemsize or not base.flags.c_contiguous:
        return None
    first = (address - start_address) // itemsize
    for part in parts:
        if part.base is not base or not part.flags.c_contiguous or part.dtype != base.dtype:
            return None
        if part.__array_interface__["data"][0] != address:
            return None
        address += part.nbytes
    stop = (address - start_address) // itemsize
    if not 0 <= first <= stop <= len(base):
        return None
    if base.dtype != EVENT_DTYPE:
        return None
    # (as the parts are: with EVENT_DTYPE itself, whose "aligned" flag compiled code relies on, not the base's
    # equal-comparing copy that np.load gives)
    view: Events = base[first:stop].view(EVENT_DTYPE)
    return view
