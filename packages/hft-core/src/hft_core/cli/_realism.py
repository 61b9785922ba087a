"""``hft realism RUN_OR_DATA [OTHER]``: the stylized-facts table of one market, or two side by side, and plots.

An input is a data file in any format the loaders read or a run directory (`hft_core.realism.sources`). The
table goes to stdout (``--json``: the facts as JSON instead); the plots, PNG, go to ``--plots DIR`` (default
``realism-<name>[-vs-<other>]`` in the current directory; ``--no-plots`` skips them).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

__all__ = ["default_plot_dir", "realism_command"]


def default_plot_dir(inputs: list[Path]) -> Path:
    """``realism-<name>[-vs-<other>]`` in the current directory, each name the input's file or folder name."""
    names = [path.name.split(".")[0] or "input" for path in inputs]
    return Path("realism-" + "-vs-".join(names))


def realism_command(
    inputs: list[Path],
    *,
    as_json: bool,
    plots: Path | None,
    no_plots: bool,
    instrument: str | None,
    sample_ms: float,
) -> None:
    """Measure each input, print the table (or JSON) and write the plots."""
    from hft_core.realism import RealismInputError, facts_json, facts_table, load_market_source, measure, write_plots

    if not 1 <= len(inputs) <= 2:
        raise RealismInputError(f"give one or two inputs (a run directory or a data file), got {len(inputs)}")
    if not 1.0 <= sample_ms <= 60_000.0:
        raise RealismInputError(f"--sample-ms must lie in [1, 60000], got {sample_ms:g}")
    facts = [measure(load_market_source(path, instrument=instrument), sample_ms=sample_ms) for path in inputs]
    if len(facts) == 2 and facts[0].label == facts[1].label:
        facts[1] = dataclasses.replace(facts[1], label=f"{facts[1].label} (2)")
    written: list[Path] = []
    if not no_plots:
        written = write_plots(facts, plots if plots is not None else default_plot_dir(inputs))
    if as_json:
        report = facts_json(facts) | {"plots": [str(path) for path in written]}
        print(json.dumps(report, indent=2))
        return
    print(facts_table(facts), end="")
    if written:
        print(f"plots: {written[0].parent}/ ({', '.join(path.name for path in written)})")
