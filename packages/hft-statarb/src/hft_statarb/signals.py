"""Entry and exit rules on z-scores and s-scores.

A spread modelled as OU with mean m and stationary standard deviation σ_eq is traded on its s-score
``s = (X − m)/σ_eq``: buy the spread when it is unusually low, sell it when unusually high, close when it has
come back. Avellaneda & Lee (2010), "Statistical arbitrage in the US equities market", Quant. Finance 10(7),
761–782, use open long ``s < −1.25``, open short ``s > 1.25``, close long ``s > −0.50``, close short
``s < 0.75``, and trade only names whose fitted κ exceeds 252/30 per year, i.e. a mean-reversion time
``1/κ`` under 30 trading days (half-life under 30·ln 2 ≈ 20.8 days) — κ in per-year units, which is what
`hft_statarb.ou` returns when ``dt = 1/252`` with daily bars. Their drift-adjusted score
``s − α/(κ·σ_eq)`` (α the residual drift per unit time) is `modified_s_score`.

Pairs traders often use a symmetric rolling z-score band instead (`SignalThresholds.symmetric`, `rolling_zscore`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from hft_statarb._validation import as_finite_series, require_finite_positive
from hft_statarb.errors import StatArbError

__all__ = [
    "AVELLANEDA_LEE_MIN_KAPPA",
    "AVELLANEDA_LEE_THRESHOLDS",
    "SignalThresholds",
    "modified_s_score",
    "passes_speed_filter",
    "positions_from_scores",
    "rolling_zscore",
    "s_score",
    "thresholds_named",
]

FloatArray = npt.NDArray[np.float64]

AVELLANEDA_LEE_MIN_KAPPA = 252.0 / 30.0
"""κ threshold in per-year units (daily bars, ``dt = 1/252``): mean-reversion time under 30 trading days."""


@dataclass(frozen=True, slots=True)
class SignalThresholds:
    """Score levels that open and close a position on the spread (long = long the spread / the name)."""

    open_long: float = -1.25
    open_short: float = 1.25
    close_long: float = -0.50
    close_short: float = 0.75

    def __post_init__(self) -> None:
        values = (self.open_long, self.open_short, self.close_long, self.close_short)
        if not all(math.isfinite(v) for v in values):
            raise StatArbError(f"thresholds must be finite, got {values}")
        if not self.open_long < self.close_long:
            raise StatArbError(
                f"close_long ({self.close_long}) must be above open_long ({self.open_long}), "
                "or a long would close the moment it opens"
            )
        if not self.close_short < self.open_short:
            raise StatArbError(
                f"close_short ({self.close_short}) must be below open_short ({self.open_short}), "
                "or a short would close the moment it opens"
            )
        if not self.open_long < self.open_short:
            raise StatArbError(
                f"open_long ({self.open_long}) must be below open_short ({self.open_short}); "
                "otherwise one score would open both sides"
            )

    @classmethod
    def symmetric(cls, entry: float, exit: float) -> SignalThresholds:
        """Open beyond ±``entry``, close back inside ±``exit`` (e.g. entry 2, exit 0.5)."""
        if not (math.isfinite(entry) and math.isfinite(exit)) or not 0 <= exit < entry:
            raise StatArbError(f"need 0 <= exit < entry, got entry={entry!r}, exit={exit!r}")
        return cls(open_long=-entry, open_short=entry, close_long=-exit, close_short=exit)


AVELLANEDA_LEE_THRESHOLDS = SignalThresholds()
"""Avellaneda & Lee (2010): open ±1.25, close long at −0.50, close short at 0.75."""


def thresholds_named(kind: str, entry: float, exit: float) -> SignalThresholds:
    """The levels a pattern's ``thresholds`` knob names: ``"avellaneda-lee"``, or ``"symmetric"`` at ±entry/±exit."""
    if kind == "avellaneda-lee":
        return AVELLANEDA_LEE_THRESHOLDS
    if kind == "symmetric":
        return SignalThresholds.symmetric(entry, exit)
    raise StatArbError(f"thresholds must be 'avellaneda-lee' or 'symmetric', got {kind!r}")


def s_score(values: npt.ArrayLike, mean: float, sigma_eq: float) -> FloatArray:
    """``(X − m)/σ_eq`` elementwise."""
    scale = require_finite_positive(sigma_eq, "sigma_eq")
    if not math.isfinite(mean):
        raise StatArbError(f"mean must be finite, got {mean!r}")
    return (np.asarray(values, dtype=np.float64) - mean) / scale


def modified_s_score(score: npt.ArrayLike, drift: float, kappa: float, sigma_eq: float) -> FloatArray:
    """Avellaneda–Lee drift-adjusted score ``s − drift/(κ·σ_eq)``; drift and κ in the same time unit."""
    rate = require_finite_positive(kappa, "kappa")
    scale = require_finite_positive(sigma_eq, "sigma_eq")
    return np.asarray(score, dtype=np.float64) - drift / (rate * scale)


def passes_speed_filter(
    kappa: float | npt.ArrayLike, min_kappa: float = AVELLANEDA_LEE_MIN_KAPPA
) -> npt.NDArray[np.bool_]:
    """True where κ > ``min_kappa`` (NaN κ — no mean reversion found — fails)."""
    threshold = require_finite_positive(min_kappa, "min_kappa")
    rates = np.asarray(kappa, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.asarray(np.nan_to_num(rates, nan=-math.inf) > threshold)


def rolling_zscore(values: npt.ArrayLike, window: int) -> FloatArray:
    """Trailing z-score ``(x_t − mean)/std`` over the last ``window`` points including t; NaN before.

    Uses the population standard deviation of the window; a flat window gives NaN, not ±inf.
    """
    if window < 2:
        raise StatArbError(f"window must be >= 2, got {window}")
    series = as_finite_series(values, "values", min_length=window)
    rolling = pd.Series(series).rolling(window)
    mean = rolling.mean().to_numpy(dtype=np.float64)
    std = rolling.std(ddof=0).to_numpy(dtype=np.float64)
    scale = max(float(np.max(np.abs(series))), np.finfo(np.float64).tiny)
    result = np.full(series.size, math.nan)
    valid = std > 1e-12 * scale
    result[valid] = (series[valid] - mean[valid]) / std[valid]
    return result


def positions_from_scores(
    scores: npt.ArrayLike,
    thresholds: SignalThresholds = AVELLANEDA_LEE_THRESHOLDS,
    *,
    initial_position: int = 0,
) -> npt.NDArray[np.int8]:
    """Position after each score: +1 long, −1 short, 0 flat.

    Flat opens long below ``open_long`` and short above ``open_short``. Long closes above ``close_long``;
    short closes below ``close_short``; a score that both closes a position and crosses the opposite open
    level reverses it on the same step. A NaN score (no estimate yet) changes nothing.
    """
    if initial_position not in (-1, 0, 1):
        raise StatArbError(f"initial_position must be -1, 0 or 1, got {initial_position!r}")
    values = np.asarray(scores, dtype=np.float64)
    if values.ndim != 1:
        raise StatArbError(f"scores: expected a 1-D series, got shape {values.shape}")
    positions = np.empty(values.size, dtype=np.int8)
    position = initial_position
    for t, score in enumerate(values.tolist()):
        if not math.isnan(score):
            long_exit = position == 1 and score > thresholds.close_long
            short_exit = position == -1 and score < thresholds.close_short
            if long_exit or short_exit:
                position = 0
            if position == 0:
                if score < thresholds.open_long:
                    position = 1
                elif score > thresholds.open_short:
                    position = -1
        positions[t] = position
    return positions
