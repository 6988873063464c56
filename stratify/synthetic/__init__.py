"""stratify.synthetic (being built)."""

__all__: list[str] = []
