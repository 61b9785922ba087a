"""The compiled simulated market (`CompiledSimulatedVenue`) against the Python reference (`SimulatedVenue`).

Same scenario, same seed, a scripted strategy sending random orders, cancels and modifies (unknown ids
included), with random watches: every `advance` must return the same stop, reports, public trades and book
changes; the strategy's view (`top`, `depth`), the fair value, every participant's and gateway's statistics and the
recorded feed must be equal to the byte; the strategy sets, replaces and clears random triggers as it goes, and
the bits that fire must be equal too. The markets cover every participant the kernel runs: the default crowd,
the reactive one (Hawkes noise, a gateway queue), two instruments, two venues with a delayed fair value, informed
takers with a requoting maker, and the latency racers (lagging makers and snipers on jittered links).
"""

from __future__ import annotations

import random
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hft_core.matching import OrderType
from hft_core.matching.feed import ROW_WIDTH
from hft_core.scenarios import BUILTIN_SCENARIOS
from hft_core.venues import base
from hft_core.venues.base import Report, TopOfBook, TriggerSpec, Watch
from hft_core.venues.simulated import _kdraws as kd
from hft_core.venues.simulated import _kernel as kn
from hft_core.venues.simulated import _kmatch as km
from hft_core.venues.simulated import compiled, market, venue
from hft_core.venues.simulated.compiled import CompiledSimulatedVenue
from hft_core.venues.simulated.latency import JITTER_KINDS, Latency, LatencyKind
from hft_core.venues.simulated.racers import LaggingMaker, Sniper
from hft_core.venues.simulated.scenarios import build_two_venue_market
from hft_core.venues.simulated.venue import SimulatedVenue

pytestmark = pytest.mark.slow

SCENARIOS = {scenario.name: scenario for scenario in BUILTIN_SCENARIOS}
_CALIBRATED: dict[str, Any] = tomllib.loads(
    (Path(__file__).resolve().parents[1] / "src/hft_core/calibration/binance_btcusdt_perp.toml").read_text()
)["scenario"]
"""The market `hft calibrate` fitted to the Binance BTCUSDT perp (reacting informed takers, Hawkes noise, ...)."""
_TYPES = (OrderType.LIMIT,) * 4 + (OrderType.IOC, OrderType.IOC, OrderType.MARKET, OrderType.POST_ONLY)


def _as_reports(rows: Any) -> list[Report]:
    from hft_core.matching import OrderReason, OrderStatus

    return [
        Report(r[0], r[1], r[2], OrderStatus(r[3]), OrderReason(r[4]), r[5], r[6], r[7], r[8], r[9], bool(r[10]))
        for r in rows.tolist()
    ]


def drive(sim: SimulatedVenue, seed: int, decisions: int = 1_500) -> list[object]:
    """Run ``sim`` to its end under a random strategy; everything the strategy could observe, in order. After
    ``decisions`` stops the strategy watches nothing more and sends nothing (its reports still stop the venue)."""
    rng = random.Random(seed)
    n = len(sim.instruments)
    if rng.random() < 0.5:  # a trigger set before the market opens starts from an empty book
        sim.set_trigger(0, _random_trigger(rng, sim.top(0)))
    seen: list[object] = [sim.start()]
    sent: list[list[int]] = [[] for _ in range(n)]
    next_id = 1
    decision = 0
    while True:
        decision += 1
        watch = Watch(
            book=tuple(rng.random() < 0.7 for _ in range(rng.randint(0, n))),
            trades=tuple(rng.random() < 0.5 for _ in range(n)),
            book_from=sim.now + rng.choice((0, 0, 20_000, 2_000_000)),
            rows=rng.random() < 0.3,
        )
        until = sim.now + rng.choice((1, 5_000, 300_000, 20_000_000, 200_000_000))
        if decision > decisions:
            watch, until = Watch(reports=False, rows=watch.rows), sim.end_ns
        step = sim.advance(until, watch)
        reports = step.reports if step.report_rows is None else _as_reports(step.report_rows)
        seen.append((step.now, reports, step.trades, step.book_changed, step.finished, step.triggered))
        for i in range(n):
            seen.append((sim.top(i), sim.depth(i, 1, 4), sim.depth(i, -1, 12), round(sim.fair_price(i), 9)))
        if step.finished:
            return seen
        if decision > decisions:
            continue
        if rng.random() < 0.1:
            i = rng.randrange(n)
            sim.set_trigger(i, _random_trigger(rng, sim.top(i)) if rng.random() < 0.8 else None)
        for _ in range(rng.choice((0, 0, 1, 3))):
            i = rng.randrange(n)
            top = sim.top(i)
            action = rng.random()
            if action < 0.55 or not sent[i]:
                side = rng.choice((1, -1))
                anchor = top.bid_price if side == 1 else top.ask_price
                if anchor is None:
                    anchor = round(sim.fair_price(i) / sim.instruments[i].tick_size)
                price = max(1, anchor + rng.randint(-4, 4))
                sim.submit(sim.now, i, next_id, side, rng.choice(_TYPES), price, rng.randint(1, 8))
                sent[i].append(next_id)
                next_id += 1
            elif action < 0.8:
                sim.cancel(sim.now, i, rng.choice(sent[i]) if rng.random() < 0.9 else 10**9)
            else:
                order_id = rng.choice(sent[i])
                top_price = (
                    top.bid_price
                    if top.bid_price is not None
                    else round(sim.fair_price(i) / sim.instruments[i].tick_size)
                )
                sim.modify(sim.now, i, order_id, max(1, top_price + rng.randint(-3, 3)), rng.randint(1, 8))


def _random_trigger(rng: random.Random, top: TopOfBook) -> TriggerSpec:
    """A trigger of one to three random conditions, its thresholds near the book the strategy sees."""
    mid2 = (top.bid_price or 0) + (top.ask_price or 0) if top.bid_price and top.ask_price else 20_000
    price = mid2 // 2
    flags = 0
    for _ in range(rng.randint(1, 3)):
        flags |= 1 << rng.randrange(10)
    return TriggerSpec(
        flags,
        mid_ticks=rng.randint(1, 3),
        microprice_ticks=rng.choice((0.25, 1.0, 2.5)),
        mid_above=mid2 + rng.randint(-2, 4),
        mid_below=mid2 - rng.randint(-2, 4),
        best_qty_below=rng.randint(1, 30),
        imbalance=rng.choice((0.2, 0.5, 0.9, 1.0)),
        trade_above=price + rng.randint(-1, 3),
        trade_below=price - rng.randint(-1, 3),
    )


def both(case: str, seed: int) -> tuple[SimulatedVenue, SimulatedVenue]:
    """Market ``case`` on ``seed`` twice: the Python venue, and the compiled one (the ``compiled`` knob)."""
    reference, fast = CASES[case](seed, False), CASES[case](seed, True)
    assert type(reference) is SimulatedVenue and type(fast) is CompiledSimulatedVenue
    return reference, fast


def assert_same_run(reference: SimulatedVenue, fast: SimulatedVenue, seed: int) -> None:
    assert drive(fast, seed) == drive(reference, seed)
    assert fast.participant_stats() == reference.participant_stats()
    for name in {instrument.venue for instrument in reference.instruments}:
        assert fast.gateway_stats(name) == reference.gateway_stats(name)
    assert fast.recorded_market_data().tobytes() == reference.recorded_market_data().tobytes()


def _racers(seed: int, compiled: bool, duration_s: float, kind: LatencyKind) -> SimulatedVenue:
    config = SCENARIOS["two-venues"].resolve({"record": True, "compiled": compiled})
    values = {spec.name: getattr(config, spec.name) for spec in config.knobs()}
    racers = [
        LaggingMaker(lead=0, half_spread_ticks=1.0, size=5, feed_latency=Latency(40_000, 8_000, kind),
                     order_latency=Latency(30_000, 8_000, kind)),
        Sniper(lead=0, threshold_ticks=0.5, size=3, feed_latency=Latency(5_000, 2_000, kind),
               order_latency=Latency(5_000, 2_000, kind), cooldown_ns=100_000),
        Sniper(lead=0, threshold_ticks=0.5, size=2, feed_latency=Latency(9_000, 3_000, kind),
               order_latency=Latency(4_000, 3_000, kind), cooldown_ns=50_000),
    ]  # fmt: skip
    return build_two_venue_market(seed, duration_s, values, slow_participants=racers, venue_symbols=True)


CASES: dict[str, Any] = {
    "single-instrument": lambda seed, c: SCENARIOS["single-instrument"](seed, 20.0, record=True, compiled=c),
    "busy single-instrument": lambda seed, c: SCENARIOS["single-instrument"](
        seed, 3.0, record=True, compiled=c, lp_order_rate=400.0, noise_rate=60.0, lp_cancel_stale=True
    ),
    "reactive": lambda seed, c: SCENARIOS["reactive"](seed, 5.0, record=True, compiled=c),
    "cointegrated-pair": lambda seed, c: SCENARIOS["cointegrated-pair"](seed, 10.0, record=True, compiled=c),
    "two-venues": lambda seed, c: SCENARIOS["two-venues"](
        seed, 10.0, record=True, compiled=c, message_service_ns=2_000
    ),
    "informed": lambda seed, c: SCENARIOS["single-instrument"](
        seed,
        10.0,
        record=True,
        compiled=c,
        informed_share=0.4,
        informed_react_probability=0.5,
        informed_react_jitter_ns=30_000,
        mm_requote_rate=20.0,
        mm_latency_ns=50_000,
        noise_size_log_sd=0.8,
        informed_horizon_s=0.5,
    ),
    "calibrated": lambda seed, c: SCENARIOS["single-instrument"](seed, 8.0, **_CALIBRATED, record=True, compiled=c),
    "racers": lambda seed, c: _racers(seed, c, 5.0, "uniform"),
    "racers, lognormal jitter": lambda seed, c: _racers(seed, c, 5.0, "lognormal"),
    "racers, exponential jitter": lambda seed, c: _racers(seed, c, 5.0, "exponential"),
}


@pytest.mark.parametrize("seed", [1, 7])
@pytest.mark.parametrize("case", list(CASES))
def test_the_compiled_market_is_the_reference_to_the_draw(case: str, seed: int) -> None:
    reference, fast = both(case, seed)
    assert_same_run(reference, fast, seed)


def test_what_the_compiled_market_refuses_names_the_reference() -> None:
    _, fast = both("single-instrument", 3)
    fast.start()
    with pytest.raises(RuntimeError, match="reference SimulatedVenue"):
        fast.record_messages()
    with pytest.raises(RuntimeError, match="reference SimulatedVenue"):
        fast.exchange_engine(0)


def test_the_kernels_restate_their_constants() -> None:
    """numba's cache sees edits of a kernel's own file only: the constants it restates must equal their sources."""
    from hft_core.events import BUY, SELL
    from hft_core.matching import OrderReason, OrderStatus

    assert (kn.BUY, kn.SELL, kn.STRATEGY_OWNER) == (BUY, SELL, venue.STRATEGY_OWNER)
    assert (kn.OT_LIMIT, kn.OT_MARKET, kn.OT_IOC, kn.OT_POST_ONLY) == (
        OrderType.LIMIT, OrderType.MARKET, OrderType.IOC, OrderType.POST_ONLY,
    )  # fmt: skip
    assert (kn.OP_SUBMIT, kn.OP_CANCEL, kn.OP_MODIFY) == (market.OP_SUBMIT, market.OP_CANCEL, market.OP_MODIFY)
    assert (kn.OP_STRATEGY_SUBMIT, kn.OP_STRATEGY_CANCEL, kn.OP_STRATEGY_MODIFY) == (
        market.OP_STRATEGY_SUBMIT, market.OP_STRATEGY_CANCEL, market.OP_STRATEGY_MODIFY,
    )  # fmt: skip
    assert kn.OS_REJECTED == OrderStatus.REJECTED and kn.RJ_UNKNOWN_ORDER == OrderReason.UNKNOWN_ORDER
    bits = ("MID", "MICROPRICE", "MID_ABOVE", "MID_BELOW", "BEST_QTY", "IMBALANCE", "TRADE_ABOVE", "TRADE_BELOW")
    assert [getattr(kn, f"TG_{name}") for name in (*bits, "FILL", "REJECT")] == [
        getattr(base, f"T_{name}") for name in (*bits, "FILL", "REJECT")
    ]
    assert compiled._STATUS[kn.OS_REJECTED] is OrderStatus.REJECTED
    assert set(kd.JITTER_CODES) == set(JITTER_KINDS)
    assert (km.KE_EXCH_TS, km.KE_LOCAL_TS, km.KE_SIZE) == (0, 1, ROW_WIDTH)  # `flat_rows_to_events` reads these
