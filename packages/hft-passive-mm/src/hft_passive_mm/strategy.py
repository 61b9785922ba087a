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
from collections.abc import Mapping
from typing import Any

from hft_core import Context, Fill, RiskLimits, Strategy
from hft_core.instruments import Instrument

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
    """Quote both sides with a `QuotingModel`, re-deciding every ``tick_ms`` milliseconds."""

    def __init__(
        self,
        model: QuotingModel,
        *,
        size: float,
        inv_limit: float,
        tick_ms: int,
        horizon_s: float,
        depth: int = 5,
        estimate_sigma: bool = False,
        max_loss: float = 0.0,
    ) -> None:
        if size <= 0 or inv_limit < size:
            raise ValueError(f"size must be > 0 and inv_limit >= size (size={size}, inv_limit={inv_limit})")
        if tick_ms < 1:
            raise ValueError(f"tick_ms must be >= 1, got {tick_ms}")
        self.model = model
        self.size = size
        self.inv_limit = inv_limit
        self.tick_ms = tick_ms
        self.horizon_s = horizon_s
        self.depth = depth
        self.volatility = VolatilityEstimator() if estimate_sigma else None
        self.max_loss = max_loss
        self._start = 0
        self._orders: dict[str, tuple[int, float]] = {}

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> PassiveMarketMaker:
        """Build from the pattern's flat parameters (see `hft_passive_mm.plugin`)."""
        name = str(params["model"])
        wanted = model_parameters(name)
        horizon_s = float(params["horizon_s"])
        available: dict[str, Any] = {
            "half_spread": params["half_spread"],
            "size": params["size"],
            "inv_limit": params["inv_limit"],
            "inv_spread_mult": params["inv_spread_mult"],
            "inv_skew": params["inv_skew"],
            "imbalance_skew": params["imbalance_skew"],
            "depth": params["depth"],
            "gamma": params["gamma"],
            "k": params["k"],
            "A": params["a"],
            "horizon": horizon_s,
            "max_inventory": max(1, int(float(params["inv_limit"]) / float(params["size"]))),
            # sigma = 0 asks for the online estimate; the model needs some positive value until it is ready.
            "sigma": float(params["sigma"]) or 1e-6,
        }
        model = make_quoting_model(name, **{key: value for key, value in available.items() if key in wanted})
        return cls(
            model,
            size=float(params["size"]),
            inv_limit=float(params["inv_limit"]),
            tick_ms=int(params["tick_ms"]),
            horizon_s=horizon_s,
            depth=int(params["depth"]),
            estimate_sigma=name in _MODELS_WITH_SIGMA and float(params["sigma"]) == 0.0,
            max_loss=float(params["max_loss"]),
        )

    def risk_limits(self, instruments: tuple[Instrument, ...]) -> RiskLimits:
        """The inventory limit and quote size as hard pre-trade limits, plus the optional loss kill switch."""
        instrument = instruments[0]
        return RiskLimits(
            max_position=instrument.qty_to_lots(self.inv_limit, "down"),
            max_order_qty=instrument.qty_to_lots(self.size, "up"),
            max_loss=self.max_loss if self.max_loss > 0 else None,
        )

    def on_start(self, ctx: Context) -> None:
        self._start = ctx.now
        ctx.set_timer(self.tick_ms / 1000)

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        for side, (order_id, _) in list(self._orders.items()):
            if order_id == fill.order_id and fill.order_id not in ctx.open_orders():
                del self._orders[side]

    def _current_model(self) -> QuotingModel | None:
        if self.volatility is None:
            return self.model
        if not self.volatility.ready:
            return None
        return dataclasses.replace(self.model, sigma=max(self.volatility.sigma, 1e-9))  # type: ignore[type-var]

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
        model = self._current_model()
        if model is None:
            return None
        elapsed = (ctx.now - self._start) / _NS
        state = MarketState(
            mid=mid,
            inventory=ctx.position() / self.size,
            time=math.fmod(elapsed, self.horizon_s),
            imbalance=book.imbalance(self.depth),
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
