"""The compiled strategy path on the replay venue: a numba hook called at each decision inside compiled code.

`drive` runs the engine's decision loop (`hft_core.engine.loop.Engine._loop`) for a strategy whose decisions are a
numba function (`hft_core.compiled`): it advances the replay kernel (`_kernel.run`) to the strategy's next timer
tick or the first trigger that fires, settles the reports that came back into the engine's blotter arrays with the
engine's own compiled settlement (`hft_core.engine._settle.settle`), and calls the hook, whose orders and cancels are
written straight into the blotter and the kernel's request ring. Python runs only where the Python engine's loop
would do something a compiled hook cannot: an equity sample, the end of the run, and the kernel's services (more
data, more room), which `CompiledDriver` performs with the venue's and the blotter's own code before calling
`drive` again. The sequence of advances, settlements and hook calls is the Python loop's, turn for turn, so a hook
and a Python strategy with the same logic send the same orders at the same times (tests/test_compiled_strategy.py).

`drive` is compiled for each hook (numba specialises it on the hook's type). numba cannot cache a function that
takes another as an argument, so `_hookcache` generates, per hook, a module whose cached ``entry`` calls `drive` with
the hook as a global, keyed on every file and constant compiled into it; a hook that cannot be imported by name is
compiled in the process (about 6 s for `drive`, 1-2 s per helper the hook calls; the replay kernel comes from its
own cache and is linked in).
"""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from numba import njit
from numba.core.errors import NumbaExperimentalFeatureWarning

from hft_core.engine import _settle as s
from hft_core.errors import HftError
from hft_core.venues.replay import _kernel as k

if TYPE_CHECKING:
    from hft_core.engine.blotter import Blotter
    from hft_core.venues.replay.venue import ReplayVenue

__all__ = ["CompiledDriver", "free_slots"]

log = logging.getLogger(__name__)

_jit: Any = njit

# -- the driver's state (``cs``) ----------------------------------------------------------------------------------
C_PHASE = 0
"""Where `drive` resumes: P_RUN, P_SETTLE or P_DECIDE."""
C_UNTIL = 1
"""The engine's bound for this call: its next equity sample, the end of the run (local ns)."""
C_TIMER_NS = 2
"""The strategy's timer interval (ns), 0 without a timer."""
C_NEXT_TIMER = 3
"""The next timer tick (ns), ``FOREVER`` without a timer."""
C_ENTRY_NS = 4
"""The order entry latency (ns; the venue's constant latency)."""
C_LAST_ARRIVAL = 5
"""The arrival time of the latest request sent (requests keep their order)."""
C_BUDGET = 6
"""Requests the hook may still send in this call (`ROOM` per call)."""
C_OVERFLOW = 7
"""1 when the hook tried to send more than `ROOM` requests in one call."""
C_MARK_BASE = 8
"""Mark rows the blotter already holds (`Blotter.mark_count`) when `drive` was called."""
C_MARKS = 9
"""Mark rows written to ``marks`` by this call and not yet handed to the blotter."""
C_SETTLE_STATUS = 10
"""Why the last in-kernel settlement stopped (`_settle`'s status), with R_SETTLE."""
C_SETTLE_FILLS = 11
"""1 when that stopped settlement had booked fills before it stopped (their mark row is owed)."""
C_DECISIONS = 12
"""Hook calls so far."""
C_SLOTS_KNOWN = 13
"""Free order slots of the kernel known to exist (the free list only grows between the hook's orders): `_room`
walks the list only when this falls short."""
C_SIZE = 16

P_RUN = 0
P_SETTLE = 1
P_DECIDE = 2

# -- what `drive` returns besides the kernel's service statuses (`_kernel.NEED_*`, ``OUTPUT_FULL``, ...) -----------
R_UNTIL = 100
"""The clock reached ``C_UNTIL``: the engine samples, checks its bounds, and calls again."""
R_FINISHED = 101
"""The data ended (the hooks of the last turn have run)."""
R_ROOM = 102
"""Too little room for the next hook calls' requests (orders table, order slots, request ring, fills): grow."""
R_SETTLE = 103
"""The settlement stopped at a row (``C_SETTLE_STATUS``, ``bs[SB_AT]``): the Python settlement takes it over."""
R_OVERFLOW = 104
"""The hook sent more than `ROOM` requests in one call."""
R_MARKS = 105
"""The marks buffer is full: hand its rows to the blotter."""

ROOM = 64
"""Requests (orders and cancels) one hook call may send; `CompiledDriver` keeps room for them before each call."""

EVENT_TIMER = 1
EVENT_TRIGGER = 2

FOREVER = 2**62

# -- the hook's handle: a tuple of arrays, its fields at these indices (`hft_core.compiled` reads them) ------------
H_CS = 0
H_USER = 1
H_ST = 2
H_LEVELS = 3
H_BMETA = 4
H_ORD = 5
H_REQ = 6
H_INST = 7
H_ORDERS = 8
H_INST_I = 9
H_OPEN = 10
H_BS = 11
H_OSLOT = 12

_MARK_ROWS = 256


@_jit(_nrt=False)
def free_slots(st, ord_i, want):  # type: ignore[no-untyped-def]
    """Free order slots of the kernel, counted up to ``want``."""
    n = 0
    slot = st[k.S_FREE_SLOT]
    while slot >= 0 and n < want:
        n += 1
        slot = ord_i[slot, k.O_NEXT_FREE]
    return n


@_jit(_nrt=False)
def _room(cs, st, ord_i, req, orders, fills_i, bs, oslot, calls):  # type: ignore[no-untyped-def]
    """Room for ``calls`` hook calls' requests, and for a full report output's fills."""
    want = calls * ROOM
    if orders.shape[0] - bs[s.SB_ORDERS] < want or oslot.shape[0] < orders.shape[0]:
        return False
    if req.shape[0] - st[k.S_REQ_COUNT] < want:
        return False
    if fills_i.shape[0] - bs[s.SB_FILLS] < want:
        return False
    if cs[C_SLOTS_KNOWN] < want:
        cs[C_SLOTS_KNOWN] = free_slots(st, ord_i, 8 * want)  # (counted well past the need: walked now and then)
    return cs[C_SLOTS_KNOWN] >= want


@_jit(_nrt=False)
def _mark(cs, marks, last_mid, bmeta, n):  # type: ignore[no-untyped-def]
    """The engine's `_mids_for_fills`: each instrument's mid (ticks) in the strategy's view, or its last one."""
    row = cs[C_MARKS]
    for i in range(n):
        bid = bmeta[k.LOCAL_BOOK, i, k.M_BEST_BID]
        ask = bmeta[k.LOCAL_BOOK, i, k.M_BEST_ASK]
        if bid != k.NO_BID and ask != k.NO_ASK:
            last_mid[i] = (bid + ask) * 0.5
        marks[row, i] = last_mid[i]
    cs[C_MARKS] = row + 1


@_jit(_nrt=False)
def drive(  # type: ignore[no-untyped-def]
    hook,
    cs,
    user,
    marks,
    last_mid,
    oslot,
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
    orders,
    inst_i,
    inst_f,
    open_ids,
    fills_i,
    fills_f,
    bs,
):
    """Run turns of the engine's loop (advance, settle, hooks) until ``cs[C_UNTIL]``, the end of the data, or a
    service only Python can give; returns R_* or the kernel's service status (see the module doc)."""
    n = st[k.S_N_INST]
    handle = (cs, user, st, levels, bmeta, ord_i, req, inst, orders, inst_i, open_ids, bs, oslot)
    while True:
        phase = cs[C_PHASE]
        if phase == P_RUN:
            until = cs[C_UNTIL]
            if cs[C_NEXT_TIMER] < until:
                until = cs[C_NEXT_TIMER]
            if until < st[k.S_NOW]:
                until = st[k.S_NOW]
            st[k.S_UNTIL] = until
            st[k.S_BOOK_FROM] = 0
            st[k.S_FRESH] = 1
            cs[C_PHASE] = P_SETTLE
            status = k.run(
                buf, st, fp, levels, bmeta, ord_i, ord_f, active, req, rep, out_rep, out_trd, inst, lat, hkeys,
                hvals, l3, l3_free,
            )  # fmt: skip
            if status != k.DONE:
                return status
        elif phase == P_SETTLE:
            count = st[k.S_OUT_REPORTS]
            if count:
                if cs[C_MARKS] >= marks.shape[0]:
                    return R_MARKS
                bs[s.SB_BATCH] = cs[C_MARK_BASE] + cs[C_MARKS]
                fills_before = bs[s.SB_FILLS]
                status = s.settle(out_rep, 0, count, orders, inst_i, inst_f, open_ids, fills_i, fills_f, bs)
                if status != s.DONE:
                    cs[C_SETTLE_STATUS] = status
                    cs[C_SETTLE_FILLS] = 1 if bs[s.SB_FILLS] != fills_before else 0
                    return R_SETTLE
                if bs[s.SB_FILLS] != fills_before:
                    _mark(cs, marks, last_mid, bmeta, n)
                st[k.S_OUT_REPORTS] = 0
            st[k.S_OUT_TRADES] = 0  # (nothing watches trades: the kernel writes none)
            cs[C_PHASE] = P_DECIDE
        else:
            now = st[k.S_NOW]
            calls = 1 if cs[C_TIMER_NS] > 0 and now >= cs[C_NEXT_TIMER] else 0
            for i in range(n):
                if inst[i, k.I_FIRED] != 0:
                    calls += 1
            if calls and not _room(cs, st, ord_i, req, orders, fills_i, bs, oslot, calls):
                return R_ROOM
            for i in range(n):
                bits = inst[i, k.I_FIRED]
                if bits != 0:
                    inst[i, k.I_FIRED] = 0
                    cs[C_BUDGET] = ROOM
                    cs[C_DECISIONS] += 1
                    hook(handle, EVENT_TRIGGER, i, bits)
                    if cs[C_OVERFLOW] != 0:
                        return R_OVERFLOW
            if cs[C_TIMER_NS] > 0 and now >= cs[C_NEXT_TIMER]:
                cs[C_BUDGET] = ROOM
                cs[C_DECISIONS] += 1
                hook(handle, EVENT_TIMER, -1, 0)
                if cs[C_OVERFLOW] != 0:
                    return R_OVERFLOW
                missed = (now - cs[C_NEXT_TIMER]) // cs[C_TIMER_NS]
                cs[C_NEXT_TIMER] += cs[C_TIMER_NS] * (missed + 1)
            cs[C_PHASE] = P_RUN
            if st[k.S_FINISHED] != 0:
                return R_FINISHED
            if now >= cs[C_UNTIL]:
                return R_UNTIL


# -- what the hook's helpers do (`hft_core.compiled` wraps these) -------------------------------------------------
# (kernel helpers: `hft_core.compiled` calls them with constants, and each compiles once, not once per constant)
@k._helper
def request(h, kind, slot, order_id, instrument, price, qty):  # type: ignore[no-untyped-def]
    """Queue a request in the kernel's ring, arriving after the entry latency, never before the previous one (the
    venue's `_send` with a constant latency); False when the hook's budget for this call is spent."""
    cs = h[H_CS]
    if cs[C_BUDGET] <= 0:
        cs[C_OVERFLOW] = 1
        return False
    cs[C_BUDGET] -= 1
    st = h[H_ST]
    req = h[H_REQ]
    arrival = st[k.S_NOW] + cs[C_ENTRY_NS]
    if arrival < cs[C_LAST_ARRIVAL]:
        arrival = cs[C_LAST_ARRIVAL]
    cs[C_LAST_ARRIVAL] = arrival
    count = st[k.S_REQ_COUNT]
    row = (st[k.S_REQ_HEAD] + count) % req.shape[0]
    req[row, k.RQ_ARRIVAL] = arrival
    req[row, k.RQ_KIND] = kind
    req[row, k.RQ_SLOT] = slot
    req[row, k.RQ_ID] = order_id
    req[row, k.RQ_INST] = instrument
    req[row, k.RQ_PRICE] = price
    req[row, k.RQ_QTY] = qty
    st[k.S_REQ_COUNT] = count + 1
    return True


@k._helper
def submit(h, instrument, side, order_type, price, lots):  # type: ignore[no-untyped-def]
    """`Engine.send` without a risk gate (`Blotter.add_open`) and `ReplayVenue.submit`; the order's id, or -1."""
    st = h[H_ST]
    if not (0 <= instrument < st[k.S_N_INST]) or not (0 < lots < FOREVER):
        return -1
    if order_type == k.OT_MARKET:
        price = 0
    elif not (0 < price < FOREVER):
        return -1
    cs = h[H_CS]
    if cs[C_BUDGET] <= 0:
        cs[C_OVERFLOW] = 1
        return -1
    orders = h[H_ORDERS]
    inst_i = h[H_INST_I]
    open_ids = h[H_OPEN]
    bs = h[H_BS]
    ord_i = h[H_ORD]
    # the blotter's row (room is kept by the driver)
    row = bs[s.SB_ORDERS]
    order_id = row + 1
    if side > 0:
        inst_i[instrument, s.SI_OPEN_BUY] += lots
    else:
        inst_i[instrument, s.SI_OPEN_SELL] += lots
    at = bs[s.SB_OPEN]
    open_ids[at] = order_id
    bs[s.SB_OPEN] = at + 1
    bs[s.SB_RISK_OPEN] += 1
    orders[row, s.SO_TS] = st[k.S_NOW]
    orders[row, s.SO_DONE_TS] = -1
    orders[row, s.SO_INST] = instrument
    orders[row, s.SO_SIDE] = side
    orders[row, s.SO_TYPE] = order_type
    orders[row, s.SO_PRICE] = price
    orders[row, s.SO_QTY] = lots
    orders[row, s.SO_FILLED] = 0
    orders[row, s.SO_STATUS] = s.SS_SENT
    orders[row, s.SO_REASON] = 0
    orders[row, s.SO_RISK_LEAVES] = lots
    orders[row, s.SO_OPEN_AT] = at
    orders[row, s.SO_MODIFYING] = 0
    bs[s.SB_ORDERS] = order_id
    # the venue's order slot
    cs[C_SLOTS_KNOWN] -= 1
    slot = st[k.S_FREE_SLOT]
    st[k.S_FREE_SLOT] = ord_i[slot, k.O_NEXT_FREE]
    ord_i[slot, k.O_ID] = order_id
    ord_i[slot, k.O_INST] = instrument
    ord_i[slot, k.O_SIDE] = side
    ord_i[slot, k.O_PRICE] = price
    ord_i[slot, k.O_LEAVES] = lots
    ord_i[slot, k.O_TYPE] = order_type
    ord_i[slot, k.O_STATE] = k.ST_IN_FLIGHT
    ord_i[slot, k.O_SEQ] = 0
    ord_i[slot, k.O_ACK_TS] = k.NONE
    ord_i[slot, k.O_NEXT_FREE] = -1
    h[H_OSLOT][row] = slot
    request(h, k.REQ_SUBMIT, slot, order_id, instrument, price, lots)
    return order_id


@k._helper
def cancel(h, order_id):  # type: ignore[no-untyped-def]
    """`Engine.cancel`: a cancel request for an order the blotter has open; False when it has not."""
    orders = h[H_ORDERS]
    row = order_id - 1
    if not (0 <= row < h[H_BS][s.SB_ORDERS]) or orders[row, s.SO_OPEN_AT] < 0:
        return False
    return request(h, k.REQ_CANCEL, h[H_OSLOT][row], order_id, orders[row, s.SO_INST], 0, 0)


@k._helper
def order_status(h, order_id):  # type: ignore[no-untyped-def]
    """`Engine.order_status` as a code (`_settle.SS_*`, -1 for an unknown id): "sent" becomes "accepted" once the
    acknowledgement the venue left out would have come back (`ReplayVenue.acknowledged`)."""
    row = order_id - 1
    if not (0 <= row < h[H_BS][s.SB_ORDERS]):
        return -1
    status = h[H_ORDERS][row, s.SO_STATUS]
    if status == s.SS_SENT:
        slot = h[H_OSLOT][row]
        ord_i = h[H_ORD]
        if slot >= 0 and ord_i[slot, k.O_ID] == order_id and ord_i[slot, k.O_STATE] != k.ST_FREE:
            ack = ord_i[slot, k.O_ACK_TS]
            if ack != k.NONE and ack <= h[H_ST][k.S_NOW]:
                return s.SS_ACCEPTED
    return status


class CompiledDriver:
    """Runs ``hook`` as the decisions of the engine's strategy on ``venue``, booking into ``blotter`` (see the
    module doc). Created by `ReplayVenue.compiled_driver` for the engine."""

    def __init__(
        self,
        venue: ReplayVenue,
        blotter: Blotter,
        hook: Any,
        user: npt.NDArray[np.float64],
        timer_ns: int | None,
        next_timer: int,
        entry_ns: int,
    ) -> None:
        self._venue = venue
        self._blotter = blotter
        self._hook = hook
        self._user = user
        cs = np.zeros(C_SIZE, dtype=np.int64)
        cs[C_PHASE] = P_RUN
        cs[C_TIMER_NS] = 0 if timer_ns is None else timer_ns
        cs[C_NEXT_TIMER] = FOREVER if timer_ns is None else next_timer
        cs[C_ENTRY_NS] = entry_ns
        self._cs = cs
        self._marks = np.zeros((_MARK_ROWS, len(venue.instruments)), dtype=np.float64)
        self._last_mid = np.zeros(len(venue.instruments), dtype=np.float64)
        self._oslot = np.full(len(blotter.orders), -1, dtype=np.int64)
        self._entry: Any = None
        """`drive`'s machine code for these argument types (`ReplayVenue._compiled_entry`'s shortcut)."""
        self.cached = False
        """Whether `drive` runs from the hook cache's entry (`_hookcache.entry_for`), known after the first call."""
        self.not_cached = ""
        """Why it does not, when it does not."""

    def _compile(self, args: tuple[Any, ...]) -> Any:
        """`drive`'s machine code for the types of ``args`` (`drive`'s arguments after the hook) and this hook: the
        cached entry's (`_hookcache`), else compiled here. Every array keeps its type when grown or replaced, so it
        is looked up once."""
        from hft_core.venues.replay import _hookcache

        entry, self.not_cached = _hookcache.entry_for(self._hook)
        self.cached = entry is not None
        if entry is None:
            log.debug("the compiled strategy's driver compiles in this process: %s", self.not_cached)
            with_hook = (self._hook, *args)
            return drive.compile(tuple(drive.typeof_pyval(a) for a in with_hook))
        with warnings.catch_warnings():
            # (numba warns when typing a call whose first argument is a function: `drive`'s, typed as in the uncached
            # path)
            warnings.simplefilter("ignore", NumbaExperimentalFeatureWarning)
            return entry.compile(tuple(entry.typeof_pyval(a) for a in args))

    @property
    def decisions(self) -> int:
        """Hook calls so far."""
        return int(self._cs[C_DECISIONS])

    @property
    def now(self) -> int:
        """The strategy's local time (ns)."""
        return int(self._venue._st[k.S_NOW])

    @property
    def next_timer(self) -> int:
        return int(self._cs[C_NEXT_TIMER])

    def run(
        self,
        until: int,
        last_mid: list[float],
        settle: Any,
        refused: Any,
        mids: Any,
    ) -> bool:
        """Turns of the engine's loop until local time ``until`` or the end of the data (True then).

        ``last_mid`` is the engine's list of last mids (read and written back); ``settle(rows)`` settles report
        rows in Python (the engine's quiet settlement), ``refused(row)`` and ``mids()`` are the engine's callbacks
        for a settlement the kernel hands over."""
        venue = self._venue
        blotter = self._blotter
        cs = self._cs
        cs[C_UNTIL] = until
        cs[C_LAST_ARRIVAL] = venue._last_arrival
        self._last_mid[:] = last_mid
        self._learn_python_orders()
        try:
            while True:
                cs[C_MARK_BASE] = blotter.mark_count
                args = (
                    cs,
                    self._user,
                    self._marks,
                    self._last_mid,
                    self._oslot,
                    *venue._kernel_arrays(),
                    blotter.orders,
                    blotter.inst_i,
                    blotter.inst_f,
                    blotter.open_ids,
                    blotter.fills_i,
                    blotter.fills_f,
                    blotter.state,
                )
                if self._entry is None:
                    self._entry = self._compile(args)
                status = int(self._entry(*args) if self.cached else self._entry(self._hook, *args))
                del args  # (the blotter's tables grow in place only when nothing else holds them)
                self._hand_over_marks()
                if status in (R_UNTIL, R_FINISHED):
                    return status == R_FINISHED
                if status == R_ROOM:
                    self._grow()
                elif status == R_MARKS:
                    pass  # (handed over above)
                elif status == R_SETTLE:
                    self._take_over_settlement(settle, refused, mids)
                elif status == R_OVERFLOW:
                    raise HftError(
                        f"a compiled hook sent more than {ROOM} requests (orders and cancels) in one call; "
                        "send fewer per decision"
                    )
                else:
                    rows = venue._serve_rows(status)
                    if rows is not None:
                        last_mid[:] = self._last_mid.tolist()
                        settle(rows)
                        self._last_mid[:] = last_mid
        finally:
            venue._after_compiled(int(cs[C_LAST_ARRIVAL]))
            last_mid[:] = self._last_mid.tolist()

    def close(self) -> None:
        """The run is over (or stopped): the venue's Python side learns of the hook's orders (`on_stop` may cancel,
        the engine asks about acknowledgements)."""
        self._venue._forget_finished()

    def _learn_python_orders(self) -> None:
        """Slots of the orders Python sent (`on_start` may trade), for the hook's `order_status` and cancels."""
        oslot = self._oslot
        if len(oslot) < len(self._blotter.orders):
            self._oslot = oslot = np.concatenate([oslot, np.full(len(self._blotter.orders) - len(oslot), -1)])
        for order_id, slot in self._venue._live.items():
            if 0 < order_id <= len(oslot) and oslot[order_id - 1] < 0:
                oslot[order_id - 1] = slot

    def _hand_over_marks(self) -> None:
        cs = self._cs
        count = int(cs[C_MARKS])
        if count:
            self._blotter.add_marks(self._marks[:count])
            cs[C_MARKS] = 0

    def _grow(self) -> None:
        """Room for the next hook calls: at least `ROOM` requests each, for every instrument and the timer."""
        want = (len(self._venue.instruments) + 1) * ROOM
        blotter = self._blotter
        while len(blotter.orders) - len(blotter) < want:
            blotter._grow_orders()
        while len(blotter.fills_i) - blotter.fill_count < want:
            blotter._grow_fills()
        self._learn_python_orders()
        self._venue._reserve_requests(want)
        self._cs[C_SLOTS_KNOWN] = 0  # (counted again by the next `_room`)

    def _take_over_settlement(self, settle: Any, refused: Any, mids: Any) -> None:
        """The settlement of the last advance's reports stopped at a row (a refused modify, room for fills, an
        inconsistency): the blotter's own `settle` goes on from that row, and raises what it raises."""
        cs = self._cs
        venue = self._venue
        blotter = self._blotter
        rows = venue._out_rep[: venue._st[k.S_OUT_REPORTS]].copy()
        at = int(blotter.state[s.SB_AT])
        if cs[C_SETTLE_FILLS]:
            blotter.add_mark(mids())  # (the fills booked before the stop: their batch's mark)
        if cs[C_SETTLE_STATUS] == s.REFUSED:
            refused(rows[at - 1].tolist())
        if cs[C_SETTLE_STATUS] == s.FILLS_FULL:
            blotter._grow_fills()
        venue._st[k.S_OUT_REPORTS] = 0
        cs[C_PHASE] = P_DECIDE
        blotter.settle(rows, mids, refused, at, len(rows))
