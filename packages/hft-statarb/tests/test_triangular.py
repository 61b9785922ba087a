"""Triangular arbitrage: none on a consistent market after fees, a planted cycle found and sized by depth."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hft_core import FeeSchedule, Instrument
from hft_core.matching import sweep
from hft_statarb.errors import StatArbError
from hft_statarb.triangular import L2Book, cycle_rate_at_top, find_triangular_opportunities

FEE = 0.001  # 10 bp taker on every leg
BTC_USDT = Instrument("BTC/USDT", tick_size=0.01, lot_size=1e-5, fees=FeeSchedule(taker=FEE))
ETH_USDT = Instrument("ETH/USDT", tick_size=0.01, lot_size=1e-4, fees=FeeSchedule(taker=FEE))
ETH_BTC = Instrument("ETH/BTC", tick_size=1e-5, lot_size=1e-4, fees=FeeSchedule(taker=FEE))
FAIR_ETH_BTC_ASKS = [(0.05001, 5.0), (0.05002, 10.0), (0.05003, 20.0)]


def _ladder(first_price: float, tick: float, quantities: list[float], side: str) -> list[tuple[float, float]]:
    direction = -1.0 if side == "bid" else 1.0
    return [(round(first_price + direction * i * tick, 8), q) for i, q in enumerate(quantities)]


def _books(eth_btc_asks: list[tuple[float, float]] | None = None) -> list[L2Book]:
    """BTC 60 000 USDT, ETH 3 000 USDT, ETH/BTC 0.05: mids consistent, spreads of ~1–2 bp.

    Replacing the ETH/BTC asks plants a mispricing; the ETH/BTC bids then sit below it.
    """
    btc = L2Book.from_prices(BTC_USDT, _ladder(59_995, 10, [0.5, 1, 2], "bid"), _ladder(60_005, 10, [0.5, 1, 2], "ask"))
    eth = L2Book.from_prices(ETH_USDT, _ladder(2_999.5, 1, [5, 10, 20], "bid"), _ladder(3_000.5, 1, [5, 10, 20], "ask"))
    bid_top = 0.04999 if eth_btc_asks is None else 0.0494
    eth_btc = L2Book.from_prices(ETH_BTC, _ladder(bid_top, 1e-5, [5, 10, 20], "bid"), eth_btc_asks or FAIR_ETH_BTC_ASKS)
    return [btc, eth, eth_btc]


def test_consistent_market_has_no_cycle_after_fees() -> None:
    books = _books()
    assert find_triangular_opportunities(books, start_currency="USDT") == []
    assert find_triangular_opportunities(books, start_currency="ETH") == []
    forward = cycle_rate_at_top(books, ("USDT", "BTC", "ETH", "USDT"))
    backward = cycle_rate_at_top(books, ("USDT", "ETH", "BTC", "USDT"))
    # Forward: 2999.5 / (60005 × 0.05001) × 0.999³ ≈ 0.99655; both directions lose ≈ 0.3–0.35 %.
    assert forward == pytest.approx(2999.5 / (60_005 * 0.05001) * (1 - FEE) ** 3, rel=1e-12)
    assert 0.9960 < forward < 0.9975
    assert 0.9960 < backward < 0.9975


def test_planted_mispricing_is_found_and_sized_by_the_cheap_level() -> None:
    # 2 ETH offered at 0.0495 BTC (1 % below fair); the rest of the ETH/BTC book is fair.
    books = _books([(0.0495, 2.0), *FAIR_ETH_BTC_ASKS])
    found = find_triangular_opportunities(books, start_currency="USDT")
    assert len(found) == 1
    best = found[0]
    assert best.currencies == ("USDT", "BTC", "ETH", "USDT")
    buy_btc, buy_eth, sell_eth = best.legs
    assert (buy_btc.side, buy_eth.side, sell_eth.side) == ("buy", "buy", "sell")
    assert best.size_limit == "price"  # the next ETH/BTC level (0.05001) is unprofitable
    # Continuous plan: exactly the 2 ETH of the cheap level, paid with 0.099/(1 − f) BTC bought at 60 005.
    planned_start = 0.099 / (1 - FEE) * 60_005
    assert best.planned_start_amount == pytest.approx(planned_start, rel=1e-12)
    planned_end = 2.0 * (1 - FEE) * 2_999.5 * (1 - FEE)
    assert best.planned_profit == pytest.approx(planned_end - planned_start, rel=1e-9)
    # Execution in whole lots, worked by hand: 9909 BTC lots, 19 998 ETH lots, then 19 978 ETH lots sold.
    assert (buy_btc.lots, buy_eth.lots, sell_eth.lots) == (9_909, 19_998, 19_978)
    assert buy_eth.levels_used == 1
    assert best.start_amount == pytest.approx(9_909e-5 * 60_005, rel=1e-12)
    assert best.end_amount == pytest.approx(1.9978 * 2_999.5 * (1 - FEE), rel=1e-12)
    assert best.profit == pytest.approx(1.9978 * 2_999.5 * (1 - FEE) - 9_909e-5 * 60_005, rel=1e-9)
    assert buy_eth.dust == pytest.approx(0.09909 * (1 - FEE) - 1.9998 * 0.0495, abs=1e-12)
    assert best.profit == pytest.approx(best.planned_profit, rel=0.01)  # rounding to lots costs < 1 %
    expected_rate = (1 - FEE) ** 3 * 2_999.5 / (60_005 * 0.0495)
    assert best.top_of_book_rate == pytest.approx(expected_rate, rel=1e-12)
    assert best.return_rate == pytest.approx(expected_rate - 1, rel=5e-3)  # dust: measured −0.12 %
    assert all(leg.fee > 0 for leg in best.legs)


def test_legs_are_what_the_core_sweep_fills() -> None:
    books = _books([(0.0495, 2.0), *FAIR_ETH_BTC_ASKS])
    best = find_triangular_opportunities(books, start_currency="USDT")[0]
    eth_btc = books[2]
    fill = sweep(eth_btc.asks, best.legs[1].lots, side=1)
    assert best.legs[1].amount_in == pytest.approx(fill.cost * ETH_BTC.tick_size * ETH_BTC.lot_size, rel=1e-12)
    assert best.legs[1].average_price == pytest.approx(fill.average_price * ETH_BTC.tick_size, rel=1e-12)


def test_size_scales_with_depth_and_respects_the_cap() -> None:
    thin = find_triangular_opportunities(_books([(0.0495, 2.0), *FAIR_ETH_BTC_ASKS]), start_currency="USDT")[0]
    deep = find_triangular_opportunities(_books([(0.0495, 4.0), *FAIR_ETH_BTC_ASKS]), start_currency="USDT")[0]
    # Twice the depth at the cheap level (the other books' first levels still cover it): twice the size and
    # twice the profit at the same rate.
    assert deep.planned_start_amount == pytest.approx(2 * thin.planned_start_amount, rel=1e-9)
    assert deep.planned_profit == pytest.approx(2 * thin.planned_profit, rel=1e-9)
    assert deep.profit == pytest.approx(2 * thin.profit, rel=0.01)
    capped = find_triangular_opportunities(
        _books([(0.0495, 4.0), *FAIR_ETH_BTC_ASKS]), start_currency="USDT", max_start_amount=1_000.0
    )[0]
    assert capped.planned_start_amount == 1_000.0
    assert capped.start_amount <= 1_000.0
    assert capped.size_limit == "cap"
    assert capped.planned_profit == pytest.approx(1_000.0 * (deep.top_of_book_rate - 1), rel=1e-9)
    assert find_triangular_opportunities(_books([(0.0495, 2.0)]), start_currency="USDT", min_profit=1e6) == []


def test_exhausted_books_limit_size_by_depth() -> None:
    best = find_triangular_opportunities(_books([(0.0495, 2.0)]), start_currency="USDT")[0]
    assert best.size_limit == "depth"
    assert best.legs[1].lots <= 20_000


def test_an_opportunity_smaller_than_a_lot_is_not_reported() -> None:
    # 0.0001 ETH (one lot) at the cheap price: after the fee the ETH received is below one ETH/USDT lot.
    assert find_triangular_opportunities(_books([(0.0495, 0.0001), *FAIR_ETH_BTC_ASKS]), start_currency="USDT") == []


def test_bad_books() -> None:
    with pytest.raises(StatArbError, match="crossed book"):
        L2Book.from_prices(ETH_BTC, [(0.051, 1.0)], [(0.050, 1.0)])
    with pytest.raises(StatArbError, match="strictly ascending"):
        L2Book.from_prices(ETH_BTC, [], [(0.051, 1.0), (0.050, 1.0)])
    with pytest.raises(StatArbError, match="strictly descending"):
        L2Book.from_prices(ETH_BTC, [(0.049, 1.0), (0.0495, 1.0)], [])
    with pytest.raises(StatArbError, match="positive"):
        L2Book(ETH_BTC, np.array([[4900, -1]]), np.empty((0, 2), dtype=np.int64))
    with pytest.raises(StatArbError, match="integer ticks"):
        L2Book(ETH_BTC, np.array([[0.049, 1.0]]), np.empty((0, 2), dtype=np.int64))
    with pytest.raises(ValueError, match="not a multiple"):  # hft_core's OffGridError
        L2Book.from_prices(ETH_BTC, [(0.0490001, 1.0)], [])
    with pytest.raises(StatArbError, match="BASE/QUOTE"):
        L2Book.from_prices(Instrument("ETHBTC", tick_size=1e-5), [], [])
    books = _books()
    with pytest.raises(StatArbError, match="exactly three books"):
        find_triangular_opportunities(books[:2], start_currency="USDT")
    sol = L2Book.from_prices(Instrument("SOL/USDT", tick_size=0.01), [(150.0, 1.0)], [(150.1, 1.0)])
    with pytest.raises(StatArbError, match="do not form a triangle"):
        find_triangular_opportunities([books[0], books[1], sol], start_currency="USDT")
    with pytest.raises(StatArbError, match="start currency 'EUR'"):
        find_triangular_opportunities(books, start_currency="EUR")
    with pytest.raises(StatArbError, match="max_start_amount"):
        find_triangular_opportunities(books, start_currency="USDT", max_start_amount=0.0)
    with pytest.raises(StatArbError, match="not a cycle"):
        cycle_rate_at_top(books, ("USDT", "BTC", "BTC", "USDT"))
    assert math.isclose(
        cycle_rate_at_top(books, ("ETH", "BTC", "USDT", "ETH")),
        cycle_rate_at_top(books, ("USDT", "ETH", "BTC", "USDT")),
        rel_tol=1e-12,
    )
