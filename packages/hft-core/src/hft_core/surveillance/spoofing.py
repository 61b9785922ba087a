"""Spoofing and layering: large orders cancelled soon after placement, resting while the same participant's
order on the other side trades.

The rule, per instrument (every threshold is a field of `SpoofingThresholds`):

1. **Large**: an order is large when its size is at least ``size_ratio`` times the participant's typical size —
   the median size of its orders that traded (its bona fide size; the median of all its orders when none traded)
   — and at least ``min_qty``.
2. **Cancelled before execution, quickly**: a large order is a *spoof candidate* when it was cancelled within
   ``max_lifetime_s`` of being sent with at most ``max_filled_fraction`` of it filled.
3. **Habitual**: the participant cancels at least ``min_cancel_ratio`` of all its large orders this way (an honest
   trader's large orders mostly trade); below that nothing is flagged.
4. **Genuine order on the other side**: candidates of one side whose lifetimes overlap form one episode, which is
   flagged when, while they rested, the participant had an order on the opposite side — and, with
   ``require_opposite_fill`` (the default), that side actually traded (the benefit the spoof was for).
5. **Layering**: an episode whose candidates rested at ``min_layers`` or more distinct prices at one moment is
   reported as ``layering``, otherwise as ``spoofing``.

Score: the mean of four terms in [0, 1] — size (``log(ratio) / log(4·size_ratio)``, capped), speed
(``1 − lifetime / max_lifetime_s``), the opposite side traded (1, or 0.5 when it only rested), and the cancel
ratio.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hft_core.surveillance.records import (
    Episode,
    EpisodeKind,
    EvidenceValue,
    RunRecords,
    TradingRecords,
    records_of,
)

__all__ = ["SpoofingThresholds", "detect_spoofing"]

_NS = 1e9


@dataclass(frozen=True, slots=True)
class SpoofingThresholds:
    """The spoofing/layering detector's parameters (docs/surveillance.md explains the choice of defaults)."""

    size_ratio: float = 5.0
    """An order is large at this multiple of the participant's typical (median traded) order size."""
    min_qty: float = 0.0
    """... and at this absolute size or more."""
    max_lifetime_s: float = 5.0
    """A spoof candidate is cancelled within this many seconds of being sent."""
    max_filled_fraction: float = 0.1
    """... having traded at most this fraction of its size."""
    min_cancel_ratio: float = 0.8
    """Flag only participants that cancel at least this share of their large orders that way."""
    require_opposite_fill: bool = True
    """Require a fill on the other side while the candidates rest (False: an opposite order resting suffices)."""
    min_layers: int = 3
    """Candidates resting at this many distinct prices at one moment make the episode layering."""

    def __post_init__(self) -> None:
        if not self.size_ratio > 1:
            raise ValueError(f"size_ratio must be > 1, got {self.size_ratio}")
        if self.min_qty < 0 or not self.max_lifetime_s > 0:
            raise ValueError("min_qty must be >= 0 and max_lifetime_s > 0")
        if not 0 <= self.max_filled_fraction < 1 or not 0 <= self.min_cancel_ratio <= 1:
            raise ValueError("max_filled_fraction must lie in [0, 1) and min_cancel_ratio in [0, 1]")
        if self.min_layers < 2:
            raise ValueError(f"min_layers must be >= 2, got {self.min_layers}")


def _typical_size(orders: pd.DataFrame) -> float:
    traded = orders[orders["filled_qty"] > 0]
    sizes = traded["qty"] if len(traded) else orders["qty"]
    sizes = sizes[sizes > 0]
    return float(sizes.median()) if len(sizes) else 0.0


def _most_layers(prices: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> int:
    """The most distinct prices live at one moment (an order is live from its start to its end, inclusive)."""
    most = 0
    for moment in starts:
        live = (starts <= moment) & (ends >= moment)
        most = max(most, len(np.unique(prices[live])))
    return most


def _clusters(candidates: pd.DataFrame) -> list[pd.DataFrame]:
    """Same-side candidates whose [sent, cancelled] intervals overlap, chained into groups."""
    groups: list[pd.DataFrame] = []
    for _, side_orders in candidates.groupby("side", sort=True):
        ordered = side_orders.sort_values(["ts", "order_id"])
        members: list[int] = []
        reach = -1
        for index, ts, done in zip(ordered.index, ordered["ts"], ordered["done_ts"], strict=True):
            if members and int(ts) > reach:
                groups.append(ordered.loc[members])
                members, reach = [], -1
            members.append(index)
            reach = max(reach, int(done))
        if members:
            groups.append(ordered.loc[members])
    return sorted(groups, key=lambda g: int(g["ts"].min()))


def detect_spoofing(records: RunRecords, thresholds: SpoofingThresholds | None = None) -> list[Episode]:
    """Spoofing and layering episodes in ``records`` (see the module docstring for the rule)."""
    limits = thresholds or SpoofingThresholds()
    checked = records_of(records)
    episodes: list[Episode] = []
    for instrument in checked.instruments():
        episodes.extend(_detect_one(checked.for_instrument(instrument), instrument, limits))
    return sorted(episodes, key=lambda e: (e.start_ns, e.kind))


def _detect_one(records: TradingRecords, instrument: str, limits: SpoofingThresholds) -> list[Episode]:
    orders, fills = records.orders, records.fills
    if orders.empty:
        return []
    typical = _typical_size(orders)
    if typical <= 0:
        return []
    threshold_qty = max(limits.size_ratio * typical, limits.min_qty)
    large = orders[(orders["qty"] >= threshold_qty - 1e-9) & (orders["done_ts"] >= 0)]
    if large.empty:
        return []
    lifetime_ns = large["done_ts"] - large["ts"]
    is_candidate = (
        (large["status"] == "cancelled")
        & (large["filled_qty"] <= limits.max_filled_fraction * large["qty"] + 1e-9)
        & (lifetime_ns <= limits.max_lifetime_s * _NS)
    )
    cancel_ratio = float(is_candidate.mean())
    if cancel_ratio < limits.min_cancel_ratio:
        return []
    candidates = large[is_candidate]
    all_cancelled = float((orders["status"] == "cancelled").mean())
    episodes = []
    for group in _clusters(candidates):
        side = str(group["side"].iloc[0])
        opposite = "sell" if side == "buy" else "buy"
        start, end = int(group["ts"].min()), int(group["done_ts"].max())
        opposite_fills = fills[(fills["side"] == opposite) & (fills["ts"] >= start) & (fills["ts"] <= end)]
        opposite_orders = orders[
            (orders["side"] == opposite)
            & (orders["ts"] <= end)
            & ((orders["done_ts"] >= start) | (orders["done_ts"] < 0))
            & (orders["qty"] < threshold_qty - 1e-9)
        ]
        traded = not opposite_fills.empty
        if limits.require_opposite_fill and not traded:
            continue
        if not traded and opposite_orders.empty:
            continue
        prices = group["price"].to_numpy(dtype=np.float64)
        layers = _most_layers(prices, group["ts"].to_numpy(np.int64), group["done_ts"].to_numpy(np.int64))
        kind: EpisodeKind = "layering" if layers >= limits.min_layers else "spoofing"
        ratio = float(group["qty"].max()) / typical
        lifetime_s = float((group["done_ts"] - group["ts"]).mean()) / _NS
        size_term = min(1.0, math.log(ratio) / math.log(4 * limits.size_ratio))
        speed_term = max(0.0, 1.0 - lifetime_s / limits.max_lifetime_s)
        score = (size_term + speed_term + (1.0 if traded else 0.5) + cancel_ratio) / 4
        fill_qty = float(opposite_fills["qty"].sum())
        evidence: dict[str, EvidenceValue] = {
            "spoof_side": side,
            "spoof_orders": len(group),
            "spoof_qty": float(group["qty"].sum()),
            "price_levels": layers,
            "typical_qty": typical,
            "size_ratio": round(ratio, 3),
            "mean_lifetime_s": round(lifetime_s, 6),
            "opposite_fills": len(opposite_fills),
            "opposite_fill_qty": fill_qty,
            "opposite_orders": len(opposite_orders),
            "large_order_cancel_ratio": round(cancel_ratio, 4),
            "participant_cancel_ratio": round(all_cancelled, 4),
        }
        if traded:
            evidence["opposite_fill_price"] = round(
                float((opposite_fills["price"] * opposite_fills["qty"]).sum()) / fill_qty, 9
            )
        episodes.append(Episode(kind, start, end, instrument, round(score, 6), evidence))
    return episodes
