"""Quote stuffing: bursts of orders that are cancelled as soon as they are acknowledged, to load the venue's
gateway and delay everyone else's messages.

Every ``burst_interval_s`` the strategy sends ``burst_orders`` post-only orders of ``order_qty``, alternately on
both sides, ``distance_ticks`` behind the best prices (far enough never to trade), and cancels each one the moment
its acknowledgement arrives: two messages per order, none of them meant to trade. The simulated venue's gateway
serves messages one at a time (``message_service_ns`` each, `hft_core.venues.simulated`), so each burst builds a
queue that every other participant's orders and cancels wait behind. `SimulatedVenue.gateway_stats` and
`SimulatedVenue.participant_stats` measure the delays; `hft_gated_manipulative.studies` compares them with a run
without the strategy.

Market: hft-core's ``reactive`` scenario with `SCENARIO_PARAMS`: a gateway that serves a message in 20 µs (50 000
messages per second). ``reactive``'s own 1 µs gateway clears a 400-message burst in 0.4 ms, inside which almost no
one else's message arrives (measured: the others' total wait over a minute stays under a millisecond).

Illegal in real markets: CME Rule 575.D (messages submitted "to overload, delay, or disrupt" systems or other
participants) and the disruptive-practices provision of CEA §4c(a)(5). Educational and simulator-only.
"""

from __future__ import annotations

from typing import ClassVar

from hft_core import Context, OrderUpdate, Strategy

from hft_gated_manipulative.config import STUFFING_SCENARIO_PARAMS, QuoteStuffingConfig
from hft_gated_manipulative.episodes import EpisodeLog

__all__ = ["SCENARIO_PARAMS", "QuoteStuffing"]

_NS = 1_000_000_000

SCENARIO_PARAMS = STUFFING_SCENARIO_PARAMS
"""The ``reactive`` market's settings this pattern changes: a 20 µs/message gateway (declared in
`hft_gated_manipulative.config`, where the plugin reads them)."""


class QuoteStuffing(Strategy):
    """Bursts of far-from-the-touch orders, each cancelled on acknowledgement."""

    simulator_only: ClassVar[bool] = True
    kind: ClassVar[str] = "quote-stuffing"

    def __init__(self, config: QuoteStuffingConfig | None = None) -> None:
        self.config = config if config is not None else QuoteStuffingConfig()
        self.bursts = 0
        self.messages = 0
        self._log = EpisodeLog(self.kind)
        self._pending: set[int] = set()
        self._next_burst = 0

    def on_start(self, ctx: Context) -> None:
        self._next_burst = ctx.now + round(self.config.warmup_s * _NS)
        ctx.set_timer(self.config.tick_ms / 1000)

    def on_timer(self, ctx: Context) -> None:
        if self._pending or ctx.now < self._next_burst:
            return
        book = ctx.book()
        bid, ask = book.best_bid, book.best_ask
        if bid is None or ask is None:
            return
        away = self.config.distance_ticks * ctx.instrument_spec().tick_size
        if bid - away <= 0:
            return
        self._next_burst = ctx.now + round(self.config.burst_interval_s * _NS)
        self.bursts += 1
        self._log.start(ctx, f"orders={self.config.burst_orders}")
        for n in range(self.config.burst_orders):
            if n % 2 == 0:
                order_id = ctx.buy(self.config.order_qty, bid - away, tif="post-only")
            else:
                order_id = ctx.sell(self.config.order_qty, ask + away, tif="post-only")
            self._pending.add(order_id)
        self.messages += self.config.burst_orders

    def on_order(self, ctx: Context, update: OrderUpdate) -> None:
        if update.order_id not in self._pending:
            return
        if update.status == "accepted":
            ctx.cancel(update.order_id)
            self.messages += 1
            return
        if update.status in ("cancelled", "rejected", "expired", "filled"):
            self._pending.discard(update.order_id)
            if not self._pending and self._log.active:
                self._log.end(ctx)

    def on_stop(self, ctx: Context) -> None:
        if self._log.active:
            self._log.end(ctx, "run ended")
