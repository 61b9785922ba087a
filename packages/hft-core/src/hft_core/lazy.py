"""Lazy public names (PEP 562): a package lists where each name lives and imports it on first use.

hft-core and the pattern packages keep ``import hft_core`` / ``import hft_statarb`` cheap this way (no numpy until a
numeric name is used), with one implementation::

    __getattr__, __dir__ = lazy_attributes(__name__, {"backtest": "hft_core.runs"})
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, names: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module ``__getattr__`` and ``__dir__`` for ``package``: ``__getattr__`` imports ``name`` from
    ``names[name]`` (a module path) on first access and keeps it in the package's namespace (other names raise
    `AttributeError` as usual); ``__dir__`` lists the lazy names with the loaded ones."""
    where = dict(names)

    def __getattr__(name: str) -> Any:  # noqa: N807 (the module hook's own name)
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:  # noqa: N807 (the module hook's own name)
        return sorted(set(vars(sys.modules[package])) | set(where))

    return __getattr__, __dir__
