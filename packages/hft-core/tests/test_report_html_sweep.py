"""The sweep's HTML page (`hft report SWEEP_DIR` → report/report.html): the plots embedded, the train/test view,
the configurations and the results table, byte-deterministic."""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hft_core.plugins import PluginHost
from hft_core.sweeps import SweepDefinition, open_sweep_directory, plan_points
from hft_core.sweeps import report as sweep_report
from hft_core.sweeps.report import (
    load_results,
    report_command,
    sweep_axes,
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
    assert cells[start : start + 7] == [
        "pnl",
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
