"""Throughput of the compiled L3 replay (`hft_core.book.L3Replay`) on the LOBSTER AMZN day, repeated.

Usage: python benchmarks/l3_replay.py [--copies N] [--runs N] [--chunk-size N] [--cold] [--data-dir DIR]

The day (57,515 messages; with the seed and reveal snapshots from its orderbook file, 85,424 events) is loaded
once and repeated ``--copies`` times; every copy starts with the seed's CLEAR, so the repeated stream is valid.
Each timed run replays it from an empty book in chunks, recording the top of book after every event. Prints the
median messages/s and events/s over ``--runs`` runs, the first call's time (numba compile, or loading the
compiled code from numba's cache; ``--cold`` forces a compile), the plain-Python `L3Book` reference on one copy
as a ratio, and peak memory. Target: >= 3M messages/s on the project's 2-core reference machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

SAMPLE = "lobster-amzn-2012-06-21-l1"
STEM = "AMZN_2012-06-21_34200000_57600000"
MESSAGES_PER_DAY = 57_515
"""LOBSTER messages in the day (its seed and reveal snapshot rows not counted)."""


def _find_sample(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    from hft_core.data.samples import shared_data_path

    try:
        return shared_data_path(SAMPLE)
    except FileNotFoundError as exc:
        sys.exit(f"{exc}; or pass --data-dir")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=60, help="times the day is repeated (default 60: 3.45M msgs)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs (default 7)")
    parser.add_argument("--chunk-size", type=int, default=65_536, help="events per L3Replay.run call")
    parser.add_argument("--cold", action="store_true", help="compile from scratch (empty numba cache)")
    parser.add_argument("--data-dir", help=f"folder holding the {SAMPLE} files")
    args = parser.parse_args()
    if args.copies < 1 or args.runs < 1 or args.chunk_size < 1:
        parser.error("--copies, --runs and --chunk-size must be positive")
    if args.cold:
        os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="hft-numba-")

    import numpy as np
    from hft_core.book import L3Book, L3Replay, reference_top_of_book
    from hft_core.book import _l3_kernel as kernel
    from hft_core.data.lobster import read_lobster_events
    from hft_core.events import EVENT_DTYPE, EventKind

    directory = _find_sample(args.data_dir)
    start = time.perf_counter()
    day = read_lobster_events(
        directory / f"{STEM}_message_1.csv",
        orderbook_path=directory / f"{STEM}_orderbook_1.csv",
        tick_size=0.005,
    )
    load_seconds = time.perf_counter() - start
    stream = np.tile(day, args.copies)
    messages = MESSAGES_PER_DAY * args.copies

    warmup = np.zeros(1, dtype=EVENT_DTYPE)
    warmup["kind"] = EventKind.TRADE
    start = time.perf_counter()
    L3Replay().run(warmup)
    first_call = time.perf_counter() - start
    from_cache = sum(kernel.run_chunk.stats.cache_hits.values()) > 0

    def replay_once() -> float:
        replay = L3Replay(unknown_orders="residual")
        begin = time.perf_counter()
        for offset in range(0, len(stream), args.chunk_size):
            replay.run(stream[offset : offset + args.chunk_size])
        return time.perf_counter() - begin

    replay_once()  # first touch of the pages and growth of the book's arrays
    seconds = statistics.median(replay_once() for _ in range(args.runs))

    begin = time.perf_counter()
    reference_top_of_book(day, book=L3Book(), unknown_orders="residual")
    reference_seconds = (time.perf_counter() - begin) * args.copies

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"data            : {messages:,} LOBSTER messages = {args.copies} x AMZN 2012-06-21 ({len(stream):,} events)")
    print(f"load            : {load_seconds:.3f} s for one day (messages + orderbook files, seeds and reveals)")
    what = "numba cache load" if from_cache else "numba compile"
    print(f"first call      : {first_call:.2f} s ({what}; excluded below)")
    print(f"compiled replay : {seconds:.3f} s median of {args.runs} runs, chunks of {args.chunk_size:,} events")
    rates = f"{messages / seconds / 1e6:.2f} M messages/s, {len(stream) / seconds / 1e6:.2f} M events/s"
    print(f"                  {rates}")
    print(f"python L3Book   : {messages / reference_seconds / 1e6:.3f} M messages/s (1 copy timed)")
    print(f"speed-up        : {reference_seconds / seconds:.0f}x the plain-Python reference")
    print(f"peak memory     : {peak_mib:.0f} MiB (max RSS of this process)")


if __name__ == "__main__":
    main()
