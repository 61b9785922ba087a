"""Builders of hft-core's built-in simulated markets, and the pieces plugin markets are built from.

The scenarios themselves (names, summaries, knobs and defaults) are declared in `hft_core.scenarios`, which names
each builder here by import string, so declaring them costs no numpy. A builder takes a seed, a duration in
seconds and every knob's resolved value (`hft_core.markets.MarketConfig` and its subclasses) and returns a fresh
`SimulatedVenue`. ``docs/simulated-market.md`` lists every knob with its meaning.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from hft_core.instruments import FeeSchedule, Instrument
from hft_core.venues.simulated.fair import CointegratedFairValues, GbmFairValues, check_fair_path
from hft_core.venues.simulated.informed import InformedTaker
from hft_core.venues.simulated.latency import JITTER_KINDS
from hft_core.venues.simulated.participants import (
    ImbalanceFollower,
    LiquidityProvider,
    MomentumFollower,
    NoiseTaker,
    ParticipantSpec,
    QuotingMaker,
    ValueTrader,
)
from hft_core.venues.simulated.venue import MarketSpec, SimulatedVenue, StrategyLatency, VenueSpec

__all__ = [
    "build_btcusdt_perp",
    "build_cointegrated_pair",
    "build_reactive",
    "build_single_instrument",
    "build_two_venue_market",
    "build_two_venues",
    "fair_step_ns",
    "fair_value_seed",
    "market_participants",
    "strategy_latency",
]

Values = Mapping[str, Any]
"""Every knob of a market by name, resolved (see `hft_core.markets`)."""

_NS_PER_MS = 1_000_000
_FAIR_MARGIN_S = 1.0
"""Fair-value paths run this far past the end, so a late look never falls off the path."""


# -- building blocks ------------------------------------------------------------------------------------------
_PARTICIPANT_KNOBS: tuple[tuple[type[ParticipantSpec], str | None, Mapping[str, str]], ...] = (
    (
        LiquidityProvider,
        None,
        {
            "lp_order_rate": "order_rate",
            "lp_distance_ticks": "distance_mean_ticks",
            "lp_half_spread_ticks": "half_spread_ticks",
            "lp_size_min": "size_min",
            "lp_size_max": "size_max",
            "lp_lifetime_s": "lifetime_mean_s",
            "lp_fair_weight": "fair_weight",
            "lp_cancel_stale": "cancel_stale",
        },
    ),
    (
        NoiseTaker,
        "noise_rate",
        {
            "noise_rate": "rate",
            "noise_size_min": "size_min",
            "noise_size_max": "size_max",
            "noise_hawkes_branching": "hawkes_branching",
            "noise_hawkes_decay": "hawkes_decay",
            "noise_hawkes_cross": "hawkes_cross",
            "noise_size_median": "size_median",
            "noise_size_log_sd": "size_log_sd",
        },
    ),
    (
        ImbalanceFollower,
        "imbalance_look_rate",
        {
            "imbalance_look_rate": "look_rate",
            "imbalance_levels": "levels",
            "imbalance_threshold": "threshold",
            "imbalance_take_probability": "take_probability",
            "imbalance_size_max": "size_max",
            "imbalance_latency_ns": "latency_ns",
            "imbalance_cooldown_s": "cooldown_s",
        },
    ),
    (
        MomentumFollower,
        "momentum_look_rate",
        {
            "momentum_look_rate": "look_rate",
            "momentum_lookback_s": "lookback_s",
            "momentum_threshold_ticks": "threshold_ticks",
            "momentum_size_max": "size_max",
            "momentum_latency_ns": "latency_ns",
            "momentum_cooldown_s": "cooldown_s",
        },
    ),
    (
        ValueTrader,
        "value_look_rate",
        {
            "value_look_rate": "look_rate",
            "value_edge_ticks": "edge_ticks",
            "value_size_max": "size_max",
            "value_latency_ns": "latency_ns",
        },
    ),
    (
        QuotingMaker,
        "mm_requote_rate",
        {
            "mm_requote_rate": "requote_rate",
            "mm_size": "size",
            "mm_half_spread_ticks": "half_spread_ticks",
            "mm_latency_ns": "latency_ns",
        },
    ),
)
"""Each background participant, the knob that switches it off at 0 (None: always there), and its knobs
(`hft_core.markets`) by the participant's own field names."""


def market_participants(v: Values) -> tuple[ParticipantSpec, ...]:
    """A market's background participants from its knob values, in one fixed order (liquidity provider, noise
    taker, imbalance follower, momentum follower, value trader, quoting maker, informed taker).

    A participant is there when its switch knob is in ``v`` and above 0 (the liquidity provider always is); it
    takes the knobs of it that ``v`` has, and its own defaults for the rest, so a plugin market that declares only
    some of `hft_core.markets`' knobs gets the same participants hft-core's markets are built from.

    The informed taker (`InformedTaker`) is there when ``informed_share`` and ``noise_rate`` are above 0: its rate
    is ``noise_rate · share / (1 − share)``, so it sends that share of all taker market orders, with the noise
    taker's size law, ``informed_horizon_s`` and the ``informed_react_*`` knobs. It comes last, so adding it leaves
    the others' owner ids (and random streams) as they were.
    """
    found: list[ParticipantSpec] = []
    for kind, switch, knobs in _PARTICIPANT_KNOBS:
        if switch is not None and not (switch in v and float(v[switch]) > 0):
            continue
        found.append(kind(**{field: v[knob] for knob, field in knobs.items() if knob in v}))
    share = float(v.get("informed_share", 0.0))
    noise_rate = float(v.get("noise_rate", 0.0))
    if share > 0 and noise_rate > 0:
        sizes: dict[str, Any] = {
            field: v[knob]
            for knob, field in (
                ("noise_size_min", "size_min"),
                ("noise_size_max", "size_max"),
                ("noise_size_median", "size_median"),
                ("noise_size_log_sd", "size_log_sd"),
            )
            if knob in v
        }
        for knob, field in (
            ("informed_horizon_s", "horizon_s"),
            ("informed_react_probability", "react_probability"),
            ("informed_react_latency_ns", "react_latency_ns"),
            ("informed_react_jitter_ns", "react_jitter_ns"),
        ):
            if knob in v:
                sizes[field] = v[knob]
        found.append(InformedTaker(rate=noise_rate * share / (1.0 - share), **sizes))
    return tuple(found)


def _fair_margin_s(v: Values) -> float:
    """How far past the end the fair-value path must run: a late look, and the informed taker's horizon."""
    horizon = float(v.get("informed_horizon_s", 0.0)) if float(v.get("informed_share", 0.0)) > 0 else 0.0
    return _FAIR_MARGIN_S + horizon


def _venue_name(name: str, v: Values) -> str:
    """``simulated:NAME``, with the ``market_label`` knob in brackets when it is set (a calibrated market says what
    it was calibrated to, so every run's summary does)."""
    label = str(v.get("market_label", "")).strip()
    return f"simulated:{name}" + (f" [{label}]" if label else "")


def _instrument(symbol: str, venue: str, v: Values, base: str = "") -> Instrument:
    fees = FeeSchedule(maker=float(v["maker_fee"]), taker=float(v["taker_fee"]))
    return Instrument(symbol, float(v["tick_size"]), float(v["lot_size"]), venue=venue, fees=fees, base=base)


def strategy_latency(v: Values, prefix: str = "") -> StrategyLatency:
    """The strategy's latencies from the ``{prefix}entry_latency_ns`` / ``response`` / ``feed`` parameters.

    Optional keys add a jitter to all three: ``{prefix}latency_jitter_ns`` (its mean; absent or 0 = constant
    latencies) shaped by ``latency_jitter_kind`` (``exponential`` when absent; see `Latency`).
    """
    jitter = int(v.get(f"{prefix}latency_jitter_ns", 0))
    kind = str(v.get("latency_jitter_kind", "exponential"))
    if kind not in JITTER_KINDS:
        raise ValueError(f"latency_jitter_kind must be one of {', '.join(JITTER_KINDS)}, got {kind!r}")
    return StrategyLatency(
        entry_ns=int(v[f"{prefix}entry_latency_ns"]),
        response_ns=int(v[f"{prefix}response_latency_ns"]),
        feed_ns=int(v[f"{prefix}feed_latency_ns"]),
        entry_jitter_ns=jitter,
        response_jitter_ns=jitter,
        feed_jitter_ns=jitter,
        jitter_kind=kind,
    )


def fair_step_ns(v: Values) -> int:
    """The fair-value path step from the ``fair_step_ms`` parameter (>= 1 ms)."""
    step_ms = int(v["fair_step_ms"])
    if step_ms <= 0:
        raise ValueError(f"fair_step_ms must be >= 1, got {step_ms}")
    return step_ms * _NS_PER_MS


def fair_value_seed(seed: int) -> np.random.SeedSequence:
    """The fair values' random stream: participants draw from ``SeedSequence([seed, owner])`` with owner >= 2,
    so slot 0 is free for fair-value paths (plugin scenarios use it too, to stay reproducible)."""
    return np.random.SeedSequence([seed, 0])


def _gbm(seed: int, duration_s: float, v: Values) -> GbmFairValues:
    """The GBM fair value, computed a chunk at a time as the run reaches it (memory flat in the duration)."""
    return GbmFairValues(
        float(v["price"]),
        float(v["volatility"]),
        duration_s + _fair_margin_s(v),
        step_ns=fair_step_ns(v),
        seed=fair_value_seed(seed),
    )


def _venue_class(v: Values) -> type[SimulatedVenue]:
    """The Python venue, or with the ``compiled`` knob its compiled twin (imported only then: it loads numba)."""
    if not v.get("compiled", False):
        return SimulatedVenue
    from hft_core.venues.simulated.compiled import CompiledSimulatedVenue

    return CompiledSimulatedVenue


# -- the scenarios --------------------------------------------------------------------------------------------
def _single(name: str, seed: int, duration_s: float, v: Values) -> SimulatedVenue:
    venue = VenueSpec("sim", strategy_latency(v), int(v["message_service_ns"]))
    market = MarketSpec(_instrument("SIM", "sim", v), market_participants(v))
    return _venue_class(v)(
        [market],
        [venue],
        _gbm(seed, duration_s, v),
        seed=seed,
        duration_s=duration_s,
        name=_venue_name(name, v),
        record=bool(v["record"]),
    )


def build_single_instrument(seed: int, duration_s: float, v: Values) -> SimulatedVenue:
    """``single-instrument``: one instrument (SIM) on venue ``sim``."""
    return _single("single-instrument", seed, duration_s, v)


def build_btcusdt_perp(seed: int, duration_s: float, v: Values) -> SimulatedVenue:
    """``btcusdt-perp``: the single-instrument market at the shipped calibration's knobs (see `hft_core.scenarios`);
    its ``market_label`` names the capture and the file, so the venue's name says which market a result is from."""
    return _single("btcusdt-perp", seed, duration_s, v)


def build_reactive(seed: int, duration_s: float, v: Values) -> SimulatedVenue:
    """``reactive``: the single-instrument market with the reactive crowd's knobs (see `hft_core.scenarios`)."""
    return _single("reactive", seed, duration_s, v)


def build_cointegrated_pair(seed: int, duration_s: float, v: Values) -> SimulatedVenue:
    """``cointegrated-pair``: SIMA and SIMB on venue ``sim``, fair values cointegrated in logs (those of
    `hft_core.flow.paths.cointegrated_paths`, computed a chunk at a time as the run reaches them)."""
    price_a, price_b = float(v["price"]), float(v["price_b"])
    hedge_ratio = float(v["hedge_ratio"])
    half_life = float(v["spread_half_life_s"])
    if not half_life > 0:
        raise ValueError(f"spread_half_life_s must be > 0, got {half_life}")
    kappa = math.log(2.0) / half_life
    step_ns = fair_step_ns(v)
    horizon_s = duration_s + _fair_margin_s(v)
    check_fair_path(horizon_s, step_ns, 2)
    fair_values = CointegratedFairValues(
        price_a,
        float(v["volatility"]),
        hedge_ratio,
        kappa,
        float(v["spread_std"]) * math.sqrt(2.0 * kappa),
        horizon_s,
        math.ceil(horizon_s * 1e9 / step_ns),
        intercept=math.log(price_b) - hedge_ratio * math.log(price_a),
        step_ns=step_ns,
        seed=fair_value_seed(seed),
    )
    venue = VenueSpec("sim", strategy_latency(v), int(v["message_service_ns"]))
    markets = [
        MarketSpec(_instrument("SIMA", "sim", v), market_participants(v), fair_value=0),
        MarketSpec(_instrument("SIMB", "sim", v), market_participants(v), fair_value=1),
    ]
    return _venue_class(v)(
        markets,
        [venue],
        fair_values,
        seed=seed,
        duration_s=duration_s,
        name=_venue_name("cointegrated-pair", v),
        record=bool(v["record"]),
    )


def build_two_venues(seed: int, duration_s: float, v: Values) -> SimulatedVenue:
    """``two-venues``: SIM on a ``fast`` venue (index 0) and a ``slow`` one (index 1)."""
    return build_two_venue_market(seed, duration_s, v)


def build_two_venue_market(
    seed: int,
    duration_s: float,
    v: Values,
    *,
    slow_participants: Sequence[ParticipantSpec] | None = None,
    fast_participants: Sequence[ParticipantSpec] | None = None,
    name: str = "two-venues",
    venue_symbols: bool = False,
) -> SimulatedVenue:
    """SIM on a ``fast`` (lead) venue, index 0, and a ``slow`` (lagging) one, index 1, from `TwoVenueMarketConfig`
    values: the ``two-venues`` market, and the base of plugin markets that put their own participants on either
    venue (latency racers: `LaggingMaker`, `Sniper`, which watch the fast venue as market index 0).

    ``fast_participants`` and ``slow_participants`` replace each venue's participants (by default both get the
    ones the ``lp_*``, ``noise_*``, ... knobs describe). The slow venue's participants see the fair value
    ``slow_fair_delay_ns`` late; the strategy's latencies to it are the ``slow_*_latency_ns`` knobs.

    Both markets are symbol ``SIM`` (``two-venues`` keeps that); with ``venue_symbols`` they are ``SIM@fast`` and
    ``SIM@slow`` (base asset ``SIM`` either way), so a strategy, which addresses instruments by symbol, can tell
    them apart, as recorded data of one pair on two venues is named (`hft_core.venues.recorded`).
    """
    service_ns = int(v["message_service_ns"])
    venues = [
        VenueSpec("fast", strategy_latency(v), service_ns),
        VenueSpec("slow", strategy_latency(v, "slow_"), service_ns),
    ]
    participants = market_participants(v)
    fast = participants if fast_participants is None else tuple(fast_participants)
    slow = participants if slow_participants is None else tuple(slow_participants)
    fast_symbol, slow_symbol = ("SIM@fast", "SIM@slow") if venue_symbols else ("SIM", "SIM")
    base = "SIM" if venue_symbols else ""
    markets = [
        MarketSpec(_instrument(fast_symbol, "fast", v, base), fast),
        MarketSpec(_instrument(slow_symbol, "slow", v, base), slow, fair_delay_ns=int(v["slow_fair_delay_ns"])),
    ]
    return _venue_class(v)(
        markets,
        venues,
        _gbm(seed, duration_s, v),
        seed=seed,
        duration_s=duration_s,
        name=_venue_name(name, v),
        record=bool(v["record"]),
    )
