"""Text items and a run's text feed: the second timestamped stream of a run, beside market data.

A `TextItem` is one piece of text (a headline, optionally a body and the tickers its vendor tagged) with two
times, in integer ns since the Unix epoch (UTC), as market events have an exchange and a local time:

- ``published_ns``: when its source published it (the vendor's timestamp);
- ``received_ns``: when it reached the strategy's machine (the local receipt time).

A `TextFeed` orders items by receipt time and adds a feed latency (``latency_ns``: the time from the recorded
receipt to the strategy, e.g. parsing and distribution inside the firm). The engine hands each item to
`Strategy.on_text` at exactly ``received_ns`` of the item it delivers (the feed's latency already added): a
strategy never sees an item before its receipt time, and since items are frozen and the feed owns the order, no
API can move one earlier. Items received before the run starts are delivered when it starts (``ctx.now`` is
then later than ``received_ns``: the strategy can tell stale news); items received at or after the run's end
are never delivered. Both are counted in the run's ``text`` stats.

Nothing here imports numpy or pandas.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_TIME_NS", "TextFeed", "TextItem"]

MAX_TIME_NS = 2**62
"""Times lie in [0, 2**62) ns, as market events' do (until 2116)."""


def _check_time(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"TextItem.{name} must be an integer number of ns since the epoch, got {value!r}")
    if not 0 <= value < MAX_TIME_NS:
        raise ValueError(f"TextItem.{name} must lie in [0, 2**62) ns, got {value}")


@dataclass(frozen=True, slots=True)
class TextItem:
    """One timestamped text item (see the module docstring for the two times)."""

    published_ns: int
    received_ns: int
    source: str
    headline: str
    body: str | None = None
    tickers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_time("published_ns", self.published_ns)
        _check_time("received_ns", self.received_ns)
        if not isinstance(self.headline, str):
            raise TypeError(f"TextItem.headline must be text, got {self.headline!r}")
        if not isinstance(self.source, str):
            raise TypeError(f"TextItem.source must be text, got {self.source!r}")
        if self.body is not None and not isinstance(self.body, str):
            raise TypeError(f"TextItem.body must be text or None, got {self.body!r}")
        if not isinstance(self.tickers, tuple) or not all(isinstance(t, str) for t in self.tickers):
            raise TypeError(f"TextItem.tickers must be a tuple of symbols, got {self.tickers!r}")

    @property
    def text(self) -> str:
        """The headline and, when there is one, the body, as one text."""
        return self.headline if not self.body else f"{self.headline}\n{self.body}"


class TextFeed:
    """A run's text stream: ``items`` in receipt order (stable), each delivered at its ``received_ns`` plus the
    feed's ``latency_ns`` (the delivered item carries that time as its ``received_ns``).

    ``name`` says where the items came from (a file, a scenario) and ``stats`` what producing them counted (a
    loader's skipped rows, say); both go into the run's ``text`` stats.
    """

    __slots__ = ("_items", "_times", "latency_ns", "name", "stats")

    def __init__(
        self,
        items: Iterable[TextItem],
        *,
        latency_ns: int = 0,
        name: str = "text",
        stats: Mapping[str, Any] | None = None,
    ) -> None:
        if isinstance(latency_ns, bool) or not isinstance(latency_ns, int) or not 0 <= latency_ns < MAX_TIME_NS:
            raise ValueError(f"a text feed's latency must be an integer >= 0 ns, got {latency_ns!r}")
        given = list(items)
        for item in given:
            if not isinstance(item, TextItem):
                raise TypeError(f"a text feed holds TextItem objects, got {type(item).__name__}")
        if latency_ns:
            given = [dataclasses.replace(item, received_ns=item.received_ns + latency_ns) for item in given]
        given.sort(key=lambda item: item.received_ns)  # (stable: items received together keep their order)
        self._items: tuple[TextItem, ...] = tuple(given)
        self._times: tuple[int, ...] = tuple(item.received_ns for item in given)
        self.latency_ns = latency_ns
        self.name = name
        self.stats: dict[str, Any] = dict(stats or {})

    @property
    def items(self) -> tuple[TextItem, ...]:
        """Every item, in delivery order, with the feed's latency added to its receipt time."""
        return self._items

    @property
    def times(self) -> tuple[int, ...]:
        """Each item's delivery time (ns), non-decreasing."""
        return self._times

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"TextFeed({self.name!r}, {len(self._items)} items, latency {self.latency_ns} ns)"
