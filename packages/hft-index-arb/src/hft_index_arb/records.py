"""The band and the basis through time, read back from a run's ``BAND`` / ``BASIS`` log lines.

`band_series` turns ``log.txt`` of an ``index-arb`` or ``etf-arb`` run (or `BacktestResult.logs`) into a table:
``time`` (UTC), ``spot`` (the basket at its mids), ``fair``, ``price`` (the derivative's mid), ``basis``
(``price − fair``), ``lower``, ``upper`` and ``position``. Plot ``price`` against ``lower``/``upper`` to see
where the derivative left the band.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from hft_core import DataError

__all__ = ["band_series"]

_BAND = re.compile(
    r"^(?P<ts>\d+) BAND spot=(?P<spot>\S+) fair=(?P<fair>\S+) (?:future|etf)=(?P<price>\S+) basis=(?P<basis>\S+) "
    r"lower=(?P<lower>\S+) upper=(?P<upper>\S+) position=(?P<position>-?\d+)$"
)
_COLUMNS = ("spot", "fair", "price", "basis", "lower", "upper")


def band_series(source: str | Path | Iterable[str]) -> pd.DataFrame:
    """The ``BAND`` lines of a run directory, a ``log.txt`` path, or log lines, as a DataFrame (module doc)."""
    if isinstance(source, str | Path):
        path = Path(source)
        path = path / "log.txt" if path.is_dir() else path
        if not path.is_file():
            raise DataError(f"{path}: no such log file (give a run directory or its log.txt)")
        lines: Iterable[str] = path.read_text(encoding="utf-8").splitlines()
    else:
        lines = source
    rows = []
    for line in lines:
        match = _BAND.match(line.strip())
        if match:
            rows.append((int(match["ts"]), *(float(match[c]) for c in _COLUMNS), int(match["position"])))
    frame = pd.DataFrame(rows, columns=["ts", *_COLUMNS, "position"])
    frame.insert(1, "time", pd.to_datetime(frame["ts"], unit="ns", utc=True))
    return frame
