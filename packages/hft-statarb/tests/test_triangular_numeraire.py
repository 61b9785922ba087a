"""triangular-arb's summary PnL is in its start currency (USDT) and equals the PnL its own log marks in USDT.

The engine used to add each instrument's PnL in its own quote currency, the ETH/BTC leg's in BTC to the others' in
USDT (about -19.67 on the default run where the log said +22.26 USDT). The run's numeraire is now the first
instrument's quote currency, USDT, and every asset held is valued in it (`hft_core.engine.accounts`).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hft_core.engine import Engine
from hft_core.errors import HftError
from hft_statarb.strategies.triangular import TriangularArbitrageur

SEED = 1
DURATION_S = 60.0


def _strategy_and_venue() -> tuple[TriangularArbitrageur, Any]:
    """The pattern's default strategy and market, resolved as `hft run triangular-arb` does."""
    try:
        from hft_core.runs import resolve_run

        spec = resolve_run("triangular-arb", seed=SEED, duration_s=DURATION_S)
        strategy, venue = spec.build_strategy(), spec.build_venue()
    except (ImportError, HftError):  # (statarb not yet on the pattern contract of hft_core.runs)
        from hft_statarb import scenarios

        strategy, venue = TriangularArbitrageur(), vars(scenarios)["TRIANGLE"](SEED, DURATION_S)
    assert isinstance(strategy, TriangularArbitrageur)
    return strategy, venue


def test_summary_pnl_is_the_logs_pnl_marked_in_usdt() -> None:
    strategy, venue = _strategy_and_venue()
    result = Engine(strategy, venue).run()
    found = re.search(r"marked PnL (-?\d+\.\d+) USDT", result.logs[-1])
    assert found is not None, result.logs[-1]
    assert len(strategy.cycles) > 0  # cycles fired, so the BTC leg's PnL is not zero
    stats = result.stats
    assert stats["numeraire"] == "USDT"
    assert stats["conversion"] == {
        "BTC": "BTC→USDT via BTC/USDT mid",
        "ETH": "ETH→USDT via ETH/USDT mid",
        "USDT": "numeraire",
    }
    assert stats["pnl"] == pytest.approx(float(found.group(1)), abs=1e-4)  # (the log prints 4 decimals)
    for currency, amount in strategy.balances.items():
        assert stats["balances"][currency] == pytest.approx(amount, abs=1e-6)
    final = result.equity[result.equity["ts"] == result.equity["ts"].max()]
    assert float(final["pnl"].sum()) == pytest.approx(stats["pnl"], abs=1e-9)
