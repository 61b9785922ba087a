"""``imbalance-skew``: the imbalance measure and the direction and size of the skew."""

from __future__ import annotations

import numpy as np
import pytest
from hft_passive_mm.quoting import ImbalanceSkew, InventorySkew, MarketState, order_book_imbalance


def test_imbalance_by_hand() -> None:
    assert order_book_imbalance([3.0, 1.0], [1.0, 1.0], depth=1) == pytest.approx(0.5)  # (3-1)/(3+1)
    assert order_book_imbalance([3.0, 1.0], [1.0, 1.0], depth=2) == pytest.approx(1 / 3)  # (4-2)/(4+2)
    assert order_book_imbalance([3.0, 1.0, 100.0], [1.0, 1.0], depth=2) == pytest.approx(1 / 3)  # level 3 unused
    assert order_book_imbalance(np.array([2.0]), np.array([6.0]), depth=5) == pytest.approx(-0.5)


def test_imbalance_edge_cases() -> None:
    assert order_book_imbalance([], [], depth=3) == 0.0
    assert order_book_imbalance([5.0], [], depth=3) == 1.0
    assert order_book_imbalance([], [5.0], depth=3) == -1.0
    with pytest.raises(ValueError, match="depth must be an integer >= 1"):
        order_book_imbalance([1.0], [1.0], depth=0)
    with pytest.raises(ValueError, match="bid_sizes must be finite and >= 0"):
        order_book_imbalance([-1.0], [1.0], depth=1)


def test_zero_imbalance_is_the_inventory_skew_quote() -> None:
    for inventory in (-10.0, -3.0, 0.0, 6.0, 10.0):
        state = MarketState(mid=100.0, inventory=inventory, imbalance=0.0)
        assert ImbalanceSkew().quote(state) == InventorySkew().quote(state)


@pytest.mark.parametrize("imbalance", [-1.0, -0.4, 0.3, 1.0])
def test_quotes_move_with_the_heavier_side(imbalance: float) -> None:
    model = ImbalanceSkew(imbalance_skew=0.5, half_spread=0.25)
    neutral = model.quote(MarketState(mid=100.0, inventory=2.0, imbalance=0.0))
    leaning = model.quote(MarketState(mid=100.0, inventory=2.0, imbalance=imbalance))
    assert neutral.bid is not None and neutral.ask is not None
    assert leaning.bid is not None and leaning.ask is not None
    shift = 0.5 * imbalance * 0.25
    assert leaning.bid - neutral.bid == pytest.approx(shift)
    assert leaning.ask - neutral.ask == pytest.approx(shift)
    # more bids (imbalance > 0) -> quotes up; more offers -> quotes down
    assert np.sign(leaning.bid - neutral.bid) == np.sign(imbalance)


def test_full_skew_on_level_one_centres_quotes_on_the_size_weighted_mid() -> None:
    # Book 99.75 x 3 / 100.25 x 1: weighted mid (99.75·1 + 100.25·3)/4 = 100.125
    model = ImbalanceSkew(imbalance_skew=1.0, half_spread=0.25, depth=1)
    imbalance = model.imbalance_from_book([3.0, 50.0], [1.0, 50.0])
    quote = model.quote(MarketState(mid=100.0, inventory=0.0, imbalance=imbalance))
    assert quote.bid is not None and quote.ask is not None
    assert (quote.bid + quote.ask) / 2 == pytest.approx((99.75 * 1 + 100.25 * 3) / 4)


def test_withheld_side_stays_withheld() -> None:
    quote = ImbalanceSkew().quote(MarketState(mid=100.0, inventory=10.0, imbalance=-1.0))
    assert quote.bid is None and quote.ask is not None


def test_missing_imbalance_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="imbalance-skew needs the book imbalance"):
        ImbalanceSkew().quote(MarketState(mid=100.0))


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"imbalance_skew": -0.1}, "imbalance_skew must be >= 0"),
        ({"depth": 0}, "depth must be an integer >= 1"),
        ({"depth": 2.5}, "depth must be an integer >= 1"),
        ({"half_spread": -1.0}, "half_spread must be > 0"),
    ],
)
def test_parameter_validation(parameters: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ImbalanceSkew(**parameters)  # type: ignore[arg-type]
