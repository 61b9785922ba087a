"""`ReplayConfig`: the knobs of a replay venue (fees, latency, queue model, partial fills), as a typed `Config`.

The same knob machinery as a pattern's or a market's (`hft_core.knobs`): ``--set venue.KEY=VALUE`` and a
``[venue]`` table in a run config are checked by it, with errors naming the knob and the bound, and the resolved
values are written into the run directory's ``config.toml``. `hft_core.runs.resolve_run` resolves it for every
``--data`` run; `hft_core.venues.recorded.replay_from_paths` builds the venue from it. docs/replay.md describes
each model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Literal

from hft_core.errors import ConfigError
from hft_core.instruments import FeeSchedule, Instrument
from hft_core.knobs import Config, Knob
from hft_core.venues.replay.latency import (
    ClippedNormal,
    ConstantLatency,
    LatencyModel,
    Lognormal,
    SampledLatency,
)
from hft_core.venues.replay.queue import (
    L3FifoQueue,
    LogProbQueue,
    Power3ProbQueue,
    PowerProbQueue,
    QueueModel,
    RiskAverseQueue,
)

__all__ = ["ReplayConfig"]

_NS_PER_MS = 1_000_000


@dataclass(frozen=True)
class ReplayConfig(Config):
    """How a replay venue charges and fills the strategy's orders (``--set venue.KEY=VALUE``, ``[venue]``)."""

    fee_tier: Annotated[
        Literal["standard", "zero", "custom"],
        Knob(
            "Fees: 'standard' = each instrument's standard tier (the Binance instrument table's, e.g. USD-M maker "
            "2 bp / taker 5 bp; zero for data without one), 'zero' = none, 'custom' = maker_fee_bp/taker_fee_bp."
        ),
    ] = "standard"
    maker_fee_bp: Annotated[
        float, Knob("Maker fee with fee_tier='custom' (negative: a rebate).", unit="bp", ge=-100, le=100)
    ] = 0.0
    taker_fee_bp: Annotated[float, Knob("Taker fee with fee_tier='custom'.", unit="bp", ge=-100, le=100)] = 0.0
    latency: Annotated[
        Literal["constant", "lognormal", "normal"],
        Knob(
            "Order latency model: 'constant', or drawn per order (seeded by the run's seed) from a lognormal "
            "(median = the latencies below) or a normal clipped at 0 (mean = the latencies below)."
        ),
    ] = "constant"
    entry_latency_ms: Annotated[
        float,
        Knob("Time from sending an order to the exchange seeing it (median or mean when drawn).", unit="ms", ge=0),
    ] = 1.0
    response_latency_ms: Annotated[
        float, Knob("Time from the exchange's report to the strategy seeing it.", unit="ms", ge=0)
    ] = 1.0
    entry_latency_ms_by_data: Annotated[
        str,
        Knob(
            "Entry latency of each --data file's venue, comma-separated in --data order (e.g. '0.005,2': "
            "co-located at the first; median or mean when drawn). Set, each file's orders and reports travel a "
            "link of their own. Empty: entry_latency_ms for every file, over one link.",
            unit="ms",
        ),
    ] = ""
    response_latency_ms_by_data: Annotated[
        str,
        Knob(
            "Response latency of each --data file's venue, like entry_latency_ms_by_data (empty: "
            "response_latency_ms for every file; either list alone gives each file its own link).",
            unit="ms",
        ),
    ] = ""
    latency_sigma: Annotated[
        float,
        Knob(
            "Spread of drawn latencies: lognormal: the standard deviation of the log; normal: the standard "
            "deviation as a share of the mean.",
            ge=0,
            le=10,
        ),
    ] = 0.5
    queue: Annotated[
        Literal["risk-averse", "power", "log", "power3", "l3-fifo"],
        Knob(
            "Queue-position model: where an unexplained decrease of our level is taken from ('risk-averse': "
            "behind us; 'power', 'log', 'power3': hftbacktest's probabilistic models, their arithmetic set by "
            "queue_arithmetic; 'l3-fifo': exact, on L3 data)."
        ),
    ] = "risk-averse"
    queue_power: Annotated[
        float, Knob("Exponent n of the 'power' and 'power3' models; 0 = the model's default (2 and 3).", ge=0, le=100)
    ] = 0.0
    queue_arithmetic: Annotated[
        Literal["clamped", "hftbacktest"],
        Knob(
            "Arithmetic of the 'power', 'log' and 'power3' queues: 'clamped' keeps 0 <= ahead <= level and fills "
            "what a trade has to spare past the front; 'hftbacktest' is hftbacktest 2.4.4's ProbQueueModel to "
            "the letter (ahead unclamped, filled once a whole lot below zero)."
        ),
    ] = "clamped"
    partial_fills: Annotated[
        bool, Knob("Fill part of an order when less than its size trades through it (else all or nothing).")
    ] = True

    def validate(self) -> None:
        """Custom fees only with ``fee_tier='custom'``; an exponent and an arithmetic only for the models that have
        one; the ``*_by_data`` lists of numbers >= 0 ms and of one length when both are given; a lognormal latency
        > 0 wherever one is used. (The lists' length against the --data files is `latency_model`'s check.)"""
        if self.fee_tier != "custom" and (self.maker_fee_bp != 0.0 or self.taker_fee_bp != 0.0):
            raise ValueError(
                f"maker_fee_bp/taker_fee_bp apply with fee_tier='custom', not {self.fee_tier!r}: "
                "set venue.fee_tier=custom too"
            )
        if self.queue_power != 0.0 and self.queue not in ("power", "power3"):
            raise ValueError(f"queue_power applies to the 'power' and 'power3' queues, not {self.queue!r}")
        if self.queue_arithmetic != "clamped" and self.queue not in ("power", "log", "power3"):
            raise ValueError(
                f"queue_arithmetic applies to the 'power', 'log' and 'power3' queues, not {self.queue!r} "
                "(risk-averse fills already equal hftbacktest's)"
            )
        entries, responses = self.latencies_by_data()
        if entries and responses and len(entries) != len(responses):
            raise ValueError(
                f"entry_latency_ms_by_data has {len(entries)} values and response_latency_ms_by_data "
                f"{len(responses)}: give both one per --data file"
            )
        if self.latency == "lognormal":
            for name, values in (
                ("entry_latency_ms_by_data", entries) if entries else ("entry_latency_ms", (self.entry_latency_ms,)),
                ("response_latency_ms_by_data", responses)
                if responses
                else ("response_latency_ms", (self.response_latency_ms,)),
            ):
                for index, value in enumerate(values, 1):
                    if value <= 0:
                        where = f"{name} value {index}" if name.endswith("_by_data") else name
                        raise ValueError(f"{where} is {value:g}: a lognormal latency needs > 0")

    def latencies_by_data(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """The ``*_by_data`` lists as numbers (ms), empty where not set; `ValueError` naming the knob and the value
        (counted from 1) that is not a number >= 0."""
        return _ms_list("entry_latency_ms_by_data", self.entry_latency_ms_by_data), _ms_list(
            "response_latency_ms_by_data", self.response_latency_ms_by_data
        )

    def fees(self, instrument: Instrument) -> FeeSchedule:
        """The fee schedule the replay charges on ``instrument`` (its own for the standard tier)."""
        if self.fee_tier == "zero":
            return FeeSchedule()
        if self.fee_tier == "custom":
            return FeeSchedule(maker=self.maker_fee_bp * 1e-4, taker=self.taker_fee_bp * 1e-4)
        return instrument.fees

    def latency_model(self, seed: int, files: int = 1) -> LatencyModel | tuple[LatencyModel, ...]:
        """The latency model, its draws seeded by ``seed`` (the run's): one for every instrument, or with a
        ``*_by_data`` list one per instrument (a link each, drawn independently: instrument ``i`` is stream ``i``
        of the seed), for a venue of ``files`` --data files (a `ConfigError` when the lists have another length).
        """
        entries, responses = self.latencies_by_data()
        if not entries and not responses:
            return self._model(self.entry_latency_ms, self.response_latency_ms, seed, 0)
        given = len(entries or responses)
        if given != files:
            name = "entry_latency_ms_by_data" if entries else "response_latency_ms_by_data"
            raise ConfigError(
                f"venue.{name} has {given} value(s) for {files} --data file(s): give one per file, in --data order"
            )
        entries = entries or (self.entry_latency_ms,) * files
        responses = responses or (self.response_latency_ms,) * files
        return tuple(self._model(e, r, seed, i) for i, (e, r) in enumerate(zip(entries, responses, strict=True)))

    def _model(self, entry_ms: float, response_ms: float, seed: int, stream: int) -> LatencyModel:
        entry = entry_ms * _NS_PER_MS
        response = response_ms * _NS_PER_MS
        if self.latency == "constant":
            return ConstantLatency(entry_ns=round(entry), response_ns=round(response))
        if self.latency == "lognormal":  # (`validate` saw to latencies > 0)
            return SampledLatency(
                Lognormal(entry, self.latency_sigma), Lognormal(response, self.latency_sigma), seed, stream
            )
        return SampledLatency(
            ClippedNormal(entry, entry * self.latency_sigma),
            ClippedNormal(response, response * self.latency_sigma),
            seed,
            stream,
        )

    def queue_model(self) -> QueueModel:
        """The queue-position model."""
        if self.queue == "power":
            return PowerProbQueue(self.queue_power or 2.0, arithmetic=self.queue_arithmetic)
        if self.queue == "power3":
            return Power3ProbQueue(self.queue_power or 3.0, arithmetic=self.queue_arithmetic)
        if self.queue == "log":
            return LogProbQueue(arithmetic=self.queue_arithmetic)
        if self.queue == "l3-fifo":
            return L3FifoQueue()
        return RiskAverseQueue()

    def describe(self, instruments: tuple[Instrument, ...] = ()) -> str:
        """One line for the run summary, e.g. ``fees maker 2 bp / taker 5 bp (standard); latency constant ...``."""
        if self.fee_tier == "zero":
            fees = "fees zero"
        elif not instruments and self.fee_tier == "standard":
            fees = "fees: each instrument's standard tier"
        else:
            schedules = [self.fees(i) for i in instruments] or [self.fees(Instrument("fees", 1.0))]
            shown = sorted({f"{s.maker * 1e4:g}/{s.taker * 1e4:g}" for s in schedules})
            fees = f"fees maker/taker {', '.join(shown)} bp ({self.fee_tier})"
        entries, responses = self.latencies_by_data()
        if entries or responses:
            count = len(entries or responses)
            pairs = zip(
                entries or (self.entry_latency_ms,) * count,
                responses or (self.response_latency_ms,) * count,
                strict=True,
            )
            ms = ", ".join(f"{e:g}+{r:g}" for e, r in pairs) + " ms by file"
        else:
            ms = f"{self.entry_latency_ms:g}+{self.response_latency_ms:g} ms"
        if self.latency == "constant":
            latency = f"latency {ms}"
        else:
            latency = f"latency {self.latency} {ms} (sigma {self.latency_sigma:g})"
        queue = f"queue {self.queue}" + (f" n={self.queue_power:g}" if self.queue_power else "")
        if self.queue_arithmetic != "clamped":
            queue += f" ({self.queue_arithmetic} arithmetic)"
        fills = "partial fills" if self.partial_fills else "all-or-nothing fills"
        return f"{fees}; {latency}; {queue}; {fills}"


def _ms_list(name: str, text: str) -> tuple[float, ...]:
    """``text`` (comma-separated milliseconds) as numbers; `ValueError` naming ``name`` and the bad value."""
    if not text.strip():
        return ()
    values = []
    for index, item in enumerate(text.split(","), 1):
        try:
            value = float(item)
        except ValueError:
            raise ValueError(f"{name} value {index} ({item.strip()!r}) is not a number of ms") from None
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} value {index} is {item.strip()}: it must be a finite number >= 0 (ms)")
        values.append(value)
    return tuple(values)
