"""Cost-of-carry fair value and the no-arbitrage band."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hft_core import ConfigError
from hft_index_arb.fairvalue import Carry, band, fair_future, sweep_cost


def test_continuous_and_discrete_dividends() -> None:
    assert fair_future(100.0, Carry(rate=0.05, dividend_yield=0.02, expiry=0.5)) == pytest.approx(
        100.0 * math.exp(0.03 * 0.5)
    )
    # A discrete dividend of 1.5 paid in 3 months, expiry in 6: F = (S − 1.5·e^(−r·0.25))·e^(r·0.5).
    carry = Carry(rate=0.04, expiry=0.5, dividends=((0.25, 1.5), (0.75, 9.0)))  # the second is after expiry
    assert fair_future(100.0, carry) == pytest.approx((100.0 - 1.5 * math.exp(-0.01)) * math.exp(0.02))
    # A continuous yield q is the limit of many small discrete dividends q·S·dt.
    n, q, T = 20_000, 0.03, 1.0
    many = tuple(((k + 1) * T / n, q * 100.0 * T / n * math.exp(-q * (k + 1) * T / n)) for k in range(n))
    discrete = fair_future(100.0, Carry(rate=0.0, expiry=T, dividends=many))
    assert discrete == pytest.approx(fair_future(100.0, Carry(rate=0.0, dividend_yield=q, expiry=T)), rel=1e-4)


def test_band_brackets_fair_value_and_widens_with_every_cost() -> None:
    carry = Carry(rate=0.05, dividend_yield=0.01, expiry=0.25)
    base = band(2000.0, carry, basket_cost=0.0, leg_cost=0.0)
    assert base.lower == pytest.approx(base.fair) == pytest.approx(base.upper)
    costly = band(2000.0, carry, basket_cost=1.0, leg_cost=0.5)
    assert costly.lower < costly.fair < costly.upper
    financed = band(2000.0, Carry(0.05, 0.01, 0.25, financing_spread=0.01, margin=0.1), basket_cost=1.0, leg_cost=0.5)
    assert financed.lower < costly.lower and financed.upper > costly.upper
    assert costly.position_of(costly.upper + 0.01) == 1 and costly.position_of(costly.lower - 0.01) == -1
    assert costly.position_of(costly.fair) == 0


def test_sweep_cost_walks_every_book() -> None:
    prices = np.array([[10.01, 10.02, 10.03], [50.05, 50.10, 50.15]])
    quantities = np.array([[5.0, 10.0, 20.0], [1.0, 1.0, 1.0]])
    mid = np.array([10.0, 50.0])
    cost = sweep_cost(prices, quantities, np.array([8.0, 2.0]), mid)
    np.testing.assert_allclose(cost, [5 * 0.01 + 3 * 0.02, 0.05 + 0.10])
    assert math.isinf(sweep_cost(prices, quantities, np.array([1.0, 4.0]), mid)[1])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rate": 0.01, "expiry": -0.1}, "time to expiry must be a finite number >= 0 years, got -0.1"),
        ({"rate": math.nan}, "carry rate must be finite"),
        ({"rate": 0.0, "dividends": ((-1.0, 1.0),)}, "a dividend needs a time >= 0"),
    ],
)
def test_bad_carry_is_a_config_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Carry(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="too thin"):
        band(100.0, Carry(0.0), basket_cost=math.inf, leg_cost=0.0)
