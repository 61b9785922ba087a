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

from hft_core.matching.orders import OrderStatus
from hft_core.venues.base import (
    P_FILL_PRICE,
    P_FILL_QTY,
    P_ID,
    P_INST,
    P_LEAVES,
    P_MAKER,
    P_PRICE,
    P_REASON,
    P_SIDE,
    P_STATUS,
    P_TS,
    REPORT_ROW_SIZE,
)

__all__ = ["fill_pnls", "settle"]

_jit: Any = njit
_entry = _jit(cache=True, _nrt=False)

P_SIZE = REPORT_ROW_SIZE

# -- venue order statuses, as plain ints the compiled code folds in ---------------------------------------------
V_ACCEPTED = int(OrderStatus.ACCEPTED)
V_REJECTED = int(OrderStatus.REJECTED)
V_CANCELLED = int(OrderStatus.CANCELLED)
V_PARTIALLY_FILLED = int(OrderStatus.PARTIALLY_FILLED)
V_FILLED = int(OrderStatus.FILLED)
V_EXPIRED = int(OrderStatus.EXPIRED)
V_MODIFIED = int(OrderStatus.MODIFIED)

# -- order table columns (one row per order; row = order id - 1) -----------------------------------------------
O_TS = 0
O_DONE_TS = 1
"""When the order reached its final state; -1 while open."""
O_INST = 2
O_SIDE = 3
O_TYPE = 4
O_PRICE = 5
"""Ticks as sent (0 for a market order), then as the venue last modified it."""
O_QTY = 6
"""Lots: filled + open, as the venue has it."""
O_FILLED = 7
O_STATUS = 8
O_REASON = 9
"""The venue's `OrderReason` code for the final state, or REASON_TEXT when the engine wrote one itself."""
O_RISK_LEAVES = 10
"""Lots the risk gate counts as open; 0 when not open. The venue's open quantity, except while modifies are in
flight: a modify's increase counts at once, its decrease only when the venue confirms it (never fewer lots than
could still fill). When the venue answers the last modify in flight (modified or refused) it is set to the venue's
open quantity, so the engine's view is the venue's again."""
O_OPEN_AT = 11
"""Index in the open-order list, or -1."""
O_MODIFYING = 12
"""Modifies sent to the venue and not yet answered."""
O_SIZE = 13

REASON_TEXT = -1

# -- the engine's order statuses (the orders table's names, in code order: `STATUS_NAMES`) -----------------------
S_PENDING = 0
S_SENT = 1
S_ACCEPTED = 2
S_PARTIAL = 3
S_FILLED = 4
S_CANCELLED = 5
S_EXPIRED = 6
S_REJECTED = 7
STATUS_NAMES = ("pending", "sent", "accepted", "partially-filled", "filled", "cancelled", "expired", "rejected")

# -- per instrument, integers ----------------------------------------------------------------------------------
I_POSITION = 0
I_OPEN_BUY = 1
I_OPEN_SELL = 2
I_CASH = 3
"""Σ −side × price × lots over fills, tick·lots."""
I_LAST_PRICE = 4
"""The last fill's price (NONE before the first)."""
I_SIZE = 5

# -- per instrument, floats ------------------------------------------------------------------------------------
F_MAKER_FEES = 0
F_TAKER_FEES = 1
F_MAKER_RATE = 2
F_TAKER_RATE = 3
F_TICK = 4
F_LOT = 5
F_MULTIPLIER = 6
F_VALUE = 7
"""Tick size × lot size × multiplier: one tick·lot in quote currency."""
F_SIZE = 8

# -- fill rows ---------------------------------------------------------------------------------------------------
L_TS = 0
L_INST = 1
L_ID = 2
L_SIDE = 3
L_PRICE = 4
L_QTY = 5
L_MAKER = 6
L_POSITION = 7
"""The position right after this fill."""
L_BATCH = 8
"""The settle call that booked it: its mids are the batch's row of marks."""
L_SIZE = 9

# -- blotter state -----------------------------------------------------------------------------------------------
B_ORDERS = 0
B_OPEN = 1
"""Length of the open-order list."""
B_RISK_OPEN = 2
"""Orders the risk gate counts as open (for ``max_open_orders``)."""
B_FILLS = 3
B_BATCH = 4
B_AT = 5
"""The report row `settle` stopped at (the next to settle)."""
B_OUTCOME = 6
"""What the last settled row did (OUT_*)."""
B_SIZE = 7

NONE = -(2**62)
_LIMIT = 2**62

# -- what `settle` returns ---------------------------------------------------------------------------------------
DONE = 0
FILLS_FULL = 1
"""No room for another fill row: grow the fills arrays and call again from ``B_AT``."""
REFUSED = 2
"""Row ``B_AT`` - 1 was a refused modify (settled); the caller logs it, then calls again from ``B_AT``."""
UNKNOWN_FILL = 3
"""Row ``B_AT`` fills an order the risk gate does not count as open."""
OVERFILL = 4
"""Row ``B_AT`` fills more than the order has open."""
UNKNOWN_SYNC = 5
"""Row ``B_AT`` refuses a modify of an order the risk gate does not count as open."""
OVERFLOW = 6
"""Row ``B_AT`` takes a position or cash flow beyond 2^62."""
BAD_SIDE = 7
"""Row ``B_AT`` is a fill whose side is neither BUY (1) nor SELL (-1)."""

# -- what a row did (``B_OUTCOME``) ------------------------------------------------------------------------------
OUT_SKIPPED = 0
"""Unknown order, or a late reply about a finished one."""
OUT_FILL = 1
OUT_UPDATE = 2
OUT_REFUSED = 3


@_entry
def settle(rows, start, stop, orders, inst_i, inst_f, open_ids, fills_i, fills_f, bs):  # type: ignore[no-untyped-def]
    """Settle report rows ``start``..``stop``; returns DONE or why it stopped (at ``bs[B_AT]``)."""
    known = bs[B_ORDERS]
    for r in range(start, stop):
        bs[B_AT] = r
        oid = rows[r, P_ID]
        row = oid - 1
        fill_qty = rows[r, P_FILL_QTY]
        if not (0 <= row < known) or (orders[row, O_DONE_TS] >= 0 and fill_qty == 0):
            bs[B_OUTCOME] = OUT_SKIPPED
            continue
        status = rows[r, P_STATUS]
        leaves = rows[r, P_LEAVES]
        if fill_qty > 0:
            n = bs[B_FILLS]
            if n == fills_i.shape[0]:
                return FILLS_FULL
            risk_leaves = orders[row, O_RISK_LEAVES]
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
            position = inst_i[i, I_POSITION] + side * fill_qty
            cash = inst_i[i, I_CASH] - side * price * fill_qty
            if not (-_LIMIT < position < _LIMIT and -_LIMIT < cash < _LIMIT):
                return OVERFLOW
            # risk gate: the lots move from open to position
            if orders[row, O_SIDE] == 1:
                inst_i[i, I_OPEN_BUY] -= fill_qty
            else:
                inst_i[i, I_OPEN_SELL] -= fill_qty
            orders[row, O_RISK_LEAVES] = risk_leaves - fill_qty
            if risk_leaves == fill_qty:
                bs[B_RISK_OPEN] -= 1
            # ledger (`ReferenceLedger.on_fill`, the same float operations)
            maker = rows[r, P_MAKER] != 0
            notional = price * fill_qty * inst_f[i, F_TICK] * inst_f[i, F_LOT] * inst_f[i, F_MULTIPLIER]
            fee = abs(notional) * (inst_f[i, F_MAKER_RATE] if maker else inst_f[i, F_TAKER_RATE])
            if maker:
                inst_f[i, F_MAKER_FEES] += fee
            else:
                inst_f[i, F_TAKER_FEES] += fee
            inst_i[i, I_POSITION] = position
            inst_i[i, I_CASH] = cash
            inst_i[i, I_LAST_PRICE] = price
            orders[row, O_FILLED] += fill_qty
            fills_i[n, L_TS] = rows[r, P_TS]
            fills_i[n, L_INST] = i
            fills_i[n, L_ID] = oid
            fills_i[n, L_SIDE] = side
            fills_i[n, L_PRICE] = price
            fills_i[n, L_QTY] = fill_qty
            fills_i[n, L_MAKER] = 1 if maker else 0
            fills_i[n, L_POSITION] = position
            fills_i[n, L_BATCH] = bs[B_BATCH]
            fills_f[n] = fee
            bs[B_FILLS] = n + 1
            bs[B_OUTCOME] = OUT_FILL
        else:
            bs[B_OUTCOME] = OUT_UPDATE
        if _final(status):
            if status == V_REJECTED and leaves > 0:
                # a refused modify: the order stands as the venue has it, and so does the risk gate's count
                if orders[row, O_RISK_LEAVES] <= 0:
                    return UNKNOWN_SYNC
                _modify_answered(orders, inst_i, row, leaves)
                orders[row, O_PRICE] = rows[r, P_PRICE]
                orders[row, O_QTY] = orders[row, O_FILLED] + leaves
                bs[B_OUTCOME] = OUT_REFUSED
                bs[B_AT] = r + 1
                return REFUSED
            _close(orders, inst_i, open_ids, bs, row)
            orders[row, O_STATUS] = (
                S_FILLED
                if status == V_FILLED
                else S_CANCELLED
                if status == V_CANCELLED
                else S_EXPIRED
                if status == V_EXPIRED
                else S_REJECTED
            )
            orders[row, O_DONE_TS] = rows[r, P_TS]
            if rows[r, P_REASON] != 0 and orders[row, O_REASON] == 0:
                orders[row, O_REASON] = rows[r, P_REASON]
        elif status == V_MODIFIED:
            _modify_answered(orders, inst_i, row, leaves)
            orders[row, O_PRICE] = rows[r, P_PRICE]
            orders[row, O_QTY] = orders[row, O_FILLED] + leaves
        elif orders[row, O_STATUS] <= S_SENT:
            orders[row, O_STATUS] = S_PARTIAL if status == V_PARTIALLY_FILLED else S_ACCEPTED
    bs[B_AT] = stop
    return DONE


@_jit(_nrt=False, inline="always")
def _final(status):  # type: ignore[no-untyped-def]
    return status in (V_FILLED, V_CANCELLED, V_EXPIRED, V_REJECTED)


@_jit(_nrt=False, inline="always")
def _modify_answered(orders, inst_i, row, leaves):  # type: ignore[no-untyped-def]
    """The venue answered a modify of order ``row`` (modified, or refused) and has ``leaves`` lots open: the risk
    gate's count becomes the venue's once no other modify is in flight, and never falls below it meanwhile."""
    pending = orders[row, O_MODIFYING]
    if pending > 0:
        pending -= 1
        orders[row, O_MODIFYING] = pending
    risk_leaves = orders[row, O_RISK_LEAVES]
    target = leaves if pending == 0 else max(risk_leaves, leaves)
    if orders[row, O_SIDE] == 1:
        inst_i[orders[row, O_INST], I_OPEN_BUY] += target - risk_leaves
    else:
        inst_i[orders[row, O_INST], I_OPEN_SELL] += target - risk_leaves
    orders[row, O_RISK_LEAVES] = target


@_jit(_nrt=False, inline="always")
def _close(orders, inst_i, open_ids, bs, row):  # type: ignore[no-untyped-def]
    """Take order ``row`` off the open list and out of the risk gate's open exposure."""
    at = orders[row, O_OPEN_AT]
    if at >= 0:
        last = bs[B_OPEN] - 1
        moved = open_ids[last]
        open_ids[at] = moved
        orders[moved - 1, O_OPEN_AT] = at
        orders[row, O_OPEN_AT] = -1
        bs[B_OPEN] = last
    risk_leaves = orders[row, O_RISK_LEAVES]
    if risk_leaves > 0:
        if orders[row, O_SIDE] == 1:
            inst_i[orders[row, O_INST], I_OPEN_BUY] -= risk_leaves
        else:
            inst_i[orders[row, O_INST], I_OPEN_SELL] -= risk_leaves
        orders[row, O_RISK_LEAVES] = 0
        bs[B_RISK_OPEN] -= 1


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
        i = fills_i[k, L_INST]
        price = fills_i[k, L_PRICE]
        position[i] = fills_i[k, L_POSITION]
        cash[i] -= fills_i[k, L_SIDE] * price * fills_i[k, L_QTY]
        last_price[i] = price
        if fills_i[k, L_MAKER] != 0:
            maker_fees[i] += fills_f[k]
        else:
            taker_fees[i] += fills_f[k]
        batch = fills_i[k, L_BATCH]
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
            pnl = float(ticklots) * inst_f[j, F_VALUE] - (maker_fees[j] + taker_fees[j])
            if finite:
                pnl = pnl + position[j] * (mid - mark) * inst_f[j, F_VALUE]
            total += pnl
        out[k] = total
    return -1
