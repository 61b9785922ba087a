"""hft-lob-dl's speed: windows/s to build a dataset from an events file, training samples/s on CPU, and the
single-window inference latency of every model.

Usage: python benchmarks/lob_dl.py [--snapshots N] [--repeats R] [--out DIR] [--parts build,train,infer]

1. **Dataset build.** A seeded synthetic book (`synthetic_snapshots`, 10 levels) is written as an hft-core events
   file of L2 ``DEPTH`` rows (each snapshot: all 20 levels plus the two levels the spread left, 22 rows), then timed
   from the file to a ready dataset: hft-core's `load_recorded` (what `file_snapshots` calls), the book replay
   (`snapshots_from_events`) and `build_dataset` (features into a memory map, labels, split, normaliser), T=100,
   k=20, each stage timed. Rate = windows (valid samples) / seconds. The
   numba kernels are compiled (or loaded from cache) on a small file first. Also timed: materialising normalised
   windows from the memory map in batches of 256 (what training reads).
2. **Training**, one thread and all threads: samples/s of the training step (windows read from the memory map,
   forward, backward, Adam) for DeepLOB (the paper's widths: 32/64/64) and the light CNN, batch 64.
3. **Inference**, one thread (``torch.set_num_threads(1)``): median and p99 of `predict_proba` on one window (deep:
   the exported `torch.export` program, as the strategy runs it) or one hand-feature row (baselines), plus the
   strategy's whole decision (push the snapshot into the incremental window, build the input, predict).

Targets (issue #22): >= 100k windows/s; DeepLOB <= 5 ms median per decision on one core; baselines <= 50 us.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from hft_core import load_recorded
from hft_core.data.eventfile import save_events_npz
from hft_core.data.instrument_spec import SPEC_KEY, instrument_to_dict
from hft_core.events import EVENT_DTYPE
from hft_core.instruments import Instrument
from hft_lob_dl.book import Snapshots, snapshots_from_events, synthetic_snapshots
from hft_lob_dl.config import LobDlConfig
from hft_lob_dl.dataset import LobDataset, build_dataset
from hft_lob_dl.models import fit_model, load_model, model_inputs, save_model
from hft_lob_dl.sources import file_snapshots
from hft_lob_dl.strategy import LobDlStrategy


def depth_events(snaps: Snapshots) -> np.ndarray:
    """22 DEPTH rows per snapshot: 10 levels a side, and a zero for each side's level the spread left."""
    n, levels = len(snaps), snaps.levels
    per = 2 * levels + 2
    rows = np.zeros(n * per, EVENT_DTYPE)
    ts = np.repeat(snaps.ts, per)
    rows["exch_ts"] = ts
    rows["local_ts"] = ts
    rows["kind"] = 1
    price = np.empty((n, per), np.int64)
    qty = np.zeros((n, per), np.int64)
    side = np.empty((n, per), np.int8)
    price[:, 0] = snaps.bid_px[:, 0]  # the ask side no longer holds the best bid's price
    side[:, 0] = -1
    price[:, 1] = snaps.ask_px[:, 0]  # nor the bid side the best ask's
    side[:, 1] = 1
    price[:, 2 : 2 + levels], qty[:, 2 : 2 + levels], side[:, 2 : 2 + levels] = snaps.bid_px, snaps.bid_qty, 1
    price[:, 2 + levels :], qty[:, 2 + levels :], side[:, 2 + levels :] = snaps.ask_px, snaps.ask_qty, -1
    rows["price"], rows["qty"], rows["side"] = price.reshape(-1), qty.reshape(-1), side.reshape(-1)
    return rows


def write_events(path: Path, snaps: Snapshots) -> Path:
    instrument = Instrument("SYN", tick_size=0.01, lot_size=1.0, venue="replay")
    return save_events_npz(path, depth_events(snaps), {SPEC_KEY: instrument_to_dict(instrument)})


def dataset_build(folder: Path, n: int, repeats: int) -> LobDataset:
    warm = write_events(folder / "warm.npz", synthetic_snapshots(2000, seed=1))
    build_dataset(file_snapshots([warm]), window=100, horizon=20)
    path = write_events(folder / "events.npz", synthetic_snapshots(n, seed=2, signal=0.3))
    rows = n * 22
    times = []
    data: LobDataset | None = None
    for r in range(repeats):
        start = time.perf_counter()
        events, _ = load_recorded([path], allow_unsynced=True)
        loaded = time.perf_counter()
        snaps = snapshots_from_events(events, levels=10, source=str(path))
        replayed = time.perf_counter()
        data = build_dataset(snaps, window=100, horizon=20, threshold=1e-5, directory=folder / f"data{r}")
        end = time.perf_counter()
        times.append((end - start, loaded - start, replayed - loaded, end - replayed))
    assert data is not None
    windows = len(data.split.train) + len(data.split.val) + len(data.split.test)
    total, load, book, dataset = min(times)
    print(f"dataset build: {rows:,} events -> {len(data.snapshots):,} snapshots -> {windows:,} windows (T=100, k=20)")
    print(f"  from the file: {windows / total:,.0f} windows/s (best of {repeats}: {total:.2f} s); target >= 100,000")
    print(f"    hft-core load_recorded (file read, digest check, instrument): {load:.2f} s")
    print(f"    book replay to snapshots: {book:.2f} s ({rows / book:,.0f} events/s)")
    print(f"    features memory map, labels, split, normaliser: {dataset:.2f} s")
    print(f"  from the events in memory: {windows / (book + dataset):,.0f} windows/s")
    ends = data.split.train[: 256 * 40]
    start = time.perf_counter()
    for i in range(0, len(ends), 256):
        data.windows(ends[i : i + 256])
    elapsed = time.perf_counter() - start
    print(
        f"  materialising normalised windows from the memory map: {len(ends) / elapsed:,.0f} windows/s (batches of 256)"
    )
    return data


def training(data: LobDataset) -> None:
    import torch
    from hft_lob_dl.deep import build_model

    for threads in (1, torch.get_num_threads()):
        torch.set_num_threads(threads)
        for kind, steps in (("deeplob", 12), ("light", 60)):
            model = build_model(kind, data.n_features, 0)
            optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
            loss = torch.nn.CrossEntropyLoss()
            ends = data.split.train
            model.train()
            start = 0.0
            for step in range(steps + 2):
                if step == 2:  # two warm-up steps
                    start = time.perf_counter()
                part = ends[(step * 64) % (len(ends) - 64) :][:64]
                x = torch.from_numpy(data.windows(part))
                y = torch.from_numpy(data.targets(part))
                optimiser.zero_grad()
                value = loss(model(x), y)
                value.backward()
                optimiser.step()
            rate = steps * 64 / (time.perf_counter() - start)
            print(f"training {kind:8s} ({threads} thread{'s' if threads > 1 else ''}): {rate:,.0f} samples/s")


def _latencies(call: Callable[[], Any], runs: int) -> tuple[float, float]:
    for _ in range(min(20, runs)):
        call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - start)
    samples.sort()
    return statistics.median(samples) / 1e3, samples[int(0.99 * (len(samples) - 1))] / 1e3


def inference(full: LobDataset, folder: Path) -> None:
    import torch

    torch.set_num_threads(1)
    # The models are fitted on a small dataset (fitting quality does not change inference cost).
    data = build_dataset(full.snapshots.slice(0, 4000), window=100, horizon=20, threshold=1e-5)
    t = int(data.split.test[0])
    for kind in ("deeplob", "light", "logistic", "gboost", "persistence"):
        model = fit_model(kind, data, run_dir=folder / f"train-{kind}", epochs=1, max_train=256)
        save_model(model, folder / kind, data)
        loaded = load_model(folder / kind)
        x = model_inputs(loaded.model, data, np.array([t]))
        runs = 300 if kind == "deeplob" else 3000
        median, p99 = _latencies(partial(loaded.model.predict_proba, x), runs)
        config = LobDlConfig(model=kind, window=100, levels=10, horizon=20)
        strategy = LobDlStrategy(config, loaded=loaded)
        snaps = data.snapshots
        for i in range(strategy.capacity):
            strategy._push(
                snaps.ask_px[i].tolist(), snaps.ask_qty[i].tolist(), snaps.bid_px[i].tolist(), snaps.bid_qty[i].tolist()
            )
        row = (snaps.ask_px[t].tolist(), snaps.ask_qty[t].tolist(), snaps.bid_px[t].tolist(), snaps.bid_qty[t].tolist())

        def decision(strategy: LobDlStrategy = strategy, row: tuple[list[int], ...] = row) -> None:
            strategy._push(*row)
            strategy.predict()

        d_median, d_p99 = _latencies(decision, runs)
        print(
            f"inference {kind:11s}: predict median {median:8.1f} us, p99 {p99:8.1f} us; "
            f"whole decision median {d_median:8.1f} us, p99 {d_p99:8.1f} us"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshots", type=int, default=200_000, help="snapshots in the events file (default 200k)")
    parser.add_argument("--repeats", type=int, default=3, help="timed dataset builds (best is reported)")
    parser.add_argument("--out", type=Path, default=None, help="working folder (default: a temporary one)")
    parser.add_argument(
        "--parts", default="build,train,infer", help="comma-separated parts to run (default: build,train,infer)"
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    with tempfile.TemporaryDirectory(prefix="lob-dl-bench-") as tmp:
        folder = args.out or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        data = dataset_build(folder, args.snapshots, args.repeats)
        if "train" in parts:
            training(data)
        if "infer" in parts:
            inference(data, folder)


if __name__ == "__main__":
    main()
