"""One resolver for every run: ``hft run``, ``backtest("pattern")`` in a notebook, and anything built on them.

`resolve_run` turns a pattern name and its inputs into a `RunSpec`, applying, in this order:

- the pattern's knobs: config-class defaults < a TOML file's top-level keys < ``values`` < ``--set key=value``;
- its market: the scenario's defaults < the pattern's ``scenario_params`` < the file's ``[scenario]`` table <
  ``scenario`` values < ``--set scenario.KEY=VALUE``; or, with ``data``, a replay of recorded files, whose venue
  knobs (`hft_core.venues.replay.config.ReplayConfig`: fees, latency, queue model, partial fills) resolve as
  their defaults < the file's ``[venue]`` table < ``venue`` values < ``--set venue.KEY=VALUE``, and whose
  instrument grid ``symbol``/``tick_size``/``lot_size`` (``--symbol``...) replaces the file's own or inferred one;
- its text feed: ``text`` (a headline file and how to read it, `hft_core.text.TextSource`) given explicitly < the
  file's ``[run] text`` (a file name or a ``[run.text]`` table); without one, the text the market generates, if any;
- the run: ``seed``, ``duration_s`` and ``data`` given explicitly < the file's ``[run]`` table < their defaults
  (seed 1, the scenario's duration or all the data). An explicit seed that differs from the file's wins, and the
  spec says so (`RunSpec.notes`).

`execute_run` builds the strategy and the venue (so a bad knob fails before anything is written), creates the
run directory, runs the engine and writes the outputs. The spec's `RunSpec.config_toml` is the ``config.toml``
written into the run directory: ``hft run NAME --config RUN_DIR/config.toml`` reproduces the run byte for byte.
Equal inputs give byte-identical run directories whichever door they came through.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w

from hft_core.config import load_toml, split_run_sections
from hft_core.errors import ConfigError
from hft_core.gate import educational_enabled
from hft_core.knobs import Config
from hft_core.patterns import Pattern
from hft_core.plugins import PluginHost, installed_pattern_packages
from hft_core.rundir import RunDirectory, create_run_directory
from hft_core.scenarios import DEFAULT_DURATION_S, DEFAULT_SCENARIO, Scenario

if TYPE_CHECKING:
    from hft_core.engine.loop import FillEvent
    from hft_core.engine.results import BacktestResult
    from hft_core.risk import RiskLimits
    from hft_core.strategy import Strategy
    from hft_core.text import TextFeed, TextSource
    from hft_core.venues.base import Venue

__all__ = [
    "DEFAULT_SEED",
    "RunInterrupted",
    "RunSpec",
    "backtest",
    "create_scenario",
    "execute_run",
    "interrupt_on_signals",
    "resolve_run",
]

DEFAULT_SEED = 1
"""The seed of a run that names none (on the command line or in its config file)."""

_RUN_KEYS = (
    "pattern",
    "seed",
    "duration_s",
    "data",
    "venue_url",
    "paper",
    "numeraire",
    "allow_unsynced",
    "symbol",
    "tick_size",
    "lot_size",
    "text",
)
API_KEY_ENV = "HFT_API_KEY"
API_SECRET_ENV = "HFT_API_SECRET"
"""Where a live run finds its venue credentials: the environment, never a file the run writes."""
_GRID_KEYS = ("symbol", "tick_size", "lot_size")


@dataclass(frozen=True)
class RunSpec:
    """Everything a run depends on, resolved and checked: the same spec gives the same outputs."""

    pattern: Pattern
    config: Config
    seed: int
    scenario: Scenario | None
    scenario_config: Config | None
    data: tuple[Path, ...] | None
    duration_s: float | None
    numeraire: str | None = None
    allow_unsynced: bool = False
    gated: bool = False
    notes: tuple[str, ...] = field(default=(), compare=False)
    venue_config: Config | None = None
    """A data replay's venue knobs (`ReplayConfig`); None for the simulated market."""
    grid: Mapping[str, str | float] | None = None
    venue_url: str | None = None
    """A live run's venue (``ws://HOST:PORT/EXCHANGE/SYMBOL``, e.g. ``hft serve``); None for the others."""
    """A data replay's instrument options (``symbol``, ``tick_size``, ``lot_size``: `GridOverrides`), if given."""
    text: TextSource | None = None
    """The run's headline file and how to read it; None: the text the market generates, if any."""
    paper: bool = False
    """A paper run: ``venue_url``'s live feed, the orders matched locally by a replay venue (``venue_config``)."""

    def config_toml(self) -> str:
        """The resolved config as TOML, reusable with ``hft run NAME --config`` (seed and duration included)."""
        body: dict[str, Any] = self.config.to_dict()
        if self.scenario_config is not None:
            body["scenario"] = self.scenario_config.to_dict()
        if self.venue_config is not None:
            body["venue"] = self.venue_config.to_dict()
        run: dict[str, Any] = {"pattern": self.pattern.name, "seed": self.seed}
        if self.duration_s is not None:
            run["duration_s"] = self.duration_s
        if self.data is not None:
            run["data"] = [str(path) for path in self.data]
        if self.venue_url is not None:
            run["venue_url"] = self.venue_url
        if self.paper:
            run["paper"] = True
        if self.numeraire is not None:
            run["numeraire"] = self.numeraire
        if self.allow_unsynced:
            run["allow_unsynced"] = True
        run.update(self.grid or {})
        if self.text is not None:
            run["text"] = self.text.to_toml()
        body["run"] = run
        header = (
            f"# Resolved configuration of pattern {self.pattern.name!r}: every knob, the market and the seed.\n"
            f"# Rerun it with: hft run {self.pattern.name} --config THIS_FILE\n"
        )
        return header + tomli_w.dumps(body)

    def meta(self) -> dict[str, Any]:
        """What ``run.json`` records besides the status: where the pattern came from, versions, market, flags."""
        from hft_core.__about__ import __version__

        return {
            "package": self.pattern.package,
            "package_version": self.pattern.version,
            "versions": dict(installed_pattern_packages()) | {"hft-core": __version__},
            "educational": educational_enabled(),
            "data": [str(path) for path in self.data] if self.data is not None else None,
            "scenario": None if self.scenario is None else self.scenario.name,
            **({"venue_url": self.venue_url} if self.venue_url is not None else {}),
            **({"paper": True} if self.paper else {}),
            **({"venue": self.venue_config.to_dict()} if self.venue_config is not None else {}),
            **({"instrument": dict(self.grid)} if self.grid else {}),
            **({"text": self.text.to_toml()} if self.text is not None else {}),
        }

    def build_strategy(self) -> Strategy:
        """A fresh strategy for this run (a `ConfigError` if the pattern refuses its config)."""
        try:
            return self.pattern.build(self.config)
        except ConfigError:
            raise
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"pattern {self.pattern.name!r} rejected its config: {exc}") from None

    def build_venue(self) -> Venue:
        """A fresh venue for this run: the scenario's market, a replay of the data files, or a live venue (its API
        key and secret from ``HFT_API_KEY``/``HFT_API_SECRET``; without them it trades nothing)."""
        if self.venue_url is not None and self.paper:
            from hft_core.venues.live.paper import paper_venue
            from hft_core.venues.replay.config import ReplayConfig

            if not isinstance(self.venue_config, ReplayConfig):
                raise ConfigError("a paper run's venue config must be a ReplayConfig")
            return paper_venue(self.venue_url, replay=self.venue_config, seed=self.seed)
        if self.venue_url is not None:
            from hft_core.venues.live import live_venue

            return live_venue(
                self.venue_url, api_key=os.environ.get(API_KEY_ENV), secret=os.environ.get(API_SECRET_ENV)
            )
        if self.data is not None:
            from hft_core.data.instrument_spec import GridOverrides
            from hft_core.venues.recorded import replay_from_paths
            from hft_core.venues.replay.config import ReplayConfig

            replay = self.venue_config
            if replay is not None and not isinstance(replay, ReplayConfig):
                raise ConfigError(f"a replay's venue config must be a ReplayConfig, got {type(replay).__name__}")
            return replay_from_paths(
                self.data,
                allow_unsynced=self.allow_unsynced,
                replay=replay,
                seed=self.seed,
                overrides=GridOverrides(**self.grid) if self.grid else None,  # type: ignore[arg-type]
            )
        if self.scenario is None or self.scenario_config is None:
            raise ConfigError("a run needs a scenario or data")
        return self.scenario.venue(self.seed, self.duration_s or DEFAULT_DURATION_S, self.scenario_config)

    def text_feed(self, venue: Venue) -> TextFeed | None:
        """The run's text: its headline file loaded (a `DataError` for a bad row), else the venue's own."""
        from hft_core.text import text_feed_of

        return self.text.load() if self.text is not None else text_feed_of(venue)


def _seed(value: object, source: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise ConfigError(f"{source}: seed must be an integer in [0, 2**63), got {value!r}")
    return value


def _duration(value: object, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (0 < value < math.inf):
        raise ConfigError(f"{source}: duration must be a positive number of seconds, got {value!r}")
    return float(value)


def _data_paths(value: object, source: str) -> tuple[Path, ...]:
    items = [value] if isinstance(value, str | Path) else value
    if not isinstance(items, list | tuple) or not items or not all(isinstance(p, str | Path) for p in items):
        raise ConfigError(f"{source}: data must be a path or a list of paths, got {value!r}")
    paths = tuple(Path(p) for p in items)
    for path in paths:
        if not path.is_file():
            raise ConfigError(f"{source}: data file {path}: no such file")
    return paths


def _replay_config(
    table: Mapping[str, object] | None,
    values: Mapping[str, object] | None,
    assignments: Iterable[str],
    label: str,
    owner: str,
) -> Config:
    """A replay or paper venue's knobs (`ReplayConfig`): defaults < the file's ``[venue]`` < values < ``venue.K=V``."""
    from hft_core.venues.replay.config import ReplayConfig

    return (
        ReplayConfig()
        .updated(table or {}, source=f"{label} [venue]", owner=owner)
        .updated(values or {}, source="venue values", owner=owner)
        .updated(assignments=assignments, owner=owner, prefix="venue.")
    )


def _live_url(url: object, paths: tuple[Path, ...] | None, duration_s: float | None, pattern: str, gated: bool) -> str:
    """A live run's venue URL, checked: a ws(s):// URL (the seed-style API) or binance+ws(s):// (Binance's dialect),
    no --data beside it, a duration, no educational pattern."""
    from hft_core.venues.live import BINANCE_SCHEMES

    if not isinstance(url, str) or not url.startswith(("ws://", "wss://", *BINANCE_SCHEMES)):
        raise ConfigError(
            f"--venue must be a ws:// or wss:// URL (e.g. ws://127.0.0.1:8000/binance/BTCUSDT), or binance+ws:// for "
            f"Binance's dialect (binance+ws://127.0.0.1:8000/binance/BTCUSDT), got {url!r}"
        )
    if paths is not None:
        raise ConfigError("give --data (a replay) or --venue (a live run), not both")
    if gated:
        raise ConfigError(f"pattern {pattern!r} is educational and simulator-only: it cannot trade a live venue")
    if duration_s is None:
        raise ConfigError("a live run needs --duration (seconds of wall-clock time to trade)")
    return url


def _run_table(table: object, label: str, pattern: str) -> dict[str, Any]:
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise ConfigError(f"{label}: 'run' must be a table (seed, duration_s, data, numeraire)")
    unknown = sorted(set(table) - set(_RUN_KEYS))
    if unknown:
        raise ConfigError(f"{label}: unknown key(s) {', '.join(map(repr, unknown))} in [run]; known: {_RUN_KEYS}")
    written_for = table.get("pattern")
    if written_for is not None and written_for != pattern:
        raise ConfigError(f"{label}: this config was written for pattern {written_for!r}, not {pattern!r}")
    return table


def resolve_run(
    pattern: str | Pattern,
    *,
    config_file: Path | None = None,
    values: Mapping[str, object] | None = None,
    assignments: Iterable[str] = (),
    scenario: Mapping[str, object] | None = None,
    seed: int | None = None,
    data: str | Path | Sequence[str | Path] | None = None,
    duration_s: float | None = None,
    numeraire: str | None = None,
    allow_unsynced: bool | None = None,
    venue: Mapping[str, object] | None = None,
    symbol: str | None = None,
    tick_size: float | None = None,
    lot_size: float | None = None,
    venue_url: str | None = None,
    text: TextSource | str | Path | None = None,
    host: PluginHost | None = None,
    paper: bool | None = None,
) -> RunSpec:
    """Resolve a run of ``pattern`` (see the module docstring for the order of the layers).

    ``assignments`` are ``key=value`` texts as given to ``--set`` (``scenario.KEY=VALUE`` for the market);
    ``values`` and ``scenario`` are typed values, as a notebook gives them. ``numeraire`` is the currency the run's
    PnL is counted in (default: the first instrument's quote currency); ``allow_unsynced`` accepts recorded data
    whose book never synced or never moved (refused by default). ``venue`` are a replay venue's typed knob values
    (``venue.KEY=VALUE`` texts go in ``assignments``); ``symbol``/``tick_size``/``lot_size`` set the replayed
    file's instrument grid. ``venue_url`` makes it a live run against that venue (``--duration`` required);
    with ``paper`` a paper run: that venue's feed, the orders matched locally by a replay venue (``venue``).
    ``text`` is the run's headline file (a path, or a `TextSource` with its reading options). Every
    mistake is a `ConfigError` that names the key, where it came from and what was
    expected.
    """
    host = host or PluginHost()
    found = host.get(pattern) if isinstance(pattern, str) else pattern
    gated = any(r.required_flag == "educational" and found in r.patterns for r in host.records())
    label = str(config_file) if config_file is not None else "config"
    raw = load_toml(config_file) if config_file is not None else {}
    sections = split_run_sections(raw, assignments, label)
    file_values, pattern_assignments, scenario_assignments = (
        sections.values,
        sections.pattern_assignments,
        sections.scenario_assignments,
    )
    tables = sections.tables
    run_table = _run_table(tables.get("run"), label, found.name)
    owner = f"pattern {found.name!r}"
    config = (
        found.defaults()
        .updated(file_values, source=label, owner=owner)
        .updated(values or {}, source="values", owner=owner)
        .updated(assignments=pattern_assignments, owner=owner)
    )

    notes: list[str] = []
    resolved_seed = DEFAULT_SEED
    if "seed" in run_table:
        resolved_seed = _seed(run_table["seed"], f"{label} [run]")
    if seed is not None:
        explicit = _seed(seed, "--seed")
        if "seed" in run_table and explicit != resolved_seed:
            notes.append(f"seed {explicit} (given) overrides seed {resolved_seed} from {label}")
        resolved_seed = explicit
    resolved_duration = _duration(duration_s, "--duration") if duration_s is not None else None
    if resolved_duration is None and "duration_s" in run_table:
        resolved_duration = _duration(run_table["duration_s"], f"{label} [run]")
    resolved_numeraire = numeraire
    if resolved_numeraire is None and "numeraire" in run_table:
        resolved_numeraire = run_table["numeraire"]
    if resolved_numeraire is not None and (not isinstance(resolved_numeraire, str) or not resolved_numeraire.strip()):
        raise ConfigError(
            f"{label} [run]: numeraire must be a currency code such as 'USDT', got {resolved_numeraire!r}"
        )
    unsynced = allow_unsynced if allow_unsynced is not None else run_table.get("allow_unsynced", False)
    if not isinstance(unsynced, bool):
        raise ConfigError(f"{label} [run]: allow_unsynced must be true or false, got {unsynced!r}")
    paths: tuple[Path, ...] | None = None
    if data is not None:
        paths = _data_paths(data, "--data")
    elif "data" in run_table:
        paths = _data_paths(run_table["data"], f"{label} [run]")

    grid = _grid_options(run_table, label, symbol=symbol, tick_size=tick_size, lot_size=lot_size)
    text_source = _text_source(text, run_table, label)
    venue_table = tables.get("venue")
    scenario_table = tables.get("scenario")
    live = venue_url if venue_url is not None else run_table.get("venue_url")
    paper_run = bool(run_table.get("paper", False)) if paper is None else paper
    if paper_run and live is None:
        raise ConfigError("--paper needs --venue ws://HOST:PORT/EXCHANGE/SYMBOL (the live feed to paper-trade on)")
    if live is not None:
        live_url = _live_url(live, paths, resolved_duration, found.name, gated)
        if scenario_table or scenario or scenario_assignments or unsynced or grid or text_source is not None:
            raise ConfigError(
                "scenario settings, allow_unsynced, --symbol/--tick-size/--lot-size and text files apply to simulated "
                "and replayed markets, not to a live run (its market is the live feed)"
            )
        if not paper_run and (venue_table or venue or sections.venue_assignments):
            raise ConfigError("venue settings apply to a paper run (--paper) or a data replay, not to a live run")
        return RunSpec(
            found,
            config,
            resolved_seed,
            None,
            None,
            None,
            resolved_duration,
            numeraire=resolved_numeraire,
            gated=gated,
            notes=tuple(notes),
            venue_config=_replay_config(venue_table, venue, sections.venue_assignments, label, "the paper venue")
            if paper_run
            else None,
            venue_url=live_url,
            paper=paper_run,
        )
    if paths is not None:
        if gated:
            raise ConfigError(f"pattern {found.name!r} is educational and simulator-only: it cannot replay data")
        if scenario_table or scenario or scenario_assignments:
            raise ConfigError("scenario settings apply to the simulated market, not to a data replay")
        venue_config = _replay_config(venue_table, venue, sections.venue_assignments, label, "the replay venue")
        return RunSpec(
            found,
            config,
            resolved_seed,
            None,
            None,
            paths,
            resolved_duration,
            numeraire=resolved_numeraire,
            allow_unsynced=unsynced,
            gated=gated,
            notes=tuple(notes),
            venue_config=venue_config,
            grid=grid or None,
            text=text_source,
        )
    if unsynced:
        raise ConfigError("allow_unsynced applies to a data replay, not to the simulated market")
    if venue_table or venue or sections.venue_assignments:
        raise ConfigError(
            "venue settings (fees, latency, queue model) apply to a data replay (--data), not to the "
            "simulated market, whose costs are scenario knobs"
        )
    if grid:
        raise ConfigError(
            "--symbol/--tick-size/--lot-size apply to a data replay (--data), not to the simulated market"
        )
    market = host.scenario(found.default_scenario or DEFAULT_SCENARIO)
    scenario_config = market.resolve(
        found.scenario_params,
        scenario_table or {},
        scenario or {},
        assignments=scenario_assignments,
        source=f"scenario {market.name!r} of pattern {found.name!r}",
    )
    return RunSpec(
        found,
        config,
        resolved_seed,
        market,
        scenario_config,
        None,
        resolved_duration,
        numeraire=resolved_numeraire,
        gated=gated,
        notes=tuple(notes),
        text=text_source,
    )


def _text_source(given: TextSource | str | Path | None, run_table: Mapping[str, Any], label: str) -> TextSource | None:
    """The run's headline file: given explicitly, else the ``[run]`` table's ``text``; checked to exist."""
    from hft_core.text import TextSource

    if given is None and "text" not in run_table:
        return None
    source = f"{label} [run]" if given is None else "text"
    found = (
        given
        if isinstance(given, TextSource)
        else TextSource.from_toml(run_table["text"] if given is None else str(given), source)
    )
    if not found.path.is_file():
        raise ConfigError(f"{source}: text file {found.path}: no such file")
    return found


def _grid_options(run_table: Mapping[str, Any], label: str, **given: str | float | None) -> dict[str, str | float]:
    """The instrument options of a replay: given explicitly, else from the ``[run]`` table, checked."""
    from hft_core.data.instrument_spec import GridOverrides

    found: dict[str, str | float] = {}
    for key in _GRID_KEYS:
        value = given[key] if given[key] is not None else run_table.get(key)
        if value is None:
            continue
        source = f"--{key.replace('_', '-')}" if given[key] is not None else f"{label} [run]"
        if key == "symbol" and not isinstance(value, str):
            raise ConfigError(f"{source}: symbol must be text, got {value!r}")
        if key != "symbol" and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ConfigError(f"{source}: {key} must be a positive number, got {value!r}")
        found[key] = value if key == "symbol" else float(value)
    GridOverrides(**found)  # type: ignore[arg-type]  # (checks the values)
    return found


def execute_run(
    spec: RunSpec,
    *,
    out: Path | None = None,
    runs_root: Path | None = None,
    write: bool = True,
    on_progress: Callable[[float], None] | None = None,
    on_fill: Callable[[FillEvent], None] | None = None,
    on_log: Callable[[int, str], None] | None = None,
) -> tuple[BacktestResult, RunDirectory | None]:
    """Run ``spec``; with ``write``, into a new run directory (``out`` exactly, else one under ``runs_root``).

    The strategy and the venue are built first, so a config the pattern or the market refuses leaves nothing
    behind. The directory is marked ``running``, then ``complete``, or ``partial`` with the reason if the run
    fails or is interrupted (what was recorded so far is written, with interrupting signals held back meanwhile,
    so a second Ctrl-C cannot cut the partial record short). While it writes, `interrupt_on_signals` is in force:
    SIGINT, SIGTERM and SIGHUP stop the engine at its next safe point. Fills and equity samples are journaled into
    the directory as the run goes (`hft_core.engine.results.RecordJournal`: what a run killed outright leaves
    readable), the journal removed once the run's files and status are written. A live venue is closed when the
    run ends.
    """
    strategy = spec.build_strategy()
    venue = spec.build_venue()
    with _closing(venue):
        return _execute(
            spec, strategy, venue, out, runs_root, write, on_progress, on_fill, spec.text_feed(venue), on_log
        )


@contextlib.contextmanager
def _closing(venue: Venue) -> Iterator[None]:
    """Close a venue that holds connections (a live one) when the run ends, however it ends."""
    try:
        yield
    finally:
        close = getattr(venue, "close", None)
        if callable(close):
            close()


def _execute(
    spec: RunSpec,
    strategy: Strategy,
    venue: Venue,
    out: Path | None,
    runs_root: Path | None,
    write: bool,
    on_progress: Callable[[float], None] | None,
    on_fill: Callable[[FillEvent], None] | None,
    text: TextFeed | None = None,
    on_log: Callable[[int, str], None] | None = None,
) -> tuple[BacktestResult, RunDirectory | None]:
    from hft_core.engine.loop import Engine
    from hft_core.engine.results import RecordJournal

    running = Engine(
        strategy,
        venue,
        duration_s=spec.duration_s if spec.scenario is None else None,
        on_progress=on_progress,
        on_fill=on_fill,
        numeraire=spec.numeraire,
        text=text,
        on_log=on_log,
    )
    data_checks = getattr(venue, "data_checks", None) or {}
    origins = getattr(venue, "instrument_origins", None) or {}
    if not write:
        return _with_checks(running.run(), data_checks, origins), None
    with interrupt_on_signals(), _stop_requests_kept():
        meta = spec.meta()
        run_dir = create_run_directory(spec.pattern.name, spec.seed, out, root=runs_root or Path("runs"))
        journal = RecordJournal(run_dir.path)
        running.journal_into(journal)
        try:
            try:
                run_dir.write_text("config.toml", spec.config_toml())
                run_dir.write_meta("running", meta)
                result = running.run()
            except BaseException as exc:
                with _signals_held():
                    partial = running.partial_result()
                    if partial is not None:
                        partial.stats["partial"] = True
                        partial.write(run_dir.path)
                    run_dir.write_meta("partial", meta, reason=_reason(exc))
                    journal.close()
                raise
            result = _with_checks(result, data_checks, origins)
            with _signals_held():
                result.write(run_dir.path)
                run_dir.write_meta("complete", meta)
                journal.close()
        finally:
            run_dir.release()
    return result, run_dir


def _with_checks(
    result: BacktestResult, data_checks: Mapping[str, Any], origins: Mapping[str, str] | None = None
) -> BacktestResult:
    """The result with the replayed data's counted repairs in its stats (``data_checks``, by file) and where each
    file's instrument came from (``instrument_origins``)."""
    if data_checks:
        result.stats["data_checks"] = {name: dict(counters) for name, counters in data_checks.items()}
    if origins:
        result.stats["instrument_origins"] = dict(origins)
    return result


_HELD_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, *((signal.SIGHUP,) if hasattr(signal, "SIGHUP") else ())})


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by a signal (SIGTERM, SIGHUP), handled like Ctrl-C; ``signal_number`` says which."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal.Signals(signal_number).name)
        self.signal_number = signal_number


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RunInterrupted):
        return f"interrupted by {signal.Signals(exc.signal_number).name}"
    if type(exc) is KeyboardInterrupt:
        return "interrupted (Ctrl-C)"
    return f"{type(exc).__name__}: {exc}"


@contextlib.contextmanager
def _stop_requests_kept() -> Iterator[None]:
    """While inside, a first signal is kept for the engine's next safe point, also before its loop starts (the
    directory being created, its first files written): the run then stops at its first turn, its directory
    marked partial, rather than wherever the signal came."""
    from hft_core.engine.loop import STOP

    if threading.current_thread() is not threading.main_thread():  # (no handler of ours runs for this run)
        yield
        return
    STOP.armed += 1
    try:
        yield
    finally:
        STOP.armed -= 1


def _signals_held() -> contextlib.AbstractContextManager[None]:
    """Hold SIGINT, SIGTERM and SIGHUP back while a record is written (the first raised once it is), where
    `interrupt_on_signals` handles them (`hft_core.engine.loop.StopRequest.hold`)."""
    from hft_core.engine.loop import STOP

    return STOP.hold()


@contextlib.contextmanager
def interrupt_on_signals() -> Iterator[None]:
    """While inside, SIGINT, SIGTERM and SIGHUP stop a run at the engine's next safe point.

    The handlers only record the signal (`hft_core.engine.loop.STOP`): an engine in its loop raises it at the start
    of its next turn, between two venue advances, so the partial record is never torn (a book half updated, a
    blotter row half written). The exception is ``KeyboardInterrupt`` for SIGINT and `RunInterrupted` (a
    ``KeyboardInterrupt``) for SIGTERM and SIGHUP; a signal that comes while `execute_run` creates the run
    directory and writes its first files is kept for the loop's first turn. Elsewhere (building the venue, a
    sweep between points), or for a second signal while the run is already stopping, the handler raises at once;
    the writes of the record hold signals back meanwhile, so what the first stop saved is kept. Entered again
    while active (``execute_run`` inside ``hft run``), it leaves the handlers as they are.
    """
    if threading.current_thread() is not threading.main_thread() or _HANDLING:
        yield
        return
    from hft_core.engine.loop import STOP

    def stop(number: int, _frame: object) -> None:
        exc = KeyboardInterrupt() if number == signal.SIGINT else RunInterrupted(number)
        if not STOP.request(exc):
            raise exc

    previous = {number: signal.signal(number, stop) for number in _HELD_SIGNALS}
    _HANDLING.append(True)
    STOP.reset()
    try:
        yield
    finally:
        _HANDLING.pop()
        for number, handler in previous.items():
            signal.signal(number, handler)
        STOP.reset()


_HANDLING: list[bool] = []
"""Non-empty while `interrupt_on_signals` has its handlers installed."""


def create_scenario(
    name: str, *, seed: int, duration_s: float = DEFAULT_DURATION_S, host: PluginHost | None = None, **overrides: Any
) -> Venue:
    """A fresh venue of the scenario ``name`` (built into hft-core or from an installed plugin), with overrides."""
    return (host or PluginHost()).scenario(name)(seed, duration_s, **overrides)


def backtest(
    strategy: Strategy | str,
    *,
    config: Config | Mapping[str, object] | None = None,
    scenario: str | None = None,
    data: str | Path | Sequence[str | Path] | None = None,
    venue: Venue | None = None,
    seed: int | None = None,
    duration_s: float | None = None,
    risk: RiskLimits | None = None,
    sample_interval_s: float = 1.0,
    numeraire: str | None = None,
    out: str | Path | None = None,
    host: PluginHost | None = None,
    text: TextFeed | TextSource | str | Path | None = None,
    **scenario_overrides: Any,
) -> BacktestResult:
    """Run a pattern by name, or any strategy object, and return its orders, fills, equity and stats.

    **A pattern** (``backtest("passive-mm", config={...}, seed=7)``) is resolved exactly as ``hft run`` resolves
    it (`resolve_run`): ``config`` is a mapping of knob values (or a config instance), ``scenario_overrides``
    set knobs of its market, ``data`` replays files instead. With ``out`` the run directory is written, byte for
    byte what ``hft run NAME --out DIR`` writes for the same inputs. ``numeraire`` names the currency PnL is counted
    in (either kind of run). ``text`` is the run's headline file (a path or a `TextSource`; recorded in the run's
    config); without it, the text the market generates (a news scenario's headlines), if any.

    **A strategy object** runs on ``venue`` (any `Venue` you built), ``data`` (recorded files), or the simulated
    ``scenario`` (default ``"single-instrument"``) with ``scenario_overrides`` as its knobs; ``risk`` replaces
    the strategy's own limits; ``text`` may also be a `TextFeed` built in Python.

    >>> from hft_core import backtest, Strategy
    >>> result = backtest(Strategy(), duration_s=1.0)
    >>> result.stats["fills"]
    0
    """
    if isinstance(strategy, str):
        unused = [n for n, v in (("venue", venue), ("risk", risk), ("scenario", scenario)) if v is not None]
        if unused or sample_interval_s != 1.0:
            named = ", ".join(unused or ["sample_interval_s"])
            raise ValueError(f"{named}: not for a pattern run (it runs on its own scenario and limits, as hft run)")
        from hft_core.text import TextFeed

        if isinstance(text, TextFeed):
            raise ValueError("a pattern run records its text as a file: give text a path or a TextSource")
        values = config.to_dict() if isinstance(config, Config) else config
        spec = resolve_run(
            strategy,
            values=values,
            scenario=scenario_overrides,
            seed=seed,
            data=data,
            duration_s=duration_s,
            numeraire=numeraire,
            text=text,
            host=host,
        )
        result, _ = execute_run(spec, out=None if out is None else Path(out), write=out is not None)
        return result
    if config is not None or out is not None:
        raise ValueError("config and out are for a pattern run: backtest('pattern-name', ...)")
    given = [name for name, value in (("venue", venue), ("data", data), ("scenario", scenario)) if value is not None]
    if len(given) > 1:
        raise ValueError(f"give one market, not {' and '.join(given)}")
    if scenario_overrides and (venue is not None or data is not None):
        raise ValueError(f"scenario parameters {sorted(scenario_overrides)} only apply to a simulated scenario")
    run_seed = DEFAULT_SEED if seed is None else seed
    if venue is None:
        if data is not None:
            from hft_core.venues.recorded import replay_from_paths

            venue = replay_from_paths([data] if isinstance(data, str | Path) else list(data))
        else:
            venue = create_scenario(
                scenario or DEFAULT_SCENARIO,
                seed=run_seed,
                duration_s=duration_s or DEFAULT_DURATION_S,
                host=host,
                **scenario_overrides,
            )
    from hft_core.engine.loop import Engine
    from hft_core.text import TextFeed, TextSource, text_feed_of

    if text is None:
        feed = text_feed_of(venue)
    elif isinstance(text, TextFeed):
        feed = text
    else:
        feed = (text if isinstance(text, TextSource) else TextSource(Path(text))).load()
    engine = Engine(
        strategy,
        venue,
        risk=risk,
        duration_s=duration_s,
        sample_interval_s=sample_interval_s,
        numeraire=numeraire,
        text=feed,
    )
    return engine.run()
