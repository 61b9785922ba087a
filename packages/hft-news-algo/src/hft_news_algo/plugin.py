"""Registers hft-news-algo's pattern (``news-algo``) and market (``news-market``) with hft (entry-point group ``hft``).

Declarations only: the knobs are `hft_news_algo.config`'s classes; the strategy and the market builder are named
by import string, so listing and describing them loads neither numpy nor VADER.
"""

from __future__ import annotations

from hft_core import Pattern, Scenario, hookimpl

__all__ = ["NEWS_ALGO", "NEWS_MARKET", "hft_register_patterns", "hft_register_scenarios"]

HUTTO_GILBERT_2014 = (
    "Hutto & Gilbert (2014), VADER: a parsimonious rule-based model for sentiment analysis of social media text, "
    "ICWSM-14"
)
LOUGHRAN_MCDONALD_2011 = (
    "Loughran & McDonald (2011), When is a liability not a liability? Textual analysis, dictionaries, and 10-Ks, "
    "Journal of Finance 66(1), 35–65"
)
TETLOCK_2007 = (
    "Tetlock (2007), Giving content to investor sentiment: the role of media in the stock market, "
    "Journal of Finance 62(3), 1139–1168"
)

NEWS_ALGO = Pattern(
    name="news-algo",
    summary="News trader: scores headlines at receipt, maps them to instruments, trades after its reaction latency.",
    description=(
        "Each item of the run's text feed is mapped to the run's instruments (its tickers, then cashtags, then the "
        "aliases table) and scored (VADER, or a user word list such as Loughran–McDonald) when it is received. A "
        "score of at least threshold in size sends an IOC order of size in its direction, max_slippage beyond the "
        "touch seen then, reaction_latency_ms later (or the measured scoring time plus it); the position is closed "
        "holding_s later. Default market: news-market, where each headline announces a jump in fair value that "
        "the other participants absorb absorption_delay_ms after publication, so the edge decays with the "
        "strategy's latency (docs/news-algo.md has the sweep)."
    ),
    config="hft_news_algo.config:NewsAlgoConfig",
    strategy="hft_news_algo.strategy:NewsTrader",
    default_scenario="news-market",
    references=(TETLOCK_2007, HUTTO_GILBERT_2014, LOUGHRAN_MCDONALD_2011),
)

NEWS_MARKET = Scenario(
    "news-market",
    "ACME and BOLT, whose fair values jump when news is published; the crowd absorbs each jump "
    "absorption_delay_ms later; a generated headline feed announces them (some misleading, some untagged)",
    config="hft_news_algo.config:NewsMarketConfig",
    builder="hft_news_algo.market:build_news_market",
)


@hookimpl
def hft_register_patterns() -> list[Pattern]:
    return [NEWS_ALGO]


@hookimpl
def hft_register_scenarios() -> list[Scenario]:
    return [NEWS_MARKET]
