"""stratify.cluster (being built)."""

__all__: list[str] = []
