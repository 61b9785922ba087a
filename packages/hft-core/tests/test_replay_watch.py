"""``Watch.reports=False``: the replay stops less often but returns exactly the same reports, in order."""

from __future__ import annotations

import numpy as np
import pytest
from hft_core import Context, Instrument, Strategy
from hft_core.engine import Engine
from hft_core.strategy import Fill
from hft_core.venues.replay import ConstantLatency, PowerProbQueue, ReplayVenue
from hft_core.venues.replay._scenarios import random_l2_stream

INSTRUMENT = Instrument("R", tick_size=0.01, lot_size=1.0)


class Quoter(Strategy):
    """Joins both sides every 50 ms; never looks at fills or order updates."""

    def on_start(self, ctx: Context) -> None:
        ctx.set_timer(0.05)

    def on_timer(self, ctx: Context) -> None:
        ctx.cancel_all()
        book = ctx.book()
        if book.best_bid is not None and book.best_ask is not None:
            ctx.buy(1, book.best_bid, tif="post-only")
            ctx.sell(1, book.best_ask, tif="post-only")


class ListeningQuoter(Quoter):
    """The same decisions, but it asks to hear of every fill as it happens."""

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        pass


class CountingVenue(ReplayVenue):
    stops = 0

    def advance(self, until, watch):  # type: ignore[no-untyped-def]
        self.stops += 1
        return super().advance(until, watch)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_deferred_reports_change_when_not_what(seed: int) -> None:
    stream = random_l2_stream(np.random.default_rng(seed), 20_000)
    for column in ("exch_ts", "local_ts"):  # stretch ~255 µs of random flow to ~5 s of market time
        stream[column] = (stream[column] - stream["exch_ts"][0]) * 20_000
    outcomes = []
    for strategy in (Quoter(), ListeningQuoter()):
        venue = CountingVenue(
            stream.copy(), [INSTRUMENT], latency=ConstantLatency(1_000_000, 1_000_000), queue_model=PowerProbQueue()
        )
        result = Engine(strategy, venue).run()
        outcomes.append((venue.stops, result))
    (quiet_stops, quiet), (listening_stops, listening) = outcomes
    assert len(quiet.fills) > 0
    assert quiet_stops < listening_stops
    # Fills are the same executions (the same orders at the same prices and exchange-driven times) ...
    columns = ["ts", "order_id", "side", "price", "qty"]
    assert quiet.fills[columns].equals(listening.fills[columns])
    assert quiet.orders[["order_id", "status", "filled_qty"]].equals(
        listening.orders[["order_id", "status", "filled_qty"]]
    )
