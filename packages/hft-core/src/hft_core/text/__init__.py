"""Text events: timestamped text items (headlines, bodies, tickers), a run's text feed, and loaders for headline
files (CSV, JSONL, Parquet).

`TextItem` and `TextFeed` (`hft_core.text.items`) cost no numpy; the loaders (`hft_core.text.loaders`:
`load_text`, `describe_text_file`) load pandas/pyarrow only when called. The engine delivers a feed's items to
`Strategy.on_text` at their receipt time (docs/data-formats.md, "Text files"; docs/architecture.md).

A venue may carry the text its market generated (a simulated news market): an attribute ``text_feed`` holding a
`TextFeed`. A run that is given no text of its own uses it (`text_feed_of`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hft_core.lazy import lazy_attributes
from hft_core.text.items import MAX_TIME_NS, TextFeed, TextItem

if TYPE_CHECKING:
    from hft_core.text.loaders import (
        TextLoad,
        TextSource,
        TextSummary,
        describe_text_file,
        is_text_file,
        load_text,
    )

__all__ = [
    "MAX_TIME_NS",
    "TextFeed",
    "TextItem",
    "TextLoad",
    "TextSource",
    "TextSummary",
    "describe_text_file",
    "is_text_file",
    "load_text",
    "text_feed_of",
]

_LAZY = dict.fromkeys(
    ("TextLoad", "TextSource", "TextSummary", "describe_text_file", "is_text_file", "load_text"),
    "hft_core.text.loaders",
)
__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)


def text_feed_of(venue: object) -> TextFeed | None:
    """The text feed a venue's market generated (its ``text_feed`` attribute), or None."""
    feed = getattr(venue, "text_feed", None)
    return feed if isinstance(feed, TextFeed) else None
