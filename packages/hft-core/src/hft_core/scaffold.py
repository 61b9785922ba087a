"""``hft new-pattern NAME``: write a complete, installable pattern package to start from.

The package follows the pattern contract (`hft_core.patterns`): a pyproject with the ``hft`` entry point and the
hft-core range of the running hft-core's minor version, ``config.py`` (the knobs: a frozen `hft_core.Config`
dataclass with `Distance` and `Size` knobs, so its defaults mean the same on any instrument), ``plugin.py`` (the
`Pattern`, naming config and strategy by import string), ``strategy.py`` (a real minimal strategy built with
its typed config: quote around the mid within a position cap), a test, a README and a CHANGELOG.

Generated inside a hatch workspace whose ``workspace.members`` include the new directory (``packages/*`` in
hft-patterns), the files pass the workspace's ``ruff check``, ``ruff format --check`` and ``mypy --strict`` as
written, and `ScaffoldPlan.next_steps` says how to use the package through ``hatch run``; elsewhere, through
``pip install -e``. Nothing existing is overwritten.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from hft_core.__about__ import __version__ as core_version
from hft_core.errors import ConfigError
from hft_core.rundir import atomic_write_text

__all__ = ["MAX_NAME_LENGTH", "ScaffoldPlan", "core_requirement", "find_workspace", "plan_scaffold", "write_scaffold"]

_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
MAX_NAME_LENGTH = 40
"""Longest pattern name the scaffold takes: its generated lines stay within the workspace's 120 columns."""
_RESERVED = frozenset({"core"})


@dataclass(frozen=True)
class ScaffoldPlan:
    """Where a new pattern package goes, what it is called, and the hatch workspace it joins (if any)."""

    pattern: str
    distribution: str
    module: str
    root: Path
    workspace: Path | None = None
    """The hatch workspace root whose ``workspace.members`` pick up ``root``, or None outside one."""
    cwd: Path | None = None
    """Where the command ran: the next steps name paths relative to it."""

    @property
    def class_prefix(self) -> str:
        """The pattern's name in CamelCase (``my-idea`` -> ``MyIdea``)."""
        return "".join(part.capitalize() for part in self.pattern.split("-"))

    @property
    def strategy_class(self) -> str:
        """The generated strategy class's name."""
        return f"{self.class_prefix}Strategy"

    @property
    def config_class(self) -> str:
        """The generated config class's name."""
        return f"{self.class_prefix}Config"

    def next_steps(self) -> list[str]:
        """What to do after ``hft new-pattern``: the lines it prints, commands that work where the package is."""
        src = self._shown(self.root / "src" / self.module)
        edit = [
            "Then make it yours (docs/plugin-authors.md in hft-patterns describes the pattern contract):",
            f"  {src}/config.py    its knobs",
            f"  {src}/strategy.py  its strategy",
            f"  {src}/plugin.py    its name, summary, scenario and references",
        ]
        if self.workspace is not None:
            go = [] if self.cwd is not None and _same(self.cwd, self.workspace) else [f"  cd {self.workspace}"]
            member = _relative(self.root, self.workspace)
            return [
                f"{member} is a member of the hatch workspace in {self.workspace} (workspace.members), so the",
                "workspace environment installs it on the next 'hatch run'. Next steps:",
                *go,
                *_commented(
                    (f"hatch run hft info {self.pattern}", "its knobs, from config.py"),
                    (f"hatch run hft run {self.pattern} --duration 60", "a run on the simulated market"),
                    (f"hatch run pytest {member}", "its tests"),
                    ("hatch run check", "lint, types and every test of the workspace"),
                ),
                *edit,
            ]
        root = self._shown(self.root)
        return [
            "Next steps (in the Python environment that has hft-core):",
            *_commented(
                (f"pip install -e {root} pytest", "installs it (editable) and its entry point"),
                (f"hft info {self.pattern}", "its knobs, from config.py"),
                (f"hft run {self.pattern} --duration 60", "a run on the simulated market"),
                (f"pytest {root}", "its tests"),
            ),
            *edit,
        ]

    def _shown(self, path: Path) -> str:
        """``path`` relative to where the command ran when it is below it (``./x``: pip reads a path), else absolute."""
        if self.cwd is not None:
            try:
                return f"./{_relative(path, self.cwd)}"
            except ValueError:
                pass
        return str(path)


def _commented(*commands: tuple[str, str]) -> list[str]:
    """Indented command lines with their ``# comments`` lined up."""
    width = max(len(command) for command, _ in commands)
    return [f"  {command.ljust(width)}  # {comment}" for command, comment in commands]


def _same(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def _relative(path: Path, start: Path) -> str:
    """``path`` relative to ``start`` (a `ValueError` if it is not below it), in POSIX form."""
    return path.resolve().relative_to(start.resolve()).as_posix()


def _member_globs(pyproject: Path) -> list[str]:
    """The ``workspace.members`` globs of every hatch environment ``pyproject`` declares."""
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    envs: Any = data.get("tool", {}).get("hatch", {}).get("envs", {})
    globs: list[str] = []
    if not isinstance(envs, dict):
        return globs
    for env in envs.values():
        workspace = env.get("workspace") if isinstance(env, dict) else None
        members = workspace.get("members", []) if isinstance(workspace, dict) else []
        for member in members if isinstance(members, list) else []:
            path = member.get("path") if isinstance(member, dict) else member
            if isinstance(path, str):
                globs.append(path)
    return globs


def _glob_matches(parts: tuple[str, ...], glob: str) -> bool:
    """Whether a relative path (its ``parts``) matches a member glob, part for part (``*`` stays in one part)."""
    pattern = [part for part in glob.split("/") if part not in ("", ".")]
    return len(pattern) == len(parts) and all(fnmatch.fnmatchcase(p, g) for p, g in zip(parts, pattern, strict=True))


def find_workspace(directory: Path) -> Path | None:
    """The root of the hatch workspace whose ``workspace.members`` include ``directory``, or None.

    Looks in ``directory``'s parents for a ``pyproject.toml`` with ``[tool.hatch.envs.*] workspace.members``
    globs (``packages/*``) that match it.
    """
    target = directory.resolve()
    for parent in target.parents:
        pyproject = parent / "pyproject.toml"
        if not pyproject.is_file():
            continue
        parts = target.relative_to(parent).parts
        if any(_glob_matches(parts, glob) for glob in _member_globs(pyproject)):
            return parent
    return None


def plan_scaffold(name: str, directory: Path | None, cwd: Path) -> ScaffoldPlan:
    """Names and location for ``name``: ``packages/hft-<name>`` inside a workspace, else ``./hft-<name>``."""
    pattern = name.removeprefix("hft-")
    if not _NAME.match(pattern):
        raise ConfigError(f"pattern name {name!r} must be kebab-case: lowercase letters, digits and single hyphens")
    if len(pattern) > MAX_NAME_LENGTH:
        raise ConfigError(f"pattern name {name!r} is longer than {MAX_NAME_LENGTH} characters")
    if pattern in _RESERVED:
        raise ConfigError(f"pattern name {name!r} would make the package hft-{pattern}, which hft-patterns uses")
    distribution = f"hft-{pattern}"
    module = distribution.replace("-", "_")
    if directory is None:
        directory = cwd / "packages" if (cwd / "packages").is_dir() else cwd
    root = directory / distribution
    if root.exists():
        raise ConfigError(f"{root} already exists; choose another name or --dir")
    return ScaffoldPlan(pattern, distribution, module, root, workspace=find_workspace(root), cwd=cwd)


def core_requirement(version: str = core_version) -> str:
    """The hft-core requirement of a pattern package written against hft-core ``version``.

    While hft-core is 0.x a minor version may change the plugin API, so the range is that minor version
    (``0.2.1`` -> ``hft-core>=0.2,<0.3``); from 1.0 on, that major version.
    """
    major, minor = (int(part) for part in version.split(".")[:2])
    upper = f"{major + 1}" if major > 0 else f"0.{minor + 1}"
    return f"hft-core>={major}.{minor},<{upper}"


def write_scaffold(plan: ScaffoldPlan) -> list[Path]:
    """Write the package described by ``plan``; returns the files created."""
    values = {
        "pattern": plan.pattern,
        "dist": plan.distribution,
        "module": plan.module,
        "core_requirement": core_requirement(),
        "class_name": plan.strategy_class,
        "config_class": plan.config_class,
        "test_imports": _test_imports(plan),
    }
    files = {
        "pyproject.toml": _PYPROJECT,
        "README.md": _README,
        "CHANGELOG.md": _CHANGELOG,
        f"src/{plan.module}/__init__.py": _INIT,
        f"src/{plan.module}/__about__.py": _ABOUT,
        f"src/{plan.module}/py.typed": "",
        f"src/{plan.module}/config.py": _CONFIG,
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


def _test_imports(plan: ScaffoldPlan) -> str:
    """The test's imports as isort sorts them: the package is not first-party to a test outside it."""
    names = {
        "hft_core": "ConfigError, Distance, Size, backtest",
        f"{plan.module}.config": plan.config_class,
        f"{plan.module}.plugin": "hft_register_patterns",
        f"{plan.module}.strategy": plan.strategy_class,
    }
    return "\n".join(["import pytest", *(f"from {module} import {names[module]}" for module in sorted(names))])


# The templates below are written as the workspace's ruff (line length 120, isort) formats them and as
# mypy --strict accepts them; tests/test_scaffold_package.py checks both on a generated package.

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
classifiers = ["Programming Language :: Python :: 3", "Typing :: Typed"]
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

The `$pattern` pattern for hft-patterns: one post-only bid and ask around the mid, re-quoted every
`interval_ms`, with no side quoted that could take the position past `max_position`.

```console
$$ hft info $pattern                                      # the knobs, their units and bounds
$$ hft run $pattern --set half_spread=3ticks --duration 60
$$ hft info $pattern --toml > $pattern.toml                # a commented starting config
$$ hft run $pattern --config $pattern.toml
```

In a hatch workspace that has this package as a member, prefix the commands with `hatch run`.

From Python:

```python
from hft_core import Distance, backtest
from $module.config import $config_class
from $module.strategy import $class_name

result = backtest($class_name($config_class(half_spread=Distance(3, "ticks"))), duration_s=60.0, seed=1)
result = backtest("$pattern", config={"half_spread": "3ticks"}, seed=1)  # as `hft run` resolves it
```

## Layout

- `src/$module/config.py` — `$config_class`, the knobs: each a field with a `Knob` (help, unit, bounds).
  Distances (`Distance`: `0.05` price units, `"2ticks"`, `"5bp"`) and sizes (`Size`: `1.0` units, `"1lots"`)
  are resolved against the instrument the run trades.
- `src/$module/strategy.py` — `$class_name`, built with a `$config_class`.
- `src/$module/plugin.py` — the `Pattern` that registers both (entry point group `hft`).
- `tests/` — run with `pytest`.

Bump the version with `hatch version minor` (a new knob or behaviour) or `hatch version patch` (a fix), and note
the change in CHANGELOG.md.
"""

_CHANGELOG = """\
# Changelog — $dist

## 0.1.0 — unreleased

- First version, scaffolded by `hft new-pattern $pattern`.
"""

_INIT = '''\
"""$dist: the $pattern pattern.

Its knobs are in `config`, its strategy in `strategy`, and `plugin` registers them with hft.
"""

from $module.__about__ import __version__

__all__ = ["__version__"]
'''

_ABOUT = '''\
"""The $dist version, bumped with `hatch version`."""

__version__ = "0.1.0"
'''

_CONFIG = '''\
"""The $pattern pattern's knobs: one typed declaration each (see `hft_core.Config`).

Distances and sizes carry units, so the defaults mean the same on any instrument: ``"2ticks"``, ``"5bp"`` or
plain price units for a `Distance`; ``"1lots"`` or plain instrument units for a `Size`. This module imports
no numeric code: ``hft info $pattern`` reads it without loading the strategy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from hft_core import Config, Distance, Knob, Size

__all__ = ["$config_class"]


@dataclass(frozen=True)
class $config_class(Config):
    """Quote one bid and one ask around the mid, re-quoting every ``interval_ms``, within a position cap."""

    half_spread: Annotated[Distance, Knob("Quote distance from the mid, rounded away from it to the grid.", gt=0)] = (
        Distance(0.5, "ticks")
    )
    size: Annotated[Size, Knob("Size of each quote.", gt=0)] = Size(1, "lots")
    max_position: Annotated[Size, Knob("Position cap: no quote on a side that could pass it.", gt=0)] = Size(5, "lots")
    interval_ms: Annotated[int, Knob("Time between re-quotes.", unit="ms", ge=1)] = 500

    def validate(self) -> None:
        if self.size.unit == self.max_position.unit and self.max_position.amount < self.size.amount:
            raise ValueError(f"max_position ({self.max_position}) must be >= size ({self.size})")
'''

_PLUGIN = '''\
"""Registers the $pattern pattern with hft (entry point group "hft").

The config and strategy classes are named by import string: listing and describing patterns imports neither
the strategy nor numeric code.
"""

from __future__ import annotations

from hft_core import Pattern, hookimpl

__all__ = ["PATTERN", "hft_register_patterns"]

PATTERN = Pattern(
    name="$pattern",
    summary="Quote around the mid within a position cap (edit me).",
    config="$module.config:$config_class",
    strategy="$module.strategy:$class_name",
    default_scenario="single-instrument",
    references=(),
)


@hookimpl
def hft_register_patterns() -> list[Pattern]:
    return [PATTERN]
'''

_STRATEGY = '''\
"""The $pattern strategy.

It re-quotes around the mid every ``interval_ms``, within a position cap.
"""

from __future__ import annotations

from hft_core import Context, Strategy

from $module.config import $config_class

__all__ = ["$class_name"]


class $class_name(Strategy):
    """Cancel and re-quote one post-only bid and ask ``half_spread`` from the mid every ``interval_ms``.

    ``size`` and ``max_position`` are resolved on the instrument when the run starts, ``half_spread`` at each
    quote (a distance in bp is taken of the current mid).
    """

    def __init__(self, config: $config_class | None = None) -> None:
        self.config = config if config is not None else $config_class()
        self.size = 0.0
        self.max_position = 0.0

    def on_start(self, ctx: Context) -> None:
        instrument = ctx.instrument_spec()
        self.size = self.config.size.qty(instrument.lot_size)
        self.max_position = self.config.max_position.qty(instrument.lot_size)
        ctx.set_timer(self.config.interval_ms / 1000)

    def on_timer(self, ctx: Context) -> None:
        ctx.cancel_all()
        mid = ctx.book().mid
        if mid is None:
            return
        instrument = ctx.instrument_spec()
        half_spread = self.config.half_spread.price(instrument.tick_size, mid)
        # Prices on the instrument's grid, never closer to the mid than half_spread.
        bid = instrument.ticks_to_price(instrument.price_to_ticks(mid - half_spread, "down"))
        ask = instrument.ticks_to_price(instrument.price_to_ticks(mid + half_spread, "up"))
        position = ctx.position()
        if position + self.size <= self.max_position:
            ctx.buy(self.size, bid, tif="post-only")
        if position - self.size >= -self.max_position:
            ctx.sell(self.size, ask, tif="post-only")
'''

_TEST = '''\
"""The $pattern pattern.

Its registration, its knobs, and a run on the simulated market.
"""

from __future__ import annotations

$test_imports


def test_the_plugin_registers_the_pattern() -> None:
    (pattern,) = hft_register_patterns()
    assert pattern.name == "$pattern"
    assert pattern.config_class() is $config_class
    assert pattern.strategy_class() is $class_name
    assert [knob.name for knob in pattern.knobs()] == ["half_spread", "size", "max_position", "interval_ms"]
    assert isinstance(pattern.build(pattern.defaults()), $class_name)


def test_knobs_are_parsed_and_checked() -> None:
    config = $config_class().updated(assignments=["half_spread=3ticks", "size=2lots"])
    assert (config.half_spread, config.size) == (Distance(3, "ticks"), Size(2, "lots"))
    with pytest.raises(ConfigError, match="half_spread"):
        $config_class(half_spread=Distance(0))
    with pytest.raises(ConfigError, match="max_position"):
        $config_class(size=Size(3, "lots"), max_position=Size(2, "lots"))


def test_strategy_trades_within_its_position_cap() -> None:
    config = $config_class(max_position=Size(3, "lots"))
    result = backtest($class_name(config), duration_s=60.0, seed=3)
    assert result.stats["orders"] > 0
    assert result.stats["fills"] > 0
    assert result.stats["max_inventory"] <= 3.0
'''
