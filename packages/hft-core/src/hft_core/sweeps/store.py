"""The sweep directory: one run directory per point, failures, and the results table.

```
SWEEP_DIR/
  sweep.json          kind, pattern, the swept knobs (axes, in order) and every point asked for so far: key,
                      seed, axis values
  points/<key>/       the point's run directory, byte for byte what `hft run --out` writes for the same inputs
  failed/<key>.json   a point that failed: its axis values, seed and the error
  results.parquet     one row per point: key, seed, status, error, every knob, every stat (flattened)
  .hft-sweep.lock     held while a sweep writes here (pid and host; a dead holder's lock is taken over)
```

Only the process that runs the sweep (the Dask client) writes here: workers return a point's files and the
client writes them into a temporary folder that is renamed to ``points/<key>`` once complete, so a sweep killed at
any moment leaves only complete points. A re-run with the same ``--out`` skips the points it has (by key) and
runs the rest; points may be added (more seeds, another axis value), but the directory belongs to one pattern.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hft_core.errors import ConfigError
from hft_core.rundir import LOCK_NAME, atomic_write_bytes, atomic_write_text

if TYPE_CHECKING:
    import pandas as pd

    from hft_core.sweeps.plan import SweepPoint

__all__ = ["SWEEP_FILE", "SweepDirectory", "flatten_stats", "is_sweep_directory", "open_sweep_directory"]

SWEEP_FILE = "sweep.json"
SWEEP_KIND = "hft-sweep"
SWEEP_LOCK = ".hft-sweep.lock"
RESULTS_FILE = "results.parquet"
_FIXED_COLUMNS = ("key", "seed", "status", "error")


def is_sweep_directory(path: Path) -> bool:
    """Whether ``path`` holds a sweep (its ``sweep.json`` says so)."""
    try:
        return json.loads((path / SWEEP_FILE).read_text()).get("kind") == SWEEP_KIND  # type: ignore[no-any-return]
    except (OSError, ValueError, AttributeError):
        return False


def flatten_stats(stats: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A run's stats as flat columns: nested tables joined with dots (``markouts.1s.mean_bp``), scalars only."""
    flat: dict[str, Any] = {}
    for name, value in stats.items():
        column = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat.update(flatten_stats(value, f"{column}."))
        elif value is None or isinstance(value, bool | int | float | str):
            flat[column] = value
    return flat


def _knob_columns(config_text: str) -> dict[str, Any]:
    """Every knob of a point's ``config.toml``: the pattern's by name, a table's (``[scenario]``, a replay's
    ``[venue]``) as ``TABLE.NAME``; the ``[run]`` table is in the row's own columns."""
    body = tomllib.loads(config_text)
    body.pop("run", None)
    columns: dict[str, Any] = {}
    for name, value in body.items():
        if isinstance(value, dict):
            columns.update({f"{name}.{key}": inner for key, inner in value.items() if not isinstance(inner, dict)})
        else:
            columns[name] = value
    return columns


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class SweepDirectory:
    """An open sweep directory of ``pattern`` (see the module docstring for its layout)."""

    path: Path
    pattern: str

    @property
    def points_dir(self) -> Path:
        """Where the points' run directories are."""
        return self.path / "points"

    @property
    def failed_dir(self) -> Path:
        """Where failed points are recorded."""
        return self.path / "failed"

    def point_dir(self, key: str) -> Path:
        """The run directory of the point ``key``."""
        return self.points_dir / key

    def is_complete(self, key: str) -> bool:
        """Whether point ``key`` has a complete run directory."""
        try:
            meta = json.loads((self.point_dir(key) / "run.json").read_text())
        except (OSError, ValueError):
            return False
        return isinstance(meta, dict) and meta.get("status") == "complete"

    def failure(self, key: str) -> str | None:
        """The recorded error of point ``key``, if it failed."""
        try:
            record = json.loads((self.failed_dir / f"{key}.json").read_text())
        except (OSError, ValueError):
            return None
        return str(record.get("error")) if isinstance(record, dict) else None

    def record_points(self, points: Sequence[SweepPoint]) -> list[dict[str, Any]]:
        """Add ``points`` to ``sweep.json`` (those already there keep their place); returns every point record."""
        meta = self._meta()
        records: list[dict[str, Any]] = list(meta["points"])
        known = {record["key"] for record in records}
        for point in points:
            if point.key not in known:
                records.append({"key": point.key, "seed": point.seed, "values": dict(point.values)})
                known.add(point.key)
        meta["points"] = records
        axes = list(meta.get("axes", []))
        meta["axes"] = axes + [name for point in points for name in point.values if name not in axes]
        meta["axes"] = list(dict.fromkeys(meta["axes"]))
        atomic_write_text(self.path / SWEEP_FILE, json.dumps(meta, indent=2, sort_keys=True) + "\n")
        return records

    def _meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = json.loads((self.path / SWEEP_FILE).read_text())
        return meta

    def write_point(self, key: str, files: Mapping[str, bytes]) -> Path:
        """Write a completed point's run-directory files (from a worker) as ``points/<key>``, all at once."""
        final = self.point_dir(key)
        staging = self.points_dir / f".{key}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for name, data in sorted(files.items()):
            if "/" in name or name.startswith("."):
                raise ValueError(f"a run directory file name cannot be {name!r}")
            atomic_write_bytes(staging / name, data)
        if final.exists():  # an interrupted or failed attempt from an earlier sweep
            shutil.rmtree(final)
        staging.rename(final)
        (self.failed_dir / f"{key}.json").unlink(missing_ok=True)
        return final

    def write_failure(self, key: str, record: Mapping[str, Any]) -> None:
        """Record point ``key`` as failed with ``record`` (its values, seed and error)."""
        atomic_write_text(self.failed_dir / f"{key}.json", json.dumps(dict(record), indent=2, sort_keys=True) + "\n")

    def clear_failure(self, key: str) -> None:
        """Forget that point ``key`` failed (it is about to run again)."""
        (self.failed_dir / f"{key}.json").unlink(missing_ok=True)

    def table(self) -> pd.DataFrame:
        """The results: one row per point of ``sweep.json`` that completed or failed, in the order asked."""
        import pandas as pd

        rows: list[dict[str, Any]] = []
        for record in self._meta()["points"]:
            key = record["key"]
            row: dict[str, Any] = {"key": key, "seed": record["seed"]}
            if self.is_complete(key):
                folder = self.point_dir(key)
                stats = json.loads((folder / "summary.json").read_text())
                row |= {"status": "complete", "error": None}
                row |= _knob_columns((folder / "config.toml").read_text())
                for column, value in flatten_stats(stats).items():
                    row[column if column not in row else f"stat.{column}"] = value
            else:
                error = self.failure(key)
                if error is None:
                    continue
                failed = json.loads((self.failed_dir / f"{key}.json").read_text())
                row |= {"status": "failed", "error": error}
                row |= _knob_columns(failed.get("config", ""))
            rows.append(row)
        frame = pd.DataFrame(rows)
        for column in frame.columns:
            kinds = {type(v) for v in frame[column] if v is not None and v == v}
            if len(kinds) > 1 and not kinds <= {int, float}:
                frame[column] = [None if v is None else str(v) for v in frame[column]]  # e.g. 0.25 and "2ticks"
        return frame

    def write_table(self) -> Path:
        """Write ``results.parquet`` from the points on disk; returns its path."""
        import io

        frame = self.table()
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        target = self.path / RESULTS_FILE
        atomic_write_bytes(target, buffer.getvalue())
        return target

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the sweep's lock while inside (a lock left by a dead process on this host is taken over)."""
        lock = self.path / SWEEP_LOCK
        me = f"{os.getpid()} {socket.gethostname()}\n"
        for _ in range(2):
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = lock.read_text(errors="replace").split()
                if len(holder) == 2 and holder[1] == socket.gethostname() and not _pid_alive(int(holder[0])):
                    lock.unlink(missing_ok=True)
                    continue
                raise ConfigError(
                    f"{self.path}: another hft sweep is writing there (process {' on '.join(holder)}); "
                    f"if it is gone, remove {lock}"
                ) from None
            with os.fdopen(fd, "w") as handle:
                handle.write(me)
            break
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)


def open_sweep_directory(path: Path, pattern: str) -> SweepDirectory:
    """Open ``path`` for a sweep of ``pattern``: new or empty (created), or a sweep of the same pattern (resumed).

    A directory holding anything else, or a sweep of another pattern, is a `ConfigError`.
    """
    try:
        if path.exists() and not path.is_dir():
            raise ConfigError(f"--out {path}: exists and is not a directory")
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--out {path}: cannot create the directory: {exc.strerror or exc}") from None
    meta_path = path / SWEEP_FILE
    if meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{meta_path}: unreadable sweep record: {exc}") from None
        if not isinstance(meta, dict) or meta.get("kind") != SWEEP_KIND:
            raise ConfigError(f"--out {path}: {SWEEP_FILE} there is not an hft sweep record")
        if meta.get("pattern") != pattern:
            raise ConfigError(
                f"--out {path}: this sweep directory holds a sweep of pattern {meta.get('pattern')!r}, "
                f"not {pattern!r}; give another --out"
            )
        return SweepDirectory(path, pattern)
    if any(entry.name not in (LOCK_NAME, SWEEP_LOCK) for entry in path.iterdir()):
        raise ConfigError(f"--out {path}: directory is not empty and holds no sweep; refusing to write there")
    record = {"kind": SWEEP_KIND, "version": 1, "pattern": pattern, "points": []}
    atomic_write_text(meta_path, json.dumps(record, indent=2, sort_keys=True) + "\n")
    return SweepDirectory(path, pattern)
