"""The stylized-facts table of one or two markets, as text, Markdown or JSON, and its plots (PNG)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hft_core.realism.facts import MARKOUT_HORIZONS_S, SIGN_LAGS, StylizedFacts

__all__ = ["ROWS", "comparison_rows", "facts_json", "facts_table", "write_plots"]

Getter = Callable[[StylizedFacts], float | str | int]


def _sig(key: str) -> Getter:
    return lambda f: f.volatility_signature.get(key, math.nan) * 1e4


def _markout(key: str) -> Getter:
    return lambda f: f.markout_bp.get(key, math.nan)


def _markout_se(key: str) -> Getter:
    return lambda f: f.markout_se_bp.get(key, math.nan)


def _acf(lag: int) -> Getter:
    return lambda f: f.sign_autocorrelation.get(str(lag), math.nan)


ROWS: tuple[tuple[str, Getter, str], ...] = (
    ("duration (s)", lambda f: f.duration_s, ".1f"),
    ("mean mid (price)", lambda f: f.price, ".6g"),
    ("tick / lot", lambda f: f"{f.tick_size:g} / {f.lot_size:g}", ""),
    ("time between mid changes (s)", lambda f: f.mid_change_interval_s, ".3f"),
    ("spread mean (ticks)", lambda f: f.spread_mean_ticks, ".3f"),
    ("spread median / p90 (ticks)", lambda f: f"{f.spread_median_ticks:g} / {f.spread_p90_ticks:g}", ""),
    ("spread = 1 tick (share)", lambda f: f.spread_one_tick_share, ".3f"),
    ("touch depth mean (lots)", lambda f: f.touch_depth_mean_lots, ".1f"),
    ("touch depth median (lots)", lambda f: f.touch_depth_median_lots, ".1f"),
    ("touch depth p10 / p90 (lots)", lambda f: f"{f.touch_depth_p10_lots:.0f} / {f.touch_depth_p90_lots:.0f}", ""),
    ("trade rows", lambda f: f.trade_rows, "d"),
    ("taker orders", lambda f: f.taker_orders, "d"),
    ("taker orders per s", lambda f: f.taker_rate_per_s, ".2f"),
    ("trade size mean (lots)", lambda f: f.trade_size_mean_lots, ".1f"),
    ("trade size median (lots)", lambda f: f.trade_size_median_lots, ".1f"),
    ("trade size p90 (lots)", lambda f: f.trade_size_p90_lots, ".1f"),
    ("trade size log-sd", lambda f: f.trade_size_log_sd, ".2f"),
    ("inter-arrival mean (s)", lambda f: f.interarrival_mean_s, ".4f"),
    ("inter-arrival cv", lambda f: f.interarrival_cv, ".2f"),
    ("Hawkes branching ratio", lambda f: f.hawkes_branching, ".3f"),
    ("  ± standard error", lambda f: f.hawkes_branching_se, ".3f"),
    ("Hawkes decay (1/s)", lambda f: f.hawkes_decay_per_s, ".1f"),
    ("buy share", lambda f: f.buy_share, ".3f"),
    *((f"trade-sign autocorrelation lag {lag}", _acf(lag), ".3f") for lag in SIGN_LAGS),
    *(
        (f"volatility (bp/√s) sampled {key}", _sig(key), ".3f")
        for key in ("0.1s", "0.5s", "1s", "5s", "10s", "30s", "60s")
    ),
    ("markout source", lambda f: f.markout_source, ""),
    *(
        row
        for h in MARKOUT_HORIZONS_S
        for row in (
            (f"passive markout {h:g}s (bp)", _markout(f"{h:g}s"), ".3f"),
            ("  ± standard error", _markout_se(f"{h:g}s"), ".3f"),
        )
    ),
)
"""Each row of the table: its label, how to read it from the facts, and its format."""


def _cell(value: float | str | int, spec: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return "-"
    return format(value, spec) if spec else str(value)


def comparison_rows(facts: Sequence[StylizedFacts]) -> list[list[str]]:
    """The table's rows: label, one cell per market and, for two markets, the second over the first."""
    rows = []
    for label, get, spec in ROWS:
        values = [get(f) for f in facts]
        row = [label, *(_cell(value, spec) for value in values)]
        if len(values) == 2:
            first, second = values
            numeric = all(isinstance(v, int | float) and math.isfinite(v) for v in values)
            row.append(f"{float(second) / float(first):.2f}" if numeric and float(first) != 0 else "")
        rows.append(row)
    return rows


def facts_table(facts: Sequence[StylizedFacts], *, markdown: bool = False) -> str:
    """The table as aligned text (or Markdown): one column per market, a ratio column for two."""
    header = ["fact", *(f.label for f in facts)] + (["ratio"] if len(facts) == 2 else [])
    rows = comparison_rows(facts)
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines) + "\n"
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths, strict=True)))
        for r in [header, *rows]
    ]
    notes = [f"note ({f.label}): {note}" for f in facts for note in f.notes]
    return "\n".join(lines + notes) + "\n"


def facts_json(facts: Sequence[StylizedFacts]) -> dict[str, Any]:
    """Every market's facts as JSON-ready dicts, in order."""
    return {"markets": [f.to_dict() for f in facts]}


def write_plots(facts: Sequence[StylizedFacts], out_dir: Path) -> list[Path]:
    """PNG plots of the distributions and curves, every market overlaid; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(fig: Any, name: str) -> None:
        path = out_dir / name
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)

    for key, name, title, log in (
        ("spread", "spread.png", "spread (ticks)", False),
        ("touch_depth", "touch_depth.png", "depth at the touch (lots, mean of bid and ask)", True),
        ("trade_size", "trade_size.png", "taker order size (lots)", True),
        ("interarrival", "interarrival.png", "time between taker orders (s)", True),
    ):
        fig, ax = plt.subplots(figsize=(6, 4))
        samples = []
        for f in facts:
            data = np.asarray(f.series.get(key, np.array([])), dtype=float)
            samples.append(data[np.isfinite(data) & (data > 0)] if log else data[np.isfinite(data)])
        present = [d for d in samples if len(d)]
        if present:
            low = min(float(d.min()) for d in present)
            high = max(float(d.max()) for d in present)
            if log:
                bins = np.logspace(np.log10(low), np.log10(high) + 1e-9, 40).tolist()
                ax.set_xscale("log")
            else:
                bins = np.arange(0.5, min(high, 20.0) + 1.5, 1.0).tolist()
            for f, data in zip(facts, samples, strict=True):
                if len(data):
                    ax.hist(
                        data, bins=bins, weights=np.full(len(data), 1.0 / len(data)), histtype="step", label=f.label
                    )
        ax.set_title(title)
        ax.set_ylabel("share of samples per bin")
        ax.legend()
        save(fig, name)
    curves: tuple[tuple[str, str, str, Callable[[StylizedFacts], tuple[list[float], list[float]]]], ...] = (
        (
            "sign_acf.png",
            "trade-sign autocorrelation",
            "lag (taker orders)",
            lambda f: ([float(k) for k in f.sign_autocorrelation], list(f.sign_autocorrelation.values())),
        ),
        (
            "volatility_signature.png",
            "volatility signature (bp/√s)",
            "sampling interval (s)",
            lambda f: (
                [float(k[:-1]) for k in f.volatility_signature],
                [v * 1e4 for v in f.volatility_signature.values()],
            ),
        ),
        (
            "markouts.png",
            "passive markout (bp; negative = adverse)",
            "horizon (s)",
            lambda f: ([float(k[:-1]) for k in f.markout_bp], list(f.markout_bp.values())),
        ),
    )
    for name, title, xlabel, points in curves:
        fig, ax = plt.subplots(figsize=(6, 4))
        for f in facts:
            xs, ys = points(f)
            ax.plot(xs, ys, marker="o", label=f.label)
        ax.set_xscale("log")
        ax.axhline(0.0, color="grey", linewidth=0.5)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.legend()
        save(fig, name)
    return written
