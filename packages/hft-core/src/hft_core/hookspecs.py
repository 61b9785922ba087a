"""The hooks a plugin may implement, marked with `hookimpl`.

A plugin is a module named by an entry point in the ``hft`` group; the entry point's name is the plugin's name.
The plugin manager calls each hook on every loaded plugin and collects the results.

Example::

    from hft_core import Pattern, hookimpl

    @hookimpl
    def hft_register_patterns() -> list[Pattern]:
        return [Pattern(name="my-idea", summary="...", config="my_pkg.config:MyConfig", strategy="my_pkg.strategy:My")]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from hft_core.patterns import Pattern
    from hft_core.scenarios import Scenario

__all__ = ["PROJECT_NAME", "HookSpecs", "hookimpl", "hookspec"]

PROJECT_NAME = "hft"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


class HookSpecs:
    """Every hook hft-core calls, with its contract."""

    @hookspec
    def hft_register_patterns(self) -> list[Pattern]:  # type: ignore[empty-body]
        """Return the patterns this plugin provides.

        Called once when plugins load. Pattern names must be unique across all installed plugins; a clash makes
        the later plugin broken (with the reason) rather than silently shadowing the first.
        """

    @hookspec
    def hft_register_scenarios(self) -> list[Scenario]:  # type: ignore[empty-body]
        """Return named simulated-market scenarios this plugin provides (optional hook).

        A pattern's ``default_scenario`` may name one. hft-core's built-in markets come through this hook too
        (`hft_core.builtin`, loaded first); a name already taken makes the later plugin broken.
        """
