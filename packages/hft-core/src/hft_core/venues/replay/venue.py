"""`ReplayVenue`: the strategy's orders against recorded L2/L3 market data, with latency and queue models.

The recorded market is replayed as it happened — our orders never change it (no market impact: a fill does not
remove the liquidity it took, so the recorded book and trades go on unchanged). What the venue simulates is how
the strategy's orders would have fared in it: when they reach the exchange (entry latency), what they take
(a sweep of the recorded depth), where they queue and when trades reach them (the queue model), and when the
strategy hears about it (response latency). docs/replay.md states every rule.

Data streams in chunks: the venue keeps only the rows between the strategy's view (local time) and the exchange
(exchange time) plus one chunk, so memory stays flat however long the replay. Data already in memory as one array
is replayed in place instead (never copied nor written to); a memory-mapped file still streams. Either way the rows
are checked a chunk at a time, as the replay reaches them.
Between strategy wake-ups the compiled kernel (`hft_core.venues.replay._kernel`) runs the market over whole chunks.
"""

from __future__ import annotations

import math
import mmap
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt

from hft_core.errors import DataError, HftError
from hft_core.events import EVENT_DTYPE, EventKind, Events, iter_chunks
from hft_core.instruments import Instrument
from hft_core.matching.orders import OrderReason, OrderStatus, OrderType
from hft_core.venues.base import (
    REPORT_ROW_SIZE,
    T_REPORTS,
    Advance,
    PublicTrade,
    Report,
    TopOfBook,
    TriggerSpec,
    TriggerState,
    Watch,
)
from hft_core.venues.replay import _kernel as k
from hft_core.venues.replay.latency import ConstantLatency, LatencyModel, LatencySampler, latency_links
from hft_core.venues.replay.queue import QueueModel, RiskAverseQueue

if TYPE_CHECKING:
    from hft_core.engine.blotter import Blotter
    from hft_core.venues.replay._drive import CompiledDriver

__all__ = ["DEFAULT_CHUNK_SIZE", "ReplayVenue", "local_clock_offset", "validate_chunk"]

DEFAULT_CHUNK_SIZE = 1 << 18
"""Rows per chunk when the data is given as one array (about 12 MiB of events)."""

DEFAULT_BOOK_SPAN_TICKS = 1 << 20
"""Price levels further than half this many ticks from a book's centre are not kept (see docs/replay.md)."""

_INITIAL_SEGMENT = 4096
_INITIAL_ORDERS = 64
_INITIAL_REQUESTS = 64
_INITIAL_REPORTS = 4096
_OUTPUT_ROWS = 1024
_INITIAL_L3 = 1024
_FINISHED_IDS_KEPT = 4096
"""Ids of finished orders `_live` may hold before they are dropped in one go (`_forget_finished`): the sweep
reads the whole order table, so it should be rare."""

# Layout constants the per-request code uses, bound here once (a module attribute lookup each time adds up).
_INF, _NONE, _DONE = k.INF, k.NONE, k.DONE
_O_SIZE, _O_ID, _O_STATE, _O_ACK_TS, _O_NEXT_FREE = k.O_SIZE, k.O_ID, k.O_STATE, k.O_ACK_TS, k.O_NEXT_FREE
_REQ_SUBMIT, _REQ_CANCEL, _ST_IN_FLIGHT, _ST_FREE = k.REQ_SUBMIT, k.REQ_CANCEL, k.ST_IN_FLIGHT, k.ST_FREE
_S_REQ_COUNT, _S_REQ_HEAD, _S_FREE_SLOT = k.S_REQ_COUNT, k.S_REQ_HEAD, k.S_FREE_SLOT
_S_UNTIL, _S_BOOK_FROM, _S_FRESH = k.S_UNTIL, k.S_BOOK_FROM, k.S_FRESH
_S_NOW, _S_FINISHED, _S_OUT_REPORTS, _S_OUT_TRADES = k.S_NOW, k.S_FINISHED, k.S_OUT_REPORTS, k.S_OUT_TRADES
_M_SIZE, _M_BASE, _M_OFF_BID, _M_OFF_ASK, _M_CAP = k.M_SIZE, k.M_BASE, k.M_OFF_BID, k.M_OFF_ASK, k.M_CAP
_M_BEST_BID, _M_BEST_ASK, _NO_BID, _NO_ASK = k.M_BEST_BID, k.M_BEST_ASK, k.NO_BID, k.NO_ASK
_LOCAL_BOOK, _I_SIZE = k.LOCAL_BOOK, k.I_SIZE
_new_tuple = tuple.__new__
"""Makes a NamedTuple from a tuple of its fields, without the keyword handling of its constructor (a third of the
cost of building `Advance` and `TopOfBook`, at every strategy decision)."""

# An order slot's and a request's row, each written in one call (`k.O_*`, `k.R_*` order; field by field costs more).
_ORDER_ROW = struct.Struct(f"{k.O_SIZE}q")
_REQUEST_ROW = struct.Struct(f"{k.RQ_SIZE}q")
_write_order, _ORDER_BYTES = _ORDER_ROW.pack_into, _ORDER_ROW.size
_write_request, _REQUEST_BYTES = _REQUEST_ROW.pack_into, _REQUEST_ROW.size

_STATUS = {int(s): s for s in OrderStatus}
_REASON = {int(r): r for r in OrderReason}


def local_clock_offset(events: Events, min_feed_latency_ns: int = 0) -> int:
    """The shift of ``local_ts`` that makes the smallest feed latency (local − exchange time) ``min_feed_latency_ns``.

    Captures whose local clock runs behind the exchange's (the shared Binance sample: about 1.27 s) would let a
    strategy act on news before it happened; pass the result as ``ReplayVenue(local_offset_ns=...)``.
    Returns 0 when every feed latency already reaches the minimum.
    """
    if len(events) == 0:
        return 0
    smallest = int((events["local_ts"] - events["exch_ts"]).min())
    return max(0, min_feed_latency_ns - smallest)


def validate_chunk(chunk: Events, n_instruments: int, first_row: int, local_offset_ns: int = 0) -> Events:
    """``chunk`` as `EVENT_DTYPE` rows; `DataError` naming the first bad row (numbered from the stream's start).

    An array with the same fields but another layout (``np.concatenate`` drops the padding) is converted.
    """
    chunk = _as_events(chunk)
    # One compiled pass for the common case; the per-field diagnosis below runs only when something is wrong.
    row = int(k.first_bad_row(chunk, n_instruments, local_offset_ns))
    if row < 0:
        return chunk
    event = chunk[row]
    problems = (
        ("instrument", not 0 <= event["instrument"] < n_instruments, f"must index one of {n_instruments} instruments"),
        ("kind", not EventKind.DEPTH <= event["kind"] <= EventKind.FILL, "is not an EventKind code"),
        ("side", not -1 <= event["side"] <= 1, "must be 1 (buy/bid), -1 (sell/ask) or 0"),
        ("side", event["side"] == 0, "a book row needs side 1 (bid) or -1 (ask)"),
        ("qty", event["qty"] < 0, "must be >= 0 lots"),
        (
            "local_ts",
            event["local_ts"] + local_offset_ns < event["exch_ts"],
            "is earlier than exch_ts (negative feed latency): the local clock runs behind the exchange's; "
            "pass local_offset_ns (see local_clock_offset)",
        ),
        ("order_id", event["kind"] >= EventKind.ADD and event["order_id"] < 0, "an L3 row needs an order id >= 0"),
        (
            "price",
            event["kind"] != EventKind.CLEAR and not 0 < event["price"] < k.INF,
            "must be > 0 ticks (and below 2**62)",
        ),
        ("qty", event["qty"] >= k.INF, "is beyond 2**62 lots"),
        ("qty", True, "must be > 0 lots in a TRADE, ADD, MODIFY or FILL row"),
    )
    field, why = next((name, text) for name, failed, text in problems if failed)
    raise DataError(f"row {first_row + row}: {field}={event[field]} {why}", field=field)


def _as_events(rows: Events) -> Events:
    """``rows`` as a C-contiguous plain ndarray of `EVENT_DTYPE` itself: relabelled, and copied only when its layout
    or memory order differs; `DataError` when its fields are not the event fields."""
    if rows.dtype is not EVENT_DTYPE:
        if rows.dtype.names != EVENT_DTYPE.names:
            raise DataError(f"expected events of dtype EVENT_DTYPE, got {rows.dtype}", field="dtype")
        # The kernel must only ever see EVENT_DTYPE itself. `np.load` returns an equal dtype that has lost its
        # "aligned" flag, and numba caches array types by dtype equality: one such chunk would send every later
        # kernel call down numba's slow dispatch path (about 20 times slower replays). Relabelling is free.
        rows = rows.view(EVENT_DTYPE) if rows.dtype == EVENT_DTYPE else rows.astype(EVENT_DTYPE)
    return np.ascontiguousarray(rows)  # (also a plain ndarray: numba dispatches subclasses such as memmap slowly)


class ReplayVenue:
    """Replays recorded market data (one array or a stream of chunks, any number of instruments) for a strategy.

    ``data`` holds `hft_core.events.EVENT_DTYPE` rows whose ``instrument`` field indexes ``instruments``, in
    exchange-time order (rows out of order are applied at the running maximum of their timestamps).
    ``latency`` is the order entry/response model: one for every instrument (one ordered session), or a sequence of
    one model per instrument (each instrument its own link: its requests and reports keep their order, the links
    are independent); feed latency comes from the data (``local_ts − exch_ts``, after adding ``local_offset_ns`` to
    every ``local_ts``). ``queue_model`` estimates queue positions;
    ``partial_fills=False`` fills a resting order completely as soon as a trade reaches it.
    ``book_span_ticks`` bounds the price range kept per book (levels further than half of it from the centre
    are ignored). ``total_events`` sizes `progress` when ``data`` is an iterator of unknown length.

    One array in memory with no ``local_offset_ns`` is replayed in place: `start` checks it ``chunk_size`` rows at a
    time and the kernel reads it directly (it is never copied, nor written to). Otherwise, a memory map
    (``np.load(..., mmap_mode="r")``) included, the rows stream through a window of about one chunk, so the memory
    a replay holds stays flat in the length of the data.
    """

    def __init__(
        self,
        data: Events | Iterable[Events],
        instruments: Sequence[Instrument],
        *,
        latency: LatencyModel | Sequence[LatencyModel] | None = None,
        queue_model: QueueModel | None = None,
        partial_fills: bool = True,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        local_offset_ns: int = 0,
        book_span_ticks: int = DEFAULT_BOOK_SPAN_TICKS,
        total_events: int | None = None,
        name: str = "replay",
    ) -> None:
        if not instruments:
            raise ValueError("a replay needs at least one instrument")
        if chunk_size <= 0:
            raise ValueError(f"chunk_size must be positive, got {chunk_size}")
        if book_span_ticks < 2:
            raise ValueError(f"book_span_ticks must be at least 2, got {book_span_ticks}")
        self._instruments = tuple(instruments)
        self._n_instruments = len(self._instruments)
        self._name = name
        self.data_checks: dict[str, dict[str, Any]] = {}
        """Counted repairs of the data behind this replay, by file (set by `hft_core.venues.recorded`)."""
        self.instrument_origins: dict[str, str] = {}
        """Where each file's instrument (grid, fees) came from, by file (set by `hft_core.venues.recorded`)."""
        self.clock_offset_ns = 0
        """What was added to the recorded local times (a lagging feed clock; set by `hft_core.venues.recorded`)."""
        self.latency: LatencyModel | tuple[LatencyModel, ...] = (
            tuple(latency) if isinstance(latency, Sequence) else latency if latency is not None else ConstantLatency()
        )
        links = latency_links(self.latency, len(self._instruments))
        self.queue_model: QueueModel = queue_model if queue_model is not None else RiskAverseQueue()
        self.partial_fills = partial_fills
        self.local_offset_ns = int(local_offset_ns)
        self.book_span_ticks = int(book_span_ticks)
        self._chunk_size = chunk_size
        self._chunks, self._total = _open_data(data, chunk_size, total_events)
        # One array in memory and no clock offset: `start` makes it the kernel's buffer (`_load_whole`), nothing
        # streams. (A memory map streams: read in place, every page of the file would stay resident.)
        self._whole: Events | None = None
        if isinstance(data, np.ndarray) and not isinstance(data, np.memmap) and self.local_offset_ns == 0:
            self._whole = data
        if self._whole is not None:
            self._chunks = iter(())
        self._in_place = False
        """The kernel's buffer is the caller's array, checked up to ``S_BUF_LEN`` (`_check_more` goes on)."""
        self._rows_read = 0
        self._started = False
        self._samplers: tuple[LatencySampler, ...] = tuple(model.sampler() for model in links)
        self._sampler = self._samplers[0]
        self._constant_entry = links[0].entry_ns if isinstance(links[0], ConstantLatency) else None
        self._per_link = len(links) > 1
        """Each instrument has its own link (a latency model per instrument): `_send_on_link` queues requests."""
        self._link_arrival = [k.NONE] * len(links)
        """The arrival time of each link's latest request (`_send_on_link`)."""

        n = len(self._instruments)
        st = np.zeros(k.S_SIZE, dtype=np.int64)
        st[k.S_STOP_AT] = k.NONE
        st[k.S_STOP_ON_REPORTS] = 1
        st[k.S_ACKS] = 1
        st[k.S_EX_TIME] = k.NONE
        st[k.S_LO_TIME] = k.NONE
        st[k.S_HAP_DELIVERY] = k.NONE
        st[k.S_QUEUE_MODEL] = self.queue_model.code
        st[k.S_PARTIAL] = 1 if partial_fills else 0
        st[k.S_HALF_SPAN] = self.book_span_ticks // 2
        st[k.S_N_INST] = n
        st[k.S_L3_FREE_EXCH] = _INITIAL_L3
        st[k.S_L3_FREE_LOCAL] = _INITIAL_L3
        self._st = st
        self._stv = _flat(st)  # element access from Python without numpy's per-call overhead
        self._fp = np.zeros(k.FP_TRIGGERS + n * k.TF_SIZE, dtype=np.float64)
        self._fp[k.FP_EXPONENT] = self.queue_model.exponent
        self._triggers = False
        """Some instrument has a trigger (`set_trigger`): the kernel notes what fired in ``I_FIRED``."""
        self._report_triggers = False
        self._levels = np.zeros(0, dtype=np.int64)
        self._levels_flat = _flat(self._levels)
        bmeta = np.zeros((2, n, k.M_SIZE), dtype=np.int64)
        bmeta[:, :, k.M_BEST_BID] = k.NO_BID
        bmeta[:, :, k.M_BEST_ASK] = k.NO_ASK
        self._bmeta = bmeta
        self._bmeta_flat = _flat(bmeta)
        self._ord_i = np.zeros((_INITIAL_ORDERS, k.O_SIZE), dtype=np.int64)
        self._ord_flat = _flat(self._ord_i)
        self._ord_f = np.zeros((_INITIAL_ORDERS, k.F_SIZE), dtype=np.float64)
        self._active = np.zeros(_INITIAL_ORDERS, dtype=np.int64)
        st[k.S_FREE_SLOT] = -1
        self._free_slots_from(0)
        self._live: dict[int, int] = {}
        """Slot by order id, for every order still live, and some that are not: the kernel frees slots on its own
        (`_live_slot` tells which entries still hold; `_forget_finished` drops the others now and then)."""
        self._live_limit = _FINISHED_IDS_KEPT
        self._req = np.zeros((_INITIAL_REQUESTS, k.RQ_SIZE), dtype=np.int64)
        self._req_flat = _flat(self._req)
        self._req_rows = _INITIAL_REQUESTS
        self._last_arrival = k.NONE
        self._rep = np.zeros((_INITIAL_REPORTS, k.PQ_SIZE), dtype=np.int64)
        self._out_rep = np.zeros((_OUTPUT_ROWS, REPORT_ROW_SIZE), dtype=np.int64)
        self._out_trd = np.zeros((_OUTPUT_ROWS, k.TR_SIZE), dtype=np.int64)
        inst = np.zeros((n, k.I_SIZE), dtype=np.int64)
        inst[:, k.I_SEEN_BID] = k.NO_BID
        inst[:, k.I_SEEN_ASK] = k.NO_ASK
        inst[:, k.I_BUY_LOW] = k.NO_ASK
        inst[:, k.I_BUY_HIGH] = k.NO_BID
        inst[:, k.I_SELL_LOW] = k.NO_ASK
        inst[:, k.I_SELL_HIGH] = k.NO_BID
        self._inst = inst
        self._inst_flat = _flat(inst)
        self._lat = _latency_table(self._samplers, inst)
        self._fired_at = range(k.I_FIRED, n * k.I_SIZE, k.I_SIZE)
        """Where each instrument's ``I_FIRED`` lies in ``_inst_flat``."""
        self._watch: Watch | None = None
        self._as_rows = False
        self._row_blocks: list[npt.NDArray[np.int64]] = []
        self._watching_books = False
        self._tops: list[TopOfBook | None] = [None] * n
        self._no_tops: list[TopOfBook | None] = [None] * n
        self._now = 0
        self._finished = False
        self._hkeys = np.full((2, 2 * _INITIAL_L3), k.H_EMPTY, dtype=np.int64)
        self._hvals = np.zeros((2, 2 * _INITIAL_L3), dtype=np.int64)
        self._l3 = np.zeros((2, _INITIAL_L3, k.L_SIZE), dtype=np.int64)
        self._l3_free = np.tile(np.arange(_INITIAL_L3 - 1, -1, -1, dtype=np.int64), (2, 1))
        self._buf: Events = np.zeros(0, dtype=EVENT_DTYPE)
        self._kbuf: Events = _read_only(self._buf)
        self._run_kernel: Callable[..., int] | None = None
        """`k.run` compiled for the types of this venue's arrays (`_compiled_entry`), looked up at the first call.
        The arrays are all the venue's own and keep their types when replaced (grown, refilled, the next window)."""
        self._kernel_call: tuple[Callable[..., int], tuple[Any, ...]] | None = None
        """`_run_kernel` and its arguments, the venue's arrays; None whenever one may have been replaced."""

    # -- the Venue protocol -------------------------------------------------------------------------------------
    @property
    def instruments(self) -> tuple[Instrument, ...]:
        return self._instruments

    @property
    def name(self) -> str:
        return self._name

    @property
    def simulated(self) -> bool:
        return False

    @property
    def now(self) -> int:
        """The venue's current local time (ns)."""
        return self._now

    @property
    def events_processed(self) -> int:
        """Market events the strategy's view has consumed so far."""
        return int(self._st[k.S_EVENTS_DONE])

    @property
    def ignored_levels(self) -> int:
        """Level updates dropped for lying outside ``book_span_ticks`` (exchange and local books together)."""
        return int(self._st[k.S_IGNORED])

    def start(self) -> int:
        """Load the first data and return the first event's local time (0 for empty data)."""
        if self._started:
            raise RuntimeError("the replay venue has already started")
        self._started = True
        if self._whole is not None:
            self._load_whole(self._whole)
            self._whole = None
        else:
            self._load_more()
        st = self._st
        first = int(self._buf[0]["local_ts"]) if st[k.S_BUF_LEN] > 0 else 0
        st[k.S_NOW] = first
        self._now = first
        return first

    def advance(self, until: int, watch: Watch) -> Advance:
        """Run the market to local time ``until`` or to the first watched moment before it (see the module doc)."""
        if self._finished or not self._started or until < self._now:
            return self._advance_refused(until)
        if watch is not self._watch and watch != self._watch:
            self._set_watch(watch)
        stv = self._stv
        stv[_S_UNTIL] = until
        stv[_S_BOOK_FROM] = watch.book_from
        stv[_S_FRESH] = 1
        self._tops[:] = self._no_tops  # (in place: no list per decision)
        run, args = self._kernel_call or self._prepare_kernel_call()
        status = run(*args)
        reports: list[Report] = []
        trades: list[PublicTrade] = []
        rows = None
        if status != _DONE:
            self._row_blocks = []
            self._serve(status, reports, trades)
            if stv[_S_OUT_REPORTS] or stv[_S_OUT_TRADES]:
                self._drain(reports, trades, final=True)
            blocks = self._row_blocks
            if blocks:
                rows = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
        elif stv[_S_OUT_REPORTS] or stv[_S_OUT_TRADES]:
            # the common case, without `_drain`'s list of blocks: this advance's reports as one view in place
            count = stv[_S_OUT_REPORTS]
            if count and self._as_rows:
                rows = self._out_rep[:count]
                stv[_S_OUT_REPORTS] = 0
            if stv[_S_OUT_REPORTS] or stv[_S_OUT_TRADES]:
                self._drain(reports, trades, final=True)
        changed: tuple[int, ...] = ()
        if self._watching_books:
            changed = tuple(int(i) for i in np.flatnonzero(self._inst[:, k.I_CHANGED]))
        self._now = now = stv[_S_NOW]
        self._finished = finished = stv[_S_FINISHED] != 0
        if self._triggers:
            inst = self._inst_flat
            triggered: tuple[tuple[int, int], ...] = ()
            for at in self._fired_at:
                bits = inst[at]
                if bits:
                    triggered += ((at // _I_SIZE, bits),)
                    inst[at] = 0
            return _new_tuple(Advance, (now, reports, trades, changed, finished, rows, triggered))
        return _new_tuple(Advance, (now, reports, trades, changed, finished, rows, ()))  # (no keyword handling)

    def set_trigger(self, instrument: int, spec: TriggerSpec | None) -> None:
        """Wake the strategy when ``spec`` fires for ``instrument`` (None: never), evaluated by the kernel after
        every row of the instrument the strategy sees and at every report (`hft_core.venues.base.TriggerSpec`); its
        edges and references start from the strategy's view of the book now."""
        if not 0 <= instrument < self._n_instruments:
            raise ValueError(f"instrument index {instrument} out of range (0..{self._n_instruments - 1})")
        row = self._inst[instrument]
        at = k.FP_TRIGGERS + instrument * k.TF_SIZE
        if spec is None:
            row[k.I_TRIG] = 0
        else:
            state = TriggerState(spec, self.top(instrument))
            row[k.I_TRIG] = spec.flags
            row[k.I_TRIG_MID] = spec.mid_ticks
            row[k.I_TRIG_ABOVE] = spec.mid_above
            row[k.I_TRIG_BELOW] = spec.mid_below
            row[k.I_TRIG_QTY] = spec.best_qty_below
            row[k.I_TRIG_TRADE_ABOVE] = spec.trade_above
            row[k.I_TRIG_TRADE_BELOW] = spec.trade_below
            row[k.I_TRIG_HELD] = state.held
            row[k.I_REF_MID2] = _NONE if state.ref_mid2 is None else state.ref_mid2
            self._fp[at + k.TF_MICROPRICE] = spec.microprice_ticks
            self._fp[at + k.TF_IMBALANCE] = spec.imbalance
            self._fp[at + k.TF_REF_MICRO] = math.nan if state.ref_micro is None else state.ref_micro
        row[k.I_FIRED] = 0
        flags = self._inst[:, k.I_TRIG]
        self._triggers = bool(flags.any())
        self._report_triggers = bool((flags & T_REPORTS).any())
        if self._watch is not None:
            self._set_watch(self._watch)

    def compiled_driver(
        self, blotter: Blotter, hook: Any, user: npt.NDArray[np.float64], timer_ns: int | None, next_timer: int
    ) -> CompiledDriver:
        """A driver that runs numba function ``hook`` as the strategy's decisions inside compiled code, booking into
        the engine's ``blotter`` (`hft_core.venues.replay._drive`; the engine's compiled strategy path)."""
        from hft_core.venues.replay._drive import CompiledDriver

        if self._per_link or self._constant_entry is None:
            raise HftError(
                "a compiled strategy needs a constant order entry latency on one link (ConstantLatency); this "
                f"replay has {', '.join(type(model).__name__ for model in latency_links(self.latency, 1))}"
            )
        if not self._started:
            raise RuntimeError("call start() before driving a compiled strategy")
        watch = Watch(
            (False,) * self._n_instruments, (False,) * self._n_instruments, 0, reports=False, acks=False, rows=True
        )
        self._set_watch(watch)
        return CompiledDriver(self, blotter, hook, user, timer_ns, next_timer, self._constant_entry)

    def _kernel_arrays(self) -> tuple[Any, ...]:
        """The kernel's arguments as they are now (`_prepare_kernel_call`)."""
        return (self._kernel_call or self._prepare_kernel_call())[1]

    def _serve_rows(self, status: int) -> npt.NDArray[np.int64] | None:
        """`advance`'s service branch for the compiled driver: serve ``status`` until the kernel's run is done and
        return the report rows it output (None if none)."""
        self._tops[:] = self._no_tops
        self._row_blocks = []
        reports: list[Report] = []
        trades: list[PublicTrade] = []
        self._serve(status, reports, trades)
        if self._stv[_S_OUT_REPORTS] or self._stv[_S_OUT_TRADES]:
            self._drain(reports, trades, final=True)
        blocks = self._row_blocks
        self._row_blocks = []
        if not blocks:
            return None
        return blocks[0] if len(blocks) == 1 else np.concatenate(blocks)

    def _reserve_requests(self, want: int) -> None:
        """Room for ``want`` more requests in the ring and ``want`` free order slots (the compiled driver's)."""
        from hft_core.venues.replay._drive import free_slots

        while self._req_rows - self._stv[_S_REQ_COUNT] < want:
            self._grow_requests()
        while free_slots(self._st, self._ord_i, want) < want:
            self._grow_orders()

    def _after_compiled(self, last_arrival: int) -> None:
        """The venue's Python state after the compiled driver returns: its clock, the request order, the top cache
        (the driver's orders join `_live` when it closes)."""
        self._last_arrival = last_arrival
        self._now = self._stv[_S_NOW]
        self._finished = self._stv[_S_FINISHED] != 0
        self._tops[:] = self._no_tops

    def _advance_refused(self, until: int) -> Advance:
        """`advance` before `start`, after the end, or back in time."""
        if not self._started:
            raise RuntimeError("call start() before advance()")
        if self._finished:
            return Advance(self._now, [], [], (), True)
        raise ValueError(f"advance until {until} is before the venue's current time {self._now}")

    def _serve(self, status: int, reports: list[Report], trades: list[PublicTrade]) -> None:
        """Perform the service the kernel stopped for (``status``), call it again, and so on until it is done."""
        st = self._st
        while True:
            if status != k.OUTPUT_FULL:
                self._kernel_call = None  # (what follows may replace arrays)
            if status == k.NEED_DATA:
                self._load_more()
            elif status == k.NEED_GROW:
                self._grow_book(int(st[k.S_GROW_BOOK]), int(st[k.S_GROW_INST]), int(st[k.S_GROW_PRICE]))
            elif status == k.NEED_SAMPLES:
                self._refill_latencies()
            elif status == k.NEED_REPORT_ROOM:
                self._rep = _grow_ring(self._rep, st, k.S_REP_HEAD, k.S_REP_COUNT)
            elif status == k.OUTPUT_FULL:
                self._drain(reports, trades, final=False)
            elif status == k.NEED_L3_ROOM:
                self._grow_l3()
            elif status == k.BAD_DATA:
                raise self._bad_row(int(st[k.S_BAD_ROW]), int(st[k.S_BAD_WHY]))
            else:
                raise RuntimeError(f"replay kernel returned unknown status {status}")
            run, args = self._kernel_call or self._prepare_kernel_call()
            status = run(*args)
            if status == _DONE:
                return

    def submit(
        self, now: int, instrument: int, order_id: int, side: int, order_type: OrderType, price: int, qty: int
    ) -> None:
        """Send a new order at local time ``now``; the exchange's verdict comes back as reports."""
        if now < self._now or not 0 <= instrument < self._n_instruments or not self._started:
            self._check_request(now, instrument)
        live = self._live
        if order_id in live and self._live_slot(order_id) >= 0:
            raise ValueError(f"order id {order_id} is already in use by a live order")
        if not (-_INF < price < _INF and -_INF < qty < _INF):
            raise ValueError(f"order {order_id}: price {price} or size {qty} is beyond the grid's range (2^62)")
        stv = self._stv
        slot = stv[_S_FREE_SLOT]
        if slot < 0:
            self._grow_orders()
            slot = stv[_S_FREE_SLOT]
        orders = self._ord_flat
        stv[_S_FREE_SLOT] = orders[slot * _O_SIZE + _O_NEXT_FREE]
        live[order_id] = slot
        _write_order(
            orders,
            slot * _ORDER_BYTES,
            order_id,
            instrument,
            side,
            price,
            qty,
            order_type,
            _ST_IN_FLIGHT,
            0,
            _NONE,
            -1,
        )
        if len(live) > self._live_limit:
            self._forget_finished()
        self._send(now, _REQ_SUBMIT, slot, order_id, instrument, price, qty)

    def acknowledged(self, order_id: int) -> bool:
        """True when order ``order_id`` is live, was accepted with its ACCEPTED report left out (`Watch.acks`), and
        that report would have reached the strategy by now. An order no longer live is False: its last report
        told its fate."""
        slot = self._live_slot(order_id)
        if slot < 0:
            return False
        ack_ts: int = self._ord_flat[slot * _O_SIZE + _O_ACK_TS]
        return ack_ts != _NONE and ack_ts <= self._now

    def cancel(self, now: int, instrument: int, order_id: int) -> None:
        """Ask to cancel; a CANCELLED report follows, or REJECTED (UNKNOWN_ORDER) if it is no longer open."""
        if now < self._now or not 0 <= instrument < self._n_instruments or not self._started:
            self._check_request(now, instrument)
        # (the slot may be a finished order's, reused since: the kernel acts only if it still holds this live order)
        self._send(now, _REQ_CANCEL, self._live.get(order_id, -1), order_id, instrument, 0, 0)

    def modify(self, now: int, instrument: int, order_id: int, price: int, qty: int) -> None:
        """Ask to change an order's price and open quantity (priority kept only on a pure size decrease)."""
        self._check_request(now, instrument)
        self._send(now, k.REQ_MODIFY, self._live.get(order_id, -1), order_id, instrument, price, qty)

    def top(self, instrument: int) -> TopOfBook:
        """The strategy-visible best bid and ask of ``instrument``."""
        cached = self._tops[instrument]
        if cached is not None:
            return cached
        meta = self._bmeta_flat
        at = (_LOCAL_BOOK * self._n_instruments + instrument) * _M_SIZE  # (bmeta[LOCAL_BOOK, instrument])
        bid = meta[at + _M_BEST_BID]
        ask = meta[at + _M_BEST_ASK]
        base = meta[at + _M_BASE]
        levels = self._levels_flat  # (best prices always lie inside the book's segment)
        top: TopOfBook = _new_tuple(
            TopOfBook,
            (
                None if bid == _NO_BID else bid,
                0 if bid == _NO_BID else levels[meta[at + _M_OFF_BID] + bid - base],
                None if ask == _NO_ASK else ask,
                0 if ask == _NO_ASK else levels[meta[at + _M_OFF_ASK] + ask - base],
            ),
        )
        self._tops[instrument] = top
        return top

    def depth(self, instrument: int, side: int, levels: int) -> list[tuple[int, int]]:
        """Up to ``levels`` (price, qty) of the strategy-visible ``side`` of ``instrument``, best first."""
        meta = self._bmeta_flat
        at = (_LOCAL_BOOK * self._n_instruments + instrument) * _M_SIZE  # (bmeta[LOCAL_BOOK, instrument])
        if side == 1:
            best = meta[at + _M_BEST_BID]
            if best == _NO_BID or levels <= 0:
                return []
            offset = meta[at + _M_OFF_BID]
        elif side == -1:
            best = meta[at + _M_BEST_ASK]
            if best == _NO_ASK or levels <= 0:
                return []
            offset = meta[at + _M_OFF_ASK]
        else:
            raise ValueError(f"side must be 1 (bids) or -1 (asks), got {side}")
        return _side_levels(
            self._levels, self._levels_flat, offset, meta[at + _M_BASE], meta[at + _M_CAP], best, side, levels
        )

    def exchange_depth(self, instrument: int, side: int, levels: int) -> list[tuple[int, int]]:
        """Like `depth`, for the exchange-side book (as of exchange time; for tests and diagnostics)."""
        return book_side(self._levels, self._bmeta, k.EXCH_BOOK, instrument, side, levels)

    def progress(self) -> float:
        """Fraction of the data the strategy has seen (0 until the end when the length is unknown)."""
        if self._finished:
            return 1.0
        if not self._total:
            return 0.0
        return min(1.0, self.events_processed / self._total)

    # -- internals ----------------------------------------------------------------------------------------------
    def _prepare_kernel_call(self) -> tuple[Callable[..., int], tuple[Any, ...]]:
        """`_kernel_call` for the venue's arrays as they are now (the machine code is looked up at the first call)."""
        args = (
            self._kbuf,
            self._st,
            self._fp,
            self._levels,
            self._bmeta,
            self._ord_i,
            self._ord_f,
            self._active,
            self._req,
            self._rep,
            self._out_rep,
            self._out_trd,
            self._inst,
            self._lat,
            self._hkeys,
            self._hvals,
            self._l3,
            self._l3_free,
        )
        if self._run_kernel is None:
            self._run_kernel = _compiled_entry(k.run, args)
        call = self._kernel_call = (self._run_kernel, args)
        return call

    def _live_slot(self, order_id: int) -> int:
        """The slot of order ``order_id`` if the order is live (its last report not yet handed over), else -1."""
        slot = self._live.get(order_id, -1)
        if slot >= 0:
            at = slot * _O_SIZE
            orders = self._ord_flat
            if orders[at + _O_ID] != order_id or orders[at + _O_STATE] == _ST_FREE:
                return -1
        return slot

    def _forget_finished(self) -> None:
        """Keep in `_live` only the orders still live (the kernel frees slots without telling the dict)."""
        slots = np.flatnonzero(self._ord_i[:, k.O_STATE] != k.ST_FREE)
        ids = self._ord_i[slots, k.O_ID]
        self._live = dict(zip(ids.tolist(), slots.tolist(), strict=True))
        self._live_limit = len(self._live) + _FINISHED_IDS_KEPT

    def _check_request(self, now: int, instrument: int) -> None:
        if not self._started:
            raise RuntimeError("call start() before sending orders")
        if not 0 <= instrument < len(self._instruments):
            raise ValueError(f"instrument index {instrument} out of range (0..{len(self._instruments) - 1})")
        if now < self._now:
            raise ValueError(f"request time {now} is before the venue's current time {self._now}")

    def _send(self, now: int, kind: int, slot: int, order_id: int, instrument: int, price: int, qty: int) -> None:
        """Queue a request for the kernel, arriving at the exchange after the entry latency (never before the
        previous one: requests keep their order)."""
        if self._per_link:
            self._send_on_link(now, kind, slot, order_id, instrument, price, qty)
            return
        stv = self._stv
        entry = self._constant_entry
        arrival = now + (entry if entry is not None else self._sampler.entry(now))
        if arrival < self._last_arrival:
            arrival = self._last_arrival
        self._last_arrival = arrival
        count = stv[_S_REQ_COUNT]
        size = self._req_rows
        if count == size:
            size = self._grow_requests()
        _write_request(
            self._req_flat,
            (stv[_S_REQ_HEAD] + count) % size * _REQUEST_BYTES,
            arrival,
            kind,
            slot,
            order_id,
            instrument,
            price,
            qty,
        )
        stv[_S_REQ_COUNT] = count + 1

    def _send_on_link(
        self, now: int, kind: int, slot: int, order_id: int, instrument: int, price: int, qty: int
    ) -> None:
        """`_send` with a link per instrument: never before the previous request on the same link; the ring stays
        in arrival order (ties in the order sent), so a request may pass earlier ones on a slower link."""
        link: int = self._inst_flat[instrument * _I_SIZE + k.I_LINK]
        arrival = now + self._samplers[link].entry(now)
        if arrival < self._link_arrival[link]:
            arrival = self._link_arrival[link]
        self._link_arrival[link] = arrival
        stv = self._stv
        count = stv[_S_REQ_COUNT]
        size = self._req_rows
        if count == size:
            size = self._grow_requests()
        head = stv[_S_REQ_HEAD]
        req = self._req
        place = count
        if count and req[(head + count - 1) % size, k.RQ_ARRIVAL] > arrival:
            # behind the last request arriving no later (the ring is sorted): the later ones move one row back
            rows = (head + np.arange(count)) % size
            place = int(np.searchsorted(req[rows, k.RQ_ARRIVAL], arrival, side="right"))
            later = rows[place:]
            req[(later + 1) % size] = req[later]
        _write_request(
            self._req_flat,
            (head + place) % size * _REQUEST_BYTES,
            arrival,
            kind,
            slot,
            order_id,
            instrument,
            price,
            qty,
        )
        stv[_S_REQ_COUNT] = count + 1

    def _refill_latencies(self) -> None:
        """Draw the next block of response latencies of every sampled link that has used its block."""
        inst = self._inst
        for link, sampler in enumerate(self._samplers):
            start = int(inst[link, k.I_LAT_START])
            if sampler.mode == k.LAT_SAMPLED and inst[link, k.I_LAT_CURSOR] == inst[link, k.I_LAT_END]:
                sampler.refill()
                self._lat[1, start : int(inst[link, k.I_LAT_END])] = sampler.table[1]
                inst[link, k.I_LAT_CURSOR] = start
        self._st[k.S_LAT_EMPTY] = 0

    def _grow_requests(self) -> int:
        """Double the request ring (it is full); returns its new number of rows."""
        self._kernel_call = None
        self._req = _grow_ring(self._req, self._st, k.S_REQ_HEAD, k.S_REQ_COUNT)
        self._req_flat = _flat(self._req)
        size = self._req_rows = len(self._req)
        return size

    def _set_watch(self, watch: Watch) -> None:
        n = len(self._instruments)
        for name, flags, column in (("book", watch.book, k.I_WATCH_BOOK), ("trades", watch.trades, k.I_WATCH_TRADES)):
            if len(flags) > n:
                raise ValueError(f"watch.{name} has {len(flags)} flags for {n} instruments")
            values = np.zeros(n, dtype=np.int64)
            values[: len(flags)] = [1 if f else 0 for f in flags]
            self._inst[:, column] = values
        self._st[k.S_STOP_ON_REPORTS] = 1 if watch.reports else 2 if self._report_triggers else 0
        self._st[k.S_ACKS] = 1 if watch.acks else 0
        self._as_rows = watch.rows
        self._watch = watch
        self._watching_books = any(watch.book)

    def _drain(self, reports: list[Report], trades: list[PublicTrade], *, final: bool) -> None:
        """Hand over the kernel's output; ``final`` when the advance ends with it (its rows may then stay in place:
        `Advance.report_rows` lasts until the next advance)."""
        stv = self._stv
        count = stv[_S_OUT_REPORTS]
        if count:
            if self._as_rows:
                block = self._out_rep[:count]
                self._row_blocks.append(block if final else block.copy())
            else:
                listed = self._out_rep[:count].tolist()
                statuses = _STATUS
                reasons = _REASON
                make = _new_tuple  # a Report without NamedTuple's keyword-handling constructor
                reports.extend(
                    make(Report, (ts, i, oid, statuses[status], reasons[reason], side, price, leaves, fq, fp, mk == 1))
                    for ts, i, oid, status, reason, side, price, leaves, fq, fp, mk in listed
                )
            stv[_S_OUT_REPORTS] = 0
        count = stv[_S_OUT_TRADES]
        if count:
            trades.extend(PublicTrade(*row) for row in self._out_trd[:count].tolist())
            stv[_S_OUT_TRADES] = 0

    def _next_chunk(self) -> Events | None:
        for chunk in self._chunks:
            if len(chunk):
                return chunk
        return None

    def _load_whole(self, data: Events) -> None:
        """Make ``data`` (one array, no clock offset) the kernel's buffer, read in place: nothing copies it (unless it
        must be relabelled into another layout or memory order) and nothing writes to it. Its first chunk is
        checked now, the others as the replay reaches them (`_check_more`): while a chunk is in the cache, and an
        error names its row as in a stream."""
        events = _as_events(data)
        self._buf = events
        self._kbuf = _read_only(events)
        self._in_place = True
        self._check_more()

    def _check_more(self) -> None:
        """Check the next ``chunk_size`` rows of the array replayed in place and hand them to the kernel."""
        st = self._st
        first = self._rows_read
        last = min(first + self._chunk_size, len(self._buf))
        validate_chunk(self._buf[first:last], len(self._instruments), first)
        self._rows_read = last
        st[k.S_BUF_LEN] = last
        st[k.S_EOF] = 1 if last == len(self._buf) else 0

    def _bad_row(self, index: int, why: int) -> DataError:
        """The `DataError` for an L3 row the kernel refused (``BAD_DATA``) at window index ``index``."""
        event = self._buf[index]
        first = 0 if self._in_place else self._rows_read - int(self._st[k.S_BUF_LEN])
        row = first + index
        order_id, price = int(event["order_id"]), int(event["price"])
        action = "add" if event["kind"] == EventKind.ADD else "modify"
        if why == k.BAD_DUPLICATE:
            return DataError(f"row {row}: add of order {order_id}, which is already in the book", field="order_id")
        return DataError(
            f"row {row}: {action} of order {order_id} at {price} crosses the opposite best; an L3 feed never shows a "
            "crossed book (the same row is a CrossedBookError in hft_core.book.L3Book)",
            field="price",
        )

    def _load_more(self) -> None:
        """Append the next chunk to the window, dropping the rows both cursors have passed."""
        if self._in_place:
            self._check_more()
            return
        st = self._st
        chunk = self._next_chunk()
        if chunk is None:
            st[k.S_EOF] = 1
            return
        chunk = validate_chunk(chunk, len(self._instruments), self._rows_read, self.local_offset_ns)
        self._rows_read += len(chunk)
        keep_from = int(st[k.S_LO_POS])
        kept = int(st[k.S_BUF_LEN]) - keep_from
        needed = kept + len(chunk)
        buf = self._buf
        if len(buf) < needed:
            grown = np.empty(max(needed, 2 * len(buf)), dtype=EVENT_DTYPE)
            _raw(grown[:kept])[...] = _raw(buf[keep_from : keep_from + kept])
            buf = self._buf = grown
        elif kept:
            _raw(buf[:kept])[...] = _raw(buf[keep_from : keep_from + kept]).copy()
        window = buf[kept:needed]
        _raw(window)[...] = _raw(np.ascontiguousarray(chunk))
        if self.local_offset_ns:
            window["local_ts"] += self.local_offset_ns
        self._kbuf = _read_only(buf)
        st[k.S_BUF_LEN] = needed
        st[k.S_EX_POS] -= keep_from
        st[k.S_LO_POS] = 0

    def _grow_book(self, book: int, instrument: int, price: int) -> None:
        """Give (book, instrument) a segment that covers ``price``, re-laying out the flat level array."""
        meta = self._bmeta
        base = int(meta[book, instrument, k.M_BASE])
        cap = int(meta[book, instrument, k.M_CAP])
        if cap == 0:
            new_cap = _INITIAL_SEGMENT
            new_base = price - new_cap // 2
        else:
            low = min(base, price)
            high = max(base + cap, price + 1)
            new_cap = max(2 * cap, high - low)
            new_base = low - (new_cap - (high - low)) // 2
        limit = self.book_span_ticks + 2
        if new_cap > limit:
            bid = int(meta[book, instrument, k.M_BEST_BID])
            ask = int(meta[book, instrument, k.M_BEST_ASK])
            if bid != k.NO_BID and ask != k.NO_ASK:
                centre = (bid + ask) // 2
            elif bid != k.NO_BID:
                centre = bid
            elif ask != k.NO_ASK:
                centre = ask
            else:
                centre = price
            new_cap = limit
            new_base = centre - limit // 2
        segments: list[tuple[int, int, int, int, int, npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
        n = len(self._instruments)
        for b in range(2):
            for i in range(n):
                old_base = int(meta[b, i, k.M_BASE])
                old_cap = int(meta[b, i, k.M_CAP])
                bids = self._levels[int(meta[b, i, k.M_OFF_BID]) : int(meta[b, i, k.M_OFF_BID]) + old_cap]
                asks = self._levels[int(meta[b, i, k.M_OFF_ASK]) : int(meta[b, i, k.M_OFF_ASK]) + old_cap]
                if (b, i) == (book, instrument):
                    segments.append((b, i, new_base, new_cap, old_base, bids, asks))
                else:
                    segments.append((b, i, old_base, old_cap, old_base, bids, asks))
        total = sum(2 * seg[3] for seg in segments)
        levels = np.zeros(total, dtype=np.int64)
        offset = 0
        for b, i, seg_base, seg_cap, old_base, bids, asks in segments:
            meta[b, i, k.M_BASE] = seg_base
            meta[b, i, k.M_CAP] = seg_cap
            meta[b, i, k.M_OFF_BID] = offset
            meta[b, i, k.M_OFF_ASK] = offset + seg_cap
            lo = max(seg_base, old_base)
            hi = min(seg_base + seg_cap, old_base + len(bids))
            if hi > lo:
                levels[offset + lo - seg_base : offset + hi - seg_base] = bids[lo - old_base : hi - old_base]
                levels[offset + seg_cap + lo - seg_base : offset + seg_cap + hi - seg_base] = asks[
                    lo - old_base : hi - old_base
                ]
            if (b, i) == (book, instrument):
                bid_nonzero = np.flatnonzero(levels[offset : offset + seg_cap])
                ask_nonzero = np.flatnonzero(levels[offset + seg_cap : offset + 2 * seg_cap])
                meta[b, i, k.M_BEST_BID] = seg_base + int(bid_nonzero[-1]) if len(bid_nonzero) else k.NO_BID
                meta[b, i, k.M_BEST_ASK] = seg_base + int(ask_nonzero[0]) if len(ask_nonzero) else k.NO_ASK
                meta[b, i, k.M_LEVELS_BID] = len(bid_nonzero)  # (counted again: a re-centred segment drops some)
                meta[b, i, k.M_LEVELS_ASK] = len(ask_nonzero)
            offset += 2 * seg_cap
        self._levels = levels
        self._levels_flat = _flat(levels)

    def _grow_orders(self) -> None:
        self._kernel_call = None
        old = len(self._ord_i)
        self._ord_i = np.concatenate([self._ord_i, np.zeros_like(self._ord_i)])
        self._ord_flat = _flat(self._ord_i)
        self._ord_f = np.concatenate([self._ord_f, np.zeros_like(self._ord_f)])
        self._active = np.concatenate([self._active, np.zeros_like(self._active)])
        self._free_slots_from(old)

    def _free_slots_from(self, first: int) -> None:
        """Put the order slots from ``first`` to the table's end at the front of the free list, lowest taken first."""
        end = len(self._ord_i)
        self._ord_i[first:, k.O_NEXT_FREE] = np.arange(first + 1, end + 1)
        self._ord_i[end - 1, k.O_NEXT_FREE] = self._st[k.S_FREE_SLOT]
        self._st[k.S_FREE_SLOT] = first

    def _grow_l3(self) -> None:
        """More room for the recorded market's L3 orders: free slots when none is left, and a sparser hash table."""
        st = self._st
        old = self._l3.shape[1]
        if min(int(st[k.S_L3_FREE_EXCH]), int(st[k.S_L3_FREE_LOCAL])) == 0:
            l3 = np.zeros((2, 2 * old, k.L_SIZE), dtype=np.int64)
            l3[:, :old] = self._l3
            free = np.zeros((2, 2 * old), dtype=np.int64)
            for b, counter in ((0, k.S_L3_FREE_EXCH), (1, k.S_L3_FREE_LOCAL)):
                count = int(st[counter])
                free[b, :count] = self._l3_free[b, :count]
                free[b, count : count + old] = np.arange(2 * old - 1, old - 1, -1)
                st[counter] = count + old
            self._l3 = l3
            self._l3_free = free
        # Sized by the orders live now, not by the table's use: deleted ids fill it too (a slot stays taken until
        # the next rehash), and a size from those doubled the table at every rehash, with every order ever seen.
        # Eight slots a live order: a rehash at the same size comes after as many new ids as three eighths of it.
        live = max(int(np.count_nonzero(self._hkeys[b] >= 0)) for b in range(2))
        capacity = 2 * self._l3.shape[1]
        while capacity < 8 * max(live, 1):
            capacity *= 2
        keys = np.full((2, capacity), k.H_EMPTY, dtype=np.int64)
        values = np.zeros((2, capacity), dtype=np.int64)
        k.rehash(self._hkeys, self._hvals, keys, values, st)
        self._hkeys = keys
        self._hvals = values


def book_side(
    levels: npt.NDArray[np.int64], bmeta: npt.NDArray[np.int64], book: int, instrument: int, side: int, count: int
) -> list[tuple[int, int]]:
    """Up to ``count`` non-empty (price, qty) levels of one side of a flat-array book, best first (`_side_levels`)."""
    meta = bmeta[book, instrument]
    best = int(meta[k.M_BEST_BID] if side > 0 else meta[k.M_BEST_ASK])
    if count <= 0 or best in (k.NO_BID, k.NO_ASK):
        return []
    offset = int(meta[k.M_OFF_BID] if side > 0 else meta[k.M_OFF_ASK])
    flat = _flat(np.ascontiguousarray(levels))
    return _side_levels(levels, flat, offset, int(meta[k.M_BASE]), int(meta[k.M_CAP]), best, side, count)


def _side_levels(
    levels: npt.NDArray[np.int64],
    flat: memoryview,
    offset: int,
    base: int,
    cap: int,
    best: int,
    side: int,
    count: int,
) -> list[tuple[int, int]]:
    """Up to ``count`` non-empty levels of the side whose segment starts at ``offset`` (``flat``: ``levels`` as a
    memoryview), scanning outwards from the best price.

    The side is a window over the price grid, mostly empty far from the touch. The slots next to the best are read
    one by one from Python (a dense book: about the levels asked for, without a numpy call); past a few empty ones,
    the rest is scanned in numpy windows that grow fourfold, so a read costs about the levels asked for and the gaps
    between them, never the width of the grid.
    """
    found: list[tuple[int, int]] = []
    step = -1 if side > 0 else 1
    slot = best - base  # the slot of the best price; the scan moves away from it (down for bids, up for asks)
    budget = 4 * count + 16
    while 0 <= slot < cap:
        qty = flat[offset + slot]
        if qty:
            found.append((base + slot, qty))
            if len(found) == count:
                return found
        slot += step
        budget -= 1
        if budget == 0:
            break
    else:
        return found
    segment = levels[offset : offset + cap]
    near = slot
    width = 4 * count + 4
    while len(found) < count and 0 <= near < cap:
        if side > 0:
            far = max(0, near - width + 1)
            window = segment[far : near + 1][::-1]
        else:
            far = min(cap, near + width)
            window = segment[near:far]
        for j in np.flatnonzero(window)[: count - len(found)]:
            found.append((base + near - int(j) if side > 0 else base + near + int(j), int(window[j])))
        near = far - 1 if side > 0 else far
        width *= 4
    return found


def _latency_table(samplers: Sequence[LatencySampler], inst: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The kernel's latency table (each sampled or recorded link's columns side by side), and each link's
    ``I_LAT_*`` columns in ``inst`` (link ``j`` in row ``j``); every instrument's ``I_LINK``."""
    links = len(samplers)
    inst[:, k.I_LINK] = 0 if links == 1 else np.arange(len(inst))
    widths = [0 if s.mode == k.LAT_CONSTANT else s.table.shape[1] for s in samplers]
    table = np.zeros((2, max(1, sum(widths))), dtype=np.int64)
    start = 0
    for link, (sampler, width) in enumerate(zip(samplers, widths, strict=True)):
        row = inst[link]
        row[k.I_LAT_MODE] = sampler.mode
        row[k.I_LAT_RESPONSE] = sampler.constant_response
        row[k.I_LAT_START] = row[k.I_LAT_CURSOR] = start
        row[k.I_LAT_END] = start + width
        row[k.I_LAT_STEP] = 1 if sampler.step else 0
        row[k.I_LAST_DELIVERY] = k.NONE
        table[:, start : start + width] = sampler.table
        start += width
    return table


def _compiled_entry(dispatcher: Any, args: tuple[Any, ...]) -> Callable[..., int]:
    """The machine code ``dispatcher`` (a numba function) runs for the types of ``args``, compiled if need be.

    Calling it skips numba's dispatch, which types every argument on every call (half a microsecond for the
    kernel's eighteen, at every strategy decision) - and skips its checks too: it must only be called with
    arguments of exactly these types (dtypes, dimensions, layouts, writability). The venue's arrays are all its own
    and keep their types when they are replaced, so it looks the entry up once (a lookup takes about 150 us).
    """
    entry: Callable[..., int] = dispatcher.compile(tuple(dispatcher.typeof_pyval(a) for a in args))
    return entry


def _flat(array: npt.NDArray[np.int64]) -> memoryview:
    """A flat, writable view of a C-contiguous int64 array, indexed with plain ints from Python."""
    return memoryview(cast(Any, array)).cast("B").cast("q")


def _read_only(rows: Events) -> Events:
    """A read-only view of ``rows`` for the kernel: one compiled type whether or not the caller's array is writable
    (a read-only array, e.g. ``np.load(mmap_mode="r")``, would otherwise compile the kernel a second time)."""
    view = rows.view()
    view.flags.writeable = False
    return view


def _raw(rows: Events) -> npt.NDArray[np.void]:
    """Events as opaque fixed-size records: copying these is a plain memory copy (structured copies are not)."""
    raw: npt.NDArray[np.void] = rows.view(np.dtype((np.void, EVENT_DTYPE.itemsize)))
    return raw


def _open_data(
    data: Events | Iterable[Events], chunk_size: int, total_events: int | None
) -> tuple[Iterator[Events], int | None]:
    if isinstance(data, np.memmap):
        return _release_behind(data, chunk_size), len(data) if total_events is None else total_events
    if isinstance(data, np.ndarray):
        return iter_chunks(data, chunk_size), len(data) if total_events is None else total_events
    if isinstance(data, Sequence):
        total = sum(len(chunk) for chunk in data) if total_events is None else total_events
        return iter(data), total
    return iter(data), total_events


def _release_behind(events: np.memmap[Any, Any], chunk_size: int) -> Iterator[Events]:
    """`iter_chunks` over a memory map that gives each chunk's pages back to the system when the next chunk is asked
    for (the venue has copied the rows it keeps by then: `_load_more`), so a replay's resident memory stays at
    about one chunk of the file rather than growing with it. Only the mapping's pages are dropped
    (``MADV_DONTNEED`` on a file mapping): the file and the data stay as they are, and a page read again is read
    back from the file. Where the platform has no ``madvise`` the chunks are plain views."""
    mapped = getattr(events, "_mmap", None)
    if mapped is None or not hasattr(mapped, "madvise") or not hasattr(mmap, "MADV_DONTNEED"):
        yield from iter_chunks(events, chunk_size)
        return
    start_address = np.frombuffer(mapped, dtype=np.uint8).ctypes.data
    page = mmap.PAGESIZE
    for start in range(0, len(events), chunk_size):
        chunk = events[start : start + chunk_size]
        yield chunk
        first = chunk.ctypes.data - start_address
        low = first // page * page
        mapped.madvise(mmap.MADV_DONTNEED, low, first + chunk.nbytes - low)


def _grow_ring(ring: npt.NDArray[np.int64], st: npt.NDArray[np.int64], head_at: int, count_at: int) -> Any:
    """A ring twice as large holding the same rows, oldest first, from row 0."""
    head = int(st[head_at])
    count = int(st[count_at])
    size = len(ring)
    order = (head + np.arange(count)) % size
    grown = np.zeros((2 * size, ring.shape[1]), dtype=ring.dtype)
    grown[:count] = ring[order]
    st[head_at] = 0
    return grown
