"""The matrix's quoter as a numba hook (`hft_core.compiled`), for decision_matrix.py's ``*-hook`` rows, and the
``fixed-cost`` hooks.

It lives in a module of its own so the hook can be imported by its module and name: the engine then caches the
replay driver compiled with it (`hft_core.venues.replay._hookcache`), and a hook row's process after the first loads
that machine code instead of compiling it (decision_matrix.py ``hook-compile``). The rules' sizes are defined here
and imported by decision_matrix.py, so the Python quoter, hftbacktest's and this hook share them.
"""

from __future__ import annotations

from typing import Any

import hft_core.compiled as hc
import numpy as np
from numba import njit as _njit

ORDER_LOTS = 10
LIMIT_LOTS = 100  # ten orders' worth of inventory either way
DEPTH_LEVELS = 5

H_DECISIONS, H_TRACKS_ACKS, H_DEPTH, H_CANCELLING = 0, 1, 2, 3
"""The hook's ``state``: decisions made, whether it leaves unacknowledged orders alone, whether it quotes around the
top five levels' size-weighted price, and where the ids of the orders it asked to cancel start."""
CANCEL_SLOTS = 32
"""``state[H_CANCELLING:]``: ids of orders this quoter asked to cancel (the Python quoter's ``cancelling`` set)."""

njit: Any = _njit


@njit
def want(low, high, position):  # type: ignore[no-untyped-def]
    skew = int(np.floor(2.0 * position / LIMIT_LOTS))
    return int(np.floor(low)) - 2 - skew, int(np.ceil(high)) + 2 - skew


@njit
def cancelling(state, order_id):  # type: ignore[no-untyped-def]
    for j in range(H_CANCELLING, H_CANCELLING + CANCEL_SLOTS):  # noqa: SIM110 (numba: no any() of a generator)
        if state[j] == order_id:
            return True
    return False


@njit
def decide(h, event, instrument, fired):  # type: ignore[no-untyped-def]
    bid = hc.best_bid(h, 0)
    ask = hc.best_ask(h, 0)
    if bid == hc.NO_BID or ask == hc.NO_ASK:
        return
    state = hc.state(h)
    state[H_DECISIONS] += 1
    position = hc.position(h, 0)
    if state[H_DEPTH] != 0:
        size = 0
        weighted = 0
        for side, price in ((hc.BUY, bid), (hc.SELL, ask)):
            for _ in range(DEPTH_LEVELS):
                if price == hc.NO_BID or price == hc.NO_ASK:
                    break
                lots = hc.level_qty(h, 0, side, price)
                size += lots
                weighted += price * lots
                price = hc.next_level(h, 0, side, price)
        fair = weighted / size
        want_bid, want_ask = want(fair, fair, position)
    else:
        mid = (bid + ask) / 2.0
        want_bid, want_ask = want(mid, mid, position)
    for j in range(H_CANCELLING, H_CANCELLING + CANCEL_SLOTS):  # the cancelling set, kept to open orders
        if state[j] != 0 and hc.order_leaves(h, int(state[j])) == 0:
            state[j] = 0
    tracks_acks = state[H_TRACKS_ACKS] != 0
    have_bid = False
    have_ask = False
    order_id = hc.next_open_order(h, 0)
    while order_id:
        if not (cancelling(state, order_id) or (tracks_acks and hc.order_status(h, order_id) == hc.SENT)):
            side = hc.order_side(h, order_id)
            price = hc.order_price(h, order_id)
            if side > 0 and price == want_bid and position < LIMIT_LOTS:
                have_bid = True
            elif side < 0 and price == want_ask and position > -LIMIT_LOTS:
                have_ask = True
            else:
                hc.cancel(h, order_id)
                for j in range(H_CANCELLING, H_CANCELLING + CANCEL_SLOTS):
                    if state[j] == 0:
                        state[j] = order_id
                        break
        order_id = hc.next_open_order(h, order_id)
    if not have_bid and position < LIMIT_LOTS:
        hc.buy(h, 0, want_bid, ORDER_LOTS, hc.POST_ONLY)
    if not have_ask and position > -LIMIT_LOTS:
        hc.sell(h, 0, want_ask, ORDER_LOTS, hc.POST_ONLY)


# -- fixed-cost: a decision's framework cost on the compiled path, the hook's own code a few instructions ------------
@njit
def wake(h, event, instrument, fired):  # type: ignore[no-untyped-def]
    hc.state(h)[0] += 1


@njit
def replace_one(h, event, instrument, fired):  # type: ignore[no-untyped-def]
    state = hc.state(h)
    state[0] += 1
    bid = hc.best_bid(h, 0)
    if state[1] > 0:
        hc.cancel(h, int(state[1]))
    if bid != hc.NO_BID:
        state[1] = hc.buy(h, 0, bid - 5, 10, hc.POST_ONLY)
