"""The compiled settlement (`hft_core.engine._settle`, through `Blotter.settle`) at its edges, written against
the mutants scripts/mutation.py left alive there (issue #18; the tool runs these with numba's JIT off, so the kernel
runs as Python): the fill rows, statuses, reasons and open-order list it writes, modifies answered and refused,
rows it must skip, and the 2^62 bounds."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from hft_core.engine import _settle as s
from hft_core.engine.blotter import Blotter, SettleError
from hft_core.events import BUY, SELL
from hft_core.instruments import FeeSchedule, Instrument
from hft_core.matching.orders import OrderReason, OrderStatus, OrderType
from hft_core.risk import RiskStateError

BTC_USDT = Instrument("BTC/USDT", tick_size=1.0, lot_size=1.0, fees=FeeSchedule(taker=0.25))
ETH_BTC = Instrument("ETH/BTC", tick_size=0.5, lot_size=2.0, fees=FeeSchedule(maker=-0.125))
NAN = math.nan
V = OrderStatus


def _row(ts: int, inst: int, oid: int, status: int, side: int, price: int, leaves: int, fill: int = 0,
         fill_price: int = 0, maker: int = 0, reason: int = 0) -> list[int]:  # fmt: skip
    return [ts, inst, oid, int(status), reason, side, price, leaves, fill, fill_price, maker]


def _settle(blotter: Blotter, *rows: list[int]) -> list[list[int]]:
    refused: list[list[int]] = []
    blotter.settle(np.array(rows, dtype=np.int64), lambda: [NAN] * len(blotter.inst_f), refused.append)
    return refused


def test_each_fill_row_and_the_orders_close() -> None:
    blotter = Blotter((ETH_BTC, BTC_USDT))
    first = blotter.add(5, 1, SELL, OrderType.LIMIT, 30, 4)
    blotter.open(first)
    second = blotter.add(6, 1, BUY, OrderType.LIMIT, 20, 2)
    blotter.open(second)
    assert blotter.open_orders(None, 2) == [first, second] and blotter.risk_open_count == 2
    rows = [
        [7, 1, first, OrderStatus.ACCEPTED, 0, SELL, 30, 4, 0, 0, 0],
        [8, 1, first, OrderStatus.PARTIALLY_FILLED, 0, SELL, 30, 3, 1, 30, 1],
        [9, 1, first, OrderStatus.FILLED, 0, SELL, 30, 0, 3, 31, 0],
        [10, 1, second, OrderStatus.CANCELLED, int(OrderReason.REQUESTED), BUY, 20, 0, 0, 0, 0],
    ]
    blotter.settle(np.array(rows, dtype=np.int64), lambda: [NAN, 30.5], lambda row: None)
    fills = blotter.fills_i[: blotter.fill_count]
    assert fills[
        :, [s.SL_TS, s.SL_INST, s.SL_ID, s.SL_SIDE, s.SL_PRICE, s.SL_QTY, s.SL_MAKER, s.SL_POSITION]
    ].tolist() == [
        [8, 1, first, SELL, 30, 1, 1, -1],
        [9, 1, first, SELL, 31, 3, 0, -4],
    ]
    assert blotter.fills_f[:2].tolist() == [0.0, 0.25 * 93.0]
    assert blotter.status(first) == "filled" and blotter.status(second) == "cancelled"
    assert blotter.open_orders(None, 2) == [] and blotter.risk_open_count == 0
    assert blotter.exposure(1) == (-4, 0, 0) and blotter.position(1) == -4
    assert blotter.orders[first - 1, s.SO_DONE_TS] == 9 and blotter.orders[second - 1, s.SO_DONE_TS] == 10
    assert blotter.orders[first - 1, s.SO_FILLED] == 4
    assert blotter.inst_i[1, s.SI_LAST_PRICE] == 31 and blotter.inst_i[1, s.SI_CASH] == 30 + 93


def test_many_fills_grow_the_fill_arrays_and_keep_every_row() -> None:
    blotter = Blotter((BTC_USDT,))
    count = 3 * len(blotter.fills_f) + 1
    order = blotter.add(0, 0, BUY, OrderType.LIMIT, 10, count)
    blotter.open(order)
    rows = [
        [k, 0, order, OrderStatus.PARTIALLY_FILLED, 0, BUY, 10, count - k, 1, 10 + k % 3, 0] for k in range(1, count)
    ]
    rows.append([count, 0, order, OrderStatus.FILLED, 0, BUY, 10, 0, 1, 10, 0])
    blotter.settle(np.array(rows, dtype=np.int64), lambda: [10.0], lambda row: None)
    assert blotter.fill_count == count
    fills = blotter.fills_i[:count]
    assert fills[:, s.SL_TS].tolist() == list(range(1, count + 1))
    assert fills[:, s.SL_POSITION].tolist() == list(range(1, count + 1))
    assert blotter.position(0) == count and blotter.status(order) == "filled"


def test_modifies_answered_set_the_risk_count_to_the_venues_once_none_is_in_flight() -> None:
    blotter = Blotter((BTC_USDT,))
    order = blotter.add(0, 0, BUY, OrderType.LIMIT, 10, 5)
    blotter.open(order)
    blotter.modify_sent(order, 2)  # a decrease counts when confirmed
    blotter.modify_sent(order, 8)  # an increase at once
    assert blotter.exposure(0) == (0, 8, 0)
    _settle(blotter, _row(1, 0, order, V.MODIFIED, BUY, 11, 2))  # the first answered: one still in flight
    assert blotter.exposure(0) == (0, 8, 0) and blotter.order(order)[5] == 8
    assert blotter.orders[order - 1, s.SO_PRICE] == 11 and blotter.orders[order - 1, s.SO_QTY] == 2
    _settle(blotter, _row(2, 0, order, V.MODIFIED, BUY, 12, 8))
    assert blotter.exposure(0) == (0, 8, 0) and blotter.orders[order - 1, s.SO_MODIFYING] == 0
    blotter.modify_sent(order, 3)
    refused = _settle(blotter, _row(3, 0, order, V.REJECTED, BUY, 12, 8, reason=int(OrderReason.INVALID_QTY)))
    assert len(refused) == 1 and refused[0][2] == order
    assert blotter.exposure(0) == (0, 8, 0) and blotter.status(order) != "rejected"
    assert blotter.open_orders(None, 1) == [order]
    _settle(blotter, _row(4, 0, order, V.PARTIALLY_FILLED, BUY, 12, 6, 2, 12))
    assert blotter.exposure(0) == (2, 6, 0) and blotter.status(order) == "partially-filled"
    sell = blotter.add(5, 0, SELL, OrderType.LIMIT, 20, 4)
    blotter.open(sell)
    blotter.modify_sent(sell, 6)
    _settle(blotter, _row(6, 0, sell, V.MODIFIED, SELL, 20, 1))
    assert blotter.exposure(0) == (2, 6, 1)


def test_the_first_update_sets_accepted_or_partially_filled_and_a_final_one_its_status_and_reason() -> None:
    blotter = Blotter((BTC_USDT,))
    ids = []
    for _ in range(5):
        ids.append(blotter.add(0, 0, SELL, OrderType.LIMIT, 10, 5))
        blotter.open(ids[-1])
    blotter.set_status(ids[0], "sent")
    _settle(
        blotter,
        _row(1, 0, ids[0], V.PARTIALLY_FILLED, SELL, 10, 4, 1, 10),
        _row(1, 0, ids[1], V.ACCEPTED, SELL, 10, 5),
        _row(2, 0, ids[2], V.EXPIRED, SELL, 10, 0, reason=int(OrderReason.IOC_REMAINDER)),
        _row(3, 0, ids[3], V.REJECTED, SELL, 10, 0, reason=int(OrderReason.INVALID_PRICE)),
        _row(4, 0, ids[4], V.CANCELLED, SELL, 10, 0, reason=int(OrderReason.REQUESTED)),
        _row(5, 0, ids[4], V.CANCELLED, SELL, 10, 0, reason=int(OrderReason.SELF_TRADE)),  # late: skipped
    )
    assert [blotter.status(k) for k in ids] == ["partially-filled", "accepted", "expired", "rejected", "cancelled"]
    assert blotter.reason(ids[2]) is not None and "ioc" in str(blotter.reason(ids[2])).lower()
    assert blotter.orders[ids[4] - 1, s.SO_REASON] == int(OrderReason.REQUESTED)
    assert blotter.orders[ids[4] - 1, s.SO_DONE_TS] == 4
    assert blotter.open_orders(None, 1) == [ids[0], ids[1]] and blotter.risk_open_count == 2
    assert blotter.exposure(0) == (-1, 0, 9)


def test_rows_about_unknown_orders_are_skipped_and_bad_fills_refused() -> None:
    blotter = Blotter((BTC_USDT,))
    order = blotter.add(0, 0, BUY, OrderType.LIMIT, 10, 5)
    blotter.open(order)
    _settle(blotter, _row(1, 0, 0, V.FILLED, BUY, 10, 0, 5, 10), _row(1, 0, 2, V.FILLED, BUY, 10, 0, 5, 10))
    assert blotter.fill_count == 0 and blotter.position(0) == 0
    with pytest.raises(SettleError, match="side"):
        _settle(blotter, _row(2, 0, order, V.FILLED, 2, 10, 0, 5, 10))
    limit = 2**62
    with pytest.raises(SettleError, match="beyond 2"):
        _settle(blotter, _row(2, 0, order, V.PARTIALLY_FILLED, BUY, 10, 4, 1, limit // 1 + 1))
    with pytest.raises(SettleError, match="beyond 2"):
        _settle(blotter, _row(2, 0, order, V.PARTIALLY_FILLED, BUY, 10, 4, 1, -(limit // 1) - 1))
    with pytest.raises(SettleError, match="beyond 2"):
        _settle(blotter, _row(2, 0, order, V.PARTIALLY_FILLED, BUY, 10, 4, 1, limit // 1))  # cash at -2^62
    _settle(blotter, _row(2, 0, order, V.PARTIALLY_FILLED, BUY, 10, 4, 1, limit - 1))  # cash -(2^62 - 1)
    assert blotter.inst_i[0, s.SI_CASH] == -(limit - 1)
    closed = Blotter((BTC_USDT,))
    gone = closed.add(0, 0, BUY, OrderType.LIMIT, 10, 5)
    closed.open(gone)
    _settle(closed, _row(1, 0, gone, V.PARTIALLY_FILLED, BUY, 10, 0, 5, 10))  # all filled, not yet final
    with pytest.raises(RiskStateError, match="cannot sync"):
        _settle(closed, _row(2, 0, gone, V.REJECTED, BUY, 10, 5))


def test_fill_pnls_mark_each_fill_at_its_batchs_mids() -> None:
    blotter = Blotter((BTC_USDT, ETH_BTC))
    first = blotter.add(0, 0, BUY, OrderType.LIMIT, 100, 2)
    blotter.open(first)
    second = blotter.add(0, 1, SELL, OrderType.LIMIT, 4, 1)
    blotter.open(second)
    blotter.settle(np.array([_row(1, 0, first, V.FILLED, BUY, 100, 0, 2, 100, 1)]), lambda: [101.5, NAN], print)
    blotter.settle(np.array([_row(2, 1, second, V.FILLED, SELL, 4, 0, 1, 4, 1)]), lambda: [99.0, NAN], print)
    pnls = blotter.fill_pnls().tolist()
    # the first batch: 2 BTC bought at 100 marked at 101.5; no fee (maker, rate 0)
    # the second: BTC at 99 (-2), and ETH/BTC sold 1 lot at 4 ticks, no mid: marked at its fill, rebate 0.125 x 4
    assert pnls == [3.0, -2.0 + 0.5]


def test_a_closed_order_is_not_open_and_a_stray_report_leaves_the_open_list_alone() -> None:
    blotter = Blotter((BTC_USDT,))
    first, second = (blotter.add(0, 0, BUY, OrderType.LIMIT, 10, 1) for _ in range(2))
    blotter.open(first)
    blotter.open(second)
    never_sent = blotter.add(0, 0, BUY, OrderType.LIMIT, 10, 1)
    _settle(blotter, _row(1, 0, first, V.CANCELLED, BUY, 10, 0))
    assert blotter.open_instrument(first) == -1 and blotter.open_instrument(second) == 0
    _settle(blotter, _row(2, 0, never_sent, V.CANCELLED, BUY, 10, 0))  # about an order that was never opened
    assert blotter.open_orders(None, 1) == [second] and blotter.open_instrument(second) == 0
    assert blotter.open_instrument(never_sent) == -1


def test_marks_grow_past_their_first_rows_and_keep_every_batchs_mids() -> None:
    # 2,500 batches of one maker fill each (the marks start with room for 1,024 and double), with a batch without
    # fills (no mark) after each: fill n is marked at its own batch's mid, 100 + (n mod 11) / 2
    blotter = Blotter((BTC_USDT,))
    no_rows = np.zeros((0, len(_row(0, 0, 1, V.FILLED, BUY, 1, 0))), dtype=np.int64)
    expected: list[float] = []
    cash = position = 0
    for n in range(2_500):
        side, price, mid = (BUY if n % 2 == 0 else SELL), 100 + n % 7, 100 + n % 11 * 0.5
        order = blotter.add(n, 0, side, OrderType.LIMIT, price, 1)
        blotter.open(order)
        fill = np.array([_row(n, 0, order, V.FILLED, side, price, 0, 1, price, 1)])
        blotter.settle(fill, functools.partial(list, [mid]), print)
        blotter.settle(no_rows, lambda: [NAN], print)
        cash, position = cash - side * price, position + side
        expected.append(cash + position * mid)  # (maker fills: no fee)
    assert blotter.mark_count == 2_500
    assert blotter.fill_pnls().tolist() == expected


def test_tables_grow_in_place_or_beside_an_array_someone_holds() -> None:
    # the tables double in place when nothing else holds them; an array held elsewhere (a caller's view) makes
    # them grow into a new array instead, and the held one stays as it was
    blotter = Blotter((BTC_USDT,))
    first = blotter.orders
    for n in range(1_500):
        blotter.add(n, 0, BUY, OrderType.LIMIT, 100 + n, 1)
    assert blotter.orders is not first and len(blotter.orders) == 2_048  # (``first`` held it: a new array)
    assert first[:1_024, s.SO_PRICE].tolist() == list(range(100, 1_124))
    before = id(blotter.orders)  # (an id holds nothing)
    for n in range(1_500, 3_000):
        blotter.add(n, 0, BUY, OrderType.LIMIT, 100 + n, 1)
    assert len(blotter.orders) == 4_096 and id(blotter.orders) == before  # (grown in place)
    assert blotter.orders[:3_000, s.SO_PRICE].tolist() == list(range(100, 3_100))
    blotter.compact()
    assert blotter.orders.shape == (3_000, s.SO_SIZE) and len(blotter.open_ids) == 3_000
    assert blotter.orders[:, s.SO_TS].tolist() == list(range(3_000))
    later = blotter.add(3_000, 0, SELL, OrderType.LIMIT, 7, 2)  # (after compacting, it grows again)
    blotter.open(later)
    assert later == 3_001 and blotter.order(later) == (0, SELL, 7, 2, 0, 2) and blotter.open_orders(None, 1) == [later]
