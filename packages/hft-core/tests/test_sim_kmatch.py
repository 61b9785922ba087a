"""The compiled matching engine (`venues.simulated._kmatch`) against the Python reference (`MatchingEngine`).

Random request streams go to both engines, built alike (every `StpMode`, both `PostOnlyMode` values, price bands
at the bottom, middle and top of the int64 range, several instruments and first order ids, and starting sizes of
one order slot and a two-tick price window so the pool, the id table and the window must grow and re-centre).
After every request the return values, the drained output (executions, order updates, and the market-data rows
byte for byte) and every query of `MatchingEngine` (best prices, depth of both sides, level quantities, order
snapshots, open orders, each level's queue, the id counter) must agree, and the compiled state's arrays must hold
the invariants its module docstring states (`check_invariants`). Some requests leave their output undrained so
that it piles up across requests and the output buffers grow too. The run then asserts that it met every status
and reason, every kind of growth and a re-centred window, so a change of the generators cannot make it vacuous.

The Python engine has no width limit: a book spanning any number of ticks is accepted there. The compiled one
raises `KMatchCapacityError` when one side would span more than ``max_width`` ticks (``test_a_side_wider_than_*``).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hft_core.events import BUY, EVENT_DTYPE, SELL, EventKind
from hft_core.matching import (
    Execution,
    MatchingEngine,
    MatchingOutput,
    OrderInfo,
    OrderReason,
    OrderStatus,
    OrderType,
    OrderUpdate,
    PostOnlyMode,
    StpMode,
)
from hft_core.matching import engine as reference
from hft_core.matching.feed import ROW_WIDTH, tags_by_side
from hft_core.venues.simulated import _kmatch as km
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from numba import njit

_MASK64 = (1 << 64) - 1
_OUTPUT_ROWS = 64
"""The output buffers' starting rows in `km.new_state`."""
_INVALID_TYPES = (0, 6, 9)
"""Order-type codes outside `OrderType` (the engines reject them)."""


_jit: Any = njit


@dataclasses.dataclass(frozen=True)
class Fields:
    """The compiled state's fields (a structref's fields are visible to compiled code only)."""

    ords: np.ndarray[Any, np.dtype[np.int64]]
    lv: np.ndarray[Any, np.dtype[np.int64]]
    sd: np.ndarray[Any, np.dtype[np.int64]]
    ht: np.ndarray[Any, np.dtype[np.int64]]
    h_shift: int
    n_resting: int
    free_head: int
    depth_tags: np.ndarray[Any, np.dtype[np.int64]]
    trade_tags: np.ndarray[Any, np.dtype[np.int64]]
    output_rows: tuple[int, int, int]


@_jit
def _read(state):  # type: ignore[no-untyped-def]
    return (
        state.ords, state.lv, state.sd, state.ht, state.h_shift, state.n_resting, state.free_head,
        state.depth_tags, state.trade_tags, (state.ex.shape[0], state.up.shape[0], state.md.shape[0]),
    )  # fmt: skip


def fields(state: km.KMatchState) -> Fields:
    """The state's arrays (shared with it, not copied) and counters."""
    ords, lv, sd, ht, h_shift, n_resting, free_head, depth_tags, trade_tags, (ex, up, md) = _read(state)
    return Fields(
        ords, lv, sd, ht, int(h_shift), int(n_resting), int(free_head), depth_tags, trade_tags,
        (int(ex), int(up), int(md)),
    )  # fmt: skip


# =============================================================================================================
# Restated constants and layouts
# =============================================================================================================
def test_restated_enums_equal_their_sources() -> None:
    """numba freezes module constants into its cache, which sees edits of `_kmatch.py` only: the copies must hold."""
    for prefix, enum in (
        ("OT_", OrderType),
        ("OS_", OrderStatus),
        ("RJ_", OrderReason),
        ("STP_", StpMode),
        ("PO_", PostOnlyMode),
    ):
        restated = {name.removeprefix(prefix): getattr(km, name) for name in vars(km) if name.startswith(prefix)}
        assert set(restated) == {member.name for member in enum}, prefix
        for member in enum:
            assert restated[member.name] == member.value, member
    assert km.PRICE_CEILING == reference._PRICE_CEILING
    assert (km.NO_BID, km.NO_ASK, km.KEEP, km.ANY_OWNER) == (-(2**63), 2**63 - 1, -(2**63), -(2**63))


@pytest.mark.parametrize("instrument_id", [0, 7, -1, 2**31 - 1, -(2**31)])
def test_feed_tags_equal_the_python_engines(instrument_id: int) -> None:
    state = fields(km.new_state(instrument_id))
    for row, side in enumerate((BUY, SELL)):
        assert state.depth_tags[row] == tags_by_side(instrument_id, EventKind.DEPTH)[side]
        assert state.trade_tags[row] == tags_by_side(instrument_id, EventKind.TRADE)[side]


def _columns(prefix: str) -> list[str]:
    """The ``PREFIX_*`` column names of a layout, ordered by value (``*_SIZE`` left out)."""
    names = [name for name in vars(km) if name.startswith(prefix) and name != f"{prefix}SIZE"]
    return sorted(names, key=lambda name: getattr(km, name))


@pytest.mark.parametrize(("prefix", "fields"), [("KX_", Execution._fields), ("KU_", OrderUpdate._fields)])
def test_output_columns_are_the_records_fields_in_order(prefix: str, fields: tuple[str, ...]) -> None:
    columns = _columns(prefix)
    assert [getattr(km, name) for name in columns] == list(range(len(fields)))
    assert [name.removeprefix(prefix).lower() for name in columns] == list(fields)
    assert getattr(km, f"{prefix}SIZE") == len(fields)


def test_market_data_columns_are_the_feed_words() -> None:
    assert km.KE_SIZE == ROW_WIDTH == EVENT_DTYPE.itemsize // 8
    fields = EVENT_DTYPE.fields
    assert fields is not None
    for name in ("exch_ts", "local_ts", "price", "qty", "order_id"):
        assert getattr(km, f"KE_{name.upper()}") * 8 == fields[name][1], name
    assert fields["instrument"][1] == km.KE_TAG * 8  # the tag word starts with the instrument


@pytest.mark.parametrize("prefix", ["KO_", "KL_", "KD_"])
def test_state_columns_are_distinct_and_inside_their_rows(prefix: str) -> None:
    values = [getattr(km, name) for name in _columns(prefix)]
    assert sorted(values) == list(range(getattr(km, f"{prefix}SIZE")))


# =============================================================================================================
# The two engines side by side
# =============================================================================================================
@dataclasses.dataclass(frozen=True)
class Config:
    """How both engines are built, and where the test's prices live."""

    stp: StpMode
    post_only: PostOnlyMode
    min_price: int
    max_price: int | None
    centre: int
    far: tuple[int, ...]
    """Offsets from ``centre`` that move a two-tick window (the larger ones the default one too); every band
    spans fewer ticks than the default ``max_width``, so the compiled engine never runs out of width."""
    first_order_id: int
    instrument_id: int
    order_capacity: int | None
    """None: the wrapper's own state (default sizes); else `km.new_state`'s starting sizes are this and 2 ticks."""

    @property
    def top(self) -> int:
        return km.PRICE_CEILING if self.max_price is None else self.max_price


_BANDS: tuple[tuple[int, int | None, int, tuple[int, ...]], ...] = (
    (1, None, 1_000, (-999, -400, 37, 700, 5_000, 30_000)),
    (950, 1_050, 1_000, (-50, -20, 20, 50)),
    (km.PRICE_CEILING - 40_000, None, km.PRICE_CEILING - 20_000, (-20_000, -3_000, 900, 20_000)),
    (-km.PRICE_CEILING, -km.PRICE_CEILING + 40_000, -km.PRICE_CEILING + 20_000, (-20_000, -900, 3_000, 20_000)),
)
"""(min_price, max_price, centre, far offsets): the default band, a narrow one, and the ends of the int64 range."""


@st.composite
def configs(draw: st.DrawFn) -> Config:
    min_price, max_price, centre, far = draw(st.sampled_from(_BANDS))
    return Config(
        stp=draw(st.sampled_from(list(StpMode))),
        post_only=draw(st.sampled_from(list(PostOnlyMode))),
        min_price=min_price,
        max_price=max_price,
        centre=centre,
        far=far,
        first_order_id=draw(st.sampled_from([1, 1, 1_000_003, -7])),
        instrument_id=draw(st.sampled_from([0, 3, -2, 2**31 - 1])),
        order_capacity=draw(st.sampled_from([None, 1, 1, 3])),
    )


@dataclasses.dataclass(frozen=True)
class Submit:
    side: int
    price: int
    qty: int
    owner: int
    order_type: int
    dt: int
    drain: bool


@dataclasses.dataclass(frozen=True)
class Cancel:
    target: tuple[str, int]
    """(``open``/``issued``/``unknown``, a pick): an id chosen when the request is sent."""
    requester: str
    """``none`` (owner=None), ``own`` (the order's owner, or 0 when there is none) or ``foreign``."""
    dt: int
    drain: bool


@dataclasses.dataclass(frozen=True)
class Modify:
    target: tuple[str, int]
    qty: int | None
    price: int | None
    requester: str
    dt: int
    drain: bool


Request = Submit | Cancel | Modify


_GENE = st.tuples(st.integers(0, 9), *[st.integers(0, 999)] * 9)
"""One request's random numbers, decoded by `decode` (flat integers generate and shrink fast)."""
_DTS = (0, 0, 1, 7, 1_000_000_007)
_QTYS = (1, 1, 2, 3, 5, 8, 13, 40)
_TYPES = (*[OrderType.LIMIT] * 4, *[OrderType.POST_ONLY] * 2, OrderType.IOC, OrderType.FOK, OrderType.MARKET)
_TARGETS = ("open", "open", "open", "issued", "unknown")
_REQUESTERS = ("none", "own", "own", "foreign")


def _price(config: Config, pick: int, a: int, b: int) -> int:
    """Near the centre (seven in ten), far from it (two in ten) or on and beyond the band's edges."""
    if pick < 7:
        return config.centre + a % 11 - 5
    if pick < 9:
        return config.centre + config.far[a % len(config.far)] + b % 5 - 2
    edges = [config.min_price, config.min_price - 1, config.top + 1, 0]
    if config.max_price is not None or config.min_price > 1:
        edges.append(config.top)  # a reachable top: the whole band fits the window (the default band's does not)
    return edges[a % len(edges)]


def decode(config: Config, gene: tuple[int, ...], rare_drains: bool) -> Request:
    """Six submits in ten (one in eight of them malformed), one cancel, three modifies."""
    kind, a, b, c, d, e, f, g, h, i = gene
    dt = _DTS[h % len(_DTS)]
    drain = i % 50 == 0 if rare_drains else i % 4 != 3
    if kind < 6:
        side = (BUY, SELL)[a % 2]
        # seven in ten passive from the centre by -3..8 ticks (below 0 crosses a centred book)
        price = config.centre - side * (c % 12 - 3) if b % 10 < 7 else _price(config, b % 10, c, d)
        qty = _QTYS[d % len(_QTYS)]
        order_type = int(_TYPES[e % len(_TYPES)])
        if f % 8 == 0:
            side, qty, order_type = (
                (0, qty, order_type), (2, qty, order_type), (side, 0, order_type), (side, -3, order_type),
                (side, qty, _INVALID_TYPES[0]), (side, qty, _INVALID_TYPES[1]), (-2, 0, _INVALID_TYPES[2]),
            )[f // 8 % 7]  # fmt: skip
        return Submit(side, price, qty, g % 4, order_type, dt, drain)
    target = (_TARGETS[a % len(_TARGETS)], b)
    requester = _REQUESTERS[c % len(_REQUESTERS)]
    if kind == 6:
        return Cancel(target, requester, dt, drain)
    qty_or_none = (None, None, None, 0, -1, 60, *range(1, 13))[d % 18]
    price_or_none = None if e % 3 == 0 else _price(config, f % 10, g, h)
    return Modify(target, qty_or_none, price_or_none, requester, dt, drain)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Config, list[Request]]:
    """A configuration and its requests; in one scenario of four the output is rarely drained, and piles up."""
    config = draw(configs())
    rare_drains = draw(st.integers(0, 3)) == 0
    genes = draw(st.lists(_GENE, min_size=30, max_size=120))
    return config, [decode(config, gene, rare_drains) for gene in genes]


def build(config: Config) -> tuple[MatchingEngine, km.CompiledMatchingEngine]:
    python = MatchingEngine(
        config.instrument_id, stp=config.stp, post_only=config.post_only, min_price=config.min_price,
        max_price=config.max_price, first_order_id=config.first_order_id,
    )  # fmt: skip
    compiled = km.CompiledMatchingEngine(
        config.instrument_id, stp=config.stp, post_only=config.post_only, min_price=config.min_price,
        max_price=config.max_price, first_order_id=config.first_order_id,
    )  # fmt: skip
    if config.order_capacity is not None:
        compiled.state = km.new_state(
            config.instrument_id, stp=config.stp, post_only=config.post_only, min_price=config.min_price,
            max_price=config.max_price, first_order_id=config.first_order_id,
            order_capacity=config.order_capacity, window=2,
        )  # fmt: skip
    return python, compiled


class Pair:
    """Both engines, the requests' clock and what the run met (for the coverage assertions)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.python, self.compiled = build(config)
        self.ts = 0
        self.seen: Counter[str] = Counter()
        self.bases = fields(self.compiled.state).sd[:, km.KD_BASE].tolist()

    def target(self, target: tuple[str, int]) -> int:
        kind, pick = target
        issued = range(self.config.first_order_id, self.python.next_order_id)
        open_ids = [info.order_id for info in self.python.open_orders()]
        if kind == "open" and open_ids:
            return open_ids[pick % len(open_ids)]
        if kind in ("open", "issued") and len(issued):
            return issued[pick % len(issued)]
        return (self.python.next_order_id + pick, self.config.first_order_id - 1 - pick)[pick % 2]

    def requester(self, requester: str, order_id: int) -> int | None:
        if requester == "none":
            return None
        info = self.python.order(order_id)
        owner = 0 if info is None else info.owner
        return owner if requester == "own" else owner + 1

    def send(self, request: Request) -> None:
        self.ts += request.dt
        ts = self.ts
        python, compiled = self.python, self.compiled
        answers: list[object]
        if isinstance(request, Submit):
            order_type: Any = request.order_type  # invalid codes on purpose
            answers = [
                engine.submit(
                    request.side, request.price, request.qty, owner=request.owner, order_type=order_type, ts=ts
                )
                for engine in (python, compiled)
            ]
            self.seen[f"submit {OrderType(order_type).name if order_type not in _INVALID_TYPES else 'bad'}"] += 1
            resting = python.order(answers[0]) if isinstance(answers[0], int) else None
            self.seen["slid"] += resting is not None and resting.price != request.price
        elif isinstance(request, Cancel):
            order_id = self.target(request.target)
            owner = self.requester(request.requester, order_id)
            answers = [engine.cancel(order_id, ts=ts, owner=owner) for engine in (python, compiled)]
        else:
            order_id = self.target(request.target)
            owner = self.requester(request.requester, order_id)
            answers = [
                engine.modify(order_id, qty=request.qty, price=request.price, ts=ts, owner=owner)
                for engine in (python, compiled)
            ]
        assert answers[0] == answers[1], request
        if request.drain:
            self.compare_output()
        self.compare_queries()
        check_invariants(self.compiled.state)
        self.check_recentring()

    def check_recentring(self) -> None:
        """A side whose window moved was re-centred on its occupied range, at most half of the window's width.

        Only `_rest` moves a window, and it is the last step of the request that calls it: the side's occupied
        range now is the one it re-centred on.
        """
        state = fields(self.compiled.state)
        bases = state.sd[:, km.KD_BASE].tolist()
        width = state.lv.shape[1]
        for row in (0, 1):
            if bases[row] != self.bases[row]:
                self.seen["recentred"] += 1
                occupied = np.flatnonzero(state.lv[row, :, km.KL_COUNT])
                span = int(occupied[-1] - occupied[0]) + 1
                assert 2 * span <= width or width == km.DEFAULT_MAX_WIDTH, (row, span, width)
                assert int(occupied[0]) == (width - span) // 2, (row, occupied[0], span, width)
        self.bases = bases

    def compare_output(self) -> None:
        expected = self.python.drain()
        got = self.compiled.drain()
        assert_same_output(expected, got)
        for update in expected.updates:
            self.seen[f"{update.status.name} {update.reason.name}"] += 1
            self.seen[update.status.name] += 1
            self.seen[update.reason.name] += 1
        if expected.executions:
            self.seen["execution"] += 1

    def compare_queries(self) -> None:
        python, compiled, config = self.python, self.compiled, self.config
        assert compiled.best_bid() == python.best_bid()
        assert compiled.best_ask() == python.best_ask()
        assert compiled.next_order_id == python.next_order_id
        assert compiled.open_order_count == python.open_order_count
        assert compiled.open_orders() == python.open_orders()
        for owner in range(5):
            assert compiled.open_orders(owner) == python.open_orders(owner)
        probes = {config.centre + k for k in range(-6, 7)} | {config.min_price, config.top, config.top + 1, 0}
        probes |= {config.centre + offset for offset in config.far}
        for side in (BUY, SELL):
            levels = python.depth(side)
            assert compiled.depth(side) == levels
            for max_levels in (-1, 0, 1, 3):
                assert compiled.depth(side, max_levels) == python.depth(side, max_levels)
            for price in probes | {price for price, _ in levels}:
                assert compiled.level_qty(side, price) == python.level_qty(side, price), (side, price)
            state = compiled.state
            for price, _ in levels:
                assert compiled_queue(state, side, price) == python.queue(side, price), (side, price)
        last = python.next_order_id
        for order_id in (*range(config.first_order_id, last), last, last + 1, config.first_order_id - 1):
            assert compiled.order(order_id) == python.order(order_id), order_id

    def finish(self) -> None:
        """Drain what is left, and note which kinds of growth the run caused."""
        self.compare_output()
        state = fields(self.compiled.state)
        if self.config.order_capacity is not None:
            self.seen["pool grew"] += state.ords.shape[0] > self.config.order_capacity
            self.seen["table grew"] += state.ht.shape[0] > 16
            self.seen["window grew"] += state.lv.shape[1] > 2
        self.seen["output grew"] += max(state.output_rows) > _OUTPUT_ROWS


def assert_same_output(expected: MatchingOutput, got: MatchingOutput) -> None:
    assert got.executions == expected.executions
    assert [tuple(update) for update in got.updates] == [tuple(update) for update in expected.updates]
    assert all(type(u.status) is OrderStatus and type(u.reason) is OrderReason for u in got.updates)
    assert got.market_data.dtype == expected.market_data.dtype
    assert got.market_data.tobytes() == expected.market_data.tobytes()


_INFO_COLUMNS = (
    km.KO_ID, km.KO_OWNER, km.KO_SIDE, km.KO_PRICE, km.KO_TYPE, km.KO_QTY, km.KO_LEAVES, km.KO_FILLED,
    km.KO_CANCELLED, km.KO_TS,
)  # fmt: skip
"""`OrderInfo`'s fields as order-pool columns."""


def compiled_queue(compiled: km.KMatchState, side: int, price: int) -> list[OrderInfo]:
    """The FIFO of one level of the compiled state, front first, read from its links."""
    state = fields(compiled)
    row = 0 if side == BUY else 1
    index = price - int(state.sd[row, km.KD_BASE])
    assert 0 <= index < state.lv.shape[1], (side, price)
    infos = []
    slot = int(state.lv[row, index, km.KL_HEAD])
    for _ in range(int(state.lv[row, index, km.KL_COUNT])):
        values: list[Any] = [int(state.ords[slot, column]) for column in _INFO_COLUMNS]
        values[4] = OrderType(values[4])
        infos.append(OrderInfo._make(values))
        slot = int(state.ords[slot, km.KO_NEXT])
    return infos


def _home(key: int, shift: int) -> int:
    return (((key & _MASK64) * 0x9E3779B97F4A7C15) & _MASK64) >> shift


def check_invariants(compiled: km.KMatchState) -> None:
    """The compiled state's invariants (the `_kmatch` module docstring), read from its arrays.

    Per level: its lots are the sum of its orders' leaves and its count their number, its FIFO links are
    consistent both ways and end at its tail, each order sits on the level's side and price with positive leaves
    and ``qty == leaves + filled + cancelled``; an empty level holds no lots. Per side: the level count and best
    price (``NO_BID``/``NO_ASK`` when empty) are those of the occupied levels. The id table holds exactly the
    resting orders, every entry reachable from its home position, at most half full; the free list holds every
    other slot once (no slot leaks, none is shared).
    """
    state = fields(compiled)
    ords, lv, sd, ht = state.ords, state.lv, state.sd, state.ht
    resting: dict[int, int] = {}  # slot -> order id
    for row, side in enumerate((BUY, SELL)):
        base = int(sd[row, km.KD_BASE])
        counts = lv[row, :, km.KL_COUNT]
        assert (counts >= 0).all()
        assert (lv[row, counts == 0, km.KL_QTY] == 0).all(), "an empty level holds lots"
        occupied = np.flatnonzero(counts).tolist()
        assert int(sd[row, km.KD_LEVELS]) == len(occupied)
        best = int(sd[row, km.KD_BEST])
        if not occupied:
            assert best == (km.NO_BID if side == BUY else km.NO_ASK)
        else:
            assert best == base + (occupied[-1] if side == BUY else occupied[0])
        for index in occupied:
            count = int(lv[row, index, km.KL_COUNT])
            slot = int(lv[row, index, km.KL_HEAD])
            previous = -1
            lots = 0
            for _ in range(count):
                assert 0 <= slot < len(ords) and slot not in resting
                o = ords[slot]
                assert o[km.KO_PREV] == previous
                assert o[km.KO_SIDE] == side and o[km.KO_PRICE] == base + index
                assert o[km.KO_LEAVES] > 0
                assert o[km.KO_QTY] == o[km.KO_LEAVES] + o[km.KO_FILLED] + o[km.KO_CANCELLED]
                lots += int(o[km.KO_LEAVES])
                resting[slot] = int(o[km.KO_ID])
                previous, slot = slot, int(o[km.KO_NEXT])
            assert slot == -1 and int(lv[row, index, km.KL_TAIL]) == previous
            assert int(lv[row, index, km.KL_QTY]) == lots
    size = len(ht)
    assert size >= 16 and size & (size - 1) == 0 and state.h_shift == 64 - (size.bit_length() - 1)
    entries = {int(pos): int(ht[pos, 1]) for pos in np.flatnonzero(ht[:, 1] >= 0)}
    assert state.n_resting == len(entries) == len(resting) and 2 * len(entries) <= size
    assert (ht[ht[:, 1] < 0] == -1).all(), "a free table entry keeps a key"
    for pos, slot in entries.items():
        key = int(ht[pos, 0])
        assert resting.get(slot) == key, (pos, slot, key)
        probe = _home(key, state.h_shift)
        while probe != pos:  # linear probing: every entry between its home and it is occupied
            assert probe in entries, (key, probe)
            probe = (probe + 1) % size
        assert int(km.order_slot(compiled, key)) == slot
    free: set[int] = set()
    slot = state.free_head
    while slot >= 0:
        assert slot not in free and slot not in resting, slot
        free.add(slot)
        slot = int(ords[slot, km.KO_NEXT])
    assert len(free) + len(resting) == len(ords), "order slots leaked"


def _level(state: Fields, side: int, price: int) -> tuple[int, int]:
    row = 0 if side == BUY else 1
    return row, price - int(state.sd[row, km.KD_BASE])


def _corrupt_lots(state: Fields) -> None:
    state.lv[(*_level(state, BUY, 100), km.KL_QTY)] += 1


def _corrupt_count(state: Fields) -> None:
    state.lv[(*_level(state, SELL, 103), km.KL_COUNT)] -= 1


def _corrupt_order_quantities(state: Fields) -> None:
    state.ords[int(state.lv[(*_level(state, BUY, 100), km.KL_TAIL)]), km.KO_CANCELLED] += 1


def _corrupt_back_link(state: Fields) -> None:
    state.ords[int(state.lv[(*_level(state, BUY, 100), km.KL_TAIL)]), km.KO_PREV] = -1


def _corrupt_best(state: Fields) -> None:
    state.sd[1, km.KD_BEST] += 1


def _corrupt_level_count(state: Fields) -> None:
    state.sd[0, km.KD_LEVELS] += 1


def _corrupt_empty_level(state: Fields) -> None:
    state.lv[(*_level(state, BUY, 101), km.KL_QTY)] = 3


def _corrupt_table_key(state: Fields) -> None:
    pos = int(np.flatnonzero(state.ht[:, 1] >= 0)[0])
    state.ht[pos, 0] += 1_000


def _corrupt_free_list(state: Fields) -> None:
    state.ords[state.free_head, km.KO_NEXT] = -1  # every free slot after the first is lost


@pytest.mark.parametrize(
    "corrupt",
    [
        _corrupt_lots, _corrupt_count, _corrupt_order_quantities, _corrupt_back_link, _corrupt_best,
        _corrupt_level_count, _corrupt_empty_level, _corrupt_table_key, _corrupt_free_list,
    ],
)  # fmt: skip
def test_the_invariant_check_notices_a_corrupted_state(corrupt: Callable[[Fields], None]) -> None:
    """`check_invariants` is what the differential run leans on: it must fail on each kind of damage."""
    compiled = km.CompiledMatchingEngine()
    for side, price, qty in ((BUY, 100, 3), (BUY, 100, 4), (BUY, 99, 1), (SELL, 103, 2), (SELL, 103, 5)):
        compiled.submit(side, price, qty)
    compiled.modify(1, qty=2)
    check_invariants(compiled.state)
    corrupt(fields(compiled.state))
    with pytest.raises(AssertionError):
        check_invariants(compiled.state)


# =============================================================================================================
# The differential run
# =============================================================================================================
_WANTED = (
    *(f"submit {t.name}" for t in OrderType),
    "submit bad",
    *(status.name for status in OrderStatus),
    *(reason.name for reason in OrderReason),
    "CANCELLED SELF_TRADE",
    "EXPIRED FOK_UNFILLABLE",
    "MODIFIED NONE",
    "execution",
    "pool grew",
    "table grew",
    "window grew",
    "recentred",
    "slid",
)
"""What the random requests must have met. Not the output buffers' growth (``output grew``, still counted): the
random runs met it on one machine and not, under pytest-xdist, on another (an AMD EPYC, where each run alone met
it), and `test_growth_of_every_buffer_in_one_long_book` grows every output buffer request by request against the
Python engine."""


@pytest.mark.slow
def test_the_compiled_engine_matches_the_python_one_request_by_request() -> None:
    seen: Counter[str] = Counter()

    @settings(
        max_examples=160,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(scenarios())
    def run(scenario: tuple[Config, list[Request]]) -> None:
        config, requests = scenario
        note(f"config: {config!r}\nrequests: {requests!r}")  # hypothesis leaves this scenario's repr blank
        pair = Pair(config)
        for index, request in enumerate(requests):
            try:
                pair.send(request)
            except AssertionError as error:
                error.add_note(f"at request {index}: {request!r}")
                raise
        pair.finish()
        seen.update(pair.seen)
        seen[f"stp {config.stp.name}"] += 1

    run()
    wanted = (*_WANTED, *(f"stp {mode.name}" for mode in StpMode))
    missing = [name for name in wanted if not seen[name]]
    assert not missing, f"the generated requests never met {missing}"


def test_post_only_slides_and_rejects_like_the_python_engine() -> None:
    """Both post-only outcomes, on submit and on modify, and at the band's floor where the slid price leaves it."""
    for mode in PostOnlyMode:
        pair = Pair(Config(StpMode.NONE, mode, 10, 20, 15, (5,), 1, 0, 1))
        script: list[Request] = [
            Submit(SELL, 10, 3, 1, int(OrderType.LIMIT), 1, True),  # id 1: the best ask sits on the band's floor
            Submit(BUY, 12, 2, 2, int(OrderType.POST_ONLY), 1, True),  # id 2: would slide to 9, out of the band
            Submit(SELL, 11, 2, 1, int(OrderType.LIMIT), 1, True),  # id 3
            Cancel(("open", 0), "own", 1, True),  # id 1 goes: the best ask is 11
            Submit(BUY, 14, 2, 2, int(OrderType.POST_ONLY), 1, True),  # id 4: slides to 10, or is rejected
            Submit(BUY, 10, 1, 3, int(OrderType.POST_ONLY), 1, True),  # id 5: rests at 10
            Modify(("open", 5), None, 13, "own", 1, True),  # id 5 to 13: slides back to 10, or is rejected
            Submit(SELL, 9, 2, 1, int(OrderType.POST_ONLY), 1, True),  # below the band
        ]
        for request in script:
            pair.send(request)
        pair.finish()
        slid = mode is PostOnlyMode.SLIDE
        assert pair.seen["REJECTED POST_ONLY_WOULD_CROSS"] == (1 if slid else 3)
        assert pair.seen["REJECTED INVALID_PRICE"] == 1
        assert pair.compiled.depth(BUY) == ([(10, 3)] if slid else [(10, 1)])
        assert [info.order_id for info in pair.compiled.open_orders()] == ([3, 4, 5] if slid else [3, 5])
        assert pair.seen["slid"] == slid


@pytest.mark.parametrize("stp", list(StpMode))
def test_fill_or_kill_counts_what_self_trade_prevention_lets_it_fill(stp: StpMode) -> None:
    """A FOK order whose own resting order sits between it and enough quantity: it fills only where prevention
    skips the own order (``NONE`` trades with it, ``CANCEL_OLDEST`` cancels it); else it expires untraded."""
    pair = Pair(Config(stp, PostOnlyMode.REJECT, 1, None, 100, (50,), 1, 0, 1))
    script: list[Request] = [
        Submit(SELL, 100, 2, 1, int(OrderType.LIMIT), 1, True),
        Submit(SELL, 100, 5, 2, int(OrderType.LIMIT), 1, True),  # the FOK's owner
        Submit(SELL, 101, 5, 3, int(OrderType.LIMIT), 1, True),
        Submit(BUY, 101, 6, 2, int(OrderType.FOK), 1, True),
        Submit(BUY, 101, 6, 2, int(OrderType.IOC), 1, True),
        Submit(BUY, 102, 9, 2, int(OrderType.FOK), 1, True),
    ]
    for request in script:
        pair.send(request)
    pair.finish()
    unfillable = pair.seen["EXPIRED FOK_UNFILLABLE"]
    assert unfillable == (1 if stp in (StpMode.NONE, StpMode.CANCEL_OLDEST) else 2)


def test_growth_of_every_buffer_in_one_long_book() -> None:
    """Hundreds of orders over a widening range, then sweeps: the pool, table, window and output all grow."""
    config = Config(StpMode.CANCEL_OLDEST, PostOnlyMode.REJECT, 1, None, 5_000, (0,), 1, 0, 1)
    pair = Pair(config)
    for k in range(300):
        price = 5_000 + (k * 37) % 900 - 450
        pair.send(Submit(SELL if price > 5_000 else BUY, price, 1 + k % 4, k % 3, int(OrderType.LIMIT), 1, False))
    pair.send(Submit(BUY, 5_500, 10_000, 1, int(OrderType.IOC), 1, False))  # sweeps every ask; skips owner 1's
    pair.send(Submit(SELL, 1, 10_000, 2, int(OrderType.MARKET), 1, True))
    state = fields(pair.compiled.state)
    assert state.ords.shape[0] >= 300 and state.ht.shape[0] >= 600 and state.lv.shape[1] >= 900
    assert min(state.output_rows) > _OUTPUT_ROWS
    assert pair.python.best_ask() is None and pair.python.best_bid() is None


# =============================================================================================================
# The width limit
# =============================================================================================================
def _capacity_pair(max_width: int) -> tuple[MatchingEngine, km.KMatchState]:
    python = MatchingEngine()
    state = km.new_state(order_capacity=4, window=4, max_width=max_width)
    return python, state


@pytest.mark.parametrize("side", [BUY, SELL])
def test_a_side_wider_than_max_width_raises_where_the_python_engine_accepts(side: int) -> None:
    """The Python engine rests a second order any number of ticks away; the compiled one refuses a side spanning
    more than ``max_width`` ticks with `KMatchCapacityError` (a span of exactly ``max_width`` is accepted, and
    the other side has its own span). The refused order is not in the book: its acceptance is in the output,
    the state's invariants hold and the engine keeps working."""
    python, state = _capacity_pair(64)
    calls: list[Callable[[Any], object]] = [
        lambda engine: engine.submit(side, 1_000, 1, owner=1),
        lambda engine: engine.submit(side, 1_063, 1, owner=1),  # span 64
        lambda engine: (
            engine.submit(-side, 1_000 + 64 * 10, 1, owner=1)
            if side == BUY
            else engine.submit(-side, 1_000 - 64 * 10, 1, owner=1)
        ),
    ]
    compiled = km.CompiledMatchingEngine(max_width=4096)
    compiled.state = state
    for call in calls:
        assert call(python) == call(compiled)
        assert_same_output(python.drain(), compiled.drain())
    check_invariants(state)

    assert python.submit(side, 1_064, 1, owner=1) > 0 and python.level_qty(side, 1_064) == 1
    with pytest.raises(km.KMatchCapacityError, match="max_width"):
        compiled.submit(side, 1_064, 1, owner=1)
    check_invariants(state)
    assert compiled.order(compiled.next_order_id - 1) is None
    assert compiled.depth(side) == sorted([(1_000, 1), (1_063, 1)], reverse=side == BUY)
    updates = compiled.drain().updates
    assert [(u.status, u.order_id) for u in updates] == [(OrderStatus.ACCEPTED, compiled.next_order_id - 1)]

    before = compiled.next_order_id
    with pytest.raises(km.KMatchCapacityError):
        compiled.modify(before - 3, price=936)  # the order at 1063 moves to 936: 936..1000 spans 65 ticks
    check_invariants(state)
    assert compiled.order(before - 3) is None and compiled.depth(side) == [(1_000, 1)]
    assert compiled.submit(side, 1_001, 2, owner=1) == before
    assert compiled.level_qty(side, 1_001) == 2
    check_invariants(state)


def test_max_width_bounds_the_price_range_a_side_may_span_not_the_distance_between_sides() -> None:
    python, state = _capacity_pair(16)
    compiled = km.CompiledMatchingEngine(max_width=4096)
    compiled.state = state
    for engine in (python, compiled):
        engine.submit(BUY, 100, 1)
        engine.submit(SELL, 10_000, 1)
        engine.submit(SELL, 10_015, 1)
        engine.submit(BUY, 85, 1)
    assert_same_output(python.drain(), compiled.drain())
    assert compiled.depth(BUY) == python.depth(BUY) and compiled.depth(SELL) == python.depth(SELL)
    check_invariants(state)
