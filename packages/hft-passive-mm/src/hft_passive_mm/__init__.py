"""hft-passive-mm: passive market making.

Inventory skew, Avellaneda–Stoikov, Guéant–Lehalle–Fernandez-Tapia and imbalance-skew quoting.
"""

from hft_passive_mm.__about__ import __version__

__all__ = ["__version__"]
