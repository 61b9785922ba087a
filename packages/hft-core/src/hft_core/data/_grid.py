"""Vectorized float -> tick/lot conversion for loaders, with the same rules as `Instrument`.

`Instrument.price_to_ticks` converts one value at a time; loaders convert millions, so this module does the same
thing on whole columns and reports *which* rows failed, so the loader can name the file, line and field.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hft_core.instruments import Rounding

__all__ = ["GRID_RTOL", "GridResult", "parse_floats", "to_grid"]

GRID_RTOL = 1e-9
"""Relative tolerance for "on the grid": float representation error only (matches `hft_core.instruments`)."""

# Beyond this many ticks/lots a value cannot be a real price or size and int64 arithmetic would be at risk.
_MAX_UNITS = float(2**62)

_ROUNDINGS: tuple[Rounding, ...] = ("exact", "nearest", "down", "up")


class GridResult:
    """Integers on the grid plus a mask of the rows that could not be converted under the rounding rule."""

    __slots__ = ("off_grid", "units")

    def __init__(self, units: npt.NDArray[np.int64], off_grid: npt.NDArray[np.bool_]) -> None:
        self.units = units
        self.off_grid = off_grid


def parse_floats(raw: list[object]) -> tuple[npt.NDArray[np.float64], int | None]:
    """``raw`` (numeric strings or numbers) as float64; the index of the first unparsable entry, if any.

    Unparsable entries become NaN in the returned array. JSON ``true``/``false`` are rejected (numpy would take
    them as 1.0/0.0).
    """
    try:
        values = np.array(raw, dtype=np.float64)
    except (ValueError, TypeError):
        values = np.full(len(raw), np.nan)
        first_bad: int | None = None
        for index, item in enumerate(raw):
            try:
                values[index] = float(item)  # type: ignore[arg-type]
            except (ValueError, TypeError):
                if first_bad is None:
                    first_bad = index
        return values, first_bad
    if bool in set(map(type, raw)):
        index = next(i for i, item in enumerate(raw) if type(item) is bool)
        values[index] = np.nan
        return values, index
    return values, None


def to_grid(values: npt.NDArray[np.float64], step: float, rounding: Rounding) -> GridResult:
    """``values / step`` as int64 under ``rounding``; rows off the grid (``exact``) or non-finite are flagged.

    Off-grid rows and non-finite or absurdly large rows are flagged in ``off_grid``; their ``units`` are 0.
    """
    if rounding not in _ROUNDINGS:
        raise ValueError(f"unknown rounding rule {rounding!r}; expected one of {', '.join(_ROUNDINGS)}")
    with np.errstate(invalid="ignore", over="ignore"):
        units = values / step
        finite = np.isfinite(units) & (np.abs(units) < _MAX_UNITS)
        units = np.where(finite, units, 0.0)
        nearest = np.rint(units)
        on_grid = np.abs(units - nearest) <= GRID_RTOL * np.maximum(1.0, np.abs(units))
        if rounding == "exact":
            result = nearest
            bad = ~finite | ~on_grid
        else:
            if rounding == "nearest":
                result = nearest
            elif rounding == "down":
                result = np.where(on_grid, nearest, np.floor(units))
            else:
                result = np.where(on_grid, nearest, np.ceil(units))
            bad = ~finite
    out = result.astype(np.int64)
    out[bad] = 0
    return GridResult(out, bad)
