"""Quoting models for passive market making, selectable by name.

=====================  ============================================================================
name                   model
=====================  ============================================================================
``inventory-skew``     fixed spread skewed and widened against inventory, hard limit (`InventorySkew`)
``avellaneda-stoikov`` reservation price + optimal spread, Avellaneda & Stoikov 2008 (`AvellanedaStoikov`)
``glft``               exact bounded-inventory quotes, Guéant, Lehalle & Fernandez-Tapia 2013 (`GLFT`)
``glft-approx``        the same paper's closed-form asymptotic quotes (`GLFTApprox`)
``imbalance-skew``     inventory-skew shifted by top-N book imbalance (`ImbalanceSkew`)
=====================  ============================================================================

Every model satisfies the `QuotingModel` protocol: ``model.quote(MarketState(...)) -> Quote``.
`make_quoting_model` builds one from its name and keyword parameters (e.g. a table of ``Config.toml``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from hft_passive_mm.quoting.avellaneda_stoikov import (
    AvellanedaStoikov,
    optimal_spread,
    reservation_price,
    time_averaged_spread,
)
from hft_passive_mm.quoting.base import MarketState, Quote, QuotingModel
from hft_passive_mm.quoting.glft import (
    GLFT,
    GLFTApprox,
    glft_alpha_eta,
    glft_approx_offsets,
    glft_log_value_functions,
    glft_matrix,
    glft_offsets,
    glft_omega,
)
from hft_passive_mm.quoting.imbalance_skew import ImbalanceSkew, order_book_imbalance
from hft_passive_mm.quoting.inventory_skew import InventorySkew

__all__ = [
    "GLFT",
    "QUOTING_MODELS",
    "AvellanedaStoikov",
    "GLFTApprox",
    "ImbalanceSkew",
    "InventorySkew",
    "MarketState",
    "Quote",
    "QuotingModel",
    "glft_alpha_eta",
    "glft_approx_offsets",
    "glft_log_value_functions",
    "glft_matrix",
    "glft_offsets",
    "glft_omega",
    "make_quoting_model",
    "model_parameters",
    "optimal_spread",
    "order_book_imbalance",
    "reservation_price",
    "time_averaged_spread",
]

QUOTING_MODELS: Mapping[str, type[QuotingModel]] = {
    model.name: model for model in (InventorySkew, AvellanedaStoikov, GLFT, GLFTApprox, ImbalanceSkew)
}
"""Model classes by registry name; each is a frozen dataclass whose fields are its parameters."""


def model_parameters(name: str) -> dict[str, Any]:
    """The parameters of model *name* with their defaults (a ValueError names the known models)."""
    model = _model_class(name)
    return {
        spec.name: spec.default
        for spec in dataclasses.fields(model)  # type: ignore[arg-type]
        if spec.init and spec.default is not dataclasses.MISSING
    }


def make_quoting_model(name: str, **parameters: Any) -> QuotingModel:
    """Build quoting model *name* from keyword *parameters* (missing ones take their defaults).

    Raises ValueError for an unknown model name, an unknown parameter, or an invalid value.
    """
    model = _model_class(name)
    known = model_parameters(name)
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise ValueError(
            f"unknown parameter(s) for quoting model {name!r}: {', '.join(unknown)}; "
            f"expected some of: {', '.join(known)}"
        )
    return model(**parameters)


def _model_class(name: str) -> type[QuotingModel]:
    try:
        return QUOTING_MODELS[name]
    except KeyError:
        raise ValueError(f"unknown quoting model {name!r}; choose one of: {', '.join(QUOTING_MODELS)}") from None
