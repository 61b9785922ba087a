"""User-facing error types.

Every error a user can cause (bad data row, bad config, bad CLI argument, bad order) is an `HftError`; the CLI
prints its message to stderr and exits non-zero without a traceback (``HFT_DEBUG=1`` shows one). Anything else
escaping is a bug in hft-patterns.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DataError",
    "HftError",
    "OffGridError",
    "PluginError",
    "RunStoppedError",
    "UnknownPatternError",
]


class HftError(Exception):
    """Base class of errors caused by input, shown to users as one clear message."""

    exit_code: int = 1


class ConfigError(HftError):
    """A configuration key, value or file is invalid."""

    exit_code = 2


class RunStoppedError(HftError):
    """A run interrupted by Ctrl-C or a signal; its run directory holds what was recorded, marked partial."""

    def __init__(self, message: str, signal_number: int) -> None:
        super().__init__(message)
        self.exit_code = 128 + signal_number


class PluginError(HftError):
    """A plugin failed to load (only raised when loading is strict) or broke the plugin contract."""


class UnknownPatternError(HftError):
    """No installed (or unlocked) plugin provides the requested pattern."""

    exit_code = 2


class OffGridError(HftError, ValueError):
    """A float price or size does not sit on the instrument's tick or lot grid."""


class DataError(HftError, ValueError):
    """A market-data input is malformed; names the file, line and field where known."""

    def __init__(
        self,
        reason: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = reason
        self.path = path
        self.line = line
        self.field = field
        where = ":".join(str(p) for p in (path, line) if p is not None)
        prefix = f"{where}: " if where else ""
        field_part = f"field {field!r}: " if field else ""
        super().__init__(f"{prefix}{field_part}{reason}")
