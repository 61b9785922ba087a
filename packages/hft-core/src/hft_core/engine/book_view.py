"""The strategy's float view of one instrument's book, read from the venue on demand."""

from __future__ import annotations

from hft_core.events import BUY, SELL
from hft_core.instruments import Instrument
from hft_core.venues.base import Venue

__all__ = ["VenueBookView"]

_MEMO = 4096


class VenueBookView:
    """`hft_core.strategy.BookView` over a venue: best prices, sizes, mid, depth and imbalance, in floats."""

    __slots__ = ("_index", "_instrument", "_prices", "_sizes", "_venue")

    def __init__(self, venue: Venue, index: int, instrument: Instrument) -> None:
        self._venue = venue
        self._index = index
        self._instrument = instrument
        # `depth` reads the same few prices and sizes decision after decision: each is converted once (the same
        # floats `ticks_to_price` and `lots_to_qty` give), up to _MEMO of each, then the memo starts again
        self._prices: dict[int, float] = {}
        self._sizes: dict[int, float] = {}

    @property
    def best_bid(self) -> float | None:
        ticks = self._venue.top(self._index).bid_price
        if ticks is None:
            return None
        price = self._prices.get(ticks)
        return self._price(ticks) if price is None else price

    @property
    def best_ask(self) -> float | None:
        ticks = self._venue.top(self._index).ask_price
        if ticks is None:
            return None
        price = self._prices.get(ticks)
        return self._price(ticks) if price is None else price

    def _price(self, ticks: int) -> float:
        """``ticks`` as a price, remembered."""
        prices = self._prices
        if len(prices) >= _MEMO:
            prices.clear()
        price = prices[ticks] = self._instrument.ticks_to_price(ticks)
        return price

    @property
    def best_bid_qty(self) -> float:
        return self._instrument.lots_to_qty(self._venue.top(self._index).bid_qty)

    @property
    def best_ask_qty(self) -> float:
        return self._instrument.lots_to_qty(self._venue.top(self._index).ask_qty)

    @property
    def mid(self) -> float | None:
        top = self._venue.top(self._index)
        if top.bid_price is None or top.ask_price is None:
            return None
        return (top.bid_price + top.ask_price) * 0.5 * self._instrument.tick_size

    @property
    def spread(self) -> float | None:
        """Best ask − best bid, or None when a side is empty."""
        top = self._venue.top(self._index)
        if top.bid_price is None or top.ask_price is None:
            return None
        return self._instrument.ticks_to_price(top.ask_price - top.bid_price)

    def depth(self, side: str, levels: int = 5) -> list[tuple[float, float]]:
        """Up to ``levels`` (price, size) pairs of ``side`` ("bid" or "ask"), best first."""
        if side not in ("bid", "ask"):
            raise ValueError(f"side must be 'bid' or 'ask', got {side!r}")
        rows = self._venue.depth(self._index, BUY if side == "bid" else SELL, levels)
        prices, sizes = self._prices, self._sizes
        out: list[tuple[float, float]] = []
        for ticks, lots in rows:
            price = prices.get(ticks)
            if price is None:
                price = self._price(ticks)
            size = sizes.get(lots)
            if size is None:
                if len(sizes) >= _MEMO:
                    sizes.clear()
                size = sizes[lots] = self._instrument.lots_to_qty(lots)
            out.append((price, size))
        return out

    def imbalance(self, levels: int = 1) -> float:
        bid = sum(q for _, q in self._venue.depth(self._index, BUY, levels))
        ask = sum(q for _, q in self._venue.depth(self._index, SELL, levels))
        total = bid + ask
        return 0.0 if total == 0 else (bid - ask) / total
