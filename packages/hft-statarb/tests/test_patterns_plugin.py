"""hft-statarb's plugin: patterns and scenarios registered, parameters checked, imports kept cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hft_core import ConfigError, Pattern
from hft_core.config import resolve_config
from hft_core.plugins import PluginHost
from hft_statarb import plugin
from hft_statarb.errors import StatArbError
from hft_statarb.scenarios import FAST_COINTEGRATED_PAIR, STATARB_SCENARIOS
from hft_statarb.strategies.pairs import PairsConfig, PairsTrader
from hft_statarb.strategies.pca import PcaConfig, PcaResidualTrader
from hft_statarb.strategies.triangular import TriangularArbitrageur, TriangularConfig

PATTERNS = {pattern.name: pattern for pattern in plugin.hft_register_patterns()}
CONFIGS: dict[str, type[PairsConfig] | type[PcaConfig] | type[TriangularConfig]] = {
    "statarb-pairs": PairsConfig,
    "statarb-pca": PcaConfig,
    "triangular-arb": TriangularConfig,
}


def test_host_indexes_three_patterns_and_their_scenarios() -> None:
    host = PluginHost(discover=False, extra=[("hft-statarb", plugin)])
    (record,) = host.records()
    assert record.status == "ok", record.error
    assert set(host.patterns()) == {"statarb-pairs", "statarb-pca", "triangular-arb"}
    assert set(record.scenarios) == {"fast-cointegrated-pair", "factor-universe", "triangle"}
    for pattern in host.patterns().values():
        assert host.scenario(pattern.default_scenario).name == pattern.default_scenario


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_pattern_defaults_are_the_strategy_defaults(name: str) -> None:
    pattern: Pattern = PATTERNS[name]
    config_type = CONFIGS[name]
    assert config_type.from_params(pattern.defaults()) == config_type()
    assert set(pattern.defaults()) == set(config_type.__dataclass_fields__)
    assert pattern.references and pattern.description


def test_every_pattern_builds_a_strategy_from_its_defaults() -> None:
    built = {name: pattern.strategy_factory(pattern.defaults()) for name, pattern in PATTERNS.items()}
    assert isinstance(built["statarb-pairs"], PairsTrader)
    assert isinstance(built["statarb-pca"], PcaResidualTrader)
    assert isinstance(built["triangular-arb"], TriangularArbitrageur)


@pytest.mark.parametrize(
    ("name", "assignment", "message"),
    [
        ("statarb-pairs", "hedge=ridge", "'hedge' must be one of 'ols', 'kalman'"),
        ("statarb-pairs", "coint_level=0.02", "'coint_level' must be one of 0.01, 0.05, 0.1"),
        ("statarb-pairs", "kalman_delta=0.9", "'kalman_delta' must be <= 0.5"),
        ("statarb-pairs", "qty=-1", "'qty' must be >= 0"),
        ("statarb-pairs", "sample_interval=1", "did you mean 'sample_interval_s'"),
        ("statarb-pca", "n_factors=0", "'n_factors' must be >= 1"),
        ("statarb-pca", "rebalance_fraction=2", "'rebalance_fraction' must be <= 1"),
        ("triangular-arb", "depth_levels=0", "'depth_levels' must be >= 1"),
        ("triangular-arb", "cooldown_ms=soon", "'cooldown_ms' expects int, got 'soon'"),
    ],
)
def test_bad_parameters_name_the_key(name: str, assignment: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_config(PATTERNS[name], assignments=[assignment])


@pytest.mark.parametrize(
    ("name", "assignments", "message"),
    [
        ("statarb-pairs", ["thresholds=symmetric", "entry=1", "exit=1"], r"exit \(1.0\) must be >= 0 and below entry"),
        ("statarb-pairs", ["warmup_s=200", "window_s=100"], r"warmup_s \(200.0\) must not exceed window_s"),
        ("statarb-pairs", ["warmup_s=2"], "the Engle–Granger test needs at least 20"),
        ("statarb-pairs", ["qty=0"], "qty must be > 0"),
        ("statarb-pairs", ["exit_rule=signature", "signal=z-score"], "it needs signal 's-score'"),
        ("statarb-pairs", ["exit_rule=signature", "signature_paths=10"], "signature_paths must be at least 30"),
        ("statarb-pca", ["warmup_s=5"], "the factor regression needs at least 20"),
        ("statarb-pca", ["notional=0"], "notional must be > 0"),
        ("triangular-arb", ["start_currency= "], "start_currency must name a currency"),
        ("triangular-arb", ["max_notional=0"], "max_notional must be > 0"),
    ],
)
def test_inconsistent_parameters_are_refused_by_the_factory(name: str, assignments: list[str], message: str) -> None:
    pattern = PATTERNS[name]
    params = resolve_config(pattern, assignments=assignments)
    with pytest.raises(StatArbError, match=message):
        pattern.strategy_factory(params)


def test_scenario_overrides_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"has no parameter.*'spread_halflife'"):
        FAST_COINTEGRATED_PAIR.resolve({"spread_halflife": 3})
    with pytest.raises(ConfigError, match="spread_half_life_s must be > 0"):
        FAST_COINTEGRATED_PAIR(1, 10.0, spread_half_life_s=0.0)
    names = [scenario.name for scenario in STATARB_SCENARIOS]
    assert len(names) == len(set(names))


def test_importing_the_plugin_and_package_loads_no_numpy() -> None:
    code = (
        "import sys\n"
        "import hft_statarb, hft_statarb.plugin\n"
        "assert 'numpy' not in sys.modules, 'numpy imported'\n"
        "assert hft_statarb.plugin.PAIRS.name == 'statarb-pairs'\n"
        "assert callable(hft_statarb.engle_granger) and 'numpy' in sys.modules\n"
        "assert hft_statarb.PairsTrader.__name__ == 'PairsTrader'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_unknown_lazy_name_is_an_attribute_error() -> None:
    import hft_statarb

    with pytest.raises(AttributeError, match="no attribute 'engle_grangr'"):
        _ = hft_statarb.engle_grangr
    assert set(hft_statarb.__all__) <= set(dir(hft_statarb))
