"""One resolver for every run: the CLI and a notebook give the same run; a run directory reproduces its run; a bad
knob, for every installed pattern, exits 2 naming the knob and its bound and leaves nothing behind."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hft_core import ConfigError, backtest, execute_run, resolve_run
from hft_core.cli import main
from hft_core.data.samples import shared_data_path
from hft_core.gate import set_educational
from hft_core.knobs import KnobSpec
from hft_core.plugins import PluginHost

ROOT = Path(__file__).resolve().parents[3]
OUTPUTS = (
    "config.toml",
    "run.json",
    "orders.parquet",
    "fills.parquet",
    "equity.parquet",
    "round_trips.parquet",
    "summary.json",
    "log.txt",
)


@pytest.fixture
def educational() -> Any:
    """The educational flag on for one test (the gated package refuses to import without it)."""
    set_educational(True)
    yield
    set_educational(False)


def _host() -> PluginHost:
    return PluginHost(educational=True)


def _hft(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run ``hft`` in this process; returns the exit code and stderr."""
    try:
        main(list(args))
        code = 0
    except SystemExit as stop:
        code = int(stop.code or 0)
    return code, capsys.readouterr().err


def _same_run_directories(first: Path, second: Path) -> None:
    for name in OUTPUTS:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@pytest.mark.usefixtures("educational")
def test_every_installed_pattern_declares_every_knob_with_a_knob_annotation() -> None:
    """A knob without help, or a field without a Knob, would break its plugin; none is broken or lacks help."""
    host = _host()
    broken = [(r.name, r.error) for r in host.records() if r.status == "broken"]
    assert not broken, broken
    for name, pattern in host.patterns().items():
        specs = pattern.knobs()
        assert specs, name
        assert all(spec.help.strip() for spec in specs), name


def _bad_values(spec: KnobSpec) -> list[tuple[str, str]]:
    """Values out of ``spec``'s range as --set text, each with the words the error must contain."""
    knob, bad = spec.knob, []
    if spec.choices is not None:
        wrong = "no-such-choice" if spec.kind is str else max(spec.choices) + 1
        bad.append((str(wrong), "must be one of"))
    step = 1 if spec.kind is int else 0.5
    if knob.gt is not None:
        bad.append((f"{knob.gt:g}", f"must be > {knob.gt:g}"))
    if knob.ge is not None:
        bad.append((f"{knob.ge - step:g}", f"must be >= {knob.ge:g}"))
    if knob.lt is not None:
        bad.append((f"{knob.lt:g}", f"must be < {knob.lt:g}"))
    if knob.le is not None:
        bad.append((f"{knob.le + step:g}", f"must be <= {knob.le:g}"))
    if spec.kind is bool:
        bad.append(("maybe", "expects bool"))
    elif spec.kind in (int, float):
        bad.append(("not-a-number", f"expects {spec.type_name}"))
    return bad


def _out_of_range_cases() -> list[tuple[str, str, str, str]]:
    host = _host()
    return [
        (name, spec.name, value, words)
        for name, pattern in sorted(host.patterns().items())
        for spec in pattern.knobs()
        for value, words in _bad_values(spec)
    ]


@pytest.mark.usefixtures("educational")
def test_every_knob_out_of_range_exits_2_naming_the_knob_and_leaves_no_run_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = _out_of_range_cases()
    assert len(cases) > 20 and {"passive-mm"} <= {case[0] for case in cases}
    for pattern, knob, value, words in cases:
        out = tmp_path / f"{pattern}-{knob}"
        code, err = _hft(capsys, "--educational", "run", pattern, "--set", f"{knob}={value}", "--out", str(out))
        assert code == 2, (pattern, knob, value, err)
        assert f"'{knob}'" in err and words in err, (pattern, knob, value, err)
        assert "Traceback" not in err
        assert not out.exists(), (pattern, knob)


def test_size_zero_from_the_command_line() -> None:
    """The issue's own example, as a user types it (a fresh process: no traceback, exit 2, nothing written)."""
    done = subprocess.run(
        [sys.executable, "-m", "hft_core", "run", "passive-mm", "--set", "size=0", "--out", "never"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "error: --set size=0: 'size' must be > 0, got 0.0"
    assert not (ROOT / "never").exists()


def test_a_refused_market_setting_leaves_no_run_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    settings = ("--set", "scenario.lp_size_max=3", "scenario.lp_size_min=9")
    code, err = _hft(capsys, "run", "passive-mm", *settings, "--out", str(out))
    assert code == 2 and "lp_size_min (9) must be <= lp_size_max (3)" in err
    assert not out.exists()


def _readme_notebook_example() -> str:
    text = (ROOT / "README.md").read_text()
    blocks: list[str] = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    (block,) = [b for b in blocks if "backtest(" in b]
    return block


def test_the_readme_notebook_example_makes_the_same_fills_as_hft_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    namespace: dict[str, Any] = {}
    example = _readme_notebook_example()
    exec(compile(example, "README.md", "exec"), namespace)  # the user's code, verbatim
    result = namespace["result"]
    match = re.search(r"# same as: (hft run [^\n]+)", example)
    assert match, "the README example names its hft run equivalent"
    args = match.group(1).split()[1:]
    code, err = _hft(capsys, *args, "--out", str(tmp_path / "cli"), "--quiet")
    assert code == 0, err
    assert len(result.fills) > 100
    cli_fills = pd.read_parquet(tmp_path / "cli" / "fills.parquet")
    pd.testing.assert_frame_equal(result.fills.reset_index(drop=True), cli_fills)


def test_notebook_and_cli_write_byte_identical_run_directories(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backtest(
        "passive-mm", config={"model": "glft", "half_spread": "3ticks"}, seed=4, duration_s=30.0, out=tmp_path / "nb"
    )
    code, err = _hft(
        capsys,
        "run",
        "passive-mm",
        "--set",
        "model=glft",
        "half_spread=3ticks",
        "--seed",
        "4",
        "--duration",
        "30",
        "--out",
        str(tmp_path / "cli"),
        "--quiet",
    )
    assert code == 0, err
    _same_run_directories(tmp_path / "nb", tmp_path / "cli")


def test_a_run_directory_reproduces_its_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, again = tmp_path / "first", tmp_path / "again"
    code, err = _hft(
        capsys,
        "run",
        "passive-mm",
        "--set",
        "inv_skew=0.5",
        "scenario.volatility=0.0005",
        "--seed",
        "9",
        "--duration",
        "20",
        "--out",
        str(first),
        "--quiet",
    )
    assert code == 0, err
    code, err = _hft(capsys, "run", "passive-mm", "--config", str(first / "config.toml"), "--out", str(again), "-q")
    assert code == 0, err
    assert "note" not in err
    _same_run_directories(first, again)

    code, err = _hft(
        capsys, "run", "passive-mm", "-c", str(first / "config.toml"), "--seed", "10", "-o", str(tmp_path / "s"), "-q"
    )
    assert code == 0
    assert f"note: seed 10 (given) overrides seed 9 from {first / 'config.toml'}" in err
    assert "seed = 10" in (tmp_path / "s" / "config.toml").read_text()


def test_a_config_written_for_another_pattern_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[run]\npattern = "statarb-pairs"\nseed = 2\n')
    with pytest.raises(ConfigError, match="written for pattern 'statarb-pairs', not 'passive-mm'"):
        resolve_run("passive-mm", config_file=config)
    config.write_text("[run]\nseed = -1\n")
    with pytest.raises(ConfigError, match=r"seed must be an integer in \[0, 2\*\*63\), got -1"):
        resolve_run("passive-mm", config_file=config)
    config.write_text("[run]\nsede = 3\n")
    with pytest.raises(ConfigError, match=r"unknown key\(s\) 'sede' in \[run\]"):
        resolve_run("passive-mm", config_file=config)


def test_resolution_layers_apply_in_order(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('half_spread = "2ticks"\ntick_ms = 20\n[scenario]\nvolatility = 0.001\ntick_size = 0.1\n')
    # passive-mm with scenario_params of its own (it ships none), under the file's [scenario] table
    pattern = dataclasses.replace(
        PluginHost().get("passive-mm"), scenario_params={"lp_size_max": 3, "volatility": 1e-4}
    )
    spec = resolve_run(
        pattern,
        config_file=config,
        values={"tick_ms": 30},
        assignments=["tick_ms=40", "scenario.tick_size=0.02"],
        scenario={"noise_rate": 2.0},
    )
    assert spec.config.tick_ms == 40 and str(spec.config.half_spread) == "2ticks"  # type: ignore[attr-defined]
    market = spec.scenario_config
    assert market is not None
    assert (market.volatility, market.tick_size, market.noise_rate) == (0.001, 0.02, 2.0)  # type: ignore[attr-defined]
    assert market.lp_size_max == 3  # type: ignore[attr-defined]  # the pattern's own scenario default
    assert spec.scenario is not None and market.lot_size == spec.scenario.base().lot_size  # type: ignore[attr-defined]
    assert spec.seed == 1 and spec.duration_s is None


def test_the_numeraire_is_a_run_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _hft(capsys, "run", "passive-mm", "--numeraire", "XYZ", "--out", str(tmp_path / "bad"), "-q")
    assert code == 2 and "numeraire 'XYZ' is none of this run's assets" in err
    assert not (tmp_path / "bad").exists()
    spec = resolve_run("passive-mm", numeraire="USD", duration_s=5.0)
    assert 'numeraire = "USD"' in spec.config_toml()
    config = tmp_path / "c.toml"
    config.write_text(spec.config_toml())
    assert resolve_run("passive-mm", config_file=config) == spec


def test_allow_unsynced_is_for_replays_and_is_recorded(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="allow_unsynced applies to a data replay"):
        resolve_run("passive-mm", allow_unsynced=True)
    config = tmp_path / "c.toml"
    config.write_text('[run]\nallow_unsynced = "yes"\n')
    with pytest.raises(ConfigError, match="allow_unsynced must be true or false"):
        resolve_run("passive-mm", config_file=config)


@pytest.mark.slow
def test_a_replay_reports_its_datas_counted_repairs() -> None:
    capture = shared_data_path("binance-2024-08-08/spot_btcusdt_20240808.gz")
    spec = resolve_run("passive-mm", data=capture, duration_s=20.0, allow_unsynced=True)
    assert "allow_unsynced = true" in spec.config_toml()
    result, _ = execute_run(spec, write=False)
    checks = result.stats["data_checks"][capture.name]
    assert checks["crossed_updates"] == 0 and checks["book_rows"] > 100_000


def test_a_headline_file_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    headlines = tmp_path / "heads.csv"
    headlines.write_text("timestamp,headline\n2024-01-01 00:00:05,Company beats earnings\n")
    code, err = _hft(
        capsys, "run", "passive-mm", "--text", str(headlines), "--duration", "5", "-o", str(tmp_path / "a")
    )
    assert code == 1 and "has no time zone" in err and not (tmp_path / "a").exists()  # a DataError
    code, err = _hft(capsys, "run", "passive-mm", "--text-tz", "UTC", "--duration", "5", "-o", str(tmp_path / "b"))
    assert code == 2 and "--text-tz applies to a --text headline file" in err
    out = tmp_path / "c"
    args = ("--text", str(headlines), "--text-tz", "UTC", "--duration", "5", "-o", str(out), "-q")
    code, err = _hft(capsys, "run", "passive-mm", *args)
    assert code == 0, err
    assert 'tz = "UTC"' in (out / "config.toml").read_text()
