"""The ``hft`` typer application: global options and the commands.

Each command imports what it needs inside its body, so ``hft --help`` loads neither numpy nor any plugin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
) -> None:
    """Describe a pattern: summary, parameters with defaults and help, default scenario, references."""
    from hft_core.cli._render import print_pattern_info

    print_pattern_info(name, as_json=as_json)


@app.command()
def run(
    name: Annotated[str, typer.Argument(help="Pattern name, as shown by 'hft list'.")],
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="TOML file of parameter values.", dir_okay=False)
    ] = None,
    assignments: Annotated[
        list[str] | None,
        typer.Option("--set", "-s", help="Override one parameter: key=value (repeatable; applied after --config)."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same data + config + seed = same outputs.")] = 1,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Run directory to create (default runs/<time>-<name>-<seed>).")
    ] = None,
    data: Annotated[
        Path | None, typer.Option("--data", help="Replay recorded data instead of the simulated market.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or FILL lines.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print only the summary, as JSON, to stdout.")] = False,
) -> None:
    """Run a pattern on its default simulated market (or on --data) and write a run directory."""
    from hft_core.cli._run import run_command

    run_command(
        name,
        config=config,
        assignments=list(assignments or ()),
        seed=seed,
        out=out,
        data=data,
        quiet=quiet,
        as_json=as_json,
    )
