"""Judging a detector: precision and recall of its episodes against episodes known to have happened (planted).

A detected episode is a true positive when its time span overlaps a planted episode's (within ``tolerance_ns``);
a planted episode is recalled when some detected episode overlaps it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hft_core.surveillance.records import Episode, EpisodeKind

__all__ = ["DetectionScore", "score_detections"]


@dataclass(frozen=True, slots=True)
class DetectionScore:
    """How a detector did on one set of planted episodes."""

    planted: int
    detected: int
    true_positives: int
    """Detected episodes that overlap a planted one."""
    recalled: int
    """Planted episodes that some detected episode overlaps."""

    @property
    def precision(self) -> float:
        """True positives / detected (1.0 when nothing was detected: no false alarm was raised)."""
        return self.true_positives / self.detected if self.detected else 1.0

    @property
    def recall(self) -> float:
        """Recalled / planted (1.0 when nothing was planted)."""
        return self.recalled / self.planted if self.planted else 1.0

    @property
    def false_positives(self) -> int:
        """Detected episodes that overlap no planted one."""
        return self.detected - self.true_positives

    def __add__(self, other: DetectionScore) -> DetectionScore:
        return DetectionScore(
            self.planted + other.planted,
            self.detected + other.detected,
            self.true_positives + other.true_positives,
            self.recalled + other.recalled,
        )


def _overlaps(a: tuple[int, int], b: tuple[int, int], tolerance_ns: int) -> bool:
    return a[0] <= b[1] + tolerance_ns and b[0] <= a[1] + tolerance_ns


def score_detections(
    detected: Sequence[Episode],
    planted: Sequence[tuple[int, int]],
    *,
    kind: EpisodeKind | None = None,
    tolerance_ns: int = 0,
) -> DetectionScore:
    """Precision and recall of ``detected`` against ``planted`` ``(start_ns, end_ns)`` spans.

    With ``kind``, the planted episodes are of that kind: a detected episode of another kind is a false positive
    however it overlaps (layering reported as spoofing is a miss and a false alarm), and recalls nothing.
    """
    if tolerance_ns < 0:
        raise ValueError(f"tolerance_ns must be >= 0, got {tolerance_ns}")
    relevant = [episode for episode in detected if kind is None or episode.kind == kind]
    true_positives = sum(
        1 for episode in relevant if any(_overlaps(episode.interval, span, tolerance_ns) for span in planted)
    )
    recalled = sum(
        1 for span in planted if any(_overlaps(episode.interval, span, tolerance_ns) for episode in relevant)
    )
    return DetectionScore(len(planted), len(detected), true_positives, recalled)
