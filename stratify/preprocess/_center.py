"""Centre (batch) correction: location/scale and ComBat with empirical Bayes."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from .._utils.checks import as_float_array, check_no_empty_columns, check_numeric_columns
from .._utils.rows import MAX_SHOWN, describe_rows

__all__ = ["CenterCorrector"]

_WHO = "CenterCorrector"
_TINY = 1e-12


class CenterCorrector(TransformerMixin, BaseEstimator):
    """Remove centre (batch) effects from numeric features, fitted on training data.

    Each feature follows the location/scale model of Johnson, Li & Rabinovic
    (2007): ``y = alpha + Z beta + gamma_centre + sqrt(delta_centre) * e``,
    where ``Z`` holds the protected covariates. Fitting estimates, per feature,
    the grand mean ``alpha``, the covariate effects ``beta`` and the pooled
    within-centre SD; then, per centre and feature, the shift ``gamma`` and
    the variance ratio ``delta`` of the standardized values. ``transform``
    removes ``gamma`` and ``delta`` and puts back ``alpha + Z beta``, so the
    protected case-mix differences between centres survive.

    ``method="location_scale"`` uses the per-centre estimates as they are: each
    centre's mean and SD (of the observed values, after removing protected
    covariate effects) are mapped to the grand mean and the pooled
    within-centre SD. ``method="combat"`` shrinks them by empirical Bayes
    towards the centre's average over features (parametric priors: normal for
    ``gamma``, inverse gamma for ``delta``), which steadies small centres;
    ``eb=False`` turns the shrinkage off (then it equals ``location_scale``).

    Input layout: ``X`` is one DataFrame holding the numeric features, the
    centre column named by ``center`` and the protected covariates named in
    ``protect``. These two kinds of columns pass through ``transform``
    unchanged, so the corrector drops into a ``Pipeline`` (drop them in the
    next step with a ``ColumnTransformer`` if the model should not see them).
    Every other column is a feature and must be numeric.

    Missing values are handled throughout: every estimate uses the observed
    values of its feature only, and missing values stay missing.

    This is a vectorized NumPy implementation rather than a wrapper of
    ``inmoose.pycombat``: pycombat's ``pycombat_norm`` solves the regression on
    the complete matrix (it cannot take missing values), adjusts the data it
    was given in one call (no learned parameters to apply to new patients, so
    it leaks in cross-validation), and is not installed here (GPL-3).

    Parameters
    ----------
    method : {"combat", "location_scale"}, default="combat"
        Empirical-Bayes ComBat or plain per-centre location/scale.
    center : str or int, default="center"
        Column holding the centre labels (a position for NumPy input). Every
        patient needs one.
    protect : list of str or int, optional
        Columns of covariates whose effects must be kept (e.g. a known
        subgroup, sex, age). Text or categorical columns enter as indicator
        variables (first level as reference), numeric columns linearly. They
        may not be missing, and may not be confounded with the centre.
    eb : bool, default=True
        Empirical-Bayes shrinkage for ``method="combat"`` (ignored for
        ``location_scale``).
    max_iter : int, default=100
        Iterations of the empirical-Bayes fixed point.
    tol : float, default=1e-4
        Convergence: largest relative change of ``gamma`` and ``delta``.

    Attributes
    ----------
    centers_ : ndarray
        Centre labels seen in ``fit``.
    n_patients_ : Series
        Patients per centre in ``fit``.
    features_ : list of str
        The corrected feature columns.
    grand_mean_ : Series
        Per feature, the mean at the reference level of the protected covariates.
    pooled_sd_ : Series
        Per feature, the pooled within-centre SD.
    protect_coef_ : DataFrame
        Covariate effects, one row per protected term.
    gamma_hat_, delta_hat_ : DataFrame
        Per centre (rows) and feature, the unshrunk shift and variance ratio.
    gamma_, delta_ : DataFrame
        The values applied (shrunk for ComBat). A centre-feature pair with
        fewer than two observed values, or no spread, gets 0 and 1 (no correction).
    n_iter_ : int
        Iterations used by the empirical-Bayes fixed point (0 without shrinkage).
    feature_names_in_ : ndarray
        All input columns (features, centre, protected covariates).
    n_features_in_ : int

    References
    ----------
    Johnson WE, Li C, Rabinovic A. Adjusting batch effects in microarray
    expression data using empirical Bayes methods. Biostatistics 2007;8:118-27.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stratify.preprocess import CenterCorrector
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.normal(size=(60, 3)), columns=["mol_A", "mol_B", "mol_C"])
    >>> X["center"] = np.repeat(["north", "south"], 30)
    >>> X.loc[X.center == "south", "mol_A"] += 2.0          # a centre shift
    >>> out = CenterCorrector(method="location_scale").fit_transform(X)
    >>> gap = out.groupby("center")["mol_A"].mean().diff().iloc[-1]
    >>> bool(abs(gap) < 1e-9), list(out.columns)
    (True, ['mol_A', 'mol_B', 'mol_C', 'center'])
    """

    _parameter_constraints: dict = {
        "method": [StrOptions({"combat", "location_scale"})],
        "center": [str, Integral],
        "protect": [list, tuple, None],
        "eb": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, *, method="combat", center="center", protect=None, eb=True,
                 max_iter=100, tol=1e-4):
        self.method = method
        self.center = center
        self.protect = protect
        self.eb = eb
        self.max_iter = max_iter
        self.tol = tol

    # ------------------------------------------------------------------ input
    def _frame(self, X, *, fitting: bool) -> pd.DataFrame:
        if isinstance(X, pd.DataFrame):
            frame = X
        else:
            # NumPy input is numeric throughout (centre codes included); check_array
            # gives scikit-learn's usual messages for sparse, complex or empty input.
            frame = pd.DataFrame(check_array(X, dtype="numeric", ensure_all_finite="allow-nan"))
        if frame.columns.duplicated().any():
            dupes = sorted(map(str, frame.columns[frame.columns.duplicated()].unique()))
            raise ValueError(f"{_WHO}: column(s) {dupes} appear more than once.")
        protect = list(self.protect or [])
        for col in [self.center, *protect]:
            if col not in frame.columns:
                role = "centre" if col == self.center else "protected covariate"
                raise ValueError(f"{_WHO}: the {role} column {col!r} is not in X.")
        if self.center in protect:
            raise ValueError(f"{_WHO}: the centre column {self.center!r} cannot be protected.")
        if frame.shape[0] < 2:
            raise ValueError(f"{_WHO}: X has {frame.shape[0]} sample(s); at least 2 patients "
                             "per centre are needed.")
        for col in [self.center, *protect]:
            missing = frame[col].isna().to_numpy()
            if missing.any():
                raise ValueError(
                    f"{_WHO}: column {col!r} must not be missing "
                    f"({describe_rows(frame.index, missing)})."
                )
        return frame

    def _feature_columns(self, frame: pd.DataFrame) -> list:
        skip = {self.center, *(self.protect or [])}
        return [c for c in frame.columns if c not in skip]

    def _covariates(self, frame: pd.DataFrame, *, fitting: bool) -> np.ndarray:
        """The protected covariates as a numeric design block (reference coding)."""
        blocks, names = [], []
        if fitting:
            self._protect_levels = {}
        for col in self.protect or []:
            values = frame[col]
            if fitting:
                numeric = (pd.api.types.is_numeric_dtype(values)
                           and not pd.api.types.is_bool_dtype(values))
                self._protect_levels[col] = (
                    None if numeric else sorted(values.astype(str).unique())
                )
            levels = self._protect_levels[col]
            if levels is None:
                blocks.append(values.to_numpy(dtype=float)[:, None])
                names.append(str(col))
                continue
            labels = values.astype(str)
            unseen = sorted(set(labels) - set(levels))
            if unseen:
                warnings.warn(
                    f"{_WHO}: protected column {col!r} has level(s) {unseen[:MAX_SHOWN]} not "
                    f"seen in fit; they are treated as the reference level {levels[0]!r}.",
                    UserWarning, stacklevel=3,
                )
            for level in levels[1:]:
                blocks.append((labels == level).to_numpy(dtype=float)[:, None])
                names.append(f"{col}={level}")
        if fitting:
            self._protect_terms = names
        if not blocks:
            return np.zeros((frame.shape[0], 0))
        return np.hstack(blocks)

    # -------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Estimate the centre parameters on training data.

        Parameters
        ----------
        X : DataFrame of shape (n_patients, n_columns)
            Numeric features, the centre column and any protected covariates.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        frame = self._frame(X, fitting=True)
        features = self._feature_columns(frame)
        if not features:
            raise ValueError(f"{_WHO}: X has {frame.shape[1]} feature(s), none besides the "
                             "centre and protected covariates, so there is nothing to correct.")
        check_numeric_columns(frame, features, who=_WHO)
        Y = as_float_array(frame[features])
        if not np.isfinite(Y[~np.isnan(Y)]).all():
            bad = [features[j] for j in np.flatnonzero(np.isinf(Y).any(axis=0))]
            raise ValueError(f"{_WHO}: column(s) {bad[:MAX_SHOWN]} hold infinite values.")
        check_no_empty_columns(Y, features, who=_WHO)
        labels = frame[self.center].to_numpy()
        centers, codes, counts = np.unique(labels, return_inverse=True, return_counts=True)
        small = [(c, n) for c, n in zip(centers, counts) if n < 2]
        if small:
            shown = ", ".join(f"{c!r} ({n} patient)" for c, n in small[:MAX_SHOWN])
            raise ValueError(
                f"{_WHO}: every centre needs at least 2 patients to estimate its mean and "
                f"spread; too small: {shown}. Merge small centres or leave them out."
            )
        Z = self._covariates(frame, fitting=True)
        onehot = np.eye(len(centers))[codes]
        design = np.hstack([onehot, Z])
        if np.linalg.matrix_rank(design) < design.shape[1]:
            raise ValueError(
                f"{_WHO}: the protected covariates {list(self.protect)} are confounded with "
                f"{self.center!r} (a covariate is fully determined by the centres), so their "
                "effects cannot be told apart from centre effects."
            )

        observed = ~np.isnan(Y)
        filled = np.where(observed, Y, 0.0)
        obs = observed.astype(float)
        # Per-feature least squares on that feature's observed rows, all features at once.
        p = design.shape[1]
        outer = (design[:, :, None] * design[:, None, :]).reshape(len(design), p * p)
        gram = (obs.T @ outer).reshape(-1, p, p)
        coef = (np.linalg.pinv(gram) @ (design.T @ filled).T[:, :, None])[:, :, 0].T  # (p, G)
        n_obs = onehot.T @ obs  # (K, G) observed values per centre and feature
        weights = n_obs / n_obs.sum(axis=0)
        grand_mean = (weights * coef[: len(centers)]).sum(axis=0)
        resid = np.where(observed, Y - design @ coef, 0.0)
        pooled_var = (resid**2).sum(axis=0) / obs.sum(axis=0)
        pooled_var = np.where(pooled_var > _TINY, pooled_var, 1.0)
        beta = coef[len(centers):]

        s = (Y - grand_mean - Z @ beta) / np.sqrt(pooled_var)
        s_filled = np.where(observed, s, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            gamma_hat = (onehot.T @ s_filled) / n_obs
            dev = np.where(observed, s - gamma_hat[codes], 0.0)
            delta_hat = (onehot.T @ dev**2) / (n_obs - 1)
        valid = (n_obs >= 2) & (delta_hat > _TINY)
        self._warn_invalid(valid, centers, features)
        gamma_hat = np.where(valid, gamma_hat, 0.0)
        delta_hat = np.where(valid, delta_hat, 1.0)

        if self.method == "combat" and self.eb:
            gamma, delta, self.n_iter_ = self._shrink(gamma_hat, delta_hat, n_obs, valid)
        else:
            gamma, delta, self.n_iter_ = gamma_hat, delta_hat, 0

        names = [str(f) for f in features]
        index = pd.Index(centers, name="center")
        self.centers_ = centers
        self.n_patients_ = pd.Series(counts, index=index, name="n_patients")
        self.features_ = names
        self._features_raw = features
        self.grand_mean_ = pd.Series(grand_mean, index=names, name="grand_mean")
        self.pooled_sd_ = pd.Series(np.sqrt(pooled_var), index=names, name="pooled_sd")
        self.protect_coef_ = pd.DataFrame(beta, index=self._protect_terms, columns=names)
        self.gamma_hat_ = pd.DataFrame(gamma_hat, index=index, columns=names)
        self.delta_hat_ = pd.DataFrame(delta_hat, index=index, columns=names)
        self.gamma_ = pd.DataFrame(gamma, index=index, columns=names)
        self.delta_ = pd.DataFrame(delta, index=index, columns=names)
        self._columns = list(frame.columns)
        self.feature_names_in_ = np.asarray([str(c) for c in frame.columns], dtype=object)
        self.n_features_in_ = frame.shape[1]
        return self

    @staticmethod
    def _warn_invalid(valid: np.ndarray, centers: np.ndarray, features: list) -> None:
        pairs = [f"{features[g]!r} in {centers[k]!r}" for k, g in zip(*np.nonzero(~valid))]
        if pairs:
            more = f" and {len(pairs) - MAX_SHOWN} more" if len(pairs) > MAX_SHOWN else ""
            warnings.warn(
                f"{_WHO}: {len(pairs)} feature-centre pair(s) have fewer than 2 observed "
                f"values or no spread and are left uncorrected: "
                f"{', '.join(pairs[:MAX_SHOWN])}{more}.",
                UserWarning, stacklevel=3,
            )

    def _shrink(self, gamma_hat, delta_hat, n_obs, valid):
        """Parametric empirical Bayes (Johnson et al. 2007), all centres and features at once.

        The priors of each centre are estimated over its valid features by the
        method of moments; the posterior means are the fixed point of the two
        conditional updates. Centres with fewer than two valid features keep
        their unshrunk estimates.
        """
        g = np.where(valid, gamma_hat, np.nan)
        d = np.where(valid, delta_hat, np.nan)
        n_valid = valid.sum(axis=1, keepdims=True)
        with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            gamma_bar = np.nanmean(g, axis=1, keepdims=True)
            tau2 = np.nanvar(g, axis=1, ddof=1, keepdims=True)
            mean_d = np.nanmean(d, axis=1, keepdims=True)
            var_d = np.nanvar(d, axis=1, ddof=1, keepdims=True)
        can = (n_valid >= 2) & (var_d > _TINY) & np.isfinite(tau2)
        if not can.all():
            warnings.warn(
                f"{_WHO}: empirical-Bayes priors need at least 2 features with spread per "
                f"centre; centre(s) without them are not shrunk.", UserWarning, stacklevel=3,
            )
        var_d = np.where(can, var_d, 1.0)
        tau2 = np.where(can, tau2, 0.0)
        a_prior = (2 * var_d + mean_d**2) / var_d
        b_prior = (mean_d * var_d + mean_d**3) / var_d
        gamma, delta = gamma_hat.copy(), delta_hat.copy()
        ss_within = (n_obs - 1) * delta_hat
        n_iter = 0
        while n_iter < self.max_iter:
            n_iter += 1
            gamma_new = (n_obs * tau2 * gamma_hat + delta * gamma_bar) / (n_obs * tau2 + delta)
            sum2 = ss_within + n_obs * (gamma_hat - gamma_new) ** 2
            delta_new = (0.5 * sum2 + b_prior) / (0.5 * n_obs + a_prior - 1)
            gamma_new = np.where(valid & can, gamma_new, gamma_hat)
            delta_new = np.where(valid & can, delta_new, delta_hat)
            change = max(
                np.max(np.abs(gamma_new - gamma) / np.maximum(np.abs(gamma), _TINY)),
                np.max(np.abs(delta_new - delta) / delta),
            )
            gamma, delta = gamma_new, delta_new
            if change < self.tol:
                break
        return gamma, delta, n_iter

    # -------------------------------------------------------------- transform
    def transform(self, X):
        """Remove the fitted centre effects.

        Patients of a centre not seen in ``fit`` get the pooled parameters (no
        centre correction) and a warning names the centre.

        Parameters
        ----------
        X : DataFrame of shape (n_patients, n_columns)
            The columns seen in ``fit``.

        Returns
        -------
        DataFrame or ndarray
            Same index and columns (in the order seen in ``fit``); features
            corrected, centre and protected columns unchanged.
        """
        check_is_fitted(self)
        frame = self._frame(X, fitting=False)
        missing = [c for c in self._columns if c not in frame.columns]
        extra = [c for c in frame.columns if c not in self._columns]
        if missing or extra:
            raise ValueError(
                f"{_WHO}: X must have the columns seen in fit; missing {missing[:MAX_SHOWN]}, "
                f"unexpected {extra[:MAX_SHOWN]}."
            )
        frame = frame[self._columns]
        features = self._features_raw
        check_numeric_columns(frame, features, who=_WHO)
        Y = as_float_array(frame[features])
        Z = self._covariates(frame, fitting=False)
        labels = frame[self.center].to_numpy()
        known = np.isin(labels, self.centers_)
        if not known.all():
            new = sorted(map(str, pd.unique(labels[~known])))
            warnings.warn(
                f"{_WHO}: centre(s) {new[:MAX_SHOWN]} were not seen in fit; their "
                f"{int((~known).sum())} patient(s) get the pooled parameters (no centre "
                "correction).", UserWarning, stacklevel=2,
            )
        codes = np.searchsorted(self.centers_, labels[known])
        gamma = np.zeros_like(Y)
        delta = np.ones_like(Y)
        gamma[known] = self.gamma_.to_numpy()[codes]
        delta[known] = self.delta_.to_numpy()[codes]
        sd = self.pooled_sd_.to_numpy()
        stand = self.grand_mean_.to_numpy() + Z @ self.protect_coef_.to_numpy()
        corrected = ((Y - stand) / sd - gamma) / np.sqrt(delta) * sd + stand
        corrected[~known] = Y[~known]
        out = frame.copy()
        out[features] = corrected
        return out if isinstance(X, pd.DataFrame) else out.to_numpy()

    def get_feature_names_out(self, input_features=None):
        """The input columns, in the order seen in ``fit``."""
        check_is_fitted(self)
        return self.feature_names_in_.copy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
