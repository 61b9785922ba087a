"""Spoofing and layering: large non-bona-fide orders on one side, cancelled before execution, while a genuine
order rests on the other side.

Each episode places one small *genuine* order at the touch of one side (sell at the best ask, or buy at the best
bid; the sides alternate) and, at the same moment, *spoof* orders on the opposite side, ``spoof_offset_ticks``
behind the best price so they are unlikely to trade. The spoofs tilt the top-of-book imbalance that the simulated
market's imbalance followers trade on: they buy (or sell) into the genuine order. As soon as the genuine order has
filled, or after ``max_episode_s``, everything still open is cancelled. Layering is the same with the spoof size
spread over ``levels`` price levels.

``with_spoof=False`` places the genuine orders alone, at the same times: the control run for measuring what the
spoof orders did (`hft_gated_manipulative.studies`).

Illegal in real markets: CEA §4c(a)(5)(C) ("bidding or offering with the intent to cancel the bid or offer before
execution"), CME Rule 575.A. Educational and simulator-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hft_core import Context, Fill, Side, Strategy

from hft_gated_manipulative.config import LayeringConfig, SpoofingConfig
from hft_gated_manipulative.episodes import EpisodeLog

__all__ = ["Layering", "SpoofOutcome", "Spoofing"]

_NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class SpoofOutcome:
    """What happened to one episode's genuine order (the numbers the spoof is meant to improve)."""

    number: int
    genuine_side: Side
    placed_ns: int
    ended_ns: int
    mid_at_placement: float
    genuine_price: float
    genuine_qty: float
    filled_qty: float
    spoof_orders: int
    spoof_qty: float
    time_to_fill_s: float | None
    """Seconds from placement to the genuine order's last fill, if it filled completely."""
    average_fill_price: float | None

    @property
    def filled(self) -> bool:
        """Whether the genuine order filled completely."""
        return self.filled_qty >= self.genuine_qty - 1e-9

    @property
    def edge(self) -> float | None:
        """The average fill price's advantage over the mid at placement (price units; positive = better)."""
        if self.average_fill_price is None:
            return None
        sign = 1.0 if self.genuine_side == "sell" else -1.0
        return sign * (self.average_fill_price - self.mid_at_placement)


@dataclass(slots=True)
class _Episode:
    number: int
    side: Side
    placed_ns: int
    mid: float
    genuine_id: int
    genuine_price: float
    spoof_ids: list[int]
    spoof_qty: float
    filled_qty: float = 0.0
    notional: float = 0.0
    last_fill_ns: int = 0


class Spoofing(Strategy):
    """Genuine order on one side, spoof orders on the other, cancelled once the genuine order fills."""

    simulator_only: ClassVar[bool] = True
    kind: ClassVar[str] = "spoofing"

    def __init__(self, config: SpoofingConfig | None = None) -> None:
        self.config = config if config is not None else SpoofingConfig()
        self.outcomes: list[SpoofOutcome] = []
        self._log = EpisodeLog(self.kind)
        self._episode: _Episode | None = None
        self._next_start = 0
        self._count = 0

    def on_start(self, ctx: Context) -> None:
        self._next_start = ctx.now + round(self.config.warmup_s * _NS)
        ctx.set_timer(self.config.tick_ms / 1000)

    def on_timer(self, ctx: Context) -> None:
        episode = self._episode
        if episode is not None:
            if ctx.now - episode.placed_ns >= round(self.config.max_episode_s * _NS):
                self._finish(ctx)
            return
        if ctx.now >= self._next_start:
            self._begin(ctx)

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        episode = self._episode
        if episode is None or fill.order_id != episode.genuine_id:
            return
        episode.filled_qty += fill.qty
        episode.notional += fill.qty * fill.price
        episode.last_fill_ns = fill.ts
        if episode.filled_qty >= self.config.genuine_qty - 1e-9:
            self._finish(ctx)

    def on_stop(self, ctx: Context) -> None:
        if self._episode is not None:
            self._finish(ctx)

    def _begin(self, ctx: Context) -> None:
        book = ctx.book()
        bid, ask, mid = book.best_bid, book.best_ask, book.mid
        if bid is None or ask is None or mid is None:
            return
        config = self.config
        tick = ctx.instrument_spec().tick_size
        side: Side = "sell" if self._count % 2 == 0 else "buy"
        self._count += 1
        self._next_start = ctx.now + round(config.interval_s * _NS)
        genuine_price = ask if side == "sell" else bid
        spoof_prices = []
        if config.with_spoof:
            for level in range(config.levels):
                away = (config.spoof_offset_ticks + level) * tick
                price = bid - away if side == "sell" else ask + away
                if price > 0:
                    spoof_prices.append(price)
        if spoof_prices:
            self._log.start(
                ctx,
                f"genuine={side} {config.genuine_qty:g}@{genuine_price:g} "
                f"spoof={len(spoof_prices)}x{config.spoof_qty:g}@{','.join(f'{p:g}' for p in spoof_prices)}",
            )
        if side == "sell":
            genuine_id = ctx.sell(config.genuine_qty, genuine_price)
            spoof_ids = [ctx.buy(config.spoof_qty, price) for price in spoof_prices]
        else:
            genuine_id = ctx.buy(config.genuine_qty, genuine_price)
            spoof_ids = [ctx.sell(config.spoof_qty, price) for price in spoof_prices]
        self._episode = _Episode(
            self._count, side, ctx.now, mid, genuine_id, genuine_price, spoof_ids, config.spoof_qty
        )

    def _finish(self, ctx: Context) -> None:
        episode = self._episode
        if episode is None:
            return
        self._episode = None
        filled = episode.filled_qty >= self.config.genuine_qty - 1e-9
        open_orders = set(ctx.open_orders())
        # A genuine order that has just filled still counts as open while its fill is being reported.
        to_cancel = episode.spoof_ids if filled else [*episode.spoof_ids, episode.genuine_id]
        for order_id in to_cancel:
            if order_id in open_orders:
                ctx.cancel(order_id)
        if self._log.active:
            self._log.end(ctx, f"genuine_filled={episode.filled_qty:g}/{self.config.genuine_qty:g}")
        self.outcomes.append(
            SpoofOutcome(
                number=episode.number,
                genuine_side=episode.side,
                placed_ns=episode.placed_ns,
                ended_ns=ctx.now,
                mid_at_placement=episode.mid,
                genuine_price=episode.genuine_price,
                genuine_qty=self.config.genuine_qty,
                filled_qty=episode.filled_qty,
                spoof_orders=len(episode.spoof_ids),
                spoof_qty=episode.spoof_qty * len(episode.spoof_ids),
                time_to_fill_s=(episode.last_fill_ns - episode.placed_ns) / _NS if filled else None,
                average_fill_price=episode.notional / episode.filled_qty if episode.filled_qty > 0 else None,
            )
        )


class Layering(Spoofing):
    """Spoofing with the spoof size spread over several price levels at once (``levels`` orders)."""

    kind: ClassVar[str] = "layering"

    def __init__(self, config: LayeringConfig | None = None) -> None:
        if config is not None and not isinstance(config, LayeringConfig):
            raise TypeError(f"Layering needs a LayeringConfig, got {type(config).__name__}")
        super().__init__(config if config is not None else LayeringConfig())
