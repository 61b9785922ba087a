"""``hft run``: resolve the pattern and its config, create the run directory, run, and report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console

from hft_core.config import load_toml, resolve_config, split_sections
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
    data: list[Path] | None,
    duration_s: float | None,
    quiet: bool,
    as_json: bool,
    host: PluginHost | None = None,
) -> None:
    """Everything ``hft run`` does; errors surface as `HftError` for `main` to print.

    ``host`` defaults to one that discovers installed plugins; tests and notebooks may pass their own.
    """
    if seed < 0 or seed >= 2**63:
        raise ConfigError(f"--seed must be in [0, 2**63), got {seed}")
    for path in data or ():
        if not path.is_file():
            raise ConfigError(f"--data {path}: no such file or directory")
    if duration_s is not None and not duration_s > 0:
        raise ConfigError(f"--duration must be a positive number of seconds, got {duration_s}")
    host = host or PluginHost()
    pattern = host.get(name)
    gated = any(r.required_flag == "educational" and pattern in r.patterns for r in host.records())
    if gated and data:
        raise ConfigError(f"pattern {name!r} is educational and simulator-only: it cannot replay --data")
    raw_file = load_toml(config) if config is not None else None
    file_values, pattern_assignments, scenario_overrides = split_sections(raw_file, assignments, file_label=str(config))
    params = resolve_config(pattern, file_values=file_values, file_label=str(config), assignments=pattern_assignments)

    from hft_core.runner import MarketChoice, RunReporter, execute_run

    if data and scenario_overrides:
        raise ConfigError("scenario settings apply to the simulated market, not to a --data replay")
    market = MarketChoice(
        scenario=None if data else host.scenario(pattern.default_scenario),
        scenario_overrides={} if data else {**pattern.scenario_params, **scenario_overrides},
        data=tuple(data) if data else None,
        duration_s=duration_s,
    )
    market.check()

    run_dir = create_run_directory(pattern.name, seed, out)
    meta = {
        "package": pattern.package,
        "package_version": pattern.version,
        "versions": dict(installed_pattern_packages()) | {"hft-core": _core_version()},
        "educational": educational_enabled(),
        "data": [str(path) for path in data] if data else None,
        "scenario": None if market.scenario is None else market.scenario.name,
    }
    run_options: dict[str, object] = {"seed": seed}
    if duration_s is not None:
        run_options["duration_s"] = duration_s
    run_dir.write_config(params, run_options, market.scenario_overrides)
    run_dir.write_meta("running", meta)
    stderr = Console(file=sys.stderr, highlight=False)
    if gated:
        stderr.print(
            "[bold yellow]EDUCATIONAL USE ONLY[/] — this pattern demonstrates market manipulation, which is illegal "
            "in real markets (e.g. CEA §4c(a)(5)(C), CME Rule 575). It runs only on the simulated market."
        )
    reporter = RunReporter(console=Console(file=sys.stdout, highlight=False), stderr=stderr, quiet=quiet or as_json)
    try:
        summary = execute_run(pattern, params, seed=seed, run_dir=run_dir, market=market, reporter=reporter)
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
