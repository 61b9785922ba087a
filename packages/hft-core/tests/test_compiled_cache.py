"""The compiled strategy driver's cache (`hft_core.venues.replay._hookcache`): a hook importable by name runs from
numba's cache in a later process, with the same orders and fills; an edit of anything compiled into it (the hook's
file, a helper module's, a constant imported from elsewhere) gives a new key, so a stale entry is never loaded; a
hook that cannot be imported, or a cache folder that cannot be written, compiles in the process as before."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import types
import uuid
from collections.abc import Iterator
from pathlib import Path

import hft_core.compiled as hc
import numpy as np
import pytest
from hft_core.compiled import CompiledStrategy
from hft_core.engine import Engine
from hft_core.strategy import Context
from hft_core.venues.replay import ConstantLatency, ReplayVenue
from hft_core.venues.replay import _hookcache as hk
from hft_core.venues.replay._scenarios import INSTRUMENTS, random_l2_stream
from numba import njit

_HOOK = """
from numba import njit
import hft_core.compiled as hc
from {consts} import LOTS
from {helpers} import away

OFFSET = {offset}


@njit
def quote(h, event, instrument, fired):
    bid, ask = hc.best_bid(h, 0), hc.best_ask(h, 0)
    if bid == hc.NO_BID or ask == hc.NO_ASK:
        return
    order_id = hc.next_open_order(h, 0)
    while order_id:
        hc.cancel(h, order_id)
        order_id = hc.next_open_order(h, order_id)
    hc.state(h)[0] += 1
    hc.buy(h, 0, away(bid, -OFFSET), LOTS, hc.POST_ONLY)
    hc.sell(h, 0, away(ask, OFFSET), LOTS, hc.POST_ONLY)
"""

_HELPERS = """
from numba import njit


@njit
def away(price, by):
    return price + {step} * by
"""

_RUN = """
import json
import sys

import numpy as np
from hft_core.compiled import CompiledStrategy
from hft_core.engine import Engine
from hft_core.venues.replay import ConstantLatency, ReplayVenue
from hft_core.venues.replay import _hookcache
from hft_core.venues.replay._scenarios import INSTRUMENTS, random_l2_stream


class Quoter(CompiledStrategy):
    def on_start(self, ctx):
        ctx.set_timer(5e-7)


def run(hook):
    data = random_l2_stream(np.random.default_rng(1), 3_000, instruments=2)
    venue = ReplayVenue(data, list(INSTRUMENTS), latency=ConstantLatency(7, 11))
    result = Engine(Quoter(hook, [0.0]), venue, sample_interval_s=2e-5).run()
    entry, why = _hookcache.entry_for(hook)
    return {{
        "why": why,
        "key": _hookcache.hook_key(hook),
        "hits": sum(entry.stats.cache_hits.values()),
        "misses": sum(entry.stats.cache_misses.values()),
        "orders": result.orders[["ts", "side", "price", "qty", "status"]].astype(str).values.tolist(),
        "fills": result.fills.astype(str).values.tolist(),
    }}


import {module} as hooks

found = [run(hooks.quote)]
if sys.argv[1] == "edit":  # the hook's file edited in place (its constant), then imported again
    with open(hooks.__file__, "w") as handle:
        handle.write(sys.argv[2])
    import importlib

    importlib.invalidate_caches()
    found.append(run(importlib.reload(hooks).quote))
print(json.dumps(found))
"""


def _modules(tmp_path: Path, offset: int = 1, step: int = 1, lots: int = 1) -> tuple[str, str, str]:
    """A hook module, the helper module it calls and the module its size comes from, written to ``tmp_path`` under
    fresh names (importable once ``tmp_path`` is on the path); their names (hook, helpers, constants)."""
    tag = uuid.uuid4().hex[:10]
    names = (f"hook_{tag}", f"helpers_{tag}", f"consts_{tag}")
    (tmp_path / f"{names[1]}.py").write_text(_HELPERS.format(step=step))
    (tmp_path / f"{names[2]}.py").write_text(f"LOTS = {lots}\n")
    (tmp_path / f"{names[0]}.py").write_text(_HOOK.format(consts=names[2], helpers=names[1], offset=offset))
    return names


@pytest.fixture
def on_path(tmp_path: Path) -> Iterator[Path]:
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    yield tmp_path
    sys.path.remove(str(tmp_path))


@pytest.mark.slow
def test_a_hook_runs_from_the_cache_in_a_later_process_and_an_edit_compiles_afresh(tmp_path: Path) -> None:
    module, helpers, consts = _modules(tmp_path)
    edited = _HOOK.format(consts=consts, helpers=helpers, offset=3) + "# edited\n"  # (a new size: a new .pyc)
    (tmp_path / "run.py").write_text(_RUN.format(module=module))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
        "HFT_HOOK_CACHE_DIR": str(tmp_path / "hooks"),
        "HFT_HOOK_CACHE": "1",
    }  # (numba's own cache stays where it is: the replay kernel comes from it)
    found = []
    for mode in ("first", "edit"):
        done = subprocess.run(
            [sys.executable, str(tmp_path / "run.py"), mode, edited],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        found += json.loads(done.stdout.strip().splitlines()[-1])
    first, again, after_edit = found
    assert first["why"] == again["why"] == after_edit["why"] == ""
    assert (first["hits"], first["misses"]) == (0, 1)  # compiled and saved
    assert (again["hits"], again["misses"]) == (1, 0)  # loaded in the second process
    assert first["key"] == again["key"]
    assert len(first["orders"]) > 50 and len(first["fills"]) > 5
    assert (again["orders"], again["fills"]) == (first["orders"], first["fills"])
    # the edit: a new key, compiled afresh (not the old entry), and the new constant in the orders
    assert after_edit["key"] != first["key"]
    assert (after_edit["hits"], after_edit["misses"]) == (0, 1)
    assert after_edit["orders"] != first["orders"]
    assert len(list((tmp_path / "hooks").glob("hook_*.py"))) == 2


def test_the_key_follows_the_hooks_file_its_helpers_files_and_constants_imported_from_elsewhere(on_path: Path) -> None:
    module, helpers, consts = _modules(on_path)
    hook = importlib.import_module(module).quote
    key = hk.hook_key(hook)
    assert hk.importable(hook) is None
    assert hk.hook_key(hook) == key  # (stable)
    # a helper module's file edited (the dispatcher the hook calls compiles from it)
    (on_path / f"{helpers}.py").write_text(_HELPERS.format(step=2))
    assert hk.hook_key(hook) != key
    (on_path / f"{helpers}.py").write_text(_HELPERS.format(step=1))
    assert hk.hook_key(hook) == key
    # the hook's own file
    (on_path / f"{module}.py").write_text(_HOOK.format(consts=consts, helpers=helpers, offset=1) + "\n# edited\n")
    assert hk.hook_key(hook) != key
    (on_path / f"{module}.py").write_text(_HOOK.format(consts=consts, helpers=helpers, offset=1))
    # a constant imported from another module: keyed on its value as numba compiles it in
    (on_path / f"{consts}.py").write_text("LOTS = 2\n")
    importlib.reload(importlib.import_module(consts))
    reloaded = importlib.reload(importlib.import_module(module)).quote
    assert hk.hook_key(reloaded) != key
    # hft-core's own kernel files are in it
    walked = hk._Key()
    walked.function(reloaded.py_func)
    from hft_core.venues.replay import _drive

    walked.function(_drive.drive.py_func)
    parts = {Path(f).name for f in walked.files}
    assert {"compiled.py", "_drive.py", "_kernel.py", "_settle.py", f"{module}.py", f"{helpers}.py"} <= parts


def test_a_file_edited_after_its_import_does_not_lend_its_key_to_the_old_code(on_path: Path) -> None:
    module, helpers, _ = _modules(on_path)
    hook = importlib.import_module(module).quote
    (on_path / f"{helpers}.py").write_text(_HELPERS.format(step=2))  # this process still holds step 1
    held = hk.hook_key(hook)
    importlib.reload(importlib.import_module(helpers))
    fresh = importlib.reload(importlib.import_module(module)).quote  # what a new process would compile
    assert hk.hook_key(fresh) != held


def test_a_global_the_key_cannot_vouch_for_turns_caching_off(on_path: Path) -> None:
    name = f"odd_{uuid.uuid4().hex[:10]}"
    (on_path / f"{name}.py").write_text(
        "from numba import njit\nimport hft_core.compiled as hc\n\nclass Odd:\n    pass\n\nODD = Odd()\n\n\n"
        "@njit\ndef quote(h, event, instrument, fired):\n    if ODD is None:\n        hc.state(h)[0] += 1\n"
    )
    hook = importlib.import_module(name).quote
    with pytest.raises(hk.UnkeyableError, match="ODD is a Odd"):
        hk.hook_key(hook)
    entry, why = hk._entry_for(hook, {"HFT_HOOK_CACHE_DIR": str(on_path / "hooks")})
    assert entry is None and "ODD is a Odd" in why


def test_the_cache_folder_and_what_happens_where_it_cannot_be_written(on_path: Path) -> None:
    home = Path.home()
    assert hk.hook_cache_dir({}) == home / ".cache" / "hft-patterns" / "hooks"
    assert hk.hook_cache_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/hft-patterns/hooks")
    assert hk.hook_cache_dir({"XDG_CACHE_HOME": "/x", "NUMBA_CACHE_DIR": "/n"}) == Path("/n/hft-hooks")
    assert hk.hook_cache_dir({"NUMBA_CACHE_DIR": "/n", "HFT_HOOK_CACHE_DIR": "/h"}) == Path("/h")
    module, _, _ = _modules(on_path)
    hook = importlib.import_module(module).quote
    blocked = on_path / "a-file"
    blocked.write_text("")
    entry, why = hk._entry_for(hook, {"HFT_HOOK_CACHE_DIR": str(blocked / "hooks")})  # (a file in the way)
    assert entry is None and "cannot be written" in why
    entry, why = hk._entry_for(hook, {"HFT_HOOK_CACHE": "0", "HFT_HOOK_CACHE_DIR": str(on_path / "hooks")})
    assert entry is None and "caching is off" in why
    assert not (on_path / "hooks").exists()
    # writable: the generated module, written once (not replaced: numba's index is stamped with its time)
    entry, why = hk._entry_for(hook, {"HFT_HOOK_CACHE_DIR": str(on_path / "hooks")})
    assert why == "" and entry is not None
    (written,) = (on_path / "hooks").glob("hook_*.py")
    stamp = written.stat().st_mtime_ns
    assert hk._entry_for(hook, {"HFT_HOOK_CACHE_DIR": str(on_path / "hooks")})[0] is entry
    assert written.stat().st_mtime_ns == stamp
    assert f"import_module({module!r})" in written.read_text()
    assert not list((on_path / "hooks").glob(".tmp-*"))


def test_hooks_that_cannot_be_imported_by_name() -> None:
    def inner(h, event, instrument, fired):  # type: ignore[no-untyped-def]
        hc.state(h)[0] += 1

    assert "cannot be imported by name" in str(hk.importable(njit(inner)))
    assert "cannot be imported by name" in str(hk.importable(njit(lambda h, event, instrument, fired: None)))
    main = types.FunctionType(inner.__code__, {"__name__": "__main__", "hc": hc})
    main.__qualname__ = "quote"
    assert "cannot be imported by name" in str(hk.importable(njit(main)))
    elsewhere = types.FunctionType(inner.__code__, {"__name__": __name__, "hc": hc})
    elsewhere.__qualname__ = "not_here"
    assert "cannot be imported by name" in str(hk.importable(njit(elsewhere)))


def test_a_hook_defined_in_a_function_compiles_in_the_process_and_runs() -> None:
    @njit
    def count(h, event, instrument, fired):  # type: ignore[no-untyped-def]
        hc.state(h)[0] += 1

    class Counts(CompiledStrategy):
        def on_start(self, ctx: Context) -> None:
            ctx.set_timer(1e-6)

    entry, why = hk.entry_for(count)
    assert entry is None and "cannot be imported by name" in why
    data = random_l2_stream(np.random.default_rng(9), 2_000, instruments=2)
    strategy = Counts(count, [0.0])
    Engine(strategy, ReplayVenue(data, list(INSTRUMENTS), latency=ConstantLatency(7, 11))).run()
    assert strategy.state[0] == strategy.decisions > 10
