"""The release path (#24): the GitHub workflows parse and run the README's commands, every package under packages/
has a release tag whose version is checked against its __about__.py, and every package ships the root LICENSE."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
TAG_SCRIPT = ROOT / ".github" / "scripts" / "release_tag.py"
PACKAGES = sorted(p.parent for p in (ROOT / "packages").glob("*/pyproject.toml"))
ABOUT_VERSION = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.MULTILINE)


def _workflow(name: str) -> dict[str, Any]:
    loaded = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    # YAML 1.1 reads the bare key `on` as the boolean True
    if True in loaded:
        loaded["on"] = loaded.pop(True)
    return loaded


def _steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    steps = job["steps"]
    assert isinstance(steps, list)
    return steps


def _runs(job: dict[str, Any]) -> list[str]:
    return [" ".join(str(step["run"]).split()) for step in _steps(job) if "run" in step]


def _readme_test_command() -> str:
    """The command under the README's "Run the whole test suite" paragraph."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"^Run the whole test suite[^\n]*\n+```[^\n]*\n(?P<command>[^\n]+)\n```", readme, re.MULTILINE)
    assert found is not None, "README.md no longer has the 'Run the whole test suite' command block"
    return found["command"].strip()


def _pinned_hatch() -> str:
    found = re.search(r"^HATCH_VERSION=(\S+)$", (ROOT / ".ci" / "run").read_text(encoding="utf-8"), re.MULTILINE)
    assert found is not None, ".ci/run no longer pins HATCH_VERSION"
    return found[1]


def _about_version(package: Path) -> str:
    module = package.name.replace("-", "_")
    found = ABOUT_VERSION.search((package / "src" / module / "__about__.py").read_text(encoding="utf-8"))
    assert found is not None
    return found[1]


def _pyproject(package: Path) -> dict[str, Any]:
    with (package / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)


def _release_tag(tag: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(TAG_SCRIPT), tag], capture_output=True, text=True, check=False)


def test_there_are_packages_to_release() -> None:
    assert {p.name for p in PACKAGES} >= {"hft-core", "hft-passive-mm", "hft-statarb"}


def test_ci_runs_the_readme_test_command_with_the_pinned_hatch_everywhere() -> None:
    command = _readme_test_command()
    assert "pip install hatch " in command, command
    expected = command.replace("pip install hatch ", f"pip install hatch=={_pinned_hatch()} ")
    ci = _workflow("ci.yml")
    assert {"push", "pull_request"} <= set(ci["on"])
    check = ci["jobs"]["check"]
    matrix = check["strategy"]["matrix"]
    assert set(matrix["os"]) == {"ubuntu-latest", "macos-latest", "windows-latest"}
    assert [str(v) for v in matrix["python-version"]] == ["3.11", "3.12", "3.13"]
    assert check["runs-on"] == "${{ matrix.os }}"
    setup = [s for s in _steps(check) if str(s.get("uses", "")).startswith("actions/setup-python@")]
    assert setup and setup[0]["with"]["python-version"] == "${{ matrix.python-version }}"
    running = [s for s in _steps(check) if " ".join(str(s.get("run", "")).split()) == expected]
    assert len(running) == 1, f"ci.yml's check job must run {expected!r}; it runs {_runs(check)}"
    assert "if" not in running[0], "the test command must run on every matrix cell"
    # ../shared is not on GitHub: nothing may point the tests at it
    envs = [ci.get("env", {}), check.get("env", {}), *(s.get("env", {}) for s in _steps(check))]
    assert not any("HFT_SHARED_DATA" in env for env in envs)
    assert not any("shared" in run for run in _runs(check))


def test_release_workflow_has_one_tag_pattern_per_package() -> None:
    release = _workflow("release.yml")
    assert set(release["on"]) == {"push"}, "release.yml runs on tag pushes only"
    tags = release["on"]["push"]["tags"]
    assert sorted(tags) == sorted(f"{p.name}-v*" for p in PACKAGES)
    assert "branches" not in release["on"]["push"]


def test_release_workflow_checks_the_tag_before_building_only_that_package() -> None:
    build = _workflow("release.yml")["jobs"]["build"]
    runs = _runs(build)
    resolve = 'python .github/scripts/release_tag.py "$GITHUB_REF_NAME" >> "$GITHUB_OUTPUT"'
    check = runs.index(resolve)
    tag_step = next(s for s in _steps(build) if "release_tag.py" in str(s.get("run", "")))
    builds = [i for i, r in enumerate(runs) if "python -m build --outdir dist" in r]
    assert builds and all(i > check for i in builds)
    assert all('"${{ steps.' + tag_step["id"] + '.outputs.path }}"' in runs[i] for i in builds)
    assert any("twine check --strict dist/*" in r for r in runs)
    installs = [r for r in runs if "-m venv" in r]
    assert installs and "dist/*.whl" in installs[0] and 'grep -qx "$DIST $VERSION"' in installs[0]
    assert "hft --version" in installs[0]


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_the_tag_script_accepts_the_about_version_and_refuses_any_other(package: Path) -> None:
    version = _about_version(package)
    ok = _release_tag(f"{package.name}-v{version}")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines() == [
        f"dist={package.name}",
        f"version={version}",
        f"path=packages/{package.name}",
        f"module={package.name.replace('-', '_')}",
    ]
    wrong = _release_tag(f"{package.name}-v{version}.post7")
    assert wrong.returncode == 1 and wrong.stdout == ""
    assert "__about__.py says " + version in wrong.stderr


def test_the_tag_script_refuses_unknown_packages_and_malformed_tags() -> None:
    unknown = _release_tag("hft-nothing-v0.1.0")
    assert unknown.returncode == 1 and "names no package" in unknown.stderr
    malformed = _release_tag("v0.2.0")
    assert malformed.returncode == 1 and "<dist>-v<version>" in malformed.stderr


def test_only_the_publish_job_gets_an_oidc_token_and_it_uses_trusted_publishing() -> None:
    release = _workflow("release.yml")
    assert release["permissions"] == {"contents": "read"}
    jobs = release["jobs"]
    with_token = {name for name, job in jobs.items() if job.get("permissions", {}).get("id-token") == "write"}
    assert with_token == {"publish"}
    publish = jobs["publish"]
    assert publish["needs"] == "build"
    uses = [str(s.get("uses", "")) for s in _steps(publish)]
    assert any(u.startswith("pypa/gh-action-pypi-publish@") for u in uses)
    assert not any("password" in s.get("with", {}) for s in _steps(publish)), "trusted publishing takes no token"
    attach = jobs["github-release"]
    assert "publish" in attach["needs"] and attach["permissions"] == {"contents": "write"}
    assert any(r.startswith('gh release create "$GITHUB_REF_NAME" dist/*') for r in _runs(attach))


def test_license_is_mit_and_matches_every_package() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "MIT License"
    assert "Copyright (c) 2026 the hft-patterns authors" in text
    assert "Permission is hereby granted, free of charge" in text
    for package in PACKAGES:
        pyproject = _pyproject(package)
        assert pyproject["project"]["license"] == "MIT", package.name
        forced = pyproject["tool"]["hatch"]["build"]["targets"]["sdist"]["force-include"]
        assert forced == {"../../LICENSE": "LICENSE"}, package.name


@pytest.mark.slow
@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_sdist_and_the_wheel_built_from_it_carry_the_license(package: Path, tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp_path), str(package)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    license_text = (ROOT / "LICENSE").read_bytes()
    (sdist,) = tmp_path.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        member = archive.extractfile(f"{sdist.name.removesuffix('.tar.gz')}/LICENSE")
        assert member is not None and member.read() == license_text
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        dist_info = f"{wheel.name.split('-')[0]}-{_about_version(package)}.dist-info"
        assert archive.read(f"{dist_info}/licenses/LICENSE") == license_text
        metadata = archive.read(f"{dist_info}/METADATA").decode()
    assert "License-Expression: MIT" in metadata.splitlines()
    assert "License-File: LICENSE" in metadata.splitlines()
