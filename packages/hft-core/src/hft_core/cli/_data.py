"""``hft data``: convert market data to the events format (or hftbacktest's) and inspect it; describe headline
files (``hft data info news.csv --tz UTC``: `hft_core.text.loaders`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from hft_core.data.instrument_spec import GridOverrides

__all__ = ["data_app"]

data_app = typer.Typer(
    name="data",
    help="Convert and inspect market data (Binance captures, LOBSTER, Tardis CSV, hftbacktest npz, events files).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _overrides(symbol: str | None, tick_size: float | None, lot_size: float | None) -> GridOverrides | None:
    """What --symbol/--tick-size/--lot-size say (any of them), or None."""
    from hft_core.data.instrument_spec import GridOverrides

    found = GridOverrides(symbol, tick_size, lot_size)
    return found if found.given else None


def _options(orderbook: str | None) -> dict[str, object] | None:
    return None if orderbook is None else {"orderbook": orderbook}


def _clock_offset(text: str) -> str | int:
    from hft_core.errors import ConfigError

    if text in ("auto", "none"):
        return text
    try:
        shift_ms = float(text)
    except ValueError:
        shift_ms = -1.0
    if not 0 <= shift_ms < 1e12:
        raise ConfigError(f"--clock-offset must be 'auto', 'none' or milliseconds >= 0, got {text!r}")
    return round(shift_ms * 1_000_000)


SYMBOL_HELP = "Instrument symbol: replaces a Tardis, L3 or hftbacktest file's; must match a Binance capture's."
TICK_HELP = "Price grid: replaces the instrument table's or the inferred tick."
LOT_HELP = "Size grid: replaces the instrument table's or the inferred lot."
ORDERBOOK_HELP = "LOBSTER: the orderbook file (default: the one beside the message file; '' for none)."
TZ_HELP = "Headline files: the time zone of naive timestamps (e.g. UTC, America/New_York); never guessed."
TEXT_FORMAT = "text"
"""``--from text``: a headline file (CSV, JSONL, Parquet), also recognised by its columns when --from is omitted."""


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
    symbol: Annotated[str | None, typer.Option("--symbol", help=SYMBOL_HELP)] = None,
    tick_size: Annotated[float | None, typer.Option("--tick-size", help=TICK_HELP)] = None,
    lot_size: Annotated[float | None, typer.Option("--lot-size", help=LOT_HELP)] = None,
    orderbook: Annotated[str | None, typer.Option("--orderbook", help=ORDERBOOK_HELP)] = None,
    allow_unsynced: Annotated[
        bool, typer.Option("--allow-unsynced", help="Accept data whose order book never synced or never moved.")
    ] = False,
    clock_offset: Annotated[
        str,
        typer.Option(
            "--clock-offset",
            help="Local clock correction: 'auto' (default: the shift that leaves no event received before it was "
            "sent, estimated from the data), 'none' (as recorded), or milliseconds to add.",
        ),
    ] = "auto",
) -> None:
    """Convert SOURCE into an events file (or hftbacktest npz) and print what it holds.

    Binance captures know their instrument (the bundled table, else inferred from the capture), LOBSTER files
    theirs; Tardis, L3 and hftbacktest files show theirs (symbol column or file name, grid inferred from their
    prices and sizes). The instrument is recorded
    in the output so 'hft run --data OUT' can replay it. A local clock behind the exchange's is corrected
    (--clock-offset).
    """
    from hft_core.data.inspection import convert as run_convert
    from hft_core.errors import ConfigError

    if output_format not in ("events", "hftbacktest"):
        raise ConfigError(f"--format must be 'events' or 'hftbacktest', got {output_format!r}")
    result = run_convert(
        source,
        source_format,
        out,
        overrides=_overrides(symbol, tick_size, lot_size),
        options=_options(orderbook),
        output_kind="hftbacktest" if output_format == "hftbacktest" else "events",
        overwrite=force,
        allow_unsynced=allow_unsynced,
        clock_offset=_clock_offset(clock_offset),  # type: ignore[arg-type]
    )
    print(result.summary.to_text())
    if result.clock_offset_ns:
        print(f"local time shifted by +{result.clock_offset_ns / 1e6:.3f} ms (--clock-offset)")
    print(f"wrote {result.rows} events to {result.output} ({result.output_kind})")


@data_app.command()
def info(
    path: Annotated[Path, typer.Argument(help="An events file or any loadable source.")],
    source_format: Annotated[str | None, typer.Option("--from", help="Format; guessed when omitted.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    allow_unsynced: Annotated[
        bool, typer.Option("--allow-unsynced", help="Describe data whose order book never synced or never moved.")
    ] = False,
    symbol: Annotated[str | None, typer.Option("--symbol", help=SYMBOL_HELP)] = None,
    tick_size: Annotated[float | None, typer.Option("--tick-size", help=TICK_HELP)] = None,
    lot_size: Annotated[float | None, typer.Option("--lot-size", help=LOT_HELP)] = None,
    orderbook: Annotated[str | None, typer.Option("--orderbook", help=ORDERBOOK_HELP)] = None,
    tz: Annotated[str | None, typer.Option("--tz", help=TZ_HELP)] = None,
    epoch_unit: Annotated[
        str | None, typer.Option("--epoch-unit", help="Headline files: unit of numeric timestamps (s, ms, us, ns).")
    ] = None,
    time_column: Annotated[str | None, typer.Option("--time-column", help="Headline files: the time column.")] = None,
    text_column: Annotated[str | None, typer.Option("--text-column", help="Headline files: the text column.")] = None,
    tickers_column: Annotated[
        str | None, typer.Option("--tickers-column", help="Headline files: the tickers column.")
    ] = None,
) -> None:
    """Event counts per kind, time span, the instrument (symbol, tick, lot, where its grid came from), the feed
    clock, largest gaps and the loader's stats; for a headline file (--from text, or CSV/JSONL/Parquet with a
    headline and a time column), its items, columns, span, receipt lag, tickers and skipped rows.

    Binance captures know their instrument (the bundled table, else inferred from the capture), LOBSTER files and
    converted events files theirs, Tardis, L3 and hftbacktest files show theirs (grid inferred from their prices
    and sizes).
    """
    from hft_core.data.inspection import describe_file
    from hft_core.text.loaders import describe_text_file, is_text_file

    if source_format == TEXT_FORMAT or (source_format is None and is_text_file(path)):
        text = describe_text_file(
            path,
            tz=tz,
            epoch_unit=epoch_unit,
            time_column=time_column,
            text_column=text_column,
            tickers_column=tickers_column,
        )
        print(json.dumps(text.to_dict(), indent=2, default=str) if as_json else text.to_text())
        return

    summary = describe_file(
        path,
        source_format,
        overrides=_overrides(symbol, tick_size, lot_size),
        options=_options(orderbook),
        allow_unsynced=allow_unsynced,
    )
    print(json.dumps(summary.to_dict(), indent=2, default=str) if as_json else summary.to_text())


@data_app.command()
def formats() -> None:
    """List the source formats hft can read."""
    from hft_core.data.formats import available_formats

    for name, spec in sorted(available_formats().items()):
        print(f"{name:12s} {spec.description}")
