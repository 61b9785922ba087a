"""hftbacktest arrays without --tick-size/--lot-size: the grid inferred from their prices and sizes (#17).

Before this, `resolve_source_instrument` refused an hftbacktest file unless ``--symbol``, ``--tick-size`` and
``--lot-size`` were all given; now each is optional, as for Tardis and L3 files, and what is inferred is reported
with its evidence (``hft data info``, ``grid from``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hft_core.data.grids import infer_float_grid
from hft_core.data.hftbacktest_npz import (
    DEPTH_EVENT,
    EXCH_EVENT,
    HFTBACKTEST_EVENT_DTYPE,
    LOCAL_EVENT,
    SELL_EVENT,
    infer_hftbacktest_grid,
    read_hftbacktest_npz,
    write_hftbacktest_npz,
)
from hft_core.data.instrument_spec import GridOverrides, resolve_source_instrument
from hft_core.errors import DataError
from hft_core.events import BUY, SELL, EventKind
from hft_core.instruments import Instrument
from hft_core.venues.replay._scenarios import events

HftCli = Callable[[list[str]], tuple[int, str, str]]
"""The root conftest's ``hft_cli`` fixture: ``hft`` in-process, as (exit code, stdout, stderr)."""

INSTRUMENT = Instrument("ETHUSDT", tick_size=0.01, lot_size=0.001)
D, T, C = EventKind.DEPTH, EventKind.TRADE, EventKind.CLEAR


def write_sample(path: Path) -> Path:
    """An hftbacktest file of an instrument on tick 0.01 / lot 0.001 (prices 2,500.00-2,500.07 $)."""
    rows: list[tuple[int, ...]] = [(1_000, 1_000, C, 0, 0, 0)]
    for k in range(40):
        t = 2_000 + k * 1_000
        rows.append((t, t, D, BUY, 250_000 - k % 4, 1_000 + 37 * k))
        rows.append((t, t, D, SELL, 250_004 + k % 4, 2_001 + 13 * k))
        if k % 5 == 0:
            rows.append((t, t, T, SELL, 250_000, 7 + k))
    return write_hftbacktest_npz(events(rows), INSTRUMENT, path)


def test_the_grid_is_inferred_with_its_evidence(tmp_path: Path) -> None:
    path = write_sample(tmp_path / "ethusdt.npz")
    found = resolve_source_instrument(path, "hftbacktest")
    assert (found.instrument.symbol, found.instrument.tick_size, found.instrument.lot_size) == ("ETHUSDT", 0.01, 0.001)
    assert "symbol from the file name" in found.origin
    assert "tick 0.01 inferred from 88 prices (8 distinct; their greatest common divisor)" in found.origin
    assert "lot 0.001 inferred from 88 sizes" in found.origin
    # the file replays on the inferred grid, value for value
    replayed, _ = read_hftbacktest_npz(path, found.instrument)
    original, _ = read_hftbacktest_npz(path, INSTRUMENT)
    assert np.array_equal(replayed, original)


def test_given_options_replace_what_is_inferred(tmp_path: Path) -> None:
    path = write_sample(tmp_path / "sample.npz")
    found = resolve_source_instrument(path, "hftbacktest", GridOverrides(symbol="ETH-PERP", tick_size=0.05))
    assert (found.instrument.symbol, found.instrument.tick_size, found.instrument.lot_size) == ("ETH-PERP", 0.05, 0.001)
    assert "given: --symbol ETH-PERP --tick-size 0.05" in found.origin and "lot 0.001 inferred" in found.origin
    everything = GridOverrides(symbol="X", tick_size=0.01, lot_size=0.001)
    assert resolve_source_instrument(path, "hftbacktest", everything).origin.endswith(f"given: {everything.describe()}")


def test_exchange_only_copies_and_clears_are_not_evidence(tmp_path: Path) -> None:
    rows = np.zeros(4, dtype=HFTBACKTEST_EVENT_DTYPE)
    both = EXCH_EVENT | LOCAL_EVENT | DEPTH_EVENT | SELL_EVENT
    rows["ev"] = [both, both, EXCH_EVENT | DEPTH_EVENT | SELL_EVENT, both]
    rows["px"] = [10.5, 11.0, 10.25, 12.0]  # the exchange-only copy's 10.25 would make the tick 0.25
    rows["qty"] = [1.0, 2.0, 0.5, 3.0]  # ... and its 0.5 the lot 0.5
    rows["exch_ts"] = rows["local_ts"] = [1, 2, 3, 4]
    np.savez(tmp_path / "x.npz", data=rows)
    grid = infer_hftbacktest_grid(tmp_path / "x.npz")
    assert (grid.tick.step, grid.lot.step) == (0.5, 1.0)


def test_float_noise_and_missing_evidence_are_refused() -> None:
    hint = "pass --tick-size and --lot-size"
    noisy = np.array([0.1 + 0.2, 0.5, 0.7])
    with pytest.raises(DataError, match=r"prices such as 0\.30000000000000004 are not on a decimal grid"):
        infer_float_grid(noisy, np.array([1.0, 2.0]), path="f.npz", hint=hint)
    with pytest.raises(DataError, match=r"cannot infer the lot: only one distinct positive size \(2\.0\)"):
        infer_float_grid(np.array([1.5, 2.5]), np.array([2.0, 2.0, 0.0]), path="f.npz", hint=hint)
    with pytest.raises(DataError, match="cannot infer the tick: no distinct positive price"):
        infer_float_grid(np.array([0.0, np.nan]), np.array([1.0, 2.0]), path="f.npz", hint=hint)
    # tiny steps in positional notation (repr would write 1e-08)
    grid = infer_float_grid(np.array([2e-08, 3e-08]), np.array([1.0, 3.0]), path="f.npz", hint=hint)
    assert (grid.tick.step, grid.lot.step) == (1e-08, 1.0)


def test_hft_data_info_reports_the_inferred_grid(tmp_path: Path, hft_cli: HftCli) -> None:
    path = write_sample(tmp_path / "ethusdt.npz")
    code, out, err = hft_cli(["data", "info", str(path)])
    assert code == 0, err
    assert "instrument   ETHUSDT (replay): tick 0.01, lot 0.001" in out
    assert "grid from    hftbacktest array: symbol from the file name; tick 0.01 inferred from 88 prices" in out
