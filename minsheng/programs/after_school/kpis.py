"""KPIs shown on the city dashboard (computed city-wide)."""

from . import selectors


def coverage_percent() -> float | None:
    return selectors.city_summary()["coverage_percent"]


def attendance_percent() -> float | None:
    return selectors.city_summary()["attendance_percent"]
