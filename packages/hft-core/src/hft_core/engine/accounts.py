"""A run's accounts per asset, and its PnL in one numeraire.

The blotter books each instrument in its own units: a position in lots of the ``base`` asset, a cash flow and fees
in the ``quote`` currency (`hft_core.instruments.Instrument`). A run over several currencies (BTC/USDT, ETH/USDT
and ETH/BTC) holds BTC, ETH and USDT, and adding the instruments' PnLs as they come would add BTC to USDT. Here
every asset held is valued once, in the run's numeraire (by default the first instrument's quote currency), at a
rate read from the run's own instruments: the mid of a pair that quotes it in the numeraire (direct), of one that
quotes the numeraire in it (inverse, 1/mid), or of two such pairs through another asset (two steps). Direct pairs
win over inverse ones, one step over two, earlier instruments over later ones; the path of each asset is written
into the run's stats (``conversion``).

PnL in the numeraire = Σ over assets of balance × rate. It is computed per instrument, so the equity series keeps
one row per instrument and its rows still add up to the total: the instrument's own PnL (cash flow and fees in its
quote currency, position at its mid: `Blotter.instrument_pnl`) times the quote's rate, plus, when its base asset is
valued through another instrument, the position times the difference between that rate and this instrument's mid
in the numeraire. In a run whose instruments all quote the numeraire and value their own base, both factors are
exactly 1 and 0: its PnL is bit for bit the single-currency one. An instrument with no mid yet is marked at its
last fill price; a rate that needs a mark nobody has yet is NaN (only while a balance in it is non-zero).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

from hft_core.engine import _settle as s
from hft_core.engine.blotter import Blotter
from hft_core.errors import ConfigError
from hft_core.instruments import Instrument

__all__ = ["Accounts", "Step", "conversion_paths"]


class Step(NamedTuple):
    """One conversion step: × the mid of ``instrument`` (its index; base into quote), or ÷ it when ``inverse``."""

    instrument: int
    inverse: bool


def conversion_paths(instruments: Sequence[Instrument], numeraire: str) -> dict[str, tuple[Step, ...]]:
    """The path of every asset of ``instruments`` into ``numeraire`` (the numeraire's own: no step).

    `ConfigError` when an asset has no path of one or two steps."""
    assets = _assets(instruments)
    paths: dict[str, tuple[Step, ...]] = {numeraire: ()}
    for asset in assets:
        if asset == numeraire:
            continue
        found: tuple[Step, ...] | None = _one_step(instruments, asset, numeraire)
        if found is None:
            for first in _steps_from(instruments, asset):
                middle = _step_target(instruments, first)
                second = _one_step(instruments, middle, numeraire) if middle != numeraire else None
                if second is not None:
                    found = (first, *second)
                    break
        if found is None:
            names = ", ".join(inst.symbol for inst in instruments)
            raise ConfigError(
                f"cannot value {asset} in {numeraire}: none of this run's instruments ({names}) pairs it with "
                f"{numeraire}, directly or through one other asset; name another numeraire"
            )
        paths[asset] = found
    return paths


class Accounts:
    """Balances per asset and PnL in ``numeraire`` over the instruments of one run (their index in the blotter)."""

    def __init__(self, instruments: Sequence[Instrument], numeraire: str | None = None) -> None:
        if not instruments:
            raise ConfigError("a run needs at least one instrument")
        self.instruments = tuple(instruments)
        self.numeraire = numeraire if numeraire else self.instruments[0].quote
        self.assets = _assets(self.instruments)
        if self.numeraire not in self.assets:
            raise ConfigError(f"numeraire {self.numeraire!r} is none of this run's assets ({', '.join(self.assets)})")
        self.paths = conversion_paths(self.instruments, self.numeraire)
        n = len(self.instruments)
        self._quote_paths = [self.paths[inst.quote] for inst in self.instruments]
        # the base is valued through this instrument's own mid (then it needs no correction), or through another path
        self._base_paths: list[tuple[Step, ...] | None] = [
            None if self.paths[inst.base][:1] == (Step(i, False),) else self.paths[inst.base]
            for i, inst in enumerate(self.instruments)
        ]
        self._units = [inst.lot_size * inst.multiplier for inst in self.instruments]
        self._ticks = [inst.tick_size for inst in self.instruments]
        self._single = all(not q for q in self._quote_paths) and all(b is None for b in self._base_paths)
        self._range = range(n)

    @property
    def single_currency(self) -> bool:
        """True when every instrument quotes the numeraire and values its own base: PnLs add as they are."""
        return self._single

    # -- valuation ------------------------------------------------------------------------------------------------
    def marks(self, blotter: Blotter, mids: Sequence[float]) -> list[float]:
        """Each instrument's price now (quote per base): its mid (``mids`` in ticks), else its last fill, else NaN."""
        out = []
        for i in self._range:
            mid = mids[i]
            if math.isfinite(mid):
                out.append(mid * self._ticks[i])
            else:
                last = int(blotter.inst_i[i, s.SI_LAST_PRICE])
                out.append(math.nan if last == s.NONE else last * self._ticks[i])
        return out

    def rate(self, asset: str, marks: Sequence[float]) -> float:
        """The value of one unit of ``asset`` in the numeraire at ``marks`` (`marks`)."""
        return _rate(self.paths[asset], marks)

    def instrument_pnls(self, blotter: Blotter, mids: Sequence[float]) -> list[float]:
        """Each instrument's share of the account's PnL in the numeraire at ``mids`` (ticks; NaN: none yet)."""
        pnls = [blotter.instrument_pnl(i, mids[i]) for i in self._range]
        if self._single:
            return pnls
        marks = self.marks(blotter, mids)
        for i in self._range:
            quote_path = self._quote_paths[i]
            quote_rate = _rate(quote_path, marks) if quote_path else 1.0
            if quote_path:
                pnls[i] *= quote_rate
            base_path = self._base_paths[i]
            position = blotter.position(i)
            if base_path is not None and position:
                units = position * self._units[i]
                pnls[i] += units * (_rate(base_path, marks) - marks[i] * quote_rate)
        return pnls

    def pnl(self, blotter: Blotter, mids: Sequence[float]) -> float:
        """The account's PnL in the numeraire at ``mids``: the instruments' shares added in order."""
        total = 0.0
        for pnl in self.instrument_pnls(blotter, mids):
            total += pnl
        return total

    def balances(self, blotter: Blotter) -> dict[str, float]:
        """Net amount held per asset: base units from positions (× multiplier), quote currency from cash flows and
        fees."""
        held = dict.fromkeys(self.assets, 0.0)
        for i, inst in enumerate(self.instruments):
            held[inst.base] += blotter.position(i) * self._units[i]
            held[inst.quote] += blotter.quote_cash(i)
        return held

    def cash(self, blotter: Blotter, mids: Sequence[float]) -> float:
        """Every instrument's quote cash (cash flow − fees) in the numeraire at ``mids``."""
        if self._single:
            return blotter.cash()
        marks = self.marks(blotter, mids)
        total = 0.0
        for i in self._range:
            path = self._quote_paths[i]
            total += blotter.quote_cash(i) * (_rate(path, marks) if path else 1.0)
        return total

    # -- records ---------------------------------------------------------------------------------------------------
    def describe(self, asset: str) -> str:
        """How ``asset`` is converted, e.g. ``ETH→BTC via ETH/BTC mid, BTC→USDT via BTC/USDT mid``."""
        path = self.paths[asset]
        if not path:
            return "numeraire"
        parts = []
        current = asset
        for step in path:
            inst = self.instruments[step.instrument]
            target = inst.base if step.inverse else inst.quote
            parts.append(f"{current}→{target} via {inst.symbol} {'1/mid' if step.inverse else 'mid'}")
            current = target
        return ", ".join(parts)

    def stats(self, blotter: Blotter) -> dict[str, Any]:
        """``numeraire``, ``balances`` (per asset) and ``conversion`` (per asset, `describe`) for a run's stats."""
        return {
            "numeraire": self.numeraire,
            "balances": {asset: round(amount, 10) for asset, amount in self.balances(blotter).items()},
            "conversion": {asset: self.describe(asset) for asset in self.assets},
        }


def _assets(instruments: Sequence[Instrument]) -> tuple[str, ...]:
    """Every asset, in order of first appearance (base before quote)."""
    return tuple(dict.fromkeys(asset for inst in instruments for asset in (inst.base, inst.quote)))


def _steps_from(instruments: Sequence[Instrument], asset: str) -> list[Step]:
    """Every step out of ``asset``: direct ones (it is the base) first, then inverse ones, in instrument order."""
    direct = [Step(i, False) for i, inst in enumerate(instruments) if inst.base == asset]
    inverse = [Step(i, True) for i, inst in enumerate(instruments) if inst.quote == asset]
    return direct + inverse


def _step_target(instruments: Sequence[Instrument], step: Step) -> str:
    inst = instruments[step.instrument]
    return inst.base if step.inverse else inst.quote


def _one_step(instruments: Sequence[Instrument], asset: str, target: str) -> tuple[Step] | None:
    for step in _steps_from(instruments, asset):
        if _step_target(instruments, step) == target:
            return (step,)
    return None


def _rate(path: tuple[Step, ...], marks: Sequence[float]) -> float:
    rate = 1.0
    for index, inverse in path:
        rate = rate / marks[index] if inverse else rate * marks[index]
    return rate
