"""hft-gated-manipulative: spoofing, layering, momentum ignition and quote stuffing, for education only.

These patterns demonstrate market manipulation, which is illegal in real markets (CEA §4c(a)(5)(C), CME Rule 575).
They exist so that surveillance (`hft_core.surveillance`) can be studied against known, planted episodes. The
package refuses to import without the educational flag (``hft --educational ...`` or ``HFT_EDUCATIONAL=1``), and
every strategy in it is ``simulator_only``: the engine refuses to run it on anything but the simulated market.
"""

from __future__ import annotations

from hft_core.gate import require_educational

# The gate comes first: nothing below (and no submodule, since importing one imports this package) loads without it.
require_educational("hft-gated-manipulative")

from hft_gated_manipulative.__about__ import __version__  # noqa: E402
from hft_gated_manipulative.episodes import PLANTED_PREFIX, PlantedEpisode, planted_episodes  # noqa: E402
from hft_gated_manipulative.momentum_ignition import IgnitionOutcome, MomentumIgnition  # noqa: E402
from hft_gated_manipulative.quote_stuffing import QuoteStuffing  # noqa: E402
from hft_gated_manipulative.spoofing import Layering, Spoofing, SpoofOutcome  # noqa: E402

__all__ = [
    "PLANTED_PREFIX",
    "IgnitionOutcome",
    "Layering",
    "MomentumIgnition",
    "PlantedEpisode",
    "QuoteStuffing",
    "SpoofOutcome",
    "Spoofing",
    "__version__",
    "planted_episodes",
]
