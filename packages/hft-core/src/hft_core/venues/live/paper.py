"""Paper trading: a live Binance-dialect public feed, the strategy's orders matched locally by the replay venue.

`paper_venue("ws://127.0.0.1:8000/binance/BTCUSDT")` (``hft run NAME --venue URL --paper``) is a `ReplayVenue`
whose data is the live feed as it arrives, so every rule of a replay — entry and response latency, queue position,
partial fills, post-only/IOC/FOK semantics, no market impact (docs/replay.md) — applies to a paper run unchanged;
nothing of the matching is restated here. The pieces:

- `BinanceFeed`: on a background thread, the combined stream ``<symbol>@depth@100ms/<symbol>@trade`` of a
  Binance-dialect server (`hft serve`'s, or Binance's own public streams) and a REST depth snapshot after every
  (re)connect and every break in the diff-depth ids, written as capture lines (``<local ns> <json>``, the local time
  being the wall clock at receipt), with reconnection and exponential backoff;
- `LiveCaptureReader`: hft-core's Binance loader (`hft_core.data.binance.BinanceCaptureReader`, its synchroniser:
  buffer, snapshot, ``U``/``u`` checks, resync after a gap) reading those lines as they come instead of a file;
- `PaperVenue`: the replay venue over the reader's events, which closes the feed when the run ends.

Time is the wall clock: a decision waits for the next message of the feed (at most the diff-depth interval,
100 ms, on a live market). Exchange times are aligned to the local clock at the first message when the two differ
by more than a second (`hft serve`'s market clock starts in 2024), and never after a message's receipt.
"""

from __future__ import annotations

import json
import queue
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from hft_core.data.binance import BinanceCaptureReader
from hft_core.errors import ConfigError, HftError
from hft_core.events import BUY, EVENT_DTYPE, SELL, EventKind, Events
from hft_core.instruments import FeeSchedule, Instrument
from hft_core.venues.replay.config import ReplayConfig
from hft_core.venues.replay.venue import ReplayVenue

__all__ = ["BinanceFeed", "FeedStats", "LiveCaptureReader", "PaperVenue", "paper_venue", "parse_paper_url"]

_ALIGN_THRESHOLD_NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class PaperEndpoints:
    """Where a paper feed comes from: the stream base (``.../stream?streams=``), the REST base, the symbol."""

    stream_url: str
    rest_url: str
    symbol: str


def parse_paper_url(url: str, rest_url: str | None = None) -> PaperEndpoints:
    """``ws[s]://HOST[:PORT][/PREFIX]/SYMBOL`` → the stream base ``ws[s]://HOST[:PORT][/PREFIX]``, the REST base
    (``http[s]://`` of the same, or ``rest_url``; ``https://api.binance.com`` for Binance's own stream hosts)."""
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.netloc:
        raise ConfigError(f"a paper feed URL is ws[s]://HOST[:PORT][/PREFIX]/SYMBOL, got {url!r}")
    path = parts.path.rstrip("/")
    prefix, _, symbol = path.rpartition("/")
    if not symbol or "," in symbol:
        raise ConfigError(f"a paper feed URL ends with one symbol (ws://HOST:PORT/binance/BTCUSDT), got {url!r}")
    stream = f"{parts.scheme}://{parts.netloc}{prefix}"
    if rest_url is None:
        if parts.hostname is not None and parts.hostname.endswith("binance.com"):
            rest_url = "https://api.binance.com"
        else:
            rest_url = f"{'https' if parts.scheme == 'wss' else 'http'}://{parts.netloc}{prefix}"
    return PaperEndpoints(stream, rest_url.rstrip("/"), symbol.upper())


@dataclass(slots=True)
class FeedStats:
    """What the feed did: messages received, reconnects, REST snapshots fetched, diff-id breaks seen."""

    messages: int = 0
    connects: int = 0
    reconnects: int = 0
    snapshots: int = 0
    gaps: int = 0
    errors: int = 0


RECONNECTED = '{"hft_feed": "reconnected"}'
"""The line a `BinanceFeed` puts on its queue when its stream reconnects (never a Binance message)."""
RECONNECTED_LINE_END = f" {RECONNECTED}\n".encode()


class BinanceFeed:
    """A Binance-dialect public feed of one symbol as capture lines on a queue (see the module docstring)."""

    def __init__(
        self,
        endpoints: PaperEndpoints,
        *,
        connect_timeout_s: float = 5.0,
        heartbeat_timeout_s: float = 5.0,
        backoff_s: float = 0.05,
        max_backoff_s: float = 2.0,
        depth_limit: int = 1000,
    ) -> None:
        self.endpoints = endpoints
        self.connect_timeout_s = connect_timeout_s
        self.heartbeat_timeout_s = heartbeat_timeout_s
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.depth_limit = depth_limit
        self.lines: queue.Queue[bytes] = queue.Queue()
        self.stats = FeedStats()
        self._stop = threading.Event()
        self._last_ns = 0
        self._thread = threading.Thread(target=self._run, name=f"paper-feed:{endpoints.symbol}", daemon=True)

    def start(self) -> BinanceFeed:
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _put(self, text: str) -> None:
        self._last_ns = max(time.time_ns(), self._last_ns)
        self.lines.put(f"{self._last_ns} {text}\n".encode())

    def _snapshot(self, client: Any) -> None:
        answer = client.get("/api/v3/depth", params={"symbol": self.endpoints.symbol, "limit": self.depth_limit})
        answer.raise_for_status()
        self.stats.snapshots += 1
        self._put(answer.text)

    def _run(self) -> None:
        import httpx
        from websockets.exceptions import WebSocketException
        from websockets.sync.client import connect

        symbol = self.endpoints.symbol.lower()
        url = f"{self.endpoints.stream_url}/stream?streams={symbol}@depth@100ms/{symbol}@trade"
        attempt = 0
        with httpx.Client(base_url=self.endpoints.rest_url, timeout=self.connect_timeout_s) as client:
            while not self._stop.is_set():
                try:
                    with connect(url, open_timeout=self.connect_timeout_s, close_timeout=1.0) as ws:
                        self.stats.connects += 1
                        if self.stats.connects > 1:
                            self.stats.reconnects += 1
                            self._put(RECONNECTED)  # (the reader resyncs: the ids may have restarted)
                        last_u: int | None = None
                        need_snapshot = True
                        silent_since = time.monotonic()
                        while not self._stop.is_set():
                            try:
                                text = str(ws.recv(timeout=0.1))
                            except TimeoutError:
                                if time.monotonic() - silent_since > self.heartbeat_timeout_s:
                                    raise
                                continue
                            silent_since = time.monotonic()
                            attempt = 0
                            self.stats.messages += 1
                            self._put(text)
                            data = json.loads(text).get("data", {})
                            if data.get("e") == "depthUpdate":
                                if last_u is not None and data["U"] != last_u + 1:
                                    self.stats.gaps += 1
                                    need_snapshot = True
                                last_u = int(data["u"])
                                if need_snapshot:  # after the first update is buffered, as Binance's procedure says
                                    self._snapshot(client)
                                    need_snapshot = False
                except (OSError, TimeoutError, WebSocketException, httpx.HTTPError, ValueError, KeyError):
                    self.stats.errors += 1
                if self._stop.is_set():
                    break
                delay = min(self.max_backoff_s, self.backoff_s * 2**attempt) * random.uniform(0.5, 1.5)
                attempt += 1
                self._stop.wait(delay)


class LiveCaptureReader(BinanceCaptureReader):
    """hft-core's Binance loader reading a `BinanceFeed`'s lines as they arrive (one event chunk per row, so each
    reaches the venue at once). Ends when the feed is stopped; `HftError` when nothing arrives in time at first."""

    def __init__(self, feed: BinanceFeed, instrument: Instrument) -> None:
        super().__init__(f"live:{feed.endpoints.symbol}", instrument, chunk_size=1)
        self.feed = feed

    def _lines(self) -> Iterator[tuple[int, bytes]]:
        line_no = 0
        deadline = time.monotonic() + self.feed.connect_timeout_s + 5.0
        while not self.feed.stopped:
            try:
                raw = self.feed.lines.get(timeout=0.05)
            except queue.Empty:
                if line_no == 0 and time.monotonic() > deadline:
                    raise HftError(
                        f"no data from {self.feed.endpoints.stream_url} for {self.feed.endpoints.symbol} within "
                        f"{self.feed.connect_timeout_s + 5.0:g} s ({self.feed.stats})"
                    ) from None
                continue
            line_no += 1
            if raw.endswith(RECONNECTED_LINE_END):
                stamp = raw.split(b" ", 1)[0]
                self.restart_sync(line_no, int(stamp))
                continue
            yield line_no, raw


_END = object()


def _paced(chunks: Iterator[Events], idle_s: float = 0.02) -> Iterator[Events]:
    """The reader's chunks with exchange times aligned to the local clock (see the module docstring), and, while
    the feed is silent, a heartbeat every ``idle_s``: a ``DEPTH`` row restating the best bid (or ask) at its
    current size. A replay advances only as far as its data, so a quiet market would otherwise hold the strategy's
    timers (and the end of the run) until the next message; restating a level changes no book and no queue.

    The reader runs on its own thread (it blocks on the feed); its errors are raised here."""
    pipe: queue.Queue[Any] = queue.Queue()

    def produce() -> None:
        try:
            for chunk in chunks:
                pipe.put(chunk)
        except BaseException as exc:  # handed to the consumer, which raises it
            pipe.put(exc)
        pipe.put(_END)

    threading.Thread(target=produce, name="paper-reader", daemon=True).start()
    offset: int | None = None
    last_exch = 0
    levels: dict[int, dict[int, int]] = {BUY: {}, SELL: {}}
    while True:
        try:
            item = pipe.get(timeout=idle_s)
        except queue.Empty:
            side = BUY if levels[BUY] else SELL
            if offset is None or not levels[side]:
                continue
            price = max(levels[BUY]) if side == BUY else min(levels[SELL])
            beat = np.zeros(1, dtype=EVENT_DTYPE)
            now = time.time_ns()
            beat["local_ts"] = now
            beat["exch_ts"] = max(last_exch, now)
            beat["price"], beat["qty"], beat["side"] = price, levels[side][price], side
            beat["kind"] = EventKind.DEPTH
            yield beat
            continue
        if item is _END:
            return
        if isinstance(item, BaseException):
            raise item
        chunk: Events = item
        if not len(chunk):
            continue
        if offset is None:
            gap = int(chunk["local_ts"][0]) - int(chunk["exch_ts"][0])
            offset = gap if abs(gap) > _ALIGN_THRESHOLD_NS else 0
        chunk = chunk.copy()
        chunk["exch_ts"] = np.maximum(np.minimum(chunk["exch_ts"] + offset, chunk["local_ts"]), last_exch)
        last_exch = int(chunk["exch_ts"].max())
        for kind, side, price, qty in zip(
            chunk["kind"].tolist(), chunk["side"].tolist(), chunk["price"].tolist(), chunk["qty"].tolist(), strict=True
        ):
            if kind == EventKind.CLEAR:
                for cleared in (BUY, SELL) if side == 0 else (side,):
                    levels[cleared].clear()
            elif kind in (EventKind.DEPTH, EventKind.SNAPSHOT):
                if qty:
                    levels[side][price] = qty
                else:
                    levels[side].pop(price, None)
        yield chunk


class PaperVenue(ReplayVenue):
    """The replay venue over a live feed (see the module docstring); `close` stops the feed."""

    def __init__(
        self,
        feed: BinanceFeed,
        instrument: Instrument,
        replay: ReplayConfig,
        seed: int,
        *,
        metrics_port: int | None = None,
    ) -> None:
        self.feed = feed
        self.reader = LiveCaptureReader(feed, instrument)
        self._metrics_port = metrics_port
        self.metrics: Any = None
        """The `PaperMetrics` served on ``metrics_port`` (Prometheus), once started."""
        super().__init__(
            _paced(self.reader.chunks()),
            [instrument],
            latency=replay.latency_model(seed),
            queue_model=replay.queue_model(),
            partial_fills=replay.partial_fills,
            chunk_size=1024,
            name=f"paper:{feed.endpoints.stream_url}/{feed.endpoints.symbol} ({replay.describe((instrument,))})",
        )

    def start(self) -> int:
        if self._metrics_port is not None and self.metrics is None:
            from hft_core.venues.live.metrics import PaperMetrics

            try:
                self.metrics = PaperMetrics(self).serve(self._metrics_port)
            except OSError as exc:
                raise ConfigError(f"metrics port {self._metrics_port}: {exc.strerror or exc}") from None
        self.feed.start()
        return super().start()

    def close(self) -> None:
        self.feed.stop()
        if self.metrics is not None:
            self.metrics.close()
            self.metrics = None


def feed_instrument(endpoints: PaperEndpoints, timeout_s: float = 5.0) -> Instrument:
    """The symbol's grid from ``/api/v3/exchangeInfo`` (``PRICE_FILTER``, ``LOT_SIZE``); the fees from it where the
    server gives them (`hft serve` does), else Binance spot's standard tier."""
    import httpx

    from hft_core.data.instrument_table import STANDARD_FEES

    try:
        answer = httpx.get(
            f"{endpoints.rest_url}/api/v3/exchangeInfo", params={"symbol": endpoints.symbol}, timeout=timeout_s
        )
    except httpx.HTTPError as exc:
        raise HftError(f"cannot reach {endpoints.rest_url}: {exc}") from None
    if answer.status_code != 200:
        raise ConfigError(f"{endpoints.rest_url}: {endpoints.symbol}: {answer.text[:200]}")
    (info,) = answer.json()["symbols"]
    filters = {f["filterType"]: f for f in info["filters"]}
    fees = STANDARD_FEES["spot"]
    if "makerCommission" in info:
        fees = FeeSchedule(maker=float(info["makerCommission"]), taker=float(info["takerCommission"]))
    return Instrument(
        info["symbol"],
        float(filters["PRICE_FILTER"]["tickSize"]),
        float(filters["LOT_SIZE"]["stepSize"]),
        venue="paper",
        fees=fees,
        base=info["baseAsset"],
        quote=info["quoteAsset"],
    )


def paper_venue(
    url: str,
    *,
    replay: ReplayConfig | None = None,
    seed: int = 0,
    rest_url: str | None = None,
    metrics_port: int | None = None,
    **feed_options: Any,
) -> PaperVenue:
    """A `PaperVenue` for ``ws[s]://HOST[:PORT][/PREFIX]/SYMBOL`` (`parse_paper_url`). ``replay`` sets the fees,
    latency, queue model and partial fills as for a replay (`ReplayConfig`; its draws seeded by ``seed``);
    ``feed_options`` are `BinanceFeed`'s (``connect_timeout_s``, ``heartbeat_timeout_s``, ``backoff_s``, ...).
    ``metrics_port`` serves Prometheus metrics on 127.0.0.1:PORT (`hft_core.venues.live.metrics.PaperMetrics`);
    default: ``HFT_METRICS_PORT`` if set, as for a live venue, so ``hft run --venue ... --paper`` exposes them."""
    from hft_core.venues.live import metrics_port_from_env

    if metrics_port is None:
        metrics_port = metrics_port_from_env()
    config = replay if replay is not None else ReplayConfig()
    endpoints = parse_paper_url(url, rest_url)
    instrument = feed_instrument(endpoints, float(feed_options.get("connect_timeout_s", 5.0)))
    instrument = replace(instrument, fees=config.fees(instrument))
    return PaperVenue(BinanceFeed(endpoints, **feed_options), instrument, config, seed, metrics_port=metrics_port)
