"""`CompiledSimulatedVenue`: the simulated market run by the compiled event kernel, Python only per strategy decision.

It is a `SimulatedVenue` in every respect the strategy, the engine and the run records can see: the same
constructor, the same markets, participants, latencies and seeds, the same fills, reports, public feed and
participant statistics, to the draw (`hft_core.venues.simulated._kernel` mirrors the Python venue's handlers, and the
tests hold the two together), strategy triggers included (`set_trigger`: the kernel evaluates them by
`TriggerState`'s rules). The Python `SimulatedVenue` stays the reference implementation and the one that keeps a
message log (`record_messages`): this venue refuses it with a message naming the reference. Its exchange books are
compiled state: `exchange_engine` is the reference's.

How it runs: the constructor is `SimulatedVenue`'s (validation, participants and their random streams); `start`
copies all of it into one `_kernel.SimState` (parameters as integer/float tables, each participant's Mersenne
Twister state as words) and runs the opening there; `advance` runs the kernel's event loop to the stopping time the
reference would reach and turns the kernel's output rows into `Report` and `PublicTrade` records. The fair-value
path is handed to the kernel a window of chunks at a time, so its memory stays flat in the run's length as the
reference's does.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from hft_core.events import Events, empty_events
from hft_core.matching import MatchingEngine, OrderReason, OrderStatus, OrderType
from hft_core.matching.feed import flat_rows_to_events
from hft_core.venues.base import (
    Advance,
    PublicTrade,
    Report,
    TopOfBook,
    TriggerSpec,
    TriggerState,
    Watch,
    microprice,
)
from hft_core.venues.simulated import _kdraws as kd
from hft_core.venues.simulated import _kernel as kn
from hft_core.venues.simulated import _kmatch as km
from hft_core.venues.simulated.fair import FairValuePaths, StreamedFairValues
from hft_core.venues.simulated.informed import InformedTaker
from hft_core.venues.simulated.latency import Latency, Link
from hft_core.venues.simulated.participants import (
    ImbalanceFollower,
    LiquidityProvider,
    MomentumFollower,
    NoiseTaker,
    QuotingMaker,
    ValueTrader,
    hawkes_arrivals,
)
from hft_core.venues.simulated.racers import LaggingMaker, Sniper
from hft_core.venues.simulated.venue import (
    DEFAULT_START_NS,
    GatewayStats,
    MarketSpec,
    ParticipantStats,
    SimulatedVenue,
    VenueSpec,
)

__all__ = ["CompiledSimulatedVenue"]

_NS_PER_S = 1_000_000_000
_STATUS = {int(status): status for status in OrderStatus}
_REASON = {int(reason): reason for reason in OrderReason}
_FAIR_CHUNKS_AHEAD = 2
"""Whole fair-value chunks the kernel holds past the one the clock is in (besides the look-ahead's)."""


class CompiledSimulatedVenue(SimulatedVenue):
    """`SimulatedVenue`, run in compiled code (see the module docstring); same constructor, same results."""

    def __init__(
        self,
        markets: Sequence[MarketSpec],
        venues: Sequence[VenueSpec],
        fair_values: FairValuePaths | StreamedFairValues,
        *,
        seed: int,
        duration_s: float,
        start_ns: int = DEFAULT_START_NS,
        name: str = "simulated",
        record: bool = False,
    ) -> None:
        super().__init__(
            markets, venues, fair_values, seed=seed, duration_s=duration_s, start_ns=start_ns, name=name, record=record
        )
        self._state: Any = None
        self._reg = self._mk = self._gw = self._counts = np.zeros((0, 0), dtype=np.int64)
        self._tgf = np.zeros((0, 0), dtype=np.float64)
        """The kernel state's fixed tables (`_kernel.tables`), set at `start`."""
        self._triggers: list[TriggerState | None] = [None] * len(self._markets)
        """The strategy's triggers as set (`set_trigger`), for the kernel's tables at `start`."""
        self._lookahead_ns = 0
        self._fair_chunks: list[int] = [-1, -1]  # the chunk range [first, last] the kernel holds
        self._fair_bound = 0
        """The latest time (ns) the kernel may run to with the fair values it holds (`_load_fair`)."""
        self._depth_prices = np.zeros(64, dtype=np.int64)
        self._depth_qtys = np.zeros(64, dtype=np.int64)

    # -- building the kernel's state ---------------------------------------------------------------------------
    def start(self) -> int:
        """Copy the markets, gateways and participants into the kernel and run the opening there."""
        if self._started:
            raise RuntimeError("the simulated venue has already started")
        self._started = True
        self._state = self._build_state()
        self._reg, self._mk, self._gw, self._counts, self._tgf = kn.tables(self._state)
        for index, trigger in enumerate(self._triggers):
            self._write_trigger(index, trigger)
        self._fair_bound = self._load_fair(self._start)
        kn.start(self._state, self._start, self._end)
        return self._start

    def _build_state(self) -> Any:
        markets = self._markets
        gateways = list(self._gateways.values())
        gateway_index = {id(gateway): g for g, gateway in enumerate(gateways)}
        agents = self._agents
        streams: list[random.Random] = []
        links: list[tuple[Link, int]] = []

        def stream(rng: random.Random) -> int:
            for row, known in enumerate(streams):
                if known is rng:
                    return row
            streams.append(rng)
            return len(streams) - 1

        def link(value: Link) -> int:
            links.append((value, -1 if value._rng is None else stream(value._rng)))
            return len(links) - 1

        gw = np.zeros((len(gateways), kn.G_SIZE), dtype=np.int64)
        for g, gateway in enumerate(gateways):
            gw[g, kn.G_SERVICE] = gateway.stats.service_ns
            gw[g, kn.G_ENTRY] = link(gateway.entry)
            gw[g, kn.G_RESPONSE] = link(gateway.response)
            gw[g, kn.G_FEED] = link(gateway.feed)
        mk = np.zeros((len(markets), kn.MK_SIZE), dtype=np.int64)
        for m, market in enumerate(markets):
            mk[m, kn.MK_GATEWAY] = gateway_index[id(market._gateway)]
            mk[m, kn.MK_FAIR_ORIGIN] = market._fair_origin
            mk[m, kn.MK_FAIR_STEP] = market._fair_step_ns
            mk[m, kn.MK_FAIR_LAST] = market._fair_last_point
        ai = np.zeros((len(agents), kn.A_SIZE), dtype=np.int64)
        af = np.zeros((len(agents), kn.F_SIZE), dtype=np.float64)
        aux: list[npt.NDArray[np.int64]] = []
        observers: list[tuple[int, int]] = []
        lookahead = 0
        for a, agent in enumerate(agents):
            spec: Any = agent._spec  # type: ignore[attr-defined]
            market = agent._market  # type: ignore[attr-defined]
            rng: random.Random = agent._rng  # type: ignore[attr-defined]
            row, frow = ai[a], af[a]
            row[kn.A_OWNER] = agent._owner  # type: ignore[attr-defined]
            row[kn.A_MARKET] = market.index
            row[kn.A_STREAM] = stream(rng)
            row[kn.A_AUX] = len(aux)
            if isinstance(spec, LiquidityProvider):
                row[kn.A_KIND] = kn.K_LP
                frow[:6] = (
                    spec.order_rate, spec.distance_mean_ticks, spec.half_spread_ticks, spec.lifetime_mean_s,
                    spec.fair_weight, agent._cancel_rate,  # type: ignore[attr-defined]
                )  # fmt: skip
                row[kn.LP_SIZE_MIN], row[kn.LP_SIZE_MAX] = spec.size_min, spec.size_max
                row[kn.LP_SEED_BOOK], row[kn.LP_CANCEL_STALE] = spec.seed_book, spec.cancel_stale
                aux.extend((np.zeros((64, 2), dtype=np.int64), np.zeros((64, 2), dtype=np.int64)))
            elif isinstance(spec, NoiseTaker):
                row[kn.A_KIND] = kn.K_NOISE
                frow[:4] = (spec.rate, spec.buy_probability, spec.size_median, spec.size_log_sd)
                row[kn.NT_SIZE_MIN], row[kn.NT_SIZE_MAX] = spec.size_min, spec.size_max
                if spec.hawkes_branching != 0.0:
                    row[kn.NT_HAWKES] = 1
                    offsets, sides = hawkes_arrivals(spec, rng, self._start, self._end)
                    aux.append(np.ascontiguousarray(np.stack([offsets, sides], axis=1), dtype=np.int64))
            elif isinstance(spec, ImbalanceFollower):
                row[kn.A_KIND] = kn.K_IMBALANCE
                frow[:3] = (spec.look_rate, spec.threshold, spec.take_probability)
                row[kn.IF_LEVELS], row[kn.IF_SIZE_MIN], row[kn.IF_SIZE_MAX] = spec.levels, spec.size_min, spec.size_max
                row[kn.IF_LATENCY] = spec.latency_ns
                row[kn.IF_COOLDOWN] = agent._cooldown_ns  # type: ignore[attr-defined]
                row[kn.IF_LIFETIME] = agent._lifetime_ns  # type: ignore[attr-defined]
            elif isinstance(spec, MomentumFollower):
                row[kn.A_KIND] = kn.K_MOMENTUM
                frow[:2] = (spec.look_rate, agent._threshold)  # type: ignore[attr-defined]
                row[kn.MF_SIZE_MIN], row[kn.MF_SIZE_MAX] = spec.size_min, spec.size_max
                row[kn.MF_LATENCY] = spec.latency_ns
                row[kn.MF_COOLDOWN] = agent._cooldown_ns  # type: ignore[attr-defined]
                row[kn.MF_LOOKBACK] = agent._lookback_ns  # type: ignore[attr-defined]
                aux.append(np.zeros((64, 2), dtype=np.int64))
            elif isinstance(spec, ValueTrader):
                row[kn.A_KIND] = kn.K_VALUE
                frow[:2] = (spec.look_rate, spec.edge_ticks)
                row[kn.VT_SIZE_MIN], row[kn.VT_SIZE_MAX] = spec.size_min, spec.size_max
                row[kn.VT_LATENCY] = spec.latency_ns
            elif isinstance(spec, QuotingMaker):
                row[kn.A_KIND] = kn.K_QM
                frow[:2] = (spec.requote_rate, spec.half_spread_ticks)
                row[kn.QM_SIZE], row[kn.QM_LATENCY] = spec.size, spec.latency_ns
            elif isinstance(spec, InformedTaker):
                row[kn.A_KIND] = kn.K_INFORMED
                frow[:4] = (spec.rate, spec.size_median, spec.size_log_sd, spec.react_probability)
                row[kn.IT_SIZE_MIN], row[kn.IT_SIZE_MAX] = spec.size_min, spec.size_max
                row[kn.IT_LATENCY] = spec.latency_ns
                row[kn.IT_HORIZON] = agent._horizon_ns  # type: ignore[attr-defined]
                row[kn.IT_REACT_LATENCY], row[kn.IT_REACT_JITTER] = spec.react_latency_ns, spec.react_jitter_ns
                lookahead = max(lookahead, int(row[kn.IT_HORIZON]))
            elif isinstance(spec, LaggingMaker):
                row[kn.A_KIND] = kn.K_LAGGING
                frow[0] = spec.half_spread_ticks
                row[kn.LM_LEAD], row[kn.LM_SIZE] = spec.lead, spec.size
                row[kn.LM_FEED_LINK] = link(agent._feed)  # type: ignore[attr-defined]
                row[kn.LM_ORDER_LINK] = link(agent._orders)  # type: ignore[attr-defined]
                observers.append((spec.lead, a))
            elif isinstance(spec, Sniper):
                row[kn.A_KIND] = kn.K_SNIPER
                frow[0] = agent._threshold2  # type: ignore[attr-defined]
                row[kn.SN_LEAD], row[kn.SN_SIZE], row[kn.SN_COOLDOWN] = spec.lead, spec.size, spec.cooldown_ns
                row[kn.SN_FEED_LINK] = link(agent._feed)  # type: ignore[attr-defined]
                row[kn.SN_ORDER_LINK] = link(agent._orders)  # type: ignore[attr-defined]
                aux.append(np.zeros((8, 3), dtype=np.int64))
                observers.append((spec.lead, a))
            else:
                raise ValueError(
                    f"the compiled simulated market has no {spec.kind!r} participant: run it on the reference "
                    "SimulatedVenue"
                )
            if len(aux) == row[kn.A_AUX]:
                row[kn.A_AUX] = -1
        self._lookahead_ns = lookahead
        mt = np.zeros((max(len(streams), 1), kd.MT_STATE_SIZE), dtype=np.uint32)
        for row_index, rng in enumerate(streams):
            mt[row_index] = kd.mt_state(rng)
        link_table = np.zeros((len(links), kn.L_SIZE), dtype=np.int64)
        for k, (value, stream_row) in enumerate(links):
            latency: Latency = value.latency
            link_table[k] = (
                latency.base_ns, latency.jitter_ns, kd.JITTER_CODES[latency.kind], value._last, stream_row
            )  # fmt: skip
        engines = [km.new_state(m, stp=market.engine.stp) for m, market in enumerate(markets)]
        return kn.new_state(
            start_ns=self._start,
            mk=mk,
            fair=np.zeros((len(markets), 1), dtype=np.float64),
            tgf=np.zeros((len(markets), kn.TGF_SIZE), dtype=np.float64),
            gw=gw,
            links=link_table,
            n_owners=len(self._stats),
            ai=ai,
            af=af,
            mt=mt,
            aux=aux,
            engines=engines,
            observers=np.array(observers if observers else [(-1, -1)], dtype=np.int64).reshape(-1, 2),
            record=self._recording,
        )

    # -- the fair-value window -------------------------------------------------------------------------------------
    def _point(self, m: int, t: int) -> int:
        market = self._markets[m]
        point = (t - market._fair_origin) // market._fair_step_ns
        return min(max(point, 0), market._fair_last_point)

    def _load_fair(self, now: int) -> int:
        """Hand the kernel the fair ticks it needs from ``now`` on; returns the last time it may run to with them.

        The kernel reads a market's fair value at ``t − 1`` ns, ``t`` and ``t + lookahead`` (an informed taker's
        horizon) for every event time ``t`` it reaches: it holds whole chunks from the one ``now − 1`` lies in.
        """
        source = self._markets[0]._fair_source  # (one source for every market: `SimulatedVenue`'s fair_values)
        chunk_points = source.chunk_points
        markets = self._markets
        first = min(self._point(m, now - 1) for m in range(len(markets))) // chunk_points
        reach = max(self._point(m, now + self._lookahead_ns) for m in range(len(markets))) // chunk_points
        last = reach + _FAIR_CHUNKS_AHEAD
        n_chunks = -(-source.n_points // chunk_points)
        last = min(last, n_chunks - 1)
        state = self._state
        if self._fair_chunks != [first, last]:
            points = min((last + 1) * chunk_points, source.n_points) - first * chunk_points
            fair = np.zeros((len(markets), points), dtype=np.float64)
            for m, market in enumerate(markets):
                tick = market.instrument.tick_size
                path = market._fair_path
                if isinstance(source, FairValuePaths):
                    fair[m] = source.prices[path][first * chunk_points : first * chunk_points + points] / tick
                else:
                    fair[m] = np.concatenate([source.chunk(path, c) for c in range(first, last + 1)]) / tick
            kn.set_fair(state, fair)
            mk = self._mk
            mk[:, kn.MK_FAIR_FIRST] = first * chunk_points
            mk[:, kn.MK_FAIR_SIZE] = points
            self._fair_chunks = [first, last]
        if last == n_chunks - 1:
            return self._end + 1  # the whole rest of the path (points past it hold the last value)
        # the latest t whose look-ahead point is still inside chunk `last`, for every market
        bound = self._end + 1
        for market in markets:
            end_point = (last + 1) * chunk_points  # the first point not held
            latest = market._fair_origin + end_point * market._fair_step_ns - 1 - self._lookahead_ns
            bound = min(bound, latest)
        return bound

    # -- the Venue protocol ----------------------------------------------------------------------------------------
    def advance(self, until: int, watch: Watch) -> Advance:
        """`SimulatedVenue.advance`, run by the kernel."""
        if not self._started:
            raise RuntimeError("call start() before advance()")
        state = self._state
        reg = self._reg
        now = int(reg[kn.RG_NOW])
        if until < now:
            raise ValueError(f"advance(until={until}) is before the venue's current time {now}")
        mk = self._mk
        n_markets = len(self._markets)
        books = watch.book[:n_markets] + (False,) * (n_markets - len(watch.book[:n_markets]))
        trades = watch.trades[:n_markets] + (False,) * (n_markets - len(watch.trades[:n_markets]))
        mk[:, kn.MK_WATCH_BOOK] = books
        mk[:, kn.MK_WATCH_TRADES] = trades
        reg[kn.RG_BOOK_FROM] = watch.book_from
        limit = min(until, self._end)
        if any(mk[i, kn.MK_DIRTY] and books[i] for i in range(n_markets)):
            limit = min(limit, max(watch.book_from, now))
        reg[kn.RG_LIMIT] = max(limit, now)
        while True:
            if reg[kn.RG_NOW] >= self._fair_bound:
                self._fair_bound = self._load_fair(int(reg[kn.RG_NOW]))
            bound = self._fair_bound
            next_event = kn.run(state, bound)
            if reg[kn.RG_LIMIT] <= bound or next_event < 0 or next_event > reg[kn.RG_LIMIT]:
                break
            reg[kn.RG_NOW] = bound
        now = int(reg[kn.RG_LIMIT])
        reg[kn.RG_NOW] = now
        book_changed = tuple(i for i in range(n_markets) if books[i] and mk[i, kn.MK_DIRTY] and now >= watch.book_from)
        for i in book_changed:
            mk[i, kn.MK_DIRTY] = 0
        n_reports = int(reg[kn.RG_N_REPORTS])
        n_trades = int(reg[kn.RG_N_TRADES])
        out_rep, out_trd, _ = kn.outputs(state)
        reports: list[Report] = []
        rows = None
        if n_reports:
            out = out_rep[:n_reports]
            if watch.rows:
                rows = out.copy()
            else:
                reports = [
                    Report(ts, inst, oid, _STATUS[status], _REASON[reason], side, price, leaves, qty, fill, bool(maker))
                    for ts, inst, oid, status, reason, side, price, leaves, qty, fill, maker in out.tolist()
                ]
            reg[kn.RG_N_REPORTS] = 0
        public: list[PublicTrade] = []
        if n_trades:
            public = [PublicTrade(*row) for row in out_trd[:n_trades].tolist()]
            reg[kn.RG_N_TRADES] = 0
        triggered: tuple[tuple[int, int], ...] = ()
        fired = mk[:, kn.MK_TG_FIRED]
        if fired.any():
            triggered = tuple((i, bits) for i, bits in enumerate(fired.tolist()) if bits)
            for i, _ in triggered:  # `TriggerState.woke`: the references move to the book the strategy sees now
                bid, bid_qty, ask, ask_qty = self.top(i)
                if bid is not None and ask is not None:
                    mk[i, kn.MK_TG_REF_MID2] = bid + ask
                    self._tgf[i, kn.TGF_REF_MICRO] = microprice(bid, bid_qty, ask, ask_qty)
                    mk[i, kn.MK_TG_HAS_REF] = 1
            fired[:] = 0
        return Advance(now, reports, public, book_changed, now >= self._end, rows, triggered)

    def set_trigger(self, instrument: int, spec: TriggerSpec | None) -> None:
        """`SimulatedVenue.set_trigger`: the kernel evaluates the trigger (`_kernel._trigger_row`, the rules of
        `TriggerState`), which starts from the book the strategy sees now."""
        index = self._check_instrument(instrument)
        trigger = None if spec is None else TriggerState(spec, self.top(index))
        self._triggers[index] = trigger
        if self._state is not None:
            self._write_trigger(index, trigger)

    def _write_trigger(self, index: int, trigger: TriggerState | None) -> None:
        """``trigger`` (its spec and state) into the kernel's tables for market ``index``; None: no trigger."""
        row, floats = self._mk[index], self._tgf[index]
        row[kn.MK_TG_FIRED] = 0
        if trigger is None:
            row[kn.MK_TG_FLAGS] = 0
            return
        spec = trigger.spec
        row[kn.MK_TG_FLAGS] = spec.flags
        row[kn.MK_TG_MID_TICKS], row[kn.MK_TG_MID_ABOVE], row[kn.MK_TG_MID_BELOW] = (
            spec.mid_ticks, spec.mid_above, spec.mid_below,
        )  # fmt: skip
        row[kn.MK_TG_BEST_QTY] = spec.best_qty_below
        row[kn.MK_TG_TRADE_ABOVE], row[kn.MK_TG_TRADE_BELOW] = spec.trade_above, spec.trade_below
        floats[kn.TGF_MICRO_TICKS], floats[kn.TGF_IMBALANCE] = spec.microprice_ticks, spec.imbalance
        row[kn.MK_TG_HELD] = trigger.held
        row[kn.MK_TG_HAS_REF] = trigger.ref_mid2 is not None
        row[kn.MK_TG_REF_MID2] = trigger.ref_mid2 or 0
        floats[kn.TGF_REF_MICRO] = trigger.ref_micro or 0.0

    def submit(
        self, now: int, instrument: int, order_id: int, side: int, order_type: OrderType, price: int, qty: int
    ) -> None:
        """Send a new order; it reaches the engine at ``now + entry_ns`` (plus any gateway queueing)."""
        market = self._strategy_market(now, instrument)
        if order_id in market.strategy_ids_seen:
            raise ValueError(f"order id {order_id} was already used on instrument {instrument}")
        market.strategy_ids_seen.add(order_id)
        kn.strategy_message(self._state, now, instrument, kn.OP_STRATEGY_SUBMIT, side, int(order_type), price, qty,
                            order_id)  # fmt: skip

    def cancel(self, now: int, instrument: int, order_id: int) -> None:
        """Ask to cancel; CANCELLED follows, or REJECTED (``UNKNOWN_ORDER``) if the order is no longer open."""
        self._strategy_market(now, instrument)
        kn.strategy_message(self._state, now, instrument, kn.OP_STRATEGY_CANCEL, 0, int(OrderType.LIMIT), 0, 0,
                            order_id)  # fmt: skip

    def modify(self, now: int, instrument: int, order_id: int, price: int, qty: int) -> None:
        """Ask to change an order's price and open quantity (``qty`` = new leaves), per `MatchingEngine.modify`."""
        self._strategy_market(now, instrument)
        kn.strategy_message(self._state, now, instrument, kn.OP_STRATEGY_MODIFY, 0, int(OrderType.LIMIT), price, qty,
                            order_id)  # fmt: skip

    def top(self, instrument: int) -> TopOfBook:
        """The top of book as the strategy sees it now (the exchange's, ``feed_ns`` ago)."""
        index = self._check_instrument(instrument)
        if self._state is None:
            return TopOfBook(None, 0, None, 0)
        bid, bid_qty, ask, ask_qty = kn.view_top(self._state, index)
        return TopOfBook(
            int(bid) if bid_qty >= 0 else None,
            max(int(bid_qty), 0),
            int(ask) if ask_qty >= 0 else None,
            max(int(ask_qty), 0),
        )

    def depth(self, instrument: int, side: int, levels: int) -> list[tuple[int, int]]:
        """Up to ``levels`` (price, qty) of ``side`` as the strategy sees it, best first."""
        if side != 1 and side != -1:
            raise ValueError(f"side must be BUY (1) or SELL (-1), got {side!r}")
        index = self._check_instrument(instrument)
        if self._state is None or levels <= 0:
            return []
        if levels > len(self._depth_prices):
            self._depth_prices = np.zeros(levels, dtype=np.int64)
            self._depth_qtys = np.zeros(levels, dtype=np.int64)
        n = kn.view_depth(self._state, index, side, self._depth_prices[:levels], self._depth_qtys[:levels])
        return list(zip(self._depth_prices[:n].tolist(), self._depth_qtys[:n].tolist(), strict=True))

    def progress(self) -> float:
        return min(max((self.now - self._start) / self._duration_ns, 0.0), 1.0)

    # -- beyond the protocol ---------------------------------------------------------------------------------------
    @property
    def now(self) -> int:
        """The simulation's current time (ns): where the last `advance` stopped."""
        return self._start if self._state is None else int(self._reg[kn.RG_NOW])

    def exchange_engine(self, instrument: int) -> MatchingEngine:
        """Not available: the exchange books are compiled state here (the reference `SimulatedVenue` has them)."""
        raise RuntimeError("the compiled simulated market keeps its books in compiled state: inspect them on the "
                           "reference SimulatedVenue")  # fmt: skip

    def fair_price(self, instrument: int) -> float:
        """The fair value of a market now, in price units, as its participants see it."""
        market = self._markets[self._check_instrument(instrument)]
        return market.fair_ticks(self.now) * market.instrument.tick_size

    def participant_stats(self) -> tuple[ParticipantStats, ...]:
        """Every participant's record (the strategy first), in owner-id order."""
        records = []
        for owner, record in enumerate(self._stats):
            if owner == 0:
                continue
            copy = ParticipantStats(record.owner, record.kind, record.instrument)
            if self._state is not None:
                row = self._counts[owner]
                copy.messages = int(row[kn.S_MESSAGES])
                copy.bought, copy.sold = int(row[kn.S_BOUGHT]), int(row[kn.S_SOLD])
                copy.queue_wait_ns, copy.max_queue_wait_ns = int(row[kn.S_QUEUE_WAIT]), int(row[kn.S_MAX_QUEUE_WAIT])
                copy.bought_value, copy.sold_value = int(row[kn.S_BOUGHT_VALUE]), int(row[kn.S_SOLD_VALUE])
            records.append(copy)
        return tuple(records)

    def gateway_stats(self, venue: str) -> GatewayStats:
        """The message-rate record of ``venue``'s gateway."""
        names = list(self._gateways)
        if venue not in self._gateways:
            raise ValueError(f"unknown venue {venue!r}; venues: {sorted(self._gateways)}")
        g = names.index(venue)
        record = GatewayStats(venue, self._gateways[venue].stats.service_ns)
        if self._state is not None:
            row = self._gw[g]
            record.messages, record.delayed_messages = int(row[kn.G_MESSAGES]), int(row[kn.G_DELAYED])
            record.total_wait_ns, record.max_wait_ns = int(row[kn.G_TOTAL_WAIT]), int(row[kn.G_MAX_WAIT])
        return record

    def recorded_market_data(self) -> Events:
        """The public feed of every market so far, ``local_ts`` = when the strategy sees it, sorted by ``local_ts``."""
        if not self._recording:
            raise RuntimeError("construct the venue with record=True to keep its market data")
        if self._state is None or not self._reg[kn.RG_N_TAPE]:
            return empty_events()
        words = kn.outputs(self._state)[2][: int(self._reg[kn.RG_N_TAPE])]
        rows = flat_rows_to_events(words.ravel().tolist())
        # the reference concatenates the markets' tapes before its stable sort by local time: ties go by market, then
        # by exchange order; the kernel's tape holds every market's rows in exchange order
        order = np.argsort(rows["instrument"], kind="stable")
        order = order[np.argsort(rows["local_ts"][order], kind="stable")]
        ordered = empty_events(len(rows))
        ordered[:] = rows[order]
        return ordered

    def record_messages(self) -> None:
        """The message log is the reference venue's: this one refuses it."""
        raise RuntimeError(
            "the compiled simulated market keeps no message log: run on the reference SimulatedVenue to record one"
        )

    @property
    def _recording(self) -> bool:
        """Whether the venue was built with ``record=True`` (its markets keep a tape)."""
        return self._markets[0].tape is not None

    def _strategy_market(self, now: int, instrument: int) -> Any:
        if not self._started:
            raise RuntimeError("call start() before sending orders")
        if now < self.now:
            raise ValueError(f"a request at local time {now} is before the venue's current time {self.now}")
        return self._markets[self._check_instrument(instrument)]
