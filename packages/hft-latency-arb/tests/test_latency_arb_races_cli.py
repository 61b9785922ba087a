"""The hft races command: a simulated run's races (its message log regenerated once and kept), recorded bursts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hft_core.data.samples import shared_data_path
from hft_latency_arb.cli import MESSAGES_FILE

HftCli = Callable[[list[str]], tuple[int, str, str]]
"""The root conftest's ``hft_cli`` fixture: ``hft`` in-process, as (exit code, stdout, stderr)."""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hft_core.cli import main

    out = tmp_path_factory.mktemp("races") / "run"
    with pytest.raises(SystemExit) as done:
        # the strategy trades (and races) within the minute: the reproduction check has fills to compare
        main(
            [
                "run",
                "latency-arb",
                "--quiet",
                "--duration",
                "60",
                "--seed",
                "2",
                "--set",
                "hedge=false",
                "--out",
                str(out),
            ]
        )
    assert done.value.code in (0, None)
    return out


def test_races_of_a_simulated_run(run_dir: Path, hft_cli: HftCli) -> None:
    code, out, err = hft_cli(["races", str(run_dir), "--json"])
    assert code == 0, err
    reports = {report["market"]: report for report in json.loads(out)}
    assert set(reports) == {"SIM@fast", "SIM@slow"}
    slow = reports["SIM@slow"]
    assert slow["source"] == "messages" and slow["races"] >= 1
    assert sum(slow["duration_us"]["histogram"].values()) == slow["races"]
    assert 0 < slow["volume_share"] < 1 and slow["race_volume"] <= slow["total_volume"]
    assert [p["kind"] for p in slow["participants"]].count("sniper") == 3
    saved = run_dir / MESSAGES_FILE
    assert saved.exists()
    # the second look reads the kept log, and says the same
    before = saved.stat().st_mtime_ns
    assert hft_cli(["races", str(run_dir), "--json"])[1] == out
    assert saved.stat().st_mtime_ns == before
    code, table, _ = hft_cli(["races", str(run_dir), "--market", "SIM@slow"])
    assert code == 0 and "latency tax (bp)" in table and "ABO 2022" in table and "SIM@fast" not in table


def test_a_run_that_does_not_reproduce_is_refused(run_dir: Path, tmp_path: Path, hft_cli: HftCli) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in run_dir.iterdir():
        if path.name != MESSAGES_FILE:
            (copy / path.name).write_bytes(path.read_bytes())
    fills = pd.read_parquet(copy / "fills.parquet")
    assert not fills.empty
    fills["qty"] = fills["qty"] + 1.0
    fills.to_parquet(copy / "fills.parquet", index=False)
    code, _, err = hft_cli(["races", str(copy)])
    assert code == 2 and "did not reproduce fills.parquet" in err and err.count("\n") == 1
    assert not (copy / MESSAGES_FILE).exists()


def test_bad_targets_exit_2_with_one_line(tmp_path: Path, hft_cli: HftCli) -> None:
    code, _, err = hft_cli(["races", str(tmp_path / "nowhere")])
    assert code == 2 and "no such run directory or file" in err and err.count("\n") == 1
    code, _, err = hft_cli(["races", str(tmp_path)])
    assert code == 2 and "not a run directory" in err
    code, _, err = hft_cli(["races", str(tmp_path), "--window-us", "0"])
    assert code == 2 and "--window-us" in err


def test_bursts_in_a_recorded_capture(tmp_path: Path, hft_cli: HftCli) -> None:
    perp = shared_data_path("binance-2024-08-08") / "usdm_btcusdt_20240808.gz"
    code, _, err = hft_cli(["races", str(perp)])
    assert code == 2 and "finer than the timestamps (1000 µs)" in err  # Binance's exchange clock is in ms
    code, out, err = hft_cli(["races", str(perp), "--window-us", "1000", "--json"])
    assert code == 0, err
    (report,) = json.loads(out)
    assert report["source"] == "trades" and report["races"] > 0
    assert 0 < report["volume_share"] < 1 and "winner_share_by_latency_rank" not in report
    # a replay run's directory: the bursts of the files it replayed (its run.json names them)
    (tmp_path / "run.json").write_text(json.dumps({"status": "complete", "data": [str(perp)]}))
    assert hft_cli(["races", str(tmp_path), "--window-us", "1000", "--json"]) == (0, out, "")
