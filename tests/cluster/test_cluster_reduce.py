"""The internal reduction: parallel analysis and feature screening."""

import numpy as np
import pytest
from cluster_data import planted

from stratify.cluster._reduce import Reducer, grid_step, parallel_analysis, screen_features


def _standardize(X):
    return (X - X.mean(axis=0)) / X.std(axis=0)


def test_parallel_analysis_finds_nothing_in_noise_and_the_planted_factors():
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(500, 20))
    assert parallel_analysis(_standardize(noise), 0)[0] == 0
    factors = rng.normal(size=(500, 2))
    loadings = np.zeros((2, 20))
    loadings[0, :6] = 0.8
    loadings[1, 6:12] = 0.8
    data = factors @ loadings + 0.6 * rng.normal(size=(500, 20))
    assert parallel_analysis(_standardize(data), 0)[0] == 2


@pytest.mark.slow
def test_screening_keeps_the_informative_minority():
    X, _ = planted(4, n=600, seed=4)
    kept = screen_features(_standardize(X), 0)
    assert np.flatnonzero(kept).tolist() == [0, 1, 2, 3, 4, 5]


@pytest.mark.slow
def test_screening_ignores_the_pile_of_imputed_values_of_noise_features():
    # an imputer fills a missing noise feature with about its mean: 15 % of the values pile
    # up there, which a mixture with free variances fits better than one normal (the screen
    # with free variances kept 22-24 of the 24 noise features; location mixtures keep 0-4)
    import pandas as pd

    from stratify.impute import make_imputer

    for seed in range(3):
        rng = np.random.default_rng(seed)
        X, _ = planted(3, n=600, seed=seed)
        X = pd.DataFrame(np.where(rng.random(X.shape) < 0.15, np.nan, X))
        X = make_imputer("iterative", random_state=0).fit_transform(X).to_numpy()
        kept = screen_features(_standardize(X), 0)
        assert kept[:6].sum() >= 5
        assert kept[6:].sum() <= 4


def test_screening_keeps_correlated_modules_without_mixture_marginals():
    rng = np.random.default_rng(1)
    factor = rng.normal(size=(400, 1))
    data = np.hstack([factor + 0.5 * rng.normal(size=(400, 5)), rng.normal(size=(400, 15))])
    kept = screen_features(_standardize(data), 0)
    assert np.flatnonzero(kept).tolist() == [0, 1, 2, 3, 4]


@pytest.mark.slow
def test_reducer_keeps_room_for_k_max_and_measures_the_residual():
    X, _ = planted(4, n=600, seed=4)
    reducer = Reducer("auto", random_state=0, min_components=3).fit(X)
    assert reducer.n_components_ == 3
    assert reducer.selected_.sum() == 6
    reduced = reducer.transform(X)
    assert reduced.shape == (600, 3)
    residual = reducer.residual(X)
    # the 24 screened-out noise features (unit variance each) plus what 3 of the
    # 6 kept dimensions leave out
    assert 24 < residual.mean() < 27
    assert Reducer(3, random_state=0).fit(X).n_components_ == 3
    assert Reducer(None).fit(X).transform(X) is not None
    assert np.allclose(Reducer(None).fit(X).transform(X), X)


def test_grid_step_finds_rounded_scores_even_after_imputation():
    rng = np.random.default_rng(0)
    scores = np.clip(np.rint(rng.normal(5, 2, 1000)), 0, 10)      # a 0-10 questionnaire item
    imputed = scores.copy()
    imputed[:100] = rng.uniform(0, 10, 100)                         # 10 % imputed between
    halves = np.rint(rng.normal(20, 4, 1000) * 2) / 2               # a lab rounded to 0.5
    genes = np.round(rng.normal(0, 1, 1000), 3)                      # finely rounded
    binary = (rng.random(1000) < 0.3).astype(float)                  # two levels: a category
    steps = grid_step(np.column_stack([scores, imputed, halves, genes, binary]))
    np.testing.assert_allclose(steps, [1.0, 1.0, 0.5, 0.0, 0.0])


def test_covariance_floor_is_the_rounding_variance_of_the_coarsest_grid():
    from stratify.cluster import ConsensusClustering

    rng = np.random.default_rng(1)
    groups = rng.integers(0, 2, 400)
    X = np.column_stack([np.clip(np.rint(rng.normal(3 + 4 * groups, 1.5)), 0, 10),
                         rng.normal(groups * 3, 1.0)])
    model = ConsensusClustering(k_range=range(2, 4), n_resamples=5, random_state=0).fit(X)
    sd = X[:, 0].std()
    np.testing.assert_allclose(model.reg_covar_, (1.0 / sd) ** 2 / 12)
    continuous = ConsensusClustering(k_range=range(2, 4), n_resamples=5, random_state=0).fit(
        X + rng.normal(0, 0.01, X.shape))
    assert continuous.reg_covar_ == 1e-3
