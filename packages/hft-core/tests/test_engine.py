"""The engine loop on a scripted venue: timers, subscriptions, risk, ledger, kill switch, results."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
import pytest
from hft_core import Context, Fill, Instrument, OrderUpdate, RiskLimits, Strategy, backtest
from hft_core.engine import BacktestResult, Engine
from hft_core.engine.stats import sequential_sum
from hft_core.events import BUY
from hft_core.matching.orders import OrderReason, OrderStatus, OrderType
from hft_core.venues.base import Advance, Report, TopOfBook, Venue, Watch

MS = 1_000_000
SEC = 1_000_000_000


class ScriptedVenue:
    """A venue whose best bid/ask follow a script; resting orders fill when the opposite best reaches them.

    Latency: requests arrive 1 ms after they are sent and reports come back 1 ms later.
    """

    def __init__(self, script: list[tuple[int, int, int]], end: int) -> None:
        self._script = sorted(script)  # (time, bid ticks, ask ticks)
        self._end = end
        self.now = 0
        self._top = TopOfBook(None, 0, None, 0)
        self._orders: dict[int, tuple[int, int, int]] = {}  # id -> (side, price, qty) resting
        self._pending: list[tuple[int, str, tuple[int, ...]]] = []  # (arrival, kind, payload)
        self._reports: list[Report] = []
        self.instrument = Instrument("TEST", tick_size=0.01, lot_size=1.0)

    @property
    def instruments(self) -> tuple[Instrument, ...]:
        return (self.instrument,)

    @property
    def name(self) -> str:
        return "scripted"

    @property
    def simulated(self) -> bool:
        return True

    def start(self) -> int:
        self._apply_script(0)
        return 0

    def _apply_script(self, t: int) -> bool:
        changed = False
        while self._script and self._script[0][0] <= t:
            _, bid, ask = self._script.pop(0)
            self._top = TopOfBook(bid, 5, ask, 5)
            changed = True
        return changed

    def _match(self, t: int) -> None:
        for order_id, (side, price, qty) in list(self._orders.items()):
            crossed = (side == BUY and self._top.ask_price is not None and self._top.ask_price <= price) or (
                side != BUY and self._top.bid_price is not None and self._top.bid_price >= price
            )
            if crossed:
                del self._orders[order_id]
                self._reports.append(
                    Report(t + MS, 0, order_id, OrderStatus.FILLED, OrderReason.NONE, side, price, 0, qty, price, True)
                )

    def _process(self, t: int) -> None:
        due = [p for p in self._pending if p[0] <= t]
        self._pending = [p for p in self._pending if p[0] > t]
        for arrival, kind, payload in due:
            if kind == "new":
                order_id, side, price, qty = payload
                self._orders[order_id] = (side, price, qty)
                self._reports.append(
                    Report(arrival + MS, 0, order_id, OrderStatus.ACCEPTED, OrderReason.NONE, side, price, qty)
                )
            elif kind == "cancel" and payload[0] in self._orders:
                side, price, _ = self._orders.pop(payload[0])
                self._reports.append(
                    Report(arrival + MS, 0, payload[0], OrderStatus.CANCELLED, OrderReason.REQUESTED, side, price, 0)
                )
            elif kind == "cancel":
                self._reports.append(
                    Report(arrival + MS, 0, payload[0], OrderStatus.REJECTED, OrderReason.UNKNOWN_ORDER, 0, 0, 0)
                )
        self._match(t)

    def advance(self, until: int, watch: Watch) -> Advance:
        t = self.now
        while t < until and t < self._end:
            t = min(until, self._end, t + MS)
            self._process(t)
            changed = self._apply_script(t)
            if changed:
                self._match(t)
            visible = [r for r in self._reports if r.ts <= t]
            if visible or (changed and watch.book and watch.book[0] and t >= watch.book_from):
                self._reports = [r for r in self._reports if r.ts > t]
                self.now = t
                return Advance(t, visible, [], (0,) if changed and watch.book and watch.book[0] else (), False)
        self.now = t
        return Advance(t, [], [], (), t >= self._end)

    def submit(
        self, now: int, instrument: int, order_id: int, side: int, order_type: OrderType, price: int, qty: int
    ) -> None:
        self._pending.append((now + MS, "new", (order_id, side, price, qty)))

    def acknowledged(self, order_id: int) -> bool:
        return False  # it reports every acceptance

    def cancel(self, now: int, instrument: int, order_id: int) -> None:
        self._pending.append((now + MS, "cancel", (order_id,)))

    def modify(self, now: int, instrument: int, order_id: int, price: int, qty: int) -> None:
        raise NotImplementedError("the scripted venue does not modify")

    def top(self, instrument: int) -> TopOfBook:
        return self._top

    def depth(self, instrument: int, side: int, levels: int) -> list[tuple[int, int]]:
        price = self._top.bid_price if side == BUY else self._top.ask_price
        return [] if price is None else [(price, 5)]

    def progress(self) -> float:
        return min(1.0, self.now / self._end)


class Recorder(Strategy):
    def __init__(self) -> None:
        self.timers: list[int] = []
        self.books: list[int] = []
        self.fills: list[Fill] = []
        self.updates: list[OrderUpdate] = []

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        self.fills.append(fill)

    def on_order(self, ctx: Context, update: OrderUpdate) -> None:
        self.updates.append(update)


def test_timer_fires_on_its_grid() -> None:
    class Timed(Recorder):
        def on_start(self, ctx: Context) -> None:
            ctx.set_timer(0.1)

        def on_timer(self, ctx: Context) -> None:
            self.timers.append(ctx.now)

    strategy = Timed()
    Engine(strategy, ScriptedVenue([(0, 9990, 10010)], end=SEC)).run()
    assert strategy.timers == [n * 100 * MS for n in range(1, 11)]


def test_book_subscription_is_throttled() -> None:
    class Watcher(Recorder):
        def on_start(self, ctx: Context) -> None:
            ctx.subscribe(throttle_s=0.05)

        def on_book(self, ctx: Context, instrument: str) -> None:
            self.books.append(ctx.now)

    script = [(t * 10 * MS, 9990 + t, 10010 + t) for t in range(20)]
    strategy = Watcher()
    Engine(strategy, ScriptedVenue(script, end=SEC)).run()
    assert strategy.books[0] == 10 * MS
    assert all(b - a >= 50 * MS for a, b in zip(strategy.books, strategy.books[1:], strict=False))


def test_fill_updates_position_pnl_and_records() -> None:
    class BuyOnce(Recorder):
        def on_start(self, ctx: Context) -> None:
            ctx.buy(2, 100.00)

    script = [(0, 9990, 10010), (100 * MS, 9995, 10000), (200 * MS, 10050, 10070)]
    strategy = BuyOnce()
    result = Engine(strategy, ScriptedVenue(script, end=SEC)).run()
    (fill,) = strategy.fills
    assert (fill.side, fill.price, fill.qty, fill.ts) == ("buy", 100.0, 2.0, 100 * MS + MS)
    assert result.stats["final_position"] == {"TEST": 2.0}
    # Marked at the final mid 100.60: 2 × 0.60.
    assert result.stats["pnl"] == pytest.approx(1.2)
    assert list(result.fills["position"]) == [2.0]
    assert [u.status for u in strategy.updates] == ["accepted"]


def test_off_grid_prices_round_to_the_passive_side_and_sub_lot_sizes_are_rejected() -> None:
    class Sloppy(Recorder):
        def on_start(self, ctx: Context) -> None:
            ctx.buy(1, 99.987)
            ctx.sell(1, 100.012)
            ctx.buy(0.4, 99.0)

    strategy = Sloppy()
    result = Engine(strategy, ScriptedVenue([(0, 9990, 10010)], end=10 * MS)).run()
    orders = result.orders.set_index("order_id")
    assert orders.loc[1, "price"] == 99.98
    assert orders.loc[2, "price"] == 100.02
    assert orders.loc[3, "status"] == "rejected"
    assert "below one lot" in str(orders.loc[3, "reason"])
    assert [u.status for u in strategy.updates if u.order_id == 3] == ["rejected"]


def test_prices_and_sizes_beyond_the_integer_grid_are_rejected_before_any_venue() -> None:
    # a runaway quoting model: no venue can hold 10^26 (a replay's kernel keeps 64-bit ticks)
    class Runaway(Recorder):
        def on_start(self, ctx: Context) -> None:
            ctx.sell(1, 3.9e26)
            ctx.buy(1e30, 99.0)
            ctx.buy(1, 99.0)

    strategy = Runaway()
    result = Engine(strategy, ScriptedVenue([(0, 9990, 10010)], end=10 * MS)).run()
    orders = result.orders.set_index("order_id")
    assert orders.loc[1, "status"] == "rejected" and "beyond 2^62 ticks" in str(orders.loc[1, "reason"])
    assert orders.loc[2, "status"] == "rejected" and "beyond 2^62 lots" in str(orders.loc[2, "reason"])
    assert orders.loc[3, "status"] == "accepted"
    assert orders.loc[1, "price"] == 3.9e26  # the table still shows what was asked


def test_risk_gate_rejects_with_a_reason_and_counts_open_orders() -> None:
    class Greedy(Recorder):
        def on_start(self, ctx: Context) -> None:
            for _ in range(4):
                ctx.buy(1, 99.0)

    strategy = Greedy()
    result = Engine(strategy, ScriptedVenue([(0, 9990, 10010)], end=10 * MS), risk=RiskLimits(max_position=2)).run()
    statuses = list(result.orders.sort_values("order_id")["status"])
    assert statuses == ["accepted", "accepted", "rejected", "rejected"]
    assert result.orders["reason"].iloc[2].startswith("risk max_position")
    assert result.stats["rejected"] == 2


def test_kill_switch_cancels_and_blocks() -> None:
    class Loser(Recorder):
        def on_start(self, ctx: Context) -> None:
            ctx.buy(10, 100.10)
            ctx.set_timer(0.1)

        def on_timer(self, ctx: Context) -> None:
            ctx.sell(1, 200.0)

    script = [(0, 9990, 10010), (300 * MS, 9000, 9010)]
    strategy = Loser()
    result = Engine(strategy, ScriptedVenue(script, end=SEC), risk=RiskLimits(max_loss=5.0)).run()
    assert result.stats["kill_switch"] is True
    later = result.orders[result.orders["ts"] > 300 * MS]
    assert len(later) > 0
    assert set(later["status"]) == {"rejected"}
    assert all("kill_switch" in str(reason) for reason in later["reason"])
    assert "kill switch" in "".join(result.logs)


def test_results_are_written_and_reloadable(tmp_path: Path) -> None:
    class Quoter(Recorder):
        def on_start(self, ctx: Context) -> None:
            ctx.set_timer(0.05)

        def on_timer(self, ctx: Context) -> None:
            ctx.cancel_all()
            ctx.buy(1, 99.95)

    script = [(0, 9990, 10010), (500 * MS, 9990, 9995)]
    result = Engine(Quoter(), ScriptedVenue(script, end=SEC)).run()
    written = result.write(tmp_path)
    assert {p.name for p in written} >= {"orders.parquet", "fills.parquet", "equity.parquet", "summary.json"}
    from hft_core.report import load_run

    run = load_run(tmp_path)
    assert len(run.fills) == len(result.fills) >= 1
    assert run.summary["orders"] == result.stats["orders"]


def test_backtest_rejects_two_markets() -> None:
    with pytest.raises(ValueError, match="give one market"):
        backtest(Strategy(), scenario="single-instrument", venue=ScriptedVenue([], end=1))


def test_result_type() -> None:
    result = Engine(Strategy(), ScriptedVenue([(0, 9990, 10010)], end=10 * MS)).run()
    assert isinstance(result, BacktestResult)
    assert result.stats["fills"] == 0
    assert list(result.equity.columns) == ["ts", "time", "instrument", "mid", "position", "pnl"]
    assert list(result.round_trips.columns[:3]) == ["instrument", "side", "qty"]


def test_late_reply_never_rewrites_a_filled_order() -> None:
    class CancelsInOnFill(Recorder):
        def on_start(self, ctx: Context) -> None:
            self.order = ctx.buy(1, 100.00)

        def on_fill(self, ctx: Context, fill: Fill) -> None:
            super().on_fill(ctx, fill)
            ctx.cancel(fill.order_id)  # races the fill: the venue answers "unknown order"

    script = [(0, 9990, 10010), (100 * MS, 9995, 10000)]
    strategy = CancelsInOnFill()
    result = Engine(strategy, ScriptedVenue(script, end=SEC)).run()
    order = result.orders.set_index("order_id").loc[strategy.order]
    assert (order["status"], order["done_ts"]) == ("filled", 101 * MS)
    assert result.stats["rejected"] == 0


class _Quoter(Strategy):
    """Joins the best bid and ask every 100 ns of market time, cancelling quotes the market moved away from."""

    def on_start(self, ctx: Context) -> None:
        ctx.set_timer(1e-7)

    def on_timer(self, ctx: Context) -> None:
        book = ctx.book()
        bid, ask = book.best_bid, book.best_ask
        if bid is None or ask is None:
            return
        for order_id in ctx.open_orders():
            ctx.cancel(order_id)
        ctx.buy(1.0, bid, tif="post-only")
        ctx.sell(1.0, ask, tif="post-only")


class _ListeningQuoter(_Quoter):
    """The same quoter, but listening to order updates: the venue then reports every acknowledgement."""

    def on_order(self, ctx: Context, update: OrderUpdate) -> None:
        pass


def test_left_out_acknowledgements_give_the_same_results() -> None:
    """Without `on_order` the replay venue leaves ACCEPTED reports out; the engine's tables must not change."""
    from hft_core.venues.replay import ConstantLatency, ReplayVenue
    from hft_core.venues.replay._scenarios import INSTRUMENTS, random_l2_stream

    data = random_l2_stream(np.random.default_rng(11), 20_000)
    results = []
    for strategy in (_Quoter(), _ListeningQuoter()):
        venue = ReplayVenue(data, INSTRUMENTS[:1], latency=ConstantLatency(20, 30))
        results.append(backtest(strategy, venue=venue, sample_interval_s=1e-6))
    quiet, listening = results
    pd.testing.assert_frame_equal(quiet.orders, listening.orders)
    pd.testing.assert_frame_equal(quiet.equity, listening.equity)
    # (a fill's `pnl` marks the position at the mid when the engine books it: at once for a strategy that listens,
    # at its next decision for one that does not)
    pd.testing.assert_frame_equal(quiet.fills.drop(columns="pnl"), listening.fills.drop(columns="pnl"))
    assert quiet.stats == listening.stats
    statuses = set(quiet.orders["status"])
    assert {"accepted", "filled", "cancelled"} <= statuses  # orders still open at the end were acknowledged
    assert len(quiet.fills) > 10


class _Remodeller(Strategy):
    """Bids 3 post-only at 1.00, then (at 30 ns) tries to make it 5 at the 1.01 ask, which the venue refuses."""

    def __init__(self) -> None:
        self.updates: list[OrderUpdate] = []
        self.order_id = 0
        self.engine: Engine | None = None
        self.worst_cases: list[tuple[int, int]] = []  # the risk gate's worst-case positions at each update

    def on_start(self, ctx: Context) -> None:
        self.order_id = ctx.buy(3.0, 1.00, tif="post-only")
        ctx.set_timer(30e-9)

    def on_timer(self, ctx: Context) -> None:
        if ctx.now == 30:
            ctx.modify(self.order_id, price=1.01, qty=5.0)

    def on_order(self, ctx: Context, update: OrderUpdate) -> None:
        self.updates.append(update)
        assert self.engine is not None
        self.worst_cases.append(self.engine.blotter.worst_case_positions(0))


def test_a_modify_the_venue_refuses_leaves_the_order_open_and_fillable() -> None:
    """A refused modify comes back REJECTED with the order's open quantity: the order must stay open (it used to be
    closed, and its later fill then broke the risk gate) and the risk gate must forget the refused change."""
    from hft_core.events import SELL, EventKind
    from hft_core.venues.replay import ConstantLatency, ReplayVenue, RiskAverseQueue
    from hft_core.venues.replay._scenarios import INSTRUMENTS, events

    depth, trade = EventKind.DEPTH, EventKind.TRADE
    rows = [
        (0, 0, depth, BUY, 100, 5),
        (0, 0, depth, SELL, 101, 2),
        (20, 20, depth, BUY, 100, 9),
        (40, 40, trade, SELL, 100, 7),
        (60, 60, depth, SELL, 103, 1),
    ]
    venue = ReplayVenue(events(rows), INSTRUMENTS[:1], latency=ConstantLatency(0, 0), queue_model=RiskAverseQueue())
    strategy = _Remodeller()
    engine = strategy.engine = Engine(strategy, venue)
    result = engine.run()
    refused = [u for u in strategy.updates if u.reason is not None]
    assert [(u.ts, u.status, u.reason, u.remaining_qty) for u in refused] == [
        (30, "accepted", "modify refused by the venue: post_only_would_cross", 3.0)
    ]
    assert strategy.worst_cases[strategy.updates.index(refused[0])] == (3, 0)  # the refused 5 no longer counted
    assert result.orders[["status", "price", "filled_qty"]].values.tolist() == [["filled", 1.0, 3.0]]
    assert result.fills["price"].tolist() == [1.0]
    assert engine.blotter.risk_open_count == 0 and engine.blotter.position(0) == 3
    assert any("modify refused by the venue" in line for line in result.logs)


class _VenueWithoutAcknowledged:
    """A venue written before `acknowledged` joined the protocol: everything else is the scripted venue's."""

    def __init__(self, inner: ScriptedVenue) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        if name == "acknowledged":
            raise AttributeError(name)
        return getattr(self._inner, name)


def test_a_venue_without_acknowledged_still_finishes_its_run() -> None:
    class LateBids(Strategy):  # a quiet strategy: its venue is asked to leave acknowledgements out
        def on_start(self, ctx: Context) -> None:
            ctx.buy(1, 90.00)
            ctx.set_timer(0.0095)

        def on_timer(self, ctx: Context) -> None:
            ctx.buy(1, 90.00)  # at 9.5 ms: its answer (2 ms away) comes after the end

    venue = _VenueWithoutAcknowledged(ScriptedVenue([(0, 9990, 10010)], end=10 * MS))
    result = Engine(LateBids(), cast(Venue, venue)).run()
    assert result.orders["status"].tolist() == ["accepted", "sent"]


def test_volume_and_notional_add_left_to_right() -> None:
    # np.sum adds pairwise: on these its last bit differs from adding one value after another, as the stats do
    values = np.random.default_rng(4).random(5_000) * 1e3
    expected = 0.0
    for value in values.tolist():
        expected += value
    assert float(np.sum(values)) != expected
    assert sequential_sum(values) == expected
    assert sequential_sum(np.zeros(0)) == 0


class _ModifyAcrossAFill(Strategy):
    """Bids 5 post-only at 1.00; at 25 ns (a fill of 3 already on its way back) asks the venue to make it ``qty``
    at ``price``. Records the engine's view of the order whenever the venue's answer arrives."""

    def __init__(self, engine_of: list[Engine], qty: float, price: float) -> None:
        self._engine_of, self.qty, self.price = engine_of, qty, price
        self.order_id = 0
        self.answers: list[tuple[str | None, float, tuple[int, int, int, int], tuple[int, int, int]]] = []

    def on_start(self, ctx: Context) -> None:
        self.order_id = ctx.buy(5.0, 1.00, tif="post-only")
        ctx.set_timer(25e-9)

    def on_timer(self, ctx: Context) -> None:
        if ctx.now == 25:
            ctx.modify(self.order_id, price=self.price, qty=self.qty)

    def on_order(self, ctx: Context, update: OrderUpdate) -> None:
        if update.ts < 40:  # the acknowledgement
            return
        blotter = self._engine_of[0].blotter
        _, _, price, qty, filled, risk_leaves = blotter.order(self.order_id)
        self.answers.append(
            (update.reason, update.remaining_qty, (price, qty - filled, risk_leaves, filled), blotter.exposure(0))
        )


@pytest.mark.parametrize(
    ("qty", "price", "reason", "venue_leaves"),
    [
        # refused (post-only would cross at 1.01): the venue keeps the 2 the fill left, at 1.00
        (2.0, 1.01, "modify refused by the venue: post_only_would_cross", 2),
        # accepted: the venue sets the open quantity to 4 after the fill (modify sets leaves, not the total)
        (4.0, 1.00, None, 4),
    ],
)
def test_after_the_venue_answers_a_modify_that_crossed_a_fill_the_engine_sees_the_venues_order(
    qty: float, price: float, reason: str | None, venue_leaves: int
) -> None:
    """The modify leaves at 25 ns and reaches the venue at 35 ns; a fill of 3 happened there at 20 ns and is seen at
    30 ns. The engine used to apply the modify's size at once: a decrease below the fill then broke the run (a fill
    of 3 for an order with 2 open), and an accepted one left the risk gate counting 1 lot where the venue had 4."""
    from hft_core.events import SELL, EventKind
    from hft_core.venues.replay import ConstantLatency, ReplayVenue, RiskAverseQueue
    from hft_core.venues.replay._scenarios import INSTRUMENTS, events

    depth, trade = EventKind.DEPTH, EventKind.TRADE
    rows = [(0, 0, depth, BUY, 100, 5), (0, 0, depth, SELL, 101, 2), (20, 20, trade, SELL, 100, 8)]
    rows.append((200, 200, depth, SELL, 103, 1))
    venue = ReplayVenue(events(rows), INSTRUMENTS[:1], latency=ConstantLatency(10, 10), queue_model=RiskAverseQueue())
    engine_of: list[Engine] = []
    strategy = _ModifyAcrossAFill(engine_of, qty, price)
    engine_of.append(Engine(strategy, venue))
    engine_of[0].run()
    # the venue's answer: (price 1.00 in ticks, open lots, risk-counted lots, filled), (position, open buy, open sell)
    assert strategy.answers == [
        (reason, float(venue_leaves), (100, venue_leaves, venue_leaves, 3), (3, venue_leaves, 0))
    ]
