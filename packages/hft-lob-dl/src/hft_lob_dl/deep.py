"""Deep models in PyTorch (the ``[deep]`` extra): DeepLOB and a light temporal CNN, their seeded training with
checkpoints and resume, and their export.

**DeepLOB** (after Zhang, Zohren & Roberts 2019; written here from the paper's description): three convolution
blocks over the ``(T, 4L)`` window — a ``1×2`` stride-2 convolution pairing price with size, then pairing the
sides, then one ``1×L`` convolution across levels, each followed by two ``4×1`` convolutions in time (leaky ReLU,
batch norm, time padded so T is kept) — an inception module (``1×1→3×1``, ``1×1→5×1``, ``3×1`` max-pool→``1×1``),
an LSTM, and a linear layer over its last state. Widths default to the paper's (32, 64, 64).

**light**: two 1-D convolutions in time over the 4L features (the second dilated), then a linear layer over the
last step and the mean over the window: a few thousand weights, for the default strategy's model.

Training (`train`) is deterministic on CPU for a given seed (torch's deterministic algorithms, batches drawn from
a numpy generator seeded by ``(seed, epoch)``), weights its cross-entropy by inverse class frequency, keeps the
state with the best validation loss, and writes ``checkpoint.pt`` (everything to resume) after each epoch to the
run directory. `export` writes ``model.pt2`` with `torch.export`, so inference needs torch but none of the training
code.
"""

from __future__ import annotations

import hashlib
import io
import math
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from hft_lob_dl.dataset import LobDataset, check_layout
from hft_lob_dl.errors import CheckpointError

__all__ = ["DEEP_MODELS", "DeepLOB", "LightCNN", "TorchPredictor", "build_model", "train", "weights_hash"]

CHECKPOINT = "checkpoint.pt"


def _conv2d(cin: int, cout: int, kernel: tuple[int, int], stride: tuple[int, int] = (1, 1)) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, kernel, stride=stride), nn.LeakyReLU(0.01), nn.BatchNorm2d(cout)]


def _time_conv(channels: int) -> list[nn.Module]:
    # 4×1 in time, padded 2 before and 1 after so the window keeps its length
    return [nn.ZeroPad2d((0, 0, 2, 1)), *_conv2d(channels, channels, (4, 1))]


class DeepLOB(nn.Module):
    """See the module docstring; input ``(batch, T, 4L)``, output ``(batch, 3)`` logits."""

    def __init__(self, n_features: int = 40, conv: int = 32, inception: int = 64, lstm: int = 64) -> None:
        super().__init__()
        if n_features % 4:
            raise ValueError(f"DeepLOB needs 4 features per level, got {n_features}")
        levels = n_features // 4
        self.blocks = nn.Sequential(
            *_conv2d(1, conv, (1, 2), (1, 2)),
            *_time_conv(conv),
            *_time_conv(conv),
            *_conv2d(conv, conv, (1, 2), (1, 2)),
            *_time_conv(conv),
            *_time_conv(conv),
            *_conv2d(conv, conv, (1, levels)),
            *_time_conv(conv),
            *_time_conv(conv),
        )
        self.branch3 = nn.Sequential(
            *_conv2d(conv, inception, (1, 1)), nn.ZeroPad2d((0, 0, 1, 1)), *_conv2d(inception, inception, (3, 1))
        )
        self.branch5 = nn.Sequential(
            *_conv2d(conv, inception, (1, 1)), nn.ZeroPad2d((0, 0, 2, 2)), *_conv2d(inception, inception, (5, 1))
        )
        self.branch_pool = nn.Sequential(
            nn.MaxPool2d((3, 1), stride=(1, 1), padding=(1, 0)), *_conv2d(conv, inception, (1, 1))
        )
        self.lstm = nn.LSTM(3 * inception, lstm, batch_first=True)
        self.head = nn.Linear(lstm, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.blocks(x.unsqueeze(1))  # (B, C, T, 1)
        h = torch.cat([self.branch3(h), self.branch5(h), self.branch_pool(h)], dim=1)
        h = h.squeeze(3).transpose(1, 2)  # (B, T, 3I)
        out, _ = self.lstm(h)
        return self.head(out[:, -1, :])  # type: ignore[no-any-return]


class LightCNN(nn.Module):
    """See the module docstring; input ``(batch, T, 4L)``, output ``(batch, 3)`` logits."""

    def __init__(self, n_features: int = 40, channels: int = 16) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(n_features, channels, 5, padding=2),
            nn.ReLU(),
            nn.Conv1d(channels, channels, 5, padding=4, dilation=2),
            nn.ReLU(),
        )
        self.head = nn.Linear(2 * channels, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv(x.transpose(1, 2))  # (B, C, T)
        return self.head(torch.cat([h[:, :, -1], h.mean(dim=2)], dim=1))  # type: ignore[no-any-return]


DEEP_MODELS: dict[str, Callable[..., nn.Module]] = {"deeplob": DeepLOB, "light": LightCNN}


def build_model(kind: str, n_features: int, seed: int, **arch: int) -> nn.Module:
    """A fresh model of ``kind`` with weights drawn from ``seed``."""
    if kind not in DEEP_MODELS:
        raise CheckpointError(f"unknown deep model {kind!r}; choose one of {', '.join(DEEP_MODELS)}")
    torch.manual_seed(seed)
    return DEEP_MODELS[kind](n_features, **arch)


def weights_hash(model: nn.Module) -> str:
    """sha256 of every parameter and buffer, in state-dict order (equal weights, equal hash)."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


@contextmanager
def _deterministic(enabled: bool) -> Any:
    before = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(enabled)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before)


def _device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _batches(ends: npt.NDArray[np.int64], batch_size: int, seed: int, epoch: int) -> list[npt.NDArray[np.int64]]:
    order = np.random.default_rng([seed, epoch]).permutation(len(ends))
    return [ends[order[i : i + batch_size]] for i in range(0, len(ends), batch_size)]


def _loss_on(
    model: nn.Module, data: LobDataset, ends: npt.NDArray[np.int64], loss: nn.Module, device: torch.device
) -> float:
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(ends), 512):
            part = ends[start : start + 512]
            x = torch.from_numpy(data.windows(part)).to(device)
            y = torch.from_numpy(data.targets(part)).to(device)
            total += float(loss(model(x), y)) * len(part)
            count += len(part)
    return total / max(count, 1)


def train(
    kind: str,
    data: LobDataset,
    run_dir: str | Path,
    *,
    epochs: int = 5,
    batch_size: int = 64,
    lr: float = 1e-3,
    seed: int = 0,
    resume: bool = False,
    max_train: int | None = None,
    progress: bool = True,
    arch: dict[str, int] | None = None,
    meta: dict[str, Any] | None = None,
) -> tuple[nn.Module, list[dict[str, float]]]:
    """Train ``kind`` on ``data``'s training windows (at most ``max_train``, evenly spaced), checkpointing each
    epoch into ``run_dir``; with ``resume`` continue from its ``checkpoint.pt``. Returns the best model (lowest
    validation loss) and the per-epoch history."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    folder = Path(run_dir)
    folder.mkdir(parents=True, exist_ok=True)
    device = _device()
    arch = dict(arch or {})
    layout = data.layout()
    train_ends = data.split.train
    if max_train is not None and len(train_ends) > max_train:
        train_ends = train_ends[np.linspace(0, len(train_ends) - 1, max_train).round().astype(np.int64)]
    counts = np.bincount(data.targets(train_ends), minlength=3).astype(np.float64)
    # inverse class frequency, capped so a rare class cannot dominate the loss
    inverse = np.minimum(counts.sum() / np.maximum(counts, 1.0) / 3.0, 3.0)
    weights = torch.tensor(inverse, dtype=torch.float32, device=device)
    loss = nn.CrossEntropyLoss(weight=weights)
    # Deterministic on CPU (tested); a GPU run is seeded but may differ in the last bits between runs.
    with _deterministic(device.type == "cpu"):
        model = build_model(kind, data.n_features, seed, **arch).to(device)
        optimiser = torch.optim.Adam(model.parameters(), lr=lr)
        history: list[dict[str, float]] = []
        best: dict[str, torch.Tensor] = {k: v.clone() for k, v in model.state_dict().items()}
        best_loss = math.inf
        start_epoch = 0
        checkpoint_path = folder / CHECKPOINT
        if resume and checkpoint_path.exists():
            saved = read_checkpoint(checkpoint_path, kind=kind, layout=layout)
            model.load_state_dict(saved["state"])
            optimiser.load_state_dict(saved["optimizer"])
            history = list(saved["history"])
            best = saved["best_state"]
            best_loss = float(saved["best_loss"])
            start_epoch = int(saved["epoch"])
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[status]}"),
        )
        with Progress(*columns, disable=not progress, transient=False) as bar:
            for epoch in range(start_epoch, epochs):
                batches = _batches(train_ends, batch_size, seed, epoch)
                task = bar.add_task(f"{kind} epoch {epoch + 1}/{epochs}", total=len(batches), status="")
                model.train()
                running = 0.0
                for i, part in enumerate(batches):
                    x = torch.from_numpy(data.windows(part)).to(device)
                    y = torch.from_numpy(data.targets(part)).to(device)
                    optimiser.zero_grad()
                    value = loss(model(x), y)
                    value.backward()
                    optimiser.step()
                    running += float(value.detach())
                    bar.update(task, advance=1, status=f"loss {running / (i + 1):.4f}")
                val_loss = _loss_on(model, data, data.split.val, loss, device)
                history.append({"epoch": epoch + 1, "train_loss": running / max(len(batches), 1), "val_loss": val_loss})
                bar.update(task, status=f"loss {running / max(len(batches), 1):.4f} val {val_loss:.4f}")
                if val_loss < best_loss:
                    best_loss = val_loss
                    best = {k: v.detach().clone() for k, v in model.state_dict().items()}
                torch.save(
                    {
                        "model": kind,
                        "arch": arch,
                        "layout": layout,
                        "epoch": epoch + 1,
                        "state": model.state_dict(),
                        "optimizer": optimiser.state_dict(),
                        "history": history,
                        "best_state": best,
                        "best_loss": best_loss,
                        "seed": seed,
                        "meta": meta or {},
                    },
                    checkpoint_path,
                )
        model.load_state_dict(best)
        model.eval()
    return model.cpu(), history


def read_checkpoint(path: Path, *, kind: str | None = None, layout: dict[str, Any] | None = None) -> dict[str, Any]:
    """A checkpoint's contents, checked against the model ``kind`` and feature ``layout`` expected."""
    try:
        saved: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several kinds for a file that is not a checkpoint
        raise CheckpointError(f"{path}: not a hft-lob-dl checkpoint ({type(error).__name__})") from None
    if not isinstance(saved, dict) or "model" not in saved or "layout" not in saved:
        raise CheckpointError(f"{path}: not a hft-lob-dl checkpoint (no model or layout recorded)")
    check_layout(str(path), saved["model"], saved["layout"], kind, layout)
    return saved


class TorchPredictor:
    """A deep model as a `hft_lob_dl.baselines.Predictor`-like object (``inputs = "window"``)."""

    inputs = "window"

    def __init__(self, kind: str, module: Callable[[torch.Tensor], torch.Tensor]) -> None:
        self.kind = kind
        self.module = module

    def predict_proba(self, x: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
        with torch.inference_mode():
            logits = self.module(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)))
            return np.asarray(torch.softmax(logits, dim=1).double().numpy(), np.float64)

    def predict(self, x: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
        return np.asarray(np.argmax(self.predict_proba(x), axis=1), np.int64)

    def save(self, directory: Path) -> None:
        raise NotImplementedError("use export()")


def export(model: nn.Module, directory: Path, window: int, n_features: int) -> Path:
    """``model.pt2``: the model as a `torch.export` program (batch size free), loadable without this package."""
    model = model.cpu().eval()
    example = (torch.zeros(2, window, n_features),)
    batch = torch.export.Dim("batch", min=1, max=1 << 16)
    with warnings.catch_warnings():
        # the LSTM's flattened weight list is rebuilt during tracing; the program holds the same parameters
        warnings.filterwarnings("ignore", message="The tensor attributes .* were assigned during export")
        program = torch.export.export(model, example, dynamic_shapes=({0: batch},))
    path = directory / "model.pt2"
    buffer = io.BytesIO()
    torch.export.save(program, buffer)
    path.write_bytes(buffer.getvalue())
    return path


def load_exported(path: Path, kind: str) -> TorchPredictor:
    """The predictor of an exported ``model.pt2``."""
    try:
        program = torch.export.load(str(path))
    except Exception as error:  # a file that is not an exported program
        raise CheckpointError(f"{path}: not an exported model ({type(error).__name__}: {error})") from None
    return TorchPredictor(kind, program.module())
