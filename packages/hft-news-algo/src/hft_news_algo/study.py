"""Does the edge survive the strategy's own reaction latency? `latency_sweep` runs ``news-algo`` on its market
for each reaction latency and seed (each run resolved as ``hft run`` resolves it) and reports the mean PnL with
its standard error. ``python -m hft_news_algo.study`` prints the table docs/news-algo.md shows.
"""

from __future__ import annotations

import argparse
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hft_core import backtest

__all__ = ["LatencyPoint", "latency_sweep", "main"]


@dataclass(frozen=True)
class LatencyPoint:
    """One reaction latency: the PnL of each seed, their mean and standard error, and the fills."""

    latency_ms: float
    pnls: tuple[float, ...]
    fills: int

    @property
    def mean_pnl(self) -> float:
        return statistics.fmean(self.pnls)

    @property
    def stderr(self) -> float:
        return statistics.stdev(self.pnls) / math.sqrt(len(self.pnls)) if len(self.pnls) > 1 else math.nan


def latency_sweep(
    latencies_ms: Sequence[float],
    seeds: Sequence[int],
    *,
    duration_s: float = 300.0,
    config: Mapping[str, object] | None = None,
    **scenario: Any,
) -> list[LatencyPoint]:
    """PnL of ``news-algo`` per reaction latency over ``seeds`` (same markets and headlines for every latency)."""
    points = []
    for latency in latencies_ms:
        values = {**(config or {}), "reaction_latency_ms": float(latency)}
        results = [backtest("news-algo", config=values, seed=seed, duration_s=duration_s, **scenario) for seed in seeds]
        points.append(
            LatencyPoint(
                float(latency),
                tuple(float(r.stats["pnl"]) for r in results),
                sum(int(r.stats["fills"]) for r in results),
            )
        )
    return points


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latencies", default="0,25,50,100,150,200,300,500", help="reaction latencies, ms")
    parser.add_argument("--seeds", type=int, default=8, help="seeds 1..N")
    parser.add_argument("--duration", type=float, default=300.0)
    args = parser.parse_args(argv)
    latencies = [float(x) for x in args.latencies.split(",")]
    points = latency_sweep(latencies, range(1, args.seeds + 1), duration_s=args.duration)
    print("| reaction latency (ms) | mean PnL | ± s.e. | fills (all seeds) |")
    print("|---:|---:|---:|---:|")
    for p in points:
        print(f"| {p.latency_ms:g} | {p.mean_pnl:.2f} | {p.stderr:.2f} | {p.fills} |")


if __name__ == "__main__":
    main()
