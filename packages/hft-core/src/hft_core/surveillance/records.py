"""What every detector shares: the records it reads (a run's orders, fills and equity) and the `Episode` it returns.

Detectors read the engine's records of one participant's run — a `hft_core.engine.BacktestResult`, a run directory
loaded with `hft_core.report.load_run`, or `TradingRecords` built by hand — and never the market's private state,
so they work on anything ``hft run`` wrote. Thresholds are each detector's own parameters: regulators publish none
(docs/surveillance.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from hft_core.errors import HftError

__all__ = [
    "EPISODE_KINDS",
    "Episode",
    "EpisodeKind",
    "EvidenceValue",
    "RunRecords",
    "TradingRecords",
    "format_ts",
    "infer_tick_size",
    "message_times",
    "records_of",
]

EpisodeKind = Literal["spoofing", "layering", "momentum-ignition", "quote-stuffing"]
EPISODE_KINDS: tuple[EpisodeKind, ...] = ("spoofing", "layering", "momentum-ignition", "quote-stuffing")
EvidenceValue = bool | int | float | str
"""Evidence values stay JSON-friendly: numbers, flags and short strings."""

_ORDER_COLUMNS = ("order_id", "ts", "done_ts", "instrument", "side", "price", "qty", "status", "filled_qty")
_FILL_COLUMNS = ("ts", "instrument", "order_id", "side", "price", "qty", "maker")
_EQUITY_COLUMNS = ("ts", "instrument", "mid")
_LOCAL_REJECTION_PREFIXES = ("risk ", "invalid ")


class RunRecords(Protocol):
    """Anything with a run's ``orders``, ``fills`` and ``equity`` DataFrames (columns as in `hft_core.engine`)."""

    @property
    def orders(self) -> pd.DataFrame: ...
    @property
    def fills(self) -> pd.DataFrame: ...
    @property
    def equity(self) -> pd.DataFrame: ...


@dataclass(frozen=True)
class TradingRecords:
    """A run's records, checked: every column a detector reads is present (empty frames are fine)."""

    orders: pd.DataFrame
    fills: pd.DataFrame
    equity: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(_EQUITY_COLUMNS)))

    def __post_init__(self) -> None:
        for name, columns in (("orders", _ORDER_COLUMNS), ("fills", _FILL_COLUMNS), ("equity", _EQUITY_COLUMNS)):
            frame = getattr(self, name)
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise HftError(f"surveillance: the {name} records lack column(s) {', '.join(missing)}")

    @classmethod
    def from_run_dir(cls, path: Path) -> TradingRecords:
        """Load a run directory written by ``hft run`` (or `BacktestResult.write`)."""
        from hft_core.report import load_run

        run = load_run(path)
        return cls(run.orders, run.fills, run.equity)

    def instruments(self) -> list[str]:
        """Every instrument that appears in the orders or fills, sorted."""
        names = set(self.orders["instrument"].astype(str)) | set(self.fills["instrument"].astype(str))
        return sorted(names)

    def for_instrument(self, instrument: str) -> TradingRecords:
        """The records of one instrument."""
        return TradingRecords(
            self.orders[self.orders["instrument"].astype(str) == instrument],
            self.fills[self.fills["instrument"].astype(str) == instrument],
            self.equity[self.equity["instrument"].astype(str) == instrument],
        )


def records_of(records: RunRecords) -> TradingRecords:
    """``records`` as checked `TradingRecords` (a `BacktestResult` or a loaded run directory works as is)."""
    if isinstance(records, TradingRecords):
        return records
    return TradingRecords(records.orders, records.fills, records.equity)


@dataclass(frozen=True, slots=True)
class Episode:
    """One flagged episode: what kind, when (market time, ns), on which instrument, why, and how strongly.

    ``score`` lies in [0, 1]: how far past its thresholds the evidence goes (each detector documents its formula).
    ``evidence`` holds the numbers behind the flag, named so a reviewer can check them against the records.
    """

    kind: EpisodeKind
    start_ns: int
    end_ns: int
    instrument: str
    score: float
    evidence: Mapping[str, EvidenceValue]

    @property
    def duration_s(self) -> float:
        """Length of the episode in seconds."""
        return (self.end_ns - self.start_ns) / 1e9

    @property
    def interval(self) -> tuple[int, int]:
        """``(start_ns, end_ns)``."""
        return (self.start_ns, self.end_ns)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, with the times also as UTC ISO-8601 strings."""
        return {
            "kind": self.kind,
            "instrument": self.instrument,
            "start_ns": self.start_ns,
            "end_ns": self.end_ns,
            "start": format_ts(self.start_ns),
            "end": format_ts(self.end_ns),
            "duration_s": round(self.duration_s, 6),
            "score": round(self.score, 4),
            "evidence": dict(self.evidence),
        }


def format_ts(ts_ns: int) -> str:
    """A market timestamp (ns since the epoch) as UTC ISO-8601 with microseconds."""
    seconds, nanos = divmod(int(ts_ns), 1_000_000_000)
    return datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=nanos // 1000).isoformat(timespec="microseconds")


def infer_tick_size(prices: np.ndarray[Any, np.dtype[np.float64]] | pd.Series[float]) -> float | None:
    """The price grid's step, guessed as the smallest gap between distinct prices (None with fewer than two).

    Prices on a 0.01 grid give 0.01 as soon as two of them are one tick apart, which any real run has.
    """
    values = np.unique(np.round(np.asarray(prices, dtype=np.float64), 9))
    values = values[np.isfinite(values) & (values > 0)]
    if len(values) < 2:
        return None
    gap = float(np.diff(values).min())
    if gap <= 0 or not math.isfinite(gap):
        return None
    # Snap to a clean decimal step (1e-9 float noise in stored prices would otherwise leak through).
    digits = max(0, -math.floor(math.log10(gap)) + 3)
    return round(gap, digits)


def message_times(orders: pd.DataFrame) -> tuple[np.ndarray[Any, np.dtype[np.int64]], int, int]:
    """Times (ns, sorted) of the messages a participant sent to the venue, with its order and cancel counts.

    A message is a new order that left the participant (orders rejected locally, by its own risk gate or for an
    invalid size or price, never reached the venue) or a cancel, counted when the venue confirmed it
    (``done_ts`` of a cancelled order). Modifies are not in the records and are not counted.
    """
    reasons = orders["reason"].astype(str) if "reason" in orders.columns else pd.Series("", index=orders.index)
    local_reject = (orders["status"] == "rejected") & reasons.str.startswith(_LOCAL_REJECTION_PREFIXES)
    sent = orders[~local_reject]
    cancels = sent[sent["status"] == "cancelled"]
    times = np.concatenate([sent["ts"].to_numpy(dtype=np.int64), cancels["done_ts"].to_numpy(dtype=np.int64)])
    times.sort()
    return times, len(sent), len(cancels)
