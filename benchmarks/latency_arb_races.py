"""The race statistics of the default ``latency-race`` market against Aquilina, Budish & O'Neill (2022).

Usage: python benchmarks/latency_arb_races.py [--seeds 1 2 3 4 5] [--duration 300] [--gap-duration 60]

1. Runs the default ``latency-race`` market (default knobs) for each seed with the venue's message log on, alone
   and as ``hft run latency-arb`` runs it (the strategy, reacting in 30 µs, racing too), finds the races on the
   lagging venue (``SIM@slow``) with `hft_latency_arb.races` (500 µs window, gap against the mid 100 ms later)
   and prints the markdown table of docs/latency-arb.md ("Races against the paper"): the mean over seeds and the
   range, next to the paper's figures.
2. The latency tax against the latency gap (`hft_latency_arb.scenarios.maker_race`: a lagging maker alone against
   snipers at 20, 24 and 29 µs, jittered), for maker latencies from 2 to 100 µs, ``--gap-duration`` seconds a seed:
   the second table of docs/latency-arb.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import pandas as pd
from hft_core import SimulatedVenue, Watch, backtest, create_scenario, resolve_run
from hft_latency_arb.races import race_report
from hft_latency_arb.scenarios import maker_race

LAGGING = 1


def one_seed(seed: int, duration_s: float, strategy: bool) -> dict[str, Any]:
    """The race summary of one run of the default market, alone or as ``hft run latency-arb`` runs it."""
    spec = resolve_run("latency-arb", seed=seed, duration_s=duration_s)
    if strategy:
        venue = spec.build_venue()
        assert isinstance(venue, SimulatedVenue)
        venue.record_messages()
        backtest(spec.build_strategy(), venue=venue, seed=seed)
    else:
        venue = create_scenario("latency-race", seed=seed, duration_s=duration_s)
        assert isinstance(venue, SimulatedVenue)
        venue.record_messages()
        venue.start()
        venue.advance(venue.end_ns, Watch())
    kinds = {stats.owner: stats.kind for stats in venue.participant_stats()}
    instrument = venue.instruments[LAGGING]
    report = race_report(
        pd.DataFrame(venue.messages()),
        LAGGING,
        duration_s=duration_s,
        symbol=instrument.symbol,
        tick_size=instrument.tick_size,
        kinds=kinds,
    )
    return report.summary()


def gap_summary(maker_ns: int, seed: int, duration_s: float) -> dict[str, Any]:
    """The race summary of the lagging venue of `maker_race` with the maker at ``maker_ns`` one way, and
    ``taken``: the share of its races a take won (the maker's cancel came too late)."""
    venue = maker_race(seed, duration_s, maker_ns)
    venue.record_messages()
    venue.start()
    venue.advance(venue.end_ns, Watch())
    report = race_report(pd.DataFrame(venue.messages()), LAGGING, duration_s=duration_s, tick_size=0.01)
    taken = float(report.races["winner_take"].mean()) if report.count else 0.0
    return report.summary() | {"taken": taken}


def _cell(values: list[float], spec: str) -> str:
    mean = statistics.fmean(values)
    return f"{mean:{spec}} [{min(values):{spec}}, {max(values):{spec}}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--duration", type=float, default=300.0)
    parser.add_argument("--gap-duration", type=float, default=60.0)
    args = parser.parse_args()
    started = time.perf_counter()
    alone = [one_seed(seed, args.duration, strategy=False) for seed in args.seeds]
    with_strategy = [one_seed(seed, args.duration, strategy=True) for seed in args.seeds]
    wall = time.perf_counter() - started

    def rows(runs: list[dict[str, Any]]) -> list[str]:
        median_us = [r["duration_us"]["median"] for r in runs if r["duration_us"]["median"] is not None]
        fastest = [r["winner_share_by_latency_rank"].get("1", 0.0) for r in runs if r["races"]]
        return [
            _cell([r["races_per_minute"] for r in runs], ".2f"),
            ", ".join(r["duration_us"]["modal_bin"] or "none" for r in runs),
            _cell(median_us, ".1f"),
            _cell([r["price_gap_ticks"]["mean"] or 0.0 for r in runs], ".2f"),
            _cell([r["price_gap_bp"]["mean"] or 0.0 for r in runs], ".2f"),
            _cell([r["volume_share"] or 0.0 for r in runs], ".2f"),
            _cell([r["latency_tax_bp"] or 0.0 for r in runs], ".2f"),
            _cell(fastest, ".2f"),
        ]

    names = (
        "races per minute (lagging venue)",
        "modal race duration (µs bin, per seed)",
        "median race duration (µs)",
        "price gap per race (ticks)",
        "price gap per race (bp)",
        "share of volume in races",
        "latency tax (bp of traded value)",
        "races won by the lowest order latency",
    )
    paper = ("about 1", "5–10", "–", "about 0.5", "–", "about 0.20", "about 0.5", "–")
    seeds = ", ".join(str(s) for s in args.seeds)
    print(f"| {args.duration:g} s, seeds {seeds}: mean [min, max] | latency-race | with latency-arb | ABO 2022 (LSE) |")
    print("|---|---|---|---|")
    for name, ours, theirs, reference in zip(names, rows(alone), rows(with_strategy), paper, strict=True):
        print(f"| {name} | {ours} | {theirs} | {reference} |")
    runs = alone + with_strategy
    print(f"\n({len(runs)} runs, {wall:.1f} s wall)\n")
    print("| maker latency (one way) | gap to the fastest sniper | races per minute | won by a take | tax (bp) |")
    print("|---|---|---|---|---|")
    for maker_us in (2, 15, 20, 25, 40, 100):
        gaps = [gap_summary(maker_us * 1_000, seed, args.gap_duration) for seed in args.seeds]
        lost = [g["taken"] for g in gaps]
        print(
            f"| {maker_us} µs | {maker_us - 20:+d} µs | {_cell([g['races_per_minute'] for g in gaps], '.1f')} | "
            f"{_cell(lost, '.2f')} | {_cell([g['latency_tax_bp'] or 0.0 for g in gaps], '.2f')} |"
        )


if __name__ == "__main__":
    main()
