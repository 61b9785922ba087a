"""The live venue: the same `Venue` protocol over a network connection (``hft serve`` or an exchange speaking its
seed-style API). Needs the ``live`` (or ``serve``) extra: websockets and httpx.

>>> venue = live_venue("ws://127.0.0.1:8000/binance/BTCUSDT", api_key="demo", secret="...")  # doctest: +SKIP
>>> Engine(MyStrategy(), venue, duration_s=60).run()  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from hft_core.venues.live.venue import LiveStats, LiveVenue, parse_live_url

__all__ = ["LiveStats", "LiveVenue", "live_venue", "parse_live_url"]


def live_venue(url: str, *, api_key: str | None = None, secret: str | None = None, **options: Any) -> LiveVenue:
    """A `LiveVenue` for ``ws://HOST:PORT/EXCHANGE/SYMBOL[,SYMBOL...]`` (e.g. ``ws://127.0.0.1:8000/binance/BTCUSDT``).

    Without ``api_key`` and ``secret`` it is market data only (orders cannot be placed). ``options`` are
    `LiveVenue`'s: ``depth``, ``interval_ms``, ``heartbeat_timeout_s``, ``backoff_s``, ``max_backoff_s``,
    ``connect_timeout_s``, ``rest_timeout_s``, ``session`` (the client order ids' prefix).
    """
    return LiveVenue(url, api_key=api_key, secret=secret, **options)
