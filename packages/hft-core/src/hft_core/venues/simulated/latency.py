"""One-way latencies as distributions, and the FIFO links that draw them.

A `Latency` is a base (the speed of light plus fixed processing) and a random jitter on top: ``constant``
(no jitter), ``exponential`` (jitter exponential with mean ``jitter_ns``: queueing), ``uniform`` (jitter uniform
on ``[0, 2·jitter_ns]``, same mean) or ``lognormal`` (jitter lognormal with mean ``jitter_ns`` and log-sd 1:
rare long tails). Its mean is ``base_ns + jitter_ns`` whatever the shape.

A `Link` is one direction between one participant and one venue (orders in, reports back, market data out). It
keeps messages in order, as a TCP stream does: a message never overtakes an earlier one on the same link, so
its arrival is ``max(previous arrival, t + draw)``. A constant link draws nothing and keeps no state, so a venue
whose links are all constant replays exactly what it did before links existed.

Draws come only from ``random.Random.random`` of the stream the link is given (the owner's seeded stream), so a
run is reproducible from its seed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

__all__ = ["JITTER_KINDS", "Latency", "LatencyKind", "Link"]

LatencyKind = Literal["constant", "exponential", "uniform", "lognormal"]
JITTER_KINDS: tuple[LatencyKind, ...] = ("constant", "exponential", "uniform", "lognormal")
"""The shapes a jitter may take (``constant`` ignores ``jitter_ns``)."""

_LOGNORMAL_SIGMA = 1.0
"""Log-sd of the lognormal jitter; its log-mean is chosen so the jitter's mean is ``jitter_ns``."""
_STANDARD_NORMAL = NormalDist()
_MAX_NS = 10_000_000_000_000
"""No single draw exceeds 10 000 s, so a far tail cannot overflow or stall a run."""


@dataclass(frozen=True, slots=True)
class Latency:
    """A one-way latency in ns: ``base_ns`` plus a jitter of mean ``jitter_ns`` shaped by ``kind``."""

    base_ns: int = 0
    jitter_ns: int = 0
    kind: LatencyKind = "exponential"

    def __post_init__(self) -> None:
        for name in ("base_ns", "jitter_ns"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"latency {name} must be an integer >= 0 ns, got {value!r}")
        if self.kind not in JITTER_KINDS:
            raise ValueError(f"latency kind must be one of {', '.join(JITTER_KINDS)}, got {self.kind!r}")

    @property
    def constant(self) -> bool:
        """True when every draw is ``base_ns`` (no randomness used)."""
        return self.jitter_ns == 0 or self.kind == "constant"

    @property
    def mean_ns(self) -> float:
        """The mean one-way latency."""
        return float(self.base_ns) if self.constant else float(self.base_ns + self.jitter_ns)

    def draw(self, rng: random.Random) -> int:
        """One latency in whole ns (``base_ns`` exactly when constant, drawing nothing)."""
        if self.constant:
            return self.base_ns
        u = rng.random()
        mean = float(self.jitter_ns)
        if self.kind == "exponential":
            jitter = -math.log(1.0 - u) * mean
        elif self.kind == "uniform":
            jitter = 2.0 * mean * u
        else:  # lognormal: exp(mu + sigma·z) with z from the inverse normal CDF of u
            z = _STANDARD_NORMAL.inv_cdf(min(max(u, 1e-12), 1.0 - 1e-12))
            mu = math.log(mean) - 0.5 * _LOGNORMAL_SIGMA**2
            jitter = math.exp(mu + _LOGNORMAL_SIGMA * z)
        return self.base_ns + min(int(jitter), _MAX_NS)


class Link:
    """One direction of one participant's connection to one venue: draws latencies, keeps messages in order."""

    __slots__ = ("_constant", "_last", "_rng", "latency")

    def __init__(self, latency: Latency, rng: random.Random | None) -> None:
        if not latency.constant and rng is None:
            raise ValueError("a jittered latency needs a random stream")
        self.latency = latency
        self._constant = latency.constant
        self._rng = rng
        self._last = 0

    def arrival(self, t: int) -> int:
        """When a message sent at ``t`` arrives: ``t + draw``, never before the previous message on this link."""
        latency = self.latency
        if self._constant:
            return t + latency.base_ns
        assert self._rng is not None
        arrival = t + latency.draw(self._rng)
        if arrival < self._last:
            arrival = self._last
        self._last = arrival
        return arrival
