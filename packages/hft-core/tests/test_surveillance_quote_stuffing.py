"""The quote-stuffing detector on hand-built records: message bursts far above the participant's own pace."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hft_core.surveillance import StuffingThresholds, TradingRecords, detect_quote_stuffing, message_times

T0 = 1_704_205_800_000_000_000
SEC = 1_000_000_000
MS = 1_000_000


def _order(
    order_id: int, sent_ns: int, done_ns: int, status: str, reason: str = "", filled: float = 0.0
) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "ts": T0 + sent_ns,
        "done_ts": T0 + done_ns,
        "instrument": "SIM",
        "side": "buy" if order_id % 2 else "sell",
        "order_type": "post-only",
        "price": 99.8 if order_id % 2 else 100.2,
        "qty": 1.0,
        "status": status,
        "reason": reason,
        "filled_qty": filled,
    }


def _fill(ts_ns: int, order_id: int) -> dict[str, Any]:
    return {
        "ts": T0 + ts_ns,
        "instrument": "SIM",
        "order_id": order_id,
        "side": "buy",
        "price": 100.0,
        "qty": 1.0,
        "fee": 0.0,
        "maker": True,
        "position": 0.0,
        "pnl": 0.0,
    }


def _records(orders: list[dict[str, Any]], fills: list[dict[str, Any]], run_s: int = 60) -> TradingRecords:
    equity = pd.DataFrame(
        {"ts": [T0 + s * SEC for s in range(run_s + 1)], "instrument": "SIM", "mid": 100.0, "position": 0.0, "pnl": 0.0}
    )
    return TradingRecords(
        pd.DataFrame(orders, columns=list(_order(0, 0, 0, "filled"))),
        pd.DataFrame(fills, columns=list(_fill(0, 0))),
        equity,
    )


def _background() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A quote a second for a minute, each cancelled 0.5 s later; every tenth one trades."""
    orders, fills = [], []
    for n in range(60):
        if n % 10 == 0:
            orders.append(_order(n, n * SEC, n * SEC + 200 * MS, "filled", filled=1.0))
            fills.append(_fill(n * SEC + 200 * MS, n))
        else:
            orders.append(_order(n, n * SEC, n * SEC + 500 * MS, "cancelled", "requested"))
    return orders, fills


def _burst(
    first_id: int, at_ns: int, count: int, status: str = "cancelled", reason: str = "requested"
) -> list[dict[str, Any]]:
    """``count`` orders sent 20 µs apart, each cancelled 1 ms after it was sent."""
    return [_order(first_id + k, at_ns + k * 20_000, at_ns + k * 20_000 + MS, status, reason) for k in range(count)]


def test_a_burst_of_cancelled_orders_is_flagged_with_its_evidence() -> None:
    orders, fills = _background()
    at = 31 * SEC + 250 * MS  # clear of the background's own messages (31.0 s and 31.5 s)
    orders += _burst(1000, at, 300)
    (episode,) = detect_quote_stuffing(_records(orders, fills))
    assert episode.kind == "quote-stuffing"
    assert episode.start_ns == T0 + at
    assert episode.end_ns == T0 + at + 299 * 20_000 + MS
    evidence = episode.evidence
    assert evidence["orders"] == 300
    assert evidence["cancels"] == 300
    assert evidence["messages"] == 600
    assert evidence["fills"] == 0
    assert evidence["order_to_trade"] == "inf"
    assert evidence["baseline_rate_per_s"] == 0.0
    assert evidence["peak_rate_per_s"] == 6000.0
    assert evidence["median_order_lifetime_ms"] == pytest.approx(1.0)
    assert episode.score == pytest.approx((1 - 100 / 600 + 1) / 2)


def test_bursts_that_trade_or_never_left_are_not_stuffing() -> None:
    orders, fills = _background()
    trading = _burst(1000, 30 * SEC, 300, status="filled", reason="")
    fills_in_burst = [_fill(30 * SEC + k * 20_000 + MS, 1000 + k) for k in range(0, 300, 10)]  # 30 fills: 10 per fill
    assert detect_quote_stuffing(_records(orders + trading, fills + fills_in_burst)) == []
    refused = _burst(2000, 40 * SEC, 300, status="rejected", reason="risk order_rate: 300 orders in 1 s")
    assert detect_quote_stuffing(_records(orders + refused, fills)) == []
    times, sent, cancels = message_times(pd.DataFrame(orders + refused))
    assert (len(times), sent, cancels) == (60 + 54, 60, 54)


def test_a_steady_fast_quoter_sets_its_own_baseline() -> None:
    # 150 messages in every 100 ms window of a 20 s run: fast, but its normal pace.
    orders = []
    for window in range(200):
        orders += _burst(window * 100, window * 100 * MS, 75)
    records = _records(orders, [], run_s=20)
    assert detect_quote_stuffing(records) == []
    # Against an absolute threshold only, it would be flagged: the baseline is what spares it.
    assert detect_quote_stuffing(records, StuffingThresholds(rate_multiple=1.0)) != []


def test_close_hot_windows_merge_and_thresholds_are_parameters() -> None:
    orders, fills = _background()
    orders += _burst(1000, 31 * SEC + 5 * MS, 150) + _burst(2000, 31 * SEC + 205 * MS, 150)  # a cool window between
    records = _records(orders, fills)
    (episode,) = detect_quote_stuffing(records)
    assert episode.evidence["hot_windows"] == 2
    assert len(detect_quote_stuffing(records, StuffingThresholds(merge_gap_windows=0))) == 2
    assert detect_quote_stuffing(records, StuffingThresholds(min_messages=400)) == []
    for bad in ({"window_ms": 0.0}, {"min_messages": 0}, {"rate_multiple": 0.5}, {"merge_gap_windows": -1}):
        with pytest.raises(ValueError):
            StuffingThresholds(**bad)
