"""constraints.txt pins the development environment (#18): every declared third-party dependency has one exact pin,
so CI installs what passed last time; adding a dependency without refreshing the file fails here."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "constraints.txt"
LEFT_OUT = {"torch", "hftbacktest"}  # (scripts/refresh_constraints.py says why)


def _name(requirement: str) -> str:
    bare = re.split(r"[\s\[<>=!~;@]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", bare).lower()


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in CONSTRAINTS.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep and version and name == _name(name), f"not a normalised exact pin: {line!r}"
        assert name not in pins, f"pinned twice: {name}"
        pins[name] = version
    return pins


def _declared() -> set[str]:
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = {_name(r) for r in root["tool"]["hatch"]["envs"]["default"]["dependencies"]}
    for pyproject in (ROOT / "packages").glob("*/pyproject.toml"):
        project = tomllib.loads(pyproject.read_text())["project"]
        declared |= {_name(r) for r in project.get("dependencies", [])}
        for extra in project.get("optional-dependencies", {}).values():
            declared |= {_name(r) for r in extra}
    return {name for name in declared if not name.startswith("hft-")} - LEFT_OUT


def test_every_declared_dependency_is_pinned_exactly_once() -> None:
    pins = _pins()
    missing = sorted(_declared() - set(pins))
    assert not missing, f"not in constraints.txt (run scripts/refresh_constraints.py): {missing}"
    assert list(pins) == sorted(pins)
    assert not any(name.startswith("hft-") or name in LEFT_OUT for name in pins)


def test_ci_installs_through_the_constraints() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert 'export UV_CONSTRAINT="$PWD/constraints.txt"' in script
    assert script.index("UV_CONSTRAINT") < script.index("hatch env create")
