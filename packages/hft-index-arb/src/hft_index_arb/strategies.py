"""The patterns as strategies: `IndexArb` (future vs basket), `EtfArb` (ETF vs basket), `BasisCarry` (crypto).

`IndexArb` and `EtfArb` find their instruments by symbol: the derivative (``IDXF/*`` or ``IDXE/*``) and the basket
(every ``S###/*``, one share each per index unit), all quoted in one currency. Every ``decide_ms`` they value the
basket at its constituents' mids, sweep every constituent's book (and the derivative's) at the size to trade, and
compute the no-arbitrage band (`hft_index_arb.fairvalue.band`). When the derivative's mid is above the band they
sell it and buy the basket; below it, the reverse; a position is closed (both legs) once the mid has crossed back
to the fair value. The derivative leg is one market order; the basket leg follows the execution schedule of the
``execution`` knob (`hft_index_arb.execution.schedule`) in ``slices`` IOC child orders ``slice_ms`` apart, with the
covariance estimated from the mids it has seen (EWMA) and each name's temporary impact from its book's depth. Each
basket leg's implementation shortfall against its arrival mids is logged (``EXEC`` lines) and their summary at
the end; every ``record_s`` they record (``ctx.record``) the prices ``price.spot``, ``price.fair`` and
``price.future`` (``price.etf``), and the basis with the band in basis terms: ``basis`` (mid − fair),
``basis.band_low`` and ``basis.band_high`` (the band's edges − fair), which ``hft report`` draws.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from typing import Generic, TypeVar

import numpy as np
from hft_core import ConfigError, Context, Fill, Instrument, RiskLimits, Strategy

from hft_index_arb.config import BasisCarryConfig, EtfArbConfig, IndexArbConfig, discrete_dividends
from hft_index_arb.execution import schedule
from hft_index_arb.fairvalue import Band, Carry, band, sweep_cost
from hft_index_arb.market import LEVELS

__all__ = ["BasisCarry", "EtfArb", "IndexArb"]

_BASKET = re.compile(r"^S\d{3}/")
_WARMUP = 20
"""Decisions before the first trade: the covariance estimate needs some returns."""
_EWMA = 0.05

_Knobs = TypeVar("_Knobs", IndexArbConfig, EtfArbConfig)


class _BasketArb(Strategy, ABC, Generic[_Knobs]):
    """What both basket arbitrages share (module docstring); subclasses say which derivative and which carry."""

    prefix = ""
    label = ""
    pattern = ""

    def __init__(self, config: _Knobs) -> None:
        self.config: _Knobs = config
        self.carry = self._carry(config)
        self.derivative = ""
        self.basket: list[str] = []
        self._ticks = np.zeros(0)
        self._prev: np.ndarray | None = None
        self._cov = np.zeros((0, 0))
        self._decisions = 0
        self._next_record = 0
        # The basket leg in flight: per-name targets along the schedule, what is done, when the next slice goes.
        self._path: np.ndarray | None = None
        self._slice = 0
        self._next_slice = 0
        self._done = np.zeros(0)
        self._arrival = np.zeros(0)
        self._leg_cost = 0.0
        self._leg_notional = 0.0
        self._orders: set[int] = set()
        self.arbs = 0
        self.shortfalls_bp: list[float] = []

    @abstractmethod
    def _carry(self, config: _Knobs) -> Carry:
        """The carry this arbitrage prices its derivative with."""

    # -- set-up ------------------------------------------------------------------------------------------------
    def risk_limits(self, instruments: tuple[Instrument, ...]) -> RiskLimits | None:
        """No limits beyond ``max_units``; called before the run's accounts are built, so the instruments are
        checked here: the derivative and the basket present, all quoted in one currency."""
        names = tuple(i.symbol for i in instruments)
        derivative: list[str] = [s for s in names if s.startswith(self.prefix)]
        basket: list[str] = [s for s in names if _BASKET.match(s)]
        if not derivative or not basket:
            missing = [f"the {self.label} ({self.prefix}*)"] * (not derivative) + ["basket constituents (S###/*)"] * (
                not basket
            )
            raise ConfigError(
                f"{self.pattern}: basket instruments missing: no {' and no '.join(missing)} among the run's "
                f"instruments ({', '.join(names[:6])}{', …' if len(names) > 6 else ''}); it runs on the index-market "
                "scenario or data carrying those symbols"
            )
        quotes = {i.symbol: i.quote for i in instruments}
        self.derivative = derivative[0]
        self.basket = basket
        other = next((s for s in basket if quotes[s] != quotes[self.derivative]), None)
        if other is not None:
            raise ConfigError(
                f"{self.pattern}: inconsistent currencies: {self.derivative} is quoted in {quotes[self.derivative]} "
                f"but {other} in {quotes[other]}; the band needs both legs in one currency"
            )
        return None

    def on_start(self, ctx: Context) -> None:
        if not self.basket:
            self.risk_limits(tuple(ctx.instrument_spec(s) for s in ctx.instruments))
        self._ticks = np.array([ctx.instrument_spec(s).tick_size for s in self.basket])
        self._cov = np.zeros((len(self.basket), len(self.basket)))
        self._done = np.zeros(len(self.basket))
        self._next_record = ctx.now
        ctx.set_timer(self.config.decide_ms / 1000.0)

    # -- each decision -----------------------------------------------------------------------------------------
    def _books(
        self, ctx: Context
    ) -> tuple[np.ndarray, list[list[tuple[float, float]]], list[list[tuple[float, float]]]]:
        mids = np.empty(len(self.basket))
        bids: list[list[tuple[float, float]]] = []
        asks: list[list[tuple[float, float]]] = []
        for i, symbol in enumerate(self.basket):
            book = ctx.book(symbol)
            mid = book.mid
            mids[i] = math.nan if mid is None else mid
            bids.append(book.depth("bid", LEVELS))
            asks.append(book.depth("ask", LEVELS))
        return mids, bids, asks

    @staticmethod
    def _ladder_arrays(levels: list[list[tuple[float, float]]]) -> tuple[np.ndarray, np.ndarray]:
        prices = np.zeros((len(levels), LEVELS))
        qty = np.zeros((len(levels), LEVELS))
        for i, side in enumerate(levels):
            for k, (price, size) in enumerate(side[:LEVELS]):
                prices[i, k], qty[i, k] = price, size
        return prices, qty

    def _sweep(self, ctx: Context, symbol: str, side: str, size: float, mid: float) -> float:
        levels = ctx.book(symbol).depth(side, LEVELS)
        prices, qty = self._ladder_arrays([levels])
        return float(sweep_cost(prices, qty, np.array([size]), np.array([mid]))[0])

    def _band(
        self,
        ctx: Context,
        spot: float,
        mids: np.ndarray,
        bids: list[list[tuple[float, float]]],
        asks: list[list[tuple[float, float]]],
        d_mid: float,
    ) -> Band:
        units = float(self.config.units)
        size = np.full(len(self.basket), units)
        buy_basket = float(sweep_cost(*self._ladder_arrays(asks), size, mids).sum()) / units
        sell_basket = float(sweep_cost(*self._ladder_arrays(bids), size, mids).sum()) / units
        fee_basket = ctx.instrument_spec(self.basket[0]).fees.taker * spot
        fee_leg = ctx.instrument_spec(self.derivative).fees.taker * d_mid
        sell_leg = self._sweep(ctx, self.derivative, "bid", units, d_mid) / units
        buy_leg = self._sweep(ctx, self.derivative, "ask", units, d_mid) / units
        carry = self._carry_now(ctx)
        if self.config.exit_costs:  # closing sells what opening bought, and the reverse
            buy_basket = sell_basket = buy_basket + sell_basket
            buy_leg = sell_leg = buy_leg + sell_leg
            fee_basket, fee_leg = 2 * fee_basket, 2 * fee_leg
        upper = band(spot, carry, basket_cost=buy_basket + fee_basket, leg_cost=sell_leg + fee_leg)
        lower = band(spot, carry, basket_cost=sell_basket + fee_basket, leg_cost=buy_leg + fee_leg)
        return Band(upper.fair, lower.lower, upper.upper)

    def _carry_now(self, ctx: Context) -> Carry:
        return self.carry

    def on_timer(self, ctx: Context) -> None:
        if self._path is not None and ctx.now >= self._next_slice:
            self._send_slice(ctx)
        d_book = ctx.book(self.derivative)
        d_mid = d_book.mid
        mids, bids, asks = self._books(ctx)
        if d_mid is None or not np.isfinite(mids).all():
            return
        self._learn(mids)
        spot = float(mids.sum())
        try:
            fair_band = self._band(ctx, spot, mids, bids, asks, d_mid)
        except ConfigError:  # a book too thin for the size: no trade now
            return
        held = round(ctx.position(self.derivative))
        config = self.config
        if ctx.now >= self._next_record:
            self._next_record = ctx.now + round(config.record_s * 1e9)
            fair = fair_band.fair
            ctx.record("price.spot", spot)
            ctx.record("price.fair", fair)
            ctx.record(f"price.{self.label}", d_mid)
            ctx.record("basis", d_mid - fair)
            ctx.record("basis.band_low", fair_band.lower - fair)
            ctx.record("basis.band_high", fair_band.upper - fair)
        if self._decisions < _WARMUP or self._path is not None:  # one basket leg at a time
            return
        units = config.units
        side = fair_band.position_of(d_mid)
        if side > 0 and held - units >= -config.max_units:
            self._open(ctx, -units, mids, f"{self.label} {d_mid:.4f} > upper {fair_band.upper:.4f}")
        elif side < 0 and held + units <= config.max_units:
            self._open(ctx, units, mids, f"{self.label} {d_mid:.4f} < lower {fair_band.lower:.4f}")
        elif (held < 0 and d_mid <= fair_band.fair) or (held > 0 and d_mid >= fair_band.fair):
            self._open(ctx, -held, mids, f"close: {self.label} {d_mid:.4f} back to fair {fair_band.fair:.4f}")

    def _learn(self, mids: np.ndarray) -> None:
        """EWMA covariance of the names' price changes per second (currency²/s)."""
        self._decisions += 1
        if self._prev is not None:
            moves = (mids - self._prev) / math.sqrt(self.config.decide_ms / 1000.0)
            self._cov = (1.0 - _EWMA) * self._cov + _EWMA * np.outer(moves, moves)
        self._prev = mids.copy()

    # -- execution ---------------------------------------------------------------------------------------------
    def _open(self, ctx: Context, derivative_units: int, mids: np.ndarray, why: str) -> None:
        """Trade ``derivative_units`` of the derivative now and the opposite basket along the schedule."""
        config = self.config
        if derivative_units > 0:
            ctx.buy(derivative_units, None, instrument=self.derivative)
        else:
            ctx.sell(-derivative_units, None, instrument=self.derivative)
        shares = np.full(len(self.basket), float(-derivative_units))  # basket shares to trade, signed
        slices = 1 if config.execution == "sweep" else config.slices
        horizon = slices * config.slice_ms / 1000.0
        tau = horizon / slices
        first_level = np.array([max(ctx.book(s).best_ask_qty, ctx.book(s).best_bid_qty, 1.0) for s in self.basket])
        eta = tau * self._ticks / (2.0 * first_level)
        cov = self._cov + np.diag(np.full(len(self.basket), 1e-12))
        # schedule() works on holdings still to trade; buying is "selling" a negative holding.
        path = schedule(config.execution, shares, slices, horizon, cov, eta, config.risk_aversion, config.tracking)
        self._path = shares[None, :] - path  # cumulative target traded after each slice
        self._slice = 0
        self._done = np.zeros(len(self.basket))
        self._arrival = mids.copy()
        self._leg_cost = 0.0
        self._leg_notional = float(np.abs(shares) @ mids)
        self.arbs += 1
        ctx.log(f"ARB {why}: {self.label} {derivative_units:+d}, basket {-derivative_units:+d} ({config.execution})")
        self._send_slice(ctx)

    def _send_slice(self, ctx: Context) -> None:
        path = self._path
        assert path is not None
        last = path.shape[0] - 1
        k = min(self._slice + 1, last)
        target = np.round(path[k])
        for i in np.flatnonzero(target != self._done):
            qty = float(target[i] - self._done[i])
            symbol = self.basket[i]
            send = ctx.buy if qty > 0 else ctx.sell
            self._orders.add(send(abs(qty), None, instrument=symbol, tif="ioc"))
        self._slice += 1
        self._next_slice = ctx.now + round(self.config.slice_ms * 1e6)
        if self._slice > last + 2 or (self._slice >= last and np.array_equal(target, self._done)):
            self._finish(ctx)

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        if fill.order_id not in self._orders or self._path is None:
            return
        i = self.basket.index(fill.instrument)
        sign = 1.0 if fill.side == "buy" else -1.0
        self._done[i] += sign * fill.qty
        self._leg_cost += sign * fill.qty * (fill.price - self._arrival[i]) + fill.fee

    def _finish(self, ctx: Context) -> None:
        shortfall_bp = 1e4 * self._leg_cost / self._leg_notional if self._leg_notional else 0.0
        self.shortfalls_bp.append(shortfall_bp)
        ctx.log(
            f"EXEC {self.config.execution}: basket leg done in {self._slice} slices, shortfall "
            f"{self._leg_cost:.4f} ({shortfall_bp:.2f} bp of {self._leg_notional:.2f})"
        )
        self._path = None
        self._orders.clear()

    def on_stop(self, ctx: Context) -> None:
        values = np.array(self.shortfalls_bp)
        mean = float(values.mean()) if values.size else math.nan
        sd = float(values.std(ddof=1)) if values.size > 1 else math.nan
        ctx.log(
            f"{self.pattern.upper()} summary: {self.arbs} arbitrages, basket legs by {self.config.execution}: "
            f"shortfall mean {mean:.2f} bp, sd {sd:.2f} bp over {values.size}"
        )


class IndexArb(_BasketArb[IndexArbConfig]):
    """Future vs basket on cost of carry (see `hft_index_arb.plugin.INDEX_ARB`)."""

    prefix = "IDXF/"
    label = "future"
    pattern = "index-arb"

    def __init__(self, config: IndexArbConfig | None = None) -> None:
        super().__init__(config if config is not None else IndexArbConfig())
        self._start_ns = 0

    def _carry(self, config: IndexArbConfig) -> Carry:
        if config.expiry_days < 0:
            raise ConfigError(
                f"index-arb: expiry_days must be >= 0 (a future not yet expired), got {config.expiry_days}"
            )
        return Carry(
            config.rate,
            config.dividend_yield,
            config.expiry_days / 365.0,
            discrete_dividends(config.dividend_points, config.dividend_days, config.expiry_days),
            config.financing_spread,
            config.margin,
        )

    def on_start(self, ctx: Context) -> None:
        self._start_ns = ctx.now
        super().on_start(ctx)

    def _carry_now(self, ctx: Context) -> Carry:
        """The carry with the time already elapsed taken off the expiry and the dividend dates."""
        elapsed = (ctx.now - self._start_ns) / 1e9 / (365.0 * 86_400.0)
        c = self.carry
        return Carry(
            c.rate,
            c.dividend_yield,
            max(c.expiry - elapsed, 0.0),
            tuple((when - elapsed, d) for when, d in c.dividends if when >= elapsed),
            c.financing_spread,
            c.margin,
        )


class EtfArb(_BasketArb[EtfArbConfig]):
    """ETF vs basket (see `hft_index_arb.plugin.ETF_ARB`): creation and redemption deliver at once, so no carry."""

    prefix = "IDXE/"
    label = "etf"
    pattern = "etf-arb"

    def __init__(self, config: EtfArbConfig | None = None) -> None:
        super().__init__(config if config is not None else EtfArbConfig())

    def _carry(self, config: EtfArbConfig) -> Carry:
        return Carry(rate=0.0, financing_spread=config.financing_spread)


class BasisCarry(Strategy):
    """Spot vs perpetual with funding as carry (see `hft_index_arb.plugin.BASIS_CARRY`)."""

    def __init__(self, config: BasisCarryConfig | None = None) -> None:
        self.config = config if config is not None else BasisCarryConfig()
        self.spot = ""
        self.perp = ""
        self.coinm = ""
        self._next_record = 0
        self.trades = 0

    def on_start(self, ctx: Context) -> None:
        config = self.config
        names = ctx.instruments
        if max(config.spot, config.perp) >= len(names):
            raise ConfigError(
                f"basis-carry: spot={config.spot}, perp={config.perp}, but the run has {len(names)} instrument(s) "
                f"({', '.join(names)}); give a spot and a perpetual capture: --data SPOT --data PERP"
            )
        self.spot, self.perp = names[config.spot], names[config.perp]
        if config.coinm >= len(names):
            raise ConfigError(
                f"basis-carry: coinm={config.coinm}, but the run has {len(names)} instrument(s) ({', '.join(names)}); "
                "give the COIN-M capture as a third --data"
            )
        self.coinm = names[config.coinm] if config.coinm >= 0 else ""
        quotes = {s: ctx.instrument_spec(s).quote for s in (self.spot, self.perp)}
        if quotes[self.spot] != quotes[self.perp]:
            raise ConfigError(
                f"basis-carry: inconsistent currencies: {self.spot} is quoted in {quotes[self.spot]}, "
                f"{self.perp} in {quotes[self.perp]}"
            )
        self._next_record = ctx.now
        ctx.set_timer(config.decide_ms / 1000.0)

    def on_timer(self, ctx: Context) -> None:
        if ctx.open_orders():
            return
        spot, perp = ctx.book(self.spot), ctx.book(self.perp)
        if None in (spot.best_bid, spot.best_ask, perp.best_bid, perp.best_ask):
            return
        config = self.config
        s_bid, s_ask = float(spot.best_bid), float(spot.best_ask)  # type: ignore[arg-type]
        p_bid, p_ask = float(perp.best_bid), float(perp.best_ask)  # type: ignore[arg-type]
        s_mid = 0.5 * (s_bid + s_ask)
        fees = ctx.instrument_spec(self.spot).fees.taker + ctx.instrument_spec(self.perp).fees.taker
        # Short perp / long spot earns funding (longs pay shorts when the rate is positive) over the horizon.
        carry = config.funding_rate * config.horizon_h / 8.0
        edge = config.threshold_bp * 1e-4
        position = ctx.position(self.spot)
        sell_perp_edge = (p_bid - s_ask) / s_mid + carry - fees - edge  # buy spot, sell perp
        buy_perp_edge = (s_bid - p_ask) / s_mid - carry - fees - edge  # sell spot, buy perp
        if ctx.now >= self._next_record:
            self._next_record = ctx.now + round(config.record_s * 1e9)
            basis_bp = 1e4 * (0.5 * (p_bid + p_ask) - s_mid) / s_mid
            coinm_mid = ctx.book(self.coinm).mid if self.coinm else None
            coinm = (
                "" if coinm_mid is None else f" coinm={coinm_mid:.2f} coinm_basis={1e4 * (coinm_mid / s_mid - 1):.2f}bp"
            )
            ctx.log(
                f"BASIS spot={s_mid:.2f} perp={0.5 * (p_bid + p_ask):.2f} basis={basis_bp:.2f}bp{coinm} "
                f"carry={1e4 * carry:.2f}bp fees={1e4 * fees:.2f}bp position={position:g}"
            )
        size = config.size
        if sell_perp_edge > 0 and position + size <= config.max_position + 1e-12:
            self._pair(ctx, "buy", s_ask, "sell", p_bid, size)
        elif buy_perp_edge > 0 and position - size >= -config.max_position - 1e-12:
            self._pair(ctx, "sell", s_bid, "buy", p_ask, size)

    def _pair(self, ctx: Context, spot_side: str, spot_px: float, perp_side: str, perp_px: float, size: float) -> None:
        (ctx.buy if spot_side == "buy" else ctx.sell)(size, spot_px, instrument=self.spot, tif="ioc")
        (ctx.buy if perp_side == "buy" else ctx.sell)(size, perp_px, instrument=self.perp, tif="ioc")
        self.trades += 1
        ctx.log(f"CARRY {spot_side} {size:g} {self.spot} @ {spot_px:g}, {perp_side} {self.perp} @ {perp_px:g}")

    def on_stop(self, ctx: Context) -> None:
        ctx.log(f"BASIS-CARRY summary: {self.trades} paired trades, spot position {ctx.position(self.spot):g}")
