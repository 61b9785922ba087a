"""Execution helpers shared by the statarb strategies: marketable IOC orders at the touch, towards a target."""

from __future__ import annotations

import math

from hft_core import Context

__all__ = ["lots_of", "marketable_ioc", "trade_towards"]


def lots_of(qty: float, lot_size: float) -> int:
    """``qty`` as a whole number of lots, rounded to the nearest (a float size read back from the engine)."""
    return round(qty / lot_size)


def marketable_ioc(ctx: Context, instrument: str, signed_qty: float, slippage_ticks: int = 0) -> int | None:
    """Send an immediate-or-cancel order for ``signed_qty`` (> 0 buys) priced at the opposite touch.

    The limit is the best ask (buys) or best bid (sells), moved ``slippage_ticks`` further to reach deeper
    levels. Returns the order id, or None when that side of the book is empty.
    """
    book = ctx.book(instrument)
    tick = ctx.instrument_spec(instrument).tick_size
    if signed_qty > 0:
        ask = book.best_ask
        if ask is None:
            return None
        return ctx.buy(signed_qty, ask + slippage_ticks * tick, instrument=instrument, tif="ioc")
    bid = book.best_bid
    if bid is None:
        return None
    price = bid - slippage_ticks * tick
    if price <= 0:
        return None
    return ctx.sell(-signed_qty, price, instrument=instrument, tif="ioc")


def trade_towards(ctx: Context, instrument: str, target_qty: float, slippage_ticks: int = 0) -> int | None:
    """Send one IOC for the difference between ``target_qty`` and the current position, rounded to whole lots.

    Nothing is sent while an order on ``instrument`` is still open (its outcome is not known yet) or when the
    difference is under one lot. Returns the order id sent, if any.
    """
    if ctx.open_orders(instrument):
        return None
    lot = ctx.instrument_spec(instrument).lot_size
    difference = lots_of(target_qty, lot) - lots_of(ctx.position(instrument), lot)
    if difference == 0 or not math.isfinite(target_qty):
        return None
    return marketable_ioc(ctx, instrument, difference * lot, slippage_ticks)
