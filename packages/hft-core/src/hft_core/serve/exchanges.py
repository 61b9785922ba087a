"""Mock exchanges as data: one TOML file per exchange, so a new exchange is a new file, not new code.

A file names the exchange, its fee tier and its symbols (each with its grids, a starting price and, in an optional
``[symbols.market]`` table, any knob of hft-core's ``single-instrument`` market, `hft_core.markets.MarketConfig`).
The files shipped with hft-core live in ``hft_core/serve/exchanges/``; ``hft serve --exchanges DIR`` adds (or
replaces, by name) those of a directory. Mistakes are `ConfigError`s naming the file and the field.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hft_core.errors import ConfigError

__all__ = ["ExchangeSpec", "SymbolSpec", "load_exchange", "load_exchanges"]

_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*$")
_SYMBOL_RE = re.compile(r"^[A-Z0-9][A-Z0-9._-]*$")


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """One tradable symbol of a mock exchange: grids in quote currency and base units, the start price, the
    market's knobs (`hft_core.markets.MarketConfig` names)."""

    symbol: str
    base: str
    quote: str
    tick_size: float
    lot_size: float
    price: float
    market: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class ExchangeSpec:
    """A mock exchange: its name (the ``{exchange}`` of every endpoint), fee tier and symbols."""

    name: str
    summary: str
    maker_fee: float
    taker_fee: float
    symbols: tuple[SymbolSpec, ...]
    source: str = ""
    balances: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    """Each API key's starting balance per asset (the optional ``[balances]`` table). When given, the Binance
    dialect refuses an order its key's free balance cannot pay for, as Binance does (-2010)."""

    def symbol(self, name: str) -> SymbolSpec | None:
        """The symbol called ``name`` (case-insensitive), or None."""
        wanted = name.upper()
        return next((s for s in self.symbols if s.symbol == wanted), None)


def _number(raw: Mapping[str, Any], key: str, where: str, *, positive: bool = True) -> float:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: {key!r} must be a number, got {value!r}")
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")) or (positive and number <= 0):
        raise ConfigError(f"{where}: {key!r} must be a {'positive ' if positive else ''}finite number, got {value!r}")
    return number


def _text(raw: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: {key!r} must be a non-empty string, got {value!r}")
    return value


def parse_exchange(raw: Mapping[str, Any], source: str) -> ExchangeSpec:
    """An `ExchangeSpec` from a file's parsed TOML (``source`` names the file in messages)."""
    name = _text(raw, "name", source)
    if not _NAME_RE.match(name):
        raise ConfigError(f"{source}: exchange name {name!r} must be lower-case letters, digits, '-' or '_'")
    summary = _text(raw, "summary", source, default=name)
    maker = _number(raw, "maker_fee", source, positive=False)
    taker = _number(raw, "taker_fee", source, positive=False)
    for key, rate in (("maker_fee", maker), ("taker_fee", taker)):
        if abs(rate) >= 1:
            raise ConfigError(f"{source}: {key} must be within (-1, 1), got {rate}")
    entries = raw.get("symbols")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{source}: needs at least one [[symbols]] table")
    symbols: list[SymbolSpec] = []
    for n, entry in enumerate(entries):
        where = f"{source}: symbols[{n}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} must be a table")
        symbol = _text(entry, "symbol", where)
        if not _SYMBOL_RE.match(symbol):
            raise ConfigError(f"{where}: symbol {symbol!r} must be upper-case letters and digits")
        if any(s.symbol == symbol for s in symbols):
            raise ConfigError(f"{where}: symbol {symbol!r} is listed twice")
        market = entry.get("market", {})
        if not isinstance(market, dict):
            raise ConfigError(f"{where}: 'market' must be a table of market knobs")
        unknown = set(entry) - {"symbol", "base", "quote", "tick_size", "lot_size", "price", "market"}
        if unknown:
            raise ConfigError(f"{where}: unknown field(s) {sorted(unknown)}")
        symbols.append(
            SymbolSpec(
                symbol=symbol,
                base=_text(entry, "base", where),
                quote=_text(entry, "quote", where),
                tick_size=_number(entry, "tick_size", where),
                lot_size=_number(entry, "lot_size", where),
                price=_number(entry, "price", where),
                market=MappingProxyType(dict(market)),
            )
        )
    balances = raw.get("balances", {})
    if not isinstance(balances, dict):
        raise ConfigError(f"{source}: 'balances' must be a table of ASSET = amount")
    for asset in balances:
        _number(balances, asset, f"{source}: balances", positive=False)
        if balances[asset] < 0:
            raise ConfigError(f"{source}: balances: {asset!r} must not be negative, got {balances[asset]!r}")
    unknown = set(raw) - {"name", "summary", "maker_fee", "taker_fee", "symbols", "balances"}
    if unknown:
        raise ConfigError(f"{source}: unknown field(s) {sorted(unknown)}")
    return ExchangeSpec(
        name,
        summary,
        maker,
        taker,
        tuple(symbols),
        source,
        MappingProxyType({k: float(v) for k, v in balances.items()}),
    )


def load_exchange(path: Path) -> ExchangeSpec:
    """One exchange file."""
    from hft_core.config import load_toml

    return parse_exchange(load_toml(path, "exchange file"), str(path))


def load_exchanges(extra_dirs: Iterable[Path] = ()) -> dict[str, ExchangeSpec]:
    """The shipped exchanges, then every ``*.toml`` of ``extra_dirs`` (a file naming a shipped exchange
    replaces it), by name."""
    exchanges: dict[str, ExchangeSpec] = {}
    shipped = resources.files("hft_core.serve").joinpath("exchanges")
    for entry in sorted(shipped.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            spec = parse_exchange(
                tomllib.loads(entry.read_text(encoding="utf-8")), f"hft_core/serve/exchanges/{entry.name}"
            )
            exchanges[spec.name] = spec
    for directory in extra_dirs:
        if not directory.is_dir():
            raise ConfigError(f"--exchanges {directory}: not a directory")
        for path in sorted(directory.glob("*.toml")):
            spec = load_exchange(path)
            exchanges[spec.name] = spec
    return exchanges
