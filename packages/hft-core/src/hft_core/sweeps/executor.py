"""Running a sweep's points on Dask: a local cluster by default, or an existing one (``--scheduler``).

Both go through one code path: a `distributed.Client` (on a `distributed.LocalCluster` of single-threaded worker
processes, or connected to the scheduler's address), one task per missing point, results written by this process
as they complete. A task carries only the pattern's name and the point's resolved config (its ``config.toml``
text, a few KB): the worker resolves it again with `hft_core.runs.resolve_run` (and checks it resolves to the same
config, so a worker with other package versions fails the point instead of running something else), runs it with
`hft_core.runs.execute_run` into a temporary folder and returns the run directory's files.

**Recorded data** never travels with a task: a replay's files are named by path (a cluster's workers must see
the same paths). Before submitting, the client converts each file once into the content-keyed conversion cache
(`hft_core.data.cache`), so every point, on any worker, loads the converted events (an ``.npz``) instead of
parsing the capture again, and no worker races another to convert it.

**Failures**: a point that raises is returned as an error and recorded; the sweep goes on. A worker that dies
mid-task (killed, out of memory) is replaced by the cluster and its task rescheduled by the scheduler; a task that
kills ``distributed.scheduler.allowed-failures`` workers in a row is recorded as failed (``KilledWorker``).
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hft_core.errors import ConfigError

if TYPE_CHECKING:
    from hft_core.plugins import PluginHost
    from hft_core.sweeps.plan import SweepPoint
    from hft_core.sweeps.store import SweepDirectory

__all__ = ["PointOutcome", "SweepProgress", "connect", "run_point", "run_points"]

CONNECT_TIMEOUT_S = 5.0
"""How long to try an existing scheduler before giving up (`connect`)."""


@dataclass(frozen=True)
class PointOutcome:
    """What a worker returns for one point: the run directory's files, or the error that stopped it."""

    key: str
    files: dict[str, bytes] | None = None
    error: str | None = None


@functools.cache
def _host() -> PluginHost:
    """One plugin host per worker process: discovery and plugin imports happen once, not per point."""
    from hft_core.plugins import PluginHost

    return PluginHost()


def run_point(pattern: str, config_text: str, key: str, educational: bool = False) -> PointOutcome:
    """Run one point on a worker: resolve ``config_text``, run it, return its files (or its error).

    ``educational`` unlocks gated patterns in the worker process, as ``hft --educational`` did in the client.
    """
    from hft_core.gate import set_educational
    from hft_core.rundir import LOCK_NAME
    from hft_core.runs import execute_run, resolve_run

    if educational:
        set_educational(True)
    with tempfile.TemporaryDirectory(prefix=f"hft-sweep-{key}-") as tmp:
        config_path = Path(tmp) / "config.toml"
        config_path.write_text(config_text, encoding="utf-8")
        out = Path(tmp) / "run"
        try:
            spec = resolve_run(pattern, config_file=config_path, host=_host())
            if spec.config_toml() != config_text:
                raise ConfigError(
                    "this worker resolves the point to another config (different package versions or plugins?)"
                )
            execute_run(spec, out=out)
        except Exception as exc:  # recorded with the point; the sweep goes on
            return PointOutcome(key, error=f"{type(exc).__name__}: {exc}")
        files = {path.name: path.read_bytes() for path in sorted(out.iterdir()) if path.name != LOCK_NAME}
    return PointOutcome(key, files=files)


@contextlib.contextmanager
def connect(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """A `distributed.Client`: on a new local cluster (``workers`` processes, default the machine's cores) or on
    the scheduler at ``scheduler`` (a `ConfigError` within `CONNECT_TIMEOUT_S` if it cannot be reached)."""
    import logging

    from distributed import Client, LocalCluster

    if scheduler is not None:
        if workers is not None:
            raise ConfigError("--workers sizes a local cluster; an existing --scheduler has its own workers")
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConfigError(f"--scheduler {scheduler}: cannot reach the Dask scheduler: {exc}") from None
        try:
            yield client
        finally:
            client.close()
        return
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count < 1:
        raise ConfigError(f"--workers {count}: need at least one worker")
    cluster = LocalCluster(
        n_workers=count,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = Client(cluster, set_as_default=False)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _warm_data_cache(points: Sequence[SweepPoint]) -> None:
    """Convert each recorded-data file of the sweep once, into the conversion cache every point then reads."""
    paths = sorted({path for point in points for path in (point.spec.data or ())})
    if not paths:
        return
    from hft_core.venues.recorded import load_recorded

    allow = any(point.spec.allow_unsynced for point in points)
    for path in paths:
        load_recorded([path], allow_unsynced=allow)


SweepProgress = Callable[[str, PointOutcome], None]
"""Called as each point ends, with its key and outcome (after it is written)."""


def run_points(
    client: Any,
    store: SweepDirectory,
    points: Sequence[SweepPoint],
    *,
    educational: bool = False,
    on_point: SweepProgress | None = None,
) -> dict[str, str | None]:
    """Run ``points`` on ``client``, writing each into ``store`` as it completes; returns key → error (or None)."""
    from distributed import as_completed

    _warm_data_cache(points)
    by_key = {point.key: point for point in points}
    futures = [
        client.submit(
            run_point,
            point.spec.pattern.name,
            point.spec.config_toml(),
            point.key,
            educational,
            key=f"hft-sweep-point-{point.key}",
            pure=False,
        )
        for point in points
    ]
    results: dict[str, str | None] = {}
    try:
        for future in as_completed(futures, loop=client.loop):
            key = future.key.removeprefix("hft-sweep-point-")
            try:
                outcome: PointOutcome = future.result()
            except Exception as exc:  # KilledWorker and friends: the point could not run at all
                outcome = PointOutcome(key, error=f"{type(exc).__name__}: {exc}")
            point = by_key[key]
            if outcome.files is not None:
                store.write_point(key, outcome.files)
            else:
                store.write_failure(
                    key,
                    {
                        "key": key,
                        "seed": point.seed,
                        "values": dict(point.values),
                        "error": outcome.error,
                        "config": point.spec.config_toml(),
                    },
                )
            results[key] = outcome.error
            if on_point is not None:
                on_point(key, outcome)
    finally:
        for future in futures:
            future.cancel()
    return results
