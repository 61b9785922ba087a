"""A reader for the FI-2010 benchmark's text layout (Ntakaris, Magris, Kanniainen, Gabbouj & Iosifidis 2018).

Each file (e.g. ``Train_Dst_NoAuction_ZScore_CF_7.txt``) is a whitespace-separated matrix with one **column** per
event and 149 rows: rows 1–40 the 10-level book (per level: ask price, ask volume, bid price, bid volume), rows
41–144 the authors' hand-crafted features, rows 145–149 the labels for horizons of 10, 20, 30, 50 and 100 events
(1 up, 2 stationary, 3 down). The dataset is not bundled or downloaded: users bring their own copy.

`read_fi2010` returns the book as `Snapshots` (prices and volumes multiplied by ``scale`` and rounded to integers,
since the published files are normalised floats) and the labels per horizon in this package's codes, ready for
`hft_lob_dl.dataset.build_dataset` with ``given_labels``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from hft_lob_dl.book import Snapshots
from hft_lob_dl.errors import LobDataError

__all__ = ["FI2010", "FI2010_HORIZONS", "read_fi2010"]

FI2010_HORIZONS = (10, 20, 30, 50, 100)
_ROWS = 149
_TO_CODE = np.array([-1, 2, 1, 0], np.int8)
"""FI-2010's 1 (up), 2 (stationary), 3 (down) to codes 2, 1, 0."""


@dataclass(frozen=True)
class FI2010:
    """The book of an FI-2010 file and its published labels by horizon (events)."""

    snapshots: Snapshots
    labels: dict[int, npt.NDArray[np.int8]]


def read_fi2010(path: str | os.PathLike[str], *, scale: float = 10_000.0) -> FI2010:
    """Read one FI-2010 text file (see the module docstring); a malformed file is a `LobDataError` naming it."""
    source = Path(path)
    try:
        matrix = np.loadtxt(source, dtype=np.float64, ndmin=2)
    except (OSError, ValueError) as error:
        raise LobDataError(f"not an FI-2010 text matrix: {error}", path=str(source)) from None
    if matrix.shape[0] != _ROWS:
        raise LobDataError(
            f"FI-2010 files have {_ROWS} rows (40 book, 104 features, 5 labels), one column per event; this one has "
            f"{matrix.shape[0]} rows",
            path=str(source),
        )
    book = matrix[:40].T.reshape(-1, 10, 4)
    codes = np.rint(matrix[144:]).astype(np.int64)
    if not np.isin(codes, (1, 2, 3)).all():
        bad_row, bad_col = np.argwhere(~np.isin(codes, (1, 2, 3)))[0]
        raise LobDataError(
            f"label {float(matrix[144 + bad_row, bad_col])!r} at event {bad_col + 1} is not 1, 2 or 3",
            path=str(source),
            line=int(145 + bad_row),
        )
    n = book.shape[0]
    scaled = np.rint(book * scale).astype(np.int64)
    ts = np.arange(n, dtype=np.int64)
    snaps = Snapshots(ts, scaled[:, :, 0], scaled[:, :, 1], scaled[:, :, 2], scaled[:, :, 3])
    labels = {h: _TO_CODE[codes[i]] for i, h in enumerate(FI2010_HORIZONS)}
    return FI2010(snaps, labels)
