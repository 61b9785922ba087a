"""Registers the four educational patterns (entry-point group ``hft``).

The host imports this module only with the educational flag (the ``hft.gate`` entry point says so); importing it
without the flag fails anyway, because the package's ``__init__`` checks the flag first.

Each pattern names its config class (`hft_gated_manipulative.config`) and its strategy class by import string:
listing and describing the patterns loads no strategy code; a run builds the strategy with its typed config.
"""

from __future__ import annotations

from hft_core import Pattern, hookimpl

from hft_gated_manipulative.config import IGNITION_SCENARIO_PARAMS, STUFFING_SCENARIO_PARAMS

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

SPOOFING = Pattern(
    name="spoofing",
    summary="Educational, simulator-only: large orders cancelled before execution to move a genuine order.",
    description=_WARNING
    + "A small genuine order rests at the touch; a large order on the other side tilts the book imbalance the "
    "imbalance followers trade on; the spoof is cancelled as soon as the genuine order fills.",
    config="hft_gated_manipulative.config:SpoofingConfig",
    strategy="hft_gated_manipulative.spoofing:Spoofing",
    default_scenario="reactive",
    references=REFERENCES,
)

LAYERING = Pattern(
    name="layering",
    summary="Educational, simulator-only: spoof orders layered over several price levels, then cancelled.",
    description=_WARNING + "Spoofing with the spoof size spread over several price levels one tick apart.",
    config="hft_gated_manipulative.config:LayeringConfig",
    strategy="hft_gated_manipulative.spoofing:Layering",
    default_scenario="reactive",
    references=REFERENCES,
)

MOMENTUM_IGNITION = Pattern(
    name="momentum-ignition",
    summary="Educational, simulator-only: an aggressive burst to trigger momentum followers, then an unwind.",
    description=_WARNING
    + "Market orders sweep the book and move the mid; the momentum crowd chases the move; the strategy unwinds "
    "its position into their orders. Runs on 'reactive' with a crowd of momentum followers (scenario settings).",
    config="hft_gated_manipulative.config:MomentumIgnitionConfig",
    strategy="hft_gated_manipulative.momentum_ignition:MomentumIgnition",
    default_scenario="reactive",
    scenario_params=IGNITION_SCENARIO_PARAMS,
    references=REFERENCES,
)

QUOTE_STUFFING = Pattern(
    name="quote-stuffing",
    summary="Educational, simulator-only: message bursts that delay everyone else at the venue's gateway.",
    description=_WARNING
    + "Bursts of far-away post-only orders, each cancelled on acknowledgement, queue the gateway's single server. "
    "Runs on 'reactive' with a 20 µs/message gateway (scenario setting).",
    config="hft_gated_manipulative.config:QuoteStuffingConfig",
    strategy="hft_gated_manipulative.quote_stuffing:QuoteStuffing",
    default_scenario="reactive",
    scenario_params=STUFFING_SCENARIO_PARAMS,
    references=REFERENCES,
)

PATTERNS = (SPOOFING, LAYERING, MOMENTUM_IGNITION, QUOTE_STUFFING)
"""Every pattern this package provides."""


@hookimpl
def hft_register_patterns() -> list[Pattern]:
    return list(PATTERNS)
