"""Order-by-order (L3) files in a generic layout: CSV (plain or gzip) or Parquet, one message a row.

For exchanges that publish full order flow and are not LOBSTER. Columns are found by name (case-insensitive;
`COLUMN_NAMES` lists the names accepted for each; docs/data-formats.md has the table):

- ``time``: exchange time, an integer (or decimal) count of ``time_unit`` since the Unix epoch (default ``ns``),
  or ISO 8601 text with a zone (``Z`` or ``+hh:mm``); ``local_time`` (optional): when it was received, same forms;
- ``order_id``: integer >= 1 (a ``trade`` may leave it empty or 0: an execution of no visible order);
- ``side``: buy/b/bid/1 or sell/s/ask/-1, the order's side (an anonymous trade's aggressor, or empty);
- ``price`` and ``size`` on the instrument's grid; ``add``: the order's size, ``modify``: its new size, ``cancel``:
  the size cancelled (0 or empty: the whole order), ``trade``: the size executed;
- ``action``: add (new, insert), modify (update, replace), cancel (delete, remove), trade (fill, execute).

Actions become events of hft-core's L3 semantics (docs/data-formats.md): ``add`` → ``ADD``, ``modify`` →
``MODIFY``, ``cancel`` → ``CANCEL``, ``trade`` of an order id → ``FILL`` of that resting order, ``trade`` without
one → ``TRADE`` (a print that leaves the book alone). Every bad cell is a `DataError` naming the file, line (CSV:
the text line; Parquet: the row) and column; nothing is skipped. The file must be in local-time order (the
stream checks refuse time running backwards). A ``time_unit`` of ``ns`` refuses integer times before 1970-01-12
(a count of seconds or milliseconds read as nanoseconds would replay a market in January 1970): give the unit.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from hft_core.data._builder import DEFAULT_CHUNK_SIZE, Column, build_events
from hft_core.data._csv import guarded_csv_step
from hft_core.errors import ConfigError, DataError
from hft_core.events import EventKind, Events
from hft_core.instruments import Instrument, Rounding

__all__ = ["COLUMN_NAMES", "L3FileReader", "L3FileStats", "infer_l3_grid", "looks_like_l3_csv"]

TimeUnit = Literal["s", "ms", "us", "ns"]
_UNIT_NS: dict[str, int] = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
_EARLIEST_NS = 1_000_000_000_000_000
"""1970-01-12 in ns: a smaller integer time read as nanoseconds is almost surely in another unit."""
_MAX_NS = 1 << 62

COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "time": ("time", "timestamp", "exch_time", "exch_ts", "ts"),
    "local_time": ("local_time", "local_timestamp", "local_ts", "received"),
    "order_id": ("order_id", "orderid", "oid", "id"),
    "side": ("side", "direction"),
    "price": ("price", "px"),
    "size": ("size", "qty", "quantity", "amount"),
    "action": ("action", "type", "event"),
}
_REQUIRED = ("time", "order_id", "side", "price", "size", "action")

_ACTIONS: dict[str, str] = {
    **dict.fromkeys(("add", "new", "insert"), "add"),
    **dict.fromkeys(("modify", "update", "replace"), "modify"),
    **dict.fromkeys(("cancel", "delete", "remove"), "cancel"),
    **dict.fromkeys(("trade", "fill", "execute", "execution"), "trade"),
}
_SIDES: dict[str, int] = {
    **dict.fromkeys(("buy", "b", "bid", "1", "+1"), 1),
    **dict.fromkeys(("sell", "s", "ask", "-1"), -1),
    "": 0,
}


@dataclass
class L3FileStats:
    """What reading the file saw: rows by action, anonymous trades, the columns used."""

    rows: int = 0
    adds: int = 0
    modifies: int = 0
    cancels: int = 0
    whole_order_cancels: int = 0
    fills: int = 0
    anonymous_trades: int = 0
    columns: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _columns(names: list[str], path: str) -> dict[str, str]:
    """Our column -> the file's column name, by the accepted names (case-insensitive)."""
    lowered = {name.strip().lower(): name for name in names}
    found: dict[str, str] = {}
    for ours, accepted in COLUMN_NAMES.items():
        hit = next((lowered[a] for a in accepted if a in lowered), None)
        if hit is not None:
            found[ours] = hit
    missing = [ours for ours in _REQUIRED if ours not in found]
    if missing:
        wanted = "; ".join(f"{m}: one of {', '.join(COLUMN_NAMES[m])}" for m in missing)
        raise DataError(f"L3 file has no column for {wanted} (columns: {', '.join(names)})", path=path)
    return found


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _is_parquet(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"PAR1"


def looks_like_l3_csv(head: bytes) -> bool:
    """Whether a CSV's header row names an L3 layout (every required column found)."""
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    try:
        _columns(first.split(","), "")
    except DataError:
        return False
    return True


def _text(values: pd.Series) -> npt.NDArray[np.object_]:
    """A column as stripped text ('' for missing), whatever its stored type."""
    if values.dtype == object:
        return np.asarray(values.fillna("").astype(str).str.strip(), dtype=object)
    if pd.api.types.is_float_dtype(values.dtype):
        return np.asarray([("" if np.isnan(v) else repr(float(v))) for v in values.to_numpy()], dtype=object)
    return np.asarray(values.astype(str), dtype=object)


def _frames(path: Path, chunk_size: int) -> Iterator[tuple[pd.DataFrame, int]]:
    """The file's rows, ``chunk_size`` at a time, each with the number of its first row's line, in file order."""
    text = str(path)
    if not path.is_file():
        raise DataError("file not found", path=text)
    if _is_parquet(path):
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(path)
            row = 1
            for batch in parquet.iter_batches(batch_size=chunk_size):
                frame = batch.to_pandas()
                yield frame, row
                row += len(frame)
        except (OSError, ValueError) as exc:
            raise DataError(f"cannot read the Parquet file: {exc}", path=text) from None
        return
    reader = guarded_csv_step(
        lambda: pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            index_col=False,
            chunksize=chunk_size,
            compression="gzip" if _is_gzip(path) else None,
            encoding="utf-8",
        ),
        text,
    )
    line = 2
    with reader:
        while True:
            frame = guarded_csv_step(lambda: next(reader, None), text)
            if frame is None:
                return
            yield frame, line
            line += len(frame)


class L3FileReader:
    """Streams an L3 CSV or Parquet file as event chunks (see the module docstring); `stats` fills in as it goes."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        instrument: Instrument,
        *,
        instrument_id: int = 0,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        price_rounding: Rounding = "exact",
        qty_rounding: Rounding = "exact",
        time_unit: TimeUnit = "ns",
    ) -> None:
        if chunk_size <= 0:
            raise ConfigError(f"chunk_size must be positive, got {chunk_size}")
        if time_unit not in _UNIT_NS:
            raise ConfigError(f"time_unit must be one of {', '.join(_UNIT_NS)}, got {time_unit!r}")
        self.path = Path(path)
        self.instrument = instrument
        self.instrument_id = instrument_id
        self.chunk_size = chunk_size
        self.price_rounding: Rounding = price_rounding
        self.qty_rounding: Rounding = qty_rounding
        self.time_unit: TimeUnit = time_unit
        self.stats = L3FileStats()

    # -- reading --------------------------------------------------------------------------------------------------
    def chunks(self) -> Iterator[Events]:
        """Event chunks of at most ``chunk_size`` rows, in file order."""
        self.stats = L3FileStats()
        columns: dict[str, str] | None = None
        for frame, first_line in _frames(self.path, self.chunk_size):
            if columns is None:
                columns = _columns([str(c) for c in frame.columns], str(self.path))
                self.stats.columns = dict(columns)
            if not len(frame):
                continue
            events = self._convert(frame, columns, first_line)
            self.stats.rows += len(events)
            yield events
        if columns is None:
            raise DataError("the file holds no rows", path=str(self.path))

    def read_all(self) -> Events:
        from hft_core.events import concat_chunks

        return concat_chunks(self.chunks())

    # -- converting ---------------------------------------------------------------------------------------------
    def _error(self, reason: str, line: int, column: str) -> DataError:
        return DataError(reason, path=str(self.path), line=line, field=column)

    def _times(self, values: pd.Series, column: str, first_line: int) -> npt.NDArray[np.int64]:
        unit = _UNIT_NS[self.time_unit]
        if pd.api.types.is_integer_dtype(values.dtype):
            counts = values.to_numpy(dtype=np.int64)
            limit = _MAX_NS // unit
            earliest = _EARLIEST_NS if self.time_unit == "ns" else 0
            if len(counts) and counts.min() >= earliest and counts.max() < limit:
                return counts * unit
        texts = _text(values)
        if len(texts) and all(str(cell).isdigit() and len(str(cell)) <= 18 for cell in texts):
            counts = np.asarray(texts.astype(str), dtype=np.int64)
            earliest = _EARLIEST_NS if self.time_unit == "ns" else 0
            if counts.min() >= earliest and counts.max() < _MAX_NS // unit:
                return counts * unit
        out = np.empty(len(texts), dtype=np.int64)
        for i, cell in enumerate(texts):
            out[i] = self._time(str(cell), unit, column, first_line + i)
        return out

    def _time(self, cell: str, unit: int, column: str, line: int) -> int:
        if not cell:
            raise self._error("time is empty", line, column)
        if cell.lstrip("+-").replace(".", "", 1).isdigit():
            try:
                value = int(Decimal(cell) * unit) if "." in cell else int(cell) * unit
            except InvalidOperation:
                raise self._error(f"time {cell!r} is not a number", line, column) from None
            if value < 0 or value >= _MAX_NS:
                raise self._error(f"time {cell!r} {self.time_unit} is outside [1970, 2116)", line, column)
            if self.time_unit == "ns" and value < _EARLIEST_NS:
                raise self._error(
                    f"time {cell!r} read as nanoseconds is before 1970-01-12: a count of seconds, ms or us? "
                    "write nanoseconds or ISO 8601 text with a zone (in Python: L3FileReader(time_unit=...))",
                    line,
                    column,
                )
            return value
        try:
            stamp = dt.datetime.fromisoformat(cell.replace("Z", "+00:00"))
        except ValueError:
            raise self._error(f"time {cell!r} is neither a number nor ISO 8601 text", line, column) from None
        if stamp.tzinfo is None:
            raise self._error(f"time {cell!r} has no zone: write Z or +hh:mm (never guessed)", line, column)
        fraction = cell.partition(".")[2].rstrip("Z").split("+")[0].split("-")[0]
        seconds = int(stamp.timestamp())
        if len(fraction) > 6 and fraction.isdigit():  # datetime keeps microseconds; the text may hold ns
            nanos = int(fraction[:9].ljust(9, "0"))
        else:
            nanos = stamp.microsecond * 1000
        value = seconds * 1_000_000_000 + nanos
        if not 0 <= value < _MAX_NS:
            raise self._error(f"time {cell!r} is outside [1970, 2116)", line, column)
        return value

    def _convert(self, frame: pd.DataFrame, columns: Mapping[str, str], first_line: int) -> Events:
        n = len(frame)
        lines = np.arange(first_line, first_line + n)
        actions = self._codes(frame[columns["action"]], _ACTIONS, lines, "is not one of add, modify, cancel, trade")
        side = self._codes(frame[columns["side"]], _SIDES, lines, "is not buy/sell (b/s, bid/ask, 1/-1)").astype(
            np.int8
        )
        ids = np.zeros(n, dtype=np.int64)
        for i, cell in enumerate(_text(frame[columns["order_id"]])):
            text = str(cell)
            if text.endswith(".0"):
                text = text[:-2]  # an integer id stored as a float (Parquet/pandas)
            if text and not text.isdigit():
                raise self._error(
                    f"order id {cell!r} is not a non-negative integer", int(lines[i]), columns["order_id"]
                )
            ids[i] = int(text) if text else 0
            if ids[i] >= _MAX_NS:
                raise self._error(f"order id {cell!r} is too large (>= 2**62)", int(lines[i]), columns["order_id"])
        is_trade = actions == "trade"
        anonymous = is_trade & (ids == 0)
        needs_id = ~anonymous & (ids == 0)
        if needs_id.any():
            row = int(np.argmax(needs_id))
            raise self._error(f"a {actions[row]} needs an order id >= 1", int(lines[row]), columns["order_id"])
        bad_side = ~anonymous & (side == 0)
        if bad_side.any():
            row = int(np.argmax(bad_side))
            raise self._error(f"a {actions[row]} needs the order's side", int(lines[row]), columns["side"])
        kind = np.select(
            [actions == "add", actions == "modify", actions == "cancel", anonymous],
            [EventKind.ADD, EventKind.MODIFY, EventKind.CANCEL, EventKind.TRADE],
            default=EventKind.FILL,
        ).astype(np.uint8)
        exch = self._times(frame[columns["time"]], columns["time"], first_line)
        local = (
            self._times(frame[columns["local_time"]], columns["local_time"], first_line)
            if "local_time" in columns
            else exch
        )
        price = self._floats(frame[columns["price"]], columns["price"], lines, allow_empty=False)
        qty = self._floats(frame[columns["size"]], columns["size"], lines, allow_empty=True)
        whole = (kind == EventKind.CANCEL) & np.isnan(qty)
        qty = np.where(whole, 0.0, qty)
        if np.isnan(qty).any():
            row = int(np.argmax(np.isnan(qty)))
            raise self._error(f"a {actions[row]} needs a size", int(lines[row]), columns["size"])

        names: dict[Column, str] = {"price": columns["price"], "qty": columns["size"], "side": columns["side"]}

        def locate(row: int, which: Column) -> tuple[int | None, str | None]:
            return int(lines[row]), names[which]

        events = build_events(
            kind=kind,
            side=side,
            price=price,
            qty=qty,
            exch_ts=exch,
            local_ts=local,
            order_id=ids,
            instrument=self.instrument,
            instrument_id=self.instrument_id,
            price_rounding=self.price_rounding,
            qty_rounding=self.qty_rounding,
            path=str(self.path),
            locate=locate,
        )
        stats = self.stats
        stats.adds += int((kind == EventKind.ADD).sum())
        stats.modifies += int((kind == EventKind.MODIFY).sum())
        stats.cancels += int((kind == EventKind.CANCEL).sum())
        stats.whole_order_cancels += int(((kind == EventKind.CANCEL) & (events["qty"] == 0)).sum())
        stats.fills += int((kind == EventKind.FILL).sum())
        stats.anonymous_trades += int(anonymous.sum())
        return events

    def _codes(
        self, values: pd.Series, table: Mapping[str, Any], lines: npt.NDArray[np.int64], why: str
    ) -> npt.NDArray[Any]:
        """Each cell looked up (case-insensitively) in ``table``; the first cell it lacks is a `DataError`."""
        texts = pd.Series(_text(values), dtype=object)
        found = texts.str.lower().map(table)
        missing = found.isna().to_numpy()
        if missing.any():
            row = int(np.argmax(missing))
            raise self._error(f"{values.name} {texts[row]!r} {why}", int(lines[row]), str(values.name))
        return found.to_numpy()

    def _floats(
        self, values: pd.Series, column: str, lines: npt.NDArray[np.int64], *, allow_empty: bool
    ) -> npt.NDArray[np.float64]:
        if pd.api.types.is_numeric_dtype(values.dtype):
            return np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan))
        texts = _text(values)
        out = np.empty(len(texts), dtype=np.float64)
        for i, cell in enumerate(texts):
            if not cell:
                if not allow_empty:
                    raise self._error(f"{column} is empty", int(lines[i]), column)
                out[i] = np.nan
                continue
            try:
                out[i] = float(cell)
            except ValueError:
                raise self._error(f"{column} {cell!r} is not a number", int(lines[i]), column) from None
        return out


def infer_l3_grid(path: str | os.PathLike[str]) -> tuple[float, float, str]:
    """Tick and lot of an L3 file from every price and size in it, exactly (their greatest common divisors)."""
    from hft_core.data.grids import infer_step

    source = Path(path)
    prices: set[str] = set()
    sizes: set[str] = set()
    n = 0
    columns: dict[str, str] | None = None
    for frame, _ in _frames(source, DEFAULT_CHUNK_SIZE):
        if columns is None:
            columns = _columns([str(c) for c in frame.columns], str(source))
        prices.update(str(v) for v in _text(frame[columns["price"]]) if v)
        sizes.update(str(v) for v in _text(frame[columns["size"]]) if v)
        n += len(frame)
    try:
        tick = infer_step(prices, n)
        lot = infer_step(sizes, n)
    except ValueError as exc:
        raise DataError(f"cannot infer the grid: {exc}", path=str(source)) from None
    if tick is None or lot is None:
        raise DataError("no non-zero price and size to infer the tick and lot from", path=str(source))
    evidence = f"{tick.describe('tick', 'prices')}; {lot.describe('lot', 'sizes')}"
    return tick.step, lot.step, evidence
