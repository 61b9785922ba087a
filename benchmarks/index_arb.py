"""The index market and ``hft run index-arb`` at 20 and 500 names, and the basket-leg execution methods compared.

Usage: python benchmarks/index_arb.py [--duration S] [--runs N] [--compare-seeds K]

1. The market alone (`hft_index_arb.market.IndexVenue`, no strategy): market steps and book updates (one per
   instrument per step) per second of wall time, for 20 and 500 constituents.
2. ``index-arb`` end to end in-process (`execute_run`, no files written): wall time and book updates per second,
   for 20 and 500 names (500 names decide every second: each decision reads and sweeps every book).
3. ``hft run index-arb --quiet --json`` as a user runs it (a fresh process: imports, plugins, result files):
   median wall time of ``--runs``.
4. With ``--compare-seeds K``: the basket leg's implementation shortfall (bp of its notional, against the arrival
   mids, fees included) by execution method, on the same market and seeds, with a leg of 40 index units (twice a
   typical name's first level, so how it is sliced matters): mean, standard deviation and count of legs.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from hft_core import Watch, execute_run, resolve_run
from hft_index_arb.config import IndexMarketConfig
from hft_index_arb.market import IndexVenue

SHORTFALL = re.compile(r"EXEC \S+: .*\(([-\d.]+) bp of")


def market_alone(names: int, duration_s: float) -> tuple[float, float, int, int]:
    """(wall seconds, CPU seconds, steps, book updates) of the market with nothing watching."""
    venue = IndexVenue(IndexMarketConfig(names=names), seed=1, duration_s=duration_s)
    start = venue.start()
    began, cpu = time.perf_counter(), time.process_time()
    venue.advance(start + round(duration_s * 1e9), Watch())
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    return wall, cpu, venue.steps, venue.steps * len(venue.instruments)


def pattern_run(names: int, duration_s: float, assignments: list[str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, fills) of index-arb in-process on ``names`` constituents (imports done)."""
    spec = resolve_run(
        "index-arb", assignments=[f"scenario.names={names}", *assignments], seed=1, duration_s=duration_s
    )
    began, cpu = time.perf_counter(), time.process_time()
    result, _ = execute_run(spec, write=False)
    return time.perf_counter() - began, time.process_time() - cpu, len(result.fills)


def cli_run(runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``hft run index-arb --quiet --json`` (default 300 s market, 20 names)."""
    hft = shutil.which("hft")
    command = [hft] if hft else [sys.executable, "-m", "hft_core"]
    walls, cpus = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            began, before = time.perf_counter(), os.times()
            subprocess.run(
                [*command, "run", "index-arb", "--quiet", "--json", "--out", str(Path(tmp) / "run")],
                check=True,
                capture_output=True,
            )
            after = os.times()
            walls.append(time.perf_counter() - began)
            cpus.append(after.children_user + after.children_system - before.children_user - before.children_system)
    return statistics.median(walls), statistics.median(cpus)


def compare(seeds: int, duration_s: float) -> None:
    print(f"\nbasket-leg shortfall by execution method (units=40, seeds 1-{seeds}, {duration_s:g} s each):")
    print(f"{'method':>15} {'mean bp':>8} {'sd bp':>7} {'legs':>5}")
    for method in ("lqg", "almgren-chriss", "twap", "sweep"):
        values: list[float] = []
        for seed in range(1, seeds + 1):
            spec = resolve_run(
                "index-arb",
                assignments=[f"execution={method}", "units=40", "max_units=80"],
                seed=seed,
                duration_s=duration_s,
            )
            result, _ = execute_run(spec, write=False)
            values += [float(m[1]) for m in map(SHORTFALL.search, result.logs) if m]
        arr = np.array(values)
        sd = float(arr.std(ddof=1)) if arr.size > 1 else float("nan")
        print(f"{method:>15} {arr.mean():8.2f} {sd:7.2f} {arr.size:5d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=300.0, help="market seconds per run (default 300)")
    parser.add_argument("--runs", type=int, default=3, help="timed CLI runs (default 3)")
    parser.add_argument("--compare-seeds", type=int, default=0, help="seeds for the execution comparison (0: skip)")
    args = parser.parse_args()
    for names in (20, 500):
        wall, cpu, steps, updates = market_alone(names, args.duration)
        print(
            f"market alone, {names:3d} names: {wall:6.2f} s wall, {cpu:6.2f} s CPU for {steps} steps, "
            f"{updates / cpu / 1e6:6.2f} M book updates per CPU second ({steps / cpu:,.0f} steps per CPU second)"
        )
    pattern_run(20, 2.0, [])  # imports and plugin loading out of the timings below
    for names, extra in ((20, []), (500, ["decide_ms=1000"])):
        wall, cpu, fills = pattern_run(names, args.duration, extra)
        steps = round(args.duration * 10)  # the default 100 ms step
        print(
            f"index-arb in-process, {names:3d} names{' (decide_ms=1000)' if extra else ''}: {wall:6.2f} s wall, "
            f"{cpu:6.2f} s CPU, {steps * (names + 2) / cpu / 1e6:5.2f} M book updates per CPU second, {fills} fills"
        )
    wall, cpu = cli_run(args.runs)
    print(f"hft run index-arb --quiet --json: {wall:.2f} s wall, {cpu:.2f} s CPU (median of {args.runs}; < 10 s)")
    if args.compare_seeds:
        compare(args.compare_seeds, args.duration)


if __name__ == "__main__":
    main()
