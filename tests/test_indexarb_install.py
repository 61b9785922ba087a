"""hft-index-arb installed alone from wheels: its patterns and market are discovered and `hft run index-arb` runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Venv

pytestmark = [pytest.mark.venv, pytest.mark.slow]

MakeVenv = Callable[..., Venv]


def test_index_arb_alone_runs_from_its_wheel(make_venv: MakeVenv, tmp_path: Path) -> None:
    venv = make_venv("hft-core", "hft-index-arb")
    rows = venv.hft_json("list", "--json")
    assert isinstance(rows, list)
    assert {(r["pattern"], r["package"], r["status"]) for r in rows} == {
        ("index-arb", "hft-index-arb", "ok"),
        ("etf-arb", "hft-index-arb", "ok"),
        ("basis-carry", "hft-index-arb", "ok"),
    }

    out = tmp_path / "index-run"
    done = venv.run_hft("run", "index-arb", "--quiet", "--json", "--out", str(out))
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["duration_s"] == 300.0 and summary["venue"] == "simulated:index-market(20 names)"
    assert summary["fills"] > 0
    assert json.loads((out / "run.json").read_text())["status"] == "complete"
    # the band and the basis are recorded series, drawn by hft report
    assert (out / "series.parquet").is_file()
    reported = venv.run_hft("report", str(out))
    assert reported.returncode == 0 and (out / "series.png").is_file()

    bad = venv.run_hft("run", "index-arb", "--set", "expiry_days=-1", "--out", str(tmp_path / "bad"))
    assert bad.returncode == 2 and "expiry_days must be >= 0" in bad.stderr and "Traceback" not in bad.stderr
