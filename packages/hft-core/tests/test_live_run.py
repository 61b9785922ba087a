"""``hft run NAME --venue ws://...``: a live run resolved like any other, against ``hft serve`` on 127.0.0.1.

The run directory of a live run has the same files as a backtest's, so ``hft report`` reads it. Bounded: the
server runs on a free port and is stopped at the end; the run lasts a few seconds of wall-clock time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from hft_core import ConfigError, resolve_run
from hft_core.cli import main
from hft_core.serve.app import ServeConfig
from hft_core.serve.exchanges import load_exchanges
from hft_core.serve.server import BackgroundServer

KEY, SECRET = "runner", "runner-secret"


@pytest.fixture
def server() -> Iterator[BackgroundServer]:
    config = ServeConfig(load_exchanges(), seed=3, speed=20.0, session_s=3600.0, keys={KEY: SECRET})
    with BackgroundServer(config) as running:
        yield running


@pytest.mark.slow
def test_hft_run_trades_hft_serve_and_writes_a_run_directory(
    server: BackgroundServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HFT_API_KEY", KEY)
    monkeypatch.setenv("HFT_API_SECRET", SECRET)
    url = f"ws://127.0.0.1:{server.port}/binance/ETHUSDT"
    out = tmp_path / "live"
    try:
        main(["run", "passive-mm", "--venue", url, "--duration", "4", "--set", "tick_ms=100", "-o", str(out), "-q"])
    except SystemExit as stop:
        assert stop.code in (0, None), capsys.readouterr().err
    meta = json.loads((out / "run.json").read_text())
    assert meta["status"] == "complete" and meta["venue_url"] == url
    summary = json.loads((out / "summary.json").read_text())
    assert summary["orders"] > 0 and summary["venue"].startswith("live:")
    assert f'venue_url = "{url}"' in (out / "config.toml").read_text()
    assert KEY not in (out / "config.toml").read_text() and SECRET not in (out / "run.json").read_text()
    for name in ("orders.parquet", "fills.parquet", "equity.parquet", "round_trips.parquet"):
        assert (out / name).is_file()


def test_a_live_run_is_checked_before_anything_runs(tmp_path: Path) -> None:
    url = "ws://127.0.0.1:9/binance/BTCUSDT"
    with pytest.raises(ConfigError, match="a live run needs --duration"):
        resolve_run("passive-mm", venue_url=url)
    with pytest.raises(ConfigError, match="must be a ws:// or wss:// URL"):
        resolve_run("passive-mm", venue_url="http://127.0.0.1:9/x", duration_s=5.0)
    with pytest.raises(ConfigError, match="not to a live run"):
        resolve_run("passive-mm", venue_url=url, duration_s=5.0, assignments=["scenario.volatility=0.001"])
    spec = resolve_run("passive-mm", venue_url=url, duration_s=5.0)
    assert spec.scenario is None and spec.data is None and 'venue_url = "ws://' in spec.config_toml()
    config = tmp_path / "c.toml"
    config.write_text(spec.config_toml())
    assert resolve_run("passive-mm", config_file=config) == spec
