"""Parameter sweeps: many runs of one pattern over a grid or random draws of its knobs and seeds (``hft sweep``).

- `plan` turns the axes into points, each resolved by `hft_core.runs.resolve_run` and keyed by a hash of its
  resolved config;
- `store` is the sweep directory: one run directory per point, failures, ``results.parquet``;
- `executor` runs the missing points on Dask (a local cluster, or ``--scheduler`` for an existing one);
- `report` draws a stat over two knobs with its dispersion over seeds, and the train/test view.

Dask (``hft-core[sweep]``) is imported only when points run, never by ``import hft_core``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from hft_core.plugins import PluginHost
from hft_core.sweeps.executor import PointOutcome, SweepProgress
from hft_core.sweeps.plan import SweepDefinition, SweepPoint, plan_points
from hft_core.sweeps.store import SweepDirectory, is_sweep_directory, open_sweep_directory

__all__ = [
    "PointOutcome",
    "SweepDefinition",
    "SweepDirectory",
    "SweepOutcome",
    "SweepPoint",
    "is_sweep_directory",
    "open_sweep_directory",
    "plan_points",
    "run_sweep",
]


@dataclass(frozen=True)
class SweepOutcome:
    """What `run_sweep` did: every point, those it ran now, those that failed, the results table's path."""

    directory: SweepDirectory
    points: Sequence[SweepPoint]
    ran: Sequence[str]
    failed: dict[str, str]
    table: Path


def run_sweep(
    definition: SweepDefinition,
    out: Path,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    retry_failed: bool = False,
    educational: bool = False,
    host: PluginHost | None = None,
    on_start: Callable[[int, int], None] | None = None,
    on_point: SweepProgress | None = None,
) -> SweepOutcome:
    """Plan ``definition``, run the points ``out`` does not have yet, and write ``results.parquet``.

    Points already complete are skipped; points recorded as failed are skipped unless ``retry_failed``. The
    table is written even when the sweep is interrupted (with the points finished so far). ``on_start`` is called
    once, before anything runs, with the number of points in the sweep and the number still to run; ``on_point``
    as each point ends.
    """
    from hft_core.sweeps.executor import connect, run_points

    points = plan_points(definition, host=host)
    store = open_sweep_directory(out, definition.pattern)
    with store.locked():
        store.record_points(points)
        todo = [
            point
            for point in points
            if not store.is_complete(point.key) and (retry_failed or store.failure(point.key) is None)
        ]
        if on_start is not None:
            on_start(len(points), len(todo))
        results: dict[str, str | None] = {}
        try:
            if todo:
                for point in todo:
                    store.clear_failure(point.key)
                with connect(scheduler, workers) as client:
                    results = run_points(client, store, todo, educational=educational, on_point=on_point)
        finally:
            table = store.write_table()
    failed = {key: error for key, error in results.items() if error is not None}
    failed |= {p.key: e for p in points if p.key not in results and (e := store.failure(p.key)) is not None}
    return SweepOutcome(store, points, [p.key for p in todo], failed, table)
