"""Triangular arbitrage across three order books, sized by sweeping their L2 depth.

Three books that pair three currencies (e.g. BTC/USDT, ETH/USDT, ETH/BTC) form two cycles from a start
currency: USDT → BTC → ETH → USDT and the reverse. Each leg is a taker trade: converting quote → base buys by
walking the asks, base → quote sells by walking the bids, and the taker fee is charged on what is received
(as on most crypto spot venues). For one level the conversion rate is ``(1 − f)/ask`` or ``bid·(1 − f)``.

Each leg is a piecewise-linear, concave map from the amount put in to the amount received, with decreasing
marginal rates; composing the three legs gives the cycle's map in start-currency units. The cycle is worth
trading while its marginal rate exceeds 1, so the profit-maximising size is the input at which the composite
marginal rate falls through 1, or where some book runs out of depth.

Books hold integer ticks and lots (an `hft_core.instruments.Instrument` gives the grid, the contract
multiplier and the taker fee). The plan is made on the continuous map; execution rounds each leg down to
whole lots and fills it with ``hft_core.matching.sweep``, so the reported fills are exactly what the book
snapshot would give. Amounts that do not fill a whole lot stay behind as ``dust`` (valued at zero in the
profit).

Background: Aiba, Hatano, Takayasu, Marumo & Shimizu (2002), "Triangular arbitrage as an interaction among
foreign exchange rates", Physica A 310, 467–479; Fenn, Howison, McDonald, Williams & Johnson (2009), "The
mirage of triangular arbitrage in the spot foreign exchange market", Int. J. Theor. Appl. Finance 12(8).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from hft_core import BUY, SELL, Instrument, sweep

from hft_statarb.errors import StatArbError

__all__ = [
    "CycleLeg",
    "L2Book",
    "TriangularOpportunity",
    "cycle_rate_at_top",
    "find_triangular_opportunities",
]

IntArray = npt.NDArray[np.int64]
Side = Literal["buy", "sell"]
SizeLimit = Literal["price", "depth", "cap"]

# Relative slack when a budget should exactly cover a level or a lot count (float rounding only).
_ROUNDING_SLACK = 1e-9


def _as_levels(levels: npt.ArrayLike, what: str, *, descending: bool) -> IntArray:
    array = np.asarray(levels)
    if array.size == 0:
        return np.empty((0, 2), dtype=np.int64)
    if array.ndim != 2 or array.shape[1] != 2:
        raise StatArbError(f"{what}: expected rows of (price ticks, qty lots), got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.integer):
        raise StatArbError(f"{what}: levels must be integer ticks and lots (use L2Book.from_prices for floats)")
    array = array.astype(np.int64)
    if np.any(array <= 0):
        raise StatArbError(f"{what}: prices and quantities must be positive")
    steps = np.diff(array[:, 0])
    if np.any(steps >= 0 if descending else steps <= 0):
        order = "strictly descending (best bid first)" if descending else "strictly ascending (best ask first)"
        raise StatArbError(f"{what}: prices must be {order}")
    return array


@dataclass(frozen=True, slots=True)
class L2Book:
    """A price-level snapshot of one book: ``bids``/``asks`` rows of (price ticks, qty lots), best first.

    The instrument's symbol must be ``BASE/QUOTE``; its taker fee is a fraction of the received amount.
    """

    instrument: Instrument
    bids: IntArray
    asks: IntArray

    def __post_init__(self) -> None:
        symbol = self.instrument.symbol
        parts = symbol.split("/")
        if len(parts) != 2 or not all(parts) or parts[0] == parts[1]:
            raise StatArbError(f"instrument symbol {symbol!r} is not of the form BASE/QUOTE")
        taker = self.instrument.fees.taker
        if not 0.0 <= taker < 1.0:
            raise StatArbError(f"{symbol}: taker fee must lie in [0, 1), got {taker!r}")
        object.__setattr__(self, "bids", _as_levels(self.bids, f"{symbol} bids", descending=True))
        object.__setattr__(self, "asks", _as_levels(self.asks, f"{symbol} asks", descending=False))
        if self.bids.size and self.asks.size and self.bids[0, 0] >= self.asks[0, 0]:
            raise StatArbError(
                f"{symbol}: crossed book (best bid {self.bids[0, 0]} >= best ask {self.asks[0, 0]} ticks)"
            )

    @classmethod
    def from_prices(
        cls,
        instrument: Instrument,
        bids: Sequence[tuple[float, float]],
        asks: Sequence[tuple[float, float]],
    ) -> L2Book:
        """Build from float (price, qty) rows; each must sit exactly on the instrument's grid."""

        def to_grid(rows: Sequence[tuple[float, float]]) -> IntArray:
            return np.array(
                [(instrument.price_to_ticks(price), instrument.qty_to_lots(qty)) for price, qty in rows],
                dtype=np.int64,
            ).reshape(-1, 2)

        return cls(instrument=instrument, bids=to_grid(bids), asks=to_grid(asks))

    @property
    def symbol(self) -> str:
        """The instrument's ``BASE/QUOTE`` symbol."""
        return self.instrument.symbol

    @property
    def base(self) -> str:
        """Currency bought by a buy."""
        return self.instrument.symbol.split("/")[0]

    @property
    def quote(self) -> str:
        """Currency prices are in."""
        return self.instrument.symbol.split("/")[1]

    @property
    def taker_fee(self) -> float:
        """Taker fee rate, charged on the received amount."""
        return self.instrument.fees.taker

    def price(self, ticks: int) -> float:
        """Quote units per base unit at ``ticks``."""
        return ticks * self.instrument.tick_size * self.instrument.multiplier

    def quantity(self, lots: int) -> float:
        """Base units in ``lots``."""
        return lots * self.instrument.lot_size


@dataclass(frozen=True, slots=True)
class CycleLeg:
    """One taker trade of a cycle, as filled by the depth sweep."""

    symbol: str
    side: Side
    currency_in: str
    amount_in: float
    """Actually spent (whole lots)."""
    currency_out: str
    amount_out: float
    """Received, net of the fee."""
    lots: int
    average_price: float
    """Volume-weighted fill price in quote units (NaN if nothing filled)."""
    fee: float
    """Paid in ``currency_out``."""
    levels_used: int
    dust: float
    """Part of the amount handed to this leg that did not make a whole lot (stays in ``currency_in``)."""


@dataclass(frozen=True, slots=True)
class TriangularOpportunity:
    """A profitable cycle at its profit-maximising size."""

    currencies: tuple[str, str, str, str]
    """Path of currencies, start and end the same, e.g. ("USDT", "BTC", "ETH", "USDT")."""
    legs: tuple[CycleLeg, CycleLeg, CycleLeg]
    planned_start_amount: float
    """The continuous optimum before rounding to lots."""
    planned_profit: float
    top_of_book_rate: float
    """End/start for an infinitesimal amount at the best prices, after fees (> 1 when profitable)."""
    size_limit: SizeLimit
    """What stopped the size: ``price`` (marginal rate fell to 1), ``depth`` (a book ran out), ``cap``."""

    @property
    def start_amount(self) -> float:
        """Spent on the first leg."""
        return self.legs[0].amount_in

    @property
    def end_amount(self) -> float:
        """Received from the last leg, net of fees."""
        return self.legs[2].amount_out

    @property
    def profit(self) -> float:
        """end − start in the start currency; dust in the other currencies counts as zero."""
        return self.end_amount - self.start_amount

    @property
    def return_rate(self) -> float:
        """profit / start_amount."""
        return self.profit / self.start_amount


@dataclass(frozen=True, slots=True)
class _LegPlan:
    book: L2Book
    side: Side
    currency_in: str
    currency_out: str

    def segments(self) -> list[tuple[float, float]]:
        """(input capacity, marginal rate out/in after fees) per level, best first."""
        keep = 1.0 - self.book.taker_fee
        book = self.book
        if self.side == "buy":
            return [
                (book.price(ticks) * book.quantity(lots), keep / book.price(ticks))
                for ticks, lots in book.asks.tolist()
            ]
        return [(book.quantity(lots), book.price(ticks) * keep) for ticks, lots in book.bids.tolist()]


def _compose(first: list[tuple[float, float]], second: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Segments of ``second ∘ first`` in ``first``'s input units (both concave, rates decreasing)."""
    composed: list[tuple[float, float]] = []
    i = j = 0
    remaining_first = first[0][0] if first else 0.0
    remaining_second = second[0][0] if second else 0.0
    while i < len(first) and j < len(second):
        rate_first = first[i][1]
        output_available = remaining_first * rate_first
        if output_available <= remaining_second:
            composed.append((remaining_first, rate_first * second[j][1]))
            remaining_second -= output_available
            i += 1
            remaining_first = first[i][0] if i < len(first) else 0.0
        else:
            input_used = remaining_second / rate_first
            composed.append((input_used, rate_first * second[j][1]))
            remaining_first -= input_used
            j += 1
            remaining_second = second[j][0] if j < len(second) else 0.0
    return [(capacity, rate) for capacity, rate in composed if capacity > 0]


def _cycles(books: Sequence[L2Book], start: str) -> list[tuple[_LegPlan, _LegPlan, _LegPlan]]:
    if len(books) != 3:
        raise StatArbError(f"triangular arbitrage needs exactly three books, got {len(books)}")
    currencies = {c for book in books for c in (book.base, book.quote)}
    pairs = {frozenset((book.base, book.quote)) for book in books}
    if len(currencies) != 3 or len(pairs) != 3:
        symbols = ", ".join(book.symbol for book in books)
        raise StatArbError(f"books {symbols} do not form a triangle of three currencies")
    if start not in currencies:
        raise StatArbError(f"start currency {start!r} is not traded in these books ({sorted(currencies)})")

    def leg(source: str, target: str) -> _LegPlan:
        for book in books:
            if (book.quote, book.base) == (source, target):
                return _LegPlan(book, "buy", source, target)
            if (book.base, book.quote) == (source, target):
                return _LegPlan(book, "sell", source, target)
        raise AssertionError("unreachable: the triangle check guarantees a book for every pair")

    first, second = sorted(currencies - {start})
    return [
        (leg(start, middle_a), leg(middle_a, middle_b), leg(middle_b, start))
        for middle_a, middle_b in ((first, second), (second, first))
    ]


def _lots_for_budget(book: L2Book, budget: float) -> int:
    """Whole lots that ``budget`` quote units buy walking the asks."""
    remaining = budget
    lots_total = 0
    for ticks, lots in book.asks.tolist():
        per_lot = book.price(ticks) * book.quantity(1)
        affordable = math.floor(remaining / per_lot * (1.0 + _ROUNDING_SLACK))
        take = min(int(lots), affordable)
        lots_total += take
        remaining -= take * per_lot
        if take < lots:
            break
    return lots_total


def _execute(plan: _LegPlan, amount_in: float) -> CycleLeg:
    book = plan.book
    if plan.side == "buy":
        lots = _lots_for_budget(book, amount_in)
        fill = sweep(book.asks, lots, side=BUY) if lots > 0 else None
    else:
        lots = math.floor(amount_in / book.quantity(1) * (1.0 + _ROUNDING_SLACK))
        fill = sweep(book.bids, lots, side=SELL) if lots > 0 else None
    filled = fill.filled if fill is not None else 0
    quote_amount = fill.cost * book.instrument.tick_size * book.instrument.lot_size if fill else 0.0
    quote_amount *= book.instrument.multiplier
    base_amount = book.quantity(filled)
    spent, gross = (quote_amount, base_amount) if plan.side == "buy" else (base_amount, quote_amount)
    return CycleLeg(
        symbol=book.symbol,
        side=plan.side,
        currency_in=plan.currency_in,
        amount_in=spent,
        currency_out=plan.currency_out,
        amount_out=gross * (1.0 - book.taker_fee),
        lots=filled,
        average_price=quote_amount / base_amount if filled else math.nan,
        fee=gross * book.taker_fee,
        levels_used=len(fill.fills) if fill is not None else 0,
        dust=max(amount_in - spent, 0.0),
    )


def cycle_rate_at_top(books: Sequence[L2Book], path: Sequence[str]) -> float:
    """End/start multiplier of a cycle such as ("USDT", "BTC", "ETH", "USDT") at the best prices, after fees.

    0 when a book side on the path is empty.
    """
    if len(path) != 4 or path[0] != path[-1]:
        raise StatArbError(f"path must list four currencies starting and ending with the same one, got {path}")
    for plans in _cycles(books, path[0]):
        if tuple(p.currency_out for p in plans) == tuple(path[1:]):
            rate = 1.0
            for plan in plans:
                segments = plan.segments()
                if not segments:
                    return 0.0
                rate *= segments[0][1]
            return rate
    raise StatArbError(f"path {tuple(path)} is not a cycle through these books")


def find_triangular_opportunities(
    books: Sequence[L2Book],
    *,
    start_currency: str,
    max_start_amount: float | None = None,
    min_profit: float = 0.0,
) -> list[TriangularOpportunity]:
    """Profitable cycles from ``start_currency`` at their profit-maximising sizes, most profitable first.

    Size grows while the composite marginal rate (after fees) exceeds 1; ``max_start_amount`` caps it. Only
    cycles whose executed profit (after lot rounding) exceeds ``min_profit`` (start-currency units) are
    returned; on a consistent market with fees the list is empty.
    """
    if max_start_amount is not None and not (math.isfinite(max_start_amount) and max_start_amount > 0):
        raise StatArbError(f"max_start_amount must be a positive number, got {max_start_amount!r}")
    if not math.isfinite(min_profit) or min_profit < 0:
        raise StatArbError(f"min_profit must be >= 0, got {min_profit!r}")
    found = []
    for plans in _cycles(books, start_currency):
        composite = _compose(_compose(plans[0].segments(), plans[1].segments()), plans[2].segments())
        if not composite or composite[0][1] <= 1.0:
            continue
        size = planned_profit = 0.0
        limit: SizeLimit = "depth"
        for capacity, rate in composite:
            if rate <= 1.0:
                limit = "price"
                break
            if max_start_amount is not None and size + capacity >= max_start_amount:
                planned_profit += (max_start_amount - size) * (rate - 1.0)
                size, limit = max_start_amount, "cap"
                break
            size += capacity
            planned_profit += capacity * (rate - 1.0)
        amount = size
        legs = []
        for plan in plans:
            executed = _execute(plan, amount)
            legs.append(executed)
            amount = executed.amount_out
        if legs[0].amount_in <= 0 or legs[2].lots == 0:
            continue  # the optimum is smaller than one lot somewhere on the path
        opportunity = TriangularOpportunity(
            currencies=(start_currency, plans[0].currency_out, plans[1].currency_out, plans[2].currency_out),
            legs=(legs[0], legs[1], legs[2]),
            planned_start_amount=size,
            planned_profit=planned_profit,
            top_of_book_rate=math.prod(plan.segments()[0][1] for plan in plans),
            size_limit=limit,
        )
        if opportunity.profit > min_profit:
            found.append(opportunity)
    return sorted(found, key=lambda o: o.profit, reverse=True)
