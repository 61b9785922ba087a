"""The replay kernel's on-disk numba cache never serves stale machine code in an editable checkout.

numba keys a cached entry on the file that defines it (its path, size and modification time) and freezes the
module-level constants it reads at compile time. So the kernel states every constant it compiles in its own file
(`test_kernel_constants.py` holds the copies true), and editing one must recompile: checked here on a copy of the
kernel's file, in fresh processes sharing one cache directory (the cheap entry `first_bad_row`, which reads the
event-kind constants the way every entry does).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hft_core.engine import _settle
from hft_core.venues.replay import _kernel

_PROBE = """
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import kernel_copy
from hft_core.events import EVENT_DTYPE
chunk = np.zeros(1, dtype=EVENT_DTYPE)
chunk[0] = (1, 1, 0, 0, 0, 0, 3, 0)  # a CLEAR row (kind 3, side 0): valid while K_CLEAR = 3
row = int(kernel_copy.first_bad_row(chunk, 1, 0))
stats = kernel_copy.first_bad_row.stats
print(json.dumps({"row": row, "hits": sum(stats.cache_hits.values()), "misses": sum(stats.cache_misses.values())}))
"""


def _probe(folder: Path, cache: Path) -> dict[str, int]:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(folder)], capture_output=True, text=True, env=env, check=True, timeout=300
    )
    found: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


@pytest.mark.slow
def test_editing_a_kernel_constant_recompiles(tmp_path: Path) -> None:
    source = Path(_kernel.__file__).read_text()
    assert "\nK_CLEAR = 3\n" in source
    copy = tmp_path / "kernel_copy.py"
    copy.write_text(source)
    cache = tmp_path / "cache"
    first = _probe(tmp_path, cache)
    assert first == {"row": -1, "hits": 0, "misses": 1}  # compiled, and written to the cache
    assert _probe(tmp_path, cache) == {"row": -1, "hits": 1, "misses": 0}  # loaded from it
    copy.write_text(source.replace("\nK_CLEAR = 3\n", "\nK_CLEAR = 9\n"))  # same size: only the time differs
    edited = _probe(tmp_path, cache)
    assert edited == {"row": 0, "hits": 0, "misses": 1}  # recompiled: the row is no longer a CLEAR


@pytest.mark.parametrize("kernel", [_kernel, _settle], ids=lambda m: m.__name__)
def test_the_kernels_compile_only_constants_of_their_own_file(kernel: ModuleType) -> None:
    """A cached kernel imports nothing of the project's at module level: every constant it reads is its own."""
    source = Path(str(kernel.__file__)).read_text()
    imported = [line for line in source.splitlines() if line.startswith(("from ", "import "))]
    assert imported and all(not line.startswith(("from hft_core", "import hft_core")) for line in imported)


def test_a_kernel_helper_compiles_once_for_every_constant_and_narrow_integer_it_is_called_with() -> None:
    """numba compiles a callee again for each literal constant and integer width it is called with (the report
    writer was compiled 11 times in one cold compile of `run`); the kernel's helpers take one overload for all."""
    import numpy as np
    from numba import njit, types

    def scale(a, b):  # type: ignore[no-untyped-def]
        return a * b

    plain = njit(scale)
    once = _kernel.once_per_types(njit(scale))

    @njit
    def caller(x, narrow):  # type: ignore[no-untyped-def]
        return plain(x, 2) + plain(x, 3) + once(x, 2) + once(x, 3) + once(x, narrow) + once(narrow, True)

    assert caller(5, np.int32(7)) == 10 + 15 + 10 + 15 + 35 + 7
    assert len(plain.signatures) == 2  # what numba does alone: one overload per constant
    assert once.signatures == [(types.int64, types.int64), (types.int64, types.boolean)]
    for helper in (_kernel._report, _kernel._simple_report, _kernel._level, _kernel._fill):
        assert helper.get_call_template.__qualname__.startswith("once_per_types"), helper
