"""The educational gate: plugins that declare they need the flag are neither imported nor run without it.

The flag lives in this process only: ``hft --educational ...`` sets it for one command, ``HFT_EDUCATIONAL=1``
for one environment. Nothing persists it, so every new process must ask again. Gated modules call
`require_educational` at import, so importing them directly fails too.
"""

from __future__ import annotations

import os

from hft_core.errors import HftError

__all__ = [
    "EDUCATIONAL_ENV",
    "GateError",
    "educational_enabled",
    "require_educational",
    "set_educational",
    "unlock_hint",
]

EDUCATIONAL_ENV = "HFT_EDUCATIONAL"

_educational_flag = False


class GateError(HftError, ImportError):
    """A gated module or pattern was used without the educational flag."""


def set_educational(enabled: bool) -> None:
    """Turn the flag on (or off) for the rest of this process; the CLI's ``--educational`` calls this."""
    global _educational_flag
    _educational_flag = enabled


def educational_enabled() -> bool:
    """Whether the educational flag was given to this process (``--educational`` or ``HFT_EDUCATIONAL=1``)."""
    return _educational_flag or os.environ.get(EDUCATIONAL_ENV, "").strip() == "1"


def unlock_hint(what: str) -> str:
    """How to unlock ``what``, for messages."""
    return (
        f"{what} is locked: it is educational and simulator-only. Unlock it for one command with "
        f"'hft --educational ...' or for one environment with {EDUCATIONAL_ENV}=1."
    )


def require_educational(what: str) -> None:
    """Raise `GateError` unless the educational flag is on; gated modules call this at import."""
    if not educational_enabled():
        raise GateError(unlock_hint(what))
