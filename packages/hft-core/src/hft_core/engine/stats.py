"""Run statistics: pure functions of a run's fills, orders, PnL curve and mid series (numpy, no engine state).

`Engine._result` calls them on the run's own records; they work as well on the DataFrames of any run (a
`BacktestResult` or a loaded run directory). Money is in quote currency with each instrument's multiplier applied;
times are market time in ns; a side is +1 for a buy and −1 for a sell (`side_signs`).

Definitions (docs/architecture.md repeats them). The keys are those of ``summary.json``.

PnL and costs

- ``pnl``: final mark-to-market PnL, fees included.
- ``fees_paid``: the sum of the positive fees; ``rebates_received``: minus the sum of the negative fees (a maker
  rebate is a negative fee), so ≥ 0; ``fees_net`` = fees_paid − rebates_received, the fills' fees added in fill
  order (what ``pnl`` has paid for fees).
- ``max_drawdown``: the largest peak-to-trough fall of the PnL curve (≥ 0).
- ``sharpe_1min``: mean / standard deviation (ddof 1) of the PnL's one-minute changes, **not annualised**, with
  ``sharpe_1min_samples`` changes. ``sharpe_1d_annualised``: the same over one-day changes × √365 (markets here
  trade around the clock), with ``sharpe_1d_samples``. The PnL at each point of the grid start + k·period is the
  last equity sample at or before it. Each is null below `MIN_SHARPE_SAMPLES` changes (so a run shorter than
  30 minutes has no Sharpe at all, and only a run of 30 days or more an annualised one) and when the PnL never
  changes: a ratio of 30 numbers is the least worth printing, and annualising minutes or seconds of PnL turns
  their autocorrelation and the market's intraday pattern into numbers in the thousands.
- ``round_trips``: the fills matched first-in first-out per instrument (`round_trips`): ``count``, ``win_rate``
  (share with PnL > 0), ``mean_holding_s``, and ``pnl``, their summed PnL after fees. For a run that ends flat
  that is ``pnl``; otherwise the open position's entries are in no round trip.

Execution quality

- ``fills``, ``volume`` (Σ qty), ``notional`` (Σ price × qty), ``orders`` (submitted), ``rejected``.
- ``rejected_by_reason``: rejected orders counted by the kind of their reason (`reason_kind`).
- ``fill_ratio``: orders with at least one fill / orders accepted by the venue.
- ``order_to_trade``: orders submitted / fills.
- ``spread_capture``: per fill, the *edge* of its price over the mid at its time, positive when the fill was
  better than the mid: mid − price for a buy, price − mid for a sell. Summarised (`edge_summary`) as ``fills``
  (those with a mid), ``mean`` (price units), ``mean_bp`` (each edge in basis points of its fill price, averaged),
  ``vw_mean_bp`` (Σ edge × qty × multiplier / Σ notional, in bp) and ``pnl`` (Σ edge × qty × multiplier).
- ``markouts``: for each horizon h in `MARKOUT_HORIZONS_S` (keys ``"1s"``, ``"10s"``, ``"60s"``), the same
  summary with the mid at the fill's time + h instead: mid(t+h) − price for a buy, price − mid(t+h) for a sell.
  Fills less than h before the mid series ends are left out (``fills`` says how many count).
  ``adverse_selection_bp``: over the same fills, how far the mid moved against the fill from t to t+h, in bp of
  the fill price: (mid(t) − mid(t+h)) × side; spread capture − markout, fill by fill.

  The mid at a time is the last mid of the series at or before it (NaN after the series ends). The engine passes
  its equity samples' mids, one per instrument every ``sample_interval_s`` (1 s by default): a fill's mid is
  then up to one interval old, which blurs spread capture on that scale and leaves 10 s and 60 s markouts
  nearly untouched. A finer mid series works unchanged.

Inventory and risk

- ``max_inventory``: the largest |position| at any fill or equity sample, in any instrument.
- ``final_position``: per instrument.
- ``quote_uptime``: per instrument, the share of market time from the run's start to its end with at least one
  resting order on the bid (``bid``), on the ask (``ask``), and on both at once (``two_sided``). An order rests
  from its submission (``ts``, so entry latency counts) to its final report (``done_ts``; to the end while
  open). Market, IOC and FOK orders and rejected orders never rest (`resting_orders`).
- ``kill_switch``: whether the risk gate's loss limit stopped the strategy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from hft_core.matching.orders import OrderType

__all__ = [
    "MARKOUT_HORIZONS_S",
    "MIN_SHARPE_SAMPLES",
    "QTY_DECIMALS",
    "RESTING_ORDER_TYPES",
    "ROUND_TRIP_COLUMNS",
    "coded_quote_uptimes",
    "coded_round_trips",
    "covered_time",
    "covered_time_py",
    "edge_summary",
    "edges",
    "fee_totals",
    "fill_quality",
    "markout_summary",
    "match_fifo",
    "match_fifo_py",
    "max_drawdown",
    "mids_at",
    "quote_uptime",
    "quote_uptimes",
    "reason_counts",
    "reason_kind",
    "rejections_by_reason",
    "resting_orders",
    "round_trip_summary",
    "round_trips",
    "sampled_sharpe",
    "sequential_sum",
    "side_signs",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_NS = 1_000_000_000
MARKOUT_HORIZONS_S = (1, 10, 60)
"""The markout horizons, in seconds of market time."""
QTY_DECIMALS = 9
"""Round trips match quantities in integer units of 10^-QTY_DECIMALS (`round_trips`): a nano-lot, below any
exchange's lot size, and room for 9.2e9 of a quantity in int64."""
MIN_SHARPE_SAMPLES = 30
"""The fewest PnL changes a Sharpe ratio is computed from (below: null)."""
ROUND_TRIP_COLUMNS = (
    "instrument",
    "side",
    "qty",
    "entry_ts",
    "exit_ts",
    "entry_price",
    "exit_price",
    "gross_pnl",
    "fees",
    "pnl",
    "holding_s",
)
"""`round_trips`' columns. ``side``: ``long`` (entered with a buy) or ``short``; ``gross_pnl``: (exit − entry)
× qty × multiplier, sign-flipped for a short; ``fees``: the entry's and the exit's fees, each fill's fee split
over its quantity; ``pnl`` = gross_pnl − fees; ``holding_s``: (exit_ts − entry_ts) in seconds."""
RESTING_ORDER_TYPES = (OrderType.LIMIT, OrderType.POST_ONLY)
"""The order types that can rest on a book (`resting_orders`; the engine compares the blotter's codes with them)."""
_RESTING_TYPES = tuple(order_type.name.lower() for order_type in RESTING_ORDER_TYPES)
_BP = 1e4


def side_signs(sides: Sequence[str] | npt.ArrayLike) -> IntArray:
    """+1 for each ``"buy"``, −1 for anything else (``"sell"``)."""
    return np.where(np.asarray(sides, dtype=object) == "buy", 1, -1).astype(np.int64)


def sequential_sum(values: npt.NDArray[np.float64]) -> float:
    """The floats added left to right (as Python 3.11's ``sum`` does; 0 for none). ``np.sum`` adds pairwise and
    rounds differently: the stats must not change with how they are computed."""
    if len(values) == 0:
        return 0
    return float(np.cumsum(values)[-1])


# -- PnL and costs ---------------------------------------------------------------------------------------------
def max_drawdown(pnl: Sequence[float] | FloatArray) -> float:
    """Largest peak-to-trough fall of the PnL curve (0 for a curve that never falls)."""
    if len(pnl) == 0:
        return 0.0
    curve = np.asarray(pnl, dtype=np.float64)
    peaks = np.maximum.accumulate(curve)
    return float((peaks - curve).max())


def sampled_sharpe(
    ts: Sequence[int] | IntArray,
    pnl: Sequence[float] | FloatArray,
    period_ns: int,
    *,
    min_samples: int = MIN_SHARPE_SAMPLES,
) -> tuple[float | None, int]:
    """(mean / std of the PnL's changes over ``period_ns``, number of changes); not annualised.

    The PnL at each point of the grid ``ts[0] + k × period_ns`` (up to the last sample) is the last sample at or
    before it (``ts`` ascending). The ratio is None with fewer than ``min_samples`` changes or a constant PnL.
    """
    times = np.asarray(ts, dtype=np.int64)
    values = np.asarray(pnl, dtype=np.float64)
    if len(times) == 0 or period_ns <= 0:
        return None, 0
    grid = times[0] + period_ns * np.arange((int(times[-1]) - int(times[0])) // period_ns + 1, dtype=np.int64)
    changes = np.diff(values[np.searchsorted(times, grid, side="right") - 1])
    if len(changes) < max(min_samples, 2):
        return None, len(changes)
    std = float(changes.std(ddof=1))
    if std == 0.0 or not math.isfinite(std):
        return None, len(changes)
    return float(changes.mean()) / std, len(changes)


def fee_totals(fees: FloatArray) -> tuple[float, float, float]:
    """(fees paid, rebates received, net fees): Σ positive fees, −Σ negative fees, Σ fees in fill order."""
    paid = sequential_sum(fees[fees > 0])
    rebates = -sequential_sum(fees[fees < 0])
    return float(paid), float(rebates) + 0.0, float(sequential_sum(fees))


# -- execution quality -----------------------------------------------------------------------------------------
def reason_kind(reason: str) -> str:
    """The kind of a rejection reason: its text before the first colon, at most its first two words.

    ``"risk max_position: order 155: position could reach 11…"`` → ``"risk max_position"``, ``"invalid size 0.4:
    below one lot of 1.0"`` → ``"invalid size"``, a venue's ``"post_only_would_cross"`` stays itself; the empty
    reason is ``"unspecified"``.
    """
    words = reason.split(":", 1)[0].split()
    return " ".join(words[:2]) if words else "unspecified"


def rejections_by_reason(status: npt.ArrayLike, reason: npt.ArrayLike) -> dict[str, int]:
    """Rejected orders (``status == "rejected"``) counted by `reason_kind`, keys sorted."""
    statuses = np.asarray(status, dtype=object)
    return reason_counts(np.asarray(reason, dtype=object)[statuses == "rejected"].tolist())


def reason_counts(reasons: Sequence[object]) -> dict[str, int]:
    """The rejected orders' ``reasons`` counted by `reason_kind`, keys sorted (`rejections_by_reason`)."""
    counts: dict[str, int] = {}
    for text in reasons:
        kind = reason_kind(text if isinstance(text, str) else "")
        counts[kind] = counts.get(kind, 0) + 1
    return dict(sorted(counts.items()))


def mids_at(mid_ts: IntArray, mids: FloatArray, at: IntArray) -> FloatArray:
    """The last mid at or before each time of ``at`` (``mid_ts`` ascending); NaN before the series starts and
    after it ends (nothing is known there)."""
    at = np.asarray(at, dtype=np.int64)
    out = np.full(len(at), np.nan)
    if len(mid_ts) == 0:
        return out
    index = np.searchsorted(mid_ts, at, side="right") - 1
    known = (index >= 0) & (at <= mid_ts[-1])
    out[known] = mids[index[known]]
    return out


def edges(side: IntArray, price: FloatArray, mid: FloatArray) -> FloatArray:
    """Each fill's edge over ``mid``: (mid − price) × side, positive when the fill was better than the mid."""
    return (mid - price) * side


def edge_summary(edge: FloatArray, price: FloatArray, qty: FloatArray, multiplier: FloatArray) -> dict[str, Any]:
    """Fills with a finite edge summarised: ``fills``, ``mean`` (price units), ``mean_bp`` (bp of fill price),
    ``vw_mean_bp`` (notional-weighted, bp) and ``pnl`` (Σ edge × qty × multiplier); None for an empty set."""
    known = np.isfinite(edge)
    edge, price, size = edge[known], price[known], qty[known] * multiplier[known]
    if len(edge) == 0:
        return {"fills": 0, "mean": None, "mean_bp": None, "vw_mean_bp": None, "pnl": 0.0}
    notional = sequential_sum(price * size)
    pnl = sequential_sum(edge * size)
    return {
        "fills": len(edge),
        "mean": _rounded(float(edge.mean())),
        "mean_bp": _rounded(float((edge / price).mean()) * _BP),
        "vw_mean_bp": _rounded(pnl / notional * _BP) if notional else None,
        "pnl": _rounded(pnl),
    }


def markout_summary(
    side: IntArray,
    price: FloatArray,
    qty: FloatArray,
    multiplier: FloatArray,
    mid_at_fill: FloatArray,
    mid_later: FloatArray,
) -> dict[str, Any]:
    """`edge_summary` of the edges over ``mid_later``, plus ``adverse_selection_bp``: the mean over the same fills
    (those with both mids) of (mid_at_fill − mid_later) × side in bp of the fill price (None for none)."""
    summary = edge_summary(edges(side, price, mid_later), price, qty, multiplier)
    moved = (mid_at_fill - mid_later) * side / price
    moved = moved[np.isfinite(moved)]
    summary["adverse_selection_bp"] = _rounded(float(moved.mean()) * _BP) if len(moved) else None
    return summary


def fill_quality(
    ts: IntArray,
    instrument: npt.ArrayLike,
    side: IntArray,
    price: FloatArray,
    qty: FloatArray,
    multiplier: FloatArray,
    mid_ts: IntArray,
    mid_instrument: npt.ArrayLike,
    mids: FloatArray,
) -> dict[str, Any]:
    """``spread_capture`` and ``markouts`` of the fills (``ts`` … ``multiplier``, one entry per fill) against a mid
    series (``mid_ts``, ``mid_instrument``, ``mids``: rows of any instruments, ascending in time per instrument)."""
    names = np.asarray(instrument, dtype=object)
    mid_names = np.asarray(mid_instrument, dtype=object)
    ts = np.asarray(ts, dtype=np.int64)
    now = np.full(len(ts), np.nan)
    later = {h: np.full(len(ts), np.nan) for h in MARKOUT_HORIZONS_S}
    for name in dict.fromkeys(names.tolist()):
        mine, series = names == name, mid_names == name
        now[mine] = mids_at(mid_ts[series], mids[series], ts[mine])
        for h, values in later.items():
            values[mine] = mids_at(mid_ts[series], mids[series], ts[mine] + h * _NS)
    return {
        "spread_capture": edge_summary(edges(side, price, now), price, qty, multiplier),
        "markouts": {
            f"{h}s": markout_summary(side, price, qty, multiplier, now, values) for h, values in later.items()
        },
    }


def resting_orders(order_type: npt.ArrayLike, status: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Which orders can rest on the book: limit and post-only orders that were not rejected."""
    types = np.asarray(order_type, dtype=object)
    resting: npt.NDArray[np.bool_] = np.isin(types, _RESTING_TYPES) & (np.asarray(status, dtype=object) != "rejected")
    return resting


def quote_uptime(ts: IntArray, done_ts: IntArray, side: IntArray, start: int, end: int) -> dict[str, float | None]:
    """Shares of [start, end] with a resting order on the bid, the ask and both (``done_ts`` −1: open to the end).

    ``ts``, ``done_ts`` and ``side`` describe the resting orders of one instrument (`resting_orders`). None when
    the run has no duration.
    """
    n = len(ts)
    return coded_quote_uptimes(
        ("one",), np.zeros(n, dtype=np.int64), ts, done_ts, side, np.ones(n, dtype=np.bool_), start, end
    )["one"]


def quote_uptimes(
    instruments: Sequence[str],
    instrument: npt.ArrayLike,
    ts: IntArray,
    done_ts: IntArray,
    side: IntArray,
    resting: npt.NDArray[np.bool_],
    start: int,
    end: int,
) -> dict[str, dict[str, float | None]]:
    """`quote_uptime` of each of ``instruments`` from the orders table's columns (``resting``: `resting_orders`)."""
    index = {name: code for code, name in enumerate(instruments)}
    names = np.asarray(instrument, dtype=object)
    codes = np.array([index.get(name, -1) for name in names.tolist()], dtype=np.int64)
    return coded_quote_uptimes(instruments, codes, ts, done_ts, side, resting, start, end)


def coded_quote_uptimes(
    instruments: Sequence[str],
    codes: IntArray,
    ts: IntArray,
    done_ts: IntArray,
    side: IntArray,
    resting: npt.NDArray[np.bool_],
    start: int,
    end: int,
) -> dict[str, dict[str, float | None]]:
    """`quote_uptimes` with each order's instrument as its index in ``instruments`` (−1: none of them)."""
    if end <= start:
        return {name: {"bid": None, "ask": None, "two_sided": None} for name in instruments}
    ts = np.asarray(ts, dtype=np.int64)
    done = np.asarray(done_ts, dtype=np.int64)
    side = np.asarray(side, dtype=np.int64)
    codes = np.asarray(codes, dtype=np.int64)
    resting = np.asarray(resting, dtype=np.bool_)
    if len(ts) > 1 and not bool((ts[1:] >= ts[:-1]).all()):  # (an engine's orders come in time order already)
        order = np.argsort(ts, kind="stable")
        ts, done, side, codes, resting = ts[order], done[order], side[order], codes[order], resting[order]
    covered = np.zeros((len(instruments), 3), dtype=np.int64)
    covered_time(ts, done, side, codes, resting, start, end, covered)
    span = float(end - start)
    return {
        name: {
            "bid": _rounded(int(bid) / span),
            "ask": _rounded(int(ask) / span),
            "two_sided": _rounded(int(bid + ask - either) / span),
        }
        for name, (bid, ask, either) in zip(instruments, covered.tolist(), strict=True)
    }


def covered_time_py(
    ts: IntArray,
    done: IntArray,
    side: IntArray,
    codes: IntArray,
    resting: npt.NDArray[np.bool_],
    start: int,
    end: int,
    covered: IntArray,
) -> None:
    """For each instrument code c, ``covered[c]`` = the time in [start, end] covered by its resting orders on the
    bid, on the ask, and on either side (the length of each union of intervals [ts, done), ``done`` −1: ``end``).

    One pass over the orders in time order (``ts`` ascending): an interval that begins after every earlier one of
    its union has ended starts a new stretch, which lasts to the latest end before the next one starts; no
    temporary arrays. `covered_time` is this function compiled.
    """
    n_codes = covered.shape[0]
    first = np.zeros((n_codes, 3), dtype=np.int64)  # the current stretch of each union: its start ...
    reach = np.zeros((n_codes, 3), dtype=np.int64)  # ... and the latest end in it
    seen = np.zeros((n_codes, 3), dtype=np.bool_)
    for k in range(len(ts)):
        c = codes[k]
        if not resting[k] or c < 0 or c >= n_codes:
            continue
        if side[k] == 1:
            own = 0
        elif side[k] == -1:
            own = 1
        else:
            continue
        b = min(max(ts[k], start), end)
        e = end if done[k] < 0 else done[k]
        e = max(min(max(e, start), end), b)
        for u in (own, 2):
            if seen[c, u] and b <= reach[c, u]:
                if e > reach[c, u]:
                    reach[c, u] = e
            else:
                if seen[c, u]:
                    covered[c, u] += reach[c, u] - first[c, u]
                seen[c, u] = True
                first[c, u] = b
                reach[c, u] = e
    for c in range(n_codes):
        for u in range(3):
            if seen[c, u]:
                covered[c, u] += reach[c, u] - first[c, u]


covered_time = njit(cache=True)(covered_time_py)


# -- round trips -----------------------------------------------------------------------------------------------
def match_fifo_py(
    instrument: IntArray, side: IntArray, units: IntArray, n_instruments: int
) -> tuple[IntArray, IntArray, IntArray]:
    """FIFO matching of fills (in fill order) per instrument: (entry fill, exit fill, units matched) per match.

    ``instrument``: codes 0 … n_instruments − 1; ``side``: ±1; ``units``: each fill's size in integer units (> 0).
    A fill first closes the oldest open entries of its instrument on the other side; what is left opens an entry.
    Matches come in exit order, and for one exit in entry order. `match_fifo` is this function compiled.
    """
    n = len(side)
    # each instrument's queue of open entries lives in its own slice of `queue`/`left`: at most its fill count
    counts = np.zeros(n_instruments + 1, dtype=np.int64)
    for k in range(n):
        counts[instrument[k] + 1] += 1
    start = np.cumsum(counts)
    head = start[:-1].copy()
    tail = start[:-1].copy()
    queue = np.zeros(n, dtype=np.int64)
    left = np.zeros(n, dtype=np.int64)
    entries = np.zeros(2 * n, dtype=np.int64)
    exits = np.zeros(2 * n, dtype=np.int64)
    matched = np.zeros(2 * n, dtype=np.int64)
    m = 0
    for k in range(n):
        i = instrument[k]
        rest = units[k]
        while rest > 0 and head[i] < tail[i] and side[queue[head[i]]] != side[k]:
            h = head[i]
            take = min(rest, left[h])
            entries[m] = queue[h]
            exits[m] = k
            matched[m] = take
            m += 1
            left[h] -= take
            rest -= take
            if left[h] == 0:
                head[i] += 1
        if rest > 0:
            queue[tail[i]] = k
            left[tail[i]] = rest
            tail[i] += 1
    return entries[:m].copy(), exits[:m].copy(), matched[:m].copy()  # (not views keeping the 2n rows alive)


match_fifo = njit(cache=True)(match_fifo_py)


def round_trips(
    ts: IntArray,
    instrument: npt.ArrayLike,
    side: IntArray,
    price: FloatArray,
    qty: FloatArray,
    fee: FloatArray,
    multiplier: FloatArray,
) -> dict[str, npt.NDArray[Any]]:
    """The fills (in fill order) matched first-in first-out per instrument into round trips (`match_fifo`).

    Each match is one round trip, in the order the exits happen; columns as `ROUND_TRIP_COLUMNS`. Quantities are
    matched in integer units of 10^-`QTY_DECIMALS`, so lot sizes like 0.001 leave no float dust behind (0.3 − 0.1
    − 0.1 is 0.1, not 0.09999999999999998); a matched quantity is its units / 10^QTY_DECIMALS. Fills of no
    positive size are left out.
    """
    names = np.asarray(instrument, dtype=object)
    labels, codes = np.unique(names.astype(str), return_inverse=True) if len(names) else (np.array([]), names)
    columns, traded, direction = coded_round_trips(
        ts, np.asarray(codes, dtype=np.int64), len(labels), side, price, qty, fee, multiplier
    )
    return {
        "instrument": labels.astype(object)[traded],
        "side": np.where(direction > 0, "long", "short").astype(object),
        **columns,
    }


def coded_round_trips(
    ts: IntArray,
    codes: IntArray,
    n_codes: int,
    side: IntArray,
    price: FloatArray,
    qty: FloatArray,
    fee: FloatArray,
    multiplier: FloatArray,
) -> tuple[dict[str, npt.NDArray[Any]], IntArray, IntArray]:
    """`round_trips` with each fill's instrument as a code (0 … ``n_codes`` − 1): the columns of
    `ROUND_TRIP_COLUMNS` but ``instrument`` and ``side``, each round trip's instrument code, and its direction
    (+1 long, −1 short). (The engine's frames take it from codes: no Python string per fill.)"""
    sizes = np.asarray(qty, dtype=np.float64)
    keep = sizes > 0
    everything = bool(keep.all())  # (an engine's fills all have a size: no copies of the columns then)

    def kept(values: npt.ArrayLike, dtype: type[np.generic]) -> npt.NDArray[Any]:
        array = np.asarray(values, dtype=dtype)
        return array if everything else array[keep]

    scale = 10.0**QTY_DECIMALS
    scaled = kept(sizes, np.float64) * scale
    units = np.rint(scaled, out=scaled).astype(np.int64)
    del scaled
    coded = kept(codes, np.int64)
    signs = kept(side, np.int64)
    entry, exit_, matched = match_fifo(coded, signs, units, n_codes)
    t = kept(ts, np.int64)
    p = kept(price, np.float64)
    unit_fee = kept(fee, np.float64) / units
    direction = signs[entry]
    size = matched / scale
    gross = (p[exit_] - p[entry]) * size
    gross *= kept(multiplier, np.float64)[exit_]
    gross *= direction
    fees = unit_fee[entry] + unit_fee[exit_]
    fees *= matched
    columns = {
        "qty": size,
        "entry_ts": t[entry],
        "exit_ts": t[exit_],
        "entry_price": p[entry],
        "exit_price": p[exit_],
        "gross_pnl": gross,
        "fees": fees,
        "pnl": gross - fees,
        "holding_s": (t[exit_] - t[entry]) / _NS,
    }
    return columns, coded[exit_], direction


def round_trip_summary(pnl: FloatArray, holding_s: FloatArray) -> dict[str, Any]:
    """``count``, ``win_rate`` (share with pnl > 0), ``mean_holding_s`` and ``pnl`` (Σ, in exit order)."""
    if len(pnl) == 0:
        return {"count": 0, "win_rate": None, "mean_holding_s": None, "pnl": 0.0}
    return {
        "count": len(pnl),
        "win_rate": _rounded(float(np.count_nonzero(pnl > 0)) / len(pnl)),
        "mean_holding_s": _rounded(float(holding_s.mean())),
        "pnl": _rounded(sequential_sum(pnl)),
    }


def _rounded(value: float) -> float:
    """Ten decimals: the last bits of a float sum say nothing and would make summary.json noisy."""
    return round(value, 10)
