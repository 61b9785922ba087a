"""Pattern packages use hft-core's public API only: the names in ``hft_core.__all__`` (and the ``hft_core.markets``
knob aliases it lists), never a module path inside hft-core."""

from __future__ import annotations

import ast
from pathlib import Path

import hft_core
import pytest

PACKAGES = Path(__file__).resolve().parents[2]
PUBLIC_MODULES = {"hft_core", "hft_core.markets"}


def _pattern_sources() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES.iterdir()
        if package.name.startswith("hft-") and package.name != "hft-core"
        for path in (package / "src").rglob("*.py")
    )


def test_there_are_pattern_packages_to_check() -> None:
    assert len(_pattern_sources()) > 20


@pytest.mark.parametrize("path", _pattern_sources(), ids=lambda p: str(p.relative_to(PACKAGES)))
def test_a_pattern_package_imports_only_the_public_api(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "hft_core":
            assert node.module in PUBLIC_MODULES, f"{path.name}:{node.lineno} imports from {node.module}"
            if node.module == "hft_core":
                missing = [alias.name for alias in node.names if alias.name not in hft_core.__all__]
                assert not missing, f"{path.name}:{node.lineno} imports {missing}, not in hft_core.__all__"
        if isinstance(node, ast.Import):
            inner = [alias.name for alias in node.names if alias.name.startswith("hft_core.")]
            assert not inner, f"{path.name}:{node.lineno} imports {inner}"


def test_every_public_name_resolves() -> None:
    for name in hft_core.__all__:
        assert getattr(hft_core, name) is not None, name
