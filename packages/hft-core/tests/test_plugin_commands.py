"""Commands contributed through the ``hft.commands`` entry-point group: listed lazily, run with their own options."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator
from importlib.metadata import EntryPoint
from typing import Annotated

import pytest
import typer
from hft_core.cli import _plugin_commands
from hft_core.errors import ConfigError

MODULE = "_hft_test_contributed_commands"

HftCli = Callable[[list[str]], tuple[int, str, str]]
"""The root conftest's ``hft_cli`` fixture: ``hft`` in-process, as (exit code, stdout, stderr)."""


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


def test_listed_in_help_without_importing(
    contributed: list[EntryPoint], monkeypatch: pytest.MonkeyPatch, hft_cli: HftCli
) -> None:
    monkeypatch.delitem(sys.modules, MODULE)  # an import would fail now: listing must not import
    code, out, _ = hft_cli(["--help"])
    assert code == 0
    assert "demo" in out and "hft demo --help" in out


def test_runs_with_its_own_options_and_help(contributed: list[EntryPoint], hft_cli: HftCli) -> None:
    assert hft_cli(["demo", "greet", "--name", "desk", "--loud"])[:2] == (0, "HELLO DESK\n")
    code, out, _ = hft_cli(["demo", "--help"])
    assert code == 0 and "greet" in out and "Usage: hft demo" in out
    code, out, _ = hft_cli(["demo", "greet", "--help"])
    assert code == 0 and "--loud" in out


def test_errors_are_one_line_with_exit_2(contributed: list[EntryPoint], hft_cli: HftCli) -> None:
    code, _, err = hft_cli(["demo", "fail"])
    assert (code, err) == (2, "error: bad knob: too big\n")
    code, _, err = hft_cli(["demo", "greet", "--nope"])
    assert code == 2 and "No such option: --nope" in err and "Traceback" not in err


def test_import_failure_and_wrong_object_are_one_line_errors(
    contributed: list[EntryPoint], monkeypatch: pytest.MonkeyPatch, hft_cli: HftCli
) -> None:
    contributed[:] = [
        EntryPoint("broken", "_hft_no_such_module_anywhere:app", _plugin_commands.COMMANDS_GROUP),
        EntryPoint("wrong", f"{MODULE}:not_an_app", _plugin_commands.COMMANDS_GROUP),
    ]
    code, _, err = hft_cli(["broken", "x"])
    assert code == 2 and err.startswith("error: command 'broken' (_hft_no_such_module_anywhere:app) failed to import")
    code, _, err = hft_cli(["wrong"])
    assert (code, err) == (
        2,
        f"error: command 'wrong' ({MODULE}:not_an_app) is a int, not a typer.Typer\n",
    )


def test_a_builtin_name_is_not_shadowed(contributed: list[EntryPoint], hft_cli: HftCli) -> None:
    contributed.append(EntryPoint("run", f"{MODULE}:app", _plugin_commands.COMMANDS_GROUP))
    code, out, err = hft_cli(["--help"])
    assert code == 0
    assert "declares the command 'run', already provided by hft-core; not mounted" in err
    assert "demo" in out
