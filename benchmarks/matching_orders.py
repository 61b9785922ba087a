"""Order-entry throughput of `hft_core.matching.MatchingEngine` on a seeded, realistic message mix.

The workload is generated up front, untimed, by running it against a live engine so that every message is one a
real participant could send at that moment: passive limit orders joining, improving or sitting a few ticks behind
the touch (most messages); cancels and size-decreasing modifies of orders that are still resting, more of them
the fuller the book is (which holds it near a steady ~2000 resting orders over ~15 levels a side); and about 7%
crossing orders (marketable limits, IOC and market orders of up to 20 lots) that trade through one or a few
levels. With the default seed the mix is 59% submits, 38% cancels, 3% modifies, about one execution per five
messages. The timed loop replays the messages into a fresh engine through its public API and drains its output
(executions and order updates as records, the public feed as `EVENT_DTYPE` rows) every ``--drain-every``
messages, so the cost of emitting everything is included.

    python benchmarks/matching_orders.py --orders 1000000 --runs 5

Prints messages/s (every submit, cancel and modify counts as one order message), median over runs, by wall clock
and per second of process CPU time (the latter is steadier on a shared machine), and how much output the engine
produced, so two runs can be checked to be doing the same work.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from typing import NamedTuple

import numpy as np
from hft_core.events import BUY, SELL
from hft_core.matching import MatchingEngine, MatchingOutput, OrderType, StpMode

__all__ = ["Workload", "main", "make_workload", "run_once"]

SUBMIT, CANCEL, MODIFY = 0, 1, 2


class Workload(NamedTuple):
    """Pre-generated messages: (op, side, price, qty, owner, order_type, target_order_id, ts) per message."""

    messages: list[tuple[int, int, int, int, int, int, int, int]]
    submits: int
    cancels: int
    modifies: int


def make_workload(n_messages: int, seed: int, *, owners: int = 100, target_resting: int = 2_000) -> Workload:
    """``n_messages`` messages: about half passive limits, 40% cancels, 3% modifies, 7% crossing orders.

    Generated against a live engine (untimed), so passive orders are priced off the book's actual touch, and
    cancels and modifies name orders that are still resting, as real participants' would. The share of
    cancels grows with the number of resting orders (each order has a finite life), which holds the book near
    ``target_resting`` orders instead of letting it grow or drain without bound.
    """
    rng = np.random.default_rng(seed)
    engine = MatchingEngine(stp=StpMode.CANCEL_NEWEST)
    draws = rng.random(n_messages)
    sides = rng.choice([BUY, SELL], size=n_messages)
    passive_offsets = rng.geometric(0.35, size=n_messages) - 1  # ticks behind the touch; 0 = join it
    crossing_offsets = rng.integers(0, 3, size=n_messages)  # ticks through the opposite touch
    improve_draws = rng.random(n_messages)
    passive_qtys = rng.integers(1, 11, size=n_messages)
    crossing_qtys = rng.integers(1, 21, size=n_messages)
    owner_ids = rng.integers(1, owners + 1, size=n_messages)
    aggressive_types = rng.choice(
        [int(OrderType.LIMIT), int(OrderType.IOC), int(OrderType.MARKET)], size=n_messages, p=[0.5, 0.3, 0.2]
    )
    timestamps = 1_700_000_000_000_000_000 + np.cumsum(rng.integers(200, 5_000, size=n_messages))
    reference_price = 100_000

    messages: list[tuple[int, int, int, int, int, int, int, int]] = []
    resting_ids: list[int] = []
    counts = [0, 0, 0]
    for i in range(n_messages):
        draw = float(draws[i])
        side = int(sides[i])
        ts = int(timestamps[i])
        best_bid, best_ask = engine.best_bid(), engine.best_ask()
        if best_bid is not None and best_ask is not None:
            reference_price = (best_bid + best_ask) // 2
        cancel_share = 0.86 * engine.open_order_count / (engine.open_order_count + target_resting)
        if draw < cancel_share and resting_ids:
            target = _pick_resting(engine, resting_ids, rng)
            if target is not None:
                if draw < cancel_share * (40 / 43):
                    messages.append((CANCEL, 0, 0, 0, 0, 0, target, ts))
                    engine.cancel(target, ts=ts)
                    counts[CANCEL] += 1
                else:
                    info = engine.order(target)
                    new_qty = max(1, info.leaves - 1) if info is not None else 1
                    messages.append((MODIFY, 0, 0, new_qty, 0, 0, target, ts))
                    engine.modify(target, qty=new_qty, ts=ts)
                    counts[MODIFY] += 1
                engine.drain()
                continue
        if draw < 0.93:  # of the rest: passive limits; the top 7% of draws are crossing orders
            touch = best_bid if side == BUY else best_ask
            if touch is None:
                touch = reference_price - side
            spread = best_ask - best_bid if best_bid is not None and best_ask is not None else 0
            improves = spread > 1 and improve_draws[i] < 0.25  # a quarter of the time, step inside the spread
            price = touch + side if improves else touch - side * int(passive_offsets[i])
            qty = int(passive_qtys[i])
            order_type = int(OrderType.LIMIT)
        else:
            opposite = best_ask if side == BUY else best_bid
            if opposite is None:
                opposite = reference_price + side
            price = opposite + side * int(crossing_offsets[i])
            qty = int(crossing_qtys[i])
            order_type = int(aggressive_types[i])
        messages.append((SUBMIT, side, price, qty, int(owner_ids[i]), order_type, 0, ts))
        order_id = engine.submit(side, price, qty, owner=int(owner_ids[i]), order_type=OrderType(order_type), ts=ts)
        if engine.order(order_id) is not None:
            resting_ids.append(order_id)
        engine.drain()
        counts[SUBMIT] += 1
    return Workload(messages, counts[SUBMIT], counts[CANCEL], counts[MODIFY])


def _pick_resting(engine: MatchingEngine, resting_ids: list[int], rng: np.random.Generator) -> int | None:
    """A random still-resting order id, pruning ids that have since filled or been cancelled."""
    while resting_ids:
        index = int(rng.integers(len(resting_ids)))
        candidate = resting_ids[index]
        if engine.order(candidate) is not None:
            return candidate
        resting_ids[index] = resting_ids[-1]
        resting_ids.pop()
    return None


class RunResult(NamedTuple):
    seconds: float
    cpu_seconds: float
    executions: int
    updates: int
    market_data_rows: int


class _Tally:
    """Counts what the engine emitted; output is consumed and dropped at each drain, as a venue would."""

    def __init__(self) -> None:
        self.executions = 0
        self.market_data_rows = 0
        self.updates = 0

    def add(self, output: MatchingOutput) -> None:
        self.executions += len(output.executions)
        self.updates += len(output.updates)
        self.market_data_rows += len(output.market_data)


def run_once(workload: Workload, *, drain_every: int, l3_feed: bool) -> RunResult:
    """Feed the workload through a fresh engine; returns the elapsed time and what came out."""
    engine = MatchingEngine(stp=StpMode.CANCEL_NEWEST, l3_feed=l3_feed)
    submit = engine.submit
    cancel = engine.cancel
    modify = engine.modify
    drain = engine.drain
    order_types = list(OrderType)
    type_by_code = {int(t): t for t in order_types}
    tally = _Tally()
    countdown = drain_every
    start = time.perf_counter()
    cpu_start = time.process_time()
    for op, side, price, qty, owner, order_type, target, ts in workload.messages:
        if op == SUBMIT:
            submit(side, price, qty, owner=owner, order_type=type_by_code[order_type], ts=ts)
        elif op == CANCEL:
            cancel(target, ts=ts)
        else:
            modify(target, qty=qty, ts=ts)
        countdown -= 1
        if not countdown:
            tally.add(drain())
            countdown = drain_every
    tally.add(drain())
    elapsed = time.perf_counter() - start
    cpu_elapsed = time.process_time() - cpu_start
    return RunResult(elapsed, cpu_elapsed, tally.executions, tally.updates, tally.market_data_rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--orders", type=int, default=500_000, help="messages per run (default 500000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs; the median is reported (default 5)")
    parser.add_argument("--seed", type=int, default=20240611, help="workload seed")
    parser.add_argument("--drain-every", type=int, default=10_000, help="drain engine output every N messages")
    parser.add_argument("--l3-feed", action="store_true", help="also emit the L3 order-by-order feed")
    parser.add_argument(
        "--no-gc-freeze",
        action="store_true",
        help="leave the pre-generated workload visible to the garbage collector (by default it is frozen, so "
        "collections scan the engine's objects rather than the benchmark's message list)",
    )
    args = parser.parse_args(argv)
    if args.orders <= 0 or args.runs <= 0 or args.drain_every <= 0:
        parser.error("--orders, --runs and --drain-every must be positive")

    workload = make_workload(args.orders, args.seed)
    gc.collect()
    if not args.no_gc_freeze:
        gc.freeze()
    total = len(workload.messages)
    print(
        f"workload: {total} messages (seed {args.seed}): {workload.submits} submits, {workload.cancels} cancels, "
        f"{workload.modifies} modifies; l3_feed={args.l3_feed}, gc_freeze={not args.no_gc_freeze}"
    )
    rates = []
    cpu_rates = []
    result = None
    for run in range(args.runs):
        result = run_once(workload, drain_every=args.drain_every, l3_feed=args.l3_feed)
        rates.append(total / result.seconds)
        cpu_rates.append(total / result.cpu_seconds)
        print(
            f"run {run + 1}: {result.seconds:.3f} s wall, {rates[-1]:,.0f} orders/s "
            f"({cpu_rates[-1]:,.0f} orders/s of process CPU time)"
        )
    assert result is not None
    print(
        f"output per run: {result.executions} executions, {result.updates} order updates, "
        f"{result.market_data_rows} public feed rows"
    )
    print(
        f"median: {statistics.median(rates):,.0f} orders/s wall-clock, "
        f"{statistics.median(cpu_rates):,.0f} orders/s per CPU second, over {args.runs} runs"
    )


if __name__ == "__main__":
    main()
