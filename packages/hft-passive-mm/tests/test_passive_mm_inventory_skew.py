"""``inventory-skew``: behaviour when flat, part-way, at and beyond the inventory limit."""

from __future__ import annotations

import pytest
from hft_passive_mm.quoting import InventorySkew, MarketState

MID = 100.0


def quote_at(inventory: float, **parameters: float) -> tuple[float | None, float | None]:
    quote = InventorySkew(**parameters).quote(MarketState(mid=MID, inventory=inventory))
    return quote.bid, quote.ask


def two_sided_at(inventory: float, **parameters: float) -> tuple[float, float]:
    bid, ask = quote_at(inventory, **parameters)
    assert bid is not None and ask is not None
    return bid, ask


def test_flat_quotes_mid_plus_minus_half_spread() -> None:
    assert two_sided_at(0.0) == pytest.approx((99.75, 100.25))


def test_half_way_to_the_limit() -> None:
    # x = 0.5: centre = 100 - 1·0.5·0.25 = 99.875; half-width = 0.25·(1 + 2·0.5/2) = 0.375
    bid, ask = two_sided_at(5.0)
    assert bid == pytest.approx(99.5)
    assert ask == pytest.approx(100.25)
    assert ask - bid == pytest.approx(2 * 0.25 + 2.0 * 0.25 * 0.5)  # spread grows linearly with |x|


def test_at_the_long_limit_only_the_ask_is_quoted() -> None:
    # x = 1: centre = 99.75, half-width = 0.5 -> ask 100.25; a bid would take inventory to 11 > 10
    bid, ask = quote_at(10.0)
    assert bid is None
    assert ask == pytest.approx(100.25)


def test_at_the_short_limit_only_the_bid_is_quoted() -> None:
    bid, ask = quote_at(-10.0)
    assert ask is None
    assert bid == pytest.approx(99.75)


def test_one_size_below_the_limit_both_sides_are_quoted() -> None:
    # 9 + 1 = 10 does not exceed the limit; 9.5 + 1 does
    two_sided_at(9.0)
    bid, _ = quote_at(9.5)
    assert bid is None


def test_beyond_the_limit_the_skew_saturates() -> None:
    assert quote_at(25.0) == quote_at(10.0)
    assert quote_at(-25.0) == quote_at(-10.0)


def test_quotes_lean_against_inventory() -> None:
    centres = [sum(two_sided_at(inventory)) / 2 for inventory in (-8.0, -4.0, 0.0, 4.0, 8.0)]
    assert centres == sorted(centres, reverse=True)
    assert centres[0] - MID == pytest.approx(MID - centres[-1])  # symmetric in the sign of inventory


def test_skew_stronger_than_half_the_widening_tightens_the_reducing_side() -> None:
    # inv_skew = 2, inv_spread_mult = 2, x = 0.5: the ask moves by (1 - 2)·0.5 half-spreads, i.e. closer
    _, ask = quote_at(5.0, inv_skew=2.0)
    assert ask == pytest.approx(MID + 0.25 * (1 - 0.5))


def test_no_skew_and_no_widening_is_a_fixed_spread() -> None:
    assert two_sided_at(7.0, inv_skew=0.0, inv_spread_mult=0.0) == pytest.approx((99.75, 100.25))


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"half_spread": 0.0}, "half_spread must be > 0"),
        ({"size": -1.0}, "size must be > 0"),
        ({"inv_limit": 0.0}, "inv_limit must be > 0"),
        ({"inv_spread_mult": -0.5}, "inv_spread_mult must be >= 0"),
        ({"inv_skew": -1.0}, "inv_skew must be >= 0"),
        ({"size": 11.0}, "must not exceed inv_limit"),
    ],
)
def test_parameter_validation(parameters: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        InventorySkew(**parameters)
