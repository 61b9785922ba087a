"""numba's on-disk cache for kernels whose machine code comes from several files.

numba keys a cached function on the content of the file that defines it. The compiled simulated market's kernels
also compile code and constants from other files (`_kernel` inlines `_kmatch` and `_kdraws`; `_kdraws` reads
constants of `latency` and `participants`), so an edit of one of those would leave the cache serving the old machine
code: a silent wrong result in an editable checkout. `key_on_sources` adds the content of those files to the key of
every cached function of a module; with a numba whose cache no longer looks as expected, it turns that module's
caching off (slower, never stale).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType
from typing import Any

from numba.core.caching import NullCache
from numba.core.registry import CPUDispatcher

__all__ = ["key_on_sources"]


def key_on_sources(module: str, *sources: ModuleType) -> None:
    """Key every cached numba function defined in module ``module`` (its ``__name__``) on the content of the
    ``sources`` modules' files as well as its own."""
    import sys

    namespace: dict[str, Any] = vars(sys.modules[module])
    digest = hashlib.sha256()
    for source in sources:
        digest.update(Path(str(source.__file__)).read_bytes())
    extra = digest.hexdigest()
    for value in list(namespace.values()):
        if not isinstance(value, CPUDispatcher) or value.py_func.__module__ != module:
            continue
        cache = getattr(value, "_cache", None)
        if cache is None or isinstance(cache, NullCache):
            continue  # (not a cached function)
        index = getattr(cache, "_cache_file", None)
        if index is None or not hasattr(index, "_source_stamp"):
            setattr(value, "_cache", NullCache())  # noqa: B010 (a private attribute of numba's)
            continue
        index._source_stamp = (index._source_stamp, extra)
