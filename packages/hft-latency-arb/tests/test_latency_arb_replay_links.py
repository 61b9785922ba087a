"""`hft run latency-arb --data A --data B` with a latency per venue (#19): the replay's ``*_by_data`` knobs.

Each --data file gets its own latency link (docs/replay.md, "Latency links"). On the shared Binance captures the
strategy's orders go to the lagging spot venue only, so its link decides the races; equal latencies per file are
the shared knob exactly. Bad lists exit 2 with one line naming the knob, before any file is read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hft_core.data.samples import shared_data_path

HftCli = Callable[[list[str]], tuple[int, str, str]]
"""The root conftest's ``hft_cli`` fixture: ``hft`` in-process, as (exit code, stdout, stderr)."""

SAME_FILES = ("fills.parquet", "orders.parquet", "equity.parquet", "round_trips.parquet", "log.txt")
"""What a run writes that does not name the venue's knobs: byte for byte the same for the same orders."""


@pytest.fixture(scope="module")
def two_venues() -> list[str]:
    """--data for the USD-M perpetual (instrument 0, the lead) and spot (1, the lagging venue)."""
    data = shared_data_path("binance-2024-08-08")
    return ["--data", str(data / "usdm_btcusdt_20240808.gz"), "--data", str(data / "spot_btcusdt_20240808.gz")]


def _error(hft_cli: HftCli, argv: list[str]) -> str:
    """The one line ``hft`` printed for a run it refused with exit 2."""
    code, _, err = hft_cli(argv)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            ["venue.entry_latency_ms_by_data=0.005"],
            "error: venue.entry_latency_ms_by_data has 1 value(s) for 2 --data file(s): give one per file, "
            "in --data order",
        ),
        (
            ["venue.response_latency_ms_by_data=1,2,3"],
            "error: venue.response_latency_ms_by_data has 3 value(s) for 2 --data file(s): give one per file, "
            "in --data order",
        ),
        (
            ["venue.entry_latency_ms_by_data=1,fast"],
            "error: config: ReplayConfig: entry_latency_ms_by_data value 2 ('fast') is not a number of ms",
        ),
        (
            ["venue.response_latency_ms_by_data=-1,2"],
            "error: config: ReplayConfig: response_latency_ms_by_data value 1 is -1: it must be a finite number "
            ">= 0 (ms)",
        ),
        (
            ["venue.entry_latency_ms_by_data=1,inf"],
            "error: config: ReplayConfig: entry_latency_ms_by_data value 2 is inf: it must be a finite number "
            ">= 0 (ms)",
        ),
        (
            ["venue.latency=lognormal", "venue.entry_latency_ms_by_data=0,1"],
            "error: config: ReplayConfig: entry_latency_ms_by_data value 1 is 0: a lognormal latency needs > 0",
        ),
        (
            ["venue.latency=lognormal", "venue.entry_latency_ms_by_data=1,1", "venue.response_latency_ms=0"],
            "error: config: ReplayConfig: response_latency_ms is 0: a lognormal latency needs > 0",
        ),
        (
            ["venue.entry_latency_ms_by_data=1,2", "venue.response_latency_ms_by_data=1,2,3"],
            "error: config: ReplayConfig: entry_latency_ms_by_data has 2 values and response_latency_ms_by_data "
            "3: give both one per --data file",
        ),
    ],
    ids=[
        "one-for-two",
        "three-for-two",
        "not-a-number",
        "negative",
        "infinite",
        "lognormal-0",
        "lognormal-shared-0",
        "lists-differ",
    ],
)
def test_a_bad_latency_list_exits_2_with_one_line(
    settings: list[str], expected: str, two_venues: list[str], hft_cli: HftCli
) -> None:
    argv = ["run", "latency-arb", *two_venues, "--quiet"]
    for setting in settings:
        argv += ["--set", setting]
    assert _error(hft_cli, argv) == expected


def _run(hft_cli: HftCli, two_venues: list[str], out: Path, *settings: str) -> dict[str, object]:
    argv = ["run", "latency-arb", *two_venues, "--set", "venue.fee_tier=zero", "--out", str(out), "--json"]
    for setting in settings:
        argv += ["--set", setting]
    code, stdout, err = hft_cli(argv)
    assert code == 0, err
    summary: dict[str, object] = json.loads(stdout)
    return summary


@pytest.mark.slow
def test_the_lagging_venues_link_decides_a_race_and_equal_links_are_the_shared_knob(
    two_venues: list[str], hft_cli: HftCli, tmp_path: Path
) -> None:
    shared = _run(hft_cli, two_venues, tmp_path / "shared")  # 1 ms each way, one link for both files
    equal = _run(
        hft_cli, two_venues, tmp_path / "equal", "venue.entry_latency_ms_by_data=1,1",
        "venue.response_latency_ms_by_data=1,1",
    )  # fmt: skip
    for name in SAME_FILES:
        assert (tmp_path / "equal" / name).read_bytes() == (tmp_path / "shared" / name).read_bytes(), name
    named = ("venue", "run_dir")  # (the knobs in words, the --out given)
    assert {k: v for k, v in equal.items() if k not in named} == {k: v for k, v in shared.items() if k not in named}
    assert "latency 1+1, 1+1 ms by file" in str(equal["venue"])

    # co-located at spot (5 us each way) against 20 ms away from it; the lead's link stays 1 ms (no order goes
    # there). One race is lost far away: a buy IOC 188.19 s after the first order meets a stale ask that is gone 13-14
    # ms after the send, so it expires, and the sell that followed its fill is never sent
    near = _run(
        hft_cli, two_venues, tmp_path / "near", "venue.entry_latency_ms_by_data=1,0.005",
        "venue.response_latency_ms_by_data=1,0.005",
    )  # fmt: skip
    far = _run(
        hft_cli, two_venues, tmp_path / "far", "venue.entry_latency_ms_by_data=1,20",
        "venue.response_latency_ms_by_data=1,20",
    )  # fmt: skip
    assert (near["orders"], near["fills"]) == (13, 12)
    assert (far["orders"], far["fills"]) == (12, 10)
    for run, round_trip_ns in (("shared", 2_000_000), ("near", 10_000), ("far", 40_000_000)):
        orders = pd.read_parquet(tmp_path / run / "orders.parquet")
        assert set(orders["instrument"]) == {"BTCUSDT@binance"}  # spot: every order on the lagging venue's link
        assert ((orders["done_ts"] - orders["ts"]) == round_trip_ns).all(), run
