"""CPU time of the README's replay example, ``hft run passive-mm --data <Binance perp capture> ...`` (#16).

Usage: python benchmarks/readme_replay.py [--runs N] [--capture PATH]

One untimed run first fills what "once compiled" means: numba's cache of the replay kernels, the capture's
conversion cache and Python's bytecode caches. Then ``--runs`` timed runs, each its own ``hft`` process, each
measured by the CPU time (user + system) the child used, with its wall time beside it. Prints the median and range.
Target: under 3 s of CPU.

``PYTHONDONTWRITEBYTECODE`` is removed from the children's environment: with it set (as on some shared machines),
Python compiles every module's source again in every process, about 2.9 s of CPU here that no installed copy pays.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

README_KNOBS = ["--set", "half_spread=1.0", "size=0.01", "inv_limit=0.1"]
"""The knobs of the README's example (README.md, "Run a pattern")."""


def _default_capture() -> Path:
    return Path(__file__).resolve().parents[1].parent / "shared/data/binance-2024-08-08/usdm_btcusdt_20240808.gz"


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one child process running ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--capture", type=Path, default=_default_capture(), help="the capture to replay")
    args = parser.parse_args()
    if not args.capture.is_file():
        sys.exit(f"error: {args.capture}: no such capture (pass --capture)")
    hft = shutil.which("hft")
    base = [hft] if hft else [sys.executable, "-m", "hft_core"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as tmp:

        def command(n: int) -> list[str]:
            out = str(Path(tmp) / f"run{n}")
            return [*base, "run", "passive-mm", "--data", str(args.capture), *README_KNOBS, "-q", "--out", out]

        warm_cpu, warm_wall = _run(command(0), env)
        samples = [_run(command(n + 1), env) for n in range(args.runs)]
    cpus = [cpu for cpu, _ in samples]
    walls = [wall for _, wall in samples]
    print(f"first run (fills the caches): {warm_cpu:.2f} s CPU, {warm_wall:.2f} s wall")
    print(
        f"once compiled: {statistics.median(cpus):.2f} s CPU (range {min(cpus):.2f}-{max(cpus):.2f}), "
        f"{statistics.median(walls):.2f} s wall (range {min(walls):.2f}-{max(walls):.2f}), "
        f"median of {args.runs}; target < 3 s CPU"
    )


if __name__ == "__main__":
    main()
