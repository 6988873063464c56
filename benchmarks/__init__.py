"""stratify's benchmark suite: quality against truth and oracle, baselines, speed and scale.

Run ``python -m benchmarks --suite quick --out DIR`` or ``stratify bench``.
"""
