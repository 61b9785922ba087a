"""Race analytics: latency races found in a venue's message log, or trade bursts in recorded data.

**Races in a message log** (`detect_races`, after Aquilina, Budish & O'Neill 2022). Every take attempt (an IOC or
market order, or a limit order that crossed on arrival) and every cancel names one price level: a take the level
it was limited to on the side it takes from (a market order: the touch it met), a cancel the level its order
rests at. A take *succeeds* when it trades, a cancel when it removes open lots; a take that trades nothing and a
cancel of an order already gone *fail*. A race is a group of such messages at one (market, side, price) whose
gateway arrivals fall within ``window_ns`` of the first, from at least two participants, with at least one
success and one failure; the scan resumes after a race's last message. Its **duration** is the time from its
first message to its first failure (how long the contest lasted before somebody was too late), its **winner**
the sender of its first success, and its **price gap** how far the level's price was from the market's mid
``horizon_ns`` after the race began (positive: the taker was right). Race **volume** is what its takes traded;
**profits** are gap × lots, and the **latency tax** is the race profits as a share of all the value traded on
the market, in bp: what the price of being slow costs, on average, per unit traded.

Participants are ranked by latency (**winner share by latency rank**) by their median one-way order latency
(gateway arrival − send) over all their messages: rank 1 is the fastest in each race.

**Trade bursts in recorded data** (`detect_bursts`). A recorded feed has no participant ids and no cancels, so a
race cannot be seen as such; what can be measured is a burst: at least two trades at one price with one
aggressor side, at two or more distinct timestamps (one taker order's fills share a timestamp), within
``window_ns`` of the first. Bursts per minute, their span (first to last trade), their share of volume, and the
gap against the last trade price ``horizon_ns`` later are reported as the recorded counterparts; the window
cannot be finer than the timestamps.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "DURATION_BINS_US",
    "PAPER_COLUMN",
    "RaceError",
    "RaceReport",
    "burst_report",
    "detect_bursts",
    "detect_races",
    "order_latencies",
    "race_report",
    "report_table",
    "timestamp_resolution",
]

OP_SUBMIT, OP_CANCEL = 1, 2
"""The message log's ``op`` codes (hft-core's `SimulatedVenue.messages`)."""
ORDER_LIMIT, ORDER_MARKET, ORDER_IOC, ORDER_FOK = 1, 2, 3, 4
"""`OrderType` codes, restated (a test checks them against hft-core): market, IOC and FOK orders always try to
take, a limit order when it crosses on arrival, a post-only order never."""

DURATION_BINS_US = (0.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, math.inf)
"""Edges (µs) of the race-duration histogram; the paper's modal bin is 5–10 µs."""


class RaceError(ValueError):
    """Bad input to the race analytics (a window finer than the timestamps, an empty log, ...)."""


Int64s = npt.NDArray[np.int64]


@dataclass(frozen=True)
class RaceReport:
    """What the races (or bursts) of one market look like, with the races themselves as a frame."""

    market: str
    source: str
    """``messages`` (races in a venue's message log) or ``trades`` (bursts in recorded trades)."""
    duration_s: float
    window_ns: int
    horizon_ns: int
    races: pd.DataFrame
    total_qty: int
    total_value: float
    winners: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Per participant (messages only): owner, kind, latency, races entered, races won, latency rank."""

    @property
    def count(self) -> int:
        return len(self.races)

    @property
    def per_minute(self) -> float:
        return self.count / (self.duration_s / 60.0) if self.duration_s > 0 else 0.0

    def summary(self) -> dict[str, Any]:
        """The figures as plain numbers (JSON-ready)."""
        races = self.races
        durations_us = races["duration_ns"].to_numpy(dtype=np.float64) / 1e3 if self.count else np.zeros(0)
        counts, _ = np.histogram(durations_us, bins=np.array(DURATION_BINS_US))
        race_qty = int(races["qty"].sum()) if self.count else 0
        profits = float(races["profit"].sum()) if self.count else 0.0
        hist = {
            _bin_label(lo, hi): int(n)
            for lo, hi, n in zip(DURATION_BINS_US, DURATION_BINS_US[1:], counts, strict=False)
        }
        modal = max(hist, key=lambda k: hist[k]) if self.count else None
        traded = races[races["qty"] > 0] if self.count else races
        out: dict[str, Any] = {
            "market": self.market,
            "source": self.source,
            "duration_s": round(self.duration_s, 6),
            "window_us": self.window_ns / 1e3,
            "horizon_ms": self.horizon_ns / 1e6,
            "races": self.count,
            "races_per_minute": round(self.per_minute, 4),
            "duration_us": {
                "median": _round(np.median(durations_us)) if self.count else None,
                "p10": _round(np.percentile(durations_us, 10)) if self.count else None,
                "p90": _round(np.percentile(durations_us, 90)) if self.count else None,
                "modal_bin": modal,
                "histogram": hist,
            },
            "price_gap_ticks": {
                "mean": _round(traded["gap_ticks"].mean()) if len(traded) else None,
                "median": _round(traded["gap_ticks"].median()) if len(traded) else None,
            },
            "price_gap_bp": {
                "mean": _round(traded["gap_bp"].mean()) if len(traded) else None,
                "median": _round(traded["gap_bp"].median()) if len(traded) else None,
            },
            "race_volume": race_qty,
            "total_volume": self.total_qty,
            "volume_share": _round(race_qty / self.total_qty) if self.total_qty else None,
            "race_profits": _round(profits),
            "latency_tax_bp": _round(profits / self.total_value * 1e4) if self.total_value else None,
        }
        if self.source == "messages":
            ranks = races["winner_rank"].to_numpy() if self.count else np.zeros(0)
            decided = ranks[ranks > 0]
            out["winner_share_by_latency_rank"] = {
                str(rank): _round(float(np.mean(decided == rank))) for rank in sorted(set(decided.tolist()))
            }
            out["participants"] = [
                {key: _plain(value) for key, value in row.items()} for row in self.winners.to_dict(orient="records")
            ]
        return out


def _bin_label(lo: float, hi: float) -> str:
    return f">={lo:g}" if math.isinf(hi) else f"{lo:g}-{hi:g}"


def _round(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else round(number, 6)


def _plain(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return _round(value)
    return value


# -- races in a message log ---------------------------------------------------------------------------------------
def _levels(log: pd.DataFrame) -> pd.DataFrame:
    """The race-relevant messages: takes and cancels, each with the level it names and whether it succeeded."""
    op = log["op"].to_numpy()
    order_type = log["order_type"].to_numpy()
    side = log["side"].to_numpy()
    price = log["price"].to_numpy()
    touch = log["touch"].to_numpy()
    submit = op == OP_SUBMIT
    crossing_limit = (
        (order_type == ORDER_LIMIT) & (touch >= 0) & (((side > 0) & (price >= touch)) | ((side < 0) & (price <= touch)))
    )
    market_order = order_type == ORDER_MARKET
    immediate = (order_type == ORDER_MARKET) | (order_type == ORDER_IOC) | (order_type == ORDER_FOK)
    take = submit & (immediate | crossing_limit) & ~(market_order & (touch < 0))
    cancel = (op == OP_CANCEL) & (log["order_id"].to_numpy() > 0) & (side != 0)
    keep = take | cancel
    rows = log[keep]
    take_kept = take[keep]
    level_side = np.where(take_kept, -rows["side"].to_numpy(), rows["side"].to_numpy())
    level_price = np.where(take_kept & (rows["order_type"].to_numpy() == ORDER_MARKET), rows["touch"], rows["price"])
    success = np.where(take_kept, rows["filled"].to_numpy() > 0, rows["cancelled"].to_numpy() > 0)
    return pd.DataFrame(
        {
            "market": rows["market"].to_numpy(),
            "level_side": level_side.astype(np.int8),
            "level_price": level_price.astype(np.int64),
            "arrival_ts": rows["arrival_ts"].to_numpy(),
            "seq": rows.index.to_numpy(),
            "owner": rows["owner"].to_numpy(),
            "take": take_kept,
            "success": success,
            "filled": np.where(take_kept, rows["filled"].to_numpy(), 0),
            "filled_value": np.where(take_kept, rows["filled_value"].to_numpy(), 0),
        }
    )


def order_latencies(log: pd.DataFrame) -> dict[int, float]:
    """Each owner's median one-way order latency (gateway arrival − send, ns) over its messages that have both."""
    known = log[(log["sent_ts"] >= 0)]
    delays = (known["arrival_ts"] - known["sent_ts"]).groupby(known["owner"]).median()
    return {int(owner): float(delay) for owner, delay in zip(delays.index.tolist(), delays.tolist(), strict=True)}


def detect_races(log: pd.DataFrame, window_ns: int = 500_000) -> pd.DataFrame:
    """The races in a message log (`SimulatedVenue.messages` as a frame), one row each (see the module doc).

    Columns: market, side (of the level: -1 asks taken by buyers, 1 bids), price (ticks), start_ns, duration_ns,
    span_ns (first to last message), messages, participants, winner (owner), winner_take (a take won, not a
    cancel), qty and value (lots and Σ price × lots the race's takes traded), owners (a tuple).
    """
    if window_ns <= 0:
        raise RaceError(f"the race window must be > 0 ns, got {window_ns}")
    levels = _levels(log).sort_values(["market", "level_side", "level_price", "arrival_ts", "seq"], kind="stable")
    keys = levels[["market", "level_side", "level_price"]].to_numpy()
    arrival = levels["arrival_ts"].to_numpy()
    owner = levels["owner"].to_numpy()
    take = levels["take"].to_numpy()
    success = levels["success"].to_numpy()
    filled = levels["filled"].to_numpy()
    value = levels["filled_value"].to_numpy()
    n = len(levels)
    # group boundaries: rows of one (market, side, price)
    starts = np.flatnonzero(np.r_[True, np.any(keys[1:] != keys[:-1], axis=1)]) if n else np.zeros(0, np.int64)
    ends = np.r_[starts[1:], n] if n else np.zeros(0, np.int64)
    found: list[tuple[Any, ...]] = []
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        if hi - lo < 2:
            continue
        i = lo
        while i < hi - 1:
            j = int(np.searchsorted(arrival[i:hi], arrival[i] + window_ns, side="right")) + i
            group = slice(i, j)
            wins = success[group]
            if j - i >= 2 and wins.any() and not wins.all() and len(set(owner[group].tolist())) >= 2:
                first_fail = i + int(np.argmin(wins))
                first_win = i + int(np.argmax(wins))
                found.append(
                    (
                        int(keys[i, 0]),
                        int(keys[i, 1]),
                        int(keys[i, 2]),
                        int(arrival[i]),
                        int(arrival[first_fail] - arrival[i]),
                        int(arrival[j - 1] - arrival[i]),
                        j - i,
                        len(set(owner[group].tolist())),
                        int(owner[first_win]),
                        bool(take[first_win]),
                        int(filled[group].sum()),
                        int(value[group].sum()),
                        tuple(dict.fromkeys(owner[group].tolist())),
                    )
                )
                i = j
            else:
                i += 1
    columns = [
        "market",
        "side",
        "price",
        "start_ns",
        "duration_ns",
        "span_ns",
        "messages",
        "participants",
        "winner",
        "winner_take",
        "qty",
        "value",
        "owners",
    ]
    races = pd.DataFrame(found, columns=columns)
    return races.sort_values("start_ns", kind="stable").reset_index(drop=True)


def _mid_after(times: Int64s, mids: npt.NDArray[np.float64], at: Int64s) -> npt.NDArray[np.float64]:
    """The last mid at or before each of ``at`` (NaN before the first)."""
    where = np.searchsorted(times, at, side="right") - 1
    out = np.full(len(at), np.nan)
    ok = where >= 0
    out[ok] = mids[where[ok]]
    return out


def _gaps(races: pd.DataFrame, ref: npt.NDArray[np.float64], tick_size: float) -> pd.DataFrame:
    """Add gap_ticks, gap_bp and profit (in price units × lots) from each race's reference price."""
    price = races["price"].to_numpy(dtype=np.float64)
    sign = -races["side"].to_numpy(dtype=np.float64)  # asks taken (side -1) gain ref - price
    gap = sign * (ref - price)
    races = races.copy()
    races["gap_ticks"] = gap
    races["gap_bp"] = gap / price * 1e4
    races["profit"] = np.nan_to_num(gap) * races["qty"].to_numpy(dtype=np.float64) * tick_size
    return races


def race_report(
    log: pd.DataFrame,
    market: int,
    *,
    duration_s: float,
    symbol: str = "",
    tick_size: float = 1.0,
    kinds: Mapping[int, str] | None = None,
    window_ns: int = 500_000,
    horizon_ns: int = 100_000_000,
) -> RaceReport:
    """The races of one market of a message log, with the traded totals, gaps and the latency ranking."""
    if len(log) == 0:
        raise RaceError("the message log is empty")
    own = log[log["market"] == market]
    races = detect_races(own, window_ns)
    book = own[(own["bid"] >= 0) & (own["ask"] >= 0)]
    times = book["ts"].to_numpy(dtype=np.int64)
    mids = 0.5 * (book["bid"].to_numpy(dtype=np.float64) + book["ask"].to_numpy(dtype=np.float64))
    ref = _mid_after(times, mids, races["start_ns"].to_numpy(dtype=np.int64) + horizon_ns)
    races = _gaps(races, ref, tick_size)
    latencies = order_latencies(own)
    ranked = []
    for owners, winner in zip(races["owners"].tolist(), races["winner"].tolist(), strict=True):
        speeds = sorted((latencies.get(o, math.inf), o) for o in owners)
        ranked.append(1 + [o for _, o in speeds].index(winner) if math.isfinite(latencies.get(winner, math.inf)) else 0)
    races["winner_rank"] = np.array(ranked, dtype=np.int64)
    entered: dict[int, int] = {}
    won: dict[int, int] = {}
    for owners, winner in zip(races["owners"].tolist(), races["winner"].tolist(), strict=True):
        for o in owners:
            entered[o] = entered.get(o, 0) + 1
        won[winner] = won.get(winner, 0) + 1
    names = dict(kinds or {})
    winners = pd.DataFrame(
        [
            {
                "owner": o,
                "kind": names.get(o, "?"),
                "latency_us": round(latencies[o] / 1e3, 3) if o in latencies else None,
                "races": entered[o],
                "won": won.get(o, 0),
            }
            for o in sorted(entered, key=lambda o: (latencies.get(o, math.inf), o))
        ],
        columns=["owner", "kind", "latency_us", "races", "won"],
    )
    submits = own[own["op"] == OP_SUBMIT]
    return RaceReport(
        market=symbol or str(market),
        source="messages",
        duration_s=duration_s,
        window_ns=window_ns,
        horizon_ns=horizon_ns,
        races=races,
        total_qty=int(submits["filled"].sum()),
        total_value=float(submits["filled_value"].sum()) * tick_size,
        winners=winners,
    )


# -- bursts in recorded trades ----------------------------------------------------------------------------------
def timestamp_resolution(times: Int64s) -> int:
    """The coarsest power of ten (ns, up to 1 s) that divides every timestamp."""
    resolution = 1
    while resolution < 1_000_000_000 and len(times) and bool(np.all(times % (resolution * 10) == 0)):
        resolution *= 10
    return resolution


def detect_bursts(
    times: Int64s, prices: Int64s, qty: Int64s, sides: npt.NDArray[np.int8], window_ns: int = 500_000
) -> pd.DataFrame:
    """Trade bursts (see the module doc): columns side (-1: asks taken), price, start_ns, duration_ns (the
    span), trades, qty, value."""
    if window_ns <= 0:
        raise RaceError(f"the window must be > 0 ns, got {window_ns}")
    resolution = timestamp_resolution(times)
    if window_ns < resolution:
        raise RaceError(
            f"a window of {window_ns / 1e3:g} µs is finer than the timestamps ({resolution / 1e3:g} µs): "
            "bursts at distinct times cannot fall inside it; widen --window-us or use --clock local"
        )
    order = np.lexsort((times, prices, sides))
    t, p, q, s = times[order], prices[order], qty[order], sides[order]
    n = len(t)
    key_change = np.r_[True, (p[1:] != p[:-1]) | (s[1:] != s[:-1])] if n else np.zeros(0, bool)
    starts = np.flatnonzero(key_change)
    ends = np.r_[starts[1:], n] if n else np.zeros(0, np.int64)
    found: list[tuple[int, ...]] = []
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        i = lo
        while i < hi - 1:
            j = int(np.searchsorted(t[i:hi], t[i] + window_ns, side="right")) + i
            if j - i >= 2 and t[j - 1] > t[i]:
                found.append(
                    (
                        -int(s[i]),
                        int(p[i]),
                        int(t[i]),
                        int(t[j - 1] - t[i]),
                        j - i,
                        int(q[i:j].sum()),
                        int((q[i:j] * p[i:j]).sum()),
                    )
                )
                i = j
            else:
                i += 1
    columns = ["side", "price", "start_ns", "duration_ns", "trades", "qty", "value"]
    return pd.DataFrame(found, columns=columns).sort_values("start_ns", kind="stable").reset_index(drop=True)


def burst_report(
    times: Int64s,
    prices: Int64s,
    qty: Int64s,
    sides: npt.NDArray[np.int8],
    *,
    symbol: str,
    tick_size: float,
    window_ns: int = 500_000,
    horizon_ns: int = 100_000_000,
) -> RaceReport:
    """Trade bursts of one recorded market and the figures that can be measured from trades alone."""
    if len(times) < 2:
        raise RaceError(f"{symbol}: {len(times)} trade(s); bursts need trades")
    order = np.argsort(times, kind="stable")
    times, prices, qty, sides = times[order], prices[order], qty[order], sides[order]
    bursts = detect_bursts(times, prices, qty, sides, window_ns)
    ref = _mid_after(times, prices.astype(np.float64), bursts["start_ns"].to_numpy(dtype=np.int64) + horizon_ns)
    bursts = _gaps(bursts, ref, tick_size)
    return RaceReport(
        market=symbol,
        source="trades",
        duration_s=float(times[-1] - times[0]) / 1e9,
        window_ns=window_ns,
        horizon_ns=horizon_ns,
        races=bursts,
        total_qty=int(qty.sum()),
        total_value=float((qty * prices).sum()) * tick_size,
    )


def report_table(reports: Sequence[RaceReport], paper: bool = False) -> str:
    """A plain-text table of the headline figures, one column per report (and the paper's, with ``paper``)."""
    rows: list[tuple[str, list[str]]] = []
    summaries = [r.summary() for r in reports]

    def fmt(value: Any, spec: str = ".3g") -> str:
        return "–" if value is None else format(value, spec)

    rows.append(("source", [s["source"] for s in summaries]))
    rows.append(("races (bursts)", [str(s["races"]) for s in summaries]))
    rows.append(("per minute", [fmt(s["races_per_minute"]) for s in summaries]))
    rows.append(("median duration (µs)", [fmt(s["duration_us"]["median"]) for s in summaries]))
    rows.append(("modal duration bin (µs)", [str(s["duration_us"]["modal_bin"] or "–") for s in summaries]))
    rows.append(("price gap (ticks, mean)", [fmt(s["price_gap_ticks"]["mean"]) for s in summaries]))
    rows.append(("price gap (bp, mean)", [fmt(s["price_gap_bp"]["mean"]) for s in summaries]))
    rows.append(("share of volume", [fmt(s["volume_share"]) for s in summaries]))
    rows.append(("latency tax (bp)", [fmt(s["latency_tax_bp"]) for s in summaries]))
    rows.append(
        (
            "won by the fastest",
            [
                fmt(s.get("winner_share_by_latency_rank", {}).get("1")) if s["source"] == "messages" else "–"
                for s in summaries
            ],
        )
    )
    header = ["", *[s["market"] for s in summaries]]
    body = [[name, *cells] for name, cells in rows]
    if paper:
        header.append("ABO 2022")
        for row, value in zip(body, PAPER_COLUMN, strict=True):
            row.append(value)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in [header, *body]]
    return "\n".join(lines)


PAPER_COLUMN = ("LSE messages", "–", "≈1", "–", "5-10", "≈0.5", "–", "≈0.2", "≈0.5", "–")
"""Aquilina, Budish & O'Neill (2022) on the LSE (FTSE 100), aligned with `report_table`'s rows."""
