"""Tardis CSV loader: the shared format fixtures (pinned), snapshot semantics and bad rows."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest
from hft_core.data.samples import shared_data_path
from hft_core.data.tardis import TardisReader, detect_tardis_type, read_tardis_csv
from hft_core.errors import DataError
from hft_core.events import BUY, SELL, EventKind, Events
from hft_core.instruments import Instrument


def _fixtures() -> Path:
    """The Tardis format fixtures in the shared data."""
    return shared_data_path("tardis-format-fixtures")


DERIBIT = Instrument("BTC-PERPETUAL", tick_size=0.5, lot_size=10, venue="deribit")
BITMEX = Instrument("XBTUSD", tick_size=0.5, lot_size=1, venue="bitmex")
BINANCE_FUTURES = Instrument("BTCUSDT", tick_size=0.01, lot_size=0.001, venue="binance-futures")
HUOBI = Instrument("BTC-USD", tick_size=0.1, lot_size=1, venue="huobi-dm-swap")

# file -> (instrument, data type, depth, {kind: count} in "full" mode, {kind: count} in "diff" mode)
FIXTURES = {
    "deribit_incremental_book_L2_BTC-PERPETUAL.csv": (
        DERIBIT,
        "incremental_book_L2",
        0,
        {"CLEAR": 1, "SNAPSHOT": 15},
        {"CLEAR": 1, "SNAPSHOT": 15},
    ),
    "bitmex_trades_XBTUSD.csv": (BITMEX, "trades", 0, {"TRADE": 10}, {"TRADE": 10}),
    "binance-futures_book_snapshot_5_BTCUSDT.csv": (
        BINANCE_FUTURES,
        "book_snapshot",
        5,
        {"CLEAR": 10, "SNAPSHOT": 100},
        {"CLEAR": 1, "SNAPSHOT": 10, "DEPTH": 15},
    ),
    "binance-futures_book_snapshot_25_BTCUSDT.csv": (
        BINANCE_FUTURES,
        "book_snapshot",
        25,
        {"CLEAR": 10, "SNAPSHOT": 500},
        {"CLEAR": 1, "SNAPSHOT": 50, "DEPTH": 13},
    ),
    "huobi-dm-swap_quotes_BTC-USD.csv": (
        HUOBI,
        "quotes",
        1,
        {"CLEAR": 10, "SNAPSHOT": 20},
        {"CLEAR": 1, "SNAPSHOT": 2, "DEPTH": 10},
    ),
}


def _counts(events: Events) -> dict[str, int]:
    return {kind.name: int((events["kind"] == kind).sum()) for kind in EventKind if (events["kind"] == kind).any()}


def _final_book(events: Events) -> dict[tuple[int, int], int]:
    book: dict[tuple[int, int], int] = {}
    for row in events:
        if row["kind"] == EventKind.CLEAR:
            book.clear()
        elif row["kind"] in (EventKind.DEPTH, EventKind.SNAPSHOT):
            key = (int(row["side"]), int(row["price"]))
            if row["qty"]:
                book[key] = int(row["qty"])
            else:
                book.pop(key, None)
    return book


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_fixture_loads_with_pinned_counts(name: str) -> None:
    instrument, data_type, depth, full_counts, diff_counts = FIXTURES[name]
    path = _fixtures() / name
    assert detect_tardis_type(path) == (data_type, depth)
    full, stats = read_tardis_csv(path, instrument)
    diff, _ = read_tardis_csv(path, instrument, snapshot_mode="diff")
    assert _counts(full) == full_counts
    assert _counts(diff) == diff_counts
    assert stats.rows == (15 if data_type == "incremental_book_L2" else 10)
    assert (np.diff(full["local_ts"]) >= 0).all()
    # Diffing consecutive snapshots must end in exactly the book of the last full snapshot.
    assert _final_book(diff) == _final_book(full)


def test_incremental_snapshot_rows_and_timestamps() -> None:
    events, stats = read_tardis_csv(_fixtures() / "deribit_incremental_book_L2_BTC-PERPETUAL.csv", DERIBIT)
    assert (stats.exchange, stats.symbol, stats.snapshots) == ("deribit", "BTC-PERPETUAL", 1)
    first = events[1]
    # deribit,BTC-PERPETUAL,1585699200245000,1585699200355684,true,ask,6421.5,18640
    assert (int(first["exch_ts"]), int(first["local_ts"])) == (1585699200245000 * 1000, 1585699200355684 * 1000)
    assert (int(first["side"]), int(first["price"]), int(first["qty"])) == (SELL, 12843, 1864)


def test_trades_side_is_the_aggressor() -> None:
    events, _ = read_tardis_csv(_fixtures() / "bitmex_trades_XBTUSD.csv", BITMEX)
    assert set(events["side"].tolist()) == {SELL}
    assert (int(events[0]["price"]), int(events[0]["qty"])) == (17063, 2152)
    assert int(events[0]["order_id"]) == 0  # bitmex ids are UUIDs


def test_book_snapshot_rows_are_full_books() -> None:
    events, _ = read_tardis_csv(_fixtures() / "binance-futures_book_snapshot_5_BTCUSDT.csv", BINANCE_FUTURES)
    first_book = events[:11]
    assert first_book["kind"].tolist() == [EventKind.CLEAR] + [EventKind.SNAPSHOT] * 10
    assert first_book["side"].tolist() == [0] + [BUY] * 5 + [SELL] * 5
    assert int(first_book[1]["price"]) == 1165707 and int(first_book[6]["price"]) == 1165708


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


HEADER = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n"


def test_snapshot_after_updates_resets_the_book(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "l2.csv",
        HEADER
        + "x,S,1,10,true,bid,100,1\n"
        + "x,S,1,10,true,ask,101,1\n"
        + "x,S,2,20,false,bid,100,0\n"
        + "x,S,2,20,false,bid,99.5,3\n"
        + "x,S,3,30,true,bid,98,2\n"
        + "x,S,4,40,true,ask,102,2\n",  # a second snapshot message right after the first
    )
    events, stats = read_tardis_csv(path, Instrument("S", 0.5, 1))
    assert stats.snapshots == 3
    assert events["kind"].tolist() == [3, 4, 4, 1, 1, 3, 4, 3, 4]
    assert _final_book(events) == {(SELL, 204): 2}


def test_gzipped_file_and_small_chunks(tmp_path: Path) -> None:
    source = _fixtures() / "binance-futures_book_snapshot_25_BTCUSDT.csv"
    packed = tmp_path / "snap.csv.gz"
    with source.open("rb") as plain, gzip.open(packed, "wb") as target:
        shutil.copyfileobj(plain, target)
    whole, _ = read_tardis_csv(source, BINANCE_FUTURES)
    chunks = list(TardisReader(packed, BINANCE_FUTURES, chunk_size=60))
    assert max(len(c) for c in chunks) <= 60
    assert np.array_equal(np.concatenate(chunks), whole)


def test_symbol_filter_and_mixed_symbols(tmp_path: Path) -> None:
    path = _write(tmp_path / "mixed.csv", HEADER + "x,A,1,10,false,bid,100,1\nx,B,1,11,false,bid,100,1\n")
    with pytest.raises(DataError, match="mixes symbols") as error:
        read_tardis_csv(path, DERIBIT)
    assert (error.value.line, error.value.field) == (3, "symbol")
    events, stats = read_tardis_csv(path, Instrument("B", 0.5, 1), symbol="B")
    assert len(events) == 1 and stats.skipped_other_symbols == 1


@pytest.mark.parametrize(
    ("row", "field", "match"),
    [
        ("x,S,1,10,false,bid,100,NaN", "amount", "not a finite number"),
        ("x,S,1,10,false,bid,100,-1", "amount", "is negative"),
        ("x,S,1,10,false,bid,abc,1", "price", "is not a number"),
        ("x,S,1,10,false,bid,100.25,1", "price", "tick size"),
        ("x,S,1,10,maybe,bid,100,1", "is_snapshot", "true or false"),
        ("x,S,1,10,false,middle,100,1", "side", "not one of"),
        ("x,S,1.5,10,false,bid,100,1", "timestamp", "not an integer"),
    ],
)
def test_bad_rows_name_line_and_field(tmp_path: Path, row: str, field: str, match: str) -> None:
    path = _write(tmp_path / "bad.csv", HEADER + "x,S,1,5,false,bid,100,1\n" + row + "\n")
    with pytest.raises(DataError, match=match) as error:
        read_tardis_csv(path, Instrument("S", 0.5, 1))
    assert (error.value.path, error.value.line, error.value.field) == (str(path), 3, field)


def test_local_time_running_backwards(tmp_path: Path) -> None:
    path = _write(tmp_path / "back.csv", HEADER + "x,S,1,50,false,bid,100,1\nx,S,1,40,false,bid,100,1\n")
    with pytest.raises(DataError, match="earlier than the previous row") as error:
        read_tardis_csv(path, Instrument("S", 0.5, 1))
    assert (error.value.line, error.value.field) == (3, "local_timestamp")


def test_unknown_header_and_ragged_rows(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="missing column"):
        read_tardis_csv(_write(tmp_path / "h.csv", "a,b,c\n1,2,3\n"), BITMEX)
    ragged = _write(tmp_path / "r.csv", HEADER + "x,S,1,10,false,bid,100,1,extra,more\n")
    with pytest.raises(DataError, match="malformed CSV row") as error:
        read_tardis_csv(ragged, Instrument("S", 0.5, 1))
    assert error.value.line == 2


def test_half_empty_snapshot_level(tmp_path: Path) -> None:
    header = "exchange,symbol,timestamp,local_timestamp,asks[0].price,asks[0].amount,bids[0].price,bids[0].amount\n"
    path = _write(tmp_path / "s.csv", header + "x,S,1,10,101,,100,1\n")
    with pytest.raises(DataError, match="price or a size but not both") as error:
        read_tardis_csv(path, Instrument("S", 0.5, 1))
    assert (error.value.line, error.value.field) == (2, "asks[0].amount")
    empty_side = _write(tmp_path / "e.csv", header + "x,S,1,10,,,100,1\n")
    events, _ = read_tardis_csv(empty_side, Instrument("S", 0.5, 1))
    assert events["kind"].tolist() == [EventKind.CLEAR, EventKind.SNAPSHOT]


def test_truncated_gzip(tmp_path: Path) -> None:
    source = _fixtures() / "binance-futures_book_snapshot_25_BTCUSDT.csv"
    packed = gzip.compress(source.read_bytes())
    truncated = tmp_path / "cut.csv.gz"
    truncated.write_bytes(packed[: len(packed) * 2 // 3])
    with pytest.raises(DataError, match="corrupt or truncated") as error:
        read_tardis_csv(truncated, BINANCE_FUTURES)
    assert error.value.path == str(truncated)
