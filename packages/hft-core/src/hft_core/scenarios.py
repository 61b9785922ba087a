"""Named simulated markets (scenarios): what a plugin declares, and hft-core's own, registered the same way.

A `Scenario` is declarative, like a `Pattern`: a name, a summary, its config class (a `hft_core.knobs.Config`
whose fields are the market's knobs), the scenario's own defaults for some of those knobs, and a builder
``(seed, duration_s, values) -> Venue`` named by a lazy ``"module:function"`` import string, so declaring and
listing scenarios imports no numeric code. ``values`` maps every knob name to its resolved value.

hft-core's built-in markets are provided by the plugin module `hft_core.builtin`, through the same
``hft_register_scenarios`` hook as any other package's; the plugin host always loads it first.

- ``single-instrument``: the default market of ``hft run`` — one instrument near 100 with a 0.01 tick.
- ``btcusdt-perp``: ``single-instrument``'s participants with every knob from the shipped calibration to the
  shared Binance BTCUSDT perpetual capture (`CALIBRATED_MARKET`, written by ``scripts/calibrate_defaults.py``):
  the market a pattern defaults to when its result should be honest about adverse selection (passive-mm).
- ``cointegrated-pair``: two instruments whose fair values are cointegrated in logs (for pairs trading).
- ``two-venues``: one instrument on a fast and a slow venue (for latency arbitrage).
- ``reactive``: strong imbalance and momentum followers, clustered noise and a light message-rate model (for the
  manipulation studies of ``hft-gated-manipulative`` and the surveillance detectors).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from hft_core.errors import ConfigError
from hft_core.knobs import Config, KnobSpec
from hft_core.markets import MarketConfig, PairMarketConfig, TwoVenueMarketConfig
from hft_core.patterns import load_config_class, load_object

if TYPE_CHECKING:
    from hft_core.venues.base import Venue

__all__ = [
    "BUILTIN_SCENARIOS",
    "CALIBRATED_MARKET",
    "DEFAULT_DURATION_S",
    "DEFAULT_SCENARIO",
    "Scenario",
    "ScenarioBuilder",
    "calibrated_defaults",
]

DEFAULT_SCENARIO = "single-instrument"
"""The market ``hft run`` uses when a pattern names no other."""

DEFAULT_DURATION_S = 300.0
"""Five minutes of market time: a few seconds of wall time for the default scenario."""

ScenarioBuilder = Callable[[int, float, Mapping[str, Any]], "Venue"]
"""Builds a fresh venue from a seed, a duration in seconds and every knob's resolved value."""

_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named simulated market: call it with a seed, a duration and knob overrides to get a fresh venue."""

    name: str
    summary: str
    config: str | type[Config]
    builder: str | ScenarioBuilder
    defaults: Mapping[str, bool | int | float | str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if not _NAME_RE.match(self.name):
            raise ValueError(f"scenario name {self.name!r} must be kebab-case")
        if not self.summary.strip():
            raise ValueError(f"scenario {self.name!r} needs a one-line summary")
        if isinstance(self.defaults, dict):  # (a caller's dict: frozen as it is now; other mappings are read-only)
            object.__setattr__(self, "defaults", MappingProxyType(dict(self.defaults)))

    def config_class(self) -> type[Config]:
        """The config class (imported on first use)."""
        return load_config_class(self.config, f"scenario {self.name!r}")

    def knobs(self) -> tuple[KnobSpec, ...]:
        """The market's knobs, with this scenario's defaults (see `base`)."""
        base = self.base()
        return tuple(dataclasses.replace(spec, default=getattr(base, spec.name)) for spec in base.knobs())

    def base(self) -> Config:
        """The config at this scenario's defaults."""
        return self.config_class()().updated(self.defaults, source=f"scenario {self.name!r} defaults")

    def resolve(
        self,
        *layers: Mapping[str, object],
        assignments: Iterable[str] = (),
        source: str = "",
    ) -> Config:
        """The config at this scenario's defaults, then each mapping of values, then ``KEY=VALUE`` texts."""
        config = self.base()
        owner = f"scenario {self.name!r}"
        for layer in layers:
            config = config.updated(layer, source=source or owner, owner=owner)
        return config.updated(assignments=assignments, source=source or owner, owner=owner, prefix="scenario.")

    def venue(self, seed: int, duration_s: float, config: Config) -> Venue:
        """A fresh venue of this market for ``config`` (an instance of the scenario's config class)."""
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ConfigError(f"scenario {self.name!r}: seed must be an integer >= 0, got {seed!r}")
        if isinstance(duration_s, bool) or not isinstance(duration_s, int | float) or not 0 < duration_s < math.inf:
            raise ConfigError(f"scenario {self.name!r}: duration_s must be a positive number, got {duration_s!r}")
        if not isinstance(config, self.config_class()):
            raise TypeError(f"scenario {self.name!r} needs a {self.config_class().__name__}")
        builder: ScenarioBuilder = load_object(self.builder, f"scenario {self.name!r} builder")  # type: ignore[arg-type]
        values = {spec.name: getattr(config, spec.name) for spec in config.knobs()}
        try:
            return builder(seed, float(duration_s), values)
        except ValueError as error:
            if isinstance(error, ConfigError):
                raise
            raise ConfigError(f"scenario {self.name!r}: {error}") from error

    def __call__(self, seed: int, duration_s: float = DEFAULT_DURATION_S, **overrides: object) -> Venue:
        """A fresh venue with ``overrides`` (knob values) applied to this scenario's defaults."""
        return self.venue(seed, duration_s, self.resolve(overrides))


_BUILDERS = "hft_core.venues.simulated.scenarios"

CALIBRATED_MARKET = "calibration/binance_btcusdt_perp.toml"
"""The calibrated market's file inside the ``hft_core`` package: ``hft calibrate``'s output for the shared Binance
BTCUSDT perpetual capture (regenerated by ``scripts/calibrate_defaults.py``). Its ``[scenario]`` table is the one
declaration of the ``btcusdt-perp`` scenario's values."""


def calibrated_defaults(resource: str = CALIBRATED_MARKET) -> dict[str, bool | int | float | str]:
    """The ``[scenario]`` table of a calibration file shipped in ``hft_core`` (``resource``, relative to it)."""
    import tomllib

    text = resources.files("hft_core").joinpath(resource).read_text(encoding="utf-8")
    table = tomllib.loads(text).get("scenario")
    if not isinstance(table, dict) or not table:
        raise ValueError(f"hft_core/{resource}: no [scenario] table")
    return dict(table)


class _CalibratedDefaults(Mapping[str, bool | int | float | str]):
    """A calibration file's ``[scenario]`` table, read on first use (listing the scenarios, as ``hft --help`` and
    ``hft list`` do, reads no file)."""

    def __init__(self, resource: str) -> None:
        self._resource = resource
        self._table: dict[str, bool | int | float | str] | None = None

    def _values(self) -> dict[str, bool | int | float | str]:
        if self._table is None:
            self._table = calibrated_defaults(self._resource)
        return self._table

    def __getitem__(self, key: str) -> bool | int | float | str:
        return self._values()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())


BUILTIN_SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "single-instrument",
        "one instrument near 100 (tick 0.01, lot 1): liquidity providers around a GBM fair value, Poisson noise "
        "takers, mild imbalance and momentum followers, a value trader",
        MarketConfig,
        f"{_BUILDERS}:build_single_instrument",
    ),
    Scenario(
        "btcusdt-perp",
        "one instrument calibrated to the shared Binance BTCUSDT perpetual capture: Hawkes noise takers and informed "
        f"takers that pick off stale quotes, every knob (price, tick, lot, ...) from hft_core/{CALIBRATED_MARKET}",
        MarketConfig,
        f"{_BUILDERS}:build_btcusdt_perp",
        defaults=_CalibratedDefaults(CALIBRATED_MARKET),
    ),
    Scenario(
        "cointegrated-pair",
        "two instruments (SIMA near 100, SIMB near 50) whose fair values are cointegrated in logs with an OU "
        "spread; each has the single-instrument participants",
        PairMarketConfig,
        f"{_BUILDERS}:build_cointegrated_pair",
    ),
    Scenario(
        "two-venues",
        "one instrument on a fast venue (index 0) and a slow venue (index 1) whose participants see the fair "
        "value late and whose strategy latencies are longer",
        TwoVenueMarketConfig,
        f"{_BUILDERS}:build_two_venues",
        defaults={"entry_latency_ns": 10_000, "response_latency_ns": 10_000, "feed_latency_ns": 10_000},
    ),
    Scenario(
        "reactive",
        "one instrument with strong imbalance and momentum followers, clustered (Hawkes) noise and a 1 µs/message "
        "gateway: the stage for the manipulation studies",
        MarketConfig,
        f"{_BUILDERS}:build_reactive",
        defaults={
            "message_service_ns": 1_000,
            "lp_fair_weight": 0.2,
            "noise_hawkes_branching": 0.5,
            "imbalance_look_rate": 50.0,
            "imbalance_threshold": 0.3,
            "imbalance_take_probability": 0.8,
            "imbalance_size_max": 20,
            "imbalance_latency_ns": 100_000,
            "imbalance_cooldown_s": 0.2,
            "momentum_look_rate": 50.0,
            "momentum_lookback_s": 0.5,
            "momentum_threshold_ticks": 2.0,
            "momentum_size_max": 20,
            "momentum_latency_ns": 200_000,
            "momentum_cooldown_s": 0.2,
        },
    ),
)
"""hft-core's own markets, registered by `hft_core.builtin` like any plugin's."""
