"""The estimator: :class:`Harmonizer`, centre exports onto the schema.

scikit-learn is deliberately not imported here: ``import stratify.data`` must
stay light, so :class:`Harmonizer` implements the estimator protocol
(``get_params``/``set_params``, parameters stored in ``__init__``) itself.
"""

from __future__ import annotations

import inspect
import os
import warnings
from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from ..._utils.rows import MAX_SHOWN as MAX_ROWS_SHOWN
from .._cohort import identifier_columns
from .._formats._labels import label_lookup
from .._keys import _canonical, _keys
from .._schema import PSS_SCHEMA, Schema
from .._validate import Problem, SchemaError, validate
from ._convert import (
    _apply_codes,
    _apply_label,
    _apply_number,
    _duration,
    _empty_rows,
    _Findings,
    _parse_dates,
    _schema_order,
)
from ._files import read_exports
from ._mapping import _Centre, _compile_mapping, _suggest, load_mapping
from ._report import HarmonizationReport

__all__ = ["Harmonizer"]


class Harmonizer:
    """Map centre exports (other names, units, codes, dates) onto the schema.

    A declarative mapping says, per centre, how each export column becomes a
    schema column. :meth:`transform` applies it to ``{centre: DataFrame}``
    and returns ONE validated frame indexed by ``patient_id`` with a
    ``center`` column, columns in schema order (named variables first, then
    ``mol_*`` genes in the order met), rows centre by centre in the order of the
    exports. Every export column the mapping does not cover and every value
    it cannot map is reported in :attr:`report_` (and in a warning with
    counts), never dropped silently; with ``on_unmapped="error"`` they raise.

    The mapping is checked against the schema before any data are touched:
    unknown target columns, code lists pointing at levels the schema does not
    allow, unknown rule keys, two columns feeding one target, a date without
    a reference... each is named with its centre and column.

    Parameters
    ----------
    mapping : dict
        The mapping (format below); :func:`load_mapping` reads it from YAML or
        JSON, as does :meth:`from_file`.
    schema : Schema, default=PSS_SCHEMA
        The target data model.
    on_unmapped : {"report", "error"}, default="report"
        What to do with unmapped columns and values: report them (and warn),
        or raise ``ValueError`` listing them all.

    Attributes
    ----------
    report_ : HarmonizationReport
        What the last :meth:`transform` did, per centre.
    centres_ : list of str
        The centres of the mapping (set by :meth:`fit` and :meth:`transform`).

    Notes
    -----
    **Mapping format.** One entry per centre under ``centres``; the centre's
    name is the key of its export in ``transform``'s dict and, unless a
    column maps to ``center``, the value of the ``center`` column::

        centres:
          Uppsala:
            na_values: [-9, 999, "", "NA", "unknown"]   # sentinels, every column
            columns:
              PatID: patient_id                       # rename
              Kön: {to: sex, codes: {K: F, M: M}}     # code list -> schema levels
              IgG_mg_dl: {to: igg_g_l, scale: 0.01}   # unit: value * scale + offset
              saliva_ml_15min: {to: uwsf_ml_min, scale: 1/15}
              antiSSA: {to: anti_ro, codes: {pos: 1, neg: 0, "1": 1, "2": 0}}
              Schirmer: {to: schirmer_mm_5min, na_values: [-1]}   # column sentinels
              birth_date: {to: age, date: "%Y-%m-%d", reference: visit_date,
                           unit: years, decimals: 1}
              diagnosis_date: {to: disease_duration_years, date: "%Y-%m-%d",
                               reference: visit_date}
              visit_date: {role: reference_date, date: "%Y-%m-%d"}
              ESSDAI_CNS: {to: essdai_cns, offset: -1}     # coded 1, 3, 4
              follow_up_months: {to: lymphoma_time_years, scale: 1/12}
              GE_IFI44: mol_IFI44
            ignore: [comments]     # dropped on purpose, reported as ignored
            file: uppsala_2024.sav # optional: the centre's export file (see transform)
            sheet: Patients        # optional: the worksheet of an .xlsx file

    A rule is a schema column name (a rename) or a mapping with these keys:

    ``to``
        The schema column (required unless ``role`` is given).
    ``scale``, ``offset``
        Unit conversion ``value * scale + offset``; a number or a fraction
        written as text (``"1/15"``).
    ``codes``
        Centre code -> schema level (``{pos: 1, neg: 0}``, ``{ja: 1, nein: 0}``,
        ``{K: F}``); a level ``null`` marks a code meaning missing. ``1``,
        ``1.0`` and ``"1"`` are the same code; text is matched after
        stripping blanks, case-sensitively. Without ``codes``, values of
        binary, ordinal, event and categorical columns must already be
        schema levels.
    ``na_values``
        Sentinels for this column, added to the centre's ``na_values``.
    ``date``, ``reference`` / ``start``, ``unit``, ``decimals``
        The column holds dates in the strptime format ``date``; it becomes
        the duration until the ``reference`` date column (age from a birth
        date, disease duration from a diagnosis date) or since the ``start``
        date column (follow-up to an event date), in ``unit`` (``years``
        = days / 365.25, ``months``, ``weeks``, ``days``). ``decimals`` rounds
        any numeric result.
    ``role: reference_date``
        A date column used only as a reference (e.g. the visit date).

    A column may feed several schema columns with a list of rules, e.g. a
    birth date giving both ``age`` and ``age_at_diagnosis``. Values that are
    not in the code list, not schema levels, not numbers or not dates in the
    format become missing and are reported with their counts (values of
    identifier-like columns are withheld). Export rows without any value are
    left out and reported. Duplicate patient ids, within or across centres,
    are an error naming the ids; out-of-range results are a
    :class:`~stratify.data.SchemaError` naming the centre, the rule, up to
    five patients and the schema rule.

    Examples
    --------
    >>> import warnings
    >>> import pandas as pd
    >>> from stratify.data import Harmonizer
    >>> mapping = {"centres": {
    ...     "Uppsala": {
    ...         "na_values": [-9, ""],
    ...         "columns": {
    ...             "PatID": "patient_id",
    ...             "Kön": {"to": "sex", "codes": {"K": "F", "M": "M"}},
    ...             "IgG_mg_dl": {"to": "igg_g_l", "scale": 0.01},
    ...             "birth": {"to": "age", "date": "%Y-%m-%d", "reference": "visit",
    ...                       "decimals": 1},
    ...             "visit": {"role": "reference_date", "date": "%Y-%m-%d"}},
    ...         "ignore": ["comments"]},
    ...     "Berlin": {"columns": {
    ...         "Patientennummer": "patient_id",
    ...         "Anti-Ro": {"to": "anti_ro", "codes": {"ja": 1, "nein": 0}}}}}}
    >>> exports = {
    ...     "Uppsala": pd.DataFrame({"PatID": ["u1", "u2"], "Kön": ["K", "X"],
    ...                              "IgG_mg_dl": [1200, -9],
    ...                              "birth": ["1970-01-01", "1980-06-30"],
    ...                              "visit": ["2020-01-01", "2021-06-30"],
    ...                              "comments": ["", "follow-up"]}),
    ...     "Berlin": pd.DataFrame({"Patientennummer": ["b1"], "Anti-Ro": ["ja"]})}
    >>> harmonizer = Harmonizer(mapping)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     df = harmonizer.transform(exports)
    >>> df
               center  sex   age  anti_ro  igg_g_l
    patient_id
    u1        Uppsala    F  50.0      NaN     12.0
    u2        Uppsala  NaN  41.0      NaN      NaN
    b1         Berlin  NaN   NaN      1.0      NaN
    >>> harmonizer.report_.unmapped_values
    {'Uppsala': {'Kön': {'X': 1}}, 'Berlin': {}}
    >>> harmonizer.report_.ignored_columns["Uppsala"]
    ['comments']
    """

    _parameter_constraints: dict = {
        "mapping": [dict],
        "schema": [Schema],
        "on_unmapped": [{"report", "error"}],
    }

    def __init__(self, mapping: dict, *, schema: Schema = PSS_SCHEMA,
                 on_unmapped: str = "report"):
        self.mapping = mapping
        self.schema = schema
        self.on_unmapped = on_unmapped

    # -- estimator protocol (as scikit-learn's BaseEstimator, without importing it)
    @classmethod
    def _get_param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [p.name for p in signature.parameters.values() if p.name != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters (as scikit-learn's ``get_params``)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params: Any) -> Harmonizer:
        """Set constructor parameters (as scikit-learn's ``set_params``)."""
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"Invalid parameter {name!r} for Harmonizer; valid parameters "
                                 f"are {valid}.")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        centres = self.mapping.get("centres") if isinstance(self.mapping, Mapping) else None
        names = list(centres) if isinstance(centres, Mapping) else []
        shown = f"<{len(names)} centre(s): {', '.join(map(str, names[:4]))}" + (
            ", ...>" if len(names) > 4 else ">")
        extra = "" if self.on_unmapped == "report" else f", on_unmapped={self.on_unmapped!r}"
        return f"Harmonizer(mapping={shown}{extra})"

    def __sklearn_tags__(self):
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False),
                    transformer_tags=TransformerTags(), requires_fit=False,
                    input_tags=InputTags(two_d_array=False, dict=True))

    def _validate_params(self) -> None:
        for name, allowed in self._parameter_constraints.items():
            value = getattr(self, name)
            if any(isinstance(value, c) if isinstance(c, type) else value in c for c in allowed
                   if isinstance(c, type) or isinstance(value, str)):
                continue
            expected = " or ".join(f"an instance of {c.__name__!r}" if isinstance(c, type)
                                   else f"a str among {sorted(c)}" for c in allowed)
            got = repr(value) if isinstance(value, (str, Real)) else f"a {type(value).__name__}"
            raise ValueError(f"The {name!r} parameter of Harmonizer must be {expected}. "
                             f"Got {got} instead.")

    @classmethod
    def from_file(cls, path: str | os.PathLike, **params: Any) -> Harmonizer:
        """A Harmonizer with the mapping read from a YAML or JSON file (:func:`load_mapping`)."""
        return cls(load_mapping(path), **params)

    def fit(self, X: Any = None, y: Any = None) -> Harmonizer:
        """Check the parameters and the mapping (no data are needed); returns self."""
        self._validate_params()
        self.centres_ = list(_compile_mapping(self.mapping, self.schema))
        return self

    def fit_transform(self, X: Mapping[str, pd.DataFrame], y: Any = None) -> pd.DataFrame:
        """Same as :meth:`transform` (harmonization learns nothing from the data)."""
        return self.fit().transform(X)

    def transform(self, X: Mapping[str, pd.DataFrame | str | os.PathLike] | str | os.PathLike
                  | Sequence[str | os.PathLike]) -> pd.DataFrame:
        """Harmonize ``{centre: export}`` (or export files) into one validated frame.

        Parameters
        ----------
        X : dict of str to DataFrame or path, folder, or list of files
            One export per centre, keyed by the centre's name in the mapping.
            An export's index is used when its name is a mapped column.
            Files (a folder of them, a list, or paths as the dict's values)
            are read with :func:`~stratify.data.read_file`, one centre a file,
            in any mix of the formats it reads. A file belongs to the centre
            whose mapping names it (``file: Uppsala_2024.sav``), else to the
            centre whose name is its stem (``Uppsala.sav``) or starts or ends
            it after an underscore (``exports_Uppsala.csv``); an ``.xlsx``
            file's sheet is the centre's ``sheet`` (by default its one sheet
            with data). Files of a folder that no centre claims are reported
            (``report_.unmatched_files``), not read. CSV and TSV cells are read
            as text; the other formats keep their types, dates and value
            labels: a labelled code maps through its label when the code list
            lists the label, and a label meaning missing (``"not done"``,
            :data:`~stratify.data.MISSING_LABELS`) makes the value missing,
            counted in ``report_.labelled_missing``.

        Returns
        -------
        DataFrame
            Indexed by ``patient_id``, with ``center``; columns in schema order.

        Raises
        ------
        ValueError
            For a bad mapping, an export of a centre the mapping does not know,
            a header problem, an unreadable file, value labels that collide
            (two codes with one label that the code list uses) or disagree
            with the codes, or (``on_unmapped="error"``) anything unmapped.
        SchemaError
            For duplicate patient ids (within or across centres) and values
            that break the schema after mapping.
        """
        self._validate_params()
        centres = _compile_mapping(self.mapping, self.schema)
        self.centres_ = list(centres)
        X, files, unmatched = read_exports(X, centres)
        attrs = ({str(name): dict(frame.attrs) for name, frame in X.items()
                  if isinstance(frame, pd.DataFrame)} if isinstance(X, Mapping) else {})
        exports = self._check_exports(X, centres)
        without = [name for name in centres if name not in exports]
        if without:
            warnings.warn(f"Harmonizer: {len(without)} mapped centre(s) got no export and are "
                          f"absent from the result: {without}.", UserWarning, stacklevel=2)
        report = HarmonizationReport(files=files, unmatched_files=unmatched)
        for name, frame in exports.items():
            centre = centres[name]
            known = set(centre.sources) | set(centre.ignore)
            report.n_rows_in[name] = len(frame)
            report.n_columns_in[name] = frame.shape[1]
            report.unmapped_columns[name] = [c for c in frame.columns if c not in known]
            report.ignored_columns[name] = [c for c in centre.ignore if c in frame.columns]
            report.absent_columns[name] = [c for c in centre.sources if c not in frame.columns]
        if self.on_unmapped == "error" and any(report.unmapped_columns.values()):
            raise ValueError("on_unmapped='error': the mapping does not cover these export "
                             "columns (map them or list them under 'ignore'):\n"
                             + report._summary(limit=50))

        parts: dict[str, pd.DataFrame] = {}
        problems: list[Problem] = []
        collisions: list[str] = []
        for name, frame in exports.items():
            part, found, excluded = self._harmonize_centre(centres[name], frame, problems,
                                                           attrs.get(name))
            report.unmapped_values[name] = found.unmapped_values
            report.sentinels[name] = found.sentinels
            report.excluded_rows[name] = excluded
            report.labels_used[name] = found.by_label
            report.labelled_missing[name] = found.labelled_missing
            _record_mapped(report, centres[name], frame, found)
            collisions += [f"centre {name!r}, {c}" for c in found.collisions]
            if part is not None:
                parts[name] = part
                report.n_rows_out[name] = len(part)
        if collisions:
            raise ValueError(f"{len(collisions)} problem(s) with the value labels of the "
                             f"exports:\n" + "\n".join(f"  - {c}" for c in collisions))
        if not problems:
            problems += _duplicates_across(parts)
        if problems:
            raise SchemaError(problems, source="the centre exports")
        self.report_ = report  # the values the errors and warnings count are listed there
        if self.on_unmapped == "error" and not report.clean:
            raise ValueError("on_unmapped='error': values outside the mapping's code lists or "
                             "the schema's levels:\n" + report._summary(limit=50))

        data = pd.concat(parts.values(), axis=0) if len(parts) > 1 else next(iter(parts.values()))
        data = data[_schema_order(list(data.columns), self.schema)]
        if not report.clean:
            warnings.warn("Harmonizer: unmapped export columns were left out and unmapped "
                          "values set to missing (see .report_):\n" + report._summary(),
                          UserWarning, stacklevel=2)
        return data

    def _check_exports(self, X: Any, centres: dict[str, _Centre]) -> dict[str, pd.DataFrame]:
        if isinstance(X, pd.DataFrame) or not isinstance(X, Mapping):
            raise TypeError("Harmonizer.transform expects a dict {centre name: DataFrame or "
                            "file}, a folder or a list of export files; got "
                            f"{type(X).__name__}.")
        if not X:
            raise ValueError("Harmonizer.transform got no export (an empty dict).")
        problems = []
        exports: dict[str, pd.DataFrame] = {}
        for name, frame in X.items():
            name = str(name)
            if name not in centres:
                problems.append(f"centre {name!r} is not in the mapping"
                                f"{_suggest(name, list(centres))}; mapped centres: "
                                f"{list(centres)}")
                continue
            if not isinstance(frame, pd.DataFrame):
                problems.append(f"centre {name!r}: the export must be a DataFrame; "
                                f"got {type(frame).__name__}")
                continue
            centre = centres[name]
            if frame.index.name is not None and str(frame.index.name) in centre.sources:
                frame = frame.reset_index()
            frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
            dupes = sorted(set(frame.columns[frame.columns.duplicated()]))
            if dupes:
                problems.append(f"centre {name!r}: export column(s) {dupes} appear more than "
                                f"once in the header")
            id_source = centre.id_rule.source
            if id_source not in frame.columns:
                problems.append(f"centre {name!r}: the export has no column {id_source!r}, "
                                f"which the mapping maps to 'patient_id'")
            formats = centre.date_formats
            for rule in centre.rules:
                for ref in (rule.reference, rule.start):
                    if ref is not None and rule.source in frame.columns and \
                            ref not in frame.columns:
                        problems.append(f"centre {name!r}, column {rule.source!r}: needs the "
                                        f"date column {ref!r} (format {formats[ref]!r}), which "
                                        f"the export does not have")
            exports[name] = frame
        if problems:
            raise ValueError(f"{len(problems)} problem(s) with the exports:\n"
                             + "\n".join(f"  - {p}" for p in problems))
        return exports

    def _harmonize_centre(self, centre: _Centre, frame: pd.DataFrame, problems: list[Problem],
                          attrs: Mapping[str, Any] | None = None
                          ) -> tuple[pd.DataFrame | None, _Findings, dict[str, int]]:
        found = _Findings()
        attrs = attrs or {}
        value_labels = attrs.get("value_labels") or {}
        for column, n in (attrs.get("declared_missing") or {}).items():
            if column in centre.sources:  # the file's own missing codes, read as missing
                found.add_sentinels(str(column), int(n))
        empty = _empty_rows(frame)
        excluded = {"all values missing (empty row)": int(empty.sum())} if empty.any() else {}
        row_numbers = np.flatnonzero(~empty) + 1
        frame = frame.iloc[np.flatnonzero(~empty)].reset_index(drop=True)
        where = f"centre {centre.name!r}"

        id_rule = centre.id_rule
        raw_ids = frame[id_rule.source]
        if pd.api.types.is_numeric_dtype(raw_ids):
            ids = _keys(raw_ids)
        else:
            ids = np.array([v.strip() if isinstance(v, str) else _canonical(v)
                            for v in raw_ids.to_numpy(dtype=object)], dtype=object)
        missing_id = np.array([v is None or v == "" for v in ids], dtype=bool)
        if missing_id.any():
            shown = tuple(f"row {r}" for r in row_numbers[missing_id][:MAX_ROWS_SHOWN])
            problems.append(Problem("patient_id", f"{where}, {id_rule.describe()}: must not be "
                                    f"missing", shown, int(missing_id.sum())))
            return None, found, excluded

        dates: dict[str, pd.Series] = {}

        def parsed(source: str) -> pd.Series:
            if source not in dates:
                dates[source] = _parse_dates(frame[source], centre.date_formats[source], source,
                                             centre.na_values | rule_na[source], found)
            return dates[source]

        rule_na: dict[str, frozenset[str]] = {}
        for rule in centre.rules:
            rule_na[rule.source] = rule_na.get(rule.source, frozenset()) | rule.na_values

        columns: dict[str, Any] = {}
        described: dict[str, str] = {}
        for rule in centre.rules:
            if rule.source not in frame.columns or rule.target in (None, "patient_id"):
                if rule.role is not None and rule.source in frame.columns:
                    parsed(rule.source)
                continue
            var = self.schema[rule.target]
            na = centre.na_values | rule.na_values
            hidden = bool(identifier_columns([rule.source]))
            series = frame[rule.source]
            labels = label_lookup(value_labels.get(rule.source) or {})
            if rule.date is not None:
                values = _duration(parsed(rule.source), parsed(str(rule.reference or rule.start)),
                                   rule)
            elif rule.codes is not None:
                values = _apply_codes(series, rule, var, na, found, hidden, labels)
            elif var.is_numeric:
                values = _apply_number(series, rule, var, na, found, hidden, labels)
            else:
                values = _apply_label(series, rule, var, na, found, hidden, labels)
            columns[rule.target] = values
            described[rule.target] = rule.describe()
        if "center" not in columns:
            columns = {"center": np.full(len(frame), centre.name, dtype=object), **columns}
        out = pd.DataFrame(columns, index=pd.Index(ids, name="patient_id"))
        try:
            out = validate(out, self.schema)
        except SchemaError as err:
            for p in err.problems:
                how = described.get(p.column, "the export's patient ids"
                                    if p.column == "patient_id" else "")
                problems.append(Problem(p.column, f"{where}, {how}: {p.rule}", p.rows, p.n_rows))
            return None, found, excluded
        return out, found, excluded


def _record_mapped(report: HarmonizationReport, centre: _Centre, frame: pd.DataFrame,
                   found: _Findings) -> None:
    """Which export columns the centre's rules mapped, to what, and which were converted."""
    mapped: dict[str, str] = {}
    converted: list[str] = []
    for rule in centre.rules:
        if rule.source not in frame.columns:
            continue
        target = rule.target if rule.target is not None else f"<{rule.role}>"
        how = rule.describe().removeprefix(f"export column {rule.source!r}").strip()
        if found.by_label.get(rule.source):
            how = (how[:-1] + ", value labels)") if how else "(value labels)"
        text = f"{target} {how}".strip()
        mapped[rule.source] = (mapped[rule.source] + "; " + text) if rule.source in mapped \
            else text
        if how and rule.target not in (None, "patient_id") and rule.source not in converted:
            converted.append(rule.source)
    report.mapped_columns[centre.name] = mapped
    report.converted_columns[centre.name] = converted


def _duplicates_across(parts: dict[str, pd.DataFrame]) -> list[Problem]:
    """Patients whose id appears in more than one centre."""
    ids = pd.concat([pd.Series(name, index=part.index) for name, part in parts.items()])
    dup = ids.index.duplicated(keep=False)
    if not dup.any():
        return []
    clash = ids[dup]
    names = list(dict.fromkeys(clash.index))
    pairs = sorted({tuple(dict.fromkeys(clash.loc[[i]].tolist())) for i in names[:50]})
    between = "; ".join(" and ".join(repr(c) for c in pair) for pair in pairs[:5])
    return [Problem("patient_id", f"must be unique across centres: the same id appears in "
                    f"centres {between}", tuple(map(str, names[:MAX_ROWS_SHOWN])), len(names))]
