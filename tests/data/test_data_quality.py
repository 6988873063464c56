"""quality_report: planted defects are flagged, a clean cohort is not; missingness structure."""

import sys

import numpy as np
import pandas as pd
import pytest

from stratify.data import (
    PLAUSIBILITY_RULES,
    PSS_SCHEMA,
    Cohort,
    little_mcar_test,
    missingness_report,
    quality_report,
)

GENES = ["mol_IFI44", "mol_IFI44L", "mol_MX1", "mol_BTK", "mol_CXCL13"]


def multicentre_frame(n_patients=2000, n_centers=5, *, prevalence=None, seed=0):
    """A plausible pSS cohort: every schema rule holds, no centre measures differently.

    A latent 'interferon-high' subgroup raises IgG, the interferon genes and
    the biological ESSDAI domain; ``prevalence`` (one value per centre) sets
    the case mix, equal in every centre by default. Biopsy, oral tests and
    genes are missing completely at random, the biopsy items together.
    Returns the frame (``patient_id`` column) and the subgroup (by patient).
    """
    rng = np.random.default_rng(seed)
    n = n_patients
    centres = np.array([f"C{j + 1}" for j in range(n_centers)])
    center = centres[np.arange(n) % n_centers]
    prevalence = np.full(n_centers, 0.5) if prevalence is None else np.asarray(prevalence)
    ifn = rng.random(n) < prevalence[np.arange(n) % n_centers]
    ids = [f"P{i:05d}" for i in range(n)]
    age = np.clip(rng.normal(55, 12, n), 25, 90).round(1)
    duration = np.clip(rng.gamma(2, 3, n), 0, age - 12).round(1)
    anti_ro = (rng.random(n) < np.where(ifn, 0.9, 0.65)).astype(float)
    anti_la = ((rng.random(n) < 0.6) & (anti_ro == 1)).astype(float)
    focus = np.clip(rng.gamma(4, 0.45, n), 0, 12).round(2)
    gc = ((rng.random(n) < 0.25) & (focus > 0)).astype(float)
    sge = (rng.random(n) < 0.2).astype(float)
    nodes = (rng.random(n) < 0.12).astype(float)
    c4_low = (rng.random(n) < np.where(ifn, 0.25, 0.08)).astype(float)
    mc = (rng.random(n) < 0.05).astype(float)
    cryo = (rng.random(n) < 0.06).astype(float)
    bio_finding = (c4_low + mc + cryo) > 0
    data = {
        "patient_id": ids, "center": center,
        "sex": np.where(rng.random(n) < 0.93, "F", "M"),
        "age": age, "disease_duration_years": duration,
        "age_at_diagnosis": (age - duration).round(1),
        "bmi": rng.normal(26, 4, n).clip(15, 50).round(1),
        "focus_score": focus, "germinal_centres": gc,
        "anti_ro": anti_ro, "anti_la": anti_la,
        "ana": (rng.random(n) < 0.8).astype(float), "rf": (rng.random(n) < 0.5).astype(float),
        "schirmer_mm_5min": rng.gamma(1.5, 4.5, n).clip(0, 40).round(0),
        "uwsf_ml_min": rng.gamma(1.0, 0.1, n).clip(0, 3).round(3),
        "igg_g_l": (rng.normal(13, 3, n) + 4 * ifn).clip(3, 55).round(1),
        "crp_mg_l": rng.lognormal(1, 0.8, n).clip(0, 400).round(1),
        "c3_low": (rng.random(n) < 0.08).astype(float), "c4_low": c4_low,
        "cryoglobulins": cryo, "monoclonal_component": mc,
        "lymphopenia": (rng.random(n) < 0.2).astype(float),
        "salivary_gland_enlargement": sge, "lymphadenopathy": nodes,
        "raynaud": (rng.random(n) < 0.3).astype(float),
        "essdai_glandular": np.where(sge == 1, rng.integers(1, 3, n), 0).astype(float),
        "essdai_lymphadenopathy": np.where(nodes == 1, 1, 0).astype(float),
        "essdai_articular": rng.choice([0, 1, 2, 3], n, p=[0.6, 0.25, 0.1, 0.05]).astype(float),
        "essdai_cns": rng.choice([0, 2, 3], n, p=[0.97, 0.02, 0.01]).astype(float),
        "essdai_biological": np.where(bio_finding, rng.integers(1, 3, n), 0).astype(float),
        "esspri_dryness": rng.uniform(0, 10, n).round(1),
        "esspri_fatigue": rng.uniform(0, 10, n).round(1),
        "esspri_pain": rng.uniform(0, 10, n).round(1),
        "anxiety": rng.integers(0, 22, n).astype(float),
        "lymphoma_time_years": np.minimum(rng.exponential(8, n).clip(0.1, 25), 105 - age).round(2),
        "lymphoma_event": rng.choice([0, 1, 2], n, p=[0.9, 0.05, 0.05]).astype(float),
    }
    for gene in GENES:
        data[gene] = rng.normal(0, 1, n) + (1.5 * ifn if "IFI" in gene or "MX1" in gene else 0)
    df = pd.DataFrame(data)
    no_biopsy = rng.random(n) < 0.28
    df.loc[no_biopsy, ["focus_score", "germinal_centres"]] = np.nan
    df.loc[rng.random(n) < 0.2, ["uwsf_ml_min"]] = np.nan
    df.loc[rng.random(n) < 0.3, GENES] = np.nan
    subgroup = pd.Series(np.where(ifn, "IFN-high", "IFN-low"), index=pd.Index(ids, name="patient_id"),
                         name="subgroup")
    return df, subgroup


@pytest.fixture(scope="module")
def clean():
    return multicentre_frame()


@pytest.fixture(scope="module")
def planted(clean):
    """(a) C2 codes IgG in mg/dL and C4 a gene without centring (+6 log2, within range),
    (b) C3 never measures focus_score, (c) 30 impossible ESSDAI CNS levels and 30
    anti-La without anti-Ro in C1, (d) a patient entered twice in C5 under another id."""
    df = clean[0].copy()
    c = df["center"]
    df.loc[c == "C2", "igg_g_l"] *= 100
    df.loc[c == "C4", "mol_BTK"] += 6
    df.loc[c == "C3", "focus_score"] = np.nan
    c1 = df.index[c == "C1"]
    df.loc[c1[:30], "essdai_cns"] = 1
    df.loc[c1[30:60], ["anti_ro", "anti_la"]] = [0.0, 1.0]
    twin = df.loc[df.index[c == "C5"][0]].copy()
    twin["patient_id"] = "P99999"
    df = pd.concat([df, twin.to_frame().T], ignore_index=True)
    return df, quality_report(df)


def flagged(report, flag):
    table = report.to_frame()
    return set(map(tuple, table.loc[table[flag], ["center", "variable"]].to_numpy()))


# --------------------------------------------------------------------------- planted defects
def test_clean_cohort_passes_the_schema_and_every_rule(clean):
    df, _ = clean
    Cohort(df)  # validates
    report = quality_report(df)
    assert report.problems.empty
    assert not report.to_frame()["flag_implausible"].any()


def test_unit_error_is_implausible_and_not_blamed_on_the_other_centres(planted):
    _, report = planted
    igg = report.problems.query("variable == 'igg_g_l'")
    assert igg[["center", "rule"]].to_numpy().tolist() == [["C2", "out_of_range"]]
    assert int(igg["n"].iloc[0]) == 400
    assert ("C2", "igg_g_l") in flagged(report, "flag_implausible")
    # drift is measured on plausible values: the other centres do not look shifted
    assert not any(v == "igg_g_l" for _, v in flagged(report, "flag_drift"))


def test_gene_on_another_scale_drifts_in_its_centre_only(planted):
    _, report = planted
    drifting = flagged(report, "flag_drift")
    assert ("C4", "mol_BTK") in drifting
    assert {c for c, v in drifting if v == "mol_BTK"} == {"C4"}
    row = report.to_frame().set_index(["center", "variable"]).loc[("C4", "mol_BTK")]
    assert row["drift"] > 3
    other = report.to_frame().set_index(["center", "variable"]).loc[("C1", "mol_BTK")]
    assert other["drift_reference_excluded"] == "C4" and abs(other["drift"]) < 0.2


def test_never_measured_centre(planted):
    df, report = planted
    assert flagged(report, "flag_never_measured") == {("C3", "focus_score")}
    reason = report.flags().set_index(["center", "variable"]).loc[("C3", "focus_score"),
                                                                   "reason"]
    share = df.loc[df["center"] != "C3", "focus_score"].notna().mean()
    assert reason.startswith(f"never measured in this centre (other centres: {share:.0%} complete)")


def test_impossible_levels_and_suspicious_combinations(planted):
    _, report = planted
    p = report.problems.set_index(["center", "variable", "rule"])
    cns = p.loc[("C1", "essdai_cns", "invalid_level")]
    assert cns["n"] == 30 and cns["severity"] == "impossible"
    assert cns["rows"] == "P00000, P00005, P00010, P00015, P00020"  # 5 ids, no values
    la = p.loc[("C1", "anti_la", "anti_la_without_anti_ro")]
    assert la["n"] == 30 and la["severity"] == "review"
    flags = flagged(report, "flag_implausible")
    assert {("C1", "essdai_cns"), ("C1", "anti_la")} <= flags


def test_duplicate_record_under_another_id(planted):
    _, report = planted
    dup = report.problems.query("rule == 'duplicate_record'")
    assert dup[["center", "n", "rows"]].to_numpy().tolist() == [["C5", 2, "P00004, P99999"]]
    assert ("C5", "patient_id") in flagged(report, "flag_implausible")


def test_duplicated_ids_and_text_in_numbers_on_an_unvalidated_frame():
    df = pd.DataFrame({"patient_id": ["a", "b", "b", "c", None],
                       "center": ["X", "X", "Y", "Y", "Y"],
                       "age": ["54", "abc", "61", " ", "70"],
                       "lymphoma_time_years": [1.0, -2.0, 3.0, 999.0, np.nan]})
    report = quality_report(df)
    rules = report.problems.groupby("rule")["n"].sum().to_dict()
    assert rules == {"duplicate_id": 2, "missing_id": 1, "not_a_number": 1,
                     "negative_time": 1, "missing_value_sentinel": 1}
    text = report.problems.query("rule == 'not_a_number'")
    assert text["rows"].tolist() == ["b"] and "abc" not in report.problems.to_string()
    age = report.to_frame(min_cell=1).set_index(["center", "variable"]).loc[("Y", "age")]
    assert age["n_observed"] == 2  # a blank string is missing, text is an (implausible) value


def test_every_plausibility_rule_fires_on_its_example():
    examples = {
        "anti_la_without_anti_ro": {"anti_la": 1, "anti_ro": 0},
        "diagnosis_before_age_10": {"age": 30, "disease_duration_years": 25},
        "age_at_diagnosis_mismatch": {"age": 50, "disease_duration_years": 5,
                                      "age_at_diagnosis": 40},
        "follow_up_beyond_age_110": {"age": 95, "lymphoma_time_years": 20},
        "event_without_time": {"lymphoma_event": 1, "lymphoma_time_years": np.nan},
        "germinal_centres_without_biopsy": {"germinal_centres": 1, "focus_score": np.nan},
        "germinal_centres_without_foci": {"germinal_centres": 1, "focus_score": 0},
        "essdai_glandular_without_swelling": {"essdai_glandular": 2,
                                              "salivary_gland_enlargement": 0},
        "essdai_lymphadenopathy_without_nodes": {"essdai_lymphadenopathy": 1,
                                                 "lymphadenopathy": 0},
        "essdai_biological_without_findings": {"essdai_biological": 0,
                                               "monoclonal_component": 0, "c4_low": 1,
                                               "cryoglobulins": 0},
    }
    assert set(examples) == {r.name for r in PLAUSIBILITY_RULES}
    for rule in PLAUSIBILITY_RULES:
        bad = {c: [float(examples[rule.name][c])] for c in rule.requires}
        values = {c: np.asarray(v) for c, v in bad.items()}
        assert rule.check(values).tolist() == [True], rule.name
        assert rule.variable in rule.requires and rule.severity in ("impossible", "review")
        assert PSS_SCHEMA.get(rule.variable) is not None


# --------------------------------------------------------------------------- drift
def test_clean_cohort_without_case_mix_differences_raises_no_drift_flag(clean):
    report = quality_report(clean[0])
    table = report.to_frame()
    assert not table["flag_drift"].any()
    assert not table["flag_never_measured"].any()
    assert table["drift"].abs().max() < 0.2


def test_case_mix_drift_is_flagged_then_explained_by_the_subgroup():
    df, subgroup = multicentre_frame(prevalence=[0.2, 0.5, 0.5, 0.5, 0.8], seed=1)
    df.loc[df["center"] == "C3", "mol_MX1"] += 1.0  # a measurement shift on top
    report = quality_report(df, case_mix=subgroup)
    raw = flagged(report, "flag_drift")
    # the case mix moves every interferon-driven variable in C1 and C5
    assert {("C1", "mol_IFI44"), ("C5", "mol_IFI44"), ("C1", "igg_g_l"),
            ("C5", "igg_g_l")} <= raw
    persisting = flagged(report, "flag_drift_adjusted")
    assert persisting == {("C3", "mol_MX1")}
    flags = report.flags().set_index(["center", "variable"])
    assert "explained by case mix" in flags.loc[("C5", "mol_IFI44"), "reason"]
    assert "persists" in flags.loc[("C3", "mol_MX1"), "reason"]
    # a case-mix column of the data gives the same strata
    df["ifn_group"] = subgroup.to_numpy()
    again = quality_report(df, case_mix="ifn_group", columns=["mol_MX1", "igg_g_l"])
    assert flagged(again, "flag_drift_adjusted") == {("C3", "mol_MX1")}


@pytest.mark.slow
def test_synthetic_cohort_drifts_by_case_mix_only_without_centre_effects():
    synthetic = pytest.importorskip("stratify.synthetic")
    clean = synthetic.make_pss_cohort(n_patients=2000, n_centers=5, random_state=0,
                                      center_effects=False)
    subgroups = ["molecular_subgroup", "symptom_subgroup"]
    report = quality_report(clean, case_mix=clean.truth[subgroups])
    table = report.to_frame()
    assert not table["flag_drift_adjusted"].any()
    assert not table["flag_never_measured"].any()
    assert set(report.problems["severity"]) <= {"review"}
    # the generator's centre measurement shifts survive the same adjustment
    shifted = synthetic.make_pss_cohort(n_patients=2000, n_centers=5, random_state=0)
    persisting = quality_report(shifted, case_mix=shifted.truth[subgroups]).to_frame()
    assert persisting["flag_drift_adjusted"].sum() > 20


def test_drift_matches_hand_computed_smd_and_proportion_difference():
    rng = np.random.default_rng(3)
    x = np.r_[rng.normal(0, 1, 100), rng.normal(0.5, 2, 150)]
    b = np.r_[rng.random(100) < 0.3, rng.random(150) < 0.6].astype(float)
    df = pd.DataFrame({"patient_id": [f"p{i}" for i in range(250)],
                       "center": ["A"] * 100 + ["B"] * 150, "bmi": 25 + x, "rf": b})
    table = quality_report(df).to_frame().set_index(["center", "variable"])
    a, r = x[:100], x[100:]
    smd = (a.mean() - r.mean()) / np.sqrt((a.var(ddof=1) + r.var(ddof=1)) / 2)
    assert table.loc[("A", "bmi"), "drift"] == pytest.approx(smd)
    assert table.loc[("B", "bmi"), "drift"] == pytest.approx(-smd)
    assert table.loc[("A", "rf"), "drift"] == pytest.approx(b[:100].mean() - b[100:].mean())
    assert table.loc[("A", "rf"), "drift_measure"] == "proportion_difference"


def test_categorical_drift_is_the_largest_level_difference():
    df = pd.DataFrame({"patient_id": [f"p{i}" for i in range(200)],
                       "center": ["A"] * 100 + ["B"] * 100,
                       "sex": ["F"] * 95 + ["M"] * 5 + ["F"] * 70 + ["M"] * 30})
    row = quality_report(df).to_frame().set_index(["center", "variable"]).loc[("A", "sex")]
    assert row["drift_measure"] == "max_proportion_difference"
    assert abs(row["drift"]) == pytest.approx(0.25) and row["flag_drift"]


def test_small_centres_are_not_flagged_for_noise():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"patient_id": [f"p{i}" for i in range(215)],
                       "center": ["big"] * 200 + ["small"] * 15,
                       "bmi": rng.normal(26, 4, 215)})
    df.loc[200:, "bmi"] = df.loc[200:, "bmi"] - df.loc[200:, "bmi"].mean() + 27.2  # SMD 0.3
    row = quality_report(df).to_frame().set_index(["center", "variable"]).loc[("small", "bmi")]
    assert abs(row["drift"]) > 0.2 and not row["flag_drift"]


# --------------------------------------------------------------------------- report object
def test_report_outputs(planted, tmp_path):
    _, report = planted
    table = report.to_frame()
    assert {"center", "variable", "n", "completeness", "n_implausible", "drift",
            "flag_incomplete", "flag_never_measured", "flag_implausible",
            "flag_drift"} <= set(table.columns)
    for col in [c for c in table.columns if c.startswith("flag_")]:
        assert table[col].dtype == bool
    assert len(table) == 5 * (len(planted[0].columns) - 1)  # centre column out, ids in
    flags = report.flags()
    assert (flags["reason"].str.len() > 0).all() and len(flags) < len(table)
    text = report.summary()
    assert "Never measured: C3: focus_score" in text and "Little's MCAR test" in text
    html = report.to_html()
    assert html.startswith('<div class="stratify-quality">') and "<body" not in html
    assert html.count("data:image/png;base64,") == 2
    assert "P00000" not in html and "P99999" not in html  # no patient id in the report
    assert "&lt;5" in html  # small counts suppressed (the 2 duplicate records)
    assert "QualityReport(2001 patients, 5 centres" in repr(report)


def test_report_from_a_cohort_equals_report_from_its_frame(clean):
    df, _ = clean
    cohort = Cohort(df)
    a = quality_report(cohort).to_frame()
    b = quality_report(df).to_frame()
    pd.testing.assert_frame_equal(a, b)


def test_one_centre_and_no_centre_column():
    df = pd.DataFrame({"patient_id": ["a", "b", "c"], "age": [40.0, 50.0, np.nan]})
    report = quality_report(df)
    assert report.centres == ["all"] and report.by is None
    assert "treated as one centre" in report.summary()
    assert report.to_frame()["drift"].isna().all()


def test_bad_parameters_raise_before_work():
    df = pd.DataFrame({"patient_id": ["a"], "center": ["X"], "age": [40.0]})
    with pytest.raises(ValueError, match="'drift_threshold' parameter of quality_report"):
        quality_report(df, drift_threshold=-1)
    with pytest.raises(ValueError, match="'alpha' parameter"):
        quality_report(df, alpha=2)
    with pytest.raises(ValueError, match=r"'columns' parameter .* \['nope'\]"):
        quality_report(df, columns=["nope"])
    with pytest.raises(ValueError, match="lacks 1 patient"):
        quality_report(df, case_mix=pd.Series({"zz": 1}))
    with pytest.raises(TypeError, match="Cohort or a pandas DataFrame"):
        quality_report([1, 2])


def test_import_stays_light():
    assert "stratify.data" in sys.modules
    import subprocess

    code = ("import sys, stratify.data; "
            "print(sorted(m for m in ('sklearn', 'scipy', 'matplotlib', 'skops', "
            "'statsmodels') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- missingness
def test_missingness_patterns_and_pairs(planted):
    _, report = planted
    miss = report.missingness
    assert miss.patterns["n"].dropna().min() >= 5
    assert miss.patterns["missing_variables"].iloc[-1] == "other patterns"
    pairs = set(map(tuple, miss.together[["variable_a", "variable_b"]].to_numpy()))
    assert ("focus_score", "germinal_centres") in pairs
    assert ("mol_IFI44", "mol_IFI44L") in pairs


def test_missingness_predictors_find_the_centre_and_the_mar_driver():
    df, _ = multicentre_frame(n_patients=1500, seed=2)
    older = df["age"] > 60
    df.loc[older & (np.random.default_rng(0).random(len(df)) < 0.8), "crp_mg_l"] = np.nan
    df.loc[df["center"] == "C3", "focus_score"] = np.nan
    rep = missingness_report(df)
    pred = rep.predictors.set_index("variable")
    assert pred.loc["crp_mg_l", "auc"] > 0.75
    assert pred.loc["crp_mg_l", "top_predictors"].startswith("age (+")
    # 28 % of biopsies are missing at random anyway: knowing the centre gives AUC 0.74 at best
    assert pred.loc["focus_score", "auc"] > 0.7
    assert pred.loc["focus_score", "top_predictors"].startswith("center=C3 (+")
    # missing completely at random: nothing predicts it
    assert 0.4 < pred.loc["uwsf_ml_min", "auc"] < 0.6


def bivariate_monotone_reference(x, y):
    """Little's d² for a bivariate monotone pattern, from the closed-form ML estimates.

    With x complete and y missing in some rows, the ML estimates are
    (Anderson 1957): mu_x, s_xx from all rows; beta, alpha and the residual
    variance from the complete rows; mu_y = alpha + beta mu_x and
    s_yy = s_yy.x + beta² s_xx; s_xy = beta s_xx.
    """
    cc = ~np.isnan(y)
    mu_x, s_xx = x.mean(), x.var()
    xc, yc = x[cc], y[cc]
    beta = np.cov(xc, yc, bias=True)[0, 1] / xc.var()
    alpha = yc.mean() - beta * xc.mean()
    resid = (yc - alpha - beta * xc).var()
    mu = np.array([mu_x, alpha + beta * mu_x])
    sigma = np.array([[s_xx, beta * s_xx], [beta * s_xx, resid + beta**2 * s_xx]])
    v = np.array([xc.mean(), yc.mean()]) - mu
    d_complete = cc.sum() * v @ np.linalg.solve(sigma, v)
    d_missing = (~cc).sum() * (x[~cc].mean() - mu_x) ** 2 / s_xx
    return d_complete + d_missing


def naive_em_little(X, tol=1e-12):
    """Textbook EM (regression on the observed part, row by row) and Little's d²."""
    n, p = X.shape
    M = np.isnan(X)
    mu, S = np.nanmean(X, 0), np.diag(np.nanvar(X, 0))
    for _ in range(5000):
        T1, T2 = np.zeros(p), np.zeros((p, p))
        for i in range(n):
            m, o = M[i], ~M[i]
            x, C = X[i].copy(), np.zeros((p, p))
            if m.any():
                B = S[np.ix_(m, o)] @ np.linalg.inv(S[np.ix_(o, o)])
                x[m] = mu[m] + B @ (X[i, o] - mu[o])
                C[np.ix_(m, m)] = S[np.ix_(m, m)] - B @ S[np.ix_(o, m)]
            T1 += x
            T2 += np.outer(x, x) + C
        mu_new = T1 / n
        S_new = T2 / n - np.outer(mu_new, mu_new)
        done = max(abs(mu_new - mu).max(), abs(S_new - S).max()) < tol
        mu, S = mu_new, S_new
        if done:
            break
    d2, df = 0.0, -p
    for pattern in np.unique(M, axis=0):
        rows = (M == pattern).all(axis=1)
        o = ~pattern
        v = X[np.ix_(rows, o)].mean(0) - mu[o]
        d2 += rows.sum() * v @ np.linalg.solve(S[np.ix_(o, o)], v)
        df += o.sum()
    return d2, df


def test_little_reproduces_the_closed_form_monotone_case():
    rng = np.random.default_rng(5)
    x = rng.normal(10, 2, 300)
    y = 3 + 0.8 * x + rng.normal(0, 1.5, 300)
    y[x > 11] = np.where(rng.random((x > 11).sum()) < 0.7, np.nan, y[x > 11])
    result = little_mcar_test(pd.DataFrame({"x": x, "y": y}))
    assert result.statistic == pytest.approx(bivariate_monotone_reference(x, y), rel=1e-6)
    assert result.df == 1 and result.n_patterns == 2 and result.converged


def test_little_matches_a_textbook_em_on_general_patterns():
    rng = np.random.default_rng(6)
    X = rng.multivariate_normal(np.zeros(4), 0.5 * np.eye(4) + 0.5, 120)
    X[rng.random(X.shape) < 0.2] = np.nan
    result = little_mcar_test(X)
    d2, df = naive_em_little(X[~np.isnan(X).all(axis=1)])
    assert result.statistic == pytest.approx(d2, rel=1e-6)
    assert result.df == df


def test_little_type_one_error_under_mcar_and_power_under_mar():
    rng = np.random.default_rng(7)
    cov = np.array([[1, 0.6, 0.3], [0.6, 1, 0.4], [0.3, 0.4, 1]])
    mcar_p, mar_p = [], []
    for _ in range(200):
        X = rng.multivariate_normal(np.zeros(3), cov, 200)
        A = X.copy()
        A[rng.random((200, 3)) < np.array([0.0, 0.25, 0.15])] = np.nan
        mcar_p.append(little_mcar_test(A).p_value)
        B = X.copy()
        B[(X[:, 0] > 0.3) & (rng.random(200) < 0.6), 1] = np.nan
        mar_p.append(little_mcar_test(B).p_value)
    rejected = np.mean(np.array(mcar_p) < 0.05)
    assert 0.02 < rejected < 0.09  # nominal 5 % (200 replicates: SE 1.5 points)
    assert np.mean(np.array(mar_p) < 0.05) > 0.95


def test_little_undefined_cases_say_why():
    assert "no missing values" in little_mcar_test(np.ones((5, 2)) + np.eye(5, 2)).note
    one = little_mcar_test(np.array([[1.0, np.nan], [2.0, np.nan], [3.0, 1.0]]))
    assert np.isnan(one.p_value) and "fewer than 2 usable variables" in one.note
