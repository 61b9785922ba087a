"""Paper mode (#23): a live Binance-dialect feed (here `hft serve`'s, standing in for Binance's public streams) with
the strategy's orders matched locally by the replay venue's latency and queue models.

Servers on 127.0.0.1 (free ports, background threads); every run lasts a few seconds of wall-clock time.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

pytest.importorskip("fastapi")
from hft_core import ConfigError, resolve_run
from hft_core.cli import main
from hft_core.engine.loop import Engine
from hft_core.events import BUY, SELL, EventKind
from hft_core.instruments import Instrument
from hft_core.serve.app import ServeConfig
from hft_core.serve.exchanges import load_exchanges
from hft_core.serve.market import MockExchange
from hft_core.serve.server import BackgroundServer
from hft_core.strategy import Context, Fill, Strategy
from hft_core.venues.live.paper import RECONNECTED, LiveCaptureReader, PaperVenue, paper_venue, parse_paper_url
from hft_core.venues.replay.config import ReplayConfig

SESSION_S = 6.0


@pytest.fixture
def server() -> Iterator[BackgroundServer]:
    """A market whose session ends during the run: its book then stands still, so the paper venue's book can be
    compared with the server's."""
    config = ServeConfig(load_exchanges(), seed=4, speed=1.0, session_s=SESSION_S)
    with BackgroundServer(config) as running:
        yield running


class Taker(Strategy):
    """Buys at the market once the book is known, then rests a bid at the touch."""

    def __init__(self) -> None:
        self.fills: list[Fill] = []
        self.asks_seen: list[float] = []
        self.sent = False

    def on_start(self, ctx: Context) -> None:
        ctx.subscribe()
        ctx.set_timer(0.2)

    def on_timer(self, ctx: Context) -> None:
        book = ctx.book()
        if self.sent or book.best_bid is None or book.best_ask is None:
            return
        self.sent = True
        self.asks_seen.append(book.best_ask)
        spec = ctx.instrument_spec()
        ctx.buy(spec.lot_size)
        ctx.buy(spec.lot_size, book.best_bid)

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        self.fills.append(fill)


def test_paper_venue_matches_locally_on_the_live_book(server: BackgroundServer) -> None:
    url = f"ws://127.0.0.1:{server.port}/binance/ETHUSDT"
    replay = ReplayConfig(entry_latency_ms=30.0, response_latency_ms=20.0)
    venue = paper_venue(url, replay=replay)
    assert isinstance(venue, PaperVenue) and venue.instruments[0].tick_size == 0.01
    strategy = Taker()
    try:
        result = Engine(strategy, venue, duration_s=SESSION_S + 1.5).run()
    finally:
        venue.close()
    records: MockExchange = server.app.state.exchanges["binance"]
    assert records.orders == {} and records.fills == []  # nothing was sent to the exchange
    stats = venue.reader.stats
    assert stats.snapshots_used >= 1 and stats.gaps == 0 and stats.depth_applied > 0
    assert venue.feed.stats.messages > 10
    # the market buy took the live book's ask (no impact), after the entry latency; heard of it after both
    (taken,) = [f for f in strategy.fills if f.order_id == 1]
    assert taken.price == strategy.asks_seen[0]
    sent_ts = int(result.orders.loc[result.orders["order_id"] == 1, "ts"].iloc[0])
    assert taken.ts - sent_ts >= 50_000_000
    # the market has closed: the paper venue's book is the server's
    with httpx.Client(base_url=f"{server.url}/binance", timeout=5.0) as http:
        final = http.get("/api/v3/depth", params={"symbol": "ETHUSDT", "limit": 5}).json()
    assert records.markets["ETHUSDT"].closed
    inst = venue.instruments[0]
    for side, levels in ((BUY, final["bids"]), (SELL, final["asks"])):
        expected = [(inst.price_to_ticks(float(p)), inst.qty_to_lots(float(q))) for p, q in levels]
        assert venue.depth(0, side, 5) == expected


@pytest.mark.slow
def test_hft_run_paper_writes_a_run_directory(
    server: BackgroundServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"ws://127.0.0.1:{server.port}/binance/ETHUSDT"
    out = tmp_path / "paper"
    args = ["run", "passive-mm", "--venue", url, "--paper", "--duration", "3", "--set", "venue.queue=log", "-o"]
    try:
        main([*args, str(out), "-q"])
    except SystemExit as stop:
        assert stop.code in (0, None), capsys.readouterr().err
    meta = json.loads((out / "run.json").read_text())
    assert meta["status"] == "complete" and meta["venue_url"] == url and meta["paper"] is True
    summary = json.loads((out / "summary.json").read_text())
    assert summary["orders"] > 0 and summary["venue"].startswith("paper:") and "queue log" in summary["venue"]
    config = (out / "config.toml").read_text()
    assert "paper = true" in config and 'queue = "log"' in config
    spec = resolve_run("passive-mm", config_file=out / "config.toml")
    assert spec.paper and spec.venue_url == url


def test_paper_settings_are_checked() -> None:
    assert parse_paper_url("wss://stream.binance.com:9443/btcusdt").rest_url == "https://api.binance.com"
    assert parse_paper_url("ws://127.0.0.1:8000/binance/ETHUSDT").rest_url == "http://127.0.0.1:8000/binance"
    with pytest.raises(ConfigError, match="one symbol"):
        parse_paper_url("ws://127.0.0.1:8000/binance/ETHUSDT,BTCUSDT")
    with pytest.raises(ConfigError, match="--paper needs --venue"):
        resolve_run("passive-mm", paper=True, duration_s=5.0)
    with pytest.raises(ConfigError, match="not to a live run"):
        resolve_run(
            "passive-mm", venue_url="ws://127.0.0.1:9/binance/X", duration_s=5.0, assignments=["venue.queue=log"]
        )


def test_a_paper_run_serves_its_feed_metrics(server: BackgroundServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from hft_core.serve.server import free_port

    port = free_port()
    monkeypatch.setenv("HFT_METRICS_PORT", str(port))
    venue = paper_venue(f"ws://127.0.0.1:{server.port}/binance/ETHUSDT")
    try:
        Engine(Taker(), venue, duration_s=2.0).run()
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5.0).text
    finally:
        venue.close()
    values = {
        line.split(" ")[0]: float(line.split(" ")[1])
        for line in text.splitlines()
        if line.startswith("hft_paper_") and " " in line
    }
    assert 5 < values["hft_paper_feed_messages_total"] <= venue.feed.stats.messages  # (the feed ran on)
    assert values["hft_paper_sync_depth_applied_total"] > 0 and values["hft_paper_sync_gaps_total"] == 0
    bid, ask = values['hft_paper_best_bid{symbol="ETHUSDT"}'], values['hft_paper_best_ask{symbol="ETHUSDT"}']
    assert 0 < bid < ask
    with pytest.raises(httpx.TransportError):  # closed with the venue
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=1.0)
    monkeypatch.setenv("HFT_METRICS_PORT", "eighty")
    with pytest.raises(ConfigError, match="HFT_METRICS_PORT must be a port number"):
        paper_venue(f"ws://127.0.0.1:{server.port}/binance/ETHUSDT")


class _ScriptedFeed:
    """What `LiveCaptureReader` reads from a `BinanceFeed`: its queue of lines, until ``stopped``."""

    def __init__(self, texts: list[str]) -> None:
        self.lines: queue.Queue[bytes] = queue.Queue()
        for n, text in enumerate(texts):
            self.lines.put(f"{1_700_000_000_000_000_000 + n} {text}\n".encode())
        self.connect_timeout_s = 1.0
        self.endpoints = parse_paper_url("ws://127.0.0.1:1/binance/ETHUSDT")
        self.stopped = False


def test_a_reconnected_stream_whose_ids_restarted_resyncs_from_the_new_snapshot() -> None:
    # A server that restarts starts its update ids again: without a resync on reconnect every new update was
    # "stale" (u below the old book's) and the new snapshot ignored (already synced): a book frozen for good.
    def depth(first: int, last: int, bid: str, ask: str) -> str:
        data = {"e": "depthUpdate", "E": 1, "s": "ETHUSDT", "U": first, "u": last, "b": [[bid, "1"]], "a": [[ask, "1"]]}
        return json.dumps({"stream": "ethusdt@depth@100ms", "data": data})

    def snapshot(last: int, bid: str, ask: str) -> str:
        return json.dumps({"lastUpdateId": last, "bids": [[bid, "5"]], "asks": [[ask, "5"]]})

    feed = _ScriptedFeed(
        [
            depth(101, 101, "100.00", "100.10"),
            snapshot(100, "99.90", "100.20"),
            depth(102, 102, "100.01", "100.09"),  # synced at id 102 on the first server
            RECONNECTED,
            depth(1, 1, "200.00", "200.10"),  # the restarted server: ids from 1 again, another market
            snapshot(0, "199.90", "200.20"),
            depth(2, 2, "200.01", "200.09"),
        ]
    )
    reader = LiveCaptureReader(feed, Instrument("ETHUSDT", tick_size=0.01, lot_size=1.0))  # type: ignore[arg-type]
    stop = threading.Timer(1.0, lambda: setattr(feed, "stopped", True))
    stop.start()
    rows = np.concatenate(list(reader.chunks()))
    stop.join()
    book = rows[(rows["kind"] == EventKind.DEPTH) | (rows["kind"] == EventKind.SNAPSHOT)]
    # the book ends on the new server's update at id 2, after its snapshot
    assert book["price"][-2:].tolist() == [20001, 20009]
    stats = reader.stats
    assert (stats.resyncs_on_reconnect, stats.snapshots_used, stats.depth_applied) == (1, 2, 4)
