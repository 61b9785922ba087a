"""Order books: aggregated price levels (`L2Book`) and order-by-order FIFO queues (`L3Book`).

Prices are integer ticks and sizes integer lots. `L3Replay` is the compiled (numba) L3 book for replaying whole
event chunks; `reference_top_of_book` is its plain-Python reference.
"""

from __future__ import annotations

from hft_core.book.errors import (
    BookError,
    CrossedBookError,
    DuplicateOrderError,
    ExcessQuantityError,
    InvalidPriceError,
    InvalidQuantityError,
    UnknownOrderError,
)
from hft_core.book.l2 import CrossedPolicy, L2Book, LevelArrays
from hft_core.book.l3 import (
    NO_ASK_PRICE,
    NO_BID_PRICE,
    L3Book,
    L3Level,
    L3Order,
    TopOfBook,
    UnknownOrderPolicy,
    reference_top_of_book,
)
from hft_core.book.replay import L3Replay, replay_top_of_book

__all__ = [
    "NO_ASK_PRICE",
    "NO_BID_PRICE",
    "BookError",
    "CrossedBookError",
    "CrossedPolicy",
    "DuplicateOrderError",
    "ExcessQuantityError",
    "InvalidPriceError",
    "InvalidQuantityError",
    "L2Book",
    "L3Book",
    "L3Level",
    "L3Order",
    "L3Replay",
    "LevelArrays",
    "TopOfBook",
    "UnknownOrderError",
    "UnknownOrderPolicy",
    "reference_top_of_book",
    "replay_top_of_book",
]
