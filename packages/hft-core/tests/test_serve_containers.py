"""docker/Dockerfile and docker/compose.yaml (#23): no Docker engine runs here, so this checks that what they run is
the CLI the other tests exercise. The ``hft serve`` commands parse with the ``hft`` app's own parser; the
compose file's exchange command is then run as it stands (bound to 127.0.0.1 on a free port instead of 0.0.0.0)
and answers with the key it gives; the ports, paths and the lab's venue URL agree with each other.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("yaml")
import httpx
import typer
from hft_core.cli.app import app
from hft_core.serve.auth import signed_query
from hft_core.serve.cli import parse_keys
from hft_core.serve.exchanges import load_exchanges
from hft_core.serve.server import free_port
from hft_core.venues.live.venue import parse_live_url

ROOT = Path(__file__).resolve().parents[3]
DOCKER = ROOT / "docker"
pytestmark = pytest.mark.skipif(not (DOCKER / "Dockerfile").is_file(), reason="not in the repository")


def stages() -> dict[str, dict[str, Any]]:
    """Each stage of the Dockerfile: its CMD (argv), EXPOSEd ports and COPY sources."""
    found: dict[str, dict[str, Any]] = {}
    stage: dict[str, Any] = {}
    for line in (DOCKER / "Dockerfile").read_text().splitlines():
        if match := re.match(r"FROM \S+ AS (\w+)", line):
            stage = found.setdefault(match.group(1), {"cmd": None, "expose": [], "copy": []})
        elif line.startswith("CMD "):
            stage["cmd"] = json.loads(line[4:])
        elif line.startswith("EXPOSE "):
            stage["expose"] += [int(p) for p in line.split()[1:]]
        elif line.startswith("COPY "):
            stage["copy"] += line.split()[1:-1]
    return found


def compose() -> dict[str, Any]:
    """compose.yaml with ``${VAR:-default}`` as its default (what compose does without the variable)."""
    text = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", (DOCKER / "compose.yaml").read_text())
    yaml: Any = importlib.import_module("yaml")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def parse_hft(argv: list[str]) -> Any:
    """``argv`` (``hft ...``) parsed by the hft app's click command: unknown options or bad values raise; the
    ``serve`` command's context (its ``params``)."""
    assert argv[0] == "hft"
    assert argv[1] == "serve"
    group: Any = typer.main.get_command(app)
    ctx = group.make_context("hft", [], resilient_parsing=True)
    command = group.get_command(ctx, "serve")
    return command.make_context("serve", list(argv[2:]), parent=ctx)


def test_the_dockerfile_runs_hft_serve_and_a_lab_on_the_documented_ports() -> None:
    found = stages()
    assert set(found) == {"serve", "lab"}
    serve = parse_hft(found["serve"]["cmd"])
    assert serve.params["host"] == "0.0.0.0" and found["serve"]["expose"] == [serve.params["port"]] == [8000]
    lab = found["lab"]["cmd"]
    assert lab[:2] == ["jupyter", "lab"] and "--port=8888" in lab and found["lab"]["expose"] == [8888]
    for source in found["serve"]["copy"] + found["lab"]["copy"]:
        assert (ROOT / source).exists(), source
    notebook_dir = next(a.split("=", 1)[1] for a in lab if a.startswith("--notebook-dir="))
    assert (ROOT / Path(notebook_dir).relative_to("/src")).is_dir()


def test_compose_wires_the_exchange_and_the_lab() -> None:
    services = compose()["services"]
    exchange, lab = services["exchange"], services["lab"]
    serve = parse_hft(exchange["command"])
    assert exchange["ports"] == [f"127.0.0.1:8000:{serve.params['port']}"] and lab["ports"] == ["127.0.0.1:8888:8888"]
    assert exchange["build"]["target"] == "serve" and lab["build"]["target"] == "lab"
    assert (DOCKER / exchange["build"]["context"] / exchange["build"]["dockerfile"]).resolve() == DOCKER / "Dockerfile"
    keys = parse_keys(serve.params["keys"])
    env = lab["environment"]
    assert keys == {env["HFT_API_KEY"]: env["HFT_API_SECRET"]}
    ws_base, _, exchange_name, symbols = parse_live_url(env["HFT_VENUE"])
    assert ws_base == f"ws://exchange:{serve.params['port']}"
    shipped = load_exchanges()
    assert all(shipped[exchange_name].symbol(s) is not None for s in symbols)


@pytest.mark.slow
def test_the_compose_exchange_command_serves(tmp_path: Path) -> None:
    """The compose file's command itself, run (on 127.0.0.1 and a free port: tests never bind 0.0.0.0)."""
    argv = list(compose()["services"]["exchange"]["command"])
    port = free_port()
    argv[argv.index("--host") + 1] = "127.0.0.1"
    argv[argv.index("--port") + 1] = str(port)
    key, secret = argv[argv.index("--key") + 1].split(":", 1)
    command = [sys.executable, "-c", "from hft_core.cli import main; main()", *argv[1:]]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30.0
        while True:
            try:
                health = httpx.get(f"{base}/health", timeout=1.0)
                break
            except httpx.HTTPError:
                assert process.poll() is None and time.monotonic() < deadline, "hft serve did not start"
                time.sleep(0.1)
        assert health.json()["exchanges"] == sorted(load_exchanges())
        query = signed_query(secret, {"symbol": "BTCUSDT"})
        answer = httpx.get(f"{base}/binance/api/v3/openOrders?{query}", headers={"X-MBX-APIKEY": key}, timeout=5.0)
        assert answer.status_code == 200 and answer.json() == []
    finally:
        process.send_signal(signal.SIGINT if os.name != "nt" else signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
