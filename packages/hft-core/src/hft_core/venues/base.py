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
from hft_core.strategy import TriggerFired

__all__ = [
    "Advance",
    "PublicTrade",
    "Report",
    "TopOfBook",
    "TriggerSpec",
    "TriggerState",
    "TriggerVenue",
    "Venue",
    "Watch",
    "microprice",
]


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


# Trigger conditions (`TriggerSpec.flags`, and the bits an `Advance.triggered` entry reports as fired): the bits of
# `hft_core.strategy.TriggerFired`, whose doc (and `Trigger`'s) says what each means.
T_MID = int(TriggerFired.MID)
"""The mid moved by at least ``mid_ticks`` ticks from where it stood when the trigger last fired (or was set)."""
T_MICROPRICE = int(TriggerFired.MICROPRICE)
"""The size-weighted mid (microprice) moved by at least ``microprice_ticks`` ticks, likewise."""
T_MID_ABOVE = int(TriggerFired.MID_ABOVE)
"""The mid became >= ``mid_above`` (half ticks), having been below it (or a side empty) at the previous row."""
T_MID_BELOW = int(TriggerFired.MID_BELOW)
"""The mid became <= ``mid_below`` (half ticks), having been above it (or a side empty) at the previous row."""
T_BEST_QTY = int(TriggerFired.BEST_QTY)
"""The best bid's or best ask's size became < ``best_qty_below`` lots (an empty side counts 0)."""
T_IMBALANCE = int(TriggerFired.IMBALANCE)
"""|bid size − ask size| / (bid size + ask size) at the top became >= ``imbalance``."""
T_TRADE_ABOVE = int(TriggerFired.TRADE_ABOVE)
"""A public trade printed at a price >= ``trade_above`` ticks."""
T_TRADE_BELOW = int(TriggerFired.TRADE_BELOW)
"""A public trade printed at a price <= ``trade_below`` ticks."""
T_FILL = int(TriggerFired.FILL)
"""A report of a fill of one of the strategy's orders (of this instrument) reached it."""
T_REJECT = int(TriggerFired.REJECT)
"""A REJECTED report on one of the strategy's orders (of this instrument) reached it."""
T_EDGES = T_MID_ABOVE | T_MID_BELOW | T_BEST_QTY | T_IMBALANCE
"""Conditions that fire when they become true (held at this row, not at the previous one)."""
T_REPORTS = T_FILL | T_REJECT
T_ALL = int(~TriggerFired(0))


@dataclass(frozen=True, slots=True)
class TriggerSpec:
    """When the strategy wants to wake for one instrument, in the venue's integer units (`hft_core.strategy.Trigger`
    is the strategy's float form). Set conditions are OR-ed; ``flags`` says which are set (``T_*`` bits).

    Evaluated by the venue after every market row of the instrument as the strategy sees it (its local time) and
    at every report on its orders: when one fires, `Venue.advance` stops there (not held back by the book throttle;
    everything else at that time is done first, and may fire more bits) and reports the instrument and the fired bits
    in `Advance.triggered`. The references of ``T_MID`` and ``T_MICROPRICE`` then move to the book the strategy
    sees at that stop.
    """

    flags: int
    mid_ticks: int = 0
    microprice_ticks: float = 0.0
    mid_above: int = 0
    """Half ticks (the mid of a bid and an ask in ticks, doubled: ``bid + ask``)."""
    mid_below: int = 0
    """Half ticks, like ``mid_above``."""
    best_qty_below: int = 0
    imbalance: float = 0.0
    trade_above: int = 0
    trade_below: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.flags <= T_ALL:
            raise ValueError(f"trigger flags must name at least one condition (1..{T_ALL}), got {self.flags}")
        if self.flags & T_MID and self.mid_ticks <= 0:
            raise ValueError(f"a mid trigger needs mid_ticks >= 1, got {self.mid_ticks}")
        if self.flags & T_MICROPRICE and not self.microprice_ticks > 0:
            raise ValueError(f"a microprice trigger needs microprice_ticks > 0, got {self.microprice_ticks}")
        if self.flags & T_IMBALANCE and not 0 < self.imbalance <= 1:
            raise ValueError(f"an imbalance trigger needs 0 < imbalance <= 1, got {self.imbalance}")


class TriggerState:
    """One instrument's trigger, evaluated in plain Python: the rules the compiled replay kernel implements too.

    The reference replay venue and the simulated market use it; the tests hold the compiled kernel to it.
    ``top`` arguments are `TopOfBook` fields: ``(bid_price, bid_qty, ask_price, ask_qty)``, prices None when empty.
    """

    __slots__ = ("held", "ref_micro", "ref_mid2", "spec")

    def __init__(self, spec: TriggerSpec, top: tuple[int | None, int, int | None, int]) -> None:
        self.spec = spec
        self.ref_mid2: int | None = None
        self.ref_micro: float | None = None
        self.held = self._held(top)
        self._rearm(top)

    def _held(self, top: tuple[int | None, int, int | None, int]) -> int:
        spec = self.spec
        flags = spec.flags
        bid, bid_qty, ask, ask_qty = top
        held = 0
        if bid is not None and ask is not None:
            mid2 = bid + ask
            if flags & T_MID_ABOVE and mid2 >= spec.mid_above:
                held |= T_MID_ABOVE
            if flags & T_MID_BELOW and mid2 <= spec.mid_below:
                held |= T_MID_BELOW
        if flags & T_BEST_QTY and (bid_qty < spec.best_qty_below or ask_qty < spec.best_qty_below):
            held |= T_BEST_QTY
        total = bid_qty + ask_qty
        if flags & T_IMBALANCE and total > 0 and abs(float(bid_qty - ask_qty)) >= spec.imbalance * float(total):
            held |= T_IMBALANCE
        return held

    def _rearm(self, top: tuple[int | None, int, int | None, int]) -> None:
        bid, bid_qty, ask, ask_qty = top
        if bid is not None and ask is not None:
            self.ref_mid2 = bid + ask
            self.ref_micro = microprice(bid, bid_qty, ask, ask_qty)

    def on_row(self, top: tuple[int | None, int, int | None, int], trade_price: int | None = None) -> int:
        """After a market row of the instrument (``trade_price``: the row printed a trade): the bits that fire."""
        spec = self.spec
        flags = spec.flags
        held = self._held(top)
        fired = held & ~self.held
        self.held = held
        bid, bid_qty, ask, ask_qty = top
        if bid is not None and ask is not None:
            if flags & T_MID and self.ref_mid2 is not None and abs(bid + ask - self.ref_mid2) >= 2 * spec.mid_ticks:
                fired |= T_MID
            if flags & T_MICROPRICE:
                micro = microprice(bid, bid_qty, ask, ask_qty)
                if self.ref_micro is not None and abs(micro - self.ref_micro) >= spec.microprice_ticks:
                    fired |= T_MICROPRICE
        if trade_price is not None:
            if flags & T_TRADE_ABOVE and trade_price >= spec.trade_above:
                fired |= T_TRADE_ABOVE
            if flags & T_TRADE_BELOW and trade_price <= spec.trade_below:
                fired |= T_TRADE_BELOW
        if self.ref_mid2 is None:
            self._rearm(top)
        return fired

    def on_report(self, top: tuple[int | None, int, int | None, int], status: int, fill_qty: int) -> int:
        """A report on one of the strategy's orders of this instrument reached it: the bits that fire."""
        flags = self.spec.flags
        fired = 0
        if flags & T_FILL and fill_qty > 0:
            fired |= T_FILL
        if flags & T_REJECT and status == OrderStatus.REJECTED:
            fired |= T_REJECT
        return fired

    def woke(self, top: tuple[int | None, int, int | None, int]) -> None:
        """The strategy is told that the trigger fired and sees ``top`` (everything at that time done): the
        references of ``T_MID`` and ``T_MICROPRICE`` move there."""
        self._rearm(top)


def microprice(bid: int, bid_qty: int, ask: int, ask_qty: int) -> float:
    """The size-weighted mid in ticks, (bid·ask size + ask·bid size) / (bid size + ask size); the mid when both sizes
    are 0. Computed in floats, operation for operation as the compiled kernel does."""
    total = bid_qty + ask_qty
    if total <= 0:
        return (float(bid) + float(ask)) * 0.5
    return (float(bid) * float(ask_qty) + float(ask) * float(bid_qty)) / float(total)


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
    triggered: tuple[tuple[int, int], ...] = ()
    """(instrument, fired ``T_*`` bits) for each instrument whose trigger (`TriggerVenue.set_trigger`) fired."""


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


class TriggerVenue(Venue, Protocol):
    """A venue that evaluates strategy triggers itself (`TriggerSpec`): the replay venue and the simulated market."""

    def set_trigger(self, instrument: int, spec: TriggerSpec | None) -> None:
        """Wake the strategy when ``spec`` fires for ``instrument`` (None: never); replaces the earlier trigger.
        Its edges and references start from the book as the strategy sees it now."""
        ...
