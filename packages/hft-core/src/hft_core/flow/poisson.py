"""Poisson order flow: event times of homogeneous and piecewise-constant-rate Poisson processes.

Simulated by the order-statistics property (given ``N(T) = n``, the n event times are i.i.d. uniform on the
interval, sorted; e.g. Ross, *Simulation*, ch. 5), segment by segment for a piecewise-constant rate. This is
exact and fully vectorised. The compensator ``Λ(t) = ∫₀ᵗ λ(s) ds`` maps the events to a unit-rate process
(time-rescaling), the same goodness-of-fit check used for Hawkes flow in `hft_core.flow.hawkes`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hft_core.flow._checks import FloatArray, SeedLike, as_generator, require_nonnegative, require_positive

__all__ = ["PiecewiseConstantRate", "poisson_event_times"]


def poisson_event_times(rate: float, horizon: float, *, seed: SeedLike = None) -> FloatArray:
    """Sorted event times on ``[0, horizon)`` of a homogeneous Poisson process with intensity ``rate``."""
    rate = require_nonnegative("rate", rate)
    horizon = require_positive("horizon", horizon)
    rng = as_generator(seed)
    count = int(rng.poisson(rate * horizon))
    times: FloatArray = np.sort(rng.random(count)) * horizon
    return times


@dataclass(frozen=True, slots=True, eq=False)
class PiecewiseConstantRate:
    """An intensity equal to ``rates[k]`` on ``[breakpoints[k], breakpoints[k + 1])``.

    ``breakpoints`` are strictly increasing, start at 0 and end at the horizon; ``rates`` (>= 0) has one entry
    per segment. Useful for intraday seasonality (busy open and close, quiet lunch).
    """

    breakpoints: FloatArray
    rates: FloatArray

    def __init__(self, breakpoints: npt.ArrayLike, rates: npt.ArrayLike) -> None:
        edges = np.asarray(breakpoints, dtype=np.float64)
        values = np.asarray(rates, dtype=np.float64)
        if edges.ndim != 1 or edges.size < 2:
            raise ValueError(f"breakpoints must be a 1-D array of at least 2 times, got shape {edges.shape}")
        if values.shape != (edges.size - 1,):
            raise ValueError(f"rates must have one entry per segment ({edges.size - 1}), got shape {values.shape}")
        if not (np.all(np.isfinite(edges)) and np.all(np.isfinite(values))):
            raise ValueError("breakpoints and rates must be finite")
        if edges[0] != 0.0:
            raise ValueError(f"breakpoints must start at 0, got {edges[0]}")
        if np.any(np.diff(edges) <= 0):
            raise ValueError("breakpoints must be strictly increasing")
        if np.any(values < 0):
            raise ValueError(f"rates must be >= 0, got {values}")
        object.__setattr__(self, "breakpoints", edges)
        object.__setattr__(self, "rates", values)

    @property
    def horizon(self) -> float:
        """The end of the last segment."""
        return float(self.breakpoints[-1])

    def rate_at(self, times: npt.ArrayLike) -> FloatArray:
        """λ(t) at each of ``times`` (0 outside ``[0, horizon)``)."""
        t = np.asarray(times, dtype=np.float64)
        segment = np.searchsorted(self.breakpoints, t, side="right") - 1
        inside = (segment >= 0) & (segment < self.rates.size)
        out: FloatArray = np.where(inside, self.rates[np.clip(segment, 0, self.rates.size - 1)], 0.0)
        return out

    def compensator(self, times: npt.ArrayLike) -> FloatArray:
        """``Λ(t) = ∫₀ᵗ λ(s) ds`` at each of ``times`` (clipped to ``[0, horizon]``)."""
        t = np.clip(np.asarray(times, dtype=np.float64), 0.0, self.horizon)
        cumulative = np.concatenate(([0.0], np.cumsum(self.rates * np.diff(self.breakpoints))))
        segment = np.clip(np.searchsorted(self.breakpoints, t, side="right") - 1, 0, self.rates.size - 1)
        out: FloatArray = cumulative[segment] + self.rates[segment] * (t - self.breakpoints[segment])
        return out

    def simulate(self, *, seed: SeedLike = None) -> FloatArray:
        """Sorted event times on ``[0, horizon)``, independently Poisson within each segment."""
        rng = as_generator(seed)
        lengths = np.diff(self.breakpoints)
        counts = rng.poisson(self.rates * lengths)
        segment_of_event = np.repeat(np.arange(self.rates.size), counts)
        offsets = rng.random(segment_of_event.size) * lengths[segment_of_event]
        times: FloatArray = np.sort(self.breakpoints[segment_of_event] + offsets)
        return times
