"""Errors raised by the order books and the compiled replay.

Each names what was wrong with which order or level, so a bad feed is diagnosed from the message alone. All are
`HftError`s (user input, not bugs) and `ValueError`s or `LookupError`s, so generic handlers still work.
"""

from __future__ import annotations

from hft_core.errors import HftError

__all__ = [
    "BookError",
    "CrossedBookError",
    "DuplicateOrderError",
    "ExcessQuantityError",
    "InvalidPriceError",
    "InvalidQuantityError",
    "UnknownOrderError",
]


class BookError(HftError, ValueError):
    """An update that the book cannot apply (bad side, event kind the book does not understand, ...).

    When raised while applying a chunk of events, ``event_index`` is the failing event's index in the chunk.
    """

    event_index: int | None = None


class CrossedBookError(BookError):
    """An update or snapshot would leave the best bid at or above the best ask."""


class UnknownOrderError(BookError, LookupError):
    """An L3 message names an order id the book does not hold."""


class DuplicateOrderError(BookError):
    """An L3 add reuses the id of an order that is still in the book."""


class InvalidQuantityError(BookError):
    """A size is zero or negative where a positive one is required (or negative where zero is allowed)."""


class InvalidPriceError(BookError):
    """A price of zero or below on a row that has one (every kind but ``CLEAR``)."""


class ExcessQuantityError(BookError):
    """A cancel, execution or level update asks to remove more than the order or level holds."""


def at_event(error: BookError, index: int) -> BookError:
    """A copy of ``error`` that names the chunk index of the event that caused it."""
    located = type(error)(f"event {index}: {error}")
    located.event_index = index
    return located
