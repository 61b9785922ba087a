"""Binance raw captures (``<local ns> <json>`` per line) -> events, with the official order-book synchronisation.

A capture (as written by hftbacktest's collector, gzip or plain text) interleaves the diff-depth stream
(``depthUpdate``), the trade stream (``trade`` or ``aggTrade``), ``bookTicker`` and REST depth snapshots
(``{"lastUpdateId": .., "bids": .., "asks": ..}``). A diff-depth message is only meaningful on top of a book that
is in sync, so this loader follows Binance's procedure:

1. buffer diff-depth messages until a snapshot arrives;
2. drop buffered updates already contained in the snapshot (``u <= lastUpdateId``);
3. the first applied update must straddle the snapshot (``U <= lastUpdateId + 1 <= u``; on futures, a ``pu``
   equal to the ``u`` of the last dropped update is accepted too);
4. then every update must continue the previous one (spot: ``U == previous u + 1``; futures: ``pu == previous u``).

A break in the sequence is a *gap*: it is counted and logged, a ``CLEAR`` is emitted (the book is unknown from
then on) and the loader waits for the next snapshot to resynchronise; every (re)sync emits ``CLEAR`` followed by
``SNAPSHOT`` rows. Trades need no book and are emitted as they come. `BinanceSyncStats` records what happened.

Timestamps: ``local_ts`` is the line prefix (ns). ``exch_ts`` is the transaction time ``T`` where the message has
one (futures depth, all trades, futures snapshots) and the event time ``E`` otherwise (spot depth). A spot REST
snapshot carries no time; it takes the exchange time of the latest depth message received before it.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import zlib
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from hft_core.data._builder import DEFAULT_CHUNK_SIZE, RowBuffer
from hft_core.data._checks import MAX_TIMESTAMP_NS
from hft_core.errors import ConfigError, DataError
from hft_core.events import BUY, SELL, EventKind, Events, concat_chunks
from hft_core.instruments import Instrument, Rounding

__all__ = [
    "BinanceCaptureReader",
    "BinanceMarket",
    "BinanceSyncStats",
    "SequenceGap",
    "TradeStream",
    "binance_capture_instrument",
    "binance_instrument",
    "detect_binance_capture",
    "iter_binance_capture",
    "read_binance_capture",
]

log = logging.getLogger(__name__)

BinanceMarket = Literal["spot", "usdm", "coinm"]
"""Spot, USDⓈ-M futures (linear) or COIN-M futures (inverse; sizes are contracts)."""

TradeStream = Literal["auto", "trade", "aggTrade"]
"""Which trade stream to emit; ``auto`` takes the first one seen and counts the other as skipped."""

_NS_PER_MS = 1_000_000
_INT64_LIMIT = 2**63
_JSON = json.JSONDecoder()
_READ_BUFFER = 1 << 20
_MAX_GAP_RECORDS = 1_000


def binance_instrument(market: BinanceMarket, symbol: str) -> Instrument:
    """The bundled table's instrument for a Binance symbol (`hft_core.data.instrument_table`: tick, lot,
    multiplier and the standard fee tier); `ConfigError` for a symbol the table lacks."""
    from hft_core.data.instrument_table import table_instrument

    row = table_instrument(market, symbol)
    if row is None:
        raise ConfigError(
            f"Binance {market} {symbol!r} is not in the instrument table; give its grid with --tick-size and "
            "--lot-size, or let it be inferred from the capture (binance_capture_instrument)"
        )
    return row.instrument


def binance_capture_instrument(path: str | os.PathLike[str]) -> tuple[Instrument, str]:
    """The instrument of a capture and where it came from: the bundled table's row for its market and symbol, else
    a grid inferred from every price and size in the file (`hft_core.data.grids`) with the market's standard fee
    tier. The text says which, with the evidence for an inferred grid."""
    from hft_core.data.grids import infer_binance_grid
    from hft_core.data.instrument_table import MARKET_VENUES, STANDARD_FEES, TABLE_DATE, table_instrument

    market, symbol = detect_binance_capture(path)
    row = table_instrument(market, symbol)
    if row is not None:
        where = f"Binance {TABLE_DATE}, bundled" if row.source == "bundled" else row.source
        return row.instrument, f"instrument table ({where})"
    if not symbol:
        raise DataError("the capture's messages name no symbol ('s')", path=str(path), field="s")
    grid = infer_binance_grid(path)
    instrument = Instrument(
        symbol.upper(),
        tick_size=grid.tick.step,
        lot_size=grid.lot.step,
        venue=MARKET_VENUES[market],
        fees=STANDARD_FEES[market],
    )
    note = " (COIN-M: sizes in contracts; multiplier unknown, taken as 1)" if market == "coinm" else ""
    return instrument, f"inferred: {grid.evidence}; fees: Binance {market} standard tier{note}"


@dataclass(frozen=True, slots=True)
class SequenceGap:
    """Where the diff-depth sequence broke: the line, and the id expected versus the id received."""

    line: int
    local_ts: int
    expected: int
    received: int
    rule: str


@dataclass(slots=True)
class BinanceSyncStats:
    """What the synchronisation did with a capture. Counts are of messages (lines), not levels."""

    lines: int = 0
    depth_updates: int = 0
    depth_applied: int = 0
    snapshots_seen: int = 0
    snapshots_used: int = 0
    snapshots_rejected: int = 0
    snapshots_ignored: int = 0
    stale_dropped: int = 0
    gaps: int = 0
    resyncs: int = 0
    resyncs_on_reconnect: int = 0
    """(live feeds) books cleared because the stream reconnected: its update ids may have restarted"""
    unsynced_dropped: int = 0
    trades: int = 0
    trades_skipped: int = 0
    book_tickers_skipped: int = 0
    rest_errors: int = 0
    blank_lines: int = 0
    other_skipped: dict[str, int] = field(default_factory=dict)
    gap_positions: list[SequenceGap] = field(default_factory=list)
    synced_at_end: bool = False
    truncated_tail: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form (for caches, ``hft data info`` and docs)."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _DepthUpdate:
    line: int
    local_ts: int
    exch_ts: int
    first_id: int
    last_id: int
    prev_last_id: int | None
    bid_prices: list[object]
    bid_qtys: list[object]
    ask_prices: list[object]
    ask_qtys: list[object]


_WAIT_SNAPSHOT = 0
_WAIT_FIRST_UPDATE = 1
_SYNCED = 2


def _open_capture(path: Path) -> Any:
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(path, "rb")
    return path.open("rb")


def _split_lines(handle: Any) -> Iterator[bytes]:
    """Lines of ``handle`` (newline kept), read in large blocks.

    Faster than ``GzipFile.readline`` (pure Python), and a truncated gzip stream raises only after every
    complete line before the damage has been yielded.
    """
    pending = b""
    while True:
        block = handle.read1(_READ_BUFFER)
        if not block:
            break
        lines = (pending + block).split(b"\n")
        pending = lines.pop()
        for line in lines:
            yield line + b"\n"
    if pending:
        yield pending


def detect_binance_capture(path: str | os.PathLike[str], *, max_lines: int = 1_000) -> tuple[BinanceMarket, str]:
    """``(market, symbol)`` of a capture, from its first depth or trade messages.

    COIN-M messages carry a pair (``ps``) and futures depth a ``pu``; spot has neither.
    """
    source = Path(path)
    try:
        with _open_capture(source) as handle:
            for line_no, raw in enumerate(_split_lines(handle), start=1):
                if line_no > max_lines:
                    break
                _, _, payload = raw.partition(b" ")
                try:
                    message = json.loads(payload)
                except (ValueError, RecursionError):
                    continue
                data = message.get("data", message) if isinstance(message, dict) else None
                if not isinstance(data, dict) or data.get("e") not in ("depthUpdate", "trade", "aggTrade"):
                    continue
                symbol = str(data.get("s", ""))
                if "ps" in data:
                    return "coinm", symbol
                if "pu" in data or "X" in data:
                    return "usdm", symbol
                if data.get("e") == "depthUpdate" or "M" in data:
                    return "spot", symbol
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"cannot read capture: {exc}", path=str(source)) from exc
    raise DataError(f"no depth or trade message in the first {max_lines} lines", path=str(source))


class BinanceCaptureReader:
    """Streams one Binance capture as event chunks; `stats` fills in as it goes.

    ``instrument`` gives the tick/lot grid (default: the built-in grid of the detected market and symbol).
    Prices and sizes off the grid are a `DataError` unless ``price_rounding``/``qty_rounding`` say otherwise.
    ``allow_truncated_tail`` accepts a capture whose gzip stream or last line was cut off (a collector killed
    mid-write): the partial tail is dropped and ``stats.truncated_tail`` is set. ``max_buffered_updates`` bounds
    the diff-depth messages kept while waiting for a snapshot; older ones are dropped (and counted) first.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        instrument: Instrument | None = None,
        *,
        instrument_id: int = 0,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        price_rounding: Rounding = "exact",
        qty_rounding: Rounding = "exact",
        trade_stream: TradeStream = "auto",
        allow_truncated_tail: bool = False,
        max_buffered_updates: int = 10_000,
    ) -> None:
        self.path = Path(path)
        if instrument is None:
            instrument, _ = binance_capture_instrument(self.path)
        if trade_stream not in ("auto", "trade", "aggTrade"):
            raise ConfigError(f"trade_stream must be 'auto', 'trade' or 'aggTrade', got {trade_stream!r}")
        if max_buffered_updates <= 0:
            raise ConfigError(f"max_buffered_updates must be positive, got {max_buffered_updates}")
        self.instrument = instrument
        self.instrument_id = instrument_id
        self.chunk_size = chunk_size
        self.price_rounding: Rounding = price_rounding
        self.qty_rounding: Rounding = qty_rounding
        self.trade_stream: TradeStream = trade_stream
        self.allow_truncated_tail = allow_truncated_tail
        self.max_buffered_updates = max_buffered_updates
        self.stats = BinanceSyncStats()

    def __iter__(self) -> Iterator[Events]:
        return self.chunks()

    def read_all(self) -> Events:
        """Every event of the capture in one array."""
        return concat_chunks(self.chunks())

    # -- streaming --------------------------------------------------------------------------------------------
    def chunks(self) -> Iterator[Events]:
        """Event chunks of at most ``chunk_size`` rows, in capture order (local time)."""
        self.stats = BinanceSyncStats()
        self._path_text = str(self.path)
        self._rows = RowBuffer(
            instrument=self.instrument,
            instrument_id=self.instrument_id,
            price_rounding=self.price_rounding,
            qty_rounding=self.qty_rounding,
            chunk_size=self.chunk_size,
            path=self._path_text,
        )
        self._state = _WAIT_SNAPSHOT
        self._pending: deque[_DepthUpdate] = deque()
        self._last_id = 0
        self._snapshot_id = 0
        self._last_stale_id: int | None = None
        self._last_depth_exch_ts: int | None = None
        self._resync_needed = False
        self._active_trade_stream: str | None = None if self.trade_stream == "auto" else self.trade_stream
        symbol = self.instrument.symbol.upper()
        previous_local_ts = -1

        for line_no, raw in self._lines():
            self.stats.lines += 1
            if not raw.strip():
                self.stats.blank_lines += 1
                continue
            local_ts, message = self._parse_line(raw, line_no)
            if message is None:
                break
            if local_ts < previous_local_ts:
                raise DataError(
                    f"local timestamp {local_ts} is earlier than the previous line's {previous_local_ts}",
                    path=self._path_text,
                    line=line_no,
                    field="local_ts",
                )
            previous_local_ts = local_ts
            self._dispatch(message, line_no, local_ts, symbol)
            yield from self._rows.drain(final=False)

        self.stats.unsynced_dropped += len(self._pending)
        self._pending.clear()
        self.stats.synced_at_end = self._state == _SYNCED
        yield from self._rows.drain(final=True)

    def restart_sync(self, line_no: int, local_ts: int) -> None:
        """Forget the book's synchronisation: the stream was reconnected, so its update ids may have restarted
        (a server that came back) or jumped. The book is cleared until the next snapshot, as after a gap, and the
        stale-update bookkeeping starts afresh. For live readers, between lines; a capture file has no such event.
        """
        if self._state == _WAIT_SNAPSHOT and not self._pending:
            return  # nothing synced yet: already waiting for a snapshot
        self.stats.resyncs_on_reconnect += 1
        exch_ts = self._last_depth_exch_ts if self._last_depth_exch_ts is not None else local_ts
        self._rows.add_clear(0, exch_ts=exch_ts, local_ts=local_ts, line=line_no)
        self.stats.unsynced_dropped += len(self._pending)
        self._pending.clear()
        self._state = _WAIT_SNAPSHOT
        self._resync_needed = True
        self._last_id = 0
        self._last_stale_id = None

    def _lines(self) -> Iterator[tuple[int, bytes]]:
        line_no = 0
        try:
            with _open_capture(self.path) as handle:
                for raw in _split_lines(handle):
                    line_no += 1
                    yield line_no, raw
        except FileNotFoundError as exc:
            raise DataError("file not found", path=self._path_text) from exc
        except EOFError as exc:
            if self.allow_truncated_tail:
                self.stats.truncated_tail = True
                log.warning("%s: compressed stream ends early after line %d; tail dropped", self.path, line_no)
                return
            raise DataError(
                f"compressed stream is truncated after line {line_no} ({exc}); "
                "pass allow_truncated_tail=True to load the intact part",
                path=self._path_text,
                line=line_no + 1,
            ) from exc
        except (gzip.BadGzipFile, zlib.error, OSError) as exc:
            raise DataError(
                f"compressed stream is corrupt after line {line_no}: {exc}", path=self._path_text, line=line_no + 1
            ) from exc

    def _parse_line(self, raw: bytes, line_no: int) -> tuple[int, dict[str, Any] | None]:
        space = raw.find(b" ")
        if space <= 0:
            raise DataError(
                "expected '<local timestamp ns> <json>'", path=self._path_text, line=line_no, field="local_ts"
            )
        try:
            local_ts = int(raw[:space])
        except ValueError:
            raise DataError(
                f"local timestamp {raw[:space][:40]!r} is not an integer",
                path=self._path_text,
                line=line_no,
                field="local_ts",
            ) from None
        if not 0 <= local_ts < MAX_TIMESTAMP_NS:
            raise DataError(
                f"local timestamp {local_ts} is outside [0, 2**62) ns",
                path=self._path_text,
                line=line_no,
                field="local_ts",
            )
        try:
            message = _JSON.decode(raw[space + 1 :].decode())
        except RecursionError:
            raise DataError(
                "malformed JSON: nested too deeply to be a Binance message", path=self._path_text, line=line_no
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            if self.allow_truncated_tail and not raw.endswith(b"\n"):
                self.stats.truncated_tail = True
                log.warning("%s:%d: partial last line dropped", self.path, line_no)
                return local_ts, None
            if isinstance(exc, json.JSONDecodeError):
                detail = f"{exc.msg} at column {exc.colno + space + 1}"
            else:
                detail = str(exc)
            raise DataError(f"malformed JSON: {detail}", path=self._path_text, line=line_no) from None
        if not isinstance(message, dict):
            raise DataError("expected a JSON object", path=self._path_text, line=line_no)
        return local_ts, message

    # -- messages ---------------------------------------------------------------------------------------------
    def _dispatch(self, message: dict[str, Any], line_no: int, local_ts: int, symbol: str) -> None:
        if "lastUpdateId" in message:
            self._on_snapshot(message, line_no, local_ts, symbol)
            return
        if "code" in message and "msg" in message:
            self.stats.rest_errors += 1
            log.warning("%s:%d: REST error recorded in capture: %s", self.path, line_no, message.get("msg"))
            return
        data = message.get("data", message) if "stream" in message else message
        if not isinstance(data, dict):
            raise DataError("expected a JSON object", path=self._path_text, line=line_no, field="data")
        event = data.get("e")
        if event == "depthUpdate":
            self._check_symbol(data, "s", symbol, line_no)
            self._on_depth(self._parse_depth(data, line_no, local_ts))
        elif event in ("trade", "aggTrade"):
            self._check_symbol(data, "s", symbol, line_no)
            self._on_trade(data, str(event), line_no, local_ts)
        elif event == "bookTicker" or (event is None and {"u", "b", "B", "a", "A"} <= data.keys()):
            self.stats.book_tickers_skipped += 1
        else:
            name = str(event) if event is not None else str(message.get("stream", "unrecognised"))
            self.stats.other_skipped[name] = self.stats.other_skipped.get(name, 0) + 1

    def _check_symbol(self, data: dict[str, Any], key: str, symbol: str, line_no: int) -> None:
        value = data.get(key)
        if value is None:
            raise DataError("missing field", path=self._path_text, line=line_no, field=key)
        if str(value).upper() != symbol:
            raise DataError(
                f"symbol {value!r} does not match the instrument {symbol!r}",
                path=self._path_text,
                line=line_no,
                field=key,
            )

    def _int_field(self, data: dict[str, Any], key: str, line_no: int) -> int:
        value = data.get(key)
        if value is None:
            raise DataError("missing field", path=self._path_text, line=line_no, field=key)
        if type(value) is not int:
            raise DataError(f"expected an integer, got {value!r}", path=self._path_text, line=line_no, field=key)
        if not -_INT64_LIMIT <= value < _INT64_LIMIT:
            raise DataError(
                f"{value} is outside the int64 range of ids and times", path=self._path_text, line=line_no, field=key
            )
        return value

    def _exchange_time(self, data: dict[str, Any], line_no: int) -> int:
        key = "T" if "T" in data else "E"
        value = self._int_field(data, key, line_no) * _NS_PER_MS
        if value >= MAX_TIMESTAMP_NS:
            raise DataError(
                f"time {value // _NS_PER_MS} ms is beyond 2**62 ns", path=self._path_text, line=line_no, field=key
            )
        return value

    def _levels(self, data: dict[str, Any], key: str, line_no: int) -> tuple[list[object], list[object]]:
        levels = data.get(key)
        if levels is None:
            raise DataError("missing field", path=self._path_text, line=line_no, field=key)
        if type(levels) is not list:
            raise DataError("expected a list of [price, size] pairs", path=self._path_text, line=line_no, field=key)
        if levels and (set(map(type, levels)) != {list} or set(map(len, levels)) != {2}):
            index = next(i for i, lv in enumerate(levels) if type(lv) is not list or len(lv) != 2)
            raise DataError(
                f"expected a [price, size] pair, got {levels[index]!r}",
                path=self._path_text,
                line=line_no,
                field=f"{key}[{index}]",
            )
        return [level[0] for level in levels], [level[1] for level in levels]

    def _parse_depth(self, data: dict[str, Any], line_no: int, local_ts: int) -> _DepthUpdate:
        self.stats.depth_updates += 1
        bid_prices, bid_qtys = self._levels(data, "b", line_no)
        ask_prices, ask_qtys = self._levels(data, "a", line_no)
        first_id = self._int_field(data, "U", line_no)
        last_id = self._int_field(data, "u", line_no)
        if last_id < first_id:
            raise DataError(
                f"last update id {last_id} is below the first update id {first_id}",
                path=self._path_text,
                line=line_no,
                field="u",
            )
        exch_ts = self._exchange_time(data, line_no)
        self._last_depth_exch_ts = exch_ts
        return _DepthUpdate(
            line=line_no,
            local_ts=local_ts,
            exch_ts=exch_ts,
            first_id=first_id,
            last_id=last_id,
            prev_last_id=self._int_field(data, "pu", line_no) if "pu" in data else None,
            bid_prices=bid_prices,
            bid_qtys=bid_qtys,
            ask_prices=ask_prices,
            ask_qtys=ask_qtys,
        )

    def _on_trade(self, data: dict[str, Any], stream: str, line_no: int, local_ts: int) -> None:
        if self._active_trade_stream is None:
            self._active_trade_stream = stream
        if stream != self._active_trade_stream or data.get("X", "MARKET") != "MARKET":
            # Another trade stream duplicates these prints; non-MARKET prints (insurance fund, ADL) never
            # crossed the book.
            self.stats.trades_skipped += 1
            return
        buyer_is_maker = data.get("m")
        if type(buyer_is_maker) is not bool:
            raise DataError(
                f"expected true or false, got {buyer_is_maker!r}", path=self._path_text, line=line_no, field="m"
            )
        for key in ("p", "q"):
            if key not in data:
                raise DataError("missing field", path=self._path_text, line=line_no, field=key)
        trade_id = self._int_field(data, "t" if stream == "trade" else "a", line_no)
        self.stats.trades += 1
        self._rows.add_row(
            EventKind.TRADE,
            SELL if buyer_is_maker else BUY,
            data["p"],
            data["q"],
            exch_ts=self._exchange_time(data, line_no),
            local_ts=local_ts,
            line=line_no,
            price_field="p",
            qty_field="q",
            order_id=trade_id,
        )

    def _on_snapshot(self, message: dict[str, Any], line_no: int, local_ts: int, symbol: str) -> None:
        self.stats.snapshots_seen += 1
        if "symbol" in message:
            self._check_symbol(message, "symbol", symbol, line_no)
        snapshot_id = self._int_field(message, "lastUpdateId", line_no)
        bid_prices, bid_qtys = self._levels(message, "bids", line_no)
        ask_prices, ask_qtys = self._levels(message, "asks", line_no)
        if self._state == _SYNCED:
            # Already in sync: the stream is authoritative and this snapshot adds nothing.
            self.stats.snapshots_ignored += 1
            return
        # In _WAIT_FIRST_UPDATE no update has been applied yet: a newer snapshot simply supersedes the last one.
        while self._pending and self._pending[0].last_id <= snapshot_id:
            self._last_stale_id = self._pending.popleft().last_id
            self.stats.stale_dropped += 1
        if self._pending and not self._straddles(self._pending[0], snapshot_id):
            self.stats.snapshots_rejected += 1
            log.warning(
                "%s:%d: snapshot %d predates the buffered updates (first U=%d); waiting for another",
                self.path,
                line_no,
                snapshot_id,
                self._pending[0].first_id,
            )
            return

        if "T" in message or "E" in message:
            exch_ts = self._exchange_time(message, line_no)
        else:
            exch_ts = self._last_depth_exch_ts if self._last_depth_exch_ts is not None else local_ts
        self._rows.add_clear(0, exch_ts=exch_ts, local_ts=local_ts, line=line_no)
        self._rows.add_levels(
            EventKind.SNAPSHOT,
            BUY,
            bid_prices,
            bid_qtys,
            exch_ts=exch_ts,
            local_ts=local_ts,
            line=line_no,
            key="bids",
        )
        self._rows.add_levels(
            EventKind.SNAPSHOT,
            SELL,
            ask_prices,
            ask_qtys,
            exch_ts=exch_ts,
            local_ts=local_ts,
            line=line_no,
            key="asks",
        )
        self.stats.snapshots_used += 1
        if self._resync_needed:
            self.stats.resyncs += 1
            self._resync_needed = False
        self._snapshot_id = snapshot_id
        self._state = _WAIT_FIRST_UPDATE
        buffered = list(self._pending)
        self._pending.clear()
        for index, update in enumerate(buffered):
            # Buffered updates become known to a synced book only now, at the snapshot's arrival.
            if not self._advance(update, applied_local_ts=local_ts):
                self._pending.extend(buffered[index + 1 :])
                break

    def _straddles(self, update: _DepthUpdate, snapshot_id: int) -> bool:
        if update.first_id <= snapshot_id + 1 <= update.last_id:
            return True
        return update.prev_last_id is not None and update.prev_last_id == self._last_stale_id

    def _on_depth(self, update: _DepthUpdate) -> None:
        if self._state == _WAIT_SNAPSHOT:
            self._buffer(update)
            return
        self._advance(update, applied_local_ts=update.local_ts)

    def _buffer(self, update: _DepthUpdate) -> None:
        self._pending.append(update)
        if len(self._pending) > self.max_buffered_updates:
            self._pending.popleft()
            self.stats.unsynced_dropped += 1

    def _advance(self, update: _DepthUpdate, *, applied_local_ts: int) -> bool:
        """Apply ``update`` if it continues the book; on a gap, clear the book and wait for a snapshot."""
        if self._state == _WAIT_FIRST_UPDATE:
            if update.last_id <= self._snapshot_id:
                self._last_stale_id = update.last_id
                self.stats.stale_dropped += 1
                return True
            if not self._straddles(update, self._snapshot_id):
                self._gap(
                    update, applied_local_ts, self._snapshot_id + 1, update.first_id, "U <= lastUpdateId + 1 <= u"
                )
                return False
        else:
            if update.last_id <= self._last_id:
                self.stats.stale_dropped += 1
                return True
            if update.prev_last_id is not None:
                if update.prev_last_id != self._last_id:
                    self._gap(update, applied_local_ts, self._last_id, update.prev_last_id, "pu == previous u")
                    return False
            elif update.first_id != self._last_id + 1:
                self._gap(update, applied_local_ts, self._last_id + 1, update.first_id, "U == previous u + 1")
                return False
        self._state = _SYNCED
        self._last_id = update.last_id
        self.stats.depth_applied += 1
        rows = self._rows
        rows.add_levels(
            EventKind.DEPTH,
            BUY,
            update.bid_prices,
            update.bid_qtys,
            exch_ts=update.exch_ts,
            local_ts=applied_local_ts,
            line=update.line,
            key="b",
        )
        rows.add_levels(
            EventKind.DEPTH,
            SELL,
            update.ask_prices,
            update.ask_qtys,
            exch_ts=update.exch_ts,
            local_ts=applied_local_ts,
            line=update.line,
            key="a",
        )
        return True

    def _gap(self, update: _DepthUpdate, local_ts: int, expected: int, received: int, rule: str) -> None:
        self.stats.gaps += 1
        if len(self.stats.gap_positions) < _MAX_GAP_RECORDS:
            self.stats.gap_positions.append(SequenceGap(update.line, update.local_ts, expected, received, rule))
        log.warning(
            "%s:%d: diff-depth sequence gap (%s: expected %d, got %d); book cleared until the next snapshot",
            self.path,
            update.line,
            rule,
            expected,
            received,
        )
        self._rows.add_clear(0, exch_ts=update.exch_ts, local_ts=local_ts, line=update.line)
        self._state = _WAIT_SNAPSHOT
        self._resync_needed = True
        self._last_stale_id = None
        self._buffer(update)


def iter_binance_capture(
    path: str | os.PathLike[str], instrument: Instrument | None = None, **options: Any
) -> Iterator[Events]:
    """Event chunks of a capture (see `BinanceCaptureReader` for ``options``)."""
    return BinanceCaptureReader(path, instrument, **options).chunks()


def read_binance_capture(
    path: str | os.PathLike[str], instrument: Instrument | None = None, **options: Any
) -> tuple[Events, BinanceSyncStats]:
    """All events of a capture and its sync statistics."""
    reader = BinanceCaptureReader(path, instrument, **options)
    events = reader.read_all()
    return events, reader.stats
