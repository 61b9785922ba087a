"""The knobs of the ``news-algo`` pattern and of its ``news-market`` scenario, declared once (no numpy here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from hft_core import Config, Distance, Knob, MarketConfig, Size, markets

__all__ = ["NewsAlgoConfig", "NewsMarketConfig"]


@dataclass(frozen=True)
class NewsAlgoConfig(Config):
    """Score each headline as it arrives, map it to instruments, trade its sign after the reaction latency."""

    scorer: Annotated[
        Literal["vader", "word-list", "transformer"],
        Knob(
            "Sentiment scorer: VADER (bundled lexicon), a word list given by word_list, or a packaged "
            "sentence-transformer (the [transformer] extra)."
        ),
    ] = "vader"
    word_list: Annotated[
        str,
        Knob("Word list for scorer=word-list: a word,sentiment CSV or the Loughran-McDonald master dictionary."),
    ] = ""
    aliases: Annotated[
        str, Knob("Alias table (CSV: alias,symbol) mapping company names or cashtags to instruments; '' for none.")
    ] = ""
    threshold: Annotated[float, Knob("Smallest |score| that trades.", ge=0, le=1)] = 0.3
    size: Annotated[Size, Knob("Size of each trade.", gt=0)] = Size(5, "lots")
    max_position: Annotated[Size, Knob("Position cap per instrument.", gt=0)] = Size(20, "lots")
    reaction_latency_ms: Annotated[
        float,
        Knob("Decision time charged from receipt until the orders leave.", unit="ms", ge=0, le=60_000),
    ] = 1.0
    reaction: Annotated[
        Literal["budget", "measured"],
        Knob("Charge reaction_latency_ms (deterministic) or the measured scoring time plus it (not reproducible)."),
    ] = "budget"
    holding_s: Annotated[float, Knob("Time a position is held before it is closed.", unit="s", gt=0, le=86_400)] = 5.0
    max_slippage: Annotated[Distance, Knob("Limit of the IOC orders beyond the touch.", ge=0)] = Distance(30, "ticks")
    stale_after_s: Annotated[
        float, Knob("Items published longer ago than this when received are not traded.", unit="s", gt=0)
    ] = 2.0

    def validate(self) -> None:
        if self.scorer == "word-list" and not self.word_list:
            raise ValueError("scorer='word-list' needs word_list (a path to the word list)")
        if self.size.unit == self.max_position.unit and self.max_position.amount < self.size.amount:
            raise ValueError(f"max_position ({self.max_position}) must be >= size ({self.size})")


NewsRatePerMin = Annotated[
    float, Knob("news items with an impact per minute, all instruments", unit="1/min", gt=0, le=600)
]


@dataclass(frozen=True)
class NewsMarketConfig(MarketConfig):
    """Two instruments whose fair values jump on news; the crowd absorbs each jump after absorption_delay_ms."""

    news_rate: NewsRatePerMin = 12.0
    impact_bp: Annotated[
        float,
        Knob(
            "typical news jump in fair value (big: 1-2x, small: 0.3-0.6x)",
            unit="bp",
            gt=0,
            le=2_000,
        ),
    ] = 25.0
    big_fraction: Annotated[float, Knob("share of news that is big (strong wording)", ge=0, le=1)] = 0.5
    misleading_fraction: Annotated[float, Knob("share of headlines worded against their impact's sign", ge=0, le=1)] = (
        0.1
    )
    chatter_rate: Annotated[float, Knob("neutral headlines without impact per minute", unit="1/min", ge=0, le=600)] = (
        6.0
    )
    untagged_fraction: Annotated[
        float, Knob("share of headlines the feed does not tag with tickers (named by cashtag or company)", ge=0, le=1)
    ] = 0.2
    absorption_delay_ms: Annotated[
        int, Knob("how late the other participants learn of a jump", unit="ms", ge=0, le=10_000)
    ] = 200
    news_latency_ms: Annotated[
        float, Knob("headline feed latency: publish -> received by the strategy", unit="ms", ge=0, le=10_000)
    ] = 2.0
    lp_fair_weight: markets.LpFairWeight = 1.0
    lp_lifetime_s: markets.LpLifetimeS = 1.0
    value_look_rate: markets.ValueLookRate = 200.0
    value_size_max: markets.ValueSizeMax = 50
    imbalance_look_rate: markets.ImbalanceLookRate = 0.0
    momentum_look_rate: markets.MomentumLookRate = 0.0
