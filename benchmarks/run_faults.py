"""Runs that survive faults (#18): peak memory of ``hft run`` against its length, and how soon a signal stops it.

``rss-sim``: the peak resident memory (``ru_maxrss`` of the child) of ``hft run passive-mm --duration D`` for each
of ``--durations`` (default 3600 and 36000 s of simulated market), each in a process of its own, with its wall time
and the records it wrote (orders, fills, equity samples).

``rss-replay``: the same for a CLI replay of ``--events`` events (default 30 M) of the seeded synthetic L2 workload
of ``benchmarks/replay_vs_hftbacktest.py`` (written once as an hft-core events ``.npz`` under the temporary
directory), replayed by ``hft run passive-mm --data FILE.npz --symbol SYN --tick-size 0.01 --lot-size 0.001``.

``rss-phases``: where the memory of one ``hft run passive-mm --duration D`` (``--durations``, each in a process of
its own) goes: the process's resident memory (VmRSS) and its peak so far (VmHWM) once the run is resolved, once the
venue is built, when the engine's loop ends, once the result (frames and stats) is built and once it is written.

``stop-latency``: how long the engine runs on after a stop request. The engine checks for one once per loop turn
(`hft_core.engine.loop.STOP`), so the worst case is the longest loop turn: each turn's venue advance (compiled or
vectorized market code, where no check can happen) is timed on the simulated market and on a replay of
``--replay-events`` events (the first turn, which loads the compiled kernels, left out), and the median, the
99.9th percentile and the longest are reported with the market time each covered. Then ``--signals`` real
``hft run`` processes get SIGTERM at a seeded random point, and the time from the signal to the process's exit
(partial record written) is reported.

    python benchmarks/run_faults.py rss-sim
    python benchmarks/run_faults.py rss-replay
    python benchmarks/run_faults.py rss-phases
    python benchmarks/run_faults.py stop-latency
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
_peer: Any = importlib.import_module("replay_vs_hftbacktest")  # the synthetic workload lives there

WORKDIR = Path(tempfile.gettempdir()) / "hft-run-faults-benchmark"
GRID = ["--symbol", "SYN", "--tick-size", str(_peer.TICK), "--lot-size", str(_peer.LOT)]


def _hft() -> list[str]:
    return [sys.executable, "-m", "hft_core"]


def events_file(n_events: int, rate: float = 5_000.0, seed: int = 7) -> Path:
    """The synthetic workload of ``n_events`` as an hft-core events ``.npz`` (made once per parameters)."""
    from hft_core.data.eventfile import save_events_npz

    work = WORKDIR / f"{n_events}-{rate:.0f}-{seed}"
    work.mkdir(parents=True, exist_ok=True)
    target = work / "events.npz"
    if not target.exists():
        raw = work / "events.npy"
        if not raw.exists():
            _peer.generate(work / "events.tmp.npy", n_events, rate, seed)
            (work / "events.tmp.npy").rename(raw)
        save_events_npz(target, np.load(raw, mmap_mode="r"), {"source": "benchmarks/replay_vs_hftbacktest.py"})
        raw.unlink()
    return target


def _measured(command: list[str]) -> dict[str, Any]:
    """Run ``command`` in a child of a child, so the peak RSS read is that command's alone."""
    probe = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(json.dumps({'rc': done.returncode, 'seconds': time.perf_counter() - t, 'err': done.stderr[-2000:],\n"
        "  'peak_rss_mib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, *command], capture_output=True, text=True, check=True)
    found: dict[str, Any] = json.loads(done.stdout)
    if found["rc"] != 0:
        raise SystemExit(f"{' '.join(command)} failed ({found['rc']}):\n{found['err']}")
    return found


def _records(out: Path) -> str:
    summary = json.loads((out / "summary.json").read_text())
    import pyarrow.parquet as pq

    samples = pq.read_metadata(out / "equity.parquet").num_rows
    return f"{summary['orders']:,} orders, {summary['fills']:,} fills, {samples:,} equity samples"


def rss_sim(args: argparse.Namespace) -> None:
    print("| duration (s) | peak RSS (MiB) | wall (s) | records |")
    print("|---|---|---|---|")
    for duration in (float(d) for d in args.durations.split(",")):
        out = WORKDIR / f"sim-{duration:g}"
        shutil.rmtree(out, ignore_errors=True)
        found = _measured([*_hft(), "run", "passive-mm", "--duration", f"{duration:g}", "-q", "--out", str(out)])
        print(f"| {duration:g} | {found['peak_rss_mib']:.0f} | {found['seconds']:.1f} | {_records(out)} |")
        shutil.rmtree(out, ignore_errors=True)


def rss_replay(args: argparse.Namespace) -> None:
    print("| events | file (MiB) | peak RSS (MiB) | wall (s) | records |")
    print("|---|---|---|---|---|")
    for n_events in (int(n) for n in args.events.split(",")):
        path = events_file(n_events)
        out = WORKDIR / f"replay-{n_events}"
        shutil.rmtree(out, ignore_errors=True)
        found = _measured([*_hft(), "run", "passive-mm", "--data", str(path), *GRID, "-q", "--out", str(out)])
        size = path.stat().st_size / 2**20
        print(
            f"| {n_events:,} | {size:,.0f} | {found['peak_rss_mib']:.0f} | {found['seconds']:.1f} | {_records(out)} |"
        )
        shutil.rmtree(out, ignore_errors=True)


def _memory() -> str:
    found = {}
    with Path("/proc/self/status").open() as status:
        for line in status:
            if line.startswith(("VmRSS", "VmHWM")):
                found[line.split(":")[0]] = int(line.split()[1]) / 1024
    return f"{found['VmRSS']:.0f} MiB (peak {found['VmHWM']:.0f})"


def phases_worker(duration_s: float) -> None:
    """Print the memory at each phase of one run (in this process)."""
    from hft_core.engine import loop
    from hft_core.runs import RunSpec, execute_run, resolve_run

    spec = resolve_run("passive-mm", duration_s=duration_s)
    print(f"  resolved: {_memory()}")
    build_venue, result = RunSpec.build_venue, loop.Engine._result

    def built(self: RunSpec) -> Any:
        venue = build_venue(self)
        print(f"  venue built: {_memory()}")
        return venue

    def ended(self: loop.Engine, start: int) -> Any:
        blotter = self.blotter
        print(f"  loop ended ({len(blotter):,} orders, {blotter.fill_count:,} fills): {_memory()}")
        found = result(self, start)
        print(f"  result built: {_memory()}")
        return found

    RunSpec.build_venue = built  # type: ignore[method-assign]
    loop.Engine._result = ended  # type: ignore[method-assign]
    out = WORKDIR / f"phases-{duration_s:g}"
    shutil.rmtree(out, ignore_errors=True)
    execute_run(spec, out=out)
    print(f"  written: {_memory()}")
    shutil.rmtree(out, ignore_errors=True)


def rss_phases(args: argparse.Namespace) -> None:
    for duration in args.durations.split(","):
        print(f"hft run passive-mm --duration {duration}:", flush=True)
        subprocess.run([sys.executable, __file__, "phases-worker", "--durations", duration], check=True)


def _turns(venue: Any, duration_s: float | None) -> list[tuple[float, float]]:
    """Run passive-mm on ``venue`` timing each loop turn's venue advance: (ms of wall time, s of market) per turn,
    the first (which loads the compiled kernels) left out."""
    from hft_core.engine.loop import Engine
    from hft_core.runs import resolve_run

    spec = resolve_run("passive-mm")
    engine = Engine(spec.build_strategy(), venue, duration_s=duration_s)
    advance = venue.advance
    turns: list[tuple[float, float]] = []

    def timed(until: int, watch: Any) -> Any:
        before, market_before = time.perf_counter(), engine.now
        result = advance(until, watch)
        turns.append(((time.perf_counter() - before) * 1e3, (result[0] - market_before) / 1e9))
        return result

    venue.advance = timed
    engine.run()
    return turns[1:]


def _said(turns: list[tuple[float, float]]) -> str:
    walls = sorted(ms for ms, _ in turns)
    longest = sorted(turns, reverse=True)[:3]
    return (
        f"{len(turns):,} turns; advance wall time median {walls[len(walls) // 2]:.3f} ms, "
        f"p99.9 {walls[int(len(walls) * 0.999)]:.2f} ms, longest "
        + ", ".join(f"{ms:.1f} ms ({s:.3f} s of market)" for ms, s in longest)
        + f"; longest market span of one turn {max(s for _, s in turns):.3f} s"
    )


def stop_latency(args: argparse.Namespace) -> None:
    from hft_core.runs import create_scenario, resolve_run

    sim = create_scenario("single-instrument", seed=1, duration_s=args.sim_duration)
    print(f"simulated market, {args.sim_duration:g} s: {_said(_turns(sim, None))}")
    spec = resolve_run(
        "passive-mm",
        data=events_file(args.replay_events),
        symbol="SYN",
        tick_size=_peer.TICK,
        lot_size=_peer.LOT,
    )
    print(f"replay of {args.replay_events:,} events: {_said(_turns(spec.build_venue(), None))}")

    rng = random.Random(args.seed)
    waits: list[float] = []
    marked: list[float] = []
    for attempt in range(args.signals):
        out = WORKDIR / f"stop-{attempt}"
        shutil.rmtree(out, ignore_errors=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("HFT_")}
        process = subprocess.Popen(
            [*_hft(), "run", "passive-mm", "--duration", "3000", "-q", "--out", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )
        for _ in range(1200):  # wait for the run to be inside the engine (at most 60 s)
            if _status(out) == "running":
                break
            time.sleep(0.05)
        time.sleep(rng.uniform(0.5, 3.0))
        sent = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        while process.poll() is None and _status(out) != "partial":  # (the status is written last)
            time.sleep(0.002)
        marked.append(time.perf_counter() - sent)
        process.wait(timeout=120)
        waits.append(time.perf_counter() - sent)
        status = json.loads((out / "run.json").read_text())["status"]
        if process.returncode != 143 or status != "partial":
            raise SystemExit(f"attempt {attempt}: exit {process.returncode}, status {status}")
        shutil.rmtree(out, ignore_errors=True)
    print(
        f"SIGTERM, {args.signals} runs (seed {args.seed}): to run.json marked partial (record written) median "
        f"{sorted(marked)[len(marked) // 2] * 1e3:.0f} ms, max {max(marked) * 1e3:.0f} ms; to the process's exit "
        f"median {sorted(waits)[len(waits) // 2] * 1e3:.0f} ms, max {max(waits) * 1e3:.0f} ms"
    )


def _status(out: Path) -> str | None:
    try:
        return str(json.loads((out / "run.json").read_text())["status"])
    except (OSError, ValueError, KeyError):
        return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "what", choices=["rss-sim", "rss-replay", "rss-phases", "stop-latency", "make-events", "phases-worker"]
    )
    parser.add_argument("--durations", default="3600,36000", help="rss-sim: simulated durations (s), comma-separated")
    parser.add_argument("--events", default="30000000", help="rss-replay: workload sizes, comma-separated")
    parser.add_argument("--sim-duration", type=float, default=600.0, help="stop-latency: simulated seconds")
    parser.add_argument("--replay-events", type=int, default=3_000_000, help="stop-latency: replayed events")
    parser.add_argument("--signals", type=int, default=5, help="stop-latency: SIGTERMed runs")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args(argv)
    if args.what == "rss-sim":
        rss_sim(args)
    elif args.what == "rss-replay":
        rss_replay(args)
    elif args.what == "rss-phases":
        rss_phases(args)
    elif args.what == "phases-worker":
        phases_worker(float(args.durations))
    elif args.what == "stop-latency":
        stop_latency(args)
    else:
        for n_events in (int(n) for n in args.events.split(",")):
            print(events_file(n_events))


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
