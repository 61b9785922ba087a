"""``hft data``: convert market data to the events format (or hftbacktest's) and inspect it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from hft_core.instruments import Instrument

__all__ = ["data_app"]

data_app = typer.Typer(
    name="data",
    help="Convert and inspect market data (Binance captures, Tardis CSV, hftbacktest npz, events files).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _instrument_option(symbol: str | None, tick_size: float | None, lot_size: float | None) -> Instrument | None:
    """The instrument --symbol/--tick-size/--lot-size describe (all three or none), or None."""
    from hft_core.errors import ConfigError
    from hft_core.instruments import Instrument

    given = [symbol is not None, tick_size is not None, lot_size is not None]
    if any(given) and not all(given):
        raise ConfigError("give --symbol, --tick-size and --lot-size together")
    try:
        return Instrument(symbol, tick_size, lot_size) if symbol and tick_size and lot_size else None
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


@data_app.command()
def convert(
    source: Annotated[Path, typer.Argument(help="The file to convert.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file: .npz or .parquet.")],
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="Output format: 'events' (hft-core) or 'hftbacktest' (.npz).")
    ] = "events",
    source_format: Annotated[
        str | None, typer.Option("--from", help="Source format; guessed from the content when omitted.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing output file.")] = False,
    symbol: Annotated[str | None, typer.Option("--symbol", help="Instrument symbol (formats without one).")] = None,
    tick_size: Annotated[float | None, typer.Option("--tick-size", help="Price grid (Tardis, hftbacktest).")] = None,
    lot_size: Annotated[float | None, typer.Option("--lot-size", help="Size grid (Tardis, hftbacktest).")] = None,
    allow_unsynced: Annotated[
        bool, typer.Option("--allow-unsynced", help="Accept data whose order book never synced or never moved.")
    ] = False,
) -> None:
    """Convert SOURCE into an events file (or hftbacktest npz) and print what it holds.

    Binance captures know their instrument; Tardis CSV and hftbacktest arrays need --symbol, --tick-size and
    --lot-size, which are recorded in the output so 'hft run --data OUT' can replay it.
    """
    from hft_core.data.inspection import convert as run_convert
    from hft_core.errors import ConfigError

    if output_format not in ("events", "hftbacktest"):
        raise ConfigError(f"--format must be 'events' or 'hftbacktest', got {output_format!r}")
    instrument = _instrument_option(symbol, tick_size, lot_size)
    result = run_convert(
        source,
        source_format,
        out,
        instrument=instrument,
        output_kind="hftbacktest" if output_format == "hftbacktest" else "events",
        overwrite=force,
        allow_unsynced=allow_unsynced,
    )
    print(result.summary.to_text())
    print(f"wrote {result.rows} events to {result.output} ({result.output_kind})")


@data_app.command()
def info(
    path: Annotated[Path, typer.Argument(help="An events file or any loadable source.")],
    source_format: Annotated[str | None, typer.Option("--from", help="Format; guessed when omitted.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    allow_unsynced: Annotated[
        bool, typer.Option("--allow-unsynced", help="Describe data whose order book never synced or never moved.")
    ] = False,
    symbol: Annotated[str | None, typer.Option("--symbol", help="Instrument symbol (formats without one).")] = None,
    tick_size: Annotated[float | None, typer.Option("--tick-size", help="Price grid (Tardis, hftbacktest).")] = None,
    lot_size: Annotated[float | None, typer.Option("--lot-size", help="Size grid (Tardis, hftbacktest).")] = None,
) -> None:
    """Event counts per kind, time span, the instrument (symbol, tick, lot), largest gaps and the loader's stats.

    Binance captures and converted events files know their instrument; Tardis CSV and hftbacktest arrays need
    --symbol, --tick-size and --lot-size.
    """
    from hft_core.data.inspection import describe_file

    instrument = _instrument_option(symbol, tick_size, lot_size)
    summary = describe_file(path, source_format, instrument=instrument, allow_unsynced=allow_unsynced)
    print(json.dumps(summary.to_dict(), indent=2, default=str) if as_json else summary.to_text())


@data_app.command()
def formats() -> None:
    """List the source formats hft can read."""
    from hft_core.data.formats import available_formats

    for name, spec in sorted(available_formats().items()):
        print(f"{name:12s} {spec.description}")
