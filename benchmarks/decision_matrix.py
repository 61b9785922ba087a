"""What a strategy decision costs, and the replay engine against hftbacktest 2.4.4 across decision rates.

Measurements on the seeded synthetic L2 workload of ``benchmarks/replay_vs_hftbacktest.py`` (one instrument,
tick 0.01, lot 0.001, about 20 levels a side, 8% trades at the best, ``--rate`` events per second of market time):

``fixed-cost``: the framework's cost of one decision, strategy code excluded. The same replay runs three times
in one process, in memory: with no decisions at all (the kernel alone), with a timer whose hook does nothing
(timer -> engine -> hook), and with a timer whose hook replaces one resting bid every time (reads the top of book,
cancels its last order, sends a new post-only bid: order entry -> venue -> reports -> settlement). Each decision's
cost is ``(run - kernel-only run) / decisions``; the hook's own Python (its few lines against a stub context that
does nothing) is measured apart and subtracted. Runs alternate and the median of ``--runs`` is reported; with
``--clock cpu`` each run is timed by the process's CPU time instead of the wall clock (less disturbed by a loaded
machine).

``matrix``: events per decision in {20, 100, 500, 1000} x three strategies, ours against hftbacktest 2.4.4 with
the same queue model (power-probability, n = 2; ours with ``arithmetic="hftbacktest"``, its arithmetic to the
letter), the same latency (1 ms each way) and no partial fills. Both sides run the same rules, down to leaving
alone an order whose acknowledgement has not come back (hftbacktest cannot cancel one) and starting the timer at the
first event's local time: with that, the two agree order for order in every cell (``trace``: on 1 M events the
same orders, fills, and time, mid and position at every decision). ``--strategies`` picks the rows:

- ``quote``: a plain Python market maker, quoting 2 ticks around the mid with inventory skew every
  ``events/decision / rate`` seconds (the strategy of replay_vs_hftbacktest.py);
- ``depth``: the same, quoting at the size-weighted price of the top five levels a side (reads ``depth()``);
- ``trigger``: quotes whenever the mid moved by at least one tick since it last quoted; ours declares a compiled
  trigger (``Trigger(mid_ticks=1)``) so Python runs only then, hftbacktest steps its feed
  (``wait_next_feed``) and compares the mid in its numba strategy. Its events per decision is whatever the data
  gives (one row of the table);
- ``quote-hook``, ``depth-hook``, ``trigger-hook``: the same three quoters written as a numba hook on the compiled
  strategy path (`hft_core.compiled`, `hook_quoter`): the engine calls it inside compiled code, as hftbacktest runs
  its numba strategy. Each shares its hftbacktest runs with the Python row of the same rules, and must make the
  same decisions, orders and fills. The hook (`matrix_hook.decide`) and the driver compile in the first hook
  process's warm-up and are loaded from the engine's hook cache in the others (the warm-up is reported below the
  table).

``hook-compile``: a hook process's warm-up (its first run, 20k events) with the driver compiled in the process as
before the hook cache (``HFT_HOOK_CACHE=0``), compiled into an empty hook cache, and loaded from a filled one; each
in a process of its own, alternated, ``--runs`` times (default 3).

``trace``: one cell (``--strategy``, default ``trigger``, and ``--events-per-decision``) on both sides in one
process, (local time, mid, position) recorded at each decision, and the first decision where the two differ;
``--no-ack-rule`` (ours cancels orders still in flight) and ``--queue clamped`` (ours with its default queue
arithmetic) show the trigger cell as it was before both matched.

``order-parts``: the CPU time of each piece of a traded decision, timed alone on the same replay (``ctx.buy`` +
``ctx.cancel``, ``Engine.send`` + ``Engine.cancel``, the blotter's row, the venue's ``submit`` + ``cancel``, a
book read), and the venue's whole share of a decision against a bare advance.

``rss``: the peak resident memory (VmHWM) of one replay of ``--sizes`` events (default 1 M and 30 M), from a memory
map (``np.load(mmap_mode="r")``) and from a chunk stream (plain reads), through the engine with the ``quote``
strategy every 100 ms, and the venue alone (no orders: the data path), each in a process of its own.

Each matrix cell runs in its own process, ours and hftbacktest alternated process by process, ``--runs`` times; medians,
ranges (min-max) and each process's peak RSS (VmHWM) are reported. hftbacktest's depth is
``ROIVectorMarketDepthBacktest`` (a dense price vector, its fastest); ours is the replay venue's flat price grid.
Compile times are excluded (a warm-up per process). ``--quick`` runs a small workload once per cell.

    python benchmarks/decision_matrix.py fixed-cost
    python benchmarks/decision_matrix.py order-parts          # CPU time of each piece of a traded decision
    python benchmarks/decision_matrix.py matrix               # 3M events, 3 runs per cell
    python benchmarks/decision_matrix.py matrix --quick
    python benchmarks/decision_matrix.py matrix --events 1000000 --runs 4 --strategies trigger
    python benchmarks/decision_matrix.py trace                # the trigger cell decision by decision, both sides
    python benchmarks/decision_matrix.py rss                  # peak RSS, 1M vs 30M events, mmap and stream
    python benchmarks/decision_matrix.py compile              # the replay kernel's cold compile, then its cache
    python benchmarks/decision_matrix.py hook-compile         # a hook process's warm-up, with and without the cache

hftbacktest is an optional, benchmark-only dependency (``uv pip install --no-deps hftbacktest==2.4.4``).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from hft_core.events import Events
from hft_core.strategy import Context, Strategy

sys.path.insert(0, str(Path(__file__).resolve().parent))
_peer: Any = importlib.import_module("replay_vs_hftbacktest")  # the workload and hftbacktest's setup live there
INSTRUMENT, ORDER_LATENCY_NS, TICK, LOT = _peer.INSTRUMENT, _peer.ORDER_LATENCY_NS, _peer.TICK, _peer.LOT
generate, write_hftbacktest_file = _peer.generate, _peer.write_hftbacktest_file
_rules: Any = importlib.import_module("matrix_hook")  # the hook rows' quoter, and the rules' sizes

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


def _venue(events: Events, hftbacktest_queue: bool = False) -> Any:
    """The replay venue of the workload; ``hftbacktest_queue``: the power queue with hftbacktest's arithmetic
    (``arithmetic="hftbacktest"``, the matrix's choice); without it the default clamped arithmetic, which the
    ``fixed-cost`` mode keeps so that it also runs on checkouts older than that option."""
    from hft_core.venues.replay import ConstantLatency, PowerProbQueue, ReplayVenue

    queue = PowerProbQueue(2.0, arithmetic="hftbacktest") if hftbacktest_queue else PowerProbQueue(2.0)
    return ReplayVenue(
        events,
        [INSTRUMENT],
        latency=ConstantLatency(ORDER_LATENCY_NS, ORDER_LATENCY_NS),
        queue_model=queue,
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


def _fixed_cost_hook(replace: bool, interval_s: float) -> Strategy:
    """`Wake` (``replace`` False) or `Replace` as a numba hook on the compiled strategy path (`hft_core.compiled`):
    the framework's cost of a decision there, with the hook's own code a few compiled instructions."""
    import hft_core.compiled as hc

    class Timed(hc.CompiledStrategy):
        def on_start(self, ctx: Context) -> None:
            ctx.set_timer(interval_s)

    return Timed(_rules.replace_one if replace else _rules.wake, [0.0, 0.0])


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


def _hook_seconds(strategy: Wake, calls: int, clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds per call of ``strategy.on_timer`` against the stub context (its own code alone)."""
    ctx: Any = _StubContext()
    hook = strategy.on_timer
    started = clock()
    for _ in range(calls):
        hook(ctx)
    return (clock() - started) / calls


def fixed_cost(args: argparse.Namespace) -> None:
    from hft_core.engine import Engine

    path = workload(args.events, args.rate, args.seed)
    events = np.load(path)
    interval_s = args.events_per_decision / args.rate
    kinds: dict[str, Callable[[], Strategy]] = {
        "kernel only": Idle,
        "wake": lambda: Wake(interval_s),
        "wake + replace an order": lambda: Replace(interval_s),
        "wake (hook)": lambda: _fixed_cost_hook(False, interval_s),
        "wake + replace an order (hook)": lambda: _fixed_cost_hook(True, interval_s),
    }

    clock = time.process_time if args.clock == "cpu" else time.perf_counter

    def once(kind: str) -> tuple[float, int, int]:
        strategy = kinds[kind]()
        venue = _venue(events)
        started = clock()
        result = Engine(strategy, venue, sample_interval_s=1.0).run()
        seconds = clock() - started
        state = getattr(strategy, "state", None)
        decisions = int(state[0]) if state is not None else getattr(strategy, "decisions", 0)
        return seconds, decisions, int(result.stats["orders"])

    for kind in kinds:  # warm-up: compile or load the kernels, touch every page of the data
        once(kind)
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    counts: dict[str, tuple[int, int]] = {}
    for _ in range(args.runs):
        for kind in kinds:
            seconds, decisions, orders = once(kind)
            times[kind].append(seconds)
            counts[kind] = (decisions, orders)
    hook = {
        "wake": _hook_seconds(Wake(interval_s), 200_000, clock),
        "wake + replace an order": _hook_seconds(Replace(interval_s), 200_000, clock),
        "wake (hook)": 0.0,  # (a few compiled instructions: not measured apart)
        "wake + replace an order (hook)": 0.0,
    }
    base = statistics.median(times["kernel only"])
    print(f"{args.events:,} events in memory, a decision every {args.events_per_decision} events "
          f"({interval_s * 1e3:.1f} ms of market time); medians of {args.runs} runs, {args.clock} time")  # fmt: skip
    print(f"  kernel only: {base:.3f} s ({args.events / base / 1e6:.1f} M events/s)")
    out: dict[str, Any] = {"kernel_s": base}
    for kind in list(kinds)[1:]:
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


def order_parts(args: argparse.Namespace) -> None:
    """CPU time of the pieces of a traded decision, each timed alone (``--runs`` repetitions, the best kept)."""
    from hft_core.engine import Engine
    from hft_core.matching.orders import OrderType
    from hft_core.venues.base import Watch

    events = np.load(workload(args.events, args.rate, args.seed))
    calls = 1_000
    found: dict[str, float] = {}
    quiet = Watch(reports=False, acks=False, rows=True)

    class ProbedError(Exception):
        """Ends the probe's run once it has timed everything (the venue has run ahead of the engine by then)."""

    def timed(label: str, body: Callable[[], None]) -> None:
        best = math.inf
        for _ in range(args.runs * 5):
            started = time.process_time()
            body()
            best = min(best, time.process_time() - started)
            # outside the timing, the requests handled and their reports dropped (no backlog builds up), the engine's
            # clock moved along (the probe's run ends after it: `ProbedError`)
            venue: Any = engine.venue
            venue.advance(venue.now + 10**8, quiet)
            engine.now = venue.now
        found[label] = best / calls

    class Probe(Strategy):
        """Times the pieces once, at its first decision (the replay's state then: a book, no orders)."""

        def on_start(self, ctx: Context) -> None:
            ctx.set_timer(0.5)

        def on_timer(self, ctx: Context) -> None:
            if found:
                return
            venue, blotter = engine.venue, engine.blotter
            replay: Any = venue
            bid = ctx.book().best_bid
            assert bid is not None
            price = bid - 5 * TICK
            ticks = round(price / TICK)
            ids = iter(range(10**9, 10**10))

            def context_orders() -> None:
                for _ in range(calls):
                    ctx.cancel(ctx.buy(0.01, price, tif="post-only"))

            def engine_orders() -> None:
                for _ in range(calls):
                    engine.cancel(engine.send(1, 0.01, price, 0, "post-only"))

            def blotter_rows() -> None:
                for _ in range(calls):
                    blotter.open_instrument(blotter.add_open(engine.now, 0, 1, OrderType.POST_ONLY, ticks, 10))

            def venue_orders() -> None:
                now = engine.now
                for _ in range(calls):
                    order_id = next(ids)
                    venue.submit(now, 0, order_id, 1, OrderType.POST_ONLY, ticks, 10)
                    venue.cancel(now, 0, order_id)

            def book_reads() -> None:
                for _ in range(calls):
                    replay._tops[0] = None  # (the venue's top-of-book cache, cleared as each advance clears it)
                    _ = ctx.book().best_bid

            timed("ctx.buy + ctx.cancel", context_orders)
            timed("Engine.send + Engine.cancel", engine_orders)
            timed("the blotter's add_open + open_instrument", blotter_rows)
            timed("the venue's submit + cancel", venue_orders)
            timed("ctx.book().best_bid, the venue's top not cached", book_reads)
            raise ProbedError

    engine = Engine(Probe(), _venue(events), sample_interval_s=1.0)
    with contextlib.suppress(ProbedError):
        engine.run()
    interval = round(args.events_per_decision / args.rate * 1e9)

    def venue_decisions(orders: bool) -> float:
        """CPU time per advance of ``interval`` at the venue alone, with or without a cancel + new + top each."""
        venue = _venue(events)
        advance = venue.advance(venue.start() + 10**9, quiet)
        order_id = last = decisions = 0
        started = time.process_time()
        while not advance.finished and decisions < 40_000:
            now = advance.now
            if orders:
                top = venue.top(0)
                if last:
                    venue.cancel(now, 0, last)
                order_id += 1
                venue.submit(now, 0, order_id, 1, OrderType.POST_ONLY, top.bid_price - 5, 10)
                last = order_id
            advance = venue.advance(now + interval, quiet)
            decisions += 1
        return (time.process_time() - started) / decisions

    bare = min(venue_decisions(False) for _ in range(args.runs))
    traded = min(venue_decisions(True) for _ in range(args.runs))
    print(f"CPU time per call, best of {args.runs * 5} repetitions of {calls:,}:")
    for label, seconds in found.items():
        print(f"  {label}: {seconds * 1e6:.2f} us")
    print(f"the venue alone, advancing {interval / 1e6:.1f} ms at a time (40,000 advances, best of {args.runs}): "
          f"{bare * 1e6:.2f} us bare, {traded * 1e6:.2f} us with a cancel, a new order and a top read each "
          f"(the venue's share of a traded decision: {(traded - bare) * 1e6:.2f} us)")  # fmt: skip


# =============================================================================================================
# matrix: ours against hftbacktest across decision rates
# =============================================================================================================
ORDER_LOTS, LIMIT_LOTS, DEPTH_LEVELS = _rules.ORDER_LOTS, _rules.LIMIT_LOTS, _rules.DEPTH_LEVELS
HOOK = "-hook"
"""A strategy's name with this suffix: the same rules as a numba hook on the compiled strategy path (`HookQuoter`)."""
STRATEGIES = ("quote", "depth", "trigger", "quote-hook", "depth-hook", "trigger-hook")
EVENTS_PER_DECISION = (20, 100, 500, 1000)


def want_prices(low: float, high: float, position: int) -> tuple[int, int]:
    """Bid and ask two ticks outside ``low``..``high`` (ticks), shifted against the position (up to 2 ticks)."""
    skew = int(np.floor(2.0 * position / LIMIT_LOTS))
    return int(np.floor(low)) - 2 - skew, int(np.ceil(high)) + 2 - skew


class MatrixQuoter(Strategy):
    """Ours: the market maker of the matrix (``mode``: quote, depth or trigger); the same rules as hftbacktest's
    ``quote`` (in `_hbt_functions`).

    One of those rules comes from what hftbacktest allows: an order whose acknowledgement has not come back yet
    (its status still ``NONE``, 2 ms after it was sent at 1 ms each way) can be neither cancelled nor counted as a
    quote, so its strategy leaves it alone and may send another. `AckedMatrixQuoter` does the same here, skipping
    the orders whose `Context.order_status` is still ``sent``. This class does not ask: on a timer of at least 20
    events (4 ms of market time, twice the round trip) every order sent at one decision is acknowledged (or
    rejected) by the next, so the rule never applies.
    """

    def __init__(self, mode: str, interval_s: float) -> None:
        self.mode = mode
        self.interval_s = interval_s
        self.quotes: dict[int, tuple[int, int]] = {}
        self.cancelling: set[int] = set()
        self.tracks_acks = False
        self.decisions = 0
        self.trace: list[tuple[int, int, int]] | None = None
        """``trace`` mode: (local time, bid + ask in ticks, position in lots) at each decision, before its orders."""

    def on_start(self, ctx: Context) -> None:
        if self.mode == "trigger":
            from hft_core.strategy import Trigger

            ctx.set_trigger(Trigger(mid_ticks=1))
        else:
            ctx.set_timer(self.interval_s)

    def on_timer(self, ctx: Context) -> None:
        self.decide(ctx)

    def on_trigger(self, ctx: Context, instrument: str, fired: Any) -> None:
        self.decide(ctx)

    def decide(self, ctx: Context) -> None:
        book = ctx.book()
        bid, ask = book.best_bid, book.best_ask
        if bid is None or ask is None:
            return
        self.decisions += 1
        position = round(ctx.position() / LOT)
        if self.trace is not None:
            self.trace.append((ctx.now, round(bid / TICK) + round(ask / TICK), position))
        if self.mode == "depth":
            levels = book.depth("bid", DEPTH_LEVELS) + book.depth("ask", DEPTH_LEVELS)
            size = sum(round(q / LOT) for _, q in levels)
            fair = sum(round(p / TICK) * round(q / LOT) for p, q in levels) / size
            want_bid, want_ask = want_prices(fair, fair, position)
        else:
            mid = (round(bid / TICK) + round(ask / TICK)) / 2.0
            want_bid, want_ask = want_prices(mid, mid, position)
        open_ids = set(ctx.open_orders())
        self.quotes = {i: q for i, q in self.quotes.items() if i in open_ids}
        self.cancelling &= open_ids
        tracks_acks, status = self.tracks_acks, ctx.order_status
        have_bid = have_ask = False
        for order_id, (side, price) in self.quotes.items():
            if order_id in self.cancelling or (tracks_acks and status(order_id) == "sent"):
                continue
            if side > 0 and price == want_bid and position < LIMIT_LOTS:
                have_bid = True
            elif side < 0 and price == want_ask and position > -LIMIT_LOTS:
                have_ask = True
            else:
                ctx.cancel(order_id)
                self.cancelling.add(order_id)
        qty = ORDER_LOTS * LOT
        if not have_bid and position < LIMIT_LOTS:
            order_id = ctx.buy(qty, want_bid * TICK, tif="post-only")
            self.quotes[order_id] = (1, want_bid)
        if not have_ask and position > -LIMIT_LOTS:
            order_id = ctx.sell(qty, want_ask * TICK, tif="post-only")
            self.quotes[order_id] = (-1, want_ask)


class AckedMatrixQuoter(MatrixQuoter):
    """`MatrixQuoter` that leaves its unacknowledged orders alone (`Context.order_status` still ``sent``), for
    decisions closer together than the round trip (the ``trigger`` strategy: 16% of its decisions come within 2 ms
    of the previous one). It asks rather than hearing every report through ``on_order``, so the venue leaves the
    acknowledgements out and the engine settles the reports a batch at a time."""

    def __init__(self, mode: str, interval_s: float) -> None:
        super().__init__(mode, interval_s)
        self.tracks_acks = True


# -- the same quoter as a numba hook (`hft_core.compiled`): the "compiled strategy path" ----------------------
# (the hook is `matrix_hook.decide`, in a module of its own: importable by name, so the engine caches its driver)


def hook_quoter(mode: str, interval_s: float, tracks_acks: bool) -> Strategy:
    """`MatrixQuoter`'s rules (``mode`` quote, depth or trigger) as a `hft_core.compiled.CompiledStrategy`."""
    from hft_core.compiled import CompiledStrategy

    class HookQuoter(CompiledStrategy):
        def on_start(self, ctx: Context) -> None:
            if mode == "trigger":
                from hft_core.strategy import Trigger

                ctx.set_trigger(Trigger(mid_ticks=1))
            else:
                ctx.set_timer(interval_s)

    state = np.zeros(_rules.H_CANCELLING + _rules.CANCEL_SLOTS)
    state[_rules.H_TRACKS_ACKS] = 1.0 if tracks_acks else 0.0
    state[_rules.H_DEPTH] = 1.0 if mode == "depth" else 0.0
    return HookQuoter(_rules.decide, state)


def run_ours(
    events: Events,
    mode: str,
    interval_s: float,
    *,
    ack_rule: bool = True,
    hftbacktest_queue: bool = True,
    trace: list[tuple[int, int, int]] | None = None,
) -> dict[str, Any]:
    """One run of ours; ``ack_rule`` and ``hftbacktest_queue`` False give the matrix as it was before they
    matched hftbacktest (the ``trace`` mode's comparison); ``trace`` collects `MatrixQuoter.trace`."""
    from hft_core.engine import Engine

    base = mode.removesuffix(HOOK)
    tracks = ack_rule and base == "trigger"
    strategy: Any
    if mode.endswith(HOOK):
        strategy = hook_quoter(base, interval_s, tracks)
    else:
        strategy = AckedMatrixQuoter(mode, interval_s) if tracks else MatrixQuoter(mode, interval_s)
        strategy.trace = trace
    venue = _venue(events, hftbacktest_queue=hftbacktest_queue)
    started = time.perf_counter()
    result = Engine(strategy, venue, sample_interval_s=1.0).run()
    seconds = time.perf_counter() - started
    decisions = int(strategy.state[_rules.H_DECISIONS]) if mode.endswith(HOOK) else strategy.decisions
    return {
        "seconds": seconds,
        "decisions": decisions,
        "fills": int(result.stats["fills"]),
        "orders": int(result.stats["orders"]),
    }


_HBT: dict[str, Any] = {}


def _hbt_functions() -> dict[str, Any]:
    """hftbacktest's side: the same market maker in numba (compiled once per process, outside the timed runs)."""
    if _HBT:
        return _HBT
    from hftbacktest import BUY, GTX, LIMIT, NEW, SELL
    from numba import njit

    @njit
    def quote(hbt, low, high, limit, order_lots, next_id):  # type: ignore[no-untyped-def]
        lot = hbt.depth(0).lot_size
        tick = hbt.depth(0).tick_size
        position = np.int64(np.round(hbt.position(0) / lot))
        skew = np.int64(np.floor(2.0 * position / limit))
        want_bid = np.int64(np.floor(low)) - 2 - skew
        want_ask = np.int64(np.ceil(high)) + 2 - skew
        have_bid = False
        have_ask = False
        values = hbt.orders(0).values()
        while values.has_next():
            order = values.get()
            if order.status != NEW or not order.cancellable:
                continue
            if order.side == BUY and order.price_tick == want_bid and position < limit:
                have_bid = True
            elif order.side == SELL and order.price_tick == want_ask and position > -limit:
                have_ask = True
            else:
                hbt.cancel(0, order.order_id, False)
        submitted = 0
        if not have_bid and position < limit:
            hbt.submit_buy_order(0, next_id, want_bid * tick, order_lots * lot, GTX, LIMIT, False)
            next_id += 1
            submitted += 1
        if not have_ask and position > -limit:
            hbt.submit_sell_order(0, next_id, want_ask * tick, order_lots * lot, GTX, LIMIT, False)
            next_id += 1
            submitted += 1
        return next_id, submitted

    @njit
    def fair_price(depth, levels):  # type: ignore[no-untyped-def]
        lot = depth.lot_size
        total = 0.0
        size = 0.0
        found = 0
        tick = depth.best_bid_tick
        while found < levels and tick > depth.best_bid_tick - 100_000:
            q = np.round(depth.bid_qty_at_tick(tick) / lot)
            if q > 0:
                total += tick * q
                size += q
                found += 1
            tick -= 1
        found = 0
        tick = depth.best_ask_tick
        while found < levels and tick < depth.best_ask_tick + 100_000:
            q = np.round(depth.ask_qty_at_tick(tick) / lot)
            if q > 0:
                total += tick * q
                size += q
                found += 1
            tick += 1
        return total / size

    @njit
    def on_timer(hbt, interval, depth_read, limit, order_lots, levels, trace, start):  # type: ignore[no-untyped-def]
        next_id = 1
        orders = 0
        decisions = 0
        if hbt.elapse(0) != 0:  # (its clock is unset, i64::MAX, until the first elapse puts it at the data's start)
            return decisions, orders
        if hbt.current_timestamp < start and hbt.elapse(start - hbt.current_timestamp) != 0:
            return decisions, orders
        while hbt.elapse(interval) == 0:
            hbt.clear_inactive_orders(0)
            depth = hbt.depth(0)
            best_bid = depth.best_bid_tick
            best_ask = depth.best_ask_tick
            if best_bid <= -(2**62) or best_ask >= 2**62 or best_bid == 0:
                continue
            if decisions < trace.shape[0]:  # (as in `on_mid_move`)
                trace[decisions, 0] = hbt.current_timestamp
                trace[decisions, 1] = best_bid + best_ask
                trace[decisions, 2] = np.int64(np.round(hbt.position(0) / depth.lot_size))
            decisions += 1
            if depth_read:
                fair = fair_price(depth, levels)
                next_id, sent = quote(hbt, fair, fair, limit, order_lots, next_id)
            else:
                mid = (best_bid + best_ask) / 2.0
                next_id, sent = quote(hbt, mid, mid, limit, order_lots, next_id)
            orders += sent
        return decisions, orders

    @njit
    def on_mid_move(hbt, limit, order_lots, trace):  # type: ignore[no-untyped-def]
        next_id = 1
        orders = 0
        decisions = 0
        ref = np.int64(0)
        while True:
            status = hbt.wait_next_feed(False, 10_000_000_000)
            if status == 1:
                break
            if status != 2 and status != 0:
                break
            depth = hbt.depth(0)
            best_bid = depth.best_bid_tick
            best_ask = depth.best_ask_tick
            if best_bid <= -(2**62) or best_ask >= 2**62 or best_bid == 0:
                continue
            mid2 = best_bid + best_ask
            if ref == 0:
                ref = mid2
                continue
            if abs(mid2 - ref) < 2:
                continue
            ref = mid2
            if decisions < trace.shape[0]:  # (the ``trace`` mode's record; an empty array otherwise)
                trace[decisions, 0] = hbt.current_timestamp
                trace[decisions, 1] = mid2
                trace[decisions, 2] = np.int64(np.round(hbt.position(0) / depth.lot_size))
            hbt.clear_inactive_orders(0)
            decisions += 1
            next_id, sent = quote(hbt, mid2 / 2.0, mid2 / 2.0, limit, order_lots, next_id)
            orders += sent
        return decisions, orders

    _HBT.update(on_timer=on_timer, on_mid_move=on_mid_move)
    return _HBT


def run_hftbacktest(
    data: Any, mode: str, interval_ns: int, price_range: tuple[float, float], trace: Any = None
) -> dict[str, Any]:
    """One run of hftbacktest's side; ``trace``: an int64 array of (time, bid + ask in ticks, position in lots) rows
    to fill, one per decision.

    Its timer starts where ours does, at the first event's local time (hftbacktest's clock starts at the first
    exchange time, half a millisecond earlier on this workload: each decision would come 0.5 ms before ours)."""
    from hftbacktest import BacktestAsset, ROIVectorMarketDepthBacktest

    asset = (
        BacktestAsset()
        .data([data])
        .linear_asset(1.0)
        .constant_order_latency(ORDER_LATENCY_NS, ORDER_LATENCY_NS)
        .power_prob_queue_model(2.0)
        .no_partial_fill_exchange()
        .trading_value_fee_model(0.0, 0.0)
        .tick_size(TICK)
        .lot_size(LOT)
        .roi_lb(price_range[0])
        .roi_ub(price_range[1])
    )
    hbt = ROIVectorMarketDepthBacktest([asset])
    functions = _hbt_functions()
    started = time.perf_counter()
    rows = np.zeros((0, 3), dtype=np.int64) if trace is None else trace
    if mode == "trigger":
        decisions, orders = functions["on_mid_move"](hbt, LIMIT_LOTS, ORDER_LOTS, rows)
    else:
        start = int(data["local_ts"][0])
        decisions, orders = functions["on_timer"](
            hbt, interval_ns, mode == "depth", LIMIT_LOTS, ORDER_LOTS, DEPTH_LEVELS, rows, start
        )
    seconds = time.perf_counter() - started
    fills = int(hbt.state_values(0).num_trades)
    hbt.close()
    return {"seconds": seconds, "decisions": int(decisions), "fills": fills, "orders": int(orders)}


def _price_range(path: Path) -> tuple[float, float]:
    """hftbacktest's ROI: half to one and a half times the workload's opening price."""
    low = float(np.load(path, mmap_mode="r")["price"][:200].min()) * TICK
    return round(low * 0.5, 2), round(low * 1.5, 2)


def trace(args: argparse.Namespace) -> None:
    """One strategy (``--strategy``, default ``trigger``) on both sides, decision by decision: where they first
    differ."""
    path = workload(args.events, args.rate, args.seed, hftbacktest=True)
    events = np.load(path)
    ack_rule, hbt_queue = not args.no_ack_rule, args.queue == "hftbacktest"
    mode = args.strategy or "trigger"
    if mode.endswith(HOOK):
        raise SystemExit("trace follows the Python quoter decision by decision; the hook rows' totals are the matrix's")
    interval_s = args.events_per_decision / args.rate
    ours_rows: list[tuple[int, int, int]] = []
    ours = run_ours(events, mode, interval_s, ack_rule=ack_rule, hftbacktest_queue=hbt_queue, trace=ours_rows)
    with np.load(path.parent / "hftbacktest.npz") as archive:
        data = archive["data"][: args.events].copy()
    theirs_rows = np.zeros((args.events, 3), dtype=np.int64)
    theirs = run_hftbacktest(data, mode, round(interval_s * 1e9), _price_range(path), trace=theirs_rows)
    a = np.array(ours_rows, dtype=np.int64).reshape(-1, 3)
    b = theirs_rows[: theirs["decisions"]]
    every = "" if mode == "trigger" else f" every {args.events_per_decision} events"
    print(f"{args.events:,} events, {mode}{every}; ours with the acknowledgement rule {'on' if ack_rule else 'off'}"
          f" and the {args.queue} queue arithmetic")  # fmt: skip
    for name, run in (("ours", ours), ("hftbacktest", theirs)):
        print(f"  {name}: {run['decisions']:,} decisions, {run['orders']:,} orders, {run['fills']:,} fills")
    n = min(len(a), len(b))
    differ = np.nonzero((a[:n] != b[:n]).any(axis=1))[0]
    if not len(differ) and len(a) == len(b):
        print("  (time, mid, position) equal at every decision")
        return
    first = int(differ[0]) if len(differ) else n
    print(f"  first difference at decision {first:,}: (local time ns, bid + ask ticks, position lots)")
    for i in range(max(0, first - 2), min(n, first + 3)):
        print(f"    {i:>7,}  ours {tuple(int(x) for x in a[i])}  hftbacktest {tuple(int(x) for x in b[i])}")


def _peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def matrix_worker(args: argparse.Namespace) -> dict[str, Any]:
    """One cell's run for one tool, in a process of its own: a warm-up on the first 50k events, then the run."""
    path = workload(args.events, args.rate, args.seed, hftbacktest=args.tool == "hftbacktest")
    interval_s = args.events_per_decision / args.rate
    warm = min(50_000, args.events)
    if args.tool == "ours":
        events = np.load(path)
        started = time.perf_counter()
        run_ours(events[:warm], args.strategy, interval_s)
        warm_up = time.perf_counter() - started
        result = run_ours(events, args.strategy, interval_s)
        result["warm_up_seconds"] = warm_up
    else:
        price_range = _price_range(path)
        with np.load(path.parent / "hftbacktest.npz") as archive:
            data = archive["data"]
        run_hftbacktest(data[: warm * 2].copy(), args.strategy, round(interval_s * 1e9), price_range)
        result = run_hftbacktest(data, args.strategy, round(interval_s * 1e9), price_range)
    result["peak_rss_mib"] = _peak_rss_mib()
    return result


def matrix(args: argparse.Namespace) -> None:
    have_hbt = True
    try:
        import hftbacktest  # noqa: F401
    except ImportError:
        have_hbt = False
        print("hftbacktest is not installed: our side only (uv pip install --no-deps hftbacktest==2.4.4)")
    workload(args.events, args.rate, args.seed, hftbacktest=have_hbt)
    chosen = args.strategies.split(",")
    if unknown := set(chosen) - set(STRATEGIES):
        raise SystemExit(f"--strategies: unknown {', '.join(sorted(unknown))} (choose from {', '.join(STRATEGIES)})")
    cells = [(s, e) for s in chosen if s.removesuffix(HOOK) != "trigger" for e in EVENTS_PER_DECISION]
    cells += [(s, 0) for s in chosen if s.removesuffix(HOOK) == "trigger"]
    # one hftbacktest run per rule set and decision rate, shared by our Python and hook rows of it
    groups: dict[tuple[str, int], list[str]] = {}
    for strategy, epd in cells:
        groups.setdefault((strategy.removesuffix(HOOK), epd), []).append(strategy)
    runs: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
    for repeat in range(args.runs):
        for (base, epd), ours in groups.items():
            jobs = [("ours", s) for s in ours] + ([("hftbacktest", base)] if have_hbt else [])
            for tool, strategy in jobs if repeat % 2 == 0 else jobs[::-1]:  # alternated, process by process
                command = [
                    sys.executable, __file__, "worker", "--tool", tool, "--strategy", strategy,
                    "--events-per-decision", str(epd or 1), "--events", str(args.events), "--rate", str(args.rate),
                    "--seed", str(args.seed),
                ]  # fmt: skip
                done = subprocess.run(command, capture_output=True, text=True, check=False)
                if done.returncode != 0:
                    raise SystemExit(f"{tool} {strategy} {epd} failed:\n{done.stderr[-3000:]}")
                runs.setdefault((strategy, tool, epd), []).append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"{args.events:,} events at {args.rate:,.0f}/s of market time, in memory; {args.runs} run(s) per cell, "
          "events/s in millions: median (min-max); peak RSS of the process (MiB)")  # fmt: skip
    print("| strategy | events/decision | ours | hftbacktest 2.4.4 | ratio | ours RSS | hbt RSS "
          "| decisions ours/hbt | orders ours/hbt | fills ours/hbt |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    table: list[dict[str, Any]] = []
    for strategy, epd in cells:
        row: dict[str, Any] = {"strategy": strategy}
        cols = []
        rates = {}
        for tool in ("ours", "hftbacktest"):
            found = runs.get((strategy if tool == "ours" else strategy.removesuffix(HOOK), tool, epd))
            if not found:
                cols.append("-")
                continue
            r = [args.events / x["seconds"] / 1e6 for x in found]
            rates[tool] = statistics.median(r)
            cols.append(f"{statistics.median(r):.2f} ({min(r):.2f}-{max(r):.2f})")
            row[tool] = {"rates_m": r, "runs": found}
        ours_runs = runs[(strategy, "ours", epd)]
        theirs = runs.get((strategy.removesuffix(HOOK), "hftbacktest", epd), [{}])
        shown_epd = epd or f"~{args.events / max(ours_runs[0]['decisions'], 1):.0f} (every >=1-tick mid move)"
        ratio = f"**{rates['ours'] / rates['hftbacktest']:.2f}x**" if "hftbacktest" in rates else "-"
        rss = [f"{statistics.median(x['peak_rss_mib'] for x in rs):.0f}" if rs and rs[0] else "-"
               for rs in (ours_runs, theirs)]  # fmt: skip
        print(f"| {strategy} | {shown_epd} | {cols[0]} | {cols[1]} | {ratio} | {rss[0]} | {rss[1]} | "
              f"{ours_runs[0]['decisions']:,}/{theirs[0].get('decisions', 0):,} | "
              f"{ours_runs[0]['orders']:,}/{theirs[0].get('orders', 0):,} | "
              f"{ours_runs[0]['fills']:,}/{theirs[0].get('fills', 0):,} |")  # fmt: skip
        row["events_per_decision"] = epd
        table.append(row)
    hooks = [x["warm_up_seconds"] for (s, tool, _), rs in runs.items() if s.endswith(HOOK) for x in rs]
    if hooks:
        print(f"(a hook row's process compiles its hook and the driver in the warm-up, or loads them from the hook "
              f"cache: {min(hooks):.1f}-{max(hooks):.1f} s for the warm-up, 50k events, compile included)")  # fmt: skip
    if args.json:
        print(json.dumps(table))


# =============================================================================================================
# rss: peak memory of a streamed replay against its length
# =============================================================================================================
def rss_worker(args: argparse.Namespace) -> dict[str, Any]:
    """Peak RSS of one replay of the whole workload through the engine, from a memory map or a chunk stream."""
    from hft_core.engine import Engine
    from hft_core.venues.replay import ConstantLatency, PowerProbQueue, ReplayVenue

    path = workload(args.events, args.rate, args.seed)
    data: Any = np.load(path, mmap_mode="r") if args.source == "mmap" else _peer.read_chunks(path, 1 << 16)
    venue = ReplayVenue(
        data,
        [INSTRUMENT],
        latency=ConstantLatency(ORDER_LATENCY_NS, ORDER_LATENCY_NS),
        queue_model=PowerProbQueue(2.0),
        partial_fills=False,
        total_events=args.events,
    )
    started = time.perf_counter()
    fills = 0
    if args.venue_only:  # the data path alone: no orders, no records
        from hft_core.venues.base import Watch

        now = venue.start()
        watch = Watch(reports=False, acks=False)
        while not venue.advance(now + 10**9, watch).finished:
            now = venue.now
    else:
        fills = int(Engine(MatrixQuoter("quote", 0.1), venue, sample_interval_s=1.0).run().stats["fills"])
    return {
        "seconds": time.perf_counter() - started,
        "events": venue.events_processed,
        "fills": fills,
        "peak_rss_mib": _peak_rss_mib(),
    }


def rss(args: argparse.Namespace) -> None:
    sizes = [int(n) for n in args.sizes.split(",")]
    print("peak RSS of one replay (the whole process: Python, numpy, numba, pandas, the kernel), through the engine"
          " quoting every 100 ms, or the venue alone advancing a second at a time:")  # fmt: skip
    for source, venue_only in (("mmap", True), ("stream", True), ("mmap", False), ("stream", False)):
        for events in sizes:
            workload(events, args.rate, args.seed)
            command = [
                sys.executable, __file__, "rss-worker", "--source", source, "--events", str(events),
                "--rate", str(args.rate), "--seed", str(args.seed), *(["--venue-only"] if venue_only else []),
            ]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"rss worker failed:\n{done.stderr[-3000:]}")
            found = json.loads(done.stdout.strip().splitlines()[-1])
            what = "venue alone" if venue_only else "engine"
            print(f"  {source:6s} {what:11s} {events:>12,} events: {found['peak_rss_mib']:7.0f} MiB "
                  f"({found['seconds']:.1f} s, {found['fills']:,} fills)")  # fmt: skip


# =============================================================================================================
# compile: the replay kernel's cold compile and its cache
# =============================================================================================================
def compile_worker(args: argparse.Namespace) -> dict[str, Any]:
    """The replay venue's first advance in this process (the kernel compiled, or loaded from numba's cache)."""
    import resource

    from hft_core.venues.base import Watch

    events = np.load(workload(args.events, args.rate, args.seed))[:20_000]
    cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    started = time.perf_counter()
    venue = _venue(events)
    venue.advance(venue.start() + 10**9, Watch())
    return {
        "wall_s": time.perf_counter() - started,
        "cpu_s": resource.getrusage(resource.RUSAGE_SELF).ru_utime - cpu,
    }


def compile_times(args: argparse.Namespace) -> None:
    import os

    workload(args.events, args.rate, args.seed)
    with tempfile.TemporaryDirectory() as cache:
        for what in ("cold (empty numba cache)", "from the cache"):
            command = [
                sys.executable,
                __file__,
                "compile-worker",
                "--events",
                str(args.events),
                "--seed",
                str(args.seed),
            ]
            done = subprocess.run(
                command, capture_output=True, text=True, check=False, env={**os.environ, "NUMBA_CACHE_DIR": cache}
            )
            if done.returncode != 0:
                raise SystemExit(f"compile worker failed:\n{done.stderr[-3000:]}")
            found = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"replay venue's first advance, {what}: {found['cpu_s']:.1f} s CPU ({found['wall_s']:.1f} s wall)")


# =============================================================================================================
# hook-compile: a hook process's warm-up, compiling the driver with the hook or loading it from the hook cache
# =============================================================================================================
def hook_compile_worker(args: argparse.Namespace) -> dict[str, Any]:
    """A ``quote-hook`` process's warm-up: its first run (20k events), the driver and the hook compiled, or loaded
    from the hook cache (`hft_core.venues.replay._hookcache`); the replay kernel comes from numba's cache."""
    import resource

    from hft_core.venues.replay import _hookcache

    events = np.load(workload(args.events, args.rate, args.seed))[:20_000]
    cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    started = time.perf_counter()
    run_ours(events, "quote-hook", 20 / args.rate)
    wall = time.perf_counter() - started
    entry, why = _hookcache.entry_for(_rules.decide)
    return {
        "wall_s": wall,
        "cpu_s": resource.getrusage(resource.RUSAGE_SELF).ru_utime - cpu,
        "cache_hits": sum(entry.stats.cache_hits.values()) if entry is not None else 0,
        "not_cached": why,
    }


def hook_compile_times(args: argparse.Namespace) -> None:
    """Per process, alternated: the driver compiled in the process (``HFT_HOOK_CACHE=0``, as before the cache), into
    an empty hook cache (compiled and saved), and from a filled one."""
    import os

    workload(args.events, args.rate, args.seed)
    runs = args.runs or 3
    kinds = ("in the process (HFT_HOOK_CACHE=0)", "cold (empty hook cache)", "from the hook cache")
    found: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
    with tempfile.TemporaryDirectory() as root:
        filled = str(Path(root) / "filled")

        def worker(env: dict[str, str]) -> dict[str, Any]:
            command = [sys.executable, __file__, "hook-compile-worker", "--events", str(args.events),
                       "--rate", str(args.rate), "--seed", str(args.seed)]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True, check=False, env={**os.environ, **env})
            if done.returncode != 0:
                raise SystemExit(f"hook compile worker failed:\n{done.stderr[-3000:]}")
            result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
            return result

        worker({"HFT_HOOK_CACHE_DIR": filled})  # (fills the cache; the replay kernel's cache too, if it was cold)
        for repeat in range(runs):
            for kind in kinds if repeat % 2 == 0 else kinds[::-1]:
                env = {
                    kinds[0]: {"HFT_HOOK_CACHE": "0"},
                    kinds[1]: {"HFT_HOOK_CACHE_DIR": str(Path(root) / f"cold-{repeat}")},
                    kinds[2]: {"HFT_HOOK_CACHE_DIR": filled},
                }[kind]
                found[kind].append(worker(env))
    print(f"a quote-hook process's first run (20k events, compile included), {runs} processes each, alternated: "
          "median (min-max)")  # fmt: skip
    for kind, results in found.items():
        wall = [r["wall_s"] for r in results]
        cpu = [r["cpu_s"] for r in results]
        hits = sorted({r["cache_hits"] for r in results})
        print(f"  {kind:36s} {statistics.median(wall):5.1f} s wall ({min(wall):.1f}-{max(wall):.1f}), "
              f"{statistics.median(cpu):5.1f} s CPU ({min(cpu):.1f}-{max(cpu):.1f}); cache hits {hits}")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "what",
        choices=[
            "fixed-cost",
            "order-parts",
            "matrix",
            "trace",
            "rss",
            "compile",
            "hook-compile",
            "worker",
            "rss-worker",
            "compile-worker",
            "hook-compile-worker",
        ],
    )
    parser.add_argument("--no-ack-rule", action="store_true", help="trace: ours cancels unacknowledged orders")
    parser.add_argument("--queue", choices=["hftbacktest", "clamped"], default="hftbacktest", help="trace: ours")
    parser.add_argument("--source", choices=["mmap", "stream"], help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default="1000000,30000000", help="rss: workload sizes, comma-separated")
    parser.add_argument("--venue-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tool", choices=["ours", "hftbacktest"], help=argparse.SUPPRESS)
    parser.add_argument("--strategy", choices=STRATEGIES, help=argparse.SUPPRESS)
    parser.add_argument("--strategies", default=",".join(STRATEGIES), help="matrix: the rows, comma-separated")
    parser.add_argument("--events", type=int, default=None, help="market events (fixed-cost 2M, matrix 5M)")
    parser.add_argument("--rate", type=float, default=5_000.0, help="events per second of market time")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=None, help="timed runs (fixed-cost 5, matrix 3)")
    parser.add_argument("--events-per-decision", type=int, default=20, help="fixed-cost: the decision interval")
    parser.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="fixed-cost: time the runs by the wall clock or by this process's CPU time (less sensitive to load)",
    )
    parser.add_argument("--quick", action="store_true", help="a small workload, one run per cell")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = parser.parse_args(argv)
    if args.what == "fixed-cost":
        args.events = args.events or (300_000 if args.quick else 2_000_000)
        args.runs = args.runs or (1 if args.quick else 5)
        fixed_cost(args)
    elif args.what == "order-parts":
        args.events = args.events or 1_000_000
        args.runs = args.runs or 5
        order_parts(args)
    elif args.what == "matrix":
        args.events = args.events or (400_000 if args.quick else 3_000_000)
        args.runs = args.runs or (1 if args.quick else 3)
        matrix(args)
    elif args.what == "trace":
        args.events = args.events or 1_000_000
        trace(args)
    elif args.what == "rss":
        rss(args)
    elif args.what == "rss-worker":
        print(json.dumps(rss_worker(args)))
    elif args.what == "compile":
        args.events = args.events or 400_000
        compile_times(args)
    elif args.what == "compile-worker":
        print(json.dumps(compile_worker(args)))
    elif args.what == "hook-compile":
        args.events = args.events or 400_000
        hook_compile_times(args)
    elif args.what == "hook-compile-worker":
        print(json.dumps(hook_compile_worker(args)))
    else:
        print(json.dumps(matrix_worker(args)))


if __name__ == "__main__":
    main()
