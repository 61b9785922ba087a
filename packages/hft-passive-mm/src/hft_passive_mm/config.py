"""The ``passive-mm`` pattern's knobs: one typed declaration each (see `hft_core.knobs`).

Distances and sizes carry units (``half_spread = "5ticks"``, ``size = "1lots"``), so the defaults mean the same
on any instrument: five ticks from the mid and one lot a quote on the simulated market's 0.05 grid, or on the
Binance BTCUSDT perpetual's 0.1 USDT and 0.001 BTC grid. Plain numbers are price units and instrument units.
Each quoting model reads only its own knobs; docs/passive-mm.md has the formulas (its knob table is
``hft info passive-mm --markdown``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from hft_core import Config, Distance, Knob, Size

__all__ = ["Model", "PassiveMMConfig"]

Model = Literal["inventory-skew", "avellaneda-stoikov", "glft", "glft-approx", "imbalance-skew"]
"""The quoting models, by registry name (`hft_passive_mm.quoting.QUOTING_MODELS`)."""


@dataclass(frozen=True)
class PassiveMMConfig(Config):
    """Keep one post-only bid and ask around the market's mid, re-deciding every ``tick_ms``."""

    model: Annotated[Model, Knob("Quoting model.")] = "inventory-skew"
    tick_ms: Annotated[
        int, Knob("Decision interval: the strategy wakes up and re-quotes this often.", unit="ms", ge=1)
    ] = 50
    half_spread: Annotated[
        Distance, Knob("inventory/imbalance skew: quote distance from the mid when flat (spread = 2 × this).", gt=0)
    ] = Distance(5, "ticks")
    size: Annotated[
        Size, Knob("Size of each quote; a side is withheld if one more fill would pass inv_limit.", gt=0)
    ] = Size(1, "lots")
    inv_limit: Annotated[
        Size, Knob("Largest |inventory| quoted into; also the risk gate's hard position limit (>= size).", gt=0)
    ] = Size(10, "lots")
    inv_spread_mult: Annotated[
        float, Knob("Extra total spread at |inventory| = inv_limit.", unit="half-spreads", ge=0)
    ] = 2.0
    inv_skew: Annotated[
        float, Knob("Shift of both quotes against inventory at the limit.", unit="half-spreads", ge=0)
    ] = 1.0
    imbalance_skew: Annotated[
        float, Knob("imbalance-skew: shift towards the heavier side at |imbalance| = 1.", unit="half-spreads")
    ] = 0.5
    depth: Annotated[int, Knob("imbalance-skew: book levels per side summed into the imbalance.", ge=1, le=50)] = 5
    gamma: Annotated[float, Knob("AS/GLFT: risk aversion.", unit="1/price", gt=0)] = 0.1
    sigma: Annotated[
        float, Knob("AS/GLFT: mid volatility per √s; 0 estimates it online from the mid.", unit="price/√s", ge=0)
    ] = 0.0
    k: Annotated[
        float, Knob("AS/GLFT: decay of the fill intensity A·exp(−k·δ) with distance δ.", unit="1/price", gt=0)
    ] = 1.5
    a: Annotated[float, Knob("GLFT: fill intensity A at zero distance.", unit="1/s", gt=0)] = 140.0
    horizon_s: Annotated[float, Knob("AS/GLFT: trading horizon; it restarts when it ends.", unit="s", ge=0.001)] = 60.0
    max_loss: Annotated[
        float,
        Knob("Kill switch: cancel everything and stop once PnL falls below −max_loss (0 = off).", unit="quote", ge=0),
    ] = 0.0

    def validate(self) -> None:
        if self.size.unit == self.inv_limit.unit and self.inv_limit.amount < self.size.amount:
            raise ValueError(f"inv_limit ({self.inv_limit}) must be >= size ({self.size})")
