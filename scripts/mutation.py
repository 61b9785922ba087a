"""Mutation testing of hft-core: classic single mutations, one at a time, in a copy of the package.

    python scripts/mutation.py                         # every target module, every mutant
    python scripts/mutation.py --module risk --sample 40 --seed 1
    python scripts/mutation.py --list --module stats   # the mutants, without running anything
    python scripts/mutation.py --json out.json --markdown

Each mutant is one change to one module's syntax tree (see `OPERATORS`): a comparison flipped (`<` to `>=`), a
boundary shifted (`<` to `<=`), an arithmetic or boolean operator swapped, a number moved by one, `True` and `False`
swapped, a `return` made to return None, a condition negated, a `not` or unary minus dropped, a statement replaced
by `pass`. Docstrings, annotations, strings and f-strings, `__all__` and `if TYPE_CHECKING:` blocks are left alone.

The working tree is never written: the package is copied once into a temporary directory, the mutated module is
written into that copy, and the chosen tests (`TARGETS`: a few seconds' worth per module, the most targeted first,
with `-x`) run against it, the copy first on `sys.path`. Each run is a fork of a process that has already imported
the heavy third-party modules, so a mutant costs about a test run and not an interpreter start. A mutant is killed
when the tests fail or cannot be collected, survives when they pass, and times out when they run past three times
the unmutated baseline plus ten seconds.

The compiled settlement kernel (`engine/_settle.py`) is mutated like any module and its tests run with numba's JIT
disabled (`numba.config.DISABLE_JIT`): the same source runs as Python, so a mutant costs no compilation; its tests
compare it with the plain-Python reference. Sampling (`--sample N --seed S`) draws N mutants per module with
`random.Random(S)`; the same source, seed and tests give the same report. Mutants known to be equivalent (no test
can tell them from the original) are listed in `EQUIVALENT` with the reason, and scored apart.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import hashlib
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "EQUIVALENT",
    "TARGETS",
    "Mutant",
    "Outcome",
    "Target",
    "enumerate_mutants",
    "equivalents_table",
    "main",
    "mutated_source",
    "run_target",
    "score",
    "score_table",
]

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "packages" / "hft-core"
CORE_TESTS = CORE / "tests"


@dataclass(frozen=True)
class Target:
    """One module to mutate: where its package lives, which file, and which tests judge its mutants."""

    name: str
    src: Path
    """The directory holding the package (copied whole)."""
    package: str
    module: str
    """Path of the module inside `src`, e.g. `hft_core/risk.py`."""
    tests: tuple[Path, ...]
    """Run in this order with `-x`: the most targeted first, so most mutants die in the first file."""
    no_jit: bool = False
    """Run the tests with numba's JIT disabled (a mutated numba kernel then runs as Python, with no compilation)."""


def _core(name: str, module: str, tests: Sequence[str], *, no_jit: bool = False) -> Target:
    return Target(
        name,
        CORE / "src",
        "hft_core",
        module,
        tuple(CORE_TESTS / test for test in tests),
        no_jit=no_jit,
    )


TARGETS: dict[str, Target] = {
    target.name: target
    for target in (
        _core(
            "risk",
            "hft_core/risk.py",
            ["test_mut_risk.py", "test_mutation_survivors.py", "test_risk.py"],
        ),
        _core(
            "matching",
            "hft_core/matching/engine.py",
            ["test_mut_matching.py", "test_matching.py", "test_mutation_survivors.py", "test_matching_properties.py"],
        ),
        _core(
            "instruments",
            "hft_core/instruments.py",
            ["test_mut_instruments.py", "test_instruments.py", "test_mutation_survivors.py"],
        ),
        _core(
            "stats",
            "hft_core/engine/stats.py",
            ["test_mut_stats.py", "test_mutation_survivors.py", "test_stats.py"],
        ),
        _core(
            "accounts",
            "hft_core/engine/accounts.py",
            ["test_mut_accounts.py", "test_accounts.py"],
        ),
        _core(
            "settle",
            "hft_core/engine/_settle.py",
            ["test_mut_settle.py", "test_kernel_constants.py", "test_blotter.py", "test_accounts.py", "test_risk.py"],
            no_jit=True,
        ),
    )
}

_FAST_PATH = (
    "only decides whether the fast route is taken; a value it sends the other way gets the same result from "
    "the general route (`_to_grid`, or `round(count * step, decimals)`)"
)
_CONSERVATIVE = (
    "moves the fast route's bound 2^40 by one value or one ulp: the bound is conservative (a scaled value stays "
    "far from a rounding tie well past it), so both routes give the same float there"
)
_DERIVED = "a field `__post_init__` always sets from tick_size / lot_size, so its default and comparison add nothing"

_COMPACTION = (
    "changes only when a level's queue is rebuilt without its dead entries; the rebuild keeps the live orders in "
    "their order, so matching, queues and reports are the same (only memory and time differ)"
)

_FIFO_ROOM = (
    "sizes the match buffers: every match ends an entry or an exit fill, and a fill ends at most once, so there "
    "are at most n matches and n, 2n or 3n rows all hold them"
)

EQUIVALENT: dict[str, dict[str, str]] = {
    "settle": {
        "ad2a1a19d7": "SF_SIZE 8 -> 9 gives the float instrument table one unused column",
        "ce42cf0534": "a closed order's SO_OPEN_AT -1 -> -2: every reader asks only whether it is >= 0",
        "4f6f033bc2": (
            "lets position x mark reach exactly 2^62 in int64 (no overflow: the cash is below 2^62, the sum below "
            "2^63) instead of handing that fill to the exact Python path, which computes the same float"
        ),
        "159468213a": (
            "returns 1 instead of -1: the caller then recomputes every fill's PnL in Python (`_exact_pnls`), with "
            "the same operations in the same order, so the same floats"
        ),
    },
    "accounts": {
        "05e0f6c786": (
            "compares the first two steps of the base's path with (own instrument,) instead of the first: a "
            "two-step path through its own mid then gets a correction of units x (m_i x m_j - m_i x m_j), exactly 0"
        ),
    },
    "stats": {
        "bde1ea67c4": (
            "`at` is an int64 array (or a list numpy reads as one) at every call: converting it again changes nothing"
        ),
        "560258caa9": _FIFO_ROOM,
        "2a7b14689f": _FIFO_ROOM,
        "99433b18a3": _FIFO_ROOM,
        "893dcdc2b5": "`direction` is a fill's side, +1 or -1 (`side_signs`), never 0",
    },
    "matching": {
        "71f12f580d": (
            "a market order's threshold -2^62 - 1 becomes -2^62 - 2: every book key is >= -2^62 (the price band "
            "lies within ±2^62), so both thresholds pass every level"
        ),
        "a8109a5723": "a new level's key never equals the best key (the level did not exist): `>` and `>=` agree",
        "c805970adb": _COMPACTION,
        "b36b093caf": _COMPACTION,
    },
    "instruments": {
        "ffd4130d51": _DERIVED,
        "147e2ffa4b": _DERIVED,
        "e4fcc5dd45": _FAST_PATH,
        "42ef0738a4": _FAST_PATH,
        "5e5479b8d4": _FAST_PATH,
        "8d19473082": _FAST_PATH,
        "c3248e9f21": _CONSERVATIVE,
        "ce2bd5b7ae": _FAST_PATH,
        "25ab5c94e1": _FAST_PATH,
        "6551d13554": _CONSERVATIVE,
        "f4a8f3b34a": _FAST_PATH,
        "feafb687f1": "no step needs exactly 12 places and fails 0-11: the loop's fallback returns 12 anyway",
        "f8a75a89db": (
            "the fallback is reached only by a step that needs more than 12 decimals, which `Instrument` now "
            "refuses; with 11 or 12 it is refused the same"
        ),
    },
}
"""Per target, mutant key -> why no test can tell the mutant from the original (its behaviour, not its speed)."""


# -- mutants ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mutant:
    """One single change. `key` is stable while the enclosing function's text around it is unchanged."""

    key: str
    index: int
    """Position of the mutated node in the module's traversal order."""
    operator: str
    line: int
    scope: str
    before: str
    after: str

    def describe(self) -> str:
        return f"line {self.line} ({self.scope}) {self.operator}: `{self.before}` -> `{self.after}`"


_COMPARE_FLIP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.Gt: ast.LtE,
    ast.LtE: ast.Gt,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_BOUNDARY: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
}
_ARITHMETIC: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
    ast.BitXor: ast.BitAnd,
}
_DELETABLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.Raise, ast.Continue, ast.Break)

Edit = Callable[[ast.AST], ast.AST]
"""Given the node (in a fresh parse), returns its replacement (or the node, changed in place)."""


def _swap_compare(position: int, new: type[ast.cmpop]) -> Edit:
    def edit(node: ast.AST) -> ast.AST:
        assert isinstance(node, ast.Compare)
        node.ops[position] = new()
        return node

    return edit


def _swap_operator(new: type[ast.operator]) -> Edit:
    def edit(node: ast.AST) -> ast.AST:
        assert isinstance(node, ast.BinOp | ast.AugAssign)
        node.op = new()
        return node

    return edit


def _swap_bool(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.BoolOp)
    node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    return node


def _constant(value: bool | int | float) -> Edit:
    def edit(node: ast.AST) -> ast.AST:
        return ast.Constant(value)

    return edit


def _return_none(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.Return)
    node.value = None
    return node


def _negate_test(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.If | ast.While | ast.IfExp)
    node.test = ast.UnaryOp(ast.Not(), node.test)
    return node


def _drop_unary(node: ast.AST) -> ast.AST:
    assert isinstance(node, ast.UnaryOp)
    return node.operand


def _to_pass(node: ast.AST) -> ast.AST:
    return ast.Pass()


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _is_type_checking(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.If) and "TYPE_CHECKING" in ast.unparse(statement.test)


def _is_dunder_all(statement: ast.stmt) -> bool:
    targets = statement.targets if isinstance(statement, ast.Assign) else []
    if isinstance(statement, ast.AnnAssign):
        targets = [statement.target]
    return any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets)


@dataclass
class _Site:
    node: ast.AST
    scope: str
    in_function: bool


@dataclass
class _Walker:
    """The module's mutable nodes in one fixed order (depth first, fields in declaration order)."""

    sites: list[_Site] = field(default_factory=list)

    def walk(self, node: ast.AST, scope: str, in_function: bool) -> None:
        if isinstance(node, ast.JoinedStr):
            return  # messages: not behaviour the gates are judged on
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.sites.append(_Site(node, scope, in_function))
            for default in [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]:
                self.walk(default, scope, in_function)
            self._body(node.body, f"{scope}.{node.name}" if scope else node.name, True)
            return
        if isinstance(node, ast.ClassDef):
            self.sites.append(_Site(node, scope, in_function))
            self._body(node.body, f"{scope}.{node.name}" if scope else node.name, in_function)
            return
        self.sites.append(_Site(node, scope, in_function))
        for name, value in ast.iter_fields(node):
            if name in {"annotation", "returns", "type_comment", "decorator_list"}:
                continue
            if isinstance(value, list):
                if value and isinstance(value[0], ast.stmt):
                    self._body(value, scope, in_function)
                else:
                    for item in value:
                        if isinstance(item, ast.AST):
                            self.walk(item, scope, in_function)
            elif isinstance(value, ast.AST):
                self.walk(value, scope, in_function)

    def _body(self, body: list[ast.stmt], scope: str, in_function: bool) -> None:
        for position, statement in enumerate(body):
            if position == 0 and _is_docstring(statement):
                continue
            if _is_type_checking(statement) or _is_dunder_all(statement):
                continue
            if isinstance(statement, ast.Import | ast.ImportFrom):
                continue
            self.walk(statement, scope, in_function)


def _sites(tree: ast.Module) -> list[_Site]:
    walker = _Walker()
    walker._body(tree.body, "", False)
    return walker.sites


def _edits(site: _Site) -> Iterator[tuple[str, Edit]]:
    """The operators that apply to one node, as (operator name, edit)."""
    node = site.node
    if isinstance(node, ast.Compare):
        for position, op in enumerate(node.ops):
            flip = _COMPARE_FLIP.get(type(op))
            if flip is not None:
                yield "comparison flip", _swap_compare(position, flip)
            shift = _BOUNDARY.get(type(op))
            if shift is not None:
                yield "boundary shift", _swap_compare(position, shift)
    elif isinstance(node, ast.BinOp | ast.AugAssign):
        swap = _ARITHMETIC.get(type(node.op))
        if swap is not None:
            yield "operator swap", _swap_operator(swap)
    elif isinstance(node, ast.BoolOp):
        yield "and/or swap", _swap_bool
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            yield "constant flip", _constant(not value)
        elif isinstance(value, int | float):
            yield "constant +1", _constant(value + 1)
            yield "constant -1", _constant(value - 1)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
        yield "unary dropped", _drop_unary
    if isinstance(node, ast.Return) and node.value is not None and not isinstance(node.value, ast.Constant):
        yield "return None", _return_none
    if isinstance(node, ast.If | ast.While | ast.IfExp) and not (
        isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not)
    ):
        yield "condition negated", _negate_test  # (a `not` test is covered by dropping the `not`)
    if site.in_function and isinstance(node, _DELETABLE) and not _is_docstring(node):
        yield "statement deleted", _to_pass


def _replace(tree: ast.Module, target: ast.AST, replacement: ast.AST) -> None:
    if replacement is target:
        return
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is target:
                setattr(parent, name, replacement)
                return
            if isinstance(value, list):
                for position, item in enumerate(value):
                    if item is target:
                        value[position] = replacement
                        return
    raise AssertionError("node not found in its own tree")


def _apply(source: str, index: int, edit: Edit) -> tuple[str, str, str]:
    """The module with one edit at node `index`, and the node's text before and after."""
    tree = ast.parse(source)
    node = _sites(tree)[index].node
    before = _snippet(node)
    replacement = edit(copy.deepcopy(node))
    after = _snippet(replacement)
    _replace(tree, node, replacement)
    ast.fix_missing_locations(tree)
    return ast.unparse(tree), before, after


def _snippet(node: ast.AST) -> str:
    text = ast.unparse(node)
    first = text.splitlines()[0] if text else text
    return first if len(first) <= 80 else first[:77] + "..."


def enumerate_mutants(source: str) -> list[Mutant]:
    """Every mutant of a module's source, in traversal order."""
    tree = ast.parse(source)
    mutants: list[Mutant] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for index, site in enumerate(_sites(tree)):
        for operator, edit in _edits(site):
            before = _snippet(site.node)
            after = _snippet(edit(copy.deepcopy(site.node)))
            if before == after:
                continue
            identity = (site.scope, operator, before, after)
            occurrence = seen.get(identity, 0)
            seen[identity] = occurrence + 1
            digest = hashlib.sha1(repr((*identity, occurrence)).encode()).hexdigest()[:10]
            line = getattr(site.node, "lineno", 0)
            mutants.append(Mutant(digest, index, operator, line, site.scope or "<module>", before, after))
    return mutants


def mutated_source(source: str, mutant: Mutant) -> str:
    """The module's source with `mutant` applied (unparsed: comments and layout are not kept)."""
    tree = ast.parse(source)
    site = _sites(tree)[mutant.index]
    for operator, edit in _edits(site):
        text, before, after = _apply(source, mutant.index, edit)
        if operator == mutant.operator and (before, after) == (mutant.before, mutant.after):
            return text
    raise ValueError(f"mutant {mutant.key} does not apply to this source")


# -- running ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    mutant: Mutant
    status: str
    """killed, survived, timeout, equivalent (survived and listed in EQUIVALENT) or error."""
    seconds: float
    killer: str = ""
    """The first test that failed, where one did."""


_PRELOAD = ("numpy", "pandas", "pyarrow", "scipy", "numba", "pytest", "hypothesis", "pluggy", "typer", "rich")


def _preload() -> None:
    """Import what every test run needs and no mutant changes: the children are forked with it in memory."""
    from importlib.metadata import entry_points

    plugins = [point.value.split(":")[0] for point in entry_points(group="pytest11")]
    for name in (*_PRELOAD, "_pytest.assertion", "_pytest.doctest", "_pytest.legacypath", *plugins):
        try:
            __import__(name)
        except Exception:  # (an optional plugin that fails to import is the child's business)
            continue


def _child(work: Path, cell: Path, target: Target, extra: Sequence[str]) -> None:  # pragma: no cover (forked)
    os.setpgid(0, 0)
    log = os.open(cell / "pytest.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 (a pytest run in a test has its own sys.stdout)
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    os.chdir(cell)
    sys.dont_write_bytecode = True
    sys.path.insert(0, str(work))
    if target.no_jit:
        import numba

        config: Any = numba.config
        config.DISABLE_JIT = True
    import pytest

    args = [
        *(str(test) for test in target.tests if test.exists()),
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "-rf",
        "--hypothesis-seed=0",
        *extra,
    ]
    try:
        code = int(pytest.main(args))
    except BaseException:
        code = 3
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _run_once(work: Path, target: Target, timeout: float, extra: Sequence[str]) -> tuple[int | None, float, str]:
    """(pytest's exit code or None on timeout, seconds, the first failed test)."""
    cell = Path(tempfile.mkdtemp(prefix="cell-", dir=work.parent))
    start = time.monotonic()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        _child(work, cell, target, extra)
    code: int | None = None
    deadline = start + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            break
        time.sleep(0.02)
    seconds = time.monotonic() - start
    killer = ""
    log = cell / "pytest.log"
    if log.exists():
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith(("FAILED ", "ERROR ")):
                killer = line.split(" ", 1)[1].split(" - ")[0]
                break
    shutil.rmtree(cell, ignore_errors=True)
    return code, seconds, killer


def _copy_package(target: Target, into: Path) -> Path:
    work = into / "src"
    work.mkdir()
    shutil.copytree(target.src / target.package, work / target.package, ignore=shutil.ignore_patterns("*.pyc"))
    return work


def _write(path: Path, text: str, stamp_ns: int) -> None:
    path.write_text(text)
    os.utime(path, ns=(stamp_ns, stamp_ns))  # a distinct time for each version: no stale bytecode or numba cache


def run_target(
    target: Target,
    mutants: Sequence[Mutant],
    *,
    progress: Callable[[str], None] | None = None,
    extra_pytest_args: Sequence[str] = (),
) -> tuple[float, list[Outcome]]:
    """Run `mutants` of `target` one at a time in a copy of its package; returns (baseline seconds, outcomes)."""
    equivalent = EQUIVALENT.get(target.name, {})
    with tempfile.TemporaryDirectory(prefix=f"hft-mutation-{target.name}-") as scratch:
        work = _copy_package(target, Path(scratch))
        module = work / target.module
        original = (target.src / target.module).read_text()
        stamp = module.stat().st_mtime_ns
        # the baseline runs the unparsed, unmutated module: the round trip itself must keep the tests green
        _write(module, ast.unparse(ast.parse(original)), stamp + 1_000_000_000)
        _run_once(work, target, 600.0, extra_pytest_args)  # warms numba's cache in the copy
        code, baseline, killer = _run_once(work, target, 600.0, extra_pytest_args)
        if code != 0:
            raise RuntimeError(f"{target.name}: the tests fail on the unmutated module (exit {code}, {killer})")
        timeout = 3 * baseline + 10
        outcomes: list[Outcome] = []
        for number, mutant in enumerate(mutants, 1):
            _write(module, mutated_source(original, mutant), stamp + (number + 1) * 1_000_000_000)
            code, seconds, killer = _run_once(work, target, timeout, extra_pytest_args)
            if code is None:
                status = "timeout"
            elif code in (1, 2):
                status = "killed"
            elif code == 0:
                status = "equivalent" if mutant.key in equivalent else "survived"
            else:
                status = "error"
            outcomes.append(Outcome(mutant, status, seconds, killer))
            if progress is not None:
                progress(f"[{target.name} {number}/{len(mutants)}] {status:<10} {seconds:5.1f}s {mutant.describe()}")
    return baseline, outcomes


# -- reports ------------------------------------------------------------------------------------------------------
def _counts(outcomes: Sequence[Outcome]) -> dict[str, int]:
    counts = dict.fromkeys(("killed", "timeout", "survived", "equivalent", "error"), 0)
    for outcome in outcomes:
        counts[outcome.status] += 1
    return counts


def score(outcomes: Sequence[Outcome]) -> float:
    """Killed (timeouts count as killed) over all mutants that are not known equivalent."""
    counts = _counts(outcomes)
    judged = len(outcomes) - counts["equivalent"]
    return (counts["killed"] + counts["timeout"]) / judged if judged else 1.0


def score_table(results: dict[str, list[Outcome]], sampled: dict[str, int]) -> str:
    rows = [
        "| module | mutants run (of) | killed | timeout | survived | equivalent | error | score |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, outcomes in results.items():
        c = _counts(outcomes)
        rows.append(
            f"| `{TARGETS[name].module if name in TARGETS else name}` | {len(outcomes)} ({sampled[name]}) "
            f"| {c['killed']} | {c['timeout']} | {c['survived']} | {c['equivalent']} | {c['error']} "
            f"| {100 * score(outcomes):.1f}% |"
        )
    return "\n".join(rows)


def equivalents_table() -> str:
    """The equivalent mutants as a Markdown table (docs/mutation-testing.md holds a copy; a test compares its keys
    and reasons). Line numbers are left out: they move with every edit of the module."""
    rows = ["| module | mutant | where | change | why it is equivalent |", "|---|---|---|---|---|"]
    for name, entries in EQUIVALENT.items():
        mutants = {m.key: m for m in enumerate_mutants((TARGETS[name].src / TARGETS[name].module).read_text())}
        for key, why in entries.items():
            mutant = mutants.get(key)
            where = f"`{mutant.scope}`" if mutant else "(no longer in the source)"
            change = f"{mutant.operator}: `{mutant.before}` → `{mutant.after}`".replace("|", "\\|") if mutant else ""
            rows.append(f"| `{name}` | `{key}` | {where} | {change} | {why} |")
    return "\n".join(rows)


def _rescore(paths: Sequence[Path]) -> int:
    results: dict[str, list[Outcome]] = {}
    available: dict[str, int] = {}
    for path in paths:
        payload = json.loads(path.read_text())
        available.update(payload["available"])
        results.update(_outcomes(payload))
    _report(results, available, markdown=True)
    return 0 if all(score(o) >= 0.9 for o in results.values()) else 1


def _outcomes(payload: dict[str, Any]) -> dict[str, list[Outcome]]:
    results: dict[str, list[Outcome]] = {}
    for name, rows in payload["outcomes"].items():
        equivalent = EQUIVALENT.get(name, {})
        outcomes = []
        for row in rows:
            mutant = Mutant(row["key"], -1, row["operator"], row["line"], row["scope"], row["before"], row["after"])
            status = row["status"]
            if status in ("survived", "equivalent"):
                status = "equivalent" if mutant.key in equivalent else "survived"
            outcomes.append(Outcome(mutant, status, row["seconds"], row["killer"]))
        results[name] = outcomes
    return results


def _report(results: dict[str, list[Outcome]], available: dict[str, int], *, markdown: bool) -> None:
    for name, outcomes in results.items():
        alive = [o for o in outcomes if o.status in ("survived", "error")]
        print(f"{name}: score {100 * score(outcomes):.1f}% {_counts(outcomes)}; {len(alive)} surviving")
        for outcome in alive:
            print(f"  {outcome.mutant.key} {outcome.status} {outcome.mutant.describe()}")
    if markdown:
        print()
        print(score_table(results, available))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--module", action="append", choices=sorted(TARGETS), help="a target (default: all)")
    parser.add_argument("--sample", type=int, default=0, help="run N mutants per module, drawn with --seed")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--key", action="append", default=[], help="run only the mutants with these keys")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--json", type=Path, help="write every outcome here")
    parser.add_argument("--markdown", action="store_true", help="print the score table in Markdown at the end")
    parser.add_argument("--equivalents-table", action="store_true", help="print the equivalent mutants and stop")
    parser.add_argument(
        "--rescore", type=Path, nargs="+", help="score --json files again with today's EQUIVALENT list (runs nothing)"
    )
    args = parser.parse_args(argv)
    if args.equivalents_table:
        print(equivalents_table())
        return 0
    if args.rescore is not None:
        return _rescore(args.rescore)
    names: list[str] = args.module or list(TARGETS)
    chosen: dict[str, list[Mutant]] = {}
    available: dict[str, int] = {}
    for name in names:
        target = TARGETS[name]
        mutants = enumerate_mutants((target.src / target.module).read_text())
        available[name] = len(mutants)
        if args.key:
            mutants = [m for m in mutants if m.key in args.key]
        if args.sample and args.sample < len(mutants):
            picked = set(random.Random(args.seed).sample(range(len(mutants)), args.sample))
            mutants = [m for position, m in enumerate(mutants) if position in picked]
        chosen[name] = mutants
    if args.list:
        for name, mutants in chosen.items():
            print(f"{name}: {len(mutants)} of {available[name]} mutants")
            for mutant in mutants:
                print(f"  {mutant.key} {mutant.describe()}")
        return 0
    _preload()
    results: dict[str, list[Outcome]] = {}
    for name, mutants in chosen.items():
        baseline, outcomes = run_target(TARGETS[name], mutants, progress=lambda text: print(text, flush=True))
        results[name] = outcomes
        print(f"{name}: baseline {baseline:.1f}s, score {100 * score(outcomes):.1f}% {_counts(outcomes)}", flush=True)
    print()
    _report(results, available, markdown=args.markdown)
    if args.json is not None:
        payload = {
            "available": available,
            "sample": args.sample,
            "seed": args.seed,
            "outcomes": {
                name: [
                    {
                        "key": o.mutant.key,
                        "status": o.status,
                        "operator": o.mutant.operator,
                        "line": o.mutant.line,
                        "scope": o.mutant.scope,
                        "before": o.mutant.before,
                        "after": o.mutant.after,
                        "killer": o.killer,
                        "seconds": round(o.seconds, 2),
                    }
                    for o in outcomes
                ]
                for name, outcomes in results.items()
            },
        }
        args.json.write_text(json.dumps(payload, indent=1) + "\n")
    return 0 if all(score(o) >= 0.9 for o in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
