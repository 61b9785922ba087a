"""The live venue: the same `Venue` protocol over a network connection (``hft serve`` or an exchange speaking its
seed-style API). Needs the ``live`` (or ``serve``) extra: websockets and httpx.

>>> venue = live_venue("ws://127.0.0.1:8000/binance/BTCUSDT", api_key="demo", secret="...")  # doctest: +SKIP
>>> Engine(MyStrategy(), venue, duration_s=60).run()  # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import Any

from hft_core.errors import ConfigError
from hft_core.venues.live.venue import LiveFill, LiveStats, LiveVenue, parse_live_url

__all__ = [
    "BINANCE_SCHEMES",
    "METRICS_PORT_ENV",
    "LiveFill",
    "LiveStats",
    "LiveVenue",
    "live_venue",
    "metrics_port_from_env",
    "parse_live_url",
]

BINANCE_SCHEMES = ("binance+ws://", "binance+wss://")
"""How a venue URL names the Binance dialect (``ws://`` alone is the seed-style API)."""

METRICS_PORT_ENV = "HFT_METRICS_PORT"
"""Set to a port, a live or paper venue built by `live_venue` / `paper_venue` (so ``hft run --venue [--paper]``)
serves its Prometheus metrics there."""


def live_venue(url: str, *, api_key: str | None = None, secret: str | None = None, **options: Any) -> LiveVenue:
    """A `LiveVenue` for ``ws://HOST:PORT/EXCHANGE/SYMBOL[,SYMBOL...]`` (e.g. ``ws://127.0.0.1:8000/binance/BTCUSDT``).

    ``binance+ws[s]://HOST[:PORT][/PREFIX]/SYMBOL[,SYMBOL...]`` (e.g. ``binance+ws://127.0.0.1:8000/binance/ETHUSDT``)
    trades through Binance's spot dialect instead (`hft_core.venues.live.binance.BinanceLiveVenue`; its options add
    ``recv_window_ms``, ``keepalive_s`` and ``rest_url``).

    Without ``api_key`` and ``secret`` it is market data only (orders cannot be placed). ``options`` are
    `LiveVenue`'s: ``depth``, ``interval_ms``, ``heartbeat_timeout_s``, ``backoff_s``, ``max_backoff_s``,
    ``connect_timeout_s``, ``rest_timeout_s``, ``session`` (the client order ids' prefix), ``metrics_port`` (serve
    Prometheus metrics on 127.0.0.1:PORT, `hft_core.venues.live.metrics`; default: ``HFT_METRICS_PORT`` if set,
    so ``hft run --venue`` exposes them too).
    """
    if "metrics_port" not in options:
        options["metrics_port"] = metrics_port_from_env()
    if url.startswith(BINANCE_SCHEMES):
        from hft_core.venues.live.binance import BinanceLiveVenue

        return BinanceLiveVenue(url, api_key=api_key, secret=secret, **options)
    return LiveVenue(url, api_key=api_key, secret=secret, **options)


def metrics_port_from_env() -> int | None:
    """``HFT_METRICS_PORT`` as a port number (None when unset); anything else is a `ConfigError`."""
    text = os.environ.get(METRICS_PORT_ENV, "").strip()
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ConfigError(f"{METRICS_PORT_ENV} must be a port number (1-65535), got {text!r}")
    return int(text)
