"""Accounts at their edges, written against the mutants scripts/mutation.py left alive in
`hft_core.engine.accounts` (issue #18): marks before any mid, and cash, balances and per-instrument PnL across
currencies worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hft_core.engine.accounts import Accounts, Step
from hft_core.engine.blotter import Blotter
from hft_core.errors import ConfigError
from hft_core.events import BUY, SELL
from hft_core.instruments import FeeSchedule, Instrument
from hft_core.matching.orders import OrderStatus, OrderType

# BTC/USDT: 1 tick = 1 USDT, 1 lot = 1 BTC; ETH/BTC: 1 tick = 0.5 BTC, 1 lot = 2 ETH (round numbers, exact floats)
BTC_USDT = Instrument("BTC/USDT", tick_size=1.0, lot_size=1.0, fees=FeeSchedule(taker=0.25))
ETH_BTC = Instrument("ETH/BTC", tick_size=0.5, lot_size=2.0, fees=FeeSchedule(maker=-0.125))
NAN = math.nan


def _fill(blotter: Blotter, instrument: int, side: int, price: int, lots: int, *, maker: bool, ts: int = 1) -> int:
    order_id = blotter.add(0, instrument, side, OrderType.LIMIT, price, lots)
    blotter.open(order_id)
    row = [ts, instrument, order_id, OrderStatus.FILLED, 0, side, price, 0, lots, price, int(maker)]
    blotter.settle(np.array([row], dtype=np.int64), lambda: [NAN] * 2, lambda row: None)
    return order_id


def test_a_run_needs_an_instrument_and_names_its_numeraire() -> None:
    with pytest.raises(ConfigError, match="at least one instrument"):
        Accounts(())
    assert Accounts((ETH_BTC, BTC_USDT)).numeraire == "BTC"
    assert Accounts((ETH_BTC, BTC_USDT), "").numeraire == "BTC"
    accounts = Accounts((ETH_BTC, BTC_USDT), "USDT")
    assert accounts.numeraire == "USDT" and not accounts.single_currency
    assert accounts.assets == ("ETH", "BTC", "USDT")
    assert accounts.paths == {"USDT": (), "ETH": (Step(0, False), Step(1, False)), "BTC": (Step(1, False),)}


def test_marks_are_the_mid_else_the_last_fill_else_nan() -> None:
    blotter = Blotter((ETH_BTC, BTC_USDT))
    accounts = Accounts((ETH_BTC, BTC_USDT), "USDT")
    assert all(math.isnan(mark) for mark in accounts.marks(blotter, [NAN, NAN]))
    _fill(blotter, 1, BUY, 30, 1, maker=False)
    marks = accounts.marks(blotter, [NAN, NAN])
    assert math.isnan(marks[0]) and marks[1] == 30.0
    assert accounts.marks(blotter, [4.0, 32.0]) == [2.0, 32.0]  # ticks x tick size
    assert accounts.rate("ETH", [2.0, 32.0]) == 64.0 and accounts.rate("USDT", [2.0, 32.0]) == 1.0
    assert Accounts((ETH_BTC, BTC_USDT), "ETH").rate("USDT", [2.0, 32.0]) == 1 / 64


def test_pnl_cash_and_balances_across_currencies_by_hand() -> None:
    instruments = (ETH_BTC, BTC_USDT)
    blotter = Blotter(instruments)
    accounts = Accounts(instruments, "USDT")
    # buy 1 lot (2 ETH) of ETH/BTC at 4 ticks (2 BTC per ETH... 4 x 0.5 = 2.0 BTC a lot unit): pays 4 x 0.5 x 2 = 4 BTC,
    # maker rebate 0.125 x 4 = 0.5 BTC; sell 1 BTC/USDT at 30: +30 USDT, taker fee 0.25 x 30 = 7.5 USDT
    _fill(blotter, 0, BUY, 4, 1, maker=True)
    _fill(blotter, 1, SELL, 30, 1, maker=False)
    assert accounts.balances(blotter) == {"ETH": 2.0, "BTC": -4.0 + 0.5 - 1.0, "USDT": 30.0 - 7.5}
    mids = [6.0, 40.0]  # ETH/BTC 3.0 BTC per lot-unit price, BTC/USDT 40 USDT
    # ETH/BTC's PnL: quote cash (-4 + 0.5 BTC) + 2 ETH x 3 BTC = 2.5 BTC, at 40 USDT = 100 USDT
    # BTC/USDT's: 30 - 7.5 - 1 BTC x 40 = -17.5 USDT
    assert accounts.instrument_pnls(blotter, mids) == [100.0, -17.5]
    assert accounts.pnl(blotter, mids) == 82.5
    assert accounts.cash(blotter, mids) == (-4.0 + 0.5) * 40.0 + 22.5
    stats = accounts.stats(blotter)
    assert stats["numeraire"] == "USDT" and stats["balances"] == {"ETH": 2.0, "BTC": -4.5, "USDT": 22.5}
    assert stats["conversion"]["USDT"] == "numeraire"


def test_a_base_valued_through_another_instrument_is_corrected_to_that_rate() -> None:
    """ETH on two venues: the first one's mid values ETH, so the second's PnL takes the difference between that
    rate and its own mid."""
    instruments = (Instrument("ETH/USDT", 1.0, venue="a"), Instrument("ETH-USDT", 1.0, venue="b"))
    accounts = Accounts(instruments, "USDT")
    assert accounts.paths["ETH"] == (Step(0, False),) and not accounts.single_currency
    mids = [120.0, 110.0]
    for side, lots, expected in ((BUY, 3, -300.0 + 3 * 110.0 + 3 * (120.0 - 110.0)), (SELL, 1, 100.0 - 120.0)):
        blotter = Blotter(instruments)
        order = blotter.add(0, 1, side, OrderType.LIMIT, 100, lots)
        blotter.open(order)
        row = [1, 1, order, OrderStatus.FILLED, 0, side, 100, 0, lots, 100, 0]
        blotter.settle(np.array([row], dtype=np.int64), lambda: [NAN] * 2, lambda row: None)
        assert accounts.instrument_pnls(blotter, mids) == [0.0, expected]
        assert accounts.pnl(blotter, mids) == expected
        assert accounts.cash(blotter, mids) == -side * 100.0 * lots


def test_of_two_two_step_paths_the_first_is_taken() -> None:
    instruments = (
        Instrument("ETH/BTC", 0.01),
        Instrument("ETH/EUR", 0.01),
        Instrument("BTC/USD", 0.01),
        Instrument("EUR/USD", 0.01),
    )
    assert Accounts(instruments, "USD").paths["ETH"] == (Step(0, False), Step(2, False))
    assert Accounts(instruments[::-1], "USD").paths["ETH"] == (Step(2, False), Step(0, False))


def test_a_mark_from_the_last_fill_is_in_price_units_and_single_currency_cash_is_the_blotters() -> None:
    half = Instrument("AAA", tick_size=0.5, lot_size=1.0)
    blotter = Blotter((half,))
    accounts = Accounts((half,))
    assert accounts.single_currency and accounts.cash(blotter, [NAN]) == 0.0
    _fill(blotter, 0, SELL, 30, 2, maker=False)
    assert accounts.marks(blotter, [NAN]) == [15.0]
    assert accounts.cash(blotter, [NAN]) == blotter.cash() == 30.0


def test_the_stats_round_balances_to_ten_decimals() -> None:
    dust = Instrument("DUST/USD", tick_size=1.0, lot_size=1e-11)
    blotter = Blotter((dust,))
    _fill(blotter, 0, BUY, 2, 3, maker=False)
    assert Accounts((dust,)).balances(blotter)["DUST"] == pytest.approx(3e-11)
    assert Accounts((dust,)).stats(blotter)["balances"] == {"DUST": 0.0, "USD": -1e-10}  # -6e-11 rounded


def test_a_position_holds_lots_times_lot_size_times_multiplier_of_the_base() -> None:
    future = Instrument("ETH/USD", tick_size=1.0, lot_size=2.0, multiplier=10.0)
    blotter = Blotter((future,))
    _fill(blotter, 0, BUY, 3, 4, maker=False)
    assert Accounts((future,)).balances(blotter) == {"ETH": 4 * 2.0 * 10.0, "USD": -3 * 4 * 2.0 * 10.0}
