"""``hft run``: resolve the pattern and its config, create the run directory, run, and report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console

from hft_core.config import load_toml, resolve_config
from hft_core.errors import ConfigError
from hft_core.gate import educational_enabled
from hft_core.plugins import PluginHost, installed_pattern_packages
from hft_core.rundir import create_run_directory

__all__ = ["run_command"]


def run_command(
    name: str,
    *,
    config: Path | None,
    assignments: list[str],
    seed: int,
    out: Path | None,
    data: Path | None,
    quiet: bool,
    as_json: bool,
) -> None:
    """Everything ``hft run`` does; errors surface as `HftError` for `main` to print."""
    if quiet and as_json:
        raise ConfigError("--quiet and --json are mutually exclusive (--json already prints only the summary)")
    if seed < 0 or seed >= 2**63:
        raise ConfigError(f"--seed must be in [0, 2**63), got {seed}")
    if data is not None and not data.exists():
        raise ConfigError(f"--data {data}: no such file or directory")
    pattern = PluginHost().get(name)
    file_values = load_toml(config) if config is not None else None
    params = resolve_config(pattern, file_values=file_values, file_label=str(config), assignments=assignments)

    from hft_core.runner import RunReporter, execute_run

    run_dir = create_run_directory(pattern.name, seed, out)
    meta = {
        "package": pattern.package,
        "package_version": pattern.version,
        "versions": dict(installed_pattern_packages()) | {"hft-core": _core_version()},
        "educational": educational_enabled(),
        "data": str(data) if data is not None else None,
    }
    run_dir.write_config(params, {"seed": seed})
    run_dir.write_meta("running", meta)
    stderr = Console(file=sys.stderr, highlight=False)
    reporter = RunReporter(console=Console(file=sys.stdout, highlight=False), stderr=stderr, quiet=quiet or as_json)
    try:
        summary = execute_run(pattern, params, seed=seed, run_dir=run_dir, data=data, reporter=reporter)
    except BaseException as exc:
        run_dir.write_meta("partial", meta, reason=f"{type(exc).__name__}: {exc}")
        raise
    run_dir.write_meta("complete", meta)
    if as_json:
        print(json.dumps({**summary, "run_dir": str(run_dir.path)}, indent=2, sort_keys=True))
    else:
        reporter.print_summary(pattern.name, summary, run_dir.path)


def _core_version() -> str:
    from hft_core.__about__ import __version__

    return __version__
