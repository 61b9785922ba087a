"""Queue-position models: where the strategy's resting order stands in its price level's queue on replayed data.

Replayed L2 data says how much rests at a price, not in what order, so the quantity *ahead* of our order is an
estimate. At arrival it is the whole level (we join the back). Then:

- trades at our price consume the queue from the front: ``ahead -= traded`` (every model);
- a depth *decrease* at our level that trades do not explain is a cancellation somewhere in the queue. Where is
  the model's choice. ``RiskAverseQueue`` assumes it was behind us (``ahead`` only shrinks to fit the level);
  the probabilistic models split it between the front and the back of the queue with a probability that grows
  with the quantity behind us (Almgren's "queue position" note as implemented in hftbacktest's probabilistic
  queue models; formulas in docs/replay.md).
- the probabilistic models take ``arithmetic="hftbacktest"`` for hftbacktest 2.4.4's arithmetic to the letter
  (its ``ProbQueueModel``): the quantity ahead is not clamped at zero (a trade past the front leaves it negative),
  the quantity behind is the level before the update (gross of trades) minus the front, and a trade at our price
  fills ``round(-front)`` lots once that is positive (half a lot past the front fills one), then puts the front
  back at 0. The default
  ``"clamped"`` arithmetic keeps ``0 <= ahead <= level`` and fills what a trade has to spare past the front.
- ``L3FifoQueue`` needs order-by-order (L3) data: our order is queued behind the exact orders present when it
  arrived and the quantity ahead shrinks only when those orders are cancelled or executed.

The classes here are configuration (frozen, comparable); the replay kernels implement the same arithmetic in
compiled code, and `QueueModel.front_after_decrease` (clamped) and `QueueModel.front_after_depth_hftbacktest` with
`hftbacktest_fill_lots` (hftbacktest's arithmetic) are the plain-Python statement of it (the reference
implementation and the tests use them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar, Literal, get_args

__all__ = [
    "L3FifoQueue",
    "LogProbQueue",
    "Power3ProbQueue",
    "PowerProbQueue",
    "QueueArithmetic",
    "QueueModel",
    "RiskAverseQueue",
    "hftbacktest_fill_lots",
]

QueueArithmetic = Literal["clamped", "hftbacktest"]
"""How a probabilistic model moves the quantity ahead: this project's clamped arithmetic or hftbacktest's."""

# Codes shared with the compiled kernel.
RISK_AVERSE = 0
POWER_PROB = 1
LOG_PROB = 2
POWER3_PROB = 3
L3_FIFO = 4
POWER_PROB_HBT = 5
LOG_PROB_HBT = 6
POWER3_PROB_HBT = 7
_HFTBACKTEST_CODES = {POWER_PROB: POWER_PROB_HBT, LOG_PROB: LOG_PROB_HBT, POWER3_PROB: POWER3_PROB_HBT}


def _powf(x: float, n: float) -> float:
    """``x**n`` as IEEE ``pow`` gives it (hftbacktest's ``powf``, numba's ``**``): NaN, not an error, for a
    negative base and a fractional exponent; an infinity on overflow."""
    try:
        return math.pow(x, n)
    except ValueError:
        return math.nan
    except OverflowError:
        return -math.inf if x < 0.0 and n % 2.0 == 1.0 else math.inf


def _ln(x: float) -> float:
    """Natural log with IEEE results at the edges (``-inf`` at 0, NaN below)."""
    if x > 0.0:
        return math.log(x)
    return -math.inf if x == 0.0 else math.nan


def _divide(a: float, b: float) -> float:
    """``a / b`` with IEEE results for a zero divisor (NaN for 0/0, a signed infinity otherwise)."""
    if b == 0.0:
        if a == 0.0 or math.isnan(a):
            return math.nan
        return math.inf if (a > 0.0) == (math.copysign(1.0, b) > 0.0) else -math.inf
    return a / b


def _min_number(a: float, b: float) -> float:
    """Rust's ``f64::min``: the smaller, and the other operand when one is NaN."""
    if math.isnan(a):
        return b
    if math.isnan(b):
        return a
    return a if a < b else b


def hftbacktest_fill_lots(front: float) -> float:
    """Lots a trade at our price has reached us by, under hftbacktest 2.4.4's arithmetic: ``round(-front)`` with
    halves away from zero (Rust's ``round``), and 0 while that is not positive. ``front`` (lots ahead) is already
    net of the trade; a positive result fills (at most the trade's lots and the order's leaves with partial fills,
    the whole order without) and puts the front back at 0."""
    behind = -front
    if not behind >= 0.5:
        return 0.0
    lots = math.floor(behind)
    return float(lots + 1 if behind - lots >= 0.5 else lots)


@dataclass(frozen=True, slots=True)
class QueueModel:
    """Base of the queue models: how ``ahead`` (lots in front of our order) moves when the level shrinks."""

    _CODE: ClassVar[int] = RISK_AVERSE

    @property
    def code(self) -> int:
        """The model's code in the compiled kernel (its hftbacktest-arithmetic variant has a code of its own)."""
        return self._CODE

    @property
    def hftbacktest_arithmetic(self) -> bool:
        """Whether the model moves its queue with hftbacktest's arithmetic (see the module's description)."""
        return False

    @property
    def exponent(self) -> float:
        """The model's numeric parameter as the kernel receives it (0 when it has none)."""
        return 0.0

    def probability_behind(self, front: float, back: float) -> float:
        """Share of an unexplained decrease attributed to the quantity behind our order."""
        return 1.0

    def probability_behind_hftbacktest(self, front: float, back: float) -> float:
        """`probability_behind` as hftbacktest evaluates it: ``pow`` and ``ln(1 + x)`` on any sign, IEEE NaN and
        infinities instead of errors (``front`` may be negative there)."""
        return 1.0

    def front_after_depth_hftbacktest(self, front: float, traded: float, prev: float, new: float) -> float:
        """hftbacktest's ``ProbQueueModel.depth``: the level went from ``prev`` to ``new`` lots with ``traded``
        lots traded at it since the previous update; returns the new ``front`` (lots ahead, not clamped at 0)."""
        change = prev - new - traded
        if change < 0.0:
            return _min_number(front, new)
        back = prev - front
        p = self.probability_behind_hftbacktest(front, back)
        if math.isinf(p):
            p = 1.0
        estimate = front - (1.0 - p) * change + _min_number(back - p * change, 0.0)
        return _min_number(estimate, new)

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
    """Only trades advance the queue; cancellations are assumed to come from behind (a pessimistic bound).

    Its fills equal hftbacktest's ``RiskAdverseQueueModel``: with whole-lot levels and trades the clamped and the
    unclamped fronts fill the same lots, so it has no arithmetic variant.
    """

    _CODE: ClassVar[int] = RISK_AVERSE

    def front_after_decrease(self, front: float, prev: float, new: float) -> float:
        return max(min(front, new), 0.0)


def _check_arithmetic(model: str, arithmetic: str) -> None:
    if arithmetic not in get_args(QueueArithmetic):
        raise ValueError(f"{model} arithmetic must be one of {get_args(QueueArithmetic)}, got {arithmetic!r}")


@dataclass(frozen=True, slots=True)
class _ProbQueue(QueueModel):
    """The probabilistic models: ``arithmetic`` (keyword-only) picks the clamped or hftbacktest's arithmetic."""

    arithmetic: QueueArithmetic = field(default="clamped", kw_only=True)

    def __post_init__(self) -> None:
        _check_arithmetic(type(self).__name__, self.arithmetic)

    @property
    def code(self) -> int:
        return _HFTBACKTEST_CODES[self._CODE] if self.hftbacktest_arithmetic else self._CODE

    @property
    def hftbacktest_arithmetic(self) -> bool:
        return self.arithmetic == "hftbacktest"


@dataclass(frozen=True, slots=True)
class PowerProbQueue(_ProbQueue):
    """p = f(back) / (f(back) + f(front)) with f(x) = x**n."""

    n: float = 2.0
    _CODE: ClassVar[int] = POWER_PROB

    def __post_init__(self) -> None:
        if not (math.isfinite(self.n) and self.n > 0):
            raise ValueError(f"PowerProbQueue exponent n must be positive and finite, got {self.n}")
        _check_arithmetic("PowerProbQueue", self.arithmetic)

    @property
    def exponent(self) -> float:
        return self.n

    def probability_behind_hftbacktest(self, front: float, back: float) -> float:
        fb = _powf(back, self.n)
        return _divide(fb, fb + _powf(front, self.n))

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
class LogProbQueue(_ProbQueue):
    """p = f(back) / (f(back) + f(front)) with f(x) = ln(1 + x)."""

    _CODE: ClassVar[int] = LOG_PROB

    def probability_behind_hftbacktest(self, front: float, back: float) -> float:
        fb = _ln(1.0 + back)
        return _divide(fb, fb + _ln(1.0 + front))

    def probability_behind(self, front: float, back: float) -> float:
        fb = math.log1p(back)
        total = fb + math.log1p(front)
        return fb / total if total > 0.0 else 1.0


@dataclass(frozen=True, slots=True)
class Power3ProbQueue(_ProbQueue):
    """p = 1 − (front / (front + back))**n."""

    n: float = 3.0
    _CODE: ClassVar[int] = POWER3_PROB

    def __post_init__(self) -> None:
        if not (math.isfinite(self.n) and self.n > 0):
            raise ValueError(f"Power3ProbQueue exponent n must be positive and finite, got {self.n}")
        _check_arithmetic("Power3ProbQueue", self.arithmetic)

    @property
    def exponent(self) -> float:
        return self.n

    def probability_behind_hftbacktest(self, front: float, back: float) -> float:
        return 1.0 - _powf(_divide(front, front + back), self.n)

    def probability_behind(self, front: float, back: float) -> float:
        total = front + back
        return 1.0 - (front / total) ** self.n if total > 0.0 else 1.0


@dataclass(frozen=True, slots=True)
class L3FifoQueue(QueueModel):
    """Exact FIFO on L3 data: ahead = the orders present at arrival, shrinking as they cancel or execute.

    Depth rows (L2) do not move this queue except to cap it at the level's size; use it with ADD / CANCEL /
    MODIFY / FILL data.
    """

    _CODE: ClassVar[int] = L3_FIFO

    def front_after_decrease(self, front: float, prev: float, new: float) -> float:
        return max(min(front, new), 0.0)
