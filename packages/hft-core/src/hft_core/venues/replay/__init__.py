"""The replay venue: a strategy's orders against recorded (or synthetic) L2/L3 market data.

`ReplayVenue` implements `hft_core.venues.Venue` over `hft_core.events` chunks, with order latency models
(`ConstantLatency`, `SampledLatency`, `RecordedLatency`; one for every instrument, or a link per instrument:
`latency_links`) and queue-position models (`RiskAverseQueue`,
`PowerProbQueue`, `LogProbQueue`, `Power3ProbQueue`, `L3FifoQueue`). `hft_core.venues.recorded` builds one from
data files. docs/replay.md describes the semantics.
"""

from __future__ import annotations

from hft_core.venues.replay.latency import (
    ClippedNormal,
    ConstantLatency,
    Empirical,
    LatencyDistribution,
    LatencyModel,
    Lognormal,
    RecordedLatency,
    SampledLatency,
    latency_links,
)
from hft_core.venues.replay.queue import (
    L3FifoQueue,
    LogProbQueue,
    Power3ProbQueue,
    PowerProbQueue,
    QueueModel,
    RiskAverseQueue,
)
from hft_core.venues.replay.venue import DEFAULT_CHUNK_SIZE, ReplayVenue, local_clock_offset

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "ClippedNormal",
    "ConstantLatency",
    "Empirical",
    "L3FifoQueue",
    "LatencyDistribution",
    "LatencyModel",
    "LogProbQueue",
    "Lognormal",
    "Power3ProbQueue",
    "PowerProbQueue",
    "QueueModel",
    "RecordedLatency",
    "ReplayVenue",
    "RiskAverseQueue",
    "SampledLatency",
    "latency_links",
    "local_clock_offset",
]
