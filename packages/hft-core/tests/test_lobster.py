"""LOBSTER loader: parsing, validation errors, conversion to events, and the AMZN day replayed against its book."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest
from hft_core.book import NO_ASK_PRICE, NO_BID_PRICE, L3Book, L3Level
from hft_core.data.lobster import (
    LOBSTER_MESSAGE_DTYPE,
    LobsterEventChunk,
    check_lobster_replay,
    iter_lobster_event_chunks,
    iter_lobster_events,
    iter_lobster_messages,
    parse_lobster_filename,
    read_lobster_events,
    read_lobster_messages,
    read_lobster_orderbook,
)
from hft_core.data.samples import shared_data_path
from hft_core.errors import DataError
from hft_core.events import BUY, SELL, EventKind, concat_chunks

SAMPLE = "lobster-amzn-2012-06-21-l1"
STEM = "AMZN_2012-06-21_34200000_57600000"
NAME = "TEST_2012-06-21_34200000_57600000"


def sample_dir() -> Path:
    """The LOBSTER AMZN sample in the shared data."""
    return shared_data_path(SAMPLE)


@pytest.fixture(scope="module")
def amzn() -> tuple[Path, Path]:
    directory = sample_dir()
    return directory / f"{STEM}_message_1.csv", directory / f"{STEM}_orderbook_1.csv"


def write(directory: Path, kind: str, lines: list[str], *, levels: int = 1, newline: str = "\n") -> Path:
    path = directory / f"{NAME}_{kind}_{levels}.csv"
    path.write_bytes(newline.join(lines).encode() + newline.encode())
    return path


# -- file names and raw messages ----------------------------------------------------------------------------


def test_file_name_is_parsed() -> None:
    info = parse_lobster_filename(f"/x/{STEM}_orderbook_10.csv")
    assert (info.ticker, info.date, info.start_ms, info.end_ms) == ("AMZN", dt.date(2012, 6, 21), 34200000, 57600000)
    assert (info.kind, info.levels) == ("orderbook", 10)
    with pytest.raises(DataError, match="not a LOBSTER file name"):
        parse_lobster_filename("amzn.csv")
    with pytest.raises(DataError, match="invalid trading date"):
        parse_lobster_filename("AMZN_2012-13-40_1_2_message_1.csv")


def test_messages_parse_exactly_with_or_without_header_and_crlf(tmp_path: Path) -> None:
    rows = ["34200.017459617,1,5,10,1000000,1", "34200.5,5,0,3,1000050,-1", "34201,7,0,0,-1,-1"]
    plain = read_lobster_messages(write(tmp_path, "message", rows))
    headed = tmp_path / "headed"
    headed.mkdir()
    with_header = read_lobster_messages(
        write(headed, "message", ["Time,Type,OrderId,Size,Price,Direction", *rows], newline="\r\n")
    )
    assert plain.dtype == LOBSTER_MESSAGE_DTYPE
    assert plain.tobytes() == with_header.tobytes()
    assert plain["time_ns"].tolist() == [34_200_017_459_617, 34_200_500_000_000, 34_201_000_000_000]
    assert plain["type"].tolist() == [1, 5, 7]
    assert plain["price"].tolist() == [1000000, 1000050, -1]
    assert plain["direction"].tolist() == [1, -1, -1]


GOOD = "34200.1,1,5,10,1000000,1"


@pytest.mark.parametrize(
    ("bad_row", "field", "reason"),
    [
        ("34200.2,1,5,10,1000000", None, "expected 6 comma-separated fields, found 5"),
        ("34200.2,1,5,10,1000000,1,7", None, "found 7"),
        ("", None, "found 1"),
        ("9:30:00,1,5,10,1000000,1", "Time", "not a time in seconds"),
        ("34200.1234567891,1,5,10,1000000,1", "Time", "up to 9 decimals"),
        ("34200.,1,5,10,1000000,1", "Time", "not a time"),
        ("34200.0,1,5,10,1000000,1", "Time", "time goes backwards"),
        ("34200.2,x,5,10,1000000,1", "Type", "'x' is not an integer"),
        ("34200.2,8,5,10,1000000,1", "Type", "unknown message type"),
        ("34200.2,0,5,10,1000000,1", "Type", "unknown message type"),
        ("34200.2,1,-5,10,1000000,1", "OrderID", "must not be negative"),
        ("34200.2,1,5,0,1000000,1", "Size", "size must be positive: 0"),
        ("34200.2,4,5,-3,1000000,1", "Size", "size must be positive: -3"),
        ("34200.2,1,5,1.5,1000000,1", "Size", "'1.5' is not an integer"),
        ("34200.2,3,5,10,0,1", "Price", "price must be positive"),
        ("34200.2,7,0,0,5,-1", "Price", "halt message's price must be -1, 0 or 1"),
        ("34200.2,1,5,10,1000000,0", "Direction", "direction must be 1 (buy) or -1 (sell): 0"),
        ("34200.2,1,5,10,1000000,2", "Direction", "direction must be 1"),
        ("34200.2,300,5,10,1000000,1", "Type", "unknown message type (expected 1 to 7): 300"),
        ("34200.2,1,5,99999999999999999999,1000000,1", "Size", "99999999999999999999 is out of range"),
        ("1234567890123.5,1,5,10,1000000,1", "Time", "not a time"),
        ("time,1,5,10,1000000,1", "Time", "'time' is not a time"),
    ],
)
def test_malformed_message_rows_name_file_line_and_field(
    tmp_path: Path, bad_row: str, field: str | None, reason: str
) -> None:
    path = write(tmp_path, "message", ["Time,Type,OrderID,Size,Price,Direction", GOOD, bad_row, GOOD])
    with pytest.raises(DataError, match=re.escape(reason)) as caught:
        read_lobster_messages(path)
    assert (caught.value.path, caught.value.line, caught.value.field) == (str(path), 3, field)


def test_errors_in_later_chunks_keep_their_line_numbers(tmp_path: Path) -> None:
    rows = [f"34200.{i:03d},1,{i},10,1000000,1" for i in range(1, 8)]
    rows[5] = "34200.001,1,6,10,1000000,1"  # line 6 goes back in time, across a chunk boundary
    path = write(tmp_path, "message", rows)
    with pytest.raises(DataError) as caught:
        for _ in iter_lobster_messages(path, chunk_size=5):
            pass
    assert (caught.value.line, caught.value.field) == (6, "Time")
    rows[5] = "34200.006,1,6,10,1000000,one"
    with pytest.raises(DataError, match="'one' is not an integer") as caught:
        for _ in iter_lobster_messages(write(tmp_path, "message", rows), chunk_size=4):
            pass
    assert (caught.value.line, caught.value.field) == (6, "Direction")


def test_missing_file_is_a_data_error(tmp_path: Path) -> None:
    # a garbage first line is not mistaken for a header
    path = write(tmp_path, "message", ["abc,1,5,10,1000000,1", GOOD])
    with pytest.raises(DataError, match="'abc' is not a time") as caught:
        read_lobster_messages(path)
    assert caught.value.line == 1
    with pytest.raises(DataError, match="cannot open") as caught:
        read_lobster_messages(tmp_path / "missing" / f"{NAME}_message_1.csv")
    assert caught.value.path is not None


# -- orderbook ----------------------------------------------------------------------------------------------


def test_orderbook_levels_and_dummies(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "orderbook",
        ["1000100,5,1000000,7,1000200,3,-9999999999,0", "9999999999,0,1000000,7,9999999999,0,-9999999999,0"],
        levels=2,
    )
    book = read_lobster_orderbook(path)
    assert book.levels == 2 and len(book) == 2
    assert book.ask_price.tolist() == [[10001, 10002], [NO_ASK_PRICE, NO_ASK_PRICE]]
    assert book.ask_size.tolist() == [[5, 3], [0, 0]]
    assert book.bid_price.tolist() == [[10000, NO_BID_PRICE], [10000, NO_BID_PRICE]]
    assert book.bid_size.tolist() == [[7, 0], [7, 0]]


@pytest.mark.parametrize(
    ("bad_row", "field", "reason"),
    [
        ("1000100,5,1000000", None, "expected 8 comma-separated fields, found 3"),
        ("1000100,5,1000000,7,1000200,x,-9999999999,0", "AskSize2", "'x' is not an integer"),
        ("1000100,0,1000000,7,1000200,3,-9999999999,0", "AskSize1", "size must be positive"),
        ("1000100,5,1000000,7,9999999999,3,-9999999999,0", "AskSize2", "empty level must have size 0"),
        ("1000100,5,1000000,7,1000050,3,-9999999999,0", "AskPrice2", "strictly worse"),
        ("1000100,5,1000000,7,1000200,3,1000000,2", "BidPrice2", "strictly worse"),
        ("1000100,5,-9999999999,0,1000200,3,999900,2", "BidPrice2", "after an empty level"),
        ("1000100,5,1000100,7,1000200,3,-9999999999,0", "BidPrice1", "crossed"),
        ("1000100,5,-5,7,1000200,3,-9999999999,0", "BidPrice1", "price must be positive"),
        ("1000150,5,1000000,7,1000200,3,-9999999999,0", "AskPrice1", "not a multiple of tick_size 0.01"),
    ],
)
def test_malformed_orderbook_rows(tmp_path: Path, bad_row: str, field: str | None, reason: str) -> None:
    good = "1000100,5,1000000,7,1000200,3,-9999999999,0"
    path = write(tmp_path, "orderbook", ["AskPrice1,AskSize1,BidPrice1,BidSize1,a,b,c,d", good, bad_row], levels=2)
    with pytest.raises(DataError, match=re.escape(reason)) as caught:
        read_lobster_orderbook(path)
    assert (caught.value.path, caught.value.line, caught.value.field) == (str(path), 3, field)


def test_orderbook_width_must_be_levels_of_four(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="4 fields per level, found 3"):
        read_lobster_orderbook(write(tmp_path, "orderbook", ["1,2,3"]))


# -- events -------------------------------------------------------------------------------------------------


def test_conversion_to_events(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "message",
        [
            "34200.000000001,1,5,10,1000000,1",
            "34200.5,2,5,4,1000000,1",
            "34201,4,5,1,1000000,1",
            "34201,3,5,5,1000000,1",
            "34202,5,0,3,1000100,-1",
            "34202,6,77,300,1000100,-1",
            "34203,7,0,0,-1,-1",
            "34204,7,0,0,1,-1",
        ],
    )
    events = read_lobster_events(path, instrument_id=3)
    assert events["kind"].tolist() == [
        EventKind.ADD,
        EventKind.CANCEL,
        EventKind.FILL,
        EventKind.CANCEL,
        EventKind.TRADE,
        EventKind.TRADE,
    ]  # the two halts produce no event
    assert events["side"].tolist() == [BUY, BUY, BUY, BUY, BUY, 0]  # hidden sell executed by a buyer
    assert events["price"].tolist() == [10000, 10000, 10000, 10000, 10001, 10001]
    assert events["qty"].tolist() == [10, 4, 1, 5, 3, 300]
    assert events["order_id"].tolist() == [5, 5, 5, 5, 0, 77]
    assert set(events["instrument"].tolist()) == {3}
    # 2012-06-21 is on New York summer time (UTC-4): 09:30 there is 13:30 UTC.
    open_ns = int(dt.datetime(2012, 6, 21, 13, 30, tzinfo=dt.UTC).timestamp()) * 1_000_000_000
    assert events["exch_ts"][0] == open_ns + 1
    assert np.array_equal(events["exch_ts"], events["local_ts"])
    winter = read_lobster_events(path, date="2012-01-05")
    winter_open = int(dt.datetime(2012, 1, 5, 14, 30, tzinfo=dt.UTC).timestamp()) * 1_000_000_000
    assert winter["exch_ts"][0] == winter_open + 1


def test_date_must_come_from_name_or_argument(tmp_path: Path) -> None:
    path = tmp_path / "messages.csv"
    path.write_text("34200,1,5,10,1000000,1\n")
    with pytest.raises(DataError, match="pass date=YYYY-MM-DD"):
        read_lobster_events(path)
    assert len(read_lobster_events(path, date=dt.date(2020, 3, 2))) == 1
    with pytest.raises(ValueError, match="date must be YYYY-MM-DD"):
        read_lobster_events(path, date="2/3/2020")
    with pytest.raises(ValueError, match=re.escape("tick_size must be a positive multiple of 0.0001")):
        read_lobster_events(path, date="2020-03-02", tick_size=0.00015)


@pytest.mark.parametrize(
    ("rounding", "ticks"), [("down", [22379, 22378]), ("up", [22380, 22379]), ("nearest", [22380, 22378])]
)
def test_off_grid_trade_prices_need_a_rounding_rule(tmp_path: Path, rounding: str, ticks: list[int]) -> None:
    path = write(tmp_path, "message", ["34200,5,0,3,2237950,1", "34200,5,0,3,2237850,1"])
    with pytest.raises(DataError, match=re.escape("223.795 is not a multiple of tick_size 0.01")) as caught:
        read_lobster_events(path)
    assert (caught.value.line, caught.value.field) == (1, "Price")
    assert read_lobster_events(path, price_rounding=rounding)["price"].tolist() == ticks  # type: ignore[arg-type]
    assert read_lobster_events(path, tick_size=0.005)["price"].tolist() == [44759, 44757]


def level1_pair(directory: Path) -> tuple[Path, Path]:
    """A small day: an order improves the bid and is filled, revealing the hidden level below; unknown orders
    are cancelled from the residuals on both sides; a hidden trade, a halt, and an ask improvement."""
    messages = write(
        directory,
        "message",
        [
            "34200.1,1,10,5,1000000,1",  # new best bid 100.00 x 5 (99.99 x 20 rests below, unseen)
            "34200.2,4,10,5,1000000,1",  # filled: 100.00 empties, 99.99 x 20 comes into view (reveal)
            "34200.3,3,3,8,999900,1",  # an order from before the open leaves 99.99: 12 left
            "34200.4,5,0,1,1000100,-1",  # hidden trade
            "34200.5,2,4,3,1000200,-1",  # partial cancel of a pre-open ask: 100.02 x 4
            "34200.6,7,0,0,-1,-1",  # halt
            "34200.7,1,11,2,1000100,-1",  # new best ask 100.01 x 2
        ],
    )
    orderbook = write(
        directory,
        "orderbook",
        [
            "1000200,7,1000000,5",
            "1000200,7,999900,20",
            "1000200,7,999900,12",
            "1000200,7,999900,12",
            "1000200,4,999900,12",
            "1000200,4,999900,12",
            "1000100,2,999900,12",
        ],
    )
    return messages, orderbook


def test_seed_and_reveal_events(tmp_path: Path) -> None:
    messages, orderbook = level1_pair(tmp_path)
    (chunk,) = iter_lobster_event_chunks(messages, orderbook_path=orderbook)
    assert isinstance(chunk, LobsterEventChunk)
    kinds = [EventKind(k).name for k in chunk.events["kind"]]
    # seed: the book before message 0 (its add undone: the bid side is unknown), then the messages, with a
    # CLEAR + SNAPSHOT reveal after the fill that emptied the best bid.
    assert kinds == [
        "CLEAR",
        "SNAPSHOT",
        "ADD",
        "FILL",
        "CLEAR",
        "SNAPSHOT",
        "CANCEL",
        "TRADE",
        "CANCEL",
        "ADD",
    ]
    assert chunk.events["side"][[0, 1, 4, 5]].tolist() == [0, SELL, BUY, BUY]
    assert chunk.events["price"][[1, 5]].tolist() == [10002, 9999]
    assert chunk.events["qty"][[1, 5]].tolist() == [7, 20]
    assert chunk.message_end.tolist() == [3, 6, 7, 8, 9, 9, 10]
    assert (chunk.seed_events, chunk.reveals) == (2, 1)
    result = check_lobster_replay(messages, orderbook)
    assert (result.messages, result.bid_matched, result.ask_matched) == (7, 7, 7)
    assert (result.bid_reveals, result.ask_reveals, result.reveals) == (1, 0, 1)
    assert result.unexplained_qty == 0 and len(result.mismatched) == 0
    seed_only = check_lobster_replay(messages, orderbook, orderbook_sync="seed")
    # without the reveal the 99.99 level stays unknown: bid wrong from message 1 on, the 8-lot cancel unexplained
    assert seed_only.mismatched.tolist() == [1, 2, 3, 4, 5, 6]
    assert (seed_only.ask_matched, seed_only.unexplained_qty, seed_only.unexplained_events) == (7, 8, 1)


def test_header_on_one_file_only_keeps_chunks_aligned(tmp_path: Path) -> None:
    messages, orderbook = level1_pair(tmp_path)
    messages.write_text("Time,Type,OrderID,Size,Price,Direction\n" + messages.read_text())
    for chunk_size in (1, 2, 3, 100):
        result = check_lobster_replay(messages, orderbook, chunk_size=chunk_size)
        assert (result.messages, result.bid_matched, result.ask_matched) == (7, 7, 7)


def test_non_text_file_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / f"{NAME}_message_1.csv"
    path.write_bytes(b"34200.1,1,5,10,1000000,1\n\xff\xfe,1\n")
    with pytest.raises(DataError, match="not a text"):
        read_lobster_messages(path)


def test_orderbook_must_have_one_row_per_message(tmp_path: Path) -> None:
    messages, orderbook = level1_pair(tmp_path)
    rows = orderbook.read_text().splitlines()
    orderbook.write_text("\n".join(rows[:-1]) + "\n")
    with pytest.raises(DataError, match="fewer rows than the message file"):
        read_lobster_events(messages, orderbook_path=orderbook)
    orderbook.write_text("\n".join([*rows, rows[-1]]) + "\n")
    with pytest.raises(DataError, match="more rows than the message file"):
        read_lobster_events(messages, orderbook_path=orderbook)


# -- the AMZN day -------------------------------------------------------------------------------------------


def test_amzn_default_grid_rejects_half_cent_hidden_executions(amzn: tuple[Path, Path]) -> None:
    messages, _ = amzn
    with pytest.raises(DataError, match=re.escape("223.795 is not a multiple of tick_size 0.01")) as caught:
        read_lobster_events(messages)
    assert (caught.value.line, caught.value.field) == (581, "Price")


def test_amzn_loads_whole_and_in_chunks(amzn: tuple[Path, Path]) -> None:
    messages, orderbook = amzn
    raw = read_lobster_messages(messages)
    assert len(raw) == 57_515
    assert np.bincount(raw["type"]).tolist() == [0, 27_845, 16, 18_235, 8_974, 2_445]
    whole = read_lobster_events(messages, tick_size=0.005)
    chunked = concat_chunks(iter_lobster_events(messages, tick_size=0.005, chunk_size=7_000))
    assert len(whole) == 57_515 and bool((whole == chunked).all())
    book = read_lobster_orderbook(orderbook)
    assert len(book) == 57_515 and book.levels == 1
    synced = read_lobster_events(messages, orderbook_path=orderbook, tick_size=0.005)
    assert len(synced) == 85_424  # 57,515 messages + 3 seed events + 13,953 reveals of 2 events each


def test_amzn_replay_matches_the_orderbook_after_every_message(amzn: tuple[Path, Path]) -> None:
    messages, orderbook = amzn
    result = check_lobster_replay(messages, orderbook, tick_size=0.005)
    assert result.messages == 57_515
    assert (result.bid_matched, result.ask_matched, result.both_matched) == (57_515, 57_515, 57_515)
    assert (result.bid_reveals, result.ask_reveals) == (6_884, 7_069)
    # So 50,631 bid and 50,446 ask states were reproduced by the messages alone, none missed.
    assert (result.unexplained_qty, result.unexplained_events) == (0, 0)
    # Same on a cent grid (the 63 half-cent hidden prints rounded; they do not touch the book), in small chunks.
    cents = check_lobster_replay(messages, orderbook, price_rounding="down", chunk_size=5_000)
    assert (cents.bid_matched, cents.ask_matched, cents.reveals) == (57_515, 57_515, 13_953)


def test_amzn_messages_alone_cannot_track_a_level_1_book(amzn: tuple[Path, Path]) -> None:
    """Without reveals, levels outside LOBSTER's level-1 window stay unknown: measured 909 bid and 2,163 ask
    matches of 57,515 (1.58% / 3.76%), 461,014 shares cancelled or executed that the book never saw."""
    messages, orderbook = amzn
    result = check_lobster_replay(messages, orderbook, tick_size=0.005, orderbook_sync="seed")
    assert (result.bid_matched, result.ask_matched) == (909, 2_163)
    assert result.bid_rate >= 0.015 and result.ask_rate >= 0.037
    assert result.unexplained_qty == 461_014


def l3_state_after(chunk: LobsterEventChunk, message: int) -> L3Book:
    book = L3Book()
    book.apply(chunk.events[: chunk.message_end[message]], unknown_orders="residual")
    return book


def test_amzn_hand_checked_messages(amzn: tuple[Path, Path]) -> None:
    """Messages read by hand against the orderbook file (line = message index + 2, after the header)."""
    messages, orderbook = amzn
    chunk = next(iter_lobster_event_chunks(messages, orderbook_path=orderbook, price_rounding="down", chunk_size=100))
    # Message 0 (line 2) is a hidden execution: the seed is orderbook row 1 as is.
    seeded = l3_state_after(chunk, 0)
    assert seeded.levels(BUY) == [L3Level(22318, 100, 0, unattributed=100)]
    assert seeded.levels(SELL) == [L3Level(22395, 100, 0, unattributed=100)]
    # Line 3: order 11885113 buys 21 at 223.81, a new best bid; it is first in its queue.
    book = l3_state_after(chunk, 1)
    assert book.best_bid() == (22381, 21) and book.queue_position(11885113) == 0
    # Line 4: it is executed in full; the level empties and 223.75 x 100 is revealed from the orderbook row.
    book = l3_state_after(chunk, 2)
    assert book.levels(BUY) == [L3Level(22375, 100, 0, unattributed=100)]
    assert chunk.message_end[2] - chunk.message_end[1] == 3  # FILL, CLEAR, SNAPSHOT
    # Line 5: 26 shares of order 11534792, never seen (resting since before 09:30), execute: 74 remain, no reveal.
    book = l3_state_after(chunk, 3)
    assert book.levels(BUY) == [L3Level(22375, 74, 0, unattributed=74)]
    assert chunk.message_end[3] - chunk.message_end[2] == 1
    # Lines 12-14: three pre-open asks execute; 223.95 then 223.96 empty, each revealing the next ask.
    book = l3_state_after(chunk, 12)
    assert book.best_ask() == (22399, 100)
    # Line 15: the pre-open order at 223.99 executes in full; 224.00 x 1451 comes into view.
    assert l3_state_after(chunk, 13).best_ask() == (22400, 1451)
    # Line 16: order 16207239 sells 100 at 223.99, inside the spread: a new level, first in its queue.
    book = l3_state_after(chunk, 14)
    assert book.levels(SELL, 2) == [L3Level(22399, 100, 1), L3Level(22400, 1451, 0, unattributed=1451)]
    assert book.queue_position(16207239) == 0
