"""Run directories: where a run writes its resolved config, seed, package versions and outputs, as it goes.

A run directory is named ``<UTC timestamp>-<pattern>-<seed>`` under ``runs/`` unless ``--out`` names one. Its
files hold no wall-clock time, so two runs with the same data, config and seed are byte-identical apart from
the directory name. ``run.json`` says whether the run is ``running``, ``complete`` or ``partial`` (interrupted
or failed, with the reason): an interrupted run still leaves a readable, marked record.

One run writes a directory at a time: `create_run_directory` takes the lock file ``.hft-run.lock`` (created
exclusively) before it checks that ``--out`` is empty, so a second ``hft run`` given the same directory at the same
time fails with a clear message instead of mixing its files with the first's. `RunDirectory.release` removes the
lock when the run ends (complete or partial); a run killed outright leaves it, with ``run.json`` still saying
``running``. Files are written through a temporary file and a rename, with the permissions the umask gives.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal

from hft_core.errors import ConfigError

__all__ = [
    "RunDirectory",
    "RunStatus",
    "atomic_output",
    "atomic_write_bytes",
    "atomic_write_text",
    "create_run_directory",
]

RunStatus = Literal["running", "complete", "partial"]

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
LOCK_NAME = ".hft-run.lock"
"""The lock file of a run directory being written (see the module docstring)."""


def _file_mode() -> int:
    """0o666 less the process umask: what ``open()`` would give a new file."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename, so readers never see half a file."""
    with atomic_output(path) as handle:
        handle.write(data)


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A binary file to write ``path``'s content into (without holding it all in memory), put in place by a
    rename when the block ends, or removed if it fails: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        Path(tmp).chmod(_file_mode())  # mkstemp makes it owner-only; follow the umask like other tools
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

    def release(self) -> None:
        """Remove the directory's lock file: the run has ended (complete or partial)."""
        self.file(LOCK_NAME).unlink(missing_ok=True)

    def write_meta(self, status: RunStatus, meta: Mapping[str, Any], reason: str | None = None) -> None:
        """``run.json``: pattern, seed, versions, flags and the run's status."""
        record = {"pattern": self.pattern, "seed": self.seed, "status": status, **meta}
        if reason is not None:
            record["reason"] = reason
        atomic_write_text(self.file("run.json"), json.dumps(record, indent=2, sort_keys=True) + "\n")


def _lock(path: Path, label: str) -> None:
    """Create ``path``'s lock file exclusively, or say who holds it."""
    try:
        fd = os.open(path / LOCK_NAME, os.O_CREAT | os.O_EXCL | os.O_WRONLY, _file_mode())
    except FileExistsError:
        raise ConfigError(
            f"{label} {path}: another hft run is writing there (or one was killed: {path / LOCK_NAME} exists)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{label} {path}: cannot write there: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w") as handle:
        handle.write(f"{os.getpid()}\n")


def create_run_directory(pattern: str, seed: int, out: Path | None = None, root: Path = Path("runs")) -> RunDirectory:
    """Make the run's folder, locked for this run: ``out`` exactly (new or empty), else a fresh one under ``root``.

    A path that cannot be created or written (below a file, read-only, a name too long) is a `ConfigError` naming
    it and the reason.
    """
    if out is not None:
        try:
            if out.exists() and not out.is_dir():
                raise ConfigError(f"--out {out}: exists and is not a directory")
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"--out {out}: cannot create the directory: {exc.strerror or exc}") from None
        _lock(out, "--out")
        if any(entry.name != LOCK_NAME for entry in out.iterdir()):
            (out / LOCK_NAME).unlink(missing_ok=True)
            raise ConfigError(f"--out {out}: directory is not empty; refusing to overwrite an earlier run")
        return RunDirectory(out, pattern, seed)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = f"{stamp}-{_SAFE.sub('_', pattern)}-{seed}"
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{root}: cannot create the runs directory: {exc.strerror or exc}") from None
    for attempt in range(1, 1000):
        path = root / (base if attempt == 1 else f"{base}-{attempt}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise ConfigError(f"{path}: cannot create the run directory: {exc.strerror or exc}") from None
        _lock(path, "run directory")
        return RunDirectory(path, pattern, seed)
    raise ConfigError(f"{root}: could not create a new run directory named {base}-N")
