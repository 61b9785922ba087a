"""``surveil_command`` (``hft surveil RUN_DIR [--json]``): flagged episodes with times and evidence, or none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hft_core import HftError, Strategy, backtest
from hft_core.cli._surveil import surveil_command
from hft_core.engine import BacktestResult

T0 = 1_704_205_800_000_000_000
SEC = 1_000_000_000


def _spoofing_run(directory: Path) -> Path:
    """A run directory whose records hold one spoofing episode (a 500-lot bid cancelled after a 5-lot sell filled)."""
    orders = [
        (1, T0 + 1 * SEC, T0 + 2 * SEC, "SIM", "sell", "limit", 100.01, 5.0, "filled", "", 5.0),
        (2, T0 + 1 * SEC, T0 + 2 * SEC + 1000, "SIM", "buy", "limit", 99.99, 500.0, "cancelled", "requested", 0.0),
        (3, T0 + 5 * SEC, T0 + 6 * SEC, "SIM", "buy", "limit", 100.0, 5.0, "filled", "", 5.0),
    ]
    fills = [
        (T0 + 2 * SEC, "SIM", 1, "sell", 100.01, 5.0, 0.0, True, -5.0, 0.0),
        (T0 + 6 * SEC, "SIM", 3, "buy", 100.0, 5.0, 0.0, True, 0.0, 0.05),
    ]
    equity = [(T0 + s * SEC, "SIM", 100.0, 0.0, 0.0) for s in range(10)]
    BacktestResult.from_rows(orders, fills, equity, {"pnl": 0.05}, []).write(directory)
    (directory / "run.json").write_text(json.dumps({"pattern": "hand-made", "status": "complete"}))
    return directory


def test_prints_each_episode_with_times_and_evidence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    surveil_command(_spoofing_run(tmp_path), False)
    out = capsys.readouterr().out
    assert "(hand-made): 3 orders, 2 fills" in out
    assert "1 episode(s) flagged: spoofing 1" in out
    assert "#1 spoofing SIM score=" in out
    assert "2024-01-02T14:30:01.000000+00:00 -> 2024-01-02T14:30:02.000001+00:00" in out
    assert "t=1.000s..2.000s" in out
    assert "spoof_qty=500.0" in out and "opposite_fill_price=100.01" in out


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    surveil_command(_spoofing_run(tmp_path), True)
    report = json.loads(capsys.readouterr().out)
    assert report["pattern"] == "hand-made"
    assert report["counts"] == {"spoofing": 1}
    (episode,) = report["episodes"]
    assert episode["kind"] == "spoofing"
    assert episode["start_ns"] == T0 + SEC
    assert episode["evidence"]["spoof_side"] == "buy"
    assert report["thresholds"]["spoofing"]["size_ratio"] == 5.0
    assert set(report["thresholds"]) == {"spoofing", "momentum-ignition", "quote-stuffing"}


def test_clean_run_and_missing_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    backtest(Strategy(), duration_s=2.0).write(run_dir)
    surveil_command(run_dir, False)
    assert "no episodes flagged" in capsys.readouterr().out
    surveil_command(run_dir, True)
    assert json.loads(capsys.readouterr().out)["episodes"] == []
    with pytest.raises(HftError, match="no such run directory"):
        surveil_command(tmp_path / "nowhere", False)
