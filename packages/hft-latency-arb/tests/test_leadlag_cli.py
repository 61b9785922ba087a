"""The hft leadlag command: lead-lag and shares on the Binance captures; bad input exits 2 with one line."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from hft_core.data.samples import shared_data_path
from hft_latency_arb import cli

HftCli = Callable[[list[str]], tuple[int, str, str]]
"""The root conftest's ``hft_cli`` fixture: ``hft`` in-process, as (exit code, stdout, stderr)."""


def test_trade_kind_matches_hft_core() -> None:
    from hft_core.events import EventKind

    assert int(EventKind.TRADE) == cli.TRADE_KIND


def test_a_missing_file_exits_2_with_one_line(tmp_path: Path, hft_cli: HftCli) -> None:
    code, _, err = hft_cli(["leadlag", str(tmp_path / "a.gz"), str(tmp_path / "b.gz")])
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1 and "a.gz" in err


@pytest.fixture(scope="module")
def captures() -> tuple[Path, Path, Path]:
    data = shared_data_path("binance-2024-08-08")
    return data / "spot_btcusdt_20240808.gz", data / "usdm_btcusdt_20240808.gz", data / "cm_btcusd_perp_20240808.gz"


def test_a_grid_finer_than_the_captures_milliseconds_exits_2(
    captures: tuple[Path, Path, Path], hft_cli: HftCli
) -> None:
    spot, perp, _ = captures
    code, _, err = hft_cli(["leadlag", str(spot), str(perp), "--step-ms", "0.1", "--max-lag-ms", "1"])
    assert code == 2 and "finer than the timestamps' resolution" in err


@pytest.mark.slow
def test_spot_and_perp_lead_and_shares(captures: tuple[Path, Path, Path], tmp_path: Path, hft_cli: HftCli) -> None:
    spot, perp, _ = captures
    argv = ["leadlag", str(spot), str(perp), "--n-boot", "50", "--out", str(tmp_path / "ll")]
    code, out, err = hft_cli(argv)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["lead_lag_ms"] < 0  # the perpetual (second) leads spot
    shares = summary["price_discovery"]
    gg = shares["gonzalo_granger_share"]
    assert abs(sum(gg) - 1) < 1e-9
    (low_a, high_a), (low_b, high_b) = shares["hasbrouck_share_bounds"]
    assert 0 <= low_a <= high_a <= 1 and 0 <= low_b <= high_b <= 1
    assert abs(low_a + high_b - 1) < 1e-9 and abs(high_a + low_b - 1) < 1e-9
    assert json.loads((tmp_path / "ll" / "leadlag.json").read_text()) == summary
    assert (tmp_path / "ll" / "leadlag.png").stat().st_size > 0
    code, _, err = hft_cli(["leadlag", str(spot), str(perp), "--vecm-lags", "0"])
    assert (code, err) == (2, "error: VECM lags must be an integer in [1, 100], got 0\n")


def _trades_csv(path: Path, start_ns: int, *, trades: bool = True, noise: int = 0) -> Path:
    """An order-by-order (``l3``) capture of 1,000 rows 20 ms apart, printing one random walk in cents (seed 19)
    plus a cent of noise drawn with seed ``noise``: anonymous trades, or resting adds only."""
    walk, jitter = random.Random(19), random.Random(noise)
    cents = 10_000
    rows = ["time,order_id,side,price,size,action"]
    for i in range(1_000):
        cents += walk.choice((-1, 0, 1))
        price = (cents + jitter.choice((-1, 0, 1))) / 100
        if trades:
            rows.append(f"{start_ns + i * 20_000_000},,{('buy', 'sell')[i % 2]},{price:.2f},1,trade")
        else:
            rows.append(f"{start_ns + i * 20_000_000},{i + 1},buy,{price:.2f},1,add")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_trades_only_captures_are_read_and_bad_pairs_exit_2_with_one_line(tmp_path: Path, hft_cli: HftCli) -> None:
    start = 1_700_000_000_000_000_000
    btc = _trades_csv(tmp_path / "BTCUSDT.csv", start)
    (tmp_path / "later").mkdir()
    other = _trades_csv(tmp_path / "BTCUSD_PERP.csv", start + 1_000_000, noise=1)
    code, out, err = hft_cli(["leadlag", str(btc), str(other), "--n-boot", "10", "--max-lag-ms", "10"])
    assert code == 0, err  # trades alone: no book is needed for a lead-lag estimate
    assert json.loads(out)["lead_lag_ns"] == 1_000_000  # the second file is the first, 1 ms later: the first leads
    cases = {
        "mismatched instruments": (_trades_csv(tmp_path / "ETHUSDT.csv", start), "not the same underlying"),
        "no trades": (_trades_csv(tmp_path / "BTCUSDC.csv", start, trades=False), "0 trades"),
        "disjoint times": (_trades_csv(tmp_path / "later" / "BTCUSDT.csv", start + 10**12), "do not overlap"),
        "a copy": (_trades_csv(tmp_path / "later" / "BTC_PERP.csv", start), "perfectly correlated"),
    }
    for case, (second, message) in cases.items():
        code, _, err = hft_cli(["leadlag", str(btc), str(second), "--n-boot", "10", "--step-ms", "20"])
        assert (code, err.count("\n")) == (2, 1) and err.startswith("error: ") and message in err, case
