"""The `hft` command: cheap start-up, versions, and errors without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hft_core.errors import ConfigError
from hft_core.rundir import create_run_directory


def _hft(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HFT_")}
    return subprocess.run(
        [sys.executable, "-m", "hft_core", *args], capture_output=True, text=True, env=clean | (env or {}), timeout=120
    )


def _heavy_imports(*args: str) -> tuple[list[str], list[str]]:
    """The numeric modules and the plugin modules that ``hft ARGS`` imports, in a fresh process."""
    probe = (
        "import json, sys\n"
        "from hft_core.cli import main\n"
        "try:\n"
        f"    main({list(args)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'pandas', 'numba', 'scipy', 'pyarrow'})\n"
        "plugins = [m for m in sys.modules if m.startswith('hft_') and not m.startswith('hft_core')]\n"
        "print(json.dumps([heavy, plugins]), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    heavy, plugins = json.loads(done.stderr.strip().splitlines()[-1])
    return heavy, plugins


def test_help_imports_no_numpy_pandas_or_plugins() -> None:
    assert _heavy_imports("--help") == ([], [])


@pytest.mark.parametrize("args", [("list",), ("info", "passive-mm"), ("info", "passive-mm", "--toml")])
def test_listing_and_describing_patterns_import_no_numeric_code(args: tuple[str, ...]) -> None:
    """Listing loads every plugin and its config classes, but neither a strategy nor a market."""
    heavy, plugins = _heavy_imports(*args)
    assert heavy == []
    assert not any(module.endswith((".strategy", ".scenarios")) for module in plugins), plugins


def test_version_lists_core() -> None:
    done = _hft("--version")
    assert done.returncode == 0
    assert done.stdout.splitlines()[0].startswith("hft-core ")


def test_unknown_pattern_exits_2_without_traceback() -> None:
    done = _hft("run", "no-such-pattern")
    assert done.returncode == 2
    assert "unknown pattern 'no-such-pattern'" in done.stderr
    assert "Traceback" not in done.stderr


def test_debug_shows_the_traceback() -> None:
    done = _hft("info", "no-such-pattern", env={"HFT_DEBUG": "1"})
    assert done.returncode != 0
    assert "Traceback" in done.stderr


def test_bad_cli_argument_is_a_usage_error() -> None:
    done = _hft("run", "x", "--seed", "notanumber")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_run_directory_refuses_to_overwrite(tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "fills.parquet").write_bytes(b"earlier run")
    with pytest.raises(ConfigError, match="not empty"):
        create_run_directory("demo", 1, taken)
    assert (taken / "fills.parquet").read_bytes() == b"earlier run"


def test_run_directories_are_unique(tmp_path: Path) -> None:
    first = create_run_directory("demo", 7, root=tmp_path)
    second = create_run_directory("demo", 7, root=tmp_path)
    assert first.path != second.path
    assert first.path.name.endswith("-demo-7")
