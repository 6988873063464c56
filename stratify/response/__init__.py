"""stratify.response (being built)."""

__all__: list[str] = []
