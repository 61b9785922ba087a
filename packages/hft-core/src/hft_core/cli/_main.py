"""The console-script entry point: runs the typer app and turns user errors into one line and an exit code."""

from __future__ import annotations

import os
import sys

from hft_core.errors import HftError

__all__ = ["main"]

DEBUG_ENV = "HFT_DEBUG"


def main(argv: list[str] | None = None) -> None:
    """Run ``hft``; an `HftError` prints ``error: ...`` to stderr and exits non-zero (``HFT_DEBUG=1`` re-raises)."""
    from hft_core.cli.app import app

    debug = os.environ.get(DEBUG_ENV, "").strip() == "1"
    try:
        app(args=argv, prog_name="hft")
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
