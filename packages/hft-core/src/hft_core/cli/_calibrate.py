"""``hft calibrate CAPTURE --out market.toml``: fit the simulated market to a recorded capture.

The file is a ``[scenario]`` table for ``hft run NAME --config market.toml`` (`hft_core.calibration`), with the
fitted values' standard errors and the capture-vs-simulation match as comments. A capture that is too short, has
no trades or holds several instruments exits 2 with what it lacks.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["calibrate_command"]


def calibrate_command(
    capture: Path, *, out: Path, iterations: int, sim_duration_s: float, seed: int, force: bool
) -> None:
    """Calibrate to ``capture``, write ``out`` and print the capture-vs-simulation match."""
    from hft_core.calibration import CalibrationError, calibrate
    from hft_core.realism import load_market_source

    if out.exists() and not force:
        raise CalibrationError(f"--out {out}: the file exists (give --force to replace it)")
    if not 0 <= iterations <= 20:
        raise CalibrationError(f"--iterations must lie in [0, 20], got {iterations}")
    if not 10.0 <= sim_duration_s <= 3600.0:
        raise CalibrationError(f"--sim-duration must lie in [10, 3600] s, got {sim_duration_s:g}")
    source = load_market_source(capture)
    result = calibrate(source, iterations=iterations, sim_duration_s=sim_duration_s, seed=seed)
    text = result.to_toml(capture.name, out.name)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(out)
    for line in text.splitlines():
        if line.startswith("#   "):
            print(line[4:])
    print(f"wrote {out}: hft run NAME --config {out}")
