"""hft-statarb installed alone from wheels: its patterns are found and `hft run statarb-pairs` works end to end."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Venv

pytestmark = [pytest.mark.venv, pytest.mark.slow]

MakeVenv = Callable[..., Venv]


def test_statarb_alone_lists_its_patterns_and_runs_pairs(make_venv: MakeVenv, tmp_path: Path) -> None:
    # hft-core comes from the sibling wheel (its pinned minor range must not reach for the index).
    venv = make_venv("hft-core", "hft-statarb")
    origin = venv.run_python(
        "import importlib.metadata as m\n"
        "for dist in ('hft-core', 'hft-statarb'):\n"
        "    print(m.distribution(dist).read_text('direct_url.json'))\n"
    )
    assert origin.returncode == 0, origin.stderr
    urls = [json.loads(line)["url"] for line in origin.stdout.splitlines()]
    assert [Path(url).name.split("-")[0] for url in urls] == ["hft_core", "hft_statarb"]
    assert all(url.startswith("file://") and url.endswith(".whl") for url in urls)
    rows = venv.hft_json("list", "--json")
    assert isinstance(rows, list)
    assert {(r["pattern"], r["package"], r["status"]) for r in rows} == {
        ("statarb-pairs", "hft-statarb", "ok"),
        ("statarb-pca", "hft-statarb", "ok"),
        ("triangular-arb", "hft-statarb", "ok"),
    }
    info = venv.hft_json("info", "statarb-pairs", "--json")
    assert isinstance(info, dict)
    assert info["package"] == "hft-statarb"
    assert any("Engle" in reference for reference in info["references"])

    out = tmp_path / "pairs-run"
    done = venv.run_hft("run", "statarb-pairs", "--quiet", "--json", "--duration", "30", "--out", str(out))
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["duration_s"] == 30.0
    assert summary["venue"] == "simulated:fast-cointegrated-pair"
    assert summary["rejected"] == 0
    meta = json.loads((out / "run.json").read_text())
    assert meta["status"] == "complete" and meta["package"] == "hft-statarb"
    assert set(meta["versions"]) == {"hft-core", "hft-statarb"}
    assert "pairs: y=Y x=X" in (out / "log.txt").read_text()

    bad = venv.run_hft("run", "statarb-pairs", "--set", "coint_level=0.2", "--out", str(tmp_path / "bad"))
    assert bad.returncode == 2
    assert "'coint_level' must be one of" in bad.stderr and "Traceback" not in bad.stderr
