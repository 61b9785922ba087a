"""PCA residual s-scores on a simulated factor model with planted mean-reverting names; factor hedging."""

from __future__ import annotations

import numpy as np
import pytest
from hft_statarb.errors import StatArbError
from hft_statarb.ou import simulate_ou
from hft_statarb.pca import fit_pca_factor_model, hedge_against_factors, pca_residual_s_scores

N_NAMES, N_BARS, N_PLANTED = 60, 250, 8
PLANTED_KAPPA = 252.0 / 3.0  # per year: mean-reversion time 3 trading days
PLANTED_SIGMA_EQ = 0.015


def _factor_market(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Daily returns = 2 factors (market, long–short) + idiosyncratic noise; 8 names get an OU residual."""
    rng = np.random.default_rng(seed)
    factors = rng.standard_normal((N_BARS, 2)) * np.array([0.012, 0.006])
    loadings = np.column_stack([rng.normal(1.0, 0.2, N_NAMES), rng.normal(0.0, 1.0, N_NAMES)])
    idiosyncratic = 0.01 * rng.standard_normal((N_BARS, N_NAMES))
    planted = np.zeros(N_NAMES, dtype=bool)
    planted[rng.choice(N_NAMES, N_PLANTED, replace=False)] = True
    deviation = np.full(N_NAMES, np.nan)
    sigma = PLANTED_SIGMA_EQ * np.sqrt(2 * PLANTED_KAPPA)
    for name in np.flatnonzero(planted):
        level = simulate_ou(PLANTED_KAPPA, 0.0, sigma, dt=1 / 252, n_steps=N_BARS, rng=rng)[0]
        idiosyncratic[:, name] = np.diff(level)
        deviation[name] = level[-1] / PLANTED_SIGMA_EQ
    return factors @ loadings.T + idiosyncratic, planted, deviation, factors, loadings


@pytest.mark.slow
def test_planted_mean_reverting_names_are_identified() -> None:
    n_seeds = 20
    passes_paper_filter = strict_hits = strict_false = top_hits = 0
    scores: list[float] = []
    truths: list[float] = []
    for seed in range(n_seeds):
        returns, planted, deviation, _, _ = _factor_market(seed)
        result = pca_residual_s_scores(returns, n_factors=2, fit_intercept=False, center_means=False)
        passes_paper_filter += int((result.tradeable & planted).sum())
        strict = result.mean_reverting & (result.kappa > 252.0 / 10.0)
        strict_hits += int((strict & planted).sum())
        strict_false += int((strict & ~planted).sum())
        fastest = np.argsort(-np.nan_to_num(result.kappa, nan=-1.0))[:N_PLANTED]
        top_hits += int(planted[fastest].sum())
        scores.extend(result.s_score[planted])
        truths.extend(deviation[planted])
    planted_total = n_seeds * N_PLANTED
    # Every planted name passes the paper's κ > 252/30 filter ...
    assert passes_paper_filter == planted_total
    # ... the 8 fastest-reverting names are mostly the planted ones (measured 95 %) ...
    assert top_hits / planted_total > 0.85
    # ... and a stricter filter (mean reversion within 10 days) separates them (measured 91 % / 0.9 %).
    assert strict_hits / planted_total > 0.85
    assert strict_false / (n_seeds * (N_NAMES - N_PLANTED)) < 0.03
    # s-scores of planted names track their true standardised deviation (measured corr 0.65).
    assert np.corrcoef(scores, truths)[0, 1] > 0.5
    assert np.mean(np.sign(scores) == np.sign(truths)) > 0.65


def test_paper_settings_give_finite_scores_for_tradeable_names() -> None:
    returns, planted, _, _, _ = _factor_market(seed=99)
    result = pca_residual_s_scores(returns, n_factors=2)
    assert result.tradeable[planted].all()
    assert np.isfinite(result.s_score[result.tradeable]).all()
    # Centring: the tradeable names' means average to zero.
    assert abs(result.mean[result.tradeable].mean()) < 1e-12
    # X(T) = 0 with an intercept, so s = −m/σ_eq.
    np.testing.assert_allclose(result.s_score, -result.mean / result.sigma_eq, atol=1e-9)
    np.testing.assert_allclose(result.half_life, np.log(2) / result.kappa)
    windowed = pca_residual_s_scores(returns, n_factors=2, regression_window=60)
    assert windowed.model.residuals.shape == (60, N_NAMES)


def test_factor_model_structure() -> None:
    returns, _, _, true_factors, _ = _factor_market(seed=5)
    model = fit_pca_factor_model(returns, 2)
    assert model.eigenvalues[0] > model.eigenvalues[1] > 0
    assert model.eigenportfolio_weights.shape == (2, N_NAMES)
    np.testing.assert_allclose(model.factor_returns, returns @ model.eigenportfolio_weights.T)
    # In-sample identity that makes the hedge exact: eigenportfolio j loads 1 on factor j, 0 on the others.
    np.testing.assert_allclose(model.eigenportfolio_weights @ model.betas, np.eye(2), atol=1e-10)
    # The first eigenportfolio is the market: highly correlated with the simulated market factor.
    assert abs(np.corrcoef(model.factor_returns[:, 0], true_factors[:, 0])[0, 1]) > 0.95


def test_hedged_positions_have_no_factor_exposure() -> None:
    returns, _, _, _, _ = _factor_market(seed=6)
    estimation, holdout = returns[:200], returns[200:]
    model = fit_pca_factor_model(estimation, 2)
    position = np.zeros(N_NAMES)
    position[[3, 17]] = [1.0, -0.4]
    hedged = hedge_against_factors(position, model)
    np.testing.assert_allclose(model.betas.T @ hedged, 0.0, atol=1e-12)
    # Out of sample the hedged book moves much less with the market than the raw one.
    market_holdout = holdout @ model.eigenportfolio_weights[0]
    raw_corr = abs(np.corrcoef(holdout @ position, market_holdout)[0, 1])
    hedged_corr = abs(np.corrcoef(holdout @ hedged, market_holdout)[0, 1])
    assert raw_corr > 0.6
    assert hedged_corr < 0.3
    with pytest.raises(StatArbError, match="expected a vector of 60"):
        hedge_against_factors(np.ones(3), model)
    with pytest.raises(StatArbError, match="NaN"):
        hedge_against_factors(np.full(N_NAMES, np.nan), model)


def test_bad_input() -> None:
    returns, _, _, _, _ = _factor_market(seed=7)
    with pytest.raises(StatArbError, match="n_factors"):
        pca_residual_s_scores(returns, n_factors=N_NAMES)
    with pytest.raises(StatArbError, match="n_factors"):
        fit_pca_factor_model(returns, 0)
    broken = returns.copy()
    broken[5, 2] = np.nan
    with pytest.raises(StatArbError, match="row 5, column 2"):
        pca_residual_s_scores(broken, n_factors=2)
    flat = returns.copy()
    flat[:, 4] = 0.001
    with pytest.raises(StatArbError, match="column 4 is constant"):
        fit_pca_factor_model(flat, 2)
    with pytest.raises(StatArbError, match="too few observations"):
        fit_pca_factor_model(returns[:5], 2)
    with pytest.raises(StatArbError, match="2-D"):
        fit_pca_factor_model(returns[:, 0], 1)
    with pytest.raises(StatArbError, match="regression_window"):
        fit_pca_factor_model(returns, 2, regression_window=1000)
    with pytest.raises(StatArbError, match="dt"):
        pca_residual_s_scores(returns, n_factors=2, dt=-1.0)
