"""Workspace-wide pytest hooks and fixtures.

``hft_cli`` runs the ``hft`` command in-process and returns its exit code, stdout and stderr.

Tests that read the shared sample data (``hft_core.data.samples.shared_data_path``) skip where it is not beside
the checkout (a GitHub runner has no ``../shared``), and fail there instead when ``HFT_REQUIRE_SHARED_DATA=1``:
``.ci/run`` sets it, because the project's CI machine has the data and a silent skip would hide its loss.

Before any test runs, the environment's installed workspace packages are checked against the checkout: an editable
install's metadata (version, entry points, console scripts) is written when it is installed, so an environment made
before a package gained a command (``hft races``) would fail that command's tests with "No such command". The run
stops instead, naming the package, what differs and the command that refreshes it.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Generator
from importlib import metadata
from pathlib import Path

import pytest
from hft_core.data.samples import SharedDataMissing

REQUIRE_ENV = "HFT_REQUIRE_SHARED_DATA"
WORKSPACE = Path(__file__).parent
REFRESH = "hatch env prune (the next 'hatch run' recreates the environment from the checkout)"


def _declared(pyproject: Path) -> tuple[str, str, set[tuple[str, str, str]]]:
    """(name, version, {(group, name, value)}) that the checkout's package declares."""
    declared = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    project = declared["project"]
    about = (pyproject.parent / declared["tool"]["hatch"]["version"]["path"]).read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"$', about, re.MULTILINE)  # (the line hatch version rewrites)
    version = found.group(1) if found else "(no __version__ line)"
    points = {("console_scripts", name, value) for name, value in project.get("scripts", {}).items()}
    for group, entries in project.get("entry-points", {}).items():
        points |= {(group, name, value) for name, value in entries.items()}
    return project["name"], version, points


def stale_workspace_packages(root: Path = WORKSPACE) -> list[str]:
    """One line per workspace package whose installed metadata is not what its checkout declares."""
    problems = []
    for pyproject in sorted(root.glob("packages/*/pyproject.toml")):
        name, version, points = _declared(pyproject)
        try:
            installed = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name} is not installed")
            continue
        have = {(ep.group, ep.name, ep.value) for ep in installed.entry_points}
        if installed.version != version:
            problems.append(f"{name}: installed {installed.version}, the checkout is {version}")
        for group, entry, value in sorted(points - have):
            problems.append(f"{name}: entry point [{group}] {entry} = {value!r} is not installed")
        for group, entry, value in sorted(have - points):
            problems.append(f"{name}: installed entry point [{group}] {entry} = {value!r} is no longer declared")
    return problems


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return  # (xdist workers share the controller's environment: it checked)
    problems = stale_workspace_packages()
    if problems:
        listed = "\n  ".join(problems)
        pytest.exit(f"this environment is older than the checkout:\n  {listed}\nrefresh it: {REFRESH}", returncode=4)


def _skip_if_data_missing() -> Generator[None, object, object]:
    try:
        return (yield)
    except SharedDataMissing as missing:
        if os.environ.get(REQUIRE_ENV, "").strip() == "1":
            raise
        pytest.skip(f"no shared sample data here: {missing}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _skip_if_data_missing())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _skip_if_data_missing())


HftCli = Callable[[list[str]], tuple[int, str, str]]


@pytest.fixture
def hft_cli(capsys: pytest.CaptureFixture[str]) -> HftCli:
    """``hft_cli(["run", ...])``: ``hft`` run in this process, as (exit code, stdout, stderr)."""
    from hft_core.cli import main

    def run(argv: list[str]) -> tuple[int, str, str]:
        capsys.readouterr()  # (only this command's output)
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run
