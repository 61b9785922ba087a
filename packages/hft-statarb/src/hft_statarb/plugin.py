"""Registers hft-statarb's patterns and simulated markets with hft (entry-point group ``hft``).

Patterns: ``statarb-pairs`` (Engle–Granger-gated pairs trading on an OU s-score), ``statarb-pca`` (Avellaneda–Lee
PCA residual s-scores over a universe, factor-hedged) and ``triangular-arb`` (depth-aware triangular cycles
after fees). Scenarios: ``fast-cointegrated-pair``, ``factor-universe`` and ``triangle``.

Everything here is a declaration: the knobs are the config classes of `hft_statarb.config`, the strategies and
the market builders (`hft_statarb.scenarios`) are named by import strings, so importing this module, and
listing the patterns and markets, costs no numpy; the numeric code loads when a run builds a strategy or a venue.
"""

from __future__ import annotations

from hft_core import Pattern, Scenario, hookimpl

__all__ = [
    "FACTOR_UNIVERSE",
    "FAST_COINTEGRATED_PAIR",
    "PAIRS",
    "PCA",
    "STATARB_SCENARIOS",
    "TRIANGLE",
    "TRIANGULAR",
    "hft_register_patterns",
    "hft_register_scenarios",
]

ENGLE_GRANGER_1987 = (
    "Engle & Granger (1987), Co-integration and error correction: representation, estimation and testing, "
    "Econometrica 55(2), 251–276"
)
MACKINNON_2010 = (
    "MacKinnon (2010), Critical values for cointegration tests, Queen's Economics Department Working Paper 1227"
)
AVELLANEDA_LEE_2010 = (
    "Avellaneda & Lee (2010), Statistical arbitrage in the US equities market, Quantitative Finance 10(7), 761–782"
)
BAYER_2023 = (
    "Bayer, Hager, Riedel & Schoenmakers (2023), Optimal stopping with signatures, Ann. Appl. Probab. 33(1), 238–273"
)


_CONFIG = "hft_statarb.config"
_BUILDERS = "hft_statarb.scenarios"

PAIRS = Pattern(
    name="statarb-pairs",
    summary="Pairs trading: OLS/Kalman hedge, Engle–Granger gate, OU s-score entries and exits.",
    description=(
        "Trades instrument 0 (y) against instrument 1 (x). Every sample_interval_s it records both mids; after "
        "warmup_s, and every refit_interval_s, it re-estimates on the trailing window_s: the hedge ratio (OLS or a "
        "Kalman filter), the Engle–Granger test with MacKinnon critical values (the pair is traded only while it "
        "is cointegrated at coint_level) and an OU fit of the spread (half-life under max_half_life_s). The "
        "spread's s-score (or z-score) opens and closes long/short spread positions: qty of y against β·qty·Py/Px "
        "of x (log prices) in whole lots, via marketable IOC orders at the touch; exit_rule='signature' closes by a "
        "signature optimal-stopping rule instead of the close levels. Runs on any market whose "
        "instruments are (y, x), including recorded data; docs/statarb.md, 'Patterns', has measured runs."
    ),
    config=f"{_CONFIG}:PairsConfig",
    strategy="hft_statarb.strategies.pairs:PairsTrader",
    default_scenario="fast-cointegrated-pair",
    references=(ENGLE_GRANGER_1987, MACKINNON_2010, AVELLANEDA_LEE_2010, BAYER_2023),
)

PCA = Pattern(
    name="statarb-pca",
    summary="PCA residual s-scores over a universe (Avellaneda–Lee), entries per name, factor-hedged book.",
    description=(
        "Samples every instrument's mid each sample_interval_s. After warmup_s it fits, on the trailing window_s of "
        "returns, the n_factors leading eigenportfolios of the correlation matrix, regresses each name on them and "
        "fits its cumulative residual as an OU process; a name's s-score opens long/short positions of notional "
        "each and closes them (Avellaneda–Lee thresholds by default), for names whose residual half-life is under "
        "max_half_life_s. With hedge_factors the book is neutralised against the factors by trading the "
        "eigenportfolios. Default market: factor-universe (8 names on a two-factor model)."
    ),
    config=f"{_CONFIG}:PcaConfig",
    strategy="hft_statarb.strategies.pca:PcaResidualTrader",
    default_scenario="factor-universe",
    references=(AVELLANEDA_LEE_2010,),
)

TRIANGULAR = Pattern(
    name="triangular-arb",
    summary="Triangular arbitrage: depth-aware cycles that pay after fees, three IOC legs, cooldown.",
    description=(
        "Needs three BASE/QUOTE books forming a triangle (default market: triangle, with BTC/USDT, ETH/USDT and "
        "ETH/BTC). Every check_interval_ms it prices both cycles from start_currency at the touch after taker fees; "
        "when one beats 1 by min_edge_bp it sizes the cycle over depth_levels of each book (capped at max_notional, "
        "rounded to lots, kept only if the executed profit beats min_profit) and sends the three legs at once as "
        "IOC orders limited at the worst planned level, then waits cooldown_ms. Leftover base currency from legs "
        "that filled partly is sold back at the touch (unwind). The log reports the PnL marked in start_currency."
    ),
    config=f"{_CONFIG}:TriangularConfig",
    strategy="hft_statarb.strategies.triangular:TriangularArbitrageur",
    default_scenario="triangle",
    references=(
        "Aiba, Hatano, Takayasu, Marumo & Shimizu (2002), Triangular arbitrage as an interaction among foreign "
        "exchange rates, Physica A 310, 467–479",
        "Fenn, Howison, McDonald, Williams & Johnson (2009), The mirage of triangular arbitrage in the spot foreign "
        "exchange market, Int. J. Theor. Appl. Finance 12(8), 1105–1123",
    ),
)

FAST_COINTEGRATED_PAIR = Scenario(
    "fast-cointegrated-pair",
    "Y (index 0) and X (index 1) cointegrated in logs, ln Y = c + β·ln X + s, with an OU spread of 1 s half-life "
    "and mids that track fair value closely (statarb-pairs' market)",
    config=f"{_CONFIG}:FastPairMarketConfig",
    builder=f"{_BUILDERS}:build_fast_cointegrated_pair",
)

FACTOR_UNIVERSE = Scenario(
    "factor-universe",
    "N names (default 8, S01…) on a two-factor model of log fair values (market + long–short) with OU "
    "idiosyncratic residuals: the market of statarb-pca",
    config=f"{_CONFIG}:FactorUniverseConfig",
    builder=f"{_BUILDERS}:build_factor_universe",
)

TRIANGLE = Scenario(
    "triangle",
    "BTC/USDT, ETH/USDT and ETH/BTC; the cross is priced off the other two with an OU mispricing and a delay, "
    "so triangular cycles appear and disappear (triangular-arb's market)",
    config=f"{_CONFIG}:TriangleMarketConfig",
    builder=f"{_BUILDERS}:build_triangle",
)

STATARB_SCENARIOS: tuple[Scenario, ...] = (FAST_COINTEGRATED_PAIR, FACTOR_UNIVERSE, TRIANGLE)
"""Every scenario hft-statarb registers."""


@hookimpl
def hft_register_patterns() -> list[Pattern]:
    return [PAIRS, PCA, TRIANGULAR]


@hookimpl
def hft_register_scenarios() -> list[Scenario]:
    return list(STATARB_SCENARIOS)
