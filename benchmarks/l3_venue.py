"""L3 (order-by-order) data through the replay venue: the LOBSTER AMZN day as a replay market (#16).

Usage: python benchmarks/l3_venue.py [--copies N] [--runs N] [--interval-s S] [--speed X] [--data-dir DIR]

The day (57,515 LOBSTER messages; with the seed and reveal snapshots from its orderbook file, 85,424 events) is
loaded once and repeated ``--copies`` times, each copy placed after the previous one in time (a replay applies
rows at the running maximum of their timestamps, so copies laid over one another would all happen at one instant),
with its order ids moved past the previous copy's (the venue's CLEAR empties levels but keeps its map of orders, so
an id the previous copy left resting would come back as a duplicate add).
``--speed X`` divides market time by X (the rows keep their order; 1: as recorded). Three things are timed, in
alternation, ``--runs`` times each, in one process:

- ``book kernel``: `hft_core.book.L3Replay` over the same rows (chunks of 65,536, as ``l3_replay.py``), no venue;
- ``venue alone``: a `ReplayVenue` (queue model ``l3-fifo``) advanced to the end with no orders and nothing
  watched: the venue's data path;
- ``engine``: an `hft_core.engine.Engine` over such a venue, running a plain Python strategy that decides every
  ``--interval-s`` seconds of market time: it reads the top of book and keeps one post-only order a side at the
  best price, cancelling and replacing it when the best moves (or when it was filled), and hears its orders'
  reports (``on_order``, ``on_fill``). Latency 1 ms each way.

Rates are LOBSTER messages per second (the seed and reveal rows not counted, as ``l3_replay.py`` counts) and
events (rows) per second: medians and ranges (min-max) over the runs. Also printed: decisions, orders and fills
of one engine run, the first-call time (numba compile or cache load, excluded), and the peak RSS of the process.

On the recorded clock the day has 2.5 messages a second, so a decision every 100 ms is four decisions per message
and the engine's rate is the cost of Python decisions, not of the data; ``--speed`` packs the messages as densely
as a busy instrument's (at ``--speed 1000``, 2,458 messages a second of market time: about 246 per decision).

    python benchmarks/l3_venue.py                                      # 5 copies, recorded clock
    python benchmarks/l3_venue.py --speed 1000 --copies 20 --runs 5    # the rows 1000x denser in time
    python benchmarks/l3_venue.py --only venue --only book             # no engine
"""

from __future__ import annotations

import argparse
import importlib
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
_day: Any = importlib.import_module("l3_replay")  # the LOBSTER day's files, found as l3_replay.py finds them
SAMPLE, STEM, MESSAGES_PER_DAY, _find_sample = _day.SAMPLE, _day.STEM, _day.MESSAGES_PER_DAY, _day._find_sample

TICK = 0.005
LATENCY_NS = 1_000_000


def _stream(day: Any, copies: int, speed: float) -> Any:
    """``copies`` of the day one after the other in time (market time divided by ``speed``), each with its own ids."""
    import numpy as np

    start = int(day["exch_ts"][0])
    exch = ((day["exch_ts"] - start) / speed).astype(np.int64)
    local = ((day["local_ts"] - start) / speed).astype(np.int64)
    span = int(max(exch[-1], local[-1])) + 1_000_000  # the next copy starts 1 ms after this one ends
    stream = np.tile(day, copies)
    shift = np.repeat(np.arange(copies, dtype=np.int64) * span, len(day))
    stream["exch_ts"] = start + np.tile(exch, copies) + shift
    stream["local_ts"] = start + np.tile(local, copies) + shift
    # fresh order ids per copy: the venue's CLEAR empties the book's levels but keeps the order map, so a copy's add
    # of an id the previous copy left resting would be a duplicate
    id_span = int(day["order_id"].max()) + 1
    ids = stream["order_id"]
    stream["order_id"] = np.where(ids > 0, ids + np.repeat(np.arange(copies, dtype=np.int64) * id_span, len(day)), 0)
    return stream


def _summary(label: str, seconds: list[float], messages: int, rows: int) -> str:
    med = statistics.median(seconds)
    lo, hi = min(seconds), max(seconds)
    return (
        f"{label:<13}: {messages / med / 1e6:6.2f} M messages/s ({messages / hi / 1e6:.2f}-{messages / lo / 1e6:.2f}),"
        f" {rows / med / 1e6:6.2f} M events/s; {med:.3f} s median of {len(seconds)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=5, help="times the day is repeated (default 5: 288k msgs)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each kind (default 3)")
    parser.add_argument("--interval-s", type=float, default=0.1, help="the strategy's decision interval (0.1)")
    parser.add_argument("--speed", type=float, default=1.0, help="market time divided by this (default 1)")
    parser.add_argument("--only", choices=("book", "venue", "engine"), action="append", help="time only these")
    parser.add_argument("--data-dir", help=f"folder holding the {SAMPLE} files")
    parser.add_argument("--cold", action="store_true", help="compile from scratch (empty numba cache)")
    args = parser.parse_args()
    if args.copies < 1 or args.runs < 1 or args.interval_s <= 0 or args.speed <= 0:
        parser.error("--copies, --runs, --interval-s and --speed must be positive")
    if args.cold:
        os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="hft-numba-")

    import numpy as np
    from hft_core.book import L3Replay
    from hft_core.data.lobster import read_lobster_events
    from hft_core.engine import Engine
    from hft_core.instruments import Instrument
    from hft_core.strategy import Context, Fill, OrderUpdate, Strategy
    from hft_core.venues.base import Watch
    from hft_core.venues.replay import ConstantLatency, L3FifoQueue, ReplayVenue

    directory = _find_sample(args.data_dir)
    day = read_lobster_events(
        directory / f"{STEM}_message_1.csv",
        orderbook_path=directory / f"{STEM}_orderbook_1.csv",
        tick_size=TICK,
    )
    stream = _stream(day, args.copies, args.speed)
    messages = MESSAGES_PER_DAY * args.copies
    instrument = Instrument("AMZN", tick_size=TICK, lot_size=1.0, venue="nasdaq")

    class Quote(Strategy):
        """One post-only order a side at the best price, replaced when the best moves or the order is done."""

        def __init__(self, interval_s: float) -> None:
            self.interval_s = interval_s
            self.decisions = 0
            self.orders = 0
            self.fills = 0
            self.bid_id = 0
            self.ask_id = 0
            self.bid_px = 0.0
            self.ask_px = 0.0

        def on_start(self, ctx: Context) -> None:
            ctx.set_timer(self.interval_s)

        def _done(self, order_id: int) -> None:
            if order_id == self.bid_id:
                self.bid_id = 0
            elif order_id == self.ask_id:
                self.ask_id = 0

        def on_order(self, ctx: Context, update: OrderUpdate) -> None:
            if update.status in ("cancelled", "rejected", "expired"):
                self._done(update.order_id)

        def on_fill(self, ctx: Context, fill: Fill) -> None:
            self.fills += 1
            if ctx.order_status(fill.order_id) == "filled":
                self._done(fill.order_id)

        def on_timer(self, ctx: Context) -> None:
            self.decisions += 1
            book = ctx.book()
            bid = book.best_bid
            ask = book.best_ask
            if bid is not None and (self.bid_id == 0 or bid != self.bid_px):
                if self.bid_id:
                    ctx.cancel(self.bid_id)
                self.bid_id = ctx.buy(100, bid, tif="post-only")
                self.bid_px = bid
                self.orders += 1
            if ask is not None and (self.ask_id == 0 or ask != self.ask_px):
                if self.ask_id:
                    ctx.cancel(self.ask_id)
                self.ask_id = ctx.sell(100, ask, tif="post-only")
                self.ask_px = ask
                self.orders += 1

    def venue() -> ReplayVenue:
        return ReplayVenue(
            stream,
            [instrument],
            latency=ConstantLatency(LATENCY_NS, LATENCY_NS),
            queue_model=L3FifoQueue(),
        )

    def book_once() -> float:
        replay = L3Replay(unknown_orders="residual")
        begin = time.perf_counter()
        for offset in range(0, len(stream), 65_536):
            replay.run(stream[offset : offset + 65_536])
        return time.perf_counter() - begin

    def venue_once() -> float:
        v = venue()
        begin = time.perf_counter()
        v.start()
        result = v.advance(2**62, Watch())
        seconds = time.perf_counter() - begin
        if not result.finished or v.events_processed != len(stream):
            sys.exit(f"the venue stopped early: {v.events_processed:,} of {len(stream):,} events")
        return seconds

    last: dict[str, Quote] = {}

    def engine_once() -> float:
        strategy = Quote(args.interval_s)
        v = venue()
        begin = time.perf_counter()
        Engine(strategy, v, sample_interval_s=3600.0).run()
        seconds = time.perf_counter() - begin
        if v.events_processed != len(stream):
            sys.exit(f"the engine stopped early: {v.events_processed:,} of {len(stream):,} events")
        last["strategy"] = strategy
        return seconds

    kinds: dict[str, Callable[[], float]] = {"book kernel": book_once, "venue alone": venue_once, "engine": engine_once}
    chosen = {"book": "book kernel", "venue": "venue alone", "engine": "engine"}
    names = [chosen[o] for o in args.only] if args.only else list(kinds)

    begin = time.perf_counter()
    small = ReplayVenue(stream[:1000], [instrument], queue_model=L3FifoQueue())
    small.start()
    small.advance(2**62, Watch())
    L3Replay(unknown_orders="residual").run(stream[:1000])
    first_call = time.perf_counter() - begin
    for name in names:  # warm-up: first touch of the pages, the engine's own first calls
        kinds[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(args.runs):
        for name in names:  # alternated
            times[name].append(kinds[name]())

    market_s = (int(stream["local_ts"][-1]) - int(stream["local_ts"][0])) / 1e9
    print(
        f"data          : {messages:,} LOBSTER messages = {args.copies} x AMZN 2012-06-21 ({len(stream):,} events),"
        f" {market_s:,.0f} s of market time (speed {args.speed:g})"
    )
    print(f"first call    : {first_call:.2f} s (numba compile or cache load; excluded below)")
    for name in names:
        print(_summary(name, times[name], messages, len(stream)))
    if "strategy" in last:
        s = last["strategy"]
        per = messages / max(s.decisions, 1)
        print(
            f"engine run    : {s.decisions:,} decisions every {args.interval_s:g} s ({per:.2f} messages per decision),"
            f" {s.orders:,} orders, {s.fills:,} fills"
        )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory   : {peak_mib:.0f} MiB (max RSS of this process)")
    del np


if __name__ == "__main__":
    main()
