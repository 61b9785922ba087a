"""Tick and lot sizes inferred from the prices and sizes a capture actually shows.

An exchange publishes prices and sizes as decimal text (Binance: ``"61837.63000000"``). Every price of an
instrument is a multiple of its tick, so the greatest common divisor of all the prices seen, computed exactly on
the decimal text, is a multiple of the tick -- and equal to it once enough distinct prices have been seen (a
thousand prices of a liquid book leave no doubt; a handful might all be multiples of 5 ticks). The same holds
for sizes and the lot. Because the divisor is taken over *every* value in the file, every value of that file
lies on the inferred grid: a replay of it never meets an off-grid value, though a strategy's own orders are put
on a grid that may be coarser than the exchange's when the capture is short. `InferredGrid.evidence` says how
many values the inference rests on, and ``hft data info`` prints it.

Binary files (hftbacktest arrays) hold binary floats, not text: `infer_float_grid` reads each as the shortest
decimal that rounds back to it (what the exchange's text was, for values parsed from it) and refuses values that
carry float noise instead (``0.30000000000000004``: no decimal grid fits it).
"""

from __future__ import annotations

import gzip
import math
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hft_core.errors import DataError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "InferredGrid",
    "InferredStep",
    "infer_binance_grid",
    "infer_csv_grid",
    "infer_float_grid",
    "infer_step",
]

# JSON as Binance sends it (compact) or re-serialised with spaces; values are decimal strings.
_LEVEL = re.compile(rb'\[\s*"(\d+(?:\.\d*)?)"\s*,\s*"(\d+(?:\.\d*)?)"\s*\]')
_TRADE = re.compile(
    rb'"e"\s*:\s*"(?:trade|aggTrade)"[^{}]*?"p"\s*:\s*"(\d+(?:\.\d*)?)"\s*,\s*"q"\s*:\s*"(\d+(?:\.\d*)?)"'
)
_BLOCK = 1 << 22


@dataclass(frozen=True, slots=True)
class InferredStep:
    """A step (tick or lot) inferred from ``distinct`` distinct non-zero values of ``total`` seen."""

    step: float
    distinct: int
    total: int

    def describe(self, what: str, values: str) -> str:
        """E.g. ``tick 0.01 inferred from 12,345 prices (1,234 distinct; their greatest common divisor)``."""
        return (
            f"{what} {self.step!r} inferred from {self.total:,} {values} "
            f"({self.distinct:,} distinct; their greatest common divisor)"
        )


@dataclass(frozen=True, slots=True)
class InferredGrid:
    """The tick and lot inferred from one capture."""

    tick: InferredStep
    lot: InferredStep

    @property
    def evidence(self) -> str:
        """One line: what was inferred from how many values."""
        return f"{self.tick.describe('tick', 'prices')}; {self.lot.describe('lot', 'sizes')}"


def infer_step(texts: Iterable[str | bytes], total: int | None = None) -> InferredStep | None:
    """The greatest common divisor of the decimal numbers ``texts`` (zeros ignored), exactly; None if none is > 0."""
    distinct = {t.decode() if isinstance(t, bytes) else t for t in texts}
    parts: list[tuple[str, str]] = []
    decimals = 0
    for text in distinct:
        whole, _, fraction = text.strip().partition(".")
        fraction = fraction.rstrip("0")
        if not (whole or fraction) or not (whole or "0").isdigit() or (fraction and not fraction.isdigit()):
            raise ValueError(f"not a plain decimal number: {text!r}")
        parts.append((whole or "0", fraction))
        decimals = max(decimals, len(fraction))
    units = [int(whole + fraction.ljust(decimals, "0")) for whole, fraction in parts]
    nonzero = [u for u in units if u]
    if not nonzero:
        return None
    divisor = math.gcd(*nonzero)
    step = float(f"{divisor}e-{decimals}")
    return InferredStep(step, len(nonzero), len(distinct) if total is None else total)


def _blocks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    opener = gzip.open if gzipped else open
    with opener(path, "rb") as handle:
        pending = b""
        while True:
            block = handle.read(_BLOCK)
            if not block:
                break
            block = pending + block
            cut = block.rfind(b"\n") + 1
            pending = block[cut:]
            yield block[:cut]
        if pending:
            yield pending


def infer_binance_grid(path: str | os.PathLike[str]) -> InferredGrid:
    """Tick and lot of a Binance capture from every depth level and trade in it (see the module doc).

    Only the values the loader converts count: depth and snapshot levels, trade prices and sizes (not mark
    prices, tickers or index prices, which Binance publishes at other precisions). A capture without a priced
    level or trade is a `DataError`.
    """
    source = Path(path)
    prices: set[bytes] = set()
    sizes: set[bytes] = set()
    n_prices = n_sizes = 0
    try:
        for block in _blocks(source):
            for pattern in (_LEVEL, _TRADE):
                found = pattern.findall(block)
                n_prices += len(found)
                prices.update(price for price, _ in found)
                sizes.update(size for _, size in found)
                n_sizes += len(found)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"cannot read the capture to infer its grid: {exc}", path=str(source)) from exc
    tick = infer_step(prices, n_prices)
    lot = infer_step(sizes, n_sizes)
    if tick is None or lot is None:
        raise DataError(
            "no price level or trade with a non-zero price and size to infer the tick and lot from; "
            "pass --tick-size and --lot-size",
            path=str(source),
        )
    return InferredGrid(tick, lot)


def infer_csv_grid(
    path: str | os.PathLike[str], *, price_suffix: str = "price", size_suffixes: tuple[str, ...] = ("amount", "qty")
) -> tuple[InferredGrid, tuple[str, ...]]:
    """Tick and lot of a CSV file (plain or gzip) from the text of every column whose name ends with
    ``price_suffix`` and every column ending with one of ``size_suffixes`` (Tardis: ``price``, ``amount``,
    ``asks[0].price``, ``bid_amount``, ...), and the distinct values of its ``symbol`` column, if any."""
    import pandas as pd

    source = Path(path)
    prices: set[str] = set()
    sizes: set[str] = set()
    symbols: set[str] = set()
    n_prices = n_sizes = 0
    try:
        reader = pd.read_csv(
            source, dtype=str, keep_default_na=False, chunksize=200_000, compression="infer", index_col=False
        )
        with reader:
            for frame in reader:
                price_columns = [c for c in frame.columns if str(c).lower().endswith(price_suffix)]
                size_columns = [c for c in frame.columns if str(c).lower().endswith(size_suffixes)]
                if not price_columns or not size_columns:
                    raise DataError(
                        f"no column ending in '{price_suffix}' and in {' or '.join(size_suffixes)} to infer the grid "
                        "from; pass --tick-size and --lot-size",
                        path=str(source),
                    )
                for column in price_columns:
                    values = frame[column][frame[column] != ""]
                    n_prices += len(values)
                    prices.update(values.unique().tolist())
                for column in size_columns:
                    values = frame[column][frame[column] != ""]
                    n_sizes += len(values)
                    sizes.update(values.unique().tolist())
                if "symbol" in frame.columns:
                    symbols.update(frame["symbol"].unique().tolist())
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"cannot read the file to infer its grid: {exc}".splitlines()[0], path=str(source)) from None
    try:
        tick = infer_step(prices, n_prices)
        lot = infer_step(sizes, n_sizes)
    except ValueError as exc:
        raise DataError(f"cannot infer the grid: {exc}; pass --tick-size and --lot-size", path=str(source)) from None
    if tick is None or lot is None:
        raise DataError(
            "no non-zero price and size to infer the tick and lot from; pass --tick-size and --lot-size",
            path=str(source),
        )
    for step, what in ((tick, "price"), (lot, "size")):
        if step.distinct < 2:
            # one distinct value is its own greatest common divisor: no evidence of the grid at all
            raise DataError(
                f"only one distinct non-zero {what} ({step.step!r}) to infer the grid from; "
                "pass --tick-size and --lot-size",
                path=str(source),
            )
    return InferredGrid(tick, lot), tuple(sorted(s for s in symbols if s))


_MAX_EXACT_UNITS = 2**53
"""Beyond this many steps a binary float no longer tells its grid apart from float noise."""


def infer_float_grid(
    prices: npt.NDArray[np.float64],
    sizes: npt.NDArray[np.float64],
    *,
    path: str,
    hint: str,
    totals: tuple[int, int] | None = None,
) -> InferredGrid:
    """Tick and lot from binary float ``prices`` and ``sizes`` (zeros, negatives and non-finite values ignored;
    the loader refuses those itself): the greatest common divisor of the values' shortest decimal forms.

    ``totals``, when given, are how many usable prices and sizes there were, the arrays holding only their
    distinct values (a loader that reads a chunk at a time keeps no more).

    Fewer than two distinct non-zero values, or values whose decimals are float noise (a divisor that leaves the
    largest value more than 2**53 steps away), are a `DataError` naming the file and ``hint`` (what to pass).
    """
    import numpy as np

    steps: list[InferredStep] = []
    for index, (values, what) in enumerate(((prices, "price"), (sizes, "size"))):
        usable = values[np.isfinite(values) & (values > 0)]
        distinct = np.unique(usable)
        texts = [np.format_float_positional(float(v), unique=True, trim="-") for v in distinct]
        step = infer_step(texts, total=len(usable) if totals is None else totals[index])
        if step is None or step.distinct < 2:
            shown = "none" if step is None else repr(step.step)
            raise DataError(
                f"cannot infer the {'tick' if what == 'price' else 'lot'}: {'no' if step is None else 'only one'} "
                f"distinct positive {what} ({shown}); {hint}",
                path=path,
            )
        if float(distinct[-1]) / step.step > _MAX_EXACT_UNITS:
            widest = max(texts, key=len)
            raise DataError(
                f"cannot infer the {'tick' if what == 'price' else 'lot'}: {what}s such as {widest} are not on a "
                f"decimal grid (float noise); {hint}",
                path=path,
            )
        steps.append(step)
    return InferredGrid(steps[0], steps[1])
