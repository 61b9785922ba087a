"""hft-core: order books, matching, risk, the backtest engine, market-data loaders and the `hft` command."""

from hft_core.__about__ import __version__

__all__ = ["__version__"]
