"""A compiled twin of `hft_core.matching.MatchingEngine`, callable from numba: same requests, same output, in order.

The simulated market's compiled event kernel keeps one of these per instrument. Every operation here mirrors the
Python engine (`hft_core.matching.engine`, the reference, which stays as it is): the same order ids and trade ids,
the same rejections with the same reasons and in the same order of checks, and the same executions, order updates
and public-feed rows (``DEPTH`` with the level's absolute quantity after the change, ``TRADE`` with the
aggressor's side) appended in exactly the Python's order. There is no L3 feed. Self-trade prevention
(`StpMode`, the simulated market's is ``CANCEL_NEWEST``) and the post-only mode (`PostOnlyMode`, ``REJECT`` by
default) are chosen when the state is built. Integers only: ticks, lots, nanoseconds.

State: one `KMatchState`, a numba structref (mutable fields, so the kernel grows its arrays itself, and it caches
where a jitclass would not) holding plain int64 arrays:

- ``ords[slot, KO_*]``: the order pool. A slot holds an order from its acceptance until it is done (a taker that
  does not rest gives its slot back before the call returns). ``KO_PREV``/``KO_NEXT`` link the FIFO of a price
  level (-1 = none); free slots are chained through ``KO_NEXT`` from ``free_head``. Full: the pool doubles.
- ``ht[pos, 0..1]``: order id -> slot of every resting order (and only those, like the Python's ``_orders``), open
  addressing with linear probing, Fibonacci hashing and backward-shift deletion, at most half full (it doubles).
- ``lv[row, price - sd[row, KD_BASE], KL_*]``: the price levels, row 0 bids and row 1 asks, in a window of
  ``lv.shape[1]`` ticks per side: total open lots, live order count, head and tail slot of the FIFO. A level
  exists iff its count is positive; an empty one holds no links worth reading. ``sd[row, KD_BEST]`` is the best
  price (``NO_BID``/``NO_ASK`` when the side is empty), found again by scanning away from the emptied level (the
  side's level count says whether there is one). A price outside the window re-centres it on the side's occupied
  range plus that price, doubling the width (both rows) until the range fills at most half of it; a side wider
  than ``max_width`` ticks raises `KMatchCapacityError` instead.
- ``ex``/``up``/``md``: the output, rows of int64 (`hft_core.matching.Execution`'s fields, `OrderUpdate`'s fields
  with the status and reason as codes, and the six words of `hft_core.matching.feed`'s packing of an
  `EVENT_DTYPE` row), ``n_ex``/``n_up``/``n_md`` rows of them used; each doubles when full. `clear_output` empties
  them (what `drain` does after converting them).

Invariants (the tests check them against the Python engine after every operation): a level's lots are the sum of
its orders' leaves and its count their number; every resting order is in the hash, in its level's FIFO and has
``qty == leaves + filled + cancelled``; the best prices are the extreme occupied levels. Requests are not
validated for Python types (everything is an int64 here); the sentinel `KEEP` stands for ``None`` in `modify`'s
quantity and price, and `ANY_OWNER` for ``owner=None`` in `cancel` and `modify`.

numba freezes the module-level constants a kernel reads into its cached machine code and its cache notices edits
of this file only, so the enums' values are restated here as literals (the tests hold them equal). Only the public
functions are cached entry points; the helpers compile into them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, types
from numba.experimental import structref

from hft_core.errors import HftError
from hft_core.events import BUY, SELL
from hft_core.matching.feed import flat_rows_to_events, pack_tag
from hft_core.matching.orders import (
    Execution,
    MatchingOutput,
    OrderInfo,
    OrderReason,
    OrderStatus,
    OrderType,
    OrderUpdate,
    PostOnlyMode,
    StpMode,
)

__all__ = [
    "ANY_OWNER",
    "KEEP",
    "NO_ASK",
    "NO_BID",
    "CompiledMatchingEngine",
    "KMatchCapacityError",
    "KMatchState",
    "best_ask",
    "best_bid",
    "cancel",
    "clear_output",
    "depth",
    "drain",
    "level_qty",
    "modify",
    "new_state",
    "next_order_id",
    "order_slot",
    "submit",
]

_jit: Any = njit
_helper = _jit
_inlined = _jit(inline="always")
_entry = _jit(cache=True)

# -- order pool columns: ``ords[slot, KO_*]`` --------------------------------------------------------------------
KO_ID = 0
KO_OWNER = 1
KO_SIDE = 2
KO_PRICE = 3
KO_TYPE = 4
KO_QTY = 5
KO_LEAVES = 6
KO_FILLED = 7
KO_CANCELLED = 8
KO_TS = 9
KO_PREV = 10
KO_NEXT = 11
KO_SIZE = 12

# -- price levels: ``lv[row, index, KL_*]`` and per side ``sd[row, KD_*]`` --------------------------------------
KL_QTY = 0
KL_COUNT = 1
KL_HEAD = 2
KL_TAIL = 3
KL_SIZE = 4
KD_BASE = 0
KD_BEST = 1
KD_LEVELS = 2
KD_SIZE = 3

# -- output rows: executions ``ex[k, KX_*]`` (Execution's fields), updates ``up[k, KU_*]`` (OrderUpdate's fields),
# market data ``md[k, KE_*]`` (hft_core.matching.feed's six words of an EVENT_DTYPE row)
KX_TS = 0
KX_TRADE_ID = 1
KX_PRICE = 2
KX_QTY = 3
KX_AGGRESSOR_SIDE = 4
KX_MAKER_ORDER_ID = 5
KX_MAKER_OWNER = 6
KX_TAKER_ORDER_ID = 7
KX_TAKER_OWNER = 8
KX_SIZE = 9
KU_TS = 0
KU_ORDER_ID = 1
KU_OWNER = 2
KU_SIDE = 3
KU_PRICE = 4
KU_STATUS = 5
KU_REASON = 6
KU_QTY = 7
KU_LEAVES = 8
KU_FILLED = 9
KU_CANCELLED = 10
KU_SIZE = 11
KE_EXCH_TS = 0
KE_LOCAL_TS = 1
KE_PRICE = 2
KE_QTY = 3
KE_ORDER_ID = 4
KE_TAG = 5
KE_SIZE = 6

# -- the enums of hft_core.matching.orders, restated (see the module docstring) ----------------------------------
OT_LIMIT = 1
OT_MARKET = 2
OT_IOC = 3
OT_FOK = 4
OT_POST_ONLY = 5
OS_ACCEPTED = 1
OS_REJECTED = 2
OS_CANCELLED = 3
OS_PARTIALLY_FILLED = 4
OS_FILLED = 5
OS_EXPIRED = 6
OS_MODIFIED = 7
RJ_NONE = 0
RJ_INVALID_SIDE = 1
RJ_INVALID_QTY = 2
RJ_INVALID_PRICE = 3
RJ_INVALID_ORDER_TYPE = 4
RJ_UNKNOWN_ORDER = 5
RJ_NOT_OWNER = 6
RJ_POST_ONLY_WOULD_CROSS = 7
RJ_FOK_UNFILLABLE = 8
RJ_IOC_REMAINDER = 9
RJ_SELF_TRADE = 10
RJ_REQUESTED = 11
STP_NONE = 0
STP_CANCEL_NEWEST = 1
STP_CANCEL_OLDEST = 2
STP_CANCEL_BOTH = 3
PO_REJECT = 1
PO_SLIDE = 2

NO_BID = -(2**63)
"""`best_bid` of an empty bid side."""
NO_ASK = 2**63 - 1
"""`best_ask` of an empty ask side."""
KEEP = -(2**63)
"""`modify`'s ``qty`` or ``price`` left unchanged (the Python's ``None``)."""
ANY_OWNER = -(2**63)
"""`cancel`'s and `modify`'s ``owner`` when the requester is not checked (the Python's ``None``)."""
PRICE_CEILING = 2**62
"""The Python engine's default price band (``max_price=None``)."""
DEFAULT_MAX_WIDTH = 1 << 21
"""Ticks one side's price window may span at most (64 MiB of level arrays for both sides)."""

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


class KMatchCapacityError(HftError):
    """One side of the book would span more ticks than the compiled engine's price window may grow to."""


@structref.register
class KMatchStateType(types.StructRef):
    """numba's type of `KMatchState` (fields typed by their values, literals widened)."""

    def preprocess_fields(self, fields: Any) -> Any:
        return tuple((name, types.unliteral(typ)) for name, typ in fields)  # type: ignore[no-untyped-call]


class KMatchState(structref.StructRefProxy):
    """One compiled matching engine's state (see the module docstring); build it with `new_state`."""


_FIELDS = (
    "instrument",
    "stp",
    "post_only",
    "min_price",
    "max_price",
    "max_width",
    "next_order_id",
    "next_trade_id",
    "depth_tags",
    "trade_tags",
    "ords",
    "free_head",
    "ht",
    "h_shift",
    "n_resting",
    "lv",
    "sd",
    "ex",
    "n_ex",
    "up",
    "n_up",
    "md",
    "n_md",
)
structref.define_proxy(KMatchState, KMatchStateType, list(_FIELDS))  # type: ignore[no-untyped-call]


def _table_shift(size: int) -> int:
    return 64 - (size.bit_length() - 1)


def new_state(
    instrument_id: int = 0,
    *,
    stp: StpMode = StpMode.CANCEL_NEWEST,
    post_only: PostOnlyMode = PostOnlyMode.REJECT,
    min_price: int = 1,
    max_price: int | None = None,
    first_order_id: int = 1,
    order_capacity: int = 1024,
    window: int = 4096,
    max_width: int = DEFAULT_MAX_WIDTH,
) -> KMatchState:
    """An empty engine, configured as ``MatchingEngine(instrument_id, stp=..., post_only=..., ...)`` would be.

    ``order_capacity`` (order slots), ``window`` (ticks per side) and the output buffers only set the starting
    sizes: each grows when full. ``max_width`` bounds the price window (`KMatchCapacityError` beyond it).
    """
    max_price = PRICE_CEILING if max_price is None else max_price
    if min_price > max_price:
        raise ValueError(f"min_price {min_price} is above max_price {max_price}")
    if min_price < -PRICE_CEILING or max_price > PRICE_CEILING:
        raise ValueError(f"price band must lie within ±{PRICE_CEILING} ticks")
    if not -(2**31) <= instrument_id < 2**31:
        raise ValueError(f"instrument_id must fit in int32, got {instrument_id}")
    if order_capacity < 1 or window < 2 or max_width < window:
        raise ValueError("order_capacity must be >= 1, window >= 2 and max_width >= window")
    capacity = order_capacity
    ords = np.zeros((capacity, KO_SIZE), dtype=np.int64)
    ords[:, KO_NEXT] = np.arange(1, capacity + 1)
    ords[-1, KO_NEXT] = -1
    table = 16
    while table < 2 * capacity:
        table *= 2
    ht = np.full((table, 2), -1, dtype=np.int64)
    sd = np.zeros((2, KD_SIZE), dtype=np.int64)
    sd[0, KD_BEST] = NO_BID
    sd[1, KD_BEST] = NO_ASK
    state: KMatchState = KMatchState(  # type: ignore[no-untyped-call]
        instrument_id,
        int(StpMode(stp)),
        int(PostOnlyMode(post_only)),
        min_price,
        max_price,
        max_width,
        first_order_id,
        1,
        np.array([pack_tag(instrument_id, 1, BUY), pack_tag(instrument_id, 1, SELL)], dtype=np.int64),
        np.array([pack_tag(instrument_id, 2, BUY), pack_tag(instrument_id, 2, SELL)], dtype=np.int64),
        ords,
        0,
        ht,
        _table_shift(table),
        0,
        np.zeros((2, window, KL_SIZE), dtype=np.int64),
        sd,
        np.zeros((64, KX_SIZE), dtype=np.int64),
        0,
        np.zeros((64, KU_SIZE), dtype=np.int64),
        0,
        np.zeros((64, KE_SIZE), dtype=np.int64),
        0,
    )
    return state


# =============================================================================================================
# Output buffers
# =============================================================================================================
@_helper
def _grown(buf, used):  # type: ignore[no-untyped-def]
    bigger = np.zeros((2 * buf.shape[0], buf.shape[1]), dtype=np.int64)
    for row in range(used):
        for column in range(buf.shape[1]):
            bigger[row, column] = buf[row, column]
    return bigger


@_inlined
def _push_update(st, ts, oid, owner, side, price, status, reason, qty, leaves, filled, cancelled):  # type: ignore[no-untyped-def]
    n = st.n_up
    buf = st.up
    if n == buf.shape[0]:
        buf = _grown(buf, n)
        st.up = buf
    buf[n, KU_TS] = ts
    buf[n, KU_ORDER_ID] = oid
    buf[n, KU_OWNER] = owner
    buf[n, KU_SIDE] = side
    buf[n, KU_PRICE] = price
    buf[n, KU_STATUS] = status
    buf[n, KU_REASON] = reason
    buf[n, KU_QTY] = qty
    buf[n, KU_LEAVES] = leaves
    buf[n, KU_FILLED] = filled
    buf[n, KU_CANCELLED] = cancelled
    st.n_up = n + 1


@_inlined
def _order_update(st, slot, status, reason, ts):  # type: ignore[no-untyped-def]
    """The Python's ``order.raw_update(status, reason, ts)``: the order's current state."""
    o = st.ords
    _push_update(
        st, ts, o[slot, KO_ID], o[slot, KO_OWNER], o[slot, KO_SIDE], o[slot, KO_PRICE], status, reason,
        o[slot, KO_QTY], o[slot, KO_LEAVES], o[slot, KO_FILLED], o[slot, KO_CANCELLED],
    )  # fmt: skip


@_inlined
def _push_row(st, ts, price, qty, tag):  # type: ignore[no-untyped-def]
    n = st.n_md
    buf = st.md
    if n == buf.shape[0]:
        buf = _grown(buf, n)
        st.md = buf
    buf[n, KE_EXCH_TS] = ts
    buf[n, KE_LOCAL_TS] = ts
    buf[n, KE_PRICE] = price
    buf[n, KE_QTY] = qty
    buf[n, KE_ORDER_ID] = 0
    buf[n, KE_TAG] = tag
    st.n_md = n + 1


@_inlined
def _push_execution(st, ts, trade_id, price, qty, side, maker, maker_owner, taker, taker_owner):  # type: ignore[no-untyped-def]
    n = st.n_ex
    buf = st.ex
    if n == buf.shape[0]:
        buf = _grown(buf, n)
        st.ex = buf
    buf[n, KX_TS] = ts
    buf[n, KX_TRADE_ID] = trade_id
    buf[n, KX_PRICE] = price
    buf[n, KX_QTY] = qty
    buf[n, KX_AGGRESSOR_SIDE] = side
    buf[n, KX_MAKER_ORDER_ID] = maker
    buf[n, KX_MAKER_OWNER] = maker_owner
    buf[n, KX_TAKER_ORDER_ID] = taker
    buf[n, KX_TAKER_OWNER] = taker_owner
    st.n_ex = n + 1


# =============================================================================================================
# Order slots and the id -> slot table
# =============================================================================================================
@_helper
def _alloc(st):  # type: ignore[no-untyped-def]
    if st.free_head < 0:
        old = st.ords
        capacity = old.shape[0]
        ords = _grown(old, capacity)
        for slot in range(capacity, 2 * capacity - 1):
            ords[slot, KO_NEXT] = slot + 1
        ords[2 * capacity - 1, KO_NEXT] = -1
        st.ords = ords
        st.free_head = capacity
    slot = st.free_head
    st.free_head = st.ords[slot, KO_NEXT]
    return slot


@_inlined
def _release(st, slot):  # type: ignore[no-untyped-def]
    o = st.ords
    o[slot, KO_SIDE] = 0
    o[slot, KO_NEXT] = st.free_head
    st.free_head = slot


@_inlined
def _home(key, shift):  # type: ignore[no-untyped-def]
    return int(np.int64((np.uint64(key) * _GOLDEN) >> np.uint64(shift)))


@_helper
def _find(st, key):  # type: ignore[no-untyped-def]
    """The slot of resting order ``key``, or -1."""
    ht = st.ht
    mask = ht.shape[0] - 1
    pos = _home(key, st.h_shift)
    while True:
        slot = ht[pos, 1]
        if slot < 0:
            return -1
        if ht[pos, 0] == key:
            return slot
        pos = (pos + 1) & mask


@_helper
def _place(ht, shift, key, slot):  # type: ignore[no-untyped-def]
    mask = ht.shape[0] - 1
    pos = _home(key, shift)
    while ht[pos, 1] >= 0:
        pos = (pos + 1) & mask
    ht[pos, 0] = key
    ht[pos, 1] = slot


@_helper
def _hash_insert(st, key, slot):  # type: ignore[no-untyped-def]
    ht = st.ht
    if 2 * (st.n_resting + 1) > ht.shape[0]:
        size = 2 * ht.shape[0]
        shift = st.h_shift - 1
        bigger = np.full((size, 2), -1, dtype=np.int64)
        for pos in range(ht.shape[0]):
            if ht[pos, 1] >= 0:
                _place(bigger, shift, ht[pos, 0], ht[pos, 1])
        st.ht = bigger
        st.h_shift = shift
        ht = bigger
    _place(ht, st.h_shift, key, slot)
    st.n_resting += 1


@_helper
def _hash_delete(st, key):  # type: ignore[no-untyped-def]
    """Remove ``key`` (present), shifting later entries of its probe run back so lookups still find them."""
    ht = st.ht
    shift = st.h_shift
    mask = ht.shape[0] - 1
    hole = _home(key, shift)
    while ht[hole, 0] != key or ht[hole, 1] < 0:
        hole = (hole + 1) & mask
    probe = hole
    while True:
        probe = (probe + 1) & mask
        if ht[probe, 1] < 0:
            break
        # the entry may move into the hole only if the hole lies on its probe path (from its home to here)
        if ((probe - _home(ht[probe, 0], shift)) & mask) >= ((probe - hole) & mask):
            ht[hole, 0] = ht[probe, 0]
            ht[hole, 1] = ht[probe, 1]
            hole = probe
    ht[hole, 0] = -1
    ht[hole, 1] = -1
    st.n_resting -= 1


# =============================================================================================================
# Price levels
# =============================================================================================================
@_inlined
def _row(side):  # type: ignore[no-untyped-def]
    return 0 if side == 1 else 1


@_helper
def _recentre(st, row, price):  # type: ignore[no-untyped-def]
    """Move (and widen if needed) row ``row``'s window so it covers its levels and ``price``; False if too wide."""
    lv = st.lv
    sd = st.sd
    width = lv.shape[1]
    base = sd[row, KD_BASE]
    first = -1
    last = -1
    if sd[row, KD_LEVELS] > 0:
        for index in range(width):
            if lv[row, index, KL_COUNT] > 0:
                if first < 0:
                    first = index
                last = index
        low = min(base + first, price)
        high = max(base + last, price)
    else:
        low = price
        high = price
    limit = max(width, st.max_width)
    if low <= high - limit:
        return False
    span = high - low + 1
    target = width
    while target < 2 * span and target < limit:
        target *= 2
    target = min(target, limit)
    new_base = low - (target - span) // 2
    target_lv = lv
    if target != width:
        target_lv = np.zeros((2, target, KL_SIZE), dtype=np.int64)
        other = 1 - row
        for index in range(width):
            for column in range(KL_SIZE):
                target_lv[other, index, column] = lv[other, index, column]
    if first >= 0:
        # levels move by `shift` places; copy in the direction that never overwrites a level not yet copied
        shift = base - new_base
        count = last - first + 1
        for k in range(count):
            index = first + k if shift <= 0 else last - k
            for column in range(KL_SIZE):
                value = lv[row, index, column]
                if target_lv is lv:
                    lv[row, index, column] = 0
                target_lv[row, index + shift, column] = value
    st.lv = target_lv
    sd[row, KD_BASE] = new_base
    return True


@_helper
def _level_emptied(st, row, index, price):  # type: ignore[no-untyped-def]
    """Book-keeping after the level at ``index`` lost its last order: the side's count and best price."""
    sd = st.sd
    sd[row, KD_LEVELS] -= 1
    if sd[row, KD_BEST] != price:
        return
    if sd[row, KD_LEVELS] == 0:
        sd[row, KD_BEST] = NO_BID if row == 0 else NO_ASK
        return
    lv = st.lv
    step = -1 if row == 0 else 1
    index += step
    while lv[row, index, KL_COUNT] == 0:
        index += step
    sd[row, KD_BEST] = sd[row, KD_BASE] + index


@_helper
def _rest(st, slot):  # type: ignore[no-untyped-def]
    """Append the order in ``slot`` to the back of its level's queue (the Python's ``_rest``)."""
    o = st.ords
    side = o[slot, KO_SIDE]
    price = o[slot, KO_PRICE]
    row = _row(side)
    index = price - st.sd[row, KD_BASE]
    if index < 0 or index >= st.lv.shape[1]:
        if not _recentre(st, row, price):
            _release(st, slot)
            raise KMatchCapacityError(
                "the compiled matching engine's book would span more ticks on one side than its max_width"
            )
        index = price - st.sd[row, KD_BASE]
    lv = st.lv
    sd = st.sd
    tail = lv[row, index, KL_TAIL]
    if lv[row, index, KL_COUNT] == 0:
        lv[row, index, KL_HEAD] = slot
        o[slot, KO_PREV] = -1
        sd[row, KD_LEVELS] += 1
        best = sd[row, KD_BEST]
        if (row == 0 and (best == NO_BID or price > best)) or (row == 1 and (best == NO_ASK or price < best)):
            sd[row, KD_BEST] = price
    else:
        o[tail, KO_NEXT] = slot
        o[slot, KO_PREV] = tail
    o[slot, KO_NEXT] = -1
    lv[row, index, KL_TAIL] = slot
    lv[row, index, KL_COUNT] += 1
    lv[row, index, KL_QTY] += o[slot, KO_LEAVES]
    _hash_insert(st, o[slot, KO_ID], slot)
    ts = o[slot, KO_TS]
    _push_row(st, ts, price, lv[row, index, KL_QTY], st.depth_tags[row])


@_helper
def _unlink(st, slot, ts):  # type: ignore[no-untyped-def]
    """Take a resting order out of its level and the table (the Python's ``_unlink``); returns its old leaves.

    The slot stays the caller's (a modify re-rests it, a cancel releases it).
    """
    o = st.ords
    lv = st.lv
    leaves = o[slot, KO_LEAVES]
    o[slot, KO_LEAVES] = 0
    price = o[slot, KO_PRICE]
    row = _row(o[slot, KO_SIDE])
    index = price - st.sd[row, KD_BASE]
    prev = o[slot, KO_PREV]
    nxt = o[slot, KO_NEXT]
    if prev >= 0:
        o[prev, KO_NEXT] = nxt
    else:
        lv[row, index, KL_HEAD] = nxt
    if nxt >= 0:
        o[nxt, KO_PREV] = prev
    else:
        lv[row, index, KL_TAIL] = prev
    lv[row, index, KL_QTY] -= leaves
    lv[row, index, KL_COUNT] -= 1
    _hash_delete(st, o[slot, KO_ID])
    if lv[row, index, KL_COUNT] == 0:
        _level_emptied(st, row, index, price)
    _push_row(st, ts, price, lv[row, index, KL_QTY], st.depth_tags[row])
    return leaves


@_helper
def _crosses(st, side, price):  # type: ignore[no-untyped-def]
    """Whether a ``side`` order at ``price`` would be at or through the opposite best."""
    if side == 1:
        best = st.sd[1, KD_BEST]
        return best != NO_ASK and best <= price
    best = st.sd[0, KD_BEST]
    return best != NO_BID and best >= price


# =============================================================================================================
# Matching
# =============================================================================================================
@_helper
def _take(st, taker, limit):  # type: ignore[no-untyped-def]
    """Match the order in slot ``taker`` against the opposite side up to price ``limit`` (the Python's ``_take``).

    Returns True when self-trade prevention stopped the taker (its remainder must then be cancelled).
    """
    o = st.ords
    side = o[taker, KO_SIDE]
    ts = o[taker, KO_TS]
    owner = o[taker, KO_OWNER]
    taker_id = o[taker, KO_ID]
    stp = st.stp
    row = 1 - _row(side)
    sd = st.sd
    lv = st.lv
    no_best = NO_BID if row == 0 else NO_ASK
    trade_tag = st.trade_tags[_row(side)]
    depth_tag = st.depth_tags[row]
    trade_id = st.next_trade_id
    remaining = o[taker, KO_LEAVES]
    stopped = False
    while remaining > 0:
        price = sd[row, KD_BEST]
        if price == no_best:
            break
        if price > limit if side == 1 else price < limit:
            break
        index = price - sd[row, KD_BASE]
        qty_before = lv[row, index, KL_QTY]
        while True:
            maker = lv[row, index, KL_HEAD]
            maker_leaves = o[maker, KO_LEAVES]
            if stp != STP_NONE and o[maker, KO_OWNER] == owner:
                if stp != STP_CANCEL_NEWEST:
                    _pop_head(st, row, index, maker)
                    o[maker, KO_LEAVES] = 0
                    o[maker, KO_CANCELLED] += maker_leaves
                    lv[row, index, KL_QTY] -= maker_leaves
                    _order_update(st, maker, OS_CANCELLED, RJ_SELF_TRADE, ts)
                    _release(st, maker)
                if stp != STP_CANCEL_OLDEST:
                    stopped = True
                    break
                if lv[row, index, KL_COUNT] == 0:
                    break
                continue
            fill = remaining if remaining < maker_leaves else maker_leaves
            remaining -= fill
            maker_leaves -= fill
            o[maker, KO_LEAVES] = maker_leaves
            o[maker, KO_FILLED] += fill
            lv[row, index, KL_QTY] -= fill
            maker_id = o[maker, KO_ID]
            _push_execution(st, ts, trade_id, price, fill, side, maker_id, o[maker, KO_OWNER], taker_id, owner)
            trade_id += 1
            _push_row(st, ts, price, fill, trade_tag)
            if maker_leaves > 0:
                _order_update(st, maker, OS_PARTIALLY_FILLED, RJ_NONE, ts)
                break
            _pop_head(st, row, index, maker)
            _order_update(st, maker, OS_FILLED, RJ_NONE, ts)
            _release(st, maker)
            if remaining == 0 or lv[row, index, KL_COUNT] == 0:
                break
        if lv[row, index, KL_QTY] != qty_before:
            _push_row(st, ts, price, lv[row, index, KL_QTY], depth_tag)
        if lv[row, index, KL_COUNT] == 0:
            _level_emptied(st, row, index, price)
        if stopped:
            break
    st.next_trade_id = trade_id
    o[taker, KO_FILLED] += o[taker, KO_LEAVES] - remaining
    o[taker, KO_LEAVES] = remaining
    return stopped


@_helper
def _pop_head(st, row, index, slot):  # type: ignore[no-untyped-def]
    """Remove the order at the front of a level's queue from the queue, the count and the table."""
    o = st.ords
    lv = st.lv
    nxt = o[slot, KO_NEXT]
    lv[row, index, KL_HEAD] = nxt
    if nxt >= 0:
        o[nxt, KO_PREV] = -1
    else:
        lv[row, index, KL_TAIL] = -1
    lv[row, index, KL_COUNT] -= 1
    _hash_delete(st, o[slot, KO_ID])


@_helper
def _settle_limit(st, slot, stopped, filled_before):  # type: ignore[no-untyped-def]
    """After matching a limit order: rest its remainder, or report it filled or cancelled by STP."""
    o = st.ords
    ts = o[slot, KO_TS]
    if stopped:
        o[slot, KO_CANCELLED] += o[slot, KO_LEAVES]
        o[slot, KO_LEAVES] = 0
        _order_update(st, slot, OS_CANCELLED, RJ_SELF_TRADE, ts)
        _release(st, slot)
    elif o[slot, KO_LEAVES] > 0:
        if o[slot, KO_FILLED] != filled_before:
            _order_update(st, slot, OS_PARTIALLY_FILLED, RJ_NONE, ts)
        _rest(st, slot)
    else:
        _order_update(st, slot, OS_FILLED, RJ_NONE, ts)
        _release(st, slot)


@_helper
def _settle_immediate(st, slot, stopped):  # type: ignore[no-untyped-def]
    """After matching a market/IOC/FOK order: it is filled, or its remainder expires (or STP cancels it)."""
    o = st.ords
    ts = o[slot, KO_TS]
    leaves = o[slot, KO_LEAVES]
    if stopped or leaves > 0:
        o[slot, KO_CANCELLED] += leaves
        o[slot, KO_LEAVES] = 0
        if stopped:
            _order_update(st, slot, OS_CANCELLED, RJ_SELF_TRADE, ts)
        else:
            _order_update(st, slot, OS_EXPIRED, RJ_IOC_REMAINDER, ts)
    else:
        _order_update(st, slot, OS_FILLED, RJ_NONE, ts)
    _release(st, slot)


@_helper
def _fillable(st, side, price, owner, wanted):  # type: ignore[no-untyped-def]
    """How much a FOK order could fill at ``price`` or better, honouring STP; stops counting at ``wanted``."""
    o = st.ords
    lv = st.lv
    row = 1 - _row(side)
    levels = st.sd[row, KD_LEVELS]
    if levels == 0:
        return 0
    base = st.sd[row, KD_BASE]
    index = st.sd[row, KD_BEST] - base
    step = -1 if row == 0 else 1
    stp = st.stp
    total = 0
    while levels > 0:
        while lv[row, index, KL_COUNT] == 0:
            index += step
        level_price = base + index
        if level_price > price if side == 1 else level_price < price:
            break
        if stp == STP_NONE:
            total += lv[row, index, KL_QTY]
        else:
            slot = lv[row, index, KL_HEAD]
            while slot >= 0:
                if o[slot, KO_OWNER] == owner:
                    if stp != STP_CANCEL_OLDEST:
                        return total
                else:
                    total += o[slot, KO_LEAVES]
                    if total >= wanted:
                        return total
                slot = o[slot, KO_NEXT]
        if total >= wanted:
            return total
        levels -= 1
        index += step
    return total


@_helper
def _slide(st, side):  # type: ignore[no-untyped-def]
    """The price a crossing post-only order slides to, or ``KEEP`` when it must be rejected instead."""
    if st.post_only != PO_SLIDE:
        return KEEP
    slid = st.sd[1 - _row(side), KD_BEST] - side
    return slid if st.min_price <= slid <= st.max_price else KEEP


@_inlined
def _reject_request(st, order_id, requester, reason, ts):  # type: ignore[no-untyped-def]
    """A cancel or modify the requester may not see (unknown id, someone else's order): zeros."""
    owner = -1 if requester == ANY_OWNER else requester
    _push_update(st, ts, order_id, owner, 0, 0, OS_REJECTED, reason, 0, 0, 0, 0)


# =============================================================================================================
# Entry points
# =============================================================================================================
@_entry
def submit(st, side, price, qty, owner, order_type, ts):  # type: ignore[no-untyped-def]
    """`MatchingEngine.submit`: enter a new order; returns its id (also for a rejected order)."""
    order_id = st.next_order_id
    st.next_order_id = order_id + 1
    if order_type == OT_MARKET:
        price = 0
    reason = RJ_NONE
    if side != 1 and side != -1:
        reason = RJ_INVALID_SIDE
    elif qty <= 0:
        reason = RJ_INVALID_QTY
    elif order_type < OT_LIMIT or order_type > OT_POST_ONLY:
        reason = RJ_INVALID_ORDER_TYPE
    elif order_type != OT_MARKET and not st.min_price <= price <= st.max_price:
        reason = RJ_INVALID_PRICE
    elif order_type == OT_POST_ONLY and _crosses(st, side, price):
        slid = _slide(st, side)
        if slid == KEEP:
            reason = RJ_POST_ONLY_WOULD_CROSS
        else:
            price = slid
    if reason != RJ_NONE:
        _push_update(st, ts, order_id, owner, side, price, OS_REJECTED, reason, qty, 0, 0, 0)
        return order_id
    slot = _alloc(st)
    o = st.ords
    o[slot, KO_ID] = order_id
    o[slot, KO_OWNER] = owner
    o[slot, KO_SIDE] = side
    o[slot, KO_PRICE] = price
    o[slot, KO_TYPE] = order_type
    o[slot, KO_QTY] = qty
    o[slot, KO_LEAVES] = qty
    o[slot, KO_FILLED] = 0
    o[slot, KO_CANCELLED] = 0
    o[slot, KO_TS] = ts
    _push_update(st, ts, order_id, owner, side, price, OS_ACCEPTED, RJ_NONE, qty, qty, 0, 0)
    if order_type == OT_LIMIT:
        _settle_limit(st, slot, _take(st, slot, price), 0)  # a new order has filled nothing before
    elif order_type == OT_POST_ONLY:
        _rest(st, slot)
    elif order_type == OT_FOK and _fillable(st, side, price, owner, qty) < qty:
        o[slot, KO_CANCELLED] = qty
        o[slot, KO_LEAVES] = 0
        _order_update(st, slot, OS_EXPIRED, RJ_FOK_UNFILLABLE, ts)
        _release(st, slot)
    else:
        if order_type == OT_MARKET:
            price = NO_ASK if side == 1 else NO_BID
        _settle_immediate(st, slot, _take(st, slot, price))
    return order_id


@_entry
def cancel(st, order_id, ts, owner):  # type: ignore[no-untyped-def]
    """`MatchingEngine.cancel` (``owner`` `ANY_OWNER` for None): True if the order was resting and is cancelled."""
    slot = _find(st, order_id)
    if slot < 0:
        _reject_request(st, order_id, owner, RJ_UNKNOWN_ORDER, ts)
        return False
    o = st.ords
    if owner != ANY_OWNER and owner != o[slot, KO_OWNER]:
        _reject_request(st, order_id, owner, RJ_NOT_OWNER, ts)
        return False
    o[slot, KO_CANCELLED] += _unlink(st, slot, ts)
    _order_update(st, slot, OS_CANCELLED, RJ_REQUESTED, ts)
    _release(st, slot)
    return True


@_entry
def modify(st, order_id, qty, price, ts, owner):  # type: ignore[no-untyped-def]
    """`MatchingEngine.modify` (`KEEP` for an unchanged ``qty``/``price``, `ANY_OWNER`): True if accepted.

    ``qty`` is the new open quantity. A pure size decrease keeps the queue position; a price change or a size
    increase re-queues the order at the back of its (new) level, and a new price that crosses matches first.
    """
    slot = _find(st, order_id)
    if slot < 0:
        _reject_request(st, order_id, owner, RJ_UNKNOWN_ORDER, ts)
        return False
    o = st.ords
    if owner != ANY_OWNER and owner != o[slot, KO_OWNER]:
        _reject_request(st, order_id, owner, RJ_NOT_OWNER, ts)
        return False
    leaves = o[slot, KO_LEAVES]
    old_price = o[slot, KO_PRICE]
    new_leaves = leaves if qty == KEEP else qty
    new_price = old_price if price == KEEP else price
    if new_leaves <= 0:
        _order_update(st, slot, OS_REJECTED, RJ_INVALID_QTY, ts)
        return False
    if not st.min_price <= new_price <= st.max_price:
        _order_update(st, slot, OS_REJECTED, RJ_INVALID_PRICE, ts)
        return False
    side = o[slot, KO_SIDE]
    if new_price == old_price and new_leaves <= leaves:
        reduction = leaves - new_leaves
        if reduction:
            row = _row(side)
            index = old_price - st.sd[row, KD_BASE]
            lv = st.lv
            lv[row, index, KL_QTY] -= reduction
            o[slot, KO_LEAVES] = new_leaves
            o[slot, KO_CANCELLED] += reduction
            _push_row(st, ts, old_price, lv[row, index, KL_QTY], st.depth_tags[row])
        _order_update(st, slot, OS_MODIFIED, RJ_NONE, ts)
        return True
    crosses = _crosses(st, side, new_price)
    if crosses and o[slot, KO_TYPE] == OT_POST_ONLY:
        slid = _slide(st, side)
        if slid == KEEP:
            _order_update(st, slot, OS_REJECTED, RJ_POST_ONLY_WOULD_CROSS, ts)
            return False
        new_price = slid
        crosses = False
    old_leaves = _unlink(st, slot, ts)
    o[slot, KO_PRICE] = new_price
    o[slot, KO_TS] = ts
    o[slot, KO_QTY] += max(0, new_leaves - old_leaves)
    o[slot, KO_LEAVES] = new_leaves
    o[slot, KO_CANCELLED] += max(0, old_leaves - new_leaves)
    _order_update(st, slot, OS_MODIFIED, RJ_NONE, ts)
    if crosses:
        filled_before = o[slot, KO_FILLED]
        _settle_limit(st, slot, _take(st, slot, new_price), filled_before)
    else:
        _rest(st, slot)
    return True


@_entry
def best_bid(st):  # type: ignore[no-untyped-def]
    """The highest resting bid price, or `NO_BID`."""
    return st.sd[0, KD_BEST]


@_entry
def best_ask(st):  # type: ignore[no-untyped-def]
    """The lowest resting ask price, or `NO_ASK`."""
    return st.sd[1, KD_BEST]


@_entry
def level_qty(st, side, price):  # type: ignore[no-untyped-def]
    """Total open quantity resting at ``price`` on ``side`` (0 if no level there, or ``side`` is not ±1)."""
    if side != 1 and side != -1:
        return 0
    row = _row(side)
    index = price - st.sd[row, KD_BASE]
    if index < 0 or index >= st.lv.shape[1]:
        return 0
    return st.lv[row, index, KL_QTY]


@_entry
def depth(st, side, max_levels, out_price, out_qty):  # type: ignore[no-untyped-def]
    """``(price, qty)`` per level on ``side``, best first, into the buffers; returns how many (at most
    ``max_levels`` and the buffers' length; 0 when ``side`` is not ±1)."""
    if side != 1 and side != -1:
        return 0
    row = _row(side)
    lv = st.lv
    count = min(max_levels, st.sd[row, KD_LEVELS], len(out_price), len(out_qty))
    if count <= 0:
        return 0
    base = st.sd[row, KD_BASE]
    index = st.sd[row, KD_BEST] - base
    step = -1 if row == 0 else 1
    for k in range(count):
        while lv[row, index, KL_COUNT] == 0:
            index += step
        out_price[k] = base + index
        out_qty[k] = lv[row, index, KL_QTY]
        index += step
    return count


@_entry
def order_slot(st, order_id):  # type: ignore[no-untyped-def]
    """The slot of resting order ``order_id`` (read ``st.ords[slot, KO_*]``), or -1 when it is not resting."""
    return _find(st, order_id)


@_entry
def next_order_id(st):  # type: ignore[no-untyped-def]
    """The id the next `submit` will get."""
    return st.next_order_id


@_entry
def clear_output(st):  # type: ignore[no-untyped-def]
    """Forget the executions, updates and market-data rows emitted so far (the buffers keep their size)."""
    st.n_ex = 0
    st.n_up = 0
    st.n_md = 0


@_entry
def _output(st):  # type: ignore[no-untyped-def]
    return st.ex[: st.n_ex].copy(), st.up[: st.n_up].copy(), st.md[: st.n_md].copy()


@_entry
def _resting(st):  # type: ignore[no-untyped-def]
    """The order rows of every resting order, in the table's order."""
    ht = st.ht
    o = st.ords
    rows = np.empty((st.n_resting, KO_SIZE), dtype=np.int64)
    n = 0
    for pos in range(ht.shape[0]):
        slot = ht[pos, 1]
        if slot >= 0:
            for column in range(KO_SIZE):
                rows[n, column] = o[slot, column]
            n += 1
    return rows


# =============================================================================================================
# Python side
# =============================================================================================================
_STATUS_BY_CODE = {int(status): status for status in OrderStatus}
_REASON_BY_CODE = {int(reason): reason for reason in OrderReason}


def drain(state: KMatchState) -> MatchingOutput:
    """Everything emitted since the previous drain, as `MatchingEngine.drain` gives it; the buffers are emptied."""
    executions, updates, rows = _output(state)
    clear_output(state)
    return MatchingOutput(
        [Execution(*(int(value) for value in row)) for row in executions],
        [_update(row) for row in updates.tolist()],
        flat_rows_to_events(rows.ravel().tolist()),
    )


def _update(row: list[int]) -> OrderUpdate:
    ts, order_id, owner, side, price, status, reason, qty, leaves, filled, cancelled = row
    return OrderUpdate(
        ts, order_id, owner, side, price, _STATUS_BY_CODE[status], _REASON_BY_CODE[reason],
        qty, leaves, filled, cancelled,
    )  # fmt: skip


def _info(row: list[int]) -> OrderInfo:
    return OrderInfo(
        row[KO_ID], row[KO_OWNER], row[KO_SIDE], row[KO_PRICE], OrderType(row[KO_TYPE]),
        row[KO_QTY], row[KO_LEAVES], row[KO_FILLED], row[KO_CANCELLED], row[KO_TS],
    )  # fmt: skip


def _side_checked(side: int) -> int:
    if side not in (BUY, SELL):
        raise ValueError(f"side must be BUY (1) or SELL (-1), got {side!r}")
    return side


class CompiledMatchingEngine:
    """`MatchingEngine`'s Python interface over a `KMatchState`: for tests, comparisons and Python callers.

    Each method calls the compiled operation of the same name and converts its answer (sentinels to None, rows
    to records); the state itself is `state`, which a numba kernel can take.
    """

    __slots__ = ("_depth_price", "_depth_qty", "state")

    def __init__(
        self,
        instrument_id: int = 0,
        *,
        stp: StpMode = StpMode.CANCEL_NEWEST,
        post_only: PostOnlyMode = PostOnlyMode.REJECT,
        min_price: int = 1,
        max_price: int | None = None,
        first_order_id: int = 1,
        max_width: int = DEFAULT_MAX_WIDTH,
    ) -> None:
        self.state = new_state(
            instrument_id, stp=stp, post_only=post_only, min_price=min_price, max_price=max_price,
            first_order_id=first_order_id, max_width=max_width,
        )  # fmt: skip
        self._depth_price = np.zeros(0, dtype=np.int64)
        self._depth_qty = np.zeros(0, dtype=np.int64)

    def submit(
        self,
        side: int,
        price: int,
        qty: int,
        *,
        owner: int = 0,
        order_type: OrderType = OrderType.LIMIT,
        ts: int = 0,
    ) -> int:
        """Enter a new order; returns its id."""
        return int(submit(self.state, side, price, qty, owner, int(order_type), ts))

    def submit_market(self, side: int, qty: int, *, owner: int = 0, ts: int = 0) -> int:
        """Enter a market order; returns its id."""
        return self.submit(side, 0, qty, owner=owner, order_type=OrderType.MARKET, ts=ts)

    def cancel(self, order_id: int, *, ts: int = 0, owner: int | None = None) -> bool:
        """Cancel a resting order; True if it was cancelled."""
        return bool(cancel(self.state, order_id, ts, ANY_OWNER if owner is None else owner))

    def modify(
        self,
        order_id: int,
        *,
        qty: int | None = None,
        price: int | None = None,
        ts: int = 0,
        owner: int | None = None,
    ) -> bool:
        """Change a resting order's open quantity and/or price; True if accepted."""
        return bool(
            modify(
                self.state, order_id, KEEP if qty is None else qty, KEEP if price is None else price, ts,
                ANY_OWNER if owner is None else owner,
            )
        )  # fmt: skip

    def drain(self) -> MatchingOutput:
        """Everything emitted since the previous drain."""
        return drain(self.state)

    def best_bid(self) -> int | None:
        """The highest resting bid price, or None."""
        price = int(best_bid(self.state))
        return None if price == NO_BID else price

    def best_ask(self) -> int | None:
        """The lowest resting ask price, or None."""
        price = int(best_ask(self.state))
        return None if price == NO_ASK else price

    def level_qty(self, side: int, price: int) -> int:
        """Total open quantity resting at ``price`` on ``side``."""
        return int(level_qty(self.state, _side_checked(side), price))

    def depth(self, side: int, max_levels: int | None = None) -> list[tuple[int, int]]:
        """``(price, qty)`` per level on ``side``, best first, at most ``max_levels`` of them."""
        _side_checked(side)
        wanted = self.open_order_count if max_levels is None else max(0, max_levels)
        if len(self._depth_price) < wanted:
            self._depth_price = np.zeros(wanted, dtype=np.int64)
            self._depth_qty = np.zeros(wanted, dtype=np.int64)
        count = int(depth(self.state, side, wanted, self._depth_price, self._depth_qty))
        return list(zip(self._depth_price[:count].tolist(), self._depth_qty[:count].tolist(), strict=True))

    def order(self, order_id: int) -> OrderInfo | None:
        """A snapshot of resting order ``order_id``, or None."""
        slot = int(order_slot(self.state, order_id))
        return None if slot < 0 else _info(_resting_row(self.state, slot).tolist())

    def open_orders(self, owner: int | None = None) -> list[OrderInfo]:
        """Snapshots of all resting orders (of ``owner`` if given), in order-id order."""
        rows = _resting(self.state)
        infos = [_info(row) for row in rows[np.argsort(rows[:, KO_ID])].tolist()]
        return [info for info in infos if owner is None or info.owner == owner]

    @property
    def open_order_count(self) -> int:
        """How many orders are resting."""
        return int(_resting_count(self.state))

    @property
    def next_order_id(self) -> int:
        """The id the next `submit` will get."""
        return int(next_order_id(self.state))


@_entry
def _resting_row(st, slot):  # type: ignore[no-untyped-def]
    return st.ords[slot].copy()


@_entry
def _resting_count(st):  # type: ignore[no-untyped-def]
    return st.n_resting
