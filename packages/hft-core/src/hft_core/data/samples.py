"""Where the project's shared sample data lives, for tests, benchmarks and examples.

The workspace keeps real market data (Binance, LOBSTER, Tardis fixtures) in ``shared/data`` beside the
repository checkout; ``HFT_SHARED_DATA`` overrides the location.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["SHARED_DATA_ENV", "SharedDataMissing", "shared_data_path"]

SHARED_DATA_ENV = "HFT_SHARED_DATA"


class SharedDataMissing(FileNotFoundError):  # noqa: N818 (a FileNotFoundError: the name says what is missing)
    """The shared sample data is not beside this checkout (e.g. a CI runner without ``../shared``).

    The workspace's tests skip on it, unless ``HFT_REQUIRE_SHARED_DATA=1`` (set by ``.ci/run``, whose machine has
    the data) makes it a failure (the root ``conftest.py``)."""


def _candidates() -> list[Path]:
    found = [Path(os.environ[SHARED_DATA_ENV])] if os.environ.get(SHARED_DATA_ENV) else []
    for start in (Path.cwd().resolve(), Path(__file__).resolve()):
        found += [parent / "shared" / "data" for parent in start.parents]
    return found


def shared_data_path(name: str) -> Path:
    """The shared data entry ``name`` (a file or folder), or FileNotFoundError saying where it was looked for."""
    candidates = _candidates()
    for base in candidates:
        if (base / name).exists():
            return base / name
    searched = ", ".join(str(c) for c in dict.fromkeys(candidates))
    raise SharedDataMissing(f"shared sample data {name!r} not found (set {SHARED_DATA_ENV}); looked in: {searched}")
