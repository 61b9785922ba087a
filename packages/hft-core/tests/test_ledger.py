"""The reference ledger (`hft_core.engine._reference`, what the compiled settlement is tested against): worked
average-cost examples (adding, reducing, flipping through zero), fees and rebates,
multi-instrument totals, matching-engine executions, the recorded series, and a property test against PnL
computed independently from cash and marks."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hft_core.engine._reference import ReferenceLedger
from hft_core.engine.blotter import SettleError
from hft_core.events import BUY, SELL
from hft_core.instruments import FeeSchedule, Instrument
from hft_core.matching import Execution, MatchingEngine
from hypothesis import given, settings
from hypothesis import strategies as st

SPOT = Instrument("SPOT", tick_size=0.01)  # one tick·lot is 0.01
FUT = Instrument("FUT", tick_size=0.25, multiplier=50.0, fees=FeeSchedule(maker=-0.0001, taker=0.0002))


def test_average_cost_through_add_reduce_and_flip() -> None:
    ledger = ReferenceLedger({1: SPOT})
    ledger.on_fill(1, BUY, 10_000, 10, maker=True)  # long 10 @ 100.00
    ledger.on_fill(1, BUY, 10_300, 5, maker=True)  # long 15, average 101.00
    assert ledger.position(1) == 15 and ledger.average_price(1) == pytest.approx(10_100)
    ledger.on_fill(1, SELL, 10_400, 6, maker=False)  # realize 6 × 3.00
    assert ledger.realized_pnl(1) == pytest.approx(18.0)
    assert ledger.average_price(1) == pytest.approx(10_100)  # reducing leaves the average alone
    ledger.on_fill(1, SELL, 9_900, 12, maker=False)  # close 9 at -2.00 each, open short 3 @ 99.00
    assert ledger.position(1) == -3 and ledger.average_price(1) == pytest.approx(9_900)
    assert ledger.realized_pnl(1) == pytest.approx(18.0 - 18.0)
    ledger.mark(1, 9_800)
    assert ledger.unrealized_pnl(1) == pytest.approx(3.0)
    assert ledger.total_pnl(1) == pytest.approx(3.0) and ledger.fees() == 0.0
    ledger.on_fill(1, BUY, 9_850, 3, maker=True)  # cover: +1.50 realized, flat
    assert ledger.position(1) == 0 and ledger.average_price(1) is None
    assert ledger.unrealized_pnl(1) == 0.0 and ledger.realized_pnl(1) == pytest.approx(1.5)
    summary = ledger.summary(1)
    assert (summary.fills, summary.traded_lots, summary.mark) == (5, 36, 9_800)


def test_short_first_then_cover() -> None:
    ledger = ReferenceLedger({1: SPOT}, initial_cash=1_000.0)
    ledger.on_fill(1, SELL, 5_000, 4, maker=False)
    assert ledger.cash == pytest.approx(1_200.0) and ledger.position(1) == -4
    ledger.mark(1, 5_100)
    assert ledger.unrealized_pnl() == pytest.approx(-4.0) and ledger.equity == pytest.approx(996.0)
    ledger.on_fill(1, BUY, 4_900, 4, maker=False)
    assert ledger.realized_pnl() == pytest.approx(4.0) and ledger.cash == pytest.approx(1_004.0)
    assert ledger.equity == pytest.approx(1_004.0)


def test_fees_and_rebates_use_the_instruments_schedule() -> None:
    ledger = ReferenceLedger({7: FUT})
    # 4000.00 = 16000 ticks; one lot is 4000 × 50 = 200000 notional.
    rebate = ledger.on_fill(7, BUY, 16_000, 2, maker=True)
    fee = ledger.on_fill(7, SELL, 16_004, 2, maker=False)  # +1.00 point × 50 × 2 = +100 gross
    assert rebate == pytest.approx(-40.0) and fee == pytest.approx(2 * 200_050.0 * 0.0002)
    summary = ledger.summary(7)
    assert summary.maker_fees == pytest.approx(-40.0) and summary.taker_fees == pytest.approx(80.02)
    assert ledger.realized_pnl() == pytest.approx(100.0)
    assert ledger.total_pnl() == pytest.approx(100.0 + 40.0 - 80.02)
    assert ledger.cash == pytest.approx(ledger.total_pnl())


def test_totals_sum_over_instruments() -> None:
    ledger = ReferenceLedger({1: SPOT, 7: FUT})
    ledger.on_fill(1, BUY, 10_000, 10, maker=True)
    ledger.on_fill(7, SELL, 16_000, 1, maker=True)
    ledger.mark_all({1: 10_100, 7: 15_996})
    assert ledger.unrealized_pnl(1) == pytest.approx(10.0)
    assert ledger.unrealized_pnl(7) == pytest.approx(50.0)  # short 1 lot, down 1.00 point
    assert ledger.unrealized_pnl() == pytest.approx(60.0)
    assert ledger.total_pnl() == pytest.approx(ledger.total_pnl(1) + ledger.total_pnl(7))
    assert ledger.fees() == pytest.approx(ledger.fees(1) + ledger.fees(7))


def test_without_a_mark_the_last_fill_price_values_the_position() -> None:
    ledger = ReferenceLedger({1: SPOT})
    ledger.on_fill(1, BUY, 10_000, 1, maker=True)
    ledger.on_fill(1, BUY, 10_200, 1, maker=True)
    assert ledger.summary(1).mark == 10_200 and ledger.unrealized_pnl() == pytest.approx(2.0)  # 2 × (102 - 101)


def test_matching_engine_executions_are_booked_per_owner() -> None:
    engine = MatchingEngine(instrument_id=1)
    engine.submit(SELL, 10_000, 5, owner=1)
    engine.submit(BUY, 10_000, 3, owner=2)
    (execution,) = engine.drain().executions
    maker, taker = ReferenceLedger({1: SPOT}), ReferenceLedger({1: SPOT})
    maker.on_execution(execution, owner=1, instrument_id=1)
    taker.on_execution(execution, owner=2, instrument_id=1)
    assert maker.position(1) == -3 and taker.position(1) == 3
    assert maker.summary(1).maker_fees == 0.0 and maker.summary(1).fills == 1
    with pytest.raises(SettleError, match="owner 3"):
        maker.on_execution(execution, owner=3, instrument_id=1)
    self_trade = Execution(0, 9, 10_000, 2, BUY, 11, 4, 12, 4)
    both = ReferenceLedger({1: SPOT})
    both.on_execution(self_trade, owner=4, instrument_id=1)
    assert both.position(1) == 0 and both.summary(1).fills == 2


@pytest.mark.parametrize(
    ("instrument_id", "side", "qty", "message"),
    [(2, BUY, 1, "not in this ledger"), (1, 0, 1, "side"), (1, BUY, 0, "positive"), (1, BUY, 1.5, "integer")],
)
def test_bad_fills_are_refused(instrument_id: int, side: int, qty: int, message: str) -> None:
    ledger = ReferenceLedger({1: SPOT})
    with pytest.raises(SettleError, match=message):
        ledger.on_fill(instrument_id, side, 100, qty, maker=True)
    assert ledger.position(1) == 0 and ledger.summary(1).fills == 0


def test_a_ledger_needs_instruments() -> None:
    with pytest.raises(SettleError):
        ReferenceLedger({})
    with pytest.raises(SettleError):
        ReferenceLedger({1: SPOT}).mark(3, 100)


def test_recorded_series_as_arrays_and_frame() -> None:
    ledger = ReferenceLedger({1: SPOT, 7: FUT}, initial_cash=10_000.0)
    empty = ledger.history()
    assert empty.ts.shape == (0,) and empty.positions.shape == (0, 2)
    ledger.record(100)
    ledger.on_fill(1, BUY, 10_000, 10, maker=True)
    ledger.record(200, marks={1: 10_050})
    ledger.on_fill(7, SELL, 16_000, 1, maker=False)
    ledger.record(300, marks={7: 16_004})
    history = ledger.history()
    assert history.ts.tolist() == [100, 200, 300] and history.instrument_ids == (1, 7)
    assert history.positions.tolist() == [[0, 0], [10, 0], [10, -1]]
    assert history.marks[1, 0] == 10_050 and math.isnan(history.marks[1, 1]) and history.marks[2, 1] == 16_004
    np.testing.assert_allclose(history.equity, 10_000.0 + history.total_pnl)
    np.testing.assert_allclose(history.total_pnl, history.realized_pnl + history.unrealized_pnl - history.fees)
    assert history.total_pnl[1] == pytest.approx(5.0)
    frame = ledger.history_frame()
    assert list(frame.index) == [100, 200, 300] and frame.index.name == "ts"
    assert {"equity", "total_pnl", "cash", "position_1", "position_7", "mark_7"} <= set(frame.columns)
    assert frame["position_7"].tolist() == [0, 0, -1]


FILLS = st.lists(
    st.tuples(
        st.sampled_from([1, 7]),
        st.sampled_from([BUY, SELL]),
        st.integers(15_900, 16_100),
        st.integers(1, 9),
        st.booleans(),
        st.one_of(st.none(), st.integers(15_900, 16_100)),
    ),
    max_size=60,
)


@settings(max_examples=250, deadline=None, derandomize=True)
@given(fills=FILLS, initial_cash=st.floats(-1e6, 1e6))
def test_total_pnl_equals_cash_plus_positions_at_marks(
    fills: list[tuple[int, int, int, int, bool, int | None]], initial_cash: float
) -> None:
    instruments = {1: SPOT, 7: FUT}
    ledger = ReferenceLedger(instruments, initial_cash=initial_cash)
    cash = initial_cash
    position = {1: 0, 7: 0}
    explicit_mark: dict[int, int] = {}
    last_fill: dict[int, int] = {}
    # An independent average-cost book, in exact fractions: (position, average price) per instrument.
    average: dict[int, Fraction] = {1: Fraction(0), 7: Fraction(0)}
    realized = {1: Fraction(0), 7: Fraction(0)}
    for instrument_id, side, price, qty, maker, new_mark in fills:
        instrument = instruments[instrument_id]
        notional = instrument.notional(price, qty)
        fee = ledger.on_fill(instrument_id, side, price, qty, maker=maker)
        assert fee == pytest.approx(instrument.fees.fee(notional, maker=maker))
        cash += -side * notional - fee
        before = position[instrument_id]
        if before == 0 or (before > 0) == (side > 0):
            average[instrument_id] = (average[instrument_id] * abs(before) + price * qty) / (abs(before) + qty)
        else:
            closed = min(qty, abs(before))
            realized[instrument_id] += closed * (price - average[instrument_id]) * (1 if before > 0 else -1)
            if qty > abs(before):
                average[instrument_id] = Fraction(price)
        position[instrument_id] = before + side * qty
        last_fill[instrument_id] = price
        if new_mark is not None:
            ledger.mark(instrument_id, new_mark)
            explicit_mark[instrument_id] = new_mark
        marked = {i: explicit_mark.get(i, last_fill.get(i)) for i in instruments}
        assert marked == {i: ledger.summary(i).mark for i in instruments}
        value = {i: instruments[i].tick_size * instruments[i].lot_size * instruments[i].multiplier for i in instruments}
        holdings = sum(position[i] * (marked[i] or 0) * value[i] for i in instruments)
        scale = max(1.0, abs(cash), abs(holdings))
        assert ledger.cash == pytest.approx(cash, rel=1e-9, abs=1e-9 * scale)
        assert ledger.total_pnl() == pytest.approx(cash + holdings - initial_cash, rel=1e-9, abs=1e-9 * scale)
        assert ledger.equity == pytest.approx(cash + holdings, rel=1e-9, abs=1e-9 * scale)
        total_parts = ledger.realized_pnl() + ledger.unrealized_pnl() - ledger.fees()
        assert total_parts == pytest.approx(ledger.total_pnl(), rel=1e-9, abs=1e-9 * scale)
        # the exact parts agree exactly with the independent book
        for i in instruments:
            expected_average = float(average[i]) if position[i] else None
            assert ledger.average_price(i) == expected_average
            assert ledger.summary(i).realized_pnl == float(realized[i]) * value[i]
        for i in instruments:
            assert ledger.position(i) == position[i]
            assert ledger.realized_pnl(i) == pytest.approx(float(realized[i]) * value[i], rel=1e-9, abs=1e-6)
            if position[i]:
                assert ledger.average_price(i) == pytest.approx(float(average[i]), rel=1e-12)
            else:
                assert ledger.average_price(i) is None and ledger.unrealized_pnl(i) == 0.0
