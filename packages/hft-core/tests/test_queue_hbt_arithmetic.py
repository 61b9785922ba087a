"""The probabilistic queue models with hftbacktest's arithmetic (``arithmetic="hftbacktest"``), pinned by hand.

hftbacktest 2.4.4's ``ProbQueueModel`` (its Rust ``backtest/models/queue.rs``), in lots:

- new order: ``front = level``; a trade of ``q`` at our price: ``front -= q``, ``cum_trade += q``;
- a depth update ``prev -> new``: ``chg = prev - new - cum_trade``, ``cum_trade = 0``; if ``chg < 0``:
  ``front = min(front, new)``; else ``back = prev - front`` (prev gross of trades, not clamped),
  ``p = prob(front, back)`` (1 if infinite), ``front = min(front - (1 - p)·chg + min(back - p·chg, 0), new)``
  with Rust's ``min`` (a NaN operand yields the other one) and nothing clamped at 0;
- after a trade at our price: ``exec = round(-front)`` (halves away from zero); if positive, the order fills
  (the no-partial exchange: all of it; the partial one: ``min(exec, q, leaves)``) and ``front = 0``.

That fill rule is the one the installed hftbacktest 2.4.4 follows: tests/test_queue_hbt_differential.py runs it
beside the replay venue on random streams (some published revisions of queue.rs fill ``floor(-front)`` lots once
``round(front) < 0`` and keep the negative front; on those streams that rule disagrees with 2.4.4 and this one
does not).

The expected values below are these formulas worked by hand; the clamped arithmetic's value is pinned beside
each where the two differ. The venues' fills under this arithmetic are pinned in tests/test_replay_queue.py (both
implementations); tests/test_replay_equivalence.py compares the compiled kernel with the reference on random
streams with these models too.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import pytest
from hft_core.errors import ConfigError
from hft_core.venues.replay import (
    LogProbQueue,
    Power3ProbQueue,
    PowerProbQueue,
    QueueModel,
    RiskAverseQueue,
    _kernel,
    queue,
)
from hft_core.venues.replay.config import ReplayConfig

HBT: Final = "hftbacktest"


# -- the formulas --------------------------------------------------------------------------------------------------
def test_depth_update_without_trades_equals_the_clamped_arithmetic() -> None:
    # level 10 at arrival, 20 join behind (chg = -20 < 0: front stays 10), 10 cancel (30 -> 20): back = 20,
    # p = 20² / (20² + 10²) = 0.8, front = 10 − 0.2·10 + min(20 − 8, 0) = 8, as in the clamped model
    model = PowerProbQueue(2.0, arithmetic=HBT)
    assert model.front_after_depth_hftbacktest(10.0, 0.0, 10.0, 30.0) == 10.0
    assert model.front_after_depth_hftbacktest(10.0, 0.0, 30.0, 20.0) == pytest.approx(8.0)
    assert PowerProbQueue(2.0).front_after_decrease(10.0, 30.0, 20.0) == pytest.approx(8.0)


def test_the_quantity_behind_is_gross_of_trades() -> None:
    # front 10 of a level of 30; 4 trade at our price (front 6, cum_trade 4); the level then reads 20:
    # chg = 30 − 20 − 4 = 6 and back = 30 − 6 = 24 (hftbacktest) against 26 − 6 = 20 (clamped: prev net of trades)
    p_hbt = 24**2 / (24**2 + 6**2)
    hbt = PowerProbQueue(2.0, arithmetic=HBT).front_after_depth_hftbacktest(6.0, 4.0, 30.0, 20.0)
    assert hbt == pytest.approx(6 - (1 - p_hbt) * 6) == pytest.approx(5.647058823529412)
    p_clamped = 20**2 / (20**2 + 6**2)
    assert PowerProbQueue(2.0).front_after_decrease(6.0, 26.0, 20.0) == pytest.approx(6 - (1 - p_clamped) * 6)
    assert PowerProbQueue(2.0).front_after_decrease(6.0, 26.0, 20.0) == pytest.approx(5.504587155963303)


def test_the_front_is_not_clamped_at_zero() -> None:
    model = PowerProbQueue(2.0, arithmetic=HBT)
    # a front 2 below zero (an earlier estimate) and an update whose change the trades explain (chg = 0):
    # back = 10 − (−2) = 12 and front − 0 + min(12, 0) = −2 stays below zero (clamped: 0)
    assert model.front_after_depth_hftbacktest(-2.0, 5.0, 10.0, 5.0) == -2.0
    # then a cancellation of 3 (4 -> 1): back = 6, p = 36 / 40, front = −2 − 0.1·3 + min(6 − 2.7, 0) = −2.3
    assert model.front_after_depth_hftbacktest(-2.0, 0.0, 4.0, 1.0) == pytest.approx(-2.3)
    # an increase caps the front at the level and never raises it
    assert model.front_after_depth_hftbacktest(-2.0, 0.0, 1.0, 7.0) == -2.0
    assert model.front_after_depth_hftbacktest(9.0, 0.0, 9.0, 12.0) == 9.0


def test_an_undefined_probability_puts_the_front_at_the_level() -> None:
    # n = 0.5 and a negative front: pow(−2, 0.5) is NaN, so p and the estimate are NaN, and Rust's min(NaN, new)
    # is new: the front jumps back to the level's size (4)
    model = PowerProbQueue(0.5, arithmetic=HBT)
    assert math.isnan(model.probability_behind_hftbacktest(-2.0, 12.0))
    assert model.front_after_depth_hftbacktest(-2.0, 0.0, 10.0, 4.0) == 4.0
    # 0/0 (nothing ahead, nothing behind, an update that changes nothing): NaN again, front = the level
    assert PowerProbQueue(2.0, arithmetic=HBT).front_after_depth_hftbacktest(0.0, 0.0, 0.0, 0.0) == 0.0
    # an infinite probability counts as 1: power3 with front + back = 0 and front ≠ 0 (front 2, back −2)
    p3 = Power3ProbQueue(3.0, arithmetic=HBT)
    assert p3.probability_behind_hftbacktest(2.0, -2.0) == -math.inf
    # p = 1: front − 0 + min(back − chg, 0) = 2 + min(−2 − 1, 0) = −1
    assert p3.front_after_depth_hftbacktest(2.0, 0.0, 0.0, -1.0) == -1.0


def test_log_model_uses_ln_of_one_plus() -> None:
    model = LogProbQueue(arithmetic=HBT)
    assert model.probability_behind_hftbacktest(10.0, 20.0) == math.log(21.0) / (math.log(21.0) + math.log(11.0))
    # below −1 the log is undefined: NaN, not an error
    assert math.isnan(model.probability_behind_hftbacktest(-3.0, 5.0))


@pytest.mark.parametrize(
    ("front", "lots"),
    [(0.3, 0.0), (0.0, 0.0), (-0.4, 0.0), (-0.49, 0.0), (-0.5, 1.0), (-0.99, 1.0), (-1.0, 1.0), (-2.49, 2.0),
     (-2.5, 3.0), (-2.7, 3.0), (math.nan, 0.0)],
)  # fmt: skip
def test_fill_condition(front: float, lots: float) -> None:
    # round(−front) with halves away from zero: half a lot past the front fills one
    assert queue.hftbacktest_fill_lots(front) == lots
    assert _kernel._hbt_fill_lots(front) == lots


# -- the compiled kernel states the same arithmetic ---------------------------------------------------------------
def test_kernel_restates_the_codes() -> None:
    assert (_kernel.Q_POWER_HBT, _kernel.Q_LOG_HBT, _kernel.Q_POWER3_HBT) == (
        queue.POWER_PROB_HBT,
        queue.LOG_PROB_HBT,
        queue.POWER3_PROB_HBT,
    )
    assert PowerProbQueue(2.0, arithmetic=HBT).code == _kernel.Q_POWER_HBT
    assert LogProbQueue(arithmetic=HBT).code == _kernel.Q_LOG_HBT
    assert Power3ProbQueue(3.0, arithmetic=HBT).code == _kernel.Q_POWER3_HBT
    assert (PowerProbQueue(2.0).code, LogProbQueue().code, Power3ProbQueue().code) == (1, 2, 3)
    assert RiskAverseQueue().code == 0 and not RiskAverseQueue().hftbacktest_arithmetic


def test_kernel_probability_equals_the_reference_everywhere() -> None:
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.uniform(-30, 30, 400), np.round(rng.uniform(-5, 40, 200)), [0.0, -1.0, -0.0, 1e200]])
    models: list[QueueModel] = [
        PowerProbQueue(2.0, arithmetic=HBT),
        PowerProbQueue(0.7, arithmetic=HBT),
        PowerProbQueue(3.0, arithmetic=HBT),
        LogProbQueue(arithmetic=HBT),
        Power3ProbQueue(3.0, arithmetic=HBT),
        Power3ProbQueue(1.5, arithmetic=HBT),
    ]
    for model in models:
        for front, back in zip(values, rng.permutation(values), strict=True):
            mine = _kernel._probability_behind_hbt(model.code, model.exponent, float(front), float(back))
            theirs = model.probability_behind_hftbacktest(float(front), float(back))
            assert mine == theirs or (math.isnan(mine) and math.isnan(theirs)), (model, front, back)


def test_arithmetic_must_be_known() -> None:
    with pytest.raises(ValueError, match="arithmetic must be one of"):
        PowerProbQueue(2.0, arithmetic="exact")  # type: ignore[arg-type]


# -- the venue knob ------------------------------------------------------------------------------------------------
def test_replay_config_knob() -> None:
    config = ReplayConfig(queue="power3", queue_arithmetic="hftbacktest")
    assert config.queue_model() == Power3ProbQueue(3.0, arithmetic=HBT)
    assert "queue power3 (hftbacktest arithmetic)" in config.describe()
    assert ReplayConfig(queue="log").queue_model() == LogProbQueue()
    with pytest.raises(ConfigError, match="queue_arithmetic applies to the 'power', 'log' and 'power3' queues"):
        ReplayConfig(queue="risk-averse", queue_arithmetic="hftbacktest")
