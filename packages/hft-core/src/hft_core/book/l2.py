"""Price-level (L2) order book: aggregated quantity per price, in integer ticks and lots.

The book takes absolute level updates (a level now holds ``qty``; 0 removes it), whole-side snapshots and chunks
of `hft_core.events` arrays, and answers the questions strategies ask of a book: best bid and ask, mid,
size-weighted mid ("microprice"), spread, depth arrays, imbalance and the quantity queued at a price.

A crossed book (best bid >= best ask) is never kept silently. By default it is an error; incremental feeds
that can briefly cross (one side's update arriving before the other side's removal) may ask for
``on_crossed="repair"``, which lets the newest update win: the opposite levels it crosses are dropped and
counted in `L2Book.repaired_levels`. Snapshots are never repaired.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable
from typing import Literal

import numpy as np
import numpy.typing as npt

from hft_core.book.errors import BookError, CrossedBookError, InvalidQuantityError, at_event
from hft_core.events import BUY, SELL, EventKind, Events

__all__ = ["CrossedPolicy", "L2Book", "LevelArrays", "check_side"]

CrossedPolicy = Literal["error", "repair"]
"""What `L2Book` does when an incremental update crosses the book."""

LevelArrays = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]
"""``(prices, quantities)`` of a side's levels, best first."""


def check_side(side: int) -> int:
    """``side`` if it is `BUY` or `SELL`, else a `BookError`."""
    if side != BUY and side != SELL:
        raise BookError(f"side must be BUY (1) or SELL (-1), got {side}")
    return side


class L2Book:
    """An aggregated price-level book for one instrument.

    Prices are integer ticks and quantities integer lots (see `hft_core.instruments`).
    """

    __slots__ = ("_prices", "_qty", "on_crossed", "repaired_levels")

    def __init__(self, *, on_crossed: CrossedPolicy = "error") -> None:
        if on_crossed not in ("error", "repair"):
            raise ValueError(f"on_crossed must be 'error' or 'repair', got {on_crossed!r}")
        self.on_crossed: CrossedPolicy = on_crossed
        self.repaired_levels = 0
        """Opposite-side levels dropped by ``on_crossed="repair"`` so far."""
        self._qty: dict[int, dict[int, int]] = {BUY: {}, SELL: {}}
        # Ascending on both sides: the best bid is the last price, the best ask the first.
        self._prices: dict[int, list[int]] = {BUY: [], SELL: []}

    # -- updates --------------------------------------------------------------------------------------------
    def update(self, side: int, price: int, qty: int) -> None:
        """Set the level at ``price`` on ``side`` to ``qty`` lots (absolute; 0 removes the level)."""
        check_side(side)
        _check_level_qty(price, qty)
        if qty > 0:
            self._resolve_crossing(side, price)
        self._set_level(side, price, qty)

    def clear(self, side: int = 0) -> None:
        """Forget the levels of ``side`` (0 = both sides)."""
        for cleared in (BUY, SELL) if side == 0 else (check_side(side),):
            self._qty[cleared].clear()
            self._prices[cleared].clear()

    def load_snapshot(
        self,
        *,
        bids: Iterable[tuple[int, int]] | npt.NDArray[np.integer] | None = None,
        asks: Iterable[tuple[int, int]] | npt.NDArray[np.integer] | None = None,
    ) -> None:
        """Replace whole sides with ``(price, qty)`` levels; a side left as None keeps its levels.

        Every level must have a positive quantity and a distinct price, and the result must not be crossed;
        on any error the book is left unchanged.
        """
        new_qty = dict(self._qty)
        for side, levels in ((BUY, bids), (SELL, asks)):
            if levels is None:
                continue
            side_qty: dict[int, int] = {}
            for price, qty in _level_pairs(levels):
                if qty <= 0:
                    raise InvalidQuantityError(f"snapshot level at {price} has non-positive qty {qty}")
                if price in side_qty:
                    raise BookError(f"snapshot lists price {price} twice on the {_side_name(side)} side")
                side_qty[price] = qty
            new_qty[side] = side_qty
        if new_qty[BUY] and new_qty[SELL] and max(new_qty[BUY]) >= min(new_qty[SELL]):
            raise CrossedBookError(
                f"snapshot is crossed: best bid {max(new_qty[BUY])} >= best ask {min(new_qty[SELL])}"
            )
        self._qty = new_qty
        self._prices = {side: sorted(new_qty[side]) for side in (BUY, SELL)}

    def apply(self, events: Events) -> None:
        """Apply a chunk of `EVENT_DTYPE` events in order.

        ``DEPTH`` is `update`; ``CLEAR`` is `clear`; ``SNAPSHOT`` sets a level like ``DEPTH`` but the crossing
        check waits until the snapshot is complete (the first event that is neither ``CLEAR`` nor ``SNAPSHOT``,
        or the end of the chunk); ``TRADE`` leaves the book as it is. L3 kinds are an error: use `L3Book`.
        An error names the event's index in the chunk; the events before it stay applied.
        """
        kinds = events["kind"].tolist()
        sides = events["side"].tolist()
        prices = events["price"].tolist()
        qtys = events["qty"].tolist()
        in_snapshot = False
        index = 0
        try:
            for index, kind in enumerate(kinds):
                if in_snapshot and kind != EventKind.SNAPSHOT and kind != EventKind.CLEAR:
                    in_snapshot = False
                    self._check_not_crossed("snapshot")
                if kind == EventKind.DEPTH:
                    self.update(sides[index], prices[index], qtys[index])
                elif kind == EventKind.SNAPSHOT:
                    self._set_level(check_side(sides[index]), prices[index], qtys[index])
                    in_snapshot = True
                elif kind == EventKind.CLEAR:
                    self.clear(sides[index])
                    in_snapshot = True
                elif kind != EventKind.TRADE:
                    raise BookError(f"L2Book cannot apply {_kind_name(kind)} events (order-by-order: use L3Book)")
            if in_snapshot:
                index = len(kinds) - 1
                self._check_not_crossed("snapshot")
        except BookError as error:
            raise at_event(error, index) from None

    # -- queries --------------------------------------------------------------------------------------------
    def best_bid(self) -> tuple[int, int] | None:
        """``(price, qty)`` of the best bid, or None when there are no bids."""
        prices = self._prices[BUY]
        return (prices[-1], self._qty[BUY][prices[-1]]) if prices else None

    def best_ask(self) -> tuple[int, int] | None:
        """``(price, qty)`` of the best ask, or None when there are no asks."""
        prices = self._prices[SELL]
        return (prices[0], self._qty[SELL][prices[0]]) if prices else None

    def spread(self) -> int | None:
        """Best ask minus best bid in ticks, or None when a side is empty."""
        bid, ask = self.best_bid(), self.best_ask()
        return None if bid is None or ask is None else ask[0] - bid[0]

    def mid(self) -> float | None:
        """Mean of best bid and best ask in ticks (may be a half tick), or None when a side is empty."""
        bid, ask = self.best_bid(), self.best_ask()
        return None if bid is None or ask is None else (bid[0] + ask[0]) / 2

    def microprice(self) -> float | None:
        """Size-weighted mid in ticks: ``(bid·ask_qty + ask·bid_qty) / (bid_qty + ask_qty)``.

        It leans towards the side with less quantity, the side more likely to be taken out next. (This is the
        common "weighted mid"; Stoikov's 2018 micro-price adds a fitted correction on top of it.)
        """
        bid, ask = self.best_bid(), self.best_ask()
        if bid is None or ask is None:
            return None
        return (bid[0] * ask[1] + ask[0] * bid[1]) / (bid[1] + ask[1])

    def depth(self, side: int, levels: int | None = None) -> LevelArrays:
        """Prices and quantities of the best ``levels`` levels of ``side`` (all when None), best first."""
        check_side(side)
        if levels is not None and levels < 0:
            raise ValueError(f"levels must be non-negative, got {levels}")
        prices = self._prices[side]
        chosen = prices[::-1] if side == BUY else prices
        if levels is not None:
            chosen = chosen[:levels]
        qty = self._qty[side]
        return np.array(chosen, dtype=np.int64), np.array([qty[p] for p in chosen], dtype=np.int64)

    def imbalance(self, levels: int = 1) -> float | None:
        """``(bid_qty - ask_qty) / (bid_qty + ask_qty)`` over the best ``levels`` levels of each side.

        In [-1, 1]: +1 means only bids. None when both sides are empty.
        """
        if levels < 1:
            raise ValueError(f"levels must be at least 1, got {levels}")
        bid_qty = int(self.depth(BUY, levels)[1].sum())
        ask_qty = int(self.depth(SELL, levels)[1].sum())
        total = bid_qty + ask_qty
        return None if total == 0 else (bid_qty - ask_qty) / total

    def qty_at(self, side: int, price: int) -> int:
        """Lots queued at ``price`` on ``side`` (0 when there is no such level)."""
        return self._qty[check_side(side)].get(price, 0)

    def level_count(self, side: int) -> int:
        """Number of occupied price levels on ``side``."""
        return len(self._prices[check_side(side)])

    def is_crossed(self) -> bool:
        """True when the best bid is at or above the best ask (only possible mid-snapshot)."""
        bids, asks = self._prices[BUY], self._prices[SELL]
        return bool(bids and asks and bids[-1] >= asks[0])

    def __repr__(self) -> str:
        levels = f"{len(self._prices[BUY])}/{len(self._prices[SELL])}"
        return f"L2Book(bid={self.best_bid()}, ask={self.best_ask()}, levels={levels})"

    # -- internals ------------------------------------------------------------------------------------------
    def _set_level(self, side: int, price: int, qty: int) -> None:
        _check_level_qty(price, qty)
        levels = self._qty[side]
        if qty == 0:
            if levels.pop(price, None) is not None:
                prices = self._prices[side]
                del prices[bisect_left(prices, price)]
        else:
            if price not in levels:
                insort(self._prices[side], price)
            levels[price] = qty

    def _resolve_crossing(self, side: int, price: int) -> None:
        """After a bid (ask) update at ``price``: error on, or drop, asks (bids) at or through it."""
        other = -side
        other_prices = self._prices[other]
        if side == BUY:
            crossed = other_prices[: bisect_left(other_prices, price + 1)]
        else:
            crossed = other_prices[bisect_left(other_prices, price) :]
        if not crossed:
            return
        if self.on_crossed == "error":
            best_other = crossed[0] if side == BUY else crossed[-1]
            raise CrossedBookError(
                f"{_side_name(side)} update at {price} crosses the best {_side_name(other)} at {best_other}"
            )
        for crossed_price in crossed:
            self._set_level(other, crossed_price, 0)
        self.repaired_levels += len(crossed)

    def _check_not_crossed(self, what: str) -> None:
        if self.is_crossed():
            bid, ask = self.best_bid(), self.best_ask()
            assert bid is not None and ask is not None
            raise CrossedBookError(f"{what} leaves the book crossed: best bid {bid[0]} >= best ask {ask[0]}")


def _check_level_qty(price: int, qty: int) -> None:
    if qty < 0:
        raise InvalidQuantityError(f"level qty must be >= 0, got {qty} at price {price}")


def _level_pairs(levels: Iterable[tuple[int, int]] | npt.NDArray[np.integer]) -> list[tuple[int, int]]:
    if isinstance(levels, np.ndarray):
        if levels.ndim != 2 or levels.shape[1] != 2:
            raise BookError(f"snapshot array must have shape (n, 2), got {levels.shape}")
        return [(int(p), int(q)) for p, q in levels.tolist()]
    return [(int(p), int(q)) for p, q in levels]


def _side_name(side: int) -> str:
    return "bid" if side == BUY else "ask"


def _kind_name(kind: int) -> str:
    try:
        return EventKind(kind).name
    except ValueError:
        return f"unknown kind {kind}"
