"""The ``hft`` command. `main` is the console-script entry point; `app` is the typer application.

Importing this package must stay cheap: no numpy, pandas or plugin code until a command needs it.
"""

from __future__ import annotations

from hft_core.cli._main import main
from hft_core.cli.app import app

__all__ = ["app", "main"]
