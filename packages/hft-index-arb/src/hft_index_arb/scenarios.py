"""The ``index-market`` scenario's builder: the knobs, checked by `IndexMarketConfig`, make an `IndexVenue`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hft_index_arb.config import IndexMarketConfig
from hft_index_arb.market import IndexVenue

__all__ = ["build_index_market"]


def build_index_market(seed: int, duration_s: float, values: Mapping[str, Any]) -> IndexVenue:
    """``index-market``: see `hft_index_arb.market`."""
    return IndexVenue(IndexMarketConfig(**values), seed=seed, duration_s=duration_s)
