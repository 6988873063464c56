"""Shared fixtures: small synthetic cohorts made once per session."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
