"""Registers hft-latency-arb's patterns and its ``latency-race`` market with hft (entry-point group ``hft``).

Everything here is a declaration (import strings), so listing the patterns costs no numpy.
"""

from __future__ import annotations

from hft_core import Pattern, Scenario, hookimpl

__all__ = ["LATENCY_ARB", "LATENCY_ARB_MAKER", "LATENCY_RACE", "hft_register_patterns", "hft_register_scenarios"]

AQUILINA_BUDISH_ONEILL_2022 = (
    "Aquilina, Budish & O'Neill (2022), Quantifying the high-frequency trading 'arms race', "
    "Quarterly Journal of Economics 137(1), 493–564"
)
BUDISH_CRAMTON_SHIM_2015 = (
    "Budish, Cramton & Shim (2015), The high-frequency trading arms race: frequent batch auctions as a market "
    "design response, Quarterly Journal of Economics 130(4), 1547–1621"
)
HAYASHI_YOSHIDA_2005 = (
    "Hayashi & Yoshida (2005), On covariance estimation of non-synchronously observed diffusion processes, "
    "Bernoulli 11(2), 359–379"
)
HOFFMANN_ROSENBAUM_YOSHIDA_2013 = (
    "Hoffmann, Rosenbaum & Yoshida (2013), Estimation of the lead-lag parameter from non-synchronous data, "
    "Bernoulli 19(2), 426–461"
)

LATENCY_RACE = Scenario(
    "latency-race",
    "hft-core's two-venue market (lead 'fast' index 0, lagging 'slow' index 1) with a lagging maker who requotes "
    "after its latency and snipers racing it for its stale quotes, every latency a seeded distribution",
    config="hft_latency_arb.config:LatencyRaceConfig",
    builder="hft_latency_arb.scenarios:build_latency_race",
    # Tuned into the race regime of Aquilina, Budish & O'Neill (2022) (docs/latency-arb.md, "Races"): a tick of
    # 5 bp (price 20, tick 0.01), a quiet background (few noise takers) and a fair value moving a few ticks a minute.
    defaults={
        "entry_latency_ns": 10_000,
        "response_latency_ns": 10_000,
        "feed_latency_ns": 10_000,
        "price": 20.0,
        "volatility": 0.00015,
        "noise_rate": 0.05,
    },
)

LATENCY_ARB = Pattern(
    name="latency-arb",
    summary="Stale-quote sniping: IOC at lagging-venue quotes the lead's mid has left behind by fees + threshold.",
    description=(
        "Watches the lead venue (instrument lead) and the lagging one (instrument lag). Whenever either top of book "
        "changes, it compares the lagging venue's touch with the lead's mid: an ask at least taker fee (plus the "
        "hedge's taker fee when hedge is on) + threshold below the lead mid is bought with an IOC at that ask, "
        "for up to size and no more than the level shows (symmetrically for bids), within max_position. With "
        "hedge, each fill is offset by an IOC on the lead at its touch; without, the position is flattened on "
        "the lagging venue once its touch is within unwind_edge of the lead mid. Its latency to the lagging venue "
        "(scenario.slow_*_latency_ns) decides how many races it wins: docs/latency-arb.md has the sweep."
    ),
    config="hft_latency_arb.config:LatencyArbConfig",
    strategy="hft_latency_arb.strategies:LatencyArb",
    default_scenario="latency-race",
    scenario_params={
        "slow_entry_latency_ns": 20_000,
        "slow_response_latency_ns": 20_000,
        "slow_feed_latency_ns": 20_000,
    },
    references=(AQUILINA_BUDISH_ONEILL_2022, BUDISH_CRAMTON_SHIM_2015),
)

LATENCY_ARB_MAKER = Pattern(
    name="latency-arb-maker",
    summary="The maker's side of the race: quotes the lagging venue around the lead's mid, requotes on lead moves.",
    description=(
        "Quotes one bid and one ask on the lagging venue at the lead's mid ± half_spread (skewed against its "
        "inventory), and cancels and replaces them whenever the lead's mid moves. Between the lead's move and its "
        "replacement reaching the venue (its feed latency from the lead plus its entry latency to the lagging "
        "venue) its quotes are stale, and the market's snipers take them: the PnL as a function of its latency "
        "is what latency costs a maker (docs/latency-arb.md)."
    ),
    config="hft_latency_arb.config:LatencyArbMakerConfig",
    strategy="hft_latency_arb.strategies:LatencyArbMaker",
    default_scenario="latency-race",
    # The background maker quotes behind this one (1.5 ticks from the lead's mid), so the snipers race for this
    # maker's quotes; a busier lead (more stale moments a minute) makes the cost visible in a short run.
    scenario_params={"race_maker_size": 5, "race_maker_half_spread_ticks": 1.5, "volatility": 0.0006},
    references=(AQUILINA_BUDISH_ONEILL_2022, BUDISH_CRAMTON_SHIM_2015),
)


@hookimpl
def hft_register_patterns() -> list[Pattern]:
    return [LATENCY_ARB, LATENCY_ARB_MAKER]


@hookimpl
def hft_register_scenarios() -> list[Scenario]:
    return [LATENCY_RACE]
