"""``hft run`` / ``hft report`` end to end in the workspace environment: outputs, determinism, bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow


def hft(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HFT_")}
    return subprocess.run(
        [sys.executable, "-m", "hft_core", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout
    )


def test_default_run_prints_fills_and_a_summary(tmp_path: Path) -> None:
    done = hft("run", "passive-mm", "--duration", "60", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    fills = [line for line in lines if line.startswith("FILL ")]
    assert fills, done.stdout[-2000:]
    assert all(" qty=" in line and " px=" in line and " inv=" in line and " pnl=" in line for line in fills)
    assert "passive-mm — summary" in done.stdout
    run_dirs = list((tmp_path / "runs").iterdir())
    assert len(run_dirs) == 1
    assert f"run directory: runs/{run_dirs[0].name}" in done.stdout


def test_json_summary_and_run_directory(tmp_path: Path) -> None:
    done = hft("run", "passive-mm", "--json", "--duration", "60", "--seed", "5", "--out", "r", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["fills"] > 0
    assert summary["run_dir"] == "r"
    run = tmp_path / "r"
    meta = json.loads((run / "run.json").read_text())
    assert (meta["status"], meta["seed"], meta["scenario"]) == ("complete", 5, "btcusdt-perp")
    assert meta["versions"]["hft-passive-mm"]
    fills = pd.read_parquet(run / "fills.parquet")
    assert len(fills) == summary["fills"]
    assert json.loads((run / "summary.json").read_text())["fills"] == summary["fills"]
    assert "[scenario]" in (run / "config.toml").read_text()


def test_same_seed_gives_byte_identical_run_directories(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert hft("run", "passive-mm", "--quiet", "--duration", "30", "--out", name, cwd=tmp_path).returncode == 0
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    other = hft("run", "passive-mm", "--quiet", "--duration", "30", "--seed", "2", "--out", "c", cwd=tmp_path)
    assert other.returncode == 0
    assert (tmp_path / "a" / "fills.parquet").read_bytes() != (tmp_path / "c" / "fills.parquet").read_bytes()


def test_saved_config_reproduces_the_run(tmp_path: Path) -> None:
    assert (
        hft(
            "run", "passive-mm", "--quiet", "--duration", "20", "--set", "half_spread=0.2", "--out", "a", cwd=tmp_path
        ).returncode
        == 0
    )
    again = hft(
        "run", "passive-mm", "--quiet", "--duration", "20", "--config", "a/config.toml", "--out", "b", cwd=tmp_path
    )
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "a" / "fills.parquet").read_bytes() == (tmp_path / "b" / "fills.parquet").read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "half_spread=abc"], "--set half_spread=abc: 'half_spread' expected a price distance"),
        (["--set", "half_sprad=0.1"], "did you mean 'half_spread'"),
        (["--set", "scenario.tick=0.1"], "key 'tick' for scenario 'btcusdt-perp' (did you mean 'tick_size'?)"),
        (["--seed", "-1"], "--seed: seed must be an integer in [0, 2**63), got -1"),
        (["--config", "missing.toml"], "config file not found"),
        (["--data", "nowhere.gz"], "--data: data file nowhere.gz: no such file"),
    ],
)
def test_bad_input_exits_2_with_a_specific_message_and_writes_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    done = hft("run", "passive-mm", *args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "runs").exists()


def test_report_writes_plots_and_html(tmp_path: Path) -> None:
    assert hft("run", "passive-mm", "--quiet", "--duration", "30", "--out", "r", cwd=tmp_path).returncode == 0
    done = hft("report", "r", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("mid_quotes_fills.png", "inventory.png", "pnl.png", "report.html"):
        assert (tmp_path / "r" / name).stat().st_size > 1000, name
    assert (tmp_path / "r" / "mid_quotes_fills.png").read_bytes().startswith(b"\x89PNG")
    page = (tmp_path / "r" / "report.html").read_text()
    assert "data:image/png;base64," in page and "passive-mm" in page
    missing = hft("report", "nowhere", cwd=tmp_path)
    assert missing.returncode == 1
    assert "no such run directory" in missing.stderr


def test_interrupted_run_leaves_a_readable_partial_record(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HFT_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "hft_core", "run", "passive-mm", "--quiet", "--duration", "100000", "--out", "r"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    run_json = tmp_path / "r" / "run.json"
    deadline = time.monotonic() + 120
    while not run_json.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2.0)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    meta = json.loads(run_json.read_text())
    assert meta["status"] == "partial"
    assert meta["reason"] == "interrupted (Ctrl-C)"
    assert "interrupted by SIGINT" in stderr and "Traceback" not in stderr


def test_interruption_mid_run_writes_what_was_recorded(tmp_path: Path) -> None:
    from dataclasses import dataclass

    from hft_core import Config, Context, Pattern, Strategy, hookimpl
    from hft_core.cli._run import run_command
    from hft_core.errors import RunStoppedError
    from hft_core.plugins import PluginHost

    @dataclass(frozen=True)
    class NoKnobs(Config):
        """A pattern without knobs."""

    class StopsAfterTen(Strategy):
        def __init__(self, config: NoKnobs) -> None:
            self.config = config
            self.decisions = 0

        def on_start(self, ctx: Context) -> None:
            ctx.set_timer(0.5)

        def on_timer(self, ctx: Context) -> None:
            self.decisions += 1
            ctx.buy(1, 90.0)
            if self.decisions == 10:
                raise KeyboardInterrupt

    class Plugin:
        @hookimpl
        def hft_register_patterns(self) -> list[Pattern]:
            return [Pattern(name="stops", summary="interrupts itself", config=NoKnobs, strategy=StopsAfterTen)]

    with pytest.raises(RunStoppedError, match="interrupted by SIGINT") as stopped:
        run_command(
            "stops",
            config=None,
            assignments=[],
            seed=1,
            out=tmp_path / "r",
            data=None,
            duration_s=60.0,
            numeraire=None,
            quiet=True,
            as_json=False,
            host=PluginHost(discover=False, extra=[("stops", Plugin())]),
        )
    assert stopped.value.exit_code == 130
    run = tmp_path / "r"
    assert json.loads((run / "run.json").read_text())["status"] == "partial"
    assert json.loads((run / "summary.json").read_text())["partial"] is True
    orders = pd.read_parquet(run / "orders.parquet")
    assert len(orders) == 10
