"""The knobs of hft-index-arb's patterns and of its ``index-market`` scenario: one typed declaration each.

This module imports no numeric code: ``hft info index-arb`` reads it without loading a strategy. The carry the
arbitrageur assumes (rate, dividend yield, expiry, dividend) are the pattern's knobs and the market's; both take
their defaults from the constants below, so an unchanged run prices the future as the market's traders do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from hft_core import Config, Knob

__all__ = [
    "DIVIDEND_DAYS",
    "DIVIDEND_POINTS",
    "DIVIDEND_YIELD",
    "EXPIRY_DAYS",
    "RATE",
    "BasisCarryConfig",
    "EtfArbConfig",
    "IndexArbConfig",
    "IndexMarketConfig",
    "discrete_dividends",
]

RATE = 0.05
DIVIDEND_YIELD = 0.015
EXPIRY_DAYS = 30.0
DIVIDEND_POINTS = 4.0
DIVIDEND_DAYS = 10.0


def discrete_dividends(points: float, days: float, expiry_days: float) -> tuple[tuple[float, float], ...]:
    """(years, index points) of a dividend of ``points`` going ex after ``days``, if that is before expiry."""
    if points and days <= expiry_days:
        return ((days / 365.0, points),)
    return ()


Rate = Annotated[float, Knob("Risk-free rate, continuous.", unit="1/year", ge=-0.5, le=1.0)]
DividendYield = Annotated[float, Knob("Continuous dividend yield of the index.", unit="1/year", ge=-0.5, le=1.0)]
DividendPoints = Annotated[
    float, Knob("Discrete dividend of the basket (index points) going ex at dividend_days.", ge=0)
]
DividendDays = Annotated[float, Knob("Days from the start to the discrete dividend's ex-date.", unit="days", ge=0)]
Execution = Annotated[
    Literal["lqg", "almgren-chriss", "twap", "sweep"],
    Knob("How the basket leg is sliced: LQ/Riccati with tracking, Almgren–Chriss per name, TWAP, or all at once."),
]


@dataclass(frozen=True)
class IndexMarketConfig(Config):
    """The ``index-market``: N constituents, a future and an ETF (hft_index_arb.market has the model)."""

    names: Annotated[int, Knob("Number of constituents.", ge=1, le=5000)] = 20
    step_ms: Annotated[float, Knob("Market step: every book moves once per step.", unit="ms", gt=0, le=60_000)] = 100.0
    price_low: Annotated[float, Knob("Lowest starting constituent price.", gt=0)] = 20.0
    price_high: Annotated[float, Knob("Highest starting constituent price.", gt=0)] = 200.0
    factor_vol_bp: Annotated[float, Knob("Common factor volatility.", unit="bp/√s", ge=0, le=1000)] = 1.0
    idio_vol_bp: Annotated[
        float, Knob("Names' own volatility (each draws a multiple in [0.5, 1.5]).", unit="bp/√s", ge=0, le=1000)
    ] = 1.0
    half_spread_ticks: Annotated[int, Knob("Constituents draw a half spread of 1 to this many ticks.", ge=1)] = 2
    depth_lots: Annotated[
        float, Knob("Median lots at a constituent's first level (lognormal across names).", unit="lots", ge=1)
    ] = 20.0
    resilience_s: Annotated[float, Knob("Time for taken depth to come back (e-folding).", unit="s", ge=0)] = 2.0
    impact_bp: Annotated[float, Knob("Permanent impact of one lot taken.", unit="bp/lot", ge=0, le=100)] = 0.05
    rate: Rate = RATE
    dividend_yield: DividendYield = DIVIDEND_YIELD
    expiry_days: Annotated[float, Knob("Future's days to expiry at the start.", unit="days", ge=0)] = EXPIRY_DAYS
    dividend_points: DividendPoints = DIVIDEND_POINTS
    dividend_days: DividendDays = DIVIDEND_DAYS
    future_tick: Annotated[float, Knob("Future's tick.", gt=0)] = 0.05
    future_half_spread_ticks: Annotated[int, Knob("Future's half spread.", unit="ticks", ge=1)] = 1
    future_depth_lots: Annotated[float, Knob("Future's first-level depth.", unit="lots", ge=1)] = 10.0
    future_noise_bp: Annotated[float, Knob("Future traders' basis noise (stationary sd).", unit="bp", ge=0)] = 6.0
    future_reversion_s: Annotated[float, Knob("Basis noise mean-reversion time.", unit="s", ge=0)] = 20.0
    future_lag_ms: Annotated[float, Knob("How late the future's traders see the index.", unit="ms", ge=0)] = 300.0
    etf_half_spread_ticks: Annotated[int, Knob("ETF's half spread.", unit="ticks", ge=1)] = 2
    etf_depth_lots: Annotated[float, Knob("ETF's first-level depth.", unit="lots", ge=1)] = 10.0
    etf_noise_bp: Annotated[float, Knob("ETF premium noise (stationary sd).", unit="bp", ge=0)] = 4.0
    etf_reversion_s: Annotated[float, Knob("ETF premium mean-reversion time.", unit="s", ge=0)] = 20.0
    etf_lag_ms: Annotated[float, Knob("How late the ETF's market makers see the NAV.", unit="ms", ge=0)] = 200.0
    ap_cost_bp: Annotated[
        float, Knob("Authorised participants create/redeem when the premium passes this.", unit="bp", ge=0)
    ] = 6.0
    ap_units: Annotated[int, Knob("Baskets per creation or redemption (their impact).", ge=0)] = 5
    taker_fee_bp: Annotated[float, Knob("Taker fee on every instrument.", unit="bp", ge=-100, le=1000)] = 0.5
    maker_fee_bp: Annotated[float, Knob("Maker fee (negative: rebate).", unit="bp", ge=-100, le=1000)] = 0.0
    entry_latency_us: Annotated[float, Knob("Strategy → market latency.", unit="µs", ge=0)] = 50.0
    response_latency_us: Annotated[float, Knob("Market → strategy latency of reports.", unit="µs", ge=0)] = 50.0
    currency: Annotated[str, Knob("Quote currency of the ETF and the constituents.")] = "USD"
    future_currency: Annotated[str, Knob("Quote currency of the future.")] = "USD"

    def validate(self) -> None:
        if self.price_low > self.price_high:
            raise ValueError(f"price_low ({self.price_low}) must be <= price_high ({self.price_high})")
        for name in ("currency", "future_currency"):
            value = getattr(self, name)
            if not value.isalnum() or not value.isupper():
                raise ValueError(f"{name} must be an upper-case currency code such as USD, got {value!r}")

    def dividends(self) -> tuple[tuple[float, float], ...]:
        """(years, index points) of the discrete dividend when it goes ex before expiry, else none."""
        return discrete_dividends(self.dividend_points, self.dividend_days, self.expiry_days)


@dataclass(frozen=True)
class _BasketArbConfig(Config):
    """What ``index-arb`` and ``etf-arb`` share: sizes, execution of the basket leg, costs assumed."""

    units: Annotated[int, Knob("Index units per arbitrage (one share of every constituent each).", ge=1)] = 5
    max_units: Annotated[int, Knob("Largest position, in index units, either way.", ge=1)] = 10
    execution: Execution = "lqg"
    slices: Annotated[int, Knob("Child orders the basket leg is cut into (sweep: 1).", ge=1, le=1000)] = 5
    slice_ms: Annotated[float, Knob("Time between the basket leg's child orders.", unit="ms", gt=0)] = 500.0
    risk_aversion: Annotated[
        float, Knob("lambda of the mean–variance execution objective.", unit="1/currency", ge=0)
    ] = 0.05
    tracking: Annotated[float, Knob("rho: LQG penalty on holding a mix that is not the basket.", ge=0)] = 1.0
    financing_spread: Annotated[float, Knob("Borrowing/lending spread around the rate.", unit="1/year", ge=0)] = 0.002
    exit_costs: Annotated[
        bool,
        Knob(
            "Widen the band by the cost of closing too: the patterns close at the fair value within the run instead of "
            "holding to expiry or to creation/redemption."
        ),
    ] = False
    decide_ms: Annotated[float, Knob("Decision interval.", unit="ms", gt=0)] = 200.0
    record_s: Annotated[
        float, Knob("Interval of the recorded series (prices, fair value, basis, band).", unit="s", gt=0)
    ] = 1.0

    def validate(self) -> None:
        if self.units > self.max_units:
            raise ValueError(f"units ({self.units}) must be <= max_units ({self.max_units})")


@dataclass(frozen=True)
class IndexArbConfig(_BasketArbConfig):
    """Future vs basket: trade when the future leaves the cost-of-carry band."""

    rate: Rate = RATE
    dividend_yield: DividendYield = DIVIDEND_YIELD
    expiry_days: Annotated[float, Knob("Future's days to expiry at the start (must be >= 0).", unit="days")] = (
        EXPIRY_DAYS
    )
    dividend_points: DividendPoints = DIVIDEND_POINTS
    dividend_days: DividendDays = DIVIDEND_DAYS
    margin: Annotated[float, Knob("Future's initial margin, as a share of notional, financed.", ge=0, le=1)] = 0.1


@dataclass(frozen=True)
class EtfArbConfig(_BasketArbConfig):
    """ETF vs basket: trade when the ETF's premium to its NAV leaves the band of both legs' costs."""


@dataclass(frozen=True)
class BasisCarryConfig(Config):
    """Crypto spot vs perpetual: the perpetual's basis against funding as carry (docs/index-arb.md)."""

    spot: Annotated[int, Knob("Instrument index of the spot book.", ge=0)] = 0
    perp: Annotated[int, Knob("Instrument index of the perpetual (USD-M) book.", ge=0)] = 1
    coinm: Annotated[
        int,
        Knob(
            "Instrument index of a COIN-M (inverse) perpetual observed as a third leg, its basis logged, never "
            "traded (-1: none).",
            ge=-1,
        ),
    ] = -1
    funding_rate: Annotated[
        float,
        Knob("Funding rate per 8 h the perpetual's longs pay (assumed constant over the run).", ge=-0.01, le=0.01),
    ] = 0.0001
    horizon_h: Annotated[float, Knob("Holding horizon the carry is counted over.", unit="h", gt=0)] = 8.0
    size: Annotated[float, Knob("Base units per trade on each leg.", gt=0)] = 0.01
    max_position: Annotated[float, Knob("Largest position on the spot leg, either way.", gt=0)] = 0.05
    threshold_bp: Annotated[
        float, Knob("Edge beyond fees, half-spreads and carry needed to trade.", unit="bp", ge=0)
    ] = 0.0
    decide_ms: Annotated[float, Knob("Decision interval.", unit="ms", gt=0)] = 250.0
    record_s: Annotated[float, Knob("Interval of the BASIS lines in the log.", unit="s", gt=0)] = 5.0

    def validate(self) -> None:
        if len({self.spot, self.perp, self.coinm}) < 3:
            raise ValueError(
                f"spot ({self.spot}), perp ({self.perp}) and coinm ({self.coinm}) must be different instruments"
            )
        if self.size > self.max_position:
            raise ValueError(f"size ({self.size}) must be <= max_position ({self.max_position})")
