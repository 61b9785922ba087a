"""The ``lob-dl`` pattern and ``hft lob-dl``: the incremental window equals the dataset's, runs are byte for byte
reproducible with a cached default model, missing torch and mismatched models stop with one line and exit 2, the
CLI trains and evaluates, and the docs carry the knob table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hft_core import markdown_table
from hft_core.data.eventfile import save_events_npz
from hft_core.data.instrument_spec import SPEC_KEY, instrument_to_dict
from hft_core.events import EVENT_DTYPE
from hft_core.instruments import Instrument
from hft_lob_dl.baselines import hand_features, past_labels
from hft_lob_dl.book import synthetic_snapshots
from hft_lob_dl.cli import app
from hft_lob_dl.config import LobDlConfig
from hft_lob_dl.dataset import build_dataset
from hft_lob_dl.default_model import CACHE_ENV, default_model_dir, model_for_config
from hft_lob_dl.errors import CheckpointError
from hft_lob_dl.models import fit_model, load_model, save_model
from hft_lob_dl.strategy import LobDlStrategy
from typer.testing import CliRunner

DOCS = Path(__file__).resolve().parents[3] / "docs" / "lob-dl.md"
HFT = str(Path(sys.executable).parent / "hft")


def _hft(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HFT_")}
    return subprocess.run([HFT, *args], capture_output=True, text=True, env=clean | (env or {}), timeout=600)


def test_docs_carry_the_generated_knob_table() -> None:
    assert markdown_table(LobDlConfig.knobs()) in DOCS.read_text()


def test_the_incremental_window_equals_the_datasets_window(tmp_path: Path) -> None:
    snaps = synthetic_snapshots(800, signal=0.3, seed=2)
    data = build_dataset(snaps, window=20, horizon=10, threshold=1e-5)
    for kind in ("light", "logistic", "persistence"):
        if kind == "light":
            continue  # the deep input is the same window as the logistic one's checked below
        save_model(fit_model(kind, data), tmp_path / kind, data)
    config = LobDlConfig(model="logistic", window=20, levels=10, horizon=10)
    strategy = LobDlStrategy(config, loaded=load_model(tmp_path / "logistic"))
    persistence = LobDlStrategy(
        LobDlConfig(model="persistence", window=20, levels=10, horizon=10), loaded=load_model(tmp_path / "persistence")
    )
    hand = hand_features(snaps)
    checked = 0
    for t in range(len(snaps)):
        row = (snaps.ask_px[t].tolist(), snaps.ask_qty[t].tolist(), snaps.bid_px[t].tolist(), snaps.bid_qty[t].tolist())
        strategy._push(*row)
        persistence._push(*row)
        if t in set(data.split.test[:40].tolist()):
            window = strategy.loaded.normaliser.window(strategy.raw[strategy._rows()][-20:])
            assert np.allclose(window, data.windows(np.array([t]))[0], atol=1e-5)
            expected = strategy.loaded.model.predict_proba(hand[t : t + 1])[0]
            assert np.allclose(strategy.predict(), expected)
            known = past_labels(data.labels, np.array([t]), 10)[0]
            assert int(np.argmax(persistence.predict())) == known
            checked += 1
    assert checked == 40


def _run(out: Path, cache: Path, **config: Any) -> dict[str, Any]:
    from hft_core import backtest

    os.environ[CACHE_ENV] = str(cache)
    try:
        result = backtest("lob-dl", config={"train_duration_s": 90.0, **config}, duration_s=20, seed=4, out=out)
    finally:
        del os.environ[CACHE_ENV]
    return dict(result.stats)


@pytest.mark.slow
def test_runs_are_reproducible_and_the_default_model_is_cached(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    first = _run(tmp_path / "a", cache, model="logistic")
    assert "building the default logistic model" in capsys.readouterr().err
    _run(tmp_path / "b", cache, model="logistic")
    assert "building" not in capsys.readouterr().err  # the cached model
    assert first["orders"] > 0
    for name in ("orders.parquet", "fills.parquet", "equity.parquet", "summary.json", "log.txt", "config.toml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert "lob-dl: model logistic (horizon 20, window 100x10)" in (tmp_path / "a" / "log.txt").read_text()
    folder = default_model_dir(LobDlConfig(model="logistic", train_duration_s=90.0))
    assert folder.parent != cache  # the env var is read when asked
    os.environ[CACHE_ENV] = str(cache)
    try:
        assert default_model_dir(LobDlConfig(model="logistic", train_duration_s=90.0)).parent == cache
        assert (default_model_dir(LobDlConfig(model="logistic", train_duration_s=90.0)) / "meta.json").exists()
    finally:
        del os.environ[CACHE_ENV]


def test_a_deep_model_without_torch_stops_with_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch raises ImportError
    with pytest.raises(CheckpointError, match=r"pip install 'hft-lob-dl\[deep\]'.*--set model=logistic"):
        model_for_config(LobDlConfig(model="light"))


def test_hft_run_without_torch_exits_2_with_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "no-torch" / "torch"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('torch blocked for this test')\n")
    done = _hft(
        "run", "lob-dl", "--duration", "5", env={"PYTHONPATH": str(blocker.parent), CACHE_ENV: str(tmp_path / "c")}
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "model 'light': the deep models need torch" in done.stderr
    assert not (tmp_path / "c").exists()  # nothing was built


def _events_file(path: Path, rows: np.ndarray) -> Path:
    instrument = Instrument("TEST", tick_size=0.01, lot_size=1.0, venue="replay")
    return save_events_npz(path, rows, {SPEC_KEY: instrument_to_dict(instrument)})


def _book_events(n: int) -> np.ndarray:
    """A full-book snapshot (CLEAR, then SNAPSHOT rows) per synthetic snapshot."""
    snaps = synthetic_snapshots(n, levels=10, seed=1)
    rows = np.zeros(n * 21, EVENT_DTYPE)
    i = 0
    for t in range(n):
        rows[i] = (snaps.ts[t], snaps.ts[t], 0, 0, 0, 0, 3, 0)
        i += 1
        for side, px, qty in ((1, snaps.bid_px[t], snaps.bid_qty[t]), (-1, snaps.ask_px[t], snaps.ask_qty[t])):
            for level in range(10):
                rows[i] = (snaps.ts[t], snaps.ts[t], px[level], qty[level], 0, 0, 4, side)
                i += 1
    return rows


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    short = _events_file(tmp_path / "short.npz", _book_events(60))
    done = _hft("lob-dl", "train", "--data", str(short), "--model", "logistic", "--out", str(tmp_path / "r1"))
    assert done.returncode == 2, done.stderr
    assert "short.npz" in done.stderr and "too few for window 100 + horizon 20" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    trades = np.zeros(5, EVENT_DTYPE)
    trades["kind"], trades["price"], trades["qty"], trades["side"] = 2, 100, 1, 1
    trades["local_ts"] = trades["exch_ts"] = np.arange(5)
    only_trades = _events_file(tmp_path / "trades.npz", trades)
    done = _hft("lob-dl", "train", "--data", str(only_trades), "--model", "logistic", "--out", str(tmp_path / "r2"))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "trades.npz" in done.stderr and "no order-book depth levels" in done.stderr, done.stderr


def test_a_model_for_another_model_or_layout_is_refused_with_exit_2(tmp_path: Path) -> None:
    data = build_dataset(synthetic_snapshots(800, seed=2), window=20, horizon=10)
    save_model(fit_model("logistic", data), tmp_path / "logistic", data)
    done = _hft("run", "lob-dl", "--set", "model=gboost", "--set", f"model_dir={tmp_path / 'logistic'}")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "checkpoint of model 'logistic', but model 'gboost' was asked for" in done.stderr
    done = _hft("run", "lob-dl", "--set", "model=logistic", "--set", f"model_dir={tmp_path / 'logistic'}")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "trained for window=20, but this data has window=100" in done.stderr


def test_cli_trains_with_baselines_and_evaluates_on_other_data(tmp_path: Path) -> None:
    runner = CliRunner()
    data = _events_file(tmp_path / "book.npz", _book_events(1500))
    other = _events_file(tmp_path / "other.npz", _book_events(1200))
    out = tmp_path / "run"
    args = ["train", "--data", str(data), "--model", "logistic", "--window", "20", "--horizon", "10"]
    done = runner.invoke(
        app, [*args, "--threshold", "1e-5", "--out", str(out), "--no-progress"], env={"COLUMNS": "200"}
    )
    assert done.exit_code == 0, done.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) == {"persistence", "majority", "gboost", "logistic"}
    assert "macro F1" in done.output and "persistence" in done.output
    again = runner.invoke(app, ["eval", str(out), "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["logistic"] == metrics["logistic"]
    elsewhere = runner.invoke(app, ["eval", str(out), "--data", str(other), "--json"])
    assert elsewhere.exit_code == 0, elsewhere.output
    assert json.loads(elsewhere.output)["logistic"]["samples"] > 0
    refused = runner.invoke(app, [*args, "--out", str(out)])
    assert refused.exit_code != 0 and "not empty" in str(refused.exception)
