"""Queue-position models: where the strategy's resting order stands in its price level's queue on replayed data.

Replayed L2 data says how much rests at a price, not in what order, so the quantity *ahead* of our order is an
estimate. At arrival it is the whole level (we join the back). Then:

- trades at our price consume the queue from the front: ``ahead -= traded`` (every model);
- a depth *decrease* at our level that trades do not explain is a cancellation somewhere in the queue. Where is
  the model's choice. ``RiskAverseQueue`` assumes it was behind us (``ahead`` only shrinks to fit the level);
  the probabilistic models split it between the front and the back of the queue with a probability that grows
  with the quantity behind us (Almgren's "queue position" note as implemented in hftbacktest's probabilistic
  queue models; formulas in docs/replay.md).
- ``L3FifoQueue`` needs order-by-order (L3) data: our order is queued behind the exact orders present when it
  arrived and the quantity ahead shrinks only when those orders are cancelled or executed.

The classes here are configuration (frozen, comparable); the replay kernels implement the same arithmetic in
compiled code, and `QueueModel.front_after_decrease` is the plain-Python statement of it (the reference
implementation and the tests use it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

__all__ = [
    "L3FifoQueue",
    "LogProbQueue",
    "Power3ProbQueue",
    "PowerProbQueue",
    "QueueModel",
    "RiskAverseQueue",
]

# Codes shared with the compiled kernel.
RISK_AVERSE = 0
POWER_PROB = 1
LOG_PROB = 2
POWER3_PROB = 3
L3_FIFO = 4


@dataclass(frozen=True, slots=True)
class QueueModel:
    """Base of the queue models: how ``ahead`` (lots in front of our order) moves when the level shrinks."""

    code: ClassVar[int] = RISK_AVERSE

    @property
    def exponent(self) -> float:
        """The model's numeric parameter as the kernel receives it (0 when it has none)."""
        return 0.0

    def probability_behind(self, front: float, back: float) -> float:
        """Share of an unexplained decrease attributed to the quantity behind our order."""
        return 1.0

    def front_after_decrease(self, front: float, prev: float, new: float) -> float:
        """``ahead`` after the level went from ``prev`` (already net of trades since) to ``new`` lots."""
        if new >= prev:
            return min(front, new)
        change = prev - new
        back = max(prev - front, 0.0)
        p = self.probability_behind(front, back)
        estimate = front - (1.0 - p) * change + min(back - p * change, 0.0)
        return max(min(estimate, new), 0.0)


@dataclass(frozen=True, slots=True)
class RiskAverseQueue(QueueModel):
    """Only trades advance the queue; cancellations are assumed to come from behind (a pessimistic bound)."""

    code: ClassVar[int] = RISK_AVERSE

    def front_after_decrease(self, front: float, prev: float, new: float) -> float:
        return max(min(front, new), 0.0)


@dataclass(frozen=True, slots=True)
class PowerProbQueue(QueueModel):
    """p = f(back) / (f(back) + f(front)) with f(x) = x**n."""

    n: float = 2.0
    code: ClassVar[int] = POWER_PROB

    def __post_init__(self) -> None:
        if not (math.isfinite(self.n) and self.n > 0):
            raise ValueError(f"PowerProbQueue exponent n must be positive and finite, got {self.n}")

    @property
    def exponent(self) -> float:
        return self.n

    def probability_behind(self, front: float, back: float) -> float:
        if self.n == 2.0:
            # The default exponent: a product is the exactly rounded square, where pow() is one ulp off about once
            # in a thousand, and the replay kernel's hottest float operation runs several times faster.
            fb = back * back
            total = fb + front * front
        else:
            fb = back**self.n
            total = fb + front**self.n
        return fb / total if total > 0.0 else 1.0


@dataclass(frozen=True, slots=True)
class LogProbQueue(QueueModel):
    """p = f(back) / (f(back) + f(front)) with f(x) = ln(1 + x)."""

    code: ClassVar[int] = LOG_PROB

    def probability_behind(self, front: float, back: float) -> float:
        fb = math.log1p(back)
        total = fb + math.log1p(front)
        return fb / total if total > 0.0 else 1.0


@dataclass(frozen=True, slots=True)
class Power3ProbQueue(QueueModel):
    """p = 1 − (front / (front + back))**n."""

    n: float = 3.0
    code: ClassVar[int] = POWER3_PROB

    def __post_init__(self) -> None:
        if not (math.isfinite(self.n) and self.n > 0):
            raise ValueError(f"Power3ProbQueue exponent n must be positive and finite, got {self.n}")

    @property
    def exponent(self) -> float:
        return self.n

    def probability_behind(self, front: float, back: float) -> float:
        total = front + back
        return 1.0 - (front / total) ** self.n if total > 0.0 else 1.0


@dataclass(frozen=True, slots=True)
class L3FifoQueue(QueueModel):
    """Exact FIFO on L3 data: ahead = the orders present at arrival, shrinking as they cancel or execute.

    Depth rows (L2) do not move this queue except to cap it at the level's size; use it with ADD / CANCEL /
    MODIFY / FILL data.
    """

    code: ClassVar[int] = L3_FIFO

    def front_after_decrease(self, front: float, prev: float, new: float) -> float:
        return max(min(front, new), 0.0)
