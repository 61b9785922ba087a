"""The knobs of the ``lob-dl`` pattern, declared once (no numpy here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from hft_core import Config, Distance, Knob, Size

__all__ = ["LobDlConfig"]


@dataclass(frozen=True)
class LobDlConfig(Config):
    """Predict the mid's next move from the last window of the book; quote or take on the prediction."""

    model: Annotated[
        Literal["light", "deeplob", "logistic", "gboost", "persistence"],
        Knob("Model: the deep ones need torch (the [deep] extra); the others are baselines."),
    ] = "light"
    model_dir: Annotated[
        str,
        Knob(
            "Trained model directory (hft lob-dl train --out DIR); '' = the default model, built from simulated "
            "data on first use and cached (HFT_LOB_DL_CACHE)."
        ),
    ] = ""
    horizon: Annotated[int, Knob("Prediction horizon in snapshots.", ge=1, le=1000)] = 20
    window: Annotated[int, Knob("Snapshots in the model's window (T).", ge=1, le=1000)] = 100
    levels: Annotated[int, Knob("Book levels per side in a snapshot (L).", ge=1, le=50)] = 10
    decision_ms: Annotated[
        int, Knob("Decision interval; one snapshot is added to the window per decision.", unit="ms", ge=1)
    ] = 50
    inference_us: Annotated[
        float,
        Knob("Inference time charged per decision: orders leave this long after the book was read.", unit="us", ge=0),
    ] = 500.0
    latency: Annotated[
        Literal["budget", "measured"],
        Knob("Charge inference_us (deterministic) or the measured inference time (not reproducible byte for byte)."),
    ] = "budget"
    mode: Annotated[
        Literal["quote", "take"],
        Knob("quote: both sides around a mid skewed by the prediction; take: IOC orders on confident predictions."),
    ] = "quote"
    min_confidence: Annotated[float, Knob("take: smallest probability of up (or down) that trades.", gt=0, le=1)] = 0.6
    skew: Annotated[
        Distance, Knob("quote: shift of the quotes' centre at full confidence (P(up) - P(down) = 1).", ge=0)
    ] = Distance(2, "ticks")
    half_spread: Annotated[
        Distance, Knob("quote: distance of each quote from the centre (half a tick: at the touch when unskewed).", ge=0)
    ] = Distance(0.5, "ticks")
    inventory_skew: Annotated[
        Distance, Knob("quote: centre shift per lot of inventory, against the position.", ge=0)
    ] = Distance(0.2, "ticks")
    size: Annotated[Size, Knob("Order size.", gt=0)] = Size(1, "lots")
    max_position: Annotated[Size, Knob("Position cap.", gt=0)] = Size(10, "lots")
    train_duration_s: Annotated[
        float, Knob("Default model: seconds of simulated market it is trained on.", unit="s", gt=0, le=86_400)
    ] = 300.0
    train_seed: Annotated[int, Knob("Default model: seed of its simulated data and training.", ge=0)] = 0

    def validate(self) -> None:
        if self.latency == "budget" and self.inference_us * 1_000 >= self.decision_ms * 1_000_000:
            raise ValueError(
                f"inference_us ({self.inference_us:g}) must be shorter than decision_ms ({self.decision_ms})"
            )
        if self.size.unit == self.max_position.unit and self.max_position.amount < self.size.amount:
            raise ValueError(f"max_position ({self.max_position}) must be >= size ({self.size})")
