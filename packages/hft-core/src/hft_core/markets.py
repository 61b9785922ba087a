"""The knobs of hft-core's simulated markets, declared once, and the configs of its built-in scenarios.

Each market knob is a type alias carrying its `Knob` (``LpOrderRate = Annotated[float, Knob(...)]``), so a
plugin's market (hft-statarb's, for one) reuses the meaning, unit and bounds and picks its own default. The
config classes here are what the built-in scenarios (`hft_core.scenarios`) are resolved into; their builders
(`hft_core.venues.simulated.scenarios`) read the values. ``docs/simulated-market.md`` describes the participants.

Nothing here imports numpy: ``hft info`` and ``hft list`` describe markets without building one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from hft_core.knobs import Config, Knob

__all__ = [
    "MAX_PRICE_TICKS",
    "MIN_BOOK_TICKS",
    "EntryLatencyNs",
    "FairStepMs",
    "FeedLatencyNs",
    "ImbalanceCooldownS",
    "ImbalanceLatencyNs",
    "ImbalanceLevels",
    "ImbalanceLookRate",
    "ImbalanceSizeMax",
    "ImbalanceTakeProbability",
    "ImbalanceThreshold",
    "InformedHorizonS",
    "InformedShare",
    "LotSize",
    "LpCancelStale",
    "LpDistanceTicks",
    "LpFairWeight",
    "LpHalfSpreadTicks",
    "LpLifetimeS",
    "LpOrderRate",
    "LpSizeMax",
    "LpSizeMin",
    "MakerFee",
    "MarketConfig",
    "MarketLabel",
    "MessageServiceNs",
    "MmHalfSpreadTicks",
    "MmLatencyNs",
    "MmRequoteRate",
    "MmSize",
    "MomentumCooldownS",
    "MomentumLatencyNs",
    "MomentumLookRate",
    "MomentumLookbackS",
    "MomentumSizeMax",
    "MomentumThresholdTicks",
    "NoiseHawkesBranching",
    "NoiseHawkesCross",
    "NoiseHawkesDecay",
    "NoiseRate",
    "NoiseSizeLogSd",
    "NoiseSizeMax",
    "NoiseSizeMedian",
    "NoiseSizeMin",
    "PairMarketConfig",
    "Price",
    "Record",
    "ResponseLatencyNs",
    "TakerFee",
    "TickSize",
    "TwoVenueMarketConfig",
    "ValueEdgeTicks",
    "ValueLatencyNs",
    "ValueLookRate",
    "ValueSizeMax",
    "Volatility",
]

# -- bounds: physically sensible ranges, so no accepted value means unbounded work or memory ------------------------
_MAX_RATE = 1e5
"""Participants' events per second: a busy real book sees thousands; more is work without a market to show for it."""
_MAX_LOTS = 1_000_000
"""A participant's largest order, in lots."""
_MAX_LATENCY_NS = 10_000_000_000
"""Any latency or delay: 10 s (a slower link is not a trading venue)."""
_MAX_WAIT_S = 86_400.0
"""Lifetimes, lookbacks and cooldowns: one day."""
MIN_BOOK_TICKS = 10
"""The starting price must lie at least this many ticks above zero, so both sides of a book fit below and above it."""
MAX_PRICE_TICKS = 10**12
"""The starting price in ticks at most: prices stay exact integers in float64 (< 2^53) with room for the path."""

# -- instrument and costs ---------------------------------------------------------------------------------------
Price = Annotated[float, Knob("starting fair price of the (first) instrument", gt=0, le=1e9)]
TickSize = Annotated[float, Knob("price grid", ge=1e-9, le=1e6)]
LotSize = Annotated[float, Knob("size grid", ge=1e-9, le=1e6)]
MakerFee = Annotated[float, Knob("maker fee as a fraction of notional (negative = rebate)", ge=-0.1, le=0.1)]
TakerFee = Annotated[float, Knob("taker fee as a fraction of notional", ge=-0.1, le=0.1)]
Volatility = Annotated[
    float, Knob("fair-value volatility per √second (relative; 1e-4 ≈ 1 tick/√s at 100)", unit="1/√s", ge=0, le=0.01)
]
FairStepMs = Annotated[int, Knob("fair-value path resolution", unit="ms", ge=1, le=60_000)]
Record = Annotated[bool, Knob("keep the public feed for SimulatedVenue.recorded_market_data")]
Compiled = Annotated[
    bool,
    Knob(
        "run the market in compiled code: the same run as the Python market to the draw, 4-15x faster through the "
        "engine; its first use on a machine compiles for minutes (cached after); no message log"
    ),
]
MarketLabel = Annotated[
    str, Knob("what this market is (e.g. the capture it was calibrated to): added to the venue name in run summaries")
]

# -- the strategy's latency and the gateway -------------------------------------------------------------------------
EntryLatencyNs = Annotated[
    int, Knob("strategy order entry latency: request sent -> at the gateway", unit="ns", ge=0, le=_MAX_LATENCY_NS)
]
ResponseLatencyNs = Annotated[
    int, Knob("strategy response latency: processed -> report seen", unit="ns", ge=0, le=_MAX_LATENCY_NS)
]
FeedLatencyNs = Annotated[
    int, Knob("strategy market-data latency: exchange time -> seen", unit="ns", ge=0, le=_MAX_LATENCY_NS)
]
MessageServiceNs = Annotated[
    int, Knob("gateway service time per message (0 = no message-rate model)", unit="ns", ge=0, le=1e9)
]

# -- background participants ----------------------------------------------------------------------------------------
LpOrderRate = Annotated[
    float, Knob("liquidity provider: new limit orders per second on each side", unit="1/s", gt=0, le=_MAX_RATE)
]
LpDistanceTicks = Annotated[
    float, Knob("liquidity provider: mean geometric distance behind the innermost quote", unit="ticks", gt=0, le=1e4)
]
LpHalfSpreadTicks = Annotated[
    float, Knob("liquidity provider: innermost quotes' distance from fair value", unit="ticks", ge=0, le=1e4)
]
LpSizeMin = Annotated[int, Knob("liquidity provider: smallest order", unit="lots", ge=1, le=_MAX_LOTS)]
LpSizeMax = Annotated[int, Knob("liquidity provider: largest order", unit="lots", ge=1, le=_MAX_LOTS)]
LpLifetimeS = Annotated[
    float, Knob("liquidity provider: mean order lifetime before cancel", unit="s", ge=1e-3, le=_MAX_WAIT_S)
]
LpFairWeight = Annotated[
    float, Knob("liquidity provider: weight of fair value vs current mid in its reference", ge=0, le=1)
]
LpCancelStale = Annotated[
    bool, Knob("liquidity provider: pull quotes the reference value has moved through (fast markets)")
]
NoiseRate = Annotated[float, Knob("noise taker: market orders per second (0 = none)", unit="1/s", ge=0, le=_MAX_RATE)]
NoiseSizeMin = Annotated[int, Knob("noise taker: smallest order", unit="lots", ge=1, le=_MAX_LOTS)]
NoiseSizeMax = Annotated[int, Knob("noise taker: largest order", unit="lots", ge=1, le=_MAX_LOTS)]
NoiseSizeMedian = Annotated[
    float, Knob("noise and informed takers: median order size when lognormal", unit="lots", ge=1, le=_MAX_LOTS)
]
NoiseSizeLogSd = Annotated[
    float,
    Knob("noise and informed takers: log-sd of a lognormal order size (0 = uniform on min..max)", ge=0, le=5),
]
NoiseHawkesBranching = Annotated[float, Knob("noise taker: Hawkes branching ratio per side (0 = Poisson)", ge=0, lt=1)]
NoiseHawkesCross = Annotated[
    float,
    Knob("noise taker: share of the branching ratio that excites the other side (0 = one-sided clusters)", ge=0, le=1),
]
NoiseHawkesDecay = Annotated[float, Knob("noise taker: Hawkes kernel decay rate", unit="1/s", gt=0, le=1e6)]
MmRequoteRate = Annotated[
    float,
    Knob("quoting maker: checks per second, requoting to the fair value (0 = none)", unit="1/s", ge=0, le=_MAX_RATE),
]
MmSize = Annotated[int, Knob("quoting maker: lots quoted on each side", unit="lots", ge=1, le=_MAX_LOTS)]
MmHalfSpreadTicks = Annotated[
    float, Knob("quoting maker: quotes' distance from fair value before rounding out", unit="ticks", ge=0, le=1e4)
]
MmLatencyNs = Annotated[
    int, Knob("quoting maker: check -> message at the gateway", unit="ns", ge=0, le=_MAX_LATENCY_NS)
]
InformedShare = Annotated[
    float,
    Knob("informed taker: its share of all taker market orders (0 = none)", ge=0, le=0.95),
]
InformedHorizonS = Annotated[
    float, Knob("informed taker: how far ahead it knows the fair value", unit="s", gt=0, le=3600)
]
InformedReactProbability = Annotated[
    float,
    Knob("informed taker: chance it takes the quotes a fair-value move left stale (0 = never)", ge=0, le=1),
]
InformedReactLatencyNs = Annotated[
    int, Knob("informed taker: fair-value move -> its IOC at the gateway, least", unit="ns", ge=0, le=_MAX_LATENCY_NS)
]
InformedReactJitterNs = Annotated[
    int,
    Knob("informed taker: mean exponential delay added to that latency", unit="ns", ge=0, le=_MAX_LATENCY_NS),
]
ImbalanceLookRate = Annotated[
    float, Knob("imbalance follower: looks per second (0 = none)", unit="1/s", ge=0, le=_MAX_RATE)
]
ImbalanceLevels = Annotated[int, Knob("imbalance follower: book levels per side in the imbalance", ge=1, le=1000)]
ImbalanceThreshold = Annotated[float, Knob("imbalance follower: |imbalance| that triggers it", gt=0, le=1)]
ImbalanceTakeProbability = Annotated[
    float, Knob("imbalance follower: chance of a market order (else it joins the touch)", ge=0, le=1)
]
ImbalanceSizeMax = Annotated[int, Knob("imbalance follower: largest order", unit="lots", ge=1, le=_MAX_LOTS)]
ImbalanceLatencyNs = Annotated[
    int, Knob("imbalance follower: look -> order at the gateway", unit="ns", ge=0, le=_MAX_LATENCY_NS)
]
ImbalanceCooldownS = Annotated[
    float, Knob("imbalance follower: quiet time after acting", unit="s", ge=0, le=_MAX_WAIT_S)
]
MomentumLookRate = Annotated[
    float, Knob("momentum follower: looks per second (0 = none)", unit="1/s", ge=0, le=_MAX_RATE)
]
MomentumLookbackS = Annotated[
    float, Knob("momentum follower: window of the mid-price move", unit="s", gt=0, le=_MAX_WAIT_S)
]
MomentumThresholdTicks = Annotated[
    float, Knob("momentum follower: mid move that triggers it", unit="ticks", gt=0, le=1e6)
]
MomentumSizeMax = Annotated[int, Knob("momentum follower: largest order", unit="lots", ge=1, le=_MAX_LOTS)]
MomentumLatencyNs = Annotated[
    int, Knob("momentum follower: look -> order at the gateway", unit="ns", ge=0, le=_MAX_LATENCY_NS)
]
MomentumCooldownS = Annotated[float, Knob("momentum follower: quiet time after acting", unit="s", ge=0, le=_MAX_WAIT_S)]
ValueLookRate = Annotated[float, Knob("value trader: looks per second (0 = none)", unit="1/s", ge=0, le=_MAX_RATE)]
ValueEdgeTicks = Annotated[
    float, Knob("value trader: mispricing against fair value that it takes", unit="ticks", ge=0, le=1e6)
]
ValueSizeMax = Annotated[int, Knob("value trader: largest order", unit="lots", ge=1, le=_MAX_LOTS)]
ValueLatencyNs = Annotated[int, Knob("value trader: look -> order at the gateway", unit="ns", ge=0, le=_MAX_LATENCY_NS)]


@dataclass(frozen=True)
class MarketConfig(Config):
    """One instrument's market: its grid and fees, the strategy's latency and the background participants."""

    price: Price = 100.0
    tick_size: TickSize = 0.01
    lot_size: LotSize = 1.0
    maker_fee: MakerFee = -0.00002
    taker_fee: TakerFee = 0.00003
    volatility: Volatility = 1e-4
    fair_step_ms: FairStepMs = 10
    entry_latency_ns: EntryLatencyNs = 20_000
    response_latency_ns: ResponseLatencyNs = 20_000
    feed_latency_ns: FeedLatencyNs = 20_000
    message_service_ns: MessageServiceNs = 0
    lp_order_rate: LpOrderRate = 20.0
    lp_distance_ticks: LpDistanceTicks = 4.0
    lp_half_spread_ticks: LpHalfSpreadTicks = 0.0
    lp_size_min: LpSizeMin = 1
    lp_size_max: LpSizeMax = 10
    lp_lifetime_s: LpLifetimeS = 4.0
    lp_fair_weight: LpFairWeight = 0.5
    lp_cancel_stale: LpCancelStale = False
    noise_rate: NoiseRate = 1.0
    noise_size_min: NoiseSizeMin = 1
    noise_size_max: NoiseSizeMax = 10
    noise_hawkes_branching: NoiseHawkesBranching = 0.0
    noise_hawkes_decay: NoiseHawkesDecay = 20.0
    noise_hawkes_cross: NoiseHawkesCross = 0.0
    noise_size_median: NoiseSizeMedian = 5.0
    noise_size_log_sd: NoiseSizeLogSd = 0.0
    mm_requote_rate: MmRequoteRate = 0.0
    mm_size: MmSize = 10
    mm_half_spread_ticks: MmHalfSpreadTicks = 0.0
    mm_latency_ns: MmLatencyNs = 0
    informed_share: InformedShare = 0.0
    informed_horizon_s: InformedHorizonS = 5.0
    informed_react_probability: InformedReactProbability = 0.0
    informed_react_latency_ns: InformedReactLatencyNs = 1_000_000
    informed_react_jitter_ns: InformedReactJitterNs = 0
    imbalance_look_rate: ImbalanceLookRate = 5.0
    imbalance_levels: ImbalanceLevels = 5
    imbalance_threshold: ImbalanceThreshold = 0.5
    imbalance_take_probability: ImbalanceTakeProbability = 0.5
    imbalance_size_max: ImbalanceSizeMax = 5
    imbalance_latency_ns: ImbalanceLatencyNs = 200_000
    imbalance_cooldown_s: ImbalanceCooldownS = 1.0
    momentum_look_rate: MomentumLookRate = 5.0
    momentum_lookback_s: MomentumLookbackS = 1.0
    momentum_threshold_ticks: MomentumThresholdTicks = 3.0
    momentum_size_max: MomentumSizeMax = 5
    momentum_latency_ns: MomentumLatencyNs = 500_000
    momentum_cooldown_s: MomentumCooldownS = 1.0
    value_look_rate: ValueLookRate = 5.0
    value_edge_ticks: ValueEdgeTicks = 1.0
    value_size_max: ValueSizeMax = 10
    value_latency_ns: ValueLatencyNs = 100_000
    record: Record = False
    compiled: Compiled = False
    market_label: MarketLabel = ""

    def validate(self) -> None:
        for name in ("price", "price_b"):
            price = getattr(self, name, None)
            if price is None:
                continue
            ticks = price / self.tick_size
            if not MIN_BOOK_TICKS <= ticks <= MAX_PRICE_TICKS:
                raise ValueError(
                    f"{name} ({price:g}) is {ticks:.3g} ticks of tick_size {self.tick_size:g}: a book needs between "
                    f"{MIN_BOOK_TICKS} and {MAX_PRICE_TICKS:.0e} ticks (exact integer prices, both sides above zero)"
                )
        for who in ("lp", "noise"):
            low, high = getattr(self, f"{who}_size_min"), getattr(self, f"{who}_size_max")
            if low > high:
                raise ValueError(f"{who}_size_min ({low}) must be <= {who}_size_max ({high})")
        if self.noise_size_log_sd > 0 and not self.noise_size_min <= self.noise_size_median <= self.noise_size_max:
            raise ValueError(
                f"noise_size_median ({self.noise_size_median:g}) must lie between noise_size_min "
                f"({self.noise_size_min}) and noise_size_max ({self.noise_size_max})"
            )


@dataclass(frozen=True)
class PairMarketConfig(MarketConfig):
    """Two instruments whose fair values are cointegrated in logs (``cointegrated-pair``)."""

    price_b: Annotated[float, Knob("starting fair price of the second instrument", gt=0, le=1e9)] = 50.0
    hedge_ratio: Annotated[float, Knob("b in ln B = c + b·ln A + spread", ge=-100, le=100)] = 1.0
    spread_half_life_s: Annotated[float, Knob("half-life of the OU log-spread", unit="s", ge=1e-3, le=1e7)] = 30.0
    spread_std: Annotated[float, Knob("stationary standard deviation of the log-spread", ge=0, le=1)] = 0.001


@dataclass(frozen=True)
class TwoVenueMarketConfig(MarketConfig):
    """One instrument on a fast and a slow venue (``two-venues``)."""

    slow_entry_latency_ns: Annotated[
        int, Knob("strategy order entry latency to the slow venue", unit="ns", ge=0, le=_MAX_LATENCY_NS)
    ] = 300_000
    slow_response_latency_ns: Annotated[
        int, Knob("strategy response latency from the slow venue", unit="ns", ge=0, le=_MAX_LATENCY_NS)
    ] = 300_000
    slow_feed_latency_ns: Annotated[
        int, Knob("strategy market-data latency from the slow venue", unit="ns", ge=0, le=_MAX_LATENCY_NS)
    ] = 300_000
    slow_fair_delay_ns: Annotated[
        int, Knob("how late the slow venue's participants see the fair value", unit="ns", ge=0, le=_MAX_LATENCY_NS)
    ] = 5_000_000
    latency_jitter_ns: Annotated[
        int,
        Knob("mean jitter added to each strategy latency to the fast venue (0 = constant)", unit="ns", ge=0, le=1e9),
    ] = 0
    slow_latency_jitter_ns: Annotated[
        int,
        Knob("mean jitter added to each strategy latency to the slow venue (0 = constant)", unit="ns", ge=0, le=1e9),
    ] = 0
    latency_jitter_kind: Annotated[
        Literal["exponential", "uniform", "lognormal"],
        Knob("shape of the latency jitter (seeded; a link never reorders its messages)"),
    ] = "exponential"
