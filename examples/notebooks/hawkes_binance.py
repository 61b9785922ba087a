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
# # Hawkes order flow, fitted on real Binance trades
#
# Trades cluster: one trade makes the next more likely soon after. A Hawkes process models that with intensity
# λ(t) = μ + Σ α·e^{−β(t − tᵢ)}. We fit it to the trade times of a real Binance BTCUSDT spot capture
# (2024-08-08, about six minutes), compare it with a constant-rate Poisson model by the time-rescaling test,
# and simulate the fitted model.

# %%
import gzip
import json
import os
from pathlib import Path

import numpy as np
from hft_core.flow import fit_hawkes, fit_poisson_rate, time_rescaling_ks

# The capture is in the workspace's shared data (shared/data beside the checkout, or $HFT_SHARED_DATA).
NAME = "binance-2024-08-08/spot_btcusdt_20240808.gz"
places = [Path(os.environ["HFT_SHARED_DATA"])] if os.environ.get("HFT_SHARED_DATA") else []
places += [parent / "shared" / "data" for parent in Path.cwd().resolve().parents]
capture = next(place / NAME for place in places if (place / NAME).is_file())

# One message a line: "<local receive ns> <json>"; a trade's exchange time "T" is in milliseconds.
trade_ms = []
with gzip.open(capture, "rt") as lines:
    for line in lines:
        _, _, body = line.partition(" ")
        if '"e":"trade"' in body:
            trade_ms.append(json.loads(body)["data"]["T"])
# Trades of one aggressive order share a millisecond: count each (millisecond) once, as one arrival.
stamps = np.unique(np.asarray(trade_ms, dtype=np.int64))
times = (stamps - stamps[0]) / 1000.0
times = times[1:]  # the first arrival opens the window at t = 0
horizon = float(times[-1]) + 1e-3
print(f"{len(trade_ms)} trades, {len(times)} arrivals over {horizon:.0f} s")

# %%
fit = fit_hawkes(times, horizon)
model = fit.model
print(
    f"mu {model.mu:.3f} ± {fit.mu_se:.3f} /s, alpha {model.alpha:.3f} ± {fit.alpha_se:.3f}, "
    f"beta {model.beta:.3f} ± {fit.beta_se:.3f}"
)
print(f"branching ratio alpha/beta = {model.alpha / model.beta:.3f}")
hawkes_ks = time_rescaling_ks(model.rescaled_intervals(times))
rate = fit_poisson_rate(times, horizon)
poisson_ks = time_rescaling_ks(np.diff(np.concatenate([[0.0], times])) * rate.rate)
print(
    f"time-rescaling KS: Hawkes D={hawkes_ks.statistic:.3f} p={hawkes_ks.pvalue:.2g}; "
    f"Poisson D={poisson_ks.statistic:.3f} p={poisson_ks.pvalue:.2g}"
)

# %% [markdown]
# A simulated path of the fitted model has about as many arrivals over the same window.

# %%
simulated = model.simulate(horizon, seed=1)
print(f"simulated {len(simulated)} arrivals (data: {len(times)})")

# %% [markdown]
# Checks: the flow is self-exciting (a branching ratio well above zero, below one for stationarity), the Hawkes
# model describes the arrivals far better than a Poisson one, and its simulation matches the data's count.

# %%
assert 0.2 < model.alpha / model.beta < 1.0
assert hawkes_ks.statistic < poisson_ks.statistic / 2
assert poisson_ks.pvalue < 1e-6
assert abs(len(simulated) - len(times)) < 0.5 * len(times)
