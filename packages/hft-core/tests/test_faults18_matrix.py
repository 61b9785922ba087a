"""The fault matrix of issue #18: SIGINT, SIGTERM and SIGKILL at seeded random points of real ``hft run``
processes, and two writers given the same ``--out``, all at once; every run directory is then complete, or marked
partial and readable, or reported unfinished by ``hft report``.

The points are drawn from a seed (``HFT_FAULT_SEED`` to replay one; it is printed with every failure): each signal
goes at a random time counted from the moment the directory says ``running`` (two times in three: inside the
engine, in the final writes or after the exit) or from the process's start (the interpreter's start-up, the run
directory's creation, the run). The five processes run concurrently and the whole matrix is bounded in time (`LIMIT_S`).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hft_core.cli._main import main
from hft_core.errors import HftError
from hft_core.report import load_run
from hft_core.rundir import LOCK_NAME

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]

LIMIT_S = 180.0
"""The whole matrix's time limit, a guard against a hang, not a speed check (processes still alive then are killed
and the test fails): five runs share two cores with the other tests, 25-50 s on a loaded machine."""
EXIT_CODES: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}


@dataclass
class Case:
    label: str
    out: Path
    process: subprocess.Popen[str]
    number: int | None = None
    delay_s: float = 0.0
    after_running: bool = False
    started: float = field(default_factory=time.monotonic)
    running_at: float | None = None
    sent: bool = False


def _start(out: Path, *more: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HFT_")}
    return subprocess.Popen(
        [sys.executable, "-m", "hft_core", "run", "passive-mm", "--duration", "10", "-q", "--out", str(out), *more],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _status(out: Path) -> str | None:
    try:
        return str(json.loads((out / "run.json").read_text())["status"])
    except (OSError, ValueError, KeyError):
        return None


def outcome(out: Path, label: str) -> str:
    """What ``hft report`` makes of ``out``: complete, partial (readable), unfinished (said so), or not started.

    Anything else (a traceback, a file read half-written, a message about something other than an unfinished run)
    fails."""
    if not out.exists() or not any(out.iterdir()):
        return "not started"
    try:
        record = load_run(out)
    except HftError as exc:
        message = str(exc)
        assert "this run did not finish" in message or "stopped before it recorded anything" in message, (
            label,
            message,
        )
        return "unfinished" if "did not finish" in message else "partial, nothing recorded"
    status = record.meta["status"]
    assert status in ("complete", "partial"), (label, record.meta)
    assert record.summary.get("partial", False) is (status == "partial"), label
    assert len(record.equity) > 0, label
    assert not (out / LOCK_NAME).exists() or status == "complete", label  # (killed after its end mark: complete)
    return str(status)


def _report_exit(out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        main(["report", str(out)])
    except SystemExit as exited:
        return (exited.code if isinstance(exited.code, int) else 1), capsys.readouterr().err
    return 0, capsys.readouterr().err


def test_signals_and_two_writers_leave_every_run_directory_readable_or_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = int(os.environ.get("HFT_FAULT_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    cases: list[Case] = []
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        after_running = rng.random() < 2 / 3
        name = signal.Signals(number).name
        out = tmp_path / name
        delay = rng.uniform(0.0, 4.0) if after_running else rng.uniform(0.0, 8.0)
        label = f"{name} {delay:.2f}s after {'running' if after_running else 'start'} (seed {seed})"
        cases.append(Case(label, out, _start(out), number, delay, after_running))
    shared = tmp_path / "two-writers"
    writers = [Case(f"writer {k} (seed {seed})", shared, _start(shared, "--seed", str(k + 1))) for k in range(2)]
    deadline = time.monotonic() + LIMIT_S
    try:
        while any(c.process.poll() is None for c in cases + writers):
            assert time.monotonic() < deadline, f"the matrix ran past {LIMIT_S} s (seed {seed})"
            now = time.monotonic()
            for case in cases:
                if case.sent or case.number is None or case.process.poll() is not None:
                    continue
                if case.after_running and case.running_at is None:
                    if _status(case.out) == "running":
                        case.running_at = now
                    continue
                since = case.running_at if case.after_running else case.started
                assert since is not None
                if now - since >= case.delay_s:
                    case.process.send_signal(case.number)
                    case.sent = True
            time.sleep(0.01)
    finally:
        for case in cases + writers:
            if case.process.poll() is None:
                case.process.kill()
    seen: dict[str, str] = {}
    for case in cases:
        err = case.process.communicate()[1]
        found = outcome(case.out, case.label)
        seen[case.label] = found
        code = case.process.returncode
        if case.after_running and case.number in EXIT_CODES and case.sent:
            # stopped inside the run by a handled signal: marked partial with the reason, the handled exit code
            assert found in ("partial", "complete"), (case.label, found, err)
            if found == "partial":
                assert code == EXIT_CODES[case.number] and "Traceback" not in err, (case.label, code, err)
                reason = json.loads((case.out / "run.json").read_text())["reason"]
                assert reason.startswith("interrupted"), (case.label, reason)
        if found in ("unfinished",):
            monkeypatch.delenv("HFT_DEBUG", raising=False)
            exit_code, said = _report_exit(case.out, capsys)
            assert exit_code != 0 and "this run did not finish" in said and "Traceback" not in said, case.label
        if case.number in EXIT_CODES:  # a handled signal never leaves a run marked running
            assert found != "unfinished", (case.label, found, err)
        if case.number == signal.SIGKILL:
            assert found in ("complete", "unfinished", "not started"), (case.label, found)
    codes = sorted(w.process.wait() for w in writers)
    errors = [w.process.communicate()[1] for w in writers]
    assert codes == [0, 2], (codes, errors, seed)
    assert any("another hft run is writing there" in e or "directory is not empty" in e for e in errors), errors
    winner = next(k for k, w in enumerate(writers) if w.process.returncode == 0) + 1
    assert outcome(shared, f"two writers (seed {seed})") == "complete"
    assert f"seed = {winner}\n" in (shared / "config.toml").read_text()
    print(f"seed {seed}: {seen}")
