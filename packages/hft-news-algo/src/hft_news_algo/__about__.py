"""The hft-news-algo version, bumped with `hatch version` from packages/hft-news-algo."""

__version__ = "0.1.0"
