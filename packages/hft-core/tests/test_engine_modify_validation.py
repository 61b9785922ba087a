"""``ctx.modify`` checks its price and size the way ``ctx.buy``/``ctx.sell`` do (one path in the engine): a size
or price that is not a positive finite number, or beyond the integer grid, is refused with a reason, the order
stands as it was, and the run goes on (issue #18). On the simulated market and on a replay."""

from __future__ import annotations

import math

import pytest
from hft_core import Context, OrderUpdate, Strategy, create_scenario
from hft_core.engine import Engine
from hft_core.events import BUY, SELL, EventKind
from hft_core.venues.base import Venue
from hft_core.venues.replay import ConstantLatency, ReplayVenue
from hft_core.venues.replay._scenarios import INSTRUMENTS, events

MS = 1_000_000
BAD = [
    {"qty": math.inf},
    {"qty": math.nan},
    {"qty": -math.inf},
    {"qty": -2.0},
    {"qty": 0.0},
    {"qty": 1e30},
    {"price": math.nan},
    {"price": math.inf},
    {"price": -math.inf},
    {"price": -1.0},
    {"price": 0.0},
    {"price": 1e300},
    {"price": math.nan, "qty": math.nan},
]


class Modifier(Strategy):
    """Rests one buy far below the market, tries every bad modify on it, then one good modify."""

    def __init__(self) -> None:
        self.order_id = -1
        self.updates: list[OrderUpdate] = []
        self.stage = 0
        self.resting: tuple[float, float] = (0.0, 0.0)

    def on_start(self, ctx: Context) -> None:
        ctx.set_timer(0.05)

    def on_timer(self, ctx: Context) -> None:
        self.stage += 1
        if self.stage == 1:
            mid = ctx.book().mid
            assert mid is not None
            self.resting = (round(mid * 0.5, 2), 2.0)
            self.order_id = ctx.buy(self.resting[1], self.resting[0])
        elif self.stage == 3:
            for change in BAD:
                ctx.modify(self.order_id, **change)
        elif self.stage == 5:
            ctx.modify(self.order_id, qty=1.0)

    def on_order(self, ctx: Context, update: OrderUpdate) -> None:
        self.updates.append(update)


def _simulated() -> Venue:
    return create_scenario("single-instrument", seed=3, duration_s=2.0)


def _replay() -> Venue:
    depth = EventKind.DEPTH
    rows = [
        (0, 0, depth, BUY, 10000, 5),
        (0, 0, depth, SELL, 10002, 5),
        *((t * 10 * MS, t * 10 * MS, depth, BUY, 10000, 5 + t % 3) for t in range(1, 200)),
    ]
    return ReplayVenue(events(rows), INSTRUMENTS[:1], latency=ConstantLatency(MS, MS))


@pytest.mark.parametrize("make_venue", [_simulated, _replay], ids=["simulated", "replay"])
def test_a_bad_modify_is_refused_with_a_reason_and_the_order_stands(make_venue: object) -> None:
    strategy = Modifier()
    venue = make_venue()  # type: ignore[operator]
    result = Engine(strategy, venue, duration_s=2.0 if venue.simulated else None).run()
    refusals = [u for u in strategy.updates if u.reason is not None and u.reason.startswith("modify refused")]
    assert len(refusals) == len(BAD), [u.reason for u in strategy.updates]
    for update, change in zip(refusals, BAD, strict=True):
        assert update.order_id == strategy.order_id and update.status == "accepted"
        assert update.remaining_qty == 2.0  # the order stands as it was
        what = "size" if "qty" in change else "price"
        assert f"invalid {what}" in str(update.reason), (change, update.reason)
    order = result.orders.set_index("order_id").loc[strategy.order_id]
    assert order["price"] == strategy.resting[0]
    assert order["status"] == "accepted" and order["qty"] == 1.0  # the good modify went through afterwards
    assert sum("modify refused" in line for line in result.logs) == len(BAD)
