"""Registers the four educational patterns (entry-point group ``hft``).

The host imports this module only with the educational flag (the ``hft.gate`` entry point says so); importing it
without the flag fails anyway, because the package's ``__init__`` checks the flag first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hft_core import Parameter, Pattern, Strategy, hookimpl

from hft_gated_manipulative import momentum_ignition, quote_stuffing
from hft_gated_manipulative.momentum_ignition import MomentumIgnition
from hft_gated_manipulative.quote_stuffing import QuoteStuffing
from hft_gated_manipulative.spoofing import Layering, Spoofing

__all__ = ["LAYERING", "MOMENTUM_IGNITION", "PATTERNS", "QUOTE_STUFFING", "REFERENCES", "SPOOFING"]

REFERENCES = (
    "Commodity Exchange Act §4c(a)(5)(C), 7 U.S.C. §6c(a)(5)(C): spoofing, bidding or offering with the intent "
    "to cancel the bid or offer before execution",
    "CME Group Rule 575 (Disruptive Practices Prohibited): A. orders entered with intent to cancel before "
    "execution; B. orders that mislead; D. messages that overload or delay systems or other participants",
    "hft-patterns docs/manipulation.md and docs/surveillance.md: the measured effects and their detection",
)

_WARNING = (
    "EDUCATIONAL, SIMULATOR-ONLY. Market manipulation is illegal in real markets; this pattern exists to study "
    "how it works and how surveillance detects it. "
)


def _common(interval_s: float, warmup_s: float = 1.0) -> tuple[Parameter, ...]:
    return (
        Parameter("interval_s", float, interval_s, "Seconds between the starts of two episodes.", minimum=0.01),
        Parameter("warmup_s", float, warmup_s, "Seconds before the first episode.", minimum=0.0),
    )


def _spoof_parameters(spoof_qty: float, levels: int) -> tuple[Parameter, ...]:
    return (
        Parameter("genuine_qty", float, 5.0, "Size of the genuine order placed at the touch.", minimum=0.0),
        Parameter("spoof_qty", float, spoof_qty, "Size of each spoof order.", minimum=0.0),
        Parameter("levels", int, levels, "Number of spoof orders, one tick apart.", minimum=1, maximum=20),
        Parameter("spoof_offset_ticks", int, 1, "Ticks behind the best price where the first spoof rests.", minimum=0),
        Parameter(
            "max_episode_s", float, 4.0, "Cancel everything this long after placing it (if not filled).", minimum=0.01
        ),
        Parameter("with_spoof", bool, True, "False places only the genuine orders: the control run."),
        *_common(5.0),
    )


def _build_spoofing(params: Mapping[str, Any]) -> Strategy:
    return Spoofing.from_params(params)


def _build_layering(params: Mapping[str, Any]) -> Strategy:
    return Layering.from_params(params)


def _build_ignition(params: Mapping[str, Any]) -> Strategy:
    return MomentumIgnition.from_params(params)


def _build_stuffing(params: Mapping[str, Any]) -> Strategy:
    return QuoteStuffing.from_params(params)


SPOOFING = Pattern(
    name="spoofing",
    summary="Educational, simulator-only: large orders cancelled before execution to move a genuine order.",
    description=_WARNING
    + "A small genuine order rests at the touch; a large order on the other side tilts the book imbalance the "
    "imbalance followers trade on; the spoof is cancelled as soon as the genuine order fills.",
    strategy_factory=_build_spoofing,
    parameters=_spoof_parameters(500.0, 1),
    default_scenario="reactive",
    references=REFERENCES,
)

LAYERING = Pattern(
    name="layering",
    summary="Educational, simulator-only: spoof orders layered over several price levels, then cancelled.",
    description=_WARNING + "Spoofing with the spoof size spread over several price levels one tick apart.",
    strategy_factory=_build_layering,
    parameters=_spoof_parameters(125.0, 4),
    default_scenario="reactive",
    references=REFERENCES,
)

MOMENTUM_IGNITION = Pattern(
    name="momentum-ignition",
    summary="Educational, simulator-only: an aggressive burst to trigger momentum followers, then an unwind.",
    description=_WARNING
    + "Market orders sweep the book and move the mid; the momentum crowd chases the move; the strategy unwinds "
    "its position into their orders. Runs on 'reactive' with a crowd of momentum followers (scenario settings).",
    strategy_factory=_build_ignition,
    parameters=(
        Parameter("burst_orders", int, 10, "Market orders in one burst.", minimum=1, maximum=100),
        Parameter("burst_qty", float, 20.0, "Size of each burst order.", minimum=0.0),
        Parameter(
            "unwind",
            str,
            "passive",
            "Unwind resting at the touch, or with a market order.",
            choices=("passive", "market"),
        ),
        Parameter("unwind_delay_ms", int, 0, "Milliseconds after the burst before unwinding.", minimum=0),
        Parameter("unwind_timeout_s", float, 3.0, "Close what is left at market after this long.", minimum=0.01),
        *_common(10.0),
    ),
    default_scenario="reactive",
    scenario_params=momentum_ignition.SCENARIO_PARAMS,
    references=REFERENCES,
)

QUOTE_STUFFING = Pattern(
    name="quote-stuffing",
    summary="Educational, simulator-only: message bursts that delay everyone else at the venue's gateway.",
    description=_WARNING
    + "Bursts of far-away post-only orders, each cancelled on acknowledgement, queue the gateway's single server. "
    "Runs on 'reactive' with a 20 µs/message gateway (scenario setting).",
    strategy_factory=_build_stuffing,
    parameters=(
        Parameter("burst_orders", int, 200, "Orders per burst (each is also cancelled: two messages).", minimum=1),
        Parameter("order_qty", float, 1.0, "Size of each stuffing order.", minimum=0.0),
        Parameter("distance_ticks", int, 20, "Ticks behind the best prices, so they never trade.", minimum=1),
        Parameter("burst_interval_s", float, 1.0, "Seconds between bursts.", minimum=0.01),
        Parameter("warmup_s", float, 1.0, "Seconds before the first burst.", minimum=0.0),
    ),
    default_scenario="reactive",
    scenario_params=quote_stuffing.SCENARIO_PARAMS,
    references=REFERENCES,
)

PATTERNS = (SPOOFING, LAYERING, MOMENTUM_IGNITION, QUOTE_STUFFING)
"""Every pattern this package provides."""


@hookimpl
def hft_register_patterns() -> list[Pattern]:
    return list(PATTERNS)
