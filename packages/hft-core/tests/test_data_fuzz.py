"""Fuzzing every loader with mutated inputs: a `DataError` (an `HftError`) with a message, or a checked load.

Seeded and bounded: a few thousand mutations of small valid inputs of every format (Binance capture, the four
Tardis data types, LOBSTER message + orderbook files, hftbacktest arrays, our events files). Each load either
raises an `HftError` whose message says what is wrong, or returns events that pass the stream checks (their
counters are in the stats). Any other exception is a loader bug: a traceback for a user.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hft_core.data._checks import check_values
from hft_core.data.eventfile import save_events
from hft_core.data.formats import load_source
from hft_core.data.hftbacktest_npz import BUY_EVENT, DEPTH_EVENT, EXCH_EVENT, LOCAL_EVENT, SELL_EVENT, TRADE_EVENT
from hft_core.data.lobster import read_lobster_events
from hft_core.errors import HftError
from hft_core.events import BUY, SELL, EventKind, empty_events
from hft_core.instruments import Instrument

pytestmark = pytest.mark.slow

SEED = 17
BUDGET_S = 18.0
"""The whole fuzz run stays under this on one core; the mutation counts below are sized well inside it."""

TOKENS = [
    "0", "-1", "-0.0", "1e400", "NaN", "inf", "99999999999999999999", "9223372036854775807", "1e-300", '"', "'",
    "[", "]", "{", "}", ",", ":", "null", "true", "false", "\n", "\r\n", "\x00", "é", " ", "[[", "{}",
    '"b":[["1","2"]]', '"lastUpdateId":1', "-9223372036854775809", "0.000000001", "1.5", "bid", "ask", "unknown",
]  # fmt: skip


L3_SEED = """time,order_id,side,price,size,action
1700000000000000000,1,buy,100.00,1.0,add
1700000000000001000,2,sell,100.05,2.0,add
1700000000000002000,3,buy,99.99,0.5,add
1700000000000003000,1,buy,100.00,0.4,modify
1700000000000004000,2,sell,100.05,1.0,trade
1700000000000005000,0,buy,100.02,0.3,trade
1700000000000006000,3,buy,99.99,,cancel
2023-11-14T22:13:20.000007Z,4,sell,100.04,1.5,add
"""


def _mutate_text(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 3)):
        if not text:
            return rng.choice(TOKENS)
        op = rng.randrange(7)
        at = rng.randrange(len(text))
        if op == 0:
            text = text[:at] + chr(rng.randrange(32, 127)) + text[at + 1 :]
        elif op == 1:
            text = text[:at] + text[at + rng.randint(1, 12) :]
        elif op == 2:
            text = text[:at] + rng.choice(TOKENS) + text[at:]
        elif op == 3 or op == 4:
            lines = text.split("\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            if op == 3:
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        elif op == 5:
            text = text[:at]
        else:
            digits = [k for k, c in enumerate(text) if c.isdigit()]
            if digits:
                k = rng.choice(digits)
                text = text[:k] + rng.choice(TOKENS[:9]) + text[k + 1 :]
    return text


def _binance_seed() -> str:
    def depth(first: int, last: int, bids: list[list[str]], asks: list[list[str]], ms: int) -> dict[str, Any]:
        return {"e": "depthUpdate", "E": ms, "s": "BTCUSDT", "U": first, "u": last, "b": bids, "a": asks}

    lines: list[tuple[int, Any]] = [
        (1_000, depth(8, 9, [["100.00", "1.0"]], [], 1)),
        (2_000, {"lastUpdateId": 10, "bids": [["100.00", "1.0"], ["99.99", "2.0"]], "asks": [["100.01", "1.5"]]}),
        (3_000, depth(10, 11, [["100.00", "3.0"]], [["100.02", "0.5"]], 3)),
        (
            4_000,
            {"e": "trade", "E": 4, "T": 4, "s": "BTCUSDT", "t": 7, "p": "100.01", "q": "0.5", "m": False, "M": True},
        ),
        (5_000, {"u": 11, "s": "BTCUSDT", "b": "100.00", "B": "3.0", "a": "100.01", "A": "1.5"}),
        (6_000, depth(12, 13, [["100.00", "0"]], [["100.01", "2.0"]], 6)),
    ]
    return "".join(f"{ts} {json.dumps(message)}\n" for ts, message in lines)


TARDIS_SEEDS = {
    "incremental": (
        "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n"
        "deribit,BTC,1,2,true,bid,100.0,5\nderibit,BTC,1,2,true,ask,100.5,3\n"
        "deribit,BTC,3,4,false,bid,100.0,0\nderibit,BTC,5,6,false,bid,99.5,2\nderibit,BTC,7,8,false,ask,101,1\n"
    ),
    "trades": (
        "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
        "bitmex,BTC,1,2,1,buy,100.5,1\nbitmex,BTC,3,4,abc-1,sell,100,2\nbitmex,BTC,5,6,3,unknown,100,1\n"
    ),
    "quotes": (
        "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount\n"
        "huobi,BTC,1,2,5,100.5,100,8\nhuobi,BTC,3,4,5,100.5,100,6\nhuobi,BTC,5,6,2,101,100.5,1\n"
    ),
    "book_snapshot_2": (
        "exchange,symbol,timestamp,local_timestamp,asks[0].price,asks[0].amount,asks[1].price,asks[1].amount,"
        "bids[0].price,bids[0].amount,bids[1].price,bids[1].amount\n"
        "binance,BTC,1,2,100.5,1,101,2,100,3,99.5,4\nbinance,BTC,3,4,100.5,2,101,2,100,3,,\n"
    ),
}

LOBSTER_MESSAGES = (
    "Time,Type,OrderId,Size,Price,Direction\n"
    "34200.01,1,11,21,2238100,1\n34200.02,1,12,10,2239500,-1\n34200.03,3,11,21,2238100,1\n"
    "34200.04,1,13,5,2238000,1\n34200.05,4,12,4,2239500,-1\n34200.06,2,13,2,2238000,1\n"
)
LOBSTER_BOOK = (
    "BestAsk,BestAskVolume,BestBid,BestBidVolume\n"
    "2239600,100,2238100,21\n2239500,10,2238100,21\n2239500,10,2231800,100\n"
    "2239500,10,2238000,5\n2239500,6,2238000,5\n2239500,6,2238000,3\n"
)


def _hftbacktest_seed() -> np.ndarray[Any, Any]:
    from hft_core.data.hftbacktest_npz import HFTBACKTEST_EVENT_DTYPE

    rows = np.zeros(5, dtype=HFTBACKTEST_EVENT_DTYPE)
    both = EXCH_EVENT | LOCAL_EVENT
    rows["ev"] = [
        both | BUY_EVENT | DEPTH_EVENT,
        both | SELL_EVENT | DEPTH_EVENT,
        both | BUY_EVENT | DEPTH_EVENT,
        both | SELL_EVENT | TRADE_EVENT,
        both | SELL_EVENT | DEPTH_EVENT,
    ]
    rows["exch_ts"] = [10, 20, 30, 40, 50]
    rows["local_ts"] = [15, 25, 35, 45, 55]
    rows["px"] = [100.0, 100.5, 99.5, 100.0, 100.5]
    rows["qty"] = [1.0, 2.0, 3.0, 1.0, 0.0]
    return rows


def _events_seed() -> Any:
    events = empty_events(7)
    events["exch_ts"] = np.arange(7) * 10 + 1
    events["local_ts"] = np.arange(7) * 10 + 5
    events["kind"] = [EventKind.CLEAR, *([EventKind.SNAPSHOT] * 4), EventKind.DEPTH, EventKind.TRADE]
    events["side"] = [0, BUY, BUY, SELL, SELL, BUY, SELL]
    events["price"] = [0, 9_900, 9_899, 9_901, 9_902, 9_900, 9_901]
    events["qty"] = [0, 5, 6, 7, 8, 9, 1]
    return events


_EXTREMES = [0, -1, 1, 2**31, 2**62, 2**63 - 1, -(2**63)]
_FLOAT_EXTREMES = [0.0, -1.0, np.nan, np.inf, 1e300, 1e-9, 0.3, 100.25]


def _mutate_array(array: np.ndarray[Any, Any], rng: random.Random) -> np.ndarray[Any, Any]:
    array = array.copy()
    names = list(array.dtype.names or ())
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(5)
        name = rng.choice(names)
        row = rng.randrange(len(array))
        column = array[name]
        if op <= 1:
            if column.dtype.kind == "f":
                column[row] = rng.choice(_FLOAT_EXTREMES)
            else:
                info = np.iinfo(column.dtype)
                column[row] = min(max(rng.choice(_EXTREMES), int(info.min)), int(info.max))
        elif op == 2:
            array[[row, rng.randrange(len(array))]] = array[[rng.randrange(len(array)), row]]
        elif op == 3:
            # the same fields in another order, or one of another type
            order = names[:]
            rng.shuffle(order)
            fields = [(n, array.dtype[n]) for n in order]
            if rng.random() < 0.5:
                k = rng.randrange(len(fields))
                fields[k] = (fields[k][0], rng.choice([np.int32, np.float32, np.uint64, np.int64, np.float64]))
            other = np.zeros(len(array), dtype=np.dtype(fields))
            with np.errstate(invalid="ignore", over="ignore"):
                for n in order:
                    other[n] = array[n].astype(other.dtype[n], casting="unsafe")
            return other
        else:
            array = array[: rng.randrange(len(array) + 1)]
            if not len(array):
                return array
    return array


def _check(load: Callable[..., Any], what: str, *args: Any, **kwargs: Any) -> str:
    """``load(*args, **kwargs)``: "error" for an `HftError` with a message, "loaded" for checked events."""
    try:
        result = load(*args, **kwargs)
    except HftError as error:
        assert str(error).strip(), f"{what}: an HftError without a message"
        return "error"
    except Exception as error:  # pragma: no cover - what the test exists to catch
        raise AssertionError(f"{what}: {type(error).__name__} escaped: {error}") from error
    events = getattr(result, "events", result)
    check_values(events, path=what)
    if hasattr(result, "stats"):
        assert "book_checks" in result.stats, what
        repairs = int(result.stats["book_checks"].get("crossed_updates", 0))
        crossed = _crossed_messages(events)
        # a book the plain reconstruction sees crossed is a counted repair in the output, and only then
        assert bool(crossed) == (repairs > 0), f"{what}: reference crossed: {bool(crossed)}, {repairs} counted repairs"
    return "loaded"


def _crossed_messages(events: Any) -> int:
    """The reference reconstruction: the L2 book of ``events`` (DEPTH, SNAPSHOT, CLEAR; per instrument) in plain
    dicts; 1 if a message (rows sharing local and exchange time) ends with it crossed (best bid >= best ask), else
    0. Until the first such message no repair applies, so the loaders' book is this one; from there on theirs is
    repaired. L3 streams are left to the L3 books (their loaders refuse a crossing): 0."""
    if np.isin(events["kind"], [EventKind.ADD, EventKind.CANCEL, EventKind.MODIFY, EventKind.FILL]).any():
        return 0
    books: dict[int, tuple[dict[int, int], dict[int, int]]] = {}
    rows = events.tolist()
    names = events.dtype.names
    at = {name: names.index(name) for name in ("exch_ts", "local_ts", "price", "qty", "instrument", "kind", "side")}
    for n, row in enumerate(rows):
        bids, asks = books.setdefault(row[at["instrument"]], ({}, {}))
        kind, side, price, qty = row[at["kind"]], row[at["side"]], row[at["price"]], row[at["qty"]]
        if kind == EventKind.CLEAR:
            if side >= 0:
                bids.clear()
            if side <= 0:
                asks.clear()
        elif kind in (EventKind.DEPTH, EventKind.SNAPSHOT):
            levels = bids if side == BUY else asks
            if qty > 0:
                levels[price] = qty
            else:
                levels.pop(price, None)
        message = (row[at["local_ts"]], row[at["exch_ts"]])
        last = n + 1 == len(rows) or (rows[n + 1][at["local_ts"]], rows[n + 1][at["exch_ts"]]) != message
        if last and any(b and a and max(b) >= min(a) for b, a in books.values()):
            return 1
    return 0


def test_every_loader_survives_mutated_inputs(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    started = time.process_time()
    outcomes: dict[str, dict[str, int]] = {}
    grid = Instrument("BTCUSDT", 0.01, 0.1)
    coarse = Instrument("BTC", 0.5, 1.0)

    def tally(fmt: str, outcome: str) -> None:
        outcomes.setdefault(fmt, {}).setdefault(outcome, 0)
        outcomes[fmt][outcome] += 1

    binance = _binance_seed()
    for n in range(500):
        path = tmp_path / f"b{n % 7}.txt"
        path.write_text(_mutate_text(binance, rng), encoding="utf-8", errors="surrogatepass")
        allow = rng.random() < 0.5
        tally(
            "binance",
            _check(load_source, f"binance #{n}", path, "binance", use_cache=False, allow_unsynced=allow),
        )
        path2 = tmp_path / "bi.txt"
        path2.write_bytes(path.read_bytes())
        tally(
            "binance",
            _check(load_source, f"binance+grid #{n}", path2, "binance", instrument=grid, use_cache=False),
        )

    for kind, seed in TARDIS_SEEDS.items():
        for n in range(220):
            path = tmp_path / f"t{n % 7}.csv"
            path.write_text(_mutate_text(seed, rng))
            allow = kind == "trades" or rng.random() < 0.3
            outcome = _check(
                load_source,
                f"tardis {kind} #{n}",
                path,
                "tardis",
                instrument=coarse,
                use_cache=False,
                allow_unsynced=allow,
            )
            tally(f"tardis {kind}", outcome)

    directory = tmp_path / "lobster"
    directory.mkdir()
    for n in range(300):
        messages = directory / "AMZN_2012-06-21_34200000_57600000_message_1.csv"
        book = directory / "AMZN_2012-06-21_34200000_57600000_orderbook_1.csv"
        which = rng.random()
        messages.write_text(_mutate_text(LOBSTER_MESSAGES, rng) if which < 0.6 else LOBSTER_MESSAGES)
        book.write_text(_mutate_text(LOBSTER_BOOK, rng) if which >= 0.4 else LOBSTER_BOOK)
        tally("lobster", _check(read_lobster_events, f"lobster #{n}", messages, orderbook_path=book))

    for n in range(300):
        path = tmp_path / f"l{n % 7}.csv"
        path.write_text(_mutate_text(L3_SEED, rng))
        tally("l3", _check(load_source, f"l3 #{n}", path, "l3", instrument=grid, use_cache=False))

    seed_rows = _hftbacktest_seed()
    for n in range(400):
        path = tmp_path / f"h{n % 7}.npz"
        np.savez(path, data=_mutate_array(seed_rows, rng))
        if rng.random() < 0.2:
            raw = bytearray(path.read_bytes())
            raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
            path.write_bytes(bytes(raw))
        outcome = _check(
            load_source,
            f"hftbacktest #{n}",
            path,
            "hftbacktest",
            instrument=coarse,
            use_cache=False,
            allow_unsynced=True,
        )
        tally("hftbacktest", outcome)

    seed_events = _events_seed()
    for n in range(500):
        suffix = ".parquet" if n % 4 == 0 else ".npz"
        path = tmp_path / f"e{n % 7}{suffix}"
        mutated = _mutate_array(seed_events, rng)
        try:
            with np.errstate(invalid="ignore", over="ignore"):
                as_events = mutated.astype(seed_events.dtype, casting="unsafe")
            save_events(path, as_events, {"n": n})
        except (TypeError, ValueError):
            continue
        if rng.random() < 0.3:
            raw = bytearray(path.read_bytes())
            raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
            path.write_bytes(bytes(raw))
        tally("events", _check(load_source, f"events #{n}", path, "events", allow_unsynced=True))

    elapsed = time.process_time() - started
    total = sum(sum(counts.values()) for counts in outcomes.values())
    assert total >= 3_000, outcomes
    # every format saw both outcomes: the mutations reach past the first check, and most are caught
    for fmt, counts in outcomes.items():
        assert counts.get("error", 0) > 0, (fmt, counts)
    assert elapsed < BUDGET_S, f"fuzzing took {elapsed:.1f} s of CPU"
