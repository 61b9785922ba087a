"""Market-data loaders: each reads one source format into `hft_core.events` arrays, in chunks."""
