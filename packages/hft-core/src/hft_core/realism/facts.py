"""Stylized facts of a limit-order-book market, measured the same way on recorded and simulated data.

The input is one instrument's `EVENT_DTYPE` rows (L2 depth and trades, or L3 order messages) in the order they were
recorded, and optionally a strategy's own fills. Everything is measured on the exchange's clock (``exch_ts``):

- **Book samples.** The book is rebuilt row by row and read every ``sample_ms`` of exchange time (a row counts
  once every row before it, in recorded order, is applied; rows stamped out of order count at the running
  maximum of ``exch_ts``). Only samples with both sides present count. From them: the spread (ticks), the depth
  at the touch (the mean of the best bid's and best ask's lots) and the mid.
- **Taker orders.** Consecutive trade rows with one exchange time and one aggressor side are one taker order
  (a market order that swept several resting orders is printed once per maker). Their sizes (lots), the times
  between them, and a univariate Hawkes process fitted to their times (`hft_core.flow.fit_hawkes`): its
  branching ratio ``α/β`` is the share of orders triggered by earlier orders.
- **Trade-sign autocorrelation** of the taker orders' sides at lags 1, 2, 5, 10, 20, 50.
- **Volatility signature**: the realised volatility of mid log-returns sampled every Δ, per √s, for several Δ.
  Flat for a random walk; falling with Δ where bid–ask bounce or mean reversion dominate the short scales.
- **Markout curve of passive fills**: for a fill of the passive side at price ``p``, ``s·(mid(t + h) − p)`` with
  ``s`` = +1 for a buy and −1 for a sell, averaged over fills (ticks and bp of the price), for ``h`` from 1 s to
  60 s. Negative is adverse: the price moved against whoever provided the liquidity. A strategy's own passive
  (maker) fills when they are given; otherwise every trade row at the touch, seen from its passive side (the
  maker's side is the opposite of the aggressor's).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from hft_core.book.l2 import L2Book
from hft_core.book.l3 import L3Book
from hft_core.events import BUY, EventKind, Events
from hft_core.instruments import Instrument

__all__ = [
    "MARKOUT_HORIZONS_S",
    "SIGN_LAGS",
    "VOLATILITY_INTERVALS_S",
    "OwnFills",
    "RealismError",
    "StylizedFacts",
    "book_samples",
    "stylized_facts",
    "taker_orders",
]

MARKOUT_HORIZONS_S: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
"""The markout horizons (seconds)."""
SIGN_LAGS: tuple[int, ...] = (1, 2, 5, 10, 20, 50)
"""The lags (in taker orders) of the trade-sign autocorrelation."""
VOLATILITY_INTERVALS_S: tuple[float, ...] = (0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0)
"""The sampling intervals of the volatility signature (seconds); those below the book sampling step are skipped."""

_NS_PER_S = 1_000_000_000
_L3_KINDS = (EventKind.ADD, EventKind.CANCEL, EventKind.MODIFY, EventKind.FILL)
_MIN_HAWKES_ORDERS = 50
_MARKOUT_BATCH_S = 30.0
"""Batch length for the markouts' standard errors (at least three horizons long)."""

FloatArray = npt.NDArray[np.float64]


class RealismError(Exception):
    """The data cannot give a stylized fact (no trades, a book that never showed both sides, ...)."""


@dataclass(frozen=True, slots=True)
class OwnFills:
    """A strategy's fills: exchange times (ns), sides (+1 buy, −1 sell), prices in ticks, lots, maker flags."""

    ts: npt.NDArray[np.int64]
    side: npt.NDArray[np.int64]
    price: FloatArray
    qty: FloatArray
    maker: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class StylizedFacts:
    """One market's stylized facts (see the module docstring for each definition)."""

    label: str
    symbol: str
    tick_size: float
    lot_size: float
    duration_s: float
    price: float
    """The mean mid over the samples, in price units."""
    book_samples: int
    mid_change_interval_s: float
    """Mean time between changes of the sampled mid: the sampling step over the share of steps that changed it
    (a price that moves in rare jumps, as a crypto perpetual's does, has a long interval at the same volatility)."""
    spread_mean_ticks: float
    spread_median_ticks: float
    spread_p90_ticks: float
    spread_one_tick_share: float
    touch_depth_mean_lots: float
    touch_depth_median_lots: float
    touch_depth_p10_lots: float
    touch_depth_p90_lots: float
    trade_rows: int
    taker_orders: int
    taker_rate_per_s: float
    trade_size_mean_lots: float
    trade_size_median_lots: float
    trade_size_p90_lots: float
    trade_size_log_sd: float
    """Standard deviation of ln(taker order size): the tail of the size law."""
    interarrival_mean_s: float
    interarrival_cv: float
    """Standard deviation over mean of the times between taker orders (1 for Poisson, above 1 when clustered)."""
    hawkes_branching: float
    hawkes_branching_se: float
    hawkes_decay_per_s: float
    hawkes_baseline_per_s: float
    sign_autocorrelation: dict[str, float]
    buy_share: float
    volatility_signature: dict[str, float]
    """Realised volatility of the mid per √s (relative), by sampling interval in seconds."""
    volatility_per_sqrt_s: float
    """The signature at 1 s (or the shortest interval measured): what `volatility` means in the market knobs."""
    markout_source: str
    """``own fills`` (a strategy's passive fills) or ``trades at the touch`` (every trade's passive side)."""
    markout_fills: dict[str, int]
    markout_ticks: dict[str, float]
    markout_bp: dict[str, float]
    markout_se_bp: dict[str, float]
    """Standard errors of ``markout_bp`` by batch means over 30 s windows (or three horizons, if longer)."""
    notes: list[str] = field(default_factory=list)
    series: dict[str, FloatArray] = field(default_factory=dict, repr=False, compare=False)
    """The samples behind the summaries, for plots: ``spread``, ``touch_depth``, ``trade_size``, ``interarrival``."""

    def to_dict(self) -> dict[str, Any]:
        """The facts as plain JSON-ready values (NaN becomes None), without the samples."""
        return {key: _jsonable(value) for key, value in asdict(self).items() if key != "series"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    return value


# -- the book, sampled -------------------------------------------------------------------------------------------
def book_samples(events: Events, sample_ms: float = 100.0) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """The book every ``sample_ms`` of exchange time (see the module docstring): the sample times (ns) and a
    ``(3, n)`` array whose rows are the spread (ticks), the depth at the touch (lots) and the mid (ticks). Only
    samples with a bid below an ask are kept."""
    if not len(events):
        raise RealismError("no market data")
    step = max(1, round(sample_ms * 1_000_000))
    stamps = np.maximum.accumulate(events["exch_ts"].astype(np.int64))
    grid = np.arange(int(stamps[0]) + step, int(stamps[-1]) + 1, step, dtype=np.int64)
    ends = np.searchsorted(stamps, grid, side="right")
    kinds = events["kind"]
    l3 = bool(np.isin(kinds, np.array(_L3_KINDS, dtype=kinds.dtype)).any())
    book: L2Book | L3Book = L3Book() if l3 else L2Book(on_crossed="repair")
    values = np.full((3, len(grid)), np.nan)
    start = 0
    for k, end in enumerate(ends.tolist()):
        if end > start:
            if isinstance(book, L3Book):
                book.apply(events[start:end], unknown_orders="residual")
            else:
                book.apply(events[start:end])
            start = end
        bid, ask = book.best_bid(), book.best_ask()
        if bid is None or ask is None or ask[0] <= bid[0]:
            continue
        values[0, k] = ask[0] - bid[0]
        values[1, k] = 0.5 * (bid[1] + ask[1])
        values[2, k] = 0.5 * (bid[0] + ask[0])
    keep = np.isfinite(values[0])
    return grid[keep], values[:, keep]


# -- taker orders ------------------------------------------------------------------------------------------------
def taker_orders(events: Events) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], FloatArray]:
    """The taker orders behind the trade rows: ``(exchange times ns, sides, sizes in lots)`` in time order.

    Consecutive trade rows (L2 ``TRADE`` or L3 ``FILL``) with the same exchange time and aggressor side are one
    order. Rows of unknown side (0) are orders of their own.
    """
    trades = events[(events["kind"] == EventKind.TRADE) | (events["kind"] == EventKind.FILL)]
    if not len(trades):
        return np.array([], np.int64), np.array([], np.int64), np.array([], np.float64)
    ts = trades["exch_ts"].astype(np.int64)
    side = trades["side"].astype(np.int64)
    new = np.ones(len(trades), dtype=bool)
    new[1:] = (ts[1:] != ts[:-1]) | (side[1:] != side[:-1]) | (side[1:] == 0)
    group = np.cumsum(new) - 1
    sizes = np.bincount(group, weights=trades["qty"].astype(np.float64))
    order_ts, order_side = ts[new], side[new]
    order = np.argsort(order_ts, kind="stable")
    sorted_sides: npt.NDArray[np.int64] = order_side[order].astype(np.int64)
    return order_ts[order].astype(np.int64), sorted_sides, sizes[order].astype(np.float64)


# -- the facts ---------------------------------------------------------------------------------------------------
def _mid_as_of(times: npt.NDArray[np.int64], mids: FloatArray, at: npt.NDArray[np.int64]) -> FloatArray:
    """The sampled mid at or before each of ``at`` (NaN before the first sample or after the last)."""
    k = np.searchsorted(times, at, side="right") - 1
    out = np.full(len(at), np.nan)
    ok = (k >= 0) & (at <= times[-1])
    out[ok] = mids[k[ok]]
    return out


def _sign_acf(signs: npt.NDArray[np.int64]) -> dict[str, float]:
    x = signs[signs != 0].astype(np.float64)
    out: dict[str, float] = {}
    for lag in SIGN_LAGS:
        if len(x) <= lag + 2 or np.std(x[:-lag]) == 0 or np.std(x[lag:]) == 0:
            out[str(lag)] = math.nan
        else:
            out[str(lag)] = float(np.corrcoef(x[:-lag], x[lag:])[0, 1])
    return out


def _signature(times: npt.NDArray[np.int64], mids: FloatArray, step_ns: int) -> dict[str, float]:
    out: dict[str, float] = {}
    log_mid = np.log(mids)
    span = int(times[-1] - times[0]) if len(times) else 0
    for interval in VOLATILITY_INTERVALS_S:
        every = round(interval * _NS_PER_S)
        if every < step_ns or span < 10 * every:
            continue
        grid = np.arange(int(times[0]), int(times[-1]) + 1, every, dtype=np.int64)
        sampled = log_mid[np.searchsorted(times, grid, side="right") - 1]
        returns = np.diff(sampled)
        out[_key(interval)] = float(math.sqrt(np.mean(returns**2) / interval)) if len(returns) else math.nan
    return out


def _change_interval(mids: FloatArray, step_s: float) -> float:
    changed = float(np.mean(np.diff(mids) != 0)) if len(mids) > 1 else 0.0
    return step_s / changed if changed > 0 else math.inf


def _key(seconds: float) -> str:
    return f"{seconds:g}s"


def _hawkes(order_ts: npt.NDArray[np.int64], notes: list[str]) -> tuple[float, float, float, float]:
    """Branching ratio, its standard error, decay and baseline of a univariate Hawkes fit to the order times."""
    if len(order_ts) < _MIN_HAWKES_ORDERS:
        notes.append(f"Hawkes fit skipped: {len(order_ts)} taker orders (< {_MIN_HAWKES_ORDERS})")
        return math.nan, math.nan, math.nan, math.nan
    from hft_core.flow.calibration import fit_hawkes  # numba and scipy: only when measuring

    seconds = (order_ts - order_ts[0]).astype(np.float64) / _NS_PER_S
    horizon = float(seconds[-1]) + 1e-3
    fit = fit_hawkes(seconds, horizon)
    model = fit.model
    if not fit.converged:
        notes.append("Hawkes fit did not converge; its values are the best point found")
    elif not fit.branching_ratio_se < 0.5 or model.alpha / model.beta > 0.99:
        notes.append(
            f"Hawkes fit on {len(order_ts)} taker orders is degenerate (branching {model.alpha / model.beta:.3f} "
            f"± {fit.branching_ratio_se:.3g}): too few orders to tell clustering from a trend in the rate"
        )
    return float(model.alpha / model.beta), float(fit.branching_ratio_se), float(model.beta), float(model.mu)


def _batch_se(ts: npt.NDArray[np.int64], values: FloatArray, batch_ns: int) -> float:
    """Standard error of the mean of ``values`` by batch means over consecutive ``batch_ns`` windows of ``ts``
    (fills close in time share one price move, so they are not independent); NaN below 4 batches."""
    batch = (ts - ts[0]) // batch_ns
    counts = np.bincount(batch)
    sums = np.bincount(batch, weights=values)
    full = counts > 0
    if full.sum() < 4:
        return math.nan
    means = sums[full] / counts[full]
    weights = counts[full] / counts[full].sum()
    mean = float(np.sum(weights * means))
    # Weighted batch-means variance of the overall mean.
    return float(math.sqrt(np.sum(weights**2 * (means - mean) ** 2) * full.sum() / (full.sum() - 1)))


def _markouts(
    times: npt.NDArray[np.int64],
    mids: FloatArray,
    ts: npt.NDArray[np.int64],
    sign: FloatArray,
    price: FloatArray,
) -> tuple[dict[str, int], dict[str, float], dict[str, float], dict[str, float]]:
    counts: dict[str, int] = {}
    ticks: dict[str, float] = {}
    bp: dict[str, float] = {}
    se_bp: dict[str, float] = {}
    for horizon in MARKOUT_HORIZONS_S:
        later = _mid_as_of(times, mids, ts + round(horizon * _NS_PER_S))
        ok = np.isfinite(later)
        key = _key(horizon)
        counts[key] = int(ok.sum())
        if not ok.any():
            ticks[key] = bp[key] = se_bp[key] = math.nan
            continue
        move = sign[ok] * (later[ok] - price[ok])
        ticks[key] = float(np.mean(move))
        in_bp = move / price[ok] * 1e4
        bp[key] = float(np.mean(in_bp))
        se_bp[key] = _batch_se(ts[ok], in_bp, round(max(_MARKOUT_BATCH_S, 3.0 * horizon) * _NS_PER_S))
    return counts, ticks, bp, se_bp


def stylized_facts(
    events: Events,
    instrument: Instrument,
    *,
    label: str = "",
    fills: OwnFills | None = None,
    sample_ms: float = 100.0,
) -> StylizedFacts:
    """Measure the stylized facts of one instrument's market data (see the module docstring).

    ``fills``, when given, are a strategy's own fills: the markout curve is then that of its passive (maker)
    fills. A market without a two-sided book or without trades is a `RealismError`.
    """
    notes: list[str] = []
    times, values = book_samples(events, sample_ms)
    if not len(times):
        raise RealismError("the book never showed a bid and an ask together")
    spread, depth, mids = values[0], values[1], values[2]
    order_ts, order_side, sizes = taker_orders(events)
    if not len(order_ts):
        raise RealismError("no trades: the trade-size, arrival and markout facts need trades")
    duration_s = float(times[-1] - times[0]) / _NS_PER_S
    gaps = np.diff(order_ts).astype(np.float64) / _NS_PER_S
    branching, branching_se, decay, baseline = _hawkes(order_ts, notes)
    step_ns = max(1, round(sample_ms * 1_000_000))
    signature = _signature(times, mids, step_ns)
    vol_key = _key(1.0) if _key(1.0) in signature else next(iter(signature), "")
    if fills is not None and bool(fills.maker.any()):
        passive = fills.maker
        source = "own fills"
        ts, sign, price = fills.ts[passive], fills.side[passive].astype(np.float64), fills.price[passive]
    else:
        if fills is not None:
            notes.append("the strategy has no passive fills: markouts are of trades at the touch")
        trades = events[(events["kind"] == EventKind.TRADE) | (events["kind"] == EventKind.FILL)]
        trades = trades[trades["side"] != 0]
        source = "trades at the touch"
        ts = trades["exch_ts"].astype(np.int64)
        sign = -trades["side"].astype(np.float64)
        price = trades["price"].astype(np.float64)
    order = np.argsort(ts, kind="stable")
    counts, mk_ticks, mk_bp, mk_se = _markouts(times, mids, ts[order], sign[order], price[order])
    known = order_side[order_side != 0]
    return StylizedFacts(
        label=label or instrument.symbol,
        symbol=instrument.symbol,
        tick_size=instrument.tick_size,
        lot_size=instrument.lot_size,
        duration_s=duration_s,
        price=float(np.mean(mids)) * instrument.tick_size,
        book_samples=len(times),
        mid_change_interval_s=_change_interval(mids, sample_ms / 1000.0),
        spread_mean_ticks=float(np.mean(spread)),
        spread_median_ticks=float(np.median(spread)),
        spread_p90_ticks=float(np.percentile(spread, 90)),
        spread_one_tick_share=float(np.mean(spread == 1)),
        touch_depth_mean_lots=float(np.mean(depth)),
        touch_depth_median_lots=float(np.median(depth)),
        touch_depth_p10_lots=float(np.percentile(depth, 10)),
        touch_depth_p90_lots=float(np.percentile(depth, 90)),
        trade_rows=int(np.count_nonzero((events["kind"] == EventKind.TRADE) | (events["kind"] == EventKind.FILL))),
        taker_orders=len(order_ts),
        taker_rate_per_s=len(order_ts) / duration_s if duration_s > 0 else math.nan,
        trade_size_mean_lots=float(np.mean(sizes)),
        trade_size_median_lots=float(np.median(sizes)),
        trade_size_p90_lots=float(np.percentile(sizes, 90)),
        trade_size_log_sd=float(np.std(np.log(sizes[sizes > 0]))) if np.any(sizes > 0) else math.nan,
        interarrival_mean_s=float(np.mean(gaps)) if len(gaps) else math.nan,
        interarrival_cv=float(np.std(gaps) / np.mean(gaps)) if len(gaps) and np.mean(gaps) > 0 else math.nan,
        hawkes_branching=branching,
        hawkes_branching_se=branching_se,
        hawkes_decay_per_s=decay,
        hawkes_baseline_per_s=baseline,
        sign_autocorrelation=_sign_acf(order_side),
        buy_share=float(np.mean(known == BUY)) if len(known) else math.nan,
        volatility_signature=signature,
        volatility_per_sqrt_s=signature.get(vol_key, math.nan),
        markout_source=source,
        markout_fills=counts,
        markout_ticks=mk_ticks,
        markout_bp=mk_bp,
        markout_se_bp=mk_se,
        notes=notes,
        series={"spread": spread, "touch_depth": depth, "trade_size": sizes, "interarrival": gaps},
    )
