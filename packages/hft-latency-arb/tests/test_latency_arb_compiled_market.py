"""latency-arb on the compiled simulated market (``--set scenario.compiled=true``): the same run, the same races.

The compiled market keeps no message log; `hft races` reruns such a run on the Python market (which runs it to
the same draw) to regenerate the log, and its reproduction check compares the fills.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

HftCli = Callable[[list[str]], tuple[int, str, str]]
"""The root conftest's ``hft_cli`` fixture: ``hft`` in-process, as (exit code, stdout, stderr)."""

pytestmark = pytest.mark.slow

RUN = ["run", "latency-arb", "--quiet", "--duration", "20", "--seed", "2", "--set", "hedge=false"]


def test_a_compiled_run_is_the_python_run_and_has_the_same_races(tmp_path: Path, hft_cli: HftCli) -> None:
    python_run, compiled_run = tmp_path / "python", tmp_path / "compiled"
    assert hft_cli([*RUN, "--out", str(python_run)])[0] == 0
    code, _, err = hft_cli([*RUN, "--set", "scenario.compiled=true", "--out", str(compiled_run)])
    assert code == 0, err
    for name in ("fills.parquet", "orders.parquet", "equity.parquet", "log.txt"):
        assert (compiled_run / name).read_bytes() == (python_run / name).read_bytes(), name
    fills = json.loads((python_run / "summary.json").read_text())["fills"]
    assert fills > 0  # (the comparison above compares trading, not two empty runs)
    code, races, err = hft_cli(["races", str(compiled_run), "--json"])
    assert code == 0, err
    assert races == hft_cli(["races", str(python_run), "--json"])[1]
