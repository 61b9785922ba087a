"""The momentum-ignition detector on hand-built records: a burst that moves the price and an unwind into it."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hft_core.surveillance import IgnitionThresholds, TradingRecords, detect_momentum_ignition

T0 = 1_704_205_800_000_000_000
SEC = 1_000_000_000


def _fill(ts_s: float, order_id: int, side: str, price: float, qty: float, *, maker: bool) -> dict[str, Any]:
    return {
        "ts": T0 + round(ts_s * SEC),
        "instrument": "SIM",
        "order_id": order_id,
        "side": side,
        "price": price,
        "qty": qty,
        "fee": 0.0,
        "maker": maker,
        "position": 0.0,
        "pnl": 0.0,
    }


def _order(order_id: int, ts_s: float, side: str, price: float, qty: float) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "ts": T0 + round(ts_s * SEC),
        "done_ts": T0 + round(ts_s * SEC) + 1,
        "instrument": "SIM",
        "side": side,
        "order_type": "limit",
        "price": price,
        "qty": qty,
        "status": "filled",
        "reason": "",
        "filled_qty": qty,
    }


def _equity(samples: list[tuple[float, float]]) -> pd.DataFrame:
    rows = [
        {"ts": T0 + round(t * SEC), "instrument": "SIM", "mid": mid, "position": 0.0, "pnl": 0.0} for t, mid in samples
    ]
    return pd.DataFrame(rows, columns=["ts", "instrument", "mid", "position", "pnl"])


def _records(fills: list[dict[str, Any]], equity: pd.DataFrame | None = None) -> TradingRecords:
    orders = [_order(f["order_id"], (f["ts"] - T0) / SEC, f["side"], f["price"], f["qty"]) for f in fills]
    order_columns = list(_order(0, 0, "buy", 1.0, 1.0))
    fill_columns = list(_fill(0, 0, "buy", 1.0, 1.0, maker=True))
    return TradingRecords(
        pd.DataFrame(orders, columns=order_columns).drop_duplicates("order_id"),
        pd.DataFrame(fills, columns=fill_columns),
        equity if equity is not None else _equity([]),
    )


def _burst(start_s: float = 10.0, side: str = "buy") -> list[dict[str, Any]]:
    """Three market orders walking the book up (or down) three ticks: 60 lots."""
    step = 0.01 if side == "buy" else -0.01
    prices = [100.0, 100.0 + step, 100.0 + 2 * step, 100.0 + 3 * step]
    return [
        _fill(start_s, 1, side, prices[0], 20.0, maker=False),
        _fill(start_s, 2, side, prices[1], 10.0, maker=False),
        _fill(start_s, 2, side, prices[2], 10.0, maker=False),
        _fill(start_s + 0.001, 3, side, prices[3], 20.0, maker=False),
    ]


def test_burst_then_unwind_into_the_move_is_flagged() -> None:
    fills = _burst()
    fills += [_fill(10.2, 4, "sell", 100.04, 30.0, maker=True), _fill(10.6, 4, "sell", 100.04, 30.0, maker=True)]
    equity = _equity([(9.0, 100.0), (10.1, 100.04), (20.0, 100.01)])
    (episode,) = detect_momentum_ignition(_records(fills, equity))
    assert episode.kind == "momentum-ignition"
    assert (episode.start_ns, episode.end_ns) == (T0 + 10 * SEC, T0 + round(10.6 * SEC))
    evidence = episode.evidence
    assert evidence["burst_side"] == "buy"
    assert evidence["burst_orders"] == 3
    assert evidence["burst_qty"] == 60.0
    assert evidence["move_ticks"] == 4.0  # the mid sample (4 ticks) beats the fills' 3-tick walk
    assert evidence["unwind_qty"] == 60.0
    assert evidence["unwind_ratio"] == 1.0
    assert evidence["tick_size"] == 0.01
    assert evidence["unwind_vs_burst_ticks"] == pytest.approx(2.5)  # sold at 100.04 vs bought at 100.015
    assert evidence["reversal_ticks"] == pytest.approx(3.0)  # 100.04 -> 100.01
    assert episode.score == pytest.approx(1.0)


def test_sell_side_ignition_is_symmetric() -> None:
    fills = [*_burst(side="sell"), _fill(11.0, 4, "buy", 99.97, 60.0, maker=False)]
    (episode,) = detect_momentum_ignition(_records(fills))
    assert episode.evidence["burst_side"] == "sell"
    assert episode.evidence["move_ticks"] == 3.0
    assert episode.evidence["unwind_vs_burst_ticks"] == pytest.approx(1.5)
    assert "reversal_ticks" not in episode.evidence  # no equity samples to measure it on


def test_no_unwind_small_move_single_order_or_passive_fills_are_not_flagged() -> None:
    holding = _burst()  # bought and kept: an aggressive buyer, not an igniter
    assert detect_momentum_ignition(_records(holding)) == []
    late = [*_burst(), _fill(30.0, 4, "sell", 100.04, 60.0, maker=True)]  # unwound after the window
    assert detect_momentum_ignition(_records(late)) == []
    half = [*_burst(), _fill(11.0, 4, "sell", 100.04, 20.0, maker=True)]  # a third only
    assert detect_momentum_ignition(_records(half)) == []
    small = [_fill(10.0, n, "buy", 100.0 + 0.01 * (n % 2), 10.0, maker=False) for n in range(1, 4)]
    small += [_fill(10.5, 9, "sell", 100.01, 30.0, maker=True), _fill(50.0, 10, "sell", 100.03, 1.0, maker=True)]
    assert detect_momentum_ignition(_records(small)) == []  # a one-tick walk
    one = [_fill(10.0, 1, "buy", 100.0 + 0.01 * k, 10.0, maker=False) for k in range(4)]
    one.append(_fill(10.5, 9, "sell", 100.05, 40.0, maker=True))
    assert detect_momentum_ignition(_records(one)) == []  # one order: a sweep, not a burst
    passive = [{**f, "maker": True} for f in _burst()] + [_fill(11.0, 4, "sell", 100.04, 60.0, maker=True)]
    assert detect_momentum_ignition(_records(passive)) == []


def test_thresholds_are_parameters() -> None:
    fills = [*_burst(), _fill(11.0, 4, "sell", 100.04, 60.0, maker=True)]
    records = _records(fills)
    assert len(detect_momentum_ignition(records)) == 1
    assert detect_momentum_ignition(records, IgnitionThresholds(min_move_ticks=4.0)) == []
    assert detect_momentum_ignition(records, IgnitionThresholds(min_burst_orders=4)) == []
    assert detect_momentum_ignition(records, IgnitionThresholds(min_burst_qty=100.0)) == []
    assert detect_momentum_ignition(records, IgnitionThresholds(unwind_window_s=0.5)) == []
    # A coarser grid: the same walk is fewer ticks.
    assert detect_momentum_ignition(records, IgnitionThresholds(tick_size=0.02)) == []
    for bad in ({"burst_window_s": 0.0}, {"min_unwind_ratio": 0.0}, {"min_burst_orders": 0}, {"tick_size": -1.0}):
        with pytest.raises(ValueError):
            IgnitionThresholds(**bad)


def test_each_burst_is_its_own_episode() -> None:
    fills = [*_burst(10.0), _fill(11.0, 4, "sell", 100.04, 60.0, maker=True)]
    fills += [{**f, "ts": f["ts"] + 30 * SEC, "order_id": f["order_id"] + 10} for f in _burst(10.0)]
    fills.append(_fill(41.0, 20, "sell", 100.04, 60.0, maker=True))
    episodes = detect_momentum_ignition(_records(fills))
    assert [(e.start_ns - T0) // SEC for e in episodes] == [10, 40]
