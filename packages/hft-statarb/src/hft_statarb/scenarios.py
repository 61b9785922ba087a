"""Simulated markets for the statarb patterns, built from `hft_core.venues.simulated` pieces.

Each scenario is a `hft_core.venues.simulated.Scenario` registered through ``hft_register_scenarios``:

- ``fast-cointegrated-pair``: Y (index 0) and X (index 1) with ``ln Y = c + β·ln X + s``, s an OU spread whose
  half-life is seconds, so an Engle–Granger test on a minute or two of mids has power. ``cointegrated=false``
  replaces the OU spread by a random walk with the same short-run volatility: over seconds the pair looks the
  same, over minutes it drifts apart (the case the cointegration gate must refuse).
- ``factor-universe``: N names whose log fair values load on a market and a long–short factor plus an OU
  idiosyncratic residual — the model behind Avellaneda & Lee's (2010) PCA residual s-scores.
- ``triangle``: BTC/USDT, ETH/USDT and ETH/BTC. The cross's fair value is the ratio of the other two times
  ``exp(m)``, m an OU mispricing, and its participants see it ``cross_delay_ms`` late, so triangular cycles open
  and close.

Why a separate pair market: in hft-core's ``cointegrated-pair`` the spread's half-life is 30 s and the market's
mids follow the fair values with a lag of a few seconds, so an Engle–Granger test on the few minutes of a run
almost never rejects (docs/statarb.md, "Patterns", has the measurements). Here the liquidity providers anchor
to the fair value (``lp_fair_weight = 1``), orders live about a second and a busier value trader takes stale
quotes, so mids track the fair values within about a tick and a second.

Every market has three kinds of background participant (`LiquidityProvider`, `NoiseTaker`, `ValueTrader`);
the fair values draw from ``SeedSequence([seed, 0])`` as in hft-core, so the same seed gives the same market.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
from hft_core.instruments import FeeSchedule, Instrument
from hft_core.venues.simulated import (
    FairValuePaths,
    LiquidityProvider,
    MarketSpec,
    NoiseTaker,
    ParticipantSpec,
    Scenario,
    ScenarioParameter,
    ScenarioValue,
    SimulatedVenue,
    ValueTrader,
    VenueSpec,
    fair_step_ns,
    fair_value_seed,
    strategy_latency,
    with_defaults,
)

__all__ = [
    "FACTOR_UNIVERSE",
    "FAST_COINTEGRATED_PAIR",
    "STATARB_SCENARIOS",
    "TRIANGLE",
    "factor_universe_loadings",
]

FloatArray = npt.NDArray[np.float64]

_NS_PER_MS = 1_000_000
_NS_PER_S = 1_000_000_000
_FAIR_MARGIN_S = 1.0
"""Fair-value paths run this far past the end, so a late look never falls off the path."""
_VENUE = "sim"


def _p(name: str, default: ScenarioValue, help_text: str) -> ScenarioParameter:
    return ScenarioParameter(name, default, help_text)


def _market_parameters(**defaults: ScenarioValue) -> tuple[ScenarioParameter, ...]:
    """Fees, strategy latency and the background participants of every market (``defaults`` override)."""
    parameters = (
        _p("maker_fee", -0.00002, "maker fee as a fraction of notional (negative = rebate)"),
        _p("taker_fee", 0.00003, "taker fee as a fraction of notional"),
        _p("fair_step_ms", 10, "fair-value path resolution in milliseconds"),
        _p("entry_latency_ns", 20_000, "strategy order entry latency: request sent -> at the gateway"),
        _p("response_latency_ns", 20_000, "strategy response latency: processed -> report seen"),
        _p("feed_latency_ns", 20_000, "strategy market-data latency: exchange time -> seen"),
        _p("lp_order_rate", 40.0, "liquidity provider: new limit orders per second on each side"),
        _p("lp_distance_ticks", 4.0, "liquidity provider: mean geometric distance behind the innermost quote"),
        _p("lp_size_max", 10, "liquidity provider: largest order (lots; the smallest is 1)"),
        _p("lp_lifetime_s", 1.0, "liquidity provider: mean order lifetime before cancel"),
        _p("lp_fair_weight", 1.0, "liquidity provider: weight of fair value vs current mid in its reference"),
        _p("noise_rate", 1.0, "noise taker: market orders per second (0 = none)"),
        _p("noise_size_max", 10, "noise taker: largest order (lots)"),
        _p("value_look_rate", 20.0, "value trader: looks per second (0 = none)"),
        _p("value_edge_ticks", 1.0, "value trader: mispricing against fair value that it takes"),
        _p("value_size_max", 30, "value trader: largest order (lots)"),
        _p("record", False, "keep the public feed for SimulatedVenue.recorded_market_data"),
    )
    return with_defaults(parameters, defaults)


def _participants(v: Mapping[str, ScenarioValue]) -> tuple[ParticipantSpec, ...]:
    participants: list[ParticipantSpec] = [
        LiquidityProvider(
            order_rate=float(v["lp_order_rate"]),
            distance_mean_ticks=float(v["lp_distance_ticks"]),
            size_max=int(v["lp_size_max"]),
            lifetime_mean_s=float(v["lp_lifetime_s"]),
            fair_weight=float(v["lp_fair_weight"]),
        )
    ]
    if float(v["noise_rate"]) > 0:
        participants.append(NoiseTaker(rate=float(v["noise_rate"]), size_max=int(v["noise_size_max"])))
    if float(v["value_look_rate"]) > 0:
        participants.append(
            ValueTrader(
                look_rate=float(v["value_look_rate"]),
                edge_ticks=float(v["value_edge_ticks"]),
                size_max=int(v["value_size_max"]),
            )
        )
    return tuple(participants)


def _venue_spec(v: Mapping[str, ScenarioValue]) -> VenueSpec:
    return VenueSpec(_VENUE, strategy_latency(v))


def _fees(v: Mapping[str, ScenarioValue]) -> FeeSchedule:
    return FeeSchedule(maker=float(v["maker_fee"]), taker=float(v["taker_fee"]))


def _grid(duration_s: float, v: Mapping[str, ScenarioValue]) -> tuple[int, int, float]:
    """(step ns, number of steps, step in seconds) of the fair-value paths."""
    step_ns = fair_step_ns(v)
    n_steps = math.ceil((duration_s + _FAIR_MARGIN_S) * _NS_PER_S / step_ns)
    return step_ns, n_steps, step_ns / _NS_PER_S


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(fair_value_seed(seed))


def _positive(v: Mapping[str, ScenarioValue], name: str) -> float:
    value = float(v[name])
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def _non_negative(v: Mapping[str, ScenarioValue], name: str) -> float:
    value = float(v[name])
    if not value >= 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def _brownian(rng: np.random.Generator, volatility: float, n_paths: int, n_steps: int, dt: float) -> FloatArray:
    """Driftless Brownian paths starting at 0, shape (n_paths, n_steps + 1)."""
    paths = np.zeros((n_paths, n_steps + 1))
    np.cumsum(volatility * math.sqrt(dt) * rng.standard_normal((n_paths, n_steps)), axis=1, out=paths[:, 1:])
    return paths


def _ou(rng: np.random.Generator, half_life_s: float, std: float, n_paths: int, n_steps: int, dt: float) -> FloatArray:
    """Exact OU paths with mean 0, stationary s.d. ``std`` and a stationary start, shape (n_paths, n_steps + 1)."""
    decay = math.exp(-math.log(2.0) / half_life_s * dt)
    innovation = std * math.sqrt(1.0 - decay * decay)
    shocks = innovation * rng.standard_normal((n_paths, n_steps))
    paths = np.empty((n_paths, n_steps + 1))
    paths[:, 0] = std * rng.standard_normal(n_paths)
    for step in range(n_steps):
        paths[:, step + 1] = decay * paths[:, step] + shocks[:, step]
    return paths


def _venue(
    markets: Sequence[MarketSpec],
    fair_log_prices: FloatArray,
    step_ns: int,
    *,
    seed: int,
    duration_s: float,
    name: str,
    v: Mapping[str, ScenarioValue],
) -> SimulatedVenue:
    return SimulatedVenue(
        markets,
        [_venue_spec(v)],
        FairValuePaths(np.exp(fair_log_prices), step_ns),
        seed=seed,
        duration_s=duration_s,
        name=f"simulated:{name}",
        record=bool(v["record"]),
    )


# -- fast-cointegrated-pair -------------------------------------------------------------------------------------
def _build_pair(seed: int, duration_s: float, v: Mapping[str, ScenarioValue]) -> SimulatedVenue:
    price_y, price_x = _positive(v, "price_y"), _positive(v, "price_x")
    volatility = _non_negative(v, "volatility")
    half_life = _positive(v, "spread_half_life_s")
    spread_std = _non_negative(v, "spread_std")
    hedge_ratio = float(v["hedge_ratio"])
    step_ns, n_steps, dt = _grid(duration_s, v)
    rng = _rng(seed)
    log_x = math.log(price_x) + _brownian(rng, volatility, 1, n_steps, dt)[0]
    if bool(v["cointegrated"]):
        spread = _ou(rng, half_life, spread_std, 1, n_steps, dt)[0]
    else:
        # Same instantaneous volatility as the OU spread, σ = σ_eq·√(2κ), but no pull back: a unit root.
        sigma = spread_std * math.sqrt(2.0 * math.log(2.0) / half_life)
        spread = _brownian(rng, sigma, 1, n_steps, dt)[0]
    intercept = math.log(price_y) - hedge_ratio * math.log(price_x)
    log_y = intercept + hedge_ratio * log_x + spread
    instruments = [
        Instrument(symbol, float(v["tick_size"]), float(v["lot_size"]), venue=_VENUE, fees=_fees(v))
        for symbol in ("Y", "X")
    ]
    participants = _participants(v)
    markets = [MarketSpec(inst, participants, fair_value=index) for index, inst in enumerate(instruments)]
    return _venue(
        markets,
        np.stack([log_y, log_x]),
        step_ns,
        seed=seed,
        duration_s=duration_s,
        name="fast-cointegrated-pair",
        v=v,
    )


FAST_COINTEGRATED_PAIR = Scenario(
    "fast-cointegrated-pair",
    "Y (index 0) and X (index 1) cointegrated in logs, ln Y = c + β·ln X + s, with an OU spread of 1 s half-life "
    "and mids that track fair value closely (statarb-pairs' market)",
    (
        _p("price_y", 100.0, "starting fair price of Y (index 0, the dependent leg)"),
        _p("price_x", 50.0, "starting fair price of X (index 1, the hedge leg)"),
        _p("tick_size", 0.01, "price grid of both instruments"),
        _p("lot_size", 1.0, "size grid of both instruments"),
        _p("hedge_ratio", 1.0, "β in ln Y = c + β·ln X + s: the true cointegrating coefficient"),
        _p("volatility", 3e-4, "volatility of ln X per √second (the common stochastic trend)"),
        _p("spread_half_life_s", 1.0, "half-life of the OU log-spread s in seconds"),
        _p("spread_std", 5e-4, "stationary standard deviation of the log-spread"),
        _p("cointegrated", True, "false: the spread is a random walk with the same short-run volatility"),
        *_market_parameters(),
    ),
    _build_pair,
)


# -- factor-universe --------------------------------------------------------------------------------------------
def factor_universe_loadings(seed: int, n_names: int) -> tuple[FloatArray, FloatArray]:
    """(start prices, loadings (N × 2)) of the ``factor-universe`` names for ``seed``.

    Market loadings are N(1, 0.25²); the long–short factor's are ±U(0.5, 1.5), alternating in sign. They come
    from their own seed stream, ``SeedSequence([seed, 0, 1])``, so tests can recompute them.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0, 1]))
    prices = np.round(rng.uniform(40.0, 160.0, n_names), 2)
    market = 1.0 + 0.25 * rng.standard_normal(n_names)
    signs = np.where(np.arange(n_names) % 2 == 0, 1.0, -1.0)
    long_short = signs * rng.uniform(0.5, 1.5, n_names)
    return prices, np.column_stack([market, long_short])


def _build_universe(seed: int, duration_s: float, v: Mapping[str, ScenarioValue]) -> SimulatedVenue:
    n_names = int(v["n_names"])
    if not 3 <= n_names <= 50:
        raise ValueError(f"n_names must be between 3 and 50, got {n_names}")
    market_vol = _non_negative(v, "market_volatility")
    factor_vol = _non_negative(v, "factor_volatility")
    half_life = _positive(v, "residual_half_life_s")
    residual_std = _non_negative(v, "residual_std")
    step_ns, n_steps, dt = _grid(duration_s, v)
    prices, loadings = factor_universe_loadings(seed, n_names)
    rng = _rng(seed)
    factors = np.concatenate(
        [_brownian(rng, market_vol, 1, n_steps, dt), _brownian(rng, factor_vol, 1, n_steps, dt)], axis=0
    )
    residuals = _ou(rng, half_life, residual_std, n_names, n_steps, dt)
    residuals -= residuals[:, :1]  # every name starts at its listed price
    log_prices = np.log(prices)[:, None] + loadings @ factors + residuals
    fees = _fees(v)
    tick, lot = float(v["tick_size"]), float(v["lot_size"])
    participants = _participants(v)
    markets = [
        MarketSpec(Instrument(f"S{index + 1:02d}", tick, lot, venue=_VENUE, fees=fees), participants, fair_value=index)
        for index in range(n_names)
    ]
    return _venue(markets, log_prices, step_ns, seed=seed, duration_s=duration_s, name="factor-universe", v=v)


FACTOR_UNIVERSE = Scenario(
    "factor-universe",
    "N names (default 8, S01…) on a two-factor model of log fair values (market + long–short) with OU "
    "idiosyncratic residuals: the market of statarb-pca",
    (
        _p("n_names", 8, "number of instruments (3 to 50)"),
        _p("tick_size", 0.01, "price grid of every name (start prices are U(40, 160))"),
        _p("lot_size", 1.0, "size grid of every name"),
        _p("market_volatility", 3e-4, "volatility of the market factor per √second"),
        _p("factor_volatility", 2e-4, "volatility of the long–short factor per √second"),
        _p("residual_half_life_s", 5.0, "half-life of each name's OU residual in seconds"),
        _p("residual_std", 8e-4, "stationary standard deviation of each name's log residual"),
        *_market_parameters(lp_order_rate=20.0, value_look_rate=10.0),
    ),
    _build_universe,
)


# -- triangle ---------------------------------------------------------------------------------------------------
_TRIANGLE_SYMBOLS = ("BTC/USDT", "ETH/USDT", "ETH/BTC")


def _build_triangle(seed: int, duration_s: float, v: Mapping[str, ScenarioValue]) -> SimulatedVenue:
    btc, eth = _positive(v, "btc_price"), _positive(v, "eth_price")
    btc_vol, eth_vol = _non_negative(v, "btc_volatility"), _non_negative(v, "eth_volatility")
    correlation = float(v["correlation"])
    if not -1.0 <= correlation <= 1.0:
        raise ValueError(f"correlation must lie in [-1, 1], got {correlation}")
    half_life = _positive(v, "mispricing_half_life_s")
    mispricing_std = _non_negative(v, "mispricing_std")
    delay_ms = int(v["cross_delay_ms"])
    if delay_ms < 0:
        raise ValueError(f"cross_delay_ms must be >= 0, got {delay_ms}")
    step_ns, n_steps, dt = _grid(duration_s, v)
    rng = _rng(seed)
    shocks = _brownian(rng, 1.0, 2, n_steps, dt)
    log_btc = math.log(btc) + btc_vol * shocks[0]
    log_eth = math.log(eth) + eth_vol * (correlation * shocks[0] + math.sqrt(1.0 - correlation**2) * shocks[1])
    mispricing = _ou(rng, half_life, mispricing_std, 1, n_steps, dt)[0]
    log_cross = log_eth - log_btc + mispricing
    fees = _fees(v)
    grids = (
        (float(v["btc_tick_size"]), float(v["btc_lot_size"])),
        (float(v["eth_tick_size"]), float(v["eth_lot_size"])),
        (float(v["cross_tick_size"]), float(v["eth_lot_size"])),
    )
    participants = _participants(v)
    markets = [
        MarketSpec(
            Instrument(symbol, tick, lot, venue=_VENUE, fees=fees),
            participants,
            fair_value=index,
            fair_delay_ns=delay_ms * _NS_PER_MS if index == 2 else 0,
        )
        for index, (symbol, (tick, lot)) in enumerate(zip(_TRIANGLE_SYMBOLS, grids, strict=True))
    ]
    return _venue(
        markets,
        np.stack([log_btc, log_eth, log_cross]),
        step_ns,
        seed=seed,
        duration_s=duration_s,
        name="triangle",
        v=v,
    )


TRIANGLE = Scenario(
    "triangle",
    "BTC/USDT, ETH/USDT and ETH/BTC; the cross is priced off the other two with an OU mispricing and a delay, "
    "so triangular cycles appear and disappear (triangular-arb's market)",
    (
        _p("btc_price", 60_000.0, "starting BTC/USDT fair price"),
        _p("eth_price", 3_000.0, "starting ETH/USDT fair price"),
        _p("btc_volatility", 2e-4, "BTC/USDT volatility per √second"),
        _p("eth_volatility", 2.5e-4, "ETH/USDT volatility per √second"),
        _p("correlation", 0.8, "correlation of the BTC and ETH fair-value moves"),
        _p("mispricing_half_life_s", 3.0, "half-life of the ETH/BTC log mispricing (OU) in seconds"),
        _p("mispricing_std", 4e-4, "stationary standard deviation of the ETH/BTC log mispricing"),
        _p("cross_delay_ms", 200, "how late ETH/BTC's participants see its fair value"),
        _p("btc_tick_size", 0.1, "BTC/USDT price grid"),
        _p("btc_lot_size", 0.00001, "BTC/USDT size grid (BTC)"),
        _p("eth_tick_size", 0.01, "ETH/USDT price grid"),
        _p("eth_lot_size", 0.0001, "ETH/USDT and ETH/BTC size grid (ETH)"),
        _p("cross_tick_size", 0.000001, "ETH/BTC price grid (BTC)"),
        *_market_parameters(
            maker_fee=0.0,
            taker_fee=0.0001,
            lp_order_rate=30.0,
            lp_size_max=1_000,
            noise_size_max=1_000,
            value_look_rate=10.0,
            value_size_max=3_000,
        ),
    ),
    _build_triangle,
)

STATARB_SCENARIOS: tuple[Scenario, ...] = (FAST_COINTEGRATED_PAIR, FACTOR_UNIVERSE, TRIANGLE)
"""Every scenario hft-statarb registers."""
