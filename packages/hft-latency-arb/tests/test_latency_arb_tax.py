"""The latency tax rises with the latency gap between the lagging maker and the snipers, and vanishes when the
snipers are slower than the maker (`maker_race`: the maker is the lagging venue's only liquidity, so nothing
else can go stale)."""

from __future__ import annotations

import statistics

import pandas as pd
from hft_core import Watch
from hft_latency_arb.races import race_report
from hft_latency_arb.scenarios import maker_race

US = 1_000


def _tax(maker_ns: int, seed: int) -> float:
    venue = maker_race(seed, 30.0, maker_ns)
    venue.record_messages()
    venue.start()
    venue.advance(venue.end_ns, Watch())
    report = race_report(pd.DataFrame(venue.messages()), 1, duration_s=30.0, tick_size=0.01)
    return float(report.summary()["latency_tax_bp"] or 0.0)


def test_the_tax_rises_with_the_latency_gap_and_vanishes_when_snipers_are_slower() -> None:
    seeds = (1, 2, 3)
    maker_latencies = (2 * US, 15 * US, 20 * US, 25 * US)  # gaps to the fastest sniper (20 µs): -18, -5, 0, +5 µs
    taxes = {maker: [_tax(maker, seed) for seed in seeds] for maker in maker_latencies}
    assert taxes[2 * US] == [0.0, 0.0, 0.0]  # far faster than every sniper: its stale quotes are gone in time
    means = [statistics.fmean(taxes[maker]) for maker in maker_latencies]
    assert means == sorted(means) and len(set(means)) == len(means), taxes
    assert means[-1] > 0.2  # bp: a maker 5 µs slower than the fastest sniper pays a tax of the paper's order
