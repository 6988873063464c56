"""evaluate: no metric silently missing, no interval from a minority of resamples.

veterans (scikit-survival's copy of the Veterans' Administration lung cancer trial,
137 patients, days) split so that one held-out death (999 days) lies after the last
training time (991 days): every AUC and Brier score used to be NaN without a word.
"""

import warnings

import numpy as np
import pytest

from stratify.survival import LymphomaRiskModel, evaluate, evaluate_score, make_target
from stratify.survival._metrics import ipcw_target

DAYS = [90.0, 180.0, 365.0]


@pytest.fixture(scope="module")
def veterans():
    from sklearn.model_selection import train_test_split
    from sksurv.column import encode_categorical
    from sksurv.datasets import load_veterans_lung_cancer

    X, y = load_veterans_lung_cancer()
    X = encode_categorical(X).astype(float)
    y = make_target(y["Survival_in_days"], y["Status"])
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=8)
    assert y_train["time"].max() == 991 and y_test["time"].max() == 999
    return LymphomaRiskModel().fit(X_train, y_train), X_test, y_test, y_train


def test_held_out_time_after_the_last_training_time_gives_finite_metrics(veterans):
    from sksurv.metrics import brier_score, cumulative_dynamic_auc

    model, X, y, y_train = veterans
    with pytest.warns(UserWarning, match=r"1 patient\(s\) followed beyond the last time of "
                                         r"y_train \(991\).*censored there \(1 event"):
        result = evaluate(model, X, y, times=DAYS, n_bootstrap=40, y_train=y_train,
                          random_state=0)
    metrics = result.metrics
    bootstrapped = [m for m in metrics.index if not m.startswith(("oe_", "ici_ref"))]
    assert metrics.loc[bootstrapped, ["estimate", "lower", "upper"]].notna().all().all()
    # the patient who died at 999 days is event-free at every horizon: censored at 991,
    # scikit-survival's own metrics are the ones reported
    truncated = y.copy()
    truncated["event"][y["time"] > 991] = False
    truncated["time"] = np.minimum(y["time"], 991)
    risk = model.predict(X).to_numpy()
    auc, _ = cumulative_dynamic_auc(y_train, truncated, risk, DAYS)
    np.testing.assert_allclose(metrics.loc[["auc_90y", "auc_180y", "auc_365y"], "estimate"], auc)
    _, brier = brier_score(y_train, truncated, model.predict_survival(X, DAYS).to_numpy(), DAYS)
    np.testing.assert_allclose(metrics.loc[["brier_90y", "brier_180y", "brier_365y"],
                                           "estimate"], brier)
    assert result.failures.loc["auc_90y", "failed_resamples"] == 0


def test_ipcw_target_truncates_at_the_last_training_time(veterans):
    _, _, y, y_train = veterans
    target, patients, events = ipcw_target(y["event"], y["time"], y_train)
    assert (patients, events) == (1, 1)
    assert target["time"].max() == 991
    assert target["event"].sum() == y["event"].sum() - 1
    same, patients, events = ipcw_target(y["event"], y["time"], None)
    assert (patients, events) == (0, 0) and (same == y).all()


def test_horizon_after_the_last_training_time_is_an_error(veterans):
    model, X, y, y_train = veterans
    with pytest.raises(ValueError, match=r"every horizon in times must be before the last "
                                         r"time of y_train \(991\)"):
        evaluate(model, X, y, times=[90.0, 995.0], n_bootstrap=0, y_train=y_train)


def _one_event(n_censored=18):
    """One event before the horizon (1.0) and one patient followed beyond it."""
    time = np.r_[0.5, np.linspace(0.6, 0.95, n_censored), 2.0]
    event = np.r_[1, np.zeros(n_censored), 0].astype(int)
    score = np.r_[1.0, np.arange(n_censored) % 3, 2.0]
    return score, make_target(time, event)


def test_interval_from_a_minority_of_resamples_is_left_missing():
    score, y = _one_event()
    # AUC and Brier need the one event and the one patient beyond the horizon in the
    # resample: about 1 - 0.64² of the resamples lack one of them
    with pytest.warns(UserWarning) as caught:
        result = evaluate_score(score, y, times=[1.0], n_bootstrap=200, random_state=0)
    text = " ".join(str(w.message) for w in caught)
    failures = result.failures
    assert failures.loc["auc_1y", "failed_share"] > 0.5
    assert f"auc_1y {failures.loc['auc_1y', 'failed_resamples']} of 200" in text
    assert "the interval of ['auc_1y', 'brier_1y', 'integrated_brier'] is left missing" in text
    assert result.metrics.loc["auc_1y", ["lower", "upper", "se"]].isna().all()
    assert np.isfinite(result.metrics.loc["auc_1y", "estimate"])
    # missing in 31 % of the resamples: warned about, interval kept
    assert 0.1 < failures.loc["harrell_c", "failed_share"] < 0.5
    assert "harrell_c" in text and "rest on the remaining" in text
    assert result.metrics.loc["harrell_c", ["lower", "upper"]].notna().all()
    assert failures.loc["harrell_c", "reason"].startswith("no comparable pair")


def test_missing_estimate_is_warned_with_its_reason(ph_data, monkeypatch):
    from stratify.survival import _metrics

    X, y, *_ = ph_data
    model = LymphomaRiskModel().fit(X, y)

    def broken(*args):
        raise ValueError("no case before the horizon")

    monkeypatch.setattr(_metrics, "_ici", broken)
    with pytest.warns(UserWarning) as caught:
        result = evaluate(model, X, y, times=[2.0], n_bootstrap=20, random_state=0)
    first, second = (str(w.message) for w in caught)
    assert "could not be computed on the data: ici_2y (ValueError: no case before" in first
    assert "ici_2y 20 of 20" in second and "['ici_2y'] is left missing" in second
    assert np.isnan(result.metrics.loc["ici_2y", "estimate"])
    assert result.metrics.loc["ici_2y", ["lower", "upper"]].isna().all()
    assert result.failures.loc["ici_2y", "estimate_error"].startswith("ValueError")


def test_no_warning_when_every_resample_gives_every_metric(ph_data):
    X, y, *_ = ph_data
    model = LymphomaRiskModel().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        result = evaluate(model, X, y, times=[2.0, 5.0], n_bootstrap=20, random_state=0)
    assert (result.failures["failed_resamples"] == 0).all()
    assert (result.failures["estimate_error"] == "").all()
