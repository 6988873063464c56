"""Small cells cannot be recovered: every hidden small count is recomputed by a reader.

The reader's attack: take a table as displayed, treat each hidden cell as an
unknown (a cell shown as "<5" lies in [1, 4], a complementary "(s)" in
[5, inf), a cell never printed in [0, inf)), write every total shown as a
linear equation, and find each unknown's smallest and largest feasible value
with a linear program, independently of the library's own audit. A small
count is recovered when both are equal. Tiny tables are also solved by brute
force over every integer completion.
"""

import itertools
import re

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from stratify.data import quality_report
from stratify.report import suppress_small_cells, table_one
from stratify.workflow import StratificationResult

MIN_CELL = 5


def feasible_ranges(equations, unknowns, bounds):
    """Smallest and largest value of each unknown given ``sum(coef * cell) == rhs``.

    ``equations``: list of (dict name -> coefficient, rhs) over unknown names.
    """
    names = list(unknowns)
    a_eq = np.array([[coef.get(n, 0.0) for n in names] for coef, _ in equations])
    b_eq = np.array([rhs for _, rhs in equations])
    out = {}
    for k, name in enumerate(names):
        c = np.zeros(len(names))
        c[k] = 1.0
        lo = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=[bounds[n] for n in names])
        hi = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=[bounds[n] for n in names])
        assert lo.status in (0, 3) and hi.status in (0, 3), "the shown table is inconsistent"
        out[name] = (lo.fun if lo.status == 0 else -np.inf,
                     -hi.fun if hi.status == 0 else np.inf)
    return out


def table_equations(counts, shown):
    """Equations and bounds a reader writes for a table with its totals."""
    full = counts.copy()
    full["Total"] = counts.sum(axis=1)
    full.loc["Total"] = full.sum(axis=0)
    full = full.reindex(index=shown.index, columns=shown.columns)
    cells = {(r, c) for r in shown.index for c in shown.columns}
    hidden = {rc for rc in cells if pd.isna(shown.loc[rc])}
    # "(s)" is 0 or at least 5; solving within the true branch can only help the reader
    bounds = {rc: ((1, MIN_CELL - 1) if 0 < full.loc[rc] < MIN_CELL
                   else (0, 0) if full.loc[rc] == 0 else (MIN_CELL, None)) for rc in hidden}
    lines = [[(r, c) for c in shown.columns] for r in shown.index]
    lines += [[(r, c) for r in shown.index] for c in shown.columns]
    equations = []
    for line in lines:
        # the last member of each line is its total (when it is displayed)
        coef = {rc: (-1.0 if k == len(line) - 1 else 1.0) for k, rc in enumerate(line)}
        if line[-1][0] != "Total" and line[-1][1] != "Total":
            continue
        rhs = -sum(coef[rc] * float(shown.loc[rc]) for rc in line if rc not in hidden)
        unknown = {rc: coef[rc] for rc in line if rc in hidden}
        if unknown:
            equations.append((unknown, rhs))
    return equations, hidden, bounds, full


def assert_no_small_cell_recovered(counts, shown):
    equations, hidden, bounds, full = table_equations(counts, shown)
    if not hidden:
        assert not ((full > 0) & (full < MIN_CELL)).any().any()
        return
    ranges = feasible_ranges(equations, hidden, bounds)
    for rc, (lo, hi) in ranges.items():
        if 0 < full.loc[rc] < MIN_CELL:
            assert hi - lo >= 1, f"small cell {rc} = {full.loc[rc]} recovered"
    # every small count is hidden
    small = (full > 0) & (full < MIN_CELL)
    assert shown[small].isna().all().all()


def test_single_small_cell_gets_a_companion_in_its_row_and_column():
    counts = pd.DataFrame({"S1": [40, 3], "S2": [30, 12]}, index=["F", "M"])
    shown = suppress_small_cells(counts)
    assert shown.loc[["F", "M"], ["S1", "S2"]].isna().all().all()  # the 2 x 2 cycle
    assert shown.loc["Total", "Total"] == 85 and shown.loc["M", "Total"] == 15
    assert_no_small_cell_recovered(counts, shown)


def test_two_small_cells_adding_up_to_a_known_small_total_are_not_enough():
    # 1 + 1 = 2 with both in [1, 4] gives both away: a third cell must go
    sizes = pd.Series({"S1": 1, "S2": 1, "S3": 52})
    shown = suppress_small_cells(sizes)
    assert shown.drop("Total").isna().all() and shown["Total"] == 54


@pytest.mark.parametrize("seed", range(30))
def test_random_tables_leave_no_small_cell_recoverable(seed):
    rng = np.random.default_rng(seed)
    n_rows, n_cols = rng.integers(2, 5), rng.integers(2, 5)
    values = rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 40], size=(n_rows, n_cols),
                        p=[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.15, 0.15])
    counts = pd.DataFrame(values, index=[f"r{i}" for i in range(n_rows)],
                          columns=[f"c{j}" for j in range(n_cols)])
    shown = suppress_small_cells(counts)
    assert_no_small_cell_recovered(counts, shown)
    # the test has teeth: with primary suppression alone, a lone small cell is recovered
    unprotected = counts.mask((counts > 0) & (counts < MIN_CELL))
    if ((counts > 0) & (counts < MIN_CELL)).to_numpy().sum() == 1:
        full = unprotected.copy()
        full["Total"] = counts.sum(axis=1)
        full.loc["Total"] = counts.sum(axis=0).tolist() + [counts.to_numpy().sum()]
        full = full.astype("Int64")
        with pytest.raises(AssertionError, match="recovered"):
            assert_no_small_cell_recovered(counts, full)


def test_brute_force_agrees_on_a_tiny_table():
    counts = pd.DataFrame({"A": [2, 7], "B": [6, 1]}, index=["x", "y"])
    shown = suppress_small_cells(counts)
    equations, hidden, bounds, full = table_equations(counts, shown)
    names = sorted(hidden)
    grids = [range(lo, (hi if hi is not None else 30) + 1) for lo, hi in
             (bounds[n] for n in names)]
    solutions = [dict(zip(names, v, strict=True)) for v in itertools.product(*grids)
                 if all(abs(sum(c * v_[n] for n, c in coef.items()) - rhs) < 1e-9
                        for coef, rhs in equations
                        for v_ in [dict(zip(names, v, strict=True))])]
    assert solutions
    for name in names:
        if 0 < full.loc[name] < MIN_CELL:
            assert len({s[name] for s in solutions}) > 1, name


def test_parameters_are_checked():
    with pytest.raises(ValueError, match="min_cell"):
        suppress_small_cells(pd.DataFrame({"a": [1]}), min_cell=0)
    with pytest.raises(ValueError, match="non-negative whole counts"):
        suppress_small_cells(pd.DataFrame({"a": [-1, 2]}))
    assert suppress_small_cells(pd.DataFrame({"a": [1, 2]}), min_cell=1).notna().all().all()


# --------------------------------------------------------------------------- Table 1
def parse_count(text):
    """The count of a Table 1 cell, or None when hidden ("<5", "(s)")."""
    match = re.fullmatch(r"(\d+)( \([\d.]+\))?", text)
    return int(match.group(1)) if match else None


def test_table_one_overall_column_no_longer_gives_the_small_level_by_subtraction():
    # the case: 95 women and 3 men of 98; the old table printed "F 95 (96.9)"
    sex = ["F"] * 95 + ["M"] * 3
    group = ["S1"] * 50 + ["S2"] * 45 + ["S2"] * 3
    t = table_one(pd.DataFrame({"sex": sex, "g": group}), "g")
    overall = t.loc[("sex", "F"), "Overall"], t.loc[("sex", "M"), "Overall"]
    assert overall[1] == "<5"
    assert parse_count(overall[0]) is None  # hidden too: 98 - F would give M
    assert t.loc[("sex", "M"), "S2"] == "<5"


def table_one_reader_check(t, variable, groups, n_total):
    """Solve a categorical variable of a displayed Table 1 for its hidden counts."""
    rows = t.loc[variable]
    levels = list(rows.index)
    sizes = t.attrs["n"]
    missing_text = rows["Missing"].iloc[0]
    unknown, bounds, equations = [], {}, []

    def value(name, text):
        count = parse_count(str(text))
        if count is not None:
            return count
        unknown.append(name)
        bounds[name] = (1, MIN_CELL - 1) if str(text).startswith("<") else (MIN_CELL, None)
        return None

    size = {g: value(("n", g), sizes[g]) if isinstance(sizes[g], str) else sizes[g]
            for g in groups}
    missing = 0 if missing_text == "0" else value(("missing", "Overall"), missing_text)
    # per-group missing counts are never printed
    for g in [*groups, "Overall"]:
        if ("missing", g) not in bounds:
            unknown.append(("missing", g))
            bounds[("missing", g)] = (0, None)
    cells = {(lv, g): value((lv, g), rows.loc[lv, g]) for lv in levels
             for g in [*groups, "Overall"]}

    def term(name, known):
        return ({name: 1.0}, 0.0) if known is None else ({}, float(known))

    for g in [*groups, "Overall"]:
        coef, rhs = {}, 0.0
        for lv in levels:
            c, k = term((lv, g), cells[(lv, g)])
            coef.update(c)
            rhs -= k
        coef[("missing", g)] = 1.0
        total = n_total if g == "Overall" else size[g]
        if total is None:
            coef[("n", g)] = -1.0
        else:
            rhs += total
        equations.append((coef, rhs))
    for lv in [*levels, "missing"]:
        coef, rhs = {}, 0.0
        for g in groups:
            name = (lv, g)
            known = None if lv == "missing" else cells[name]
            c, k = term(name, known)
            coef.update(c)
            rhs -= k
        name = (lv, "Overall")
        known = missing if lv == "missing" else cells[name]
        if known is None:
            coef[name] = -1.0
        else:
            rhs += known
        equations.append((coef, rhs))
    if missing is not None:
        bounds[("missing", "Overall")] = (missing, missing)
    return feasible_ranges(equations, list(dict.fromkeys(unknown)), bounds)


@pytest.mark.parametrize("seed", range(8))
def test_table_one_hidden_counts_cannot_be_recomputed(seed):
    rng = np.random.default_rng(seed)
    n = 120
    group = rng.choice(["S1", "S2", "S3"], n, p=[0.5, 0.45, 0.05])
    df = pd.DataFrame({
        "sex": rng.choice(["F", "M"], n, p=[0.93, 0.07]).astype(object),
        "smoking": (rng.random(n) < 0.08).astype(float),
        "g": group})
    df.loc[rng.choice(n, 3, replace=False), "sex"] = None
    t = table_one(df, "g")
    groups = sorted(set(group))
    truth = pd.crosstab(df["sex"].fillna("(missing)"), df["g"])
    ranges = table_one_reader_check(t, "sex", groups, n)
    for (level, g), (lo, hi) in ranges.items():
        if level in ("n",):
            continue
        true = (truth.loc[level if level != "missing" else "(missing)"].sum() if g == "Overall"
                else truth.loc[level if level != "missing" else "(missing)", g])
        if 0 < true < MIN_CELL:
            assert hi - lo >= 1, f"sex={level} in {g} ({true}) recovered"


def test_table_one_group_sizes_hide_a_companion():
    df = pd.DataFrame({"age": np.linspace(30, 70, 60), "g": ["S1"] * 27 + ["S2"] * 30 + ["S3"] * 3})
    t = table_one(df, "g")
    assert t.attrs["n"]["S3"] == "<5"
    assert sum(isinstance(v, str) for v in t.attrs["n"].values()) >= 2


# --------------------------------------------------------------------------- the report
def test_at_a_glance_sizes_are_protected():
    result = StratificationResult(config={"report": {"min_cell": 5}}, versions={})
    result.labels = pd.Series(["S1"] * 40 + ["S2"] * 3 + ["S3"] * 52)
    line = [ln for ln in result.summary().splitlines() if ln.startswith("subgroups")][0]
    assert "S2: <5" in line and "S2: 3" not in line
    assert "S1: (s)" in line and "S3: 52" in line


def test_quality_table_hides_completeness_of_a_three_patient_centre():
    rng = np.random.default_rng(0)
    n = 63
    df = pd.DataFrame({"patient_id": [f"p{i}" for i in range(n)],
                       "center": ["A"] * 30 + ["B"] * 30 + ["C"] * 3,
                       "bmi": rng.normal(26, 4, n)})
    df.loc[[60, 61], "bmi"] = np.nan  # completeness 1/3 in C
    report = quality_report(df)
    table = report.to_frame().set_index(["center", "variable"])
    assert pd.isna(table.loc[("C", "bmi"), "completeness"])
    assert pd.isna(table.loc[("C", "bmi"), "n"]) and pd.isna(table.loc[("C", "bmi"), "n_observed"])
    # a companion centre size is hidden, so the number of patients does not give C away
    assert table.xs("bmi", level="variable")["n"].isna().sum() >= 2
    html = report.to_html()
    assert "33%" not in html and "0.33" not in html
    raw = report.to_frame(min_cell=1).set_index(["center", "variable"])
    assert raw.loc[("C", "bmi"), "completeness"] == pytest.approx(1 / 3)
    # per variable, observed/missing by centre with totals: nothing recovered
    counts = pd.DataFrame({"observed": raw.xs("bmi", level="variable")["n_observed"],
                           "missing": raw.xs("bmi", level="variable")["n"]
                           - raw.xs("bmi", level="variable")["n_observed"]}).astype(int)
    shown = pd.DataFrame({"observed": table.xs("bmi", level="variable")["n_observed"],
                          "missing": table.xs("bmi", level="variable")["n"]
                          - table.xs("bmi", level="variable")["n_observed"]})
    shown["Total"] = table.xs("bmi", level="variable")["n"]
    # the report prints the number of patients, not the totals by column
    total = pd.DataFrame({"observed": [pd.NA], "missing": [pd.NA], "Total": [n]},
                         index=["Total"], dtype="Int64")
    assert_no_small_cell_recovered(counts, pd.concat([shown.astype("Int64"), total]))


def test_quality_findings_and_their_total_by_severity_keep_small_counts_hidden():
    rng = np.random.default_rng(1)
    n = 200
    df = pd.DataFrame({"patient_id": [f"p{i}" for i in range(n)],
                       "center": ["A"] * 100 + ["B"] * 100,
                       "igg_g_l": rng.normal(15, 3, n).clip(3, 40),
                       "essdai_cns": np.zeros(n)})
    df.loc[:99, "igg_g_l"] *= 100  # 100 out of range in A
    df.loc[[150, 151], "essdai_cns"] = 1  # 2 invalid levels in B
    report = quality_report(df)
    html = report.to_html()
    # the summary prints 102 impossible findings: the 2 cannot be 102 - 100
    assert "102 impossible" in report.summary()
    section = html.split("Plausibility findings")[1]
    assert ">100<" not in section and "&lt;5" in section and "(s)" in section
    flags = report.flags().set_index(["center", "variable"])
    assert flags.loc[("B", "essdai_cns"), "reason"].startswith("<5 implausible")
