"""``hft report RUN_DIR``: print a run's summary and write PNG plots and a self-contained HTML page.

Plots: the mid price with the strategy's quotes and fills, its inventory, and its PnL. The HTML page embeds
them (base64), so it can be mailed or archived on its own, with the summary's stats in groups (`summary_sections`,
which the console table shows too) and the round trips.

A directory that holds no finished run is said to be one, not read as if it were: ``run.json`` still ``running``
(or the lock file ``.hft-run.lock`` with no status and no summary) means the writer was killed outright (SIGKILL,
a power cut) or is still at work, and `load_run` raises "this run did not finish (status running, no end
record)". A malformed file (bad JSON, truncated Parquet, a column the report reads missing or of the wrong kind)
is an `HftError` naming the file and the problem; the CLI prints either as one line and exits non-zero.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hft_core.errors import HftError
from hft_core.rundir import LOCK_NAME, atomic_write_bytes, atomic_write_text

__all__ = ["RunRecord", "load_run", "summary_sections", "write_report"]

_NS = 1e9
_ROUND_TRIP_ROWS = 200
"""The report lists this many round trips at most (all are in round_trips.parquet)."""


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


def _unfinished(path: Path, meta: Mapping[str, Any]) -> str | None:
    """Why ``path`` holds no finished run (killed outright: SIGKILL, a power cut), or None if it ended."""
    status = meta.get("status")
    locked = (path / LOCK_NAME).exists()
    if status == "running":
        return f"{path}: this run did not finish (status running, no end record){_lock_hint(path, locked)}"
    if status is None and locked and not (path / "summary.json").exists():
        return f"{path}: this run did not finish (no status yet, no end record){_lock_hint(path, locked)}"
    return None


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
        raise HftError(unfinished)
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
    return images


def _round_trips_table(trips: pd.DataFrame) -> str:
    if trips.empty:
        return "<p>No round trips: no position was opened and closed.</p>"
    shown = trips.head(_ROUND_TRIP_ROWS)
    header = "".join(
        f"<th>{name}</th>"
        for name in ("instrument", "side", "qty", "entry", "exit", "entry price", "exit price", "PnL", "holding (s)")
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(text)}</td>"
            for text in (
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
        )
        + "</tr>"
        for row in shown.itertuples(index=False)
    )
    note = (
        f"<p>The first {len(shown)} of {len(trips)} round trips; all are in round_trips.parquet.</p>"
        if len(trips) > len(shown)
        else ""
    )
    return f"<table><tr>{header}</tr>{body}</table>{note}"


def _timestamp(value: Any) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if pd.notna(value) else "-"


def _label(label: str) -> str:
    """A row label, its leading spaces (a sub-row) kept as an indent."""
    text = label.lstrip(" ")
    return "&emsp;" * ((len(label) - len(text)) // 2) + html.escape(text)


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
    figures = "".join(
        f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'
        f"<figcaption>{html.escape(name)}</figcaption></figure>"
        for name, data in images.items()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;margin-bottom:1.5em}}
th,td{{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left}}
td{{font-variant-numeric:tabular-nums}}
img{{max-width:100%}}figure{{margin:1em 0}}</style></head>
<body><h1>{html.escape(title)}</h1>
<h2>Summary</h2>{sections}
<p>Definitions of every stat: the docstring of <code>hft_core.engine.stats</code>; all of them are in
summary.json.</p>
<h2>Run</h2><table>{meta_rows}</table>
<h2>Plots</h2>{figures}
<h2>Round trips</h2>{_round_trips_table(run.round_trips)}
<p>{len(run.orders)} orders, {len(run.fills)} fills. Files: orders.parquet, fills.parquet, equity.parquet,
round_trips.parquet.</p>
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
