"""Hawkes processes with exponential kernels: exact simulation, intensity, compensator, time-rescaling and
log-likelihood, univariate and multivariate.

Parametrisation (as in REFERENCES.md): dimension i has intensity

    λ_i(t) = μ_i + Σ_j Σ_{t_k^j < t} α_ij · e^{−β_ij (t − t_k^j)}      (Hawkes 1971)

so one event of j adds ``α_ij`` to ``λ_i`` at once, decaying at rate ``β_ij``; its expected number of direct
offspring in i is the kernel's L1 norm ``G_ij = α_ij/β_ij`` (the branching matrix). The process is stationary when
the spectral radius ρ(G) < 1 (univariate: α < β) and then has mean intensity ``(I − G)⁻¹μ`` (univariate:
``μ/(1 − α/β)``).

The ``tick`` library writes the kernel as ``a_ij·β_ij·e^{−β_ij t}``: its *adjacency* ``a = α/β`` is our branching
matrix and its *decays* are our β, so ``α = a·β`` (`MultivariateHawkes.from_tick_parameters`).

Simulation is exact by the Dassios & Zhao (2013) decomposition (see `hft_core.flow._kernels`), which needs no
rejection step thanks to the kernel's monotone decay between events. The time-rescaling theorem (Brown et al.
2002; Ogata 1988) says the compensator increments ``Λ_i(t_k^i) − Λ_i(t_{k−1}^i)`` of a path are i.i.d. Exp(1)
under the true model: `rescaled_intervals` computes them, for a KS test (`hft_core.flow.calibration`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hft_core.flow import _kernels
from hft_core.flow._checks import (
    FloatArray,
    IntArray,
    SeedLike,
    as_event_times,
    as_float_matrix,
    as_float_vector,
    as_generator,
    require_count,
    require_nonnegative,
    require_positive,
)

__all__ = ["DEFAULT_MAX_EVENTS", "MarkedEvents", "MultivariateHawkes", "UnivariateHawkes"]

DEFAULT_MAX_EVENTS = 20_000_000
"""Simulation stops with an error past this many events (an explosive, non-stationary model would not stop)."""


def _read_only(array: npt.NDArray[np.generic]) -> None:
    array.flags.writeable = False


@dataclass(frozen=True, slots=True, eq=False)
class MarkedEvents:
    """Events of a D-dimensional point process on ``[0, horizon]``: sorted ``times`` and each event's dimension.

    ``marks[k]`` in ``0..dim−1`` is the dimension (e.g. 0 = buy market orders, 1 = sell) of the event at
    ``times[k]``.
    """

    times: FloatArray
    marks: IntArray
    dim: int
    horizon: float

    def __init__(self, times: npt.ArrayLike, marks: npt.ArrayLike, dim: int, horizon: float) -> None:
        dim = require_count("dim", dim)
        checked_times = as_event_times(times, horizon)
        checked_marks = np.ascontiguousarray(marks, dtype=np.int64)
        if checked_marks.shape != checked_times.shape:
            raise ValueError(f"marks must have the shape of times {checked_times.shape}, got {checked_marks.shape}")
        if checked_marks.size and (checked_marks.min() < 0 or checked_marks.max() >= dim):
            raise ValueError(
                f"marks must lie in 0..{dim - 1}, got range [{checked_marks.min()}, {checked_marks.max()}]"
            )
        _read_only(checked_times)
        _read_only(checked_marks)
        object.__setattr__(self, "times", checked_times)
        object.__setattr__(self, "marks", checked_marks)
        object.__setattr__(self, "dim", dim)
        object.__setattr__(self, "horizon", float(horizon))

    @classmethod
    def from_per_dimension(cls, per_dimension: Sequence[npt.ArrayLike], horizon: float) -> MarkedEvents:
        """Merge one sorted array of times per dimension (``tick``'s layout) into one marked stream."""
        arrays = [as_event_times(times, horizon) for times in per_dimension]
        if not arrays:
            raise ValueError("per_dimension must hold at least one array of times")
        times = np.concatenate(arrays)
        marks = np.concatenate([np.full(a.size, k, dtype=np.int64) for k, a in enumerate(arrays)])
        order = np.argsort(times, kind="stable")
        return cls(times[order], marks[order], len(arrays), horizon)

    def __len__(self) -> int:
        return int(self.times.size)

    def times_of(self, dimension: int) -> FloatArray:
        """The event times of one dimension."""
        if not 0 <= dimension < self.dim:
            raise ValueError(f"dimension must lie in 0..{self.dim - 1}, got {dimension}")
        selected: FloatArray = self.times[self.marks == dimension]
        return selected

    def counts(self) -> IntArray:
        """The number of events in each dimension."""
        return np.bincount(self.marks, minlength=self.dim).astype(np.int64)


@dataclass(frozen=True, slots=True, eq=False)
class MultivariateHawkes:
    """A D-dimensional Hawkes process with exponential kernels ``α_ij·e^{−β_ij t}`` (see the module docstring).

    ``mu``: baseline intensities (D,), >= 0 and not all 0; ``alpha``: jump sizes (D, D), >= 0, ``alpha[i, j]``
    being the excitation of dimension i by an event of j; ``beta``: decay rates, a scalar (shared) or (D, D), > 0.
    """

    mu: FloatArray
    alpha: FloatArray
    beta: FloatArray

    def __init__(self, mu: npt.ArrayLike, alpha: npt.ArrayLike, beta: npt.ArrayLike) -> None:
        baseline = as_float_vector("mu", mu)
        dim = baseline.shape[0]
        jumps = as_float_matrix("alpha", alpha, dim=dim)
        decays = as_float_matrix("beta", beta, dim=dim)
        if np.any(baseline < 0) or not np.any(baseline > 0):
            raise ValueError(f"mu must be >= 0 with at least one entry > 0, got {baseline}")
        if np.any(jumps < 0):
            raise ValueError(f"alpha must be >= 0 (only self- and cross-excitation), got\n{jumps}")
        if np.any(decays <= 0):
            raise ValueError(f"beta must be > 0, got\n{decays}")
        for array in (baseline, jumps, decays):
            _read_only(array)
        object.__setattr__(self, "mu", baseline)
        object.__setattr__(self, "alpha", jumps)
        object.__setattr__(self, "beta", decays)

    @classmethod
    def from_tick_parameters(
        cls, baseline: npt.ArrayLike, adjacency: npt.ArrayLike, decays: npt.ArrayLike
    ) -> MultivariateHawkes:
        """From ``tick``'s ``HawkesExpKern`` parameters (kernel ``a·β·e^{−βt}``): ``α = adjacency·decays``."""
        mu = as_float_vector("baseline", baseline)
        dim = mu.shape[0]
        beta = as_float_matrix("decays", decays, dim=dim)
        return cls(mu, as_float_matrix("adjacency", adjacency, dim=dim) * beta, beta)

    def to_tick_parameters(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``(baseline, adjacency, decays)`` for ``tick``: adjacency is the branching matrix α/β."""
        return self.mu.copy(), self.branching_matrix, self.beta.copy()

    @property
    def dim(self) -> int:
        return int(self.mu.shape[0])

    @property
    def branching_matrix(self) -> FloatArray:
        """``G = α/β`` elementwise: ``G_ij`` is the mean number of i-events directly triggered by one j-event."""
        matrix: FloatArray = self.alpha / self.beta
        return matrix

    @property
    def spectral_radius(self) -> float:
        """ρ(G), the largest |eigenvalue| of the branching matrix; stationary iff < 1."""
        return float(np.max(np.abs(np.linalg.eigvals(self.branching_matrix))))

    @property
    def is_stationary(self) -> bool:
        return self.spectral_radius < 1.0

    def require_stationary(self) -> None:
        """Raise ValueError unless ρ(G) < 1."""
        radius = self.spectral_radius
        if not radius < 1.0:
            raise ValueError(
                f"Hawkes process is not stationary: spectral radius of the branching matrix G = alpha/beta is "
                f"{radius:.6g} >= 1, so the event rate grows without bound and has no stationary mean"
            )

    @property
    def stationary_intensity(self) -> FloatArray:
        """Mean event rate of each dimension in the stationary regime, ``(I − G)⁻¹μ``; raises if not stationary."""
        self.require_stationary()
        return np.asarray(np.linalg.solve(np.eye(self.dim) - self.branching_matrix, self.mu), dtype=np.float64)

    # -- simulation -------------------------------------------------------------------------------------------
    def simulate(self, horizon: float, *, seed: SeedLike = None, max_events: int = DEFAULT_MAX_EVENTS) -> MarkedEvents:
        """An exact sample path on ``[0, horizon]`` started empty (no events before 0).

        The same seed gives the same path. Raises ValueError past ``max_events`` events (a non-stationary model
        explodes; a stationary one over a long horizon may simply need a larger cap).
        """
        horizon = require_positive("horizon", horizon)
        max_events = require_count("max_events", max_events)
        rng = as_generator(seed)
        dim = self.dim
        if self.is_stationary:
            expected = float(np.sum(self.stationary_intensity)) * horizon
            block = int(min(max(1.1 * expected + 64.0, 64.0), 1 << 20))
        else:
            block = 4096
        excitation = np.zeros((dim, dim))
        mu, alpha, beta = (np.array(a) for a in (self.mu, self.alpha, self.beta))
        time_chunks: list[FloatArray] = []
        mark_chunks: list[IntArray] = []
        total = 0
        t = 0.0
        while True:
            uniforms = rng.random((block, dim + dim * dim))
            out_times = np.empty(block)
            out_marks = np.empty(block, dtype=np.int64)
            written, t, finished = _kernels.simulate_block(
                mu, alpha, beta, horizon, t, excitation, uniforms, out_times, out_marks
            )
            time_chunks.append(out_times[:written])
            mark_chunks.append(out_marks[:written])
            total += int(written)
            if total > max_events:
                raise ValueError(
                    f"Hawkes simulation passed max_events={max_events} before horizon {horizon} "
                    f"(spectral radius {self.spectral_radius:.4g}); shorten the horizon or raise max_events"
                )
            if finished:
                break
            block = min(2 * block, 1 << 20)
        return MarkedEvents(np.concatenate(time_chunks), np.concatenate(mark_chunks), dim, horizon)

    # -- path functionals ---------------------------------------------------------------------------------------
    def _check_events(self, events: MarkedEvents) -> None:
        if events.dim != self.dim:
            raise ValueError(f"events have {events.dim} dimensions but the model has {self.dim}")

    def _state(self, events: MarkedEvents, at: npt.ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(query times as 1-D, R_ij and N_j just before each) in the caller's order."""
        self._check_events(events)
        query = np.asarray(at, dtype=np.float64).reshape(-1)
        if not np.all(np.isfinite(query)):
            raise ValueError("query times must be finite")
        order = np.argsort(query, kind="stable")
        decayed_sorted, counts_sorted = _kernels.state_at(
            events.times, events.marks, np.array(self.beta), np.ascontiguousarray(query[order])
        )
        decayed = np.empty_like(decayed_sorted)
        counts = np.empty_like(counts_sorted)
        decayed[order] = decayed_sorted
        counts[order] = counts_sorted
        return query, decayed, counts

    def intensity(self, events: MarkedEvents, at: npt.ArrayLike) -> FloatArray:
        """λ_i(t−) at each query time (events at t itself excluded); shape ``(len(at), D)``."""
        _, decayed, _ = self._state(events, at)
        values: FloatArray = self.mu + np.einsum("qij,ij->qi", decayed, self.alpha)
        return values

    def compensator(self, events: MarkedEvents, at: npt.ArrayLike) -> FloatArray:
        """``Λ_i(t) = ∫₀ᵗ λ_i(s) ds`` at each query time (>= 0); shape ``(len(at), D)``."""
        query, decayed, counts = self._state(events, at)
        if np.any(query < 0):
            raise ValueError("compensator query times must be >= 0")
        excess = counts[:, None, :] - decayed
        values: FloatArray = query[:, None] * self.mu + np.einsum("qij,ij->qi", excess, self.branching_matrix)
        return values

    def rescaled_intervals(self, events: MarkedEvents) -> list[FloatArray]:
        """Per dimension, the compensator increments between its successive events (from Λ_i(0) = 0).

        Under the true model they are i.i.d. Exp(1) (time-rescaling theorem).
        """
        at_events = self.compensator(events, events.times)
        own = at_events[np.arange(len(events)), events.marks]
        return [np.diff(own[events.marks == i], prepend=0.0) for i in range(self.dim)]

    def log_likelihood(self, events: MarkedEvents) -> float:
        """``ℓ = Σ_k ln λ_{m_k}(t_k−) − Σ_i Λ_i(T)`` on ``[0, events.horizon]``, in O(n·D²)."""
        return self.log_likelihood_and_gradient(events)[0]

    def log_likelihood_and_gradient(self, events: MarkedEvents) -> tuple[float, FloatArray, FloatArray, FloatArray]:
        """``(ℓ, ∂ℓ/∂μ, ∂ℓ/∂α, ∂ℓ/∂β)``, the gradient in closed form from the same O(n) pass."""
        self._check_events(events)
        value, grad_mu, grad_alpha, grad_beta = _kernels.loglik_grad(
            events.times,
            events.marks,
            events.horizon,
            np.array(self.mu),
            np.array(self.alpha),
            np.array(self.beta),
        )
        return float(value), grad_mu, grad_alpha, grad_beta


@dataclass(frozen=True, slots=True)
class UnivariateHawkes:
    """A one-dimensional exponential Hawkes process ``λ(t) = μ + Σ_{t_i < t} α·e^{−β(t − t_i)}``.

    ``mu`` > 0 is the baseline rate, ``alpha`` >= 0 the jump in intensity per event, ``beta`` > 0 its decay
    rate; ``alpha/beta`` is the branching ratio (``tick``'s adjacency). Stationary iff ``alpha < beta``.
    """

    mu: float
    alpha: float
    beta: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "mu", require_positive("mu", self.mu))
        object.__setattr__(self, "alpha", require_nonnegative("alpha", self.alpha))
        object.__setattr__(self, "beta", require_positive("beta", self.beta))

    @classmethod
    def from_tick_parameters(cls, baseline: float, adjacency: float, decay: float) -> UnivariateHawkes:
        """From ``tick``'s parameters (kernel ``a·β·e^{−βt}``): ``α = adjacency·decay``."""
        return cls(baseline, adjacency * decay, decay)

    def to_tick_parameters(self) -> tuple[float, float, float]:
        """``(baseline, adjacency, decay)`` for ``tick``: adjacency is the branching ratio α/β."""
        return self.mu, self.branching_ratio, self.beta

    def as_multivariate(self) -> MultivariateHawkes:
        return MultivariateHawkes([self.mu], [[self.alpha]], [[self.beta]])

    @property
    def branching_ratio(self) -> float:
        """α/β: the mean number of events directly triggered by one event."""
        return self.alpha / self.beta

    @property
    def is_stationary(self) -> bool:
        return self.alpha < self.beta

    def require_stationary(self) -> None:
        """Raise ValueError unless α < β."""
        if not self.is_stationary:
            raise ValueError(
                f"Hawkes process is not stationary: branching ratio alpha/beta = {self.alpha:g}/{self.beta:g} "
                f"= {self.branching_ratio:.6g} >= 1 (needs alpha < beta), so it has no stationary mean rate"
            )

    @property
    def stationary_intensity(self) -> float:
        """The stationary mean event rate ``μ/(1 − α/β)``; raises if not stationary."""
        self.require_stationary()
        return self.mu / (1.0 - self.branching_ratio)

    def simulate(self, horizon: float, *, seed: SeedLike = None, max_events: int = DEFAULT_MAX_EVENTS) -> FloatArray:
        """Sorted event times of an exact sample path on ``[0, horizon]`` started empty."""
        return np.array(self.as_multivariate().simulate(horizon, seed=seed, max_events=max_events).times)

    def _events(self, event_times: npt.ArrayLike, horizon: float | None) -> MarkedEvents:
        times = as_event_times(event_times, horizon)
        if horizon is None:
            horizon = float(times[-1]) if times.size and times[-1] > 0 else 1.0
        return MarkedEvents(times, np.zeros(times.size, dtype=np.int64), 1, horizon)

    def intensity(self, event_times: npt.ArrayLike, at: npt.ArrayLike) -> FloatArray:
        """λ(t−) at each query time, given the sorted event times; shape ``(len(at),)``."""
        values: FloatArray = self.as_multivariate().intensity(self._events(event_times, None), at)[:, 0]
        return values

    def compensator(self, event_times: npt.ArrayLike, at: npt.ArrayLike) -> FloatArray:
        """``Λ(t) = μt + (α/β)·Σ_{t_i < t}(1 − e^{−β(t − t_i)})`` at each query time; shape ``(len(at),)``."""
        values: FloatArray = self.as_multivariate().compensator(self._events(event_times, None), at)[:, 0]
        return values

    def rescaled_intervals(self, event_times: npt.ArrayLike) -> FloatArray:
        """Compensator increments ``Λ(t_k) − Λ(t_{k−1})`` (with ``Λ(t_0) = 0``): i.i.d. Exp(1) if the model is true."""
        return self.as_multivariate().rescaled_intervals(self._events(event_times, None))[0]

    def log_likelihood(self, event_times: npt.ArrayLike, horizon: float) -> float:
        """``ℓ = −μT − (α/β)·Σ(1 − e^{−β(T − t_i)}) + Σ ln(μ + α·R_i)`` with the O(n) recursion for R_i."""
        return self.as_multivariate().log_likelihood(self._events(event_times, horizon))
