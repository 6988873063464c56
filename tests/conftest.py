"""Shared fixtures: small synthetic cohorts made once per session."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

# Property tests draw the same examples on every run (derandomized), so that CI
# is reproducible: a red run means a regression, not an unlucky draw. To explore
# new examples, run with HYPOTHESIS_PROFILE=explore.
try:
    from hypothesis import settings as _hypothesis_settings
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    pass
else:
    _hypothesis_settings.register_profile("ci", derandomize=True)
    _hypothesis_settings.register_profile("explore", derandomize=False)
    _hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
