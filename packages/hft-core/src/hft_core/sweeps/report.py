"""``hft report SWEEP_DIR``: a stat over the swept knobs, its spread over seeds, and what a train/test split says.

Everything is computed from ``results.parquet`` (complete points only), grouped by **configuration** (the values
of the swept knobs; the seed is what varies within a group):

- ``heatmap-<stat>.png``: the mean of the stat over the first two swept knobs, each cell annotated with the mean,
  the standard deviation over seeds and the number of seeds (one knob: a single row). Knobs with many distinct
  values (a random search) are drawn as a scatter of the two knobs coloured by the stat instead.
- ``lines-<stat>.png``: the stat against the first knob, one line per value of the second, with error bars of
  one standard deviation over seeds and the min–max range shaded.
- ``train-test-<stat>.png`` and ``train_test.json``: **walk-forward over seeds**. The seeds are split in two
  halves (the first half, in seed order, is in-sample); each configuration's mean on each half is plotted
  against the other, and the best in-sample configuration (highest mean; lowest for `LOWER_IS_BETTER` stats such
  as ``max_drawdown``) is marked with its out-of-sample mean and rank: a best
  in-sample point far below the diagonal is what overfitting a sweep looks like.
- ``train-test-time-<stat>.png`` and ``time:<stat>`` in ``train_test.json``: **a split over market time**, for
  the stats a run's own records give per half (`TIME_SPLIT_STATS`: PnL from ``equity.parquet``, fills from
  ``fills.parquet``). Each run is cut at the middle of its market time; the first half is in-sample, the second
  out-of-sample, each configuration's means over all its seeds compared the same way. Points without those files
  (or shorter than two equity samples) are left out; with none, there is no time split.

``hft report SWEEP_DIR`` also writes ``report/report.html`` (`write_sweep_page`): one self-contained page (the
PNGs embedded) with the sweep's counts, the train/test view of each stat as a table, the configurations ranked by
mean PnL over seeds, and the results table (knobs, seed, status and the drawn stats per point; the first and last
rows of a long one, with the count). The same results give the same bytes.

Axis values keep the order of the sweep (a ``--grid`` axis is drawn in the order given; numbers and distances
are sorted by amount). The files are PNGs written with fixed metadata, so the same table draws the same bytes.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hft_core.errors import ConfigError
from hft_core.rundir import atomic_write_bytes, atomic_write_text
from hft_core.sweeps.store import RESULTS_FILE, SWEEP_FILE, SweepDirectory, is_sweep_directory

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_STATS",
    "LOWER_IS_BETTER",
    "PAGE_ROWS",
    "TIME_SPLIT_STATS",
    "TrainTest",
    "run_halves",
    "sweep_axes",
    "time_split",
    "train_test",
    "write_sweep_page",
    "write_sweep_report",
]

DEFAULT_STATS = ("pnl", "sharpe_1min", "fills", "max_drawdown")
"""The stats `hft report` draws for a sweep (those the table has, with at least one value)."""

LOWER_IS_BETTER = frozenset({"max_drawdown", "fees_paid", "fees_net", "rejected", "max_inventory", "order_to_trade"})
"""Stats where the train/test view picks the lowest in-sample mean as the best (for the others: the highest)."""

HEATMAP_MAX_VALUES = 20
"""A knob with more distinct values than this is drawn as a scatter, not a heatmap cell per value."""

PAGE_ROWS = 60
"""The page's results and configurations tables show all rows up to this many, else the first and last half."""

_AMOUNT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]*)\s*$")


def _sort_key(value: Any) -> tuple[int, float, str]:
    """Numbers and ``"2ticks"``-style amounts by amount; anything else after them, by text."""
    if isinstance(value, bool):
        return (1, 0.0, str(value))
    if isinstance(value, int | float):
        return (0, float(value), "")
    match = _AMOUNT.match(str(value))
    if match is not None:
        return (0, float(match.group(1)), match.group(2))
    return (1, 0.0, str(value))


def sweep_axes(store: SweepDirectory, table: pd.DataFrame) -> list[str]:
    """The swept knobs that vary in ``table``, in the sweep's order (``seed`` excluded)."""
    meta = json.loads((store.path / SWEEP_FILE).read_text())
    names = dict.fromkeys(meta.get("axes", []))
    for record in meta["points"]:
        names.update(dict.fromkeys(record["values"]))
    return [name for name in names if name in table.columns and table[name].nunique(dropna=False) > 1]


def _ordered(values: Sequence[Any]) -> list[Any]:
    unique = list(dict.fromkeys(values))
    return sorted(unique, key=_sort_key)


@dataclass(frozen=True)
class TrainTest:
    """A walk-forward split over seeds: the best in-sample configuration and how it did out of sample."""

    stat: str
    axes: tuple[str, ...]
    train_seeds: tuple[int, ...]
    test_seeds: tuple[int, ...]
    best: dict[str, Any]
    best_train: float
    best_test: float
    best_test_rank: int
    configurations: int
    oos_best: dict[str, Any]
    oos_best_test: float
    split: str = "seeds"
    """``seeds``: first half of the seeds in-sample; ``time``: first half of each run's market time (every seed)."""

    def to_json(self) -> dict[str, Any]:
        """The split as plain JSON values."""
        return {
            "split": self.split,
            "stat": self.stat,
            "axes": list(self.axes),
            "train_seeds": list(self.train_seeds),
            "test_seeds": list(self.test_seeds),
            "best_in_sample": {"config": self.best, "train": self.best_train, "test": self.best_test},
            "best_in_sample_test_rank": self.best_test_rank,
            "configurations": self.configurations,
            "best_out_of_sample": {"config": self.oos_best, "test": self.oos_best_test},
        }


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _seed_means(
    table: pd.DataFrame, axes: Sequence[str], stat: str
) -> tuple[pd.DataFrame, tuple[int, ...], tuple[int, ...]]:
    """Each configuration's mean of ``stat`` on the first and on the second half of the seeds (columns ``train``,
    ``test``), and the two halves."""
    data = table[table["status"] == "complete"].dropna(subset=[stat])
    seeds = sorted(int(s) for s in data["seed"].unique())
    half = len(seeds) // 2
    train_seeds, test_seeds = tuple(seeds[:half]), tuple(seeds[half:])
    keys = list(axes)
    train = data[data["seed"].isin(train_seeds)].groupby(keys, sort=False)[stat].mean()
    test = data[data["seed"].isin(test_seeds)].groupby(keys, sort=False)[stat].mean()
    return train.to_frame("train").join(test.to_frame("test"), how="inner"), train_seeds, test_seeds


def _compare(
    both: pd.DataFrame, keys: Sequence[str], stat: str, seeds: tuple[tuple[int, ...], tuple[int, ...]], split: str
) -> TrainTest | None:
    """The best in-sample configuration of ``both`` (``train``/``test`` means per configuration) and its fate."""
    if both.empty:
        return None
    lower = stat in LOWER_IS_BETTER
    means = [(index, float(a), float(b)) for index, a, b in zip(both.index, both["train"], both["test"], strict=True)]

    def score(value: float) -> float:
        return -value if lower else value

    best_index, best_train, best_test = max(means, key=lambda row: score(row[1]))
    oos_index, _, oos_test = max(means, key=lambda row: score(row[2]))
    rank = sum(score(row[2]) > score(best_test) for row in means) + 1

    def config(index: Any) -> dict[str, Any]:
        values = index if isinstance(index, tuple) else (index,)
        return {key: _plain(value) for key, value in zip(keys, values, strict=True)}

    return TrainTest(
        stat,
        tuple(keys),
        seeds[0],
        seeds[1],
        config(best_index),
        best_train,
        best_test,
        rank,
        len(means),
        config(oos_index),
        oos_test,
        split,
    )


def train_test(table: pd.DataFrame, axes: Sequence[str], stat: str) -> TrainTest | None:
    """Split the seeds in two halves (first half in-sample) and compare each configuration's means on both.

    None when there are fewer than two seeds or no configuration has a value on both halves.
    """
    data = table[table["status"] == "complete"].dropna(subset=[stat])
    if data["seed"].nunique() < 2 or not axes:
        return None
    both, train_seeds, test_seeds = _seed_means(table, axes, stat)
    return _compare(both, list(axes), stat, (train_seeds, test_seeds), "seeds")


TIME_SPLIT_STATS = ("pnl", "fills")
"""The stats the time split computes per half of a run from its records."""


def run_halves(folder: Path) -> dict[str, tuple[float, float]] | None:
    """A run directory's `TIME_SPLIT_STATS` over the first and the second half of its market time.

    The run is cut at the middle of its equity samples' span: PnL is the change of the total PnL (all instruments)
    from the first sample to the last sample at or before the middle, then from there to the last sample; fills are
    counted at or before the middle and after it. None without ``equity.parquet`` or with fewer than two samples;
    no ``fills`` entry without ``fills.parquet``.
    """
    import pandas as pd

    equity_file, fills_file = folder / "equity.parquet", folder / "fills.parquet"
    if not equity_file.is_file():
        return None
    equity = pd.read_parquet(equity_file, columns=["ts", "pnl"])
    total = equity.groupby("ts", sort=True)["pnl"].sum()
    if len(total) < 2:
        return None
    start, end = int(total.index[0]), int(total.index[-1])
    middle = start + (end - start) // 2
    at_middle = float(total[total.index <= middle].iloc[-1])
    halves = {"pnl": (at_middle - float(total.iloc[0]), float(total.iloc[-1]) - at_middle)}
    if fills_file.is_file():
        stamps = pd.read_parquet(fills_file, columns=["ts"])["ts"]
        halves["fills"] = (float((stamps <= middle).sum()), float((stamps > middle).sum()))
    return halves


def time_split(store: SweepDirectory, table: pd.DataFrame, axes: Sequence[str], stat: str) -> TrainTest | None:
    """The train/test view over market time (first half in-sample) of a `TIME_SPLIT_STATS` stat, each
    configuration's means over all its seeds; None for another stat, no swept knob or no point with the records."""
    split, _ = _time_means(store, table, axes, stat)
    return split


def _time_means(
    store: SweepDirectory, table: pd.DataFrame, axes: Sequence[str], stat: str
) -> tuple[TrainTest | None, pd.DataFrame]:
    import pandas as pd

    if stat not in TIME_SPLIT_STATS or not axes or "key" not in table.columns:
        return None, pd.DataFrame()
    keys = list(axes)
    rows = []
    for record in table[table["status"] == "complete"].to_dict("records"):
        halves = run_halves(store.point_dir(str(record["key"])))
        if halves is not None and stat in halves:
            rows.append(
                {
                    **{k: record[k] for k in keys},
                    "seed": record["seed"],
                    "train": halves[stat][0],
                    "test": halves[stat][1],
                }
            )
    if not rows:
        return None, pd.DataFrame()
    frame = pd.DataFrame(rows)
    both = frame.groupby(keys, sort=False)[["train", "test"]].mean()
    seeds = tuple(sorted(int(s) for s in frame["seed"].unique()))
    return _compare(both, keys, stat, (seeds, seeds), "time"), both


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _heatmap(plt: Any, data: pd.DataFrame, x: str, y: str | None, stat: str) -> Any:
    figure, ax = plt.subplots(figsize=(7.5, 5))
    xs = _ordered(list(data[x]))
    ys = _ordered(list(data[y])) if y is not None else [None]
    if len(xs) > HEATMAP_MAX_VALUES or len(ys) > HEATMAP_MAX_VALUES:
        keys = [x] if y is None else [x, y]
        means = data.groupby(keys, sort=False)[stat].mean().reset_index()
        xv = [_sort_key(v)[1] for v in means[x]]
        yv = [_sort_key(v)[1] for v in means[y]] if y is not None else [0.0] * len(means)
        points = ax.scatter(xv, yv, c=means[stat], cmap="viridis")
        figure.colorbar(points, ax=ax, label=f"{stat} (mean over seeds)")
        ax.set_xlabel(x)
        ax.set_ylabel(y or "")
        ax.set_title(f"{stat} over {x}" + (f" and {y}" if y else ""))
        return figure
    grid = [[math.nan] * len(xs) for _ in ys]
    for i, yv in enumerate(ys):
        row = data if y is None else data[data[y] == yv]
        for j, xv in enumerate(xs):
            cell = row[row[x] == xv][stat].dropna()
            if len(cell):
                grid[i][j] = float(cell.mean())
                spread = float(cell.std(ddof=1)) if len(cell) > 1 else 0.0
                text = f"{cell.mean():.3g}\n±{spread:.2g} (n={len(cell)})"
                box = {"facecolor": "white", "alpha": 0.7, "linewidth": 0}
                ax.text(j, i, text, ha="center", va="center", fontsize=7, bbox=box)
    image = ax.imshow(grid, cmap="viridis", aspect="auto", origin="lower")
    figure.colorbar(image, ax=ax, label=f"{stat} (mean over seeds)")
    ax.set_xticks(range(len(xs)), [str(v) for v in xs])
    ax.set_yticks(range(len(ys)), [str(v) for v in ys] if y is not None else [""])
    ax.set_xlabel(x)
    ax.set_ylabel(y or "")
    ax.set_title(f"{stat}: mean ± std over seeds")
    return figure


def _lines(plt: Any, data: pd.DataFrame, x: str, y: str | None, stat: str) -> Any:
    figure, ax = plt.subplots(figsize=(7.5, 4.5))
    xs = _ordered(list(data[x]))
    numeric = all(_sort_key(v)[0] == 0 for v in xs)
    position = {v: (_sort_key(v)[1] if numeric else float(i)) for i, v in enumerate(xs)}
    for yv in _ordered(list(data[y])) if y is not None else [None]:
        part = data if y is None else data[data[y] == yv]
        groups = part.groupby(x, sort=False)[stat]
        stats = groups.agg(["mean", "std", "min", "max"]).reindex([v for v in xs if v in set(part[x])])
        pos = [position[v] for v in stats.index]
        label = None if y is None else f"{y}={yv}"
        ax.errorbar(pos, stats["mean"], yerr=stats["std"].fillna(0.0), marker="o", capsize=3, label=label)
        ax.fill_between(pos, stats["min"], stats["max"], alpha=0.15)
    if not numeric:
        ax.set_xticks([position[v] for v in xs], [str(v) for v in xs])
    ax.set_xlabel(x)
    ax.set_ylabel(stat)
    ax.set_title(f"{stat} by {x}: mean, ±1 std and min–max over seeds")
    if y is not None:
        ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return figure


def _train_test_plot(plt: Any, both: pd.DataFrame, split: TrainTest) -> Any:
    figure, ax = plt.subplots(figsize=(6, 5.5))
    ax.scatter(both["train"], both["test"], s=18, alpha=0.7, label="configurations")
    ax.scatter([split.best_train], [split.best_test], s=90, marker="*", color="red", label="best in-sample")
    low = float(min(both["train"].min(), both["test"].min()))
    high = float(max(both["train"].max(), both["test"].max()))
    ax.plot([low, high], [low, high], color="grey", lw=0.8, ls="--", label="out-of-sample = in-sample")
    best = ", ".join(f"{k}={v}" for k, v in split.best.items())
    ax.set_title(
        f"{split.stat}: best in-sample ({best})\n"
        f"in-sample {split.best_train:.3g} → out-of-sample {split.best_test:.3g} "
        f"(rank {split.best_test_rank} of {split.configurations})",
        fontsize=9,
    )
    if split.split == "time":
        ax.set_xlabel(f"mean {split.stat}, first half of market time (in-sample)")
        ax.set_ylabel(f"mean {split.stat}, second half of market time (out-of-sample)")
    else:
        ax.set_xlabel(f"mean {split.stat}, seeds {split.train_seeds[0]}–{split.train_seeds[-1]} (in-sample)")
        ax.set_ylabel(f"mean {split.stat}, seeds {split.test_seeds[0]}–{split.test_seeds[-1]} (out-of-sample)")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return figure


def load_results(path: Path) -> tuple[SweepDirectory, pd.DataFrame]:
    """The sweep at ``path`` and its results table (``results.parquet``, else rebuilt from the points)."""
    import pandas as pd

    if not is_sweep_directory(path):
        raise ConfigError(f"{path}: not a sweep directory (no {SWEEP_FILE})")
    meta = json.loads((path / SWEEP_FILE).read_text())
    store = SweepDirectory(path, str(meta["pattern"]))
    table = pd.read_parquet(path / RESULTS_FILE) if (path / RESULTS_FILE).exists() else store.table()
    return store, table


def write_sweep_report(
    path: Path,
    *,
    stats: Sequence[str] | None = None,
    x: str | None = None,
    y: str | None = None,
) -> tuple[list[Path], dict[str, TrainTest]]:
    """Draw ``stats`` (default `DEFAULT_STATS` present) over knobs ``x`` and ``y`` (default: the first two swept)
    into ``SWEEP_DIR/report/``; returns the files written and the train/test split of each stat."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    store, table = load_results(path)
    if table.empty or "status" not in table.columns or not (table["status"] == "complete").any():
        raise ConfigError(f"{path}: no complete point to report on yet")
    data = table[table["status"] == "complete"]
    axes = sweep_axes(store, data)
    for name in (x, y):
        if name is not None and name not in data.columns:
            raise ConfigError(f"{path}: no knob {name!r} in the results; swept: {', '.join(axes) or 'none'}")
    x = x or (axes[0] if axes else None)
    y = y or next((a for a in axes if a != x), None)
    wanted = list(stats) if stats is not None else [s for s in DEFAULT_STATS if s in data.columns]
    missing = [s for s in wanted if s not in data.columns]
    if missing:
        raise ConfigError(f"{path}: no stat {', '.join(map(repr, missing))} in the results")
    wanted = [s for s in wanted if data[s].notna().any()]
    folder = path / "report"
    written: list[Path] = []
    splits: dict[str, TrainTest] = {}
    for stat in wanted:
        figures: dict[str, Any] = {}
        if x is not None:
            figures[f"heatmap-{stat}.png"] = _heatmap(plt, data, x, y, stat)
            figures[f"lines-{stat}.png"] = _lines(plt, data, x, y, stat)
        keys = [a for a in (x, y) if a is not None]
        split = train_test(data, keys, stat)
        if split is not None:
            splits[stat] = split
            both, _, _ = _seed_means(data, keys, stat)
            figures[f"train-test-{stat}.png"] = _train_test_plot(plt, both, split)
        by_time, both = _time_means(store, data, keys, stat)
        if by_time is not None:
            splits[f"time:{stat}"] = by_time
            figures[f"train-test-time-{stat}.png"] = _train_test_plot(plt, both, by_time)
        for name, figure in figures.items():
            atomic_write_bytes(folder / name, _png(figure))
            plt.close(figure)
            written.append(folder / name)
    if splits:
        body = {stat: split.to_json() for stat, split in splits.items()}
        atomic_write_text(folder / "train_test.json", json.dumps(body, indent=2, sort_keys=True) + "\n")
        written.append(folder / "train_test.json")
    return written, splits


def _cell(value: Any) -> str:
    """A table cell's text: numbers to 6 significant digits, missing values as a dash."""
    value = _plain(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return format(value, ".6g")
    return str(value)


def _html_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], noun: str) -> str:
    """``rows`` as an HTML table: all of them up to `PAGE_ROWS`, else the first and last half with the count."""
    count = len(rows)
    half = PAGE_ROWS // 2
    shown: list[Sequence[Any] | None] = list(rows) if count <= PAGE_ROWS else [*rows[:half], None, *rows[-half:]]
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        f'<tr class="gap"><td colspan="{len(headers)}">… {count - 2 * half} {noun} not shown …</td></tr>'
        if row is None
        else "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
        for row in shown
    )
    note = f"All {count} {noun}." if count <= PAGE_ROWS else f"The first {half} and the last {half} of {count} {noun}."
    return f"<table><tr>{head}</tr>{body}</table><p>{html.escape(note)}</p>"


def _seed_span(seeds: Sequence[int]) -> str:
    return f"{seeds[0]}–{seeds[-1]}" if len(seeds) > 1 else str(seeds[0])


def write_sweep_page(path: Path, images: Sequence[Path], splits: Mapping[str, TrainTest]) -> Path:
    """Write ``SWEEP_DIR/report/report.html``: ``images`` (PNGs from `write_sweep_report`) embedded, the
    train/test ``splits`` as a table, the configurations by mean PnL and the results table; returns its path."""
    store, table = load_results(path)
    complete = table[table["status"] == "complete"] if "status" in table.columns else table.iloc[0:0]
    failed = int((table["status"] == "failed").sum()) if "status" in table.columns else 0
    axes = sweep_axes(store, complete)
    stats = [s for s in DEFAULT_STATS if s in table.columns]
    title = f"sweep {store.pattern} — report"
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{len(complete)} complete points, {failed} failed; swept knobs: "
        f"{html.escape(', '.join(axes) or 'none')}; seeds: "
        f"{html.escape(', '.join(str(s) for s in sorted({int(v) for v in table.get('seed', [])})))}.</p>",
    ]
    if splits:
        rows = [
            (
                split.stat,
                "market time: first half / second half"
                if split.split == "time"
                else f"seeds {_seed_span(split.train_seeds)} / {_seed_span(split.test_seeds)}",
                ", ".join(f"{k}={v}" for k, v in split.best.items()),
                split.best_train,
                split.best_test,
                f"{split.best_test_rank} of {split.configurations}",
                ", ".join(f"{k}={v}" for k, v in split.oos_best.items()),
                split.oos_best_test,
            )
            for split in splits.values()
        ]
        parts += [
            "<h2>Train/test splits</h2>",
            "<p>Over seeds: each configuration's mean on the first half of the seeds (in-sample) against the second. "
            "Over market time: its mean over every seed on the first half of each run against the second. A best "
            "in-sample configuration that ranks low out of sample is what overfitting a sweep looks like.</p>",
            _html_table(
                (
                    "stat",
                    "in-sample / out-of-sample",
                    "best in-sample",
                    "in-sample mean",
                    "out-of-sample mean",
                    "its out-of-sample rank",
                    "best out-of-sample",
                    "its mean",
                ),
                rows,
                "splits",
            ),
        ]
    if axes and "pnl" in complete.columns and complete["pnl"].notna().any():
        means = complete.groupby(axes, sort=False)["pnl"].agg(["mean", "std", "min", "max", "count"])
        ranked = means.sort_values("mean", ascending=False, kind="stable")
        rows = [
            (
                *(index if isinstance(index, tuple) else (index,)),
                r["mean"],
                r["std"],
                r["min"],
                r["max"],
                int(r["count"]),
            )
            for index, r in ranked.iterrows()
        ]
        parts += [
            "<h2>Configurations by mean PnL over seeds</h2>",
            _html_table((*axes, "pnl mean", "std", "min", "max", "seeds"), rows, "configurations"),
        ]
    figures = "".join(
        f'<figure><img alt="{html.escape(image.name)}" '
        f'src="data:image/png;base64,{base64.b64encode(image.read_bytes()).decode()}">'
        f"<figcaption>{html.escape(image.name)}</figcaption></figure>"
        for image in images
        if image.suffix == ".png"
    )
    if figures:
        parts += ["<h2>Plots</h2>", figures]
    columns = [c for c in ("seed", *axes, "status", *stats, "error") if c in table.columns]
    rows = [tuple(record[c] for c in columns) for record in table.to_dict("records")]
    parts += [
        "<h2>Results</h2>",
        _html_table(columns, rows, "points"),
        f"<p>Every stat of every point is in {RESULTS_FILE}; each point's run directory is under points/.</p>",
    ]
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;margin-bottom:1em}}
th,td{{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left}}
td{{font-variant-numeric:tabular-nums}}tr.gap td{{text-align:center;color:#777;font-style:italic}}
img{{max-width:100%}}figure{{margin:1em 0}}</style></head>
<body>{"".join(parts)}
</body></html>
"""
    target = path / "report" / "report.html"
    atomic_write_text(target, page)
    return target


def report_command(path: Path) -> None:
    """What ``hft report SWEEP_DIR`` prints: the points, the best configurations, the train/test view, the files."""
    from rich.console import Console
    from rich.table import Table

    written, splits = write_sweep_report(path)
    written.append(write_sweep_page(path, written, splits))
    store, table = load_results(path)
    console = Console(highlight=False)
    complete = table[table["status"] == "complete"]
    failed = int((table["status"] == "failed").sum())
    console.print(f"sweep {path} ({store.pattern}): {len(complete)} complete points, {failed} failed")
    axes = sweep_axes(store, complete)
    if axes and "pnl" in complete.columns:
        means = complete.groupby(axes, sort=False)["pnl"].agg(["mean", "std", "count"])
        top = means.sort_values("mean", ascending=False).head(5)
        shown = Table(*axes, "pnl mean", "std", "seeds", title="best configurations by mean pnl")
        for index, row in top.iterrows():
            values = index if isinstance(index, tuple) else (index,)
            std = "" if math.isnan(row["std"]) else f"{row['std']:.4g}"
            shown.add_row(*(str(v) for v in values), f"{row['mean']:.4g}", std, str(int(row["count"])))
        console.print(shown)
    for split in splits.values():
        best = ", ".join(f"{k}={v}" for k, v in split.best.items())
        if split.split == "time":
            where, label = "in the first half of market time", f"train/test {split.stat} over time"
        else:
            where, label = f"on seeds {_seed_span(split.train_seeds)}", f"train/test {split.stat}"
        console.print(
            f"{label}: best in-sample ({best}) {split.best_train:.4g} {where}, {split.best_test:.4g} out of sample "
            f"(rank {split.best_test_rank} of {split.configurations})"
        )
    for file in written:
        print(f"wrote {file}")
