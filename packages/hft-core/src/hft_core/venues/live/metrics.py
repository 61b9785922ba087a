"""Prometheus metrics of a live venue (``prometheus-client``; the ``live`` extra's ``metrics`` companion).

`LiveMetrics(venue).serve(port)` serves ``http://127.0.0.1:PORT/metrics`` (``hft run --venue`` does it when
``HFT_METRICS_PORT`` is set, `hft_core.venues.live.live_venue`). Each scrape reads the venue's counters as they
are then; only the order round trips are observed as they happen:

- counters (``_total``): ``hft_live_frames`` (book frames applied: its rate is the messages per second),
  ``hft_live_connects`` and ``hft_live_disconnects`` (a reconnect is both), ``hft_live_gaps``,
  ``hft_live_resyncs``, ``hft_live_duplicates``, ``hft_live_stale``, ``hft_live_malformed``,
  ``hft_live_heartbeat_timeouts``, ``hft_live_reconciles``, ``hft_live_server_restarts``,
  ``hft_live_order_retries`` (`LiveStats`);
- ``hft_live_order_round_trip_seconds``, a histogram: from `submit` to the server's first report of the order;
- gauges by ``symbol``: ``hft_live_position`` (from the fills reported so far, base units) and ``hft_live_pnl``
  (those fills' cash flow, fees included, plus the position at the book's mid, in the quote currency).

`PaperMetrics(venue).serve(port)` does the same for a paper run (``hft run --venue ... --paper`` with
``HFT_METRICS_PORT`` set, `hft_core.venues.live.paper.paper_venue`), whose orders never leave the process:

- counters: ``hft_paper_feed_*`` (`FeedStats`: messages, connects, reconnects, snapshots, gaps, errors of the
  public feed) and ``hft_paper_sync_*`` (the Binance synchronisation's counts: depth updates applied, snapshots
  used, stale and unsynced messages dropped, gaps, resyncs, trades, ...);
- gauges by ``symbol``: ``hft_paper_best_bid`` and ``hft_paper_best_ask`` of the paper venue's book (NaN while a
  side is empty). The strategy's position and PnL are the run's (its run directory), not the venue's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from hft_core.venues.live.paper import PaperVenue
    from hft_core.venues.live.venue import LiveVenue

__all__ = ["ROUND_TRIP_BUCKETS", "LiveMetrics", "PaperMetrics"]

ROUND_TRIP_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
"""Seconds: fine below 10 ms, where a mock on the same machine answers."""


class _VenueCollector(Collector):
    def __init__(self, venue: LiveVenue) -> None:
        self.venue = venue

    def collect(self) -> Iterator[Any]:
        venue = self.venue
        stats = venue.stats
        for item in fields(stats):
            family = CounterMetricFamily(f"hft_live_{item.name}", f"LiveStats.{item.name} of the live venue")
            family.add_metric([], getattr(stats, item.name))
            yield family
        position = GaugeMetricFamily(
            "hft_live_position", "position from the reported fills (base units)", labels=["symbol"]
        )
        pnl = GaugeMetricFamily(
            "hft_live_pnl", "fills' cash flow (fees included) + position at the mid (quote currency)", labels=["symbol"]
        )
        for index, inst in enumerate(venue.instruments):
            lots = venue.positions[index]
            top = venue.top(index)
            position.add_metric([inst.symbol], inst.lots_to_qty(lots))
            if lots == 0:
                marked = 0.0
            elif top.bid_price is None or top.ask_price is None:
                marked = float("nan")
            else:
                marked = (inst.notional(top.bid_price, lots) + inst.notional(top.ask_price, lots)) / 2
            pnl.add_metric([inst.symbol], venue.cash[index] + marked)
        yield position
        yield pnl


class _PaperCollector(Collector):
    def __init__(self, venue: PaperVenue) -> None:
        self.venue = venue

    def collect(self) -> Iterator[Any]:
        venue = self.venue
        for prefix, stats, what in (
            ("feed", venue.feed.stats, "FeedStats"),
            ("sync", venue.reader.stats, "BinanceSyncStats"),
        ):
            for item in fields(stats):
                value = getattr(stats, item.name)
                if isinstance(value, bool) or not isinstance(value, int):
                    continue  # (lists of gaps, per-kind dicts and flags are not counters)
                family = CounterMetricFamily(f"hft_paper_{prefix}_{item.name}", f"{what}.{item.name} of the paper run")
                family.add_metric([], value)
                yield family
        bid = GaugeMetricFamily("hft_paper_best_bid", "best bid of the paper venue's book", labels=["symbol"])
        ask = GaugeMetricFamily("hft_paper_best_ask", "best ask of the paper venue's book", labels=["symbol"])
        for index, inst in enumerate(venue.instruments):
            top = venue.top(index)
            nan = float("nan")
            bid.add_metric([inst.symbol], nan if top.bid_price is None else inst.ticks_to_price(top.bid_price))
            ask.add_metric([inst.symbol], nan if top.ask_price is None else inst.ticks_to_price(top.ask_price))
        yield bid
        yield ask


class _Served:
    """A registry served over HTTP on a daemon thread."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._server: Any = None
        self.port: int | None = None

    def serve(self, port: int, host: str = "127.0.0.1") -> Any:
        """Serve ``/metrics`` on ``host:port`` (127.0.0.1 unless told otherwise) on a daemon thread."""
        self._server, _ = start_http_server(port, addr=host, registry=self.registry)
        self.port = port
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class PaperMetrics(_Served):
    """A paper venue's metrics (the module docstring) in their own registry."""

    def __init__(self, venue: PaperVenue) -> None:
        super().__init__()
        self.registry.register(_PaperCollector(venue))


class LiveMetrics(_Served):
    """A live venue's metrics in their own registry (several venues in one process do not collide)."""

    def __init__(self, venue: LiveVenue) -> None:
        super().__init__()
        self.round_trip = Histogram(
            "hft_live_order_round_trip_seconds",
            "seconds from submitting an order to the server's first report of it",
            buckets=ROUND_TRIP_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_VenueCollector(venue))
        venue.on_round_trip = self.round_trip.observe
