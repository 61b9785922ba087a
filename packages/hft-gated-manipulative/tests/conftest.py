"""Fixtures for hft-gated-manipulative's tests.

The package refuses to import without the educational flag, and the engine refuses to run its strategies without
it. `unlocked` turns the flag on for one test (importing every module), then off again, so the rest of the test
session runs without it; tests import what they need inside their bodies.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
from hft_core.gate import EDUCATIONAL_ENV, educational_enabled, set_educational

MODULES = (
    "hft_gated_manipulative",
    "hft_gated_manipulative.__about__",
    "hft_gated_manipulative.config",
    "hft_gated_manipulative.episodes",
    "hft_gated_manipulative.spoofing",
    "hft_gated_manipulative.momentum_ignition",
    "hft_gated_manipulative.quote_stuffing",
    "hft_gated_manipulative.plugin",
    "hft_gated_manipulative.studies",
)


@contextlib.contextmanager
def _flag_on() -> Iterator[None]:
    """Import every module of the package with the flag on, and keep it on meanwhile: the engine asks for the flag
    again when a gated strategy is run (hft_core.gate)."""
    flag_was_set = educational_enabled() and os.environ.get(EDUCATIONAL_ENV, "").strip() != "1"
    set_educational(True)
    try:
        for name in MODULES:
            importlib.import_module(name)
        yield
    finally:
        set_educational(flag_was_set)


@pytest.fixture
def unlocked() -> Iterator[None]:
    """The flag on for one test."""
    with _flag_on():
        yield


@pytest.fixture(scope="module")
def unlocked_module() -> Iterator[None]:
    """The flag on for a whole module (for module-scoped fixtures that run gated strategies once)."""
    with _flag_on():
        yield


RunPython = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_python() -> RunPython:
    """Run code in a fresh interpreter of this environment with no HFT_* variables (``educational=True``: the flag)."""

    def run(code: str, *, educational: bool = False) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HFT_")}
        if educational:
            env[EDUCATIONAL_ENV] = "1"
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)

    return run
