"""Summaries of event streams and `convert` between formats (what `hft data info|convert` call)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from hft_core.data.eventfile import load_events, save_events_npz
from hft_core.data.formats import available_formats, guess_format, load_source
from hft_core.data.hftbacktest_npz import read_hftbacktest_npz
from hft_core.data.inspection import convert, describe_file, summarize
from hft_core.errors import ConfigError, DataError
from hft_core.events import EventKind, empty_events, iter_chunks
from hft_core.instruments import Instrument

SPOT = Instrument("BTCUSDT", tick_size=0.01, lot_size=0.001)
T0 = 1_700_000_000_000_000_000


def _capture(path: Path, *, gap: bool = False) -> Path:
    """A small spot capture: a snapshot, three diff updates (one out of sequence if ``gap``) and two trades."""
    messages: list[dict[str, object]] = [
        {"lastUpdateId": 100, "bids": [["100.00", "5"]], "asks": [["100.05", "3"]]},
    ]
    for first in (101, 103, 110 if gap else 105):
        data = {"e": "depthUpdate", "E": 1_700_000_001_000 + first, "s": "BTCUSDT", "U": first, "u": first + 1}
        data.update({"b": [["100.01", "1"]], "a": []})
        messages.append({"stream": "btcusdt@depth@100ms", "data": data})
    for maker in (True, False):
        trade = {"e": "trade", "E": 1_700_000_002_000, "T": 1_700_000_001_999, "s": "BTCUSDT", "t": 1}
        trade.update({"p": "100.05", "q": "0.5", "m": maker})
        messages.append({"stream": "btcusdt@trade", "data": trade})
    # Local times 1 ns apart, with a 2 s silence before the first trade.
    lines = [f"{T0 + i + (2_000_000_000 if i >= 4 else 0)} {json.dumps(m)}\n" for i, m in enumerate(messages)]
    path.write_bytes(gzip.compress("".join(lines).encode()))
    return path


def test_summary_counts_span_order_and_gaps() -> None:
    events = empty_events(6)
    events["kind"] = [EventKind.CLEAR, EventKind.SNAPSHOT, EventKind.DEPTH, EventKind.TRADE, EventKind.DEPTH, 99]
    events["local_ts"] = [10, 10, 15, 1_000, 995, 5_000]
    events["exch_ts"] = [5, 5, 20, 990, 991, 4_000]
    events["instrument"] = [0, 0, 0, 0, 2, 2]
    whole = summarize(events, top_gaps=2)
    chunked = summarize(iter_chunks(events, 2), top_gaps=2)
    assert whole == chunked
    assert whole.rows == 6
    assert whole.counts["DEPTH"] == 2 and whole.counts["UNKNOWN"] == 1
    assert whole.instruments == (0, 2)
    assert (whole.local_out_of_order, whole.exch_out_of_order) == (1, 0)
    assert [(g.row, g.start_ns, g.end_ns) for g in whole.largest_local_gaps] == [(5, 995, 5_000), (3, 15, 1_000)]
    assert whole.span_seconds == pytest.approx(4_990e-9)
    assert (whole.latency_ns_min, whole.latency_ns_max) == (-5, 1_000)
    assert "local backwards 1" in whole.to_text()


def test_describe_a_raw_capture_shows_loader_sequence_gaps(tmp_path: Path) -> None:
    path = _capture(tmp_path / "gap.gz", gap=True)
    summary = describe_file(path, instrument=SPOT)
    assert summary.format == "binance"
    assert summary.loader_stats["gaps"] == 1
    assert summary.loader_stats["gap_positions"][0]["line"] == 4
    assert summary.counts["CLEAR"] == 2  # the sync and the gap
    assert summary.largest_local_gaps[0].seconds == pytest.approx(2.0, abs=1e-6)
    assert "gap_positions: 1 (line 4)" in summary.to_text()


def test_convert_writes_events_and_keeps_loader_stats(tmp_path: Path) -> None:
    source = _capture(tmp_path / "c.gz")
    result = convert(source, "binance", tmp_path / "out.npz", instrument=SPOT, clock_offset="none")
    events, meta = load_events(result.output)
    direct = load_source(source, "binance", instrument=SPOT, use_cache=False).events
    assert np.array_equal(events, direct) and result.rows == len(direct) == 8
    assert meta["stats"]["depth_applied"] == 3 and meta["format"] == "binance"
    info = describe_file(result.output)
    assert info.format == "events" and info.loader_stats["depth_applied"] == 3


def test_convert_refuses_to_overwrite_and_leaves_output_alone_on_error(tmp_path: Path) -> None:
    source = _capture(tmp_path / "c.gz")
    target = tmp_path / "out.npz"
    save_events_npz(target, empty_events(1))
    before = target.read_bytes()
    with pytest.raises(ConfigError, match="exists"):
        convert(source, "binance", target, instrument=SPOT)
    broken = tmp_path / "broken.gz"
    broken.write_bytes(gzip.compress(b"123 {not json\n"))
    with pytest.raises(DataError, match="malformed JSON"):
        convert(broken, "binance", target, instrument=SPOT, overwrite=True)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.gz", "c.gz", "out.npz"]


def test_convert_to_hftbacktest_and_parquet(tmp_path: Path) -> None:
    source = _capture(tmp_path / "c.gz")
    hbt = convert(source, None, tmp_path / "c_hbt.npz", instrument=SPOT, output_kind="hftbacktest")
    back, _ = read_hftbacktest_npz(hbt.output, SPOT)
    parquet = convert(source, None, tmp_path / "c.parquet", instrument=SPOT)
    assert np.array_equal(back, load_events(parquet.output)[0])
    with pytest.raises(ConfigError, match=r"\.npz"):
        convert(source, None, tmp_path / "c.parquet2", instrument=SPOT, output_kind="hftbacktest")


def test_guess_format(tmp_path: Path) -> None:
    assert guess_format(_capture(tmp_path / "c.gz")) == "binance"
    tardis = tmp_path / "t.csv"
    tardis.write_text("exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n")
    assert guess_format(tardis) == "tardis"
    events_file = save_events_npz(tmp_path / "e.npz", empty_events(2))
    assert guess_format(events_file) == "events"
    unknown = tmp_path / "u.bin"
    unknown.write_bytes(b"\x00\x01")
    with pytest.raises(DataError, match="cannot tell the format"):
        guess_format(unknown)
    assert {"binance", "tardis", "hftbacktest", "events"} <= set(available_formats())
    with pytest.raises(ConfigError, match="needs an instrument"):
        load_source(tardis, use_cache=False)


def test_load_source_goes_through_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HFT_CACHE_DIR", str(tmp_path / "cache"))
    source = _capture(tmp_path / "c.gz")
    first = load_source(source, instrument=SPOT)
    second = load_source(source, instrument=SPOT)
    assert (first.hit, second.hit) == (False, True)
    assert np.array_equal(first.events, second.events)
    assert second.stats["snapshots_used"] == 1
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [first.path.name]


def test_hft_data_info_shows_symbol_tick_and_lot(tmp_path: Path) -> None:
    import json as _json

    from hft_core.cli._data import data_app
    from typer.testing import CliRunner

    capture = tmp_path / "capture.txt"
    lines = [
        (1_000, {"e": "depthUpdate", "E": 1, "s": "BTCUSDT", "U": 8, "u": 9, "b": [["100.00", "1.0"]], "a": []}),
        (2_000, {"lastUpdateId": 10, "bids": [["100.00", "1.0"]], "asks": [["100.01", "1.5"]]}),
        (3_000, {"e": "depthUpdate", "E": 3, "s": "BTCUSDT", "U": 10, "u": 11, "b": [["100.00", "3.0"]], "a": []}),
    ]
    capture.write_text("".join(f"{ts} {_json.dumps(message)}\n" for ts, message in lines))
    shown = CliRunner().invoke(data_app, ["info", str(capture)])
    assert shown.exit_code == 0, shown.output
    assert "instrument   BTCUSDT (binance): tick 0.01, lot 1e-08 (id 0)" in shown.output

    quotes = tmp_path / "quotes.csv"
    quotes.write_text(
        "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount\n"
        "huobi,BTC-USD,1,2,5,100.5,100,8\nhuobi,BTC-USD,3,4,5,100.5,100,6\n"
    )
    grid = ["--symbol", "BTC-USD", "--tick-size", "0.1", "--lot-size", "1"]
    shown = CliRunner().invoke(data_app, ["info", str(quotes), *grid])
    assert shown.exit_code == 0, shown.output
    assert "instrument   BTC-USD (replay): tick 0.1, lot 1.0 (id 0)" in shown.output
    out = tmp_path / "quotes.npz"
    assert CliRunner().invoke(data_app, ["convert", str(quotes), "-o", str(out), *grid]).exit_code == 0
    shown = CliRunner().invoke(data_app, ["info", str(out), "--json"])
    assert _json.loads(shown.output)["instrument"]["tick_size"] == 0.1
