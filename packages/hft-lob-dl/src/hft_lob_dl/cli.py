"""``hft lob-dl train|eval``: train a model on events files (or simulated data) with the baselines next to it, and
evaluate a trained run directory on any data.

A run directory holds ``train.json`` (how the dataset and model were made), ``metrics.json`` (test metrics of the
model and every baseline), ``model/`` (the exported model, `hft_lob_dl.models.save_model`), ``baselines/<kind>/``,
``checkpoint.pt`` for a deep model (``--resume`` continues from it) and ``data/`` (the memory-mapped features).
Errors are hft-core's kinds (`ConfigError`, `DataError`): ``hft`` prints them as one line and exits 2.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated, Any

import typer
from hft_core import ConfigError

__all__ = ["app"]

app = typer.Typer(
    name="lob-dl",
    help="Order-book deep learning: train a model (baselines reported next to it) and evaluate it.",
    no_args_is_help=True,
    add_completion=False,
)

BASELINE_KINDS = ("persistence", "majority", "logistic", "gboost")
MODELS = ("deeplob", "light", "logistic", "gboost")


def _choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ConfigError(f"--{name} {value!r}: choose one of {', '.join(choices)}")
    return value


def _dataset(spec: dict[str, Any], directory: Path, normaliser: Any = None) -> Any:
    from hft_lob_dl.dataset import build_dataset
    from hft_lob_dl.sources import file_snapshots, simulated_snapshots

    if spec["data"]:
        snaps = file_snapshots(
            spec["data"], levels=spec["levels"], sampling=spec["sampling"], interval_ms=spec["interval_ms"]
        )
        source = "+".join(Path(p).name for p in spec["data"])
    else:
        snaps = simulated_snapshots(
            seed=spec["seed"],
            duration_s=spec["sim_duration_s"],
            levels=spec["levels"],
            sampling=spec["sampling"],
            interval_ms=spec["interval_ms"],
        )
        source = "simulated:single-instrument"
    return build_dataset(
        snaps,
        window=spec["window"],
        horizon=spec["horizon"],
        threshold=spec["threshold"],
        labels=spec["labels"],
        directory=directory,
        source=source,
        normaliser=normaliser,
    )


def _table(title: str, metrics: dict[str, dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    columns = ("model", "samples", "accuracy", "macro F1", "F1 down/stat/up", "hit rate > spread", "taker PnL/trade")
    for column in columns:
        table.add_column(column, justify="left" if column == "model" else "right")
    for name, m in metrics.items():
        f1 = m["f1"]
        hit = m["hit_rate_big_moves"]
        table.add_row(
            name,
            str(m["samples"]),
            f"{m['accuracy']:.3f}",
            f"{m['macro_f1']:.3f}",
            f"{f1['down']:.2f}/{f1['stationary']:.2f}/{f1['up']:.2f}",
            "n/a" if hit is None else f"{hit:.3f}",
            f"{m['taker_pnl_ticks_per_trade']:.2f} ticks",
        )
    Console().print(table)


@app.command()
def train(
    out: Annotated[Path, typer.Option("--out", help="Run directory (new or empty; with --resume, an earlier run).")],
    data: Annotated[
        list[Path] | None, typer.Option("--data", help="Events file(s) of one instrument; none = simulated market.")
    ] = None,
    model: Annotated[str, typer.Option(help="deeplob, light, logistic or gboost.")] = "deeplob",
    horizon: Annotated[int, typer.Option(help="Label horizon k in snapshots (the paper's: 10, 20, 50, 100).")] = 20,
    window: Annotated[int, typer.Option(help="Snapshots per window (T).")] = 100,
    levels: Annotated[int, typer.Option(help="Book levels per side (L).")] = 10,
    sampling: Annotated[str, typer.Option(help="event (every book change) or clock (every --interval-ms).")] = "event",
    interval_ms: Annotated[float, typer.Option(help="Clock-time sampling interval.")] = 100.0,
    labels: Annotated[str, typer.Option(help="forward (FI-2010) or smoothed (DeepLOB).")] = "forward",
    threshold: Annotated[float, typer.Option(help="Relative move that counts as up or down.")] = 2e-5,
    epochs: Annotated[int, typer.Option(help="Training epochs (deep models).")] = 5,
    batch_size: Annotated[int, typer.Option(help="Batch size (deep models).")] = 64,
    lr: Annotated[float, typer.Option(help="Adam learning rate (deep models).")] = 1e-3,
    max_train: Annotated[int | None, typer.Option(help="At most this many training samples (evenly spaced).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the weights, the batches and simulated data.")] = 0,
    sim_duration: Annotated[float, typer.Option(help="Seconds of simulated market when no --data.")] = 600.0,
    taker_fee: Annotated[float, typer.Option(help="Taker fee (fraction of notional) for the taker PnL.")] = 0.0,
    resume: Annotated[bool, typer.Option(help="Continue the run in --out from its checkpoint.")] = False,
    progress: Annotated[bool, typer.Option(help="Show the progress bar.")] = True,
) -> None:
    """Train MODEL on the data's training split; report it and the baselines on the test split."""
    from hft_lob_dl.models import evaluate_model, fit_model, save_model

    _choice("model", model, MODELS)
    _choice("sampling", sampling, ("event", "clock"))
    _choice("labels", labels, ("forward", "smoothed"))
    for name, value in (("horizon", horizon), ("window", window), ("levels", levels), ("epochs", epochs)):
        if value < 1:
            raise ConfigError(f"--{name} must be >= 1, got {value}")
    for path in data or []:
        if not path.is_file():
            raise ConfigError(f"--data {path}: no such file")
    spec: dict[str, Any] = {
        "data": [str(p) for p in data or []],
        "model": model,
        "horizon": horizon,
        "window": window,
        "levels": levels,
        "sampling": sampling,
        "interval_ms": interval_ms,
        "labels": labels,
        "threshold": threshold,
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "max_train": max_train,
        "seed": seed,
        "sim_duration_s": sim_duration,
        "taker_fee": taker_fee,
    }
    if resume:
        previous = out / "train.json"
        if not previous.exists():
            raise ConfigError(f"--resume: {out} holds no earlier run (no train.json)")
        recorded = json.loads(previous.read_text())
        changed = [k for k in spec if k != "epochs" and recorded.get(k) != spec[k]]
        if changed:
            raise ConfigError(f"--resume: {out} was trained with other settings ({', '.join(changed)})")
    elif out.exists() and any(out.iterdir()):
        raise ConfigError(f"--out {out}: not empty (give a new directory, or --resume to continue that run)")
    out.mkdir(parents=True, exist_ok=True)
    (out / "train.json").write_text(json.dumps(spec, indent=2) + "\n")
    dataset = _dataset(spec, out / "data")
    metrics: dict[str, dict[str, Any]] = {}
    for kind in BASELINE_KINDS:
        if kind == model:
            continue
        fitted = fit_model(kind, dataset, seed=seed, max_train=max_train)
        save_model(fitted, out / "baselines" / kind, dataset)
        metrics[kind] = evaluate_model(fitted, dataset, taker_fee=taker_fee)
    fitted = fit_model(
        model,
        dataset,
        seed=seed,
        run_dir=out,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        max_train=max_train,
        resume=resume,
        progress=progress,
    )
    model_dir = out / "model"
    if model_dir.exists():
        shutil.rmtree(model_dir)
    save_model(fitted, model_dir, dataset, {"train": spec})
    metrics[model] = evaluate_model(fitted, dataset, taker_fee=taker_fee)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    _table(f"test split: {len(dataset.split.test)} samples, horizon {horizon}", metrics)
    typer.echo(f"run directory: {out}")


@app.command("eval")
def evaluate(
    run_dir: Annotated[Path, typer.Argument(help="A run directory written by 'hft lob-dl train'.")],
    data: Annotated[
        list[Path] | None, typer.Option("--data", help="Evaluate on these files instead of the run's own data.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
) -> None:
    """Evaluate a trained model and its baselines on the test split of the run's data, or on all of other files."""
    import tempfile

    import numpy as np

    from hft_lob_dl.models import evaluate_model, load_model

    spec_path = run_dir / "train.json"
    if not spec_path.exists():
        raise ConfigError(f"{run_dir}: not a 'hft lob-dl train' run directory (no train.json)")
    spec = json.loads(spec_path.read_text())
    if data:
        for path in data:
            if not path.is_file():
                raise ConfigError(f"--data {path}: no such file")
        spec["data"] = [str(p) for p in data]
    loaded = load_model(run_dir / "model", kind=spec["model"])
    with tempfile.TemporaryDirectory(prefix="hft-lob-dl-eval-") as tmp:
        dataset = _dataset(spec, Path(tmp), normaliser=loaded.normaliser)
        from hft_lob_dl.dataset import check_layout

        check_layout(str(run_dir / "model"), loaded.meta["model"], loaded.layout, None, dataset.layout())
        # The run's own data: its test split. Other files: every sample (none of them was trained on).
        split = dataset.split
        ends = np.concatenate([split.train, split.val, split.test]) if data else split.test
        metrics: dict[str, dict[str, Any]] = {}
        for kind in BASELINE_KINDS:
            folder = run_dir / "baselines" / kind
            if folder.exists():
                metrics[kind] = evaluate_model(load_model(folder).model, dataset, ends, taker_fee=spec["taker_fee"])
        metrics[spec["model"]] = evaluate_model(loaded.model, dataset, ends, taker_fee=spec["taker_fee"])
        del dataset
    if as_json:
        typer.echo(json.dumps(metrics, indent=2))
    else:
        where = "every sample of " + ", ".join(Path(p).name for p in spec["data"]) if data else "test split"
        _table(f"{run_dir}: {where}, horizon {spec['horizon']}", metrics)
