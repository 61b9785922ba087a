"""The strategies behind hft-statarb's patterns: pairs, PCA residuals and triangular arbitrage."""
