"""Stylized facts (`hft_core.realism`) and ``hft realism``: definitions on hand-made data, files, run directories."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hft_core import backtest, create_scenario
from hft_core.cli._main import main
from hft_core.data.eventfile import save_events_npz
from hft_core.data.instrument_spec import SPEC_KEY, instrument_to_dict
from hft_core.events import BUY, SELL, EventKind, Events, empty_events
from hft_core.instruments import Instrument
from hft_core.realism import (
    OwnFills,
    RealismInputError,
    facts_table,
    load_market_source,
    measure,
    stylized_facts,
    taker_orders,
)
from hft_core.venues.base import Watch
from hft_core.venues.simulated import SimulatedVenue

SEC = 1_000_000_000
T0 = 1_704_205_800_000_000_000
INSTRUMENT = Instrument("TEST", 0.5, 1.0, venue="test")


def rows(*records: tuple[int, int, int, int, int]) -> Events:
    """Events from (seconds after T0 in ms, kind, side, price, qty) records."""
    events = empty_events(len(records))
    for i, (ms, kind, side, price, qty) in enumerate(records):
        ts = T0 + ms * 1_000_000
        events[i] = (ts, ts, price, qty, 0, 0, kind, side)
    return events


DEPTH, TRADE = int(EventKind.DEPTH), int(EventKind.TRADE)


def hand_made() -> Events:
    """A book at 100/101 (5 and 7 lots) for 60 s; at 10 s a buyer takes 3 + 4 lots at 101 (one order, two prints),
    then the ask moves up to 103 and the bid to 102 at 10.5 s; at 40 s a seller hits 2 lots at 102."""
    return rows(
        (0, DEPTH, BUY, 100, 5),
        (0, DEPTH, SELL, 101, 7),
        (10_000, TRADE, BUY, 101, 3),
        (10_000, TRADE, BUY, 101, 4),
        (10_500, DEPTH, SELL, 101, 0),
        (10_500, DEPTH, SELL, 103, 6),
        (10_500, DEPTH, BUY, 102, 8),
        (10_500, DEPTH, BUY, 100, 0),
        (40_000, TRADE, SELL, 102, 2),
        (60_000, DEPTH, BUY, 102, 8),
    )


def test_facts_of_a_hand_made_market() -> None:
    facts = stylized_facts(hand_made(), INSTRUMENT, label="hand")
    # Spread 1 tick all along; depth (5 + 7)/2 = 6 before 10.5 s and (8 + 6)/2 = 7 after.
    assert facts.spread_mean_ticks == 1.0 and facts.spread_one_tick_share == 1.0
    assert facts.touch_depth_median_lots in (6.0, 7.0)
    assert 6.0 < facts.touch_depth_mean_lots < 7.0
    # Two prints at one time and side are one taker order of 7 lots; the sell is another of 2.
    assert facts.trade_rows == 3 and facts.taker_orders == 2
    assert facts.trade_size_mean_lots == pytest.approx(4.5)
    assert facts.buy_share == 0.5
    # The buyer's makers sold at 101; 10 s later the mid is 102.5: -1.5 ticks each. The seller's maker bought at
    # 102 with the mid at 102.5: +0.5. Per print: (-1.5 - 1.5 + 0.5) / 3.
    assert facts.markout_ticks["10s"] == pytest.approx((-1.5 - 1.5 + 0.5) / 3)
    assert facts.markout_bp["10s"] == pytest.approx(1e4 * (-1.5 / 101 - 1.5 / 101 + 0.5 / 102) / 3)
    assert facts.markout_source == "trades at the touch"
    # The 30 s markout of the 40 s sell falls after the last sample: it is not counted.
    assert facts.markout_fills["30s"] == 2
    assert any("Hawkes fit skipped" in note for note in facts.notes)


def test_taker_orders_group_prints_by_time_and_side() -> None:
    events = rows(
        (1, TRADE, BUY, 10, 1),
        (1, TRADE, BUY, 11, 2),
        (1, TRADE, SELL, 9, 4),
        (2, TRADE, SELL, 9, 1),
        (2, TRADE, 0, 9, 1),
        (2, TRADE, 0, 9, 1),
    )
    ts, sides, sizes = taker_orders(events)
    assert sides.tolist() == [BUY, SELL, SELL, 0, 0]
    assert sizes.tolist() == [3.0, 4.0, 1.0, 1.0, 1.0]
    assert (ts - T0).tolist() == [1_000_000, 1_000_000, 2_000_000, 2_000_000, 2_000_000]


def test_no_book_or_no_trades_is_an_input_error() -> None:
    only_trades = rows((0, TRADE, BUY, 10, 1), (1000, TRADE, SELL, 10, 1))
    with pytest.raises(Exception, match="never showed a bid and an ask"):
        stylized_facts(only_trades, INSTRUMENT)
    no_trades = rows((0, DEPTH, BUY, 10, 1), (0, DEPTH, SELL, 11, 1), (5000, DEPTH, BUY, 10, 2))
    with pytest.raises(Exception, match="no trades"):
        stylized_facts(no_trades, INSTRUMENT)


def simulated_feed(seed: int = 3, duration_s: float = 90.0) -> tuple[Events, Instrument]:
    venue = create_scenario("single-instrument", seed=seed, duration_s=duration_s, record=True, informed_share=0.3)
    assert isinstance(venue, SimulatedVenue)
    venue.start()
    venue.advance(venue.end_ns, Watch())
    return venue.recorded_market_data(), venue.instruments[0]


def test_facts_of_a_simulated_market_are_plausible() -> None:
    events, instrument = simulated_feed()
    facts = stylized_facts(events, instrument)
    assert 1.0 <= facts.spread_mean_ticks <= 3.0
    assert facts.taker_orders > 100 and math.isfinite(facts.hawkes_branching)
    assert set(facts.volatility_signature) >= {"0.1s", "1s", "5s"}
    assert all(v > 0 for v in facts.volatility_signature.values())
    assert set(facts.markout_bp) == {"1s", "2s", "5s", "10s", "30s", "60s"}
    assert json.loads(json.dumps(facts.to_dict()))["symbol"] == "SIM"


def run_cli(*args: str) -> int:
    """``hft ARGS`` in-process: its exit code."""
    with pytest.raises(SystemExit) as done:
        main(list(args))
    return int(done.value.code or 0)


def write_events(path: Path, events: Events, instrument: Instrument) -> Path:
    return save_events_npz(path, events, {SPEC_KEY: instrument_to_dict(instrument)})


def test_cli_prints_two_markets_side_by_side_with_plots(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_events(tmp_path / "a.npz", *simulated_feed(3))
    second = write_events(tmp_path / "b.npz", *simulated_feed(4))
    monkeypatch.chdir(tmp_path)
    assert run_cli("realism", str(first), str(second)) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["fact", "a.npz", "b.npz", "ratio"]
    assert "Hawkes branching ratio" in out and "passive markout 10s (bp)" in out
    plots = tmp_path / "realism-a-vs-b"
    assert {p.name for p in plots.iterdir()} >= {"spread.png", "markouts.png", "volatility_signature.png"}
    assert run_cli("realism", str(first), "--json", "--no-plots") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["plots"] == [] and report["markets"][0]["label"] == "a.npz"


def test_cli_refuses_what_it_cannot_measure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("realism", str(tmp_path / "nothing.npz"), "--no-plots") == 2
    assert "no such file or run directory" in capsys.readouterr().err
    quiet = write_events(
        tmp_path / "quiet.npz",
        rows((0, DEPTH, BUY, 10, 1), (0, DEPTH, SELL, 11, 1), (5000, DEPTH, BUY, 10, 2)),
        INSTRUMENT,
    )
    assert run_cli("realism", str(quiet), "--no-plots") == 2
    assert "quiet.npz: no trades" in capsys.readouterr().err
    two = hand_made()
    two["instrument"][5:] = 1
    mixed = write_events(tmp_path / "mixed.npz", two, INSTRUMENT)
    with pytest.raises(RealismInputError, match="holds 2 instruments"):
        load_market_source(mixed)


def test_a_run_directory_is_measured_by_running_it_again(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    backtest("passive-mm", seed=3, duration_s=60.0, out=run_dir)
    source = load_market_source(run_dir)
    assert source.kind == "simulated run" and source.fills is not None
    facts = measure(source)
    assert facts.markout_source == "own fills"
    assert facts.markout_fills["1s"] > 10
    assert "own fills" in facts_table([facts])
    # A run directory whose fills the installed code no longer reproduces is refused, not mis-described.
    fills = run_dir / "fills.parquet"
    pd.read_parquet(fills).iloc[:1].to_parquet(fills)
    with pytest.raises(RealismInputError, match="no longer reproduce"):
        load_market_source(run_dir)


def test_own_passive_fills_give_the_markout_curve() -> None:
    """A strategy's maker fills replace the trades: its sell at 101 at 10 s sees the mid at 102.5 10 s later."""
    fills = OwnFills(
        ts=np.array([T0 + 10 * SEC, T0 + 12 * SEC], dtype=np.int64),
        side=np.array([SELL, BUY], dtype=np.int64),
        price=np.array([101.0, 103.0]),
        qty=np.array([1.0, 1.0]),
        maker=np.array([True, False]),
    )
    facts = stylized_facts(hand_made(), INSTRUMENT, fills=fills)
    assert facts.markout_source == "own fills"
    assert facts.markout_fills["10s"] == 1
    assert facts.markout_ticks["10s"] == pytest.approx(-1.5)
    takers_only = OwnFills(fills.ts, fills.side, fills.price, fills.qty, np.array([False, False]))
    fallback = stylized_facts(hand_made(), INSTRUMENT, fills=takers_only)
    assert fallback.markout_source == "trades at the touch"
    assert any("no passive fills" in note for note in fallback.notes)
