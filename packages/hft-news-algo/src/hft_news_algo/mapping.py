"""Which instruments a text item is about: its tickers first, then cashtags, then a user alias table.

`InstrumentMapper.map(item)` returns the run's symbols the item names, and counts how it got there
(``by_ticker``, ``by_cashtag``, ``by_alias``), items whose tickers are all unknown to the run
(``unknown_tickers``) and items it could not map (``unmapped``). An alias table is a CSV with the columns
``alias`` and ``symbol`` (company names, brands, cashtags), matched case-insensitively on whole words.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from hft_core import ConfigError, TextItem

from hft_news_algo._files import read_csv_rows

__all__ = ["InstrumentMapper", "load_aliases"]

_CASHTAG = re.compile(r"\$([A-Za-z][A-Za-z0-9.]{0,11})")


def load_aliases(path: str | Path) -> dict[str, str]:
    """An alias table: ``alias,symbol`` rows under that header."""
    path = Path(path)
    rows = read_csv_rows(path, "alias table")
    if not rows or [cell.strip().lower() for cell in rows[0][:2]] != ["alias", "symbol"]:
        raise ConfigError(f"alias table {path}: expected a header 'alias,symbol'")
    found: dict[str, str] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise ConfigError(f"alias table {path}:{line}: expected an alias and a symbol")
        found[row[0].strip()] = row[1].strip().upper()
    return found


class InstrumentMapper:
    """Maps items to ``symbols`` (the run's instruments); see the module docstring."""

    def __init__(self, symbols: Iterable[str], aliases: Mapping[str, str] | None = None) -> None:
        self.symbols = tuple(symbols)
        self._known = {symbol.upper(): symbol for symbol in self.symbols}
        alias_list = sorted((aliases or {}).items(), key=lambda pair: -len(pair[0]))
        self._aliases = [
            (re.compile(rf"(?<!\w){re.escape(alias)}(?!\w)", re.IGNORECASE), symbol.upper())
            for alias, symbol in alias_list
        ]
        self.counts: Counter[str] = Counter()

    def map(self, item: TextItem) -> tuple[str, ...]:
        found = [self._known[t.upper()] for t in item.tickers if t.upper() in self._known]
        if found:
            self.counts["by_ticker"] += 1
            return tuple(dict.fromkeys(found))
        if item.tickers:
            self.counts["unknown_tickers"] += 1
        text = item.text
        found = [self._known[tag.upper()] for tag in _CASHTAG.findall(text) if tag.upper() in self._known]
        if found:
            self.counts["by_cashtag"] += 1
            return tuple(dict.fromkeys(found))
        found = [
            self._known[symbol] for pattern, symbol in self._aliases if symbol in self._known and pattern.search(text)
        ]
        if found:
            self.counts["by_alias"] += 1
            return tuple(dict.fromkeys(found))
        self.counts["unmapped"] += 1
        return ()
