"""Lead–lag estimators on simulated pairs with a planted lag, and their refusals of bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hft_latency_arb.leadlag import LeadLagError, hayashi_yoshida, lag_grid, lead_lag

MS = 1_000_000


def _planted(lag_ns: int, seed: int = 1, seconds: float = 600.0) -> tuple[np.ndarray, ...]:
    """X observes a random walk at Poisson times; Y observes the same walk lag_ns later (X leads)."""
    rng = np.random.default_rng(seed)
    step = MS
    n = int(seconds * 1e9 / step)
    walk = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 2e-5, n)))
    tx = np.sort(rng.choice(np.arange(n), size=n // 20, replace=False)).astype(np.int64) * step
    ty = np.sort(rng.choice(np.arange(n), size=n // 30, replace=False)).astype(np.int64) * step
    ty = ty[ty >= lag_ns]
    px = walk[tx // step]
    py = walk[(ty - lag_ns) // step]
    return tx, px, ty, py


def test_hy_correlation_of_one_series_with_itself_is_one() -> None:
    tx, px, _, _ = _planted(0)
    cov, rho = hayashi_yoshida(tx, px, tx, px)
    assert rho == pytest.approx(1.0)
    assert cov == pytest.approx(float(np.sum(np.diff(np.log(px)) ** 2)))


@pytest.mark.parametrize("planted_ms", [0, 7, -12])
def test_hry_recovers_a_planted_lag_within_one_grid_step(planted_ms: int) -> None:
    if planted_ms >= 0:
        tx, px, ty, py = _planted(planted_ms * MS)
    else:  # Y leads: swap the roles
        ty, py, tx, px = _planted(-planted_ms * MS)
    result = lead_lag(tx, px, ty, py, lag_grid(40 * MS, MS), n_boot=100)
    assert abs(result.lag_ns - planted_ms * MS) <= MS
    assert result.ci_ns[0] <= result.lag_ns <= result.ci_ns[1]
    assert result.peak_correlation > 0.5
    if planted_ms:
        assert result.summary()["leader"] == ("first" if planted_ms > 0 else "second")


def test_a_grid_finer_than_the_timestamps_is_refused() -> None:
    tx, px, ty, py = _planted(5 * MS)
    with pytest.raises(LeadLagError, match="finer than the timestamps' resolution"):
        lead_lag(tx, px, ty, py, lag_grid(2 * MS, 100_000))


def test_series_that_do_not_overlap_are_refused() -> None:
    tx, px, ty, py = _planted(0)
    with pytest.raises(LeadLagError, match="do not overlap"):
        lead_lag(tx, px, ty + 10**13, py, lag_grid(5 * MS, MS))


def test_too_few_observations_are_refused() -> None:
    with pytest.raises(LeadLagError, match="at least 3"):
        hayashi_yoshida([1, 2], [1.0, 2.0], [1, 2, 3], [1.0, 2.0, 3.0])


def test_the_compiled_lag_scan_equals_the_numpy_one() -> None:
    from hft_latency_arb.leadlag import _lag_blocks, _prepare, hy_block_contributions

    rng = np.random.default_rng(5)
    tx, px = _prepare(np.sort(rng.integers(0, 10**10, 3000)), 100 + rng.normal(0, 0.01, 3000).cumsum(), "x")
    ty, py = _prepare(np.sort(rng.integers(0, 10**10, 2000)), 100 + rng.normal(0, 0.01, 2000).cumsum(), "y")
    start, end = max(int(tx[0]), int(ty[0])), min(int(tx[-1]), int(ty[-1]))
    edges = np.linspace(start, end, 7).astype(np.int64)
    keep = (tx >= start) & (tx <= end)
    tx, px = tx[keep], px[keep]
    lags = np.array([-(10**10), -(10**8), -3, 0, 7 * 10**6, 10**9], dtype=np.int64)
    crosses, var_x, var_y = _lag_blocks(tx, px, ty, py, lags, edges, start, end)
    for k, lag in enumerate(lags.tolist()):
        shifted = ty - lag
        y_in = (shifted >= start) & (shifted <= end)
        if y_in.sum() < 3:  # a lag that leaves no overlap: zeros and unit variances
            assert not crosses[k].any() and (var_x[k] == 1).all() and (var_y[k] == 1).all()
            continue
        expected = hy_block_contributions(tx, px, shifted[y_in], py[y_in], edges)
        for got, want in zip((crosses[k], var_x[k], var_y[k]), expected, strict=True):
            assert got.tobytes() == want.tobytes()
