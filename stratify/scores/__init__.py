"""Clinical indices of primary Sjögren's syndrome, computed from frames in schema names.

Every function checks its input before computing (levels, ranges, required
columns; errors name the column, up to five rows and the rule) and returns a
Series or DataFrame indexed like the input. Missing values are never guessed:
see each function for how they are handled.

- :func:`essdai`: systemic disease activity, 12 weighted domains (0-123).
- :func:`clinessdai`: the ESSDAI without its biological domain.
- :func:`essdai_activity`: low (< 5), moderate (5-13) or high (>= 14) activity.
- :func:`esspri`: patient-reported dryness, fatigue and pain (0-10).
- :func:`acr_eular_2016`: 2016 ACR/EULAR classification points and decision.
- :func:`star`: STAR composite response between two visits.
- :func:`lymphoma_risk_score`: counts of published lymphoma risk factors.
- :data:`ESSDAI_WEIGHTS`, :data:`CLINESSDAI_WEIGHTS`, :data:`CLINESSDAI_WEIGHTS_REESTIMATED`:
  domain weights by column.
- :data:`ESSPRI_COLUMNS`, :data:`ACR_EULAR_2016_EXCLUSIONS`, :data:`STAR_POINTS`,
  :data:`FRAGKIOUDAKI_FACTORS`, :data:`NOCTURNE_FACTORS`: the items behind the scores.
"""

from ._checks import aligned_visits as aligned_visits
from ._checks import fell_by as fell_by
from ._checks import numeric_columns as numeric_columns
from ._checks import to_boolean as to_boolean
from ._criteria import ACR_EULAR_2016_EXCLUSIONS, acr_eular_2016
from ._essdai import (
    CLINESSDAI_WEIGHTS,
    CLINESSDAI_WEIGHTS_REESTIMATED,
    ESSDAI_WEIGHTS,
    clinessdai,
    essdai,
    essdai_activity,
)
from ._esspri import ESSPRI_COLUMNS, esspri
from ._lymphoma import FRAGKIOUDAKI_FACTORS, NOCTURNE_FACTORS, lymphoma_risk_score
from ._star import STAR_POINTS, star

# aligned_visits, fell_by, numeric_columns and to_boolean (visit checks and the
# three-valued logic of the scores) are shared with stratify.response, the layer
# above; they are not part of the public API and not in __all__.

__all__ = [
    "ACR_EULAR_2016_EXCLUSIONS",
    "CLINESSDAI_WEIGHTS",
    "CLINESSDAI_WEIGHTS_REESTIMATED",
    "ESSDAI_WEIGHTS",
    "ESSPRI_COLUMNS",
    "FRAGKIOUDAKI_FACTORS",
    "NOCTURNE_FACTORS",
    "STAR_POINTS",
    "acr_eular_2016",
    "clinessdai",
    "essdai",
    "essdai_activity",
    "esspri",
    "lymphoma_risk_score",
    "star",
]
