"""``hft sweep``: build the sweep's definition from the command line (and a sweep file), run it with a progress bar.

What runs is decided by `hft_core.sweeps` (each point resolved by `hft_core.runs.resolve_run`); this module only
merges the options and adds the console: a progress bar on stderr, the failed points and where the results are.
"""

from __future__ import annotations

import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from hft_core.errors import RunStoppedError
from hft_core.plugins import PluginHost

__all__ = ["default_sweep_dir", "sweep_command"]


def default_sweep_dir(pattern: str) -> Path:
    """``sweeps/<UTC time>-<pattern>``: where a sweep without ``--out`` writes."""
    return Path("sweeps") / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{pattern}"


def sweep_command(
    name: str,
    *,
    grid: list[str],
    random_points: int | None,
    ranges: list[str],
    search_seed: int | None,
    seeds: str | None,
    sweep_file: Path | None,
    config: Path | None,
    assignments: list[str],
    duration_s: float | None,
    data: list[Path] | None,
    numeraire: str | None,
    out: Path | None,
    scheduler: str | None,
    workers: int | None,
    retry_failed: bool,
    quiet: bool,
    host: PluginHost | None = None,
) -> None:
    """Everything ``hft sweep`` does; errors surface as `HftError` for `main` to print."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from hft_core.gate import educational_enabled
    from hft_core.runs import interrupt_on_signals
    from hft_core.sweeps import SweepDefinition, run_sweep
    from hft_core.sweeps.plan import load_sweep_file, parse_grid, parse_range, parse_seeds

    fields: dict[str, Any] = load_sweep_file(sweep_file, name) if sweep_file is not None else {}
    axes = dict(fields.get("grid", ()))
    axes.update(parse_grid(text) for text in grid)
    fields["grid"] = tuple(axes.items())
    if ranges:
        by_key = {axis.key: axis for axis in fields.get("ranges", ())}
        by_key.update((axis.key, axis) for axis in map(parse_range, ranges))
        fields["ranges"] = tuple(by_key.values())
    if random_points is not None:
        fields["random_points"] = random_points
    if search_seed is not None:
        fields["search_seed"] = search_seed
    if seeds is not None:
        fields["seeds"] = parse_seeds(seeds)
    if config is not None:
        fields["config_file"] = config
    fields["assignments"] = (*fields.get("assignments", ()), *assignments)
    if duration_s is not None:
        fields["duration_s"] = duration_s
    if data:
        fields["data"] = tuple(data)
    if numeraire is not None:
        fields["numeraire"] = numeraire
    definition = SweepDefinition(pattern=name, **fields)
    target = out if out is not None else default_sweep_dir(name)

    stderr = Console(file=sys.stderr, highlight=False)
    progress = Progress(
        TextColumn(f"[bold]{name}[/] sweep"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeElapsedColumn(),
        console=stderr,
        disable=quiet,
        transient=True,
    )
    task = progress.add_task("points", total=None, failed=0)
    failures = 0

    def started(total: int, todo: int) -> None:
        if not quiet:
            stderr.print(f"sweep {target}: {total} points, {total - todo} already done, {todo} to run")
        progress.update(task, total=todo)

    def point_done(_key: str, outcome: Any) -> None:
        nonlocal failures
        failures += outcome.error is not None
        progress.update(task, advance=1, failed=failures)

    with interrupt_on_signals(), progress:
        try:
            result = run_sweep(
                definition,
                target,
                scheduler=scheduler,
                workers=workers,
                retry_failed=retry_failed,
                educational=educational_enabled(),
                host=host,
                on_start=started,
                on_point=point_done,
            )
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM/SIGHUP as RunInterrupted
            number = getattr(exc, "signal_number", signal.SIGINT)
            raise RunStoppedError(
                f"interrupted by {signal.Signals(number).name}: the finished points are in {target}; "
                "run the same command with --out to finish the rest",
                number,
            ) from None
    print(
        f"sweep {result.directory.path}: {len(result.points)} points, ran {len(result.ran)}, "
        f"failed {len(result.failed)}"
    )
    for key, error in sorted(result.failed.items())[:10]:
        print(f"  failed {key}: {error}")
    if len(result.failed) > 10:
        print(f"  ... and {len(result.failed) - 10} more (see {result.directory.failed_dir})")
    print(f"results: {result.table}")
    print(f"plots: hft report {result.directory.path}")
