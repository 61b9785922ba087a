"""Builders of hft-statarb's simulated markets, from `hft_core.venues.simulated` pieces.

The markets are declared in `hft_statarb.plugin` (`hft_core.Scenario`: name, summary, config class, this
module's builder by import string) and their knobs in `hft_statarb.config`; a builder takes a seed, a duration in
seconds and every knob's resolved, already checked value, and returns a fresh `SimulatedVenue`:

- ``fast-cointegrated-pair`` (`build_fast_cointegrated_pair`): Y (index 0) and X (index 1) with
  ``ln Y = c + β·ln X + s``, s an OU spread whose half-life is seconds, so an Engle–Granger test on a minute or
  two of mids has power. ``cointegrated=false`` replaces the OU spread by a random walk with the same short-run
  volatility: over seconds the pair looks the same, over minutes it drifts apart (the case the cointegration
  gate must refuse).
- ``factor-universe`` (`build_factor_universe`): N names whose log fair values load on a market and a long–short
  factor plus an OU idiosyncratic residual — the model behind Avellaneda & Lee's (2010) PCA residual s-scores.
- ``triangle`` (`build_triangle`): BTC/USDT, ETH/USDT and ETH/BTC. The cross's fair value is the ratio of the
  other two times ``exp(m)``, m an OU mispricing, and its participants see it ``cross_delay_ms`` late, so
  triangular cycles open and close.

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
from typing import Any

import numpy as np
import numpy.typing as npt
from hft_core import (
    FairValuePaths,
    FeeSchedule,
    Instrument,
    MarketSpec,
    SimulatedVenue,
    VenueSpec,
    check_fair_path,
    fair_step_ns,
    fair_value_seed,
    market_participants,
    strategy_latency,
)

__all__ = ["build_factor_universe", "build_fast_cointegrated_pair", "build_triangle", "factor_universe_loadings"]

FloatArray = npt.NDArray[np.float64]
Values = Mapping[str, Any]
"""Every knob of a market by name, resolved and checked (`hft_statarb.config`)."""

_NS_PER_MS = 1_000_000
_NS_PER_S = 1_000_000_000
_FAIR_MARGIN_S = 1.0
"""Fair-value paths run this far past the end, so a late look never falls off the path."""
_VENUE = "sim"


def _venue_spec(v: Values) -> VenueSpec:
    return VenueSpec(_VENUE, strategy_latency(v))


def _fees(v: Values) -> FeeSchedule:
    return FeeSchedule(maker=float(v["maker_fee"]), taker=float(v["taker_fee"]))


def _grid(duration_s: float, v: Values, n_paths: int) -> tuple[int, int, float]:
    """(step ns, number of steps, step in seconds) of the ``n_paths`` fair-value paths, refused (a one-line
    `ValueError`, exit 2) where they would not fit in memory (`hft_core.check_fair_path`)."""
    step_ns = fair_step_ns(v)
    check_fair_path(duration_s + _FAIR_MARGIN_S, step_ns, n_paths)
    n_steps = math.ceil((duration_s + _FAIR_MARGIN_S) * _NS_PER_S / step_ns)
    return step_ns, n_steps, step_ns / _NS_PER_S


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(fair_value_seed(seed))


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
    v: Values,
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
def build_fast_cointegrated_pair(seed: int, duration_s: float, v: Values) -> SimulatedVenue:
    """The ``fast-cointegrated-pair`` market (`hft_statarb.config.FastPairMarketConfig` knobs)."""
    half_life, spread_std = float(v["spread_half_life_s"]), float(v["spread_std"])
    hedge_ratio = float(v["hedge_ratio"])
    step_ns, n_steps, dt = _grid(duration_s, v, 2)
    rng = _rng(seed)
    log_x = math.log(float(v["price_x"])) + _brownian(rng, float(v["volatility"]), 1, n_steps, dt)[0]
    if v["cointegrated"]:
        spread = _ou(rng, half_life, spread_std, 1, n_steps, dt)[0]
    else:
        # Same instantaneous volatility as the OU spread, σ = σ_eq·√(2κ), but no pull back: a unit root.
        sigma = spread_std * math.sqrt(2.0 * math.log(2.0) / half_life)
        spread = _brownian(rng, sigma, 1, n_steps, dt)[0]
    intercept = math.log(float(v["price_y"])) - hedge_ratio * math.log(float(v["price_x"]))
    log_y = intercept + hedge_ratio * log_x + spread
    instruments = [
        Instrument(symbol, float(v["tick_size"]), float(v["lot_size"]), venue=_VENUE, fees=_fees(v))
        for symbol in ("Y", "X")
    ]
    participants = market_participants(v)
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


def build_factor_universe(seed: int, duration_s: float, v: Values) -> SimulatedVenue:
    """The ``factor-universe`` market (`hft_statarb.config.FactorUniverseConfig` knobs)."""
    n_names = int(v["n_names"])
    step_ns, n_steps, dt = _grid(duration_s, v, n_names + 2)
    prices, loadings = factor_universe_loadings(seed, n_names)
    rng = _rng(seed)
    factors = np.concatenate(
        [
            _brownian(rng, float(v["market_volatility"]), 1, n_steps, dt),
            _brownian(rng, float(v["factor_volatility"]), 1, n_steps, dt),
        ],
        axis=0,
    )
    residuals = _ou(rng, float(v["residual_half_life_s"]), float(v["residual_std"]), n_names, n_steps, dt)
    residuals -= residuals[:, :1]  # every name starts at its listed price
    log_prices = np.log(prices)[:, None] + loadings @ factors + residuals
    fees = _fees(v)
    tick, lot = float(v["tick_size"]), float(v["lot_size"])
    participants = market_participants(v)
    markets = [
        MarketSpec(Instrument(f"S{index + 1:02d}", tick, lot, venue=_VENUE, fees=fees), participants, fair_value=index)
        for index in range(n_names)
    ]
    return _venue(markets, log_prices, step_ns, seed=seed, duration_s=duration_s, name="factor-universe", v=v)


# -- triangle ---------------------------------------------------------------------------------------------------
_TRIANGLE_SYMBOLS = ("BTC/USDT", "ETH/USDT", "ETH/BTC")


def build_triangle(seed: int, duration_s: float, v: Values) -> SimulatedVenue:
    """The ``triangle`` market (`hft_statarb.config.TriangleMarketConfig` knobs)."""
    correlation = float(v["correlation"])
    step_ns, n_steps, dt = _grid(duration_s, v, 3)
    rng = _rng(seed)
    shocks = _brownian(rng, 1.0, 2, n_steps, dt)
    log_btc = math.log(float(v["btc_price"])) + float(v["btc_volatility"]) * shocks[0]
    log_eth = math.log(float(v["eth_price"])) + float(v["eth_volatility"]) * (
        correlation * shocks[0] + math.sqrt(1.0 - correlation**2) * shocks[1]
    )
    mispricing = _ou(rng, float(v["mispricing_half_life_s"]), float(v["mispricing_std"]), 1, n_steps, dt)[0]
    log_cross = log_eth - log_btc + mispricing
    fees = _fees(v)
    grids = (
        (float(v["btc_tick_size"]), float(v["btc_lot_size"])),
        (float(v["eth_tick_size"]), float(v["eth_lot_size"])),
        (float(v["cross_tick_size"]), float(v["eth_lot_size"])),
    )
    delay_ns = int(v["cross_delay_ms"]) * _NS_PER_MS
    participants = market_participants(v)
    markets = [
        MarketSpec(
            Instrument(symbol, tick, lot, venue=_VENUE, fees=fees),
            participants,
            fair_value=index,
            fair_delay_ns=delay_ns if index == 2 else 0,
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
