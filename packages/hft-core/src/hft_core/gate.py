"""The educational gate: plugins that declare they need the flag are neither imported nor run without it.

The flag lives in this process only: ``hft --educational ...`` sets it for one command, ``HFT_EDUCATIONAL=1``
for one environment. Nothing persists it, so every new process must ask again. Gated modules call
`require_educational` at import, so importing them directly fails too.

The engine checks again, from facts it owns rather than attributes a caller can set (`gated_origin`,
`check_strategy_may_run`): a strategy is gated when any class in its type's MRO, or in anything it wraps, comes
from a gated distribution, one that declares an ``hft.gate`` entry point. A class "comes from" a distribution when
its module's top-level package is one of the distribution's (its ``hft`` plugin module's package, and the packages
its installed files hold), or when the code of any function defined in the class was compiled from a file under
one of those packages' directories, found on ``sys.path`` without consulting ``sys.modules`` (so neither a stub
module put there nor a rewritten ``__module__`` hides it). *Wrapped* means reachable from the strategy object
through instance attributes (``__dict__`` and ``__slots__``), the items of lists, tuples, sets and dicts,
``functools.partial`` arguments, bound methods' ``__self__`` and functions' closures, to depth
`WRAP_DEPTH` (objects of numba's types are not entered: a compiled function holds the compiler's state, not
Python objects). A gated strategy needs the educational flag and a market of type
`hft_core.venues.simulated.SimulatedVenue` itself (not a subclass, and with none of the protocol's methods
replaced on the instance): a ``simulated`` attribute is not believed. A strategy that declares ``simulator_only``
on any class of its MRO is held to the same market rule. A determined user can edit the source; the bar is that no
casual or accidental route runs a gated strategy elsewhere.
"""

from __future__ import annotations

import functools
import itertools
import os
import types
from collections.abc import Iterator
from importlib.machinery import PathFinder
from importlib.metadata import Distribution, PackageNotFoundError, distribution, entry_points
from pathlib import Path

from hft_core.errors import ConfigError, HftError

__all__ = [
    "EDUCATIONAL_ENV",
    "GATE_GROUP",
    "WRAP_DEPTH",
    "GateError",
    "check_strategy_may_run",
    "educational_enabled",
    "gated_origin",
    "require_educational",
    "set_educational",
    "unlock_hint",
]

EDUCATIONAL_ENV = "HFT_EDUCATIONAL"
GATE_GROUP = "hft.gate"
"""The entry-point group in which a distribution declares that its plugin needs a flag (``name = "educational"``)."""
WRAP_DEPTH = 4
"""How deep `gated_origin` looks through what a strategy holds for a wrapped gated strategy."""
_WRAP_OBJECTS = 10_000
"""At most this many objects are looked at per strategy (a large data structure is not a wrapper)."""
_VENUE_METHODS = ("start", "advance", "submit", "cancel", "modify", "top", "instruments", "progress", "acknowledged")

_educational_flag = False


class GateError(HftError, ImportError):
    """A gated module or pattern was used without the educational flag."""


def set_educational(enabled: bool) -> None:
    """Turn the flag on (or off) for the rest of this process; the CLI's ``--educational`` calls this."""
    global _educational_flag
    _educational_flag = enabled


def educational_enabled() -> bool:
    """Whether the educational flag was given to this process (``--educational`` or ``HFT_EDUCATIONAL=1``)."""
    return _educational_flag or os.environ.get(EDUCATIONAL_ENV, "").strip() == "1"


def unlock_hint(what: str) -> str:
    """How to unlock ``what``, for messages."""
    return (
        f"{what} is locked: it is educational and simulator-only. Unlock it for one command with "
        f"'hft --educational ...' or for one environment with {EDUCATIONAL_ENV}=1."
    )


def require_educational(what: str) -> None:
    """Raise `GateError` unless the educational flag is on; gated modules call this at import."""
    if not educational_enabled():
        raise GateError(unlock_hint(what))


# -- the engine's check: gated classes from installed metadata, simulated markets by type -------------------------
@functools.cache
def _gated_packages() -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    """The top-level packages of every gated distribution (name -> distribution) and their directories."""
    gates = entry_points(group=GATE_GROUP)
    if not gates:
        return {}, ()
    gated_names = {ep.name for ep in gates}
    dists = {ep.dist.metadata["Name"] for ep in gates if ep.dist is not None}
    tops: dict[str, str] = {}
    for ep in entry_points(group="hft"):
        if ep.name in gated_names:
            dist = ep.dist.metadata["Name"] if ep.dist is not None else ep.name
            tops[ep.value.split(":")[0].strip().split(".")[0]] = dist
            dists.add(dist)
    for name in sorted(dists):
        for top in _top_level_names(name):
            tops.setdefault(top, name)
    dirs = []
    for top, dist in tops.items():
        spec = PathFinder.find_spec(top)  # sys.path only: a stub in sys.modules does not move the package
        for location in (spec.submodule_search_locations or []) if spec is not None else []:
            dirs.append((str(Path(location).resolve()) + os.sep, dist))
    return tops, tuple(dirs)


def _top_level_names(name: str) -> list[str]:
    """The importable top-level packages and modules the installed distribution ``name`` provides: its
    ``top_level.txt``, else the first part of each file it installed. Only the gated distributions are read;
    scanning every installed distribution (`importlib.metadata.packages_distributions`) cost 0.3 s per process."""
    try:
        dist: Distribution = distribution(name)
    except PackageNotFoundError:
        return []
    listed = dist.read_text("top_level.txt")
    if listed is not None:
        return sorted({line.strip() for line in listed.splitlines() if line.strip()})
    names = set()
    for file in dist.files or ():
        first = file.parts[0] if file.parts else ""
        top = first.removesuffix(".py") if len(file.parts) == 1 else first
        if top and top.isidentifier():  # not a .dist-info directory, a .pth file or a script outside site-packages
            names.add(top)
    return sorted(names)


@functools.lru_cache(maxsize=4096)
def _class_origin(cls: type) -> str | None:
    """The gated distribution ``cls`` (or a class in its MRO) comes from, or None."""
    tops, dirs = _gated_packages()
    if not tops:
        return None
    for klass in cls.__mro__:
        module = vars(klass).get("__module__")
        if isinstance(module, str) and module.split(".")[0] in tops:
            return tops[module.split(".")[0]]
        for member in vars(klass).values():
            code = _code_of(member)
            if code is None:
                continue
            where = str(Path(code.co_filename).resolve())
            for directory, dist in dirs:
                if where.startswith(directory):
                    return dist
    return None


def _code_of(member: object) -> types.CodeType | None:
    if isinstance(member, staticmethod | classmethod):
        member = member.__func__
    if isinstance(member, property):
        member = member.fget
    code = getattr(member, "__code__", None) if isinstance(member, types.FunctionType) else None
    return code if isinstance(code, types.CodeType) else None


def _held(obj: object) -> Iterator[object]:
    """What ``obj`` holds, for the wrapper search."""
    if isinstance(obj, list | tuple | set | frozenset):
        yield from obj
        return
    if isinstance(obj, dict):
        yield from obj.values()
        return
    if isinstance(obj, functools.partial):
        yield obj.func
        yield from obj.args
        yield from obj.keywords.values()
        return
    if isinstance(obj, types.MethodType):
        yield obj.__self__
        yield obj.__func__
        return
    if isinstance(obj, types.FunctionType):
        for cell in obj.__closure__ or ():
            try:
                yield cell.cell_contents
            except ValueError:  # an empty cell
                continue
        return
    if isinstance(obj, type | types.ModuleType | str | bytes | int | float | complex | bool) or obj is None:
        return
    if type(obj).__module__.startswith("numba."):
        # a compiled function (a `hft_core.compiled` hook) holds numba's compiler state, thousands of objects and no
        # strategy: walking it cost 2 ms per run (30 ms the first time)
        return
    attributes = getattr(obj, "__dict__", None)
    if isinstance(attributes, dict):
        yield from attributes.values()
    for klass in type(obj).__mro__:
        slots = vars(klass).get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            if isinstance(slot, str) and hasattr(obj, slot):
                yield getattr(obj, slot)


def gated_origin(strategy: object) -> str | None:
    """The gated distribution that ``strategy``'s class, or a class it wraps, comes from; None if none does.

    See the module docstring for what "comes from" and "wraps" mean; classes are looked at, not attributes.
    """
    seen: set[int] = set()
    level: list[object] = [strategy]
    for _ in range(WRAP_DEPTH + 1):
        following: list[object] = []
        for obj in level:
            if id(obj) in seen or len(seen) >= _WRAP_OBJECTS:
                continue
            seen.add(id(obj))
            origin = _class_origin(obj if isinstance(obj, type) else type(obj))
            if origin is not None:
                return origin
            following.extend(itertools.islice(_held(obj), _WRAP_OBJECTS - len(following)))
        level = following
        if not level:
            break
    return None


def _declares_simulator_only(strategy: object) -> bool:
    """Whether any class of the strategy's MRO declares ``simulator_only = True`` (an instance attribute or a
    subclass saying False does not undo it)."""
    return any(vars(klass).get("simulator_only") is True for klass in type(strategy).__mro__)


def _is_the_simulated_market(venue: object) -> bool:
    from hft_core.venues.simulated.venue import SimulatedVenue

    attributes = getattr(venue, "__dict__", {})
    return type(venue) is SimulatedVenue and not any(name in attributes for name in _VENUE_METHODS)


def check_strategy_may_run(strategy: object, venue: object, venue_name: str) -> None:
    """Refuse a gated strategy without the educational flag (`GateError`), and a gated or simulator-only one on
    anything but the simulated market (`ConfigError`); the engine calls this before a run."""
    origin = gated_origin(strategy)
    name = type(strategy).__name__
    if origin is not None and not educational_enabled():
        raise GateError(unlock_hint(f"{name} (from {origin})"))
    if (origin is not None or _declares_simulator_only(strategy)) and not _is_the_simulated_market(venue):
        why = f"from the gated distribution {origin}" if origin is not None else "its class says so"
        raise ConfigError(
            f"{name} is simulator-only ({why}): it runs on the simulated market "
            f"(hft_core.venues.simulated.SimulatedVenue), not on {venue_name}"
        )
