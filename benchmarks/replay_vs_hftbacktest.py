"""Replay venue vs hftbacktest 2.4.4: the same passive market maker on the same seeded synthetic L2 workload.

Workload (one instrument, tick 0.01, lot 0.001): a book of about 20 levels a side whose best prices random-walk,
``--events`` market events (default 10 million) at ``--rate`` events per second of market time (default 5,000:
a busy crypto perpetual's diff-depth plus trade streams), of which about 8% are trades at the best price (each
followed by the depth update it causes), and a feed latency of 0.5–0.6 ms. It is written once to ``--workdir``
(outside the repository by default) in our format (raw ``.npy``, streamed back in chunks) and in hftbacktest's
(``.npz``, through `hft_core.data.hftbacktest_npz.to_hftbacktest`).

Strategy (both sides): every 100 ms of market time, quote one bid and one ask of ``--order-lots`` lots two ticks
either side of the mid, shifted against the inventory (floor(2 × position / limit) ticks, the limit being
``--max-orders`` orders), post-only, and stop adding to a side at the limit; an order whose price is stale is
cancelled and a new one sent. Order latency 1 ms each way, power-probability queue model (n = 2), no partial fills.

- ours: a plain Python `hft_core.Strategy` run by the engine (`hft_core.engine.Engine`) on `ReplayVenue`;
  also the venue alone under a minimal loop (``venue-only``), to show the engine's share;
- hftbacktest: a numba strategy on ``ROIVectorMarketDepthBacktest`` (its fastest depth).

Both are timed twice over (``--source``):

- ``memory``: each side's data is read into memory before the clock starts (ours: one event array the venue walks
  in chunks; hftbacktest: its event array handed to ``BacktestAsset.data``). This is hftbacktest's best case and
  the setting of the ≈9.7 M events/s the project brief quotes for it, so it is the headline ratio.
- ``disk``: the data is read during the run (ours streams the ``.npy`` in chunks; hftbacktest opens its ``.npz``,
  which it reads whole on its first step).

Each side runs in its own subprocess: a warm-up on the first 100k events (numba compilation or cache loading,
reported apart), then ``--runs`` timed runs; the median events/s is reported, with the ratio. A separate
subprocess measures our peak RSS for one full replay streamed from disk. Run:

    python benchmarks/replay_vs_hftbacktest.py              # 10M events, 3 runs each
    python benchmarks/replay_vs_hftbacktest.py --events 2000000 --runs 1

hftbacktest is an optional, benchmark-only dependency (``uv pip install hftbacktest==2.4.4``); without it only our
side runs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from hft_core.events import EVENT_DTYPE, EventKind, Events
from hft_core.instruments import Instrument
from numba import njit

TICK = 0.01
LOT = 0.001
START_PRICE_TICKS = 1_000_000
LEVELS = 20
TRADE_SHARE = 0.08
WARMUP_EVENTS = 100_000
QUOTE_INTERVAL_NS = 100_000_000
ORDER_LATENCY_NS = 1_000_000
INSTRUMENT = Instrument("SYN", tick_size=TICK, lot_size=LOT, venue="synthetic")


# =============================================================================================================
# Workload
# =============================================================================================================
@njit(cache=True)
def _seed(seed: int) -> None:
    np.random.seed(seed)


@njit(cache=True)
def _queue(state, pending, side, price, qty):  # type: ignore[no-untyped-def]
    n = state[4]
    pending[n, 0] = side
    pending[n, 1] = price
    pending[n, 2] = qty
    state[4] = n + 1


@njit(cache=True)
def _shift(state, pending, bids, asks, base, up):  # type: ignore[no-untyped-def]
    """The best level of one side is gone: the book moves a tick (the depth rows that say so are queued)."""
    best_bid = state[0]
    best_ask = best_bid + 1
    if up:
        asks[best_ask - base] = 0
        _queue(state, pending, -1, best_ask, 0)
        far = best_ask + LEVELS
        asks[far - base] = 1 + np.int64(np.random.exponential(20.0))
        _queue(state, pending, -1, far, asks[far - base])
        bids[best_ask - base] = 1 + np.int64(np.random.exponential(20.0))
        _queue(state, pending, 1, best_ask, bids[best_ask - base])
        gone = best_bid - LEVELS + 1
        bids[gone - base] = 0
        _queue(state, pending, 1, gone, 0)
        state[0] = best_bid + 1
    else:
        bids[best_bid - base] = 0
        _queue(state, pending, 1, best_bid, 0)
        far = best_bid - LEVELS
        bids[far - base] = 1 + np.int64(np.random.exponential(20.0))
        _queue(state, pending, 1, far, bids[far - base])
        asks[best_bid - base] = 1 + np.int64(np.random.exponential(20.0))
        _queue(state, pending, -1, best_bid, asks[best_bid - base])
        gone = best_ask + LEVELS - 1
        asks[gone - base] = 0
        _queue(state, pending, -1, gone, 0)
        state[0] = best_bid - 1


@njit(cache=True)
def _fill_chunk(out, bids, asks, state, pending, base, mean_gap_ns, trade_odds):  # type: ignore[no-untyped-def]
    """Continue the synthetic book for ``len(out)`` events.

    The book: best bid ``state[0]``, best ask one tick above, ``LEVELS`` non-empty levels a side. ``state[1]``
    and ``state[2]``: last exchange and local timestamps; ``state[3]``/``state[4]``: next and end of the queue of
    depth rows still owed (``pending``: side, price, qty).
    """
    n = out.shape[0]
    k = 0
    while k < n:
        exch = state[1] + np.int64(np.random.exponential(mean_gap_ns)) + 1
        local = exch + 500_000 + np.int64(np.random.randint(0, 100_000))
        if local < state[2]:
            local = state[2]
        state[1] = exch
        state[2] = local
        out[k]["exch_ts"] = exch
        out[k]["local_ts"] = local
        out[k]["kind"] = 1
        if state[3] < state[4]:
            j = state[3]
            out[k]["side"] = pending[j, 0]
            out[k]["price"] = pending[j, 1]
            out[k]["qty"] = pending[j, 2]
            state[3] = j + 1
            if state[3] == state[4]:
                state[3] = 0
                state[4] = 0
            k += 1
            continue
        u = np.random.random()
        best_bid = state[0]
        if u < trade_odds:
            buyer = np.random.random() < 0.5
            price = best_bid + 1 if buyer else best_bid
            levels = asks if buyer else bids
            traded = min(levels[price - base], 1 + np.int64(np.random.exponential(8.0)))
            levels[price - base] -= traded
            out[k]["kind"] = 2
            out[k]["side"] = 1 if buyer else -1
            out[k]["price"] = price
            out[k]["qty"] = traded
            if levels[price - base] > 0:
                _queue(state, pending, -1 if buyer else 1, price, levels[price - base])
            else:
                _shift(state, pending, bids, asks, base, buyer)
        elif u < trade_odds + 0.004:
            # the best level of one side is cancelled away
            _shift(state, pending, bids, asks, base, np.random.random() < 0.5)
            continue
        else:
            side = 1 if np.random.random() < 0.5 else -1
            depth = min(np.int64(np.random.exponential(4.0)), LEVELS - 1)
            price = best_bid - depth if side > 0 else best_bid + 1 + depth
            qty = 1 + np.int64(np.random.exponential(20.0))
            (bids if side > 0 else asks)[price - base] = qty
            out[k]["side"] = side
            out[k]["price"] = price
            out[k]["qty"] = qty
        k += 1


def generate(path: Path, n_events: int, rate: float, seed: int, chunk: int = 1 << 20) -> None:
    """Write ``n_events`` synthetic events to ``path`` (a ``.npy`` of EVENT_DTYPE), chunk by chunk."""
    span = 1 << 22
    base = START_PRICE_TICKS - span // 2
    bids = np.zeros(span, dtype=np.int64)
    asks = np.zeros(span, dtype=np.int64)
    _seed(seed)
    rng = np.random.default_rng(seed)
    best_bid = START_PRICE_TICKS
    opening: list[tuple[int, int, int, int, int, int, int, int]] = []
    t0 = 1_700_000_000_000_000_000
    for j in range(LEVELS):
        for side, price in ((1, best_bid - j), (-1, best_bid + 1 + j)):
            qty = int(1 + rng.exponential(20.0))
            (bids if side > 0 else asks)[price - base] = qty
            opening.append((t0, t0 + 500_000, price, qty, 0, 0, int(EventKind.DEPTH), side))
    state = np.array([best_bid, t0, t0 + 500_000, 0, 0], dtype=np.int64)
    pending = np.zeros((8, 3), dtype=np.int64)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=EVENT_DTYPE, shape=(n_events,))
    head = np.array(opening, dtype=EVENT_DTYPE)[: min(len(opening), n_events)]
    out[: len(head)] = head
    written = len(head)
    # a trade decision emits the trade and at least one depth row, so its odds per decision are set above 8%
    trade_odds = TRADE_SHARE / (1.0 - TRADE_SHARE) * 1.08
    while written < n_events:
        size = min(chunk, n_events - written)
        block = np.zeros(size, dtype=EVENT_DTYPE)
        _fill_chunk(block, bids, asks, state, pending, base, 1e9 / rate, trade_odds)
        out[written : written + size] = block
        written += size
    out.flush()
    del out


def read_chunks(path: Path, chunk: int, limit: int | None = None) -> Iterator[Events]:
    """Stream a ``.npy`` event file in chunks with plain reads (no memory map: RSS stays at one chunk).

    Every chunk is the same buffer, refilled: a consumer must copy what it keeps (`ReplayVenue` does).
    """
    with path.open("rb") as handle:
        major, _ = np.lib.format.read_magic(handle)
        read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(handle)
        if dtype != EVENT_DTYPE:
            raise ValueError(f"{path}: not an event file (dtype {dtype})")
        left = shape[0] if limit is None else min(shape[0], limit)
        buffer = np.empty(min(chunk, max(left, 1)), dtype=EVENT_DTYPE)
        view = memoryview(cast(Any, buffer)).cast("B")
        while left > 0:
            rows = min(len(buffer), left)
            got = handle.readinto(view[: rows * EVENT_DTYPE.itemsize]) // EVENT_DTYPE.itemsize
            if got == 0:
                break
            left -= got
            yield buffer[:got]


def write_hftbacktest_file(source: Path, target: Path, limit: int | None = None) -> None:
    from hft_core.data.hftbacktest_npz import to_hftbacktest

    events = np.load(source, mmap_mode="r")
    if limit is not None:
        events = events[:limit]
    np.savez(target, data=to_hftbacktest(np.ascontiguousarray(events), INSTRUMENT))


# =============================================================================================================
# The market maker, three ways
# =============================================================================================================
def quote_prices(best_bid: int, best_ask: int, position_lots: int, limit_lots: int) -> tuple[int, int]:
    """Bid and ask two ticks around the mid, shifted against the position by up to two ticks at the limit."""
    skew = math.floor(2 * position_lots / limit_lots)
    doubled = best_bid + best_ask
    return doubled // 2 - 2 - skew, (doubled + 1) // 2 + 2 - skew


EventSource = Path | Events
"""A workload for our side: the ``.npy`` path (streamed during the run) or the events already in memory."""


def open_source(source: EventSource, chunk: int, limit: int | None) -> Events | Iterator[Events]:
    if isinstance(source, Path):
        return read_chunks(source, chunk, limit)
    return source if limit is None else source[:limit]


def run_ours_engine(
    source: EventSource, n_events: int, chunk: int, order_lots: int, max_orders: int, limit: int | None
) -> dict[str, Any]:
    from hft_core.engine import Engine
    from hft_core.strategy import Context, Strategy
    from hft_core.venues.replay import ConstantLatency, PowerProbQueue, ReplayVenue

    class Quoter(Strategy):
        def __init__(self) -> None:
            self.quotes: dict[int, tuple[int, int]] = {}
            self.cancelling: set[int] = set()

        def on_start(self, ctx: Context) -> None:
            ctx.set_timer(QUOTE_INTERVAL_NS / 1e9)

        def on_timer(self, ctx: Context) -> None:
            book = ctx.book()
            bid, ask = book.best_bid, book.best_ask
            if bid is None or ask is None:
                return
            position = round(ctx.position() / LOT)
            want_bid, want_ask = quote_prices(round(bid / TICK), round(ask / TICK), position, max_orders * order_lots)
            open_ids = set(ctx.open_orders())
            self.quotes = {i: q for i, q in self.quotes.items() if i in open_ids}
            self.cancelling &= open_ids
            have_bid = have_ask = False
            for order_id, (side, price) in self.quotes.items():
                if order_id in self.cancelling:
                    continue
                if side > 0 and price == want_bid and position < max_orders * order_lots:
                    have_bid = True
                elif side < 0 and price == want_ask and position > -max_orders * order_lots:
                    have_ask = True
                else:
                    ctx.cancel(order_id)
                    self.cancelling.add(order_id)
            qty = order_lots * LOT
            if not have_bid and position < max_orders * order_lots:
                self.quotes[ctx.buy(qty, want_bid * TICK, tif="post-only")] = (1, want_bid)
            if not have_ask and position > -max_orders * order_lots:
                self.quotes[ctx.sell(qty, want_ask * TICK, tif="post-only")] = (-1, want_ask)

    venue = ReplayVenue(
        open_source(source, chunk, limit),
        [INSTRUMENT],
        latency=ConstantLatency(ORDER_LATENCY_NS, ORDER_LATENCY_NS),
        queue_model=PowerProbQueue(2.0),
        partial_fills=False,
        chunk_size=chunk,
        total_events=n_events,
    )
    started = time.perf_counter()
    result = Engine(Quoter(), venue, sample_interval_s=1.0).run()
    elapsed = time.perf_counter() - started
    return {
        "seconds": elapsed,
        "events": venue.events_processed,
        "fills": int(result.stats["fills"]),
        "orders": int(result.stats["orders"]),
        "position_lots": round(float(result.stats["final_position"][INSTRUMENT.symbol]) / LOT),
    }


def run_ours_venue_only(
    source: EventSource, n_events: int, chunk: int, order_lots: int, max_orders: int, limit: int | None
) -> dict[str, Any]:
    """The same quoting logic driving `ReplayVenue` directly: the venue's own cost, without the engine.

    It watches what the engine watches for such a strategy: reports come at the next decision, acknowledgements
    left out."""
    from hft_core.matching.orders import OrderStatus, OrderType
    from hft_core.venues.base import Watch
    from hft_core.venues.replay import ConstantLatency, PowerProbQueue, ReplayVenue

    venue = ReplayVenue(
        open_source(source, chunk, limit),
        [INSTRUMENT],
        latency=ConstantLatency(ORDER_LATENCY_NS, ORDER_LATENCY_NS),
        queue_model=PowerProbQueue(2.0),
        partial_fills=False,
        chunk_size=chunk,
        total_events=n_events,
    )
    started = time.perf_counter()
    now = venue.start()
    next_quote = now + QUOTE_INTERVAL_NS
    watch = Watch(reports=False, acks=False)  # what the engine asks for a strategy that only acts on its timer
    position = 0
    fills = orders = 0
    next_id = 1
    quotes: dict[int, tuple[int, int]] = {}
    cancelling: set[int] = set()
    done = (OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.EXPIRED)
    while True:
        advance = venue.advance(next_quote, watch)
        now = advance.now
        for report in advance.reports:
            if report.fill_qty:
                fills += 1
                position += report.fill_qty * report.side
            if report.status in done:
                quotes.pop(report.order_id, None)
                cancelling.discard(report.order_id)
        if advance.finished:
            break
        if now < next_quote:
            continue
        next_quote += QUOTE_INTERVAL_NS
        top = venue.top(0)
        if top.bid_price is None or top.ask_price is None:
            continue
        want_bid, want_ask = quote_prices(top.bid_price, top.ask_price, position, max_orders * order_lots)
        have_bid = have_ask = False
        for order_id, (side, price) in quotes.items():
            if order_id in cancelling:
                continue
            if side > 0 and price == want_bid and position < max_orders * order_lots:
                have_bid = True
            elif side < 0 and price == want_ask and position > -max_orders * order_lots:
                have_ask = True
            else:
                venue.cancel(now, 0, order_id)
                cancelling.add(order_id)
        if not have_bid and position < max_orders * order_lots:
            venue.submit(now, 0, next_id, 1, OrderType.POST_ONLY, want_bid, order_lots)
            quotes[next_id] = (1, want_bid)
            next_id += 1
            orders += 1
        if not have_ask and position > -max_orders * order_lots:
            venue.submit(now, 0, next_id, -1, OrderType.POST_ONLY, want_ask, order_lots)
            quotes[next_id] = (-1, want_ask)
            next_id += 1
            orders += 1
    elapsed = time.perf_counter() - started
    return {
        "seconds": elapsed,
        "events": venue.events_processed,
        "fills": fills,
        "orders": orders,
        "position_lots": position,
    }


def run_hftbacktest(
    data: Path | npt.NDArray[Any], order_lots: int, max_orders: int, price_range: tuple[float, float]
) -> dict[str, Any]:
    """hftbacktest on ``data``: its ``.npz`` (read on the first step, inside the timed run) or its event array."""
    from hftbacktest import BUY, GTX, LIMIT, NEW, SELL, BacktestAsset, ROIVectorMarketDepthBacktest

    @njit
    def quoter(hbt, order_lots, max_orders):  # type: ignore[no-untyped-def]
        tick = hbt.depth(0).tick_size
        lot = hbt.depth(0).lot_size
        next_id = 1
        submitted = 0
        limit = max_orders * order_lots
        while hbt.elapse(QUOTE_INTERVAL_NS) == 0:
            hbt.clear_inactive_orders(0)
            depth = hbt.depth(0)
            best_bid = depth.best_bid_tick
            best_ask = depth.best_ask_tick
            if best_bid <= -(2**62) or best_ask >= 2**62 or best_bid == 0:
                continue
            position = np.int64(np.round(hbt.position(0) / lot))
            skew = np.int64(np.floor(2.0 * position / limit))
            doubled = best_bid + best_ask
            want_bid = doubled // 2 - 2 - skew
            want_ask = (doubled + 1) // 2 + 2 - skew
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
            if not have_bid and position < limit:
                hbt.submit_buy_order(0, next_id, want_bid * tick, order_lots * lot, GTX, LIMIT, False)
                next_id += 1
                submitted += 1
            if not have_ask and position > -limit:
                hbt.submit_sell_order(0, next_id, want_ask * tick, order_lots * lot, GTX, LIMIT, False)
                next_id += 1
                submitted += 1
        return submitted

    def build() -> Any:
        asset = (
            BacktestAsset()
            .data([str(data) if isinstance(data, Path) else data])
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
        return ROIVectorMarketDepthBacktest([asset])

    built = time.perf_counter()
    hbt = build()
    loaded = time.perf_counter()
    orders = quoter(hbt, order_lots, max_orders)
    elapsed = time.perf_counter() - loaded
    fills = int(hbt.state_values(0).num_trades)
    position = round(hbt.position(0) / LOT)
    hbt.close()
    return {
        "seconds": elapsed,
        "load_seconds": loaded - built,
        "fills": fills,
        "orders": int(orders),
        "position_lots": position,
    }


# =============================================================================================================
# Workers and the report
# =============================================================================================================
def _peak_rss_mib() -> float:
    """This process's peak resident set (VmHWM: unlike ru_maxrss it is not inherited from the parent on Linux)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(args.workdir)
    ours = work / "events.npy"
    n_events = int(np.load(ours, mmap_mode="r").shape[0])
    in_memory = args.source == "memory"
    out: dict[str, Any] = {"side": args.worker, "source": args.source}
    if args.worker == "rss":
        result = run_ours_engine(ours, n_events, args.chunk, args.order_lots, args.max_orders, None)
        out.update(result, peak_rss_mib=_peak_rss_mib())
        return out
    if args.worker in ("ours", "venue-only"):
        runner = run_ours_engine if args.worker == "ours" else run_ours_venue_only
        source: EventSource = np.load(ours) if in_memory else ours
        started = time.perf_counter()
        runner(source, WARMUP_EVENTS, args.chunk, args.order_lots, args.max_orders, WARMUP_EVENTS)
        out["warmup_seconds"] = time.perf_counter() - started
        out["runs"] = [
            runner(source, n_events, args.chunk, args.order_lots, args.max_orders, None) for _ in range(args.runs)
        ]
        return out
    npz = work / "hftbacktest.npz"
    small = work / "hftbacktest_warmup.npz"
    events = np.load(ours, mmap_mode="r")
    low = float(events["price"][: 10 * LEVELS * 2].min()) * TICK
    price_range = (round(low * 0.5, 2), round(low * 1.5, 2))
    started = time.perf_counter()
    run_hftbacktest(small, args.order_lots, args.max_orders, price_range)
    out["warmup_seconds"] = time.perf_counter() - started
    data: Path | npt.NDArray[Any] = npz
    if in_memory:
        with np.load(npz) as archive:
            data = archive["data"]
    out["runs"] = [run_hftbacktest(data, args.order_lots, args.max_orders, price_range) for _ in range(args.runs)]
    return out


def _spawn(args: argparse.Namespace, side: str, source: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    command = [
        sys.executable, __file__, "--worker", side, "--source", source, "--workdir", str(args.workdir),
        "--runs", str(args.runs),
        "--chunk", str(args.chunk), "--order-lots", str(args.order_lots), "--max-orders", str(args.max_orders),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{side} worker ({source}) failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _median_rate(result: dict[str, Any], n_events: int) -> float:
    return float(statistics.median(n_events / run["seconds"] for run in result["runs"]))


def prepare(args: argparse.Namespace) -> int:
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    stamp = work / "workload.json"
    spec = {"events": args.events, "rate": args.rate, "seed": args.seed, "version": 1}
    ours = work / "events.npy"
    if not (stamp.exists() and json.loads(stamp.read_text()) == spec and ours.exists()):
        print(f"generating {args.events:,} events at {args.rate:,.0f}/s of market time (seed {args.seed}) ...")
        generate(ours, args.events, args.rate, args.seed)
        if _have_hftbacktest():
            write_hftbacktest_file(ours, work / "hftbacktest.npz")
            write_hftbacktest_file(ours, work / "hftbacktest_warmup.npz", WARMUP_EVENTS)
        stamp.write_text(json.dumps(spec))
    elif _have_hftbacktest() and not (work / "hftbacktest.npz").exists():
        write_hftbacktest_file(ours, work / "hftbacktest.npz")
        write_hftbacktest_file(ours, work / "hftbacktest_warmup.npz", WARMUP_EVENTS)
    events = np.load(ours, mmap_mode="r")
    trades = int((events["kind"] == EventKind.TRADE).sum())
    span = (int(events["exch_ts"][-1]) - int(events["exch_ts"][0])) / 1e9
    print(f"workload: {len(events):,} events over {span:,.0f} s of market time, {trades / len(events):.1%} trades")
    return len(events)


def _have_hftbacktest() -> bool:
    try:
        import hftbacktest  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000, help="market events in the workload")
    parser.add_argument("--rate", type=float, default=5_000.0, help="events per second of market time")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per side (the median is reported)")
    parser.add_argument(
        "--chunk", type=int, default=1 << 16, help="rows per chunk streamed into our venue (2.5 MB: stays in cache)"
    )
    parser.add_argument("--order-lots", type=int, default=10)
    parser.add_argument("--max-orders", type=int, default=10, help="inventory limit, in orders")
    parser.add_argument(
        "--workdir",
        default=str(Path(tempfile.gettempdir()) / "hft-replay-benchmark"),
        help="where the workload files go (about 1.1 GB for 10M events; reused while the parameters match)",
    )
    parser.add_argument(
        "--source",
        choices=["memory", "disk", "both"],
        default="both",
        help="where each side reads its data from while timed (see the module doc)",
    )
    parser.add_argument("--skip-hftbacktest", action="store_true")
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--worker", choices=["ours", "venue-only", "hftbacktest", "rss"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args)))
        return
    n_events = prepare(args)

    with tempfile.TemporaryDirectory() as cold_cache:
        # our kernel's compile time: a warm-up in a process with an empty numba cache
        cold = _spawn(args, "venue-only", "disk", {**os.environ, "NUMBA_CACHE_DIR": cold_cache})
    compare = not args.skip_hftbacktest and _have_hftbacktest()
    for source in ("memory", "disk") if args.source == "both" else (args.source,):
        ours = _spawn(args, "ours", source)
        venue_only = _spawn(args, "venue-only", source)
        rate_ours = _median_rate(ours, n_events)
        rate_venue = _median_rate(venue_only, n_events)
        print(f"data {'in memory' if source == 'memory' else 'read from disk during the run'}:")
        print(f"  ours (engine + Python strategy): {rate_ours / 1e6:6.2f} M events/s  (median of {args.runs}; "
              f"{ours['runs'][0]['fills']} fills, {ours['runs'][0]['orders']} orders)")  # fmt: skip
        print(f"  ours (venue + minimal loop):     {rate_venue / 1e6:6.2f} M events/s  "
              f"({venue_only['runs'][0]['fills']} fills, {venue_only['runs'][0]['orders']} orders)")  # fmt: skip
        if compare:
            theirs = _spawn(args, "hftbacktest", source)
            rate_theirs = _median_rate(theirs, n_events)
            print(f"  hftbacktest 2.4.4 (numba strategy): {rate_theirs / 1e6:6.2f} M events/s  "
                  f"({theirs['runs'][0]['fills']} fills, {theirs['runs'][0]['orders']} orders; "
                  f"warm-up, its strategy's numba compile: {theirs['warmup_seconds']:.1f} s)")  # fmt: skip
            print(f"  ratio ours/hftbacktest: engine {rate_ours / rate_theirs:.2f}x, "
                  f"venue-only {rate_venue / rate_theirs:.2f}x")  # fmt: skip
    print(f"ours compile (empty numba cache): {cold['warmup_seconds']:.1f} s; "
          f"with the cache: {venue_only['warmup_seconds']:.2f} s (warm-up on {WARMUP_EVENTS:,} events)")  # fmt: skip
    if not args.skip_rss:
        rss = _spawn(args, "rss", "disk")
        print(f"peak RSS, one streamed replay of {n_events:,} events through the engine: {rss['peak_rss_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
