"""hft-latency-arb: latency arbitrage across venues and lead–lag measurement.

- `config`: the knobs of the patterns (`LatencyArbConfig`, `LatencyArbMakerConfig`) and of the ``latency-race``
  market (`LatencyRaceConfig`); `plugin` registers them with hft.
- `strategies`: `LatencyArb` (snipes stale quotes on the lagging venue when the lead moves by more than fees and
  a threshold, optionally hedging on the lead) and `LatencyArbMaker` (quotes the lagging venue and requotes on lead
  moves: what latency costs a maker).
- `scenarios`: the ``latency-race`` market (hft-core's two-venue market with a lagging maker and racing snipers)
  and `maker_race` (a maker alone against its snipers).
- `leadlag`: Hayashi–Yoshida covariance on asynchronous series and the Hoffmann–Rosenbaum–Yoshida lead–lag
  estimator over a lag grid, with a block-bootstrap interval; `discovery`: Hasbrouck information shares and
  Gonzalo–Granger component shares from a VECM; `races`: latency races in a simulated venue's message log and
  trade bursts in recorded data; `cli` holds the ``hft leadlag`` and ``hft races`` commands.
"""

from hft_latency_arb.__about__ import __version__

__all__ = ["__version__"]
