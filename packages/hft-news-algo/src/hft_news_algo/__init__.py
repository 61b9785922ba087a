"""hft-news-algo: a latency-aware news trader on a timestamped text feed.

Scorers (`VaderScorer`, `WordListScorer`), instrument mapping (`InstrumentMapper`), the ``news-algo`` strategy
(`NewsTrader`), its ``news-market`` scenario and the latency sweep (`latency_sweep`). The names load on first
access (PEP 562), so importing the package costs neither numpy nor VADER.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hft_core import lazy_attributes

from hft_news_algo.__about__ import __version__

if TYPE_CHECKING:
    from hft_news_algo.config import NewsAlgoConfig, NewsMarketConfig
    from hft_news_algo.mapping import InstrumentMapper, load_aliases
    from hft_news_algo.scoring import Scorer, VaderScorer, WordListScorer, make_scorer
    from hft_news_algo.strategy import NewsTrader
    from hft_news_algo.study import LatencyPoint, latency_sweep

__all__ = [
    "InstrumentMapper",
    "LatencyPoint",
    "NewsAlgoConfig",
    "NewsMarketConfig",
    "NewsTrader",
    "Scorer",
    "VaderScorer",
    "WordListScorer",
    "__version__",
    "latency_sweep",
    "load_aliases",
    "make_scorer",
]

_LAZY = {
    "InstrumentMapper": "hft_news_algo.mapping",
    "LatencyPoint": "hft_news_algo.study",
    "NewsAlgoConfig": "hft_news_algo.config",
    "NewsMarketConfig": "hft_news_algo.config",
    "NewsTrader": "hft_news_algo.strategy",
    "Scorer": "hft_news_algo.scoring",
    "VaderScorer": "hft_news_algo.scoring",
    "WordListScorer": "hft_news_algo.scoring",
    "latency_sweep": "hft_news_algo.study",
    "load_aliases": "hft_news_algo.mapping",
    "make_scorer": "hft_news_algo.scoring",
}

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
