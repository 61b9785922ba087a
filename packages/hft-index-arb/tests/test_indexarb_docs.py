"""docs/index-arb.md shows the knob tables hft-core derives from the declarations."""

from __future__ import annotations

from pathlib import Path

import pytest
from hft_core import Config
from hft_core.knobs import markdown_table
from hft_index_arb.config import BasisCarryConfig, EtfArbConfig, IndexArbConfig, IndexMarketConfig

DOCS = Path(__file__).resolve().parents[3] / "docs" / "index-arb.md"


@pytest.mark.parametrize("config", [IndexArbConfig, EtfArbConfig, BasisCarryConfig, IndexMarketConfig])
def test_docs_tables_match_the_declarations(config: type[Config]) -> None:
    assert markdown_table(config.knobs()) in DOCS.read_text()
