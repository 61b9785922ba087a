"""``hft new-pattern``: names, where the package goes, the hft-core range, the files and the next steps.

The generated package itself (ruff, ruff format, mypy --strict and its own tests) is checked in the workspace's
``tests/test_scaffold_package.py``; a wheel of it installed alone in ``tests/test_fresh_installs.py``.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from hft_core.__about__ import __version__
from hft_core.errors import ConfigError
from hft_core.scaffold import MAX_NAME_LENGTH, core_requirement, find_workspace, plan_scaffold, write_scaffold

WORKSPACE_PYPROJECT = """\
[tool.hatch.envs.default]
skip-install = true
workspace.members = ["packages/*"]
"""


def _workspace(root: Path) -> Path:
    (root / "packages").mkdir(parents=True)
    (root / "pyproject.toml").write_text(WORKSPACE_PYPROJECT)
    return root


def test_names_and_location_outside_a_workspace(tmp_path: Path) -> None:
    plan = plan_scaffold("hft-my-idea", None, tmp_path)
    assert (plan.pattern, plan.distribution, plan.module) == ("my-idea", "hft-my-idea", "hft_my_idea")
    assert (plan.config_class, plan.strategy_class) == ("MyIdeaConfig", "MyIdeaStrategy")
    assert plan.root == tmp_path / "hft-my-idea"
    assert plan.workspace is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("My_Idea", "must be kebab-case"),
        ("my--idea", "must be kebab-case"),
        ("core", "hft-core"),
        ("x" * (MAX_NAME_LENGTH + 1), f"longer than {MAX_NAME_LENGTH}"),
    ],
)
def test_bad_names_are_refused(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        plan_scaffold(name, None, tmp_path)


def test_an_existing_directory_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "hft-my-idea").mkdir()
    with pytest.raises(ConfigError, match="already exists"):
        plan_scaffold("my-idea", None, tmp_path)


def test_inside_a_workspace_the_package_goes_to_packages_and_is_a_member(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws")
    plan = plan_scaffold("my-idea", None, root)
    assert plan.root == root / "packages" / "hft-my-idea"
    assert plan.workspace == root.resolve()
    # A directory the members' globs do not cover is not in the workspace, whatever its parents hold.
    assert find_workspace(root / "elsewhere" / "hft-my-idea") is None
    assert find_workspace(root / "packages" / "nested" / "hft-my-idea") is None
    assert plan_scaffold("my-idea", root / "elsewhere", root).workspace is None


def test_next_steps_inside_a_workspace_use_hatch_run(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws")
    lines = plan_scaffold("my-idea", None, root).next_steps()
    commands = [line.split("#")[0].strip() for line in lines if line.startswith("  hatch ")]
    assert commands == [
        "hatch run hft info my-idea",
        "hatch run hft run my-idea --duration 60",
        "hatch run pytest packages/hft-my-idea",
        "hatch run check",
    ]
    assert "packages/hft-my-idea is a member of the hatch workspace" in lines[0]
    assert not any("pip install" in line or line.startswith("  cd ") for line in lines)
    assert "  ./packages/hft-my-idea/src/hft_my_idea/strategy.py  its strategy" in lines
    # Run from elsewhere (--dir into the workspace), the steps start by going there.
    elsewhere = plan_scaffold("other", root / "packages", tmp_path).next_steps()
    assert f"  cd {root.resolve()}" in elsewhere


def test_next_steps_outside_a_workspace_use_pip(tmp_path: Path) -> None:
    lines = plan_scaffold("my-idea", None, tmp_path).next_steps()
    commands = [line.split("#")[0].strip() for line in lines if line.startswith("  ") and "#" in line]
    assert commands == [
        "pip install -e ./hft-my-idea pytest",  # './': pip reads a path, not a distribution name
        "hft info my-idea",
        "hft run my-idea --duration 60",
        "pytest ./hft-my-idea",
    ]
    assert not any("hatch" in line for line in lines)


@pytest.mark.parametrize(
    ("version", "requirement"),
    [
        ("0.1.0", "hft-core>=0.1,<0.2"),
        ("0.2.3", "hft-core>=0.2,<0.3"),
        ("0.10.0", "hft-core>=0.10,<0.11"),
        ("1.4.0", "hft-core>=1.4,<2"),
    ],
)
def test_core_requirement_is_the_minor_range_while_0x(version: str, requirement: str) -> None:
    assert core_requirement(version) == requirement


def test_written_files_follow_the_pattern_contract(tmp_path: Path) -> None:
    plan = plan_scaffold("my-idea", None, tmp_path)
    written = write_scaffold(plan)
    src = plan.root / "src" / "hft_my_idea"
    assert sorted(p.relative_to(plan.root).as_posix() for p in written) == sorted(
        [
            "CHANGELOG.md",
            "README.md",
            "pyproject.toml",
            "src/hft_my_idea/__about__.py",
            "src/hft_my_idea/__init__.py",
            "src/hft_my_idea/config.py",
            "src/hft_my_idea/plugin.py",
            "src/hft_my_idea/py.typed",
            "src/hft_my_idea/strategy.py",
            "tests/test_hft_my_idea.py",
        ]
    )
    project = tomllib.loads((plan.root / "pyproject.toml").read_text())["project"]
    # The range of the hft-core that wrote it (its __about__.py at generation time).
    assert project["dependencies"] == [core_requirement(__version__)]
    assert __version__.startswith(project["dependencies"][0].removeprefix("hft-core>=").split(",")[0] + ".")
    assert project["entry-points"]["hft"] == {"my-idea": "hft_my_idea.plugin"}
    plugin = (src / "plugin.py").read_text()
    assert 'config="hft_my_idea.config:MyIdeaConfig"' in plugin
    assert 'strategy="hft_my_idea.strategy:MyIdeaStrategy"' in plugin
    assert not re.search(r"^\s*(from|import) hft_my_idea", plugin, flags=re.MULTILINE)  # names, not imports
    for removed in ("from_params", "strategy_factory", "Parameter("):
        assert not any(removed in p.read_text() for p in written if p.suffix == ".py"), removed
    assert "class MyIdeaConfig(Config):" in (src / "config.py").read_text()
    assert "def __init__(self, config: MyIdeaConfig | None = None) -> None:" in (src / "strategy.py").read_text()
    # Nothing numeric in the modules that listing a pattern imports.
    for cheap in ("__init__.py", "config.py", "plugin.py"):
        assert not re.search(r"^\s*(from|import) (numpy|pandas|numba)", (src / cheap).read_text(), re.MULTILINE)
