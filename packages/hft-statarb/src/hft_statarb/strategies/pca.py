"""PCA residual statistical arbitrage over a universe of instruments (Avellaneda & Lee 2010), intraday.

Every ``sample_interval_s`` the strategy records every instrument's mid. Once ``warmup_s`` of log returns are
in, each sample it runs `hft_statarb.pca.pca_residual_s_scores` on the trailing ``window_s`` of returns: the
``n_factors`` leading eigenportfolios of the correlation matrix are the factors, each name's cumulative
regression residual is fitted as an OU process, and its s-score is the residual's distance from its mean in
stationary standard deviations. κ is per second here (``dt`` = the sample interval), and a name is tradeable
when its residual half-life is under ``max_half_life_s`` (the paper's κ filter in these units).

Per name, `hft_statarb.signals.positions_from_scores` opens long below the open-long threshold (the name is cheap
against the factors), short above the open-short one, and closes inside the close levels (Avellaneda & Lee's
±1.25 / −0.50 / +0.75 by default); a name that stops being tradeable is closed. Each name held is worth
``notional`` in its quote currency; with ``hedge_factors`` the dollar book is then neutralised against the k
factors by trading the eigenportfolios (`hft_statarb.pca.hedge_against_factors`), so it carries residual risk
only. Targets are reached with marketable IOC orders; a name is traded only when its target moved by at least
``rebalance_fraction`` of ``notional`` (or it must go flat), so small changes of the hedge do not churn.

The paper's defaults are for daily bars (252-day correlation window, 60-day regression); the defaults here are
scaled to the ``factor-universe`` scenario, whose residuals revert in seconds. ``fit_intercept`` defaults to False
so the score tracks the current deviation (docs/statarb.md, "PCA residual s-scores", finding (b)).
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import numpy.typing as npt
from hft_core import ConfigError, Context, Instrument, RiskLimits, Strategy

from hft_statarb.config import PcaConfig
from hft_statarb.errors import StatArbError
from hft_statarb.pca import hedge_against_factors, pca_residual_s_scores
from hft_statarb.signals import positions_from_scores, thresholds_named
from hft_statarb.strategies._execution import lots_of, trade_towards

__all__ = ["PcaConfig", "PcaResidualTrader"]

FloatArray = npt.NDArray[np.float64]


class PcaResidualTrader(Strategy):
    """Trade each name's PCA residual s-score, factor-hedged; see the module docstring."""

    def __init__(self, config: PcaConfig | None = None) -> None:
        self.config = config if config is not None else PcaConfig()
        self.thresholds = thresholds_named(self.config.thresholds, self.config.entry, self.config.exit)
        """The entry/exit levels on the s-score."""
        self.fits = 0
        """s-score computations done."""
        self.entries = 0
        """Positions opened on single names."""
        self.signals: FloatArray = np.zeros(0)
        """The current +1 / 0 / −1 signal per name."""
        self.last_scores: FloatArray = np.zeros(0)
        """The latest s-scores (NaN for names that are not mean-reverting)."""
        self.last_factor_exposure = 0.0
        """|Bᵀh| / Σ|h| of the last target book: 0 when fully factor-neutral."""
        self._symbols: tuple[str, ...] = ()
        self._mids: deque[FloatArray] = deque(maxlen=self.config.window_returns + 1)

    def risk_limits(self, instruments: tuple[Instrument, ...]) -> RiskLimits:
        """At most one order per name in flight, plus the optional kill switch."""
        if len(instruments) <= self.config.n_factors:
            raise ConfigError(
                f"statarb-pca with n_factors={self.config.n_factors} needs more than {self.config.n_factors} "
                f"instruments; this market has {len(instruments)}"
            )
        return RiskLimits(
            max_open_orders=len(instruments),
            max_loss=self.config.max_loss if self.config.max_loss > 0 else None,
        )

    def on_start(self, ctx: Context) -> None:
        self._symbols = ctx.instruments
        n_names = len(self._symbols)
        if n_names <= self.config.n_factors:
            raise ConfigError(f"statarb-pca needs more names than factors; got {n_names} instruments")
        self.signals = np.zeros(n_names)
        self.last_scores = np.full(n_names, math.nan)
        ctx.set_timer(self.config.sample_interval_s)
        ctx.log(f"pca: {n_names} names, {self.config.n_factors} factors, window {self.config.window_s:g}s")

    def on_timer(self, ctx: Context) -> None:
        mids = [ctx.book(symbol).mid for symbol in self._symbols]
        if any(mid is None or mid <= 0 for mid in mids):
            return
        prices = np.asarray(mids, dtype=np.float64)
        self._mids.append(prices)
        if len(self._mids) - 1 < self.config.warmup_returns:
            return
        self._decide(ctx, prices)

    def on_stop(self, ctx: Context) -> None:
        ctx.log(f"pca: {self.fits} fits, {self.entries} single-name entries")

    # -- decisions ----------------------------------------------------------------------------------------------
    def _decide(self, ctx: Context, prices: FloatArray) -> None:
        cfg = self.config
        log_mids = np.log(np.asarray(self._mids, dtype=np.float64))
        returns = np.diff(log_mids, axis=0)
        try:
            scores = pca_residual_s_scores(
                returns,
                n_factors=cfg.n_factors,
                dt=cfg.sample_interval_s,
                min_kappa=math.log(2.0) / cfg.max_half_life_s,
                fit_intercept=cfg.fit_intercept,
            )
        except StatArbError as error:  # e.g. a name whose mid did not move over the whole window
            ctx.log(f"pca: no fit ({error})")
            return
        self.fits += 1
        self.last_scores = scores.s_score
        previous = self.signals.copy()
        for index, score in enumerate(scores.s_score.tolist()):
            if not scores.tradeable[index]:
                self.signals[index] = 0.0
                continue
            self.signals[index] = float(
                positions_from_scores([score], self.thresholds, initial_position=int(previous[index]))[-1]
            )
        opened = (self.signals != 0) & (self.signals != previous)
        self.entries += int(opened.sum())
        for index in np.flatnonzero(self.signals != previous).tolist():
            ctx.log(
                f"{self._symbols[index]}: s={scores.s_score[index]:.2f} signal {previous[index]:+.0f} -> "
                f"{self.signals[index]:+.0f}"
            )
        dollars = self.signals * cfg.notional
        if cfg.hedge_factors and np.any(dollars):
            dollars = hedge_against_factors(dollars, scores.model)
        gross = float(np.abs(dollars).sum())
        exposure = scores.model.betas.T @ dollars
        self.last_factor_exposure = float(np.abs(exposure).sum()) / gross if gross > 0 else 0.0
        self._rebalance(ctx, dollars / prices, prices)

    def _rebalance(self, ctx: Context, target_qty: FloatArray, prices: FloatArray) -> None:
        band = self.config.rebalance_fraction * self.config.notional
        for index, symbol in enumerate(self._symbols):
            lot = ctx.instrument_spec(symbol).lot_size
            target = lots_of(float(target_qty[index]), lot) * lot
            held = ctx.position(symbol)
            change = abs(target - held) * float(prices[index])
            if change == 0 or (target != 0 and change < band):
                continue
            trade_towards(ctx, symbol, target, self.config.slippage_ticks)
