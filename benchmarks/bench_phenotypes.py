"""Clinical phenotypes from mixed data: the latent class model against its peers.

Data: ``make_pss_cohort(phenotypes=True)`` (the planted BALS-, HSA- and
LSAHS-like phenotypes; registry missingness, about 20 % of the phenotype
values missing; 4 centres with case mix, laboratory and IgG shifts), the 22
phenotype variables (:data:`stratify.synthetic.PHENOTYPE_COLUMNS`: 11 binary
items, IgG, 10 ESSDAI domain levels) at n = 500 and 2,000. Every method
chooses its k in 2..8 (1..8 where it can say 1):

``stratify-mixed``
    ``ConsensusClustering(method="mixed")``: the latent class model (missing
    values in the likelihood), k by BIC, stability and the structure test;
    ``n_resamples=20``.
``stepmix``
    StepMix (Morin et al., J Stat Softw 2025), the Python peer, called
    directly: binary items ``binary_nan``, ESSDAI levels ``categorical_nan``,
    IgG ``continuous_nan`` (full information maximum likelihood), 5 starts,
    k = 1..8 by its BIC.
``mca-hc``
    The route of Nguyen et al. 2024: multiple correspondence analysis
    (prince) of the variables as categories (IgG in tertiles, a missing value
    replaced by the most frequent category: as a category of its own it made
    clusters of missingness), Ward's hierarchical clustering of the first 5
    dimensions, k by the largest relative loss of within-cluster inertia
    (FactoMineR's HCPC rule).
``gower-pam``
    Gower's distance (binary and ordinal levels as categories, IgG
    range-scaled; a pair's missing values left out of its mean) and
    k-medoids (the kmedoids package's FasterPAM), k by the silhouette.
``naive``
    One-hot encoding, mean imputation, standardization, k-means (10 starts),
    k by the silhouette.

Metrics: ``ari_truth`` (against the planted phenotype), ``ari_oracle``
(against the Bayes-optimal assignment), ``oracle_share`` (ari_truth over
the oracle's own ARI against the truth), ``k_chosen``, ``stability``
(``stratify-mixed``: the smallest Jaccard of its subgroups), seconds and peak
memory. An ``oracle`` row gives the oracle's ARI against the truth.

The full suite also runs ``phenotypes_null``: 20 data sets of each of two
null scenarios at n = 500 (one phenotype only: the LSAHS-like cohort with its
registry missingness and centre effects; and mixed data from one latent
normal factor, binary, ordinal and continuous, 20 % missing completely at
random), ``stratify-mixed`` only, and counts how often k = 1 was chosen; and
``phenotypes_scale``: one cohort of 20,000 patients, ``stratify-mixed`` with
its defaults (100 resamples) against StepMix for k = 1..8.

Optional packages: stepmix, prince and kmedoids (GPL-3, used here only);
a method whose package is missing gives a row that says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from benchmarks._measure import measure

SUITES = {"quick": {"sizes": (500, 2000), "per_seed": 1, "null": 0, "scale": False},
          "full": {"sizes": (500, 2000), "per_seed": 10, "null": 20, "scale": True}}
SUITE_NOTES = {"quick": "one cohort per size (n = 500 and 2,000) per seed; no null or "
                        "20,000-patient runs."}
K_RANGE = range(2, 9)
N_RESAMPLES = 20
METHODS = ("stratify-mixed", "stepmix", "mca-hc", "gower-pam", "naive")


def _columns() -> list[str]:
    from stratify.synthetic import PHENOTYPE_COLUMNS

    return list(PHENOTYPE_COLUMNS)


def _binary(X: pd.DataFrame) -> list[str]:
    return [c for c in X.columns if not c.startswith("essdai_") and c != "igg_g_l"]


def stratify_mixed(X: pd.DataFrame, seed: int, n_resamples: int = N_RESAMPLES
                   ) -> tuple[np.ndarray, int, float]:
    from stratify.cluster import ConsensusClustering

    model = ConsensusClustering(method="mixed", k_range=K_RANGE, n_resamples=n_resamples,
                                random_state=seed, n_jobs=1).fit(X)
    return np.asarray(model.labels_), int(model.k_), float(model.stability_.min())


def stepmix(X: pd.DataFrame, seed: int, n_init: int = 5) -> tuple[np.ndarray, int, float]:
    """StepMix for k = 1..8, the k of lowest BIC."""
    from stepmix.stepmix import StepMix
    from stepmix.utils import get_mixed_descriptor

    frame = X.reset_index(drop=True)
    continuous = [c for c in frame.columns if c == "igg_g_l"]
    ordinal = [c for c in frame.columns if c.startswith("essdai_")]
    data, descriptor = get_mixed_descriptor(dataframe=frame, continuous_nan=continuous,
                                            binary_nan=_binary(frame),
                                            categorical_nan=ordinal)
    best = None
    for k in range(1, max(K_RANGE) + 1):
        model = StepMix(n_components=k, measurement=descriptor, n_init=n_init,
                        random_state=seed, verbose=0, progress_bar=0).fit(data)
        bic = float(model.bic(data))
        if best is None or bic < best[0]:
            best = (bic, k, model)
    assert best is not None
    return np.asarray(best[2].predict(data)), best[1], np.nan


def _as_categories(X: pd.DataFrame) -> pd.DataFrame:
    """Every variable as categories: IgG in tertiles, a missing value replaced by the
    variable's most frequent category. (With a missing value as a category of its
    own, the first dimensions were those of the missing panels, all ten ESSDAI
    domains at once, and the clusters those of missingness: ARI 0.00.)"""
    out = {}
    for c in X.columns:
        x = X[c]
        if c == "igg_g_l":
            x = pd.qcut(x, 3, labels=["low", "mid", "high"]).astype(object)
        else:
            x = x.map(lambda v: f"{v:g}", na_action="ignore")
        out[c] = x.fillna(x.mode().iloc[0]).astype(str)
    return pd.DataFrame(out, index=X.index)


def _hcpc_k(tree: np.ndarray, n: int) -> int:
    """HCPC's rule: the k in 2..8 with the largest relative loss of within inertia,
    (W_{k-1} - W_k) / (W_k - W_{k+1}), from a Ward tree's merge heights."""
    heights = np.sort(tree[:, 2])[::-1]
    gain = heights**2 / 2  # Ward's merge cost: the increase of within inertia
    ratios = {k: gain[k - 2] / gain[k - 1] for k in K_RANGE if k < n}
    return int(max(ratios, key=lambda k: ratios[k]))


def mca_hc(X: pd.DataFrame, seed: int) -> tuple[np.ndarray, int, float]:
    import prince
    from scipy.cluster.hierarchy import fcluster, ward

    coordinates = prince.MCA(n_components=5, random_state=seed).fit(
        _as_categories(X)).row_coordinates(_as_categories(X)).to_numpy()
    tree = ward(coordinates)
    k = _hcpc_k(tree, coordinates.shape[0])
    return fcluster(tree, k, criterion="maxclust") - 1, k, np.nan


def gower(X: pd.DataFrame) -> np.ndarray:
    """Gower's distance: categorical features 0/1 mismatch, continuous ones
    range-scaled absolute differences, averaged over the features observed in
    both patients."""
    values = X.to_numpy(dtype=float)
    n = values.shape[0]
    total = np.zeros((n, n))
    count = np.zeros((n, n))
    for j, c in enumerate(X.columns):
        x = values[:, j]
        seen = np.isfinite(x)
        both = seen[:, None] & seen[None, :]
        filled = np.where(seen, x, 0.0)
        if c == "igg_g_l":
            span = np.nanmax(x) - np.nanmin(x)
            d = np.abs(filled[:, None] - filled[None, :]) / (span if span > 0 else 1.0)
        else:
            d = (filled[:, None] != filled[None, :]).astype(float)
        total += np.where(both, d, 0.0)
        count += both
    return total / np.maximum(count, 1)


def gower_pam(X: pd.DataFrame, seed: int) -> tuple[np.ndarray, int, float]:
    import kmedoids
    from sklearn.metrics import silhouette_score

    distance = gower(X)
    best = None
    for k in K_RANGE:
        fitted = kmedoids.fasterpam(distance, k, random_state=seed)
        labels = np.asarray(fitted.labels, dtype=np.int64)
        score = silhouette_score(distance, labels, metric="precomputed")
        if best is None or score > best[0]:
            best = (score, k, labels)
    assert best is not None
    return best[2], best[1], np.nan


def naive(X: pd.DataFrame, seed: int) -> tuple[np.ndarray, int, float]:
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    ordinal = [c for c in X.columns if c.startswith("essdai_")]
    encoded = pd.get_dummies(X[ordinal].astype("category"), dtype=float)
    encoded = encoded.where(X[ordinal].notna().reindex(
        columns=[c.rsplit("_", 1)[0] for c in encoded.columns]).to_numpy())
    Z = pd.concat([X.drop(columns=ordinal), encoded], axis=1)
    Z = Z.fillna(Z.mean())
    Z = ((Z - Z.mean()) / Z.std().replace(0, 1)).to_numpy()
    best = None
    for k in K_RANGE:
        labels = KMeans(k, n_init=10, random_state=seed).fit(Z).labels_
        score = silhouette_score(Z, labels)
        if best is None or score > best[0]:
            best = (score, k, labels)
    assert best is not None
    return best[2], best[1], np.nan


CALLS = {"stratify-mixed": stratify_mixed, "stepmix": stepmix, "mca-hc": mca_hc,
         "gower-pam": gower_pam, "naive": naive}
PACKAGES = {"stepmix": "stepmix", "mca-hc": "prince", "gower-pam": "kmedoids"}


def _available(method: str) -> bool:
    import importlib.util

    package = PACKAGES.get(method)
    return package is None or importlib.util.find_spec(package) is not None


def _cohort_rows(n: int, index: int, seed: int, methods: tuple[str, ...]) -> list[dict]:
    from stratify.synthetic import make_pss_cohort

    cohort = make_pss_cohort(n_patients=n, random_state=index, phenotypes=True)
    X = cohort.data[_columns()]
    truth = cohort.truth["clinical_phenotype"]
    oracle = cohort.truth["oracle_phenotype"]
    oracle_ari = adjusted_rand_score(truth, oracle)
    dataset = f"phenotypes-{index}"
    base = {"task": "phenotypes", "dataset": dataset, "n": n, "seed": seed,
            "k_true": 3, "missing_share": float(X.isna().to_numpy().mean())}
    rows = [{**base, "method": "oracle", "k_chosen": 3, "ari_truth": oracle_ari,
             "ari_oracle": 1.0, "oracle_share": 1.0, "stability": np.nan, "seconds": 0.0,
             "peak_memory_mb": 0.0, "note": "Bayes-optimal assignment"}]
    for method in methods:
        if not _available(method):
            rows.append({**base, "method": method, "k_chosen": np.nan, "ari_truth": np.nan,
                         "ari_oracle": np.nan, "oracle_share": np.nan, "stability": np.nan,
                         "seconds": np.nan, "peak_memory_mb": np.nan,
                         "note": f"skipped: {PACKAGES[method]} is not installed"})
            continue
        (labels, k, stability), seconds, peak = measure(CALLS[method], X, index)
        found = adjusted_rand_score(truth, labels)
        rows.append({**base, "method": method, "k_chosen": k, "ari_truth": found,
                     "ari_oracle": adjusted_rand_score(oracle, labels),
                     "oracle_share": found / oracle_ari, "stability": stability,
                     "seconds": seconds, "peak_memory_mb": peak, "note": ""})
    return rows


def null_mixed(kind: str, n: int, index: int) -> pd.DataFrame:
    """Mixed data without subgroups: ``"one-phenotype"`` (the LSAHS-like cohort alone,
    registry missingness and centre effects) or ``"one-factor"`` (one latent normal
    factor behind 8 binary, 6 ordinal and 2 continuous features, 20 % missing
    completely at random)."""
    from stratify.synthetic import make_pss_cohort

    if kind == "one-phenotype":
        cohort = make_pss_cohort(n_patients=n, random_state=1000 + index, phenotypes=True,
                                 phenotype_proportions={"BALS": 0.0, "HSA": 0.0, "LSAHS": 1.0})
        return cohort.data[_columns()]
    from scipy.special import ndtri

    rng = np.random.default_rng(2000 + index)
    factor = rng.standard_normal(n)
    columns = {}
    for j in range(16):
        latent = 0.5 * factor + np.sqrt(0.75) * rng.standard_normal(n)
        if j < 8:
            columns[f"b{j}"] = (latent > ndtri(1 - rng.uniform(0.1, 0.6))).astype(float)
        elif j < 14:
            cuts = np.sort(ndtri(1 - np.array([0.4, 0.15, 0.05]) * rng.uniform(0.5, 1.5)))
            columns[f"o{j}"] = np.searchsorted(cuts, latent).astype(float)
        else:
            columns[f"c{j}"] = np.exp(latent)
    frame = pd.DataFrame(columns)
    return frame.mask(rng.random(frame.shape) < 0.2)


def _null_rows(count: int, seed: int) -> list[dict]:
    rows = []
    for kind in ("one-phenotype", "one-factor"):
        for index in range(seed * count, (seed + 1) * count):
            X = null_mixed(kind, 500, index)
            (labels, k, _), seconds, peak = measure(stratify_mixed, X, index)
            rows.append({"task": "phenotypes_null", "method": "stratify-mixed",
                         "dataset": f"{kind}-{index}", "n": 500, "seed": seed,
                         "k_chosen": k, "no_structure": k == 1, "seconds": seconds,
                         "peak_memory_mb": peak})
    return rows


def _scale_rows(seed: int) -> list[dict]:
    from stratify.cluster import ConsensusClustering
    from stratify.synthetic import make_pss_cohort

    cohort = make_pss_cohort(n_patients=20_000, random_state=seed, phenotypes=True)
    X = cohort.data[_columns()]
    rows = []

    def ours(frame: pd.DataFrame) -> int:
        return int(ConsensusClustering(method="mixed", random_state=seed, n_jobs=1)
                   .fit(frame).k_)

    def theirs(frame: pd.DataFrame) -> int:
        return stepmix(frame, seed, n_init=1)[1]

    for method, call in (("stratify-mixed", ours), ("stepmix", theirs)):
        if not _available(method):
            continue
        k, seconds, peak = measure(call, X)
        rows.append({"task": "phenotypes_scale", "method": method, "dataset": "phenotypes",
                     "n": 20_000, "seed": seed, "k_chosen": k, "seconds": seconds,
                     "peak_memory_mb": peak})
    if len(rows) == 2:
        for row in rows:
            row["time_ratio"] = row["seconds"] / rows[1]["seconds"]
    return rows


def run(suite: str = "quick", seed: int = 0) -> list[dict]:
    """Rows of the suite for one seed of the runner."""
    config = SUITES[suite]
    rows: list[dict] = []
    for n in config["sizes"]:
        for index in range(seed * config["per_seed"], (seed + 1) * config["per_seed"]):
            rows += _cohort_rows(n, index, seed, METHODS)
    if config["null"]:
        rows += _null_rows(config["null"], seed)
    if config["scale"] and seed == 0:
        rows += _scale_rows(seed)
    return rows
