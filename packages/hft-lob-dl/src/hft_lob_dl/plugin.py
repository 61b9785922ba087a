"""Registers hft-lob-dl's pattern (``lob-dl``) with hft (entry-point group ``hft``).

Declarations only: the knobs are `hft_lob_dl.config.LobDlConfig`; the strategy is named by import string, so
listing and describing the pattern loads neither numpy nor torch.
"""

from __future__ import annotations

from hft_core import Pattern, hookimpl

__all__ = ["LOB_DL", "hft_register_patterns"]

ZHANG_ZOHREN_ROBERTS_2019 = (
    "Zhang, Zohren & Roberts (2019), DeepLOB: deep convolutional neural networks for limit order books, "
    "IEEE Transactions on Signal Processing 67(11), 3001–3012"
)
NTAKARIS_2018 = (
    "Ntakaris, Magris, Kanniainen, Gabbouj & Iosifidis (2018), Benchmark dataset for mid-price forecasting of limit "
    "order book data with machine learning methods, Journal of Forecasting 37(8), 852–866"
)
PRATA_2024 = (
    "Prata et al. (2024), LOB-based deep learning models for stock price trend prediction: a benchmark study (LOBCAST)"
)
CONT_KUKANOV_STOIKOV_2014 = (
    "Cont, Kukanov & Stoikov (2014), The price impact of order book events, Journal of Financial Econometrics 12(1), "
    "47–88"
)

LOB_DL = Pattern(
    name="lob-dl",
    summary="Order-book deep-learning micro-predictor: predicts the mid's next move from the book, quotes or takes.",
    description=(
        "Every decision_ms the strategy adds one snapshot of the top levels of the book to its window (kept "
        "incrementally), predicts the mid's move over the model's horizon (DeepLOB, a light CNN, or a baseline: "
        "logistic regression or gradient boosting on hand features, persistence), and after the inference time "
        "(charged to market time) quotes around a mid skewed by the prediction or takes on confident predictions. "
        "The default model is built on first use from simulated data and cached; 'hft lob-dl train' trains one on "
        "any events file, with the baselines reported next to it (docs/lob-dl.md)."
    ),
    config="hft_lob_dl.config:LobDlConfig",
    strategy="hft_lob_dl.strategy:LobDlStrategy",
    default_scenario="single-instrument",
    references=(ZHANG_ZOHREN_ROBERTS_2019, NTAKARIS_2018, PRATA_2024, CONT_KUKANOV_STOIKOV_2014),
)


@hookimpl
def hft_register_patterns() -> list[Pattern]:
    return [LOB_DL]
