"""Order entry and response latency models for the replay venue.

Feed latency needs no model: every event carries both its exchange and its local timestamp. Order latency does:
a request the strategy sends at local time ``t`` reaches the exchange at ``t + entry``; a response the exchange
emits at exchange time ``T`` reaches the strategy at ``T + response``. Three models:

- `ConstantLatency` — fixed entry and response times;
- `SampledLatency` — independent draws from a distribution (`Lognormal`, `ClippedNormal`, `Empirical`), from a
  seeded numpy ``Generator`` (same seed, same draws);
- `RecordedLatency` — a measured time series of ``(ts, entry_ns, response_ns)``, read at the request's send time
  (entry) and at the response's exchange time (response), linearly interpolated or stepped.

Models are frozen configuration. A venue asks each for a fresh `LatencySampler` (its running state), so two
venues given the same model see the same latencies. Requests and responses travel over ordered links: one model
is one link for every instrument, a model per instrument (`latency_links`) one link per instrument (a venue each,
as in a replay of two exchanges' captures). On a link the venue never lets a later request overtake an earlier
one, or a later response an earlier one; links are independent of each other.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "ClippedNormal",
    "ConstantLatency",
    "Empirical",
    "LatencyDistribution",
    "LatencyModel",
    "LatencySampler",
    "Lognormal",
    "RecordedLatency",
    "SampledLatency",
    "latency_links",
]

# Kernel codes for how response latencies are produced.
MODE_CONSTANT = 0
MODE_SAMPLED = 1
MODE_RECORDED = 2

SAMPLE_BLOCK = 4096
"""Sampled latencies are drawn this many at a time (the block boundaries are part of the sequence)."""


@dataclass(frozen=True, slots=True)
class Lognormal:
    """Latency whose logarithm is normal: median ``median_ns``, log-standard deviation ``sigma``."""

    median_ns: float
    sigma: float
    floor_ns: int = 0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.median_ns) and self.median_ns > 0):
            raise ValueError(f"Lognormal median_ns must be positive, got {self.median_ns}")
        if not (math.isfinite(self.sigma) and self.sigma >= 0):
            raise ValueError(f"Lognormal sigma must be >= 0, got {self.sigma}")
        _check_floor(self.floor_ns)

    def draw(self, rng: np.random.Generator, n: int) -> npt.NDArray[np.int64]:
        values = rng.lognormal(math.log(self.median_ns), self.sigma, n)
        return _to_ns(values, self.floor_ns)


@dataclass(frozen=True, slots=True)
class ClippedNormal:
    """Normal latency with mean ``mean_ns`` and standard deviation ``std_ns``, clipped below at ``floor_ns``."""

    mean_ns: float
    std_ns: float
    floor_ns: int = 0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.mean_ns) and math.isfinite(self.std_ns) and self.std_ns >= 0):
            raise ValueError(f"ClippedNormal needs a finite mean and std >= 0, got {self.mean_ns}, {self.std_ns}")
        _check_floor(self.floor_ns)

    def draw(self, rng: np.random.Generator, n: int) -> npt.NDArray[np.int64]:
        return _to_ns(rng.normal(self.mean_ns, self.std_ns, n), self.floor_ns)


@dataclass(frozen=True, slots=True, eq=False)
class Empirical:
    """Latency resampled uniformly, with replacement, from measured values (ns)."""

    samples_ns: npt.NDArray[np.int64]

    def __post_init__(self) -> None:
        samples = np.asarray(self.samples_ns, dtype=np.int64).copy()
        if samples.ndim != 1 or len(samples) == 0:
            raise ValueError("Empirical latency needs a non-empty 1-D array of samples")
        if (samples < 0).any():
            raise ValueError("Empirical latency samples must be >= 0 ns")
        samples.setflags(write=False)
        object.__setattr__(self, "samples_ns", samples)

    def draw(self, rng: np.random.Generator, n: int) -> npt.NDArray[np.int64]:
        picked: npt.NDArray[np.int64] = self.samples_ns[rng.integers(0, len(self.samples_ns), n)]
        return picked


LatencyDistribution = Lognormal | ClippedNormal | Empirical


def _check_floor(floor_ns: int) -> None:
    if floor_ns < 0:
        raise ValueError(f"floor_ns must be >= 0, got {floor_ns}")


def _to_ns(values: npt.NDArray[np.float64], floor_ns: int) -> npt.NDArray[np.int64]:
    rounded = np.rint(values)
    return np.maximum(rounded, float(floor_ns)).astype(np.int64)


class LatencySampler:
    """The running state of a latency model inside one venue.

    ``entry(t)`` is asked in Python when a request is sent. Responses are produced where the exchange runs (the
    compiled kernel or the reference); both read them the same way: ``mode``, ``constant_response`` and
    ``table`` (sampled: row 1 holds the current block of draws, consumed from ``cursor``; recorded: row 0 the
    times and row 1 the response latencies), with ``response(t)`` as the plain-Python statement.
    """

    def __init__(self, model: LatencyModel) -> None:
        self.model = model
        self.cursor = 0
        self.constant_response = 0
        self.step = False
        self._entry_block: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self._entry_cursor = 0
        self._entry_rng: np.random.Generator | None = None
        self._response_rng: np.random.Generator | None = None
        self._entry_ts: list[int] = []
        self._entry_values: list[int] = []
        self._response_values: list[int] = []
        if isinstance(model, ConstantLatency):
            self.mode = MODE_CONSTANT
            self.constant_response = model.response_ns
            self.table = np.zeros((2, 1), dtype=np.int64)
        elif isinstance(model, SampledLatency):
            self.mode = MODE_SAMPLED
            extra = [model.stream] if model.stream else []
            self._entry_rng = np.random.default_rng([model.seed, 0, *extra])
            self._response_rng = np.random.default_rng([model.seed, 1, *extra])
            self.table = np.zeros((2, SAMPLE_BLOCK), dtype=np.int64)
            self.refill()
        else:
            self.mode = MODE_RECORDED
            self.step = model.interpolation == "step"
            self.table = np.stack([model.ts, model.response_ns]).astype(np.int64)
            self._entry_ts = model.ts.tolist()
            self._entry_values = model.entry_ns.tolist()
            self._response_values = model.response_ns.tolist()

    def refill(self) -> None:
        """Draw the next block of response latencies (sampled model) and restart the cursor."""
        if self._response_rng is None or not isinstance(self.model, SampledLatency):
            raise RuntimeError("only a sampled latency model draws response blocks")
        table = np.zeros((2, SAMPLE_BLOCK), dtype=np.int64)
        table[1] = self.model.response.draw(self._response_rng, SAMPLE_BLOCK)
        self.table = table
        self.cursor = 0

    def entry(self, t: int) -> int:
        """Entry latency (ns) of a request sent at local time ``t``."""
        if self.mode == MODE_CONSTANT:
            assert isinstance(self.model, ConstantLatency)
            return self.model.entry_ns
        if self.mode == MODE_SAMPLED:
            if self._entry_cursor == len(self._entry_block):
                assert self._entry_rng is not None and isinstance(self.model, SampledLatency)
                self._entry_block = self.model.entry.draw(self._entry_rng, SAMPLE_BLOCK)
                self._entry_cursor = 0
            value = int(self._entry_block[self._entry_cursor])
            self._entry_cursor += 1
            return value
        return _read_series(self._entry_ts, self._entry_values, t, self.step)

    def response(self, t: int) -> int:
        """Response latency (ns) of a response emitted at exchange time ``t`` (consumes a draw when sampled)."""
        if self.mode == MODE_CONSTANT:
            return self.constant_response
        if self.mode == MODE_SAMPLED:
            if self.cursor == self.table.shape[1]:
                self.refill()
            value = int(self.table[1, self.cursor])
            self.cursor += 1
            return value
        return _read_series(self._entry_ts, self._response_values, t, self.step)


def _read_series(ts: list[int], values: list[int], t: int, step: bool) -> int:
    """The series' value at ``t``: clamped outside it, stepped or linearly interpolated inside."""
    if t <= ts[0]:
        return values[0]
    if t >= ts[-1]:
        return values[-1]
    j = bisect.bisect_right(ts, t) - 1
    if step:
        return values[j]
    return values[j] + int((values[j + 1] - values[j]) * ((t - ts[j]) / (ts[j + 1] - ts[j])))


@dataclass(frozen=True, slots=True)
class ConstantLatency:
    """Every request takes ``entry_ns`` to reach the exchange and every response ``response_ns`` to come back."""

    entry_ns: int = 0
    response_ns: int = 0

    def __post_init__(self) -> None:
        if self.entry_ns < 0 or self.response_ns < 0:
            raise ValueError(f"latencies must be >= 0 ns, got entry {self.entry_ns}, response {self.response_ns}")

    def sampler(self) -> LatencySampler:
        return LatencySampler(self)


@dataclass(frozen=True, slots=True)
class SampledLatency:
    """Entry and response latencies drawn independently from ``entry`` and ``response``, seeded by ``seed``.

    The draws come from numpy generators seeded ``[seed, 0]`` (entry) and ``[seed, 1]`` (response); a nonzero
    ``stream`` appends itself to both seeds, so the links of one venue (one model per instrument, one seed) draw
    independent latencies.
    """

    entry: LatencyDistribution
    response: LatencyDistribution
    seed: int = 0
    stream: int = 0

    def __post_init__(self) -> None:
        if self.stream < 0:
            raise ValueError(f"stream must be >= 0, got {self.stream}")

    def sampler(self) -> LatencySampler:
        return LatencySampler(self)


@dataclass(frozen=True, slots=True, eq=False)
class RecordedLatency:
    """A measured latency series: at time ``ts[k]`` entry took ``entry_ns[k]`` and the response ``response_ns[k]``.

    Values between samples are interpolated linearly (``interpolation="linear"``) or held from the previous
    sample (``"step"``); before the first and after the last sample the nearest one holds.
    """

    ts: npt.NDArray[np.int64]
    entry_ns: npt.NDArray[np.int64]
    response_ns: npt.NDArray[np.int64]
    interpolation: Literal["linear", "step"] = "linear"

    def __post_init__(self) -> None:
        ts = np.asarray(self.ts, dtype=np.int64).copy()
        entry = np.asarray(self.entry_ns, dtype=np.int64).copy()
        response = np.asarray(self.response_ns, dtype=np.int64).copy()
        if ts.ndim != 1 or len(ts) == 0 or entry.shape != ts.shape or response.shape != ts.shape:
            raise ValueError("RecordedLatency needs three 1-D arrays of the same non-zero length")
        if (np.diff(ts) <= 0).any():
            raise ValueError("RecordedLatency timestamps must be strictly increasing")
        if (entry < 0).any() or (response < 0).any():
            raise ValueError("RecordedLatency latencies must be >= 0 ns")
        if self.interpolation not in ("linear", "step"):
            raise ValueError(f"interpolation must be 'linear' or 'step', got {self.interpolation!r}")
        for name, array in (("ts", ts), ("entry_ns", entry), ("response_ns", response)):
            array.setflags(write=False)
            object.__setattr__(self, name, array)

    @classmethod
    def from_rows(cls, rows: npt.ArrayLike, interpolation: Literal["linear", "step"] = "linear") -> RecordedLatency:
        """From an ``(n, 3)`` array of ``(ts, entry_ns, response_ns)`` rows."""
        table = np.asarray(rows, dtype=np.int64)
        if table.ndim != 2 or table.shape[1] != 3:
            raise ValueError(f"expected rows of (ts, entry_ns, response_ns), got shape {table.shape}")
        return cls(table[:, 0], table[:, 1], table[:, 2], interpolation)

    def sampler(self) -> LatencySampler:
        return LatencySampler(self)


LatencyModel = ConstantLatency | SampledLatency | RecordedLatency


def latency_links(latency: LatencyModel | tuple[LatencyModel, ...], instruments: int) -> tuple[LatencyModel, ...]:
    """The model of each link of a venue with ``instruments`` instruments: ``latency`` itself, one link that every
    instrument shares, or a tuple of one model per instrument (instrument ``i``'s link ``i``)."""
    if not isinstance(latency, tuple):
        return (latency,)
    if len(latency) != instruments:
        raise ValueError(
            f"latency: {len(latency)} models for {instruments} instrument(s); give one model, or one per instrument"
        )
    for index, model in enumerate(latency):
        if not isinstance(model, ConstantLatency | SampledLatency | RecordedLatency):
            raise TypeError(f"latency[{index}]: expected a latency model, got {type(model).__name__}")
    return latency
