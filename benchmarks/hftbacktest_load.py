"""Loading an hftbacktest ``.npz``: our loader against the floor of reading the same array, time and peak memory.

Workload: a seeded synthetic hftbacktest event array (``--events`` rows, default 10 million, 64 bytes each: about
610 MiB), written once, uncompressed, as ``data`` in an ``.npz`` under ``--workdir`` (default
``benchmarks/.work/hftbacktest_load``, git-ignored). Rows are depth updates and trades (about 8%) on a
tick 0.01 / lot 0.001 grid, all flagged for both processors, local time increasing.

Each measurement runs in its own process, the kinds alternated process by process (``--runs`` rounds), and
reports wall time and the process's peak resident set (``VmHWM``, which includes the interpreter and numpy):

- ``floor``: ``np.load(path)["data"]``, the array read whole. hftbacktest 2.4.4 reads its ``.npz`` inside its
  Rust backtest on the first step, with no Python entry point that only reads, so numpy's read of the same
  member stands in for it;
- ``given``: `hft_core.data.hftbacktest_npz.read_hftbacktest_npz` with the tick and lot given (what
  ``--tick-size``/``--lot-size`` do);
- ``inferred``: `infer_hftbacktest_grid` first, then the same read on the grid it found (no ``--tick-size``).

Run (``--digest`` also prints a SHA-256 of the events ours produced, to compare outputs across versions):

    python benchmarks/hftbacktest_load.py                 # 10M rows, 3 rounds
    python benchmarks/hftbacktest_load.py --events 1000000 --runs 5 --digest
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

KINDS = ("floor", "given", "inferred")
TICK = 0.01
LOT = 0.001
DEFAULT_WORKDIR = Path(__file__).resolve().parent / ".work" / "hftbacktest_load"


def generate(path: Path, n_rows: int, seed: int) -> None:
    """Write the synthetic hftbacktest array (member ``data``, uncompressed) to ``path``."""
    from hft_core.data.hftbacktest_npz import (
        BUY_EVENT,
        DEPTH_EVENT,
        EXCH_EVENT,
        HFTBACKTEST_EVENT_DTYPE,
        LOCAL_EVENT,
        SELL_EVENT,
        TRADE_EVENT,
    )

    rng = np.random.default_rng(seed)
    data = np.zeros(n_rows, dtype=HFTBACKTEST_EVENT_DTYPE)
    trade = rng.random(n_rows) < 0.08
    buy = rng.random(n_rows) < 0.5
    flags = np.where(trade, np.uint64(TRADE_EVENT), np.uint64(DEPTH_EVENT))
    flags |= np.where(buy, np.uint64(BUY_EVENT), np.uint64(SELL_EVENT))
    data["ev"] = flags | np.uint64(EXCH_EVENT | LOCAL_EVENT)
    local = 1_700_000_000_000_000_000 + np.cumsum(rng.integers(1, 400_000, n_rows))
    data["local_ts"] = local
    data["exch_ts"] = local - 500_000
    mid = 1_000_000 + np.cumsum(rng.integers(-1, 2, n_rows))
    offset = rng.integers(0, 20, n_rows)
    ticks = np.where(buy, mid - offset, mid + 1 + offset)
    data["px"] = np.round(ticks * TICK, 2)
    data["qty"] = np.round(rng.integers(0, 5_000, n_rows) * LOT, 3)
    data["qty"][trade & (data["qty"] == 0)] = LOT
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp.npz")
    np.savez(temporary, data=data)
    temporary.replace(path)


def _peak_rss_mib() -> float:
    """This process's peak resident set (VmHWM; unlike ru_maxrss it is not inherited from the parent)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker(kind: str, path: Path, digest: bool) -> dict[str, Any]:
    """One measurement in this process."""
    from hft_core.data.hftbacktest_npz import infer_hftbacktest_grid, read_hftbacktest_npz
    from hft_core.instruments import Instrument

    out: dict[str, Any] = {"kind": kind, "start_rss_mib": _peak_rss_mib()}
    started = time.perf_counter()
    if kind == "floor":
        with np.load(path) as archive:
            array = archive["data"]
        out["rows"] = len(array)
    else:
        if kind == "given":
            instrument = Instrument("SYN", tick_size=TICK, lot_size=LOT, venue="replay")
        else:
            grid = infer_hftbacktest_grid(path)
            instrument = Instrument("SYN", tick_size=grid.tick.step, lot_size=grid.lot.step, venue="replay")
        events, stats = read_hftbacktest_npz(path, instrument)
        out["rows"] = stats.rows
        out["events"] = len(events)
    out["seconds"] = time.perf_counter() - started
    out["peak_rss_mib"] = _peak_rss_mib()
    if digest and kind != "floor":
        out["sha256"] = hashlib.sha256(np.ascontiguousarray(events).tobytes()).hexdigest()
    return out


def _spawn(kind: str, path: Path, digest: bool) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", kind, "--npz", str(path)] + (["--digest"] if digest else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} worker failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _have_hftbacktest() -> str:
    try:
        import hftbacktest
    except ImportError:
        return "not installed"
    return f"installed ({getattr(hftbacktest, '__version__', 'version unknown')}; no read-only entry point)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000, help="rows in the hftbacktest array")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3, help="rounds; each runs every kind once, alternated")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--digest", action="store_true", help="print a SHA-256 of the events ours produced")
    parser.add_argument("--worker", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--npz", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.npz, args.digest)))
        return
    path = args.workdir / f"hbt_{args.events}_{args.seed}.npz"
    if not path.exists():
        print(f"generating {args.events:,} hftbacktest rows (seed {args.seed}) in {path} ...")
        generate(path, args.events, args.seed)
    array_mib = args.events * 64 / 2**20
    print(f"file: {path} ({path.stat().st_size / 2**20:,.0f} MiB; the array is {array_mib:,.0f} MiB)")
    print(f"hftbacktest: {_have_hftbacktest()}; the floor is numpy's np.load of the same member")
    results: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    for _ in range(args.runs):
        for kind in KINDS:
            results[kind].append(_spawn(kind, path, args.digest))
    for kind in KINDS:
        runs = results[kind]
        seconds = [run["seconds"] for run in runs]
        peaks = [run["peak_rss_mib"] for run in runs]
        print(
            f"{kind:>9}: {statistics.median(seconds):6.2f} s (range {min(seconds):.2f}-{max(seconds):.2f}), "
            f"peak RSS {statistics.median(peaks):7.0f} MiB (range {min(peaks):.0f}-{max(peaks):.0f}; "
            f"{statistics.median(peaks) / array_mib:.2f}x the array; at start {runs[0]['start_rss_mib']:.0f} MiB)"
        )
        digests = {run["sha256"] for run in runs if "sha256" in run}
        if digests:
            print(f"{'':>11}events {runs[0]['events']:,}, sha256 {', '.join(sorted(digests))}")


if __name__ == "__main__":
    main()
