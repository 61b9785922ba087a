"""The plugin host with in-process plugins: tolerant loading, strictness, clashes, gating and lookup."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib.metadata import EntryPoint
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated

import pytest
from hft_core import (
    Config,
    ConfigError,
    Knob,
    MarketConfig,
    Pattern,
    PluginError,
    Scenario,
    UnknownPatternError,
    hookimpl,
)
from hft_core.gate import GateError, educational_enabled, require_educational, set_educational
from hft_core.plugins import PluginHost, PluginRecord, _source_version


@dataclass(frozen=True)
class _Knobs(Config):
    size: Annotated[float, Knob("Quote size.", gt=0)] = 1.0


@dataclass(frozen=True)
class _NoKnob(Config):
    size: float = 1.0


def _plugin(*names: str, config: str | type[Config] = _Knobs) -> object:
    class Plugin:
        @hookimpl
        def hft_register_patterns(self) -> list[Pattern]:
            return [
                Pattern(name=n, summary=f"{n} pattern", config=config, strategy="hft_core.strategy:Strategy")
                for n in names
            ]

    return Plugin()


def _scenarios(*names: str) -> object:
    class Plugin:
        @hookimpl
        def hft_register_scenarios(self) -> list[Scenario]:
            return [Scenario(n, f"{n} market", MarketConfig, "no_such_module:build") for n in names]

    return Plugin()


def _records(host: PluginHost) -> list[PluginRecord]:
    """The plugins' records without hft-core's own (always first)."""
    records = host.records()
    assert records[0].name == "hft-core" and records[0].status == "ok"
    return records[1:]


class _Exploding:
    @hookimpl
    def hft_register_patterns(self) -> list[Pattern]:
        raise RuntimeError("boom")


def test_patterns_are_indexed_with_their_origin() -> None:
    host = PluginHost(discover=False, extra=[("a", _plugin("alpha", "beta")), ("b", _plugin("gamma"))])
    assert sorted(host.patterns()) == ["alpha", "beta", "gamma"]
    assert host.get("gamma").package == "(in-process)"


def test_failing_hook_marks_only_that_plugin_broken() -> None:
    host = PluginHost(discover=False, strict=False, extra=[("bad", _Exploding()), ("good", _plugin("alpha"))])
    statuses = {r.name: (r.status, r.error) for r in host.records()}
    assert statuses["good"] == ("ok", None)
    assert statuses["bad"][0] == "broken"
    assert "RuntimeError: boom" in (statuses["bad"][1] or "")


def test_strict_loading_raises() -> None:
    host = PluginHost(discover=False, strict=True, extra=[("bad", _Exploding())])
    with pytest.raises(PluginError, match=r"plugin .bad.*boom"):
        host.records()


def test_name_clash_breaks_the_later_plugin() -> None:
    host = PluginHost(discover=False, strict=False, extra=[("a", _plugin("alpha")), ("b", _plugin("alpha"))])
    records = {r.name: r for r in host.records()}
    assert records["a"].status == "ok"
    assert records["b"].status == "broken"
    assert "already provided" in (records["b"].error or "")


def test_wrong_return_type_is_reported() -> None:
    class Wrong:
        @hookimpl
        def hft_register_patterns(self) -> list[object]:
            return [SimpleNamespace(name="x")]

    (record,) = _records(PluginHost(discover=False, strict=False, extra=[("w", Wrong())]))
    assert record.status == "broken"
    assert "not Pattern" in (record.error or "")


def test_disabled_plugins_are_not_loaded() -> None:
    host = PluginHost(discover=False, disabled=["a"], extra=[("a", _Exploding())])
    (record,) = _records(host)
    assert record.status == "disabled"
    assert PluginHost(discover=False, disabled=["hft-core"]).records()[0].status == "ok"  # built-ins always load


def test_a_config_that_fails_to_import_or_lacks_a_knob_breaks_its_plugin() -> None:
    host = PluginHost(
        discover=False,
        strict=False,
        extra=[("gone", _plugin("a", config="no_such_module_anywhere:Config")), ("bare", _plugin("b", config=_NoKnob))],
    )
    records = {r.name: r for r in _records(host)}
    assert records["gone"].status == "broken" and "ModuleNotFoundError" in (records["gone"].error or "")
    assert records["bare"].status == "broken"
    assert "_NoKnob.size: every field needs a Knob" in (records["bare"].error or "")
    assert sorted(host.patterns()) == []


def test_builtin_markets_are_registered_through_the_same_hook() -> None:
    host = PluginHost(discover=False, extra=[("mine", _scenarios("my-market"))])
    builtin = ("single-instrument", "btcusdt-perp", "cointegrated-pair", "two-venues", "reactive")
    assert list(host.scenarios()) == [*builtin, "my-market"]
    assert host.records()[0].scenarios == builtin
    with pytest.raises(ConfigError, match=r"unknown market scenario 'reactve' \(did you mean reactive\?\)"):
        host.scenario("reactve")


def test_a_scenario_name_already_taken_breaks_the_later_plugin() -> None:
    host = PluginHost(
        discover=False, strict=False, extra=[("a", _scenarios("reactive")), ("b", _scenarios("x-market"))]
    )
    records = {r.name: r for r in _records(host)}
    assert records["a"].status == "broken" and "already provided by hft-core" in (records["a"].error or "")
    assert records["b"].status == "ok"


def test_unknown_pattern_lists_close_names() -> None:
    host = PluginHost(discover=False, extra=[("a", _plugin("passive-mm"))])
    with pytest.raises(UnknownPatternError, match="Did you mean: passive-mm"):
        host.get("pasive-mm")


def test_educational_flag_is_process_local_and_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HFT_EDUCATIONAL", raising=False)
    set_educational(False)
    assert not educational_enabled()
    with pytest.raises(GateError, match="--educational"):
        require_educational("x")
    monkeypatch.setenv("HFT_EDUCATIONAL", "1")
    require_educational("x")
    monkeypatch.setenv("HFT_EDUCATIONAL", "true")  # only the documented value unlocks
    assert not educational_enabled()
    set_educational(True)
    try:
        require_educational("x")
    finally:
        set_educational(False)


def test_versions_come_from_the_package_source_without_importing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "pkg_bumped"
    package.mkdir()
    (package / "__init__.py").write_text("raise RuntimeError('must not be imported')\n")
    (package / "__about__.py").write_text('"""Version."""\n\n__version__ = "2.3.0"\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    entry = EntryPoint(name="bumped", value="pkg_bumped.plugin", group="hft")
    assert _source_version(entry) == "2.3.0"
    assert "pkg_bumped" not in sys.modules
    assert _source_version(EntryPoint(name="x", value="no_such_package_anywhere.plugin", group="hft")) is None
