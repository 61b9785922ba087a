"""Latent fair values: the price paths the simulated market's participants believe in.

A `FairValuePaths` holds one or more price paths sampled every ``step_ns`` from the start of the run; a market
reads its path as a step function. `gbm_fair_values` samples independent geometric Brownian motions exactly
(``ln S`` has i.i.d. ``N(−σ²Δ/2, σ²Δ)`` increments, Black & Scholes 1973). It is written out here rather than
taken from `hft_core.flow.paths`, whose import pulls in numba and scipy and would double the wall time of a
default ``hft run``; richer paths (cointegrated baskets, jumps) come from `hft_core.flow` in the scenarios that
need them.

A `StreamedFairValues` reads the same way but computes its points a chunk at a time as a run reaches them, so a
market's memory does not grow with the duration: `GbmFairValues` (`gbm_fair_values`' paths) and
`CointegratedFairValues` (the ``cointegrated-pair`` market's, `hft_core.flow.paths.cointegrated_paths`' values),
each bit for bit the values of the whole computation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "FAIR_CHUNK_POINTS",
    "MAX_FAIR_POINTS",
    "CointegratedFairValues",
    "FairValuePaths",
    "GbmFairValues",
    "StreamedFairValues",
    "check_fair_path",
    "gbm_fair_values",
]

_NS_PER_S = 1_000_000_000


@dataclass(frozen=True, slots=True, eq=False)
class FairValuePaths:
    """Fair-value price paths (quote currency), shape ``(n_paths, n_points)``, one point every ``step_ns``.

    Point ``k`` holds from ``k·step_ns`` after the start of the run until the next point; past the last point the
    last value holds.
    """

    prices: npt.NDArray[np.float64]
    step_ns: int

    def __post_init__(self) -> None:
        prices = np.asarray(self.prices, dtype=np.float64)
        if prices.ndim != 2 or prices.shape[1] < 1:
            raise ValueError(f"fair-value prices must have shape (n_paths, n_points), got {prices.shape}")
        if not np.all(np.isfinite(prices)) or np.any(prices <= 0):
            raise ValueError("fair-value prices must be finite and > 0")
        if not isinstance(self.step_ns, int) or self.step_ns <= 0:
            raise ValueError(f"step_ns must be a positive integer, got {self.step_ns!r}")
        prices.flags.writeable = False
        object.__setattr__(self, "prices", prices)

    @property
    def n_paths(self) -> int:
        """How many paths there are."""
        return int(self.prices.shape[0])

    @property
    def n_points(self) -> int:
        """How many points each path has."""
        return int(self.prices.shape[1])

    @property
    def chunk_points(self) -> int:
        """Every point, read as one chunk (`StreamedFairValues` reads in smaller ones)."""
        return int(self.prices.shape[1])

    @property
    def span_ns(self) -> int:
        """The time from the start to the last point."""
        return (int(self.prices.shape[1]) - 1) * self.step_ns

    def price_at(self, path: int, offset_ns: int) -> float:
        """The fair price of ``path`` at ``offset_ns`` after the start (clamped to the sampled span)."""
        point = min(max(offset_ns // self.step_ns, 0), int(self.prices.shape[1]) - 1)
        return float(self.prices[path, point])


def gbm_fair_values(
    start_prices: float | Sequence[float],
    volatility: float,
    duration_s: float,
    *,
    step_ns: int = 10_000_000,
    seed: int | np.random.SeedSequence | None = None,
) -> FairValuePaths:
    """Independent driftless GBM fair values, one per start price, covering ``duration_s`` seconds.

    ``volatility`` is σ per square-root second (relative): ``1e-4`` moves a price of 100 by about one cent,
    one tick of 0.01, per √s. The whole paths, in memory; `GbmFairValues` streams the same values chunk by chunk.
    """
    return GbmFairValues(start_prices, volatility, duration_s, step_ns=step_ns, seed=seed).materialize()


FAIR_CHUNK_POINTS = 1 << 16
"""How many points of one path a `StreamedFairValues` computes at a time (512 KiB of float64; 655 s of market
time at the default 10 ms step)."""


class StreamedFairValues:
    """Fair-value paths computed a chunk of `chunk_points` points at a time, as a run reaches them, so their memory
    does not grow with the duration. Reads like `FairValuePaths` (point ``k`` holds from ``k·step_ns`` after the
    start until the next point; past the last point the last value holds); a subclass computes one chunk
    (`_compute`) and this class keeps the last `_KEPT` chunks of each path it was asked for.
    """

    _KEPT = 2

    __slots__ = ("_chunk_points", "_kept", "_n_paths", "_n_points", "_step_ns")

    def __init__(self, n_paths: int, n_points: int, step_ns: int, chunk_points: int) -> None:
        if not isinstance(step_ns, int) or step_ns <= 0:
            raise ValueError(f"step_ns must be a positive integer, got {step_ns!r}")
        if n_paths < 1 or n_points < 1 or chunk_points < 2:
            raise ValueError(f"bad fair-value stream shape: {n_paths} paths, {n_points} points, chunk {chunk_points}")
        self._n_paths = n_paths
        self._n_points = n_points
        self._step_ns = step_ns
        self._chunk_points = chunk_points
        self._kept: list[dict[int, npt.NDArray[np.float64]]] = [{} for _ in range(n_paths)]

    @property
    def n_paths(self) -> int:
        """How many paths there are."""
        return self._n_paths

    @property
    def n_points(self) -> int:
        """How many points each path has."""
        return self._n_points

    @property
    def step_ns(self) -> int:
        """The time between two points."""
        return self._step_ns

    @property
    def chunk_points(self) -> int:
        """How many points one chunk holds (the last chunk may hold fewer)."""
        return self._chunk_points

    @property
    def span_ns(self) -> int:
        """The time from the start to the last point."""
        return (self._n_points - 1) * self._step_ns

    def chunk(self, path: int, index: int) -> npt.NDArray[np.float64]:
        """Points ``index·chunk_points`` up to the next chunk's first (or the end) of ``path``, read-only."""
        if not 0 <= path < self._n_paths:
            raise IndexError(f"fair-value path {path} out of range (there are {self._n_paths})")
        if not 0 <= index * self._chunk_points < self._n_points:
            raise IndexError(f"fair-value chunk {index} out of range")
        kept = self._kept[path]
        found = kept.get(index)
        if found is None:
            found = self._compute(path, index)
            if not np.all(np.isfinite(found)) or np.any(found <= 0):
                raise ValueError("fair-value prices must be finite and > 0")
            found.flags.writeable = False
            kept[index] = found
            while len(kept) > self._KEPT:
                del kept[next(iter(kept))]
        return found

    def chunks_held(self) -> int:
        """How many chunks are held now, all paths together."""
        return sum(len(kept) for kept in self._kept)

    def price_at(self, path: int, offset_ns: int) -> float:
        """The fair price of ``path`` at ``offset_ns`` after the start (clamped to the sampled span)."""
        point = min(max(offset_ns // self._step_ns, 0), self._n_points - 1)
        index, within = divmod(point, self._chunk_points)
        return float(self.chunk(path, index)[within])

    def materialize(self) -> FairValuePaths:
        """Every point of every path at once (memory ∝ duration: for tests and short paths)."""
        n_chunks = -(-self._n_points // self._chunk_points)
        prices = np.empty((self._n_paths, self._n_points))
        for path in range(self._n_paths):
            for index in range(n_chunks):
                self._compute(path, index, prices[path])
        return FairValuePaths(prices, self._step_ns)

    def _compute(self, path: int, index: int, whole: npt.NDArray[np.float64] | None = None) -> npt.NDArray[np.float64]:
        """Chunk ``index`` of ``path``, computed (not from the kept chunks); written in its place in ``whole`` (the
        path's every point, from the chunks before it) when given, else in an array of its own."""
        raise NotImplementedError


class GbmFairValues(StreamedFairValues):
    """`gbm_fair_values`' paths streamed: the same values bit for bit, a chunk at a time.

    The values are those of one ``standard_normal((paths, steps))`` draw turned into ``starts · exp(cumsum(drift +
    scale · shocks))``: each chunk draws its shocks where the single draw had them (the generator's state is noted
    at the start of every chunk reached, a few hundred bytes each) and carries the running sum over from the chunk
    before. A path after the first starts where the one draw would have: the previous paths' draws are made and
    dropped, a chunk at a time, when the stream is built.
    """

    __slots__ = ("_carry", "_drift", "_live", "_scale", "_starts", "_states")

    def __init__(
        self,
        start_prices: float | Sequence[float],
        volatility: float,
        duration_s: float,
        *,
        step_ns: int = 10_000_000,
        seed: int | np.random.SeedSequence | None = None,
        chunk_points: int = FAIR_CHUNK_POINTS,
    ) -> None:
        starts = np.atleast_1d(np.asarray(start_prices, dtype=np.float64))
        if starts.ndim != 1 or not np.all(np.isfinite(starts)) or np.any(starts <= 0):
            raise ValueError(f"start prices must be finite and > 0, got {start_prices!r}")
        if not math.isfinite(volatility) or volatility < 0:
            raise ValueError(f"volatility must be finite and >= 0, got {volatility!r}")
        if not math.isfinite(duration_s) or duration_s <= 0:
            raise ValueError(f"duration_s must be finite and > 0, got {duration_s!r}")
        if not isinstance(step_ns, int) or step_ns <= 0:
            raise ValueError(f"step_ns must be a positive integer, got {step_ns!r}")
        check_fair_path(duration_s, step_ns, starts.size)
        n_steps = math.ceil(duration_s * _NS_PER_S / step_ns) + 1
        super().__init__(starts.size, n_steps + 1, step_ns, chunk_points)
        dt = step_ns / _NS_PER_S
        self._drift, self._scale = -0.5 * volatility**2 * dt, volatility * math.sqrt(dt)
        self._starts = [float(start) for start in starts]
        rng = np.random.default_rng(seed)
        # Each path's generator, where its next chunk's draws begin, and its states at each chunk reached.
        self._live: list[np.random.Generator] = []
        self._states: list[list[Mapping[str, Any]]] = []
        self._carry: list[list[float]] = []
        skip = np.empty(min(chunk_points, n_steps))
        for path in range(starts.size):
            self._live.append(_copy_generator(rng))
            self._states.append([rng.bit_generator.state])
            self._carry.append([0.0])
            if path + 1 < starts.size:
                for first in range(0, n_steps, skip.size):
                    rng.standard_normal(out=skip[: min(skip.size, n_steps - first)])

    def _draws(self, index: int) -> int:
        """How many normal draws chunk ``index`` takes (point 0 of a path takes none)."""
        first = index * self._chunk_points
        count = min(self._chunk_points, self._n_points - first)
        return count - 1 if index == 0 else count

    def _compute(self, path: int, index: int, whole: npt.NDArray[np.float64] | None = None) -> npt.NDArray[np.float64]:
        states, carries = self._states[path], self._carry[path]
        while len(states) <= index:  # reach the chunk, noting each state and running sum on the way
            self._advance(path)
        if len(states) == index + 1:  # the live generator stands at this chunk's draws
            rng = self._live[path]
            values, carry = self._values(path, index, rng, carries[index], whole)
            states.append(rng.bit_generator.state)
            carries.append(carry)
            return values
        rng = np.random.Generator(type(self._live[path].bit_generator)())
        rng.bit_generator.state = states[index]
        return self._values(path, index, rng, carries[index], whole)[0]

    def _advance(self, path: int) -> None:
        index = len(self._states[path]) - 1
        rng = self._live[path]
        values, carry = self._values(path, index, rng, self._carry[path][index])
        self._states[path].append(rng.bit_generator.state)
        self._carry[path].append(carry)
        kept = self._kept[path]
        if index not in kept:  # computed anyway: keep it like a chunk asked for
            values.flags.writeable = False
            kept[index] = values
            while len(kept) > self._KEPT:
                del kept[next(iter(kept))]

    def _values(
        self,
        path: int,
        index: int,
        rng: np.random.Generator,
        carry: float,
        whole: npt.NDArray[np.float64] | None = None,
    ) -> tuple[npt.NDArray[np.float64], float]:
        """Chunk ``index``'s prices from ``rng`` (standing at its draws) and the log sum before it (in ``whole`` at
        their place when given, see `_compute`); and the log sum at its last point."""
        draws = self._draws(index)
        # The first chunk starts at 0 with no draw; a later one prepends the running sum (in ``whole``, over the
        # previous chunk's last price for the while). Then the same in-place operations as on the whole row, so
        # each value is the one-draw value bit for bit.
        first = index * self._chunk_points - (index > 0)
        row = np.empty(draws + 1) if whole is None else whole[first : first + draws + 1]
        before = float(row[0])
        row[0] = carry
        steps = row[1:]
        rng.standard_normal(out=steps)
        steps *= self._scale
        steps += self._drift
        if index == 0:
            np.cumsum(steps, out=steps)
        else:
            np.cumsum(row, out=row)
            row = row[1:]
        last = float(row[-1])
        np.exp(row, out=row)
        row *= self._starts[path]
        if whole is not None and index > 0:
            whole[first] = before
        return row, last


class CointegratedFairValues(StreamedFairValues):
    """A leg (path 0) and a target cointegrated with it in logs (path 1), streamed: the values of
    `hft_core.flow.paths.cointegrated_paths` for one leg with no drift and the spread started at its mean 0, bit
    for bit, a chunk at a time (the ``cointegrated-pair`` market's fair values).

    The leg is a GBM (``volatility`` per √s), the target ``intercept + hedge_ratio · ln leg + spread`` with an OU
    spread (reversion ``mean_reversion``, ``spread_volatility``), on ``n_steps`` steps over ``horizon_s``. As the one
    computation, the leg's shocks come first from the generator, then the spread's: the spread's stream starts
    where the leg's ``n_steps`` draws end (drawn and dropped, a chunk at a time, when the stream is built). Each
    chunk carries over the leg's running log sum and the spread filter's state from the chunk before.
    """

    __slots__ = (
        "_ar",
        "_increment",
        "_intercept",
        "_leg_rng",
        "_log_start",
        "_ou_rng",
        "_ratio",
        "_scale",
        "_shock_std",
        "_states",
    )

    def __init__(
        self,
        leg_price: float,
        volatility: float,
        hedge_ratio: float,
        mean_reversion: float,
        spread_volatility: float,
        horizon_s: float,
        n_steps: int,
        *,
        intercept: float,
        step_ns: int,
        seed: int | np.random.SeedSequence | None = None,
        chunk_points: int = FAIR_CHUNK_POINTS,
    ) -> None:
        for name, value in (("leg price", leg_price), ("mean_reversion", mean_reversion)):
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be finite and > 0, got {value!r}")
        for name, value in (("volatility", volatility), ("spread_volatility", spread_volatility)):
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
        if not math.isfinite(horizon_s) or horizon_s <= 0 or n_steps < 1:
            raise ValueError(f"bad horizon: {horizon_s!r} s in {n_steps!r} steps")
        super().__init__(2, n_steps + 1, step_ns, chunk_points)
        dt = float(horizon_s) / int(n_steps)
        vols = np.asarray([volatility], dtype=np.float64)
        # The one computation's constants, computed as it computes them (1-element arrays, the same operations).
        self._increment = (np.zeros(1) - 0.5 * vols**2) * dt
        self._scale = vols * math.sqrt(dt)
        self._log_start = np.log(np.asarray([leg_price], dtype=np.float64))
        self._ratio = np.asarray([hedge_ratio], dtype=np.float64)
        self._intercept = float(intercept)
        self._ar = math.exp(-mean_reversion * dt)
        self._shock_std = spread_volatility * math.sqrt(
            -math.expm1(-2.0 * mean_reversion * dt) / (2.0 * mean_reversion)
        )
        rng = np.random.default_rng(seed)
        self._leg_rng = _copy_generator(rng)
        skip = np.empty(min(chunk_points, n_steps))
        for first in range(0, n_steps, skip.size):
            rng.standard_normal(out=skip[: min(skip.size, n_steps - first)])
        self._ou_rng = rng
        # At each chunk reached: both generators' states, the leg's log sum and the spread filter's state before it.
        self._states: list[tuple[Mapping[str, Any], Mapping[str, Any], float, float]] = [
            (self._leg_rng.bit_generator.state, rng.bit_generator.state, 0.0, self._ar * 0.0)
        ]

    def _compute(self, path: int, index: int, whole: npt.NDArray[np.float64] | None = None) -> npt.NDArray[np.float64]:
        while len(self._states) <= index:
            self._pair(len(self._states) - 1, self._leg_rng, self._ou_rng, note=True)
        if len(self._states) == index + 1:
            leg, target = self._pair(index, self._leg_rng, self._ou_rng, note=True)
        else:
            leg_state, ou_state, _, _ = self._states[index]
            leg_rng = np.random.Generator(type(self._leg_rng.bit_generator)())
            leg_rng.bit_generator.state = leg_state
            ou_rng = np.random.Generator(type(self._ou_rng.bit_generator)())
            ou_rng.bit_generator.state = ou_state
            leg, target = self._pair(index, leg_rng, ou_rng, note=False)
        values = leg if path == 0 else target
        if whole is not None:
            first = index * self._chunk_points
            whole[first : first + values.size] = values
        return values

    def _pair(
        self, index: int, leg_rng: np.random.Generator, ou_rng: np.random.Generator, *, note: bool
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Chunk ``index`` of the leg and of the target, from generators standing at its draws; with ``note``, the
        state after it is noted as the next chunk's."""
        from scipy.signal import lfilter  # only the cointegrated market pays for the import

        _, _, leg_sum, ou_state = self._states[index]
        first = index * self._chunk_points
        count = min(self._chunk_points, self._n_points - first)
        draws = count - 1 if index == 0 else count
        increments = self._increment + self._scale * leg_rng.standard_normal(draws)
        sums = np.empty(draws + 1)
        sums[0] = leg_sum
        if index == 0:
            np.cumsum(increments, out=sums[1:])
        else:
            sums[1:] = increments
            np.cumsum(sums, out=sums)
            sums = sums[1:]
        log_leg = self._log_start + sums
        shocks = self._shock_std * ou_rng.standard_normal(draws)
        filtered, final = lfilter([1.0], [1.0, -self._ar], shocks, zi=[ou_state])
        if index == 0:
            deviation = np.empty(draws + 1)
            deviation[0] = 0.0
            deviation[1:] = filtered
        else:
            deviation = filtered
        spread = 0.0 + deviation
        log_target = self._intercept + np.matmul(log_leg[:, None], self._ratio) + spread
        if note:
            self._states.append(
                (leg_rng.bit_generator.state, ou_rng.bit_generator.state, float(sums[-1]), float(final[0]))
            )
        return np.exp(log_leg), np.exp(log_target)


def _copy_generator(rng: np.random.Generator) -> np.random.Generator:
    copy = np.random.Generator(type(rng.bit_generator)())
    copy.bit_generator.state = rng.bit_generator.state
    return copy


MAX_FAIR_POINTS = 2**25
"""The most fair-value points a simulated market's paths may have (all its paths together): 256 MiB of float64,
e.g. one instrument for 3.9 days of market time at the default 10 ms step. Whole `FairValuePaths` (plugin markets)
hold them all, so a longer run is refused before it starts rather than running out of memory; hft-core's own
markets stream theirs (`StreamedFairValues`) and keep the same bound on the duration."""


def check_fair_path(duration_s: float, step_ns: int, n_paths: int = 1) -> None:
    """Refuse (``ValueError``, shown as one line) fair-value paths over `MAX_FAIR_POINTS` for ``duration_s``."""
    points = n_paths * (duration_s * _NS_PER_S / step_ns + 2)
    if points > MAX_FAIR_POINTS:
        longest_s = (MAX_FAIR_POINTS / n_paths - 2) * step_ns / _NS_PER_S
        raise ValueError(
            f"a duration of {duration_s:g} s needs {points:.3g} fair-value points ({points * 8 / 2**30:.3g} GiB) "
            f"at a {step_ns / 1e6:g} ms step for {n_paths} path(s); the simulated market holds at most "
            f"{MAX_FAIR_POINTS:,} ({longest_s:,.0f} s at this step): shorten --duration or raise "
            "scenario.fair_step_ms"
        )
