"""Errors raised by hft-statarb for bad input.

Every problem a caller can cause (series of different lengths, NaNs, a constant series, too few observations,
a fitted process that does not mean-revert) raises `StatArbError`, a `ValueError` and an
`hft_core.errors.HftError`, so the CLI reports it as one clear line and notebooks can catch ``ValueError``.
"""

from __future__ import annotations

from hft_core import HftError

__all__ = ["NotMeanRevertingError", "StatArbError"]


class StatArbError(HftError, ValueError):
    """Input that the statistical-arbitrage machinery cannot work with; the message says which and why."""


class NotMeanRevertingError(StatArbError):
    """A fitted AR(1) slope is outside (0, 1), so no Ornstein–Uhlenbeck process matches the data."""
