"""Run directories: where a run writes its resolved config, seed, package versions and outputs, as it goes.

A run directory is named ``<UTC timestamp>-<pattern>-<seed>`` under ``runs/`` unless ``--out`` names one. Its
files hold no wall-clock time, so two runs with the same data, config and seed are byte-identical apart from
the directory name. ``run.json`` says whether the run is ``running``, ``complete`` or ``partial`` (interrupted
or failed, with the reason): an interrupted run still leaves a readable, marked record.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from hft_core.errors import ConfigError

__all__ = ["RunDirectory", "RunStatus", "atomic_write_bytes", "atomic_write_text", "create_run_directory"]

RunStatus = Literal["running", "complete", "partial"]

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """`atomic_write_bytes` for UTF-8 text."""
    atomic_write_bytes(path, text.encode())


@dataclass(frozen=True)
class RunDirectory:
    """A run's output folder and the metadata written into it."""

    path: Path
    pattern: str
    seed: int

    def file(self, name: str) -> Path:
        """The path of one output file in the run directory."""
        return self.path / name

    def write_text(self, name: str, text: str) -> None:
        """Write one text file of the run directory atomically (e.g. ``config.toml``)."""
        atomic_write_text(self.file(name), text)

    def write_meta(self, status: RunStatus, meta: Mapping[str, Any], reason: str | None = None) -> None:
        """``run.json``: pattern, seed, versions, flags and the run's status."""
        record = {"pattern": self.pattern, "seed": self.seed, "status": status, **meta}
        if reason is not None:
            record["reason"] = reason
        atomic_write_text(self.file("run.json"), json.dumps(record, indent=2, sort_keys=True) + "\n")


def create_run_directory(pattern: str, seed: int, out: Path | None = None, root: Path = Path("runs")) -> RunDirectory:
    """Make the run's folder: ``out`` exactly (which must be new or empty), else a fresh one under ``root``."""
    if out is not None:
        if out.exists() and not out.is_dir():
            raise ConfigError(f"--out {out}: exists and is not a directory")
        if out.is_dir() and any(out.iterdir()):
            raise ConfigError(f"--out {out}: directory is not empty; refusing to overwrite an earlier run")
        out.mkdir(parents=True, exist_ok=True)
        return RunDirectory(out, pattern, seed)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = f"{stamp}-{_SAFE.sub('_', pattern)}-{seed}"
    root.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, 1000):
        path = root / (base if attempt == 1 else f"{base}-{attempt}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return RunDirectory(path, pattern, seed)
    raise ConfigError(f"{root}: could not create a new run directory named {base}-N")
