"""hft-index-arb: futures–cash and ETF–basket arbitrage with optimal basket execution.

- `execution`: Almgren–Chriss closed form (trajectory, expected cost, variance, efficient frontier), the
  multi-asset LQ/Riccati policy with a tracking penalty, TWAP and immediate sweep, a Monte Carlo cost check.
- `fairvalue`: cost-of-carry fair value (continuous and discrete dividends) and the no-arbitrage band from both
  legs' fees, depth-aware sweep costs, financing and margin.
- `config`: the knobs of the patterns and of the ``index-market`` scenario; `plugin` registers them with hft.
- `market`: the ``index-market`` (`IndexVenue`, every book advanced in numpy, on hft-core's `Venue` protocol);
  `scenarios` builds it from its knobs.
- `strategies`: ``index-arb`` (future vs basket), ``etf-arb`` (ETF vs basket) and ``basis-carry`` (crypto spot
  vs perpetual with funding as carry); `records.band_series` reads the band and basis they record back as a table.
"""

from hft_index_arb.__about__ import __version__

__all__ = ["__version__"]
