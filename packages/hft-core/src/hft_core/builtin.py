"""hft-core's own plugin: the built-in simulated markets, registered through the same hook as any package's.

The plugin host always loads this module first (as plugin ``hft-core``), so a plugin cannot take a built-in
scenario's name, and nothing treats the built-in markets as a special case.
"""

from __future__ import annotations

from hft_core.hookspecs import hookimpl
from hft_core.scenarios import BUILTIN_SCENARIOS, Scenario

__all__ = ["PLUGIN_NAME", "hft_register_scenarios"]

PLUGIN_NAME = "hft-core"
"""The built-in plugin's name in `hft_core.plugins.PluginHost` records."""


@hookimpl
def hft_register_scenarios() -> list[Scenario]:
    return list(BUILTIN_SCENARIOS)
