"""Named simulated markets: a registry from scenario name to a factory ``(seed, duration_s, **overrides)``.

Every scenario is a `SimulatedVenue` built from documented parameters (`ScenarioParameter`); overrides replace
defaults by key, and an unknown key or a value of the wrong type is a `ConfigError` naming the valid keys.

- ``single-instrument``: the default market of ``hft run`` — one instrument near 100 with a 0.01 tick.
- ``cointegrated-pair``: two instruments whose fair values are cointegrated in logs (for pairs trading).
- ``two-venues``: one instrument on a fast and a slow venue (for latency arbitrage).
- ``reactive``: strong imbalance and momentum followers, clustered noise and a light message-rate model (for the
  manipulation studies of ``hft-gated-manipulative`` and the surveillance detectors).

``docs/simulated-market.md`` lists every parameter with its meaning.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from hft_core.errors import ConfigError
from hft_core.instruments import FeeSchedule, Instrument
from hft_core.venues.simulated.fair import FairValuePaths, gbm_fair_values
from hft_core.venues.simulated.participants import (
    ImbalanceFollower,
    LiquidityProvider,
    MomentumFollower,
    NoiseTaker,
    ParticipantSpec,
    ValueTrader,
)
from hft_core.venues.simulated.venue import MarketSpec, SimulatedVenue, StrategyLatency, VenueSpec

__all__ = [
    "DEFAULT_DURATION_S",
    "DEFAULT_SCENARIO",
    "SCENARIOS",
    "Scenario",
    "ScenarioParameter",
    "ScenarioValue",
    "create_scenario",
    "fair_step_ns",
    "fair_value_seed",
    "get_scenario",
    "scenario_names",
    "strategy_latency",
    "with_defaults",
]

DEFAULT_SCENARIO = "single-instrument"
"""The market ``hft run`` uses when a pattern names no other."""

DEFAULT_DURATION_S = 300.0
"""Five minutes of market time: a few seconds of wall time for the default scenario."""

ScenarioValue = bool | int | float
"""The value types a scenario parameter takes."""

_NS_PER_MS = 1_000_000
_FAIR_MARGIN_S = 1.0
"""Fair-value paths run this far past the end, so a late look never falls off the path."""


@dataclass(frozen=True, slots=True)
class ScenarioParameter:
    """One overridable knob of a scenario; its type is its default's type (an int is accepted for a float)."""

    name: str
    default: ScenarioValue
    help: str

    def check(self, value: object, scenario: str) -> ScenarioValue:
        """``value`` as this parameter's type, or a `ConfigError` saying what was expected."""
        kind = type(self.default)
        if kind is bool:
            if isinstance(value, bool):
                return value
        elif kind is int:
            if isinstance(value, int | np.integer) and not isinstance(value, bool):
                return int(value)
        elif isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
            number = float(value)
            if math.isfinite(number):
                return number
        raise ConfigError(
            f"scenario {scenario!r}: parameter {self.name!r} must be a finite {kind.__name__}, got {value!r}"
        )


Builder = Callable[[int, float, Mapping[str, ScenarioValue]], SimulatedVenue]


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named market: call it with a seed, a duration and overrides to get a fresh `SimulatedVenue`."""

    name: str
    summary: str
    parameters: tuple[ScenarioParameter, ...]
    builder: Builder

    def defaults(self) -> dict[str, ScenarioValue]:
        """Every parameter at its default."""
        return {parameter.name: parameter.default for parameter in self.parameters}

    def resolve(self, overrides: Mapping[str, object]) -> dict[str, ScenarioValue]:
        """The defaults with ``overrides`` applied and checked; unknown keys are a `ConfigError`."""
        by_name = {parameter.name: parameter for parameter in self.parameters}
        unknown = sorted(set(overrides) - set(by_name))
        if unknown:
            raise ConfigError(
                f"scenario {self.name!r} has no parameter(s) {', '.join(map(repr, unknown))}; "
                f"valid keys: {', '.join(sorted(by_name))}"
            )
        values = self.defaults()
        for key, value in overrides.items():
            values[key] = by_name[key].check(value, self.name)
        return values

    def __call__(self, seed: int, duration_s: float = DEFAULT_DURATION_S, **overrides: object) -> SimulatedVenue:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ConfigError(f"scenario {self.name!r}: seed must be an integer >= 0, got {seed!r}")
        if isinstance(duration_s, bool) or not isinstance(duration_s, int | float) or not 0 < duration_s < math.inf:
            raise ConfigError(f"scenario {self.name!r}: duration_s must be a positive number, got {duration_s!r}")
        values = self.resolve(overrides)
        try:
            return self.builder(seed, float(duration_s), values)
        except ValueError as error:
            raise ConfigError(f"scenario {self.name!r}: {error}") from error


# -- parameters -----------------------------------------------------------------------------------------------
def _p(name: str, default: ScenarioValue, help_text: str) -> ScenarioParameter:
    return ScenarioParameter(name, default, help_text)


def _market_parameters(**defaults: ScenarioValue) -> tuple[ScenarioParameter, ...]:
    """The parameters of one market's instrument, strategy latency and participants (``defaults`` override)."""
    parameters = (
        _p("price", 100.0, "starting fair price of the (first) instrument"),
        _p("tick_size", 0.01, "price grid"),
        _p("lot_size", 1.0, "size grid"),
        _p("maker_fee", -0.00002, "maker fee as a fraction of notional (negative = rebate)"),
        _p("taker_fee", 0.00003, "taker fee as a fraction of notional"),
        _p("volatility", 1e-4, "fair-value volatility per √second (relative; 1e-4 ≈ 1 tick/√s at 100)"),
        _p("fair_step_ms", 10, "fair-value path resolution in milliseconds"),
        _p("entry_latency_ns", 20_000, "strategy order entry latency: request sent -> at the gateway"),
        _p("response_latency_ns", 20_000, "strategy response latency: processed -> report seen"),
        _p("feed_latency_ns", 20_000, "strategy market-data latency: exchange time -> seen"),
        _p("message_service_ns", 0, "gateway service time per message (0 = no message-rate model)"),
        _p("lp_order_rate", 20.0, "liquidity provider: new limit orders per second on each side"),
        _p("lp_distance_ticks", 4.0, "liquidity provider: mean geometric distance behind the innermost quote"),
        _p("lp_half_spread_ticks", 0.0, "liquidity provider: innermost quotes' distance from fair value"),
        _p("lp_size_min", 1, "liquidity provider: smallest order (lots)"),
        _p("lp_size_max", 10, "liquidity provider: largest order (lots)"),
        _p("lp_lifetime_s", 4.0, "liquidity provider: mean order lifetime before cancel"),
        _p("lp_fair_weight", 0.5, "liquidity provider: weight of fair value vs current mid in its reference"),
        _p("noise_rate", 1.0, "noise taker: market orders per second (0 = none)"),
        _p("noise_size_min", 1, "noise taker: smallest order (lots)"),
        _p("noise_size_max", 10, "noise taker: largest order (lots)"),
        _p("noise_hawkes_branching", 0.0, "noise taker: Hawkes branching ratio per side (0 = Poisson)"),
        _p("noise_hawkes_decay", 20.0, "noise taker: Hawkes kernel decay rate per second"),
        _p("imbalance_look_rate", 5.0, "imbalance follower: looks per second (0 = none)"),
        _p("imbalance_levels", 5, "imbalance follower: book levels per side in the imbalance"),
        _p("imbalance_threshold", 0.5, "imbalance follower: |imbalance| that triggers it"),
        _p("imbalance_take_probability", 0.5, "imbalance follower: chance of a market order (else it joins the touch)"),
        _p("imbalance_size_max", 5, "imbalance follower: largest order (lots)"),
        _p("imbalance_latency_ns", 200_000, "imbalance follower: look -> order at the gateway"),
        _p("imbalance_cooldown_s", 1.0, "imbalance follower: quiet time after acting"),
        _p("momentum_look_rate", 5.0, "momentum follower: looks per second (0 = none)"),
        _p("momentum_lookback_s", 1.0, "momentum follower: window of the mid-price move"),
        _p("momentum_threshold_ticks", 3.0, "momentum follower: mid move that triggers it"),
        _p("momentum_size_max", 5, "momentum follower: largest order (lots)"),
        _p("momentum_latency_ns", 500_000, "momentum follower: look -> order at the gateway"),
        _p("momentum_cooldown_s", 1.0, "momentum follower: quiet time after acting"),
        _p("value_look_rate", 5.0, "value trader: looks per second (0 = none)"),
        _p("value_edge_ticks", 1.0, "value trader: mispricing against fair value that it takes"),
        _p("value_size_max", 10, "value trader: largest order (lots)"),
        _p("value_latency_ns", 100_000, "value trader: look -> order at the gateway"),
        _p("record", False, "keep the public feed for SimulatedVenue.recorded_market_data"),
    )
    return with_defaults(parameters, defaults)


def with_defaults(
    parameters: tuple[ScenarioParameter, ...], defaults: Mapping[str, ScenarioValue]
) -> tuple[ScenarioParameter, ...]:
    """``parameters`` with some defaults replaced; naming a parameter that isn't there is a programming error."""
    unknown = set(defaults) - {parameter.name for parameter in parameters}
    if unknown:
        raise ValueError(f"defaults for unknown scenario parameters {sorted(unknown)}")
    return tuple(
        ScenarioParameter(parameter.name, defaults[parameter.name], parameter.help)
        if parameter.name in defaults
        else parameter
        for parameter in parameters
    )


# -- building blocks ------------------------------------------------------------------------------------------
def _participants(v: Mapping[str, ScenarioValue]) -> tuple[ParticipantSpec, ...]:
    """One market's background participants from the ``lp_*``, ``noise_*``, ``imbalance_*``, ... parameters."""
    participants: list[ParticipantSpec] = [
        LiquidityProvider(
            order_rate=float(v["lp_order_rate"]),
            distance_mean_ticks=float(v["lp_distance_ticks"]),
            half_spread_ticks=float(v["lp_half_spread_ticks"]),
            size_min=int(v["lp_size_min"]),
            size_max=int(v["lp_size_max"]),
            lifetime_mean_s=float(v["lp_lifetime_s"]),
            fair_weight=float(v["lp_fair_weight"]),
        )
    ]
    if float(v["noise_rate"]) > 0:
        participants.append(
            NoiseTaker(
                rate=float(v["noise_rate"]),
                size_min=int(v["noise_size_min"]),
                size_max=int(v["noise_size_max"]),
                hawkes_branching=float(v["noise_hawkes_branching"]),
                hawkes_decay=float(v["noise_hawkes_decay"]),
            )
        )
    if float(v["imbalance_look_rate"]) > 0:
        participants.append(
            ImbalanceFollower(
                look_rate=float(v["imbalance_look_rate"]),
                levels=int(v["imbalance_levels"]),
                threshold=float(v["imbalance_threshold"]),
                take_probability=float(v["imbalance_take_probability"]),
                size_max=int(v["imbalance_size_max"]),
                latency_ns=int(v["imbalance_latency_ns"]),
                cooldown_s=float(v["imbalance_cooldown_s"]),
            )
        )
    if float(v["momentum_look_rate"]) > 0:
        participants.append(
            MomentumFollower(
                look_rate=float(v["momentum_look_rate"]),
                lookback_s=float(v["momentum_lookback_s"]),
                threshold_ticks=float(v["momentum_threshold_ticks"]),
                size_max=int(v["momentum_size_max"]),
                latency_ns=int(v["momentum_latency_ns"]),
                cooldown_s=float(v["momentum_cooldown_s"]),
            )
        )
    if float(v["value_look_rate"]) > 0:
        participants.append(
            ValueTrader(
                look_rate=float(v["value_look_rate"]),
                edge_ticks=float(v["value_edge_ticks"]),
                size_max=int(v["value_size_max"]),
                latency_ns=int(v["value_latency_ns"]),
            )
        )
    return tuple(participants)


def _instrument(symbol: str, venue: str, v: Mapping[str, ScenarioValue]) -> Instrument:
    fees = FeeSchedule(maker=float(v["maker_fee"]), taker=float(v["taker_fee"]))
    return Instrument(symbol, float(v["tick_size"]), float(v["lot_size"]), venue=venue, fees=fees)


def strategy_latency(v: Mapping[str, ScenarioValue], prefix: str = "") -> StrategyLatency:
    """The strategy's latencies from the ``{prefix}entry_latency_ns`` / ``response`` / ``feed`` parameters."""
    return StrategyLatency(
        entry_ns=int(v[f"{prefix}entry_latency_ns"]),
        response_ns=int(v[f"{prefix}response_latency_ns"]),
        feed_ns=int(v[f"{prefix}feed_latency_ns"]),
    )


def fair_step_ns(v: Mapping[str, ScenarioValue]) -> int:
    """The fair-value path step from the ``fair_step_ms`` parameter (>= 1 ms)."""
    step_ms = int(v["fair_step_ms"])
    if step_ms <= 0:
        raise ValueError(f"fair_step_ms must be >= 1, got {step_ms}")
    return step_ms * _NS_PER_MS


def fair_value_seed(seed: int) -> np.random.SeedSequence:
    """The fair values' random stream: participants draw from ``SeedSequence([seed, owner])`` with owner >= 2,
    so slot 0 is free for fair-value paths (plugin scenarios use it too, to stay reproducible)."""
    return np.random.SeedSequence([seed, 0])


def _gbm(seed: int, duration_s: float, v: Mapping[str, ScenarioValue]) -> FairValuePaths:
    return gbm_fair_values(
        float(v["price"]),
        float(v["volatility"]),
        duration_s + _FAIR_MARGIN_S,
        step_ns=fair_step_ns(v),
        seed=fair_value_seed(seed),
    )


# -- the scenarios --------------------------------------------------------------------------------------------
def _build_single(name: str) -> Builder:
    def build(seed: int, duration_s: float, v: Mapping[str, ScenarioValue]) -> SimulatedVenue:
        venue = VenueSpec("sim", strategy_latency(v), int(v["message_service_ns"]))
        market = MarketSpec(_instrument("SIM", "sim", v), _participants(v))
        return SimulatedVenue(
            [market],
            [venue],
            _gbm(seed, duration_s, v),
            seed=seed,
            duration_s=duration_s,
            name=f"simulated:{name}",
            record=bool(v["record"]),
        )

    return build


def _build_pair(seed: int, duration_s: float, v: Mapping[str, ScenarioValue]) -> SimulatedVenue:
    from hft_core.flow.paths import cointegrated_paths  # numba/scipy: only this scenario pays for the import

    price_a, price_b = float(v["price"]), float(v["price_b"])
    hedge_ratio = float(v["hedge_ratio"])
    half_life = float(v["spread_half_life_s"])
    if not half_life > 0:
        raise ValueError(f"spread_half_life_s must be > 0, got {half_life}")
    kappa = math.log(2.0) / half_life
    step_ns = fair_step_ns(v)
    horizon_s = duration_s + _FAIR_MARGIN_S
    paths = cointegrated_paths(
        price_a,
        0.0,
        float(v["volatility"]),
        [hedge_ratio],
        kappa,
        float(v["spread_std"]) * math.sqrt(2.0 * kappa),
        horizon_s,
        math.ceil(horizon_s * 1e9 / step_ns),
        intercept=math.log(price_b) - hedge_ratio * math.log(price_a),
        seed=fair_value_seed(seed),
    )
    fair_values = FairValuePaths(np.stack([paths.legs[0, :, 0], paths.target[0]]), step_ns)
    venue = VenueSpec("sim", strategy_latency(v), int(v["message_service_ns"]))
    markets = [
        MarketSpec(_instrument("SIMA", "sim", v), _participants(v), fair_value=0),
        MarketSpec(_instrument("SIMB", "sim", v), _participants(v), fair_value=1),
    ]
    return SimulatedVenue(
        markets,
        [venue],
        fair_values,
        seed=seed,
        duration_s=duration_s,
        name="simulated:cointegrated-pair",
        record=bool(v["record"]),
    )


def _build_two_venues(seed: int, duration_s: float, v: Mapping[str, ScenarioValue]) -> SimulatedVenue:
    service_ns = int(v["message_service_ns"])
    venues = [
        VenueSpec("fast", strategy_latency(v), service_ns),
        VenueSpec("slow", strategy_latency(v, "slow_"), service_ns),
    ]
    participants = _participants(v)
    markets = [
        MarketSpec(_instrument("SIM", "fast", v), participants),
        MarketSpec(_instrument("SIM", "slow", v), participants, fair_delay_ns=int(v["slow_fair_delay_ns"])),
    ]
    return SimulatedVenue(
        markets,
        venues,
        _gbm(seed, duration_s, v),
        seed=seed,
        duration_s=duration_s,
        name="simulated:two-venues",
        record=bool(v["record"]),
    )


_PAIR_PARAMETERS = (
    *_market_parameters(),
    _p("price_b", 50.0, "starting fair price of the second instrument"),
    _p("hedge_ratio", 1.0, "b in ln B = c + b·ln A + spread"),
    _p("spread_half_life_s", 30.0, "half-life of the OU log-spread"),
    _p("spread_std", 0.001, "stationary standard deviation of the log-spread"),
)

_TWO_VENUE_PARAMETERS = (
    *_market_parameters(entry_latency_ns=10_000, response_latency_ns=10_000, feed_latency_ns=10_000),
    _p("slow_entry_latency_ns", 300_000, "strategy order entry latency to the slow venue"),
    _p("slow_response_latency_ns", 300_000, "strategy response latency from the slow venue"),
    _p("slow_feed_latency_ns", 300_000, "strategy market-data latency from the slow venue"),
    _p("slow_fair_delay_ns", 5_000_000, "how late the slow venue's participants see the fair value"),
)

_REACTIVE_PARAMETERS = _market_parameters(
    message_service_ns=1_000,
    lp_fair_weight=0.2,
    noise_hawkes_branching=0.5,
    imbalance_look_rate=50.0,
    imbalance_threshold=0.3,
    imbalance_take_probability=0.8,
    imbalance_size_max=20,
    imbalance_latency_ns=100_000,
    imbalance_cooldown_s=0.2,
    momentum_look_rate=50.0,
    momentum_lookback_s=0.5,
    momentum_threshold_ticks=2.0,
    momentum_size_max=20,
    momentum_latency_ns=200_000,
    momentum_cooldown_s=0.2,
)

SCENARIOS: Mapping[str, Scenario] = MappingProxyType(
    {
        scenario.name: scenario
        for scenario in (
            Scenario(
                "single-instrument",
                "one instrument near 100 (tick 0.01, lot 1): liquidity providers around a GBM fair value, Poisson "
                "noise takers, mild imbalance and momentum followers, a value trader",
                _market_parameters(),
                _build_single("single-instrument"),
            ),
            Scenario(
                "cointegrated-pair",
                "two instruments (SIMA near 100, SIMB near 50) whose fair values are cointegrated in logs "
                "with an OU spread; each has the single-instrument participants",
                _PAIR_PARAMETERS,
                _build_pair,
            ),
            Scenario(
                "two-venues",
                "one instrument on a fast venue (index 0) and a slow venue (index 1) whose participants see the "
                "fair value late and whose strategy latencies are longer",
                _TWO_VENUE_PARAMETERS,
                _build_two_venues,
            ),
            Scenario(
                "reactive",
                "one instrument with strong imbalance and momentum followers, clustered (Hawkes) noise and a "
                "1 µs/message gateway: the stage for the manipulation studies",
                _REACTIVE_PARAMETERS,
                _build_single("reactive"),
            ),
        )
    }
)
"""Every named scenario, by name."""


def scenario_names() -> tuple[str, ...]:
    """The registered scenario names, sorted."""
    return tuple(sorted(SCENARIOS))


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name``, or a `ConfigError` listing the known ones."""
    scenario = SCENARIOS.get(name)
    if scenario is None:
        raise ConfigError(f"unknown market scenario {name!r}; known scenarios: {', '.join(scenario_names())}")
    return scenario


def create_scenario(
    name: str, *, seed: int, duration_s: float = DEFAULT_DURATION_S, **overrides: object
) -> SimulatedVenue:
    """A fresh `SimulatedVenue` of scenario ``name`` (overrides by parameter key)."""
    return get_scenario(name)(seed, duration_s, **overrides)
