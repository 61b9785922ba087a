"""Run statistics at their edges, written against the mutants scripts/mutation.py left alive in
`hft_core.engine.stats` (issue #18): FIFO matching down to single units, both the Python source and the compiled
matcher, and the constants the summary's definitions name."""

from __future__ import annotations

import numpy as np
import pytest
from hft_core.engine import stats as st


def _i(values: list[int]) -> st.IntArray:
    return np.asarray(values, dtype=np.int64)


@pytest.mark.parametrize("compiled", [False, True], ids=["python", "compiled"])
def test_fifo_matching_down_to_single_units(compiled: bool) -> None:
    match = st.match_fifo if compiled else st.match_fifo_py
    # buy 3; sell 2 and sell 2 close it (the second leaves a 1-unit short); buy 1 covers that unit
    entries, exits, matched = match(_i([0, 0, 0, 0]), _i([1, -1, -1, 1]), _i([3, 2, 2, 1]), 1)
    assert (entries.tolist(), exits.tolist(), matched.tolist()) == ([0, 0, 2], [1, 2, 3], [2, 1, 1])
    # two instruments interleaved, single units: each closes only its own instrument's entries
    entries, exits, matched = match(_i([0, 0, 1, 0, 1, 1]), _i([1, -1, -1, -1, 1, 1]), _i([1, 1, 2, 3, 1, 1]), 2)
    assert (entries.tolist(), exits.tolist(), matched.tolist()) == ([0, 2, 2], [1, 4, 5], [1, 1, 1])
    # one exit closes several entries, oldest first
    entries, exits, matched = match(_i([0, 0, 0, 0]), _i([-1, -1, -1, 1]), _i([1, 1, 1, 3]), 1)
    assert (entries.tolist(), exits.tolist(), matched.tolist()) == ([0, 1, 2], [3, 3, 3], [1, 1, 1])
    empty = match(_i([]), _i([]), _i([]), 0)
    assert [len(part) for part in empty] == [0, 0, 0]


def test_the_summary_constants() -> None:
    """The definitions in the module docstring name these: 1, 10 and 60 s markouts, nano-lot quantities, a Sharpe
    ratio from at least 30 changes."""
    assert st.MARKOUT_HORIZONS_S == (1, 10, 60)
    assert st.QTY_DECIMALS == 9
    assert st.MIN_SHARPE_SAMPLES == 30


def test_round_trips_of_a_one_nano_lot_remainder() -> None:
    trips = st.round_trips(
        _i([0, 1_000_000_000, 3_000_000_000]),
        ["X", "X", "X"],
        _i([1, -1, -1]),
        np.array([10.0, 11.0, 9.0]),
        np.array([1.000000001, 1.0, 0.000000001]),
        np.zeros(3),
        np.ones(3),
    )
    assert trips["qty"].tolist() == [1.0, 1e-9]
    assert trips["holding_s"].tolist() == [1.0, 3.0]
    assert trips["side"].tolist() == ["long", "long"]
    assert trips["gross_pnl"].tolist() == pytest.approx([1.0, -1e-9])


def test_sequential_sum_adds_left_to_right() -> None:
    values = np.array([1e16, 1.0, 1.0, -1e16])
    assert st.sequential_sum(values) == 0.0  # (1e16 + 1) + 1 rounds back to 1e16 twice
    assert st.sequential_sum(np.array([])) == 0
    assert st.sequential_sum(np.array([0.5])) == 0.5


def test_sharpe_on_a_one_nanosecond_grid_and_with_no_period() -> None:
    changes = np.array([1.0, -0.5, 2.0, 0.5] * 10)
    pnl = np.concatenate([[0.0], np.cumsum(changes)])
    ts = np.arange(len(pnl), dtype=np.int64)
    value, samples = st.sampled_sharpe(ts, pnl, 1)
    assert samples == 40 and value == pytest.approx(changes.mean() / changes.std(ddof=1))
    assert st.sampled_sharpe(ts, pnl, 0) == (None, 0)
    assert st.sampled_sharpe(ts, pnl, -5) == (None, 0)
    assert st.sampled_sharpe(ts[:1], pnl[:1], 1) == (None, 0)


def test_mids_at_with_a_single_mid() -> None:
    values = st.mids_at(_i([5]), np.array([100.0]), _i([4, 5, 6]))
    assert np.isnan(values[0]) and values[1] == 100.0 and np.isnan(values[2])
    assert np.isnan(st.mids_at(_i([]), np.array([]), _i([5]))).all()


def test_round_trip_summary_counts_only_positive_pnl_as_a_win_and_keeps_ten_decimals() -> None:
    assert st.round_trip_summary(np.array([]), np.array([])) == {
        "count": 0,
        "win_rate": None,
        "mean_holding_s": None,
        "pnl": 0.0,
    }
    summary = st.round_trip_summary(np.array([0.0, 2.5, -1.0, 0.0]), np.array([1.0, 1.0, 1.0, 1.0000000004]))
    assert summary == {"count": 4, "win_rate": 0.25, "mean_holding_s": 1.0000000001, "pnl": 1.5}
