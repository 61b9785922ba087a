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

__all__ = ["MAX_TOML_BYTES", "TABLES", "RunSections", "load_toml", "split_run_sections", "split_sections"]

TABLES = ("scenario", "venue", "run")
"""The tables a run config may hold besides the pattern's top-level knobs."""


MAX_TOML_BYTES = 4 * 1024 * 1024
"""The largest TOML file read (configs, sweep and exchange files are a few kB): a device such as /dev/zero or a
runaway generated file is refused instead of filling memory."""


def load_toml(path: Path, what: str = "config file") -> dict[str, Any]:
    """Read a TOML file (``what`` names it in messages), with the file and the parser's line/column in any error.

    Refused with a one-line `ConfigError`: a missing path, a directory, anything but a regular file (devices,
    pipes: they may never end), more than `MAX_TOML_BYTES`, text that is not UTF-8, invalid TOML, and tables or
    arrays nested too deeply for the parser.
    """
    try:
        if not path.exists():
            raise ConfigError(f"{path}: {what} not found")
        if path.is_dir():
            raise ConfigError(f"{path}: is a directory, expected a TOML file")
        if not path.is_file():
            raise ConfigError(f"{path}: not a regular file (a device, pipe or socket), expected a TOML file")
        with path.open("rb") as handle:
            data = handle.read(MAX_TOML_BYTES + 1)
        if len(data) > MAX_TOML_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_TOML_BYTES // 2**20} MiB, too large for a {what}")
        return tomllib.loads(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: tables or arrays nested too deeply") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None


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
