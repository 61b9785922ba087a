"""Headline files to text items: CSV, JSONL and Parquet, with the columns found by common names or given.

`load_text(path, ...)` returns a `TextFeed`; `TextSource` is the same request as a value a run records in its
``config.toml`` (``[run.text]``) and loads again; `describe_text_file` is ``hft data info`` on a headline file.

Columns (case-insensitive; the first name present wins unless the column is named by an option):

| item field | option | names tried |
|---|---|---|
| ``published_ns`` (needed) | ``time_column`` | published(_at), datetime, timestamp, date, time, pubdate, created_at |
| ``received_ns`` | ``received_column`` | received, received_at, receipt_time, local_timestamp, local_time |
| ``headline`` (required) | ``text_column`` | headline, title, text |
| ``body`` | ``body_column`` | body, summary, content, description |
| ``tickers`` | ``tickers_column`` | tickers, ticker, symbols, symbol, stocks, stock |
| ``source`` | ``source_column`` | source, publisher, provider (else the file's name) |

Timestamps: ISO 8601 / RFC 2822 text (nanoseconds kept), Parquet timestamps, or numbers since the epoch with an
explicit ``epoch_unit`` (s, ms, us, ns). A timestamp with an offset or zone is converted to UTC; one without
(naive) needs ``tz`` (an IANA name such as ``UTC`` or ``America/New_York``) and is never guessed: without it the
load fails naming the row. A column that mixes timestamps with and without a zone is an error too. Without a
receipt column an item's receipt time is its publish time (a feed latency is then the usual way to model the
distance; `TextFeed`).

Bad rows: a row without a timestamp or with empty text is skipped and counted (``missing_time``,
``empty_text``, with the first lines in ``skipped``); a receipt time missing in a receipt column falls back to
the publish time (``missing_received``); everything else is a `DataError` naming the file, the line (CSV, JSONL)
or the row (Parquet) and the column: bytes that are not UTF-8, malformed JSON, a CSV row with more fields than
the header, an unparsable or out-of-range timestamp, a naive one without ``tz``, an ambiguous or nonexistent
local time (daylight saving). Nothing is dropped without a count.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from hft_core.errors import ConfigError, DataError
from hft_core.text.items import MAX_TIME_NS, TextFeed, TextItem

__all__ = [
    "BODY_NAMES",
    "EPOCH_UNITS",
    "RECEIVED_NAMES",
    "SOURCE_NAMES",
    "TEXT_FORMATS",
    "TEXT_NAMES",
    "TICKER_NAMES",
    "TIME_NAMES",
    "TextLoad",
    "TextSource",
    "TextSummary",
    "describe_text_file",
    "is_text_file",
    "load_text",
]

TIME_NAMES = ("published", "published_at", "datetime", "timestamp", "date", "time", "pubdate", "created_at")
RECEIVED_NAMES = ("received", "received_at", "receipt_time", "local_timestamp", "local_time")
TEXT_NAMES = ("headline", "title", "text")
BODY_NAMES = ("body", "summary", "content", "description")
TICKER_NAMES = ("tickers", "ticker", "symbols", "symbol", "stocks", "stock")
SOURCE_NAMES = ("source", "publisher", "provider")
TEXT_FORMATS = ("csv", "jsonl", "parquet")
EPOCH_UNITS = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
_KEEP_SKIPPED = 10
"""How many skipped rows' lines the stats list (the counts cover them all)."""
_NUMBER = re.compile(r"^[+-]?\d+(\.\d*)?$")
_TICKER_SPLIT = re.compile(r"[,;|\s]+")
_ROLES = ("time", "received", "text", "body", "tickers", "source")
_NAMES = {
    "time": TIME_NAMES,
    "received": RECEIVED_NAMES,
    "text": TEXT_NAMES,
    "body": BODY_NAMES,
    "tickers": TICKER_NAMES,
    "source": SOURCE_NAMES,
}


@dataclass(frozen=True)
class TextSource:
    """A headline file and how to read it: what a run records under ``[run.text]`` and loads again."""

    path: Path
    format: str | None = None
    tz: str | None = None
    epoch_unit: str | None = None
    time_column: str | None = None
    received_column: str | None = None
    text_column: str | None = None
    body_column: str | None = None
    tickers_column: str | None = None
    source_column: str | None = None
    latency_ms: float = 0.0
    """Feed latency added to every item's receipt time (`TextFeed`)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))
        if self.format is not None and self.format not in TEXT_FORMATS:
            raise ConfigError(f"text format must be one of {', '.join(TEXT_FORMATS)}, got {self.format!r}")
        if self.epoch_unit is not None and self.epoch_unit not in EPOCH_UNITS:
            raise ConfigError(f"epoch_unit must be one of {', '.join(EPOCH_UNITS)}, got {self.epoch_unit!r}")
        latency = self.latency_ms
        if isinstance(latency, bool) or not isinstance(latency, int | float) or not 0 <= latency < 1e9:
            raise ConfigError(f"text latency_ms must be a number of milliseconds >= 0, got {latency!r}")
        object.__setattr__(self, "latency_ms", float(latency))
        if self.tz is not None:
            _zone(self.tz)

    @classmethod
    def from_toml(cls, value: object, label: str) -> TextSource:
        """From ``[run] text = "FILE"`` or a ``[run.text]`` table (``path`` and any option by name)."""
        if isinstance(value, str | Path):
            return cls(Path(value))
        if not isinstance(value, Mapping) or "path" not in value:
            raise ConfigError(f"{label}: text must be a file name or a table with 'path' and options, got {value!r}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            named = ", ".join(map(repr, unknown))
            raise ConfigError(f"{label}: unknown key(s) {named} in text; known: {sorted(known)}")
        for key, item in value.items():
            if key != "latency_ms" and not isinstance(item, str):
                raise ConfigError(f"{label}: text.{key} must be text, got {item!r}")
        options: dict[str, Any] = {key: Path(item) if key == "path" else item for key, item in value.items()}
        return cls(**options)

    def to_toml(self) -> dict[str, Any]:
        """The options that differ from their defaults, with the path: what ``config.toml`` records."""
        found: dict[str, Any] = {"path": str(self.path)}
        for spec in fields(self)[1:]:
            value = getattr(self, spec.name)
            if value != spec.default:
                found[spec.name] = value
        return found

    def options(self) -> dict[str, Any]:
        return {spec.name: getattr(self, spec.name) for spec in fields(self)[1:] if spec.name != "latency_ms"}

    def load(self) -> TextFeed:
        """The file's items as a feed with this source's latency (a `DataError` for a bad row)."""
        found = read_text_file(self.path, **self.options())
        return TextFeed(
            found.items,
            latency_ns=round(self.latency_ms * 1_000_000),
            name=str(self.path),
            stats={"loader": found.stats},
        )


@dataclass
class TextLoad:
    """A headline file's items (in file order) and what reading it counted."""

    items: list[TextItem]
    stats: dict[str, Any]


def load_text(
    path: str | Path,
    *,
    format: str | None = None,
    tz: str | None = None,
    epoch_unit: str | None = None,
    time_column: str | None = None,
    received_column: str | None = None,
    text_column: str | None = None,
    body_column: str | None = None,
    tickers_column: str | None = None,
    source_column: str | None = None,
    latency_ms: float = 0.0,
) -> TextFeed:
    """A headline file (CSV, JSONL or Parquet; ``.gz`` too for the first two) as a `TextFeed` (module docstring)."""
    return TextSource(
        Path(path),
        format,
        tz,
        epoch_unit,
        time_column,
        received_column,
        text_column,
        body_column,
        tickers_column,
        source_column,
        latency_ms,
    ).load()


def text_format(path: Path, given: str | None = None) -> str:
    """The file's format: given, else from its suffix (before ``.gz``)."""
    if given is not None:
        return given
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    found = _SUFFIXES.get(suffixes[-1]) if suffixes else None
    if found is None:
        raise ConfigError(f"{path}: cannot tell the text format from the name; give format= (csv, jsonl, parquet)")
    return found


def is_text_file(path: str | Path) -> bool:
    """Whether ``path`` looks like a headline file (not market data): JSONL, or a CSV/Parquet whose columns
    include a text column and a time column by the common names. Never raises."""
    path = Path(path)
    try:
        kind = text_format(path)
        if kind == "jsonl":
            return True
        if kind == "csv":
            with _open_bytes(path) as raw:
                first = raw.readline(65_536).decode("utf-8-sig", errors="replace")
            names = {name.strip().lower() for name in next(csv.reader([first]), [])}
        else:
            import pyarrow.parquet as pq

            names = {name.lower() for name in pq.read_schema(path).names}
        return bool(names & set(TEXT_NAMES)) and bool(names & set(TIME_NAMES)) and "kind" not in names
    except Exception:  # (a sniff: anything unreadable is simply not a headline file)
        return False


# -- reading ------------------------------------------------------------------------------------------------------
def _open_bytes(path: Path) -> io.BufferedIOBase:
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")
    return path.open("rb")


def _decoded(path: Path) -> str:
    """The file as text: UTF-8 (a byte-order mark is dropped); other bytes are a `DataError` naming the line."""
    try:
        with _open_bytes(path) as raw:
            data = raw.read()
    except OSError as exc:
        raise DataError(f"cannot read: {exc}", path=str(path)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DataError(
            f"not UTF-8: byte 0x{data[exc.start]:02x} at column {column} (convert the file to UTF-8)",
            path=str(path),
            line=line,
        ) from None


def _csv_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    text = _decoded(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise DataError("empty file: no header", path=str(path), line=1) from None
    except csv.Error as exc:
        raise DataError(f"malformed CSV header: {exc}", path=str(path), line=1) from None
    header = [name.strip() for name in header]

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        line = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise DataError(f"malformed CSV: {exc}", path=str(path), line=line) from None
            if len(row) > len(header):
                raise DataError(
                    f"{len(row)} fields, the header has {len(header)} (an unquoted comma in a headline?)",
                    path=str(path),
                    line=line,
                )
            if row and any(cell.strip() for cell in row):
                yield line, dict(zip(header, row, strict=False))
            else:
                yield line, {}
            line = reader.line_num + 1

    return header, rows()


def _jsonl_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    lines = _decoded(path).splitlines()
    parsed: list[tuple[int, dict[str, Any]]] = []
    names: dict[str, None] = {}
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            parsed.append((number, {}))
            continue
        try:
            value = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise DataError(f"malformed JSON: {exc}", path=str(path), line=number) from None
        if not isinstance(value, dict):
            raise DataError(f"expected a JSON object, got {type(value).__name__}", path=str(path), line=number)
        names.update(dict.fromkeys(value))
        parsed.append((number, value))
    return list(names), iter(parsed)


def _parquet_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise DataError(f"cannot read as Parquet: {exc}", path=str(path)) from None
    columns = table.column_names
    frame = table.to_pandas()

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, values in enumerate(frame.itertuples(index=False, name=None), start=1):
            yield number, dict(zip(columns, values, strict=True))

    return list(columns), rows()


def _pick_columns(header: Sequence[str], named: Mapping[str, str | None], path: Path) -> dict[str, str | None]:
    by_lower: dict[str, str] = {}
    for name in header:
        by_lower.setdefault(name.lower(), name)
    found: dict[str, str | None] = {}
    for role in _ROLES:
        given = named.get(role)
        if given is not None:
            if given not in header:
                exact = by_lower.get(given.lower())
                if exact is None:
                    raise DataError(
                        f"no column {given!r} ({role}_column); the file has {', '.join(map(repr, header))}",
                        path=str(path),
                    )
                given = exact
            found[role] = given
            continue
        found[role] = next((by_lower[name] for name in _NAMES[role] if name in by_lower), None)
    for role, option in (("time", "time_column (--time-column)"), ("text", "text_column (--text-column)")):
        if found[role] is None:
            raise DataError(
                f"no {role} column: none of {', '.join(_NAMES[role])} among {', '.join(map(repr, header))}; "
                f"name it with {option}",
                path=str(path),
            )
    return found


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone {name!r} (an IANA name such as UTC or America/New_York)") from None


def _is_missing(value: object) -> bool:
    """None, NaN, blank text, or pandas' missing values (NaT, NA) from a Parquet column."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NaTType", "NAType")


class _TimeParser:
    """Timestamps of one column to ns since the epoch (UTC), with the module docstring's rules."""

    def __init__(self, path: Path, column: str, tz: str | None, epoch_unit: str | None, row_label: str) -> None:
        self.path, self.column, self.row_label = str(path), column, row_label
        self.tz_name = tz
        self.zone = _zone(tz) if tz is not None else None
        self.unit = epoch_unit
        self.aware: tuple[bool, int] | None = None  # (first timestamp had a zone, its line)

    def _error(self, reason: str, line: int) -> DataError:
        if self.row_label == "row":
            return DataError(reason, path=self.path, field=f"{self.column} (row {line})")
        return DataError(reason, path=self.path, line=line, field=self.column)

    def __call__(self, value: Any, line: int) -> int:
        import pandas as pd

        if isinstance(value, bool):
            raise self._error(f"not a timestamp: {value!r}", line)
        if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.match(value.strip())):
            return self._epoch(value, line)
        if isinstance(value, str):
            text = value.strip()
            try:
                stamp = pd.Timestamp(text)
            except (ValueError, TypeError, OverflowError):
                try:
                    from email.utils import parsedate_to_datetime

                    stamp = pd.Timestamp(parsedate_to_datetime(text))
                except (ValueError, TypeError, IndexError, OverflowError):
                    raise self._error(f"cannot parse timestamp {text!r}", line) from None
        elif isinstance(value, datetime | pd.Timestamp):
            stamp = pd.Timestamp(value)
        else:
            raise self._error(f"not a timestamp: {value!r}", line)
        return self._ns(stamp, value, line)

    def _epoch(self, value: Any, line: int) -> int:
        if self.unit is None:
            raise self._error(
                f"numeric timestamp {value!r}: give its unit with epoch_unit (--epoch-unit s, ms, us or ns); "
                "it is never guessed",
                line,
            )
        scale = EPOCH_UNITS[self.unit]
        if isinstance(value, str):
            text = value.strip()
            whole, _, fraction = text.partition(".")
            ns = int(whole) * scale
            if fraction:
                ns += round(int(fraction) * scale / 10 ** len(fraction)) * (-1 if whole.startswith("-") else 1)
        elif isinstance(value, int):
            ns = value * scale
        else:
            if not math.isfinite(value):
                raise self._error(f"not a timestamp: {value!r}", line)
            ns = round(value * scale)
        return self._in_range(ns, value, line)

    def _in_range(self, ns: int, value: Any, line: int) -> int:
        if not 0 <= ns < MAX_TIME_NS:
            raise self._error(f"timestamp {value!r} outside 1970..2116 (2**62 ns)", line)
        return ns

    def _ns(self, stamp: Any, value: Any, line: int) -> int:
        aware = stamp.tzinfo is not None
        if self.aware is None:
            self.aware = (aware, line)
        elif self.aware[0] != aware:
            first = self.aware[1]
            has, lacks = (first, line) if self.aware[0] else (line, first)
            where = "row" if self.row_label == "row" else "line"
            raise self._error(
                f"the column mixes timestamps with and without a time zone ({where} {has} has one, "
                f"{where} {lacks} has none): make them all explicit",
                line,
            )
        if not aware:
            if self.zone is None:
                raise self._error(
                    f"timestamp {str(value).strip()!r} has no time zone: give one with tz (--tz), e.g. --tz UTC "
                    "or --tz America/New_York; it is never guessed",
                    line,
                )
            try:
                stamp = stamp.tz_localize(self.zone, ambiguous="raise", nonexistent="raise")
            except Exception as exc:  # pytz/pandas raise their own types for DST gaps and overlaps
                raise self._error(
                    f"local time {str(value).strip()!r} does not exist or is ambiguous in {self.tz_name}: {exc}", line
                ) from None
        return self._in_range(int(stamp.value), value, line)


def _tickers(value: Any) -> tuple[str, ...]:
    if _is_missing(value):
        return ()
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                value = text.strip("[]")
    raw: list[Any] = _TICKER_SPLIT.split(value) if isinstance(value, str) else list(value)
    found: dict[str, None] = {}
    for entry in raw:
        symbol = str(entry).strip().strip("'\"").lstrip("$").upper()
        if symbol:
            found[symbol] = None
    return tuple(found)


def read_text_file(
    path: str | Path,
    *,
    format: str | None = None,
    tz: str | None = None,
    epoch_unit: str | None = None,
    time_column: str | None = None,
    received_column: str | None = None,
    text_column: str | None = None,
    body_column: str | None = None,
    tickers_column: str | None = None,
    source_column: str | None = None,
) -> TextLoad:
    """A headline file's items in file order, and the counts (the module docstring has the rules)."""
    path = Path(path)
    if not path.is_file():
        raise DataError("no such file", path=str(path))
    kind = text_format(path, format)
    header, rows = {"csv": _csv_rows, "jsonl": _jsonl_rows, "parquet": _parquet_rows}[kind](path)
    named = {
        "time": time_column,
        "received": received_column,
        "text": text_column,
        "body": body_column,
        "tickers": tickers_column,
        "source": source_column,
    }
    columns = _pick_columns(header, named, path)
    row_label = "row" if kind == "parquet" else "line"
    time_col, text_col = columns["time"], columns["text"]
    assert time_col is not None and text_col is not None
    published = _TimeParser(path, time_col, tz, epoch_unit, row_label)
    received_col = columns["received"]
    received = _TimeParser(path, received_col, tz, epoch_unit, row_label) if received_col is not None else None
    body_col, tickers_col, source_col = columns["body"], columns["tickers"], columns["source"]
    default_source = path.name
    items: list[TextItem] = []
    counts: Counter[str] = Counter()
    skipped: list[str] = []
    last_published = -1
    for line, row in rows:
        counts["rows"] += 1
        if not row:
            counts["blank"] += 1
            continue
        stamp = row.get(time_col)
        headline = row.get(text_col)
        reason = None
        if _is_missing(stamp):
            reason = "missing_time"
        elif _is_missing(headline):
            reason = "empty_text"
        if reason is not None:
            counts[reason] += 1
            if len(skipped) < _KEEP_SKIPPED:
                skipped.append(f"{row_label} {line}: {reason.replace('_', ' ')}")
            continue
        published_ns = published(stamp, line)
        received_ns = published_ns
        if received is not None:
            if _is_missing(row.get(received_col)):  # type: ignore[arg-type]
                counts["missing_received"] += 1
            else:
                received_ns = received(row[received_col], line)  # type: ignore[index]
                if received_ns < published_ns:
                    counts["received_before_published"] += 1
        if published_ns < last_published:
            counts["published_backwards"] += 1
        last_published = published_ns
        body = row.get(body_col) if body_col is not None else None
        source = row.get(source_col) if source_col is not None else None
        items.append(
            TextItem(
                published_ns,
                received_ns,
                default_source if _is_missing(source) else str(source).strip(),
                str(headline).strip(),
                None if _is_missing(body) else str(body).strip(),
                _tickers(row.get(tickers_col)) if tickers_col is not None else (),
            )
        )
    stats: dict[str, Any] = {
        "format": kind,
        "rows": counts["rows"],
        "items": len(items),
        "columns": {role: name for role, name in columns.items() if name is not None},
        "tz": tz,
        "epoch_unit": epoch_unit,
    }
    for key in (
        "blank",
        "missing_time",
        "empty_text",
        "missing_received",
        "received_before_published",
        "published_backwards",
    ):
        stats[key] = counts[key]
    stats["skipped"] = skipped
    return TextLoad(items, stats)


# -- inspection ---------------------------------------------------------------------------------------------------
def _iso(ns: int) -> str:
    import pandas as pd

    return pd.Timestamp(ns, unit="ns", tz="UTC").isoformat()


@dataclass
class TextSummary:
    """What ``hft data info`` shows about a headline file."""

    path: str
    stats: dict[str, Any]
    first_published: str | None = None
    last_published: str | None = None
    receipt_lag_ms: tuple[float, float, float] | None = None
    """(min, mean, max) of receipt - publish time, where the file has receipt times."""
    tickers: list[tuple[str, int]] = field(default_factory=list)
    distinct_tickers: int = 0
    untagged: int = 0
    sources: list[tuple[str, int]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": "text",
            **self.stats,
            "first_published": self.first_published,
            "last_published": self.last_published,
            "receipt_lag_ms": None if self.receipt_lag_ms is None else list(self.receipt_lag_ms),
            "distinct_tickers": self.distinct_tickers,
            "top_tickers": dict(self.tickers),
            "untagged": self.untagged,
            "sources": dict(self.sources),
        }

    def to_text(self) -> str:
        s = self.stats
        cols = ", ".join(f"{role}={name!r}" for role, name in s["columns"].items())
        lines = [
            f"file         {self.path}",
            f"kind         text ({s['format']}): {s['items']:,} items from {s['rows']:,} rows",
            f"columns      {cols}",
            f"time zone    {s['tz'] or 'from the timestamps (none needed)'}"
            + (f"; numbers in {s['epoch_unit']}" if s["epoch_unit"] else ""),
        ]
        if self.first_published is not None:
            lines.append(f"published    {self.first_published} .. {self.last_published}")
        if self.receipt_lag_ms is not None:
            low, mean, high = self.receipt_lag_ms
            lines.append(f"receipt lag  min {low:.3f} / mean {mean:.3f} / max {high:.3f} ms")
        top = ", ".join(f"{symbol} {count}" for symbol, count in self.tickers)
        distinct = f"{self.distinct_tickers} distinct{': ' + top if top else ''}"
        lines.append(f"tickers      {distinct}; {self.untagged} untagged")
        if self.sources:
            lines.append("sources      " + ", ".join(f"{name} {count}" for name, count in self.sources))
        skipped = [
            f"{key.replace('_', ' ')} {s[key]}"
            for key in (
                "blank",
                "missing_time",
                "empty_text",
                "missing_received",
                "received_before_published",
                "published_backwards",
            )
            if s[key]
        ]
        lines.append("counted      " + (", ".join(skipped) if skipped else "nothing skipped or out of order"))
        lines.extend(f"  {entry}" for entry in s["skipped"])
        return "\n".join(lines)


def describe_text_file(path: str | Path, **options: Any) -> TextSummary:
    """``hft data info`` for a headline file: counts, columns, span, receipt lag, tickers, sources, skipped rows."""
    found = read_text_file(path, **options)
    summary = TextSummary(str(path), found.stats)
    items = found.items
    if items:
        published = [item.published_ns for item in items]
        summary.first_published, summary.last_published = _iso(min(published)), _iso(max(published))
        if found.stats["columns"].get("received") is not None:
            lags = [(item.received_ns - item.published_ns) / 1e6 for item in items]
            summary.receipt_lag_ms = (min(lags), sum(lags) / len(lags), max(lags))
    counter = Counter(symbol for item in items for symbol in item.tickers)
    summary.tickers = counter.most_common(5)
    summary.distinct_tickers = len(counter)
    summary.untagged = sum(1 for item in items if not item.tickers)
    summary.sources = Counter(item.source for item in items).most_common(5)
    return summary
