"""Load on ``hft serve`` (#23): WebSocket fan-out latency, order round trips, memory over a soak, live-venue resync.

Usage: python benchmarks/serve_load.py [--clients 50] [--rate 20] [--seconds 10] [--orders 300] [--soak 120]
                                        [--repeats 3] [--soak-without-orders] [--skip-latency]

Everything on 127.0.0.1; the server is ``hft serve`` in its own process (as a user runs it), the clients in this
one. Each repeat measures:

- **delivery latency**: ``--clients`` WebSockets on ``/ws/orderbook/binance/ETHUSDT?interval_ms=1000/rate`` for
  ``--seconds``; a frame's latency is its arrival (``time.time_ns``) minus its ``sent_ns`` (the server's wall clock
  just before sending; same machine, same clock). Target p99 < 10 ms.
- **order round trip**: ``--orders`` signed creates (a bid 10 % under the market: it rests) and as many cancels,
  one at a time over one keep-alive connection, while the clients above keep streaming. Target p50 < 2 ms.
- **resync**: a live venue (default options) trading-ready on the server; the server is killed (SIGKILL), restarted
  on the same port 1 s later, and the time from the new server's first good ``/health`` to the venue having
  reconciled with it (``server_restarts``) and applied a book from it is the resync time.

Then one soak of ``--soak`` seconds (the clients streaming, an order created and cancelled every 100 ms) samples the
server's RSS every second: first, last, max, and the slope of a least-squares line (MB per minute), over the whole
soak, by half, and from the end of the first retention period on (the server keeps closed orders for
``hft_core.serve.market.RETENTION_S`` seconds, so until then its records grow by design).

Prints medians with the range over the repeats.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import websockets
from hft_core.serve.auth import signed_query
from hft_core.serve.market import RETENTION_S
from hft_core.serve.server import free_port
from hft_core.venues.live import live_venue

KEY, SECRET = "bench", "bench-secret"
SYMBOL = "ETHUSDT"


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


class Server:
    """``hft serve`` in a subprocess on ``port``."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        hft = Path(sys.executable).with_name("hft")
        self.command = [str(hft), "serve", "--port", str(port), "--key", f"{KEY}:{SECRET}", "--rate", "100000",
                        "--burst", "100000", "--log-level", "warning"]  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60.0) -> float:
        """Start it; the wall time (monotonic) of its first good ``/health``."""
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200:
                    return time.monotonic()
            except httpx.HTTPError:
                time.sleep(0.01)
        raise RuntimeError("hft serve did not start")

    def rss_mb(self) -> float:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


async def stream_clients(port: int, clients: int, rate: float, stop: asyncio.Event, latencies: list[float]) -> int:
    """``clients`` book streams until ``stop``; each frame's delivery latency (ms) into ``latencies``. Returns the
    number of sequence gaps seen (frames the server never sent or the client lost)."""
    interval_ms = max(10, round(1000 / rate))
    url = f"ws://127.0.0.1:{port}/ws/orderbook/binance/{SYMBOL}?interval_ms={interval_ms}&depth=20"
    gaps = 0

    async def one() -> None:
        nonlocal gaps
        async with websockets.connect(url, max_size=None, compression=None) as ws:
            last = 0
            while not stop.is_set():
                try:
                    text = await asyncio.wait_for(ws.recv(), 1.0)
                except TimeoutError:
                    continue
                arrived = time.time_ns()
                frame = json.loads(text)
                latencies.append((arrived - frame["sent_ns"]) / 1e6)
                gaps += frame["seq"] != last + 1
                last = frame["seq"]

    await asyncio.gather(*(one() for _ in range(clients)))
    return gaps


def order_round_trips(url: str, orders: int, pause_s: float = 0.0) -> tuple[list[float], list[float]]:
    """``orders`` creates and cancels, one at a time; their round trips (ms)."""
    creates: list[float] = []
    cancels: list[float] = []
    with httpx.Client(base_url=url, timeout=10.0) as http:
        bid = float(http.get(f"/api/binance/orderbook/{SYMBOL}").json()["bids"][0][0])
        price = round(bid * 0.9, 2)
        stamp = time.monotonic_ns()
        for n in range(orders):
            cid = f"rt-{stamp}-{n}"
            params = {"symbol": SYMBOL, "side": "buy", "qty": 0.01, "price": price, "client_order_id": cid}
            query = signed_query(SECRET, params)
            started = time.perf_counter()
            answer = http.post(f"/api/binance/order?{query}", headers={"X-API-KEY": KEY})
            creates.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 201, answer.text
            query = signed_query(SECRET, {"symbol": SYMBOL, "client_order_id": cid})
            started = time.perf_counter()
            answer = http.delete(f"/api/binance/order?{query}", headers={"X-API-KEY": KEY})
            cancels.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.text
            if pause_s:
                time.sleep(pause_s)
    return creates, cancels


async def under_load(
    server: Server, clients: int, rate: float, seconds: float, work: Any
) -> tuple[list[float], int, Any]:
    """Run ``work`` (a blocking callable, on a thread) while the clients stream for at least ``seconds``."""
    stop = asyncio.Event()
    latencies: list[float] = []
    streams = asyncio.create_task(stream_clients(server.port, clients, rate, stop, latencies))
    await asyncio.sleep(1.0)  # every client connected and streaming
    latencies.clear()
    started = time.monotonic()
    result = await asyncio.to_thread(work)
    await asyncio.sleep(max(0.0, seconds - (time.monotonic() - started)))
    stop.set()
    gaps = await streams
    return latencies, gaps, result


def resync_time(server: Server) -> float:
    """Seconds from the restarted server's first good /health to the live venue reconciled with it and holding a
    book it sent."""
    with live_venue(f"ws://127.0.0.1:{server.port}/binance/{SYMBOL}", api_key=KEY, secret=SECRET) as venue:
        venue.start()
        restarts = venue.stats.server_restarts
        server.kill()
        time.sleep(1.0)
        frames = venue.stats.frames
        ready_at = server.start()
        deadline = time.monotonic() + 30
        while venue.stats.server_restarts == restarts or venue.stats.frames == frames:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the live venue did not resync: {venue.stats}")
            time.sleep(0.001)
        return time.monotonic() - ready_at


def soak(
    server: Server, clients: int, rate: float, seconds: float, orders: bool = True
) -> tuple[list[float], dict[str, int]]:
    """Server RSS samples (MB, one a second) and the order requests' outcomes (``sent``, ``refused``: not 2xx)."""
    samples: list[float] = []
    outcomes = {"sent": 0, "refused": 0}

    def sample_rss_while_trading() -> None:
        deadline = time.monotonic() + seconds
        next_sample = time.monotonic()
        with httpx.Client(base_url=server.url, timeout=10.0) as http:
            bid = float(http.get(f"/api/binance/orderbook/{SYMBOL}").json()["bids"][0][0])
            n = 0
            while time.monotonic() < deadline:
                if time.monotonic() >= next_sample:
                    samples.append(server.rss_mb())
                    next_sample += 1.0
                if not orders:
                    time.sleep(0.1)
                    continue
                cid = f"soak-{time.monotonic_ns()}-{n}"
                params = {"symbol": SYMBOL, "side": "buy", "qty": 0.01, "price": round(bid * 0.9, 2),
                          "client_order_id": cid}  # fmt: skip
                created = http.post(f"/api/binance/order?{signed_query(SECRET, params)}", headers={"X-API-KEY": KEY})
                query = signed_query(SECRET, {"symbol": SYMBOL, "client_order_id": cid})
                cancelled = http.delete(f"/api/binance/order?{query}", headers={"X-API-KEY": KEY})
                outcomes["sent"] += 2
                outcomes["refused"] += sum(not r.is_success for r in (created, cancelled))
                n += 1
                time.sleep(0.1)

    asyncio.run(under_load(server, clients, rate, seconds, sample_rss_while_trading))
    return samples, outcomes


def slope_mb_per_min(samples: list[float]) -> float:
    xs = list(range(len(samples)))
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(samples)
    num = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, samples, strict=True))
    den = sum((x - mean_x) ** 2 for x in xs)
    return num / den * 60 if den else 0.0


def summary(name: str, values: list[float], unit: str) -> str:
    return f"{name:<34} {statistics.median(values):9.2f} {unit}   range {min(values):.2f}–{max(values):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=float, default=20.0, help="updates per second per client")
    parser.add_argument("--seconds", type=float, default=10.0, help="streaming time per repeat")
    parser.add_argument("--orders", type=int, default=300, help="create + cancel pairs per repeat")
    parser.add_argument("--soak", type=float, default=120.0, help="soak seconds (0: none)")
    parser.add_argument("--soak-without-orders", action="store_true", help="the soak streams only")
    parser.add_argument("--skip-latency", action="store_true", help="only the soak")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    rows: dict[str, list[float]] = {}
    gaps_total = 0
    frames_total = 0
    for repeat in range(0 if args.skip_latency else args.repeats):
        server = Server(free_port())
        server.start()
        try:
            idle_creates, idle_cancels = order_round_trips(server.url, args.orders)
            latencies, gaps, (creates, cancels) = asyncio.run(
                under_load(
                    server,
                    args.clients,
                    args.rate,
                    args.seconds,
                    lambda s=server: order_round_trips(s.url, args.orders),
                )
            )
            gaps_total += gaps
            frames_total += len(latencies)
            rows.setdefault("delivery p50 (ms)", []).append(percentile(latencies, 50))
            rows.setdefault("delivery p99 (ms)", []).append(percentile(latencies, 99))
            rows.setdefault("frames/s received (all clients)", []).append(len(latencies) / args.seconds)
            rows.setdefault("create p50, idle (ms)", []).append(percentile(idle_creates, 50))
            rows.setdefault("create p99, idle (ms)", []).append(percentile(idle_creates, 99))
            rows.setdefault("cancel p50, idle (ms)", []).append(percentile(idle_cancels, 50))
            rows.setdefault("create p50, under WS load (ms)", []).append(percentile(creates, 50))
            rows.setdefault("create p99, under WS load (ms)", []).append(percentile(creates, 99))
            rows.setdefault("cancel p50, under WS load (ms)", []).append(percentile(cancels, 50))
            rows.setdefault("cancel p99, under WS load (ms)", []).append(percentile(cancels, 99))
            rows.setdefault("live venue resync after restart (s)", []).append(resync_time(server))
        finally:
            server.stop()
        print(f"repeat {repeat + 1}/{args.repeats} done", file=sys.stderr)

    if rows:
        print(f"{args.clients} clients × {args.rate:g} updates/s, {args.seconds:g} s; {args.orders} orders; "
              f"{args.repeats} repeats; {frames_total} frames, {gaps_total} seq gaps")  # fmt: skip
    for name, values in rows.items():
        unit = "s" if name.endswith("(s)") else ("/s" if "/s" in name else "ms")
        print(summary(name.rsplit(" (", 1)[0], values, unit))
    if args.soak > 0:
        server = Server(free_port())
        server.start()
        try:
            samples, outcomes = soak(server, args.clients, args.rate, args.soak, orders=not args.soak_without_orders)
        finally:
            server.stop()
        print(f"soak {args.soak:g} s: RSS first {samples[0]:.1f} MB, last {samples[-1]:.1f} MB, "
              f"max {max(samples):.1f} MB, slope {slope_mb_per_min(samples):+.2f} MB/min "
              f"(first half {slope_mb_per_min(samples[: len(samples) // 2]):+.2f}, "
              f"second half {slope_mb_per_min(samples[len(samples) // 2 :]):+.2f}); "
              f"order requests {outcomes['sent']}, refused {outcomes['refused']}")  # fmt: skip
        settled = samples[round(RETENTION_S) :]
        if len(settled) >= 60:
            print(f"from {RETENTION_S:g} s on (past the retention of closed orders): RSS {settled[0]:.1f} -> "
                  f"{settled[-1]:.1f} MB, max {max(settled):.1f} MB, "
                  f"slope {slope_mb_per_min(settled):+.2f} MB/min")  # fmt: skip


if __name__ == "__main__":
    main()
