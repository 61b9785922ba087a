"""One door for every model: fit (`fit_model`), evaluate (`evaluate_model`), save and load a model directory.

A model directory holds ``meta.json`` (the model kind, what it takes as input, the feature layout and the
normalisation it was trained with, the package version) and the model itself: ``model.pkl`` for a baseline,
``model.pt2`` (`torch.export`) for a deep model. `load_model` checks the directory against the model and
feature layout asked for, so a model trained on other data is refused with the difference named.
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from hft_lob_dl.__about__ import __version__
from hft_lob_dl.baselines import BASELINES, Predictor, hand_features, past_labels
from hft_lob_dl.dataset import LobDataset, Normaliser, check_layout
from hft_lob_dl.errors import CheckpointError
from hft_lob_dl.metrics import evaluate

__all__ = [
    "DEEP_KINDS",
    "MODEL_KINDS",
    "LoadedModel",
    "Model",
    "evaluate_model",
    "fit_model",
    "load_model",
    "model_inputs",
    "save_model",
    "torch_missing",
]

DEEP_KINDS = ("deeplob", "light")
MODEL_KINDS = (*DEEP_KINDS, "logistic", "gboost", "persistence", "majority")
TORCH_HINT = (
    "the deep models need torch, hft-lob-dl's [deep] extra: pip install 'hft-lob-dl[deep]' (README: 'Deep models' "
    "has the CPU-only command)"
)


class Model(Protocol):
    """What evaluation and the strategy need of a fitted model."""

    @property
    def kind(self) -> str: ...
    @property
    def inputs(self) -> str: ...
    def predict_proba(self, x: npt.NDArray[Any]) -> npt.NDArray[np.float64]: ...
    def predict(self, x: npt.NDArray[Any]) -> npt.NDArray[np.int64]: ...


def torch_missing() -> bool:
    """True when torch cannot be imported."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return True
    return False


def _require_torch(kind: str) -> None:
    if torch_missing():
        raise CheckpointError(f"model {kind!r}: {TORCH_HINT}; or choose a baseline (logistic, gboost)")


def model_inputs(model: Model, data: LobDataset, ends: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
    """The inputs ``model`` takes for the samples ending at ``ends``."""
    if model.inputs == "window":
        return data.windows(ends)
    if model.inputs == "past":
        return past_labels(data.labels, ends, data.horizon)
    return hand_features(data.snapshots)[ends]


def fit_model(
    kind: str,
    data: LobDataset,
    *,
    seed: int = 0,
    run_dir: str | Path | None = None,
    epochs: int = 5,
    batch_size: int = 64,
    lr: float = 1e-3,
    max_train: int | None = None,
    resume: bool = False,
    progress: bool = False,
    arch: dict[str, int] | None = None,
) -> Model:
    """``kind`` fitted on ``data``'s training samples (deep models: see `hft_lob_dl.deep.train`)."""
    if kind in DEEP_KINDS:
        _require_torch(kind)
        from hft_lob_dl import deep

        if run_dir is None:
            raise CheckpointError("a deep model trains into a run directory (its checkpoints): give run_dir")
        module, _ = deep.train(
            kind,
            data,
            run_dir,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            seed=seed,
            resume=resume,
            max_train=max_train,
            progress=progress,
            arch=arch,
        )
        return deep.TorchPredictor(kind, module)
    if kind not in BASELINES:
        raise CheckpointError(f"unknown model {kind!r}; choose one of {', '.join(MODEL_KINDS)}")
    model = BASELINES[kind]()
    ends = data.split.train
    if max_train is not None and len(ends) > max_train:
        ends = ends[np.linspace(0, len(ends) - 1, max_train).round().astype(np.int64)]
    return model.fit(model_inputs(model, data, ends), data.targets(ends), seed=seed)


def evaluate_model(
    model: Model, data: LobDataset, ends: npt.NDArray[np.int64] | None = None, *, taker_fee: float = 0.0
) -> dict[str, Any]:
    """`hft_lob_dl.metrics.evaluate` of ``model`` on ``ends`` (default: the test split)."""
    chosen = data.split.test if ends is None else ends
    predicted = np.concatenate(
        [model.predict(model_inputs(model, data, chosen[i : i + 2048])) for i in range(0, len(chosen), 2048)]
        or [np.empty(0, np.int64)]
    )
    return evaluate(predicted, data.targets(chosen), data.snapshots, chosen, data.horizon, taker_fee=taker_fee)


def save_model(model: Model, directory: str | Path, data: LobDataset, extra: dict[str, Any] | None = None) -> Path:
    """Write ``model`` and its ``meta.json`` into ``directory``; returns the directory."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    if model.kind in DEEP_KINDS:
        from hft_lob_dl import deep

        assert isinstance(model, deep.TorchPredictor)
        deep.export(model.module, folder, data.window, data.n_features)  # type: ignore[arg-type]
    else:
        assert isinstance(model, Predictor)
        model.save(folder)
    meta = {
        "model": model.kind,
        "inputs": model.inputs,
        "layout": data.layout(),
        "normaliser": data.normaliser.to_dict(),
        "package": "hft-lob-dl",
        "version": __version__,
        **(extra or {}),
    }
    (folder / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return folder


@dataclass(frozen=True)
class LoadedModel:
    """A model read from a directory, with what it was trained for."""

    model: Model
    meta: dict[str, Any]
    normaliser: Normaliser

    @property
    def layout(self) -> dict[str, Any]:
        return dict(self.meta["layout"])


def load_model(directory: str | Path, *, kind: str | None = None, layout: dict[str, Any] | None = None) -> LoadedModel:
    """The model in ``directory``, refused (`CheckpointError`, naming the difference) when it is not ``kind`` or
    was trained for another feature ``layout``."""
    folder = Path(directory)
    meta_path = folder / "meta.json"
    try:
        meta = json.loads(meta_path.read_text())
        found_kind, found_layout = str(meta["model"]), dict(meta["layout"])
        normaliser = Normaliser.from_dict(meta["normaliser"])
    except FileNotFoundError:
        raise CheckpointError(f"{folder}: not a model directory (no meta.json)") from None
    except (ValueError, KeyError, TypeError) as error:
        raise CheckpointError(f"{meta_path}: malformed model metadata ({type(error).__name__}: {error})") from None
    check_layout(str(folder), found_kind, found_layout, kind, layout)
    model: Model
    if found_kind in DEEP_KINDS:
        _require_torch(found_kind)
        from hft_lob_dl import deep

        model = deep.load_exported(folder / "model.pt2", found_kind)
    else:
        try:
            with (folder / "model.pkl").open("rb") as f:
                loaded = pickle.load(f)  # a model directory this package wrote
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError) as error:
            raise CheckpointError(f"{folder / 'model.pkl'}: unreadable model ({type(error).__name__})") from None
        if not isinstance(loaded, Predictor) or loaded.kind != found_kind:
            raise CheckpointError(f"{folder / 'model.pkl'}: does not hold a {found_kind!r} model")
        model = loaded
    return LoadedModel(model, meta, normaliser)
