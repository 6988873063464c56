"""Run a benchmark suite and write machine-readable results plus a Markdown summary.

Each benchmark module ``benchmarks/bench_<task>.py`` exposes
``run(suite="quick"|"full", seed=0) -> list[dict]``; every dict is one
measurement with the columns ``task, method, dataset, n, seed``, its metrics,
``seconds`` and ``peak_memory_mb``. The grid of (module, seed) runs through
:func:`stratify.parallel.run`, so ``--scheduler ADDRESS`` runs it on a Dask
cluster; quality metrics are identical whatever the backend (timings are not,
so the default is one worker: timings measured one at a time). BLAS and OpenMP
threads are limited to ``threads`` (default 1) while a module runs: on a few
shared cores, threaded numeric code slowed tenfold when another process used a
core (docs/performance.md), so one thread gives timings that hold on a busy machine.

The Markdown summary opens with the headline (:func:`headline_markdown`): the
default workflow against the naive baseline under registry missingness with
centre effects, the lymphoma risk model against the clinical score and the
oracle, and the subgroup classifier against the oracle; ``README.md`` in the
output directory repeats it beside the list of files.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

MODULES = ("synthetic", "impute", "cluster", "mixtures", "recovery", "explain", "classify",
           "survival", "quality", "validate", "formats", "validity", "workflow", "phenotypes")
SUITES: dict[str, dict[str, tuple[int, ...]]] = {
    "quick": {"seeds": (0,)},
    "full": {"seeds": (0, 1, 2)},
}
REQUIRED_COLUMNS = ("task", "method", "dataset", "n", "seed", "seconds", "peak_memory_mb")


def available_modules() -> list[str]:
    """Benchmark modules present in this checkout, in run order."""
    here = Path(__file__).parent
    return [m for m in MODULES if (here / f"bench_{m}.py").exists()]


def _run_module(name: str, suite: str, seed: int, threads: int | None = 1
                ) -> list[dict[str, Any]]:
    """Rows of one benchmark module (``name`` of ``benchmarks/bench_<name>.py``, or a
    dotted module path) for one seed, checked for the required columns; BLAS and
    OpenMP threads limited to ``threads`` (None: the libraries' defaults)."""
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    module = _module(name)
    with threadpool_limits(threads) if threads is not None else nullcontext():
        rows = module.run(suite=suite, seed=seed)
    for row in rows:
        row.setdefault("seed", seed)
        row.setdefault("task", name)
        missing = [c for c in REQUIRED_COLUMNS if c not in row]
        if missing:
            raise ValueError(f"benchmarks.bench_{name} returned a row without {missing}.")
    return rows


def _module(name: str) -> Any:
    return importlib.import_module(name if "." in name else f"benchmarks.bench_{name}")


def module_seeds(name: str, suite: str) -> tuple[int, ...]:
    """Seeds a module runs in ``suite``: the suite's, or fewer when the module says so
    in ``SUITE_SEEDS`` (scale measurements whose spread over seeds is only timing noise)."""
    seeds = SUITES[suite]["seeds"]
    own = getattr(_module(name), "SUITE_SEEDS", {}).get(suite)
    return tuple(s for s in seeds if s in own) if own is not None else seeds


LIBRARIES = {"numpy": "numpy", "pandas": "pandas", "scipy": "scipy", "sklearn": "scikit-learn",
             "lifelines": "lifelines", "sksurv": "scikit-survival", "shap": "shap",
             "umap": "umap-learn", "hdbscan": "hdbscan", "joblib": "joblib", "dask": "dask"}
"""The libraries whose versions a run records: import name -> distribution name."""


def versions() -> dict[str, str]:
    """Versions of Python, stratify and the libraries it builds on.

    Read from the installed distributions' metadata (:func:`importlib.metadata.version`),
    never by importing them: importing umap compiles its numba functions, which
    kept ``stratify bench`` silent for minutes after its progress bar had reached
    100 %. A library that is not installed is left out.
    """
    from importlib.metadata import PackageNotFoundError, version

    from stratify import __version__

    out = {"python": platform.python_version(), "platform": platform.platform(),
           "stratify": __version__}
    for name, distribution in LIBRARIES.items():
        try:
            out[name] = version(distribution)
        except PackageNotFoundError:
            continue
    return out


def _checkpoint_path(checkpoint: str | Path, name: str, suite: str, seed: int) -> Path:
    return Path(checkpoint) / f"{name.replace('.', '_')}-{suite}-{seed}.json"


def _run_checkpointed(name: str, suite: str, seed: int, threads: int | None,
                      checkpoint: str | Path | None) -> list[dict[str, Any]]:
    """:func:`_run_module`, reusing / saving its rows in ``checkpoint`` when given."""
    if checkpoint is None:
        return _run_module(name, suite, seed, threads)
    path = _checkpoint_path(checkpoint, name, suite, seed)
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    rows = _run_module(name, suite, seed, threads)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(pd.DataFrame(rows).to_json(orient="records", double_precision=15),
                       encoding="utf-8")
    partial.replace(path)
    return rows


def run_suite(suite: str = "quick", *, modules: list[str] | None = None,
              n_jobs: int | None = 1, quiet: bool = False,
              threads: int | None = 1, checkpoint: str | Path | None = None) -> pd.DataFrame:
    """Run every benchmark module of ``suite`` over its seeds; one row per measurement.

    With ``checkpoint`` (a directory), the rows of every (module, seed) are saved
    there as soon as they are measured, and rows already saved are reused: a run
    that was interrupted resumes where it stopped (``frame.attrs["resumed"]``
    counts the reused tasks).
    """
    from stratify.parallel import run

    if suite not in SUITES:
        raise ValueError(f"suite must be one of {sorted(SUITES)}; got {suite!r}.")
    modules = available_modules() if modules is None else modules
    tasks = [(m, suite, seed, threads, checkpoint)
             for m in modules for seed in module_seeds(m, suite)]
    resumed = 0 if checkpoint is None else sum(
        _checkpoint_path(checkpoint, m, suite, seed).exists() for m, _, seed, _, _ in tasks)
    results = run(_run_checkpointed, tasks, n_jobs=n_jobs, progress=not quiet,
                  desc="benchmarks")
    rows = [row for chunk in results for row in chunk]
    frame = pd.DataFrame(rows)
    first = [c for c in REQUIRED_COLUMNS if c in frame.columns]
    frame = frame[first + [c for c in frame.columns if c not in first]]
    frame.attrs["resumed"] = resumed
    return frame


GROUP_COLUMNS = ("mechanism", "fraction", "step", "model", "kind", "library", "baseline",
                 "note")
"""Design columns that, beside task, method, dataset and n, tell measurements apart
(e.g. the masking mechanism of an imputation row): summaries never average across them."""


def summarize(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation over seeds of every numeric column."""
    keys = ["task", "method", "dataset", "n"] + [c for c in GROUP_COLUMNS if c in frame.columns]
    numeric = [c for c in frame.select_dtypes("number").columns
               if c not in ("n", "seed") and c not in keys]
    grouped = frame.groupby(keys, dropna=False, sort=False)[numeric]
    mean = grouped.mean()
    std = grouped.std()
    out = mean.copy()
    for col in numeric:
        if frame["seed"].nunique() > 1:
            out[col] = [f"{m:.3g} ± {s:.2g}" if pd.notna(s) else f"{m:.3g}"
                        for m, s in zip(mean[col], std[col], strict=True)]
    if frame["seed"].nunique() > 1:
        out.insert(0, "seeds", grouped.size())
    return out.reset_index()


# ------------------------------------------------------------------ headline
HEADLINE_SCENARIO = "registry+centres"
"""The recovery scenario of the headline: registry missingness with centre effects."""
DEFAULT_METHOD = "stratify-gmm"
"""The default workflow's clustering in ``bench_recovery``."""
NAIVE_METHOD = "naive"


def _stat(values: pd.Series) -> tuple[float, float, int]:
    values = pd.to_numeric(values, errors="coerce").dropna()
    sd = float(values.std()) if len(values) > 1 else float("nan")
    return float(values.mean()) if len(values) else float("nan"), sd, int(len(values))


def _fold(value: float) -> str:
    """A ratio such as 2.03× (three significant digits; 'n/a' when undefined)."""
    return "n/a" if pd.isna(value) or value == float("inf") else f"{value:.3g}×"


def _fmt(mean: float, sd: float = float("nan")) -> str:
    if pd.isna(mean):
        return "n/a"
    return f"{mean:.3f} ± {sd:.3f}" if pd.notna(sd) else f"{mean:.3f}"


def _headline_n(sub: pd.DataFrame, methods: tuple[str, ...]) -> int | None:
    """The n measured for every method with the most seeds (ties: the largest n)."""
    counts = {}
    for n, at_n in sub.groupby("n"):
        if all((at_n["method"] == m).any() for m in methods):
            counts[int(n)] = min(int((at_n["method"] == m).sum()) for m in methods)
    if not counts:
        return None
    return max(counts, key=lambda n: (counts[n], n))


PLAIN_CLUSTER = "plain-coassociation"


def headline(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The numbers the project claims, computed from benchmark rows.

    Returns a dict with up to seven entries, each a dict of plain numbers:
    ``recovery`` (default workflow against the naive baseline under registry
    missingness with centre effects: ``ari``, ``naive_ari``, ``oracle_ari``,
    ``ratio`` and ``naive_ratio`` to the oracle, ``gain`` = ari - naive_ari,
    ``fold`` = ari / naive_ari, ``by_n``), ``survival`` (held-out C-index of
    the default Cox model, of the seven-factor clinical score and of the true
    linear predictor), ``classification`` (held-out balanced accuracy of
    ``SubgroupClassifier(hgb)`` and of the oracle), ``scale`` (the
    workflow's seconds against the plain scikit-learn/lifelines chain) and
    ``cluster_scale`` (consensus clustering's seconds and peak memory per n,
    with ratios over the plain exact-matrix co-association where it ran) and
    ``mixtures_k`` and ``mixtures_own_covariance`` (per method, how many
    random mixtures with missing values, or with a covariance per subgroup,
    had their planted k found, and the mean ARI). An entry is left out when
    its rows are absent.
    """
    out: dict[str, dict[str, Any]] = {}
    task = frame.get("task", pd.Series(dtype=object))
    rec = frame[(task == "recovery") & (frame.get("dataset") == HEADLINE_SCENARIO)]
    n = _headline_n(rec, (DEFAULT_METHOD, NAIVE_METHOD)) if len(rec) else None
    if n is not None:
        at = rec[rec["n"] == n]
        ours, naive = at[at["method"] == DEFAULT_METHOD], at[at["method"] == NAIVE_METHOD]
        ari, ari_sd, seeds = _stat(ours["ari"])
        naive_ari, naive_sd, _ = _stat(naive["ari"])
        oracle, _, _ = _stat(ours["oracle_ari"])  # one value per seed
        by_n = {}
        for size, group in rec.groupby("n"):
            a = _stat(group.loc[group["method"] == DEFAULT_METHOD, "ari"])[0]
            b = _stat(group.loc[group["method"] == NAIVE_METHOD, "ari"])[0]
            if pd.notna(a) and pd.notna(b):
                by_n[int(size)] = {"ari": a, "naive_ari": b,
                                   "oracle_ari": _stat(group["oracle_ari"])[0]}
        out["recovery"] = {
            "n": n, "seeds": seeds, "ari": ari, "ari_sd": ari_sd, "naive_ari": naive_ari,
            "naive_ari_sd": naive_sd, "oracle_ari": oracle, "ratio": ari / oracle,
            "naive_ratio": naive_ari / oracle, "gain": ari - naive_ari,
            "fold": ari / naive_ari if naive_ari > 0 else float("inf"),
            "k_chosen": _stat(ours.get("k_chosen", pd.Series(dtype=float)))[0],
            "naive_k_chosen": _stat(naive.get("k_chosen", pd.Series(dtype=float)))[0],
            "by_n": by_n,
        }
    surv = frame[task == "survival_synthetic"]
    if len(surv) and {"stratify_cox", "fragkioudaki_count"} <= set(surv["method"]):
        n = int(surv["n"].max())
        at = surv[surv["n"] == n]
        cox_rows = at[at["method"] == "stratify_cox"]
        cox, cox_sd, seeds = _stat(cox_rows["c_index"])
        score, score_sd, _ = _stat(at.loc[at["method"] == "fragkioudaki_count", "c_index"])
        oracle, oracle_sd, _ = _stat(cox_rows["oracle_c_index"])  # one value per seed
        models = at[at["method"].str.startswith("stratify_")].groupby("method")["c_index"].mean()
        out["survival"] = {
            "n": n, "seeds": seeds, "c_index": cox, "c_index_sd": cox_sd,
            "clinical_c_index": score, "clinical_c_index_sd": score_sd,
            "oracle_c_index": oracle, "oracle_c_index_sd": oracle_sd,
            "ratio": cox / oracle, "gain_over_clinical": cox - score,
            "best_method": str(models.idxmax()), "best_c_index": float(models.max()),
        }
    cls = frame[task == "classify"]
    ours_name, plain_name = ("stratify SubgroupClassifier(hgb)",
                             "sklearn HistGradientBoostingClassifier")
    if len(cls) and ours_name in set(cls["method"]):
        n = int(cls.loc[cls["method"] == ours_name, "n"].max())
        at = cls[cls["n"] == n]
        ours, plain = at[at["method"] == ours_name], at[at["method"] == plain_name]
        accuracy, accuracy_sd, seeds = _stat(ours["balanced_accuracy"])
        oracle, _, _ = _stat(ours["oracle_balanced_accuracy"])
        out["classification"] = {
            "n": n, "n_train": int(ours["n_train"].iloc[0]) if "n_train" in ours else None,
            "seeds": seeds, "balanced_accuracy": accuracy, "balanced_accuracy_sd": accuracy_sd,
            "oracle_balanced_accuracy": oracle, "ratio": accuracy / oracle,
            "sklearn_balanced_accuracy": _stat(plain["balanced_accuracy"])[0],
            "log_loss": _stat(ours["log_loss"])[0] if "log_loss" in ours else float("nan"),
            "sklearn_log_loss": _stat(plain["log_loss"])[0] if "log_loss" in plain
            else float("nan"),
            "time_ratio": _stat(ours["time_ratio"])[0] if "time_ratio" in ours
            else float("nan"),
        }
    work = frame[(task == "workflow") & (frame.get("library") == "stratify")] \
        if "library" in frame.columns else frame.iloc[:0]
    if len(work):
        n = int(work["n"].max())
        at = work[work["n"] == n]
        steps = frame[(task == "workflow_step") & (frame.get("library") == "stratify")
                      & frame["time_ratio"].notna()] if "time_ratio" in frame else frame.iloc[:0]
        by_step = {}
        for (step, baseline), group in steps.groupby(["step", "baseline"]):
            size = int(group["n"].max())
            top = group[group["n"] == size]
            by_step[f"{step} vs {baseline}"] = {
                "n": size, "time_ratio": _stat(top["time_ratio"])[0],
                "memory_ratio": _stat(top["memory_ratio"])[0]}
        out["scale"] = {
            "n": n, "seconds": _stat(at["seconds"])[0],
            "peak_memory_mb": _stat(at["peak_memory_mb"])[0],
            "time_ratio": _stat(at["time_ratio"])[0],
            "memory_ratio": _stat(at["memory_ratio"])[0],
            "ari": _stat(at["ari"])[0], "by_step": by_step,
        }
    cluster = frame[task == "cluster_scale"]
    if len(cluster):
        from benchmarks._measure import ratios

        sizes = {}
        for size, at_n in cluster.groupby("n"):
            entry: dict[str, Any] = {}
            for method, rows in at_n.groupby("method"):
                entry[str(method)] = {"seconds": _stat(rows["seconds"])[0],
                                      "peak_memory_mb": _stat(rows["peak_memory_mb"])[0]}
            plain = entry.get(PLAIN_CLUSTER, {})
            for method, values in entry.items():
                if method != PLAIN_CLUSTER and pd.notna(plain.get("seconds", float("nan"))):
                    values.update(ratios(values["seconds"], values["peak_memory_mb"],
                                         plain["seconds"], plain["peak_memory_mb"]))
            sizes[int(size)] = entry
        out["cluster_scale"] = {"by_n": sizes,
                                "n_resamples": int(cluster["n_resamples"].max())}
    for name in ("mixtures_k", "mixtures_own_covariance"):
        mixtures = frame[task == name]
        if len(mixtures):
            out[name] = {
                str(method): {"hits": int(rows["hit"].sum()), "mixtures": int(len(rows)),
                              "ari": _stat(rows["ari"])[0],
                              "time_ratio": _stat(rows["time_ratio"])[0]
                              if "time_ratio" in rows else float("nan")}
                for method, rows in mixtures.groupby("method", sort=False)}
    return out


def headline_markdown(frame: pd.DataFrame) -> str:
    """The ``## Headline`` section of the summary (Markdown), from :func:`headline`."""
    h = headline(frame)
    lines = ["## Headline", ""]
    if not h:
        return "\n".join(lines + ["No headline rows (recovery, survival, classify) in this run.",
                                  ""])
    rows = []
    if "recovery" in h:
        r = h["recovery"]
        lines += [
            f"**The default workflow ({DEFAULT_METHOD}: ComBat, consensus GMM imputing "
            f"from a mixture of the observed values) beats the naive baseline by {r['gain']:.2f} ARI "
            f"({_fold(r['fold'])}) under registry missingness with centre effects** "
            f"(n = {r['n']:,}, {r['seeds']} seed(s)): ARI {_fmt(r['ari'], r['ari_sd'])} "
            f"against {_fmt(r['naive_ari'], r['naive_ari_sd'])}, {r['ratio']:.0%} of the "
            f"oracle's {r['oracle_ari']:.3f} against {r['naive_ratio']:.0%}.", ""]
        rows.append(["Subgroup recovery (ARI), registry missingness + centre effects, "
                     f"n = {r['n']:,}", f"{_fmt(r['ari'], r['ari_sd'])} (default workflow, "
                     f"k = {r['k_chosen']:.3g})",
                     f"{_fmt(r['naive_ari'], r['naive_ari_sd'])} (naive: mean imputation + "
                     f"k-means, k = {r['naive_k_chosen']:.3g})", f"{r['oracle_ari']:.3f}",
                     f"{r['ratio']:.0%} of oracle; +{r['gain']:.2f} ARI ({_fold(r['fold'])}) "
                     "over naive"])
    if "survival" in h:
        r = h["survival"]
        rows.append([f"Lymphoma risk (held-out Harrell's C), n = {r['n']:,}",
                     f"{_fmt(r['c_index'], r['c_index_sd'])} (Cox, the default)",
                     f"{_fmt(r['clinical_c_index'], r['clinical_c_index_sd'])} "
                     "(seven-factor clinical score)",
                     _fmt(r["oracle_c_index"], r["oracle_c_index_sd"]),
                     f"{r['ratio']:.0%} of oracle; {r['gain_over_clinical']:+.3f} over the "
                     f"clinical score; best model {r['best_method']} "
                     f"{r['best_c_index']:.3f}"])
    if "classification" in h:
        r = h["classification"]
        rows.append([f"Subgroup classifier (held-out balanced accuracy), n = {r['n']:,} "
                     f"({r['n_train']:,} to train)",
                     f"{_fmt(r['balanced_accuracy'], r['balanced_accuracy_sd'])} "
                     "(SubgroupClassifier, hgb, calibrated)",
                     f"{_fmt(r['sklearn_balanced_accuracy'])} (plain "
                     "HistGradientBoostingClassifier)", f"{r['oracle_balanced_accuracy']:.3f}",
                     f"{r['ratio']:.0%} of oracle; log loss {r['log_loss']:.3f} vs "
                     f"{r['sklearn_log_loss']:.3f}; {r['time_ratio']:.1f}× the fit time"])
    lines += ["| measure | stratify | baseline | oracle (ceiling) | result |",
              "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines.append("")
    if "recovery" in h and len(h["recovery"]["by_n"]) > 1:
        lines += ["Default workflow against naive by cohort size (ARI, mean over seeds): "
                  + "; ".join(f"n = {n:,}: {v['ari']:.3f} vs {v['naive_ari']:.3f} "
                              f"(oracle {v['oracle_ari']:.3f})"
                              for n, v in sorted(h["recovery"]["by_n"].items())) + ".", ""]
    if "scale" in h:
        r = h["scale"]
        steps = "; ".join(f"{name} (n = {v['n']:,}): {v['time_ratio']:.2g}× time, "
                          f"{v['memory_ratio']:.2g}× memory"
                          for name, v in r["by_step"].items())
        lines += [f"Scale: the whole workflow on {r['n']:,} patients took {r['seconds']:.0f} s "
                  f"and {r['peak_memory_mb']:.0f} MB ({r['time_ratio']:.1f}× the time and "
                  f"{r['memory_ratio']:.1f}× the memory of the same chain written with plain "
                  "scikit-learn and lifelines, which has no consensus, stability, bootstrap "
                  f"intervals, quality report or SHAP; workflow ARI {r['ari']:.3f})."
                  + (f" Steps, stratify over plain: {steps}." if steps else ""), ""]
    if "cluster_scale" in h:
        r = h["cluster_scale"]
        parts = []
        for size, entry in sorted(r["by_n"].items()):
            ours = [f"{m} {v['seconds']:.0f} s, {v['peak_memory_mb']:.0f} MB"
                    + (f" ({v['time_ratio']:.2g}× the time, {v['memory_ratio']:.2g}× the memory "
                       "of plain)" if "time_ratio" in v else "")
                    for m, v in entry.items() if m != PLAIN_CLUSTER]
            plain = entry.get(PLAIN_CLUSTER)
            if plain is not None and pd.notna(plain["seconds"]):
                ours.append(f"plain {plain['seconds']:.0f} s, {plain['peak_memory_mb']:.0f} MB")
            elif plain is not None:
                ours.append("plain cannot run (n x n matrices)")
            parts.append(f"n = {size:,}: " + "; ".join(ours))
        lines += [f"Consensus clustering at scale ({r['n_resamples']} resamples, one process, "
                  "against Monti's method written with exact n x n co-association matrices): "
                  + ". ".join(parts) + ".", ""]
    for name, what in (("mixtures_k", "random mixtures with centre shifts, unequal sizes "
                        "and 15 % of values missing"),
                       ("mixtures_own_covariance", "random mixtures whose subgroups each have "
                        "their own covariance (complete data)")):
        if name in h:
            parts = [f"{method} {v['hits']} of {v['mixtures']} (mean ARI {v['ari']:.2f}"
                     + (f", {v['time_ratio']:.2g}× the time of plain" if method != "plain"
                        and pd.notna(v["time_ratio"]) else "") + ")"
                     for method, v in h[name].items()]
            lines += [f"Choosing k on {what} (planted k found): " + "; ".join(parts) + ".", ""]
    return "\n".join(lines)


def _notes(modules: list[str], suite: str) -> list[str]:
    """What each module's grid leaves out in ``suite`` (its ``SUITE_NOTES``)."""
    notes = []
    for name in modules:
        try:
            module = _module(name)
        except ImportError:
            continue
        note = getattr(module, "SUITE_NOTES", {}).get(suite)
        seeds = module_seeds(name, suite)
        if seeds != SUITES[suite]["seeds"]:
            note = (f"seed(s) {', '.join(map(str, seeds))} only. " + (note or "")).strip()
        if note:
            notes.append(f"- **{name}**: {note}")
    return notes


def write_results(frame: pd.DataFrame, out: Path, suite: str, seconds: float, *,
                  threads: int | None = 1, meta: dict[str, Any] | None = None) -> list[Path]:
    """Write results.csv, results.json, summary.md, README.md and figures into ``out``.

    ``meta`` (the run's commit, versions, time...) is measured now unless given
    (:func:`summarize_again` passes that of the run being re-rendered); its
    optional ``note`` is printed after the provenance (e.g. tasks rerun later).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    from benchmarks._measure import memory_method

    if meta is None:
        meta = {"suite": suite, "seconds_total": round(seconds, 1),
                "threads": threads, "memory_measure": memory_method(),
                "versions": versions(), "commit": _git_commit()}
    threads = meta.get("threads", threads)
    if frame.attrs.get("resumed"):
        meta["resumed_tasks"] = frame.attrs["resumed"]
    csv_path = out / "results.csv"
    frame.to_csv(csv_path, index=False)
    json_path = out / "results.json"
    json_path.write_text(json.dumps({"meta": meta, "headline": headline(frame),
                                     "rows": json.loads(frame.to_json(orient="records"))},
                                    indent=1, default=str), encoding="utf-8")
    figures = _figures(frame, out)
    provenance = (f"Commit `{meta['commit']}`; {meta['seconds_total']} s in all "
                  f"({threads or 'default'} BLAS/OpenMP thread(s) per process; peak memory: "
                  f"{'rise of peak RSS' if meta['memory_measure'] == 'rss' else 'tracemalloc'}); "
                  + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()
                              if k != "platform") + "."
                  + (f" {meta['note']}" if meta.get("note") else ""))
    top = headline_markdown(frame)
    lines = [f"# Benchmark results ({suite} suite)", "", provenance, "", top]
    modules = [str(t) for t in frame["task"].unique()] if "task" in frame else []
    notes = _notes([m for m in MODULES if m in {t.split("_")[0] for t in modules}], suite)
    if notes:
        lines += ["## What this grid leaves out", "", *notes, ""]
    summary = summarize(frame)
    for task, sub in summary.groupby("task", sort=False):
        lines += [f"## {task}", "", sub.drop(columns="task").dropna(axis=1, how="all")
                  .to_markdown(index=False, floatfmt=".3g"), ""]
        for fig in figures.get(str(task), []):
            lines += [f"![{task}]({fig.name})", ""]
    md_path = out / "summary.md"
    md_path.write_text("\n".join(lines), encoding="utf-8")
    readme = out / "README.md"
    readme.write_text("\n".join([
        f"# Benchmark results ({suite} suite)", "", provenance, "",
        "Written by `stratify bench` (`benchmarks/runner.py`); see `docs/benchmarks.md`. "
        "Files: [`summary.md`](summary.md) (tables by task and figures), "
        "[`results.csv`](results.csv) and [`results.json`](results.json) (one row per "
        "measurement and seed; the JSON adds the versions, the commit and the headline).",
        "", top]), encoding="utf-8")
    return [csv_path, json_path, md_path, readme, *[f for fs in figures.values() for f in fs]]


def _figures(frame: pd.DataFrame, out: Path) -> dict[str, list[Path]]:
    """One time-against-n figure per task that was measured at several sizes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from stratify.plot import PALETTE

    figures: dict[str, list[Path]] = {}
    for task, sub in frame.groupby("task", sort=False):
        if sub["n"].nunique() < 2:
            continue
        fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
        for i, (method, m) in enumerate(sub.groupby("method")):
            curve = m.groupby("n")["seconds"].mean()
            ax.plot(curve.index, curve.values, "o-", color=PALETTE[i % len(PALETTE)],
                    label=str(method))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("patients (n)")
        ax.set_ylabel("seconds")
        ax.set_title(f"{task}: time against n")
        ax.legend(frameon=False, fontsize="small")
        path = out / f"{task}_seconds.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        figures[str(task)] = [path]
    return figures


def _git_commit() -> str:
    """Short hash of HEAD, with ``+dirty`` when the checkout has changes (results
    under ``benchmarks/results/`` aside), or ``"unknown"`` outside a git checkout."""
    import subprocess

    here = Path(__file__).parent
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=True, cwd=here).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--", ".",
                                 ":(exclude)benchmarks/results"], capture_output=True,
                                text=True, check=True, cwd=here.parent).stdout.strip()
    except Exception:  # noqa: BLE001 - outside a git checkout
        return "unknown"
    return f"{commit}+dirty" if status else commit


def main(suite: str = "quick", out: str | Path = "bench-results", scheduler: str | None = None,
         n_jobs: int | None = 1, quiet: bool = False, modules: list[str] | None = None,
         threads: int | None = 1, resume: bool = False) -> int:
    """Run ``suite`` and write its results to ``out``; returns an exit code.

    Every (module, seed) is saved in ``out/.partial/`` as it finishes; with
    ``resume=True`` the saved ones are reused (a run that was interrupted goes
    on where it stopped), otherwise they are cleared first. The directory is
    removed once the results are written.
    """
    import shutil

    start = time.perf_counter()
    checkpoint = Path(out) / ".partial"
    if not resume and checkpoint.exists():
        shutil.rmtree(checkpoint)
    from contextlib import nullcontext

    from stratify.parallel import use_dask

    with use_dask(scheduler) if scheduler is not None else nullcontext():
        frame = run_suite(suite, modules=modules, n_jobs=-1 if scheduler is not None else n_jobs,
                          quiet=quiet, threads=threads, checkpoint=checkpoint)
    if not quiet:
        print(f"{len(frame)} measurements; writing the results, summary and figures to "
              f"{out} ...", flush=True)
    paths = write_results(frame, Path(out), suite, time.perf_counter() - start,
                          threads=threads)
    shutil.rmtree(checkpoint, ignore_errors=True)
    if not quiet:
        print(f"{len(frame)} measurements written to {paths[0].parent} "
              f"({time.perf_counter() - start:.0f} s in all)")
    return 0


def summarize_again(out: str | Path) -> list[Path]:
    """Re-render summary.md, README.md, figures and the headline of the run in
    ``out`` from its results.csv, keeping the run's own metadata (commit,
    versions, time): a newer runner's summary of the same measurements."""
    out = Path(out)
    meta = json.loads((out / "results.json").read_text(encoding="utf-8"))["meta"]
    frame = pd.read_csv(out / "results.csv")
    return write_results(frame, out, meta["suite"], meta["seconds_total"], meta=meta)


def _cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--suite", choices=sorted(SUITES), default="quick")
    parser.add_argument("--out", default="bench-results")
    parser.add_argument("--scheduler", default=None)
    parser.add_argument("--n-jobs", type=int, default=1, dest="n_jobs")
    parser.add_argument("--only", nargs="*", default=None, help="benchmark modules to run")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS/OpenMP threads while a module runs (0: libraries' default)")
    parser.add_argument("--resume", action="store_true",
                        help="reuse the tasks an interrupted run saved in OUT/.partial/")
    parser.add_argument("--summarize", action="store_true",
                        help="only re-render the summary of the results already in OUT")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.summarize:
        summarize_again(args.out)
        return 0
    return main(args.suite, args.out, args.scheduler, args.n_jobs, args.quiet, args.only,
                threads=args.threads or None, resume=args.resume)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_cli())
