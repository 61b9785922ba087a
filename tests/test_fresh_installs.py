"""What users get from wheels: hft-core alone, a plugin alone, a broken plugin, a gated plugin."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Venv, build_wheel, uv_binary

pytestmark = [pytest.mark.venv, pytest.mark.slow]

MakeVenv = Callable[..., Venv]


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
    assert version.stdout.splitlines() == ["hft-core 0.1.0"]


def test_plugin_installed_alone_is_discovered(make_venv: MakeVenv) -> None:
    venv = make_venv("hft-core", "hft-fixture-touch")
    rows = _rows(venv)
    assert [(r["pattern"], r["package"], r["version"], r["status"]) for r in rows] == [
        ("touch-quoter", "hft-fixture-touch", "0.3.0", "ok")
    ]
    info = venv.hft_json("info", "touch-quoter", "--json")
    assert isinstance(info, dict)
    assert info["package"] == "hft-fixture-touch"
    assert [(p["name"], p["type"], p["default"]) for p in info["parameters"]] == [
        ("size", "float", 1.0),
        ("interval_s", "float", 0.1),
    ]
    assert "hft-fixture-touch 0.3.0" in venv.run_hft("--version").stdout.splitlines()


def test_unknown_pattern_suggests_close_names(make_venv: MakeVenv) -> None:
    venv = make_venv("hft-core", "hft-fixture-touch")
    done = venv.run_hft("info", "touch-quoters")
    assert done.returncode == 2
    assert "Did you mean: touch-quoter" in done.stderr
    assert "Traceback" not in done.stderr


def test_broken_plugin_does_not_break_list(make_venv: MakeVenv) -> None:
    venv = make_venv("hft-core", "hft-fixture-touch", "hft-fixture-broken", "hft-fixture-gated")
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


def test_gated_plugin_locked_without_flag_and_never_imported(make_venv: MakeVenv) -> None:
    venv = make_venv("hft-core", "hft-fixture-touch", "hft-fixture-broken", "hft-fixture-gated")
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
    venv = make_venv("hft-core", "hft-fixture-touch", "hft-fixture-broken", "hft-fixture-gated")
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
    run = venv.run_hft("run", "my-idea", "--quiet", "--json", "--duration", "30", "--out", str(workdir / "run"))
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["orders"] > 0
    shutil.rmtree(plan.root)
