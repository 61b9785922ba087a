"""docs/data-formats.md names every counter the loaders and the stream checks report (#17).

Each field of a loader's stats (what ``hft data info`` prints under ``loader``, what a run records) and of the
stream checks' ``book_checks`` must appear in the document in code quotes, so a new counter cannot ship unexplained.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from hft_core.data._checks import BookCheckStats
from hft_core.data.binance import BinanceSyncStats
from hft_core.data.hftbacktest_npz import HftbacktestStats
from hft_core.data.l3file import L3FileStats
from hft_core.data.tardis import TardisStats

DOC = Path(__file__).resolve().parents[3] / "docs" / "data-formats.md"
STATS = [BookCheckStats, BinanceSyncStats, HftbacktestStats, L3FileStats, TardisStats]


@pytest.mark.parametrize("stats", STATS, ids=lambda cls: cls.__name__)
def test_every_counter_is_named_in_the_docs(stats: type) -> None:
    quoted = " ".join(re.findall(r"`([^`]*)`", DOC.read_text(encoding="utf-8")))
    missing = [f.name for f in dataclasses.fields(stats) if not re.search(rf"\b{f.name}\b", quoted)]
    assert not missing, f"{stats.__name__}: {missing} not named in {DOC.name}"
