"""hft-news-algo installed alone from wheels: the pattern runs on its market and `hft news-study` is mounted."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Venv

pytestmark = [pytest.mark.venv, pytest.mark.slow]

MakeVenv = Callable[..., Venv]


def test_news_algo_alone_runs_and_studies(make_venv: MakeVenv, tmp_path: Path) -> None:
    venv = make_venv("hft-core", "hft-news-algo")
    rows = venv.hft_json("list", "--json")
    assert isinstance(rows, list)
    assert {(r["pattern"], r["package"], r["status"]) for r in rows} == {("news-algo", "hft-news-algo", "ok")}

    out = tmp_path / "news-run"
    done = venv.run_hft("run", "news-algo", "--quiet", "--json", "--duration", "30", "--out", str(out))
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["duration_s"] == 30.0 and summary["text"]["delivered"] > 0
    assert json.loads((out / "run.json").read_text())["status"] == "complete"

    listed = venv.run_hft("--help")
    assert listed.returncode == 0 and "news-study" in listed.stdout
    study = venv.hft_json("news-study", "--seed", "2", "--duration", "30", "--horizons", "1,5", "--json")
    assert isinstance(study, dict)
    assert study["scorer"] == "vader" and study["counts"]["items"] > 0

    bad = venv.run_hft("news-study", "--horizons", "-1")
    assert bad.returncode == 2 and "horizons must be positive" in bad.stderr and "Traceback" not in bad.stderr
