"""The hft-passive-mm version, bumped with `hatch version` from packages/hft-passive-mm."""

__version__ = "0.2.0"
