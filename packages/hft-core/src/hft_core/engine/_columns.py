"""String columns of the result frames, to and from codes, in Arrow with buffers from the system allocator.

pandas (3 on) keeps a column of strings in Arrow. `labels` makes one from a table of names and a code per row (an
order's status, a fill's instrument), `codes` takes one apart again (`hft_core.engine.results.round_trips_frame`),
neither with a Python string per row. A long run's column is a megabyte or two (113,637 orders: 1.5 MiB each). Arrow's
default pool (mimalloc in this pyarrow) keeps the pages freed through it for itself: through it, the frames of a
30M-event replay peaked 9 MiB higher, and its first use in a process now and then cost 5-27 ms more for the same
columns. The system pool (glibc malloc) gives large buffers back when they are freed. docs/benchmarks.md, "Memory".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["STRINGS", "codes", "labels"]

STRINGS = pd.DataFrame({"name": np.array(["buy"], dtype=object)})["name"].dtype
"""The dtype pandas gives a column of strings (Arrow-backed from pandas 3 on, object before)."""
_IN_ARROW = isinstance(STRINGS, pd.StringDtype) and STRINGS.storage == "pyarrow"


def labels(names: Sequence[str], codes: npt.NDArray[np.int64]) -> Any:
    """``names[code]`` for each code, as a column of strings of the dtype pandas would give them."""
    if _IN_ARROW:
        # straight into Arrow: converting a column of Python strings costs about ten times more
        pool = pa.system_memory_pool()
        table = pa.array(names, type=pa.large_string(), memory_pool=pool)
        return pd.array(pc.take(table, pa.array(codes, memory_pool=pool), memory_pool=pool), dtype=STRINGS)
    return np.array(names, dtype=object)[codes]


def codes(column: pd.Series) -> tuple[list[str], npt.NDArray[np.int64]]:
    """A column of strings as (its distinct values in order of appearance, each row's index among them), without a
    Python string per row when the column is in Arrow (a missing value is a value of its own, named ``nan``)."""
    if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow" and not column.hasnans:
        pool = pa.system_memory_pool()
        chunks = pa.chunked_array(pa.array(column.array))
        encoded = pc.dictionary_encode(chunks.combine_chunks(memory_pool=pool), memory_pool=pool)
        return encoded.dictionary.to_pylist(), encoded.indices.to_numpy().astype(np.int64)
    coded, names = pd.factorize(column, use_na_sentinel=False)
    return [str(name) for name in names], np.asarray(coded, dtype=np.int64)
