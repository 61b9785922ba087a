"""Sample-size floors of the models, kept apart from them so the (numpy-free) configs can check against them."""

from __future__ import annotations

__all__ = ["MIN_COINTEGRATION_OBSERVATIONS", "MIN_FACTOR_RETURNS"]

MIN_COINTEGRATION_OBSERVATIONS = 20
"""The MacKinnon response surfaces are fitted for T ≥ 20; shorter samples are refused."""

MIN_FACTOR_RETURNS = 20
"""Fewest returns statarb-pca fits its factor regression on (and at least n_factors + 3)."""
