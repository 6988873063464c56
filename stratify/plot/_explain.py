"""Figures of classifiers and explanations: SHAP summary, waterfall, panel curve, confusion."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._axes import get_ax

__all__ = ["shap_summary", "waterfall", "panel_curve", "confusion_matrix"]


def _class_slice(explanation: Any, class_index: Any) -> tuple[np.ndarray, np.ndarray, str]:
    """Values (n, f) and base values (n,) of one output, and its label."""
    values = np.asarray(explanation.values)
    base = np.asarray(explanation.base_values)
    if values.ndim == 2:
        label = explanation.output_names if isinstance(explanation.output_names, str) else ""
        return values, base.reshape(values.shape[0], -1)[:, 0], label
    names = list(explanation.output_names or range(values.shape[2]))
    if class_index is None:
        raise ValueError(f"This explanation has {values.shape[2]} outputs ({names}); "
                         "choose one with class_index (position or class label).")
    if not isinstance(class_index, (int, np.integer)) or class_index not in range(len(names)):
        if str(class_index) not in map(str, names):
            raise ValueError(f"class_index {class_index!r} is neither a position nor one of "
                             f"the classes {names}.")
        class_index = [str(n) for n in names].index(str(class_index))
    return values[:, :, class_index], base[:, class_index], str(names[class_index])


def _space(explanation: Any) -> str:
    space = getattr(explanation, "output_space", None)
    return f"SHAP value ({space.replace('_', '-')})" if space else "SHAP value"


def shap_summary(explanation: Any, kind: str = "bar", *, class_index: Any = None,
                 max_display: int = 15, ax: Any = None) -> Any:
    """Which features matter: mean |SHAP| bars or a beeswarm of every patient.

    Parameters
    ----------
    explanation : shap.Explanation
        From :func:`stratify.explain.explain`.
    kind : {"bar", "beeswarm"}, default="bar"
        ``"bar"``: mean |SHAP| per feature (stacked by class for a multiclass
        explanation unless ``class_index`` is given). ``"beeswarm"``: one dot
        per patient and feature, coloured by the feature's value (low blue,
        high red; missing or non-numeric grey); needs ``class_index`` for
        multiclass explanations.
    class_index : int or class label, optional
    max_display : int, default=15
        Features shown (the most important). Features whose SHAP value is 0
        for every patient (unused by the model, e.g. outside its marker
        panel) are never shown.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import numpy as np, shap
    >>> from stratify.plot import shap_summary
    >>> e = shap.Explanation(np.array([[0.5, -0.1], [-0.3, 0.2]]), base_values=np.zeros(2),
    ...                      data=np.array([[1.0, 0.0], [0.0, 1.0]]), feature_names=["a", "b"])
    >>> ax = shap_summary(e, kind="beeswarm")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['b', 'a']
    """
    if kind not in ("bar", "beeswarm"):
        raise ValueError(f"kind must be 'bar' or 'beeswarm'; got {kind!r}.")
    from ._axes import group_colors

    names = np.asarray(explanation.feature_names, dtype=object)
    values = np.asarray(explanation.values)
    multiclass = values.ndim == 3 and class_index is None
    if multiclass and kind == "beeswarm":
        _class_slice(explanation, None)  # raises the explanatory error
    if multiclass:
        outputs = [str(o) for o in (explanation.output_names or range(values.shape[2]))]
        per_class = np.abs(values).mean(axis=0)  # (f, k)
        importance = per_class.sum(axis=1)
        title_class = ""
    else:
        values, _, title_class = _class_slice(explanation, class_index)
        importance = np.abs(values).mean(axis=0)
    # a feature the model never uses (SHAP 0 for everyone, e.g. outside a marker
    # panel) is no information: it is not drawn as an empty bar
    used = np.flatnonzero(importance > 0)
    order = used[np.argsort(importance[used])[::-1][:max_display][::-1]]  # most important on top
    ax = get_ax(ax, (6.0, 0.35 * len(order) + 1.5))
    positions = np.arange(len(order))
    if kind == "bar" and multiclass:
        colors = group_colors(outputs)
        left = np.zeros(len(order))
        for k, output in enumerate(outputs):
            ax.barh(positions, per_class[order, k], left=left, color=colors[output],
                    label=output)
            left += per_class[order, k]
        # beside the bars, never over them
        ax.legend(frameon=False, fontsize="small", title="class", loc="upper left",
                  bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
        ax.set_xlabel(f"mean |{_space(explanation)}|")
    elif kind == "bar":
        from . import PALETTE

        ax.barh(positions, importance[order], color=PALETTE[0])
        ax.set_xlabel(f"mean |{_space(explanation)}|")
    else:
        data = np.asarray(explanation.data, dtype=object)
        rng = np.random.default_rng(0)
        for row, j in enumerate(order):
            colour = pd.to_numeric(pd.Series(data[:, j]), errors="coerce").to_numpy(float)
            finite = np.isfinite(colour)
            scaled = np.full(colour.shape, np.nan)
            if finite.any():
                low, high = (float(v) for v in np.nanpercentile(colour, [5, 95]))
                scaled = np.clip((colour - low) / (high - low if high > low else 1.0), 0, 1)
            jitter = np.asarray(rng.uniform(-0.3, 0.3, size=values.shape[0]))
            ax.scatter(values[~finite, j], row + jitter[~finite], s=8, color="#999999")
            points = ax.scatter(values[finite, j], row + jitter[finite], s=8,
                                c=scaled[finite], cmap="coolwarm", vmin=0, vmax=1)
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_xlabel(_space(explanation))
        colorbar = ax.figure.colorbar(points, ax=ax, ticks=[0, 1], aspect=40)
        colorbar.ax.set_yticklabels(["low", "high"])
        colorbar.set_label("feature value")
    ax.set_yticks(positions)
    ax.set_yticklabels(names[order])
    ax.set_title("SHAP summary" + (f": {title_class}" if title_class else ""))
    return ax


def waterfall(explanation: Any, row: Any, *, class_index: Any = None, max_display: int = 10,
              ax: Any = None) -> Any:
    """One patient's explanation: from the base value to the model output, feature by feature.

    Parameters
    ----------
    explanation : shap.Explanation
    row : int or patient id
        Position, or a patient id among ``explanation.instance_names``.
    class_index : int or class label, optional
        Required for multiclass explanations.
    max_display : int, default=10
        Features shown; the rest are summed into one bar.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import numpy as np, shap
    >>> from stratify.plot import waterfall
    >>> e = shap.Explanation(np.array([[0.5, -0.1, 0.05]]), base_values=np.array([0.2]),
    ...                      data=np.array([[1.0, 2.0, 3.0]]), feature_names=["a", "b", "c"])
    >>> ax = waterfall(e, 0, max_display=2)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['1 other feature', 'b = 2', 'a = 1']
    """
    from . import PALETTE

    values, base, label = _class_slice(explanation, class_index)
    instances = getattr(explanation, "instance_names", None)
    if not isinstance(row, (int, np.integer)):
        ids = [str(i) for i in (instances or [])]
        if str(row) not in ids:
            raise ValueError(f"row {row!r} is neither a position nor a patient id of the "
                             "explanation.")
        row = ids.index(str(row))
    contributions = values[row]
    names = list(explanation.feature_names)
    data = np.asarray(explanation.data, dtype=object)[row]
    order = np.argsort(np.abs(contributions))[::-1]
    shown, rest = order[:max_display], order[max_display:]
    labels = [f"{names[j]} = {_short(data[j])}" for j in shown]
    steps = list(contributions[shown])
    if rest.size:
        labels.append(f"{rest.size} other feature{'s' if rest.size > 1 else ''}")
        steps.append(float(contributions[rest].sum()))
    labels, steps = labels[::-1], steps[::-1]  # largest at the top
    ax = get_ax(ax, (6.0, 0.4 * len(steps) + 1.5))
    # From the base value at the bottom, each bar starts where the one below ended.
    start = base[row] + np.concatenate([[0.0], np.cumsum(steps)[:-1]])
    total = base[row] + float(np.sum(steps))
    colors = [PALETTE[5] if s > 0 else PALETTE[0] for s in steps]
    ax.barh(np.arange(len(steps)), steps, left=start, color=colors)
    ax.axvline(base[row], color="grey", ls="--", lw=0.8, label=f"base value {base[row]:.3g}")
    ax.axvline(total, color="black", lw=0.8, label=f"output {total:.3g}")
    ax.set_yticks(np.arange(len(steps)))
    ax.set_yticklabels(labels)
    ax.set_xlabel(_space(explanation).replace("SHAP value", "model output"))
    patient = instances[row] if instances is not None else row
    ax.set_title(f"Patient {patient}" + (f": {label}" if label else ""))
    ax.legend(frameon=False, fontsize="small")
    return ax


def _short(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return "missing" if np.isnan(value) else f"{value:.3g}"
    return str(value)


def panel_curve(panel_result: Any, *, ax: Any = None) -> Any:
    """Cross-validated balanced accuracy by panel size, with the full model and the choice.

    Parameters
    ----------
    panel_result : stratify.classify.PanelResult
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.classify import PanelResult
    >>> from stratify.plot import panel_curve
    >>> curve = pd.DataFrame({"mean": [0.6, 0.8, 0.84], "sd": [0.05, 0.04, 0.03]},
    ...                      index=pd.RangeIndex(1, 4, name="panel_size"))
    >>> result = PanelResult(["a", "b"], curve, 0.85, 0.03, 0.02, pd.Series(dtype=float),
    ...                      pd.Series(dtype=float), "rfe")
    >>> panel_curve(result).get_xlabel()
    'Panel size (features)'
    """
    from . import PALETTE

    curve = panel_result.curve
    ax = get_ax(ax, (6.0, 4.0))
    sizes = curve.index.to_numpy()
    ax.errorbar(sizes, curve["mean"], yerr=curve["sd"], fmt="o-", color=PALETTE[0],
                capsize=3, label="panel (mean ± SD over folds)")
    full, tolerance = panel_result.full_score, panel_result.tolerance
    ax.axhline(full, color=PALETTE[1], lw=1, label=f"all features ({full:.3f})")
    ax.axhspan(full - tolerance, full, color=PALETTE[1], alpha=0.15,
               label=f"tolerance ({tolerance:g})")
    size = len(panel_result.panel)
    if size in curve.index:
        ax.plot([size], [curve.loc[size, "mean"]], marker="*", ms=14, color=PALETTE[5],
                ls="none", label=f"chosen: {size} feature{'s' if size > 1 else ''}")
    ax.set_xticks(sizes)
    ax.set_xlabel("Panel size (features)")
    ax.set_ylabel("Cross-validated balanced accuracy")
    ax.set_title(f"Marker panel selection ({panel_result.method})")
    ax.legend(frameon=False, fontsize="small", loc="lower right")
    return ax


def confusion_matrix(matrix_or_cv_result: Any, *, normalize: bool = True,
                     ax: Any = None) -> Any:
    """Confusion matrix: true subgroup (rows) by predicted subgroup (columns).

    Parameters
    ----------
    matrix_or_cv_result : DataFrame or CrossValidationResult
        Counts (true classes as index, predicted as columns) or the result of
        :func:`stratify.classify.cross_validate`.
    normalize : bool, default=True
        Colour by the proportion of each true subgroup (row); cells show
        counts and row percentages.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.plot import confusion_matrix
    >>> m = pd.DataFrame([[8, 2], [1, 9]], index=["a", "b"], columns=["a", "b"])
    >>> len(confusion_matrix(m).texts)
    4
    """
    matrix = getattr(matrix_or_cv_result, "confusion", matrix_or_cv_result)
    if not isinstance(matrix, pd.DataFrame):
        matrix = pd.DataFrame(np.asarray(matrix))
    counts = matrix.to_numpy(dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    shown = shares if normalize else counts
    ax = get_ax(ax, (1.1 * counts.shape[1] + 2.5, 1.0 * counts.shape[0] + 1.5))
    image = ax.imshow(shown, cmap="viridis", vmin=0, vmax=1 if normalize else None)
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            text = f"{int(counts[i, j])}\n{shares[i, j]:.0%}" if normalize else f"{int(counts[i, j])}"
            light = shown[i, j] < (0.6 if normalize else 0.6 * shown.max())
            ax.text(j, i, text, ha="center", va="center", fontsize="small",
                    color="white" if light else "black")
    ax.set_xticks(range(counts.shape[1]))
    ax.set_xticklabels([str(c) for c in matrix.columns], rotation=30, ha="right")
    ax.set_yticks(range(counts.shape[0]))
    ax.set_yticklabels([str(c) for c in matrix.index])
    ax.set_xlabel("Predicted subgroup")
    ax.set_ylabel("True subgroup")
    ax.set_title("Confusion matrix")
    ax.figure.colorbar(image, ax=ax, label="share of true subgroup" if normalize else "patients")
    return ax
