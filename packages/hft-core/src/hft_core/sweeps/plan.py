"""What a sweep runs: its axes (a grid, random draws over ranges, seeds) turned into resolved points.

A sweep is a list of points; each point is one run, resolved by `hft_core.runs.resolve_run` exactly as
``hft run`` resolves it: the base run (``--config``, ``--set``, ``--duration``, ``--data``, ``--numeraire``) with
the point's knob values applied after ``--set`` and the point's seed. Every point is resolved before anything
runs, so a bad knob, value or combination fails up front and names the knob.

A point's **key** is a hash of its `RunSpec.config_toml` (every knob, the market and the ``[run]`` table, seed
included): two points that resolve to the same run share a key (and run once), and a re-run of an interrupted
sweep recognises the points it already has whatever order they come in.

Axes:

- ``--grid KEY=V1,V2,...`` (``scenario.KEY`` for the market): the values as ``--set`` would read them. A distance
  or size axis writes its unit on every value (``1ticks,2ticks``), so ``1,2ticks`` is refused rather than read as
  one price unit and two ticks. The grid is the product of its axes, in the order given.
- ``--random N`` with ``--range KEY=LOW:HIGH[:log]``: N draws, uniform (or log-uniform) within the bounds, from a
  generator seeded by ``--search-seed``, so the same command draws the same points. Integers are drawn inclusive;
  distances and sizes take the unit written on the bounds. Random draws are crossed with the grid, if any.
- ``--seeds 1-20`` (or ``1,3,5-7``): every combination runs once per seed (default: the base run's seed).
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hft_core.errors import ConfigError
from hft_core.knobs import Config, Distance, KnobSpec, Size
from hft_core.plugins import PluginHost
from hft_core.runs import RunSpec, resolve_run

__all__ = [
    "RandomAxis",
    "SweepDefinition",
    "SweepPoint",
    "load_sweep_file",
    "parse_grid",
    "parse_range",
    "parse_seeds",
    "plan_points",
    "point_key",
]

MAX_POINTS = 100_000
"""A sweep larger than this is refused: almost surely a typo in a range or a seed list."""

_SEEDS_RE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


def point_key(spec: RunSpec) -> str:
    """The point's key: 16 hex digits of BLAKE2b over the resolved config (`RunSpec.config_toml`)."""
    return hashlib.blake2b(spec.config_toml().encode(), digest_size=8).hexdigest()


def parse_seeds(text: str) -> tuple[int, ...]:
    """``"1-20"``, ``"1,3,5-7"`` → the seeds in the order written (duplicates dropped)."""
    seeds: list[int] = []
    for part in text.split(","):
        match = _SEEDS_RE.match(part)
        if match is None:
            raise ConfigError(f"--seeds {text!r}: expected seeds such as 1-20 or 1,3,5-7")
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) is not None else low
        if high < low:
            raise ConfigError(f"--seeds {text!r}: the range {low}-{high} is empty")
        if high - low >= MAX_POINTS:
            raise ConfigError(f"--seeds {text!r}: more than {MAX_POINTS} seeds")
        seeds.extend(range(low, high + 1))
    return tuple(dict.fromkeys(seeds))


def parse_grid(text: str) -> tuple[str, tuple[str, ...]]:
    """``"half_spread=1ticks,2ticks"`` → ``("half_spread", ("1ticks", "2ticks"))`` (values not yet checked)."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"--grid {text!r}: expected KEY=V1,V2,... (e.g. half_spread=1ticks,2ticks)")
    values = tuple(v.strip() for v in raw.split(",") if v.strip())
    if not values:
        raise ConfigError(f"--grid {key}: no values; expected {key}=V1,V2,...")
    return key, values


@dataclass(frozen=True)
class RandomAxis:
    """One ``--range KEY=LOW:HIGH[:log]`` axis of a random search (bounds as written, checked when planned)."""

    key: str
    low: str
    high: str
    log: bool = False


def parse_range(text: str) -> RandomAxis:
    """``"gamma=0.01:1:log"`` → a `RandomAxis`."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    parts = [p.strip() for p in raw.split(":")]
    log = len(parts) == 3 and parts[2].lower() == "log"
    if not sep or not key or len(parts) not in (2, 3) or (len(parts) == 3 and not log) or not all(parts[:2]):
        raise ConfigError(f"--range {text!r}: expected KEY=LOW:HIGH or KEY=LOW:HIGH:log (e.g. gamma=0.01:1:log)")
    return RandomAxis(key, parts[0], parts[1], log)


@dataclass(frozen=True)
class SweepDefinition:
    """Everything a sweep is asked to run: the base run, the axes and the seeds."""

    pattern: str
    config_file: Path | None = None
    assignments: tuple[str, ...] = ()
    grid: tuple[tuple[str, tuple[str, ...]], ...] = ()
    random_points: int = 0
    ranges: tuple[RandomAxis, ...] = ()
    search_seed: int = 0
    seeds: tuple[int, ...] = ()
    duration_s: float | None = None
    data: tuple[Path, ...] | None = None
    numeraire: str | None = None

    def axes(self) -> tuple[str, ...]:
        """The knobs the sweep varies, grid axes first, then random ones."""
        return tuple(dict.fromkeys([*(k for k, _ in self.grid), *(a.key for a in self.ranges)]))


@dataclass(frozen=True)
class SweepPoint:
    """One run of a sweep: its key, seed, the axis values that made it, and its resolved spec."""

    key: str
    seed: int
    values: Mapping[str, str]
    spec: RunSpec = field(compare=False, repr=False)


def _knob(base: RunSpec, key: str, option: str) -> KnobSpec:
    """The knob ``key`` (``scenario.KEY`` for the market) of the base run, or a `ConfigError` naming it."""
    if key in ("seed", "run.seed"):
        raise ConfigError(f"{option} {key}: the seed is swept with --seeds (e.g. --seeds 1-20)")
    config: Config | None
    if key.startswith("scenario."):
        name, owner, config = key.removeprefix("scenario."), "the market", base.scenario_config
        if config is None:
            raise ConfigError(f"{option} {key}: a data replay has no scenario knobs")
    else:
        name, owner, config = key, f"pattern {base.pattern.name!r}", base.config
    spec = type(config).knob(name)
    if spec is not None:
        return spec
    names = [s.name for s in type(config).knobs()]
    close = difflib.get_close_matches(name, names, n=3)
    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
    raise ConfigError(f"{option} {key}: unknown key {name!r} for {owner}{hint}; known keys: {', '.join(names)}")


def _unit_of(value: object) -> str | None:
    return value.unit if isinstance(value, Distance | Size) else None


def _grid_values(base: RunSpec, key: str, texts: Sequence[str]) -> list[str]:
    spec = _knob(base, key, "--grid")
    parsed = [spec.parse(text, source=f"--grid {key}") for text in texts]
    units = {_unit_of(value) for value in parsed}
    if len(units) > 1:
        shown = " and ".join(sorted(repr(u or "price units") for u in units if u is not None))
        raise ConfigError(
            f"--grid {key}: the values mix {shown}; write the unit on every value (e.g. {key}=1ticks,2ticks,3ticks)"
        )
    return list(texts)


def _draw_texts(base: RunSpec, axis: RandomAxis, count: int, rng: Any) -> list[str]:
    spec = _knob(base, axis.key, "--range")
    option = f"--range {axis.key}"
    if spec.kind not in (int, float, Distance, Size) or spec.choices is not None:
        raise ConfigError(f"{option}: a range needs a numeric knob; {axis.key} is {spec.type_name} (use --grid)")
    low, high = spec.parse(axis.low, source=option), spec.parse(axis.high, source=option)
    unit = _unit_of(low)
    if unit != _unit_of(high):
        raise ConfigError(f"{option}: the bounds {axis.low!r} and {axis.high!r} must have the same unit")
    lo: float = low.amount if unit is not None else low
    hi: float = high.amount if unit is not None else high
    if not lo < hi:
        raise ConfigError(f"{option}: LOW must be below HIGH, got {axis.low} and {axis.high}")
    if axis.log and lo <= 0:
        raise ConfigError(f"{option}: a log range needs LOW > 0, got {axis.low}")
    if spec.kind is int:
        if axis.log:
            draws = [round(math.exp(x)) for x in rng.uniform(math.log(lo), math.log(hi), count)]
        else:
            draws = [int(x) for x in rng.integers(int(lo), int(hi), count, endpoint=True)]
        return [str(min(max(d, int(lo)), int(hi))) for d in draws]
    if axis.log:
        floats = [math.exp(x) for x in rng.uniform(math.log(lo), math.log(hi), count)]
    else:
        floats = [float(x) for x in rng.uniform(lo, hi, count)]
    return [f"{min(max(x, lo), hi)!r}{unit or ''}" for x in floats]


def plan_points(definition: SweepDefinition, host: PluginHost | None = None) -> list[SweepPoint]:
    """Resolve every point of ``definition`` (a `ConfigError` naming the knob on any bad axis, value or combination).

    Points that resolve to the same run (the same key) appear once, at their first place.
    """
    host = host or PluginHost()
    if definition.random_points < 0:
        raise ConfigError(f"--random {definition.random_points}: the number of draws must be positive")
    if definition.random_points and not definition.ranges:
        raise ConfigError("--random N needs at least one --range KEY=LOW:HIGH")
    if definition.ranges and not definition.random_points:
        raise ConfigError("--range is for a random search: give --random N (the number of draws)")
    if not definition.grid and not definition.random_points and not definition.seeds:
        raise ConfigError("nothing to sweep: give --grid KEY=V1,V2,..., --random N with --range, or --seeds")
    axes = [key for key, _ in definition.grid] + [axis.key for axis in definition.ranges]
    repeated = sorted({key for key in axes if axes.count(key) > 1})
    if repeated:
        raise ConfigError(f"{', '.join(repeated)}: swept twice; give each knob one --grid or --range")

    def resolve(assignments: Iterable[str], seed: int | None) -> RunSpec:
        return resolve_run(
            definition.pattern,
            config_file=definition.config_file,
            assignments=[*definition.assignments, *assignments],
            seed=seed,
            data=list(definition.data) if definition.data is not None else None,
            duration_s=definition.duration_s,
            numeraire=definition.numeraire,
            host=host,
        )

    base = resolve((), None)
    combos: list[dict[str, str]] = [{}]
    for key, texts in definition.grid:
        values = _grid_values(base, key, texts)
        combos = [{**combo, key: value} for combo in combos for value in values]
    if definition.random_points:
        import numpy as np

        rng = np.random.default_rng(definition.search_seed)
        drawn = {axis.key: _draw_texts(base, axis, definition.random_points, rng) for axis in definition.ranges}
        draws = [{key: texts[i] for key, texts in drawn.items()} for i in range(definition.random_points)]
        combos = [{**combo, **draw} for combo in combos for draw in draws]
    seeds: Sequence[int | None] = definition.seeds or (None,)
    if len(combos) * len(seeds) > MAX_POINTS:
        raise ConfigError(f"the sweep has {len(combos) * len(seeds)} points; at most {MAX_POINTS}")
    points: dict[str, SweepPoint] = {}
    for combo, seed in itertools.product(combos, seeds):
        settings = [f"{key}={value}" for key, value in combo.items()]
        try:
            spec = resolve(settings, seed)
        except ConfigError as exc:
            where = ", ".join(settings + ([f"seed={seed}"] if seed is not None else [])) or "the base run"
            raise ConfigError(f"sweep point {where}: {exc}") from None
        key = point_key(spec)
        points.setdefault(key, SweepPoint(key, spec.seed, dict(combo), spec))
    return list(points.values())


# -- sweep files -----------------------------------------------------------------------------------------------------
_FILE_KEYS = ("pattern", "config", "set", "seeds", "duration_s", "data", "numeraire", "grid", "random")


def _value_text(value: object, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return value if isinstance(value, str) else repr(value)
    raise ConfigError(f"{where}: expected a number, text or true/false, got {value!r}")


def load_sweep_file(path: Path, pattern: str) -> dict[str, Any]:
    """A TOML sweep file as `SweepDefinition` keyword arguments (paths in it are relative to the file).

    Keys: ``pattern`` (checked against the command's), ``config`` (a run config file), ``set`` (a list of
    ``key=value``), ``seeds`` (``"1-20"`` or a list), ``duration_s``, ``data``, ``numeraire``, a ``[grid]`` table
    of ``KEY = [values]`` (``"scenario.KEY"`` quoted) and a ``[random]`` table with ``points``, ``seed`` and
    ``[random.ranges]`` of ``KEY = [LOW, HIGH]`` or ``[LOW, HIGH, "log"]``.
    """
    from hft_core.config import load_toml

    raw = load_toml(path, "sweep file")
    unknown = sorted(set(raw) - set(_FILE_KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(map(repr, unknown))}; known: {', '.join(_FILE_KEYS)}")
    if raw.get("pattern", pattern) != pattern:
        raise ConfigError(f"{path}: this sweep file is for pattern {raw['pattern']!r}, not {pattern!r}")
    out: dict[str, Any] = {}
    here = path.parent
    if "config" in raw:
        out["config_file"] = here / str(raw["config"])
    if "set" in raw:
        items = raw["set"]
        if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
            raise ConfigError(f"{path}: 'set' must be a list of \"key=value\" texts")
        out["assignments"] = tuple(items)
    if "seeds" in raw:
        seeds = raw["seeds"]
        if isinstance(seeds, str):
            out["seeds"] = parse_seeds(seeds)
        elif isinstance(seeds, list) and all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
            out["seeds"] = tuple(dict.fromkeys(seeds))
        else:
            raise ConfigError(f"{path}: 'seeds' must be text such as \"1-20\" or a list of integers")
    if "duration_s" in raw:
        out["duration_s"] = raw["duration_s"]
    if "data" in raw:
        items = raw["data"] if isinstance(raw["data"], list) else [raw["data"]]
        out["data"] = tuple(here / str(p) for p in items)
    if "numeraire" in raw:
        out["numeraire"] = raw["numeraire"]
    grid = raw.get("grid", {})
    if not isinstance(grid, dict):
        raise ConfigError(f"{path}: 'grid' must be a table of KEY = [values]")
    axes = []
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ConfigError(f"{path}: [grid] {key}: expected a non-empty list of values")
        axes.append((key, tuple(_value_text(v, f"{path}: [grid] {key}") for v in values)))
    out["grid"] = tuple(axes)
    search = raw.get("random", {})
    if not isinstance(search, dict) or set(search) - {"points", "seed", "ranges"}:
        raise ConfigError(f"{path}: [random] holds points, seed and a [random.ranges] table")
    if search:
        points, seed, ranges = search.get("points", 0), search.get("seed", 0), search.get("ranges", {})
        if not isinstance(points, int) or isinstance(points, bool) or not isinstance(seed, int):
            raise ConfigError(f"{path}: [random] points and seed must be integers")
        if not isinstance(ranges, dict):
            raise ConfigError(f"{path}: [random.ranges] must be a table of KEY = [LOW, HIGH]")
        parsed = []
        for key, bounds in ranges.items():
            where = f"{path}: [random.ranges] {key}"
            if not isinstance(bounds, list) or len(bounds) not in (2, 3):
                raise ConfigError(f'{where}: expected [LOW, HIGH] or [LOW, HIGH, "log"]')
            log = len(bounds) == 3
            if log and bounds[2] != "log":
                raise ConfigError(f'{where}: the third item can only be "log"')
            parsed.append(RandomAxis(key, _value_text(bounds[0], where), _value_text(bounds[1], where), log))
        out["random_points"], out["search_seed"], out["ranges"] = points, seed, tuple(parsed)
    return out
