"""``hft-leadlag FILE_A FILE_B``: the lead–lag of two recorded captures of one instrument (trades, HRY).

Reads each file with hft-core's loaders (any format ``hft data formats`` lists), takes its trades (price and
exchange time, or local receive time with ``--clock local``), and prints a JSON summary of the
Hoffmann–Rosenbaum–Yoshida estimate (`hft_latency_arb.leadlag.lead_lag`); ``--out DIR`` also writes
``leadlag.json`` and ``leadlag.png`` (correlation against lag). Bad input exits 2 with a one-line message.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from hft_latency_arb.leadlag import LeadLagError, LeadLagResult, lag_grid, lead_lag

__all__ = ["main", "trades_of"]

TRADE_KIND = 2
"""``hft_core.events.EventKind.TRADE``, restated (not public API); tests/test_cli.py checks it against the source."""


def trades_of(path: str, clock: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Trade times (ns) and prices of one capture, and its instrument's name."""
    from hft_core import DataError, HftError, load_recorded

    try:
        events, instruments = load_recorded([path])
    except (DataError, HftError) as error:
        raise LeadLagError(str(error)) from error
    trades = events[events["kind"] == TRADE_KIND]
    if len(trades) < 3:
        raise LeadLagError(f"{path}: {len(trades)} trades; a lead–lag estimate needs trades in both files")
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hft-leadlag", description=__doc__.split("\n\n")[0])
    parser.add_argument("file_a")
    parser.add_argument("file_b")
    parser.add_argument("--max-lag-ms", type=float, default=100.0, help="lag grid half-width (ms)")
    parser.add_argument("--step-ms", type=float, default=1.0, help="lag grid step (ms)")
    parser.add_argument("--clock", choices=("exch", "local"), default="exch", help="which timestamp to use")
    parser.add_argument("--block-s", type=float, default=10.0, help="bootstrap block length (s)")
    parser.add_argument("--n-boot", type=int, default=200, help="bootstrap replications")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="directory for leadlag.json and leadlag.png")
    args = parser.parse_args(argv)
    try:
        ta, pa, name_a = trades_of(args.file_a, args.clock)
        tb, pb, name_b = trades_of(args.file_b, args.clock)
        base_a, base_b = name_a.split("@")[0], name_b.split("@")[0]
        if _asset(base_a) != _asset(base_b):
            raise LeadLagError(f"mismatched instruments: {name_a} and {name_b} are not the same underlying")
        grid = lag_grid(round(args.max_lag_ms * 1e6), round(args.step_ms * 1e6))
        result = lead_lag(ta, pa, tb, pb, grid, block_s=args.block_s, n_boot=args.n_boot, seed=args.seed)
    except LeadLagError as error:
        print(f"hft-leadlag: {error}", file=sys.stderr)
        return 2
    summary = {"first": name_a, "second": name_b, "clock": args.clock, **result.summary()}
    text = json.dumps(summary, indent=2)
    print(text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "leadlag.json").write_text(text + "\n")
        _plot(result, (name_a, name_b), args.out / "leadlag.png")
    return 0


def _asset(symbol: str) -> str:
    """BTCUSDT, BTCUSD_PERP, BTC/USDT -> BTC: the underlying, for the mismatched-instrument check."""
    s = symbol.upper().replace("/", "").split("_")[0]
    for quote in ("USDT", "USDC", "BUSD", "USD"):
        if s.endswith(quote) and len(s) > len(quote):
            return s[: -len(quote)]
    return s


if __name__ == "__main__":
    raise SystemExit(main())
