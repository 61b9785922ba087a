"""The distinct values a grid is inferred from (`hft_core.data._distinct`): the compiled hash set against its
plain reference and against ``np.unique`` (#16: `infer_hftbacktest_grid` found them by sorting each chunk)."""

from __future__ import annotations

import numpy as np
import pytest
from hft_core.data._distinct import distinct_positive
from hypothesis import given, settings
from hypothesis import strategies as st

POSITIVE = st.floats(min_value=5e-324, max_value=1e300, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(
    pool=st.lists(POSITIVE, min_size=1, max_size=40),
    picks=st.lists(st.integers(min_value=0, max_value=10**6), min_size=0, max_size=400),
)
def test_the_distinct_values_are_np_unique_s_in_both_implementations(pool: list[float], picks: list[int]) -> None:
    values = np.array([pool[p % len(pool)] for p in picks], dtype=np.float64)
    expected = np.unique(values)
    for compiled in (True, False):
        found = distinct_positive(values, compiled=compiled)
        assert found.dtype == np.float64
        np.testing.assert_array_equal(found, expected)


@pytest.mark.parametrize("compiled", [True, False])
def test_values_that_collide_in_the_table_are_all_kept(compiled: bool) -> None:
    """Grid prices whose low bits are zeros (100.5, 100.25, ...) and neighbours one bit apart: many land near the
    same slots, and probing must keep every one (a table at most half full)."""
    grid = 100.0 + np.arange(4096) * 0.25
    neighbours = np.nextafter(grid, np.inf)
    values = np.concatenate([grid, neighbours, grid[::-1], neighbours[::7]])
    np.testing.assert_array_equal(distinct_positive(values, compiled=compiled), np.unique(values))


def test_a_large_column_with_few_distinct_values() -> None:
    rng = np.random.default_rng(7)
    prices = np.round(2500.0 + rng.integers(-3000, 3000, size=200_000) * 0.01, 2)
    np.testing.assert_array_equal(distinct_positive(prices), np.unique(prices))


def test_no_values() -> None:
    assert len(distinct_positive(np.zeros(0))) == 0
