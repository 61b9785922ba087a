"""What a backtest returns and writes: orders, fills, equity and round trips as DataFrames, plus a stats dict.

In the run directory they become ``orders.parquet``, ``fills.parquet``, ``equity.parquet``,
``round_trips.parquet``, ``summary.json`` and ``log.txt``, and ``series.parquet`` when the strategy recorded
series (``ctx.record``; a run that records none writes no such file). Nothing in them depends on wall-clock time,
so equal inputs give byte-identical files.

Every frame carries its market times twice: the integer ``ts`` (ns, the exact value the engine used) and
``time``, the same instant as ``datetime64[ns, UTC]`` right after it, so plots get a readable axis:
``result.equity.plot(x="time", y="pnl")``, or ``result.pnl_curve.plot()`` for the total. Round trips have two
times, ``entry_ts``/``entry_time`` and ``exit_ts``/``exit_time``.
"""

from __future__ import annotations

import json
import math
import numbers
import re
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from hft_core.engine.stats import ROUND_TRIP_COLUMNS, coded_round_trips, side_signs
from hft_core.rundir import atomic_output, atomic_write_text

__all__ = [
    "EQUITY_COLUMNS",
    "FILL_COLUMNS",
    "JOURNAL_FILES",
    "ORDER_COLUMNS",
    "ROUND_TRIP_COLUMNS",
    "SERIES_COLUMNS",
    "SERIES_NAMES",
    "BacktestResult",
    "RecordJournal",
    "SeriesRecorder",
    "coded_round_trips_frame",
    "frame_from_rows",
    "read_journal",
    "round_trips_frame",
    "with_time",
]

ORDER_COLUMNS = (
    "order_id",
    "ts",
    "done_ts",
    "instrument",
    "side",
    "order_type",
    "price",
    "qty",
    "status",
    "reason",
    "filled_qty",
)
"""The engine's order records (a result's frame adds ``time`` after ``ts``). ``done_ts``: when the order reached
its final state (filled, cancelled, rejected, expired); -1 while open."""
FILL_COLUMNS = ("ts", "instrument", "order_id", "side", "price", "qty", "fee", "maker", "position", "pnl")
"""The engine's fill records (a result's frame adds ``time`` after ``ts``). ``position`` and ``pnl``: the account
just after the fill, PnL marked to market at the mids (fees included) when the engine books the fill: as its
report arrives for a strategy that overrides ``on_fill`` or ``on_order``, else at the strategy's next decision
(such a strategy learns of its reports in batches, and the venue need not stop)."""
EQUITY_COLUMNS = ("ts", "instrument", "mid", "position", "pnl")
"""The engine's equity samples, one row per instrument per sample (a result's frame adds ``time`` after ``ts``)."""


JOURNAL_FILES = {"fills": "fills.journal.arrows", "equity": "equity.journal.arrows"}
"""The journal a run directory holds while its run is going (`RecordJournal`), by record kind."""


class RecordJournal:
    """A run's fills and equity samples appended to its directory as the run goes, so a run killed outright
    (SIGKILL, a power cut, memory exhausted) leaves what it had recorded readable (`read_journal`).

    Each kind is an Arrow IPC stream (`JOURNAL_FILES`), one record batch per `append`: a stream needs no footer,
    so every batch written before a kill reads back, and a batch cut short by it is left out. Fills are journaled
    with `FILL_COLUMNS` but ``pnl`` (known only when the run ends: `hft_core.engine.blotter.Blotter.fill_pnls`),
    equity samples with `EQUITY_COLUMNS`. The engine appends every ``every_samples`` equity samples
    (`hft_core.engine.loop.Engine`). The journal is not part of a finished run: `close` removes it once the
    run's Parquet files and its end status are written, so a finished run directory is the same with or
    without it.
    """

    def __init__(self, directory: Path, every_samples: int = 60) -> None:
        if every_samples < 1:
            raise ValueError(f"every_samples must be at least 1, got {every_samples}")
        self.directory = directory
        self.every_samples = every_samples
        self._writers: dict[str, Any] = {}
        self._handles: dict[str, Any] = {}

    def append(self, kind: str, columns: Mapping[str, Any]) -> None:
        """Append one batch of ``kind`` (a key of `JOURNAL_FILES`) rows, given as columns, and push it to the OS
        (no fsync: a killed process loses nothing the OS has; a power cut may lose the last seconds)."""
        import pyarrow as pa

        batch = pa.RecordBatch.from_pydict({name: pa.array(values) for name, values in columns.items()})
        writer = self._writers.get(kind)
        if writer is None:
            handle = (self.directory / JOURNAL_FILES[kind]).open("wb")
            self._handles[kind] = handle
            writer = self._writers[kind] = pa.ipc.new_stream(handle, batch.schema)
        writer.write_batch(batch)
        self._handles[kind].flush()

    def close(self) -> None:
        """Close and remove the journal files (the run's own files now hold everything in them)."""
        for kind, writer in self._writers.items():
            writer.close()
            self._handles[kind].close()
        self._writers.clear()
        self._handles.clear()
        for name in JOURNAL_FILES.values():
            (self.directory / name).unlink(missing_ok=True)


def read_journal(directory: Path) -> dict[str, pd.DataFrame]:
    """What a run's journal (`RecordJournal`) holds, by kind, with ``time``: every whole batch; a batch cut short
    (the run killed while writing it) is left out. A kind without a journal file is absent."""
    import pyarrow as pa

    found: dict[str, pd.DataFrame] = {}
    for kind, name in JOURNAL_FILES.items():
        path = directory / name
        if not path.exists():
            continue
        batches = []
        try:
            with pa.ipc.open_stream(path) as reader:
                while True:
                    batches.append(reader.read_next_batch())
        except StopIteration:
            pass
        except (pa.ArrowInvalid, OSError, EOFError):
            pass  # (a stream cut short: the whole batches before the cut are kept)
        if batches:
            found[kind] = with_time(pa.Table.from_batches(batches).to_pandas())
    return found


SERIES_COLUMNS = ("ts", "name", "value")
"""The recorded series (``ctx.record``), one row per recorded value in the order recorded (a result's frame adds
``time`` after ``ts``)."""
SERIES_NAMES = 32
"""The most distinct series names one run may record (a bug recording a new name per event fails fast)."""
_NAME_LENGTH = 32
_SERIES_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?")


class SeriesRecorder:
    """The values a strategy records with ``ctx.record``, kept compactly: three typed arrays (time, name code,
    value) and the names in the order first recorded."""

    __slots__ = ("_codes", "_names", "_ts", "_values")

    def __init__(self) -> None:
        self._names: dict[str, int] = {}
        self._ts = array("q")
        self._codes = array("B")
        self._values = array("d")

    def __len__(self) -> int:
        return len(self._values)

    def record(self, ts: int, name: str, value: object) -> None:
        """Append ``value`` of ``name`` at ``ts``; a bad name, one name too many or a non-finite value is a
        `ValueError` saying which."""
        if isinstance(value, bool) or not isinstance(value, float | int | numbers.Real):
            raise ValueError(f"record({name!r}, {value!r}): the value must be a number")
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"record({name!r}, {value!r}): the value must be a finite number")
        code = self._names.get(name)
        if code is None:
            code = self._new_name(name)
        self._ts.append(ts)
        self._codes.append(code)
        self._values.append(number)

    def _new_name(self, name: object) -> int:
        if not isinstance(name, str) or len(name) > _NAME_LENGTH or not _SERIES_NAME.fullmatch(name):
            raise ValueError(
                f"record({name!r}, ...): a series name is an identifier of at most {_NAME_LENGTH} characters "
                "(letters, digits, _), optionally group.part"
            )
        if len(self._names) >= SERIES_NAMES:
            raise ValueError(
                f"record({name!r}, ...): a run records at most {SERIES_NAMES} series names, and this one has "
                f"{', '.join(self._names)}"
            )
        code = self._names[name] = len(self._names)
        return code

    def frame(self) -> pd.DataFrame:
        """The recorded values as a long frame (`SERIES_COLUMNS` with ``time``), in the order recorded."""
        names = np.array(list(self._names), dtype=object)
        codes = np.frombuffer(self._codes, dtype=np.uint8) if len(self._codes) else np.zeros(0, dtype=np.uint8)
        frame = pd.DataFrame(
            {
                "ts": np.array(self._ts, dtype=np.int64),
                "name": names[codes] if len(codes) else np.array([], dtype=object),
                "value": np.array(self._values, dtype=np.float64),
            },
            columns=list(SERIES_COLUMNS),
        )
        return with_time(frame)


def frame_from_rows(rows: list[tuple[Any, ...]], columns: tuple[str, ...]) -> pd.DataFrame:
    """A DataFrame from row tuples, with the given columns (also when there are no rows)."""
    return pd.DataFrame.from_records(rows, columns=list(columns))


def _datetimes(ts: pd.Series | np.ndarray[Any, Any]) -> pd.DatetimeIndex:
    # (nanoseconds since the epoch are datetime64[ns] as they are: a cast, not `pd.to_datetime`'s parsing machinery)
    return pd.DatetimeIndex(np.asarray(ts, dtype=np.int64).astype("M8[ns]")).tz_localize("UTC")


def with_time(frame: pd.DataFrame, ts: str = "ts", name: str = "time") -> pd.DataFrame:
    """``frame`` with ``name``, the ``ts`` column as ``datetime64[ns, UTC]``, right after ``ts`` (a new frame;
    one that has ``name`` already is returned as it is)."""
    if name in frame.columns:
        return frame
    out = frame.copy(deep=False)
    out.insert(list(out.columns).index(ts) + 1, name, _datetimes(out[ts]))
    return out


def round_trips_frame(fills: pd.DataFrame, multipliers: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The fills' FIFO round trips (`hft_core.engine.stats.round_trips`) with ``entry_time`` and ``exit_time``.

    ``multipliers``: each instrument's contract multiplier (1 for an instrument not named).
    """
    from hft_core.engine._columns import codes  # (pyarrow: loaded by the engine, not by this module's readers)

    multipliers = multipliers or {}
    names, coded = codes(fills["instrument"])
    sides, side_codes = codes(fills["side"])  # (the signs of the few distinct sides, then one per fill)
    signs = side_signs(sides)[side_codes]
    return coded_round_trips_frame(fills, names, coded, signs, [multipliers.get(name, 1.0) for name in names])


def coded_round_trips_frame(
    fills: pd.DataFrame,
    names: Sequence[str],
    coded: npt.NDArray[np.int64],
    signs: npt.NDArray[np.int64],
    multipliers: Sequence[float],
) -> pd.DataFrame:
    """`round_trips_frame` with each fill's instrument as its index in ``names`` (whose multipliers are
    ``multipliers``) and its side as +1/-1: the engine's own codes, not read back from the frame's strings."""
    from hft_core.engine._columns import labels

    columns, traded, direction = coded_round_trips(
        fills["ts"].to_numpy(dtype=np.int64),
        coded,
        len(names),
        signs,
        fills["price"].to_numpy(dtype=np.float64),
        fills["qty"].to_numpy(dtype=np.float64),
        fills["fee"].to_numpy(dtype=np.float64),
        np.array(multipliers, dtype=np.float64)[coded],
    )
    frame = pd.DataFrame(
        {
            "instrument": labels(names, traded),
            "side": labels(["long", "short"], (direction < 0).astype(np.int64)),
            **columns,
        },
        columns=list(ROUND_TRIP_COLUMNS),
        copy=False,  # (arrays made for the frame: kept as they are, not stacked into blocks by dtype)
    )
    frame = with_time(frame, "entry_ts", "entry_time")
    return with_time(frame, "exit_ts", "exit_time")


@dataclass
class BacktestResult:
    """A finished (or interrupted) run: DataFrames for analysis, ``stats`` for the summary.

    ``orders``, ``fills`` and ``equity`` get their ``time`` column here when they lack one. ``round_trips`` is
    what the engine matched (`round_trips_frame`); a result put together by hand without it has an empty one.
    ``series``: what the strategy recorded with ``ctx.record`` (`SERIES_COLUMNS` and ``time``); empty when it
    recorded nothing.
    """

    orders: pd.DataFrame
    fills: pd.DataFrame
    equity: pd.DataFrame
    stats: dict[str, Any]
    logs: list[str] = field(default_factory=list)
    round_trips: pd.DataFrame = field(default_factory=lambda: round_trips_frame(frame_from_rows([], FILL_COLUMNS)))
    series: pd.DataFrame = field(default_factory=lambda: SeriesRecorder().frame())

    def __post_init__(self) -> None:
        self.orders = with_time(self.orders)
        self.fills = with_time(self.fills)
        self.equity = with_time(self.equity)
        self.series = with_time(self.series)

    @property
    def pnl_curve(self) -> pd.Series:
        """Total PnL (all instruments) at each equity sample, indexed by ``time``."""
        total = self.equity.groupby("time", sort=True)["pnl"].sum()
        total.name = "pnl"
        return total

    @classmethod
    def from_rows(
        cls,
        orders: list[tuple[Any, ...]],
        fills: list[tuple[Any, ...]],
        equity: list[tuple[Any, ...]],
        stats: dict[str, Any],
        logs: list[str],
        *,
        multipliers: Mapping[str, float] | None = None,
    ) -> BacktestResult:
        """Build the DataFrames from row lists (columns as in the ``*_COLUMNS`` tuples); round trips from the
        fills, with ``multipliers`` as in `round_trips_frame`."""
        fill_frame = frame_from_rows(fills, FILL_COLUMNS)
        return cls(
            orders=frame_from_rows(orders, ORDER_COLUMNS),
            fills=fill_frame,
            equity=frame_from_rows(equity, EQUITY_COLUMNS),
            stats=stats,
            logs=list(logs),
            round_trips=round_trips_frame(fill_frame, multipliers),
        )

    def write(self, directory: Path) -> list[Path]:
        """Write every output into ``directory`` atomically (``series.parquet`` only when a series was recorded);
        returns the files written."""
        written = []
        frames = [
            ("orders", self.orders),
            ("fills", self.fills),
            ("equity", self.equity),
            ("round_trips", self.round_trips),
        ]
        if len(self.series):
            frames.append(("series", self.series))
        for name, frame in frames:
            path = directory / f"{name}.parquet"
            with atomic_output(path) as handle:  # (straight to the file: no copy of it in memory)
                frame.to_parquet(handle, index=False, engine="pyarrow", compression="zstd")
            written.append(path)
        summary = directory / "summary.json"
        atomic_write_text(summary, json.dumps(self.stats, indent=2, sort_keys=True) + "\n")
        log = directory / "log.txt"
        atomic_write_text(log, "".join(line + "\n" for line in self.logs))
        return [*written, summary, log]
