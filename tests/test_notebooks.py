"""The example notebooks (examples/notebooks/*.py, jupytext sources) execute top to bottom with nbclient.

Each notebook ends with assertions on its own results, so a notebook that runs but computes something else
fails here. They run in examples/notebooks as their working directory, on the python3 kernel of this
environment; the Hawkes and lead–lag notebooks read real Binance captures from the shared data and are skipped
without them; the WebSocket client starts `hft serve` and is skipped without hft-core's `serve` extra.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "examples" / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("*.py"))
NEEDS_SHARED_DATA = {
    "hawkes_binance.py": "binance-2024-08-08/spot_btcusdt_20240808.gz",
    "leadlag_binance.py": "binance-2024-08-08/usdm_btcusdt_20240808.gz",
}
NEEDS_MODULES = {"ws_orderbook_client.py": ("fastapi", "uvicorn", "websockets", "httpx")}


def _shared_data(name: str) -> bool:
    places = [Path(os.environ["HFT_SHARED_DATA"])] if os.environ.get("HFT_SHARED_DATA") else []
    places += [parent / "shared" / "data" for parent in NOTEBOOKS.parents]
    return any((place / name).is_file() for place in places)


def test_every_notebook_is_listed() -> None:
    assert {p.name for p in SOURCES} == {
        "hawkes_binance.py",
        "index_arbitrage.py",
        "leadlag_binance.py",
        "market_making_imbalance.py",
        "news_event_study.py",
        "pca_hedging.py",
        "signature_stopping.py",
        "statarb_pairs.py",
        "triangular_arbitrage.py",
        "ws_orderbook_client.py",
    }


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_executes_and_its_assertions_hold(source: Path) -> None:
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    needed = NEEDS_SHARED_DATA.get(source.name)
    if needed is not None and not _shared_data(needed):
        pytest.skip(f"shared data {needed} is not beside this checkout")
    for module in NEEDS_MODULES.get(source.name, ()):
        pytest.importorskip(module, reason=f"{source.name} needs {module} (pip install 'hft-core[serve]')")
    notebook = jupytext.read(source)
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()  # raises CellExecutionError with the failing cell and its traceback
    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]
    assert not [out for out in outputs if out.get("output_type") == "error"]
