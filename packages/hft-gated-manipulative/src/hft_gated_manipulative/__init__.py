"""hft-gated-manipulative: spoofing, layering, momentum ignition and quote stuffing, for education only.

These patterns demonstrate market manipulation, which is illegal in real markets (CEA §4c(a)(5)(C), CME Rule 575).
They exist so that surveillance (`hft_core.surveillance`) can be studied against known, planted episodes. The
package refuses to import without the educational flag (``hft --educational ...`` or ``HFT_EDUCATIONAL=1``), and
every strategy in it is ``simulator_only``: the engine refuses to run it on anything but the simulated market.

The strategies and their configs are loaded on first use (PEP 562), so the plugin module, which only names them
by import string, loads no strategy code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hft_core import lazy_attributes, require_educational

# The gate comes first: nothing below (and no submodule, since importing one imports this package) loads without it.
require_educational("hft-gated-manipulative")

from hft_gated_manipulative.__about__ import __version__  # noqa: E402

if TYPE_CHECKING:
    from hft_gated_manipulative.config import (
        LayeringConfig,
        MomentumIgnitionConfig,
        QuoteStuffingConfig,
        SpoofingConfig,
    )
    from hft_gated_manipulative.episodes import PLANTED_PREFIX, PlantedEpisode, planted_episodes
    from hft_gated_manipulative.momentum_ignition import IgnitionOutcome, MomentumIgnition
    from hft_gated_manipulative.quote_stuffing import QuoteStuffing
    from hft_gated_manipulative.spoofing import Layering, Spoofing, SpoofOutcome

__all__ = [
    "PLANTED_PREFIX",
    "IgnitionOutcome",
    "Layering",
    "LayeringConfig",
    "MomentumIgnition",
    "MomentumIgnitionConfig",
    "PlantedEpisode",
    "QuoteStuffing",
    "QuoteStuffingConfig",
    "SpoofOutcome",
    "Spoofing",
    "SpoofingConfig",
    "__version__",
    "planted_episodes",
]

_LAZY = {
    "LayeringConfig": "hft_gated_manipulative.config",
    "MomentumIgnitionConfig": "hft_gated_manipulative.config",
    "QuoteStuffingConfig": "hft_gated_manipulative.config",
    "SpoofingConfig": "hft_gated_manipulative.config",
    "PLANTED_PREFIX": "hft_gated_manipulative.episodes",
    "PlantedEpisode": "hft_gated_manipulative.episodes",
    "planted_episodes": "hft_gated_manipulative.episodes",
    "IgnitionOutcome": "hft_gated_manipulative.momentum_ignition",
    "MomentumIgnition": "hft_gated_manipulative.momentum_ignition",
    "QuoteStuffing": "hft_gated_manipulative.quote_stuffing",
    "Layering": "hft_gated_manipulative.spoofing",
    "SpoofOutcome": "hft_gated_manipulative.spoofing",
    "Spoofing": "hft_gated_manipulative.spoofing",
}


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
