"""``hft news-study``: the event study of `hft_news_algo.event_study` from the command line.

Mounted into ``hft`` through the ``hft.commands`` entry point; errors are hft-core's, printed as one line.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer
from hft_core import ConfigError

__all__ = ["app"]

app = typer.Typer(add_completion=False, rich_markup_mode=None)


def _horizons(text: str) -> tuple[float, ...]:
    values = []
    for part in text.split(","):
        try:
            values.append(float(part.strip()))
        except ValueError:
            raise ConfigError(f"--horizons {text!r}: {part.strip()!r} is not a number of seconds") from None
    return tuple(values)


def _cell(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.2f}"


@app.command("news-study")
def news_study(
    news_file: Annotated[
        Path | None,
        typer.Argument(help="Headline file (CSV, JSONL, Parquet). Omitted: the simulated market's own headlines."),
    ] = None,
    data: Annotated[
        list[Path] | None, typer.Option("--data", help="Recorded market file (repeat for several instruments).")
    ] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="Time zone of naive timestamps in NEWS_FILE.")] = None,
    scenario: Annotated[
        str | None, typer.Option(help="Simulated market when no --data is given (default news-market).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the simulated market.")] = None,
    duration: Annotated[float | None, typer.Option(help="Seconds of simulated market.")] = None,
    horizons: Annotated[str, typer.Option(help="Seconds after receipt, comma-separated.")] = "1,10,60,300",
    scorer: Annotated[str, typer.Option(help="vader, word-list or transformer.")] = "vader",
    word_list: Annotated[str, typer.Option(help="Word-list file for --scorer word-list.")] = "",
    aliases: Annotated[Path | None, typer.Option(help="CSV of name,SYMBOL aliases for mapping.")] = None,
    threshold: Annotated[float, typer.Option(help="|score| above which an item is positive/negative.")] = 0.05,
    confidence: Annotated[float, typer.Option(help="Confidence level of the intervals.")] = 0.95,
    out: Annotated[Path | None, typer.Option(help="Directory for the table, items and plot.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Abnormal returns after each headline's receipt, by sentiment bucket, with confidence intervals."""
    from hft_core import TextSource

    from hft_news_algo.event_study import event_study, write_study

    if tz is not None and news_file is None:
        raise ConfigError("--tz describes NEWS_FILE's timestamps; give the file")
    if news_file is not None and not news_file.is_file():
        raise ConfigError(f"NEWS_FILE {news_file}: no such file")
    text = TextSource(news_file, tz=tz) if news_file is not None else None
    study = event_study(
        text=text,
        data=list(data) if data else None,
        scenario=scenario,
        seed=seed,
        duration_s=duration,
        horizons_s=_horizons(horizons),
        scorer=scorer,
        word_list=word_list,
        aliases=aliases,
        threshold=threshold,
        confidence=confidence,
    )
    written = write_study(study, out) if out is not None else []
    if as_json:
        summary = study.to_json()
        summary["written"] = [str(p) for p in written]
        print(json.dumps(summary, indent=2))
        return
    counts = ", ".join(f"{k} {v}" for k, v in study.counts.items())
    print(f"event study: {study.scorer} scores, threshold {study.threshold:g}; {counts}")
    level = f"{study.confidence:.0%} CI"
    print(f"{'bucket':<9} {'horizon':>8} {'n':>5} {'mean bp':>9} {'s.e.':>8} {level:>19}")
    for row in study.rows:
        interval = "" if math.isnan(row.ci_low_bp) else f"[{row.ci_low_bp:.2f}, {row.ci_high_bp:.2f}]"
        print(
            f"{row.bucket:<9} {row.horizon_s:>7g}s {row.n:>5} {_cell(row.mean_bp):>9} {_cell(row.stderr_bp):>8}"
            f" {interval:>19}"
        )
    for path in written:
        print(f"wrote {path}")
