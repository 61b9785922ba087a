"""Silent wrong results on load (issue #17): each bad input is a specific DataError or a counted repair."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hft_core.data.cache import load_cached
from hft_core.data.eventfile import load_events, save_events, save_events_npz
from hft_core.data.formats import iter_source, load_source
from hft_core.data.hftbacktest_npz import (
    BUY_EVENT,
    DEPTH_EVENT,
    EXCH_EVENT,
    LOCAL_EVENT,
    SELL_EVENT,
    read_hftbacktest_npz,
)
from hft_core.data.tardis import read_tardis_csv
from hft_core.errors import DataError
from hft_core.events import BUY, SELL, EventKind, Events, concat_chunks, empty_events
from hft_core.instruments import Instrument

GRID = Instrument("BTCUSDT", 0.01, 0.001)


# -- hftbacktest arrays are read by field name ---------------------------------------------------------------


def _hbt_rows(dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
    rows = np.zeros(2, dtype=dtype)
    rows["ev"] = [
        EXCH_EVENT | LOCAL_EVENT | BUY_EVENT | DEPTH_EVENT,
        EXCH_EVENT | LOCAL_EVENT | SELL_EVENT | DEPTH_EVENT,
    ]
    rows["exch_ts"] = [1_000, 2_000]
    rows["local_ts"] = [1_500, 2_500]
    rows["px"] = [100.25, 100.5]
    rows["qty"] = [3.0, 0.002]
    return rows


def test_hftbacktest_qty_before_px_is_read_by_name(tmp_path: Path) -> None:
    swapped = np.dtype(
        [
            ("ev", np.uint64),
            ("exch_ts", np.int64),
            ("local_ts", np.int64),
            ("qty", np.float64),
            ("px", np.float64),
            ("order_id", np.uint64),
            ("ival", np.int64),
            ("fval", np.float64),
        ]
    )
    path = tmp_path / "swapped.npz"
    np.savez(path, data=_hbt_rows(swapped))
    events, _ = read_hftbacktest_npz(path, GRID)
    assert events["price"].tolist() == [10_025, 10_050]
    assert events["qty"].tolist() == [3_000, 2]


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ([("px_scale", np.float64)], "unknown layout: field.s. px_scale"),
        ([], "unknown layout: field px has type <U8"),
    ],
)
def test_hftbacktest_unknown_layouts_are_refused(tmp_path: Path, extra: list[Any], match: str) -> None:
    fields: list[Any] = [
        ("ev", np.uint64),
        ("exch_ts", np.int64),
        ("local_ts", np.int64),
        ("px", np.float64 if extra else np.int64),
        ("qty", np.float64),
        ("order_id", np.uint64),
        ("ival", np.int64),
        ("fval", np.float64),
        *extra,
    ]
    if not extra:
        fields[3] = ("px", "U8")  # text prices: not a layout we know
    array = np.zeros(1, dtype=np.dtype(fields))
    path = tmp_path / "odd.npz"
    np.savez(path, data=array)
    with pytest.raises(DataError, match=match):
        read_hftbacktest_npz(path, GRID)


# -- events files: values checked on load, digest covers the metadata ------------------------------------------


def _book(count: int = 6) -> Events:
    """A snapshot (bids 99.00/98.99, asks 99.01/99.02) then level updates that keep it uncrossed."""
    events = empty_events(count)
    events["exch_ts"] = np.arange(count) * 10 + 1
    events["local_ts"] = np.arange(count) * 10 + 5
    events["kind"] = [EventKind.CLEAR, *([EventKind.SNAPSHOT] * 4), EventKind.DEPTH][:count]
    events["side"] = [0, BUY, BUY, SELL, SELL, BUY][:count]
    events["price"] = [0, 9_900, 9_899, 9_901, 9_902, 9_900][:count]
    events["qty"] = [0, 5, 6, 7, 8, 9][:count]
    return events


@pytest.mark.parametrize(
    ("column", "row", "value", "match"),
    [
        ("price", 2, 0, r"price 0 must be positive"),
        ("price", 3, -5, r"price -5 must be positive"),
        ("qty", 4, 2**62, r"qty \d+ is beyond 2\*\*62 lots"),
        ("price", 5, 2**62 + 1, r"price \d+ is beyond 2\*\*62 ticks"),
        ("local_ts", 4, 0, r"local time runs backwards"),
        ("exch_ts", 1, -1, r"exch_ts -1 is outside"),
        ("side", 1, 0, r"book rows need a side"),
        ("kind", 1, 9, r"not an event kind"),
    ],
)
@pytest.mark.parametrize("suffix", [".npz", ".parquet"])
def test_events_file_values_are_checked_on_load(
    tmp_path: Path, suffix: str, column: str, row: int, value: int, match: str
) -> None:
    events = _book()
    events[column][row] = value
    path = save_events(tmp_path / f"bad{suffix}", events, {"source": "test"})
    with pytest.raises(DataError, match=match) as caught:
        load_events(path)
    assert f"row {row}" in str(caught.value)


def _rewrite_meta(path: Path, edit: Any) -> None:
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    with np.load(path) as loaded:
        record = json.loads(loaded["meta"].tobytes().decode())
    edit(record)
    raw = np.frombuffer(json.dumps(record, sort_keys=True).encode(), dtype=np.uint8)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("events.npy", members["events.npy"])
        with archive.open("meta.npy", "w") as handle:
            np.lib.format.write_array(handle, raw)


def test_events_file_with_edited_tick_size_is_refused(tmp_path: Path) -> None:
    spec = {"symbol": "BTCUSDT", "venue": "binance", "tick_size": 0.01, "lot_size": 0.001}
    path = save_events_npz(tmp_path / "ev.npz", _book(), {"instrument_spec": spec})
    assert load_events(path)[1]["instrument_spec"]["tick_size"] == 0.01

    def rescale(record: dict[str, Any]) -> None:
        record["meta"]["instrument_spec"]["tick_size"] = 0.1

    _rewrite_meta(path, rescale)
    with pytest.raises(DataError, match="damaged or was edited"):
        load_events(path)


def test_crossed_snapshot_in_an_events_file_is_refused(tmp_path: Path) -> None:
    events = _book(5)
    events["price"][3] = 9_899  # an ask below the best bid, inside the snapshot
    path = save_events(tmp_path / "crossed.npz", events)
    with pytest.raises(DataError, match=r"snapshot before this row leaves the book crossed|crossed"):
        load_source(path, "events")


def test_crossing_level_update_is_a_counted_repair(tmp_path: Path) -> None:
    events = _book()
    events["price"][5] = 9_902  # a bid above both asks: they are removed (the replay venue's rule), and counted
    path = save_events(tmp_path / "crossing.npz", events)
    loaded = load_source(path, "events")
    checks = loaded.stats["book_checks"]
    assert (checks["crossed_updates"], checks["crossed_levels_removed"]) == (1, 2)


def test_a_message_that_removes_what_it_crosses_is_not_a_repair(tmp_path: Path) -> None:
    events = np.concatenate([_book(5), _book(5)[:2]])
    # one message (same times): bid 99.01 first, then the ask 99.01 it crosses goes to 0
    events["kind"][5:] = EventKind.DEPTH
    events["side"][5:] = [BUY, SELL]
    events["price"][5:] = [9_901, 9_901]
    events["qty"][5:] = [4, 0]
    events["local_ts"][5:] = 100
    events["exch_ts"][5:] = 90
    path = save_events(tmp_path / "transient.npz", events)
    checks = load_source(path, "events").stats["book_checks"]
    assert (checks["crossed_updates"], checks["crossed_levels_removed"]) == (0, 0)


# -- crossed books from raw formats --------------------------------------------------------------------------


def _capture(path: Path, lines: list[tuple[int, dict[str, Any]]]) -> Path:
    path.write_text("".join(f"{ts} {json.dumps(message)}\n" for ts, message in lines))
    return path


def _depth(first: int, last: int, bids: list[list[str]], asks: list[list[str]], ms: int) -> dict[str, Any]:
    return {"e": "depthUpdate", "E": ms, "s": "BTCUSDT", "U": first, "u": last, "b": bids, "a": asks}


def _trade(ms: int, trade_id: int) -> dict[str, Any]:
    return {
        "e": "trade",
        "E": ms,
        "T": ms,
        "s": "BTCUSDT",
        "t": trade_id,
        "p": "100.00",
        "q": "0.5",
        "m": True,
        "M": True,
    }


SNAPSHOT = {"lastUpdateId": 10, "bids": [["100.00", "1.0"], ["99.99", "2.0"]], "asks": [["100.01", "1.5"]]}


def test_binance_crossing_depth_update_is_counted(tmp_path: Path) -> None:
    path = _capture(
        tmp_path / "crossing.txt",
        [
            (1_000, _depth(8, 9, [["100.00", "1.0"]], [], 1)),
            (2_000, SNAPSHOT),
            (3_000, _depth(10, 11, [["100.05", "1.0"]], [], 3)),
            (4_000, _depth(12, 12, [], [["100.10", "1.0"]], 4)),
        ],
    )
    loaded = load_source(path, "binance", use_cache=False)
    assert loaded.stats["book_checks"]["crossed_updates"] == 1
    assert loaded.stats["book_checks"]["crossed_levels_removed"] == 1


TARDIS_QUOTES = "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount\n"


def test_tardis_crossed_quote_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "quotes.csv"
    path.write_text(TARDIS_QUOTES + "huobi,BTC,1,2,1,100.5,100,1\nhuobi,BTC,3,4,1,100,100.5,1\n")
    with pytest.raises(DataError, match="crossed"):
        load_source(path, "tardis", instrument=Instrument("BTC", 0.5, 1.0), use_cache=False)


def test_tardis_crossed_book_snapshot_is_refused(tmp_path: Path) -> None:
    header = "exchange,symbol,timestamp,local_timestamp,asks[0].price,asks[0].amount,bids[0].price,bids[0].amount\n"
    path = tmp_path / "book_snapshot_1.csv"
    path.write_text(header + "binance,BTC,1,2,99.5,1,100,1\n")
    with pytest.raises(DataError, match="crossed"):
        load_source(path, "tardis", instrument=Instrument("BTC", 0.5, 1.0), use_cache=False)


def test_a_crossed_snapshot_followed_by_the_next_snapshot_is_refused(tmp_path: Path) -> None:
    # The fuzz suite's reference reconstruction found it: a crossed snapshot row followed directly by the next
    # snapshot (its CLEAR) was never checked, so the crossed book replayed for the time between the two.
    header = "exchange,symbol,timestamp,local_timestamp,asks[0].price,asks[0].amount,bids[0].price,bids[0].amount\n"
    path = tmp_path / "book_snapshot_1.csv"
    path.write_text(header + "binance,BTC,1,2,100.5,1,199.5,4\nbinance,BTC,3,4,100.5,2,100,3\n")
    with pytest.raises(DataError, match=r"row 3: the snapshot before this row leaves the book crossed"):
        load_source(path, "tardis", instrument=Instrument("BTC", 0.5, 1.0), use_cache=False)


# -- a book that never synced or never moved is loud ---------------------------------------------------------


def test_binance_snapshot_ahead_of_every_diff_is_refused(tmp_path: Path) -> None:
    ahead = {**SNAPSHOT, "lastUpdateId": 1_000}
    path = _capture(
        tmp_path / "frozen.txt",
        [
            (1_000, _depth(8, 9, [["100.00", "1.0"]], [], 1)),
            (2_000, ahead),
            (3_000, _depth(10, 11, [["100.00", "3.0"]], [], 3)),
            (4_000, _depth(12, 12, [], [["100.02", "1.0"]], 4)),
        ],
    )
    with pytest.raises(DataError, match=r"never moved.*stale"):
        load_source(path, "binance", use_cache=False)
    with pytest.raises(DataError, match="never moved"):
        concat_chunks(iter_source(path, "binance")[0])
    loaded = load_source(path, "binance", use_cache=False, allow_unsynced=True)
    assert loaded.stats["stale_dropped"] == 3


def test_binance_capture_without_snapshot_is_refused(tmp_path: Path) -> None:
    path = _capture(
        tmp_path / "nosnap.txt",
        [(1_000, _depth(8, 9, [["100.00", "1.0"]], [], 1)), (2_000, _trade(2, 1))],
    )
    with pytest.raises(DataError, match="never synced"):
        load_source(path, "binance", cache_dir=tmp_path / "cache")
    # the refusal also holds when the events come from the cache
    with pytest.raises(DataError, match="never synced"):
        load_source(path, "binance", cache_dir=tmp_path / "cache")
    assert len(load_source(path, "binance", cache_dir=tmp_path / "cache", allow_unsynced=True).events) == 1


def test_trades_only_is_refused_unless_accepted(tmp_path: Path) -> None:
    path = _capture(tmp_path / "trades.txt", [(1_000, _trade(1, 1)), (2_000, _trade(2, 2))])
    with pytest.raises(DataError, match="trades only"):
        load_source(path, "binance", use_cache=False)
    assert len(load_source(path, "binance", use_cache=False, allow_unsynced=True).events) == 2


def test_synced_moving_book_loads(tmp_path: Path) -> None:
    path = _capture(
        tmp_path / "ok.txt",
        [
            (1_000, _depth(8, 9, [["100.00", "1.0"]], [], 1)),
            (2_000, SNAPSHOT),
            (3_000, _depth(10, 11, [["100.00", "3.0"]], [], 3)),
        ],
    )
    checks = load_source(path, "binance", use_cache=False).stats["book_checks"]
    assert checks["depth_rows"] == 1 and checks["crossed_updates"] == 0


# -- loader tracebacks become DataErrors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "field", "match"),
    [
        ('99999999999999999999 {"e": "trade"}', "local_ts", "outside"),
        ("1 " + "[" * 100_000, None, "nested too deeply"),
        ("1 " + json.dumps(_trade(99_999_999_999_999_999, 1)), "T", "beyond 2"),
        ("1 " + json.dumps(_trade(1, 2**64)), "t", "outside the int64 range"),
    ],
)
def test_binance_overflow_and_deep_json(tmp_path: Path, line: str, field: str | None, match: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(line + "\n")
    with pytest.raises(DataError, match=match) as caught:
        load_source(path, "binance", instrument=GRID, use_cache=False)
    assert caught.value.field == field and caught.value.line == 1


TARDIS_L2 = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n"


@pytest.mark.parametrize(
    ("body", "line", "match"),
    [
        ('deribit,BTC,1,2,false,bid,"100,1\nderibit,BTC,3,4,false,ask,101,1\n', 2, "quote opens a cell"),
        ('deribit,BTC,1,2,false,bid,100,1\nderibit,BTC,3,4,false,ask,"101,1\n', 3, "quote opens a cell"),
        ("deribit,BTC,9223372036854775,9223372036854775,false,bid,100,1\n", 2, "outside"),
    ],
)
def test_tardis_lone_quote_and_overflowing_time(tmp_path: Path, body: str, line: int, match: str) -> None:
    path = tmp_path / "l2.csv"
    path.write_text(TARDIS_L2 + body)
    with pytest.raises(DataError, match=match) as caught:
        read_tardis_csv(path, Instrument("BTC", 0.5, 1.0))
    assert caught.value.line == line


def test_hftbacktest_overflowing_times_are_refused(tmp_path: Path) -> None:
    rows = _hbt_rows(
        np.dtype(
            [
                (n, t)
                for n, t in zip(
                    ("ev", "exch_ts", "local_ts", "px", "qty", "order_id", "ival", "fval"),
                    (np.uint64, np.int64, np.int64, np.float64, np.float64, np.uint64, np.int64, np.float64),
                    strict=True,
                )
            ]
        )
    )
    rows["local_ts"][1] = 2**63 - 1
    path = tmp_path / "late.npz"
    np.savez(path, data=rows)
    with pytest.raises(DataError, match=r"local_ts .* is outside"):
        read_hftbacktest_npz(path, GRID)


# -- the conversion cache is keyed on content ---------------------------------------------------------------


def test_cache_sees_an_edit_that_keeps_size_and_mtime(tmp_path: Path) -> None:
    source = tmp_path / "src.txt"
    source.write_text("AAAA")
    stamp = source.stat().st_mtime_ns

    def loader() -> tuple[Events, dict[str, Any]]:
        events = _book(5)
        events["qty"][1] = {"AAAA": 5, "BBBB": 7}[source.read_text()]
        return events, {}

    first = load_cached(source, "demo", loader, cache_dir=tmp_path / "cache")
    source.write_text("BBBB")
    os.utime(source, ns=(stamp, stamp))
    second = load_cached(source, "demo", loader, cache_dir=tmp_path / "cache")
    assert (first.events["qty"][1], second.events["qty"][1], second.hit) == (5, 7, False)
    third = load_cached(source, "demo", loader, cache_dir=tmp_path / "cache")
    assert third.hit and third.events["qty"][1] == 7


def test_hft_data_info_refuses_a_frozen_book_unless_allowed(tmp_path: Path) -> None:
    from hft_core.cli._data import data_app
    from typer.testing import CliRunner

    ahead = {**SNAPSHOT, "lastUpdateId": 1_000}
    path = _capture(
        tmp_path / "frozen.txt",
        [(1_000, _depth(8, 9, [["100.00", "1.0"]], [], 1)), (2_000, ahead), (3_000, _depth(10, 11, [], [], 3))],
    )
    refused = CliRunner().invoke(data_app, ["info", str(path)])
    assert isinstance(refused.exception, DataError) and "never moved" in str(refused.exception)
    allowed = CliRunner().invoke(data_app, ["info", str(path), "--allow-unsynced"])
    assert allowed.exit_code == 0, allowed.output
    assert "book_checks" in allowed.output and "stale_dropped" in allowed.output
    out = tmp_path / "frozen.npz"
    assert isinstance(CliRunner().invoke(data_app, ["convert", str(path), "-o", str(out)]).exception, DataError)
    assert not out.exists()
    converted = CliRunner().invoke(data_app, ["convert", str(path), "-o", str(out), "--allow-unsynced"])
    assert converted.exit_code == 0, converted.output
    with pytest.raises(DataError, match="never moved"):
        load_source(out, "events")


def test_replay_from_paths_refuses_a_book_that_never_synced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hft_core.venues.recorded import load_recorded

    monkeypatch.setenv("HFT_CACHE_DIR", str(tmp_path / "cache"))
    path = _capture(tmp_path / "nosnap.txt", [(1_000, _depth(8, 9, [["100.00", "1.0"]], [], 1)), (2_000, _trade(2, 1))])
    with pytest.raises(DataError, match="never synced"):
        load_recorded([path])
    events, _ = load_recorded([path], allow_unsynced=True)
    assert len(events) == 1


def test_tardis_crossed_quote_in_diff_mode_is_a_counted_repair(tmp_path: Path) -> None:
    path = tmp_path / "quotes.csv"
    path.write_text(TARDIS_QUOTES + "huobi,BTC,1,2,1,100.5,100,1\nhuobi,BTC,3,4,1,100,100.5,1\n")
    loaded = load_source(
        path, "tardis", instrument=Instrument("BTC", 0.5, 1.0), options={"snapshot_mode": "diff"}, use_cache=False
    )
    assert loaded.stats["book_checks"]["crossed_updates"] == 1
    assert loaded.stats["book_checks"]["crossed_levels_removed"] >= 1
