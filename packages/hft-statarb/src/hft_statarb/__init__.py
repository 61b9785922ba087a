"""hft-statarb: statistical arbitrage.

Pairs (OLS/Kalman hedge, Engle–Granger, OU), PCA residual s-scores, triangular arbitrage, signature exits, and
the strategies behind the ``statarb-pairs``, ``statarb-pca`` and ``triangular-arb`` patterns.

The names below load on first access (PEP 562), so importing the package — as ``hft list`` does through the
plugin module — costs no numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hft_core import lazy_attributes

from hft_statarb.__about__ import __version__

if TYPE_CHECKING:
    from hft_statarb.cointegration import engle_granger, mackinnon_critical_value, mackinnon_pvalue
    from hft_statarb.config import PairsConfig, PcaConfig, TriangularConfig
    from hft_statarb.errors import NotMeanRevertingError, StatArbError
    from hft_statarb.hedge import kalman_hedge_ratio, ols_hedge_ratio
    from hft_statarb.ou import fit_ou_ar1, fit_ou_mle
    from hft_statarb.pca import hedge_against_factors, pca_residual_s_scores
    from hft_statarb.signals import AVELLANEDA_LEE_THRESHOLDS, SignalThresholds, positions_from_scores
    from hft_statarb.stopping import evaluate_stopping_rule, fit_signature_stopping, simulate_fbm
    from hft_statarb.strategies.pairs import PairsTrader
    from hft_statarb.strategies.pca import PcaResidualTrader
    from hft_statarb.strategies.triangular import TriangularArbitrageur
    from hft_statarb.triangular import L2Book, find_triangular_opportunities

__all__ = [
    "AVELLANEDA_LEE_THRESHOLDS",
    "L2Book",
    "NotMeanRevertingError",
    "PairsConfig",
    "PairsTrader",
    "PcaConfig",
    "PcaResidualTrader",
    "SignalThresholds",
    "StatArbError",
    "TriangularArbitrageur",
    "TriangularConfig",
    "__version__",
    "engle_granger",
    "evaluate_stopping_rule",
    "find_triangular_opportunities",
    "fit_ou_ar1",
    "fit_ou_mle",
    "fit_signature_stopping",
    "hedge_against_factors",
    "kalman_hedge_ratio",
    "mackinnon_critical_value",
    "mackinnon_pvalue",
    "ols_hedge_ratio",
    "pca_residual_s_scores",
    "positions_from_scores",
    "simulate_fbm",
]

_LAZY = {
    "AVELLANEDA_LEE_THRESHOLDS": "hft_statarb.signals",
    "L2Book": "hft_statarb.triangular",
    "NotMeanRevertingError": "hft_statarb.errors",
    "PairsConfig": "hft_statarb.config",
    "PairsTrader": "hft_statarb.strategies.pairs",
    "PcaConfig": "hft_statarb.config",
    "PcaResidualTrader": "hft_statarb.strategies.pca",
    "SignalThresholds": "hft_statarb.signals",
    "StatArbError": "hft_statarb.errors",
    "TriangularArbitrageur": "hft_statarb.strategies.triangular",
    "TriangularConfig": "hft_statarb.config",
    "engle_granger": "hft_statarb.cointegration",
    "evaluate_stopping_rule": "hft_statarb.stopping",
    "find_triangular_opportunities": "hft_statarb.triangular",
    "fit_ou_ar1": "hft_statarb.ou",
    "fit_ou_mle": "hft_statarb.ou",
    "fit_signature_stopping": "hft_statarb.stopping",
    "hedge_against_factors": "hft_statarb.pca",
    "kalman_hedge_ratio": "hft_statarb.hedge",
    "mackinnon_critical_value": "hft_statarb.cointegration",
    "mackinnon_pvalue": "hft_statarb.cointegration",
    "ols_hedge_ratio": "hft_statarb.hedge",
    "pca_residual_s_scores": "hft_statarb.pca",
    "positions_from_scores": "hft_statarb.signals",
    "simulate_fbm": "hft_statarb.stopping",
}


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
