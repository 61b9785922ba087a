"""``inventory-skew``: the original heuristic market maker — a fixed spread around the mid, leaned against
inventory and widened as inventory builds, with a hard position limit.

Let ``x = clip(inventory / inv_limit, -1, 1)`` be the inventory as a fraction of the limit. Then

    centre     = mid - inv_skew * x * half_spread
    half_width = half_spread * (1 + inv_spread_mult * |x| / 2)
    bid, ask   = centre - half_width, centre + half_width

so the quoted spread is ``2*half_spread + inv_spread_mult*half_spread*|x|``: it grows linearly from
``2*half_spread`` when flat to ``inv_spread_mult * half_spread`` wider at the limit, and the centre of the
quotes moves against the position (down when long, up when short) by up to ``inv_skew * half_spread``.
Per side, the quote that adds to the position moves away from the mid by ``(inv_skew + inv_spread_mult/2)*|x|``
half-spreads and the one that reduces it by ``(inv_spread_mult/2 - inv_skew)*|x|`` (negative = closer to the
mid); with the defaults (``inv_skew = 1``, ``inv_spread_mult = 2``) the reducing side stays at
``mid ± half_spread`` and only the risk-adding side backs off.

A side is withheld (``None``) when one more fill of ``size`` on it would take ``|inventory|`` above
``inv_limit``: no bid when ``inventory + size > inv_limit``, no ask when ``inventory - size < -inv_limit``.
This is a market-practice rule, not a result from the literature; compare Avellaneda & Stoikov (2008) for the
optimal-control counterpart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hft_passive_mm.quoting.base import MarketState, Quote, require_non_negative, require_positive

__all__ = ["InventorySkew", "inventory_skew_quote"]

# Relative slack on the inventory-limit test, so a position that sits exactly at the limit after float
# arithmetic on fill sizes is not mistaken for one beyond it.
_LIMIT_SLACK = 1e-9


def inventory_skew_quote(
    mid: float,
    inventory: float,
    *,
    half_spread: float,
    size: float,
    inv_limit: float,
    inv_spread_mult: float,
    inv_skew: float,
) -> Quote:
    """The inventory-skew quote (module docstring) for already-validated parameters."""
    fraction = max(-1.0, min(1.0, inventory / inv_limit))
    centre = mid - inv_skew * fraction * half_spread
    half_width = half_spread * (1.0 + 0.5 * inv_spread_mult * abs(fraction))
    slack = _LIMIT_SLACK * max(1.0, inv_limit)
    bid = None if inventory + size > inv_limit + slack else centre - half_width
    ask = None if inventory - size < -inv_limit - slack else centre + half_width
    return Quote(bid=bid, ask=ask)


@dataclass(frozen=True, slots=True)
class InventorySkew:
    """Fixed-spread quoting skewed against inventory, with a hard inventory limit (module docstring).

    Attributes:
        half_spread: distance of each quote from the centre when flat, in price units (> 0).
        size: quote size in inventory units (> 0, at most ``inv_limit``); used for the limit test.
        inv_limit: the largest ``|inventory|`` the model will quote into (> 0).
        inv_spread_mult: extra total spread at ``|inventory| = inv_limit``, in half-spreads (>= 0).
        inv_skew: shift of the quote centre at the limit, in half-spreads, against the position (>= 0).
    """

    name: ClassVar[str] = "inventory-skew"

    half_spread: float = 0.25
    size: float = 1.0
    inv_limit: float = 10.0
    inv_spread_mult: float = 2.0
    inv_skew: float = 1.0

    def __post_init__(self) -> None:
        require_positive("half_spread", self.half_spread)
        require_positive("size", self.size)
        require_positive("inv_limit", self.inv_limit)
        require_non_negative("inv_spread_mult", self.inv_spread_mult)
        require_non_negative("inv_skew", self.inv_skew)
        if self.size > self.inv_limit:
            raise ValueError(
                f"size ({self.size!r}) must not exceed inv_limit ({self.inv_limit!r}): no quote could be placed"
            )

    def quote(self, state: MarketState) -> Quote:
        """Quote around ``state.mid`` for ``state.inventory``; ``state.time`` is not used."""
        return inventory_skew_quote(
            state.mid,
            state.inventory,
            half_spread=self.half_spread,
            size=self.size,
            inv_limit=self.inv_limit,
            inv_spread_mult=self.inv_spread_mult,
            inv_skew=self.inv_skew,
        )
