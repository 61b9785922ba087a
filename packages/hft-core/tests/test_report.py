"""The run summary as the console table and `hft report` show it: grouped rows, old run directories, the HTML."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser
from pathlib import Path

from hft_core.cli._render import print_run_summary
from hft_core.engine.results import BacktestResult
from hft_core.report import summary_sections, write_report
from rich.console import Console

SEC = 1_000_000_000

SUMMARY = {
    "pnl": 12.5,
    "fees_paid": 0.25,
    "rebates_received": 1.5,
    "fees_net": -1.25,
    "max_drawdown": 3.0,
    "sharpe_1min": None,
    "sharpe_1min_samples": 5,
    "sharpe_1d_annualised": None,
    "sharpe_1d_samples": 0,
    "round_trips": {"count": 4, "win_rate": 0.75, "mean_holding_s": 2.5, "pnl": 10.0},
    "fills": 9,
    "volume": 9.0,
    "notional": 900.0,
    "orders": 20,
    "rejected": 3,
    "rejected_by_reason": {"post_only_would_cross": 1, "risk max_position": 2},
    "fill_ratio": 0.5,
    "order_to_trade": 2.222222,
    "spread_capture": {"fills": 9, "mean": 0.05, "mean_bp": 5.0, "vw_mean_bp": 5.0, "pnl": 0.45},
    # as summary.json sorts them: "10s" before "1s"
    "markouts": {
        "10s": {"fills": 8, "mean": 0.02, "mean_bp": 2.0, "adverse_selection_bp": 3.0},
        "1s": {"fills": 9, "mean": 0.04, "mean_bp": 4.0, "adverse_selection_bp": 1.0},
        "60s": {"fills": 6, "mean": -0.01, "mean_bp": -1.0, "adverse_selection_bp": 6.0},
    },
    "max_inventory": 4.0,
    "final_position": {"SIM": -2.0},
    "quote_uptime": {"SIM": {"bid": 0.9, "ask": 0.8, "two_sided": 0.75}},
    "kill_switch": False,
    "duration_s": 300.0,
    "venue": "simulated:single-instrument",
}


def _rows() -> dict[str, dict[str, str]]:
    return {group: dict(rows) for group, rows in summary_sections(SUMMARY)}


def test_sections_group_and_format_the_stats() -> None:
    sections = _rows()
    assert list(sections) == ["PnL and costs", "execution quality", "inventory and risk", "run"]
    costs, execution, risk = sections["PnL and costs"], sections["execution quality"], sections["inventory and risk"]
    assert (costs["fees paid"], costs["rebates received"], costs["fees, net"]) == ("0.2500", "1.5000", "-1.2500")
    assert costs["Sharpe, 1-min PnL, not annualised"] == "n/a (5 min < 30)"
    assert costs["  won"] == "75.0%"
    assert execution["  risk max_position"] == "2"
    assert execution["spread capture (price / bp)"] == "0.05 / 5.00"
    # horizons in time order, whatever order the JSON gave them in
    assert execution["markout 1s/10s/60s (bp)"] == "4.00 / 2.00 / -1.00"
    assert execution["adverse selection 1s/10s/60s (bp)"] == "1.00 / 3.00 / 6.00"
    assert execution["fills marked out at 1s/10s/60s"] == "9 / 8 / 6"
    assert risk["quote uptime SIM: bid / ask / both"] == "90.0% / 80.0% / 75.0%"
    assert risk["final position SIM"] == "-2"


def test_a_sharpe_with_enough_samples_shows_them() -> None:
    sections = dict(summary_sections({**SUMMARY, "sharpe_1min": 0.1234, "sharpe_1min_samples": 45}))
    assert dict(sections["PnL and costs"])["Sharpe, 1-min PnL, not annualised"] == "0.12 (45 min)"


def test_the_pnl_names_its_numeraire_when_the_run_has_one() -> None:
    rows = dict(dict(summary_sections({**SUMMARY, "numeraire": "USDT"}))["PnL and costs"])
    assert rows["PnL (USDT)"] == "12.50"


def test_an_older_summary_shows_dashes_not_errors() -> None:
    old = {"pnl": 1.0, "fees": -0.1, "sharpe": 4503.8, "fills": 3, "venue": "x"}
    rows = {label: value for _, group in summary_sections(old) for label, value in group}
    assert rows["PnL"] == "1.00"
    assert rows["fees paid"] == rows["round trips (FIFO)"] == "-"
    assert "4503" not in " ".join(rows.values())


def test_the_console_table_shows_every_group() -> None:
    buffer = io.StringIO()
    print_run_summary("demo", SUMMARY, Path("/tmp/run"), console=Console(file=buffer, width=100))
    text = buffer.getvalue()
    for needle in ("PnL and costs", "execution quality", "inventory and risk", "rebates received", "1s/10s/60s"):
        assert needle in text


class _Tags(HTMLParser):
    """Checks that every opened tag (bar the void ones) is closed in order."""

    VOID = frozenset({"meta", "img", "br", "hr", "link", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (self.stack, tag)
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_html_report_has_the_groups_and_the_round_trips(tmp_path: Path) -> None:
    fills = [
        (1 * SEC, "SIM", 1, "buy", 99.0, 1.0, -0.01, True, 1.0, 0.0),
        (3 * SEC, "SIM", 2, "sell", 101.0, 1.0, -0.01, True, 0.0, 2.02),
    ]
    orders = [
        (1, 0, 1 * SEC, "SIM", "buy", "post_only", 99.0, 1.0, "filled", "", 1.0),
        (2, 0, 3 * SEC, "SIM", "sell", "post_only", 101.0, 1.0, "filled", "", 1.0),
    ]
    equity = [(k * SEC, "SIM", 100.0, 1.0 if 1 <= k < 3 else 0.0, 0.0) for k in range(5)]
    BacktestResult.from_rows(orders, fills, equity, dict(SUMMARY), []).write(tmp_path)
    run, _ = write_report(tmp_path)
    assert len(run.round_trips) == 1
    page = (tmp_path / "report.html").read_text()
    parser = _Tags()
    parser.feed(page)
    assert parser.stack == []
    text = " ".join(parser.text)
    for needle in ("PnL and costs", "inventory and risk", "Round trips", "1970-01-01 00:00:01.000", "2.0200"):
        assert needle in text
    assert json.loads((tmp_path / "summary.json").read_text())["fees_net"] == -1.25
