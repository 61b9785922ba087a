"""Pairs trading on two instruments: hedge ratio, Engle–Granger gate, OU s-score, threshold entries and exits.

Instrument 0 is y, instrument 1 is x, and the spread is ``y − (α + β·x)`` on log mids (or on price levels).
Every ``sample_interval_s`` the strategy records both mids; once ``warmup_s`` of them are in, and then every
``refit_interval_s``, it re-estimates on the trailing ``window_s``:

1. β and α by OLS or a Kalman filter (`hft_statarb.hedge`);
2. the Engle & Granger (1987) test with MacKinnon (2010) critical values (`hft_statarb.cointegration`): the
   pair is traded only while "no cointegration" is rejected at ``coint_level``;
3. an OU fit of the spread (`hft_statarb.ou.fit_ou_ar1`), whose half-life must be under ``max_half_life_s``
   (the analogue of Avellaneda & Lee's κ filter), giving the s-score ``(spread − m)/σ_eq``; or a z-score of the
   spread over the window.

Between refits each new sample is scored with the last estimate; `hft_statarb.signals.positions_from_scores`
turns the score into long (+1), flat or short (−1) the spread, with Avellaneda & Lee (2010) thresholds by
default. A long spread holds ``qty`` of y and ``−h·qty`` of x, where the hedge h is β (price levels) or
``β·P_y/P_x`` (log prices: equal percentage moves), rounded to x's lots and fixed while the position is open.
Positions are reached with marketable IOC orders at the touch; a leg that does not fill is retried at the next
sample. When the gate closes (a refit finds no cointegration, no mean reversion, or a hedge out of bounds) an
open position is closed. With ``exit_rule="signature"`` the close is decided instead by a signature stopping rule
trained at entry on simulated paths of the fitted OU (`SignatureExit`; Bayer, Hager, Riedel & Schoenmakers 2023).

The strategy reads only mids and positions, so it runs on any venue whose instruments are (y, x) in that order:
the simulated pair scenarios or replayed recorded data.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from hft_core import ConfigError, Context, Fill, Instrument, RiskLimits, Strategy

from hft_statarb.cointegration import engle_granger
from hft_statarb.config import PairsConfig
from hft_statarb.errors import StatArbError
from hft_statarb.hedge import kalman_hedge_ratio
from hft_statarb.ou import fit_ou_ar1
from hft_statarb.signals import positions_from_scores, rolling_zscore, thresholds_named
from hft_statarb.stopping import SignatureStoppingRule, fit_signature_stopping, path_signature
from hft_statarb.strategies._execution import trade_towards

__all__ = ["PairEstimate", "PairsConfig", "PairsTrader", "SignatureExit"]

FloatArray = npt.NDArray[np.float64]
_NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class PairEstimate:
    """One re-estimation on the trailing window; ``tradeable`` says whether the gate was open after it."""

    ts: int
    nobs: int
    beta: float
    alpha: float
    statistic: float
    """Engle–Granger τ (NaN when the test could not run)."""
    pvalue: float
    critical_value: float
    cointegrated: bool
    half_life_s: float
    """OU half-life of the spread in seconds (NaN when it does not mean-revert)."""
    ou_mean: float
    ou_sigma_eq: float
    tradeable: bool
    reason: str
    """Why the gate is closed ("" when open)."""


class SignatureExit:
    """When to close one open spread position: a signature stopping rule trained at entry (Bayer et al. 2023).

    At entry the fitted OU is simulated in s-score units (mean 0, stationary variance 1, speed κ) from the entry
    score s₀ over ``horizon_s``, sampled like the strategy; the payoff of closing at step k is the score's move
    in the position's favour, ``sign·(X_k − s₀)``. `hft_statarb.stopping.fit_signature_stopping` learns, by
    Longstaff–Schwartz regression on signatures of the time-augmented path (t, X), when that payoff beats the
    expected payoff of waiting; `should_exit` applies the rule to the scores actually seen. The OU is Markov,
    so the signature is more than it needs; what it buys is a rule with a time-dependent boundary and no
    hand-set close level. At the horizon the position is closed regardless.
    """

    def __init__(self, rule: SignatureStoppingRule, start_score: float, sign: int) -> None:
        self.rule = rule
        self.start_score = start_score
        self.sign = sign
        self.path = [start_score]

    @classmethod
    def train(
        cls, start_score: float, sign: int, kappa: float, config: PairsConfig, rng: np.random.Generator
    ) -> SignatureExit:
        """Fit the rule on ``config.signature_paths`` simulated OU score paths started at ``start_score``."""
        n_steps = max(2, round(config.signature_horizon_s / config.sample_interval_s))
        decay = math.exp(-kappa * config.sample_interval_s)
        shocks = math.sqrt(1.0 - decay * decay) * rng.standard_normal((config.signature_paths, n_steps))
        paths = np.empty((config.signature_paths, n_steps + 1))
        paths[:, 0] = start_score
        for step in range(n_steps):
            paths[:, step + 1] = decay * paths[:, step] + shocks[:, step]

        def payoff(values: FloatArray) -> FloatArray:
            return sign * (values - start_score)

        rule = fit_signature_stopping(paths, level=config.signature_level, payoff=payoff)
        return cls(rule, start_score, sign)

    def should_exit(self, score: float) -> bool:
        """Add the latest score; True when the rule stops here or the horizon is reached (NaN scores wait)."""
        if not math.isfinite(score):
            return False
        self.path.append(score)
        index = len(self.path) - 1
        times = self.rule.times
        if index >= times.size - 1:
            return True
        features = path_signature(np.column_stack([times[: index + 1], self.path]), self.rule.level)
        continuation = float(self.rule.continuation(index, features[None, :])[0])
        return self.sign * (score - self.start_score) >= continuation


class PairsTrader(Strategy):
    """Trade the spread of instrument 0 (y) against instrument 1 (x); see the module docstring.

    ``qty`` is resolved against y's lot size when the run starts (`risk_limits`, or `on_start` when the caller
    gave its own limits): ``"10lots"`` or a plain number of units.
    """

    def __init__(self, config: PairsConfig | None = None) -> None:
        self.config = config if config is not None else PairsConfig()
        self.thresholds = thresholds_named(self.config.thresholds, self.config.entry, self.config.exit)
        """The entry/exit levels on the score."""
        self.qty = 0.0
        """Units of y per spread position (``config.qty`` on y's lot grid; set when the run starts)."""
        self.estimates: list[PairEstimate] = []
        """Every re-estimation, in time order (for reports and tests)."""
        self.entries = 0
        """Positions opened on the spread."""
        self.hedge_units = 0.0
        """Units of x held against one unit of y in the current (or last) position."""
        self._samples: deque[tuple[float, float]] = deque(maxlen=self.config.window_samples)
        self._symbols: tuple[str, str] = ("", "")
        self._start_ns = 0
        self._last_fit_ns: int | None = None
        self._current: PairEstimate | None = None
        self._spread_position = 0
        self._targets = (0.0, 0.0)
        self._exit: SignatureExit | None = None

    # -- engine hooks -------------------------------------------------------------------------------------------
    def risk_limits(self, instruments: tuple[Instrument, ...]) -> RiskLimits:
        """Position and order-size caps that fit ``qty`` of y and the largest hedge allowed, plus the kill switch."""
        if len(instruments) < 2:
            names = ", ".join(i.symbol for i in instruments)
            raise ConfigError(f"statarb-pairs needs two instruments (y, x); this market has only {names}")
        y, x = instruments[0], instruments[1]
        cfg = self.config
        self.qty = cfg.qty.qty(y.lot_size)
        y_lots = math.ceil(self.qty / y.lot_size - 1e-9)
        x_lots = math.ceil(self.qty * cfg.max_hedge_ratio / x.lot_size - 1e-9)
        largest = max(y_lots, x_lots)
        return RiskLimits(
            max_position=largest,
            max_order_qty=largest,
            max_open_orders=4,
            max_loss=cfg.max_loss if cfg.max_loss > 0 else None,
        )

    def on_start(self, ctx: Context) -> None:
        if len(ctx.instruments) < 2:
            raise ConfigError(f"statarb-pairs needs two instruments (y, x); got {ctx.instruments}")
        self._symbols = (ctx.instruments[0], ctx.instruments[1])
        self.qty = self.config.qty.qty(ctx.instrument_spec(self._symbols[0]).lot_size)
        self._start_ns = ctx.now
        ctx.set_timer(self.config.sample_interval_s)
        ctx.log(
            f"pairs: y={self._symbols[0]} x={self._symbols[1]} hedge={self.config.hedge} "
            f"signal={self.config.signal} window={self.config.window_s:g}s warmup={self.config.warmup_s:g}s"
        )

    def on_timer(self, ctx: Context) -> None:
        y_symbol, x_symbol = self._symbols
        y_mid, x_mid = ctx.book(y_symbol).mid, ctx.book(x_symbol).mid
        if y_mid is None or x_mid is None or y_mid <= 0 or x_mid <= 0:
            self._execute(ctx)
            return
        self._samples.append(self._transform(y_mid, x_mid))
        if self._fit_due(ctx.now):
            self._refit(ctx)
        self._decide(ctx, y_mid, x_mid)
        self._execute(ctx)

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        ctx.log(f"fill {fill.side} {fill.qty:g} {fill.instrument} @ {fill.price:g}")

    def on_stop(self, ctx: Context) -> None:
        gated = sum(1 for e in self.estimates if e.tradeable)
        ctx.log(
            f"pairs: {len(self.estimates)} estimates, {gated} with the gate open, {self.entries} entries; "
            f"final beta={self.estimates[-1].beta:.4g}"
            if self.estimates
            else "pairs: never estimated (the run ended inside the warm-up)"
        )

    # -- estimation ---------------------------------------------------------------------------------------------
    def _transform(self, y_mid: float, x_mid: float) -> tuple[float, float]:
        if self.config.price_transform == "log":
            return math.log(y_mid), math.log(x_mid)
        return y_mid, x_mid

    def _fit_due(self, now: int) -> bool:
        cfg = self.config
        if len(self._samples) < cfg.warmup_samples:
            return False
        if self._last_fit_ns is None:
            return True
        return now - self._last_fit_ns >= round(cfg.refit_interval_s * _NS) - 1

    def _refit(self, ctx: Context) -> None:
        cfg = self.config
        self._last_fit_ns = ctx.now
        data = np.asarray(self._samples, dtype=np.float64)
        y, x = data[:, 0], data[:, 1]
        estimate = self._estimate(ctx.now, y, x)
        self.estimates.append(estimate)
        self._current = estimate
        ctx.log(
            f"refit n={estimate.nobs} beta={estimate.beta:.4f} tau={estimate.statistic:.2f} "
            f"(crit {estimate.critical_value:.2f} at {cfg.coint_level:g}) half_life={estimate.half_life_s:.1f}s "
            f"{'OPEN' if estimate.tradeable else 'closed: ' + estimate.reason}"
        )

    def _estimate(self, now: int, y: FloatArray, x: FloatArray) -> PairEstimate:
        cfg = self.config
        nan = math.nan
        try:
            test = engle_granger(y, x)
        except StatArbError as error:
            reason = f"test failed: {error}"
            return PairEstimate(now, y.size, nan, nan, nan, nan, nan, False, nan, nan, nan, False, reason)
        critical = test.critical_values[min(test.critical_values, key=lambda level: abs(level - cfg.coint_level))]
        cointegrated = test.statistic < critical
        beta, alpha = test.hedge.beta, test.hedge.alpha
        if cfg.hedge == "kalman":
            # Filter on x centred over the window: with log prices x barely moves around its level, so α and β
            # would be almost collinear; centring decouples them (α is shifted back below).
            centre = float(x.mean())
            path = kalman_hedge_ratio(y, x - centre, delta=cfg.kalman_delta, warmup=y.size)
            beta = float(path.beta[-1])
            alpha = float(path.alpha[-1]) - beta * centre
        spread = y - alpha - beta * x
        reason = ""
        half_life = ou_mean = sigma_eq = nan
        try:
            ou = fit_ou_ar1(spread, dt=cfg.sample_interval_s)
            half_life, ou_mean, sigma_eq = ou.half_life, ou.mean, ou.sigma_eq
        except StatArbError as error:
            reason = f"no OU fit ({error})"
        if cfg.require_cointegration and not cointegrated:
            reason = f"not cointegrated at {cfg.coint_level:g} (tau {test.statistic:.2f} >= {critical:.2f})"
        elif not reason and half_life > cfg.max_half_life_s:
            reason = f"half-life {half_life:.1f}s > max_half_life_s {cfg.max_half_life_s:g}s"
        return PairEstimate(
            ts=now,
            nobs=y.size,
            beta=beta,
            alpha=alpha,
            statistic=test.statistic,
            pvalue=test.pvalue,
            critical_value=critical,
            cointegrated=cointegrated,
            half_life_s=half_life,
            ou_mean=ou_mean,
            ou_sigma_eq=sigma_eq,
            tradeable=not reason,
            reason=reason,
        )

    # -- decisions ----------------------------------------------------------------------------------------------
    def score(self) -> float:
        """The current s-score (or z-score) of the spread; NaN before the first usable estimate."""
        estimate = self._current
        if estimate is None or not self._samples or not math.isfinite(estimate.ou_sigma_eq):
            return math.nan
        y, x = self._samples[-1]
        spread = y - estimate.alpha - estimate.beta * x
        if self.config.signal == "s-score":
            return (spread - estimate.ou_mean) / estimate.ou_sigma_eq
        data = np.asarray(self._samples, dtype=np.float64)
        spreads = data[:, 0] - estimate.alpha - estimate.beta * data[:, 1]
        return float(rolling_zscore(spreads, spreads.size)[-1])

    def _hedge_units(self, y_mid: float, x_mid: float) -> float:
        beta = self._current.beta if self._current is not None else math.nan
        return beta * y_mid / x_mid if self.config.price_transform == "log" else beta

    def _decide(self, ctx: Context, y_mid: float, x_mid: float) -> None:
        estimate = self._current
        if estimate is None:
            return
        cfg = self.config
        wanted = self._spread_position
        score = self.score()
        if not estimate.tradeable:
            wanted = 0
        elif self._exit is not None and wanted != 0:
            wanted = 0 if self._exit.should_exit(score) else wanted
        else:
            wanted = int(positions_from_scores([score], self.thresholds, initial_position=wanted)[-1])
        if wanted == self._spread_position:
            return
        if wanted != 0:
            units = self._hedge_units(y_mid, x_mid)
            x_lot = ctx.instrument_spec(self._symbols[1]).lot_size
            hedge_lots = round(units * self.qty / x_lot) if math.isfinite(units) else 0
            if not 0 < abs(units) <= cfg.max_hedge_ratio or hedge_lots == 0:
                if not 0 < abs(units) <= cfg.max_hedge_ratio:
                    ctx.log(f"skip entry: hedge of {units:.4g} x per y is outside (0, {cfg.max_hedge_ratio:g}]")
                else:
                    ctx.log(
                        f"skip entry: the hedge of {units:.4g} x per y for {self.qty:g} y rounds to 0 lots of x "
                        f"(lot {x_lot:g}); raise qty"
                    )
                wanted = 0
                if self._spread_position == 0:
                    return
            else:
                self.hedge_units = units
                self.entries += 1
                self._targets = (wanted * self.qty, -wanted * hedge_lots * x_lot)
                if cfg.exit_rule == "signature":
                    kappa = math.log(2.0) / estimate.half_life_s
                    rng = np.random.default_rng(np.random.SeedSequence([self.entries]))
                    self._exit = SignatureExit.train(score, wanted, kappa, cfg, rng)
        if wanted == 0:
            self._targets = (0.0, 0.0)
            self._exit = None
        ctx.log(
            f"{'enter ' + ('long' if wanted > 0 else 'short') if wanted else 'exit'} spread: score={score:.2f} "
            f"targets y={self._targets[0]:g} x={self._targets[1]:g}"
        )
        self._spread_position = wanted

    def _execute(self, ctx: Context) -> None:
        slippage = self.config.slippage_ticks
        for symbol, target in zip(self._symbols, self._targets, strict=True):
            trade_towards(ctx, symbol, target, slippage)
