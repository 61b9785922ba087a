"""Input checks shared by the hft-statarb modules; each failure raises `StatArbError` with a specific message."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from hft_statarb.errors import StatArbError

__all__ = [
    "as_finite_matrix",
    "as_finite_series",
    "require_finite_positive",
    "require_not_constant",
    "require_same_length",
]


def as_finite_series(values: npt.ArrayLike, name: str, *, min_length: int) -> npt.NDArray[np.float64]:
    """``values`` as a 1-D float64 array with no NaN/inf and at least ``min_length`` elements."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatArbError(f"{name}: cannot be read as numbers ({exc})") from exc
    if array.ndim != 1:
        raise StatArbError(f"{name}: expected a 1-D series, got an array of shape {array.shape}")
    if array.size < min_length:
        raise StatArbError(f"{name}: too few observations: need at least {min_length}, got {array.size}")
    bad = ~np.isfinite(array)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        kind = "NaN" if math.isnan(array[first]) else "infinite value"
        raise StatArbError(f"{name}: {kind} at index {first} ({int(bad.sum())} non-finite values in all)")
    return array


def as_finite_matrix(values: npt.ArrayLike, name: str, *, min_rows: int, min_columns: int) -> npt.NDArray[np.float64]:
    """``values`` as a 2-D float64 array (rows = time, columns = names) with no NaN/inf."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatArbError(f"{name}: cannot be read as numbers ({exc})") from exc
    if array.ndim != 2:
        raise StatArbError(f"{name}: expected a 2-D array (time × names), got shape {array.shape}")
    rows, columns = array.shape
    if rows < min_rows:
        raise StatArbError(f"{name}: too few observations: need at least {min_rows} rows, got {rows}")
    if columns < min_columns:
        raise StatArbError(f"{name}: need at least {min_columns} columns (names), got {columns}")
    bad = ~np.isfinite(array)
    if bad.any():
        row, column = (int(i) for i in np.argwhere(bad)[0])
        raise StatArbError(
            f"{name}: non-finite value at row {row}, column {column} ({int(bad.sum())} non-finite values in all)"
        )
    return array


def require_same_length(first: npt.NDArray[np.float64], second: npt.NDArray[np.float64], names: str) -> None:
    """Raise unless the two series are aligned (same number of observations)."""
    if first.shape[0] != second.shape[0]:
        raise StatArbError(f"{names}: series have different lengths ({first.shape[0]} vs {second.shape[0]})")


def require_not_constant(values: npt.NDArray[np.float64], name: str) -> None:
    """Raise if the series has (numerically) no variation; a regression on it is singular."""
    spread = float(np.max(values) - np.min(values))
    scale = max(float(np.max(np.abs(values))), 1.0)
    if spread <= 1e-12 * scale:
        raise StatArbError(f"{name}: series is constant (value {values[0]!r}); it carries no information")


def require_finite_positive(value: float, name: str) -> float:
    """``value`` as a float, if it is finite and > 0."""
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise StatArbError(f"{name} must be a positive finite number, got {value!r}")
    return number
