"""Parallel efficiency and per-point overhead of ``hft sweep`` on a local Dask cluster.

Usage: python benchmarks/sweep_parallel.py [--points 64] [--duration 10] [--repeats 3]

A ``passive-mm`` sweep of ``--points`` points (half_spread 1-4 ticks × seeds) of ``--duration`` market seconds:

- **direct**: the same points run one after another in this process with `hft_core.runs.execute_run`, each
  writing its run directory (the work a sweep cannot avoid);
- **1 worker** and **2 workers**: a local cluster is started (timed), each worker runs one extra point first
  (timed apart: imports, plugin loading and loading the compiled kernels happen once per worker), then the
  points run through the sweep's own executor (`hft_core.sweeps.executor.run_points`), results written into a
  sweep directory as `hft sweep` writes them.

Reported: the median and range over ``--repeats`` of each wall time, the speed-up of 2 workers over 1 on the
points, and the per-point overhead of a 1-worker sweep over the direct runs ((points − direct) / count).
Targets (#24): speed-up ≥ 1.7× on 2 cores; overhead < 50 ms per point.
The machine must have two free cores for the speed-up to mean anything: it is shared here, so read the range.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from hft_core.plugins import PluginHost
from hft_core.runs import execute_run
from hft_core.sweeps import SweepDefinition, open_sweep_directory, plan_points
from hft_core.sweeps.executor import connect, run_points


def _definition(points: int, duration: float) -> SweepDefinition:
    spreads = ("1ticks", "2ticks", "3ticks", "4ticks")
    seeds = tuple(range(1, max(1, points // len(spreads)) + 1))
    return SweepDefinition(pattern="passive-mm", duration_s=duration, grid=(("half_spread", spreads),), seeds=seeds)


def _direct(definition: SweepDefinition, host: PluginHost) -> float:
    points = plan_points(definition, host=host)
    with tempfile.TemporaryDirectory() as tmp:
        execute_run(points[0].spec, write=False)  # compile and import outside the timing
        start = time.perf_counter()
        for point in points:
            execute_run(point.spec, out=Path(tmp) / point.key)
        return time.perf_counter() - start


def _on_cluster(definition: SweepDefinition, workers: int, host: PluginHost) -> tuple[float, float, float]:
    """(cluster start-up, first points (one per worker: imports and compiled-code loading), the timed points)."""
    points = plan_points(definition, host=host)
    warm = plan_points(replace(definition, seeds=tuple(range(10_001, 10_001 + workers))), host=host)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        with connect(None, workers) as client:
            ready = time.perf_counter()
            run_points(client, open_sweep_directory(Path(tmp) / "warm", "passive-mm"), warm[:workers])
            warmed = time.perf_counter()
            store = open_sweep_directory(Path(tmp) / "sweep", "passive-mm")
            store.record_points(points)
            errors = run_points(client, store, points)
            done = time.perf_counter()
    if any(errors.values()):
        raise SystemExit(f"the benchmark sweep had failures: {errors}")
    return ready - started, warmed - ready, done - warmed


def _show(name: str, samples: list[float]) -> str:
    return f"{name:<28} median {statistics.median(samples):7.2f} s   range {min(samples):.2f}–{max(samples):.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=64, help="points in the sweep (default 64)")
    parser.add_argument("--duration", type=float, default=10.0, help="market seconds per point (default 10)")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats of each (default 3)")
    args = parser.parse_args()
    host = PluginHost()
    definition = _definition(args.points, args.duration)
    count = len(plan_points(definition, host=host))
    print(f"passive-mm sweep: {count} points of {args.duration:g} market seconds, {args.repeats} repeats")
    direct: list[float] = []
    runs: dict[int, list[tuple[float, float, float]]] = {1: [], 2: []}
    for _ in range(args.repeats):
        direct.append(_direct(definition, host))
        for workers in (1, 2):
            runs[workers].append(_on_cluster(definition, workers, host))
    print(_show("direct, one process", direct))
    for workers, samples in runs.items():
        print(_show(f"{workers} worker(s): cluster start", [s[0] for s in samples]))
        print(_show(f"{workers} worker(s): first points", [s[1] for s in samples]))
        print(_show(f"{workers} worker(s): the {count} points", [s[2] for s in samples]))
    speedups = [a[2] / b[2] for a, b in zip(runs[1], runs[2], strict=True)]
    overhead_ms = [(s[2] - d) / count * 1e3 for s, d in zip(runs[1], direct, strict=True)]
    print(
        f"speed-up of 2 workers over 1 on the {count} points: median {statistics.median(speedups):.2f}x "
        f"(range {min(speedups):.2f}-{max(speedups):.2f})"
    )
    print(
        f"per-point overhead of a 1-worker sweep over direct runs: median {statistics.median(overhead_ms):.1f} ms "
        f"(range {min(overhead_ms):.1f}-{max(overhead_ms):.1f})"
    )


if __name__ == "__main__":
    main()
