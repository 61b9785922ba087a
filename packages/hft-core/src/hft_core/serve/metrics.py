"""Prometheus metrics of `hft serve`, at ``GET /metrics`` (``prometheus-client``, in the ``serve`` extra).

Each application has its own registry, so several servers in one process (tests) do not collide. Counted as it
happens: HTTP requests, WebSocket messages sent and connections open (per stream kind), order round trips (the
time to answer a create or cancel, which runs the market through the order's latencies); read from the
exchanges' records at each scrape: orders, fills, open orders, user-stream subscribers and slow consumers dropped.
Rates (messages per second) are Prometheus's ``rate()`` of the counters.

- ``hft_serve_http_requests_total`` by ``method``, ``route`` (the path template) and ``status``;
- ``hft_serve_ws_messages_total`` and the gauge ``hft_serve_ws_connections`` by ``stream`` (``book``, ``user``,
  ``binance``);
- ``hft_serve_order_round_trip_seconds``, a histogram by ``api`` (``seed``, ``binance``) and ``action``
  (``create``, ``cancel``);
- by ``exchange``: ``hft_serve_orders_total``, ``hft_serve_fills_total`` (since the start, kept or forgotten),
  ``hft_serve_slow_consumers_total`` (user streams closed because their queue filled),
  ``hft_serve_book_frames_dropped_total`` (book frames dropped for clients not reading), and the gauges
  ``hft_serve_open_orders``, ``hft_serve_orders_kept`` (open and recently closed orders in the records),
  ``hft_serve_user_subscribers``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from hft_core.serve.market import OPEN_STATUSES, MockExchange

__all__ = ["ROUND_TRIP_BUCKETS", "ServeMetrics"]

ROUND_TRIP_BUCKETS = (0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0)


class _RecordsCollector(Collector):
    def __init__(self, exchanges: Mapping[str, MockExchange]) -> None:
        self.exchanges = exchanges

    def collect(self) -> Iterator[Any]:
        orders = CounterMetricFamily("hft_serve_orders", "orders placed", labels=["exchange"])
        fills = CounterMetricFamily("hft_serve_fills", "fills of users' orders", labels=["exchange"])
        slow = CounterMetricFamily("hft_serve_slow_consumers", "user streams dropped as too slow", labels=["exchange"])
        dropped = CounterMetricFamily(
            "hft_serve_book_frames_dropped", "book frames dropped for clients not reading", labels=["exchange"]
        )
        kept = GaugeMetricFamily("hft_serve_orders_kept", "orders in the records now (open or recently closed)",
                                 labels=["exchange"])  # fmt: skip
        open_orders = GaugeMetricFamily("hft_serve_open_orders", "orders open now", labels=["exchange"])
        subscribers = GaugeMetricFamily("hft_serve_user_subscribers", "user-stream queues now", labels=["exchange"])
        for name, exchange in sorted(self.exchanges.items()):
            orders.add_metric([name], exchange.order_count)
            fills.add_metric([name], exchange.fill_count)
            slow.add_metric([name], exchange.slow_consumers)
            dropped.add_metric([name], exchange.book_frames_dropped)
            kept.add_metric([name], len(exchange.orders))
            open_orders.add_metric([name], sum(r.status in OPEN_STATUSES for r in list(exchange.orders.values())))
            subscribers.add_metric([name], sum(len(q) for q in list(exchange.subscribers.values())))
        yield from (orders, fills, slow, dropped, open_orders, kept, subscribers)


class ServeMetrics:
    """The metrics of one `hft serve` application (see the module docstring)."""

    def __init__(self, exchanges: Mapping[str, MockExchange]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "hft_serve_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=self.registry
        )
        self.ws_messages = Counter(
            "hft_serve_ws_messages", "WebSocket messages sent", ["stream"], registry=self.registry
        )
        self.ws_connections = Gauge("hft_serve_ws_connections", "WebSockets open", ["stream"], registry=self.registry)
        self.order_round_trip = Histogram(
            "hft_serve_order_round_trip_seconds",
            "seconds to answer an order create or cancel",
            ["api", "action"],
            buckets=ROUND_TRIP_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_RecordsCollector(exchanges))

    def observe_request(self, method: str, route: str, status: int, elapsed_s: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        if route.endswith("/order") and method in ("POST", "DELETE"):
            api = "binance" if "/api/v3/" in route else "seed"
            self.order_round_trip.labels(api, "create" if method == "POST" else "cancel").observe(elapsed_s)
