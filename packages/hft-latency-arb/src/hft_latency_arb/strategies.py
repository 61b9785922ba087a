"""The two sides of a latency race, as strategies: `LatencyArb` (the sniper) and `LatencyArbMaker` (the maker).

Both address the lead and the lagging venue by instrument index (``lead``, ``lag``); on hft-core's two-venue
markets these are ``SIM@fast`` (0) and ``SIM@slow`` (1). Both react to every top-of-book change they see (no
throttle): the race is decided in microseconds, by the latencies of the venue the run is on.
"""

from __future__ import annotations

import math
from typing import Generic, TypeVar

from hft_core import ConfigError, Context, Fill, Instrument, OrderUpdate, RiskLimits, Strategy

from hft_latency_arb.config import LatencyArbConfig, LatencyArbMakerConfig

__all__ = ["LatencyArb", "LatencyArbMaker"]


def _symbols(ctx: Context, lead: int, lag: int) -> tuple[str, str]:
    names = ctx.instruments
    if max(lead, lag) >= len(names):
        raise ConfigError(
            f"lead={lead}, lag={lag}: the market has {len(names)} instrument(s) ({', '.join(names)}); latency "
            "arbitrage needs the same instrument on two venues"
        )
    return names[lead], names[lag]


def _lots_cap(instruments: tuple[Instrument, ...], lag: int, qty: float) -> int:
    return max(1, instruments[lag].qty_to_lots(qty, "down"))


_Knobs = TypeVar("_Knobs", LatencyArbConfig, LatencyArbMakerConfig)


class _LeadLagTrader(Strategy, Generic[_Knobs]):
    """What both sides share: the lead and lagging instruments, sizes on the lagging venue's grid, its position cap."""

    def __init__(self, config: _Knobs) -> None:
        self.config: _Knobs = config
        self.lead_symbol = ""
        self.lag_symbol = ""
        self.size = 0.0
        self.max_position = 0.0

    def risk_limits(self, instruments: tuple[Instrument, ...]) -> RiskLimits | None:
        lag = self.config.lag
        if lag >= len(instruments):
            return None
        lots = _lots_cap(instruments, lag, self.config.max_position.qty(instruments[lag].lot_size))
        return RiskLimits(max_position=lots)

    def _bind(self, ctx: Context) -> None:
        """Find the two instruments, put the sizes on the lagging venue's grid, and watch the lead."""
        config = self.config
        self.lead_symbol, self.lag_symbol = _symbols(ctx, config.lead, config.lag)
        spec = ctx.instrument_spec(self.lag_symbol)
        self.size = config.size.qty(spec.lot_size)
        self.max_position = config.max_position.qty(spec.lot_size)
        ctx.subscribe(self.lead_symbol)


class LatencyArb(_LeadLagTrader[LatencyArbConfig]):
    """Snipe stale quotes on the lagging venue (see `hft_latency_arb.plugin.LATENCY_ARB`)."""

    def __init__(self, config: LatencyArbConfig | None = None) -> None:
        super().__init__(config if config is not None else LatencyArbConfig())
        self.shots = 0
        self.hits = 0
        self.misses = 0
        self._filled: dict[int, float] = {}

    def on_start(self, ctx: Context) -> None:
        self._bind(ctx)
        ctx.subscribe(self.lag_symbol)

    def on_book(self, ctx: Context, instrument: str) -> None:
        if ctx.open_orders(self.lag_symbol):  # one order in flight at a time
            return
        lead = ctx.book(self.lead_symbol)
        lag = ctx.book(self.lag_symbol)
        mid = lead.mid
        if mid is None:
            return
        config = self.config
        lag_spec = ctx.instrument_spec(self.lag_symbol)
        fee_rate = lag_spec.fees.taker + (ctx.instrument_spec(self.lead_symbol).fees.taker if config.hedge else 0.0)
        threshold = config.threshold.price(lag_spec.tick_size, mid)
        position = ctx.position(self.lag_symbol)
        ask, bid = lag.best_ask, lag.best_bid
        # Hedged, the reference is the price the hedge trades at (the lead's touch); unhedged, the lead's mid.
        sell_ref = (lead.best_bid if config.hedge else mid) or mid
        buy_ref = (lead.best_ask if config.hedge else mid) or mid
        if ask is not None and sell_ref - ask - fee_rate * ask >= threshold and position < self.max_position:
            qty = min(self.size, lag.best_ask_qty, self.max_position - position)
            self._shoot(ctx, "buy", qty, ask, mid)
        elif bid is not None and bid - buy_ref - fee_rate * bid >= threshold and position > -self.max_position:
            qty = min(self.size, lag.best_bid_qty, self.max_position + position)
            self._shoot(ctx, "sell", qty, bid, mid)
        elif not config.hedge and position != 0.0:
            self._unwind(ctx, position, mid, bid, ask)

    def _shoot(self, ctx: Context, side: str, qty: float, price: float, lead_mid: float) -> None:
        if qty <= 0:
            return
        self.shots += 1
        send = ctx.buy if side == "buy" else ctx.sell
        self._filled[send(qty, price, instrument=self.lag_symbol, tif="ioc")] = 0.0
        ctx.log(f"RACE shot {side} {qty:g} {self.lag_symbol} @ {price:g} (lead mid {lead_mid:g})")

    def _unwind(self, ctx: Context, position: float, mid: float, bid: float | None, ask: float | None) -> None:
        edge = self.config.unwind_edge.price(ctx.instrument_spec(self.lag_symbol).tick_size, mid)
        if position > 0 and bid is not None and mid - bid <= edge:
            ctx.sell(position, bid, instrument=self.lag_symbol, tif="ioc")
        elif position < 0 and ask is not None and ask - mid <= edge:
            ctx.buy(-position, ask, instrument=self.lag_symbol, tif="ioc")

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        if fill.order_id in self._filled:
            self._filled[fill.order_id] += fill.qty
            self._settle(ctx, fill.order_id)
        if fill.instrument != self.lag_symbol or not self.config.hedge:
            return
        lead = ctx.book(self.lead_symbol)
        if fill.side == "buy" and lead.best_bid is not None:
            ctx.sell(fill.qty, lead.best_bid, instrument=self.lead_symbol, tif="ioc")
        elif fill.side == "sell" and lead.best_ask is not None:
            ctx.buy(fill.qty, lead.best_ask, instrument=self.lead_symbol, tif="ioc")

    def on_order(self, ctx: Context, update: OrderUpdate) -> None:
        if update.order_id in self._filled:
            self._settle(ctx, update.order_id)

    def _settle(self, ctx: Context, order_id: int) -> None:
        """Once a snipe's IOC is done (no longer open), count it won (any fill) or lost."""
        if order_id in ctx.open_orders(self.lag_symbol):
            return
        filled = self._filled.pop(order_id)
        if filled > 0:
            self.hits += 1
            ctx.log(f"RACE won: order {order_id} filled {filled:g}")
        else:
            self.misses += 1
            ctx.log(f"RACE lost: order {order_id} expired unfilled")

    def on_stop(self, ctx: Context) -> None:
        ctx.log(f"RACE summary: {self.shots} orders, {self.hits} filled, {self.misses} lost")


class LatencyArbMaker(_LeadLagTrader[LatencyArbMakerConfig]):
    """Quote the lagging venue around the lead's mid, requoting on lead moves (see `LATENCY_ARB_MAKER`)."""

    def __init__(self, config: LatencyArbMakerConfig | None = None) -> None:
        super().__init__(config if config is not None else LatencyArbMakerConfig())
        self.requotes = 0
        self._quoted: tuple[float, float] | None = None
        self._bid: int | None = None
        self._ask: int | None = None

    def on_start(self, ctx: Context) -> None:
        self._bind(ctx)
        self._requote(ctx)

    def on_book(self, ctx: Context, instrument: str) -> None:
        self._requote(ctx)

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        side = "bought" if fill.side == "buy" else "sold"
        ctx.log(f"RACE maker {side} {fill.qty:g} @ {fill.price:g} (lead mid {ctx.book(self.lead_symbol).mid})")
        self._quoted = None  # requote at once (inventory changed)
        self._requote(ctx)

    def on_order(self, ctx: Context, update: OrderUpdate) -> None:
        if update.status in ("cancelled", "expired", "rejected", "filled"):
            if update.order_id == self._bid:
                self._bid = None
            elif update.order_id == self._ask:
                self._ask = None

    def _requote(self, ctx: Context) -> None:
        mid = ctx.book(self.lead_symbol).mid
        if mid is None:
            return
        config = self.config
        spec = ctx.instrument_spec(self.lag_symbol)
        tick = spec.tick_size
        half = config.half_spread.price(tick, mid)
        position = ctx.position(self.lag_symbol)
        shift = config.skew.price(tick, mid) * position / self.max_position
        bid = math.floor((mid - half - shift) / tick + 1e-9) * tick
        ask = math.ceil((mid + half - shift) / tick - 1e-9) * tick
        if ask <= bid:
            ask = bid + tick
        if self._quoted == (bid, ask) and self._bid is not None and self._ask is not None:
            return
        self._quoted = (bid, ask)
        self.requotes += 1
        for order_id in (self._bid, self._ask):
            if order_id is not None:
                ctx.cancel(order_id)
        self._bid = self._ask = None
        if position + self.size <= self.max_position + 1e-12:
            self._bid = ctx.buy(self.size, bid, instrument=self.lag_symbol, tif="post-only")
        if position - self.size >= -self.max_position - 1e-12:
            self._ask = ctx.sell(self.size, ask, instrument=self.lag_symbol, tif="post-only")

    def on_stop(self, ctx: Context) -> None:
        ctx.log(f"RACE maker summary: {self.requotes} requotes")
