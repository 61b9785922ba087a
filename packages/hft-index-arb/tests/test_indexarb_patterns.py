"""index-arb and etf-arb on the index market: registration, determinism, the band, fees, bad input."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hft_core import ConfigError
from hft_core.plugins import PluginHost
from hft_core.runs import execute_run, resolve_run
from hft_index_arb import plugin
from hft_index_arb.config import EtfArbConfig, IndexArbConfig
from hft_index_arb.records import band_series


def _host() -> PluginHost:
    return PluginHost(discover=False, extra=[("hft-index-arb", plugin)])


def _run(
    name: str, *assignments: str, seed: int = 3, duration_s: float = 120.0
) -> tuple[int, str, list[str], pd.DataFrame]:
    """Fills, the fills as CSV, the log and the band (`band_series`) of one run."""
    spec = resolve_run(name, assignments=list(assignments), seed=seed, duration_s=duration_s, host=_host())
    result, _ = execute_run(spec, write=False)
    return len(result.fills), result.fills.to_csv(), result.logs, band_series(result)


def test_patterns_and_market_register() -> None:
    host = _host()
    assert {"index-arb", "etf-arb", "basis-carry"} <= set(host.patterns())
    host.scenario("index-market").resolve({"names": 500})
    with pytest.raises(ConfigError, match="units"):
        IndexArbConfig(units=20, max_units=10)
    with pytest.raises(ConfigError, match="future_currency"):
        host.scenario("index-market").resolve({"future_currency": "usd"})


@pytest.mark.parametrize("name", ["index-arb", "etf-arb"])
def test_a_run_is_deterministic_and_trades_both_legs(name: str) -> None:
    fills, csv, logs, bands = _run(name, duration_s=120.0)
    assert (fills, csv) == _run(name, duration_s=120.0)[:2]
    assert fills > 0
    derivative = "IDXF/USD" if name == "index-arb" else "IDXE/USD"
    assert derivative in csv and "S000/USD" in csv
    assert len(bands) == 120 and not bands.isna().any().any()
    assert any("EXEC" in line for line in logs)


@pytest.mark.parametrize(
    ("name", "quiet"),
    [
        ("index-arb", ["scenario.future_noise_bp=0", "scenario.future_lag_ms=0"]),
        ("etf-arb", ["scenario.etf_noise_bp=0", "scenario.etf_lag_ms=0"]),
    ],
)
def test_a_basis_that_never_leaves_the_band_makes_no_trades(name: str, quiet: list[str]) -> None:
    # The future's (ETF's) traders price it exactly at fair value: only the tick grid moves it off.
    fills, _, _, bands = _run(name, *quiet)
    assert len(bands) >= 50
    assert ((bands["lower"] <= bands["price"]) & (bands["price"] <= bands["upper"])).all()
    assert fills == 0


@pytest.mark.parametrize("name", ["index-arb", "etf-arb"])
def test_widening_fees_shrinks_trading(name: str) -> None:
    counts = [_run(name, f"scenario.taker_fee_bp={fee}")[0] for fee in (0.0, 0.5, 1.0, 2.0)]
    assert counts[0] > 0
    assert all(a >= b for a, b in itertools.pairwise(counts)), counts
    assert counts[-1] < counts[0]


@pytest.mark.parametrize("execution", ["almgren-chriss", "twap", "sweep"])
def test_every_execution_method_runs(execution: str) -> None:
    fills, _, logs, _ = _run("index-arb", f"execution={execution}")
    assert fills > 0
    assert any(f"EXEC {execution}" in line for line in logs)


def _hft(*args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HFT_")}
    return subprocess.run(
        [sys.executable, "-m", "hft_core", *args], capture_output=True, text=True, env=clean, timeout=300
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "expiry_days=-2"], "expiry_days must be >= 0"),
        (["--set", "scenario.future_currency=EUR"], "inconsistent currencies: IDXF/EUR is quoted in EUR but S000/USD"),
        (["--set", "units=3", "max_units=2"], "units (3) must be <= max_units (2)"),
    ],
)
def test_bad_input_exits_2_with_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    done = _hft("run", "index-arb", "--quiet", "--duration", "5", "--out", str(tmp_path / "run"), *args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_basket_missing_from_the_data_exits_2(tmp_path: Path) -> None:
    from hft_core.data.samples import shared_data_path

    spot = shared_data_path("binance-2024-08-08/spot_btcusdt_20240808.gz")
    done = _hft("run", "etf-arb", "--data", str(spot), "--duration", "5", "--out", str(tmp_path / "run"))
    assert done.returncode == 2, done.stderr
    assert "basket instruments missing" in done.stderr and "BTCUSDT" in done.stderr
    assert "Traceback" not in done.stderr
    assert EtfArbConfig().units == 5


@pytest.mark.slow
def test_basis_carry_on_the_binance_captures_applies_fees() -> None:
    from hft_core.data.samples import shared_data_path

    data = [
        shared_data_path("binance-2024-08-08/spot_btcusdt_20240808.gz"),
        shared_data_path("binance-2024-08-08/usdm_btcusdt_20240808.gz"),
    ]

    def run(*assignments: str) -> tuple[dict[str, object], list[str]]:
        spec = resolve_run("basis-carry", data=data, assignments=list(assignments), duration_s=120.0, host=_host())
        result, _ = execute_run(spec, write=False)
        return result.stats, result.logs

    # Binance's standard tiers (spot taker 10 bp, USD-M taker 5 bp) outweigh a basis of a few bp: no trade.
    stats, logs = run()
    assert "fees=15.00bp" in next(line for line in logs if "BASIS " in line)
    assert stats["fills"] == 0
    # At 0.5 bp a leg the basis pays, and every fill pays its fee.
    stats, logs = run("venue.fee_tier=custom", "venue.taker_fee_bp=0.5")
    assert isinstance(stats["fills"], int) and stats["fills"] > 0
    assert isinstance(stats["fees_paid"], float) and stats["fees_paid"] > 0
    assert any("CARRY " in line for line in logs)


def test_band_series_reads_the_band_back_and_the_report_draws_it(tmp_path: Path) -> None:
    from hft_core.report import write_report

    spec = resolve_run("index-arb", seed=3, duration_s=30.0, host=_host())
    result, _ = execute_run(spec, out=tmp_path / "run")
    frame = band_series(tmp_path / "run")
    assert len(frame) == 30
    assert (frame["lower"] <= frame["fair"]).all() and (frame["fair"] <= frame["upper"]).all()
    assert frame["basis"].to_numpy() == pytest.approx((frame["price"] - frame["fair"]).to_numpy(), abs=1e-9)
    assert band_series(result).equals(frame)
    assert band_series(tmp_path / "run" / "series.parquet").equals(frame)
    assert not any(" BAND " in line for line in result.logs)  # recorded once, in series.parquet
    names = set(result.series["name"])
    assert {"basis", "basis.band_low", "basis.band_high", "price.fair", "price.spot", "price.future"} == names
    run, written = write_report(tmp_path / "run")
    assert tmp_path / "run" / "series.png" in written
    assert (tmp_path / "run" / "series.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert 'alt="series.png"' in (tmp_path / "run" / "report.html").read_text()
    assert run.series["name"].tolist() == result.series["name"].tolist()


def test_band_series_of_a_missing_file_names_it(tmp_path: Path) -> None:
    from hft_core import DataError

    with pytest.raises(DataError, match=r"series\.parquet: no such file"):
        band_series(tmp_path)


def test_same_seed_writes_byte_identical_run_directories(tmp_path: Path) -> None:
    for name in ("a", "b"):
        spec = resolve_run("index-arb", assignments=["units=2"], seed=4, duration_s=40.0, host=_host())
        execute_run(spec, out=tmp_path / name)
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert {"fills.parquet", "log.txt", "series.parquet"} <= set(files)
    assert files == sorted(p.name for p in (tmp_path / "b").iterdir())
    for file in files:
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file


@pytest.mark.parametrize("name", ["index-arb", "etf-arb"])
def test_counting_exit_costs_trades_less(name: str) -> None:
    fills = _run(name)[0]
    fewer, _, _, bands = _run(name, "exit_costs=true")
    assert 0 < fewer < fills
    assert len(bands) and (bands["lower"] < bands["upper"]).all()
