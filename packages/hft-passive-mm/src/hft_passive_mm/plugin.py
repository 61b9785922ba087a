"""Registers the ``passive-mm`` pattern with hft (entry-point group ``hft``).

Importing this module stays cheap: the strategy and its numeric models load only when a run builds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hft_core import Parameter, Pattern, Strategy, hookimpl

__all__ = ["PASSIVE_MM", "hft_register_patterns"]

_MODELS = ("inventory-skew", "avellaneda-stoikov", "glft", "glft-approx", "imbalance-skew")


def _build(params: Mapping[str, Any]) -> Strategy:
    from hft_passive_mm.strategy import PassiveMarketMaker

    return PassiveMarketMaker.from_params(params)


PASSIVE_MM = Pattern(
    name="passive-mm",
    summary="Passive market making: inventory skew, Avellaneda–Stoikov, GLFT or imbalance-skew quoting.",
    description=(
        "Keeps one post-only bid and ask around the mid, re-deciding every tick_ms. The quoting model is chosen "
        "with 'model'; each model reads only its own parameters (see docs/passive-mm.md)."
    ),
    strategy_factory=_build,
    default_scenario="single-instrument",
    # A market where quotes 0.25 from the mid trade: a 0.05 tick, a thinner book and larger takers.
    scenario_params={
        "tick_size": 0.05,
        "volatility": 4e-4,
        "lp_half_spread_ticks": 1.0,
        "lp_distance_ticks": 2.0,
        "lp_order_rate": 5.0,
        "lp_size_max": 3,
        "noise_rate": 3.0,
        "noise_size_max": 20,
    },
    parameters=(
        Parameter("model", str, "inventory-skew", "Quoting model.", choices=_MODELS),
        Parameter("tick_ms", int, 50, "Decision interval in milliseconds.", minimum=1),
        Parameter(
            "half_spread", float, 0.25, "Quote distance from the mid when flat (inventory/imbalance skew).", minimum=0
        ),
        Parameter("size", float, 1.0, "Size of each quote.", minimum=0),
        Parameter(
            "inv_limit", float, 10.0, "Largest |inventory| quoted into; also the risk gate's position limit.", minimum=0
        ),
        Parameter("inv_spread_mult", float, 2.0, "Extra spread at the inventory limit, in half-spreads.", minimum=0),
        Parameter(
            "inv_skew", float, 1.0, "Shift of both quotes against inventory at the limit, in half-spreads.", minimum=0
        ),
        Parameter("imbalance_skew", float, 0.5, "imbalance-skew: shift at |imbalance| = 1, in half-spreads."),
        Parameter("depth", int, 5, "imbalance-skew: book levels per side in the imbalance.", minimum=1, maximum=50),
        Parameter("gamma", float, 0.1, "AS/GLFT: risk aversion, per price unit.", minimum=0),
        Parameter(
            "sigma", float, 0.0, "AS/GLFT: mid volatility per √s in price units; 0 estimates it online.", minimum=0
        ),
        Parameter("k", float, 1.5, "AS/GLFT: fill-intensity decay with distance, per price unit.", minimum=0),
        Parameter("a", float, 140.0, "GLFT: fill intensity A at zero distance, per second.", minimum=0),
        Parameter(
            "horizon_s", float, 60.0, "AS/GLFT: trading horizon in seconds; restarts when it ends.", minimum=0.001
        ),
        Parameter(
            "max_loss", float, 0.0, "Kill switch: stop quoting once PnL falls below -max_loss (0 = off).", minimum=0
        ),
    ),
    references=(
        "Avellaneda & Stoikov (2008), High-frequency trading in a limit order book, Quant. Finance 8(3)",
        "Guéant, Lehalle & Fernandez-Tapia (2013), Dealing with the inventory risk, Math. Financ. Econ. 7(4)",
    ),
)


@hookimpl
def hft_register_patterns() -> list[Pattern]:
    return [PASSIVE_MM]
