"""hft-gated-manipulative as users get it from wheels: the gate cannot be bypassed, and unlocked it stays
simulator-only. Plus the honest control across packages (hft-passive-mm is never flagged by surveillance) and the
knob tables of docs/manipulation.md, which must be the ones ``hft --educational info NAME --markdown`` prints."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, Venv

MakeVenv = Callable[..., Venv]
PATTERNS = ["layering", "momentum-ignition", "quote-stuffing", "spoofing"]
MODULES = [
    "hft_gated_manipulative",
    "hft_gated_manipulative.plugin",
    "hft_gated_manipulative.config",
    "hft_gated_manipulative.spoofing",
    "hft_gated_manipulative.momentum_ignition",
    "hft_gated_manipulative.quote_stuffing",
    "hft_gated_manipulative.episodes",
    "hft_gated_manipulative.studies",
]


@pytest.fixture(scope="module")
def venv(make_venv: MakeVenv) -> Venv:
    return make_venv("hft-core", "hft-gated-manipulative")


def _assert_locked_refusal(done: subprocess.CompletedProcess[str], what: str = "hft-gated-manipulative") -> None:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "locked" in done.stderr and what in done.stderr
    assert "--educational" in done.stderr and "HFT_EDUCATIONAL=1" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.venv
@pytest.mark.slow
def test_locked_patterns_are_listed_and_the_module_never_imported(venv: Venv) -> None:
    rows = venv.hft_json("list", "--json")
    assert isinstance(rows, list)
    mine = {r["pattern"]: r for r in rows if r["package"] == "hft-gated-manipulative"}
    assert sorted(mine) == PATTERNS
    for row in mine.values():
        assert row["status"] == "locked"
        assert "--educational" in row["summary"] and "HFT_EDUCATIONAL=1" in row["summary"]
    probe = (
        "import sys\n"
        "from hft_core.plugins import PluginHost\n"
        "host = PluginHost()\n"
        "status = {r.name: r.status for r in host.records()}\n"
        "assert status == {'hft-core': 'ok', 'hft-gated-manipulative': 'locked'}, status\n"  # hft-core: built-ins
        "for name in ('spoofing', 'quote-stuffing'):\n"
        "    try:\n        host.get(name)\n    except Exception as exc:\n        print(type(exc).__name__)\n"
        "loaded = [m for m in sys.modules if m.startswith('hft_gated_manipulative')]\n"
        "assert loaded == [], loaded\n"
        "print('never imported')\n"
    )
    done = venv.run_python(probe)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["UnknownPatternError", "UnknownPatternError", "never", "imported"]


@pytest.mark.venv
@pytest.mark.slow
@pytest.mark.parametrize("module", MODULES)
def test_importing_any_module_without_the_flag_fails(venv: Venv, module: str) -> None:
    done = venv.run_python(f"import {module}")
    assert done.returncode != 0
    assert "GateError" in done.stderr and "hft-gated-manipulative is locked" in done.stderr


@pytest.mark.venv
@pytest.mark.slow
def test_run_without_the_flag_exits_2_and_no_setting_unlocks_it(venv: Venv, tmp_path: Path) -> None:
    out = tmp_path / "run"
    _assert_locked_refusal(venv.run_hft("run", "spoofing", "--out", str(out)))
    _assert_locked_refusal(venv.run_hft("run", "spoofing", "--set", "educational=true", "--out", str(out)))
    _assert_locked_refusal(venv.run_hft("run", "spoofing", "--set", "scenario.educational=true", "--out", str(out)))
    config = tmp_path / "unlock.toml"
    config.write_text("educational = true\n\n[run]\neducational = true\n")
    _assert_locked_refusal(venv.run_hft("run", "spoofing", "--config", str(config), "--out", str(out)))
    for value in ("0", "true", "yes", ""):  # only the documented HFT_EDUCATIONAL=1 unlocks
        _assert_locked_refusal(venv.run_hft("run", "spoofing", "--out", str(out), env={"HFT_EDUCATIONAL": value}))
    assert not out.exists()  # nothing was written by any refused run
    # Unlocked, 'educational' is still no parameter of the pattern: a config key is never the flag.
    done = venv.run_hft("--educational", "run", "spoofing", "--set", "educational=true", "--out", str(out))
    assert done.returncode == 2 and "educational" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


@pytest.mark.venv
@pytest.mark.slow
def test_flagged_run_is_recorded_as_educational_and_the_next_process_is_locked(venv: Venv, tmp_path: Path) -> None:
    out = tmp_path / "spoofing-run"
    done = venv.run_hft("--educational", "run", "spoofing", "--quiet", "--json", "--duration", "30", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "EDUCATIONAL USE ONLY" in done.stderr
    summary = json.loads(done.stdout)
    assert summary["run_dir"] == str(out) and summary["venue"] == "simulated:reactive"
    meta = json.loads((out / "run.json").read_text())
    assert meta["educational"] is True
    assert (meta["pattern"], meta["package"], meta["status"], meta["scenario"]) == (
        "spoofing",
        "hft-gated-manipulative",
        "complete",
        "reactive",
    )
    log = (out / "log.txt").read_text()
    assert log.count("planted spoofing #") == 12  # six episodes in 30 s, a start and an end line each
    # Surveillance, run from the installed hft-core on the run directory, flags the episodes.
    probe = (
        "import json, sys\nfrom pathlib import Path\nfrom hft_core.cli._surveil import surveil_command\n"
        f"surveil_command(Path({str(out)!r}), True)\n"
    )
    report = venv.run_python(probe)
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["counts"] == {"spoofing": 6}
    # The flag lived in that process only.
    rows = venv.hft_json("list", "--json")
    assert isinstance(rows, list)
    assert {r["status"] for r in rows if r["package"] == "hft-gated-manipulative"} == {"locked"}
    _assert_locked_refusal(venv.run_hft("run", "spoofing", "--out", str(tmp_path / "again")))


@pytest.mark.venv
@pytest.mark.slow
def test_environment_flag_unlocks_and_pattern_scenario_settings_apply(venv: Venv, tmp_path: Path) -> None:
    out = tmp_path / "stuffing-run"
    done = venv.run_hft(
        "run", "quote-stuffing", "--json", "--duration", "5", "--out", str(out), env={"HFT_EDUCATIONAL": "1"}
    )
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "run.json").read_text())["educational"] is True
    config = (out / "config.toml").read_text()
    assert "message_service_ns = 20000" in config


@pytest.mark.venv
@pytest.mark.slow
def test_unlocked_patterns_still_refuse_recorded_data(venv: Venv, tmp_path: Path) -> None:
    data = tmp_path / "book.csv"
    data.write_text("this file is never read\n")
    out = tmp_path / "run"
    for pattern in PATTERNS:
        done = venv.run_hft("--educational", "run", pattern, "--data", str(data), "--out", str(out))
        assert done.returncode == 2, done.stderr
        assert "simulator-only" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


@pytest.mark.venv
@pytest.mark.slow
def test_engine_refuses_a_recorded_venue_from_python(venv: Venv) -> None:
    probe = (
        "from hft_core import ConfigError, Instrument, backtest\n"
        "from hft_core.engine import Engine\n"
        "from hft_core.events import empty_events\n"
        "from hft_core.venues.replay import ReplayVenue\n"
        "from hft_gated_manipulative import Layering, MomentumIgnition, QuoteStuffing, Spoofing\n"
        "for cls in (Spoofing, Layering, MomentumIgnition, QuoteStuffing):\n"
        "    venue = ReplayVenue(empty_events(0), [Instrument('SIM', tick_size=0.01, lot_size=1.0)])\n"
        "    for attempt in (lambda: Engine(cls(), venue), lambda: backtest(cls(), venue=venue)):\n"
        "        try:\n            attempt()\n        except ConfigError as exc:\n"
        "            assert 'simulator-only' in str(exc), exc\n"
        "        else:\n            raise SystemExit(f'{cls.__name__} ran on a recorded venue')\n"
        "print('refused')\n"
    )
    done = venv.run_python(probe, env={"HFT_EDUCATIONAL": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "refused"


@pytest.mark.slow
@pytest.mark.parametrize(
    "settings",
    [{}, {"momentum_size_max": 100, "momentum_cooldown_s": 0.05}, {"message_service_ns": 20_000}],
    ids=["reactive", "momentum-crowd", "slow-gateway"],
)
def test_passive_mm_is_never_flagged_on_the_manipulation_markets(settings: dict[str, Any]) -> None:
    from hft_core import backtest
    from hft_core.surveillance import surveil
    from hft_passive_mm.plugin import PASSIVE_MM

    # Quoting at the touch (half a tick from the mid), 2 lots a side, re-quoting whenever the model's price moves.
    config = PASSIVE_MM.defaults().updated({"half_spread": 0.005, "size": 2.0, "inv_limit": 20.0})
    for seed in (1, 2, 3):
        strategy = PASSIVE_MM.build(config)
        result = backtest(strategy, scenario="reactive", seed=seed, duration_s=60.0, **settings)
        cancelled = int((result.orders["status"] == "cancelled").sum())
        assert len(result.fills) >= 10 and cancelled >= 20, (len(result.fills), cancelled)
        assert surveil(result) == [], (settings, seed)


def test_docs_knob_tables_are_the_generated_ones() -> None:
    """Each pattern's table in docs/manipulation.md is what ``hft --educational info NAME --markdown`` prints."""
    docs = (ROOT / "docs" / "manipulation.md").read_text()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HFT_")}
    for pattern in PATTERNS:
        done = subprocess.run(
            [sys.executable, "-m", "hft_core", "--educational", "info", pattern, "--markdown"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("| knob | type |"), done.stdout
        intro = f"Knobs of `{pattern}` (`hft --educational info {pattern} --markdown`):\n\n"
        assert intro + done.stdout in docs, f"docs/manipulation.md: the table of {pattern!r} is not the generated one"
    # No other (stale) knob table is left in the page.
    assert len(re.findall(r"^\| knob \| type \|", docs, flags=re.MULTILINE)) == len(PATTERNS)
