"""The engine's compiled report settlement (`hft_core.engine.blotter`) against its plain-Python reference.

Random report streams, with modifies sent between batches, go both ways: into the blotter (one compiled call per
batch, batches cut at random) and into `hft_core.engine._reference.ReferenceSettlement` (`ReferenceRiskGate` +
`ReferenceLedger` + a journal). Positions, exposures, open orders, cash, fees (bit for bit), statuses and each
fill's PnL must agree.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
import pytest
from hft_core.engine import _settle
from hft_core.engine._reference import ReferenceLedger, ReferenceSettlement
from hft_core.engine.blotter import Blotter, SettleError
from hft_core.events import BUY, SELL
from hft_core.instruments import FeeSchedule, Instrument
from hft_core.matching.orders import OrderReason, OrderStatus, OrderType
from hft_core.risk import RiskStateError
from hft_core.venues.base import REPORT_ROW_SIZE
from hypothesis import given, settings
from hypothesis import strategies as st

INSTRUMENTS = (
    Instrument("AAA", tick_size=0.01, lot_size=0.001, fees=FeeSchedule(maker=-0.0001, taker=0.0004)),
    Instrument("BBB", tick_size=0.5, lot_size=1.0, multiplier=10.0, fees=FeeSchedule(maker=0.0002, taker=0.0005)),
)


@st.composite
def _streams(
    draw: st.DrawFn,
) -> tuple[list[tuple[int, int, int, int]], list[list[tuple[int, int]]], list[list[list[int]]], list[list[float]]]:
    """Orders (instrument, side, price, qty); per batch the modifies (order id, new open lots) sent before it; and
    batches of report rows about them, with each batch's mids."""
    n_orders = draw(st.integers(1, 12))
    sides = st.sampled_from((BUY, SELL))
    orders = [
        (draw(st.integers(0, 1)), draw(sides), draw(st.integers(1, 10**6)), draw(st.integers(1, 50)))
        for _ in range(n_orders)
    ]
    leaves = {oid: qty for oid, (_, _, _, qty) in enumerate(orders, start=1)}
    prices = {oid: price for oid, (_, _, price, _) in enumerate(orders, start=1)}
    batches: list[list[list[int]]] = []
    all_requests: list[list[tuple[int, int]]] = []
    all_mids: list[list[float]] = []
    ts = 0
    for _ in range(draw(st.integers(1, 8))):
        # modifies sent now (to orders still open as the venue has them; their answers may come in later batches)
        requests = [(oid, draw(st.integers(1, 60))) for oid in draw(st.lists(st.sampled_from(sorted(leaves))))]
        all_requests.append([(oid, lots) for oid, lots in requests if leaves[oid] > 0])
        batch: list[list[int]] = []
        for _ in range(draw(st.integers(0, 6))):
            ts += draw(st.integers(0, 5))
            oid = draw(st.integers(0, n_orders + 1))  # 0 and n + 1: ids the engine never sent
            inst, side, _, _ = orders[min(max(oid, 1), n_orders) - 1]
            left = leaves.get(oid, 0)
            kind = draw(st.sampled_from(("ack", "fill", "cancel", "expire", "modify", "refuse", "reject")))
            row = [ts, inst, oid, OrderStatus.ACCEPTED, 0, side, prices.get(oid, 1), left, 0, 0, 0]
            if kind == "fill" and left > 0:
                qty = draw(st.integers(1, left))
                leaves[oid] = left - qty
                status = OrderStatus.FILLED if qty == left else OrderStatus.PARTIALLY_FILLED
                fill_price = draw(st.integers(1, 10**6))
                row[3:] = [status, 0, side, prices[oid], left - qty, qty, fill_price, draw(st.integers(0, 1))]
            elif kind in ("cancel", "expire", "reject") and oid in leaves:
                status = {"cancel": OrderStatus.CANCELLED, "expire": OrderStatus.EXPIRED}.get(
                    kind, OrderStatus.REJECTED
                )
                reason = OrderReason.REQUESTED if kind == "cancel" else OrderReason.POST_ONLY_WOULD_CROSS
                row[3:8] = [status, reason, side, prices[oid], 0]
                leaves[oid] = 0
            elif kind == "modify" and left > 0:
                prices[oid] = draw(st.integers(1, 10**6))
                leaves[oid] = left = draw(st.integers(1, 60))  # the venue sets the open quantity
                row[3:8] = [OrderStatus.MODIFIED, 0, side, prices[oid], left]
            elif kind == "refuse" and left > 0:
                row[3:8] = [OrderStatus.REJECTED, OrderReason.POST_ONLY_WOULD_CROSS, side, prices[oid], left]
            batch.append(row)
        batches.append(batch)
        drawn = [draw(st.sampled_from((math.nan, 1000.0, 99999.5, 123.25))) for _ in INSTRUMENTS]
        # the engine's mids: an instrument keeps its last one while a side of its book is empty
        previous = all_mids[-1] if all_mids else [math.nan] * len(INSTRUMENTS)
        all_mids.append([new if math.isfinite(new) else old for new, old in zip(drawn, previous, strict=True)])
    return orders, all_requests, batches, all_mids


@settings(max_examples=150, deadline=None)
@given(_streams(), st.integers(0, 3))
def test_settling_agrees_with_the_risk_gate_and_the_ledger(stream: tuple, cut: int) -> None:  # type: ignore[type-arg]
    orders, all_requests, batches, all_mids = stream
    blotter = Blotter(INSTRUMENTS)
    blotter._grow_fills = _small_then_grow(blotter)  # type: ignore[method-assign]
    reference = ReferenceSettlement(INSTRUMENTS)
    for instrument, side, price, qty in orders:
        order_id = blotter.add(0, instrument, side, OrderType.LIMIT, price, qty)
        blotter.open(order_id)
        reference.send(order_id, instrument, side, price, qty)
    refused: list[int] = []
    for requests, batch, mids in zip(all_requests, batches, all_mids, strict=True):
        for order_id, lots in requests:
            if blotter.open_instrument(order_id) >= 0:
                blotter.modify_sent(order_id, lots)
                reference.modify(order_id, lots)
        rows = np.array(batch, dtype=np.int64).reshape(len(batch), REPORT_ROW_SIZE)
        reference.settle(batch, mids)
        # a batch settled in two calls (cut at a random row) must come out as in one
        first = min(cut, len(batch))
        batch_mids: Callable[[], list[float]] = functools.partial(list, mids)
        blotter.settle(rows[:first], batch_mids, lambda row: refused.append(row[2]))
        blotter.settle(rows[first:], batch_mids, lambda row: refused.append(row[2]))
    assert refused == reference.refused
    n = blotter.fill_count
    assert [tuple(row) for row in blotter.fills_i[:n, : _settle.SL_BATCH].tolist()] == reference.fills
    assert blotter.fills_f[:n].tolist() == reference.fees
    assert blotter.fill_pnls().tolist() == reference.pnls
    for index in range(len(INSTRUMENTS)):
        assert blotter.position(index) == reference.ledger.position(index)
        assert blotter.worst_case_positions(index) == reference.risk.worst_case_positions(index)
    assert blotter.risk_open_count == reference.risk.open_order_count
    assert blotter.cash() == reference.ledger.cash
    assert blotter.open_orders(None, len(INSTRUMENTS)) == sorted(reference.open)
    for order_id, order in reference.orders.items():
        assert blotter.status(order_id) == order["status"]
        assert (blotter.reason(order_id) or "") == order["reason"]
        _, _, price, qty, filled, _ = blotter.order(order_id)
        assert (price, qty, filled) == (order["price"], order["qty"], order["filled"])
        assert blotter.orders[order_id - 1, _settle.SO_DONE_TS] == order["done"]


def _small_then_grow(blotter: Blotter):  # type: ignore[no-untyped-def]
    """Start the fills arrays at one row, so that settling has to stop for room and resume."""
    blotter.fills_i = blotter.fills_i[:1].copy()
    blotter.fills_f = blotter.fills_f[:1].copy()
    return Blotter._grow_fills.__get__(blotter)


def _one_order(qty: int = 5) -> Blotter:
    blotter = Blotter(INSTRUMENTS)
    blotter.open(blotter.add(0, 0, BUY, OrderType.LIMIT, 100, qty))
    return blotter


def _settle_rows(blotter: Blotter, *rows: list[int]) -> None:
    blotter.settle(np.array(rows, dtype=np.int64), lambda: [math.nan, math.nan], lambda row: None)


def test_a_fill_beyond_what_is_open_is_an_error_not_a_wrapped_count() -> None:
    blotter = _one_order(qty=5)
    with pytest.raises(RiskStateError, match="fill of 6 for order 1 with 5 open"):
        _settle_rows(blotter, [1, 0, 1, OrderStatus.FILLED, 0, BUY, 100, 0, 6, 100, 1])
    blotter = _one_order()
    _settle_rows(blotter, [1, 0, 1, OrderStatus.CANCELLED, OrderReason.REQUESTED, BUY, 100, 0, 0, 0, 0])
    with pytest.raises(RiskStateError, match="does not know as open"):
        _settle_rows(blotter, [2, 0, 1, OrderStatus.FILLED, 0, BUY, 100, 0, 5, 100, 1])


def test_a_fill_with_no_side_or_beyond_64_bits_is_refused_with_its_reason() -> None:
    with pytest.raises(SettleError, match="fill side must be BUY"):
        _settle_rows(_one_order(), [1, 0, 1, OrderStatus.FILLED, 0, 0, 100, 0, 5, 100, 1])
    with pytest.raises(SettleError, match="beyond 2"):
        _settle_rows(_one_order(), [1, 0, 1, OrderStatus.FILLED, 0, BUY, 100, 0, 5, 2**61, 1])


def test_fill_pnls_beyond_64_bits_are_computed_exactly() -> None:
    """A position times a mark past 2^63 takes the Python-integer path: the same PnL as the ledger's."""
    blotter = Blotter(INSTRUMENTS[:1])
    qty = 2**40
    blotter.open(blotter.add(0, 0, BUY, OrderType.LIMIT, 2**20, qty))
    mid = float(2**30) + 0.5
    blotter.settle(
        np.array([[1, 0, 1, OrderStatus.FILLED, 0, BUY, 2**20, 0, qty, 2**20, 0]], dtype=np.int64),
        lambda: [mid],
        lambda row: None,
    )
    ledger = ReferenceLedger({0: INSTRUMENTS[0]})
    ledger.on_fill(0, BUY, 2**20, qty, maker=False)
    ledger.mark(0, 2**30)
    value = INSTRUMENTS[0].tick_size * INSTRUMENTS[0].lot_size
    assert blotter.fill_pnls().tolist() == [ledger.total_pnl(0) + qty * 0.5 * value]
