# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Index arbitrage: the no-arbitrage band and how to execute the basket
#
# An index future should trade at the cost-of-carry value of its basket, F* = (S − PV(dividends))·e^((r − q)T).
# It may drift from F* only as far as trading costs allow: the **no-arbitrage band** around F* is set by the
# basket's and the future's spreads at size, their fees, and financing. When the future leaves the band, sell the
# rich leg and buy the cheap one. The basket leg is many orders, so *how* it is executed matters: all at once
# (sweep), evenly (TWAP), or on an optimal mean–variance schedule (Almgren–Chriss, or the multi-asset LQ/Riccati
# policy). This notebook uses `hft_index_arb.fairvalue`, `hft_index_arb.execution` and the `index-arb` pattern on
# its simulated `index-market` (docs/index-arb.md has the formulas).

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from hft_core import backtest
from hft_index_arb.execution import ACParams, almgren_chriss, simulate_costs, sweep_schedule, twap_schedule
from hft_index_arb.fairvalue import Carry, band, fair_future
from hft_index_arb.records import band_series

# %% [markdown]
# ## The band
#
# An index at 2,000 points, 30 days to expiry, a 5% rate, a 1.5% dividend yield and a dividend of 4 points going
# ex in 10 days. With no costs the band collapses onto the fair value; each cost widens it.

# %%
YEAR_DAYS = 365.0
carry = Carry(rate=0.05, dividend_yield=0.015, expiry=30 / YEAR_DAYS, dividends=((10 / YEAR_DAYS, 4.0),))
spot = 2000.0
fair = fair_future(spot, carry)
free = band(spot, carry, basket_cost=0.0, leg_cost=0.0)
rows = []
for basket_cost, leg_cost, spread, margin in (
    (0.0, 0.0, 0.0, 0.0),
    (0.4, 0.0, 0.0, 0.0),
    (0.4, 0.1, 0.0, 0.0),
    (0.4, 0.1, 0.002, 0.1),
):
    costed = Carry(carry.rate, carry.dividend_yield, carry.expiry, carry.dividends, spread, margin)
    b = band(spot, costed, basket_cost=basket_cost, leg_cost=leg_cost)
    rows.append((basket_cost, leg_cost, spread, margin, b.lower, b.fair, b.upper, b.upper - b.lower))
widths = pd.DataFrame(
    rows, columns=["basket cost", "future cost", "financing spread", "margin", "lower", "fair", "upper", "width"]
)
print(f"F* = {fair:.4f} (spot {spot}, basis {fair - spot:+.4f})")
widths.round(4)

# %% [markdown]
# ## The band on the market
#
# `index-arb` on the simulated index market (20 names, two minutes): every second it records the basket at its
# mids, F*, the future's mid, the basis and the band's edges (`ctx.record`: `result.series`, and `series.parquet`
# in a run directory, which `hft report` plots); its log has an `ARB` line whenever the future leaves the band and
# an `EXEC` line per basket leg with its implementation shortfall.

# %%
SEED = 1
DURATION_S = 120.0
runs = {
    method: backtest("index-arb", config={"execution": method}, seed=SEED, duration_s=DURATION_S)
    for method in ("lqg", "twap", "sweep")
}
series = band_series(runs["lqg"])
fig, ax = plt.subplots(figsize=(9, 3.5))
seconds = (series["ts"] - series["ts"].iloc[0]) / 1e9
ax.plot(seconds, series["price"], lw=1, color="black", label="future mid")
ax.plot(seconds, series["fair"], lw=1, color="C0", label="fair value F*")
ax.fill_between(seconds, series["lower"], series["upper"], color="C0", alpha=0.2, label="no-arbitrage band")
ax.set_xlabel("market time (s)")
ax.legend(loc="upper left", fontsize="small")
trades = [line for line in runs["lqg"].logs if " ARB " in line]
entries = [line for line in trades if " ARB close" not in line]
print(
    f"{len(series)} band records, {len(entries)} entries, {len(trades) - len(entries)} closes; the first: {trades[0]}"
)

# %% [markdown]
# ## Executing the basket
#
# In the closed form first: Almgren & Chriss's worked example (1,000,000 shares over 5 days in 5 periods). The
# optimal trajectory for risk aversion λ trades off expected cost E against variance V; TWAP (λ = 0) has the
# lowest E, a sweep no timing risk at all. For each, E, V and E + λV; then a Monte Carlo check of E and V.

# %%
params = ACParams(X=1e6, T=5.0, N=5, sigma=0.95, gamma=2.5e-7, eta=2.5e-6, eps=1 / 16)
LAMBDA = 1e-6


def moments(holdings: np.ndarray) -> tuple[float, float]:
    """E and V of a holdings path x_0..x_N under the paper's cost model."""
    trades = -np.diff(holdings)
    expected = 0.5 * params.gamma * params.X**2 + params.eps * np.abs(trades).sum()
    expected += params.eta_tilde / params.tau * (trades**2).sum()
    return float(expected), float(params.sigma**2 * params.tau * (holdings[1:] ** 2).sum())


optimal = almgren_chriss(params, LAMBDA)
paths = {
    "almgren-chriss": optimal.holdings,
    "twap": twap_schedule([params.X], params.N)[:, 0],
    "sweep": sweep_schedule([params.X], params.N)[:, 0],
}
closed = pd.DataFrame(
    [(name, *moments(h), moments(h)[0] + LAMBDA * moments(h)[1]) for name, h in paths.items()],
    columns=["schedule", "E", "V", "E + λV"],
).set_index("schedule")
print(f"kappa {optimal.kappa:.3f}/day; holdings {np.round(optimal.holdings).astype(int).tolist()}")
closed.round(0)

# %%
rng = np.random.default_rng(0)
costs = simulate_costs(optimal.holdings[:, None], params.T, [[params.sigma**2]], [params.eta], 20_000, rng)
# simulate_costs leaves out the permanent impact and the fixed cost (the same for every schedule)
impact_only = float((params.eta * np.diff(optimal.holdings) ** 2).sum() / params.tau)
print(
    f"Monte Carlo: mean {costs.mean():,.0f} (temporary impact {impact_only:,.0f}), "
    f"variance {costs.var():.4g} against V = {optimal.variance:.4g}"
)

# %% [markdown]
# On the market: the `EXEC` lines give each basket leg's shortfall against the arrival mids (fees included), in
# basis points, and the summary line their mean and spread. A sweep pays the most impact per slice but takes no
# timing risk; the LQ policy front-loads the trade, so its shortfall varies less than TWAP's.


# %%
def shortfalls(logs: list[str]) -> list[float]:
    return [float(line.split("(")[1].split(" bp")[0]) for line in logs if " EXEC " in line]


market = pd.DataFrame(
    {
        method: {
            "basket legs": len(shortfalls(run.logs)),
            "mean shortfall (bp)": float(np.mean(shortfalls(run.logs))),
            "sd (bp)": float(np.std(shortfalls(run.logs), ddof=1)),
            "PnL": run.stats["pnl"],
            "fills": run.stats["fills"],
        }
        for method, run in runs.items()
    }
).T
market.round(3)

# %% [markdown]
# Checks: the band holds the fair value and collapses onto it without costs, and each cost widens it. On the
# market the band always holds F*, every entry was decided with the future outside the band, and each decision
# traded a basket leg. The closed-form optimum has the lowest E + λV of the three schedules, TWAP the lowest E,
# the sweep zero variance; the Monte Carlo mean and variance match. On the market the sweep's shortfalls vary least
# and the LQ policy's less than TWAP's.

# %%
assert math.isclose(free.lower, fair) and math.isclose(free.upper, fair)
assert (widths["lower"] <= widths["fair"]).all() and (widths["fair"] <= widths["upper"]).all()
assert widths["width"].is_monotonic_increasing and widths["width"].iloc[-1] > widths["width"].iloc[0] + 0.5
assert ((series["lower"] < series["fair"]) & (series["fair"] < series["upper"])).all()
for line in entries:  # "<ts> ARB future 1981.4750 > upper 1981.2167: ..." or "... < lower ..."
    words = line.split()
    price, edge = float(words[3]), float(words[6].rstrip(":"))
    assert (price > edge) if words[4] == ">" else (price < edge), line
assert len(entries) >= 3 and len(trades) > len(entries)  # positions were opened and closed
assert closed["E + λV"].idxmin() == "almgren-chriss"
assert closed["E"].idxmin() == "twap" and closed.loc["sweep", "V"] == 0
assert abs(costs.var() / optimal.variance - 1) < 0.05
assert abs(costs.mean() - impact_only) < 4 * costs.std() / math.sqrt(len(costs))
assert market.loc["sweep", "sd (bp)"] < market.loc["lqg", "sd (bp)"] < market.loc["twap", "sd (bp)"]
assert market.loc["lqg", "basket legs"] == len(trades)  # one basket leg per decision
