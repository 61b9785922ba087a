"""hft-statarb: statistical arbitrage.

Pairs (OLS/Kalman hedge, Engle–Granger, OU), PCA residual s-scores, triangular arbitrage, signature exits.
"""

from hft_statarb.__about__ import __version__

__all__ = ["__version__"]
