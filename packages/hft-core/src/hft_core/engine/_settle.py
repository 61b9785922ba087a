"""The engine's compiled bookkeeping: a batch of order reports settled into the blotter's arrays in one call.

This is the settlement every fill of every run goes through. `settle` does per report what a risk gate's open-order
bookkeeping, a ledger and an order journal would each do: the order's status, filled and done time; its open lots
and the instrument's open exposure; the position, the cash flow and the fees; and a row of the fills table. A
quoting backtest settles tens of thousands of reports, and in Python that was the largest share of the engine's own
time. `fill_pnls` fills the fills table's PnL column afterwards, replaying the same sums with the mids the engine
saw when it booked each batch.

All state lives in the arrays of `hft_core.engine.blotter.Blotter`; the constants below are that layout. Integers
in ticks, lots and tick·lots, fees in floats. `hft_core.engine._reference` is the plain-Python reference
implementation (`ReferenceLedger`, `ReferenceRiskGate`, `ReferenceSettlement`), with the same operations in the same
order: the tests settle random report streams both ways and require bit-equal results. An amount that would leave
64 bits stops the call with `OVERFLOW` instead of wrapping.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

__all__ = ["fill_pnls", "settle"]

_jit: Any = njit
_entry = _jit(cache=True, _nrt=False)


# -- venue order statuses, as plain ints the compiled code folds in ---------------------------------------------
V_ACCEPTED = 1
V_REJECTED = 2
V_CANCELLED = 3
V_PARTIALLY_FILLED = 4
V_FILLED = 5
V_EXPIRED = 6
V_MODIFIED = 7

# -- order table columns (one row per order; row = order id - 1) -----------------------------------------------
SO_TS = 0
SO_DONE_TS = 1
"""When the order reached its final state; -1 while open."""
SO_INST = 2
SO_SIDE = 3
SO_TYPE = 4
SO_PRICE = 5
"""Ticks as sent (0 for a market order), then as the venue last modified it."""
SO_QTY = 6
"""Lots: filled + open, as the venue has it."""
SO_FILLED = 7
SO_STATUS = 8
SO_REASON = 9
"""The venue's `OrderReason` code for the final state, or REASON_TEXT when the engine wrote one itself."""
SO_RISK_LEAVES = 10
"""Lots the risk gate counts as open; 0 when not open. The venue's open quantity, except while modifies are in
flight: a modify's increase counts at once, its decrease only when the venue confirms it (never fewer lots than
could still fill). When the venue answers the last modify in flight (modified or refused) it is set to the venue's
open quantity, so the engine's view is the venue's again."""
SO_OPEN_AT = 11
"""Index in the open-order list, or -1."""
SO_MODIFYING = 12
"""Modifies sent to the venue and not yet answered."""
SO_SIZE = 13

REASON_TEXT = -1

# A report row of the venue protocol (`hft_core.venues.base.P_*`), and above the order statuses, restated as
# numbers: numba freezes the constants a kernel reads into its cached machine code, and its cache notices edits of
# this file only (tests/test_kernel_constants.py holds the copies true).
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

# -- the engine's order statuses (the orders table's names, in code order: `STATUS_NAMES`) -----------------------
SS_PENDING = 0
SS_SENT = 1
SS_ACCEPTED = 2
SS_PARTIAL = 3
SS_FILLED = 4
SS_CANCELLED = 5
SS_EXPIRED = 6
SS_REJECTED = 7
STATUS_NAMES = ("pending", "sent", "accepted", "partially-filled", "filled", "cancelled", "expired", "rejected")

# -- per instrument, integers ----------------------------------------------------------------------------------
SI_POSITION = 0
SI_OPEN_BUY = 1
SI_OPEN_SELL = 2
SI_CASH = 3
"""Σ −side × price × lots over fills, tick·lots."""
SI_LAST_PRICE = 4
"""The last fill's price (NONE before the first)."""
SI_SIZE = 5

# -- per instrument, floats ------------------------------------------------------------------------------------
SF_MAKER_FEES = 0
SF_TAKER_FEES = 1
SF_MAKER_RATE = 2
SF_TAKER_RATE = 3
SF_TICK = 4
SF_LOT = 5
SF_MULTIPLIER = 6
SF_VALUE = 7
"""Tick size × lot size × multiplier: one tick·lot in quote currency."""
SF_SIZE = 8

# -- fill rows ---------------------------------------------------------------------------------------------------
SL_TS = 0
SL_INST = 1
SL_ID = 2
SL_SIDE = 3
SL_PRICE = 4
SL_QTY = 5
SL_MAKER = 6
SL_POSITION = 7
"""The position right after this fill."""
SL_BATCH = 8
"""The settle call that booked it: its mids are the batch's row of marks."""
SL_SIZE = 9

# -- blotter state -----------------------------------------------------------------------------------------------
SB_ORDERS = 0
SB_OPEN = 1
"""Length of the open-order list."""
SB_RISK_OPEN = 2
"""Orders the risk gate counts as open (for ``max_open_orders``)."""
SB_FILLS = 3
SB_BATCH = 4
SB_AT = 5
"""The report row `settle` stopped at (the next to settle)."""
SB_OUTCOME = 6
"""What the last settled row did (OUT_*)."""
SB_SIZE = 7

NONE = -(2**62)
_LIMIT = 2**62

# -- what `settle` returns ---------------------------------------------------------------------------------------
DONE = 0
FILLS_FULL = 1
"""No room for another fill row: grow the fills arrays and call again from ``SB_AT``."""
REFUSED = 2
"""Row ``SB_AT`` - 1 was a refused modify (settled); the caller logs it, then calls again from ``SB_AT``."""
UNKNOWN_FILL = 3
"""Row ``SB_AT`` fills an order the risk gate does not count as open."""
OVERFILL = 4
"""Row ``SB_AT`` fills more than the order has open."""
UNKNOWN_SYNC = 5
"""Row ``SB_AT`` refuses a modify of an order the risk gate does not count as open."""
OVERFLOW = 6
"""Row ``SB_AT`` takes a position or cash flow beyond 2^62."""
BAD_SIDE = 7
"""Row ``SB_AT`` is a fill whose side is neither BUY (1) nor SELL (-1)."""

# -- what a row did (``SB_OUTCOME``) ------------------------------------------------------------------------------
OUT_SKIPPED = 0
"""Unknown order, or a late reply about a finished one."""
OUT_FILL = 1
OUT_UPDATE = 2
OUT_REFUSED = 3


@_entry
def settle(rows, start, stop, orders, inst_i, inst_f, open_ids, fills_i, fills_f, bs):  # type: ignore[no-untyped-def]
    """Settle report rows ``start``..``stop``; returns DONE or why it stopped (at ``bs[SB_AT]``)."""
    known = bs[SB_ORDERS]
    for r in range(start, stop):
        bs[SB_AT] = r
        oid = rows[r, P_ID]
        row = oid - 1
        fill_qty = rows[r, P_FILL_QTY]
        if not (0 <= row < known) or (orders[row, SO_DONE_TS] >= 0 and fill_qty == 0):
            bs[SB_OUTCOME] = OUT_SKIPPED
            continue
        status = rows[r, P_STATUS]
        leaves = rows[r, P_LEAVES]
        if fill_qty > 0:
            n = bs[SB_FILLS]
            if n == fills_i.shape[0]:
                return FILLS_FULL
            risk_leaves = orders[row, SO_RISK_LEAVES]
            if risk_leaves <= 0:
                return UNKNOWN_FILL
            if fill_qty > risk_leaves:
                return OVERFILL
            i = rows[r, P_INST]
            side = rows[r, P_SIDE]
            if side != 1 and side != -1:
                return BAD_SIDE
            price = rows[r, P_FILL_PRICE]
            if price > _LIMIT // fill_qty or price < -(_LIMIT // fill_qty):
                return OVERFLOW
            position = inst_i[i, SI_POSITION] + side * fill_qty
            cash = inst_i[i, SI_CASH] - side * price * fill_qty
            if not (-_LIMIT < position < _LIMIT and -_LIMIT < cash < _LIMIT):
                return OVERFLOW
            # risk gate: the lots move from open to position
            if orders[row, SO_SIDE] == 1:
                inst_i[i, SI_OPEN_BUY] -= fill_qty
            else:
                inst_i[i, SI_OPEN_SELL] -= fill_qty
            orders[row, SO_RISK_LEAVES] = risk_leaves - fill_qty
            if risk_leaves == fill_qty:
                bs[SB_RISK_OPEN] -= 1
            # ledger (`ReferenceLedger.on_fill`, the same float operations)
            maker = rows[r, P_MAKER] != 0
            notional = price * fill_qty * inst_f[i, SF_TICK] * inst_f[i, SF_LOT] * inst_f[i, SF_MULTIPLIER]
            fee = abs(notional) * (inst_f[i, SF_MAKER_RATE] if maker else inst_f[i, SF_TAKER_RATE])
            if maker:
                inst_f[i, SF_MAKER_FEES] += fee
            else:
                inst_f[i, SF_TAKER_FEES] += fee
            inst_i[i, SI_POSITION] = position
            inst_i[i, SI_CASH] = cash
            inst_i[i, SI_LAST_PRICE] = price
            orders[row, SO_FILLED] += fill_qty
            fills_i[n, SL_TS] = rows[r, P_TS]
            fills_i[n, SL_INST] = i
            fills_i[n, SL_ID] = oid
            fills_i[n, SL_SIDE] = side
            fills_i[n, SL_PRICE] = price
            fills_i[n, SL_QTY] = fill_qty
            fills_i[n, SL_MAKER] = 1 if maker else 0
            fills_i[n, SL_POSITION] = position
            fills_i[n, SL_BATCH] = bs[SB_BATCH]
            fills_f[n] = fee
            bs[SB_FILLS] = n + 1
            bs[SB_OUTCOME] = OUT_FILL
        else:
            bs[SB_OUTCOME] = OUT_UPDATE
        if _final(status):
            if status == V_REJECTED and leaves > 0:
                # a refused modify: the order stands as the venue has it, and so does the risk gate's count
                if orders[row, SO_RISK_LEAVES] <= 0:
                    return UNKNOWN_SYNC
                _modify_answered(orders, inst_i, row, leaves)
                orders[row, SO_PRICE] = rows[r, P_PRICE]
                orders[row, SO_QTY] = orders[row, SO_FILLED] + leaves
                bs[SB_OUTCOME] = OUT_REFUSED
                bs[SB_AT] = r + 1
                return REFUSED
            _close(orders, inst_i, open_ids, bs, row)
            orders[row, SO_STATUS] = (
                SS_FILLED
                if status == V_FILLED
                else SS_CANCELLED
                if status == V_CANCELLED
                else SS_EXPIRED
                if status == V_EXPIRED
                else SS_REJECTED
            )
            orders[row, SO_DONE_TS] = rows[r, P_TS]
            if rows[r, P_REASON] != 0 and orders[row, SO_REASON] == 0:
                orders[row, SO_REASON] = rows[r, P_REASON]
        elif status == V_MODIFIED:
            _modify_answered(orders, inst_i, row, leaves)
            orders[row, SO_PRICE] = rows[r, P_PRICE]
            orders[row, SO_QTY] = orders[row, SO_FILLED] + leaves
        elif orders[row, SO_STATUS] <= SS_SENT:
            orders[row, SO_STATUS] = SS_PARTIAL if status == V_PARTIALLY_FILLED else SS_ACCEPTED
    bs[SB_AT] = stop
    return DONE


@_jit(_nrt=False, inline="always")
def _final(status):  # type: ignore[no-untyped-def]
    return status in (V_FILLED, V_CANCELLED, V_EXPIRED, V_REJECTED)


@_jit(_nrt=False, inline="always")
def _modify_answered(orders, inst_i, row, leaves):  # type: ignore[no-untyped-def]
    """The venue answered a modify of order ``row`` (modified, or refused) and has ``leaves`` lots open: the risk
    gate's count becomes the venue's once no other modify is in flight, and never falls below it meanwhile."""
    pending = orders[row, SO_MODIFYING]
    if pending > 0:
        pending -= 1
        orders[row, SO_MODIFYING] = pending
    risk_leaves = orders[row, SO_RISK_LEAVES]
    target = leaves if pending == 0 else max(risk_leaves, leaves)
    if orders[row, SO_SIDE] == 1:
        inst_i[orders[row, SO_INST], SI_OPEN_BUY] += target - risk_leaves
    else:
        inst_i[orders[row, SO_INST], SI_OPEN_SELL] += target - risk_leaves
    orders[row, SO_RISK_LEAVES] = target


@_jit(_nrt=False, inline="always")
def _close(orders, inst_i, open_ids, bs, row):  # type: ignore[no-untyped-def]
    """Take order ``row`` off the open list and out of the risk gate's open exposure."""
    at = orders[row, SO_OPEN_AT]
    if at >= 0:
        last = bs[SB_OPEN] - 1
        moved = open_ids[last]
        open_ids[at] = moved
        orders[moved - 1, SO_OPEN_AT] = at
        orders[row, SO_OPEN_AT] = -1
        bs[SB_OPEN] = last
    risk_leaves = orders[row, SO_RISK_LEAVES]
    if risk_leaves > 0:
        if orders[row, SO_SIDE] == 1:
            inst_i[orders[row, SO_INST], SI_OPEN_BUY] -= risk_leaves
        else:
            inst_i[orders[row, SO_INST], SI_OPEN_SELL] -= risk_leaves
        orders[row, SO_RISK_LEAVES] = 0
        bs[SB_RISK_OPEN] -= 1


@_jit(cache=True)
def fill_pnls(fills_i, fills_f, n_fills, mids, inst_f, out):  # type: ignore[no-untyped-def]
    """``out[k]``: the account's mark-to-market PnL right after fill ``k``, fees included, at the mids of its batch
    (``mids[batch, instrument]``, NaN where an instrument had none yet): `Engine.pnl`'s arithmetic, replayed.
    Returns -1, or the first fill whose PnL needs more than 64 bits (the caller computes from there in Python)."""
    n_inst = inst_f.shape[0]
    position = np.zeros(n_inst, dtype=np.int64)
    cash = np.zeros(n_inst, dtype=np.int64)
    last_price = np.full(n_inst, NONE, dtype=np.int64)
    maker_fees = np.zeros(n_inst, dtype=np.float64)
    taker_fees = np.zeros(n_inst, dtype=np.float64)
    for k in range(n_fills):
        i = fills_i[k, SL_INST]
        price = fills_i[k, SL_PRICE]
        position[i] = fills_i[k, SL_POSITION]
        cash[i] -= fills_i[k, SL_SIDE] * price * fills_i[k, SL_QTY]
        last_price[i] = price
        if fills_i[k, SL_MAKER] != 0:
            maker_fees[i] += fills_f[k]
        else:
            taker_fees[i] += fills_f[k]
        batch = fills_i[k, SL_BATCH]
        total = 0.0
        for j in range(n_inst):
            mid = mids[batch, j]
            finite = math.isfinite(mid)
            mark = math.floor(mid) if finite else last_price[j]
            ticklots = cash[j]
            if mark != NONE:
                bound = _LIMIT // max(1, abs(mark))
                if not -bound < position[j] < bound:
                    return k
                ticklots += position[j] * mark
            pnl = float(ticklots) * inst_f[j, SF_VALUE] - (maker_fees[j] + taker_fees[j])
            if finite:
                pnl = pnl + position[j] * (mid - mark) * inst_f[j, SF_VALUE]
            total += pnl
        out[k] = total
    return -1
