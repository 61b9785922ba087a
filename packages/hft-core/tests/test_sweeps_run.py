"""Sweeps that run: on a local Dask cluster and on a scheduler and workers started on 127.0.0.1, resumed after an
interruption, with failing points and a killed worker. Tiny sweeps (2-second markets, a handful of points), every
process and wait bounded in time."""

from __future__ import annotations

import contextlib
import filecmp
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from hft_core.plugins import PluginHost
from hft_core.sweeps import SweepDefinition, run_sweep

pytestmark = pytest.mark.slow

HOST = PluginHost()
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("HFT_")}


def _hft(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hft_core", *args], capture_output=True, text=True, env=CLEAN_ENV, timeout=timeout
    )


def _same_tree(left: Path, right: Path) -> bool:
    names = sorted(p.name for p in left.iterdir())
    if names != sorted(p.name for p in right.iterdir()):
        return False
    _match, mismatch, errors = filecmp.cmpfiles(left, right, names, shallow=False)
    return not mismatch and not errors


def _complete_points(sweep_dir: Path) -> list[Path]:
    points = sweep_dir / "points"
    if not points.is_dir():
        return []
    return sorted(p for p in points.iterdir() if not p.name.startswith(".") and (p / "run.json").exists())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


GRID = SweepDefinition(
    pattern="passive-mm",
    duration_s=2.0,
    assignments=("size=2lots",),
    # inv_limit=0.001 (BTC on passive-mm's default market) < size (2 lots of 0.001): fails at run
    grid=(("half_spread", ("1ticks", "2ticks")), ("inv_limit", ("0.001", "5"))),
)


def test_a_local_sweep_writes_what_hft_run_writes_and_records_failures(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    outcome = run_sweep(GRID, out, workers=1, host=HOST)
    assert len(outcome.points) == 4 and len(outcome.ran) == 4
    assert len(outcome.failed) == 2
    assert all("inv_limit (0.001 = 0.001) must be >= size" in error for error in outcome.failed.values())
    for key in outcome.failed:
        record = json.loads((out / "failed" / f"{key}.json").read_text())
        assert record["values"]["inv_limit"] == "0.001" and "must be >= size" in record["error"]

    # every complete point is byte for byte what `hft run` writes for the same inputs
    done = [p for p in outcome.points if p.key not in outcome.failed]
    assert len(done) == 2
    for point in done:
        single = tmp_path / f"single-{point.key}"
        ran = _hft(
            "run", "passive-mm", "--set", "size=2lots", "--set", f"half_spread={point.values['half_spread']}",
            "--set", f"inv_limit={point.values['inv_limit']}", "--duration", "2", "--seed", "1", "--out", str(single),
            "--quiet",
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        assert _same_tree(single, out / "points" / point.key)

    table = pd.read_parquet(outcome.table)
    assert list(table["key"]) == [p.key for p in outcome.points]
    assert list(table["status"]) == ["failed", "complete", "failed", "complete"]
    assert table["error"].notna().tolist() == [True, False, True, False]
    assert list(table["half_spread"]) == ["1ticks", "1ticks", "2ticks", "2ticks"]
    complete = table[table["status"] == "complete"]
    summaries = [json.loads((out / "points" / key / "summary.json").read_text()) for key in complete["key"]]
    assert list(complete["pnl"]) == [s["pnl"] for s in summaries]
    assert list(complete["fills"]) == [s["fills"] for s in summaries]

    # a re-run has nothing left to do; failed points run again only when asked
    assert run_sweep(GRID, out, workers=1, host=HOST).ran == []
    again = run_sweep(GRID, out, workers=1, host=HOST, retry_failed=True)
    assert sorted(again.ran) == sorted(outcome.failed) and again.failed.keys() == outcome.failed.keys()


@contextlib.contextmanager
def _cluster_on_loopback(workers: int) -> Iterator[str]:
    """A `distributed` scheduler and ``workers`` single-threaded workers on 127.0.0.1, as separate processes."""
    dask = str(Path(sys.executable).with_name("dask"))
    address = f"tcp://127.0.0.1:{_free_port()}"
    port = address.rsplit(":", 1)[1]
    processes = [
        subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=CLEAN_ENV,
        )
    ]
    try:
        for _ in range(workers):
            processes.append(
                subprocess.Popen(
                    [dask, "worker", address, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env=CLEAN_ENV,
                )
            )
        from distributed import Client

        with Client(address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=60)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def test_a_scheduler_on_127_0_0_1_gives_identical_results_and_retries_a_killed_worker(tmp_path: Path) -> None:
    definition = SweepDefinition(pattern="passive-mm", duration_s=2.0, grid=(("gamma", ("0.05", "0.1", "0.2")),))
    local = run_sweep(definition, tmp_path / "local", workers=1, host=HOST)
    assert not local.failed

    with _cluster_on_loopback(workers=1) as address:
        from distributed import Client

        with Client(address, timeout=30, set_as_default=False) as client:
            first_pid = next(iter(client.run(os.getpid).values()))
        killed: list[int] = []

        def kill_the_worker_once(_key: str, _outcome: object) -> None:
            # the only worker is now running the next point: kill it mid-task; its nanny starts another
            if not killed:
                os.kill(first_pid, signal.SIGKILL)
                killed.append(first_pid)

        remote = run_sweep(definition, tmp_path / "remote", scheduler=address, host=HOST, on_point=kill_the_worker_once)
        with Client(address, timeout=30, set_as_default=False) as client:
            assert next(iter(client.run(os.getpid).values())) != first_pid  # a new worker process did the rest

    assert killed and not remote.failed and sorted(remote.ran) == sorted(local.ran)
    for point in local.points:
        assert _same_tree(tmp_path / "local" / "points" / point.key, tmp_path / "remote" / "points" / point.key)
    assert filecmp.cmp(local.table, remote.table, shallow=False)


def test_an_unreachable_scheduler_is_a_clear_error_within_seconds(tmp_path: Path) -> None:
    started = time.monotonic()
    done = _hft(
        "sweep", "passive-mm", "--grid", "gamma=0.1", "--duration", "1", "--out", str(tmp_path / "s"),
        "--scheduler", f"tcp://127.0.0.1:{_free_port()}",
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert done.returncode == 2, done.stderr
    assert "cannot reach the Dask scheduler" in done.stderr and "Traceback" not in done.stderr
    assert elapsed < 30  # interpreter start-up and imports, then the 5-second connect timeout


def test_an_interrupted_sweep_finishes_only_the_missing_points(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    args = ["sweep", "passive-mm", "--seeds", "1-6", "--duration", "2", "--workers", "1", "--out", str(out), "-q"]
    process = subprocess.Popen(
        [sys.executable, "-m", "hft_core", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=CLEAN_ENV,
    )
    try:
        deadline = time.monotonic() + 150
        while len(_complete_points(out)) < 2 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "run the same command with --out" in stderr
    kept = {p.name: (p / "summary.json").stat().st_mtime_ns for p in _complete_points(out)}
    assert 2 <= len(kept) < 6

    resumed = _hft(*args)
    assert resumed.returncode == 0, resumed.stderr
    assert f"ran {6 - len(kept)}," in resumed.stdout
    points = _complete_points(out)
    assert len(points) == 6 and not list((out / "points").glob(".*"))
    assert {p.name: (p / "summary.json").stat().st_mtime_ns for p in points if p.name in kept} == kept
    assert len(pd.read_parquet(out / "results.parquet")) == 6
    assert not (out / ".hft-sweep.lock").exists()
