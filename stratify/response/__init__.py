"""Treatment response and its heterogeneity by subgroup.

- :func:`responders`: who responded between two visits (STAR, ESSDAI or ESSPRI MCII).
- :func:`effect_by_subgroup`: treatment effect per subgroup with the interaction test.
- :data:`RULES`: the response rules :func:`responders` knows.
"""

from ._effect import effect_by_subgroup
from ._responders import RULES, responders

__all__ = ["RULES", "effect_by_subgroup", "responders"]
