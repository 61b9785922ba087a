"""The ``lob-dl`` strategy: every ``decision_ms`` read the book, add one snapshot to the window, predict the mid's
move over the model's horizon, and act once the inference time has passed.

The window is kept incrementally: each snapshot is written twice into a buffer twice the window's length (at
``i`` and ``i + capacity``), so the last ``capacity`` rows are always one contiguous slice and nothing is rebuilt
per decision. Inference is charged to market time: the orders of a decision leave ``inference_us`` after the book
was read (``latency="budget"``, deterministic) or after the measured inference time (``"measured"``); the timer
alternates between decisions and these actions.

``mode="quote"`` keeps one bid and one ask ``half_spread`` around a centre shifted by ``skew`` × (P(up) − P(down))
and against the inventory by ``inventory_skew`` per lot (a quote whose price stays is left alone, keeping its place
in the queue; one whose price moves is cancelled and replaced); ``mode="take"`` sends an IOC order at the touch seen at
the decision when P(up) or P(down) reaches ``min_confidence``, towards ``max_position``. The model is loaded (or,
for the default, built from simulated data and cached) when the strategy is built, so a missing torch or a model
trained for another layout stops the run before it starts. A deep model runs on one torch thread (the process's
torch setting): a single window gains nothing from more, and they would compete with the engine for the cores.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any

import numpy as np
from hft_core import Context, Strategy

from hft_lob_dl.baselines import HISTORY, hand_features
from hft_lob_dl.book import Snapshots
from hft_lob_dl.config import LobDlConfig
from hft_lob_dl.dataset import smoothed_labels
from hft_lob_dl.default_model import model_for_config
from hft_lob_dl.models import LoadedModel

__all__ = ["LobDlStrategy"]

_NS = 1_000_000_000


class LobDlStrategy(Strategy):
    """See the module docstring; built with its typed config."""

    def __init__(self, config: LobDlConfig | None = None, loaded: LoadedModel | None = None) -> None:
        self.config = config if config is not None else LobDlConfig()
        self.loaded = loaded if loaded is not None else model_for_config(self.config, notify=_stderr)
        if self.loaded.model.inputs == "window":
            import torch

            # One decision is one small batch: extra intra-op threads only contend with the engine (and each other).
            torch.set_num_threads(1)
        layout = self.loaded.layout
        self.horizon = int(layout["horizon"])
        self.threshold = float(layout["threshold"])
        self.label_kind = str(layout.get("labels", "forward"))
        levels, window = self.config.levels, self.config.window
        self.capacity = max(window, 2 * self.horizon + 1, HISTORY)
        self.count = 0
        rows = 2 * self.capacity
        self.raw = np.zeros((rows, 4 * levels), np.float32)
        self.ticks = np.zeros((4, rows, levels), np.int64)  # ask_px, ask_qty, bid_px, bid_qty
        self.anchor = 0.0
        self.pending: tuple[float, float, float, float] | None = None
        self._rest_ns = 0
        self.quotes: dict[int, tuple[int, float]] = {}
        """side (+1 bid, -1 ask) -> (order id, price) of the strategy's resting quote."""
        self.decisions = 0
        self.inference_ns: list[int] = []
        self.predicted = np.zeros(3, np.int64)

    # -- hooks --------------------------------------------------------------------------------------------------
    def on_start(self, ctx: Context) -> None:
        spec = ctx.instrument_spec()
        self.tick, self.lot = spec.tick_size, spec.lot_size
        self._size = self.config.size.qty(self.lot)
        self._cap = self.config.max_position.qty(self.lot)
        ctx.set_timer(self.config.decision_ms / 1_000)

    def on_timer(self, ctx: Context) -> None:
        if self.pending is not None:
            proba_down, proba_up, bid, ask = self.pending
            self.pending = None
            self._act(ctx, proba_down, proba_up, bid, ask)
            ctx.set_timer(self._rest_ns / _NS)
            return
        ctx.set_timer(self.config.decision_ms / 1_000)
        snapshot = self._read(ctx)
        if snapshot is None:
            return
        self._push(*snapshot)
        if self.count < self.capacity:
            return
        started = time.perf_counter_ns()
        proba = self.predict()
        elapsed = time.perf_counter_ns() - started
        self.decisions += 1
        self.predicted[int(np.argmax(proba))] += 1
        latency = round(self.config.inference_us * 1_000) if self.config.latency == "budget" else elapsed
        self.inference_ns.append(elapsed)
        bid, ask = snapshot[2][0] * self.tick, snapshot[0][0] * self.tick
        decision_ns = self.config.decision_ms * 1_000_000
        if latency <= 0:
            self._act(ctx, float(proba[0]), float(proba[2]), bid, ask)
            return
        latency = min(latency, decision_ns - 1)
        self.pending = (float(proba[0]), float(proba[2]), bid, ask)
        self._rest_ns = decision_ns - latency
        ctx.set_timer(latency / _NS)

    def on_stop(self, ctx: Context) -> None:
        config = self.config
        kinds = dict(zip(("down", "stationary", "up"), self.predicted.tolist(), strict=True))
        ctx.log(
            f"lob-dl: model {self.loaded.meta['model']} (horizon {self.horizon}, window {config.window}x"
            f"{config.levels}), {self.decisions} decisions, predicted {kinds}"
        )
        if config.latency == "measured" and self.inference_ns:
            # Wall-clock figures enter the log only when they are charged: a budget run's files stay reproducible.
            ordered = np.sort(np.asarray(self.inference_ns)) / 1e3
            p99 = ordered[int(0.99 * (len(ordered) - 1))]
            ctx.log(f"inference us (measured, charged): median {np.median(ordered):.1f} p99 {p99:.1f}")

    # -- the window ---------------------------------------------------------------------------------------------
    def _read(self, ctx: Context) -> tuple[list[int], list[int], list[int], list[int]] | None:
        book = ctx.book()
        levels = self.config.levels
        asks, bids = book.depth("ask", levels), book.depth("bid", levels)
        if not asks or not bids:
            return None
        tick, lot = self.tick, self.lot
        ask_px = [round(p / tick) for p, _ in asks]
        bid_px = [round(p / tick) for p, _ in bids]
        ask_q = [round(q / lot) for _, q in asks]
        bid_q = [round(q / lot) for _, q in bids]
        # A side thinner than L: one tick further out per missing level, size 0 (as in the training data).
        while len(ask_px) < levels:
            ask_px.append(ask_px[-1] + 1)
            ask_q.append(0)
        while len(bid_px) < levels:
            bid_px.append(bid_px[-1] - 1)
            bid_q.append(0)
        return ask_px, ask_q, bid_px, bid_q

    def _push(self, ask_px: list[int], ask_q: list[int], bid_px: list[int], bid_q: list[int]) -> None:
        if self.count == 0:
            self.anchor = float(np.floor((ask_px[0] + bid_px[0]) / 2))
        levels = self.config.levels
        row = np.empty((levels, 4), np.float32)
        row[:, 0] = np.asarray(ask_px) - self.anchor
        row[:, 1] = ask_q
        row[:, 2] = np.asarray(bid_px) - self.anchor
        row[:, 3] = bid_q
        i = self.count % self.capacity
        flat = row.reshape(-1)
        self.raw[i] = flat
        self.raw[i + self.capacity] = flat
        for j, values in enumerate((ask_px, ask_q, bid_px, bid_q)):
            self.ticks[j, i] = values
            self.ticks[j, i + self.capacity] = values
        self.count += 1

    def _rows(self) -> slice:
        start = self.count % self.capacity
        return slice(start, start + self.capacity)

    def predict(self) -> Any:
        """Class probabilities (down, stationary, up) of the current window."""
        model = self.loaded.model
        rows = self._rows()
        if model.inputs == "window":
            raw = self.raw[rows][-self.config.window :]
            x: Any = self.loaded.normaliser.window(raw)[None]
        else:
            ticks = self.ticks[:, rows]
            snaps = Snapshots(np.zeros(self.capacity, np.int64), ticks[0], ticks[1], ticks[2], ticks[3])
            if model.inputs == "hand":
                x = hand_features(snaps.slice(self.capacity - HISTORY, self.capacity))[-1:]
            else:
                labels = smoothed_labels(snaps.mid, self.horizon, self.threshold, self.label_kind)  # type: ignore[arg-type]
                known = int(labels[-1 - self.horizon])
                x = np.array([known if known >= 0 else 1])
        return model.predict_proba(x)[0]

    # -- orders -------------------------------------------------------------------------------------------------
    def _act(self, ctx: Context, p_down: float, p_up: float, bid: float, ask: float) -> None:
        position = ctx.position()
        if self.config.mode == "take":
            if p_up >= self.config.min_confidence and position < self._cap:
                ctx.buy(min(self._size, self._cap - position), ask, tif="ioc")
            elif p_down >= self.config.min_confidence and position > -self._cap:
                ctx.sell(min(self._size, self._cap + position), bid, tif="ioc")
            return
        config, mid = self.config, (bid + ask) / 2
        skew = config.skew.price(self.tick, mid)
        half = config.half_spread.price(self.tick, mid)
        lean = config.inventory_skew.price(self.tick, mid)
        centre = mid + skew * (p_up - p_down) - lean * position / self.lot
        alive = set(ctx.open_orders())
        buy_qty = min(self._size, self._cap - position) if position < self._cap else 0.0
        sell_qty = min(self._size, self._cap + position) if position > -self._cap else 0.0
        self._quote(ctx, 1, buy_qty, min(centre - half, ask - self.tick), alive)
        self._quote(ctx, -1, sell_qty, max(centre + half, bid + self.tick), alive)

    def _quote(self, ctx: Context, side: int, qty: float, price: float, alive: set[int]) -> None:
        """Keep one post-only quote on ``side`` at ``price`` (on the grid as the engine puts it: buys down, sells
        up): a quote already there stays, keeping its place in the queue; one elsewhere is cancelled and replaced."""
        ticks = price / self.tick
        level = (math.floor(ticks + 1e-9) if side > 0 else math.ceil(ticks - 1e-9)) * self.tick
        current = self.quotes.get(side)
        if current is not None and current[0] in alive:
            if qty > 0 and abs(current[1] - level) < self.tick / 2:
                return
            ctx.cancel(current[0])
        self.quotes.pop(side, None)
        if qty <= 0:
            return
        order = ctx.buy(qty, level, tif="post-only") if side > 0 else ctx.sell(qty, level, tif="post-only")
        self.quotes[side] = (order, level)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)
