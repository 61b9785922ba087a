"""Market-abuse surveillance over a run's records: spoofing and layering, momentum ignition, quote stuffing.

Never gated: detection is not manipulation. Each detector reads one participant's orders, fills and equity — a
`hft_core.engine.BacktestResult`, a run directory (`TradingRecords.from_run_dir`) or hand-built
`TradingRecords` — and returns `Episode` objects with times, evidence and a score. Their thresholds are their own
documented parameters (regulators publish none); they are judged by precision and recall on planted episodes
(`score_detections`) and by flagging nothing on an honest market maker. ``hft surveil RUN_DIR`` runs them all.

>>> from hft_core import Strategy, backtest
>>> from hft_core.surveillance import surveil
>>> surveil(backtest(Strategy(), duration_s=1.0))
[]
"""

from __future__ import annotations

from hft_core.surveillance.evaluation import DetectionScore, score_detections
from hft_core.surveillance.momentum_ignition import IgnitionThresholds, detect_momentum_ignition
from hft_core.surveillance.quote_stuffing import StuffingThresholds, detect_quote_stuffing
from hft_core.surveillance.records import (
    EPISODE_KINDS,
    Episode,
    EpisodeKind,
    EvidenceValue,
    RunRecords,
    TradingRecords,
    format_ts,
    infer_tick_size,
    message_times,
)
from hft_core.surveillance.spoofing import SpoofingThresholds, detect_spoofing

__all__ = [
    "EPISODE_KINDS",
    "DetectionScore",
    "Episode",
    "EpisodeKind",
    "EvidenceValue",
    "IgnitionThresholds",
    "RunRecords",
    "SpoofingThresholds",
    "StuffingThresholds",
    "TradingRecords",
    "detect_momentum_ignition",
    "detect_quote_stuffing",
    "detect_spoofing",
    "format_ts",
    "infer_tick_size",
    "message_times",
    "score_detections",
    "surveil",
]


def surveil(
    records: RunRecords,
    *,
    spoofing: SpoofingThresholds | None = None,
    ignition: IgnitionThresholds | None = None,
    stuffing: StuffingThresholds | None = None,
) -> list[Episode]:
    """Every detector over ``records``; the episodes sorted by start time."""
    episodes = [
        *detect_spoofing(records, spoofing),
        *detect_momentum_ignition(records, ignition),
        *detect_quote_stuffing(records, stuffing),
    ]
    return sorted(episodes, key=lambda e: (e.start_ns, e.kind))
