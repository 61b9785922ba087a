"""Replays from the CLI through the typed contract: venue knobs, instrument options, LOBSTER, feed clocks (#17)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hft_core.config import split_run_sections
from hft_core.data.samples import shared_data_path
from hft_core.errors import ConfigError
from hft_core.runs import execute_run, resolve_run
from hft_core.venues.replay import (
    ClippedNormal,
    Lognormal,
    Power3ProbQueue,
    PowerProbQueue,
    ReplayVenue,
    SampledLatency,
)
from hft_core.venues.replay.config import ReplayConfig

LOBSTER = "lobster-amzn-2012-06-21-l1/AMZN_2012-06-21_34200000_57600000_message_1.csv"
T0 = 1_700_000_000_000_000_000


def _capture(path: Path, symbol: str = "XYZUSDT", lag_ms: int = 1_250) -> Path:
    """A spot capture of a symbol outside the table whose local clock runs ``lag_ms`` behind the exchange's."""
    e0 = T0 // 1_000_000 + lag_ms
    messages: list[dict[str, object]] = [
        {"lastUpdateId": 100, "bids": [["10.005", "5.25"]], "asks": [["10.020", "3.00"]]},
        {"e": "depthUpdate", "E": e0 + 1, "s": symbol, "U": 101, "u": 101, "b": [["10.010", "1.75"]], "a": []},
        {"e": "trade", "E": e0 + 2, "T": e0 + 2, "s": symbol, "t": 1, "p": "10.020", "q": "0.25", "m": False},
        {"e": "depthUpdate", "E": e0 + 3, "s": symbol, "U": 102, "u": 102, "b": [], "a": [["10.015", "0.25"]]},
    ]
    path.write_text("".join(f"{T0 + i * 1_000_000} {json.dumps(m)}\n" for i, m in enumerate(messages)))
    return path


def test_venue_texts_are_split_from_the_pattern_and_scenario_texts() -> None:
    sections = split_run_sections(
        {"venue": {"queue": "log"}, "gamma": 1}, ["venue.fee_tier=zero", "scenario.seed_price=5", "a=1"], "c.toml"
    )
    assert sections.venue_assignments == ["fee_tier=zero"]
    assert sections.scenario_assignments == ["seed_price=5"]
    assert sections.pattern_assignments == ["a=1"]
    assert sections.tables == {"venue": {"queue": "log"}} and sections.values == {"gamma": 1}
    with pytest.raises(ConfigError, match=r"expected venue\.KEY=VALUE"):
        split_run_sections({}, ["venue.=1"], "c.toml")


def test_replay_config_builds_the_models_and_refuses_what_does_not_apply() -> None:
    assert ReplayConfig().describe() == (
        "fees: each instrument's standard tier; latency 1+1 ms; queue risk-averse; partial fills"
    )
    drawn = ReplayConfig(latency="lognormal", entry_latency_ms=2.0, latency_sigma=0.3).latency_model(7)
    assert drawn == SampledLatency(Lognormal(2e6, 0.3), Lognormal(1e6, 0.3), 7)
    normal = ReplayConfig(latency="normal", latency_sigma=0.1).latency_model(3)
    assert normal == SampledLatency(ClippedNormal(1e6, 1e5), ClippedNormal(1e6, 1e5), 3)
    assert ReplayConfig(queue="power", queue_power=1.5).queue_model() == PowerProbQueue(1.5)
    assert ReplayConfig(queue="power3").queue_model() == Power3ProbQueue(3.0)
    with pytest.raises(ConfigError, match=r"set venue\.fee_tier=custom"):
        ReplayConfig(maker_fee_bp=1.0)
    with pytest.raises(ConfigError, match="'taker_fee_bp' must be >= -100, got -101"):
        ReplayConfig().updated({"taker_fee_bp": -101}, source="test")


def test_a_data_run_resolves_its_venue_and_grid_and_its_config_toml_reproduces_the_spec(tmp_path: Path) -> None:
    source = _capture(tmp_path / "xyz.txt")
    spec = resolve_run(
        "passive-mm",
        data=source,
        assignments=["venue.fee_tier=custom", "venue.maker_fee_bp=-1", "venue.taker_fee_bp=4"],
        lot_size=0.05,
        seed=3,
    )
    assert spec.venue_config == ReplayConfig(fee_tier="custom", maker_fee_bp=-1.0, taker_fee_bp=4.0)
    assert spec.grid == {"lot_size": 0.05}
    text = spec.config_toml()
    assert '[venue]\nfee_tier = "custom"\nmaker_fee_bp = -1.0\ntaker_fee_bp = 4.0\n' in text
    assert "lot_size = 0.05" in text
    saved = tmp_path / "config.toml"
    saved.write_text(text)
    again = resolve_run("passive-mm", config_file=saved)
    assert again == spec and again.config_toml() == text
    assert spec.meta()["venue"]["maker_fee_bp"] == -1.0 and spec.meta()["instrument"] == {"lot_size": 0.05}

    venue = spec.build_venue()
    assert isinstance(venue, ReplayVenue)
    (instrument,) = venue.instruments
    assert (instrument.tick_size, instrument.lot_size) == (0.005, 0.05)
    assert (instrument.fees.maker, instrument.fees.taker) == pytest.approx((-1e-4, 4e-4))
    # the feed clock: 1.25 s behind the exchange's, corrected and said so
    assert venue.clock_offset_ns == 1_250_000_000  # the lag every message of the capture has
    assert "local clock +1250.000 ms" in venue.name and "fees maker/taker -1/4 bp (custom)" in venue.name


def test_the_standard_tier_is_the_default_and_venue_settings_need_data(tmp_path: Path) -> None:
    venue = resolve_run("passive-mm", data=_capture(tmp_path / "xyz.txt")).build_venue()
    assert (venue.instruments[0].fees.maker, venue.instruments[0].fees.taker) == (0.001, 0.001)  # Binance spot
    with pytest.raises(ConfigError, match=r"venue settings .* apply to a data replay"):
        resolve_run("passive-mm", assignments=["venue.fee_tier=zero"])
    with pytest.raises(ConfigError, match="--symbol/--tick-size/--lot-size apply to a data replay"):
        resolve_run("passive-mm", tick_size=0.01)
    with pytest.raises(ConfigError, match=r"unknown key 'queu' for the replay venue \(did you mean 'queue'"):
        resolve_run("passive-mm", data=tmp_path / "xyz.txt", assignments=["venue.queu=log"])
    config = tmp_path / "c.toml"
    config.write_text('[run]\ntick_size = "fine"\n')
    with pytest.raises(ConfigError, match=r"\[run\]: tick_size must be a positive number, got 'fine'"):
        resolve_run("passive-mm", data=tmp_path / "xyz.txt", config_file=config)


@pytest.mark.slow
def test_a_lobster_message_file_replays_as_an_l3_market(tmp_path: Path) -> None:
    spec = resolve_run("passive-mm", data=shared_data_path(LOBSTER), duration_s=600.0)
    result, _ = execute_run(spec, write=False)
    assert result.stats["fills"] > 0
    origin = result.stats["instrument_origins"][Path(LOBSTER).name]
    assert origin.startswith("LOBSTER: symbol from the file name; tick 0.005 inferred from 57,515 prices")
    assert result.stats["data_checks"][Path(LOBSTER).name]["l3_rows"] > 0


def test_convert_corrects_a_lagging_feed_clock_unless_told_not_to(tmp_path: Path) -> None:
    from hft_core.data.hftbacktest_npz import read_hftbacktest_npz
    from hft_core.data.inspection import convert, describe_file
    from hft_core.data.instrument_spec import instrument_for_source

    source = _capture(tmp_path / "xyz.txt")
    summary = describe_file(source)
    assert summary.latency_ns_min == -1_250_000_000
    assert "clock        local clock behind the exchange's: local - exch reaches -1250.000 ms" in summary.to_text()
    instrument = instrument_for_source(source, "binance")
    shifted = convert(source, None, tmp_path / "hbt.npz", output_kind="hftbacktest")
    assert shifted.clock_offset_ns == 1_250_000_000
    events, _ = read_hftbacktest_npz(tmp_path / "hbt.npz", instrument)
    assert int((events["local_ts"] - events["exch_ts"]).min()) == 0  # never seen before it happened
    raw = convert(source, None, tmp_path / "raw.npz", output_kind="hftbacktest", clock_offset="none")
    assert raw.clock_offset_ns == 0
    kept, _ = read_hftbacktest_npz(tmp_path / "raw.npz", instrument)
    assert int((kept["local_ts"] - kept["exch_ts"]).min()) == -1_250_000_000
    with pytest.raises(ConfigError, match="clock offset must be"):
        convert(source, None, tmp_path / "x.npz", clock_offset=-5)


def test_lobster_is_an_hft_data_format(tmp_path: Path) -> None:
    from hft_core.cli._data import data_app
    from hft_core.data.formats import guess_format
    from typer.testing import CliRunner

    message = shared_data_path(LOBSTER)
    assert guess_format(message) == "lobster"
    shown = CliRunner().invoke(data_app, ["info", str(message)])
    assert shown.exit_code == 0, shown.output
    assert "instrument   AMZN (nasdaq): tick 0.005, lot 1.0 (id 0)" in shown.output
    assert "ADD 27,845, CANCEL 18,251, FILL 8,974" in shown.output
    copy = tmp_path / "AMZN_2012-06-21_34200000_57600000_message_1.csv"
    copy.write_bytes(message.read_bytes())
    missing = CliRunner().invoke(data_app, ["info", str(copy)])
    assert missing.exit_code == 1 and "is not beside the message file" in str(missing.exception)
    named = message.with_name(message.name.replace("_message_", "_orderbook_"))
    out = tmp_path / "amzn.npz"
    converted = CliRunner().invoke(
        data_app, ["convert", str(copy), "--orderbook", str(named), "--out", str(out), "--tick-size", "0.005"]
    )
    assert converted.exit_code == 0, converted.output
    assert "wrote 85,424 events" in converted.output.replace("85424", "85,424")
    cent = CliRunner().invoke(data_app, ["info", str(message), "--tick-size", "0.01"])
    assert cent.exit_code == 1 and "price 223.795 is not a multiple of tick_size 0.01" in str(cent.exception)


def test_the_venue_knob_table_in_the_docs_is_generated() -> None:
    from hft_core.knobs import markdown_table

    docs = Path(__file__).resolve().parents[3] / "docs" / "replay.md"
    assert markdown_table(ReplayConfig.knobs()) in docs.read_text()
