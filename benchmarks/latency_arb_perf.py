"""Two speed targets of issue #19: HRY lead–lag on a 1M-event pair, and the multi-venue simulated market.

Usage: python benchmarks/latency_arb_perf.py [--events 1000000] [--sim-seconds 120]

1. `hft_latency_arb.leadlag.lead_lag` on a simulated pair of ``--events`` trades in all (half on each side, Poisson
   times over one hour, the second a copy of the first's efficient price 7 ms late plus noise) over a 201-point
   lag grid (±100 ms every 1 ms): the wall time of the estimate alone (no bootstrap) and with the default
   200-draw block bootstrap, and the lag found. Target: under 5 s.
2. The default ``latency-race`` market (two venues, racers) through the engine (`hft_core.backtest`) with a
   strategy that only subscribes to both books (it wakes at every change of either top of book), for
   ``--sim-seconds`` of market time, on the Python market and on the compiled one (``compiled=true``), each after
   a one-second warm-up run in the same process: engine messages (orders, cancels, modifies processed on both
   venues), feed rows (the public market data of both) and both per wall second. Target: 1M events/s.
   `benchmarks/sim_market_perf.py` compares the two markets over a range of markets and decision rates, in
   alternated processes; this is one cell of it, the pattern's own market.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from hft_core import Context, SimulatedVenue, Strategy, backtest, create_scenario
from hft_latency_arb.leadlag import lag_grid, lead_lag

MS = 1_000_000


def planted_pair(events: int, lag_ns: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Two asynchronous price series of ``events`` trades in all, the second following the first by ``lag_ns``."""
    rng = np.random.default_rng(seed)
    span = 3_600 * 1_000 * MS
    grid_ns = MS // 10  # the efficient price on a 0.1 ms grid
    steps = span // grid_ns + 1
    efficient = 100.0 + np.cumsum(rng.normal(0.0, 0.001, steps))
    times_x = np.sort(rng.integers(0, span, events // 2))
    times_y = np.sort(rng.integers(lag_ns, span, events - events // 2))
    prices_x = efficient[times_x // grid_ns] + rng.normal(0.0, 0.0005, len(times_x))
    prices_y = efficient[(times_y - lag_ns) // grid_ns] + rng.normal(0.0, 0.0005, len(times_y))
    return times_x.astype(np.int64), prices_x, times_y.astype(np.int64), prices_y


class _Watcher(Strategy):
    """Subscribes to every instrument and does nothing else (the engine delivers both books)."""

    def on_start(self, ctx: Context) -> None:
        for symbol in ctx.instruments:
            ctx.subscribe(symbol)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--sim-seconds", type=float, default=120.0)
    args = parser.parse_args()

    tx, px, ty, py = planted_pair(args.events, 7 * MS)
    grid = lag_grid(100 * MS, MS)
    lead_lag(tx[:1000], px[:1000], ty[:1000], py[:1000], grid, n_boot=0)  # (imports and first-call costs)
    started = time.perf_counter()
    estimate = lead_lag(tx, px, ty, py, grid, n_boot=0)
    alone = time.perf_counter() - started
    started = time.perf_counter()
    boot = lead_lag(tx, px, ty, py, grid)
    with_boot = time.perf_counter() - started
    print(
        f"HRY lead-lag, {len(tx) + len(ty):,} events, {len(grid)}-point grid: {alone:.2f} s for the estimate "
        f"(lag {estimate.lag_ns / MS:+g} ms; planted +7), {with_boot:.2f} s with the 200-draw bootstrap "
        f"(interval {boot.ci_ns[0] / MS:+g} to {boot.ci_ns[1] / MS:+g} ms)"
    )

    for compiled in (False, True):
        backtest(_Watcher(), venue=create_scenario("latency-race", seed=1, duration_s=1.0, compiled=compiled), seed=1)
        venue = create_scenario("latency-race", seed=1, duration_s=args.sim_seconds, record=True, compiled=compiled)
        assert isinstance(venue, SimulatedVenue)
        started = time.perf_counter()
        backtest(_Watcher(), venue=venue, seed=1)
        wall = time.perf_counter() - started
        messages = sum(venue.gateway_stats(name).messages for name in ("fast", "slow"))
        rows = len(venue.recorded_market_data())
        print(
            f"latency-race ({'compiled' if compiled else 'Python'} market) through the engine, "
            f"{args.sim_seconds:g} s of market time: {messages:,} engine messages and {rows:,} feed rows in "
            f"{wall:.2f} s = {messages / wall:,.0f} messages/s, {rows / wall:,.0f} feed rows/s, "
            f"{(messages + rows) / wall:,.0f} events/s together; {args.sim_seconds / wall:.0f} s of market per wall "
            "second"
        )


if __name__ == "__main__":
    main()
