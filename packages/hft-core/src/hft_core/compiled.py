"""The compiled strategy path: a strategy's decisions as a numba function, called inside the replay's compiled code.

Plain Python stays the first choice (`hft_core.strategy.Strategy`). This path is for a strategy that decides so often
that the Python per decision is most of its cost (docs/benchmarks.md, "Decisions at HFT rates"): its hot part is a
numba function, the *hook*, which the engine calls at each timer tick and each trigger firing, without going back to
Python. The hook reads the strategy's view of the book, its position and its orders, and sends orders and cancels,
through the functions of this module (all in integer ticks and lots). Its orders take the same path as
`Context.buy`/`sell`/`cancel` (the engine's blotter, the venue's latency and queue), so a hook and a Python
strategy with the same logic send the same orders at the same times and get the same fills.

A hook has the signature ``hook(h, event, instrument, fired)``: ``h`` is the handle the functions below take,
``event`` is `TIMER` or `TRIGGER`, and for a trigger ``instrument`` is the instrument's index and ``fired`` the bits
of `hft_core.strategy.TriggerFired` that fired (for the timer: -1 and 0)::

    from numba import njit
    import hft_core.compiled as hc

    @njit
    def requote(h, event, instrument, fired):
        bid, ask = hc.best_bid(h, 0), hc.best_ask(h, 0)
        if bid == hc.NO_BID or ask == hc.NO_ASK:
            return
        order_id = hc.next_open_order(h, 0)
        while order_id:
            hc.cancel(h, order_id)
            order_id = hc.next_open_order(h, order_id)
        lots = int(hc.state(h)[0])
        hc.buy(h, 0, bid - 1, lots, hc.POST_ONLY)
        hc.sell(h, 0, ask + 1, lots, hc.POST_ONLY)

    class Quoter(hc.CompiledStrategy):
        def __init__(self) -> None:
            super().__init__(requote, state=[2.0])

        def on_start(self, ctx):
            ctx.set_trigger(Trigger(mid_ticks=1))   # and/or ctx.set_timer(...)

``on_start`` (Python) sets the timer and triggers and may trade; the hook does the rest. A hook keeps its own
variables in ``state(h)``, a float64 array the strategy passes in (the same array object, so Python can read it
after the run).

Where it runs and what it leaves out: the replay venue only, with a constant order entry latency
(`ConstantLatency`); no risk limits (the hook's orders skip the risk gate, so the engine refuses a run that sets
any), no subscriptions (`subscribe`: the hook wakes on its timer and triggers), no modifies, and at most
`MAX_REQUESTS` orders and cancels per hook call. An order with a size of 0 lots or less, or a limit price of 0
ticks or less, is not sent: `buy`/`sell` return -1 and nothing is recorded (where `Context.buy` would record a
rejected order). The fill listener of `hft run` hears the fills when the run next returns to Python (at each equity
sample). The engine stops for a signal at those returns too.

The hook and the loop that calls it compile together: about 6 s for the loop, and 1-2 s for each of this module's
functions the hook calls (the replay kernel itself comes from numba's cache). For a hook that can be imported by its
module and name, the engine caches that machine code on disk, keyed on the files and constants compiled into it
(`hft_core.venues.replay._hookcache`), so later processes load it; a hook defined in ``__main__``, a notebook or a
function compiles in each process (docs/replay.md, "Compiled strategies"). Do not give a hook ``cache=True``: numba
would key its own cached machine code on the hook's file alone, while the functions here compile in the engine's
layout constants; the engine refuses a cached hook.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit
from numba.core.caching import NullCache
from numba.core.registry import CPUDispatcher

from hft_core.engine import _settle as s
from hft_core.errors import HftError
from hft_core.strategy import Strategy
from hft_core.venues.replay import _drive as d
from hft_core.venues.replay import _kernel as k

__all__ = [
    "ACCEPTED",
    "BUY",
    "CANCELLED",
    "EXPIRED",
    "FILLED",
    "FOK",
    "GTC",
    "IOC",
    "MARKET",
    "MAX_REQUESTS",
    "NO_ASK",
    "NO_BID",
    "PARTIALLY_FILLED",
    "POST_ONLY",
    "REJECTED",
    "SELL",
    "SENT",
    "TIMER",
    "TRIGGER",
    "CompiledStrategy",
    "ask_qty",
    "best_ask",
    "best_bid",
    "bid_qty",
    "buy",
    "cancel",
    "level_qty",
    "next_level",
    "next_open_order",
    "now",
    "order_filled",
    "order_leaves",
    "order_price",
    "order_side",
    "order_status",
    "position",
    "sell",
    "state",
]

_jit: Any = njit
_helper = k._helper
"""The functions below: compiled once per process (the hook's handle has one type, and constant arguments such as an
instrument's index do not make copies: `_kernel.once_per_types`), inlined by LLVM."""
_inline = _jit(inline="always")
"""`state`, which returns an array: the hook runs without numba's reference counting (as the driver does), where
only an array the function was handed may be returned, so it is inlined into the hook (numba's own inlining)."""

TIMER = d.EVENT_TIMER
"""``event``: the strategy's timer ticked."""
TRIGGER = d.EVENT_TRIGGER
"""``event``: a trigger of instrument ``instrument`` fired (``fired``: its `TriggerFired` bits)."""
MAX_REQUESTS = d.ROOM
"""Orders and cancels one hook call may send; one more stops the run with an error."""

BUY = 1
SELL = -1
NO_BID = k.NO_BID
"""`best_bid` of an empty bid side."""
NO_ASK = k.NO_ASK
"""`best_ask` of an empty ask side."""

# order types (`hft_core.matching.orders.OrderType`'s values)
GTC = k.OT_LIMIT
MARKET = k.OT_MARKET
IOC = k.OT_IOC
FOK = k.OT_FOK
POST_ONLY = k.OT_POST_ONLY

# order statuses, as `order_status` returns them (the orders table's, `Context.order_status`'s names)
SENT = s.SS_SENT
ACCEPTED = s.SS_ACCEPTED
PARTIALLY_FILLED = s.SS_PARTIAL
FILLED = s.SS_FILLED
CANCELLED = s.SS_CANCELLED
EXPIRED = s.SS_EXPIRED
REJECTED = s.SS_REJECTED

_H_ST, _H_LEVELS, _H_BMETA, _H_USER = d.H_ST, d.H_LEVELS, d.H_BMETA, d.H_USER
_H_ORDERS, _H_INST_I, _H_OPEN, _H_BS = d.H_ORDERS, d.H_INST_I, d.H_OPEN, d.H_BS
_LOCAL = k.LOCAL_BOOK


# -- the market, as the strategy sees it ------------------------------------------------------------------------
@_helper
def now(h):  # type: ignore[no-untyped-def]
    """The strategy's local time (ns)."""
    return h[_H_ST][k.S_NOW]


@_helper
def best_bid(h, instrument):  # type: ignore[no-untyped-def]
    """The best bid (ticks) of the strategy's view of ``instrument``'s book, or `NO_BID`."""
    return h[_H_BMETA][_LOCAL, instrument, k.M_BEST_BID]


@_helper
def best_ask(h, instrument):  # type: ignore[no-untyped-def]
    """The best ask (ticks), or `NO_ASK`."""
    return h[_H_BMETA][_LOCAL, instrument, k.M_BEST_ASK]


@_helper
def level_qty(h, instrument, side, price):  # type: ignore[no-untyped-def]
    """Lots resting at ``price`` (ticks) on ``side`` (`BUY`: bids, `SELL`: asks) of the strategy's view; 0 outside
    the book."""
    return k._level(h[_H_LEVELS], h[_H_BMETA], _LOCAL, instrument, side, price)


@_helper
def next_level(h, instrument, side, price):  # type: ignore[no-untyped-def]
    """The next non-empty price level of ``side`` strictly behind ``price`` (lower bids for `BUY`, higher asks for
    `SELL`), or `NO_BID` / `NO_ASK` when there is none: from the best, the levels of `Context.book().depth` in
    order::

        price = hc.best_bid(h, 0)
        while price != hc.NO_BID:
            lots = hc.level_qty(h, 0, hc.BUY, price)
            ...
            price = hc.next_level(h, 0, hc.BUY, price)
    """
    bmeta = h[_H_BMETA]
    base = bmeta[_LOCAL, instrument, k.M_BASE]
    cap = bmeta[_LOCAL, instrument, k.M_CAP]
    idx = price - base
    if side > 0:
        if idx > cap:
            idx = cap
        if idx <= 0:
            return k.NO_BID
        return k._scan_down(h[_H_LEVELS], bmeta[_LOCAL, instrument, k.M_OFF_BID], idx - 1, base)
    if idx < -1:
        idx = -1
    if idx >= cap - 1:
        return k.NO_ASK
    return k._scan_up(h[_H_LEVELS], bmeta[_LOCAL, instrument, k.M_OFF_ASK], idx + 1, cap, base)


@_helper
def bid_qty(h, instrument):  # type: ignore[no-untyped-def]
    """Lots at the best bid (0 without one)."""
    bid = h[_H_BMETA][_LOCAL, instrument, k.M_BEST_BID]
    if bid == k.NO_BID:
        return 0
    return k._level(h[_H_LEVELS], h[_H_BMETA], _LOCAL, instrument, 1, bid)


@_helper
def ask_qty(h, instrument):  # type: ignore[no-untyped-def]
    """Lots at the best ask (0 without one)."""
    ask = h[_H_BMETA][_LOCAL, instrument, k.M_BEST_ASK]
    if ask == k.NO_ASK:
        return 0
    return k._level(h[_H_LEVELS], h[_H_BMETA], _LOCAL, instrument, -1, ask)


# -- the strategy's account and orders --------------------------------------------------------------------------
@_inline
def state(h):  # type: ignore[no-untyped-def]
    """The strategy's own float64 array (`CompiledStrategy`'s ``state``)."""
    return h[_H_USER]


@_helper
def position(h, instrument):  # type: ignore[no-untyped-def]
    """Position in lots, from the reports that have reached the strategy (`Context.position`)."""
    return h[_H_INST_I][instrument, s.SI_POSITION]


@_helper
def next_open_order(h, after):  # type: ignore[no-untyped-def]
    """The smallest id above ``after`` of an order the strategy has open (sent and not yet known to be done), or 0:
    ``next_open_order(h, 0)`` and on, the ids of `Context.open_orders` in the same ascending order."""
    ids = h[_H_OPEN]
    best = 0
    for j in range(h[_H_BS][s.SB_OPEN]):
        order_id = ids[j]
        if order_id > after and (best == 0 or order_id < best):
            best = order_id
    return best


@_helper
def order_status(h, order_id):  # type: ignore[no-untyped-def]
    """`SENT`, `ACCEPTED`, `PARTIALLY_FILLED`, `FILLED`, `CANCELLED`, `EXPIRED` or `REJECTED` as
    `Context.order_status` tells it; -1 for an id the strategy never sent."""
    return d.order_status(h, order_id)


@_helper
def order_side(h, order_id):  # type: ignore[no-untyped-def]
    """`BUY` or `SELL` of a sent order."""
    return h[_H_ORDERS][order_id - 1, s.SO_SIDE]


@_helper
def order_price(h, order_id):  # type: ignore[no-untyped-def]
    """The limit price (ticks) of a sent order (0 for a market order)."""
    return h[_H_ORDERS][order_id - 1, s.SO_PRICE]


@_helper
def order_filled(h, order_id):  # type: ignore[no-untyped-def]
    """Lots of a sent order filled so far."""
    return h[_H_ORDERS][order_id - 1, s.SO_FILLED]


@_helper
def order_leaves(h, order_id):  # type: ignore[no-untyped-def]
    """Lots of a sent order still open, as far as the strategy knows (0 once it is done)."""
    row = order_id - 1
    orders = h[_H_ORDERS]
    if orders[row, s.SO_OPEN_AT] < 0:
        return 0
    return orders[row, s.SO_QTY] - orders[row, s.SO_FILLED]


@_helper
def buy(h, instrument, price, lots, order_type):  # type: ignore[no-untyped-def]
    """Send a buy of ``lots`` at ``price`` ticks (ignored for `MARKET`) of type `GTC`, `IOC`, `FOK`, `POST_ONLY` or
    `MARKET`; returns the order's id, or -1 when it was not sent (no size, no price, unknown instrument)."""
    return d.submit(h, instrument, 1, order_type, price, lots)


@_helper
def sell(h, instrument, price, lots, order_type):  # type: ignore[no-untyped-def]
    """Send a sell; as `buy`."""
    return d.submit(h, instrument, -1, order_type, price, lots)


@_helper
def cancel(h, order_id):  # type: ignore[no-untyped-def]
    """Ask to cancel an order the strategy has open (`Context.cancel`); False when it has not (nothing is sent)."""
    return d.cancel(h, order_id)


class CompiledStrategy(Strategy):
    """A strategy whose decisions are numba function ``hook`` (see the module doc); ``state`` is its own float64
    array (copied into one if it is not one already)."""

    def __init__(self, hook: Any, state: Sequence[float] | npt.NDArray[np.float64] = ()) -> None:
        if not isinstance(hook, CPUDispatcher):
            raise HftError(
                f"a compiled strategy's hook must be a numba function (@numba.njit), got {type(hook).__name__}"
            )
        cache = getattr(hook, "_cache", None)
        if cache is not None and not isinstance(cache, NullCache):
            raise HftError(
                f"hook {hook.py_func.__qualname__} is compiled with cache=True: its cached machine code would not "
                "follow changes of hft-core's layout; drop cache=True (the engine caches a hook it can import by "
                "name, keyed on hft-core's files too)"
            )
        self.compiled_hook = hook
        array = state if isinstance(state, np.ndarray) and state.dtype == np.float64 else None
        self.state: npt.NDArray[np.float64] = (
            array if array is not None and array.ndim == 1 else np.array(state, dtype=np.float64).reshape(-1)
        )
        self.decisions = 0
        """Hook calls in the last run."""
