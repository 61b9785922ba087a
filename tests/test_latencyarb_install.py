"""hft-latency-arb installed alone from wheels: its patterns run and `hft leadlag` is mounted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hft_core.data.samples import shared_data_path

from tests.conftest import Venv

pytestmark = [pytest.mark.venv, pytest.mark.slow]

MakeVenv = Callable[..., Venv]


def test_latency_arb_alone_runs_and_measures_lead_lag(make_venv: MakeVenv, tmp_path: Path) -> None:
    venv = make_venv("hft-core", "hft-latency-arb")
    rows = venv.hft_json("list", "--json")
    assert isinstance(rows, list)
    assert {(r["pattern"], r["package"], r["status"]) for r in rows} == {
        ("latency-arb", "hft-latency-arb", "ok"),
        ("latency-arb-maker", "hft-latency-arb", "ok"),
    }
    summary = venv.hft_json("run", "latency-arb", "--quiet", "--json", "--duration", "20")
    assert isinstance(summary, dict) and summary["duration_s"] == 20.0

    listed = venv.run_hft("--help")
    assert listed.returncode == 0 and "leadlag" in listed.stdout
    missing = venv.run_hft("leadlag", str(tmp_path / "a.gz"), str(tmp_path / "b.gz"))
    assert missing.returncode == 2 and missing.stderr.startswith("error: ") and "Traceback" not in missing.stderr
    data = shared_data_path("binance-2024-08-08")
    spot, perp = data / "spot_btcusdt_20240808.gz", data / "usdm_btcusdt_20240808.gz"
    lead = venv.hft_json("leadlag", str(spot), str(perp), "--n-boot", "20")
    assert isinstance(lead, dict)
    assert lead["leader"] == "second" and "gonzalo_granger_share" in lead["price_discovery"]
