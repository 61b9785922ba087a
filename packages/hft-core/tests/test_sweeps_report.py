"""The sweep report: a stat over two knobs with its spread over seeds, and the train/test view, on a sweep
directory whose points have known stats (written through the store, as a worker's files would be)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hft_core.errors import ConfigError
from hft_core.plugins import PluginHost
from hft_core.sweeps import SweepDefinition, open_sweep_directory, plan_points
from hft_core.sweeps.report import train_test, write_sweep_report

HOST = PluginHost()


def _pnl(half_spread: str, gamma: str, seed: int) -> float:
    """1ticks/0.05 wins on seeds 1-2 and loses on 3-4 (an overfit); 2ticks is steady; the rest is noise."""
    if (half_spread, gamma) == ("1ticks", "0.05"):
        return 10.0 + seed if seed <= 2 else -5.0
    if half_spread == "2ticks":
        return 3.0 + 0.1 * seed
    return float(seed) * (0.5 if gamma == "0.05" else 0.25)


@pytest.fixture
def sweep_dir(tmp_path: Path) -> Path:
    definition = SweepDefinition(
        pattern="passive-mm",
        duration_s=2.0,
        grid=(("half_spread", ("1ticks", "2ticks", "4ticks")), ("gamma", ("0.05", "0.2"))),
        seeds=(1, 2, 3, 4),
    )
    points = plan_points(definition, host=HOST)
    store = open_sweep_directory(tmp_path / "sweep", "passive-mm")
    store.record_points(points)
    for point in points:
        stats = {"pnl": _pnl(point.values["half_spread"], point.values["gamma"], point.seed), "fills": point.seed}
        files = {
            "config.toml": point.spec.config_toml().encode(),
            "run.json": json.dumps({"status": "complete"}).encode(),
            "summary.json": json.dumps(stats).encode(),
        }
        store.write_point(point.key, files)
    store.write_table()
    return store.path


def test_the_train_test_view_exposes_the_overfit_point(sweep_dir: Path) -> None:
    table = pd.read_parquet(sweep_dir / "results.parquet")
    split = train_test(table, ["half_spread", "gamma"], "pnl")
    assert split is not None
    assert split.train_seeds == (1, 2) and split.test_seeds == (3, 4)
    assert split.best == {"half_spread": "1ticks", "gamma": 0.05}
    assert split.best_train == pytest.approx(11.5) and split.best_test == pytest.approx(-5.0)
    assert split.best_test_rank == 6 and split.configurations == 6  # the worst out of sample
    assert split.oos_best["half_spread"] == "2ticks" and split.oos_best_test == pytest.approx(3.35)
    assert train_test(table[table["seed"] == 1], ["half_spread"], "pnl") is None  # one seed: no split


def test_the_report_writes_plots_and_the_split_deterministically(sweep_dir: Path) -> None:
    written, splits = write_sweep_report(sweep_dir)
    names = sorted(p.name for p in written)
    assert names == sorted(
        [f"{kind}-{stat}.png" for kind in ("heatmap", "lines", "train-test") for stat in ("pnl", "fills")]
        + ["train_test.json"]
    )
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in written if p.suffix == ".png")
    recorded = json.loads((sweep_dir / "report" / "train_test.json").read_text())
    assert recorded["pnl"]["best_in_sample"]["config"] == {"half_spread": "1ticks", "gamma": 0.05}
    assert recorded["pnl"]["best_in_sample_test_rank"] == 6
    assert splits["pnl"].best_test == pytest.approx(-5.0)
    first = {p.name: p.read_bytes() for p in written}
    again, _ = write_sweep_report(sweep_dir)
    assert {p.name: p.read_bytes() for p in again} == first


def test_report_options_are_checked(sweep_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no knob 'gama'"):
        write_sweep_report(sweep_dir, x="gama")
    with pytest.raises(ConfigError, match="no stat 'pnl_'"):
        write_sweep_report(sweep_dir, stats=["pnl_"])
    written, _ = write_sweep_report(sweep_dir, stats=["pnl"], x="gamma", y="half_spread")
    assert {p.name for p in written} >= {"heatmap-pnl.png", "lines-pnl.png"}
    with pytest.raises(ConfigError, match="not a sweep directory"):
        write_sweep_report(tmp_path)


def test_hft_report_recognises_a_sweep_directory(sweep_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HFT_")}
    done = subprocess.run(
        [sys.executable, "-m", "hft_core", "report", str(sweep_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "24 complete points, 0 failed" in done.stdout
    assert "train/test pnl: best in-sample (half_spread=1ticks, gamma=0.05) 11.5" in done.stdout
    assert "rank 6 of 6" in done.stdout
    assert (sweep_dir / "report" / "heatmap-pnl.png").is_file()
