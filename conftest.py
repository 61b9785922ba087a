"""Workspace-wide pytest hooks and fixtures.

``hft_cli`` runs the ``hft`` command in-process and returns its exit code, stdout and stderr.

Tests that read the shared sample data (``hft_core.data.samples.shared_data_path``) skip where it is not beside
the checkout (a GitHub runner has no ``../shared``), and fail there instead when ``HFT_REQUIRE_SHARED_DATA=1``:
``.ci/run`` sets it, because the project's CI machine has the data and a silent skip would hide its loss.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator

import pytest
from hft_core.data.samples import SharedDataMissing

REQUIRE_ENV = "HFT_REQUIRE_SHARED_DATA"


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
