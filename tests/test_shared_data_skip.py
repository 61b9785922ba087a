"""The root conftest: a test needing the shared sample data skips where it is missing, fails where it is required."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"
NEEDS_DATA = """
from hft_core.data.samples import SharedDataMissing
import pytest

@pytest.fixture
def capture():
    raise SharedDataMissing("shared sample data 'x.gz' not found")

def test_in_a_fixture(capture):
    pass

def test_in_the_body():
    raise SharedDataMissing("shared sample data 'y.gz' not found")

def test_other_errors_still_fail():
    raise FileNotFoundError("a file the test made itself")
"""


def test_missing_shared_data_skips(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HFT_REQUIRE_SHARED_DATA", raising=False)
    pytester.makeconftest(ROOT_CONFTEST.read_text())
    pytester.makepyfile(NEEDS_DATA)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(skipped=2, failed=1)


def test_required_shared_data_fails(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HFT_REQUIRE_SHARED_DATA", "1")
    pytester.makeconftest(ROOT_CONFTEST.read_text())
    pytester.makepyfile(NEEDS_DATA)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(failed=2, errors=1)
