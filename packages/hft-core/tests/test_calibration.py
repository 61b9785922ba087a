"""``hft calibrate``: refusals with exit 2, a file ``hft run --config`` accepts, determinism, fits near the truth."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hft_core import create_scenario
from hft_core.calibration import CalibrationError, calibrate
from hft_core.cli._main import main
from hft_core.data.eventfile import save_events_npz
from hft_core.data.instrument_spec import SPEC_KEY, instrument_to_dict
from hft_core.events import BUY, SELL, EventKind, Events, empty_events
from hft_core.instruments import Instrument
from hft_core.realism import load_market_source
from hft_core.runs import resolve_run
from hft_core.venues.base import Watch
from hft_core.venues.simulated import SimulatedVenue

T0 = 1_704_205_800_000_000_000
# A known market to calibrate to: informed takers, Hawkes noise, a requoting maker (as calibrate builds).
TRUTH: dict[str, Any] = {
    "volatility": 3e-4,
    "fair_step_ms": 10,
    "imbalance_look_rate": 0.0,
    "momentum_look_rate": 0.0,
    "value_look_rate": 0.0,
    "lp_fair_weight": 1.0,
    "lp_cancel_stale": True,
    "lp_order_rate": 10.0,
    "mm_requote_rate": 50.0,
    "mm_size": 20,
    "noise_rate": 4.0,
    "noise_size_max": 500,
    "noise_size_median": 5.0,
    "noise_size_log_sd": 1.0,
    "noise_hawkes_branching": 0.5,
    "noise_hawkes_cross": 0.5,
    "noise_hawkes_decay": 10.0,
    "informed_share": 0.3,
    "informed_horizon_s": 2.0,
}


def run_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    return int(done.value.code or 0)


def write(path: Path, events: Events, instrument: Instrument) -> Path:
    return save_events_npz(path, events, {SPEC_KEY: instrument_to_dict(instrument)})


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five simulated minutes of the TRUTH market, recorded as an events file."""
    venue = create_scenario("single-instrument", seed=11, duration_s=300.0, record=True, **TRUTH)
    assert isinstance(venue, SimulatedVenue)
    venue.start()
    venue.advance(venue.end_ns, Watch())
    return write(tmp_path_factory.mktemp("capture") / "truth.npz", venue.recorded_market_data(), venue.instruments[0])


def book_and_trades(seconds: int, trades: bool) -> Events:
    """A two-sided book that moves every second for ``seconds``, with a trade each second if ``trades``."""
    rows = []
    for s in range(seconds + 1):
        ts = T0 + s * 1_000_000_000
        price = 1000 + (s % 3)
        rows += [(ts, ts, price, 5, 0, 0, EventKind.DEPTH, BUY), (ts, ts, price + 1, 5, 0, 0, EventKind.DEPTH, SELL)]
        rows += [
            (ts, ts, price - 1, 0, 0, 0, EventKind.DEPTH, BUY),
            (ts, ts, price + 2, 0, 0, 0, EventKind.DEPTH, SELL),
        ]
        if trades:
            rows.append((ts + 1, ts + 1, price + 1, 1, 0, 0, EventKind.TRADE, BUY if s % 2 else SELL))
    events = empty_events(len(rows))
    for i, row in enumerate(rows):
        events[i] = row
    return events


INSTRUMENT = Instrument("TEST", 0.01, 1.0, venue="test")


def test_refusals_exit_2_with_what_the_capture_lacks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "market.toml")
    short = write(tmp_path / "short.npz", book_and_trades(30, True), INSTRUMENT)
    assert run_cli("calibrate", str(short), "--out", out) == 2
    assert "short.npz: capture too short: 29.9 s of two-sided book, at least 60 s needed" in capsys.readouterr().err
    quiet = write(tmp_path / "quiet.npz", book_and_trades(200, False), INSTRUMENT)
    assert run_cli("calibrate", str(quiet), "--out", out) == 2
    assert "quiet.npz: no trades in the capture" in capsys.readouterr().err
    sparse = write(tmp_path / "sparse.npz", book_and_trades(80, True), INSTRUMENT)
    assert run_cli("calibrate", str(sparse), "--out", out) == 2
    assert "81 taker orders, at least 100 needed" in capsys.readouterr().err
    mixed_events = book_and_trades(200, True)
    mixed_events["instrument"][::2] = 1
    mixed = write(tmp_path / "mixed.npz", mixed_events, INSTRUMENT)
    assert run_cli("calibrate", str(mixed), "--out", out) == 2
    assert "mixed.npz: holds 2 instruments" in capsys.readouterr().err
    assert run_cli("calibrate", str(tmp_path / "absent.gz"), "--out", out) == 2
    assert "no such file" in capsys.readouterr().err
    assert not Path(out).exists()


def test_calibrated_file_is_a_config_for_hft_run_and_reproducible(
    capture: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "market.toml"
    args = ("calibrate", str(capture), "--out", str(out), "--iterations", "1", "--sim-duration", "30")
    assert run_cli(*args) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    text = out.read_text()
    assert run_cli(*args) == 2
    assert "--force" in capsys.readouterr().err
    assert run_cli(*args, "--force") == 0
    assert out.read_text() == text  # same capture, same arguments: the same file
    assert "# capture vs the calibration runs (1 of 30 s" in text
    assert "± " in text  # standard errors of the direct fits
    scenario = tomllib.loads(text)["scenario"]
    spec = resolve_run("passive-mm", config_file=out)
    assert spec.scenario_config is not None
    resolved = spec.scenario_config.to_dict()
    assert all(resolved[key] == value for key, value in scenario.items())
    # passive-mm's default market is the shipped calibration (btcusdt-perp): the file sets every knob that market
    # sets, so nothing of the shipped calibration is left in a run on the user's own.
    assert spec.scenario is not None and set(spec.scenario.defaults) <= set(scenario)
    assert run_cli("run", "passive-mm", "--config", str(out), "--duration", "5", "--out", str(tmp_path / "run")) == 0
    # The run's summary says which market its result comes from.
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["venue"] == "simulated:btcusdt-perp [calibrated to truth.npz (SIM, 300 s) by market.toml]"


def test_direct_fits_recover_the_market_that_made_the_capture(capture: Path) -> None:
    source = load_market_source(capture)
    result = calibrate(source, iterations=0)
    knobs = result.knobs
    assert knobs["tick_size"] == 0.01 and knobs["lot_size"] == 1.0
    assert knobs["price"] == pytest.approx(100.0, rel=0.05)
    assert knobs["volatility"] == pytest.approx(TRUTH["volatility"], rel=0.2)
    assert knobs["noise_size_log_sd"] == pytest.approx(TRUTH["noise_size_log_sd"], abs=0.3)
    assert knobs["noise_size_median"] == pytest.approx(TRUTH["noise_size_median"], rel=0.3)
    total = knobs["noise_rate"] / (1 - knobs["informed_share"])
    assert total == pytest.approx(TRUTH["noise_rate"] / (1 - TRUTH["informed_share"]), rel=0.2)
    assert result.fitted["volatility"].se > 0
    with pytest.raises(CalibrationError, match="iterations"):
        calibrate(source, iterations=-1)
