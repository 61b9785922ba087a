"""hft-lob-dl from wheels: hft-core's and hft-lob-dl's wheels alone in a fresh venv, with torch's CPU build installed
by pip (the README's command: pip reads this machine's configuration, which finds the local CPU wheel; uv would
resolve torch from the index and fetch the multi-GB CUDA build), then ``hft run lob-dl --quiet --json`` builds its
default model from simulated data and trades."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Venv, uv_binary

pytestmark = [pytest.mark.venv, pytest.mark.slow]

TORCH = "torch==2.13.0"


def test_wheels_alone_with_cpu_torch_run_the_pattern(tmp_path: Path, wheels: Callable[[str], Path]) -> None:
    path = tmp_path / "venv"
    # --seed puts pip into the venv, so torch comes from pip (and its configuration), never from uv
    subprocess.run([uv_binary(), "venv", "--seed", "--quiet", "--python", sys.executable, str(path)], check=True)
    venv = Venv(path)
    subprocess.run(
        [str(venv.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", TORCH],
        check=True,
        timeout=900,
    )
    version = venv.run_python("import torch; print(torch.__version__, torch.version.cuda)")
    assert version.returncode == 0, version.stderr
    assert version.stdout.split() == ["2.13.0+cpu", "None"]  # the CPU build
    venv.install(wheels("hft-core"), wheels("hft-lob-dl"))
    again = venv.run_python("import torch; print(torch.__version__)")
    assert again.stdout.strip() == "2.13.0+cpu"  # installing the wheels kept it (torch is only the [deep] extra)
    listed = venv.run_python(
        "import importlib.metadata as m; print(sorted(d.metadata['Name'] for d in m.distributions() "
        "if d.metadata['Name'].startswith('hft-')))"
    )
    assert listed.stdout.strip() == "['hft-core', 'hft-lob-dl']"

    cache = tmp_path / "cache"
    # Not venv.run_hft: building the default model on a busy 2-core machine can take longer than its 300 s limit.
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HFT_")}
    run = subprocess.run(
        [str(venv.hft), "run", "lob-dl", "--quiet", "--json"],
        capture_output=True,
        text=True,
        env=clean | {"HFT_LOB_DL_CACHE": str(cache)},
        timeout=900,
    )
    assert run.returncode == 0, run.stderr
    assert "building the default light model" in run.stderr
    stats = json.loads(run.stdout)
    assert stats["orders"] > 0
    assert len(list(cache.glob("0.*-light-*/model.pt2"))) == 1

    helped = venv.run_hft("lob-dl", "--help")
    assert helped.returncode == 0 and "train" in helped.stdout and "eval" in helped.stdout
