"""Tardis.dev CSV datasets (plain or gzipped) -> events.

Supported data types, recognised from the header:

- ``incremental_book_L2``: one row per level change. ``amount`` is the level's new absolute size (0 removes it).
  A run of ``is_snapshot=true`` rows is a full-book snapshot: it becomes ``CLEAR`` then ``SNAPSHOT`` rows.
- ``trades``: ``side`` is the aggressor (buy/sell/unknown); a numeric trade ``id`` is kept as ``order_id``.
- ``book_snapshot_N`` (e.g. 5, 25): each row is the full top-N book; by default ``CLEAR`` + ``SNAPSHOT`` rows,
  or with ``snapshot_mode="diff"`` only the level changes against the previous row as ``DEPTH`` rows.
- ``quotes``: best bid/ask per row, handled as a top-1 book snapshot.

Timestamps are µs since the epoch: ``timestamp`` is the exchange time, ``local_timestamp`` the arrival time.
"""

from __future__ import annotations

import gzip
import itertools
import os
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from hft_core.data._builder import DEFAULT_CHUNK_SIZE, Column, build_events
from hft_core.data._checks import MAX_TIMESTAMP_NS
from hft_core.data._csv import guarded_csv_step, parser_error
from hft_core.errors import ConfigError, DataError
from hft_core.events import BUY, SELL, EventKind, Events, concat_chunks, empty_events
from hft_core.instruments import Instrument, Rounding

__all__ = [
    "SnapshotMode",
    "TardisDataType",
    "TardisReader",
    "TardisStats",
    "detect_tardis_type",
    "iter_tardis_csv",
    "read_tardis_csv",
]

TardisDataType = Literal["incremental_book_L2", "trades", "book_snapshot", "quotes"]
SnapshotMode = Literal["full", "diff"]

_T = TypeVar("_T")
_NS_PER_US = 1_000
_BASE_COLUMNS = ("exchange", "symbol", "timestamp", "local_timestamp")
_SNAPSHOT_COLUMN = re.compile(r"^(asks|bids)\[(\d+)\]\.(price|amount)$")


@dataclass(slots=True)
class TardisStats:
    """What a Tardis file contained and what became of it."""

    data_type: str = ""
    depth: int = 0
    rows: int = 0
    events: int = 0
    snapshots: int = 0
    skipped_other_symbols: int = 0
    blank_lines: int = 0
    exchange: str = ""
    symbol: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form."""
        return asdict(self)


def _read_header(path: Path) -> list[str]:
    try:
        # (blank lines are not skipped, as when the rows are read: the header is the first line, whatever it is)
        header = pd.read_csv(path, nrows=0, compression="infer", skip_blank_lines=False)
    except FileNotFoundError as exc:
        raise DataError("file not found", path=str(path)) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError("empty file: no header row", path=str(path), line=1) from exc
    except pd.errors.ParserError as exc:
        raise parser_error(exc, str(path)) from None
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError, UnicodeDecodeError) as exc:
        raise DataError(f"file is corrupt or truncated (reading the header): {exc}", path=str(path)) from exc
    return [str(column) for column in header.columns]


def detect_tardis_type(path: str | os.PathLike[str]) -> tuple[TardisDataType, int]:
    """``(data type, depth)`` from a Tardis CSV header; depth is N of ``book_snapshot_N`` (else 0)."""
    source = Path(path)
    columns = _read_header(source)
    names = set(columns)
    missing = [c for c in _BASE_COLUMNS if c not in names]
    if missing:
        raise DataError(
            f"not a Tardis CSV: missing column(s) {', '.join(missing)}", path=str(source), line=1, field=missing[0]
        )
    if {"is_snapshot", "side", "price", "amount"} <= names:
        return "incremental_book_L2", 0
    if {"side", "price", "amount"} <= names:
        return "trades", 0
    if {"ask_amount", "ask_price", "bid_price", "bid_amount"} <= names:
        return "quotes", 1
    levels: dict[int, set[str]] = {}
    for column in columns:
        match = _SNAPSHOT_COLUMN.match(column)
        if match:
            levels.setdefault(int(match.group(2)), set()).add(f"{match.group(1)}.{match.group(3)}")
    if levels:
        depth = max(levels) + 1
        complete = {"asks.price", "asks.amount", "bids.price", "bids.amount"}
        for level in range(depth):
            if levels.get(level) != complete:
                raise DataError(
                    f"book snapshot header lacks some of asks/bids[{level}].price/amount",
                    path=str(source),
                    line=1,
                )
        return "book_snapshot", depth
    raise DataError(
        "unrecognised Tardis CSV header (expected incremental_book_L2, trades, book_snapshot_N or quotes)",
        path=str(source),
        line=1,
    )


def _is_int_text(text: object) -> bool:
    try:
        int(str(text))
    except ValueError:
        return False
    return abs(int(str(text))) < 2**63


class TardisReader:
    """Streams one Tardis CSV as event chunks; `stats` fills in as it goes.

    ``symbol`` keeps only that symbol's rows (a file mixing symbols is otherwise an error). Prices and sizes off
    the instrument's grid are a `DataError` unless ``price_rounding``/``qty_rounding`` say otherwise.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        instrument: Instrument,
        *,
        instrument_id: int = 0,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        price_rounding: Rounding = "exact",
        qty_rounding: Rounding = "exact",
        symbol: str | None = None,
        snapshot_mode: SnapshotMode = "full",
    ) -> None:
        if chunk_size <= 0:
            raise ConfigError(f"chunk_size must be positive, got {chunk_size}")
        if snapshot_mode not in ("full", "diff"):
            raise ConfigError(f"snapshot_mode must be 'full' or 'diff', got {snapshot_mode!r}")
        self.path = Path(path)
        self.instrument = instrument
        self.instrument_id = instrument_id
        self.chunk_size = chunk_size
        self.price_rounding: Rounding = price_rounding
        self.qty_rounding: Rounding = qty_rounding
        self.symbol = symbol
        self.snapshot_mode: SnapshotMode = snapshot_mode
        self.stats = TardisStats()

    def __iter__(self) -> Iterator[Events]:
        return self.chunks()

    def read_all(self) -> Events:
        """Every event of the file in one array."""
        return concat_chunks(self.chunks())

    def chunks(self) -> Iterator[Events]:
        """Event chunks of at most ``chunk_size`` rows, in file order."""
        data_type, depth = detect_tardis_type(self.path)
        self.stats = TardisStats(data_type=data_type, depth=depth)
        self._path_text = str(self.path)
        self._previous_local_ts = -1
        self._previous_snapshot_local_ts: int | None = None
        self._previous_levels: dict[int, dict[int, int]] | None = None
        rows_per_read = self.chunk_size if depth == 0 else max(1, self.chunk_size // (2 * depth + 1))
        for frame in self._frames(rows_per_read):
            first_line = int(frame.index[0]) + 2 if len(frame) else 2
            frame = self._select_rows(frame, first_line)
            if not len(frame):
                continue
            if data_type == "incremental_book_L2":
                events = self._incremental(frame)
            elif data_type == "trades":
                events = self._trades(frame)
            else:
                events = self._snapshots(frame, depth, quotes=data_type == "quotes")
            self.stats.events += len(events)
            for start in range(0, len(events), self.chunk_size):
                yield events[start : start + self.chunk_size]

    # -- reading ----------------------------------------------------------------------------------------------
    def _frames(self, rows_per_read: int) -> Iterator[pd.DataFrame]:
        reader = self._guarded(
            lambda: pd.read_csv(
                self.path,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                index_col=False,
                chunksize=rows_per_read,
                compression="infer",
            )
        )
        with reader:
            while True:
                frame = self._guarded(lambda: next(reader, None))
                if frame is None:
                    return
                yield frame

    def _guarded(self, step: Callable[[], _T]) -> _T:
        return guarded_csv_step(step, self._path_text)

    def _select_rows(self, frame: pd.DataFrame, first_line: int) -> pd.DataFrame:
        """Drop blank lines and other symbols; check symbols, line shape and local time order."""
        frame = frame.reset_index(drop=True)
        frame["_line"] = np.arange(first_line, first_line + len(frame))
        blank = (frame["exchange"] == "") & (frame["timestamp"] == "")
        if blank.any():
            self.stats.blank_lines += int(blank.sum())
            frame = frame[~blank]
        symbols = frame["symbol"]
        if self.symbol is not None:
            keep = symbols == self.symbol
            self.stats.skipped_other_symbols += int((~keep).sum())
            frame = frame[keep]
        elif len(frame):
            first = self.stats.symbol or str(symbols.iloc[0])
            other = symbols != first
            if other.any():
                row = int(np.argmax(other.to_numpy()))
                raise DataError(
                    f"file mixes symbols {first!r} and {symbols.iloc[row]!r}; pass symbol= to pick one",
                    path=self._path_text,
                    line=int(frame["_line"].iloc[row]),
                    field="symbol",
                )
        if len(frame):
            self.stats.symbol = str(frame["symbol"].iloc[0])
            self.stats.exchange = str(frame["exchange"].iloc[0])
            self.stats.rows += len(frame)
        return frame.reset_index(drop=True)

    def _int_column(self, frame: pd.DataFrame, column: str) -> npt.NDArray[np.int64]:
        raw = frame[column].to_numpy(dtype=object)
        try:
            values = raw.astype(np.int64)
        except (ValueError, OverflowError):
            index = next((i for i, item in enumerate(raw) if not _is_int_text(item)), 0)
            raise DataError(
                f"{raw[index]!r} is not an integer timestamp in µs",
                path=self._path_text,
                line=int(frame["_line"].iloc[index]),
                field=column,
            ) from None
        out_of_range = (values < 0) | (values >= MAX_TIMESTAMP_NS // _NS_PER_US)
        if out_of_range.any():
            index = int(np.argmax(out_of_range))
            raise DataError(
                f"timestamp {values[index]} µs is outside [0, 2**62) ns",
                path=self._path_text,
                line=int(frame["_line"].iloc[index]),
                field=column,
            )
        return values * _NS_PER_US

    def _float_column(self, frame: pd.DataFrame, column: str, *, allow_empty: bool = False) -> npt.NDArray[np.float64]:
        raw = frame[column].to_numpy(dtype=object)
        if allow_empty:
            # Absent levels of a book snapshot; the caller masks them out by the raw text.
            raw = np.where(raw == "", "0", raw)
        try:
            return raw.astype(np.float64)
        except ValueError:
            values = np.empty(len(raw))
            for index, item in enumerate(raw):
                try:
                    values[index] = float(item)
                except ValueError:
                    raise DataError(
                        f"{item!r} is not a number",
                        path=self._path_text,
                        line=int(frame["_line"].iloc[index]),
                        field=column,
                    ) from None
            return values  # pragma: no cover - astype failed, so some item must have failed too

    def _times(self, frame: pd.DataFrame) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        exch_ts = self._int_column(frame, "timestamp")
        local_ts = self._int_column(frame, "local_timestamp")
        previous = np.concatenate(([self._previous_local_ts], local_ts[:-1]))
        backwards = local_ts < previous
        if backwards.any():
            index = int(np.argmax(backwards))
            raise DataError(
                f"local timestamp {local_ts[index] // _NS_PER_US} is earlier than the previous row's "
                f"{previous[index] // _NS_PER_US}",
                path=self._path_text,
                line=int(frame["_line"].iloc[index]),
                field="local_timestamp",
            )
        self._previous_local_ts = int(local_ts[-1])
        return exch_ts, local_ts

    def _sides(self, frame: pd.DataFrame, mapping: dict[str, int]) -> npt.NDArray[np.int8]:
        raw = frame["side"].to_numpy(dtype=object)
        sides = np.zeros(len(raw), dtype=np.int8)
        known = np.zeros(len(raw), dtype=bool)
        for name, code in mapping.items():
            match = raw == name
            sides[match] = code
            known |= match
        if not known.all():
            index = int(np.argmax(~known))
            raise DataError(
                f"side {raw[index]!r} is not one of {', '.join(mapping)}",
                path=self._path_text,
                line=int(frame["_line"].iloc[index]),
                field="side",
            )
        return sides

    def _build(
        self,
        frame: pd.DataFrame,
        source_row: npt.NDArray[np.int64],
        *,
        kind: npt.NDArray[np.uint8],
        side: npt.NDArray[np.int8],
        price: npt.NDArray[np.float64],
        qty: npt.NDArray[np.float64],
        exch_ts: npt.NDArray[np.int64],
        local_ts: npt.NDArray[np.int64],
        fields: tuple[str, str] | tuple[npt.NDArray[np.str_], npt.NDArray[np.str_]],
        order_id: npt.NDArray[np.int64] | None = None,
    ) -> Events:
        lines = frame["_line"].to_numpy(dtype=np.int64)

        def locate(row: int, which: Column) -> tuple[int | None, str | None]:
            if which == "side":
                return int(lines[source_row[row]]), "side"
            name = fields[0] if which == "price" else fields[1]
            return int(lines[source_row[row]]), str(name if isinstance(name, str) else name[row])

        return build_events(
            kind=kind,
            side=side,
            price=price,
            qty=qty,
            exch_ts=exch_ts,
            local_ts=local_ts,
            order_id=order_id,
            instrument=self.instrument,
            instrument_id=self.instrument_id,
            price_rounding=self.price_rounding,
            qty_rounding=self.qty_rounding,
            path=self._path_text,
            locate=locate,
        )

    # -- data types -------------------------------------------------------------------------------------------
    def _incremental(self, frame: pd.DataFrame) -> Events:
        exch_ts, local_ts = self._times(frame)
        flag = frame["is_snapshot"].to_numpy(dtype=object)
        is_snapshot = flag == "true"
        valid = is_snapshot | (flag == "false")
        if not valid.all():
            index = int(np.argmax(~valid))
            raise DataError(
                f"is_snapshot {flag[index]!r} is not true or false",
                path=self._path_text,
                line=int(frame["_line"].iloc[index]),
                field="is_snapshot",
            )
        side = self._sides(frame, {"bid": BUY, "ask": SELL})
        price = self._float_column(frame, "price")
        qty = self._float_column(frame, "amount")

        # A snapshot starts where snapshot rows begin, or where a new snapshot message (new arrival time)
        # follows another one directly.
        previous_snapshot = np.concatenate(([self._previous_snapshot_local_ts is not None], is_snapshot[:-1]))
        previous_local = np.concatenate(
            ([self._previous_snapshot_local_ts if self._previous_snapshot_local_ts is not None else -1], local_ts[:-1])
        )
        starts = np.flatnonzero(is_snapshot & (~previous_snapshot | (local_ts != previous_local)))
        self._previous_snapshot_local_ts = int(local_ts[-1]) if is_snapshot[-1] else None
        self.stats.snapshots += len(starts)

        kind = np.where(is_snapshot, np.uint8(EventKind.SNAPSHOT), np.uint8(EventKind.DEPTH)).astype(np.uint8)
        source_row = np.insert(np.arange(len(frame), dtype=np.int64), starts, starts)
        return self._build(
            frame,
            source_row,
            kind=np.insert(kind, starts, np.uint8(EventKind.CLEAR)),
            side=np.insert(side, starts, 0),
            price=np.insert(price, starts, 0.0),
            qty=np.insert(qty, starts, 0.0),
            exch_ts=exch_ts[source_row],
            local_ts=local_ts[source_row],
            fields=("price", "amount"),
        )

    def _trades(self, frame: pd.DataFrame) -> Events:
        exch_ts, local_ts = self._times(frame)
        side = self._sides(frame, {"buy": BUY, "sell": SELL, "unknown": 0})
        price = self._float_column(frame, "price")
        qty = self._float_column(frame, "amount")
        order_id = np.zeros(len(frame), dtype=np.int64)
        if "id" in frame.columns:
            ids = pd.to_numeric(frame["id"], errors="coerce").to_numpy(dtype=np.float64)
            integral = np.isfinite(ids) & (ids == np.round(ids)) & (np.abs(ids) < 2.0**53)
            order_id[integral] = ids[integral].astype(np.int64)
        return self._build(
            frame,
            np.arange(len(frame), dtype=np.int64),
            kind=np.full(len(frame), np.uint8(EventKind.TRADE), dtype=np.uint8),
            side=side,
            price=price,
            qty=qty,
            exch_ts=exch_ts,
            local_ts=local_ts,
            fields=("price", "amount"),
            order_id=order_id,
        )

    def _snapshots(self, frame: pd.DataFrame, depth: int, *, quotes: bool) -> Events:
        exch_ts, local_ts = self._times(frame)
        rows = len(frame)
        if quotes:
            price_columns = ["bid_price", "ask_price"]
            qty_columns = ["bid_amount", "ask_amount"]
        else:
            price_columns = [f"bids[{i}].price" for i in range(depth)] + [f"asks[{i}].price" for i in range(depth)]
            qty_columns = [f"bids[{i}].amount" for i in range(depth)] + [f"asks[{i}].amount" for i in range(depth)]
        width = len(price_columns)
        price_text = np.column_stack([frame[c].to_numpy(dtype=object) for c in price_columns])
        qty_text = np.column_stack([frame[c].to_numpy(dtype=object) for c in qty_columns])
        present = price_text != ""
        half_empty = present != (qty_text != "")
        if half_empty.any():
            row, column = divmod(int(np.argmax(half_empty)), width)
            name = qty_columns[column] if present[row, column] else price_columns[column]
            raise DataError(
                "level has a price or a size but not both",
                path=self._path_text,
                line=int(frame["_line"].iloc[row]),
                field=name,
            )
        prices = np.column_stack([self._float_column(frame, c, allow_empty=True) for c in price_columns])
        qtys = np.column_stack([self._float_column(frame, c, allow_empty=True) for c in qty_columns])
        self.stats.snapshots += rows

        # One CLEAR column, then each level column; absent levels are filtered out after flattening row-major.
        kind = np.full((rows, width + 1), np.uint8(EventKind.SNAPSHOT), dtype=np.uint8)
        kind[:, 0] = np.uint8(EventKind.CLEAR)
        side = np.empty((rows, width + 1), dtype=np.int8)
        side[:, 0] = 0
        side[:, 1 : depth + 1] = BUY
        side[:, depth + 1 :] = SELL
        keep = np.column_stack([np.ones(rows, dtype=bool), present]).ravel()
        price = np.column_stack([np.zeros(rows), prices]).ravel()[keep]
        qty = np.column_stack([np.zeros(rows), qtys]).ravel()[keep]
        source_row = np.repeat(np.arange(rows, dtype=np.int64), width + 1)[keep]
        column_names = np.array(["", *price_columns])
        qty_names = np.array(["", *qty_columns])
        column_index = np.tile(np.arange(width + 1), rows)[keep]
        events = self._build(
            frame,
            source_row,
            kind=kind.ravel()[keep],
            side=side.ravel()[keep],
            price=price,
            qty=qty,
            exch_ts=exch_ts[source_row],
            local_ts=local_ts[source_row],
            fields=(column_names[column_index], qty_names[column_index]),
        )
        if self.snapshot_mode == "diff":
            return self._diff(events)
        return events

    def _diff(self, events: Events) -> Events:
        """Full snapshots -> the first one as is, then only level changes as ``DEPTH`` rows."""
        out: list[tuple[int, int, int, int, int, int]] = []
        clears = np.flatnonzero(events["kind"] == EventKind.CLEAR)
        bounds = [*clears.tolist(), len(events)]
        for begin, end in itertools.pairwise(bounds):
            block = events[begin:end]
            levels: dict[int, dict[int, int]] = {BUY: {}, SELL: {}}
            for row in block[1:]:
                levels[int(row["side"])][int(row["price"])] = int(row["qty"])
            exch, local = int(block[0]["exch_ts"]), int(block[0]["local_ts"])
            previous = self._previous_levels
            if previous is None:
                out.append((exch, local, 0, 0, int(EventKind.CLEAR), 0))
                out.extend(
                    (exch, local, price, qty, int(EventKind.SNAPSHOT), side)
                    for side in (BUY, SELL)
                    for price, qty in levels[side].items()
                )
            else:
                for side in (BUY, SELL):
                    before, after = previous[side], levels[side]
                    out.extend(
                        (exch, local, price, 0, int(EventKind.DEPTH), side) for price in before if price not in after
                    )
                    out.extend(
                        (exch, local, price, qty, int(EventKind.DEPTH), side)
                        for price, qty in after.items()
                        if before.get(price) != qty
                    )
            self._previous_levels = levels
        result = empty_events(len(out))
        if out:
            columns = np.array(out, dtype=np.int64)
            result["exch_ts"] = columns[:, 0]
            result["local_ts"] = columns[:, 1]
            result["price"] = columns[:, 2]
            result["qty"] = columns[:, 3]
            result["kind"] = columns[:, 4]
            result["side"] = columns[:, 5]
        result["instrument"] = self.instrument_id
        return result


def iter_tardis_csv(path: str | os.PathLike[str], instrument: Instrument, **options: Any) -> Iterator[Events]:
    """Event chunks of a Tardis CSV (see `TardisReader` for ``options``)."""
    return TardisReader(path, instrument, **options).chunks()


def read_tardis_csv(path: str | os.PathLike[str], instrument: Instrument, **options: Any) -> tuple[Events, TardisStats]:
    """All events of a Tardis CSV and what the reader saw."""
    reader = TardisReader(path, instrument, **options)
    events = reader.read_all()
    return events, reader.stats
