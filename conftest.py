"""Workspace-wide pytest hooks.

Tests that read the shared sample data (``hft_core.data.samples.shared_data_path``) skip where it is not beside
the checkout (a GitHub runner has no ``../shared``), and fail there instead when ``HFT_REQUIRE_SHARED_DATA=1``:
``.ci/run`` sets it, because the project's CI machine has the data and a silent skip would hide its loss.
"""

from __future__ import annotations

import os
from collections.abc import Generator

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
