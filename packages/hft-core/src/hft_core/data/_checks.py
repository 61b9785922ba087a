"""Checks every event stream passes on load, whatever its source: values, time order, crossed books, sync.

Loaders validate what they parse, but a stream can still be wrong as a whole: an events file edited by hand, a
capture whose book never synced, a level that crosses the opposite side. `StreamChecker` runs over the chunks of
any source (``formats.iter_source`` / ``load_source`` put it behind every format) and

- checks values, vectorised per chunk (`check_values`): known kinds and sides, prices > 0 and sizes in range
  (below 2**62, so integer arithmetic downstream cannot overflow), timestamps in [0, 2**62), local time never
  running backwards (across chunks too), order ids >= 0. A bad row is a `DataError` naming the row;
- rebuilds the L2 book (DEPTH/SNAPSHOT/CLEAR rows, per instrument) in a compiled pass (`book_pass`) with the
  replay venue's own rule for a level that crosses the opposite side: the newest level wins and the opposite
  levels at or through it are removed. Each such repair is counted (``crossed_updates``: messages whose levels
  crossed, ``crossed_levels_removed``: opposite levels removed), except where the same message (rows with the
  same local and exchange time) removes those levels itself, as incremental feeds do when one side's update
  comes before the other side's removal. A snapshot (``CLEAR`` + ``SNAPSHOT`` rows) that is crossed when it
  ends is a `DataError`: there is no newer level to believe;
- says whether the book ever synced and ever moved (`BookCheckStats.sync_problem`): a stream with no book rows
  (trades only, a capture whose snapshot never arrived) or whose book is one snapshot that never changes (a
  Binance snapshot ahead of every diff) is a `DataError` unless the caller passes ``allow_unsynced=True``.

The book pass is written once as typed Python and compiled by assignment (`book_pass = njit(book_pass_py)`);
the plain function is the reference the tests compare against.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit, types
from numba.typed import Dict

from hft_core.errors import DataError
from hft_core.events import EVENT_DTYPE, EventKind, Events

__all__ = [
    "MAX_TIMESTAMP_NS",
    "MAX_UNITS",
    "BookCheckStats",
    "StreamChecker",
    "book_pass",
    "book_pass_py",
    "check_values",
    "sync_problem",
]

MAX_UNITS = 2**62
"""Prices (ticks) and sizes (lots) must stay below this: no real market needs more, and sums stay in int64."""
MAX_TIMESTAMP_NS = 2**62
"""Timestamps must lie in ``[0, 2**62)`` ns (until the year 2116), leaving room for latencies in int64."""

_DEPTH = int(EventKind.DEPTH)
_TRADE = int(EventKind.TRADE)
_CLEAR = int(EventKind.CLEAR)
_SNAPSHOT = int(EventKind.SNAPSHOT)
_ADD = int(EventKind.ADD)
_CANCEL = int(EventKind.CANCEL)
_MODIFY = int(EventKind.MODIFY)
_FILL = int(EventKind.FILL)

# -- book pass state vector (int64) ---------------------------------------------------------------------------
BP_BEST_BID = 0
BP_BEST_ASK = 1
BP_IN_SNAPSHOT = 2
BP_GROUP_LOCAL = 3
BP_GROUP_EXCH = 4
BP_PENDING = 5
"""Opposite levels removed by the current message's crossing levels and not (yet) removed by the message itself."""
BP_CROSSED_UPDATES = 6
BP_LEVELS_REMOVED = 7
BP_BAD_ROW = 8
"""Row (in the chunk) of a snapshot that ended crossed, -1 if none; -2: at the end of the stream."""
BP_SNAPSHOTS = 9
BP_DEPTH_ROWS = 10
BP_GROUP_CROSSED = 11
BP_SIZE = 12

_NO_BID = -(2**63)
_NO_ASK = 2**63 - 1


def _new_state() -> npt.NDArray[np.int64]:
    state = np.zeros(BP_SIZE, dtype=np.int64)
    state[BP_BEST_BID] = _NO_BID
    state[BP_BEST_ASK] = _NO_ASK
    state[BP_GROUP_LOCAL] = -1
    state[BP_GROUP_EXCH] = -1
    state[BP_BAD_ROW] = -1
    return state


def book_pass_py(
    kind: Any,
    side: Any,
    price: Any,
    qty: Any,
    local_ts: Any,
    exch_ts: Any,
    bids: Any,
    asks: Any,
    pending: Any,
    state: Any,
) -> int:
    """Apply the L2 rows of one chunk to ``bids``/``asks`` (price -> lots); returns the rows processed.

    Stops early (returning the row) at a snapshot that ends crossed, with ``state[BP_BAD_ROW]`` set. ``pending``
    maps ``2 * price + (side > 0)`` of levels a crossing level removed during the current message.
    """
    n = len(kind)
    for r in range(n):
        k = kind[r]
        if k != _DEPTH and k != _SNAPSHOT and k != _CLEAR:
            if state[BP_IN_SNAPSHOT] != 0:
                state[BP_IN_SNAPSHOT] = 0
                if state[BP_BEST_BID] >= state[BP_BEST_ASK]:
                    state[BP_BAD_ROW] = r
                    return r
            if state[BP_GROUP_CROSSED] != 0:
                state[BP_CROSSED_UPDATES] += 1 if len(pending) > 0 else 0
                state[BP_LEVELS_REMOVED] += len(pending)
                pending.clear()
                state[BP_GROUP_CROSSED] = 0
            state[BP_GROUP_LOCAL] = -1
            continue
        if k == _CLEAR:
            if state[BP_IN_SNAPSHOT] != 0 and side[r] == 0 and state[BP_BEST_BID] >= state[BP_BEST_ASK]:
                # A clear of both sides starts the next snapshot: the one before it ended crossed. (A one-sided
                # clear may be the second half of a snapshot sent side by side: the next row decides.)
                state[BP_BAD_ROW] = r
                return r
            if state[BP_GROUP_CROSSED] != 0:
                state[BP_CROSSED_UPDATES] += 1 if len(pending) > 0 else 0
                state[BP_LEVELS_REMOVED] += len(pending)
                pending.clear()
                state[BP_GROUP_CROSSED] = 0
            s = side[r]
            if s >= 0:
                bids.clear()
                state[BP_BEST_BID] = _NO_BID
            if s <= 0:
                asks.clear()
                state[BP_BEST_ASK] = _NO_ASK
            state[BP_IN_SNAPSHOT] = 1
            state[BP_SNAPSHOTS] += 1
            state[BP_GROUP_LOCAL] = -1
            continue
        if k == _SNAPSHOT:
            state[BP_IN_SNAPSHOT] = 1
        elif state[BP_IN_SNAPSHOT] != 0:
            state[BP_IN_SNAPSHOT] = 0
            if state[BP_BEST_BID] >= state[BP_BEST_ASK]:
                state[BP_BAD_ROW] = r
                return r
        if k == _DEPTH:
            state[BP_DEPTH_ROWS] += 1
            if local_ts[r] != state[BP_GROUP_LOCAL] or exch_ts[r] != state[BP_GROUP_EXCH]:
                if state[BP_GROUP_CROSSED] != 0:
                    state[BP_CROSSED_UPDATES] += 1 if len(pending) > 0 else 0
                    state[BP_LEVELS_REMOVED] += len(pending)
                    pending.clear()
                    state[BP_GROUP_CROSSED] = 0
                state[BP_GROUP_LOCAL] = local_ts[r]
                state[BP_GROUP_EXCH] = exch_ts[r]
        x = price[r]
        q = qty[r]
        s = side[r]
        key = 2 * x + (1 if s > 0 else 0)
        if k == _DEPTH and state[BP_GROUP_CROSSED] != 0 and key in pending:
            # The message itself sets a level its own earlier crossing level removed: not a repair.
            del pending[key]
        if s > 0:
            if q > 0:
                bids[x] = q
                if x > state[BP_BEST_BID]:
                    state[BP_BEST_BID] = x
                if k == _DEPTH:
                    while state[BP_BEST_ASK] <= x:
                        gone = state[BP_BEST_ASK]
                        del asks[gone]
                        pending[2 * gone] = 1
                        state[BP_GROUP_CROSSED] = 1
                        best = _NO_ASK
                        for level in asks:
                            best = min(best, level)
                        state[BP_BEST_ASK] = best
            else:
                if x in bids:
                    del bids[x]
                    if x == state[BP_BEST_BID]:
                        best = _NO_BID
                        for level in bids:
                            best = max(best, level)
                        state[BP_BEST_BID] = best
        else:
            if q > 0:
                asks[x] = q
                if x < state[BP_BEST_ASK]:
                    state[BP_BEST_ASK] = x
                if k == _DEPTH:
                    while state[BP_BEST_BID] >= x:
                        gone = state[BP_BEST_BID]
                        del bids[gone]
                        pending[2 * gone + 1] = 1
                        state[BP_GROUP_CROSSED] = 1
                        best = _NO_BID
                        for level in bids:
                            best = max(best, level)
                        state[BP_BEST_BID] = best
            else:
                if x in asks:
                    del asks[x]
                    if x == state[BP_BEST_ASK]:
                        best = _NO_ASK
                        for level in asks:
                            best = min(best, level)
                        state[BP_BEST_ASK] = best
    return n


book_pass = njit(cache=True)(book_pass_py)


@dataclass(slots=True)
class BookCheckStats:
    """What the stream checks found: book rows, repairs of crossed levels, and the rows looked at."""

    rows: int = 0
    book_rows: int = 0
    l3_rows: int = 0
    depth_rows: int = 0
    snapshots: int = 0
    trades: int = 0
    crossed_updates: int = 0
    crossed_levels_removed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form (stored with the loader's stats)."""
        return asdict(self)


def sync_problem(stats: Mapping[str, Any], loader_stats: Mapping[str, Any] | None = None) -> str | None:
    """Why the stream's order book never synced or never moved, or ``None`` when it did both.

    No book rows at all (trades only; a capture whose snapshot never came) is "never synced"; book rows that are
    one snapshot and nothing after it (no level update, no L3 message, no second snapshot) is "never moved".
    """
    loader = loader_stats or {}
    book_rows = int(stats.get("book_rows", 0)) + int(stats.get("l3_rows", 0))
    if book_rows == 0:
        why = "the data holds no order book (no depth, snapshot or order rows)"
        updates = int(loader.get("depth_updates", 0) or 0)
        if updates and not loader.get("snapshots_used"):
            why = f"the book never synced: {updates} depth update(s) but no usable snapshot"
        elif int(stats.get("trades", 0)):
            why = "the data holds trades only, no order book"
        return why
    if (
        int(stats.get("depth_rows", 0)) == 0
        and int(stats.get("l3_rows", 0)) == 0
        and int(stats.get("snapshots", 0)) <= 1
    ):
        why = "the book never moved: one snapshot and no update after it"
        stale = int(loader.get("stale_dropped", 0) or 0)
        if stale:
            why += f" ({stale} depth update(s) dropped as stale: the snapshot's update id is ahead of the diffs)"
        return why
    return None


class StreamChecker:
    """Runs the value checks and the book pass over a stream's chunks (see the module doc)."""

    def __init__(self, path: str, *, compiled: bool = True) -> None:
        self.path = path
        self.stats = BookCheckStats()
        self._row = 0
        self._previous_local: int | None = None
        self._compiled = compiled
        self._books: dict[int, tuple[Any, Any, Any, npt.NDArray[np.int64]]] = {}

    def _book(self, instrument: int) -> tuple[Any, Any, Any, npt.NDArray[np.int64]]:
        book = self._books.get(instrument)
        if book is None:
            if self._compiled:
                book = (
                    Dict.empty(types.int64, types.int64),
                    Dict.empty(types.int64, types.int64),
                    Dict.empty(types.int64, types.int64),
                    _new_state(),
                )
            else:
                book = ({}, {}, {}, _new_state())
            self._books[instrument] = book
        return book

    def check(self, chunk: Events) -> Events:
        """Check one chunk (in stream order); returns it unchanged, or raises `DataError` at the first bad row."""
        self._previous_local = check_values(
            chunk, path=self.path, row_offset=self._row, previous_local=self._previous_local
        )
        kinds = chunk["kind"]
        stats = self.stats
        stats.rows += len(chunk)
        book = (kinds == _DEPTH) | (kinds == _SNAPSHOT) | (kinds == _CLEAR)
        stats.book_rows += int(book.sum())
        stats.l3_rows += int(((kinds >= _ADD) & (kinds <= _FILL)).sum())
        stats.trades += int((kinds == _TRADE).sum())
        if book.any():
            instruments = chunk["instrument"]
            first = int(instruments[0])
            if (instruments == first).all():
                self._pass(chunk, first, None)
            else:
                for instrument in np.unique(instruments):
                    self._pass(chunk, int(instrument), np.flatnonzero(instruments == instrument))
        self._row += len(chunk)
        return chunk

    def _pass(self, chunk: Events, instrument: int, rows: npt.NDArray[np.intp] | None) -> None:
        bids, asks, pending, state = self._book(instrument)
        part = chunk if rows is None else chunk[rows]
        run = book_pass if self._compiled else book_pass_py
        done = run(
            np.ascontiguousarray(part["kind"]),
            np.ascontiguousarray(part["side"]),
            np.ascontiguousarray(part["price"]),
            np.ascontiguousarray(part["qty"]),
            np.ascontiguousarray(part["local_ts"]),
            np.ascontiguousarray(part["exch_ts"]),
            bids,
            asks,
            pending,
            state,
        )
        if done < len(part):
            row = self._row + (int(rows[done]) if rows is not None else done)
            self._crossed_snapshot(state, f"row {row}")

    def _crossed_snapshot(self, state: npt.NDArray[np.int64], where: str) -> None:
        raise DataError(
            f"{where}: the snapshot before this row leaves the book crossed (best bid {int(state[BP_BEST_BID])} "
            f">= best ask {int(state[BP_BEST_ASK])} ticks)",
            path=self.path,
            field="price",
        )

    def finish(self) -> BookCheckStats:
        """End of the stream: close the last snapshot and message; the totals."""
        stats = self.stats
        stats.depth_rows = stats.snapshots = stats.crossed_updates = stats.crossed_levels_removed = 0
        for _bids, _asks, pending, state in self._books.values():
            if state[BP_IN_SNAPSHOT] != 0:
                state[BP_IN_SNAPSHOT] = 0
                if state[BP_BEST_BID] >= state[BP_BEST_ASK]:
                    self._crossed_snapshot(state, "end of data")
            if state[BP_GROUP_CROSSED] != 0:
                state[BP_CROSSED_UPDATES] += 1 if len(pending) > 0 else 0
                state[BP_LEVELS_REMOVED] += len(pending)
                pending.clear()
                state[BP_GROUP_CROSSED] = 0
            stats.depth_rows += int(state[BP_DEPTH_ROWS])
            stats.snapshots += int(state[BP_SNAPSHOTS])
            stats.crossed_updates += int(state[BP_CROSSED_UPDATES])
            stats.crossed_levels_removed += int(state[BP_LEVELS_REMOVED])
        return stats

    def wrap(self, chunks: Iterator[Events]) -> Iterator[Events]:
        """``chunks``, each checked as it passes; `finish` runs when the stream ends."""
        for chunk in chunks:
            yield self.check(chunk)
        self.finish()


def check_values(events: Events, *, path: str, row_offset: int = 0, previous_local: int | None = None) -> int | None:
    """Value checks of one chunk (vectorised); returns its last local time. `DataError` names the first bad row."""
    if events.dtype != EVENT_DTYPE:
        raise DataError(f"events have dtype {events.dtype}, expected {EVENT_DTYPE}", path=path, field="events")
    if not len(events):
        return previous_local
    kind = events["kind"]
    side = events["side"]
    price = events["price"]
    qty = events["qty"]

    def fail(mask: npt.NDArray[np.bool_], field: str, why: str) -> None:
        if mask.any():
            row = int(np.argmax(mask))
            value = events[field][row] if field in (EVENT_DTYPE.names or ()) else None
            shown = f" {int(value)}" if value is not None else ""
            raise DataError(
                f"row {row_offset + row}: {field}{shown} {why}", path=path, field=f"{field} (row {row_offset + row})"
            )

    fail((kind < _DEPTH) | (kind > _FILL), "kind", "is not an event kind (1-8)")
    fail((side != 0) & (side != 1) & (side != -1), "side", "must be 1 (buy/bid), -1 (sell/ask) or 0")
    needs_side = (kind == _DEPTH) | (kind == _SNAPSHOT) | (kind == _ADD)
    fail(needs_side & (side == 0), "side", "is missing: book rows need a side")
    priced = kind != _CLEAR
    fail(priced & (price <= 0), "price", "must be positive")
    fail(priced & (price >= MAX_UNITS), "price", "is beyond 2**62 ticks")
    may_be_zero = (kind == _DEPTH) | (kind == _SNAPSHOT) | (kind == _CANCEL)
    fail(priced & (qty < 0), "qty", "is negative")
    fail(priced & ~may_be_zero & (qty == 0), "qty", "must be positive for this kind")
    fail(qty >= MAX_UNITS, "qty", "is beyond 2**62 lots")
    for name in ("exch_ts", "local_ts"):
        column = events[name]
        fail((column < 0) | (column >= MAX_TIMESTAMP_NS), name, "is outside [0, 2**62) ns")
    fail(events["order_id"] < 0, "order_id", "is negative")
    local = events["local_ts"]
    backwards = np.zeros(len(events), dtype=bool)
    backwards[1:] = local[1:] < local[:-1]
    if previous_local is not None:
        backwards[0] = local[0] < previous_local
    fail(backwards, "local_ts", "is earlier than the previous row's: local time runs backwards")
    return int(local[-1])


def merge_check_stats(loader_stats: MutableMapping[str, Any], checks: BookCheckStats) -> None:
    """Record the checks' counters with a loader's stats (key ``book_checks``)."""
    loader_stats["book_checks"] = checks.to_dict()
