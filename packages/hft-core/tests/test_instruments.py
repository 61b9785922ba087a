"""Instruments: exact float <-> integer grid conversion, explicit rounding, fees and validation."""

from __future__ import annotations

import numpy as np
import pytest
from hft_core import FeeSchedule, Instrument, OffGridError
from hft_core.instruments import DEFAULT_QUOTE, assets_of_symbol
from hypothesis import given
from hypothesis import strategies as st

BTC = Instrument("BTCUSDT", tick_size=0.1, lot_size=0.001, fees=FeeSchedule(maker=-0.0001, taker=0.0005))


def test_on_grid_values_convert_exactly_despite_float_representation() -> None:
    assert BTC.price_to_ticks(61670.3) == 616703
    assert BTC.qty_to_lots(0.3) == 300  # 0.3 / 0.001 = 299.99999999999994 in floats
    assert Instrument("X", tick_size=0.01).price_to_ticks(0.1 + 0.2) == 30


@pytest.mark.parametrize(
    ("rounding", "ticks"),
    [("nearest", 616703), ("down", 616703), ("up", 616704)],
)
def test_off_grid_prices_need_an_explicit_rule(rounding: str, ticks: int) -> None:
    with pytest.raises(OffGridError, match=r"BTCUSDT: price 61670.34 is not a multiple of 0.1"):
        BTC.price_to_ticks(61670.34)
    assert BTC.price_to_ticks(61670.34, rounding) == ticks  # type: ignore[arg-type]


@pytest.mark.parametrize("qty", [0.0, -1.0, float("nan"), float("inf")])
def test_sizes_must_be_positive_and_finite(qty: float) -> None:
    with pytest.raises(OffGridError, match="size must be"):
        BTC.qty_to_lots(qty)


def test_non_finite_price_is_rejected() -> None:
    with pytest.raises(OffGridError, match="price must be finite"):
        BTC.price_to_ticks(float("nan"))


def test_unknown_rounding_rule() -> None:
    with pytest.raises(ValueError, match="unknown rounding rule 'sideways'"):
        BTC.price_to_ticks(61670.34, "sideways")  # type: ignore[arg-type]


@given(st.integers(min_value=1, max_value=10**9))
def test_ticks_round_trip_through_prices(ticks: int) -> None:
    for instrument in (BTC, Instrument("Y", tick_size=0.01), Instrument("Z", tick_size=0.5), Instrument("W", 5.0)):
        assert instrument.price_to_ticks(instrument.ticks_to_price(ticks)) == ticks


def test_prices_print_with_the_ticks_decimals() -> None:
    assert Instrument("X", tick_size=0.01).ticks_to_price(9992) == 99.92
    assert BTC.lots_to_qty(1) == 0.001


def test_notional_and_fees() -> None:
    notional = BTC.notional(616703, 10)  # 61670.3 × 0.01
    assert notional == pytest.approx(616.703)
    assert BTC.fees.fee(notional, maker=True) == pytest.approx(-0.0616703)  # a rebate
    assert BTC.fees.fee(notional, maker=False) == pytest.approx(0.3083515)
    future = Instrument("ES", tick_size=0.25, lot_size=1, multiplier=50)
    assert future.notional(20000, 2) == 500_000.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"symbol": "", "tick_size": 0.01}, "symbol must not be empty"),
        ({"symbol": "X", "tick_size": 0.0}, "tick_size must be a positive finite number"),
        ({"symbol": "X", "tick_size": 0.01, "lot_size": -1}, "lot_size must be a positive finite number"),
        ({"symbol": "X", "tick_size": 0.01, "multiplier": float("inf")}, "multiplier must be a positive finite"),
    ],
)
def test_invalid_instruments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Instrument(**kwargs)  # type: ignore[arg-type]


def test_invalid_fee_rates() -> None:
    with pytest.raises(ValueError, match="fee rate 'taker' must be finite and within"):
        FeeSchedule(taker=1.5)


@pytest.mark.parametrize("step", [0.01, 0.05, 0.5, 1.0, 5.0, 0.001, 1e-8, 0.25, 0.07, 0.3, 1e-12, 1 / 3])
def test_array_conversions_give_the_scalar_conversions_floats(step: float) -> None:
    # counts of every magnitude up to 2^62, where float products stop landing near the decimal grid
    rng = np.random.default_rng(7)
    magnitudes = 10.0 ** rng.uniform(0, 18.6, 20_000)
    counts = (magnitudes * rng.choice([-1, 1], len(magnitudes))).astype(np.int64)
    inst = Instrument("X", tick_size=step, lot_size=step)
    assert inst.ticks_to_prices(counts).tolist() == [inst.ticks_to_price(c) for c in counts.tolist()]
    assert inst.lots_to_qtys(counts).tolist() == [inst.lots_to_qty(c) for c in counts.tolist()]


@pytest.mark.parametrize("step", [0.01, 0.05, 0.5, 1.0, 5.0, 0.001, 1e-8, 0.25, 0.07, 0.3, 1e-12, 1 / 3])
def test_scalar_conversions_round_like_python_round(step: float) -> None:
    # the fast integer route must give exactly round(count × step, decimals) at every magnitude
    rng = np.random.default_rng(11)
    counts = (10.0 ** rng.uniform(0, 18.6, 20_000) * rng.choice([-1, 1], 20_000)).astype(np.int64).tolist()
    inst = Instrument("X", tick_size=step, lot_size=step)
    places = next(p for p in range(13) if abs(round(step, p) - step) <= step * 1e-9)
    assert [inst.ticks_to_price(c) for c in counts] == [round(c * step, places) for c in counts]
    assert [inst.lots_to_qty(c) for c in counts] == [round(c * step, places) for c in counts]


@pytest.mark.parametrize(
    ("symbol", "base", "quote"),
    [
        ("BTC/USDT", "BTC", "USDT"),
        ("ETH/BTC", "ETH", "BTC"),
        ("BTCUSDT", "BTC", "USDT"),  # Binance: by the known quote suffix
        ("btcusdt", "BTC", "USDT"),
        ("ETHBTC", "ETH", "BTC"),
        ("BTCUSD_PERP", "BTC", "USD"),
        ("BTC-USDT", "BTC", "USDT"),
        ("BTC-PERP", "BTC-PERP", DEFAULT_QUOTE),  # not a pair
        ("SIM", "SIM", DEFAULT_QUOTE),  # the simulated market
        ("AAPL", "AAPL", DEFAULT_QUOTE),
    ],
)
def test_base_and_quote_come_from_the_symbol(symbol: str, base: str, quote: str) -> None:
    instrument = Instrument(symbol, tick_size=0.01)
    assert (instrument.base, instrument.quote) == (base, quote)


def test_base_and_quote_can_be_given() -> None:
    assert (Instrument("XBTZ24", tick_size=0.5, base="BTC", quote="USD").base, "USD") == ("BTC", "USD")
    assert Instrument("BTCUSDT", tick_size=0.01, quote="USDC").quote == "USDC"
    with pytest.raises(ValueError, match="base and quote must differ"):
        Instrument("X", tick_size=0.01, base="USD", quote="USD")
    assert assets_of_symbol("USDT") is None
