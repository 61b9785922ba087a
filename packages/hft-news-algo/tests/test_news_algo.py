"""The news-algo pattern on its news-market: registration, knobs, determinism, latency charged before orders
leave, a headline file instead of the generated feed, the latency sweep, and the docs' knob tables."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hft_core import ConfigError, PluginHost, TextSource, backtest, markdown_table
from hft_news_algo import plugin
from hft_news_algo.config import NewsAlgoConfig, NewsMarketConfig
from hft_news_algo.market import START_NS
from hft_news_algo.study import latency_sweep

DOCS = Path(__file__).resolve().parents[3] / "docs" / "news-algo.md"


def test_registers_its_pattern_and_market_and_checks_knobs() -> None:
    host = PluginHost(discover=False, extra=[("hft-news-algo", plugin)])
    assert host.get("news-algo").default_scenario == "news-market"
    host.scenario("news-market").resolve(plugin.NEWS_ALGO.scenario_params)
    with pytest.raises(ConfigError, match="word_list"):
        NewsAlgoConfig(scorer="word-list")
    with pytest.raises(ConfigError, match="threshold"):
        NewsAlgoConfig(threshold=1.5)


def test_describing_the_pattern_loads_no_numeric_code() -> None:
    code = (
        "import sys\nfrom hft_news_algo.plugin import NEWS_ALGO\nNEWS_ALGO.knobs()\n"
        "print(sorted(m for m in ('numpy', 'vaderSentiment', 'hft_news_algo.strategy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_run_is_deterministic_profitable_and_charges_its_latency() -> None:
    config = {"reaction_latency_ms": 50.0, "holding_s": 3.0}
    first = backtest("news-algo", config=config, seed=2, duration_s=60.0)
    again = backtest("news-algo", config=config, seed=2, duration_s=60.0)
    assert json.dumps(first.stats, sort_keys=True) == json.dumps(again.stats, sort_keys=True)
    assert first.orders.equals(again.orders)
    assert first.stats["text"]["delivered"] == first.stats["text"]["items"] > 0
    assert first.stats["fills"] > 0 and first.stats["pnl"] > 0
    # every order leaves exactly 50 ms after a headline's receipt (entries) or 3 s after that (exits)
    from hft_core import create_scenario

    venue = create_scenario("news-market", seed=2, duration_s=60.0, host=PluginHost())
    feed = venue.text_feed  # type: ignore[attr-defined]
    receipts = {item.received_ns for item in feed.items}
    allowed = {t + 50_000_000 for t in receipts} | {t + 3_050_000_000 for t in receipts}
    assert set(first.orders["ts"].tolist()) <= allowed
    assert min(first.orders["ts"]) >= min(receipts) + 50_000_000
    assert any("reaction latency ms (budget): p50 50.000" in line for line in first.logs)


def test_a_headline_file_replaces_the_generated_feed(tmp_path: Path) -> None:
    path = tmp_path / "news.csv"
    # ns since the epoch, so the items fall inside the simulated run; nothing here moves the market
    path.write_text(
        "published,headline,ticker\n"
        f"{START_NS + 5_000_000_000},Acme Corp posts record profit and raises outlook on strong demand,ACME\n"
        f"{START_NS + 9_000_000_000},Bolt Industries crashes as CEO resigns amid scandal,BOLT\n"
    )
    result = backtest(
        "news-algo", seed=1, duration_s=20.0, text=TextSource(path, epoch_unit="ns"), news_rate=0.001, chatter_rate=0
    )
    assert result.stats["text"]["source"] == str(path)
    assert result.stats["text"]["delivered"] == 2
    sides = result.orders.sort_values("ts")["side"].tolist()
    assert sides[0] == "buy" and "sell" in sides


@pytest.mark.parametrize("seeds", [(1, 2)])
def test_pnl_falls_with_reaction_latency(seeds: tuple[int, ...]) -> None:
    fast, slow = latency_sweep([0.0, 600.0], seeds, duration_s=90.0)
    assert fast.mean_pnl > 0
    assert slow.mean_pnl < fast.mean_pnl / 3


@pytest.mark.slow
def test_pnl_decays_monotonically_and_vanishes_past_absorption() -> None:
    points = latency_sweep([0.0, 100.0, 250.0, 600.0], range(1, 7), duration_s=150.0)
    means = [p.mean_pnl for p in points]
    assert means[0] > 0
    assert means[0] + points[0].stderr >= means[1] > means[2] - points[2].stderr
    assert means[1] > means[2] and means[1] > means[3]
    assert abs(means[3]) < max(3 * points[3].stderr, 0.1 * means[0])  # gone past the 200 ms absorption


def test_docs_carry_the_generated_knob_tables() -> None:
    text = DOCS.read_text()
    assert markdown_table(NewsAlgoConfig.knobs()) in text
    assert markdown_table(NewsMarketConfig.knobs()) in text
    done = subprocess.run(
        [sys.executable, "-m", "hft_core", "info", "news-algo", "--markdown"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    table = done.stdout[done.stdout.index("| knob") :].strip()
    assert table in text
