"""Momentum ignition: an aggressive burst that moves the price, to trigger momentum followers, then an unwind
into the move they extend.

Each episode sends ``burst_orders`` market orders of ``burst_qty`` in one direction (the directions alternate).
They sweep the touch and move the mid; the simulated market's momentum followers see the move and chase it with
market orders of their own. The strategy then *unwinds* its position into that chase: ``unwind="passive"`` rests
an order for the whole position at the touch that the followers trade against (re-priced to the touch every
``reprice_ms``), ``unwind="market"`` sells (or buys) back with a market order ``unwind_delay_ms`` after the burst.
Whatever is left after ``unwind_timeout_s`` is closed at market. Once the followers stop, the value trader pulls
the price back: the move reverses.

Market: hft-core's ``reactive`` scenario with `SCENARIO_PARAMS` (the pattern's scenario defaults). In plain
``reactive`` the momentum follower trades at most 20 lots every 0.2 s — a few dozen lots per move, too few for an
unwind to trade with, and measurably no different from followers that never react. A crowd of momentum traders
(up to 100 lots every 0.05 s) is what the scheme preys on.

The effect is measured against the same strategy on the same market whose momentum followers are made inert
(`hft_gated_manipulative.studies`): what the unwind earns there is what the round trip costs without anyone to
ignite.

Illegal in real markets as a manipulative scheme (CEA §9(a)(2) and §6(c) anti-manipulation provisions; CME Rule
575.B "orders that mislead"); educational and simulator-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hft_core import Context, Fill, OrderUpdate, Side, Strategy

from hft_gated_manipulative.config import IGNITION_SCENARIO_PARAMS, MomentumIgnitionConfig, UnwindMode
from hft_gated_manipulative.episodes import EpisodeLog

__all__ = ["SCENARIO_PARAMS", "IgnitionOutcome", "MomentumIgnition", "UnwindMode"]

_NS = 1_000_000_000
_CLOSED = ("cancelled", "rejected", "expired")

SCENARIO_PARAMS = IGNITION_SCENARIO_PARAMS
"""The ``reactive`` market's settings this pattern changes: a momentum crowd rather than one small follower
(declared in `hft_gated_manipulative.config`, where the plugin reads them)."""


@dataclass(frozen=True, slots=True)
class IgnitionOutcome:
    """One ignition episode: the burst, the unwind, and what the round trip earned (fees included)."""

    number: int
    side: Side
    started_ns: int
    ended_ns: int
    mid_before: float
    burst_qty: float
    burst_average_price: float
    unwind_qty: float
    unwind_average_price: float
    fees: float
    pnl: float
    """Cash from the round trip (sells − buys − fees), the residual position marked at the mid at the end."""


@dataclass(slots=True)
class _Episode:
    number: int
    side: Side
    started_ns: int
    mid_before: float
    burst_ids: set[int]
    burst_qty: float = 0.0
    burst_notional: float = 0.0
    unwind_qty: float = 0.0
    unwind_notional: float = 0.0
    fees: float = 0.0
    unwind_started: bool = False
    unwind_order: int | None = None
    unwind_price: float | None = None
    last_reprice_ns: int = 0


def _opposite(side: Side) -> Side:
    return "sell" if side == "buy" else "buy"


class MomentumIgnition(Strategy):
    """Aggressive bursts that ignite momentum followers, then an unwind into their chase."""

    simulator_only: ClassVar[bool] = True
    kind: ClassVar[str] = "momentum-ignition"

    def __init__(self, config: MomentumIgnitionConfig | None = None) -> None:
        self.config = config if config is not None else MomentumIgnitionConfig()
        self.outcomes: list[IgnitionOutcome] = []
        self._log = EpisodeLog(self.kind)
        self._episode: _Episode | None = None
        self._next_start = 0

    def on_start(self, ctx: Context) -> None:
        self._next_start = ctx.now + round(self.config.warmup_s * _NS)
        ctx.set_timer(self.config.tick_ms / 1000)

    def on_timer(self, ctx: Context) -> None:
        episode = self._episode
        if episode is None:
            if ctx.now >= self._next_start and not ctx.open_orders():
                self._ignite(ctx)
            return
        elapsed = ctx.now - episode.started_ns
        if episode.burst_ids & set(ctx.open_orders()):
            return  # the burst is still executing
        if elapsed >= round(self.config.unwind_timeout_s * _NS):
            self._close_at_market(ctx, episode)
            return
        if not episode.unwind_started and elapsed < self.config.unwind_delay_ms * 1_000_000:
            return
        episode.unwind_started = True
        if self.config.unwind == "market":
            self._close_at_market(ctx, episode)
        else:
            self._rest_unwind(ctx, episode)

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        episode = self._episode
        if episode is None:
            return
        episode.fees += fill.fee
        if fill.order_id in episode.burst_ids:
            episode.burst_qty += fill.qty
            episode.burst_notional += fill.qty * fill.price
        else:
            episode.unwind_qty += fill.qty
            episode.unwind_notional += fill.qty * fill.price

    def on_order(self, ctx: Context, update: OrderUpdate) -> None:
        episode = self._episode
        if episode is not None and update.order_id == episode.unwind_order and update.status in _CLOSED:
            episode.unwind_order = None
            episode.unwind_price = None

    def on_stop(self, ctx: Context) -> None:
        if self._episode is not None:
            self._finish(ctx, self._episode)

    # -- phases -----------------------------------------------------------------------------------------------
    def _ignite(self, ctx: Context) -> None:
        mid = ctx.book().mid
        if mid is None:
            return
        side: Side = "buy" if len(self.outcomes) % 2 == 0 else "sell"
        self._next_start = ctx.now + round(self.config.interval_s * _NS)
        number = self._log.start(ctx, f"burst={side} {self.config.burst_orders}x{self.config.burst_qty:g}")
        send = ctx.buy if side == "buy" else ctx.sell
        ids = {send(self.config.burst_qty) for _ in range(self.config.burst_orders)}
        self._episode = _Episode(number, side, ctx.now, mid, ids)

    def _open_qty(self, episode: _Episode) -> float:
        return episode.burst_qty - episode.unwind_qty

    def _rest_unwind(self, ctx: Context, episode: _Episode) -> None:
        remaining = self._open_qty(episode)
        if remaining <= 1e-9:
            if not ctx.open_orders():
                self._finish(ctx, episode)
            return
        book = ctx.book()
        touch = book.best_ask if episode.side == "buy" else book.best_bid
        if touch is None:
            return
        if episode.unwind_order is not None:
            due = ctx.now - episode.last_reprice_ns >= self.config.reprice_ms * 1_000_000
            if episode.unwind_price is not None and (abs(episode.unwind_price - touch) < 1e-9 or not due):
                return
            ctx.cancel(episode.unwind_order)
            return  # re-placed once the cancel is confirmed (on_order clears unwind_order)
        send = ctx.sell if episode.side == "buy" else ctx.buy
        episode.unwind_order = send(remaining, touch)
        episode.unwind_price = touch
        episode.last_reprice_ns = ctx.now

    def _close_at_market(self, ctx: Context, episode: _Episode) -> None:
        episode.unwind_started = True
        if episode.unwind_order is not None:
            ctx.cancel(episode.unwind_order)
            return  # closed on a later timer, once the cancel is confirmed
        remaining = self._open_qty(episode)
        if remaining > 1e-9:
            if not ctx.open_orders():
                send = ctx.sell if episode.side == "buy" else ctx.buy
                send(remaining)
            return
        if not ctx.open_orders():
            self._finish(ctx, episode)

    def _finish(self, ctx: Context, episode: _Episode) -> None:
        self._episode = None
        for order_id in ctx.open_orders():
            ctx.cancel(order_id)
        mid = ctx.book().mid or episode.mid_before
        sign = 1.0 if episode.side == "buy" else -1.0
        residual = episode.burst_qty - episode.unwind_qty
        cash = sign * (episode.unwind_notional - episode.burst_notional)
        pnl = cash + sign * residual * mid - episode.fees
        self._log.end(ctx, f"unwound={episode.unwind_qty:g}/{episode.burst_qty:g} pnl={pnl:.4f}")
        self.outcomes.append(
            IgnitionOutcome(
                number=episode.number,
                side=episode.side,
                started_ns=episode.started_ns,
                ended_ns=ctx.now,
                mid_before=episode.mid_before,
                burst_qty=episode.burst_qty,
                burst_average_price=episode.burst_notional / episode.burst_qty if episode.burst_qty else mid,
                unwind_qty=episode.unwind_qty,
                unwind_average_price=episode.unwind_notional / episode.unwind_qty if episode.unwind_qty else mid,
                fees=episode.fees,
                pnl=pnl,
            )
        )
