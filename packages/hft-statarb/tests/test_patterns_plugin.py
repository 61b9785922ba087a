"""hft-statarb's plugin: patterns and scenarios registered, every knob declared once and checked, imports cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hft_core import Config, ConfigError, Pattern, Scenario, Size, resolve_run
from hft_core.knobs import KnobSpec
from hft_core.plugins import PluginHost
from hft_statarb import plugin
from hft_statarb.config import (
    FactorUniverseConfig,
    FastPairMarketConfig,
    PairsConfig,
    PcaConfig,
    TriangleMarketConfig,
    TriangularConfig,
)
from hft_statarb.strategies.pairs import PairsTrader
from hft_statarb.strategies.pca import PcaResidualTrader
from hft_statarb.strategies.triangular import TriangularArbitrageur

HOST = PluginHost(discover=False, extra=[("hft-statarb", plugin)])
PATTERNS: dict[str, Pattern] = {pattern.name: pattern for pattern in plugin.hft_register_patterns()}
CONFIGS: dict[str, type[Config]] = {
    "statarb-pairs": PairsConfig,
    "statarb-pca": PcaConfig,
    "triangular-arb": TriangularConfig,
}
STRATEGIES: dict[str, type] = {
    "statarb-pairs": PairsTrader,
    "statarb-pca": PcaResidualTrader,
    "triangular-arb": TriangularArbitrageur,
}
MARKETS: dict[str, type[Config]] = {
    "fast-cointegrated-pair": FastPairMarketConfig,
    "factor-universe": FactorUniverseConfig,
    "triangle": TriangleMarketConfig,
}


def test_host_indexes_three_patterns_and_their_scenarios() -> None:
    (record,) = [r for r in HOST.records() if r.name == "hft-statarb"]
    assert record.status == "ok", record.error
    assert {p.name for p in record.patterns} == set(CONFIGS)
    assert set(record.scenarios) == set(MARKETS)
    for pattern in record.patterns:
        assert HOST.scenario(pattern.default_scenario).config_class() is MARKETS[pattern.default_scenario]


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_pattern_config_and_strategy_are_the_typed_classes(name: str) -> None:
    pattern = PATTERNS[name]
    assert pattern.config_class() is CONFIGS[name]
    assert pattern.defaults() == CONFIGS[name]()
    strategy = pattern.build(pattern.defaults())
    assert type(strategy) is STRATEGIES[name]
    assert strategy.config == CONFIGS[name]()  # type: ignore[attr-defined]
    assert pattern.references and pattern.description


def test_shared_knobs_are_one_declaration() -> None:
    """thresholds, entry, exit, slippage_ticks and max_loss mean the same in every pattern that has them."""
    by_name: dict[str, list[KnobSpec]] = {}
    for config in CONFIGS.values():
        for spec in config.knobs():
            by_name.setdefault(spec.name, []).append(spec)
    for name in ("thresholds", "entry", "exit", "slippage_ticks", "max_loss"):
        knobs = {spec.knob for spec in by_name[name]}
        assert len(by_name[name]) >= 2 and len(knobs) == 1, name


def test_market_knobs_reuse_hft_cores_declarations() -> None:
    """A statarb market's fee, latency and participant knobs are hft-core's (same help, unit, bounds)."""
    core = {spec.name: spec.knob for spec in HOST.scenario("single-instrument").knobs()}
    for config in MARKETS.values():
        shared = [spec for spec in config.knobs() if spec.name in core]
        assert len(shared) >= 17, config.__name__
        for spec in shared:
            assert spec.knob == core[spec.name], (config.__name__, spec.name)


@pytest.mark.parametrize(
    ("name", "assignment", "message"),
    [
        ("statarb-pairs", "hedge=ridge", "'hedge' must be one of 'ols', 'kalman'"),
        ("statarb-pairs", "coint_level=0.02", "'coint_level' must be one of 0.01, 0.05, 0.1"),
        ("statarb-pairs", "kalman_delta=1", "'kalman_delta' must be < 1"),
        ("statarb-pairs", "qty=-1", "'qty' must be > 0"),
        ("statarb-pairs", "qty=3pounds", "unknown unit 'pounds'"),
        ("statarb-pairs", "sample_interval=1", "did you mean 'sample_interval_s'"),
        ("statarb-pca", "n_factors=0", "'n_factors' must be >= 1"),
        ("statarb-pca", "rebalance_fraction=2", "'rebalance_fraction' must be <= 1"),
        ("triangular-arb", "depth_levels=0", "'depth_levels' must be >= 1"),
        ("triangular-arb", "cooldown_ms=soon", "'cooldown_ms' expects int, got 'soon'"),
    ],
)
def test_bad_knobs_name_the_key(name: str, assignment: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_run(name, assignments=[assignment], host=HOST)


@pytest.mark.parametrize(
    ("name", "assignments", "message"),
    [
        ("statarb-pairs", ["thresholds=symmetric", "entry=1", "exit=1"], r"exit \(1.0\) must be below entry"),
        ("statarb-pairs", ["warmup_s=200", "window_s=100"], r"warmup_s \(200.0\) must not exceed window_s"),
        ("statarb-pairs", ["warmup_s=2"], "the Engle–Granger test needs at least 20"),
        ("statarb-pairs", ["exit_rule=signature", "signal=z-score"], "it needs signal 's-score'"),
        ("statarb-pairs", ["exit_rule=signature", "signature_paths=10"], "signature_paths must be at least 30"),
        ("statarb-pairs", ["exit_rule=signature", "signature_horizon_s=0.4"], "must cover at least two samples"),
        ("statarb-pca", ["warmup_s=5"], "the factor regression with n_factors=2 needs at least 20"),
        ("statarb-pca", ["entry=0.5", "exit=0.5"], r"exit \(0.5\) must be below entry"),
        ("triangular-arb", ["start_currency= "], "start_currency must name one currency"),
        ("triangular-arb", ["start_currency=BTC/USDT"], "start_currency must name one currency"),
    ],
)
def test_inconsistent_knobs_are_refused_by_the_config(name: str, assignments: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_run(name, assignments=assignments, host=HOST)


def test_a_notebook_config_is_checked_the_same_way() -> None:
    with pytest.raises(ConfigError, match="'kalman_delta' must be < 1"):
        PairsConfig(kalman_delta=1.5)
    with pytest.raises(ConfigError, match="signature_paths must be at least 30"):
        PairsConfig(exit_rule="signature", signature_paths=20)
    assert PairsConfig(qty="3lots").qty == Size(3, "lots")  # type: ignore[arg-type]


# -- every knob, at a value its declaration forbids -----------------------------------------------------------------
UNBOUNDED = {("triangular-arb", "start_currency"), ("fast-cointegrated-pair", "hedge_ratio")}
"""Knobs that take any value of their type: a str (checked by TriangularConfig.validate) and a signed slope."""


def _text(value: float, kind: type) -> str:
    return str(int(value)) if kind is int else repr(float(value))


def _forbidden(spec: KnobSpec) -> list[str]:
    """Values, as --set text, that ``spec``'s type, choices or bounds rule out."""
    knob, values = spec.knob, []
    number = int if spec.kind is int else float
    step = 1.0 if spec.kind is int else 1e-3
    if spec.choices is not None:
        values.append("no-such-choice" if spec.kind is str else _text(max(spec.choices) + step, number))
    if knob.gt is not None:
        values.append(_text(knob.gt, number))
    if knob.ge is not None:
        values.append(_text(knob.ge - step * max(1.0, abs(knob.ge)), number))
    if knob.lt is not None:
        values.append(_text(knob.lt, number))
    if knob.le is not None:
        values.append(_text(knob.le + step * max(1.0, abs(knob.le)), number))
    if spec.kind is bool:
        values.append("maybe")
    return values


def _cases() -> list[tuple[str, str, str, str]]:
    """(pattern, owner, knob, --set text) for every knob of every pattern and of its default market."""
    cases = []
    for pattern in PATTERNS.values():
        owners = [(pattern.name, "", pattern.knobs())]
        owners.append((pattern.default_scenario, "scenario.", HOST.scenario(pattern.default_scenario).knobs()))
        for owner, prefix, specs in owners:
            for spec in specs:
                values = _forbidden(spec)
                assert values or (owner, spec.name) in UNBOUNDED, f"{owner}.{spec.name} has no forbidden value"
                cases += [(pattern.name, owner, spec.name, f"{prefix}{spec.name}={value}") for value in values]
    return cases


CASES = _cases()
IDS = [f"{pattern}:{assignment}" for pattern, _, _, assignment in CASES]


def test_every_knob_has_forbidden_values_to_try() -> None:
    knobs = {(owner, knob) for _, owner, knob, _ in CASES}
    declared = sum(len(c.knobs()) for c in (*CONFIGS.values(), *MARKETS.values()))
    assert len(knobs) == declared - len(UNBOUNDED)


@pytest.mark.parametrize(
    ("pattern", "owner", "knob", "assignment"), CASES, ids=[f"{case[0]}:{case[3]}" for case in CASES]
)
def test_every_knob_out_of_range_is_refused_naming_it(pattern: str, owner: str, knob: str, assignment: str) -> None:
    with pytest.raises(ConfigError, match=f"'{knob}' (must be|expects)"):
        resolve_run(pattern, assignments=[assignment], host=HOST)


# -- markets ----------------------------------------------------------------------------------------------------------
def test_scenario_overrides_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"unknown key 'spread_halflife'.*did you mean 'spread_half_life_s'"):
        plugin.FAST_COINTEGRATED_PAIR.resolve({"spread_halflife": 3})
    with pytest.raises(ConfigError, match="'spread_half_life_s' must be > 0"):
        plugin.FAST_COINTEGRATED_PAIR(1, 10.0, spread_half_life_s=0.0)
    with pytest.raises(ConfigError, match="'correlation' must be <= 1"):
        resolve_run("triangular-arb", scenario={"correlation": 1.5}, host=HOST)


def test_each_market_config_has_its_scenarios_defaults() -> None:
    """The config classes carry the markets' defaults themselves: building one in Python gives the same market."""
    for scenario in plugin.STATARB_SCENARIOS:
        assert isinstance(scenario, Scenario)
        assert scenario.base() == MARKETS[scenario.name]()
    triangle = TriangleMarketConfig()
    assert (triangle.taker_fee, triangle.lp_size_max, triangle.value_size_max) == (0.0001, 1_000, 3_000)
    assert FactorUniverseConfig().lp_order_rate == 20.0 and FastPairMarketConfig().lp_order_rate == 40.0


def test_importing_the_plugin_config_and_package_loads_no_numpy() -> None:
    code = (
        "import sys\n"
        "import hft_statarb, hft_statarb.plugin, hft_statarb.config\n"
        "from hft_core.plugins import PluginHost\n"
        "host = PluginHost(discover=False, extra=[('hft-statarb', hft_statarb.plugin)])\n"
        "assert [r.status for r in host.records()] == ['ok', 'ok']\n"
        "assert all(p.knobs() for p in host.patterns().values())\n"
        "assert all(s.knobs() for s in host.scenarios().values())\n"
        "assert 'numpy' not in sys.modules, 'numpy imported'\n"
        "assert hft_statarb.plugin.PAIRS.name == 'statarb-pairs'\n"
        "assert callable(hft_statarb.engle_granger) and 'numpy' in sys.modules\n"
        "assert hft_statarb.PairsTrader.__name__ == 'PairsTrader'\n"
        "assert hft_statarb.PairsConfig is hft_statarb.config.PairsConfig\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_unknown_lazy_name_is_an_attribute_error() -> None:
    import hft_statarb

    with pytest.raises(AttributeError, match="no attribute 'engle_grangr'"):
        _ = hft_statarb.engle_grangr
    assert set(hft_statarb.__all__) <= set(dir(hft_statarb))
