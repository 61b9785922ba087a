"""Text events in the engine: a second timestamped stream, delivered at receipt time plus the feed's latency,
never earlier; a run without text is unchanged."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hft_core import Context, Strategy, TextFeed, TextItem, backtest
from hft_core.venues.simulated import DEFAULT_START_NS

NS = 1_000_000_000
START = DEFAULT_START_NS


def _item(received_s: float, headline: str = "Acme beats estimates", published_s: float | None = None) -> TextItem:
    received = START + round(received_s * NS)
    published = received if published_s is None else START + round(published_s * NS)
    return TextItem(published, received, "wire", headline, tickers=("SIM",))


class Reader(Strategy):
    """Records what it is told and when; buys one lot on every headline, so text moves the market it trades."""

    def __init__(self, trade: bool = False) -> None:
        self.seen: list[tuple[int, TextItem]] = []
        self.trade = trade

    def on_start(self, ctx: Context) -> None:
        ctx.set_timer(0.5)

    def on_text(self, ctx: Context, item: TextItem) -> None:
        self.seen.append((ctx.now, item))
        if self.trade:
            ctx.buy(1.0, tif="ioc", price=(ctx.book().best_ask or 100.0) + 0.05)


def test_every_item_arrives_at_its_receipt_time_never_before() -> None:
    items = [_item(t) for t in (0.25, 1.0, 1.0, 2.123456789, 4.5)]
    reader = Reader()
    result = backtest(reader, duration_s=5.0, seed=3, text=TextFeed(items))
    assert [item for _, item in reader.seen] == items
    assert all(now == item.received_ns for now, item in reader.seen)
    assert result.stats["text"] == {"source": "text", "items": 5, "delivered": 5, "before_start": 0, "after_end": 0}


def test_feed_latency_delays_delivery_and_is_the_items_receipt_time() -> None:
    items = [_item(1.0, published_s=0.9), _item(2.0)]
    reader = Reader()
    backtest(reader, duration_s=5.0, seed=3, text=TextFeed(items, latency_ns=7_000_000))
    assert [now for now, _ in reader.seen] == [items[0].received_ns + 7_000_000, items[1].received_ns + 7_000_000]
    assert [item.received_ns for _, item in reader.seen] == [now for now, _ in reader.seen]
    assert reader.seen[0][1].published_ns == items[0].published_ns


def test_items_before_the_start_come_at_the_start_and_after_the_end_never() -> None:
    early = TextItem(START - NS, START - NS, "wire", "old news")
    late = _item(5.0, "after the end")
    reader = Reader()
    result = backtest(reader, duration_s=5.0, seed=3, text=TextFeed([late, _item(1.0), early]))
    assert [(now, item.headline) for now, item in reader.seen] == [
        (START, "old news"),
        (START + NS, "Acme beats estimates"),
    ]
    assert result.stats["text"]["before_start"] == 1
    assert result.stats["text"]["after_end"] == 1
    assert all(now >= item.received_ns for now, item in reader.seen)


def test_shifting_receipt_by_one_ns_shifts_decisions_and_nothing_earlier() -> None:
    items = [_item(t) for t in (0.5, 1.5, 2.5)]
    shifted = [dataclasses.replace(item, received_ns=item.received_ns + 1) for item in items]
    first, second = Reader(trade=True), Reader(trade=True)
    a = backtest(first, duration_s=4.0, seed=5, text=TextFeed(items))
    b = backtest(second, duration_s=4.0, seed=5, text=TextFeed(shifted))
    assert [now + 1 for now, _ in first.seen] == [now for now, _ in second.seen]
    # the orders leave 1 ns later: the orders sent at the text's receipt moved, nothing before the first item did
    first_ts = a.orders["ts"].tolist()
    assert [ts + 1 for ts in first_ts] == b.orders["ts"].tolist()
    before = a.equity["ts"] < items[0].received_ns
    assert a.equity[before].equals(b.equity[before])


def test_a_text_item_cannot_be_moved_or_made_invalid() -> None:
    item = _item(1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.received_ns = 0  # type: ignore[misc]
    with pytest.raises(ValueError, match="received_ns"):
        TextItem(0, -1, "wire", "x")
    with pytest.raises(TypeError, match="tickers"):
        TextItem(0, 0, "wire", "x", tickers=["SIM"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="latency"):
        TextFeed([item], latency_ns=-1)
    feed = TextFeed([item])
    with pytest.raises(AttributeError):
        feed.items = ()  # type: ignore[misc]


def test_a_strategy_without_on_text_runs_as_if_there_were_no_text() -> None:
    class Quoter(Strategy):
        def on_start(self, ctx: Context) -> None:
            ctx.set_timer(0.25)

        def on_timer(self, ctx: Context) -> None:
            ctx.cancel_all()
            mid = ctx.book().mid
            if mid is not None:
                ctx.buy(1.0, mid - 0.02)
                ctx.sell(1.0, mid + 0.02)

    plain = backtest(Quoter(), duration_s=5.0, seed=2)
    with_text = backtest(Quoter(), duration_s=5.0, seed=2, text=TextFeed([_item(t / 3) for t in range(14)]))
    assert "text" not in plain.stats
    assert with_text.stats.pop("text")["delivered"] == 0
    assert json.dumps(plain.stats, sort_keys=True) == json.dumps(with_text.stats, sort_keys=True)
    assert plain.fills.equals(with_text.fills) and plain.orders.equals(with_text.orders)
