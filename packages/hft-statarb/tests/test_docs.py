"""docs/statarb.md's knob tables are the generated ones, and the README's Python example runs as it says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hft_core import BacktestResult, execute_run, resolve_run
from hft_core.knobs import markdown_table
from hft_statarb import plugin

PACKAGE = Path(__file__).resolve().parents[1]
DOCS = PACKAGE.parents[1] / "docs" / "statarb.md"
README = PACKAGE / "README.md"
TABLE_HEADER = "| knob | type | default | unit | allowed | meaning |"


def _knob_tables(text: str) -> list[str]:
    """Every knob table in ``text``, in order, as the lines from its header to its last row."""
    tables, current = [], None
    for line in text.splitlines():
        if line == TABLE_HEADER:
            current = [line]
        elif current is not None and line.startswith("|"):
            current.append(line)
        elif current is not None:
            tables.append("\n".join(current) + "\n")
            current = None
    if current is not None:
        tables.append("\n".join(current) + "\n")
    return tables


def test_the_docs_knob_tables_are_the_generated_ones() -> None:
    """One table per pattern and per market, each equal to what the config class generates (none stale, none extra)."""
    patterns = [markdown_table(pattern.knobs()) for pattern in plugin.hft_register_patterns()]
    markets = [markdown_table(scenario.knobs()) for scenario in plugin.STATARB_SCENARIOS]
    documented = _knob_tables(DOCS.read_text())
    assert sorted(documented) == sorted(patterns + markets)
    assert len(documented) == 6


@pytest.mark.parametrize("name", ["statarb-pairs", "statarb-pca", "triangular-arb"])
def test_hft_info_markdown_is_the_docs_table(name: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hft_core", "info", name, "--markdown"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout in _knob_tables(DOCS.read_text())


def test_readme_example_runs_and_both_doors_give_the_same_run() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
    assert len(blocks) == 1
    namespace: dict[str, Any] = {}
    exec(compile(blocks[0], str(README), "exec"), namespace)
    by_name, by_object = namespace["result"], namespace["same"]
    assert isinstance(by_name, BacktestResult) and isinstance(by_object, BacktestResult)
    assert by_name.stats["fills"] > 0 and namespace["strategy"].estimates
    assert by_name.stats == by_object.stats
    assert by_name.fills.equals(by_object.fills)
    # The comment's command line resolves to the same run.
    spec = resolve_run(
        "statarb-pairs", assignments=["hedge=kalman", "scenario.hedge_ratio=0.8"], seed=7, duration_s=120.0
    )
    from_cli, _ = execute_run(spec, write=False)
    assert from_cli.stats == by_name.stats
