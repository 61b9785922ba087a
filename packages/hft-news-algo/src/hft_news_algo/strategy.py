"""The ``news-algo`` strategy: score each headline at its receipt, map it to instruments, and trade its sign
once the reaction latency has passed; close each position ``holding_s`` later.

Reaction latency is charged, never assumed away: on `on_text` (at the item's receipt time) the strategy scores
and maps the item and decides side and limit from the book it sees then, but its order leaves only
``reaction_latency_ms`` later (``reaction="budget"``: deterministic), or after the scoring time it measured plus
that budget (``reaction="measured"``: real, so not reproducible byte for byte). Pending actions wait in a queue
and one timer, re-armed to the earliest, wakes the strategy for them. Orders are IOC limits ``max_slippage``
beyond the touch seen at the decision; the position cap holds per instrument. ``on_stop`` logs the counts
(scored, traded, skipped by reason, mapping) and the reaction-latency distribution.
"""

from __future__ import annotations

import heapq
import time
from collections import Counter
from dataclasses import dataclass, field

from hft_core import Context, Strategy, TextItem

from hft_news_algo.config import NewsAlgoConfig
from hft_news_algo.mapping import InstrumentMapper, load_aliases
from hft_news_algo.scoring import Scorer, make_scorer

__all__ = ["NewsTrader"]

_NS = 1_000_000_000
_IDLE_S = 3600.0
"""Timer interval while nothing is pending (the timer cannot be cleared, only moved)."""


@dataclass(order=True)
class _Action:
    due_ns: int
    seq: int
    instrument: str = field(compare=False)
    side: int = field(compare=False)  # +1 buy, -1 sell, 0 close
    qty: float = field(compare=False)
    limit: float | None = field(compare=False)


class NewsTrader(Strategy):
    """See the module docstring; built with its typed config."""

    def __init__(self, config: NewsAlgoConfig | None = None) -> None:
        self.config = config if config is not None else NewsAlgoConfig()
        self.scorer: Scorer | None = None
        self.mapper: InstrumentMapper | None = None
        self.pending: list[_Action] = []
        self.counts: Counter[str] = Counter()
        self.reaction_ns: list[int] = []
        self.scores: list[tuple[int, str, float]] = []
        """(receipt ns, symbol, score) of every mapped item, for studies."""
        self._seq = 0
        self._armed = -1

    def on_start(self, ctx: Context) -> None:
        config = self.config
        self.scorer = make_scorer(config.scorer, config.word_list)
        aliases = load_aliases(config.aliases) if config.aliases else {}
        self.mapper = InstrumentMapper(ctx.instruments, aliases)
        self._size = {s: config.size.qty(ctx.instrument_spec(s).lot_size) for s in ctx.instruments}
        self._cap = {s: config.max_position.qty(ctx.instrument_spec(s).lot_size) for s in ctx.instruments}
        self._arm(ctx)

    def on_text(self, ctx: Context, item: TextItem) -> None:
        assert self.scorer is not None and self.mapper is not None
        config = self.config
        started = time.perf_counter_ns()
        symbols = self.mapper.map(item)
        score = self.scorer.score(item.text) if symbols else 0.0
        elapsed = time.perf_counter_ns() - started
        self.counts["items"] += 1
        if not symbols:
            return
        self.counts["scored"] += 1
        for symbol in symbols:
            self.scores.append((item.received_ns, symbol, score))
        if ctx.now - item.published_ns > config.stale_after_s * _NS:
            self.counts["stale"] += 1
            return
        if abs(score) < config.threshold:
            self.counts["below_threshold"] += 1
            return
        latency = round(config.reaction_latency_ms * 1_000_000)
        if config.reaction == "measured":
            latency += elapsed
        self.reaction_ns.append(latency)
        side = 1 if score > 0 else -1
        for symbol in symbols:
            self._queue(ctx.now + latency, symbol, side, self._size[symbol], self._limit(ctx, symbol, side))
            self._queue(ctx.now + latency + round(config.holding_s * _NS), symbol, 0, 0.0, None)
        self._act(ctx)

    def on_timer(self, ctx: Context) -> None:
        self._armed = -1
        self._act(ctx)

    def on_stop(self, ctx: Context) -> None:
        mapping = dict(self.mapper.counts) if self.mapper is not None else {}
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        ctx.log(f"news-algo: {counts}; mapping {mapping}")
        if self.reaction_ns:
            ordered = sorted(self.reaction_ns)
            pick = [ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1e6 for q in (0.5, 0.9, 0.99)]
            ctx.log(
                f"reaction latency ms ({self.config.reaction}): p50 {pick[0]:.3f} p90 {pick[1]:.3f} "
                f"p99 {pick[2]:.3f} max {ordered[-1] / 1e6:.3f} over {len(ordered)} decisions"
            )

    # -- internals ----------------------------------------------------------------------------------------------
    def _limit(self, ctx: Context, symbol: str, side: int) -> float | None:
        book = ctx.book(symbol)
        touch = book.best_ask if side > 0 else book.best_bid
        if touch is None:
            return None
        spec = ctx.instrument_spec(symbol)
        slip = self.config.max_slippage.price(spec.tick_size, touch)
        return touch + slip if side > 0 else max(spec.tick_size, touch - slip)

    def _queue(self, due_ns: int, symbol: str, side: int, qty: float, limit: float | None) -> None:
        self._seq += 1
        heapq.heappush(self.pending, _Action(due_ns, self._seq, symbol, side, qty, limit))

    def _act(self, ctx: Context) -> None:
        while self.pending and self.pending[0].due_ns <= ctx.now:
            action = heapq.heappop(self.pending)
            if action.side == 0:
                self._close(ctx, action.instrument)
            else:
                self._open(ctx, action)
        self._arm(ctx)

    def _arm(self, ctx: Context) -> None:
        due = self.pending[0].due_ns if self.pending else ctx.now + round(_IDLE_S * _NS)
        if due != self._armed:
            self._armed = due
            ctx.set_timer(max(1, due - ctx.now) / _NS)

    def _open(self, ctx: Context, action: _Action) -> None:
        if action.limit is None:
            self.counts["no_book"] += 1
            return
        position = ctx.position(action.instrument)
        room = self._cap[action.instrument] - action.side * position
        qty = min(action.qty, room)
        if qty <= 0:
            self.counts["at_cap"] += 1
            return
        self.counts["orders"] += 1
        if action.side > 0:
            ctx.buy(qty, action.limit, instrument=action.instrument, tif="ioc")
        else:
            ctx.sell(qty, action.limit, instrument=action.instrument, tif="ioc")

    def _close(self, ctx: Context, symbol: str) -> None:
        if any(a.instrument == symbol and a.side == 0 for a in self.pending):
            return  # a later close is due: the position is still held for a newer item
        position = ctx.position(symbol)
        if position == 0:
            return
        side = -1 if position > 0 else 1
        limit = self._limit(ctx, symbol, side)
        if limit is None:
            return
        self.counts["closes"] += 1
        if side > 0:
            ctx.buy(-position, limit, instrument=symbol, tif="ioc")
        else:
            ctx.sell(position, limit, instrument=symbol, tif="ioc")
