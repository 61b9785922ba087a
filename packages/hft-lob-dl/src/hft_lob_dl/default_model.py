"""The ``lob-dl`` pattern's model: a trained directory given by ``model_dir``, or the default model, built on
first use from simulated data and cached.

The default model is trained on ``train_duration_s`` of the ``single-instrument`` market (seed ``train_seed``),
sampled every ``decision_ms`` as the strategy samples it, with forward labels at ``horizon`` and the threshold
`DEFAULT_THRESHOLD`. It lives under the cache directory — ``$HFT_LOB_DL_CACHE``, else
``$XDG_CACHE_HOME/hft-lob-dl``, else ``~/.cache/hft-lob-dl`` — in a folder named by the package version and a hash
of everything it depends on, written to a temporary folder and renamed into place, so a second run (or another
process) uses it at once and a half-built one is never read. Nothing is ever downloaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from hft_lob_dl.__about__ import __version__
from hft_lob_dl.config import LobDlConfig
from hft_lob_dl.errors import CheckpointError
from hft_lob_dl.models import DEEP_KINDS, TORCH_HINT, LoadedModel, load_model, torch_missing

__all__ = ["CACHE_ENV", "DEFAULT_THRESHOLD", "cache_root", "default_model_dir", "model_for_config"]

CACHE_ENV = "HFT_LOB_DL_CACHE"
DEFAULT_THRESHOLD = 0.0
"""Relative move that counts as up or down for the default model: any move of the smoothed future mid."""
DEFAULT_EPOCHS = 3
DEFAULT_MAX_TRAIN = 4000


def cache_root() -> Path:
    """Where default models are cached (see the module docstring)."""
    given = os.environ.get(CACHE_ENV, "").strip()
    if given:
        return Path(given)
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".cache") / "hft-lob-dl"


def _recipe(config: LobDlConfig) -> dict[str, object]:
    return {
        "version": __version__,
        "model": config.model,
        "horizon": config.horizon,
        "window": config.window,
        "levels": config.levels,
        "decision_ms": config.decision_ms,
        "train_duration_s": config.train_duration_s,
        "train_seed": config.train_seed,
        "threshold": DEFAULT_THRESHOLD,
        "labels": "forward",
        "epochs": DEFAULT_EPOCHS,
        "max_train": DEFAULT_MAX_TRAIN,
    }


def default_model_dir(config: LobDlConfig) -> Path:
    """The cache folder of the default model for ``config``."""
    key = hashlib.sha256(json.dumps(_recipe(config), sort_keys=True).encode()).hexdigest()[:16]
    return cache_root() / f"{__version__}-{config.model}-{key}"


def _layout(config: LobDlConfig) -> dict[str, object]:
    return {
        "window": config.window,
        "levels": config.levels,
        "n_features": 4 * config.levels,
        "horizon": config.horizon,
        "feature_order": "fi2010:ask_px,ask_qty,bid_px,bid_qty;prices-end_mid",
    }


def model_for_config(config: LobDlConfig, notify: Callable[[str], None] | None = None) -> LoadedModel:
    """The model ``config`` asks for, checked against its model kind and window layout."""
    if config.model in DEEP_KINDS and torch_missing():
        raise CheckpointError(f"lob-dl: model {config.model!r}: {TORCH_HINT}; or run with --set model=logistic")
    if config.model_dir:
        return load_model(config.model_dir, kind=config.model, layout=_layout(config))
    folder = default_model_dir(config)
    if not (folder / "meta.json").exists():
        _build(config, folder, notify)
    return load_model(folder, kind=config.model, layout=_layout(config))


def _build(config: LobDlConfig, folder: Path, notify: Callable[[str], None] | None) -> None:
    from hft_lob_dl.dataset import build_dataset
    from hft_lob_dl.models import evaluate_model, fit_model, save_model
    from hft_lob_dl.sources import simulated_snapshots

    if notify is not None:
        notify(
            f"lob-dl: building the default {config.model} model from {config.train_duration_s:g} s of simulated "
            f"market (seed {config.train_seed}; once, cached in {folder})"
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
    try:
        snaps = simulated_snapshots(
            seed=config.train_seed,
            duration_s=config.train_duration_s,
            levels=config.levels,
            sampling="clock",
            interval_ms=config.decision_ms,
        )
        data = build_dataset(
            snaps,
            window=config.window,
            horizon=config.horizon,
            threshold=DEFAULT_THRESHOLD,
            labels="forward",
            directory=work / "data",
            source="simulated:single-instrument",
        )
        model = fit_model(
            config.model,
            data,
            seed=config.train_seed,
            run_dir=work / "train",
            epochs=DEFAULT_EPOCHS,
            max_train=DEFAULT_MAX_TRAIN,
        )
        metrics = evaluate_model(model, data)
        save_model(model, work / "model", data, {"recipe": _recipe(config), "test_metrics": metrics})
        try:
            (work / "model").rename(folder)
        except OSError:
            if not (folder / "meta.json").exists():  # not another process's finished copy
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
