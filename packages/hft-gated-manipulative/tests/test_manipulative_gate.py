"""The gate from inside the package: no module imports without the flag; every strategy is simulator-only."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hft_core import ConfigError, Instrument, Strategy
from hft_core.engine import Engine
from hft_core.events import empty_events
from hft_core.venues.replay import ReplayVenue

RunPython = Callable[..., subprocess.CompletedProcess[str]]

MODULES = (
    "hft_gated_manipulative",
    "hft_gated_manipulative.__about__",
    "hft_gated_manipulative.config",
    "hft_gated_manipulative.episodes",
    "hft_gated_manipulative.spoofing",
    "hft_gated_manipulative.momentum_ignition",
    "hft_gated_manipulative.quote_stuffing",
    "hft_gated_manipulative.plugin",
    "hft_gated_manipulative.studies",
)


@pytest.mark.parametrize("module", MODULES)
def test_no_module_imports_without_the_flag(module: str, run_python: RunPython) -> None:
    done = run_python(f"import {module}")
    assert done.returncode != 0
    assert "GateError" in done.stderr
    assert "hft-gated-manipulative is locked" in done.stderr
    assert "--educational" in done.stderr and "HFT_EDUCATIONAL=1" in done.stderr


def test_the_flag_is_per_process(run_python: RunPython) -> None:
    probe = "import hft_gated_manipulative as m; print(m.__version__)"
    unlocked = run_python(probe, educational=True)
    assert unlocked.returncode == 0, unlocked.stderr
    about = (Path(__file__).parents[1] / "src" / "hft_gated_manipulative" / "__about__.py").read_text()
    assert f'__version__ = "{unlocked.stdout.strip()}"' in about
    # A later process without the flag is refused again: nothing was remembered.
    assert run_python(probe).returncode != 0
    # Setting the flag after a refused import does not leave a half-imported package behind to reuse.
    retry = (
        "import sys\n"
        "try:\n    import hft_gated_manipulative\nexcept ImportError:\n    pass\n"
        "assert 'hft_gated_manipulative' not in sys.modules, 'half-imported package left behind'\n"
        "print('refused cleanly')\n"
    )
    done = run_python(retry)
    assert done.returncode == 0, done.stderr
    assert "refused cleanly" in done.stdout


def test_plugin_host_lists_locked_patterns_without_importing(run_python: RunPython) -> None:
    probe = (
        "import sys\n"
        "from hft_core.plugins import PluginHost\n"
        "host = PluginHost()\n"
        "(record,) = [r for r in host.records() if r.package == 'hft-gated-manipulative']\n"
        "assert record.status == 'locked', record\n"
        "print(sorted(record.locked_patterns))\n"
        "assert not [m for m in sys.modules if m.startswith('hft_gated_manipulative')]\n"
        "try:\n    host.get('spoofing')\nexcept Exception as exc:\n    print(type(exc).__name__, exc)\n"
        "assert not [m for m in sys.modules if m.startswith('hft_gated_manipulative')]\n"
    )
    done = run_python(probe)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "['layering', 'momentum-ignition', 'quote-stuffing', 'spoofing']"
    assert lines[1].startswith("UnknownPatternError pattern 'spoofing' (from hft-gated-manipulative) is locked")


@pytest.mark.usefixtures("unlocked")
def test_every_strategy_refuses_a_recorded_market() -> None:
    from hft_gated_manipulative import Layering, MomentumIgnition, QuoteStuffing, Spoofing

    instrument = Instrument("SIM", tick_size=0.01, lot_size=1.0)
    strategies: list[Strategy] = [Spoofing(), Layering(), MomentumIgnition(), QuoteStuffing()]
    for strategy in strategies:
        assert type(strategy).simulator_only is True
        replay = ReplayVenue(empty_events(0), [instrument])
        assert replay.simulated is False
        with pytest.raises(ConfigError, match="simulator-only"):
            Engine(strategy, replay)
