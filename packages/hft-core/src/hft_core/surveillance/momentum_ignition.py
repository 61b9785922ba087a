"""Momentum ignition: an aggressive burst in one direction that moves the price, then an unwind — trades the
other way — into the move, after which the price falls back.

The rule, per instrument (every threshold is a field of `IgnitionThresholds`):

1. **Burst**: the participant's taker fills (``maker`` false) on one side, from at least ``min_burst_orders``
   orders, within ``burst_window_s`` of the first and with no taker fill of the other side in between, for at
   least ``min_burst_qty`` in all.
2. **Moves the price**: the burst's own fills walk the book at least ``min_move_ticks`` ticks in its direction
   (last fill price − first, signed), or the sampled mid moves that far within the window — whichever is larger.
3. **Unwind into it**: within ``unwind_window_s`` after the burst's last fill, the participant trades the other
   way (maker or taker) at least ``min_unwind_ratio`` of the burst's quantity.

Evidence adds the *reversal* — how much of the move the sampled mid gave back ``reversal_horizon_s`` after the
unwind, when the equity records reach that far — and the unwind's price against the burst's average, in ticks
(positive = the unwind sold higher / bought lower than the burst: it traded into the move).

Score: the mean of the move term ``min(1, move / (2·min_move_ticks))``, the unwind term
``min(1, unwind ratio)`` and the into-the-move term (1 when the unwind price beat the burst average, else 0.5).
The tick size is ``tick_size`` or, when None, inferred from the order and fill prices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hft_core.surveillance.records import (
    Episode,
    EvidenceValue,
    RunRecords,
    TradingRecords,
    infer_tick_size,
    records_of,
)

__all__ = ["IgnitionThresholds", "detect_momentum_ignition"]

_NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class IgnitionThresholds:
    """The momentum-ignition detector's parameters (docs/surveillance.md explains the choice of defaults)."""

    burst_window_s: float = 0.2
    """Taker fills of one side within this long of the first form one burst."""
    min_burst_orders: int = 3
    """A burst takes at least this many distinct aggressive orders."""
    min_burst_qty: float = 0.0
    """... and at least this much quantity."""
    min_move_ticks: float = 2.0
    """The burst moves the price at least this many ticks in its direction."""
    unwind_window_s: float = 5.0
    """The unwind trades within this long after the burst's last fill."""
    min_unwind_ratio: float = 0.5
    """The unwind trades at least this share of the burst's quantity the other way."""
    reversal_horizon_s: float = 5.0
    """How long after the unwind the reversal is measured (evidence only)."""
    tick_size: float | None = None
    """The price grid's step; None infers it from the records' prices."""

    def __post_init__(self) -> None:
        if not self.burst_window_s > 0 or not self.unwind_window_s > 0 or not self.reversal_horizon_s >= 0:
            raise ValueError("burst_window_s and unwind_window_s must be > 0, reversal_horizon_s >= 0")
        if self.min_burst_orders < 1 or self.min_burst_qty < 0 or self.min_move_ticks < 0:
            raise ValueError("min_burst_orders must be >= 1, min_burst_qty and min_move_ticks >= 0")
        if not 0 < self.min_unwind_ratio <= 1:
            raise ValueError(f"min_unwind_ratio must lie in (0, 1], got {self.min_unwind_ratio}")
        if self.tick_size is not None and not self.tick_size > 0:
            raise ValueError(f"tick_size must be > 0, got {self.tick_size}")


@dataclass(frozen=True, slots=True)
class _Burst:
    side: str
    fills: pd.DataFrame

    @property
    def start(self) -> int:
        return int(self.fills["ts"].iloc[0])

    @property
    def end(self) -> int:
        return int(self.fills["ts"].iloc[-1])


def _bursts(taker: pd.DataFrame, window_ns: int) -> list[_Burst]:
    """Runs of same-side taker fills, each within ``window_ns`` of its first fill."""
    bursts: list[_Burst] = []
    rows: list[int] = []
    side = ""
    first = 0
    for index, ts, fill_side in zip(taker.index, taker["ts"], taker["side"], strict=True):
        if rows and (fill_side != side or int(ts) - first > window_ns):
            bursts.append(_Burst(side, taker.loc[rows]))
            rows = []
        if not rows:
            side, first = str(fill_side), int(ts)
        rows.append(index)
    if rows:
        bursts.append(_Burst(side, taker.loc[rows]))
    return bursts


def _mid_move(equity: pd.DataFrame, start: int, end: int, sign: float) -> tuple[float, float | None]:
    """(largest signed mid move from the last sample before ``start`` to any sample in [start, end], that
    sample's mid) — (0, None) when the samples do not cover the window."""
    before = equity[equity["ts"] <= start]
    inside = equity[(equity["ts"] > start) & (equity["ts"] <= end)]
    if before.empty or inside.empty:
        return 0.0, None
    base = float(before["mid"].iloc[-1])
    moves = sign * (inside["mid"].to_numpy(dtype=np.float64) - base)
    if not np.isfinite(moves).any():
        return 0.0, None
    best = int(np.nanargmax(moves))
    return float(moves[best]), float(inside["mid"].iloc[best])


def detect_momentum_ignition(records: RunRecords, thresholds: IgnitionThresholds | None = None) -> list[Episode]:
    """Momentum-ignition episodes in ``records`` (see the module docstring for the rule)."""
    limits = thresholds or IgnitionThresholds()
    checked = records_of(records)
    episodes: list[Episode] = []
    for instrument in checked.instruments():
        episodes.extend(_detect_one(checked.for_instrument(instrument), instrument, limits))
    return sorted(episodes, key=lambda e: e.start_ns)


def _detect_one(records: TradingRecords, instrument: str, limits: IgnitionThresholds) -> list[Episode]:
    fills = records.fills.sort_values(["ts", "order_id"], kind="stable")
    if fills.empty:
        return []
    tick = limits.tick_size or infer_tick_size(
        np.concatenate([fills["price"].to_numpy(np.float64), records.orders["price"].to_numpy(np.float64)])
    )
    if tick is None:
        return []
    equity = records.equity.sort_values("ts", kind="stable")
    taker = fills[~fills["maker"].astype(bool)]
    episodes: list[Episode] = []
    claimed_until = -1
    for burst in _bursts(taker, int(limits.burst_window_s * _NS)):
        if burst.start <= claimed_until:
            continue  # part of an earlier episode's unwind
        burst_fills = burst.fills
        orders = int(burst_fills["order_id"].nunique())
        qty = float(burst_fills["qty"].sum())
        if orders < limits.min_burst_orders or qty < limits.min_burst_qty - 1e-12:
            continue
        sign = 1.0 if burst.side == "buy" else -1.0
        walk = sign * float(burst_fills["price"].iloc[-1] - burst_fills["price"].iloc[0]) / tick
        mid_move, peak_mid = _mid_move(equity, burst.start, burst.end + int(limits.burst_window_s * _NS), sign)
        move = max(walk, mid_move / tick)
        if move < limits.min_move_ticks - 1e-9:
            continue
        opposite = "sell" if burst.side == "buy" else "buy"
        horizon = burst.end + int(limits.unwind_window_s * _NS)
        after = fills[(fills["ts"] > burst.end) & (fills["ts"] <= horizon) & (fills["side"] == opposite)]
        unwind_qty = float(after["qty"].sum())
        ratio = unwind_qty / qty if qty > 0 else 0.0
        if ratio < limits.min_unwind_ratio - 1e-12:
            continue
        # The unwind ends once it has matched the burst (or at the window's last opposite fill).
        cumulative = after["qty"].cumsum().to_numpy(np.float64)
        done_at = int(np.searchsorted(cumulative, qty - 1e-9))
        unwind = after.iloc[: min(done_at + 1, len(after))]
        end = int(unwind["ts"].iloc[-1])
        claimed_until = end
        burst_price = float((burst_fills["price"] * burst_fills["qty"]).sum()) / qty
        unwind_price = float((unwind["price"] * unwind["qty"]).sum()) / float(unwind["qty"].sum())
        into_move_ticks = sign * (unwind_price - burst_price) / tick
        evidence: dict[str, EvidenceValue] = {
            "burst_side": burst.side,
            "burst_orders": orders,
            "burst_fills": len(burst_fills),
            "burst_qty": qty,
            "burst_duration_s": round((burst.end - burst.start) / _NS, 6),
            "burst_average_price": round(burst_price, 9),
            "move_ticks": round(move, 3),
            "unwind_fills": len(unwind),
            "unwind_qty": float(unwind["qty"].sum()),
            "unwind_ratio": round(min(ratio, 1.0), 4),
            "unwind_delay_s": round((int(unwind["ts"].iloc[0]) - burst.end) / _NS, 6),
            "unwind_average_price": round(unwind_price, 9),
            "unwind_vs_burst_ticks": round(into_move_ticks, 3),
            "tick_size": tick,
        }
        if peak_mid is not None:
            later = equity[equity["ts"] >= end + int(limits.reversal_horizon_s * _NS)]
            if not later.empty and move > 0:
                given_back = sign * (peak_mid - float(later["mid"].iloc[0])) / tick
                evidence["reversal_ticks"] = round(given_back, 3)
        score = (
            min(1.0, move / (2 * max(limits.min_move_ticks, 1e-9)))
            + min(1.0, ratio)
            + (1.0 if into_move_ticks > 0 else 0.5)
        ) / 3
        episodes.append(Episode("momentum-ignition", burst.start, end, instrument, round(score, 6), evidence))
    return episodes
