"""`backtest`: the one call a notebook needs. Returns a `BacktestResult` with pandas DataFrames."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hft_core.engine.loop import Engine
from hft_core.engine.results import BacktestResult
from hft_core.risk import RiskLimits
from hft_core.strategy import Strategy
from hft_core.venues.base import Venue

__all__ = ["backtest"]


def backtest(
    strategy: Strategy,
    *,
    scenario: str | None = None,
    data: str | Path | Sequence[str | Path] | None = None,
    venue: Venue | None = None,
    seed: int = 1,
    duration_s: float | None = None,
    risk: RiskLimits | None = None,
    sample_interval_s: float = 1.0,
    **scenario_overrides: Any,
) -> BacktestResult:
    """Run ``strategy`` and return its orders, fills, equity and stats.

    The market is one of: ``venue`` (any `Venue` you built, e.g. a `ReplayVenue` with your own latency and queue
    models), ``data`` (one or more recorded files, replayed together by `hft_core.venues.recorded`), or the
    simulated ``scenario`` (default ``"single-instrument"``) with ``scenario_overrides`` as its parameters.
    ``duration_s`` caps market time.

    >>> from hft_core import backtest, Strategy
    >>> result = backtest(Strategy(), duration_s=1.0)
    >>> result.stats["fills"]
    0
    """
    given = [name for name, value in (("venue", venue), ("data", data), ("scenario", scenario)) if value is not None]
    if len(given) > 1:
        raise ValueError(f"give one market, not {' and '.join(given)}")
    if scenario_overrides and (venue is not None or data is not None):
        raise ValueError(f"scenario parameters {sorted(scenario_overrides)} only apply to a simulated scenario")
    if venue is None:
        if data is not None:
            from hft_core.venues.recorded import replay_from_paths

            venue = replay_from_paths([data] if isinstance(data, str | Path) else list(data))
        else:
            from hft_core.plugins import PluginHost
            from hft_core.venues.simulated.scenarios import DEFAULT_DURATION_S, SCENARIOS

            name = scenario or "single-instrument"
            # Built-in markets need no plugin loading; other names may come from installed pattern packages.
            market = SCENARIOS[name] if name in SCENARIOS else PluginHost().scenario(name)
            venue = market(seed, duration_s or DEFAULT_DURATION_S, **scenario_overrides)
    engine = Engine(strategy, venue, risk=risk, duration_s=duration_s, sample_interval_s=sample_interval_s)
    return engine.run()
