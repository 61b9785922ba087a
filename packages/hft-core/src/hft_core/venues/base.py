"""The venue protocol between the engine loop and a market (recorded replay or simulated).

A venue owns market time. The engine asks it to `Venue.advance` to a local time and the venue runs the market
(in compiled or vectorized code, never a Python call per market event) until that time, or stops early at the
first moment something the strategy watches becomes visible to it: a report on one of its own orders, a change
of a watched top of book, a public trade it subscribed to, or the end of the data. Everything crossing this
boundary is integer (instrument index, price ticks, qty lots, ns); the engine converts at the edge.

Time: ``local`` time is when the strategy sees things. A venue applies its latency models: a request sent at
local time ``t`` reaches the matching engine at ``t + entry latency``; the matching engine's response reaches
the strategy ``response latency`` later; market data stamped ``exch_ts`` is seen at its ``local_ts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from hft_core.instruments import Instrument
from hft_core.matching.orders import OrderReason, OrderStatus, OrderType

__all__ = ["Advance", "PublicTrade", "Report", "TopOfBook", "Venue", "Watch"]


class Report(NamedTuple):
    """A change of one of the strategy's orders, as the strategy learns it (at local time ``ts``).

    Fills carry ``fill_qty`` > 0 and ``fill_price``; ``leaves`` is what remains open after this report.
    """

    ts: int
    instrument: int
    order_id: int
    status: OrderStatus
    reason: OrderReason
    side: int
    price: int
    leaves: int
    fill_qty: int = 0
    fill_price: int = 0
    maker: bool = False


# Report rows (`Watch.rows`): one int64 row per report, the columns `Report`'s fields in this order.
P_TS = 0
P_INST = 1
P_ID = 2
P_STATUS = 3
P_REASON = 4
P_SIDE = 5
P_PRICE = 6
P_LEAVES = 7
P_FILL_QTY = 8
P_FILL_PRICE = 9
P_MAKER = 10
REPORT_ROW_SIZE = 11


class PublicTrade(NamedTuple):
    """A public trade of a subscribed instrument (``side`` = aggressor, 0 when unknown)."""

    ts: int
    instrument: int
    price: int
    qty: int
    side: int


class TopOfBook(NamedTuple):
    """Best prices and sizes of one instrument as the strategy sees it; ``None`` prices mean an empty side."""

    bid_price: int | None
    bid_qty: int
    ask_price: int | None
    ask_qty: int


@dataclass(frozen=True, slots=True)
class Watch:
    """What makes `Venue.advance` stop early.

    ``book[i]``: stop when instrument ``i``'s top of book changes, but not before local time ``book_from``
    (the engine's throttle). ``trades[i]``: stop on public trades of instrument ``i``.
    """

    book: tuple[bool, ...] = ()
    trades: tuple[bool, ...] = ()
    book_from: int = 0
    reports: bool = True
    """Stop as soon as a report on one of the strategy's orders becomes visible. With False, reports are
    still all returned, in order, but at the next stop for another reason (the engine clears it for strategies
    that override neither ``on_fill`` nor ``on_order``, which then learn of them at their next decision)."""
    acks: bool = True
    """With False the venue may leave out ACCEPTED reports: an order's acceptance is implied by its later reports
    (a fill, a cancel, ...). Half of a quoting strategy's reports are acknowledgements that only move an order
    from "sent" to "accepted"; a strategy that does not override ``on_order`` need not pay for them. A venue that
    leaves one out must say so through `Venue.acknowledged`."""
    rows: bool = False
    """With True the venue may deliver its reports as one int64 array, `Advance.report_rows` (one row per report, the
    columns `Report`'s fields in order), instead of `Report` objects: the engine settles them in compiled code."""


class Advance(NamedTuple):
    """Where `Venue.advance` stopped and what the strategy should now be told."""

    now: int
    reports: list[Report]
    trades: list[PublicTrade]
    book_changed: tuple[int, ...]
    finished: bool
    report_rows: npt.NDArray[np.int64] | None = None
    """The reports as rows (see `Watch.rows`), in which case ``reports`` is empty; None otherwise. The array may be
    the venue's own buffer, valid until its next `Venue.advance`: copy it to keep it."""


class Venue(Protocol):
    """A market the engine can drive. Implementations: `hft_core.venues.replay`, `hft_core.venues.simulated`."""

    @property
    def instruments(self) -> tuple[Instrument, ...]:
        """The tradable instruments; their index is the ``instrument`` field everywhere else."""
        ...

    @property
    def name(self) -> str:
        """A short description for run records (e.g. ``replay:btcusdt.npz`` or ``simulated:single-instrument``)."""
        ...

    @property
    def simulated(self) -> bool:
        """True for a simulated market (run records and reports show it). The educational gate does not trust it:
        `hft_core.gate.check_strategy_may_run` looks at the venue's actual type."""
        ...

    def start(self) -> int:
        """Prepare the first data and return the starting local time (ns)."""
        ...

    def advance(self, until: int, watch: Watch) -> Advance:
        """Run the market to local time ``until`` or to the first watched event before it (see module doc)."""
        ...

    def submit(
        self, now: int, instrument: int, order_id: int, side: int, order_type: OrderType, price: int, qty: int
    ) -> None:
        """Send a new order at local time ``now``; its outcome comes back as `Report`s from `advance`."""
        ...

    def acknowledged(self, order_id: int) -> bool:
        """True when the venue accepted order ``order_id`` and left out its ACCEPTED report (see `Watch.acks`), and
        that report would by now (the venue's current local time) have reached the strategy.

        Venues that never leave reports out return False.
        """
        ...

    def cancel(self, now: int, instrument: int, order_id: int) -> None:
        """Ask to cancel an order; a CANCELLED (or REJECTED, if it already traded away) report follows."""
        ...

    def modify(self, now: int, instrument: int, order_id: int, price: int, qty: int) -> None:
        """Ask to change an order's price and/or size (priority kept only on a pure size decrease)."""
        ...

    def top(self, instrument: int) -> TopOfBook:
        """The strategy-visible top of book of ``instrument`` now."""
        ...

    def depth(self, instrument: int, side: int, levels: int) -> list[tuple[int, int]]:
        """Up to ``levels`` (price, qty) of one side, best first, as the strategy sees it."""
        ...

    def progress(self) -> float:
        """Fraction of the run done, in [0, 1], for progress bars."""
        ...
