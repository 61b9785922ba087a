"""Instruments: the grid (tick and lot size), contract multiplier and fee schedule of one tradable thing.

Inside books, matching and queues every price is an integer number of ticks and every size an integer number of
lots, so matching is exact. Conversion happens only at the edges, through `Instrument`; off-grid input is an
error unless a rounding rule is asked for explicitly.

An instrument trades its ``base`` asset priced in its ``quote`` currency; the engine keeps balances per asset and
converts them into the run's numeraire (`hft_core.engine.accounts`). Both come from the symbol where it says them
(`assets_of_symbol`: ``BTC/USDT``, ``BTC-USDT``, or ``BTCUSDT``/``ETHBTC`` by a known quote suffix), else the
symbol is the base and `DEFAULT_QUOTE` the quote (the simulated markets' ``SIM``, ``AAA``, ``Y``); either can be
given explicitly.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from hft_core.errors import OffGridError

__all__ = ["DEFAULT_QUOTE", "KNOWN_QUOTES", "FeeSchedule", "Instrument", "Rounding", "assets_of_symbol"]

DEFAULT_QUOTE = "USD"
"""The quote currency of an instrument whose symbol names none (a simulated market's ``SIM``, an equity's ``AAPL``)."""

KNOWN_QUOTES = (
    "FDUSD",
    "USDT",
    "USDC",
    "BUSD",
    "TUSD",
    "USD",
    "EUR",
    "GBP",
    "JPY",
    "TRY",
    "BRL",
    "DAI",
    "BTC",
    "ETH",
    "BNB",
)
"""Quote currencies recognised at the end of a run-together symbol (``BTCUSDT`` → BTC/USDT), longest match first."""
_SUFFIXES = sorted(KNOWN_QUOTES, key=len, reverse=True)

Rounding = Literal["exact", "nearest", "down", "up"]
"""How a float is put on a grid: ``exact`` raises `OffGridError` when it is off the grid."""

_EXACT_SCALED = 2.0**40
"""Python's ``round(x, places)`` goes through a decimal conversion, slow for something strategies do all the time.
When the step is exactly a short decimal and count × step × 10^places is below 2^40, that value lies within 2^-12
of an integer, far from a tie: rounding it to an integer and dividing by the power of ten gives the same float."""

# Relative tolerance for "exactly on the grid": absorbs float representation error only (0.1 + 0.2 style),
# far below any real tick.
_GRID_RTOL = 1e-9
_isfinite = math.isfinite


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Fees as fractions of traded notional; a negative rate is a rebate (e.g. maker -0.0001 = 1 bp rebate)."""

    maker: float = 0.0
    taker: float = 0.0

    def __post_init__(self) -> None:
        for name in ("maker", "taker"):
            rate = getattr(self, name)
            if not math.isfinite(rate) or abs(rate) >= 1:
                raise ValueError(f"fee rate {name!r} must be finite and within (-1, 1), got {rate}")

    def fee(self, notional: float, *, maker: bool) -> float:
        """The fee on a fill of ``notional`` (negative = rebate received)."""
        return abs(notional) * (self.maker if maker else self.taker)


@dataclass(frozen=True, slots=True)
class Instrument:
    """A tradable instrument on one venue.

    ``tick_size`` and ``lot_size`` are the price and size grids in quote currency and base units;
    ``multiplier`` scales price × size into notional (1 for spot, contract size for futures). ``base`` and
    ``quote`` are the assets (empty: from the symbol, `assets_of_symbol`, else the symbol over `DEFAULT_QUOTE`).
    """

    symbol: str
    tick_size: float
    lot_size: float = 1.0
    venue: str = "sim"
    multiplier: float = 1.0
    fees: FeeSchedule = field(default_factory=FeeSchedule)
    base: str = ""
    quote: str = ""
    # 10^decimals of the tick and lot sizes, for the float conversions; 0 for a step with no short decimal form
    _tick_scale: float = field(init=False, repr=False, compare=False, default=1.0)
    _lot_scale: float = field(init=False, repr=False, compare=False, default=1.0)

    def __post_init__(self) -> None:
        if not self.symbol:
            raise ValueError("instrument symbol must not be empty")
        for name in ("tick_size", "lot_size", "multiplier"):
            value = getattr(self, name)
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"{self.symbol}: {name} must be a positive finite number, got {value}")
        for name in ("tick_size", "lot_size"):
            value = getattr(self, name)
            if abs(round(value, _decimals(value)) - value) > value * _GRID_RTOL:
                # (a 1e-13 tick printed its prices with 12 decimals: 3 ticks became 0.0)
                raise ValueError(f"{self.symbol}: {name} {value!r} needs more than 12 decimals")
        derived = assets_of_symbol(self.symbol)
        base = self.base or (derived[0] if derived else self.symbol)
        quote = self.quote or (derived[1] if derived else DEFAULT_QUOTE)
        if base == quote:
            raise ValueError(f"{self.symbol}: base and quote must differ, both are {base!r}")
        object.__setattr__(self, "base", base)
        object.__setattr__(self, "quote", quote)
        object.__setattr__(self, "_tick_scale", _decimal_scale(self.tick_size))
        object.__setattr__(self, "_lot_scale", _decimal_scale(self.lot_size))

    # -- prices ---------------------------------------------------------------------------------------------
    def price_to_ticks(self, price: float, rounding: Rounding = "exact") -> int:
        """``price`` as an integer number of ticks."""
        if _isfinite(price):
            # a price on the grid (nearly every one) is its nearest tick whatever the rounding rule: the check of
            # _to_grid, without its call (every order's price passes here)
            units = price / self.tick_size
            nearest: int = round(units)
            size = abs(units)
            if abs(units - nearest) <= _GRID_RTOL * (size if size > 1.0 else 1.0):
                return nearest
        return _to_grid(price, self.tick_size, rounding, what="price", symbol=self.symbol)

    def ticks_to_price(self, ticks: int) -> float:
        """An integer tick count as a float price (rounded to the tick's decimals, so 9992 × 0.01 = 99.92)."""
        # see _EXACT_SCALED: strategies read prices all the time
        scale = self._tick_scale
        scaled = ticks * self.tick_size * scale
        if -_EXACT_SCALED < scaled < _EXACT_SCALED and scale:
            return round(scaled) / scale
        return round(ticks * self.tick_size, _decimals(self.tick_size))

    def ticks_to_prices(self, ticks: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """`ticks_to_price` over an integer array: the same floats, element for element."""
        return _round_multiples(ticks, self.tick_size)

    # -- sizes ----------------------------------------------------------------------------------------------
    def qty_to_lots(self, qty: float, rounding: Rounding = "exact") -> int:
        """``qty`` as an integer number of lots; sizes must be positive."""
        if not qty > 0:
            raise OffGridError(f"{self.symbol}: size must be positive, got {qty}")
        return _to_grid(qty, self.lot_size, rounding, what="size", symbol=self.symbol)

    def lots_to_qty(self, lots: int) -> float:
        """An integer lot count as a float size."""
        scale = self._lot_scale  # see _EXACT_SCALED
        scaled = lots * self.lot_size * scale
        if -_EXACT_SCALED < scaled < _EXACT_SCALED and scale:
            return round(scaled) / scale
        return round(lots * self.lot_size, _decimals(self.lot_size))

    def lots_to_qtys(self, lots: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """`lots_to_qty` over an integer array: the same floats, element for element."""
        return _round_multiples(lots, self.lot_size)

    def notional(self, price_ticks: int, qty_lots: int) -> float:
        """Price × size × multiplier in quote currency, from grid integers."""
        return price_ticks * qty_lots * self.tick_size * self.lot_size * self.multiplier


@functools.lru_cache(maxsize=256)
def assets_of_symbol(symbol: str) -> tuple[str, str] | None:
    """(base, quote) named by ``symbol``, upper-cased, or None when it names no quote unambiguously.

    ``BASE/QUOTE`` always; ``BASE-QUOTE`` and ``BASE_QUOTE`` when QUOTE is a known quote currency (`KNOWN_QUOTES`;
    ``BTC-PERP`` is not a pair); run together (``BTCUSDT``, ``ETHBTC``) by the longest known quote suffix, after
    a derivatives suffix (``_PERP``, ``-PERP``, ``-SWAP``, a ``_YYMMDD`` delivery date) is set aside.
    """
    text = symbol.strip().upper()
    if "/" in text:
        parts = text.split("/")
        if len(parts) == 2 and all(parts) and parts[0] != parts[1]:
            return parts[0], parts[1]
        return None
    for suffix in ("_PERP", "-PERP", "-SWAP"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            break
    else:
        head, _, tail = text.rpartition("_")
        if head and tail.isdigit():
            text = head
    for separator in ("-", "_"):
        parts = text.split(separator)
        if len(parts) == 2 and parts[0] and parts[1] in KNOWN_QUOTES and parts[0] != parts[1]:
            return parts[0], parts[1]
    if not text.isalnum():
        return None
    for quote in _SUFFIXES:
        if text.endswith(quote) and len(text) > len(quote):
            return text[: -len(quote)], quote
    return None


@functools.lru_cache(maxsize=256)
def _decimals(step: float) -> int:
    """Decimal places needed to print multiples of ``step`` exactly (0.01 -> 2, 0.5 -> 1, 5 -> 0)."""
    for places in range(13):
        if abs(round(step, places) - step) <= step * _GRID_RTOL:
            return places
    return 12


def _round_multiples(counts: npt.ArrayLike, step: float) -> npt.NDArray[np.float64]:
    """``round(count * step, decimals(step))`` for every count, vectorized."""
    places = _decimals(step)
    values = np.multiply(np.asarray(counts, dtype=np.int64), step)
    if not _decimal_scale(step):
        return np.array([round(v, places) for v in values.tolist()], dtype=np.float64)
    # numpy rounds by scaling by 10^places and back: exact below _EXACT_SCALED, as in the scalar conversions
    huge = np.flatnonzero(~(np.abs(values) * 10.0**places < _EXACT_SCALED))
    exact = [round(float(value), places) for value in values[huge].tolist()]
    rounded: npt.NDArray[np.float64] = np.round(values, places, out=values)  # (in place: one array per column)
    rounded[huge] = exact
    return rounded


def _decimal_scale(step: float) -> float:
    """10^decimals(step) when ``step`` is exactly the float of a short decimal (0.01, 5, 1e-8), else 0 (1/3)."""
    scale = 10.0 ** _decimals(step)
    return scale if round(step * scale) / scale == step else 0.0


def _to_grid(value: float, step: float, rounding: Rounding, *, what: str, symbol: str) -> int:
    if not math.isfinite(value):
        raise OffGridError(f"{symbol}: {what} must be finite, got {value}")
    units = value / step
    nearest = round(units)
    on_grid = abs(units - nearest) <= _GRID_RTOL * max(1.0, abs(units))
    if rounding == "exact":
        if not on_grid:
            raise OffGridError(f"{symbol}: {what} {value!r} is not a multiple of {step!r}")
        return int(nearest)
    if rounding == "nearest" or on_grid:
        return int(nearest)
    if rounding == "down":
        return math.floor(units)
    if rounding == "up":
        return math.ceil(units)
    raise ValueError(f"unknown rounding rule {rounding!r}; expected exact, nearest, down or up")
