"""The distinct values of a float column, for grid inference (`hft_core.data.grids.infer_float_grid`'s input).

A file's prices and sizes are millions of values over a few thousand distinct ones. Sorting each chunk to find
them (``np.unique``) was most of the time `infer_hftbacktest_grid` took (0.7 of 1.2 s for 10 M rows); one pass
over a hash set of the values' bit patterns does it in 0.04 s. Finite positive floats are equal exactly when
their bit patterns are, and no such bit pattern is 0, which marks an empty slot.

`distinct_bits_py` is the plain reference; `distinct_bits` is the same function compiled.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

__all__ = ["distinct_bits", "distinct_bits_py", "distinct_positive"]


def distinct_bits_py(bits: npt.NDArray[np.int64], table: npt.NDArray[np.int64], out: npt.NDArray[np.int64]) -> int:
    """Write the distinct non-zero values of ``bits`` (none negative) to ``out`` in order of first appearance;
    returns how many.

    ``table``: zeros, a power of two long and longer than the number of distinct values (open addressing,
    linear probing). ``out``: at least as long as ``bits``. The slot folds the high bits (a float's exponent and
    leading mantissa) onto the low ones, which are zeros in values such as 100.5 or 0.25.
    """
    mask = len(table) - 1
    found = 0
    for value in bits:
        h = value ^ (value >> 29)
        slot = (h ^ (h >> 17)) & mask
        while True:
            held = table[slot]
            if held == value:
                break
            if held == 0:
                table[slot] = value
                out[found] = value
                found += 1
                break
            slot = (slot + 1) & mask
    return found


distinct_bits = njit(cache=True, nogil=True)(distinct_bits_py)


def distinct_positive(values: npt.NDArray[np.float64], *, compiled: bool = True) -> npt.NDArray[np.float64]:
    """The distinct values of ``values`` (finite and positive: the caller filters), ascending.

    ``compiled=False`` runs the plain reference (`distinct_bits_py`), for the tests.
    """
    bits = np.ascontiguousarray(values, dtype=np.float64).view(np.int64)
    if len(bits) == 0:
        return np.zeros(0, dtype=np.float64)
    table = np.zeros(1 << (2 * len(bits) - 1).bit_length(), dtype=np.int64)  # at most half full
    out = np.empty(len(bits), dtype=np.int64)
    found = (distinct_bits if compiled else distinct_bits_py)(bits, table, out)
    # (positive floats order as their bit patterns do)
    ordered: npt.NDArray[np.float64] = np.sort(out[:found]).view(np.float64)
    return ordered
