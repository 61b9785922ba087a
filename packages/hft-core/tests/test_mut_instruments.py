"""Instruments at their edges, written against the mutants scripts/mutation.py left alive in
`hft_core.instruments` (issue #18): which fee rate applies and to what, every branch of the symbol parser, the
rounding rules on and off the grid, and the grids whose step has no short decimal form."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hft_core import FeeSchedule, Instrument, OffGridError
from hft_core.instruments import DEFAULT_QUOTE, assets_of_symbol


def test_the_fee_is_the_rate_of_the_side_on_the_notionals_size() -> None:
    fees = FeeSchedule(maker=-0.25, taker=0.5)
    assert fees.fee(8.0, maker=True) == -2.0 and fees.fee(-8.0, maker=True) == -2.0
    assert fees.fee(8.0, maker=False) == 4.0 and fees.fee(-8.0, maker=False) == 4.0
    assert FeeSchedule().fee(123.0, maker=True) == 0.0 and FeeSchedule().fee(123.0, maker=False) == 0.0
    assert (FeeSchedule().maker, FeeSchedule().taker) == (0.0, 0.0)


def test_notional_is_ticks_times_lots_times_both_steps_and_the_multiplier() -> None:
    future = Instrument("ES", tick_size=0.25, lot_size=2.0, multiplier=50.0)
    assert future.notional(4, 3) == 4 * 3 * 0.25 * 2.0 * 50.0
    assert future.notional(-4, 3) == -(4 * 3 * 0.25 * 2.0 * 50.0)
    assert Instrument("X", tick_size=0.5).notional(3, 1) == 1.5
    assert (future.lot_size, future.multiplier, future.venue) == (2.0, 50.0, "sim")
    plain = Instrument("X", tick_size=0.5)
    assert (plain.lot_size, plain.multiplier, plain.venue) == (1.0, 1.0, "sim")


@pytest.mark.parametrize("name", ["tick_size", "lot_size", "multiplier"])
@pytest.mark.parametrize("value", [0.0, -0.5, math.nan, math.inf])
def test_grids_and_multiplier_must_be_positive_and_finite(name: str, value: float) -> None:
    kwargs: dict[str, object] = {"symbol": "X", "tick_size": 0.5, name: value}
    with pytest.raises(ValueError, match=name):
        Instrument(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("step", [1e-13, 1.5e-12, 4.4e-15])
def test_a_grid_finer_than_twelve_decimals_is_refused(step: float) -> None:
    """A bug the mutant `range(13)` -> `range(14)` of `_decimals` showed: a 1e-13 tick was accepted, and its
    prices printed with 12 decimals (3 ticks became 0.0, 1 tick of 1.5e-12 became 2e-12)."""
    for name in ("tick_size", "lot_size"):
        kwargs: dict[str, object] = {"symbol": "X", "tick_size": 0.5, name: step}
        with pytest.raises(ValueError, match=f"{name} .* needs more than 12 decimals"):
            Instrument(**kwargs)  # type: ignore[arg-type]
    for fine in (1e-12, 3e-12, 7e-11, 1 / 3, 1.234567891e-3):
        inst = Instrument("X", tick_size=fine, lot_size=fine)
        assert inst.price_to_ticks(inst.ticks_to_price(3)) == 3 and inst.qty_to_lots(inst.lots_to_qty(3)) == 3


def test_the_derived_scales_are_not_fields_a_caller_sees() -> None:
    inst = Instrument("X", tick_size=0.01, lot_size=0.001)
    assert "_tick_scale" not in repr(inst) and "_lot_scale" not in repr(inst)
    with pytest.raises(TypeError):
        Instrument("X", tick_size=0.01, _tick_scale=5.0)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Instrument("X", tick_size=0.01, _lot_scale=5.0)  # type: ignore[call-arg]
    assert inst == Instrument("X", tick_size=0.01, lot_size=0.001)


def test_base_and_quote_must_differ() -> None:
    with pytest.raises(ValueError, match="base and quote must differ"):
        Instrument("USD", tick_size=0.01)
    with pytest.raises(ValueError, match="base and quote must differ"):
        Instrument("X", tick_size=0.01, base="EUR", quote="EUR")
    given = Instrument("X", tick_size=0.01, base="EUR")
    assert (given.base, given.quote) == ("EUR", DEFAULT_QUOTE)
    assert (Instrument("BTCUSDT", 0.1, quote="USDC").base, Instrument("BTCUSDT", 0.1, quote="USDC").quote) == (
        "BTC",
        "USDC",
    )


@pytest.mark.parametrize(
    ("symbol", "assets"),
    [
        ("A/B", ("A", "B")),
        (" a/b ", ("A", "B")),
        ("A/A", None),
        ("/B", None),
        ("A/", None),
        ("A/B/C", None),
        ("ETH_USDT", ("ETH", "USDT")),
        ("ETH-XYZ", None),
        ("USDT-USDT", None),
        ("-USDT", None),
        ("BTC-USDT-SWAP", ("BTC", "USDT")),
        ("BTC-USDT_PERP", ("BTC", "USDT")),
        ("BTCUSDT_240628", ("BTC", "USDT")),
        ("BTCUSDT_24X628", None),
        ("_240628", None),
        ("BTCFDUSD", ("BTC", "FDUSD")),
        ("USDT", None),
        ("BTC.USDT", None),
        ("XYZ", None),
        ("BUSDUSDT", ("BUSD", "USDT")),
    ],
)
def test_every_branch_of_the_symbol_parser(symbol: str, assets: tuple[str, str] | None) -> None:
    assert assets_of_symbol(symbol) == assets


def test_rounding_rules_on_and_off_the_grid() -> None:
    inst = Instrument("X", tick_size=0.5, lot_size=0.25)
    # off the grid: each rule
    assert [inst.price_to_ticks(1.3, rule) for rule in ("nearest", "down", "up")] == [3, 2, 3]
    assert [inst.price_to_ticks(-1.3, rule) for rule in ("nearest", "down", "up")] == [-3, -3, -2]
    assert [inst.qty_to_lots(0.3, rule) for rule in ("nearest", "down", "up")] == [1, 1, 2]
    # on the grid (within float error), every rule gives the nearest tick, not floor or ceil of the float error
    just_below, just_above = 1.5 - 1e-12, 1.5 + 1e-12
    for rule in ("exact", "nearest", "down", "up"):
        assert inst.price_to_ticks(just_below, rule) == 3 == inst.price_to_ticks(just_above, rule)
        assert inst.qty_to_lots(0.75 - 1e-13, rule) == 3 == inst.qty_to_lots(0.75 + 1e-13, rule)
    with pytest.raises(OffGridError, match="not a multiple"):
        inst.qty_to_lots(0.3)
    with pytest.raises(OffGridError, match="finite"):
        inst.price_to_ticks(math.inf, "nearest")
    with pytest.raises(OffGridError, match="positive"):
        inst.qty_to_lots(-0.25, "nearest")
    assert inst.qty_to_lots(1e-9, "up") == 1 and inst.qty_to_lots(1e-9, "nearest") == 0


def test_the_grid_tolerance_is_relative_to_large_prices_only() -> None:
    inst = Instrument("X", tick_size=1.0)
    assert inst.price_to_ticks(1e12 + 0.0009765625) == 10**12  # within 1e-9 relative
    with pytest.raises(OffGridError):
        inst.price_to_ticks(0.5 + 2e-9)
    with pytest.raises(OffGridError):
        inst.price_to_ticks(1e6 + 0.01)
    assert inst.price_to_ticks(1.0 + 5e-10) == 1 and inst.price_to_ticks(-(1.0 + 5e-10)) == -1
    # below one step the tolerance is absolute (1e-9 of a step), not relative to the tiny value
    lots = Instrument("X", tick_size=1.0, lot_size=0.25)
    assert lots.qty_to_lots(0.25 * 5e-10) == 0 and lots.qty_to_lots(0.25 * 5e-10, "up") == 0
    assert lots.qty_to_lots(0.25 * 5e-9, "up") == 1


@pytest.mark.parametrize(
    ("step", "count", "value"),
    [(1e-12, 3, 3e-12), (0.1, 3, 0.3), (1 / 3, 3, 1.0), (5.0, 3, 15.0), (1e-12, 7, 7e-12), (0.125, 5, 0.625)],
)
def test_conversions_print_multiples_of_any_step(step: float, count: int, value: float) -> None:
    inst = Instrument("X", tick_size=step, lot_size=step)
    assert inst.ticks_to_price(count) == pytest.approx(value, rel=1e-12)
    assert inst.lots_to_qty(count) == inst.ticks_to_price(count)
    assert inst.ticks_to_prices([count, -count]).tolist() == [inst.ticks_to_price(count), inst.ticks_to_price(-count)]
    assert inst.lots_to_qtys(np.array([count])).tolist() == [inst.lots_to_qty(count)]
    assert inst.price_to_ticks(inst.ticks_to_price(count)) == count


def test_a_third_of_a_unit_prints_with_the_decimals_that_hold_it_to_1e9() -> None:
    third = Instrument("X", tick_size=1 / 3, lot_size=1 / 3)
    step = 1 / 3
    for count in (1, 2, -7, 2**50):
        assert third.ticks_to_price(count) == round(count * step, 9) == third.lots_to_qty(count)
    assert third.ticks_to_prices([1, 2, 2**50]).tolist() == [round(k * step, 9) for k in (1, 2, 2**50)]
