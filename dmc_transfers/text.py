"""Free-text normalisation shared by every front door: trimmed, blank is null."""


def clean_text(value):
    """Trim surrounding spaces; an empty or blank value becomes ``None``."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None
