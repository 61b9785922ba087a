"""``hft report RUN_DIR``: print a run's summary and write PNG plots and a self-contained HTML page.

Plots: the mid price with the strategy's quotes and fills, its inventory, and its PnL. The HTML page embeds
them (base64), so it can be mailed or archived on its own.
"""

from __future__ import annotations

import base64
import html
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hft_core.errors import HftError
from hft_core.rundir import atomic_write_bytes, atomic_write_text

__all__ = ["RunRecord", "load_run", "write_report"]

_NS = 1e9


@dataclass(frozen=True)
class RunRecord:
    """A run directory's contents, loaded."""

    path: Path
    meta: dict[str, Any]
    summary: dict[str, Any]
    orders: pd.DataFrame
    fills: pd.DataFrame
    equity: pd.DataFrame


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise HftError(f"{path.parent}: not a run directory ({path.name} is missing)") from None
    except json.JSONDecodeError as exc:
        raise HftError(f"{path}: corrupt JSON at line {exc.lineno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise HftError(f"{path}: expected a JSON object")
    return data


def _read_frame(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except FileNotFoundError:
        raise HftError(f"{path.parent}: not a complete run directory ({path.name} is missing)") from None
    except Exception as exc:  # pyarrow raises several unrelated types for a damaged file
        raise HftError(f"{path}: unreadable Parquet file: {exc}") from None


def load_run(path: Path) -> RunRecord:
    """Load a run directory written by ``hft run`` (or `BacktestResult.write`)."""
    if not path.is_dir():
        raise HftError(f"{path}: no such run directory")
    meta = _read_json(path / "run.json") if (path / "run.json").exists() else {}
    return RunRecord(
        path=path,
        meta=meta,
        summary=_read_json(path / "summary.json"),
        orders=_read_frame(path / "orders.parquet"),
        fills=_read_frame(path / "fills.parquet"),
        equity=_read_frame(path / "equity.parquet"),
    )


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


def _html(run: RunRecord, images: dict[str, bytes]) -> str:
    title = f"{run.meta.get('pattern', run.path.name)} — run report"
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(json.dumps(v))}</td></tr>"
        for k, v in sorted(run.summary.items())
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
img{{max-width:100%}}figure{{margin:1em 0}}</style></head>
<body><h1>{html.escape(title)}</h1>
<h2>Summary</h2><table>{rows}</table>
<h2>Run</h2><table>{meta_rows}</table>
<h2>Plots</h2>{figures}
<p>{len(run.orders)} orders, {len(run.fills)} fills. Files: orders.parquet, fills.parquet, equity.parquet.</p>
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
