"""Replay venues from files: instruments per file, merging by local time, clock-skew correction, bad paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hft_core import ConfigError
from hft_core.data.samples import shared_data_path
from hft_core.venues.recorded import load_recorded, replay_from_paths
from hft_core.venues.replay.venue import local_clock_offset


def _capture(name: str) -> Path:
    return shared_data_path("binance-2024-08-08") / name


def test_two_captures_of_one_symbol_stay_distinct_and_merge_in_local_time() -> None:
    perp, spot = _capture("usdm_btcusdt_20240808.gz"), _capture("spot_btcusdt_20240808.gz")
    events, instruments = load_recorded([perp, spot])
    assert [i.symbol for i in instruments] == ["BTCUSDT", "BTCUSDT@binance"]
    assert (instruments[0].tick_size, instruments[1].tick_size) == (0.1, 0.01)
    alone = [load_recorded([path])[0] for path in (perp, spot)]
    assert np.bincount(events["instrument"]).tolist() == [len(alone[0]), len(alone[1])]
    assert bool(np.all(np.diff(events["local_ts"]) >= 0))
    for index, part in enumerate(alone):  # each file's own order is kept
        mine = events[events["instrument"] == index]
        assert np.array_equal(mine["exch_ts"], part["exch_ts"])


def test_lagging_capture_clock_is_shifted_and_named() -> None:
    events = load_recorded([_capture("usdm_btcusdt_20240808.gz")])[0]
    assert local_clock_offset(events) == 1_272_156_851  # the largest (exch_ts - local_ts) in the capture
    venue = replay_from_paths([_capture("usdm_btcusdt_20240808.gz")])
    assert "local clock +1272.157 ms" in venue.name
    # the shift is applied to the venue's own copy, which it replays in place
    assert venue.local_offset_ns == 0
    assert venue.start() == int(events["local_ts"][0]) + 1_272_156_851
    assert venue._buf.shape == events.shape and local_clock_offset(venue._buf) == 0


@pytest.mark.parametrize("paths", [[], ["/nowhere/capture.gz"]])
def test_missing_data_is_a_config_error(paths: list[str]) -> None:
    with pytest.raises(ConfigError):
        load_recorded(paths)
