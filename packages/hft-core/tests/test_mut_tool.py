"""scripts/mutation.py, the mutation-testing tool of issue #18, on a tiny fixture package: it kills the mutants the
fixture's test can see, reports the ones it cannot as survivors, scores a listed equivalent apart, and never writes
the module it mutates."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "mutation.py"

FIXTURE = '''\
"""A clamp the test checks and a fee it does not."""


def clamp(x: int, low: int, high: int) -> int:
    if x < low:
        return low
    if x > high:
        return high
    return x


def fee(notional: float, rate: float) -> float:
    return notional * rate
'''

FIXTURE_TEST = """\
from mutfix import clamp


def test_clamp() -> None:
    assert clamp(5, 0, 10) == 5
    assert clamp(-1, 0, 10) == 0
    assert clamp(11, 0, 10) == 10
"""


def _tool() -> ModuleType:
    if "hft_mutation_tool" in sys.modules:
        return sys.modules["hft_mutation_tool"]
    spec = importlib.util.spec_from_file_location("hft_mutation_tool", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (dataclasses look their module up)
    spec.loader.exec_module(module)
    return module


def _fixture(tmp_path: Path) -> tuple[object, Path]:
    tool = _tool()
    package = tmp_path / "src" / "mutfix"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(FIXTURE)
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_mutfix_clamp.py").write_text(FIXTURE_TEST)
    target = tool.Target("fixture", tmp_path / "src", "mutfix", "mutfix/__init__.py", (tests / "test_mutfix_clamp.py",))
    return target, package / "__init__.py"


def test_the_mutants_of_the_fixture_are_the_classic_single_changes() -> None:
    mutants = _tool().enumerate_mutants(FIXTURE)
    described = {(m.scope, m.operator, m.before, m.after) for m in mutants}
    assert ("clamp", "comparison flip", "x < low", "x >= low") in described
    assert ("clamp", "boundary shift", "x > high", "x >= high") in described
    assert ("clamp", "condition negated", "if x < low:", "if not x < low:") in described
    assert ("clamp", "return None", "return x", "return") in described
    assert ("fee", "operator swap", "notional * rate", "notional / rate") in described
    assert not any("A clamp" in m.before for m in mutants), "docstrings are not mutated"
    assert not any(m.before in {"int", "float"} for m in mutants), "annotations are not mutated"
    keys = [m.key for m in mutants]
    assert len(set(keys)) == len(keys)
    assert [m.key for m in _tool().enumerate_mutants(FIXTURE)] == keys, "keys are stable"
    flipped = next(m for m in mutants if m.after == "x >= low")
    assert "if x >= low:" in _tool().mutated_source(FIXTURE, flipped)


def test_the_tool_kills_what_the_test_sees_and_reports_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = _tool()
    target, module = _fixture(tmp_path)
    before = module.read_bytes(), module.stat().st_mtime_ns
    wanted = {
        ("x < low", "x >= low"),
        ("x > high", "x <= high"),
        ("return x", "return"),
        ("x < low", "x <= low"),
        ("notional * rate", "notional / rate"),
        ("return notional * rate", "return"),
    }
    mutants = [m for m in tool.enumerate_mutants(FIXTURE) if (m.before, m.after) in wanted]
    assert len(mutants) == len(wanted)
    equivalent = next(m for m in mutants if (m.before, m.after) == ("x < low", "x <= low"))
    monkeypatch.setitem(tool.EQUIVALENT, "fixture", {equivalent.key: "at x == low both return low"})
    _, outcomes = tool.run_target(target, mutants)
    status = {(o.mutant.scope, o.mutant.before, o.mutant.after): o.status for o in outcomes}
    assert status[("clamp", "x < low", "x >= low")] == "killed"
    assert status[("clamp", "x > high", "x <= high")] == "killed"
    assert status[("clamp", "return x", "return")] == "killed"
    assert status[("clamp", "x < low", "x <= low")] == "equivalent"
    assert status[("fee", "notional * rate", "notional / rate")] == "survived"
    assert status[("fee", "return notional * rate", "return")] == "survived"
    killed = next(o for o in outcomes if o.status == "killed")
    assert "test_clamp" in killed.killer
    assert (module.read_bytes(), module.stat().st_mtime_ns) == before, "the original module is never written"
    survived = sum(o.status == "survived" for o in outcomes)
    assert tool.score(outcomes) == pytest.approx(1 - survived / (len(outcomes) - 1))
    table = tool.score_table({"fixture": outcomes}, {"fixture": len(mutants)})
    assert f"| `fixture` | {len(outcomes)} ({len(mutants)}) |" in table


def test_a_sample_is_the_same_for_the_same_seed(capsys: pytest.CaptureFixture[str]) -> None:
    tool = _tool()
    listings = []
    for seed in (3, 3, 4):
        assert tool.main(["--list", "--module", "risk", "--sample", "5", "--seed", str(seed)]) == 0
        listings.append(capsys.readouterr().out)
    assert listings[0] == listings[1] != listings[2]
    assert listings[0].startswith("risk: 5 of ")


def test_the_equivalent_mutants_in_the_docs_are_the_tools_list() -> None:
    docs = (ROOT / "docs" / "mutation-testing.md").read_text().split("## Equivalent mutants", 1)[1]
    tool = _tool()
    for name, entries in tool.EQUIVALENT.items():
        assert name in tool.TARGETS
        for key, why in entries.items():
            assert f"| `{name}` | `{key}` |" in docs, f"{name} {key} is not in docs/mutation-testing.md"
            assert why in docs
    documented = set(re.findall(r"^\| `\w+` \| `([0-9a-f]{10})` \|", docs, flags=re.MULTILINE))
    listed = {key for entries in tool.EQUIVALENT.values() for key in entries}
    assert documented == listed, "the docs list other equivalents than the tool"
