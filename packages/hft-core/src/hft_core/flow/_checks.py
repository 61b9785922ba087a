"""Shared input validation and seeding for `hft_core.flow`.

Every public function in the flow package checks its arguments here, so a bad value (negative volatility, a
non-PSD correlation matrix, a shape mismatch) fails early with a ValueError that names the argument and says
what was expected, instead of producing NaNs deep inside a simulation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

__all__ = [
    "FloatArray",
    "IntArray",
    "SeedLike",
    "as_event_times",
    "as_float_matrix",
    "as_float_vector",
    "as_generator",
    "correlation_factor",
    "jit",
    "require_count",
    "require_finite",
    "require_nonnegative",
    "require_positive",
    "require_probability",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
SeedLike = int | np.random.SeedSequence | np.random.Generator | None
"""A seed for `numpy.random.default_rng`, or a Generator to draw from (it is advanced, not copied)."""

_F = TypeVar("_F", bound=Callable[..., Any])

# Tolerances for "symmetric", "unit diagonal" and "positive semi-definite": they absorb float round-off in a
# matrix typed or computed by a user, not genuine violations.
_MATRIX_ATOL = 1e-10


def jit(func: _F) -> _F:
    """Compile ``func`` with numba (nopython, cached); the plain Python original stays importable under its name."""
    return cast(_F, numba.njit(cache=True)(func))


def as_generator(seed: SeedLike) -> np.random.Generator:
    """The Generator to draw from: ``seed`` itself if it is one, else a fresh one seeded with it."""
    return np.random.default_rng(seed)


def require_finite(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def require_positive(name: str, value: float) -> float:
    value = require_finite(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def require_nonnegative(name: str, value: float) -> float:
    value = require_finite(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def require_probability(name: str, value: float) -> float:
    value = require_finite(name, value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {value}")
    return value


def require_count(name: str, value: int, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def as_float_vector(name: str, value: npt.ArrayLike, *, length: int | None = None) -> FloatArray:
    """``value`` as a finite 1-D float array (a scalar becomes length 1, or ``length`` when given)."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        array = np.full(1 if length is None else length, float(array))
    if array.ndim != 1:
        raise ValueError(f"{name} must be a scalar or a 1-D array, got shape {array.shape}")
    if length is not None and array.shape[0] != length:
        raise ValueError(f"{name} must have length {length}, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, got {array}")
    return array


def as_float_matrix(name: str, value: npt.ArrayLike, *, dim: int) -> FloatArray:
    """``value`` as a finite ``dim × dim`` float array (a scalar is broadcast to every entry)."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        array = np.full((dim, dim), float(array))
    if array.shape != (dim, dim):
        raise ValueError(f"{name} must be a scalar or a {dim}×{dim} matrix, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, got {array}")
    return np.ascontiguousarray(array)


def correlation_factor(correlation: npt.ArrayLike, *, dim: int) -> FloatArray:
    """A matrix ``L`` with ``L @ L.T == correlation``, after checking it is a valid correlation matrix.

    Checks: ``dim × dim``, symmetric, unit diagonal, entries in [-1, 1], positive semi-definite. Uses the
    Cholesky factor when the matrix is positive definite and a symmetric eigen-factor when it is singular
    (e.g. perfectly correlated assets), which Cholesky rejects.
    """
    matrix = as_float_matrix("correlation", correlation, dim=dim)
    if not np.allclose(matrix, matrix.T, rtol=0.0, atol=_MATRIX_ATOL):
        raise ValueError(f"correlation matrix must be symmetric, got\n{matrix}")
    if not np.allclose(np.diag(matrix), 1.0, rtol=0.0, atol=_MATRIX_ATOL):
        raise ValueError(f"correlation matrix must have a unit diagonal, got diagonal {np.diag(matrix)}")
    if np.any(np.abs(matrix) > 1.0 + _MATRIX_ATOL):
        raise ValueError(f"correlation entries must lie in [-1, 1], got\n{matrix}")
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    if eigenvalues[0] < -_MATRIX_ATOL * dim:
        raise ValueError(f"correlation matrix is not positive semi-definite (smallest eigenvalue {eigenvalues[0]:.6g})")
    try:
        return np.asarray(np.linalg.cholesky(matrix), dtype=np.float64)
    except np.linalg.LinAlgError:
        return np.asarray(eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None)), dtype=np.float64)


def as_event_times(event_times: npt.ArrayLike, horizon: float | None) -> FloatArray:
    """Event times as a 1-D float array, checked to be finite, non-decreasing and within ``[0, horizon]``.

    ``horizon=None`` checks only the lower end.
    """
    limit = math.inf if horizon is None else require_positive("horizon", horizon)
    times = np.ascontiguousarray(event_times, dtype=np.float64)
    if times.ndim != 1:
        raise ValueError(f"event times must be a 1-D array, got shape {times.shape}")
    if times.size:
        if not np.all(np.isfinite(times)):
            raise ValueError("event times must be finite")
        if np.any(np.diff(times) < 0):
            raise ValueError("event times must be sorted in non-decreasing order")
        if times[0] < 0 or times[-1] > limit:
            raise ValueError(f"event times must lie in [0, horizon={limit}], got range [{times[0]}, {times[-1]}]")
    return times
