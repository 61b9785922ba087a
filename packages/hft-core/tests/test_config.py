"""Config resolution: defaults < TOML < --set, with errors that name the key, the source and the type."""

from __future__ import annotations

from pathlib import Path

import pytest
from hft_core import ConfigError, Parameter, Pattern
from hft_core.config import load_toml, resolve_config
from hypothesis import given
from hypothesis import strategies as st


def _pattern() -> Pattern:
    return Pattern(
        name="demo",
        summary="demo pattern",
        strategy_factory=dict,
        parameters=(
            Parameter("half_spread", float, 0.25, "Half spread in price units.", minimum=0.0),
            Parameter("levels", int, 3, "Levels per side.", minimum=1, maximum=20),
            Parameter("model", str, "skew", "Quoting model.", choices=("skew", "avellaneda-stoikov")),
            Parameter("post_only", bool, True, "Post-only orders."),
        ),
    )


def test_layers_apply_in_order(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("half_spread = 0.5\nlevels = 4\n")
    resolved = resolve_config(
        _pattern(), file_values=load_toml(path), file_label=str(path), assignments=["levels=7", "post_only=false"]
    )
    assert resolved == {"half_spread": 0.5, "levels": 7, "model": "skew", "post_only": False}


def test_int_is_accepted_for_float_but_bool_is_not_a_number() -> None:
    assert resolve_config(_pattern(), file_values={"half_spread": 1})["half_spread"] == 1.0
    with pytest.raises(ConfigError, match=r"'levels' expects int, got bool True"):
        resolve_config(_pattern(), file_values={"levels": True})


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("half_spread=abc", r"--set half_spread=abc: 'half_spread' expects float, got 'abc'"),
        ("levels=2.5", r"'levels' expects int, got '2.5'"),
        ("levels=0", r"'levels' must be >= 1"),
        ("levels=21", r"'levels' must be <= 20"),
        ("model=glft", r"'model' must be one of 'skew', 'avellaneda-stoikov'"),
        ("post_only=maybe", r"'post_only' expects bool"),
        ("half_spred=1", r"unknown key 'half_spred' .*did you mean 'half_spread'"),
        ("half_spread", r"expected key=value"),
        ("half_spread=nan", r"must be a finite float"),
    ],
)
def test_bad_assignments_name_key_and_type(assignment: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_config(_pattern(), assignments=[assignment])


def test_bad_file_values_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('levels = "three"\n')
    with pytest.raises(ConfigError, match=rf"{path}: 'levels' expects int, got str 'three'"):
        resolve_config(_pattern(), file_values=load_toml(path), file_label=str(path))


def test_unreadable_toml_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_toml(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("half_spread = \n")
    with pytest.raises(ConfigError, match=r"broken.toml: invalid TOML: .*line 1"):
        load_toml(broken)


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_float_round_trips_through_set(value: float) -> None:
    assert resolve_config(_pattern(), assignments=[f"half_spread={value!r}"])["half_spread"] == value


def test_pattern_contract_is_validated() -> None:
    with pytest.raises(ValueError, match="kebab-case"):
        Pattern(name="Bad_Name", summary="x", strategy_factory=dict)
    with pytest.raises(ValueError, match="twice"):
        Pattern(
            name="dup",
            summary="x",
            strategy_factory=dict,
            parameters=(Parameter("a", int, 1, "a"), Parameter("a", int, 2, "a")),
        )
    with pytest.raises(ConfigError, match="default: 'a' must be >= 5"):
        Parameter("a", int, 1, "a", minimum=5)
    with pytest.raises(ValueError, match="needs help text"):
        Parameter("a", int, 1, " ")
