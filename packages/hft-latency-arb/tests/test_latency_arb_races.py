"""Race analytics: the simulated venue's message log, race detection on hand-made logs, trade bursts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hft_core import OrderType, SimulatedVenue, Watch, create_scenario
from hft_core.plugins import PluginHost
from hft_latency_arb import races
from hft_latency_arb.plugin import LATENCY_RACE
from hft_latency_arb.races import RaceError, detect_bursts, detect_races, race_report

US = 1_000


def _market(seed: int, *, log: bool) -> SimulatedVenue:
    from hft_latency_arb import plugin

    host = PluginHost(discover=False, extra=[("hft-latency-arb", plugin)])
    venue = create_scenario(LATENCY_RACE.name, seed=seed, duration_s=30.0, host=host)
    assert isinstance(venue, SimulatedVenue)
    if log:
        venue.record_messages()
    venue.start()
    venue.advance(venue.end_ns, Watch())
    return venue


def test_order_type_codes_match_hft_core() -> None:
    assert (
        int(OrderType.LIMIT),
        int(OrderType.MARKET),
        int(OrderType.IOC),
        int(OrderType.FOK),
    ) == (races.ORDER_LIMIT, races.ORDER_MARKET, races.ORDER_IOC, races.ORDER_FOK)


def test_the_message_log_changes_nothing_and_is_deterministic() -> None:
    plain, logged, again = _market(2, log=False), _market(2, log=True), _market(2, log=True)
    assert plain.participant_stats() == logged.participant_stats()
    assert logged.messages().tobytes() == again.messages().tobytes()
    with pytest.raises(RuntimeError, match="record_messages"):
        plain.messages()
    log = pd.DataFrame(logged.messages())
    stats = {s.owner: s for s in logged.participant_stats()}
    # every processed message is one row, and what the rows say was traded is what the venue counted
    assert len(log) == sum(s.messages for s in stats.values())
    bought = log[(log["op"] == 1) & (log["side"] == 1)].groupby("owner")["filled"].sum()
    for owner, lots in zip(bought.index.tolist(), bought.tolist(), strict=True):
        assert stats[owner].bought >= lots  # (it may also have bought as a maker)
    snipers = [s.owner for s in stats.values() if s.kind == "sniper"]
    shots = log[log["owner"].isin(snipers)]
    assert len(shots) > 0 and (shots["order_type"] == int(OrderType.IOC)).all()
    # a sniper's order takes at least its base latency (20 µs by default) to arrive
    assert ((shots["arrival_ts"] - shots["sent_ts"]) >= 20 * US).all()


def test_record_messages_only_before_the_start() -> None:
    venue = _market(1, log=False)
    with pytest.raises(RuntimeError, match="before start"):
        venue.record_messages()


def _log(rows: list[dict[str, int]]) -> pd.DataFrame:
    base = {
        "ts": 0,
        "arrival_ts": 0,
        "sent_ts": -1,
        "market": 1,
        "owner": 0,
        "op": 1,
        "order_type": int(OrderType.IOC),
        "side": 1,
        "price": 101,
        "qty": 10,
        "order_id": 0,
        "touch": 101,
        "filled": 0,
        "filled_value": 0,
        "cancelled": 0,
        "bid": 100,
        "ask": 101,
    }
    frame = pd.DataFrame([base | row for row in rows])
    frame["ts"] = frame["arrival_ts"]
    return frame


def test_a_race_is_a_success_and_a_failure_at_one_level_within_the_window() -> None:
    log = _log(
        [
            # the maker's ask at 101 rests (order 7)
            {"owner": 5, "op": 1, "order_type": int(OrderType.POST_ONLY), "side": -1, "order_id": 7, "touch": 100},
            # sniper 10 takes it, sniper 11 is 7 µs late, the maker's cancel later still
            {"arrival_ts": 1_000, "sent_ts": 0, "owner": 10, "filled": 10, "filled_value": 1010, "ask": 102},
            {"arrival_ts": 8_000, "sent_ts": 0, "owner": 11, "ask": 102},
            {"arrival_ts": 20_000, "owner": 5, "op": 2, "order_type": -1, "side": -1, "order_id": 7, "touch": -1},
            # two more takes at 105 a full window later, both filled: no failure, no race
            {"arrival_ts": 900_000, "owner": 10, "price": 105, "filled": 1, "filled_value": 105},
            {"arrival_ts": 901_000, "owner": 11, "price": 105, "filled": 1, "filled_value": 105},
            # one participant alone at 106, failing twice: not a race
            {"arrival_ts": 950_000, "owner": 10, "price": 106},
            {"arrival_ts": 951_000, "owner": 10, "price": 106},
        ]
    )
    found = detect_races(log, window_ns=500 * US)
    assert len(found) == 1
    race = found.iloc[0]
    assert (race["side"], race["price"], race["start_ns"]) == (-1, 101, 1_000)
    assert race["duration_ns"] == 7_000 and race["span_ns"] == 19_000
    assert (race["winner"], race["participants"], race["qty"]) == (10, 3, 10)
    assert detect_races(log, window_ns=5 * US).empty  # the late sniper falls outside a 5 µs window
    kinds = {10: "sniper", 11: "sniper", 5: "maker"}
    report = race_report(log, 1, duration_s=60.0, tick_size=0.5, kinds=kinds, horizon_ns=2 * US)
    summary = report.summary()
    assert summary["races"] == 1 and summary["races_per_minute"] == 1.0
    assert summary["duration_us"]["modal_bin"] == "5-10"
    # 2 µs after the race began the mid is (100 + 102) / 2 = 101: no gap in ticks; volume 12 lots, 10 in the race
    assert summary["price_gap_ticks"]["mean"] == 0.0 and summary["volume_share"] == pytest.approx(10 / 12)
    assert summary["winner_share_by_latency_rank"] == {"1": 1.0}
    assert report.winners["owner"].tolist() == [10, 11, 5]  # by latency: 1 µs, 8 µs, unknown


def test_the_gap_and_the_tax_count_from_the_mid_after_the_horizon() -> None:
    log = _log(
        [
            {"owner": 5, "op": 1, "order_type": int(OrderType.POST_ONLY), "side": -1, "order_id": 7, "touch": 100},
            {"arrival_ts": 1_000, "sent_ts": 0, "owner": 10, "filled": 10, "filled_value": 1010, "bid": 102},
            {"arrival_ts": 8_000, "sent_ts": 0, "owner": 11, "bid": 102, "ask": 104},
        ]
    )
    report = race_report(log, 1, duration_s=60.0, tick_size=0.5, horizon_ns=50 * US)
    summary = report.summary()
    # mid 103 after: the taker bought at 101, 2 ticks below; profits 2 ticks x 0.5 x 10 lots over 1010 x 0.5 traded
    assert summary["price_gap_ticks"]["mean"] == 2.0
    assert summary["price_gap_bp"]["mean"] == pytest.approx(2 / 101 * 1e4)
    assert summary["latency_tax_bp"] == pytest.approx(2 * 0.5 * 10 / (1010 * 0.5) * 1e4)
    # the winner (10) is faster than the loser (11) by its own order latency (1 µs against 8 µs)
    assert summary["winner_share_by_latency_rank"] == {"1": 1.0}


def test_bursts_are_trades_at_one_price_at_distinct_times() -> None:
    ms = 1_000_000
    times = np.array([0, 0, 200 * US, 10 * ms, 10 * ms, 20 * ms, 20 * ms + 300 * US], dtype=np.int64)
    prices = np.array([100, 100, 100, 101, 101, 99, 99], dtype=np.int64)
    qty = np.ones(7, dtype=np.int64)
    sides = np.array([1, 1, 1, 1, 1, -1, 1], dtype=np.int8)
    bursts = detect_bursts(times, prices, qty, sides, window_ns=500 * US)
    # 0 and 200 µs at 100 is a burst; the two prints at 10 ms share a timestamp (one taker); at 99 the sides differ
    assert bursts[["price", "start_ns", "duration_ns", "trades"]].values.tolist() == [[100, 0, 200 * US, 3]]
    with pytest.raises(RaceError, match="finer than the timestamps"):
        detect_bursts(times * 1000, prices, qty, sides, window_ns=500 * US)
