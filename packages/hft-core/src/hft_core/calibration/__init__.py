"""Fitting the simulated market to a recorded capture: what ``hft calibrate CAPTURE --out market.toml`` does.

The result is a ``[scenario]`` table for ``hft run NAME --config market.toml``: the ``single-instrument`` market's
knobs (`hft_core.markets.MarketConfig`) set so that its stylized facts (`hft_core.realism`) match the capture's.

**Direct fits** from the capture's facts: tick and lot (the instrument's grid), fees (its fee tier), the price
level (the mean mid), the volatility (realised volatility of the mid at 1 s, per √s; standard error σ/√(2n) over
n one-second returns), the fair value's step (the capture's mean time between mid changes: a crypto perpetual's
price sits still and then jumps, and a fair value that diffuses tick by tick would make every quote move all the
time), the taker order rate (n/T ± √n/T), the taker order sizes (lognormal: the median and the
log-standard-deviation of the sizes), the Hawkes decay and branching ratio of the taker order times
(`hft_core.flow.fit_hawkes`, with its standard errors), and the informed taker from the passive markout curve:
its horizon from the ratio of the 10 s and 1 s markouts (an informed order's expected adverse move grows
linearly up to its horizon and is flat after it, so ``m(10 s)/m(1 s) = h`` for ``1 ≤ h ≤ 10``) and its share
from the 10 s markout's size against the fair value's expected move over that horizon.

**Simulated moments.** Some facts are not any one knob: the depth at the touch depends on the quoting maker's size
and the liquidity provider's flow, the taker rate and branching ratio seen in the trades mix the noise and the
informed takers, and the markout depends on everything that trades. So the direct fits are a start, and
`calibrate` then simulates the market (``iterations`` runs of ``sim_duration_s``, on seeds that differ from any
seed a user is likely to evaluate with), measures it exactly as the capture was measured, and scales the
quoting maker's size, the noise rate, the noise branching ratio, the informed share and the median order size by
the ratio of the capture's fact to the simulated one. Each file records the capture's values, the last
simulation's values and the direct fits' standard errors as comments.

The market this builds: a liquidity provider that pulls quotes the fair value passes (``lp_cancel_stale``), a
quoting maker at the fair value's touch, Hawkes noise takers with lognormal sizes and informed takers, which also
take every quote a fair-value move leaves stale after a delay of `REACT_LATENCY_NS` plus an exponential of mean
`REACT_JITTER_NS` (assumed: the trades do not show it), so a slower maker is picked off more; the imbalance,
momentum and value traders are off (a capture shows no sign of them that could be fitted).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any

from hft_core.errors import HftError
from hft_core.realism import MarketSource, StylizedFacts, measure

__all__ = [
    "MIN_CAPTURE_S",
    "MIN_TAKER_ORDERS",
    "REACT_JITTER_NS",
    "REACT_LATENCY_NS",
    "Calibration",
    "CalibrationError",
    "Fitted",
    "calibrate",
    "check_capture",
    "simulate_facts",
]

MIN_CAPTURE_S = 60.0
"""A capture shorter than this (of two-sided book) cannot give a volatility or a markout at 10 s."""
MIN_TAKER_ORDERS = 100
"""Fewer taker orders than this cannot give a Hawkes fit or a size law."""

_NS_PER_S = 1_000_000_000
_MAX_SHARE = 0.9
_MAX_BRANCHING = 0.9
_MAX_REQUOTE_RATE = 300.0
REACT_LATENCY_NS = 1_000_000
"""The informed takers' least delay from a fair-value move to their IOC at the gateway (assumed, not fitted)."""
REACT_JITTER_NS = 100_000_000
"""The mean of the exponential delay added to it (assumed, not fitted): a crowd of takers from the colocated
(about a millisecond) to the distant (hundreds of milliseconds), so a maker's latency decides how many of them
reach its stale quote before it moves it. A capture's public trades do not say who reacted to what, and when."""


class CalibrationError(HftError):
    """A capture that cannot be calibrated to: the message says what it lacks."""

    exit_code = 2


@dataclass(frozen=True)
class Fitted:
    """How one knob's value was found: its estimate, standard error (NaN when none) and the method."""

    value: float
    se: float
    how: str


@dataclass
class Calibration:
    """The fitted ``[scenario]`` knobs, how each was found, the capture's facts and the last simulation's."""

    knobs: dict[str, Any]
    fitted: dict[str, Fitted]
    capture: StylizedFacts
    simulated: list[StylizedFacts] = field(default_factory=list)

    def to_toml(self, source_name: str, market_file: str = "") -> str:
        """The ``[scenario]`` table with its values and, as comments, the fits and the match it reached; its
        ``market_label`` names the capture and, when given, ``market_file`` (the file this text is written to), so
        a run's summary and its config.toml say which market and which calibration its result comes from."""
        import tomli_w

        target = self.capture
        label = f"calibrated to {source_name} ({target.symbol}, {target.duration_s:.0f} s)"
        if market_file:
            label += f" by {market_file}"
        lines = [
            f"# Simulated market calibrated to {source_name} ({target.symbol}, {target.duration_s:.0f} s) "
            "by hft calibrate.",
            "# Use it with: hft run NAME --config THIS_FILE   (any seed, any --duration)",
            "# Direct fits carry their standard errors; the simulated-moment knobs say which fact they matched.",
        ]
        if self.simulated:
            runs = self.simulated
            lines.append(
                f"# capture vs the calibration runs ({len(runs)} of {runs[0].duration_s:.0f} s; the knobs below "
                "are the median of what each run implied, so no single run used them):"
            )
            for name, get in _MATCHED:
                simulated = ", ".join(f"{get(run):.4g}" for run in runs)
                lines.append(f"#   {name}: capture {get(target):.4g}; runs {simulated}")
        lines.append("")
        body = tomli_w.dumps({"scenario": self.knobs | {"market_label": label}}).splitlines()
        for line in body:
            key = line.split(" = ", 1)[0].strip()
            note = self.fitted.get(key)
            if note is None:
                lines.append(line)
                continue
            se = "" if not math.isfinite(note.se) else f" ± {note.se:.3g}"
            lines.append(f"{line}  # {note.value:.6g}{se}: {note.how}")
        return "\n".join(lines) + "\n"


_MATCHED: tuple[tuple[str, Any], ...] = (
    ("spread mean (ticks)", lambda f: f.spread_mean_ticks),
    ("touch depth mean (lots)", lambda f: f.touch_depth_mean_lots),
    ("taker orders per s", lambda f: f.taker_rate_per_s),
    ("trade size median (lots)", lambda f: f.trade_size_median_lots),
    ("Hawkes branching ratio", lambda f: f.hawkes_branching),
    ("volatility per sqrt s", lambda f: f.volatility_per_sqrt_s),
    ("passive markout 10 s (bp)", lambda f: f.markout_bp.get("10s", math.nan)),
)


def check_capture(facts: StylizedFacts) -> None:
    """Refuse a capture that cannot be calibrated to, with what it lacks (a `CalibrationError`, exit 2)."""
    name = facts.label
    if facts.duration_s < MIN_CAPTURE_S:
        raise CalibrationError(
            f"{name}: capture too short: {facts.duration_s:.1f} s of two-sided book, at least {MIN_CAPTURE_S:.0f} s "
            "needed (a 10 s markout and a 1 s volatility need many windows)"
        )
    if facts.taker_orders < MIN_TAKER_ORDERS:
        raise CalibrationError(
            f"{name}: {facts.taker_orders} taker orders, at least {MIN_TAKER_ORDERS} needed for the Hawkes fit and "
            "the size law"
        )
    if not math.isfinite(facts.volatility_per_sqrt_s) or facts.volatility_per_sqrt_s <= 0:
        raise CalibrationError(f"{name}: the mid never moved, so there is no volatility to fit")


def _load_capture(source: MarketSource) -> StylizedFacts:
    from hft_core.events import EventKind

    events = source.events
    trades = (events["kind"] == EventKind.TRADE) | (events["kind"] == EventKind.FILL)
    if not trades.any():
        raise CalibrationError(f"{source.label}: no trades in the capture: nothing to fit the order flow to")
    facts = measure(source)
    check_capture(facts)
    return facts


def _direct(capture: StylizedFacts, source: MarketSource) -> tuple[dict[str, Any], dict[str, Fitted]]:
    instrument = source.instrument
    fitted: dict[str, Fitted] = {}
    tick = instrument.tick_size
    price = round(capture.price / tick) * tick
    sigma = capture.volatility_per_sqrt_s
    sigma_ticks = sigma * capture.price / tick
    seconds = max(capture.duration_s, 1.0)
    fitted["volatility"] = Fitted(sigma, sigma / math.sqrt(2.0 * seconds), "realised volatility of the 1 s mid")
    rate = capture.taker_rate_per_s
    fitted["noise_rate"] = Fitted(rate, math.sqrt(capture.taker_orders) / seconds, "taker orders per s")
    m1 = capture.markout_ticks.get("1s", math.nan)
    m10 = capture.markout_ticks.get("10s", math.nan)
    adverse = math.isfinite(m10) and m10 < 0 and math.isfinite(m1) and m1 < 0
    horizon = min(max(m10 / m1, 0.5), 30.0) if adverse else 10.0
    move = sigma_ticks * math.sqrt(2.0 / math.pi) * min(10.0, horizon) / math.sqrt(horizon)
    share = min(max(-m10 / move, 0.0), _MAX_SHARE) if math.isfinite(m10) and move > 0 else 0.0
    fitted["informed_horizon_s"] = Fitted(horizon, math.nan, "ratio of the 10 s and 1 s passive markouts")
    branching = capture.hawkes_branching if math.isfinite(capture.hawkes_branching) else 0.0
    fitted["noise_hawkes_decay"] = Fitted(capture.hawkes_decay_per_s, math.nan, "Hawkes MLE on the taker order times")
    sizes_max = max(1, min(1_000_000, round(capture.trade_size_p90_lots * 50)))
    median = min(max(capture.trade_size_median_lots, 1.0), float(sizes_max))
    fitted["noise_size_log_sd"] = Fitted(capture.trade_size_log_sd, math.nan, "sd of ln(taker order size)")
    depth = max(1.0, capture.touch_depth_mean_lots)
    # The fair value holds between steps: its step is the capture's mean time between mid changes, so the price
    # moves in jumps as often as the capture's does (at the same volatility).
    interval = capture.mid_change_interval_s
    step_ms = min(max(round(interval * 1000.0), 1), 60_000) if math.isfinite(interval) else 60_000
    fitted["fair_step_ms"] = Fitted(interval * 1000.0, math.nan, "mean time between mid changes (ms)")
    knobs: dict[str, Any] = {
        "price": float(price),
        "tick_size": float(tick),
        "lot_size": float(instrument.lot_size),
        "maker_fee": float(instrument.fees.maker),
        "taker_fee": float(instrument.fees.taker),
        "volatility": float(sigma),
        "fair_step_ms": step_ms,
        # The replay venue's default order path (1 ms each way), so a strategy compares like with like.
        "entry_latency_ns": 1_000_000,
        "response_latency_ns": 1_000_000,
        "feed_latency_ns": 1_000_000,
        "lp_order_rate": 50.0,
        "lp_distance_ticks": 2.0,
        "lp_half_spread_ticks": 0.0,
        "lp_size_min": 1,
        "lp_size_max": max(1, round(depth / 2)),
        "lp_lifetime_s": 2.0,
        "lp_fair_weight": 1.0,
        "lp_cancel_stale": True,
        "noise_rate": float(rate * (1.0 - share)),
        "noise_size_min": 1,
        "noise_size_max": int(sizes_max),
        "noise_size_median": float(median),
        "noise_size_log_sd": float(min(max(capture.trade_size_log_sd, 0.0), 5.0)),
        "noise_hawkes_branching": float(min(max(branching, 0.0), _MAX_BRANCHING)),
        "noise_hawkes_cross": 0.5,
        "noise_hawkes_decay": float(min(max(capture.hawkes_decay_per_s, 0.1), 1e6))
        if math.isfinite(capture.hawkes_decay_per_s)
        else 20.0,
        "mm_requote_rate": float(min(max(sigma_ticks**2, 20.0), _MAX_REQUOTE_RATE)),
        "mm_size": max(1, round(depth)),
        "mm_half_spread_ticks": 0.0,
        "mm_latency_ns": 0,
        "informed_share": float(share),
        "informed_horizon_s": float(horizon),
        "informed_react_probability": 1.0,
        "informed_react_latency_ns": REACT_LATENCY_NS,
        "informed_react_jitter_ns": REACT_JITTER_NS,
        "imbalance_look_rate": 0.0,
        "momentum_look_rate": 0.0,
        "value_look_rate": 0.0,
    }
    fitted["price"] = Fitted(capture.price, math.nan, "mean mid")
    fitted["informed_share"] = Fitted(share, math.nan, "10 s passive markout over the fair value's expected move")
    fitted["noise_hawkes_branching"] = Fitted(
        branching, capture.hawkes_branching_se, "Hawkes branching ratio of the taker order times"
    )
    fitted["noise_size_median"] = Fitted(capture.trade_size_median_lots, math.nan, "median taker order size")
    fitted["mm_size"] = Fitted(capture.touch_depth_mean_lots, math.nan, "mean depth at the touch")
    return knobs, fitted


def simulate_facts(knobs: dict[str, Any], *, seed: int, duration_s: float, label: str = "simulated") -> StylizedFacts:
    """The stylized facts of ``single-instrument`` with these knobs, run for ``duration_s`` on ``seed``."""
    from hft_core.instruments import Instrument
    from hft_core.realism import stylized_facts
    from hft_core.runs import create_scenario
    from hft_core.venues.base import Watch
    from hft_core.venues.simulated import SimulatedVenue

    venue = create_scenario("single-instrument", seed=seed, duration_s=duration_s, **(knobs | {"record": True}))
    if not isinstance(venue, SimulatedVenue):
        raise TypeError("single-instrument is a SimulatedVenue")
    venue.start()
    venue.advance(venue.end_ns, Watch())
    instrument: Instrument = venue.instruments[0]
    return stylized_facts(venue.recorded_market_data(), instrument, label=label)


def _ratio(target: float, simulated: float, low: float = 0.5, high: float = 2.0) -> float:
    if not (math.isfinite(target) and math.isfinite(simulated)) or simulated == 0 or target / simulated <= 0:
        return 1.0
    return min(max(target / simulated, low), high)


def _implied(knobs: dict[str, Any], target: StylizedFacts, sim: StylizedFacts) -> dict[str, float]:
    """What each simulated-moment knob would have to be for this simulation to match the capture: the knob scaled
    by its fact's capture/simulation ratio (the branching ratio and the cross share shifted by the difference)."""
    implied: dict[str, float] = {}
    depth = _ratio(target.touch_depth_mean_lots, sim.touch_depth_mean_lots)
    implied["mm_size"] = knobs["mm_size"] * depth
    implied["lp_size_max"] = knobs["lp_size_max"] * depth
    median = knobs["noise_size_median"] * _ratio(target.trade_size_median_lots, sim.trade_size_median_lots)
    implied["noise_size_median"] = min(max(median, 1.0), float(knobs["noise_size_max"]))
    if math.isfinite(target.hawkes_branching) and math.isfinite(sim.hawkes_branching):
        branching = knobs["noise_hawkes_branching"] + (target.hawkes_branching - sim.hawkes_branching)
        implied["noise_hawkes_branching"] = min(max(branching, 0.0), _MAX_BRANCHING)
    acf_target = target.sign_autocorrelation.get("1", math.nan)
    acf_sim = sim.sign_autocorrelation.get("1", math.nan)
    if math.isfinite(acf_target) and math.isfinite(acf_sim):
        implied["noise_hawkes_cross"] = min(max(knobs["noise_hawkes_cross"] + (acf_sim - acf_target), 0.0), 1.0)
    total = knobs["noise_rate"] / max(1e-9, 1.0 - knobs["informed_share"])
    implied["taker_rate"] = total * _ratio(target.taker_rate_per_s, sim.taker_rate_per_s)
    return implied


def _informed_share(knobs: dict[str, Any], target: StylizedFacts, runs: list[StylizedFacts]) -> dict[str, Any]:
    """The informed share corrected by the 10 s passive markout of all runs pooled (weighted by their fills).

    One short run's markout is too noisy to steer by (its sampling error is tens of percent), so the runs keep
    the direct estimate and only their pooled markout moves it, by half the log-ratio and at most ×1.5.
    """
    m_target = target.markout_bp.get("10s", math.nan)
    pairs = [(r.markout_bp.get("10s", math.nan), r.markout_fills.get("10s", 0)) for r in runs]
    weight = sum(n for m, n in pairs if math.isfinite(m))
    if not (math.isfinite(m_target) and m_target < 0 and weight > 0):
        return knobs
    pooled = sum(m * n for m, n in pairs if math.isfinite(m)) / weight
    factor = math.sqrt(_ratio(m_target, pooled, 1 / 2.25, 2.25)) if pooled < 0 else 1.5
    new = dict(knobs)
    total = knobs["noise_rate"] / max(1e-9, 1.0 - knobs["informed_share"])
    new["informed_share"] = float(min(max(knobs["informed_share"] * factor, 0.0), _MAX_SHARE))
    new["noise_rate"] = float(total * (1.0 - new["informed_share"]))
    return new


def _apply(knobs: dict[str, Any], implied: dict[str, float], damping: float) -> dict[str, Any]:
    """``knobs`` moved ``damping`` of the way to the implied values (1: all the way), integers kept integers."""
    new = dict(knobs)
    total = knobs["noise_rate"] / max(1e-9, 1.0 - knobs["informed_share"])
    for key, value in implied.items():
        if key == "taker_rate":
            continue
        moved = knobs[key] + damping * (value - knobs[key])
        new[key] = max(1, round(moved)) if isinstance(knobs[key], int) else float(moved)
    total += damping * (implied.get("taker_rate", total) - total)
    # The noise takers send what the informed ones do not: the total taker rate is the capture's.
    new["noise_rate"] = float(total * (1.0 - new["informed_share"]))
    return new


def calibrate(
    source: MarketSource,
    *,
    iterations: int = 3,
    sim_duration_s: float = 60.0,
    seed: int = 1_000_000,
) -> Calibration:
    """Fit the ``single-instrument`` market's knobs to the capture in ``source`` (see the module docstring).

    The calibration simulations use seeds ``seed``, ``seed + 1``, ...; the same capture and arguments give the
    same file. A capture that is too short, has no trades or holds several instruments is a
    `CalibrationError` (or `hft_core.realism.RealismInputError`), exit code 2.
    """
    if iterations < 0:
        raise CalibrationError(f"iterations must be >= 0, got {iterations}")
    if not sim_duration_s > 0:
        raise CalibrationError(f"sim_duration_s must be > 0, got {sim_duration_s}")
    capture = _load_capture(source)
    knobs, fitted = _direct(capture, source)
    result = Calibration(knobs, fitted, capture)
    estimates: list[dict[str, float]] = []
    for step in range(iterations):
        sim = simulate_facts(knobs, seed=seed + step, duration_s=sim_duration_s, label=f"calibration run {step + 1}")
        result.simulated.append(sim)
        estimates.append(_implied(knobs, capture, sim))
        knobs = _apply(knobs, estimates[-1], 0.5)
    if estimates:
        # Each run gives an independent estimate of what matches the capture; their median is less noisy than any
        # one and ignores a run whose short sample drew an outlying branching ratio.
        keys = set.intersection(*(set(e) for e in estimates))
        knobs = _apply(knobs, {key: statistics.median(e[key] for e in estimates) for key in keys}, 1.0)
        knobs = _informed_share(knobs, capture, result.simulated)
    _validate(knobs)
    result.knobs = knobs
    for key in ("noise_rate", "mm_size", "noise_size_median", "noise_hawkes_branching", "informed_share"):
        if key in fitted:
            start = fitted[key]
            fitted[key] = Fitted(start.value, start.se, f"{start.how} (start), then simulated moments")
    return result


def _validate(knobs: dict[str, Any]) -> None:
    """The knobs must make a valid ``single-instrument`` config (they are the file's promise)."""
    from hft_core.markets import MarketConfig

    try:
        MarketConfig().updated(knobs)
    except (ValueError, TypeError, HftError) as exc:
        raise CalibrationError(f"the fitted market is not a valid config: {exc}") from None
