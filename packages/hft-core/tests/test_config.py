"""Knobs and config resolution: one declaration per knob; defaults < TOML < --set; errors that name the knob."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import pytest
from hft_core import Config, ConfigError, Distance, Knob, Pattern, Size
from hft_core.config import MAX_TOML_BYTES, load_toml, split_sections
from hft_core.knobs import commented_toml, knob_specs, markdown_table
from hypothesis import given
from hypothesis import strategies as st


@dataclass(frozen=True)
class DemoConfig(Config):
    half_spread: Annotated[Distance, Knob("Half spread.", ge=0)] = Distance(0.25)
    levels: Annotated[int, Knob("Levels per side.", ge=1, le=20)] = 3
    model: Annotated[Literal["skew", "avellaneda-stoikov"], Knob("Quoting model.")] = "skew"
    post_only: Annotated[bool, Knob("Post-only orders.")] = True
    size: Annotated[Size, Knob("Quote size.", gt=0)] = Size(1, "lots")
    level: Annotated[float, Knob("A test level.", choices=(0.01, 0.05, 0.1))] = 0.05
    rate: Annotated[float, Knob("A rate.", unit="1/s", gt=0, lt=100)] = 1.0

    def validate(self) -> None:
        if self.model == "avellaneda-stoikov" and self.levels > 10:
            raise ValueError("avellaneda-stoikov quotes at most 10 levels")


def test_knobs_are_derived_from_the_annotations() -> None:
    specs = {spec.name: spec for spec in DemoConfig.knobs()}
    assert list(specs) == ["half_spread", "levels", "model", "post_only", "size", "level", "rate"]
    assert specs["model"].choices == ("skew", "avellaneda-stoikov") and specs["model"].type_name == "str"
    assert specs["levels"].constraint == ">= 1, <= 20"
    assert specs["rate"].constraint == "> 0, < 100" and specs["rate"].knob.unit == "1/s"
    assert specs["half_spread"].type_name == "distance" and specs["size"].type_name == "size"
    assert specs["level"].constraint == "one of 0.01, 0.05, 0.1"


def test_layers_apply_in_order(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('half_spread = "2ticks"\nlevels = 4\n')
    config = DemoConfig().updated(load_toml(path), source=str(path)).updated(assignments=["levels=7", "post_only=no"])
    assert config == DemoConfig(half_spread=Distance(2, "ticks"), levels=7, post_only=False)


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("half_spread=abc", r"--set half_spread=abc: 'half_spread' expected a price distance"),
        ("half_spread=2tix", r"unknown unit 'tix'"),
        ("half_spread=-1ticks", r"'half_spread' must be >= 0, got -1.0"),
        ("levels=2.5", r"'levels' expects int, got '2.5'"),
        ("levels=0", r"'levels' must be >= 1, got 0"),
        ("levels=21", r"'levels' must be <= 20, got 21"),
        ("model=glft", r"'model' must be one of 'skew', 'avellaneda-stoikov'; got 'glft'"),
        ("post_only=maybe", r"'post_only' expects bool"),
        ("half_spred=1", r"unknown key 'half_spred'.*did you mean 'half_spread'"),
        ("half_spread", r"expected key=value"),
        ("rate=nan", r"must be a finite number"),
        ("rate=0", r"'rate' must be > 0, got 0.0"),
        ("rate=100", r"'rate' must be < 100, got 100.0"),
        ("size=0lots", r"'size' must be > 0, got 0.0"),
        ("size=3ticks", r"unknown unit 'ticks'"),
        ("level=0.02", r"'level' must be one of 0.01, 0.05, 0.1"),
    ],
)
def test_bad_assignments_name_the_knob_and_the_bound(assignment: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        DemoConfig().updated(assignments=[assignment], owner="pattern 'demo'")


def test_building_a_config_directly_is_checked_the_same_way() -> None:
    with pytest.raises(ConfigError, match=r"'levels' must be >= 1, got 0"):
        DemoConfig(levels=0)
    with pytest.raises(ConfigError, match=r"'levels' expects int, got bool True"):
        DemoConfig(levels=True)
    with pytest.raises(ConfigError, match="avellaneda-stoikov quotes at most 10 levels"):
        DemoConfig(model="avellaneda-stoikov", levels=12)
    assert DemoConfig(rate=2).rate == 2.0 and isinstance(DemoConfig(rate=2).rate, float)
    assert DemoConfig(half_spread="5bp").half_spread == Distance(5, "bp")  # type: ignore[arg-type]


def test_bad_file_values_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('levels = "three"\n')
    with pytest.raises(ConfigError, match=rf"{path}: 'levels' expects int, got str 'three'"):
        DemoConfig().updated(load_toml(path), source=str(path))
    with pytest.raises(ConfigError, match=r"'levels' is a table"):
        DemoConfig().updated({"levels": {"a": 1}}, source="f")


def test_unreadable_toml_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_toml(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("half_spread = \n")
    with pytest.raises(ConfigError, match=r"broken.toml: invalid TOML: .*line 1"):
        load_toml(broken)
    with pytest.raises(ConfigError, match="is a directory"):
        load_toml(tmp_path)


def test_files_that_never_end_or_nest_without_end_are_refused(tmp_path: Path) -> None:
    # /dev/zero used to hang the run (read forever); a FIFO would block on open
    with pytest.raises(ConfigError, match=r"/dev/zero: not a regular file \(a device, pipe or socket\)"):
        load_toml(Path("/dev/zero"))
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_toml(fifo, "sweep file")
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")  # was a RecursionError traceback
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_toml(deep)
    big = tmp_path / "big.toml"
    big.write_text('x = "' + "y" * MAX_TOML_BYTES + '"\n')
    with pytest.raises(ConfigError, match="larger than 4 MiB, too large for a config file"):
        load_toml(big)
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'name = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_toml(latin)


def test_sections_split_pattern_scenario_and_run() -> None:
    values, mine, market, tables = split_sections(
        {"levels": 2, "scenario": {"volatility": 1e-3}, "run": {"seed": 3}},
        ["levels=4", "scenario.tick_size=0.05"],
        "c.toml",
    )
    assert values == {"levels": 2} and mine == ["levels=4"] and market == ["tick_size=0.05"]
    assert tables == {"scenario": {"volatility": 1e-3}, "run": {"seed": 3}}
    with pytest.raises(ConfigError, match="'scenario' must be a table"):
        split_sections({"scenario": 3}, [], "c.toml")


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_float_round_trips_through_set(value: float) -> None:
    assert DemoConfig().updated(assignments=[f"half_spread={value!r}"]).half_spread == Distance(value)


@given(
    st.sampled_from(["", "ticks", "bp"]),
    st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False),
)
def test_distances_round_trip_through_their_text(unit: str, amount: float) -> None:
    distance = Distance(amount, unit)  # type: ignore[arg-type]
    assert Distance.parse(str(distance)) == distance


@given(st.integers(min_value=1, max_value=20), st.booleans(), st.sampled_from(["skew", "avellaneda-stoikov"]))
def test_configs_round_trip_through_toml(levels: int, post_only: bool, model: str) -> None:
    if model == "avellaneda-stoikov" and levels > 10:
        return
    config = DemoConfig(levels=levels, post_only=post_only, model=model)  # type: ignore[arg-type]
    text = commented_toml([dataclasses.replace(s, default=getattr(config, s.name)) for s in config.knobs()])
    assert DemoConfig().updated(tomllib.loads(text)) == config


def test_docs_table_and_starting_config_come_from_the_knobs() -> None:
    table = markdown_table(DemoConfig.knobs())
    assert "| `levels` | int | `3` |  | >= 1, <= 20 | Levels per side. |" in table
    assert '| `size` | size | `"1lots"` |' in table
    text = commented_toml(DemoConfig.knobs(), "header line")
    assert text.startswith("# header line\n") and "# A rate. (unit: 1/s; > 0, < 100)\nrate = 1.0\n" in text


def test_a_config_must_declare_every_knob_once() -> None:
    @dataclass(frozen=True)
    class Unannotated(Config):
        plain: int = 3

    with pytest.raises(TypeError, match=r"Unannotated.plain: every field needs a Knob"):
        knob_specs(Unannotated)

    @dataclass(frozen=True)
    class BadDefault(Config):
        n: Annotated[int, Knob("n", ge=5)] = 1

    with pytest.raises(TypeError, match=r"BadDefault: default: 'n' must be >= 5, got 1"):
        knob_specs(BadDefault)

    @dataclass
    class NotFrozen:
        n: Annotated[int, Knob("n")] = 1

    with pytest.raises(TypeError, match="frozen"):
        knob_specs(NotFrozen)
    with pytest.raises(TypeError, match="needs help"):
        Knob(" ")


def test_pattern_contract_is_validated() -> None:
    with pytest.raises(ValueError, match="kebab-case"):
        Pattern(name="Bad_Name", summary="x", config=DemoConfig, strategy="m:S")
    with pytest.raises(ValueError, match="'module:Class'"):
        Pattern(name="ok", summary="x", config="no_colon", strategy="m:S")
    pattern = Pattern(name="ok", summary="x", config=DemoConfig, strategy="m:S")
    assert pattern.defaults() == DemoConfig() and pattern.knobs() == DemoConfig.knobs()
    missing = Pattern(name="ok", summary="x", config="hft_core.knobs:Nope", strategy="m:S")
    with pytest.raises(ImportError, match="has no attribute 'Nope'"):
        missing.config_class()
