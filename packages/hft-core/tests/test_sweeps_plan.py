"""Planning a sweep (axes → resolved points, keys), its files and its directory: no Dask, no runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hft_core.errors import ConfigError
from hft_core.knobs import Config
from hft_core.plugins import PluginHost
from hft_core.sweeps import SweepDefinition, SweepPoint, open_sweep_directory, plan_points
from hft_core.sweeps.plan import load_sweep_file, parse_grid, parse_range, parse_seeds, point_key
from hft_core.sweeps.store import SWEEP_LOCK, flatten_stats

HOST = PluginHost()


def _value(config: Config | None, name: str) -> Any:
    assert config is not None
    return getattr(config, name)


def _plan(**fields: object) -> list[SweepPoint]:
    return plan_points(SweepDefinition(pattern="passive-mm", duration_s=2.0, **fields), host=HOST)  # type: ignore[arg-type]


def test_seeds_ranges_and_lists() -> None:
    assert parse_seeds("1-4") == (1, 2, 3, 4)
    assert parse_seeds("1,3,5-7,3") == (1, 3, 5, 6, 7)
    for bad in ("", "a-b", "5-2", "1,,2", "-3"):
        with pytest.raises(ConfigError, match="--seeds"):
            parse_seeds(bad)


def test_grid_text() -> None:
    assert parse_grid("half_spread=1ticks, 2ticks") == ("half_spread", ("1ticks", "2ticks"))
    with pytest.raises(ConfigError, match=r"--grid half_spread: no values"):
        parse_grid("half_spread=")
    with pytest.raises(ConfigError, match="expected KEY=V1,V2"):
        parse_grid("half_spread")


def test_a_grid_is_the_product_of_its_axes_times_the_seeds() -> None:
    points = _plan(grid=(("half_spread", ("1ticks", "2ticks", "3ticks")), ("gamma", ("0.01", "0.1"))), seeds=(1, 2))
    assert len(points) == 12
    assert len({p.key for p in points}) == 12
    first = points[0]
    assert first.values == {"half_spread": "1ticks", "gamma": "0.01"} and first.seed == 1
    assert str(_value(first.spec.config, "half_spread")) == "1ticks" and _value(first.spec.config, "gamma") == 0.01
    assert first.spec.duration_s == 2.0


def test_a_key_is_the_hash_of_the_resolved_config() -> None:
    # "2tick" and "2ticks" resolve to the same run: one point, one key
    points = _plan(grid=(("half_spread", ("2ticks", "2tick")),))
    assert len(points) == 1
    again = _plan(grid=(("half_spread", ("2ticks",)),))
    assert again[0].key == points[0].key == point_key(points[0].spec)
    other_seed = _plan(grid=(("half_spread", ("2ticks",)),), seeds=(9,))
    assert other_seed[0].key != points[0].key


def test_scenario_axes_set_the_market() -> None:
    points = _plan(grid=(("scenario.volatility", ("0.0001", "0.0002")),))
    assert [_value(p.spec.scenario_config, "volatility") for p in points] == [0.0001, 0.0002]


def test_an_unknown_knob_fails_up_front_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"--grid half_sprad: unknown key 'half_sprad'.*did you mean 'half_spread'"):
        _plan(grid=(("half_sprad", ("1ticks",)),))
    with pytest.raises(ConfigError, match=r"--grid scenario.volatilty: unknown key 'volatilty' for the market"):
        _plan(grid=(("scenario.volatilty", ("1",)),))


def test_a_bad_value_fails_up_front_naming_the_knob() -> None:
    with pytest.raises(ConfigError, match=r"--grid gamma: 'gamma' must be > 0"):
        _plan(grid=(("gamma", ("0.1", "-1")),))
    with pytest.raises(ConfigError, match=r"--grid tick_ms: 'tick_ms' expects int"):
        _plan(grid=(("tick_ms", ("fast",)),))


def test_a_distance_axis_writes_its_unit_on_every_value() -> None:
    with pytest.raises(ConfigError, match=r"write the unit on every value \(e.g. half_spread=1ticks,2ticks,3ticks\)"):
        _plan(grid=(("half_spread", ("1", "2", "3ticks")),))


def test_nothing_to_sweep_and_misused_axes() -> None:
    with pytest.raises(ConfigError, match="nothing to sweep"):
        _plan()
    with pytest.raises(ConfigError, match="--seeds"):
        _plan(grid=(("seed", ("1", "2")),))
    with pytest.raises(ConfigError, match="swept twice"):
        _plan(grid=(("gamma", ("0.1",)),), random_points=2, ranges=(parse_range("gamma=0.01:1"),))
    with pytest.raises(ConfigError, match="needs at least one --range"):
        _plan(random_points=3)
    with pytest.raises(ConfigError, match="give --random N"):
        _plan(ranges=(parse_range("gamma=0.01:1"),))


def test_random_draws_are_reproducible_and_within_their_bounds() -> None:
    ranges = (parse_range("gamma=0.001:1:log"), parse_range("tick_ms=10:20"), parse_range("half_spread=1ticks:4ticks"))
    points = _plan(random_points=20, ranges=ranges, search_seed=7)
    assert len(points) == 20
    for point in points:
        gamma, tick_ms, half_spread = (_value(point.spec.config, k) for k in ("gamma", "tick_ms", "half_spread"))
        assert 0.001 <= gamma <= 1
        assert 10 <= tick_ms <= 20 and isinstance(tick_ms, int)
        assert half_spread.unit == "ticks" and 1 <= half_spread.amount <= 4
    assert [p.key for p in _plan(random_points=20, ranges=ranges, search_seed=7)] == [p.key for p in points]
    assert [p.key for p in _plan(random_points=20, ranges=ranges, search_seed=8)] != [p.key for p in points]


def test_bad_ranges() -> None:
    with pytest.raises(ConfigError, match="expected KEY=LOW:HIGH"):
        parse_range("gamma=0.1")
    with pytest.raises(ConfigError, match="LOW must be below HIGH"):
        _plan(random_points=2, ranges=(parse_range("gamma=1:0.1"),))
    with pytest.raises(ConfigError, match="same unit"):
        _plan(random_points=2, ranges=(parse_range("half_spread=1ticks:5bp"),))
    with pytest.raises(ConfigError, match="numeric knob"):
        _plan(random_points=2, ranges=(parse_range("model=a:b"),))


def test_a_combination_the_config_refuses_names_the_point() -> None:
    # each value is fine alone; the config's own validate() refuses the pair
    with pytest.raises(ConfigError, match=r"sweep point size=5lots, inv_limit=2lots"):
        _plan(grid=(("size", ("5lots",)), ("inv_limit", ("2lots",))))


def test_a_sweep_file(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_text("gamma = 0.2\n[scenario]\nvolatility = 0.0002\n")
    sweep_file = tmp_path / "sweep.toml"
    sweep_file.write_text(
        'pattern = "passive-mm"\nconfig = "base.toml"\nset = ["tick_ms=100"]\nseeds = "1-2"\nduration_s = 2\n'
        '[grid]\nhalf_spread = ["1ticks", "2ticks"]\n"scenario.noise_rate" = [1.0, 2]\n'
        '[random]\npoints = 2\nseed = 3\n[random.ranges]\nk = [0.5, 5.0, "log"]\n'
    )
    fields = load_sweep_file(sweep_file, "passive-mm")
    points = plan_points(SweepDefinition(pattern="passive-mm", **fields), host=HOST)
    assert len(points) == 2 * 2 * 2 * 2
    config = points[0].spec.config
    assert _value(config, "gamma") == 0.2 and _value(config, "tick_ms") == 100
    assert _value(points[0].spec.scenario_config, "volatility") == 0.0002
    assert {_value(p.spec.scenario_config, "noise_rate") for p in points} == {1.0, 2.0}
    with pytest.raises(ConfigError, match="for pattern 'passive-mm', not 'statarb'"):
        load_sweep_file(sweep_file, "statarb")
    (tmp_path / "bad.toml").write_text("grids = {}\n")
    with pytest.raises(ConfigError, match="unknown key"):
        load_sweep_file(tmp_path / "bad.toml", "passive-mm")


def test_a_sweep_directory_belongs_to_one_pattern(tmp_path: Path) -> None:
    open_sweep_directory(tmp_path / "s", "passive-mm")
    assert open_sweep_directory(tmp_path / "s", "passive-mm").pattern == "passive-mm"  # resumed
    with pytest.raises(ConfigError, match="holds a sweep of pattern 'passive-mm', not 'statarb'"):
        open_sweep_directory(tmp_path / "s", "statarb")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty and holds no sweep"):
        open_sweep_directory(tmp_path / "other", "passive-mm")


def test_the_lock_refuses_a_live_holder_and_takes_over_a_dead_one(tmp_path: Path) -> None:
    store = open_sweep_directory(tmp_path / "s", "passive-mm")
    with store.locked(), pytest.raises(ConfigError, match="another hft sweep is writing there"), store.locked():
        pass
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (store.path / SWEEP_LOCK).write_text(f"{dead.stdout.strip()} {os.uname().nodename}\n")
    with store.locked():
        assert (store.path / SWEEP_LOCK).read_text().split()[0] == str(os.getpid())
    assert not (store.path / SWEEP_LOCK).exists()


def test_flatten_stats() -> None:
    stats = {"pnl": 1.5, "markouts": {"1s": {"mean_bp": 2.0, "fills": 3}}, "balances": {"USD": 4.0}, "x": [1, 2]}
    assert flatten_stats(stats) == {"pnl": 1.5, "markouts.1s.mean_bp": 2.0, "markouts.1s.fills": 3, "balances.USD": 4.0}


def _hft(*args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HFT_")}
    return subprocess.run(
        [sys.executable, "-m", "hft_core", *args], capture_output=True, text=True, env=clean, timeout=120
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grid", "half_sprad=1ticks,2ticks"], "unknown key 'half_sprad'"),
        (["--grid", "half_spread="], "--grid half_spread: no values"),
        ([], "nothing to sweep"),
    ],
)
def test_the_command_exits_2_on_bad_input_and_writes_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    done = _hft("sweep", "passive-mm", *args, "--out", str(tmp_path / "s"))
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "s").exists()


def test_sweep_json_records_points_in_order(tmp_path: Path) -> None:
    store = open_sweep_directory(tmp_path / "s", "passive-mm")
    points = _plan(grid=(("gamma", ("0.1", "0.2")),))
    store.record_points(points)
    more = _plan(grid=(("gamma", ("0.2", "0.3")),))
    records = store.record_points(more)
    assert [r["values"]["gamma"] for r in records] == ["0.1", "0.2", "0.3"]
    assert json.loads((store.path / "sweep.json").read_text())["points"] == records
