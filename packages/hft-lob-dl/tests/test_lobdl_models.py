"""Baselines and deep models: a planted signal is found (logistic regression and DeepLOB beat persistence), no signal
is not; training is deterministic (same seed, same weights hash) and resumable; model directories refuse another
model or feature layout; the metrics on a hand-made case."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hft_lob_dl.book import Snapshots, synthetic_snapshots
from hft_lob_dl.dataset import LobDataset, build_dataset
from hft_lob_dl.errors import CheckpointError
from hft_lob_dl.metrics import evaluate
from hft_lob_dl.models import evaluate_model, fit_model, load_model, save_model

TINY_DEEPLOB = {"conv": 8, "inception": 16, "lstm": 16}


def need_torch() -> Any:
    """torch, or a skip with the reason; with HFT_REQUIRE_TORCH=1 (CI) a missing torch fails instead."""
    try:
        import torch
    except ImportError:
        if os.environ.get("HFT_REQUIRE_TORCH", "").strip() == "1":
            raise
        pytest.skip("torch is not installed (hft-lob-dl[deep]); HFT_REQUIRE_TORCH=1 makes this a failure")
    torch.set_num_threads(1)
    return torch


def _data(signal: float, seed: int) -> LobDataset:
    return build_dataset(synthetic_snapshots(6000, signal=signal, seed=seed), window=20, horizon=10, threshold=1e-5)


def _scores(data: LobDataset, kinds: tuple[str, ...], tmp: Path) -> dict[str, float]:
    out = {}
    for kind in kinds:
        arch = TINY_DEEPLOB if kind == "deeplob" else None
        model = fit_model(kind, data, seed=0, run_dir=tmp / kind, epochs=4, lr=3e-3, max_train=3000, arch=arch)
        out[kind] = evaluate_model(model, data)["accuracy"]
    return out


def test_logistic_and_gboost_find_a_planted_imbalance_signal(tmp_path: Path) -> None:
    scores = _scores(_data(0.3, 3), ("persistence", "majority", "logistic", "gboost"), tmp_path)
    assert scores["logistic"] > scores["persistence"] + 0.08, scores
    assert scores["gboost"] > scores["persistence"] + 0.08, scores


def test_without_a_signal_no_model_beats_the_trivial_baselines(tmp_path: Path) -> None:
    scores = _scores(_data(0.0, 3), ("persistence", "majority", "logistic", "gboost"), tmp_path)
    trivial = max(scores["persistence"], scores["majority"])
    assert scores["logistic"] < trivial + 0.03, scores
    assert scores["gboost"] < trivial + 0.03, scores


@pytest.mark.slow
def test_deeplob_finds_the_planted_signal_and_nothing_without_it(tmp_path: Path) -> None:
    need_torch()
    planted = _scores(_data(0.3, 3), ("persistence", "deeplob"), tmp_path / "planted")
    assert planted["deeplob"] > planted["persistence"] + 0.08, planted
    none = _scores(_data(0.0, 3), ("persistence", "majority", "deeplob"), tmp_path / "none")
    assert none["deeplob"] < max(none["persistence"], none["majority"]) + 0.03, none


def test_same_seed_same_weights_and_resume_continues_exactly(tmp_path: Path) -> None:
    need_torch()
    from hft_lob_dl import deep

    data = build_dataset(synthetic_snapshots(1200, signal=0.3, seed=5), window=16, horizon=10, threshold=1e-5)
    hashes = {}
    for kind, arch in (("deeplob", TINY_DEEPLOB), ("light", {})):
        first, _ = deep.train(kind, data, tmp_path / f"{kind}-a", epochs=2, seed=7, progress=False, arch=arch)
        second, _ = deep.train(kind, data, tmp_path / f"{kind}-b", epochs=2, seed=7, progress=False, arch=arch)
        other, _ = deep.train(kind, data, tmp_path / f"{kind}-c", epochs=2, seed=8, progress=False, arch=arch)
        hashes[kind] = deep.weights_hash(first)
        assert deep.weights_hash(second) == hashes[kind]
        assert deep.weights_hash(other) != hashes[kind]
    # one epoch, then resumed for the second: the same weights as two epochs straight
    deep.train("light", data, tmp_path / "resumed", epochs=1, seed=7, progress=False)
    assert (tmp_path / "resumed" / "checkpoint.pt").exists()
    resumed, history = deep.train("light", data, tmp_path / "resumed", epochs=2, seed=7, progress=False, resume=True)
    assert [h["epoch"] for h in history] == [1, 2]
    assert deep.weights_hash(resumed) == hashes["light"]
    with pytest.raises(CheckpointError, match="checkpoint of model 'light', but model 'deeplob' was asked for"):
        deep.train("deeplob", data, tmp_path / "resumed", epochs=2, progress=False, resume=True)


def test_model_directories_round_trip_and_refuse_another_layout(tmp_path: Path) -> None:
    data = build_dataset(synthetic_snapshots(3000, signal=0.3, seed=6), window=20, horizon=10, threshold=1e-5)
    model = fit_model("logistic", data)
    save_model(model, tmp_path / "logistic", data)
    loaded = load_model(tmp_path / "logistic", kind="logistic", layout=data.layout())
    x = np.random.default_rng(0).normal(size=(5, 9))
    assert np.array_equal(loaded.model.predict_proba(x), model.predict_proba(x))
    assert loaded.normaliser == data.normaliser
    with pytest.raises(CheckpointError, match=r"checkpoint of model 'logistic', but model 'deeplob' was asked for"):
        load_model(tmp_path / "logistic", kind="deeplob")
    other = build_dataset(synthetic_snapshots(3000, seed=6, levels=5), window=20, horizon=10)
    with pytest.raises(CheckpointError, match=r"trained for levels=10, but this data has levels=5"):
        load_model(tmp_path / "logistic", layout=other.layout())
    with pytest.raises(CheckpointError, match="not a model directory"):
        load_model(tmp_path / "nothing")


def test_deep_models_export_and_reload_with_the_same_predictions(tmp_path: Path) -> None:
    need_torch()
    data = build_dataset(synthetic_snapshots(1200, signal=0.3, seed=5), window=16, horizon=10, threshold=1e-5)
    model = fit_model("deeplob", data, run_dir=tmp_path / "run", epochs=1, arch=TINY_DEEPLOB)
    save_model(model, tmp_path / "model", data)
    loaded = load_model(tmp_path / "model", kind="deeplob", layout=data.layout())
    windows = data.windows(data.split.test[:8])
    assert np.allclose(loaded.model.predict_proba(windows), model.predict_proba(windows), atol=1e-6)
    (tmp_path / "model" / "model.pt2").write_bytes(b"not a model")
    with pytest.raises(CheckpointError, match=r"model\.pt2: not an exported model"):
        load_model(tmp_path / "model")


def test_metrics_on_a_hand_made_case() -> None:
    n = 8
    ask = np.array([101, 101, 103, 103, 103, 103, 99, 99], np.int64)[:, None]
    bid = ask - 1
    snaps = Snapshots(np.arange(n, dtype=np.int64), ask, np.ones_like(ask), bid, np.ones_like(bid))
    ends = np.array([0, 1, 4, 5], np.int64)
    truth = np.array([2, 2, 0, 0], np.int64)
    predicted = np.array([2, 1, 0, 2], np.int64)
    m = evaluate(predicted, truth, snaps, ends, 2)
    assert m["accuracy"] == 0.5
    assert m["confusion"] == [[1, 0, 1], [0, 0, 0], [0, 1, 1]]
    # moves over 2 snapshots (mid 100.5 -> 102.5, 100.5 -> 102.5, 102.5 -> 98.5, 102.5 -> 98.5) all exceed the spread
    assert m["big_move_predictions"] == 3 and m["hit_rate_big_moves"] == pytest.approx(2 / 3)
    # long at 101 out at 102 (+1); short at 102 out at 99 (+3); long at 103 out at 98 (-5)
    assert m["taker_trades"] == 3 and m["taker_pnl_ticks"] == pytest.approx(-1.0)
    assert evaluate(predicted, truth, snaps, ends, 2, taker_fee=0.001)["taker_pnl_ticks"] < -1.0


def test_gradient_boosting_compiled_trees_equal_sklearns_probabilities() -> None:
    data = build_dataset(synthetic_snapshots(3000, signal=0.3, seed=8), window=20, horizon=10, threshold=1e-5)
    model = fit_model("gboost", data, max_train=1500)
    from hft_lob_dl.baselines import GradientBoosting, hand_features

    assert isinstance(model, GradientBoosting)
    x = hand_features(data.snapshots)[data.split.test]
    assert np.allclose(model.predict_proba(x), model.sklearn_model.predict_proba(x), rtol=0, atol=1e-12)
