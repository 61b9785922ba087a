"""What ``hft run`` does once the pattern and its config are resolved: build, run, write, report.

The strategy comes from the pattern's factory; the market is the pattern's default simulated scenario, or a
replay of ``--data``. Output goes to the run directory (see `hft_core.rundir`); the console gets a progress bar
(stderr), one FILL line per fill (stdout) and a summary table, unless ``quiet``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from hft_core.cli._render import print_run_summary
from hft_core.engine.loop import FillEvent
from hft_core.errors import ConfigError
from hft_core.patterns import Pattern
from hft_core.rundir import RunDirectory

if TYPE_CHECKING:
    from hft_core.venues.base import Venue
    from hft_core.venues.simulated.scenarios import Scenario

__all__ = ["MarketChoice", "RunReporter", "execute_run"]


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

    def print_summary(self, pattern: str, summary: Mapping[str, Any], run_dir: Path) -> None:
        """The summary table and where the run's files are."""
        print_run_summary(pattern, summary, run_dir, console=self.console)


@dataclass(frozen=True)
class MarketChoice:
    """Where a run trades: a simulated ``scenario`` (with overrides) or a replay of recorded ``data``."""

    scenario: Scenario | None
    scenario_overrides: Mapping[str, Any] = field(default_factory=dict)
    data: tuple[Path, ...] | None = None
    duration_s: float | None = None

    def check(self) -> None:
        """Validate scenario overrides before anything is written (a bad key names the valid ones)."""
        if self.scenario is not None:
            self.scenario.resolve(self.scenario_overrides)

    def venue(self, seed: int) -> Venue:
        """A fresh venue for one run."""
        if self.data is not None:
            from hft_core.venues.recorded import replay_from_paths

            return replay_from_paths(self.data)
        if self.scenario is None:
            raise ConfigError("a run needs a scenario or --data")
        if self.duration_s is not None:
            return self.scenario(seed, self.duration_s, **self.scenario_overrides)
        return self.scenario(seed, **self.scenario_overrides)


def execute_run(
    pattern: Pattern,
    params: Mapping[str, Any],
    *,
    seed: int,
    run_dir: RunDirectory,
    market: MarketChoice,
    reporter: RunReporter,
) -> dict[str, Any]:
    """Run ``pattern`` with ``params`` and write its outputs into ``run_dir``; returns the summary stats."""
    from hft_core.engine.loop import Engine

    try:
        strategy = pattern.strategy_factory(dict(params))
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"pattern {pattern.name!r} rejected its parameters: {exc}") from None
    venue = market.venue(seed)
    with Progress(
        TextColumn(f"[bold]{pattern.name}[/]"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=reporter.stderr,
        disable=reporter.quiet,
        transient=True,
    ) as progress:
        task = progress.add_task("run", total=1.0)
        engine = Engine(
            strategy,
            venue,
            duration_s=market.duration_s if market.data is not None else None,
            on_progress=lambda done: progress.update(task, completed=done),
            on_fill=reporter.fill,
        )
        try:
            result = engine.run()
        except BaseException:
            partial = engine.partial_result()
            if partial is not None:
                partial.stats["partial"] = True
                partial.write(run_dir.path)
            raise
    result.write(run_dir.path)
    return dict(result.stats)
