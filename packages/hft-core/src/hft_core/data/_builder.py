"""Turning parsed rows into validated `EVENT_DTYPE` chunks: the part every loader shares.

Loaders collect raw prices and sizes (strings or floats) per row and hand them over in bulk; this module checks
them (finite, positive price, non-negative size, positive trade size), puts them on the instrument's grid and
raises one `DataError` naming the file, line and field of the first bad row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Literal

import numpy as np
import numpy.typing as npt

from hft_core.data._grid import parse_floats, to_grid
from hft_core.errors import DataError
from hft_core.events import EVENT_DTYPE, EventKind, Events
from hft_core.instruments import Instrument, Rounding

__all__ = ["DEFAULT_CHUNK_SIZE", "Column", "Locator", "RowBuffer", "build_events"]

DEFAULT_CHUNK_SIZE = 65_536
"""Rows per chunk yielded by the streaming loaders (about 3 MiB of events)."""

Column = Literal["price", "qty", "side"]
Locator = Callable[[int, Column], tuple[int | None, str | None]]
"""Maps a row index and the bad column to the (line, field) to name in the error."""

_KIND_DEPTH = int(EventKind.DEPTH)
_KIND_SNAPSHOT = int(EventKind.SNAPSHOT)
_KIND_TRADE = int(EventKind.TRADE)
_KIND_CLEAR = int(EventKind.CLEAR)
_KIND_CANCEL = int(EventKind.CANCEL)
_KIND_ADD = int(EventKind.ADD)


def _rounding_hint(option: str) -> str:
    # the command line has no rounding option: the hint says where rounding is offered, not a flag that is not there
    return f" (from Python, the loader's {option}='nearest', 'down' or 'up' rounds instead)"


def build_events(
    *,
    kind: npt.NDArray[np.uint8],
    side: npt.NDArray[np.int8],
    price: npt.NDArray[np.float64],
    qty: npt.NDArray[np.float64],
    exch_ts: npt.NDArray[np.int64],
    local_ts: npt.NDArray[np.int64],
    order_id: npt.NDArray[np.int64] | None,
    instrument: Instrument,
    instrument_id: int,
    price_rounding: Rounding,
    qty_rounding: Rounding,
    path: str,
    locate: Locator,
) -> Events:
    """Validated events from float columns; raises `DataError` at the first bad row.

    Rules: ``CLEAR`` rows carry no price or size. Every other row needs a finite price > 0 on the tick grid.
    ``DEPTH``/``SNAPSHOT`` sizes are >= 0 (0 removes the level), so are ``CANCEL`` sizes (0: the whole order);
    ``TRADE`` and the other L3 sizes are > 0. A positive size
    that a rounding rule would turn into 0 lots is an error too: it would silently delete a level.
    """
    n = len(kind)
    is_clear = kind == _KIND_CLEAR
    priced = ~is_clear
    may_be_zero = (kind == _KIND_DEPTH) | (kind == _KIND_SNAPSHOT) | (kind == _KIND_CANCEL)

    with np.errstate(invalid="ignore"):
        bad_price_value = priced & ~(np.isfinite(price) & (price > 0))
        bad_qty_value = priced & ~(np.isfinite(qty) & ((qty > 0) | (may_be_zero & (qty == 0))))
    ticks = to_grid(np.where(priced, price, 0.0), instrument.tick_size, price_rounding)
    lots = to_grid(np.where(priced, qty, 0.0), instrument.lot_size, qty_rounding)
    # (an off-grid size under 'exact' is reported as off the grid, not as rounding to 0)
    rounded_to_zero = priced & (qty > 0) & (lots.units == 0) & ~lots.off_grid
    needs_side = (kind == _KIND_DEPTH) | (kind == _KIND_SNAPSHOT) | (kind == _KIND_ADD)
    bad_side = needs_side & (side != 1) & (side != -1)
    if bad_side.any():
        row = int(np.argmax(bad_side))
        line, field = locate(row, "side")
        raise DataError(
            f"a {EventKind(int(kind[row])).name} row needs a side (buy/bid or sell/ask)",
            path=path,
            line=line,
            field=field,
        )
    problems = bad_price_value | bad_qty_value | ticks.off_grid | lots.off_grid | rounded_to_zero
    if problems.any():
        row = int(np.argmax(problems))
        which, reason = _describe_problem(
            price=float(price[row]),
            qty=float(qty[row]),
            kind=int(kind[row]),
            bad_price_value=bool(bad_price_value[row]),
            price_off_grid=bool(ticks.off_grid[row]),
            bad_qty_value=bool(bad_qty_value[row]),
            qty_rounds_to_zero=bool(rounded_to_zero[row]),
            instrument=instrument,
        )
        line, field = locate(row, which)
        raise DataError(reason, path=path, line=line, field=field)

    events = np.zeros(n, dtype=EVENT_DTYPE)
    events["exch_ts"] = exch_ts
    events["local_ts"] = local_ts
    events["price"] = ticks.units
    events["qty"] = lots.units
    if order_id is not None:
        events["order_id"] = order_id
    events["instrument"] = instrument_id
    events["kind"] = kind
    events["side"] = side
    return events


def _describe_problem(
    *,
    price: float,
    qty: float,
    kind: int,
    bad_price_value: bool,
    price_off_grid: bool,
    bad_qty_value: bool,
    qty_rounds_to_zero: bool,
    instrument: Instrument,
) -> tuple[Column, str]:
    if bad_price_value:
        if not np.isfinite(price):
            return "price", f"price {price} is not a finite number"
        return "price", f"price {price!r} must be positive"
    if price_off_grid:
        return "price", (
            f"price {price!r} is off the grid: not a multiple of the tick size {instrument.tick_size!r} of "
            f"{instrument.symbol} (a wrong --tick-size?)" + _rounding_hint("price_rounding")
        )
    if bad_qty_value:
        if not np.isfinite(qty):
            return "qty", f"size {qty} is not a finite number"
        if qty < 0:
            return "qty", f"size {qty!r} is negative"
        return "qty", f"size {qty!r} must be positive in a {EventKind(kind).name} row"
    if qty_rounds_to_zero:
        return "qty", (f"size {qty!r} rounds to 0 lots of {instrument.lot_size!r}; a zero size would remove the level")
    return "qty", (
        f"size {qty!r} is off the grid: not a multiple of the lot size {instrument.lot_size!r} of "
        f"{instrument.symbol} (a wrong --lot-size?)" + _rounding_hint("qty_rounding")
    )


class RowBuffer:
    """Rows collected from a text source as Python lists, converted to event chunks in bulk.

    Each row remembers its source line and where its price and size came from, so a bad value found during the
    bulk conversion is still reported as ``file:line: field 'b[3][1]'``.
    """

    def __init__(
        self,
        *,
        instrument: Instrument,
        instrument_id: int,
        price_rounding: Rounding,
        qty_rounding: Rounding,
        chunk_size: int,
        path: str,
    ) -> None:
        if chunk_size <= 0:
            raise ValueError(f"chunk_size must be positive, got {chunk_size}")
        self._instrument = instrument
        self._instrument_id = instrument_id
        self._price_rounding: Rounding = price_rounding
        self._qty_rounding: Rounding = qty_rounding
        self._chunk_size = chunk_size
        self._path = path
        self._field_names: list[tuple[str, str]] = []
        self._field_index: dict[tuple[str, str], int] = {}
        self._reset()

    def _reset(self) -> None:
        self._kind: list[int] = []
        self._side: list[int] = []
        self._price: list[object] = []
        self._qty: list[object] = []
        self._exch: list[int] = []
        self._local: list[int] = []
        self._order_id: list[int] = []
        self._line: list[int] = []
        self._field: list[int] = []
        self._level: list[int] = []

    def __len__(self) -> int:
        return len(self._kind)

    def _field_ref(self, price_field: str, qty_field: str) -> int:
        key = (price_field, qty_field)
        ref = self._field_index.get(key)
        if ref is None:
            ref = len(self._field_names)
            self._field_names.append(key)
            self._field_index[key] = ref
        return ref

    def add_levels(
        self,
        kind: EventKind,
        side: int,
        prices: list[object],
        qtys: list[object],
        *,
        exch_ts: int,
        local_ts: int,
        line: int,
        key: str,
    ) -> None:
        """One row per level; errors name the level as ``key[i][0]`` (price) or ``key[i][1]`` (size)."""
        count = len(prices)
        if not count:
            return
        self._kind.extend([int(kind)] * count)
        self._side.extend([side] * count)
        self._price.extend(prices)
        self._qty.extend(qtys)
        self._exch.extend([exch_ts] * count)
        self._local.extend([local_ts] * count)
        self._order_id.extend([0] * count)
        self._line.extend([line] * count)
        self._field.extend([self._field_ref(key + "[{i}][0]", key + "[{i}][1]")] * count)
        self._level.extend(range(count))

    def add_row(
        self,
        kind: EventKind,
        side: int,
        price: object,
        qty: object,
        *,
        exch_ts: int,
        local_ts: int,
        line: int,
        price_field: str,
        qty_field: str,
        order_id: int = 0,
    ) -> None:
        """One row whose price and size came from the named fields."""
        self._kind.append(int(kind))
        self._side.append(side)
        self._price.append(price)
        self._qty.append(qty)
        self._exch.append(exch_ts)
        self._local.append(local_ts)
        self._order_id.append(order_id)
        self._line.append(line)
        self._field.append(self._field_ref(price_field, qty_field))
        self._level.append(0)

    def add_clear(self, side: int, *, exch_ts: int, local_ts: int, line: int) -> None:
        """A ``CLEAR`` row (no price or size)."""
        self.add_row(
            EventKind.CLEAR, side, 0.0, 0.0, exch_ts=exch_ts, local_ts=local_ts, line=line, price_field="", qty_field=""
        )

    def drain(self, *, final: bool) -> Iterator[Events]:
        """Chunks of at most ``chunk_size`` rows; unless ``final``, only once a full chunk has accumulated."""
        if not self._kind or (not final and len(self._kind) < self._chunk_size):
            return
        events = self._convert()
        self._reset()
        for start in range(0, len(events), self._chunk_size):
            yield events[start : start + self._chunk_size]

    def _locate(self, row: int, which: Column) -> tuple[int | None, str | None]:
        price_field, qty_field = self._field_names[self._field[row]]
        template = qty_field if which == "qty" else price_field
        return self._line[row], template.format(i=self._level[row]) or None

    def _convert(self) -> Events:
        price, bad_price = parse_floats(self._price)
        if bad_price is not None:
            line, field = self._locate(bad_price, "price")
            raise DataError(
                f"price {self._price[bad_price]!r} is not a number", path=self._path, line=line, field=field
            )
        qty, bad_qty = parse_floats(self._qty)
        if bad_qty is not None:
            line, field = self._locate(bad_qty, "qty")
            raise DataError(f"size {self._qty[bad_qty]!r} is not a number", path=self._path, line=line, field=field)
        return build_events(
            kind=np.array(self._kind, dtype=np.uint8),
            side=np.array(self._side, dtype=np.int8),
            price=price,
            qty=qty,
            exch_ts=np.array(self._exch, dtype=np.int64),
            local_ts=np.array(self._local, dtype=np.int64),
            order_id=np.array(self._order_id, dtype=np.int64),
            instrument=self._instrument,
            instrument_id=self._instrument_id,
            price_rounding=self._price_rounding,
            qty_rounding=self._qty_rounding,
            path=self._path,
            locate=self._locate,
        )
