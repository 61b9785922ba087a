"""Accounts per asset and PnL in one numeraire (`hft_core.engine.accounts`): conversion paths (direct, inverse, two
steps), their descriptions, a round trip through a path and back, balances, and single-currency runs unchanged."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hft_core.engine.accounts import Accounts, Step, conversion_paths
from hft_core.engine.blotter import Blotter
from hft_core.errors import ConfigError
from hft_core.events import BUY, SELL
from hft_core.instruments import FeeSchedule, Instrument
from hft_core.matching.orders import OrderStatus, OrderType
from hypothesis import given, settings
from hypothesis import strategies as st

FEES = FeeSchedule(maker=-0.0001, taker=0.0004)
BTC_USDT = Instrument("BTC/USDT", tick_size=0.01, lot_size=0.0001, fees=FEES)
ETH_USDT = Instrument("ETH/USDT", tick_size=0.01, lot_size=0.001, fees=FEES)
ETH_BTC = Instrument("ETH/BTC", tick_size=0.00001, lot_size=0.001, fees=FEES)
TRIANGLE = (BTC_USDT, ETH_USDT, ETH_BTC)


def test_paths_prefer_direct_pairs_then_inverse_then_two_steps() -> None:
    assert conversion_paths(TRIANGLE, "USDT") == {"USDT": (), "BTC": (Step(0, False),), "ETH": (Step(1, False),)}
    assert conversion_paths(TRIANGLE, "BTC") == {"BTC": (), "USDT": (Step(0, True),), "ETH": (Step(2, False),)}
    assert conversion_paths((ETH_BTC, BTC_USDT), "USDT")["ETH"] == (Step(0, False), Step(1, False))
    accounts = Accounts((ETH_BTC, BTC_USDT), "USDT")
    assert accounts.describe("ETH") == "ETH→BTC via ETH/BTC mid, BTC→USDT via BTC/USDT mid"
    assert Accounts(TRIANGLE, "BTC").describe("USDT") == "USDT→BTC via BTC/USDT 1/mid"
    assert Accounts(TRIANGLE).numeraire == "USDT" and Accounts(TRIANGLE).describe("USDT") == "numeraire"


def test_an_asset_with_no_path_or_an_unknown_numeraire_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="cannot value ETH in USDT"):
        Accounts((BTC_USDT, Instrument("ETH/EUR", tick_size=0.01)))
    with pytest.raises(ConfigError, match="numeraire 'JPY'"):
        Accounts(TRIANGLE, "JPY")


@settings(max_examples=200, deadline=None)
@given(st.floats(1e-3, 1e6), st.floats(1e-3, 1e6))
def test_converting_through_a_path_and_back_is_the_identity(eth_btc: float, btc_usdt: float) -> None:
    instruments = (ETH_BTC, BTC_USDT)
    marks = [eth_btc, btc_usdt]
    there = Accounts(instruments, "USDT").rate("ETH", marks)  # ETH → BTC → USDT
    back = Accounts(instruments, "ETH").rate("USDT", marks)  # USDT → BTC → ETH, the same two pairs inverted
    assert there == pytest.approx(eth_btc * btc_usdt, rel=1e-12)
    assert there * back == pytest.approx(1.0, rel=1e-12)


def _filled(instruments: tuple[Instrument, ...], fills: list[tuple[int, int, int, int, bool]]) -> Blotter:
    """A blotter with one order per fill (instrument, side, price ticks, lots, maker), each filled at once."""
    blotter = Blotter(instruments)
    for instrument, side, price, lots, maker in fills:
        order_id = blotter.add(0, instrument, side, OrderType.LIMIT, price, lots)
        blotter.open(order_id)
        row = [1, instrument, order_id, OrderStatus.FILLED, 0, side, price, 0, lots, price, int(maker)]
        blotter.settle(np.array([row], dtype=np.int64), lambda: [math.nan] * len(instruments), lambda row: None)
    return blotter


FILLS = st.lists(
    st.tuples(
        st.integers(0, 2), st.sampled_from((BUY, SELL)), st.integers(1, 10**6), st.integers(1, 10**4), st.booleans()
    ),
    max_size=12,
)
MIDS = st.lists(st.floats(1.0, 10**6), min_size=3, max_size=3)


@settings(max_examples=150, deadline=None)
@given(FILLS, MIDS)
def test_pnl_in_the_numeraire_is_every_balance_at_its_rate(fills: list, mids: list[float]) -> None:  # type: ignore[type-arg]
    blotter = _filled(TRIANGLE, fills)
    accounts = Accounts(TRIANGLE)
    balances = accounts.balances(blotter)
    marks = [mid * inst.tick_size for mid, inst in zip(mids, TRIANGLE, strict=True)]
    expected = sum(amount * accounts.rate(asset, marks) for asset, amount in balances.items())
    scale = sum(abs(amount * accounts.rate(asset, marks)) for asset, amount in balances.items()) + 1.0
    assert accounts.pnl(blotter, mids) == pytest.approx(expected, abs=1e-9 * scale)
    # balances: base units from positions (ETH is the base of two instruments), quote currency from cash and fees
    eth = sum(side * lots * TRIANGLE[i].lot_size for i, side, _, lots, _ in fills if i > 0)
    assert balances["ETH"] == pytest.approx(eth, abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(FILLS, MIDS)
def test_a_single_currency_run_keeps_its_pnl_bit_for_bit(fills: list, mids: list[float]) -> None:  # type: ignore[type-arg]
    instruments = (
        Instrument("AAA", tick_size=0.01),
        Instrument("BBB", tick_size=0.5, multiplier=10.0),
        Instrument("CCC", tick_size=0.25, lot_size=0.1),
    )
    blotter = _filled(instruments, fills)
    accounts = Accounts(instruments)
    assert accounts.single_currency and accounts.numeraire == "USD"
    assert accounts.instrument_pnls(blotter, mids) == [blotter.instrument_pnl(i, mid) for i, mid in enumerate(mids)]
    assert accounts.stats(blotter)["conversion"]["AAA"] == "AAA→USD via AAA mid"
