"""Venues: where a strategy's orders go. One protocol (`Venue`), several implementations (replay, simulated)."""

from __future__ import annotations

from hft_core.venues.base import Advance, PublicTrade, Report, TopOfBook, Venue, Watch

__all__ = ["Advance", "PublicTrade", "Report", "TopOfBook", "Venue", "Watch"]
