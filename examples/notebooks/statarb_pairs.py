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
# # Statistical arbitrage on a cointegrated pair
#
# Two prices whose logs are tied by a stationary spread: test the tie (Engle–Granger), fit the spread's
# mean reversion (Ornstein–Uhlenbeck), turn it into entry/exit signals, then run the `statarb-pairs` pattern on a
# simulated market whose fair values are cointegrated.

# %%
import numpy as np
from hft_core import backtest
from hft_core.flow import cointegrated_paths
from hft_statarb import AVELLANEDA_LEE_THRESHOLDS, engle_granger, fit_ou_mle, positions_from_scores

paths = cointegrated_paths(
    leg_s0=[50.0], leg_drift=[0.0], leg_volatility=[0.3], hedge_ratios=[0.8], spread_mean_reversion=20.0,
    spread_volatility=0.05, horizon=2.0, n_steps=500, intercept=0.5, seed=11,
)  # fmt: skip
log_y, log_x = np.log(paths.target[0]), np.log(paths.legs[0, :, 0])

# %% [markdown]
# Engle–Granger: regress log y on log x, then test the residual for a unit root.

# %%
test = engle_granger(log_y, log_x)
print(f"hedge ratio {test.hedge.beta:.3f} (true 0.8), ADF {test.statistic:.2f}, p-value {test.pvalue:.2g}")
ou = fit_ou_mle(test.hedge.spread, dt=2.0 / 500)
print(f"kappa {ou.kappa:.1f} ± {ou.kappa_stderr:.1f} per unit time (true 20), half-life {np.log(2) / ou.kappa:.3f}")
positions = positions_from_scores(ou.s_score(test.hedge.spread), AVELLANEDA_LEE_THRESHOLDS)
print(f"long {int((positions > 0).sum())} bars, short {int((positions < 0).sum())}, flat {int((positions == 0).sum())}")

# %% [markdown]
# The pattern re-estimates the hedge (here with a Kalman filter) as it trades the simulated pair.

# %%
result = backtest("statarb-pairs", config={"hedge": "kalman"}, seed=7, duration_s=120.0)
print({key: result.stats[key] for key in ("pnl", "fills", "orders", "fees_paid")})
result.round_trips.head()

# %% [markdown]
# Checks: the pair is found cointegrated with the planted hedge ratio, the spread mean-reverts at about the
# planted speed, the signals take both sides, and the pattern trades.

# %%
assert test.is_cointegrated(0.05) and abs(test.hedge.beta - 0.8) < 0.05
assert abs(ou.kappa - 20.0) < 4 * ou.kappa_stderr
assert (positions > 0).any() and (positions < 0).any()
assert result.stats["fills"] > 0 and len(result.fills) == result.stats["fills"]
