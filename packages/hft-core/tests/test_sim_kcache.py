"""The compiled simulated market's numba cache follows every file its machine code comes from.

numba keys a cached function on its own file only; the kernel (`_kernel`) compiles in the engines (`_kmatch`) and
the draws (`_kdraws`), which read constants of `latency` and `participants`. `_kcache.key_on_sources` adds those
files to the key: checked here on a copy of hft_core, in fresh processes sharing one cache directory, with cheap
entries of the kernel (`tables`) and of the draws (`uniform`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import hft_core
import pytest

pytestmark = pytest.mark.slow

_PROBE = """
import json, random, sys
import numpy as np
from hft_core.venues.simulated import _kdraws as kd, _kernel as kn, _kmatch as km
assert kn.__file__.startswith(sys.argv[1]), kn.__file__
state = kn.new_state(
    start_ns=0, mk=np.zeros((1, kn.MK_SIZE), np.int64), fair=np.zeros((1, 1)), tgf=np.zeros((1, kn.TGF_SIZE)),
    gw=np.zeros((1, kn.G_SIZE), np.int64),
    links=np.zeros((1, kn.L_SIZE), np.int64), n_owners=2, ai=np.zeros((0, kn.A_SIZE), np.int64),
    af=np.zeros((0, kn.F_SIZE)), mt=np.zeros((1, kd.MT_STATE_SIZE), np.uint32), aux=[], engines=[km.new_state(0)],
    observers=np.full((1, 2), -1, np.int64), record=False,
)
kn.tables(state)
kd.uniform(kd.mt_state(random.Random(1)))
print(json.dumps({
    name: [sum(entry.stats.cache_hits.values()), sum(entry.stats.cache_misses.values())]
    for name, entry in (("tables", kn.tables), ("uniform", kd.uniform))
}))
"""


def _probe(root: Path, cache: Path) -> dict[str, list[int]]:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), PYTHONPATH=str(root))
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(root)], capture_output=True, text=True, env=env, check=True, timeout=300
    )
    found: dict[str, list[int]] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_editing_a_file_the_kernel_compiles_in_recompiles_it(tmp_path: Path) -> None:
    root = tmp_path / "src"
    shutil.copytree(Path(hft_core.__file__).parent, root / "hft_core", ignore=shutil.ignore_patterns("__pycache__"))
    simulated = root / "hft_core" / "venues" / "simulated"
    cache = tmp_path / "cache"
    assert _probe(root, cache) == {"tables": [0, 1], "uniform": [0, 1]}  # compiled, and written to the cache
    assert _probe(root, cache) == {"tables": [1, 0], "uniform": [1, 0]}  # loaded from it
    with (simulated / "_kmatch.py").open("a") as engines:
        engines.write("# edited\n")
    assert _probe(root, cache) == {"tables": [0, 1], "uniform": [1, 0]}  # the kernel recompiles, the draws do not
    with (simulated / "latency.py").open("a") as latency:
        latency.write("# edited\n")
    assert _probe(root, cache) == {"tables": [0, 1], "uniform": [0, 1]}  # both read its constants
