"""Planted episodes: each pattern logs when its manipulative episodes start and end, so detectors can be scored.

A pattern writes ``planted <kind> #<n> start`` and ``planted <kind> #<n> end`` through ``ctx.log``; the engine
prefixes each line with market time (ns), and ``hft run`` writes the lines to the run directory's ``log.txt``.
`planted_episodes` reads them back from `hft_core.engine.BacktestResult.logs` or from that file's lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from hft_core import Context

__all__ = ["PLANTED_PREFIX", "EpisodeLog", "PlantedEpisode", "planted_episodes"]

PLANTED_PREFIX = "planted"
"""First word of every log line that marks a planted episode."""

_LINE = re.compile(rf"^(?P<ts>-?\d+) {PLANTED_PREFIX} (?P<kind>[a-z-]+) #(?P<n>\d+) (?P<edge>start|end)\b")


@dataclass(frozen=True, slots=True)
class PlantedEpisode:
    """One manipulative episode a pattern carried out: its kind, number and market-time span (ns)."""

    kind: str
    number: int
    start_ns: int
    end_ns: int

    @property
    def interval(self) -> tuple[int, int]:
        """``(start_ns, end_ns)``, the form `hft_core.surveillance.score_detections` takes."""
        return (self.start_ns, self.end_ns)


class EpisodeLog:
    """Numbers a pattern's episodes and writes their start and end lines to ``ctx.log``."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.started = 0
        self._open: int | None = None

    @property
    def active(self) -> bool:
        """Whether an episode has started and not yet ended."""
        return self._open is not None

    def start(self, ctx: Context, detail: str = "") -> int:
        """Mark the start of a new episode; returns its number."""
        if self._open is not None:
            raise RuntimeError(f"{self.kind} episode #{self._open} has not ended")
        self.started += 1
        self._open = self.started
        ctx.log(f"{PLANTED_PREFIX} {self.kind} #{self.started} start {detail}".rstrip())
        return self.started

    def end(self, ctx: Context, detail: str = "") -> None:
        """Mark the end of the episode in progress."""
        if self._open is None:
            raise RuntimeError(f"no {self.kind} episode is in progress")
        ctx.log(f"{PLANTED_PREFIX} {self.kind} #{self._open} end {detail}".rstrip())
        self._open = None


def planted_episodes(lines: Iterable[str], kind: str | None = None) -> list[PlantedEpisode]:
    """The episodes marked in log ``lines`` (optionally only of ``kind``), in start order.

    An episode whose end line is missing (the run stopped during it) ends at the last timestamp seen.
    """
    starts: dict[tuple[str, int], int] = {}
    ends: dict[tuple[str, int], int] = {}
    last_ts = 0
    for line in lines:
        match = _LINE.match(line.strip())
        if match is None:
            continue
        ts = int(match["ts"])
        last_ts = max(last_ts, ts)
        key = (match["kind"], int(match["n"]))
        (starts if match["edge"] == "start" else ends)[key] = ts
    episodes = [
        PlantedEpisode(k, n, start, ends.get((k, n), max(last_ts, start)))
        for (k, n), start in starts.items()
        if kind is None or k == kind
    ]
    return sorted(episodes, key=lambda e: (e.start_ns, e.kind, e.number))
