"""Commands contributed by installed packages: ``hft NAME ...`` for each entry point in the ``hft.commands`` group.

A distribution declares ``[project.entry-points."hft.commands"] lob-dl = "hft_lob_dl.cli:app"`` where ``app`` is a
`typer.Typer`. The names are read from installed metadata only, so ``hft --help`` lists them without importing any
plugin code; only the entry point named on the command line is imported, and its app is mounted as a sub-command
of ``hft``, so its own options and ``--help`` work as in any typer app.

Rules, the same as for patterns: a name taken by one of hft-core's own commands, or by an earlier distribution,
is not mounted and the conflict is reported on stderr (no silent shadowing); a distribution whose ``hft`` plugin
is disabled by ``HFT_DISABLE_PLUGINS`` contributes no command; a command whose import fails, or whose object is
not a `typer.Typer`, is a one-line error, exit 2 (``HFT_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from hft_core.errors import PluginError

__all__ = ["COMMANDS_GROUP", "PluginCommandError", "mount_plugin_commands"]

COMMANDS_GROUP = "hft.commands"


class PluginCommandError(PluginError):
    """A contributed command could not be loaded (import failed, or the object is not a typer app)."""

    exit_code = 2


def _distribution(ep: EntryPoint) -> tuple[str, str]:
    dist = ep.dist
    if dist is None:
        return "?", "?"
    return dist.metadata["Name"] or "?", dist.version


def _disabled_distributions() -> frozenset[str]:
    """Distributions whose ``hft`` plugin is named in ``HFT_DISABLE_PLUGINS``."""
    from hft_core.plugins import DISABLE_ENV, ENTRY_POINT_GROUP

    names = {n.strip() for n in os.environ.get(DISABLE_ENV, "").split(",") if n.strip()}
    if not names:
        return frozenset()
    return frozenset(_distribution(ep)[0] for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name in names)


def _listing(ep: EntryPoint) -> Any:
    """``ep``'s line in ``hft --help``, without importing it: the command named on the line is always the real one
    (`mount_plugin_commands`), so this one only lists."""
    import typer

    package, version = _distribution(ep)
    listing = typer.Typer(add_completion=False)

    @listing.command(name=ep.name, help=f"Commands of {package} {version} (hft {ep.name} --help).")
    def _listed() -> None:  # pragma: no cover - a listed command that runs is mounted for real first
        raise PluginCommandError(f"command '{ep.name}' was not loaded")

    return typer.main.get_command(listing)


def _load(ep: EntryPoint) -> Any:
    import typer

    try:
        obj = ep.load()
    except Exception as exc:
        if os.environ.get("HFT_DEBUG", "").strip() == "1":
            raise
        raise PluginCommandError(
            f"command '{ep.name}' ({ep.value}) failed to import: {type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(obj, typer.Typer):
        raise PluginCommandError(f"command '{ep.name}' ({ep.value}) is a {type(obj).__name__}, not a typer.Typer")
    return typer.main.get_command(obj)


def _invoked_name(argv: Sequence[str]) -> str | None:
    """The command named on the line: the first argument that is not one of hft's own flags (all flags)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def mount_plugin_commands(group: Any, argv: Sequence[str]) -> None:
    """Add every installed ``hft.commands`` entry point to ``group`` (hft's typer group), see the module doc.

    The one named in ``argv`` is imported and mounted for real; the others are only listed.
    """
    disabled = _disabled_distributions()
    owners: dict[str, str] = {}
    invoked = _invoked_name(argv)
    for ep in sorted(entry_points(group=COMMANDS_GROUP), key=lambda e: (e.name, e.value)):
        package = _distribution(ep)[0]
        if package in disabled:
            continue
        if ep.name in group.commands:
            first = owners.get(ep.name, "hft-core")
            print(
                f"warning: {package} declares the command '{ep.name}', already provided by {first}; not mounted",
                file=sys.stderr,
            )
            continue
        group.add_command(_load(ep) if ep.name == invoked else _listing(ep), ep.name)
        owners[ep.name] = package
