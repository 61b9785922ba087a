"""Each pattern's effect against its control over pinned seeds, and the detectors scored on its planted episodes.

Margins sit well inside what the pinned seeds show (docs/manipulation.md has the numbers over more seeds and
longer runs): if a pattern stops working, or a detector starts missing or inventing episodes, these fail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from hft_gated_manipulative.studies import HonestStudy, IgnitionStudy, SpoofingStudy, StuffingStudy

pytestmark = pytest.mark.slow

SEEDS = (1, 2, 3, 4)
TARGET = 0.9


@pytest.fixture(scope="module")
def spoofing(unlocked_module: None) -> SpoofingStudy:
    from hft_gated_manipulative.studies import study_spoofing

    return study_spoofing(SEEDS, duration_s=60.0)


@pytest.fixture(scope="module")
def layering(unlocked_module: None) -> SpoofingStudy:
    from hft_gated_manipulative.studies import study_spoofing

    return study_spoofing(SEEDS, duration_s=60.0, layering=True)


@pytest.fixture(scope="module")
def ignition(unlocked_module: None) -> IgnitionStudy:
    from hft_gated_manipulative.studies import study_ignition

    return study_ignition(SEEDS, duration_s=60.0)


@pytest.fixture(scope="module")
def stuffing(unlocked_module: None) -> StuffingStudy:
    from hft_gated_manipulative.studies import study_stuffing

    return study_stuffing(SEEDS[:3], duration_s=30.0)


@pytest.mark.parametrize("study_name", ["spoofing", "layering"])
def test_spoof_orders_make_the_genuine_order_fill_more_and_sooner(
    study_name: str, request: pytest.FixtureRequest
) -> None:
    study: SpoofingStudy = request.getfixturevalue(study_name)
    assert study.episodes == 48
    assert study.fill_rate >= study.control_fill_rate + 0.35, study
    for with_spoof, control in study.per_seed_fill_rates:
        assert with_spoof >= control + 0.2, study.per_seed_fill_rates
    assert study.time_to_fill_s <= study.control_time_to_fill_s - 0.2, study
    # Joined at the touch either way: the price is the same, the spoof buys the fill.
    assert study.edge == pytest.approx(study.control_edge, abs=0.002)


@pytest.mark.parametrize("study_name", ["spoofing", "layering"])
def test_spoofing_detector_precision_and_recall(study_name: str, request: pytest.FixtureRequest) -> None:
    study: SpoofingStudy = request.getfixturevalue(study_name)
    assert study.detection.planted == study.episodes
    assert study.detection.precision >= TARGET, study.detection
    assert study.detection.recall >= TARGET, study.detection
    assert set(study.flagged) == {study.kind}  # no episode of another kind (layering is not called spoofing)
    assert study.control_flagged == {}  # the genuine orders alone are honest


def test_ignition_unwind_earns_against_inert_followers(ignition: IgnitionStudy) -> None:
    assert ignition.episodes == 24
    assert ignition.pnl_per_episode >= ignition.control_pnl_per_episode + 4.0, ignition
    for with_followers, inert in ignition.per_seed_pnl:
        assert with_followers > inert + 1.0, ignition.per_seed_pnl
    assert ignition.unwind_vs_burst_ticks >= ignition.control_unwind_vs_burst_ticks + 1.5, ignition
    for live, inert in ignition.follower_lots:
        assert live > 1000 and inert == 0, ignition.follower_lots


def test_ignition_detector_precision_and_recall(ignition: IgnitionStudy) -> None:
    assert ignition.detection.planted == 2 * ignition.episodes  # attempts in both runs
    assert ignition.detection.precision >= TARGET, ignition.detection
    assert ignition.detection.recall >= TARGET, ignition.detection
    assert set(ignition.flagged) == {"momentum-ignition"}


def test_stuffing_delays_everyone_else(stuffing: StuffingStudy) -> None:
    assert stuffing.bursts == 3 * 30  # one a second from 1 s to 30 s
    assert stuffing.strategy_messages >= (stuffing.bursts - 3) * 400  # 200 orders + 200 cancels each
    for with_stuffing, control in stuffing.per_seed_wait_ms:
        assert with_stuffing >= 20.0 and with_stuffing >= 100 * control, stuffing.per_seed_wait_ms
    assert stuffing.others_wait_per_message_us >= 100 * stuffing.control_others_wait_per_message_us
    assert stuffing.others_max_wait_ms >= 1.0 > stuffing.control_others_max_wait_ms


def test_stuffing_detector_precision_and_recall(stuffing: StuffingStudy) -> None:
    assert stuffing.detection.planted == stuffing.bursts
    assert stuffing.detection.precision >= TARGET, stuffing.detection
    assert stuffing.detection.recall >= TARGET, stuffing.detection
    assert set(stuffing.flagged) == {"quote-stuffing"}
    assert stuffing.control_flagged == {}


@pytest.mark.parametrize("settings", ["reactive", "momentum-ignition", "quote-stuffing"])
def test_honest_market_maker_on_the_same_markets_is_not_flagged(unlocked: None, settings: str) -> None:
    from hft_gated_manipulative.config import IGNITION_SCENARIO_PARAMS, STUFFING_SCENARIO_PARAMS
    from hft_gated_manipulative.studies import study_honest_market_maker

    overrides: dict[str, Any] = {
        "reactive": {},
        "momentum-ignition": dict(IGNITION_SCENARIO_PARAMS),
        "quote-stuffing": dict(STUFFING_SCENARIO_PARAMS),
    }[settings]
    honest: HonestStudy = study_honest_market_maker(SEEDS[:3], duration_s=60.0, **overrides)
    assert honest.fills >= 100 and honest.cancel_ratio >= 0.1, honest  # it traded and re-quoted a lot
    assert honest.flagged == {}, honest
