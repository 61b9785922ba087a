"""The event study: buckets on the simulated market, no look-ahead on recorded data, the hft news-study command."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hft_core import ConfigError, DataError, TextSource, backtest
from hft_core.data.samples import shared_data_path
from hft_news_algo.event_study import _Watcher, event_study

HftCli = Callable[[list[str]], tuple[int, str, str]]
"""The root conftest's ``hft_cli`` fixture: ``hft`` in-process, as (exit code, stdout, stderr)."""


def test_simulated_headlines_move_the_mid_their_way_and_nothing_is_lost() -> None:
    study = event_study(seed=3, duration_s=120.0, horizons_s=(1.0, 10.0))
    counts = study.counts
    assert counts["mapped"] + counts["unmapped"] + counts["before_start"] + counts["after_end"] == counts["items"] > 20
    rows = {(row.bucket, row.horizon_s): row for row in study.rows}
    for horizon in (1.0, 10.0):
        assert rows["positive", horizon].mean_bp > 0 > rows["negative", horizon].mean_bp
        # what is left out of a horizon is counted
        assert rows["all", horizon].n + counts[f"past_end_{horizon:g}s"] == len(study.items)
    again = event_study(seed=3, duration_s=120.0, horizons_s=(1.0, 10.0))
    assert again.items.equals(study.items) and again.rows == study.rows


@pytest.fixture(scope="module")
def perp() -> Path:
    return shared_data_path("binance-2024-08-08") / "usdm_btcusdt_20240808.gz"


@pytest.fixture(scope="module")
def perp_mids(perp: Path) -> tuple[np.ndarray, np.ndarray]:
    watcher = _Watcher()
    backtest(watcher, data=perp)
    ((times, mids),) = watcher.mids.values()
    return np.asarray(times, dtype=np.int64), np.asarray(mids)


def _headlines(path: Path, rows: list[tuple[int, str]]) -> Path:
    path.write_text("timestamp,headline\n" + "".join(f"{t},{text}\n" for t, text in rows))
    return path


def test_the_reference_price_is_the_mid_at_receipt_never_later(
    perp: Path, perp_mids: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    times, mids = perp_mids
    jumps = np.abs(np.diff(mids))
    jumps[np.diff(times) < 3] = 0  # a jump with room for items 1 ns either side of it
    at = int(np.argmax(jumps)) + 1
    jump_ns = int(times[at])
    news = _headlines(tmp_path / "h.csv", [(jump_ns - 1, "Bitcoin rallies"), (jump_ns + 1, "Bitcoin rallies again")])
    study = event_study(text=TextSource(news, epoch_unit="ns"), data=perp, horizons_s=(1.0,))
    before, after = study.items["mid"].tolist()
    assert before == mids[at - 1] and after == mids[at] and before != after
    # the 1 s return of the first item holds the jump, the second's does not
    first, second = study.items["abnormal_bp_1s"].tolist()
    later = mids[np.searchsorted(times, jump_ns + 1_000_000_000, side="right") - 1]
    assert np.isclose(first - second, 1e4 * (np.log(later / before) - np.log(later / after)))


def test_shifting_every_receipt_by_one_nanosecond_changes_nothing(
    perp: Path, perp_mids: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    times, _ = perp_mids
    picks = times[np.linspace(10, len(times) - 10, 25).astype(int)] + 500_000  # 0.5 ms after a book change
    assert not np.isin(np.concatenate([picks, picks + 1]), times).any()
    words = ["Bitcoin surges on record inflows", "Bitcoin plunges as exchange halts withdrawals", "Bitcoin flat"]
    news = _headlines(tmp_path / "h.csv", [(int(t), words[i % 3]) for i, t in enumerate(picks)])
    base = event_study(text=TextSource(news, epoch_unit="ns"), data=perp, horizons_s=(1.0, 10.0))
    shifted = event_study(text=TextSource(news, epoch_unit="ns", latency_ms=1e-6), data=perp, horizons_s=(1.0, 10.0))
    assert (shifted.items["receipt_ns"] - base.items["receipt_ns"]).eq(1).all()
    assert shifted.rows == base.rows
    assert shifted.items.drop(columns="receipt_ns").equals(base.items.drop(columns="receipt_ns"))
    assert base.counts["mapped"] == 25


def test_bad_settings_and_empty_windows_are_specific_errors(perp: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="horizons must be positive"):
        event_study(seed=1, duration_s=10.0, horizons_s=(0.0,))
    with pytest.raises(ConfigError, match="threshold"):
        event_study(seed=1, duration_s=10.0, threshold=2.0)
    with pytest.raises(ConfigError, match="not --data"):
        event_study(data=perp, seed=3)
    outside = _headlines(tmp_path / "old.csv", [(1_000_000_000, "Bitcoin soars")])
    with pytest.raises(
        DataError,
        match=r"none of the 1 headlines was received while the market ran \(1 before its start, 0 after its end\)",
    ):
        event_study(text=TextSource(outside, epoch_unit="ns"), data=perp)


def test_the_command_prints_writes_and_fails_cleanly(tmp_path: Path, hft_cli: HftCli) -> None:
    code, out, _ = hft_cli(["news-study", "--seed", "3", "--duration", "60", "--horizons", "1,10", "--json"])
    assert code == 0
    summary = json.loads(out)
    assert summary["scorer"] == "vader" and {r["bucket"] for r in summary["rows"]} == {
        "negative",
        "neutral",
        "positive",
        "all",
    }
    code, out, _ = hft_cli(
        ["news-study", "--seed", "3", "--duration", "60", "--horizons", "1", "--out", str(tmp_path / "s")]
    )
    assert code == 0 and "positive" in out
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == [
        "event_study.csv",
        "event_study.png",
        "event_study_items.csv",
    ]
    code, _, err = hft_cli(["news-study", "--horizons", "1,x"])
    assert (code, err) == (2, "error: --horizons '1,x': 'x' is not a number of seconds\n")
    code, _, err = hft_cli(["news-study", "--tz", "UTC"])
    assert (code, err) == (2, "error: --tz describes NEWS_FILE's timestamps; give the file\n")
    code, _, err = hft_cli(["news-study", str(tmp_path / "missing.csv"), "--seed", "1"])
    assert code == 2 and "missing.csv" in err and "Traceback" not in err
