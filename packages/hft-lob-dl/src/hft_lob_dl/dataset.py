"""Windows, labels and leak-free splits over book snapshots, memory-mapped.

**Features.** Each snapshot becomes ``4·L`` numbers in the FI-2010 order (per level: ask price, ask size, bid
price, bid size), prices in ticks (less a constant anchor), sizes in lots. The matrix is written to a ``float32``
file and opened with `numpy.memmap`, so windows are read from disk as they are used: a dataset larger than memory
streams. A window's prices are taken relative to the mid at its last row (stationary, yet the path of the mid
within the window stays visible), then z-scored: one mean and standard deviation for the price columns, one for
the size columns, as DeepLOB does, fitted by a `Normaliser` on training windows only.

**Labels**: with ``m⁺`` the mean of the next k mids (after t), the move is ``(m⁺ − m)/m`` where ``m`` is the mid
at t (``"forward"``, FI-2010's labels, Ntakaris et al. 2018) or the mean ``m⁻`` of the last k mids ending at t
(``"smoothed"``, Zhang, Zohren & Roberts 2019); above ``threshold`` it is up (2), below ``−threshold`` down (0),
else stationary (1). Smoothing keeps a label from being decided by one tick of noise, but the smoothed label's
``m − m⁻`` half is already known at t: on a random walk, recent returns "predict" it (docs/lob-dl.md), which is
why the forward label is the default and what the strategy trades on.

**Samples** are window ends t: the window is rows ``t−T+1 … t``, its label reads rows up to ``t+k``. The
**split** is strictly time-ordered (train, then validation, then test) with a gap of ``T + k`` snapshots between
parts, so no row feeds both a training sample and a later one (`leaking_samples` counts those that would).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from hft_lob_dl.book import Snapshots
from hft_lob_dl.errors import CheckpointError, LobDataError

__all__ = [
    "CLASSES",
    "HORIZONS",
    "LabelKind",
    "LobDataset",
    "Normaliser",
    "Split",
    "build_dataset",
    "check_layout",
    "leaking_samples",
    "raw_features",
    "smoothed_labels",
    "time_split",
]

LabelKind = Literal["forward", "smoothed"]
HORIZONS = (10, 20, 50, 100)
"""The label horizons of the DeepLOB paper, in snapshots."""
CLASSES = ("down", "stationary", "up")
"""Label codes 0, 1, 2."""
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]
_CHUNK = 1 << 20


def raw_features(snaps: Snapshots, anchor: float = 0.0) -> FloatArray:
    """``(n, 4L)`` float32: per level ask price − ``anchor`` (ticks), ask size, bid price − ``anchor``, bid size."""
    n, levels = len(snaps), snaps.levels
    out = np.empty((n, levels, 4), np.float32)
    out[:, :, 0] = snaps.ask_px - anchor
    out[:, :, 1] = snaps.ask_qty
    out[:, :, 2] = snaps.bid_px - anchor
    out[:, :, 3] = snaps.bid_qty
    return out.reshape(n, 4 * levels)


@dataclass(frozen=True)
class Normaliser:
    """z-score of a window's prices, taken relative to the mid at the window's end, and of its sizes.

    Column ``j`` of a feature row is a price when ``j % 2 == 0``. `window` is the one transformation from raw
    windows to model inputs, offline (`LobDataset.windows`) and online (the strategy's incremental window).
    """

    price_mean: float
    price_std: float
    size_mean: float
    size_std: float

    @classmethod
    def fit(cls, raw_windows: FloatArray) -> Normaliser:
        """Fitted on raw ``(n, T, 4L)`` windows (training windows only)."""
        end_mid = (raw_windows[:, -1:, 0:1] + raw_windows[:, -1:, 2:3]).astype(np.float64) / 2.0
        prices = raw_windows[:, :, 0::2].astype(np.float64) - end_mid
        sizes = raw_windows[:, :, 1::2].astype(np.float64)
        return cls(float(prices.mean()), float(prices.std()) or 1.0, float(sizes.mean()), float(sizes.std()) or 1.0)

    def window(self, raw: FloatArray) -> FloatArray:
        """Model inputs from raw ``(..., T, 4L)`` windows."""
        out = np.empty(raw.shape, dtype=np.float32)
        end_mid = (raw[..., -1:, 0:1] + raw[..., -1:, 2:3]) / np.float32(2.0)
        out[..., 0::2] = (raw[..., 0::2] - end_mid - self.price_mean) / self.price_std
        out[..., 1::2] = (raw[..., 1::2] - self.size_mean) / self.size_std
        return out

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Normaliser:
        return cls(**{k: float(values[k]) for k in ("price_mean", "price_std", "size_mean", "size_std")})


def smoothed_labels(
    mid: npt.NDArray[np.float64], horizon: int, threshold: float, kind: LabelKind = "forward"
) -> npt.NDArray[np.int8]:
    """Per row: 0 down, 1 stationary, 2 up, or -1 where the past or future k mids are not all there.

    ``kind="smoothed"``: the mean of the next k mids against the mean of the last k (DeepLOB); ``"forward"``: the
    mean of the next k against the mid now (FI-2010's labels)."""
    n, k = len(mid), horizon
    labels = np.full(n, -1, np.int8)
    if n < 2 * k + 1 or k < 1:
        return labels
    csum = np.concatenate(([0.0], np.cumsum(mid)))
    t = np.arange(k - 1, n - k)
    past = (csum[t + 1] - csum[t + 1 - k]) / k if kind == "smoothed" else mid[t]
    future = (csum[t + 1 + k] - csum[t + 1]) / k
    move = (future - past) / past
    labels[t] = np.where(move > threshold, 2, np.where(move < -threshold, 0, 1)).astype(np.int8)
    return labels


@dataclass(frozen=True)
class Split:
    """Window ends of each part, in time order, with at least ``gap`` snapshots between parts."""

    train: IntArray
    val: IntArray
    test: IntArray
    gap: int


def time_split(ends: IntArray, *, window: int, horizon: int, fractions: tuple[float, float] = (0.7, 0.15)) -> Split:
    """Train the first ``fractions[0]`` of ``ends``, validation the next ``fractions[1]``, test the rest, each part
    starting ``window + horizon`` snapshots after the previous part's last end (samples in the gaps are dropped)."""
    gap = window + horizon
    ends = np.sort(ends)
    n = len(ends)
    cut_val, cut_test = int(n * fractions[0]), int(n * (fractions[0] + fractions[1]))
    train = ends[:cut_val]
    val = ends[cut_val:cut_test]
    test = ends[cut_test:]
    if len(train):
        val = val[val >= train[-1] + gap]
    if len(val):
        test = test[test >= val[-1] + gap]
    elif len(train):
        test = test[test >= train[-1] + gap]
    return Split(train, val, test, gap)


def leaking_samples(train: IntArray, other: IntArray, *, window: int, horizon: int) -> int:
    """How many samples of ``other`` read a row (window or label) that a training sample also reads."""
    if not len(train) or not len(other):
        return 0
    spans = np.sort(train)
    starts, stops = spans - window + 1, spans + horizon
    lo, hi = other - window + 1, other + horizon
    # A sample overlaps some training span iff the nearest training span starting at or before its end reaches it.
    idx = np.searchsorted(starts, hi, side="right") - 1
    reach = np.maximum.accumulate(stops)
    overlaps = (idx >= 0) & (reach[np.maximum(idx, 0)] >= lo)
    return int(overlaps.sum())


@dataclass
class LobDataset:
    """Normalised features (memory-mapped), snapshots, labels and the split of one horizon."""

    features: npt.NDArray[np.float32]
    snapshots: Snapshots
    labels: npt.NDArray[np.int8]
    window: int
    horizon: int
    threshold: float
    split: Split
    normaliser: Normaliser
    label_kind: LabelKind = "forward"

    @property
    def n_features(self) -> int:
        return int(self.features.shape[1])

    def windows(self, ends: IntArray) -> FloatArray:
        """``(len(ends), T, 4L)`` normalised windows ending at ``ends`` (read from the memory map)."""
        return self.normaliser.window(_raw_windows(self.features, ends, self.window))

    def targets(self, ends: IntArray) -> npt.NDArray[np.int64]:
        return self.labels[ends].astype(np.int64)

    def layout(self) -> dict[str, Any]:
        """What a model trained on this dataset expects (checked when a checkpoint is loaded)."""
        return {
            "window": self.window,
            "levels": self.snapshots.levels,
            "n_features": self.n_features,
            "horizon": self.horizon,
            "threshold": self.threshold,
            "labels": self.label_kind,
            "feature_order": "fi2010:ask_px,ask_qty,bid_px,bid_qty;prices-end_mid",
        }


def build_dataset(
    snaps: Snapshots,
    *,
    window: int = 100,
    horizon: int = 20,
    threshold: float = 2e-5,
    labels: LabelKind = "forward",
    fractions: tuple[float, float] = (0.7, 0.15),
    directory: str | Path | None = None,
    source: str = "data",
    given_labels: npt.NDArray[np.int8] | None = None,
    normaliser: Normaliser | None = None,
) -> LobDataset:
    """The dataset of ``snaps`` (see the module docstring); with ``directory`` the features live in a memory map
    there (``features.f32`` + ``features.json``), else in memory. ``given_labels`` (codes 0–2, -1 = none) replace
    the computed ones, for data that comes labelled (FI-2010); ``normaliser`` (a trained model's) replaces the one
    fitted on the training windows."""
    n = len(snaps)
    if window < 1 or horizon < 1:
        raise LobDataError(f"window and horizon must be >= 1, got {window} and {horizon}", path=source)
    label_codes = smoothed_labels(snaps.mid, horizon, threshold, labels) if given_labels is None else given_labels
    first = max(window - 1, horizon - 1)
    ends = np.flatnonzero(label_codes >= 0)
    ends = ends[ends >= first]
    need = 3 * (window + horizon)
    split = time_split(ends, window=window, horizon=horizon, fractions=fractions)
    if not (len(split.train) and len(split.val) and len(split.test)):
        raise LobDataError(
            f"{n} snapshots are too few for window {window} + horizon {horizon}: a time-ordered train/validation/"
            f"test split with gaps of {window + horizon} between parts needs more than {need}",
            path=source,
        )
    anchor = float(np.floor(snaps.mid[0]))
    features: npt.NDArray[np.float32]
    if directory is None:
        features = raw_features(snaps, anchor)
    else:
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "features.f32"
        shape = (n, 4 * snaps.levels)
        mm = np.memmap(path, dtype=np.float32, mode="w+", shape=shape)
        for start in range(0, n, _CHUNK):
            stop = min(n, start + _CHUNK)
            mm[start:stop] = raw_features(snaps.slice(start, stop), anchor)
        mm.flush()
        del mm
        (folder / "features.json").write_text(json.dumps({"shape": list(shape), "dtype": "float32"}) + "\n")
        features = np.memmap(path, dtype=np.float32, mode="r", shape=shape)
    # Fitted on (at most 4096, evenly spaced) training windows: rows after the training span never enter it.
    sample = split.train[np.linspace(0, len(split.train) - 1, min(4096, len(split.train))).round().astype(np.int64)]
    if normaliser is None:
        normaliser = Normaliser.fit(_raw_windows(features, sample, window))
    return LobDataset(features, snaps, label_codes, window, horizon, threshold, split, normaliser, labels)


def _raw_windows(features: FloatArray, ends: IntArray, window: int) -> FloatArray:
    view = np.lib.stride_tricks.sliding_window_view(features, window, axis=0)
    # sliding_window_view puts the window axis last: (n - T + 1, F, T)
    return np.ascontiguousarray(view[ends - window + 1].transpose(0, 2, 1))


def layout_key(layout: dict[str, Any]) -> str:
    """A short hash of a feature layout (part of cache keys)."""
    return hashlib.sha256(json.dumps(layout, sort_keys=True).encode()).hexdigest()[:16]


def check_layout(
    where: str, found_kind: str, found: dict[str, Any], kind: str | None, layout: dict[str, Any] | None
) -> None:
    """A `CheckpointError` naming the first difference between what a model was trained for and what is asked."""
    if kind is not None and found_kind != kind:
        raise CheckpointError(f"{where}: checkpoint of model {found_kind!r}, but model {kind!r} was asked for")
    if layout is None:
        return
    for key in ("window", "levels", "n_features", "horizon", "feature_order"):
        if found.get(key) != layout.get(key):
            raise CheckpointError(
                f"{where}: trained for {key}={found.get(key)!r}, but this data has {key}={layout.get(key)!r} "
                "(another feature layout: train a model for it)"
            )
