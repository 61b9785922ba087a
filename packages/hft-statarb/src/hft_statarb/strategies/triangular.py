"""Triangular arbitrage across three books: detect a cycle that pays after fees, fire its three IOC legs.

Every ``check_interval_ms`` the strategy prices both cycles from ``start_currency`` (e.g. USDT → BTC → ETH → USDT
and back) at the best prices after taker fees. Only when one beats 1 by ``min_edge_bp`` does it read
``depth_levels`` of each book and size the cycle with `hft_statarb.triangular.find_triangular_opportunities`:
depth-aware (each leg swept over the L2 levels with `hft_core.matching.sweep`), capped at ``max_notional`` of
the start currency, rounded to lots and kept only if its executed profit beats ``min_profit``. The three legs
then go out together as IOC orders for the planned lots, each limited at the worst level the plan uses, so
every fill is at a price at least as good as planned; a cycle that fills is at least as profitable per unit
as the plan (Aiba et al. 2002; Fenn et al. 2009 on how rarely such cycles survive in real FX).

After firing, the strategy waits ``cooldown_ms``. Legs can fill partly (someone else took the quote first), which
leaves BTC or ETH behind: it is tracked per currency from the fills and, with ``unwind``, sold back into the start
currency at the touch once the cooldown is over. ``cycles`` records every cycle fired, with its order ids, for
analysis; ``marked_pnl`` values every currency held at the start-currency mids (the strategy's own view of its
PnL, which the engine's summary, kept in the run's numeraire, should match when that is the start currency).

The books are the run's instruments, whose symbols must be ``BASE/QUOTE`` and form a triangle.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from hft_core import BookView, ConfigError, Context, Fill, Instrument, RiskLimits, Side, Strategy

from hft_statarb.config import TriangularConfig
from hft_statarb.errors import StatArbError
from hft_statarb.strategies._execution import marketable_ioc
from hft_statarb.triangular import L2Book, TriangularOpportunity, find_triangular_opportunities

__all__ = ["FiredCycle", "TriangularArbitrageur", "TriangularConfig", "cycle_rate_from_fills"]

_NS_PER_MS = 1_000_000


@dataclass(frozen=True, slots=True)
class _Leg:
    symbol: str
    side: Side
    currency_in: str
    currency_out: str


@dataclass(slots=True)
class FiredCycle:
    """One cycle sent to the market: the plan and the order ids of its three legs."""

    ts: int
    currencies: tuple[str, ...]
    symbols: tuple[str, str, str]
    sides: tuple[Side, Side, Side]
    lots: tuple[int, int, int]
    limit_prices: tuple[float, float, float]
    planned_rate: float
    """End/start of the planned (lot-rounded, depth-swept) cycle after fees."""
    planned_profit: float
    top_of_book_rate: float
    order_ids: tuple[int, int, int]
    filled: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    """Quantity filled per leg so far."""


class TriangularArbitrageur(Strategy):
    """Fire three IOC legs when a triangular cycle pays after fees; see the module docstring."""

    def __init__(self, config: TriangularConfig | None = None) -> None:
        self.config = config if config is not None else TriangularConfig()
        self.cycles: list[FiredCycle] = []
        """Every cycle fired, in time order."""
        self.checks = 0
        """Top-of-book checks done."""
        self.depth_checks = 0
        """Checks that passed the top-of-book screen and were sized over the depth."""
        self.balances: dict[str, float] = {}
        """Net amount held per currency, from the fills (fees included)."""
        self._instruments: dict[str, Instrument] = {}
        self._paths: list[tuple[_Leg, _Leg, _Leg]] = []
        self._cooldown_until = 0
        self._cycle_of_order: dict[int, tuple[int, int]] = {}

    def risk_limits(self, instruments: tuple[Instrument, ...]) -> RiskLimits:
        """Three legs plus an unwind order at once, a cap on the order rate, and the optional kill switch."""
        if len(instruments) != 3:
            names = ", ".join(i.symbol for i in instruments)
            raise ConfigError(f"triangular-arb needs exactly three books; this market has {names}")
        return RiskLimits(
            max_open_orders=5,
            max_orders_per_window=60,
            max_loss=self.config.max_loss if self.config.max_loss > 0 else None,
        )

    # -- set-up -------------------------------------------------------------------------------------------------
    def on_start(self, ctx: Context) -> None:
        self._instruments = {symbol: ctx.instrument_spec(symbol) for symbol in ctx.instruments}
        self._paths = _cycle_paths(tuple(self._instruments), self.config.start_currency)
        self.balances = {leg.currency_in: 0.0 for leg in self._paths[0]}
        ctx.set_timer(self.config.check_interval_ms / 1000)
        routes = "; ".join(
            " -> ".join([path[0].currency_in, *(leg.currency_out for leg in path)]) for path in self._paths
        )
        ctx.log(f"triangular: cycles {routes}")

    # -- hooks --------------------------------------------------------------------------------------------------
    def on_timer(self, ctx: Context) -> None:
        if ctx.now < self._cooldown_until or ctx.open_orders():
            return
        if self.config.unwind and self._unwind(ctx):
            return
        self.checks += 1
        fees = self._taker_fees()
        tops = {symbol: ctx.book(symbol) for symbol in self._instruments}
        threshold = 1.0 + self.config.min_edge_bp / 1e4
        if not any(_top_rate(path, tops, fees) > threshold for path in self._paths):
            return
        books = self._snapshot(ctx)
        if books is None:
            return
        self.depth_checks += 1
        try:
            found = find_triangular_opportunities(
                books,
                start_currency=self.config.start_currency,
                max_start_amount=self.config.max_notional,
                min_profit=self.config.min_profit,
            )
        except StatArbError as error:
            ctx.log(f"triangular: cannot size ({error})")
            return
        if found and found[0].top_of_book_rate > threshold:
            self._fire(ctx, found[0], books)

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        base, quote = fill.instrument.split("/")
        sign = 1.0 if fill.side == "buy" else -1.0
        self.balances[base] = self.balances.get(base, 0.0) + sign * fill.qty
        notional = fill.qty * fill.price * self._instruments[fill.instrument].multiplier
        self.balances[quote] = self.balances.get(quote, 0.0) - sign * notional - fill.fee
        located = self._cycle_of_order.get(fill.order_id)
        if located is not None:
            cycle, leg = located
            self.cycles[cycle].filled[leg] += fill.qty

    def on_stop(self, ctx: Context) -> None:
        held = ", ".join(f"{c}={v:.6g}" for c, v in sorted(self.balances.items()))
        ctx.log(
            f"triangular: {len(self.cycles)} cycles fired after {self.checks} checks "
            f"({self.depth_checks} sized); balances {held}; marked PnL {self.marked_pnl(ctx):.4f} "
            f"{self.config.start_currency}"
        )

    # -- analysis -----------------------------------------------------------------------------------------------
    def marked_pnl(self, ctx: Context) -> float:
        """Every currency held, valued at the mid of its book against the start currency (0 if none)."""
        start = self.config.start_currency
        total = 0.0
        for currency, amount in self.balances.items():
            if currency == start:
                total += amount
                continue
            symbol = f"{currency}/{start}"
            mid = ctx.book(symbol).mid if symbol in self._instruments else None
            total += amount * mid if mid is not None else 0.0
        return total

    # -- internals ----------------------------------------------------------------------------------------------
    def _taker_fees(self) -> dict[str, float]:
        return {symbol: inst.fees.taker for symbol, inst in self._instruments.items()}

    def _snapshot(self, ctx: Context) -> list[L2Book] | None:
        levels = self.config.depth_levels
        books = []
        for symbol, instrument in self._instruments.items():
            view = ctx.book(symbol)
            bids, asks = view.depth("bid", levels), view.depth("ask", levels)
            if not bids or not asks:
                return None
            try:
                books.append(L2Book.from_prices(instrument, bids, asks))
            except StatArbError:  # a crossed or locked snapshot between two feed updates
                return None
        return books

    def _fire(self, ctx: Context, opportunity: TriangularOpportunity, books: Sequence[L2Book]) -> None:
        by_symbol = {book.symbol: book for book in books}
        sides: list[Side] = []
        limits: list[float] = []
        for leg in opportunity.legs:
            book = by_symbol[leg.symbol]
            levels = book.asks if leg.side == "buy" else book.bids
            worst_ticks = int(levels[max(leg.levels_used, 1) - 1, 0])
            sides.append(leg.side)
            limits.append(book.instrument.ticks_to_price(worst_ticks))
        order_ids: list[int] = []
        for leg, limit in zip(opportunity.legs, limits, strict=True):
            send = ctx.buy if leg.side == "buy" else ctx.sell
            order_ids.append(send(by_symbol[leg.symbol].quantity(leg.lots), limit, instrument=leg.symbol, tif="ioc"))
        cycle = FiredCycle(
            ts=ctx.now,
            currencies=opportunity.currencies,
            symbols=(opportunity.legs[0].symbol, opportunity.legs[1].symbol, opportunity.legs[2].symbol),
            sides=(sides[0], sides[1], sides[2]),
            lots=(opportunity.legs[0].lots, opportunity.legs[1].lots, opportunity.legs[2].lots),
            limit_prices=(limits[0], limits[1], limits[2]),
            planned_rate=opportunity.end_amount / opportunity.start_amount,
            planned_profit=opportunity.profit,
            top_of_book_rate=opportunity.top_of_book_rate,
            order_ids=(order_ids[0], order_ids[1], order_ids[2]),
        )
        for leg_index, order_id in enumerate(order_ids):
            self._cycle_of_order[order_id] = (len(self.cycles), leg_index)
        self.cycles.append(cycle)
        self._cooldown_until = ctx.now + self.config.cooldown_ms * _NS_PER_MS
        ctx.log(
            f"cycle {' -> '.join(opportunity.currencies)}: start {opportunity.start_amount:.2f} "
            f"rate {cycle.planned_rate:.5f} (top {opportunity.top_of_book_rate:.5f}) "
            f"profit {opportunity.profit:.4f} {self.config.start_currency}"
        )

    def _unwind(self, ctx: Context) -> bool:
        """Sell (or buy back) any leftover non-start currency at the touch; True if an order was sent."""
        start = self.config.start_currency
        for currency, amount in sorted(self.balances.items()):
            symbol = f"{currency}/{start}"
            if currency == start or symbol not in self._instruments:
                continue
            lot = self._instruments[symbol].lot_size
            lots = math.floor(abs(amount) / lot + 1e-9)
            if lots >= 1:
                order_id = marketable_ioc(ctx, symbol, math.copysign(lots * lot, -amount))
                if order_id is not None:
                    ctx.log(f"unwind {amount:+.6g} {currency} on {symbol}")
                    return True
        return False


def _cycle_paths(symbols: tuple[str, ...], start: str) -> list[tuple[_Leg, _Leg, _Leg]]:
    """The two cycles from ``start`` through three ``BASE/QUOTE`` books, as (symbol, side) legs."""
    if len(symbols) != 3:
        raise ConfigError(f"triangular-arb needs exactly three books; got {', '.join(symbols)}")
    pairs: dict[frozenset[str], tuple[str, str, str]] = {}
    for symbol in symbols:
        parts = symbol.split("/")
        if len(parts) != 2 or not all(parts) or parts[0] == parts[1]:
            raise ConfigError(f"triangular-arb needs BASE/QUOTE symbols; got {symbol!r}")
        pairs[frozenset(parts)] = (symbol, parts[0], parts[1])
    currencies = sorted({c for key in pairs for c in key})
    if len(currencies) != 3 or len(pairs) != 3:
        raise ConfigError(f"books {', '.join(symbols)} do not form a triangle of three currencies")
    if start not in currencies:
        raise ConfigError(f"start_currency {start!r} is not traded in these books ({', '.join(currencies)})")

    def leg(source: str, target: str) -> _Leg:
        symbol, base, _ = pairs[frozenset((source, target))]
        return _Leg(symbol, "buy" if base == target else "sell", source, target)

    first, second = (c for c in currencies if c != start)
    return [(leg(start, a), leg(a, b), leg(b, start)) for a, b in ((first, second), (second, first))]


def _top_rate(path: tuple[_Leg, _Leg, _Leg], books: Mapping[str, BookView], fees: Mapping[str, float]) -> float:
    """End/start of ``path`` for a tiny amount at the best prices after taker fees; 0 when a side is empty."""
    rate = 1.0
    for leg in path:
        book = books[leg.symbol]
        keep = 1.0 - fees[leg.symbol]
        if leg.side == "buy":
            ask = book.best_ask
            if ask is None or ask <= 0:
                return 0.0
            rate *= keep / ask
        else:
            bid = book.best_bid
            if bid is None:
                return 0.0
            rate *= keep * bid
    return rate


def cycle_rate_from_fills(sides: Sequence[Side], prices: Sequence[float], fees: Sequence[float]) -> float:
    """End/start per unit of a cycle from each leg's average fill price and taker fee (fee on what is received)."""
    rate = 1.0
    for side, price, fee in zip(sides, prices, fees, strict=True):
        rate *= (1.0 - fee) / price if side == "buy" else price * (1.0 - fee)
    return rate if np.isfinite(rate) else math.nan
