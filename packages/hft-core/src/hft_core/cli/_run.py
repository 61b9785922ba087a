"""``hft run``: resolve the run (`hft_core.runs`), then run it with a progress bar, FILL and log lines and a summary.

Everything about *what* runs is decided by `hft_core.runs.resolve_run`, the same resolver a notebook's
``backtest("pattern")`` uses; this module only adds the console: progress on stderr, one FILL line per fill, the
strategy's log lines as it logs them and the summary table on stdout (or the summary as JSON).
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from hft_core.errors import ConfigError, RunStoppedError
from hft_core.plugins import PluginHost

if TYPE_CHECKING:
    from hft_core.engine.loop import FillEvent

__all__ = ["RunReporter", "run_command"]


class RunReporter:
    """Console output of a run: progress on stderr, FILL lines and the summary on stdout."""

    def __init__(self, console: Console, stderr: Console, *, quiet: bool) -> None:
        self.console = console
        self.stderr = stderr
        self.quiet = quiet

    def fill(self, event: FillEvent) -> None:
        """One line per fill: side, size, price, inventory after, PnL after (mark-to-market, fees included)."""
        if self.quiet:
            return
        fill = event.fill
        side = "Buy " if fill.side == "buy" else "Sell"
        self.console.print(
            f"FILL {side} qty={fill.qty:g} px={fill.price:g}  inv={event.position:>2g}  pnl={event.pnl:.2f}",
            highlight=False,
        )

    def log(self, ts: int, message: str) -> None:
        """A line the strategy logged (``ctx.log``; also kept in the run's ``log.txt``), as it happens."""
        if not self.quiet:
            self.console.print(message, highlight=False, markup=False)

    def print_summary(self, pattern: str, summary: Mapping[str, Any], run_dir: Path) -> None:
        """The summary table and where the run's files are."""
        from hft_core.cli._render import print_run_summary

        print_run_summary(pattern, summary, run_dir, console=self.console)


def run_command(
    name: str,
    *,
    config: Path | None,
    assignments: list[str],
    seed: int | None,
    out: Path | None,
    data: list[Path] | None,
    duration_s: float | None,
    quiet: bool,
    as_json: bool,
    numeraire: str | None = None,
    allow_unsynced: bool | None = None,
    host: PluginHost | None = None,
    symbol: str | None = None,
    tick_size: float | None = None,
    lot_size: float | None = None,
    venue_url: str | None = None,
    paper: bool | None = None,
    text: Path | None = None,
    text_tz: str | None = None,
) -> None:
    """Everything ``hft run`` does; errors surface as `HftError` for `main` to print.

    ``host`` defaults to one that discovers installed plugins; tests may pass their own.
    """
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    from hft_core.runs import execute_run, interrupt_on_signals, resolve_run
    from hft_core.text import TextSource

    if text_tz is not None and text is None:
        raise ConfigError("--text-tz applies to a --text headline file")

    spec = resolve_run(
        name,
        config_file=config,
        assignments=assignments,
        seed=seed,
        data=list(data) if data else None,
        duration_s=duration_s,
        numeraire=numeraire,
        allow_unsynced=allow_unsynced,
        symbol=symbol,
        tick_size=tick_size,
        lot_size=lot_size,
        venue_url=venue_url,
        host=host,
        paper=paper,
        text=None if text is None else TextSource(text, tz=text_tz),
    )
    stderr = Console(file=sys.stderr, highlight=False)
    for note in spec.notes:
        print(f"note: {note}", file=sys.stderr)
    if spec.gated:
        stderr.print(
            "[bold yellow]EDUCATIONAL USE ONLY[/] — this pattern demonstrates market manipulation, which is illegal "
            "in real markets (e.g. CEA §4c(a)(5)(C), CME Rule 575). It runs only on the simulated market."
        )
    reporter = RunReporter(console=Console(file=sys.stdout, highlight=False), stderr=stderr, quiet=quiet or as_json)
    with (
        interrupt_on_signals(),
        Progress(
            TextColumn(f"[bold]{spec.pattern.name}[/]"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=stderr,
            disable=reporter.quiet,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("run", total=1.0)
        try:
            result, run_dir = execute_run(
                spec,
                out=out,
                on_progress=lambda done: progress.update(task, completed=done),
                on_fill=reporter.fill,
                on_log=reporter.log,
            )
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM/SIGHUP as RunInterrupted
            number = getattr(exc, "signal_number", signal.SIGINT)
            name = signal.Signals(number).name
            raise RunStoppedError(
                f"interrupted by {name}: what was recorded is in the run directory, marked partial", number
            ) from None
    if run_dir is None:  # execute_run writes one unless told not to
        raise RuntimeError("hft run: the run directory was not written")
    summary = dict(result.stats)
    if as_json:
        print(json.dumps({**summary, "run_dir": str(run_dir.path)}, indent=2, sort_keys=True))
    else:
        reporter.print_summary(spec.pattern.name, summary, run_dir.path)
