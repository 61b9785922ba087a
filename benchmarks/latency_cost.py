"""What latency costs a passive maker on the calibrated BTCUSDT-perp market, and the table in the docs.

Usage: python benchmarks/latency_cost.py [--seeds N] [--duration S] [--latencies MS,MS,...] [--market FILE.toml]
       [--write-docs]

This is what issue #25's "slower makers lose more" is measured by. The calibrated market's informed takers take
every quote a fair-value move leaves stale, each after its own delay (``informed_react_*``, see
docs/simulated-market.md); the same market with ``informed_react_probability = 0`` is measured beside it, so the
table shows what that mechanism does.

passive-mm with its default knobs on the calibrated market (``hft_core/calibration/binance_btcusdt_perp.toml``),
the strategy's entry, response and feed latencies each set to every value of ``--latencies`` (milliseconds; default
0, 1, 5, 20, 50), on seeds 1..N for ``--duration`` seconds of market time (default 4 seeds of 120 s). For each
latency: fills, mean PnL per run and PnL per fill (USDT, after the maker fee) and the fill-weighted 1 s and 10 s
markouts of its fills (bp; negative is adverse for the maker), pooled over the seeds. ``--write-docs`` replaces
the table between the ``latency-table`` markers of docs/simulated-market.md. Wall time grows with seeds ×
duration × latencies × 2 (about a second per simulated minute here: some two minutes with the defaults).
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MARKET = ROOT / "packages/hft-core/src/hft_core/calibration/binance_btcusdt_perp.toml"
DOCS = ROOT / "docs/simulated-market.md"
START, END = "<!-- latency-table:start -->", "<!-- latency-table:end -->"


def measure(knobs: dict[str, Any], latency_ms: float, seeds: range, duration_s: float) -> dict[str, float]:
    """passive-mm at one latency (each way), pooled over ``seeds``: fills, PnL per fill, 1 s and 10 s markouts."""
    from hft_core import backtest

    ns = round(latency_ms * 1_000_000)
    latency = {"entry_latency_ns": ns, "response_latency_ns": ns, "feed_latency_ns": ns}
    fills, pnl = 0, 0.0
    sums = {"1s": 0.0, "10s": 0.0}
    counts = {"1s": 0, "10s": 0}
    for seed in seeds:
        stats = backtest("passive-mm", seed=seed, duration_s=duration_s, **(knobs | latency)).stats
        fills += int(stats["fills"])
        pnl += float(stats["pnl"])
        for key in sums:
            markout = stats["markouts"][key]
            if markout["fills"]:
                sums[key] += float(markout["mean_bp"]) * int(markout["fills"])
                counts[key] += int(markout["fills"])
    return {
        "fills": float(fills),
        "pnl_per_run": pnl / len(seeds),
        "pnl_per_fill": pnl / max(fills, 1),
        "markout_1s": sums["1s"] / max(counts["1s"], 1),
        "markout_10s": sums["10s"] / max(counts["10s"], 1),
    }


def table(market: Path, latencies: list[float], seeds: int, duration_s: float) -> str:
    knobs: dict[str, Any] = tomllib.loads(market.read_text())["scenario"]
    rows = [
        f"passive-mm, default knobs, on `{market.name}`, entry, response and feed latency each as below, seeds "
        f"1–{seeds} of {duration_s:g} s pooled; PnL after the maker fee (`python benchmarks/latency_cost.py "
        "--write-docs` regenerates it):",
        "",
        "| informed takers react | latency each way (ms) | fills | mean PnL per run (USDT) | PnL per fill (USDT) "
        "| markout 1 s (bp) | markout 10 s (bp) |",
        "|---|---|---|---|---|---|---|",
    ]
    calibrated = float(knobs.get("informed_react_probability", 0.0))
    variants = [(calibrated, f"yes ({calibrated:g})")] if calibrated else []
    for react, label in [*variants, (0.0, "no")]:
        for latency_ms in latencies:
            m = measure(knobs | {"informed_react_probability": react}, latency_ms, range(1, seeds + 1), duration_s)
            rows.append(
                f"| {label} | {latency_ms:g} | {m['fills']:.0f} | {m['pnl_per_run']:.3f} | {m['pnl_per_fill']:.4f} | "
                f"{m['markout_1s']:.3f} | {m['markout_10s']:.3f} |"
            )
    return "\n".join(rows) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--duration", type=float, default=120.0, help="market seconds per run (default 120)")
    parser.add_argument("--latencies", default="0,1,5,20,50", help="milliseconds each way, comma-separated")
    parser.add_argument("--market", type=Path, default=DEFAULT_MARKET)
    parser.add_argument("--write-docs", action="store_true", help="replace the docs' latency table")
    args = parser.parse_args()
    latencies = [float(x) for x in args.latencies.split(",")]
    started = time.perf_counter()
    block = table(args.market, latencies, args.seeds, args.duration)
    print(block)
    print(f"wall {time.perf_counter() - started:.1f} s")
    if args.write_docs:
        docs = DOCS.read_text()
        if START not in docs or END not in docs:
            print(f"{DOCS}: no {START} ... {END} block", file=sys.stderr)
            return 2
        head, rest = docs.split(START, 1)
        _, tail = rest.split(END, 1)
        DOCS.write_text(f"{head}{START}\n{block}{END}{tail}")
        print(f"wrote {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
