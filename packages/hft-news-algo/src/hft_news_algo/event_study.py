"""Event study: how far does each instrument's mid move after a headline is received, by sentiment bucket?

`event_study` replays the market (recorded files or a simulated scenario) through hft-core's engine with a
strategy that only watches: it records every top-of-book change and, at each item's **receipt** time (when the
engine delivers it to ``on_text``, never earlier), the mid it sees then. Prices after the receipt are read from
the recorded mids at ``receipt + h`` (the last mid at or before that time), so nothing an item's score or
reference price uses can come from after its receipt.

For each mapped (item, instrument) and horizon h the **abnormal return** is the log return of the mid over
``(receipt, receipt + h]``, in basis points, minus the instrument's expected h-return under the constant-mean
model (the mean h-return over a one-second grid of start times across the whole sample). Items are bucketed by
score: ``negative`` (< -threshold), ``neutral``, ``positive`` (> threshold); ``all`` pools them. Each bucket and
horizon gets the mean, its standard error and a Student-t confidence interval. Items whose horizon runs past the
data's end are left out of that horizon and counted (``past_end``); items that name no traded instrument are
counted (``unmapped``); none is dropped silently.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from hft_core import ConfigError, Context, DataError, Strategy, TextItem, TextSource, backtest

from hft_news_algo.mapping import InstrumentMapper, load_aliases
from hft_news_algo.scoring import Scorer, make_scorer

__all__ = ["BUCKETS", "DEFAULT_HORIZONS_S", "EventStudy", "StudyRow", "event_study", "write_study"]

DEFAULT_HORIZONS_S: tuple[float, ...] = (1.0, 10.0, 60.0, 300.0)
BUCKETS: tuple[str, ...] = ("negative", "neutral", "positive", "all")
_NS = 1_000_000_000
_BP = 1e4


@dataclass(frozen=True)
class StudyRow:
    """One bucket at one horizon: count, mean abnormal return and its confidence interval (basis points)."""

    bucket: str
    horizon_s: float
    n: int
    mean_bp: float
    stderr_bp: float
    ci_low_bp: float
    ci_high_bp: float


@dataclass(frozen=True)
class EventStudy:
    """The study's table (`rows`), one row per mapped item and instrument (`items`) and what was counted."""

    rows: tuple[StudyRow, ...]
    items: pd.DataFrame
    counts: dict[str, int]
    horizons_s: tuple[float, ...]
    scorer: str
    threshold: float
    confidence: float

    def table(self) -> pd.DataFrame:
        """`rows` as a DataFrame (bucket, horizon_s, n, mean_bp, stderr_bp, ci_low_bp, ci_high_bp)."""
        return pd.DataFrame([row.__dict__ for row in self.rows])

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary: settings, counts and the table (NaN as null)."""

        def clean(value: float) -> float | None:
            return None if math.isnan(value) else round(value, 6)

        return {
            "scorer": self.scorer,
            "threshold": self.threshold,
            "confidence": self.confidence,
            "horizons_s": list(self.horizons_s),
            "counts": dict(self.counts),
            "rows": [
                {
                    "bucket": r.bucket,
                    "horizon_s": r.horizon_s,
                    "n": r.n,
                    "mean_bp": clean(r.mean_bp),
                    "stderr_bp": clean(r.stderr_bp),
                    "ci_low_bp": clean(r.ci_low_bp),
                    "ci_high_bp": clean(r.ci_high_bp),
                }
                for r in self.rows
            ],
        }


@dataclass
class _Watcher(Strategy):
    """Records every top-of-book mid and each text item with the mids seen at its receipt; never trades."""

    mids: dict[str, tuple[list[int], list[float]]] = field(default_factory=dict)
    received: list[tuple[int, TextItem, dict[str, float]]] = field(default_factory=list)

    def on_start(self, ctx: Context) -> None:
        for symbol in ctx.instruments:
            self.mids[symbol] = ([], [])
            ctx.subscribe(symbol)
            self._record(ctx, symbol)

    def _record(self, ctx: Context, symbol: str) -> None:
        mid = ctx.book(symbol).mid
        if mid is not None and mid > 0:
            times, values = self.mids[symbol]
            times.append(ctx.now)
            values.append(mid)

    def on_book(self, ctx: Context, instrument: str) -> None:
        self._record(ctx, instrument)

    def on_text(self, ctx: Context, item: TextItem) -> None:
        seen = {}
        for symbol in ctx.instruments:
            mid = ctx.book(symbol).mid
            if mid is not None and mid > 0:
                seen[symbol] = mid
        self.received.append((ctx.now, item, seen))


def _bucket(score: float, threshold: float) -> str:
    if score > threshold:
        return "positive"
    if score < -threshold:
        return "negative"
    return "neutral"


def _mid_at(times: npt.NDArray[np.int64], mids: npt.NDArray[np.float64], at: npt.NDArray[np.int64]) -> Any:
    """The last recorded mid at or before each time in ``at`` (NaN before the first)."""
    index = np.searchsorted(times, at, side="right") - 1
    return np.where(index >= 0, mids[np.maximum(index, 0)], np.nan)


def _expected_bp(times: npt.NDArray[np.int64], mids: npt.NDArray[np.float64], horizon_ns: int) -> float:
    """Mean h-return (bp) over a one-second grid of start times: the constant-mean model's expectation."""
    start, end = int(times[0]), int(times[-1]) - horizon_ns
    if end < start:
        return math.nan
    grid = np.arange(start, end + 1, _NS, dtype=np.int64)
    returns = np.log(_mid_at(times, mids, grid + horizon_ns) / _mid_at(times, mids, grid)) * _BP
    return float(np.mean(returns))


def _row(bucket: str, horizon_s: float, values: npt.NDArray[np.float64], confidence: float) -> StudyRow:
    from scipy import stats

    n = len(values)
    if n == 0:
        return StudyRow(bucket, horizon_s, 0, math.nan, math.nan, math.nan, math.nan)
    mean = float(np.mean(values))
    if n == 1:
        return StudyRow(bucket, horizon_s, 1, mean, math.nan, math.nan, math.nan)
    stderr = float(np.std(values, ddof=1) / math.sqrt(n))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * stderr
    return StudyRow(bucket, horizon_s, n, mean, stderr, mean - half, mean + half)


def _check_settings(horizons_s: Sequence[float], threshold: float, confidence: float) -> tuple[float, ...]:
    horizons = tuple(float(h) for h in horizons_s)
    if not horizons or any(not math.isfinite(h) or h <= 0 for h in horizons):
        raise ConfigError(f"horizons must be positive numbers of seconds, got {list(horizons_s)}")
    if len(set(horizons)) != len(horizons):
        raise ConfigError(f"horizons must be distinct, got {list(horizons_s)}")
    if not (math.isfinite(threshold) and 0 <= threshold < 1):
        raise ConfigError(f"threshold must be in [0, 1), got {threshold}")
    if not 0 < confidence < 1:
        raise ConfigError(f"confidence must be in (0, 1), got {confidence}")
    return tuple(sorted(horizons))


def event_study(
    *,
    text: TextSource | str | Path | None = None,
    data: str | Path | Sequence[str | Path] | None = None,
    scenario: str | None = None,
    seed: int | None = None,
    duration_s: float | None = None,
    horizons_s: Sequence[float] = DEFAULT_HORIZONS_S,
    scorer: str = "vader",
    word_list: str = "",
    aliases: str | Path | None = None,
    threshold: float = 0.05,
    confidence: float = 0.95,
    **scenario_overrides: Any,
) -> EventStudy:
    """Abnormal mid returns after each headline's receipt, by sentiment bucket (see the module docstring).

    ``text`` is a headline file (or `TextSource`, for time zones and columns); ``data`` the market's recorded files.
    Without ``data`` the simulated ``scenario`` runs (default ``news-market``) with ``seed``, ``duration_s`` and
    ``scenario_overrides``; without ``text`` the headlines are those the scenario generates.
    """
    horizons = _check_settings(horizons_s, threshold, confidence)
    score_with: Scorer = make_scorer(scorer, word_list)
    watcher = _Watcher()
    if data is None:
        result = backtest(
            watcher,
            scenario=scenario or "news-market",
            seed=seed,
            duration_s=duration_s,
            text=text,
            **scenario_overrides,
        )
    else:
        if scenario is not None or seed is not None or duration_s is not None or scenario_overrides:
            raise ConfigError(
                "--scenario, --seed, --duration and scenario knobs describe a simulated market, not --data"
            )
        result = backtest(watcher, data=data, text=text)
    feed = result.stats.get("text", {})
    # received before the market's first event (delivered at its start) or after its last: outside the study
    studied = [entry for entry in watcher.received if entry[1].received_ns >= entry[0]]
    if not studied:
        raise DataError(
            f"none of the {feed.get('items', 0)} headlines was received while the market ran "
            f"({feed.get('before_start', 0)} before its start, {feed.get('after_end', 0)} after its end): "
            "nothing to study"
        )

    mapper = InstrumentMapper(watcher.mids, load_aliases(aliases) if aliases else None)
    series = {
        symbol: (np.asarray(times, dtype=np.int64), np.asarray(values, dtype=np.float64))
        for symbol, (times, values) in watcher.mids.items()
    }
    single = next(iter(series)) if len(series) == 1 else None
    counts = {
        "items": int(feed.get("items", len(watcher.received))),
        "before_start": int(feed.get("before_start", 0)),
        "after_end": int(feed.get("after_end", 0)),
        "mapped": 0,
        "unmapped": 0,
        "no_price": 0,
    }
    rows: list[dict[str, Any]] = []
    for receipt, item, seen in studied:
        symbols = mapper.map(item)
        if not symbols and single is not None and not item.tickers:
            symbols = (single,)  # one market and an item that names none: it is about that market
        if not symbols:
            counts["unmapped"] += 1
            continue
        counts["mapped"] += 1
        score = float(score_with.score(item.text))
        for symbol in symbols:
            if symbol not in seen:
                counts["no_price"] += 1
                continue
            rows.append(
                {
                    "receipt_ns": receipt,
                    "symbol": symbol,
                    "score": score,
                    "bucket": _bucket(score, threshold),
                    "mid": seen[symbol],
                    "headline": item.text,
                }
            )
    items = pd.DataFrame(rows, columns=["receipt_ns", "symbol", "score", "bucket", "mid", "headline"])
    table: list[StudyRow] = []
    for horizon in horizons:
        column = f"abnormal_bp_{horizon:g}s"
        horizon_ns = round(horizon * _NS)
        values = np.full(len(items), np.nan)
        for symbol, (times, mids) in series.items():
            chosen = (items["symbol"] == symbol).to_numpy()
            if not chosen.any() or len(times) == 0:
                continue
            at = items.loc[chosen, "receipt_ns"].to_numpy(dtype=np.int64) + horizon_ns
            later = _mid_at(times, mids, at)
            raw = np.log(later / items.loc[chosen, "mid"].to_numpy(dtype=np.float64)) * _BP
            raw[at > times[-1]] = np.nan  # the data ends before the horizon: not observed
            values[chosen] = raw - _expected_bp(times, mids, horizon_ns)
        items[column] = values
        observed = ~np.isnan(values)
        counts[f"past_end_{horizon:g}s"] = int((~observed).sum())
        for bucket in BUCKETS:
            chosen = observed if bucket == "all" else observed & (items["bucket"] == bucket).to_numpy()
            table.append(_row(bucket, horizon, values[chosen], confidence))
    return EventStudy(tuple(table), items, counts, horizons, score_with.name, threshold, confidence)


def write_study(study: EventStudy, out: str | Path) -> list[Path]:
    """Write the table (``event_study.csv``), the items (``event_study_items.csv``) and the plot into ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory = Path(out)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--out {directory}: cannot create the directory ({exc.strerror or exc})") from None
    written = [directory / "event_study.csv", directory / "event_study_items.csv", directory / "event_study.png"]
    study.table().to_csv(written[0], index=False)
    study.items.to_csv(written[1], index=False)
    table = study.table()
    figure, axes = plt.subplots(figsize=(7, 4))
    for bucket, colour in zip(BUCKETS[:3], ("tab:red", "tab:grey", "tab:green"), strict=True):
        part = table[(table["bucket"] == bucket) & (table["n"] > 0)]
        if part.empty:
            continue
        low = (part["mean_bp"] - part["ci_low_bp"]).fillna(0.0)
        high = (part["ci_high_bp"] - part["mean_bp"]).fillna(0.0)
        axes.errorbar(
            part["horizon_s"],
            part["mean_bp"],
            yerr=[low, high],
            marker="o",
            capsize=3,
            color=colour,
            label=f"{bucket} (n={int(part['n'].max())})",
        )
    axes.axhline(0.0, color="black", linewidth=0.5)
    axes.set_xscale("log")
    axes.set_xlabel("seconds after receipt")
    axes.set_ylabel("mean abnormal return (bp)")
    axes.set_title(f"Event study ({study.scorer}, {study.confidence:.0%} CI)")
    axes.legend()
    figure.tight_layout()
    figure.savefig(written[2], dpi=110, metadata={"Software": None})
    plt.close(figure)
    return written
