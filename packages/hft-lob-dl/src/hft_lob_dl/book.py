"""Order-book snapshots (the top L levels of each side) from any hft-core events array, in event or clock time.

`snapshots_from_events` replays the L2 rows (``DEPTH``, ``SNAPSHOT``, ``CLEAR``) of one instrument in a compiled
kernel over a dense book (over the file's price span, or over its distinct prices when the span is very wide); a
source with only L3 rows (LOBSTER) is aggregated by price (``ADD`` adds, ``CANCEL`` and ``FILL`` remove lots). It
emits a snapshot after every timestamp that changed the book (``sampling="event"``) or at every ``interval_ms``
of local time (``sampling="clock"``), whenever both sides hold at least one level and the book is not crossed. A
side thinner than L is padded one tick further out per missing level, with zero size.

`Snapshots` holds integers only (ticks and lots); floats start at the features (`hft_lob_dl.dataset`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numba
import numpy as np
import numpy.typing as npt

from hft_lob_dl.errors import LobDataError

__all__ = ["Sampling", "Snapshots", "snapshots_from_events", "synthetic_snapshots"]

Sampling = Literal["event", "clock"]

_DEPTH, _TRADE, _CLEAR, _SNAPSHOT, _ADD, _CANCEL, _MODIFY, _FILL = 1, 2, 3, 4, 5, 6, 7, 8
IntArray = npt.NDArray[np.int64]
_DENSE_PRICES = 1 << 22
"""A file whose prices span fewer ticks than this gets a dense book over the span; wider ones are indexed by their
distinct prices."""


@dataclass(frozen=True)
class Snapshots:
    """``n`` book snapshots of ``levels`` levels: ``ts`` (ns), and per side prices (ticks) and sizes (lots).

    ``ask_px[:, 0]`` is the best ask, ``bid_px[:, 0]`` the best bid; all four level arrays are ``(n, levels)``.
    """

    ts: IntArray
    ask_px: IntArray
    ask_qty: IntArray
    bid_px: IntArray
    bid_qty: IntArray

    def __len__(self) -> int:
        return len(self.ts)

    @property
    def levels(self) -> int:
        return int(self.ask_px.shape[1])

    @property
    def mid(self) -> npt.NDArray[np.float64]:
        """Mid price in ticks."""
        return (self.ask_px[:, 0] + self.bid_px[:, 0]) / 2.0

    @property
    def spread(self) -> IntArray:
        """Spread in ticks."""
        return self.ask_px[:, 0] - self.bid_px[:, 0]

    def slice(self, start: int, stop: int) -> Snapshots:
        """Rows ``start:stop`` (views)."""
        return Snapshots(
            self.ts[start:stop],
            self.ask_px[start:stop],
            self.ask_qty[start:stop],
            self.bid_px[start:stop],
            self.bid_qty[start:stop],
        )


@numba.njit(cache=True)
def _top(qty: IntArray, best: int, step: int, levels: int, out_px: IntArray, out_qty: IntArray, row: int) -> None:
    """The first ``levels`` non-empty indices of ``qty`` from ``best`` in direction ``step`` (-1 where none)."""
    found = 0
    i = best
    n = len(qty)
    while found < levels and 0 <= i < n:
        if qty[i] > 0:
            out_px[row, found] = i
            out_qty[row, found] = qty[i]
            found += 1
        i += step
    while found < levels:
        out_px[row, found] = -1
        out_qty[row, found] = 0
        found += 1


@numba.njit(cache=True)
def _replay(
    kind: npt.NDArray[np.uint8],
    side: npt.NDArray[np.int8],
    pidx: IntArray,
    qty: IntArray,
    ts: IntArray,
    n_prices: int,
    levels: int,
    l3: bool,
    interval: int,
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
    n = len(kind)
    bid = np.zeros(n_prices, np.int64)
    ask = np.zeros(n_prices, np.int64)
    best_bid = -1
    best_ask = n_prices
    capacity = n + 1 if interval <= 0 else max(1, (ts[-1] - ts[0]) // interval + 2)
    out_ts = np.empty(capacity, np.int64)
    a_px = np.empty((capacity, levels), np.int64)
    a_q = np.empty((capacity, levels), np.int64)
    b_px = np.empty((capacity, levels), np.int64)
    b_q = np.empty((capacity, levels), np.int64)
    count = 0
    changed = False
    next_tick = ts[0] - ts[0] % interval + interval if interval > 0 else 0
    for e in range(n):
        t = ts[e]
        if interval > 0:
            # Clock time: the book as of every grid instant before this event's time.
            while next_tick < t:
                if best_bid >= 0 and best_ask < n_prices and best_bid < best_ask and count < capacity:
                    out_ts[count] = next_tick
                    _top(ask, best_ask, 1, levels, a_px, a_q, count)
                    _top(bid, best_bid, -1, levels, b_px, b_q, count)
                    count += 1
                next_tick += interval
        k = kind[e]
        s = side[e]
        p = pidx[e]
        if k == _CLEAR:
            if s >= 0:
                bid[:] = 0
                best_bid = -1
            if s <= 0:
                ask[:] = 0
                best_ask = n_prices
            changed = True
        elif (not l3 and k in (_DEPTH, _SNAPSHOT)) or (l3 and k in (_ADD, _CANCEL, _FILL)):
            book = bid if s > 0 else ask
            if l3:
                new = book[p] + (qty[e] if k == _ADD else -qty[e])
                book[p] = new if new > 0 else 0
            else:
                book[p] = qty[e]
            if s > 0:
                if book[p] > 0 and p > best_bid:
                    best_bid = p
                elif book[p] == 0 and p == best_bid:
                    while best_bid >= 0 and bid[best_bid] == 0:
                        best_bid -= 1
            else:
                if book[p] > 0 and p < best_ask:
                    best_ask = p
                elif book[p] == 0 and p == best_ask:
                    while best_ask < n_prices and ask[best_ask] == 0:
                        best_ask += 1
            changed = True
        if interval <= 0 and changed and (e == n - 1 or ts[e + 1] != t):
            changed = False
            if best_bid >= 0 and best_ask < n_prices and best_bid < best_ask:
                out_ts[count] = t
                _top(ask, best_ask, 1, levels, a_px, a_q, count)
                _top(bid, best_bid, -1, levels, b_px, b_q, count)
                count += 1
    return out_ts[:count], a_px[:count], a_q[:count], b_px[:count], b_q[:count]


def snapshots_from_events(
    events: npt.NDArray[np.void],
    *,
    levels: int = 10,
    sampling: Sampling = "event",
    interval_ms: float = 100.0,
    instrument: int = 0,
    source: str = "events",
) -> Snapshots:
    """Snapshots of instrument ``instrument``'s book in ``events`` (see the module docstring).

    ``source`` names the input in errors. A source without book levels (only trades, or L3 ``MODIFY`` rows this
    aggregation cannot place) is a `LobDataError`.
    """
    if levels < 1:
        raise LobDataError(f"levels must be >= 1, got {levels}", path=source)
    # Column by column: copying whole (aligned, 48-byte) records would cost more than the replay itself.
    kinds = np.asarray(events["kind"]) if len(events) else np.empty(0, np.uint8)
    mine = np.asarray(events["instrument"]) == instrument if len(events) else np.empty(0, np.bool_)
    l2 = mine & ((kinds == _DEPTH) | (kinds == _SNAPSHOT))
    l3_rows = mine & ((kinds == _ADD) | (kinds == _CANCEL) | (kinds == _FILL))
    clear = mine & (kinds == _CLEAR)
    if l2.any():
        l3 = False
        keep = l2 | clear
    elif l3_rows.any():
        if (mine & (kinds == _MODIFY)).any():
            raise LobDataError(
                "L3 MODIFY rows without L2 depth rows: convert the source with its depth levels", path=source
            )
        l3 = True
        keep = l3_rows | clear
    else:
        raise LobDataError(
            "no order-book depth levels in this file (no DEPTH/SNAPSHOT or ADD/CANCEL rows: trades or quotes only); "
            "a LOB dataset needs the book's levels",
            path=source,
        )
    index = np.flatnonzero(keep)
    ts = np.asarray(events["local_ts"], dtype=np.int64)[index]
    if len(ts) > 1 and (ts[1:] < ts[:-1]).any():
        index = index[np.argsort(ts, kind="stable")]
        ts = np.asarray(events["local_ts"], dtype=np.int64)[index]
    kind = np.ascontiguousarray(kinds[index])
    side = np.ascontiguousarray(np.asarray(events["side"])[index])
    qty = np.ascontiguousarray(np.asarray(events["qty"], dtype=np.int64)[index])
    price = np.asarray(events["price"], dtype=np.int64)[index]
    levels_px = price[kind != _CLEAR]
    low, high = (int(levels_px.min()), int(levels_px.max())) if len(levels_px) else (0, 0)
    if high - low < _DENSE_PRICES:
        # A dense book over the price span (CLEAR rows carry no price: any index in range will do).
        prices = np.arange(low, high + 1, dtype=np.int64)
        pidx = np.clip(price - low, 0, high - low)
    else:
        prices, inverse = np.unique(price, return_inverse=True)
        pidx = inverse.astype(np.int64)
    interval = round(interval_ms * 1_000_000) if sampling == "clock" else 0
    if sampling == "clock" and interval <= 0:
        raise LobDataError(f"interval_ms must be > 0 for clock-time sampling, got {interval_ms}", path=source)
    out = _replay(kind, side, pidx, qty, ts, len(prices), levels, l3, interval)
    out_ts, a_idx, a_q, b_idx, b_q = out
    if len(out_ts) == 0:
        raise LobDataError("the book never holds a level on both sides: no snapshot to learn from", path=source)
    return Snapshots(out_ts, _prices(prices, a_idx, +1), a_q, _prices(prices, b_idx, -1), b_q)


def _prices(prices: IntArray, index: IntArray, direction: int) -> IntArray:
    """Ticks of the level indices; a missing level (-1) sits one tick beyond the level before it."""
    px = prices[np.maximum(index, 0)]
    missing = index < 0
    if missing.any():
        for level in range(1, index.shape[1]):
            gap = missing[:, level]
            px[gap, level] = px[gap, level - 1] + direction
    return px


def synthetic_snapshots(n: int, *, levels: int = 10, signal: float = 0.0, seed: int = 0) -> Snapshots:
    """A random-walk book of ``n`` snapshots where, with ``signal`` > 0, depth imbalance predicts the next moves.

    A persistent imbalance state z (AR(1), coefficient 0.95, in [-1, 1]) tilts the sizes of the top three levels
    towards the bid (z > 0) or the ask. Each step the mid moves by -1, 0 or +1 tick, up with probability
    0.3 + signal·z and down with 0.3 − signal·z, so the book's imbalance now tells where the mid goes next;
    ``signal=0``: the moves ignore the book. One tick spread, seeded.
    """
    rng = np.random.default_rng(seed)
    rho = 0.95
    shocks = rng.normal(0.0, np.sqrt(1 - rho**2), n)
    z = np.empty(n)
    state = 0.0
    for i in range(n):
        state = rho * state + shocks[i]
        z[i] = state
    z = np.clip(z, -1.0, 1.0)
    bid_qty = rng.integers(1, 20, size=(n, levels)).astype(np.int64)
    ask_qty = rng.integers(1, 20, size=(n, levels)).astype(np.int64)
    top = min(3, levels)
    bid_qty[:, :top] = np.maximum(1, np.round(bid_qty[:, :top] * (1 + 0.8 * z[:, None]))).astype(np.int64)
    ask_qty[:, :top] = np.maximum(1, np.round(ask_qty[:, :top] * (1 - 0.8 * z[:, None]))).astype(np.int64)
    u = rng.random(n)
    p_up = np.clip(0.3 + signal * z, 0.0, 0.6)
    p_down = np.clip(0.3 - signal * z, 0.0, 0.6)
    step = np.where(u < p_up, 1, np.where(u > 1.0 - p_down, -1, 0)).astype(np.int64)
    # The move decided by snapshot i's book shows at snapshot i + 1.
    best_bid = 10_000 + np.concatenate(([0], np.cumsum(step[:-1])))
    offsets = np.arange(levels, dtype=np.int64)
    bid_px = best_bid[:, None] - offsets[None, :]
    ask_px = best_bid[:, None] + 1 + offsets[None, :]
    ts = 1_700_000_000_000_000_000 + np.arange(n, dtype=np.int64) * 100_000_000
    return Snapshots(ts, ask_px, ask_qty, bid_px, bid_qty)
