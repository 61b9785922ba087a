"""The ``hft`` typer application: global options and the commands.

Each command imports what it needs inside its body, so ``hft --help`` loads neither numpy nor any plugin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hft_core.cli._data import data_app
from hft_core.gate import set_educational

__all__ = ["app"]

app = typer.Typer(
    name="hft",
    help="High-frequency-trading patterns: run, inspect and extend strategy patterns on simulated or recorded markets.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
app.add_typer(data_app)


def _print_versions(value: bool) -> None:
    if not value:
        return
    from hft_core.cli._render import print_versions

    print_versions()
    raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_versions, is_eager=True, help="Show hft-core and every pattern package."
        ),
    ] = False,
    educational: Annotated[
        bool,
        typer.Option(
            "--educational",
            help="Unlock educational, simulator-only plugins (e.g. hft-gated-manipulative) for this command only.",
        ),
    ] = False,
) -> None:
    """High-frequency-trading patterns for researchers and quants."""
    if educational:
        set_educational(True)


@app.command("list")
def list_patterns(
    as_json: Annotated[bool, typer.Option("--json", help="Print the table as JSON.")] = False,
) -> None:
    """List every installed pattern with its package, version and status (ok, locked, broken, disabled)."""
    from hft_core.cli._render import print_pattern_list

    print_pattern_list(as_json=as_json)


@app.command()
def info(
    name: Annotated[str, typer.Argument(help="Pattern name, as shown by 'hft list'.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the description as JSON.")] = False,
    as_toml: Annotated[
        bool, typer.Option("--toml", help="Print a commented TOML config of every knob at its default.")
    ] = False,
    as_markdown: Annotated[bool, typer.Option("--markdown", help="Print the knob table as Markdown.")] = False,
) -> None:
    """Describe a pattern: summary, knobs (type, default, unit, bounds, help), default scenario, references."""
    from hft_core.cli._render import print_pattern_info

    chosen = [flag for flag, on in (("--json", as_json), ("--toml", as_toml), ("--markdown", as_markdown)) if on]
    if len(chosen) > 1:
        from hft_core.errors import ConfigError

        raise ConfigError(f"hft info: give one of {', '.join(chosen)}")
    print_pattern_info(name, form=chosen[0].removeprefix("--") if chosen else "table")


@app.command()
def run(
    name: Annotated[str, typer.Argument(help="Pattern name, as shown by 'hft list'.")],
    settings: Annotated[
        list[str] | None,
        typer.Argument(
            help="More key=value settings, like --set (e.g. 'hft run passive-mm --set model=glft gamma=0.05').",
            show_default=False,
        ),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="TOML file of parameter values.", dir_okay=False)
    ] = None,
    assignments: Annotated[
        list[str] | None,
        typer.Option("--set", "-s", help="Override one parameter: key=value (repeatable; applied after --config)."),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", help="Random seed: same data + config + seed = same outputs (default: the config's, else 1)."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Run directory to create (default runs/<time>-<name>-<seed>).")
    ] = None,
    data: Annotated[
        list[Path] | None,
        typer.Option(
            "--data", help="Replay recorded data instead of the simulated market (repeat for more instruments)."
        ),
    ] = None,
    duration: Annotated[
        float | None, typer.Option("--duration", help="Market seconds to run (default: the scenario's, or all data).")
    ] = None,
    venue_url: Annotated[
        str | None,
        typer.Option(
            "--venue",
            help="Trade a live venue instead (ws://HOST:PORT/EXCHANGE/SYMBOL, e.g. hft serve); needs --duration. "
            "Credentials: HFT_API_KEY and HFT_API_SECRET.",
        ),
    ] = None,
    paper: Annotated[
        bool | None,
        typer.Option(
            "--paper",
            help="Paper-trade --venue's Binance-dialect feed: orders matched locally by the replay venue's models "
            "(--set venue.KEY=VALUE); nothing is sent to the exchange, no credentials needed.",
        ),
    ] = None,
    text: Annotated[
        Path | None,
        typer.Option(
            "--text",
            help="A headline file (CSV, JSONL, Parquet) delivered to the strategy's on_text at receipt time.",
            dir_okay=False,
        ),
    ] = None,
    text_tz: Annotated[
        str | None,
        typer.Option("--text-tz", help="Time zone of --text's naive timestamps (e.g. UTC, America/New_York)."),
    ] = None,
    numeraire: Annotated[
        str | None,
        typer.Option("--numeraire", help="Currency to count PnL in (default: the first instrument's quote currency)."),
    ] = None,
    allow_unsynced: Annotated[
        bool | None,
        typer.Option(
            "--allow-unsynced", help="Replay --data whose book never synced or never moved (refused otherwise)."
        ),
    ] = None,
    symbol: Annotated[
        str | None, typer.Option("--symbol", help="--data: instrument symbol (Tardis, hftbacktest files).")
    ] = None,
    tick_size: Annotated[
        float | None, typer.Option("--tick-size", help="--data: price grid (default: the file's, table's or inferred).")
    ] = None,
    lot_size: Annotated[
        float | None, typer.Option("--lot-size", help="--data: size grid (default: the file's, table's or inferred).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, FILL lines or log lines.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print only the summary, as JSON, to stdout (implies --quiet).")
    ] = False,
) -> None:
    """Run a pattern on its default simulated market (or on --data) and write a run directory.

    Market-scenario settings: --set scenario.KEY=VALUE or a [scenario] table in the --config file. Replay venue
    settings (--data: fees, latency, queue model, partial fills): --set venue.KEY=VALUE or a [venue] table.
    """
    from hft_core.cli._run import run_command

    run_command(
        name,
        config=config,
        assignments=[*(assignments or ()), *(settings or ())],
        seed=seed,
        out=out,
        data=data,
        duration_s=duration,
        numeraire=numeraire,
        allow_unsynced=allow_unsynced,
        quiet=quiet,
        as_json=as_json,
        venue_url=venue_url,
        symbol=symbol,
        tick_size=tick_size,
        lot_size=lot_size,
        paper=paper,
        text=text,
        text_tz=text_tz,
    )


@app.command("new-pattern")
def new_pattern(
    name: Annotated[str, typer.Argument(help="Pattern name in kebab-case, e.g. my-idea (package hft-my-idea).")],
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Parent directory (default: ./packages inside a workspace, else .)."),
    ] = None,
) -> None:
    """Scaffold a complete, installable pattern package: entry point, plugin, strategy, test, docs."""
    from hft_core.scaffold import plan_scaffold, write_scaffold

    plan = plan_scaffold(name, directory, Path.cwd())
    written = write_scaffold(plan)
    print(f"created {plan.distribution} in {plan.root} ({len(written)} files)")
    for line in plan.next_steps():
        print(line)


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run directory written by 'hft run' (or a sweep's, 'hft sweep').")],
) -> None:
    """Print a run's summary and write PNG plots and a self-contained report.html into its directory."""
    from hft_core.sweeps.store import is_sweep_directory

    if is_sweep_directory(run_dir):  # a sweep: heatmaps over its knobs and the train/test view
        from hft_core.sweeps.report import report_command

        report_command(run_dir)
        return
    from hft_core.cli._render import print_run_summary
    from hft_core.report import write_report

    run, written = write_report(run_dir)
    print_run_summary(run.meta.get("pattern", run_dir.name), run.summary, run_dir, status=run.meta.get("status"))
    for path in written:
        print(f"wrote {path}")


@app.command()
def surveil(
    run_dir: Annotated[Path, typer.Argument(help="A run directory written by 'hft run'.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the flagged episodes as JSON.")] = False,
) -> None:
    """Check a run for spoofing/layering, momentum ignition and quote stuffing; print flagged episodes."""
    from hft_core.cli._surveil import surveil_command

    surveil_command(run_dir, as_json)


@app.command()
def realism(
    inputs: Annotated[
        list[Path],
        typer.Argument(help="A run directory or a data file (any format 'hft data formats' lists); two: side by side."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the facts as JSON.")] = False,
    plots: Annotated[
        Path | None, typer.Option("--plots", help="Folder for the PNG plots (default realism-NAME).")
    ] = None,
    no_plots: Annotated[bool, typer.Option("--no-plots", help="Write no plots.")] = False,
    instrument: Annotated[
        str | None, typer.Option("--instrument", help="Symbol of a run's instrument (default the first).")
    ] = None,
    sample_ms: Annotated[float, typer.Option("--sample-ms", help="Book sampling step, ms of exchange time.")] = 100.0,
) -> None:
    """Stylized facts of a market (spread, depth, trade sizes, arrivals and Hawkes branching, trade signs,
    volatility signature, passive markouts 1-60 s), one input or two side by side, with plots."""
    from hft_core.cli._realism import realism_command

    realism_command(inputs, as_json=as_json, plots=plots, no_plots=no_plots, instrument=instrument, sample_ms=sample_ms)


@app.command()
def calibrate(
    capture: Annotated[Path, typer.Argument(help="A recorded capture of one instrument, any format the loaders read.")],
    out: Annotated[Path, typer.Option("--out", help="The market TOML to write (a [scenario] table).")],
    iterations: Annotated[int, typer.Option("--iterations", help="Simulated-moment rounds.")] = 3,
    sim_duration: Annotated[float, typer.Option("--sim-duration", help="Seconds simulated per round.")] = 60.0,
    seed: Annotated[int, typer.Option("--seed", help="First seed of the calibration simulations.")] = 1_000_000,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
) -> None:
    """Fit the simulated market to a capture; 'hft run NAME --config OUT' then trades a market like it."""
    from hft_core.cli._calibrate import calibrate_command

    calibrate_command(capture, out=out, iterations=iterations, sim_duration_s=sim_duration, seed=seed, force=force)


@app.command()
def sweep(
    name: Annotated[str, typer.Argument(help="Pattern name, as shown by 'hft list'.")],
    grid: Annotated[
        list[str] | None,
        typer.Option(
            "--grid", "-g", help="A grid axis: KEY=V1,V2,... (scenario.KEY for the market; repeat for more axes)."
        ),
    ] = None,
    random_points: Annotated[
        int | None, typer.Option("--random", help="Random search: N draws over the --range axes.")
    ] = None,
    ranges: Annotated[
        list[str] | None,
        typer.Option("--range", help="A random-search axis: KEY=LOW:HIGH or KEY=LOW:HIGH:log (repeatable)."),
    ] = None,
    search_seed: Annotated[
        int | None, typer.Option("--search-seed", help="Seed of the random draws (default 0).")
    ] = None,
    seeds: Annotated[str | None, typer.Option("--seeds", help="Run seeds, e.g. 1-20 or 1,3,5-7.")] = None,
    sweep_file: Annotated[
        Path | None, typer.Option("--file", "-f", help="TOML sweep file (docs/sweeps.md).", dir_okay=False)
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="TOML run config every point starts from.", dir_okay=False)
    ] = None,
    assignments: Annotated[
        list[str] | None, typer.Option("--set", "-s", help="Set a knob for every point: key=value (repeatable).")
    ] = None,
    duration: Annotated[
        float | None, typer.Option("--duration", help="Market seconds per point (default: the scenario's).")
    ] = None,
    data: Annotated[
        list[Path] | None, typer.Option("--data", help="Replay recorded data in every point (repeatable).")
    ] = None,
    numeraire: Annotated[str | None, typer.Option("--numeraire", help="Currency to count PnL in.")] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Sweep directory (default sweeps/<time>-<name>); an existing one resumes."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Run on an existing Dask cluster, e.g. tcp://HOST:8786 (default: local)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="Local cluster size (default: the machine's cores).")
    ] = None,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Run points recorded as failed again.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run a pattern over a grid or random draws of its knobs and seeds, one run directory per point, on Dask.

    Writes SWEEP_DIR/points/<key>/ (each exactly what 'hft run' writes), SWEEP_DIR/results.parquet, and resumes an
    interrupted sweep given the same --out. Plots: hft report SWEEP_DIR. Needs hft-core[sweep] (Dask).
    """
    from hft_core.cli._sweep import sweep_command

    sweep_command(
        name,
        grid=grid or [],
        random_points=random_points,
        ranges=ranges or [],
        search_seed=search_seed,
        seeds=seeds,
        sweep_file=sweep_file,
        config=config,
        assignments=assignments or [],
        duration_s=duration,
        data=data,
        numeraire=numeraire,
        out=out,
        scheduler=scheduler,
        workers=workers,
        retry_failed=retry_failed,
        quiet=quiet,
    )


@app.command()
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to bind (default 127.0.0.1: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", help="TCP port.", min=1, max=65535)] = 8000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of every market (same seed, same markets).", min=0)] = 0,
    speed: Annotated[
        float,
        typer.Option("--speed", help="Market seconds per wall-clock second (1 = real time).", min=0.001, max=1000),
    ] = 1.0,
    session: Annotated[
        float, typer.Option("--session", help="Length of each market's session, in market seconds.", min=1)
    ] = 86_400.0,
    exchanges: Annotated[
        list[Path] | None,
        typer.Option(
            "--exchanges", help="A directory of exchange files to add (repeatable; docs/live.md).", file_okay=False
        ),
    ] = None,
    keys: Annotated[
        list[str] | None,
        typer.Option("--key", help="An API key for order entry, KEY:SECRET (repeatable; default: one printed)."),
    ] = None,
    rate: Annotated[float, typer.Option("--rate", help="Signed requests per second per key.", min=0.001)] = 50.0,
    burst: Annotated[int, typer.Option("--burst", help="Signed requests a key may burst.", min=1)] = 100,
    faults: Annotated[
        bool, typer.Option("--faults", help="Enable POST /admin/faults (fault injection, for tests).")
    ] = False,
    retention: Annotated[
        float | None,
        typer.Option("--retention", help="Seconds a closed order or a fill stays queryable (docs/live.md, Retention)."),
    ] = None,
    max_closed: Annotated[
        int | None,
        typer.Option("--max-closed", help="Closed orders and fills kept per exchange at most."),
    ] = None,
    send_queue: Annotated[
        int | None,
        typer.Option("--send-queue", help="Frames a book stream queues for a slow client before dropping its oldest."),
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn's log level.")] = "info",
) -> None:
    """Run mock exchanges (binance, kraken, coinmarketcap, ...) on the simulated market: REST and WebSocket market
    data, signed order entry and order streams (docs/live.md). Needs hft-core[serve]."""
    from hft_core.serve.cli import serve_command

    serve_command(
        host=host,
        port=port,
        seed=seed,
        speed=speed,
        session_s=session,
        exchange_dirs=exchanges or [],
        keys=keys or [],
        rate=rate,
        burst=burst,
        faults=faults,
        retention_s=retention,
        max_closed=max_closed,
        send_queue=send_queue,
        log_level=log_level,
    )
