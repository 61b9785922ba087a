"""The band and the basis through time, as a table, from what ``index-arb`` and ``etf-arb`` record.

Every ``record_s`` the strategies record (``ctx.record``, a run directory's ``series.parquet``) ``price.spot``
(the basket at its mids), ``price.fair``, ``price.future`` or ``price.etf`` (the derivative's mid), ``basis``
(mid − fair) and the band's edges in basis terms, ``basis.band_low`` and ``basis.band_high``. `band_series` puts
them side by side, one row per record: ``ts``, ``time`` (UTC), ``spot``, ``fair``, ``price``, ``basis``, and the
band as prices, ``lower`` and ``upper`` (fair + the edges). Plot ``price`` against ``lower``/``upper`` to see where
the derivative left the band (``hft report`` draws the recorded series as they are).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from hft_core import BacktestResult, DataError

__all__ = ["band_series"]

_COLUMNS = {
    "price.spot": "spot",
    "price.fair": "fair",
    "price.future": "price",
    "price.etf": "price",
    "basis": "basis",
    "basis.band_low": "lower",
    "basis.band_high": "upper",
}
"""The recorded series `band_series` reads, and its column for each."""


def band_series(source: str | Path | BacktestResult | pd.DataFrame) -> pd.DataFrame:
    """The band and basis of a run directory (or its ``series.parquet``), a result, or a result's ``series``
    frame, as a wide table (module doc); empty when the run recorded none."""
    if isinstance(source, str | Path):
        path = Path(source)
        path = path / "series.parquet" if path.is_dir() else path
        if not path.is_file():
            raise DataError(
                f"{path}: no such file (give a run directory of index-arb or etf-arb, or its series.parquet)"
            )
        try:
            series = pd.read_parquet(path, columns=["ts", "name", "value"])
        except Exception as exc:  # pyarrow raises several unrelated types for a damaged file
            raise DataError(f"{path}: unreadable series file: {' '.join(str(exc).split())}") from None
    elif isinstance(source, BacktestResult):
        series = source.series
    else:
        series = source
    rows = series[series["name"].isin(list(_COLUMNS))]
    wide = rows.pivot(index="ts", columns="name", values="value").rename(columns=_COLUMNS)
    columns = ["spot", "fair", "price", "basis"]
    frame = pd.DataFrame(
        {"ts": wide.index.to_numpy(dtype="int64"), **{c: wide[c].to_numpy() for c in columns if c in wide}},
        columns=["ts", *columns],
    )
    if len(frame):
        frame["lower"] = frame["fair"].to_numpy() + wide["lower"].to_numpy()
        frame["upper"] = frame["fair"].to_numpy() + wide["upper"].to_numpy()
    else:
        frame["lower"] = frame["upper"] = pd.Series(dtype="float64")
    frame = frame.astype({"ts": "int64", **dict.fromkeys([*columns, "lower", "upper"], "float64")})
    frame.insert(1, "time", pd.to_datetime(frame["ts"], unit="ns", utc=True))
    return frame
