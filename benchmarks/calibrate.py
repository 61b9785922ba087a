"""How long ``hft calibrate`` takes on a large capture, and how fast the calibrated market simulates.

Usage: python benchmarks/calibrate.py [--market FILE.toml] [--sim-seconds S]

1. ``calibrate`` (load, stylized facts, three 60 s calibration runs) on the shared Binance BTCUSDT perpetual capture
   (466,576 events) and on a simulated capture of at least 500,000 events recorded from the calibrated market:
   wall time of each (the first includes compiling the Hawkes kernels), and of measuring the capture alone once
   warm. Target: under 30 s.
2. The calibrated market run through the engine (`hft_core.engine.loop.Engine`) with a strategy that only
   subscribes to the book, for ``--sim-seconds`` of market time: engine messages (orders, cancels, modifies
   processed), feed rows (the public market data the strategy's book applies) and both per wall second.
   Target from issue #25: 1M events/s. The simulated venue runs Python per event (docs/simulated-market.md).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MARKET = ROOT / "packages/hft-core/src/hft_core/calibration/binance_btcusdt_perp.toml"
CAPTURE = "binance-2024-08-08/usdm_btcusdt_20240808.gz"


def _time_calibration(path: Path) -> tuple[int, float, float]:
    """(events in the capture, seconds for load + calibrate, seconds a second, warm measurement of it takes)."""
    from hft_core.calibration import calibrate
    from hft_core.realism import load_market_source, measure

    started = time.perf_counter()
    source = load_market_source(path)
    calibrate(source)
    total = time.perf_counter() - started
    measured = time.perf_counter()
    measure(source)
    return len(source.events), total, time.perf_counter() - measured


def _simulated_capture(knobs: dict[str, Any], rows: int, folder: Path) -> Path:
    """An events file recorded from the calibrated market, long enough to hold ``rows`` events."""
    from hft_core.data.eventfile import save_events_npz
    from hft_core.data.instrument_spec import SPEC_KEY, instrument_to_dict
    from hft_core.runs import create_scenario
    from hft_core.venues.base import Watch
    from hft_core.venues.simulated import SimulatedVenue

    duration = 200.0
    while True:
        venue = create_scenario("single-instrument", seed=7, duration_s=duration, **(knobs | {"record": True}))
        assert isinstance(venue, SimulatedVenue)
        venue.start()
        venue.advance(venue.end_ns, Watch())
        events = venue.recorded_market_data()
        if len(events) >= rows:
            path = folder / "simulated_capture.npz"
            save_events_npz(path, events, {SPEC_KEY: instrument_to_dict(venue.instruments[0])})
            return path
        duration *= 1.2 * rows / max(len(events), 1)


def _engine_speed(knobs: dict[str, Any], seconds: float) -> tuple[int, int, float]:
    """(engine messages, feed rows, wall seconds) of ``seconds`` of the market under a book-watching strategy."""
    from hft_core import Strategy
    from hft_core.engine.loop import Engine
    from hft_core.runs import create_scenario
    from hft_core.venues.simulated import SimulatedVenue

    class Watcher(Strategy):
        def on_start(self, ctx: Any) -> None:
            ctx.subscribe(throttle_s=0.0)

    venue = create_scenario("single-instrument", seed=1, duration_s=seconds, **(knobs | {"record": True}))
    assert isinstance(venue, SimulatedVenue)
    started = time.perf_counter()
    Engine(Watcher(), venue).run()
    wall = time.perf_counter() - started
    return venue.gateway_stats("sim").messages, len(venue.recorded_market_data()), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--market", type=Path, default=DEFAULT_MARKET, help="a calibrated market TOML")
    parser.add_argument("--sim-seconds", type=float, default=120.0, help="market time for the engine speed run")
    args = parser.parse_args()
    from hft_core.data.samples import shared_data_path
    from hft_core.venues.simulated.scenarios import market_participants

    knobs = tomllib.loads(args.market.read_text())["scenario"]
    market_participants(knobs)  # import and check before timing anything
    capture = shared_data_path(CAPTURE)
    events, total, measure_s = _time_calibration(capture)
    print(f"calibrate {capture.name}: {events:,} events in {total:.1f} s (its stylized facts alone: {measure_s:.1f} s)")
    with tempfile.TemporaryDirectory() as folder:
        simulated = _simulated_capture(knobs, 500_000, Path(folder))
        events, total, measure_s = _time_calibration(simulated)
        print(f"calibrate a simulated capture: {events:,} events in {total:.1f} s (its facts alone: {measure_s:.1f} s)")
    messages, rows, wall = _engine_speed(knobs, args.sim_seconds)
    print(
        f"engine on the calibrated market, {args.sim_seconds:g} s of market time: {messages:,} engine messages and "
        f"{rows:,} feed rows in {wall:.1f} s = {messages / wall:,.0f} messages/s, {rows / wall:,.0f} feed rows/s, "
        f"{args.sim_seconds / wall:.1f} s of market per wall second"
    )


if __name__ == "__main__":
    main()
