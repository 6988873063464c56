"""save/load: identical predictions after a round trip, and crafted files execute nothing."""

import importlib
import io
import json
import os
import pickle
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from threadpoolctl import threadpool_limits

import stratify
from stratify.data import TRUSTED_TYPES, UntrustedTypesError, load, save

N = 240


@pytest.fixture(autouse=True)
def one_thread():
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    index = pd.Index([f"P{i:03d}" for i in range(N)], name="patient_id")
    X = pd.DataFrame({"age": rng.normal(55, 12, N), "igg_g_l": rng.normal(15, 4, N),
                      "crp_mg_l": rng.lognormal(1, 0.7, N), "anti_ro": rng.integers(0, 2, N),
                      "essdai_articular": rng.integers(0, 4, N),
                      "mol_MX1": rng.normal(0, 1, N)}, index=index).astype(float)
    X.iloc[::9, 1] = np.nan
    X.iloc[::13, 3] = np.nan
    y = pd.Series(np.where(X["mol_MX1"] + rng.normal(0, 0.7, N) > 0, "IFN", "other"),
                  index=index, name="subgroup")
    center = pd.Series(np.where(np.arange(N) % 3 == 0, "A", np.where(np.arange(N) % 3 == 1,
                                                                       "B", "C")), index=index)
    time = pd.Series(rng.exponential(6, N), index=index)
    event = pd.Series(rng.random(N) < 0.4, index=index)
    return X, y, center, time, event


def round_trip(model, tmp_path, name="model.skops"):
    """Save, check that nothing outside the default trust is needed, load."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*does not trust.*")
        path = save(model, tmp_path / name)
    assert zipfile.is_zipfile(path)
    return load(path)


# --------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("kind", ["simple", "knn", "iterative", "forest"])
def test_schema_imputer(data, tmp_path, kind):
    from stratify.impute import SchemaImputer

    X = data[0]
    model = SchemaImputer(method=kind, random_state=0).fit(X)
    again = round_trip(model, tmp_path)
    pd.testing.assert_frame_equal(again.transform(X), model.transform(X))


def test_multiple_imputer_and_schema_attribute(data, tmp_path):
    from stratify.data import PSS_SCHEMA
    from stratify.impute import MultipleImputer, SchemaImputer

    X = data[0]
    model = MultipleImputer(n_imputations=2, max_iter=3, random_state=0).fit(X)
    again = round_trip(model, tmp_path)
    for a, b in zip(again.transform(X), model.transform(X)):
        pd.testing.assert_frame_equal(a, b)
    with_schema = round_trip(SchemaImputer(method="simple", schema=PSS_SCHEMA).fit(X), tmp_path)
    assert with_schema.schema == PSS_SCHEMA and with_schema.schema["essdai_cns"].levels == (0, 2, 3)


def test_center_corrector_keeps_its_dataframes(data, tmp_path):
    from stratify.preprocess import CenterCorrector

    X, _, center, *_ = data
    frame = X[["age", "igg_g_l", "mol_MX1"]].assign(center=center)
    model = CenterCorrector().fit(frame)
    again = round_trip(model, tmp_path)
    for name in ("gamma_", "delta_", "gamma_hat_", "protect_coef_"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(model, name))
    for name in ("grand_mean_", "pooled_sd_", "n_patients_"):
        pd.testing.assert_series_equal(getattr(again, name), getattr(model, name))
    pd.testing.assert_frame_equal(again.transform(frame), model.transform(frame))


def test_preprocessing_pipeline(data, tmp_path):
    from sklearn.pipeline import make_pipeline

    from stratify.data import PSS_SCHEMA
    from stratify.impute import SchemaImputer
    from stratify.preprocess import make_preprocessor

    X = data[0].assign(sex=np.where(np.arange(N) % 5 == 0, "M", "F"))
    for one_hot in (True, False):
        model = make_pipeline(make_preprocessor(PSS_SCHEMA, list(X.columns), one_hot=one_hot),
                              SchemaImputer(method="simple")).fit(X)
        again = round_trip(model, tmp_path)
        pd.testing.assert_frame_equal(again.transform(X), model.transform(X))


@pytest.mark.parametrize("estimator,panel", [("hgb", None), ("logistic", None),
                                             ("forest", None), ("logistic", 2)])
def test_subgroup_classifier(data, tmp_path, estimator, panel):
    from stratify.classify import SubgroupClassifier

    X, y, *_ = data
    model = SubgroupClassifier(estimator, panel_size=panel, random_state=0)
    model.fit(X.fillna(0) if panel else X, y)
    again = round_trip(model, tmp_path)
    Z = X.fillna(0) if panel else X
    pd.testing.assert_frame_equal(again.predict_proba(Z), model.predict_proba(Z))
    if panel:
        pd.testing.assert_frame_equal(again.panel_result_.curve, model.panel_result_.curve)


def test_lifelines_fitters(data, tmp_path):
    from lifelines import AalenJohansenFitter, CoxPHFitter, KaplanMeierFitter

    X, _, _, time, event = data
    frame = X[["age", "mol_MX1"]].assign(T=time, E=event.astype(int))
    cox = CoxPHFitter(penalizer=0.01).fit(frame, "T", "E")
    again = round_trip(cox, tmp_path)
    pd.testing.assert_series_equal(again.params_, cox.params_)
    pd.testing.assert_frame_equal(again.predict_survival_function(frame.iloc[:5]),
                                  cox.predict_survival_function(frame.iloc[:5]))
    km = KaplanMeierFitter().fit(time, event)
    pd.testing.assert_frame_equal(round_trip(km, tmp_path).survival_function_,
                                  km.survival_function_)
    cause = np.where(event, 1, np.where(np.arange(N) % 4 == 0, 2, 0))
    aj = AalenJohansenFitter().fit(time, cause, event_of_interest=1)
    pd.testing.assert_frame_equal(round_trip(aj, tmp_path).cumulative_density_,
                                  aj.cumulative_density_)


def test_scikit_survival_models(data, tmp_path):
    from sksurv.ensemble import GradientBoostingSurvivalAnalysis, RandomSurvivalForest
    from sksurv.linear_model import CoxnetSurvivalAnalysis, CoxPHSurvivalAnalysis
    from sksurv.util import Surv

    X, _, _, time, event = data
    Z = X[["age", "mol_MX1", "crp_mg_l"]]
    y = Surv.from_arrays(event.to_numpy(), time.to_numpy())
    for model in (CoxPHSurvivalAnalysis(), CoxnetSurvivalAnalysis(fit_baseline_model=True),
                  RandomSurvivalForest(n_estimators=5, max_depth=3, random_state=0),
                  GradientBoostingSurvivalAnalysis(n_estimators=10, random_state=0)):
        model.fit(Z, y)
        again = round_trip(model, tmp_path)
        np.testing.assert_array_equal(again.predict(Z), model.predict(Z))
        a = again.predict_survival_function(Z.iloc[:3], return_array=True)
        np.testing.assert_array_equal(a, model.predict_survival_function(Z.iloc[:3],
                                                                         return_array=True))


def test_lymphoma_risk_model_and_consensus_clustering(data, tmp_path):
    from stratify.cluster import ConsensusClustering
    from stratify.survival import LymphomaRiskModel, make_target

    X, _, _, time, event = data
    Z = X[["age", "mol_MX1", "crp_mg_l"]]
    y = make_target(time, event)
    for method in ("cox", "forest"):
        model = LymphomaRiskModel(method=method, n_estimators=10, random_state=0).fit(Z, y)
        again = round_trip(model, tmp_path)
        np.testing.assert_array_equal(np.asarray(again.predict(Z)), np.asarray(model.predict(Z)))
    model = ConsensusClustering(method="kmeans", k_range=range(2, 4), n_resamples=4,
                                random_state=0).fit(Z)
    again = round_trip(model, tmp_path)
    np.testing.assert_array_equal(np.asarray(again.predict(Z)), np.asarray(model.predict(Z)))


def test_pandas_objects_of_every_supported_kind(tmp_path):
    frame = pd.DataFrame({
        "x": [1.5, np.nan, 3.0], "n": [1, 2, 3], "flag": [True, False, True],
        "cat": pd.Categorical(["low", "high", "low"], categories=["low", "high"], ordered=True),
        "count": pd.array([1, None, 3], dtype="Int64"),
        "label": pd.array(["a", None, "c"], dtype="string"),
        "mixed": ["a", 1, None],
        "when": pd.to_datetime(["2020-01-01", "2021-06-30", None]),
    }, index=pd.Index(["p1", "p2", "p3"], name="patient_id"))
    frame.attrs["n"] = {"A": 2}
    multi = pd.DataFrame(np.arange(6.0).reshape(2, 3), index=pd.RangeIndex(5, 7, name="r"),
                         columns=pd.MultiIndex.from_product([["m"], ["a", "b", "c"]],
                                                            names=["outer", "inner"]))
    series = pd.Series([0.1, 0.2], index=pd.CategoricalIndex(["u", "v"]), name="s")
    again = round_trip({"frame": frame, "multi": multi, "series": series,
                        "dates": pd.DatetimeIndex(["2020-01-01"])}, tmp_path)
    pd.testing.assert_frame_equal(again["frame"], frame)
    assert again["frame"].attrs == {"n": {"A": 2}}
    pd.testing.assert_frame_equal(again["multi"], multi)
    pd.testing.assert_series_equal(again["series"], series)
    pd.testing.assert_index_equal(again["dates"], pd.DatetimeIndex(["2020-01-01"]))


def test_what_skops_cannot_describe_is_refused_with_its_location(data, tmp_path):
    from lifelines import WeibullAFTFitter

    X, _, _, time, event = data
    model = WeibullAFTFitter().fit(X[["age"]].assign(T=time, E=event.astype(int)), "T", "E")
    with pytest.raises(TypeError, match=r"Cannot save this WeibullAFTFitter safely: skops "
                                        r"cannot describe WeibullAFTFitter\..*formulaic.*"
                                        r"does not fall back to pickle"):
        save(model, tmp_path / "weibull.skops")
    assert not list(tmp_path.iterdir())
    with pytest.raises(TypeError, match="period"):
        save(pd.Series(pd.period_range("2020-01", periods=2, freq="M")), tmp_path / "p.skops")


# --------------------------------------------------------------------------- trust
class Gadget:
    """A class from outside the allow-list (defined here, in the tests)."""

    def __init__(self, value=None):
        self.value = value

    def __reduce__(self):
        return (Gadget, (self.value,))


def test_types_outside_the_allow_list_need_explicit_trust(tmp_path):
    with pytest.warns(UserWarning, match="does not trust by default.*Gadget"):
        path = save({"gadget": Gadget(["touch", "x"])}, tmp_path / "g.skops")
    name = f"{Gadget.__module__}.Gadget"
    with pytest.raises(UntrustedTypesError, match="load\\(path, trusted=") as err:
        load(path)
    assert err.value.types == [name]
    assert name in str(err.value)
    assert load(path, trusted=[name])["gadget"].value == ["touch", "x"]
    assert load(path, trusted=[Gadget])["gadget"].value == ["touch", "x"]


def crafted_skops(tmp_path, module, cls, args):
    """A skops archive whose only node calls ``module.cls(*args)`` when loaded."""
    data = sio.dumps(Gadget(args))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        schema = json.loads(z.read("schema.json"))
    schema["__module__"], schema["__class__"] = module, cls
    path = tmp_path / "crafted.skops"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("schema.json", json.dumps(schema))
    return path


def test_crafted_skops_archive_is_refused_and_runs_nothing(tmp_path):
    witness = tmp_path / "witness"
    path = crafted_skops(tmp_path, "subprocess", "Popen", ["touch", str(witness)])
    # the file is a real exploit: trusting its type runs the command
    sio.load(path, trusted=["subprocess.Popen"]).wait()
    assert witness.exists()
    witness.unlink()

    marker = tmp_path / "marker"
    path = crafted_skops(tmp_path, "subprocess", "Popen", ["touch", str(marker)])
    with pytest.raises(UntrustedTypesError, match="subprocess.Popen"):
        load(path)
    with pytest.raises(UntrustedTypesError, match="subprocess.Popen"):
        load(path, trusted=[f"{Gadget.__module__}.Gadget"])
    assert not marker.exists()


def test_crafted_pandas_node_cannot_reach_other_modules(tmp_path):
    from stratify.data._persist import _register

    _register()
    path = tmp_path / "frame.skops"
    with zipfile.ZipFile(io.BytesIO(sio.dumps(pd.DataFrame({"a": [1.0]})))) as src, \
            zipfile.ZipFile(path, "w") as dst:
        for item in src.namelist():
            content = src.read(item)
            if item == "schema.json":
                state = json.loads(content)
                state["__module__"], state["__class__"] = "os", "system"
                content = json.dumps(state).encode()
            dst.writestr(item, content)
    with pytest.raises(UntrustedTypesError, match="os.system"):
        load(path)
    with pytest.raises(TypeError, match="Refusing to build os.system"):
        load(path, trusted=["os.system"])


class Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_pickle_files_are_never_unpickled(tmp_path):
    witness = tmp_path / "witness"
    pickle.loads(pickle.dumps(Payload(witness)))  # the payload is real
    assert witness.exists()

    marker = tmp_path / "marker"
    path = tmp_path / "model.skops"
    path.write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises(ValueError, match="not a skops file .* never unpickles"):
        load(path)
    assert not marker.exists()


def test_pickled_object_array_inside_an_archive_is_not_unpickled(tmp_path):
    from stratify.data._persist import _register

    _register()
    data = sio.dumps({"x": np.arange(3.0)})
    marker = tmp_path / "marker"
    evil = io.BytesIO()
    np.save(evil, np.array([Payload(marker)], dtype=object), allow_pickle=True)
    path = tmp_path / "array.skops"
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.namelist():
            dst.writestr(item, evil.getvalue() if item.endswith(".npy") else src.read(item))
    with pytest.raises(ValueError, match="allow_pickle"):
        load(path)
    assert not marker.exists()


def test_load_arguments():
    with pytest.raises(FileNotFoundError):
        load("no/such/file.skops")
    with pytest.raises(TypeError, match="'trusted' parameter of load"):
        load(__file__, trusted=True)
    with pytest.raises(TypeError, match="'trusted' parameter of load"):
        load(__file__, trusted="numpy.dtype")


# --------------------------------------------------------------------------- the allow-list
DANGEROUS = ("os", "sys", "subprocess", "importlib", "pickle", "shutil", "socket",
             "runpy", "code", "ctypes", "marshal", "io", "pathlib", "tempfile", "http",
             "urllib", "webbrowser", "multiprocessing", "threading", "signal", "posix",
             "nt", "operator", "functools", "joblib", "dill", "cloudpickle")


def test_allow_list_names_real_harmless_objects():
    assert len(set(TRUSTED_TYPES)) == len(TRUSTED_TYPES)
    for name in TRUSTED_TYPES:
        module_name, _, attr = name.rpartition(".")
        assert module_name.split(".")[0] not in DANGEROUS, name
        assert module_name != "builtins" or name == "builtins.range", name
        obj = importlib.import_module(module_name)
        obj = getattr(obj, attr)
        assert isinstance(obj, type) or callable(obj), name
        if isinstance(obj, type):
            assert f"{obj.__module__}.{obj.__qualname__}" == name


def test_every_public_stratify_estimator_is_trusted():
    from sklearn.base import BaseEstimator

    missing = []
    for sub in stratify._SUBPACKAGES:
        try:
            module = importlib.import_module(f"stratify.{sub}")
        except ImportError:
            continue
        for public in getattr(module, "__all__", []):
            try:
                obj = getattr(module, public)
            except ImportError:  # a lazily imported name whose module is not written yet
                continue
            if isinstance(obj, type) and issubclass(obj, BaseEstimator):
                name = f"{obj.__module__}.{obj.__qualname__}"
                if name not in TRUSTED_TYPES:
                    missing.append(name)
    assert not missing, f"add to stratify.data._persist.TRUSTED_TYPES: {missing}"


# --------------------------------------------------------------------------- tree checks
def tree_nodes_feature(src, dst, value):
    """Copy a skops archive, setting the first split's feature of the first Tree's nodes."""
    with zipfile.ZipFile(src) as z_in, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z_out:
        done = False
        for name in z_in.namelist():
            content = z_in.read(name)
            if name.endswith(".npy") and not done:
                a = np.load(io.BytesIO(content), allow_pickle=False)
                if a.dtype.names and "left_child" in a.dtype.names:
                    a = a.copy()
                    a["feature"][np.flatnonzero(a["left_child"] != -1)[0]] = value
                    buffer = io.BytesIO()
                    np.save(buffer, a, allow_pickle=False)
                    content, done = buffer.getvalue(), True
            z_out.writestr(name, content)
    assert done
    return dst


def test_trees_are_checked_wherever_they_sit(data, tmp_path):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import ExtraTreesClassifier
    from sklearn.pipeline import make_pipeline

    from stratify.data import UnsafeModelError

    X, y, *_ = data
    model = make_pipeline(
        ColumnTransformer([("keep", "passthrough", ["age", "mol_MX1", "crp_mg_l"])]),
        CalibratedClassifierCV(ExtraTreesClassifier(n_estimators=2, max_depth=3,
                                                    random_state=0), cv=2)).fit(X, y)
    path = save({"runs": [model]}, tmp_path / "nested.skops")
    np.testing.assert_array_equal(load(path)["runs"][0].predict(X), model.predict(X))
    bad = tree_nodes_feature(path, tmp_path / "bad.skops", 3)  # 3 features were fitted
    with pytest.raises(UnsafeModelError, match=r"\['runs'\]\[0\]\.steps\[1\]\[1\]\."
                                               r"calibrated_classifiers_\[\d\]\.estimator\."
                                               r"estimators_\[\d\]\.tree_ \(Tree\): a split "
                                               r"node's feature is outside \[0, n_features = 3\)"):
        load(bad)


def test_gradient_boosting_columns_must_match_its_outputs(data, tmp_path):
    from sklearn.ensemble import GradientBoostingClassifier

    from stratify.data import UnsafeModelError

    X, *_ = data
    Z = X.fillna(0)
    y = np.where(Z["mol_MX1"] > 0.5, "a", np.where(Z["mol_MX1"] > -0.5, "b", "c"))
    model = GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0).fit(Z, y)
    path = save(model, tmp_path / "gb.skops")
    np.testing.assert_array_equal(load(path).predict(Z), model.predict(Z))
    assert model.estimators_.shape == (3, 3)
    # predict writes tree k's output into column k: one tree per class, no more
    model.n_trees_per_iteration_ = 2
    with pytest.raises(UnsafeModelError, match=r"estimators_ has shape \(3, 3\), expected "
                                               r"\(n_estimators, n_trees_per_iteration_ = 2\)"):
        load(save(model, tmp_path / "gb_bad.skops"))
