"""The shared interface: registry, protocol, parameter handling, market-state validation."""

from __future__ import annotations

import pytest
from hft_passive_mm.quoting import (
    QUOTING_MODELS,
    MarketState,
    Quote,
    QuotingModel,
    make_quoting_model,
    model_parameters,
)

STATE = MarketState(mid=100.0, inventory=1.0, time=0.1, imbalance=0.2)


def test_registry_names() -> None:
    assert list(QUOTING_MODELS) == ["inventory-skew", "avellaneda-stoikov", "glft", "glft-approx", "imbalance-skew"]


@pytest.mark.parametrize("name", list(QUOTING_MODELS))
def test_every_model_satisfies_the_protocol_with_its_defaults(name: str) -> None:
    model = make_quoting_model(name)
    assert isinstance(model, QuotingModel)
    assert model.name == name
    quote = model.quote(STATE)
    assert isinstance(quote, Quote)
    assert quote.bid is not None and quote.ask is not None
    assert quote.bid < quote.ask


def test_parameters_override_defaults() -> None:
    model = make_quoting_model("inventory-skew", half_spread=0.5)
    assert model.quote(MarketState(mid=10.0)) == Quote(bid=9.5, ask=10.5)


def test_unknown_model_names_the_choices() -> None:
    with pytest.raises(ValueError, match=r"unknown quoting model 'as'; choose one of: inventory-skew, "):
        make_quoting_model("as")


def test_unknown_parameter_names_the_expected_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) for quoting model 'glft': kappa; expected"):
        make_quoting_model("glft", kappa=0.3)


def test_invalid_value_is_reported_by_name() -> None:
    with pytest.raises(ValueError, match="gamma must be > 0"):
        make_quoting_model("avellaneda-stoikov", gamma=-1.0)


def test_model_parameters_lists_public_fields_only() -> None:
    assert model_parameters("glft") == {
        "gamma": 0.01,
        "sigma": 0.3,
        "A": 0.9,
        "k": 0.3,
        "horizon": 600.0,
        "max_inventory": 30,
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"mid": float("nan")}, "mid must be a finite number"),
        ({"mid": 1.0, "inventory": float("inf")}, "inventory must be a finite number"),
        ({"mid": 1.0, "time": -0.1}, "time must be >= 0"),
        ({"mid": 1.0, "imbalance": 1.5}, r"imbalance must lie in \[-1, 1\]"),
    ],
)
def test_market_state_validation(fields: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MarketState(**fields)


def test_one_sided_quote_has_no_spread() -> None:
    assert Quote(bid=None, ask=101.0).spread is None
    assert Quote(bid=99.0, ask=101.0).spread == 2.0
