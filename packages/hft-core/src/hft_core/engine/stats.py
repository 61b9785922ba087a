"""Run statistics from a run's fills, orders and equity series.

Definitions (docs/architecture.md repeats them):

- ``pnl``: final mark-to-market PnL in quote currency, fees included.
- ``sharpe``: mean / std of PnL changes between equity samples, scaled by √(samples per year) with a 365-day
  year (markets here trade around the clock); 0 when PnL never changes.
- ``max_drawdown``: the largest peak-to-trough fall of the PnL curve, in quote currency (≥ 0).
- ``fill_ratio``: orders with at least one fill / orders accepted by the venue.
- ``order_to_trade``: orders submitted / fills.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["max_drawdown", "sequential_sum", "sharpe_ratio"]

_NS_PER_YEAR = 365 * 24 * 3600 * 1_000_000_000


def sharpe_ratio(ts: Sequence[int], pnl: Sequence[float]) -> float:
    """Annualised Sharpe ratio of PnL changes between samples taken at times ``ts`` (ns)."""
    if len(pnl) < 3:
        return 0.0
    changes = np.diff(np.asarray(pnl, dtype=np.float64))
    std = float(changes.std(ddof=1))
    if std == 0.0 or not math.isfinite(std):
        return 0.0
    span = int(ts[-1]) - int(ts[0])
    if span <= 0:
        return 0.0
    samples_per_year = len(changes) * _NS_PER_YEAR / span
    return float(changes.mean() / std * math.sqrt(samples_per_year))


def max_drawdown(pnl: Sequence[float]) -> float:
    """Largest peak-to-trough fall of the PnL curve (0 for a curve that never falls)."""
    if len(pnl) == 0:
        return 0.0
    curve = np.asarray(pnl, dtype=np.float64)
    peaks = np.maximum.accumulate(curve)
    return float((peaks - curve).max())


def sequential_sum(values: npt.NDArray[np.float64]) -> float:
    """The floats added left to right (as Python 3.11's ``sum`` does; 0 for none). ``np.sum`` adds pairwise and
    rounds differently: the stats must not change with how they are computed."""
    if len(values) == 0:
        return 0
    return float(np.cumsum(values)[-1])
