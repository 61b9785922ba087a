"""The replay venue's compiled state machine: market events, the strategy's orders, queues and latency, in numba.

`run` advances one replay from where it stopped to the next moment the strategy must see (or to a point where
the Python side has to step in: more data, a bigger book segment, more latency draws, more room). All state
lives in plain arrays owned by `hft_core.venues.replay.venue.ReplayVenue`, so a call can stop anywhere between
two happenings and resume later; the layout constants below are that contract. `_reference.py` implements the
same state machine in plain Python, and the tests check the two agree report for report.

Happenings, in time order; at equal times in this priority order:

1. a request (new order, cancel, modify) reaching the exchange;
2. a market event applied to the exchange-side book at its exchange time (running maximum of ``exch_ts``);
3. a report reaching the strategy;
4. a market event reaching the strategy at its local time (running maximum of ``local_ts``);
5. the end of the book-change throttle (``book_from``), when a watched top of book changed during it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

__all__ = ["first_bad_row", "rehash", "run"]

# NRT (numba's reference counting) is off: the kernel allocates nothing, and array reference counting on every
# helper call would cost more than the market logic itself. Only `run` and `rehash` are cached entry points;
# the helpers compile into them (and can be inlined there).
_jit: Any = njit
_helper = _jit(_nrt=False)
_inlined = _jit(_nrt=False, inline="always")
_entry = _jit(cache=True, _nrt=False)

# -- status codes returned by `run` ---------------------------------------------------------------------------
DONE = 0
NEED_DATA = 1
NEED_GROW = 2
NEED_SAMPLES = 3
NEED_REPORT_ROOM = 4
OUTPUT_FULL = 5
NEED_L3_ROOM = 6

# -- scalar state (int64 vector ``st``) -------------------------------------------------------------------------
S_NOW = 0
S_UNTIL = 1
S_STOP_AT = 2
S_BOOK_FROM = 3
# (index 4 is free)
S_EX_POS = 5
S_LO_POS = 6
S_BUF_LEN = 7
S_EOF = 8
S_EX_TIME = 9
S_LO_TIME = 10
S_REQ_HEAD = 11
S_REQ_COUNT = 12
S_REP_HEAD = 13
S_REP_COUNT = 14
S_LAST_DELIVERY = 15
S_OUT_REPORTS = 16
S_OUT_TRADES = 17
S_N_ACTIVE = 18
S_SEQ = 19
S_PENDING_BOOK = 20
S_FINISHED = 21
S_GROW_BOOK = 22
S_GROW_INST = 23
S_GROW_PRICE = 24
S_LAT_MODE = 25
S_LAT_RESPONSE = 26
S_LAT_CURSOR = 27
S_LAT_STEP = 28
S_QUEUE_MODEL = 29
S_PARTIAL = 30
S_HALF_SPAN = 31
S_N_INST = 32
S_IGNORED = 33
S_HAP_DELIVERY = 34
S_L3_FREE_EXCH = 35
S_L3_FREE_LOCAL = 36
S_EVENTS_DONE = 37
S_HASH_USED_EXCH = 38
S_HASH_USED_LOCAL = 39
S_STOP_ON_REPORTS = 40
S_SIZE = 41

F_EXPONENT = 0
"""Index of the queue model's exponent in the float parameter vector ``fp``."""

# -- books: ``bmeta[book, instrument, field]`` over the flat ``levels`` array -----------------------------------
EXCH_BOOK = 0
LOCAL_BOOK = 1
M_BASE = 0
M_CAP = 1
M_OFF_BID = 2
M_OFF_ASK = 3
M_BEST_BID = 4
M_BEST_ASK = 5
M_SIZE = 6
NO_BID = -(2**62)
NO_ASK = 2**62
INF = 2**62
NONE = -(2**62)

PLACE_OK = 0
PLACE_IGNORE = 1
PLACE_GROW = 2

# -- the strategy's orders: ``ord_i[slot, field]`` and ``ord_f[slot, field]`` ------------------------------------
O_ID = 0
O_INST = 1
O_SIDE = 2
O_PRICE = 3
O_LEAVES = 4
O_TYPE = 5
O_STATE = 6
O_SEQ = 7
O_SIZE = 8
F_AHEAD = 0
F_TRADED = 1
F_SIZE = 2
ST_FREE = 0
ST_IN_FLIGHT = 1
ST_RESTING = 2
ST_DONE = 3

# -- requests in flight to the exchange: ring ``req[k, field]`` -------------------------------------------------
R_ARRIVAL = 0
R_KIND = 1
R_SLOT = 2
R_ID = 3
R_INST = 4
R_PRICE = 5
R_QTY = 6
R_SIZE = 7
REQ_SUBMIT = 1
REQ_CANCEL = 2
REQ_MODIFY = 3

# -- reports: in flight (ring ``rep``) and delivered (``out_rep``) ----------------------------------------------
P_TS = 0
P_INST = 1
P_ID = 2
P_STATUS = 3
P_REASON = 4
P_SIDE = 5
P_PRICE = 6
P_LEAVES = 7
P_FILL_QTY = 8
P_FILL_PRICE = 9
P_MAKER = 10
P_SLOT = 11
P_TERMINAL = 12
P_SIZE = 13

# -- public trades delivered: ``out_trd[k, field]`` -------------------------------------------------------------
T_TS = 0
T_INST = 1
T_PRICE = 2
T_QTY = 3
T_SIDE = 4
T_SIZE = 5

# -- per instrument: ``inst[i, field]`` --------------------------------------------------------------------------
I_WATCH_BOOK = 0
I_WATCH_TRADES = 1
I_SEEN_BID = 2
I_SEEN_BID_QTY = 3
I_SEEN_ASK = 4
I_SEEN_ASK_QTY = 5
I_CHANGED = 6
I_RESTING = 7
I_BUY_LOW = 8
I_BUY_HIGH = 9
I_SELL_LOW = 10
I_SELL_HIGH = 11
I_SIZE = 12
"""``I_BUY_LOW``..``I_SELL_HIGH``: price range of our resting orders per side (NO_ASK/NO_BID when none), so a market
event that cannot touch them skips the per-order work."""

# -- L3 orders of the recorded market: ``l3[book, slot, field]`` -----------------------------------------------
L_SIDE = 0
L_PRICE = 1
L_QTY = 2
L_SEQ = 3
L_SIZE = 4
# ... found by order id through an open-addressing hash table per book: ``hkeys[book, k]`` -> ``hvals[book, k]``
H_EMPTY = -1
H_DELETED = -2

# Event kinds (hft_core.events.EventKind), order types, statuses and reasons (hft_core.matching.orders).
K_DEPTH = 1
K_TRADE = 2
K_CLEAR = 3
K_SNAPSHOT = 4
K_ADD = 5
K_CANCEL = 6
K_MODIFY = 7
K_FILL = 8
T_LIMIT = 1
T_MARKET = 2
T_IOC = 3
T_FOK = 4
T_POST_ONLY = 5
ACCEPTED = 1
REJECTED = 2
CANCELLED = 3
PARTIALLY_FILLED = 4
FILLED = 5
EXPIRED = 6
MODIFIED = 7
R_NONE = 0
R_INVALID_SIDE = 1
R_INVALID_QTY = 2
R_INVALID_ORDER_TYPE = 4
R_UNKNOWN_ORDER = 5
R_POST_ONLY_WOULD_CROSS = 7
R_FOK_UNFILLABLE = 8
R_IOC_REMAINDER = 9
R_REQUESTED = 11

Q_RISK_AVERSE = 0
Q_POWER = 1
Q_LOG = 2
Q_POWER3 = 3
Q_L3_FIFO = 4
LAT_CONSTANT = 0
LAT_SAMPLED = 1

MAX_SWEEP_LEVELS = 1000
"""A liquidity-taking order walks at most this many non-empty price levels."""
REPORT_HEADROOM = MAX_SWEEP_LEVELS + 8
"""Free report slots required before an exchange happening (a sweep plus its acknowledgement and expiry)."""


# =============================================================================================================
# Books
# =============================================================================================================
@_helper
def _level(levels, bmeta, b, i, side, x):  # type: ignore[no-untyped-def]
    idx = x - bmeta[b, i, M_BASE]
    if idx < 0 or idx >= bmeta[b, i, M_CAP]:
        return 0
    if side > 0:
        return levels[bmeta[b, i, M_OFF_BID] + idx]
    return levels[bmeta[b, i, M_OFF_ASK] + idx]


@_helper
def _placement(st, bmeta, b, i, x, q):  # type: ignore[no-untyped-def]
    """Whether a level of ``q`` lots at ``x`` can be stored now, is too far from the book to keep, or needs room."""
    if q <= 0:
        return PLACE_OK
    bb = bmeta[b, i, M_BEST_BID]
    ba = bmeta[b, i, M_BEST_ASK]
    if bb != NO_BID:
        centre = (bb + ba) // 2 if ba != NO_ASK else bb
    elif ba != NO_ASK:
        centre = ba
    else:
        centre = x
    if abs(x - centre) > st[S_HALF_SPAN]:
        return PLACE_IGNORE
    idx = x - bmeta[b, i, M_BASE]
    if idx < 0 or idx >= bmeta[b, i, M_CAP]:
        return PLACE_GROW
    return PLACE_OK


@_helper
def _scan_down(levels, off, idx, base):  # type: ignore[no-untyped-def]
    while idx >= 0:
        if levels[off + idx] > 0:
            return base + idx
        idx -= 1
    return NO_BID


@_helper
def _scan_up(levels, off, idx, cap, base):  # type: ignore[no-untyped-def]
    while idx < cap:
        if levels[off + idx] > 0:
            return base + idx
        idx += 1
    return NO_ASK


@_helper
def _store(levels, bmeta, b, i, side, x, q):  # type: ignore[no-untyped-def]
    """Set the level (placement already checked); keep the best prices; a new level clears the crossed side."""
    base = bmeta[b, i, M_BASE]
    cap = bmeta[b, i, M_CAP]
    idx = x - base
    if idx < 0 or idx >= cap:
        return
    if side > 0:
        off = bmeta[b, i, M_OFF_BID]
        levels[off + idx] = q
        bb = bmeta[b, i, M_BEST_BID]
        if q > 0:
            if bb == NO_BID or x > bb:
                bmeta[b, i, M_BEST_BID] = x
            ba = bmeta[b, i, M_BEST_ASK]
            if ba != NO_ASK and ba <= x:
                aoff = bmeta[b, i, M_OFF_ASK]
                for k in range(ba - base, idx + 1):
                    levels[aoff + k] = 0
                bmeta[b, i, M_BEST_ASK] = _scan_up(levels, aoff, idx + 1, cap, base)
        elif x == bb:
            bmeta[b, i, M_BEST_BID] = _scan_down(levels, off, idx - 1, base)
    else:
        off = bmeta[b, i, M_OFF_ASK]
        levels[off + idx] = q
        ba = bmeta[b, i, M_BEST_ASK]
        if q > 0:
            if ba == NO_ASK or x < ba:
                bmeta[b, i, M_BEST_ASK] = x
            bb = bmeta[b, i, M_BEST_BID]
            if bb != NO_BID and bb >= x:
                boff = bmeta[b, i, M_OFF_BID]
                for k in range(idx, bb - base + 1):
                    levels[boff + k] = 0
                bmeta[b, i, M_BEST_BID] = _scan_down(levels, boff, idx - 1, base)
        elif x == ba:
            bmeta[b, i, M_BEST_ASK] = _scan_up(levels, off, idx + 1, cap, base)


@_helper
def _clear(levels, bmeta, b, i, side):  # type: ignore[no-untyped-def]
    cap = bmeta[b, i, M_CAP]
    if side >= 0:
        off = bmeta[b, i, M_OFF_BID]
        levels[off : off + cap] = 0
        bmeta[b, i, M_BEST_BID] = NO_BID
    if side <= 0:
        off = bmeta[b, i, M_OFF_ASK]
        levels[off : off + cap] = 0
        bmeta[b, i, M_BEST_ASK] = NO_ASK


@_helper
def _top_differs(levels, bmeta, inst, i):  # type: ignore[no-untyped-def]
    bb = bmeta[LOCAL_BOOK, i, M_BEST_BID]
    ba = bmeta[LOCAL_BOOK, i, M_BEST_ASK]
    if bb != inst[i, I_SEEN_BID] or ba != inst[i, I_SEEN_ASK]:
        return True
    bq = _level(levels, bmeta, LOCAL_BOOK, i, 1, bb) if bb != NO_BID else 0
    aq = _level(levels, bmeta, LOCAL_BOOK, i, -1, ba) if ba != NO_ASK else 0
    return bq != inst[i, I_SEEN_BID_QTY] or aq != inst[i, I_SEEN_ASK_QTY]


@_helper
def _mark_seen(levels, bmeta, inst, i):  # type: ignore[no-untyped-def]
    bb = bmeta[LOCAL_BOOK, i, M_BEST_BID]
    ba = bmeta[LOCAL_BOOK, i, M_BEST_ASK]
    inst[i, I_SEEN_BID] = bb
    inst[i, I_SEEN_ASK] = ba
    inst[i, I_SEEN_BID_QTY] = _level(levels, bmeta, LOCAL_BOOK, i, 1, bb) if bb != NO_BID else 0
    inst[i, I_SEEN_ASK_QTY] = _level(levels, bmeta, LOCAL_BOOK, i, -1, ba) if ba != NO_ASK else 0


# =============================================================================================================
# L3 (order-by-order) bookkeeping of the recorded market
# =============================================================================================================
@_helper
def _hash_find(hkeys, b, key):  # type: ignore[no-untyped-def]
    """Position of ``key`` in book ``b``'s table, or -1."""
    mask = hkeys.shape[1] - 1
    h = (key ^ (key >> 29)) & mask
    while True:
        k = hkeys[b, h]
        if k == key:
            return h
        if k == H_EMPTY:
            return -1
        h = (h + 1) & mask


@_helper
def _hash_insert(st, hkeys, hvals, b, key, value):  # type: ignore[no-untyped-def]
    mask = hkeys.shape[1] - 1
    h = (key ^ (key >> 29)) & mask
    while hkeys[b, h] != H_EMPTY and hkeys[b, h] != H_DELETED:
        h = (h + 1) & mask
    if hkeys[b, h] == H_EMPTY:
        st[S_HASH_USED_EXCH + b] += 1
    hkeys[b, h] = key
    hvals[b, h] = value


@_entry
def rehash(old_keys, old_vals, new_keys, new_vals, st):  # type: ignore[no-untyped-def]
    """Copy both books' live entries into bigger (empty) tables; resets the usage counts."""
    for b in range(old_keys.shape[0]):
        st[S_HASH_USED_EXCH + b] = 0
        for k in range(old_keys.shape[1]):
            key = old_keys[b, k]
            if key >= 0:
                _hash_insert(st, new_keys, new_vals, b, key, old_vals[b, k])


@_helper
def _l3_take_slot(st, l3_free, b):  # type: ignore[no-untyped-def]
    n = st[S_L3_FREE_EXCH + b] - 1
    st[S_L3_FREE_EXCH + b] = n
    return l3_free[b, n]


@_helper
def _l3_release(st, l3_free, b, slot):  # type: ignore[no-untyped-def]
    n = st[S_L3_FREE_EXCH + b]
    l3_free[b, n] = slot
    st[S_L3_FREE_EXCH + b] = n + 1


@_helper
def _l3_apply(st, levels, bmeta, hkeys, hvals, l3, l3_free, b, kind, i, side, x, q, oid):  # type: ignore[no-untyped-def]
    """Apply one L3 message to book ``b`` and its order map.

    Returns (status, order side, order priority, quantity removed or executed, priority lost,
    first changed price, its level before, after, second changed price, before, after); a price of NONE means
    no change there. ``status`` is NEED_GROW / NEED_L3_ROOM before any change, else DONE.
    """
    pos = _hash_find(hkeys, b, oid)
    slot = hvals[b, pos] if pos >= 0 else -1
    if kind == K_ADD or (kind == K_MODIFY and slot < 0):
        if slot < 0:
            if st[S_L3_FREE_EXCH + b] == 0 or 2 * (st[S_HASH_USED_EXCH + b] + 1) > hkeys.shape[1]:
                return (NEED_L3_ROOM, 0, 0, 0, False, NONE, 0, 0, NONE, 0, 0)
            prev = _level(levels, bmeta, b, i, side, x)
            place = _placement(st, bmeta, b, i, x, prev + q)
            if place == PLACE_GROW:
                st[S_GROW_BOOK] = b
                st[S_GROW_INST] = i
                st[S_GROW_PRICE] = x
                return (NEED_GROW, 0, 0, 0, False, NONE, 0, 0, NONE, 0, 0)
            seq = st[S_SEQ]
            if b == EXCH_BOOK:
                st[S_SEQ] = seq + 1
            new_slot = _l3_take_slot(st, l3_free, b)
            l3[b, new_slot, L_SIDE] = side
            l3[b, new_slot, L_PRICE] = x
            l3[b, new_slot, L_QTY] = q
            l3[b, new_slot, L_SEQ] = seq
            _hash_insert(st, hkeys, hvals, b, oid, new_slot)
            if place == PLACE_IGNORE:
                st[S_IGNORED] += 1
                return (DONE, side, seq, 0, False, NONE, 0, 0, NONE, 0, 0)
            _store(levels, bmeta, b, i, side, x, prev + q)
            return (DONE, side, seq, 0, False, x, prev, prev + q, NONE, 0, 0)
    elif kind in (K_CANCEL, K_FILL):
        if slot >= 0:
            oside = l3[b, slot, L_SIDE]
            ox = l3[b, slot, L_PRICE]
            oseq = l3[b, slot, L_SEQ]
            removed = min(q, l3[b, slot, L_QTY])
            left = l3[b, slot, L_QTY] - removed
            if left > 0:
                l3[b, slot, L_QTY] = left
            else:
                hkeys[b, pos] = H_DELETED
                _l3_release(st, l3_free, b, slot)
        else:
            oside = side
            ox = x
            oseq = -1
            removed = q
        prev = _level(levels, bmeta, b, i, oside, ox)
        new = prev - removed if prev > removed else 0
        _store(levels, bmeta, b, i, oside, ox, new)
        return (DONE, oside, oseq, removed, False, ox, prev, new, NONE, 0, 0)
    # MODIFY of a known order: new price x, new quantity q
    oside = l3[b, slot, L_SIDE]
    ox = l3[b, slot, L_PRICE]
    oq = l3[b, slot, L_QTY]
    oseq = l3[b, slot, L_SEQ]
    lost = x != ox or q > oq
    if x == ox:
        prev = _level(levels, bmeta, b, i, oside, ox)
        kept = prev - oq if prev > oq else 0
        place = _placement(st, bmeta, b, i, x, kept + q)
        if place == PLACE_GROW:
            st[S_GROW_BOOK] = b
            st[S_GROW_INST] = i
            st[S_GROW_PRICE] = x
            return (NEED_GROW, 0, 0, 0, False, NONE, 0, 0, NONE, 0, 0)
    else:
        place = _placement(st, bmeta, b, i, x, _level(levels, bmeta, b, i, oside, x) + q)
        if place == PLACE_GROW:
            st[S_GROW_BOOK] = b
            st[S_GROW_INST] = i
            st[S_GROW_PRICE] = x
            return (NEED_GROW, 0, 0, 0, False, NONE, 0, 0, NONE, 0, 0)
    l3[b, slot, L_PRICE] = x
    l3[b, slot, L_QTY] = q
    if lost:
        l3[b, slot, L_SEQ] = st[S_SEQ]
        if b == EXCH_BOOK:
            st[S_SEQ] += 1
    removed = oq if lost else oq - q
    if x == ox:
        prev = _level(levels, bmeta, b, i, oside, ox)
        kept = prev - oq if prev > oq else 0
        if place == PLACE_IGNORE:
            st[S_IGNORED] += 1
            _store(levels, bmeta, b, i, oside, ox, kept)
            return (DONE, oside, oseq, removed, lost, ox, prev, kept, NONE, 0, 0)
        _store(levels, bmeta, b, i, oside, ox, kept + q)
        return (DONE, oside, oseq, removed, lost, ox, prev, kept + q, NONE, 0, 0)
    prev1 = _level(levels, bmeta, b, i, oside, ox)
    new1 = prev1 - oq if prev1 > oq else 0
    _store(levels, bmeta, b, i, oside, ox, new1)
    if place == PLACE_IGNORE:
        st[S_IGNORED] += 1
        return (DONE, oside, oseq, removed, lost, ox, prev1, new1, NONE, 0, 0)
    prev2 = _level(levels, bmeta, b, i, oside, x)
    _store(levels, bmeta, b, i, oside, x, prev2 + q)
    return (DONE, oside, oseq, removed, lost, ox, prev1, new1, x, prev2, prev2 + q)


# =============================================================================================================
# Reports and latency
# =============================================================================================================
@_helper
def _response_latency(st, lat, t):  # type: ignore[no-untyped-def]
    mode = st[S_LAT_MODE]
    if mode == LAT_CONSTANT:
        return st[S_LAT_RESPONSE]
    if mode == LAT_SAMPLED:
        c = st[S_LAT_CURSOR]
        st[S_LAT_CURSOR] = c + 1
        return lat[1, c]
    ts = lat[0]
    n = ts.shape[0]
    if t <= ts[0]:
        return lat[1, 0]
    if t >= ts[n - 1]:
        return lat[1, n - 1]
    lo = 0
    hi = n - 1
    while hi - lo > 1:  # ts[lo] <= t < ts[hi]
        mid = (lo + hi) // 2
        if ts[mid] <= t:
            lo = mid
        else:
            hi = mid
    j = lo
    if st[S_LAT_STEP] != 0:
        return lat[1, j]
    v0 = lat[1, j]
    v1 = lat[1, j + 1]
    return v0 + np.int64((v1 - v0) * ((t - ts[j]) / (ts[j + 1] - ts[j])))


@_helper
def _report(st, rep, lat, t, i, oid, status, reason, side, price, leaves, fill_qty, fill_price, maker, slot, terminal):  # type: ignore[no-untyped-def]
    """Queue a report emitted at exchange time ``t``; every report of one happening shares one response."""
    delivery = st[S_HAP_DELIVERY]
    if delivery == NONE:
        delivery = t + _response_latency(st, lat, t)
        if delivery < st[S_LAST_DELIVERY]:
            delivery = st[S_LAST_DELIVERY]
        st[S_LAST_DELIVERY] = delivery
        st[S_HAP_DELIVERY] = delivery
    cap = rep.shape[0]
    k = (st[S_REP_HEAD] + st[S_REP_COUNT]) % cap
    st[S_REP_COUNT] += 1
    rep[k, P_TS] = delivery
    rep[k, P_INST] = i
    rep[k, P_ID] = oid
    rep[k, P_STATUS] = status
    rep[k, P_REASON] = reason
    rep[k, P_SIDE] = side
    rep[k, P_PRICE] = price
    rep[k, P_LEAVES] = leaves
    rep[k, P_FILL_QTY] = fill_qty
    rep[k, P_FILL_PRICE] = fill_price
    rep[k, P_MAKER] = 1 if maker else 0
    rep[k, P_SLOT] = slot
    rep[k, P_TERMINAL] = 1 if terminal else 0


@_helper
def _fill(st, rep, lat, ord_i, inst, s, qty, price, maker, t):  # type: ignore[no-untyped-def]
    leaves = ord_i[s, O_LEAVES] - qty
    ord_i[s, O_LEAVES] = leaves
    done = leaves == 0
    if done:
        if ord_i[s, O_STATE] == ST_RESTING:
            inst[ord_i[s, O_INST], I_RESTING] -= 1
        ord_i[s, O_STATE] = ST_DONE
    _report(
        st,
        rep,
        lat,
        t,
        ord_i[s, O_INST],
        ord_i[s, O_ID],
        FILLED if done else PARTIALLY_FILLED,
        R_NONE,
        ord_i[s, O_SIDE],
        ord_i[s, O_PRICE],
        leaves,
        qty,
        price,
        maker,
        s,
        done,
    )


@_helper
def _simple_report(st, rep, lat, ord_i, s, status, reason, t, terminal):  # type: ignore[no-untyped-def]
    _report(
        st,
        rep,
        lat,
        t,
        ord_i[s, O_INST],
        ord_i[s, O_ID],
        status,
        reason,
        ord_i[s, O_SIDE],
        ord_i[s, O_PRICE],
        0 if terminal else ord_i[s, O_LEAVES],
        0,
        0,
        False,
        s,
        terminal,
    )


# =============================================================================================================
# The strategy's resting orders against market events
# =============================================================================================================
@_helper
def _refresh_bounds(st, ord_i, active, inst):  # type: ignore[no-untyped-def]
    for i in range(st[S_N_INST]):
        inst[i, I_BUY_LOW] = NO_ASK
        inst[i, I_BUY_HIGH] = NO_BID
        inst[i, I_SELL_LOW] = NO_ASK
        inst[i, I_SELL_HIGH] = NO_BID
    for k in range(st[S_N_ACTIVE]):
        s = active[k]
        i = ord_i[s, O_INST]
        p = ord_i[s, O_PRICE]
        low = I_BUY_LOW if ord_i[s, O_SIDE] > 0 else I_SELL_LOW
        if p < inst[i, low]:
            inst[i, low] = p
        if p > inst[i, low + 1]:
            inst[i, low + 1] = p


@_helper
def _compact_active(st, ord_i, active, inst):  # type: ignore[no-untyped-def]
    n = st[S_N_ACTIVE]
    kept = 0
    for k in range(n):
        s = active[k]
        if ord_i[s, O_STATE] == ST_RESTING:
            active[kept] = s
            kept += 1
    st[S_N_ACTIVE] = kept
    _refresh_bounds(st, ord_i, active, inst)


@_helper
def _remove_active(st, ord_i, active, inst, s):  # type: ignore[no-untyped-def]
    n = st[S_N_ACTIVE]
    k = 0
    while k < n and active[k] != s:
        k += 1
    while k < n - 1:
        active[k] = active[k + 1]
        k += 1
    st[S_N_ACTIVE] = n - 1
    _refresh_bounds(st, ord_i, active, inst)


@_helper
def _probability_behind(model, n, front, back):  # type: ignore[no-untyped-def]
    if model == Q_POWER:
        fb = back**n
        total = fb + front**n
        return fb / total if total > 0.0 else 1.0
    if model == Q_LOG:
        fb = np.log1p(back)
        total = fb + np.log1p(front)
        return fb / total if total > 0.0 else 1.0
    total = front + back
    return 1.0 - (front / total) ** n if total > 0.0 else 1.0


@_helper
def _queue_depth(st, fp, ord_f, s, prev, new):  # type: ignore[no-untyped-def]
    """Our level went from ``prev`` to ``new`` lots: move the estimate of the quantity ahead."""
    model = st[S_QUEUE_MODEL]
    ahead = ord_f[s, F_AHEAD]
    if model in (Q_POWER, Q_LOG, Q_POWER3):
        prev_net = prev - ord_f[s, F_TRADED]
        ord_f[s, F_TRADED] = 0.0
        if new < prev_net:
            change = prev_net - new
            back = prev_net - ahead
            if back < 0.0:
                back = 0.0
            p = _probability_behind(model, fp[F_EXPONENT], ahead, back)
            estimate = ahead - (1.0 - p) * change + min(back - p * change, 0.0)
            ahead = min(estimate, new)
            if ahead < 0.0:
                ahead = 0.0
        else:
            ahead = min(ahead, new)
    else:
        ord_f[s, F_TRADED] = 0.0
        ahead = min(ahead, new)
    ord_f[s, F_AHEAD] = ahead


@_helper
def _reach(st, rep, lat, ord_i, inst, s, executed, t):  # type: ignore[no-untyped-def]
    """``executed`` lots traded past the front of the queue at our price: fill (all of it without partial fills)."""
    leaves = ord_i[s, O_LEAVES]
    qty = leaves
    if st[S_PARTIAL] != 0 and executed < leaves:
        qty = executed
    if qty > 0:
        _fill(st, rep, lat, ord_i, inst, s, qty, ord_i[s, O_PRICE], True, t)


@_inlined
def _on_depth_change(st, fp, rep, lat, ord_i, ord_f, active, inst, i, side, x, prev, new, t):  # type: ignore[no-untyped-def]
    """A level of instrument ``i`` changed: queue estimates at it, fills of our orders it crosses."""
    any_done = False
    for k in range(st[S_N_ACTIVE]):
        s = active[k]
        if ord_i[s, O_INST] != i or ord_i[s, O_STATE] != ST_RESTING:
            continue
        os = ord_i[s, O_SIDE]
        p = ord_i[s, O_PRICE]
        if os == side:
            if p == x:
                _queue_depth(st, fp, ord_f, s, prev, new)
        elif new > 0 and ((os > 0 and x <= p) or (os < 0 and x >= p)):
            _fill(st, rep, lat, ord_i, inst, s, ord_i[s, O_LEAVES], p, True, t)
            any_done = True
    if any_done:
        _compact_active(st, ord_i, active, inst)


@_inlined
def _on_trade(st, rep, lat, ord_i, ord_f, active, inst, i, aggressor, x, q, l3_fill, l3_seq, t):  # type: ignore[no-untyped-def]
    """A trade of ``q`` lots at ``x``: through our price fills us; at our price it works through the queue."""
    any_done = False
    l3_model = st[S_QUEUE_MODEL] == Q_L3_FIFO
    for k in range(st[S_N_ACTIVE]):
        s = active[k]
        if ord_i[s, O_INST] != i or ord_i[s, O_STATE] != ST_RESTING:
            continue
        os = ord_i[s, O_SIDE]
        if aggressor != 0 and aggressor != -os:
            continue
        p = ord_i[s, O_PRICE]
        if (os > 0 and x < p) or (os < 0 and x > p):
            _fill(st, rep, lat, ord_i, inst, s, ord_i[s, O_LEAVES], p, True, t)
        elif x == p:
            if l3_model:
                if not l3_fill:
                    continue
                if l3_seq < ord_i[s, O_SEQ]:
                    ahead = ord_f[s, F_AHEAD] - q
                    ord_f[s, F_AHEAD] = ahead if ahead > 0.0 else 0.0
                else:
                    _reach(st, rep, lat, ord_i, inst, s, q, t)
            else:
                ahead = ord_f[s, F_AHEAD]
                ord_f[s, F_TRADED] += q
                if q > ahead:
                    ord_f[s, F_AHEAD] = 0.0
                    _reach(st, rep, lat, ord_i, inst, s, np.int64(q - ahead), t)
                else:
                    ord_f[s, F_AHEAD] = ahead - q
        else:
            continue
        if ord_i[s, O_STATE] != ST_RESTING:
            any_done = True
    if any_done:
        _compact_active(st, ord_i, active, inst)


@_helper
def _on_l3_removed(st, ord_i, ord_f, active, i, side, x, seq, removed):  # type: ignore[no-untyped-def]
    """L3 FIFO: an order at our level left (some of) its place; it counts only if it was ahead of ours."""
    for k in range(st[S_N_ACTIVE]):
        s = active[k]
        if (
            ord_i[s, O_INST] == i
            and ord_i[s, O_SIDE] == side
            and ord_i[s, O_PRICE] == x
            and ord_i[s, O_STATE] == ST_RESTING
            and seq < ord_i[s, O_SEQ]
        ):
            ahead = ord_f[s, F_AHEAD] - removed
            ord_f[s, F_AHEAD] = ahead if ahead > 0.0 else 0.0


@_inlined
def _exchange_event(buf, k, st, fp, levels, bmeta, ord_i, ord_f, active, rep, lat, inst, hkeys, hvals, l3, l3_free, t):  # type: ignore[no-untyped-def]
    kind = np.int64(buf[k]["kind"])
    i = np.int64(buf[k]["instrument"])
    side = np.int64(buf[k]["side"])
    x = buf[k]["price"]
    q = buf[k]["qty"]
    has_orders = inst[i, I_RESTING] > 0
    if kind in (K_DEPTH, K_SNAPSHOT):
        place = _placement(st, bmeta, EXCH_BOOK, i, x, q)
        if place == PLACE_GROW:
            st[S_GROW_BOOK] = EXCH_BOOK
            st[S_GROW_INST] = i
            st[S_GROW_PRICE] = x
            return NEED_GROW
        if place == PLACE_IGNORE:
            st[S_IGNORED] += 1
            return DONE
        if side > 0:
            touches = (inst[i, I_BUY_LOW] <= x <= inst[i, I_BUY_HIGH]) or (q > 0 and x >= inst[i, I_SELL_LOW])
        else:
            touches = (inst[i, I_SELL_LOW] <= x <= inst[i, I_SELL_HIGH]) or (q > 0 and x <= inst[i, I_BUY_HIGH])
        if touches:
            prev = _level(levels, bmeta, EXCH_BOOK, i, side, x)
            _store(levels, bmeta, EXCH_BOOK, i, side, x, q)
            _on_depth_change(st, fp, rep, lat, ord_i, ord_f, active, inst, i, side, x, prev, q, t)
        else:
            _store(levels, bmeta, EXCH_BOOK, i, side, x, q)
    elif kind == K_TRADE:
        if (side <= 0 and x <= inst[i, I_BUY_HIGH]) or (side >= 0 and x >= inst[i, I_SELL_LOW]):
            _on_trade(st, rep, lat, ord_i, ord_f, active, inst, i, side, x, q, False, 0, t)
    elif kind == K_CLEAR:
        _clear(levels, bmeta, EXCH_BOOK, i, side)
    elif kind >= K_ADD and kind <= K_FILL:
        r = _l3_apply(st, levels, bmeta, hkeys, hvals, l3, l3_free, EXCH_BOOK, kind, i, side, x, q, buf[k]["order_id"])
        status, oside, oseq, removed, _lost, x1, prev1, new1, x2, prev2, new2 = r
        if status != DONE:
            return status
        if not has_orders:
            return DONE
        if kind == K_FILL:
            _on_trade(st, rep, lat, ord_i, ord_f, active, inst, i, -oside, x1, removed, True, oseq, t)
        elif st[S_QUEUE_MODEL] == Q_L3_FIFO and (kind in (K_CANCEL, K_MODIFY)) and removed > 0:
            _on_l3_removed(st, ord_i, ord_f, active, i, oside, x1, oseq, removed)
        if x1 != NONE:
            _on_depth_change(st, fp, rep, lat, ord_i, ord_f, active, inst, i, oside, x1, prev1, new1, t)
        if x2 != NONE:
            _on_depth_change(st, fp, rep, lat, ord_i, ord_f, active, inst, i, oside, x2, prev2, new2, t)
    return DONE


# =============================================================================================================
# Requests reaching the exchange
# =============================================================================================================
@_helper
def _crosses(bmeta, i, side, p):  # type: ignore[no-untyped-def]
    if side > 0:
        ba = bmeta[EXCH_BOOK, i, M_BEST_ASK]
        return ba != NO_ASK and ba <= p
    bb = bmeta[EXCH_BOOK, i, M_BEST_BID]
    return bb != NO_BID and bb >= p


@_helper
def _available(levels, bmeta, i, side, limited, limit, want):  # type: ignore[no-untyped-def]
    """Opposite-side lots at ``limit`` or better (up to ``want``), over at most MAX_SWEEP_LEVELS levels."""
    base = bmeta[EXCH_BOOK, i, M_BASE]
    total = 0
    seen = 0
    if side > 0:
        best = bmeta[EXCH_BOOK, i, M_BEST_ASK]
        if best == NO_ASK:
            return 0
        off = bmeta[EXCH_BOOK, i, M_OFF_ASK]
        idx = best - base
        cap = bmeta[EXCH_BOOK, i, M_CAP]
        while idx < cap and total < want and seen < MAX_SWEEP_LEVELS:
            if limited and base + idx > limit:
                break
            lvl = levels[off + idx]
            if lvl > 0:
                total += lvl
                seen += 1
            idx += 1
    else:
        best = bmeta[EXCH_BOOK, i, M_BEST_BID]
        if best == NO_BID:
            return 0
        off = bmeta[EXCH_BOOK, i, M_OFF_BID]
        idx = best - base
        while idx >= 0 and total < want and seen < MAX_SWEEP_LEVELS:
            if limited and base + idx < limit:
                break
            lvl = levels[off + idx]
            if lvl > 0:
                total += lvl
                seen += 1
            idx -= 1
    return total


@_helper
def _sweep(st, levels, bmeta, rep, lat, ord_i, inst, s, limited, limit, t):  # type: ignore[no-untyped-def]
    """Take liquidity from the recorded opposite side (which our fills leave unchanged: no market impact)."""
    i = ord_i[s, O_INST]
    side = ord_i[s, O_SIDE]
    base = bmeta[EXCH_BOOK, i, M_BASE]
    seen = 0
    if side > 0:
        best = bmeta[EXCH_BOOK, i, M_BEST_ASK]
        if best == NO_ASK:
            return
        off = bmeta[EXCH_BOOK, i, M_OFF_ASK]
        idx = best - base
        cap = bmeta[EXCH_BOOK, i, M_CAP]
        while idx < cap and ord_i[s, O_LEAVES] > 0 and seen < MAX_SWEEP_LEVELS:
            x = base + idx
            if limited and x > limit:
                break
            lvl = levels[off + idx]
            if lvl > 0:
                _fill(st, rep, lat, ord_i, inst, s, min(lvl, ord_i[s, O_LEAVES]), x, False, t)
                seen += 1
            idx += 1
    else:
        best = bmeta[EXCH_BOOK, i, M_BEST_BID]
        if best == NO_BID:
            return
        off = bmeta[EXCH_BOOK, i, M_OFF_BID]
        idx = best - base
        while idx >= 0 and ord_i[s, O_LEAVES] > 0 and seen < MAX_SWEEP_LEVELS:
            x = base + idx
            if limited and x < limit:
                break
            lvl = levels[off + idx]
            if lvl > 0:
                _fill(st, rep, lat, ord_i, inst, s, min(lvl, ord_i[s, O_LEAVES]), x, False, t)
                seen += 1
            idx -= 1


@_helper
def _rest(st, levels, bmeta, ord_i, ord_f, active, inst, s):  # type: ignore[no-untyped-def]
    """Join the back of the queue at the order's price on the exchange-side book."""
    i = ord_i[s, O_INST]
    ord_i[s, O_STATE] = ST_RESTING
    ord_i[s, O_SEQ] = st[S_SEQ]
    st[S_SEQ] += 1
    ord_f[s, F_AHEAD] = float(_level(levels, bmeta, EXCH_BOOK, i, ord_i[s, O_SIDE], ord_i[s, O_PRICE]))
    ord_f[s, F_TRADED] = 0.0
    active[st[S_N_ACTIVE]] = s
    st[S_N_ACTIVE] += 1
    inst[i, I_RESTING] += 1
    p = ord_i[s, O_PRICE]
    low = I_BUY_LOW if ord_i[s, O_SIDE] > 0 else I_SELL_LOW
    if p < inst[i, low]:
        inst[i, low] = p
    if p > inst[i, low + 1]:
        inst[i, low + 1] = p


@_helper
def _new_order(st, levels, bmeta, ord_i, ord_f, active, rep, lat, inst, s, t):  # type: ignore[no-untyped-def]
    i = ord_i[s, O_INST]
    side = ord_i[s, O_SIDE]
    p = ord_i[s, O_PRICE]
    typ = ord_i[s, O_TYPE]
    reason = R_NONE
    if side != 1 and side != -1:
        reason = R_INVALID_SIDE
    elif ord_i[s, O_LEAVES] <= 0:
        reason = R_INVALID_QTY
    elif typ < T_LIMIT or typ > T_POST_ONLY:
        reason = R_INVALID_ORDER_TYPE
    elif typ == T_POST_ONLY and _crosses(bmeta, i, side, p):
        reason = R_POST_ONLY_WOULD_CROSS
    if reason != R_NONE:
        ord_i[s, O_STATE] = ST_DONE
        _simple_report(st, rep, lat, ord_i, s, REJECTED, reason, t, True)
        return
    _simple_report(st, rep, lat, ord_i, s, ACCEPTED, R_NONE, t, False)
    if typ in (T_LIMIT, T_POST_ONLY):
        if typ == T_LIMIT and _crosses(bmeta, i, side, p):
            _sweep(st, levels, bmeta, rep, lat, ord_i, inst, s, True, p, t)
        if ord_i[s, O_LEAVES] > 0:
            _rest(st, levels, bmeta, ord_i, ord_f, active, inst, s)
        return
    if typ == T_FOK and _available(levels, bmeta, i, side, True, p, ord_i[s, O_LEAVES]) < ord_i[s, O_LEAVES]:
        ord_i[s, O_STATE] = ST_DONE
        _simple_report(st, rep, lat, ord_i, s, EXPIRED, R_FOK_UNFILLABLE, t, True)
        return
    _sweep(st, levels, bmeta, rep, lat, ord_i, inst, s, typ != T_MARKET, p, t)
    if ord_i[s, O_LEAVES] > 0:
        ord_i[s, O_STATE] = ST_DONE
        _simple_report(st, rep, lat, ord_i, s, EXPIRED, R_IOC_REMAINDER, t, True)


@_helper
def _arrival(st, levels, bmeta, ord_i, ord_f, active, req, rep, lat, inst, t):  # type: ignore[no-untyped-def]
    k = st[S_REQ_HEAD]
    st[S_REQ_HEAD] = (k + 1) % req.shape[0]
    st[S_REQ_COUNT] -= 1
    kind = req[k, R_KIND]
    s = req[k, R_SLOT]
    oid = req[k, R_ID]
    if kind == REQ_SUBMIT:
        _new_order(st, levels, bmeta, ord_i, ord_f, active, rep, lat, inst, s, t)
        return
    live = s >= 0 and ord_i[s, O_ID] == oid and ord_i[s, O_STATE] == ST_RESTING
    if not live:
        _report(st, rep, lat, t, req[k, R_INST], oid, REJECTED, R_UNKNOWN_ORDER, 0, 0, 0, 0, 0, False, -1, False)
        return
    i = ord_i[s, O_INST]
    if kind == REQ_CANCEL:
        ord_i[s, O_STATE] = ST_DONE
        inst[i, I_RESTING] -= 1
        _remove_active(st, ord_i, active, inst, s)
        _simple_report(st, rep, lat, ord_i, s, CANCELLED, R_REQUESTED, t, True)
        return
    new_price = req[k, R_PRICE]
    new_qty = req[k, R_QTY]
    side = ord_i[s, O_SIDE]
    if new_qty <= 0:
        _report(
            st,
            rep,
            lat,
            t,
            i,
            oid,
            REJECTED,
            R_INVALID_QTY,
            side,
            ord_i[s, O_PRICE],
            ord_i[s, O_LEAVES],
            0,
            0,
            False,
            -1,
            False,
        )
        return
    crosses = _crosses(bmeta, i, side, new_price)
    if crosses and ord_i[s, O_TYPE] == T_POST_ONLY:
        _report(
            st,
            rep,
            lat,
            t,
            i,
            oid,
            REJECTED,
            R_POST_ONLY_WOULD_CROSS,
            side,
            ord_i[s, O_PRICE],
            ord_i[s, O_LEAVES],
            0,
            0,
            False,
            -1,
            False,
        )
        return
    requeue = crosses or new_price != ord_i[s, O_PRICE] or new_qty > ord_i[s, O_LEAVES]
    ord_i[s, O_PRICE] = new_price
    ord_i[s, O_LEAVES] = new_qty
    _simple_report(st, rep, lat, ord_i, s, MODIFIED, R_NONE, t, False)
    if not requeue:
        return
    inst[i, I_RESTING] -= 1
    _remove_active(st, ord_i, active, inst, s)
    ord_i[s, O_STATE] = ST_IN_FLIGHT
    if crosses:
        _sweep(st, levels, bmeta, rep, lat, ord_i, inst, s, True, new_price, t)
    if ord_i[s, O_LEAVES] > 0:
        _rest(st, levels, bmeta, ord_i, ord_f, active, inst, s)


# =============================================================================================================
# The strategy's view
# =============================================================================================================
@_helper
def _public_trade(st, out_trd, t, i, x, q, side):  # type: ignore[no-untyped-def]
    n = st[S_OUT_TRADES]
    out_trd[n, T_TS] = t
    out_trd[n, T_INST] = i
    out_trd[n, T_PRICE] = x
    out_trd[n, T_QTY] = q
    out_trd[n, T_SIDE] = side
    st[S_OUT_TRADES] = n + 1
    if st[S_STOP_AT] == NONE:
        st[S_STOP_AT] = t


@_inlined
def _local_event(buf, k, st, levels, bmeta, out_trd, inst, hkeys, hvals, l3, l3_free, t):  # type: ignore[no-untyped-def]
    kind = np.int64(buf[k]["kind"])
    i = np.int64(buf[k]["instrument"])
    side = np.int64(buf[k]["side"])
    x = buf[k]["price"]
    q = buf[k]["qty"]
    if kind in (K_DEPTH, K_SNAPSHOT):
        place = _placement(st, bmeta, LOCAL_BOOK, i, x, q)
        if place == PLACE_GROW:
            st[S_GROW_BOOK] = LOCAL_BOOK
            st[S_GROW_INST] = i
            st[S_GROW_PRICE] = x
            return NEED_GROW
        if place == PLACE_OK:
            _store(levels, bmeta, LOCAL_BOOK, i, side, x, q)
        else:
            st[S_IGNORED] += 1
    elif kind == K_TRADE:
        if inst[i, I_WATCH_TRADES] != 0:
            _public_trade(st, out_trd, t, i, x, q, side)
    elif kind == K_CLEAR:
        _clear(levels, bmeta, LOCAL_BOOK, i, side)
    elif kind >= K_ADD and kind <= K_FILL:
        r = _l3_apply(st, levels, bmeta, hkeys, hvals, l3, l3_free, LOCAL_BOOK, kind, i, side, x, q, buf[k]["order_id"])
        if r[0] != DONE:
            return r[0]
        if kind == K_FILL and inst[i, I_WATCH_TRADES] != 0:
            _public_trade(st, out_trd, t, i, r[5], r[3], -r[1])
    return DONE


@_helper
def _any_watched_change(st, levels, bmeta, inst):  # type: ignore[no-untyped-def]
    for i in range(st[S_N_INST]):  # noqa: SIM110 - numba compiles no generator expressions
        if inst[i, I_WATCH_BOOK] != 0 and _top_differs(levels, bmeta, inst, i):
            return True
    return False


@_helper
def _finish_call(st, levels, bmeta, inst, now):  # type: ignore[no-untyped-def]
    st[S_NOW] = now
    for i in range(st[S_N_INST]):
        inst[i, I_CHANGED] = 0
        if inst[i, I_WATCH_BOOK] != 0 and now >= st[S_BOOK_FROM] and _top_differs(levels, bmeta, inst, i):
            inst[i, I_CHANGED] = 1
            _mark_seen(levels, bmeta, inst, i)
    return DONE


@_entry
def first_bad_row(chunk, n_instruments, local_offset):  # type: ignore[no-untyped-def]
    """Index of the first row breaking a data rule (`hft_core.venues.replay.venue.validate_chunk`), or -1."""
    for r in range(chunk.shape[0]):
        kind = chunk[r]["kind"]
        side = chunk[r]["side"]
        instrument = chunk[r]["instrument"]
        if instrument < 0 or instrument >= n_instruments or kind < K_DEPTH or kind > K_FILL:
            return r
        if side < -1 or side > 1 or chunk[r]["qty"] < 0 or chunk[r]["local_ts"] + local_offset < chunk[r]["exch_ts"]:
            return r
        if side == 0 and kind != K_TRADE and kind != K_CLEAR:
            return r
        if kind >= K_ADD and chunk[r]["order_id"] < 0:
            return r
    return -1


# =============================================================================================================
# The loop
# =============================================================================================================
@_entry
def run(  # type: ignore[no-untyped-def]
    buf,
    st,
    fp,
    levels,
    bmeta,
    ord_i,
    ord_f,
    active,
    req,
    rep,
    out_rep,
    out_trd,
    inst,
    lat,
    hkeys,
    hvals,
    l3,
    l3_free,
    until,
    book_from,
    fresh,
):
    """Advance the replay to local time ``until`` (see the module doc; ``fresh`` on the first call of an
    `advance`); returns DONE or the service the Python side must perform before calling again."""
    st[S_UNTIL] = until
    st[S_BOOK_FROM] = book_from
    if fresh:
        st[S_STOP_AT] = NONE
        st[S_PENDING_BOOK] = 1 if _any_watched_change(st, levels, bmeta, inst) else 0
    n = st[S_BUF_LEN]
    out_rep_cap = out_rep.shape[0]
    out_trd_cap = out_trd.shape[0]
    while True:
        limit = st[S_UNTIL]
        stop_at = st[S_STOP_AT]
        if stop_at != NONE and stop_at < limit:
            limit = stop_at
        # the earliest happening; ties keep the priority order of the module doc
        ex = st[S_EX_POS]
        lo = st[S_LO_POS]
        if ex < n:
            t_ex = buf[ex]["exch_ts"]
            if t_ex < st[S_EX_TIME]:
                t_ex = st[S_EX_TIME]
        elif st[S_EOF] != 0:
            t_ex = INF
        else:
            return NEED_DATA
        t = t_ex
        what = 2
        if st[S_REQ_COUNT] > 0:
            t_arr = req[st[S_REQ_HEAD], R_ARRIVAL]
            if t_arr <= t:
                t = t_arr
                what = 1
        if st[S_REP_COUNT] > 0:
            t_del = rep[st[S_REP_HEAD], P_TS]
            if t_del < t:
                t = t_del
                what = 3
        data_done = False
        if lo < n:
            t_lo = buf[lo]["local_ts"]
            if t_lo < st[S_LO_TIME]:
                t_lo = st[S_LO_TIME]
            if t_lo < t:
                t = t_lo
                what = 4
        else:
            data_done = True
        if st[S_PENDING_BOOK] != 0:
            t_wake = st[S_BOOK_FROM]
            if t_wake < st[S_NOW]:
                t_wake = st[S_NOW]
            if t_wake < t:
                t = t_wake
                what = 5
        if data_done and (t > st[S_LO_TIME] or t >= INF):
            st[S_FINISHED] = 1
            end = st[S_LO_TIME] if stop_at == NONE else stop_at
            if end < st[S_NOW]:
                end = st[S_NOW]
            return _finish_call(st, levels, bmeta, inst, end)
        if t > limit:
            return _finish_call(st, levels, bmeta, inst, limit)

        if what == 1 or what == 2:
            if st[S_LAT_MODE] == LAT_SAMPLED and st[S_LAT_CURSOR] >= lat.shape[1]:
                return NEED_SAMPLES
            if rep.shape[0] - st[S_REP_COUNT] < REPORT_HEADROOM + st[S_N_ACTIVE]:
                return NEED_REPORT_ROOM
            st[S_HAP_DELIVERY] = NONE
            if what == 1:
                st[S_NOW] = t
                _arrival(st, levels, bmeta, ord_i, ord_f, active, req, rep, lat, inst, t)
            else:
                status = _exchange_event(
                    buf, ex, st, fp, levels, bmeta, ord_i, ord_f, active, rep, lat, inst, hkeys, hvals, l3, l3_free, t
                )
                if status != DONE:
                    return status
                st[S_NOW] = t
                st[S_EX_TIME] = t
                st[S_EX_POS] = ex + 1
        elif what == 3:
            if st[S_OUT_REPORTS] >= out_rep_cap:
                return OUTPUT_FULL
            head = st[S_REP_HEAD]
            row = st[S_OUT_REPORTS]
            for field in range(P_SIZE):
                out_rep[row, field] = rep[head, field]
            st[S_OUT_REPORTS] += 1
            st[S_REP_HEAD] = (head + 1) % rep.shape[0]
            st[S_REP_COUNT] -= 1
            st[S_NOW] = t
            if stop_at == NONE and st[S_STOP_ON_REPORTS] != 0:
                st[S_STOP_AT] = t
        elif what == 4:
            if st[S_OUT_TRADES] >= out_trd_cap:
                return OUTPUT_FULL
            status = _local_event(buf, lo, st, levels, bmeta, out_trd, inst, hkeys, hvals, l3, l3_free, t)
            if status != DONE:
                return status
            st[S_NOW] = t
            st[S_LO_TIME] = t
            st[S_LO_POS] = lo + 1
            st[S_EVENTS_DONE] += 1
            i = buf[lo]["instrument"]
            if inst[i, I_WATCH_BOOK] != 0 and _top_differs(levels, bmeta, inst, i):
                if t >= st[S_BOOK_FROM]:
                    if st[S_STOP_AT] == NONE:
                        st[S_STOP_AT] = t
                else:
                    st[S_PENDING_BOOK] = 1
        else:
            st[S_NOW] = t
            st[S_PENDING_BOOK] = 0
            if _any_watched_change(st, levels, bmeta, inst) and st[S_STOP_AT] == NONE:
                st[S_STOP_AT] = t
