"""Lead–lag between two asynchronously observed prices: Hayashi–Yoshida and Hoffmann–Rosenbaum–Yoshida.

**Hayashi–Yoshida (2005).** For two log-price series observed at their own times, the covariance of their
increments is the sum of ``ΔX_i · ΔY_j`` over every pair of observation intervals that overlap, with no
resampling (previous-tick sampling on a grid biases the covariance towards zero, the Epps effect). The
correlation divides by the realised variances ``√(Σ ΔX_i² · Σ ΔY_j²)``.

**Hoffmann, Rosenbaum & Yoshida (2013).** Shift the second series' clock by θ (``Y`` observed at ``t`` is placed at
``t − θ``) and compute the HY correlation for each θ of a grid; the lead–lag estimate is the θ that maximises
``|ρ(θ)|``. θ > 0 means the first series leads: its moves show up in the second θ later.

**Interval.** A moving-block bootstrap over time: the common time span is cut into blocks (``block_s``), blocks are
drawn with replacement, and θ̂ is recomputed from the per-block covariance contributions; the interval is the
percentile interval of the bootstrap θ̂'s. Blocks keep the within-block dependence; they must be long against
the lags of interest.

Times are integer nanoseconds. The per-block sums for every θ of the grid come from one compiled kernel
(`_lag_blocks`, numba) that walks both sorted series together, O(n + m) per θ; `hy_block_contributions` is the
same computation for one θ in numpy (a test checks they agree).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numba
import numpy as np
import numpy.typing as npt

__all__ = [
    "LeadLagResult",
    "hayashi_yoshida",
    "hy_block_contributions",
    "lag_grid",
    "lead_lag",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class LeadLagError(ValueError):
    """Input a lead–lag estimate cannot be computed from (the message says what and why)."""


def _prepare(times: npt.ArrayLike, prices: npt.ArrayLike, name: str) -> tuple[IntArray, FloatArray]:
    """Sorted times and log prices, keeping only changes of price (repeated prices add no increment)."""
    t = np.asarray(times, dtype=np.int64)
    p = np.asarray(prices, dtype=np.float64)
    if t.shape != p.shape or t.ndim != 1:
        raise LeadLagError(f"{name}: times and prices must be 1-d arrays of the same length")
    if len(t) < 3:
        raise LeadLagError(f"{name}: needs at least 3 observations, got {len(t)}")
    if not np.all(np.isfinite(p)) or np.any(p <= 0):
        raise LeadLagError(f"{name}: prices must be finite and > 0")
    order = np.argsort(t, kind="stable")
    t, p = t[order], np.log(p[order])
    # Several observations at one timestamp: keep the last (the price as of that instant).
    last = np.append(t[1:] != t[:-1], True)
    t, p = t[last], p[last]
    keep = np.append(True, np.diff(p) != 0.0)
    return t[keep], p[keep]


def _hy_sum(tx: IntArray, dx: FloatArray, ty: IntArray, dy: FloatArray) -> float:
    """Σ ΔX_i ΔY_j over overlapping intervals (t_{i-1}, t_i] and (s_{j-1}, s_j], in O(n + m).

    Interval i of X overlaps intervals j of Y with s_j > tx[i-1] and s_{j-1} < tx[i]: a contiguous range
    [lo_i, hi_i) of j; with the prefix sum of ΔY the sum over j is one subtraction.
    """
    x_start, x_end = tx[:-1], tx[1:]
    y_start, y_end = ty[:-1], ty[1:]
    lo = np.searchsorted(y_end, x_start, side="right")  # first j with s_j > t_{i-1}
    hi = np.searchsorted(y_start, x_end, side="left")  # first j with s_{j-1} >= t_i
    cum = np.concatenate(([0.0], np.cumsum(dy)))
    inner = cum[np.maximum(hi, lo)] - cum[lo]
    return float(np.dot(dx, inner))


def hy_block_contributions(
    tx: IntArray, px: FloatArray, ty: IntArray, py: FloatArray, edges: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per time block (``edges``, sorted ns): HY cross products, Σ ΔX² and Σ ΔY², each block by the end of the
    X interval (cross and X) or the Y interval (Y) that falls in it."""
    dx, dy = np.diff(px), np.diff(py)
    x_start, x_end = tx[:-1], tx[1:]
    y_start, y_end = ty[:-1], ty[1:]
    lo = np.searchsorted(y_end, x_start, side="right")
    hi = np.searchsorted(y_start, x_end, side="left")
    cum = np.concatenate(([0.0], np.cumsum(dy)))
    cross = dx * (cum[np.maximum(hi, lo)] - cum[lo])
    n_blocks = len(edges) - 1
    bx = np.clip(np.searchsorted(edges, x_end, side="right") - 1, 0, n_blocks - 1)
    by = np.clip(np.searchsorted(edges, y_end, side="right") - 1, 0, n_blocks - 1)
    return (
        np.bincount(bx, weights=cross, minlength=n_blocks).astype(np.float64),
        np.bincount(bx, weights=dx * dx, minlength=n_blocks).astype(np.float64),
        np.bincount(by, weights=dy * dy, minlength=n_blocks).astype(np.float64),
    )


@numba.njit(cache=True)
def _lag_blocks(
    tx: IntArray, px: FloatArray, ty: IntArray, py: FloatArray, lags: IntArray, edges: IntArray, start: int, end: int
) -> tuple[FloatArray, FloatArray, FloatArray]:  # pragma: no cover - compiled (checked against the numpy version)
    """`hy_block_contributions` of X against Y shifted by each lag (Y kept where ``start <= t − lag <= end``), as
    (lags × blocks) arrays; a lag that leaves Y (or X) fewer than 3 points gets zeros and unit variances."""
    n_lags, n_blocks, n = len(lags), len(edges) - 1, len(tx)
    crosses = np.zeros((n_lags, n_blocks))
    var_x = np.zeros((n_lags, n_blocks))
    var_y = np.zeros((n_lags, n_blocks))
    # X's blocks and variances do not depend on the lag
    bx = np.empty(max(n - 1, 0), np.int64)
    block = 0
    for i in range(n - 1):
        while block < n_blocks and edges[block] <= tx[i + 1]:
            block += 1
        bx[i] = min(max(block - 1, 0), n_blocks - 1)
    x_var = np.zeros(n_blocks)
    for i in range(n - 1):
        d = px[i + 1] - px[i]
        x_var[bx[i]] += d * d
    for k in range(n_lags):
        lag = lags[k]
        a = np.searchsorted(ty, start + lag, side="left")
        b = np.searchsorted(ty, end + lag, side="right")
        m = b - a
        if m < 3 or n < 3:
            var_x[k, :] = 1.0
            var_y[k, :] = 1.0
            continue
        var_x[k, :] = x_var
        cum = np.empty(m)
        cum[0] = 0.0
        block = 0
        for j in range(m - 1):
            d = py[a + j + 1] - py[a + j]
            cum[j + 1] = cum[j] + d
            t_end = ty[a + j + 1] - lag
            while block < n_blocks and edges[block] <= t_end:
                block += 1
            var_y[k, min(max(block - 1, 0), n_blocks - 1)] += d * d
        lo = 0  # first j with s_{j+1} > t_{i-1}
        hi = 0  # first j with s_j >= t_i
        for i in range(n - 1):
            x_start, x_end = tx[i], tx[i + 1]
            while lo < m - 1 and ty[a + lo + 1] - lag <= x_start:
                lo += 1
            while hi < m - 1 and ty[a + hi] - lag < x_end:
                hi += 1
            top = hi if hi > lo else lo
            crosses[k, bx[i]] += (px[i + 1] - px[i]) * (cum[top] - cum[lo])
    return crosses, var_x, var_y


def hayashi_yoshida(
    times_x: npt.ArrayLike, prices_x: npt.ArrayLike, times_y: npt.ArrayLike, prices_y: npt.ArrayLike
) -> tuple[float, float]:
    """The Hayashi–Yoshida covariance and correlation of two asynchronously observed log prices."""
    tx, px = _prepare(times_x, prices_x, "first series")
    ty, py = _prepare(times_y, prices_y, "second series")
    dx, dy = np.diff(px), np.diff(py)
    cov = _hy_sum(tx, dx, ty, dy)
    scale = float(np.sqrt(np.dot(dx, dx) * np.dot(dy, dy)))
    return cov, (cov / scale if scale > 0 else 0.0)


def lag_grid(max_lag_ns: int, step_ns: int) -> IntArray:
    """Lags from ``-max_lag_ns`` to ``+max_lag_ns`` every ``step_ns`` (0 included)."""
    if step_ns <= 0 or max_lag_ns < 0:
        raise LeadLagError(f"lag grid: step ({step_ns} ns) must be > 0 and the range ({max_lag_ns} ns) >= 0")
    k = max_lag_ns // step_ns
    return np.arange(-k, k + 1, dtype=np.int64) * step_ns


@dataclass(frozen=True)
class LeadLagResult:
    """The HRY estimate: correlation per lag, the lag of largest |correlation| and its bootstrap interval.

    ``lag_ns`` > 0: the first series leads the second by that much.
    """

    lags_ns: IntArray
    correlation: FloatArray
    lag_ns: int
    peak_correlation: float
    ci_ns: tuple[int, int]
    confidence: float
    n_x: int
    n_y: int
    overlap_ns: tuple[int, int]
    bootstrap_lags_ns: IntArray = field(repr=False)

    def summary(self) -> dict[str, object]:
        """A JSON-ready summary."""
        zero = int(np.argmin(np.abs(self.lags_ns)))
        return {
            "lead_lag_ns": self.lag_ns,
            "lead_lag_ms": self.lag_ns / 1e6,
            "leader": "first" if self.lag_ns > 0 else ("second" if self.lag_ns < 0 else "neither (lag 0)"),
            "peak_correlation": self.peak_correlation,
            "correlation_at_zero": float(self.correlation[zero]),
            "ci_ns": list(self.ci_ns),
            "ci_ms": [self.ci_ns[0] / 1e6, self.ci_ns[1] / 1e6],
            "confidence": self.confidence,
            "observations": [self.n_x, self.n_y],
            "overlap_ns": list(self.overlap_ns),
            "grid": {
                "min_ns": int(self.lags_ns[0]),
                "max_ns": int(self.lags_ns[-1]),
                "points": len(self.lags_ns),
            },
        }


def lead_lag(
    times_x: npt.ArrayLike,
    prices_x: npt.ArrayLike,
    times_y: npt.ArrayLike,
    prices_y: npt.ArrayLike,
    lags_ns: npt.ArrayLike,
    *,
    block_s: float = 10.0,
    n_boot: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
) -> LeadLagResult:
    """The Hoffmann–Rosenbaum–Yoshida lead–lag estimate of X against Y over ``lags_ns`` (see the module docstring).

    Raises `LeadLagError` (a ValueError) for series that do not overlap in time, too few observations, or a lag
    grid finer than the data's timestamp resolution.
    """
    tx, px = _prepare(times_x, prices_x, "first series")
    ty, py = _prepare(times_y, prices_y, "second series")
    lags = np.unique(np.asarray(lags_ns, dtype=np.int64))
    if len(lags) == 0:
        raise LeadLagError("lag grid is empty")
    start, end = max(int(tx[0]), int(ty[0])), min(int(tx[-1]), int(ty[-1]))
    if end <= start:
        raise LeadLagError(
            f"the series do not overlap in time (first {int(tx[0])}..{int(tx[-1])} ns, "
            f"second {int(ty[0])}..{int(ty[-1])} ns)"
        )
    resolution = _resolution(np.concatenate((tx, ty)))
    if len(lags) > 1 and int(np.min(np.diff(lags))) < resolution:
        raise LeadLagError(
            f"lag grid step {int(np.min(np.diff(lags)))} ns is finer than the timestamps' resolution "
            f"({resolution} ns): lags between grid points cannot be told apart"
        )
    if not 0 < confidence < 1:
        raise LeadLagError(f"confidence must lie in (0, 1), got {confidence}")
    block_ns = max(int(block_s * 1e9), 1)
    n_blocks = max((end - start) // block_ns, 1)
    edges = start + np.arange(n_blocks + 1, dtype=np.int64) * ((end - start) // n_blocks)
    edges[-1] = end
    x_in = (tx >= start) & (tx <= end)
    tx, px = tx[x_in], px[x_in]
    crosses, var_x, var_y = _lag_blocks(tx, px, ty, py, lags, edges, start, end)
    correlation = _correlation(crosses.sum(axis=1), var_x.sum(axis=1), var_y.sum(axis=1))
    best = int(np.argmax(np.abs(correlation)))
    rng = np.random.default_rng(seed)
    boot = np.empty(n_boot, dtype=np.int64)
    for b in range(n_boot):
        pick = rng.integers(0, n_blocks, n_blocks)
        r = _correlation(crosses[:, pick].sum(axis=1), var_x[:, pick].sum(axis=1), var_y[:, pick].sum(axis=1))
        boot[b] = lags[int(np.argmax(np.abs(r)))]
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(boot, [tail, 1.0 - tail], method="inverted_cdf") if n_boot else (lags[best], lags[best])
    return LeadLagResult(
        lags_ns=lags,
        correlation=correlation,
        lag_ns=int(lags[best]),
        peak_correlation=float(correlation[best]),
        ci_ns=(int(low), int(high)),
        confidence=confidence,
        n_x=len(tx),
        n_y=len(ty),
        overlap_ns=(start, end),
        bootstrap_lags_ns=boot,
    )


def _correlation(cross: FloatArray, var_x: FloatArray, var_y: FloatArray) -> FloatArray:
    scale = np.sqrt(var_x * var_y)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(scale > 0, cross / scale, 0.0)
    return np.asarray(out, dtype=np.float64)


def _resolution(times: IntArray) -> int:
    """The timestamps' resolution: the largest power of ten (in ns, up to 1 s) that divides every timestamp."""
    for step in (1_000_000_000, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10):
        if not np.any(times % step):
            return step
    return 1
