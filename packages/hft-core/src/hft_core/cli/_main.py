"""The console-script entry point: runs the typer app and turns user errors into one line and an exit code."""

from __future__ import annotations

import os
import sys

from hft_core.errors import HftError

__all__ = ["main"]

DEBUG_ENV = "HFT_DEBUG"


def main(argv: list[str] | None = None) -> None:
    """Run ``hft``; an `HftError` prints ``error: ...`` to stderr and exits non-zero (``HFT_DEBUG=1`` re-raises)."""
    import typer

    from hft_core.cli._plugin_commands import mount_plugin_commands
    from hft_core.cli.app import app

    debug = os.environ.get(DEBUG_ENV, "").strip() == "1"
    try:
        command = typer.main.get_command(app)
        mount_plugin_commands(command, sys.argv[1:] if argv is None else argv)
        command.main(args=argv, prog_name="hft")
    except HftError as exc:
        if debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        if debug:
            raise
        print("interrupted", file=sys.stderr)
        sys.exit(130)
