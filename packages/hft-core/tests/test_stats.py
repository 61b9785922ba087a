"""Run statistics (`hft_core.engine.stats`) against numbers worked out by hand, and the engine's use of them.

Each expected value below is written from the definitions, fill by fill, not computed by the function under test.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hft_core import Context, Strategy
from hft_core.engine import Engine
from hft_core.engine import stats as st
from hft_core.engine._columns import STRINGS, codes, labels
from hft_core.engine.results import BacktestResult, round_trips_frame
from hft_core.instruments import Instrument
from hft_core.venues.replay import ReplayVenue
from hft_core.venues.replay._scenarios import random_l2_stream
from hypothesis import given, settings
from hypothesis import strategies as hs

SEC = 1_000_000_000


def _f(values: list[float]) -> np.ndarray:
    return np.array(values, dtype=np.float64)


def _i(values: list[int]) -> np.ndarray:
    return np.array(values, dtype=np.int64)


# -- PnL and costs ------------------------------------------------------------------------------------------------
def test_fees_paid_rebates_received_and_net() -> None:
    paid, rebates, net = st.fee_totals(_f([0.5, -0.2, 0.1, -0.05]))
    assert paid == pytest.approx(0.6)
    assert rebates == pytest.approx(0.25)
    assert net == pytest.approx(0.35)
    assert st.fee_totals(_f([])) == (0.0, 0.0, 0.0)
    assert st.fee_totals(_f([-0.1, -0.3])) == pytest.approx((0.0, 0.4, -0.4))


def test_max_drawdown() -> None:
    assert st.max_drawdown([0.0, 2.0, 1.0, 3.0, -1.0, 0.0]) == 4.0  # 3 → -1
    assert st.max_drawdown([0.0, 1.0, 2.0]) == 0.0
    assert st.max_drawdown([]) == 0.0


def test_sharpe_samples_the_pnl_on_a_grid_and_is_not_annualised() -> None:
    # samples every 30 s; at the minute marks 0, 60, 120, 180 s the PnL is 0, 1, 4, 6 → changes 1, 3, 2
    ts = [k * 30 * SEC for k in range(7)]
    pnl = [0.0, 9.0, 1.0, -5.0, 4.0, 7.0, 6.0]
    value, samples = st.sampled_sharpe(ts, pnl, 60 * SEC, min_samples=3)
    assert samples == 3
    assert value == pytest.approx(2.0 / 1.0)  # mean 2, sample std sqrt(((1-2)² + (3-2)² + 0) / 2) = 1
    # a grid point between samples takes the last sample at or before it
    value, samples = st.sampled_sharpe([0, 50 * SEC, 130 * SEC], [0.0, 2.0, 5.0], 60 * SEC, min_samples=2)
    assert samples == 2  # the PnL at 0, 60, 120 s: 0, 2, 2 → changes 2, 0
    assert value == pytest.approx(1.0 / math.sqrt(2.0))


def test_sharpe_needs_thirty_changes_and_a_moving_pnl() -> None:
    five_minutes = [k * SEC for k in range(301)]
    rng = np.random.default_rng(3)
    assert st.sampled_sharpe(five_minutes, rng.normal(size=301).cumsum(), 60 * SEC) == (None, 5)
    half_hour = [k * SEC for k in range(1801)]
    value, samples = st.sampled_sharpe(half_hour, rng.normal(size=1801).cumsum(), 60 * SEC)
    assert samples == 30 and value is not None
    assert st.sampled_sharpe(half_hour, [1.0] * 1801, 60 * SEC) == (None, 30)
    assert st.sampled_sharpe([], [], 60 * SEC) == (None, 0)


def test_daily_sharpe_of_forty_days() -> None:
    day = 86_400 * SEC
    changes = [1.0, -1.0, 3.0, 1.0] * 10  # mean 1, sample std sqrt((0 + 4 + 4 + 0) × 10 / 39)
    pnl = np.concatenate([[0.0], np.cumsum(changes)])
    value, samples = st.sampled_sharpe([k * day for k in range(41)], pnl, day)
    assert samples == 40
    assert value == pytest.approx(1.0 / math.sqrt(80 / 39))


# -- execution quality --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("risk max_position: order 155: position could reach 11 if all buys fill, limit 10", "risk max_position"),
        ("invalid size 0.4: below one lot of 1.0", "invalid size"),
        ("invalid price -1.0", "invalid price"),
        ("post_only_would_cross", "post_only_would_cross"),
        ("", "unspecified"),
    ],
)
def test_reason_kind(reason: str, kind: str) -> None:
    assert st.reason_kind(reason) == kind


def test_rejections_by_reason_counts_rejected_orders_only() -> None:
    status = ["rejected", "cancelled", "rejected", "filled", "rejected", "rejected"]
    reason = [
        "risk max_position: order 1: …",
        "requested",
        "post_only_would_cross",
        "",
        "risk max_position: order 9: …",
        "risk order_rate: 11 orders in 1 s",
    ]
    assert st.rejections_by_reason(status, reason) == {
        "post_only_would_cross": 1,
        "risk max_position": 2,
        "risk order_rate": 1,
    }
    assert st.rejections_by_reason([], []) == {}


def test_mids_at_takes_the_last_mid_at_or_before_and_nothing_outside_the_series() -> None:
    mids = st.mids_at(_i([0, 10, 20]), _f([100.0, 101.0, 102.0]), _i([-1, 0, 5, 10, 20, 21]))
    np.testing.assert_array_equal(mids, [np.nan, 100.0, 100.0, 101.0, 102.0, np.nan])


def _hand_fills() -> dict[str, np.ndarray]:
    """Three fills of X against mids sampled each second: 100, 100.5, 101, 99, 99.5 at 0…4 s."""
    return {
        "ts": _i([SEC // 2, 1_200_000_000, 3_900_000_000]),
        "instrument": np.array(["X", "X", "X"], dtype=object),
        "side": _i([1, -1, 1]),
        "price": _f([99.8, 100.9, 100.0]),
        "qty": _f([2.0, 1.0, 1.0]),
        "multiplier": _f([1.0, 1.0, 1.0]),
        "mid_ts": _i([k * SEC for k in range(5)]),
        "mid_instrument": np.array(["X"] * 5, dtype=object),
        "mids": _f([100.0, 100.5, 101.0, 99.0, 99.5]),
    }


def test_spread_capture_and_markouts_by_hand() -> None:
    f = _hand_fills()
    quality = st.fill_quality(**f)
    # mids at the fills: 100 (0.5 s), 100.5 (1.2 s), 99 (3.9 s) → edges +0.2 (buy), +0.4 (sell), -1.0 (buy)
    capture = quality["spread_capture"]
    assert capture["fills"] == 3
    assert capture["mean"] == pytest.approx((0.2 + 0.4 - 1.0) / 3)
    assert capture["mean_bp"] == pytest.approx((0.2 / 99.8 + 0.4 / 100.9 - 1.0 / 100.0) / 3 * 1e4)
    assert capture["pnl"] == pytest.approx(0.2 * 2 + 0.4 - 1.0)
    assert capture["vw_mean_bp"] == pytest.approx(-0.2 / (99.8 * 2 + 100.9 + 100.0) * 1e4)
    # 1 s later: 100.5 (1.5 s) and 101 (2.2 s); 4.9 s is past the last sample (4 s), so the third fill drops out
    one = quality["markouts"]["1s"]
    assert one["fills"] == 2
    assert one["mean"] == pytest.approx((0.7 + -0.1) / 2)
    assert one["mean_bp"] == pytest.approx((0.7 / 99.8 - 0.1 / 100.9) / 2 * 1e4)
    assert one["pnl"] == pytest.approx(0.7 * 2 - 0.1)
    assert one["vw_mean_bp"] == pytest.approx((0.7 * 2 - 0.1) / (99.8 * 2 + 100.9) * 1e4)
    # the mid moved +0.5 under the buy (in its favour) and +0.5 against the sell
    assert one["adverse_selection_bp"] == pytest.approx((-0.5 / 99.8 + 0.5 / 100.9) / 2 * 1e4)
    # 10 s and 60 s later the series has ended for every fill
    for horizon in ("10s", "60s"):
        assert quality["markouts"][horizon] == {
            "fills": 0,
            "mean": None,
            "mean_bp": None,
            "vw_mean_bp": None,
            "pnl": 0.0,
            "adverse_selection_bp": None,
        }


def test_markouts_use_each_instruments_own_mids_and_multiplier() -> None:
    # Y's mids (10, 12) interleave with X's; a sell of 3 Y (multiplier 5) at 11 at 0 s marks out at 12 after 1 s
    quality = st.fill_quality(
        ts=_i([0]),
        instrument=np.array(["Y"], dtype=object),
        side=_i([-1]),
        price=_f([11.0]),
        qty=_f([3.0]),
        multiplier=_f([5.0]),
        mid_ts=_i([0, 0, SEC, SEC]),
        mid_instrument=np.array(["X", "Y", "X", "Y"], dtype=object),
        mids=_f([100.0, 10.0, 100.0, 12.0]),
    )
    assert quality["spread_capture"]["pnl"] == pytest.approx((11.0 - 10.0) * 3 * 5)
    assert quality["markouts"]["1s"]["pnl"] == pytest.approx((11.0 - 12.0) * 3 * 5)
    assert quality["markouts"]["1s"]["adverse_selection_bp"] == pytest.approx(2.0 / 11.0 * 1e4)


@settings(max_examples=60, deadline=None)
@given(
    hs.lists(
        hs.tuples(
            hs.integers(0, 40), hs.integers(-1, 40), hs.sampled_from([1, -1, 0]), hs.integers(-1, 2), hs.booleans()
        ),
        max_size=14,
    )
)
def test_covered_time_by_instrument_matches_counting_each_unit(orders: list[tuple[int, int, int, int, bool]]) -> None:
    # orders of three instruments (code -1: none of them), some not resting, sides +1/-1 (0: neither), in time order
    orders = sorted(orders)
    ts, done, side, codes, resting = (_i([o[j] for o in orders]) for j in range(5))
    resting = resting.astype(np.bool_)
    start, end = 5, 35
    expected = np.zeros((3, 3), dtype=np.int64)
    for code in range(3):
        for unit in range(start, end):
            sides = {
                s for t, d, s, c, r in orders if r and c == code and t <= unit and (d < 0 or d > unit) and s in (1, -1)
            }
            expected[code] += [1 in sides, -1 in sides, bool(sides)]
    for covered_time in (st.covered_time_py, st.covered_time):
        covered = np.zeros((3, 3), dtype=np.int64)
        covered_time(ts, done, side, codes, resting, start, end, covered)
        assert covered.tolist() == expected.tolist()
    uptimes = st.coded_quote_uptimes(("A", "B", "C"), codes, ts, done, side, resting, start, end)
    by_name = st.quote_uptimes(("A", "B", "C"), ["ABC"[c] if c >= 0 else "Z" for c in codes.tolist()], ts, done,
                               side, resting, start, end)  # fmt: skip
    assert uptimes == by_name
    assert uptimes["B"] == {
        "bid": pytest.approx(expected[1, 0] / 30),
        "ask": pytest.approx(expected[1, 1] / 30),
        "two_sided": pytest.approx((expected[1, 0] + expected[1, 1] - expected[1, 2]) / 30),
    }


def test_side_signs_of_a_column_and_of_a_list() -> None:
    sides = ["buy", "sell", "sell", "buy"]
    assert st.side_signs(sides).tolist() == [1, -1, -1, 1]
    assert st.side_signs(pd.Series(sides)).tolist() == [1, -1, -1, 1]
    assert st.side_signs(pd.Series(sides, dtype=object)).tolist() == [1, -1, -1, 1]


def test_column_codes_and_labels_round_trip() -> None:
    # codes of a string column in order of appearance, whether pandas keeps it in Arrow (here in two chunks) or as
    # objects; a missing value is a value of its own
    chunked = pd.concat([pd.Series(["X", "Y"]), pd.Series(["Y", "Z", "X"])], ignore_index=True)
    for column in (chunked, chunked.astype(object), pd.Series(["X", None, "X"]), pd.Series([], dtype=object)):
        names, coded = codes(column)
        assert coded.dtype == np.int64
        assert [names[c] for c in coded.tolist()] == [v if isinstance(v, str) else "nan" for v in column.tolist()]
        assert labels(names, coded).tolist() == [names[c] for c in coded.tolist()]
    names, coded = codes(chunked)
    assert (names, coded.tolist()) == (["X", "Y", "Z"], [0, 1, 1, 2, 0])


def test_resting_orders() -> None:
    types = ["limit", "post_only", "ioc", "fok", "market", "limit"]
    status = ["filled", "cancelled", "expired", "filled", "filled", "rejected"]
    assert st.resting_orders(types, status).tolist() == [True, True, False, False, False, False]


def test_quote_uptime_by_hand() -> None:
    # market time 0…100; bids [0, 30) and [20, 50) overlap → 50; asks [40, 60) and [90, open) → 30; both: [40, 50)
    ts = _i([0, 20, 40, 90])
    done = _i([30, 50, 60, -1])
    side = _i([1, 1, -1, -1])
    assert st.quote_uptime(ts, done, side, 0, 100) == {"bid": 0.5, "ask": 0.3, "two_sided": 0.1}
    # an overlap that reaches one unit further; one that ends where the next begins; one inside another
    assert st.quote_uptime(_i([0, 5]), _i([10, 11]), _i([1, 1]), 0, 100)["bid"] == 0.11
    assert st.quote_uptime(_i([0, 10]), _i([10, 20]), _i([-1, -1]), 0, 100)["ask"] == 0.2
    assert st.quote_uptime(_i([0, 2, 30]), _i([20, 5, 31]), _i([1, 1, 1]), 0, 100)["bid"] == 0.21
    # an order from before the start counts from the start
    assert st.quote_uptime(_i([-50]), _i([25]), _i([1]), 0, 100) == {"bid": 0.25, "ask": 0.0, "two_sided": 0.0}
    assert st.quote_uptime(_i([]), _i([]), _i([]), 0, 100) == {"bid": 0.0, "ask": 0.0, "two_sided": 0.0}
    assert st.quote_uptime(_i([]), _i([]), _i([]), 5, 5) == {"bid": None, "ask": None, "two_sided": None}


def test_quote_uptimes_per_instrument_from_the_orders_table() -> None:
    uptime = st.quote_uptimes(
        ("A", "B"),
        np.array(["A", "A", "B", "A"], dtype=object),
        _i([0, 0, 10, 0]),
        _i([-1, 40, 20, 100]),
        _i([1, -1, 1, -1]),
        np.array([True, True, True, False]),  # the last one (say an IOC) never rests
        0,
        100,
    )
    assert uptime == {
        "A": {"bid": 1.0, "ask": 0.4, "two_sided": 0.4},
        "B": {"bid": 0.1, "ask": 0.0, "two_sided": 0.0},
    }


@settings(max_examples=60, deadline=None)
@given(
    hs.lists(
        hs.tuples(hs.integers(0, 40), hs.integers(-1, 40), hs.sampled_from([1, -1])),
        max_size=12,
    )
)
def test_quote_uptime_matches_counting_each_unit_of_time(orders: list[tuple[int, int, int]]) -> None:
    start, end = 5, 35
    ts = _i([t for t, _, _ in orders])
    done = _i([d if d < 0 else max(d, t) for t, d, _ in orders])
    side = _i([s for _, _, s in orders])
    bid = ask = both = 0
    for unit in range(start, end):  # is [unit, unit + 1) covered?
        covering = [s for t, d, s in zip(ts, done, side, strict=True) if t <= unit and (d < 0 or d > unit)]
        bid += 1 in covering
        ask += -1 in covering
        both += 1 in covering and -1 in covering
    span = end - start
    expected = {
        "bid": pytest.approx(bid / span),
        "ask": pytest.approx(ask / span),
        "two_sided": pytest.approx(both / span),
    }
    assert st.quote_uptime(ts, done, side, start, end) == expected
    # in time order, as the engine's orders come (no sort on that path)
    order = np.argsort(ts, kind="stable")
    assert st.quote_uptime(ts[order], done[order], side[order], start, end) == expected


# -- round trips --------------------------------------------------------------------------------------------------
def test_round_trips_fifo_by_hand() -> None:
    # X: buy 2 @ 10, buy 1 @ 11, sell 2.5 @ 12, sell 1 @ 9, buy 0.5 @ 8 (fees 1% of qty); Y (multiplier 10): sell
    # 1 @ 5 then buy 1 @ 4, no fees.
    fills = pd.DataFrame(
        {
            "ts": [1 * SEC, 2 * SEC, 3 * SEC, 4 * SEC, 5 * SEC, 6 * SEC, 7 * SEC],
            "instrument": ["X", "X", "Y", "X", "X", "Y", "X"],
            "side": ["buy", "buy", "sell", "sell", "sell", "buy", "buy"],
            "price": [10.0, 11.0, 5.0, 12.0, 9.0, 4.0, 8.0],
            "qty": [2.0, 1.0, 1.0, 2.5, 1.0, 1.0, 0.5],
            "fee": [0.02, 0.01, 0.0, 0.025, 0.01, 0.0, 0.005],
        }
    )
    trips = round_trips_frame(fills, {"Y": 10.0})
    expected = [
        # instrument, side, qty, entry s, exit s, entry, exit, gross, fees, pnl
        ("X", "long", 2.0, 1, 4, 10.0, 12.0, 4.0, 0.04, 3.96),  # the whole first buy
        ("X", "long", 0.5, 2, 4, 11.0, 12.0, 0.5, 0.01, 0.49),  # half of the second
        ("X", "long", 0.5, 2, 5, 11.0, 9.0, -1.0, 0.01, -1.01),  # its other half
        ("Y", "short", 1.0, 3, 6, 5.0, 4.0, 10.0, 0.0, 10.0),
        ("X", "short", 0.5, 5, 7, 9.0, 8.0, 0.5, 0.01, 0.49),  # the sell of 1 @ 9 opened a short of 0.5
    ]
    assert len(trips) == len(expected)
    for row, (name, side, qty, entry_s, exit_s, entry, exit_, gross, fees, pnl) in zip(
        trips.itertuples(index=False), expected, strict=True
    ):
        assert (row.instrument, row.side) == (name, side)
        assert (row.entry_ts, row.exit_ts, row.holding_s) == (entry_s * SEC, exit_s * SEC, exit_s - entry_s)
        assert (row.qty, row.entry_price, row.exit_price) == (qty, entry, exit_)
        assert (row.gross_pnl, row.fees, row.pnl) == pytest.approx((gross, fees, pnl))
    assert str(trips["entry_time"].dtype) == "datetime64[ns, UTC]"
    assert trips["exit_time"].iloc[0] == pd.Timestamp("1970-01-01 00:00:04", tz="UTC")
    # both instruments end flat: the round trips' PnL is the cash (4 for X, 10 for Y) less all fees (0.07)
    assert trips["pnl"].sum() == pytest.approx(4.0 + 10.0 - 0.07)
    summary = st.round_trip_summary(trips["pnl"].to_numpy(), trips["holding_s"].to_numpy())
    assert summary == {"count": 5, "win_rate": 0.8, "mean_holding_s": pytest.approx(13 / 5), "pnl": 13.93}


def test_round_trips_leave_no_dust_from_float_lots() -> None:
    fills = pd.DataFrame(
        {
            "ts": [0, 1, 2, 3],
            "instrument": ["X"] * 4,
            "side": ["buy", "sell", "sell", "sell"],
            "price": [1.0, 2.0, 2.0, 2.0],
            "qty": [0.3, 0.1, 0.1, 0.1],  # 0.3 - 0.1 - 0.1 is 0.09999999999999998 in floats
            "fee": [0.0] * 4,
        }
    )
    trips = round_trips_frame(fills)
    assert trips["qty"].tolist() == [0.1, 0.1, 0.1]
    later = pd.concat(
        [fills, pd.DataFrame({"ts": [4], "instrument": ["X"], "side": ["sell"], "price": [3.0], "qty": [0.2]})]
    ).fillna({"fee": 0.0})
    # the fourth sell found nothing left to close: it opens a short of 0.2 and no round trip
    assert len(round_trips_frame(later)) == 3


_FILL = hs.tuples(
    hs.sampled_from(["A", "B"]),
    hs.sampled_from([1, -1]),
    hs.integers(1, 7),  # lots
    hs.integers(90, 110),  # price ticks
    hs.integers(-3, 3),  # fee, in thousandths
)


@settings(max_examples=80, deadline=None)
@given(hs.lists(_FILL, max_size=30))
def test_round_trip_pnls_add_up_to_the_pnl_of_a_run_that_ends_flat(raw: list[tuple[str, int, int, int, int]]) -> None:
    lot = {"A": 0.001, "B": 1.0}
    tick = {"A": 0.5, "B": 0.01}
    multiplier = {"A": 1.0, "B": 20.0}
    rows = [(name, side, lots * lot[name], ticks * tick[name], fee / 1000) for name, side, lots, ticks, fee in raw]
    for name in ("A", "B"):  # close what is open at the last price
        open_lots = sum(side * lots for n, side, lots, _, _ in raw if n == name)
        if open_lots:
            rows.append((name, -1 if open_lots > 0 else 1, abs(open_lots) * lot[name], 100 * tick[name], 0.0))
    fills = pd.DataFrame(
        {
            "ts": np.arange(len(rows), dtype=np.int64) * SEC,
            "instrument": [r[0] for r in rows],
            "side": ["buy" if r[1] > 0 else "sell" for r in rows],
            "price": [r[3] for r in rows],
            "qty": [r[2] for r in rows],
            "fee": [r[4] for r in rows],
        }
    )
    trips = round_trips_frame(fills, multiplier)
    # the frame matches by instrument code (`coded_round_trips`), `round_trips` by name: the same round trips
    by_name = st.round_trips(
        fills["ts"].to_numpy(),
        fills["instrument"].tolist(),
        st.side_signs(fills["side"].tolist()),
        fills["price"].to_numpy(),
        fills["qty"].to_numpy(),
        fills["fee"].to_numpy(),
        np.array([multiplier[name] for name in fills["instrument"]]),
    )
    assert list(by_name) == list(st.ROUND_TRIP_COLUMNS)
    for column, values in by_name.items():
        assert trips[column].tolist() == values.tolist(), column
    assert trips["instrument"].dtype == trips["side"].dtype == STRINGS  # (strings as pandas keeps them, even none)
    # flat at the end: PnL = cash from trading less fees
    pnl = sum(-side * qty * price * multiplier[name] - fee for name, side, qty, price, fee in rows)
    assert trips["pnl"].sum() == pytest.approx(pnl, abs=1e-9)
    for name in ("A", "B"):  # every unit bought was sold: the matched quantity is all of either side
        bought = sum(qty for n, side, qty, _, _ in rows if n == name and side > 0)
        sold = sum(qty for n, side, qty, _, _ in rows if n == name and side < 0)
        matched = trips.loc[trips["instrument"] == name, "qty"].sum()
        assert matched <= min(bought, sold) + 1e-9
        assert bought == pytest.approx(sold)
    assert (trips["holding_s"] >= 0).all()


def test_the_compiled_fifo_matcher_is_its_python_source() -> None:
    rng = np.random.default_rng(5)
    instrument = rng.integers(0, 3, 2_000)
    side = rng.choice([-1, 1], 2_000)
    units = rng.integers(1, 9, 2_000)
    compiled = st.match_fifo(instrument, side, units, 3)
    reference = st.match_fifo_py(instrument, side, units, 3)
    for got, expected in zip(compiled, reference, strict=True):
        np.testing.assert_array_equal(got, expected)
    assert len(reference[0]) > 500


# -- the engine and its outputs -----------------------------------------------------------------------------------
class _Quoter(Strategy):
    """Quotes one lot at the best bid and the best ask, every 2 µs of replay time."""

    def on_start(self, ctx: Context) -> None:
        ctx.set_timer(2e-6)

    def on_timer(self, ctx: Context) -> None:
        ctx.cancel_all()
        book = ctx.book()
        bid, ask = book.best_bid, book.best_ask
        if bid is not None and ask is not None:
            ctx.buy(1, bid, tif="post-only")
            ctx.sell(1, ask, tif="post-only")


def _run(sample_interval_s: float = 1e-6) -> BacktestResult:
    instrument = Instrument("AAA", tick_size=0.01, lot_size=1.0)
    venue = ReplayVenue(random_l2_stream(np.random.default_rng(11), 20_000), (instrument,))
    return Engine(_Quoter(), venue, sample_interval_s=sample_interval_s).run()


def test_the_engines_stats_agree_with_a_computation_from_its_frames() -> None:
    result = _run()
    stats, fills, equity, orders = result.stats, result.fills, result.equity, result.orders
    assert stats["fills"] == len(fills) > 10
    # spread capture: each fill against the last equity mid at or before it, one fill at a time
    samples = list(zip(equity["ts"].tolist(), equity["mid"].tolist(), strict=True))
    total = 0.0
    for ts, side, price, qty in zip(fills["ts"], fills["side"], fills["price"], fills["qty"], strict=True):
        mid = [m for t, m in samples if t <= ts][-1]
        total += (mid - price if side == "buy" else price - mid) * qty
    assert stats["spread_capture"]["pnl"] == pytest.approx(total)
    assert stats["fees_net"] == pytest.approx(fills["fee"].sum())
    assert stats["fees_paid"] - stats["rebates_received"] == pytest.approx(stats["fees_net"])
    assert sum(stats["rejected_by_reason"].values()) == stats["rejected"] == (orders["status"] == "rejected").sum()
    assert set(stats["markouts"]) == {"1s", "10s", "60s"}
    uptime = stats["quote_uptime"]["AAA"]
    assert 0 < uptime["two_sided"] <= min(uptime["bid"], uptime["ask"]) <= 1
    assert stats["round_trips"]["count"] == len(result.round_trips)
    # a run of well under a minute has no Sharpe, and says why
    assert (stats["sharpe_1min"], stats["sharpe_1min_samples"]) == (None, 0)
    assert stats["sharpe_1d_annualised"] is None


def test_frames_carry_utc_times_and_the_files_are_byte_identical(tmp_path: Path) -> None:
    first, second = _run(), _run()
    for frame in (first.orders, first.fills, first.equity):
        assert str(frame["time"].dtype) == "datetime64[ns, UTC]"
        assert list(frame.columns).index("time") == list(frame.columns).index("ts") + 1
        assert (frame["time"].astype("int64") == frame["ts"]).all()
    assert isinstance(first.pnl_curve.index, pd.DatetimeIndex)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    written = first.write(tmp_path / "a")
    second.write(tmp_path / "b")
    assert {p.name for p in written} >= {"round_trips.parquet", "summary.json"}
    for path in written:
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name
    from hft_core.report import load_run

    run = load_run(tmp_path / "a")
    pd.testing.assert_frame_equal(run.round_trips, first.round_trips)
    pd.testing.assert_frame_equal(run.fills, first.fills)
