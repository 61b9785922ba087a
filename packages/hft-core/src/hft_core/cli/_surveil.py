"""``hft surveil RUN_DIR``: run every surveillance detector over a run directory and print the flagged episodes.

Each episode is printed with its kind, instrument, start and end (UTC, and seconds from the run's start), score
and evidence; ``--json`` prints the same as one JSON object. Never gated: detection is not manipulation.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path
from typing import Any

__all__ = ["surveil_command"]


def surveil_command(run_dir: Path, as_json: bool) -> None:
    """Load ``run_dir``, run the detectors with their default thresholds, and print what they flag."""
    from hft_core.report import load_run
    from hft_core.surveillance import (
        IgnitionThresholds,
        SpoofingThresholds,
        StuffingThresholds,
        TradingRecords,
        format_ts,
        surveil,
    )

    run = load_run(run_dir)
    records = TradingRecords(run.orders, run.fills, run.equity)
    episodes = surveil(records)
    counts = Counter(episode.kind for episode in episodes)
    if as_json:
        thresholds: dict[str, Any] = {
            "spoofing": dataclasses.asdict(SpoofingThresholds()),
            "momentum-ignition": dataclasses.asdict(IgnitionThresholds()),
            "quote-stuffing": dataclasses.asdict(StuffingThresholds()),
        }
        report = {
            "run_dir": str(run_dir),
            "pattern": run.meta.get("pattern"),
            "orders": len(run.orders),
            "fills": len(run.fills),
            "counts": dict(sorted(counts.items())),
            "episodes": [episode.to_dict() for episode in episodes],
            "thresholds": thresholds,
        }
        print(json.dumps(report, indent=2))
        return
    origin = _run_start(run.equity, run.orders)
    pattern = run.meta.get("pattern", run_dir.name)
    print(f"surveillance of {run_dir} ({pattern}): {len(run.orders)} orders, {len(run.fills)} fills")
    if not episodes:
        print("no episodes flagged (spoofing, layering, momentum ignition, quote stuffing)")
        return
    summary = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
    print(f"{len(episodes)} episode(s) flagged: {summary}")
    for number, episode in enumerate(episodes, start=1):
        start_s = (episode.start_ns - origin) / 1e9
        end_s = (episode.end_ns - origin) / 1e9
        print(
            f"#{number} {episode.kind} {episode.instrument} score={episode.score:.2f}  "
            f"{format_ts(episode.start_ns)} -> {format_ts(episode.end_ns)}  "
            f"(t={start_s:.3f}s..{end_s:.3f}s, {episode.duration_s:.3f}s)"
        )
        evidence = "  ".join(f"{key}={value}" for key, value in episode.evidence.items())
        print(f"    {evidence}")


def _run_start(equity: Any, orders: Any) -> int:
    """The run's first timestamp: its first equity sample, else its first order (0 for an empty run)."""
    candidates = [int(frame["ts"].min()) for frame in (equity, orders) if len(frame)]
    return min(candidates, default=0)
