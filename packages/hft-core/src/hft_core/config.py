"""Reading run configuration: TOML files and ``--set key=value`` texts, split into the pattern's knobs, the
market's knobs (``[scenario]``, ``scenario.KEY=VALUE``), a replay venue's knobs (``[venue]``,
``venue.KEY=VALUE``) and the run's own settings (``[run]``).

The values are checked where they are applied, by the knobs they set (`hft_core.knobs.Config.updated`); every
mistake names the key, where it came from (the file, or ``--set``) and what was expected.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hft_core.errors import ConfigError
from hft_core.knobs import split_assignment

__all__ = ["TABLES", "RunSections", "load_toml", "split_run_sections", "split_sections"]

TABLES = ("scenario", "venue", "run")
"""The tables a run config may hold besides the pattern's top-level knobs."""


def load_toml(path: Path) -> dict[str, Any]:
    """Read a TOML config file, with the file and the parser's line/column in any error."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: {exc}") from None


@dataclass(frozen=True, slots=True)
class RunSections:
    """A run config's parts: the pattern's file values and ``--set`` texts, the market's and the replay venue's
    ``--set`` texts (prefix removed) and the file's tables (``scenario``, ``venue``, ``run``)."""

    values: dict[str, Any]
    pattern_assignments: list[str]
    scenario_assignments: list[str]
    venue_assignments: list[str]
    tables: dict[str, Any]


def split_run_sections(file_values: Mapping[str, Any], assignments: Iterable[str], label: str) -> RunSections:
    """Separate a config's parts (see `RunSections`); ``scenario.KEY=VALUE`` and ``venue.KEY=VALUE`` texts go to
    the market and the replay venue."""
    values = dict(file_values)
    tables: dict[str, Any] = {}
    for name in TABLES:
        if name in values:
            table = values.pop(name)
            if not isinstance(table, dict):
                raise ConfigError(f"{label}: {name!r} must be a table ([{name}])")
            tables[name] = table
    pattern_assignments: list[str] = []
    prefixed: dict[str, list[str]] = {"scenario": [], "venue": []}
    for text in assignments:
        key, raw = split_assignment(text)
        prefix, dot, name = key.partition(".")
        if dot and prefix in prefixed:
            if not name:
                raise ConfigError(f"--set {text!r}: expected {prefix}.KEY=VALUE")
            prefixed[prefix].append(f"{name}={raw}")
        else:
            pattern_assignments.append(text)
    return RunSections(values, pattern_assignments, prefixed["scenario"], prefixed["venue"], tables)


def split_sections(
    file_values: Mapping[str, Any], assignments: Iterable[str], label: str
) -> tuple[dict[str, Any], list[str], list[str], dict[str, Any]]:
    """Separate a config's parts: the pattern's file values, its ``--set`` texts, the scenario's ``--set`` texts
    (``scenario.`` removed) and the file's tables (``scenario``, ``venue``, ``run``); `split_run_sections` also
    returns the ``venue.`` texts."""
    found = split_run_sections(file_values, assignments, label)
    return found.values, found.pattern_assignments, found.scenario_assignments, found.tables
