"""Registers the ``passive-mm`` pattern with hft (entry-point group ``hft``).

Importing this module stays cheap: the config class (`hft_passive_mm.config`) is plain dataclasses, and the
strategy with its numeric models loads only when a run builds it.
"""

from __future__ import annotations

from hft_core import Pattern, hookimpl

__all__ = ["PASSIVE_MM", "hft_register_patterns"]

PASSIVE_MM = Pattern(
    name="passive-mm",
    summary="Passive market making: inventory skew, Avellaneda–Stoikov, GLFT or imbalance-skew quoting.",
    description=(
        "Keeps one post-only bid and ask around the market's mid, re-deciding every tick_ms. The quoting model is "
        "chosen with 'model'; each model reads only its own knobs (see docs/passive-mm.md)."
    ),
    config="hft_passive_mm.config:PassiveMMConfig",
    strategy="hft_passive_mm.strategy:PassiveMarketMaker",
    # The market calibrated to the shared Binance BTCUSDT perpetual capture: its informed takers pick off stale
    # quotes, so the default run's markouts are adverse and its PnL is what such a maker earns (docs/passive-mm.md).
    default_scenario="btcusdt-perp",
    references=(
        "Avellaneda & Stoikov (2008), High-frequency trading in a limit order book, Quant. Finance 8(3)",
        "Guéant, Lehalle & Fernandez-Tapia (2013), Dealing with the inventory risk, Math. Financ. Econ. 7(4)",
    ),
)


@hookimpl
def hft_register_patterns() -> list[Pattern]:
    return [PASSIVE_MM]
