"""The index market as a venue: its books, the strategy's orders, the future's carry, the ETF's APs, N = 500."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hft_core import BUY, SELL, OrderStatus, OrderType, Watch
from hft_index_arb.config import IndexMarketConfig
from hft_index_arb.fairvalue import Carry, fair_future
from hft_index_arb.market import START_NS, IndexVenue

SECOND = 1_000_000_000


def _venue(duration_s: float = 60.0, seed: int = 5, **knobs: object) -> IndexVenue:
    venue = IndexVenue(IndexMarketConfig().updated(knobs), seed=seed, duration_s=duration_s)
    venue.start()
    return venue


def _run_to(venue: IndexVenue, until: int) -> list[tuple[int, int, int, int]]:
    """Advance to ``until`` collecting every report as (order id, status, fill qty, fill price)."""
    seen = []
    while venue.now_ns < until:
        step = venue.advance(until, Watch(book=(False,) * len(venue.instruments)))
        seen += [(r.order_id, int(r.status), r.fill_qty, r.fill_price) for r in step.reports]
    return seen


def test_books_are_ladders_around_the_centres() -> None:
    venue = _venue(names=30)
    assert len(venue.instruments) == 32
    assert [i.symbol for i in venue.instruments[:3]] == ["IDXF/USD", "IDXE/USD", "S000/USD"]
    for index in range(len(venue.instruments)):
        top = venue.top(index)
        assert top.bid_price is not None and top.ask_price is not None and top.bid_price < top.ask_price
        bids, asks = venue.depth(index, BUY, 5), venue.depth(index, SELL, 5)
        assert [p for p, _ in bids] == sorted((p for p, _ in bids), reverse=True)
        assert [p for p, _ in asks] == sorted(p for p, _ in asks)
        assert (bids[0], asks[0]) == ((top.bid_price, top.bid_qty), (top.ask_price, top.ask_qty))
    # The future sits at its carry fair value off the (lagged) index, within its noise; the ETF at the NAV.
    fair = venue.future_fair(venue.index_level(), START_NS)
    future = venue.top(0)
    mid = 0.5 * (future.bid_price + future.ask_price) * 0.05  # type: ignore[operator]
    assert abs(mid / fair - 1) < 1e-3


def test_taking_walks_the_ladder_and_the_depth_comes_back() -> None:
    venue = _venue(resilience_s=1.0)
    name = 2
    asks = venue.depth(name, SELL, 5)
    want = asks[0][1] + asks[1][1] + 1
    venue.submit(venue.now_ns, name, 1, BUY, OrderType.IOC, asks[2][0], want)
    reports = _run_to(venue, venue.now_ns + 1_000_000)
    fills = [(qty, price) for _, status, qty, price in reports if qty]
    assert fills == [(asks[0][1], asks[0][0]), (asks[1][1], asks[1][0]), (1, asks[2][0])]
    assert reports[-1][1] == OrderStatus.FILLED
    assert venue.depth(name, SELL, 1)[0][1] < asks[2][1]  # the front of the ladder is gone ...
    _run_to(venue, venue.now_ns + 10 * SECOND)
    assert venue.depth(name, SELL, 1)[0][1] == asks[0][1]  # ... then comes back


def test_order_types_cancel_and_modify() -> None:
    venue = _venue()
    name = 3
    ask = venue.top(name).ask_price
    bid = venue.top(name).bid_price
    assert ask is not None and bid is not None
    now = venue.now_ns
    venue.submit(now, name, 1, BUY, OrderType.FOK, ask, 10_000)  # more than the book shows: killed
    venue.submit(now, name, 2, BUY, OrderType.POST_ONLY, ask, 1)  # would cross: rejected
    venue.submit(now, name, 3, BUY, OrderType.LIMIT, bid - 50, 2)  # rests far away
    venue.submit(now, name, 4, SELL, OrderType.MARKET, 0, 1)
    reports = _run_to(venue, now + 1_000_000)
    status = {(oid, st) for oid, st, _, _ in reports}
    assert (1, OrderStatus.EXPIRED) in status and not any(q for oid, _, q, _ in reports if oid == 1)
    assert (2, OrderStatus.REJECTED) in status
    assert (3, OrderStatus.ACCEPTED) in status and (4, OrderStatus.FILLED) in status
    venue.modify(venue.now_ns, name, 3, bid - 60, 1)
    venue.cancel(venue.now_ns, name, 3)
    venue.cancel(venue.now_ns, name, 99)
    later = _run_to(venue, venue.now_ns + 1_000_000)
    assert [(oid, st) for oid, st, _, _ in later] == [
        (3, OrderStatus.MODIFIED),
        (3, OrderStatus.CANCELLED),
        (99, OrderStatus.REJECTED),
    ]
    # A resting buy at the bid fills whole, at its price, once the asks come down to it.
    resting_at = venue.top(name).bid_price
    assert resting_at is not None
    venue.submit(venue.now_ns, name, 5, BUY, OrderType.LIMIT, resting_at, 3)
    filled = _run_to(venue, venue.now_ns + 30 * SECOND)
    assert [(q, p) for oid, _, q, p in filled if oid == 5 and q] == [(3, resting_at)]


def test_authorised_participants_cap_the_premium() -> None:
    venue = _venue(duration_s=300.0, etf_noise_bp=20.0, ap_cost_bp=5.0)
    _run_to(venue, START_NS + 300 * SECOND)
    assert venue.creations > 0 and venue.redemptions > 0
    assert abs(venue.premium) <= 5e-4 + 1e-12


def test_the_future_prices_the_dividend_and_the_carry() -> None:
    venue = _venue(dividend_points=10.0, dividend_days=5.0, expiry_days=20.0, rate=0.04, dividend_yield=0.01)
    spot = 2000.0
    expected = fair_future(spot, Carry(0.04, 0.01, 20 / 365, ((5 / 365, 10.0),)))
    assert venue.future_fair(spot, START_NS) == pytest.approx(expected)
    assert expected == pytest.approx((2000 - 10 * math.exp(-0.04 * 5 / 365)) * math.exp(0.03 * 20 / 365))


def test_same_seed_same_market_and_500_names_run() -> None:
    def path(seed: int, names: int) -> np.ndarray:
        venue = _venue(duration_s=20.0, seed=seed, names=names)
        mids = []
        while venue.now_ns < START_NS + 20 * SECOND:
            venue.advance(venue.now_ns + SECOND, Watch())
            mids.append(venue.index_level())
        return np.array(mids)

    assert np.array_equal(path(1, 20), path(1, 20))
    assert not np.array_equal(path(1, 20), path(2, 20))
    big = path(1, 500)
    assert big.size == 20 and np.isfinite(big).all()
