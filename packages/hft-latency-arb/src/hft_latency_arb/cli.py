"""``hft leadlag FILE_A FILE_B``: lead–lag and price discovery between two recorded captures of one asset.

Reads each file with hft-core's loaders (any format ``hft data formats`` lists) and takes its trades (price and
exchange time, or local receive time with ``--clock local``). Prints a JSON summary of the
Hoffmann–Rosenbaum–Yoshida lead–lag estimate (`hft_latency_arb.leadlag.lead_lag`) and of the Hasbrouck and
Gonzalo–Granger shares (`hft_latency_arb.discovery.price_discovery`, on a common grid of ``--interval-ms``);
``--out DIR`` also writes ``leadlag.json`` and ``leadlag.png`` (correlation against lag). Mounted into ``hft``
through the ``hft.commands`` entry point; bad input exits 2 with a one-line message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import typer
from hft_core import ConfigError

from hft_latency_arb.leadlag import LeadLagError, LeadLagResult, lag_grid, lead_lag

__all__ = ["app", "trades_of"]

TRADE_KIND = 2
"""``hft_core.events.EventKind.TRADE``, restated (not public API); a test checks it against hft-core."""

app = typer.Typer(add_completion=False, rich_markup_mode=None)


def trades_of(path: Path, clock: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Trade times (ns) and prices of one capture, and its instrument's name."""
    from hft_core import load_recorded

    events, instruments = load_recorded([path])
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
