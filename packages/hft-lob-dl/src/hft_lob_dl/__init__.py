"""hft-lob-dl: order-book deep learning for short-horizon mid-price prediction, with honest baselines.

Snapshots from any events file (`snapshots_from_events`, `file_snapshots`, `simulated_snapshots`), windowed and
labelled datasets with leak-free splits (`build_dataset`), an FI-2010 reader (`read_fi2010`), baselines and deep
models behind one door (`fit_model`, `evaluate_model`, `save_model`, `load_model`), and the ``lob-dl`` strategy
(`LobDlStrategy`). The names load on first access (PEP 562), so importing the package costs neither numpy nor
torch; torch is needed only by the deep models (the ``[deep]`` extra).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hft_core import lazy_attributes

from hft_lob_dl.__about__ import __version__

if TYPE_CHECKING:
    from hft_lob_dl.book import Snapshots, snapshots_from_events, synthetic_snapshots
    from hft_lob_dl.config import LobDlConfig
    from hft_lob_dl.dataset import HORIZONS, LobDataset, build_dataset, leaking_samples, time_split
    from hft_lob_dl.errors import CheckpointError, LobDataError
    from hft_lob_dl.fi2010 import read_fi2010
    from hft_lob_dl.models import evaluate_model, fit_model, load_model, save_model
    from hft_lob_dl.sources import file_snapshots, simulated_snapshots
    from hft_lob_dl.strategy import LobDlStrategy

__all__ = [
    "HORIZONS",
    "CheckpointError",
    "LobDataError",
    "LobDataset",
    "LobDlConfig",
    "LobDlStrategy",
    "Snapshots",
    "__version__",
    "build_dataset",
    "evaluate_model",
    "file_snapshots",
    "fit_model",
    "leaking_samples",
    "load_model",
    "read_fi2010",
    "save_model",
    "simulated_snapshots",
    "snapshots_from_events",
    "synthetic_snapshots",
    "time_split",
]

_LAZY = {
    "Snapshots": "hft_lob_dl.book",
    "snapshots_from_events": "hft_lob_dl.book",
    "synthetic_snapshots": "hft_lob_dl.book",
    "LobDlConfig": "hft_lob_dl.config",
    "HORIZONS": "hft_lob_dl.dataset",
    "LobDataset": "hft_lob_dl.dataset",
    "build_dataset": "hft_lob_dl.dataset",
    "leaking_samples": "hft_lob_dl.dataset",
    "time_split": "hft_lob_dl.dataset",
    "CheckpointError": "hft_lob_dl.errors",
    "LobDataError": "hft_lob_dl.errors",
    "read_fi2010": "hft_lob_dl.fi2010",
    "evaluate_model": "hft_lob_dl.models",
    "fit_model": "hft_lob_dl.models",
    "load_model": "hft_lob_dl.models",
    "save_model": "hft_lob_dl.models",
    "file_snapshots": "hft_lob_dl.sources",
    "simulated_snapshots": "hft_lob_dl.sources",
    "LobDlStrategy": "hft_lob_dl.strategy",
}

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
