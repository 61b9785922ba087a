"""The sweep's HTML page (`hft report SWEEP_DIR` → report/report.html): the plots embedded, the train/test view,
the configurations and the results table, byte-deterministic."""

from __future__ import annotations

import base64
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from hft_core.plugins import PluginHost
from hft_core.sweeps import SweepDefinition, open_sweep_directory, plan_points
from hft_core.sweeps import report as sweep_report
from hft_core.sweeps.report import (
    load_results,
    report_command,
    run_halves,
    sweep_axes,
    time_split,
    train_test,
    write_sweep_page,
    write_sweep_report,
)

HOST = PluginHost()


def _pnl(half_spread: str, gamma: str, seed: int) -> float:
    """1ticks/0.05 wins on seeds 1-2 and loses on 3-4 (an overfit); the rest grows slowly with the seed."""
    if (half_spread, gamma) == ("1ticks", "0.05"):
        return 10.0 + seed if seed <= 2 else -5.0
    return {"1ticks": 0.0, "2ticks": 3.1, "4ticks": 1.0}[half_spread] + 0.1 * seed + (0.5 if gamma == "0.2" else 0.0)


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sweep directory whose plots are drawn once for the module (the page tests only read them)."""
    tmp_path = tmp_path_factory.mktemp("sweeps")
    definition = SweepDefinition(
        pattern="passive-mm",
        duration_s=2.0,
        grid=(("half_spread", ("1ticks", "2ticks", "4ticks")), ("gamma", ("0.05", "0.2"))),
        seeds=(1, 2, 3, 4),
    )
    points = plan_points(definition, host=HOST)
    store = open_sweep_directory(tmp_path / "sweep", "passive-mm")
    store.record_points(points)
    for point in points:
        stats = {"pnl": _pnl(point.values["half_spread"], point.values["gamma"], point.seed), "fills": point.seed}
        files = {
            "config.toml": point.spec.config_toml().encode(),
            "run.json": json.dumps({"status": "complete"}).encode(),
            "summary.json": json.dumps(stats).encode(),
        }
        store.write_point(point.key, files)
    store.write_table()
    write_sweep_report(store.path)
    return store.path


class _Page(HTMLParser):
    """The page's text per table cell and its tags, checked to close in order."""

    VOID = frozenset({"meta", "img", "br"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.cells: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)
        if tag == "td":
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (self.stack, tag)
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "td":
            self.cells[-1] += data


def _page(sweep_dir: Path, draw: bool = False) -> tuple[str, _Page]:
    """The page written from the sweep's plots (drawn again first with ``draw``)."""
    if draw:
        written, splits = write_sweep_report(sweep_dir)
    else:
        kinds = ("heatmap", "lines", "train-test")
        written = [sweep_dir / "report" / f"{kind}-{stat}.png" for stat in ("pnl", "fills") for kind in kinds]
        store, table = load_results(sweep_dir)
        axes = sweep_axes(store, table)
        splits = {stat: split for stat in ("pnl", "fills") if (split := train_test(table, axes, stat)) is not None}
    target = write_sweep_page(sweep_dir, written, splits)
    assert target == sweep_dir / "report" / "report.html"
    text = target.read_text()
    parsed = _Page()
    parsed.feed(text)
    assert parsed.stack == []
    return text, parsed


def test_the_page_embeds_the_plots_and_shows_the_overfit(sweep_dir: Path) -> None:
    text, parsed = _page(sweep_dir)
    images = sorted((sweep_dir / "report").glob("*.png"))
    assert len(images) == 6  # heatmap, lines, train-test for pnl and fills
    embedded = re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,([^"]+)">', text)
    assert {name: base64.b64decode(data) for name, data in embedded} == {p.name: p.read_bytes() for p in images}
    cells = parsed.cells
    start = cells.index("pnl")  # the train/test row of pnl: best in-sample, its means, rank, best out of sample
    assert cells[start : start + 8] == [
        "pnl",
        "seeds 1–2 / 3–4",
        "half_spread=1ticks, gamma=0.05",
        "11.5",
        "-5",
        "6 of 6",
        "half_spread=2ticks, gamma=0.2",
        "3.95",
    ]
    assert "24 complete points, 0 failed; swept knobs: half_spread, gamma; seeds: 1, 2, 3, 4." in text
    assert "All 6 configurations." in text and "All 24 points." in text


def test_configurations_are_ranked_by_mean_pnl(sweep_dir: Path) -> None:
    text, _ = _page(sweep_dir)
    section = text.split("<h2>Configurations by mean PnL over seeds</h2>")[1].split("</table>")[0]
    firsts = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td>", section)
    assert [(a, b) for a, b, _ in firsts] == [
        ("2ticks", "0.2"),
        ("2ticks", "0.05"),
        ("1ticks", "0.05"),
        ("4ticks", "0.2"),
        ("4ticks", "0.05"),
        ("1ticks", "0.2"),
    ]
    assert [mean for _, _, mean in firsts] == ["3.85", "3.35", "3.25", "1.75", "1.25", "0.75"]


def test_a_long_results_table_shows_its_ends_and_the_count(sweep_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sweep_report, "PAGE_ROWS", 10)
    text, _ = _page(sweep_dir)
    results = text.split("<h2>Results</h2>")[1]
    assert "… 14 points not shown …" in results
    assert "The first 5 and the last 5 of 24 points." in results
    assert results.count("<tr><td>") == 10


def test_the_page_is_byte_identical_when_written_again(sweep_dir: Path) -> None:
    first, _ = _page(sweep_dir)
    second, _ = _page(sweep_dir, draw=True)  # the plots drawn again too
    assert first == second


def test_hft_report_writes_the_page(sweep_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report_command(sweep_dir)
    out = capsys.readouterr().out
    assert f"wrote {sweep_dir / 'report' / 'report.html'}" in out
    assert (sweep_dir / "report" / "report.html").read_text().startswith("<!doctype html>")


SEC = 1_000_000_000
HALVES = {"1ticks": (10.0, -5.0), "2ticks": (2.0, 2.0), "4ticks": (1.0, 3.0)}
"""PnL on each half of market time: 1ticks wins early and loses late (an overfit in time)."""


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


@pytest.fixture
def timed_sweep(tmp_path: Path) -> Path:
    """Points with their equity and fills records: two instruments whose PnL adds up to `HALVES`' values."""
    definition = SweepDefinition(
        pattern="passive-mm", duration_s=10.0, grid=(("half_spread", ("1ticks", "2ticks", "4ticks")),), seeds=(1, 2)
    )
    points = plan_points(definition, host=HOST)
    store = open_sweep_directory(tmp_path / "sweep", "passive-mm")
    store.record_points(points)
    for point in points:
        first, second = HALVES[point.values["half_spread"]]
        rows = []
        for k in range(11):  # samples at 0..10 s; the middle is 5 s
            total = first * min(k, 5) / 5 + second * max(k - 5, 0) / 5 + 0.25 * point.seed * (k == 10)
            rows += [(k * SEC, "A", total * 0.75), (k * SEC, "B", total * 0.25)]
        equity = pd.DataFrame(rows, columns=["ts", "instrument", "pnl"])
        fills = pd.DataFrame({"ts": [1 * SEC, 5 * SEC, 7 * SEC][: 1 + point.seed]})  # one at the middle: first half
        files = {
            "config.toml": point.spec.config_toml().encode(),
            "run.json": json.dumps({"status": "complete"}).encode(),
            "summary.json": json.dumps({"pnl": first + second, "fills": len(fills)}).encode(),
            "equity.parquet": _parquet(equity),
            "fills.parquet": _parquet(fills),
        }
        store.write_point(point.key, files)
    store.write_table()
    return store.path


def test_run_halves_cut_each_run_at_the_middle_of_its_market_time(timed_sweep: Path) -> None:
    store, table = load_results(timed_sweep)
    row = table[(table["half_spread"] == "1ticks") & (table["seed"] == 2)].iloc[0]
    halves = run_halves(store.point_dir(str(row["key"])))
    assert halves is not None
    assert halves["pnl"] == pytest.approx((10.0, -5.0 + 0.5))  # both instruments, summed
    assert halves["fills"] == (2.0, 1.0)  # the fill at the middle counts in the first half
    assert run_halves(timed_sweep) is None  # no equity.parquet there


def test_the_time_split_shows_the_overfit_in_time(timed_sweep: Path) -> None:
    store, table = load_results(timed_sweep)
    split = time_split(store, table, ["half_spread"], "pnl")
    assert split is not None and split.split == "time"
    assert split.train_seeds == split.test_seeds == (1, 2)
    assert split.best == {"half_spread": "1ticks"}
    assert split.best_train == pytest.approx(10.0) and split.best_test == pytest.approx(-5.0 + 0.375)
    assert (split.best_test_rank, split.configurations) == (3, 3)
    assert split.oos_best == {"half_spread": "4ticks"} and split.oos_best_test == pytest.approx(3.375)
    assert time_split(store, table, ["half_spread"], "sharpe_1min") is None  # not computable per half

    written, splits = write_sweep_report(timed_sweep)
    assert {"train-test-time-pnl.png", "train-test-time-fills.png"} <= {p.name for p in written}
    recorded = json.loads((timed_sweep / "report" / "train_test.json").read_text())
    assert recorded["time:pnl"]["split"] == "time" and recorded["pnl"]["split"] == "seeds"
    assert recorded["time:pnl"]["best_in_sample"]["config"] == {"half_spread": "1ticks"}
    page = write_sweep_page(timed_sweep, written, splits).read_text()
    assert "<td>pnl</td><td>market time: first half / second half</td><td>half_spread=1ticks</td>" in page
    assert "<td>pnl</td><td>seeds 1 / 2</td>" in page
