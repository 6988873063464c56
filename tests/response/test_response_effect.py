"""Treatment effect by subgroup: planted effects, agreement with statsmodels, error handling."""

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.anova import anova_lm

from stratify.response import effect_by_subgroup

SUBGROUPS = ["DDF", "HSB", "LSB", "PDF"]


def trial(n: int, seed: int, effects: dict | None = None, binary: bool = False) -> pd.DataFrame:
    """A randomized trial: ESSPRI change with an arm effect per subgroup (default none)."""
    rng = np.random.default_rng(seed)
    effects = effects or {}
    group = rng.choice(SUBGROUPS, n, p=[0.2, 0.25, 0.15, 0.4])
    arm = rng.integers(0, 2, n)
    age = rng.normal(53, 13, n)
    shift = np.array([effects.get(g, 0.0) for g in group])
    change = -0.3 + shift * arm + 0.02 * (age - 53) + rng.normal(0, 1.5, n)
    df = pd.DataFrame({"change": change, "arm": arm, "group": group, "age": age},
                      index=pd.Index([f"P{i:04d}" for i in range(n)], name="patient_id"))
    if binary:
        df["change"] = (change < -1.0).astype(float)
    return df


def test_finds_the_planted_effect_in_one_subgroup_only():
    df = trial(1200, seed=1, effects={"HSB": -1.5})
    table = effect_by_subgroup(df["change"], df["arm"], df["group"])
    assert list(table.index) == SUBGROUPS and table.index.name == "group"
    significant = table.index[table["p_holm"] < 0.05].tolist()
    assert significant == ["HSB"]
    assert table.loc["HSB", "lower"] < -1.5 < table.loc["HSB", "upper"]
    assert table.attrs["interaction"]["p"] < 1e-6
    assert table.attrs["interaction"]["test"] == "Wald F (HC3)"
    assert table.attrs["interaction"]["df"] == 3
    assert table.attrs["scale"] == "difference in means" and table.attrs["excluded"] == 0
    counts = pd.crosstab(df["group"], df["arm"])
    assert table["n_placebo"].tolist() == counts[0].tolist()
    assert table["n_treated"].tolist() == counts[1].tolist()


def test_estimates_agree_with_a_direct_statsmodels_fit():
    df = trial(500, seed=2, effects={"HSB": -1.0, "PDF": -0.4})
    table = effect_by_subgroup(df["change"], df["arm"], df["group"], covariates=df[["age"]],
                               alpha=0.1)
    for g in SUBGROUPS:
        fit = smf.ols("change ~ arm + age", data=df[df["group"] == g]).fit(cov_type="HC3",
                                                                            use_t=True)
        assert table.loc[g, "estimate"] == pytest.approx(fit.params["arm"])
        assert table.loc[g, ["lower", "upper"]].tolist() == pytest.approx(
            fit.conf_int(alpha=0.1).loc["arm"].tolist())
        assert table.loc[g, "p_unadjusted"] == pytest.approx(fit.pvalues["arm"])
    full = smf.ols("change ~ C(group) * arm + age", data=df).fit(cov_type="HC3", use_t=True)
    terms = [name for name in full.params.index if ":arm" in name]
    wald = full.wald_test(" = 0, ".join(terms) + " = 0", use_f=True, scalar=True)
    assert table.attrs["interaction"]["statistic"] == pytest.approx(wald.statistic)
    assert table.attrs["interaction"]["p"] == pytest.approx(wald.pvalue)
    assert table.attrs["interaction"]["df_resid"] == full.df_resid
    # with equal variances the robust test agrees roughly with the classical F test
    reduced = smf.ols("change ~ C(group) + arm + age", data=df).fit()
    anova = anova_lm(reduced, smf.ols("change ~ C(group) * arm + age", data=df).fit())
    assert table.attrs["interaction"]["statistic"] == pytest.approx(anova["F"].iloc[1], rel=0.3)


def test_without_covariates_the_estimate_is_the_difference_of_means():
    df = trial(300, seed=4)
    table = effect_by_subgroup(df["change"], df["arm"], df["group"])
    means = df.groupby(["group", "arm"])["change"].mean().unstack()
    assert table["mean_treated"].tolist() == pytest.approx(means[1].tolist())
    assert table["estimate"].tolist() == pytest.approx((means[1] - means[0]).tolist())
    hsb = df[df["group"] == "HSB"]
    t = stats.ttest_ind(hsb.loc[hsb.arm == 1, "change"], hsb.loc[hsb.arm == 0, "change"],
                        equal_var=False)
    assert table.loc["HSB", "p_unadjusted"] == pytest.approx(t.pvalue)
    low, high = t.confidence_interval(0.95)
    assert table.loc["HSB", ["lower", "upper"]].tolist() == pytest.approx([low, high])
    assert table.attrs["method"] == "Welch t"


def test_binary_outcome_gives_differences_in_proportions_and_a_likelihood_ratio_test():
    df = trial(800, seed=5, effects={"HSB": -1.5}, binary=True)
    table = effect_by_subgroup(df["change"], df["arm"], df["group"])
    assert table.attrs["scale"] == "difference in proportions"
    hsb = df[df["group"] == "HSB"]
    p1, p0 = hsb.loc[hsb.arm == 1, "change"].mean(), hsb.loc[hsb.arm == 0, "change"].mean()
    n1, n0 = (hsb.arm == 1).sum(), (hsb.arm == 0).sum()
    # HC3 of a two-group comparison: n p(1 - p) / (n - 1)² per arm, t on n - 2 df
    se = np.sqrt(n1 * p1 * (1 - p1) / (n1 - 1) ** 2 + n0 * p0 * (1 - p0) / (n0 - 1) ** 2)
    assert table.loc["HSB", "estimate"] == pytest.approx(p1 - p0)
    assert table.loc["HSB", "lower"] == pytest.approx(
        p1 - p0 - stats.t.ppf(0.975, n1 + n0 - 2) * se)
    full = smf.logit("change ~ C(group) * arm", data=df).fit(disp=0)
    reduced = smf.logit("change ~ C(group) + arm", data=df).fit(disp=0)
    interaction = table.attrs["interaction"]
    assert interaction["test"] == "likelihood ratio"
    assert interaction["statistic"] == pytest.approx(2 * (full.llf - reduced.llf), rel=1e-5)
    assert interaction["p"] < 0.01


@pytest.mark.slow
def test_interaction_test_keeps_its_level_when_effects_are_equal():
    # 60 trials with the same effect in every subgroup: rejections at 5 % should be rare
    p_values = []
    for seed in range(60):
        df = trial(200, seed=100 + seed, effects=dict.fromkeys(SUBGROUPS, -0.5))
        table = effect_by_subgroup(df["change"], df["arm"], df["group"])
        p_values.append(table.attrs["interaction"]["p"])
    p_values = np.array(p_values)
    assert (p_values < 0.05).mean() <= 0.12  # binomial(60, 0.05) exceeds 7 with prob ~1.5 %
    assert 0.35 < p_values.mean() < 0.65     # roughly uniform under the null


def test_missing_rows_are_excluded_and_reported():
    df = trial(300, seed=6)
    df.loc["P0001", "change"] = np.nan
    df.loc["P0002", "group"] = None
    df.loc["P0003", "age"] = np.nan
    table = effect_by_subgroup(df["change"], df["arm"], df["group"], covariates=df[["age"]])
    assert table.attrs["excluded"] == 3
    assert table.attrs["excluded_ids"] == ["P0001", "P0002", "P0003"]
    assert (table["n_placebo"] + table["n_treated"]).sum() == 297


def test_series_are_aligned_by_index_and_arrays_by_position():
    df = trial(300, seed=7, effects={"LSB": 1.0})
    expected = effect_by_subgroup(df["change"], df["arm"], df["group"])
    shuffled = effect_by_subgroup(df["change"], df["arm"].sample(frac=1, random_state=0),
                                  df["group"].iloc[::-1])
    pd.testing.assert_frame_equal(shuffled, expected)
    arrays = effect_by_subgroup(df["change"].to_numpy(), df["arm"].to_numpy(),
                                df["group"].to_numpy())
    assert arrays["estimate"].tolist() == pytest.approx(expected["estimate"].tolist())


def test_categorical_subgroups_keep_their_order():
    df = trial(300, seed=8)
    group = pd.Categorical(df["group"], categories=["PDF", "LSB", "HSB", "DDF", "none"])
    table = effect_by_subgroup(df["change"], df["arm"], pd.Series(group, index=df.index))
    assert list(table.index) == ["PDF", "LSB", "HSB", "DDF"]


def test_table_draws_as_a_forest_plot():
    from stratify.plot import forest

    df = trial(300, seed=9)
    ax = forest(effect_by_subgroup(df["change"], df["arm"], df["group"]))
    assert [t.get_text() for t in ax.get_yticklabels()] == SUBGROUPS


def test_bad_input_is_named():
    df = trial(100, seed=10)
    arm = df["arm"].copy()
    arm.iloc[[3, 4]] = 2
    with pytest.raises(ValueError, match=r"'arm'.*0 \(placebo\) or 1.*2 row\(s\).*P0003, P0004"):
        effect_by_subgroup(df["change"], arm, df["group"])
    with pytest.raises(ValueError, match="both arms.*'LSB'"):
        only_placebo = df["arm"].where(df["group"] != "LSB", 0)
        effect_by_subgroup(df["change"], only_placebo, df["group"])
    with pytest.raises(ValueError, match="at least 2 subgroups"):
        effect_by_subgroup(df["change"], df["arm"], pd.Series("HSB", index=df.index))
    with pytest.raises(ValueError, match="same patients.*P0099"):
        effect_by_subgroup(df["change"], df["arm"].iloc[:-1], df["group"])
    text = df["change"].astype(object)
    text.iloc[0] = "n/a"
    with pytest.raises(ValueError, match="'outcome'.*P0000"):
        effect_by_subgroup(text, df["arm"], df["group"])
    with pytest.raises(ValueError, match="'alpha'"):
        effect_by_subgroup(df["change"], df["arm"], df["group"], alpha=5)


def test_synthetic_trial_effect_only_in_high_symptom_burden():
    from stratify.synthetic import make_pss_cohort

    cohort = make_pss_cohort(n_patients=300, trial=True, random_state=0)
    data, truth = cohort.data, cohort.truth
    table = effect_by_subgroup(data["esspri_change"], data["arm"], truth["symptom_subgroup"])
    assert table.index[table["p_holm"] < 0.05].tolist() == ["HSB"]
    assert table.attrs["interaction"]["p"] < 0.01
    assert table.attrs["excluded"] == data["esspri_change"].isna().sum() > 0
    planted = truth.loc[truth["symptom_subgroup"] == "HSB", "treatment_effect"].mean()
    wide = effect_by_subgroup(data["esspri_change"], data["arm"], truth["symptom_subgroup"],
                              alpha=0.01)
    assert wide.loc["HSB", "lower"] < planted < wide.loc["HSB", "upper"] < 0


def test_the_0_1_column_p_reads_the_unadjusted_p_value_with_a_future_warning():
    rng = np.random.default_rng(3)
    group = pd.Series(rng.choice(["A", "B"], 200))
    arm = pd.Series(rng.integers(0, 2, 200))
    table = effect_by_subgroup(rng.normal(size=200), arm, group)
    assert "p" not in table.columns
    with pytest.warns(FutureWarning, match="'p' was renamed 'p_unadjusted'.*0.3"):
        old = table["p"]
    pd.testing.assert_series_equal(old, table["p_unadjusted"].rename("p"))
    with pytest.warns(FutureWarning):
        both = table[["estimate", "p"]]
    assert list(both.columns) == ["estimate", "p"]
    assert (both["p"] == table["p_unadjusted"]).all()
    with pytest.warns(FutureWarning):
        assert (table.p == table["p_unadjusted"]).all()
    # what derives from the table is a plain DataFrame, attrs kept on the table itself
    assert type(table.copy()) is pd.DataFrame
    assert table.attrs["adjustment"] == "holm"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table["p_holm"], table.loc["A", "estimate"], table.round(2)
