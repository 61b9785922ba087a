"""Stylized facts of a market, simulated or recorded: what ``hft realism`` prints and ``hft calibrate`` fits to.

```python
from hft_core.realism import load_market_source, measure, facts_table

capture = measure(load_market_source("usdm_btcusdt_20240808.gz"))
print(facts_table([capture]))
```

`facts` defines each fact (spread and touch-depth distributions, taker order sizes, inter-arrival times and
their Hawkes branching ratio, trade-sign autocorrelation, the volatility signature, passive-fill markouts);
`sources` loads a data file or a run directory; `report` prints, tabulates and plots them side by side.
"""

from __future__ import annotations

from hft_core.realism.facts import (
    MARKOUT_HORIZONS_S,
    OwnFills,
    RealismError,
    StylizedFacts,
    book_samples,
    stylized_facts,
    taker_orders,
)
from hft_core.realism.report import facts_json, facts_table, write_plots
from hft_core.realism.sources import MarketSource, RealismInputError, load_market_source

__all__ = [
    "MARKOUT_HORIZONS_S",
    "MarketSource",
    "OwnFills",
    "RealismError",
    "RealismInputError",
    "StylizedFacts",
    "book_samples",
    "facts_json",
    "facts_table",
    "load_market_source",
    "measure",
    "stylized_facts",
    "taker_orders",
    "write_plots",
]


def measure(source: MarketSource, *, sample_ms: float = 100.0) -> StylizedFacts:
    """The stylized facts of a loaded market (a `RealismInputError` when it has none to give)."""
    try:
        return stylized_facts(
            source.events, source.instrument, label=source.label, fills=source.fills, sample_ms=sample_ms
        )
    except RealismError as exc:
        raise RealismInputError(f"{source.label}: {exc}") from None
