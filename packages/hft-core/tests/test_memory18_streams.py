"""#18, memory bounded by design: the simulated market's fair value is computed a chunk at a time (the same values
as the whole path at once), and a one-file replay streams the events file from a memory map (the same run as the
file loaded and shifted in memory)."""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hft_core import Context, DataError, Strategy, create_scenario
from hft_core.data.eventfile import map_events, save_events_npz
from hft_core.data.instrument_spec import SPEC_KEY, instrument_to_dict
from hft_core.data.samples import shared_data_path
from hft_core.engine import Engine
from hft_core.flow.paths import cointegrated_paths
from hft_core.venues.recorded import load_recorded, replay_from_paths
from hft_core.venues.replay import ReplayVenue
from hft_core.venues.replay.venue import local_clock_offset
from hft_core.venues.simulated import SimulatedVenue, scenarios
from hft_core.venues.simulated.fair import CointegratedFairValues, GbmFairValues, gbm_fair_values


@pytest.mark.parametrize("chunk_points", [2, 7, 1000, 4096])
def test_fair_value_chunks_are_the_whole_paths_values_bit_for_bit(chunk_points: int) -> None:
    starts, seed = [100.0, 50.0, 0.3], np.random.SeedSequence([3, 0])
    whole = gbm_fair_values(starts, 4e-4, 60.0, step_ns=10_000_000, seed=seed).prices
    stream = GbmFairValues(starts, 4e-4, 60.0, step_ns=10_000_000, seed=seed, chunk_points=chunk_points)
    assert stream.n_points == whole.shape[1]
    n_chunks = -(-stream.n_points // chunk_points)
    order = np.random.default_rng(0).permutation([(p, k) for p in range(3) for k in range(n_chunks)])
    for path, index in order[:300]:  # any order: later chunks first, earlier ones again
        first = index * chunk_points
        assert stream.chunk(path, index).tobytes() == whole[path, first : first + chunk_points].tobytes()
        assert stream.chunks_held() <= 2 * 3  # at most two chunks a path, whatever the duration
    assert stream.price_at(1, -5) == whole[1, 0] and stream.price_at(2, 10**15) == whole[2, -1]


@pytest.mark.parametrize("chunk_points", [3, 1000])
def test_cointegrated_chunks_are_flows_paths_bit_for_bit(chunk_points: int) -> None:
    kappa, horizon, n_steps = math.log(2.0) / 30.0, 61.0, 6100
    spread_volatility = 0.002 * math.sqrt(2.0 * kappa)
    shape = (100.0, 1e-4, 1.0, kappa, spread_volatility, horizon, n_steps)
    intercept = math.log(50.0) - math.log(100.0)
    seed = np.random.SeedSequence([4, 0])
    paths = cointegrated_paths(
        100.0, 0.0, 1e-4, [1.0], kappa, spread_volatility, horizon, n_steps, intercept=intercept, seed=seed
    )
    whole = np.stack([paths.legs[0, :, 0], paths.target[0]])
    stream = CointegratedFairValues(
        *shape, intercept=intercept, step_ns=10_000_000, seed=np.random.SeedSequence([4, 0]), chunk_points=chunk_points
    )
    n_chunks = -(-stream.n_points // chunk_points)
    order = np.random.default_rng(1).permutation([(p, k) for p in range(2) for k in range(n_chunks)])
    for path, index in order[:200]:
        first = index * chunk_points
        assert stream.chunk(path, index).tobytes() == whole[path, first : first + chunk_points].tobytes()
    assert stream.materialize().prices.tobytes() == whole.tobytes()


def test_a_long_fair_path_holds_two_chunks_not_the_duration() -> None:
    stream = GbmFairValues(100.0, 1e-4, 36_000.0, step_ns=10_000_000, seed=1)
    last = (stream.n_points - 1) // stream.chunk_points
    for index in range(last + 1):
        stream.chunk(0, index)
    assert stream.chunks_held() == 2
    assert stream.price_at(0, stream.span_ns) == stream.chunk(0, last)[-1]


class _Quoter(Strategy):
    """One lot bid and one offered at the touch of instrument 0, replaced when the touch moves."""

    def __init__(self) -> None:
        self.placed: tuple[float | None, float | None] = (None, None)

    def on_start(self, ctx: Context) -> None:
        ctx.subscribe(throttle_s=0.0)

    def on_book(self, ctx: Context, instrument: str) -> None:
        book = ctx.book()
        touch = (book.best_bid, book.best_ask)
        if None in touch or touch == self.placed:
            return
        for order_id in list(ctx.open_orders()):
            ctx.cancel(order_id)
        lot = ctx.instrument_spec().lot_size
        bid, ask = touch
        assert bid is not None and ask is not None
        ctx.buy(lot, price=bid)
        ctx.sell(lot, price=ask)
        self.placed = touch


def _outcome(venue: Any) -> tuple[bytes, bytes]:
    result = Engine(_Quoter(), venue).run()
    return (
        result.fills.to_csv(index=False).encode(),
        result.orders.to_csv(index=False).encode(),
    )


def test_a_market_read_in_small_chunks_runs_as_with_the_whole_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two venues (the slow one sees the fair value late) and informed takers that look 5 s ahead and react to each
    # move: every reader of the fair value, across many chunk boundaries (700 points = 0.7 s at a 1 ms step).
    knobs: dict[str, Any] = {"fair_step_ms": 1, "informed_share": 0.3, "informed_react_probability": 1.0}
    knobs["record"] = True

    def run(make: Any) -> tuple[bytes, bytes, bytes]:
        monkeypatch.setattr(scenarios, "GbmFairValues", make)
        venue = create_scenario("two-venues", seed=5, duration_s=20.0, **knobs)
        assert isinstance(venue, SimulatedVenue)
        fills, orders = _outcome(venue)
        return fills, orders, venue.recorded_market_data().tobytes()

    whole = run(lambda *a, **k: GbmFairValues(*a, **k).materialize())
    chunked = run(functools.partial(GbmFairValues, chunk_points=700))
    assert chunked == whole
    assert len(whole[1].splitlines()) > 100 and len(whole[2]) > 100_000  # orders sent, a busy market recorded


def test_the_cointegrated_pair_read_in_small_chunks_runs_as_with_the_whole_paths(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def run(make: Any) -> bytes:
        monkeypatch.setattr(scenarios, "CointegratedFairValues", make)
        venue = create_scenario("cointegrated-pair", seed=2, duration_s=15.0, record=True)
        assert isinstance(venue, SimulatedVenue)
        Engine(Strategy(), venue).run()
        return venue.recorded_market_data().tobytes()

    whole = run(lambda *a, **k: CointegratedFairValues(*a, **k).materialize())
    assert run(functools.partial(CointegratedFairValues, chunk_points=300)) == whole


@pytest.fixture(scope="module")
def skewed_events_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 150,000 rows of the shared Binance capture (its local clock runs 1.27 s behind), written as an
    events file whose rows say instrument 2."""
    events, instruments = load_recorded([shared_data_path("binance-2024-08-08") / "usdm_btcusdt_20240808.gz"])
    events = events[:150_000].copy()
    events["instrument"] = 2
    assert local_clock_offset(events) > 0
    target = tmp_path_factory.mktemp("memory18") / "skewed.npz"
    return save_events_npz(target, events, {SPEC_KEY: instrument_to_dict(instruments[0])})


def test_a_one_file_replay_streams_the_file_and_runs_as_the_loaded_copy(skewed_events_file: Path) -> None:
    mapped, _ = map_events(skewed_events_file)
    assert isinstance(mapped, np.memmap)
    streamed = replay_from_paths([skewed_events_file])
    offset = streamed.clock_offset_ns
    assert streamed.local_offset_ns == offset > 0 and "local clock +" in streamed.name
    # The way it was replayed before: the file loaded, copied with instrument 0 and shifted, replayed in place.
    loaded = np.array(mapped)
    loaded["instrument"] = 0
    loaded["local_ts"] += offset
    reference = ReplayVenue(
        loaded,
        streamed.instruments,
        latency=streamed.latency,
        queue_model=streamed.queue_model,
        partial_fills=streamed.partial_fills,
    )
    outcome = _outcome(streamed)
    assert outcome == _outcome(reference)
    assert outcome[0].count(b"\n") > 10  # it traded


def test_a_stored_events_file_is_mapped_and_its_damage_still_found(skewed_events_file: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.npz"
    raw = bytearray(skewed_events_file.read_bytes())
    raw[len(raw) // 2] ^= 0x40  # inside the events
    damaged.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="do not match their recorded digest"):
        map_events(damaged)
