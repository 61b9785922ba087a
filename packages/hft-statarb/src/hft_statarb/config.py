"""The knobs of hft-statarb's patterns and simulated markets: one typed declaration each (see `hft_core.knobs`).

Patterns: `PairsConfig` (``statarb-pairs``), `PcaConfig` (``statarb-pca``) and `TriangularConfig`
(``triangular-arb``). The knobs two patterns share (the score thresholds, ``slippage_ticks``, ``max_loss``) are
declared once as type aliases (`Thresholds`, `Entry`, `Exit`, `SlippageTicks`, `MaxLoss`), each config giving its
own default. Bounds are the models' domains; rules that tie knobs together (``exit < entry``, enough warm-up
samples for the test or the regression, the signature exit's needs) are each config's ``validate``.

Markets: `FastPairMarketConfig` (``fast-cointegrated-pair``), `FactorUniverseConfig` (``factor-universe``) and
`TriangleMarketConfig` (``triangle``). Their fees, latencies and background participants reuse hft-core's market
knob declarations (`hft_core.markets`) with statarb's defaults; only the fair-value models' knobs are declared
here. The builders that read them are in `hft_statarb.scenarios`.

Nothing here imports numpy: ``hft list`` and ``hft info`` describe the patterns and markets without loading them.
docs/statarb.md carries the knob tables, generated from these classes (``hft info statarb-pairs --markdown``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Literal

from hft_core import Config, Knob, Size
from hft_core.markets import (
    EntryLatencyNs,
    FairStepMs,
    FeedLatencyNs,
    LotSize,
    LpDistanceTicks,
    LpFairWeight,
    LpLifetimeS,
    LpOrderRate,
    LpSizeMax,
    MakerFee,
    NoiseRate,
    NoiseSizeMax,
    Record,
    ResponseLatencyNs,
    TakerFee,
    TickSize,
    ValueEdgeTicks,
    ValueLookRate,
    ValueSizeMax,
    Volatility,
)

from hft_statarb._limits import MIN_COINTEGRATION_OBSERVATIONS, MIN_FACTOR_RETURNS

__all__ = [
    "COINT_LEVELS",
    "Entry",
    "Exit",
    "FactorUniverseConfig",
    "FastPairMarketConfig",
    "MaxLoss",
    "PairsConfig",
    "PcaConfig",
    "SlippageTicks",
    "StatArbMarketConfig",
    "Thresholds",
    "TriangleMarketConfig",
    "TriangularConfig",
]

COINT_LEVELS = (0.01, 0.05, 0.1)
"""The Engle–Granger test levels MacKinnon (2010) tabulates critical values for."""

# -- knobs several patterns share ------------------------------------------------------------------------------
Thresholds = Annotated[
    Literal["avellaneda-lee", "symmetric"],
    Knob(
        "Entry/exit levels on the score: 'avellaneda-lee' (open ±1.25, close long −0.50, close short +0.75) or "
        "'symmetric' (open beyond ±entry, close inside ±exit)."
    ),
]
Entry = Annotated[float, Knob("symmetric thresholds: open when |score| exceeds this (> exit).", unit="σ", gt=0)]
Exit = Annotated[float, Knob("symmetric thresholds: close when |score| falls inside this (< entry).", unit="σ", ge=0)]
SlippageTicks = Annotated[
    int, Knob("IOC limit this many ticks beyond the touch (0 = at the touch).", unit="ticks", ge=0)
]
MaxLoss = Annotated[float, Knob("Kill switch: stop once PnL falls below −max_loss (0 = off).", unit="quote", ge=0)]


def _check_band(entry: float, exit: float) -> None:
    if not exit < entry:
        raise ValueError(f"exit ({exit}) must be below entry ({entry}), or a position would close at once")


def _samples(span_s: float, interval_s: float) -> int:
    return math.floor(span_s / interval_s + 1e-9)


def _check_warmup(warmup_s: float, window_s: float) -> None:
    if warmup_s > window_s:
        raise ValueError(f"warmup_s ({warmup_s}) must not exceed window_s ({window_s}): the first fit uses the window")


# -- statarb-pairs --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PairsConfig(Config):
    """Trade the spread of instrument 0 (y) against instrument 1 (x) (`hft_statarb.strategies.pairs.PairsTrader`)."""

    qty: Annotated[
        Size, Knob("Size of y per spread position ('10lots' or units); x is sized by the hedge ratio.", gt=0)
    ] = Size(10, "lots")
    hedge: Annotated[Literal["ols", "kalman"], Knob("Hedge-ratio estimator.")] = "ols"
    kalman_delta: Annotated[
        float,
        Knob(
            "kalman: state noise δ per sample (Q = δ/(1−δ), in squared units of the (log) prices); 0 = recursive "
            "least squares. Log prices need a tiny δ for β to stay the cointegrating ratio; larger δ tracks a "
            "local level.",
            ge=0,
            lt=1,
        ),
    ] = 1e-10
    price_transform: Annotated[
        Literal["log", "level"],
        Knob("Model log mids (hedge = β·Py/Px units of x per y) or price levels (hedge = β)."),
    ] = "log"
    sample_interval_s: Annotated[float, Knob("Time between samples of the two mids.", unit="s", ge=0.001)] = 0.25
    warmup_s: Annotated[
        float, Knob("Samples collected before the first estimate (at least 20 samples).", unit="s", gt=0)
    ] = 30.0
    window_s: Annotated[float, Knob("Rolling estimation window (>= warmup_s).", unit="s", gt=0)] = 120.0
    refit_interval_s: Annotated[float, Knob("Time between re-estimations.", unit="s", ge=0.001)] = 10.0
    coint_level: Annotated[
        float, Knob("Engle–Granger test level (MacKinnon 2010 critical values).", choices=COINT_LEVELS)
    ] = 0.05
    require_cointegration: Annotated[bool, Knob("Trade only while the Engle–Granger test rejects.")] = True
    signal: Annotated[
        Literal["s-score", "z-score"],
        Knob("Score traded: the OU s-score (spread − m)/σ_eq or the spread's z-score over the window."),
    ] = "s-score"
    thresholds: Thresholds = "avellaneda-lee"
    entry: Entry = 2.0
    exit: Exit = 0.5
    max_half_life_s: Annotated[
        float, Knob("Trade only while the spread's OU half-life is below this.", unit="s", gt=0)
    ] = 30.0
    max_hedge_ratio: Annotated[
        float, Knob("Largest |units of x per unit of y| accepted; also sets the risk caps.", gt=0)
    ] = 10.0
    exit_rule: Annotated[
        Literal["threshold", "signature"],
        Knob(
            "Close on the score's close levels ('threshold') or by a signature optimal-stopping rule trained at "
            "entry on simulated OU paths ('signature', needs signal 's-score')."
        ),
    ] = "threshold"
    signature_level: Annotated[int, Knob("signature: truncation level of the path signature.", ge=1, le=5)] = 3
    signature_paths: Annotated[
        int,
        Knob("signature: simulated paths the rule is trained on (at least 2 per signature feature).", ge=6),
    ] = 2_000
    signature_horizon_s: Annotated[
        float, Knob("signature: the position is closed by then at the latest (>= 2 samples).", unit="s", gt=0)
    ] = 20.0
    slippage_ticks: SlippageTicks = 0
    max_loss: MaxLoss = 0.0

    def validate(self) -> None:
        _check_warmup(self.warmup_s, self.window_s)
        if self.warmup_samples < MIN_COINTEGRATION_OBSERVATIONS:
            raise ValueError(
                f"warmup_s / sample_interval_s gives {self.warmup_samples} samples; the Engle–Granger test needs at "
                f"least {MIN_COINTEGRATION_OBSERVATIONS} (raise warmup_s or sample more often)"
            )
        _check_band(self.entry, self.exit)
        if self.exit_rule == "signature":
            if self.signal != "s-score":
                raise ValueError(
                    "exit_rule 'signature' simulates the OU s-score; it needs signal 's-score', not 'z-score'"
                )
            features = 2 ** (self.signature_level + 1) - 1  # signature terms of a 2-D path up to the level
            if self.signature_paths < 2 * features:
                raise ValueError(
                    f"signature_paths must be at least {2 * features} for {features} signature features at "
                    f"signature_level {self.signature_level}, got {self.signature_paths}"
                )
            if self.signature_horizon_s < 2 * self.sample_interval_s:
                raise ValueError(
                    f"signature_horizon_s ({self.signature_horizon_s}) must cover at least two samples "
                    f"({2 * self.sample_interval_s:g} s)"
                )

    @property
    def warmup_samples(self) -> int:
        """Samples collected before the first estimate."""
        return _samples(self.warmup_s, self.sample_interval_s)

    @property
    def window_samples(self) -> int:
        """Samples in the rolling estimation window."""
        return _samples(self.window_s, self.sample_interval_s)


# -- statarb-pca ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PcaConfig(Config):
    """PCA residual s-scores over a universe (`hft_statarb.strategies.pca.PcaResidualTrader`)."""

    notional: Annotated[float, Knob("Value of each single-name position.", unit="quote", gt=0)] = 1_000.0
    n_factors: Annotated[int, Knob("Leading principal components used as factors (< number of names).", ge=1)] = 2
    sample_interval_s: Annotated[float, Knob("Length of a return bar.", unit="s", ge=0.001)] = 1.0
    warmup_s: Annotated[
        float, Knob("Returns collected before the first fit (at least max(20, n_factors + 3)).", unit="s", gt=0)
    ] = 30.0
    window_s: Annotated[float, Knob("Rolling window of returns (>= warmup_s).", unit="s", gt=0)] = 120.0
    max_half_life_s: Annotated[
        float, Knob("Trade a name only while its residual half-life is below this.", unit="s", gt=0)
    ] = 30.0
    fit_intercept: Annotated[bool, Knob("Keep a per-name drift in the factor regression (the paper's choice).")] = False
    thresholds: Thresholds = "avellaneda-lee"
    entry: Entry = 2.0
    exit: Exit = 0.5
    hedge_factors: Annotated[bool, Knob("Neutralise the book's factor exposure with the eigenportfolios.")] = True
    rebalance_fraction: Annotated[
        float,
        Knob(
            "Trade a name only when its target moved by this share of notional (going flat always trades).",
            ge=0,
            le=1,
        ),
    ] = 0.25
    slippage_ticks: SlippageTicks = 0
    max_loss: MaxLoss = 0.0

    def validate(self) -> None:
        _check_warmup(self.warmup_s, self.window_s)
        needed = max(MIN_FACTOR_RETURNS, self.n_factors + 3)
        if self.warmup_returns < needed:
            raise ValueError(
                f"warmup_s / sample_interval_s gives {self.warmup_returns} returns; the factor regression with "
                f"n_factors={self.n_factors} needs at least {needed} (raise warmup_s or sample more often)"
            )
        _check_band(self.entry, self.exit)

    @property
    def warmup_returns(self) -> int:
        """Returns collected before the first fit."""
        return _samples(self.warmup_s, self.sample_interval_s)

    @property
    def window_returns(self) -> int:
        """Returns in the rolling window."""
        return _samples(self.window_s, self.sample_interval_s)


# -- triangular-arb -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TriangularConfig(Config):
    """Depth-aware triangular cycles (`hft_statarb.strategies.triangular.TriangularArbitrageur`)."""

    start_currency: Annotated[str, Knob("Currency every cycle starts and ends in.")] = "USDT"
    max_notional: Annotated[
        float, Knob("Largest amount of start_currency put into one cycle.", unit="start currency", gt=0)
    ] = 2_000.0
    min_profit: Annotated[
        float, Knob("Fire only cycles whose executed profit exceeds this.", unit="start currency", ge=0)
    ] = 0.0
    min_edge_bp: Annotated[
        float, Knob("Top-of-book cycle rate must beat 1 by this much after fees.", unit="bp", ge=0)
    ] = 1.0
    depth_levels: Annotated[int, Knob("Book levels per side read when sizing a cycle.", ge=1, le=50)] = 5
    check_interval_ms: Annotated[int, Knob("Time between checks.", unit="ms", ge=1)] = 50
    cooldown_ms: Annotated[int, Knob("Quiet time after firing a cycle.", unit="ms", ge=0)] = 250
    unwind: Annotated[bool, Knob("Sell leftover base currency back into start_currency at the touch.")] = True
    max_loss: MaxLoss = 0.0

    def validate(self) -> None:
        currency = self.start_currency
        if not currency.strip() or currency != currency.strip() or "/" in currency:
            raise ValueError(f"start_currency must name one currency, e.g. 'USDT'; got {currency!r}")


# -- the markets ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StatArbMarketConfig(Config):
    """Fees, the strategy's latency and the background participants of every statarb market, per instrument.

    Liquidity providers anchor to the fair value (``lp_fair_weight = 1``) with orders living about a second, and a
    busy value trader takes stale quotes, so mids track the fair values within about a tick and a second.
    """

    maker_fee: MakerFee = -0.00002
    taker_fee: TakerFee = 0.00003
    fair_step_ms: FairStepMs = 10
    entry_latency_ns: EntryLatencyNs = 20_000
    response_latency_ns: ResponseLatencyNs = 20_000
    feed_latency_ns: FeedLatencyNs = 20_000
    lp_order_rate: LpOrderRate = 40.0
    lp_distance_ticks: LpDistanceTicks = 4.0
    lp_size_max: LpSizeMax = 10
    lp_lifetime_s: LpLifetimeS = 1.0
    lp_fair_weight: LpFairWeight = 1.0
    noise_rate: NoiseRate = 1.0
    noise_size_max: NoiseSizeMax = 10
    value_look_rate: ValueLookRate = 20.0
    value_edge_ticks: ValueEdgeTicks = 1.0
    value_size_max: ValueSizeMax = 30
    record: Record = False


@dataclass(frozen=True)
class FastPairMarketConfig(StatArbMarketConfig):
    """``fast-cointegrated-pair``: Y (index 0) and X (index 1) with ``ln Y = c + β·ln X + s``, s an OU spread."""

    price_y: Annotated[float, Knob("starting fair price of Y (index 0, the dependent leg)", gt=0)] = 100.0
    price_x: Annotated[float, Knob("starting fair price of X (index 1, the hedge leg)", gt=0)] = 50.0
    tick_size: TickSize = 0.01
    lot_size: LotSize = 1.0
    hedge_ratio: Annotated[float, Knob("β in ln Y = c + β·ln X + s: the true cointegrating coefficient")] = 1.0
    volatility: Volatility = 3e-4  # of ln X, the common stochastic trend
    spread_half_life_s: Annotated[float, Knob("half-life of the OU log-spread s", unit="s", gt=0)] = 1.0
    spread_std: Annotated[float, Knob("stationary standard deviation of the log-spread", ge=0)] = 5e-4
    cointegrated: Annotated[bool, Knob("false: the spread is a random walk with the same short-run volatility")] = True


@dataclass(frozen=True)
class FactorUniverseConfig(StatArbMarketConfig):
    """``factor-universe``: N names on a two-factor model of log fair values with OU idiosyncratic residuals."""

    lp_order_rate: LpOrderRate = 20.0
    value_look_rate: ValueLookRate = 10.0
    n_names: Annotated[int, Knob("number of instruments (S01, S02, ...)", ge=3, le=50)] = 8
    tick_size: TickSize = 0.01
    lot_size: LotSize = 1.0
    market_volatility: Annotated[float, Knob("volatility of the market factor per √second", unit="1/√s", ge=0)] = 3e-4
    factor_volatility: Annotated[float, Knob("volatility of the long–short factor per √second", unit="1/√s", ge=0)] = (
        2e-4
    )
    residual_half_life_s: Annotated[float, Knob("half-life of each name's OU residual", unit="s", gt=0)] = 5.0
    residual_std: Annotated[float, Knob("stationary standard deviation of each name's log residual", ge=0)] = 8e-4


@dataclass(frozen=True)
class TriangleMarketConfig(StatArbMarketConfig):
    """``triangle``: BTC/USDT, ETH/USDT and ETH/BTC, the cross priced off the other two with an OU mispricing."""

    maker_fee: MakerFee = 0.0
    taker_fee: TakerFee = 0.0001
    lp_order_rate: LpOrderRate = 30.0
    lp_size_max: LpSizeMax = 1_000
    noise_size_max: NoiseSizeMax = 1_000
    value_look_rate: ValueLookRate = 10.0
    value_size_max: ValueSizeMax = 3_000
    btc_price: Annotated[float, Knob("starting BTC/USDT fair price", gt=0)] = 60_000.0
    eth_price: Annotated[float, Knob("starting ETH/USDT fair price", gt=0)] = 3_000.0
    btc_volatility: Annotated[float, Knob("BTC/USDT volatility per √second", unit="1/√s", ge=0)] = 2e-4
    eth_volatility: Annotated[float, Knob("ETH/USDT volatility per √second", unit="1/√s", ge=0)] = 2.5e-4
    correlation: Annotated[float, Knob("correlation of the BTC and ETH fair-value moves", ge=-1, le=1)] = 0.8
    mispricing_half_life_s: Annotated[float, Knob("half-life of the ETH/BTC log mispricing (OU)", unit="s", gt=0)] = 3.0
    mispricing_std: Annotated[float, Knob("stationary standard deviation of the ETH/BTC log mispricing", ge=0)] = 4e-4
    cross_delay_ms: Annotated[int, Knob("how late ETH/BTC's participants see its fair value", unit="ms", ge=0)] = 200
    btc_tick_size: Annotated[float, Knob("BTC/USDT price grid", unit="USDT", gt=0)] = 0.1
    btc_lot_size: Annotated[float, Knob("BTC/USDT size grid", unit="BTC", gt=0)] = 0.00001
    eth_tick_size: Annotated[float, Knob("ETH/USDT price grid", unit="USDT", gt=0)] = 0.01
    eth_lot_size: Annotated[float, Knob("ETH/USDT and ETH/BTC size grid", unit="ETH", gt=0)] = 0.0001
    cross_tick_size: Annotated[float, Knob("ETH/BTC price grid", unit="BTC", gt=0)] = 0.000001
