"""The engine's books of account for one run, in arrays: every order, the open ones, each instrument's position,
open exposure, cash flow and fees, and every fill. This is the accounting every run goes through.

Reports from the venue are settled into them a batch at a time by one compiled call (`hft_core.engine._settle`),
and the strategy's questions (its position, its open orders) and the risk gate's checks (`hft_core.risk.RiskGate`)
read them directly, so a backtest pays no Python per report. Amounts are integers (lots, tick·lots) and fees floats,
per instrument in its quote currency; `hft_core.engine.accounts` turns them into per-asset balances and PnL in the
run's numeraire. `hft_core.engine._reference` restates the settlement in plain Python, and the tests settle random
report streams both ways.

Order ids are 1, 2, 3, ... in sending order, so an order's row is its id − 1.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from hft_core.engine import _settle as s
from hft_core.engine._columns import labels as _labels
from hft_core.engine.results import FILL_COLUMNS, ORDER_COLUMNS, frame_from_rows
from hft_core.errors import HftError
from hft_core.events import BUY
from hft_core.instruments import Instrument
from hft_core.matching.orders import OrderReason, OrderType
from hft_core.risk import RiskStateError
from hft_core.venues.base import P_FILL_PRICE, P_FILL_QTY, P_ID, P_SIDE

__all__ = ["Blotter", "SettleError", "grid_to_floats", "side_names"]

_INITIAL_ORDERS = 1024
_INITIAL_FILLS = 1024
_INITIAL_MARKS = 1024
_INT64_MAX = 2**63 - 1

_TYPE_NAMES = [next((t.name.lower() for t in OrderType if t == code), "") for code in range(max(OrderType) + 1)]
_STATUS_NAMES = list(s.STATUS_NAMES)
_REASON_NAMES = [""] + [r.name.lower() for r in sorted(OrderReason) if r != OrderReason.NONE]
_SIDE_NAMES = ["buy", "sell"]
_NOT_ACCEPTED = (s.SS_PENDING, s.SS_SENT, s.SS_REJECTED)

_O, _I, _F, _L = s.SO_SIZE, s.SI_SIZE, s.SF_SIZE, s.SL_SIZE
# Layout constants the per-order code uses, bound here once (a module attribute lookup each time adds up).
_O_INST, _O_SIDE, _O_QTY, _O_STATUS = s.SO_INST, s.SO_SIDE, s.SO_QTY, s.SO_STATUS
_O_RISK_LEAVES, _O_OPEN_AT = s.SO_RISK_LEAVES, s.SO_OPEN_AT
_I_POSITION, _I_OPEN_BUY, _I_OPEN_SELL = s.SI_POSITION, s.SI_OPEN_BUY, s.SI_OPEN_SELL
_B_ORDERS, _B_OPEN, _B_RISK_OPEN, _S_PENDING, _S_SENT = s.SB_ORDERS, s.SB_OPEN, s.SB_RISK_OPEN, s.SS_PENDING, s.SS_SENT
# ... and those of `settle`, which runs once per venue advance that brought reports
_B_FILLS, _B_BATCH, _B_AT, _B_OUTCOME = s.SB_FILLS, s.SB_BATCH, s.SB_AT, s.SB_OUTCOME
_DONE, _FILLS_FULL, _REFUSED = s.DONE, s.FILLS_FULL, s.REFUSED
_settle_rows = s.settle


_ORDER_ROW = struct.Struct(f"{_O}q")
"""A row of the orders table (`_settle.O_*` order), written in one call: field by field costs several times more."""
_write_order, _ORDER_BYTES = _ORDER_ROW.pack_into, _ORDER_ROW.size

_Counts = Sequence[int] | npt.NDArray[np.int64]
"""Integer counts (ticks, lots, codes): an array, or a list when one may exceed 64 bits."""


class SettleError(HftError, ValueError):
    """The books cannot take an order or a fill: a fill with no side, amounts beyond 64 bits, an unknown instrument,
    an unknown settlement status. (Reports inconsistent with the open orders raise `RiskStateError`.)"""


def _flat(array: npt.NDArray[np.int64]) -> memoryview:
    """A flat, writable view of a C-contiguous int64 array, indexed with plain ints from Python."""
    return memoryview(cast(Any, array)).cast("B").cast("q")


def _flat_floats(array: npt.NDArray[np.float64]) -> Any:
    """A flat, writable view of a C-contiguous float64 array, written with Python floats (typed Any: typeshed's
    memoryview takes only ints)."""
    return memoryview(cast(Any, array)).cast("B").cast("d")


class Blotter:
    """Orders, positions and fills of one run over ``instruments`` (their index is the instrument id)."""

    def __init__(self, instruments: Sequence[Instrument]) -> None:
        self.instruments = tuple(instruments)
        n = len(self.instruments)
        self.orders = np.zeros((_INITIAL_ORDERS, _O), dtype=np.int64)
        self._of = _flat(self.orders)
        self._order_rows = _INITIAL_ORDERS
        self.open_ids = np.zeros(_INITIAL_ORDERS, dtype=np.int64)
        self._open_flat = _flat(self.open_ids)
        self.inst_i = np.zeros((n, _I), dtype=np.int64)
        self.inst_i[:, s.SI_LAST_PRICE] = s.NONE
        self._if = _flat(self.inst_i)
        self.inst_f = np.zeros((n, s.SF_SIZE), dtype=np.float64)
        for index, inst in enumerate(self.instruments):
            self.inst_f[index, s.SF_MAKER_RATE] = inst.fees.maker
            self.inst_f[index, s.SF_TAKER_RATE] = inst.fees.taker
            self.inst_f[index, s.SF_TICK] = inst.tick_size
            self.inst_f[index, s.SF_LOT] = inst.lot_size
            self.inst_f[index, s.SF_MULTIPLIER] = inst.multiplier
            self.inst_f[index, s.SF_VALUE] = inst.tick_size * inst.lot_size * inst.multiplier
        self._value: list[float] = self.inst_f[:, s.SF_VALUE].tolist()
        self._ff = memoryview(cast(Any, self.inst_f)).cast("B").cast("d")  # (Python floats out)
        self.fills_i = np.zeros((_INITIAL_FILLS, _L), dtype=np.int64)
        self.fills_f = np.zeros(_INITIAL_FILLS, dtype=np.float64)
        self.state = np.zeros(s.SB_SIZE, dtype=np.int64)
        self._bs = _flat(self.state)
        self._texts: dict[int, str] = {}
        """Reasons the engine wrote itself, by row (local rejections)."""
        self._oversized: dict[int, tuple[int, int]] = {}
        """Price and size, by row, of orders rejected for counts beyond 64 bits (the table still shows them)."""
        self._marks = np.empty((_INITIAL_MARKS, max(n, 1)), dtype=np.float64)
        """Row b: the mids (ticks) of every instrument when batch b of fills was settled (`fill_pnls`' marks); the
        first `mark_count` rows are written."""
        self._marks_flat = _flat_floats(self._marks)
        self._n_marks = 0

    # -- orders ---------------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._bs[s.SB_ORDERS]

    def add(self, ts: int, instrument: int, side: int, order_type: OrderType, price: int, qty: int) -> int:
        """Record a new order (status ``pending``); returns its id."""
        bs = self._bs
        row = bs[_B_ORDERS]
        if row == self._order_rows:
            self._grow_orders()
        if not (-_INT64_MAX <= price <= _INT64_MAX and -_INT64_MAX <= qty <= _INT64_MAX):
            self._oversized[row] = (price, qty)
            price = qty = 0
        _write_order(
            self._of, row * _ORDER_BYTES, ts, -1, instrument, side, order_type, price, qty, 0, _S_PENDING, 0, 0, -1, 0
        )
        bs[_B_ORDERS] = row + 1
        return row + 1

    def open(self, order_id: int) -> None:
        """The risk gate accepted order ``order_id``: it is sent, open, and its lots count as open exposure."""
        of = self._of
        at = (order_id - 1) * _O
        qty = of[at + _O_QTY]
        exposure_at = of[at + _O_INST] * _I + (_I_OPEN_BUY if of[at + _O_SIDE] == BUY else _I_OPEN_SELL)
        exposure = self._if[exposure_at] + qty
        if exposure > _INT64_MAX:
            raise SettleError(f"order {order_id}: open exposure beyond 2^63 lots")
        self._if[exposure_at] = exposure
        of[at + _O_RISK_LEAVES] = qty
        of[at + _O_STATUS] = _S_SENT
        bs = self._bs
        count = bs[_B_OPEN]
        self._open_flat[count] = order_id
        of[at + _O_OPEN_AT] = count
        bs[_B_OPEN] = count + 1
        bs[_B_RISK_OPEN] += 1

    def add_open(self, ts: int, instrument: int, side: int, order_type: OrderType, price: int, qty: int) -> int:
        """`add` then `open` in one step (the engine's path for an order no risk limit applies to); ``price`` and
        ``qty`` must lie within 64 bits. Returns the order's id."""
        bs = self._bs
        row = bs[_B_ORDERS]
        if row == self._order_rows:
            self._grow_orders()
        order_id = row + 1
        exposure_at = instrument * _I + (_I_OPEN_BUY if side == BUY else _I_OPEN_SELL)
        exposure = self._if[exposure_at] + qty
        if exposure > _INT64_MAX:
            raise SettleError(f"order {order_id}: open exposure beyond 2^63 lots")
        self._if[exposure_at] = exposure
        count = bs[_B_OPEN]
        self._open_flat[count] = order_id
        bs[_B_OPEN] = count + 1
        bs[_B_RISK_OPEN] += 1
        _write_order(
            self._of, row * _ORDER_BYTES, ts, -1, instrument, side, order_type, price, qty, 0, _S_SENT, 0, qty, count, 0
        )
        bs[_B_ORDERS] = order_id
        return order_id

    def reject(self, order_id: int, reason: str) -> None:
        """The engine itself refused order ``order_id`` (never sent): its status and reason."""
        row = order_id - 1
        self._of[row * _O + s.SO_STATUS] = s.SS_REJECTED
        self._of[row * _O + s.SO_REASON] = s.REASON_TEXT
        self._texts[row] = reason

    def order(self, order_id: int) -> tuple[int, int, int, int, int, int]:
        """(instrument, side, price, qty, filled, risk-open lots) of a known order."""
        at = (order_id - 1) * _O
        of = self._of
        return (
            of[at + s.SO_INST],
            of[at + s.SO_SIDE],
            of[at + s.SO_PRICE],
            of[at + s.SO_QTY],
            of[at + s.SO_FILLED],
            of[at + s.SO_RISK_LEAVES],
        )

    def modify_sent(self, order_id: int, lots: int) -> None:
        """The risk gate accepted a modify to ``lots`` open and it goes to the venue: an increase counts as open
        exposure at once, a decrease only once the venue confirms it (fills may be on their way, and the venue may
        refuse); the venue's answer sets the count to its own (`_settle.SO_RISK_LEAVES`)."""
        at = (order_id - 1) * _O
        of = self._of
        risk_leaves = of[at + s.SO_RISK_LEAVES]
        if lots > risk_leaves:
            exposure_at = of[at + s.SO_INST] * _I + (s.SI_OPEN_BUY if of[at + s.SO_SIDE] == BUY else s.SI_OPEN_SELL)
            self._if[exposure_at] += lots - risk_leaves
            of[at + s.SO_RISK_LEAVES] = lots
        of[at + s.SO_MODIFYING] += 1

    def reason(self, order_id: int) -> str | None:
        """The order's reason so far (a rejection's, a cancel's), or None."""
        row = order_id - 1
        code = self._of[row * _O + s.SO_REASON]
        if code == s.REASON_TEXT:
            return self._texts[row]
        return _REASON_NAMES[code] if code else None

    def status(self, order_id: int) -> str:
        return _STATUS_NAMES[self._of[(order_id - 1) * _O + s.SO_STATUS]]

    def set_status(self, order_id: int, status: str) -> None:
        self._of[(order_id - 1) * _O + s.SO_STATUS] = s.STATUS_NAMES.index(status)

    def open_instrument(self, order_id: int) -> int:
        """The instrument of open order ``order_id``, or -1 when it is not open (or unknown)."""
        row = order_id - 1
        if 0 <= row < self._bs[_B_ORDERS] and self._of[row * _O + _O_OPEN_AT] >= 0:
            return self._of[row * _O + _O_INST]
        return -1

    def open_orders(self, instrument: int | None, n_instruments: int) -> list[int]:
        """Ids of the open orders (of one instrument, or all), ascending."""
        ids = self._open_flat[: self._bs[_B_OPEN]].tolist()
        if instrument is None or n_instruments == 1:
            ids.sort()
            return ids
        of = self._of
        return sorted(i for i in ids if of[(i - 1) * _O + s.SO_INST] == instrument)

    # -- positions and money ----------------------------------------------------------------------------------------
    def position(self, instrument: int) -> int:
        """Position in lots."""
        return self._if[instrument * _I + _I_POSITION]

    def exposure(self, instrument: int) -> tuple[int, int, int]:
        """(position, open buy lots, open sell lots) as the risk gate counts them."""
        at = instrument * _I
        return self._if[at + _I_POSITION], self._if[at + _I_OPEN_BUY], self._if[at + _I_OPEN_SELL]

    def worst_case_positions(self, instrument: int) -> tuple[int, int]:
        """(position if every open buy filled, position if every open sell filled)."""
        position, open_buy, open_sell = self.exposure(instrument)
        return position + open_buy, position - open_sell

    @property
    def risk_open_count(self) -> int:
        """Orders the risk gate counts as open."""
        return self._bs[s.SB_RISK_OPEN]

    def instrument_pnl(self, instrument: int, mid: float) -> float:
        """Mark-to-market PnL of one instrument at ``mid`` (ticks; NaN: at the last fill price), fees included.

        Cash flow + position × the mid's whole tick (exact, tick·lots) in quote currency, minus fees, plus the position
        times the fraction left over.
        """
        at = instrument * _I
        last = self._if[at + s.SI_LAST_PRICE]
        return _marked_pnl(
            self._if[at + s.SI_CASH],
            self._if[at + s.SI_POSITION],
            None if last == s.NONE else last,
            self._ff[instrument * _F + s.SF_MAKER_FEES] + self._ff[instrument * _F + s.SF_TAKER_FEES],
            self._value[instrument],
            mid,
        )

    def quote_cash(self, instrument: int) -> float:
        """Proceeds of sells − cost of buys − fees of one instrument, in its quote currency."""
        fees = self._ff[instrument * _F + s.SF_MAKER_FEES] + self._ff[instrument * _F + s.SF_TAKER_FEES]
        return float(self._if[instrument * _I + s.SI_CASH]) * self._value[instrument] - fees

    def cash(self) -> float:
        """Proceeds of sells − cost of buys − fees, each instrument's quote currency added as one (single-currency
        runs; `hft_core.engine.accounts` converts per asset)."""
        indices = range(len(self._value))
        flows = sum(float(self._if[i * _I + s.SI_CASH]) * self._value[i] for i in indices)
        fees: float = sum(self._ff[i * _F + s.SF_MAKER_FEES] + self._ff[i * _F + s.SF_TAKER_FEES] for i in indices)
        cash: float = 0.0 + flows - fees
        return cash

    # -- reports ------------------------------------------------------------------------------------------------------
    @property
    def fill_count(self) -> int:
        return self._bs[s.SB_FILLS]

    def settle(
        self,
        rows: npt.NDArray[np.int64],
        mids: Callable[[], list[float]],
        on_refused: Callable[[list[int]], None],
        start: int = 0,
        stop: int | None = None,
    ) -> int:
        """Settle report rows ``start``..``stop`` (columns: `hft_core.venues.base.Report`'s fields); returns the
        outcome of the last (`_settle.OUT_*`). ``mids()`` gives the mids the batch's fills are marked at (asked
        once, after settling, when there were fills); ``on_refused(row)`` hears of each refused modify in turn."""
        bs = self._bs
        if stop is None:
            stop = len(rows)
        fills_before = bs[_B_FILLS]
        bs[_B_BATCH] = self._n_marks
        while True:
            status = _settle_rows(
                rows,
                start,
                stop,
                self.orders,
                self.inst_i,
                self.inst_f,
                self.open_ids,
                self.fills_i,
                self.fills_f,
                self.state,
            )
            if status == _DONE:
                break
            start = bs[_B_AT]
            if status == _FILLS_FULL:
                self._grow_fills()
            elif status == _REFUSED:
                on_refused(rows[start - 1].tolist())
            else:
                raise self._error(status, rows[start].tolist())
        if bs[_B_FILLS] != fills_before:
            self.add_mark(mids())
        return bs[_B_OUTCOME]

    @property
    def mark_count(self) -> int:
        """Batches of fills marked so far (`add_mark`)."""
        return self._n_marks

    def add_mark(self, mids: Sequence[float]) -> None:
        """The mids (ticks, NaN: none yet) of every instrument at which the latest batch of fills is marked."""
        row = self._n_marks
        if row == len(self._marks):
            self._grow_marks()
        flat, at = self._marks_flat, row * len(self.instruments)
        for value in mids:
            flat[at] = float(value)
            at += 1
        self._n_marks = row + 1

    def add_marks(self, rows: npt.NDArray[np.float64]) -> None:
        """`add_mark` for several batches at once (rows of every instrument's mid)."""
        count = len(rows)
        while self._n_marks + count > len(self._marks):
            self._grow_marks()
        self._marks[self._n_marks : self._n_marks + count] = rows
        self._n_marks += count

    def fill(self, at: int = -1) -> tuple[list[int], float]:
        """Fill row number ``at`` (in booking order; -1: the latest) and its fee."""
        n = self._bs[s.SB_FILLS] - 1 if at < 0 else at
        return self.fills_i[n].tolist(), float(self.fills_f[n])

    def _error(self, status: int, row: list[int]) -> HftError:
        order_id, fill_qty, side = row[P_ID], row[P_FILL_QTY], row[P_SIDE]
        risk_leaves = self._of[(order_id - 1) * _O + s.SO_RISK_LEAVES]
        if status == s.UNKNOWN_FILL:
            return RiskStateError(f"fill for order {order_id}, which the risk gate does not know as open")
        if status == s.OVERFILL:
            return RiskStateError(f"fill of {fill_qty} for order {order_id} with {risk_leaves} open")
        if status == s.UNKNOWN_SYNC:
            return RiskStateError(f"cannot sync order {order_id}: the risk gate does not know it as open")
        if status == s.BAD_SIDE:
            return SettleError(f"fill side must be BUY (1) or SELL (-1), got {side!r}")
        if status == s.OVERFLOW:
            return SettleError(
                f"order {order_id}: a fill of {fill_qty} lots at {row[P_FILL_PRICE]} ticks takes the position or "
                "cash flow beyond 2^62 (lots, tick·lots)"
            )
        return SettleError(f"report settlement stopped with unknown status {status}")

    # -- tables -------------------------------------------------------------------------------------------------------
    def orders_table(self) -> pd.DataFrame:
        """The orders DataFrame (columns `hft_core.engine.results.ORDER_COLUMNS`)."""
        n = self._bs[s.SB_ORDERS]
        if not n:
            return frame_from_rows([], ORDER_COLUMNS)
        orders = self.orders[:n]
        codes = orders[:, s.SO_INST]
        prices: _Counts = orders[:, s.SO_PRICE]
        qtys: _Counts = orders[:, s.SO_QTY]
        if self._oversized:
            exact_prices, exact_qtys = orders[:, s.SO_PRICE].tolist(), orders[:, s.SO_QTY].tolist()
            for row, (price, qty) in self._oversized.items():
                exact_prices[row], exact_qtys[row] = price, qty
            prices, qtys = exact_prices, exact_qtys
        texts = list(self._texts.items())
        instruments = self.instruments
        # one column at a time, each one's scratch arrays gone before the next (a long run's peak memory is here)
        columns = {
            "order_id": np.arange(1, n + 1, dtype=np.int64),
            "ts": orders[:, s.SO_TS].copy(),
            "done_ts": orders[:, s.SO_DONE_TS].copy(),
            "instrument": _labels(_symbols(instruments), codes),
            "side": side_names(orders[:, s.SO_SIDE]),
            "order_type": _labels(_TYPE_NAMES, orders[:, s.SO_TYPE]),
            "price": grid_to_floats(codes, prices, instruments, prices=True, absent=math.nan),
            "qty": grid_to_floats(codes, qtys, instruments, prices=False, absent=0.0),
            "status": _labels(_STATUS_NAMES, orders[:, s.SO_STATUS]),
        }
        reason_codes = np.maximum(orders[:, s.SO_REASON], 0)
        reason_codes[[row for row, _ in texts]] = np.arange(len(_REASON_NAMES), len(_REASON_NAMES) + len(texts))
        columns["reason"] = _labels(_REASON_NAMES + [text for _, text in texts], reason_codes)
        del reason_codes
        columns["filled_qty"] = grid_to_floats(codes, orders[:, s.SO_FILLED], instruments, prices=False)
        # (arrays made here for the frame: kept as they are, not copied into blocks by dtype)
        return pd.DataFrame(columns, columns=list(ORDER_COLUMNS), copy=False)

    def order_counts(self) -> tuple[int, int, int]:
        """(orders the venue accepted, orders with a fill, orders rejected)."""
        n = self._bs[s.SB_ORDERS]
        statuses = self.orders[:n, s.SO_STATUS]
        accepted = int(np.count_nonzero(~np.isin(statuses, _NOT_ACCEPTED)))
        filled = int(np.count_nonzero(self.orders[:n, s.SO_FILLED]))
        return accepted, filled, int(np.count_nonzero(statuses == s.SS_REJECTED))

    def fees_total(self) -> float:
        """Σ fees over fills, summed in fill order."""
        total: float = sum(self.fills_f[: self._bs[s.SB_FILLS]].tolist())
        return total

    def fills_table(self) -> pd.DataFrame:
        """The fills DataFrame (columns `hft_core.engine.results.FILL_COLUMNS`)."""
        n = self._bs[s.SB_FILLS]
        if not n:
            return frame_from_rows([], FILL_COLUMNS)
        columns = self.fill_columns(0, n)
        columns["pnl"] = self.fill_pnls()
        return pd.DataFrame(columns, columns=list(FILL_COLUMNS), copy=False)  # (as in `orders_table`)

    def fill_columns(self, start: int, stop: int) -> dict[str, Any]:
        """Fills ``start`` to ``stop`` (in booking order) as columns: `FILL_COLUMNS` but ``pnl`` (which the
        fills' marks give only from the first fill on: `fill_pnls`)."""
        fills = self.fills_i[start:stop]
        codes = fills[:, s.SL_INST]
        instruments = self.instruments
        return {
            "ts": fills[:, s.SL_TS].copy(),
            "instrument": _labels(_symbols(instruments), codes),
            "order_id": fills[:, s.SL_ID].copy(),
            "side": side_names(fills[:, s.SL_SIDE]),
            "price": grid_to_floats(codes, fills[:, s.SL_PRICE], instruments, prices=True),
            "qty": grid_to_floats(codes, fills[:, s.SL_QTY], instruments, prices=False),
            "fee": self.fills_f[start:stop].copy(),
            "maker": fills[:, s.SL_MAKER] != 0,
            "position": grid_to_floats(codes, fills[:, s.SL_POSITION], instruments, prices=False),
        }

    def fill_pnls(self) -> npt.NDArray[np.float64]:
        """Each fill's account PnL right after it, at the mids of its batch."""
        n = self._bs[s.SB_FILLS]
        out = np.zeros(n, dtype=np.float64)
        mids = self._marks[: self._n_marks, : len(self.instruments)]
        stopped = s.fill_pnls(self.fills_i, self.fills_f, n, mids, self.inst_f, out)
        if stopped >= 0:
            self._exact_pnls(mids, out)
        return out

    def _exact_pnls(self, mids: npt.NDArray[np.float64], out: npt.NDArray[np.float64]) -> None:
        """`fill_pnls` with Python integers (a position times a mark beyond 64 bits)."""
        n_inst = len(self.instruments)
        position, cash = [0] * n_inst, [0] * n_inst
        last: list[int | None] = [None] * n_inst
        maker_fees, taker_fees = [0.0] * n_inst, [0.0] * n_inst
        marks = mids.tolist()
        for k, (row, fee) in enumerate(zip(self.fills_i[: len(out)].tolist(), self.fills_f.tolist(), strict=False)):
            i = row[s.SL_INST]
            position[i] = row[s.SL_POSITION]
            cash[i] -= row[s.SL_SIDE] * row[s.SL_PRICE] * row[s.SL_QTY]
            last[i] = row[s.SL_PRICE]
            if row[s.SL_MAKER]:
                maker_fees[i] += fee
            else:
                taker_fees[i] += fee
            total = 0.0
            for j, mid in enumerate(marks[row[s.SL_BATCH]]):
                fees = maker_fees[j] + taker_fees[j]
                total += _marked_pnl(cash[j], position[j], last[j], fees, self._value[j], mid)
            out[k] = total

    # -- growth -------------------------------------------------------------------------------------------------------
    # Twice the room each time, in place when nothing else holds the array (`_resize`: the allocator extends its
    # mapping, the rows already written are neither copied nor touched again); else into a new array, the new rows
    # unwritten (a zero-filled copy costs several times more, in fresh pages touched at once).
    def _grow_orders(self) -> None:
        self._of.release()
        self._open_flat.release()
        self._resize("orders", 2 * len(self.orders))
        self._resize("open_ids", 2 * len(self.open_ids))
        self._of = _flat(self.orders)
        self._order_rows = len(self.orders)
        self._open_flat = _flat(self.open_ids)

    def _grow_fills(self) -> None:
        self._resize("fills_i", 2 * len(self.fills_i))
        self._resize("fills_f", 2 * len(self.fills_f))

    def _grow_marks(self) -> None:
        self._marks_flat.release()
        self._resize("_marks", 2 * len(self._marks))
        self._marks_flat = _flat_floats(self._marks)

    def compact(self) -> None:
        """Give back the room the tables grew into but never used (up to half of each, from doubling): for the end
        of a run, when the frames are made next to them. Growing again works as before."""
        for view in (self._of, self._open_flat, self._marks_flat):
            view.release()
        orders, fills = max(1, self._bs[_B_ORDERS]), max(1, self._bs[_B_FILLS])
        for name, rows in (
            ("orders", orders),
            ("open_ids", orders),
            ("fills_i", fills),
            ("fills_f", fills),
            ("_marks", max(1, self._n_marks)),
        ):
            if rows < len(getattr(self, name)):
                self._resize(name, rows)
        self._order_rows = len(self.orders)
        self._of = _flat(self.orders)
        self._open_flat = _flat(self.open_ids)
        self._marks_flat = _flat_floats(self._marks)

    def _resize(self, name: str, rows: int) -> None:
        """Table ``name`` with ``rows`` rows, its first rows kept: in place when nothing else holds the array (the
        flat views release theirs first: an exported buffer pins it), else a new array."""
        shape = (rows, *getattr(self, name).shape[1:])
        try:
            getattr(self, name).resize(shape)  # (refcheck: fails while another name or view holds the array)
        except (ValueError, BufferError):
            old = getattr(self, name)
            new = np.empty(shape, dtype=old.dtype)
            kept = min(rows, len(old))
            new[:kept] = old[:kept]
            setattr(self, name, new)


def _marked_pnl(cash: int, position: int, last_price: int | None, fees: float, value: float, mid: float) -> float:
    """One instrument's PnL, fees included: cash flow + position × mark (tick·lots, as `ReferenceLedger.total_pnl`)
    marked at ``mid``'s whole tick plus the position times the fraction left over; at the last fill price when
    ``mid`` is NaN (no mid yet). The same operations as `_settle.fill_pnls`, for bit-equal results."""
    if math.isfinite(mid):
        whole = math.floor(mid)
        pnl = float(cash + position * whole) * value - fees
        return pnl + position * (mid - whole) * value
    return float(cash + (position * last_price if last_price is not None else 0)) * value - fees


def grid_to_floats(
    codes: npt.NDArray[np.int64],
    values: _Counts,
    instruments: tuple[Instrument, ...],
    *,
    prices: bool,
    absent: float | None = None,
) -> npt.NDArray[np.float64]:
    """Tick (``prices``) or lot counts as floats by each row's instrument; ``absent`` where a count is <= 0."""
    try:
        counts = np.asarray(values, dtype=np.int64)  # (an array's column as it is: no copy)
    except OverflowError:  # a count beyond int64 (an absurd order the engine rejected): one at a time
        return np.array(
            [
                absent
                if absent is not None and v <= 0
                else (instruments[c].ticks_to_price(v) if prices else instruments[c].lots_to_qty(v))
                for c, v in zip(codes.tolist(), values, strict=True)
            ],
            dtype=np.float64,
        )
    if len(instruments) == 1:
        out = instruments[0].ticks_to_prices(counts) if prices else instruments[0].lots_to_qtys(counts)
    else:
        out = np.empty(len(counts), dtype=np.float64)
        for index, inst in enumerate(instruments):
            rows = codes == index
            out[rows] = inst.ticks_to_prices(counts[rows]) if prices else inst.lots_to_qtys(counts[rows])
    if absent is not None:
        out[counts <= 0] = absent
    return out


def side_names(sides: _Counts) -> Any:
    """``"buy"``/``"sell"`` for each side code, as a column of strings."""
    return _labels(_SIDE_NAMES, (np.asarray(sides, dtype=np.int64) != BUY).astype(np.int64))


def _symbols(instruments: tuple[Instrument, ...]) -> list[str]:
    return [inst.symbol for inst in instruments]
