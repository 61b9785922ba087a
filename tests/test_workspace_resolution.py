"""Workspace members resolve from the workspace only (#18): `hatch run` inside a package folder installs hft-core
from ../hft-core, never from a package index where anyone could publish a package of that name."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
MEMBERS = sorted(p.parent for p in (ROOT / "packages").glob("*/pyproject.toml"))
NAMES = {tomllib.loads((p / "pyproject.toml").read_text())["project"]["name"]: p for p in MEMBERS}


def _workspace_dependencies(project: dict[str, Any]) -> set[str]:
    deps = [str(d) for d in project.get("dependencies", [])]
    for extra in project.get("optional-dependencies", {}).values():
        deps += [str(d) for d in extra]
    names = {d.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0].strip() for d in deps}
    return names & set(NAMES)


@pytest.mark.parametrize("member", MEMBERS, ids=lambda p: p.name)
def test_every_workspace_dependency_has_a_workspace_source(member: Path) -> None:
    config = tomllib.loads((member / "pyproject.toml").read_text())
    needed = _workspace_dependencies(config["project"])
    if not needed:
        return
    sources = config.get("tool", {}).get("uv", {}).get("sources", {})
    for name in needed:
        assert name in sources, f"{member.name}: {name} has no [tool.uv.sources] entry"
        source = sources[name]
        assert (member / source["path"]).resolve() == NAMES[name].resolve() and source.get("editable") is True
    assert config["tool"]["hatch"]["envs"]["default"]["installer"] == "uv"  # the installer that reads the sources


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("hatch") is None, reason="hatch is not on PATH")
def test_hatch_run_in_a_package_folder_uses_the_workspace_core(tmp_path: Path) -> None:
    env = {**os.environ, "HATCH_DATA_DIR": str(tmp_path / "hatch"), "HATCH_ENV": "default"}
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(
        ["hatch", "run", "python", "-c", "import hft_core; print(hft_core.__file__)"],
        cwd=ROOT / "packages" / "hft-passive-mm",
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert Path(done.stdout.strip().splitlines()[-1]).resolve() == (
        ROOT / "packages" / "hft-core" / "src" / "hft_core" / "__init__.py"
    )
