"""A package from ``hft new-pattern`` passes the workspace's checks as written: ruff, ruff format, mypy --strict,
its own tests; and listing its pattern loads neither its strategy nor numeric code.

The package is generated in a temporary directory and checked with the workspace's settings (the root
pyproject.toml), which is what ``hatch run check`` applies to a package generated into ``packages/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hft_core.scaffold import MAX_NAME_LENGTH, ScaffoldPlan, plan_scaffold, write_scaffold

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

CONFIG = ROOT / "pyproject.toml"
# A short name, one that sorts before hft_core (its imports reorder), and the longest the scaffold takes.
NAMES = ["my-idea", "a-thing", "q" * (MAX_NAME_LENGTH - 12) + "-long-enough"]


def _run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HFT_")}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, env=clean | (env or {}), timeout=600
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[ScaffoldPlan]:
    parent = tmp_path_factory.mktemp("scaffolded")
    plans = [plan_scaffold(name, parent, parent) for name in NAMES]
    for plan in plans:
        write_scaffold(plan)
    assert len(NAMES[-1]) == MAX_NAME_LENGTH
    return plans


def test_ruff_check_and_format_pass(generated: list[ScaffoldPlan]) -> None:
    roots = [str(plan.root) for plan in generated]
    lint = _run("-m", "ruff", "check", "--no-cache", "--config", str(CONFIG), *roots, cwd=ROOT)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    formatted = _run("-m", "ruff", "format", "--check", "--no-cache", "--config", str(CONFIG), *roots, cwd=ROOT)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_mypy_strict_passes(generated: list[ScaffoldPlan], tmp_path: Path) -> None:
    for plan in generated[:2]:
        done = _run(
            "-m",
            "mypy",
            "--config-file",
            str(CONFIG),
            "--strict",
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            f"src/{plan.module}",
            "tests",
            cwd=plan.root,
            env={"MYPYPATH": str(plan.root / "src")},
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Success: no issues found in 6 source files" in done.stdout


def test_its_own_tests_pass(generated: list[ScaffoldPlan]) -> None:
    plan = generated[0]
    done = _run(
        "-m",
        "pytest",
        "-c",
        str(CONFIG),
        "--rootdir",
        str(plan.root),
        "-p",
        "no:cacheprovider",
        "-q",
        "tests",
        cwd=plan.root,
        env={"PYTHONPATH": str(plan.root / "src")},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout


def test_describing_the_pattern_loads_no_strategy_and_no_numpy(generated: list[ScaffoldPlan]) -> None:
    plan = generated[0]
    probe = (
        "import sys\n"
        f"from {plan.module}.plugin import hft_register_patterns\n"
        "(pattern,) = hft_register_patterns()\n"
        "print([k.name for k in pattern.knobs()])\n"
        f"print(sorted(m for m in sys.modules if m.startswith('{plan.module}')))\n"
        "print([m for m in sys.modules if m.split('.')[0] in ('numpy', 'pandas', 'numba')])\n"
    )
    done = _run("-c", probe, cwd=plan.root, env={"PYTHONPATH": str(plan.root / "src")})
    assert done.returncode == 0, done.stderr
    module = plan.module
    assert done.stdout.splitlines() == [
        "['half_spread', 'size', 'max_position', 'interval_ms']",
        str([module, f"{module}.__about__", f"{module}.config", f"{module}.plugin"]),
        "[]",
    ]
