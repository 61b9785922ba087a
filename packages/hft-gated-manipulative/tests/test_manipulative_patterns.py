"""The patterns as declared: names, parameters, references, scenario settings, factories and episode logs."""

from __future__ import annotations

import pytest
from hft_core import backtest
from hft_core.venues.simulated import get_scenario

pytestmark = pytest.mark.usefixtures("unlocked")


def test_four_patterns_with_references_and_valid_scenario_settings() -> None:
    from hft_gated_manipulative.plugin import PATTERNS, hft_register_patterns

    assert [p.name for p in hft_register_patterns()] == ["spoofing", "layering", "momentum-ignition", "quote-stuffing"]
    for pattern in PATTERNS:
        assert pattern.default_scenario == "reactive"
        get_scenario(pattern.default_scenario).resolve(pattern.scenario_params)  # every key exists and type-checks
        assert any("§4c(a)(5)(C)" in ref for ref in pattern.references)
        assert any("Rule 575" in ref for ref in pattern.references)
        assert pattern.summary.startswith("Educational, simulator-only")
        strategy = pattern.strategy_factory(pattern.defaults())
        assert type(strategy).simulator_only is True
    by_name = {p.name: p for p in PATTERNS}
    assert dict(by_name["momentum-ignition"].scenario_params) == {"momentum_size_max": 100, "momentum_cooldown_s": 0.05}
    assert dict(by_name["quote-stuffing"].scenario_params) == {"message_service_ns": 20_000}
    assert by_name["layering"].defaults()["levels"] == 4


def test_pattern_defaults_are_the_strategy_defaults() -> None:
    from hft_gated_manipulative import Layering, MomentumIgnition, QuoteStuffing, Spoofing
    from hft_gated_manipulative.plugin import LAYERING, MOMENTUM_IGNITION, QUOTE_STUFFING, SPOOFING

    def settings(strategy: object) -> dict[str, object]:
        return {k: v for k, v in vars(strategy).items() if not k.startswith("_") and k != "outcomes"}

    pairs = [
        (SPOOFING, Spoofing()),
        (LAYERING, Layering()),
        (MOMENTUM_IGNITION, MomentumIgnition()),
        (QUOTE_STUFFING, QuoteStuffing()),
    ]
    for pattern, plain in pairs:
        assert settings(pattern.strategy_factory(pattern.defaults())) == settings(plain), pattern.name


def test_factories_pass_parameters_and_reject_bad_ones() -> None:
    from hft_gated_manipulative import Layering, MomentumIgnition, QuoteStuffing, Spoofing
    from hft_gated_manipulative.plugin import LAYERING, MOMENTUM_IGNITION, QUOTE_STUFFING, SPOOFING

    layering = LAYERING.strategy_factory({**LAYERING.defaults(), "levels": 6, "spoof_qty": 50.0})
    assert isinstance(layering, Layering)
    assert (layering.levels, layering.spoof_qty, layering.kind) == (6, 50.0, "layering")
    control = SPOOFING.strategy_factory({**SPOOFING.defaults(), "with_spoof": False})
    assert isinstance(control, Spoofing) and control.with_spoof is False
    ignition = MOMENTUM_IGNITION.strategy_factory({**MOMENTUM_IGNITION.defaults(), "unwind": "market"})
    assert isinstance(ignition, MomentumIgnition) and ignition.unwind == "market"
    stuffing = QUOTE_STUFFING.strategy_factory({**QUOTE_STUFFING.defaults(), "burst_orders": 7})
    assert isinstance(stuffing, QuoteStuffing) and stuffing.burst_orders == 7
    with pytest.raises(ValueError, match="max_episode_s < interval_s"):
        Spoofing(max_episode_s=6.0, interval_s=5.0)
    with pytest.raises(ValueError, match="unwind"):
        MomentumIgnition(unwind="later")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        QuoteStuffing(distance_ticks=0)


def test_planted_episode_lines_round_trip() -> None:
    from hft_gated_manipulative import PlantedEpisode, planted_episodes

    lines = [
        "1000 planted spoofing #1 start genuine=sell 5@100.01",
        "1500 unrelated line",
        "2000 planted spoofing #1 end genuine_filled=5/5",
        "3000 planted layering #1 start",
        "4000 planted quote-stuffing #7 start orders=200",
    ]
    assert planted_episodes(lines) == [
        PlantedEpisode("spoofing", 1, 1000, 2000),
        PlantedEpisode("layering", 1, 3000, 4000),  # never ended: ends at the last timestamp seen
        PlantedEpisode("quote-stuffing", 7, 4000, 4000),
    ]
    assert [e.kind for e in planted_episodes(lines, "layering")] == ["layering"]
    assert planted_episodes(lines)[0].interval == (1000, 2000)


def test_a_run_logs_one_start_and_end_per_episode() -> None:
    from hft_gated_manipulative import Spoofing, planted_episodes

    strategy = Spoofing()
    result = backtest(strategy, scenario="reactive", seed=1, duration_s=20.0)
    episodes = planted_episodes(result.logs, "spoofing")
    assert len(episodes) == len(strategy.outcomes) == 4  # at 1, 6, 11 and 16 s
    for episode, outcome in zip(episodes, strategy.outcomes, strict=True):
        assert episode.start_ns == outcome.placed_ns
        assert episode.end_ns == outcome.ended_ns
        assert 0 < episode.end_ns - episode.start_ns <= 4_000_000_000
    # The genuine order's record keeps its 'filled' status: the spoof, not the genuine order, is cancelled.
    genuine = result.orders[result.orders["qty"] == 5.0]
    assert set(genuine["status"]) <= {"filled", "cancelled"}
    assert (result.orders[result.orders["qty"] == 500.0]["status"] == "cancelled").all()
    # The control logs no planted episode: nothing manipulative happened.
    control = Spoofing(with_spoof=False)
    assert planted_episodes(backtest(control, scenario="reactive", seed=1, duration_s=20.0).logs) == []
    assert len(control.outcomes) == 4
