"""evaluate_imputation and its masking mechanisms."""

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer

from stratify.impute import evaluate_imputation, make_imputer
from stratify.impute._evaluate import mask_values


def test_mcar_masks_the_requested_fraction_of_observed_values(mixed_data):
    mask, drivers = mask_values(mixed_data, 0.3, "MCAR", random_state=0)
    assert drivers == []
    assert not (mask & mixed_data.isna().to_numpy()).any()       # only observed cells
    share = mask.sum() / mixed_data.notna().to_numpy().sum()
    assert abs(share - 0.3) < 0.03
    again, _ = mask_values(mixed_data, 0.3, "MCAR", random_state=0)
    other, _ = mask_values(mixed_data, 0.3, "MCAR", random_state=1)
    assert (mask == again).all() and not (mask == other).all()


def test_mar_depends_on_the_drivers_and_never_hides_them(factor_data):
    mask, drivers = mask_values(factor_data, 0.2, "MAR", random_state=0)
    assert len(drivers) == 30 // 4
    cols = list(factor_data.columns)
    assert not mask[:, [cols.index(d) for d in drivers]].any()
    # the hiding probability follows the drivers: a logistic model on them
    # separates hidden from kept values far better than chance
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    target = next(j for j, c in enumerate(cols) if c not in drivers)
    Z = factor_data[drivers].to_numpy()
    fit = LogisticRegression().fit(Z, mask[:, target])
    assert roc_auc_score(mask[:, target], fit.decision_function(Z)) > 0.75
    assert abs(mask[:, target].mean() - 0.2) < 0.05


def test_mnar_hides_high_values_more_often(factor_data):
    mask, _ = mask_values(factor_data, 0.2, "MNAR", random_state=0)
    values = factor_data.to_numpy()
    assert (values[mask].mean() - values[~mask].mean()) > 0.5 * values.std()


def test_mean_imputation_scores_about_one_under_mcar(factor_data):
    mean = SimpleImputer(strategy="mean").set_output(transform="pandas")
    table = evaluate_imputation(factor_data, mean, 0.2, "MCAR", random_state=0)
    assert abs(table.loc["mean", "nrmse"] - 1.0) < 0.05
    assert list(table.index) == [*factor_data.columns, "mean"]
    assert table.attrs == {"mechanism": "MCAR", "fraction": 0.2, "random_state": 0, "seed": 0,
                           "drivers": []}
    assert table.loc["mean", "n_masked"] == table["n_masked"].iloc[:-1].sum()


def test_misclassification_of_a_binary_column_by_the_mode():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"anti_ro": (rng.random(2000) < 0.8).astype(float),
                      "age": rng.normal(50, 10, 2000)})
    table = evaluate_imputation(X, make_imputer("simple"), 0.3, "MCAR", random_state=0)
    # the mode (1) is wrong exactly for the masked zeros: about 20 %
    assert abs(table.loc["anti_ro", "misclassification"] - 0.2) < 0.04
    assert np.isnan(table.loc["anti_ro", "nrmse"])
    assert np.isnan(table.loc["age", "misclassification"])
    assert table.loc["anti_ro", "kind"] == "binary"


def test_better_imputers_score_better_and_the_input_is_untouched(mixed_data):
    before = mixed_data.copy()
    imputer = make_imputer("iterative", random_state=0)
    good = evaluate_imputation(mixed_data, imputer, 0.2, "MAR", random_state=0)
    poor = evaluate_imputation(mixed_data, make_imputer("simple"), 0.2, "MAR", random_state=0)
    assert good.loc["mean", "nrmse"] < poor.loc["mean", "nrmse"]
    pd.testing.assert_frame_equal(mixed_data, before)
    assert not hasattr(imputer, "imputer_")     # a clone was fitted, not the imputer


@pytest.mark.parametrize("kwargs, message", [
    ({"mechanism": "MNARR"}, "mechanism must be one of"),
    ({"fraction": 1.0}, r"fraction must be in \(0, 1\)"),
])
def test_bad_arguments_are_refused(kwargs, message, mixed_data):
    with pytest.raises(ValueError, match=message):
        evaluate_imputation(mixed_data, make_imputer("simple"), **kwargs)
