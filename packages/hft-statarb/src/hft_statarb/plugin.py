"""Registers hft-statarb's patterns and simulated markets with hft (entry-point group ``hft``).

Patterns: ``statarb-pairs`` (Engle–Granger-gated pairs trading on an OU s-score), ``statarb-pca`` (Avellaneda–Lee
PCA residual s-scores over a universe, factor-hedged) and ``triangular-arb`` (depth-aware triangular cycles
after fees). Scenarios: ``fast-cointegrated-pair``, ``factor-universe`` and ``triangle``
(`hft_statarb.scenarios`).

Importing this module costs no numpy: the strategies and their models load when a run builds them. Returning
the scenarios imports hft-core's simulated-market module, which `hft list` then pays for (about 0.2 s).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hft_core import Parameter, Pattern, Strategy, hookimpl

if TYPE_CHECKING:
    from hft_core.venues.simulated import Scenario

__all__ = ["PAIRS", "PCA", "TRIANGULAR", "hft_register_patterns", "hft_register_scenarios"]

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


def _build_pairs(params: Mapping[str, Any]) -> Strategy:
    from hft_statarb.strategies.pairs import PairsTrader

    return PairsTrader.from_params(params)


def _build_pca(params: Mapping[str, Any]) -> Strategy:
    from hft_statarb.strategies.pca import PcaResidualTrader

    return PcaResidualTrader.from_params(params)


def _build_triangular(params: Mapping[str, Any]) -> Strategy:
    from hft_statarb.strategies.triangular import TriangularArbitrageur

    return TriangularArbitrageur.from_params(params)


_THRESHOLDS = Parameter(
    "thresholds",
    str,
    "avellaneda-lee",
    "Entry/exit levels on the score: 'avellaneda-lee' (open ±1.25, close long −0.50, close short +0.75) or "
    "'symmetric' (open beyond ±entry, close inside ±exit).",
    choices=("avellaneda-lee", "symmetric"),
)
_ENTRY = Parameter("entry", float, 2.0, "symmetric thresholds: open when |score| exceeds this.", minimum=0)
_EXIT = Parameter("exit", float, 0.5, "symmetric thresholds: close when |score| falls inside this.", minimum=0)
_SLIPPAGE = Parameter(
    "slippage_ticks", int, 0, "IOC limit this many ticks beyond the touch (0 = at the touch).", minimum=0
)
_MAX_LOSS = Parameter("max_loss", float, 0.0, "Kill switch: stop once PnL falls below -max_loss (0 = off).", minimum=0)

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
    strategy_factory=_build_pairs,
    default_scenario="fast-cointegrated-pair",
    parameters=(
        Parameter("qty", float, 10.0, "Units of y per spread position; x is sized by the hedge ratio.", minimum=0),
        Parameter("hedge", str, "ols", "Hedge-ratio estimator.", choices=("ols", "kalman")),
        Parameter(
            "kalman_delta",
            float,
            1e-10,
            "kalman: state noise δ per sample, in squared units of the (log) prices; 0 = recursive least squares. "
            "Log prices need a tiny δ for β to stay the cointegrating ratio; larger δ tracks a local level.",
            minimum=0,
            maximum=0.5,
        ),
        Parameter(
            "price_transform",
            str,
            "log",
            "Model log mids (hedge = β·Py/Px units of x per y) or price levels (hedge = β).",
            choices=("log", "level"),
        ),
        Parameter("sample_interval_s", float, 0.25, "Seconds between samples of the two mids.", minimum=0.001),
        Parameter("warmup_s", float, 30.0, "Seconds of samples before the first estimate.", minimum=0),
        Parameter("window_s", float, 120.0, "Rolling estimation window in seconds.", minimum=1),
        Parameter("refit_interval_s", float, 10.0, "Seconds between re-estimations.", minimum=0.001),
        Parameter(
            "coint_level",
            float,
            0.05,
            "Engle–Granger test level (MacKinnon 2010 critical values).",
            choices=(0.01, 0.05, 0.1),
        ),
        Parameter("require_cointegration", bool, True, "Trade only while the Engle–Granger test rejects."),
        Parameter(
            "signal",
            str,
            "s-score",
            "Score traded: the OU s-score (spread − m)/σ_eq or the spread's z-score over the window.",
            choices=("s-score", "z-score"),
        ),
        _THRESHOLDS,
        _ENTRY,
        _EXIT,
        Parameter(
            "max_half_life_s", float, 30.0, "Trade only when the spread's OU half-life is below this.", minimum=0
        ),
        Parameter(
            "max_hedge_ratio",
            float,
            10.0,
            "Largest |units of x per unit of y| accepted; also sets the risk caps.",
            minimum=0,
        ),
        Parameter(
            "exit_rule",
            str,
            "threshold",
            "Close on the score's close levels ('threshold') or by a signature optimal-stopping rule trained at entry "
            "on simulated OU paths ('signature', needs signal 's-score').",
            choices=("threshold", "signature"),
        ),
        Parameter(
            "signature_level", int, 3, "signature: truncation level of the path signature.", minimum=1, maximum=5
        ),
        Parameter("signature_paths", int, 2_000, "signature: simulated paths the rule is trained on.", minimum=2),
        Parameter(
            "signature_horizon_s", float, 20.0, "signature: the position is closed by then at the latest.", minimum=0
        ),
        _SLIPPAGE,
        _MAX_LOSS,
    ),
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
    strategy_factory=_build_pca,
    default_scenario="factor-universe",
    parameters=(
        Parameter("notional", float, 1_000.0, "Quote-currency value of each single-name position.", minimum=0),
        Parameter("n_factors", int, 2, "Leading principal components used as factors (< number of names).", minimum=1),
        Parameter("sample_interval_s", float, 1.0, "Seconds per return bar.", minimum=0.001),
        Parameter("warmup_s", float, 30.0, "Seconds of returns before the first fit.", minimum=0),
        Parameter("window_s", float, 120.0, "Rolling window of returns in seconds.", minimum=1),
        Parameter(
            "max_half_life_s", float, 30.0, "Trade a name only while its residual half-life is below this.", minimum=0
        ),
        Parameter("fit_intercept", bool, False, "Keep a per-name drift in the factor regression (the paper's choice)."),
        _THRESHOLDS,
        _ENTRY,
        _EXIT,
        Parameter("hedge_factors", bool, True, "Neutralise the book's factor exposure with the eigenportfolios."),
        Parameter(
            "rebalance_fraction",
            float,
            0.25,
            "Trade a name only when its target moved by this share of notional (going flat always trades).",
            minimum=0,
            maximum=1,
        ),
        _SLIPPAGE,
        _MAX_LOSS,
    ),
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
    strategy_factory=_build_triangular,
    default_scenario="triangle",
    parameters=(
        Parameter("start_currency", str, "USDT", "Currency every cycle starts and ends in."),
        Parameter("max_notional", float, 2_000.0, "Largest amount of start_currency put into one cycle.", minimum=0),
        Parameter("min_profit", float, 0.0, "Fire only cycles whose executed profit exceeds this.", minimum=0),
        Parameter(
            "min_edge_bp", float, 1.0, "Top-of-book cycle rate must beat 1 by this many bp after fees.", minimum=0
        ),
        Parameter("depth_levels", int, 5, "Book levels per side read when sizing a cycle.", minimum=1, maximum=50),
        Parameter("check_interval_ms", int, 50, "Milliseconds between checks.", minimum=1),
        Parameter("cooldown_ms", int, 250, "Quiet time after firing a cycle.", minimum=0),
        Parameter("unwind", bool, True, "Sell leftover base currency back into start_currency at the touch."),
        _MAX_LOSS,
    ),
    references=(
        "Aiba, Hatano, Takayasu, Marumo & Shimizu (2002), Triangular arbitrage as an interaction among foreign "
        "exchange rates, Physica A 310, 467–479",
        "Fenn, Howison, McDonald, Williams & Johnson (2009), The mirage of triangular arbitrage in the spot foreign "
        "exchange market, Int. J. Theor. Appl. Finance 12(8), 1105–1123",
    ),
)


@hookimpl
def hft_register_patterns() -> list[Pattern]:
    return [PAIRS, PCA, TRIANGULAR]


@hookimpl
def hft_register_scenarios() -> list[Scenario]:
    from hft_statarb.scenarios import STATARB_SCENARIOS

    return list(STATARB_SCENARIOS)
