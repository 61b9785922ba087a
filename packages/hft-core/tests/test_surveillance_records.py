"""Shared surveillance pieces: checked records, episodes, tick inference, message counting and scoring."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hft_core import HftError, Strategy, backtest
from hft_core.surveillance import (
    EPISODE_KINDS,
    DetectionScore,
    Episode,
    TradingRecords,
    format_ts,
    infer_tick_size,
    score_detections,
    surveil,
)

T0 = 1_704_205_800_000_000_000
SEC = 1_000_000_000


def _episode(start_s: float, end_s: float, kind: str = "spoofing") -> Episode:
    return Episode(kind, T0 + round(start_s * SEC), T0 + round(end_s * SEC), "SIM", 0.5, {"n": 1})  # type: ignore[arg-type]


def test_records_name_missing_columns() -> None:
    result = backtest(Strategy(), duration_s=2.0)
    TradingRecords(result.orders, result.fills, result.equity)
    with pytest.raises(HftError, match=r"fills records lack column\(s\) maker"):
        TradingRecords(result.orders, result.fills.drop(columns=["maker"]), result.equity)


def test_records_load_from_a_run_directory(tmp_path: Path) -> None:
    result = backtest(Strategy(), duration_s=2.0)
    result.write(tmp_path)
    loaded = TradingRecords.from_run_dir(tmp_path)
    assert len(loaded.equity) == len(result.equity)
    assert surveil(loaded) == []
    with pytest.raises(HftError, match="no such run directory"):
        TradingRecords.from_run_dir(tmp_path / "missing")


def test_episode_to_dict_is_json_ready() -> None:
    episode = _episode(1.0, 2.5)
    data = episode.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["start"] == "2024-01-02T14:30:01.000000+00:00"
    assert data["end"] == format_ts(T0 + round(2.5 * SEC)) == "2024-01-02T14:30:02.500000+00:00"
    assert data["duration_s"] == 1.5
    assert episode.interval == (episode.start_ns, episode.end_ns)
    assert set(EPISODE_KINDS) == {"spoofing", "layering", "momentum-ignition", "quote-stuffing"}


def test_tick_size_is_the_smallest_price_gap() -> None:
    assert infer_tick_size(np.array([100.0, 100.03, 100.01, 100.01])) == 0.01
    assert infer_tick_size(pd.Series([99.5, 100.0, 101.0])) == 0.5
    assert infer_tick_size(np.array([100.0, np.nan])) is None
    assert infer_tick_size(np.array([0.1 + 0.2, 0.4])) == 0.1  # float noise snapped away


def test_precision_and_recall() -> None:
    planted = [(T0 + 10 * SEC, T0 + 12 * SEC), (T0 + 20 * SEC, T0 + 22 * SEC), (T0 + 30 * SEC, T0 + 31 * SEC)]
    detected = [_episode(11.0, 11.5), _episode(11.8, 13.0), _episode(25.0, 26.0), _episode(30.5, 30.6, "layering")]
    score = score_detections(detected, planted)
    assert (score.planted, score.detected, score.true_positives, score.recalled) == (3, 4, 3, 2)
    assert score.precision == 0.75
    assert score.recall == pytest.approx(2 / 3)
    assert score.false_positives == 1
    # With a kind, the layering episode is a false alarm and recalls nothing.
    by_kind = score_detections(detected, planted, kind="spoofing")
    assert (by_kind.true_positives, by_kind.recalled, by_kind.detected) == (2, 1, 4)
    # A tolerance lets near misses count.
    assert score_detections(detected, planted, tolerance_ns=3 * SEC).true_positives == 4
    total = score + by_kind
    assert (total.planted, total.detected) == (6, 8)
    assert DetectionScore(0, 0, 0, 0).precision == 1.0 == DetectionScore(0, 0, 0, 0).recall
    with pytest.raises(ValueError):
        score_detections(detected, planted, tolerance_ns=-1)
