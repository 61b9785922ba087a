"""Signals stop a run at a safe point, and a run's records are journaled as it goes (issue #18).

The handlers of `interrupt_on_signals` only record the signal; the engine raises it between two loop turns. These
tests send real signals to this process from inside a strategy's hook (the handler runs at the next bytecode, in
the middle of the hook) and check where the run actually stopped.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hft_core.engine.loop import STOP, Engine
from hft_core.engine.results import JOURNAL_FILES, RecordJournal, read_journal
from hft_core.errors import HftError
from hft_core.report import load_run
from hft_core.runs import RunInterrupted, RunSpec, create_scenario, execute_run, interrupt_on_signals, resolve_run
from hft_core.strategy import Context, Strategy

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


class Signalling(Strategy):
    """Buys one lot a second; at timer ``at`` sends itself ``signals`` (each one, then a step of the hook)."""

    def __init__(self, at: int = 5, signals: tuple[int, ...] = (signal.SIGTERM,), where: str = "timer") -> None:
        self.at, self.signals, self.where = at, signals, where
        self.timers = 0
        self.steps: list[str] = []

    def on_start(self, ctx: Context) -> None:
        ctx.set_timer(1.0)
        if self.where == "start":
            self._signal()

    def on_timer(self, ctx: Context) -> None:
        self.timers += 1
        if self.timers == self.at and self.where == "timer":
            self._signal()
            ctx.buy(1.0)
            self.steps.append("hook finished")
            return
        ctx.buy(1.0)

    def _signal(self) -> None:
        for number in self.signals:
            os.kill(os.getpid(), number)
            self.steps.append(f"after {signal.Signals(number).name}")


def _engine(strategy: Strategy, duration_s: float = 60.0) -> Engine:
    return Engine(strategy, create_scenario("single-instrument", seed=3, duration_s=duration_s), duration_s=duration_s)


def test_a_signal_in_a_hook_stops_the_run_after_the_hook_not_inside_it() -> None:
    strategy = Signalling(at=5)
    engine = _engine(strategy)
    with interrupt_on_signals(), pytest.raises(RunInterrupted) as caught:
        engine.run()
    assert caught.value.signal_number == signal.SIGTERM
    # the handler ran inside the hook, which went on to its end: the run stopped at the next loop turn
    assert strategy.steps == ["after SIGTERM", "hook finished"]
    partial = engine.partial_result()
    assert partial is not None and len(partial.orders) == 5
    assert STOP.pending is None and STOP.armed == 0


@pytest.mark.parametrize(("number", "kind"), [(signal.SIGINT, KeyboardInterrupt), (signal.SIGHUP, RunInterrupted)])
def test_sigint_and_sighup_stop_at_the_safe_point_too(number: int, kind: type[BaseException]) -> None:
    strategy = Signalling(at=3, signals=(number,))
    with interrupt_on_signals(), pytest.raises(KeyboardInterrupt) as caught:
        _engine(strategy).run()
    assert type(caught.value) is kind
    assert strategy.steps[-1] == "hook finished"


def test_a_second_signal_while_stopping_raises_at_once() -> None:
    strategy = Signalling(at=4, signals=(signal.SIGTERM, signal.SIGINT))
    with interrupt_on_signals(), pytest.raises(KeyboardInterrupt) as caught:
        _engine(strategy).run()
    assert type(caught.value) is KeyboardInterrupt  # the second signal's, raised inside the hook
    assert strategy.steps == ["after SIGTERM"]


def test_a_signal_outside_the_loop_raises_at_once() -> None:
    strategy = Signalling(where="start")
    with interrupt_on_signals(), pytest.raises(RunInterrupted):
        _engine(strategy).run()
    assert strategy.steps == []  # raised in on_start, before the engine's loop (nothing there to keep consistent)


def test_the_handlers_are_restored_and_a_nested_scope_keeps_them() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with interrupt_on_signals():
        inside = signal.getsignal(signal.SIGTERM)
        with interrupt_on_signals():
            assert signal.getsignal(signal.SIGTERM) is inside
        assert signal.getsignal(signal.SIGTERM) is inside
    assert signal.getsignal(signal.SIGTERM) is before


def test_each_venue_advance_covers_at_most_one_sample_interval() -> None:
    """The stop latency's bound: the engine asks the venue for at most ``sample_interval_s`` of market time per
    loop turn, so a stop request waits for no more than that much market (plus one turn's strategy code)."""
    venue = create_scenario("single-instrument", seed=3, duration_s=120.0)
    engine = Engine(Strategy(), venue, duration_s=120.0, sample_interval_s=0.5)
    advance = venue.advance
    spans: list[int] = []

    def measured(until: int, watch: Any) -> Any:
        spans.append(until - engine.now)
        return advance(until, watch)

    venue.advance = measured  # type: ignore[method-assign]
    engine.run()
    assert len(spans) >= 240 and max(spans) <= 500_000_000


def _spec(tmp_path: Path) -> RunSpec:
    return resolve_run("passive-mm", duration_s=300.0, seed=4)


def test_a_second_signal_during_the_partial_write_keeps_what_was_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hft_core.engine.results import BacktestResult

    write = BacktestResult.write
    seen: list[str] = []

    def write_then_signal(self: BacktestResult, directory: Path) -> list[Path]:
        os.kill(os.getpid(), signal.SIGINT)  # held back until the record is written
        seen.append("signal sent")
        written = write(self, directory)
        seen.append("written")
        return written

    monkeypatch.setattr(BacktestResult, "write", write_then_signal)
    strategy = Signalling(at=20)
    monkeypatch.setattr(RunSpec, "build_strategy", lambda _self: strategy)
    out = tmp_path / "run"
    with interrupt_on_signals(), pytest.raises(KeyboardInterrupt):
        execute_run(_spec(tmp_path), out=out)
    assert seen == ["signal sent", "written"]
    meta = json.loads((out / "run.json").read_text())
    assert meta["status"] == "partial" and meta["reason"] == "interrupted by SIGTERM"
    record = load_run(out)
    assert len(record.orders) == 20 and record.summary["partial"] is True
    assert not any((out / name).exists() for name in JOURNAL_FILES.values())


def test_the_journal_holds_the_run_so_far_and_goes_when_it_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "run"
    looks: list[dict[str, pd.DataFrame]] = []

    class Looking(Strategy):
        def on_start(self, ctx: Context) -> None:
            ctx.set_timer(1.0)

        def on_timer(self, ctx: Context) -> None:
            ctx.buy(1.0) if ctx.position() <= 0 else ctx.sell(1.0)
            if ctx.now // 1_000_000_000 % 100 == 0:
                looks.append(read_journal(out))

    monkeypatch.setattr(RunSpec, "build_strategy", lambda _self: Looking())
    result, _ = execute_run(_spec(tmp_path), out=out)
    journaled = [look for look in looks if "equity" in look]
    assert journaled, "nothing was journaled while the run went"
    last = journaled[-1]
    samples = last["equity"]
    assert len(samples) % 60 == 0 and len(samples) >= 120
    pd.testing.assert_frame_equal(samples, result.equity.iloc[: len(samples)].reset_index(drop=True))
    fills = last["fills"]
    expected = result.fills.drop(columns=["pnl"]).iloc[: len(fills)].reset_index(drop=True)
    pd.testing.assert_frame_equal(fills, expected, check_dtype=False)
    assert len(fills) > 0 and fills["ts"].iloc[-1] <= samples["ts"].iloc[-1]
    assert not any((out / name).exists() for name in JOURNAL_FILES.values())


def test_a_journal_cut_short_reads_its_whole_batches(tmp_path: Path) -> None:
    journal = RecordJournal(tmp_path, every_samples=1)
    for k in range(3):
        journal.append("equity", {"ts": [k, k], "instrument": ["A", "B"], "mid": [1.0, 2.0], "position": [0.0, 1.0]})
    path = tmp_path / JOURNAL_FILES["equity"]
    whole = path.read_bytes()
    assert len(read_journal(tmp_path)["equity"]) == 6
    for cut in (len(whole) - 7, len(whole) // 2, 3):
        path.write_bytes(whole[:cut])
        found = read_journal(tmp_path)
        assert len(found.get("equity", [])) < 6
    path.write_bytes(b"")
    assert read_journal(tmp_path) == {}
    journal.close()
    assert not path.exists()


def test_hft_report_on_a_killed_run_says_unfinished_and_what_it_journaled(tmp_path: Path) -> None:
    journal = RecordJournal(tmp_path, every_samples=1)
    journal.append("equity", {"ts": [0, 1_000_000_000, 2_000_000_000], "instrument": ["SIM"] * 3, "pnl": [0, 1, 2.5]})
    journal.append("fills", {"ts": [500_000_000], "instrument": ["SIM"]})
    (tmp_path / "run.json").write_text(json.dumps({"pattern": "demo", "seed": 1, "status": "running"}))
    with pytest.raises(HftError) as caught:
        load_run(tmp_path)
    message = str(caught.value)
    assert "this run did not finish (status running, no end record)" in message
    assert (
        "its journal holds 1 fills and 3 equity samples over its first 2 s of market time (PnL 2.50 at the last)"
        in message
    )
    assert "\n" not in message


def test_a_signal_while_the_directory_is_opened_stops_the_run_at_its_first_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hft_core.rundir import RunDirectory

    write_text = RunDirectory.write_text

    def write_then_signal(self: RunDirectory, name: str, text: str) -> None:
        os.kill(os.getpid(), signal.SIGHUP)
        write_text(self, name, text)

    monkeypatch.setattr(RunDirectory, "write_text", write_then_signal)
    strategy = Signalling(at=10_000)
    monkeypatch.setattr(RunSpec, "build_strategy", lambda _self: strategy)
    out = tmp_path / "run"
    with pytest.raises(RunInterrupted):
        execute_run(_spec(tmp_path), out=out)
    meta = json.loads((out / "run.json").read_text())
    assert meta["status"] == "partial" and meta["reason"] == "interrupted by SIGHUP"
    assert (out / "config.toml").exists() and strategy.timers == 0
    assert load_run(out).summary["duration_s"] == 0


def test_an_engine_in_another_thread_is_not_stopped_by_the_main_threads_signal() -> None:
    import threading

    results: list[object] = []

    def run() -> None:
        results.append(_engine(Strategy(), duration_s=600.0).run())

    with interrupt_on_signals():
        worker = threading.Thread(target=run)
        worker.start()
        time.sleep(0.5)  # (the worker's engine in its loop by now)
        with pytest.raises(RunInterrupted):  # the main thread, running no engine, gets it at once
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(500):  # (the handler raises in this thread, at its next bytecode)
                time.sleep(0.01)
        worker.join(timeout=60)
    assert len(results) == 1 and STOP.pending is None
