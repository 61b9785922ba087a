"""The plugin host with in-process plugins: tolerant loading, strictness, clashes, gating and lookup."""

from __future__ import annotations

import sys
from importlib.metadata import EntryPoint
from pathlib import Path
from types import SimpleNamespace

import pytest
from hft_core import Pattern, PluginError, UnknownPatternError, hookimpl
from hft_core.gate import GateError, educational_enabled, require_educational, set_educational
from hft_core.plugins import PluginHost, _source_version


def _plugin(*names: str) -> object:
    class Plugin:
        @hookimpl
        def hft_register_patterns(self) -> list[Pattern]:
            return [Pattern(name=n, summary=f"{n} pattern", strategy_factory=dict) for n in names]

    return Plugin()


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

    (record,) = PluginHost(discover=False, strict=False, extra=[("w", Wrong())]).records()
    assert record.status == "broken"
    assert "not Pattern" in (record.error or "")


def test_disabled_plugins_are_not_loaded() -> None:
    host = PluginHost(discover=False, disabled=["a"], extra=[("a", _Exploding())])
    (record,) = host.records()
    assert record.status == "disabled"


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
