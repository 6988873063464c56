"""Structure of missing data: patterns, Little's MCAR test, predictors of missingness.

- ``_little``: :func:`little_mcar_test` and its result :class:`MCARTest` (EM
  estimate of the mean and covariance, then Little's statistic);
- ``_patterns``: the distinct missing-data patterns of the rows;
- ``_tables``: the tables of the report (frequent patterns, variables
  missing together, cross-validated models of each variable's missingness);
- ``_report``: :class:`MissingnessReport` and :func:`missingness_report`.
"""

from ._little import MCARTest, little_mcar_test
from ._report import MissingnessReport, missingness_report

__all__ = ["MCARTest", "MissingnessReport", "little_mcar_test", "missingness_report"]
