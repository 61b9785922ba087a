"""The numba kernel behind `hft_core.book.L3Replay`: an L3 book in flat arrays, advanced over event columns.

Layout (all int64):

- orders, one slot each: ``o_id``, ``o_side``, ``o_price``, ``o_qty``, ``o_prev``/``o_next`` (the FIFO within a
  level as a doubly linked list of slots, -1 = none) and ``free`` (a stack of unused slots);
- ``h_slot``: an open-addressing hash table (linear probing, backward-shift deletion, power-of-two size,
  Fibonacci hashing) from order id to slot, -1 = empty;
- levels, row 0 bids and row 1 asks: ``lv_key`` sorted ascending with the best level last (the price for bids,
  minus the price for asks), ``lv_qty`` (total lots), ``lv_count`` (attributed orders), ``lv_head``/``lv_tail``
  (first/last order slot), ``lv_unattr`` (unattributed lots, ahead of every order);
- ``state``: the scalars below.

`run_chunk` stops early, before touching the book, when an event needs more order or level capacity (the
caller grows the arrays and resumes at ``state[POSITION]``) or is invalid (``state[ERROR_CODE]``). Event
semantics and the order of the checks are those of `hft_core.book.l3.L3Book`; keep the two in step.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "AUX",
    "DONE",
    "ERROR",
    "ERROR_CODE",
    "ERR_BAD_KIND",
    "ERR_BAD_PRICE",
    "ERR_BAD_QTY",
    "ERR_BAD_SIDE",
    "ERR_CROSSED",
    "ERR_CROSSED_SNAPSHOT",
    "ERR_DUPLICATE",
    "ERR_EXCESS",
    "ERR_LEVEL_EXCESS",
    "ERR_UNKNOWN",
    "GROW_LEVELS",
    "GROW_ORDERS",
    "IN_SNAPSHOT",
    "LIVE_ORDERS",
    "POSITION",
    "STATE_SIZE",
    "UNEXPLAINED_EVENTS",
    "UNEXPLAINED_QTY",
    "hash_capacity_for",
    "rehash",
    "run_chunk",
]

# state[] slots
LIVE_ORDERS = 0
FREE_TOP = 1
POSITION = 2
ERROR_CODE = 3
UNEXPLAINED_QTY = 4
UNEXPLAINED_EVENTS = 5
IN_SNAPSHOT = 6
AUX = 7  # a number for the error message (remaining lots, opposite best price, ...)
STATE_SIZE = 8

# run_chunk results
DONE = 0
GROW_ORDERS = 1
GROW_LEVELS = 2
ERROR = 3

# error codes
ERR_BAD_SIDE = 1
ERR_BAD_QTY = 2
ERR_DUPLICATE = 3
ERR_UNKNOWN = 4
ERR_EXCESS = 5
ERR_LEVEL_EXCESS = 6
ERR_CROSSED = 7
ERR_CROSSED_SNAPSHOT = 8
ERR_BAD_KIND = 9
ERR_BAD_PRICE = 10

# EventKind codes (hft_core.events), as literals numba folds into the comparisons.
_DEPTH = 1
_TRADE = 2
_CLEAR = 3
_SNAPSHOT = 4
_ADD = 5
_CANCEL = 6
_MODIFY = 7
_FILL = 8

_NO_BID = np.iinfo(np.int64).min
_NO_ASK = np.iinfo(np.int64).max
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def hash_capacity_for(order_capacity: int) -> int:
    """Hash table size for ``order_capacity`` live orders: a power of two, load factor at most 1/4."""
    size = 16
    while size < 4 * order_capacity:
        size *= 2
    return size


@njit(cache=True)
def _home(key: int, shift: np.uint64) -> int:
    return int(np.int64((np.uint64(key) * _GOLDEN) >> shift))


@njit(cache=True)
def _shift_for(table_size: int) -> np.uint64:
    bits = 0
    while (1 << bits) < table_size:
        bits += 1
    return np.uint64(64 - bits)


@njit(cache=True)
def _find(h_slot: np.ndarray, o_id: np.ndarray, key: int, shift: np.uint64, mask: int) -> int:
    """Hash position of ``key``, or -1."""
    pos = _home(key, shift)
    while True:
        slot = h_slot[pos]
        if slot < 0:
            return -1
        if o_id[slot] == key:
            return pos
        pos = (pos + 1) & mask


@njit(cache=True)
def _insert(h_slot: np.ndarray, key: int, slot: int, shift: np.uint64, mask: int) -> None:
    pos = _home(key, shift)
    while h_slot[pos] >= 0:
        pos = (pos + 1) & mask
    h_slot[pos] = slot


@njit(cache=True)
def _delete(h_slot: np.ndarray, o_id: np.ndarray, pos: int, shift: np.uint64, mask: int) -> None:
    """Empty hash position ``pos``, moving later entries of the probe run back so lookups still find them."""
    hole = pos
    probe = pos
    while True:
        probe = (probe + 1) & mask
        slot = h_slot[probe]
        if slot < 0:
            break
        home = _home(o_id[slot], shift)
        # The entry at `probe` may fill the hole only if its home is not cyclically within (hole, probe].
        stays = hole < home <= probe if hole <= probe else home > hole or home <= probe
        if not stays:
            h_slot[hole] = slot
            hole = probe
    h_slot[hole] = -1


@njit(cache=True)
def rehash(h_slot: np.ndarray, o_id: np.ndarray, o_qty: np.ndarray, capacity: int) -> None:
    """Fill an empty table with every live slot (``o_qty > 0``) of the first ``capacity`` slots."""
    mask = len(h_slot) - 1
    shift = _shift_for(len(h_slot))
    for slot in range(capacity):
        if o_qty[slot] > 0:
            _insert(h_slot, o_id[slot], slot, shift, mask)


@njit(cache=True)
def _level_search(lv_key: np.ndarray, n: int, side_row: int, key: int) -> int:
    """Index of ``key`` among the first ``n`` keys of the row, or ``-(insertion point) - 1``."""
    if n > 0:
        last = lv_key[side_row, n - 1]
        if key == last:
            return n - 1
        if key > last:
            return -n - 1
    lo = 0
    hi = n
    while lo < hi:
        mid = (lo + hi) >> 1
        if lv_key[side_row, mid] < key:
            lo = mid + 1
        else:
            hi = mid
    if lo < n and lv_key[side_row, lo] == key:
        return lo
    return -lo - 1


@njit(cache=True)
def _level_insert(
    lv_key: np.ndarray,
    lv_qty: np.ndarray,
    lv_count: np.ndarray,
    lv_head: np.ndarray,
    lv_tail: np.ndarray,
    lv_unattr: np.ndarray,
    n_levels: np.ndarray,
    side_row: int,
    at: int,
    key: int,
) -> None:
    n = n_levels[side_row]
    for j in range(n, at, -1):
        lv_key[side_row, j] = lv_key[side_row, j - 1]
        lv_qty[side_row, j] = lv_qty[side_row, j - 1]
        lv_count[side_row, j] = lv_count[side_row, j - 1]
        lv_head[side_row, j] = lv_head[side_row, j - 1]
        lv_tail[side_row, j] = lv_tail[side_row, j - 1]
        lv_unattr[side_row, j] = lv_unattr[side_row, j - 1]
    lv_key[side_row, at] = key
    lv_qty[side_row, at] = 0
    lv_count[side_row, at] = 0
    lv_head[side_row, at] = -1
    lv_tail[side_row, at] = -1
    lv_unattr[side_row, at] = 0
    n_levels[side_row] = n + 1


@njit(cache=True)
def _level_remove(
    lv_key: np.ndarray,
    lv_qty: np.ndarray,
    lv_count: np.ndarray,
    lv_head: np.ndarray,
    lv_tail: np.ndarray,
    lv_unattr: np.ndarray,
    n_levels: np.ndarray,
    side_row: int,
    at: int,
) -> None:
    n = n_levels[side_row] - 1
    for j in range(at, n):
        lv_key[side_row, j] = lv_key[side_row, j + 1]
        lv_qty[side_row, j] = lv_qty[side_row, j + 1]
        lv_count[side_row, j] = lv_count[side_row, j + 1]
        lv_head[side_row, j] = lv_head[side_row, j + 1]
        lv_tail[side_row, j] = lv_tail[side_row, j + 1]
        lv_unattr[side_row, j] = lv_unattr[side_row, j + 1]
    n_levels[side_row] = n


@njit(cache=True)
def _crosses(lv_key: np.ndarray, n_levels: np.ndarray, side: int, price: int) -> bool:
    """Whether a ``side`` order at ``price`` would be at or through the opposite best."""
    if side == 1:
        return bool(n_levels[1] > 0 and price >= -lv_key[1, n_levels[1] - 1])
    return bool(n_levels[0] > 0 and price <= lv_key[0, n_levels[0] - 1])


@njit(cache=True)
def _is_crossed(lv_key: np.ndarray, n_levels: np.ndarray) -> bool:
    return bool(n_levels[0] > 0 and n_levels[1] > 0 and lv_key[0, n_levels[0] - 1] >= -lv_key[1, n_levels[1] - 1])


@njit(cache=True)
def _opposite_best(lv_key: np.ndarray, n_levels: np.ndarray, side: int) -> int:
    if side == 1:
        return int(-lv_key[1, n_levels[1] - 1])
    return int(lv_key[0, n_levels[0] - 1])


@njit(cache=True)
def run_chunk(
    kind: np.ndarray,
    side: np.ndarray,
    price: np.ndarray,
    qty: np.ndarray,
    order_id: np.ndarray,
    out_bid_price: np.ndarray,
    out_bid_qty: np.ndarray,
    out_ask_price: np.ndarray,
    out_ask_qty: np.ndarray,
    o_id: np.ndarray,
    o_side: np.ndarray,
    o_price: np.ndarray,
    o_qty: np.ndarray,
    o_prev: np.ndarray,
    o_next: np.ndarray,
    free: np.ndarray,
    h_slot: np.ndarray,
    lv_key: np.ndarray,
    lv_qty: np.ndarray,
    lv_count: np.ndarray,
    lv_head: np.ndarray,
    lv_tail: np.ndarray,
    lv_unattr: np.ndarray,
    n_levels: np.ndarray,
    state: np.ndarray,
    residual_unknown: bool,
    allow_crossed: bool,
) -> int:
    """Apply events from ``state[POSITION]`` on, recording the top of book after each; see the module doc."""
    n_events = len(kind)
    capacity = len(o_id)
    level_capacity = lv_key.shape[1]
    mask = len(h_slot) - 1
    shift = _shift_for(len(h_slot))
    i = state[POSITION]
    while i < n_events:
        k = kind[i]
        s = side[i]
        p = price[i]
        q = qty[i]
        if state[IN_SNAPSHOT] == 1 and k != _SNAPSHOT and k != _CLEAR:
            if not allow_crossed and _is_crossed(lv_key, n_levels):
                state[AUX] = -lv_key[1, n_levels[1] - 1]
                state[ERROR_CODE] = ERR_CROSSED_SNAPSHOT
                state[POSITION] = i
                return ERROR
            state[IN_SNAPSHOT] = 0

        if k != _CLEAR and p <= 0:
            state[ERROR_CODE] = ERR_BAD_PRICE
            break

        if k == _ADD:
            if s != 1 and s != -1:
                state[ERROR_CODE] = ERR_BAD_SIDE
                break
            if q <= 0:
                state[ERROR_CODE] = ERR_BAD_QTY
                break
            oid = order_id[i]
            if _find(h_slot, o_id, oid, shift, mask) >= 0:
                state[ERROR_CODE] = ERR_DUPLICATE
                break
            if not allow_crossed and _crosses(lv_key, n_levels, s, p):
                state[AUX] = _opposite_best(lv_key, n_levels, s)
                state[ERROR_CODE] = ERR_CROSSED
                break
            row = 0 if s == 1 else 1
            key = p if s == 1 else -p
            at = _level_search(lv_key, n_levels[row], row, key)
            if at < 0 and n_levels[row] == level_capacity:
                state[POSITION] = i
                return GROW_LEVELS
            if state[LIVE_ORDERS] == capacity:
                state[POSITION] = i
                return GROW_ORDERS
            if at < 0:
                at = -at - 1
                _level_insert(lv_key, lv_qty, lv_count, lv_head, lv_tail, lv_unattr, n_levels, row, at, key)
            state[FREE_TOP] -= 1
            slot = free[state[FREE_TOP]]
            state[LIVE_ORDERS] += 1
            o_id[slot] = oid
            o_side[slot] = s
            o_price[slot] = p
            o_qty[slot] = q
            _insert(h_slot, oid, slot, shift, mask)
            tail = lv_tail[row, at]
            o_prev[slot] = tail
            o_next[slot] = -1
            if tail >= 0:
                o_next[tail] = slot
            else:
                lv_head[row, at] = slot
            lv_tail[row, at] = slot
            lv_qty[row, at] += q
            lv_count[row, at] += 1

        elif k in (_CANCEL, _FILL, _MODIFY):
            # a cancel of 0 lots is of the whole order (docs/data-formats.md)
            if q < 0 or (q == 0 and k != _CANCEL):
                state[ERROR_CODE] = ERR_BAD_QTY
                break
            oid = order_id[i]
            pos = _find(h_slot, o_id, oid, shift, mask)
            if pos < 0:
                if k == _MODIFY or not residual_unknown:
                    state[ERROR_CODE] = ERR_UNKNOWN
                    break
                if s != 1 and s != -1:
                    state[ERROR_CODE] = ERR_BAD_SIDE
                    break
                row = 0 if s == 1 else 1
                at = _level_search(lv_key, n_levels[row], row, p if s == 1 else -p)
                taken = 0
                if at >= 0:
                    taken = min(q, lv_unattr[row, at])
                    lv_unattr[row, at] -= taken
                    lv_qty[row, at] -= taken
                    if lv_qty[row, at] == 0:
                        _level_remove(lv_key, lv_qty, lv_count, lv_head, lv_tail, lv_unattr, n_levels, row, at)
                if taken < q:
                    state[UNEXPLAINED_QTY] += q - taken
                    state[UNEXPLAINED_EVENTS] += 1
                elif q == 0:
                    # the whole of an order the book never saw: its size is unknown, nothing is taken
                    state[UNEXPLAINED_EVENTS] += 1
            else:
                slot = h_slot[pos]
                os = o_side[slot]
                row = 0 if os == 1 else 1
                remaining = o_qty[slot]
                if k == _MODIFY:
                    same_price = p == o_price[slot]
                    if same_price and q <= remaining:
                        remove = remaining - q
                        relink = False
                    else:
                        if not same_price:
                            if not allow_crossed and _crosses(lv_key, n_levels, os, p):
                                state[AUX] = _opposite_best(lv_key, n_levels, os)
                                state[ERROR_CODE] = ERR_CROSSED
                                break
                            new_key = p if os == 1 else -p
                            if (
                                _level_search(lv_key, n_levels[row], row, new_key) < 0
                                and n_levels[row] == level_capacity
                            ):
                                state[POSITION] = i
                                return GROW_LEVELS
                        remove = remaining
                        relink = True
                else:
                    if q > remaining:
                        state[AUX] = remaining
                        state[ERROR_CODE] = ERR_EXCESS
                        break
                    remove = remaining if q == 0 else q
                    relink = False
                old_key = o_price[slot] if os == 1 else -o_price[slot]
                at = _level_search(lv_key, n_levels[row], row, old_key)
                o_qty[slot] = remaining - remove
                lv_qty[row, at] -= remove
                if o_qty[slot] == 0:
                    prev = o_prev[slot]
                    nxt = o_next[slot]
                    if prev >= 0:
                        o_next[prev] = nxt
                    else:
                        lv_head[row, at] = nxt
                    if nxt >= 0:
                        o_prev[nxt] = prev
                    else:
                        lv_tail[row, at] = prev
                    lv_count[row, at] -= 1
                    if lv_qty[row, at] == 0:
                        _level_remove(lv_key, lv_qty, lv_count, lv_head, lv_tail, lv_unattr, n_levels, row, at)
                    if relink:
                        key = p if os == 1 else -p
                        at = _level_search(lv_key, n_levels[row], row, key)
                        if at < 0:
                            at = -at - 1
                            _level_insert(lv_key, lv_qty, lv_count, lv_head, lv_tail, lv_unattr, n_levels, row, at, key)
                        o_price[slot] = p
                        o_qty[slot] = q
                        tail = lv_tail[row, at]
                        o_prev[slot] = tail
                        o_next[slot] = -1
                        if tail >= 0:
                            o_next[tail] = slot
                        else:
                            lv_head[row, at] = slot
                        lv_tail[row, at] = slot
                        lv_qty[row, at] += q
                        lv_count[row, at] += 1
                    else:
                        _delete(h_slot, o_id, pos, shift, mask)
                        o_id[slot] = 0
                        free[state[FREE_TOP]] = slot
                        state[FREE_TOP] += 1
                        state[LIVE_ORDERS] -= 1

        elif k in (_DEPTH, _SNAPSHOT):
            if s != 1 and s != -1:
                state[ERROR_CODE] = ERR_BAD_SIDE
                break
            if q < 0:
                state[ERROR_CODE] = ERR_BAD_QTY
                break
            row = 0 if s == 1 else 1
            key = p if s == 1 else -p
            at = _level_search(lv_key, n_levels[row], row, key)
            attributed = lv_qty[row, at] - lv_unattr[row, at] if at >= 0 else 0
            if attributed > q:
                state[AUX] = attributed
                state[ERROR_CODE] = ERR_LEVEL_EXCESS
                break
            if k == _DEPTH and q > 0 and not allow_crossed and _crosses(lv_key, n_levels, s, p):
                state[AUX] = _opposite_best(lv_key, n_levels, s)
                state[ERROR_CODE] = ERR_CROSSED
                break
            if at < 0:
                if q > 0:
                    if n_levels[row] == level_capacity:
                        state[POSITION] = i
                        return GROW_LEVELS
                    at = -at - 1
                    _level_insert(lv_key, lv_qty, lv_count, lv_head, lv_tail, lv_unattr, n_levels, row, at, key)
                    lv_unattr[row, at] = q
                    lv_qty[row, at] = q
            elif q == 0:
                _level_remove(lv_key, lv_qty, lv_count, lv_head, lv_tail, lv_unattr, n_levels, row, at)
            else:
                lv_unattr[row, at] = q - attributed
                lv_qty[row, at] = q
            if k == _SNAPSHOT:
                state[IN_SNAPSHOT] = 1

        elif k == _CLEAR:
            if s != 0 and s != 1 and s != -1:
                state[ERROR_CODE] = ERR_BAD_SIDE
                break
            for row in range(2):
                if s == 0 or (s == 1 and row == 0) or (s == -1 and row == 1):
                    for at in range(n_levels[row]):
                        slot = lv_head[row, at]
                        while slot >= 0:
                            nxt = o_next[slot]
                            _delete(h_slot, o_id, _find(h_slot, o_id, o_id[slot], shift, mask), shift, mask)
                            o_qty[slot] = 0
                            o_id[slot] = 0
                            free[state[FREE_TOP]] = slot
                            state[FREE_TOP] += 1
                            state[LIVE_ORDERS] -= 1
                            slot = nxt
                    n_levels[row] = 0
            state[IN_SNAPSHOT] = 1

        elif k != _TRADE:
            state[ERROR_CODE] = ERR_BAD_KIND
            break

        nb = n_levels[0]
        if nb > 0:
            out_bid_price[i] = lv_key[0, nb - 1]
            out_bid_qty[i] = lv_qty[0, nb - 1]
        else:
            out_bid_price[i] = _NO_BID
            out_bid_qty[i] = 0
        na = n_levels[1]
        if na > 0:
            out_ask_price[i] = -lv_key[1, na - 1]
            out_ask_qty[i] = lv_qty[1, na - 1]
        else:
            out_ask_price[i] = _NO_ASK
            out_ask_qty[i] = 0
        i += 1

    state[POSITION] = i
    if i < n_events:
        return ERROR
    if state[IN_SNAPSHOT] == 1:
        state[IN_SNAPSHOT] = 0
        if not allow_crossed and _is_crossed(lv_key, n_levels):
            state[AUX] = -lv_key[1, n_levels[1] - 1]
            state[ERROR_CODE] = ERR_CROSSED_SNAPSHOT
            state[POSITION] = n_events - 1
            return ERROR
    return DONE
