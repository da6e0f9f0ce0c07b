"""Masks for personal numbers shown where they must not be read in full (screens, logs)."""


def mask_phone(value: str) -> str:
    """Show the first 3 and last 4 digits: 138****1234."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
