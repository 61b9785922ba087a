"""The passive market-making strategy: every ``tick_ms`` ask a quoting model for a bid and an ask, and keep one
resting order on each side at those prices (post-only), within an inventory limit.

Orders are replaced only when their price changes, so a quote that stays put keeps its queue position. The
quoting model is chosen by name (`hft_passive_mm.quoting`); the strategy supplies its market state: the mid, the
inventory in quote sizes, the time within a rolling horizon (AS/GLFT), the top-N book imbalance
(imbalance-skew) and, when ``sigma`` is 0, an online estimate of the mid's volatility per √second.

The mid is the market's, without the strategy's own quotes: where a side of the book holds only our order, the
book's mid would follow our own quote, and a model quoting around it (with a volatility estimated from it) would
chase itself away from the market. With no one else on a side the strategy leaves its quotes as they are.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from hft_core import ConfigError, Context, Fill, Instrument, RiskLimits, Strategy

from hft_passive_mm.config import PassiveMMConfig
from hft_passive_mm.quoting import MarketState, Quote, QuotingModel, make_quoting_model, model_parameters

__all__ = ["PassiveMarketMaker", "VolatilityEstimator"]

_NS = 1_000_000_000
_MODELS_WITH_SIGMA = ("avellaneda-stoikov", "glft", "glft-approx")


class VolatilityEstimator:
    """Exponentially weighted estimate of the mid's volatility, in price units per √second."""

    def __init__(self, halflife_samples: float = 200.0, warmup: int = 20) -> None:
        self._decay = 0.5 ** (1.0 / halflife_samples)
        self._warmup = warmup
        self._samples = 0
        self._variance_per_s = 0.0
        self._last: tuple[int, float] | None = None

    def update(self, now: int, mid: float) -> None:
        """Add the mid observed at ``now`` (ns)."""
        if self._last is not None and now > self._last[0]:
            dt = (now - self._last[0]) / _NS
            rate = (mid - self._last[1]) ** 2 / dt
            self._variance_per_s = (
                rate if self._samples == 0 else self._decay * self._variance_per_s + (1 - self._decay) * rate
            )
            self._samples += 1
        self._last = (now, mid)

    @property
    def ready(self) -> bool:
        """Whether enough changes were seen for the estimate to mean something."""
        return self._samples >= self._warmup

    @property
    def sigma(self) -> float:
        """The current estimate (0 before any change is seen)."""
        return math.sqrt(self._variance_per_s)


class PassiveMarketMaker(Strategy):
    """Quote both sides with a `QuotingModel` chosen by ``config.model``, re-deciding every ``config.tick_ms``.

    Sizes and distances are resolved against the instrument when the run starts (`risk_limits`, or `on_start`
    when the caller gave its own limits): ``size`` and ``inv_limit`` in lots or units, ``half_spread`` in ticks,
    bp (of the first mid seen) or price units.
    """

    def __init__(self, config: PassiveMMConfig | None = None) -> None:
        self.config = config if config is not None else PassiveMMConfig()
        self.tick_ms = self.config.tick_ms
        self.horizon_s = self.config.horizon_s
        self.depth = self.config.depth
        self.max_loss = self.config.max_loss
        estimate = self.config.model in _MODELS_WITH_SIGMA and self.config.sigma == 0.0
        self.volatility = VolatilityEstimator() if estimate else None
        self.size = 0.0
        self.inv_limit = 0.0
        self._instrument: Instrument | None = None
        self._model: QuotingModel | None = None
        self._start = 0
        self._orders: dict[str, tuple[int, float]] = {}

    def bind(self, instrument: Instrument) -> None:
        """Resolve ``size`` and ``inv_limit`` on ``instrument`` (a `ConfigError` if inv_limit < size there)."""
        if self._instrument is instrument:
            return
        size = self.config.size.qty(instrument.lot_size)
        inv_limit = self.config.inv_limit.qty(instrument.lot_size)
        if inv_limit < size:
            raise ConfigError(
                f"passive-mm: inv_limit ({self.config.inv_limit} = {inv_limit:g}) must be >= size "
                f"({self.config.size} = {size:g}) on {instrument.symbol}"
            )
        self._instrument, self.size, self.inv_limit = instrument, size, inv_limit

    def model(self, mid: float) -> QuotingModel:
        """The quoting model, built on first use (``half_spread`` in bp is taken of the ``mid`` seen then)."""
        if self._model is None:
            if self._instrument is None:
                raise RuntimeError("PassiveMarketMaker.model: the strategy is not bound to an instrument yet")
            config = self.config
            available: dict[str, Any] = {
                "half_spread": config.half_spread.price(self._instrument.tick_size, mid),
                "size": self.size,
                "inv_limit": self.inv_limit,
                "inv_spread_mult": config.inv_spread_mult,
                "inv_skew": config.inv_skew,
                "imbalance_skew": config.imbalance_skew,
                "depth": config.depth,
                "gamma": config.gamma,
                "k": config.k,
                "A": config.a,
                "horizon": config.horizon_s,
                "max_inventory": max(1, int(self.inv_limit / self.size)),
                # sigma = 0 asks for the online estimate; the model needs some positive value until it is ready.
                "sigma": config.sigma or 1e-6,
            }
            wanted = model_parameters(config.model)
            self._model = make_quoting_model(config.model, **{k: v for k, v in available.items() if k in wanted})
        return self._model

    def risk_limits(self, instruments: tuple[Instrument, ...]) -> RiskLimits:
        """The inventory limit and quote size as hard pre-trade limits, plus the optional loss kill switch."""
        instrument = instruments[0]
        self.bind(instrument)
        return RiskLimits(
            max_position=instrument.qty_to_lots(self.inv_limit, "down"),
            max_order_qty=instrument.qty_to_lots(self.size, "up"),
            max_loss=self.max_loss if self.max_loss > 0 else None,
        )

    def on_start(self, ctx: Context) -> None:
        self.bind(ctx.instrument_spec())
        self._start = ctx.now
        ctx.set_timer(self.tick_ms / 1000)

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        for side, (order_id, _) in list(self._orders.items()):
            if order_id == fill.order_id and fill.order_id not in ctx.open_orders():
                del self._orders[side]

    def _current_model(self, mid: float) -> QuotingModel | None:
        model = self.model(mid)
        if self.volatility is None:
            return model
        if not self.volatility.ready:
            return None
        return dataclasses.replace(model, sigma=max(self.volatility.sigma, 1e-9))  # type: ignore[type-var]

    def market_mid(self, ctx: Context) -> float | None:
        """The mid of the others' best bid and ask (see the module doc), or None while a side has no one else."""
        book = ctx.book()
        tick = ctx.instrument_spec().tick_size
        bests = []
        for side, levels in (("buy", book.depth("bid", 2)), ("sell", book.depth("ask", 2))):
            own = self._orders.get(side)
            others = [
                price
                for price, qty in levels
                if own is None or abs(price - own[1]) >= tick / 2 or qty > self.size + 1e-12  # (not ours alone)
            ]
            if not others:
                return None
            bests.append(others[0])
        return (bests[0] + bests[1]) / 2

    def quote(self, ctx: Context) -> Quote | None:
        """The model's quote for the current state, or None while a side has no one else (or there is no σ yet)."""
        book = ctx.book()
        mid = self.market_mid(ctx)
        if mid is None:
            return None
        if self.volatility is not None:
            self.volatility.update(ctx.now, mid)
        model = self._current_model(mid)
        if model is None:
            return None
        elapsed = (ctx.now - self._start) / _NS
        state = MarketState(
            mid=mid,
            inventory=ctx.position() / self.size,
            time=math.fmod(elapsed, self.horizon_s),
            imbalance=book.imbalance(self.depth) if self.config.model == "imbalance-skew" else None,
        )
        return model.quote(state)

    def on_timer(self, ctx: Context) -> None:
        quote = self.quote(ctx)
        if quote is None:
            return
        book = ctx.book()
        tick = ctx.instrument_spec().tick_size
        position = ctx.position()
        bid, ask = quote.bid, quote.ask
        if bid is not None and position + self.size > self.inv_limit + 1e-12:
            bid = None
        if ask is not None and position - self.size < -self.inv_limit - 1e-12:
            ask = None
        # Post-only quotes must not cross: keep them at least one tick behind the opposite best.
        if bid is not None:
            bid = math.floor(bid / tick + 1e-9) * tick
            if book.best_ask is not None:
                bid = min(bid, book.best_ask - tick)
        if ask is not None:
            ask = math.ceil(ask / tick - 1e-9) * tick
            if book.best_bid is not None:
                ask = max(ask, book.best_bid + tick)
        self._place(ctx, "buy", bid, tick)
        self._place(ctx, "sell", ask, tick)

    def _place(self, ctx: Context, side: str, price: float | None, tick: float) -> None:
        current = self._orders.get(side)
        if current is not None and current[0] not in ctx.open_orders():
            current = None
            del self._orders[side]
        if current is not None and price is not None and abs(current[1] - price) < tick / 2:
            return
        if current is not None:
            ctx.cancel(current[0])
            del self._orders[side]
        if price is None or price <= 0:
            return
        order_id = (ctx.buy if side == "buy" else ctx.sell)(self.size, price, tif="post-only")
        self._orders[side] = (order_id, price)
