"""The ``news-market`` scenario: fair values that jump when news is published, a crowd that absorbs each jump
``absorption_delay_ms`` later, and the headline feed that announces them (`hft_news_algo.headlines`).

Each instrument's log fair value is a Brownian motion plus the sum of its news impacts, each from its publish
time on. The other participants (liquidity providers anchored to fair value, value traders picking off stale
quotes, noise) see the fair value ``absorption_delay_ms`` late (`MarketSpec.fair_delay_ns`), so between a
publication and its absorption the book still stands at the old value: the window a news trader has. The
strategy receives each headline ``news_latency_ms`` after publication; the venue carries the headlines as its
``text_feed``, which a run uses when it is given no text file. Fair values draw from ``fair_value_seed(seed)``
and the news from ``SeedSequence([seed, 0, 1])``: the same seed gives the same market and the same headlines.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from hft_core import (
    FairValuePaths,
    FeeSchedule,
    Instrument,
    MarketSpec,
    SimulatedVenue,
    TextFeed,
    TextItem,
    VenueSpec,
    check_fair_path,
    fair_step_ns,
    fair_value_seed,
    market_participants,
    strategy_latency,
)

from hft_news_algo.headlines import NewsEvent, draw_news

__all__ = ["COMPANIES", "START_NS", "NewsMarketVenue", "build_news_market"]

START_NS = 1_704_205_800_000_000_000
"""2024-01-02 14:30:00 UTC (a New York open), the start of hft-core's simulated markets too."""
COMPANIES = (("ACME", "Acme Corp"), ("BOLT", "Bolt Industries"))
"""The scenario's instruments: (symbol, company name as headlines write it)."""
_SOURCE = "simwire"
_NS_PER_S = 1_000_000_000
_FAIR_MARGIN_S = 1.0


class NewsMarketVenue(SimulatedVenue):
    """A simulated venue that also carries the headlines its market generated (``text_feed``) and the true
    events behind them (``news``: impact, misleading), for studies."""

    text_feed: TextFeed | None = None
    news: tuple[NewsEvent, ...] = ()


def build_news_market(seed: int, duration_s: float, v: Mapping[str, Any]) -> NewsMarketVenue:
    """The ``news-market`` market (`hft_news_algo.config.NewsMarketConfig` knobs)."""
    symbols = [symbol for symbol, _ in COMPANIES]
    names = [name for _, name in COMPANIES]
    step_ns = fair_step_ns(v)
    horizon_s = duration_s + _FAIR_MARGIN_S
    check_fair_path(horizon_s, step_ns, len(symbols))
    n_steps = math.ceil(horizon_s * _NS_PER_S / step_ns)
    rng = np.random.default_rng(fair_value_seed(seed))
    dt = step_ns / _NS_PER_S
    log_fair = np.zeros((len(symbols), n_steps + 1))
    shocks = float(v["volatility"]) * math.sqrt(dt) * rng.standard_normal((len(symbols), n_steps))
    np.cumsum(shocks, axis=1, out=log_fair[:, 1:])
    news = draw_news(
        np.random.default_rng(np.random.SeedSequence([seed, 0, 1])),
        duration_s,
        symbols,
        names,
        news_rate=float(v["news_rate"]),
        impact_bp=float(v["impact_bp"]),
        big_fraction=float(v["big_fraction"]),
        misleading_fraction=float(v["misleading_fraction"]),
        chatter_rate=float(v["chatter_rate"]),
        untagged_fraction=float(v["untagged_fraction"]),
    )
    for event in news:
        if event.impact:
            log_fair[event.instrument, math.ceil(event.offset_ns / step_ns) :] += event.impact
    log_fair += math.log(float(v["price"]))
    fees = FeeSchedule(maker=float(v["maker_fee"]), taker=float(v["taker_fee"]))
    participants = market_participants(v)
    delay_ns = int(v["absorption_delay_ms"]) * 1_000_000
    markets = [
        MarketSpec(
            Instrument(symbol, float(v["tick_size"]), float(v["lot_size"]), venue="sim", fees=fees),
            participants,
            fair_value=index,
            fair_delay_ns=delay_ns,
        )
        for index, symbol in enumerate(symbols)
    ]
    venue = NewsMarketVenue(
        markets,
        [VenueSpec("sim", strategy_latency(v), int(v["message_service_ns"]))],
        FairValuePaths(np.exp(log_fair), step_ns),
        seed=seed,
        duration_s=duration_s,
        start_ns=START_NS,
        name="simulated:news-market",
        record=bool(v["record"]),
    )
    latency_ns = round(float(v["news_latency_ms"]) * 1_000_000)
    items = [
        TextItem(START_NS + e.offset_ns, START_NS + e.offset_ns + latency_ns, _SOURCE, e.headline, tickers=e.tickers)
        for e in news
    ]
    venue.news = tuple(news)
    venue.text_feed = TextFeed(
        items,
        name="news-market headlines",
        stats={
            "news": sum(1 for e in news if e.impact),
            "chatter": sum(1 for e in news if not e.impact),
            "misleading": sum(1 for e in news if e.misleading),
            "untagged": sum(1 for e in news if not e.tickers),
        },
    )
    return venue
