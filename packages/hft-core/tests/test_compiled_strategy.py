"""The compiled strategy path (`hft_core.compiled`): a numba hook and a Python strategy with the same logic make the
same run, order for order, and the engine refuses what the hook cannot honour.

The logic both run is one numba function, `_choose` (callable from Python too), so what is compared is the path:
the Python engine's context, order entry and settlement against the compiled driver's. Each decision cancels the
open orders that strayed from the touch (leaving those still unacknowledged, as `Context.order_status` tells), then
sends one order whose kind, side, price and size come from a linear congruential generator the strategy carries:
post-only, good-till-cancelled, IOC, FOK and market orders, on two instruments, woken by a timer, by triggers on
both instruments (mid moves, trades through a level, its own fills), or both.
"""

from __future__ import annotations

import hft_core.compiled as hc
import numpy as np
import pandas as pd
import pytest
from hft_core.compiled import CompiledStrategy
from hft_core.engine import Engine
from hft_core.errors import HftError
from hft_core.risk import RiskLimits
from hft_core.strategy import Context, Strategy, Trigger, TriggerFired
from hft_core.venues.replay import ConstantLatency, PowerProbQueue, ReplayVenue
from hft_core.venues.replay._scenarios import INSTRUMENTS, random_l2_stream
from numba import njit

_TYPES = (hc.POST_ONLY, hc.GTC, hc.IOC, hc.FOK, hc.MARKET)
_TIFS = {hc.POST_ONLY: "post-only", hc.GTC: "gtc", hc.IOC: "ioc", hc.FOK: "fok"}


@njit
def _next(x):  # type: ignore[no-untyped-def]
    """A linear congruential generator (its high bits are the draws: the low ones repeat)."""
    return (1103515245 * x + 12345) % 2147483648


@njit
def _choose(x, bid, ask, position):  # type: ignore[no-untyped-def]
    """(next state, order type index, side, price ticks, lots) of the one order a decision sends."""
    x = _next(x)
    kind = (x // 65536) % 16
    x = _next(x)
    side = 1 if (x // 65536) % 2 == 0 else -1
    if position > 6:
        side = -1
    elif position < -6:
        side = 1
    x = _next(x)
    offset = (x // 65536) % 4
    x = _next(x)
    lots = 1 + (x // 65536) % 3
    if kind < 9:
        return x, 0, side, (bid - offset) if side > 0 else (ask + offset), lots  # post-only, away from the touch
    if kind < 12:
        return x, 1, side, (bid - offset) if side > 0 else (ask + offset), lots  # gtc
    if kind < 14:
        return x, 2, side, (ask + offset) if side > 0 else (bid - offset), lots  # ioc through the touch
    if kind < 15:
        return x, 3, side, ask if side > 0 else bid, lots  # fok at the touch
    return x, 4, side, 0, 1  # market


@njit
def _stale(price, side, bid, ask):  # type: ignore[no-untyped-def]
    return (side > 0 and bid - price > 2) or (side < 0 and price - ask > 2)


@njit
def _hook(h, event, instrument, fired):  # type: ignore[no-untyped-def]
    state = hc.state(h)
    state[1] += 1
    which = instrument if event == hc.TRIGGER else int(state[2]) % 2
    state[2] += 1
    bid = hc.best_bid(h, which)
    ask = hc.best_ask(h, which)
    if bid == hc.NO_BID or ask == hc.NO_ASK:
        return
    order_id = hc.next_open_order(h, 0)
    while order_id:
        acknowledged = hc.order_status(h, order_id) != hc.SENT and hc.order_leaves(h, order_id) > 0
        if acknowledged and _stale(hc.order_price(h, order_id), hc.order_side(h, order_id), bid, ask):
            hc.cancel(h, order_id)
        order_id = hc.next_open_order(h, order_id)
    x, kind, side, price, lots = _choose(int(state[0]), bid, ask, hc.position(h, which))
    state[0] = x
    order_type = (hc.POST_ONLY, hc.GTC, hc.IOC, hc.FOK, hc.MARKET)[kind]
    if side > 0:
        hc.buy(h, which, price, lots, order_type)
    else:
        hc.sell(h, which, price, lots, order_type)


class _Setup:
    """The wake-ups both strategies ask for."""

    def __init__(self, timer_s: float | None, triggers: bool) -> None:
        self.timer_s = timer_s
        self.triggers = triggers

    def start(self, ctx: Context) -> None:
        if self.timer_s is not None:
            ctx.set_timer(self.timer_s)
        if self.triggers:
            ctx.set_trigger(Trigger(mid_ticks=1, fills=True), "AAA")
            ctx.set_trigger(Trigger(trade_above=51.0, trade_below=49.0), "BBB")


def _open_at_stop(ctx: Context) -> list[tuple[int, str | None]]:
    """The open orders and their statuses when the run ends, then every one cancelled (Python, in `on_stop`)."""
    statuses: list[tuple[int, str | None]] = [(order_id, ctx.order_status(order_id)) for order_id in ctx.open_orders()]
    ctx.cancel_all()
    return statuses


class PythonTwin(Strategy):
    def __init__(self, setup: _Setup, seed: int) -> None:
        self.setup = setup
        self.state = [float(seed), 0.0, 0.0]
        self.sent: dict[int, tuple[int, int]] = {}
        """(side, price in ticks) of each order sent."""

    def on_start(self, ctx: Context) -> None:
        self.setup.start(ctx)

    def on_stop(self, ctx: Context) -> None:
        self.at_stop = _open_at_stop(ctx)

    def on_timer(self, ctx: Context) -> None:
        self.decide(ctx, None)

    def on_trigger(self, ctx: Context, instrument: str, fired: TriggerFired) -> None:
        self.decide(ctx, instrument)

    def decide(self, ctx: Context, instrument: str | None) -> None:
        state = self.state
        state[1] += 1
        symbol = instrument if instrument is not None else ctx.instruments[int(state[2]) % 2]
        state[2] += 1
        spec = ctx.instrument_spec(symbol)
        book = ctx.book(symbol)
        if book.best_bid is None or book.best_ask is None:
            return
        bid, ask = round(book.best_bid / spec.tick_size), round(book.best_ask / spec.tick_size)
        for order_id in ctx.open_orders():
            if ctx.order_status(order_id) in ("sent", None):
                continue
            side, price = self.sent[order_id]
            if _stale(price, side, bid, ask):
                ctx.cancel(order_id)
        x, kind, side, price, lots = _choose(int(state[0]), bid, ask, round(ctx.position(symbol) / spec.lot_size))
        state[0] = float(x)
        order_type = _TYPES[kind]
        qty = lots * spec.lot_size
        send = ctx.buy if side > 0 else ctx.sell
        if order_type == hc.MARKET:
            self.sent[send(qty, None, instrument=symbol)] = (side, 0)
        else:
            order_id = send(qty, price * spec.tick_size, instrument=symbol, tif=_TIFS[order_type])  # type: ignore[arg-type]
            self.sent[order_id] = (side, price)


class CompiledTwin(CompiledStrategy):
    def __init__(self, setup: _Setup, seed: int) -> None:
        super().__init__(_hook, [float(seed), 0.0, 0.0])
        self.setup = setup

    def on_start(self, ctx: Context) -> None:
        self.setup.start(ctx)

    def on_stop(self, ctx: Context) -> None:
        self.at_stop = _open_at_stop(ctx)


def _venue(data: np.ndarray, chunk_size: int | None = None) -> ReplayVenue:
    options = {} if chunk_size is None else {"chunk_size": chunk_size}
    return ReplayVenue(
        data,
        list(INSTRUMENTS),
        latency=ConstantLatency(7, 11),
        queue_model=PowerProbQueue(2.0),
        partial_fills=True,
        **options,  # type: ignore[arg-type]
    )


def _run(strategy: Strategy, data: np.ndarray, chunk_size: int | None = None) -> object:
    return Engine(strategy, _venue(data, chunk_size), sample_interval_s=2e-5).run()


def _same(python: object, compiled: object) -> None:
    for name in ("orders", "fills", "equity"):
        pd.testing.assert_frame_equal(getattr(python, name), getattr(compiled, name), obj=name)
    assert python.stats == compiled.stats  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("seed", "timer_s", "triggers", "chunk_size"),
    [
        (1, 3e-7, False, None),
        (2, None, True, None),
        (3, 5e-7, True, None),
        (4, 2e-7, True, 1000),  # streamed in chunks: the kernel asks for data between decisions
    ],
)
def test_a_hook_makes_the_python_strategys_run(
    seed: int, timer_s: float | None, triggers: bool, chunk_size: int | None
) -> None:
    data = random_l2_stream(np.random.default_rng(seed), 12_000, instruments=2)
    setup = _Setup(timer_s, triggers)
    python = PythonTwin(setup, seed)
    compiled = CompiledTwin(setup, seed)
    result_python = _run(python, data, chunk_size)
    result_compiled = _run(compiled, data, chunk_size)
    assert compiled.state[1] == python.state[1] > 100  # the same number of decisions, and many
    assert compiled.decisions == python.state[1]
    orders = result_compiled.orders  # type: ignore[attr-defined]
    assert len(orders) > 100 and len(result_compiled.fills) > 10  # type: ignore[attr-defined]
    assert {"post_only", "limit", "ioc", "fok", "market"} <= set(orders["order_type"])
    assert {"cancelled", "filled"} <= set(orders["status"])
    _same(result_python, result_compiled)
    assert compiled.at_stop == python.at_stop  # the hook's orders, as Python then sees them


@njit
def _quiet(h, event, instrument, fired):  # type: ignore[no-untyped-def]
    hc.state(h)[0] += 1


class Quiet(CompiledStrategy):
    def __init__(self) -> None:
        super().__init__(_quiet, [0.0])

    def on_start(self, ctx: Context) -> None:
        ctx.set_timer(1e-6)


class Subscribes(Quiet):
    def on_start(self, ctx: Context) -> None:
        ctx.subscribe()


class DefinesOnTimer(Quiet):
    def on_timer(self, ctx: Context) -> None:
        pass


def _small() -> np.ndarray:
    return random_l2_stream(np.random.default_rng(9), 2_000, instruments=2)


@pytest.mark.parametrize(
    ("make", "risk", "expected"),
    [
        (Subscribes, None, "runs without subscriptions"),
        (DefinesOnTimer, None, "DefinesOnTimer defines on_timer, which a compiled strategy never calls"),
        (Quiet, RiskLimits(max_position=5), "runs without risk limits"),
        (Quiet, RiskLimits(max_loss=100.0), "runs without risk limits"),
    ],
)
def test_the_engine_refuses_what_a_hook_cannot_honour(
    make: type[Strategy], risk: RiskLimits | None, expected: str
) -> None:
    with pytest.raises(HftError, match=expected):
        Engine(make(), _venue(_small()), risk=risk).run()


def test_a_hook_runs_on_the_replay_venue_with_a_constant_latency_only() -> None:
    from hft_core import create_scenario
    from hft_core.venues.replay.latency import Lognormal, SampledLatency

    with pytest.raises(HftError, match="cannot run a compiled strategy: its hook runs inside the replay venue"):
        Engine(Quiet(), create_scenario("single-instrument", seed=3, duration_s=1.0)).run()
    sampled = SampledLatency(Lognormal(10, 0.5), Lognormal(10, 0.5), seed=1)
    venue = ReplayVenue(_small(), list(INSTRUMENTS), latency=sampled)
    with pytest.raises(HftError, match="needs a constant order entry latency on one link"):
        Engine(Quiet(), venue).run()


def test_a_hook_is_a_numba_function_compiled_without_a_cache() -> None:
    with pytest.raises(HftError, match="must be a numba function"):
        CompiledStrategy(lambda h, event, instrument, fired: None)

    @njit(cache=True)
    def cached(h, event, instrument, fired):  # type: ignore[no-untyped-def]
        return None

    with pytest.raises(HftError, match="compiled with cache=True"):
        CompiledStrategy(cached)


@njit
def _floods(h, event, instrument, fired):  # type: ignore[no-untyped-def]
    bid = hc.best_bid(h, 0)
    if bid == hc.NO_BID:
        return
    for n in range(hc.MAX_REQUESTS + 1):
        hc.buy(h, 0, bid - 5 - n, 1, hc.POST_ONLY)


def test_more_requests_than_a_call_may_send_stop_the_run_with_an_error() -> None:
    class Floods(Quiet):
        def __init__(self) -> None:
            CompiledStrategy.__init__(self, _floods)

    with pytest.raises(HftError, match=f"sent more than {hc.MAX_REQUESTS} requests"):
        Engine(Floods(), _venue(_small())).run()


@njit
def _odd_orders(h, event, instrument, fired):  # type: ignore[no-untyped-def]
    state = hc.state(h)
    bid = hc.best_bid(h, 0)
    if bid == hc.NO_BID or state[0] > 0:
        return
    state[0] = 1
    state[1] = hc.buy(h, 0, bid, 0, hc.GTC)  # no size
    state[2] = hc.sell(h, 0, 0, 1, hc.GTC)  # no price
    state[3] = hc.buy(h, 7, bid, 1, hc.GTC)  # no such instrument
    state[4] = hc.buy(h, 0, bid - 50, 2, hc.GTC)  # a good one, resting far below
    state[5] = hc.order_status(h, int(state[4]))
    state[6] = hc.order_status(h, 99)
    state[7] = 1 if hc.cancel(h, 99) else 0


def test_orders_that_cannot_be_sent_return_minus_one_and_leave_no_trace() -> None:
    class Odd(Quiet):
        def __init__(self) -> None:
            CompiledStrategy.__init__(self, _odd_orders, np.zeros(8))

    strategy = Odd()
    result = Engine(strategy, _venue(_small())).run()
    assert strategy.state.tolist() == [1.0, -1.0, -1.0, -1.0, 1.0, float(hc.SENT), -1.0, 0.0]
    orders = result.orders
    assert orders["order_id"].tolist() == [1]
    assert orders["qty"].tolist() == [2.0]
    assert orders["status"].tolist() == ["accepted"]  # resting at the end: its acknowledgement was settled


_LEVELS = 4
_DECISIONS = 150


@njit
def _reads_depth(h, event, instrument, fired):  # type: ignore[no-untyped-def]
    state = hc.state(h)
    n = int(state[0])
    if n >= _DECISIONS:
        return
    state[0] = n + 1
    at = 1 + n * (2 * _LEVELS * 2 + 1)
    state[at] = hc.now(h)
    at += 1
    for side, price in ((hc.BUY, hc.best_bid(h, 1)), (hc.SELL, hc.best_ask(h, 1))):
        for _ in range(_LEVELS):
            if price == hc.NO_BID or price == hc.NO_ASK:
                state[at] = state[at + 1] = -1
            else:
                state[at] = price
                state[at + 1] = hc.level_qty(h, 1, side, price)
                price = hc.next_level(h, 1, side, price)
            at += 2


class ReadsDepth(Strategy):
    def __init__(self) -> None:
        self.rows: list[float] = []

    def on_start(self, ctx: Context) -> None:
        ctx.set_timer(4e-7)

    def on_timer(self, ctx: Context) -> None:
        if len(self.rows) >= _DECISIONS * (2 * _LEVELS * 2 + 1):
            return
        self.rows.append(float(ctx.now))
        spec = ctx.instrument_spec("BBB")
        for side in ("bid", "ask"):
            levels = ctx.book("BBB").depth(side, _LEVELS)
            for k in range(_LEVELS):
                if k < len(levels):
                    price, qty = levels[k]
                    self.rows += [round(price / spec.tick_size), round(qty / spec.lot_size)]
                else:
                    self.rows += [-1.0, -1.0]


def test_a_hook_reads_the_depth_python_reads() -> None:
    data = random_l2_stream(np.random.default_rng(5), 6_000, instruments=2)
    python = ReadsDepth()
    _run(python, data)

    class Compiled(CompiledStrategy):
        def on_start(self, ctx: Context) -> None:
            ctx.set_timer(4e-7)

    compiled = Compiled(_reads_depth, np.zeros(1 + _DECISIONS * (2 * _LEVELS * 2 + 1)))
    _run(compiled, data)
    assert compiled.state[0] == _DECISIONS
    assert compiled.state[1:].tolist() == python.rows
    assert sum(1 for value in python.rows if value == -1.0) < len(python.rows) // 4  # mostly full books
