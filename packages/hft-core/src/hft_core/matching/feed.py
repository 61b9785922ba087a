"""The matching engine's compact buffer for public-feed rows, and its conversion to `EVENT_DTYPE` arrays.

The engine appends each public row as six ints to one flat Python list — exch_ts, local_ts, price, qty,
order_id and a *tag* packing instrument, kind and side — which is the cheapest thing CPython can do per row and
leaves nothing for the garbage collector to track. On a little-endian machine the tag is bit-for-bit the last
eight bytes of an aligned `EVENT_DTYPE` record, so a drained buffer becomes an event array with one int64
conversion and a zero-copy view; any other layout falls back to decoding column by column.
"""

from __future__ import annotations

import sys

import numpy as np

from hft_core.events import EVENT_DTYPE, Events, empty_events

__all__ = ["ROW_WIDTH", "flat_rows_to_events", "pack_tag", "tags_by_side"]

ROW_WIDTH = 6
"""Ints per row in the flat buffer."""

_EXPECTED_LAYOUT = {
    "exch_ts": ("<i8", 0),
    "local_ts": ("<i8", 8),
    "price": ("<i8", 16),
    "qty": ("<i8", 24),
    "order_id": ("<i8", 32),
    "instrument": ("<i4", 40),
    "kind": ("|u1", 44),
    "side": ("|i1", 45),
}


def _event_layout() -> dict[str, tuple[str, int]]:
    fields = EVENT_DTYPE.fields
    if fields is None:
        return {}
    return {name: (spec[0].str, spec[1]) for name, spec in fields.items()}


_TAG_LAYOUT_MATCHES = (
    sys.byteorder == "little" and EVENT_DTYPE.itemsize == ROW_WIDTH * 8 and _event_layout() == _EXPECTED_LAYOUT
)


def pack_tag(instrument: int, kind: int, side: int) -> int:
    """Instrument (int32), kind (uint8) and side (int8) packed as the int64 at byte offset 40 of an event."""
    return (instrument & 0xFFFF_FFFF) | ((kind & 0xFF) << 32) | ((side & 0xFF) << 40)


def tags_by_side(instrument: int, kind: int) -> tuple[int, int, int]:
    """Tags for ``kind`` indexable by side: ``tags[BUY]`` (index 1), ``tags[SELL]`` (index -1), ``tags[0]``."""
    return (pack_tag(instrument, kind, 0), pack_tag(instrument, kind, 1), pack_tag(instrument, kind, -1))


def flat_rows_to_events(flat: list[int]) -> Events:
    """An `EVENT_DTYPE` array from a flat buffer of `ROW_WIDTH`-int rows."""
    if not flat:
        return empty_events()
    if len(flat) % ROW_WIDTH:
        raise ValueError(f"flat feed buffer length {len(flat)} is not a multiple of {ROW_WIDTH}")
    words = np.array(flat, dtype=np.int64)
    if _TAG_LAYOUT_MATCHES:
        events: Events = words.view(EVENT_DTYPE)
        return events
    return _decode_columns(words.reshape(-1, ROW_WIDTH))


def _decode_columns(rows: np.ndarray[tuple[int, int], np.dtype[np.int64]]) -> Events:
    events = empty_events(len(rows))
    for column, name in enumerate(("exch_ts", "local_ts", "price", "qty", "order_id")):
        events[name] = rows[:, column]
    tags = rows[:, 5]
    events["instrument"] = (tags & 0xFFFF_FFFF).astype(np.uint32).view(np.int32)
    events["kind"] = ((tags >> 32) & 0xFF).astype(np.uint8)
    events["side"] = ((tags >> 40) & 0xFF).astype(np.uint8).view(np.int8)
    return events
