"""``ctx.record``: named series stamped with market time, refused when bad, capped; ``series.parquet`` and the
report's chart of it; runs that record nothing write what they always wrote."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hft_core import Context, Strategy, backtest
from hft_core.engine.results import SERIES_NAMES, BacktestResult, SeriesRecorder
from hft_core.report import load_run, write_report

SEC = 1_000_000_000
PNG = b"\x89PNG\r\n\x1a\n"
WRITTEN_WITHOUT_SERIES = [
    "equity.parquet",
    "fills.parquet",
    "log.txt",
    "orders.parquet",
    "round_trips.parquet",
    "summary.json",
]
"""What `BacktestResult.write` wrote before series were recorded (and still writes for a run that records none)."""


class _Recorder(Strategy):
    """Records the mid, the spread and their ratio every half second; trades nothing."""

    def on_start(self, ctx: Context) -> None:
        ctx.set_timer(0.5)

    def on_timer(self, ctx: Context) -> None:
        book = ctx.book()
        if book.mid is not None and book.spread is not None:
            ctx.record("mid", book.mid)
            ctx.record("spread", book.spread)
            ctx.record("spread.half", book.spread / 2)


class _Silent(Strategy):
    def on_start(self, ctx: Context) -> None:
        ctx.set_timer(0.5)


class _Bad(Strategy):
    """Records what it must not (``name``, ``value``) at its first timer."""

    def __init__(self, name: str, value: float) -> None:
        self.name, self.value = name, value

    def on_start(self, ctx: Context) -> None:
        ctx.set_timer(0.5)

    def on_timer(self, ctx: Context) -> None:
        ctx.record(self.name, self.value)


def _run(strategy: Strategy, out: Path | None = None, seed: int = 5) -> BacktestResult:
    """20 s of the simulated single-instrument market, written into ``out`` as ``hft run`` writes a result."""
    result = backtest(strategy, seed=seed, duration_s=20.0)
    if out is not None:
        out.mkdir()
        result.write(out)
    return result


def test_record_stamps_each_value_with_market_time_in_the_order_recorded() -> None:
    result = _run(_Recorder())
    series = result.series
    assert list(series.columns) == ["ts", "time", "name", "value"]
    assert list(dict.fromkeys(series["name"])) == ["mid", "spread", "spread.half"]
    per_name = series.groupby("name")["ts"].count()
    assert per_name["mid"] == per_name["spread"] == per_name["spread.half"] >= 35
    ts = series["ts"].to_numpy()
    assert (ts[1:] >= ts[:-1]).all() and (ts - ts[0]) % (SEC // 2) == pytest.approx(0)
    assert (series["time"] == pd.to_datetime(series["ts"], unit="ns", utc=True)).all()
    mid = series[series["name"] == "mid"].set_index("ts")["value"]
    spread = series[series["name"] == "spread"].set_index("ts")["value"]
    half = series[series["name"] == "spread.half"].set_index("ts")["value"]
    assert (half * 2).equals(spread) and (mid > 0).all()


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("mid price", 1.0, "identifier"),
        ("9lives", 1.0, "identifier"),
        ("a.b.c", 1.0, "identifier"),
        ("x" * 33, 1.0, "at most 32 characters"),
        ("", 1.0, "identifier"),
        ("mid", math.nan, "finite"),
        ("mid", math.inf, "finite"),
        ("mid", True, "must be a number"),
        ("mid", "1.5", "must be a number"),
        ("mid", None, "must be a number"),
    ],
)
def test_a_bad_name_or_value_is_refused_saying_why(name: str, value: float, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        _run(_Bad(name, value))


def test_the_number_of_names_is_capped_and_a_refused_value_records_nothing() -> None:
    recorder = SeriesRecorder()
    for n in range(SERIES_NAMES):
        recorder.record(n, f"s{n}", float(n))
    recorder.record(99, "s0", 1.5)  # a known name is always welcome
    with pytest.raises(ValueError, match=f"at most {SERIES_NAMES} series names"):
        recorder.record(100, "one_too_many", 0.0)
    with pytest.raises(ValueError, match="finite"):
        recorder.record(101, "s1", math.nan)
    frame = recorder.frame()
    assert len(recorder) == len(frame) == SERIES_NAMES + 1
    assert frame["name"].nunique() == SERIES_NAMES and "one_too_many" not in set(frame["name"])
    assert frame["value"].tolist() == [*map(float, range(SERIES_NAMES)), 1.5]


def test_series_parquet_is_written_read_back_and_drawn(tmp_path: Path) -> None:
    result = _run(_Recorder(), out=tmp_path / "run")
    assert (tmp_path / "run" / "series.parquet").is_file()
    back = pd.read_parquet(tmp_path / "run" / "series.parquet")
    pd.testing.assert_frame_equal(back, result.series, check_dtype=False)
    run, written = write_report(tmp_path / "run")
    assert run.series["value"].tolist() == result.series["value"].tolist()
    assert tmp_path / "run" / "series.png" in written
    assert (tmp_path / "run" / "series.png").read_bytes().startswith(PNG)
    page = (tmp_path / "run" / "report.html").read_text()
    assert 'alt="series.png"' in page and "series.parquet" in page


def test_a_run_that_records_nothing_writes_what_it_always_wrote(tmp_path: Path) -> None:
    result = _run(_Silent(), out=tmp_path / "run")
    assert result.series.empty and list(result.series.columns) == ["ts", "time", "name", "value"]
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == WRITTEN_WITHOUT_SERIES
    # ... and its report, like an older run directory's, has no series chart and says nothing of one
    run, written = write_report(tmp_path / "run")
    assert run.series.empty
    assert [p.name for p in written] == ["mid_quotes_fills.png", "inventory.png", "pnl.png", "report.html"]
    page = (tmp_path / "run" / "report.html").read_text()
    assert "series.png" not in page and "series.parquet" not in page


def test_the_same_seed_writes_byte_identical_run_directories(tmp_path: Path) -> None:
    for name in ("a", "b"):
        _run(_Recorder(), out=tmp_path / name, seed=9)
        write_report(tmp_path / name)
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert {"series.parquet", "series.png", "report.html"} <= set(files)
    assert files == sorted(p.name for p in (tmp_path / "b").iterdir())
    for file in files:
        if file != "report.html":  # (titled after its directory when there is no run.json)
            assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file


def test_a_damaged_series_file_is_named(tmp_path: Path) -> None:
    from hft_core import HftError

    _run(_Recorder(), out=tmp_path / "run")
    pd.DataFrame({"ts": [1], "name": ["x"], "value": ["not a number"]}).to_parquet(tmp_path / "run" / "series.parquet")
    with pytest.raises(HftError, match=r"series.parquet: wrong column type: value \(expected number\)"):
        load_run(tmp_path / "run")
