"""The `Pattern` contract: what a plugin hands to hft-core for each strategy pattern it provides.

A pattern is declarative: its name, a one-line summary, typed parameters with defaults and help, a factory that
builds the strategy from resolved parameters, the name of the market scenario it runs on by default, and the
literature it implements. The plugin manager fills in the distribution and version it came from. Nothing here
imports numpy, so listing patterns stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["ParamValue", "Parameter", "Pattern", "StrategyFactory"]

ParamValue = bool | int | float | str
"""The value types a pattern parameter may take (they round-trip through TOML and `--set`)."""

StrategyFactory = Callable[[Mapping[str, Any]], Any]
"""Builds a strategy object (see `hft_core.strategy.Strategy`) from the resolved parameters."""

_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_PARAM_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Parameter:
    """One typed, documented knob of a pattern.

    ``kind`` is the Python type of the value (bool, int, float or str); ``choices`` restricts a str or int to a
    fixed set; ``minimum``/``maximum`` bound numbers (inclusive).
    """

    name: str
    kind: type[ParamValue]
    default: ParamValue
    help: str
    choices: tuple[ParamValue, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None

    def __post_init__(self) -> None:
        if not _PARAM_RE.match(self.name):
            raise ValueError(f"parameter name {self.name!r} must be snake_case (a-z, 0-9, _)")
        if self.kind not in (bool, int, float, str):
            raise ValueError(f"parameter {self.name!r}: kind must be bool, int, float or str, not {self.kind!r}")
        if not self.help.strip():
            raise ValueError(f"parameter {self.name!r} needs help text")
        # Imported here to keep the dependency one-way: config validates values, patterns declare them.
        from hft_core.config import check_value

        check_value(self, self.default, source="default")

    @property
    def type_name(self) -> str:
        """The TOML-facing name of ``kind`` (``bool``, ``int``, ``float``, ``str``)."""
        return self.kind.__name__


@dataclass(frozen=True, slots=True)
class Pattern:
    """A strategy pattern as a plugin declares it.

    ``scenario_params`` are the pattern's own defaults for its scenario's parameters (e.g. a coarser tick);
    ``--set scenario.KEY=VALUE`` or a ``[scenario]`` config table override them.
    """

    name: str
    summary: str
    strategy_factory: StrategyFactory
    parameters: tuple[Parameter, ...] = ()
    default_scenario: str = "single-instrument"
    scenario_params: Mapping[str, bool | int | float] = field(default_factory=dict)
    references: tuple[str, ...] = ()
    description: str = ""
    package: str = field(default="", compare=False)
    version: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not _NAME_RE.match(self.name):
            raise ValueError(f"pattern name {self.name!r} must be kebab-case (e.g. 'passive-mm')")
        if not self.summary.strip():
            raise ValueError(f"pattern {self.name!r} needs a one-line summary")
        seen: set[str] = set()
        for param in self.parameters:
            if param.name in seen:
                raise ValueError(f"pattern {self.name!r} declares parameter {param.name!r} twice")
            seen.add(param.name)

    def parameter(self, name: str) -> Parameter | None:
        """The parameter called ``name``, if the pattern has one."""
        return next((p for p in self.parameters if p.name == name), None)

    def defaults(self) -> dict[str, ParamValue]:
        """Every parameter at its default."""
        return {p.name: p.default for p in self.parameters}

    def with_origin(self, package: str, version: str) -> Pattern:
        """A copy that records the distribution (and its version) that provided the pattern."""
        return replace(self, package=package, version=version)
