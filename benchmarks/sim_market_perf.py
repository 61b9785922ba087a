"""The simulated market in compiled code (``compiled=true``) against the Python reference, through the engine.

Usage: python benchmarks/sim_market_perf.py [--repeats 3] [--cells NAME,...] [--list]

Each cell is a market (a scenario and knobs), a length of market time and a strategy that subscribes to every book
with a throttle (``none``: it subscribes to nothing and only starts and stops; ``0``: it wakes on every change of a
top of book it watches), or ``passive-mm``: that pattern at its defaults (quoting on a 50 ms timer; the package
must be installed). The two implementations run the same cell in separate processes, alternated (reference,
compiled, reference, ...), ``--repeats`` times each. A process first runs the cell's market for one second of
market time (loading modules and numba's cache, so the measured run is warm), then the measured run:
``hft_core.backtest`` from venue construction to the end. Events are the engine messages the venues processed (every
order, cancel and modify, the strategy's included) plus the feed rows they published, counted after the run; the
rate is events per wall second. The ``cold`` column is the whole process (imports, cache loads, warm-up and run):
what a user waits for a run of that length. The two runs of a cell must agree on every count (same fills, same
feed: the tests hold the two implementations equal to the draw); the script stops if they do not.

The compiled market's first use on a machine compiles its kernel (about two minutes on the reference machine);
run the script twice, or once with ``--cells quiet-short`` first, so that cost does not land in a cell.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

CELLS: dict[str, tuple[str, float, str, dict[str, Any]]] = {
    # name: (scenario, market seconds, throttle, knobs)
    "quiet-short": ("latency-race", 10.0, "0", {}),
    "quiet-every-change": ("latency-race", 600.0, "0", {}),
    "quiet-10ms": ("latency-race", 600.0, "0.01", {}),
    "default-every-change": ("single-instrument", 600.0, "0", {}),
    "calibrated-every-change": ("btcusdt-perp", 120.0, "0", {}),
    "calibrated-10ms": ("btcusdt-perp", 1200.0, "0.01", {}),
    "calibrated-none": ("btcusdt-perp", 1200.0, "none", {}),
    "calibrated-passive-mm": ("btcusdt-perp", 1200.0, "passive-mm", {}),
    "busy-every-change": ("single-instrument", 60.0, "0", {"lp_order_rate": 1000.0, "noise_rate": 200.0}),
    "busy-10ms": ("single-instrument", 60.0, "0.01", {"lp_order_rate": 1000.0, "noise_rate": 200.0}),
    "busy-none": ("single-instrument", 60.0, "none", {"lp_order_rate": 1000.0, "noise_rate": 200.0}),
    "busy-two-venues-10ms": (
        "two-venues",
        60.0,
        "0.01",
        {"lp_order_rate": 1000.0, "noise_rate": 200.0, "message_service_ns": 1_000},
    ),
}


def _child(cell: str, compiled: bool) -> dict[str, Any]:
    """One measured run of ``cell`` in this process (the child's side)."""
    started = time.perf_counter()
    from hft_core import Context, Strategy, backtest, create_scenario

    scenario, seconds, throttle, knobs = CELLS[cell]

    class Watcher(Strategy):
        def on_start(self, ctx: Context) -> None:
            if throttle != "none":
                for symbol in ctx.instruments:
                    ctx.subscribe(symbol, throttle_s=float(throttle))

    strategy: Callable[[], Strategy]

    if throttle == "passive-mm":
        from hft_passive_mm.config import PassiveMMConfig
        from hft_passive_mm.plugin import PASSIVE_MM

        def strategy() -> Strategy:
            return PASSIVE_MM.build(PassiveMMConfig())
    else:
        strategy = Watcher

    def run(duration: float) -> tuple[Any, float]:
        venue = create_scenario(scenario, seed=1, duration_s=duration, record=True, compiled=compiled, **knobs)
        began = time.perf_counter()
        backtest(strategy(), venue=venue, seed=1)
        return venue, time.perf_counter() - began

    run(1.0)
    venue, wall = run(seconds)
    messages = sum(venue.gateway_stats(name).messages for name in {i.venue for i in venue.instruments})
    rows = len(venue.recorded_market_data())
    return {
        "messages": messages,
        "rows": rows,
        "wall": wall,
        "cold": time.perf_counter() - started,
        "fills": [s.bought + s.sold for s in venue.participant_stats()],
    }


def _spawn(cell: str, compiled: bool) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", cell, "--compiled" if compiled else "--reference"],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cells", default=",".join(CELLS))
    parser.add_argument("--list", action="store_true", help="list the cells and exit")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--compiled", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--reference", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.compiled)))
        return
    if args.list:
        for name, (scenario, seconds, throttle, knobs) in CELLS.items():
            print(f"{name}: {scenario}, {seconds:g} s, throttle {throttle}, {knobs or 'defaults'}")
        return
    print(
        "| cell | events | reference events/s | compiled events/s | ratio | reference cold s | compiled cold s |\n"
        "|---|---|---|---|---|---|---|"
    )
    for cell in args.cells.split(","):
        if cell not in CELLS:
            raise SystemExit(f"unknown cell {cell!r}; cells: {', '.join(CELLS)}")
        runs: dict[bool, list[dict[str, Any]]] = {False: [], True: []}
        for _ in range(args.repeats):
            for compiled in (False, True):
                runs[compiled].append(_spawn(cell, compiled))
        first = runs[False][0]
        counts = ("messages", "rows", "fills")
        for result in runs[False] + runs[True]:
            if [result[key] for key in counts] != [first[key] for key in counts]:
                raise SystemExit(f"{cell}: the runs disagree: {result} vs {first}")
        events = first["messages"] + first["rows"]
        ref = [events / r["wall"] for r in runs[False]]
        fast = [events / r["wall"] for r in runs[True]]
        ratio = statistics.median(fast) / statistics.median(ref)
        cold_ref = [r["cold"] for r in runs[False]]
        cold_fast = [r["cold"] for r in runs[True]]
        print(
            f"| {cell} | {events:,} | {statistics.median(ref):,.0f} ({min(ref):,.0f}–{max(ref):,.0f}) "
            f"| {statistics.median(fast):,.0f} ({min(fast):,.0f}–{max(fast):,.0f}) | {ratio:.1f}× "
            f"| {statistics.median(cold_ref):.2f} ({min(cold_ref):.2f}–{max(cold_ref):.2f}) "
            f"| {statistics.median(cold_fast):.2f} ({min(cold_fast):.2f}–{max(cold_fast):.2f}) |",
            flush=True,
        )


if __name__ == "__main__":
    main()
