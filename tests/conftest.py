"""Cross-package fixtures: wheels built from the workspace and fresh virtual environments that install them.

These tests prove what users get from pip: each venv holds only hft-core (plus the wheels a test names) and the
dependencies resolved from the package index, never the workspace's editable installs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


def uv_binary() -> str:
    """The uv executable that ships with the dev environment (the `uv` package)."""
    from uv import find_uv_bin

    return str(find_uv_bin())


@dataclass(frozen=True)
class Venv:
    """A fresh virtual environment with some of the workspace's wheels installed."""

    path: Path

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @property
    def hft(self) -> Path:
        return self.path / "bin" / "hft"

    def run_hft(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run the venv's ``hft`` with a clean environment (no HFT_* variables leak in from the caller)."""
        clean = {k: v for k, v in os.environ.items() if not k.startswith("HFT_")}
        return subprocess.run(
            [str(self.hft), *args], capture_output=True, text=True, env=clean | (env or {}), timeout=300
        )

    def run_python(self, code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("HFT_")}
        return subprocess.run(
            [str(self.python), "-c", code], capture_output=True, text=True, env=clean | (env or {}), timeout=300
        )

    def install(self, *wheels: Path) -> None:
        """Install more wheels into this venv (their dependencies from the venv or the package index)."""
        subprocess.run(
            [uv_binary(), "pip", "install", "--quiet", "--python", str(self.python), *map(str, wheels)],
            check=True,
            timeout=900,
        )

    def hft_json(self, *args: str, env: dict[str, str] | None = None) -> object:
        done = self.run_hft(*args, env=env)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


def build_wheel(project: Path, out_dir: Path) -> Path:
    """Build ``project``'s wheel into ``out_dir`` and return its path."""
    before = set(out_dir.glob("*.whl"))
    subprocess.run(
        [uv_binary(), "build", "--wheel", "--quiet", "--out-dir", str(out_dir), str(project)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = set(out_dir.glob("*.whl")) - before
    return wheel


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Build a workspace package (``packages/<dist>``) or fixture (``tests/fixtures/<dist>``) wheel on demand."""
    out_dir = tmp_path_factory.mktemp("wheels")
    built: dict[str, Path] = {}

    def get(dist: str) -> Path:
        if dist not in built:
            project = ROOT / "packages" / dist
            if not project.is_dir():
                project = FIXTURES / dist
            built[dist] = build_wheel(project, out_dir)
        return built[dist]

    return get


@pytest.fixture(scope="session")
def make_venv(tmp_path_factory: pytest.TempPathFactory, wheels: Callable[[str], Path]) -> Iterator[Callable[..., Venv]]:
    """Create a fresh venv with the named workspace wheels (and their index dependencies) installed."""
    cache: dict[tuple[str, ...], Venv] = {}

    def make(*dists: str) -> Venv:
        key = tuple(sorted(dists))
        if key not in cache:
            path = tmp_path_factory.mktemp("venv-" + "-".join(d.removeprefix("hft-") for d in key)[:60])
            uv = uv_binary()
            subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(path)], check=True, timeout=300)
            wheel_paths = [str(wheels(d)) for d in dists]
            # Sibling wheels satisfy hft-core>=... requirements; everything else comes from the package index.
            subprocess.run(
                [uv, "pip", "install", "--quiet", "--python", str(path / "bin" / "python"), *wheel_paths],
                check=True,
                timeout=900,
            )
            cache[key] = Venv(path)
        return cache[key]

    yield make
