"""Measured effects: each pattern against a control on the same seeds, and the detectors scored on its episodes.

- `study_spoofing`: the genuine orders with the spoof (or layered) orders vs the same genuine orders alone
  (``with_spoof=False``): fill rate, time to fill, price edge.
- `study_ignition`: the ignition round trips vs the same round trips on a market whose momentum followers never
  react (``momentum_threshold_ticks`` set out of reach): PnL per episode, unwind price vs burst price.
- `study_stuffing`: the other participants' gateway queueing with the stuffer vs without it (an idle strategy).
- `study_honest_market_maker`: a plain two-sided quoter on the same market, which no detector should flag.

Each study also runs every `hft_core.surveillance` detector on the pattern's run and scores the matching one on the
planted episodes (`hft_gated_manipulative.episodes`). docs/manipulation.md reports the numbers.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hft_core import (
    BacktestResult,
    Context,
    DetectionScore,
    EpisodeKind,
    SimulatedVenue,
    Strategy,
    backtest,
    create_scenario,
    score_detections,
    surveil,
)

from hft_gated_manipulative.config import (
    IGNITION_SCENARIO_PARAMS,
    STUFFING_SCENARIO_PARAMS,
    LayeringConfig,
    SpoofingConfig,
)
from hft_gated_manipulative.episodes import planted_episodes
from hft_gated_manipulative.momentum_ignition import MomentumIgnition
from hft_gated_manipulative.quote_stuffing import QuoteStuffing
from hft_gated_manipulative.spoofing import Layering, Spoofing

__all__ = [
    "DEFAULT_SEEDS",
    "HonestQuoter",
    "HonestStudy",
    "IgnitionStudy",
    "SpoofingStudy",
    "StuffingStudy",
    "run_simulated",
    "study_honest_market_maker",
    "study_ignition",
    "study_spoofing",
    "study_stuffing",
]

DEFAULT_SEEDS = (1, 2, 3, 4)
_INERT_THRESHOLD_TICKS = 1e6
"""The momentum knob's upper bound: a move of a million ticks, which no run makes, so the followers look and never act
(kept in the market rather than removed, so every other participant draws the same random numbers)."""


def run_simulated(
    strategy: Strategy, scenario: str, *, seed: int, duration_s: float, **overrides: Any
) -> tuple[BacktestResult, SimulatedVenue]:
    """Run ``strategy`` on a simulated scenario with ``overrides``; returns the venue too (for its statistics)."""
    venue = create_scenario(scenario, seed=seed, duration_s=duration_s, **overrides)
    if not isinstance(venue, SimulatedVenue):
        raise TypeError(f"scenario {scenario!r} built a {type(venue).__name__}, not a SimulatedVenue")
    return backtest(strategy, venue=venue), venue


def _flagged(result: BacktestResult) -> Counter[str]:
    return Counter(episode.kind for episode in surveil(result))


def _mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else math.nan


def _spoofer(*, layering: bool, with_spoof: bool) -> Spoofing:
    if layering:
        return Layering(LayeringConfig(with_spoof=with_spoof))
    return Spoofing(SpoofingConfig(with_spoof=with_spoof))


@dataclass(frozen=True)
class SpoofingStudy:
    """Spoofing (or layering) vs the genuine orders alone, over ``seeds``."""

    kind: EpisodeKind
    seeds: tuple[int, ...]
    episodes: int
    fill_rate: float
    control_fill_rate: float
    time_to_fill_s: float
    control_time_to_fill_s: float
    edge: float
    """Mean fill price advantage over the mid at placement (price units) of the genuine orders that traded."""
    control_edge: float
    per_seed_fill_rates: tuple[tuple[float, float], ...]
    """(with spoof, control) per seed."""
    detection: DetectionScore
    flagged: Mapping[str, int]
    """Every detector's episodes on the manipulative runs, by kind."""
    control_flagged: Mapping[str, int]


def study_spoofing(
    seeds: Sequence[int] = DEFAULT_SEEDS,
    *,
    duration_s: float = 120.0,
    layering: bool = False,
    scenario: str = "reactive",
    **overrides: Any,
) -> SpoofingStudy:
    """Run spoofing (``layering``: layering) with and without its spoof orders on each seed."""
    kind: EpisodeKind = "layering" if layering else "spoofing"
    filled: list[float] = []
    control_filled: list[float] = []
    times: list[float] = []
    control_times: list[float] = []
    edges: list[float] = []
    control_edges: list[float] = []
    per_seed: list[tuple[float, float]] = []
    detection = DetectionScore(0, 0, 0, 0)
    flagged: Counter[str] = Counter()
    control_flagged: Counter[str] = Counter()
    episodes = 0
    for seed in seeds:
        rates = []
        for with_spoof in (True, False):
            strategy = _spoofer(layering=layering, with_spoof=with_spoof)
            result, _ = run_simulated(strategy, scenario, seed=seed, duration_s=duration_s, **overrides)
            outcomes = strategy.outcomes
            rates.append(_mean([1.0 if o.filled else 0.0 for o in outcomes]))
            fill_times = [o.time_to_fill_s for o in outcomes if o.time_to_fill_s is not None]
            fill_edges = [o.edge for o in outcomes if o.edge is not None]
            if with_spoof:
                episodes += len(outcomes)
                filled.extend(1.0 if o.filled else 0.0 for o in outcomes)
                times.extend(fill_times)
                edges.extend(fill_edges)
                planted = [p.interval for p in planted_episodes(result.logs, kind)]
                episodes_found = surveil(result)
                detection += score_detections(
                    [e for e in episodes_found if e.kind in ("spoofing", "layering")], planted, kind=kind
                )
                flagged.update(e.kind for e in episodes_found)
            else:
                control_filled.extend(1.0 if o.filled else 0.0 for o in outcomes)
                control_times.extend(fill_times)
                control_edges.extend(fill_edges)
                control_flagged.update(_flagged(result))
        per_seed.append((rates[0], rates[1]))
    return SpoofingStudy(
        kind=kind,
        seeds=tuple(seeds),
        episodes=episodes,
        fill_rate=_mean(filled),
        control_fill_rate=_mean(control_filled),
        time_to_fill_s=_mean(times),
        control_time_to_fill_s=_mean(control_times),
        edge=_mean(edges),
        control_edge=_mean(control_edges),
        per_seed_fill_rates=tuple(per_seed),
        detection=detection,
        flagged=dict(flagged),
        control_flagged=dict(control_flagged),
    )


@dataclass(frozen=True)
class IgnitionStudy:
    """Momentum ignition vs the same round trips on a market whose momentum followers never react."""

    seeds: tuple[int, ...]
    episodes: int
    pnl_per_episode: float
    control_pnl_per_episode: float
    unwind_vs_burst_ticks: float
    """Mean (unwind average − burst average) price in the burst's direction, in ticks: > 0 = into the move."""
    control_unwind_vs_burst_ticks: float
    per_seed_pnl: tuple[tuple[float, float], ...]
    """(ignition, control) mean PnL per episode, per seed."""
    follower_lots: tuple[tuple[int, int], ...]
    """Lots the momentum follower traded, (ignition, control) per seed."""
    detection: DetectionScore
    """The momentum-ignition detector on the attempts of both runs (the control run makes the same attempts)."""
    flagged: Mapping[str, int]
    control_flagged: Mapping[str, int]


def study_ignition(
    seeds: Sequence[int] = DEFAULT_SEEDS,
    *,
    duration_s: float = 120.0,
    scenario: str = "reactive",
    **overrides: Any,
) -> IgnitionStudy:
    """Run momentum ignition with live and with inert momentum followers on each seed.

    The market is ``scenario`` with the pattern's settings (`config.IGNITION_SCENARIO_PARAMS`) and ``overrides``.
    """
    overrides = {**IGNITION_SCENARIO_PARAMS, **overrides}
    pnls: list[float] = []
    control_pnls: list[float] = []
    into: list[float] = []
    control_into: list[float] = []
    per_seed: list[tuple[float, float]] = []
    follower_lots: list[tuple[int, int]] = []
    detection = DetectionScore(0, 0, 0, 0)
    flagged: Counter[str] = Counter()
    control_flagged: Counter[str] = Counter()
    episodes = 0
    tick = 0.01
    for seed in seeds:
        seed_pnl = []
        lots = []
        for inert in (False, True):
            strategy = MomentumIgnition()
            extra = {"momentum_threshold_ticks": _INERT_THRESHOLD_TICKS} if inert else {}
            result, venue = run_simulated(
                strategy, scenario, seed=seed, duration_s=duration_s, **{**overrides, **extra}
            )
            tick = venue.instruments[0].tick_size
            outcomes = strategy.outcomes
            moved = [
                (1 if o.side == "buy" else -1) * (o.unwind_average_price - o.burst_average_price) / tick
                for o in outcomes
            ]
            seed_pnl.append(_mean([o.pnl for o in outcomes]))
            lots.append(sum(p.bought + p.sold for p in venue.participant_stats() if p.kind == "momentum-follower"))
            # The same ignition attempts are planted in both runs: the detector is scored on both.
            planted = [p.interval for p in planted_episodes(result.logs, "momentum-ignition")]
            found = surveil(result)
            detection += score_detections(
                [e for e in found if e.kind == "momentum-ignition"], planted, kind="momentum-ignition"
            )
            if inert:
                control_pnls.extend(o.pnl for o in outcomes)
                control_into.extend(moved)
                control_flagged.update(e.kind for e in found)
            else:
                episodes += len(outcomes)
                pnls.extend(o.pnl for o in outcomes)
                into.extend(moved)
                flagged.update(e.kind for e in found)
        per_seed.append((seed_pnl[0], seed_pnl[1]))
        follower_lots.append((lots[0], lots[1]))
    return IgnitionStudy(
        seeds=tuple(seeds),
        episodes=episodes,
        pnl_per_episode=_mean(pnls),
        control_pnl_per_episode=_mean(control_pnls),
        unwind_vs_burst_ticks=_mean(into),
        control_unwind_vs_burst_ticks=_mean(control_into),
        per_seed_pnl=tuple(per_seed),
        follower_lots=tuple(follower_lots),
        detection=detection,
        flagged=dict(flagged),
        control_flagged=dict(control_flagged),
    )


@dataclass(frozen=True)
class StuffingStudy:
    """The other participants' gateway queueing with the stuffer vs without it."""

    seeds: tuple[int, ...]
    bursts: int
    strategy_messages: int
    others_wait_ms: float
    """Mean over seeds of the other participants' total queue wait per run, in milliseconds."""
    control_others_wait_ms: float
    others_wait_per_message_us: float
    """The same per message the other participants sent, in microseconds."""
    control_others_wait_per_message_us: float
    others_max_wait_ms: float
    """Longest single wait of another participant's message, over all seeds."""
    control_others_max_wait_ms: float
    per_seed_wait_ms: tuple[tuple[float, float], ...]
    """(with stuffing, control) total wait of the others, per seed."""
    detection: DetectionScore
    flagged: Mapping[str, int]
    control_flagged: Mapping[str, int]


def _others_queueing(venue: SimulatedVenue) -> tuple[float, int, float]:
    """(total queue wait in ms, messages sent, longest wait in ms) of every participant but the strategy."""
    others = [p for p in venue.participant_stats() if p.kind != "strategy"]
    waited = sum(p.queue_wait_ns for p in others) / 1e6
    longest = max((p.max_queue_wait_ns for p in others), default=0) / 1e6
    return waited, sum(p.messages for p in others), longest


def study_stuffing(
    seeds: Sequence[int] = DEFAULT_SEEDS,
    *,
    duration_s: float = 60.0,
    scenario: str = "reactive",
    **overrides: Any,
) -> StuffingStudy:
    """Run quote stuffing and an idle strategy on each seed and compare everyone else's gateway waits.

    The market is ``scenario`` with the pattern's settings (`config.STUFFING_SCENARIO_PARAMS`) and ``overrides``.
    """
    overrides = {**STUFFING_SCENARIO_PARAMS, **overrides}
    waits: list[float] = []
    control_waits: list[float] = []
    per_message: list[float] = []
    control_per_message: list[float] = []
    longest = 0.0
    control_longest = 0.0
    detection = DetectionScore(0, 0, 0, 0)
    flagged: Counter[str] = Counter()
    control_flagged: Counter[str] = Counter()
    bursts = 0
    messages = 0
    for seed in seeds:
        stuffer = QuoteStuffing()
        result, venue = run_simulated(stuffer, scenario, seed=seed, duration_s=duration_s, **overrides)
        bursts += stuffer.bursts
        messages += stuffer.messages
        waited, sent, worst = _others_queueing(venue)
        waits.append(waited)
        per_message.append(waited * 1e3 / max(sent, 1))
        longest = max(longest, worst)
        planted = [p.interval for p in planted_episodes(result.logs, "quote-stuffing")]
        found = surveil(result)
        detection += score_detections([e for e in found if e.kind == "quote-stuffing"], planted, kind="quote-stuffing")
        flagged.update(e.kind for e in found)

        control_result, control_venue = run_simulated(
            Strategy(), scenario, seed=seed, duration_s=duration_s, **overrides
        )
        waited, sent, worst = _others_queueing(control_venue)
        control_waits.append(waited)
        control_per_message.append(waited * 1e3 / max(sent, 1))
        control_longest = max(control_longest, worst)
        control_flagged.update(_flagged(control_result))
    return StuffingStudy(
        seeds=tuple(seeds),
        bursts=bursts,
        strategy_messages=messages,
        others_wait_ms=_mean(waits),
        control_others_wait_ms=_mean(control_waits),
        others_wait_per_message_us=_mean(per_message),
        control_others_wait_per_message_us=_mean(control_per_message),
        others_max_wait_ms=longest,
        control_others_max_wait_ms=control_longest,
        per_seed_wait_ms=tuple(zip(waits, control_waits, strict=True)),
        detection=detection,
        flagged=dict(flagged),
        control_flagged=dict(control_flagged),
    )


class HonestQuoter(Strategy):
    """A plain passive market maker: one bid and one ask of ``size`` at the touch, re-placed when the touch
    moves, within an inventory limit. Bona fide liquidity, used as the detectors' honest control."""

    def __init__(self, *, size: float = 2.0, inventory_limit: float = 20.0, tick_ms: int = 50) -> None:
        self.size = size
        self.inventory_limit = inventory_limit
        self.tick_ms = tick_ms
        self._quotes: dict[str, tuple[int, float]] = {}

    def on_start(self, ctx: Context) -> None:
        ctx.set_timer(self.tick_ms / 1000)

    def on_timer(self, ctx: Context) -> None:
        book = ctx.book()
        position = ctx.position()
        wanted = {
            "buy": book.best_bid if position + self.size <= self.inventory_limit else None,
            "sell": book.best_ask if position - self.size >= -self.inventory_limit else None,
        }
        live = set(ctx.open_orders())
        for side, price in wanted.items():
            current = self._quotes.get(side)
            if current is not None and current[0] not in live:
                current = None
                del self._quotes[side]
            if current is not None and price is not None and abs(current[1] - price) < 1e-9:
                continue
            if current is not None:
                ctx.cancel(current[0])
                del self._quotes[side]
            if price is not None:
                send = ctx.buy if side == "buy" else ctx.sell
                self._quotes[side] = (send(self.size, price, tif="post-only"), price)


@dataclass(frozen=True)
class HonestStudy:
    """What the detectors make of an honest market maker on a market."""

    scenario: str
    seeds: tuple[int, ...]
    orders: int
    fills: int
    cancel_ratio: float
    flagged: Mapping[str, int]


def study_honest_market_maker(
    seeds: Sequence[int] = DEFAULT_SEEDS,
    *,
    duration_s: float = 120.0,
    scenario: str = "reactive",
    strategy_factory: Any = HonestQuoter,
    **overrides: Any,
) -> HonestStudy:
    """Run an honest quoter (``strategy_factory()``) on each seed and count every detector's episodes."""
    orders = fills = cancelled = 0
    flagged: Counter[str] = Counter()
    for seed in seeds:
        result, _ = run_simulated(strategy_factory(), scenario, seed=seed, duration_s=duration_s, **overrides)
        orders += len(result.orders)
        fills += len(result.fills)
        cancelled += int((result.orders["status"] == "cancelled").sum())
        flagged.update(_flagged(result))
    return HonestStudy(
        scenario=scenario,
        seeds=tuple(seeds),
        orders=orders,
        fills=fills,
        cancel_ratio=cancelled / orders if orders else 0.0,
        flagged=dict(flagged),
    )
