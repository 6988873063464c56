"""Checks of a run's merged configuration, before any work, each problem naming its key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .data import Cohort


def _setting(config: Mapping[str, Any], key: str) -> Any:
    section, _, name = key.rpartition(".")
    return config[section][name] if section else config[name]


def _store(config: dict[str, Any], key: str, value: Any) -> None:
    section, _, name = key.rpartition(".")
    (config[section] if section else config)[name] = value


def _options(estimator: Any, parameter: str) -> list[str]:
    """The values an estimator accepts for a string parameter (one source of truth)."""
    return sorted(estimator._parameter_constraints[parameter][0].options)


def check_config(config: dict[str, Any]) -> list[str]:
    """Every setting of a merged configuration checked; values normalized in place.

    Returns the problems, each naming its key (empty when all is well).
    """
    from numbers import Integral, Real

    from .classify import SubgroupClassifier
    from .cluster import ConsensusClustering
    from .data import BLOCKS
    from .impute import KINDS
    from .preprocess import CenterCorrector
    from .survival import LymphomaRiskModel

    problems: list[str] = []

    def bad(key: str, rule: str) -> None:
        problems.append(f"the '{key}' setting must be {rule}. Got "
                        f"{_setting(config, key)!r} instead")

    def integer(key: str, minimum: int, *, rule: str = "") -> None:
        value = _setting(config, key)
        if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
            bad(key, rule or f"an integer >= {minimum}")
        else:
            _store(config, key, int(value))

    def real(key: str, low: float, high: float | None = None, *, open_low: bool = False
             ) -> None:
        value = _setting(config, key)
        ok = isinstance(value, Real) and not isinstance(value, bool) and value == value
        if ok:
            ok = (value > low if open_low else value >= low) and (high is None or value <= high)
        if not ok:
            where = (f"in ({low}, {high}]" if high is not None else
                     f"> {low}" if open_low else f">= {low}")
            bad(key, f"a number {where}")
        else:
            _store(config, key, float(value))

    def boolean(key: str) -> None:
        if not isinstance(_setting(config, key), bool):
            bad(key, "true or false")

    def choice(key: str, options: list[Any]) -> None:
        value = _setting(config, key)
        # True == 1 in Python: a boolean matches only itself
        if not any(value is o or not isinstance(value, bool) and not isinstance(o, bool)
                   and value == o for o in options):
            bad(key, "one of " + ", ".join(repr(o) for o in options))

    def names(key: str, allowed: Any = None, *, empty: bool = True) -> None:
        value = _setting(config, key)
        if isinstance(value, str) or not isinstance(value, (list, tuple)) or not all(
                isinstance(v, str) for v in value) or (not empty and not value):
            bad(key, "a list of names" + ("" if empty else " (at least one)"))
        elif allowed is not None and not set(value) <= set(allowed):
            unknown = [v for v in value if v not in allowed]
            problems.append(f"the '{key}' setting names unknown value(s) {unknown}; "
                            f"choose among {list(allowed)}")
        else:
            _store(config, key, list(value))

    integer("seed", 0)
    if config["n_jobs"] is not None:
        value = config["n_jobs"]
        if isinstance(value, bool) or not isinstance(value, Integral) or value == 0:
            bad("n_jobs", "a non-zero integer (-1: every core)")
        else:
            config["n_jobs"] = int(value)
    integer("threads", 0, rule="an integer >= 0 (0: the libraries' defaults)")
    for section in ("scores", "quality", "classify", "survival", "explain"):
        boolean(f"{section}.enabled")
    choice("preprocess.center_correction",
           [*_options(CenterCorrector, "method"), "none", False])
    names("preprocess.protect")
    choice("impute.method", list(KINDS))
    integer("impute.n_imputations", 1)
    names("cluster.blocks", BLOCKS)
    names("cluster.columns")
    choice("cluster.method", _options(ConsensusClustering, "method"))
    integer("cluster.k_min", 2)
    integer("cluster.k_max", 2)
    if not problems and config["cluster"]["k_max"] < config["cluster"]["k_min"]:
        bad("cluster.k_max", f">= cluster.k_min ({config['cluster']['k_min']})")
    integer("cluster.n_resamples", 1)
    real("cluster.subsample", 0.0, 1.0, open_low=True)
    choice("cluster.missing", ["mixture", "imputed"])
    integer("cluster.n_imputations", 1)
    integer("cluster.n_null", 0)
    real("cluster.alpha", 0.0, 1.0, open_low=True)
    names("profile.blocks", BLOCKS)
    choice("classify.estimator", _options(SubgroupClassifier, "estimator"))
    integer("classify.panel_size", 0, rule="an integer >= 0 (0: no marker panel; TOML has "
            "no None)")
    boolean("classify.by_center")
    integer("classify.n_bootstrap", 0)
    choice("survival.method", _options(LymphomaRiskModel, "method"))
    real("survival.penalizer", 0.0)
    names("survival.features")
    boolean("survival.include_subgroup")
    horizons = config["survival"]["horizons"]
    if isinstance(horizons, (list, tuple)) and horizons and all(
            isinstance(h, (int, float)) and not isinstance(h, bool) and h > 0
            for h in horizons):
        config["survival"]["horizons"] = [float(h) for h in horizons]
    else:
        bad("survival.horizons", "a non-empty list of positive numbers (years)")
    integer("survival.n_bootstrap", 0)
    boolean("survival.optimism")
    integer("explain.max_rows", 1)
    choice("replicate.center_correction", ["reference", "fitted"])
    integer("report.min_cell", 1)
    return problems


def check_columns(config: dict[str, Any], cohort: Cohort, name: str, *,
                  protect_only: bool = False) -> list[str]:
    """The columns the settings name that ``cohort`` lacks, one problem per key."""
    from ._config import DEFAULT_CONFIG

    keys = ["preprocess.protect"]
    if not protect_only:
        keys.append("cluster.columns")
        if config["survival"]["features"] != DEFAULT_CONFIG["survival"]["features"]:
            keys.append("survival.features")
    problems = []
    for key in keys:
        absent = [c for c in _setting(config, key) if c not in cohort.data.columns]
        if absent:
            problems.append(f"the '{key}' setting names {len(absent)} column(s) that "
                            f"{name} lacks: {absent[:5]}")
    return problems
