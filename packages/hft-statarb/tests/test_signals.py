"""s-score / z-score rules: Avellaneda–Lee defaults, position state machine, rolling z-score, speed filter."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hft_statarb.errors import StatArbError
from hft_statarb.signals import (
    AVELLANEDA_LEE_MIN_KAPPA,
    AVELLANEDA_LEE_THRESHOLDS,
    SignalThresholds,
    modified_s_score,
    passes_speed_filter,
    positions_from_scores,
    rolling_zscore,
    s_score,
)


def test_avellaneda_lee_defaults() -> None:
    assert (
        SignalThresholds(open_long=-1.25, open_short=1.25, close_long=-0.50, close_short=0.75)
        == AVELLANEDA_LEE_THRESHOLDS
    )
    assert pytest.approx(8.4) == AVELLANEDA_LEE_MIN_KAPPA


def test_position_state_machine_follows_the_rules() -> None:
    scores = [0.0, -1.3, -0.8, -0.4, 1.0, 1.3, 0.9, 0.7, math.nan, -1.26, 1.5, 0.0]
    expected = [0, 1, 1, 0, 0, -1, -1, 0, 0, 1, -1, 0]
    #            flat→long(−1.3<−1.25); hold; close (−0.4>−0.5); flat; short (1.3>1.25); hold (0.9>0.75);
    #            close (0.7<0.75); NaN keeps; long; reversal long→short at 1.5; close short.
    assert positions_from_scores(scores).tolist() == expected


def test_boundaries_are_strict() -> None:
    assert positions_from_scores([-1.25, 1.25]).tolist() == [0, 0]
    assert positions_from_scores([-1.3, -0.5]).tolist() == [1, 1]
    assert positions_from_scores([1.3, 0.75]).tolist() == [-1, -1]


def test_initial_position_and_symmetric_band() -> None:
    band = SignalThresholds.symmetric(entry=2.0, exit=0.5)
    assert band == SignalThresholds(open_long=-2.0, open_short=2.0, close_long=-0.5, close_short=0.5)
    assert positions_from_scores([1.0, 0.4], band, initial_position=-1).tolist() == [-1, 0]
    assert positions_from_scores([-2.1, -0.6, -0.4], band).tolist() == [1, 1, 0]


def test_threshold_validation() -> None:
    with pytest.raises(StatArbError, match="close_long"):
        SignalThresholds(open_long=-1.0, close_long=-1.5)
    with pytest.raises(StatArbError, match="close_short"):
        SignalThresholds(open_short=1.0, close_short=1.5)
    with pytest.raises(StatArbError, match="exit < entry"):
        SignalThresholds.symmetric(entry=1.0, exit=1.0)
    with pytest.raises(StatArbError, match="finite"):
        SignalThresholds(open_long=math.nan)
    with pytest.raises(StatArbError, match="initial_position"):
        positions_from_scores([0.0], initial_position=2)


def test_s_score_and_modified_s_score() -> None:
    np.testing.assert_allclose(s_score([1.0, 2.0, 0.0], mean=1.0, sigma_eq=0.5), [0.0, 2.0, -2.0])
    # s − α/(κ σ_eq): drift 0.84 per year, κ = 8.4 per year, σ_eq = 0.1 → shift of 1.
    np.testing.assert_allclose(modified_s_score([0.5], drift=0.84, kappa=8.4, sigma_eq=0.1), [-0.5])
    with pytest.raises(StatArbError, match="sigma_eq"):
        s_score([1.0], mean=0.0, sigma_eq=0.0)


def test_speed_filter_uses_per_year_kappa() -> None:
    kappas = np.array([252 / 29, 252 / 31, math.nan, 100.0])
    assert passes_speed_filter(kappas).tolist() == [True, False, False, True]
    assert passes_speed_filter(kappas, min_kappa=200.0).tolist() == [False, False, False, False]


def test_rolling_zscore_matches_a_direct_computation() -> None:
    values = np.cumsum(np.random.default_rng(0).standard_normal(300)) + 1e4
    window = 20
    z = rolling_zscore(values, window)
    assert np.all(np.isnan(z[: window - 1]))
    for t in (window - 1, 100, 299):
        chunk = values[t - window + 1 : t + 1]
        assert z[t] == pytest.approx((values[t] - chunk.mean()) / chunk.std(), rel=1e-8)


def test_rolling_zscore_of_a_flat_window_is_nan() -> None:
    z = rolling_zscore([1.0, 1.0, 1.0, 2.0], window=3)
    assert math.isnan(z[2])
    assert z[3] == pytest.approx((2.0 - 4 / 3) / np.std([1.0, 1.0, 2.0]))
    with pytest.raises(StatArbError, match="window"):
        rolling_zscore([1.0, 2.0], window=1)
    with pytest.raises(StatArbError, match="too few observations"):
        rolling_zscore([1.0, 2.0], window=3)
    with pytest.raises(StatArbError, match="NaN"):
        rolling_zscore([1.0, math.nan, 2.0], window=2)
