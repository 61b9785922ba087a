"""``hft report RUN_DIR``: print a run's summary and write PNG plots and a self-contained HTML page.

Plots: the mid price with the strategy's quotes and fills, its inventory, its PnL, and (when the run has a
``series.parquet``) the series the strategy recorded with ``ctx.record``, one panel per group (the part of a name
before its dot: ``basis``, ``basis.low`` and ``basis.high`` share one). The HTML page embeds
them (base64), so it can be mailed or archived on its own, with the summary's stats in groups (`summary_sections`,
which the console table shows too), the run's resolved ``config.toml``, the fills and round trips tables (the first
and last rows of a long one, with the counts), and an interactive chart per instrument of the mid, the quotes
(each a segment from its submission to its final report) and the fills: the mouse wheel zooms the time axis around
the pointer, a drag pans, a double click (or "reset") shows the whole run, and the price axis fits what is in view.
The chart is SVG drawn by a short script written into the page itself (no library, nothing fetched), so the page
works offline. The same run directory gives a byte-identical page (no clock, no randomness; series longer than
`CHART_POINTS` are thinned by an even stride, which the page says).

A directory that holds no finished run is said to be one, not read as if it were: ``run.json`` still ``running``
(or the lock file ``.hft-run.lock`` with no status and no summary) means the writer was killed outright (SIGKILL,
a power cut) or is still at work, and `load_run` raises "this run did not finish (status running, no end
record)", followed by what its journal holds (the fills and equity samples appended as it ran:
`hft_core.engine.results.read_journal` reads them). A malformed file (bad JSON, truncated Parquet, a column the
report reads missing or of the wrong kind) is an `HftError` naming the file and the problem; the CLI prints either
as one line and exits non-zero.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hft_core.errors import HftError
from hft_core.rundir import LOCK_NAME, atomic_write_bytes, atomic_write_text

__all__ = ["RunRecord", "load_run", "summary_sections", "write_report"]

_NS = 1e9
TABLE_ROWS = 40
"""A table longer than this shows its first and last ``TABLE_ROWS // 2`` rows and the count (all rows are in the
Parquet file)."""
CHART_POINTS = 5000
"""The interactive chart draws at most this many mid points, quotes and fills per instrument and side."""
_CONFIG_LIMIT = 1 << 20
"""A ``config.toml`` larger than this is not a run's (the report shows its size instead of its text)."""


@dataclass(frozen=True)
class RunRecord:
    """A run directory's contents, loaded."""

    path: Path
    meta: dict[str, Any]
    summary: dict[str, Any]
    orders: pd.DataFrame
    fills: pd.DataFrame
    equity: pd.DataFrame
    round_trips: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Empty for a run directory written before round trips were recorded."""
    config_text: str | None = None
    """The run's resolved ``config.toml``; None where the directory has none (a result written by a notebook)."""
    series: pd.DataFrame = field(default_factory=pd.DataFrame)
    """What the strategy recorded (``series.parquet``); empty for a run that recorded nothing, or an older one."""


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_bytes().decode())
    except FileNotFoundError:
        raise HftError(f"{path.parent}: not a run directory ({path.name} is missing)") from None
    except UnicodeDecodeError as exc:
        raise HftError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise HftError(f"{path}: corrupt JSON at line {exc.lineno}: {exc.msg}") from None
    except (OSError, RecursionError) as exc:
        raise HftError(f"{path}: unreadable: {getattr(exc, 'strerror', None) or exc}") from None
    if not isinstance(data, dict):
        raise HftError(f"{path}: expected a JSON object, found {type(data).__name__}")
    return data


_COLUMNS: dict[str, dict[str, str]] = {
    "orders": {"ts": "integer", "instrument": "any", "side": "any", "price": "number"},
    "fills": {"ts": "integer", "instrument": "any", "side": "any", "price": "number"},
    "equity": {"ts": "integer", "instrument": "any", "mid": "number", "position": "number", "pnl": "number"},
    "round_trips": {
        "instrument": "any",
        "side": "any",
        "qty": "number",
        "entry_time": "time",
        "exit_time": "time",
        "entry_price": "number",
        "exit_price": "number",
        "pnl": "number",
        "holding_s": "number",
    },
    "series": {"ts": "integer", "name": "any", "value": "number"},
}
"""The columns the report reads from each file, with the kind of values each must hold."""


def _kind_ok(series: pd.Series, kind: str) -> bool:
    """Whether a column holds ``kind`` values; an empty or all-null column (no orders, only market orders) does."""
    types = pd.api.types
    values = series.dropna()
    if kind == "any" or values.empty:
        return True
    if kind == "time":
        return bool(types.is_datetime64_any_dtype(series))
    if types.is_bool_dtype(series):
        return False
    if kind == "integer" and types.is_integer_dtype(series):
        return True
    if kind == "number" and types.is_numeric_dtype(series):
        return True
    wanted: tuple[type, ...] = (int, np.integer) if kind == "integer" else (int, float, np.integer, np.floating)
    return bool(series.dtype == object) and all(
        isinstance(v, wanted) and not isinstance(v, bool | np.bool_) for v in values
    )


def _read_frame(path: Path) -> pd.DataFrame:
    """One of the run's Parquet files, checked for the columns the report reads (`_COLUMNS`)."""
    try:
        frame = pd.read_parquet(path)
    except FileNotFoundError:
        raise HftError(f"{path.parent}: not a complete run directory ({path.name} is missing)") from None
    except Exception as exc:  # pyarrow raises several unrelated types for a damaged file
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise HftError(f"{path}: unreadable Parquet file (truncated or not Parquet): {reason}") from None
    expected = _COLUMNS.get(path.stem, {})
    missing = [name for name in expected if name not in frame.columns]
    if missing:
        raise HftError(f"{path}: missing column{'s' * (len(missing) > 1)} {', '.join(missing)}")
    wrong = [f"{name} (expected {kind})" for name, kind in expected.items() if not _kind_ok(frame[name], kind)]
    if wrong:
        raise HftError(f"{path}: wrong column type: {', '.join(wrong)}")
    return frame


def _read_config(path: Path) -> str | None:
    """``config.toml``'s text (None when there is none); not UTF-8 or unreadable is an `HftError` naming it."""
    try:
        with path.open("rb") as handle:
            data = handle.read(_CONFIG_LIMIT + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise HftError(f"{path}: unreadable: {exc.strerror or exc}") from None
    if len(data) > _CONFIG_LIMIT:
        raise HftError(f"{path}: larger than {_CONFIG_LIMIT} bytes, not a run's configuration")
    try:
        return data.decode()
    except UnicodeDecodeError as exc:
        raise HftError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def _unfinished(path: Path, meta: Mapping[str, Any]) -> str | None:
    """Why ``path`` holds no finished run (killed outright: SIGKILL, a power cut), or None if it ended."""
    status = meta.get("status")
    locked = (path / LOCK_NAME).exists()
    if status == "running":
        return f"{path}: this run did not finish (status running, no end record){_lock_hint(path, locked)}"
    if status is None and locked and not (path / "summary.json").exists():
        return f"{path}: this run did not finish (no status yet, no end record){_lock_hint(path, locked)}"
    return None


def _journaled(path: Path) -> str:
    """What an unfinished run's journal (`hft_core.engine.results.RecordJournal`) holds, said in a few words."""
    from hft_core.engine.results import JOURNAL_FILES, read_journal

    journal = read_journal(path)
    if not journal:
        return "; it journaled nothing readable"
    equity, fills = journal.get("equity"), journal.get("fills")
    held = [f"{len(fills) if fills is not None else 0} fills"]
    if equity is not None and len(equity):
        span = (int(equity["ts"].iloc[-1]) - int(equity["ts"].iloc[0])) / _NS
        samples = equity["ts"].nunique()
        held.append(f"{samples} equity samples over its first {span:g} s of market time")
        if "pnl" in equity.columns:
            last = equity[equity["ts"] == equity["ts"].iloc[-1]]["pnl"].sum()
            held[-1] += f" (PnL {last:.2f} at the last)"
    files = ", ".join(name for name in JOURNAL_FILES.values() if (path / name).exists())
    return f"; its journal holds {' and '.join(held)} (Arrow IPC streams: {files})"


def _lock_hint(path: Path, locked: bool) -> str:
    if not locked:
        return ": it was stopped before it could mark the end"
    try:
        pid = int((path / LOCK_NAME).read_text().strip() or "0")
    except (OSError, ValueError):
        pid = 0
    alive = False
    if pid > 0:
        try:
            os.kill(pid, 0)
            alive = True
        except ProcessLookupError:
            alive = False
        except OSError:  # exists, owned by someone else
            alive = True
    if alive:
        return f": it may still be running (process {pid} holds {LOCK_NAME})"
    return f": it was killed ({LOCK_NAME} is left); start it again into a new directory"


def load_run(path: Path) -> RunRecord:
    """Load a run directory written by ``hft run`` (or `BacktestResult.write`).

    A run killed outright (``run.json`` still ``running``, or the lock file with no status and no summary) is an
    `HftError` saying it did not finish; a malformed file (bad JSON, truncated Parquet, missing or mistyped
    columns) is one naming the file and the problem.
    """
    if not path.is_dir():
        raise HftError(f"{path}: no such run directory")
    meta = _read_json(path / "run.json") if (path / "run.json").exists() else {}
    unfinished = _unfinished(path, meta)
    if unfinished is not None:
        raise HftError(unfinished + _journaled(path))
    if meta.get("status") == "partial" and not (path / "summary.json").exists():
        reason = meta.get("reason", "no reason given")
        raise HftError(f"{path}: this run stopped before it recorded anything (status partial: {reason})")
    return RunRecord(
        path=path,
        meta=meta,
        summary=_read_json(path / "summary.json"),
        orders=_read_frame(path / "orders.parquet"),
        fills=_read_frame(path / "fills.parquet"),
        equity=_read_frame(path / "equity.parquet"),
        round_trips=_read_frame(trips) if (trips := path / "round_trips.parquet").exists() else pd.DataFrame(),
        config_text=_read_config(path / "config.toml"),
        series=_read_frame(series) if (series := path / "series.parquet").exists() else pd.DataFrame(),
    )


# -- the summary, grouped ----------------------------------------------------------------------------------------
def _fmt(value: Any, spec: str) -> str:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return "-"
    return format(value, spec)


def _share(value: Any) -> str:
    return "-" if value is None or not isinstance(value, int | float) else f"{value:.1%}"


def _sharpe(summary: Mapping[str, Any], key: str, samples_key: str, unit: str) -> str:
    value, samples = summary.get(key), summary.get(samples_key)
    if isinstance(value, int | float) and math.isfinite(value):
        return f"{value:.2f} ({samples} {unit})"
    if isinstance(samples, int):
        return f"n/a ({samples} {unit} < 30)"
    return "-"


def _horizons(markouts: Any) -> list[tuple[str, Mapping[str, Any]]]:
    """The markout entries, shortest horizon first (summary.json sorts its keys as text: "10s" < "1s")."""
    if not isinstance(markouts, Mapping):
        return []
    entries = [(str(k), v) for k, v in markouts.items() if isinstance(v, Mapping)]
    return sorted(entries, key=lambda item: float(item[0].rstrip("s") or "nan"))


def _items(value: Any) -> list[tuple[str, Any]]:
    """A mapping's entries; nothing for a value of another shape (a hand-edited or damaged summary.json)."""
    return [(str(k), v) for k, v in value.items()] if isinstance(value, Mapping) else []


def summary_sections(summary: Mapping[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """A run's stats as labelled, formatted rows in three groups (PnL and costs, execution quality, inventory and
    risk) and the run's own; a stat missing from ``summary`` (an older run directory) shows as ``-``.

    Definitions: `hft_core.engine.stats`.
    """
    trips = summary.get("round_trips")
    trips = trips if isinstance(trips, Mapping) else {}
    numeraire = summary.get("numeraire")  # the currency the PnL is valued in, where the run names one
    pnl_rows = [
        (f"PnL ({numeraire})" if isinstance(numeraire, str) else "PnL", _fmt(summary.get("pnl"), ".2f")),
        ("fees paid", _fmt(summary.get("fees_paid"), ".4f")),
        ("rebates received", _fmt(summary.get("rebates_received"), ".4f")),
        ("fees, net", _fmt(summary.get("fees_net"), ".4f")),
        ("max drawdown", _fmt(summary.get("max_drawdown"), ".2f")),
        ("Sharpe, 1-min PnL, not annualised", _sharpe(summary, "sharpe_1min", "sharpe_1min_samples", "min")),
        ("Sharpe, daily PnL, annualised", _sharpe(summary, "sharpe_1d_annualised", "sharpe_1d_samples", "days")),
        ("round trips (FIFO)", _fmt(trips.get("count"), "d")),
        ("  won", _share(trips.get("win_rate"))),
        ("  mean holding time (s)", _fmt(trips.get("mean_holding_s"), ".2f")),
        ("  PnL after fees", _fmt(trips.get("pnl"), ".2f")),
    ]
    reasons = summary.get("rejected_by_reason")
    execution_rows = [
        ("fills", _fmt(summary.get("fills"), "d")),
        ("volume", _fmt(summary.get("volume"), "g")),
        ("notional", _fmt(summary.get("notional"), ",.2f")),
        ("orders", _fmt(summary.get("orders"), "d")),
        ("rejected", _fmt(summary.get("rejected"), "d")),
        *((f"  {reason}", _fmt(count, "d")) for reason, count in _items(reasons)),
        ("fill ratio", _fmt(summary.get("fill_ratio"), ".3f")),
        ("order-to-trade", _fmt(summary.get("order_to_trade"), ".2f")),
    ]
    capture = summary.get("spread_capture")
    if isinstance(capture, Mapping):
        edge = f"{_fmt(capture.get('mean'), '.4g')} / {_fmt(capture.get('mean_bp'), '.2f')}"
        execution_rows.append(("spread capture (price / bp)", edge))
    horizons = _horizons(summary.get("markouts"))
    if horizons:
        names = "/".join(name for name, _ in horizons)

        def each(key: str, spec: str) -> str:
            return " / ".join(_fmt(entry.get(key), spec) for _, entry in horizons)

        execution_rows += [
            (f"markout {names} (price)", each("mean", ".4g")),
            (f"markout {names} (bp)", each("mean_bp", ".2f")),
            (f"adverse selection {names} (bp)", each("adverse_selection_bp", ".2f")),
            (f"fills marked out at {names}", each("fills", "d")),
        ]
    risk_rows = [("max inventory", _fmt(summary.get("max_inventory"), "g"))]
    positions = summary.get("final_position")
    for symbol, position in _items(positions):
        risk_rows.append((f"final position {symbol}", _fmt(position, "g")))
    for symbol, shares in _items(summary.get("quote_uptime")):
        shares = shares if isinstance(shares, Mapping) else {}
        text = " / ".join(_share(shares.get(k)) for k in ("bid", "ask", "two_sided"))
        risk_rows.append((f"quote uptime {symbol}: bid / ask / both", text))
    kill = summary.get("kill_switch")
    risk_rows.append(("kill switch", "-" if kill is None else ("tripped" if kill else "no")))
    run_rows = [
        ("market time (s)", _fmt(summary.get("duration_s"), ".1f")),
        ("venue", str(summary.get("venue", "-"))),
    ]
    return [
        ("PnL and costs", pnl_rows),
        ("execution quality", execution_rows),
        ("inventory and risk", risk_rows),
        ("run", run_rows),
    ]


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _plots(run: RunRecord) -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    equity, orders, fills = run.equity, run.orders, run.fills
    t0 = int(equity["ts"].min()) if len(equity) else 0
    instruments = list(dict.fromkeys(equity["instrument"])) if len(equity) else []
    images: dict[str, bytes] = {}

    figure, axes = plt.subplots(
        max(1, len(instruments)), 1, figsize=(10, 3.2 * max(1, len(instruments))), squeeze=False
    )
    for axis, symbol in zip(axes[:, 0], instruments or [""], strict=False):
        rows = equity[equity["instrument"] == symbol]
        axis.plot((rows["ts"] - t0) / _NS, rows["mid"], color="black", linewidth=0.8, label="mid")
        quoted = orders[(orders["instrument"] == symbol) & orders["price"].notna()]
        for side, color in (("buy", "tab:green"), ("sell", "tab:red")):
            part = quoted[quoted["side"] == side]
            axis.scatter((part["ts"] - t0) / _NS, part["price"], s=2, color=color, alpha=0.35, label=f"{side} quotes")
            done = fills[(fills["instrument"] == symbol) & (fills["side"] == side)]
            marker = "^" if side == "buy" else "v"
            axis.scatter(
                (done["ts"] - t0) / _NS, done["price"], s=28, color=color, marker=marker, label=f"{side} fills"
            )
        axis.set_title(f"{symbol}: mid, quotes and fills")
        axis.set_xlabel("market time (s)")
        axis.legend(loc="upper left", fontsize="small", ncol=5)
    images["mid_quotes_fills.png"] = _png(figure)
    plt.close(figure)

    for name, column, title in (("inventory.png", "position", "inventory"), ("pnl.png", "pnl", "PnL")):
        figure, axis = plt.subplots(figsize=(10, 3))
        for symbol in instruments:
            rows = equity[equity["instrument"] == symbol]
            axis.step((rows["ts"] - t0) / _NS, rows[column], where="post", label=symbol, linewidth=0.9)
        if column == "pnl" and len(instruments) > 1:
            total = equity.groupby("ts", sort=True)["pnl"].sum()
            axis.plot(
                (total.index.to_numpy() - t0) / _NS, total.to_numpy(), color="black", linewidth=1.1, label="total"
            )
        axis.set_title(title)
        axis.set_xlabel("market time (s)")
        axis.axhline(0, color="grey", linewidth=0.5)
        if instruments:
            axis.legend(loc="upper left", fontsize="small")
        images[name] = _png(figure)
        plt.close(figure)
    if len(run.series):
        images["series.png"] = _series_png(run.series, t0 if len(equity) else int(run.series["ts"].min()), plt)
    return images


def _series_png(series: pd.DataFrame, t0: int, plt: Any) -> bytes:
    """The recorded series, one panel per group (the part of a name before its dot), names in the legend."""
    names = list(dict.fromkeys(series["name"].astype(str)))
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(name.split(".", 1)[0], []).append(name)
    figure, axes = plt.subplots(len(groups), 1, figsize=(10, 2.8 * len(groups)), squeeze=False, sharex=True)
    by_name = {str(name): rows for name, rows in series.groupby(series["name"].astype(str), sort=False)}
    for axis, (group, members) in zip(axes[:, 0], groups.items(), strict=True):
        for name in members:
            rows = by_name[name]
            axis.plot((rows["ts"] - t0) / _NS, rows["value"], linewidth=0.9, label=name)
        axis.set_title(f"recorded: {', '.join(members)}" if len(members) > 1 else f"recorded: {group}")
        axis.legend(loc="upper left", fontsize="small", ncol=min(6, len(members)))
    axes[-1, 0].set_xlabel("market time (s)")
    data = _png(figure)
    plt.close(figure)
    return data


def _rows_shown(count: int) -> list[int | None]:
    """The row positions a table shows: all of them, or the first and last ``TABLE_ROWS // 2`` with a gap (None)."""
    if count <= TABLE_ROWS:
        return list(range(count))
    half = TABLE_ROWS // 2
    return [*range(half), None, *range(count - half, count)]


def _table(headers: tuple[str, ...], rows: Sequence[tuple[str, ...]], count: int, noun: str, file: str) -> str:
    """An HTML table of already formatted ``rows`` (picked by `_rows_shown`), and a line with the counts."""
    head = "".join(f"<th>{html.escape(name)}</th>" for name in headers)
    body = []
    shown = _rows_shown(count)
    cells = iter(rows)
    for position in shown:
        if position is None:
            omitted = count - TABLE_ROWS
            body.append(f'<tr class="gap"><td colspan="{len(headers)}">… {omitted} {noun} not shown …</td></tr>')
        else:
            body.append("<tr>" + "".join(f"<td>{html.escape(text)}</td>" for text in next(cells)) + "</tr>")
    if count > TABLE_ROWS:
        note = f"The first {TABLE_ROWS // 2} and the last {TABLE_ROWS // 2} of {count} {noun}; all are in {file}."
    else:
        note = f"All {count} {noun} (also in {file})."
    return f'<table class="rows"><tr>{head}</tr>{"".join(body)}</table><p>{html.escape(note)}</p>'


def _picked(frame: pd.DataFrame) -> pd.DataFrame:
    positions = [p for p in _rows_shown(len(frame)) if p is not None]
    return frame.iloc[positions]


def _fills_table(fills: pd.DataFrame) -> str:
    if fills.empty:
        return "<p>No fills.</p>"
    headers = ("#", "time", "instrument", "order", "side", "price", "qty", "fee", "maker", "position", "PnL")
    positions = [p for p in _rows_shown(len(fills)) if p is not None]
    rows = []
    for position, row in zip(positions, _picked(fills).to_dict("records"), strict=True):
        rows.append(
            (
                str(position + 1),
                _timestamp(pd.Timestamp(int(row["ts"]), tz="UTC")),
                str(row["instrument"]),
                _text(row.get("order_id"), "d"),
                str(row["side"]),
                _text(row["price"], "g"),
                _text(row.get("qty"), "g"),
                _text(row.get("fee"), ".6g"),
                "-" if row.get("maker") is None else ("yes" if row["maker"] else "no"),
                _text(row.get("position"), "g"),
                _text(row.get("pnl"), ".4f"),
            )
        )
    return _table(headers, rows, len(fills), "fills", "fills.parquet")


def _round_trips_table(trips: pd.DataFrame) -> str:
    if trips.empty:
        return "<p>No round trips: no position was opened and closed.</p>"
    headers = ("#", "instrument", "side", "qty", "entry", "exit", "entry price", "exit price", "PnL", "holding (s)")
    positions = [p for p in _rows_shown(len(trips)) if p is not None]
    rows = [
        (
            str(position + 1),
            str(row.instrument),
            str(row.side),
            f"{row.qty:g}",
            _timestamp(row.entry_time),
            _timestamp(row.exit_time),
            f"{row.entry_price:g}",
            f"{row.exit_price:g}",
            f"{row.pnl:.4f}",
            f"{row.holding_s:.3f}",
        )
        for position, row in zip(positions, _picked(trips).itertuples(index=False), strict=True)
    ]
    return _table(headers, rows, len(trips), "round trips", "round_trips.parquet")


def _text(value: Any, spec: str) -> str:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return "-"
    if isinstance(value, float | np.floating) and not math.isfinite(value):
        return "-"
    return format(value, spec)


def _timestamp(value: Any) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if pd.notna(value) else "-"


def _label(label: str) -> str:
    """A row label, its leading spaces (a sub-row) kept as an indent."""
    text = label.lstrip(" ")
    return "&emsp;" * ((len(label) - len(text)) // 2) + html.escape(text)


# -- the interactive chart -----------------------------------------------------------------------------------------
def _stride(count: int) -> np.ndarray:
    """Positions of at most `CHART_POINTS` of ``count`` items, evenly spread, first and last included."""
    if count <= CHART_POINTS:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, CHART_POINTS).round().astype(np.int64))


def _numbers(values: Any, digits: int) -> list[float | None]:
    """Floats rounded to ``digits`` decimals for the page; NaN and infinities become null (a gap in a line)."""
    array = np.asarray(values, dtype=np.float64)
    return [round(float(v), digits) if math.isfinite(v) else None for v in array]


def _chart_data(run: RunRecord) -> dict[str, Any]:
    """What the page's script draws: per instrument, the mid, the quotes as [start, end, price] and the fills.

    Times are seconds from the first equity sample (microsecond resolution), as in the PNG plots.
    """
    equity, orders, fills = run.equity, run.orders, run.fills
    stamps = [int(frame["ts"].min()) for frame in (equity, orders, fills) if len(frame)]
    t0 = int(equity["ts"].min()) if len(equity) else min(stamps, default=0)
    t_end = max((int(frame["ts"].max()) for frame in (equity, orders, fills) if len(frame)), default=t0)
    instruments = list(dict.fromkeys([*equity["instrument"], *fills["instrument"]]))
    charts: list[dict[str, Any]] = []
    notes: list[str] = []

    def seconds(ts: Any) -> list[float | None]:
        return _numbers((np.asarray(ts, dtype=np.int64) - t0) / _NS, 6)

    for symbol in instruments:
        rows = equity[equity["instrument"] == symbol].sort_values("ts", kind="stable")
        keep = _stride(len(rows))
        chart: dict[str, Any] = {
            "symbol": str(symbol),
            "mid": {"t": seconds(rows["ts"].to_numpy()[keep]), "p": _numbers(rows["mid"].to_numpy()[keep], 10)},
        }
        if len(keep) < len(rows):
            notes.append(f"{symbol}: {len(keep)} of {len(rows)} mid samples drawn")
        resting = orders[(orders["instrument"] == symbol) & orders["price"].notna()]
        if "status" in resting.columns:
            resting = resting[resting["status"] != "rejected"]
        for side in ("buy", "sell"):
            part = resting[resting["side"] == side].sort_values("ts", kind="stable")
            keep = _stride(len(part))
            start = part["ts"].to_numpy(dtype=np.int64)[keep]
            if "done_ts" in part.columns:
                done = part["done_ts"].to_numpy(dtype=np.int64)[keep]
                end = np.where(done < 0, max(t_end, int(start.max())) if len(start) else t_end, done)
                end = np.maximum(end, start)
            else:
                end = start
            chart[f"{side}_quotes"] = {
                "t": seconds(start),
                "u": seconds(end),
                "p": _numbers(part["price"].to_numpy()[keep], 10),
            }
            if len(keep) < len(part):
                notes.append(f"{symbol}: {len(keep)} of {len(part)} {side} quotes drawn")
            done_fills = fills[(fills["instrument"] == symbol) & (fills["side"] == side)].sort_values(
                "ts", kind="stable"
            )
            keep = _stride(len(done_fills))
            chart[f"{side}_fills"] = {
                "t": seconds(done_fills["ts"].to_numpy()[keep]),
                "p": _numbers(done_fills["price"].to_numpy()[keep], 10),
            }
            if len(keep) < len(done_fills):
                notes.append(f"{symbol}: {len(keep)} of {len(done_fills)} {side} fills drawn")
        charts.append(chart)
    return {"span": [0.0, round((t_end - t0) / _NS, 6)], "charts": charts, "notes": notes}


def _json_for_script(value: Any) -> str:
    """JSON to sit inside a ``<script>`` element: no ``<`` (so no ``</script>``), ASCII only, no NaN."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_CHART_SCRIPT = r"""
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var W = 1000, H = 380, L = 78, R = 12, T = 12, B = 34;
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var root = document.getElementById("charts");

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }
  function niceStep(span, count) {
    var raw = span / count, step = Math.pow(10, Math.floor(Math.log10(raw))), ratio = raw / step;
    return step * (ratio >= 7.5 ? 10 : ratio >= 3.5 ? 5 : ratio >= 1.5 ? 2 : 1);
  }
  function ticks(lo, hi, count) {
    var step = niceStep(hi - lo, count), out = [], first = Math.ceil(lo / step);
    for (var k = first; k * step <= hi + step * 1e-9 && out.length < 50; k++) { out.push(k * step); }
    return { values: out, digits: Math.min(10, Math.max(0, -Math.floor(Math.log10(step) + 1e-9))) };
  }
  function lowerBound(values, x) {
    var lo = 0, hi = values.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (values[mid] < x) { lo = mid + 1; } else { hi = mid; } }
    return lo;
  }

  function Chart(series, span) {
    this.series = series;
    this.full = [span[0], span[1] > span[0] ? span[1] : span[0] + 1];
    this.x0 = this.full[0];
    this.x1 = this.full[1];
    var box = document.createElement("div");
    box.className = "chart-box";
    root.appendChild(box);
    var bar = document.createElement("div");
    bar.className = "chart-bar";
    var title = document.createElement("strong");
    title.textContent = series.symbol + ": mid, quotes and fills";
    bar.appendChild(title);
    var self = this;
    [["zoom in", 0.5], ["zoom out", 2], ["reset", 0]].forEach(function (item) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = item[0];
      button.addEventListener("click", function () {
        if (item[1] === 0) { self.reset(); } else { self.zoom(item[1], 0.5); }
      });
      bar.appendChild(button);
    });
    this.readout = document.createElement("span");
    this.readout.className = "readout";
    bar.appendChild(this.readout);
    box.appendChild(bar);
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, class: "chart", "data-symbol": series.symbol,
                          role: "img", "aria-label": series.symbol + " mid, quotes and fills" }, box);
    var clipId = "clip-" + root.childElementCount;
    var clip = el("clipPath", { id: clipId }, el("defs", {}, svg));
    el("rect", { x: L, y: T, width: W - L - R, height: H - T - B }, clip);
    el("rect", { x: L, y: T, width: W - L - R, height: H - T - B, class: "frame" }, svg);
    this.axes = el("g", { class: "axes" }, svg);
    var plot = el("g", { "clip-path": "url(#" + clipId + ")" }, svg);
    this.paths = {};
    ["buy_quotes", "sell_quotes", "mid", "buy_fills", "sell_fills"].forEach(function (name) {
      self.paths[name] = el("path", { class: name.replace("_", "-"), d: "" }, plot);
    });
    this.svg = svg;
    svg.addEventListener("wheel", function (event) {
      event.preventDefault();
      var factor = Math.exp(Math.max(-1, Math.min(1, event.deltaY * 0.002)));
      self.zoom(factor, self.fraction(event.clientX));
    }, { passive: false });
    var drag = null;
    svg.addEventListener("mousedown", function (event) {
      drag = { x: event.clientX, x0: self.x0, x1: self.x1 };
      event.preventDefault();
    });
    window.addEventListener("mousemove", function (event) {
      if (drag === null) { return; }
      var rect = svg.getBoundingClientRect();
      var shift = (event.clientX - drag.x) / (rect.width * (W - L - R) / W) * (drag.x1 - drag.x0);
      self.show(drag.x0 - shift, drag.x1 - shift);
    });
    window.addEventListener("mouseup", function () { drag = null; });
    svg.addEventListener("dblclick", function () { self.reset(); });
    this.draw();
  }
  Chart.prototype.fraction = function (clientX) {
    var rect = this.svg.getBoundingClientRect();
    var x = (clientX - rect.left) / rect.width * W;
    return Math.max(0, Math.min(1, (x - L) / (W - L - R)));
  };
  Chart.prototype.zoom = function (factor, at) {
    var span = this.x1 - this.x0, full = this.full[1] - this.full[0];
    var next = Math.max(full * 1e-6, Math.min(full, span * factor));
    var centre = this.x0 + at * span;
    this.show(centre - at * next, centre - at * next + next);
  };
  Chart.prototype.show = function (x0, x1) {
    var span = x1 - x0;
    if (x0 < this.full[0]) { x0 = this.full[0]; x1 = x0 + span; }
    if (x1 > this.full[1]) { x1 = this.full[1]; x0 = Math.max(this.full[0], x1 - span); }
    this.x0 = x0;
    this.x1 = x1;
    this.draw();
  };
  Chart.prototype.reset = function () { this.show(this.full[0], this.full[1]); };
  Chart.prototype.draw = function () {
    var s = this.series, x0 = this.x0, x1 = this.x1, lo = Infinity, hi = -Infinity;
    function see(p) { if (p !== null) { lo = Math.min(lo, p); hi = Math.max(hi, p); } }
    var mid = s.mid, m0 = Math.max(0, lowerBound(mid.t, x0) - 1);
    var m1 = Math.min(mid.t.length, lowerBound(mid.t, x1) + 1);
    for (var i = m0; i < m1; i++) { see(mid.p[i]); }
    ["buy", "sell"].forEach(function (side) {
      var q = s[side + "_quotes"], f = s[side + "_fills"];
      for (var j = 0; j < q.t.length; j++) { if (q.u[j] >= x0 && q.t[j] <= x1) { see(q.p[j]); } }
      for (var k = lowerBound(f.t, x0); k < f.t.length && f.t[k] <= x1; k++) { see(f.p[k]); }
    });
    if (lo === Infinity) { lo = 0; hi = 1; }
    if (hi - lo < 1e-12) { lo -= 0.5; hi += 0.5; }
    var pad = (hi - lo) * 0.06;
    lo -= pad; hi += pad;
    var sx = (W - L - R) / (x1 - x0), sy = (H - T - B) / (hi - lo);
    function X(t) { return (L + (t - x0) * sx).toFixed(2); }
    function Y(p) { return (H - B - (p - lo) * sy).toFixed(2); }
    var d = [], pen = "M";
    for (i = m0; i < m1; i++) {
      if (mid.p[i] === null) { pen = "M"; continue; }
      d.push(pen + X(mid.t[i]) + " " + Y(mid.p[i]));
      pen = "L";
    }
    this.paths.mid.setAttribute("d", d.join(""));
    var paths = this.paths;
    ["buy", "sell"].forEach(function (side) {
      var q = s[side + "_quotes"], f = s[side + "_fills"], parts = [];
      for (var j = 0; j < q.t.length; j++) {
        if (q.u[j] < x0 || q.t[j] > x1 || q.p[j] === null) { continue; }
        var a = Math.max(q.t[j], x0), b = Math.min(q.u[j], x1), y = Y(q.p[j]);
        var width = Math.max(1.5, (b - a) * sx);
        parts.push("M" + X(a) + " " + y + "h" + width.toFixed(2));
      }
      paths[side + "_quotes"].setAttribute("d", parts.join(""));
      var marks = [], tip = side === "buy" ? "-6" : "6", back = side === "buy" ? "10" : "-10";
      for (var k = lowerBound(f.t, x0); k < f.t.length && f.t[k] <= x1; k++) {
        if (f.p[k] === null) { continue; }
        marks.push("M" + X(f.t[k]) + " " + (Number(Y(f.p[k])) + Number(tip)).toFixed(2) + "l5 " + back + "h-10z");
      }
      paths[side + "_fills"].setAttribute("d", marks.join(""));
    });
    while (this.axes.firstChild) { this.axes.removeChild(this.axes.firstChild); }
    var xt = ticks(x0, x1, 8), yt = ticks(lo, hi, 6), axes = this.axes;
    xt.values.forEach(function (t) {
      el("line", { x1: X(t), x2: X(t), y1: T, y2: H - B, class: "grid" }, axes);
      el("text", { x: X(t), y: H - B + 16, "text-anchor": "middle" }, axes).textContent = t.toFixed(xt.digits);
    });
    yt.values.forEach(function (p) {
      el("line", { x1: L, x2: W - R, y1: Y(p), y2: Y(p), class: "grid" }, axes);
      el("text", { x: L - 6, y: Number(Y(p)) + 4, "text-anchor": "end" }, axes).textContent = p.toFixed(yt.digits);
    });
    el("text", { x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle" }, axes).textContent = "market time (s)";
    this.svg.setAttribute("data-x0", String(x0));
    this.svg.setAttribute("data-x1", String(x1));
    this.readout.textContent = "showing " + x0.toFixed(3) + " s to " + x1.toFixed(3) + " s of " +
      this.full[1].toFixed(3) + " s";
  };

  data.charts.forEach(function (series) { new Chart(series, data.span); });
})();
"""
"""The page's chart script: draws `_chart_data` (element ``chart-data``) as one SVG per instrument into
``charts``; wheel zoom around the pointer, drag to pan, double click or "reset" for the whole run. Each SVG
carries its visible time range in ``data-x0``/``data-x1``."""

_STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin-bottom:1em}
th,td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left}
td{font-variant-numeric:tabular-nums}
table.rows td{font-size:0.9em}tr.gap td{text-align:center;color:#777;font-style:italic}
pre.config{background:#f6f6f6;padding:0.8em;overflow:auto;max-height:30em;font-size:0.85em}
img{max-width:100%}figure{margin:1em 0}
.chart-box{margin:1em 0}.chart-bar{display:flex;gap:0.6em;align-items:center;margin-bottom:0.3em}
.readout{color:#555;font-size:0.9em}
svg.chart{width:100%;height:auto;cursor:grab;user-select:none;touch-action:none;border:1px solid #eee}
svg.chart text{font-size:12px;fill:#444}svg.chart .frame{fill:none;stroke:#999}
svg.chart .grid{stroke:#eee}svg.chart .mid{fill:none;stroke:#111;stroke-width:1.2}
svg.chart .buy-quotes{fill:none;stroke:#2ca02c;stroke-opacity:0.45;stroke-width:2}
svg.chart .sell-quotes{fill:none;stroke:#d62728;stroke-opacity:0.45;stroke-width:2}
svg.chart .buy-fills{fill:#2ca02c;stroke:#14501a}svg.chart .sell-fills{fill:#d62728;stroke:#6b1414}
.legend span{margin-right:1.2em}.swatch{display:inline-block;width:1.4em;height:0.5em;margin-right:0.3em}"""


def _html(run: RunRecord, images: dict[str, bytes]) -> str:
    title = f"{run.meta.get('pattern', run.path.name)} — run report"
    sections = "".join(
        f"<h3>{html.escape(group)}</h3><table>"
        + "".join(f"<tr><th>{_label(label)}</th><td>{html.escape(value)}</td></tr>" for label, value in rows)
        + "</table>"
        for group, rows in summary_sections(run.summary)
    )
    meta_rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(json.dumps(v))}</td></tr>"
        for k, v in sorted(run.meta.items())
    )
    if run.config_text is None:
        config = "<p>This run directory has no config.toml (a result written from code rather than by hft run).</p>"
    else:
        config = (
            f'<pre class="config">{html.escape(run.config_text)}</pre>'
            "<p>Run it again with <code>hft run PATTERN --config config.toml</code>.</p>"
        )
    chart = _chart_data(run)
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in chart["notes"])
    legend = "".join(
        f'<span><i class="swatch" style="background:{color}"></i>{name}</span>'
        for name, color in (
            ("mid", "#111"),
            ("buy quotes", "#2ca02c"),
            ("sell quotes", "#d62728"),
            ("buy fills ▲", "#2ca02c"),
            ("sell fills ▼", "#d62728"),
        )
    )
    interactive = (
        (
            f'<p class="legend">{legend}</p><p>Mouse wheel: zoom the time axis around the pointer; drag: pan; '
            "double click or reset: the whole run. The price axis fits what is in view.</p>"
            f"{f'<ul>{notes}</ul>' if notes else ''}"
            '<div id="charts"></div>'
            f'<script type="application/json" id="chart-data">{_json_for_script(chart)}</script>'
            f"<script>{_CHART_SCRIPT}</script>"
        )
        if chart["charts"]
        else "<p>Nothing to chart: the run recorded no market data and no fills.</p>"
    )
    figures = "".join(
        f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'
        f"<figcaption>{html.escape(name)}</figcaption></figure>"
        for name, data in images.items()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{_STYLE}</style></head>
<body><h1>{html.escape(title)}</h1>
<h2>Summary</h2>{sections}
<p>Definitions of every stat: the docstring of <code>hft_core.engine.stats</code>; all of them are in
summary.json.</p>
<h2>Run</h2><table>{meta_rows}</table>
<h2>Configuration</h2>{config}
<h2>Quotes and fills</h2>{interactive}
<h2>Plots</h2>{figures}
<h2>Fills</h2>{_fills_table(run.fills)}
<h2>Round trips</h2>{_round_trips_table(run.round_trips)}
<p>{len(run.orders)} orders, {len(run.fills)} fills. Files: orders.parquet, fills.parquet, equity.parquet,
round_trips.parquet, {"series.parquet, " if len(run.series) else ""}config.toml.</p>
</body></html>
"""


def write_report(path: Path) -> tuple[RunRecord, list[Path]]:
    """Write the PNG plots and ``report.html`` into the run directory; returns the run and the files."""
    run = load_run(path)
    images = _plots(run)
    written = []
    for name, data in images.items():
        atomic_write_bytes(path / name, data)
        written.append(path / name)
    atomic_write_text(path / "report.html", _html(run, images))
    written.append(path / "report.html")
    return run, written
