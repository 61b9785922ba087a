"""The `Pattern` contract: what a plugin hands to hft-core for each strategy pattern it provides.

A pattern is declarative: its name, a one-line summary, its **config class** and its **strategy class** (each a
class or, better, a lazy ``"module:Class"`` import string, so listing patterns imports no numeric code), the
market scenario it runs on by default with the pattern's own defaults for that market, and the literature it
implements. The config class (a frozen `hft_core.knobs.Config` dataclass) is the single declaration of the
pattern's knobs; the strategy class is built with one argument, the resolved config::

    Pattern(
        name="my-idea",
        summary="...",
        config="my_pkg.config:MyIdeaConfig",
        strategy="my_pkg.strategy:MyIdea",   # MyIdea(config: MyIdeaConfig)
    )

The plugin host fills in the distribution and version it came from, and loads the config class when the plugin
loads (a config that fails to import or to describe its knobs makes the plugin broken, with the reason).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import import_module
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from hft_core.knobs import Config, KnobSpec

if TYPE_CHECKING:
    from hft_core.strategy import Strategy

__all__ = ["Pattern", "load_config_class", "load_object"]

_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_IMPORT_RE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")

ScenarioSetting = bool | int | float | str
"""A value a pattern may give one of its scenario's knobs."""


def load_object(target: str | type, what: str) -> Any:
    """``target`` itself, or the object a ``"module:attribute"`` import string names (an `ImportError` if not)."""
    if not isinstance(target, str):
        return target
    module_name, _, attribute = target.partition(":")
    module = import_module(module_name)
    found: Any = module
    for part in attribute.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise ImportError(f"{what} {target!r}: module {module_name!r} has no attribute {attribute!r}") from None
    return found


def load_config_class(target: str | type, owner: str) -> type[Config]:
    """The `Config` subclass ``target`` names (imported on first use), or an error saying what ``owner`` declared."""
    cls = load_object(target, f"{owner} config")
    if not (isinstance(cls, type) and issubclass(cls, Config)):
        raise TypeError(f"{owner}: config {target!r} is not a subclass of hft_core.Config")
    return cls


@dataclass(frozen=True, slots=True)
class Pattern:
    """A strategy pattern as a plugin declares it.

    ``scenario_params`` are the pattern's own defaults for its scenario's knobs (e.g. a coarser tick); a
    ``[scenario]`` config table or ``--set scenario.KEY=VALUE`` override them.
    """

    name: str
    summary: str
    config: str | type[Config]
    strategy: str | type[Strategy]
    default_scenario: str = "single-instrument"
    scenario_params: Mapping[str, ScenarioSetting] = field(default_factory=lambda: MappingProxyType({}))
    references: tuple[str, ...] = ()
    description: str = ""
    package: str = field(default="", compare=False)
    version: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not _NAME_RE.match(self.name):
            raise ValueError(f"pattern name {self.name!r} must be kebab-case (e.g. 'passive-mm')")
        if not self.summary.strip():
            raise ValueError(f"pattern {self.name!r} needs a one-line summary")
        for label, target in (("config", self.config), ("strategy", self.strategy)):
            if isinstance(target, str) and not _IMPORT_RE.match(target):
                raise ValueError(f"pattern {self.name!r}: {label} must be a class or 'module:Class', got {target!r}")
        object.__setattr__(self, "scenario_params", MappingProxyType(dict(self.scenario_params)))

    def config_class(self) -> type[Config]:
        """The config class (imported on first use); a `TypeError` if it is not a `Config` dataclass."""
        return load_config_class(self.config, f"pattern {self.name!r}")

    def strategy_class(self) -> type[Strategy]:
        """The strategy class (imported on first use: this is where numeric code loads)."""
        cls: type[Strategy] = load_object(self.strategy, f"pattern {self.name!r} strategy")
        if not isinstance(cls, type):
            raise TypeError(f"pattern {self.name!r}: strategy {self.strategy!r} is not a class")
        return cls

    def knobs(self) -> tuple[KnobSpec, ...]:
        """The pattern's knobs, derived from its config class."""
        return self.config_class().knobs()

    def defaults(self) -> Config:
        """The config with every knob at its default."""
        return self.config_class()()

    def build(self, config: Config) -> Strategy:
        """A fresh strategy for ``config`` (which must be an instance of this pattern's config class)."""
        cls = self.config_class()
        if not isinstance(config, cls):
            raise TypeError(f"pattern {self.name!r} needs a {cls.__name__}, got {type(config).__name__}")
        return self.strategy_class()(config)  # type: ignore[call-arg]

    def with_origin(self, package: str, version: str) -> Pattern:
        """A copy that records the distribution (and its version) that provided the pattern."""
        return replace(self, package=package, version=version)
