"""The patterns as declared: names, knobs, references, scenario settings, building strategies and episode logs."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest
from hft_core import Config, ConfigError, Knob, backtest
from hft_core.plugins import PluginHost
from hft_core.runs import resolve_run

pytestmark = pytest.mark.usefixtures("unlocked")

RunPython = Callable[..., subprocess.CompletedProcess[str]]


def test_four_patterns_with_references_and_valid_scenario_settings() -> None:
    from hft_gated_manipulative.plugin import PATTERNS, hft_register_patterns

    assert [p.name for p in hft_register_patterns()] == ["spoofing", "layering", "momentum-ignition", "quote-stuffing"]
    host = PluginHost(discover=False)
    for pattern in PATTERNS:
        assert pattern.default_scenario == "reactive"
        host.scenario(pattern.default_scenario).resolve(pattern.scenario_params)  # every key exists and type-checks
        assert any("§4c(a)(5)(C)" in ref for ref in pattern.references)
        assert any("Rule 575" in ref for ref in pattern.references)
        assert pattern.summary.startswith("Educational, simulator-only")
        strategy = pattern.build(pattern.defaults())
        assert type(strategy).simulator_only is True
    by_name = {p.name: p for p in PATTERNS}
    assert dict(by_name["momentum-ignition"].scenario_params) == {"momentum_size_max": 100, "momentum_cooldown_s": 0.05}
    assert dict(by_name["quote-stuffing"].scenario_params) == {"message_service_ns": 20_000}
    assert dict(by_name["spoofing"].scenario_params) == dict(by_name["layering"].scenario_params) == {}


def test_layering_shares_the_spoof_knobs_with_its_own_defaults() -> None:
    from hft_gated_manipulative import LayeringConfig, SpoofingConfig

    spoofing, layering = SpoofingConfig.knobs(), LayeringConfig.knobs()
    assert [k.name for k in spoofing] == [k.name for k in layering]
    for mine, theirs in zip(spoofing, layering, strict=True):
        assert mine.knob == theirs.knob  # one declaration: same help, unit and bounds
    assert (SpoofingConfig().spoof_qty, SpoofingConfig().levels) == (500.0, 1)
    assert (LayeringConfig().spoof_qty, LayeringConfig().levels) == (125.0, 4)
    # The shared episode knobs are one declaration too, each config with its own default.
    from hft_gated_manipulative import MomentumIgnitionConfig, QuoteStuffingConfig

    def knob(cls: type[Config], name: str) -> Knob:
        spec = cls.knob(name)
        assert spec is not None, (cls, name)
        return spec.knob

    for name in ("warmup_s", "tick_ms"):
        assert len({knob(cls, name) for cls in (SpoofingConfig, MomentumIgnitionConfig, QuoteStuffingConfig)}) == 1
    assert knob(SpoofingConfig, "interval_s") == knob(MomentumIgnitionConfig, "interval_s")
    assert (SpoofingConfig().interval_s, MomentumIgnitionConfig().interval_s) == (5.0, 10.0)


def test_strategy_defaults_are_the_pattern_defaults() -> None:
    from hft_gated_manipulative import Layering, MomentumIgnition, QuoteStuffing, Spoofing
    from hft_gated_manipulative.plugin import LAYERING, MOMENTUM_IGNITION, QUOTE_STUFFING, SPOOFING

    pairs = [
        (SPOOFING, Spoofing()),
        (LAYERING, Layering()),
        (MOMENTUM_IGNITION, MomentumIgnition()),
        (QUOTE_STUFFING, QuoteStuffing()),
    ]
    for pattern, plain in pairs:
        built = pattern.build(pattern.defaults())
        assert type(built) is type(plain), pattern.name
        assert built.config == plain.config == pattern.defaults(), pattern.name  # type: ignore[attr-defined]


def test_building_passes_the_typed_config() -> None:
    from hft_gated_manipulative import (
        Layering,
        LayeringConfig,
        MomentumIgnition,
        QuoteStuffing,
        Spoofing,
        SpoofingConfig,
    )
    from hft_gated_manipulative.plugin import LAYERING, MOMENTUM_IGNITION, QUOTE_STUFFING, SPOOFING

    layering = LAYERING.build(LAYERING.defaults().updated({"levels": 6, "spoof_qty": 50}))
    assert isinstance(layering, Layering)
    assert (layering.config.levels, layering.config.spoof_qty, layering.kind) == (6, 50.0, "layering")
    control = SPOOFING.build(SPOOFING.defaults().updated(assignments=["with_spoof=false"]))
    assert isinstance(control, Spoofing) and control.config.with_spoof is False
    ignition = MOMENTUM_IGNITION.build(MOMENTUM_IGNITION.defaults().updated({"unwind": "market"}))
    assert isinstance(ignition, MomentumIgnition) and ignition.config.unwind == "market"
    stuffing = QUOTE_STUFFING.build(QUOTE_STUFFING.defaults().updated(assignments=["burst_orders=7"]))
    assert isinstance(stuffing, QuoteStuffing) and stuffing.config.burst_orders == 7
    # A pattern builds only from its own config class; layering refuses spoofing's defaults.
    with pytest.raises(TypeError, match="LayeringConfig"):
        LAYERING.build(SpoofingConfig())
    with pytest.raises(TypeError, match="LayeringConfig"):
        Layering(SpoofingConfig())  # type: ignore[arg-type]
    assert isinstance(Spoofing(LayeringConfig()), Spoofing)  # (a subclass's config is still a spoofing config)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda m: m.SpoofingConfig(max_episode_s=6.0, interval_s=5.0), "max_episode_s < interval_s"),
        (lambda m: m.SpoofingConfig(genuine_qty=0.0), "'genuine_qty' must be > 0"),
        (lambda m: m.LayeringConfig(levels=21), "'levels' must be <= 20"),
        (lambda m: m.MomentumIgnitionConfig(unwind="later"), "'unwind' must be one of 'passive', 'market'"),
        (lambda m: m.MomentumIgnitionConfig(unwind_timeout_s=10.0), "unwind_timeout_s < interval_s"),
        (lambda m: m.MomentumIgnitionConfig(burst_orders=101), "'burst_orders' must be <= 100"),
        (lambda m: m.QuoteStuffingConfig(distance_ticks=0), "'distance_ticks' must be >= 1"),
        (lambda m: m.QuoteStuffingConfig(burst_orders=2.5), "'burst_orders' expects int"),
    ],
)
def test_invalid_configs_cannot_be_built(build: Callable[..., object], message: str) -> None:
    from hft_gated_manipulative import config

    with pytest.raises(ConfigError, match=message):
        build(config)


def test_a_run_resolves_knobs_and_scenario_settings_through_the_host() -> None:
    host = PluginHost(educational=True)
    spec = resolve_run("layering", assignments=["levels=3", "scenario.imbalance_threshold=0.4"], seed=4, host=host)
    assert spec.gated and spec.config.levels == 3 and spec.config.spoof_qty == 125.0  # type: ignore[attr-defined]
    assert spec.scenario is not None and spec.scenario.name == "reactive"
    assert spec.scenario_config.imbalance_threshold == 0.4  # type: ignore[union-attr]
    stuffing = resolve_run("quote-stuffing", host=host)
    assert stuffing.scenario_config.message_service_ns == 20_000  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="did you mean 'levels'"):
        resolve_run("layering", assignments=["level=3"], host=host)
    with pytest.raises(ConfigError, match="max_episode_s < interval_s"):
        resolve_run("spoofing", assignments=["interval_s=2"], host=host)


def test_describing_the_patterns_loads_no_strategy_and_no_numpy(run_python: RunPython) -> None:
    probe = (
        "import sys\n"
        "from hft_core.plugins import PluginHost\n"
        "host = PluginHost()\n"
        "for name in ('spoofing', 'layering', 'momentum-ignition', 'quote-stuffing'):\n"
        "    assert host.get(name).knobs(), name\n"
        "mine = sorted(m for m in sys.modules if m.startswith('hft_gated_manipulative'))\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('numpy', 'pandas', 'numba')]\n"
        "print(mine, heavy)\n"
    )
    done = run_python(probe, educational=True)
    assert done.returncode == 0, done.stderr
    loaded = ["", ".__about__", ".config", ".plugin"]
    assert done.stdout.strip() == f"{[f'hft_gated_manipulative{m}' for m in loaded]} []"


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
    from hft_gated_manipulative import Spoofing, SpoofingConfig, planted_episodes

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
    control = Spoofing(SpoofingConfig(with_spoof=False))
    assert planted_episodes(backtest(control, scenario="reactive", seed=1, duration_s=20.0).logs) == []
    assert len(control.outcomes) == 4
