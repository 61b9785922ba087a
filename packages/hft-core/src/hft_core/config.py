"""Run configuration: pattern defaults < TOML file < ``--set key=value``, each layer validated.

Every mistake names the key, where it came from (the file, or ``--set``) and the expected type, so a user never
has to read a traceback to fix a config.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hft_core.errors import ConfigError

if TYPE_CHECKING:
    from hft_core.patterns import Parameter, ParamValue, Pattern

__all__ = ["check_value", "load_toml", "parse_assignment", "parse_literal", "resolve_config", "split_sections"]

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def check_value(param: Parameter, value: object, *, source: str) -> ParamValue:
    """``value`` as ``param``'s type, or a `ConfigError` saying why not.

    Ints are accepted for float parameters; bools are never accepted as numbers (TOML keeps them distinct).
    """
    where = f"{source}: " if source else ""
    expected = param.type_name
    if param.kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, param.kind) or (param.kind is not bool and isinstance(value, bool)):
        raise ConfigError(f"{where}{param.name!r} expects {expected}, got {type(value).__name__} {value!r}")
    checked: ParamValue = value
    if isinstance(checked, float) and not math.isfinite(checked):
        raise ConfigError(f"{where}{param.name!r} must be a finite float, got {checked!r}")
    if param.choices is not None and checked not in param.choices:
        options = ", ".join(repr(c) for c in param.choices)
        raise ConfigError(f"{where}{param.name!r} must be one of {options}; got {checked!r}")
    if isinstance(checked, int | float) and not isinstance(checked, bool):
        if param.minimum is not None and checked < param.minimum:
            raise ConfigError(f"{where}{param.name!r} must be >= {param.minimum}, got {checked!r}")
        if param.maximum is not None and checked > param.maximum:
            raise ConfigError(f"{where}{param.name!r} must be <= {param.maximum}, got {checked!r}")
    return checked


def parse_assignment(text: str) -> tuple[str, str]:
    """Split a ``key=value`` command-line assignment."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"--set {text!r}: expected key=value")
    return key, raw.strip()


def _coerce_text(param: Parameter, raw: str, *, source: str) -> ParamValue:
    """Turn a ``--set`` string into ``param``'s type."""
    try:
        if param.kind is bool:
            lowered = raw.lower()
            if lowered in _TRUE:
                return check_value(param, True, source=source)
            if lowered in _FALSE:
                return check_value(param, False, source=source)
            raise ValueError(raw)
        if param.kind is int:
            return check_value(param, int(raw), source=source)
        if param.kind is float:
            return check_value(param, float(raw), source=source)
    except ValueError:
        raise ConfigError(f"{source}: {param.name!r} expects {param.type_name}, got {raw!r}") from None
    return check_value(param, raw, source=source)


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


def _unknown_key(pattern: Pattern, key: str, source: str) -> ConfigError:
    names = [p.name for p in pattern.parameters]
    close = difflib.get_close_matches(key, names, n=3)
    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
    known = ", ".join(names) if names else "none"
    return ConfigError(f"{source}: unknown key {key!r} for pattern {pattern.name!r}{hint}; known parameters: {known}")


def resolve_config(
    pattern: Pattern,
    *,
    file_values: Mapping[str, Any] | None = None,
    file_label: str = "config",
    assignments: Iterable[str] = (),
) -> dict[str, ParamValue]:
    """The pattern's parameters after applying the file's values, then each ``--set key=value`` in order."""
    resolved = pattern.defaults()
    for key, value in (file_values or {}).items():
        param = pattern.parameter(key)
        if param is None:
            raise _unknown_key(pattern, key, file_label)
        if isinstance(value, dict):
            raise ConfigError(f"{file_label}: {key!r} is a table; expected a {param.type_name} value")
        resolved[key] = check_value(param, value, source=file_label)
    for text in assignments:
        key, raw = parse_assignment(text)
        param = pattern.parameter(key)
        if param is None:
            raise _unknown_key(pattern, key, f"--set {text}")
        resolved[key] = _coerce_text(param, raw, source=f"--set {text}")
    return resolved


def parse_literal(raw: str) -> bool | int | float | str:
    """A ``--set`` value whose type is not declared: bool, int or float when it reads as one, else the string."""
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            continue
    return raw


def split_sections(
    file_values: Mapping[str, Any] | None, assignments: Iterable[str], *, file_label: str
) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    """Separate market-scenario settings from pattern parameters.

    A TOML ``[scenario]`` table and ``--set scenario.KEY=VALUE`` go to the scenario (whose own parameters
    validate them); a ``[run]`` table (as written into run directories) is ignored here. Returns the pattern's
    file values, its assignments and the scenario overrides.
    """
    pattern_values = dict(file_values or {})
    scenario: dict[str, Any] = {}
    table = pattern_values.pop("scenario", {})
    pattern_values.pop("run", None)
    if not isinstance(table, dict):
        raise ConfigError(f"{file_label}: 'scenario' must be a table of market-scenario parameters")
    scenario.update(table)
    pattern_assignments = []
    for text in assignments:
        key, raw = parse_assignment(text)
        if key.startswith("scenario."):
            name = key.removeprefix("scenario.")
            if not name:
                raise ConfigError(f"--set {text!r}: expected scenario.KEY=VALUE")
            scenario[name] = parse_literal(raw)
        else:
            pattern_assignments.append(text)
    return pattern_values, pattern_assignments, scenario
