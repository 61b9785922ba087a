"""Book snapshots from the places hft-core gets market data: events files of any supported format (through
`hft_core.load_recorded`: Binance captures, Tardis CSV, LOBSTER, hftbacktest npz, converted ``.npz``) and
simulated runs of any market scenario (recorded with ``record=True``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hft_lob_dl.book import Sampling, Snapshots, snapshots_from_events

__all__ = ["file_snapshots", "simulated_snapshots"]


def file_snapshots(
    paths: Sequence[str | os.PathLike[str]],
    *,
    levels: int = 10,
    sampling: Sampling = "event",
    interval_ms: float = 100.0,
) -> Snapshots:
    """Snapshots of each file's instrument, files taken in the order given and joined end to end (for several
    files of one instrument, e.g. consecutive days)."""
    from hft_core import load_recorded

    parts = []
    for raw in paths:
        # allow_unsynced: a file without a book is refused below with the reason that matters here
        events, _ = load_recorded([raw], allow_unsynced=True)
        parts.append(
            snapshots_from_events(
                events, levels=levels, sampling=sampling, interval_ms=interval_ms, source=str(Path(raw))
            )
        )
    return _join(parts)


def simulated_snapshots(
    *,
    seed: int = 0,
    duration_s: float = 600.0,
    levels: int = 10,
    sampling: Sampling = "clock",
    interval_ms: float = 50.0,
    scenario: str = "single-instrument",
) -> Snapshots:
    """Snapshots of the first instrument of a simulated run of ``scenario`` (no strategy trading), seeded."""
    from hft_core import Strategy, backtest, create_scenario

    venue = create_scenario(scenario, seed=seed, duration_s=duration_s, record=True)
    backtest(Strategy(), venue=venue)
    events = venue.recorded_market_data()  # type: ignore[attr-defined]
    return snapshots_from_events(
        events, levels=levels, sampling=sampling, interval_ms=interval_ms, source=f"simulated:{scenario}"
    )


def _join(parts: list[Snapshots]) -> Snapshots:
    if len(parts) == 1:
        return parts[0]
    return Snapshots(
        np.concatenate([p.ts for p in parts]),
        np.concatenate([p.ask_px for p in parts]),
        np.concatenate([p.ask_qty for p in parts]),
        np.concatenate([p.bid_px for p in parts]),
        np.concatenate([p.bid_qty for p in parts]),
    )
