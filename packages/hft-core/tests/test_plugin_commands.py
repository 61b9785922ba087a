"""Commands contributed through the ``hft.commands`` entry-point group: listed lazily, run with their own options."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from typing import Annotated

import pytest
import typer
from hft_core.cli import _plugin_commands, main
from hft_core.errors import ConfigError

MODULE = "_hft_test_contributed_commands"


def _contributed_app() -> typer.Typer:
    app = typer.Typer(help="Test commands.", add_completion=False)

    @app.command()
    def greet(name: Annotated[str, typer.Option(help="who")] = "world", loud: bool = False) -> None:
        """Say hello."""
        text = f"hello {name}"
        print(text.upper() if loud else text)

    @app.command()
    def fail() -> None:
        """Raise a user error."""
        raise ConfigError("bad knob: too big")

    return app


@pytest.fixture
def contributed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[EntryPoint]]:
    module = types.ModuleType(MODULE)
    module.app = _contributed_app()  # type: ignore[attr-defined]
    module.not_an_app = 42  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, MODULE, module)
    eps = [EntryPoint("demo", f"{MODULE}:app", _plugin_commands.COMMANDS_GROUP)]
    monkeypatch.setattr(_plugin_commands, "entry_points", lambda group: eps if group == "hft.commands" else [])
    yield eps


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_listed_in_help_without_importing(
    contributed: list[EntryPoint], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delitem(sys.modules, MODULE)  # an import would fail now: listing must not import
    code, out, _ = _run(["--help"], capsys)
    assert code == 0
    assert "demo" in out and "hft demo --help" in out


def test_runs_with_its_own_options_and_help(contributed: list[EntryPoint], capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["demo", "greet", "--name", "desk", "--loud"], capsys)[:2] == (0, "HELLO DESK\n")
    code, out, _ = _run(["demo", "--help"], capsys)
    assert code == 0 and "greet" in out and "Usage: hft demo" in out
    code, out, _ = _run(["demo", "greet", "--help"], capsys)
    assert code == 0 and "--loud" in out


def test_errors_are_one_line_with_exit_2(contributed: list[EntryPoint], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["demo", "fail"], capsys)
    assert (code, err) == (2, "error: bad knob: too big\n")
    code, _, err = _run(["demo", "greet", "--nope"], capsys)
    assert code == 2 and "No such option: --nope" in err and "Traceback" not in err


def test_import_failure_and_wrong_object_are_one_line_errors(
    contributed: list[EntryPoint], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    contributed[:] = [
        EntryPoint("broken", "_hft_no_such_module_anywhere:app", _plugin_commands.COMMANDS_GROUP),
        EntryPoint("wrong", f"{MODULE}:not_an_app", _plugin_commands.COMMANDS_GROUP),
    ]
    code, _, err = _run(["broken", "x"], capsys)
    assert code == 2 and err.startswith("error: command 'broken' (_hft_no_such_module_anywhere:app) failed to import")
    code, _, err = _run(["wrong"], capsys)
    assert (code, err) == (
        2,
        f"error: command 'wrong' ({MODULE}:not_an_app) is a int, not a typer.Typer\n",
    )


def test_a_builtin_name_is_not_shadowed(contributed: list[EntryPoint], capsys: pytest.CaptureFixture[str]) -> None:
    contributed.append(EntryPoint("run", f"{MODULE}:app", _plugin_commands.COMMANDS_GROUP))
    code, out, err = _run(["--help"], capsys)
    assert code == 0
    assert "declares the command 'run', already provided by hft-core; not mounted" in err
    assert "demo" in out
