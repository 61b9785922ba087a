"""hft-lob-dl's input errors: hft-core's kinds, each exiting 2 with one line (no traceback)."""

from __future__ import annotations

from hft_core import ConfigError, DataError

__all__ = ["CheckpointError", "LobDataError"]


class LobDataError(DataError):
    """Market data that cannot make a dataset (too short for window + horizon, no depth levels); exit 2."""

    exit_code = 2


class CheckpointError(ConfigError):
    """A checkpoint or exported model that does not match the model or feature layout asked for."""
