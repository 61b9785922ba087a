"""``hft leadlag FILE_A FILE_B``: lead–lag and price discovery between two recorded captures of one asset.

Reads each file with hft-core's loaders (any format ``hft data formats`` lists) and takes its trades (price and
exchange time, or local receive time with ``--clock local``). Prints a JSON summary of the
Hoffmann–Rosenbaum–Yoshida lead–lag estimate (`hft_latency_arb.leadlag.lead_lag`) and of the Hasbrouck and
Gonzalo–Granger shares (`hft_latency_arb.discovery.price_discovery`, on a common grid of ``--interval-ms``);
``--out DIR`` also writes ``leadlag.json`` and ``leadlag.png`` (correlation against lag). Mounted into ``hft``
through the ``hft.commands`` entry point; bad input exits 2 with a one-line message.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import typer
from hft_core import ConfigError

from hft_latency_arb.leadlag import LeadLagError, LeadLagResult, lag_grid, lead_lag

__all__ = ["MESSAGES_FILE", "app", "races_app", "run_messages", "trades_of"]

TRADE_KIND = 2
"""``hft_core.events.EventKind.TRADE``, restated (not public API); a test checks it against hft-core."""

app = typer.Typer(add_completion=False, rich_markup_mode=None)


def trades_of(path: Path, clock: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Trade times (ns) and prices of one capture, and its instrument's name (a capture of trades alone will do: the
    book is not read; a file the loaders refuse is a `ConfigError`, exit 2, naming it)."""
    from hft_core import DataError, load_recorded

    try:
        events, instruments = load_recorded([path], allow_unsynced=True)
    except DataError as error:
        raise ConfigError(str(error)) from None
    trades = events[events["kind"] == TRADE_KIND]
    if len(trades) < 3:
        raise ConfigError(f"{path}: {len(trades)} trades; a lead–lag estimate needs trades in both files")
    instrument = instruments[0]
    times = trades["exch_ts" if clock == "exch" else "local_ts"].astype(np.int64)
    prices = trades["price"].astype(np.float64) * instrument.tick_size
    return times, prices, f"{instrument.symbol}@{instrument.venue}"


def _plot(result: LeadLagResult, names: tuple[str, str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(result.lags_ns / 1e6, result.correlation, lw=1)
    ax.axvline(result.lag_ns / 1e6, color="C3", ls="--", lw=1, label=f"peak {result.lag_ns / 1e6:g} ms")
    ax.axvspan(result.ci_ns[0] / 1e6, result.ci_ns[1] / 1e6, color="C3", alpha=0.15, label="bootstrap interval")
    ax.set_xlabel(f"lag θ (ms; > 0: {names[0]} leads)")
    ax.set_ylabel("Hayashi–Yoshida correlation")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


@app.command("leadlag")
def leadlag(
    file_a: Annotated[Path, typer.Argument(help="First capture.")],
    file_b: Annotated[Path, typer.Argument(help="Second capture of the same asset.")],
    max_lag_ms: Annotated[float, typer.Option(help="Lag grid half-width (ms).")] = 100.0,
    step_ms: Annotated[float, typer.Option(help="Lag grid step (ms).")] = 1.0,
    clock: Annotated[Literal["exch", "local"], typer.Option(help="Which timestamp to use.")] = "exch",
    block_s: Annotated[float, typer.Option(help="Bootstrap block length (s).")] = 10.0,
    n_boot: Annotated[int, typer.Option(help="Bootstrap replications.")] = 200,
    interval_ms: Annotated[float, typer.Option(help="Sampling grid of the VECM for the shares (ms).")] = 100.0,
    vecm_lags: Annotated[int, typer.Option(help="Lags of price changes in the VECM.")] = 5,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 0,
    out: Annotated[Path | None, typer.Option(help="Directory for leadlag.json and leadlag.png.")] = None,
) -> None:
    """Lead–lag (Hoffmann–Rosenbaum–Yoshida) and information shares (Hasbrouck, Gonzalo–Granger) of two captures."""
    from hft_latency_arb.discovery import price_discovery

    ta, pa, name_a = trades_of(file_a, clock)
    tb, pb, name_b = trades_of(file_b, clock)
    if _asset(name_a.split("@")[0]) != _asset(name_b.split("@")[0]):
        raise ConfigError(f"mismatched instruments: {name_a} and {name_b} are not the same underlying")
    try:
        grid = lag_grid(round(max_lag_ms * 1e6), round(step_ms * 1e6))
        result = lead_lag(ta, pa, tb, pb, grid, block_s=block_s, n_boot=n_boot, seed=seed)
        shares = price_discovery(
            ta,
            pa,
            tb,
            pb,
            interval_ns=round(interval_ms * 1e6),
            lags=vecm_lags,
            block_s=block_s,
            n_boot=n_boot,
            seed=seed,
        )
    except LeadLagError as error:
        raise ConfigError(str(error)) from None
    summary = {
        "first": name_a,
        "second": name_b,
        "clock": clock,
        **result.summary(),
        "price_discovery": shares.summary(),
    }
    text = json.dumps(summary, indent=2)
    print(text)
    if out is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"--out {out}: cannot create the directory ({exc.strerror or exc})") from None
        (out / "leadlag.json").write_text(text + "\n")
        _plot(result, (name_a, name_b), out / "leadlag.png")


def _asset(symbol: str) -> str:
    """BTCUSDT, BTCUSD_PERP, BTC/USDT -> BTC: the underlying, for the mismatched-instrument check."""
    s = symbol.upper().replace("/", "").split("_")[0]
    for quote in ("USDT", "USDC", "BUSD", "USD"):
        if s.endswith(quote) and len(s) > len(quote):
            return s[: -len(quote)]
    return s


# -- hft races ------------------------------------------------------------------------------------------------------
races_app = typer.Typer(add_completion=False, rich_markup_mode=None)

MESSAGES_FILE = "messages.parquet"
"""The message log `hft races` keeps in a simulated run's directory."""


def run_messages(run_dir: Path) -> tuple[Any, dict[int, str], tuple[str, ...], tuple[float, ...], float]:
    """A simulated run's message log (from ``messages.parquet``, or regenerated and saved there), with each
    owner's kind, the instruments' symbols and tick sizes, and the run's duration in seconds.

    Regenerating reruns the run from its ``config.toml`` with the venue's message log on (a run is a function of
    its config and seed; a run on the compiled market reruns on the Python one, which keeps the log and runs the
    same run); the rerun's fills must equal the directory's ``fills.parquet``, or nothing is written.
    """
    import pandas as pd
    from hft_core import SimulatedVenue, backtest, resolve_run

    config = run_dir / "config.toml"
    meta = _run_meta(run_dir)
    if meta.get("status") != "complete":
        raise ConfigError(f"{run_dir}: the run is {meta.get('status', 'of unknown status')}, not complete")
    spec = resolve_run(str(_run_table(config)["pattern"]), config_file=config)
    if spec.scenario_config is not None and getattr(spec.scenario_config, "compiled", False):
        # the compiled market keeps no message log; the Python market runs the same run to the draw
        spec = dataclasses.replace(spec, scenario_config=spec.scenario_config.updated({"compiled": False}))
    venue = spec.build_venue()
    if not isinstance(venue, SimulatedVenue):
        raise ConfigError(f"{run_dir}: not a simulated run (no message log to race-analyse); give its data files")
    symbols = tuple(inst.symbol for inst in venue.instruments)
    ticks = tuple(inst.tick_size for inst in venue.instruments)
    kinds = {stats.owner: stats.kind for stats in venue.participant_stats()}
    duration_s = (venue.end_ns - venue.start_ns) / 1e9
    saved = run_dir / MESSAGES_FILE
    if saved.exists():
        return pd.read_parquet(saved), kinds, symbols, ticks, duration_s
    venue.record_messages()
    result = backtest(spec.build_strategy(), venue=venue, seed=spec.seed)
    recorded = pd.read_parquet(run_dir / "fills.parquet")
    columns = ["ts", "instrument", "side", "price", "qty"]
    if not result.fills[columns].reset_index(drop=True).equals(recorded[columns].reset_index(drop=True)):
        raise ConfigError(
            f"{run_dir}: rerunning config.toml did not reproduce fills.parquet (another hft-core version, or an "
            "edited directory?); the message log was not written"
        )
    log = pd.DataFrame(venue.messages())
    partial = saved.with_name(saved.name + ".partial")
    log.to_parquet(partial, index=False, compression="zstd")
    partial.replace(saved)
    return log, kinds, symbols, ticks, duration_s


def _run_meta(run_dir: Path) -> dict[str, Any]:
    try:
        loaded = json.loads((run_dir / "run.json").read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{run_dir / 'run.json'}: cannot read the run's record ({exc})") from None
    return loaded if isinstance(loaded, dict) else {}


def _run_table(config: Path) -> dict[str, Any]:
    import tomllib

    try:
        run = tomllib.loads(config.read_text()).get("run", {})
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{config}: cannot read the run's config ({exc})") from None
    if not isinstance(run, dict) or "pattern" not in run:
        raise ConfigError(f"{config}: no [run] pattern")
    return run


@races_app.command("races")
def races(
    target: Annotated[Path, typer.Argument(help="A run directory of a simulated run, or a recorded capture.")],
    window_us: Annotated[float, typer.Option(help="Race window: messages within this of the first (µs).")] = 500.0,
    horizon_ms: Annotated[float, typer.Option(help="Price gap measured against the mid this long after (ms).")] = 100.0,
    market: Annotated[list[str] | None, typer.Option(help="Symbol(s) to analyse (default: all).")] = None,
    clock: Annotated[Literal["exch", "local"], typer.Option(help="Recorded data: which timestamp.")] = "exch",
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON instead of a table.")] = False,
    paper: Annotated[bool, typer.Option(help="Add Aquilina, Budish & O'Neill (2022)'s figures to the table.")] = True,
) -> None:
    """Latency races (simulated runs: every participant's messages) or trade bursts (recorded data, or the files
    a replay run directory replayed)."""
    from hft_latency_arb.races import RaceError, RaceReport, race_report, report_table

    if not target.exists():
        raise ConfigError(f"{target}: no such run directory or file")
    window_ns, horizon_ns = round(window_us * 1e3), round(horizon_ms * 1e6)
    if window_ns <= 0 or horizon_ns < 0:
        raise ConfigError(f"--window-us must be > 0 and --horizon-ms >= 0, got {window_us:g} and {horizon_ms:g}")
    reports: list[RaceReport] = []
    try:
        replayed = _replayed_files(target) if target.is_dir() else []
        if replayed:
            reports.extend(_recorded_bursts(path, clock, window_ns, horizon_ns) for path in replayed)
        elif target.is_dir():
            log, kinds, symbols, ticks, duration_s = run_messages(target)
            for index, symbol in enumerate(symbols):
                if market and symbol not in market:
                    continue
                reports.append(
                    race_report(
                        log,
                        index,
                        duration_s=duration_s,
                        symbol=symbol,
                        tick_size=ticks[index],
                        kinds=kinds,
                        window_ns=window_ns,
                        horizon_ns=horizon_ns,
                    )
                )
        else:
            reports.append(_recorded_bursts(target, clock, window_ns, horizon_ns))
    except RaceError as error:
        raise ConfigError(f"{target}: {error}") from None
    if market and not reports:
        raise ConfigError(f"{target}: no market named {', '.join(market)}")
    if as_json:
        print(json.dumps([report.summary() for report in reports], indent=2))
    else:
        print(report_table(reports, paper=paper))


def _replayed_files(run_dir: Path) -> list[Path]:
    """The data files a replay run directory replayed (none for a simulated run); a folder without run.json is
    refused."""
    if not (run_dir / "run.json").exists():
        raise ConfigError(f"{run_dir}: not a run directory (no run.json)")
    data = _run_meta(run_dir).get("data")
    return [Path(str(path)) for path in data] if isinstance(data, list) else []


def _recorded_bursts(path: Path, clock: str, window_ns: int, horizon_ns: int) -> Any:
    from hft_core import load_recorded

    from hft_latency_arb.races import burst_report

    events, instruments = load_recorded([path])
    trades = events[events["kind"] == TRADE_KIND]
    if len(trades) < 2:
        raise ConfigError(f"{path}: {len(trades)} trade(s); trade bursts need trades")
    instrument = instruments[0]
    return burst_report(
        trades["exch_ts" if clock == "exch" else "local_ts"].astype(np.int64),
        trades["price"].astype(np.int64),
        trades["qty"].astype(np.int64),
        trades["side"].astype(np.int8),
        symbol=f"{instrument.symbol}@{instrument.venue}",
        tick_size=instrument.tick_size,
        window_ns=window_ns,
        horizon_ns=horizon_ns,
    )
