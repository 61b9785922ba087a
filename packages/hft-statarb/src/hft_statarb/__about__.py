"""The hft-statarb version, bumped with `hatch version` from packages/hft-statarb."""

__version__ = "0.2.0"
