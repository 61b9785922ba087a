"""No detector flags honest trading on the simulated markets the manipulation studies use.

An honest passive market maker (written here, so hft-core's tests depend on no pattern package) quotes both sides
at the touch, re-quoting as the touch moves: it cancels often and trades often. A bona fide aggressive buyer sends
bursts of market orders and sells only 30 s later. The markets are ``reactive`` as is, and with the settings the
momentum-ignition and quote-stuffing patterns use (a heavier momentum crowd; a 20 µs/message gateway).
"""

from __future__ import annotations

from typing import Any

import pytest
from hft_core import Context, Strategy, backtest
from hft_core.surveillance import IgnitionThresholds, detect_momentum_ignition, surveil

SEEDS = (1, 2, 3)
MARKETS: dict[str, dict[str, Any]] = {
    "reactive": {},
    "reactive+momentum-crowd": {"momentum_size_max": 100, "momentum_cooldown_s": 0.05},
    "reactive+slow-gateway": {"message_service_ns": 20_000},
}


class TouchQuoter(Strategy):
    """One post-only bid and ask of ``size`` at the touch, moved when the touch moves, within a position limit."""

    def __init__(self, size: float = 2.0, limit: float = 20.0) -> None:
        self.size = size
        self.limit = limit
        self.quotes: dict[str, tuple[int, float]] = {}

    def on_start(self, ctx: Context) -> None:
        ctx.set_timer(0.05)

    def on_timer(self, ctx: Context) -> None:
        book = ctx.book()
        live = set(ctx.open_orders())
        position = ctx.position()
        targets = {
            "buy": book.best_bid if position + self.size <= self.limit else None,
            "sell": book.best_ask if position - self.size >= -self.limit else None,
        }
        for side, price in targets.items():
            quote = self.quotes.pop(side, None)
            if quote is not None and quote[0] in live:
                if price is not None and abs(quote[1] - price) < 1e-9:
                    self.quotes[side] = quote
                    continue
                ctx.cancel(quote[0])
            if price is not None:
                send = ctx.buy if side == "buy" else ctx.sell
                self.quotes[side] = (send(self.size, price, tif="post-only"), price)


class PatientTrader(Strategy):
    """Buys in a burst of four 40-lot market orders, holds for 30 s, sells at market; then does it again.

    A bona fide position taker: aggressive, but its exit comes long after any move it caused has faded.
    """

    def on_start(self, ctx: Context) -> None:
        ctx.set_timer(30.0)

    def on_timer(self, ctx: Context) -> None:
        if ctx.position() > 0:
            ctx.sell(ctx.position())
        else:
            for _ in range(4):
                ctx.buy(40.0)


@pytest.mark.slow
@pytest.mark.parametrize("market", sorted(MARKETS))
def test_honest_market_maker_is_never_flagged(market: str) -> None:
    for seed in SEEDS:
        result = backtest(TouchQuoter(), scenario="reactive", seed=seed, duration_s=60.0, **MARKETS[market])
        cancelled = int((result.orders["status"] == "cancelled").sum())
        # It really traded and really cancelled: the detectors had something to look at.
        assert len(result.fills) >= 30 and cancelled >= 10, (len(result.fills), cancelled)
        assert surveil(result) == [], (market, seed)


def test_patient_position_taker_is_not_ignition() -> None:
    result = backtest(PatientTrader(), scenario="reactive", seed=1, duration_s=125.0, momentum_size_max=100)
    taker = result.fills[~result.fills["maker"]]
    assert taker["order_id"].nunique() >= 8
    assert surveil(result) == []
    # The bursts do move the price: given a window long enough to reach its exits, the detector would flag them.
    assert detect_momentum_ignition(result, IgnitionThresholds(unwind_window_s=40.0)) != []
