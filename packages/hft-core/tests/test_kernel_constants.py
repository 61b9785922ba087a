"""Kernel constants: every value a compiled kernel restates equals its source, and layouts do not share prefixes.

numba's on-disk cache is keyed on a kernel's own file, so a kernel restates the constants it needs (event kinds,
order types and statuses, reasons, queue models, latency modes) instead of reading them from another module at
compile time. These tests are what keeps the copies true. Layout columns (``O_*``, ``SO_*``, ...) get a prefix
unique to their kernel, and each layout's columns are distinct and below its ``*_SIZE``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from types import ModuleType

import pytest
from hft_core.book import _l3_kernel
from hft_core.engine import _settle
from hft_core.events import EventKind
from hft_core.matching.orders import OrderReason, OrderStatus, OrderType
from hft_core.venues import base
from hft_core.venues.replay import _kernel, latency, queue

KERNELS: tuple[ModuleType, ...] = (_kernel, _settle, _l3_kernel)


def test_the_replay_kernel_restates_the_order_enums() -> None:
    for kind in OrderType:
        assert getattr(_kernel, f"OT_{kind.name}") == kind.value, kind
    for status in OrderStatus:
        assert getattr(_kernel, f"OS_{status.name}") == status.value, status
    restated = [name for name in vars(_kernel) if name.startswith("RJ_")]
    assert len(restated) >= 9
    for name in restated:
        assert getattr(_kernel, name) == OrderReason[name.removeprefix("RJ_")].value, name


def test_event_kinds_queue_models_and_latency_modes() -> None:
    for member in EventKind:
        assert getattr(_kernel, f"K_{member.name}") == member.value, member
        assert getattr(_l3_kernel, f"_{member.name}") == member.value, member
    models = {
        "Q_RISK_AVERSE": queue.RISK_AVERSE,
        "Q_POWER": queue.POWER_PROB,
        "Q_LOG": queue.LOG_PROB,
        "Q_POWER3": queue.POWER3_PROB,
        "Q_L3_FIFO": queue.L3_FIFO,
    }
    assert {name: getattr(_kernel, name) for name in models} == models
    assert (_kernel.LAT_CONSTANT, _kernel.LAT_SAMPLED) == (latency.MODE_CONSTANT, latency.MODE_SAMPLED)


def test_settlement_statuses_and_sentinels() -> None:
    for member in OrderStatus:
        assert getattr(_settle, f"V_{member.name}") == member.value, member
    assert _settle.NONE == _kernel.NONE
    assert _kernel.PQ_SLOT == base.REPORT_ROW_SIZE and _kernel.PQ_SIZE == base.REPORT_ROW_SIZE + 2


def _layouts(module: ModuleType) -> dict[str, dict[str, int]]:
    """Each layout of ``module``: the constants sharing a prefix that has a ``PREFIX_SIZE``, by prefix."""
    names = {name: value for name, value in vars(module).items() if re.fullmatch(r"[A-Z][A-Z0-9]*_[A-Z0-9_]+", name)}
    prefixes = {name.removesuffix("SIZE") for name in names if name.endswith("_SIZE")}
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for name, value in names.items():
        prefix = name.split("_")[0] + "_"
        if prefix in prefixes and isinstance(value, int) and not name.endswith("_SIZE"):
            found[prefix][name] = value
    return found


@pytest.mark.parametrize("module", KERNELS, ids=lambda m: m.__name__)
def test_each_layouts_columns_are_distinct_and_inside_it(module: ModuleType) -> None:
    for prefix, columns in _layouts(module).items():
        size = getattr(module, f"{prefix}SIZE")
        assert len(set(columns.values())) == len(columns), (module.__name__, prefix, columns)
        assert all(0 <= value < size for value in columns.values()), (module.__name__, prefix, columns)


def test_no_two_kernels_use_one_layout_prefix() -> None:
    owners: dict[str, list[str]] = defaultdict(list)
    for module in KERNELS:
        for prefix in _layouts(module):
            owners[prefix].append(module.__name__)
    shared = {prefix: names for prefix, names in owners.items() if len(names) > 1}
    assert not shared
    # and the protocol's report row (P_*) is extended, not redefined, by the kernel's queue rows (PQ_*)
    assert "P_SIZE" not in vars(_settle) and "P_SIZE" not in vars(_kernel)


def test_the_restated_constants_are_literals_in_the_kernel_source() -> None:
    """Restated means written as a number in the kernel's file (what its numba cache sees), not imported."""
    source = Path(_kernel.__file__).read_text()
    for name in ("OT_LIMIT", "OS_FILLED", "RJ_REQUESTED", "K_FILL", "Q_POWER", "LAT_SAMPLED"):
        assert re.search(rf"^{name} = \d+$", source, flags=re.MULTILINE), name


def test_the_kernel_restates_the_trigger_conditions() -> None:
    restated = {name.removeprefix("TG_"): value for name, value in vars(_kernel).items() if name.startswith("TG_")}
    stated = {name.removeprefix("T_"): value for name, value in vars(base).items() if re.fullmatch(r"T_[A-Z_]+", name)}
    assert restated == {name: value for name, value in stated.items() if name not in ("EDGES", "ALL")}
    source = Path(_kernel.__file__).read_text()
    assert all(re.search(rf"^TG_{name} = \d+$", source, flags=re.MULTILINE) for name in restated)


def test_the_kernel_restates_the_report_row() -> None:
    stated = {name: value for name, value in vars(base).items() if re.fullmatch(r"P_[A-Z_]+", name)}
    assert stated and all(getattr(_kernel, name) == value for name, value in stated.items())
    assert all(getattr(_settle, name) == value for name, value in stated.items())
    settle_source = Path(_settle.__file__).read_text()
    assert all(re.search(rf"^{name} = \d+$", settle_source, flags=re.MULTILINE) for name in stated)
    assert all(re.search(rf"^V_{s.name} = \d+$", settle_source, flags=re.MULTILINE) for s in OrderStatus)
    assert _kernel.REPORT_ROW_SIZE == base.REPORT_ROW_SIZE
    source = Path(_kernel.__file__).read_text()
    assert all(re.search(rf"^{name} = \d+$", source, flags=re.MULTILINE) for name in [*stated, "REPORT_ROW_SIZE"])
