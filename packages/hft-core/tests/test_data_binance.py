"""Binance capture loader: the sync procedure on real captures and on crafted ones, and bad input."""

from __future__ import annotations

import gzip
import heapq
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hft_core.data.binance import (
    BinanceCaptureReader,
    BinanceMarket,
    BinanceSyncStats,
    binance_instrument,
    detect_binance_capture,
    read_binance_capture,
)
from hft_core.data.samples import shared_data_path as _sample_dir
from hft_core.errors import ConfigError, DataError
from hft_core.events import BUY, SELL, EventKind, Events
from hft_core.instruments import Instrument

# -- the three shared captures ----------------------------------------------------------------------------------

CAPTURES: dict[str, tuple[BinanceMarket, str]] = {
    "spot_btcusdt_20240808.gz": ("spot", "BTCUSDT"),
    "usdm_btcusdt_20240808.gz": ("usdm", "BTCUSDT"),
    "cm_btcusd_perp_20240808.gz": ("coinm", "BTCUSD_PERP"),
}

# Measured once and pinned: any change to parsing or sync shows up here.
EXPECTED = {
    "spot_btcusdt_20240808.gz": {
        "counts": {"DEPTH": 124_073, "TRADE": 9_757, "CLEAR": 1, "SNAPSHOT": 2_000},
        "stats": {
            "lines": 41_249,
            "depth_updates": 3_451,
            "depth_applied": 3_449,
            "stale_dropped": 2,
            "snapshots_seen": 1,
            "snapshots_used": 1,
            "gaps": 0,
            "resyncs": 0,
            "trades": 9_757,
            "book_tickers_skipped": 28_040,
        },
    },
    "usdm_btcusdt_20240808.gz": {
        "counts": {"DEPTH": 443_262, "TRADE": 21_313, "CLEAR": 1, "SNAPSHOT": 2_000},
        "stats": {
            "lines": 93_954,
            "depth_updates": 6_551,
            "depth_applied": 6_547,
            "stale_dropped": 4,
            "snapshots_seen": 1,
            "snapshots_used": 1,
            "gaps": 0,
            "resyncs": 0,
            "trades": 21_313,
            "book_tickers_skipped": 66_089,
        },
    },
    "cm_btcusd_perp_20240808.gz": {
        "counts": {"DEPTH": 295_747, "TRADE": 2_286, "CLEAR": 1, "SNAPSHOT": 2_000},
        "stats": {
            "lines": 48_270,
            "depth_updates": 26_847,
            "depth_applied": 26_824,
            "stale_dropped": 23,
            "snapshots_seen": 1,
            "snapshots_used": 1,
            "gaps": 0,
            "resyncs": 0,
            "trades": 2_286,
            "book_tickers_skipped": 19_136,
        },
    },
}

_LOADED: dict[str, tuple[Events, BinanceSyncStats]] = {}


def _load(name: str) -> tuple[Events, BinanceSyncStats]:
    if name not in _LOADED:
        _LOADED[name] = read_binance_capture(_sample_dir("binance-2024-08-08") / name)
    return _LOADED[name]


class _Book:
    """A minimal dict L2 book; best prices come from lazily cleaned heaps."""

    def __init__(self) -> None:
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        self._bid_heap: list[int] = []
        self._ask_heap: list[int] = []

    def clear(self) -> None:
        self.bids.clear()
        self.asks.clear()
        self._bid_heap.clear()
        self._ask_heap.clear()

    def set(self, side: int, price: int, qty: int) -> None:
        levels = self.bids if side == BUY else self.asks
        if qty:
            if price not in levels:
                heapq.heappush(self._bid_heap if side == BUY else self._ask_heap, -price if side == BUY else price)
            levels[price] = qty
        else:
            levels.pop(price, None)

    def best_bid(self) -> int | None:
        while self._bid_heap and -self._bid_heap[0] not in self.bids:
            heapq.heappop(self._bid_heap)
        return -self._bid_heap[0] if self._bid_heap else None

    def best_ask(self) -> int | None:
        while self._ask_heap and self._ask_heap[0] not in self.asks:
            heapq.heappop(self._ask_heap)
        return self._ask_heap[0] if self._ask_heap else None


_TOPS: dict[str, tuple[list[int | None], list[int | None], list[int]]] = {}


def _tops(name: str) -> tuple[list[int | None], list[int | None], list[int]]:
    """Best bid and ask after every row of a capture's events, and the rows that end a message's run."""
    if name not in _TOPS:
        events, _ = _load(name)
        kinds = events["kind"].tolist()
        sides, prices, qtys = events["side"].tolist(), events["price"].tolist(), events["qty"].tolist()
        local, exch = events["local_ts"].tolist(), events["exch_ts"].tolist()
        book_kinds = (EventKind.DEPTH, EventKind.SNAPSHOT)
        book = _Book()
        bids: list[int | None] = []
        asks: list[int | None] = []
        message_ends: list[int] = []
        count = len(kinds)
        for row in range(count):
            if kinds[row] == EventKind.CLEAR:
                book.clear()
            elif kinds[row] in book_kinds:
                book.set(sides[row], prices[row], qtys[row])
                if (
                    row + 1 == count
                    or kinds[row + 1] not in book_kinds
                    or (local[row + 1], exch[row + 1]) != (local[row], exch[row])
                ):
                    message_ends.append(row)
            bids.append(book.best_bid())
            asks.append(book.best_ask())
        _TOPS[name] = (bids, asks, message_ends)
    return _TOPS[name]


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_shared_capture_loads_with_pinned_counts_and_stats(name: str) -> None:
    events, stats = _load(name)
    expected = EXPECTED[name]
    counts = {kind.name: int((events["kind"] == kind).sum()) for kind in EventKind}
    assert {k: v for k, v in counts.items() if v} == expected["counts"]
    assert {key: getattr(stats, key) for key in expected["stats"]} == expected["stats"]
    assert stats.synced_at_end and not stats.gap_positions and stats.unsynced_dropped == 0
    assert (np.diff(events["local_ts"]) >= 0).all(), "local time must never run backwards"
    assert events["kind"][0] != EventKind.DEPTH, "no depth row may precede the first snapshot"


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_synced_book_is_never_crossed(name: str) -> None:
    bids, asks, message_ends = _tops(name)
    for row in message_ends:
        bid, ask = bids[row], asks[row]
        assert bid is None or ask is None or bid < ask, f"crossed book after row {row}: {bid} >= {ask}"
    assert len(message_ends) > 1_000


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_synced_book_matches_book_ticker_at_the_same_update_id(name: str) -> None:
    """Where a bookTicker's update id equals a depth message's last id, both must show the same top of book."""
    path = _sample_dir("binance-2024-08-08") / name
    instrument = binance_instrument(*CAPTURES[name])
    snapshot_id = 0
    tops: dict[int, tuple[int, int]] = {}
    applied: list[tuple[int, int]] = []  # (u, level count) of each depth message
    with gzip.open(path, "rt") as handle:
        for line in handle:
            message = json.loads(line.split(" ", 1)[1])
            data = message.get("data", message)
            if "lastUpdateId" in message:
                snapshot_id = message["lastUpdateId"]
            elif data.get("e") == "depthUpdate":
                applied.append((data["u"], len(data["b"]) + len(data["a"])))
            elif "B" in data and "A" in data:
                bid, ask = (instrument.price_to_ticks(float(data[key])) for key in ("b", "a"))
                tops[data["u"]] = (bid, ask)
    applied = [(update_id, count) for update_id, count in applied if update_id > snapshot_id]  # not stale

    events, _ = _load(name)
    bids, asks, _ = _tops(name)
    depth_rows = np.flatnonzero(events["kind"] == EventKind.DEPTH)
    # Message k's rows end at depth row (cumulative level count - 1); an empty message ends where the last did.
    ends = np.cumsum([count for _, count in applied]) - 1
    compared = 0
    for (update_id, _), end in zip(applied, ends.tolist(), strict=True):
        if end >= 0 and update_id in tops:
            row = int(depth_rows[end])
            compared += 1
            assert (bids[row], asks[row]) == tops[update_id], f"update {update_id} (row {row})"
    assert compared > 500


def test_first_rows_follow_the_sync_rules() -> None:
    events, _ = _load("spot_btcusdt_20240808.gz")
    instrument = binance_instrument("spot", "BTCUSDT")
    first_trade = events[events["kind"] == EventKind.TRADE][0]
    # {"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true}: buyer is maker -> a seller hit the bid.
    assert int(first_trade["price"]) == instrument.price_to_ticks(61837.63)
    assert int(first_trade["qty"]) == instrument.qty_to_lots(0.02)
    assert int(first_trade["side"]) == SELL
    assert int(first_trade["exch_ts"]) == 1723161255342 * 1_000_000
    assert int(first_trade["local_ts"]) == 1723161254087896568
    assert int(first_trade["order_id"]) == 3735683259
    clear = events[events["kind"] == EventKind.CLEAR][0]
    # The spot REST snapshot has no time: it takes the E of the last depth message before it (line 6).
    assert int(clear["local_ts"]) == 1723161254206652067
    assert int(clear["exch_ts"]) == 1723161255408 * 1_000_000
    first_depth = events[events["kind"] == EventKind.DEPTH][0]
    # The buffered straddling update (line 6) becomes known at the snapshot's arrival.
    assert int(first_depth["local_ts"]) == int(clear["local_ts"])


def test_detects_market_and_symbol() -> None:
    base = _sample_dir("binance-2024-08-08")
    for name, expected in CAPTURES.items():
        assert detect_binance_capture(base / name) == expected


def test_chunks_are_bounded_and_concatenate_to_the_whole() -> None:
    path = _sample_dir("binance-2024-08-08") / "spot_btcusdt_20240808.gz"
    chunks = list(BinanceCaptureReader(path, chunk_size=10_000))
    assert max(len(c) for c in chunks) == 10_000
    assert np.array_equal(np.concatenate(chunks), _load("spot_btcusdt_20240808.gz")[0])


# -- crafted captures -------------------------------------------------------------------------------------------

SPOT = Instrument("BTCUSDT", tick_size=0.01, lot_size=0.001)
T0 = 1_700_000_000_000_000_000


def _depth(
    u_first: int, u_last: int, bids: list[list[Any]], asks: list[list[Any]], pu: int | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {"e": "depthUpdate", "E": 1_700_000_001_000 + u_last, "s": "BTCUSDT", "U": u_first}
    data.update({"u": u_last, "b": bids, "a": asks})
    if pu is not None:
        data["pu"] = pu
        data["T"] = data["E"] - 1
    return {"stream": "btcusdt@depth@100ms", "data": data}


def _snapshot(last_id: int, bids: list[list[Any]], asks: list[list[Any]]) -> dict[str, Any]:
    return {"lastUpdateId": last_id, "bids": bids, "asks": asks}


def _trade(price: str, qty: str, buyer_is_maker: bool) -> dict[str, Any]:
    data = {"e": "trade", "E": 1_700_000_001_500, "T": 1_700_000_001_499, "s": "BTCUSDT", "t": 7}
    data.update({"p": price, "q": qty, "m": buyer_is_maker})
    return {"stream": "btcusdt@trade", "data": data}


def _write(path: Path, messages: list[dict[str, Any] | str], *, compress: bool = True) -> Path:
    lines = []
    for index, message in enumerate(messages):
        text = message if isinstance(message, str) else json.dumps(message)
        lines.append(f"{T0 + index * 1_000_000} {text}\n")
    payload = "".join(lines).encode()
    path.write_bytes(gzip.compress(payload) if compress else payload)
    return path


def _book_after(events: Events) -> tuple[dict[int, int], dict[int, int]]:
    book = _Book()
    for row in events:
        if row["kind"] == EventKind.CLEAR:
            book.clear()
        elif row["kind"] in (EventKind.DEPTH, EventKind.SNAPSHOT):
            book.set(int(row["side"]), int(row["price"]), int(row["qty"]))
    return book.bids, book.asks


def test_buffered_updates_are_synced_and_stale_ones_dropped(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "c.gz",
        [
            _depth(90, 95, [["100.00", "1"]], []),  # stale: u <= lastUpdateId
            _depth(96, 101, [["100.01", "2"]], []),  # straddles 101 = lastUpdateId + 1
            _snapshot(100, [["100.00", "5"]], [["100.05", "3"]]),
            _depth(102, 104, [["100.00", "0"]], [["100.04", "1"]]),
            _trade("100.05", "0.5", False),
        ],
    )
    events, stats = read_binance_capture(path, SPOT)
    assert (stats.stale_dropped, stats.depth_applied, stats.snapshots_used, stats.gaps) == (1, 2, 1, 0)
    assert events["kind"].tolist() == [
        EventKind.CLEAR,
        EventKind.SNAPSHOT,
        EventKind.SNAPSHOT,
        EventKind.DEPTH,
        EventKind.DEPTH,
        EventKind.DEPTH,
        EventKind.TRADE,
    ]
    bids, asks = _book_after(events)
    assert bids == {10001: 2000} and asks == {10004: 1000, 10005: 3000}
    assert int(events[-1]["side"]) == BUY  # buyer was the taker


def test_sequence_gap_clears_the_book_and_resyncs_from_the_next_snapshot(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "gap.gz",
        [
            _snapshot(100, [["100.00", "5"]], [["100.05", "3"]]),
            _depth(101, 102, [["100.01", "1"]], []),
            _depth(103, 104, [["100.02", "1"]], []),
            _depth(110, 111, [["100.03", "1"]], []),  # gap: expected U = 105
            _depth(112, 113, [["100.00", "7"]], []),  # buffered while out of sync
            _snapshot(111, [["99.00", "1"]], [["101.00", "2"]]),
            _depth(114, 115, [], [["101.00", "0"], ["100.90", "4"]]),
        ],
    )
    events, stats = read_binance_capture(path, SPOT)
    assert (stats.gaps, stats.resyncs, stats.snapshots_used, stats.stale_dropped) == (1, 1, 2, 1)
    assert [(g.line, g.expected, g.received, g.rule) for g in stats.gap_positions] == [
        (4, 105, 110, "U == previous u + 1")
    ]
    clears = np.flatnonzero(events["kind"] == EventKind.CLEAR)
    assert len(clears) == 3  # first sync, the gap, the resync
    gap_clear = events[clears[1]]
    assert int(gap_clear["local_ts"]) == T0 + 3 * 1_000_000
    assert clears[2] == clears[1] + 1, "no book rows between the gap and the resync"
    bids, asks = _book_after(events)
    assert bids == {9900: 1000, 10000: 7000} and asks == {10090: 4000}
    assert stats.synced_at_end


def test_futures_continuity_uses_pu(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "fut.gz",
        [
            _depth(95, 98, [["100.00", "1"]], [], pu=90),  # stale
            _snapshot(99, [["100.00", "5"]], [["100.05", "3"]]),
            _depth(103, 107, [["100.01", "1"]], [], pu=98),  # ids skip on futures; pu == last stale u
            _depth(120, 130, [["100.02", "1"]], [], pu=107),  # continuous although U != 108
            _depth(140, 150, [["100.03", "1"]], [], pu=131),  # gap: pu != 130
        ],
    )
    events, stats = read_binance_capture(path, SPOT)
    assert (stats.depth_applied, stats.gaps, stats.unsynced_dropped, stats.synced_at_end) == (2, 1, 1, False)
    assert stats.gap_positions[0].rule == "pu == previous u"
    assert int(events[-1]["kind"]) == EventKind.CLEAR
    assert int(events[3]["exch_ts"]) == (1_700_000_001_000 + 107 - 1) * 1_000_000  # T, not E


def test_snapshot_older_than_the_buffer_is_rejected(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "old.gz",
        [
            _depth(120, 125, [["100.00", "1"]], []),
            _snapshot(100, [["100.00", "5"]], [["100.05", "3"]]),  # 101..119 are missing
            _snapshot(121, [["100.00", "4"]], [["100.05", "3"]]),
            _depth(126, 127, [["100.01", "1"]], []),
        ],
    )
    events, stats = read_binance_capture(path, SPOT)
    assert (stats.snapshots_rejected, stats.snapshots_used, stats.depth_applied) == (1, 1, 2)
    assert _book_after(events)[0] == {10000: 1000, 10001: 1000}


def test_trades_before_the_first_snapshot_are_kept_and_book_tickers_counted(tmp_path: Path) -> None:
    ticker = {"stream": "btcusdt@bookTicker", "data": {"u": 1, "s": "BTCUSDT", "b": "1", "B": "1", "a": "2", "A": "1"}}
    path = _write(tmp_path / "t.gz", [_trade("100.00", "1", True), ticker, {"stream": "x", "data": {"e": "kline"}}])
    events, stats = read_binance_capture(path, SPOT)
    assert events["kind"].tolist() == [EventKind.TRADE] and int(events[0]["side"]) == SELL
    assert (stats.book_tickers_skipped, stats.other_skipped) == (1, {"kline": 1})


def test_duplicate_trade_streams_and_snapshots_while_synced(tmp_path: Path) -> None:
    aggregate = _trade("100.00", "2", False)
    aggregate["data"].update({"e": "aggTrade", "a": 99})
    path = _write(
        tmp_path / "dup.gz",
        [
            aggregate,  # the first trade stream seen wins under trade_stream="auto"
            _trade("100.00", "2", False),
            _snapshot(100, [["100.00", "5"]], [["100.05", "3"]]),
            _depth(101, 101, [], []),
            _snapshot(101, [["99.00", "5"]], [["100.05", "3"]]),  # in sync already: ignored
        ],
    )
    events, stats = read_binance_capture(path, SPOT)
    assert (stats.trades, stats.trades_skipped, stats.snapshots_ignored, stats.snapshots_used) == (1, 1, 1, 1)
    assert int(events[0]["order_id"]) == 99
    events, stats = read_binance_capture(path, SPOT, trade_stream="trade")
    assert (stats.trades, int(events[0]["order_id"])) == (1, 7)
    assert _book_after(events)[0] == {10000: 5000}


def test_off_grid_price_needs_a_rounding_option(tmp_path: Path) -> None:
    path = _write(tmp_path / "grid.gz", [_trade("100.005", "1", True)])
    with pytest.raises(DataError, match=r"not a multiple of the tick size.*price_rounding") as error:
        read_binance_capture(path, SPOT)
    assert (error.value.line, error.value.field) == (1, "p")
    events, _ = read_binance_capture(path, SPOT, price_rounding="down")
    assert int(events[0]["price"]) == 10000


# -- bad input ------------------------------------------------------------------------------------------------


def _assert_data_error(path: Path, line: int | None, field: str | None, match: str, **options: Any) -> None:
    with pytest.raises(DataError, match=match) as error:
        read_binance_capture(path, SPOT, **options)
    assert error.value.path == str(path)
    assert (error.value.line, error.value.field) == (line, field)


def test_malformed_json_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "j.gz", [_trade("100.00", "1", True), '{"stream": "btcusdt@trade", "data": {'])
    _assert_data_error(path, 2, None, "malformed JSON")


@pytest.mark.parametrize(
    ("qty", "match"), [("NaN", "not a finite number"), ("-1.5", "is negative"), ("abc", "is not a number")]
)
def test_bad_depth_size(tmp_path: Path, qty: str, match: str) -> None:
    path = _write(
        tmp_path / "q.gz",
        [_snapshot(100, [["100.00", "5"]], []), _depth(101, 101, [["100.00", "1"], ["99.99", qty]], [])],
    )
    _assert_data_error(path, 2, "b[1][1]", match)


def test_nan_in_snapshot_and_trade(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.gz", [_snapshot(100, [["100.00", "5"]], [["100.05", "nan"]])])
    _assert_data_error(path, 1, "asks[0][1]", "not a finite number")
    path = _write(tmp_path / "t.gz", [_trade("100.00", "0", True)])
    _assert_data_error(path, 1, "q", "must be positive")


def test_missing_and_mistyped_fields(tmp_path: Path) -> None:
    message = _depth(101, 102, [], [])
    del message["data"]["u"]
    _assert_data_error(_write(tmp_path / "m.gz", [message]), 1, "u", "missing field")
    trade = _trade("100.00", "1", True)
    trade["data"]["m"] = "yes"
    _assert_data_error(_write(tmp_path / "m2.gz", [trade]), 1, "m", "true or false")
    bad_level = _depth(101, 102, [["100.00"]], [])
    _assert_data_error(_write(tmp_path / "m3.gz", [bad_level]), 1, "b[0]", "pair")


def test_local_time_running_backwards(tmp_path: Path) -> None:
    text = json.dumps(_trade("100.00", "1", True))
    path = tmp_path / "back.txt"
    path.write_text(f"{T0 + 5} {text}\n{T0} {text}\n")
    _assert_data_error(path, 2, "local_ts", "earlier than the previous line")
    path.write_text(f"12x {text}\n")
    _assert_data_error(path, 1, "local_ts", "not an integer")


def test_symbol_mismatch(tmp_path: Path) -> None:
    path = _write(tmp_path / "sym.gz", [_trade("100.00", "1", True)])
    with pytest.raises(DataError, match="does not match the instrument") as error:
        read_binance_capture(path, Instrument("ETHUSDT", 0.01, 0.001))
    assert error.value.field == "s"


def test_corrupt_gzip(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.gz", [_trade("100.00", "1", True)] * 2_000)
    payload = bytearray(good.read_bytes())
    middle = len(payload) // 2
    payload[middle : middle + 64] = bytes(64)
    corrupt = tmp_path / "corrupt.gz"
    corrupt.write_bytes(bytes(payload))
    with pytest.raises(DataError, match=r"corrupt|truncated|malformed") as error:
        read_binance_capture(corrupt, SPOT)
    assert error.value.path == str(corrupt) and error.value.line is not None


def test_truncated_gzip_fails_unless_the_tail_may_be_dropped(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.gz", [_trade("100.00", "1", True)] * 5_000)
    truncated = tmp_path / "truncated.gz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size * 2 // 3])
    with pytest.raises(DataError, match="truncated after line") as error:
        read_binance_capture(truncated, SPOT)
    assert error.value.line is not None and error.value.line > 1_000
    events, stats = read_binance_capture(truncated, SPOT, allow_truncated_tail=True)
    assert stats.truncated_tail and 1_000 < len(events) < 5_000
    assert len(events) == error.value.line - 1


def test_partial_last_line_of_a_plain_capture(tmp_path: Path) -> None:
    text = json.dumps(_trade("100.00", "1", True))
    path = tmp_path / "partial.txt"
    path.write_text(f"{T0} {text}\n{T0 + 1} {text[:30]}")
    _assert_data_error(path, 2, None, "malformed JSON")
    events, stats = read_binance_capture(path, SPOT, allow_truncated_tail=True)
    assert len(events) == 1 and stats.truncated_tail


def test_a_symbol_outside_the_table_names_the_cli_options() -> None:
    assert binance_instrument("spot", "ETHUSDT").tick_size == 0.01  # in the bundled table
    with pytest.raises(ConfigError, match="not in the instrument table; give its grid with --tick-size and --lot-size"):
        binance_instrument("spot", "NOSUCHUSDT")
