"""``hft new-pattern NAME``: write a complete, installable pattern package to start from.

The package has a pyproject with the ``hft`` entry point, a plugin module registering one pattern, a real
minimal strategy (quote around the mid with an inventory cap), a test that runs it on the simulated market,
a README and a CHANGELOG. Nothing existing is overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

from hft_core.__about__ import __version__ as core_version
from hft_core.errors import ConfigError
from hft_core.rundir import atomic_write_text

__all__ = ["ScaffoldPlan", "plan_scaffold", "write_scaffold"]

_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class ScaffoldPlan:
    """Where a new pattern package goes and what it is called."""

    pattern: str
    distribution: str
    module: str
    root: Path


def plan_scaffold(name: str, directory: Path | None, cwd: Path) -> ScaffoldPlan:
    """Names and location for ``name``: ``packages/hft-<name>`` inside a workspace, else ``./hft-<name>``."""
    pattern = name.removeprefix("hft-")
    if not _NAME.match(pattern):
        raise ConfigError(f"pattern name {name!r} must be kebab-case: lowercase letters, digits and single hyphens")
    distribution = f"hft-{pattern}"
    module = distribution.replace("-", "_")
    if directory is None:
        directory = cwd / "packages" if (cwd / "packages").is_dir() else cwd
    root = directory / distribution
    if root.exists():
        raise ConfigError(f"{root} already exists; choose another name or --dir")
    return ScaffoldPlan(pattern, distribution, module, root)


def _core_range() -> str:
    major, minor = (int(part) for part in core_version.split(".")[:2])
    upper = f"{major + 1}" if major > 0 else f"0.{minor + 1}"
    return f"hft-core>={major}.{minor},<{upper}"


def write_scaffold(plan: ScaffoldPlan) -> list[Path]:
    """Write the package described by ``plan``; returns the files created."""
    values = {
        "pattern": plan.pattern,
        "dist": plan.distribution,
        "module": plan.module,
        "core_requirement": _core_range(),
        "class_name": "".join(part.capitalize() for part in plan.pattern.split("-")) + "Strategy",
    }
    files = {
        "pyproject.toml": _PYPROJECT,
        "README.md": _README,
        "CHANGELOG.md": _CHANGELOG,
        f"src/{plan.module}/__init__.py": _INIT,
        f"src/{plan.module}/__about__.py": _ABOUT,
        f"src/{plan.module}/py.typed": "",
        f"src/{plan.module}/plugin.py": _PLUGIN,
        f"src/{plan.module}/strategy.py": _STRATEGY,
        f"tests/test_{plan.module}.py": _TEST,
    }
    written = []
    for relative, template in files.items():
        path = plan.root / relative
        atomic_write_text(path, Template(template).substitute(values))
        written.append(path)
    return written


_PYPROJECT = """\
[build-system]
requires = ["hatchling>=1.27"]
build-backend = "hatchling.build"

[project]
name = "$dist"
dynamic = ["version"]
description = "The $pattern pattern for hft-patterns."
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["$core_requirement"]

[project.entry-points.hft]
$pattern = "$module.plugin"

[tool.hatch.version]
path = "src/$module/__about__.py"

[tool.hatch.build.targets.wheel]
packages = ["src/$module"]
"""

_README = """\
# $dist

The `$pattern` pattern for hft-patterns.

    pip install -e .            # or: pip install $dist
    hft info $pattern
    hft run $pattern --set half_spread=0.05

Edit `src/$module/strategy.py` (the strategy) and `src/$module/plugin.py` (its parameters); run the tests
with `pytest`. Bump the version with `hatch version minor` and note the change in CHANGELOG.md.
"""

_CHANGELOG = """\
# Changelog — $dist

## 0.1.0 — unreleased

- First version, scaffolded by `hft new-pattern $pattern`.
"""

_INIT = '''\
"""$dist: the $pattern pattern."""

from $module.__about__ import __version__
from $module.strategy import $class_name

__all__ = ["$class_name", "__version__"]
'''

_ABOUT = '''\
"""The $dist version, bumped with `hatch version`."""

__version__ = "0.1.0"
'''

_PLUGIN = '''\
"""Registers the $pattern pattern with hft (entry point group "hft")."""

from __future__ import annotations

from hft_core import Parameter, Pattern, hookimpl

from $module.strategy import $class_name


@hookimpl
def hft_register_patterns() -> list[Pattern]:
    return [
        Pattern(
            name="$pattern",
            summary="Quote around the mid with an inventory cap (edit me).",
            strategy_factory=$class_name.from_params,
            parameters=(
                Parameter("half_spread", float, 0.05, "Quote distance from the mid, in price units.", minimum=0),
                Parameter("size", float, 1.0, "Size of each quote.", minimum=0),
                Parameter("max_position", float, 5.0, "Stop quoting the side that would exceed this.", minimum=0),
                Parameter("interval_s", float, 0.5, "Seconds between re-quotes.", minimum=0.001),
            ),
            default_scenario="single-instrument",
            references=(),
        )
    ]
'''

_STRATEGY = '''\
"""The $pattern strategy: re-quote around the mid every interval, within an inventory cap."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hft_core import Context, Strategy


class $class_name(Strategy):
    """Cancel and re-quote one bid and one ask around the mid every ``interval_s`` seconds."""

    def __init__(self, half_spread: float, size: float, max_position: float, interval_s: float) -> None:
        self.half_spread = half_spread
        self.size = size
        self.max_position = max_position
        self.interval_s = interval_s

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> $class_name:
        return cls(
            half_spread=float(params["half_spread"]),
            size=float(params["size"]),
            max_position=float(params["max_position"]),
            interval_s=float(params["interval_s"]),
        )

    def on_start(self, ctx: Context) -> None:
        ctx.set_timer(self.interval_s)

    def on_timer(self, ctx: Context) -> None:
        ctx.cancel_all()
        mid = ctx.book().mid
        if mid is None:
            return
        position = ctx.position()
        if position + self.size <= self.max_position:
            ctx.buy(self.size, mid - self.half_spread, tif="post-only")
        if position - self.size >= -self.max_position:
            ctx.sell(self.size, mid + self.half_spread, tif="post-only")
'''

_TEST = '''\
"""The $pattern pattern registers and runs on the simulated market."""

from __future__ import annotations

from hft_core import backtest
from hft_core.plugins import PluginHost

from $module import plugin
from $module.strategy import $class_name


def test_pattern_is_registered() -> None:
    host = PluginHost(discover=False, extra=[("$pattern", plugin)])
    pattern = host.get("$pattern")
    assert pattern.defaults()["half_spread"] == 0.05


def test_strategy_runs_and_respects_its_inventory_cap() -> None:
    strategy = $class_name(half_spread=0.02, size=1.0, max_position=3.0, interval_s=0.5)
    result = backtest(strategy, duration_s=60.0, seed=3)
    assert len(result.orders) > 0
    assert result.stats["max_inventory"] <= 3.0
    assert set(result.fills.columns) >= {"ts", "side", "price", "qty"}
'''
