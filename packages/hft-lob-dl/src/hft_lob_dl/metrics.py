"""Classification and trading metrics of predictions on a dataset's samples.

`evaluate` gives accuracy, macro F1, F1 per class, the confusion matrix (rows true, columns predicted; classes
down, stationary, up), and two trading-relevant figures: the **hit rate on moves larger than the spread** (of the
samples whose mid moved more than the spread at t over the next k snapshots, the share where a non-stationary
prediction had the move's sign) and the **taker PnL**: a taker that buys at the ask (up) or sells at the bid (down)
at t on every non-stationary prediction and closes k snapshots later on the other side, paying ``taker_fee`` (a
fraction of notional) both ways, one lot each, counted in ticks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from hft_lob_dl.book import Snapshots

__all__ = ["evaluate"]


def evaluate(
    predicted: npt.NDArray[np.int64],
    truth: npt.NDArray[np.int64],
    snaps: Snapshots,
    ends: npt.NDArray[np.int64],
    horizon: int,
    *,
    taker_fee: float = 0.0,
) -> dict[str, Any]:
    """The metrics of the module docstring for predictions at window ends ``ends``."""
    confusion = np.zeros((3, 3), np.int64)
    np.add.at(confusion, (truth, predicted), 1)
    f1 = []
    for c in range(3):
        tp = confusion[c, c]
        precision = tp / confusion[:, c].sum() if confusion[:, c].sum() else 0.0
        recall = tp / confusion[c, :].sum() if confusion[c, :].sum() else 0.0
        f1.append(float(2 * precision * recall / (precision + recall)) if precision + recall else 0.0)
    later = np.minimum(ends + horizon, len(snaps) - 1)
    move = snaps.mid[later] - snaps.mid[ends]
    spread = snaps.spread[ends]
    big = np.abs(move) > spread
    direction = predicted - 1  # -1, 0, +1
    hits = big & (direction != 0)
    hit_rate = float((np.sign(move[hits]) == direction[hits]).mean()) if hits.any() else None
    ask, bid = snaps.ask_px[:, 0].astype(np.float64), snaps.bid_px[:, 0].astype(np.float64)
    long_pnl = bid[later] - ask[ends] - taker_fee * (bid[later] + ask[ends])
    short_pnl = bid[ends] - ask[later] - taker_fee * (bid[ends] + ask[later])
    pnl = np.where(direction > 0, long_pnl, np.where(direction < 0, short_pnl, 0.0))
    trades = int((direction != 0).sum())
    return {
        "samples": len(truth),
        "accuracy": float((predicted == truth).mean()) if len(truth) else 0.0,
        "macro_f1": float(np.mean(f1)),
        "f1": dict(zip(("down", "stationary", "up"), f1, strict=True)),
        "confusion": confusion.tolist(),
        "hit_rate_big_moves": hit_rate,
        "big_move_predictions": int(hits.sum()),
        "taker_trades": trades,
        "taker_pnl_ticks": float(pnl.sum()),
        "taker_pnl_ticks_per_trade": float(pnl.sum() / trades) if trades else 0.0,
    }
