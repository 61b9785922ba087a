"""The hft-core version, bumped with `hatch version` from packages/hft-core."""

__version__ = "0.2.0"
