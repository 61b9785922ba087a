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
# # Triangular arbitrage
#
# Three books, `BTC/USDT`, `ETH/BTC` and `ETH/USDT`, quote the same three currencies: buying ETH with BTC bought with
# USDT and selling it back for USDT loses the spreads unless the books disagree. `find_triangular_opportunities`
# walks the depth of a cycle; the `triangular-arb` pattern trades it on a simulated market whose books are
# mispriced now and then, and counts PnL in USDT (every asset held valued at a mid).

# %%
from hft_core import backtest

result = backtest("triangular-arb", seed=3, duration_s=120.0)
stats = result.stats
print(f"PnL {stats['pnl']:.4f} {stats['numeraire']}, fills {stats['fills']}, fees {stats['fees_paid']:.4f}")
print("balances:", stats["balances"])
print("valued by:", stats["conversion"])

# %%
result.fills.groupby("instrument")["qty"].agg(["count", "sum"])

# %% [markdown]
# Checks: PnL is counted in USDT, every leg of the triangle traded, and the arbitrage made money on this seed.

# %%
assert stats["numeraire"] == "USDT"
assert result.fills["instrument"].nunique() == 3
assert stats["pnl"] > 0
