"""Quote stuffing: bursts of messages far above the participant's own baseline rate, almost none of which trade.

The rule, per instrument (every threshold is a field of `StuffingThresholds`):

1. **Messages**: new orders that reached the venue and confirmed cancels (`message_times`), counted in
   consecutive windows of ``window_ms`` over the run (from its first equity sample or message to its last).
2. **Baseline**: the participant's median count per window over the whole run — its usual pace.
3. **Burst**: a window is hot when its count reaches both ``min_messages`` and ``rate_multiple`` × the baseline;
   hot windows at most ``merge_gap_windows`` apart form one episode.
4. **Not trading**: the episode's order-to-trade ratio (orders sent / fills) is at least ``min_order_to_trade``
   (no fill at all counts as infinite).

Score: the mean of the rate term ``1 − threshold / peak`` (0 at the threshold, approaching 1 far above it) and the
order-to-trade term ``1 − min_order_to_trade / ratio`` (1 when nothing traded).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hft_core.surveillance.records import (
    Episode,
    EvidenceValue,
    RunRecords,
    TradingRecords,
    message_times,
    records_of,
)

__all__ = ["StuffingThresholds", "detect_quote_stuffing"]


@dataclass(frozen=True, slots=True)
class StuffingThresholds:
    """The quote-stuffing detector's parameters (docs/surveillance.md explains the choice of defaults)."""

    window_ms: float = 100.0
    """Width of the counting windows."""
    min_messages: int = 100
    """A hot window holds at least this many messages (1 000 messages/s at the default width)."""
    rate_multiple: float = 10.0
    """... and at least this multiple of the participant's median per window."""
    min_order_to_trade: float = 20.0
    """An episode sends at least this many orders per fill."""
    merge_gap_windows: int = 1
    """Hot windows separated by at most this many cool ones are one episode."""

    def __post_init__(self) -> None:
        if not self.window_ms > 0 or self.min_messages < 1 or not self.rate_multiple >= 1:
            raise ValueError("window_ms must be > 0, min_messages >= 1 and rate_multiple >= 1")
        if self.min_order_to_trade < 0 or self.merge_gap_windows < 0:
            raise ValueError("min_order_to_trade and merge_gap_windows must be >= 0")


def detect_quote_stuffing(records: RunRecords, thresholds: StuffingThresholds | None = None) -> list[Episode]:
    """Quote-stuffing episodes in ``records`` (see the module docstring for the rule)."""
    limits = thresholds or StuffingThresholds()
    checked = records_of(records)
    episodes: list[Episode] = []
    for instrument in checked.instruments():
        episodes.extend(_detect_one(checked.for_instrument(instrument), instrument, limits))
    return sorted(episodes, key=lambda e: e.start_ns)


def _detect_one(records: TradingRecords, instrument: str, limits: StuffingThresholds) -> list[Episode]:
    orders = records.orders
    times, _, _ = message_times(orders)
    if len(times) < limits.min_messages:
        return []
    window_ns = max(1, round(limits.window_ms * 1e6))
    equity_ts = records.equity["ts"].to_numpy(np.int64)
    origin = int(min(times[0], equity_ts.min())) if len(equity_ts) else int(times[0])
    finish = int(max(times[-1], equity_ts.max())) if len(equity_ts) else int(times[-1])
    n_windows = (finish - origin) // window_ns + 1
    counts = np.bincount((times - origin) // window_ns, minlength=n_windows)
    baseline = float(np.median(counts))
    threshold = max(float(limits.min_messages), limits.rate_multiple * baseline)
    hot = np.flatnonzero(counts >= threshold)
    if len(hot) == 0:
        return []
    groups: list[list[int]] = [[int(hot[0])]]
    for window in hot[1:].tolist():
        if window - groups[-1][-1] <= limits.merge_gap_windows + 1:
            groups[-1].append(window)
        else:
            groups.append([window])
    fills_ts = records.fills["ts"].to_numpy(np.int64)
    sent = orders[orders["ts"] >= 0]
    per_second = 1e9 / window_ns
    episodes = []
    for group in groups:
        lo = origin + group[0] * window_ns
        hi = origin + (group[-1] + 1) * window_ns
        inside = times[(times >= lo) & (times < hi)]
        start, end = int(inside[0]), int(inside[-1])
        new_orders = sent[(sent["ts"] >= lo) & (sent["ts"] < hi)]
        n_orders = len(new_orders)
        n_fills = int(((fills_ts >= lo) & (fills_ts < hi)).sum())
        ratio = math.inf if n_fills == 0 else n_orders / n_fills
        if ratio < limits.min_order_to_trade:
            continue
        peak = float(counts[group].max())
        cancelled = new_orders[new_orders["status"] == "cancelled"]
        lifetimes_ms = (cancelled["done_ts"] - cancelled["ts"]).to_numpy(np.float64) / 1e6
        rate_term = 1.0 - threshold / peak
        trade_term = 1.0 if math.isinf(ratio) else 1.0 - limits.min_order_to_trade / ratio
        evidence: dict[str, EvidenceValue] = {
            "messages": len(inside),
            "orders": n_orders,
            "cancels": len(cancelled),
            "fills": n_fills,
            "order_to_trade": "inf" if math.isinf(ratio) else round(ratio, 3),
            "peak_rate_per_s": round(peak * per_second, 3),
            "baseline_rate_per_s": round(baseline * per_second, 3),
            "threshold_rate_per_s": round(threshold * per_second, 3),
            "hot_windows": len(group),
            "median_order_lifetime_ms": round(float(np.median(lifetimes_ms)), 6) if len(lifetimes_ms) else -1.0,
        }
        episodes.append(
            Episode("quote-stuffing", start, end, instrument, round((rate_term + trade_term) / 2, 6), evidence)
        )
    return episodes
