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


def test_hft_run_prints_the_races_as_they_happen(tmp_path: Path, hft_cli: HftCli) -> None:
    """The RACE lines the strategy logs reach the console in order with the FILL lines (and stay in log.txt)."""
    code, out, err = hft_cli([*RUN[:2], "--duration", "20", "--seed", "2", "--out", str(tmp_path / "run")])
    assert code == 0, err
    lines = [line for line in out.splitlines() if line.startswith(("RACE", "FILL"))]
    shot = next(i for i, line in enumerate(lines) if line.startswith("RACE shot"))
    assert lines[shot + 1].startswith(("RACE won", "FILL"))  # the outcome follows the shot
    logged = [line.split(" ", 1)[1] for line in (tmp_path / "run" / "log.txt").read_text().splitlines()]
    assert [line for line in lines if line.startswith("RACE")] == [line for line in logged if line.startswith("RACE")]
    code, quiet, _ = hft_cli([*RUN, "--out", str(tmp_path / "quiet")])
    assert code == 0 and not any(line.startswith(("RACE", "FILL")) for line in quiet.splitlines())
