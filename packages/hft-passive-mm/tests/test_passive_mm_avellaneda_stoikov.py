"""Avellaneda–Stoikov (2008) quoting formulas against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hft_passive_mm.quoting import (
    AvellanedaStoikov,
    MarketState,
    optimal_spread,
    reservation_price,
    time_averaged_spread,
)

LN_16_OVER_15 = 0.0645385211375712  # ln(1 + 0.1/1.5), the log term at the paper's γ = 0.1, k = 1.5


def test_reservation_price_by_hand() -> None:
    # s - q·γ·σ²·(T - t) = 100 - 2 · 0.1 · 4 · 0.5 = 99.6
    assert reservation_price(100.0, 2.0, 0.5, gamma=0.1, sigma=2.0) == pytest.approx(99.6, abs=1e-12)
    # short inventory lifts it: 100 + 3 · 0.1 · 4 · 0.5 = 100.6
    assert reservation_price(100.0, -3.0, 0.5, gamma=0.1, sigma=2.0) == pytest.approx(100.6, abs=1e-12)
    # at the horizon it is the mid whatever the inventory
    assert reservation_price(100.0, 7.0, 0.0, gamma=0.1, sigma=2.0) == 100.0


def test_optimal_spread_by_hand() -> None:
    # γσ²(T - t) + (2/γ)·ln(1 + γ/k) = 0.1·4·0.5 + 20·ln(16/15)
    assert optimal_spread(0.5, gamma=0.1, sigma=2.0, k=1.5) == pytest.approx(0.2 + 20 * LN_16_OVER_15, abs=1e-12)
    # at the horizon only the liquidity term is left
    assert optimal_spread(0.0, gamma=0.1, sigma=2.0, k=1.5) == pytest.approx(20 * LN_16_OVER_15, abs=1e-12)


@pytest.mark.parametrize(
    ("gamma", "by_hand"),
    [
        (0.1, 0.1 * 4 / 2 + 20 * LN_16_OVER_15),  # 1.4908 -> published 1.49
        (0.01, 0.01 * 4 / 2 + 200 * 0.00664454271866858),  # ln(151/150); 1.3489 -> 1.35
        (1.0, 1.0 * 4 / 2 + 2 * 0.5108256237659907),  # ln(5/3); 3.0217 -> 3.02
    ],
)
def test_time_averaged_spread_matches_the_papers_spread_column(gamma: float, by_hand: float) -> None:
    assert time_averaged_spread(1.0, gamma=gamma, sigma=2.0, k=1.5) == pytest.approx(by_hand, abs=1e-12)


def test_quote_by_hand() -> None:
    model = AvellanedaStoikov(gamma=0.1, sigma=2.0, k=1.5, horizon=1.0)
    quote = model.quote(MarketState(mid=100.0, inventory=2.0, time=0.5))
    half_spread = (0.2 + 20 * LN_16_OVER_15) / 2
    assert quote.bid == pytest.approx(99.6 - half_spread, abs=1e-12)
    assert quote.ask == pytest.approx(99.6 + half_spread, abs=1e-12)
    assert quote.spread == pytest.approx(2 * half_spread, abs=1e-12)


def test_flat_inventory_quotes_symmetrically_and_long_inventory_skews_down() -> None:
    model = AvellanedaStoikov()
    flat = model.quote(MarketState(mid=50.0, inventory=0.0, time=0.25))
    long = model.quote(MarketState(mid=50.0, inventory=3.0, time=0.25))
    assert flat.bid is not None and flat.ask is not None and long.bid is not None and long.ask is not None
    assert 50.0 - flat.bid == pytest.approx(flat.ask - 50.0, abs=1e-12)
    assert long.bid < flat.bid and long.ask < flat.ask
    assert long.spread == pytest.approx(flat.spread, abs=1e-12)  # inventory moves the quotes, not the spread


def test_array_inputs_match_scalar_inputs() -> None:
    mids = np.array([99.0, 100.0, 101.5])
    inventories = np.array([-2.0, 0.0, 4.0])
    vector = reservation_price(mids, inventories, 0.3, gamma=0.5, sigma=1.2)
    pairs = zip(mids.tolist(), inventories.tolist(), strict=True)
    scalar = [reservation_price(mid, inventory, 0.3, gamma=0.5, sigma=1.2) for mid, inventory in pairs]
    np.testing.assert_allclose(vector, scalar, rtol=0, atol=1e-12)


def test_time_must_lie_inside_the_horizon() -> None:
    model = AvellanedaStoikov(horizon=1.0)
    model.quote(MarketState(mid=100.0, time=1.0))  # the horizon itself is allowed
    with pytest.raises(ValueError, match="past the horizon"):
        model.quote(MarketState(mid=100.0, time=1.5))


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"gamma": 0.0}, "gamma must be > 0"),
        ({"gamma": -0.1}, "gamma must be > 0"),
        ({"k": 0.0}, "k must be > 0"),
        ({"sigma": -2.0}, "sigma must be > 0"),
        ({"horizon": 0.0}, "horizon must be > 0"),
        ({"gamma": math.inf}, "gamma must be a finite number"),
    ],
)
def test_parameter_validation(parameters: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AvellanedaStoikov(**parameters)
