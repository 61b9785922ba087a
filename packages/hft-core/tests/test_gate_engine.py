"""The engine's educational gate decides from facts it owns (issue #18): the venue's type, and whether a class in
the strategy's MRO, or in a strategy it wraps, comes from a gated distribution. Each route that got past the
attribute checks before is tried here: a stub module in ``sys.modules``, a subclass, an instance attribute, a
rewritten ``__module__``, a wrapper strategy (attribute, list, closure), and venues that claim to be simulated."""

from __future__ import annotations

import importlib
import importlib.metadata
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hft_core import Context, Instrument, Strategy, create_scenario
from hft_core.engine import Engine
from hft_core.errors import ConfigError
from hft_core.events import empty_events
from hft_core.gate import EDUCATIONAL_ENV, GateError, gated_origin, set_educational
from hft_core.venues.replay import ReplayVenue
from hft_core.venues.simulated import SimulatedVenue

GATED = "hft-gated-manipulative"
pytestmark = pytest.mark.skipif(
    not any(d.metadata["Name"] == GATED for d in importlib.metadata.distributions()),
    reason=f"{GATED} is not installed in this environment",
)


@pytest.fixture
def clean_modules(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No flag; every ``hft_gated_manipulative`` module imported by the test is forgotten afterwards."""
    monkeypatch.delenv(EDUCATIONAL_ENV, raising=False)
    set_educational(False)
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith("hft_gated_manipulative"):
            del sys.modules[name]
    set_educational(False)


@pytest.fixture
def unlocked(clean_modules: None) -> Iterator[None]:
    set_educational(True)
    yield


def _replay() -> ReplayVenue:
    return ReplayVenue(empty_events(0), [Instrument("SIM", tick_size=0.01, lot_size=1.0)])


def _simulated() -> SimulatedVenue:
    venue = create_scenario("single-instrument", seed=1, duration_s=1.0)
    assert isinstance(venue, SimulatedVenue)
    return venue


def _spoofing_class() -> type[Strategy]:
    module = importlib.import_module("hft_gated_manipulative.spoofing")
    cls: type[Strategy] = module.Spoofing
    return cls


# -- without the flag -----------------------------------------------------------------------------------------------
@pytest.mark.usefixtures("clean_modules")
def test_a_stub_package_in_sys_modules_does_not_run_a_gated_strategy() -> None:
    """The five-line route: a stub parent package skips the gated __init__, then the class is told it may run."""
    spec = importlib.machinery.PathFinder.find_spec("hft_gated_manipulative")
    assert spec is not None and spec.submodule_search_locations
    stub = types.ModuleType("hft_gated_manipulative")
    stub.__path__ = list(spec.submodule_search_locations)
    sys.modules["hft_gated_manipulative"] = stub
    spoofing = _spoofing_class()  # imported past the package's own gate
    spoofing.simulator_only = False
    with pytest.raises(GateError, match="locked"):
        Engine(spoofing(), _replay())
    with pytest.raises(GateError, match="locked"):  # nor on the simulator: the flag is missing
        Engine(spoofing(), _simulated())
    spoofing.__module__ = "my_strategies"  # the code still lives in the gated package's files
    with pytest.raises(GateError):
        Engine(spoofing(), _simulated())
    assert gated_origin(spoofing()) == GATED


# -- with the flag ----------------------------------------------------------------------------------------------------
@pytest.mark.usefixtures("unlocked")
def test_a_gated_strategy_runs_on_the_simulated_market_only() -> None:
    spoofing = _spoofing_class()
    Engine(spoofing(), _simulated())  # the one allowed route
    with pytest.raises(ConfigError, match=r"Spoofing is simulator-only \(from the gated distribution"):
        Engine(spoofing(), _replay())


@pytest.mark.usefixtures("unlocked")
def test_a_subclass_or_an_instance_attribute_does_not_unlock_a_recorded_market() -> None:
    spoofing = _spoofing_class()

    class Mine(spoofing):  # type: ignore[valid-type,misc]
        simulator_only: ClassVar[bool] = False

    with pytest.raises(ConfigError, match="Mine is simulator-only"):
        Engine(Mine(), _replay())
    instance = spoofing()
    instance.simulator_only = False  # type: ignore[misc]
    with pytest.raises(ConfigError, match="simulator-only"):
        Engine(instance, _replay())


class Wrapper(Strategy):
    """Delegates every hook to what it holds."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def on_start(self, ctx: Context) -> None:
        self.inner.on_start(ctx)


@pytest.mark.usefixtures("unlocked")
@pytest.mark.parametrize(
    "wrap",
    [
        lambda s: Wrapper(s),
        lambda s: Wrapper([1, {"deep": (s,)}]),
        lambda s: Wrapper(lambda ctx: s.on_start(ctx)),
        lambda s: Wrapper(s.on_start),
        lambda s: Wrapper(Wrapper(s)),
    ],
    ids=["attribute", "container", "closure", "bound-method", "wrapper-of-a-wrapper"],
)
def test_a_wrapper_of_a_gated_strategy_is_gated(wrap: Any) -> None:
    wrapper = wrap(_spoofing_class()())
    assert gated_origin(wrapper) == GATED
    with pytest.raises(ConfigError, match="Wrapper is simulator-only"):
        Engine(wrapper, _replay())
    Engine(wrapper, _simulated())


@pytest.mark.usefixtures("unlocked")
def test_venues_that_claim_to_be_simulated_are_not_believed() -> None:
    spoofing = _spoofing_class()

    class Claims(ReplayVenue):
        @property
        def simulated(self) -> bool:
            return True

    class Derived(SimulatedVenue):
        pass

    claims = Claims(empty_events(0), [Instrument("SIM", tick_size=0.01, lot_size=1.0)])
    assert claims.simulated
    with pytest.raises(ConfigError, match="simulator-only"):
        Engine(spoofing(), claims)
    real = _simulated()
    derived = object.__new__(Derived)
    derived.__dict__.update(real.__dict__)
    with pytest.raises(ConfigError, match="simulator-only"):
        Engine(spoofing(), derived)
    patched = _simulated()
    patched.advance = claims.advance  # type: ignore[method-assign]
    with pytest.raises(ConfigError, match="simulator-only"):
        Engine(spoofing(), patched)


# -- strategies that are not gated --------------------------------------------------------------------------------
@pytest.mark.usefixtures("clean_modules")
def test_honest_strategies_run_anywhere_and_declared_simulator_only_ones_stay_so() -> None:
    Engine(Strategy(), _replay())
    Engine(Wrapper(Strategy()), _replay())
    assert gated_origin(Wrapper([Strategy(), Path("x")])) is None

    class Declared(Strategy):
        simulator_only: ClassVar[bool] = True

    class Undeclared(Declared):
        simulator_only: ClassVar[bool] = False

    declared = Declared()
    declared.simulator_only = False  # type: ignore[misc]
    for strategy in (declared, Undeclared()):
        with pytest.raises(ConfigError, match="simulator-only"):
            Engine(strategy, _replay())
    Engine(Undeclared(), _simulated())


def test_a_wheel_installed_distribution_names_its_top_level_packages_from_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without ``top_level.txt`` (what wheels built by hatchling install), a distribution's importable top-level
    names come from the files its RECORD lists: packages and single modules, not its metadata, .pth files or
    scripts installed outside site-packages."""
    from hft_core.gate import _top_level_names

    info = tmp_path / "gated_demo-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: gated-demo\nVersion: 1.0\n")
    (info / "RECORD").write_text(
        "gated_demo_pkg/__init__.py,,\ngated_demo_pkg/strategies/spoof.py,,\ngated_demo_single.py,,\n"
        "gated_demo-1.0.dist-info/METADATA,,\n_gated_demo.pth,,\n../../bin/gated-demo,,\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _top_level_names("gated-demo") == ["gated_demo_pkg", "gated_demo_single"]
    (info / "top_level.txt").write_text("gated_demo_pkg\n")
    assert _top_level_names("gated-demo") == ["gated_demo_pkg"]
    assert _top_level_names("no-such-distribution-here") == []
