"""``imbalance-skew``: the ``inventory-skew`` quotes, moved in the direction the order book leans.

Book imbalance over the top N levels (best first):

    I = (Σ_{i<N} bid_size_i - Σ_{i<N} ask_size_i) / (Σ_{i<N} bid_size_i + Σ_{i<N} ask_size_i) ∈ [-1, 1],

0 when both sides are empty. Positive I (more resting bids than offers) predicts an up-tick: queue imbalance
is a documented one-tick-ahead predictor of the next mid move (Gould & Bonart 2016, "Queue imbalance as a
one-tick-ahead price predictor in a limit order book", Market Microstructure and Liquidity 2(2)); the
size-weighted mid ``mid + I₁·(ask - bid)/2`` on the level-1 imbalance I₁ is the simplest fair-price estimate
built on it, the starting point of Stoikov (2018), "The micro-price: a high-frequency estimator of future
prices", Quantitative Finance 18(12). The model shifts both
inventory-skew quotes (``hft_passive_mm.quoting.inventory_skew``) by

    shift = imbalance_skew · I · half_spread,

up when bids dominate, down when offers dominate. With ``imbalance_skew = 1`` and ``half_spread`` equal to the
market's half-spread, at N = 1 the quote centre (flat inventory) is exactly that size-weighted mid.
Withheld sides stay withheld: the inventory limit is not affected by the book.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from hft_passive_mm.quoting.base import MarketState, Quote, require_non_negative
from hft_passive_mm.quoting.inventory_skew import InventorySkew, inventory_skew_quote

__all__ = ["ImbalanceSkew", "order_book_imbalance"]


def order_book_imbalance(
    bid_sizes: Sequence[float] | npt.NDArray[np.float64],
    ask_sizes: Sequence[float] | npt.NDArray[np.float64],
    depth: int,
) -> float:
    """Top-*depth* volume imbalance ``(B - A) / (B + A)`` in [-1, 1]; 0.0 when both sides are empty.

    *bid_sizes* and *ask_sizes* are resting sizes per price level, best level first; levels beyond the
    book's depth may simply be absent.
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be an integer >= 1, got {depth!r}")
    bids = np.asarray(bid_sizes, dtype=np.float64)[:depth]
    asks = np.asarray(ask_sizes, dtype=np.float64)[:depth]
    for side, sizes in (("bid", bids), ("ask", asks)):
        if sizes.ndim != 1:
            raise ValueError(f"{side}_sizes must be a flat sequence of level sizes")
        if not np.all(np.isfinite(sizes)) or np.any(sizes < 0.0):
            raise ValueError(f"{side}_sizes must be finite and >= 0, got {sizes.tolist()!r}")
    bid_volume = float(bids.sum())
    ask_volume = float(asks.sum())
    total = bid_volume + ask_volume
    if total == 0.0:
        return 0.0
    return (bid_volume - ask_volume) / total


@dataclass(frozen=True, slots=True)
class ImbalanceSkew:
    """Inventory-skew quoting shifted by book imbalance (module docstring).

    Attributes:
        half_spread, size, inv_limit, inv_spread_mult, inv_skew: as in `InventorySkew`.
        imbalance_skew: shift of both quotes at ``|I| = 1``, in half-spreads, towards the heavier side's
            predicted move (>= 0; 0 reduces the model to inventory-skew).
        depth: N, the number of book levels per side the strategy sums for I (integer >= 1); see
            `order_book_imbalance` and `imbalance_from_book`.
    """

    name: ClassVar[str] = "imbalance-skew"

    half_spread: float = 0.25
    size: float = 1.0
    inv_limit: float = 10.0
    inv_spread_mult: float = 2.0
    inv_skew: float = 1.0
    imbalance_skew: float = 0.5
    depth: int = 5

    def __post_init__(self) -> None:
        # The inventory part is validated by the model it reuses.
        InventorySkew(
            half_spread=self.half_spread,
            size=self.size,
            inv_limit=self.inv_limit,
            inv_spread_mult=self.inv_spread_mult,
            inv_skew=self.inv_skew,
        )
        require_non_negative("imbalance_skew", self.imbalance_skew)
        if isinstance(self.depth, bool) or not isinstance(self.depth, int) or self.depth < 1:
            raise ValueError(f"depth must be an integer >= 1, got {self.depth!r}")

    def imbalance_from_book(
        self,
        bid_sizes: Sequence[float] | npt.NDArray[np.float64],
        ask_sizes: Sequence[float] | npt.NDArray[np.float64],
    ) -> float:
        """`order_book_imbalance` over this model's ``depth`` levels."""
        return order_book_imbalance(bid_sizes, ask_sizes, self.depth)

    def quote(self, state: MarketState) -> Quote:
        """Inventory-skew quote for *state*, shifted by ``imbalance_skew · state.imbalance · half_spread``."""
        if state.imbalance is None:
            raise ValueError(
                "imbalance-skew needs the book imbalance: pass MarketState(imbalance=...) "
                "(e.g. from ImbalanceSkew.imbalance_from_book)"
            )
        base = inventory_skew_quote(
            state.mid,
            state.inventory,
            half_spread=self.half_spread,
            size=self.size,
            inv_limit=self.inv_limit,
            inv_spread_mult=self.inv_spread_mult,
            inv_skew=self.inv_skew,
        )
        shift = self.imbalance_skew * state.imbalance * self.half_spread
        return Quote(
            bid=None if base.bid is None else base.bid + shift,
            ask=None if base.ask is None else base.ask + shift,
        )
