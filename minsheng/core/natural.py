"""Sorting for people: numbers inside text sort as numbers ("第2小学" before "第10小学",
window "3-2" before "3-10"), the way a reader expects a list to run."""

import re

_DIGITS = re.compile(r"(\d+)")


def natural_key(value) -> tuple:
    """A sort key that compares the digit runs of ``value`` as numbers and the rest as text."""
    if isinstance(value, int | float):
        return ((0, value, ""),)
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in _DIGITS.split(str(value)) if part)
