"""The plugin host: finds plugins through entry points, loads them tolerantly, and indexes their patterns.

Discovery reads only installed metadata (entry points), so listing plugins imports no plugin code. Loading is
tolerant: a plugin that fails to import or breaks the contract is recorded as broken with the reason and the
rest still load; ``HFT_STRICT_PLUGINS=1`` (or ``strict=True``) turns that into an error. ``HFT_DISABLE_PLUGINS``
names plugins (comma-separated) that are not loaded at all.

Gating: a distribution may declare, in the ``hft.gate`` entry-point group, that its plugin needs a flag
(``my-plugin = "educational"``), and list the pattern names it would provide in ``hft.gate.patterns``
(``spoofing = "my-plugin"``). Without the flag such a plugin is never imported; it is listed as locked.
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import Literal

import pluggy

from hft_core.errors import ConfigError, PluginError, UnknownPatternError
from hft_core.gate import GateError, educational_enabled, unlock_hint
from hft_core.hookspecs import PROJECT_NAME, HookSpecs
from hft_core.patterns import Pattern
from hft_core.scenarios import Scenario

__all__ = [
    "DISABLE_ENV",
    "ENTRY_POINT_GROUP",
    "GATED_PATTERNS_GROUP",
    "GATE_GROUP",
    "STRICT_ENV",
    "PluginHost",
    "PluginRecord",
    "PluginStatus",
    "installed_pattern_packages",
]

ENTRY_POINT_GROUP = "hft"
GATE_GROUP = "hft.gate"
GATED_PATTERNS_GROUP = "hft.gate.patterns"
STRICT_ENV = "HFT_STRICT_PLUGINS"
DISABLE_ENV = "HFT_DISABLE_PLUGINS"

PluginStatus = Literal["ok", "locked", "broken", "disabled"]
_KNOWN_FLAGS = frozenset({"educational"})


@dataclass(frozen=True)
class PluginRecord:
    """One installed plugin as the host sees it."""

    name: str
    package: str
    version: str
    status: PluginStatus
    patterns: tuple[Pattern, ...] = ()
    scenarios: tuple[str, ...] = ()
    locked_patterns: tuple[str, ...] = ()
    error: str | None = None
    required_flag: str | None = None


@dataclass(frozen=True)
class _Candidate:
    name: str
    package: str
    version: str
    entry_point: EntryPoint | None = None
    module: ModuleType | object | None = None
    required_flag: str | None = None
    locked_patterns: tuple[str, ...] = field(default=())


_VERSION_LINE = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.MULTILINE)


def _source_version(ep: EntryPoint) -> str | None:
    """The version in the plugin package's ``__about__.py``, read without importing anything.

    Editable installs keep the metadata version of the day they were installed; the source file is what
    ``hatch version`` bumps, so it is the truth when present.
    """
    top = ep.value.split(":")[0].strip().split(".")[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        about = Path(location) / "__about__.py"
        if about.is_file():
            match = _VERSION_LINE.search(about.read_text(encoding="utf-8"))
            if match:
                return match.group(1)
    return None


def _dist_name_version(ep: EntryPoint) -> tuple[str, str]:
    dist = ep.dist
    if dist is None:
        return ("?", "?")
    return (str(dist.metadata["Name"]), _source_version(ep) or dist.version)


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _discover(disabled: frozenset[str]) -> list[_Candidate]:
    gates = {ep.name: ep.value.strip() for ep in entry_points(group=GATE_GROUP)}
    locked: dict[str, list[str]] = {}
    for ep in entry_points(group=GATED_PATTERNS_GROUP):
        locked.setdefault(ep.value.strip(), []).append(ep.name)
    found = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        package, version = _dist_name_version(ep)
        found.append(
            _Candidate(
                name=ep.name,
                package=package,
                version=version,
                entry_point=ep,
                required_flag=gates.get(ep.name),
                locked_patterns=tuple(sorted(locked.get(ep.name, ()))),
            )
        )
    return found


def builtin_module() -> ModuleType:
    """hft-core's own plugin module (`hft_core.builtin`), which the host always loads first and never disables."""
    from hft_core import builtin

    return builtin


def installed_pattern_packages() -> list[tuple[str, str]]:
    """(distribution, version) of every installed plugin package, from metadata only (no imports)."""
    seen = {_dist_name_version(ep) for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return sorted(seen)


class PluginHost:
    """Loads plugins and answers "which patterns exist, and where did each come from?".

    ``extra`` registers in-process plugins (objects or modules with hook implementations) by name, which is
    how notebooks and tests add a pattern without packaging it.
    """

    def __init__(
        self,
        *,
        strict: bool | None = None,
        disabled: Iterable[str] | None = None,
        educational: bool | None = None,
        extra: Sequence[tuple[str, object]] = (),
        discover: bool = True,
    ) -> None:
        self.strict = _env_flag(STRICT_ENV) if strict is None else strict
        if disabled is None:
            disabled = (n.strip() for n in os.environ.get(DISABLE_ENV, "").split(","))
        self.disabled = frozenset(n for n in disabled if n)
        self.educational = educational_enabled() if educational is None else educational
        self._manager = pluggy.PluginManager(PROJECT_NAME)
        self._manager.add_hookspecs(HookSpecs)
        from hft_core.__about__ import __version__

        builtin = builtin_module()
        self._candidates = [
            _Candidate(name=builtin.PLUGIN_NAME, package="hft-core", version=__version__, module=builtin)
        ]
        self._candidates += _discover(self.disabled) if discover else []
        self._candidates += [_Candidate(name=n, package="(in-process)", version="", module=m) for n, m in extra]
        self._records: list[PluginRecord] | None = None
        self._patterns: dict[str, Pattern] = {}
        self._scenarios: dict[str, tuple[str, Scenario]] = {}

    # -- loading --------------------------------------------------------------------------------------------
    def records(self) -> list[PluginRecord]:
        """Every plugin with its status, loading them on first use."""
        if self._records is None:
            self._records = [self._load(c) for c in self._candidates]
        return self._records

    def _fail(self, candidate: _Candidate, why: str) -> PluginRecord:
        if self.strict:
            raise PluginError(f"plugin {candidate.name!r} ({candidate.package}) failed to load: {why}")
        return PluginRecord(candidate.name, candidate.package, candidate.version, "broken", error=why)

    def _load(self, candidate: _Candidate) -> PluginRecord:
        if candidate.name in self.disabled and candidate.module is not builtin_module():
            return PluginRecord(
                candidate.name, candidate.package, candidate.version, "disabled", error=f"disabled by {DISABLE_ENV}"
            )
        flag = candidate.required_flag
        if flag is not None and flag not in _KNOWN_FLAGS:
            return self._fail(candidate, f"requires unknown flag {flag!r} (known: {', '.join(sorted(_KNOWN_FLAGS))})")
        if flag == "educational" and not self.educational:
            return PluginRecord(
                candidate.name,
                candidate.package,
                candidate.version,
                "locked",
                locked_patterns=candidate.locked_patterns,
                error=unlock_hint(f"plugin {candidate.name!r}"),
                required_flag=flag,
            )
        try:
            module = candidate.module if candidate.entry_point is None else candidate.entry_point.load()
        except GateError as exc:
            return self._fail(candidate, f"refused to import: {exc}")
        except Exception as exc:  # a plugin's import can fail in any way; it must not take the host down
            return self._fail(candidate, f"import failed: {type(exc).__name__}: {exc}")
        try:
            self._manager.register(module, name=candidate.name)
            patterns = self._collect(candidate.name, "hft_register_patterns")
            scenarios = self._collect(candidate.name, "hft_register_scenarios")
        except Exception as exc:  # a broken hook implementation is that plugin's problem, not the host's
            self._manager.unregister(name=candidate.name)
            return self._fail(candidate, f"{type(exc).__name__}: {exc}")
        problem = self._check_contributions(patterns, scenarios)
        if problem is not None:
            self._manager.unregister(name=candidate.name)
            return self._fail(candidate, problem)
        checked = [p.with_origin(candidate.package, candidate.version) for p in patterns if isinstance(p, Pattern)]
        declared = [sc for sc in scenarios if isinstance(sc, Scenario)]
        for pattern in checked:
            self._patterns[pattern.name] = pattern
        for scenario in declared:
            self._scenarios[scenario.name] = (candidate.package, scenario)
        return PluginRecord(
            candidate.name,
            candidate.package,
            candidate.version,
            "ok",
            patterns=tuple(checked),
            scenarios=tuple(sc.name for sc in declared),
            required_flag=flag,
        )

    def _collect(self, plugin_name: str, hook_name: str) -> list[object]:
        """Everything one plugin's implementations of ``hook_name`` return (an empty list if it has none)."""
        collected: list[object] = []
        for impl in getattr(self._manager.hook, hook_name).get_hookimpls():
            if impl.plugin_name == plugin_name:
                returned = impl.function()
                if not isinstance(returned, list | tuple):
                    raise TypeError(f"{hook_name} must return a list, got {type(returned).__name__}")
                collected.extend(returned)
        return collected

    def _check_contributions(self, patterns: list[object], scenarios: list[object]) -> str | None:
        """Why a plugin's patterns or scenarios cannot be accepted, or None.

        Each config class is imported and its knobs derived here, so a config that fails to import, or a field
        without a `Knob`, makes the plugin broken when it loads rather than when a run starts.
        """
        for pattern in patterns:
            if not isinstance(pattern, Pattern):
                return f"hft_register_patterns returned {type(pattern).__name__}, not Pattern"
            owner = self._patterns.get(pattern.name)
            if owner is not None:
                return f"pattern {pattern.name!r} is already provided by {owner.package}"
            try:
                pattern.knobs()
            except Exception as exc:  # any import or declaration error of the config is the plugin's problem
                return f"pattern {pattern.name!r}: config: {type(exc).__name__}: {exc}"
        for scenario in scenarios:
            if not isinstance(scenario, Scenario):
                return f"hft_register_scenarios returned {type(scenario).__name__}, not Scenario"
            if scenario.name in self._scenarios:
                return f"scenario {scenario.name!r} is already provided by {self._scenarios[scenario.name][0]}"
            try:
                scenario.knobs()
            except Exception as exc:  # as for patterns
                return f"scenario {scenario.name!r}: config: {type(exc).__name__}: {exc}"
        return None

    # -- queries --------------------------------------------------------------------------------------------
    def patterns(self) -> dict[str, Pattern]:
        """Every loaded pattern by name."""
        self.records()
        return dict(self._patterns)

    def scenarios(self) -> dict[str, Scenario]:
        """Every loaded scenario by name, hft-core's built-in ones first."""
        self.records()
        return {name: scenario for name, (_, scenario) in self._scenarios.items()}

    def scenario(self, name: str) -> Scenario:
        """The simulated-market scenario ``name`` (built into hft-core or provided by a plugin), or a `ConfigError`."""
        found = self.scenarios().get(name)
        if found is not None:
            return found
        close = difflib.get_close_matches(name, list(self._scenarios), n=3, cutoff=0.5)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        known = ", ".join(sorted(self._scenarios))
        raise ConfigError(f"unknown market scenario {name!r}{hint}; known scenarios: {known}")

    def get(self, name: str) -> Pattern:
        """The pattern called ``name``, or an error that says why it is not available and what is close."""
        found = self.patterns().get(name)
        if found is not None:
            return found
        for record in self.records():
            if record.status == "locked" and name in record.locked_patterns:
                raise UnknownPatternError(unlock_hint(f"pattern {name!r} (from {record.package})"))
        candidates = list(self._patterns)
        for record in self.records():
            candidates.extend(record.locked_patterns)
        close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        available = ", ".join(sorted(self._patterns)) or "none installed"
        raise UnknownPatternError(f"unknown pattern {name!r}.{hint} Available: {available}. See 'hft list'.")
