"""The replay venue on real data: a passive strategy on the shared Binance BTCUSDT perpetual capture (2024-08-08).

Risk-averse queue, no partial fills, 2 ms order latency each way. The capture's local clock runs about 1.27 s
behind Binance's, so every ``local_ts`` is shifted by `local_clock_offset` (the smallest feed latency becomes
0). Prices are ticks of 0.1 USDT (618002 = 61,800.2), sizes lots of 0.001 BTC. Every fill pinned below is
explained event by event, with the capture's row numbers as `read_binance_capture` returns them.
"""

from __future__ import annotations

import pytest
from hft_core.data.samples import shared_data_path
from hft_core.events import BUY, SELL, EventKind
from hft_core.matching.orders import OrderReason, OrderStatus, OrderType
from hft_core.venues.base import Report, Watch
from hft_core.venues.replay import ConstantLatency, ReplayVenue, RiskAverseQueue, local_clock_offset

binance = pytest.importorskip("hft_core.data.binance", reason="the Binance loader (hft_core.data.binance) is absent")

MS = 1_000_000
T0 = 1_723_161_256_000_000_000  # 2024-08-08 23:54:16.000 UTC; the times below are offsets from it, in ms


def run_quoter(order_limit: int) -> tuple[list[Report], int]:
    """Join the best bid and best ask with one lot each (post-only); whenever an order fills or is rejected,
    send a new one on the same side at the best price the strategy then sees. Returns the reports and the
    local time the quoting started."""
    events, _ = binance.read_binance_capture(shared_data_path("binance-2024-08-08/usdm_btcusdt_20240808.gz"))
    instrument = binance.binance_instrument("usdm", "BTCUSDT")
    offset = local_clock_offset(events)
    assert offset == 1_272_156_851
    venue = ReplayVenue(
        events, [instrument], latency=ConstantLatency(2 * MS, 2 * MS), queue_model=RiskAverseQueue(),
        partial_fills=False, local_offset_ns=offset,
    )  # fmt: skip
    now = venue.start()
    synced = int(events["local_ts"][events["kind"] == EventKind.CLEAR][0]) + offset
    while now < synced:  # the capture's first book is the REST snapshot (CLEAR + SNAPSHOT rows)
        now = venue.advance(synced, Watch()).now
    started = now
    next_id = 1
    sides: dict[int, int] = {}

    def join(side: int) -> None:
        nonlocal next_id
        top = venue.top(0)
        price = top.bid_price if side == BUY else top.ask_price
        assert price is not None
        venue.submit(now, 0, next_id, side, OrderType.POST_ONLY, price, 1)
        sides[next_id] = side
        next_id += 1

    join(BUY)
    join(SELL)
    reports: list[Report] = []
    while next_id <= order_limit:
        advance = venue.advance(now + 60_000 * MS, Watch())
        now = advance.now
        assert not advance.finished
        reports.extend(advance.reports)
        for report in advance.reports:
            if report.status in (OrderStatus.FILLED, OrderStatus.REJECTED):
                join(sides[report.order_id])
    return reports, started


def test_passive_quotes_on_the_binance_perpetual_capture() -> None:
    reports, started = run_quoter(order_limit=10)
    assert started == T0 + 591_859_417  # row 2050 (the depth row after the snapshot) as seen locally
    final = [
        (r.order_id, r.status, r.reason, (r.ts - T0) / MS, r.price, r.fill_price)
        for r in reports
        if r.status != OrderStatus.ACCEPTED
    ]
    assert final[:6] == [
        # Order 1: buy 1 @ 61800.2, the best bid (2890 lots there, row 2050), sent at 591.86 ms, at the exchange
        # at 593.86 ms: 2890 lots ahead. Row 2087 (605 ms) shrinks the level to 2862: risk-averse, ahead 2862.
        # Eighteen sell trades at 61800.2 (rows 2132-2149: 1000 lots at 671 ms, 1617 at 681 ms) work through
        # the queue: 245 lots still ahead, no fill. At 718 ms row 2244 empties the level (ahead 0, but no trade
        # reaches us) and row 2246 puts 4868 lots of asks AT 61800.2: they cross our bid, which fills whole at
        # 718 ms; the report arrives 2 ms later.
        (1, OrderStatus.FILLED, OrderReason.NONE, 720.0, 618002, 618002),
        # Order 3: the strategy's view at 720 ms still shows 61800.2 as best bid (rows 2244/2246 are seen at
        # 721.25 ms), so it re-joins there; at the exchange (722 ms) the best ask is 61800.2: post-only rejects.
        (3, OrderStatus.REJECTED, OrderReason.POST_ONLY_WOULD_CROSS, 724.0, 618002, 0),
        # Order 4: now the view shows 61800.1 (600 lots, row 2243): at the exchange at 726 ms, 600 ahead.
        # Row 2322 (769 ms, 603 lots) leaves it at 600; trades of 4 (876 ms) and 9 (882 ms) take it to 587
        # (row 2394's 599 is above that); at 902 ms 254 + 3 trade at our price (330 ahead left) and then a
        # seller prints 1075 lots at 61800.0 (row 2413), below our bid: it would have traded with us first,
        # so the order fills whole at 902 ms, heard at 904 ms.
        (4, OrderStatus.FILLED, OrderReason.NONE, 904.0, 618001, 618001),
        # Order 5: re-joins 61800.1 (599 ahead at 906 ms, row 2394); at 917 ms a 7-lot sell trades at 61800.0
        # (row 2415), through our price again: filled at 917, heard at 919 ms.
        (5, OrderStatus.FILLED, OrderReason.NONE, 919.0, 618001, 618001),
        # Order 6: 61800.1 again (921 ms, 599 ahead); at 928 ms rows 2452/2454 empty the bid level and put
        # 6546 lots of asks at 61800.1: crossed, filled at 928, heard at 930 ms.
        (6, OrderStatus.FILLED, OrderReason.NONE, 930.0, 618001, 618001),
        # Order 7: the view (rows 2452/2454 seen at 931.8 ms) still shows 61800.1 at 930 ms: rejected at 932.
        (7, OrderStatus.REJECTED, OrderReason.POST_ONLY_WOULD_CROSS, 934.0, 618001, 0),
    ]
    # Order 2, the first ask (61800.3, joined at 591.86 ms), waited two seconds for its fill.
    assert (2, OrderStatus.FILLED, OrderReason.NONE, 2652.0, 618003, 618003) in final
    fills = [r for r in reports if r.fill_qty]
    assert all(r.maker and r.fill_qty == 1 for r in fills)
