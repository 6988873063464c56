"""Survival targets, lymphoma risk models, their evaluation, Kaplan-Meier and competing risks.

- :func:`make_target`, :func:`check_target`, :func:`target_frame`: scikit-survival's
  structured target (event, time), its one checker, and back to a DataFrame.
- :class:`LymphomaRiskModel`: Cox (lifelines), elastic-net Cox, random survival
  forest or gradient boosting, with the scikit-learn API.
- :func:`evaluate`, :func:`evaluate_score`, :class:`SurvivalEvaluation`: Harrell's and
  Uno's C, time-dependent AUC, Brier scores and calibration, with bootstrap intervals
  and optional optimism correction, of a model or of a clinical score.
- :func:`harrell_c`, :func:`c_index_scorer`: Harrell's C, and as a ``GridSearchCV`` scorer.
- :func:`calibration_table`, :func:`calibration_in_the_large`, :func:`calibration_slope`,
  :func:`integrated_calibration_index`, :func:`ici_reference`: calibration of predicted
  risks at a horizon.
- :func:`kaplan_meier`, :class:`KaplanMeierResult`: survival curves with CIs and numbers at risk.
- :func:`logrank`, :class:`LogRankResult`: log-rank test between groups.
- :func:`cumulative_incidence`, :class:`CumulativeIncidenceResult`: Aalen-Johansen
  cumulative incidence of lymphoma with death as a competing event.
- :func:`risk_groups`: patients grouped by predicted risk.
- :func:`pool_cox`: Cox hazard ratios pooled over multiple imputations (Rubin's rules).
"""

from ._calibration import (
    calibration_in_the_large,
    calibration_slope,
    calibration_table,
    ici_reference,
    integrated_calibration_index,
)
from ._competing import CumulativeIncidenceResult, cumulative_incidence
from ._evaluate import SurvivalEvaluation, evaluate, evaluate_score
from ._km import KaplanMeierResult, LogRankResult, kaplan_meier, logrank, risk_groups
from ._metrics import c_index_scorer, harrell_c
from ._model import LymphomaRiskModel
from ._pool import pool_cox
from ._target import check_target, make_target, target_frame

__all__ = [
    "make_target",
    "check_target",
    "target_frame",
    "LymphomaRiskModel",
    "evaluate",
    "evaluate_score",
    "SurvivalEvaluation",
    "harrell_c",
    "c_index_scorer",
    "calibration_table",
    "calibration_in_the_large",
    "ici_reference",
    "calibration_slope",
    "integrated_calibration_index",
    "kaplan_meier",
    "KaplanMeierResult",
    "logrank",
    "LogRankResult",
    "cumulative_incidence",
    "CumulativeIncidenceResult",
    "risk_groups",
    "pool_cox",
]
