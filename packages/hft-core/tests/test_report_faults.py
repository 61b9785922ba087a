"""`hft report` on run directories that are not finished or not well formed: one line naming the file and the
problem, a non-zero exit, no traceback (issue #18)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest
from hft_core.cli._main import main
from hft_core.engine.results import BacktestResult
from hft_core.errors import HftError
from hft_core.report import load_run
from hft_core.rundir import LOCK_NAME

SEC = 1_000_000_000
UNFINISHED = "this run did not finish (status running, no end record)"


def _complete(path: Path) -> Path:
    """A small complete run directory, as `hft run` leaves it."""
    fills = [
        (1 * SEC, "SIM", 1, "buy", 99.0, 1.0, -0.01, True, 1.0, 0.0),
        (3 * SEC, "SIM", 2, "sell", 101.0, 1.0, -0.01, True, 0.0, 2.02),
    ]
    orders = [
        (1, 0, 1 * SEC, "SIM", "buy", "post_only", 99.0, 1.0, "filled", "", 1.0),
        (2, 0, 3 * SEC, "SIM", "sell", "post_only", 101.0, 1.0, "filled", "", 1.0),
    ]
    equity = [(k * SEC, "SIM", 100.0, 1.0 if 1 <= k < 3 else 0.0, 0.0) for k in range(5)]
    path.mkdir(parents=True, exist_ok=True)
    BacktestResult.from_rows(orders, fills, equity, {"pnl": 2.0, "fills": 2}, []).write(path)
    _meta(path, "complete")
    return path


def _meta(path: Path, status: str, **more: object) -> None:
    record = {"pattern": "demo", "seed": 1, "status": status, **more}
    (path / "run.json").write_text(json.dumps(record))


def _report(path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """``hft report PATH`` in process: its exit code and stderr."""
    monkeypatch.delenv("HFT_DEBUG", raising=False)
    try:
        main(["report", str(path)])
    except SystemExit as exited:
        code = exited.code
        return (code if isinstance(code, int) else 1), capsys.readouterr().err
    return 0, capsys.readouterr().err


def test_a_complete_run_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _complete(tmp_path / "run")
    code, err = _report(run, capsys, monkeypatch)
    assert code == 0, err
    assert (run / "report.html").exists()


def test_a_run_killed_outright_is_reported_unfinished(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.toml").write_text("[run]\nseed = 1\n")
    _meta(run, "running")
    (run / LOCK_NAME).write_text("999999999\n")  # no such process: the writer was killed
    code, err = _report(run, capsys, monkeypatch)
    assert code != 0
    assert UNFINISHED in err and "killed" in err
    assert "Traceback" not in err and "summary.json is missing" not in err
    assert not (run / "report.html").exists()


def test_a_run_still_being_written_says_so(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    _meta(run, "running")
    (run / LOCK_NAME).write_text(f"{os.getpid()}\n")
    with pytest.raises(HftError, match=re.escape(UNFINISHED) + ".*may still be running"):
        load_run(run)


def test_running_with_every_file_written_is_still_unfinished(tmp_path: Path) -> None:
    """Killed after the records were written but before run.json said complete: no end record."""
    run = _complete(tmp_path / "run")
    _meta(run, "running")
    with pytest.raises(HftError, match="did not finish"):
        load_run(run)


def test_a_lock_without_a_status_or_a_summary_is_unfinished(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / LOCK_NAME).write_text("999999999\n")
    with pytest.raises(HftError, match="this run did not finish"):
        load_run(run)


def test_a_finished_run_whose_lock_was_left_still_reads(tmp_path: Path) -> None:
    """Killed between writing the end record and removing the lock: the run finished."""
    run = _complete(tmp_path / "run")
    (run / LOCK_NAME).write_text("999999999\n")
    assert load_run(run).summary["fills"] == 2


def test_a_partial_run_that_recorded_nothing_says_why(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    _meta(run, "partial", reason="ValueError: bad")
    with pytest.raises(HftError, match=r"stopped before it recorded anything \(status partial: ValueError: bad\)"):
        load_run(run)


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _drop_column(path: Path, column: str) -> None:
    pd.read_parquet(path).drop(columns=[column]).to_parquet(path)


def _retype_column(path: Path, column: str) -> None:
    frame = pd.read_parquet(path)
    frame[column] = frame[column].astype(str)
    frame.to_parquet(path)


@pytest.mark.parametrize(
    ("damage", "name", "problem"),
    [
        (lambda p: _truncate(p / "fills.parquet"), "fills.parquet", "unreadable Parquet file"),
        (lambda p: (p / "orders.parquet").write_bytes(b""), "orders.parquet", "unreadable Parquet file"),
        (lambda p: (p / "equity.parquet").write_text("ts,mid\n1,2\n"), "equity.parquet", "unreadable Parquet file"),
        (lambda p: _drop_column(p / "equity.parquet", "mid"), "equity.parquet", "missing column mid"),
        (lambda p: _drop_column(p / "orders.parquet", "ts"), "orders.parquet", "missing column ts"),
        (lambda p: _retype_column(p / "fills.parquet", "price"), "fills.parquet", r"wrong column type: price"),
        (lambda p: _drop_column(p / "round_trips.parquet", "pnl"), "round_trips.parquet", "missing column pnl"),
        (lambda p: (p / "summary.json").write_text('{"pnl": 1,'), "summary.json", "corrupt JSON at line 1"),
        (lambda p: (p / "summary.json").write_text("[1, 2]"), "summary.json", "expected a JSON object, found list"),
        (lambda p: (p / "summary.json").write_bytes(b"\xff\xfe{}"), "summary.json", "not UTF-8"),
        (lambda p: (p / "run.json").write_text("{"), "run.json", "corrupt JSON"),
        (lambda p: (p / "summary.json").unlink(), "summary.json", "is missing"),
    ],
)
def test_a_malformed_file_is_named_with_the_problem(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    damage: object,
    name: str,
    problem: str,
) -> None:
    run = _complete(tmp_path / "run")
    damage(run)  # type: ignore[operator]
    code, err = _report(run, capsys, monkeypatch)
    assert code != 0
    assert "Traceback" not in err
    assert name in err and re.search(problem, err), err
    assert err.count("\n") == 1, err  # one line


def test_a_summary_with_values_of_the_wrong_shape_still_reports(tmp_path: Path) -> None:
    run = _complete(tmp_path / "run")
    damaged = {"pnl": "x", "final_position": 5, "quote_uptime": {"SIM": 3}, "rejected_by_reason": [1], "markouts": 2}
    (run / "summary.json").write_text(json.dumps(damaged))
    from hft_core.report import write_report

    record, written = write_report(run)
    assert record.summary["final_position"] == 5 and written


def test_a_run_without_orders_or_with_only_market_orders_reads(tmp_path: Path) -> None:
    """Empty columns, and a price column of nulls (market orders), are not of the wrong type."""
    run = tmp_path / "run"
    run.mkdir()
    orders = [(1, 0, 1 * SEC, "SIM", "buy", "market", None, 1.0, "filled", "", 1.0)]
    equity = [(k * SEC, "SIM", 100.0, 0.0, 0.0) for k in range(3)]
    BacktestResult.from_rows(orders, [], equity, {"pnl": 0.0}, []).write(run)
    _meta(run, "complete")
    record = load_run(run)
    assert len(record.orders) == 1 and record.fills.empty
