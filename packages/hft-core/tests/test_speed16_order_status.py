"""``ctx.order_status`` (#16): a strategy that asks whether its orders are acknowledged sees exactly what one that
hears every report through ``on_order`` knows, at every decision, with the same orders and fills; and the engine's
faster construction of the updates, fills and trades it hands out builds the same objects as their classes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hft_core import Context, Instrument, OrderUpdate, Strategy
from hft_core.engine import Engine
from hft_core.engine.loop import _fill, _order_update, _trade
from hft_core.strategy import Fill, OrderState, Trade, Trigger, TriggerFired
from hft_core.venues.replay import ConstantLatency, PowerProbQueue, ReplayVenue
from hft_core.venues.replay._scenarios import random_l2_stream

INSTRUMENT = Instrument("R", tick_size=0.01, lot_size=1.0)


class _AckQuoter:
    """Requotes one lot either side of the mid on every 1-tick mid move, leaving its unacknowledged orders alone
    (neither cancelled nor counted); ``seen`` records, per decision, each open order and whether it was waiting."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, tuple[tuple[int, bool], ...]]] = []

    def waiting(self, ctx: Context, order_id: int) -> bool:
        raise NotImplementedError

    def on_start(self, ctx: Context) -> None:
        ctx.set_trigger(Trigger(mid_ticks=1))

    def on_trigger(self, ctx: Context, instrument: str, fired: TriggerFired) -> None:
        book = ctx.book()
        if book.best_bid is None or book.best_ask is None:
            return
        open_ids = ctx.open_orders()
        marks = tuple((order_id, self.waiting(ctx, order_id)) for order_id in open_ids)
        self.seen.append((ctx.now, marks))
        for order_id, waiting in marks:
            if not waiting:
                ctx.cancel(order_id)
        ctx.buy(1, book.best_bid - 0.01, tif="post-only")
        ctx.sell(1, book.best_ask + 0.01, tif="post-only")


class Listening(_AckQuoter, Strategy):
    """Knows of acknowledgements by hearing every report (``on_order``)."""

    def __init__(self) -> None:
        super().__init__()
        self.heard: set[int] = set()

    def waiting(self, ctx: Context, order_id: int) -> bool:
        return order_id not in self.heard

    def on_order(self, ctx: Context, update: OrderUpdate) -> None:
        self.heard.add(update.order_id)


class Asking(_AckQuoter, Strategy):
    """Asks the context instead (no ``on_order``: the venue leaves acknowledgements out of its reports)."""

    def waiting(self, ctx: Context, order_id: int) -> bool:
        return ctx.order_status(order_id) == "sent"


def _replay(seed: int) -> ReplayVenue:
    rng = np.random.default_rng(seed)
    data = random_l2_stream(rng, 3_000)
    data["exch_ts"] = 1_000 + 10 * np.arange(len(data))
    data["local_ts"] = data["exch_ts"] + 5
    # a round trip (7 + 9 ns) longer than the gap between some decisions (10 ns a row)
    return ReplayVenue(
        data, [INSTRUMENT], latency=ConstantLatency(7, 9), queue_model=PowerProbQueue(2.0), partial_fills=False
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_asking_sees_what_hearing_every_report_knows(seed: int) -> None:
    listening, asking = Listening(), Asking()
    heard = Engine(listening, _replay(seed)).run()
    asked = Engine(asking, _replay(seed)).run()
    assert asking.seen == listening.seen and len(asking.seen) > 10
    marks = [waiting for _, decision in asking.seen for _, waiting in decision]
    assert any(marks) and not all(marks)  # some orders still unacknowledged at a decision, most not
    assert asked.orders.equals(heard.orders) and len(asked.fills) > 0
    assert asked.fills.drop(columns="pnl").equals(heard.fills.drop(columns="pnl"))


class _Statuses(Strategy):
    """Sends a post-only bid far below the market, a sub-lot order (rejected at once) and a bid that crosses;
    asks each one's status at every timer, and cancels the far bid once it is acknowledged."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.statuses: list[dict[str, OrderState | None]] = []

    def on_start(self, ctx: Context) -> None:
        ctx.set_timer(2e-9)

    def on_timer(self, ctx: Context) -> None:
        book = ctx.book()
        if not self.ids:
            if book.best_bid is None or book.best_ask is None:
                return
            self.ids = {
                "far": ctx.buy(1, book.best_bid - 0.5, tif="post-only"),
                "tiny": ctx.buy(0.5, book.best_bid),
                "crossing": ctx.buy(1, book.best_ask + 0.05, tif="ioc"),
            }
        now = {name: ctx.order_status(order_id) for name, order_id in self.ids.items()}
        now["unknown"] = ctx.order_status(10**6)
        now["zero"] = ctx.order_status(0)
        self.statuses.append(now)
        if now["far"] == "accepted":
            ctx.cancel(self.ids["far"])


def test_statuses_through_an_orders_life() -> None:
    strategy = _Statuses()
    result = Engine(strategy, _replay(3), duration_s=2e-6).run()
    far = [s["far"] for s in strategy.statuses]
    assert far[0] == "sent" and "accepted" in far and far[-1] == "cancelled"
    assert far.index("accepted") > 0 and far.index("cancelled") > far.index("accepted")
    assert {s["tiny"] for s in strategy.statuses} == {"rejected"}
    assert strategy.statuses[0]["crossing"] == "sent" and strategy.statuses[-1]["crossing"] in ("filled", "cancelled")
    assert {s["unknown"] for s in strategy.statuses} == {s["zero"] for s in strategy.statuses} == {None}
    statuses = dict(zip(result.orders["order_id"], result.orders["status"], strict=True))
    assert statuses[strategy.ids["crossing"]] == strategy.statuses[-1]["crossing"]


def test_the_engines_constructors_build_what_the_classes_do() -> None:
    update = _order_update(5, "R", 3, "accepted", None, 1.5)
    assert update == OrderUpdate(5, "R", 3, "accepted", None, 1.5) and type(update) is OrderUpdate
    fill = _fill(5, "R", 3, "sell", 100.25, 2.0, -0.01, True)
    assert fill == Fill(5, "R", 3, "sell", 100.25, 2.0, -0.01, True) and type(fill) is Fill
    trade = _trade(5, "R", 100.25, 2.0, None)
    assert trade == Trade(5, "R", 100.25, 2.0, None) and type(trade) is Trade
    for made in (update, fill, trade):
        assert dataclasses.astuple(made) == dataclasses.astuple(type(made)(*dataclasses.astuple(made)))
        with pytest.raises(dataclasses.FrozenInstanceError):
            made.ts = 6  # type: ignore[misc]
