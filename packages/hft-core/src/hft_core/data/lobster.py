"""LOBSTER loader: NASDAQ message and orderbook files (lobsterdata.com) to `hft_core.events` arrays.

Format (LOBSTER's sample-files ReadMe). A message file ``TICKER_YYYY-MM-DD_START_END_message_LEVEL.csv`` has
one row per book event: Time (seconds after midnight, decimals up to ns), Type (1 new limit order, 2 partial
cancel, 3 full deletion, 4 execution of a visible order, 5 execution of a hidden order, 6 cross trade, 7 trading
halt), Order ID, Size (shares), Price (dollars × 10000) and Direction (1 buy order, -1 sell order). The matching
orderbook file has, per message, the book after it: AskPrice1, AskSize1, BidPrice1, BidSize1, AskPrice2, ...;
empty levels carry the dummy prices 9999999999 (ask) and -9999999999 (bid) with size 0. A header row, as some
re-published copies have, is skipped.

Conversion to `EVENT_DTYPE` (one event per message, in file order):

- 1 -> ``ADD``; 2 and 3 -> ``CANCEL`` (``qty`` = shares cancelled); 4 -> ``FILL``: all with the resting order's
  side (Direction) and id.
- 5 and 6 -> ``TRADE`` (they leave the visible book alone). A hidden execution's aggressor is the opposite of
  Direction; a cross trade's aggressor is unknown (side 0).
- 7 (halts) produce no event: `EVENT_DTYPE` has no trading-status kind. They stay visible in the raw message
  arrays (`read_lobster_messages`, ``type == 7``, price -1 halt / 0 quoting / 1 resume), and the orderbook
  rows LOBSTER writes for them repeat the previous book.
- Timestamps: ``exch_ts == local_ts`` = the trading date at midnight, New York time (``timezone``), plus Time.
  The date comes from the file name unless given. Trading hours never straddle a daylight-saving switch, so
  one UTC offset (the one at noon) serves the whole day.
- Prices: ticks of ``tick_size`` (default 0.01 $): LOBSTER price / 100. A price off that grid is a `DataError`
  unless ``price_rounding`` says how to round. Hidden executions often print at the midpoint, half a cent:
  load those days with ``tick_size=0.005`` or a rounding rule. Sizes are lots of one share.

Replaying a level-N file through an order-by-order book (`hft_core.book.L3Book` / `L3Replay`) needs two things
the message file cannot give:

1. *Orders resting before the file starts.* They are unknown, yet later messages cancel and execute them.
   The book is seeded from the first orderbook row with the first message undone (the state just before it),
   as *unattributed* lots per level: quantity at a price with no orders behind it, at the front of the queue.
   Cancels and executions of order ids the book never saw take their lots from there
   (``unknown_orders="residual"``).
2. *The book beyond the top N levels.* LOBSTER writes only messages inside the top-N price range. When a
   message empties a visible level, the level that moves up into view was built by messages the file does not
   have. So after such a message the side is re-snapshotted from that message's orderbook row (``CLEAR`` of the
   side, then ``SNAPSHOT`` rows of unattributed lots) -- a *reveal*. Everything else -- every add, partial
   cancel, and every execution or deletion that leaves its level standing -- must be explained by the messages
   alone, and `check_lobster_replay` measures that against the orderbook file after every message.

Reveals drop the identity of the revealed side's known orders (their lots become unattributed, still ahead of
any later order, which keeps FIFO positions exact); later messages about them are matched by the residual rule.
``orderbook_sync="seed"`` skips the reveals, to measure how far the messages alone get.

Every malformed row raises `DataError` with the file, the 1-based line and the field: wrong column count,
non-numeric values, unknown message type, non-positive size or price, bad direction, time going backwards,
off-grid prices, dummy levels with a size, unordered or crossed orderbook levels.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Literal, TextIO
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from hft_core.book.l3 import NO_ASK_PRICE, NO_BID_PRICE
from hft_core.errors import DataError
from hft_core.events import BUY, EVENT_DTYPE, SELL, EventKind, Events, concat_chunks, empty_events
from hft_core.instruments import Rounding

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "LOBSTER_MESSAGE_DTYPE",
    "LobsterBook",
    "LobsterEventChunk",
    "LobsterFileInfo",
    "LobsterReplayCheck",
    "MessageType",
    "OrderbookSync",
    "check_lobster_replay",
    "iter_lobster_event_chunks",
    "iter_lobster_events",
    "iter_lobster_messages",
    "iter_lobster_orderbook",
    "parse_lobster_filename",
    "read_lobster_events",
    "read_lobster_messages",
    "read_lobster_orderbook",
]

DEFAULT_CHUNK_SIZE = 65_536
"""Rows per chunk of the streaming readers."""

LOBSTER_MESSAGE_DTYPE = np.dtype(
    [
        ("time_ns", np.int64),  # nanoseconds after midnight
        ("type", np.int8),
        ("order_id", np.int64),
        ("size", np.int64),
        ("price", np.int64),  # dollars × 10000, as in the file
        ("direction", np.int8),
    ]
)
"""Validated message rows as they are in the file (price unconverted, time in ns after midnight)."""

OrderbookSync = Literal["seed", "reveal"]
"""How the orderbook file feeds an L3 replay: seed from its first row only, or also reveal hidden levels."""

LOBSTER_DUMMY_ASK = 9_999_999_999
LOBSTER_DUMMY_BID = -9_999_999_999
_PRICE_SCALE = 10_000  # LOBSTER prices are dollars × 10000
_MESSAGE_FIELDS = ("Time", "Type", "OrderID", "Size", "Price", "Direction")
_FILENAME = re.compile(
    r"^(?P<ticker>.+)_(?P<date>\d{4}-\d{2}-\d{2})_(?P<start>\d+)_(?P<end>\d+)_(?P<kind>message|orderbook)_"
    r"(?P<levels>\d+)\.csv$"
)
_INT_TEXT = re.compile(r"^\s*[+-]?\d+\s*$")
_TIME_TEXT = re.compile(r"^\d{1,9}(\.\d{1,9})?$")


class MessageType(IntEnum):
    """LOBSTER's message Type column."""

    NEW_ORDER = 1
    PARTIAL_CANCEL = 2
    DELETE = 3
    EXECUTE_VISIBLE = 4
    EXECUTE_HIDDEN = 5
    CROSS_TRADE = 6
    HALT = 7


@dataclass(frozen=True, slots=True)
class LobsterFileInfo:
    """What a LOBSTER file name says: ticker, trading date, time window (ms after midnight), kind, levels."""

    ticker: str
    date: dt.date
    start_ms: int
    end_ms: int
    kind: Literal["message", "orderbook"]
    levels: int


def parse_lobster_filename(path: str | Path) -> LobsterFileInfo:
    """Parse ``TICKER_YYYY-MM-DD_START_END_message|orderbook_LEVEL.csv``; a `DataError` if it is not one."""
    name = Path(path).name
    match = _FILENAME.match(name)
    if match is None:
        raise DataError(
            "not a LOBSTER file name (TICKER_YYYY-MM-DD_START_END_message|orderbook_LEVEL.csv)", path=str(path)
        )
    try:
        date = dt.date.fromisoformat(match["date"])
    except ValueError:
        raise DataError(f"invalid trading date {match['date']!r} in the file name", path=str(path)) from None
    kind: Literal["message", "orderbook"] = "message" if match["kind"] == "message" else "orderbook"
    return LobsterFileInfo(match["ticker"], date, int(match["start"]), int(match["end"]), kind, int(match["levels"]))


# -- raw rows -----------------------------------------------------------------------------------------------


def _open_rows(path: Path) -> TextIO:
    try:
        return path.open(newline=None, encoding="ascii")
    except OSError as error:
        raise DataError(f"cannot open: {error.strerror or error}", path=str(path)) from None


def _iter_line_chunks(path: Path, chunk_size: int) -> Iterator[tuple[int, list[str]]]:
    """``(line number of the chunk's first line, lines)``: ``chunk_size`` data rows a chunk, a header skipped.

    Chunks hold the same rows whether or not the file has a header, so a message file and its orderbook file
    stay aligned chunk by chunk.
    """
    if chunk_size <= 0:
        raise ValueError(f"chunk_size must be positive, got {chunk_size}")
    with _open_rows(path) as handle:
        try:
            first_line = handle.readline()
            pending = [] if not first_line or _is_header(first_line.rstrip("\n")) else [first_line]
            line_number = 1 if pending else 2
            while True:
                rows = itertools.chain(pending, itertools.islice(handle, chunk_size - len(pending)))
                lines = [line.rstrip("\n") for line in rows]
                pending = []
                if not lines:
                    return
                yield line_number, lines
                line_number += len(lines)
        except UnicodeDecodeError as error:
            raise DataError(f"not a text (ASCII) file: {error.reason}", path=str(path)) from None


def _is_header(line: str) -> bool:
    """A first line whose every field is a name (starts with a letter), as re-published copies add."""
    return all(cell.strip()[:1].isalpha() for cell in line.split(","))


def _diagnose_int_rows(
    path: Path, first_line: int, lines: list[str], fields: tuple[str, ...] | None, width: int | None
) -> DataError:
    """The precise error for the first row numpy could not parse as integers (``fields`` names the columns)."""
    for offset, line in enumerate(lines):
        cells = line.split(",")
        expected = len(fields) if fields is not None else width
        line_number = first_line + offset
        if expected is not None and len(cells) != expected:
            return DataError(
                f"expected {expected} comma-separated fields, found {len(cells)}", path=str(path), line=line_number
            )
        for column, cell in enumerate(cells):
            name = fields[column] if fields is not None else _orderbook_field(column)
            if column == 0 and fields is not None:
                if not _TIME_TEXT.match(cell.strip()):
                    return DataError(
                        f"{cell!r} is not a time in seconds after midnight (digits, up to 9 decimals)",
                        path=str(path),
                        line=line_number,
                        field=name,
                    )
            elif not _INT_TEXT.match(cell):
                return DataError(f"{cell!r} is not an integer", path=str(path), line=line_number, field=name)
            elif abs(int(cell)) >= 2**63:
                return DataError(f"{cell.strip()} is out of range", path=str(path), line=line_number, field=name)
    return DataError("unparsable rows in this chunk", path=str(path), line=first_line)


def _orderbook_field(column: int) -> str:
    return ("AskPrice", "AskSize", "BidPrice", "BidSize")[column % 4] + str(column // 4 + 1)


# -- messages -----------------------------------------------------------------------------------------------

_MESSAGE_TEXT_DTYPE = np.dtype(
    [
        ("time", "U32"),
        ("type", np.int64),
        ("order_id", np.int64),
        ("size", np.int64),
        ("price", np.int64),
        ("direction", np.int64),
    ]
)


def iter_lobster_messages(path: str | Path, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[npt.NDArray[np.void]]:
    """Validated rows of a message file as `LOBSTER_MESSAGE_DTYPE` chunks of at most ``chunk_size`` rows."""
    for _, rows in _iter_messages(Path(path), chunk_size):
        yield rows


def _iter_messages(path: Path, chunk_size: int) -> Iterator[tuple[int, npt.NDArray[np.void]]]:
    """Validated message chunks with the file line number of each chunk's first row."""
    last_time = -1
    for first_line, lines in _iter_line_chunks(path, chunk_size):
        columns, time_ns = _parse_message_lines(path, first_line, lines)
        _validate_messages(path, first_line, columns, time_ns, last_time)
        rows = np.zeros(len(columns), dtype=LOBSTER_MESSAGE_DTYPE)
        rows["time_ns"] = time_ns
        for name in ("type", "order_id", "size", "price", "direction"):
            rows[name] = columns[name]
        last_time = int(time_ns[-1])
        yield first_line, rows


def read_lobster_messages(path: str | Path) -> npt.NDArray[np.void]:
    """All validated rows of a message file (`LOBSTER_MESSAGE_DTYPE`)."""
    chunks = list(iter_lobster_messages(path))
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=LOBSTER_MESSAGE_DTYPE)


def _parse_message_lines(
    path: Path, first_line: int, lines: list[str]
) -> tuple[npt.NDArray[np.void], npt.NDArray[np.int64]]:
    """The chunk's columns (Time as text, the rest int64) and its times in ns after midnight."""
    if any(not line.strip() for line in lines):  # numpy skips blank lines, which would shift line numbers
        raise _diagnose_int_rows(path, first_line, lines, _MESSAGE_FIELDS, None)
    try:
        columns = np.loadtxt(lines, delimiter=",", dtype=_MESSAGE_TEXT_DTYPE, comments=None, ndmin=1)
    except (ValueError, OverflowError):
        raise _diagnose_int_rows(path, first_line, lines, _MESSAGE_FIELDS, None) from None
    time_ns, bad_time = _parse_times(columns["time"])
    if bad_time is not None:
        raise _diagnose_int_rows(path, first_line + bad_time, lines[bad_time : bad_time + 1], _MESSAGE_FIELDS, None)
    return columns, time_ns


def _parse_times(times: npt.NDArray[np.str_]) -> tuple[npt.NDArray[np.int64], int | None]:
    """Seconds-after-midnight strings to ns, exactly; the index of the first malformed one, if any."""
    times = np.char.strip(times)
    parts = np.char.partition(times, ".")
    whole, dot, fraction = parts[:, 0], parts[:, 1], parts[:, 2]
    fraction_length = np.char.str_len(fraction)
    valid = (
        np.char.isdigit(whole)
        & (np.char.str_len(whole) <= 9)
        & ((dot == "") | (np.char.isdigit(fraction) & (fraction_length <= 9)))
        & ~((dot == ".") & (fraction_length == 0))
    )
    if not valid.all():
        return np.zeros(len(times), dtype=np.int64), int(np.flatnonzero(~valid)[0])
    seconds = whole.astype(np.int64)
    digits = np.where(fraction_length > 0, fraction, "0").astype(np.int64)
    scale = 10 ** (9 - fraction_length.astype(np.int64))
    return seconds * 1_000_000_000 + digits * scale, None


def _validate_messages(
    path: Path, first_line: int, columns: npt.NDArray[np.void], time_ns: npt.NDArray[np.int64], last_time: int
) -> None:
    """Raise `DataError` for the first invalid row, naming its first bad field in column order."""
    kind, size, price, direction = columns["type"], columns["size"], columns["price"], columns["direction"]
    halt = kind == MessageType.HALT
    previous_time = np.concatenate(([last_time], time_ns[:-1]))
    checks: list[tuple[str, npt.NDArray[np.bool_], str, npt.NDArray[np.int64]]] = [
        ("Time", time_ns < previous_time, "time goes backwards (earlier than the previous row)", time_ns),
        ("Type", (kind < 1) | (kind > 7), "unknown message type (expected 1 to 7)", kind),
        ("OrderID", columns["order_id"] < 0, "order id must not be negative", columns["order_id"]),
        ("Size", ~halt & (size <= 0), "size must be positive", size),
        ("Size", halt & (size < 0), "size must not be negative", size),
        ("Price", ~halt & (price <= 0), "price must be positive", price),
        ("Price", halt & ((price < -1) | (price > 1)), "a halt message's price must be -1, 0 or 1", price),
        ("Direction", (direction != BUY) & (direction != SELL), "direction must be 1 (buy) or -1 (sell)", direction),
    ]
    bad_any = np.zeros(len(columns), dtype=bool)
    for _, mask, _, _ in checks:
        bad_any |= mask
    if bad_any.any():
        row = int(np.flatnonzero(bad_any)[0])
        field, _, reason, values = next(check for check in checks if check[1][row])
        value = f"{int(values[row]) / 1e9:.9f} s" if field == "Time" else str(int(values[row]))
        raise DataError(f"{reason}: {value}", path=str(path), line=first_line + row, field=field)


# -- orderbook ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class LobsterBook:
    """Orderbook rows as ``(rows, levels)`` int64 arrays, level 1 first: prices in ticks, sizes in shares.

    Empty levels hold `hft_core.book.NO_ASK_PRICE` / `NO_BID_PRICE` with size 0.
    """

    ask_price: npt.NDArray[np.int64]
    ask_size: npt.NDArray[np.int64]
    bid_price: npt.NDArray[np.int64]
    bid_size: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.ask_price)

    @property
    def levels(self) -> int:
        """Levels per side in each row."""
        return int(self.ask_price.shape[1])

    def __getitem__(self, rows: slice) -> LobsterBook:
        return LobsterBook(self.ask_price[rows], self.ask_size[rows], self.bid_price[rows], self.bid_size[rows])

    def first_levels(self, levels: int) -> LobsterBook:
        """The same rows cut to their best ``levels`` levels per side."""
        return LobsterBook(
            self.ask_price[:, :levels], self.ask_size[:, :levels], self.bid_price[:, :levels], self.bid_size[:, :levels]
        )

    @staticmethod
    def concat(parts: list[LobsterBook]) -> LobsterBook:
        """One book from consecutive chunks."""
        return LobsterBook(
            np.concatenate([p.ask_price for p in parts]),
            np.concatenate([p.ask_size for p in parts]),
            np.concatenate([p.bid_price for p in parts]),
            np.concatenate([p.bid_size for p in parts]),
        )


def iter_lobster_orderbook(
    path: str | Path,
    *,
    tick_size: float = 0.01,
    price_rounding: Rounding = "exact",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[LobsterBook]:
    """Validated rows of an orderbook file in chunks (the level count is taken from the first row)."""
    path = Path(path)
    tick_units = _tick_units(tick_size)
    width: int | None = None
    for first_line, lines in _iter_line_chunks(path, chunk_size):
        if width is None:
            width = lines[0].count(",") + 1
            if width % 4:
                raise DataError(
                    f"an orderbook row has 4 fields per level, found {width}", path=str(path), line=first_line
                )
        if any(not line.strip() for line in lines):
            raise _diagnose_int_rows(path, first_line, lines, None, width)
        try:
            values = np.loadtxt(lines, delimiter=",", dtype=np.int64, comments=None, ndmin=2)
        except (ValueError, OverflowError):
            raise _diagnose_int_rows(path, first_line, lines, None, width) from None
        if values.shape[1] != width:
            raise _diagnose_int_rows(path, first_line, lines, None, width)
        yield _orderbook_chunk(path, first_line, values, tick_units, tick_size, price_rounding)


def read_lobster_orderbook(
    path: str | Path, *, tick_size: float = 0.01, price_rounding: Rounding = "exact"
) -> LobsterBook:
    """All validated rows of an orderbook file."""
    chunks = list(iter_lobster_orderbook(path, tick_size=tick_size, price_rounding=price_rounding))
    if not chunks:
        raise DataError("orderbook file has no rows", path=str(path))
    return LobsterBook.concat(chunks)


def _orderbook_chunk(
    path: Path,
    first_line: int,
    values: npt.NDArray[np.int64],
    tick_units: int,
    tick_size: float,
    rounding: Rounding,
) -> LobsterBook:
    levels = values.shape[1] // 4
    ask_price, ask_size = values[:, 0::4], values[:, 1::4]
    bid_price, bid_size = values[:, 2::4], values[:, 3::4]
    ask_empty = ask_price == LOBSTER_DUMMY_ASK
    bid_empty = bid_price == LOBSTER_DUMMY_BID
    problems: list[tuple[npt.NDArray[np.bool_], int, str]] = []  # (bad cells, column offset, reason)
    for price, size, empty, offset in ((ask_price, ask_size, ask_empty, 0), (bid_price, bid_size, bid_empty, 2)):
        problems.append((~empty & (price <= 0), offset, "price must be positive (or the empty-level dummy)"))
        problems.append((empty & (size != 0), offset + 1, "an empty level must have size 0"))
        problems.append((~empty & (size <= 0), offset + 1, "size must be positive"))
        if levels > 1:
            after_empty = np.zeros_like(empty)
            after_empty[:, 1:] = np.logical_or.accumulate(empty, axis=1)[:, :-1]
            problems.append((after_empty & ~empty, offset, "a level after an empty level must be empty too"))
            worse = price[:, 1:] > price[:, :-1] if offset == 0 else price[:, 1:] < price[:, :-1]
            unordered = np.zeros_like(empty)
            unordered[:, 1:] = ~empty[:, 1:] & ~worse
            problems.append((unordered, offset, "levels must be strictly worse than the level before"))
    crossed = np.zeros_like(ask_empty)
    crossed[:, 0] = ~ask_empty[:, 0] & ~bid_empty[:, 0] & (bid_price[:, 0] >= ask_price[:, 0])
    problems.append((crossed, 2, "the book is crossed (best bid at or above the best ask)"))
    _raise_first_cell_problem(path, first_line, values, problems)

    ask_ticks, ask_bad = _to_ticks(ask_price, tick_units, rounding)
    bid_ticks, bid_bad = _to_ticks(bid_price, tick_units, rounding)
    grid = f"is not a multiple of tick_size {tick_size}{_ROUNDING_HINT}"
    _raise_first_cell_problem(
        path, first_line, values, [(ask_bad & ~ask_empty, 0, grid), (bid_bad & ~bid_empty, 2, grid)]
    )
    return LobsterBook(
        np.where(ask_empty, NO_ASK_PRICE, ask_ticks),
        ask_size.copy(),
        np.where(bid_empty, NO_BID_PRICE, bid_ticks),
        bid_size.copy(),
    )


def _raise_first_cell_problem(
    path: Path,
    first_line: int,
    values: npt.NDArray[np.int64],
    problems: list[tuple[npt.NDArray[np.bool_], int, str]],
) -> None:
    """Raise for the problem cell that comes first in the file (row, then column)."""
    best: tuple[int, int, str] | None = None
    for cells, offset, reason in problems:
        hits = np.argwhere(cells)
        if len(hits):
            row, level = (int(v) for v in hits[0])
            candidate = (row, 4 * level + offset, reason)
            if best is None or candidate[:2] < best[:2]:
                best = candidate
    if best is not None:
        row, column, reason = best
        raise DataError(
            f"{reason}: {int(values[row, column])}",
            path=str(path),
            line=first_line + row,
            field=_orderbook_field(column),
        )


# -- prices and times ---------------------------------------------------------------------------------------

_ROUNDING_HINT = (
    " (hidden executions often print at half-cent midpoints: pass tick_size=0.005, or price_rounding="
    "'nearest', 'down' or 'up' to round)"
)


def _tick_units(tick_size: float) -> int:
    """The tick in LOBSTER price units (1/10000 $); it must be a whole number of them."""
    units = round(tick_size * _PRICE_SCALE)
    if not tick_size > 0 or units < 1 or abs(units - tick_size * _PRICE_SCALE) > 1e-6:
        raise ValueError(f"tick_size must be a positive multiple of 0.0001 (LOBSTER's price unit), got {tick_size}")
    return units


def _to_ticks(
    price: npt.NDArray[np.int64], tick_units: int, rounding: Rounding
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """LOBSTER prices as ticks under ``rounding``; the mask of prices that are off the grid under ``exact``."""
    quotient, remainder = np.divmod(price, tick_units)
    off_grid = remainder != 0
    if rounding == "exact":
        return quotient, off_grid
    no_error = np.zeros_like(off_grid)
    if rounding == "down":
        return quotient, no_error
    if rounding == "up":
        return quotient + off_grid, no_error
    if rounding == "nearest":  # ties to the even tick, as Python's round() and `Instrument` do
        twice = 2 * remainder
        up = (twice > tick_units) | ((twice == tick_units) & (quotient % 2 == 1))
        return quotient + up, no_error
    raise ValueError(f"unknown rounding rule {rounding!r}; expected exact, nearest, down or up")


def _midnight_ns(date: dt.date, timezone: str) -> int:
    """Epoch ns of ``date``'s midnight on the exchange's clock, with the UTC offset in force at noon."""
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError) as error:
        raise ValueError(f"unknown time zone {timezone!r}: {error}") from None
    noon = dt.datetime.combine(date, dt.time(12), tzinfo=zone)
    offset = noon.utcoffset()
    assert offset is not None
    days = (date - dt.date(1970, 1, 1)).days
    return days * 86_400_000_000_000 - int(offset.total_seconds()) * 1_000_000_000


# -- events -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class LobsterEventChunk:
    """A chunk of events and where each of its messages ends in it.

    Message ``j`` of the chunk (file message ``first_message + j``) produced ``events[message_end[j-1]:
    message_end[j]]`` (from ``seed_events`` for ``j = 0``); a halt produces none. With an orderbook file, the
    first chunk begins with ``seed_events`` seeding events, and a message may be followed by reveal events.
    """

    events: Events
    message_end: npt.NDArray[np.int64]
    first_message: int
    seed_events: int
    reveals: int


def iter_lobster_event_chunks(
    message_path: str | Path,
    *,
    orderbook_path: str | Path | None = None,
    orderbook_sync: OrderbookSync = "reveal",
    date: dt.date | str | None = None,
    tick_size: float = 0.01,
    price_rounding: Rounding = "exact",
    instrument_id: int = 0,
    timezone: str = "America/New_York",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[LobsterEventChunk]:
    """Events of a message file chunk by chunk, with the message boundaries (see `iter_lobster_events`)."""
    message_path = Path(message_path)
    if orderbook_sync not in ("seed", "reveal"):
        raise ValueError(f"orderbook_sync must be 'seed' or 'reveal', got {orderbook_sync!r}")
    tick_units = _tick_units(tick_size)
    midnight = _midnight_ns(_trading_date(message_path, date), timezone)
    books: Iterator[LobsterBook] | None = None
    if orderbook_path is not None:
        books = iter_lobster_orderbook(
            orderbook_path, tick_size=tick_size, price_rounding=price_rounding, chunk_size=chunk_size
        )
    previous_row: LobsterBook | None = None
    first_message = 0
    for first_line, messages in _iter_messages(message_path, chunk_size):
        prices, off_grid = _to_ticks(messages["price"], tick_units, price_rounding)
        visible = messages["type"] != MessageType.HALT
        if (off_grid & visible).any():
            row = int(np.flatnonzero(off_grid & visible)[0])
            raise DataError(
                f"price {int(messages['price'][row]) / _PRICE_SCALE} is not a multiple of tick_size "
                f"{tick_size}{_ROUNDING_HINT}",
                path=str(message_path),
                line=first_line + row,
                field="Price",
            )
        message_events = _message_events(messages, prices, midnight, instrument_id)
        if books is None:
            ends = np.cumsum(visible.astype(np.int64))
            yield LobsterEventChunk(message_events[visible], ends, first_message, 0, 0)
        else:
            book = next(books, None)
            if book is None or len(book) < len(messages):
                raise DataError(
                    f"the orderbook file has fewer rows than the message file ({message_path.name})",
                    path=str(orderbook_path),
                )
            if len(book) > len(messages):
                raise DataError(
                    f"the orderbook file has more rows than the message file ({message_path.name})",
                    path=str(orderbook_path),
                )
            seed = empty_events()
            if previous_row is None:
                before_first = _undo_first_message(book[0:1], messages[0], int(prices[0]))
                seed = _snapshot_events(before_first, 0, message_events[0:1], instrument_id, clear_side=0)
                previous_row = before_first.first_levels(book.levels)
            yield _interleave(
                messages, message_events, visible, book, previous_row, seed, first_message, orderbook_sync
            )
            previous_row = book[len(book) - 1 : len(book)]
        first_message += len(messages)
    if books is not None and next(books, None) is not None:
        raise DataError(
            f"the orderbook file has more rows than the message file ({message_path.name})", path=str(orderbook_path)
        )


def iter_lobster_events(
    message_path: str | Path,
    *,
    orderbook_path: str | Path | None = None,
    orderbook_sync: OrderbookSync = "reveal",
    date: dt.date | str | None = None,
    tick_size: float = 0.01,
    price_rounding: Rounding = "exact",
    instrument_id: int = 0,
    timezone: str = "America/New_York",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[Events]:
    """`EVENT_DTYPE` chunks from a message file (conversion rules in the module docstring).

    Without ``orderbook_path``: one event per message (halts excepted). With it: ready for an L3 replay with
    ``unknown_orders="residual"`` -- seeding events first, then the messages, with reveal snapshots after the
    messages that empty a visible level (``orderbook_sync="reveal"``, the default).
    """
    for chunk in iter_lobster_event_chunks(
        message_path,
        orderbook_path=orderbook_path,
        orderbook_sync=orderbook_sync,
        date=date,
        tick_size=tick_size,
        price_rounding=price_rounding,
        instrument_id=instrument_id,
        timezone=timezone,
        chunk_size=chunk_size,
    ):
        yield chunk.events


def read_lobster_events(
    message_path: str | Path,
    *,
    orderbook_path: str | Path | None = None,
    orderbook_sync: OrderbookSync = "reveal",
    date: dt.date | str | None = None,
    tick_size: float = 0.01,
    price_rounding: Rounding = "exact",
    instrument_id: int = 0,
    timezone: str = "America/New_York",
) -> Events:
    """All events of a message file as one array (see `iter_lobster_events`)."""
    return concat_chunks(
        iter_lobster_events(
            message_path,
            orderbook_path=orderbook_path,
            orderbook_sync=orderbook_sync,
            date=date,
            tick_size=tick_size,
            price_rounding=price_rounding,
            instrument_id=instrument_id,
            timezone=timezone,
        )
    )


def _trading_date(message_path: Path, date: dt.date | str | None) -> dt.date:
    if isinstance(date, dt.date):
        return date
    if isinstance(date, str):
        try:
            return dt.date.fromisoformat(date)
        except ValueError:
            raise ValueError(f"date must be YYYY-MM-DD, got {date!r}") from None
    try:
        return parse_lobster_filename(message_path).date
    except DataError:
        raise DataError(
            "cannot take the trading date from the file name; pass date=YYYY-MM-DD", path=str(message_path)
        ) from None


def _message_events(
    messages: npt.NDArray[np.void], prices: npt.NDArray[np.int64], midnight: int, instrument_id: int
) -> Events:
    kind_of_type = np.zeros(8, dtype=np.uint8)
    kind_of_type[MessageType.NEW_ORDER] = EventKind.ADD
    kind_of_type[MessageType.PARTIAL_CANCEL] = EventKind.CANCEL
    kind_of_type[MessageType.DELETE] = EventKind.CANCEL
    kind_of_type[MessageType.EXECUTE_VISIBLE] = EventKind.FILL
    kind_of_type[MessageType.EXECUTE_HIDDEN] = EventKind.TRADE
    kind_of_type[MessageType.CROSS_TRADE] = EventKind.TRADE
    types = messages["type"].astype(np.int64)
    direction = messages["direction"].astype(np.int8)
    side = np.where(
        types == MessageType.EXECUTE_HIDDEN, -direction, np.where(types == MessageType.CROSS_TRADE, 0, direction)
    )
    events = np.zeros(len(messages), dtype=EVENT_DTYPE)
    events["exch_ts"] = midnight + messages["time_ns"]
    events["local_ts"] = events["exch_ts"]
    events["kind"] = kind_of_type[types]
    events["side"] = side
    events["price"] = prices
    events["qty"] = messages["size"]
    events["order_id"] = messages["order_id"]
    events["instrument"] = instrument_id
    return events


def _undo_first_message(row: LobsterBook, message: np.void, price: int) -> LobsterBook:
    """The book just before the first message, from the orderbook row just after it."""
    kind = int(message["type"])
    if kind not in (MessageType.NEW_ORDER, MessageType.PARTIAL_CANCEL, MessageType.DELETE, MessageType.EXECUTE_VISIBLE):
        return row
    side = int(message["direction"])
    size = int(message["size"])
    prices = row.bid_price[0] if side == BUY else row.ask_price[0]
    sizes = row.bid_size[0] if side == BUY else row.ask_size[0]
    levels = {int(p): int(q) for p, q in zip(prices, sizes, strict=True) if q > 0}
    if kind == MessageType.NEW_ORDER:
        levels[price] = levels.get(price, size) - size
    else:
        levels[price] = levels.get(price, 0) + size
    kept = sorted(((p, q) for p, q in levels.items() if q > 0), reverse=side == BUY)
    width = max(row.levels, len(kept))
    empty_price = NO_BID_PRICE if side == BUY else NO_ASK_PRICE
    new_prices = np.full((1, width), empty_price, dtype=np.int64)
    new_sizes = np.zeros((1, width), dtype=np.int64)
    for j, (p, q) in enumerate(kept):
        new_prices[0, j], new_sizes[0, j] = p, q

    def widen(values: npt.NDArray[np.int64], fill: int) -> npt.NDArray[np.int64]:
        out = np.full((1, width), fill, dtype=np.int64)
        out[:, : values.shape[1]] = values
        return out

    if side == BUY:
        return LobsterBook(widen(row.ask_price, NO_ASK_PRICE), widen(row.ask_size, 0), new_prices, new_sizes)
    return LobsterBook(new_prices, new_sizes, widen(row.bid_price, NO_BID_PRICE), widen(row.bid_size, 0))


def _snapshot_events(row: LobsterBook, index: int, stamp: Events, instrument_id: int, *, clear_side: int) -> Events:
    """``CLEAR`` of ``clear_side`` then ``SNAPSHOT`` rows for that side(s) of ``row[index]``, best first."""
    sides = (BUY, SELL) if clear_side == 0 else (clear_side,)
    levels: list[tuple[int, int, int]] = []
    for side in sides:
        prices = row.bid_price[index] if side == BUY else row.ask_price[index]
        sizes = row.bid_size[index] if side == BUY else row.ask_size[index]
        levels.extend((side, int(p), int(q)) for p, q in zip(prices, sizes, strict=True) if q > 0)
    events = np.zeros(1 + len(levels), dtype=EVENT_DTYPE)
    events["exch_ts"] = stamp["exch_ts"][0]
    events["local_ts"] = stamp["local_ts"][0]
    events["instrument"] = instrument_id
    events["kind"][0] = EventKind.CLEAR
    events["side"][0] = clear_side
    for j, (side, price, qty) in enumerate(levels, start=1):
        events[j]["kind"] = EventKind.SNAPSHOT
        events[j]["side"] = side
        events[j]["price"] = price
        events[j]["qty"] = qty
    return events


def _interleave(
    messages: npt.NDArray[np.void],
    message_events: Events,
    visible: npt.NDArray[np.bool_],
    book: LobsterBook,
    previous_row: LobsterBook,
    seed: Events,
    first_message: int,
    orderbook_sync: OrderbookSync,
) -> LobsterEventChunk:
    """Messages' events with a reveal (side re-snapshot) after each message that emptied a visible level."""
    types = messages["type"].astype(np.int64)
    direction = messages["direction"].astype(np.int64)
    price = message_events["price"]
    removal = (
        (types == MessageType.PARTIAL_CANCEL) | (types == MessageType.DELETE) | (types == MessageType.EXECUTE_VISIBLE)
    )
    buy = direction == BUY
    before_bid = np.concatenate([previous_row.bid_price, book.bid_price[:-1]])
    before_ask = np.concatenate([previous_row.ask_price, book.ask_price[:-1]])
    before = np.where(buy[:, None], before_bid, before_ask)
    after = np.where(buy[:, None], book.bid_price, book.ask_price)
    was_level = (before == price[:, None]).any(axis=1)
    still_level = (after == price[:, None]).any(axis=1)
    reveal = removal & was_level & ~still_level
    if orderbook_sync == "seed":
        reveal[:] = False
    after_size = np.where(buy[:, None], book.bid_size, book.ask_size)
    reveal_levels = np.where(reveal, (after_size > 0).sum(axis=1), 0)
    per_message = visible.astype(np.int64) + np.where(reveal, 1 + reveal_levels, 0)
    ends = len(seed) + np.cumsum(per_message)
    starts = ends - per_message
    events = np.zeros(len(seed) + int(per_message.sum()), dtype=EVENT_DTYPE)
    events[: len(seed)] = seed
    events[starts[visible]] = message_events[visible]
    rows = np.flatnonzero(reveal)
    block_start = starts[rows] + visible[rows]
    stamp_ts = message_events["exch_ts"][rows]
    instrument = message_events["instrument"][rows]
    side = direction[rows]
    events["exch_ts"][block_start] = stamp_ts
    events["local_ts"][block_start] = stamp_ts
    events["instrument"][block_start] = instrument
    events["kind"][block_start] = EventKind.CLEAR
    events["side"][block_start] = side
    for level in range(book.levels):
        has_level = reveal_levels[rows] > level
        at = block_start[has_level] + 1 + level
        chosen = rows[has_level]
        level_buy = buy[chosen]
        events["exch_ts"][at] = stamp_ts[has_level]
        events["local_ts"][at] = stamp_ts[has_level]
        events["instrument"][at] = instrument[has_level]
        events["kind"][at] = EventKind.SNAPSHOT
        events["side"][at] = side[has_level]
        events["price"][at] = np.where(level_buy, book.bid_price[chosen, level], book.ask_price[chosen, level])
        events["qty"][at] = np.where(level_buy, book.bid_size[chosen, level], book.ask_size[chosen, level])
    return LobsterEventChunk(events, ends, first_message, len(seed), int(reveal.sum()))


# -- replay check -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class LobsterReplayCheck:
    """How well an L3 replay of a message file reproduces its orderbook file, message by message (level 1)."""

    messages: int
    bid_matched: int
    ask_matched: int
    both_matched: int
    bid_reveals: int
    """Messages after which the bid side was re-snapshotted from the orderbook row (they match by construction)."""
    ask_reveals: int
    """The same for the ask side."""
    unexplained_qty: int
    unexplained_events: int
    mismatched: npt.NDArray[np.int64]
    """Indices (0-based, in file order) of the messages after which bid or ask differ."""

    @property
    def reveals(self) -> int:
        """All reveal snapshots."""
        return self.bid_reveals + self.ask_reveals

    @property
    def bid_rate(self) -> float:
        """Fraction of messages after which best bid price and size match."""
        return self.bid_matched / self.messages if self.messages else 1.0

    @property
    def ask_rate(self) -> float:
        """Fraction of messages after which best ask price and size match."""
        return self.ask_matched / self.messages if self.messages else 1.0

    def summary(self) -> str:
        """One line for reports."""
        return (
            f"{self.messages} messages: bid {self.bid_matched} ({self.bid_rate:.4%}), "
            f"ask {self.ask_matched} ({self.ask_rate:.4%}), both {self.both_matched}; "
            f"reveals: {self.bid_reveals} bid, {self.ask_reveals} ask; {self.unexplained_qty} unexplained shares"
        )


def check_lobster_replay(
    message_path: str | Path,
    orderbook_path: str | Path,
    *,
    orderbook_sync: OrderbookSync = "reveal",
    tick_size: float = 0.01,
    price_rounding: Rounding = "exact",
    date: dt.date | str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> LobsterReplayCheck:
    """Replay the messages through the compiled L3 book and compare its best bid and ask (price and size)
    with the orderbook file after every message.

    The book is seeded and, with ``orderbook_sync="reveal"``, re-synchronised as the module docstring
    describes; with ``"seed"`` only the first row is used and the replay tolerates the crossed books that
    stale hidden levels then cause.
    """
    from hft_core.book.replay import L3Replay

    replay = L3Replay(unknown_orders="residual", allow_crossed=orderbook_sync == "seed")
    books = iter_lobster_orderbook(
        orderbook_path, tick_size=tick_size, price_rounding=price_rounding, chunk_size=chunk_size
    )
    chunks = iter_lobster_event_chunks(
        message_path,
        orderbook_path=orderbook_path,
        orderbook_sync=orderbook_sync,
        tick_size=tick_size,
        price_rounding=price_rounding,
        date=date,
        chunk_size=chunk_size,
    )
    totals = np.zeros(3, dtype=np.int64)
    messages = 0
    reveals = np.zeros(2, dtype=np.int64)
    mismatched: list[npt.NDArray[np.int64]] = []
    before_chunk = np.array([NO_BID_PRICE, 0, NO_ASK_PRICE, 0], dtype=np.int64)
    for chunk, book in zip(chunks, books, strict=True):
        top = replay.run(chunk.events)
        # Row 0 is the book before the chunk, row e + 1 the book after event e; so message j's state is row
        # message_end[j] (row 0 for a halt before any event of the chunk).
        recorded = np.vstack(
            [before_chunk[None, :], np.column_stack([top.bid_price, top.bid_qty, top.ask_price, top.ask_qty])]
        )
        after = recorded[chunk.message_end]
        bid_ok = (after[:, 0] == book.bid_price[:, 0]) & (after[:, 1] == book.bid_size[:, 0])
        ask_ok = (after[:, 2] == book.ask_price[:, 0]) & (after[:, 3] == book.ask_size[:, 0])
        totals += (int(bid_ok.sum()), int(ask_ok.sum()), int((bid_ok & ask_ok).sum()))
        mismatched.append(chunk.first_message + np.flatnonzero(~(bid_ok & ask_ok)))
        messages += len(book)
        clears = chunk.events["side"][chunk.seed_events :][chunk.events["kind"][chunk.seed_events :] == EventKind.CLEAR]
        reveals += (int((clears == BUY).sum()), int((clears == SELL).sum()))
        before_chunk = recorded[-1]
    return LobsterReplayCheck(
        messages=messages,
        bid_matched=int(totals[0]),
        ask_matched=int(totals[1]),
        both_matched=int(totals[2]),
        bid_reveals=int(reveals[0]),
        ask_reveals=int(reveals[1]),
        unexplained_qty=replay.unexplained_qty,
        unexplained_events=replay.unexplained_events,
        mismatched=np.concatenate(mismatched) if mismatched else np.zeros(0, dtype=np.int64),
    )
