"""Small cells of the confusion matrix, the replication table and the exclusion counts
cannot be recovered from the totals a reader of the report or of the saved CSVs sees.

Each test takes what is printed, treats every hidden count as an unknown (a
cell shown as "<5" lies in [1, 4], a "(s)" in [5, inf), a cell never printed
in [0, inf)), writes each total the reader knows as a linear equation and
solves for each unknown's smallest and largest value with a linear program
(``feasible_ranges`` of ``test_report_suppression``): a small count is
recovered when both are equal.
"""

from __future__ import annotations

import html
import itertools
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from test_report_suppression import MIN_CELL, feasible_ranges

import stratify as st
import stratify.report._html as report_html
from stratify.report import write_report
from stratify.workflow import StratificationResult

MATRIX = pd.DataFrame([[39, 0, 0, 0], [0, 34, 1, 0], [2, 3, 24, 0], [0, 1, 0, 14]],
                      index=pd.Index(["S1", "S2", "S3", "S4"], name="true"),
                      columns=pd.Index(["S1", "S2", "S3", "S4"], name="predicted"))
"""An out-of-fold confusion matrix (of a run on 118 patients): its rows add up to the
subgroup sizes 39, 35, 29 and 15."""


def reader_ranges(cells, row_totals, grand_total):
    """Feasible range of each hidden cell of a table whose row totals and grand total the
    reader may know (None: unknown, then an unknown >= 0 with the rows adding up to the
    grand total). ``cells``: dict (row, col) -> int (shown) or "<5" / "(s)"."""
    unknowns, bounds, equations = [], {}, []

    def term(name, text):
        if isinstance(text, (int, np.integer)):
            return {}, float(text)
        unknowns.append(name)
        bounds[name] = (1, MIN_CELL - 1) if str(text).startswith("<") else (MIN_CELL, None)
        return {name: 1.0}, 0.0

    rows = sorted({r for r, _ in cells})
    total_terms = {}
    for r in rows:
        coef, known = {}, 0.0
        for (rr, c), text in cells.items():
            if rr == r:
                co, k = term((r, c), text)
                coef.update(co)
                known += k
        total = row_totals.get(r)
        if total is None or isinstance(total, str):
            name = ("total", r)
            unknowns.append(name)
            bounds[name] = ((1, MIN_CELL - 1) if str(total).startswith("<")
                            else (MIN_CELL, None) if total == "(s)" else (0, None))
            coef[name] = -1.0
            total_terms[name] = 1.0
            equations.append((coef, -known))
        else:
            equations.append((coef, float(total) - known))
            grand_total -= float(total)
    if total_terms:
        equations.append((total_terms, grand_total))
    return feasible_ranges([e for e in equations if e[0]], list(dict.fromkeys(unknowns)),
                           bounds)


# --------------------------------------------------------------------------- confusion matrix
def drawn_confusion(monkeypatch, tmp_path, matrix):
    """Texts and colour mask of the confusion matrix as the report draws it, and the
    subgroup sizes printed "At a glance" (the labels agree with the matrix's rows)."""
    drawn = {}
    original = report_html._figure_html

    def capture(draw, alt, figsize=(7.0, 4.5)):
        if "Confusion" not in alt:
            return original(draw, alt, figsize)
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots()
        draw(ax)
        drawn["texts"] = {tuple(int(round(v)) for v in t.get_position())[::-1]: t.get_text()
                          for t in ax.texts}
        drawn["mask"] = np.ma.getmaskarray(ax.images[0].get_array())
        plt.close(fig)
        return "<img>"

    class CrossValidation:
        confusion = matrix

    monkeypatch.setattr(report_html, "_figure_html", capture)
    sizes = matrix.sum(axis=1)
    labels = pd.Series(np.repeat(sizes.index, sizes.to_numpy()), name="subgroup")
    result = StratificationResult(config={"report": {"min_cell": MIN_CELL},
                                          "classify": {"estimator": "logistic"}},
                                  versions={}, labels=labels)
    result.tables["classifier_metrics"] = pd.DataFrame(
        {"estimate": [0.9], "lower": [0.8], "upper": [1.0], "se": [0.05]},
        index=["balanced_accuracy"])
    result.artifacts["classifier_cv"] = CrossValidation()
    page = write_report(result, tmp_path).read_text(encoding="utf-8")
    glance = html.unescape(re.search(r"subgroups \(k\): \d+; sizes: ([^\n<]*)", page)
                           .group(1))
    printed = dict(part.split(": ") for part in glance.split(", "))
    return drawn, {g: (int(n) if n.isdigit() else n) for g, n in printed.items()}


def check_confusion(matrix, drawn, sizes):
    """No small count (cell or subgroup size) is determined by what the report shows."""
    cells, shares = {}, {}
    for (i, j), text in drawn["texts"].items():
        first, *share = text.split("\n")
        cells[(matrix.index[i], matrix.columns[j])] = int(first) if first.isdigit() else first
        if share:
            shares[matrix.index[i]] = (int(first), float(share[0].rstrip("%")) / 100)
    # a printed share of a printed count gives its row total away (to rounding)
    totals = dict(sizes)
    n = int(matrix.to_numpy().sum())
    for row, (count, share) in shares.items():
        if isinstance(totals[row], str) and share > 0:
            candidates = [t for t in range(max(count, 1), 10 * n)
                          if abs(round(100 * count / t) - 100 * share) < 0.5]
            if len(candidates) == 1:
                totals[row] = candidates[0]
    truth = {**{name: matrix.loc[name] for name in cells},
             **{("total", g): v for g, v in matrix.sum(axis=1).items()}}
    ranges = reader_ranges(cells, totals, n)
    recovered = [name for name, (lo, hi) in ranges.items()
                 if 0 < truth[name] < MIN_CELL and hi - lo < 1]
    assert not recovered, f"recovered: {recovered}"
    small = (matrix > 0) & (matrix < MIN_CELL)
    assert not any(isinstance(cells[(r, c)], int) for r in matrix.index for c in matrix.columns
                   if small.loc[r, c])


def test_confusion_matrix_small_counts_cannot_be_recomputed_from_subgroup_sizes(
        monkeypatch, tmp_path):
    # S2's row is 0, 34, 1, 0 of 35 patients: hiding the 1 alone gives it as 35 - 34
    drawn, sizes = drawn_confusion(monkeypatch, tmp_path, MATRIX)
    assert sizes == MATRIX.sum(axis=1).to_dict()  # every size is printed "At a glance"
    check_confusion(MATRIX, drawn, sizes)
    assert drawn["texts"][(1, 1)] in ("(s)", "<5")
    # hidden cells are not coloured by their share either
    hidden = np.array([[not drawn["texts"][(i, j)].split("\n")[0].isdigit()
                        for j in range(4)] for i in range(4)])
    assert drawn["mask"][hidden].all()


def test_confusion_matrix_shares_do_not_give_away_a_size_hidden_at_a_glance(
        monkeypatch, tmp_path):
    matrix = pd.DataFrame([[38, 2, 0], [0, 3, 0], [1, 0, 51]],
                          index=pd.Index(["S1", "S2", "S3"], name="true"),
                          columns=pd.Index(["S1", "S2", "S3"], name="predicted"))
    drawn, sizes = drawn_confusion(monkeypatch, tmp_path, matrix)
    assert sizes["S2"] == "<5" and sizes["S1"] == "(s)"
    # no share in S1's row: 38 at 95 % gives S1 = 40, then S2 = 95 - 40 - 52 = 3
    assert all("\n" not in text for (i, _), text in drawn["texts"].items() if i in (0, 1))
    assert drawn["mask"][:2].all()  # nor a colour that says the share
    check_confusion(matrix, drawn, sizes)


# --------------------------------------------------------------------------- replication
SMALL_AT: dict[str, int] = {}
"""The k whose smallest subgroup the run below makes 3 patients."""

@pytest.fixture(scope="module")
def replicated(tmp_path_factory):
    """A light workflow run whose replication puts 3 external patients in one subgroup."""
    from stratify import cluster

    def replicate(model, X, random_state=None):
        row = pd.DataFrame([{"n": 60, "k_model": 3, "k_external": 3,
                             "prediction_strength": 0.8, "in_group_proportion": 0.9,
                             "in_group_proportion_min": 2 / 3, "ari": 0.7,
                             "centroid_correlation": 0.9}])
        row.attrs["per_subgroup"] = pd.DataFrame(
            {"in_group_proportion": [0.95, 2 / 3, 0.95],
             "centroid_correlation": [0.9, 0.8, 0.9],
             "n_transferred": [37, 3, 20], "n_external_cluster": [36, 6, 18]},
            index=pd.Index([0, 1, 2], name="subgroup"))
        return row

    light = {"n_jobs": 1, "scores": {"enabled": False}, "quality": {"enabled": False},
             "classify": {"enabled": False}, "survival": {"enabled": False},
             "explain": {"enabled": False},
             "cluster": {"n_resamples": 5, "k_max": 3, "n_imputations": 2, "n_null": 0}}
    cohort = st.synthetic.make_pss_cohort(n_patients=80, n_centers=2, random_state=0)
    external = st.synthetic.make_pss_cohort(n_patients=60, n_centers=2, random_state=7,
                                            first_patient=5001)
    fit = cluster.ConsensusClustering.fit

    def fit_with_a_small_cluster(self, X, y=None):
        # as if a solution not chosen had a subgroup of 3 of the clustered patients
        fit(self, X, y)
        SMALL_AT["k"] = next(k for k in self.scores_.index if k not in (1, self.k_))
        self.scores_.loc[SMALL_AT["k"], "smallest"] = 3 / len(self.labels_)
        return self

    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        patch.setattr(cluster, "replicate", replicate)
        patch.setattr(cluster.ConsensusClustering, "fit", fit_with_a_small_cluster)
        result = st.Stratification(light).run(cohort, validation=external)
    out = tmp_path_factory.mktemp("replicated")
    result.save(out / "saved")
    page = write_report(result, out / "report").read_text(encoding="utf-8")
    return result, out, page


def column_ranges(texts, total):
    """Feasible ranges of the hidden counts of one column that adds up to ``total``."""
    cells = {("all", g): (int(t) if str(t).isdigit() else str(t)) for g, t in texts.items()}
    return reader_ranges(cells, {"all": total}, total)


@pytest.mark.slow
def test_replication_counts_in_the_saved_csv_cannot_be_recomputed(replicated):
    result, out, _ = replicated
    assert "replicate" not in result.skipped
    saved = pd.read_csv(out / "saved" / "tables" / "replication_by_subgroup.csv",
                        index_col=0, dtype=str, keep_default_na=False)
    saved.index = saved.index.astype(str)
    n = int(pd.read_csv(out / "saved" / "tables" / "replication.csv")["n"].iloc[0])
    truth = {"n_transferred": [37, 3, 20], "n_external_cluster": [36, 6, 18]}
    for column, true in truth.items():
        ranges = column_ranges(saved[column], n)
        for (_, g), (lo, hi) in ranges.items():
            if 0 < true[int(g[1:]) - 1] < MIN_CELL:
                assert hi - lo >= 1, f"{column} of subgroup {g} recovered"
        assert not any(saved[column].iloc[k] == str(v) for k, v in enumerate(true)
                       if 0 < v < MIN_CELL)
    # named as result.labels names the subgroups
    assert list(saved.index) == ["S1", "S2", "S3"]
    assert saved.loc["S2", "n_transferred"] == "<5"
    # 2/3 of a hidden count would say it is 3 (or 6): the proportion is hidden with it
    assert saved.loc["S2", "in_group_proportion"] == ""
    replication = pd.read_csv(out / "saved" / "tables" / "replication.csv")
    assert replication["in_group_proportion_min"].isna().all()
    loaded = StratificationResult.load(out / "saved").tables["replication_by_subgroup"]
    assert loaded["n_transferred"].tolist() == ["37", "<5", "(s)"]


@pytest.mark.slow
def test_replication_counts_in_the_report_cannot_be_recomputed(replicated):
    _, _, page = replicated
    section = page.split('id="replication"')[1].split("</section>")[0]
    rows = re.findall(r"<th>(S\d)</th>\s*((?:<td>[^<]*</td>\s*)+)", section)
    texts = pd.Series({g: html.unescape(re.findall(r"<td>([^<]*)</td>", cells)[2])
                       for g, cells in rows})
    assert texts["S2"] == "<5"
    ranges = column_ranges(texts, 60)
    assert ranges and all(hi - lo >= 1 for (_, g), (lo, hi) in ranges.items() if g == "S2")


@pytest.mark.slow
def test_smallest_subgroup_share_does_not_give_a_small_subgroup_size_away(replicated):
    result, out, page = replicated
    n = len(result.labels)
    saved = pd.read_csv(out / "saved" / "tables" / "cluster_scores.csv", index_col=0)
    sizes = (saved["smallest"] * n).round()
    assert pd.isna(saved.loc[SMALL_AT["k"], "smallest"])
    assert not ((sizes > 0) & (sizes < MIN_CELL)).any()
    assert saved.loc[result.k, "smallest"] * n == pytest.approx(result.labels.value_counts().min())
    section = page.split('id="subgroups"')[1].split("</section>")[0]
    assert f"{3 / n:.3g}" not in section


# --------------------------------------------------------------------------- exclusions
def excluded_result():
    excluded = pd.DataFrame({
        "patient_id": [f"p{i}" for i in range(30)],
        "step": ["cluster"] * 23 + ["survival"] * 7,
        "reason": ["no cluster feature observed"] * 3 + ["small centre"] * 20
        + ["no follow-up"] * 7})
    return StratificationResult(config={"report": {"min_cell": MIN_CELL}}, versions={},
                                excluded=excluded)


def check_exclusions(texts):
    """texts: {(step, reason): printed count}; each step's total (23 and 7) is known."""
    truth = {("cluster", "no cluster feature observed"): 3, ("cluster", "small centre"): 20,
             ("survival", "no follow-up"): 7}
    for step, total in (("cluster", 23), ("survival", 7)):
        cells = {(step, reason): (int(t) if t.isdigit() else t)
                 for (s, reason), t in texts.items() if s == step}
        ranges = reader_ranges(cells, {step: total}, total)
        for name, (lo, hi) in ranges.items():
            if 0 < truth[name] < MIN_CELL:
                assert hi - lo >= 1, f"{name} recovered"
    assert texts[("cluster", "no cluster feature observed")] == "<5"


def test_exclusion_counts_of_the_summary_cannot_be_recomputed_from_the_step_totals():
    lines = [ln for ln in excluded_result().summary().splitlines()
             if ln.startswith("excluded from")]
    texts = {}
    for line in lines:
        step, count, reason = re.fullmatch(r"excluded from (\w+): (\S+) patient\(s\) \((.*)\)",
                                           line).groups()
        texts[(step, reason)] = count
    check_exclusions(texts)


def test_exclusion_counts_of_the_report_cannot_be_recomputed_from_the_step_totals(tmp_path):
    page = write_report(excluded_result(), tmp_path).read_text(encoding="utf-8")
    section = page.split('id="excluded"')[1].split("</section>")[0]
    body = section.split("<tbody>")[1]
    texts, step = {}, None
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        heads = re.findall(r"<th[^>]*>([^<]*)</th>", row)
        step = heads[0] if len(heads) == 2 else step
        texts[(step, heads[-1])] = html.unescape(re.search(r"<td>([^<]*)</td>", row).group(1))
    assert len(texts) == 3
    check_exclusions(texts)


# --------------------------------------------------------------------------- classifier metrics
def metrics_of(matrix):
    """The count-based metrics of a confusion matrix, as ``cross_validate`` reports them."""
    counts = matrix.to_numpy(dtype=float)
    support, predicted, hits = counts.sum(axis=1), counts.sum(axis=0), np.diag(counts)
    recall = hits / support
    f1 = 2 * hits / (support + predicted)
    rows = {"balanced_accuracy": recall.mean(), "macro_f1": f1.mean(), "log_loss": 0.3,
            **{f"recall[{c}]": r for c, r in zip(matrix.index, recall, strict=True)}}
    return pd.DataFrame({"estimate": rows, "lower": 0.0, "upper": 1.0, "se": 0.01})


def completions(matrix, texts):
    """Every integer table a reader cannot tell from the printed one (rows add up to the
    printed subgroup sizes, "<5" is 1-4, "(s)" 5 or more)."""
    per_row = []
    for r in matrix.index:
        total = int(matrix.loc[r].sum())
        free = [c for c in matrix.columns if not texts.loc[r, c].isdigit()]
        known = {c: int(texts.loc[r, c]) for c in matrix.columns if c not in free}
        ranges = [range(1, MIN_CELL) if texts.loc[r, c].startswith("<")
                  else range(MIN_CELL, total + 1) for c in free]
        rows = []
        for values in itertools.product(*ranges):
            if sum(values) + sum(known.values()) == total:
                rows.append({**known, **dict(zip(free, values, strict=True))})
        per_row.append(rows)
    for choice in itertools.product(*per_row):
        yield pd.DataFrame(list(choice), index=matrix.index)[list(matrix.columns)]


def published(metrics):
    """What the saved table lets a reader match: every printed value."""
    return {(m, col): v for m, row in metrics.iterrows() for col, v in row.items()
            if col != "suppressed" and pd.notna(v)}


@pytest.mark.parametrize("matrix", [
    MATRIX,
    pd.DataFrame([[39, 0, 0], [2, 33, 0], [0, 0, 26]], index=["S1", "S2", "S3"],
                 columns=["S1", "S2", "S3"]),  # one row with a hidden cell
], ids=["four-rows", "one-hidden-row"])
def test_classifier_metrics_do_not_give_a_hidden_confusion_count_back(matrix):
    from stratify._protection import protected_metrics as _protected_metrics
    from stratify._utils.count_texts import confusion_texts

    matrix = matrix.rename_axis(index="true", columns="predicted")
    labels = pd.Series(np.repeat(matrix.index, matrix.sum(axis=1).to_numpy()))
    texts, _ = confusion_texts(matrix, labels, MIN_CELL)
    shown = _protected_metrics(metrics_of(matrix), matrix, labels, MIN_CELL)
    # unprotected, the recall of a row with a hidden cell gives its diagonal back
    assert shown["suppressed"].any()
    target = published(shown)
    feasible = []
    for table in completions(matrix, texts):
        candidate = published(_protected_metrics(metrics_of(table), table, labels, MIN_CELL))
        if candidate.keys() == target.keys() and all(
                np.isclose(candidate[key], target[key], rtol=0, atol=1e-12) for key in target):
            feasible.append(table)
    assert any(t.equals(matrix) for t in feasible)
    small = [(r, c) for r in matrix.index for c in matrix.columns
             if 0 < matrix.loc[r, c] < MIN_CELL]
    recovered = [cell for cell in small if len({t.loc[cell] for t in feasible}) == 1]
    assert not recovered, f"recovered: {recovered}"
