"""The ``index-market``: N constituents, an index future and an ETF, every name's book advanced in numpy.

Instruments, in index order: ``IDXF/<ccy>`` (the future, 0), ``IDXE/USD`` (the ETF, 1), then ``S000/USD`` …
(the constituents, 2 …). One index unit is one share of every constituent (a price-weighted index with divisor 1);
the future and one ETF share are each worth one index unit.

Each market step (``step_ms``) moves every constituent's efficient price by a one-factor return,
``ln p_i += beta_i·f + e_i`` (``f`` common, ``e_i`` the name's own), drawn for all names at once. Every instrument's
book is a ladder of ``LEVELS`` price levels each side around its centre (``half_spread`` ticks from it, the level-k
quantity ``depth·(k+1)``); what takers remove from a side is remembered as a depletion that decays with
``resilience_s``, and each lot taken moves the centre by ``impact_bp`` (permanent impact). The centres:

- constituents: their efficient price;
- the future: its traders price it off cost of carry, ``F*(S(t − lag))·(1 + b_t)``, from the index level
  ``future_lag_ms`` ago and an Ornstein–Uhlenbeck basis noise ``b`` (stationary sd ``future_noise_bp``, mean
  reversion time ``future_reversion_s``);
- the ETF: ``NAV(t − lag)·(1 + pi_t)``, ``pi`` an OU premium; whenever ``|pi|`` exceeds the authorised
  participants' cost ``ap_cost_bp`` they create (premium) or redeem (discount) ``ap_units`` baskets, which puts
  ``pi`` back to the cost and buys (sells) ``ap_units`` shares of every constituent, with their impact.

Nothing here holds a Python object per name: a step is a few numpy operations on arrays of length N + 2, so N = 500
costs little more than N = 20. The strategy's orders reach the market ``entry_latency_us`` after they are sent and
its reports come back ``response_latency_us`` later; the strategy sees the books as the market has them (no feed delay).
Market, IOC and FOK orders take from the ladder at once; a limit order's remainder rests until the opposite side
of the book reaches its price, and then fills whole at its price as maker; a post-only order that would cross is
rejected.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import numpy.typing as npt
from hft_core import (
    BUY,
    SELL,
    Advance,
    FeeSchedule,
    Instrument,
    OrderReason,
    OrderStatus,
    OrderType,
    Report,
    TopOfBook,
    Watch,
)

from hft_index_arb.config import IndexMarketConfig
from hft_index_arb.fairvalue import Carry, fair_future

__all__ = ["LEVELS", "START_NS", "IndexVenue"]

LEVELS = 5
"""Price levels each side of every book."""
START_NS = 1_704_205_800_000_000_000
"""2024-01-02 14:30 UTC, the start of every simulated market's clock."""
_NS_PER_S = 1_000_000_000
_SECONDS_PER_YEAR = 365.0 * 86_400.0
_FUTURE, _ETF, _FIRST_NAME = 0, 1, 2
_FILLED, _PARTIAL = OrderStatus.FILLED, OrderStatus.PARTIALLY_FILLED
_NONE = OrderReason.NONE

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class IndexVenue:
    """The ``index-market`` (module docstring), implementing hft-core's `Venue` protocol."""

    def __init__(self, spec: IndexMarketConfig, *, seed: int, duration_s: float, name: str = "index-market") -> None:
        if not math.isfinite(duration_s) or duration_s <= 0:
            raise ValueError(f"duration_s must be finite and > 0, got {duration_s!r}")
        self.spec = spec
        self._name = f"simulated:{name}({spec.names} names)"
        self._rng = np.random.default_rng([seed, 20])
        rng = self._rng
        n, total = spec.names, spec.names + 2
        self._start = START_NS
        self._end = START_NS + round(duration_s * _NS_PER_S)
        self._step_ns = max(1, round(spec.step_ms * 1e6))
        self._entry_ns = round(spec.entry_latency_us * 1e3)
        self._response_ns = round(spec.response_latency_us * 1e3)
        self._dt = self._step_ns / _NS_PER_S
        # Constituents' draws: price, beta, own volatility, half spread, depth.
        self.prices: FloatArray = np.round(rng.uniform(spec.price_low, spec.price_high, n), 2)
        self.betas: FloatArray = rng.uniform(0.7, 1.3, n)
        self.idio: FloatArray = spec.idio_vol_bp * 1e-4 * rng.uniform(0.5, 1.5, n)
        half = np.empty(total, dtype=np.int64)
        half[_FUTURE], half[_ETF] = spec.future_half_spread_ticks, spec.etf_half_spread_ticks
        half[_FIRST_NAME:] = rng.integers(1, max(spec.half_spread_ticks, 1) + 1, n)
        depth = np.empty(total)
        depth[_FUTURE], depth[_ETF] = spec.future_depth_lots, spec.etf_depth_lots
        depth[_FIRST_NAME:] = np.maximum(1.0, np.round(spec.depth_lots * np.exp(0.5 * rng.standard_normal(n))))
        self.half_spread: IntArray = half
        self.first_level: FloatArray = depth
        self.ticks: FloatArray = np.full(total, 0.01)
        self.ticks[_FUTURE] = spec.future_tick
        self._level_qty = np.outer(depth, np.arange(1, LEVELS + 1, dtype=np.float64))  # (instruments, levels)
        self._level_cum = np.cumsum(self._level_qty, axis=1)
        self._depleted = np.zeros((2, total))  # [0]: bids taken, [1]: asks taken
        self._decay = math.exp(-self._dt / spec.resilience_s) if spec.resilience_s > 0 else 0.0
        self.basis = 0.0
        self.premium = 0.0
        self.creations = 0
        self.redemptions = 0
        lag_steps = max(round(spec.future_lag_ms * 1e6 / self._step_ns), round(spec.etf_lag_ms * 1e6 / self._step_ns))
        self._history: deque[float] = deque([float(self.prices.sum())], maxlen=lag_steps + 1)
        self._future_lag = round(spec.future_lag_ms * 1e6 / self._step_ns)
        self._etf_lag = round(spec.etf_lag_ms * 1e6 / self._step_ns)
        self.centres: FloatArray = np.empty(total)
        self._update_centres(self._start)
        fees = FeeSchedule(maker=spec.maker_fee_bp * 1e-4, taker=spec.taker_fee_bp * 1e-4)
        self._instruments = (
            Instrument(f"IDXF/{spec.future_currency}", spec.future_tick, venue="index", fees=fees),
            Instrument(f"IDXE/{spec.currency}", 0.01, venue="index", fees=fees),
            *(Instrument(f"S{i:03d}/{spec.currency}", 0.01, venue="index", fees=fees) for i in range(n)),
        )
        self._ladders: list[tuple[IntArray, IntArray]] = []
        self._tops: IntArray = self._compute_tops()
        self._dirty = np.zeros(total, dtype=bool)
        self._now = self._start
        self._next_step = self._start + self._step_ns
        self._steps = 0
        self._pending: deque[tuple[int, int, int, int, int, int, int, int]] = deque()
        # (arrival ns, op, instrument, order id, side, type, price, qty); op 0 submit, 1 cancel, 2 modify
        self._resting: dict[int, list[int]] = {}  # order id -> [instrument, side, price, leaves]
        self._reports: deque[Report] = deque()
        self._started = False

    # -- the market ------------------------------------------------------------------------------------------
    def index_level(self) -> float:
        """The index now: the sum of the constituents' efficient prices (one share each)."""
        return float(self.prices.sum())

    def years_to_expiry(self, now: int) -> float:
        """The future's time to expiry at local time ``now``, in years."""
        return max(self.spec.expiry_days * 86_400.0 - (now - self._start) / _NS_PER_S, 0.0) / _SECONDS_PER_YEAR

    def future_fair(self, spot: float, now: int) -> float:
        """What the future's traders take as its value for an index level ``spot`` (cost of carry)."""
        spec = self.spec
        elapsed = (now - self._start) / _NS_PER_S / _SECONDS_PER_YEAR
        dividends = tuple((when - elapsed, d) for when, d in spec.dividends() if when >= elapsed)
        return fair_future(spot, Carry(spec.rate, spec.dividend_yield, self.years_to_expiry(now), dividends))

    def _lagged(self, steps: int) -> float:
        history = self._history
        return history[max(len(history) - 1 - steps, 0)]

    def _update_centres(self, now: int) -> None:
        centres = self.centres
        centres[_FUTURE] = self.future_fair(self._lagged(self._future_lag), now) * (1.0 + self.basis)
        centres[_ETF] = self._lagged(self._etf_lag) * (1.0 + self.premium)
        centres[_FIRST_NAME:] = self.prices

    def _compute_tops(self) -> IntArray:
        """Every book's visible ladder (kept for `depth`) and its top: (instruments × 4) int64 of bid price, bid
        qty, ask price, ask qty in ticks/lots (price −1 = empty side)."""
        inner = np.floor(self.centres / self.ticks).astype(np.int64)
        bid0 = inner - (self.half_spread - 1)
        ask0 = bid0 + 2 * self.half_spread - 1
        steps = np.arange(LEVELS, dtype=np.int64)
        before = self._level_cum - self._level_qty
        rows = np.arange(inner.size)
        tops = np.empty((inner.size, 4), dtype=np.int64)
        ladders = []
        for column, side, prices in ((0, 0, bid0[:, None] - steps), (2, 1, ask0[:, None] + steps)):
            taken = np.maximum(self._depleted[side][:, None], before)
            visible = np.floor(np.clip(self._level_cum - taken, 0.0, self._level_qty) + 1e-9).astype(np.int64)
            ladders.append((prices, visible))
            shown = visible > 0
            level = np.argmax(shown, axis=1)
            empty = ~shown.any(axis=1)
            tops[:, column] = np.where(empty, -1, prices[rows, level])
            tops[:, column + 1] = np.where(empty, 0, visible[rows, level])
        self._ladders = ladders
        self._top_rows: list[list[int]] = tops.tolist()
        return tops

    def _ladder(self, instrument: int, side: int) -> list[tuple[int, int]]:
        """The visible (price, qty) levels of one side (``side`` BUY = bids), best first."""
        prices, visible = self._ladders[0 if side == BUY else 1]
        return [(p, q) for p, q in zip(prices[instrument].tolist(), visible[instrument].tolist(), strict=True) if q > 0]

    def _step(self) -> None:
        """One market step: prices, basis, premium, the authorised participants, the books' recovery."""
        spec = self.spec
        dt = self._dt
        draws = self._rng.standard_normal(spec.names + 3)
        factor = draws[0] * spec.factor_vol_bp * 1e-4 * math.sqrt(dt)
        self.prices *= np.exp(self.betas * factor + self.idio * math.sqrt(dt) * draws[3:])
        for attr, noise_bp, reversion, draw in (
            ("basis", spec.future_noise_bp, spec.future_reversion_s, draws[1]),
            ("premium", spec.etf_noise_bp, spec.etf_reversion_s, draws[2]),
        ):
            keep = math.exp(-dt / reversion) if reversion > 0 else 0.0
            value = getattr(self, attr) * keep + noise_bp * 1e-4 * math.sqrt(1.0 - keep * keep) * draw
            setattr(self, attr, value)
        cost = spec.ap_cost_bp * 1e-4
        if abs(self.premium) > cost:
            sign = 1 if self.premium > 0 else -1
            self.premium = sign * cost
            if sign > 0:
                self.creations += 1
            else:
                self.redemptions += 1
            self.prices *= 1.0 + sign * spec.impact_bp * 1e-4 * spec.ap_units
        self._depleted *= self._decay
        self._depleted[self._depleted < 0.01] = 0.0
        self._history.append(float(self.prices.sum()))
        self._steps += 1

    def _impact(self, instrument: int, signed_lots: int) -> None:
        move = self.spec.impact_bp * 1e-4 * signed_lots
        if instrument == _FUTURE:
            self.basis += move
        elif instrument == _ETF:
            self.premium += move
        else:
            self.prices[instrument - _FIRST_NAME] *= 1.0 + move

    # -- orders ----------------------------------------------------------------------------------------------
    def _report(
        self,
        ts: int,
        instrument: int,
        order_id: int,
        status: OrderStatus,
        reason: OrderReason,
        side: int,
        price: int,
        leaves: int,
        fill_qty: int = 0,
        fill_price: int = 0,
        maker: bool = False,
    ) -> None:
        self._reports.append(
            Report(ts, instrument, order_id, status, reason, side, price, leaves, fill_qty, fill_price, maker)
        )

    def _take(self, t: int, instrument: int, order_id: int, side: int, order_type: int, price: int, qty: int) -> int:
        """Match an incoming order against the ladder; returns what is left of it."""
        reply = t + self._response_ns
        ladder = self._ladder(instrument, SELL if side == BUY else BUY)
        market = order_type == OrderType.MARKET

        def marketable(level_price: int) -> bool:
            return market or (level_price <= price if side == BUY else level_price >= price)

        if order_type == OrderType.POST_ONLY and ladder and marketable(ladder[0][0]):
            self._report(
                reply, instrument, order_id, OrderStatus.REJECTED, OrderReason.POST_ONLY_WOULD_CROSS, side, price, 0
            )
            return 0
        self._report(reply, instrument, order_id, OrderStatus.ACCEPTED, _NONE, side, price, qty)
        if order_type == OrderType.FOK and sum(q for p, q in ladder if marketable(p)) < qty:
            self._report(reply, instrument, order_id, OrderStatus.EXPIRED, OrderReason.FOK_UNFILLABLE, side, price, 0)
            return 0
        leaves = qty
        if order_type != OrderType.POST_ONLY:
            taken = 0
            for level_price, level_qty in ladder:
                if leaves == 0 or not marketable(level_price):
                    break
                fill = min(level_qty, leaves)
                leaves -= fill
                taken += fill
                status = _FILLED if leaves == 0 else _PARTIAL
                self._report(reply, instrument, order_id, status, _NONE, side, price, leaves, fill, level_price)
            if taken:
                self._depleted[0 if side == SELL else 1, instrument] += taken
                self._impact(instrument, side * taken)
                self._refresh()
        if leaves and order_type in (OrderType.MARKET, OrderType.IOC, OrderType.FOK):
            self._report(reply, instrument, order_id, OrderStatus.EXPIRED, OrderReason.IOC_REMAINDER, side, price, 0)
            return 0
        return leaves

    def _refresh(self) -> None:
        """Recompute every book from the centres and depletions now; mark the tops that changed."""
        self._update_centres(self._now)
        tops = self._compute_tops()
        self._dirty |= np.any(tops != self._tops, axis=1)
        self._tops = tops

    def _execute(self, request: tuple[int, int, int, int, int, int, int, int]) -> None:
        t, op, instrument, order_id, side, order_type, price, qty = request
        reply = t + self._response_ns
        if op == 0:
            leaves = self._take(t, instrument, order_id, side, order_type, price, qty)
            if leaves:
                self._resting[order_id] = [instrument, side, price, leaves]
            return
        resting = self._resting.get(order_id)
        if resting is None or resting[0] != instrument:
            self._report(reply, instrument, order_id, OrderStatus.REJECTED, OrderReason.UNKNOWN_ORDER, 0, 0, 0)
            return
        if op == 1:
            del self._resting[order_id]
            self._report(
                reply, instrument, order_id, OrderStatus.CANCELLED, OrderReason.REQUESTED, resting[1], resting[2], 0
            )
            return
        resting[2], resting[3] = price, qty
        self._report(reply, instrument, order_id, OrderStatus.MODIFIED, _NONE, resting[1], price, qty)

    def _fill_resting(self, t: int) -> None:
        """Resting limit orders the opposite side of the book has reached fill whole, at their price, as maker."""
        reply = t + self._response_ns
        for order_id, (instrument, side, price, leaves) in list(self._resting.items()):
            top = self._tops[instrument]
            opposite = top[2] if side == BUY else top[0]
            if opposite < 0 or (side == BUY and opposite > price) or (side == SELL and opposite < price):
                continue
            del self._resting[order_id]
            self._report(reply, instrument, order_id, _FILLED, _NONE, side, price, 0, leaves, price, True)

    # -- the Venue protocol ----------------------------------------------------------------------------------
    @property
    def instruments(self) -> tuple[Instrument, ...]:
        return self._instruments

    @property
    def name(self) -> str:
        return self._name

    @property
    def simulated(self) -> bool:
        return True

    @property
    def now_ns(self) -> int:
        """Where the last `advance` stopped (local time, ns)."""
        return self._now

    @property
    def steps(self) -> int:
        """Market steps run so far; each moves every instrument's book (``steps · (names + 2)`` book updates)."""
        return self._steps

    def start(self) -> int:
        if self._started:
            raise RuntimeError("the index market has already started")
        self._started = True
        return self._start

    def advance(self, until: int, watch: Watch) -> Advance:
        """Run to ``until`` or to the first watched event before it (`hft_core.Venue`'s contract)."""
        if not self._started:
            raise RuntimeError("call start() before advance()")
        if until < self._now:
            raise ValueError(f"advance(until={until}) is before the venue's current time {self._now}")
        watched = np.zeros(self._dirty.size, dtype=bool)
        shown = min(len(watch.book), watched.size)
        watched[:shown] = watch.book[:shown]
        limit = min(until, self._end)
        if (self._dirty & watched).any():
            limit = min(limit, max(watch.book_from, self._now))
        limit = max(limit, self._now)
        while True:
            arrival = self._pending[0][0] if self._pending else math.inf
            t_event = min(self._next_step, arrival)
            if watch.reports and self._reports and self._reports[0].ts <= min(t_event, limit):
                self._now = max(self._reports[0].ts, self._now)
                break
            if t_event > limit:
                self._now = limit
                break
            self._now = int(t_event)
            if arrival <= self._next_step:
                self._execute(self._pending.popleft())
                continue
            self._step()
            self._refresh()
            self._next_step += self._step_ns
            if self._resting:
                self._fill_resting(self._now)
            if (self._dirty & watched).any():
                limit = min(limit, max(watch.book_from, self._now))
        now = self._now
        changed = self._dirty & watched & (now >= watch.book_from)
        book_changed = tuple(int(i) for i in np.flatnonzero(changed))
        self._dirty[changed] = False
        reports: list[Report] = []
        while self._reports and self._reports[0].ts <= now:
            reports.append(self._reports.popleft())
        return Advance(now, reports, [], book_changed, now >= self._end)

    def submit(
        self, now: int, instrument: int, order_id: int, side: int, order_type: OrderType, price: int, qty: int
    ) -> None:
        self._check(instrument)
        self._pending.append((now + self._entry_ns, 0, instrument, order_id, side, int(order_type), price, qty))

    def acknowledged(self, order_id: int) -> bool:
        """Always False: every ACCEPTED report is sent."""
        return False

    def cancel(self, now: int, instrument: int, order_id: int) -> None:
        self._check(instrument)
        self._pending.append((now + self._entry_ns, 1, instrument, order_id, 0, 0, 0, 0))

    def modify(self, now: int, instrument: int, order_id: int, price: int, qty: int) -> None:
        self._check(instrument)
        self._pending.append((now + self._entry_ns, 2, instrument, order_id, 0, 0, price, qty))

    def top(self, instrument: int) -> TopOfBook:
        if not 0 <= instrument < len(self._top_rows):
            self._check(instrument)
        bid, bid_qty, ask, ask_qty = self._top_rows[instrument]
        return TopOfBook(None if bid < 0 else bid, bid_qty, None if ask < 0 else ask, ask_qty)

    def depth(self, instrument: int, side: int, levels: int) -> list[tuple[int, int]]:
        if side != BUY and side != SELL:
            raise ValueError(f"side must be BUY (1) or SELL (-1), got {side!r}")
        return self._ladder(self._check(instrument), side)[: max(levels, 0)]

    def progress(self) -> float:
        return min(max((self._now - self._start) / (self._end - self._start), 0.0), 1.0)

    def _check(self, instrument: int) -> int:
        if not 0 <= instrument < len(self._instruments):
            raise ValueError(f"instrument {instrument} is not one of the {len(self._instruments)} instruments")
        return instrument
