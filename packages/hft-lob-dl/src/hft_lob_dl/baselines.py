"""Baselines, always reported next to a deep model: majority class, persistence, logistic regression and gradient
boosting on hand features.

**Hand features** (`hand_features`, one row per snapshot, from that snapshot and the 20 before it): depth
imbalance ``(bid − ask)/(bid + ask)`` over the top 1, 3, 5 and 10 levels; order-flow imbalance at the touch (Cont,
Kukanov & Stoikov 2014) summed over the last 10 snapshots and scaled by the touch sizes; the spread in ticks; the
mid's change over the last 1, 5 and 20 snapshots in ticks.

**Persistence** predicts the last label already known at t: the smoothed move that ended at t, i.e. the label of
``t − k`` (its future half is rows ``t−k+1 … t``). **Majority** predicts the training set's most common class.
Logistic regression (scikit-learn, standardised inputs) runs its inference in numpy from the exported
coefficients, so a decision costs microseconds; gradient boosting is scikit-learn's `HistGradientBoostingClassifier`.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, ClassVar

import numba
import numpy as np
import numpy.typing as npt

from hft_lob_dl.book import Snapshots

__all__ = [
    "BASELINES",
    "HAND_FEATURES",
    "GradientBoosting",
    "Logistic",
    "Majority",
    "Persistence",
    "Predictor",
    "hand_features",
    "past_labels",
]

HAND_FEATURES = (
    "imbalance_1",
    "imbalance_3",
    "imbalance_5",
    "imbalance_10",
    "ofi_10",
    "spread",
    "return_1",
    "return_5",
    "return_20",
)
HISTORY = 21
"""Snapshots a hand-feature row reads (itself and the 20 before it)."""
FloatArray = npt.NDArray[np.float64]


def hand_features(snaps: Snapshots) -> FloatArray:
    """``(n, 9)`` hand features (see the module docstring); rows without enough history use what there is."""
    n, levels = len(snaps), snaps.levels
    out = np.empty((n, len(HAND_FEATURES)), np.float64)
    bq, aq = snaps.bid_qty.astype(np.float64), snaps.ask_qty.astype(np.float64)
    cb, ca = np.cumsum(bq, axis=1), np.cumsum(aq, axis=1)
    for j, depth in enumerate((1, 3, 5, 10)):
        d = min(depth, levels) - 1
        total = cb[:, d] + ca[:, d]
        out[:, j] = np.divide(cb[:, d] - ca[:, d], total, out=np.zeros(n), where=total > 0)
    bp, ap = snaps.bid_px[:, 0], snaps.ask_px[:, 0]
    b0, a0 = bq[:, 0], aq[:, 0]
    e = np.zeros(n)
    if n > 1:
        e[1:] = (
            (bp[1:] >= bp[:-1]) * b0[1:]
            - (bp[1:] <= bp[:-1]) * b0[:-1]
            - (ap[1:] <= ap[:-1]) * a0[1:]
            + (ap[1:] >= ap[:-1]) * a0[:-1]
        )
    ce = np.concatenate(([0.0], np.cumsum(e)))
    idx = np.arange(n)
    ofi = ce[idx + 1] - ce[np.maximum(idx - 9, 0)]
    out[:, 4] = ofi / np.maximum(b0 + a0, 1.0)
    out[:, 5] = ap - bp
    mid = snaps.mid
    for j, lag in enumerate((1, 5, 20)):
        out[:, 6 + j] = mid - mid[np.maximum(idx - lag, 0)]
    return out


def past_labels(labels: npt.NDArray[np.int8], ends: npt.NDArray[np.int64], horizon: int) -> npt.NDArray[np.int64]:
    """The label known at each end t (that of ``t − horizon``; stationary where there is none)."""
    back = ends - horizon
    known = np.where(back >= 0, labels[np.maximum(back, 0)], 1).astype(np.int64)
    return np.asarray(np.where(known < 0, 1, known), np.int64)


def _one_hot(classes: npt.NDArray[np.int64]) -> FloatArray:
    out = np.zeros((len(classes), 3))
    out[np.arange(len(classes)), classes] = 1.0
    return out


class Predictor:
    """A fitted model: ``predict_proba(x)`` → ``(n, 3)`` class probabilities (down, stationary, up).

    ``inputs`` says what ``x`` is: ``"hand"`` (hand-feature rows), ``"past"`` (the known past label) or
    ``"window"`` (normalised windows ``(n, T, 4L)``).
    """

    kind: ClassVar[str] = ""
    inputs: ClassVar[str] = "hand"

    def fit(self, x: npt.NDArray[Any], y: npt.NDArray[np.int64], seed: int = 0) -> Predictor:
        raise NotImplementedError

    def predict_proba(self, x: npt.NDArray[Any]) -> FloatArray:
        raise NotImplementedError

    def predict(self, x: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
        return np.asarray(np.argmax(self.predict_proba(x), axis=1), np.int64)

    def save(self, directory: Path) -> None:
        with (directory / "model.pkl").open("wb") as f:
            pickle.dump(self, f, protocol=5)


class Majority(Predictor):
    """The training set's most common class, always."""

    kind = "majority"
    inputs = "past"

    def __init__(self) -> None:
        self.label = 1

    def fit(self, x: npt.NDArray[Any], y: npt.NDArray[np.int64], seed: int = 0) -> Majority:
        self.label = int(np.bincount(y, minlength=3).argmax())
        return self

    def predict_proba(self, x: npt.NDArray[Any]) -> FloatArray:
        return _one_hot(np.full(len(x), self.label, np.int64))


class Persistence(Predictor):
    """The last label already known (see the module docstring)."""

    kind = "persistence"
    inputs = "past"

    def fit(self, x: npt.NDArray[Any], y: npt.NDArray[np.int64], seed: int = 0) -> Persistence:
        return self

    def predict_proba(self, x: npt.NDArray[Any]) -> FloatArray:
        return _one_hot(np.asarray(x, np.int64).reshape(-1))


class Logistic(Predictor):
    """Multinomial logistic regression on standardised hand features; inference in numpy."""

    kind = "logistic"

    def __init__(self) -> None:
        self.mean = np.zeros(len(HAND_FEATURES))
        self.scale = np.ones(len(HAND_FEATURES))
        self.coef = np.zeros((3, len(HAND_FEATURES)))
        self.intercept = np.zeros(3)

    def fit(self, x: npt.NDArray[Any], y: npt.NDArray[np.int64], seed: int = 0) -> Logistic:
        from sklearn.linear_model import LogisticRegression

        self.mean = x.mean(axis=0)
        self.scale = x.std(axis=0)
        self.scale[self.scale == 0] = 1.0
        model = LogisticRegression(max_iter=500, random_state=seed)
        model.fit((x - self.mean) / self.scale, y)
        coef = np.zeros((3, x.shape[1]))
        intercept = np.full(3, -1e9)
        classes = np.asarray(model.classes_, np.int64)
        if len(classes) == 2:  # sklearn's binary form: one row for the second class
            coef[classes[1]], intercept[classes[1]] = model.coef_[0], model.intercept_[0]
            coef[classes[0]], intercept[classes[0]] = 0.0, 0.0
        elif len(classes) == 1:
            intercept[classes[0]] = 0.0
        else:
            coef[classes], intercept[classes] = model.coef_, model.intercept_
        self.coef, self.intercept = coef, intercept
        return self

    def predict_proba(self, x: npt.NDArray[Any]) -> FloatArray:
        z = ((np.atleast_2d(x) - self.mean) / self.scale) @ self.coef.T + self.intercept
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return np.asarray(p / p.sum(axis=1, keepdims=True), np.float64)


class GradientBoosting(Predictor):
    """scikit-learn's histogram gradient boosting on the hand features (seeded, fitted on one thread).

    After fitting, the trees are copied into flat arrays (feature, threshold, children, leaf value per node) and
    evaluated by a compiled loop: the sum of each class's trees plus the baseline, then a softmax over the classes
    (three classes; with fewer, the binary logistic), which is what scikit-learn computes (a test compares), at
    microseconds per row instead of milliseconds per call.
    """

    kind = "gboost"

    def __init__(self) -> None:
        self.classes = np.arange(3)
        self.baseline = np.zeros(3)
        self.feature = np.zeros(0, np.int64)
        self.threshold = np.zeros(0)
        self.left = np.zeros(0, np.int64)
        self.right = np.zeros(0, np.int64)
        self.leaf = np.zeros(0, np.bool_)
        self.value = np.zeros(0)
        self.roots = np.zeros((0, 0), np.int64)

    def fit(self, x: npt.NDArray[Any], y: npt.NDArray[np.int64], seed: int = 0) -> GradientBoosting:
        from sklearn.ensemble import HistGradientBoostingClassifier
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

        model = HistGradientBoostingClassifier(max_iter=100, max_leaf_nodes=15, early_stopping=False, random_state=seed)
        with threadpool_limits(1):
            model.fit(x, y)
        self.sklearn_model = model
        self.classes = np.asarray(model.classes_, np.int64)
        self._flatten(model)
        return self

    def _flatten(self, model: Any) -> None:
        # sklearn's fitted trees: model._predictors[iteration][tree of class k], each with a `nodes` record array
        trees = model._predictors
        per_class = len(trees[0])
        roots = np.zeros((len(trees), per_class), np.int64)
        parts = []
        offset = 0
        for i, iteration in enumerate(trees):
            for k, tree in enumerate(iteration):
                nodes = tree.nodes
                roots[i, k] = offset
                parts.append((nodes, offset))
                offset += len(nodes)
        self.feature = np.concatenate([n["feature_idx"].astype(np.int64) for n, _ in parts])
        self.threshold = np.concatenate([n["num_threshold"].astype(np.float64) for n, _ in parts])
        self.left = np.concatenate([n["left"].astype(np.int64) + o for n, o in parts])
        self.right = np.concatenate([n["right"].astype(np.int64) + o for n, o in parts])
        self.leaf = np.concatenate([n["is_leaf"].astype(np.bool_) for n, _ in parts])
        self.value = np.concatenate([n["value"].astype(np.float64) for n, _ in parts])
        self.roots = roots
        self.baseline = np.asarray(model._baseline_prediction, np.float64).reshape(-1)

    def predict_proba(self, x: npt.NDArray[Any]) -> FloatArray:
        rows = x if x.ndim == 2 and x.dtype == np.float64 and x.flags.c_contiguous else np.atleast_2d(x)
        raw = _forest(
            np.ascontiguousarray(rows, np.float64),
            self.roots,
            self.feature,
            self.threshold,
            self.left,
            self.right,
            self.leaf,
            self.value,
            self.baseline,
        )
        if len(self.classes) == 3:
            return raw
        if raw.shape[1] == 1:  # binary: one logit for the second class
            p1 = 1.0 / (1.0 + np.exp(-raw[:, 0]))
            proba = np.stack([1.0 - p1, p1], axis=1)
        else:
            proba = np.ones((raw.shape[0], 1))
        out = np.zeros((proba.shape[0], 3))
        out[:, self.classes] = proba
        return out

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("sklearn_model", None)  # the flat arrays are the model
        return state


@numba.njit(cache=True)
def _forest(
    x: FloatArray,
    roots: npt.NDArray[np.int64],
    feature: npt.NDArray[np.int64],
    threshold: FloatArray,
    left: npt.NDArray[np.int64],
    right: npt.NDArray[np.int64],
    leaf: npt.NDArray[np.bool_],
    value: FloatArray,
    baseline: FloatArray,
) -> FloatArray:
    n, per_class = x.shape[0], roots.shape[1]
    out = np.empty((n, per_class))
    for r in range(n):
        for k in range(per_class):
            total = baseline[k]
            for i in range(roots.shape[0]):
                node = roots[i, k]
                while not leaf[node]:
                    node = left[node] if x[r, feature[node]] <= threshold[node] else right[node]
                total += value[node]
            out[r, k] = total
        if per_class > 1:  # softmax over the classes
            top = out[r].max()
            norm = 0.0
            for k in range(per_class):
                out[r, k] = np.exp(out[r, k] - top)
                norm += out[r, k]
            for k in range(per_class):
                out[r, k] /= norm
    return out


BASELINES: dict[str, type[Predictor]] = {cls.kind: cls for cls in (Majority, Persistence, Logistic, GradientBoosting)}
