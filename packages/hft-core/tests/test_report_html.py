"""`hft report`'s page: the config, the long tables cut to first and last rows, the chart's data, determinism.

The page in a browser (charts drawn, zoom and pan) is tests/test_report_browser.py.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hft_core import report as report_module
from hft_core.engine.results import BacktestResult
from hft_core.errors import HftError
from hft_core.report import TABLE_ROWS, write_report

SEC = 1_000_000_000
T0 = 1_700_000_000 * SEC


def _run(path: Path, fills: int = 6, symbol: str = "SIM", mid_nan: bool = False) -> Path:
    """A run directory of ``fills`` alternating buy/sell fills, one quote per fill, the mid every second."""
    fill_rows, order_rows = [], []
    position = 0.0
    for k in range(fills):
        side = "buy" if k % 2 == 0 else "sell"
        price = 99.5 + k % 7 * 0.25 if side == "buy" else 100.5 + k % 5 * 0.25
        position += 1.0 if side == "buy" else -1.0
        ts = T0 + (k + 1) * SEC // 2
        order_rows.append((k + 1, ts - SEC // 4, ts, symbol, side, "post_only", price, 1.0, "filled", "", 1.0))
        fill_rows.append((ts, symbol, k + 1, side, price, 1.0, -0.001, True, position, 0.01 * k))
    seconds = fills // 2 + 2
    # one quote still open at the end (done_ts -1): drawn to the end of the run
    order_rows.append(
        (fills + 1, T0 + (seconds - 2) * SEC, -1, symbol, "buy", "post_only", 99.0, 1.0, "accepted", "", 0.0)
    )
    equity = [
        (T0 + k * SEC, symbol, float("nan") if mid_nan and k == 1 else 100.0 + 0.05 * (k % 3), 0.0, 0.0)
        for k in range(seconds)
    ]
    summary = {"pnl": 1.0, "fills": fills, "venue": "simulated:single-instrument", "duration_s": float(seconds)}
    BacktestResult.from_rows(order_rows, fill_rows, equity, summary, []).write(path)
    return path


def _chart(page: str) -> Any:
    found = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_the_page_is_byte_identical_for_the_same_run_directory(tmp_path: Path) -> None:
    run = _run(tmp_path / "run", fills=60)
    (run / "config.toml").write_text('model = "glft"\n[scenario]\nprice = 100.0\n')
    write_report(run)
    first = {p.name: p.read_bytes() for p in sorted(run.iterdir()) if p.suffix in {".html", ".png"}}
    copy = shutil.copytree(run, tmp_path / "elsewhere" / "run")  # (a run without a pattern is titled by its name)
    write_report(run)
    write_report(copy)
    for name, data in first.items():
        assert (run / name).read_bytes() == data, name
        assert (copy / name).read_bytes() == data, name  # nothing of the directory's place or file times in it
    assert len(first) == 4


def test_the_config_is_shown_escaped_and_a_missing_one_is_said(tmp_path: Path) -> None:
    run = _run(tmp_path / "run")
    write_report(run)
    assert "has no config.toml" in (run / "report.html").read_text()
    (run / "config.toml").write_text('# Resolved configuration\nlabel = "<b>&"\n')
    write_report(run)
    page = (run / "report.html").read_text()
    assert '<pre class="config"># Resolved configuration\nlabel = &quot;&lt;b&gt;&amp;&quot;\n</pre>' in page


def test_a_config_that_is_not_text_is_named(tmp_path: Path) -> None:
    run = _run(tmp_path / "run")
    (run / "config.toml").write_bytes(b"a = 1\n\xff\n")
    with pytest.raises(HftError, match=r"config.toml: not UTF-8 text \(byte 6\)"):
        write_report(run)


def test_long_tables_show_their_first_and_last_rows_with_the_counts(tmp_path: Path) -> None:
    fills = 2 * TABLE_ROWS + 10
    run = _run(tmp_path / "run", fills=fills)
    write_report(run)
    page = (run / "report.html").read_text()
    fills_part = page.split("<h2>Fills</h2>")[1].split("<h2>Round trips</h2>")[0]
    numbers = [int(n) for n in re.findall(r"<tr><td>(\d+)</td>", fills_part)]
    half = TABLE_ROWS // 2
    assert numbers == [*range(1, half + 1), *range(fills - half + 1, fills + 1)]
    assert f"… {fills - TABLE_ROWS} fills not shown …" in fills_part
    assert f"The first {half} and the last {half} of {fills} fills" in fills_part
    trips_part = page.split("<h2>Round trips</h2>")[1]
    assert f"The first {half} and the last {half} of {fills // 2} round trips" in trips_part  # a sell closes each


def test_a_short_table_is_shown_whole(tmp_path: Path) -> None:
    run = _run(tmp_path / "run", fills=4)
    write_report(run)
    page = (run / "report.html").read_text()
    assert "All 4 fills (also in fills.parquet)." in page
    assert "All 2 round trips (also in round_trips.parquet)." in page
    assert "not shown" not in page


def test_the_chart_data_holds_the_mid_the_quotes_and_the_fills(tmp_path: Path) -> None:
    run = _run(tmp_path / "run", fills=4, symbol="</script><b>", mid_nan=True)
    write_report(run)
    page = (run / "report.html").read_text()
    assert page.count("</script>") == 2  # the symbol cannot close the data element
    data = _chart(page)
    (chart,) = data["charts"]
    assert chart["symbol"] == "</script><b>"
    assert chart["mid"] == {"t": [0.0, 1.0, 2.0, 3.0], "p": [100.0, None, 100.1, 100.0]}
    assert chart["buy_fills"] == {"t": [0.5, 1.5], "p": [99.5, 100.0]}
    assert chart["sell_fills"] == {"t": [1.0, 2.0], "p": [100.75, 101.25]}
    # a quote spans its submission to its final report
    assert chart["buy_quotes"] == {"t": [0.25, 1.25, 2.0], "u": [0.5, 1.5, 3.0], "p": [99.5, 100.0, 99.0]}
    assert chart["sell_quotes"] == {"t": [0.75, 1.75], "u": [1.0, 2.0], "p": [100.75, 101.25]}
    assert data["span"] == [0.0, 3.0]


def test_long_series_are_thinned_evenly_and_the_page_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_module, "CHART_POINTS", 5)
    run = _run(tmp_path / "run", fills=20)
    write_report(run)
    page = (run / "report.html").read_text()
    chart = _chart(page)["charts"][0]
    assert chart["buy_fills"]["t"] == [0.5, 2.5, 4.5, 7.5, 9.5]  # first and last kept, evenly between
    assert "SIM: 5 of 10 buy fills drawn" in page
    assert "SIM: 5 of 12 mid samples drawn" in page
