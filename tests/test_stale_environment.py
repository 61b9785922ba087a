"""The suite refuses to run in an environment older than the checkout (the root conftest's check).

An editable install's metadata is written at install time: CI's machine kept an environment made before
hft-latency-arb declared ``hft races``, and four tests failed with "No such command 'races'" instead of one message
saying the environment was stale.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).parents[1]


def _conftest() -> ModuleType:
    spec = importlib.util.spec_from_file_location("root_conftest_under_test", ROOT / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _workspace_copy(tmp_path: Path) -> Path:
    for package in (ROOT / "packages").iterdir():
        if (package / "pyproject.toml").is_file():
            about = next((package / "src").glob("*/__about__.py"))
            target = tmp_path / "packages" / package.name
            (target / about.parent.relative_to(package)).mkdir(parents=True)
            shutil.copy(package / "pyproject.toml", target / "pyproject.toml")
            shutil.copy(about, target / about.relative_to(package))
    return tmp_path


def test_this_environment_matches_the_checkout() -> None:
    assert _conftest().stale_workspace_packages() == []


def test_a_command_declared_after_the_install_is_named(tmp_path: Path) -> None:
    root = _workspace_copy(tmp_path)
    pyproject = root / "packages" / "hft-latency-arb" / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(
        text.replace('races = "hft_latency_arb.cli:races_app"', 'duels = "hft_latency_arb.cli:races_app"')
    )
    assert _conftest().stale_workspace_packages(root) == [
        "hft-latency-arb: entry point [hft.commands] duels = 'hft_latency_arb.cli:races_app' is not installed",
        "hft-latency-arb: installed entry point [hft.commands] races = 'hft_latency_arb.cli:races_app' is no longer"
        " declared",
    ]


def test_a_version_bump_and_a_new_package_are_named(tmp_path: Path) -> None:
    root = _workspace_copy(tmp_path)
    about = next((root / "packages" / "hft-statarb" / "src").glob("*/__about__.py"))
    about.write_text('__version__ = "99.0.0"\n', encoding="utf-8")
    newcomer = root / "packages" / "hft-newcomer"
    (newcomer / "src" / "hft_newcomer").mkdir(parents=True)
    (newcomer / "src" / "hft_newcomer" / "__about__.py").write_text('__version__ = "0.1.0"\n', encoding="utf-8")
    (newcomer / "pyproject.toml").write_text(
        '[project]\nname = "hft-newcomer"\n[tool.hatch.version]\npath = "src/hft_newcomer/__about__.py"\n',
        encoding="utf-8",
    )
    problems = _conftest().stale_workspace_packages(root)
    assert "hft-newcomer is not installed" in problems
    assert any(
        line.startswith("hft-statarb: installed ") and line.endswith("the checkout is 99.0.0") for line in problems
    )
    assert len(problems) == 2


def test_pytest_stops_with_the_message_and_the_fix(tmp_path: Path) -> None:
    """A whole pytest run in a stale copy: one message, exit 4, no test run."""
    root = _workspace_copy(tmp_path)
    shutil.copy(ROOT / "conftest.py", root / "conftest.py")
    (root / "pyproject.toml").write_text("[tool.pytest.ini_options]\n", encoding="utf-8")
    (root / "tests").mkdir()
    (root / "tests" / "test_never_runs.py").write_text("def test_never_runs():\n    raise AssertionError\n")
    about = next((root / "packages" / "hft-core" / "src").glob("*/__about__.py"))
    about.write_text('__version__ = "99.0.0"\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", str(root / "tests")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 4, done.stdout + done.stderr
    output = done.stdout + done.stderr
    assert "this environment is older than the checkout" in output and "the checkout is 99.0.0" in output
    assert "hatch env prune" in output and "AssertionError" not in output
