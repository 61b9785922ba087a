"""Generated headlines for the ``news-market`` scenario: news as a marked point process with wording that
matches each item's true impact, with noise.

Each news event has a time (Poisson, ``news_rate`` per minute over all instruments), an instrument, a sign and
a size: big (``1-2 × impact_bp``, strong wording) with probability ``big_fraction``, else small
(``0.3-0.6 × impact_bp``, mild wording). A share ``misleading_fraction`` of headlines is worded against the
impact's sign (the market moves the other way). Chatter (``chatter_rate`` per minute) is neutral wording
without impact. A share ``untagged_fraction`` of items comes without tickers: half name the instrument by cashtag
(``$ACME``), half by company name only (mapped only with an alias table). Templates are plain English about
earnings, guidance, deals and legal trouble; some negate ("does not expect a loss"), so a scorer must handle
negation. Everything is drawn from the seed: same seed, same headlines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["CHATTER", "NEGATIVE_BIG", "NEGATIVE_SMALL", "POSITIVE_BIG", "POSITIVE_SMALL", "NewsEvent", "draw_news"]

POSITIVE_BIG = (
    "{name} reports excellent quarter as strong growth beats forecasts",
    "{name} posts record profit and raises outlook on strong demand",
    "{name} wins major contract, great results lift shares",
    "{name} shares surge after outstanding earnings and a generous buyback",
)
POSITIVE_SMALL = (
    "{name} wins new contract",
    "{name} does not expect a loss this year",
    "{name} gets favorable ruling in patent case",
    "{name} reports solid sales in line with hopes",
)
NEGATIVE_BIG = (
    "{name} crashes as CEO resigns amid scandal",
    "{name} plunges after profit warning and fraud probe",
    "{name} reports terrible quarter with heavy losses",
    "{name} collapses as regulators reject its main product, a disaster for investors",
)
NEGATIVE_SMALL = (
    "{name} reports disappointing results",
    "{name} slips after weak sales",
    "{name} faces lawsuit over delays",
    "{name} says margins are not great this quarter",
)
CHATTER = (
    "{name} to present at industry conference",
    "{name} schedules quarterly earnings call",
    "{name} names new chief financial officer",
    "{name} files annual report",
)


@dataclass(frozen=True, slots=True)
class NewsEvent:
    """One generated item: ``offset_ns`` after the start, its instrument index, its true log impact on fair value
    (0 for chatter), its headline, whether it is misleading and the tickers the feed tags it with."""

    offset_ns: int
    instrument: int
    impact: float
    headline: str
    misleading: bool
    tickers: tuple[str, ...]


def _poisson_times(rng: np.random.Generator, rate_per_min: float, duration_s: float) -> list[int]:
    if rate_per_min <= 0:
        return []
    count = int(rng.poisson(rate_per_min * duration_s / 60.0))
    return sorted(int(t) for t in rng.uniform(0.0, duration_s * 1e9, count))


def draw_news(
    rng: np.random.Generator,
    duration_s: float,
    symbols: Sequence[str],
    names: Sequence[str],
    *,
    news_rate: float,
    impact_bp: float,
    big_fraction: float,
    misleading_fraction: float,
    chatter_rate: float,
    untagged_fraction: float,
) -> list[NewsEvent]:
    """The scenario's news and chatter, by time (see the module docstring)."""
    events: list[NewsEvent] = []
    for offset in _poisson_times(rng, news_rate, duration_s):
        index = int(rng.integers(len(symbols)))
        positive = bool(rng.random() < 0.5)
        big = bool(rng.random() < big_fraction)
        scale = rng.uniform(1.0, 2.0) if big else rng.uniform(0.3, 0.6)
        impact = (1.0 if positive else -1.0) * scale * impact_bp * 1e-4
        misleading = bool(rng.random() < misleading_fraction)
        worded_positive = positive != misleading
        pool = (
            (POSITIVE_BIG if big else POSITIVE_SMALL) if worded_positive else (NEGATIVE_BIG if big else NEGATIVE_SMALL)
        )
        template = pool[int(rng.integers(len(pool)))]
        events.append(_event(rng, offset, index, impact, template, misleading, symbols, names, untagged_fraction))
    for offset in _poisson_times(rng, chatter_rate, duration_s):
        index = int(rng.integers(len(symbols)))
        template = CHATTER[int(rng.integers(len(CHATTER)))]
        events.append(_event(rng, offset, index, 0.0, template, False, symbols, names, untagged_fraction))
    events.sort(key=lambda event: event.offset_ns)
    return events


def _event(
    rng: np.random.Generator,
    offset: int,
    index: int,
    impact: float,
    template: str,
    misleading: bool,
    symbols: Sequence[str],
    names: Sequence[str],
    untagged_fraction: float,
) -> NewsEvent:
    if rng.random() >= untagged_fraction:
        return NewsEvent(offset, index, impact, template.format(name=names[index]), misleading, (symbols[index],))
    by_cashtag = bool(rng.random() < 0.5)
    name = f"${symbols[index]}" if by_cashtag else names[index]
    return NewsEvent(offset, index, impact, template.format(name=name), misleading, ())
