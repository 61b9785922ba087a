"""How long ``hft --help`` takes to start, against a bare ``python -c pass`` in the same run.

Usage: python benchmarks/cli_startup.py [--runs N]

Prints the median wall time of each and their ratio. Target: ``hft --help`` under 0.3 s on the project's
reference machine (2 cores). It also reports which heavy modules were imported (there must be none).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def _median_seconds(command: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each command (default 15)")
    args = parser.parse_args()
    hft = shutil.which("hft")
    hft_command = [hft, "--help"] if hft else [sys.executable, "-m", "hft_core", "--help"]
    baseline = _median_seconds([sys.executable, "-c", "pass"], args.runs)
    startup = _median_seconds(hft_command, args.runs)
    probe = (
        "import contextlib, io, sys\nfrom hft_core.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main(['--help'])\n    except SystemExit:\n        pass\n"
        "print(','.join(sorted(m for m in ('numpy','pandas','numba','scipy','pyarrow') if m in sys.modules)))"
    )
    heavy = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    heavy_modules = heavy.strip()
    print(f"python -c pass : {baseline * 1000:7.1f} ms (median of {args.runs})")
    print(f"hft --help     : {startup * 1000:7.1f} ms (median of {args.runs}; target < 300 ms)")
    print(f"ratio          : {startup / baseline:7.2f}x bare interpreter start")
    print(f"heavy modules imported by --help: {heavy_modules or 'none'}")


if __name__ == "__main__":
    main()
