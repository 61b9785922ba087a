"""The compiled simulated market: `SimulatedVenue`'s discrete-event simulation, run in numba, the same to the draw.

`hft_core.venues.simulated.venue.SimulatedVenue` is the plain-Python reference: per message it runs Python (a heap
of callbacks, `MatchingEngine`, participant objects), about 150k events a second once warm. This module runs the
same simulation inside one compiled loop: the event heap, the gateways and links, the participants
(`hft_core.venues.simulated.participants`, `.informed`, `.racers`), the exchange books
(`hft_core.venues.simulated._kmatch`, the compiled twin of `MatchingEngine`) and the strategy's view of each book,
with every random draw taken from the same Mersenne Twister streams in the same order
(`hft_core.venues.simulated._kdraws`). Python runs only where the strategy decides: `CompiledSimulatedVenue`
(`hft_core.venues.simulated.compiled`) calls `start` once and `run` once per `advance` here, and turns what they
leave in the output buffers into `Report` and `PublicTrade` records. The tests hold both venues to the same fills,
reports, feed and statistics.

Each handler below names the Python method it mirrors; the order of heap pushes (which decides ties) and of random
draws is the Python's, line for line. State: one `SimState` (a numba structref, so the kernel can grow its arrays
and the compiled code is cached) holding int64/float64 tables whose columns are the constants below. `start` and
`run` share one compiled entry (`_drive`): every entry compiles the whole handler graph.

numba freezes the module-level constants a kernel reads into its cached machine code. Constants of other modules
are restated here as literals (the tests hold them equal), and the cache's key covers the files whose code the
entries compile in (`_kcache.key_on_sources`, at the end of this file).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit, types
from numba.experimental import structref

from hft_core.venues.simulated import _kdraws as kd
from hft_core.venues.simulated import _kmatch as km
from hft_core.venues.simulated import latency as _latency
from hft_core.venues.simulated import participants as _participants
from hft_core.venues.simulated._kcache import key_on_sources

__all__ = [
    "SimState",
    "new_state",
    "outputs",
    "run",
    "set_fair",
    "start",
    "strategy_message",
    "tables",
    "view_depth",
    "view_top",
]

_jit: Any = njit
_helper = _jit
_entry = _jit(cache=True)

# -- restated constants (tests hold them equal to their sources) -------------------------------------------------
BUY = 1
SELL = -1
STRATEGY_OWNER = 1
OP_SUBMIT = 1
OP_CANCEL = 2
OP_MODIFY = 3
OP_STRATEGY_SUBMIT = 4
OP_STRATEGY_CANCEL = 5
OP_STRATEGY_MODIFY = 6
OT_LIMIT = 1
OT_MARKET = 2
OT_IOC = 3
OT_POST_ONLY = 5
OS_ACCEPTED = 1
OS_REJECTED = 2
OS_PARTIALLY_FILLED = 4
OS_FILLED = 5
OS_MODIFIED = 7
RJ_NONE = 0
RJ_UNKNOWN_ORDER = 5
KIND_DEPTH = 1
KIND_TRADE = 2
NO_BID = -(2**63)
NO_ASK = 2**63 - 1
ANY_OWNER = -(2**63)
KEEP = -(2**63)

# -- the event heap: heap[k, H_*] ----------------------------------------------------------------------------------
H_T = 0
H_SEQ = 1
H_KIND = 2
H_A = 3
H_B = 4
H_C = 5
H_SIZE = 6
E_ARRIVE = 1  # a message reaches its gateway (a = message slot)            _Market._arrive
E_EXECUTE = 2  # the engine processes a message (a = message slot)          _Market._execute
E_FEED = 3  # market data reaches the strategy (a = market, b = rows)       _Clock.deliver_feed
E_REPORTS = 4  # reports reach the strategy (a = gateway, b = reports)      _Clock.deliver_reports
E_AGENT = 5  # a participant's callback (a = agent, b = CB_* code, c = its argument)

# -- messages in flight: msg[slot, M_*] ----------------------------------------------------------------------------
M_OP = 0
M_OWNER = 1
M_SIDE = 2
M_TYPE = 3
M_PRICE = 4
M_QTY = 5
M_ORDER = 6
M_MARKET = 7
M_ENTERED = 8  # an EN_* code: who learns the engine id of a submit (0: nobody)
M_AGENT = 9
M_ARG = 10
M_NEXT = 11  # free-list link
M_SIZE = 12
EN_NONE = 0
EN_LP = 1
EN_IMBALANCE = 2
EN_QM_BID = 3
EN_QM_ASK = 4
EN_LAG_BID = 5
EN_LAG_ASK = 6

# -- markets: mk[m, MK_*] --------------------------------------------------------------------------------------------
MK_GATEWAY = 0
MK_FAIR_ORIGIN = 1
MK_FAIR_STEP = 2
MK_FAIR_LAST = 3  # the path's last point
MK_FAIR_FIRST = 4  # the window of fair ticks held: points [first, first + size) in fair[m]
MK_FAIR_SIZE = 5
MK_TOP_BID = 6  # the top last told to observers (valid while MK_OBSERVED)
MK_TOP_ASK = 7
MK_OBSERVED = 8
MK_FEED_HEAD = 9  # the ring of market-data rows on their way to the strategy: feedq[m]
MK_FEED_COUNT = 10
MK_DIRTY = 11
MK_WATCH_BOOK = 12
MK_WATCH_TRADES = 13
MK_VIEW_BIDS = 14  # levels in views[2m] (bids, best first) and views[2m + 1] (asks, best first)
MK_VIEW_ASKS = 15
# the strategy's trigger on the market (`TriggerState`; floats in tgf[m, TGF_*]): MK_TG_FLAGS 0 = none
MK_TG_FLAGS = 16
MK_TG_MID_TICKS = 17
MK_TG_MID_ABOVE = 18
MK_TG_MID_BELOW = 19
MK_TG_BEST_QTY = 20
MK_TG_TRADE_ABOVE = 21
MK_TG_TRADE_BELOW = 22
MK_TG_HELD = 23  # the edge conditions held at the last row
MK_TG_HAS_REF = 24  # whether the mid and microprice references are set
MK_TG_REF_MID2 = 25
MK_TG_FIRED = 26  # the bits fired since the last advance
MK_SIZE = 27
TGF_MICRO_TICKS = 0
TGF_IMBALANCE = 1
TGF_REF_MICRO = 2
TGF_SIZE = 3
# trigger bits (`hft_core.venues.base.T_*`)
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

# -- gateways: gw[g, G_*] (a venue's message queue and the strategy's three links to it) --------------------------
G_SERVICE = 0
G_BUSY_UNTIL = 1
G_MESSAGES = 2
G_DELAYED = 3
G_TOTAL_WAIT = 4
G_MAX_WAIT = 5
G_ENTRY = 6  # link rows
G_RESPONSE = 7
G_FEED = 8
G_REP_HEAD = 9  # the ring of reports on their way to the strategy: repq[g]
G_REP_COUNT = 10
G_SIZE = 11

# -- links: links[k, L_*] (`hft_core.venues.simulated.latency.Link`) -------------------------------------------------
L_BASE = 0
L_JITTER = 1
L_KIND = 2
L_LAST = 3
L_STREAM = 4  # the mt row it draws from
L_SIZE = 5

# -- participant statistics: stats[owner, S_*] (`ParticipantStats`) -------------------------------------------------
S_MESSAGES = 0
S_BOUGHT = 1
S_SOLD = 2
S_QUEUE_WAIT = 3
S_MAX_QUEUE_WAIT = 4
S_BOUGHT_VALUE = 5
S_SOLD_VALUE = 6
S_SIZE = 7

# -- reports: rows of `hft_core.venues.base` (P_TS .. P_MAKER) --------------------------------------------------------
R_TS = 0
R_INST = 1
R_ID = 2
R_STATUS = 3
R_REASON = 4
R_SIDE = 5
R_PRICE = 6
R_LEAVES = 7
R_FILL_QTY = 8
R_FILL_PRICE = 9
R_MAKER = 10
R_SIZE = 11

# -- public trades handed to the strategy: trd[k, T_*] -----------------------------------------------------------------
T_TS = 0
T_INST = 1
T_PRICE = 2
T_QTY = 3
T_SIDE = 4
T_SIZE = 5

# -- participants: ai[a, A_*] (ints), af[a, F_*] (floats), per kind below --------------------------------------------
A_KIND = 0
A_OWNER = 1
A_MARKET = 2
A_STREAM = 3  # its mt row
A_AUX = 4  # its first aux table (aux[ai[a, A_AUX]]), -1 none
A_I0 = 5  # kind-specific ints from here
A_SIZE = 20
F_SIZE = 8
K_LP = 1
K_NOISE = 2
K_IMBALANCE = 3
K_MOMENTUM = 4
K_VALUE = 5
K_QM = 6
K_INFORMED = 7
K_LAGGING = 8
K_SNIPER = 9

# liquidity provider: af = order_rate, distance_mean, half_spread, lifetime_mean, fair_weight, cancel_rate
LP_SIZE_MIN = A_I0
LP_SIZE_MAX = A_I0 + 1
LP_SEED_BOOK = A_I0 + 2
LP_CANCEL_STALE = A_I0 + 3
LP_N_BIDS = A_I0 + 4  # entries of its bid heap aux[A_AUX] and ask heap aux[A_AUX + 1]
LP_N_ASKS = A_I0 + 5
# noise taker: af = rate, buy_probability, size_median, size_log_sd
NT_SIZE_MIN = A_I0
NT_SIZE_MAX = A_I0 + 1
NT_HAWKES = A_I0 + 2  # 1: arrivals precomputed in aux[A_AUX] rows (offset ns, side)
NT_NEXT = A_I0 + 3  # the next arrival row
NT_T0 = A_I0 + 4
# imbalance follower: af = look_rate, threshold, take_probability
IF_LEVELS = A_I0
IF_SIZE_MIN = A_I0 + 1
IF_SIZE_MAX = A_I0 + 2
IF_LATENCY = A_I0 + 3
IF_COOLDOWN = A_I0 + 4
IF_LIFETIME = A_I0 + 5
IF_QUIET_UNTIL = A_I0 + 6
# momentum follower: af = look_rate, doubled threshold
MF_SIZE_MIN = A_I0
MF_SIZE_MAX = A_I0 + 1
MF_LATENCY = A_I0 + 2
MF_COOLDOWN = A_I0 + 3
MF_LOOKBACK = A_I0 + 4
MF_QUIET_UNTIL = A_I0 + 5
MF_HEAD = A_I0 + 6  # its history: a ring of (t, doubled mid) in aux[A_AUX]
MF_COUNT = A_I0 + 7
# value trader: af = look_rate, edge
VT_SIZE_MIN = A_I0
VT_SIZE_MAX = A_I0 + 1
VT_LATENCY = A_I0 + 2
# quoting maker: af = requote_rate, half_spread
QM_SIZE = A_I0
QM_LATENCY = A_I0 + 1
QM_BID = A_I0 + 2  # engine ids of its quotes: 0 none, -1 on its way
QM_ASK = A_I0 + 3
QM_NONE = 0
QM_PENDING = -1
# informed taker: af = rate, size_median, size_log_sd, react_probability
IT_SIZE_MIN = A_I0
IT_SIZE_MAX = A_I0 + 1
IT_LATENCY = A_I0 + 2
IT_HORIZON = A_I0 + 3
IT_REACT_LATENCY = A_I0 + 4
IT_REACT_JITTER = A_I0 + 5
# lagging maker: af = half_spread
LM_LEAD = A_I0
LM_SIZE = A_I0 + 1
LM_FEED_LINK = A_I0 + 2
LM_ORDER_LINK = A_I0 + 3
LM_BID = A_I0 + 4
LM_ASK = A_I0 + 5
LM_GENERATION = A_I0 + 6
LM_TARGET_BID = A_I0 + 7
LM_TARGET_ASK = A_I0 + 8
# sniper: af = doubled threshold
SN_LEAD = A_I0
SN_SIZE = A_I0 + 1
SN_FEED_LINK = A_I0 + 2
SN_ORDER_LINK = A_I0 + 3
SN_COOLDOWN = A_I0 + 4
SN_SHOTS = A_I0 + 5  # rows of (side, price, t) in aux[A_AUX], in the Python dict's order
SN_MAX_SHOTS = 64
# callbacks (heap E_AGENT, b)
CB_LP_ARRIVE = 1
CB_LP_CANCEL = 2
CB_NT_POISSON = 3
CB_NT_HAWKES = 4
CB_IF_LOOK = 5
CB_IF_CANCEL = 6
CB_MF_LOOK = 7
CB_VT_LOOK = 8
CB_QM_CHECK = 9
CB_IT_ARRIVE = 10
CB_IT_REACT = 11
CB_LM_SEEN = 12
CB_SN_SEEN = 13

# -- registers: reg[RG_*] ---------------------------------------------------------------------------------------
RG_NOW = 0
RG_LIMIT = 1
RG_SEQ = 2
RG_OPENING = 3
RG_HEAP = 4  # entries in the heap
RG_MSG_FREE = 5
RG_BOOK_FROM = 6
RG_N_REPORTS = 7  # rows in out_rep
RG_N_TRADES = 8
RG_N_TAPE = 9
RG_RECORD = 10
RG_N_OBSERVERS = 11  # rows of ``observers`` registered so far (their participants have started)
RG_PENDING = 12  # a message `_send_from_callback` left for `_execute` to run at once (-1: none)
RG_PENDING_T = 13  # its exchange time
RG_SIZE = 14


@structref.register
class SimStateType(types.StructRef):
    """numba's type of `SimState`."""

    def preprocess_fields(self, fields: Any) -> Any:
        return tuple((name, types.unliteral(typ)) for name, typ in fields)  # type: ignore[no-untyped-call]


class SimState(structref.StructRefProxy):
    """The compiled simulated market's whole state; built by `new_state`, driven by `advance`."""


_FIELDS = (
    "reg",
    "heap",
    "msg",
    "mk",
    "fair",
    "tgf",
    "gw",
    "links",
    "stats",
    "ai",
    "af",
    "mt",
    "aux",
    "engines",
    "feedq",
    "repq",
    "views",
    "out_rep",
    "out_trd",
    "tape",
    "observers",
    "sorders",
    "sids",
    "scratch_p",
    "scratch_q",
)
structref.define_proxy(SimState, SimStateType, list(_FIELDS))  # type: ignore[no-untyped-call]


def new_state(
    *,
    start_ns: int,
    mk: np.ndarray,
    fair: np.ndarray,
    tgf: np.ndarray,
    gw: np.ndarray,
    links: np.ndarray,
    n_owners: int,
    ai: np.ndarray,
    af: np.ndarray,
    mt: np.ndarray,
    aux: list[np.ndarray],
    engines: list[km.KMatchState],
    observers: np.ndarray,
    record: bool,
) -> SimState:
    """A state ready for `start` (the tables' rows filled by `hft_core.venues.simulated.compiled`)."""
    from numba.typed import Dict, List

    reg = np.zeros(RG_SIZE, dtype=np.int64)
    reg[RG_NOW] = start_ns
    reg[RG_MSG_FREE] = 0
    reg[RG_RECORD] = int(record)
    reg[RG_PENDING] = -1
    n_markets = mk.shape[0]
    msg = np.zeros((256, M_SIZE), dtype=np.int64)
    msg[:, M_NEXT] = np.arange(1, 257)
    msg[-1, M_NEXT] = -1
    aux_list = List()
    for table in aux:
        aux_list.append(np.ascontiguousarray(table, dtype=np.int64))
    if not aux:
        aux_list.append(np.zeros((1, 1), dtype=np.int64))
    engine_list = List()
    for engine in engines:
        engine_list.append(engine)
    feedq = List()
    views = List()
    for _ in range(n_markets):
        feedq.append(np.zeros((64, km.KE_SIZE), dtype=np.int64))
        views.append(np.zeros((64, 2), dtype=np.int64))
        views.append(np.zeros((64, 2), dtype=np.int64))
    repq = List()
    for _ in range(gw.shape[0]):
        repq.append(np.zeros((16, R_SIZE), dtype=np.int64))
    sorders = Dict.empty(types.int64, types.int64[:])
    sids = Dict.empty(types.int64, types.int64)
    state: SimState = SimState(  # type: ignore[no-untyped-call]
        reg,
        np.zeros((256, H_SIZE), dtype=np.int64),
        msg,
        mk,
        fair,
        tgf,
        gw,
        links,
        np.zeros((n_owners, S_SIZE), dtype=np.int64),
        ai,
        af,
        mt,
        aux_list,
        engine_list,
        feedq,
        repq,
        views,
        np.zeros((64, R_SIZE), dtype=np.int64),
        np.zeros((64, T_SIZE), dtype=np.int64),
        np.zeros((1024 if record else 1, km.KE_SIZE), dtype=np.int64),
        observers,
        sorders,
        sids,
        np.zeros(64, dtype=np.int64),
        np.zeros(64, dtype=np.int64),
    )
    return state


# =============================================================================================================
# Small tools
# =============================================================================================================
@_helper
def _grown(buf, used):  # type: ignore[no-untyped-def]
    bigger = np.zeros((2 * buf.shape[0], buf.shape[1]), dtype=buf.dtype)
    bigger[:used] = buf[:used]
    return bigger


@_helper
def _floor(x):  # type: ignore[no-untyped-def]
    return int(np.floor(x))


@_helper
def _ceil(x):  # type: ignore[no-untyped-def]
    return int(np.ceil(x))


@_helper
def _stream(st, a):  # type: ignore[no-untyped-def]
    return st.mt[st.ai[a, A_STREAM]]


@_helper
def _arrival(st, link, t):  # type: ignore[no-untyped-def]
    """`Link.arrival`: ``t`` plus a draw, never before the link's previous message."""
    row = st.links[link]
    arrival, last = kd.link_arrival(st.mt[row[L_STREAM]], t, row[L_BASE], row[L_JITTER], row[L_KIND], row[L_LAST])
    row[L_LAST] = last
    return arrival


# -- the heap (`_Clock.push` / heapq on (t, counter)) ---------------------------------------------------------------
@_helper
def _less(h, i, j):  # type: ignore[no-untyped-def]
    return h[i, H_T] < h[j, H_T] or (h[i, H_T] == h[j, H_T] and h[i, H_SEQ] < h[j, H_SEQ])


@_helper
def _swap(h, i, j):  # type: ignore[no-untyped-def]
    for c in range(H_SIZE):
        x = h[i, c]
        h[i, c] = h[j, c]
        h[j, c] = x


@_helper
def _push(st, t, kind, a, b, c):  # type: ignore[no-untyped-def]
    reg = st.reg
    n = reg[RG_HEAP]
    h = st.heap
    if n == h.shape[0]:
        h = _grown(h, n)
        st.heap = h
    h[n, H_T] = t
    h[n, H_SEQ] = reg[RG_SEQ]
    h[n, H_KIND] = kind
    h[n, H_A] = a
    h[n, H_B] = b
    h[n, H_C] = c
    reg[RG_SEQ] += 1
    reg[RG_HEAP] = n + 1
    i = n
    while i > 0:
        parent = (i - 1) >> 1
        if _less(h, i, parent):
            _swap(h, i, parent)
            i = parent
        else:
            break


@_helper
def _pop(st, out):  # type: ignore[no-untyped-def]
    """Move the earliest event into ``out`` (a row of H_SIZE)."""
    h = st.heap
    reg = st.reg
    n = reg[RG_HEAP] - 1
    for c in range(H_SIZE):
        out[c] = h[0, c]
        h[0, c] = h[n, c]
    reg[RG_HEAP] = n
    i = 0
    while True:
        left = 2 * i + 1
        if left >= n:
            break
        smallest = left
        right = left + 1
        if right < n and _less(h, right, left):
            smallest = right
        if _less(h, smallest, i):
            _swap(h, i, smallest)
            i = smallest
        else:
            break


# -- message slots ---------------------------------------------------------------------------------------------------
@_helper
def _new_message(st, op, owner, side, order_type, price, qty, order_id, market, entered, agent, arg):  # type: ignore[no-untyped-def]
    reg = st.reg
    slot = reg[RG_MSG_FREE]
    if slot < 0:
        old = st.msg
        capacity = old.shape[0]
        msg = np.zeros((2 * capacity, M_SIZE), dtype=np.int64)
        msg[:capacity] = old
        for k in range(capacity, 2 * capacity - 1):
            msg[k, M_NEXT] = k + 1
        msg[2 * capacity - 1, M_NEXT] = -1
        st.msg = msg
        slot = capacity
    m = st.msg
    reg[RG_MSG_FREE] = m[slot, M_NEXT]
    m[slot, M_OP] = op
    m[slot, M_OWNER] = owner
    m[slot, M_SIDE] = side
    m[slot, M_TYPE] = order_type
    m[slot, M_PRICE] = price
    m[slot, M_QTY] = qty
    m[slot, M_ORDER] = order_id
    m[slot, M_MARKET] = market
    m[slot, M_ENTERED] = entered
    m[slot, M_AGENT] = agent
    m[slot, M_ARG] = arg
    return slot


@_helper
def _free_message(st, slot):  # type: ignore[no-untyped-def]
    st.msg[slot, M_NEXT] = st.reg[RG_MSG_FREE]
    st.reg[RG_MSG_FREE] = slot


# -- fair value (`_Market.fair_ticks`) ---------------------------------------------------------------------------------
@_helper
def _fair(st, m, t):  # type: ignore[no-untyped-def]
    mk = st.mk[m]
    point = (t - mk[MK_FAIR_ORIGIN]) // mk[MK_FAIR_STEP]
    if point < 0:
        point = 0
    elif point > mk[MK_FAIR_LAST]:
        point = mk[MK_FAIR_LAST]
    within = point - mk[MK_FAIR_FIRST]
    if within < 0 or within >= mk[MK_FAIR_SIZE]:
        raise IndexError("fair value outside the window the venue loaded")
    return st.fair[m, within]


@_helper
def _next_fair_change(st, m, t):  # type: ignore[no-untyped-def]
    mk = st.mk[m]
    point = (t - mk[MK_FAIR_ORIGIN]) // mk[MK_FAIR_STEP]
    return mk[MK_FAIR_ORIGIN] + max(point + 1, 0) * mk[MK_FAIR_STEP]


# =============================================================================================================
# Sending and executing messages (`_Market.send`, `_arrive`, `_execute`)
# =============================================================================================================
@_helper
def _send(st, t, slot):  # type: ignore[no-untyped-def]
    reg = st.reg
    if t > reg[RG_NOW]:
        _push(st, t, E_ARRIVE, slot, 0, 0)
    elif reg[RG_OPENING]:
        _execute(st, t, slot)
    else:
        _arrive(st, t, slot)


@_helper
def _send_new(st, t, market, owner, side, order_type, price, qty, entered, agent, arg):  # type: ignore[no-untyped-def]
    _send(st, t, _new_message(st, OP_SUBMIT, owner, side, order_type, price, qty, 0, market, entered, agent, arg))


@_helper
def _send_cancel(st, t, market, owner, order_id):  # type: ignore[no-untyped-def]
    _send(st, t, _new_message(st, OP_CANCEL, owner, 0, OT_LIMIT, 0, 0, order_id, market, EN_NONE, -1, 0))


@_helper
def _send_from_callback(st, t, slot):  # type: ignore[no-untyped-def]
    """`_send` for a message sent by an ``on_entered`` callback, that is inside `_execute`: where the reference
    executes it at once (nested in the submit's `_execute`, before that one's output is drained), it is left in
    ``RG_PENDING`` for `_execute` to run at that point. (numba's cache cannot hold mutually recursive functions.)"""
    reg = st.reg
    if t > reg[RG_NOW]:
        _push(st, t, E_ARRIVE, slot, 0, 0)
    elif reg[RG_OPENING] or st.gw[st.mk[st.msg[slot, M_MARKET], MK_GATEWAY], G_SERVICE] == 0:
        reg[RG_PENDING] = slot
        reg[RG_PENDING_T] = t
    else:
        _queue_at_gateway(st, t, slot)


@_helper
def _arrive(st, t, slot):  # type: ignore[no-untyped-def]
    if st.gw[st.mk[st.msg[slot, M_MARKET], MK_GATEWAY], G_SERVICE] == 0:
        _execute(st, t, slot)
    else:
        _queue_at_gateway(st, t, slot)


@_helper
def _queue_at_gateway(st, t, slot):  # type: ignore[no-untyped-def]
    """`_Market._arrive` past its first test: the gateway's queue (a service time > 0)."""
    m = st.msg[slot, M_MARKET]
    g = st.mk[m, MK_GATEWAY]
    gw = st.gw[g]
    service = gw[G_SERVICE]
    start = gw[G_BUSY_UNTIL] if gw[G_BUSY_UNTIL] > t else t
    done = start + service
    gw[G_BUSY_UNTIL] = done
    wait = start - t
    if wait:
        gw[G_DELAYED] += 1
        gw[G_TOTAL_WAIT] += wait
        gw[G_MAX_WAIT] = max(gw[G_MAX_WAIT], wait)
        sender = st.stats[st.msg[slot, M_OWNER]]
        sender[S_QUEUE_WAIT] += wait
        sender[S_MAX_QUEUE_WAIT] = max(sender[S_MAX_QUEUE_WAIT], wait)
    _push(st, done, E_EXECUTE, slot, 0, 0)


@_helper
def _skey(m, order_id):  # type: ignore[no-untyped-def]
    return (m << 40) | order_id


@_helper
def _execute(st, t, slot):  # type: ignore[no-untyped-def]
    """`_Market._execute`: the message's engine call, then the engine's output. A cancel an ``on_entered`` callback
    sends for execution at once (`_send_from_callback`) runs whole between the two, as it does nested in the
    reference."""
    op, m, g, reply_at, n_rejections, rejected_id = _execute_call(st, t, slot)
    pending = st.reg[RG_PENDING]
    if pending >= 0:
        st.reg[RG_PENDING] = -1
        t_pending = st.reg[RG_PENDING_T]
        op2, m2, g2, reply2, n_rej2, rejected2 = _execute_call(st, t_pending, pending)
        _free_message(st, pending)
        _execute_output(st, t_pending, op2, m2, g2, reply2, n_rej2, rejected2)
    _free_message(st, slot)
    _execute_output(st, t, op, m, g, reply_at, n_rejections, rejected_id)


@_helper
def _execute_call(st, t, slot):  # type: ignore[no-untyped-def]
    """The first half of `_execute`: statistics and the engine call (and a submit's ``on_entered``)."""
    msg = st.msg[slot]
    op = msg[M_OP]
    owner = msg[M_OWNER]
    m = msg[M_MARKET]
    g = st.mk[m, MK_GATEWAY]
    engine = st.engines[m]
    st.stats[owner, S_MESSAGES] += 1
    st.gw[g, G_MESSAGES] += 1
    reply_at = -1
    n_rejections = 0
    rejected_id = 0
    if op == OP_SUBMIT:
        order_id = km.submit(engine, msg[M_SIDE], msg[M_PRICE], msg[M_QTY], owner, msg[M_TYPE], t)
        if msg[M_ENTERED] != EN_NONE:
            _entered(st, t, msg[M_ENTERED], msg[M_AGENT], msg[M_ARG], order_id)
    elif op == OP_CANCEL:
        km.cancel(engine, msg[M_ORDER], t, owner)
    elif op == OP_MODIFY:
        km.modify(engine, msg[M_ORDER], msg[M_QTY], msg[M_PRICE], t, owner)
    else:
        reply_at = _arrival(st, st.gw[g, G_RESPONSE], t)
        # `_execute_strategy`: the strategy's ids translated; an unknown id is answered here
        if op == OP_STRATEGY_SUBMIT:
            engine_id = km.submit(engine, msg[M_SIDE], msg[M_PRICE], msg[M_QTY], STRATEGY_OWNER, msg[M_TYPE], t)
            record = np.zeros(4, dtype=np.int64)  # the strategy's id, side, price, leaves
            record[0] = msg[M_ORDER]
            record[1] = msg[M_SIDE]
            record[2] = msg[M_PRICE]
            st.sorders[_skey(m, engine_id)] = record
            st.sids[_skey(m, msg[M_ORDER])] = engine_id
        else:
            key = _skey(m, msg[M_ORDER])
            if key not in st.sids:
                n_rejections = 1
                rejected_id = msg[M_ORDER]
            elif op == OP_STRATEGY_CANCEL:
                km.cancel(engine, st.sids[key], t, STRATEGY_OWNER)
            else:
                km.modify(engine, st.sids[key], msg[M_QTY], msg[M_PRICE], t, STRATEGY_OWNER)
    return op, m, g, reply_at, n_rejections, rejected_id


@_helper
def _execute_output(st, t, op, m, g, reply_at, n_rejections, rejected_id):  # type: ignore[no-untyped-def]
    """The second half of `_execute`: the engine's output (`drain`) to the feed, the tape, observers and reports."""
    engine = st.engines[m]
    n_md = engine.n_md
    if n_md:
        md = engine.md
        if st.reg[RG_OPENING]:
            for k in range(n_md):
                md[k, km.KE_LOCAL_TS] = t
                _view_apply(st, m, md[k])
        else:
            seen_at = _arrival(st, st.gw[g, G_FEED], t)
            q = st.feedq[m]
            mk = st.mk[m]
            need = mk[MK_FEED_COUNT] + n_md
            if need > q.shape[0]:
                q = _ring_grown(q, mk[MK_FEED_HEAD], mk[MK_FEED_COUNT], need)
                st.feedq[m] = q
                mk[MK_FEED_HEAD] = 0
            cap = q.shape[0]
            tail = (mk[MK_FEED_HEAD] + mk[MK_FEED_COUNT]) % cap
            for k in range(n_md):
                md[k, km.KE_LOCAL_TS] = seen_at
                q[(tail + k) % cap] = md[k]
            mk[MK_FEED_COUNT] += n_md
            _push(st, seen_at, E_FEED, m, n_md, 0)
        if st.reg[RG_RECORD]:
            n_tape = st.reg[RG_N_TAPE]
            tape = st.tape
            while n_tape + n_md > tape.shape[0]:
                tape = _grown(tape, n_tape)
            st.tape = tape
            tape[n_tape : n_tape + n_md] = md[:n_md]
            st.reg[RG_N_TAPE] = n_tape + n_md
        if st.mk[m, MK_OBSERVED]:
            bid = km.best_bid(engine)
            ask = km.best_ask(engine)
            if bid != st.mk[m, MK_TOP_BID] or ask != st.mk[m, MK_TOP_ASK]:
                st.mk[m, MK_TOP_BID] = bid
                st.mk[m, MK_TOP_ASK] = ask
                obs = st.observers
                for k in range(st.reg[RG_N_OBSERVERS]):
                    if obs[k, 0] == m:
                        _top_changed(st, obs[k, 1], t, bid, ask)
    involved = op >= OP_STRATEGY_SUBMIT
    if engine.n_ex:
        involved = _count_executions(st, engine) or involved
    if involved:
        if reply_at < 0:
            reply_at = _arrival(st, st.gw[g, G_RESPONSE], t)
        n = _strategy_reports(st, m, g, reply_at, engine)
        if n_rejections:
            _queue_report(st, g, reply_at, m, rejected_id, OS_REJECTED, RJ_UNKNOWN_ORDER, 0, 0, 0, 0, 0, 0)
            n += 1
        if n:
            _push(st, reply_at, E_REPORTS, g, n, 0)
    km.clear_output(engine)


@_helper
def _ring_grown(q, head, count, need):  # type: ignore[no-untyped-def]
    capacity = q.shape[0]
    size = 2 * capacity
    while size < need:
        size *= 2
    bigger = np.zeros((size, q.shape[1]), dtype=np.int64)
    for k in range(count):
        bigger[k] = q[(head + k) % capacity]
    return bigger


@_helper
def _count_executions(st, engine):  # type: ignore[no-untyped-def]
    """`_Market._count_executions`: traded volume per owner; True when the strategy is on either side."""
    stats = st.stats
    ex = engine.ex
    involved = False
    for k in range(engine.n_ex):
        qty = ex[k, km.KX_QTY]
        value = qty * ex[k, km.KX_PRICE]
        taker = ex[k, km.KX_TAKER_OWNER]
        maker = ex[k, km.KX_MAKER_OWNER]
        if ex[k, km.KX_AGGRESSOR_SIDE] == BUY:
            stats[taker, S_BOUGHT] += qty
            stats[taker, S_BOUGHT_VALUE] += value
            stats[maker, S_SOLD] += qty
            stats[maker, S_SOLD_VALUE] += value
        else:
            stats[taker, S_SOLD] += qty
            stats[taker, S_SOLD_VALUE] += value
            stats[maker, S_BOUGHT] += qty
            stats[maker, S_BOUGHT_VALUE] += value
        if taker == STRATEGY_OWNER or maker == STRATEGY_OWNER:
            involved = True
    return involved


@_helper
def _queue_report(st, g, ts, m, order_id, status, reason, side, price, leaves, fill_qty, fill_price, maker):  # type: ignore[no-untyped-def]
    gw = st.gw[g]
    q = st.repq[g]
    if gw[G_REP_COUNT] == q.shape[0]:
        q = _ring_grown(q, gw[G_REP_HEAD], gw[G_REP_COUNT], q.shape[0] + 1)
        st.repq[g] = q
        gw[G_REP_HEAD] = 0
    row = q[(gw[G_REP_HEAD] + gw[G_REP_COUNT]) % q.shape[0]]
    row[R_TS] = ts
    row[R_INST] = m
    row[R_ID] = order_id
    row[R_STATUS] = status
    row[R_REASON] = reason
    row[R_SIDE] = side
    row[R_PRICE] = price
    row[R_LEAVES] = leaves
    row[R_FILL_QTY] = fill_qty
    row[R_FILL_PRICE] = fill_price
    row[R_MAKER] = maker
    gw[G_REP_COUNT] += 1


@_helper
def _strategy_reports(st, m, g, ts, engine):  # type: ignore[no-untyped-def]
    """`_Market._strategy_reports`: the strategy's reports for one processed message, queued; returns how many."""
    n = 0
    up = engine.up
    touched = np.empty(engine.n_up + engine.n_ex, dtype=np.int64)
    n_touched = 0
    closing = np.empty(engine.n_up, dtype=np.int64)
    n_closing = 0
    for k in range(engine.n_up):
        if up[k, km.KU_OWNER] != STRATEGY_OWNER:
            continue
        status = up[k, km.KU_STATUS]
        if status == OS_FILLED or status == OS_PARTIALLY_FILLED:  # noqa: SIM109 (numba: plain comparisons)
            continue
        key = _skey(m, up[k, km.KU_ORDER_ID])
        if key not in st.sorders:
            continue
        order = st.sorders[key]
        touched[n_touched] = up[k, km.KU_ORDER_ID]
        n_touched += 1
        if status == OS_ACCEPTED or status == OS_MODIFIED or status == OS_REJECTED:  # noqa: SIM109 (numba: plain comparisons)
            order[2] = up[k, km.KU_PRICE]
            order[3] = up[k, km.KU_LEAVES]
            _queue_report(
                st, g, ts, m, order[0], status, up[k, km.KU_REASON], order[1], up[k, km.KU_PRICE],
                up[k, km.KU_LEAVES], 0, 0, 0,
            )  # fmt: skip
            n += 1
        else:
            closing[n_closing] = k
            n_closing += 1
    ex = engine.ex
    for k in range(engine.n_ex):
        if ex[k, km.KX_MAKER_OWNER] == STRATEGY_OWNER:
            engine_id = ex[k, km.KX_MAKER_ORDER_ID]
            maker = 1
        elif ex[k, km.KX_TAKER_OWNER] == STRATEGY_OWNER:
            engine_id = ex[k, km.KX_TAKER_ORDER_ID]
            maker = 0
        else:
            continue
        order = st.sorders[_skey(m, engine_id)]
        touched[n_touched] = engine_id
        n_touched += 1
        order[3] -= ex[k, km.KX_QTY]
        status = OS_FILLED if order[3] == 0 else OS_PARTIALLY_FILLED
        _queue_report(
            st, g, ts, m, order[0], status, RJ_NONE, order[1], order[2], order[3], ex[k, km.KX_QTY],
            ex[k, km.KX_PRICE], maker,
        )  # fmt: skip
        n += 1
    for j in range(n_closing):
        k = closing[j]
        order = st.sorders[_skey(m, up[k, km.KU_ORDER_ID])]
        order[3] = up[k, km.KU_LEAVES]
        _queue_report(
            st, g, ts, m, order[0], up[k, km.KU_STATUS], up[k, km.KU_REASON], order[1], up[k, km.KU_PRICE],
            up[k, km.KU_LEAVES], 0, 0, 0,
        )  # fmt: skip
        n += 1
    for j in range(n_touched):
        key = _skey(m, touched[j])
        if key in st.sorders:
            order = st.sorders[key]
            if order[3] == 0:
                del st.sorders[key]
                del st.sids[_skey(m, order[0])]
    return n


# =============================================================================================================
# The strategy's side: its book views, market data and reports reaching it (`_Clock.deliver_*`)
# =============================================================================================================
@_helper
def _view_set(st, m, side, price, qty):  # type: ignore[no-untyped-def]
    """`L2Book.update` on one side of the strategy's view (levels kept best first)."""
    v = 2 * m + (0 if side == BUY else 1)
    column = MK_VIEW_BIDS if side == BUY else MK_VIEW_ASKS
    levels = st.views[v]
    n = st.mk[m, column]
    key = -side * price  # ascending keys: best first on both sides
    i = 0
    while i < n and -side * levels[i, 0] < key:
        i += 1
    if i < n and levels[i, 0] == price:
        if qty == 0:
            for j in range(i, n - 1):
                levels[j, 0] = levels[j + 1, 0]
                levels[j, 1] = levels[j + 1, 1]
            st.mk[m, column] = n - 1
        else:
            levels[i, 1] = qty
        return
    if qty == 0:
        return
    if n == levels.shape[0]:
        levels = _grown(levels, n)
        st.views[v] = levels
    for j in range(n, i, -1):
        levels[j, 0] = levels[j - 1, 0]
        levels[j, 1] = levels[j - 1, 1]
    levels[i, 0] = price
    levels[i, 1] = qty
    st.mk[m, column] = n + 1


@_helper
def _view_apply(st, m, row):  # type: ignore[no-untyped-def]
    tag = row[km.KE_TAG]
    if ((tag >> 32) & 0xFF) == KIND_DEPTH:
        side = BUY if ((tag >> 40) & 0xFF) == 1 else SELL
        _view_set(st, m, side, row[km.KE_PRICE], row[km.KE_QTY])


@_helper
def _view_best(st, m, side):  # type: ignore[no-untyped-def]
    """(price, qty) of the view's best level on ``side``; qty -1 when the side is empty."""
    if side == BUY:
        if st.mk[m, MK_VIEW_BIDS] == 0:
            return 0, -1
        levels = st.views[2 * m]
    else:
        if st.mk[m, MK_VIEW_ASKS] == 0:
            return 0, -1
        levels = st.views[2 * m + 1]
    return levels[0, 0], levels[0, 1]


@_helper
def _microprice(bid, bid_qty, ask, ask_qty):  # type: ignore[no-untyped-def]
    """`hft_core.venues.base.microprice`, operation for operation."""
    total = bid_qty + ask_qty
    if total <= 0:
        return (float(bid) + float(ask)) * 0.5
    return (float(bid) * float(ask_qty) + float(ask) * float(bid_qty)) / float(total)


@_helper
def _trigger_row(st, m, traded, trade_price):  # type: ignore[no-untyped-def]
    """`TriggerState.on_row` on the strategy's view of market ``m`` (``traded``: the row printed at
    ``trade_price``): the bits that fire."""
    mk = st.mk[m]
    tgf = st.tgf[m]
    flags = mk[MK_TG_FLAGS]
    bid, bid_qty = _view_best(st, m, BUY)
    ask, ask_qty = _view_best(st, m, SELL)
    two_sided = bid_qty >= 0 and ask_qty >= 0
    bid_qty = max(bid_qty, 0)
    ask_qty = max(ask_qty, 0)
    held = 0
    if two_sided:
        mid2 = bid + ask
        if flags & TG_MID_ABOVE and mid2 >= mk[MK_TG_MID_ABOVE]:
            held |= TG_MID_ABOVE
        if flags & TG_MID_BELOW and mid2 <= mk[MK_TG_MID_BELOW]:
            held |= TG_MID_BELOW
    if flags & TG_BEST_QTY and (bid_qty < mk[MK_TG_BEST_QTY] or ask_qty < mk[MK_TG_BEST_QTY]):
        held |= TG_BEST_QTY
    total = bid_qty + ask_qty
    if flags & TG_IMBALANCE and total > 0 and abs(float(bid_qty - ask_qty)) >= tgf[TGF_IMBALANCE] * float(total):
        held |= TG_IMBALANCE
    fired = held & ~mk[MK_TG_HELD]
    mk[MK_TG_HELD] = held
    if two_sided:
        if flags & TG_MID and mk[MK_TG_HAS_REF] and abs(bid + ask - mk[MK_TG_REF_MID2]) >= 2 * mk[MK_TG_MID_TICKS]:
            fired |= TG_MID
        if flags & TG_MICROPRICE:
            micro = _microprice(bid, bid_qty, ask, ask_qty)
            if mk[MK_TG_HAS_REF] and abs(micro - tgf[TGF_REF_MICRO]) >= tgf[TGF_MICRO_TICKS]:
                fired |= TG_MICROPRICE
    if traded:
        if flags & TG_TRADE_ABOVE and trade_price >= mk[MK_TG_TRADE_ABOVE]:
            fired |= TG_TRADE_ABOVE
        if flags & TG_TRADE_BELOW and trade_price <= mk[MK_TG_TRADE_BELOW]:
            fired |= TG_TRADE_BELOW
    if not mk[MK_TG_HAS_REF] and two_sided:  # `_rearm`
        mk[MK_TG_REF_MID2] = bid + ask
        tgf[TGF_REF_MICRO] = _microprice(bid, bid_qty, ask, ask_qty)
        mk[MK_TG_HAS_REF] = 1
    return fired


@_helper
def _deliver_feed(st, t, m, count):  # type: ignore[no-untyped-def]
    """`_Clock.deliver_feed`: ``count`` rows of market ``m`` reach the strategy."""
    mk = st.mk[m]
    q = st.feedq[m]
    cap = q.shape[0]
    head = mk[MK_FEED_HEAD]
    bid_before = _view_best(st, m, BUY)
    ask_before = _view_best(st, m, SELL)
    for k in range(count):
        _view_apply(st, m, q[(head + k) % cap])
    reg = st.reg
    if _view_best(st, m, BUY) != bid_before or _view_best(st, m, SELL) != ask_before:
        mk[MK_DIRTY] = 1
        if mk[MK_WATCH_BOOK]:
            book_from = reg[RG_BOOK_FROM]
            reg[RG_LIMIT] = t if t >= book_from else min(reg[RG_LIMIT], book_from)
    if mk[MK_TG_FLAGS]:
        # a feed message is one update of the view: the trigger sees the book after it, and each trade in it
        fired = _trigger_row(st, m, False, 0)
        for k in range(count):
            row = q[(head + k) % cap]
            if ((row[km.KE_TAG] >> 32) & 0xFF) == KIND_TRADE:
                fired |= _trigger_row(st, m, True, row[km.KE_PRICE])
        if fired:
            mk[MK_TG_FIRED] |= fired
            reg[RG_LIMIT] = t
    if mk[MK_WATCH_TRADES]:
        traded = False
        for k in range(count):
            row = q[(head + k) % cap]
            tag = row[km.KE_TAG]
            if ((tag >> 32) & 0xFF) == KIND_TRADE:
                n = reg[RG_N_TRADES]
                out = st.out_trd
                if n == out.shape[0]:
                    out = _grown(out, n)
                    st.out_trd = out
                out[n, T_TS] = t
                out[n, T_INST] = m
                out[n, T_PRICE] = row[km.KE_PRICE]
                out[n, T_QTY] = row[km.KE_QTY]
                out[n, T_SIDE] = 1 if ((tag >> 40) & 0xFF) == 1 else (-1 if ((tag >> 40) & 0xFF) == 255 else 0)
                reg[RG_N_TRADES] = n + 1
                traded = True
        if traded:
            reg[RG_LIMIT] = t
    mk[MK_FEED_HEAD] = (head + count) % cap
    mk[MK_FEED_COUNT] -= count


@_helper
def _deliver_reports(st, t, g, count):  # type: ignore[no-untyped-def]
    """`_Clock.deliver_reports`: ``count`` reports reach the strategy; every report stops `advance`."""
    gw = st.gw[g]
    q = st.repq[g]
    cap = q.shape[0]
    head = gw[G_REP_HEAD]
    reg = st.reg
    n = reg[RG_N_REPORTS]
    out = st.out_rep
    while n + count > out.shape[0]:
        out = _grown(out, n)
    st.out_rep = out
    for k in range(count):
        row = q[(head + k) % cap]
        out[n + k] = row
        mk = st.mk[row[R_INST]]
        if mk[MK_TG_FLAGS]:  # `TriggerState.on_report`
            if mk[MK_TG_FLAGS] & TG_FILL and row[R_FILL_QTY] > 0:
                mk[MK_TG_FIRED] |= TG_FILL
            if mk[MK_TG_FLAGS] & TG_REJECT and row[R_STATUS] == OS_REJECTED:
                mk[MK_TG_FIRED] |= TG_REJECT
    reg[RG_N_REPORTS] = n + count
    gw[G_REP_HEAD] = (head + count) % cap
    gw[G_REP_COUNT] -= count
    reg[RG_LIMIT] = t


# =============================================================================================================
# Participants
# =============================================================================================================
@_helper
def _schedule(st, t, a, callback, arg):  # type: ignore[no-untyped-def]
    _push(st, t, E_AGENT, a, callback, arg)


@_helper
def _best(engine, side):  # type: ignore[no-untyped-def]
    return km.best_bid(engine) if side == BUY else km.best_ask(engine)


@_helper
def _resting(engine, order_id):  # type: ignore[no-untyped-def]
    return km.order_slot(engine, order_id) >= 0


@_helper
def _side_depth(st, engine, side, max_levels):  # type: ignore[no-untyped-def]
    """`engine.depth(side, max_levels)` into the scratch buffers; returns the count."""
    row = 0 if side == BUY else 1
    need = min(max_levels, engine.sd[row, km.KD_LEVELS])
    if need > st.scratch_p.shape[0]:
        size = st.scratch_p.shape[0]
        while size < need:
            size *= 2
        st.scratch_p = np.zeros(size, dtype=np.int64)
        st.scratch_q = np.zeros(size, dtype=np.int64)
    return km.depth(engine, side, max_levels, st.scratch_p, st.scratch_q)


@_helper
def _entered(st, t, code, a, arg, order_id):  # type: ignore[no-untyped-def]
    """A submit was processed: the ``on_entered`` callback of its sender."""
    ai = st.ai[a]
    m = ai[A_MARKET]
    if code == EN_LP:  # _LiquidityProviderAgent._entered
        _schedule(st, t + kd.waiting_ns(_stream(st, a), st.af[a, 5]), a, CB_LP_CANCEL, order_id)
        if ai[LP_CANCEL_STALE]:
            engine = st.engines[m]
            slot = km.order_slot(engine, order_id)
            if slot >= 0:
                side = engine.ords[slot, km.KO_SIDE]
                price = engine.ords[slot, km.KO_PRICE]
                if side == BUY:
                    _heap2_push(st, a, 0, LP_N_BIDS, -price, order_id)
                else:
                    _heap2_push(st, a, 1, LP_N_ASKS, price, order_id)
    elif code == EN_IMBALANCE:
        _schedule(st, t + ai[IF_LIFETIME], a, CB_IF_CANCEL, order_id)
    elif code == EN_QM_BID:
        ai[QM_BID] = order_id
    elif code == EN_QM_ASK:
        ai[QM_ASK] = order_id
    else:  # the lagging maker's callback (a quote of generation ``arg``)
        if arg != ai[LM_GENERATION]:
            cancel = _new_message(st, OP_CANCEL, ai[A_OWNER], 0, OT_LIMIT, 0, 0, order_id, m, EN_NONE, -1, 0)
            _send_from_callback(st, _arrival(st, ai[LM_ORDER_LINK], t), cancel)
        elif code == EN_LAG_BID:
            ai[LM_BID] = order_id
        else:
            ai[LM_ASK] = order_id


# -- the liquidity provider's price heaps (heapq of (key, order id) pairs) ------------------------------------------
@_helper
def _pair_less(h, i, j):  # type: ignore[no-untyped-def]
    return h[i, 0] < h[j, 0] or (h[i, 0] == h[j, 0] and h[i, 1] < h[j, 1])


@_helper
def _heap2_push(st, a, which, count_column, key, value):  # type: ignore[no-untyped-def]
    index = st.ai[a, A_AUX] + which
    h = st.aux[index]
    n = st.ai[a, count_column]
    if n == h.shape[0]:
        h = _grown(h, n)
        st.aux[index] = h
    h[n, 0] = key
    h[n, 1] = value
    st.ai[a, count_column] = n + 1
    i = n
    while i > 0:
        parent = (i - 1) >> 1
        if _pair_less(h, i, parent):
            for c in range(2):
                x = h[i, c]
                h[i, c] = h[parent, c]
                h[parent, c] = x
            i = parent
        else:
            break


@_helper
def _heap2_pop(st, a, which, count_column):  # type: ignore[no-untyped-def]
    """Remove the smallest pair; returns its value (order id)."""
    h = st.aux[st.ai[a, A_AUX] + which]
    n = st.ai[a, count_column] - 1
    value = h[0, 1]
    h[0, 0] = h[n, 0]
    h[0, 1] = h[n, 1]
    st.ai[a, count_column] = n
    i = 0
    while True:
        left = 2 * i + 1
        if left >= n:
            break
        smallest = left
        if left + 1 < n and _pair_less(h, left + 1, left):
            smallest = left + 1
        if _pair_less(h, smallest, i):
            for c in range(2):
                x = h[i, c]
                h[i, c] = h[smallest, c]
                h[smallest, c] = x
            i = smallest
        else:
            break
    return value


@_helper
def _lp_reference(st, a, m, t):  # type: ignore[no-untyped-def]
    """`_LiquidityProviderAgent._reference`."""
    engine = st.engines[m]
    reference = _fair(st, m, t)
    weight = st.af[a, 4]
    if weight < 1.0:
        bid = km.best_bid(engine)
        ask = km.best_ask(engine)
        if bid != NO_BID and ask != NO_ASK:
            reference += (1.0 - weight) * (0.5 * (bid + ask) - reference)
    return reference


@_helper
def _lp_place(st, a, t, side):  # type: ignore[no-untyped-def]
    """`_LiquidityProviderAgent._place`."""
    ai = st.ai[a]
    af = st.af[a]
    m = ai[A_MARKET]
    engine = st.engines[m]
    rng = _stream(st, a)
    bid = km.best_bid(engine)
    ask = km.best_ask(engine)
    reference = _fair(st, m, t)
    if af[4] < 1.0 and bid != NO_BID and ask != NO_ASK:
        reference += (1.0 - af[4]) * (0.5 * (bid + ask) - reference)
    distance = kd.geometric(rng, af[1])
    qty = kd.uniform_int(rng, ai[LP_SIZE_MIN], ai[LP_SIZE_MAX])
    if side == BUY:
        price = _ceil(reference - af[2]) - 1 - distance
        if ask != NO_ASK and price >= ask:
            price = ask - 1
    else:
        price = _floor(reference + af[2]) + 1 + distance
        if bid != NO_BID and price <= bid:
            price = bid + 1
    if price < 1:
        return
    _send_new(st, t, m, ai[A_OWNER], side, OT_LIMIT, price, qty, EN_LP, a, 0)


@_helper
def _lp_arrive(st, a, t):  # type: ignore[no-untyped-def]
    ai = st.ai[a]
    if ai[LP_CANCEL_STALE]:
        m = ai[A_MARKET]
        reference = _lp_reference(st, a, m, t)
        engine = st.engines[m]
        asks = st.aux[ai[A_AUX] + 1]
        while ai[LP_N_ASKS] > 0 and asks[0, 0] <= reference:
            order_id = _heap2_pop(st, a, 1, LP_N_ASKS)
            if _resting(engine, order_id):
                _send_cancel(st, t, m, ai[A_OWNER], order_id)
            asks = st.aux[ai[A_AUX] + 1]
        bids = st.aux[ai[A_AUX]]
        while ai[LP_N_BIDS] > 0 and -bids[0, 0] >= reference:
            order_id = _heap2_pop(st, a, 0, LP_N_BIDS)
            if _resting(engine, order_id):
                _send_cancel(st, t, m, ai[A_OWNER], order_id)
            bids = st.aux[ai[A_AUX]]
    rng = _stream(st, a)
    _lp_place(st, a, t, BUY if kd.uniform(rng) < 0.5 else SELL)
    _schedule(st, t + kd.waiting_ns(rng, 2.0 * st.af[a, 0]), a, CB_LP_ARRIVE, 0)


@_helper
def _nt_send(st, a, t, side):  # type: ignore[no-untyped-def]
    ai = st.ai[a]
    af = st.af[a]
    qty = kd.order_size(_stream(st, a), ai[NT_SIZE_MIN], ai[NT_SIZE_MAX], af[2], af[3])
    _send_new(st, t, ai[A_MARKET], ai[A_OWNER], side, OT_MARKET, 0, qty, EN_NONE, -1, 0)


@_helper
def _if_look(st, a, t):  # type: ignore[no-untyped-def]
    """`_ImbalanceFollowerAgent._look`."""
    ai = st.ai[a]
    af = st.af[a]
    m = ai[A_MARKET]
    rng = _stream(st, a)
    _schedule(st, t + kd.waiting_ns(rng, af[0]), a, CB_IF_LOOK, 0)
    if t < ai[IF_QUIET_UNTIL]:
        return
    engine = st.engines[m]
    bid_qty = 0
    for k in range(_side_depth(st, engine, BUY, ai[IF_LEVELS])):
        bid_qty += st.scratch_q[k]
    ask_qty = 0
    for k in range(_side_depth(st, engine, SELL, ai[IF_LEVELS])):
        ask_qty += st.scratch_q[k]
    total = bid_qty + ask_qty
    if total == 0:
        return
    imbalance = (bid_qty - ask_qty) / total
    if imbalance >= af[1]:
        side = BUY
    elif imbalance <= -af[1]:
        side = SELL
    else:
        return
    ai[IF_QUIET_UNTIL] = t + ai[IF_COOLDOWN]
    qty = kd.uniform_int(rng, ai[IF_SIZE_MIN], ai[IF_SIZE_MAX])
    arrival = t + ai[IF_LATENCY]
    if kd.uniform(rng) < af[2]:
        _send_new(st, arrival, m, ai[A_OWNER], side, OT_MARKET, 0, qty, EN_NONE, -1, 0)
        return
    bid = km.best_bid(engine)
    ask = km.best_ask(engine)
    if bid == NO_BID or ask == NO_ASK:
        return
    inside = 1 if ask - bid > 1 else 0
    price = bid + inside if side == BUY else ask - inside
    _send_new(st, arrival, m, ai[A_OWNER], side, OT_LIMIT, price, qty, EN_IMBALANCE, a, 0)


@_helper
def _mf_look(st, a, t):  # type: ignore[no-untyped-def]
    """`_MomentumFollowerAgent._look` (its history deque: a ring in its aux table)."""
    ai = st.ai[a]
    af = st.af[a]
    m = ai[A_MARKET]
    rng = _stream(st, a)
    _schedule(st, t + kd.waiting_ns(rng, af[0]), a, CB_MF_LOOK, 0)
    engine = st.engines[m]
    bid = km.best_bid(engine)
    ask = km.best_ask(engine)
    if bid == NO_BID or ask == NO_ASK:
        return
    doubled_mid = bid + ask
    index = ai[A_AUX]
    history = st.aux[index]
    horizon = t - ai[MF_LOOKBACK]
    while ai[MF_COUNT] > 0 and history[ai[MF_HEAD], 0] < horizon:
        ai[MF_HEAD] = (ai[MF_HEAD] + 1) % history.shape[0]
        ai[MF_COUNT] -= 1
    reference = history[ai[MF_HEAD], 1] if ai[MF_COUNT] > 0 else doubled_mid
    if ai[MF_COUNT] == history.shape[0]:
        history = _ring_grown(history, ai[MF_HEAD], ai[MF_COUNT], ai[MF_COUNT] + 1)
        st.aux[index] = history
        ai[MF_HEAD] = 0
    tail = (ai[MF_HEAD] + ai[MF_COUNT]) % history.shape[0]
    history[tail, 0] = t
    history[tail, 1] = doubled_mid
    ai[MF_COUNT] += 1
    if t < ai[MF_QUIET_UNTIL]:
        return
    move = doubled_mid - reference
    if move >= af[1]:
        side = BUY
    elif move <= -af[1]:
        side = SELL
    else:
        return
    ai[MF_QUIET_UNTIL] = t + ai[MF_COOLDOWN]
    qty = kd.uniform_int(rng, ai[MF_SIZE_MIN], ai[MF_SIZE_MAX])
    _send_new(st, t + ai[MF_LATENCY], m, ai[A_OWNER], side, OT_MARKET, 0, qty, EN_NONE, -1, 0)


@_helper
def _vt_look(st, a, t):  # type: ignore[no-untyped-def]
    """`_ValueTraderAgent._look`."""
    ai = st.ai[a]
    af = st.af[a]
    m = ai[A_MARKET]
    rng = _stream(st, a)
    _schedule(st, t + kd.waiting_ns(rng, af[0]), a, CB_VT_LOOK, 0)
    fair = _fair(st, m, t)
    engine = st.engines[m]
    ask = km.best_ask(engine)
    if ask != NO_ASK and ask <= fair - af[1]:
        side = BUY
        limit = _floor(fair - af[1])
    else:
        bid = km.best_bid(engine)
        if bid == NO_BID or bid < fair + af[1]:
            return
        side = SELL
        limit = _ceil(fair + af[1])
    qty = kd.uniform_int(rng, ai[VT_SIZE_MIN], ai[VT_SIZE_MAX])
    _send_new(st, t + ai[VT_LATENCY], m, ai[A_OWNER], side, OT_IOC, limit, qty, EN_NONE, -1, 0)


@_helper
def _qm_quote(st, engine, order_id):  # type: ignore[no-untyped-def]
    """`_QuotingMakerAgent._quote`: the slot of its resting quote, -1 when none (or on its way)."""
    if order_id == QM_NONE or order_id == QM_PENDING:  # noqa: SIM109 (numba: plain comparisons)
        return -1
    return km.order_slot(engine, order_id)


@_helper
def _qm_requote(st, a, t):  # type: ignore[no-untyped-def]
    """`_QuotingMakerAgent._requote`."""
    ai = st.ai[a]
    af = st.af[a]
    m = ai[A_MARKET]
    engine = st.engines[m]
    fair = _fair(st, m, t)
    target_bid = _floor(fair - af[1])
    target_ask = max(_ceil(fair + af[1]), target_bid + 1)
    # (the quotes as they stand now: `quotes` in the Python, read before either message is sent)
    bid_slot = _qm_quote(st, engine, ai[QM_BID])
    ask_slot = _qm_quote(st, engine, ai[QM_ASK])
    bid_price = engine.ords[bid_slot, km.KO_PRICE] if bid_slot >= 0 else 0
    bid_id = engine.ords[bid_slot, km.KO_ID] if bid_slot >= 0 else 0
    ask_price = engine.ords[ask_slot, km.KO_PRICE] if ask_slot >= 0 else 0
    ask_id = engine.ords[ask_slot, km.KO_ID] if ask_slot >= 0 else 0
    asks_first = ask_slot >= 0 and target_ask > ask_price
    arrival = t + ai[QM_LATENCY]
    for turn in range(2):
        side = (SELL if turn == 0 else BUY) if asks_first else (BUY if turn == 0 else SELL)
        column = QM_BID if side == BUY else QM_ASK
        if ai[column] == QM_PENDING:
            continue
        if side == BUY:
            best = km.best_ask(engine)
            price = target_bid if best == NO_ASK else min(target_bid, best - 1)
            slot, quoted, order_id = bid_slot, bid_price, bid_id
        else:
            best = km.best_bid(engine)
            price = target_ask if best == NO_BID else max(target_ask, best + 1)
            slot, quoted, order_id = ask_slot, ask_price, ask_id
        if price < 1 or (slot >= 0 and quoted == price):
            continue
        if slot < 0:
            ai[column] = QM_PENDING
            entered = EN_QM_BID if side == BUY else EN_QM_ASK
            _send_new(st, arrival, m, ai[A_OWNER], side, OT_LIMIT, price, ai[QM_SIZE], entered, a, 0)
        else:
            message = _new_message(st, OP_MODIFY, ai[A_OWNER], 0, OT_LIMIT, price, ai[QM_SIZE], order_id, m, 0, -1, 0)
            _send(st, arrival, message)


@_helper
def _it_react(st, a, t):  # type: ignore[no-untyped-def]
    """`_InformedTakerAgent._react`."""
    ai = st.ai[a]
    af = st.af[a]
    m = ai[A_MARKET]
    _schedule(st, _next_fair_change(st, m, t), a, CB_IT_REACT, 0)
    before = _fair(st, m, t - 1)
    after = _fair(st, m, t)
    if after == before:
        return
    rng = _stream(st, a)
    if kd.uniform(rng) >= af[3]:
        return
    engine = st.engines[m]
    stale = 0
    if after > before:
        side = BUY
        limit = _floor(after)
        for k in range(_side_depth(st, engine, SELL, 1 << 62)):
            if st.scratch_p[k] <= limit:
                stale += st.scratch_q[k]
    else:
        side = SELL
        limit = _ceil(after)
        for k in range(_side_depth(st, engine, BUY, 1 << 62)):
            if st.scratch_p[k] >= limit:
                stale += st.scratch_q[k]
    if stale == 0:
        return
    delay = ai[IT_REACT_LATENCY]
    if ai[IT_REACT_JITTER] > 0:
        delay += int(-math.log(1.0 - kd.uniform(rng)) * ai[IT_REACT_JITTER])
    _send_new(st, t + delay, m, ai[A_OWNER], side, OT_IOC, limit, stale, EN_NONE, -1, 0)


@_helper
def _it_arrive(st, a, t):  # type: ignore[no-untyped-def]
    """`_InformedTakerAgent._arrive`."""
    ai = st.ai[a]
    af = st.af[a]
    m = ai[A_MARKET]
    rng = _stream(st, a)
    _schedule(st, t + kd.waiting_ns(rng, af[0]), a, CB_IT_ARRIVE, 0)
    engine = st.engines[m]
    bid = km.best_bid(engine)
    ask = km.best_ask(engine)
    now = _fair(st, m, t) if bid == NO_BID or ask == NO_ASK else 0.5 * (bid + ask)
    side = BUY if _fair(st, m, t + ai[IT_HORIZON]) > now else SELL
    qty = kd.order_size(rng, ai[IT_SIZE_MIN], ai[IT_SIZE_MAX], af[1], af[2])
    _send_new(st, t + ai[IT_LATENCY], m, ai[A_OWNER], side, OT_MARKET, 0, qty, EN_NONE, -1, 0)


@_helper
def _lm_quote(st, a, t, mid2, opening):  # type: ignore[no-untyped-def]
    """`_LaggingMakerAgent._quote`."""
    ai = st.ai[a]
    m = ai[A_MARKET]
    mid = 0.5 * mid2
    target_bid = _floor(mid - st.af[a, 0])
    target_ask = _ceil(mid + st.af[a, 0])
    engine = st.engines[m]
    bid_live = ai[LM_BID] != 0 and _resting(engine, ai[LM_BID])
    ask_live = ai[LM_ASK] != 0 and _resting(engine, ai[LM_ASK])
    if target_bid == ai[LM_TARGET_BID] and target_ask == ai[LM_TARGET_ASK] and bid_live and ask_live:
        return
    ai[LM_TARGET_BID] = target_bid
    ai[LM_TARGET_ASK] = target_ask
    ai[LM_GENERATION] += 1
    generation = ai[LM_GENERATION]
    arrival = t if opening else _arrival(st, ai[LM_ORDER_LINK], t)
    owner = ai[A_OWNER]
    old_bid = ai[LM_BID]
    old_ask = ai[LM_ASK]
    if old_bid:
        _send_cancel(st, arrival, m, owner, old_bid)
    if old_ask:
        _send_cancel(st, arrival, m, owner, old_ask)
    ai[LM_BID] = 0
    ai[LM_ASK] = 0
    if target_bid >= 1:
        _send_new(st, arrival, m, owner, BUY, OT_POST_ONLY, target_bid, ai[LM_SIZE], EN_LAG_BID, a, generation)
    _send_new(st, arrival, m, owner, SELL, OT_POST_ONLY, target_ask, ai[LM_SIZE], EN_LAG_ASK, a, generation)


@_helper
def _top_changed(st, a, t, bid, ask):  # type: ignore[no-untyped-def]
    """An observed market's best prices changed: the racers' `_lead_moved`."""
    if bid == NO_BID or ask == NO_ASK:
        return
    mid2 = bid + ask
    ai = st.ai[a]
    if ai[A_KIND] == K_LAGGING:
        _schedule(st, _arrival(st, ai[LM_FEED_LINK], t), a, CB_LM_SEEN, mid2)
    else:
        _schedule(st, _arrival(st, ai[SN_FEED_LINK], t), a, CB_SN_SEEN, mid2)


@_helper
def _sn_shoot(st, a, t, side, price, shown):  # type: ignore[no-untyped-def]
    """`_SniperAgent._shoot` (its ``_last_shot`` dict: rows (side, price, t) in insertion order)."""
    ai = st.ai[a]
    shots = st.aux[ai[A_AUX]]
    n = ai[SN_SHOTS]
    found = -1
    for k in range(n):
        if shots[k, 0] == side and shots[k, 1] == price:
            found = k
            break
    if found >= 0 and t - shots[found, 2] < ai[SN_COOLDOWN]:
        return
    if found >= 0:
        shots[found, 2] = t
    else:
        if n == shots.shape[0]:
            shots = _grown(shots, n)
            st.aux[ai[A_AUX]] = shots
        shots[n, 0] = side
        shots[n, 1] = price
        shots[n, 2] = t
        n += 1
    if n > SN_MAX_SHOTS:
        horizon = t - ai[SN_COOLDOWN]
        kept = 0
        for k in range(n):
            if shots[k, 2] >= horizon:
                shots[kept] = shots[k]
                kept += 1
        n = kept
    ai[SN_SHOTS] = n
    qty = min(ai[SN_SIZE], shown)
    if qty < 1:
        return
    _send_new(st, _arrival(st, ai[SN_ORDER_LINK], t), ai[A_MARKET], ai[A_OWNER], side, OT_IOC, price, qty, 0, -1, 0)


@_helper
def _sn_seen(st, a, t, mid2):  # type: ignore[no-untyped-def]
    ai = st.ai[a]
    engine = st.engines[ai[A_MARKET]]
    threshold2 = st.af[a, 0]
    ask = km.best_ask(engine)
    if ask != NO_ASK and mid2 - 2 * ask >= threshold2:
        _sn_shoot(st, a, t, BUY, ask, km.level_qty(engine, SELL, ask))
        return
    bid = km.best_bid(engine)
    if bid != NO_BID and 2 * bid - mid2 >= threshold2:
        _sn_shoot(st, a, t, SELL, bid, km.level_qty(engine, BUY, bid))


@_helper
def _agent_event(st, t, a, callback, arg):  # type: ignore[no-untyped-def]
    if callback == CB_LP_ARRIVE:
        _lp_arrive(st, a, t)
    elif callback == CB_LP_CANCEL or callback == CB_IF_CANCEL:  # noqa: SIM109 (numba: plain comparisons)
        m = st.ai[a, A_MARKET]
        if _resting(st.engines[m], arg):
            _send_cancel(st, t, m, st.ai[a, A_OWNER], arg)
    elif callback == CB_NT_POISSON:
        rng = _stream(st, a)
        side = BUY if kd.uniform(rng) < st.af[a, 1] else SELL
        _nt_send(st, a, t, side)
        _schedule(st, t + kd.waiting_ns(rng, st.af[a, 0]), a, CB_NT_POISSON, 0)
    elif callback == CB_NT_HAWKES:
        ai = st.ai[a]
        arrivals = st.aux[ai[A_AUX]]
        row = ai[NT_NEXT]
        ai[NT_NEXT] = row + 1
        _nt_send(st, a, t, arrivals[row, 1])
        if row + 1 < arrivals.shape[0]:
            _schedule(st, max(t, ai[NT_T0] + 1 + arrivals[row + 1, 0]), a, CB_NT_HAWKES, 0)
    elif callback == CB_IF_LOOK:
        _if_look(st, a, t)
    elif callback == CB_MF_LOOK:
        _mf_look(st, a, t)
    elif callback == CB_VT_LOOK:
        _vt_look(st, a, t)
    elif callback == CB_QM_CHECK:
        _schedule(st, t + kd.waiting_ns(_stream(st, a), st.af[a, 0]), a, CB_QM_CHECK, 0)
        _qm_requote(st, a, t)
    elif callback == CB_IT_ARRIVE:
        _it_arrive(st, a, t)
    elif callback == CB_IT_REACT:
        _it_react(st, a, t)
    elif callback == CB_LM_SEEN:
        _lm_quote(st, a, t, arg, False)
    else:
        _sn_seen(st, a, t, arg)


# =============================================================================================================
# Entry points
# =============================================================================================================
@_helper
def _observe(st, observed, a):  # type: ignore[no-untyped-def]
    """`_Market.observe_top`: participant ``a`` starts watching market ``observed``'s best prices (the next row of
    ``observers``, which lists them in the order they start)."""
    row = st.reg[RG_N_OBSERVERS]
    if st.observers[row, 0] != observed or st.observers[row, 1] != a:
        raise ValueError("observers registered out of order")
    st.reg[RG_N_OBSERVERS] = row + 1
    mk = st.mk[observed]
    if not mk[MK_OBSERVED]:
        engine = st.engines[observed]
        mk[MK_TOP_BID] = km.best_bid(engine)
        mk[MK_TOP_ASK] = km.best_ask(engine)
        mk[MK_OBSERVED] = 1


@_helper
def _start(st, t0, end):  # type: ignore[no-untyped-def]
    """`SimulatedVenue.start`: every participant's ``start`` in order, the opening book executed at once."""
    st.reg[RG_OPENING] = 1
    for a in range(st.ai.shape[0]):
        ai = st.ai[a]
        af = st.af[a]
        kind = ai[A_KIND]
        rng = _stream(st, a)
        if kind == K_LP:
            if ai[LP_SEED_BOOK]:
                for side in (BUY, SELL):
                    for _ in range(kd.poisson(rng, af[0] * af[3])):
                        _lp_place(st, a, t0, side)
            _schedule(st, t0 + kd.waiting_ns(rng, 2.0 * af[0]), a, CB_LP_ARRIVE, 0)
        elif kind == K_NOISE:
            if ai[NT_HAWKES] == 0:
                _schedule(st, t0 + kd.waiting_ns(rng, af[0]), a, CB_NT_POISSON, 0)
            else:
                ai[NT_T0] = t0
                arrivals = st.aux[ai[A_AUX]]
                if arrivals.shape[0] > 0:
                    _schedule(st, t0 + 1 + arrivals[0, 0], a, CB_NT_HAWKES, 0)
        elif kind == K_IMBALANCE:
            _schedule(st, t0 + kd.waiting_ns(rng, af[0]), a, CB_IF_LOOK, 0)
        elif kind == K_MOMENTUM:
            _schedule(st, t0 + kd.waiting_ns(rng, af[0]), a, CB_MF_LOOK, 0)
        elif kind == K_VALUE:
            _schedule(st, t0 + kd.waiting_ns(rng, af[0]), a, CB_VT_LOOK, 0)
        elif kind == K_QM:
            _qm_requote(st, a, t0)
            _schedule(st, t0 + kd.waiting_ns(rng, af[0]), a, CB_QM_CHECK, 0)
        elif kind == K_INFORMED:
            _schedule(st, t0 + kd.waiting_ns(rng, af[0]), a, CB_IT_ARRIVE, 0)
            if af[3] > 0:
                _schedule(st, _next_fair_change(st, ai[A_MARKET], t0), a, CB_IT_REACT, 0)
        elif kind == K_LAGGING:
            _observe(st, ai[LM_LEAD], a)
            fair2 = int(np.rint(2.0 * _fair(st, ai[A_MARKET], t0)))
            _lm_quote(st, a, t0, fair2, True)
        else:
            _observe(st, ai[SN_LEAD], a)
    st.reg[RG_OPENING] = 0


@_entry
def strategy_message(st, now, m, op, side, order_type, price, qty, order_id):  # type: ignore[no-untyped-def]
    """`SimulatedVenue._send_strategy`: a strategy request leaves at ``now`` for market ``m``'s gateway."""
    slot = _new_message(st, op, STRATEGY_OWNER, side, order_type, price, qty, order_id, m, EN_NONE, -1, 0)
    _push(st, _arrival(st, st.gw[st.mk[m, MK_GATEWAY], G_ENTRY], now), E_ARRIVE, slot, 0, 0)


@_helper
def _run(st, bound):  # type: ignore[no-untyped-def]
    """The loop of `SimulatedVenue.advance`: every event at or before ``min(limit, bound)``, in (time, order).
    Returns the time of the next event (-1: none is left)."""
    reg = st.reg
    event = np.zeros(H_SIZE, dtype=np.int64)
    while reg[RG_HEAP] > 0:
        stop = reg[RG_LIMIT] if reg[RG_LIMIT] < bound else bound
        if st.heap[0, H_T] > stop:
            break
        _pop(st, event)
        t = event[H_T]
        reg[RG_NOW] = t
        kind = event[H_KIND]
        if kind == E_AGENT:
            _agent_event(st, t, event[H_A], event[H_B], event[H_C])
        elif kind == E_ARRIVE:
            _arrive(st, t, event[H_A])
        elif kind == E_EXECUTE:
            _execute(st, t, event[H_A])
        elif kind == E_FEED:
            _deliver_feed(st, t, event[H_A], event[H_B])
        else:
            _deliver_reports(st, t, event[H_A], event[H_B])
    return st.heap[0, H_T] if reg[RG_HEAP] > 0 else -1


@_entry
def _drive(st, starting, a, b):  # type: ignore[no-untyped-def]
    """`start` (``starting``: t0 = ``a``, end = ``b``) or `run` (bound = ``a``), in one compiled entry: each entry
    compiles the whole handler graph, so one entry for both halves the first use's compile time."""
    if starting:
        _start(st, a, b)
        return -1
    return _run(st, a)


def start(st: SimState, t0: int, end: int) -> None:
    """`SimulatedVenue.start`: every participant's ``start`` in order, the opening book executed at once."""
    _drive(st, True, t0, end)


def run(st: SimState, bound: int) -> int:
    """The loop of `SimulatedVenue.advance`: every event at or before ``min(limit, bound)``, in (time, order).
    Returns the time of the next event (-1: none is left)."""
    return int(_drive(st, False, bound, 0))


@_entry
def tables(st):  # type: ignore[no-untyped-def]
    """The state's fixed tables, shared with the caller: ``reg``, ``mk``, ``gw``, ``stats``, ``tgf`` (the kernel
    never replaces them)."""
    return st.reg, st.mk, st.gw, st.stats, st.tgf


@_entry
def outputs(st):  # type: ignore[no-untyped-def]
    """The output buffers as they are now (the kernel replaces them when they grow): ``out_rep``, ``out_trd``,
    ``tape``."""
    return st.out_rep, st.out_trd, st.tape


@_entry
def set_fair(st, fair):  # type: ignore[no-untyped-def]
    """Hand the kernel a new window of fair values (ticks; ``mk``'s ``MK_FAIR_FIRST``/``MK_FAIR_SIZE`` place it)."""
    st.fair = fair


@_entry
def view_top(st, m):  # type: ignore[no-untyped-def]
    """The strategy's view of market ``m``'s best levels: bid, bid qty, ask, ask qty (qty -1: an empty side)."""
    bid, bid_qty = _view_best(st, m, BUY)
    ask, ask_qty = _view_best(st, m, SELL)
    return bid, bid_qty, ask, ask_qty


@_entry
def view_depth(st, m, side, out_price, out_qty):  # type: ignore[no-untyped-def]
    """The strategy's view of one side, best first, into the buffers; returns how many levels."""
    levels = st.views[2 * m + (0 if side == BUY else 1)]
    n = min(st.mk[m, MK_VIEW_BIDS if side == BUY else MK_VIEW_ASKS], len(out_price))
    for k in range(n):
        out_price[k] = levels[k, 0]
        out_qty[k] = levels[k, 1]
    return n


# the entries compile in the code of the engines and draws, and the constants the draws read: an edit of any of
# those files recompiles them
key_on_sources(__name__, km, kd, _latency, _participants)
