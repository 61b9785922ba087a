# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A WebSocket order-book client against `hft serve`
#
# `hft serve` runs mock exchanges on hft-core's simulated market: REST market data, signed order entry, and
# order-book streams over WebSocket (docs/live.md). This notebook starts one on 127.0.0.1 on a free port, reads its
# exchange's grids over REST, subscribes to the BTCUSDT book stream of the `binance` mock, and keeps the top of
# the book, the spread and the order-book imbalance from a bounded number of frames. It checks what a client
# should check (no frame lost, a book that is sorted and never crossed, prices on the grid) and shuts the server
# down at the end. It needs hft-core's `serve` extra (FastAPI, uvicorn, websockets, httpx).

# %%
import atexit
import json
import signal
import socket
import subprocess
import sys
import time

import httpx
import pandas as pd
from websockets.sync.client import connect


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


PORT = free_port()
BASE = f"http://127.0.0.1:{PORT}"
server = subprocess.Popen(
    [
        sys.executable,
        "-m",
        "hft_core",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(PORT),
        "--seed",
        "7",
        "--speed",
        "5",
        "--key",
        "demo:not-a-secret",
        "--log-level",
        "warning",
    ],
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
)
atexit.register(server.kill)  # should a cell below fail, the kernel's exit still stops the server
deadline = time.monotonic() + 60
while True:
    try:
        health = httpx.get(f"{BASE}/health", timeout=1.0).json()
        break
    except httpx.HTTPError:
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("hft serve did not start") from None
        time.sleep(0.2)
print(health["status"], health["exchanges"])

# %% [markdown]
# The exchange's grids: every price in the book must be a multiple of the tick, every size of the lot.

# %%
info = httpx.get(f"{BASE}/api/binance/info", timeout=5.0).json()
btc = next(s for s in info["symbols"] if s["symbol"] == "BTCUSDT")
TICK, LOT = btc["tick_size"], btc["lot_size"]
print(f"BTCUSDT: tick {TICK}, lot {LOT}; maker fee {info['maker_fee']}, taker fee {info['taker_fee']}")

# %% [markdown]
# ## The stream
#
# Every `interval_ms` the server sends a frame `{"type": "book", "seq", "ts", "bids", "asks", "sent_ns"}`: `seq`
# counts 1, 2, … on each connection (a gap is a lost frame), `ts` is market time and `sent_ns` the server's wall
# clock when it sent the frame; on the same machine that gives the delivery latency. We read 40 frames (a bounded
# loop, with a receive timeout) and keep one row per frame.

# %%
FRAMES = 40
rows = []
url = f"ws://127.0.0.1:{PORT}/ws/orderbook/binance/BTCUSDT?depth=10&interval_ms=50"
with connect(url, open_timeout=10) as stream:
    for _ in range(FRAMES):
        frame = json.loads(stream.recv(timeout=10))
        received = time.time_ns()
        assert frame["type"] == "book", frame
        bids, asks = frame["bids"], frame["asks"]
        bid_qty, ask_qty = sum(q for _, q in bids[:5]), sum(q for _, q in asks[:5])
        rows.append(
            {
                "seq": frame["seq"],
                "ts": frame["ts"],
                "bid": bids[0][0],
                "ask": asks[0][0],
                "levels": (len(bids), len(asks)),
                "imbalance_5": (bid_qty - ask_qty) / (bid_qty + ask_qty),
                "latency_ms": (received - frame["sent_ns"]) / 1e6,
                "sorted": [p for p, _ in bids] == sorted((p for p, _ in bids), reverse=True)
                and [p for p, _ in asks] == sorted(p for p, _ in asks),
                "on_grid": all(
                    abs(p / TICK - round(p / TICK)) < 1e-6 and abs(q / LOT - round(q / LOT)) < 1e-6
                    for p, q in bids + asks
                ),
            }
        )
book = pd.DataFrame(rows)
book["mid"] = (book["bid"] + book["ask"]) / 2
book["spread_ticks"] = ((book["ask"] - book["bid"]) / TICK).round().astype(int)
book[["seq", "bid", "ask", "mid", "spread_ticks", "imbalance_5", "latency_ms"]].head(10)

# %%
print(
    f"{len(book)} frames over {(book['ts'].iloc[-1] - book['ts'].iloc[0]) / 1e9:.2f} s of market time; "
    f"spread {book['spread_ticks'].min()}..{book['spread_ticks'].max()} ticks; "
    f"mid {book['mid'].min():.2f}..{book['mid'].max():.2f}; "
    f"delivery latency median {book['latency_ms'].median():.2f} ms"
)
book.plot(x="seq", y=["bid", "ask"], drawstyle="steps-post", title="BTCUSDT top of book from the stream")

# %% [markdown]
# A REST snapshot taken now must agree with the stream's grid, and be no older than the last frame.

# %%
snapshot = httpx.get(f"{BASE}/api/binance/orderbook/BTCUSDT?depth=10", timeout=5.0).json()
print(f"snapshot at {snapshot['ts']}: bid {snapshot['bids'][0]}, ask {snapshot['asks'][0]}")

# %% [markdown]
# Shut the server down (SIGINT, as Ctrl-C would), then check: no frame lost or repeated, market time moving
# forward, every book sorted, never crossed, on the grid and ten levels deep, and the snapshot after the stream.

# %%
server.send_signal(signal.SIGINT)
try:
    server.wait(15)
except subprocess.TimeoutExpired:
    server.kill()
    server.wait(5)
print("server exit status", server.returncode)

# %%
assert book["seq"].tolist() == list(range(1, FRAMES + 1))
assert book["ts"].is_monotonic_increasing and book["ts"].iloc[-1] > book["ts"].iloc[0]
assert book["sorted"].all() and book["on_grid"].all()
assert (book["bid"] < book["ask"]).all() and (book["spread_ticks"] >= 1).all()
assert (book["levels"] == (10, 10)).all()
assert book["imbalance_5"].between(-1, 1).all()
assert (book["latency_ms"] >= 0).all() and book["latency_ms"].median() < 1000
assert snapshot["ts"] >= book["ts"].iloc[-1] and snapshot["bids"][0][0] < snapshot["asks"][0][0]
assert server.returncode is not None
