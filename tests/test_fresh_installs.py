"""What users get from wheels: hft-core alone, a plugin alone, broken plugins (a module or a pattern's config that
fails to import, a config field without a Knob), a gated plugin, and a scaffolded pattern installed alone."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hft_core.__about__ import __version__ as core_version

from tests.conftest import Venv, build_wheel, uv_binary

pytestmark = [pytest.mark.venv, pytest.mark.slow]

MakeVenv = Callable[..., Venv]
# One venv holds every fixture: a working plugin, a broken one, one with broken configs and a gated one.
FIXTURES = ("hft-core", "hft-fixture-touch", "hft-fixture-broken", "hft-fixture-badconfig", "hft-fixture-gated")


def _rows(venv: Venv, env: dict[str, str] | None = None, *flags: str) -> list[dict[str, Any]]:
    rows = venv.hft_json(*flags, "list", "--json", env=env)
    assert isinstance(rows, list)
    return rows


def test_core_alone_lists_no_patterns(make_venv: MakeVenv) -> None:
    venv = make_venv("hft-core")
    assert _rows(venv) == []
    shown = venv.run_hft("list")
    assert shown.returncode == 0
    assert "No pattern packages installed" in shown.stdout
    version = venv.run_hft("--version")
    assert version.returncode == 0
    assert version.stdout.splitlines() == [f"hft-core {core_version}"]


def test_plugin_installed_alone_is_discovered(make_venv: MakeVenv) -> None:
    venv = make_venv("hft-core", "hft-fixture-touch")
    rows = _rows(venv)
    assert [(r["pattern"], r["package"], r["version"], r["status"]) for r in rows] == [
        ("touch-quoter", "hft-fixture-touch", "0.3.0", "ok")
    ]
    info = venv.hft_json("info", "touch-quoter", "--json")
    assert isinstance(info, dict)
    assert info["package"] == "hft-fixture-touch"
    assert info["config"] == "hft_fixture_touch.config:TouchConfig"
    assert info["strategy"] == "hft_fixture_touch.strategy:TouchQuoter"
    assert [(p["name"], p["type"], p["default"], p["unit"]) for p in info["parameters"]] == [
        ("size", "float", 1.0, ""),
        ("interval_s", "float", 0.1, "s"),
    ]
    assert venv.run_hft("info", "touch-quoter", "--markdown").stdout.splitlines()[2].startswith("| `size` | float |")
    run = venv.run_hft("run", "touch-quoter", "--quiet", "--json", "--duration", "5", "--set", "size=2")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["orders"] > 0
    assert "hft-fixture-touch 0.3.0" in venv.run_hft("--version").stdout.splitlines()


def test_unknown_pattern_suggests_close_names(make_venv: MakeVenv) -> None:
    venv = make_venv("hft-core", "hft-fixture-touch")
    done = venv.run_hft("info", "touch-quoters")
    assert done.returncode == 2
    assert "Did you mean: touch-quoter" in done.stderr
    assert "Traceback" not in done.stderr


def test_broken_plugin_does_not_break_list(make_venv: MakeVenv) -> None:
    venv = make_venv(*FIXTURES)
    rows = {r["plugin"]: r for r in _rows(venv)}
    assert rows["touch-fixture"]["status"] == "ok"
    assert rows["broken-fixture"]["status"] == "broken"
    assert "not_installed_anywhere" in rows["broken-fixture"]["summary"]
    strict = venv.run_hft("list", env={"HFT_STRICT_PLUGINS": "1"})
    assert strict.returncode != 0
    assert "broken-fixture" in strict.stderr
    assert "Traceback" not in strict.stderr
    disabled = {r["plugin"]: r["status"] for r in _rows(venv, {"HFT_DISABLE_PLUGINS": "broken-fixture"})}
    assert disabled["broken-fixture"] == "disabled"


def test_patterns_with_broken_configs_are_listed_broken_with_the_reason(make_venv: MakeVenv) -> None:
    venv = make_venv(*FIXTURES)
    rows = {r["plugin"]: r for r in _rows(venv)}
    assert rows["touch-fixture"]["status"] == "ok"  # the others' failures do not touch it
    imports = rows["config-import-fixture"]
    assert (imports["pattern"], imports["package"], imports["status"]) == ("-", "hft-fixture-badconfig", "broken")
    assert imports["summary"] == (
        "pattern 'config-import-broken': config: ModuleNotFoundError: No module named 'not_installed_config_dependency'"
    )
    knobless = rows["config-knob-fixture"]
    assert (knobless["pattern"], knobless["status"]) == ("-", "broken")
    assert knobless["summary"].startswith(
        "pattern 'knobless-config': config: TypeError: KnoblessConfig.size: every field needs a Knob in its annotation"
    )
    table = venv.run_hft("list", env={"COLUMNS": "400"})  # the console table says the same (wide: no folding)
    assert table.returncode == 0, table.stderr
    for reason in (imports["summary"], "pattern 'knobless-config': config: TypeError: KnoblessConfig.size: every"):
        lines = [line for line in table.stdout.splitlines() if reason in line]
        assert len(lines) == 1, (reason, table.stdout)
        assert "hft-fixture-badconfig" in lines[0] and "broken" in lines[0], lines[0]
    # Their patterns are not runnable, and asking for one does not crash.
    for pattern in ("config-import-broken", "knobless-config"):
        done = venv.run_hft("info", pattern)
        assert done.returncode == 2 and "unknown pattern" in done.stderr and "Traceback" not in done.stderr
    strict = venv.run_hft("list", env={"HFT_STRICT_PLUGINS": "1"})
    assert strict.returncode != 0 and "Traceback" not in strict.stderr


def test_gated_plugin_locked_without_flag_and_never_imported(make_venv: MakeVenv) -> None:
    venv = make_venv(*FIXTURES)
    rows = {r["pattern"]: r for r in _rows(venv)}
    assert rows["gated-demo"]["status"] == "locked"
    assert "--educational" in rows["gated-demo"]["summary"]
    probe = (
        "import sys\n"
        "from hft_core.plugins import PluginHost\n"
        "records = {r.name: r.status for r in PluginHost().records()}\n"
        "assert records['gated-fixture'] == 'locked', records\n"
        "assert not any(m.startswith('hft_fixture_gated') for m in sys.modules), sorted(sys.modules)\n"
        "print('ok')\n"
    )
    done = venv.run_python(probe)
    assert done.returncode == 0, done.stderr
    run = venv.run_hft("run", "gated-demo")
    assert run.returncode == 2
    assert "locked" in run.stderr and "--educational" in run.stderr
    direct = venv.run_python("import hft_fixture_gated")
    assert direct.returncode != 0
    assert "educational" in direct.stderr


def test_gated_plugin_loads_with_flag(make_venv: MakeVenv) -> None:
    venv = make_venv(*FIXTURES)
    unlocked = {r["pattern"]: r["status"] for r in _rows(venv, None, "--educational")}
    assert unlocked["gated-demo"] == "ok"
    by_env = {r["pattern"]: r["status"] for r in _rows(venv, {"HFT_EDUCATIONAL": "1"})}
    assert by_env["gated-demo"] == "ok"
    # The flag lives in one process: the next invocation is locked again.
    assert {r["pattern"]: r["status"] for r in _rows(venv)}["gated-demo"] == "locked"


def test_scaffolded_pattern_installs_alone_and_runs(
    tmp_path_factory: pytest.TempPathFactory, wheels: Callable[[str], Path]
) -> None:
    from hft_core.scaffold import plan_scaffold, write_scaffold

    workdir = tmp_path_factory.mktemp("scaffold")
    plan = plan_scaffold("my-idea", workdir, workdir)
    write_scaffold(plan)
    wheel = build_wheel(plan.root, workdir)
    venv_dir = tmp_path_factory.mktemp("venv-scaffold")
    venv = Venv(venv_dir)
    subprocess.run([uv_binary(), "venv", "--quiet", "--python", sys.executable, str(venv_dir)], check=True)
    venv.install(wheels("hft-core"), wheel)
    rows = _rows(venv)
    assert [(r["pattern"], r["package"], r["status"]) for r in rows] == [("my-idea", "hft-my-idea", "ok")]
    info = venv.hft_json("info", "my-idea", "--json")
    assert isinstance(info, dict)
    assert [(p["name"], p["type"], p["default"]) for p in info["parameters"]] == [
        ("half_spread", "distance", "0.5ticks"),
        ("size", "size", "1lots"),
        ("max_position", "size", "5lots"),
        ("interval_ms", "int", 500),
    ]
    args = ["--quiet", "--json", "--duration", "30", "--set", "max_position=2lots", "--out", str(workdir / "run")]
    run = venv.run_hft("run", "my-idea", *args)
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["orders"] > 0 and summary["max_inventory"] <= 2.0
    shutil.rmtree(plan.root)
