"""Registers hft-index-arb's patterns and its ``index-market`` scenario with hft (entry-point group ``hft``).

Everything here is a declaration (import strings), so listing the patterns costs no numpy.
"""

from __future__ import annotations

from hft_core import Pattern, Scenario, hookimpl

__all__ = ["BASIS_CARRY", "ETF_ARB", "INDEX_ARB", "INDEX_MARKET", "hft_register_patterns", "hft_register_scenarios"]

ALMGREN_CHRISS_2000 = "Almgren & Chriss (2000), Optimal execution of portfolio transactions, Journal of Risk 3(2), 5–39"
BERGAULT_DRISSI_GUEANT = (
    "Bergault, Drissi & Guéant, Multi-asset optimal execution and statistical arbitrage strategies under "
    "Ornstein–Uhlenbeck dynamics, SSRN 4319255"
)
HULL_FUTURES = "Hull, Options, Futures, and Other Derivatives: cost of carry F = S·e^((r−q)T), index arbitrage"

INDEX_MARKET = Scenario(
    "index-market",
    "N constituents (one-factor returns, per-name ladders with resilience and impact), an index future priced off "
    "cost of carry with noise and lag, an ETF whose authorised participants create/redeem past their costs",
    config="hft_index_arb.config:IndexMarketConfig",
    builder="hft_index_arb.scenarios:build_index_market",
)

INDEX_ARB = Pattern(
    name="index-arb",
    summary="Future vs basket: trade when the future leaves its cost-of-carry band after all costs.",
    description=(
        "Values the basket (one share of every S### constituent per index unit) at its mids, prices the future at "
        "F* = (S − PV(dividends))·e^((r−q)T), and builds the no-arbitrage band from both legs' taker fees, every "
        "book swept at the size to trade, the financing spread and the future's margin. Above the band it sells "
        "the future and buys the basket; below, the reverse; it closes both legs when the future is back at fair. "
        "The basket leg is sliced by the execution knob (lqg, almgren-chriss, twap, sweep). It records the band "
        "and basis every record_s (series.parquet, drawn by hft report); the log has each basket leg's "
        "implementation shortfall (EXEC) and a summary."
    ),
    config="hft_index_arb.config:IndexArbConfig",
    strategy="hft_index_arb.strategies:IndexArb",
    default_scenario="index-market",
    references=(HULL_FUTURES, ALMGREN_CHRISS_2000, BERGAULT_DRISSI_GUEANT),
)

ETF_ARB = Pattern(
    name="etf-arb",
    summary="ETF vs basket: trade the ETF's premium or discount to its NAV past both legs' costs.",
    description=(
        "The same machinery as index-arb on the ETF (IDXE): its fair value is the basket's NAV (creation and "
        "redemption deliver at once, so there is no carry), its band both legs' fees and swept half-spreads. The "
        "market's authorised participants cap the premium at their own cost (scenario.ap_cost_bp): with taker "
        "fees and spreads above that cost, an arbitrageur without creation rights finds little left."
    ),
    config="hft_index_arb.config:EtfArbConfig",
    strategy="hft_index_arb.strategies:EtfArb",
    default_scenario="index-market",
    references=(ALMGREN_CHRISS_2000, BERGAULT_DRISSI_GUEANT),
)

BASIS_CARRY = Pattern(
    name="basis-carry",
    summary="Crypto spot vs perpetual: trade the basis when it pays more than fees, spreads and funding carry.",
    description=(
        "Runs on two recorded captures (--data SPOT --data PERP). Funding plays the role of carry: holding long "
        "spot and short perpetual for horizon_h earns funding_rate per 8 h (assumed constant). It buys spot and "
        "sells the perpetual when the perpetual's bid over the spot's ask, plus that carry, beats both taker fees "
        "and threshold_bp (and the reverse), with IOCs at the touches, within max_position. docs/index-arb.md "
        "says what a six-minute capture can and cannot show."
    ),
    config="hft_index_arb.config:BasisCarryConfig",
    strategy="hft_index_arb.strategies:BasisCarry",
    references=(HULL_FUTURES,),
)


@hookimpl
def hft_register_patterns() -> list[Pattern]:
    return [INDEX_ARB, ETF_ARB, BASIS_CARRY]


@hookimpl
def hft_register_scenarios() -> list[Scenario]:
    return [INDEX_MARKET]
