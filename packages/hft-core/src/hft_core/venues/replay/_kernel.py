"""The replay venue's compiled state machine: market events, the strategy's orders, queues and latency, in numba.

`run` advances one replay from where it stopped to the next moment the strategy must see (or to a point where
the Python side has to step in: more data, a bigger book segment, more latency draws, more room). All state
lives in plain arrays owned by `hft_core.venues.replay.venue.ReplayVenue`, so a call can stop anywhere between
two happenings and resume later; the layout constants below are that contract. `_reference.py` implements the
same state machine in plain Python, and the tests check the two agree report for report.

Happenings, in time order; at equal times in this priority order:

1. a request (new order, cancel, modify) reaching the exchange;
2. a market event applied to the exchange-side book at its exchange time (running maximum of ``exch_ts``);
3. a report reaching the strategy (when the strategy does not stop for reports, `Watch.reports`, those due are
   handed over together when the call ends: the same rows, in the same order);
4. a market event reaching the strategy at its local time (running maximum of ``local_ts``);
5. the end of the book-change throttle (``book_from``), when a watched top of book changed during it.

Most of the time only market events are due, and `run` applies them in runs of rows rather than one happening per
turn of its loop. While nothing on the local side can stop the run (nothing watched, or only books and the
throttle's wake already pending), a block of the exchange side's rows and then the local side's rows before the
next exchange row: the two books are independent, so this is the merge by time (`_passes`, with a single
instrument's book in registers). With a strategy trigger set on the only instrument and nothing watched, the local
side's rows first, up to a row where the trigger fires (`_trigger_row`), then the exchange side's up to there
(`_trigger_passes`: a firing ends the call at its row's time, and the local side needs nothing from the exchange
side's rows but the reports those queue, which come a response latency later). Otherwise (a book or trades watched, or
triggers with several instruments: `_trigger_row` runs after each local row of a triggered instrument) both sides
merged a row at a time (`_merged_rows`). A run ends before any other happening, after a row that queued reports, and
at a row that needs more (growth, L3 room, a watched trade): the general step takes that one. Order-by-order data
(L3 messages, and the CLEAR, SNAPSHOT and TRADE rows among them) has runs of its own in `_passes` (`_pass_l3`,
between the L2 runs, via `_side_passes`); the trigger's runs and the merged rows leave L3 messages to the general
step.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, types

__all__ = ["first_bad_row", "once_per_types", "rehash", "run"]


def once_per_types(dispatcher: Any) -> Any:
    """``dispatcher`` (a numba function) compiled once per argument *types* when compiled code calls it.

    numba types a constant argument at a call site as its literal value (``Literal[int](2)``) and compiles the
    callee again for each combination of constants it is called with: the kernel's report writer was compiled 11
    times, and each copy costs type inference, lowering and LLVM optimisation. The calls' types are made
    non-literal before numba looks for an overload, so every call site shares one; LLVM still folds a constant where
    it inlines the call. (This replaces the dispatcher's ``get_call_template``, the step numba's typing of a call
    goes through.) Integers narrower than 64 bits are passed as ``int64`` for the same reason (`_widened`)."""
    template = dispatcher.get_call_template

    def get_call_template(args: tuple[Any, ...], kws: dict[str, Any]) -> Any:
        return template(tuple(_widened(a) for a in args), {k: _widened(v) for k, v in kws.items()})

    dispatcher.get_call_template = get_call_template
    return dispatcher


def _widened(argument: Any) -> Any:
    """A call's argument type as `once_per_types` compiles for it: not literal, and an integer narrower than 64 bits
    (a record field's ``int32`` instrument, ``uint8`` kind) as ``int64``, which holds every value it can have."""
    plain: Any = types.unliteral(argument)  # type: ignore[no-untyped-call]
    narrow = isinstance(plain, types.Integer) and getattr(plain, "bitwidth", 64) < 64
    return types.int64 if narrow else plain


# NRT (numba's reference counting) is off: the kernel allocates nothing, and array reference counting on every
# helper call would cost more than the market logic itself. Only `run` and `rehash` are cached entry points;
# the helpers compile into them (and can be inlined there), once per argument types (`once_per_types`).
_jit: Any = njit


def _helper(function: Any) -> Any:
    """A function compiled code calls: without NRT, once per argument types (the kernel's helpers, and the compiled
    strategy path's: `_drive`, `hft_core.compiled`)."""
    return once_per_types(_jit(_nrt=False)(function))


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
BAD_DATA = 7
"""An L3 row the recorded book cannot take (``S_BAD_ROW``, ``S_BAD_WHY``): the venue raises a `DataError`."""

# -- scalar state (int64 vector ``st``) -------------------------------------------------------------------------
S_NOW = 0
S_UNTIL = 1
S_STOP_AT = 2
S_BOOK_FROM = 3
S_FREE_SLOT = 4
"""The first free order slot (``ord_i``), or -1: free slots form a list linked through ``O_NEXT_FREE``."""
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
S_OUT_REPORTS = 16
S_OUT_TRADES = 17
S_N_ACTIVE = 18
S_SEQ = 19
S_PENDING_BOOK = 20
S_FINISHED = 21
S_GROW_BOOK = 22
S_GROW_INST = 23
S_GROW_PRICE = 24
S_LAT_EMPTY = 25
"""1 when a sampled latency link has used its last drawn response (`NEED_SAMPLES` before the next happening).
(15 and 26-28 are free: the latency state is per link, in ``inst``.)"""
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
"""1: stop at every report (`Watch.reports`); 2: hand reports over as they arrive but stop only where a trigger on
fills or rejects fires; 0: hand them over when the call ends."""
S_ACKS = 41
"""0: leave ACCEPTED reports out (`Watch.acks`); the order's ``O_ACK_TS`` notes when it would have arrived."""
S_FRESH = 42
"""1 when the next `run` call is the first of an `advance` (`run` clears it); ``S_UNTIL`` and ``S_BOOK_FROM`` are
that advance's arguments."""
S_BAD_ROW = 43
"""With ``BAD_DATA``: the row's index in the window ``buf``."""
S_BAD_WHY = 44
"""With ``BAD_DATA``: ``BAD_CROSSING`` or ``BAD_DUPLICATE``."""
S_SIZE = 45

BAD_CROSSING = 1
"""An L3 add (or a modify to a new price) at or through the opposite best: the book has no such state to show."""
BAD_DUPLICATE = 2
"""An L3 add of an order id the book already holds."""

FP_EXPONENT = 0
"""Index of the queue model's exponent in the float parameter vector ``fp``."""
FP_TRIGGERS = 1
"""Where the per-instrument trigger floats start in ``fp``: ``fp[FP_TRIGGERS + i * TF_SIZE + TF_*]``."""
TF_MICROPRICE = 0
TF_IMBALANCE = 1
TF_REF_MICRO = 2
"""The microprice (ticks) when the trigger last fired or was set (valid while ``I_REF_MID2`` is not NONE)."""
TF_SIZE = 3

# -- books: ``bmeta[book, instrument, field]`` over the flat ``levels`` array -----------------------------------
EXCH_BOOK = 0
LOCAL_BOOK = 1
M_BASE = 0
M_CAP = 1
M_OFF_BID = 2
M_OFF_ASK = 3
M_BEST_BID = 4
M_BEST_ASK = 5
M_LEVELS_BID = 6
M_LEVELS_ASK = 7
"""How many of the side's prices hold a level (LEVELS_UNKNOWN when not counted). The general step's stores keep
the count (`_store`) and a CLEAR sets it (0), so a side whose last level goes is known empty without reading its
segment (an L3 file's sides hold a level or two, and its reveals empty them thousands of times a day); the runs of
L2 rows do not count (`_pass_one`, `_fast_level`, `_uncross`: they mark it unknown), and an unknown count is
read past as before (`_scan_down_blocks`)."""
M_SIZE = 8
LEVELS_UNKNOWN = -1
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
O_ACK_TS = 8
"""Local time at which the order's ACCEPTED report, left out (``S_ACKS`` = 0), would have reached the strategy;
NONE when it was reported (or the order was not accepted)."""
O_NEXT_FREE = 9
"""In a free slot: the next free slot, or -1 (``S_FREE_SLOT``). A slot is freed when the last report of its order
is delivered; the venue takes free slots for new orders."""
O_SIZE = 10
F_AHEAD = 0
F_TRADED = 1
F_SIZE = 2
ST_FREE = 0
ST_IN_FLIGHT = 1
ST_RESTING = 2
ST_DONE = 3

# -- requests in flight to the exchange: ring ``req[k, field]`` -------------------------------------------------
# In arrival order, ties in the order sent: the venue appends a request, or with a latency link per instrument
# inserts it behind those arriving no later (`ReplayVenue._send_on_link`); `run` takes the head.
RQ_ARRIVAL = 0
RQ_KIND = 1
RQ_SLOT = 2
RQ_ID = 3
RQ_INST = 4
RQ_PRICE = 5
RQ_QTY = 6
RQ_SIZE = 7
REQ_SUBMIT = 1
REQ_CANCEL = 2
REQ_MODIFY = 3

# -- a report row of the venue protocol (`hft_core.venues.base.P_*`), restated: numba freezes the constants a
# kernel reads into its cached machine code, and its cache notices edits of this file only
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
REPORT_ROW_SIZE = 11

# -- reports: in flight (ring ``rep``) and delivered (``out_rep``) ----------------------------------------------
# A report row of the venue protocol (`hft_core.venues.base`, P_TS..P_MAKER), then the kernel's own columns, which
# stay behind on delivery: ``out_rep`` rows are the protocol's rows exactly. In delivery order, ties in the order
# queued (`_report` inserts a report due before ones queued on a slower link ahead of them); `run` takes the head.
PQ_SLOT = REPORT_ROW_SIZE
PQ_TERMINAL = REPORT_ROW_SIZE + 1
PQ_SIZE = REPORT_ROW_SIZE + 2

# -- public trades delivered: ``out_trd[k, field]`` -------------------------------------------------------------
TR_TS = 0
TR_INST = 1
TR_PRICE = 2
TR_QTY = 3
TR_SIDE = 4
TR_SIZE = 5

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
I_TRIG = 12
"""The instrument's trigger conditions (`hft_core.venues.base.TriggerSpec.flags`, ``T_*`` bits; 0: none)."""
I_TRIG_MID = 13
I_TRIG_ABOVE = 14
I_TRIG_BELOW = 15
I_TRIG_QTY = 16
I_TRIG_TRADE_ABOVE = 17
I_TRIG_TRADE_BELOW = 18
I_TRIG_HELD = 19
"""The edge conditions (``T_EDGES``) that held after the instrument's previous row."""
I_REF_MID2 = 20
"""bid + ask when the trigger last fired or was set, NONE before both sides were seen."""
I_FIRED = 21
"""Bits fired since the venue last read them (it clears them)."""
I_LINK = 22
"""The latency link of the instrument's requests and reports: the row of ``inst`` whose ``I_LAT_*`` columns hold it
(0 for every instrument when one latency model serves them all; ``i`` when each has its own)."""
I_LAT_MODE = 23
"""Of a link: ``LAT_CONSTANT``, ``LAT_SAMPLED`` or ``LAT_RECORDED``."""
I_LAT_RESPONSE = 24
"""Of a constant link: its response latency (ns)."""
I_LAT_START = 25
I_LAT_END = 26
"""Of a sampled or recorded link: its columns ``[start, end)`` of the latency table ``lat`` (sampled: row 1 holds
the current block of draws; recorded: row 0 the times and row 1 the response latencies)."""
I_LAT_CURSOR = 27
"""Of a sampled link: the column of its next draw."""
I_LAT_STEP = 28
"""Of a recorded link: 1 to hold each sample until the next, 0 to interpolate linearly."""
I_LAST_DELIVERY = 29
"""Of a link: the delivery time of its latest response (NONE before the first): responses on one link never
overtake each other."""
I_SIZE = 30
"""``I_BUY_LOW``..``I_SELL_HIGH``: price range of our resting orders per side (NO_ASK/NO_BID when none), so a market
event that cannot touch them skips the per-order work. ``I_TRIG``..``I_FIRED``: the strategy's trigger, the rules of
`hft_core.venues.base.TriggerState` (`_trigger_row`, `_trigger_report`)."""

# -- L3 orders of the recorded market: ``l3[book, slot, field]`` -----------------------------------------------
L_SIDE = 0
L_PRICE = 1
L_QTY = 2
L_SEQ = 3
L_SIZE = 4
# ... found by order id through an open-addressing hash table per book: ``hkeys[book, k]`` -> ``hvals[book, k]``
H_EMPTY = -1
H_DELETED = -2

# Trigger conditions (`hft_core.venues.base.T_*`, restated: the numba cache sees only this file).
TG_MID = 1
TG_MICROPRICE = 2
TG_MID_ABOVE = 4
TG_MID_BELOW = 8
TG_BEST_QTY = 16
TG_IMBALANCE = 32
TG_TRADE_ABOVE = 64
TG_TRADE_BELOW = 128
TG_FILL = 256
TG_REJECT = 512
TG_REPORTS = 768

# Event kinds (hft_core.events.EventKind), order types, statuses and reasons (hft_core.matching.orders).
K_DEPTH = 1
K_TRADE = 2
K_CLEAR = 3
K_SNAPSHOT = 4
K_ADD = 5
K_CANCEL = 6
K_MODIFY = 7
K_FILL = 8
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
RJ_INVALID_ORDER_TYPE = 4
RJ_UNKNOWN_ORDER = 5
RJ_POST_ONLY_WOULD_CROSS = 7
RJ_FOK_UNFILLABLE = 8
RJ_IOC_REMAINDER = 9
RJ_REQUESTED = 11

Q_RISK_AVERSE = 0
Q_POWER = 1
Q_LOG = 2
Q_POWER3 = 3
Q_L3_FIFO = 4
Q_POWER_HBT = 5
Q_LOG_HBT = 6
Q_POWER3_HBT = 7
"""The probabilistic models with hftbacktest's arithmetic (`hft_core.venues.replay.queue`): codes 5-7."""
LAT_CONSTANT = 0
LAT_SAMPLED = 1
LAT_RECORDED = 2

MAX_SWEEP_LEVELS = 1000
"""A liquidity-taking order walks at most this many non-empty price levels."""
REPORT_HEADROOM = MAX_SWEEP_LEVELS + 8
"""Free report slots required before an exchange happening (a sweep plus its acknowledgement and expiry)."""
PASS_BLOCK = 4096
"""Rows the exchange side runs ahead of the local side in `run`'s fast passes (the rows stay in cache)."""
PASS_END = 0
PASS_SPECIAL = 1
PASS_REPORTS = 2
PASS_FIRED = 3
PASS_ROWS = 4
"""Why a run of market rows stopped (`_pass_many`; PASS_FIRED: the trigger fired at the last row, `_pass_one`;
PASS_ROWS: `_pass_l3` reached a row that `_pass_one` and `_pass_many` take)."""
LEVEL_IGNORED = -1
LEVEL_GROW = -2
"""`_fast_level`'s answers besides a level's previous size."""
SCAN_NEAR = 8
"""`_scan_down_blocks`/`_scan_up_blocks`: the slots read one by one before the scan goes on in blocks."""


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
def _scan_down_blocks(levels, off, idx, base):  # type: ignore[no-untyped-def]
    """`_scan_down` for the general step's stores (`_store`: an L3 book's, whose only level often goes, and then
    the whole segment is read): the first ``SCAN_NEAR`` slots one by one, then blocks of eight or-ed together
    before one test (sizes are never negative), the block that has a level read slot by slot. The runs of rows
    keep the plain scan: their next level is usually a tick away, and this one slowed them (5% on a trigger)."""
    near = max(idx - SCAN_NEAR, -1)
    while idx > near:
        if levels[off + idx] > 0:
            return base + idx
        idx -= 1
    while idx >= 7:
        j = off + idx
        if (
            levels[j] | levels[j - 1] | levels[j - 2] | levels[j - 3] | levels[j - 4] | levels[j - 5] | levels[j - 6]
        ) | levels[j - 7] != 0:
            break
        idx -= 8
    return _scan_down(levels, off, idx, base)


@_helper
def _scan_up_blocks(levels, off, idx, cap, base):  # type: ignore[no-untyped-def]
    """`_scan_down_blocks` upwards."""
    near = min(idx + SCAN_NEAR, cap)
    while idx < near:
        if levels[off + idx] > 0:
            return base + idx
        idx += 1
    while idx + 8 <= cap:
        j = off + idx
        if (
            levels[j] | levels[j + 1] | levels[j + 2] | levels[j + 3] | levels[j + 4] | levels[j + 5] | levels[j + 6]
        ) | levels[j + 7] != 0:
            break
        idx += 8
    return _scan_up(levels, off, idx, cap, base)


@_helper
def _count(bmeta, b, i, field, prev, q):  # type: ignore[no-untyped-def]
    """A side's level count (``field``) after a price went from ``prev`` to ``q`` lots, when it is counted."""
    n = bmeta[b, i, field]
    if n != LEVELS_UNKNOWN:
        bmeta[b, i, field] = n + (q > 0) - (prev > 0)


@_helper
def _cleared(levels, bmeta, b, i, field, off, lo, hi):  # type: ignore[no-untyped-def]
    """Zero slots ``lo``..``hi`` (inclusive) of a side at ``off``, taking the levels there off its count."""
    gone = 0
    for k in range(lo, hi + 1):
        gone += levels[off + k] > 0
        levels[off + k] = 0
    n = bmeta[b, i, field]
    if n != LEVELS_UNKNOWN:
        bmeta[b, i, field] = n - gone


@_helper
def _store(levels, bmeta, b, i, side, x, q):  # type: ignore[no-untyped-def]
    """Set the level (placement already checked); keep the best prices and the level counts; a new level clears
    the crossed side. A best that goes leaves its side empty without a scan when the count says so."""
    base = bmeta[b, i, M_BASE]
    cap = bmeta[b, i, M_CAP]
    idx = x - base
    if idx < 0 or idx >= cap:
        return
    if side > 0:
        off = bmeta[b, i, M_OFF_BID]
        _count(bmeta, b, i, M_LEVELS_BID, levels[off + idx], q)
        levels[off + idx] = q
        bb = bmeta[b, i, M_BEST_BID]
        if q > 0:
            if bb == NO_BID or x > bb:
                bmeta[b, i, M_BEST_BID] = x
            ba = bmeta[b, i, M_BEST_ASK]
            if ba != NO_ASK and ba <= x:
                aoff = bmeta[b, i, M_OFF_ASK]
                _cleared(levels, bmeta, b, i, M_LEVELS_ASK, aoff, ba - base, idx)
                bmeta[b, i, M_BEST_ASK] = (
                    NO_ASK if bmeta[b, i, M_LEVELS_ASK] == 0 else _scan_up_blocks(levels, aoff, idx + 1, cap, base)
                )
        elif x == bb:
            bmeta[b, i, M_BEST_BID] = (
                NO_BID if bmeta[b, i, M_LEVELS_BID] == 0 else _scan_down_blocks(levels, off, idx - 1, base)
            )
    else:
        off = bmeta[b, i, M_OFF_ASK]
        _count(bmeta, b, i, M_LEVELS_ASK, levels[off + idx], q)
        levels[off + idx] = q
        ba = bmeta[b, i, M_BEST_ASK]
        if q > 0:
            if ba == NO_ASK or x < ba:
                bmeta[b, i, M_BEST_ASK] = x
            bb = bmeta[b, i, M_BEST_BID]
            if bb != NO_BID and bb >= x:
                boff = bmeta[b, i, M_OFF_BID]
                _cleared(levels, bmeta, b, i, M_LEVELS_BID, boff, idx, bb - base)
                bmeta[b, i, M_BEST_BID] = (
                    NO_BID if bmeta[b, i, M_LEVELS_BID] == 0 else _scan_down_blocks(levels, boff, idx - 1, base)
                )
        elif x == ba:
            bmeta[b, i, M_BEST_ASK] = (
                NO_ASK if bmeta[b, i, M_LEVELS_ASK] == 0 else _scan_up_blocks(levels, off, idx + 1, cap, base)
            )


@_helper
def _clear(levels, bmeta, b, i, side):  # type: ignore[no-untyped-def]
    """Empty a side (``side`` 0: both). Its levels lie between the segment's edge and its best price, so only those
    slots are zeroed (none when the side is already empty, the best's alone when it is the side's only level: an
    L3 file's reveals clear such sides, mostly); the side's count is then 0."""
    base = bmeta[b, i, M_BASE]
    if side >= 0:
        bb = bmeta[b, i, M_BEST_BID]
        if bb != NO_BID:
            off = bmeta[b, i, M_OFF_BID]
            first = bb - base if bmeta[b, i, M_LEVELS_BID] == 1 else 0
            levels[off + first : off + bb - base + 1] = 0
        bmeta[b, i, M_BEST_BID] = NO_BID
        bmeta[b, i, M_LEVELS_BID] = 0
    if side <= 0:
        ba = bmeta[b, i, M_BEST_ASK]
        if ba != NO_ASK:
            off = bmeta[b, i, M_OFF_ASK]
            last = ba - base + 1 if bmeta[b, i, M_LEVELS_ASK] == 1 else bmeta[b, i, M_CAP]
            levels[off + ba - base : off + last] = 0
        bmeta[b, i, M_BEST_ASK] = NO_ASK
        bmeta[b, i, M_LEVELS_ASK] = 0


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
def _microprice(bb, bq, ba, aq):  # type: ignore[no-untyped-def]
    total = bq + aq
    if total <= 0:
        return (np.float64(bb) + np.float64(ba)) * 0.5
    return (np.float64(bb) * np.float64(aq) + np.float64(ba) * np.float64(bq)) / np.float64(total)


@_helper
def _trigger_rearm(fp, levels, bmeta, inst, i, f):  # type: ignore[no-untyped-def]
    bb = bmeta[LOCAL_BOOK, i, M_BEST_BID]
    ba = bmeta[LOCAL_BOOK, i, M_BEST_ASK]
    if bb != NO_BID and ba != NO_ASK:
        inst[i, I_REF_MID2] = bb + ba
        bq = _level(levels, bmeta, LOCAL_BOOK, i, 1, bb)
        aq = _level(levels, bmeta, LOCAL_BOOK, i, -1, ba)
        fp[f + TF_REF_MICRO] = _microprice(bb, bq, ba, aq)


@_helper
def _trigger_row(st, fp, levels, bmeta, inst, i, traded, x, t):  # type: ignore[no-untyped-def]
    """After a row of instrument ``i`` reached the strategy (``traded``: it printed a trade at ``x``): the trigger's
    bits that fire (`TriggerState.on_row`, operation for operation); a firing stops the call at ``t``, where
    `_finish_call` moves the references (`TriggerState.woke`)."""
    flags = inst[i, I_TRIG]
    f = FP_TRIGGERS + i * TF_SIZE
    bb = bmeta[LOCAL_BOOK, i, M_BEST_BID]
    ba = bmeta[LOCAL_BOOK, i, M_BEST_ASK]
    bq = _level(levels, bmeta, LOCAL_BOOK, i, 1, bb) if bb != NO_BID else 0
    aq = _level(levels, bmeta, LOCAL_BOOK, i, -1, ba) if ba != NO_ASK else 0
    both = bb != NO_BID and ba != NO_ASK
    mid2 = bb + ba if both else 0
    held = 0
    if both:
        if flags & TG_MID_ABOVE and mid2 >= inst[i, I_TRIG_ABOVE]:
            held |= TG_MID_ABOVE
        if flags & TG_MID_BELOW and mid2 <= inst[i, I_TRIG_BELOW]:
            held |= TG_MID_BELOW
    if flags & TG_BEST_QTY and (bq < inst[i, I_TRIG_QTY] or aq < inst[i, I_TRIG_QTY]):
        held |= TG_BEST_QTY
    total = bq + aq
    if flags & TG_IMBALANCE and total > 0 and abs(np.float64(bq - aq)) >= fp[f + TF_IMBALANCE] * np.float64(total):
        held |= TG_IMBALANCE
    fired = held & ~inst[i, I_TRIG_HELD]
    inst[i, I_TRIG_HELD] = held
    ref = inst[i, I_REF_MID2]
    if both and ref != NONE:
        if flags & TG_MID and abs(mid2 - ref) >= 2 * inst[i, I_TRIG_MID]:
            fired |= TG_MID
        if flags & TG_MICROPRICE and abs(_microprice(bb, bq, ba, aq) - fp[f + TF_REF_MICRO]) >= fp[f + TF_MICROPRICE]:
            fired |= TG_MICROPRICE
    if traded:
        if flags & TG_TRADE_ABOVE and x >= inst[i, I_TRIG_TRADE_ABOVE]:
            fired |= TG_TRADE_ABOVE
        if flags & TG_TRADE_BELOW and x <= inst[i, I_TRIG_TRADE_BELOW]:
            fired |= TG_TRADE_BELOW
    if ref == NONE:
        _trigger_rearm(fp, levels, bmeta, inst, i, f)
    if fired != 0:
        inst[i, I_FIRED] |= fired
        if st[S_STOP_AT] == NONE:
            st[S_STOP_AT] = t
    return fired


@_helper
def _trigger_report(st, fp, levels, bmeta, inst, out_rep, row, t):  # type: ignore[no-untyped-def]
    """A report (``out_rep[row]``) reached the strategy: its instrument's trigger bits that fire
    (`TriggerState.on_report`); a firing stops the call at ``t``."""
    i = out_rep[row, P_INST]
    flags = inst[i, I_TRIG]
    fired = 0
    if flags & TG_FILL and out_rep[row, P_FILL_QTY] > 0:
        fired |= TG_FILL
    if flags & TG_REJECT and out_rep[row, P_STATUS] == OS_REJECTED:
        fired |= TG_REJECT
    if fired != 0:
        inst[i, I_FIRED] |= fired
        if st[S_STOP_AT] == NONE:
            st[S_STOP_AT] = t
    return fired


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
def _l3_crosses(bmeta, b, i, side, x):  # type: ignore[no-untyped-def]
    """Whether an order at ``x`` on ``side`` would be at or through book ``b``'s opposite best."""
    if side > 0:
        ba = bmeta[b, i, M_BEST_ASK]
        return ba != NO_ASK and x >= ba
    bb = bmeta[b, i, M_BEST_BID]
    return bb != NO_BID and x <= bb


@_helper
def _l3_apply(st, levels, bmeta, hkeys, hvals, l3, l3_free, b, kind, i, side, x, q, oid):  # type: ignore[no-untyped-def]
    """Apply one L3 message to book ``b`` and its order map.

    Returns (status, order side, order priority, quantity removed or executed, priority lost,
    first changed price, its level before, after, second changed price, before, after); a price of NONE means
    no change there. ``status`` is NEED_GROW / NEED_L3_ROOM / BAD_DATA before any change, else DONE.

    One semantics with `hft_core.book.L3Book`: an add of an id the book holds, or an add (or a modify to a new
    price) at or through the opposite best, is refused (BAD_DATA; the venue raises a `DataError`); a cancel of 0
    lots removes the whole order.
    """
    pos = _hash_find(hkeys, b, oid)
    slot = hvals[b, pos] if pos >= 0 else -1
    if kind == K_ADD and slot >= 0:
        st[S_BAD_WHY] = BAD_DUPLICATE
        return (BAD_DATA, 0, 0, 0, False, NONE, 0, 0, NONE, 0, 0)
    if kind == K_ADD or (kind == K_MODIFY and slot < 0):
        if slot < 0:
            if _l3_crosses(bmeta, b, i, side, x):
                st[S_BAD_WHY] = BAD_CROSSING
                return (BAD_DATA, 0, 0, 0, False, NONE, 0, 0, NONE, 0, 0)
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
            # a cancel of 0 lots is of the whole order (docs/data-formats.md)
            removed = l3[b, slot, L_QTY] if q == 0 and kind == K_CANCEL else min(q, l3[b, slot, L_QTY])
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
    if x != ox and _l3_crosses(bmeta, b, i, oside, x):
        st[S_BAD_WHY] = BAD_CROSSING
        return (BAD_DATA, 0, 0, 0, False, NONE, 0, 0, NONE, 0, 0)
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
def _response_latency(st, inst, lat, link, t):  # type: ignore[no-untyped-def]
    """The response latency of link ``link`` for a response emitted at exchange time ``t`` (a draw, when sampled)."""
    mode = inst[link, I_LAT_MODE]
    if mode == LAT_CONSTANT:
        return inst[link, I_LAT_RESPONSE]
    if mode == LAT_SAMPLED:
        c = inst[link, I_LAT_CURSOR]
        inst[link, I_LAT_CURSOR] = c + 1
        if c + 1 == inst[link, I_LAT_END]:
            st[S_LAT_EMPTY] = 1
        return lat[1, c]
    ts = lat[0]
    first = inst[link, I_LAT_START]
    last = inst[link, I_LAT_END] - 1
    if t <= ts[first]:
        return lat[1, first]
    if t >= ts[last]:
        return lat[1, last]
    lo = first
    hi = last
    while hi - lo > 1:  # ts[lo] <= t < ts[hi]
        mid = (lo + hi) // 2
        if ts[mid] <= t:
            lo = mid
        else:
            hi = mid
    j = lo
    if inst[link, I_LAT_STEP] != 0:
        return lat[1, j]
    v0 = lat[1, j]
    v1 = lat[1, j + 1]
    return v0 + np.int64((v1 - v0) * ((t - ts[j]) / (ts[j + 1] - ts[j])))


@_helper
def _delivery(st, inst, lat, i, t):  # type: ignore[no-untyped-def]
    """When the reports of the happening at exchange time ``t`` (on instrument ``i``: a happening concerns one) reach
    the strategy: one response (one latency draw) per happening, never before an earlier response on its link."""
    delivery = st[S_HAP_DELIVERY]
    if delivery == NONE:
        link = inst[i, I_LINK]
        delivery = t + _response_latency(st, inst, lat, link, t)
        if delivery < inst[link, I_LAST_DELIVERY]:
            delivery = inst[link, I_LAST_DELIVERY]
        inst[link, I_LAST_DELIVERY] = delivery
        st[S_HAP_DELIVERY] = delivery
    return delivery


@_helper
def _report(st, rep, lat, inst, t, i, oid, status, reason, side, price, leaves, fqty, fprice, maker, slot, terminal):  # type: ignore[no-untyped-def]
    """Queue a report emitted at exchange time ``t``; every report of one happening shares one response. The ring
    stays in delivery order, ties in the order queued: a report due before ones already queued (another link's,
    faster) is inserted ahead of them."""
    delivery = _delivery(st, inst, lat, i, t)
    cap = rep.shape[0]
    head = st[S_REP_HEAD]
    j = st[S_REP_COUNT]
    k = (head + j) % cap
    while j > 0:
        before = (head + j - 1) % cap
        if rep[before, P_TS] <= delivery:
            break
        for field in range(PQ_SIZE):
            rep[k, field] = rep[before, field]
        k = before
        j -= 1
    st[S_REP_COUNT] += 1
    rep[k, P_TS] = delivery
    rep[k, P_INST] = i
    rep[k, P_ID] = oid
    rep[k, P_STATUS] = status
    rep[k, P_REASON] = reason
    rep[k, P_SIDE] = side
    rep[k, P_PRICE] = price
    rep[k, P_LEAVES] = leaves
    rep[k, P_FILL_QTY] = fqty
    rep[k, P_FILL_PRICE] = fprice
    rep[k, P_MAKER] = 1 if maker else 0
    rep[k, PQ_SLOT] = slot
    rep[k, PQ_TERMINAL] = 1 if terminal else 0


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
        inst,
        t,
        ord_i[s, O_INST],
        ord_i[s, O_ID],
        OS_FILLED if done else OS_PARTIALLY_FILLED,
        RJ_NONE,
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
def _simple_report(st, rep, lat, inst, ord_i, s, status, reason, t, terminal):  # type: ignore[no-untyped-def]
    _report(
        st,
        rep,
        lat,
        inst,
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
        if n == 2.0:  # (as `PowerProbQueue.probability_behind`: squares by multiplication)
            fb = back * back
            total = fb + front * front
        else:
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
def _min_number(a, b):  # type: ignore[no-untyped-def]
    """Rust's ``f64::min``: the smaller, and the other operand when one is NaN (as ``queue._min_number``)."""
    if a != a:
        return b
    if b != b:
        return a
    return a if a < b else b


@_helper
def _divide(a, b):  # type: ignore[no-untyped-def]
    """``a / b`` with IEEE results for a zero divisor (as ``queue._divide``)."""
    if b == 0.0:
        if a == 0.0 or a != a:
            return np.nan
        return np.inf if (a > 0.0) == (np.copysign(1.0, b) > 0.0) else -np.inf
    return a / b


@_helper
def _hbt_fill_lots(front):  # type: ignore[no-untyped-def]
    """``round(-front)`` (halves away from zero) when positive, else 0 (as ``queue.hftbacktest_fill_lots``)."""
    behind = -front
    if not behind >= 0.5:
        return 0.0
    lots = np.floor(behind)
    return lots + 1.0 if behind - lots >= 0.5 else lots


@_helper
def _probability_behind_hbt(model, n, front, back):  # type: ignore[no-untyped-def]
    """hftbacktest's probability (``pow`` and ``ln(1 + x)`` on any sign), as ``probability_behind_hftbacktest``."""
    if model == Q_POWER_HBT:
        fb = back**n
        return _divide(fb, fb + front**n)
    if model == Q_LOG_HBT:
        fb = np.log(1.0 + back)
        return _divide(fb, fb + np.log(1.0 + front))
    return 1.0 - _divide(front, front + back) ** n


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
            p = _probability_behind(model, fp[FP_EXPONENT], ahead, back)
            estimate = ahead - (1.0 - p) * change + min(back - p * change, 0.0)
            ahead = min(estimate, new)
            if ahead < 0.0:
                ahead = 0.0
        else:
            ahead = min(ahead, new)
    elif model >= Q_POWER_HBT:
        # hftbacktest's ProbQueueModel.depth, as `QueueModel.front_after_depth_hftbacktest`: nothing clamped.
        change = np.float64(prev) - np.float64(new) - ord_f[s, F_TRADED]
        ord_f[s, F_TRADED] = 0.0
        if change < 0.0:
            ahead = _min_number(ahead, np.float64(new))
        else:
            back = np.float64(prev) - ahead
            p = _probability_behind_hbt(model, fp[FP_EXPONENT], ahead, back)
            if np.isinf(p):
                p = 1.0
            estimate = ahead - (1.0 - p) * change + _min_number(back - p * change, 0.0)
            ahead = _min_number(estimate, np.float64(new))
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


_on_depth_change_called = _helper(_on_depth_change.py_func)
"""`_on_depth_change` called rather than inlined, where the general step needs it (inlined at five sites it cost
the cold compile about 6 s; inlined it stays where the runs of rows call it, `_orders_see`)."""


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
            elif st[S_QUEUE_MODEL] >= Q_POWER_HBT:
                # hftbacktest 2.4.4: round(-front) lots once positive (`queue.hftbacktest_fill_lots`), at most the
                # trade's; a fill puts the front back at 0, less than half a lot past it stays below 0.
                ahead = ord_f[s, F_AHEAD] - q
                ord_f[s, F_TRADED] += q
                reached = _hbt_fill_lots(ahead)
                if reached > 0.0:
                    ord_f[s, F_AHEAD] = 0.0
                    _reach(st, rep, lat, ord_i, inst, s, q if reached >= q else np.int64(reached), t)
                else:
                    ord_f[s, F_AHEAD] = ahead
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


_on_trade_called = _helper(_on_trade.py_func)
"""`_on_trade` called rather than inlined, in the general step (as `_on_depth_change_called`)."""


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
            _on_depth_change_called(st, fp, rep, lat, ord_i, ord_f, active, inst, i, side, x, prev, q, t)
        else:
            _store(levels, bmeta, EXCH_BOOK, i, side, x, q)
    elif kind == K_TRADE:
        if (side <= 0 and x <= inst[i, I_BUY_HIGH]) or (side >= 0 and x >= inst[i, I_SELL_LOW]):
            _on_trade_called(st, rep, lat, ord_i, ord_f, active, inst, i, side, x, q, False, 0, t)
    elif kind == K_CLEAR:
        _clear(levels, bmeta, EXCH_BOOK, i, side)
    elif kind >= K_ADD and kind <= K_FILL:
        r = _l3_apply(st, levels, bmeta, hkeys, hvals, l3, l3_free, EXCH_BOOK, kind, i, side, x, q, buf[k]["order_id"])
        if r[0] != DONE:
            st[S_BAD_ROW] = k
            return r[0]
        if has_orders:
            _l3_orders_see(st, fp, rep, lat, ord_i, ord_f, active, inst, i, kind, r, t)
    return DONE


@_helper
def _l3_orders_see(st, fp, rep, lat, ord_i, ord_f, active, inst, i, kind, applied, t):  # type: ignore[no-untyped-def]
    """Our resting orders against an L3 row the exchange book took (``applied``: `_l3_apply`'s answer): an
    execution trades, a cancel ahead of ours moves us up (L3 FIFO), and the changed levels move the queues. Returns
    whether that queued reports (as `_orders_see` for an L2 row)."""
    _status, oside, oseq, removed, _lost, x1, prev1, new1, x2, prev2, new2 = applied
    count = st[S_REP_COUNT]
    st[S_HAP_DELIVERY] = NONE
    if kind == K_FILL:
        _on_trade_called(st, rep, lat, ord_i, ord_f, active, inst, i, -oside, x1, removed, True, oseq, t)
    elif st[S_QUEUE_MODEL] == Q_L3_FIFO and (kind in (K_CANCEL, K_MODIFY)) and removed > 0:
        _on_l3_removed(st, ord_i, ord_f, active, i, oside, x1, oseq, removed)
    if x1 != NONE:
        _on_depth_change_called(st, fp, rep, lat, ord_i, ord_f, active, inst, i, oside, x1, prev1, new1, t)
    if x2 != NONE:
        _on_depth_change_called(st, fp, rep, lat, ord_i, ord_f, active, inst, i, oside, x2, prev2, new2, t)
    return st[S_REP_COUNT] != count


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
    reason = RJ_NONE
    if side != 1 and side != -1:
        reason = RJ_INVALID_SIDE
    elif ord_i[s, O_LEAVES] <= 0:
        reason = RJ_INVALID_QTY
    elif typ < OT_LIMIT or typ > OT_POST_ONLY:
        reason = RJ_INVALID_ORDER_TYPE
    elif typ == OT_POST_ONLY and _crosses(bmeta, i, side, p):
        reason = RJ_POST_ONLY_WOULD_CROSS
    if reason != RJ_NONE:
        ord_i[s, O_STATE] = ST_DONE
        _simple_report(st, rep, lat, inst, ord_i, s, OS_REJECTED, reason, t, True)
        return
    if st[S_ACKS] != 0:
        _simple_report(st, rep, lat, inst, ord_i, s, OS_ACCEPTED, RJ_NONE, t, False)
    else:
        # Left out, but timed as if sent (the same latency draw, the same ordering floor for later responses), so
        # every other report is exactly as it would have been.
        ord_i[s, O_ACK_TS] = _delivery(st, inst, lat, i, t)
    if typ in (OT_LIMIT, OT_POST_ONLY):
        if typ == OT_LIMIT and _crosses(bmeta, i, side, p):
            _sweep(st, levels, bmeta, rep, lat, ord_i, inst, s, True, p, t)
        if ord_i[s, O_LEAVES] > 0:
            _rest(st, levels, bmeta, ord_i, ord_f, active, inst, s)
        return
    if typ == OT_FOK and _available(levels, bmeta, i, side, True, p, ord_i[s, O_LEAVES]) < ord_i[s, O_LEAVES]:
        ord_i[s, O_STATE] = ST_DONE
        _simple_report(st, rep, lat, inst, ord_i, s, OS_EXPIRED, RJ_FOK_UNFILLABLE, t, True)
        return
    _sweep(st, levels, bmeta, rep, lat, ord_i, inst, s, typ != OT_MARKET, p, t)
    if ord_i[s, O_LEAVES] > 0:
        ord_i[s, O_STATE] = ST_DONE
        _simple_report(st, rep, lat, inst, ord_i, s, OS_EXPIRED, RJ_IOC_REMAINDER, t, True)


@_helper
def _arrival(st, levels, bmeta, ord_i, ord_f, active, req, rep, lat, inst, t):  # type: ignore[no-untyped-def]
    k = st[S_REQ_HEAD]
    st[S_REQ_HEAD] = (k + 1) % req.shape[0]
    st[S_REQ_COUNT] -= 1
    kind = req[k, RQ_KIND]
    s = req[k, RQ_SLOT]
    oid = req[k, RQ_ID]
    if kind == REQ_SUBMIT:
        _new_order(st, levels, bmeta, ord_i, ord_f, active, rep, lat, inst, s, t)
        return
    live = s >= 0 and ord_i[s, O_ID] == oid and ord_i[s, O_STATE] == ST_RESTING
    if not live:
        i = req[k, RQ_INST]
        _report(st, rep, lat, inst, t, i, oid, OS_REJECTED, RJ_UNKNOWN_ORDER, 0, 0, 0, 0, 0, False, -1, False)
        return
    i = ord_i[s, O_INST]
    if kind == REQ_CANCEL:
        ord_i[s, O_STATE] = ST_DONE
        inst[i, I_RESTING] -= 1
        _remove_active(st, ord_i, active, inst, s)
        _simple_report(st, rep, lat, inst, ord_i, s, OS_CANCELLED, RJ_REQUESTED, t, True)
        return
    new_price = req[k, RQ_PRICE]
    new_qty = req[k, RQ_QTY]
    side = ord_i[s, O_SIDE]
    if new_qty <= 0:
        _report(
            st,
            rep,
            lat,
            inst,
            t,
            i,
            oid,
            OS_REJECTED,
            RJ_INVALID_QTY,
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
    if crosses and ord_i[s, O_TYPE] == OT_POST_ONLY:
        _report(
            st,
            rep,
            lat,
            inst,
            t,
            i,
            oid,
            OS_REJECTED,
            RJ_POST_ONLY_WOULD_CROSS,
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
    _simple_report(st, rep, lat, inst, ord_i, s, OS_MODIFIED, RJ_NONE, t, False)
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
    out_trd[n, TR_TS] = t
    out_trd[n, TR_INST] = i
    out_trd[n, TR_PRICE] = x
    out_trd[n, TR_QTY] = q
    out_trd[n, TR_SIDE] = side
    st[S_OUT_TRADES] = n + 1
    if st[S_STOP_AT] == NONE:
        st[S_STOP_AT] = t


@_inlined
def _local_event(buf, k, st, fp, levels, bmeta, out_trd, inst, hkeys, hvals, l3, l3_free, t):  # type: ignore[no-untyped-def]
    kind = np.int64(buf[k]["kind"])
    i = np.int64(buf[k]["instrument"])
    side = np.int64(buf[k]["side"])
    x = buf[k]["price"]
    q = buf[k]["qty"]
    traded = False
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
        traded = True
        if inst[i, I_WATCH_TRADES] != 0:
            _public_trade(st, out_trd, t, i, x, q, side)
    elif kind == K_CLEAR:
        _clear(levels, bmeta, LOCAL_BOOK, i, side)
    elif kind >= K_ADD and kind <= K_FILL:
        r = _l3_apply(st, levels, bmeta, hkeys, hvals, l3, l3_free, LOCAL_BOOK, kind, i, side, x, q, buf[k]["order_id"])
        if r[0] != DONE:
            st[S_BAD_ROW] = k
            return r[0]
        if kind == K_FILL:
            traded = True
            x = r[5]
            if inst[i, I_WATCH_TRADES] != 0:
                _public_trade(st, out_trd, t, i, x, r[3], -r[1])
    if inst[i, I_TRIG] != 0:
        _trigger_row(st, fp, levels, bmeta, inst, i, traded, x, t)
    return DONE


@_helper
def _any_watched_change(st, levels, bmeta, inst):  # type: ignore[no-untyped-def]
    for i in range(st[S_N_INST]):  # noqa: SIM110 - numba compiles no generator expressions
        if inst[i, I_WATCH_BOOK] != 0 and _top_differs(levels, bmeta, inst, i):
            return True
    return False


@_helper
def _deliver(st, rep, out_rep, ord_i):  # type: ignore[no-untyped-def]
    """Move the oldest report in flight to the output (which has room); the last report of an order frees its slot,
    at the end of the free list's order of use (last freed, first taken)."""
    head = st[S_REP_HEAD]
    row = st[S_OUT_REPORTS]
    for field in range(REPORT_ROW_SIZE):
        out_rep[row, field] = rep[head, field]
    st[S_OUT_REPORTS] = row + 1
    st[S_REP_HEAD] = (head + 1) % rep.shape[0]
    st[S_REP_COUNT] -= 1
    slot = rep[head, PQ_SLOT]
    if rep[head, PQ_TERMINAL] != 0 and slot >= 0:
        ord_i[slot, O_STATE] = ST_FREE
        ord_i[slot, O_NEXT_FREE] = st[S_FREE_SLOT]
        st[S_FREE_SLOT] = slot


@_helper
def _deliver_due(st, rep, out_rep, ord_i, now):  # type: ignore[no-untyped-def]
    """Move the reports due by ``now`` to the output, oldest first; False when the output filled up first."""
    while st[S_REP_COUNT] > 0:
        if rep[st[S_REP_HEAD], P_TS] > now:
            break
        if st[S_OUT_REPORTS] >= out_rep.shape[0]:
            return False
        _deliver(st, rep, out_rep, ord_i)
    return True


@_helper
def _finish_call(st, fp, levels, bmeta, inst, now):  # type: ignore[no-untyped-def]
    st[S_NOW] = now
    for i in range(st[S_N_INST]):
        if inst[i, I_FIRED] != 0:  # the strategy wakes to the book as it stands now: the references move here
            _trigger_rearm(fp, levels, bmeta, inst, i, FP_TRIGGERS + i * TF_SIZE)
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
        if kind != K_CLEAR and (chunk[r]["price"] <= 0 or chunk[r]["price"] >= INF or chunk[r]["qty"] >= INF):
            return r
        if chunk[r]["qty"] == 0 and kind in (K_TRADE, K_ADD, K_MODIFY, K_FILL):
            return r
    return -1


# =============================================================================================================
# Runs of market rows: the hot path
# =============================================================================================================
@_helper
def _uncross(levels, bmeta, b, i, side, idx, base, cap):  # type: ignore[no-untyped-def]
    """A new level at ``base + idx`` on ``side`` crossed the opposite best: clear the crossed opposite levels (the
    count of that side is not kept here: unknown)."""
    if side > 0:
        bmeta[b, i, M_LEVELS_ASK] = LEVELS_UNKNOWN
        aoff = bmeta[b, i, M_OFF_ASK]
        for k in range(bmeta[b, i, M_BEST_ASK] - base, idx + 1):
            levels[aoff + k] = 0
        bmeta[b, i, M_BEST_ASK] = _scan_up(levels, aoff, idx + 1, cap, base)
    else:
        bmeta[b, i, M_LEVELS_BID] = LEVELS_UNKNOWN
        boff = bmeta[b, i, M_OFF_BID]
        for k in range(idx, bmeta[b, i, M_BEST_BID] - base + 1):
            levels[boff + k] = 0
        bmeta[b, i, M_BEST_BID] = _scan_down(levels, boff, idx - 1, base)


@_inlined
def _far(bb, ba, x, half_span):  # type: ignore[no-untyped-def]
    """`_placement`'s test: a level at ``x`` lies further than ``half_span`` from the centre of the book."""
    if bb != NO_BID:
        centre = (bb + ba) >> 1 if ba != NO_ASK else bb
    elif ba != NO_ASK:
        centre = ba
    else:
        centre = x
    return abs(x - centre) > half_span


@_inlined
def _fast_level(st, levels, bmeta, b, i, side, x, q, half_span):  # type: ignore[no-untyped-def]
    """A DEPTH/SNAPSHOT row on book ``b``: `_placement` then `_store`, with the bid/ask choices made by selects
    rather than branches (the side is a coin flip; see `_pass_one` on crossing). Returns the level's previous size,
    or LEVEL_IGNORED, or LEVEL_GROW (nothing changed: the book must grow first)."""
    base = bmeta[b, i, M_BASE]
    cap = bmeta[b, i, M_CAP]
    bb = bmeta[b, i, M_BEST_BID]
    ba = bmeta[b, i, M_BEST_ASK]
    idx = x - base
    if q > 0:
        if _far(bb, ba, x, half_span):
            st[S_IGNORED] += 1
            return LEVEL_IGNORED
        if idx < 0 or idx >= cap:
            return LEVEL_GROW
    elif idx < 0 or idx >= cap:
        return 0
    bid = side > 0
    at = bmeta[b, i, M_OFF_ASK - np.int64(bid)] + idx
    bmeta[b, i, M_LEVELS_ASK - np.int64(bid)] = LEVELS_UNKNOWN  # (not counted here)
    prev = levels[at]
    levels[at] = q
    if q > 0:
        ask = not bid
        bb = x if bid & ((x > bb) | (bb == NO_BID)) else bb
        ba = x if ask & ((x < ba) | (ba == NO_ASK)) else ba
        bmeta[b, i, M_BEST_BID] = bb
        bmeta[b, i, M_BEST_ASK] = ba
        if (bb != NO_BID) & (ba != NO_ASK) & (bb >= ba):
            _uncross(levels, bmeta, b, i, side, idx, base, cap)
    elif x == (bb if bid else ba):
        if bid:
            bmeta[b, i, M_BEST_BID] = _scan_down(levels, bmeta[b, i, M_OFF_BID], idx - 1, base)
        else:
            bmeta[b, i, M_BEST_ASK] = _scan_up(levels, bmeta[b, i, M_OFF_ASK], idx + 1, cap, base)
    return prev


@_inlined
def _touches(inst, i, side, x, q):  # type: ignore[no-untyped-def]
    """Whether a level change at ``x`` concerns our resting orders (their level, or across one): `_exchange_event`."""
    if side > 0:
        return (inst[i, I_BUY_LOW] <= x) & (x <= inst[i, I_BUY_HIGH]) | (q > 0) & (x >= inst[i, I_SELL_LOW])
    return (inst[i, I_SELL_LOW] <= x) & (x <= inst[i, I_SELL_HIGH]) | (q > 0) & (x <= inst[i, I_BUY_HIGH])


@_inlined
def _trade_touches(inst, i, side, x):  # type: ignore[no-untyped-def]
    """Whether a trade at ``x`` with aggressor ``side`` can reach our resting orders: `_exchange_event`."""
    return ((side <= 0) & (x <= inst[i, I_BUY_HIGH])) | ((side >= 0) & (x >= inst[i, I_SELL_LOW]))


@_helper
def _orders_see(st, fp, rep, lat, ord_i, ord_f, active, inst, kind, i, side, x, prev, q, t):  # type: ignore[no-untyped-def]
    """Our resting orders against an exchange-side L2 row already applied to the book (a trade, or a level from
    ``prev`` to ``q`` lots), as in `_exchange_event`. Returns whether that queued reports. The runs of rows call
    it; `_on_trade` and `_on_depth_change` are inlined here, where a touched order is checked at market speed."""
    count = st[S_REP_COUNT]
    st[S_HAP_DELIVERY] = NONE
    if kind == K_TRADE:
        _on_trade(st, rep, lat, ord_i, ord_f, active, inst, i, side, x, q, False, 0, t)
    else:
        _on_depth_change(st, fp, rep, lat, ord_i, ord_f, active, inst, i, side, x, prev, q, t)
    return st[S_REP_COUNT] != count


@_jit(_nrt=False)  # compiled for each book on purpose: the book's index is a constant in the per-row loop
def _pass_one(  # type: ignore[no-untyped-def]
    buf, st, fp, levels, bmeta, ord_i, ord_f, active, rep, lat, inst, b, k, clock, end, bound, half_span, trig
):
    """`_pass_many` for the only instrument, with its book in registers.

    A book's best prices lie in its segment, so unless the segment is wider than ``half_span`` a level inside it is
    always close enough to the centre to keep: only rows outside it need `_placement`'s test. With the segment
    between the sentinels, NO_BID and NO_ASK compare like any price outside it; and a book is never crossed before
    a new level, so it is crossed after it exactly when best bid >= best ask. The bid/ask choices are selects, not
    branches (the side is a coin flip). Called with the book as a constant: one compiled copy per book.

    ``trig`` (a constant too) for the copies `_trigger_passes` calls: on the local side the instrument's trigger is
    evaluated after each row that can have moved the top, as `_merged_rows` does, and the run stops right after a
    row where it fires (PASS_FIRED); the exchange side's is the plain loop compiled once more. So the plain copies
    carry no test of it and keep `run` as their only caller (shared with `_trigger_passes`, the exchange side's copy
    cost a quoting hook deciding every 20 events about 5%).
    """
    trig = trig and b == LOCAL_BOOK  # (the exchange side has no trigger)
    base = bmeta[b, 0, M_BASE]
    cap = bmeta[b, 0, M_CAP]
    if base <= NO_BID or base + cap >= NO_ASK:
        if trig:  # (`_pass_many` evaluates no trigger: the general step takes the row)
            return k, clock, PASS_SPECIAL
        book = np.int64(b)  # (a variable: `_pass_many` compiles once for both books)
        return _pass_many(
            buf, st, fp, levels, bmeta, ord_i, ord_f, active, rep, lat, inst, book, k, clock, end, bound, half_span
        )
    wide = cap > half_span
    ucap = np.uint64(cap)
    at_bid = bmeta[b, 0, M_OFF_BID] - base  # levels index of price x: at_bid + x
    at_ask = bmeta[b, 0, M_OFF_ASK] - base
    bb = bmeta[b, 0, M_BEST_BID]
    ba = bmeta[b, 0, M_BEST_ASK]
    orders = b == EXCH_BOOK and inst[0, I_RESTING] > 0
    watch_trades = b == LOCAL_BOOK and inst[0, I_WATCH_TRADES] != 0
    trade_trig = trig and (inst[0, I_TRIG] & (TG_TRADE_ABOVE | TG_TRADE_BELOW)) != 0
    stop = PASS_END
    first = k
    while k < end:
        row = np.uint64(k)
        t = buf[row]["exch_ts"] if b == EXCH_BOOK else buf[row]["local_ts"]
        if t < clock:
            t = clock
        if t > bound:
            break
        kind = buf[row]["kind"]
        x = buf[row]["price"]
        q = buf[row]["qty"]
        bid = buf[row]["side"] > 0
        if kind in (K_DEPTH, K_SNAPSHOT):
            prev = 0
            bb0 = bb
            ba0 = ba
            if np.uint64(x - base) < ucap:
                if wide and q > 0 and _far(bb, ba, x, half_span):
                    st[S_IGNORED] += 1
                    clock = t
                    k += 1
                    continue
                at = (at_bid if bid else at_ask) + x
                prev = levels[at]
                levels[at] = q
                if q > 0:
                    ask = not bid
                    bb = x if bid & (x > bb) else bb
                    ba = x if ask & (x < ba) else ba
                    if bb >= ba:
                        bmeta[b, 0, M_BEST_BID] = bb
                        bmeta[b, 0, M_BEST_ASK] = ba
                        _uncross(levels, bmeta, b, 0, 1 if bid else -1, x - base, base, cap)
                        bb = bmeta[b, 0, M_BEST_BID]
                        ba = bmeta[b, 0, M_BEST_ASK]
                elif x == (bb if bid else ba):
                    if bid:
                        bb = _scan_down(levels, at_bid + base, x - base - 1, base)
                    else:
                        ba = _scan_up(levels, at_ask + base, x - base + 1, cap, base)
            elif q > 0:
                if not _far(bb, ba, x, half_span):
                    stop = PASS_SPECIAL  # the book must grow
                    break
                st[S_IGNORED] += 1
                clock = t
                k += 1
                continue
            if orders and _touches(inst, 0, 1 if bid else -1, x, q):
                i = np.int64(buf[row]["instrument"])  # (0, but not a constant: see `_orders_see`)
                if _orders_see(st, fp, rep, lat, ord_i, ord_f, active, inst, kind, i, 1 if bid else -1, x, prev, q, t):
                    stop = PASS_REPORTS
                    clock = t
                    k += 1
                    break
            if trig and (bb != bb0 or ba != ba0 or x in (bb, ba)):
                bmeta[b, 0, M_BEST_BID] = bb
                bmeta[b, 0, M_BEST_ASK] = ba
                if _trigger_row(st, fp, levels, bmeta, inst, 0, False, x, t) != 0:
                    stop = PASS_FIRED
                    clock = t
                    k += 1
                    break
        elif kind == K_TRADE:
            if orders:
                side = np.int64(buf[row]["side"])
                i = np.int64(buf[row]["instrument"])
                if _trade_touches(inst, i, side, x) and _orders_see(
                    st, fp, rep, lat, ord_i, ord_f, active, inst, kind, i, side, x, q, q, t
                ):
                    stop = PASS_REPORTS
                    clock = t
                    k += 1
                    break
            elif watch_trades:
                stop = PASS_SPECIAL
                break
            elif trade_trig:
                bmeta[b, 0, M_BEST_BID] = bb
                bmeta[b, 0, M_BEST_ASK] = ba
                if _trigger_row(st, fp, levels, bmeta, inst, 0, True, x, t) != 0:
                    stop = PASS_FIRED
                    clock = t
                    k += 1
                    break
        else:
            stop = PASS_SPECIAL
            break
        clock = t
        k += 1
    bmeta[b, 0, M_BEST_BID] = bb
    bmeta[b, 0, M_BEST_ASK] = ba
    if k != first:  # (the levels' counts are not kept here: `M_LEVELS_BID`)
        bmeta[b, 0, M_LEVELS_BID] = LEVELS_UNKNOWN
        bmeta[b, 0, M_LEVELS_ASK] = LEVELS_UNKNOWN
    return k, clock, stop


@_helper
def _pass_many(buf, st, fp, levels, bmeta, ord_i, ord_f, active, rep, lat, inst, b, k, clock, end, bound, half_span):  # type: ignore[no-untyped-def]
    """Apply rows ``k``.. (below ``end``, up to time ``bound``) to book ``b``, with our orders on the exchange side,
    while they need no service and tell the strategy nothing (the caller knows that no local row can stop the run;
    a watched trade is left to the general step). Returns the next row, the side's clock and why it stopped:
    PASS_END (bound or end), PASS_SPECIAL (that row is left for the general step) or PASS_REPORTS (the last row
    applied queued reports)."""
    while k < end:
        t = buf[k]["exch_ts"] if b == EXCH_BOOK else buf[k]["local_ts"]
        if t < clock:
            t = clock
        if t > bound:
            return k, clock, PASS_END
        kind = buf[k]["kind"]
        i = np.int64(buf[k]["instrument"])
        x = buf[k]["price"]
        q = buf[k]["qty"]
        side = np.int64(buf[k]["side"])
        if kind in (K_DEPTH, K_SNAPSHOT):
            prev = _fast_level(st, levels, bmeta, b, i, side, x, q, half_span)
            if prev == LEVEL_GROW:
                return k, clock, PASS_SPECIAL
            if (
                b == EXCH_BOOK
                and prev != LEVEL_IGNORED
                and inst[i, I_RESTING] > 0
                and _touches(inst, i, side, x, q)
                and _orders_see(st, fp, rep, lat, ord_i, ord_f, active, inst, kind, i, side, x, prev, q, t)
            ):
                return k + 1, t, PASS_REPORTS
        elif kind == K_TRADE:
            if b == EXCH_BOOK:
                if (
                    inst[i, I_RESTING] > 0
                    and _trade_touches(inst, i, side, x)
                    and _orders_see(st, fp, rep, lat, ord_i, ord_f, active, inst, kind, i, side, x, q, q, t)
                ):
                    return k + 1, t, PASS_REPORTS
            elif inst[i, I_WATCH_TRADES] != 0:
                return k, clock, PASS_SPECIAL
        else:
            return k, clock, PASS_SPECIAL
        clock = t
        k += 1
    return k, clock, PASS_END


@_helper
def _pass_l3(  # type: ignore[no-untyped-def]
    buf, st, fp, levels, bmeta, ord_i, ord_f, active, rep, lat, inst, hkeys, hvals, l3, l3_free, b, k, clock, end, bound
):
    """`_pass_one`'s companion for order-by-order data: from row ``k`` (below ``end``, up to time ``bound``), apply
    the L3 messages of book ``b``, its reveals (CLEAR, SNAPSHOT) and trades as the general step does
    (`_exchange_event`, `_local_event`: `_passes` runs with nothing watched and no trigger, so a local row tells
    nobody anything), our resting orders seeing the exchange side's, and the levels' counts kept (`M_LEVELS_BID`).
    Stops at PASS_END (bound or end), PASS_ROWS (a DEPTH row: the L2 passes take those), PASS_REPORTS (the last row
    applied queued reports) or PASS_SPECIAL (a row left to the general step: one that needs room or growth, or is
    bad data, which `_l3_apply` and `_placement` say before changing anything)."""
    while k < end:
        t = buf[k]["exch_ts"] if b == EXCH_BOOK else buf[k]["local_ts"]
        if t < clock:
            t = clock
        if t > bound:
            return k, clock, PASS_END
        kind = np.int64(buf[k]["kind"])
        i = np.int64(buf[k]["instrument"])
        if kind == K_CLEAR:
            _clear(levels, bmeta, b, i, np.int64(buf[k]["side"]))
        elif kind in (K_SNAPSHOT, K_TRADE):
            side = np.int64(buf[k]["side"])
            x = buf[k]["price"]
            q = buf[k]["qty"]
            orders = b == EXCH_BOOK and inst[i, I_RESTING] > 0
            if kind == K_TRADE:
                if (
                    orders
                    and _trade_touches(inst, i, side, x)
                    and _orders_see(st, fp, rep, lat, ord_i, ord_f, active, inst, kind, i, side, x, q, q, t)
                ):
                    return k + 1, t, PASS_REPORTS
            else:
                place = _placement(st, bmeta, b, i, x, q)
                if place == PLACE_GROW:
                    return k, clock, PASS_SPECIAL
                if place == PLACE_IGNORE:
                    st[S_IGNORED] += 1
                else:
                    prev = _level(levels, bmeta, b, i, side, x)
                    _store(levels, bmeta, b, i, side, x, q)
                    if (
                        orders
                        and _touches(inst, i, side, x, q)
                        and _orders_see(st, fp, rep, lat, ord_i, ord_f, active, inst, kind, i, side, x, prev, q, t)
                    ):
                        return k + 1, t, PASS_REPORTS
        elif kind >= K_ADD and kind <= K_FILL:
            r = _l3_apply(
                st, levels, bmeta, hkeys, hvals, l3, l3_free, b, kind, i,
                np.int64(buf[k]["side"]), buf[k]["price"], buf[k]["qty"], buf[k]["order_id"],
            )  # fmt: skip
            if r[0] != DONE:
                return k, clock, PASS_SPECIAL
            if (
                b == EXCH_BOOK
                and inst[i, I_RESTING] > 0
                and _l3_orders_see(st, fp, rep, lat, ord_i, ord_f, active, inst, i, kind, r, t)
            ):
                return k + 1, t, PASS_REPORTS
        else:
            return k, clock, PASS_ROWS
        clock = t
        k += 1
    return k, clock, PASS_END


@_inlined
def _side_passes(  # type: ignore[no-untyped-def]
    buf, st, fp, levels, bmeta, ord_i, ord_f, active, rep, lat, inst, hkeys, hvals, l3, l3_free,
    one, b, k, clock, end, bound, half_span,
):  # fmt: skip
    """One book's rows for `_passes`: L2 rows in `_pass_one` (the only instrument; inlined with ``b`` a constant, so
    each book keeps its own compiled copy) or `_pass_many`, L3 rows in `_pass_l3`, until neither takes the next.
    Returns the next row, the side's clock and why it stopped (as `_pass_many`)."""
    while True:
        if one:
            k, clock, stop = _pass_one(
                buf, st, fp, levels, bmeta, ord_i, ord_f, active, rep, lat, inst, b, k, clock, end, bound, half_span,
                False,
            )  # fmt: skip
        else:
            k, clock, stop = _pass_many(
                buf, st, fp, levels, bmeta, ord_i, ord_f, active, rep, lat, inst,
                np.int64(b), k, clock, end, bound, half_span,
            )  # fmt: skip
        if stop != PASS_SPECIAL:
            return k, clock, stop
        at = k
        k, clock, stop = _pass_l3(
            buf, st, fp, levels, bmeta, ord_i, ord_f, active, rep, lat, inst, hkeys, hvals, l3, l3_free,
            b, k, clock, end, bound,
        )  # fmt: skip
        if stop != PASS_ROWS:
            return k, clock, stop
        if k == at:  # (an L2 row the L2 pass left for the general step)
            return k, clock, PASS_SPECIAL


@_inlined
def _passes(  # type: ignore[no-untyped-def]
    buf,
    st,
    fp,
    levels,
    bmeta,
    ord_i,
    ord_f,
    active,
    rep,
    lat,
    inst,
    hkeys,
    hvals,
    l3,
    l3_free,
    n,
    eof,
    half_span,
    ex,
    lo,
    ex_time,
    lo_time,
    ex_bound,
    lo_bound,
):
    """Market rows while nothing on the local side can stop the run (`run` knows). The two books are independent,
    so the merge by time comes down to: the exchange side's rows, then the local side's rows before the next
    exchange row (ties go to the exchange), in blocks of PASS_BLOCK rows. Returns both sides' positions
    and clocks, and whether the next happening is a row left for the general step. The exchange side may stop
    ahead of the local side, at a row that queued reports or when the local side stops at a row left to the
    general step: what comes next in time is then still a local row, and `run` takes it first."""
    one = st[S_N_INST] == 1
    ex_stop = PASS_END
    lo_stop = PASS_END
    while True:
        block_end = min(n, ex + PASS_BLOCK)
        ex, ex_time, ex_stop = _side_passes(
            buf, st, fp, levels, bmeta, ord_i, ord_f, active, rep, lat, inst, hkeys, hvals, l3, l3_free,
            one, EXCH_BOOK, ex, ex_time, block_end, ex_bound, half_span,
        )  # fmt: skip
        if ex_stop == PASS_REPORTS:
            break
        before = max(buf[ex]["exch_ts"], ex_time) if ex < n else INF if eof else ex_time
        lo_end = min(lo_bound, before - 1)
        lo, lo_time, lo_stop = _side_passes(
            buf, st, fp, levels, bmeta, ord_i, ord_f, active, rep, lat, inst, hkeys, hvals, l3, l3_free,
            one, LOCAL_BOOK, lo, lo_time, ex, lo_end, half_span,
        )  # fmt: skip
        if ex != block_end or ex >= n or lo_stop != PASS_END:
            break
    return ex, lo, ex_time, lo_time, ex_stop == PASS_SPECIAL or lo_stop == PASS_SPECIAL


@_helper
def _trigger_passes(  # type: ignore[no-untyped-def]
    buf,
    st,
    fp,
    levels,
    bmeta,
    ord_i,
    ord_f,
    active,
    rep,
    lat,
    inst,
    n,
    eof,
    half_span,
    ex,
    lo,
    ex_time,
    lo_time,
    ex_bound,
    lo_bound,
):
    """Market rows of the only instrument while its trigger is set and nothing is watched (`run` knows): runs of
    rows as in `_passes`, the local side first. A firing stops the call at its row's time, after every happening up
    to that time and none after, so the exchange side must not pass a local row that may fire; the local side needs
    nothing from the exchange side but the reports its rows queue, which reach the strategy ``lead`` ns or more
    after the row (the least response latency; INF when reports are handed over as the call ends,
    `S_STOP_ON_REPORTS` 0). So, in rounds: the local side's rows (PASS_BLOCK at most) up to ``lead`` - 1 ns after
    the exchange side's next row, stopping right after a row where the trigger fires; then the exchange side's rows
    up to the local side's next row (ties go to the exchange) or up to the firing. Returns as `_passes`; the local
    side may stop ahead of the exchange side, which `run` takes first."""
    lead = INF
    if st[S_STOP_ON_REPORTS] != 0:
        link = inst[0, I_LINK]
        lead = inst[link, I_LAT_RESPONSE] if inst[link, I_LAT_MODE] == LAT_CONSTANT else 0
    ex_stop = PASS_END
    lo_stop = PASS_END
    while True:
        ex0 = ex
        lo0 = lo
        lo_end = lo_bound
        if lead < INF:
            next_ex = max(buf[ex]["exch_ts"], ex_time) if ex < n else INF if eof else ex_time
            lo_end = min(lo_end, next_ex + lead - 1)
        lo, lo_time, lo_stop = _pass_one(
            buf, st, fp, levels, bmeta, ord_i, ord_f, active, rep, lat, inst,
            LOCAL_BOOK, lo, lo_time, min(n, lo + PASS_BLOCK), lo_end, half_span, True,
        )  # fmt: skip
        if lo_stop == PASS_FIRED or (lo >= n and not eof):
            ex_end = lo_time  # (the rows of the next chunk come no earlier)
        elif lo < n:
            ex_end = max(buf[lo]["local_ts"], lo_time)
        else:
            ex_end = INF
        ex, ex_time, ex_stop = _pass_one(
            buf, st, fp, levels, bmeta, ord_i, ord_f, active, rep, lat, inst,
            EXCH_BOOK, ex, ex_time, n, min(ex_bound, ex_end), half_span, True,
        )  # fmt: skip
        if lo_stop != PASS_END or ex_stop != PASS_END or lo >= n or (lo == lo0 and ex == ex0):
            break
    return ex, lo, ex_time, lo_time, ex_stop == PASS_SPECIAL or lo_stop == PASS_SPECIAL


@_inlined
def _merged_rows(  # type: ignore[no-untyped-def]
    buf,
    st,
    fp,
    levels,
    bmeta,
    ord_i,
    ord_f,
    active,
    rep,
    lat,
    inst,
    n,
    eof,
    half_span,
    book_from,
    ex,
    lo,
    ex_time,
    lo_time,
    t_ex,
    t_lo,
    now,
    events_done,
    ex_bound,
    lo_bound,
):
    """Market rows while a local row may stop the run: both sides merged by time, a row at a time, up to a change of the
    stop or of the throttle wake, or a row that queued reports. Returns the positions, clocks, `now`, the local
    rows done (`S_EVENTS_DONE`) and whether the next happening is a row left for the general step."""
    special = False
    while True:
        u = 1 if t_lo < t_ex else 0  # 0: the exchange side's row, 1: the local side's (ties go to the exchange)
        t = t_lo if u else t_ex
        if t > (lo_bound if u else ex_bound) or (u == 0 and ex >= n):
            break
        k = lo if u else ex
        kind = buf[k]["kind"]
        i = np.int64(buf[k]["instrument"])
        side = np.int64(buf[k]["side"])
        x = buf[k]["price"]
        q = buf[k]["qty"]
        reported = False
        top_may_move = False  # (for a trigger: whether this local row can have changed the top, prices or sizes)
        triggered = u and inst[i, I_TRIG] != 0
        bb = ba = 0
        if kind in (K_DEPTH, K_SNAPSHOT):
            if triggered:
                bb = bmeta[LOCAL_BOOK, i, M_BEST_BID]
                ba = bmeta[LOCAL_BOOK, i, M_BEST_ASK]
            prev = _fast_level(st, levels, bmeta, u, i, side, x, q, half_span)
            if prev == LEVEL_GROW:
                special = True
                break
            if u == 0 and prev != LEVEL_IGNORED and inst[i, I_RESTING] > 0 and _touches(inst, i, side, x, q):
                reported = _orders_see(st, fp, rep, lat, ord_i, ord_f, active, inst, kind, i, side, x, prev, q, t)
            if triggered:
                nb = bmeta[LOCAL_BOOK, i, M_BEST_BID]
                na = bmeta[LOCAL_BOOK, i, M_BEST_ASK]
                top_may_move = nb != bb or na != ba or x in (nb, na)
        elif kind == K_TRADE:
            top_may_move = (inst[i, I_TRIG] & (TG_TRADE_ABOVE | TG_TRADE_BELOW)) != 0
            if u:
                if inst[i, I_WATCH_TRADES] != 0:
                    special = True
                    break
            elif inst[i, I_RESTING] > 0 and _trade_touches(inst, i, side, x):
                reported = _orders_see(st, fp, rep, lat, ord_i, ord_f, active, inst, kind, i, side, x, q, q, t)
        else:
            special = True
            break
        now = t
        ex += 1 - u
        lo += u
        events_done += u
        ex_time = ex_time if u else t
        lo_time = t if u else lo_time
        if reported:
            break
        # A row that left the top as it was cannot fire a trigger, nor change what its edges hold (every row that moves
        # the top is evaluated): only the others are (trades only for the trade conditions).
        if triggered and top_may_move and _trigger_row(st, fp, levels, bmeta, inst, i, kind == K_TRADE, x, t) != 0:
            break
        if u and inst[i, I_WATCH_BOOK] != 0 and _top_differs(levels, bmeta, inst, i):
            if t >= book_from:
                if st[S_STOP_AT] == NONE:
                    st[S_STOP_AT] = t
                    break
            elif st[S_PENDING_BOOK] == 0:
                st[S_PENDING_BOOK] = 1
                break
        if ex < n:
            t_ex = max(buf[ex]["exch_ts"], ex_time)
        elif not eof:
            break
        if lo >= n:
            break
        t_lo = max(buf[lo]["local_ts"], lo_time)
    return ex, lo, ex_time, lo_time, now, events_done, special


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
):
    """Advance the replay to local time ``st[S_UNTIL]`` (see the module doc and ``S_FRESH``); returns DONE or the
    service the Python side must perform before calling again. (The arguments are arrays only, so the venue passes
    the same ones call after call.)"""
    until = st[S_UNTIL]
    book_from = st[S_BOOK_FROM]
    if st[S_FRESH] != 0:
        st[S_FRESH] = 0
        st[S_STOP_AT] = NONE
        st[S_PENDING_BOOK] = 1 if _any_watched_change(st, levels, bmeta, inst) else 0
    n = st[S_BUF_LEN]
    eof = st[S_EOF] != 0
    half_span = st[S_HALF_SPAN]
    out_rep_cap = out_rep.shape[0]
    out_trd_cap = out_trd.shape[0]
    # the hottest scalar state lives in locals (the arrays may alias as far as the compiler knows)
    ex = st[S_EX_POS]
    lo = st[S_LO_POS]
    ex_time = st[S_EX_TIME]
    lo_time = st[S_LO_TIME]
    now = st[S_NOW]
    events_done = st[S_EVENTS_DONE]
    watching_books = False
    watching_trades = False
    triggers = False
    for j in range(st[S_N_INST]):
        watching_books |= inst[j, I_WATCH_BOOK] != 0
        watching_trades |= inst[j, I_WATCH_TRADES] != 0
        triggers |= inst[j, I_TRIG] != 0
    # Reports nobody stops for are handed over in one go when the call ends (`_deliver_due`), not as happenings of
    # their own: the same rows in the same order, without splitting the runs of market rows at each one.
    eager_reports = st[S_STOP_ON_REPORTS] != 0
    # A trigger on the only instrument, nothing watched: runs of rows, the local side first (`_trigger_passes`).
    trigger_blocks = triggers and not watching_books and not watching_trades and st[S_N_INST] == 1
    finish = False
    status = DONE
    skip_fast = False
    t_arr = 0
    t_del = 0
    t_lo = 0
    t_wake = 0
    while True:
        limit = until
        stop_at = st[S_STOP_AT]
        if stop_at != NONE and stop_at < limit:
            limit = stop_at
        # the earliest happening; ties keep the priority order of the module doc
        if ex < n:
            t_ex = buf[ex]["exch_ts"]
            if t_ex < ex_time:
                t_ex = ex_time
        elif eof or (lo < n and max(buf[lo]["local_ts"], lo_time) < ex_time):
            # (the exchange side may have run ahead of a local row left for this step: that row comes first)
            t_ex = INF
        else:
            status = NEED_DATA
            break
        t = t_ex
        what = 2
        has_req = st[S_REQ_COUNT] > 0
        if has_req:
            t_arr = req[st[S_REQ_HEAD], RQ_ARRIVAL]
            if t_arr <= t:
                t = t_arr
                what = 1
        has_rep = eager_reports and st[S_REP_COUNT] > 0
        if has_rep:
            t_del = rep[st[S_REP_HEAD], P_TS]
            if t_del < t:
                t = t_del
                what = 3
        data_done = lo >= n
        if not data_done:
            t_lo = buf[lo]["local_ts"]
            if t_lo < lo_time:
                t_lo = lo_time
            if t_lo < t:
                t = t_lo
                what = 4
        pending = st[S_PENDING_BOOK] != 0
        if pending:
            t_wake = book_from
            if t_wake < now:
                t_wake = now
            if t_wake < t:
                t = t_wake
                what = 5
        if data_done and (t > lo_time or t >= INF):
            st[S_FINISHED] = 1
            now = max(lo_time if stop_at == NONE else stop_at, now)
            finish = True
            break
        if t > limit:
            now = limit
            finish = True
            break

        if (
            (what == 2 or what == 4)
            and not skip_fast
            and not data_done
            and st[S_OUT_TRADES] < out_trd_cap
            and st[S_LAT_EMPTY] == 0
            and rep.shape[0] - st[S_REP_COUNT] >= REPORT_HEADROOM + st[S_N_ACTIVE]
        ):
            # Only market rows are due: apply them in runs, up to the first other happening (a request arrives
            # first at equal times, a report before a local row) or the first row the general step must take.
            ex_bound = limit
            lo_bound = limit
            if has_req:
                ex_bound = min(ex_bound, t_arr - 1)
                lo_bound = min(lo_bound, t_arr - 1)
            if has_rep:
                ex_bound = min(ex_bound, t_del)
                lo_bound = min(lo_bound, t_del - 1)
            if pending:
                ex_bound = min(ex_bound, t_wake)
                lo_bound = min(lo_bound, t_wake)
            if (
                watching_trades
                or (triggers and not trigger_blocks)
                or (watching_books and not (pending and t < book_from))
            ):
                ex, lo, ex_time, lo_time, now, events_done, skip_fast = _merged_rows(
                    buf, st, fp, levels, bmeta, ord_i, ord_f, active, rep, lat, inst, n, eof, half_span, book_from,
                    ex, lo, ex_time, lo_time, t_ex, t_lo, now, events_done, ex_bound, lo_bound,
                )  # fmt: skip
            else:
                # (while the throttle's wake is pending, a top change before it changes nothing)
                if watching_books:
                    lo_bound = min(lo_bound, book_from - 1)
                ex0 = ex
                lo0 = lo
                if trigger_blocks:
                    ex, lo, ex_time, lo_time, skip_fast = _trigger_passes(
                        buf, st, fp, levels, bmeta, ord_i, ord_f, active, rep, lat, inst, n, eof, half_span,
                        ex, lo, ex_time, lo_time, ex_bound, lo_bound,
                    )  # fmt: skip
                else:
                    ex, lo, ex_time, lo_time, skip_fast = _passes(
                        buf, st, fp, levels, bmeta, ord_i, ord_f, active, rep, lat, inst, hkeys, hvals, l3, l3_free,
                        n, eof, half_span, ex, lo, ex_time, lo_time, ex_bound, lo_bound,
                    )  # fmt: skip
                events_done += lo - lo0
                if ex != ex0:
                    now = max(now, ex_time)
                if lo != lo0:
                    now = max(now, lo_time)
            continue

        skip_fast = False
        if what == 1 or what == 2:
            if st[S_LAT_EMPTY] != 0:
                status = NEED_SAMPLES
                break
            if rep.shape[0] - st[S_REP_COUNT] < REPORT_HEADROOM + st[S_N_ACTIVE]:
                status = NEED_REPORT_ROOM
                break
            st[S_HAP_DELIVERY] = NONE
            if what == 1:
                now = t
                _arrival(st, levels, bmeta, ord_i, ord_f, active, req, rep, lat, inst, t)
            else:
                status = _exchange_event(
                    buf, ex, st, fp, levels, bmeta, ord_i, ord_f, active, rep, lat, inst, hkeys, hvals, l3, l3_free, t
                )
                if status != DONE:
                    break
                now = t
                ex_time = t
                ex += 1
        elif what == 3:
            if st[S_OUT_REPORTS] >= out_rep_cap:
                status = OUTPUT_FULL
                break
            _deliver(st, rep, out_rep, ord_i)
            now = t
            if stop_at == NONE and st[S_STOP_ON_REPORTS] == 1:
                st[S_STOP_AT] = t
            row = st[S_OUT_REPORTS] - 1
            if inst[out_rep[row, P_INST], I_TRIG] & TG_REPORTS:
                _trigger_report(st, fp, levels, bmeta, inst, out_rep, row, t)
        elif what == 4:
            if st[S_OUT_TRADES] >= out_trd_cap:
                status = OUTPUT_FULL
                break
            status = _local_event(buf, lo, st, fp, levels, bmeta, out_trd, inst, hkeys, hvals, l3, l3_free, t)
            if status != DONE:
                break
            now = t
            lo_time = t
            i = buf[lo]["instrument"]
            lo += 1
            events_done += 1
            if inst[i, I_WATCH_BOOK] != 0 and _top_differs(levels, bmeta, inst, i):
                if t >= book_from:
                    if st[S_STOP_AT] == NONE:
                        st[S_STOP_AT] = t
                else:
                    st[S_PENDING_BOOK] = 1
        else:
            now = t
            st[S_PENDING_BOOK] = 0
            if _any_watched_change(st, levels, bmeta, inst) and st[S_STOP_AT] == NONE:
                st[S_STOP_AT] = t
    st[S_EX_POS] = ex
    st[S_LO_POS] = lo
    st[S_EX_TIME] = ex_time
    st[S_LO_TIME] = lo_time
    st[S_NOW] = now
    st[S_EVENTS_DONE] = events_done
    if finish:
        if not eager_reports and not _deliver_due(st, rep, out_rep, ord_i, now):
            return OUTPUT_FULL
        return _finish_call(st, fp, levels, bmeta, inst, now)
    return status
