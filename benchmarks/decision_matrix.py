"""What a strategy decision costs, and the replay engine against hftbacktest 2.4.4 across decision rates.

Two measurements on the seeded synthetic L2 workload of ``benchmarks/replay_vs_hftbacktest.py`` (one instrument,
tick 0.01, lot 0.001, about 20 levels a side, 8% trades at the best, ``--rate`` events per second of market time):

``fixed-cost``: the framework's cost of one decision, strategy code excluded. The same replay runs three times
in one process, in memory: with no decisions at all (the kernel alone), with a timer whose hook does nothing
(timer -> engine -> hook), and with a timer whose hook replaces one resting bid every time (reads the top of book,
cancels its last order, sends a new post-only bid: order entry -> venue -> reports -> settlement). Each decision's
cost is ``(run - kernel-only run) / decisions``; the hook's own Python (its few lines against a stub context that
does nothing) is measured apart and subtracted. Runs alternate and the median of ``--runs`` is reported.

``matrix``: events per decision in {20, 100, 500, 1000} x three strategies, ours against hftbacktest 2.4.4 with
the same queue model (power-probability, n = 2), the same latency (1 ms each way) and no partial fills:

- ``quote``: a plain Python market maker, quoting 2 ticks around the mid with inventory skew every
  ``events/decision / rate`` seconds (the strategy of replay_vs_hftbacktest.py);
- ``depth``: the same, quoting at the size-weighted price of the top five levels a side (reads ``depth()``);
- ``trigger``: quotes whenever the mid moved by at least one tick since it last quoted; ours declares a compiled
  trigger (``Trigger(mid_ticks=1)``) so Python runs only then, hftbacktest steps its feed
  (``wait_next_feed``) and compares the mid in its numba strategy. Its events per decision is whatever the data
  gives (one row of the table).

Each cell runs in its own process, ours and hftbacktest alternated process by process, ``--runs`` times; medians,
ranges (min-max) and each process's peak RSS (VmHWM) are reported. hftbacktest's depth is
``ROIVectorMarketDepthBacktest`` (a dense price vector, its fastest); ours is the replay venue's flat price grid.
Compile times are excluded (a warm-up per process). ``--quick`` runs a small workload once per cell.

    python benchmarks/decision_matrix.py fixed-cost
    python benchmarks/decision_matrix.py matrix               # 5M events, 3 runs per cell
    python benchmarks/decision_matrix.py matrix --quick

hftbacktest is an optional, benchmark-only dependency (``uv pip install --no-deps hftbacktest==2.4.4``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from hft_core.events import Events
from hft_core.strategy import Context, Strategy

sys.path.insert(0, str(Path(__file__).resolve().parent))
_peer: Any = importlib.import_module("replay_vs_hftbacktest")  # the workload and hftbacktest's setup live there
INSTRUMENT, ORDER_LATENCY_NS, TICK = _peer.INSTRUMENT, _peer.ORDER_LATENCY_NS, _peer.TICK
generate, write_hftbacktest_file = _peer.generate, _peer.write_hftbacktest_file

WORKDIR = Path(tempfile.gettempdir()) / "hft-decision-benchmark"


# =============================================================================================================
# The workload
# =============================================================================================================
def workload(events: int, rate: float, seed: int, hftbacktest: bool = False) -> Path:
    """The ``.npy`` of ``events`` synthetic events (generated once per parameters) and, if asked, its ``.npz``."""
    work = WORKDIR / f"{events}-{rate:.0f}-{seed}"
    work.mkdir(parents=True, exist_ok=True)
    ours = work / "events.npy"
    if not ours.exists():
        generate(ours.with_suffix(".tmp.npy"), events, rate, seed)
        ours.with_suffix(".tmp.npy").rename(ours)
    if hftbacktest and not (work / "hftbacktest.npz").exists():
        write_hftbacktest_file(ours, work / "hftbacktest.npz")
    return ours


def _venue(events: Events) -> Any:
    from hft_core.venues.replay import ConstantLatency, PowerProbQueue, ReplayVenue

    return ReplayVenue(
        events,
        [INSTRUMENT],
        latency=ConstantLatency(ORDER_LATENCY_NS, ORDER_LATENCY_NS),
        queue_model=PowerProbQueue(2.0),
        partial_fills=False,
    )


# =============================================================================================================
# fixed-cost: the framework's share of one decision
# =============================================================================================================
class Idle(Strategy):
    """No timer: the engine advances the venue to the end (equity samples aside), the kernel's own cost."""


class Wake(Strategy):
    """A timer whose hook does nothing: the cost of waking Python."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self.decisions = 0

    def on_start(self, ctx: Context) -> None:
        ctx.set_timer(self.interval_s)

    def on_timer(self, ctx: Context) -> None:
        self.decisions += 1


class Replace(Wake):
    """Replaces one post-only bid five ticks under the best bid at every decision: order entry, venue, settlement."""

    def __init__(self, interval_s: float) -> None:
        super().__init__(interval_s)
        self.last = 0

    def on_timer(self, ctx: Context) -> None:
        self.decisions += 1
        bid = ctx.book().best_bid
        if self.last:
            ctx.cancel(self.last)
        if bid is not None:
            self.last = ctx.buy(0.01, bid - 5 * TICK, tif="post-only")


class _StubBook:
    best_bid = 100.0


class _StubContext:
    """Everything `Replace.on_timer` calls, doing nothing: what is left is the hook's own Python."""

    _book = _StubBook()

    def book(self, instrument: str | None = None) -> _StubBook:
        return self._book

    def cancel(self, order_id: int) -> None:
        return None

    def buy(self, qty: float, price: float | None = None, *, tif: str = "gtc") -> int:
        return 1


def _hook_seconds(strategy: Wake, calls: int) -> float:
    """Seconds per call of ``strategy.on_timer`` against the stub context (its own code alone)."""
    ctx: Any = _StubContext()
    hook = strategy.on_timer
    started = time.perf_counter()
    for _ in range(calls):
        hook(ctx)
    return (time.perf_counter() - started) / calls


def fixed_cost(args: argparse.Namespace) -> None:
    from hft_core.engine import Engine

    path = workload(args.events, args.rate, args.seed)
    events = np.load(path)
    interval_s = args.events_per_decision / args.rate
    kinds: dict[str, type[Strategy]] = {"kernel only": Idle, "wake": Wake, "wake + replace an order": Replace}

    def once(kind: str) -> tuple[float, int, int]:
        strategy = kinds[kind]() if kinds[kind] is Idle else kinds[kind](interval_s)  # type: ignore[call-arg]
        venue = _venue(events)
        started = time.perf_counter()
        result = Engine(strategy, venue, sample_interval_s=1.0).run()
        seconds = time.perf_counter() - started
        return seconds, getattr(strategy, "decisions", 0), int(result.stats["orders"])

    for kind in kinds:  # warm-up: compile or load the kernels, touch every page of the data
        once(kind)
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    counts: dict[str, tuple[int, int]] = {}
    for _ in range(args.runs):
        for kind in kinds:
            seconds, decisions, orders = once(kind)
            times[kind].append(seconds)
            counts[kind] = (decisions, orders)
    hook = {"wake": _hook_seconds(Wake(interval_s), 200_000), "wake + replace an order": 0.0}
    hook["wake + replace an order"] = _hook_seconds(Replace(interval_s), 200_000)
    base = statistics.median(times["kernel only"])
    print(f"{args.events:,} events in memory, a decision every {args.events_per_decision} events "
          f"({interval_s * 1e3:.1f} ms of market time); medians of {args.runs} runs")  # fmt: skip
    print(f"  kernel only: {base:.3f} s ({args.events / base / 1e6:.1f} M events/s)")
    out: dict[str, Any] = {"kernel_s": base}
    for kind in ("wake", "wake + replace an order"):
        decisions, orders = counts[kind]
        per = [(t - base) / decisions for t in times[kind]]
        framework = statistics.median(per) - hook[kind]
        low, high = (min(per) - hook[kind]) * 1e6, (max(per) - hook[kind]) * 1e6
        print(f"  {kind}: {statistics.median(times[kind]):.3f} s, {decisions:,} decisions, {orders:,} orders: "
              f"{framework * 1e6:.2f} us/decision of framework time (range {low:.2f}-{high:.2f}; "
              f"the hook's own code {hook[kind] * 1e6:.2f} us, subtracted)")  # fmt: skip
        out[kind] = framework
    if args.json:
        print(json.dumps(out))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("what", choices=["fixed-cost", "matrix"])
    parser.add_argument("--events", type=int, default=None, help="market events (fixed-cost 2M, matrix 5M)")
    parser.add_argument("--rate", type=float, default=5_000.0, help="events per second of market time")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=None, help="timed runs (fixed-cost 5, matrix 3)")
    parser.add_argument("--events-per-decision", type=int, default=20, help="fixed-cost: the decision interval")
    parser.add_argument("--quick", action="store_true", help="a small workload, one run per cell")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = parser.parse_args(argv)
    if args.what == "fixed-cost":
        args.events = args.events or (300_000 if args.quick else 2_000_000)
        args.runs = args.runs or (1 if args.quick else 5)
        fixed_cost(args)


if __name__ == "__main__":
    main()
