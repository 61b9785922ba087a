"""The four educational patterns' knobs: one typed declaration each (see `hft_core.Config`).

Knobs that several patterns share are declared once as type aliases (`IntervalS`, `WarmupS`, `TickMs`, and the
spoof knobs that layering inherits from spoofing); each config picks its own default. Sizes are in units of the
instrument (the ``reactive`` market's lot is 1) and distances in ticks, as the strategies place them.

This module sits inside the gated package, so importing it without the educational flag fails like any other
module of the package. It imports no numpy: ``hft --educational info spoofing`` describes the knobs without
loading a strategy. docs/manipulation.md shows the tables (``hft --educational info NAME --markdown``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Annotated, Literal

from hft_core import Config, Knob

__all__ = [
    "IGNITION_SCENARIO_PARAMS",
    "STUFFING_SCENARIO_PARAMS",
    "GenuineQty",
    "IntervalS",
    "LayeringConfig",
    "Levels",
    "MomentumIgnitionConfig",
    "QuoteStuffingConfig",
    "SpoofQty",
    "SpoofingConfig",
    "TickMs",
    "UnwindMode",
    "WarmupS",
]

UnwindMode = Literal["passive", "market"]
"""How momentum ignition closes its position: resting at the touch, or with a market order."""

# -- shared knobs ---------------------------------------------------------------------------------------------------
IntervalS = Annotated[float, Knob("Seconds between the starts of two episodes.", unit="s", ge=0.01)]
WarmupS = Annotated[float, Knob("Seconds before the first episode.", unit="s", ge=0)]
TickMs = Annotated[int, Knob("Decision interval: how often the strategy looks at the market.", unit="ms", ge=1)]
GenuineQty = Annotated[float, Knob("Size of the genuine order placed at the touch (instrument units).", gt=0)]
SpoofQty = Annotated[float, Knob("Size of each spoof order (instrument units).", gt=0)]
Levels = Annotated[int, Knob("Number of spoof orders, one tick apart.", ge=1, le=20)]


@dataclass(frozen=True)
class SpoofingConfig(Config):
    """A genuine order at the touch of one side, spoof orders behind the best price of the other (`Spoofing`)."""

    genuine_qty: GenuineQty = 5.0
    spoof_qty: SpoofQty = 500.0
    levels: Levels = 1
    spoof_offset_ticks: Annotated[
        int, Knob("Ticks behind the best price where the first spoof rests.", unit="ticks", ge=0)
    ] = 1
    max_episode_s: Annotated[
        float, Knob("Cancel everything this long after placing it (if not filled); < interval_s.", unit="s", ge=0.01)
    ] = 4.0
    with_spoof: Annotated[bool, Knob("False places only the genuine orders: the control run.")] = True
    interval_s: IntervalS = 5.0
    warmup_s: WarmupS = 1.0
    tick_ms: TickMs = 10

    def validate(self) -> None:
        if not self.max_episode_s < self.interval_s:
            raise ValueError(f"need max_episode_s < interval_s (got {self.max_episode_s:g}, {self.interval_s:g})")


@dataclass(frozen=True)
class LayeringConfig(SpoofingConfig):
    """Spoofing with the spoof size spread over several price levels at once (`Layering`)."""

    spoof_qty: SpoofQty = 125.0
    levels: Levels = 4


@dataclass(frozen=True)
class MomentumIgnitionConfig(Config):
    """Aggressive bursts that ignite momentum followers, then an unwind into their chase (`MomentumIgnition`)."""

    burst_orders: Annotated[int, Knob("Market orders in one burst.", ge=1, le=100)] = 10
    burst_qty: Annotated[float, Knob("Size of each burst order (instrument units).", gt=0)] = 20.0
    unwind: Annotated[UnwindMode, Knob("Unwind resting at the touch, or with a market order.")] = "passive"
    unwind_delay_ms: Annotated[int, Knob("Time after the burst before unwinding.", unit="ms", ge=0)] = 0
    reprice_ms: Annotated[
        int, Knob("Passive unwind: re-price the resting order to the touch at most this often.", unit="ms", ge=1)
    ] = 50
    unwind_timeout_s: Annotated[
        float, Knob("Close what is left at market after this long; < interval_s.", unit="s", ge=0.01)
    ] = 3.0
    interval_s: IntervalS = 10.0
    warmup_s: WarmupS = 1.0
    tick_ms: TickMs = 10

    def validate(self) -> None:
        if not self.unwind_timeout_s < self.interval_s:
            raise ValueError(f"need unwind_timeout_s < interval_s (got {self.unwind_timeout_s:g}, {self.interval_s:g})")


@dataclass(frozen=True)
class QuoteStuffingConfig(Config):
    """Bursts of far-from-the-touch post-only orders, each cancelled on acknowledgement (`QuoteStuffing`)."""

    burst_orders: Annotated[int, Knob("Orders per burst (each is also cancelled: two messages).", ge=1)] = 200
    order_qty: Annotated[float, Knob("Size of each stuffing order (instrument units).", gt=0)] = 1.0
    distance_ticks: Annotated[
        int, Knob("Ticks behind the best prices, so the orders never trade.", unit="ticks", ge=1)
    ] = 20
    burst_interval_s: Annotated[float, Knob("Seconds between bursts.", unit="s", ge=0.01)] = 1.0
    warmup_s: WarmupS = 1.0
    tick_ms: TickMs = 10


# -- the market settings of two patterns ----------------------------------------------------------------------------
IGNITION_SCENARIO_PARAMS: Mapping[str, bool | int | float] = MappingProxyType(
    {"momentum_size_max": 100, "momentum_cooldown_s": 0.05}
)
"""The ``reactive`` market's settings momentum ignition changes: a momentum crowd rather than one small follower."""

STUFFING_SCENARIO_PARAMS: Mapping[str, bool | int | float] = MappingProxyType({"message_service_ns": 20_000})
"""The ``reactive`` market's settings quote stuffing changes: a 20 µs/message gateway."""
