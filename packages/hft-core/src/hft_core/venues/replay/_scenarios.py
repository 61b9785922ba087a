"""Test scaffolding for the replay venue: hand-written event rows, random L2/L3 streams and random order scripts.

The tests drive `ReplayVenue` and the plain reference with the same scripts (`drive`) and compare every
observable; the benchmark and the docs' examples build small streams with `events`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from hft_core.events import EVENT_DTYPE, EventKind, Events, iter_chunks
from hft_core.instruments import Instrument
from hft_core.matching.orders import OrderType
from hft_core.venues.base import T_ALL, Advance, TriggerSpec, Watch

if TYPE_CHECKING:
    from hft_core.venues.replay._reference import ReferenceReplayVenue
    from hft_core.venues.replay.venue import ReplayVenue

__all__ = [
    "INSTRUMENTS",
    "Action",
    "assert_kernel_agrees",
    "assert_same_steps",
    "drive",
    "drive_both",
    "events",
    "random_actions",
    "random_l2_stream",
    "random_l3_stream",
    "random_trigger",
    "with_triggers",
]

INSTRUMENTS = (Instrument("AAA", tick_size=0.01, lot_size=1.0), Instrument("BBB", tick_size=0.5, lot_size=1.0))

Row = tuple[int, int, int, int, int, int, int, int]
"""(exch_ts, local_ts, kind, side, price, qty, order_id, instrument) — the order a person writes them in."""


def events(rows: Sequence[tuple[int, ...]]) -> Events:
    """An event array from rows written as (exch_ts, local_ts, kind, side, price, qty[, order_id[, instrument]])."""
    out = np.zeros(len(rows), dtype=EVENT_DTYPE)
    for n, row in enumerate(rows):
        exch_ts, local_ts, kind, side, price, qty, *rest = row
        order_id = rest[0] if rest else 0
        instrument = rest[1] if len(rest) > 1 else 0
        out[n] = (exch_ts, local_ts, price, qty, order_id, instrument, int(kind), side)
    return out


def random_l2_stream(rng: np.random.Generator, n: int, instruments: int = 1) -> Events:
    """A plausible random L2 stream: depth rows around a wandering mid, trades at or near the best, a re-sync."""
    rows: list[Row] = []
    exch = 1_000
    mids = [100] * instruments
    for _ in range(n):
        exch += int(rng.choice([0, 1, 3, 10, 50]))
        local = exch + int(rng.integers(0, 40))
        i = int(rng.integers(0, instruments))
        u = rng.random()
        if u < 0.05:
            mids[i] += int(rng.choice([-1, 1]))
        if u < 0.01:
            rows.append((exch, local, EventKind.CLEAR, 0, 0, 0, 0, i))
            for k in range(1, 4):
                rows.append((exch, local, EventKind.SNAPSHOT, 1, mids[i] - k, int(rng.integers(1, 9)), 0, i))
                rows.append((exch, local, EventKind.SNAPSHOT, -1, mids[i] + k, int(rng.integers(1, 9)), 0, i))
        elif u < 0.25:
            side = int(rng.choice([-1, 0, 1]))
            price = mids[i] + int(rng.integers(-3, 4))
            rows.append((exch, local, EventKind.TRADE, side, price, int(rng.integers(1, 8)), 0, i))
        else:
            side = int(rng.choice([-1, 1]))
            price = mids[i] - side * int(rng.integers(0, 5))
            qty = int(rng.integers(0, 12)) if rng.random() < 0.8 else 0
            rows.append((exch, local, EventKind.DEPTH, side, price, qty, 0, i))
    return events(rows)


def random_l3_stream(rng: np.random.Generator, n: int) -> Events:
    """A random L3 stream of one instrument: adds, cancels, modifies and fills of a changing set of orders.

    Bids rest at 96-99 and asks at 100-103, so the book is never crossed (the venue refuses a crossing add)."""
    rows: list[Row] = []
    exch = 1_000
    live: dict[int, tuple[int, int, int]] = {}
    next_id = 1
    for _ in range(n):
        exch += int(rng.choice([0, 1, 5, 20]))
        local = exch + int(rng.integers(0, 30))
        u = rng.random()
        if u < 0.45 or not live:
            side = int(rng.choice([-1, 1]))
            price = (99 if side > 0 else 100) - side * int(rng.integers(0, 4))
            qty = int(rng.integers(1, 6))
            rows.append((exch, local, EventKind.ADD, side, price, qty, next_id, 0))
            live[next_id] = (side, price, qty)
            next_id += 1
            continue
        order_id = int(rng.choice(list(live)))
        side, price, qty = live[order_id]
        if u < 0.65:
            cut = int(rng.integers(1, qty + 1))
            rows.append((exch, local, EventKind.CANCEL, side, price, cut, order_id, 0))
        elif u < 0.8:
            cut = int(rng.integers(1, qty + 1))
            rows.append((exch, local, EventKind.FILL, side, price, cut, order_id, 0))
        elif u < 0.92:
            new_price = price + int(rng.choice([0, 0, -1, 1]))
            new_price = min(new_price, 99) if side > 0 else max(new_price, 100)
            new_qty = int(rng.integers(1, 7))
            rows.append((exch, local, EventKind.MODIFY, side, new_price, new_qty, order_id, 0))
            live[order_id] = (side, new_price, new_qty)
            continue
        else:
            rows.append((exch, local, EventKind.TRADE, int(rng.choice([-1, 1])), price, int(rng.integers(1, 4)), 0, 0))
            continue
        if cut >= qty:
            del live[order_id]
        else:
            live[order_id] = (side, price, qty - cut)
    return events(rows)


@dataclass(frozen=True, slots=True)
class Action:
    """One strategy decision: wait (``advance`` by ``wait``), then send a request."""

    wait: int
    kind: str
    instrument: int = 0
    order_id: int = 0
    side: int = 1
    order_type: OrderType = OrderType.LIMIT
    price: int = 0
    qty: int = 0
    watch_book: bool = False
    watch_trades: bool = False
    throttle: int = 0
    acks: bool = True
    """`Watch.acks` for the wait (False: ACCEPTED reports left out, `acknowledged` tells instead)."""
    reports: bool = True
    """`Watch.reports` for the wait (False: no stop for a report; the reports come with the next stop)."""
    trigger: TriggerSpec | None = None
    """Set before the wait as the instrument's trigger (`set_trigger`), unless None."""
    clear_trigger: bool = False
    """Clear the instrument's trigger before the wait."""


def random_actions(rng: np.random.Generator, n: int, instruments: int = 1) -> list[Action]:
    """A random order script: mostly passive limit orders near the mid, some takers, cancels and modifies."""
    actions: list[Action] = []
    types = [OrderType.LIMIT, OrderType.POST_ONLY, OrderType.IOC, OrderType.FOK, OrderType.MARKET]
    weights = np.array([0.45, 0.3, 0.1, 0.08, 0.07])
    for order_id in range(1, n + 1):
        wait = int(rng.choice([0, 1, 5, 20, 100, 400]))
        kind = str(rng.choice(["submit", "submit", "submit", "cancel", "modify"]))
        side = int(rng.choice([-1, 1]))
        target = int(rng.integers(1, order_id + 1))
        actions.append(
            Action(
                wait=wait,
                kind=kind,
                instrument=int(rng.integers(0, instruments)),
                order_id=order_id if kind == "submit" else target,
                side=side,
                order_type=types[int(rng.choice(len(types), p=weights))],
                price=100 - side * int(rng.integers(-2, 4)),
                qty=int(rng.integers(-1, 6)) if rng.random() < 0.05 else int(rng.integers(1, 6)),
                watch_book=bool(rng.random() < 0.3),
                watch_trades=bool(rng.random() < 0.3),
                throttle=int(rng.choice([0, 0, 10, 60])),
            )
        )
    return actions


def random_trigger(rng: np.random.Generator, mid: int = 100) -> TriggerSpec:
    """A trigger of random conditions (prices around ``mid`` ticks, sizes like the random streams')."""
    flags = 0
    while flags == 0:
        flags = int(sum(1 << b for b in range(10) if rng.random() < 0.3)) & T_ALL
    return TriggerSpec(
        flags,
        mid_ticks=int(rng.integers(1, 4)),
        microprice_ticks=float(rng.choice([0.25, 0.5, 1.0, 2.5])),
        mid_above=2 * mid + int(rng.integers(-3, 6)),
        mid_below=2 * mid - int(rng.integers(-3, 6)),
        best_qty_below=int(rng.integers(1, 8)),
        imbalance=float(rng.choice([0.2, 0.5, 0.8, 1.0])),
        trade_above=mid + int(rng.integers(0, 4)),
        trade_below=mid - int(rng.integers(0, 4)),
    )


def with_triggers(actions: Sequence[Action], seed: int, share: float = 0.3) -> list[Action]:
    """``actions`` with random triggers set (and now and then cleared) before some waits (an rng of its own)."""
    rng = np.random.default_rng([seed, 3])
    out: list[Action] = []
    for action in actions:
        u = rng.random()
        if u < share:
            action = replace(action, trigger=random_trigger(rng))
        elif u < share + 0.05:
            action = replace(action, clear_trigger=True)
        out.append(action)
    return out


def drive(venue: ReplayVenue | ReferenceReplayVenue, actions: Sequence[Action], instruments: int = 1) -> list[object]:
    """Run ``actions`` on ``venue`` and record everything observable after every step, then to the end (with the
    last action's `Watch.acks`); `acknowledged` is recorded for every order id submitted so far."""
    log: list[object] = []
    now = venue.start()
    log.append(("start", now))
    book_from = now
    order_instrument: dict[int, int] = {}

    def look(advance: Advance) -> None:
        log.append(advance)
        log.append(tuple(venue.acknowledged(order_id) for order_id in order_instrument))
        for i in range(instruments):
            log.append((venue.top(i), venue.depth(i, 1, 5), venue.depth(i, -1, 5)))
            log.append(venue.exchange_depth(i, 1, 5))
            log.append(venue.exchange_depth(i, -1, 5))

    for action in actions:
        if action.trigger is not None or action.clear_trigger:
            venue.set_trigger(action.instrument, action.trigger)
        watch = Watch(
            (action.watch_book,) * instruments,
            (action.watch_trades,) * instruments,
            book_from,
            reports=action.reports,
            acks=action.acks,
        )
        advance = venue.advance(now + action.wait, watch)
        look(advance)
        now = advance.now
        if advance.book_changed:
            book_from = now + action.throttle
        if advance.finished:
            return log
        if action.kind == "submit":
            order_instrument[action.order_id] = action.instrument
            venue.submit(
                now, action.instrument, action.order_id, action.side, action.order_type, action.price, action.qty
            )
        elif action.kind == "cancel":
            venue.cancel(now, order_instrument.get(action.order_id, 0), action.order_id)
        else:
            venue.modify(now, order_instrument.get(action.order_id, 0), action.order_id, action.price, action.qty)
    acks = actions[-1].acks if actions else True
    while True:
        advance = venue.advance(now + 1_000, Watch((True,) * instruments, (True,) * instruments, book_from, acks=acks))
        look(advance)
        now = advance.now
        if advance.finished:
            return log


def drive_both(
    data: Events, instruments: int, actions: Sequence[Action], chunk: int | None = None, **options: object
) -> tuple[list[object], list[object]]:
    """`drive` on the kernel's venue and on the plain reference; the kernel's venue streams ``data`` in chunks of
    ``chunk`` rows, or replays the array in place when ``chunk`` is None."""
    from hft_core.venues.replay._reference import ReferenceReplayVenue
    from hft_core.venues.replay.venue import ReplayVenue

    source = data if chunk is None else iter_chunks(data, chunk)
    kernel = drive(ReplayVenue(source, INSTRUMENTS[:instruments], **options), actions, instruments)  # type: ignore[arg-type]
    reference = drive(ReferenceReplayVenue(data, INSTRUMENTS[:instruments], **options), actions, instruments)  # type: ignore[arg-type]
    return kernel, reference


def assert_same_steps(kernel: Sequence[object], reference: Sequence[object]) -> None:
    """The two implementations' observations agree step for step (`drive_both`)."""
    for step, (mine, theirs) in enumerate(zip(kernel, reference, strict=False)):
        assert mine == theirs, f"step {step} differs"
    assert len(kernel) == len(reference)


def assert_kernel_agrees(
    data: Events, instruments: int, actions: Sequence[Action], chunk: int | None = None, **options: object
) -> None:
    """`drive_both`, then `assert_same_steps`."""
    assert_same_steps(*drive_both(data, instruments, actions, chunk, **options))
