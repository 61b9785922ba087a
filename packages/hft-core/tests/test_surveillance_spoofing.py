"""The spoofing/layering detector on hand-built records: what it flags, what it leaves alone, and why."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hft_core.surveillance import SpoofingThresholds, TradingRecords, detect_spoofing

T0 = 1_704_205_800_000_000_000
SEC = 1_000_000_000


def _order(
    order_id: int,
    sent_s: float,
    done_s: float,
    side: str,
    price: float,
    qty: float,
    status: str,
    filled: float = 0.0,
    instrument: str = "SIM",
) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "ts": T0 + round(sent_s * SEC),
        "done_ts": T0 + round(done_s * SEC),
        "instrument": instrument,
        "side": side,
        "order_type": "limit",
        "price": price,
        "qty": qty,
        "status": status,
        "reason": "requested" if status == "cancelled" else "",
        "filled_qty": filled,
    }


def _fill(ts_s: float, order_id: int, side: str, price: float, qty: float, instrument: str = "SIM") -> dict[str, Any]:
    return {
        "ts": T0 + round(ts_s * SEC),
        "instrument": instrument,
        "order_id": order_id,
        "side": side,
        "price": price,
        "qty": qty,
        "fee": 0.0,
        "maker": True,
        "position": 0.0,
        "pnl": 0.0,
    }


def _records(orders: list[dict[str, Any]], fills: list[dict[str, Any]]) -> TradingRecords:
    order_columns = list(_order(0, 0, 0, "buy", 1.0, 1.0, "filled"))
    fill_columns = list(_fill(0, 0, "buy", 1.0, 1.0))
    return TradingRecords(pd.DataFrame(orders, columns=order_columns), pd.DataFrame(fills, columns=fill_columns))


def _history() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Ordinary trading before the episode: 5-lot orders that traded (the participant's typical size is 5)."""
    orders = [_order(n, n, n + 0.5, "buy" if n % 2 else "sell", 100.0, 5.0, "filled", 5.0) for n in range(1, 5)]
    fills = [_fill(n + 0.5, n, "buy" if n % 2 else "sell", 100.0, 5.0) for n in range(1, 5)]
    return orders, fills


def test_flags_a_large_bid_cancelled_after_the_genuine_sell_filled() -> None:
    orders, fills = _history()
    orders += [
        _order(10, 10.0, 11.2, "sell", 100.01, 5.0, "filled", 5.0),  # genuine
        _order(11, 10.0, 11.3, "buy", 99.99, 500.0, "cancelled"),  # spoof
    ]
    fills += [_fill(11.2, 10, "sell", 100.01, 5.0)]
    (episode,) = detect_spoofing(_records(orders, fills))
    assert episode.kind == "spoofing"
    assert (episode.start_ns, episode.end_ns) == (T0 + 10 * SEC, T0 + round(11.3 * SEC))
    assert episode.instrument == "SIM"
    evidence = episode.evidence
    assert evidence["spoof_side"] == "buy"
    assert evidence["spoof_qty"] == 500.0
    assert evidence["typical_qty"] == 5.0
    assert evidence["size_ratio"] == 100.0
    assert evidence["opposite_fills"] == 1
    assert evidence["opposite_fill_price"] == 100.01
    assert evidence["large_order_cancel_ratio"] == 1.0
    assert evidence["price_levels"] == 1
    assert 0.5 < episode.score <= 1.0


def test_several_levels_resting_at_once_is_layering() -> None:
    orders, fills = _history()
    orders.append(_order(10, 10.0, 11.0, "buy", 100.0, 5.0, "filled", 5.0))
    orders += [_order(11 + k, 10.0, 11.1, "sell", 100.02 + k * 0.01, 125.0, "cancelled") for k in range(4)]
    fills.append(_fill(11.0, 10, "buy", 100.0, 5.0))
    (episode,) = detect_spoofing(_records(orders, fills))
    assert episode.kind == "layering"
    assert episode.evidence["price_levels"] == 4
    assert episode.evidence["spoof_orders"] == 4
    assert episode.evidence["spoof_side"] == "sell"
    # Two levels stay below the default three: spoofing, not layering.
    two_levels = [o for o in orders if o["order_id"] not in (13, 14)]
    (episode,) = detect_spoofing(_records(two_levels, fills))
    assert episode.kind == "spoofing"
    assert episode.evidence["price_levels"] == 2


def test_needs_the_other_side_to_trade_unless_told_otherwise() -> None:
    orders, fills = _history()
    orders += [
        _order(10, 10.0, 12.0, "sell", 100.01, 5.0, "cancelled"),  # the genuine order never traded
        _order(11, 10.0, 12.0, "buy", 99.99, 500.0, "cancelled"),
    ]
    records = _records(orders, fills)
    assert detect_spoofing(records) == []
    (episode,) = detect_spoofing(records, SpoofingThresholds(require_opposite_fill=False))
    assert episode.evidence["opposite_fills"] == 0
    assert episode.evidence["opposite_orders"] == 1
    assert "opposite_fill_price" not in episode.evidence
    # Nothing at all on the other side: no episode even then.
    alone = [o for o in orders if o["order_id"] != 10]
    assert detect_spoofing(_records(alone, fills), SpoofingThresholds(require_opposite_fill=False)) == []


def test_large_orders_that_mostly_trade_are_bona_fide() -> None:
    orders, fills = _history()
    # Five large orders: four traded in full, one cancelled quickly while the other side traded.
    for n in range(4):
        orders.append(_order(20 + n, 20.0 + n, 20.5 + n, "buy", 100.0, 500.0, "filled", 500.0))
        fills.append(_fill(20.5 + n, 20 + n, "buy", 100.0, 500.0))
    orders += [
        _order(30, 30.0, 30.4, "sell", 100.01, 5.0, "filled", 5.0),
        _order(31, 30.0, 30.5, "buy", 99.99, 500.0, "cancelled"),
    ]
    fills.append(_fill(30.4, 30, "sell", 100.01, 5.0))
    assert detect_spoofing(_records(orders, fills)) == []
    # Lowering the habit threshold to the observed 1-in-5 flags it again.
    (episode,) = detect_spoofing(_records(orders, fills), SpoofingThresholds(min_cancel_ratio=0.2))
    assert episode.evidence["large_order_cancel_ratio"] == 0.2


def test_slow_cancels_small_orders_and_big_fills_are_not_spoofing() -> None:
    orders, fills = _history()
    orders += [
        _order(10, 10.0, 11.0, "sell", 100.01, 5.0, "filled", 5.0),
        _order(11, 10.0, 70.0, "buy", 99.99, 500.0, "cancelled"),  # rested a minute
        _order(12, 80.0, 81.0, "sell", 100.01, 5.0, "filled", 5.0),
        _order(13, 80.0, 81.5, "buy", 99.99, 20.0, "cancelled"),  # 4x typical: not large
        _order(14, 90.0, 91.0, "sell", 100.01, 5.0, "filled", 5.0),
        _order(15, 90.0, 91.5, "buy", 99.99, 500.0, "cancelled", 100.0),  # 20% traded before the cancel
    ]
    fills += [_fill(11.0, 10, "sell", 100.01, 5.0), _fill(81.0, 12, "sell", 100.01, 5.0)]
    fills += [_fill(91.0, 14, "sell", 100.01, 5.0), _fill(90.5, 15, "buy", 99.99, 100.0)]
    assert detect_spoofing(_records(orders, fills), SpoofingThresholds(min_cancel_ratio=0.0)) == []


def test_separate_episodes_and_instruments() -> None:
    orders, fills = _history()
    for n, (start, instrument) in enumerate(((10.0, "SIM"), (20.0, "SIM"), (10.0, "OTHER"))):
        genuine, spoof = 100 + 2 * n, 101 + 2 * n
        orders += [
            _order(genuine, start, start + 1, "sell", 100.01, 5.0, "filled", 5.0, instrument),
            _order(spoof, start, start + 1.1, "buy", 99.99, 500.0, "cancelled", 0.0, instrument),
        ]
        fills.append(_fill(start + 1, genuine, "sell", 100.01, 5.0, instrument))
    episodes = detect_spoofing(_records(orders, fills))
    assert [(e.instrument, (e.start_ns - T0) // SEC) for e in episodes] == [("OTHER", 10), ("SIM", 10), ("SIM", 20)]


def test_typical_size_falls_back_to_all_orders_when_nothing_traded() -> None:
    orders = [_order(n, n, n + 0.1, "buy", 99.0, 2.0, "cancelled") for n in range(1, 10)]
    orders.append(_order(15, 19.0, 21.0, "buy", 99.0, 2.0, "cancelled"))  # resting on the other side
    orders.append(_order(20, 20.0, 20.5, "sell", 101.0, 40.0, "cancelled"))
    records = _records(orders, [])
    (episode,) = detect_spoofing(records, SpoofingThresholds(require_opposite_fill=False, min_cancel_ratio=0.5))
    assert episode.evidence["typical_qty"] == 2.0
    assert episode.evidence["spoof_side"] == "sell"


def test_empty_records_and_bad_thresholds() -> None:
    assert detect_spoofing(_records([], [])) == []
    for bad in ({"size_ratio": 1.0}, {"max_lifetime_s": 0.0}, {"max_filled_fraction": 1.0}, {"min_layers": 1}):
        with pytest.raises(ValueError):
            SpoofingThresholds(**bad)
